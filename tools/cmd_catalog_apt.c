// SPDX-License-Identifier: GPL-2.0
/*
 * execgate catalog apt-hook | apt-post | refresh | key-init: the catalogs of what the
 * package manager installed, kept by the machine itself (docs/packages.md).
 *
 * The catalog directory holds:
 *   00-dpkg.cat        the installed system, from dpkg (at package install; `refresh`)
 *   10-apt.cat         what apt installed since, merged by `apt-post`
 *   20-apt-T-PID.cat   what one apt run is about to unpack (`apt-hook`), until apt-post
 * all signed by the local catalog key.  apt-hook runs before dpkg unpacks anything and
 * has the agent load the new catalog (a reload) before it returns, so the new files and
 * the maintainer scripts run at once; apt-post, after dpkg, drops the entries of package
 * versions no longer installed (upgraded or removed), merges the run's catalogs and has
 * the agent watch what dpkg unpacked into the library trees.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "catalog_sources.h"
#include "commands.h"
#include "execgate.h"
#include "eg_pkgdb.h"
#include "eg_sign.h"
#include "eg_verify.h"
#include "sign_opts.h"

#define CATALOG_DIR "/var/lib/execgate/catalogs"
#define CATALOG_KEY "/etc/execgate/catalog-key.pem"
#define CATALOG_CERT "/etc/execgate/catalog-signer.pem"
#define DPKG_CATALOG "00-dpkg.cat"
#define APT_CATALOG "10-apt.cat"
#define RUN_PREFIX "20-apt-"
/* The apt runs' catalogs are merged into APT_CATALOG once there are this many, or when
 * entries are dropped anyway: a merge replaces APT_CATALOG, which the agent then takes
 * as a change of its catalogs (every verdict made afresh), where a plain install only
 * added a catalog.  The agent holds at most 255 catalogs. */
#define RUNS_BEFORE_MERGE 32
#define SIGNER_SUBJECT "execgate local catalog signer"
#define KEY_DAYS (20 * 365)
#define STDIN_MAX (64L * 1024 * 1024)

static const char apt_help[] =
	"usage: execgate catalog apt-hook [OPTIONS]   (apt's DPkg::Pre-Install-Pkgs, version 3)\n"
	"       execgate catalog apt-post [OPTIONS]   (apt's DPkg::Post-Invoke)\n"
	"       execgate catalog refresh [OPTIONS]\n"
	"       execgate catalog key-init [--key KEY] [--cert CERT]\n"
	"\n"
	"The catalogs of what the package manager installed, in DIR, signed by the local\n"
	"catalog key:\n"
	"apt-hook  read apt's version 3 hook protocol on standard input and catalog the .deb\n"
	"          files apt is about to unpack, each with the archive whose signed index\n"
	"          lists its SHA-256; a .deb no signed index lists is left out (not trusted)\n"
	"          and named on standard error; then the agent reloads, so the files are\n"
	"          trusted before dpkg unpacks them.  Without a running agent the catalog is\n"
	"          written all the same and read when the agent starts.\n"
	"apt-post  drop the entries of package versions dpkg no longer has installed\n"
	"          (upgraded or removed) and merge the catalogs of apt runs into one; then\n"
	"          the agent takes the catalogs and watches what dpkg put in the library\n"
	"          directories\n"
	"refresh   catalog the installed system again from dpkg (execgate catalog create\n"
	"          --from-dpkg): entries say \"installed before execgate, checked against\n"
	"          dpkg's md5sums\"\n"
	"key-init  make the local catalog key and its self-signed certificate (extended key\n"
	"          usage catalog signing, " EG_CATALOG_SIGNING_EKU "), unless KEY exists\n"
	"\n"
	"  --dir DIR           the catalog directory (default " CATALOG_DIR ")\n"
	"  --key KEY           the signing key (default " CATALOG_KEY ")\n"
	"  --cert CERT         its certificate (default " CATALOG_CERT ")\n"
	"  --dpkg-admindir DIR dpkg's database (default /var/lib/dpkg)\n"
	"  --apt-lists DIR     apt's lists (default /var/lib/apt/lists)\n"
	"  --socket PATH       the agent's control socket (default " EG_CONTROL_SOCKET ")\n"
	"  --no-reload         do not ask the agent to reload\n"
	"\n"
	"Exit status: 0 done (also when the agent is not running), 1 files were left out\n"
	"(refresh), 2 usage or operational error.\n";

struct apt_opts {
	const char *dir, *key, *cert, *admindir, *apt_lists, *socket;
	bool reload;
};

enum { OPT_DIR = 1000, OPT_ADMINDIR, OPT_APT_LISTS, OPT_SOCKET, OPT_NO_RELOAD };

static int parse_opts(int argc, char **argv, struct apt_opts *o)
{
	static const struct option longopts[] = {
		{"dir", required_argument, NULL, OPT_DIR},
		{"key", required_argument, NULL, 'k'},
		{"cert", required_argument, NULL, 'c'},
		{"dpkg-admindir", required_argument, NULL, OPT_ADMINDIR},
		{"apt-lists", required_argument, NULL, OPT_APT_LISTS},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"no-reload", no_argument, NULL, OPT_NO_RELOAD},
		{"help", no_argument, NULL, 'h'},
		{}};
	int c;

	*o = (struct apt_opts){.dir = CATALOG_DIR,
			       .key = CATALOG_KEY,
			       .cert = CATALOG_CERT,
			       .admindir = "/var/lib/dpkg",
			       .apt_lists = "/var/lib/apt/lists",
			       .socket = EG_CONTROL_SOCKET,
			       .reload = true};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			o->dir = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'c':
			o->cert = optarg;
			break;
		case OPT_ADMINDIR:
			o->admindir = optarg;
			break;
		case OPT_APT_LISTS:
			o->apt_lists = optarg;
			break;
		case OPT_SOCKET:
			o->socket = optarg;
			break;
		case OPT_NO_RELOAD:
			o->reload = false;
			break;
		case 'h':
			fputs(apt_help, stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "execgate catalog %s: see 'execgate catalog --help'\n",
				argv[0]);
			return EG_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "execgate catalog %s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return EG_EXIT_ERROR;
	}
	return -1;
}

/* The agent takes the catalog directory as it now is.  An agent that is not running
 * reads it when it starts: not an error, and said only when this command CHANGED the
 * directory. */
static void agent_reload(const struct apt_opts *o, const char *cmd, bool changed)
{
	char *argv[] = {"reload", "--catalogs", "--socket", (char *)o->socket, NULL};

	if (!o->reload)
		return;
	if (access(o->socket, F_OK)) {
		if (changed)
			fprintf(stderr,
				"execgate catalog %s: execgated is not running: it reads %s when "
				"it starts\n",
				cmd, o->dir);
		return;
	}
	if (cmd_reload(4, argv) != EG_EXIT_OK)
		fprintf(stderr, "execgate catalog %s: the agent did not take the catalogs of %s\n",
			cmd, o->dir);
}

/* Sign the builder's text into DIR/NAME (atomically). */
static int write_catalog(const struct apt_opts *o, const char *cmd, struct eg_catalog_builder *b,
			 const char *name)
{
	struct eg_sign_opts so;
	struct eg_signer *signer = NULL;
	char err[1024], path[4096], *text = NULL;
	size_t len;
	int r;

	sign_opts_init(&so);
	so.key = o->key;
	so.cert = o->cert;
	so.usage = EG_USAGE_CATALOG;
	if (mkdir(o->dir, 0755) && errno != EEXIST) {
		r = -errno;
		fprintf(stderr, "execgate catalog %s: %s: %s\n", cmd, o->dir, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", o->dir, name);
	r = eg_signer_new(&so, &signer, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate catalog %s: %s\n", cmd, err);
		return r;
	}
	r = eg_catalog_builder_text(b, &text, &len);
	if (r)
		fprintf(stderr, "execgate catalog %s: cannot build the catalog: %s\n", cmd,
			strerror(-r));
	else if ((r = eg_sign_catalog_text(signer, text, len, path)))
		fprintf(stderr, "execgate catalog %s: %s\n", cmd, eg_signer_error(signer));
	free(text);
	eg_signer_free(signer);
	return r;
}

/* ---- apt-hook ---------------------------------------------------------------------- */

/* The .deb files of apt's version 3 hook protocol: "VERSION 3", the configuration
 * ("Name=value" lines), a blank line, then one line per package action whose last field
 * is the .deb to unpack (or **CONFIGURE** / **REMOVE**, which unpack nothing). */
static int hook_debs(char *text, char ***ret, size_t *ret_n)
{
	char *line = text, *next, **debs = NULL;
	bool body = false;
	size_t n = 0;

	next = strchr(line, '\n');
	if (!next || (size_t)(next - line) != strlen("VERSION 3") ||
	    strncmp(line, "VERSION 3", strlen("VERSION 3")))
		return -EPROTO;
	for (line = next + 1; *line; line = next) {
		char *last, **p;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (!body) {
			body = !*line;
			continue;
		}
		last = strrchr(line, ' ');
		last = last ? last + 1 : line;
		if (strlen(last) < 5 || strcmp(last + strlen(last) - 4, ".deb"))
			continue;
		p = realloc(debs, (n + 1) * sizeof(*p));
		if (!p) {
			free(debs);
			return -ENOMEM;
		}
		debs = p;
		debs[n++] = last;
	}
	*ret = debs;
	*ret_n = n;
	return 0;
}

static int read_stdin(char **ret)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *p = cap < STDIN_MAX ? realloc(buf, cap * 2 + 1) : NULL;

			if (!p) {
				free(buf);
				return cap < STDIN_MAX ? -ENOMEM : -EFBIG;
			}
			buf = p;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	return 0;
}

static int apt_hook(const struct apt_opts *o)
{
	struct catsrc_ctx ctx = {
		.apt_lists = o->apt_lists, .admindir = o->admindir, .listed_only = true};
	char *text = NULL, **debs = NULL, name[128];
	size_t n = 0;
	int r, status = EG_EXIT_ERROR;

	r = read_stdin(&text);
	if (!r)
		r = hook_debs(text, &debs, &n);
	if (r) {
		fprintf(stderr, "execgate catalog apt-hook: %s\n",
			r == -EPROTO ? "standard input is not apt's hook protocol version 3 (set "
				       "DPkg::Tools::Options::<command>::Version \"3\")"
				     : strerror(-r));
		goto out;
	}
	if (!n) {
		status = EG_EXIT_OK;
		goto out;
	}
	if (eg_catalog_builder_new(&ctx.b)) {
		fprintf(stderr, "execgate catalog apt-hook: out of memory\n");
		goto out;
	}
	r = catsrc_debs(&ctx, debs, n);
	if (r)
		goto out;
	if (eg_catalog_builder_count(ctx.b)) {
		snprintf(name, sizeof(name), RUN_PREFIX "%lld-%d.cat", (long long)time(NULL),
			 (int)getpid());
		if (write_catalog(o, "apt-hook", ctx.b, name))
			goto out;
	}
	agent_reload(o, "apt-hook", true);
	status = EG_EXIT_OK;
out:
	eg_catalog_builder_free(ctx.b);
	free(debs);
	free(text);
	return status;
}

/* ---- apt-post ---------------------------------------------------------------------- */

/* dpkg's status file, for "is this package version's files on disk". */
struct dpkg_status {
	char *text;
	size_t len;
};

/* PKG VERSION ARCH has its files on disk (eg_dpkg_status_on_disk()). */
static bool version_installed(const struct dpkg_status *s, const struct eg_catalog_source *src)
{
	struct eg_stanza st;
	size_t pos = 0;

	while (eg_stanza_next(s->text, s->len, &pos, &st) == 1) {
		const char *v;
		size_t l;

		if (!eg_stanza_get(&st, "Package", &v, &l) || l != strlen(src->package) ||
		    memcmp(v, src->package, l))
			continue;
		if (!eg_stanza_get(&st, "Architecture", &v, &l) || l != strlen(src->arch) ||
		    memcmp(v, src->arch, l))
			continue;
		if (!eg_stanza_get(&st, "Version", &v, &l) || l != strlen(src->version) ||
		    memcmp(v, src->version, l))
			return false;
		return eg_stanza_get(&st, "Status", &v, &l) && eg_dpkg_status_on_disk(v, l);
	}
	return false;
}

/* Add CAT's entries whose package version is installed to B; *DROPPED counts the
 * others. */
static int keep_installed(const struct dpkg_status *s, const struct eg_catalog *cat,
			  struct eg_catalog_builder *b, size_t *dropped)
{
	const struct eg_catalog_source *src;
	uint32_t nsrc = 0, *ids;
	bool *live;
	int r = 0;

	while (eg_catalog_source_at(cat, nsrc + 1))
		nsrc++;
	ids = calloc(nsrc + 1, sizeof(*ids));
	live = calloc(nsrc + 1, sizeof(*live));
	if (!ids || !live) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 1; i <= nsrc && !r; i++) {
		src = eg_catalog_source_at(cat, i);
		live[i] = version_installed(s, src);
		if (live[i])
			r = eg_catalog_builder_add_source(b, src, &ids[i]);
	}
	for (size_t i = 0; !r && i < eg_catalog_count(cat); i++) {
		const struct eg_catalog_entry *e = eg_catalog_entry_at(cat, i);

		/* An entry without a source is not ours to judge: kept. */
		if (e->source > nsrc || (e->source && !live[e->source])) {
			(*dropped)++;
			continue;
		}
		r = eg_catalog_builder_add(b, e->sha256, e->name, e->source ? ids[e->source] : 0);
	}
out:
	free(ids);
	free(live);
	return r;
}

static bool run_catalog(const char *name)
{
	size_t l = strlen(name);

	return !strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) && l > 4 &&
	       !strcmp(name + l - 4, ".cat");
}

/* Read DIR/NAME into B, keeping what is installed.  A catalog that is not there is
 * empty. */
static int prune_into(const struct apt_opts *o, const struct dpkg_status *s, const char *name,
		      struct eg_catalog_builder *b, size_t *dropped)
{
	struct eg_catalog *cat = NULL;
	char path[4096], err[EG_DETAIL_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", o->dir, name);
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	r = eg_catalog_read(path, &cat, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate catalog apt-post: %s: %s\n", path, err);
		return r;
	}
	r = keep_installed(s, cat, b, dropped);
	eg_catalog_free(cat);
	if (r)
		fprintf(stderr, "execgate catalog apt-post: %s: %s\n", path, strerror(-r));
	return r;
}

static int apt_post(const struct apt_opts *o)
{
	struct eg_catalog_builder *dpkg_b = NULL, *apt_b = NULL;
	struct dpkg_status s = {NULL, 0};
	struct dirent **names = NULL;
	size_t dpkg_dropped = 0, apt_dropped = 0, runs = 0;
	bool merge;
	char path[4096];
	int n = 0, status = EG_EXIT_ERROR;

	if (catsrc_dpkg_status(o->admindir, &s.text, &s.len))
		goto out;
	n = scandir(o->dir, &names, NULL, alphasort);
	if (n < 0) {
		n = 0;
		status = errno == ENOENT ? EG_EXIT_OK : EG_EXIT_ERROR;
		if (errno != ENOENT)
			fprintf(stderr, "execgate catalog apt-post: %s: %s\n", o->dir,
				strerror(errno));
		goto out;
	}
	if (eg_catalog_builder_new(&dpkg_b) || eg_catalog_builder_new(&apt_b))
		goto out;
	if (prune_into(o, &s, DPKG_CATALOG, dpkg_b, &dpkg_dropped) ||
	    prune_into(o, &s, APT_CATALOG, apt_b, &apt_dropped))
		goto out;
	for (int i = 0; i < n; i++) {
		if (!run_catalog(names[i]->d_name))
			continue;
		if (prune_into(o, &s, names[i]->d_name, apt_b, &apt_dropped))
			goto out;
		runs++;
	}
	if (dpkg_dropped && write_catalog(o, "apt-post", dpkg_b, DPKG_CATALOG))
		goto out;
	merge = apt_dropped || runs >= RUNS_BEFORE_MERGE;
	if (merge) {
		/* The merged catalog first: no moment without the entries still needed. */
		if (write_catalog(o, "apt-post", apt_b, APT_CATALOG))
			goto out;
		for (int i = 0; i < n; i++) {
			if (!run_catalog(names[i]->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", o->dir, names[i]->d_name);
			if (unlink(path) && errno != ENOENT)
				fprintf(stderr, "execgate catalog apt-post: %s: %s\n", path,
					strerror(errno));
		}
	}
	/* Even with no catalog changed: the agent watches what dpkg just unpacked into the
	 * library trees (a plugin's first dlopen()). */
	agent_reload(o, "apt-post", dpkg_dropped || merge);
	status = EG_EXIT_OK;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	eg_catalog_builder_free(dpkg_b);
	eg_catalog_builder_free(apt_b);
	free(s.text);
	return status;
}

/* ---- refresh ----------------------------------------------------------------------- */

static int refresh(const struct apt_opts *o)
{
	struct catsrc_ctx ctx = {.apt_lists = o->apt_lists, .admindir = o->admindir};
	int r, status = EG_EXIT_ERROR;

	if (eg_catalog_builder_new(&ctx.b)) {
		fprintf(stderr, "execgate catalog refresh: out of memory\n");
		return EG_EXIT_ERROR;
	}
	r = catsrc_dpkg(&ctx, NULL, 0);
	if (!r)
		r = write_catalog(o, "refresh", ctx.b, DPKG_CATALOG);
	if (!r) {
		if (ctx.left_out)
			fprintf(stderr,
				"execgate catalog refresh: %s/%s: %zu files listed, %zu "
				"left out\n",
				o->dir, DPKG_CATALOG, eg_catalog_builder_count(ctx.b),
				ctx.left_out);
		agent_reload(o, "refresh", true);
		status = ctx.left_out ? EG_EXIT_FINDING : EG_EXIT_OK;
	}
	eg_catalog_builder_free(ctx.b);
	return status;
}

/* ---- key-init ---------------------------------------------------------------------- */

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EINVAL;
}

/* A self-signed EC P-256 certificate for KEY.  Its extended key usage is catalog signing
 * alone: the verifier refuses it for programs and policies, and the policy's
 * `allow catalog ... signer` rule (policy/debian-system.policy) names it for catalogs. */
static X509 *self_signed(EVP_PKEY *key)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int ok = cert && name && RAND_bytes(serial, sizeof(serial)) == 1;

	serial[0] &= 0x7f;
	ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) && X509_set_version(cert, 2) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)SIGNER_SUBJECT, -1, -1, 0) &&
	     X509_set_subject_name(cert, name) && X509_set_issuer_name(cert, name) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), KEY_DAYS, 0, NULL) &&
	     X509_set_pubkey(cert, key) &&
	     !add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") &&
	     !add_ext(cert, NID_key_usage, "critical,digitalSignature") &&
	     !add_ext(cert, NID_ext_key_usage, EG_CATALOG_SIGNING_EKU) &&
	     !add_ext(cert, NID_subject_key_identifier, "hash") &&
	     X509_sign(cert, key, EVP_sha256());
	BN_free(bn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

static int key_init(const struct apt_opts *o)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	FILE *kf = NULL, *cf = NULL;
	char tmp[4096];
	int fd, status = EG_EXIT_ERROR;

	if (!access(o->key, F_OK))
		return EG_EXIT_OK;
	key = EVP_EC_gen("P-256");
	cert = key ? self_signed(key) : NULL;
	if (!cert) {
		fprintf(stderr, "execgate catalog key-init: cannot make the key and certificate\n");
		goto out;
	}
	/* The key is root's alone from its first byte; it appears under its name whole. */
	snprintf(tmp, sizeof(tmp), "%s.new", o->key);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	kf = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!kf || !PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) || fflush(kf) ||
	    fsync(fileno(kf))) {
		fprintf(stderr, "execgate catalog key-init: %s: %s\n", tmp, strerror(errno));
		if (!kf && fd >= 0)
			close(fd);
		goto out;
	}
	cf = fopen(o->cert, "we");
	if (!cf || !PEM_write_X509(cf, cert) || fclose(cf)) {
		fprintf(stderr, "execgate catalog key-init: %s: %s\n", o->cert, strerror(errno));
		cf = NULL;
		goto out;
	}
	cf = NULL;
	if (rename(tmp, o->key)) {
		fprintf(stderr, "execgate catalog key-init: %s: %s\n", o->key, strerror(errno));
		goto out;
	}
	status = EG_EXIT_OK;
out:
	if (kf)
		fclose(kf);
	if (status)
		unlink(tmp);
	X509_free(cert);
	EVP_PKEY_free(key);
	return status;
}

int cmd_catalog_apt(int argc, char **argv)
{
	struct apt_opts o;
	int r = parse_opts(argc, argv, &o);

	if (r >= 0)
		return r;
	if (!strcmp(argv[0], "apt-hook"))
		return apt_hook(&o);
	if (!strcmp(argv[0], "apt-post"))
		return apt_post(&o);
	if (!strcmp(argv[0], "refresh"))
		return refresh(&o);
	return key_init(&o);
}
