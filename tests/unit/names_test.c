// SPDX-License-Identifier: GPL-2.0
/* The ABI's codes are logged by name (agent/lib/eg_names.c): every mode, hook, decision and
 * reason has a distinct stable name and the names map back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "eg_names.h"

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

/* A hook, decision or mode added to execgate.h without a name fails here. */
static void every_hook_decision_and_mode_has_a_unique_name_that_maps_back(void **state)
{
	for (int i = EG_HOOK_EXEC; i < EG_HOOK_END; i++) {
		assert_string_not_equal(eg_hook_name(i), "unknown");
		assert_int_equal(eg_hook_from_name(eg_hook_name(i)), i);
		for (int j = EG_HOOK_EXEC; j < i; j++)
			assert_string_not_equal(eg_hook_name(i), eg_hook_name(j));
	}
	for (int i = 0; i < EG_DECISION_COUNT; i++) {
		assert_string_not_equal(eg_decision_name(i), "unknown");
		assert_int_equal(eg_decision_from_name(eg_decision_name(i)), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(eg_decision_name(i), eg_decision_name(j));
	}
	assert_int_equal(eg_mode_from_name(eg_mode_name(EG_MODE_AUDIT)), EG_MODE_AUDIT);
	assert_int_equal(eg_mode_from_name(eg_mode_name(EG_MODE_ENFORCE)), EG_MODE_ENFORCE);
	assert_string_not_equal(eg_mode_name(EG_MODE_AUDIT), eg_mode_name(EG_MODE_ENFORCE));
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
	assert_string_equal(eg_mode_name(EG_MODE_AUDIT), "audit");
	assert_string_equal(eg_mode_name(EG_MODE_ENFORCE), "enforce");
	assert_string_equal(eg_hook_name(EG_HOOK_EXEC), "exec");
	assert_string_equal(eg_hook_name(EG_HOOK_MMAP), "mmap");
	assert_string_equal(eg_hook_name(EG_HOOK_MPROTECT), "mprotect");
	assert_string_equal(eg_hook_name(EG_HOOK_WRITE), "write");
	assert_string_equal(eg_decision_name(EG_DECISION_ALLOW), "allow");
	assert_string_equal(eg_decision_name(EG_DECISION_DENY), "deny");
	assert_string_equal(eg_decision_name(EG_DECISION_AUDIT), "audit");
}

static void out_of_range_and_unknown_names_are_refused(void **state)
{
	assert_string_equal(eg_reason_name(EG_REASON_COUNT), "unknown");
	assert_string_equal(eg_reason_name((enum eg_reason)-1), "unknown");
	assert_int_equal(eg_reason_from_name("no-signature"), -EINVAL);
	assert_int_equal(eg_reason_from_name(""), -EINVAL);
	assert_string_equal(eg_hook_name(0), "unknown");
	assert_string_equal(eg_hook_name(EG_HOOK_END), "unknown");
	assert_string_equal(eg_decision_name(EG_DECISION_COUNT), "unknown");
	assert_string_equal(eg_mode_name((enum eg_mode)2), "unknown");
	assert_int_equal(eg_hook_from_name("EXEC"), -EINVAL);
	assert_int_equal(eg_decision_from_name("denied"), -EINVAL);
	assert_int_equal(eg_mode_from_name(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_unique_name_that_maps_back),
		cmocka_unit_test(every_hook_decision_and_mode_has_a_unique_name_that_maps_back),
		cmocka_unit_test(names_in_logs_stay_as_documented),
		cmocka_unit_test(out_of_range_and_unknown_names_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
