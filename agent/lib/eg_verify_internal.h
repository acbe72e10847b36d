/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_VERIFY_INTERNAL_H
#define EXECGATE_EG_VERIFY_INTERNAL_H

/* Between the modules of the verification library (eg_cms, eg_chain, eg_timestamp,
 * eg_crl, eg_catalog, eg_verify); also used by unit tests and fuzzers.  Not an API for
 * execgated or the CLI: they use eg_verify.h. */

#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "eg_lifecycle.h"
#include "eg_verify.h"

#define EG_MAX_CATALOGS 256
#define EG_CRL_MAX_FILES 4096
#define EG_CRL_MAX_FILE_SIZE (64 * 1024 * 1024)
#define EG_SIG_FILE_MAX_SIZE (1024 * 1024) /* a detached signature */
#define EG_CACHE_SLOTS 1024
/* Negative chain results and timestamp results are kept for one bucket of this length. */
#define EG_CACHE_BUCKET_SEC 60

/* Message into BUF, with OpenSSL's error queue appended (and drained). */
void eg_errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append " (openssl: ...)" with the queued errors to BUF and clear the queue. */
void eg_err_append_openssl(char *buf, size_t len);

/* ---- eg_cms.c ---- */
/* Read a whole regular file of at most MAX bytes, never blocking on the open: -EFBIG
 * past MAX, -EINVAL when PATH is not a regular file (a FIFO, a device, a directory). */
int eg_read_file(const char *path, size_t max, unsigned char **ret_buf, size_t *ret_len);
/* The same, with the file's status as it was read (the descriptor's, not the path's). */
int eg_read_file_stat(const char *path, size_t max, unsigned char **ret_buf, size_t *ret_len,
		      struct stat *ret_st);
/* Parse DER (then PEM when ALLOW_PEM) CMS and check its shape: canonical DER (inside the
 * PEM too), SignedData, exactly one SignerInfo, eContentType id-data, and detached or
 * attached content as DETACHED says.  -EBADMSG with ERRBUF otherwise. */
int eg_cms_parse(const unsigned char *buf, size_t len, bool allow_pem, bool detached,
		 CMS_ContentInfo **ret, char *errbuf, size_t errlen);
/* The only SignerInfo, its certificate among the CMS certificates (-ENOKEY: none) and
 * all the CMS certificates (*RET_CERTS, caller frees with sk_X509_pop_free). */
int eg_cms_signer(CMS_ContentInfo *cms, CMS_SignerInfo **ret_si, X509 **ret_signer,
		  STACK_OF(X509) * *ret_certs);
/* Allow-listed digest and key: 0, or EG_REASON_WEAK_ALGORITHM with DETAIL. */
int eg_cms_check_algs(CMS_SignerInfo *si, X509 *signer, char *detail, size_t len);
/* Signature check over CONTENT (NULL: attached content).  1 valid, 0 bad signature,
 * detail filled. */
int eg_cms_verify(CMS_ContentInfo *cms, BIO *content, char *detail, size_t len);
/* Does SI have signed attributes and the digest algorithm SHA-256, so that
 * eg_cms_verify_digest can check it against a SHA-256 computed outside CMS? */
bool eg_cms_signed_attrs_sha256(CMS_SignerInfo *si);
/* The same check as eg_cms_verify for the one signer SI of CMS (SIGNER its certificate,
 * from eg_cms_signer), given DIGEST, the SHA-256 of the signed content: the signature
 * over the signed attributes, the contentType attribute equal to the eContentType, the
 * messageDigest attribute equal to DIGEST.  1 valid, 0 bad signature (also when SI is
 * not one eg_cms_signed_attrs_sha256 accepts), detail filled. */
int eg_cms_verify_digest(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509 *signer,
			 const unsigned char *digest, size_t dlen, char *detail, size_t len);

/* ---- eg_chain.c ---- */
struct eg_chain_result {
	enum eg_reason reason;	/* NONE when the chain verified */
	STACK_OF(X509) * chain; /* leaf first, anchor last; NULL when it did not build */
	int64_t valid_from;	/* the chain's common validity window */
	int64_t valid_until;
	bool lifetime_signing; /* the leaf has the Lifetime Signing EKU */
	char detail[256];
};
/* Chain SIGNER (with UNTRUSTED intermediates) to STORE at time AT; the extended key usage
 * USAGE asks for (eg_cert_check_usage) and key usage; the auth level.  Returns 0 and fills
 * RES (reason), or negative errno. */
int eg_chain_check(X509_STORE *store, X509 *signer, STACK_OF(X509) * untrusted, int64_t at,
		   enum eg_usage usage, struct eg_chain_result *res);
/* May CERT sign what USAGE names (eg_usage)?  0, or EG_REASON_BAD_EKU with DETAIL. */
int eg_cert_check_usage(X509 *cert, enum eg_usage usage, char *detail, size_t len);
void eg_chain_result_clear(struct eg_chain_result *res);
/* Does CERT carry the Lifetime Signing EKU? */
bool eg_cert_lifetime_signing(X509 *cert);
/* Load every certificate of the PEM files PATHS into a new store. -ENOENT, -EINVAL. */
int eg_store_load(const char *const *paths, X509_STORE **ret, size_t *ret_count, char *errbuf,
		  size_t errlen);
int eg_cert_fingerprint(X509 *x, unsigned char out[EG_SHA256_LEN]);
void eg_cert_info_fill(X509 *x, struct eg_cert_info *info);
int64_t eg_asn1_time_to_unix(const ASN1_TIME *t);

/* ---- eg_timestamp.c ---- */
struct eg_ts_result {
	bool present; /* an unsigned attribute carried a token */
	bool valid;   /* it verified */
	int64_t gen_time;
	char tsa_subject[EG_NAME_MAX];
	STACK_OF(X509) * chain; /* when valid: the TSA's chain, TSA first, anchor last */
	char detail[256];
};
void eg_ts_result_clear(struct eg_ts_result *res);
/* The one token attribute value of SI: 0 none, 1 found, -EBADMSG more than one. */
int eg_ts_find(CMS_SignerInfo *si, const ASN1_STRING **ret_der);
/* Find and verify the RFC 3161 token of SI against TSA_STORE (NULL: not evaluated). */
int eg_ts_check(X509_STORE *tsa_store, CMS_SignerInfo *si, struct eg_ts_result *res);

/* ---- eg_crl.c ---- */
struct eg_crl_set {
	STACK_OF(X509_CRL) * crls;
};
/* Every CRL in BUF: PEM (several allowed) or one DER.  -EBADMSG when none. */
int eg_crl_parse(const unsigned char *buf, size_t len, STACK_OF(X509_CRL) * *ret);
int eg_crl_load_dir(const char *dir, struct eg_crl_set *set, char *errbuf, size_t errlen);
void eg_crl_set_clear(struct eg_crl_set *set);

enum eg_crl_state {
	EG_CRL_GOOD = 0,
	EG_CRL_REVOKED = 1,
	EG_CRL_MISSING = 2,
	EG_CRL_STALE = 3, /* revocation still looked up in the stale CRL */
};
struct eg_crl_status {
	enum eg_crl_state state;
	bool revoked; /* listed, whatever the state says about freshness */
	int reason;   /* CRLReason, -1 when absent */
	int64_t revocation_date;
	int64_t next_update; /* of the CRL used, 0 when none */
	int64_t this_update;
};
/* The status of CERT in SET, using the CRL of ISSUER (signature checked with ISSUER's
 * key) at time NOW with MAX_AGE (0: none). */
void eg_crl_check(const struct eg_crl_set *set, X509 *cert, X509 *issuer, int64_t now,
		  int64_t max_age, struct eg_crl_status *st);
/* Is REASON one that a timestamp before the revocation date may outlive? */
bool eg_crl_reason_benign(int reason);

/* ---- eg_catalog.c ---- */
struct eg_catalog {
	CMS_ContentInfo *cms;
	struct eg_catalog_entry *entries; /* in file order */
	size_t *by_digest;		  /* indices into entries, sorted by digest */
	size_t n;
	char *names; /* pool the entries and sources point into */
	struct eg_catalog_source *sources; /* sources[0] is source 1 */
	size_t nsources;
	size_t store_slot; /* its slot in an eg_catstore */
	char *path;
	struct stat file; /* PATH as it was read: a catalog directory's sync compares it */
	/* Filled by eg_verifier_add_catalog: the signature verified over the content. */
	bool sig_ok;
	enum eg_reason sig_reason;
	char sig_detail[EG_DETAIL_MAX];
};

/* Drop what a catalog in a store no longer needs: its entries, its text and the CMS's
 * copy of it.  The sources, path, signer and signature verdict stay; the catalog then
 * has no entries of its own.  -ENOMEM leaves it as it was. */
int eg_catalog_compact(struct eg_catalog *cat);

#endif
