// SPDX-License-Identifier: GPL-2.0
/* execgate log's reader (liblogread): RFC 3339 times, --since/--until arguments, and what
 * makes a log line a record or malformed (docs/log-format.md). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "log_read.h"

#define SEC 1000000000LL

static void times_in_every_documented_form(void **state)
{
	static const struct {
		const char *s;
		int64_t ns;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-11-26T20:41:07.123456Z", 1795725667 * SEC + 123456000 },
		{ "2026-11-26T20:41:07Z", 1795725667 * SEC },
		{ "2026-11-26T20:41:07.5Z", 1795725667 * SEC + 500000000 },
		{ "2026-11-26T20:41:07.123456789Z", 1795725667 * SEC + 123456789 },
		/* Digits past nanoseconds are dropped, not rounded. */
		{ "2026-11-26T20:41:07.1234567899Z", 1795725667 * SEC + 123456789 },
		{ "2026-11-26T21:41:07+01:00", 1795725667 * SEC },
		{ "2026-11-26T15:11:07-05:30", 1795725667 * SEC },
		{ "2026-11-26t20:41:07z", 1795725667 * SEC },
		{ "2026-11-26 20:41:07Z", 1795725667 * SEC },
		{ "2024-02-29T00:00:00Z", 1709164800 * SEC },
	};
	int64_t ns;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(eg_log_time_parse(good[i].s, &ns), 0);
		assert_int_equal(ns, good[i].ns);
	}
}

static void times_that_are_not_rfc_3339(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-11-26",
		"2026-11-26T20:41:07",    /* no offset */
		"2026-11-26T20:41:07.Z",  /* no fraction digits */
		"2026-11-26T24:00:00Z",
		"2026-13-01T00:00:00Z",
		"2025-02-29T00:00:00Z",   /* not a leap year */
		"2026-11-31T00:00:00Z",
		"2026-11-26T20:41:07+0100",
		"2026-11-26T20:41:07Z ",
		"26-11-26T20:41:07Z",
		"9999-12-31T23:59:59Z",   /* past 2262: no 64-bit nanoseconds */
		"yesterday",
	};
	int64_t ns = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(eg_log_time_parse(bad[i], &ns), 0);
		assert_int_equal(ns, 42);
	}
}

static void since_and_until_arguments(void **state)
{
	const int64_t now = 1795725667 * SEC;
	int64_t ns;

	assert_int_equal(eg_log_time_arg("90s", now, &ns), 0);
	assert_int_equal(ns, now - 90 * SEC);
	assert_int_equal(eg_log_time_arg("2h", now, &ns), 0);
	assert_int_equal(ns, now - 7200 * SEC);
	assert_int_equal(eg_log_time_arg("3d", now, &ns), 0);
	assert_int_equal(ns, now - 3 * 86400 * SEC);
	assert_int_equal(eg_log_time_arg("1w", now, &ns), 0);
	assert_int_equal(ns, now - 604800 * SEC);
	assert_int_equal(eg_log_time_arg("2026-11-26", now, &ns), 0);
	assert_int_equal(ns, 1795651200 * SEC);
	assert_int_equal(eg_log_time_arg("2026-11-26T20:41:07Z", now, &ns), 0);
	assert_int_equal(ns, now);
	assert_int_equal(eg_log_time_arg("2y", now, &ns), -EINVAL);
	assert_int_equal(eg_log_time_arg("h", now, &ns), -EINVAL);
	assert_int_equal(eg_log_time_arg("-2h", now, &ns), -EINVAL);
	assert_int_equal(eg_log_time_arg("999999999w", now, &ns), -ERANGE);
	assert_int_equal(eg_log_time_arg("2026-02-30", now, &ns), -EINVAL);
}

#define REC_HEAD "{\"time\":\"2026-11-26T20:41:07.123456Z\",\"host\":\"web-1\","
#define REC_BODY                                                                          \
	"\"count\":1,\"process\":{\"pid\":1,\"ppid\":0,\"uid\":0,\"comm\":\"sh\","       \
	"\"parent_exe\":null,\"cgroup\":\"/\"},\"file\":{\"path\":\"/bin/sh\",\"dev\":\"8:1\"," \
	"\"ino\":2,\"size\":3,\"sha256\":null},\"signature\":null,\"rule\":null,"        \
	"\"policy\":{\"sha256\":\"00\",\"generation\":1}}"

static int parse(const char *line, struct eg_log_rec *rec)
{
	return eg_log_rec_parse(line, strlen(line), rec);
}

static void a_record_and_its_fields(void **state)
{
	const char *line = REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"mmap\","
				    "\"reason\":\"expired\"," REC_BODY;
	struct eg_log_rec rec;

	assert_int_equal(parse(line, &rec), 0);
	assert_int_equal(rec.decision, EG_DECISION_DENY);
	assert_string_equal(rec.hook, "mmap");
	assert_string_equal(rec.reason, "expired");
	assert_string_equal(rec.path, "/bin/sh");
	assert_int_equal(rec.ino, 2);
	assert_null(rec.parent_exe);
	assert_null(rec.sha256);
	assert_false(rec.has_sig);
	assert_false(rec.has_rule);
	assert_int_equal(rec.policy_generation, 1);
	assert_int_equal(rec.time_ns, 1795725667 * SEC + 123456000);
	eg_log_rec_release(&rec);
}

static void malformed_records(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"not json",
		REC_HEAD "\"decision\":\"maybe\",\"mode\":\"enforce\",\"hook\":\"exec\","
			 "\"reason\":null," REC_BODY,
		REC_HEAD "\"decision\":\"allow\",\"mode\":\"permissive\",\"hook\":\"exec\","
			 "\"reason\":null," REC_BODY,
		REC_HEAD "\"decision\":\"allow\",\"mode\":\"audit\",\"hook\":\"ptrace\","
			 "\"reason\":null," REC_BODY,
		REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","
			 "\"reason\":7," REC_BODY,
		/* Trailing garbage after the object. */
		REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","
			 "\"reason\":\"expired\"," REC_BODY "}",
		"{\"time\":\"2026-11-26T20:41:07\",\"host\":\"h\",\"decision\":\"deny\","
		"\"mode\":\"enforce\",\"hook\":\"exec\",\"reason\":\"expired\"," REC_BODY,
	};
	struct eg_log_rec rec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &rec), -EINVAL);
		assert_null(rec.root);
	}
}

static void counts_must_be_positive_integers(void **state)
{
	static const char *const counts[] = { "0", "-1", "1.5", "\"3\"", "null" };
	struct eg_log_rec rec;
	char line[1024];

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		snprintf(line, sizeof(line),
			 REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","
				  "\"reason\":\"expired\",\"count\":%s,%s",
			 counts[i], REC_BODY + strlen("\"count\":1,"));
		assert_int_equal(parse(line, &rec), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_in_every_documented_form),
		cmocka_unit_test(times_that_are_not_rfc_3339),
		cmocka_unit_test(since_and_until_arguments),
		cmocka_unit_test(a_record_and_its_fields),
		cmocka_unit_test(malformed_records),
		cmocka_unit_test(counts_must_be_positive_integers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
