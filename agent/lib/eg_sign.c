// SPDX-License-Identifier: GPL-2.0
/*
 * Signing for `execgate sign` and `execgate catalog create`.
 *
 * The signature is built from a digest we compute ourselves (signed attributes
 * contentType and messageDigest, then CMS_SignerInfo_sign), so the signed bytes can come
 * from anywhere (the ranges of an ELF file around its signature section, a whole file)
 * without handing OpenSSL a BIO over them.  An RFC 3161 token is requested over the
 * finished signature value and added as an unsigned attribute, which the signature does
 * not cover, so adding it changes nothing that was signed.
 */

/* The PKCS#11 key goes through libp11's engine (Debian's libengine-pkcs11-openssl);
 * OpenSSL 3.0 marks the ENGINE API deprecated, and its provider replacement is not in
 * Debian 12. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "eg_elf.h"
#include "eg_script.h"
#include "eg_sign.h"
#include "eg_verify_internal.h"

/* Bounds on what a TSA may send back and on how long it may take. */
#define TSA_MAX_RESPONSE (256 * 1024)
#define TSA_TIMEOUT_SEC 30
#define CHAIN_MAX_CERTS 16

struct eg_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;
	const EVP_MD *md;
	enum eg_usage usage;
	char *tsa_url;
	char *key_name; /* --key as messages may show it: a URI without its PIN */
	ENGINE *engine;
	char err[1024];
};

/* Record the message and append the reason OpenSSL gave first (the root cause; later
 * entries are the callers that passed it on), with its detail, e.g. an HTTP status. */
static void __attribute__((format(printf, 2, 3))) set_err(struct eg_signer *s, const char *fmt, ...)
{
	const char *data = NULL, *reason;
	int flags = 0;
	unsigned long e = ERR_peek_error_data(&data, &flags);
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	/* System errors carry the errno, which ERR_reason_error_string() does not name. */
	if (e && ERR_SYSTEM_ERROR(e))
		reason = strerror(ERR_GET_REASON(e));
	else
		reason = e ? ERR_reason_error_string(e) : NULL;
	n = strlen(s->err);
	if (reason)
		snprintf(s->err + n, sizeof(s->err) - n, " (%s%s%s)", reason,
			 data && (flags & ERR_TXT_STRING) && *data ? ": " : "",
			 data && (flags & ERR_TXT_STRING) ? data : "");
	ERR_clear_error();
}

const char *eg_signer_error(const struct eg_signer *signer)
{
	return signer->err;
}

void eg_signer_free(struct eg_signer *signer)
{
	if (!signer)
		return;
	EVP_PKEY_free(signer->key);
	X509_free(signer->cert);
	sk_X509_pop_free(signer->chain, X509_free);
	if (signer->engine) {
		ENGINE_finish(signer->engine);
		ENGINE_free(signer->engine);
	}
	free(signer->tsa_url);
	free(signer->key_name);
	free(signer);
}

static int load_pem_key(struct eg_signer *s, const char *path)
{
	BIO *bio = BIO_new_file(path, "r");

	if (!bio) {
		ERR_clear_error(); /* its reason is the errno already in the message */
		set_err(s, "%s: cannot open the key: %s", path, strerror(errno));
		return errno ? -errno : -EIO;
	}
	/* No passphrase callback: an encrypted PEM key fails here rather than prompting. */
	s->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (!s->key) {
		set_err(s, "%s: not a PEM private key (or it is encrypted)", path);
		return -EINVAL;
	}
	return 0;
}

/* A PKCS#11 URI split into what the engine gets and what we hand it ourselves: RFC 7512
 * lets the query carry pin-value and module-path, but libp11 rejects module-path, and a
 * PIN inside the URI would appear in its messages and ours.  So the engine gets the URI
 * without both, the PIN through its PIN control and the module through MODULE_PATH. */
struct p11_uri {
	char *uri;    /* what is left, safe to print */
	char *pin;    /* decoded pin-value, or NULL */
	char *module; /* decoded module-path, or NULL */
};

static void p11_uri_free(struct p11_uri *u)
{
	free(u->uri);
	if (u->pin)
		OPENSSL_clear_free(u->pin, strlen(u->pin));
	free(u->module);
}

/* Decode percent-escapes of [P, P+LEN) into a new string; NULL when malformed. */
static char *pct_decode(const char *p, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned int v;

		if (p[i] != '%') {
			*o++ = p[i];
			continue;
		}
		if (i + 2 >= len || !isxdigit((unsigned char)p[i + 1]) ||
		    !isxdigit((unsigned char)p[i + 2]))
			goto bad;
		v = (unsigned int)OPENSSL_hexchar2int((unsigned char)p[i + 1]) << 4 |
		    (unsigned int)OPENSSL_hexchar2int((unsigned char)p[i + 2]);
		if (v == 0)
			goto bad;
		*o++ = (char)v;
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static int p11_uri_parse(const char *in, struct p11_uri *u)
{
	const char *q = strchr(in, '?'), *a, *end;
	size_t keep;
	char *o;

	memset(u, 0, sizeof(*u));
	u->uri = malloc(strlen(in) + 1);
	if (!u->uri)
		return -ENOMEM;
	keep = q ? (size_t)(q - in) : strlen(in);
	memcpy(u->uri, in, keep);
	o = u->uri + keep;
	for (a = q ? q + 1 : NULL; a && *a; a = *end ? end + 1 : end) {
		char **dst = NULL;
		size_t skip = 0;

		end = a + strcspn(a, "&");
		if (!strncmp(a, "pin-value=", 10))
			dst = &u->pin, skip = 10;
		else if (!strncmp(a, "module-path=", 12))
			dst = &u->module, skip = 12;
		if (dst) {
			free(*dst);
			*dst = pct_decode(a + skip, (size_t)(end - a) - skip);
			if (!*dst)
				return -EINVAL;
			continue;
		}
		*o = o == u->uri + keep ? '?' : '&';
		o++;
		memcpy(o, a, (size_t)(end - a));
		o += end - a;
	}
	*o = '\0';
	return 0;
}

static int load_pkcs11_key(struct eg_signer *s, const char *uri_in, const char *env_pin)
{
	struct p11_uri u;
	const char *pin;
	int r;

	r = p11_uri_parse(uri_in, &u);
	if (r) {
		set_err(s, "--key: malformed PKCS#11 URI");
		goto out;
	}
	pin = u.pin ? u.pin : env_pin;
	s->key_name = strdup(u.uri);
	if (!s->key_name) {
		set_err(s, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	ENGINE_load_builtin_engines();
	s->engine = ENGINE_by_id("pkcs11");
	if (!s->engine) {
		set_err(s, "%s: OpenSSL's pkcs11 engine is not available "
			   "(install libengine-pkcs11-openssl)", u.uri);
		r = -ENOENT;
		goto out;
	}
	if (u.module && !ENGINE_ctrl_cmd_string(s->engine, "MODULE_PATH", u.module, 0)) {
		set_err(s, "%s: the pkcs11 engine refused module %s", u.uri, u.module);
		r = -EINVAL;
		goto out;
	}
	if (!ENGINE_init(s->engine)) {
		ENGINE_free(s->engine);
		s->engine = NULL;
		set_err(s, "%s: cannot initialise the pkcs11 engine", u.uri);
		r = -EIO;
		goto out;
	}
	if (pin && !ENGINE_ctrl_cmd_string(s->engine, "PIN", pin, 0)) {
		set_err(s, "%s: the pkcs11 engine refused the PIN", u.uri);
		r = -EINVAL;
		goto out;
	}
	s->key = ENGINE_load_private_key(s->engine, u.uri, NULL, NULL);
	if (!s->key) {
		set_err(s, "%s: cannot load the private key from the token", u.uri);
		r = -ENOKEY;
	}
out:
	p11_uri_free(&u);
	return r;
}

static int load_cert(struct eg_signer *s, const char *path)
{
	BIO *bio = BIO_new_file(path, "r");

	if (!bio) {
		ERR_clear_error(); /* its reason is the errno already in the message */
		set_err(s, "%s: cannot open the certificate: %s", path, strerror(errno));
		return errno ? -errno : -EIO;
	}
	s->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!s->cert) {
		set_err(s, "%s: not a PEM certificate", path);
		return -EINVAL;
	}
	return 0;
}

static int load_chain(struct eg_signer *s, const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	size_t read = 0;
	X509 *x;
	int r = 0;

	if (!bio) {
		ERR_clear_error(); /* its reason is the errno already in the message */
		set_err(s, "%s: cannot open the chain: %s", path, strerror(errno));
		return errno ? -errno : -EIO;
	}
	s->chain = sk_X509_new_null();
	if (!s->chain) {
		r = -ENOMEM;
		set_err(s, "%s: out of memory", path);
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		read++;
		/* The signing certificate itself (a file of it and its chain) is in already. */
		if (!X509_cmp(x, s->cert)) {
			X509_free(x);
			continue;
		}
		if (sk_X509_num(s->chain) >= CHAIN_MAX_CERTS || !sk_X509_push(s->chain, x)) {
			X509_free(x);
			r = -E2BIG;
			set_err(s, "%s: more than %d certificates", path, CHAIN_MAX_CERTS);
			goto out;
		}
	}
	/* The loop ends on "no start line" at end of file; anything else is a bad file. */
	if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE)
		ERR_clear_error();
	if (ERR_peek_last_error() || !read) {
		r = -EINVAL;
		set_err(s, "%s: not a file of PEM certificates", path);
	}
out:
	BIO_free(bio);
	return r;
}

/* Refuse what verification would refuse for reasons of the certificate alone: the
 * extended key usage by the very check verification makes (eg_cert_check_usage). */
static int check_cert(struct eg_signer *s, const char *path)
{
	char detail[256];

	if (eg_cert_check_usage(s->cert, s->usage, detail, sizeof(detail))) {
		uint32_t flags = X509_get_extension_flags(s->cert);

		/* The words `execgate sign` has always used for a certificate without it. */
		if (s->usage == EG_USAGE_CODE &&
		    (!(flags & EXFLAG_XKUSAGE) ||
		     !(X509_get_extended_key_usage(s->cert) & XKU_CODE_SIGN)))
			set_err(s,
				"%s: the certificate has no Code Signing extended key usage "
				"(1.3.6.1.5.5.7.3.3); refusing to sign with it",
				path);
		else
			set_err(s, "%s: %s; refusing to sign with it", path, detail);
		return -EKEYREJECTED;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(s->cert)) >= 0) {
		set_err(s, "%s: the certificate is not valid yet", path);
		return -EKEYREJECTED;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(s->cert)) <= 0) {
		set_err(s, "%s: the certificate has expired", path);
		return -EKEYEXPIRED;
	}
	return 0;
}

static int signer_init(struct eg_signer *s, const struct eg_sign_opts *opts)
{
	const char *digest = opts->digest ? opts->digest : "sha256";
	int r;

	s->usage = opts->usage;
	if (!strcmp(digest, "sha256")) {
		s->md = EVP_sha256();
	} else if (!strcmp(digest, "sha384")) {
		s->md = EVP_sha384();
	} else {
		set_err(s, "unsupported digest '%s' (expected sha256 or sha384)", digest);
		return -EINVAL;
	}
	if (opts->tsa_url) {
		s->tsa_url = strdup(opts->tsa_url);
		if (!s->tsa_url) {
			set_err(s, "out of memory");
			return -ENOMEM;
		}
	}
	r = load_cert(s, opts->cert);
	if (r)
		return r;
	r = check_cert(s, opts->cert);
	if (r)
		return r;
	if (opts->chain) {
		r = load_chain(s, opts->chain);
		if (r)
			return r;
	}
	if (!strncmp(opts->key, "pkcs11:", 7)) {
		r = load_pkcs11_key(s, opts->key, opts->pin);
	} else {
		s->key_name = strdup(opts->key);
		if (!s->key_name) {
			set_err(s, "out of memory");
			return -ENOMEM;
		}
		r = load_pem_key(s, opts->key);
	}
	if (r)
		return r;
	if (!X509_check_private_key(s->cert, s->key)) {
		set_err(s, "%s: the key does not belong to the certificate %s", s->key_name,
			opts->cert);
		return -EKEYREJECTED;
	}
	return 0;
}

int eg_signer_new(const struct eg_sign_opts *opts, struct eg_signer **ret_signer, char *errbuf,
		  size_t errlen)
{
	struct eg_signer *s;
	int r;

	*ret_signer = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	r = signer_init(s, opts);
	if (r) {
		snprintf(errbuf, errlen, "%s", s->err);
		eg_signer_free(s);
		return r;
	}
	*ret_signer = s;
	return 0;
}

/* A SignedData over DIGEST (already computed with the signer's digest), content detached. */
static int cms_over_digest(struct eg_signer *s, const unsigned char *digest, unsigned int dlen,
			   CMS_ContentInfo **ret_cms)
{
	const unsigned int flags = CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	int i;

	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms)
		goto fail;
	si = CMS_add1_signer(cms, s->cert, s->key, s->md, flags);
	if (!si)
		goto fail;
	for (i = 0; i < sk_X509_num(s->chain); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
			goto fail;
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
					 OBJ_nid2obj(NID_pkcs7_data), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest,
					 (int)dlen) ||
	    CMS_SignerInfo_sign(si) != 1 || CMS_set_detached(cms, 1) != 1)
		goto fail;
	*ret_cms = cms;
	return 0;
fail:
	set_err(s, "cannot build the CMS signature");
	CMS_ContentInfo_free(cms);
	return -EIO;
}

/* A connection to HOST:PORT.  OpenSSL 3.0's HTTP client retries a refused connection
 * until its timeout, so a wrong port or a TSA that is down would cost TSA_TIMEOUT_SEC:
 * connect here, waiting only for a connection in progress, and hand over the BIO. */
static int tsa_connect(struct eg_signer *s, const char *host, const char *port, BIO **ret_bio)
{
	time_t deadline = time(NULL) + TSA_TIMEOUT_SEC;
	BIO *bio = BIO_new_connect(host);

	if (!bio || !BIO_set_conn_port(bio, port) || !BIO_set_nbio(bio, 1)) {
		BIO_free_all(bio);
		set_err(s, "out of memory");
		return -ENOMEM;
	}
	while (BIO_do_connect(bio) <= 0) {
		if (!BIO_should_retry(bio)) {
			set_err(s, "TSA %s: cannot connect", s->tsa_url);
			BIO_free_all(bio);
			return -ECONNREFUSED;
		}
		if (BIO_wait(bio, deadline, 100) <= 0) {
			set_err(s, "TSA %s: cannot connect within %d seconds", s->tsa_url,
				TSA_TIMEOUT_SEC);
			BIO_free_all(bio);
			return -ETIMEDOUT;
		}
	}
	*ret_bio = bio;
	return 0;
}

/* POST the request to the TSA and return its response. */
static int tsa_exchange(struct eg_signer *s, TS_REQ *req, TS_RESP **ret_resp)
{
	char *host = NULL, *port = NULL, *path = NULL;
	BIO *reqbio = NULL, *rsp = NULL, *conn = NULL;
	int use_ssl = 0, r = -EIO;

	*ret_resp = NULL;
	if (!OSSL_HTTP_parse_url(s->tsa_url, &use_ssl, NULL, &host, &port, NULL, &path, NULL,
				 NULL)) {
		set_err(s, "--tsa-url %s: not a URL", s->tsa_url);
		r = -EINVAL;
		goto out;
	}
	if (use_ssl) {
		/* RFC 3161 replies are signed; TSAs serve them over plain http. */
		set_err(s, "--tsa-url %s: only http:// TSA URLs are supported", s->tsa_url);
		r = -EPROTONOSUPPORT;
		goto out;
	}
	reqbio = BIO_new(BIO_s_mem());
	if (!reqbio || !i2d_TS_REQ_bio(reqbio, req)) {
		set_err(s, "cannot encode the timestamp request");
		goto out;
	}
	/* Through a proxy from the environment (http_proxy, no_proxy), OpenSSL connects;
	 * otherwise we do, see tsa_connect(). */
	if (!OSSL_HTTP_adapt_proxy(NULL, NULL, host, 0)) {
		r = tsa_connect(s, host, port, &conn);
		if (r)
			goto out;
		r = -EIO;
	}
	rsp = OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, conn, NULL, NULL, NULL, 0,
				 NULL, "application/timestamp-query", reqbio,
				 "application/timestamp-reply", 1, TSA_MAX_RESPONSE,
				 TSA_TIMEOUT_SEC, 0);
	if (!rsp) {
		set_err(s, "TSA %s: request failed", s->tsa_url);
		r = -ECOMM;
		goto out;
	}
	*ret_resp = d2i_TS_RESP_bio(rsp, NULL);
	if (!*ret_resp) {
		set_err(s, "TSA %s: the reply is not an RFC 3161 TimeStampResp", s->tsa_url);
		r = -EBADMSG;
		goto out;
	}
	r = 0;
out:
	BIO_free(reqbio);
	BIO_free(rsp);
	BIO_free_all(conn);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return r;
}

static TS_REQ *tsa_request(const EVP_MD *md, const unsigned char *imprint, unsigned int len)
{
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	TS_REQ *req = TS_REQ_new();
	unsigned char rnd[8];
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	int ok = 0;

	if (!mi || !alg || !req || RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	/* A nonce ties the reply to this request, so a replayed token is refused. */
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (!nonce || !X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL))
		goto out;
	ok = TS_MSG_IMPRINT_set_algo(mi, alg) &&
	     TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)imprint, (int)len) &&
	     TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
	     TS_REQ_set_nonce(req, nonce) && TS_REQ_set_cert_req(req, 1);
out:
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

/* Ask the TSA for a token over the signature value and add it as id-aa-timeStampToken. */
static int add_timestamp(struct eg_signer *s, CMS_ContentInfo *cms)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	unsigned char imprint[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int ilen = 0;
	TS_VERIFY_CTX *vctx = NULL;
	TS_RESP *resp = NULL;
	TS_REQ *req = NULL;
	int len, r;

	if (!EVP_Digest(ASN1_STRING_get0_data(sig), ASN1_STRING_length(sig), imprint, &ilen, s->md,
			NULL)) {
		set_err(s, "cannot hash the signature value");
		return -EIO;
	}
	req = tsa_request(s->md, imprint, ilen);
	if (!req) {
		set_err(s, "cannot build the timestamp request");
		return -ENOMEM;
	}
	r = tsa_exchange(s, req, &resp);
	if (r)
		goto out;
	/* Status granted, our imprint, our nonce; the TSA's signature and chain are for the
	 * verifier, who holds the TSA anchors. */
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (vctx)
		TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
	if (!vctx || TS_RESP_verify_response(vctx, resp) != 1) {
		set_err(s, "TSA %s: the reply does not answer our request", s->tsa_url);
		r = -EBADMSG;
		goto out;
	}
	len = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	if (len <= 0 || !CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
						       V_ASN1_SEQUENCE, der, len)) {
		set_err(s, "cannot add the timestamp token to the signature");
		r = -EIO;
		goto out;
	}
	r = 0;
out:
	OPENSSL_free(der);
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	return r;
}

/* Timestamp CMS when asked and the signer has a TSA, and encode it.  Frees CMS. */
static int cms_finish(struct eg_signer *s, CMS_ContentInfo *cms, bool timestamp,
		      unsigned char **ret_der, size_t *ret_len)
{
	unsigned char *der = NULL;
	int len, r = 0;

	if (timestamp && s->tsa_url) {
		r = add_timestamp(s, cms);
		if (r)
			goto out;
	}
	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0) {
		set_err(s, "cannot encode the signature");
		r = -EIO;
		goto out;
	}
	*ret_der = der;
	*ret_len = (size_t)len;
out:
	CMS_ContentInfo_free(cms);
	return r;
}

/* The DER of a signature over DIGEST, timestamped when the signer has a TSA and
 * TIMESTAMP says so. */
static int sign_digest(struct eg_signer *s, const unsigned char *digest, unsigned int dlen,
		       bool timestamp, unsigned char **ret_der, size_t *ret_len)
{
	CMS_ContentInfo *cms = NULL;
	int r;

	r = cms_over_digest(s, digest, dlen, &cms);
	if (r)
		return r;
	return cms_finish(s, cms, timestamp, ret_der, ret_len);
}

/* The DER of a timestamped (when the signer has a TSA) signature carrying TEXT: a
 * catalog, so only by a catalog-signing signer. */
static int sign_attached(struct eg_signer *s, const char *text, size_t len,
			 unsigned char **ret_der, size_t *ret_len)
{
	const unsigned int flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms = NULL;
	BIO *in;
	int i;

	if (s->usage != EG_USAGE_CATALOG) {
		set_err(s,
			"a catalog is signed with a catalog-signing certificate (extended key "
			"usage %s)",
			EG_CATALOG_SIGNING_EKU);
		return -EKEYREJECTED;
	}
	in = BIO_new_mem_buf(text, (int)len);
	if (!in || len > INT_MAX)
		goto fail;
	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms || !CMS_add1_signer(cms, s->cert, s->key, s->md, flags))
		goto fail;
	for (i = 0; i < sk_X509_num(s->chain); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
			goto fail;
	if (CMS_final(cms, in, NULL, CMS_BINARY) != 1)
		goto fail;
	BIO_free(in);
	return cms_finish(s, cms, true, ret_der, ret_len);
fail:
	set_err(s, "cannot build the CMS signature");
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return -EIO;
}

/* The MD digest of the whole file open on FD. */
static int digest_fd(struct eg_signer *s, int fd, const char *path, const EVP_MD *md,
		     unsigned char *out, unsigned int *ret_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
		set_err(s, "out of memory");
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	r = eg_sig_digest_fd(fd, NULL, ctx);
	if (r) {
		set_err(s, "%s: cannot read: %s", path, strerror(-r));
	} else if (!EVP_DigestFinal_ex(ctx, out, ret_len)) {
		set_err(s, "%s: cannot hash", path);
		r = -EIO;
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A temporary file next to PATH, so the final rename stays inside one filesystem. */
static int tmp_beside(struct eg_signer *s, const char *path, char **ret_tmp, int *ret_fd)
{
	char *tmp;
	int fd;

	if (asprintf(&tmp, "%s.egsign.XXXXXX", path) < 0) {
		set_err(s, "out of memory");
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		set_err(s, "%s: cannot create a temporary file: %s", tmp, strerror(errno));
		free(tmp);
		return r;
	}
	*ret_tmp = tmp;
	*ret_fd = fd;
	return 0;
}

static int fsync_parent(const char *path)
{
	char *dup = strdup(path);
	char *slash;
	int fd, r = 0;

	if (!dup)
		return -ENOMEM;
	slash = strrchr(dup, '/');
	if (slash == dup)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	fd = open(slash ? dup : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(dup);
	return r;
}

/* Extended attributes that belong to the program rather than to its bytes, carried over
 * to the rewritten file: file capabilities (a signed ping must still be able to ping) and
 * the access ACL.  Not security.ima/evm, which describe the old bytes. */
static const char *const kept_xattrs[] = { "security.capability", "system.posix_acl_access" };

static int keep_xattrs(struct eg_signer *s, int from, int to, const char *path)
{
	char buf[4096];

	for (size_t i = 0; i < sizeof(kept_xattrs) / sizeof(kept_xattrs[0]); i++) {
		ssize_t n = fgetxattr(from, kept_xattrs[i], buf, sizeof(buf));

		if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
			continue;
		if (n < 0 || fsetxattr(to, kept_xattrs[i], buf, (size_t)n, 0)) {
			int r = -errno;

			set_err(s, "%s: cannot keep %s: %s", path, kept_xattrs[i], strerror(errno));
			return r;
		}
	}
	return 0;
}

/* Give the temporary file the owner, mode and kept attributes of the file open on KEEP_FD
 * (when not -1), make it durable and move it over PATH.  Consumes FD and TMP; the
 * temporary file is gone afterwards either way. */
static int commit_tmp(struct eg_signer *s, int fd, char *tmp, const char *path, int keep_fd)
{
	struct stat st;
	int r = 0;

	/* chown first: it clears set-user-ID and set-group-ID bits and file capabilities,
	 * which chmod and keep_xattrs() then restore. */
	if (keep_fd >= 0 && (fstat(keep_fd, &st) || fchown(fd, st.st_uid, st.st_gid) ||
			     fchmod(fd, st.st_mode & 07777))) {
		r = -errno;
		set_err(s, "%s: cannot keep the file's owner and mode: %s", path, strerror(errno));
	} else if (keep_fd >= 0) {
		r = keep_xattrs(s, keep_fd, fd, path);
	}
	if (!r && fsync(fd)) {
		r = -errno;
		set_err(s, "%s: fsync: %s", tmp, strerror(errno));
	}
	if (close(fd) && !r) {
		r = -errno;
		set_err(s, "%s: close: %s", tmp, strerror(errno));
	}
	if (!r && rename(tmp, path)) {
		r = -errno;
		set_err(s, "%s: cannot replace the file: %s", path, strerror(errno));
	}
	if (r)
		unlink(tmp);
	else
		r = fsync_parent(path);
	free(tmp);
	return r;
}

static int write_file_atomic(struct eg_signer *s, const char *path, const unsigned char *buf,
			     size_t len)
{
	char *tmp = NULL;
	int fd = -1, r;

	r = tmp_beside(s, path, &tmp, &fd);
	if (r)
		return r;
	/* mkstemp makes 0600; a signature is public, give it what a new file would get. */
	mode_t mask = umask(0);

	umask(mask);
	r = fchmod(fd, 0666 & ~mask) ? -errno : write_all(fd, buf, len);
	if (r) {
		set_err(s, "%s: cannot write: %s", tmp, strerror(-r));
		close(fd);
		unlink(tmp);
		free(tmp);
		return r;
	}
	return commit_tmp(s, fd, tmp, path, -1);
}

int eg_sign_detached(struct eg_signer *signer, const char *path, const char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int dlen = 0;
	size_t len = 0;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		set_err(signer, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		set_err(signer, "%s: not a regular file", path);
		close(fd);
		return r;
	}
	r = digest_fd(signer, fd, path, signer->md, digest, &dlen);
	close(fd);
	if (r)
		return r;
	r = sign_digest(signer, digest, dlen, true, &der, &len);
	if (r)
		return r;
	r = write_file_atomic(signer, out, der, len);
	OPENSSL_free(der);
	return r;
}

int eg_sign_detached_mem(struct eg_signer *signer, const void *buf, size_t len, const char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int dlen = 0;
	size_t derlen = 0;
	int r;

	if (EVP_Digest(buf, len, digest, &dlen, signer->md, NULL) != 1) {
		set_err(signer, "cannot digest the content");
		return -ENOMEM;
	}
	r = sign_digest(signer, digest, dlen, true, &der, &derlen);
	if (r)
		return r;
	r = write_file_atomic(signer, out, der, derlen);
	OPENSSL_free(der);
	return r;
}

/* Room for the timestamp token beyond the trial signature: a token carries the TSA's
 * signature and usually its certificates, a few kilobytes; zero padding costs nothing. */
#define TSA_SLACK (16 * 1024)
#define NO_TSA_SLACK 256

/* Write PATH's content into TMPFD with a signature section, and sign it there.  About 90
 * lines: the trial signature, the section and the final signature share one layout and
 * one error path; each step is a call already. */
static int embed_into(struct eg_signer *s, int in_fd, int tmp_fd, const char *path)
{
	unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	struct eg_elf_sig sig;
	char ebuf[512] = "";
	unsigned int dlen = 0;
	uint64_t size;
	size_t len = 0;
	int attempt, r;

	/* The section's size is part of what is signed, so it is fixed before signing: a
	 * trial signature (untimestamped) gives the size of the final one, bar the token. */
	memset(digest, 0, sizeof(digest));
	r = sign_digest(s, digest, (unsigned int)EVP_MD_get_size(s->md), false, &der, &len);
	if (r)
		return r;
	size = len + (s->tsa_url ? TSA_SLACK : NO_TSA_SLACK);
	OPENSSL_free(der);
	der = NULL;

	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		set_err(s, "out of memory");
		return -ENOMEM;
	}
	/* A second round only if the TSA's token outgrew the slack. */
	for (attempt = 0; attempt < 2; attempt++) {
		if (ftruncate(tmp_fd, 0)) {
			r = -errno;
			set_err(s, "%s: truncate: %s", path, strerror(errno));
			goto out;
		}
		r = eg_elf_add_sig_section(in_fd, tmp_fd, size, &sig, ebuf, sizeof(ebuf));
		if (r == -E2BIG) {
			set_err(s, "%s: the signature needs %llu bytes, more than a signature "
				   "section may hold", path, (unsigned long long)size);
			goto out;
		}
		if (r) {
			set_err(s, "%s: %s", path, ebuf);
			goto out;
		}
		if (!EVP_DigestInit_ex(ctx, s->md, NULL)) {
			set_err(s, "cannot hash");
			r = -EIO;
			goto out;
		}
		r = eg_sig_digest_fd(tmp_fd, &sig, ctx);
		if (r) {
			set_err(s, "%s: cannot hash the signed content: %s", path, strerror(-r));
			goto out;
		}
		if (!EVP_DigestFinal_ex(ctx, digest, &dlen)) {
			set_err(s, "cannot hash");
			r = -EIO;
			goto out;
		}
		OPENSSL_free(der);
		der = NULL;
		r = sign_digest(s, digest, dlen, true, &der, &len);
		if (r)
			goto out;
		if (len <= sig.size)
			break;
		size = len + TSA_SLACK;
	}
	if (len > sig.size) {
		set_err(s, "%s: the signature keeps outgrowing its section", path);
		r = -EOVERFLOW;
		goto out;
	}
	if (pwrite(tmp_fd, der, len, (off_t)sig.offset) != (ssize_t)len) {
		r = errno ? -errno : -EIO;
		set_err(s, "%s: cannot write the signature: %s", path, strerror(-r));
		goto out;
	}
	/* Fail closed: the file we are about to install must hold a signature the verifier
	 * finds, exactly where we put it. */
	r = eg_elf_find_sig(tmp_fd, &sig, NULL, ebuf, sizeof(ebuf));
	if (r || sig.der_len != len) {
		set_err(s, "%s: the signed file does not read back: %s", path,
			r ? ebuf : "signature length differs");
		r = -EIO;
	}
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return r;
}

/* Write the script open on IN_FD into TMP_FD with a signature block at its end, replacing
 * the block it ends in, if any (the signed bytes are the script without it).  -ENOEXEC: the
 * file neither starts with "#!" nor has a script's extension. */
static int embed_script(struct eg_signer *s, int in_fd, int tmp_fd, const char *path)
{
	unsigned char head[256], digest[EVP_MAX_MD_SIZE], *der = NULL, *copy = NULL;
	struct eg_elf_sig old, *oldp = NULL;
	EVP_MD_CTX *ctx = NULL;
	const char *marker;
	char *block = NULL, ebuf[256] = "";
	unsigned int dlen = 0;
	size_t len = 0, blen = 0;
	uint64_t signed_len;
	struct stat st;
	ssize_t got;
	int r;

	got = pread(in_fd, head, sizeof(head), 0);
	if (got < 0 || fstat(in_fd, &st)) {
		r = -errno;
		set_err(s, "%s: %s", path, strerror(-r));
		return r;
	}
	marker = eg_script_marker(path, head, (size_t)got);
	if (!marker)
		return -ENOEXEC;
	signed_len = (uint64_t)st.st_size;
	r = eg_script_find_sig(in_fd, &old, NULL, ebuf, sizeof(ebuf));
	if (r == 0) {
		signed_len = old.offset;
		oldp = &old;
	} else if (r != -ENOENT) {
		set_err(s, "%s: %s", path, r == -EBADMSG ? ebuf : strerror(-r));
		return r;
	}
	/* The block starts a line of its own, and the script's last line must stay its own. */
	if (signed_len && (pread(in_fd, head, 1, (off_t)signed_len - 1) != 1 || head[0] != '\n')) {
		set_err(s, "%s: does not end with a newline: add one, or sign with --detached",
			path);
		return -EINVAL;
	}
	ctx = EVP_MD_CTX_new();
	copy = malloc(signed_len ? signed_len : 1);
	if (!ctx || !copy || !EVP_DigestInit_ex(ctx, s->md, NULL)) {
		set_err(s, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = eg_sig_digest_fd(in_fd, oldp, ctx);
	if (r || !EVP_DigestFinal_ex(ctx, digest, &dlen)) {
		set_err(s, "%s: cannot hash: %s", path, strerror(r ? -r : EIO));
		r = r ? r : -EIO;
		goto out;
	}
	r = sign_digest(s, digest, dlen, true, &der, &len);
	if (r)
		goto out;
	block = eg_script_block(marker, der, len, &blen);
	if (!block) {
		set_err(s, "%s: the signature (%zu bytes) does not fit a signature block", path,
			len);
		r = -E2BIG;
		goto out;
	}
	if (pread(in_fd, copy, signed_len, 0) != (ssize_t)signed_len) {
		set_err(s, "%s: changed while being signed", path);
		r = -EIO;
		goto out;
	}
	r = write_all(tmp_fd, copy, signed_len);
	if (!r)
		r = write_all(tmp_fd, (unsigned char *)block, blen);
	if (r) {
		set_err(s, "%s: cannot write: %s", path, strerror(-r));
		goto out;
	}
	/* Fail closed: the file about to be installed ends in the block the verifier finds. */
	r = eg_script_find_sig(tmp_fd, &old, NULL, ebuf, sizeof(ebuf));
	if (r || old.offset != signed_len || old.der_len != len) {
		set_err(s, "%s: the signed file does not read back: %s", path,
			r ? ebuf : "the block moved");
		r = -EIO;
	}
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	free(copy);
	free(block);
	return r;
}

int eg_sign_embedded(struct eg_signer *signer, const char *path)
{
	char *real = NULL, *tmp = NULL;
	int in_fd = -1, tmp_fd = -1, r;
	struct stat st;

	/* Replace the file a symbolic link points to, not the link. */
	real = realpath(path, NULL);
	if (!real) {
		r = -errno;
		set_err(signer, "%s: %s", path, strerror(errno));
		return r;
	}
	in_fd = open(real, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0 || fstat(in_fd, &st)) {
		r = -errno;
		set_err(signer, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		set_err(signer, "%s: not a regular file", path);
		goto out;
	}
	r = tmp_beside(signer, real, &tmp, &tmp_fd);
	if (r)
		goto out;
	r = embed_into(signer, in_fd, tmp_fd, path);
	if (r == -ENOEXEC && !ftruncate(tmp_fd, 0) && lseek(tmp_fd, 0, SEEK_SET) == 0)
		r = embed_script(signer, in_fd, tmp_fd, path);
	if (r) {
		close(tmp_fd);
		unlink(tmp);
		free(tmp);
		goto out;
	}
	r = commit_tmp(signer, tmp_fd, tmp, real, in_fd);
out:
	if (in_fd >= 0)
		close(in_fd);
	free(real);
	return r;
}

int eg_sign_catalog(struct eg_signer *signer, const char *const *files, size_t nfiles,
		    const char *out)
{
	unsigned char (*digests)[EG_SHA256_LEN] = NULL, *der = NULL;
	char *text = NULL;
	size_t i, tlen = 0, len = 0;
	int fd, r = 0;

	digests = calloc(nfiles ? nfiles : 1, sizeof(*digests));
	if (!digests) {
		set_err(signer, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	if (nfiles > EG_CATALOG_MAX_ENTRIES) {
		set_err(signer, "%zu files, more than a catalog may hold (%d)", nfiles,
			EG_CATALOG_MAX_ENTRIES);
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		struct stat st;

		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			set_err(signer, "%s: %s", files[i], strerror(errno));
			goto out;
		}
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			set_err(signer, "%s: not a regular file", files[i]);
			close(fd);
			r = -EINVAL;
			goto out;
		}
		r = digest_fd(signer, fd, files[i], EVP_sha256(), digests[i], NULL);
		close(fd);
		if (r)
			goto out;
	}
	r = eg_catalog_build_content((const unsigned char(*)[EG_SHA256_LEN])digests, files,
				     nfiles, &text, &tlen);
	if (r) {
		set_err(signer, "cannot build the catalog: %s%s", strerror(-r),
			r == -EINVAL ? " (a file name holds a line break)" : "");
		goto out;
	}
	r = sign_attached(signer, text, tlen, &der, &len);
	if (r)
		goto out;
	r = write_file_atomic(signer, out, der, len);
out:
	OPENSSL_free(der);
	free(text);
	free(digests);
	return r;
}

int eg_sign_catalog_text(struct eg_signer *signer, const char *text, size_t len, const char *out)
{
	unsigned char *der = NULL;
	size_t dlen = 0;
	int r;

	r = sign_attached(signer, text, len, &der, &dlen);
	if (!r)
		r = write_file_atomic(signer, out, der, dlen);
	OPENSSL_free(der);
	return r;
}
