/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_TEST_PKI_H
#define EXECGATE_EG_TEST_PKI_H

/*
 * A test PKI made in memory with OpenSSL at test time: keys, certificates, CRLs, CMS
 * signatures and RFC 3161 tokens with chosen times, so every date and CRL reason can be
 * set exactly.  Nothing is written but into a temporary directory the test removes.
 * Every helper aborts the test (cmocka fail) when OpenSSL fails: a broken fixture is a
 * failed test, never a passing one.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* pem.h first: cms.h declares the CMS PEM functions only when it is already included. */
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY (24 * 3600L)

static inline void pki_check(int ok, const char *what)
{
	if (!ok) {
		ERR_print_errors_fp(stderr);
		fail_msg("test PKI: %s failed", what);
	}
}

static inline EVP_PKEY *pki_rsa(int bits)
{
	EVP_PKEY *k = EVP_RSA_gen((unsigned int)bits);

	pki_check(k != NULL, "RSA keygen");
	return k;
}

static inline EVP_PKEY *pki_ec(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	pki_check(k != NULL, "EC keygen");
	return k;
}

struct pki_cert_spec {
	const char *cn;
	long not_before; /* seconds relative to now */
	long not_after;
	bool ca;
	const char *eku;  /* extendedKeyUsage value, NULL: no extension */
	const char *ku;	  /* keyUsage value, NULL: no extension */
	const EVP_MD *md; /* NULL: sha256 */
	long serial;
};

static inline void pki_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	pki_check(ext && X509_add_ext(x, ext, -1), value);
	X509_EXTENSION_free(ext);
}

/* A certificate for KEY issued by ISSUER/ISSUER_KEY (NULL: self-signed). */
static inline X509 *pki_cert(const struct pki_cert_spec *s, EVP_PKEY *key, X509 *issuer,
			     EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	pki_check(x && name, "X509_new");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x),
			 s->serial ? s->serial : (long)(random() & 0xffffff) + 1);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"eg unit", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1,
				   0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, s->not_before, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), 0, s->not_after, NULL);
	X509_set_pubkey(x, key);
	pki_ext(x, issuer, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
	pki_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer)
		pki_ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (s->ku)
		pki_ext(x, issuer, NID_key_usage, s->ku);
	if (s->eku)
		pki_ext(x, issuer, NID_ext_key_usage, s->eku);
	pki_check(X509_sign(x, issuer_key ? issuer_key : key, s->md ? s->md : EVP_sha256()) > 0,
		  "X509_sign");
	return x;
}

struct pki_revoked {
	X509 *cert;
	long when;  /* revocationDate relative to now */
	int reason; /* CRL_REASON_*, -1: no reason extension */
};

/* A CRL of ISSUER; thisUpdate and nextUpdate relative to now (next 0: none). */
static inline X509_CRL *pki_crl(X509 *issuer, EVP_PKEY *key, long this_update, long next_update,
				const struct pki_revoked *rev, size_t nrev)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	pki_check(crl && t, "X509_CRL_new");
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_time_adj_ex(t, 0, this_update, NULL);
	X509_CRL_set1_lastUpdate(crl, t);
	if (next_update) {
		X509_time_adj_ex(t, 0, next_update, NULL);
		X509_CRL_set1_nextUpdate(crl, t);
	}
	for (size_t i = 0; i < nrev; i++) {
		X509_REVOKED *r = X509_REVOKED_new();

		pki_check(r != NULL, "X509_REVOKED_new");
		X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(rev[i].cert));
		X509_time_adj_ex(t, 0, rev[i].when, NULL);
		X509_REVOKED_set_revocationDate(r, t);
		if (rev[i].reason >= 0) {
			ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();

			ASN1_ENUMERATED_set(e, rev[i].reason);
			X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0);
			ASN1_ENUMERATED_free(e);
		}
		X509_CRL_add0_revoked(crl, r);
	}
	ASN1_TIME_free(t);
	X509_CRL_sort(crl);
	pki_check(X509_CRL_sign(crl, key, EVP_sha256()) > 0, "X509_CRL_sign");
	return crl;
}

/* Detached (or attached) CMS over DATA by CERT/KEY with digest MD, carrying EXTRA. */
static inline CMS_ContentInfo *pki_cms(const void *data, size_t len, X509 *cert, EVP_PKEY *key,
				       STACK_OF(X509) * extra, const EVP_MD *md, bool detached)
{
	unsigned int flags = CMS_BINARY | CMS_PARTIAL | (detached ? CMS_DETACHED : 0);
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, extra, NULL, flags);

	pki_check(in && cms, "CMS_sign");
	pki_check(CMS_add1_signer(cms, cert, key, md ? md : EVP_sha256(), CMS_BINARY) != NULL,
		  "CMS_add1_signer");
	pki_check(CMS_final(cms, in, NULL, CMS_BINARY) == 1, "CMS_final");
	BIO_free(in);
	return cms;
}

static time_t pki_ts_when;

static inline int pki_ts_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	*sec = (long)pki_ts_when;
	*usec = 0;
	return 1;
}

/* An RFC 3161 token over the SHA-256 of IMPRINT_DATA, genTime WHEN, by TSA/TSA_KEY. */
static inline PKCS7 *pki_ts_token(const void *imprint_data, size_t len, X509 *tsa,
				  EVP_PKEY *tsa_key, time_t when)
{
	unsigned char md[32];
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
	BIO *bio = BIO_new(BIO_s_mem());
	TS_RESP *resp;
	PKCS7 *token;

	pki_check(req && mi && alg && ctx && policy && bio, "TS alloc");
	SHA256(imprint_data, len, md);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md));
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	TS_REQ_set_cert_req(req, 1);
	pki_check(i2d_TS_REQ_bio(bio, req) == 1, "i2d_TS_REQ_bio");
	pki_check(TS_RESP_CTX_set_signer_cert(ctx, tsa) &&
			  TS_RESP_CTX_set_signer_key(ctx, tsa_key) &&
			  TS_RESP_CTX_set_def_policy(ctx, policy) &&
			  TS_RESP_CTX_add_md(ctx, EVP_sha256()),
		  "TS_RESP_CTX setup");
	pki_ts_when = when;
	TS_RESP_CTX_set_time_cb(ctx, pki_ts_time, NULL);
	resp = TS_RESP_create_response(ctx, bio);
	pki_check(resp && ASN1_INTEGER_get(
				  TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) == 0,
		  "TS_RESP_create_response");
	token = PKCS7_dup(TS_RESP_get_token(resp));
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	ASN1_OBJECT_free(policy);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	BIO_free(bio);
	return token;
}

/* Add TOKEN to the signer of CMS under attribute OID. */
static inline void pki_cms_add_token(CMS_ContentInfo *cms, PKCS7 *token, const char *oid)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	unsigned char *der = NULL;
	int len = i2d_PKCS7(token, &der);
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_STRING *seq = ASN1_STRING_new();

	pki_check(len > 0 && obj && seq && ASN1_STRING_set(seq, der, len), "token DER");
	pki_check(CMS_unsigned_add1_attr_by_OBJ(si, obj, V_ASN1_SEQUENCE, seq, -1) == 1,
		  "CMS_unsigned_add1_attr_by_OBJ");
	ASN1_STRING_free(seq);
	ASN1_OBJECT_free(obj);
	OPENSSL_free(der);
}

/* The signature value of the only signer (what a token's imprint covers). */
static inline const ASN1_OCTET_STRING *pki_cms_sigval(CMS_ContentInfo *cms)
{
	return CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
}

static inline void pki_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	pki_check(f && fwrite(buf, 1, len, f) == len && !fclose(f), path);
}

static inline void pki_write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	pki_check(f && PEM_write_X509(f, x) && !fclose(f), path);
}

static inline void pki_write_crl(const char *path, X509_CRL *crl, bool pem)
{
	FILE *f = fopen(path, "wb");

	pki_check(f && (pem ? PEM_write_X509_CRL(f, crl) : i2d_X509_CRL_fp(f, crl)) && !fclose(f),
		  path);
}

static inline void pki_write_cms(const char *path, CMS_ContentInfo *cms, bool pem)
{
	BIO *b = BIO_new_file(path, "wb");

	pki_check(b && (pem ? PEM_write_bio_CMS(b, cms) : i2d_CMS_bio(b, cms)), path);
	BIO_free(b);
}

/* A fresh temporary directory; pki_rmdir removes it and everything in it (one level of
 * subdirectories, which is all the tests make). */
static inline char *pki_tmpdir(void)
{
	char *d = strdup("/tmp/eg-unit-XXXXXX");

	pki_check(d && mkdtemp(d), "mkdtemp");
	return d;
}

static inline void pki_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			continue;
		if (unlink(p) && de->d_type == DT_DIR)
			pki_rmdir(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

#endif
