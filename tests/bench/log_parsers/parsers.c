// SPDX-License-Identifier: GPL-2.0
/* How fast each JSON candidate reads the lines of one log (tests/bench/log_parsers.sh):
 * jansson's tree (the reference), yajl without callbacks (validation only: its floor),
 * simdjson's DOM (C++, parsers.cc), and execgate's scanner (eg_log_rec_parse, which also
 * fills the record).  Prints CANDIDATE SECONDS for one pass over FILE in memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_parse.h>

#include "log_read.h"

double simdjson_pass(const char *buf, size_t len, size_t *ok);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb");
	size_t len, ok;
	char *buf;
	double t;

	if (!f)
		return 2;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	if (!buf || fread(buf, 1, len, f) != len)
		return 2;
	buf[len] = 0;

#define EACH_LINE(body)                                                              \
	do {                                                                         \
		ok = 0;                                                              \
		t = now();                                                           \
		for (char *p = buf, *nl; (nl = memchr(p, '\n', buf + len - p)); p = nl + 1) { \
			size_t n = nl - p;                                           \
			body;                                                        \
		}                                                                    \
		t = now() - t;                                                       \
	} while (0)

	EACH_LINE({
		json_t *j = json_loadb(p, n, 0, NULL);
		ok += j != NULL;
		json_decref(j);
	});
	printf("jansson-tree %.3f %zu\n", t, ok);
	EACH_LINE({
		struct eg_log_rec r;
		if (!eg_log_rec_parse_tree(p, n, &r)) {
			ok++;
			eg_log_rec_release(&r);
		}
	});
	printf("jansson-record %.3f %zu\n", t, ok);
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	EACH_LINE({
		yajl_handle y = yajl_alloc(NULL, NULL, NULL);
		ok += yajl_parse(y, (unsigned char *)p, n) == yajl_status_ok &&
		      yajl_complete_parse(y) == yajl_status_ok;
		yajl_free(y);
	});
	yajl_free(h);
	printf("yajl-validate %.3f %zu\n", t, ok);
	t = simdjson_pass(buf, len, &ok);
	printf("simdjson-dom %.3f %zu\n", t, ok);
	EACH_LINE({
		struct eg_log_rec r;
		if (!eg_log_rec_parse(p, n, &r)) {
			ok++;
			eg_log_rec_release(&r);
		}
	});
	printf("scanner-record %.3f %zu\n", t, ok);
	return 0;
}
