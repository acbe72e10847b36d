// SPDX-License-Identifier: GPL-2.0
/* execgate log's reader (liblogread): RFC 3339 times, --since/--until arguments, and what
 * makes a log line a record or malformed (docs/log-format.md). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* The reader computes the calendar itself: every day from 1678 to 2261 (what 64-bit
 * nanoseconds reach), and days 29 to 31 of every month, as glibc's timegm() reckons them,
 * refused where timegm() would have moved to another day. */
static void dates_as_timegm_reckons_them(void **state)
{
	char buf[40];
	int64_t ns;

	for (int y = 1678; y <= 2261; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= 31; d++) {
				struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
				time_t t = timegm(&tm);
				bool valid = tm.tm_mday == d && tm.tm_mon == m - 1;

				snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
				assert_int_equal(eg_log_time_arg(buf, 0, &ns), valid ? 0 : -EINVAL);
				if (valid)
					assert_int_equal(ns, (int64_t)t * SEC);
				snprintf(buf, sizeof(buf), "%04d-%02d-%02dT13:37:42.5Z", y, m, d);
				assert_int_equal(eg_log_time_parse(buf, &ns), valid ? 0 : -EINVAL);
				if (valid)
					assert_int_equal(ns, ((int64_t)t + 49062) * SEC + SEC / 2);
			}
	/* A leap second: the next minute, unless that is the next day. */
	assert_int_equal(eg_log_time_parse("2026-11-26T10:59:60Z", &ns), 0);
	assert_int_equal(ns, 1795690800 * SEC);
	assert_int_equal(eg_log_time_parse("2026-11-26T23:59:60Z", &ns), -EINVAL);
	assert_int_equal(eg_log_time_parse("2026-12-31T23:59:60Z", &ns), -EINVAL);
	/* -1, which timegm() also returns for an error. */
	assert_int_equal(eg_log_time_parse("1969-12-31T23:59:59Z", &ns), 0);
	assert_int_equal(ns, -SEC);
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

/* The scanner and jansson's tree agree on what fits in 64 bits, and both read the digest
 * that was signed (the scanner once left it out). */
static void both_readings_agree_on_integers_and_signed_digests(void **state)
{
	static const struct {
		const char *pid;
		int ret;
		int64_t value;
	} pids[] = {
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "1234567890123456789", 0, 1234567890123456789LL },
		{ "9223372036854775808", -EINVAL, 0 },
		{ "-9223372036854775809", -EINVAL, 0 },
		{ "9999999999999999999", -EINVAL, 0 },
		{ "18446744073709551616", -EINVAL, 0 },  /* 2^64: wraps to 0 unless caught */
		{ "36893488147419103232", -EINVAL, 0 },  /* 2^65 */
		{ "1e400", -EINVAL, 0 },
		{ "1e300", 0, -1 },                      /* a real: no pid */
	};
	struct eg_log_rec fast, tree;
	char line[1024];

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		snprintf(line, sizeof(line),
			 REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","
				  "\"reason\":\"expired\",\"count\":1,\"process\":{\"pid\":%s,%s",
			 pids[i].pid, strstr(REC_BODY, "\"ppid\""));
		assert_int_equal(parse(line, &fast), pids[i].ret);
		assert_int_equal(eg_log_rec_parse_tree(line, strlen(line), &tree), pids[i].ret);
		if (pids[i].ret)
			continue;
		assert_int_equal(fast.pid, pids[i].value);
		assert_int_equal(tree.pid, pids[i].value);
		eg_log_rec_release(&fast);
		eg_log_rec_release(&tree);
	}

	snprintf(line, sizeof(line), "%s",
		 REC_HEAD "\"decision\":\"allow\",\"mode\":\"audit\",\"hook\":\"exec\","
			  "\"reason\":null,\"count\":1,\"process\":{\"pid\":1},\"file\":{"
			  "\"path\":\"/bin/sh\",\"sha256\":null,\"signed_sha256\":\"ab\"},"
			  "\"signature\":null,\"rule\":null,\"policy\":{\"generation\":1}}");
	assert_int_equal(parse(line, &fast), 0);
	assert_int_equal(eg_log_rec_parse_tree(line, strlen(line), &tree), 0);
	assert_string_equal(fast.signed_sha256, "ab");
	assert_string_equal(tree.signed_sha256, "ab");
	eg_log_rec_release(&fast);
	eg_log_rec_release(&tree);
}

/* jansson loses a NUL byte just after a number or a word (true, false, null) and refuses
 * one anywhere else; the scanner must accept and refuse the same lines. */
static void a_nul_after_a_number_or_word_as_jansson_reads_it(void **state)
{
#define NUL_LINE(count, reason)                                                           \
	{ REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","          \
		   "\"reason\":" reason ",\"count\":" count ",\"process\":{},\"file\":{},"     \
		   "\"signature\":null,\"rule\":null,\"policy\":{}}",                         \
	  sizeof(REC_HEAD "\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"exec\","   \
			  "\"reason\":" reason ",\"count\":" count ",\"process\":{},"        \
			  "\"file\":{},\"signature\":null,\"rule\":null,\"policy\":{}}") -     \
		  1 }
	static const struct {
		const char *line;
		size_t len;
	} good[] = { NUL_LINE("1\0", "null"), NUL_LINE("1", "null\0"), NUL_LINE("2\0 ", "null") },
	  bad[] = { NUL_LINE("1\0\0", "null"), NUL_LINE("1 \0", "null"), NUL_LINE("1", "\"x\"\0"),
		    NUL_LINE("1", "null\0x") };
#undef NUL_LINE
	struct eg_log_rec fast, tree;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(eg_log_rec_parse(good[i].line, good[i].len, &fast), 0);
		assert_int_equal(eg_log_rec_parse_tree(good[i].line, good[i].len, &tree), 0);
		assert_int_equal(fast.count, tree.count);
		eg_log_rec_release(&fast);
		eg_log_rec_release(&tree);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(eg_log_rec_parse(bad[i].line, bad[i].len, &fast), -EINVAL);
		assert_int_equal(eg_log_rec_parse_tree(bad[i].line, bad[i].len, &tree), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_in_every_documented_form),
		cmocka_unit_test(dates_as_timegm_reckons_them),
		cmocka_unit_test(times_that_are_not_rfc_3339),
		cmocka_unit_test(since_and_until_arguments),
		cmocka_unit_test(a_record_and_its_fields),
		cmocka_unit_test(malformed_records),
		cmocka_unit_test(counts_must_be_positive_integers),
		cmocka_unit_test(both_readings_agree_on_integers_and_signed_digests),
		cmocka_unit_test(a_nul_after_a_number_or_word_as_jansson_reads_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
