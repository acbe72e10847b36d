// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 3161 timestamps carried in the signer's unsigned attributes: id-aa-timeStampToken
 * (RFC 3161 appendix A) or Microsoft's 1.3.6.1.4.1.311.3.3.1.  The token's imprint is
 * over the SignerInfo's signature value, so the token proves the signature existed at
 * genTime.  The TSA certificate is chained to the TSA anchors by OpenSSL's TS code, at
 * the current time, with the timeStamping purpose (the EKU must be the only one and
 * critical).
 *
 * OpenSSL 3.0's TS_VERIFY_CTX_set_store/_set_data take ownership (the set0_ names came
 * in 3.4): the shared store gets an extra reference first, the data BIO is handed over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "eg_verify_internal.h"

static const char *const token_oids[] = {
	"1.2.840.113549.1.9.16.2.14", /* id-aa-timeStampToken */
	"1.3.6.1.4.1.311.3.3.1",      /* Microsoft's RFC 3161 counter-signature */
};

int eg_ts_find(CMS_SignerInfo *si, const ASN1_STRING **ret_der)
{
	int found = 0;

	for (size_t i = 0; i < sizeof(token_oids) / sizeof(token_oids[0]); i++) {
		ASN1_OBJECT *obj = OBJ_txt2obj(token_oids[i], 1);
		int loc = obj ? CMS_unsigned_get_attr_by_OBJ(si, obj, -1) : -1;

		while (loc >= 0) {
			X509_ATTRIBUTE *attr = CMS_unsigned_get_attr(si, loc);
			ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(attr, 0);

			if (found || X509_ATTRIBUTE_count(attr) != 1 || !t ||
			    t->type != V_ASN1_SEQUENCE) {
				ASN1_OBJECT_free(obj);
				return -EBADMSG;
			}
			*ret_der = t->value.sequence;
			found = 1;
			loc = CMS_unsigned_get_attr_by_OBJ(si, obj, loc);
		}
		ASN1_OBJECT_free(obj);
	}
	return found;
}

void eg_ts_result_clear(struct eg_ts_result *res)
{
	sk_X509_pop_free(res->chain, X509_free);
	memset(res, 0, sizeof(*res));
}

/* The chain TS_RESP_verify_token accepted, built again to be checked against CRLs (it
 * does not hand its own out).  NULL when it does not build (or on allocation failure). */
static STACK_OF(X509) * tsa_chain(X509_STORE *store, X509 *tsa, STACK_OF(X509) * untrusted)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = NULL;

	if (ctx && X509_STORE_CTX_init(ctx, store, tsa, untrusted) == 1 &&
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_TIMESTAMP_SIGN) == 1 &&
	    X509_verify_cert(ctx) == 1)
		chain = X509_STORE_CTX_get1_chain(ctx);
	X509_STORE_CTX_free(ctx);
	return chain;
}


/* The context owns what it is given, under both names: OpenSSL 3.4 named that (set0_) and
 * deprecated the older set_ names, which 3.0 (Debian 12) still needs. */
static void ts_ctx_give_data(TS_VERIFY_CTX *ctx, BIO *data)
{
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
	TS_VERIFY_CTX_set0_data(ctx, data);
#else
	TS_VERIFY_CTX_set_data(ctx, data);
#endif
}

static void ts_ctx_give_store(TS_VERIFY_CTX *ctx, X509_STORE *store)
{
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
	TS_VERIFY_CTX_set0_store(ctx, store);
#else
	TS_VERIFY_CTX_set_store(ctx, store);
#endif
}
int eg_ts_check(X509_STORE *tsa_store, CMS_SignerInfo *si, struct eg_ts_result *res)
{
	const ASN1_STRING *der = NULL;
	const unsigned char *p;
	ASN1_OCTET_STRING *sigval;
	TS_VERIFY_CTX *ctx = NULL;
	TS_TST_INFO *tst = NULL;
	PKCS7 *token = NULL;
	STACK_OF(X509) * signers;
	BIO *data;
	int r = 0, found;

	memset(res, 0, sizeof(*res));
	found = eg_ts_find(si, &der);
	if (!found)
		return 0;
	res->present = true;
	if (found < 0) {
		snprintf(res->detail, sizeof(res->detail), "more than one timestamp token");
		return 0;
	}
	if (!tsa_store) {
		snprintf(res->detail, sizeof(res->detail),
			 "timestamp not evaluated: no TSA anchors configured");
		return 0;
	}
	p = ASN1_STRING_get0_data(der);
	token = d2i_PKCS7(NULL, &p, ASN1_STRING_length(der));
	if (!token || !PKCS7_type_is_signed(token)) {
		eg_errf(res->detail, sizeof(res->detail), "timestamp token is not a signed PKCS#7");
		goto out;
	}
	sigval = CMS_SignerInfo_get0_signature(si);
	ctx = TS_VERIFY_CTX_new();
	data = BIO_new_mem_buf(ASN1_STRING_get0_data(sigval), ASN1_STRING_length(sigval));
	if (!ctx || !data || !X509_STORE_up_ref(tsa_store)) {
		BIO_free(data);
		r = -ENOMEM;
		goto out;
	}
	ts_ctx_give_data(ctx, data);
	ts_ctx_give_store(ctx, tsa_store);
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	ERR_clear_error();
	if (TS_RESP_verify_token(ctx, token) != 1) {
		eg_errf(res->detail, sizeof(res->detail), "timestamp token does not verify");
		goto out;
	}
	tst = PKCS7_to_TS_TST_INFO(token);
	if (!tst) {
		eg_errf(res->detail, sizeof(res->detail), "timestamp token has no TSTInfo");
		goto out;
	}
	res->gen_time = eg_asn1_time_to_unix(TS_TST_INFO_get_time(tst));
	if (!res->gen_time) {
		snprintf(res->detail, sizeof(res->detail), "timestamp token has a bad genTime");
		goto out;
	}
	signers = PKCS7_get0_signers(token, NULL, 0);
	if (sk_X509_num(signers) == 1) {
		struct eg_cert_info info;

		eg_cert_info_fill(sk_X509_value(signers, 0), &info);
		memcpy(res->tsa_subject, info.subject, sizeof(res->tsa_subject));
		res->chain = tsa_chain(tsa_store, sk_X509_value(signers, 0), token->d.sign->cert);
	}
	sk_X509_free(signers);
	if (!res->chain) {
		eg_errf(res->detail, sizeof(res->detail), "timestamp token: no TSA chain");
		goto out;
	}
	res->valid = true;
out:
	ERR_clear_error();
	TS_TST_INFO_free(tst);
	TS_VERIFY_CTX_free(ctx);
	PKCS7_free(token);
	if (r < 0)
		snprintf(res->detail, sizeof(res->detail), "out of memory");
	return r;
}
