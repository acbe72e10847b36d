// SPDX-License-Identifier: GPL-2.0
/*
 * The CMS reader (DER and PEM, detached and attached shapes), what the verifier reads out
 * of a SignerInfo (signer, algorithms, timestamp token), and the catalog reader on the
 * same bytes taken both as a catalog file and as catalog text.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "eg_verify_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An empty TSA store: tokens are parsed and checked, and never verify. */
static X509_STORE *tsa_store;

static void one_cms(const uint8_t *data, size_t size, bool detached)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *certs = NULL;
	struct eg_ts_result ts;
	CMS_SignerInfo *si;
	X509 *signer;
	char err[256];

	if (eg_cms_parse(data, size, true, detached, &cms, err, sizeof(err)))
		return;
	if (eg_cms_signer(cms, &si, &signer, &certs) == 0) {
		struct eg_cert_info info;

		eg_cms_check_algs(si, signer, err, sizeof(err));
		eg_cert_info_fill(signer, &info);
		eg_cert_lifetime_signing(signer);
		eg_ts_check(tsa_store, si, &ts);
		if (ts.valid)
			abort();
		eg_ts_result_clear(&ts);
		sk_X509_pop_free(certs, X509_free);
	}
	if (!detached)
		eg_cms_verify(cms, NULL, err, sizeof(err));
	CMS_ContentInfo_free(cms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_catalog *cat;
	char err[256];

	if (!tsa_store && !(tsa_store = X509_STORE_new()))
		abort();
	one_cms(data, size, true);
	one_cms(data, size, false);
	if (eg_catalog_read_mem(data, size, &cat, err, sizeof(err)) == 0)
		eg_catalog_free(cat);
	if (eg_catalog_parse_content((const char *)data, size, &cat, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < eg_catalog_count(cat); i++)
			if (eg_catalog_lookup(cat, eg_catalog_entry_at(cat, i)->sha256) == NULL)
				abort();
		eg_catalog_free(cat);
	}
	return 0;
}
