// SPDX-License-Identifier: GPL-2.0
/* The script signature block: see eg_script.h and docs/signature-format.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>

#include "eg_script.h"

static const char *const markers[] = {"#", "//", "--"};

/* Does LINE (LEN bytes, no newline) read MARKER, a space, then TEXT? */
static bool line_is(const unsigned char *line, size_t len, const char *marker, const char *text)
{
	size_t m = strlen(marker), t = strlen(text);

	return len == m + 1 + t && !memcmp(line, marker, m) && line[m] == ' ' &&
	       !memcmp(line + m + 1, text, t);
}

static bool base64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* The base64 of lines [FROM, TO) of BUF, each MARKER, a space and 1..EG_SCRIPT_LINE base64
 * characters, decoded into a malloc'd *RET_DER. */
static int decode_lines(const unsigned char *buf, size_t from, size_t to, const char *marker,
			unsigned char **ret_der, size_t *ret_len, char *errbuf, size_t errlen)
{
	size_t m = strlen(marker), n = 0, pads = 0, pos = from;
	unsigned char *b64 = malloc(to - from + 1), *der = NULL;
	const unsigned char *p;
	long objlen;
	int tag, cls, r = -EBADMSG;

	if (!b64)
		return -ENOMEM;
	while (pos < to) {
		const unsigned char *nl = memchr(buf + pos, '\n', to - pos);
		size_t len = (size_t)(nl - (buf + pos));

		if (len < m + 2 || len > m + 1 + EG_SCRIPT_LINE || memcmp(buf + pos, marker, m) ||
		    buf[pos + m] != ' ') {
			snprintf(errbuf, errlen, "signature block: a line is not '%s' and base64",
				 marker);
			goto out;
		}
		for (size_t i = pos + m + 1; i < pos + len; i++) {
			if (!base64_char(buf[i]) || (pads && buf[i] != '=')) {
				snprintf(errbuf, errlen, "signature block: not base64");
				goto out;
			}
			pads += buf[i] == '=';
			b64[n++] = buf[i];
		}
		pos += len + 1;
	}
	if (!n || n % 4 || pads > 2) {
		snprintf(errbuf, errlen, "signature block: base64 of a wrong length");
		goto out;
	}
	der = malloc(n / 4 * 3);
	if (!der) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_DecodeBlock(der, b64, (int)n) != (int)(n / 4 * 3)) {
		snprintf(errbuf, errlen, "signature block: not base64");
		goto out;
	}
	*ret_len = n / 4 * 3 - pads;
	/* One DER object, exactly: nothing before or after it hides in the block. */
	p = der;
	if (*ret_len > EG_SCRIPT_DER_MAX ||
	    (ASN1_get_object(&p, &objlen, &tag, &cls, (long)*ret_len) & 0x80) ||
	    (size_t)(p - der) + (size_t)objlen != *ret_len) {
		snprintf(errbuf, errlen, "signature block: not one DER object");
		goto out;
	}
	*ret_der = der;
	der = NULL;
	r = 0;
out:
	free(b64);
	free(der);
	return r;
}

int eg_script_find_sig_mem(const unsigned char *buf, size_t len, unsigned long long file_size,
			   struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
			   size_t errlen)
{
	const char *marker = NULL;
	unsigned char *der = NULL;
	size_t end_start = 0, pos, start, der_len = 0;
	int r;

	if (len > file_size)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]) && !marker; i++) {
		size_t want = strlen(markers[i]) + 1 + strlen(EG_SCRIPT_END) + 1;

		if (len >= want && buf[len - 1] == '\n' &&
		    line_is(buf + len - want, want - 1, markers[i], EG_SCRIPT_END) &&
		    (len == want || buf[len - want - 1] == '\n')) {
			marker = markers[i];
			end_start = len - want;
		}
	}
	if (!marker)
		return -ENOENT;
	/* Back, line by line, to the BEGIN line. */
	pos = end_start;
	for (;;) {
		if (!pos) {
			snprintf(errbuf, errlen, "signature block: no BEGIN line%s",
				 len < file_size ? " within its size limit" : "");
			return -EBADMSG;
		}
		start = pos - 1;
		while (start && buf[start - 1] != '\n')
			start--;
		if (!start && len < file_size) {
			snprintf(errbuf, errlen, "signature block: larger than its limit");
			return -EBADMSG;
		}
		if (line_is(buf + start, pos - 1 - start, marker, EG_SCRIPT_BEGIN))
			break;
		pos = start;
	}
	pos = start + strlen(marker) + 1 + strlen(EG_SCRIPT_BEGIN) + 1;
	if (pos == end_start) {
		snprintf(errbuf, errlen, "signature block: empty");
		return -EBADMSG;
	}
	r = decode_lines(buf, pos, end_start, marker, &der, &der_len, errbuf, errlen);
	if (r)
		return r;
	ret_sig->offset = file_size - len + start;
	ret_sig->size = file_size - ret_sig->offset;
	ret_sig->der_len = der_len;
	ret_sig->file_size = file_size;
	if (ret_der)
		*ret_der = der;
	else
		free(der);
	return 0;
}

int eg_script_find_sig(int fd, struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
		       size_t errlen)
{
	unsigned char *buf;
	struct stat st;
	size_t n;
	ssize_t got;
	int r;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	n = (unsigned long long)st.st_size < EG_SCRIPT_BLOCK_MAX ? (size_t)st.st_size
								 : EG_SCRIPT_BLOCK_MAX;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	got = pread(fd, buf, n, st.st_size - (off_t)n);
	if (got < 0)
		r = -errno;
	else if ((size_t)got != n)
		r = -EIO; /* shorter than fstat said: it is changing */
	else
		r = eg_script_find_sig_mem(buf, n, (unsigned long long)st.st_size, ret_sig, ret_der,
					   errbuf, errlen);
	free(buf);
	return r;
}

/* The marker for an interpreter's or an extension's NAME, "#" for most of them. */
static const char *marker_of(const char *name, size_t len)
{
	static const char *const slashes[] = {"node", "nodejs", "js", "mjs", "cjs", "deno"};

	for (size_t i = 0; i < sizeof(slashes) / sizeof(slashes[0]); i++)
		if (len == strlen(slashes[i]) && !memcmp(name, slashes[i], len))
			return "//";
	if (len >= 3 && !memcmp(name, "lua", 3))
		return "--";
	return "#";
}

const char *eg_script_marker(const char *path, const unsigned char *head, size_t headlen)
{
	/* Extensions of the languages whose comments the markers are. */
	static const char *const extensions[] = {"sh",	"bash", "py", "pl",  "pm",  "rb", "php",
						 "tcl", "awk",	"js", "mjs", "cjs", "lua"};
	const char *base = strrchr(path, '/'), *dot;

	if (headlen >= 2 && head[0] == '#' && head[1] == '!') {
		size_t i = 2, start, end = headlen;
		const unsigned char *nl = memchr(head, '\n', headlen);

		if (nl)
			end = (size_t)(nl - head);
		/* The interpreter's file name; through env, the first word that is no option. */
		for (;;) {
			while (i < end && (head[i] == ' ' || head[i] == '\t'))
				i++;
			start = i;
			while (i < end && head[i] != ' ' && head[i] != '\t')
				i++;
			for (size_t k = start; k < i; k++)
				if (head[k] == '/')
					start = k + 1;
			if (start == i)
				return "#";
			if (!(i - start == 3 && !memcmp(head + start, "env", 3)) &&
			    head[start] != '-')
				return marker_of((const char *)head + start, i - start);
		}
	}
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return NULL;
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (!strcmp(dot + 1, extensions[i]))
			return marker_of(dot + 1, strlen(dot + 1));
	return NULL;
}

char *eg_script_block(const char *marker, const unsigned char *der, size_t len, size_t *ret_len)
{
	size_t m = strlen(marker), lines = (len + 56) / 57, cap, n = 0;
	char *block;

	if (!len || len > EG_SCRIPT_DER_MAX)
		return NULL;
	cap = 2 * (m + 1 + strlen(EG_SCRIPT_BEGIN) + 1) + lines * (m + 1 + EG_SCRIPT_LINE + 1) + 1;
	block = malloc(cap);
	if (!block)
		return NULL;
	n += (size_t)snprintf(block + n, cap - n, "%s %s\n", marker, EG_SCRIPT_BEGIN);
	for (size_t off = 0; off < len; off += 57) {
		size_t chunk = len - off < 57 ? len - off : 57;

		n += (size_t)snprintf(block + n, cap - n, "%s ", marker);
		n += (size_t)EVP_EncodeBlock((unsigned char *)block + n, der + off, (int)chunk);
		block[n++] = '\n';
	}
	n += (size_t)snprintf(block + n, cap - n, "%s %s\n", marker, EG_SCRIPT_END);
	*ret_len = n;
	return block;
}
