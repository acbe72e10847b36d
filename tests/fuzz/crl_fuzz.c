// SPDX-License-Identifier: GPL-2.0
/*
 * The CRL loader on arbitrary bytes (PEM, several PEM, DER), then the status lookup of a
 * certificate in what it loaded: issuer match, distribution point and delta checks,
 * signature check, freshness and the revoked-entry lookup.  A fuzzed CRL never carries a
 * valid signature, so the harness also re-signs each one as the test CA's (and looks up
 * the serial of its first entry) to reach the code behind the signature check.
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
static EVP_PKEY *key;

static X509 *make_ca(void)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!key || !x)
		abort();
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (!X509_sign(x, key, EVP_sha256()))
		abort();
	return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_crl_set set = {0};
	struct eg_crl_status st;

	X509 *cert;

	if (!ca) {
		key = EVP_EC_gen("P-256");
		if (!key)
			abort();
		ca = make_ca();
	}
	if (eg_crl_parse(data, size, &set.crls))
		return 0;
	eg_crl_check(&set, ca, ca, (int64_t)time(NULL), 3600, &st);
	if (st.state != EG_CRL_MISSING && st.state != EG_CRL_GOOD && st.state != EG_CRL_STALE &&
	    st.state != EG_CRL_REVOKED)
		abort();

	cert = X509_dup(ca);
	for (int i = 0; cert && i < sk_X509_CRL_num(set.crls) && i < 4; i++) {
		X509_CRL *crl = sk_X509_CRL_value(set.crls, i);
		STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);

		X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
		if (!X509_CRL_sign(crl, key, EVP_sha256()))
			continue;
		if (sk_X509_REVOKED_num(rev) > 0)
			X509_set_serialNumber(cert, (ASN1_INTEGER *)X509_REVOKED_get0_serialNumber(
							    sk_X509_REVOKED_value(rev, 0)));
		eg_crl_check(&set, cert, ca, (int64_t)time(NULL), 3600, &st);
		if (st.state == EG_CRL_MISSING && X509_CRL_verify(crl, key) == 1 &&
		    X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1) < 0 &&
		    X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) < 0 && i == 0 &&
		    sk_X509_CRL_num(set.crls) == 1)
			abort(); /* correctly signed, complete, ours: it must count */
	}
	X509_free(cert);
	eg_crl_set_clear(&set);
	return 0;
}
