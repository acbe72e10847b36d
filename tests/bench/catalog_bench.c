// SPDX-License-Identifier: GPL-2.0
/*
 * The catalog store at N entries: resident memory per entry once the catalog is in the
 * store (its text dropped), and the time of one lookup (hits and misses), against
 * the old way (a binary search in each catalog's sorted index) in the same run.
 * Prints numbers; asserts nothing.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "eg_catstore.h"
#include "eg_verify_internal.h"

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, lookups = 2000000, found = 0;
	unsigned char(*d)[EG_SHA256_LEN] = malloc(n * EG_SHA256_LEN), probe[EG_SHA256_LEN];
	struct eg_catalog_builder *b;
	struct eg_catalog *cat, *sorted;
	struct eg_catstore *store;
	struct eg_catstore_match m[4];
	char *text, err[256];
	size_t len;
	long before, after;
	double t0, store_ns, bsearch_ns;

	if (!d || RAND_bytes((unsigned char *)d, (int)(n * EG_SHA256_LEN)) != 1 ||
	    eg_catalog_builder_new(&b))
		return 2;
	for (size_t i = 0; i < n; i++)
		if (eg_catalog_builder_add(b, d[i], "/usr/lib/x86_64-linux-gnu/libexample.so.1", 0))
			return 2;
	malloc_trim(0);
	before = rss_kib();
	/* What the agent does: parse, add to the store (which drops the text). */
	if (eg_catalog_builder_text(b, &text, &len) ||
	    eg_catalog_parse_content(text, len, &cat, err, sizeof(err)) ||
	    eg_catstore_new(&store) || eg_catstore_add(store, cat))
		return 2;
	free(text);
	malloc_trim(0);
	after = rss_kib();
	/* The comparison: the same catalog parsed and kept as before (sorted index). */
	if (eg_catalog_builder_text(b, &text, &len) ||
	    eg_catalog_parse_content(text, len, &sorted, err, sizeof(err)))
		return 2;
	free(text);
	eg_catalog_builder_free(b);

	t0 = now_ns();
	eg_catstore_read_lock(store);
	for (size_t i = 0; i < lookups; i++) {
		memcpy(probe, d[(i * 7919) % n], EG_SHA256_LEN);
		if (i & 1)
			probe[31] ^= 0x5a; /* a miss */
		found += eg_catstore_lookup(store, probe, m, 4);
	}
	eg_catstore_read_unlock(store);
	store_ns = (now_ns() - t0) / (double)lookups;
	t0 = now_ns();
	for (size_t i = 0; i < lookups; i++) {
		memcpy(probe, d[(i * 7919) % n], EG_SHA256_LEN);
		if (i & 1)
			probe[31] ^= 0x5a;
		found += eg_catalog_lookup(sorted, probe) != NULL;
	}
	bsearch_ns = (now_ns() - t0) / (double)lookups;
	printf("   %zu entries: store RSS %.1f MiB, %.1f bytes/entry; lookup %.0f ns (half misses),"
	       " binary search %.0f ns, ratio %.2f (%zu found)\n",
	       n, (after - before) / 1024.0, (after - before) * 1024.0 / (double)n, store_ns,
	       bsearch_ns, bsearch_ns / store_ns, found);
	eg_catstore_free(store);
	eg_catalog_free(sorted);
	free(d);
	return 0;
}
