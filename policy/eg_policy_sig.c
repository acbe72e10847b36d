// SPDX-License-Identifier: GPL-2.0
/* Signed policies: a detached DER CMS over the policy's canonical bytes (the bytes that
 * were parsed), by a certificate carrying execgate's policy-signing EKU and not code
 * signing, so that whoever signs programs cannot also sign the rules that judge them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "eg_policy_internal.h"

/* A policy signature is small; anything larger is not one. */
#define MAX_SIG_SIZE (1u << 20)

static int say(char *msg, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write the message, with the OpenSSL error queue's last entry when there is one. */
static int say(char *msg, size_t len, int ret, const char *fmt, ...)
{
	unsigned long e, last = 0;
	va_list ap;
	size_t used;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()))
		last = e;
	used = strlen(msg);
	if (last && used + 3 < len) {
		snprintf(msg + used, len - used, " (");
		ERR_error_string_n(last, msg + used + 2, len - used - 2);
		used = strlen(msg);
		if (used + 1 < len)
			snprintf(msg + used, len - used, ")");
	}
	return ret;
}

/* The certificate may sign policies: it has an EKU extension, the extension names the
 * policy-signing OID, and it names neither code signing nor anyExtendedKeyUsage.  (With no
 * EKU extension X509_get_extended_key_usage() reports every bit set, hence the flag.) */
static int check_policy_eku(X509 *cert, char *msg, size_t len)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_OBJECT *want = NULL;
	bool found = false;
	int r;

	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE))
		return say(msg, len, -EBADMSG, "the signer's certificate has no extended key "
					       "usage; policy signing needs %s",
			   EG_POLICY_SIGNING_EKU);
	if (X509_get_extended_key_usage(cert) & (XKU_CODE_SIGN | XKU_ANYEKU))
		return say(msg, len, -EBADMSG, "the signer's certificate allows code signing "
					       "(or any usage): a policy must be signed by a "
					       "policy-signing certificate only");
	want = OBJ_txt2obj(EG_POLICY_SIGNING_EKU, 1);
	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	if (!want || !eku) {
		r = say(msg, len, -ENOMEM, "cannot read the extended key usage");
		goto out;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		if (!OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want))
			found = true;
	r = found ? 0 :
		    say(msg, len, -EBADMSG, "the signer's certificate lacks the policy-signing "
					    "extended key usage %s",
			EG_POLICY_SIGNING_EKU);
out:
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	return r;
}

/* SHA-2 digests only: a SHA-1 signature over a policy could be forged by collision. */
static int check_digest(CMS_SignerInfo *si, const char *sig_path, char *msg, size_t len)
{
	X509_ALGOR *digest = NULL;
	int nid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &digest, NULL);
	nid = digest ? OBJ_obj2nid(digest->algorithm) : NID_undef;
	if (nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512)
		return 0;
	return say(msg, len, -EBADMSG, "%s: digest algorithm %s is not accepted (SHA-256, "
				       "SHA-384 or SHA-512)",
		   sig_path, nid == NID_undef ? "(unknown)" : OBJ_nid2sn(nid));
}

static int load_sig(const char *path, CMS_ContentInfo **ret, char *msg, size_t len)
{
	struct stat st;
	BIO *bio = NULL;
	CMS_ContentInfo *cms;
	int r;

	if (stat(path, &st) < 0)
		return say(msg, len, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_SIG_SIZE)
		return say(msg, len, -EBADMSG, "%s: not a signature (not a regular file of at most "
					       "%u bytes)",
			   path, MAX_SIG_SIZE);
	bio = BIO_new_file(path, "rb");
	if (!bio)
		return say(msg, len, -EIO, "%s: cannot open", path);
	cms = d2i_CMS_bio(bio, NULL);
	if (!cms) {
		/* Not DER: PEM is accepted too, as "openssl cms -outform PEM" writes it. */
		ERR_clear_error();
		if (BIO_reset(bio) != 0) {
			r = say(msg, len, -EIO, "%s: cannot reread", path);
			goto out;
		}
		cms = PEM_read_bio_CMS(bio, NULL, NULL, NULL);
	}
	if (!cms) {
		r = say(msg, len, -EBADMSG, "%s: not a CMS signature", path);
		goto out;
	}
	*ret = cms;
	r = 0;
out:
	BIO_free(bio);
	return r;
}

int eg_policy_verify_signature(const struct eg_policy *policy, const char *sig_path,
			       const char *trust_pem, char *msg, size_t msg_len)
{
	CMS_ContentInfo *cms = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	BIO *content = NULL;
	struct stat st;
	X509 *signer;
	int r;

	msg[0] = '\0';
	ERR_clear_error();
	if (stat(trust_pem, &st) < 0)
		return say(msg, msg_len, -errno, "%s: %s", trust_pem, strerror(errno));
	store = X509_STORE_new();
	if (!store || X509_STORE_load_file(store, trust_pem) != 1) {
		r = say(msg, msg_len, -EIO, "%s: cannot load trust anchors", trust_pem);
		goto out;
	}
	r = load_sig(sig_path, &cms, msg, msg_len);
	if (r)
		goto out;
	if (CMS_is_detached(cms) != 1 || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		r = say(msg, msg_len, -EBADMSG, "%s: not a detached CMS SignedData", sig_path);
		goto out;
	}
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1) {
		r = say(msg, msg_len, -EBADMSG, "%s: expected exactly one signer", sig_path);
		goto out;
	}
	r = check_digest(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0), sig_path, msg,
			 msg_len);
	if (r)
		goto out;
	content = BIO_new_mem_buf(policy->canon, policy->canon_len);
	if (!content) {
		r = say(msg, msg_len, -ENOMEM, "out of memory");
		goto out;
	}
	/* The chain is checked below on our own context: CMS_verify's would use the S/MIME
	 * purpose.  CMS_NOCRL so no CRL carried in the signature can speak for the issuer. */
	if (CMS_verify(cms, NULL, NULL, content, NULL,
		       CMS_BINARY | CMS_DETACHED | CMS_NOCRL | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		r = say(msg, msg_len, -EBADMSG, "%s: the signature does not match the policy",
			sig_path);
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		r = say(msg, msg_len, -EBADMSG, "%s: the signer's certificate is not included",
			sig_path);
		goto out;
	}
	signer = sk_X509_value(signers, 0);
	certs = CMS_get1_certs(cms);
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, store, signer, certs) != 1) {
		r = say(msg, msg_len, -ENOMEM, "cannot set up chain verification");
		goto out;
	}
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx), 2);
	if (X509_verify_cert(ctx) != 1) {
		r = say(msg, msg_len, -EBADMSG, "%s: the signer's certificate does not chain to "
						"%s: %s",
			sig_path, trust_pem,
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	r = check_policy_eku(signer, msg, msg_len);
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(signers);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	ERR_clear_error();
	return r;
}

int eg_policy_sign(const struct eg_policy *policy, const char *key_pem, const char *cert_pem,
		   const char *sig_path, char *msg, size_t msg_len)
{
	CMS_ContentInfo *cms = NULL;
	EVP_PKEY *key = NULL;
	STACK_OF(X509) *extra = NULL;
	X509 *cert = NULL;
	BIO *in = NULL, *out = NULL, *content = NULL;
	int r;

	msg[0] = '\0';
	ERR_clear_error();
	in = BIO_new_file(cert_pem, "r");
	if (!in) {
		r = say(msg, msg_len, -errno ? -errno : -EIO, "%s: cannot open", cert_pem);
		goto out;
	}
	cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
	if (!cert) {
		r = say(msg, msg_len, -EBADMSG, "%s: not a PEM certificate", cert_pem);
		goto out;
	}
	/* Certificates after the first are its intermediates: carried in the signature. */
	extra = sk_X509_new_null();
	if (!extra) {
		r = say(msg, msg_len, -ENOMEM, "out of memory");
		goto out;
	}
	for (X509 *c; (c = PEM_read_bio_X509(in, NULL, NULL, NULL));) {
		if (sk_X509_num(extra) >= 16 || !sk_X509_push(extra, c)) {
			X509_free(c);
			r = say(msg, msg_len, -E2BIG, "%s: too many certificates", cert_pem);
			goto out;
		}
	}
	ERR_clear_error();
	BIO_free(in);
	in = BIO_new_file(key_pem, "r");
	if (!in) {
		r = say(msg, msg_len, -errno ? -errno : -EIO, "%s: cannot open", key_pem);
		goto out;
	}
	key = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	if (!key) {
		r = say(msg, msg_len, -EBADMSG, "%s: not a PEM private key", key_pem);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		r = say(msg, msg_len, -EBADMSG, "%s does not match the certificate %s", key_pem,
			cert_pem);
		goto out;
	}
	/* Refuse to make a signature no execgate would accept. */
	r = check_policy_eku(cert, msg, msg_len);
	if (r)
		goto out;
	content = BIO_new_mem_buf(policy->canon, policy->canon_len);
	if (!content) {
		r = say(msg, msg_len, -ENOMEM, "out of memory");
		goto out;
	}
	cms = CMS_sign(cert, key, extra, content, CMS_BINARY | CMS_DETACHED);
	if (!cms) {
		r = say(msg, msg_len, -EIO, "signing failed");
		goto out;
	}
	out = BIO_new_file(sig_path, "wb");
	if (!out) {
		r = say(msg, msg_len, -errno ? -errno : -EIO, "%s: cannot create", sig_path);
		goto out;
	}
	if (i2d_CMS_bio(out, cms) != 1 || BIO_flush(out) != 1) {
		r = say(msg, msg_len, -EIO, "%s: cannot write", sig_path);
		/* Never leave half a signature behind. */
		unlink(sig_path);
		goto out;
	}
	r = 0;
out:
	BIO_free(in);
	BIO_free(out);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	return r;
}
