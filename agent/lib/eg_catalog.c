// SPDX-License-Identifier: GPL-2.0
/*
 * Catalogs: a signed list of file digests.  The text format (docs/signature-format.md) is
 * strict: one header line, then one "sha256:<64 lowercase hex>[  name]" line per file,
 * every line ending in "\n".  Anything else is refused rather than guessed at, so two
 * readers can never disagree about what a catalog lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "eg_verify_internal.h"

static const char hexdig[] = "0123456789abcdef";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *eg_sha256_hex(const unsigned char sha256[EG_SHA256_LEN], char *buf)
{
	for (int i = 0; i < EG_SHA256_LEN; i++) {
		buf[2 * i] = hexdig[sha256[i] >> 4];
		buf[2 * i + 1] = hexdig[sha256[i] & 15];
	}
	buf[2 * EG_SHA256_LEN] = '\0';
	return buf;
}

int eg_catalog_build_content(const unsigned char (*digests)[EG_SHA256_LEN],
			     const char *const *names, size_t n, char **ret_text, size_t *ret_len)
{
	size_t cap = sizeof(EG_CATALOG_HEADER) + 1, len = 0;
	char *text;

	if (n > EG_CATALOG_MAX_ENTRIES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const char *name = names && names[i] ? names[i] : "";
		size_t line = 7 + 2 * EG_SHA256_LEN + (*name ? 2 + strlen(name) : 0) + 1;

		if (strpbrk(name, "\n\r"))
			return -EINVAL;
		if (line > EG_CATALOG_MAX_LINE)
			return -ENAMETOOLONG;
		cap += line;
	}
	text = malloc(cap + 1);
	if (!text)
		return -ENOMEM;
	len = (size_t)sprintf(text, "%s\n", EG_CATALOG_HEADER);
	for (size_t i = 0; i < n; i++) {
		const char *name = names && names[i] ? names[i] : "";
		char hex[2 * EG_SHA256_LEN + 1];

		len += (size_t)sprintf(text + len, "sha256:%s%s%s\n",
				       eg_sha256_hex(digests[i], hex), *name ? "  " : "", name);
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}

static int index_cmp(const void *a, const void *b, void *entries)
{
	const struct eg_catalog_entry *e = entries;

	return memcmp(e[*(const size_t *)a].sha256, e[*(const size_t *)b].sha256, EG_SHA256_LEN);
}

void eg_catalog_free(struct eg_catalog *cat)
{
	if (!cat)
		return;
	CMS_ContentInfo_free(cat->cms);
	free(cat->entries);
	free(cat->by_digest);
	free(cat->names);
	free(cat->path);
	free(cat);
}

static int parse_line(const char *line, size_t len, struct eg_catalog_entry *e)
{
	if (len < 7 + 2 * EG_SHA256_LEN || memcmp(line, "sha256:", 7))
		return -EBADMSG;
	for (int i = 0; i < EG_SHA256_LEN; i++) {
		int hi = hexval(line[7 + 2 * i]), lo = hexval(line[8 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -EBADMSG;
		e->sha256[i] = (unsigned char)(hi << 4 | lo);
	}
	line += 7 + 2 * EG_SHA256_LEN;
	len -= 7 + 2 * EG_SHA256_LEN;
	if (!len) {
		e->name = line; /* points at the NUL that replaced '\n' */
		return 0;
	}
	if (len < 3 || line[0] != ' ' || line[1] != ' ')
		return -EBADMSG;
	for (size_t i = 2; i < len; i++)
		if (line[i] == '\0' || line[i] == '\r')
			return -EBADMSG;
	e->name = line + 2;
	return 0;
}

int eg_catalog_parse_content(const char *text, size_t len, struct eg_catalog **ret, char *errbuf,
			     size_t errlen)
{
	struct eg_catalog *cat = calloc(1, sizeof(*cat));
	size_t hlen = strlen(EG_CATALOG_HEADER), cap = 0, lineno = 1, pos;
	int r = -EBADMSG;

	if (!cat)
		return -ENOMEM;
	if (len > EG_CATALOG_MAX_SIZE) {
		eg_errf(errbuf, errlen, "catalog content too large");
		goto fail;
	}
	cat->names = malloc(len + 1);
	if (!cat->names) {
		r = -ENOMEM;
		goto fail;
	}
	memcpy(cat->names, text, len);
	cat->names[len] = '\0';
	if (len < hlen + 1 || memcmp(text, EG_CATALOG_HEADER, hlen) || text[hlen] != '\n') {
		eg_errf(errbuf, errlen, "catalog line 1: expected \"%s\"", EG_CATALOG_HEADER);
		goto fail;
	}
	for (pos = hlen + 1; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen;

		lineno++;
		if (!nl) {
			eg_errf(errbuf, errlen, "catalog line %zu: no final newline", lineno);
			goto fail;
		}
		llen = (size_t)(nl - (text + pos));
		if (llen + 1 > EG_CATALOG_MAX_LINE) {
			eg_errf(errbuf, errlen, "catalog line %zu: longer than %d bytes", lineno,
				EG_CATALOG_MAX_LINE);
			goto fail;
		}
		if (cat->n == EG_CATALOG_MAX_ENTRIES) {
			eg_errf(errbuf, errlen, "catalog: more than %d entries",
				EG_CATALOG_MAX_ENTRIES);
			goto fail;
		}
		if (cat->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(cat->entries, ncap * sizeof(*cat->entries));

			if (!p) {
				r = -ENOMEM;
				goto fail;
			}
			cat->entries = p;
			cap = ncap;
		}
		cat->names[pos + llen] = '\0';
		if (parse_line(cat->names + pos, llen, &cat->entries[cat->n])) {
			eg_errf(errbuf, errlen,
				"catalog line %zu: expected \"sha256:<64 lowercase hex>[  name]\"",
				lineno);
			goto fail;
		}
		cat->n++;
		pos += llen + 1;
	}
	cat->by_digest = malloc((cat->n ? cat->n : 1) * sizeof(*cat->by_digest));
	if (!cat->by_digest) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cat->n; i++)
		cat->by_digest[i] = i;
	qsort_r(cat->by_digest, cat->n, sizeof(*cat->by_digest), index_cmp, cat->entries);
	*ret = cat;
	return 0;
fail:
	eg_catalog_free(cat);
	return r;
}

int eg_catalog_read_mem(const void *buf, size_t len, struct eg_catalog **ret, char *errbuf,
			size_t errlen)
{
	CMS_ContentInfo *cms = NULL;
	ASN1_OCTET_STRING **content;
	int r;

	if (len > EG_CATALOG_MAX_SIZE) {
		eg_errf(errbuf, errlen, "catalog file too large");
		return -EFBIG;
	}
	r = eg_cms_parse(buf, len, true, false, &cms, errbuf, errlen);
	if (r < 0)
		return r;
	content = CMS_get0_content(cms);
	if (!content || !*content) {
		eg_errf(errbuf, errlen, "catalog CMS has no content");
		r = -EBADMSG;
		goto out;
	}
	r = eg_catalog_parse_content((const char *)ASN1_STRING_get0_data(*content),
				     (size_t)ASN1_STRING_length(*content), ret, errbuf, errlen);
	if (r < 0)
		goto out;
	(*ret)->cms = cms;
	cms = NULL;
out:
	CMS_ContentInfo_free(cms);
	return r;
}

int eg_catalog_read(const char *path, struct eg_catalog **ret, char *errbuf, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int r;

	r = eg_read_file(path, EG_CATALOG_MAX_SIZE, &buf, &len);
	if (r < 0) {
		eg_errf(errbuf, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = eg_catalog_read_mem(buf, len, ret, errbuf, errlen);
	free(buf);
	if (r < 0)
		return r;
	(*ret)->path = strdup(path);
	if (!(*ret)->path) {
		eg_catalog_free(*ret);
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

size_t eg_catalog_count(const struct eg_catalog *cat)
{
	return cat->n;
}

const struct eg_catalog_entry *eg_catalog_entry_at(const struct eg_catalog *cat, size_t i)
{
	return i < cat->n ? &cat->entries[i] : NULL;
}

const struct eg_catalog_entry *eg_catalog_lookup(const struct eg_catalog *cat,
						 const unsigned char sha256[EG_SHA256_LEN])
{
	size_t lo = 0, hi = cat->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct eg_catalog_entry *e = &cat->entries[cat->by_digest[mid]];
		int c = memcmp(sha256, e->sha256, EG_SHA256_LEN);

		if (!c)
			return e;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
