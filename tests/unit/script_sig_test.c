// SPDX-License-Identifier: GPL-2.0
/*
 * The script signature block (eg_script.h): the block eg_script_block() writes is found
 * again, after the right signed bytes, with every comment marker; every malformation is
 * refused with -EBADMSG and a file with no block at its end is -ENOENT; the marker a script
 * gets comes from its "#!" line or its extension, and nothing else is guessed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "eg_script.h"

/* One DER object: SEQUENCE { INTEGER 5, OCTET STRING of 100 bytes }. */
static unsigned char der[2 + 3 + 2 + 100];

static void der_init(void)
{
	unsigned char *p = der;

	*p++ = 0x30;
	*p++ = sizeof(der) - 2;
	*p++ = 0x02, *p++ = 0x01, *p++ = 0x05;
	*p++ = 0x04, *p++ = 100;
	for (int i = 0; i < 100; i++)
		*p++ = (unsigned char)i;
}

/* CONTENT followed by a block with MARKER; malloc'd, length in *LEN. */
static char *signed_script(const char *content, const char *marker, size_t *len)
{
	size_t blen, clen = strlen(content);
	char *block = eg_script_block(marker, der, sizeof(der), &blen), *out;

	assert_non_null(block);
	out = malloc(clen + blen + 1);
	assert_non_null(out);
	memcpy(out, content, clen);
	memcpy(out + clen, block, blen);
	out[clen + blen] = 0;
	*len = clen + blen;
	free(block);
	return out;
}

static int find(const char *buf, size_t len, struct eg_elf_sig *sig, unsigned char **ret_der)
{
	char err[256];

	return eg_script_find_sig_mem((const unsigned char *)buf, len, len, sig, ret_der, err,
				      sizeof(err));
}

static void each_marker_round_trips(void **state)
{
	const char *const markers[] = {"#", "//", "--"};
	const char *content = "#!/bin/sh\necho hi\n";
	struct eg_elf_sig sig;
	unsigned char *found;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *s = signed_script(content, markers[i], &len);

		assert_int_equal(find(s, len, &sig, &found), 0);
		assert_int_equal(sig.offset, strlen(content));
		assert_int_equal(sig.size, len - strlen(content));
		assert_int_equal(sig.file_size, len);
		assert_int_equal(sig.der_len, sizeof(der));
		assert_memory_equal(found, der, sizeof(der));
		free(found);
		free(s);
	}
	/* An empty script: the block is the whole file. */
	{
		size_t len;
		char *s = signed_script("", "#", &len);

		assert_int_equal(find(s, len, &sig, NULL), 0);
		assert_int_equal(sig.offset, 0);
		free(s);
	}
}

static void no_block_is_enoent(void **state)
{
	struct eg_elf_sig sig;
	size_t len;
	char *s = signed_script("echo hi\n", "#", &len), *t;

	(void)state;
	assert_int_equal(find("echo hi\n", 8, &sig, NULL), -ENOENT);
	assert_int_equal(find("", 0, &sig, NULL), -ENOENT);
	/* The END line without its newline, or anything after it. */
	assert_int_equal(find(s, len - 1, &sig, NULL), -ENOENT);
	t = malloc(len + 6);
	memcpy(t, s, len);
	memcpy(t + len, "echo\n", 5);
	assert_int_equal(find(t, len + 5, &sig, NULL), -ENOENT);
	free(t);
	free(s);
}

/* S with the first occurrence of FROM replaced by TO (same length). */
static void patch(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);

	assert_non_null(p);
	memcpy(p, to, strlen(to));
}

static void malformations_are_ebadmsg(void **state)
{
	const char *content = "echo hi\n";
	struct eg_elf_sig sig;
	char err[256];
	size_t len;
	char *s;

	(void)state;
	/* No BEGIN line. */
	s = signed_script(content, "#", &len);
	patch(s, "BEGIN", "BEGAN");
	assert_int_equal(find(s, len, &sig, NULL), -EBADMSG);
	free(s);
	/* A line with another marker. */
	s = signed_script(content, "#", &len);
	patch(s, "SIGNATURE-----\n#", "SIGNATURE-----\n-");
	assert_int_equal(find(s, len, &sig, NULL), -EBADMSG);
	free(s);
	/* Not base64. */
	s = signed_script(content, "#", &len);
	patch(s, "SIGNATURE-----\n# M", "SIGNATURE-----\n# *");
	assert_int_equal(find(s, len, &sig, NULL), -EBADMSG);
	free(s);
	/* BEGIN right before END: empty. */
	s = strdup("x\n# -----BEGIN EXECGATE SIGNATURE-----\n# -----END EXECGATE SIGNATURE-----\n");
	assert_int_equal(find(s, strlen(s), &sig, NULL), -EBADMSG);
	free(s);
	/* Base64 of a wrong length, padding in the middle, a line too long. */
	s = strdup("# -----BEGIN EXECGATE SIGNATURE-----\n# MAA\n# -----END EXECGATE "
		   "SIGNATURE-----\n");
	assert_int_equal(find(s, strlen(s), &sig, NULL), -EBADMSG);
	free(s);
	s = strdup("# -----BEGIN EXECGATE SIGNATURE-----\n# MA==MAA=\n# -----END EXECGATE "
		   "SIGNATURE-----\n");
	assert_int_equal(find(s, strlen(s), &sig, NULL), -EBADMSG);
	free(s);
	s = malloc(200);
	snprintf(s, 200, "# %s\n# %080d\n# %s\n", EG_SCRIPT_BEGIN, 0, EG_SCRIPT_END);
	assert_int_equal(find(s, strlen(s), &sig, NULL), -EBADMSG);
	free(s);
	/* Not one DER object: MAA= is 30 00 then nothing; MAAw is 30 00 30 (trailing). */
	s = strdup("# -----BEGIN EXECGATE SIGNATURE-----\n# MAAw\n# -----END EXECGATE "
		   "SIGNATURE-----\n");
	assert_int_equal(find(s, strlen(s), &sig, NULL), -EBADMSG);
	free(s);
	s = strdup("# -----BEGIN EXECGATE SIGNATURE-----\n# MAA=\n# -----END EXECGATE "
		   "SIGNATURE-----\n");
	assert_int_equal(find(s, strlen(s), &sig, NULL), 0);
	assert_int_equal(sig.der_len, 2);
	free(s);
	/* The tail the reader holds does not reach the BEGIN line: too large. */
	s = signed_script(content, "#", &len);
	assert_int_equal(eg_script_find_sig_mem((unsigned char *)s + len - 60, 60, len, &sig, NULL,
						err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "limit"));
	free(s);
}

static void descriptor_reader_agrees(void **state)
{
	struct eg_elf_sig sig;
	unsigned char *found = NULL;
	char err[256];
	size_t len;
	char *s = signed_script("#!/bin/sh\n", "#", &len);
	int fd = memfd_create("script", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	assert_int_equal(eg_script_find_sig(fd, &sig, &found, err, sizeof(err)), 0);
	assert_int_equal(sig.offset, 10);
	assert_memory_equal(found, der, sizeof(der));
	free(found);
	close(fd);
	free(s);
}

static void markers_come_from_the_interpreter_or_the_extension(void **state)
{
	const struct {
		const char *path, *head, *marker;
	} cases[] = {
		{"x", "#!/bin/sh\n", "#"},
		{"x", "#! /usr/bin/python3.11 -E\n", "#"},
		{"x", "#!/usr/bin/env node\n", "//"},
		{"x", "#!/usr/bin/env -S node --flag\n", "//"},
		{"x", "#!/usr/bin/lua5.4\n", "--"},
		{"x", "#!", "#"},
		{"a.py", "import os\n", "#"},
		{"dir.d/a.js", "x\n", "//"},
		{"a.lua", "x\n", "--"},
		{"a.txt", "x\n", NULL},
		{"Makefile", "all:\n", NULL},
		{"dir.sh/x", "x\n", NULL},
		{".sh", "x\n", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *m = eg_script_marker(
			cases[i].path, (const unsigned char *)cases[i].head, strlen(cases[i].head));

		if (!cases[i].marker)
			assert_null(m);
		else
			assert_string_equal(m, cases[i].marker);
	}
	assert_null(eg_script_block("#", der, 0, &(size_t){0}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_marker_round_trips),
		cmocka_unit_test(no_block_is_enoent),
		cmocka_unit_test(malformations_are_ebadmsg),
		cmocka_unit_test(descriptor_reader_agrees),
		cmocka_unit_test(markers_come_from_the_interpreter_or_the_extension),
	};

	der_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
