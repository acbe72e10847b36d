// SPDX-License-Identifier: GPL-2.0
/* What the dynamic loader will map for a program: see eg_ldso.h. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eg_ldso.h"

/* A string table larger than this is not something a loader would be handed. */
#define MAX_STRTAB (16u << 20)
#define MAX_PHNUM 65535
#define MAX_INCLUDE_DEPTH 8

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
static const char *const hwcaps_subdirs[] = {"glibc-hwcaps/x86-64-v4", "glibc-hwcaps/x86-64-v3",
					     "glibc-hwcaps/x86-64-v2"};
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
static const char *const hwcaps_subdirs[] = {""};
#else
#error "unknown architecture: add its multiarch triple and glibc-hwcaps subdirectories"
#endif

static const char *const default_dirs[] = {
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static bool elf_ok;

static void elf_init(void)
{
	elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

/* --- one object -------------------------------------------------------------------- */

void eg_ldso_object_clear(struct eg_ldso_object *object)
{
	if (!object)
		return;
	free(object->interp);
	free(object->rpath);
	free(object->runpath);
	for (size_t i = 0; i < object->nneeded; i++)
		free(object->needed[i]);
	free(object->needed);
	*object = (struct eg_ldso_object){.interp = NULL};
}

/* A copy of the NUL-terminated string at OFF in a table of SIZE bytes. */
static int string_at(const char *table, uint64_t size, uint64_t off, char **ret)
{
	const char *end;

	if (off >= size)
		return -EBADMSG;
	end = memchr(table + off, '\0',
		     size - off < EG_LDSO_MAX_STRING ? size - off : EG_LDSO_MAX_STRING);
	if (!end)
		return -EBADMSG;
	*ret = strndup(table + off, (size_t)(end - (table + off)));
	return *ret ? 0 : -ENOMEM;
}

/* The file offset of virtual address ADDR, through the PT_LOAD segment that holds it. */
static int vaddr_to_offset(Elf *elf, size_t phnum, uint64_t addr, uint64_t *ret)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz) {
			*ret = ph.p_offset + (addr - ph.p_vaddr);
			return 0;
		}
	}
	return -EBADMSG;
}

static int read_interp(Elf *elf, const GElf_Phdr *ph, struct eg_ldso_object *ret)
{
	Elf_Data *data;

	if (ph->p_filesz == 0 || ph->p_filesz > EG_LDSO_MAX_STRING)
		return -EBADMSG;
	data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_BYTE);
	if (!data || !data->d_buf)
		return -EBADMSG;
	return string_at(data->d_buf, data->d_size, 0, &ret->interp);
}

static int read_dynamic(Elf *elf, size_t phnum, const GElf_Phdr *ph, struct eg_ldso_object *ret)
{
	uint64_t strtab_addr = 0, strtab_size = 0, strtab_off, rpath = UINT64_MAX,
		 runpath = UINT64_MAX, needed[EG_LDSO_MAX_NEEDED];
	size_t entsize = gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT), count, nneeded = 0;
	bool has_strtab = false;
	Elf_Data *dyn, *strtab;
	int err;

	if (!entsize)
		return -EBADMSG;
	count = ph->p_filesz / entsize;
	if (count > EG_LDSO_MAX_DYN)
		count = EG_LDSO_MAX_DYN;
	if (!count)
		return 0;
	dyn = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, count * entsize, ELF_T_DYN);
	if (!dyn)
		return -EBADMSG;
	for (size_t i = 0; i < count; i++) {
		GElf_Dyn entry;

		if (!gelf_getdyn(dyn, (int)i, &entry))
			return -EBADMSG;
		if (entry.d_tag == DT_NULL)
			break;
		switch (entry.d_tag) {
		case DT_NEEDED:
			if (nneeded == EG_LDSO_MAX_NEEDED)
				return -EBADMSG;
			needed[nneeded++] = entry.d_un.d_val;
			break;
		case DT_RPATH:
			rpath = entry.d_un.d_val;
			break;
		case DT_RUNPATH:
			runpath = entry.d_un.d_val;
			break;
		case DT_STRTAB:
			strtab_addr = entry.d_un.d_ptr;
			has_strtab = true;
			break;
		case DT_STRSZ:
			strtab_size = entry.d_un.d_val;
			break;
		default:
			break;
		}
	}
	if (!nneeded && rpath == UINT64_MAX && runpath == UINT64_MAX)
		return 0;
	if (!has_strtab || !strtab_size || strtab_size > MAX_STRTAB)
		return -EBADMSG;
	err = vaddr_to_offset(elf, phnum, strtab_addr, &strtab_off);
	if (err)
		return err;
	strtab = elf_getdata_rawchunk(elf, (int64_t)strtab_off, strtab_size, ELF_T_BYTE);
	if (!strtab || !strtab->d_buf)
		return -EBADMSG;
	if (rpath != UINT64_MAX &&
	    (err = string_at(strtab->d_buf, strtab->d_size, rpath, &ret->rpath)))
		return err;
	if (runpath != UINT64_MAX &&
	    (err = string_at(strtab->d_buf, strtab->d_size, runpath, &ret->runpath)))
		return err;
	ret->needed = calloc(nneeded ? nneeded : 1, sizeof(*ret->needed));
	if (!ret->needed)
		return -ENOMEM;
	for (; ret->nneeded < nneeded; ret->nneeded++) {
		err = string_at(strtab->d_buf, strtab->d_size, needed[ret->nneeded],
				&ret->needed[ret->nneeded]);
		if (err)
			return err;
	}
	return 0;
}

static int read_object(Elf *elf, struct eg_ldso_object *ret)
{
	bool seen_interp = false, seen_dynamic = false;
	GElf_Ehdr eh;
	size_t phnum;
	int err = 0;

	*ret = (struct eg_ldso_object){.interp = NULL};
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		return -ENOEXEC;
	if (!gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &phnum) || phnum > MAX_PHNUM)
		return -EBADMSG;
	ret->elf_class = eh.e_ident[EI_CLASS];
	ret->data = eh.e_ident[EI_DATA];
	ret->machine = eh.e_machine;
	for (size_t i = 0; i < phnum && !err; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph)) {
			err = -EBADMSG;
		} else if (ph.p_type == PT_INTERP && !seen_interp) {
			seen_interp = true;
			err = read_interp(elf, &ph, ret);
		} else if (ph.p_type == PT_DYNAMIC && !seen_dynamic) {
			seen_dynamic = true;
			err = read_dynamic(elf, phnum, &ph, ret);
		}
	}
	if (err)
		eg_ldso_object_clear(ret);
	return err;
}

int eg_ldso_object_read(int fd, struct eg_ldso_object *ret)
{
	Elf *elf;
	int err;

	pthread_once(&elf_once, elf_init);
	if (!elf_ok)
		return -ENOTSUP;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	err = read_object(elf, ret);
	elf_end(elf);
	return err;
}

int eg_ldso_object_read_mem(const void *buf, size_t len, struct eg_ldso_object *ret)
{
	Elf *elf;
	int err;

	pthread_once(&elf_once, elf_init);
	if (!elf_ok)
		return -ENOTSUP;
	elf = elf_memory((char *)buf, len);
	err = read_object(elf, ret);
	elf_end(elf);
	return err;
}

/* --- the system's directories ------------------------------------------------------ */

void eg_ldso_dirs_clear(struct eg_ldso_dirs *dirs)
{
	if (!dirs)
		return;
	for (size_t i = 0; i < dirs->ndirs; i++)
		free(dirs->dirs[i]);
	free(dirs->dirs);
	dirs->dirs = NULL;
	dirs->ndirs = 0;
}

static int dirs_add(struct eg_ldso_dirs *dirs, const char *dir)
{
	struct stat st;

	if (dir[0] != '/' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < dirs->ndirs; i++)
		if (!strcmp(dirs->dirs[i], dir))
			return 0;
	if (dirs->ndirs == EG_LDSO_MAX_DIRS)
		return -E2BIG;
	dirs->dirs[dirs->ndirs] = strdup(dir);
	if (!dirs->dirs[dirs->ndirs])
		return -ENOMEM;
	dirs->ndirs++;
	return 0;
}

static int conf_read(const char *path, int depth, struct eg_ldso_dirs *dirs);

/* "include PATTERN...": globs, relative ones to the including file's directory. */
static int conf_include(const char *conf, char *patterns, int depth, struct eg_ldso_dirs *dirs)
{
	char *save = NULL, *pattern, full[PATH_MAX];
	const char *slash = strrchr(conf, '/');
	int err = 0;

	for (pattern = strtok_r(patterns, " \t", &save); pattern && !err;
	     pattern = strtok_r(NULL, " \t", &save)) {
		glob_t found;

		if (pattern[0] == '/')
			snprintf(full, sizeof(full), "%s", pattern);
		else
			snprintf(full, sizeof(full), "%.*s/%s", slash ? (int)(slash - conf) : 1,
				 slash ? conf : ".", pattern);
		if (glob(full, 0, NULL, &found))
			continue;
		for (size_t i = 0; i < found.gl_pathc && !err; i++)
			err = conf_read(found.gl_pathv[i], depth + 1, dirs);
		globfree(&found);
	}
	return err;
}

static int conf_read(const char *path, int depth, struct eg_ldso_dirs *dirs)
{
	char line[PATH_MAX + 16];
	FILE *conf;
	int err = 0;

	if (depth > MAX_INCLUDE_DEPTH)
		return -ELOOP;
	conf = fopen(path, "re");
	if (!conf)
		return errno == ENOENT ? 0 : -errno;
	while (!err && fgets(line, sizeof(line), conf)) {
		char *start = line, *end;

		end = strpbrk(line, "#\n");
		if (end)
			*end = '\0';
		start += strspn(start, " \t");
		end = start + strlen(start);
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*start)
			continue;
		if (!strncmp(start, "include", 7) && (start[7] == ' ' || start[7] == '\t'))
			err = conf_include(path, start + 8, depth, dirs);
		else if (!strncmp(start, "hwcap", 5) && (start[5] == ' ' || start[5] == '\t'))
			continue;
		else
			/* The old "DIR=TYPE" form names the directory before the '='. */
			err = dirs_add(dirs, strtok(start, "="));
	}
	fclose(conf);
	return err;
}

int eg_ldso_dirs_load(const char *conf, struct eg_ldso_dirs *ret)
{
	int err;

	*ret = (struct eg_ldso_dirs){.dirs = calloc(EG_LDSO_MAX_DIRS, sizeof(char *))};
	if (!ret->dirs)
		return -ENOMEM;
	err = conf ? conf_read(conf, 0, ret) : 0;
	for (size_t i = 0; !err && i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		err = dirs_add(ret, default_dirs[i]);
	if (err)
		eg_ldso_dirs_clear(ret);
	return err;
}

/* --- the walk ---------------------------------------------------------------------- */

struct found {
	struct eg_ldso_object object;
	char *origin; /* directory of the file, for $ORIGIN; NULL when unknown */
};

struct walk {
	const struct eg_ldso_dirs *dirs;
	eg_ldso_visit_fn visit;
	void *ctx;
	unsigned int max_objects;
	const struct eg_ldso_object *program;
	/* Files visited (by identity) and names resolved: ld.so maps each once. */
	struct {
		dev_t dev;
		ino_t ino;
	} * files;
	unsigned int nfiles;
	char **names;
	size_t nnames, names_cap;
	/* Every file found, in the order found; their names are resolved in that order,
	 * breadth first as ld.so does.  Slot 0 is the program. */
	struct found *queue;
	unsigned int queue_len;
};

static char *origin_of(const char *path)
{
	const char *slash;

	if (!path || path[0] != '/')
		return NULL;
	slash = strrchr(path, '/');
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static bool name_resolved(struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->nnames; i++)
		if (!strcmp(w->names[i], name))
			return true;
	return false;
}

static int name_add(struct walk *w, const char *name)
{
	if (w->nnames == w->names_cap) {
		size_t cap = w->names_cap ? 2 * w->names_cap : 32;
		char **names = realloc(w->names, cap * sizeof(*names));

		if (!names)
			return -ENOMEM;
		w->names = names;
		w->names_cap = cap;
	}
	w->names[w->nnames] = strdup(name);
	if (!w->names[w->nnames])
		return -ENOMEM;
	w->nnames++;
	return 0;
}

/* Try PATH as a candidate.  1: it is a file ld.so could map (visited now if new), 0: not
 * one (absent, not ELF, another class or machine), or the visitor's nonzero value. */
static int try_candidate(struct walk *w, const char *path)
{
	struct found found = {.origin = NULL};
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || eg_ldso_object_read(fd, &found.object)) {
		close(fd);
		return 0;
	}
	if (found.object.elf_class != w->program->elf_class ||
	    found.object.data != w->program->data || found.object.machine != w->program->machine) {
		err = 0;
		goto out;
	}
	err = 1;
	for (unsigned int i = 0; i < w->nfiles; i++)
		if (w->files[i].dev == st.st_dev && w->files[i].ino == st.st_ino)
			goto out;
	if (w->nfiles == w->max_objects) {
		err = -E2BIG;
		goto out;
	}
	w->files[w->nfiles].dev = st.st_dev;
	w->files[w->nfiles].ino = st.st_ino;
	w->nfiles++;
	err = w->visit(w->ctx, fd, path);
	if (err)
		goto out;
	found.origin = origin_of(path);
	w->queue[w->queue_len++] = found;
	close(fd);
	return 1;
out:
	close(fd);
	eg_ldso_object_clear(&found.object);
	return err;
}

/* ENTRY of a search path with $ORIGIN expanded into RET; false when the entry cannot be
 * used (empty: the working directory; another token; $ORIGIN unknown). */
static bool expand_entry(const char *entry, size_t len, const char *origin, char *ret,
			 size_t ret_len)
{
	size_t out = 0;

	for (size_t i = 0; i < len;) {
		const char *token = NULL;
		size_t skip = 0;

		if (entry[i] == '$') {
			if (len - i >= 7 && !strncmp(entry + i, "$ORIGIN", 7))
				skip = 7;
			else if (len - i >= 9 && !strncmp(entry + i, "${ORIGIN}", 9))
				skip = 9;
			if (!skip || !origin)
				return false;
			token = origin;
		}
		if (token) {
			size_t n = strlen(token);

			if (out + n >= ret_len)
				return false;
			memcpy(ret + out, token, n);
			out += n;
			i += skip;
		} else {
			if (out + 1 >= ret_len)
				return false;
			ret[out++] = entry[i++];
		}
	}
	ret[out] = '\0';
	return out > 0 && ret[0] == '/';
}

/* Look for NAME in DIR: its glibc-hwcaps subdirectories, then DIR itself.  1: found. */
static int search_dir(struct walk *w, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int found = 0, r;

	for (size_t i = 0; i < sizeof(hwcaps_subdirs) / sizeof(hwcaps_subdirs[0]); i++) {
		if (!hwcaps_subdirs[i][0])
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s", dir, hwcaps_subdirs[i], name) >=
		    (int)sizeof(path))
			continue;
		r = try_candidate(w, path);
		if (r < 0)
			return r;
		found |= r;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path)) {
		r = try_candidate(w, path);
		if (r < 0)
			return r;
		found |= r;
	}
	return found;
}

/* Look for NAME along the colon-separated LIST.  1: found. */
static int search_list(struct walk *w, const char *list, const char *origin, const char *name)
{
	char dir[PATH_MAX];

	while (list && *list) {
		size_t len = strcspn(list, ":");
		int r;

		if (expand_entry(list, len, origin, dir, sizeof(dir))) {
			r = search_dir(w, dir, name);
			if (r)
				return r;
		}
		list += len;
		if (*list == ':')
			list++;
	}
	return 0;
}

static int resolve(struct walk *w, const struct found *from, const char *name)
{
	const struct eg_ldso_object *object = &from->object;
	int r;

	if (name_resolved(w, name))
		return 0;
	r = name_add(w, name);
	if (r)
		return r;
	if (strchr(name, '/'))
		return name[0] == '/' ? try_candidate(w, name) : 0;
	if (!object->runpath) {
		r = search_list(w, object->rpath, from->origin, name);
		if (!r && object != w->program && !w->program->runpath)
			r = search_list(w, w->program->rpath, w->queue[0].origin, name);
		if (r)
			return r < 0 ? r : 0;
	}
	r = search_list(w, object->runpath, from->origin, name);
	for (size_t i = 0; !r && i < w->dirs->ndirs; i++)
		r = search_dir(w, w->dirs->dirs[i], name);
	return r < 0 ? r : 0;
}

int eg_ldso_walk(const struct eg_ldso_dirs *dirs, int fd, const char *path,
		 unsigned int max_objects, eg_ldso_visit_fn visit, void *ctx)
{
	struct walk w = {.dirs = dirs, .visit = visit, .ctx = ctx, .max_objects = max_objects};
	struct stat st;
	int err;

	if (!max_objects || fstat(fd, &st) < 0)
		return max_objects ? -errno : -EINVAL;
	w.files = calloc(max_objects + 1, sizeof(*w.files));
	w.queue = calloc(max_objects + 1, sizeof(*w.queue));
	w.max_objects = max_objects + 1;
	if (!w.files || !w.queue) {
		err = -ENOMEM;
		goto out;
	}
	err = eg_ldso_object_read(fd, &w.queue[0].object);
	if (err)
		goto out;
	w.queue[0].origin = origin_of(path);
	w.program = &w.queue[0].object;
	w.files[0].dev = st.st_dev;
	w.files[0].ino = st.st_ino;
	w.nfiles = 1;
	w.queue_len = 1;
	if (w.program->interp) {
		err = try_candidate(&w, w.program->interp);
		err = err < 0 ? err : 0;
	}
	for (unsigned int next = 0; !err && next < w.queue_len; next++) {
		const struct found *from = &w.queue[next];

		for (size_t i = 0; !err && i < from->object.nneeded; i++)
			err = resolve(&w, from, from->object.needed[i]);
	}
out:
	for (unsigned int i = 0; w.queue && i < w.queue_len; i++) {
		eg_ldso_object_clear(&w.queue[i].object);
		free(w.queue[i].origin);
	}
	for (size_t i = 0; i < w.nnames; i++)
		free(w.names[i]);
	free(w.names);
	free(w.queue);
	free(w.files);
	return err;
}
