// SPDX-License-Identifier: GPL-2.0
/*
 * The CRL loader on arbitrary bytes (PEM, several PEM, DER), then the status lookup of a
 * certificate in what it loaded: issuer match, distribution point and delta checks,
 * signature check, freshness and the revoked-entry lookup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "eg_verify_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A self-signed CA, made once: the issuer and the certificate looked up. */
static X509 *ca;

static X509 *make_ca(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	if (!key || !x)
		abort();
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, name);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (!X509_sign(x, key, EVP_sha256()))
		abort();
	EVP_PKEY_free(key);
	return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_crl_set set = { 0 };
	struct eg_crl_status st;

	if (!ca)
		ca = make_ca();
	if (eg_crl_parse(data, size, &set.crls))
		return 0;
	eg_crl_check(&set, ca, ca, (int64_t)time(NULL), 3600, &st);
	if (st.state != EG_CRL_MISSING && st.state != EG_CRL_GOOD && st.state != EG_CRL_STALE &&
	    st.state != EG_CRL_REVOKED)
		abort();
	eg_crl_set_clear(&set);
	return 0;
}
