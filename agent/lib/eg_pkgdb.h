/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_PKGDB_H
#define EXECGATE_EG_PKGDB_H

/*
 * Readers for what dpkg and apt keep on disk, for catalogs made from packages: control
 * stanzas (dpkg's status file, apt's Packages and Release/InRelease lists) and dpkg's
 * PKG.md5sums.  Pure parsers over a buffer: no I/O, no allocation, nothing trusted; the
 * callers decide what a field means.  Malformed input is -EBADMSG, never a guess.
 */

#include <stdbool.h>
#include <stddef.h>

#define EG_STANZA_MAX_FIELDS 128 /* fields past this are not seen (no stanza has as many) */

struct eg_stanza_field {
	const char *name, *value; /* not NUL-terminated */
	size_t name_len, value_len;
};

struct eg_stanza {
	struct eg_stanza_field f[EG_STANZA_MAX_FIELDS];
	size_t n;
};

/* The next stanza of TEXT from *POS (blank lines separate stanzas; a line starting with a
 * space or tab continues the previous field; an OpenPGP clearsigned wrapper, as in
 * InRelease, is skipped).  Returns 1 with *ST filled, 0 at the end, -EBADMSG on a line
 * that is neither a field, a continuation nor blank. */
int eg_stanza_next(const char *text, size_t len, size_t *pos, struct eg_stanza *st);

/* The first line of field NAME (case-insensitive), blanks trimmed, into *VAL / *VLEN.
 * false when the stanza has no such field. */
bool eg_stanza_get(const struct eg_stanza *st, const char *name, const char **val, size_t *vlen);

/* The whole value of field NAME (case-insensitive), its continuation lines included, as
 * the stanza holds it.  false when the stanza has no such field. */
bool eg_stanza_get_lines(const struct eg_stanza *st, const char *name, const char **val,
			 size_t *vlen);

/* The next conffile of a dpkg Conffiles field value (eg_stanza_get_lines) from *POS: lines
 * " <path> <32 hex>", maybe followed by " obsolete" or " remove-on-upgrade"; blank lines
 * are skipped, and so is a conffile whose digest is not an MD5 ("newconffile": dpkg has
 * not recorded one yet).  Returns 1 with MD5 and *PATH / *PLEN (absolute, not
 * NUL-terminated), 0 at the end, -EBADMSG on a malformed line. */
int eg_dpkg_conffiles_next(const char *field, size_t len, size_t *pos, unsigned char md5[16],
			   const char **path, size_t *plen);

/* A dpkg Status field value ("install ok installed") says the package's files are on
 * disk: any state but not-installed and config-files (half-installed, unpacked,
 * half-configured and the trigger states have them, the md5sums say in what state). */
bool eg_dpkg_status_on_disk(const char *status, size_t len);

/* The next line of a PKG.md5sums file from *POS: "<32 hex>  <path>" (path relative to
 * /, as dpkg writes it; one space is accepted too).  Returns 1 with MD5 and *PATH /
 * *PLEN (not NUL-terminated), 0 at the end, -EBADMSG on a malformed line. */
int eg_dpkg_md5sums_next(const char *text, size_t len, size_t *pos, unsigned char md5[16],
			 const char **path, size_t *plen);

#endif
