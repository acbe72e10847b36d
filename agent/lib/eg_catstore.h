/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_CATSTORE_H
#define EXECGATE_EG_CATSTORE_H

/*
 * The catalogs a verifier trusts, as one table: "which catalogs list this SHA-256" in
 * constant time whatever the number of entries.
 *
 * One open-addressing table (linear probing) of 36-byte slots: the 32-byte digest and a
 * 4-byte reference, catalog slot (high 8 bits, 1-based: 0 is an empty slot) and source
 * number (low 24 bits, 0: none).  The load factor stays between 0.35 and 0.8 (the table
 * is rebuilt at twice the entries when it passes 0.8), so a table costs 45 to 103 bytes
 * per entry, about 60 on average; each catalog keeps only its CMS (without the listed
 * text), its path and its provenance table (eg_catalog_compact()).  Measured by
 * tests/bench/catalog_bench.sh.
 *
 * Threads: lookups (eg_catstore_read_lock() ... unlock) run concurrently; add and
 * remove take the write lock, so a catalog may come and go while files are verified.
 * A catalog returned by a lookup stays valid until the read lock is released.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "eg_verify.h"

#define EG_CATSTORE_MAX_CATALOGS 255

struct eg_catstore;

struct eg_catstore_match {
	struct eg_catalog *cat;
	uint32_t source; /* eg_catalog_source_at(cat, source); 0: none */
};

int eg_catstore_new(struct eg_catstore **ret);
/* Frees every catalog in it.  Accepts NULL. */
void eg_catstore_free(struct eg_catstore *s);

/* Insert every entry of CAT and take it (compacted) on success; on failure the caller
 * keeps CAT.  -ENOSPC: EG_CATSTORE_MAX_CATALOGS already; -EEXIST: a catalog with the
 * same path is in the store (remove it first). */
int eg_catstore_add(struct eg_catstore *s, struct eg_catalog *cat);
/* Drop the catalog read from PATH and its entries.  -ENOENT when none.  LISTED (may be
 * NULL) is called with each digest it listed, under the write lock. */
int eg_catstore_remove(struct eg_catstore *s, const char *path, eg_digest_fn *listed, void *ctx);
/* Put CAT in place of the catalog of the same path (or beside the others when there is
 * none), in one step under the write lock: no lookup sees neither.  LISTED (may be NULL)
 * is called, under the write lock, with each digest the old catalog listed and each CAT
 * lists.  On failure the old one may be gone and the caller keeps CAT. */
int eg_catstore_replace(struct eg_catstore *s, struct eg_catalog *cat, eg_digest_fn *listed,
			void *ctx);
/* The status of the file the catalog of PATH was read from; -ENOENT when none. */
int eg_catstore_file(struct eg_catstore *s, const char *path, struct stat *ret);
/* The paths of every catalog in the store (each and the array to free). */
int eg_catstore_paths(struct eg_catstore *s, char ***ret, size_t *ret_n);

void eg_catstore_read_lock(struct eg_catstore *s);
void eg_catstore_read_unlock(struct eg_catstore *s);
/* Under the read lock: the catalogs listing SHA256, in the order they were added, at
 * most MAX of them into OUT; returns how many. */
size_t eg_catstore_lookup(struct eg_catstore *s, const unsigned char sha256[EG_SHA256_LEN],
			  struct eg_catstore_match *out, size_t max);

size_t eg_catstore_entries(struct eg_catstore *s);
size_t eg_catstore_catalogs(struct eg_catstore *s);

#endif
