// SPDX-License-Identifier: GPL-2.0
/* Shared by execgate inventory, drill and crl: see lifecycle.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "eg_lifecycle.h"
#include "lifecycle.h"

/* Deeper directory trees are an error, not a silent cut. */
#define LC_MAX_DEPTH 64

int lc_trust_add(struct lc_trust *t, const char *pem, bool tsa)
{
	if ((tsa ? t->ntsa : t->nanchors) == LC_MAX_PEMS) {
		fprintf(stderr, "%s: more than %d --trust or --tsa-trust options\n", t->cmd,
			LC_MAX_PEMS);
		return -E2BIG;
	}
	if (tsa)
		t->tsa_anchors[t->ntsa++] = pem;
	else
		t->anchors[t->nanchors++] = pem;
	return 0;
}

int lc_paths_add(const char *cmd, struct lc_paths *paths, const char *path)
{
	if (paths->n == LC_MAX_PATHS) {
		fprintf(stderr, "%s: more than %d paths\n", cmd, LC_MAX_PATHS);
		return -E2BIG;
	}
	paths->items[paths->n++] = path;
	return 0;
}

int lc_take_option(int c, const char *arg, struct lc_trust *t, struct lc_paths *paths)
{
	int r;

	switch (c) {
	case 'p':
		t->policy_path = arg;
		return 1;
	case 't':
	case 'T':
		r = lc_trust_add(t, arg, c == 'T');
		return r ? r : 1;
	case 'c':
		t->crl_dir = arg;
		return 1;
	case 'P':
		r = lc_paths_add(t->cmd, paths, arg);
		return r ? r : 1;
	default:
		return 0;
	}
}

int lc_trust_load(struct lc_trust *t)
{
	const struct eg_policy_settings *st;
	struct eg_policy_error perr;
	int r;

	if (!t->policy_path)
		return 0;
	if (t->nanchors || t->ntsa || t->crl_dir) {
		fprintf(stderr, "%s: give either --policy or --trust/--tsa-trust/--crl-dir\n",
			t->cmd);
		return -EINVAL;
	}
	r = eg_policy_load(t->policy_path, NULL, 0, &t->policy, &perr);
	if (r) {
		if (perr.line)
			fprintf(stderr, "%s: %s:%u:%u: %s\n", t->cmd, perr.file, perr.line,
				perr.column, perr.message);
		else
			fprintf(stderr, "%s: %s: %s\n", t->cmd, perr.file, perr.message);
		return r;
	}
	st = eg_policy_settings(t->policy);
	if (st->trust_anchors.n > LC_MAX_PEMS || st->tsa_anchors.n > LC_MAX_PEMS) {
		fprintf(stderr, "%s: %s: more than %d anchors\n", t->cmd, t->policy_path,
			LC_MAX_PEMS);
		return -E2BIG;
	}
	for (size_t i = 0; i < st->trust_anchors.n; i++)
		t->anchors[t->nanchors++] = st->trust_anchors.v[i];
	for (size_t i = 0; i < st->tsa_anchors.n; i++)
		t->tsa_anchors[t->ntsa++] = st->tsa_anchors.v[i];
	t->crl_dir = st->crl_dir;
	t->crl_max_age = st->crl_max_age;
	t->sig_dir = st->sig_dir;
	t->catalog_buf = calloc(st->catalogs.n + 1, sizeof(*t->catalog_buf));
	if (!t->catalog_buf)
		return -ENOMEM;
	for (size_t i = 0; i < st->catalogs.n; i++)
		t->catalog_buf[i] = st->catalogs.v[i];
	t->catalogs = t->catalog_buf;
	return 0;
}

void lc_trust_free(struct lc_trust *t)
{
	eg_policy_free(t->policy);
	t->policy = NULL;
	free(t->catalog_buf);
	t->catalog_buf = NULL;
}

int lc_is_anchor(const struct lc_trust *t, const unsigned char sha256[EG_SHA256_LEN])
{
	int r = 0;

	for (size_t i = 0; !r && i < t->nanchors; i++) {
		BIO *bio = BIO_new_file(t->anchors[i], "r");
		struct eg_cert_info info;
		X509 *x;

		if (!bio) {
			fprintf(stderr, "%s: %s: cannot open\n", t->cmd, t->anchors[i]);
			r = -ENOENT;
			break;
		}
		while (!r && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			eg_cert_info_of(x, &info);
			X509_free(x);
			r = !memcmp(info.sha256, sha256, EG_SHA256_LEN);
		}
		BIO_free(bio);
	}
	ERR_clear_error();
	return r;
}

int lc_verifier_new(const struct lc_trust *t, unsigned int flags, struct eg_verifier **ret)
{
	struct eg_verifier_opts vo = {
		.anchors = t->anchors,
		.tsa_anchors = t->tsa_anchors,
		.crl_dir = t->crl_dir,
		.crl_max_age = t->crl_max_age,
		.sig_dir = t->sig_dir,
		.flags = flags,
	};
	struct eg_verify_result cres;
	char errbuf[EG_DETAIL_MAX];
	int r;

	if (!t->nanchors) {
		fprintf(stderr, "%s: no trust anchor: give --policy or --trust PEM\n", t->cmd);
		return -EINVAL;
	}
	r = eg_verifier_new(&vo, ret, errbuf, sizeof(errbuf));
	if (r) {
		fprintf(stderr, "%s: %s\n", t->cmd, errbuf);
		return r;
	}
	for (size_t i = 0; t->catalogs && t->catalogs[i]; i++) {
		r = eg_verifier_add_catalog(*ret, t->catalogs[i], &cres);
		if (r) {
			fprintf(stderr, "%s: %s: %s\n", t->cmd, t->catalogs[i],
				cres.detail[0] ? cres.detail : strerror(-r));
			eg_verifier_free(*ret);
			*ret = NULL;
			return r;
		}
	}
	return 0;
}

static bool is_sig(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".sig");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walker {
	const char *cmd;
	struct eg_verifier *v;
	lc_file_fn fn;
	void *arg;
	size_t checked, unread;
};

static int verify_file(struct walker *w, const char *path)
{
	struct eg_verify_result res;
	int r;

	w->checked++;
	r = eg_verify_path(w->v, path, NULL, &res);
	if (r == -ENOMEM)
		return r;
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", w->cmd, path,
			res.detail[0] ? res.detail : strerror(-r));
		w->unread++;
		return 0;
	}
	return w->fn(path, &res, w->arg);
}

static int walk_dir(struct walker *w, const char *dir, int depth);

static int walk_one(struct walker *w, const char *path, int depth)
{
	struct stat st;

	if (lstat(path, &st)) {
		fprintf(stderr, "%s: %s: %s\n", w->cmd, path, strerror(errno));
		w->unread++;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, depth + 1);
	if (!S_ISREG(st.st_mode))
		return 0;
	return verify_file(w, path);
}

static int walk_dir(struct walker *w, const char *dir, int depth)
{
	struct dirent **names = NULL;
	int n, r = 0;

	if (depth > LC_MAX_DEPTH) {
		fprintf(stderr, "%s: %s: more than %d directories deep, not walked\n", w->cmd, dir,
			LC_MAX_DEPTH);
		w->unread++;
		return 0;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", w->cmd, dir, strerror(errno));
		w->unread++;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[PATH_MAX];

		if (r || !strcmp(name, ".") || !strcmp(name, "..") || is_sig(name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir,
				     dir[strlen(dir) - 1] == '/' ? "" : "/", name) >= sizeof(path)) {
			fprintf(stderr, "%s: %s/%s: path too long\n", w->cmd, dir, name);
			w->unread++;
			continue;
		}
		r = walk_one(w, path, depth);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int lc_walk(const char *cmd, const char *const *paths, size_t n, struct eg_verifier *v,
	    lc_file_fn fn, void *arg, size_t *ret_checked, size_t *ret_unread)
{
	struct walker w = {.cmd = cmd, .v = v, .fn = fn, .arg = arg};
	char **abs = calloc(n ? n : 1, sizeof(*abs));
	int r = 0;

	if (!abs)
		return -ENOMEM;
	/* A path given that does not exist is a mistake in the command, not a finding. */
	for (size_t i = 0; i < n && !r; i++) {
		abs[i] = realpath(paths[i], NULL);
		if (!abs[i]) {
			r = -errno;
			fprintf(stderr, "%s: %s: %s\n", cmd, paths[i], strerror(errno));
		}
	}
	if (!r)
		qsort(abs, n, sizeof(*abs), name_cmp);
	for (size_t i = 0; i < n && !r; i++)
		if (!i || strcmp(abs[i], abs[i - 1]))
			r = walk_one(&w, abs[i], 0);
	for (size_t i = 0; i < n; i++)
		free(abs[i]);
	free(abs);
	*ret_checked = w.checked;
	*ret_unread = w.unread;
	return r;
}

int lc_parse_time(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *end;

	if (!strcmp(s, "now")) {
		*ret = (int64_t)time(NULL);
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end, "T%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	*ret = (int64_t)timegm(&tm);
	return 0;
}

int lc_parse_duration(const char *s, int64_t *ret)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || n > INT32_MAX || (*end && end[1]))
		return -EINVAL;
	if (!*end) {
		*ret = (int64_t)n;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*end == units[i].unit) {
			*ret = (int64_t)n * units[i].seconds;
			return 0;
		}
	}
	return -EINVAL;
}

const char *lc_time_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

json_t *lc_json_time(int64_t t)
{
	char buf[64];

	return json_string(lc_time_str(t, buf, sizeof(buf)));
}

int64_t lc_days_left(int64_t t, int64_t now)
{
	int64_t d = t - now;

	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

int lc_json_print(json_t *o)
{
	int r;

	if (!o)
		return -ENOMEM;
	r = json_dumpf(o, stdout, JSON_COMPACT) ? -EIO : 0;
	if (putchar('\n') == EOF)
		r = -EIO;
	json_decref(o);
	return r;
}
