// SPDX-License-Identifier: GPL-2.0
/* Readers for dpkg's and apt's files (eg_pkgdb.h). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "eg_pkgdb.h"

static size_t line_end(const char *text, size_t len, size_t pos)
{
	const char *nl = memchr(text + pos, '\n', len - pos);

	return nl ? (size_t)(nl - text) : len;
}

static bool starts(const char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && !memcmp(p, s, l);
}

int eg_stanza_next(const char *text, size_t len, size_t *pos, struct eg_stanza *st)
{
	size_t p = *pos;
	bool in = false;

	st->n = 0;
	while (p < len) {
		size_t e = line_end(text, len, p), l = e - p;
		const char *line = text + p, *colon;

		if (l && line[l - 1] == '\r')
			l--;
		if (!in && starts(line, l, "-----BEGIN PGP SIGNED MESSAGE-----")) {
			/* Armor headers ("Hash: ...") up to the first blank line. */
			while (p < len) {
				e = line_end(text, len, p);
				if (e == p || (e == p + 1 && text[p] == '\r')) {
					break;
				}
				p = e + 1;
			}
			p = e + 1;
			continue;
		}
		if (starts(line, l, "-----BEGIN PGP SIGNATURE-----")) {
			*pos = len;
			return in ? 1 : 0;
		}
		if (!l) {
			p = e + 1;
			if (in)
				break;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (!in)
				return -EBADMSG;
			if (st->n && st->n <= EG_STANZA_MAX_FIELDS)
				st->f[st->n - 1].value_len =
					(size_t)(line + l - st->f[st->n - 1].value);
			p = e + 1;
			continue;
		}
		colon = memchr(line, ':', l);
		if (!colon || colon == line || memchr(line, ' ', (size_t)(colon - line)))
			return -EBADMSG;
		in = true;
		if (st->n < EG_STANZA_MAX_FIELDS) {
			struct eg_stanza_field *f = &st->f[st->n++];

			f->name = line;
			f->name_len = (size_t)(colon - line);
			f->value = colon + 1;
			f->value_len = (size_t)(line + l - f->value);
		}
		p = e + 1;
	}
	*pos = p < len ? p : len;
	return in ? 1 : 0;
}

static const struct eg_stanza_field *field_named(const struct eg_stanza *st, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < st->n; i++)
		if (st->f[i].name_len == nl && !strncasecmp(st->f[i].name, name, nl))
			return &st->f[i];
	return NULL;
}

bool eg_stanza_get_lines(const struct eg_stanza *st, const char *name, const char **val,
			 size_t *vlen)
{
	const struct eg_stanza_field *f = field_named(st, name);

	if (!f)
		return false;
	*val = f->value;
	*vlen = f->value_len;
	return true;
}

bool eg_stanza_get(const struct eg_stanza *st, const char *name, const char **val, size_t *vlen)
{
	const struct eg_stanza_field *f = field_named(st, name);
	const char *v, *end;
	size_t l;

	if (!f)
		return false;
	v = f->value;
	end = memchr(v, '\n', f->value_len);
	l = end ? (size_t)(end - v) : f->value_len;
	while (l && (*v == ' ' || *v == '\t')) {
		v++;
		l--;
	}
	while (l && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '\r'))
		l--;
	*val = v;
	*vlen = l;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* MD5 from the 32 hex digits at HEX. */
static bool md5_from_hex(const char *hex, unsigned char md5[16])
{
	for (int i = 0; i < 16; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		md5[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

int eg_dpkg_md5sums_next(const char *text, size_t len, size_t *pos, unsigned char md5[16],
			 const char **path, size_t *plen)
{
	size_t p = *pos, e, l, skip;
	const char *line;

	if (p >= len)
		return 0;
	e = line_end(text, len, p);
	line = text + p;
	l = e - p;
	if (l < 32 + 2 || line[32] != ' ' || !md5_from_hex(line, md5))
		return -EBADMSG;
	skip = line[33] == ' ' ? 34 : 33;
	if (l <= skip || memchr(line + skip, '\0', l - skip))
		return -EBADMSG;
	*path = line + skip;
	*plen = l - skip;
	*pos = e + 1;
	return 1;
}

bool eg_dpkg_status_on_disk(const char *status, size_t len)
{
	const char *state = status + len;

	while (state > status && state[-1] != ' ' && state[-1] != '\t')
		state--;
	len -= (size_t)(state - status);
	return state > status && !(len == 13 && !memcmp(state, "not-installed", 13)) &&
	       !(len == 12 && !memcmp(state, "config-files", 12));
}

/* The last blank-separated word of LINE[0..*L): *L is cut before it (and its blanks). */
static const char *last_word(const char *line, size_t *l, size_t *wlen)
{
	size_t e = *l, b;

	while (e && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
		e--;
	b = e;
	while (b && line[b - 1] != ' ' && line[b - 1] != '\t')
		b--;
	*wlen = e - b;
	*l = b;
	return line + b;
}

int eg_dpkg_conffiles_next(const char *field, size_t len, size_t *pos, unsigned char md5[16],
			   const char **path, size_t *plen)
{
	while (*pos < len) {
		size_t p = *pos, e = line_end(field, len, p), l = e - p, wl;
		const char *line = field + p, *w;

		*pos = e + 1;
		while (l && (*line == ' ' || *line == '\t')) {
			line++;
			l--;
		}
		w = last_word(line, &l, &wl);
		if (!wl)
			continue;
		if ((wl == 8 && !memcmp(w, "obsolete", 8)) ||
		    (wl == 17 && !memcmp(w, "remove-on-upgrade", 17)))
			w = last_word(line, &l, &wl);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\t'))
			l--;
		if (!l || line[0] != '/' || memchr(line, '\0', l))
			return -EBADMSG;
		if (wl != 32 || !md5_from_hex(w, md5))
			continue;
		*path = line;
		*plen = l;
		return 1;
	}
	*pos = len;
	return 0;
}
