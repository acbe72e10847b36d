// SPDX-License-Identifier: GPL-2.0
/*
 * What `catalog create --from-dpkg/--from-deb` reads from dpkg and apt: control stanzas
 * (status, Packages, Release, InRelease), PKG.md5sums lines and the status file's
 * Conffiles lines; and the same bytes as
 * catalog text (v1 and v2, with its sources) put in a catalog store and looked up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eg_catstore.h"
#include "eg_pkgdb.h"
#include "eg_verify_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct eg_catstore_match m[4];
	struct eg_catstore *store;
	struct eg_catalog *cat;
	struct eg_stanza st;
	unsigned char md5[16];
	const char *v, *path;
	size_t pos = 0, l, plen, prev;
	char err[256], prov[EG_PROVENANCE_MAX];

	while (eg_stanza_next(text, size, &pos, &st) == 1) {
		if (pos > size)
			abort();
		if (eg_stanza_get(&st, "SHA256", &v, &l) && (v < text || v + l > text + size))
			abort();
	}
	pos = 0;
	for (prev = 0; eg_dpkg_md5sums_next(text, size, &pos, md5, &path, &plen) == 1; prev = pos)
		if (pos <= prev || path + plen > text + size)
			abort();
	pos = 0;
	for (prev = 0; eg_dpkg_conffiles_next(text, size, &pos, md5, &path, &plen) == 1; prev = pos)
		if (pos <= prev || path < text || path + plen > text + size || *path != '/')
			abort();
	if (eg_catalog_parse_content(text, size, &cat, err, sizeof(err)) == 0) {
		size_t n = eg_catalog_count(cat);
		unsigned char first[EG_SHA256_LEN];
		uint32_t source = 0;

		if (n) {
			memcpy(first, eg_catalog_entry_at(cat, 0)->sha256, EG_SHA256_LEN);
			source = eg_catalog_entry_at(cat, 0)->source;
		}
		if (eg_catstore_new(&store))
			abort();
		if (eg_catstore_add(store, cat)) {
			eg_catalog_free(cat);
		} else if (n) {
			if (eg_catstore_lookup(store, first, m, 4) != 1 || m[0].source != source)
				abort();
			if (m[0].source)
				eg_catalog_provenance(eg_catalog_source_at(m[0].cat, m[0].source),
						      prov, sizeof(prov));
		}
		eg_catstore_free(store);
	}
	return 0;
}
