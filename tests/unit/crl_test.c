// SPDX-License-Identifier: GPL-2.0
/* The CRL loader and the status of one certificate: formats, the directory scan, issuer
 * and signature checks, freshness, reasons, and the CRLs that must not count. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "eg_test_pki.h"
#include "eg_verify_internal.h"

static struct {
	EVP_PKEY *key, *other_key;
	X509 *ca, *other_ca, *leaf, *leaf2;
	char *dir;
} P;

static int setup(void **state)
{
	struct pki_cert_spec ca = {.cn = "ca",
				   .not_before = -1000 * DAY,
				   .not_after = 1000 * DAY,
				   .ca = true,
				   .ku = "keyCertSign,cRLSign"};
	struct pki_cert_spec leaf = {.cn = "leaf",
				     .not_before = -DAY,
				     .not_after = 100 * DAY,
				     .eku = "codeSigning",
				     .serial = 4242};

	P.key = pki_ec("P-256");
	P.other_key = pki_ec("P-256");
	P.ca = pki_cert(&ca, P.key, NULL, NULL);
	P.other_ca = pki_cert(&ca, P.other_key, NULL, NULL); /* same name, other key */
	P.leaf = pki_cert(&leaf, P.key, P.ca, P.key);
	leaf.serial = 4343;
	P.leaf2 = pki_cert(&leaf, P.key, P.ca, P.key);
	P.dir = pki_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	pki_rmdir(P.dir);
	free(P.dir);
	X509_free(P.ca);
	X509_free(P.other_ca);
	X509_free(P.leaf);
	X509_free(P.leaf2);
	EVP_PKEY_free(P.key);
	EVP_PKEY_free(P.other_key);
	return 0;
}

static unsigned char *der_of(X509_CRL *crl, int *len)
{
	unsigned char *der = NULL;

	*len = i2d_X509_CRL(crl, &der);
	assert_true(*len > 0);
	return der;
}

static void parse_pem_der_and_garbage(void **state)
{
	X509_CRL *a = pki_crl(P.ca, P.key, -DAY, DAY, NULL, 0);
	X509_CRL *b = pki_crl(P.ca, P.key, -2 * DAY, DAY, NULL, 0);
	STACK_OF(X509_CRL) * crls;
	unsigned char *der, *der2;
	BIO *mem = BIO_new(BIO_s_mem());
	char *pem;
	long pem_len;
	int len;

	der = der_of(a, &len);
	assert_int_equal(eg_crl_parse(der, (size_t)len, &crls), 0);
	assert_int_equal(sk_X509_CRL_num(crls), 1);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	/* Trailing bytes after DER, and a truncated DER: not a CRL file. */
	der2 = malloc((size_t)len + 1);
	memcpy(der2, der, (size_t)len);
	der2[len] = 0;
	assert_int_equal(eg_crl_parse(der2, (size_t)len + 1, &crls), -EBADMSG);
	assert_int_equal(eg_crl_parse(der, (size_t)len - 1, &crls), -EBADMSG);
	assert_int_equal(eg_crl_parse((const unsigned char *)"junk", 4, &crls), -EBADMSG);
	assert_int_equal(eg_crl_parse((const unsigned char *)"", 0, &crls), -EBADMSG);
	free(der2);
	OPENSSL_free(der);

	PEM_write_bio_X509_CRL(mem, a);
	PEM_write_bio_X509_CRL(mem, b);
	pem_len = BIO_get_mem_data(mem, &pem);
	assert_int_equal(eg_crl_parse((unsigned char *)pem, (size_t)pem_len, &crls), 0);
	assert_int_equal(sk_X509_CRL_num(crls), 2);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	BIO_free(mem);
	X509_CRL_free(a);
	X509_CRL_free(b);
}

static void directory_scan_skips_what_is_not_a_crl(void **state)
{
	X509_CRL *a = pki_crl(P.ca, P.key, -DAY, DAY, NULL, 0);
	struct eg_crl_set set = {0};
	char path[4200], err[256];

	snprintf(path, sizeof(path), "%s/d", P.dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/d/a.crl", P.dir);
	pki_write_crl(path, a, true);
	snprintf(path, sizeof(path), "%s/d/a.der", P.dir);
	pki_write_crl(path, a, false);
	snprintf(path, sizeof(path), "%s/d/notes.txt", P.dir);
	pki_write(path, "hello\n", 6);
	snprintf(path, sizeof(path), "%s/d/subdir", P.dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/d", P.dir);
	assert_int_equal(eg_crl_load_dir(path, &set, err, sizeof(err)), 0);
	assert_int_equal(sk_X509_CRL_num(set.crls), 2);
	eg_crl_set_clear(&set);
	snprintf(path, sizeof(path), "%s/absent", P.dir);
	assert_int_equal(eg_crl_load_dir(path, &set, err, sizeof(err)), -ENOENT);
	assert_null(set.crls);
	X509_CRL_free(a);
}

/* One CRL (or none) in a set, and the status of CERT issued by P.ca. */
static void status(X509_CRL *crl, X509_CRL *crl2, X509 *cert, int64_t max_age,
		   struct eg_crl_status *st)
{
	struct eg_crl_set set = {sk_X509_CRL_new_null()};

	if (crl)
		sk_X509_CRL_push(set.crls, crl);
	if (crl2)
		sk_X509_CRL_push(set.crls, crl2);
	eg_crl_check(&set, cert, P.ca, time(NULL), max_age, st);
	sk_X509_CRL_free(set.crls);
}

static void resign(X509_CRL *crl, EVP_PKEY *key)
{
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
}

static void status_of_a_certificate(void **state)
{
	struct pki_revoked kc = {P.leaf, -5 * DAY, CRL_REASON_KEY_COMPROMISE};
	struct pki_revoked none = {P.leaf, -5 * DAY, -1};
	struct eg_crl_status st;
	X509_CRL *crl;
	ASN1_INTEGER *num = ASN1_INTEGER_new();

	status(NULL, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_MISSING);

	crl = pki_crl(P.ca, P.key, -DAY, 10 * DAY, NULL, 0);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_GOOD);
	assert_false(st.revoked);
	assert_true(st.next_update > time(NULL));
	status(crl, NULL, P.leaf, DAY / 2, &st);
	assert_int_equal(st.state, EG_CRL_STALE); /* older than the maximum age */
	X509_CRL_free(crl);

	crl = pki_crl(P.ca, P.key, -10 * DAY, -DAY, &kc, 1);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_REVOKED); /* stale, but listed: revoked */
	assert_true(st.revoked);
	assert_int_equal(st.reason, CRL_REASON_KEY_COMPROMISE);
	assert_true(st.revocation_date < time(NULL) - 4 * DAY);
	status(crl, NULL, P.leaf2, 0, &st);
	assert_int_equal(st.state, EG_CRL_STALE);
	X509_CRL_free(crl);

	crl = pki_crl(P.ca, P.key, -DAY, 0, NULL, 0);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_STALE); /* no nextUpdate: cannot be fresh */
	X509_CRL_free(crl);

	crl = pki_crl(P.ca, P.key, -DAY, 10 * DAY, &none, 1);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_REVOKED);
	assert_int_equal(st.reason, -1);
	X509_CRL_free(crl);

	/* Signed by a key that is not the issuer's: absent. */
	crl = pki_crl(P.other_ca, P.other_key, -DAY, 10 * DAY, &kc, 1);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_MISSING);
	X509_CRL_free(crl);

	/* An indirect CRL and a delta CRL are not complete CRLs: absent. */
	crl = pki_crl(P.ca, P.key, -DAY, 10 * DAY, &kc, 1);
	{
		X509V3_CTX ctx;
		X509_EXTENSION *ext;

		X509V3_set_ctx(&ctx, P.ca, NULL, NULL, crl, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_issuing_distribution_point,
					  "critical,indirectCRL:TRUE");
		assert_non_null(ext);
		X509_CRL_add_ext(crl, ext, -1);
		X509_EXTENSION_free(ext);
	}
	resign(crl, P.key);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_MISSING);
	X509_CRL_free(crl);
	crl = pki_crl(P.ca, P.key, -DAY, 10 * DAY, &kc, 1);
	ASN1_INTEGER_set(num, 1);
	X509_CRL_add1_ext_i2d(crl, NID_delta_crl, num, 1, 0);
	resign(crl, P.key);
	status(crl, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_MISSING);
	X509_CRL_free(crl);
	ASN1_INTEGER_free(num);
}

static void the_newest_crl_wins(void **state)
{
	/* A hold released: the older CRL lists the certificate, the newer does not. */
	struct pki_revoked hold = {P.leaf, -5 * DAY, CRL_REASON_CERTIFICATE_HOLD};
	X509_CRL *old = pki_crl(P.ca, P.key, -3 * DAY, 10 * DAY, &hold, 1);
	X509_CRL *new = pki_crl(P.ca, P.key, -DAY, 10 * DAY, NULL, 0);
	struct eg_crl_status st;

	status(old, new, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_GOOD);
	status(new, old, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_GOOD);
	status(old, NULL, P.leaf, 0, &st);
	assert_int_equal(st.state, EG_CRL_REVOKED);
	assert_int_equal(st.reason, CRL_REASON_CERTIFICATE_HOLD);
	X509_CRL_free(old);
	X509_CRL_free(new);
}

static void which_reasons_a_timestamp_may_outlive(void **state)
{
	static const struct {
		int reason;
		bool benign;
	} cases[] = {
		{-1, false},
		{CRL_REASON_UNSPECIFIED, false},
		{CRL_REASON_KEY_COMPROMISE, false},
		{CRL_REASON_CA_COMPROMISE, false},
		{CRL_REASON_AFFILIATION_CHANGED, true},
		{CRL_REASON_SUPERSEDED, true},
		{CRL_REASON_CESSATION_OF_OPERATION, true},
		{CRL_REASON_CERTIFICATE_HOLD, false},
		{CRL_REASON_REMOVE_FROM_CRL, false},
		{CRL_REASON_PRIVILEGE_WITHDRAWN, true},
		{CRL_REASON_AA_COMPROMISE, false},
		{99, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (eg_crl_reason_benign(cases[i].reason) != cases[i].benign)
			fail_msg("reason %d", cases[i].reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_pem_der_and_garbage),
		cmocka_unit_test(directory_scan_skips_what_is_not_a_crl),
		cmocka_unit_test(status_of_a_certificate),
		cmocka_unit_test(the_newest_crl_wins),
		cmocka_unit_test(which_reasons_a_timestamp_may_outlive),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
