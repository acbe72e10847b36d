// SPDX-License-Identifier: GPL-2.0
/* One decision: open file in, allow/deny out, with the verdict cached in the kernel and a
 * complete record for the analyst.  The file is hashed once through the event's fd under
 * a read lease, and the verdict is published only if the file's version did not move
 * while it was read (a writer racing the verification gets a fresh decision next time). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "bpf_backend.h"
#include "decide.h"
#include "eg_policy_runtime.h"
#include "eg_facts.h"
#include "eg_script.h"
#include "events.h"
#include "log.h"

struct runtime {
	struct eg_policy *policy;
	enum eg_mode mode; /* the policy's, or --mode's when given */
	struct eg_verifier *verifier;
	char digest[2 * EG_SHA256_LEN + 1];
	/* The policy's generation, one more at each catalog sync that takes trust away:
	 * verdicts made before no longer hold. */
	uint32_t generation;
	/* One more at each catalog sync: denies made before no longer hold (a sync that only
	 * adds catalogs leaves the generation, and with it every allow, as it was).  Its low
	 * byte is what a deny records, so the generation moves on when that byte wraps. */
	uint32_t trust_epoch;
	/* A catalog sync's runtime borrows the policy and verifier of the runtime that loaded
	 * them (holding a reference to it); NULL: they are this runtime's own. */
	struct runtime *owner;
	int refs;
};

/* Bounds the index of allowed digests (about 100 bytes each); past it, any catalog
 * replaced or removed starts a new generation, as every one did before the index. */
#define EG_ALLOWED_MAX 65536

struct eg_decider {
	struct eg_decider_config config;
	char *quick_start_text; /* the policy the quick-start flags stand for */
	struct eg_bpf *bpf;
	struct eg_log *log;
	char host[256];
	pthread_mutex_t lock;    /* guards current and its reference counts */
	struct runtime *current;
	unsigned long long allowed, denied, audited;
	/* by decision (allow, deny, audit) and reason, for the metrics */
	unsigned long long by_reason[3][EG_REASON_COUNT];
	/* The digests of the files the kernel holds an allow for (a verdict or an ignore mark)
	 * under the current generation: a catalog sync that lists none of them takes no
	 * allow back, and leaves the generation as it is (eg_decider_sync_catalogs()). */
	void *allowed_digests; /* tsearch(3) tree of EG_SHA256_LEN-byte keys */
	size_t nallowed_digests;
	bool allowed_unindexed; /* an allow without a digest, or more than EG_ALLOWED_MAX */
	bool syncing;           /* a catalog sync is changing the catalogs: publish nothing */
	bool allowed_relisted;  /* the sync under way touched an allowed digest */
	bool on_last_good;          /* started on the last known good copy */
	char fallback_reason[1024]; /* why the configured policy was not used */
};

static void runtime_put(struct eg_decider *decider, struct runtime *runtime)
{
	bool last;

	pthread_mutex_lock(&decider->lock);
	last = --runtime->refs == 0;
	pthread_mutex_unlock(&decider->lock);
	if (!last)
		return;
	if (runtime->owner) {
		runtime_put(decider, runtime->owner);
	} else {
		eg_verifier_free(runtime->verifier);
		eg_policy_free(runtime->policy);
	}
	free(runtime);
}

static struct runtime *runtime_get(struct eg_decider *decider)
{
	struct runtime *runtime;

	pthread_mutex_lock(&decider->lock);
	runtime = decider->current;
	runtime->refs++;
	pthread_mutex_unlock(&decider->lock);
	return runtime;
}

/* The quick-start flags as policy text, so both roads go through one parser. */
static int quick_start_policy(const struct eg_decider_config *config, char **ret_text,
			      char *errbuf, size_t errlen)
{
	const char *const *lists[] = { config->anchors, config->tsa_anchors };
	static const char *const keywords[] = { "trust-anchor", "tsa-anchor" };
	size_t len;
	FILE *out = open_memstream(ret_text, &len);

	if (!out)
		return -ENOMEM;
	fprintf(out, "mode %s\n", config->mode ? config->mode : "audit");
	for (size_t l = 0; l < 2; l++) {
		for (const char *const *file = lists[l]; file && *file; file++) {
			if (strpbrk(*file, "\"\n\\")) {
				snprintf(errbuf, errlen, "%s: a file name with a quote, backslash "
					 "or newline cannot be used", *file);
				fclose(out);
				free(*ret_text);
				return -EINVAL;
			}
			fprintf(out, "%s \"%s\"\n", keywords[l], *file);
		}
	}
	if (config->crl_dir)
		fprintf(out, "crl-dir \"%s\"\n", config->crl_dir);
	fprintf(out, "allow outcome valid\ndefault deny\n");
	return fclose(out) ? -ENOMEM : 0;
}

/* What of the running policy judges a replacement's signature: its
 * require-signed-policy (NULL: none), CRL directory and TSA anchors, copied. */
struct running_trust {
	bool set; /* there is a running policy */
	char *require, *crl_dir;
	char **tsa; /* NULL-terminated */
};

static void running_trust_clear(struct running_trust *rt)
{
	for (size_t i = 0; rt->tsa && rt->tsa[i]; i++)
		free(rt->tsa[i]);
	free(rt->tsa);
	free(rt->require);
	free(rt->crl_dir);
	memset(rt, 0, sizeof(*rt));
}

static int running_trust(struct eg_decider *decider, struct running_trust *ret)
{
	const struct eg_policy_settings *st;
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	pthread_mutex_lock(&decider->lock);
	if (!decider->current)
		goto out;
	st = eg_policy_settings(decider->current->policy);
	ret->set = true;
	ret->tsa = calloc(st->tsa_anchors.n + 1, sizeof(*ret->tsa));
	if (!ret->tsa)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < st->tsa_anchors.n; i++)
		if (!(ret->tsa[i] = strdup(st->tsa_anchors.v[i])))
			err = -ENOMEM;
	if (!err && st->require_signed_policy &&
	    !(ret->require = strdup(st->require_signed_policy)))
		err = -ENOMEM;
	if (!err && st->crl_dir && !(ret->crl_dir = strdup(st->crl_dir)))
		err = -ENOMEM;
out:
	pthread_mutex_unlock(&decider->lock);
	if (err)
		running_trust_clear(ret);
	return err;
}

static struct runtime *runtime_of(struct eg_runtime *rt)
{
	struct runtime *runtime = calloc(1, sizeof(*runtime));

	if (!runtime) {
		eg_runtime_clear(rt);
		return NULL;
	}
	runtime->policy = rt->policy;
	runtime->verifier = rt->verifier;
	runtime->mode = rt->mode;
	memcpy(runtime->digest, rt->digest, sizeof(runtime->digest));
	runtime->generation = eg_policy_generation(rt->policy);
	runtime->refs = 1;
	return runtime;
}

/* A catalog of the catalog directory that cannot be used: its files are not trusted,
 * the others are, and the operator reads why (at load, off the decision path). */
static void catalog_skipped(void *ctx, const char *path, const char *why)
{
	fprintf(stderr, "execgated: catalog %s skipped: %s\n", path, why);
}

static void runtime_config(struct eg_decider *decider, struct eg_runtime_config *ret)
{
	const struct eg_decider_config *config = &decider->config;

	*ret = (struct eg_runtime_config){
		.mode = config->mode,
		.anchors = config->anchors,
		.tsa_anchors = config->tsa_anchors,
		.crl_dir = config->crl_dir,
		.deny_list = config->deny_list,
		.catalog_skipped = catalog_skipped,
	};
}

/* The configured policy (or the quick-start flags' one), made ready by the one loader
 * `execgate policy check` uses too. */
static int load_runtime(struct eg_decider *decider, uint32_t prev_generation,
			struct runtime **ret, char *errbuf, size_t errlen)
{
	const struct eg_decider_config *config = &decider->config;
	struct eg_runtime_config rc;
	struct eg_runtime rt;
	struct running_trust running;
	int err;

	runtime_config(decider, &rc);
	if (config->policy_path) {
		err = running_trust(decider, &running);
		if (err) {
			snprintf(errbuf, errlen, "out of memory");
			return err;
		}
		rc.require_signed = running.require;
		rc.running_set = running.set;
		rc.running_crl_dir = running.crl_dir;
		rc.running_tsa_anchors = (const char *const *)running.tsa;
		err = eg_runtime_load(config->policy_path, NULL, NULL, prev_generation, &rc, &rt,
				      errbuf, errlen);
		running_trust_clear(&running);
	} else {
		struct eg_policy_error perr = { .line = 0 };
		struct eg_policy *policy = NULL;

		err = eg_policy_parse_buffer("(command line)", decider->quick_start_text,
					     strlen(decider->quick_start_text), prev_generation,
					     &policy, &perr);
		if (err)
			eg_runtime_policy_error(&perr, err, errbuf, errlen);
		else
			err = eg_runtime_build(policy, NULL, NULL, &rc, &rt, errbuf, errlen);
	}
	if (err)
		return err;
	*ret = runtime_of(&rt);
	return *ret ? 0 : -ENOMEM;
}

/* --- the last known good policy ----------------------------------------------------- */

/* STATE_DIR/NAME into BUF. */
static int state_path(const struct eg_decider *decider, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", decider->config.state_dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Write LEN bytes of DATA to STATE_DIR/NAME: a temporary file, fsync, rename, so a reader
 * (the next start) sees the old copy or the new one, never a part. */
static int state_write(const struct eg_decider *decider, const char *name, const void *data,
		       size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	size_t done = 0;
	int fd, err = state_path(decider, name, path, sizeof(path));

	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);

		if (n < 0) {
			err = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (!err && (fchmod(fd, 0600) || fsync(fd)))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int read_small_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		err = -EIO;
	else if (n > max)
		err = -EFBIG;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

int eg_decider_save_last_good(struct eg_decider *decider, char *errbuf, size_t errlen)
{
	struct runtime *runtime;
	const unsigned char *canon;
	const char *path = decider->config.policy_path;
	char sig[PATH_MAX], *sigbuf = NULL;
	size_t len, siglen = 0;
	int err = 0;

	if (!decider->config.state_dir || !path || decider->on_last_good)
		return 0;
	runtime = runtime_get(decider);
	canon = eg_policy_canonical(runtime->policy, &len);
	/* A signature goes with the copy (a policy requiring one is checked again when the
	 * copy is used); a copy without one leaves none behind from an older copy. */
	snprintf(sig, sizeof(sig), "%s.sig", path);
	err = read_small_file(sig, 1u << 20, &sigbuf, &siglen);
	if (!err) {
		err = state_write(decider, "last-good.policy.sig", sigbuf, siglen);
	} else if (err == -ENOENT) {
		char old[PATH_MAX];

		err = state_path(decider, "last-good.policy.sig", old, sizeof(old));
		if (!err && unlink(old) && errno != ENOENT)
			err = -errno;
	} else {
		snprintf(errbuf, errlen, "%s: %s", sig, strerror(-err));
		goto out;
	}
	if (!err)
		err = state_write(decider, "last-good.policy", canon, len);
	if (!err)
		err = state_write(decider, "last-good.source", path, strlen(path));
	if (err)
		snprintf(errbuf, errlen, "%s: %s", decider->config.state_dir, strerror(-err));
out:
	free(sigbuf);
	runtime_put(decider, runtime);
	return err;
}

/* The copy kept by eg_decider_save_last_good(), made ready as the configured policy
 * would be: same overrides; anchors, CRLs and catalogs read from the paths it names. */
static int load_last_good(struct eg_decider *decider, struct runtime **ret, char *errbuf,
			  size_t errlen)
{
	struct eg_policy_error perr = { .line = 0 };
	char path[PATH_MAX], sig[PATH_MAX], source[PATH_MAX];
	struct eg_policy *policy = NULL;
	struct eg_runtime_config rc;
	char *buf = NULL, *name = NULL;
	struct eg_runtime rt;
	size_t len, name_len;
	int err;

	err = state_path(decider, "last-good.policy", path, sizeof(path));
	if (!err)
		err = state_path(decider, "last-good.policy.sig", sig, sizeof(sig));
	if (!err)
		err = state_path(decider, "last-good.source", source, sizeof(source));
	if (!err)
		err = read_small_file(source, PATH_MAX - 1, &name, &name_len);
	if (!err)
		err = read_small_file(path, EG_POLICY_MAX_FILE * 2, &buf, &len);
	if (err) {
		snprintf(errbuf, errlen, "%.512s: %s", err == -ENOENT ? decider->config.state_dir : path,
			 err == -ENOENT ? "no last known good copy" : strerror(-err));
		goto out;
	}
	/* Written without a newline; one added by hand is not part of the name. */
	while (name_len && name[name_len - 1] == '\n')
		name[--name_len] = '\0';
	err = eg_policy_parse_canonical(name, buf, len, 0, &policy, &perr);
	if (err) {
		eg_runtime_policy_error(&perr, err, errbuf, errlen);
		goto out;
	}
	runtime_config(decider, &rc);
	err = eg_runtime_build(policy, name, sig, &rc, &rt, errbuf, errlen);
	if (err)
		goto out;
	*ret = runtime_of(&rt);
	err = *ret ? 0 : -ENOMEM;
out:
	free(buf);
	free(name);
	return err;
}

int eg_decider_new(const struct eg_decider_config *config, struct eg_log *log,
		   struct eg_decider **ret, char *errbuf, size_t errlen)
{
	struct eg_decider *decider = calloc(1, sizeof(*decider));
	int err;

	if (!decider)
		return -ENOMEM;
	decider->config = *config;
	decider->log = log;
	pthread_mutex_init(&decider->lock, NULL);
	gethostname(decider->host, sizeof(decider->host) - 1);
	if (!config->policy_path) {
		err = quick_start_policy(config, &decider->quick_start_text, errbuf, errlen);
		if (err)
			goto fail;
	}
	err = load_runtime(decider, config->prev_generation, &decider->current, errbuf, errlen);
	if (err && config->policy_path && config->state_dir) {
		char why[1024];

		snprintf(decider->fallback_reason, sizeof(decider->fallback_reason), "%s", errbuf);
		if (load_last_good(decider, &decider->current, why, sizeof(why))) {
			snprintf(errbuf + strlen(errbuf), errlen - strlen(errbuf),
				 "; and the last known good copy cannot be used either: %s", why);
			err = err == -ENOMEM ? err : -ESTALE;
			goto fail;
		}
		decider->on_last_good = true;
		err = 0;
	} else if (err && config->policy_path) {
		err = err == -ENOMEM ? err : -ESTALE;
	}
	if (err)
		goto fail;
	*ret = decider;
	return 0;
fail:
	free(decider->quick_start_text);
	free(decider);
	return err;
}

void eg_decider_attach_bpf(struct eg_decider *decider, struct eg_bpf *bpf)
{
	decider->bpf = bpf;
}

static int digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EG_SHA256_LEN);
}

/* A new generation: no allow of the old one holds, so none needs indexing.  Under lock. */
static void forget_allowed(struct eg_decider *decider)
{
	tdestroy(decider->allowed_digests, free);
	decider->allowed_digests = NULL;
	decider->nallowed_digests = 0;
	decider->allowed_unindexed = false;
}

/* Under lock. */
static void index_allowed(struct eg_decider *decider, const struct eg_verify_result *res)
{
	unsigned char *key;
	void *node;

	if (decider->allowed_unindexed)
		return;
	if (!res->has_file_sha256 || decider->nallowed_digests == EG_ALLOWED_MAX) {
		decider->allowed_unindexed = true;
		return;
	}
	if (tfind(res->file_sha256, &decider->allowed_digests, digest_cmp))
		return;
	key = malloc(EG_SHA256_LEN);
	if (key)
		memcpy(key, res->file_sha256, EG_SHA256_LEN);
	node = key ? tsearch(key, &decider->allowed_digests, digest_cmp) : NULL;
	if (!node) {
		free(key);
		decider->allowed_unindexed = true;
		return;
	}
	decider->nallowed_digests++;
}

/* The sync's eg_digest_fn: under the catalog store's write lock, where no decision reads
 * the catalogs. */
static void allowed_relisted(void *ctx, const unsigned char sha256[EG_SHA256_LEN])
{
	struct eg_decider *decider = ctx;

	pthread_mutex_lock(&decider->lock);
	if (!decider->allowed_relisted && tfind(sha256, &decider->allowed_digests, digest_cmp))
		decider->allowed_relisted = true;
	pthread_mutex_unlock(&decider->lock);
}

void eg_decider_free(struct eg_decider *decider)
{
	if (!decider)
		return;
	tdestroy(decider->allowed_digests, free);
	if (decider->current)
		runtime_put(decider, decider->current);
	free(decider->quick_start_text);
	free(decider);
}

int eg_decider_reload(struct eg_decider *decider, char *errbuf, size_t errlen)
{
	struct runtime *next, *old;
	int err = load_runtime(decider, eg_decider_generation(decider), &next, errbuf, errlen);

	if (err)
		return err;
	pthread_mutex_lock(&decider->lock);
	old = decider->current;
	next->trust_epoch = old->trust_epoch;
	decider->current = next;
	forget_allowed(decider);
	decider->on_last_good = false;
	decider->fallback_reason[0] = '\0';
	pthread_mutex_unlock(&decider->lock);
	runtime_put(decider, old);
	return 0;
}

int eg_decider_sync_catalogs(struct eg_decider *decider, struct eg_catalog_sync *ret,
			     char *errbuf, size_t errlen)
{
	struct runtime *runtime = runtime_get(decider), *next = NULL, *old = NULL;
	const char *dir = eg_policy_settings(runtime->policy)->catalog_dir;
	bool takes_back;
	int err;

	memset(ret, 0, sizeof(*ret));
	if (!dir) {
		snprintf(errbuf, errlen, "the policy names no catalog-dir");
		err = -ENOENT;
		goto out;
	}
	/* Allocated first: once the catalogs changed, the runtime must change with them. */
	next = calloc(1, sizeof(*next));
	if (!next) {
		snprintf(errbuf, errlen, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&decider->lock);
	decider->syncing = true;
	decider->allowed_relisted = false;
	pthread_mutex_unlock(&decider->lock);
	/* The verifier is shared with every decision in flight: the catalog store takes
	 * changes while lookups run.  A decision made across the change sees the sync under
	 * way, or the runtime no longer current, and publishes nothing (decide again). */
	err = eg_verifier_sync_catalog_dir(runtime->verifier, dir, catalog_skipped,
					   allowed_relisted, decider, ret);
	if (err)
		snprintf(errbuf, errlen, "catalog-dir %s: %s", dir, strerror(-err));
	*next = *runtime;
	next->owner = runtime->owner ? runtime->owner : runtime;
	next->refs = 1;
	/* Added trust turns no allow into a deny: only a catalog replaced or removed that
	 * listed, or now lists, a file the kernel holds an allow for needs every verdict
	 * made again.  A sync that failed half-way is taken as having done that. */
	next->trust_epoch = runtime->trust_epoch + 1;
	pthread_mutex_lock(&decider->lock);
	takes_back = err || ((ret->replaced || ret->removed) &&
			     (decider->allowed_relisted || decider->allowed_unindexed));
	if (takes_back || (uint8_t)next->trust_epoch == 0) {
		next->generation = runtime->generation + 1;
		forget_allowed(decider);
	}
	decider->syncing = false;
	if (err || ret->added || ret->replaced || ret->removed) {
		next->owner->refs++;
		old = decider->current;
		decider->current = next;
		next = NULL;
	}
	pthread_mutex_unlock(&decider->lock);
	if (old)
		runtime_put(decider, old);
out:
	free(next);
	runtime_put(decider, runtime);
	return err;
}

const char *eg_decider_fallback(struct eg_decider *decider)
{
	return decider->on_last_good ? decider->fallback_reason : NULL;
}

enum eg_mode eg_decider_mode(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	enum eg_mode mode = runtime->mode;

	runtime_put(decider, runtime);
	return mode;
}

bool eg_decider_log_journal(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	bool on = eg_policy_settings(runtime->policy)->log_journal;

	runtime_put(decider, runtime);
	return on;
}

int eg_decider_adopt_policy_scope(struct eg_decider *decider, char *ret_dir, size_t len,
				  char *errbuf, size_t errlen)
{
	struct runtime *runtime = runtime_get(decider);
	const struct eg_policy_strings *scopes = &eg_policy_settings(runtime->policy)->scope_cgroups;
	int err = 0;

	if (decider->config.scope_cgroup || !scopes->n)
		goto out;
	/* The kernel side gates one cgroup subtree, named by its directory: a list or a
	 * pattern would leave the gate wider than the policy says, so it is refused. */
	if (scopes->n > 1 || strpbrk(scopes->v[0], "*?[")) {
		snprintf(errbuf, errlen, "scope cgroup: the gate scopes one cgroup subtree, named "
					 "without wildcards; the policy names %zu: %s%s",
			 scopes->n, scopes->v[0], scopes->n > 1 ? " ..." : "");
		err = -EINVAL;
		goto out;
	}
	if ((size_t)snprintf(ret_dir, len, "/sys/fs/cgroup%s", scopes->v[0]) >= len) {
		snprintf(errbuf, errlen, "scope cgroup %s: name too long", scopes->v[0]);
		err = -ENAMETOOLONG;
		goto out;
	}
	decider->config.scope_cgroup = ret_dir;
	err = 1;
out:
	runtime_put(decider, runtime);
	return err;
}

bool eg_decider_self_protection(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	bool on = eg_policy_settings(runtime->policy)->self_protection;

	runtime_put(decider, runtime);
	return on;
}

bool eg_decider_context_free(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	bool context_free = !eg_policy_has_context_rules(runtime->policy);

	runtime_put(decider, runtime);
	return context_free;
}

uint32_t eg_decider_generation(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	uint32_t generation = runtime->generation;

	runtime_put(decider, runtime);
	return generation;
}

uint32_t eg_decider_trust_epoch(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	uint32_t trust_epoch = runtime->trust_epoch;

	runtime_put(decider, runtime);
	return trust_epoch;
}

/* --- facts about the process ------------------------------------------------------ */

struct process_info {
	pid_t ppid;
	long uid;
	char comm[32];
	char parent_exe[PATH_MAX];
	char cgroup[PATH_MAX];
};

/* PID's cgroup v2 path (the "0::" line of /proc/PID/cgroup) into RET; "" when unknown. */
static void read_cgroup(pid_t pid, char *ret, size_t len)
{
	char path[64], line[512];
	FILE *file;

	ret[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	file = fopen(path, "re");
	if (!file)
		return;
	while (fgets(line, sizeof(line), file))
		if (!strncmp(line, "0::", 3)) {
			snprintf(ret, len, "%s", line + 3);
			ret[strcspn(ret, "\n")] = '\0';
		}
	fclose(file);
}

static void read_process(pid_t pid, struct process_info *ret)
{
	char path[64], line[512];
	FILE *file;
	ssize_t len;

	*ret = (struct process_info){ .ppid = -1, .uid = -1 };
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	file = fopen(path, "re");
	if (file) {
		while (fgets(line, sizeof(line), file)) {
			if (!strncmp(line, "Name:\t", 6)) {
				snprintf(ret->comm, sizeof(ret->comm), "%.*s",
					 (int)sizeof(ret->comm) - 1, line + 6);
				ret->comm[strcspn(ret->comm, "\n")] = '\0';
			} else if (!strncmp(line, "PPid:\t", 6)) {
				ret->ppid = (pid_t)strtol(line + 6, NULL, 10);
			} else if (!strncmp(line, "Uid:\t", 5)) {
				ret->uid = strtol(line + 5, NULL, 10);
			}
		}
		fclose(file);
	}
	read_cgroup(pid, ret->cgroup, sizeof(ret->cgroup));
	if (ret->ppid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", ret->ppid);
		len = readlink(path, ret->parent_exe, sizeof(ret->parent_exe) - 1);
		ret->parent_exe[len > 0 ? len : 0] = '\0';
	}
}

/* --- the record ------------------------------------------------------------------- */

static json_t *string_or_null(const char *text)
{
	return text && *text ? json_string(text) : json_null();
}

static void rfc3339(int64_t when, char *ret, size_t len)
{
	time_t secs = (time_t)when;
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(ret, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void now_rfc3339(char *ret, size_t len)
{
	struct timespec now;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ret, len, "%s.%06ldZ", base, now.tv_nsec / 1000);
}

static json_t *signature_json(const struct eg_verify_result *res)
{
	static const char *const kinds[] = { "none", "embedded", "detached", "catalog" };
	char sha[2 * EG_SHA256_LEN + 1], not_after[32], stamp[32];

	if (!res->has_signer)
		return json_null();
	eg_sha256_hex(res->signer.sha256, sha);
	rfc3339(res->signer.not_after, not_after, sizeof(not_after));
	if (res->has_timestamp)
		rfc3339(res->timestamp, stamp, sizeof(stamp));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "kind",
			 kinds[res->kind <= EG_SIG_CATALOG ? res->kind : 0], "subject",
			 res->signer.subject, "issuer", res->signer.issuer, "serial",
			 res->signer.serial, "sha256", sha, "not_after", not_after, "timestamp",
			 res->has_timestamp ? json_string(stamp) : json_null(), "tsa",
			 res->has_timestamp ? json_string(res->tsa_subject) : json_null(),
			 "provenance",
			 res->provenance[0] ? json_string(res->provenance) : json_null());
}

static json_t *record(struct eg_decider *decider, const struct runtime *runtime,
		      const char *decision, enum eg_hook hook, enum eg_reason reason, pid_t pid,
		      const struct process_info *process, const char *path, const struct stat *st,
		      const struct eg_verify_result *res, const struct eg_policy_rule *rule)
{
	char now[64], sha[2 * EG_SHA256_LEN + 1], signed_sha[2 * EG_SHA256_LEN + 1], dev[32];

	now_rfc3339(now, sizeof(now));
	snprintf(dev, sizeof(dev), "%u:%u", major(st->st_dev), minor(st->st_dev));
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:{s:i, s:i, s:I, s:s, s:o, s:o}, "
		"s:{s:s, s:s, s:I, s:I, s:o, s:o}, s:o, s:o, s:{s:s, s:I}}",
		"time", now, "host", decider->host, "decision", decision, "mode",
		eg_mode_name(runtime->mode), "hook", eg_hook_name(hook), "reason",
		reason ? json_string(eg_reason_name(reason)) : json_null(), "count", 1, "process",
		"pid", (int)pid, "ppid", (int)process->ppid, "uid", (json_int_t)process->uid,
		"comm", process->comm, "parent_exe", string_or_null(process->parent_exe), "cgroup",
		string_or_null(process->cgroup), "file", "path", path, "dev", dev, "ino",
		(json_int_t)st->st_ino, "size", (json_int_t)st->st_size, "sha256",
		res && res->has_file_sha256 ? json_string(eg_sha256_hex(res->file_sha256, sha))
					    : json_null(),
		"signed_sha256",
		res && res->has_file_sha256
			? json_string(eg_sha256_hex(res->signed_sha256, signed_sha))
			: json_null(),
		"signature", res ? signature_json(res) : json_null(), "rule",
		rule ? json_pack("{s:i, s:s, s:i}", "id", (int)rule->id, "file", rule->file, "line",
				 (int)rule->line)
		     : json_null(),
		"policy", "sha256", runtime->digest, "generation",
		(json_int_t)runtime->generation);
}

/* --- the decision ------------------------------------------------------------------ */

/* The verification's facts, translated as `execgate explain` translates them, and this
 * access's. */
static void facts_from(const struct eg_verify_result *res, const struct runtime *runtime,
		       const char *path, enum eg_hook hook, const struct process_info *process,
		       char *catalog_buf, size_t catalog_len, struct eg_policy_facts *ret)
{
	eg_policy_facts_from_verify(res, eg_policy_settings(runtime->policy), catalog_buf,
				    catalog_len, ret);
	ret->path = path;
	ret->hook = hook;
	ret->uid = process->uid < 0 ? UINT32_MAX : (uint32_t)process->uid;
	ret->cgroup = process->cgroup[0] ? process->cgroup : NULL;
}

/* Is the process in the configured cgroup subtree?  /proc/PID/cgroup names its cgroup
 * relative to the cgroup2 root, the scope is given as a directory under the mount. */
static bool in_scope(const struct eg_decider *decider, const struct process_info *process)
{
	static const char root[] = "/sys/fs/cgroup";
	const char *scope = decider->config.scope_cgroup;
	size_t len;

	if (!scope)
		return true;
	if (!strncmp(scope, root, sizeof(root) - 1))
		scope += sizeof(root) - 1;
	len = strlen(scope);
	while (len && scope[len - 1] == '/')
		len--;
	return !len || (!strncmp(process->cgroup, scope, len) &&
			(process->cgroup[len] == '/' || process->cgroup[len] == '\0'));
}

bool eg_decider_in_scope(struct eg_decider *decider, pid_t pid)
{
	struct process_info process = { .ppid = -1, .uid = -1 };

	if (!decider->config.scope_cgroup)
		return true;
	/* On the consult's reader thread, for every exec: the cgroup alone. */
	read_cgroup(pid, process.cgroup, sizeof(process.cgroup));
	/* A process whose cgroup cannot be read is decided as gated: fail closed. */
	return !process.cgroup[0] || in_scope(decider, &process);
}

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void eg_decider_fd_path(int fd, char *ret, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, ret, len - 1);
	ret[n > 0 ? n : 0] = '\0';
}

/* A FUSE server decides what every read returns, and can change a file's bytes without
 * changing its times: an allow there is never remembered, so each exec is verified again
 * (the kernel's verdict is rewritten each time and serves that exec alone: its exec check
 * takes it, and no other mapping of a FUSE file finds one). */
bool eg_decider_on_fuse(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == FUSE_SUPER_MAGIC;
}

/* PATH (from /proc/self/fd) leads to the open file itself.  Not so for a deleted file, or
 * for overlayfs since 6.12, where fanotify hands over the backing file and its path is
 * relative to a mount the agent cannot see: then no signature is looked up by path. */
bool eg_decider_path_names(const char *path, const struct stat *st)
{
	struct stat named;

	return path[0] == '/' && stat(path, &named) == 0 && named.st_dev == st->st_dev &&
	       named.st_ino == st->st_ino;
}

/* Whether a decision made under RUNTIME may be published (a kernel verdict, an ignore
 * mark): RUNTIME is still the one in force and no catalog sync is under way.  The
 * digest of an allow is indexed in the same step, so a sync that follows sees it. */
static bool publishable(struct eg_decider *decider, const struct runtime *runtime, bool allow,
			const struct eg_verify_result *res)
{
	bool ok;

	pthread_mutex_lock(&decider->lock);
	ok = decider->current == runtime && !decider->syncing;
	if (ok && allow)
		index_allowed(decider, res);
	pthread_mutex_unlock(&decider->lock);
	return ok;
}

/* A change time that falls on a multiple of this may come from a filesystem that keeps
 * whole seconds (ext2 and ext4 with 128-byte inodes) or two (FAT's modification time). */
#define COARSE_TIMES_NS 10000000LL
#define COARSEST_TIMES_NS 2000000000LL
/* A change time further ahead of the clock than this comes from before a step back of the
 * clock: waiting for the clock to pass it could take as long as the step, so it is not
 * waited for (docs/threat-model.md, item 12, says what that leaves). */
#define CLOCK_STEP_NS 1000000000LL

static long long timespec_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* A write leaves a file's times as they are when they already read "now" at the
 * filesystem's granularity: within the same clock tick (the kernel stamps files from the
 * coarse clock; fine-grained times came with 6.13, and only for some filesystems), within
 * the same second where whole seconds are kept.  A verdict published while the change time
 * BEFORE is still "now" would match the file after such a write, unverified bytes under a
 * verified version.  So wait, the lease still held, until the clock has passed it: from
 * then on, any write moves the times.  At most the granularity and a clock step; a file
 * changed a moment ago is rarely what runs, so this rarely waits. */
static void wait_until_writes_show(const struct stat *before)
{
	long long ctime_ns = timespec_ns(&before->st_ctim);
	long long granularity = before->st_ctim.tv_nsec % COARSE_TIMES_NS ? 1 : COARSEST_TIMES_NS;
	struct timespec now, pause;
	long long age;

	while (clock_gettime(CLOCK_REALTIME_COARSE, &now) == 0) {
		age = timespec_ns(&now) - ctime_ns;
		if (age >= granularity || age < -CLOCK_STEP_NS)
			return;
		pause.tv_sec = (granularity - age) / 1000000000LL;
		pause.tv_nsec = (granularity - age) % 1000000000LL;
		nanosleep(&pause, NULL);
	}
}

/* Verify the file open on FD and evaluate the policy of RUNTIME on it.  *RET_STABLE: the
 * file kept the version BEFORE describes while it was read, and any write from now on
 * moves it. */
static void evaluate(const struct runtime *runtime, int fd, const char *path, enum eg_hook hook,
		     const struct process_info *process, struct eg_verify_result *res,
		     struct eg_policy_decision *ret_pd, const struct stat *before, bool *ret_stable,
		     bool *ret_leased)
{
	char catalog[EG_FACTS_CATALOG_NAME_MAX];
	struct eg_policy_facts facts;
	struct stat after;
	bool has_writers, path_names = eg_decider_path_names(path, before);
	int err;

	/* A read lease makes a writer show up; one that already has the file open for
	 * writing (or mapped shared and writable) refuses the lease with EAGAIN: it can
	 * change the bytes after they were read, without moving the file's times through a
	 * mapping, so no verdict of such a file is kept. */
	*ret_leased = fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
	has_writers = !*ret_leased && errno == EAGAIN;
	err = eg_verify_fd(runtime->verifier, fd, path_names ? path : NULL, NULL, res);
	if (!has_writers)
		wait_until_writes_show(before);
	*ret_stable = !has_writers && fstat(fd, &after) == 0 && same_version(before, &after) &&
		      (!*ret_leased || fcntl(fd, F_GETLEASE) == F_RDLCK);
	if (*ret_leased)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	if (err) {
		/* An operational error is never a valid signature. */
		res->valid = false;
		res->reason = EG_REASON_UNVERIFIED;
	}
	/* The path rules see (policy/README.md): the file's path in the agent's mount
	 * namespace, when it leads to this very file.  The name the kernel gives is the one
	 * the exec's own namespace shows, and anyone can make a private mount namespace
	 * (unshare -Urm) where their file appears under any path. */
	facts_from(res, runtime, path_names ? path : NULL, hook, process, catalog, sizeof(catalog),
		   &facts);
	eg_policy_evaluate(runtime->policy, &facts, ret_pd);
}

/* --mode overrides the policy's mode: what it would deny, audit mode only logs. */
static enum eg_decision final_decision(const struct runtime *runtime,
				       const struct eg_policy_decision *pd)
{
	if (runtime->mode == EG_MODE_AUDIT && pd->decision == EG_DECISION_DENY)
		return EG_DECISION_AUDIT;
	if (runtime->mode == EG_MODE_ENFORCE && pd->action == EG_ACTION_DENY)
		return EG_DECISION_DENY;
	return pd->decision;
}

static void count(struct eg_decider *decider, enum eg_decision decision, enum eg_reason reason)
{
	pthread_mutex_lock(&decider->lock);
	if (decision == EG_DECISION_ALLOW)
		decider->allowed++;
	else if (decision == EG_DECISION_DENY)
		decider->denied++;
	else
		decider->audited++;
	if ((unsigned int)decision < 3 && (unsigned int)reason < EG_REASON_COUNT)
		decider->by_reason[decision][reason]++;
	pthread_mutex_unlock(&decider->lock);
}

/* Write a published decision's verdict; true when the kernel holds it then.  One made for
 * no access (PID 0: the kernel's report of a script's open, settled on the main loop; a
 * file that a program that is no interpreter opened; the pre-scan) leaves alone a verdict
 * written under the same runtime for this version of the file: the consult may have decided
 * the file meanwhile for an access, with what that access is (a rule on its uid), and a
 * deny for no access written over that allow refused the file at every later open (seen
 * once in scripts.bats under load).  Looked at and written under the lock, as every
 * decision's verdict is. */
static bool write_verdict(struct eg_decider *decider, const struct runtime *runtime, int fd,
			  const struct stat *st, pid_t pid, enum eg_decision decision,
			  enum eg_reason reason)
{
	enum eg_verdict verdict = decision == EG_DECISION_DENY ? EG_VERDICT_DENY : EG_VERDICT_ALLOW;
	enum eg_verdict written;
	bool holds;

	pthread_mutex_lock(&decider->lock);
	if (!pid && !eg_bpf_verdict_as_of(decider->bpf, fd, st, runtime->generation,
					  runtime->trust_epoch, &written))
		holds = written == verdict;
	else
		holds = !eg_bpf_set_verdict(decider->bpf, fd, st, verdict, reason,
					    runtime->generation, runtime->trust_epoch);
	pthread_mutex_unlock(&decider->lock);
	return holds;
}

/* PID 0: the agent's own pre-scan, which caches verdicts but logs nothing (no access
 * happened yet; the kernel reports the ones that do). */
bool eg_decider_decide(struct eg_decider *decider, int fd, pid_t pid, enum eg_hook hook,
		       bool *ret_remember)
{
	struct runtime *runtime = runtime_get(decider);
	const struct eg_policy_settings *settings = eg_policy_settings(runtime->policy);
	struct eg_policy_decision pd = { .rule = NULL };
	struct eg_verify_result res;
	struct process_info process;
	struct stat before;
	enum eg_decision decision;
	enum eg_reason reason;
	char path[PATH_MAX];
	bool leased, stable, published, holds;

	*ret_remember = false;
	if (pid)
		read_process(pid, &process);
	else
		process = (struct process_info){ .ppid = -1, .uid = -1 };
	/* Out of scope: not ours to gate, and no ignore mark, which would hold for every
	 * process. */
	if (pid && !in_scope(decider, &process)) {
		runtime_put(decider, runtime);
		return true;
	}
	eg_decider_fd_path(fd, path, sizeof(path));
	if (fstat(fd, &before) < 0) {
		memset(&before, 0, sizeof(before));
		res = (struct eg_verify_result){ .reason = EG_REASON_UNVERIFIED };
		decision = runtime->mode == EG_MODE_ENFORCE ? EG_DECISION_DENY : EG_DECISION_AUDIT;
		reason = EG_REASON_UNVERIFIED;
		goto out;
	}
	/* A reload or a catalog sync while this file was verified makes the decision one
	 * the kernel must not keep: decide again under the new runtime (bounded: reloads
	 * are rare).  After three tries it holds for this access alone, unpublished. */
	for (int tries = 0;; tries++) {
		evaluate(runtime, fd, path, hook, &process, &res, &pd, &before, &stable, &leased);
		decision = final_decision(runtime, &pd);
		published = publishable(decider, runtime, decision != EG_DECISION_DENY, &res);
		if (published || tries == 2)
			break;
		runtime_put(decider, runtime);
		runtime = runtime_get(decider);
		settings = eg_policy_settings(runtime->policy);
	}
	reason = decision == EG_DECISION_ALLOW ? EG_REASON_NONE : pd.reason;

	/* The kernel's verdict and the ignore mark hold for every process.  A decision
	 * that depends on the access is written for the access being decided (the exec's
	 * hook reads it a moment later; for PID 0, the library walk and the pre-scan, an
	 * access by no user in no cgroup) and never remembered, so the next exec, whoever
	 * makes it, comes back here. */
	holds = stable && published &&
		(!decider->bpf || write_verdict(decider, runtime, fd, &before, pid, decision, reason));
	*ret_remember = holds && leased && decision == EG_DECISION_ALLOW && !pd.context_dependent &&
			!eg_decider_on_fuse(fd);
out:
	if (!pid) {
		runtime_put(decider, runtime);
		return decision != EG_DECISION_DENY;
	}
	count(decider, decision, reason);
	/* An allow by a rule about the access (allow uid 0, allow path ...) is logged: it
	 * holds for this access alone, and is what an analyst asks about later. */
	if (decision != EG_DECISION_ALLOW || settings->log_allows || decider->config.log_allows ||
	    (pd.rule && (pd.rule->present & EG_M_CONTEXT)))
		eg_log_submit(decider->log,
			      record(decider, runtime, eg_decision_name(decision), hook,
				     reason, pid, &process, path, &before, &res, pd.rule));
	runtime_put(decider, runtime);
	return decision != EG_DECISION_DENY;
}

/* The pre-scan visits ELF files, what the loader can map or the kernel exec, and scripts
 * (as `execgate sign` knows them: a "#!" line or a script's extension), what an
 * interpreter may read. */
static bool prescanned(int fd, const char *path)
{
	unsigned char head[256];
	ssize_t n = pread(fd, head, sizeof(head), 0);

	if (n < 0)
		return false;
	return (n >= 4 && !memcmp(head, "\177ELF", 4)) || eg_script_marker(path, head, (size_t)n);
}

static struct {
	struct eg_decider *decider;
	unsigned int left, verified;
} prescan_state;

static int prescan_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	bool remember;
	int fd;

	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (!prescan_state.left--)
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (prescanned(fd, path)) {
		eg_decider_decide(prescan_state.decider, fd, 0, EG_HOOK_MMAP, &remember);
		prescan_state.verified++;
	}
	close(fd);
	return 0;
}

int eg_decider_prescan(struct eg_decider *decider, const char *dir, unsigned int max_files,
		       unsigned int *ret_verified)
{
	static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
	int err;

	/* nftw has no context pointer; pre-scans are rare and run one at a time. */
	pthread_mutex_lock(&one_at_a_time);
	prescan_state.decider = decider;
	prescan_state.left = max_files;
	prescan_state.verified = 0;
	err = nftw(dir, prescan_one, 16, FTW_PHYS | FTW_MOUNT);
	*ret_verified = prescan_state.verified;
	pthread_mutex_unlock(&one_at_a_time);
	return err < 0 ? -errno : err > 0 ? -E2BIG : 0;
}

void eg_decider_timed_out(struct eg_decider *decider, int fd, pid_t pid)
{
	struct runtime *runtime = runtime_get(decider);
	bool enforce = runtime->mode == EG_MODE_ENFORCE;
	struct process_info process;
	char path[PATH_MAX];
	struct stat st;

	read_process(pid, &process);
	eg_decider_fd_path(fd, path, sizeof(path));
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	count(decider, enforce ? EG_DECISION_DENY : EG_DECISION_AUDIT,
	      EG_REASON_VERIFICATION_TIMEOUT);
	eg_log_submit(decider->log, record(decider, runtime, enforce ? "deny" : "audit",
					   EG_HOOK_EXEC, EG_REASON_VERIFICATION_TIMEOUT, pid,
					   &process, path, &st, NULL, NULL));
	runtime_put(decider, runtime);
}

void eg_decider_log_event(struct eg_decider *decider, json_t *event_record)
{
	json_t *generation = json_object_get(json_object_get(event_record, "policy"), "generation");
	struct runtime *runtime = runtime_get(decider);

	/* The kernel knows the generation it decided under; the digest is the agent's. */
	json_object_set_new(event_record, "policy",
			    json_pack("{s:s, s:I}", "sha256", runtime->digest, "generation",
				      json_integer_value(generation)));
	runtime_put(decider, runtime);
	eg_log_submit(decider->log, event_record);
}

json_t *eg_decider_status(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	const struct eg_policy_settings *settings = eg_policy_settings(runtime->policy);
	json_t *status;

	pthread_mutex_lock(&decider->lock);
	status = json_pack("{s:s, s:{s:s, s:s, s:I, s:s, s:o}, s:{s:I, s:I, s:I}, s:o}", "mode",
			   runtime->mode == EG_MODE_ENFORCE ? "enforce" : "audit", "policy",
			   "file",
			   decider->config.policy_path ? decider->config.policy_path
						       : "(command line)",
			   "sha256", runtime->digest, "generation",
			   (json_int_t)runtime->generation, "source",
			   decider->on_last_good ? "last known good copy" : "configured",
			   "fallback_reason",
			   decider->on_last_good ? json_string(decider->fallback_reason)
						 : json_null(),
			   "decisions", "allowed", (json_int_t)decider->allowed, "denied",
			   (json_int_t)decider->denied, "audited", (json_int_t)decider->audited,
			   "crl_dir", string_or_null(settings->crl_dir));
	pthread_mutex_unlock(&decider->lock);
	runtime_put(decider, runtime);
	return status;
}

json_t *eg_decider_counts(struct eg_decider *decider)
{
	json_t *counts = json_object();

	pthread_mutex_lock(&decider->lock);
	for (int d = 0; counts && d < 3; d++) {
		json_t *reasons = json_object();

		for (int r = 0; reasons && r < EG_REASON_COUNT; r++)
			if (decider->by_reason[d][r])
				json_object_set_new(reasons, r ? eg_reason_name(r) : "none",
						    json_integer((json_int_t)decider->by_reason[d][r]));
		json_object_set_new(counts, eg_decision_name(d), reasons);
	}
	pthread_mutex_unlock(&decider->lock);
	return counts;
}

char *eg_decider_crl_dir(struct eg_decider *decider, int64_t *ret_max_age,
			 int64_t *ret_warn_window)
{
	struct runtime *runtime = runtime_get(decider);
	const struct eg_policy_settings *settings = eg_policy_settings(runtime->policy);
	const char *dir = decider->config.crl_dir ? decider->config.crl_dir : settings->crl_dir;
	char *copy = dir ? strdup(dir) : NULL;

	*ret_max_age = settings->crl_max_age;
	*ret_warn_window = settings->crl_warn_window;
	runtime_put(decider, runtime);
	return copy;
}

void eg_decider_paths(struct eg_decider *decider, enum eg_decider_paths which,
		      void (*fn)(void *ctx, const char *pattern), void *ctx)
{
	struct runtime *runtime = runtime_get(decider);
	const struct eg_policy_settings *settings = eg_policy_settings(runtime->policy);
	const struct eg_policy_strings *const lists[] = {
		[EG_PATHS_INTERPRETERS] = &settings->interpreters,
		[EG_PATHS_INTERPRETER_DATA] = &settings->interpreter_data,
		[EG_PATHS_WATCH_SCRIPTS] = &settings->watch_scripts,
	};
	const struct eg_policy_strings *list = lists[which];

	for (size_t i = 0; i < list->n; i++)
		fn(ctx, list->v[i]);
	runtime_put(decider, runtime);
}

char *eg_decider_metrics_file(struct eg_decider *decider)
{
	struct runtime *runtime = runtime_get(decider);
	const char *file = eg_policy_settings(runtime->policy)->metrics_file;
	char *copy = file ? strdup(file) : NULL;

	runtime_put(decider, runtime);
	return copy;
}
