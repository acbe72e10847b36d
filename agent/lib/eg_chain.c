// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate chains: trust anchors, chain building at a chosen time, the extended key
 * usage the signature needs (code, policy or catalog signing), and what we record about a
 * certificate.
 *
 * OpenSSL 3.0 has no code-signing purpose, so the chain is verified with purpose ANY and
 * the leaf's EKU checked here.  X509_get_extended_key_usage() answers "everything" for a
 * certificate without the extension, hence EXFLAG_XKUSAGE is required as well.  Auth
 * level 2 rejects SHA-1 signatures and keys under 112 bits of security anywhere in the
 * chain but the anchor's self-signature.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "eg_verify_internal.h"

#define OID_LIFETIME_SIGNING "1.3.6.1.4.1.311.10.3.13"

int64_t eg_asn1_time_to_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

int eg_cert_fingerprint(X509 *x, unsigned char out[EG_SHA256_LEN])
{
	unsigned int len = 0;

	if (X509_digest(x, EVP_sha256(), out, &len) != 1 || len != EG_SHA256_LEN)
		return -ENOMEM;
	return 0;
}

static void name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(bio, buf, (int)len - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
}

void eg_cert_info_fill(X509 *x, struct eg_cert_info *info)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	unsigned char *der = NULL;
	int der_len;

	memset(info, 0, sizeof(*info));
	name_str(X509_get_subject_name(x), info->subject, sizeof(info->subject));
	name_str(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	if (hex) {
		for (size_t i = 0; hex[i] && i + 1 < sizeof(info->serial); i++)
			info->serial[i] =
				(char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] + 32 : hex[i]);
	}
	eg_cert_fingerprint(x, info->sha256);
	der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (der_len > 0)
		EVP_Digest(der, (size_t)der_len, info->spki_sha256, NULL, EVP_sha256(), NULL);
	info->not_before = eg_asn1_time_to_unix(X509_get0_notBefore(x));
	info->not_after = eg_asn1_time_to_unix(X509_get0_notAfter(x));
	OPENSSL_free(der);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

static bool cert_has_eku(X509 *cert, const char *oid_text)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(oid_text, 1);
	bool found = false;

	for (int i = 0; eku && want && i < sk_ASN1_OBJECT_num(eku); i++)
		if (!OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want))
			found = true;
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
	return found;
}

bool eg_cert_lifetime_signing(X509 *cert)
{
	return cert_has_eku(cert, OID_LIFETIME_SIGNING);
}

int eg_store_load(const char *const *paths, X509_STORE **ret, size_t *ret_count, char *errbuf,
		  size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	size_t count = 0;
	int r = 0;

	if (!store) {
		eg_errf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; paths && paths[i]; i++) {
		BIO *bio = BIO_new_file(paths[i], "r");
		size_t here = 0;
		X509 *x;

		if (!bio) {
			r = -ENOENT;
			eg_errf(errbuf, errlen, "%s: cannot open", paths[i]);
			goto fail;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			int ok = X509_STORE_add_cert(store, x);

			X509_free(x);
			if (!ok) {
				r = -ENOMEM;
				BIO_free(bio);
				eg_errf(errbuf, errlen, "%s: cannot add a certificate", paths[i]);
				goto fail;
			}
			here++;
		}
		BIO_free(bio);
		ERR_clear_error(); /* the end of the PEM file */
		if (!here) {
			r = -EINVAL;
			eg_errf(errbuf, errlen, "%s: no PEM certificate in it", paths[i]);
			goto fail;
		}
		count += here;
	}
	*ret = store;
	*ret_count = count;
	return 0;
fail:
	X509_STORE_free(store);
	return r;
}

void eg_chain_result_clear(struct eg_chain_result *res)
{
	sk_X509_pop_free(res->chain, X509_free);
	memset(res, 0, sizeof(*res));
}

static const char *const usage_names[] = {
	[EG_USAGE_CODE] = "Code Signing",
	[EG_USAGE_POLICY] = "policy-signing",
	[EG_USAGE_CATALOG] = "catalog-signing",
};
static const char *const usage_oids[] = {
	[EG_USAGE_CODE] = "1.3.6.1.5.5.7.3.3",
	[EG_USAGE_POLICY] = EG_POLICY_SIGNING_EKU,
	[EG_USAGE_CATALOG] = EG_CATALOG_SIGNING_EKU,
};

/* X509_get_extended_key_usage() answers "everything" for a certificate without the
 * extension, hence EXFLAG_XKUSAGE first.  A policy signer may hold no other usage that
 * signs code (separation of duties: whoever signs programs cannot sign the rules that
 * judge them). */
int eg_cert_check_usage(X509 *cert, enum eg_usage usage, char *detail, size_t len)
{
	uint32_t flags = X509_get_extension_flags(cert);
	const char *name = usage_names[usage], *oid = usage_oids[usage];
	bool found;

	if (!(flags & EXFLAG_XKUSAGE)) {
		snprintf(detail, len,
			 "the signer's certificate has no extended key usage; "
			 "%s needs %s (%s)",
			 usage == EG_USAGE_CODE ? "code signing" : name, oid, name);
		return EG_REASON_BAD_EKU;
	}
	if (usage == EG_USAGE_POLICY &&
	    (X509_get_extended_key_usage(cert) & (XKU_CODE_SIGN | XKU_ANYEKU))) {
		snprintf(detail, len,
			 "the signer's certificate allows code signing (or any "
			 "usage): a policy must be signed by a policy-signing certificate only");
		return EG_REASON_BAD_EKU;
	}
	found = usage == EG_USAGE_CODE ? !!(X509_get_extended_key_usage(cert) & XKU_CODE_SIGN)
				       : cert_has_eku(cert, oid);
	if (!found) {
		snprintf(detail, len,
			 "the signer's certificate lacks the %s extended key usage %s%s", name, oid,
			 usage == EG_USAGE_CATALOG &&
					 (X509_get_extended_key_usage(cert) & XKU_CODE_SIGN)
				 ? " (a code-signing certificate cannot sign catalogs)"
				 : "");
		return EG_REASON_BAD_EKU;
	}
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) {
		snprintf(detail, len, "the signer's certificate key usage lacks digitalSignature");
		return EG_REASON_BAD_EKU;
	}
	return 0;
}

static enum eg_reason chain_reason(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return EG_REASON_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return EG_REASON_NOT_YET_VALID;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return EG_REASON_WEAK_ALGORITHM;
	default:
		return EG_REASON_UNTRUSTED_CHAIN;
	}
}

int eg_chain_check(X509_STORE *store, X509 *signer, STACK_OF(X509) * untrusted, int64_t at,
		   enum eg_usage usage, struct eg_chain_result *res)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int r = 0, err;

	memset(res, 0, sizeof(*res));
	if (!ctx || X509_STORE_CTX_init(ctx, store, signer, untrusted) != 1) {
		r = -ENOMEM;
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	X509_VERIFY_PARAM_set_auth_level(param, 2);
	X509_VERIFY_PARAM_set_depth(param, EG_CHAIN_MAX - 2);
	if (X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY) != 1) {
		r = -ENOMEM;
		goto out;
	}
	ERR_clear_error();
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		res->reason = chain_reason(err);
		snprintf(res->detail, sizeof(res->detail), "certificate chain: %s (depth %d)",
			 X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
		ERR_clear_error();
		goto out;
	}
	res->chain = X509_STORE_CTX_get1_chain(ctx);
	if (!res->chain) {
		r = -ENOMEM;
		goto out;
	}
	res->valid_from = INT64_MIN;
	res->valid_until = INT64_MAX;
	for (int i = 0; i < sk_X509_num(res->chain); i++) {
		X509 *x = sk_X509_value(res->chain, i);
		int64_t nb = eg_asn1_time_to_unix(X509_get0_notBefore(x));
		int64_t na = eg_asn1_time_to_unix(X509_get0_notAfter(x));

		res->valid_from = nb > res->valid_from ? nb : res->valid_from;
		res->valid_until = na < res->valid_until ? na : res->valid_until;
	}

	if (eg_cert_check_usage(signer, usage, res->detail, sizeof(res->detail))) {
		res->reason = EG_REASON_BAD_EKU;
		goto out;
	}
	res->lifetime_signing = eg_cert_lifetime_signing(signer);
out:
	X509_STORE_CTX_free(ctx);
	if (r < 0)
		snprintf(res->detail, sizeof(res->detail), "out of memory");
	return r;
}
