// SPDX-License-Identifier: GPL-2.0
/*
 * Catalogs: a signed list of file digests.  The text format (docs/signature-format.md) is
 * strict: one header line, then one "sha256:<64 lowercase hex>[  name]" line per file,
 * every line ending in "\n".  Anything else is refused rather than guessed at, so two
 * readers can never disagree about what a catalog lists.  Version 2 adds "source" lines
 * (a package's provenance, fields percent-encoded so each is one space-free token) before
 * the entries, and a source number after each digest; a v1 reader stops at its header.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

/* ---- source fields: one token each, percent-encoded -------------------------------- */

/* Bytes a source field spells as %xx: space, controls, DEL, '%' and non-ASCII. */
static bool field_escaped(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '%';
}

/* Length of FIELD encoded ("-" for an empty one, "%2d" for a lone "-"). */
static size_t field_enc_len(const char *f)
{
	size_t n = 0;

	if (!*f || !strcmp(f, "-"))
		return *f ? 3 : 1;
	for (; *f; f++)
		n += field_escaped((unsigned char)*f) ? 3 : 1;
	return n;
}

static size_t field_encode(const char *f, char *out)
{
	size_t n = 0;

	if (!*f)
		return (size_t)sprintf(out, "-");
	if (!strcmp(f, "-"))
		return (size_t)sprintf(out, "%%2d");
	for (; *f; f++) {
		unsigned char c = (unsigned char)*f;

		if (field_escaped(c)) {
			out[n++] = '%';
			out[n++] = hexdig[c >> 4];
			out[n++] = hexdig[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

/* Decode the token TOK in place; refuses what field_encode() would not have written. */
static int field_decode(char *tok, bool may_be_empty)
{
	char *w = tok;

	if (!strcmp(tok, "-")) {
		if (!may_be_empty)
			return -EBADMSG;
		*tok = '\0';
		return 0;
	}
	if (!strcmp(tok, "%2d")) {
		strcpy(tok, "-");
		return 0;
	}
	if (!*tok)
		return -EBADMSG;
	for (const char *r = tok; *r; r++) {
		int hi, lo, c;

		if (*r != '%') {
			if (field_escaped((unsigned char)*r))
				return -EBADMSG;
			*w++ = *r;
			continue;
		}
		hi = hexval(r[1]);
		lo = hi < 0 ? -1 : hexval(r[2]);
		if (lo < 0)
			return -EBADMSG;
		c = hi << 4 | lo;
		if (!field_escaped((unsigned char)c) || c == 0 || c == '\n' || c == '\r')
			return -EBADMSG;
		*w++ = (char)c;
		r += 2;
	}
	*w = '\0';
	return 0;
}

static bool field_ok(const char *f, bool may_be_empty)
{
	return f && (may_be_empty || *f) && !strpbrk(f, "\n\r");
}

/* ---- the builder ---------------------------------------------------------------------- */

struct builder_entry {
	unsigned char sha256[EG_SHA256_LEN];
	uint32_t source;
	char *name;
};

struct eg_catalog_builder {
	struct eg_catalog_source *sources;
	size_t nsources, cap_sources;
	struct builder_entry *entries;
	size_t n, cap;
};

int eg_catalog_builder_new(struct eg_catalog_builder **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static void source_free(struct eg_catalog_source *s)
{
	free((char *)s->package);
	free((char *)s->version);
	free((char *)s->arch);
	free((char *)s->origin);
	free((char *)s->suite);
	free((char *)s->component);
}

void eg_catalog_builder_free(struct eg_catalog_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsources; i++)
		source_free(&b->sources[i]);
	for (size_t i = 0; i < b->n; i++)
		free(b->entries[i].name);
	free(b->sources);
	free(b->entries);
	free(b);
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	q = realloc(*p, ncap * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

int eg_catalog_builder_add_source(struct eg_catalog_builder *b, const struct eg_catalog_source *src,
				  uint32_t *ret_id)
{
	struct eg_catalog_source *s;

	if (src->kind != EG_PROV_DEB && src->kind != EG_PROV_DPKG)
		return -EINVAL;
	if (!field_ok(src->package, false) || !field_ok(src->version, false) ||
	    !field_ok(src->arch, false) || !field_ok(src->origin, true) ||
	    !field_ok(src->suite, true) || !field_ok(src->component, true))
		return -EINVAL;
	if (b->nsources == EG_CATALOG_MAX_SOURCES)
		return -E2BIG;
	if (grow((void **)&b->sources, &b->cap_sources, b->nsources, sizeof(*b->sources)))
		return -ENOMEM;
	s = &b->sources[b->nsources];
	*s = (struct eg_catalog_source){
		.kind = src->kind,
		.package = strdup(src->package),
		.version = strdup(src->version),
		.arch = strdup(src->arch),
		.origin = strdup(src->origin),
		.suite = strdup(src->suite),
		.component = strdup(src->component),
	};
	if (!s->package || !s->version || !s->arch || !s->origin || !s->suite || !s->component) {
		source_free(s);
		return -ENOMEM;
	}
	*ret_id = (uint32_t)++b->nsources;
	return 0;
}

int eg_catalog_builder_add(struct eg_catalog_builder *b, const unsigned char sha256[EG_SHA256_LEN],
			   const char *name, uint32_t source)
{
	struct builder_entry *e;

	name = name ? name : "";
	if (strpbrk(name, "\n\r") || source > b->nsources)
		return -EINVAL;
	if (b->n == EG_CATALOG_MAX_ENTRIES)
		return -E2BIG;
	if (grow((void **)&b->entries, &b->cap, b->n, sizeof(*b->entries)))
		return -ENOMEM;
	e = &b->entries[b->n];
	memcpy(e->sha256, sha256, EG_SHA256_LEN);
	e->source = source;
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	b->n++;
	return 0;
}

size_t eg_catalog_builder_count(const struct eg_catalog_builder *b)
{
	return b->n;
}

static const char *const prov_kind_names[] = {[EG_PROV_DEB] = "deb", [EG_PROV_DPKG] = "dpkg"};

int eg_catalog_builder_text(const struct eg_catalog_builder *b, char **ret_text, size_t *ret_len)
{
	bool v2 = b->nsources > 0;
	size_t cap = sizeof(EG_CATALOG_HEADER_V2) + 1, len;
	char *text;

	for (size_t i = 0; i < b->nsources; i++) {
		const struct eg_catalog_source *s = &b->sources[i];
		size_t line = 7 + 11 + 5 + field_enc_len(s->package) + field_enc_len(s->version) +
			      field_enc_len(s->arch) + field_enc_len(s->origin) +
			      field_enc_len(s->suite) + field_enc_len(s->component) + 7;

		if (line > EG_CATALOG_MAX_LINE)
			return -ENAMETOOLONG;
		cap += line;
	}
	for (size_t i = 0; i < b->n; i++) {
		size_t nlen = strlen(b->entries[i].name);
		size_t line = 7 + 2 * EG_SHA256_LEN + (v2 ? 11 : 0) + (nlen ? 2 + nlen : 0) + 1;

		if (line > EG_CATALOG_MAX_LINE)
			return -ENAMETOOLONG;
		cap += line;
	}
	text = malloc(cap + 1);
	if (!text)
		return -ENOMEM;
	len = (size_t)sprintf(text, "%s\n", v2 ? EG_CATALOG_HEADER_V2 : EG_CATALOG_HEADER);
	for (size_t i = 0; i < b->nsources; i++) {
		const struct eg_catalog_source *s = &b->sources[i];
		const char *f[] = {s->package, s->version, s->arch,
				   s->origin,  s->suite,   s->component};

		len += (size_t)sprintf(text + len, "source %zu %s", i + 1,
				       prov_kind_names[s->kind]);
		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++) {
			text[len++] = ' ';
			len += field_encode(f[j], text + len);
		}
		text[len++] = '\n';
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct builder_entry *e = &b->entries[i];
		char hex[2 * EG_SHA256_LEN + 1], src[16] = "";

		if (v2)
			snprintf(src, sizeof(src), " %u", e->source);
		len += (size_t)sprintf(text + len, "sha256:%s%s%s%s\n",
				       eg_sha256_hex(e->sha256, hex), src, *e->name ? "  " : "",
				       e->name);
	}
	text[len] = '\0';
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
	free(cat->sources);
	free(cat->path);
	free(cat);
}

/* A decimal number without leading zeros, at most MAX; its length in *RET_LEN. */
static int parse_number(const char *p, size_t len, uint32_t max, uint32_t *ret, size_t *ret_len)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && i < 10 && p[i] >= '0' && p[i] <= '9')
		v = v * 10 + (uint64_t)(p[i++] - '0');
	if (!i || (i > 1 && p[0] == '0') || v > max)
		return -EBADMSG;
	*ret = (uint32_t)v;
	*ret_len = i;
	return 0;
}

/* "sha256:<hex>[ <source>][  name]", the source number present exactly in v2. */
static int parse_line(const char *line, size_t len, bool v2, size_t nsources,
		      struct eg_catalog_entry *e)
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
	e->source = 0;
	if (v2) {
		size_t n;

		if (len < 2 || line[0] != ' ' ||
		    parse_number(line + 1, len - 1, (uint32_t)nsources, &e->source, &n))
			return -EBADMSG;
		line += 1 + n;
		len -= 1 + n;
	}
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

/* "source <n> deb|dpkg <package> <version> <arch> <origin> <suite> <component>", fields
 * decoded in place (LINE is NUL-terminated and writable). */
static int parse_source(char *line, size_t len, size_t n, struct eg_catalog_source *s)
{
	char *tok[9], *p = line;
	uint32_t id;
	size_t nlen;
	int ntok = 0;

	if (memchr(line, '\0', len))
		return -EBADMSG;
	for (;;) {
		char *sp = strchr(p, ' ');

		if (ntok == 9)
			return -EBADMSG;
		tok[ntok++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	if (ntok != 9 || strcmp(tok[0], "source") ||
	    parse_number(tok[1], strlen(tok[1]), UINT32_MAX, &id, &nlen) || tok[1][nlen] ||
	    id != n + 1)
		return -EBADMSG;
	if (!strcmp(tok[2], "deb"))
		s->kind = EG_PROV_DEB;
	else if (!strcmp(tok[2], "dpkg"))
		s->kind = EG_PROV_DPKG;
	else
		return -EBADMSG;
	for (int i = 3; i < 9; i++)
		if (field_decode(tok[i], i >= 6))
			return -EBADMSG;
	s->package = tok[3];
	s->version = tok[4];
	s->arch = tok[5];
	s->origin = tok[6];
	s->suite = tok[7];
	s->component = tok[8];
	return 0;
}

int eg_catalog_parse_content(const char *text, size_t len, struct eg_catalog **ret, char *errbuf,
			     size_t errlen)
{
	struct eg_catalog *cat = calloc(1, sizeof(*cat));
	size_t hlen = strlen(EG_CATALOG_HEADER), cap = 0, cap_sources = 0, lineno = 1, pos;
	bool v2;
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
	/* Both headers have the same length: only the version differs. */
	v2 = len > hlen && !memcmp(text, EG_CATALOG_HEADER_V2, hlen) && text[hlen] == '\n';
	if (!v2 &&
	    (len < hlen + 1 || memcmp(text, EG_CATALOG_HEADER, hlen) || text[hlen] != '\n')) {
		eg_errf(errbuf, errlen, "catalog line 1: expected \"%s\" or \"%s\"",
			EG_CATALOG_HEADER, EG_CATALOG_HEADER_V2);
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
		cat->names[pos + llen] = '\0';
		/* Sources come first: once an entry is read, "source" is no longer a keyword. */
		if (v2 && !cat->n && llen >= 7 && !memcmp(text + pos, "source ", 7)) {
			if (cat->nsources == EG_CATALOG_MAX_SOURCES) {
				eg_errf(errbuf, errlen, "catalog: more than %d sources",
					EG_CATALOG_MAX_SOURCES);
				goto fail;
			}
			if (grow((void **)&cat->sources, &cap_sources, cat->nsources,
				 sizeof(*cat->sources))) {
				r = -ENOMEM;
				goto fail;
			}
			if (parse_source(cat->names + pos, llen, cat->nsources,
					 &cat->sources[cat->nsources])) {
				eg_errf(errbuf, errlen,
					"catalog line %zu: expected \"source %zu deb|dpkg PACKAGE "
					"VERSION ARCH ORIGIN SUITE COMPONENT\"",
					lineno, cat->nsources + 1);
				goto fail;
			}
			cat->nsources++;
			pos += llen + 1;
			continue;
		}
		if (cat->n == EG_CATALOG_MAX_ENTRIES) {
			eg_errf(errbuf, errlen, "catalog: more than %d entries",
				EG_CATALOG_MAX_ENTRIES);
			goto fail;
		}
		if (grow((void **)&cat->entries, &cap, cat->n, sizeof(*cat->entries))) {
			r = -ENOMEM;
			goto fail;
		}
		if (parse_line(cat->names + pos, llen, v2, cat->nsources, &cat->entries[cat->n])) {
			if (v2)
				eg_errf(errbuf, errlen,
					"catalog line %zu: expected \"sha256:<64 lowercase hex> "
					"SOURCE[  name]\" with SOURCE 0 to %zu",
					lineno, cat->nsources);
			else
				eg_errf(errbuf, errlen,
					"catalog line %zu: expected \"sha256:<64 lowercase hex>"
					"[  name]\"",
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
	struct stat st;
	size_t len;
	int r;

	r = eg_read_file_stat(path, EG_CATALOG_MAX_SIZE, &buf, &len, &st);
	if (r < 0) {
		eg_errf(errbuf, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = eg_catalog_read_mem(buf, len, ret, errbuf, errlen);
	free(buf);
	if (r < 0)
		return r;
	(*ret)->file = st;
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

const struct eg_catalog_source *eg_catalog_source_at(const struct eg_catalog *cat, uint32_t id)
{
	return id >= 1 && id <= cat->nsources ? &cat->sources[id - 1] : NULL;
}

void eg_catalog_provenance(const struct eg_catalog_source *src, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s %s, ", src->package, src->version, src->arch);

	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	if (src->kind == EG_PROV_DPKG)
		snprintf(buf, len, "installed before execgate, checked against dpkg's md5sums");
	else if (!src->origin[0] && !src->suite[0])
		snprintf(buf, len, "from a .deb that no signed apt index lists");
	else
		snprintf(buf, len, "%s %s%s%s", src->origin[0] ? src->origin : "(no origin)",
			 src->suite, src->component[0] ? "/" : "", src->component);
}

int eg_catalog_compact(struct eg_catalog *cat)
{
	size_t len = 0, off = 0;
	ASN1_OCTET_STRING **content;
	char *pool;

	for (size_t i = 0; i < cat->nsources; i++) {
		const struct eg_catalog_source *src = &cat->sources[i];

		len += strlen(src->package) + strlen(src->version) + strlen(src->arch) +
		       strlen(src->origin) + strlen(src->suite) + strlen(src->component) + 6;
	}
	pool = malloc(len ? len : 1);
	if (!pool)
		return -ENOMEM;
	for (size_t i = 0; i < cat->nsources; i++) {
		struct eg_catalog_source *src = &cat->sources[i];
		const char **f[] = {&src->package, &src->version, &src->arch,
				    &src->origin,  &src->suite,	  &src->component};

		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++) {
			size_t l = strlen(*f[j]) + 1;

			memcpy(pool + off, *f[j], l);
			*f[j] = pool + off;
			off += l;
		}
	}
	free(cat->names);
	cat->names = pool;
	free(cat->entries);
	cat->entries = NULL;
	free(cat->by_digest);
	cat->by_digest = NULL;
	cat->n = 0;
	/* The signature was verified when the catalog was added; only the signer is read
	 * again (chain and revocation at each lookup). */
	content = cat->cms ? CMS_get0_content(cat->cms) : NULL;
	if (content && *content)
		ASN1_OCTET_STRING_set(*content, (const unsigned char *)"", 0);
	return 0;
}
