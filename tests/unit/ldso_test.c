// SPDX-License-Identifier: GPL-2.0
/*
 * What the dynamic loader will map: the reader of PT_INTERP and the dynamic section, on
 * ELF64 images crafted here (well-formed and each malformation), and the walk over a
 * directory tree of such images laid out as ld.so would search it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "eg_ldso.h"

#define VADDR 0x400000u

/* What an image asks of the loader. */
struct spec {
	const char *interp;
	const char *needed[4];
	const char *rpath, *runpath;
	uint16_t machine; /* 0: EM_X86_64 */
	unsigned char elf_class;
	/* Malformations. */
	bool strtab_outside, unterminated, no_strsz, dynamic_past_eof;
};

/* ELF header, two program headers (PT_LOAD over the whole image, PT_DYNAMIC), an optional
 * PT_INTERP, the interpreter string, the dynamic entries, the string table. */
static size_t build(const struct spec *s, unsigned char *buf, size_t cap)
{
	char strtab[1024] = "";
	size_t strsz = 1, nphdr = s->interp ? 3 : 2, off, dyn_off, str_off, ndyn = 0;
	Elf64_Dyn dyn[16];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));

	memset(buf, 0, cap);
#define ADD_STRING(str)                                                                            \
	({                                                                                         \
		size_t at_ = strsz;                                                                \
		strcpy(strtab + strsz, str);                                                       \
		strsz += strlen(str) + 1;                                                          \
		at_;                                                                               \
	})
	for (int i = 0; i < 4 && s->needed[i]; i++)
		dyn[ndyn++] = (Elf64_Dyn){DT_NEEDED, {ADD_STRING(s->needed[i])}};
	if (s->rpath)
		dyn[ndyn++] = (Elf64_Dyn){DT_RPATH, {ADD_STRING(s->rpath)}};
	if (s->runpath)
		dyn[ndyn++] = (Elf64_Dyn){DT_RUNPATH, {ADD_STRING(s->runpath)}};
#undef ADD_STRING
	off = sizeof(*eh) + nphdr * sizeof(*ph);
	if (s->interp) {
		ph[2] = (Elf64_Phdr){
			.p_type = PT_INTERP, .p_offset = off, .p_filesz = strlen(s->interp) + 1};
		strcpy((char *)buf + off, s->interp);
		off += strlen(s->interp) + 1;
	}
	off = (off + 7) & ~(size_t)7;
	dyn_off = off;
	str_off = dyn_off + (ndyn + 3) * sizeof(Elf64_Dyn);
	dyn[ndyn++] =
		(Elf64_Dyn){DT_STRTAB, {s->strtab_outside ? VADDR + 0x100000 : VADDR + str_off}};
	if (!s->no_strsz)
		dyn[ndyn++] = (Elf64_Dyn){DT_STRSZ, {s->unterminated ? strsz - 1 : strsz}};
	dyn[ndyn++] = (Elf64_Dyn){DT_NULL, {0}};
	memcpy(buf + dyn_off, dyn, ndyn * sizeof(*dyn));
	memcpy(buf + str_off, strtab, strsz);
	off = str_off + strsz;
	assert_true(off <= cap);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = s->elf_class ? s->elf_class : ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = s->machine ? s->machine : EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = (uint16_t)nphdr;
	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_offset = 0,
			     .p_vaddr = VADDR,
			     .p_filesz = off,
			     .p_memsz = off,
			     .p_align = 0x1000};
	ph[1] = (Elf64_Phdr){.p_type = PT_DYNAMIC,
			     .p_offset = dyn_off,
			     .p_vaddr = VADDR + dyn_off,
			     .p_filesz = ndyn * sizeof(*dyn)};
	if (s->dynamic_past_eof)
		ph[1].p_offset = off + 4096;
	return off;
}

static void read_spec(const struct spec *s, struct eg_ldso_object *ret, int expect)
{
	unsigned char buf[4096];
	size_t len = build(s, buf, sizeof(buf));

	assert_int_equal(eg_ldso_object_read_mem(buf, len, ret), expect);
}

static void reads_interpreter_needed_rpath_runpath(void **state)
{
	struct spec s = {.interp = "/lib64/ld-linux-x86-64.so.2",
			 .needed = {"libfoo.so.1", "libc.so.6"},
			 .rpath = "/opt/a:$ORIGIN/../lib",
			 .runpath = "/opt/b"};
	struct eg_ldso_object o;

	read_spec(&s, &o, 0);
	assert_string_equal(o.interp, s.interp);
	assert_int_equal(o.nneeded, 2);
	assert_string_equal(o.needed[0], "libfoo.so.1");
	assert_string_equal(o.needed[1], "libc.so.6");
	assert_string_equal(o.rpath, s.rpath);
	assert_string_equal(o.runpath, s.runpath);
	assert_int_equal(o.elf_class, ELFCLASS64);
	assert_int_equal(o.machine, EM_X86_64);
	eg_ldso_object_clear(&o);
}

static void an_object_without_dependencies_has_none(void **state)
{
	struct spec s = {.interp = NULL};
	struct eg_ldso_object o;

	read_spec(&s, &o, 0);
	assert_null(o.interp);
	assert_int_equal(o.nneeded, 0);
	assert_null(o.rpath);
	eg_ldso_object_clear(&o);
}

static void malformed_images_are_refused(void **state)
{
	static const struct spec bad[] = {
		{.needed = {"libx.so"}, .strtab_outside = true},
		{.needed = {"libx.so"}, .unterminated = true},
		{.needed = {"libx.so"}, .no_strsz = true},
		{.needed = {"libx.so"}, .dynamic_past_eof = true},
	};
	struct eg_ldso_object o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		read_spec(&bad[i], &o, -EBADMSG);
		assert_null(o.interp);
		assert_int_equal(o.nneeded, 0);
	}
	assert_int_equal(eg_ldso_object_read_mem("#!/bin/sh\n", 10, &o), -ENOEXEC);
	assert_int_equal(eg_ldso_object_read_mem("\177ELF", 4, &o), -ENOEXEC);
}

/* --- the walk --------------------------------------------------------------------- */

static char root[256];

static void put_file(const char *rel, const struct spec *s)
{
	unsigned char buf[4096];
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	size_t len = build(s, buf, sizeof(buf));
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

struct visits {
	char paths[16][PATH_MAX];
	int n, stop_at;
};

static int record_visit(void *ctx, int fd, const char *path)
{
	struct visits *v = ctx;
	char magic[4];

	assert_int_equal(pread(fd, magic, 4, 0), 4);
	assert_memory_equal(magic, ELFMAG, 4);
	assert_true(v->n < 16);
	snprintf(v->paths[v->n], PATH_MAX, "%s", path + strlen(root));
	return ++v->n == v->stop_at ? -ECANCELED : 0;
}

static int walk(const char *program, const struct eg_ldso_dirs *dirs, unsigned int max,
		struct visits *v)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", root, program);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	err = eg_ldso_walk(dirs, fd, path, max, record_visit, v);
	close(fd);
	return err;
}

static int tree_setup(void **state)
{
	char conf[PATH_MAX + 32];
	FILE *f;

	snprintf(root, sizeof(root), "%s/eg-ldso-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	assert_non_null(mkdtemp(root));
	/* app/prog: RUNPATH $ORIGIN/lib, needs liba (there) and libsys (system dir);
	 * liba needs libb, found through liba's own RPATH; a 32-bit libsys comes first in the
	 * search and is passed over; libsys is also in a hwcaps subdirectory. */
	put_file("app/prog", &(struct spec){.interp = "/nonexistent/ld.so",
					    .needed = {"liba.so", "libsys.so"},
					    .runpath = "$ORIGIN/lib"});
	put_file("app/lib/liba.so", &(struct spec){.needed = {"libb.so", "libsys.so"},
						   .rpath = "${ORIGIN}/../private"});
	put_file("app/private/libb.so", &(struct spec){.needed = {"libmissing.so"}});
	put_file("sys32/libsys.so", &(struct spec){.elf_class = ELFCLASS32});
	put_file("sys/libsys.so", &(struct spec){.interp = NULL});
	put_file("sys/glibc-hwcaps/x86-64-v3/libsys.so", &(struct spec){.interp = NULL});
	/* old/prog: RPATH with a token ld.so knows and we do not; an absolute name. */
	put_file("old/prog", &(struct spec){.needed = {"libb.so", "/nonexistent/libz.so"},
					    .rpath = "$PLATFORM/x:"});
	snprintf(conf, sizeof(conf), "%s/ld.so.conf", root);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "# comment\n\ninclude conf.d/*.conf\nhwcap 0 nosegneg\n");
	fclose(f);
	snprintf(conf, sizeof(conf), "%s/conf.d", root);
	mkdir(conf, 0755);
	snprintf(conf, sizeof(conf), "%s/conf.d/a.conf", root);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "  %s/sys32  # 32-bit first\n%s/sys=libc6\n%s/absent\n", root, root, root);
	fclose(f);
	return 0;
}

static int tree_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void conf_lists_existing_directories_then_defaults(void **state)
{
	struct eg_ldso_dirs dirs;
	char conf[PATH_MAX + 16], want[PATH_MAX + 16];

	snprintf(conf, sizeof(conf), "%s/ld.so.conf", root);
	assert_int_equal(eg_ldso_dirs_load(conf, &dirs), 0);
	assert_true(dirs.ndirs >= 2);
	snprintf(want, sizeof(want), "%s/sys32", root);
	assert_string_equal(dirs.dirs[0], want);
	snprintf(want, sizeof(want), "%s/sys", root);
	assert_string_equal(dirs.dirs[1], want);
	for (size_t i = 2; i < dirs.ndirs; i++)
		assert_null(strstr(dirs.dirs[i], root));
	eg_ldso_dirs_clear(&dirs);

	snprintf(conf, sizeof(conf), "%s/no-such.conf", root);
	assert_int_equal(eg_ldso_dirs_load(conf, &dirs), 0);
	eg_ldso_dirs_clear(&dirs);
}

static void walk_finds_what_ld_so_would_map(void **state)
{
	struct eg_ldso_dirs dirs;
	struct visits v = {.n = 0};
	char conf[PATH_MAX + 16];

	snprintf(conf, sizeof(conf), "%s/ld.so.conf", root);
	assert_int_equal(eg_ldso_dirs_load(conf, &dirs), 0);
	assert_int_equal(walk("app/prog", &dirs, 64, &v), 0);
	/* Breadth first: prog's names, then liba's; libsys once; the missing interpreter and
	 * library are left to ld.so; the 32-bit libsys is never visited. */
	assert_int_equal(v.n, 4);
	assert_string_equal(v.paths[0], "/app/lib/liba.so");
	assert_string_equal(v.paths[1], "/sys/glibc-hwcaps/x86-64-v3/libsys.so");
	assert_string_equal(v.paths[2], "/sys/libsys.so");
	assert_string_equal(v.paths[3], "/app/lib/../private/libb.so");

	/* An RPATH entry with an unknown token and an empty one are skipped. */
	v.n = 0;
	assert_int_equal(walk("old/prog", &dirs, 64, &v), 0);
	assert_int_equal(v.n, 0);
	eg_ldso_dirs_clear(&dirs);
}

static void walk_is_bounded_and_stops_when_asked(void **state)
{
	struct eg_ldso_dirs dirs;
	struct visits v = {.n = 0};
	char conf[PATH_MAX + 16];

	snprintf(conf, sizeof(conf), "%s/ld.so.conf", root);
	assert_int_equal(eg_ldso_dirs_load(conf, &dirs), 0);
	assert_int_equal(walk("app/prog", &dirs, 2, &v), -E2BIG);
	assert_int_equal(v.n, 2);
	v = (struct visits){.stop_at = 1};
	assert_int_equal(walk("app/prog", &dirs, 64, &v), -ECANCELED);
	assert_int_equal(v.n, 1);
	eg_ldso_dirs_clear(&dirs);
}

static void walk_of_a_real_program_reaches_libc(void **state)
{
	struct eg_ldso_dirs dirs;
	struct visits v = {.n = 0};
	bool libc = false, loader = false;
	int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(eg_ldso_dirs_load("/etc/ld.so.conf", &dirs), 0);
	root[0] = '\0';
	assert_int_equal(eg_ldso_walk(&dirs, fd, "/bin/sh", 64, record_visit, &v), 0);
	close(fd);
	for (int i = 0; i < v.n; i++) {
		libc |= strstr(v.paths[i], "/libc.so.6") != NULL;
		loader |= strstr(v.paths[i], "/ld-linux") != NULL;
	}
	assert_true(libc);
	assert_true(loader);
	eg_ldso_dirs_clear(&dirs);
}

int main(void)
{
	const struct CMUnitTest reader[] = {
		cmocka_unit_test(reads_interpreter_needed_rpath_runpath),
		cmocka_unit_test(an_object_without_dependencies_has_none),
		cmocka_unit_test(malformed_images_are_refused),
	};
	const struct CMUnitTest walker[] = {
		cmocka_unit_test(conf_lists_existing_directories_then_defaults),
		cmocka_unit_test(walk_finds_what_ld_so_would_map),
		cmocka_unit_test(walk_is_bounded_and_stops_when_asked),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(walk_of_a_real_program_reaches_libc),
	};

	return cmocka_run_group_tests_name("reader", reader, NULL, NULL) |
	       cmocka_run_group_tests_name("walk", walker, tree_setup, tree_teardown) |
	       cmocka_run_group_tests_name("real", real, NULL, NULL);
}
