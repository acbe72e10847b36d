// SPDX-License-Identifier: GPL-2.0
/* Reason codes are an ABI: every code has a distinct stable name and the names map back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "eg_reason.h"

static void every_code_has_a_unique_name_that_maps_back(void **state)
{
	for (int i = 0; i < EG_REASON_COUNT; i++) {
		const char *name = eg_reason_name(i);

		assert_string_not_equal(name, "unknown");
		assert_int_equal(eg_reason_from_name(name), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, eg_reason_name(j));
	}
}

static void names_in_logs_stay_as_documented(void **state)
{
	static const struct {
		enum eg_reason reason;
		const char *name;
	} documented[] = {
		{ EG_REASON_NO_SIGNATURE, "no_signature" },
		{ EG_REASON_BAD_SIGNATURE, "bad_signature" },
		{ EG_REASON_UNTRUSTED_CHAIN, "untrusted_chain" },
		{ EG_REASON_REVOKED, "revoked" },
		{ EG_REASON_CRL_STALE, "crl_stale" },
		{ EG_REASON_UNVERIFIED, "unverified" },
		{ EG_REASON_DENIED_BY_RULE, "denied_by_rule" },
	};

	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		assert_string_equal(eg_reason_name(documented[i].reason), documented[i].name);
}

static void out_of_range_and_unknown_names_are_refused(void **state)
{
	assert_string_equal(eg_reason_name(EG_REASON_COUNT), "unknown");
	assert_string_equal(eg_reason_name((enum eg_reason)-1), "unknown");
	assert_int_equal(eg_reason_from_name("no-signature"), -EINVAL);
	assert_int_equal(eg_reason_from_name(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_unique_name_that_maps_back),
		cmocka_unit_test(names_in_logs_stay_as_documented),
		cmocka_unit_test(out_of_range_and_unknown_names_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
