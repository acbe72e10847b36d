// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate chains: trust anchors, chain building at a chosen time, the Code Signing
 * EKU, and what we record about a certificate.
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

bool eg_cert_lifetime_signing(X509 *cert)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	bool found = false;

	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		char oid[64];

		if (OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1) > 0 &&
		    !strcmp(oid, OID_LIFETIME_SIGNING))
			found = true;
	}
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
	return found;
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
		   struct eg_chain_result *res)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	uint32_t flags;
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

	/* The leaf may sign code: Code Signing EKU present (not merely "no EKU"), and
	 * digitalSignature when key usage is there at all. */
	flags = X509_get_extension_flags(signer);
	if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(signer) & XKU_CODE_SIGN)) {
		res->reason = EG_REASON_BAD_EKU;
		snprintf(res->detail, sizeof(res->detail),
			 "signer certificate %s the Code Signing extended key usage",
			 flags & EXFLAG_XKUSAGE ? "lacks" : "has no extended key usage, so lacks");
		goto out;
	}
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(signer) & KU_DIGITAL_SIGNATURE)) {
		res->reason = EG_REASON_BAD_EKU;
		snprintf(res->detail, sizeof(res->detail),
			 "signer certificate key usage lacks digitalSignature");
		goto out;
	}
	res->lifetime_signing = eg_cert_lifetime_signing(signer);
out:
	X509_STORE_CTX_free(ctx);
	if (r < 0)
		snprintf(res->detail, sizeof(res->detail), "out of memory");
	return r;
}
