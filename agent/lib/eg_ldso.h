/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_LDSO_H
#define EXECGATE_EG_LDSO_H

/*
 * What the dynamic loader will map for a program, found before the program runs.
 * Libraries are opened with a plain open() and mapped with mmap(PROT_EXEC): no exec
 * permission event fires for them, so the agent verifies them while it holds the
 * program's exec.  Search order, as glibc's ld.so (elf/dl-load.c) does it:
 *   a name with a slash        that path (absolute only; a relative one depends on the
 *                              working directory of a process not yet running)
 *   DT_RPATH                   of the object, then of the program, when the object has
 *                              no DT_RUNPATH ($ORIGIN expanded; other tokens skip the entry)
 *   LD_LIBRARY_PATH            not known: the environment of an exec in flight is not
 *                              readable; such libraries are misses at mmap
 *   DT_RUNPATH                 of the object
 *   ld.so.conf directories     what ld.so.cache is built from
 *   default directories        the multiarch ones, /lib, /usr/lib
 * In each directory the glibc-hwcaps subdirectories come first; every one that holds the
 * name is visited (which one ld.so picks depends on the CPU), then the directory itself.
 * A candidate of another ELF class or machine is passed over, as ld.so does.
 *
 * Every function returns 0 or a negative errno:
 *   -ENOEXEC   not ELF
 *   -EBADMSG   ELF, but a header, the dynamic segment or a string out of bounds
 */

#include <stddef.h>
#include <stdint.h>

/* Bounds on what one object may ask for: ld.so has none, a verifier must. */
#define EG_LDSO_MAX_NEEDED 256
#define EG_LDSO_MAX_DYN 4096
#define EG_LDSO_MAX_STRING 4096

/* The loader-relevant part of one ELF object. */
struct eg_ldso_object {
	unsigned char elf_class; /* ELFCLASS32 or ELFCLASS64 */
	unsigned char data;	 /* ELFDATA2LSB or ELFDATA2MSB */
	uint16_t machine;
	char *interp;  /* PT_INTERP, or NULL */
	char *rpath;   /* DT_RPATH, or NULL */
	char *runpath; /* DT_RUNPATH, or NULL */
	char **needed; /* DT_NEEDED names, in order */
	size_t nneeded;
};

int eg_ldso_object_read(int fd, struct eg_ldso_object *ret);
int eg_ldso_object_read_mem(const void *buf, size_t len, struct eg_ldso_object *ret);
void eg_ldso_object_clear(struct eg_ldso_object *object);

/* The system's library directories: those of ld.so.conf (with its includes), then the
 * defaults.  Directories that do not exist are left out. */
struct eg_ldso_dirs {
	char **dirs;
	size_t ndirs;
};

#define EG_LDSO_MAX_DIRS 256

/* Read CONF (normally /etc/ld.so.conf; a missing file means none) and add the defaults. */
int eg_ldso_dirs_load(const char *conf, struct eg_ldso_dirs *ret);
void eg_ldso_dirs_clear(struct eg_ldso_dirs *dirs);

/* Called for the interpreter and every library the loader would map, each file once, with
 * the file open read-only on FD and the path it was found at.  Nonzero stops the walk and
 * becomes eg_ldso_walk's return value. */
typedef int (*eg_ldso_visit_fn)(void *ctx, int fd, const char *path);

/* Walk what the program open on FD (found at PATH, which gives $ORIGIN; NULL or relative
 * when unknown) will map, dependencies of dependencies included, up to MAX_OBJECTS files.
 * Names that resolve to nothing are left to ld.so, which will fail on them.  -E2BIG:
 * stopped at MAX_OBJECTS. */
int eg_ldso_walk(const struct eg_ldso_dirs *dirs, int fd, const char *path,
		 unsigned int max_objects, eg_ldso_visit_fn visit, void *ctx);

#endif
