// SPDX-License-Identifier: GPL-2.0
/*
 * Verification of a file: find its signature, one read pass that both checks the CMS
 * signature and computes the file's SHA-256, then deny list, timestamp, chain and
 * revocation (eg_verify.h has the order and the rules).
 *
 * The read pass hashes each byte once where it can.  A signer with signed attributes and
 * SHA-256 (what `openssl cms -sign` and `execgate sign` write by default) signs the
 * SHA-256 of the signed content: for a detached signature that is the file's own
 * SHA-256, for an embedded one it shares its state with it up to the payload
 * (eg_sig_sha256_fd), and eg_cms_verify_digest checks the signed attributes against it.
 * Any other signer (SHA-384, SHA-512, no signed attributes) goes through CMS_verify
 * reading the same pass through a BIO, which hashes the file twice.
 *
 * Chain and CRL results are cached per certificate so that a file signed by a known
 * signer costs one pass over its bytes and one signature check:
 *   - chain: keyed by the signer's fingerprint and the intermediates carried in the
 *     signature.  A success holds for any validation time inside the chain's common
 *     validity window (nothing else in the check depends on time: revocation is done
 *     separately); a failure holds only for the same EG_CACHE_BUCKET_SEC bucket.
 *   - CRL status: keyed by certificate and issuer, for one bucket (freshness moves).
 *   - timestamp: keyed by the token and the signature value it must cover (a token
 *     copied onto another signature is another key), for one bucket (the TSA chain is
 *     checked at the current time).
 * The caches are direct-mapped tables of EG_CACHE_SLOTS entries (a collision replaces
 * the older entry), under one mutex held only to copy an entry in or out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "eg_elf.h"
#include "eg_hex.h"
#include "eg_catstore.h"
#include "eg_script.h"
#include "eg_bytecode.h"
#include "eg_verify_internal.h"

struct chain_slot {
	bool used;
	unsigned char key[EG_SHA256_LEN];
	int64_t bucket;
	struct eg_chain_result res; /* res.chain owned by the slot */
};

struct crl_slot {
	bool used;
	unsigned char key[EG_SHA256_LEN];
	int64_t bucket;
	struct eg_crl_status st;
};

struct ts_slot {
	bool used;
	unsigned char key[EG_SHA256_LEN];
	int64_t bucket;
	struct eg_ts_result ts;
};

struct eg_verifier {
	X509_STORE *store;
	X509_STORE *tsa_store; /* NULL: no TSA anchors */
	bool crl_dir;
	struct eg_crl_set crls;
	int64_t crl_max_age;
	char *sig_dir;
	unsigned char (*deny)[EG_SHA256_LEN]; /* sorted */
	size_t ndeny;
	unsigned int flags;
	struct eg_catstore *catalogs; /* its own lock: catalogs come and go while in use */

	pthread_mutex_t lock; /* the caches */
	struct chain_slot chain_cache[EG_CACHE_SLOTS];
	struct crl_slot crl_cache[EG_CACHE_SLOTS];
	struct ts_slot ts_cache[EG_CACHE_SLOTS];
};

/* ---- deny list ------------------------------------------------------------------------ */

static int digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EG_SHA256_LEN);
}

static int deny_load(struct eg_verifier *v, const char *path, char *errbuf, size_t errlen)
{
	unsigned char *buf;
	size_t len, cap = 0, lineno = 0;
	char *line, *save = NULL;
	int r;

	r = eg_read_file(path, 64 * 1024 * 1024, &buf, &len);
	if (r < 0) {
		eg_errf(errbuf, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	for (line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#' || *p == '\r')
			continue;
		if (!strncmp(p, "sha256:", 7))
			p += 7;
		if (v->ndeny == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *n = realloc(v->deny, ncap * EG_SHA256_LEN);

			if (!n) {
				r = -ENOMEM;
				goto out;
			}
			v->deny = n;
			cap = ncap;
		}
		for (int i = 0; i < EG_SHA256_LEN; i++) {
			int hi = eg_hex_digit(p[2 * i]);
			int lo = hi < 0 ? -1 : eg_hex_digit(p[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				r = -EINVAL;
				goto bad;
			}
			v->deny[v->ndeny][i] = (unsigned char)(hi << 4 | lo);
		}
		p += 2 * EG_SHA256_LEN;
		if (*p && *p != ' ' && *p != '\t' && *p != '\r') {
			r = -EINVAL;
			goto bad;
		}
		v->ndeny++;
	}
	if (v->ndeny)
		qsort(v->deny, v->ndeny, EG_SHA256_LEN, digest_cmp);
	goto out;
bad:
	eg_errf(errbuf, errlen, "%s:%zu: expected a SHA-256 in hex", path, lineno);
out:
	free(buf);
	return r;
}

static bool denied(const struct eg_verifier *v, const unsigned char d[EG_SHA256_LEN])
{
	return v->ndeny && bsearch(d, v->deny, v->ndeny, EG_SHA256_LEN, digest_cmp);
}

/* Is any certificate of CERTS on the deny list?  Its subject goes into DETAIL. */
static bool certs_denied(const struct eg_verifier *v, STACK_OF(X509) * certs, char *detail,
			 size_t len)
{
	for (int i = 0; v->ndeny && i < sk_X509_num(certs); i++) {
		unsigned char fp[EG_SHA256_LEN];
		char hex[2 * EG_SHA256_LEN + 1];

		if (eg_cert_fingerprint(sk_X509_value(certs, i), fp) || !denied(v, fp))
			continue;
		snprintf(detail, len, "certificate sha256:%s is on the deny list",
			 eg_sha256_hex(fp, hex));
		return true;
	}
	return false;
}

/* ---- verifier ------------------------------------------------------------------------- */

void eg_verifier_free(struct eg_verifier *v)
{
	if (!v)
		return;
	X509_STORE_free(v->store);
	X509_STORE_free(v->tsa_store);
	eg_crl_set_clear(&v->crls);
	free(v->sig_dir);
	free(v->deny);
	eg_catstore_free(v->catalogs);
	for (size_t i = 0; i < EG_CACHE_SLOTS; i++) {
		eg_chain_result_clear(&v->chain_cache[i].res);
		eg_ts_result_clear(&v->ts_cache[i].ts);
	}
	pthread_mutex_destroy(&v->lock);
	free(v);
}

int eg_verifier_new(const struct eg_verifier_opts *opts, struct eg_verifier **ret, char *errbuf,
		    size_t errlen)
{
	struct eg_verifier *v = calloc(1, sizeof(*v));
	size_t count = 0;
	int r;

	*ret = NULL;
	if (!v) {
		eg_errf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&v->lock, NULL);
	if (eg_catstore_new(&v->catalogs)) {
		pthread_mutex_destroy(&v->lock);
		free(v);
		eg_errf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	v->flags = opts->flags;
	v->crl_max_age = opts->crl_max_age;
	/* No anchor is an empty store: no chain verifies (untrusted_chain), and what a policy
	 * allows by catalog, digest or path still works; a fresh installation starts so. */
	r = eg_store_load(opts->anchors, &v->store, &count, errbuf, errlen);
	if (r < 0)
		goto fail;
	if (opts->tsa_anchors && opts->tsa_anchors[0]) {
		r = eg_store_load(opts->tsa_anchors, &v->tsa_store, &count, errbuf, errlen);
		if (r < 0)
			goto fail;
	}
	if (opts->crl_dir) {
		v->crl_dir = true;
		r = eg_crl_load_dir(opts->crl_dir, &v->crls, errbuf, errlen);
		if (r < 0)
			goto fail;
	}
	if (opts->sig_dir) {
		v->sig_dir = strdup(opts->sig_dir);
		if (!v->sig_dir) {
			r = -ENOMEM;
			eg_errf(errbuf, errlen, "out of memory");
			goto fail;
		}
	}
	if (opts->deny_list) {
		r = deny_load(v, opts->deny_list, errbuf, errlen);
		if (r < 0)
			goto fail;
	}
	*ret = v;
	return 0;
fail:
	eg_verifier_free(v);
	return r;
}

/* ---- caches --------------------------------------------------------------------------- */

static size_t slot_of(const unsigned char key[EG_SHA256_LEN])
{
	return ((size_t)key[0] | (size_t)key[1] << 8) % EG_CACHE_SLOTS;
}

static int64_t bucket_of(int64_t t)
{
	return t / EG_CACHE_BUCKET_SEC;
}

/* SHA-256 over the usage asked for and the fingerprints of the signer and of every
 * certificate carried along. */
static int chain_key(X509 *signer, STACK_OF(X509) * untrusted, enum eg_usage usage,
		     unsigned char key[EG_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char fp[EG_SHA256_LEN], u = (unsigned char)usage;
	int r = -ENOMEM;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &u, 1) != 1 || eg_cert_fingerprint(signer, fp) ||
	    EVP_DigestUpdate(ctx, fp, sizeof(fp)) != 1)
		goto out;
	for (int i = 0; i < sk_X509_num(untrusted); i++)
		if (eg_cert_fingerprint(sk_X509_value(untrusted, i), fp) ||
		    EVP_DigestUpdate(ctx, fp, sizeof(fp)) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, key, NULL) == 1)
		r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int chain_cached(struct eg_verifier *v, X509 *signer, STACK_OF(X509) * untrusted, int64_t at,
			enum eg_usage usage, struct eg_chain_result *res)
{
	unsigned char key[EG_SHA256_LEN];
	struct chain_slot *s;
	bool hit = false;
	int r;

	r = chain_key(signer, untrusted, usage, key);
	if (r < 0)
		return r;
	s = &v->chain_cache[slot_of(key)];
	pthread_mutex_lock(&v->lock);
	if (s->used && !memcmp(s->key, key, sizeof(key)) &&
	    (s->res.reason == EG_REASON_NONE ? at >= s->res.valid_from && at <= s->res.valid_until
					     : s->bucket == bucket_of(at))) {
		*res = s->res;
		res->chain = s->res.chain ? X509_chain_up_ref(s->res.chain) : NULL;
		hit = !s->res.chain || res->chain;
	}
	pthread_mutex_unlock(&v->lock);
	if (hit)
		return 0;

	r = eg_chain_check(v->store, signer, untrusted, at, usage, res);
	if (r < 0)
		return r;
	pthread_mutex_lock(&v->lock);
	eg_chain_result_clear(&s->res);
	s->res = *res;
	s->res.chain = res->chain ? X509_chain_up_ref(res->chain) : NULL;
	s->used = !res->chain || s->res.chain;
	memcpy(s->key, key, sizeof(key));
	s->bucket = bucket_of(at);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static void crl_cached(struct eg_verifier *v, X509 *cert, X509 *issuer, int64_t now,
		       struct eg_crl_status *st)
{
	unsigned char key[EG_SHA256_LEN], fps[2 * EG_SHA256_LEN];
	struct crl_slot *s;
	bool hit = false;

	if (eg_cert_fingerprint(cert, fps) || eg_cert_fingerprint(issuer, fps + EG_SHA256_LEN) ||
	    EVP_Digest(fps, sizeof(fps), key, NULL, EVP_sha256(), NULL) != 1) {
		/* No key, no cache: compute it. */
		eg_crl_check(&v->crls, cert, issuer, now, v->crl_max_age, st);
		return;
	}
	s = &v->crl_cache[slot_of(key)];
	pthread_mutex_lock(&v->lock);
	if (s->used && !memcmp(s->key, key, sizeof(key)) && s->bucket == bucket_of(now)) {
		*st = s->st;
		hit = true;
	}
	pthread_mutex_unlock(&v->lock);
	if (hit)
		return;
	eg_crl_check(&v->crls, cert, issuer, now, v->crl_max_age, st);
	pthread_mutex_lock(&v->lock);
	s->used = true;
	memcpy(s->key, key, sizeof(key));
	s->bucket = bucket_of(now);
	s->st = *st;
	pthread_mutex_unlock(&v->lock);
}

static int ts_cached(struct eg_verifier *v, CMS_SignerInfo *si, int64_t now,
		     struct eg_ts_result *ts)
{
	const ASN1_OCTET_STRING *sigval = CMS_SignerInfo_get0_signature(si);
	const ASN1_STRING *der = NULL;
	unsigned char key[EG_SHA256_LEN];
	EVP_MD_CTX *ctx;
	struct ts_slot *s;
	bool hit = false;
	int r;

	/* Nothing to cache: no token, several tokens, or no TSA anchors to check one. */
	if (eg_ts_find(si, &der) != 1 || !v->tsa_store)
		return eg_ts_check(v->tsa_store, si, ts);
	ctx = EVP_MD_CTX_new();
	r = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der)) ==
		    1 &&
	    EVP_DigestUpdate(ctx, ASN1_STRING_get0_data(sigval),
			     (size_t)ASN1_STRING_length(sigval)) == 1 &&
	    EVP_DigestFinal_ex(ctx, key, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (!r)
		return eg_ts_check(v->tsa_store, si, ts);
	s = &v->ts_cache[slot_of(key)];
	pthread_mutex_lock(&v->lock);
	if (s->used && !memcmp(s->key, key, sizeof(key)) && s->bucket == bucket_of(now)) {
		*ts = s->ts;
		ts->chain = s->ts.chain ? X509_chain_up_ref(s->ts.chain) : NULL;
		hit = !s->ts.chain || ts->chain;
	}
	pthread_mutex_unlock(&v->lock);
	if (hit)
		return 0;
	r = eg_ts_check(v->tsa_store, si, ts);
	if (r < 0)
		return r;
	pthread_mutex_lock(&v->lock);
	eg_ts_result_clear(&s->ts);
	s->ts = *ts;
	s->ts.chain = ts->chain ? X509_chain_up_ref(ts->chain) : NULL;
	s->used = !ts->chain || s->ts.chain;
	memcpy(s->key, key, sizeof(key));
	s->bucket = bucket_of(now);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* ---- the checks ----------------------------------------------------------------------- */

static void invalid(struct eg_verify_result *res, enum eg_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void invalid(struct eg_verify_result *res, enum eg_reason reason, const char *fmt, ...)
{
	va_list ap;

	res->valid = false;
	res->reason = reason;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* The same, keeping the detail a callee already wrote. */
static void invalid_keep(struct eg_verify_result *res, enum eg_reason reason)
{
	res->valid = false;
	res->reason = reason;
}

/* What the CRLs say about a chain: the first certificate revoked and not spared by the
 * timestamp (NULL: none), and the last one spared. */
struct chain_revocation {
	X509 *revoked;
	struct eg_crl_status revoked_st;
	X509 *spared;
	int spared_reason;
	X509 *missing; /* the last certificate whose issuer has no CRL */
};

/* Revocation of every certificate of CHAIN but the anchor.  A CRL's freshness is judged
 * at NOW, the time of the check (a CRL issued after the signature is no less fresh for
 * that); a revocation entry's date and reason are then weighed against the timestamp
 * (HAS_TS, TS_TIME) by eg_revocation_spares.  Missing and stale CRLs go into RES. */
static void chain_revocation(struct eg_verifier *v, STACK_OF(X509) * chain, bool has_ts,
			     int64_t ts_time, int64_t now, struct eg_verify_result *res,
			     struct chain_revocation *ret)
{
	int n = sk_X509_num(chain);

	memset(ret, 0, sizeof(*ret));
	for (int i = 0; i + 1 < n; i++) {
		X509 *cert = sk_X509_value(chain, i);
		struct eg_crl_status st;

		crl_cached(v, cert, sk_X509_value(chain, i + 1), now, &st);
		if (st.next_update &&
		    (!res->crl_next_update || st.next_update < res->crl_next_update))
			res->crl_next_update = st.next_update;
		if (st.state == EG_CRL_MISSING) {
			res->crl_problems |= EG_CRL_PROBLEM_MISSING;
			ret->missing = cert;
			continue;
		}
		/* Again at NOW, not the cached state: the cache may be up to a bucket old. */
		if (eg_crl_stale(st.this_update, st.next_update, v->crl_max_age, now))
			res->crl_problems |= EG_CRL_PROBLEM_STALE;
		if (!st.revoked || ret->revoked)
			continue;
		if (eg_revocation_spares(st.reason, has_ts, ts_time, st.revocation_date)) {
			ret->spared = cert;
			ret->spared_reason = st.reason;
			continue;
		}
		ret->revoked = cert;
		ret->revoked_st = st;
	}
}

static void cert_subject(X509 *cert, char *buf, size_t len)
{
	struct eg_cert_info info;

	eg_cert_info_fill(cert, &info);
	snprintf(buf, len, "%s", info.subject);
}

/* Revocation of the signer's chain (step 7). */
static void check_revocation(struct eg_verifier *v, STACK_OF(X509) * chain,
			     const struct eg_ts_result *ts, int64_t now, unsigned int flags,
			     struct eg_verify_result *res)
{
	struct chain_revocation cr;
	char subject[EG_NAME_MAX];

	chain_revocation(v, chain, ts->valid, ts->gen_time, now, res, &cr);
	if (cr.revoked) {
		int reason = cr.revoked_st.reason;

		cert_subject(cr.revoked, subject, sizeof(subject));
		res->revocation = EG_REVOCATION_REVOKED;
		res->revocation_date = cr.revoked_st.revocation_date;
		res->revocation_reason = reason;
		invalid(res, EG_REASON_REVOKED, "certificate %s is revoked (%s)%s", subject,
			eg_crl_reason_to_name(reason),
			eg_crl_reason_benign(reason) ? ", not timestamped before the revocation"
						     : "");
		return;
	}
	res->revocation = res->crl_problems ? EG_REVOCATION_UNKNOWN : EG_REVOCATION_GOOD;
	if ((res->crl_problems & EG_CRL_PROBLEM_STALE) && !(flags & EG_VERIFY_ALLOW_CRL_STALE)) {
		invalid(res, EG_REASON_CRL_STALE, "a CRL of the chain is past its nextUpdate%s",
			v->crl_max_age > 0 ? " or older than the maximum age" : "");
		return;
	}
	if ((res->crl_problems & EG_CRL_PROBLEM_MISSING) &&
	    !(flags & EG_VERIFY_ALLOW_CRL_MISSING)) {
		if (cr.missing) {
			cert_subject(cr.missing, subject, sizeof(subject));
			invalid(res, EG_REASON_CRL_MISSING,
				"an issuer of the chain has no valid CRL (the issuer of %s)",
				subject);
		} else {
			/* Only the TSA's chain lacks one (tsa_revoked recorded it). */
			invalid(res, EG_REASON_CRL_MISSING,
				"an issuer of the chain has no valid CRL (in the TSA's chain)");
		}
		return;
	}
	if (cr.spared) {
		cert_subject(cr.spared, subject, sizeof(subject));
		snprintf(res->detail, sizeof(res->detail),
			 "%s revoked (%s) after the signature's timestamp", subject,
			 eg_crl_reason_to_name(cr.spared_reason));
	}
}

/* Revocation of the TSA's chain: a token from a TSA certificate revoked before genTime
 * for a benign reason, or at all for any other reason, is a bad timestamp (a TSA key in
 * the wrong hands could backdate signatures).  Missing and stale CRLs count as for the
 * signer's chain.  True when the token must not count. */
static bool tsa_revoked(struct eg_verifier *v, const struct eg_ts_result *ts, int64_t now,
			struct eg_verify_result *res)
{
	struct chain_revocation cr;
	char subject[EG_NAME_MAX];

	chain_revocation(v, ts->chain, true, ts->gen_time, now, res, &cr);
	if (!cr.revoked)
		return false;
	cert_subject(cr.revoked, subject, sizeof(subject));
	invalid(res, EG_REASON_BAD_TIMESTAMP, "TSA certificate %s is revoked (%s)", subject,
		eg_crl_reason_to_name(cr.revoked_st.reason));
	return true;
}

/*
 * Steps 5 to 7 for a signature whose CMS already verified: timestamp, chain, revocation.
 * Sets res->valid when everything holds.
 */
static int check_signer(struct eg_verifier *v, CMS_SignerInfo *si, X509 *signer,
			STACK_OF(X509) * certs, int64_t now, unsigned int flags,
			enum eg_usage usage, struct eg_verify_result *res)
{
	struct eg_chain_result cr = {0};
	struct eg_ts_result ts = {0};
	int r;

	r = ts_cached(v, si, now, &ts);
	if (r < 0) {
		snprintf(res->detail, sizeof(res->detail), "%s", ts.detail);
		goto out;
	}
	if (ts.present && !ts.valid && v->tsa_store) {
		invalid(res, EG_REASON_BAD_TIMESTAMP, "%s", ts.detail);
		goto out;
	}
	if (ts.valid && v->crl_dir && tsa_revoked(v, &ts, now, res))
		goto out;
	if (ts.valid) {
		res->has_timestamp = true;
		res->timestamp = ts.gen_time;
		memcpy(res->tsa_subject, ts.tsa_subject, sizeof(res->tsa_subject));
	} else if (flags & EG_VERIFY_REQUIRE_TIMESTAMP) {
		invalid(res, EG_REASON_TIMESTAMP_REQUIRED, "the signature has no %stimestamp",
			ts.present ? "verifiable " : "");
		goto out;
	}

	/* The Lifetime Signing EKU says the signature dies with the certificate: then the
	 * timestamp does not move the validation time. */
	res->validation_time = ts.valid && !eg_cert_lifetime_signing(signer) ? ts.gen_time : now;
	r = chain_cached(v, signer, certs, res->validation_time, usage, &cr);
	if (r < 0) {
		snprintf(res->detail, sizeof(res->detail), "certificate chain: out of memory");
		goto out;
	}
	for (int i = 0; cr.chain && i < sk_X509_num(cr.chain) && i < EG_CHAIN_MAX; i++) {
		struct eg_cert_info info;

		eg_cert_info_fill(sk_X509_value(cr.chain, i), &info);
		memcpy(res->chain_subjects[i], info.subject, EG_NAME_MAX);
		res->chain_len = (unsigned int)i + 1;
	}
	if (cr.chain && certs_denied(v, cr.chain, res->detail, sizeof(res->detail))) {
		invalid_keep(res, EG_REASON_DENY_LIST);
		goto out;
	}
	if (cr.reason != EG_REASON_NONE) {
		invalid(res, cr.reason, "%s", cr.detail);
		goto out;
	}
	if (v->crl_dir) {
		check_revocation(v, cr.chain, &ts, now, flags, res);
		if (res->reason != EG_REASON_NONE)
			goto out;
	}
	if (ts.present && !ts.valid && !*res->detail)
		snprintf(res->detail, sizeof(res->detail), "%s", ts.detail);
	res->valid = true;
	res->reason = EG_REASON_NONE;
out:
	eg_chain_result_clear(&cr);
	eg_ts_result_clear(&ts);
	return r;
}

/* Signer, deny list, algorithms and the CMS signature over CONTENT (NULL: attached
 * content), or against SIGNED_SHA256, the SHA-256 of the signed content when not NULL
 * (eg_cms_signed_attrs_sha256 held); then check_signer.  *RET_SIG_OK: the signature
 * itself verified. */
static int check_cms(struct eg_verifier *v, CMS_ContentInfo *cms, BIO *content,
		     const unsigned char *signed_sha256, int64_t now, unsigned int flags,
		     enum eg_usage usage, struct eg_verify_result *res, bool *ret_sig_ok)
{
	STACK_OF(X509) *certs = NULL;
	CMS_SignerInfo *si;
	X509 *signer;
	int r = 0, reason;

	*ret_sig_ok = false;
	if (eg_cms_signer(cms, &si, &signer, &certs) < 0) {
		invalid(res, EG_REASON_BAD_SIGNATURE,
			"the signer's certificate is not in the signature");
		return 0;
	}
	res->has_signer = true;
	eg_cert_info_fill(signer, &res->signer);
	if (certs_denied(v, certs, res->detail, sizeof(res->detail))) {
		invalid_keep(res, EG_REASON_DENY_LIST);
		goto out;
	}
	reason = eg_cms_check_algs(si, signer, res->detail, sizeof(res->detail));
	if (reason) {
		invalid_keep(res, reason);
		goto out;
	}
	if (signed_sha256) {
		if (eg_cms_verify_digest(cms, si, signer, signed_sha256, EG_SHA256_LEN, res->detail,
					 sizeof(res->detail)) != 1) {
			invalid_keep(res, EG_REASON_BAD_SIGNATURE);
			goto out;
		}
	} else if (eg_cms_verify(cms, content, res->detail, sizeof(res->detail)) != 1) {
		if (content && eg_sig_bio_done(content) < 0) {
			r = eg_sig_bio_done(content);
			snprintf(res->detail, sizeof(res->detail), "reading the file: %s",
				 strerror(-r));
			goto out;
		}
		invalid_keep(res, EG_REASON_BAD_SIGNATURE);
		goto out;
	}
	*ret_sig_ok = true;
	r = check_signer(v, si, signer, certs, now, flags, usage, res);
out:
	sk_X509_pop_free(certs, X509_free);
	return r;
}

/* Finish the pass over the file if CMS_verify stopped early, so the digest is there. */
static int drain(BIO *bio)
{
	char buf[16384];

	while (eg_sig_bio_done(bio) == 0)
		if (BIO_read(bio, buf, sizeof(buf)) < 0)
			break;
	return eg_sig_bio_done(bio) < 0 ? eg_sig_bio_done(bio) : 0;
}

/* Try one detached signature file; 0 found (BUF filled), -ENOENT none, or an error. */
static int read_sig_file(const char *path, unsigned char **buf, size_t *len,
			 struct eg_verify_result *res)
{
	int r = eg_read_file(path, EG_SIG_FILE_MAX_SIZE, buf, len);

	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0) {
		snprintf(res->detail, sizeof(res->detail), "%s: %s", path,
			 r == -EFBIG    ? "larger than a signature can be"
			 : r == -EINVAL ? "not a regular file"
					: strerror(-r));
		return r;
	}
	snprintf(res->sig_path, sizeof(res->sig_path), "%s", path);
	return 0;
}

static int find_detached(struct eg_verifier *v, const char *path, unsigned int flags,
			 unsigned char **buf, size_t *len, struct eg_verify_result *res)
{
	char p[PATH_MAX];
	int r;

	if (!path || (flags & EG_VERIFY_NO_SIG_LOOKUP))
		return -ENOENT;
	if ((size_t)snprintf(p, sizeof(p), "%s.sig", path) < sizeof(p)) {
		r = read_sig_file(p, buf, len, res);
		if (r != -ENOENT)
			return r;
	}
	if (v->sig_dir && path[0] == '/' &&
	    (size_t)snprintf(p, sizeof(p), "%s%s.sig", v->sig_dir, path) < sizeof(p))
		return read_sig_file(p, buf, len, res);
	return -ENOENT;
}

/* A catalog's verdict on its own signature (for a lookup at time NOW). */
static int check_catalog(struct eg_verifier *v, struct eg_catalog *cat, int64_t now,
			 unsigned int flags, struct eg_verify_result *res)
{
	STACK_OF(X509) *certs = NULL;
	CMS_SignerInfo *si;
	X509 *signer;
	int r = 0;

	res->kind = EG_SIG_CATALOG;
	snprintf(res->sig_path, sizeof(res->sig_path), "%s", cat->path ? cat->path : "");
	if (!cat->sig_ok) {
		invalid(res, cat->sig_reason, "catalog %s: %s", res->sig_path, cat->sig_detail);
		if (eg_cms_signer(cat->cms, &si, &signer, &certs) == 0) {
			res->has_signer = true;
			eg_cert_info_fill(signer, &res->signer);
			sk_X509_pop_free(certs, X509_free);
		}
		return 0;
	}
	if (eg_cms_signer(cat->cms, &si, &signer, &certs) < 0)
		return -ENOMEM; /* it was there when the catalog was added */
	res->has_signer = true;
	eg_cert_info_fill(signer, &res->signer);
	if (certs_denied(v, certs, res->detail, sizeof(res->detail)))
		invalid_keep(res, EG_REASON_DENY_LIST);
	else
		r = check_signer(v, si, signer, certs, now, flags, EG_USAGE_CATALOG, res);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

static void result_init(struct eg_verify_result *res)
{
	memset(res, 0, sizeof(*res));
	res->revocation_reason = -1;
}

/* The catalogs that list res->file_sha256, in the order they were added: the first valid
 * one wins, else the first one's reason.  Under the store's read lock, so a catalog
 * removed meanwhile is not freed under us. */
static int check_catalogs(struct eg_verifier *v, int64_t now, unsigned int flags,
			  struct eg_verify_result *res)
{
	struct eg_catstore_match m[EG_CATSTORE_MAX_CATALOGS];
	size_t n;
	int r = 0;

	eg_catstore_read_lock(v->catalogs);
	n = eg_catstore_lookup(v->catalogs, res->file_sha256, m, EG_CATSTORE_MAX_CATALOGS);
	for (size_t i = 0; i < n; i++) {
		const struct eg_catalog_source *src;
		struct eg_verify_result cres;

		result_init(&cres);
		r = check_catalog(v, m[i].cat, now, flags, &cres);
		if (r < 0) {
			snprintf(res->detail, sizeof(res->detail), "%s", cres.detail);
			break;
		}
		memcpy(cres.file_sha256, res->file_sha256, EG_SHA256_LEN);
		memcpy(cres.signed_sha256, res->signed_sha256, EG_SHA256_LEN);
		cres.has_file_sha256 = true;
		src = eg_catalog_source_at(m[i].cat, m[i].source);
		if (src)
			eg_catalog_provenance(src, cres.provenance, sizeof(cres.provenance));
		if (res->kind == EG_SIG_NONE || cres.valid)
			*res = cres;
		if (cres.valid)
			break;
	}
	eg_catstore_read_unlock(v->catalogs);
	return r;
}

/* The signature eg_verify_fd found for a file (step 1). */
struct found_sig {
	unsigned char *buf; /* DER or PEM CMS; NULL: none found */
	size_t len;
	struct eg_elf_sig esig; /* where it sits, for an embedded one */
	int elf_r;		/* what the embedded lookup said: 0, -ENOENT, -ENOEXEC, -EBADMSG */
	char elf_msg[256];
};

/* Step 1: the caller's detached file, else the embedded section, else FILE.sig or
 * SIGDIR/PATH.sig.  Sets res->kind (EG_SIG_NONE: none found, catalogs come later). */
static int find_signature(struct eg_verifier *v, int fd, const char *path,
			  const struct eg_verify_opts *opts, unsigned int flags,
			  struct found_sig *ret_sig, struct eg_verify_result *res)
{
	int r;

	if (opts->detached) {
		r = eg_read_file(opts->detached, EG_SIG_FILE_MAX_SIZE, &ret_sig->buf,
				 &ret_sig->len);
		if (r < 0) {
			snprintf(res->detail, sizeof(res->detail), "%s: %s", opts->detached,
				 r == -EFBIG ? "larger than a signature can be" : strerror(-r));
			return r;
		}
		snprintf(res->sig_path, sizeof(res->sig_path), "%s", opts->detached);
		res->kind = EG_SIG_DETACHED;
		return 0;
	}
	ret_sig->elf_r = eg_elf_find_sig(fd, &ret_sig->esig, &ret_sig->buf, ret_sig->elf_msg,
					 sizeof(ret_sig->elf_msg));
	if (ret_sig->elf_r == -ENOEXEC) {
		/* Not ELF: a script may end in a signature block. */
		r = eg_script_find_sig(fd, &ret_sig->esig, &ret_sig->buf, ret_sig->elf_msg,
				       sizeof(ret_sig->elf_msg));
		if (r != -ENOENT)
			ret_sig->elf_r = r;
	}
	if (ret_sig->elf_r == 0) {
		ret_sig->len = (size_t)ret_sig->esig.der_len;
		res->kind = EG_SIG_EMBEDDED;
		return 0;
	}
	if (ret_sig->elf_r != -ENOENT && ret_sig->elf_r != -ENOEXEC && ret_sig->elf_r != -EBADMSG) {
		snprintf(res->detail, sizeof(res->detail), "%s", ret_sig->elf_msg);
		return ret_sig->elf_r;
	}
	r = find_detached(v, path, flags, &ret_sig->buf, &ret_sig->len, res);
	if (r == -EINVAL) {
		/* FILE.sig is a FIFO, a device, a directory: anyone who can write beside
		 * FILE can make one, so it is the file's problem, not the verifier's. */
		res->kind = EG_SIG_DETACHED;
		invalid_keep(res, EG_REASON_MALFORMED);
		return 0;
	}
	if (r == 0)
		res->kind = EG_SIG_DETACHED;
	return r == -ENOENT ? 0 : r;
}

/* Step 2, the common signer (signed attributes, SHA-256): one SHA-256 pass gives the
 * file's digest and the signed content's, and the signature is checked against it. */
static int pass_digest(struct eg_verifier *v, int fd, CMS_ContentInfo *cms,
		       const struct found_sig *sig, int64_t now, unsigned int flags,
		       struct eg_verify_result *res)
{
	unsigned char signed_sha256[EG_SHA256_LEN];
	bool sig_ok;
	int r;

	r = eg_sig_sha256_fd(fd, res->kind == EG_SIG_EMBEDDED ? &sig->esig : NULL, res->file_sha256,
			     signed_sha256);
	if (r < 0) {
		snprintf(res->detail, sizeof(res->detail), "reading the file: %s", strerror(-r));
		return r;
	}
	res->has_file_sha256 = true;
	memcpy(res->signed_sha256, signed_sha256, EG_SHA256_LEN);
	return check_cms(v, cms, NULL, signed_sha256, now, flags, EG_USAGE_CODE, res, &sig_ok);
}

/* Step 2, any other signer or no CMS at all: CMS_verify reads the file through a BIO that
 * hashes it on the way (a second pass only for the signed content of an embedded one). */
static int pass_bio(struct eg_verifier *v, int fd, CMS_ContentInfo *cms,
		    const struct found_sig *sig, int64_t now, unsigned int flags,
		    struct eg_verify_result *res)
{
	const struct eg_elf_sig *esig = res->kind == EG_SIG_EMBEDDED ? &sig->esig : NULL;
	BIO *bio = eg_sig_bio_new(fd, esig, res->file_sha256);
	bool sig_ok;
	int r = 0;

	if (!bio) {
		snprintf(res->detail, sizeof(res->detail),
			 "cannot read the file (changed while being verified?)");
		return -EIO;
	}
	if (cms)
		r = check_cms(v, cms, bio, NULL, now, flags, EG_USAGE_CODE, res, &sig_ok);
	if (r < 0)
		goto out;
	r = drain(bio);
	if (r == 0 && esig) {
		unsigned char whole[EG_SHA256_LEN];

		r = eg_sig_sha256_fd(fd, esig, whole, res->signed_sha256);
		if (r == 0 && memcmp(whole, res->file_sha256, EG_SHA256_LEN))
			r = -EAGAIN; /* changed between the two passes */
	} else {
		memcpy(res->signed_sha256, res->file_sha256, EG_SHA256_LEN);
	}
	if (r < 0) {
		res->valid = false;
		snprintf(res->detail, sizeof(res->detail), "reading the file: %s", strerror(-r));
		goto out;
	}
	res->has_file_sha256 = true;
out:
	BIO_free(bio);
	return r;
}

/* Step 3: the deny list overrides whatever the signature said: the signed content's
 * digest, or the whole file's (what older lists hold).  True when denied. */
static bool content_denied(const struct eg_verifier *v, struct eg_verify_result *res)
{
	char hex[2 * EG_SHA256_LEN + 1];
	bool by_signed = denied(v, res->signed_sha256);

	if (!by_signed && !denied(v, res->file_sha256))
		return false;
	invalid(res, EG_REASON_DENY_LIST, "%s sha256:%s is on the deny list",
		by_signed ? "signed content" : "file",
		eg_sha256_hex(by_signed ? res->signed_sha256 : res->file_sha256, hex));
	return true;
}

/* No signature of its own: a catalog may list it (a valid catalog wins); else why not. */
static int no_own_signature(struct eg_verifier *v, const struct found_sig *sig, const char *path,
			    int64_t now, unsigned int flags, struct eg_verify_result *res)
{
	const char *none = path ? ", no detached signature, no catalog entry" : "";
	int r = check_catalogs(v, now, flags, res);

	if (r < 0 || res->kind != EG_SIG_NONE)
		return r;
	if (sig->elf_r == -ENOENT)
		invalid(res, EG_REASON_NO_SIGNATURE, "no signature: no %s section%s",
			EG_SIG_SECTION, none);
	else if (sig->elf_r == -ENOEXEC)
		/* A script, or any file that is not ELF, can carry no embedded signature:
		 * its absence is not a malformation. */
		invalid(res, EG_REASON_NO_SIGNATURE, "no signature: %s%s", sig->elf_msg, none);
	else
		invalid(res, EG_REASON_MALFORMED, "%s", sig->elf_msg);
	return 0;
}

/* The byte code open on FD, with no signature of its own, is trusted as its source is
 * (eg_bytecode.h): the source's verification, but the byte code's own digests, and a
 * provenance that names the source. */
static int as_source(struct eg_verifier *v, int fd, const struct stat *st, const char *path,
		     const struct eg_verify_opts *opts, struct eg_verify_result *res)
{
	char source_path[4096], provenance[EG_PROVENANCE_MAX];
	struct eg_verify_result *source;
	int source_fd, r;

	if (eg_bytecode_source(fd, st, path, source_path, sizeof(source_path)))
		return 0;
	source_fd = open(source_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (source_fd < 0)
		return 0;
	source = malloc(sizeof(*source));
	if (!source) {
		close(source_fd);
		return -ENOMEM;
	}
	r = eg_verify_fd(v, source_fd, source_path, opts, source);
	close(source_fd);
	if (r == 0 && source->valid) {
		/* A long source path shortens the source's own provenance, never the name. */
		if (snprintf(provenance, sizeof(provenance), "byte code of %s%s%s", source_path,
			     source->provenance[0] ? ": " : "", source->provenance) < 0)
			provenance[0] = '\0';
		memcpy(source->file_sha256, res->file_sha256, sizeof(res->file_sha256));
		memcpy(source->signed_sha256, res->signed_sha256, sizeof(res->signed_sha256));
		memcpy(source->provenance, provenance, sizeof(provenance));
		*res = *source;
	}
	free(source);
	return 0;
}

int eg_verify_fd(struct eg_verifier *v, int fd, const char *path, const struct eg_verify_opts *opts,
		 struct eg_verify_result *res)
{
	struct eg_verify_opts none = {0};
	struct found_sig sig = {0};
	CMS_ContentInfo *cms = NULL;
	unsigned int flags;
	struct stat st;
	int64_t now;
	int r;

	result_init(res);
	opts = opts ? opts : &none;
	flags = v->flags | opts->flags;
	now = opts->now ? opts->now : (int64_t)time(NULL);
	if (fstat(fd, &st)) {
		r = -errno;
		snprintf(res->detail, sizeof(res->detail), "stat: %s", strerror(errno));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(res->detail, sizeof(res->detail), "not a regular file");
		return -EINVAL;
	}

	/* 1. Where is the signature? */
	r = find_signature(v, fd, path, opts, flags, &sig, res);
	if (r < 0 || res->reason != EG_REASON_NONE)
		goto out;

	/* 2. One pass over the file: the whole-file SHA-256, and the CMS check if any. */
	if (res->kind != EG_SIG_NONE &&
	    eg_cms_parse(sig.buf, sig.len, res->kind == EG_SIG_DETACHED, true, &cms, res->detail,
			 sizeof(res->detail)) < 0)
		invalid_keep(res, EG_REASON_MALFORMED);
	if (cms &&
	    eg_cms_signed_attrs_sha256(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0)))
		r = pass_digest(v, fd, cms, &sig, now, flags, res);
	else
		r = pass_bio(v, fd, cms, &sig, now, flags, res);
	if (r < 0)
		goto out;

	/* 3. The deny list; then, with no signature of its own, the catalogs; then, byte code
	 * by its source. */
	if (!content_denied(v, res) && res->kind == EG_SIG_NONE)
		r = no_own_signature(v, &sig, path, now, flags, res);
	if (r == 0 && res->reason == EG_REASON_NO_SIGNATURE && path)
		r = as_source(v, fd, &st, path, opts, res);
out:
	if (r < 0)
		res->valid = false;
	CMS_ContentInfo_free(cms);
	free(sig.buf);
	ERR_clear_error();
	return r;
}

int eg_verify_path(struct eg_verifier *v, const char *path, const struct eg_verify_opts *opts,
		   struct eg_verify_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0) {
		r = -errno;
		result_init(res);
		snprintf(res->detail, sizeof(res->detail), "%s: %s", path, strerror(errno));
		return r;
	}
	r = eg_verify_fd(v, fd, path, opts, res);
	close(fd);
	return r;
}

int eg_verify_detached_mem(struct eg_verifier *v, const void *sig, size_t siglen,
			   const void *content, size_t len, enum eg_usage usage,
			   const struct eg_verify_opts *opts, struct eg_verify_result *res)
{
	struct eg_verify_opts none = {0};
	CMS_ContentInfo *cms = NULL;
	BIO *bio = NULL;
	bool sig_ok;
	int64_t now;
	int r = 0;

	result_init(res);
	opts = opts ? opts : &none;
	now = opts->now ? opts->now : (int64_t)time(NULL);
	res->kind = EG_SIG_DETACHED;
	if (len > INT_MAX) {
		snprintf(res->detail, sizeof(res->detail), "content larger than 2 GiB");
		return -EFBIG;
	}
	if (EVP_Digest(content, len, res->file_sha256, NULL, EVP_sha256(), NULL) != 1) {
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		return -ENOMEM;
	}
	memcpy(res->signed_sha256, res->file_sha256, EG_SHA256_LEN);
	res->has_file_sha256 = true;
	if (denied(v, res->file_sha256)) {
		char hex[2 * EG_SHA256_LEN + 1];

		invalid(res, EG_REASON_DENY_LIST, "content sha256:%s is on the deny list",
			eg_sha256_hex(res->file_sha256, hex));
		return 0;
	}
	if (eg_cms_parse(sig, siglen, true, true, &cms, res->detail, sizeof(res->detail)) < 0) {
		invalid_keep(res, EG_REASON_MALFORMED);
		goto out;
	}
	bio = BIO_new_mem_buf(content, (int)len);
	if (!bio) {
		r = -ENOMEM;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		goto out;
	}
	r = check_cms(v, cms, bio, NULL, now, v->flags | opts->flags, usage, res, &sig_ok);
out:
	if (r < 0)
		res->valid = false;
	BIO_free(bio);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

/* Read PATH as a catalog and judge its signature (eg_verifier_add_catalog()). */
static int load_catalog(struct eg_verifier *v, const char *path, struct eg_catalog **ret,
			struct eg_verify_result *res)
{
	struct eg_catalog *cat = NULL;
	bool sig_ok = false;
	int r;

	result_init(res);
	res->kind = EG_SIG_CATALOG;
	snprintf(res->sig_path, sizeof(res->sig_path), "%s", path);
	r = eg_catalog_read(path, &cat, res->detail, sizeof(res->detail));
	if (r < 0)
		return r;
	r = check_cms(v, cat->cms, NULL, NULL, (int64_t)time(NULL), v->flags, EG_USAGE_CATALOG, res,
		      &sig_ok);
	if (r < 0) {
		eg_catalog_free(cat);
		return r;
	}
	/* What the signature itself says is fixed; chain and revocation are evaluated
	 * again at each lookup, at that time. */
	cat->sig_ok = sig_ok;
	if (!sig_ok) {
		cat->sig_reason = res->reason;
		snprintf(cat->sig_detail, sizeof(cat->sig_detail), "%s", res->detail);
	}
	*ret = cat;
	return 0;
}

/* Add (or, with REPLACE, put in place of the catalog of the same path) PATH's catalog.
 * LISTED: for a replacement, as eg_catstore_replace() takes it. */
static int put_catalog(struct eg_verifier *v, const char *path, bool replace,
		       eg_digest_fn *listed, void *ctx, struct eg_verify_result *res)
{
	struct eg_catalog *cat;
	int r;

	/* Full: not worth reading the catalog (the store says so again should it fill up
	 * meanwhile). */
	if (!replace && eg_catstore_catalogs(v->catalogs) == EG_CATSTORE_MAX_CATALOGS) {
		result_init(res);
		res->kind = EG_SIG_CATALOG;
		snprintf(res->sig_path, sizeof(res->sig_path), "%s", path);
		r = -ENOSPC;
		goto fail;
	}
	r = load_catalog(v, path, &cat, res);
	if (r < 0)
		return r;
	r = replace ? eg_catstore_replace(v->catalogs, cat, listed, ctx)
		    : eg_catstore_add(v->catalogs, cat);
	if (!r)
		return 0;
	eg_catalog_free(cat);
fail:
	if (r == -ENOSPC)
		snprintf(res->detail, sizeof(res->detail), "more than %d catalogs",
			 EG_CATSTORE_MAX_CATALOGS);
	else
		snprintf(res->detail, sizeof(res->detail), "%s",
			 r == -EEXIST ? "catalog already loaded" : strerror(-r));
	return r;
}

int eg_verifier_add_catalog(struct eg_verifier *v, const char *path, struct eg_verify_result *res)
{
	return put_catalog(v, path, false, NULL, NULL, res);
}

int eg_verifier_remove_catalog(struct eg_verifier *v, const char *path)
{
	return eg_catstore_remove(v->catalogs, path, NULL, NULL);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The "*.cat" files of DIR (not hidden), as DIR/NAME, in name order. */
static int catalog_names(const char *dir, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **p;

		if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".cat"))
			continue;
		p = realloc(names, (n + 1) * sizeof(*names));
		if (!p) {
			r = -ENOMEM;
			break;
		}
		names = p;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r) {
		free_names(names, n);
		return r;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

int eg_verifier_add_catalog_dir(struct eg_verifier *v, const char *dir,
				void (*skipped)(void *ctx, const char *path, const char *why),
				void *ctx, size_t *ret_skipped)
{
	struct eg_catalog_sync sync;
	int r = eg_verifier_sync_catalog_dir(v, dir, skipped, NULL, ctx, &sync);

	*ret_skipped = sync.skipped;
	return r;
}

/* The same file as when the catalog was read: same inode, size, and times to the
 * nanosecond (a catalog is written to a new file and renamed into place). */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool in_dir(const char *path, const char *dir)
{
	size_t l = strlen(dir);

	return !strncmp(path, dir, l) && path[l] == '/' && !strchr(path + l + 1, '/');
}

int eg_verifier_sync_catalog_dir(struct eg_verifier *v, const char *dir,
				 void (*skipped)(void *ctx, const char *path, const char *why),
				 eg_digest_fn *listed, void *ctx, struct eg_catalog_sync *ret)
{
	char **names = NULL, **loaded = NULL;
	size_t n = 0, nloaded = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = catalog_names(dir, &names, &n);
	if (r)
		return r;
	r = eg_catstore_paths(v->catalogs, &loaded, &nloaded);
	if (r)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct eg_verify_result res;
		struct stat st, was;
		bool known = !eg_catstore_file(v->catalogs, names[i], &was);
		const char *why = NULL;

		if (stat(names[i], &st) || !S_ISREG(st.st_mode)) {
			why = "not a regular file";
		} else if (known && same_file(&st, &was)) {
			ret->kept++;
			continue;
		} else {
			r = put_catalog(v, names[i], known, listed, ctx, &res);
			if (r == -ENOMEM)
				goto out;
			if (r)
				why = res.detail[0] ? res.detail : strerror(-r);
		}
		r = 0;
		if (!why) {
			known ? ret->replaced++ : ret->added++;
			continue;
		}
		/* What the file says now does not count, nor what it said before. */
		if (known && !eg_catstore_remove(v->catalogs, names[i], listed, ctx))
			ret->removed++;
		ret->skipped++;
		if (skipped)
			skipped(ctx, names[i], why);
	}
	for (size_t i = 0; i < nloaded; i++) {
		bool listed_now = false;

		if (!in_dir(loaded[i], dir))
			continue;
		for (size_t j = 0; j < n && !listed_now; j++)
			listed_now = !strcmp(loaded[i], names[j]);
		if (!listed_now && !eg_catstore_remove(v->catalogs, loaded[i], listed, ctx))
			ret->removed++;
	}
out:
	free_names(names, n);
	free_names(loaded, nloaded);
	return r;
}
