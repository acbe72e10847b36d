// SPDX-License-Identifier: GPL-2.0
/* The revocation rule as execgate drill asks it (eg_revocation_spares), against the rule
 * eg_verify.h states, and the CRLReason names the CLI takes and prints. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/x509v3.h>

#include "eg_lifecycle.h"

#define T0 1704067200 /* 2024-01-01T00:00:00Z */

static void benign_reasons_spare_only_signatures_timestamped_strictly_before(void **state)
{
	static const int benign[] = {
		CRL_REASON_SUPERSEDED,
		CRL_REASON_AFFILIATION_CHANGED,
		CRL_REASON_CESSATION_OF_OPERATION,
		CRL_REASON_PRIVILEGE_WITHDRAWN,
	};

	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		assert_true(eg_revocation_spares(benign[i], true, T0 - 1, T0));
		assert_false(eg_revocation_spares(benign[i], true, T0, T0));
		assert_false(eg_revocation_spares(benign[i], true, T0 + 1, T0));
		/* No verified timestamp: the signing time is unknown, so it is not spared. */
		assert_false(eg_revocation_spares(benign[i], false, T0 - 1, T0));
	}
}

static void other_reasons_and_no_reason_spare_nothing(void **state)
{
	static const int harmful[] = {
		-1, /* no reason extension: we cannot tell it from a compromise */
		CRL_REASON_UNSPECIFIED,
		CRL_REASON_KEY_COMPROMISE,
		CRL_REASON_CA_COMPROMISE,
		CRL_REASON_CERTIFICATE_HOLD,
		CRL_REASON_REMOVE_FROM_CRL,
		CRL_REASON_AA_COMPROMISE,
		7,  /* unassigned */
		11, /* past the last assigned code */
	};

	for (size_t i = 0; i < sizeof(harmful) / sizeof(harmful[0]); i++) {
		assert_false(eg_revocation_spares(harmful[i], true, T0 - 86400, T0));
		assert_false(eg_revocation_spares(harmful[i], false, 0, T0));
	}
}

static void reason_names_follow_rfc5280_and_map_back(void **state)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ CRL_REASON_UNSPECIFIED, "unspecified" },
		{ CRL_REASON_KEY_COMPROMISE, "keyCompromise" },
		{ CRL_REASON_CA_COMPROMISE, "cACompromise" },
		{ CRL_REASON_AFFILIATION_CHANGED, "affiliationChanged" },
		{ CRL_REASON_SUPERSEDED, "superseded" },
		{ CRL_REASON_CESSATION_OF_OPERATION, "cessationOfOperation" },
		{ CRL_REASON_CERTIFICATE_HOLD, "certificateHold" },
		{ CRL_REASON_REMOVE_FROM_CRL, "removeFromCRL" },
		{ CRL_REASON_PRIVILEGE_WITHDRAWN, "privilegeWithdrawn" },
		{ CRL_REASON_AA_COMPROMISE, "aACompromise" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(eg_crl_reason_to_name(names[i].code), names[i].name);
		assert_int_equal(eg_crl_reason_from_name(names[i].name), names[i].code);
	}
	assert_int_equal(eg_crl_reason_from_name("KEYCOMPROMISE"), CRL_REASON_KEY_COMPROMISE);
	assert_string_equal(eg_crl_reason_to_name(-1), "none");
	assert_string_equal(eg_crl_reason_to_name(7), "unknown");
	assert_string_equal(eg_crl_reason_to_name(11), "unknown");
	assert_int_equal(eg_crl_reason_from_name("key-compromise"), -EINVAL);
	assert_int_equal(eg_crl_reason_from_name(""), -EINVAL);
}

/* One freshness rule for the verifier, execgated's CRL status and `execgate crl status`. */
static void crl_freshness_is_one_rule(void **state)
{
	const int64_t H = 3600;

	/* No nextUpdate: never fresh, whatever the maximum age. */
	assert_int_equal(eg_crl_stale_at(T0, 0, 0), 0);
	assert_int_equal(eg_crl_stale_at(T0, 0, H), 0);
	assert_true(eg_crl_stale(T0, 0, 0, T0));
	/* Fresh up to and including nextUpdate. */
	assert_int_equal(eg_crl_stale_at(T0, T0 + 10 * H, 0), T0 + 10 * H);
	assert_false(eg_crl_stale(T0, T0 + 10 * H, 0, T0 + 10 * H));
	assert_true(eg_crl_stale(T0, T0 + 10 * H, 0, T0 + 10 * H + 1));
	/* A maximum age shorter than nextUpdate wins; a longer one changes nothing. */
	assert_int_equal(eg_crl_stale_at(T0, T0 + 10 * H, H), T0 + H);
	assert_true(eg_crl_stale(T0, T0 + 10 * H, H, T0 + H + 1));
	assert_false(eg_crl_stale(T0, T0 + 10 * H, H, T0 + H));
	assert_int_equal(eg_crl_stale_at(T0, T0 + 10 * H, 20 * H), T0 + 10 * H);
}

static void crl_read_refuses_what_is_not_a_crl(void **state)
{
	static const char text[] = "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n";
	STACK_OF(X509_CRL) *crls = NULL;

	assert_int_equal(eg_crl_read_mem("", 0, &crls), -EBADMSG);
	assert_int_equal(eg_crl_read_mem(text, sizeof(text) - 1, &crls), -EBADMSG);
	assert_null(crls);
	assert_int_equal(eg_crl_read_file("/nonexistent/execgate.crl", &crls), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(benign_reasons_spare_only_signatures_timestamped_strictly_before),
		cmocka_unit_test(other_reasons_and_no_reason_spare_nothing),
		cmocka_unit_test(reason_names_follow_rfc5280_and_map_back),
		cmocka_unit_test(crl_freshness_is_one_rule),
		cmocka_unit_test(crl_read_refuses_what_is_not_a_crl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
