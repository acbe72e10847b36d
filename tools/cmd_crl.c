// SPDX-License-Identifier: GPL-2.0
/*
 * execgate crl fetch | status: keep the CRL directory the verifier reads current.
 *
 * fetch: for each trusted certificate (the anchors, and certificates given with --cert
 * that chain to them), download the CRL at each http:// URL of its CRL distribution
 * points, and install it only if it is one CRL, issued and signed by that certificate's
 * issuer (itself a trusted certificate), a complete CRL (not a delta), and not older
 * than the one already installed for that issuer.  Installing is a write to a hidden
 * temporary file (the verifier skips names starting with '.'), fsync and rename, so a
 * reader sees the old CRL or the new one, never a part; a refused CRL leaves the
 * installed one as it was.
 *
 * status: every CRL of the directory with its issuer, thisUpdate, nextUpdate and
 * freshness by the verifier's rule (past nextUpdate, without one, or older than the
 * maximum age: stale), and, when trust is given, whether a trusted issuer signed it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "commands.h"
#include "crl_fetch.h"
#include "eg_lifecycle.h"
#include "lifecycle.h"

#define MAX_CERT_FILES 64
#define MAX_CERTS 1024      /* certificates from the anchors and --cert files together */
#define MAX_URLS 1024
#define DEFAULT_TIMEOUT 30
/* A reason: two names or paths and some words. */
#define WHY_MAX (3 * PATH_MAX)

static const char crl_help[] =
	"usage: execgate crl fetch (--policy POLICY | --trust PEM... --crl-dir DIR)\n"
	"                          [--cert PEM...] [--timeout SECONDS] [--json]\n"
	"       execgate crl status (--policy POLICY | --crl-dir DIR) [--trust PEM...]\n"
	"                          [--cert PEM...] [--crl-max-age DURATION] [--json]\n"
	"\n"
	"fetch: download the CRLs named by the CRL distribution points (http:// URLs; others\n"
	"are skipped and listed) of the trust anchors and of each --cert certificate that\n"
	"chains to them, and install each into the CRL directory as ISSUERHASH.crl (PEM;\n"
	"ISSUERHASH is the first 16 hex digits of the SHA-256 of the issuer's DER name).  A\n"
	"CRL is installed only when it parses as one CRL, names the certificate's issuer,\n"
	"carries a signature that verifies with that issuer's key (the issuer must itself be\n"
	"an anchor or a --cert that chains to one, with cRLSign when it has a key usage), is\n"
	"not a delta CRL, and is not older (by thisUpdate) than the CRL installed under that\n"
	"name.  Installation is atomic (temporary file, fsync, rename).  A refused CRL is\n"
	"reported with its URL and the reason, and the installed file stays.  Proxies come\n"
	"from http_proxy and no_proxy in the environment.\n"
	"\n"
	"status: for each CRL in the directory: file, issuer, thisUpdate, nextUpdate,\n"
	"entries and freshness: stale when past its nextUpdate, without one, or\n"
	"older than --crl-max-age (the policy's crl-max-age with --policy), else fresh.  With\n"
	"--trust or --policy, also whether a trusted certificate (anchors and --cert)\n"
	"signed it.  Files that are not CRLs are listed; the verifier ignores them.\n"
	"\n"
	"  --policy POLICY        trust anchors, CRL directory and maximum age from POLICY\n"
	"  --trust PEM            trust anchors (repeatable)\n"
	"  --crl-dir DIR          the CRL directory\n"
	"  --cert PEM             more certificates, e.g. intermediate CAs (repeatable)\n"
	"  --crl-max-age DURATION status: N, Ns, Nm, Nh, Nd or Nw (default: none)\n"
	"  --timeout SECONDS      fetch: per download (default 30)\n"
	"  --json                 one JSON object instead of text\n"
	"  -h, --help             this text\n"
	"\n"
	"After the downloads, fetch checks the CRL directory: an issuer whose CRL is missing\n"
	"or stale there (past its nextUpdate, or the policy's crl-max-age) is reported with\n"
	"status missing or stale, whatever the download did.\n"
	"\n"
	"Exit status: fetch: 0 every CRL installed and fresh; 1 a CRL is missing or stale\n"
	"in the directory (also when its download failed), or a CRL was refused; 2 usage\n"
	"error, or a download failed while every installed CRL is still fresh.  status: 0 every CRL fresh (and correctly\n"
	"signed, when checked); 1 a CRL stale or badly signed; 2 usage or operational error.\n";

struct crl_opts {
	const char *cmd;
	struct lc_trust trust;
	const char *cert_files[MAX_CERT_FILES];
	size_t ncert_files;
	long timeout;
	int64_t max_age;
	bool max_age_set;
	bool json;
};

/* Certificates we may take a CRL issuer from, and those whose DPs we follow. */
struct certs {
	STACK_OF(X509) *all;     /* anchors then --cert certificates */
	STACK_OF(X509) *trusted; /* anchors and --cert certificates that chain to them */
};

static void certs_free(struct certs *c)
{
	sk_X509_pop_free(c->all, X509_free);
	sk_X509_pop_free(c->trusted, X509_free);
}

static int read_pem_certs(const char *cmd, const char *path, STACK_OF(X509) *out)
{
	BIO *bio = BIO_new_file(path, "r");
	size_t count = 0;
	X509 *x;

	if (!bio) {
		fprintf(stderr, "%s: %s: cannot open\n", cmd, path);
		ERR_clear_error();
		return -ENOENT;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (sk_X509_num(out) == MAX_CERTS || !sk_X509_push(out, x)) {
			X509_free(x);
			BIO_free(bio);
			fprintf(stderr, "%s: %s: more than %d certificates\n", cmd, path, MAX_CERTS);
			return -E2BIG;
		}
		count++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (!count) {
		fprintf(stderr, "%s: %s: no PEM certificate in it\n", cmd, path);
		return -EINVAL;
	}
	return 0;
}

/* Does X chain to the anchors now (any purpose; revocation is what we are fetching)? */
static bool chains(X509_STORE *store, X509 *x, STACK_OF(X509) *untrusted)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = ctx && X509_STORE_CTX_init(ctx, store, x, untrusted) == 1 &&
		  X509_verify_cert(ctx) == 1;

	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int certs_load(const struct crl_opts *o, struct certs *c)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	size_t nanchors;
	int r = -ENOMEM;

	c->all = sk_X509_new_null();
	c->trusted = sk_X509_new_null();
	if (!extra || !store || !c->all || !c->trusted)
		goto out;
	for (size_t i = 0; i < o->trust.nanchors; i++) {
		r = read_pem_certs(o->cmd, o->trust.anchors[i], c->all);
		if (r)
			goto out;
	}
	nanchors = (size_t)sk_X509_num(c->all);
	for (size_t i = 0; i < o->ncert_files; i++) {
		r = read_pem_certs(o->cmd, o->cert_files[i], extra);
		if (r)
			goto out;
	}
	r = -ENOMEM;
	for (size_t i = 0; i < nanchors; i++) {
		X509 *x = sk_X509_value(c->all, (int)i);

		if (X509_STORE_add_cert(store, x) != 1 || !X509_up_ref(x))
			goto out;
		if (!sk_X509_push(c->trusted, x)) {
			X509_free(x);
			goto out;
		}
	}
	for (int i = 0; i < sk_X509_num(extra); i++) {
		X509 *x = sk_X509_value(extra, i);
		struct eg_cert_info info;

		if (!X509_up_ref(x))
			goto out;
		if (!sk_X509_push(c->all, x)) {
			X509_free(x);
			goto out;
		}
		if (!chains(store, x, extra)) {
			eg_cert_info_of(x, &info);
			fprintf(stderr, "%s: %s: does not chain to the trust anchors; not used as "
					"a CRL issuer\n", o->cmd, info.subject);
			continue;
		}
		if (!X509_up_ref(x))
			goto out;
		if (!sk_X509_push(c->trusted, x)) {
			X509_free(x);
			goto out;
		}
	}
	r = 0;
out:
	if (r == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", o->cmd);
	sk_X509_pop_free(extra, X509_free);
	X509_STORE_free(store);
	return r;
}

enum issuer_state {
	ISSUER_OK,
	ISSUER_UNKNOWN,   /* no trusted certificate has the CRL's issuer name */
	ISSUER_BAD_SIG,   /* one has, and its key does not verify the CRL */
	ISSUER_NO_CRLSIGN, /* its key verifies the CRL, but its key usage lacks cRLSign */
};

/* Is CRL signed by the trusted certificate of its issuer's name? */
static enum issuer_state crl_issuer(const struct certs *c, X509_CRL *crl)
{
	enum issuer_state st = ISSUER_UNKNOWN;

	for (int i = 0; i < sk_X509_num(c->trusted); i++) {
		X509 *x = sk_X509_value(c->trusted, i);

		if (X509_NAME_cmp(X509_get_subject_name(x), X509_CRL_get_issuer(crl)))
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(x)) != 1) {
			if (st == ISSUER_UNKNOWN)
				st = ISSUER_BAD_SIG;
			continue;
		}
		/* X509_get_key_usage() answers all bits for a certificate without the
		 * extension, which may then sign CRLs. */
		if (!(X509_get_key_usage(x) & KU_CRL_SIGN)) {
			st = ISSUER_NO_CRLSIGN;
			continue;
		}
		st = ISSUER_OK;
		break;
	}
	ERR_clear_error();
	return st;
}

static const char *const issuer_state_why[] = {
	[ISSUER_OK] = "ok",
	[ISSUER_UNKNOWN] = "its issuer is not a trusted certificate (give it with --cert)",
	[ISSUER_BAD_SIG] = "bad signature: it does not verify with its issuer's key",
	[ISSUER_NO_CRLSIGN] = "its issuer's key usage does not allow signing CRLs",
};

static void name_hash(const X509_NAME *name, char out[17])
{
	unsigned char md[EG_SHA256_LEN], *der = NULL;
	char hex[2 * EG_SHA256_LEN + 1];
	int len = i2d_X509_NAME(name, &der);

	if (len <= 0 || EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	OPENSSL_free(der);
	memcpy(out, eg_sha256_hex(md, hex), 16);
	out[16] = '\0';
}

static void name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(bio, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

struct crl_view {
	char issuer[EG_NAME_MAX];
	int64_t this_update, next_update; /* next_update 0: none */
	size_t entries;
	bool stale;
};

/* What a CRL says, and whether it is stale by the verifier's rule. */
static void crl_view(X509_CRL *crl, int64_t now, int64_t max_age, struct crl_view *v)
{
	int n;

	name_str(X509_CRL_get_issuer(crl), v->issuer, sizeof(v->issuer));
	v->this_update = eg_asn1_time_unix(X509_CRL_get0_lastUpdate(crl));
	v->next_update = eg_asn1_time_unix(X509_CRL_get0_nextUpdate(crl));
	n = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)); /* -1: no list at all */
	v->entries = n > 0 ? (size_t)n : 0;
	v->stale = eg_crl_stale(v->this_update, v->next_update, max_age, now);
}

static json_t *crl_view_json(const struct crl_view *v)
{
	return json_pack("{s:s, s:o, s:o, s:I, s:s}", "issuer", v->issuer, "this_update",
			 lc_json_time(v->this_update), "next_update",
			 v->next_update ? lc_json_time(v->next_update) : json_null(), "entries",
			 (json_int_t)v->entries, "freshness", v->stale ? "stale" : "fresh");
}

static void crl_view_text(const struct crl_view *v, const char *indent)
{
	char t1[64], t2[64];

	printf("%sissuer:      %s\n", indent, v->issuer);
	printf("%sthisUpdate:  %s\n", indent, lc_time_str(v->this_update, t1, sizeof(t1)));
	printf("%snextUpdate:  %s\n", indent,
	       v->next_update ? lc_time_str(v->next_update, t2, sizeof(t2)) : "none");
	printf("%sentries:     %zu\n", indent, v->entries);
	printf("%sfreshness:   %s\n", indent, v->stale ? "stale" : "fresh");
}

/* ---- fetch ---------------------------------------------------------------------------- */

struct dp {
	char *url;
	X509 *cert; /* whose distribution point it is; borrowed from certs.all */
};

struct fetch {
	const struct crl_opts *o;
	struct certs certs;
	struct dp dps[MAX_URLS];
	size_t ndps;
	size_t installed, refused, failed, stale, skipped;
	size_t missing; /* issuers with no CRL in the directory after the fetch */
	json_t *results;
};

static int dp_add(struct fetch *f, X509 *cert, const char *url)
{
	for (size_t i = 0; i < f->ndps; i++)
		if (!strcmp(f->dps[i].url, url) &&
		    !X509_NAME_cmp(X509_get_issuer_name(f->dps[i].cert), X509_get_issuer_name(cert)))
			return 0;
	if (f->ndps == MAX_URLS) {
		fprintf(stderr, "%s: more than %d distribution points\n", f->o->cmd, MAX_URLS);
		return -E2BIG;
	}
	f->dps[f->ndps].url = strdup(url);
	if (!f->dps[f->ndps].url)
		return -ENOMEM;
	f->dps[f->ndps++].cert = cert;
	return 0;
}

static int report(struct fetch *f, const char *url, X509 *cert, const char *status,
		  const char *file, const char *reason, const struct crl_view *v)
{
	struct eg_cert_info info;
	json_t *o;

	eg_cert_info_of(cert, &info);
	if (!f->o->json) {
		bool bad = !strcmp(status, "refused") || !strcmp(status, "failed") ||
			   !strcmp(status, "missing") || !strcmp(status, "stale");

		fprintf(bad ? stderr : stdout, "%s%s: %s%s%s%s%s\n", bad ? "execgate crl fetch: " : "",
			url, status, file ? " " : "", file ? file : "", reason ? ": " : "",
			reason ? reason : "");
		if (v && !bad)
			crl_view_text(v, "  ");
		return 0;
	}
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "url", url, "certificate", info.subject,
		      "status", status, "file", file ? json_string(file) : json_null(), "reason",
		      reason ? json_string(reason) : json_null(), "crl",
		      v ? crl_view_json(v) : json_null());
	if (!o || json_array_append_new(f->results, o))
		return -ENOMEM;
	return 0;
}

/* The http:// URLs of X's distribution points (skipped ones reported). */
static int collect_dps(struct fetch *f, X509 *x)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	int r = 0;

	ERR_clear_error();
	for (int i = 0; !r && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue; /* a name relative to the issuer: no URL to fetch */
		for (int j = 0; !r && j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
			const char *url;

			if (gn->type != GEN_URI)
				continue;
			url = (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
			if (strlen(url) != (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier))
				continue; /* an embedded NUL: not a URL */
			if (dp->CRLissuer) {
				f->skipped++;
				r = report(f, url, x, "skipped", NULL,
					   "an indirect CRL, which the verifier does not use", NULL);
			} else if (strncasecmp(url, "http://", 7)) {
				f->skipped++;
				r = report(f, url, x, "skipped", NULL, "only http:// is fetched", NULL);
			} else {
				r = dp_add(f, x, url);
			}
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return r;
}

/* Download, check and install the CRL of one distribution point. */
static int fetch_one(struct fetch *f, const struct dp *dp, int64_t now)
{
	const struct crl_opts *o = f->o;
	STACK_OF(X509_CRL) *crls = NULL, *old = NULL;
	char why[WHY_MAX] = "", path[PATH_MAX], hash[17], expected[EG_NAME_MAX];
	struct crl_view view, *shown = NULL;
	const char *status = "refused";
	X509_CRL *crl;
	size_t len;
	enum issuer_state ist;
	int r;

	/* Named for the issuer the CRL must have: the certificate's. */
	name_hash(X509_get_issuer_name(dp->cert), hash);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.crl", o->trust.crl_dir, hash) >=
	    sizeof(path)) {
		fprintf(stderr, "%s: %s: path too long\n", o->cmd, o->trust.crl_dir);
		return -ENAMETOOLONG;
	}
	r = crl_download(dp->url, o->timeout, &crls, why, sizeof(why));
	if (r == -EIO) {
		f->failed++;
		return report(f, dp->url, dp->cert, "failed", NULL, why, NULL);
	}
	if (r == -EBADMSG)
		goto refused;
	if (r)
		goto out;
	if (sk_X509_CRL_num(crls) != 1) {
		snprintf(why, sizeof(why), "%d CRLs in one response, expected one",
			 sk_X509_CRL_num(crls));
		goto refused;
	}
	crl = sk_X509_CRL_value(crls, 0);
	crl_view(crl, now, 0, &view);
	shown = &view;
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(dp->cert))) {
		name_str(X509_get_issuer_name(dp->cert), expected, sizeof(expected));
		snprintf(why, sizeof(why), "issued by %s, not by the certificate's issuer %s",
			 view.issuer, expected);
		goto refused;
	}
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
		snprintf(why, sizeof(why), "a delta CRL, which the verifier does not use");
		goto refused;
	}
	ist = crl_issuer(&f->certs, crl);
	if (ist != ISSUER_OK) {
		snprintf(why, sizeof(why), "%s", issuer_state_why[ist]);
		goto refused;
	}
	r = eg_crl_read_file(path, &old);
	if (!r && eg_asn1_time_unix(X509_CRL_get0_lastUpdate(sk_X509_CRL_value(old, 0))) >
			  view.this_update) {
		snprintf(why, sizeof(why), "older than the installed CRL (by thisUpdate)");
		goto refused;
	}
	r = crl_install(o->trust.crl_dir, path, crl, why, sizeof(why));
	if (r) {
		f->failed++;
		r = report(f, dp->url, dp->cert, "failed", path, why, shown);
		goto out;
	}
	f->installed++;
	status = "installed";
	r = report(f, dp->url, dp->cert, status, path, view.stale ? "stale" : NULL, shown);
	goto out;
refused:
	f->refused++;
	len = strlen(why);
	if (!access(path, F_OK))
		snprintf(why + len, sizeof(why) - len, "; %s kept as it was", path);
	else
		snprintf(why + len, sizeof(why) - len, "; nothing installed");
	r = report(f, dp->url, dp->cert, status, NULL, why, shown);
out:
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	sk_X509_CRL_pop_free(old, X509_CRL_free);
	return r;
}

/* After the downloads: is the CRL of every issuer we fetch for in the directory and fresh
 * (by the verifier's rule, with the policy's crl-max-age)?  A download that failed leaves
 * the old CRL; one that is stale or missing is what turns signed programs into
 * crl_stale or crl_missing, so it is what the exit status reports. */
static int check_installed(struct fetch *f, int64_t now)
{
	const struct crl_opts *o = f->o;
	int r = 0;

	f->stale = 0;
	for (size_t i = 0; !r && i < f->ndps; i++) {
		STACK_OF(X509_CRL) *crls = NULL;
		char path[PATH_MAX], hash[17], issuer[EG_NAME_MAX];
		struct crl_view v;
		bool seen = false;

		name_hash(X509_get_issuer_name(f->dps[i].cert), hash);
		for (size_t k = 0; k < i; k++) {
			char other[17];

			name_hash(X509_get_issuer_name(f->dps[k].cert), other);
			seen |= !strcmp(hash, other);
		}
		if (seen)
			continue;
		snprintf(path, sizeof(path), "%s/%s.crl", o->trust.crl_dir, hash);
		name_str(X509_get_issuer_name(f->dps[i].cert), issuer, sizeof(issuer));
		r = eg_crl_read_file(path, &crls);
		if (r == -ENOMEM)
			break;
		if (r) {
			f->missing++;
			r = report(f, f->dps[i].url, f->dps[i].cert, "missing", path,
				   "no CRL installed for this issuer: revocation cannot be checked",
				   NULL);
			continue;
		}
		crl_view(sk_X509_CRL_value(crls, 0), now, o->trust.crl_max_age, &v);
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
		if (!v.stale)
			continue;
		f->stale++;
		r = report(f, f->dps[i].url, f->dps[i].cert, "stale", path,
			   "the installed CRL is stale (past its nextUpdate or crl-max-age)", &v);
	}
	return r;
}

static int crl_fetch(struct crl_opts *o)
{
	struct fetch *f = calloc(1, sizeof(*f));
	int64_t now = (int64_t)time(NULL);
	int r, status = EG_EXIT_ERROR;

	if (!f) {
		fprintf(stderr, "%s: out of memory\n", o->cmd);
		return EG_EXIT_ERROR;
	}
	f->o = o;
	f->results = json_array();
	r = f->results ? certs_load(o, &f->certs) : -ENOMEM;
	for (int i = 0; !r && i < sk_X509_num(f->certs.all); i++)
		r = collect_dps(f, sk_X509_value(f->certs.all, i));
	if (!r && !f->ndps && !o->json)
		printf("no http:// CRL distribution point in the %d certificates\n",
		       sk_X509_num(f->certs.all));
	for (size_t i = 0; !r && i < f->ndps; i++)
		r = fetch_one(f, &f->dps[i], now);
	if (!r)
		r = check_installed(f, now);
	if (!r && o->json)
		r = lc_json_print(json_pack("{s:s, s:O, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
					    "crl_dir", o->trust.crl_dir, "results", f->results,
					    "counts", "installed", (json_int_t)f->installed, "stale",
					    (json_int_t)f->stale, "missing", (json_int_t)f->missing,
					    "refused", (json_int_t)f->refused, "failed",
					    (json_int_t)f->failed, "skipped", (json_int_t)f->skipped));
	if (r) {
		if (r == -ENOMEM)
			fprintf(stderr, "%s: out of memory\n", o->cmd);
		goto out;
	}
	/* Stale or missing first: that is what a timer running fetch must not call a success,
	 * whatever else went wrong. */
	if (f->stale || f->missing)
		status = EG_EXIT_FINDING;
	else if (f->failed)
		status = EG_EXIT_ERROR;
	else if (f->refused)
		status = EG_EXIT_FINDING;
	else
		status = EG_EXIT_OK;
out:
	for (size_t i = 0; i < f->ndps; i++)
		free(f->dps[i].url);
	json_decref(f->results);
	certs_free(&f->certs);
	free(f);
	return status;
}

/* ---- status --------------------------------------------------------------------------- */

struct status {
	const struct crl_opts *o;
	struct certs certs;
	bool check_sig;
	int64_t now;
	size_t crls, stale, bad_sig, not_crl;
	json_t *list;
};

/* "ok", "bad" (signed by none of the trusted certificates of its issuer's name, or by
 * one that may not sign CRLs) or "unknown" (no trusted certificate of that name). */
static const char *signature_word(const struct status *st, X509_CRL *crl)
{
	switch (crl_issuer(&st->certs, crl)) {
	case ISSUER_OK:
		return "ok";
	case ISSUER_UNKNOWN:
		return "unknown";
	default:
		return "bad";
	}
}

static int status_file(struct status *st, const char *dir, const char *name)
{
	STACK_OF(X509_CRL) *crls = NULL;
	char path[PATH_MAX];
	struct stat sb;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return 0;
	r = eg_crl_read_file(path, &crls);
	if (r == -EBADMSG || r == -EFBIG) {
		st->not_crl++;
		if (st->o->json)
			return json_array_append_new(st->list,
						     json_pack("{s:s, s:b}", "file", path, "crl", 0))
				       ? -ENOMEM
				       : 0;
		printf("%s: not a CRL (ignored by the verifier)\n", path);
		return 0;
	}
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", st->o->cmd, path, strerror(-r));
		return r;
	}
	for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		const char *sig = st->check_sig ? signature_word(st, crl) : NULL;
		struct crl_view v;
		json_t *o;

		crl_view(crl, st->now, st->o->max_age, &v);
		st->crls++;
		st->stale += v.stale;
		st->bad_sig += sig && !strcmp(sig, "bad");
		if (!st->o->json) {
			printf("%s\n", path);
			crl_view_text(&v, "  ");
			if (sig)
				printf("  signature:   %s\n",
				       !strcmp(sig, "ok")    ? "verifies with a trusted issuer"
				       : !strcmp(sig, "bad") ? "BAD: its issuer did not sign it"
							     : "issuer not among the given certificates");
			continue;
		}
		o = crl_view_json(&v);
		if (o) {
			json_object_set_new(o, "file", json_string(path));
			json_object_set_new(o, "crl", json_true());
			json_object_set_new(o, "signature", sig ? json_string(sig) : json_null());
		}
		if (!o || json_array_append_new(st->list, o)) {
			sk_X509_CRL_pop_free(crls, X509_CRL_free);
			return -ENOMEM;
		}
	}
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return 0;
}

static int crl_status(struct crl_opts *o)
{
	struct status st = { .o = o, .now = (int64_t)time(NULL) };
	struct dirent **names = NULL;
	int n, r = 0, status = EG_EXIT_ERROR;

	st.check_sig = o->trust.nanchors > 0;
	st.list = json_array();
	if (!st.list) {
		r = -ENOMEM;
		goto out;
	}
	if (st.check_sig) {
		r = certs_load(o, &st.certs);
		if (r)
			goto out;
	}
	n = scandir(o->trust.crl_dir, &names, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		fprintf(stderr, "%s: %s: %s\n", o->cmd, o->trust.crl_dir, strerror(errno));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!r && names[i]->d_name[0] != '.')
			r = status_file(&st, o->trust.crl_dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	if (r)
		goto out;
	if (o->json) {
		r = lc_json_print(json_pack("{s:s, s:o, s:O, s:{s:I, s:I, s:I, s:I}}", "crl_dir",
					    o->trust.crl_dir, "max_age",
					    o->max_age ? json_integer(o->max_age) : json_null(),
					    "crls", st.list, "counts", "crls", (json_int_t)st.crls,
					    "stale", (json_int_t)st.stale, "bad_signature",
					    (json_int_t)st.bad_sig, "not_crl", (json_int_t)st.not_crl));
		if (r)
			goto out;
	} else {
		printf("%zu CRLs in %s: %zu stale%s", st.crls, o->trust.crl_dir, st.stale,
		       st.check_sig ? ", " : "\n");
		if (st.check_sig)
			printf("%zu badly signed\n", st.bad_sig);
	}
	status = st.stale || st.bad_sig ? EG_EXIT_FINDING : EG_EXIT_OK;
out:
	if (r == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", o->cmd);
	json_decref(st.list);
	certs_free(&st.certs);
	return status;
}

/* Long for its option table and one flat getopt switch over both subcommands' options;
 * the work is in crl_fetch() and crl_status(). */
int cmd_crl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "trust", required_argument, NULL, 't' },
		{ "crl-dir", required_argument, NULL, 'c' },
		{ "cert", required_argument, NULL, 'C' },
		{ "crl-max-age", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct crl_opts o = { .timeout = DEFAULT_TIMEOUT };
	bool fetch;
	char *end;
	int c, status = EG_EXIT_ERROR;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(crl_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EG_EXIT_ERROR : EG_EXIT_OK;
	}
	if (strcmp(argv[1], "fetch") && strcmp(argv[1], "status")) {
		fprintf(stderr, "execgate crl: unknown subcommand '%s': fetch or status\n", argv[1]);
		return EG_EXIT_ERROR;
	}
	fetch = !strcmp(argv[1], "fetch");
	o.cmd = fetch ? "execgate crl fetch" : "execgate crl status";
	o.trust.cmd = o.cmd;
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.trust.policy_path = optarg;
			break;
		case 't':
			if (lc_trust_add(&o.trust, optarg, false))
				return EG_EXIT_ERROR;
			break;
		case 'c':
			o.trust.crl_dir = optarg;
			break;
		case 'C':
			if (o.ncert_files == MAX_CERT_FILES) {
				fprintf(stderr, "%s: more than %d --cert options\n", o.cmd,
					MAX_CERT_FILES);
				return EG_EXIT_ERROR;
			}
			o.cert_files[o.ncert_files++] = optarg;
			break;
		case 'a':
			if (lc_parse_duration(optarg, &o.max_age)) {
				fprintf(stderr, "%s: --crl-max-age: expected a duration like 3600, "
						"90m, 12h, 7d or 2w, not '%s'\n", o.cmd, optarg);
				return EG_EXIT_ERROR;
			}
			o.max_age_set = true;
			break;
		case 'T':
			errno = 0;
			o.timeout = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.timeout < 1 || o.timeout > 3600) {
				fprintf(stderr, "%s: --timeout: expected 1 to 3600 seconds, not '%s'\n",
					o.cmd, optarg);
				return EG_EXIT_ERROR;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			fputs(crl_help, stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "%s: see 'execgate crl --help'\n", o.cmd);
			return EG_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", o.cmd, argv[optind]);
		return EG_EXIT_ERROR;
	}
	if (o.trust.policy_path) {
		/* The policy gives anchors and the directory; --trust besides it is refused. */
		const char *crl_dir = o.trust.crl_dir;

		o.trust.crl_dir = NULL;
		if (crl_dir) {
			fprintf(stderr, "%s: give either --policy or --crl-dir\n", o.cmd);
			return EG_EXIT_ERROR;
		}
		if (lc_trust_load(&o.trust))
			goto out;
		if (!o.max_age_set)
			o.max_age = o.trust.crl_max_age;
	}
	if (!o.trust.crl_dir) {
		fprintf(stderr, "%s: no CRL directory: give --crl-dir DIR or a policy with "
				"crl-dir\n", o.cmd);
		goto out;
	}
	if (fetch && !o.trust.nanchors && o.trust.policy_path) {
		/* A fresh installation's policy trusts no CA yet: the timer that runs this has
		 * nothing to keep fresh, which is not a failure. */
		printf("%s: %s names no trust anchor: no CRL to fetch\n", o.cmd,
		       o.trust.policy_path);
		status = EG_EXIT_OK;
		goto out;
	}
	if (fetch && !o.trust.nanchors) {
		fprintf(stderr, "%s: no trust anchor: give --policy or --trust PEM\n", o.cmd);
		goto out;
	}
	if (fetch && o.max_age_set) {
		fprintf(stderr, "%s: --crl-max-age is for crl status\n", o.cmd);
		goto out;
	}
	status = fetch ? crl_fetch(&o) : crl_status(&o);
out:
	lc_trust_free(&o.trust);
	return status;
}
