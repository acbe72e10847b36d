// SPDX-License-Identifier: GPL-2.0
/* What interpreters read as data (interpreter_data.h). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpf_backend.h"
#include "decide.h"
#include "interpreter_data.h"

/* Can only root change what PATH (resolved, no links) holds: PATH and every directory up
 * to / owned by root and writable by no group or other?  Else *RET_WHY says which is not. */
static bool root_only(const char *path, char *ret_why, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(ret_why, len, "the path is too long");
		return false;
	}
	for (;;) {
		char *slash;

		if (stat(dir, &st)) {
			snprintf(ret_why, len, "%s: %s", dir, strerror(errno));
			return false;
		}
		if (st.st_uid != 0) {
			snprintf(ret_why, len, "%s is owned by uid %u, not root", dir,
				 (unsigned int)st.st_uid);
			return false;
		}
		if (st.st_mode & (S_IWGRP | S_IWOTH)) {
			snprintf(ret_why, len, "%s is writable by %s", dir,
				 st.st_mode & S_IWOTH ? "others" : "its group");
			return false;
		}
		if (!strcmp(dir, "/"))
			return true;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

static void add_key(struct eg_data_set *set, const struct eg_data_key *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (!memcmp(&set->keys[i], key, sizeof(*key)))
			return;
	if (set->n == EG_INTERPRETER_DATA_MAX) {
		set->truncated = true;
		return;
	}
	set->keys[set->n++] = *key;
}

/* The directory DIR (resolved): NAME in it, or with NAME "", all of it. */
static void add_in_dir(struct eg_data_set *set, const char *dir, const char *name)
{
	struct eg_data_key key = { 0 };
	struct stat st;

	if (stat(dir, &st))
		return;
	key.dir_ino = st.st_ino;
	key.dev = eg_kernel_dev(st.st_dev);
	strcpy(key.name, name);
	add_key(set, &key);
}

static void add_directory(struct eg_data_set *set, const char *pattern, const char *real,
			  eg_data_skipped_fn skipped, void *ctx)
{
	char why[PATH_MAX + 64];

	if (!root_only(real, why, sizeof(why))) {
		skipped(ctx, pattern, real, why);
		return;
	}
	add_in_dir(set, real, "");
}

/* The file NAME in directory DIR, whether it exists or not. */
static void add_file(struct eg_data_set *set, const char *pattern, const char *path,
		     eg_data_skipped_fn skipped, void *ctx)
{
	char dir[PATH_MAX], real_dir[PATH_MAX], file[PATH_MAX + EG_DATA_NAME_LEN + 1];
	char why[PATH_MAX + EG_DATA_NAME_LEN + 64];
	const char *name = strrchr(path, '/') + 1;
	struct stat st;

	if (strlen(name) >= EG_DATA_NAME_LEN) {
		skipped(ctx, pattern, path, "its name is too long to list");
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(name - path), path);
	if (!realpath(dir, real_dir))
		return; /* nothing there: nothing to read */
	/* The file too, when it is there: root_only checks it and every directory above. */
	snprintf(file, sizeof(file), "%s/%s", strcmp(real_dir, "/") ? real_dir : "", name);
	if (!root_only(lstat(file, &st) ? real_dir : file, why, sizeof(why))) {
		skipped(ctx, pattern, path, why);
		return;
	}
	add_in_dir(set, real_dir, name);
}

/* Does PATH, or what it links to, name a directory?  Its resolved path then in REAL. */
static bool directory_named(const char *path, char real[PATH_MAX])
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode) && realpath(path, real);
}

/* A glob's match that can be data: a relative one names nothing the kernel reaches it by,
 * and "/" would be every file. */
static bool data_path(const char *path)
{
	return path[0] == '/' && strcmp(path, "/");
}

static void add_path(struct eg_data_set *set, const char *pattern, const char *path,
		     eg_data_skipped_fn skipped, void *ctx)
{
	char real[PATH_MAX];
	struct stat st;

	if (!data_path(path))
		return;
	if (directory_named(path, real)) {
		add_directory(set, pattern, real, skipped, ctx);
		return;
	}
	if (!lstat(path, &st) && S_ISLNK(st.st_mode)) {
		/* Opening the link opens what it names, under that file's own name. */
		if (realpath(path, real))
			add_file(set, pattern, real, skipped, ctx);
		return;
	}
	add_file(set, pattern, path, skipped, ctx);
}

void eg_data_dirs(const char *pattern, void (*dir_fn)(void *ctx, const char *real), void *ctx)
{
	char real[PATH_MAX], why[PATH_MAX + 64];
	glob_t found;

	if (glob(pattern, 0, NULL, &found))
		return;
	for (size_t i = 0; i < found.gl_pathc; i++)
		if (data_path(found.gl_pathv[i]) && directory_named(found.gl_pathv[i], real) &&
		    root_only(real, why, sizeof(why)))
			dir_fn(ctx, real);
	globfree(&found);
}

void eg_data_set_add(struct eg_data_set *set, const char *pattern, eg_data_skipped_fn skipped,
		     void *ctx)
{
	glob_t found;

	if (glob(pattern, GLOB_NOCHECK, NULL, &found))
		return;
	for (size_t i = 0; i < found.gl_pathc; i++)
		add_path(set, pattern, found.gl_pathv[i], skipped, ctx);
	globfree(&found);
}

static bool listed(const struct eg_data_set *set, const struct stat *dir, const char *name)
{
	struct eg_data_key key = { .dir_ino = dir->st_ino, .dev = eg_kernel_dev(dir->st_dev) };

	if (name)
		strcpy(key.name, name);
	for (size_t i = 0; i < set->n; i++)
		if (!memcmp(&set->keys[i], &key, sizeof(key)))
			return true;
	return false;
}

bool eg_data_set_holds(const struct eg_data_set *set, int fd)
{
	char path[PATH_MAX], name[EG_DATA_NAME_LEN];
	struct stat st;
	char *slash;

	if (!set->n || fstat(fd, &st))
		return false;
	eg_decider_fd_path(fd, path, sizeof(path));
	if (path[0] != '/' || !eg_decider_path_names(path, &st))
		return false;
	slash = strrchr(path, '/');
	if (snprintf(name, sizeof(name), "%s", slash + 1) >= (int)sizeof(name))
		name[0] = '\0';
	for (bool first = true;; first = false) {
		struct stat dir;

		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		/* The kernel walks the dentries and stops at the file system's root. */
		if (stat(path, &dir) || dir.st_dev != st.st_dev)
			return false;
		if ((first && name[0] && listed(set, &dir, name)) || listed(set, &dir, NULL))
			return true;
		if (!strcmp(path, "/"))
			return false;
		slash = strrchr(path, '/');
	}
}
