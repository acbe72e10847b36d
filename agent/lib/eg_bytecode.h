/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_BYTECODE_H
#define EXECGATE_EG_BYTECODE_H
/*
 * Byte code that counts as its source.  Python compiles a module to
 * DIR/__pycache__/NAME.TAG.pyc and reads that instead of DIR/NAME.py while its header (a
 * magic number, flags 0, then the source's modification time and size as 32-bit
 * little-endian numbers: PEP 552) matches the source.  Debian's packages compile theirs at
 * install (py3compile, in the postinst); dpkg lists none of them, so no catalog does.  Such
 * a file is trusted as its source is, when only root can have written it: the file and its
 * __pycache__ directory owned by root and writable by no group or other.  Hash-based byte
 * code (flags not 0) is not recognised.
 */
#include <stddef.h>
#include <sys/stat.h>

/* Is the file open on FD (ST its fstat, PATH its absolute path) byte code that counts as
 * its source?  0: yes, RET (LEN bytes) holds the source's path; -ENOENT: no. */
int eg_bytecode_source(int fd, const struct stat *st, const char *path, char *ret, size_t len);

#endif
