// SPDX-License-Identifier: GPL-2.0
/* Byte code that counts as its source (eg_bytecode.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eg_bytecode.h"

#define PYC_HEADER 16
#define PYCACHE "/__pycache__/"

static bool root_only(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int eg_bytecode_source(int fd, const struct stat *st, const char *path, char *ret, size_t len)
{
	const char *name = strrchr(path, '/'), *dot, *cache;
	unsigned char header[PYC_HEADER];
	char dir[4096];
	struct stat dir_st, source_st;
	size_t name_len;

	if (!name || !root_only(st) || name - path < (ptrdiff_t)strlen(PYCACHE) - 1)
		return -ENOENT;
	name++;
	name_len = strlen(name);
	dot = strchr(name, '.');
	cache = name - strlen(PYCACHE);
	if (!dot || dot == name || name_len < 4 || strcmp(name + name_len - 4, ".pyc") ||
	    strncmp(cache, PYCACHE, strlen(PYCACHE)))
		return -ENOENT;
	/* The __pycache__ directory: only root could have put the file there. */
	if (snprintf(dir, sizeof(dir), "%.*s", (int)(name - 1 - path), path) >= (int)sizeof(dir) ||
	    stat(dir, &dir_st) || !root_only(&dir_st))
		return -ENOENT;
	if (pread(fd, header, sizeof(header), 0) != (ssize_t)sizeof(header) ||
	    header[2] != '\r' || header[3] != '\n' || le32(header + 4) != 0)
		return -ENOENT;
	if (snprintf(ret, len, "%.*s/%.*s.py", (int)(cache - path), path, (int)(dot - name),
		     name) >= (int)len)
		return -ENOENT;
	if (stat(ret, &source_st) || !S_ISREG(source_st.st_mode) ||
	    le32(header + 8) != (uint32_t)source_st.st_mtime ||
	    le32(header + 12) != (uint32_t)source_st.st_size)
		return -ENOENT;
	return 0;
}
