// SPDX-License-Identifier: GPL-2.0
/* The catalog text format: what the builder writes parses back, and every departure from
 * the format or its bounds is refused with the line named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eg_verify.h"

#define H "execgate-catalog v1\n"
#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void texts_accepted_and_refused(void **state)
{
	static const struct {
		const char *text;
		int expect;
		size_t entries;
		const char *msg;
	} cases[] = {
		{H, 0, 0, NULL},
		{H D1 "\n", 0, 1, NULL},
		{H D1 "  /usr/bin/ls\n" D2 "  name with  spaces\n", 0, 2, NULL},
		{"", -EBADMSG, 0, "line 1"},
		{"execgate-catalog v3\n", -EBADMSG, 0, "line 1"},
		{"execgate-catalog v1", -EBADMSG, 0, "line 1"},
		{H D1, -EBADMSG, 0, "line 2: no final newline"},
		{H D1 "\r\n", -EBADMSG, 0, "line 2"},
		{H "\n", -EBADMSG, 0, "line 2"},
		{H D1 "\n\n", -EBADMSG, 0, "line 3"},
		{H "sha1:0123456789abcdef0123456789abcdef01234567\n", -EBADMSG, 0, "line 2"},
		{H "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n",
		 -EBADMSG, 0, "line 2"},
		{H "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
		 -EBADMSG, 0, "line 2"},
		{H D1 "0\n", -EBADMSG, 0, "line 2"},
		{H D1 " name\n", -EBADMSG, 0, "line 2"},
		{H D1 "  \n", -EBADMSG, 0, "line 2"},
		{H D1 "\n" D1 "  x\r\n", -EBADMSG, 0, "line 3"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eg_catalog *cat = NULL;
		char err[256] = "";
		int r = eg_catalog_parse_content(cases[i].text, strlen(cases[i].text), &cat, err,
						 sizeof(err));

		if (r != cases[i].expect || (cases[i].msg && !strstr(err, cases[i].msg)))
			fail_msg("case %zu: got %d \"%s\", expected %d \"%s\"", i, r, err,
				 cases[i].expect, cases[i].msg ? cases[i].msg : "");
		if (!r) {
			assert_int_equal(eg_catalog_count(cat), cases[i].entries);
			eg_catalog_free(cat);
		}
	}
}

#define H2 "execgate-catalog v2\n"
#define S1 "source 1 deb coreutils 9.1-1 amd64 Debian bookworm main\n"
#define S2 "source 2 dpkg bash 5.2-1 amd64 - - -\n"

/* Version 2: sources first, numbered from 1; every entry names one (0: none). */
static void v2_texts_accepted_and_refused(void **state)
{
	static const struct {
		const char *text;
		int expect;
		size_t entries;
		const char *msg;
	} cases[] = {
		{H2, 0, 0, NULL},
		{H2 S1 S2 D1 " 1  /bin/ls\n" D2 " 2\n" D1 " 0  x\n", 0, 3, NULL},
		{H2 D1 " 0\n", 0, 1, NULL},
		{H2 "source 1 deb a%20b 1 amd64 Example%20Org - -\n" D1 " 1\n", 0, 1, NULL},
		{H2 D1 "\n", -EBADMSG, 0, "line 2"},	       /* no source number */
		{H2 D1 " 1\n", -EBADMSG, 0, "SOURCE 0 to 0"},  /* no such source */
		{H2 S1 D1 " 2\n", -EBADMSG, 0, "line 3"},      /* past the last */
		{H2 S1 D1 " 01\n", -EBADMSG, 0, "line 3"},     /* leading zero */
		{H2 S1 D1 " 1 name\n", -EBADMSG, 0, "line 3"}, /* one space before name */
		{H2 S2, -EBADMSG, 0, "expected \"source 1"},   /* numbered out of order */
		{H2 S1 S1, -EBADMSG, 0, "line 3"},	       /* twice number 1 */
		{H2 "source 1 rpm a 1 amd64 - - -\n", -EBADMSG, 0, "line 2"},
		{H2 "source 1 deb a 1 amd64 - -\n", -EBADMSG, 0, "line 2"},	 /* a field short */
		{H2 "source 1 deb a 1 amd64 - - - x\n", -EBADMSG, 0, "line 2"},	 /* one more */
		{H2 "source 1 deb - 1 amd64 - - -\n", -EBADMSG, 0, "line 2"},	 /* no package */
		{H2 "source 1 deb a  1 amd64 - - -\n", -EBADMSG, 0, "line 2"},	 /* two spaces */
		{H2 "source 1 deb a%2 1 amd64 - - -\n", -EBADMSG, 0, "line 2"},	 /* short escape */
		{H2 "source 1 deb a%41 1 amd64 - - -\n", -EBADMSG, 0, "line 2"}, /* needless */
		{H2 "source 1 deb a%0a 1 amd64 - - -\n", -EBADMSG, 0, "line 2"}, /* a newline */
		{H2 "source 1 deb a%2D 1 amd64 - - -\n", -EBADMSG, 0, "line 2"}, /* uppercase */
		{H2 D1 " 0\n" S1, -EBADMSG, 0, "line 3"}, /* a source after an entry */
		{H S1, -EBADMSG, 0, "line 2"},		  /* v1 has no sources */
		{H D1 " 0\n", -EBADMSG, 0, "line 2"},	  /* nor source numbers */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eg_catalog *cat = NULL;
		char err[256] = "";
		int r = eg_catalog_parse_content(cases[i].text, strlen(cases[i].text), &cat, err,
						 sizeof(err));

		if (r != cases[i].expect || (cases[i].msg && !strstr(err, cases[i].msg)))
			fail_msg("case %zu: got %d \"%s\", expected %d \"%s\"", i, r, err,
				 cases[i].expect, cases[i].msg ? cases[i].msg : "");
		if (!r) {
			assert_int_equal(eg_catalog_count(cat), cases[i].entries);
			eg_catalog_free(cat);
		}
	}
}

/* What the builder writes parses back, provenance and odd bytes in fields included. */
static void v2_build_and_parse_round_trip(void **state)
{
	struct eg_catalog_source deb = {EG_PROV_DEB,	    "hello", "1:2.0~rc1", "amd64",
					"Example Org 100%", "-",     ""};
	struct eg_catalog_source inst = {EG_PROV_DPKG, "bash", "5.2-1", "amd64", "", "", ""};
	const struct eg_catalog_source *src;
	const struct eg_catalog_entry *e;
	struct eg_catalog_builder *b;
	struct eg_catalog *cat;
	unsigned char d[32];
	char *text, err[256], prov[EG_PROVENANCE_MAX];
	uint32_t id1, id2;
	size_t len;

	memset(d, 0xab, sizeof(d));
	assert_int_equal(eg_catalog_builder_new(&b), 0);
	assert_int_equal(eg_catalog_builder_add_source(b, &deb, &id1), 0);
	assert_int_equal(eg_catalog_builder_add_source(b, &inst, &id2), 0);
	assert_int_equal(eg_catalog_builder_add(b, d, "/usr/bin/hello", id1), 0);
	d[0] = 1;
	assert_int_equal(eg_catalog_builder_add(b, d, NULL, id2), 0);
	assert_int_equal(eg_catalog_builder_add(b, d, "x", 3), -EINVAL);
	assert_int_equal(eg_catalog_builder_add(b, d, "a\nb", 0), -EINVAL);
	inst.package = "";
	assert_int_equal(eg_catalog_builder_add_source(b, &inst, &id2), -EINVAL);
	inst.package = "a\rb";
	assert_int_equal(eg_catalog_builder_add_source(b, &inst, &id2), -EINVAL);
	assert_int_equal(eg_catalog_builder_text(b, &text, &len), 0);
	assert_non_null(
		strstr(text, "source 1 deb hello 1:2.0~rc1 amd64 Example%20Org%20100%25 %2d -\n"));
	assert_int_equal(eg_catalog_parse_content(text, len, &cat, err, sizeof(err)), 0);
	assert_int_equal(eg_catalog_count(cat), 2);
	e = eg_catalog_entry_at(cat, 0);
	src = eg_catalog_source_at(cat, e->source);
	assert_non_null(src);
	assert_string_equal(src->origin, "Example Org 100%");
	assert_string_equal(src->suite, "-");
	assert_string_equal(src->component, "");
	eg_catalog_provenance(src, prov, sizeof(prov));
	assert_string_equal(prov, "hello 1:2.0~rc1 amd64, Example Org 100% -");
	src = eg_catalog_source_at(cat, eg_catalog_entry_at(cat, 1)->source);
	eg_catalog_provenance(src, prov, sizeof(prov));
	assert_string_equal(prov, "bash 5.2-1 amd64, installed before execgate, checked against "
				  "dpkg's md5sums");
	assert_null(eg_catalog_source_at(cat, 0));
	assert_null(eg_catalog_source_at(cat, 3));
	eg_catalog_free(cat);
	free(text);
	eg_catalog_builder_free(b);
}

static void a_nul_inside_a_name_is_refused(void **state)
{
	static const char text[] = H D1 "  a\0b\n";
	struct eg_catalog *cat;
	char err[256];

	assert_int_equal(eg_catalog_parse_content(text, sizeof(text) - 1, &cat, err, sizeof(err)),
			 -EBADMSG);
}

static void build_and_parse_round_trip(void **state)
{
	unsigned char d[3][32];
	const char *names[] = {"/usr/bin/ls", NULL, "lib with space.so"};
	const struct eg_catalog_entry *e;
	struct eg_catalog *cat;
	char *text, err[256];
	size_t len;

	for (int i = 0; i < 3; i++)
		memset(d[i], 0x33 - 0x11 * i, 32); /* descending: file order is not digest order */
	assert_int_equal(
		eg_catalog_build_content((const unsigned char(*)[32])d, names, 3, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_int_equal(strncmp(text, H, strlen(H)), 0);
	assert_int_equal(eg_catalog_parse_content(text, len, &cat, err, sizeof(err)), 0);
	assert_int_equal(eg_catalog_count(cat), 3);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(eg_catalog_entry_at(cat, (size_t)i)->sha256, d[i], 32);
		e = eg_catalog_lookup(cat, d[i]);
		assert_non_null(e);
		assert_string_equal(e->name, names[i] ? names[i] : "");
	}
	d[0][31] ^= 1;
	assert_null(eg_catalog_lookup(cat, d[0]));
	eg_catalog_free(cat);
	free(text);

	/* Names that would break the line structure are refused by the builder. */
	names[1] = "two\nlines";
	assert_int_equal(
		eg_catalog_build_content((const unsigned char(*)[32])d, names, 3, &text, &len),
		-EINVAL);
	names[1] = "cr\r";
	assert_int_equal(
		eg_catalog_build_content((const unsigned char(*)[32])d, names, 3, &text, &len),
		-EINVAL);
	/* No entries: a header alone. */
	assert_int_equal(eg_catalog_build_content(NULL, NULL, 0, &text, &len), 0);
	assert_string_equal(text, H);
	free(text);
}

static void bounds_line_length_and_entry_count(void **state)
{
	size_t n = EG_CATALOG_MAX_ENTRIES + 1, line = strlen(D1) + 1, len;
	struct eg_catalog *cat;
	char *text, err[256];
	unsigned char d[1][32] = {{0}};
	char *longname;

	/* A line of exactly the maximum is fine, one byte more is not. */
	longname = malloc(EG_CATALOG_MAX_LINE + 2);
	assert_non_null(longname);
	memset(longname, 'n', EG_CATALOG_MAX_LINE);
	longname[EG_CATALOG_MAX_LINE - line - 2] = '\0'; /* D1 + "  " + name + "\n" == max */
	assert_int_equal(eg_catalog_build_content((const unsigned char(*)[32])d,
						  (const char *const *)&longname, 1, &text, &len),
			 0);
	assert_int_equal(eg_catalog_parse_content(text, len, &cat, err, sizeof(err)), 0);
	eg_catalog_free(cat);
	free(text);
	longname[EG_CATALOG_MAX_LINE - line - 2] = 'n';
	longname[EG_CATALOG_MAX_LINE - line - 1] = '\0';
	assert_int_equal(eg_catalog_build_content((const unsigned char(*)[32])d,
						  (const char *const *)&longname, 1, &text, &len),
			 -ENAMETOOLONG);
	len = strlen(H) + strlen(D1) + 2 + strlen(longname) + 1;
	text = malloc(len + 1);
	assert_non_null(text);
	snprintf(text, len + 1, H D1 "  %s\n", longname);
	assert_int_equal(eg_catalog_parse_content(text, len, &cat, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "longer than"));
	free(text);
	free(longname);

	/* One entry more than the bound. */
	len = strlen(H) + n * line;
	text = malloc(len);
	assert_non_null(text);
	memcpy(text, H, strlen(H));
	for (size_t i = 0; i < n; i++) {
		memcpy(text + strlen(H) + i * line, D1, line - 1);
		text[strlen(H) + i * line + line - 1] = '\n';
	}
	assert_int_equal(eg_catalog_parse_content(text, len, &cat, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "entries"));
	assert_int_equal(eg_catalog_parse_content(text, len - line, &cat, err, sizeof(err)), 0);
	assert_int_equal(eg_catalog_count(cat), EG_CATALOG_MAX_ENTRIES);
	eg_catalog_free(cat);
	free(text);
}

static void catalog_file_that_is_not_cms(void **state)
{
	struct eg_catalog *cat;
	char err[256];

	assert_int_equal(eg_catalog_read_mem(H, strlen(H), &cat, err, sizeof(err)), -EBADMSG);
	assert_int_equal(eg_catalog_read("/nonexistent/cat", &cat, err, sizeof(err)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(texts_accepted_and_refused),
		cmocka_unit_test(v2_texts_accepted_and_refused),
		cmocka_unit_test(v2_build_and_parse_round_trip),
		cmocka_unit_test(a_nul_inside_a_name_is_refused),
		cmocka_unit_test(build_and_parse_round_trip),
		cmocka_unit_test(bounds_line_length_and_entry_count),
		cmocka_unit_test(catalog_file_that_is_not_cms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
