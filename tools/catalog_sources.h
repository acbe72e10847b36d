/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_CATALOG_SOURCES_H
#define EXECGATE_TOOLS_CATALOG_SOURCES_H

/*
 * What `execgate catalog create` lists: files named on the command line or in a list,
 * directory trees, the files dpkg installed, the files inside .deb archives.  Each
 * function adds entries to the builder and prints its own diagnostics on stderr
 * (prefixed "execgate catalog create: "); it returns 0 or a negative errno on an
 * error that must stop the catalog.  Files left out for a reason the user should see
 * (a dpkg md5sum that disagrees) are counted in ctx->left_out, not errors.
 */

#include <stdbool.h>
#include <stddef.h>

#include "eg_verify.h"

struct catsrc_ctx {
	struct eg_catalog_builder *b;
	const char *apt_lists; /* apt's list directory (default /var/lib/apt/lists) */
	const char *admindir;  /* dpkg's admin directory (default /var/lib/dpkg) */
	/* --from-deb: a .deb that no apt list names is left out (counted), not listed
	 * without an archive. */
	bool listed_only;
	size_t left_out;
};

/* One file (symlinks followed, as the user named it); it must be a regular file. */
int catsrc_file(struct catsrc_ctx *c, const char *path);
/* Every regular file under DIR, in path order; symlinks are not followed (nor listed). */
int catsrc_walk(struct catsrc_ctx *c, const char *dir);
/* The files named in LIST ("-": stdin), one per line, or NUL-separated when NUL. */
int catsrc_files_from(struct catsrc_ctx *c, const char *list, bool nul);
/* What dpkg knows of every package (Package, Status, Version, Architecture, Multi-Arch
 * stanzas) as dpkg-query reads it: the status file and the updates journal, where a
 * package that dpkg is installing in the same run (execgate's own postinst) is. */
int catsrc_dpkg_status(const char *admindir, char **ret, size_t *ret_len);
/* The regular files dpkg lists for the installed packages PKGS (all when N is 0). */
int catsrc_dpkg(struct catsrc_ctx *c, char *const *pkgs, size_t n);
/* The regular files inside each .deb, with their install paths, and its maintainer
 * scripts under /var/lib/dpkg/info/PKG.SCRIPT.  A file that is not a .deb as deb(5)
 * describes it (format 2.x) is refused, naming it and what is wrong. */
int catsrc_debs(struct catsrc_ctx *c, char *const *debs, size_t n);
/* One .deb held in memory (LEN bytes at BUF, NAME in messages), read as catsrc_debs()
 * reads each file, under a source that no apt list names: the fuzz target's entry. */
int catsrc_deb_mem(struct catsrc_ctx *c, const char *name, const void *buf, size_t len);

#endif
