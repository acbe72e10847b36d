// SPDX-License-Identifier: GPL-2.0
/*
 * A .deb as `catalog create --from-deb` and the APT hook read it (catsrc_deb_mem(), in
 * tools/catalog_sources.c): the ar archive, debian-binary, the control and data tars
 * through each compression dpkg accepts, ./control's fields; then the catalog text built
 * from what it listed, which must parse back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog_sources.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The reader names what it refuses on stdio's stderr, a line per input: not for the
	 * log.  glibc's stderr is a variable; sanitizer reports write to descriptor 2, and
	 * libFuzzer prints through the stream it took before this runs. */
	FILE *null = fopen("/dev/null", "w");

	if (null)
		stderr = null;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_catalog_builder *b;
	struct catsrc_ctx c = { .b = NULL };
	struct eg_catalog *cat;
	char *text, err[256];
	size_t len;

	if (eg_catalog_builder_new(&b))
		return 0;
	c.b = b;
	if (catsrc_deb_mem(&c, "fuzz.deb", data, size) == 0 && eg_catalog_builder_count(b) &&
	    eg_catalog_builder_text(b, &text, &len) == 0) {
		if (eg_catalog_parse_content(text, len, &cat, err, sizeof(err)))
			abort();
		if (eg_catalog_count(cat) != eg_catalog_builder_count(b))
			abort();
		eg_catalog_free(cat);
		free(text);
	}
	eg_catalog_builder_free(b);
	return 0;
}
