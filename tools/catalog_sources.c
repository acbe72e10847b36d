// SPDX-License-Identifier: GPL-2.0
/*
 * The files `execgate catalog create` lists (catalog_sources.h).
 *
 * --from-deb hashes what a .deb would install from the archive itself, never from disk,
 * in one pass over the file and no process: libarchive reads the ar archive, and each tar
 * member through a second reader fed from the first (deb_read()).  The layout is deb(5)'s
 * and nothing else, with the compressions dpkg accepts, each by its own filter; what
 * dpkg would refuse (a member out of place, a truncated or damaged stream, a missing
 * control field) is refused.  dpkg-deb did this before, three runs of it per .deb and
 * some 11 processes with the tar and rm that --ctrl-tarfile runs: 220 processes for the
 * 20 .debs of an apt run, 1.37 times the time of `apt-get install` under qemu TCG.  The
 * .deb's own SHA-256 is then looked up in apt's Packages lists: a match
 * names the archive (Origin, Codename or Suite, component of the matching Release or
 * InRelease file) whose signed index lists that exact .deb.  apt verified those indices
 * when it fetched them; the lists directory is root's, and trusted as such.
 *
 * --from-dpkg hashes the installed files as they are on disk and keeps only those whose
 * MD5 agrees with dpkg's record: PKG.md5sums, or for a conffile the MD5 in the status
 * file's Conffiles field (what the package shipped; a conffile the administrator changed
 * disagrees).  A file changed since it was unpacked, or one dpkg keeps no MD5 of, is left
 * out and reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "catalog_sources.h"
#include "eg_pkgdb.h"

#define PFX "execgate catalog create: "
#define LIST_MAX (1024L * 1024 * 1024) /* a Packages list, status file or file list */
#define FIELD_MAX 256

extern char **environ;

/* ---- small helpers ---------------------------------------------------------------- */

static int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1), *p;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap >= max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return r;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int read_path_all(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read_fd_all(fd, LIST_MAX, ret, ret_len);
	close(fd);
	return r;
}

/* SHA-256 (and MD5 when MD5 is not NULL) of what FD reads to its end. */
static int hash_fd(int fd, unsigned char sha256[EG_SHA256_LEN], unsigned char md5[16])
{
	EVP_MD_CTX *s = EVP_MD_CTX_new(), *m = md5 ? EVP_MD_CTX_new() : NULL;
	static unsigned char buf[1 << 16];
	int r = -ENOMEM;

	if (!s || (md5 && !m) || EVP_DigestInit_ex(s, EVP_sha256(), NULL) != 1 ||
	    (m && EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (!n)
			break;
		if (EVP_DigestUpdate(s, buf, (size_t)n) != 1 ||
		    (m && EVP_DigestUpdate(m, buf, (size_t)n) != 1))
			goto out;
	}
	if (EVP_DigestFinal_ex(s, sha256, NULL) != 1 ||
	    (m && EVP_DigestFinal_ex(m, md5, NULL) != 1))
		goto out;
	r = 0;
out:
	EVP_MD_CTX_free(s);
	EVP_MD_CTX_free(m);
	return r;
}

/* Open PATH as a regular file (O_NOFOLLOW when NOFOLLOW) and hash it. */
static int hash_path(const char *path, bool nofollow, unsigned char sha256[EG_SHA256_LEN],
		     unsigned char md5[16])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0)), r;
	struct stat st;

	if (fd < 0)
		return errno == ELOOP && nofollow ? -EINVAL : -errno;
	if (fstat(fd, &st))
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = hash_fd(fd, sha256, md5);
	close(fd);
	return r;
}

static int add_entry(struct catsrc_ctx *c, const unsigned char sha256[EG_SHA256_LEN],
		     const char *name, uint32_t source)
{
	int r = eg_catalog_builder_add(c->b, sha256, name, source);

	if (r == -EINVAL)
		fprintf(stderr, PFX "%s: a file name with a line break cannot be listed\n", name);
	else if (r == -E2BIG)
		fprintf(stderr, PFX "more than %d files, more than a catalog may hold\n",
			EG_CATALOG_MAX_ENTRIES);
	else if (r)
		fprintf(stderr, PFX "%s\n", strerror(-r));
	return r;
}

/* ---- files, trees, lists ---------------------------------------------------------- */

int catsrc_file(struct catsrc_ctx *c, const char *path)
{
	unsigned char sha[EG_SHA256_LEN];
	int r;

	if (strpbrk(path, "\n\r")) {
		fprintf(stderr, PFX "%s: a file name with a line break cannot be listed\n", path);
		return -EINVAL;
	}
	r = hash_path(path, false, sha, NULL);
	if (r) {
		fprintf(stderr, PFX "%s: %s\n", path,
			r == -EINVAL ? "not a regular file" : strerror(-r));
		return r;
	}
	return add_entry(c, sha, path, 0);
}

/* nftw() has no user pointer: the walk collects into these. */
static char **walk_paths;
static size_t walk_n, walk_cap;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DNR || type == FTW_NS) {
		fprintf(stderr, PFX "%s: cannot read\n", path);
		return -EACCES;
	}
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (walk_n == walk_cap) {
		size_t ncap = walk_cap ? walk_cap * 2 : 256;
		char **p = realloc(walk_paths, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		walk_paths = p;
		walk_cap = ncap;
	}
	walk_paths[walk_n] = strdup(path);
	if (!walk_paths[walk_n])
		return -ENOMEM;
	walk_n++;
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int catsrc_walk(struct catsrc_ctx *c, const char *dir)
{
	struct stat st;
	int r;

	if (stat(dir, &st)) {
		r = -errno;
		fprintf(stderr, PFX "%s: %s\n", dir, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, PFX "%s: not a directory\n", dir);
		return -ENOTDIR;
	}
	walk_n = 0;
	/* FTW_PHYS: a symbolic link is reported, never followed, so the walk stays inside
	 * DIR; FTW_MOUNT is not set: a tree may span file systems (/usr on its own). */
	r = nftw(dir, walk_one, 64, FTW_PHYS);
	if (r == -1)
		r = -errno;
	if (r == 0) {
		qsort(walk_paths, walk_n, sizeof(*walk_paths), path_cmp);
		for (size_t i = 0; i < walk_n && !r; i++) {
			unsigned char sha[EG_SHA256_LEN];

			if (strpbrk(walk_paths[i], "\n\r")) {
				fprintf(stderr,
					PFX "%s: a file name with a line break cannot be listed\n",
					walk_paths[i]);
				r = -EINVAL;
				break;
			}
			/* O_NOFOLLOW: a file swapped for a link since the walk saw it. */
			r = hash_path(walk_paths[i], true, sha, NULL);
			if (r)
				fprintf(stderr, PFX "%s: %s\n", walk_paths[i],
					r == -EINVAL ? "no longer a regular file" : strerror(-r));
			else
				r = add_entry(c, sha, walk_paths[i], 0);
		}
	} else if (r == -ENOMEM) {
		fprintf(stderr, PFX "out of memory\n");
	}
	for (size_t i = 0; i < walk_n; i++)
		free(walk_paths[i]);
	free(walk_paths);
	walk_paths = NULL;
	walk_n = walk_cap = 0;
	return r;
}

int catsrc_files_from(struct catsrc_ctx *c, const char *list, bool nul)
{
	char sep = nul ? '\0' : '\n', *buf = NULL;
	size_t len = 0, pos = 0;
	int r;

	if (!strcmp(list, "-"))
		r = read_fd_all(STDIN_FILENO, LIST_MAX, &buf, &len);
	else
		r = read_path_all(list, &buf, &len);
	if (r) {
		fprintf(stderr, PFX "%s: %s\n", !strcmp(list, "-") ? "standard input" : list,
			strerror(-r));
		return r;
	}
	if (!nul && memchr(buf, '\0', len)) {
		fprintf(stderr, PFX "%s: holds a NUL byte (use -0 for a NUL-separated list)\n",
			list);
		free(buf);
		return -EINVAL;
	}
	while (pos < len && !r) {
		char *end = memchr(buf + pos, sep, len - pos);
		size_t l = end ? (size_t)(end - (buf + pos)) : len - pos;

		buf[pos + l] = '\0';
		if (l)
			r = catsrc_file(c, buf + pos);
		pos += l + 1;
	}
	free(buf);
	return r;
}

/* ---- dpkg ------------------------------------------------------------------------- */

/* Run ARGV with its stdout on a pipe: *RET_FD to read, *RET_PID to wait for.  QUIET:
 * its stderr goes to /dev/null (its exit status says enough). */
static int spawn_out(char *const argv[], bool quiet, int *ret_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(ret_pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r) {
		close(p[0]);
		return -r;
	}
	*ret_fd = p[0];
	return 0;
}

static int wait_ok(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EBADMSG;
}


/* The maintainer scripts dpkg runs (from a .deb's control archive, then as
 * /var/lib/dpkg/info/PKG.SCRIPT). */
static const char *const maint_scripts[] = {"preinst", "postinst", "prerm", "postrm", "config"};
#define N_MAINT_SCRIPTS (sizeof(maint_scripts) / sizeof(maint_scripts[0]))

static void field_copy(char *dst, const char *v, size_t l)
{
	l = l < FIELD_MAX - 1 ? l : FIELD_MAX - 1;
	memcpy(dst, v, l);
	dst[l] = '\0';
}

struct installed {
	char package[FIELD_MAX], version[FIELD_MAX], arch[FIELD_MAX];
	bool multiarch_same;
	const char *conffiles; /* the Conffiles field in the status file, or NULL */
	size_t conffiles_len;
};

/* Find PKG ("name" or "name:arch") in dpkg's status, with its files on disk. */
static bool status_find(const char *status, size_t len, const char *pkg, size_t *pos,
			struct installed *ret)
{
	struct eg_stanza st;
	const char *colon = pkg ? strchr(pkg, ':') : NULL;
	size_t plen = pkg ? (colon ? (size_t)(colon - pkg) : strlen(pkg)) : 0;

	while (eg_stanza_next(status, len, pos, &st) == 1) {
		const char *v;
		size_t l;

		if (!eg_stanza_get(&st, "Package", &v, &l) || l >= FIELD_MAX)
			continue;
		if (pkg && (l != plen || memcmp(v, pkg, l)))
			continue;
		field_copy(ret->package, v, l);
		/* Not only "installed": execgate's own postinst catalogs the system while
		 * execgate itself is unpacked; the md5sums vouch for what is on disk. */
		if (!eg_stanza_get(&st, "Status", &v, &l) || !eg_dpkg_status_on_disk(v, l) ||
		    !eg_stanza_get(&st, "Version", &v, &l))
			continue;
		field_copy(ret->version, v, l);
		if (!eg_stanza_get(&st, "Architecture", &v, &l))
			continue;
		field_copy(ret->arch, v, l);
		if (colon && strcmp(colon + 1, ret->arch))
			continue;
		ret->multiarch_same =
			eg_stanza_get(&st, "Multi-Arch", &v, &l) && l == 4 && !memcmp(v, "same", 4);
		if (!eg_stanza_get_lines(&st, "Conffiles", &ret->conffiles, &ret->conffiles_len))
			ret->conffiles = NULL;
		return true;
	}
	return false;
}

struct md5_entry {
	unsigned char md5[16];
	const char *path; /* without the leading '/' */
};

static int md5_cmp(const void *a, const void *b)
{
	return strcmp(((const struct md5_entry *)a)->path, ((const struct md5_entry *)b)->path);
}

/* The maintainer scripts dpkg keeps as BASE.postinst etc.: dpkg keeps no digest of them,
 * so they are listed as they are on disk (dpkg runs them at the next upgrade or removal). */
static int dpkg_scripts(struct catsrc_ctx *c, const char *base, uint32_t id)
{
	for (size_t i = 0; i < N_MAINT_SCRIPTS; i++) {
		unsigned char sha[EG_SHA256_LEN];
		char path[4096];
		int r;

		snprintf(path, sizeof(path), "%s.%s", base, maint_scripts[i]);
		r = hash_path(path, true, sha, NULL);
		if (r == -ENOENT)
			continue;
		if (!r)
			r = add_entry(c, sha, path, id);
		else
			fprintf(stderr, PFX "%s: %s\n", path,
				r == -EINVAL ? "not a regular file" : strerror(-r));
		if (r)
			return r;
	}
	return 0;
}

static int md5s_add(struct md5_entry **md5s, size_t *n, size_t *cap, const struct md5_entry *e)
{
	if (*n == *cap) {
		void *q = realloc(*md5s, (*cap = *cap ? *cap * 2 : 64) * sizeof(**md5s));

		if (!q)
			return -ENOMEM;
		*md5s = q;
	}
	(*md5s)[(*n)++] = *e;
	return 0;
}

/* The conffiles of P with the MD5 dpkg recorded for each, into MD5S; their paths are NUL
 * terminated in *COPY, a copy of the field (to be freed). */
static int dpkg_conffiles(const struct installed *p, char **copy, struct md5_entry **md5s,
			  size_t *n, size_t *cap)
{
	size_t pos = 0;
	int r;

	if (!p->conffiles)
		return 0;
	*copy = strndup(p->conffiles, p->conffiles_len);
	if (!*copy)
		return -ENOMEM;
	for (;;) {
		struct md5_entry e;
		const char *pp;
		size_t pl;

		r = eg_dpkg_conffiles_next(*copy, p->conffiles_len, &pos, e.md5, &pp, &pl);
		if (r < 0)
			fprintf(stderr, PFX "package %s: a malformed Conffiles line in dpkg's status\n",
				p->package);
		if (r <= 0)
			return r;
		((char *)pp)[pl] = '\0'; /* the blank before its MD5 */
		e.path = pp + 1;
		r = md5s_add(md5s, n, cap, &e);
		if (r)
			return r;
	}
}

static int dpkg_package(struct catsrc_ctx *c, const struct installed *p)
{
	char base[4000], path[4096], *list = NULL, *sums = NULL, *conffiles = NULL;
	struct md5_entry *md5s = NULL;
	size_t llen, slen, n = 0, cap = 0, pos = 0;
	struct eg_catalog_source src = {
		.kind = EG_PROV_DPKG,
		.package = p->package,
		.version = p->version,
		.arch = p->arch,
		.origin = "",
		.suite = "",
		.component = "",
	};
	uint32_t id;
	int r;

	/* A Multi-Arch: same package keeps its files as PKG:ARCH.list. */
	if ((size_t)snprintf(base, sizeof(base), "%s/info/%s%s%s", c->admindir, p->package,
			     p->multiarch_same ? ":" : "",
			     p->multiarch_same ? p->arch : "") >= sizeof(base)) {
		fprintf(stderr, PFX "%s: path too long\n", c->admindir);
		return -ENAMETOOLONG;
	}
	snprintf(path, sizeof(path), "%s.list", base);
	r = read_path_all(path, &list, &llen);
	if (r) {
		fprintf(stderr, PFX "%s: %s\n", path, strerror(-r));
		goto out;
	}
	snprintf(path, sizeof(path), "%s.md5sums", base);
	r = read_path_all(path, &sums, &slen);
	if (r == -ENOENT) {
		sums = NULL;
		slen = 0;
	} else if (r) {
		fprintf(stderr, PFX "%s: %s\n", path, strerror(-r));
		goto out;
	}
	for (;;) {
		struct md5_entry e;
		const char *pp;
		size_t pl;

		r = sums ? eg_dpkg_md5sums_next(sums, slen, &pos, e.md5, &pp, &pl) : 0;
		if (r < 0) {
			fprintf(stderr, PFX "%s: malformed line at byte %zu\n", path, pos);
			goto out;
		}
		if (!r)
			break;
		((char *)pp)[pl] = '\0'; /* the '\n' after it, or the final NUL */
		e.path = pp;
		r = md5s_add(&md5s, &n, &cap, &e);
		if (r)
			goto out;
	}
	r = dpkg_conffiles(p, &conffiles, &md5s, &n, &cap);
	if (r)
		goto out;
	qsort(md5s, n, sizeof(*md5s), md5_cmp);
	r = eg_catalog_builder_add_source(c->b, &src, &id);
	if (r) {
		fprintf(stderr, PFX "package %s: %s\n", p->package,
			r == -EINVAL ? "a control field holds a line break" : strerror(-r));
		goto out;
	}
	pos = 0;
	while (pos < llen) {
		char *f = list + pos, *nl = memchr(f, '\n', llen - pos);
		unsigned char sha[EG_SHA256_LEN], md5[16];
		struct md5_entry key, *m;
		struct stat st;

		if (!nl) {
			fprintf(stderr, PFX "%s.list: no final newline\n", base);
			r = -EBADMSG;
			goto out;
		}
		*nl = '\0';
		pos = (size_t)(nl - list) + 1;
		if (f[0] != '/' || memchr(f, '\0', (size_t)(nl - f))) {
			fprintf(stderr, PFX "%s.list: not an absolute path: %s\n", base, f);
			r = -EBADMSG;
			goto out;
		}
		snprintf(path, sizeof(path), "%s", f);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue; /* directories, links, diverted or removed files */
		key.path = f + 1;
		m = bsearch(&key, md5s, n, sizeof(*md5s), md5_cmp);
		if (!m) {
			fprintf(stderr, PFX "%s: %s: left out: dpkg keeps no md5sum of it\n",
				p->package, f);
			c->left_out++;
			continue;
		}
		r = hash_path(path, true, sha, md5);
		if (r) {
			fprintf(stderr, PFX "%s: %s: left out: %s\n", p->package, f,
				r == -EINVAL ? "not a regular file" : strerror(-r));
			c->left_out++;
			r = 0;
			continue;
		}
		if (memcmp(md5, m->md5, 16)) {
			fprintf(stderr,
				PFX "%s: %s: left out: its MD5 disagrees with dpkg's record "
				    "(changed since it was installed)\n",
				p->package, f);
			c->left_out++;
			continue;
		}
		r = add_entry(c, sha, f, id);
		if (r)
			goto out;
	}
	r = dpkg_scripts(c, base, id);
out:
	free(md5s);
	free(conffiles);
	free(sums);
	free(list);
	return r;
}

int catsrc_dpkg_status(const char *admindir, char **ret, size_t *ret_len)
{
	char *argv[] = {"dpkg-query",
			"--admindir",
			(char *)admindir,
			"--show",
			"--showformat=Package: ${Package}\nStatus: ${Status}\nVersion: ${Version}\n"
			"Architecture: ${Architecture}\nMulti-Arch: ${Multi-Arch}\n"
			"Conffiles:${Conffiles}\n\n",
			NULL};
	char path[4096];
	pid_t pid;
	int fd = -1, r, w;

	/* dpkg-query takes a missing database for an empty one. */
	snprintf(path, sizeof(path), "%s/status", admindir);
	if (access(path, R_OK)) {
		r = -errno;
		fprintf(stderr, PFX "%s: %s\n", path, strerror(-r));
		return r;
	}
	/* It warns of every field a hand-written status lacks: not ours to repeat. */
	r = spawn_out(argv, true, &fd, &pid);
	if (r) {
		fprintf(stderr, PFX "cannot run dpkg-query: %s\n", strerror(-r));
		return r;
	}
	r = read_fd_all(fd, LIST_MAX, ret, ret_len);
	close(fd);
	w = wait_ok(pid);
	if (r || w) {
		fprintf(stderr, PFX "dpkg-query --admindir %s failed\n", admindir);
		if (!r)
			free(*ret);
		return r ? r : w;
	}
	return 0;
}

int catsrc_dpkg(struct catsrc_ctx *c, char *const *pkgs, size_t n)
{
	char *status = NULL;
	struct installed p;
	size_t len, pos = 0;
	int r;

	r = catsrc_dpkg_status(c->admindir, &status, &len);
	if (r)
		return r;
	if (!n) {
		while (!r && status_find(status, len, NULL, &pos, &p))
			r = dpkg_package(c, &p);
	}
	for (size_t i = 0; i < n && !r; i++) {
		pos = 0;
		if (!status_find(status, len, pkgs[i], &pos, &p)) {
			fprintf(stderr, PFX "package %s is not installed (%s/status)\n",
				pkgs[i], c->admindir);
			r = -ENOENT;
			break;
		}
		r = dpkg_package(c, &p);
	}
	free(status);
	return r;
}

/* ---- .deb archives ---------------------------------------------------------------- */

struct archive_info {
	char origin[FIELD_MAX], suite[FIELD_MAX], component[FIELD_MAX];
};

/* The Release (or InRelease) file that covers the Packages list NAME in the lists
 * directory: the longest "PREFIX_" of NAME with a PREFIX_InRelease or PREFIX_Release.
 * The component is the next part of NAME after PREFIX_ ("main" in
 * host_debian_dists_bookworm_main_binary-amd64_Packages); none for a flat repository. */
static void release_of(const char *lists, const char *name, struct archive_info *ai)
{
	size_t nlen = strlen(name);

	for (size_t cut = nlen; cut > 0; cut--) {
		static const char *const rel[] = {"InRelease", "Release"};

		if (name[cut - 1] != '_' || cut == nlen)
			continue;
		for (int k = 0; k < 2; k++) {
			char path[4096], *text = NULL, *rest;
			struct eg_stanza st;
			size_t len, pos = 0, l;
			const char *v;

			snprintf(path, sizeof(path), "%s/%.*s%s", lists, (int)cut, name, rel[k]);
			if (read_path_all(path, &text, &len))
				continue;
			if (eg_stanza_next(text, len, &pos, &st) == 1) {
				if (eg_stanza_get(&st, "Origin", &v, &l))
					field_copy(ai->origin, v, l);
				if (eg_stanza_get(&st, "Codename", &v, &l) ||
				    eg_stanza_get(&st, "Suite", &v, &l))
					field_copy(ai->suite, v, l);
			}
			free(text);
			rest = strchr(name + cut, '_');
			if (rest && strcmp(rest, "_Packages") && strncmp(name + cut, "binary-", 7))
				field_copy(ai->component, name + cut,
					   (size_t)(rest - (name + cut)));
			return;
		}
	}
}

/* An apt list as apt keeps it: plain, or compressed when Acquire::GzipIndexes is set
 * (.lz4, .gz, .xz, .zst), read through libarchive's filters. */
static int read_list(const char *path, char **ret, size_t *ret_len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1), *p;
	la_ssize_t n;
	int r = -EBADMSG;

	if (!a || !buf) {
		r = -ENOMEM;
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		goto out;
	for (;;) {
		if (len == cap) {
			if (cap >= LIST_MAX) {
				r = -EFBIG;
				goto out;
			}
			p = realloc(buf, cap * 2 + 1);
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			buf = p;
			cap *= 2;
		}
		n = archive_read_data(a, buf + len, cap - len);
		if (n < 0)
			goto out;
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	archive_read_free(a);
	return r;
}

/* NAME is a Packages list, plain or compressed: the length of NAME without the
 * compression suffix, or 0. */
static size_t packages_list(const char *name)
{
	static const char *const ext[] = {"", ".lz4", ".gz", ".xz", ".zst"};
	size_t nl = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t el = strlen(ext[i]);

		if (nl >= 9 + el && !strcmp(name + nl - el, ext[i]) &&
		    !strncmp(name + nl - el - 9, "_Packages", 9))
			return nl - el;
	}
	return 0;
}

/* What apt knows of one .deb (the DEBth named): its SHA-256 in hex, and the archive whose
 * list names it. */
struct deb_listing {
	char hex[2 * EG_SHA256_LEN + 1];
	size_t deb;
	bool listed;
	struct archive_info ai;
};

static int listing_cmp(const void *a, const void *b)
{
	return strcmp(((const struct deb_listing *)a)->hex, ((const struct deb_listing *)b)->hex);
}

/* Mark the .debs of SORTED (N, by digest) that an apt list in LISTS names.  Each list is
 * read once for all of them: a Debian main list is some 100 MB once decompressed, and an
 * upgrade hands the hook hundreds of .debs. */
static void apt_lookup(const char *lists, struct deb_listing *sorted, size_t n)
{
	DIR *d = opendir(lists);
	struct dirent *de;
	size_t left = n;

	if (!d)
		return;
	while (left && (de = readdir(d))) {
		size_t nl = packages_list(de->d_name), len, pos = 0;
		char path[4096], *text = NULL;
		struct archive_info ai;
		bool have_ai = false;
		struct eg_stanza st;

		if (!nl)
			continue;
		snprintf(path, sizeof(path), "%s/%s", lists, de->d_name);
		if (read_list(path, &text, &len))
			continue;
		while (left && eg_stanza_next(text, len, &pos, &st) == 1) {
			struct deb_listing key, *hit;
			const char *v;
			size_t l;

			if (!eg_stanza_get(&st, "SHA256", &v, &l) || l != 2 * EG_SHA256_LEN)
				continue;
			memcpy(key.hex, v, l);
			key.hex[l] = '\0';
			hit = bsearch(&key, sorted, n, sizeof(*sorted), listing_cmp);
			if (!hit || hit->listed)
				continue;
			if (!have_ai) {
				memset(&ai, 0, sizeof(ai));
				de->d_name[nl] = '\0';
				release_of(lists, de->d_name, &ai);
				have_ai = true;
			}
			/* The same .deb named twice has two slots side by side. */
			while (hit > sorted && !listing_cmp(hit - 1, hit))
				hit--;
			for (; hit < sorted + n && !strcmp(hit->hex, key.hex); hit++, left--) {
				hit->listed = true;
				hit->ai = ai;
			}
		}
		free(text);
	}
	closedir(d);
}

/* NAME if it is one of maint_scripts[], as there spelled; else NULL. */
static const char *maintainer_script(const char *name)
{
	for (size_t i = 0; i < N_MAINT_SCRIPTS; i++)
		if (!strcmp(name, maint_scripts[i]))
			return maint_scripts[i];
	return NULL;
}

static const char *aerr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "read error";
}

/* S (LEN bytes) as a message may show it: up to its first line break, at most 64 bytes,
 * any other byte that is not printable ASCII as '?'. */
static const char *shown(const char *s, size_t len, char buf[65])
{
	size_t i;

	for (i = 0; i < len && i < 64 && s[i] != '\n'; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The compressions dpkg accepts for a .deb's tar members (deb(5)), each read by its own
 * libarchive filter: never archive_read_support_filter_all(), which also bids programs
 * (lrzip, lzop, grzip) that it would spawn, and would take a member whose data is not
 * compressed as its name says. */
static const struct deb_compression {
	const char *ext;
	int code; /* ARCHIVE_FILTER_* */
	int (*support)(struct archive *);
	bool control; /* accepted for control.tar too, not only for data.tar */
} deb_compressions[] = {
	{"", ARCHIVE_FILTER_NONE, NULL, true},
	{".gz", ARCHIVE_FILTER_GZIP, archive_read_support_filter_gzip, true},
	{".xz", ARCHIVE_FILTER_XZ, archive_read_support_filter_xz, true},
	{".zst", ARCHIVE_FILTER_ZSTD, archive_read_support_filter_zstd, true},
	{".bz2", ARCHIVE_FILTER_BZIP2, archive_read_support_filter_bzip2, false},
	{".lzma", ARCHIVE_FILTER_LZMA, archive_read_support_filter_lzma, false},
};

enum deb_part { DEB_IGNORED, DEB_CONTROL, DEB_DATA, DEB_BAD_COMPRESSION, DEB_UNKNOWN };

/* What the member NAME after debian-binary is: "_*" is ignored, as dpkg ignores it. */
static enum deb_part deb_part(const char *name, const struct deb_compression **ret)
{
	static const char *const base[] = {"control.tar", "data.tar"};

	if (name[0] == '_')
		return DEB_IGNORED;
	for (int k = 0; k < 2; k++) {
		size_t bl = strlen(base[k]);

		if (strncmp(name, base[k], bl))
			continue;
		for (size_t i = 0; i < sizeof(deb_compressions) / sizeof(deb_compressions[0]); i++)
			if (!strcmp(name + bl, deb_compressions[i].ext) &&
			    (k || deb_compressions[i].control)) {
				*ret = &deb_compressions[i];
				return k ? DEB_DATA : DEB_CONTROL;
			}
		return DEB_BAD_COMPRESSION;
	}
	return DEB_UNKNOWN;
}

/*
 * A tar member of a .deb, read in the same pass as the .deb: the .deb's ar reader feeds a
 * decompressor (libarchive's raw format with the one filter the member's name says),
 * which feeds a tar reader.  Two readers rather than one with both the filter and tar:
 * the tar ends at its end-of-archive blocks, and member_finish() then decompresses the
 * rest of the member, so that a truncated or damaged compressed stream is refused, as
 * dpkg refuses it.
 */
struct deb_member {
	struct archive *ar, *z, *tar; /* ar: the .deb's reader, not owned */
	char name[65];		      /* the member's name, shown() */
	char abuf[1 << 16], zbuf[1 << 16], buf[1 << 16];
};

/* The next bytes of the nested reader DST: the data of SRC, read into BUF. */
static la_ssize_t feed(struct archive *dst, struct archive *src, char *buf, size_t len,
		       const void **ret_buf)
{
	la_ssize_t n = archive_read_data(src, buf, len);

	*ret_buf = buf;
	if (n >= 0)
		return n;
	archive_set_error(dst, EIO, "%s", aerr(src));
	return -1;
}

static la_ssize_t member_z_read(struct archive *z, void *data, const void **ret_buf)
{
	struct deb_member *m = data;

	return feed(z, m->ar, m->abuf, sizeof(m->abuf), ret_buf);
}

static la_ssize_t member_tar_read(struct archive *tar, void *data, const void **ret_buf)
{
	struct deb_member *m = data;

	return feed(tar, m->z, m->zbuf, sizeof(m->zbuf), ret_buf);
}

static void member_close(struct deb_member *m)
{
	archive_read_free(m->tar);
	archive_read_free(m->z);
	m->tar = m->z = NULL;
}

/* Start reading the current member of M->ar, named NAME, compressed as Z says. */
static int member_open(struct deb_member *m, const char *deb, const char *name,
		       const struct deb_compression *z)
{
	struct archive_entry *ent;

	shown(name, strlen(name), m->name);
	m->z = archive_read_new();
	m->tar = archive_read_new();
	if (!m->z || !m->tar) {
		fprintf(stderr, PFX "out of memory\n");
		return -ENOMEM;
	}
	/* ARCHIVE_WARN: this libarchive lacks the library and would run a program. */
	if (z->support && z->support(m->z) != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: %s: this libarchive cannot decompress it itself\n", deb,
			m->name);
		return -ENOTSUP;
	}
	archive_read_support_format_raw(m->z);
	if (archive_read_open(m->z, m, NULL, member_z_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(m->z, &ent) != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: %s: %s\n", deb, m->name, aerr(m->z));
		return -EBADMSG;
	}
	/* Filter 0 is the one next to the format; the last is libarchive's own reader. */
	if (archive_filter_count(m->z) != (z->support ? 2 : 1) ||
	    archive_filter_code(m->z, 0) != z->code) {
		fprintf(stderr, PFX "%s: %s: not compressed as its name says\n", deb, m->name);
		return -EBADMSG;
	}
	archive_read_support_format_tar(m->tar);
	if (archive_read_open(m->tar, m, NULL, member_tar_read, NULL) != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: %s: %s\n", deb, m->name, aerr(m->tar));
		return -EBADMSG;
	}
	return 0;
}

/* After the tar's end: the rest of the member must decompress too. */
static int member_finish(struct deb_member *m, const char *deb)
{
	la_ssize_t n;

	while ((n = archive_read_data(m->z, m->zbuf, sizeof(m->zbuf))) > 0)
		;
	if (n < 0) {
		fprintf(stderr, PFX "%s: %s: %s\n", deb, m->name, aerr(m->z));
		return -EBADMSG;
	}
	return 0;
}

/* The next regular file of M's tar (hard links carry no data of their own: their target
 * is listed already) into *RET_NAME, its name without the leading "./".  Returns 1, 0 at
 * the tar's end, or a negative errno (said on stderr). */
static int member_next_file(struct deb_member *m, const char *deb, const char **ret_name)
{
	struct archive_entry *ent;
	int ah;

	while ((ah = archive_read_next_header(m->tar, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		char s[65];

		if (archive_entry_filetype(ent) != AE_IFREG || archive_entry_hardlink(ent))
			continue;
		if (!name || name[0] != '.' || name[1] != '/') {
			fprintf(stderr, PFX "%s: %s: unexpected member name: %s\n", deb, m->name,
				name ? shown(name, strlen(name), s) : "(none)");
			return -EBADMSG;
		}
		*ret_name = name + 2;
		return 1;
	}
	if (ah != ARCHIVE_EOF) {
		fprintf(stderr, PFX "%s: %s: %s\n", deb, m->name, aerr(m->tar));
		return -EBADMSG;
	}
	return member_finish(m, deb);
}

/* SHA-256 of the current file of M's tar; PATH names it in a message. */
static int member_hash(struct deb_member *m, const char *deb, const char *path,
		       unsigned char sha[EG_SHA256_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	la_ssize_t n = 0;
	int r = -ENOMEM;

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = archive_read_data(m->tar, m->buf, sizeof(m->buf))) > 0)
		if (EVP_DigestUpdate(md, m->buf, (size_t)n) != 1)
			goto out;
	if (n < 0) {
		r = -EBADMSG;
		goto out;
	}
	if (EVP_DigestFinal_ex(md, sha, NULL) == 1)
		r = 0;
out:
	if (r)
		fprintf(stderr, PFX "%s: %s: %s\n", deb, path,
			n < 0 ? aerr(m->tar) : "cannot hash");
	EVP_MD_CTX_free(md);
	return r;
}

/* ./control above this is refused: the longest stanza of bookworm's main Packages list
 * is 75 KiB (librust-winapi-dev, its Provides). */
#define DEB_CONTROL_MAX (16L * 1024 * 1024)
/* A control.tar holds each of the five scripts once; a repeated one is listed each time,
 * as dpkg-deb --ctrl-tarfile used to hand them over, up to this many. */
#define DEB_SCRIPTS_MAX 16

/* What the control member of a .deb says: its fields as dpkg reads them, and its
 * maintainer scripts' digests in their tar order, listed once the data is. */
struct deb_control {
	struct installed p;
	struct {
		const char *script; /* maint_scripts[] */
		unsigned char sha[EG_SHA256_LEN];
	} scripts[DEB_SCRIPTS_MAX];
	size_t n_scripts;
};

/* A version as dpkg prints it (dpkg-query, the status file that apt-post compares a
 * catalog's sources with): the epoch's leading zeros dropped, an epoch of 0 left out
 * unless the rest holds a ':'.  Anything that is not "DIGITS:REST" stays as it is. */
static void deb_version_norm(char *v)
{
	char *colon = strchr(v, ':'), e[16];
	unsigned long epoch = 0;
	int el = 0;

	if (!colon || colon == v || !colon[1])
		return;
	for (const char *p = v; p < colon; p++) {
		if (*p < '0' || *p > '9' || epoch > 0x7fffffff / 10)
			return;
		epoch = epoch * 10 + (unsigned long)(*p - '0');
	}
	if (epoch || strchr(colon + 1, ':'))
		el = snprintf(e, sizeof(e), "%lu:", epoch);
	/* No longer than it was: the epoch loses digits only. */
	memmove(v + el, colon + 1, strlen(colon + 1) + 1);
	memcpy(v, e, (size_t)el);
}

/* Package, Version and Architecture of the ./control TEXT of member M, each present and
 * not empty, into P, as dpkg keeps them: the package name in lower case (dpkg folds it),
 * the version as deb_version_norm() writes it. */
static int deb_fields(const char *deb, const struct deb_member *m, const char *text, size_t len,
		      struct installed *p)
{
	static const char *const names[] = {"Package", "Version", "Architecture"};
	char *dst[] = {p->package, p->version, p->arch};
	struct eg_stanza st;
	size_t pos = 0;

	if (eg_stanza_next(text, len, &pos, &st) != 1) {
		fprintf(stderr, PFX "%s: %s: ./control is not a control file\n", deb, m->name);
		return -EBADMSG;
	}
	for (size_t i = 0; i < 3; i++) {
		const char *v;
		size_t l;
		bool have = eg_stanza_get(&st, names[i], &v, &l);

		if (!have || !l) {
			fprintf(stderr, PFX "%s: %s: ./control has %s %s field\n", deb, m->name,
				have ? "an empty" : "no", names[i]);
			return -EBADMSG;
		}
		field_copy(dst[i], v, l);
	}
	for (char *s = p->package; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	deb_version_norm(p->version);
	return 0;
}

/* ./control (at most DEB_CONTROL_MAX) of M's tar, its current file, into *RET / *RET_LEN. */
static int member_read_control(struct deb_member *m, const char *deb, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *p;
	la_ssize_t n;

	if (!buf)
		goto oom;
	for (;;) {
		if (len == cap) {
			if (cap >= DEB_CONTROL_MAX) {
				fprintf(stderr, PFX "%s: %s: ./control is larger than %ld MiB\n",
					deb, m->name, DEB_CONTROL_MAX >> 20);
				free(buf);
				return -EFBIG;
			}
			p = realloc(buf, cap *= 2);
			if (!p)
				goto oom;
			buf = p;
		}
		n = archive_read_data(m->tar, buf + len, cap - len);
		if (n < 0) {
			fprintf(stderr, PFX "%s: %s: ./control: %s\n", deb, m->name, aerr(m->tar));
			free(buf);
			return -EBADMSG;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
oom:
	free(buf);
	fprintf(stderr, PFX "out of memory\n");
	return -ENOMEM;
}

/* The control member, opened in M, into RET. */
static int deb_control(struct deb_member *m, const char *deb, struct deb_control *ret)
{
	char *text = NULL;
	const char *name, *script;
	size_t len = 0;
	int r;

	ret->n_scripts = 0;
	while ((r = member_next_file(m, deb, &name)) == 1) {
		if (!strcmp(name, "control")) {
			if (text) {
				fprintf(stderr, PFX "%s: %s: holds ./control twice\n", deb,
					m->name);
				r = -EBADMSG;
				goto out;
			}
			r = member_read_control(m, deb, &text, &len);
			if (r)
				goto out;
			continue;
		}
		script = maintainer_script(name);
		if (!script)
			continue;
		if (ret->n_scripts == DEB_SCRIPTS_MAX) {
			fprintf(stderr, PFX "%s: %s: more than %d maintainer scripts\n", deb,
				m->name, DEB_SCRIPTS_MAX);
			r = -E2BIG;
			goto out;
		}
		ret->scripts[ret->n_scripts].script = script;
		r = member_hash(m, deb, name - 2, ret->scripts[ret->n_scripts].sha);
		if (r)
			goto out;
		ret->n_scripts++;
	}
	if (r)
		goto out;
	if (!text) {
		fprintf(stderr, PFX "%s: %s: no ./control in it\n", deb, m->name);
		r = -EBADMSG;
		goto out;
	}
	r = deb_fields(deb, m, text, len, &ret->p);
out:
	free(text);
	return r;
}

/* Every regular file of the data member, opened in M, into the builder under SOURCE. */
static int deb_data(struct catsrc_ctx *c, struct deb_member *m, const char *deb, uint32_t source)
{
	const char *name;
	int r;

	while ((r = member_next_file(m, deb, &name)) == 1) {
		unsigned char sha[EG_SHA256_LEN];

		r = member_hash(m, deb, name - 1, sha);
		if (!r)
			r = add_entry(c, sha, name - 1, source);
		if (r)
			return r;
	}
	return r;
}

/* The first member of a .deb: debian-binary, "2.", the minor version and a line break
 * (deb(5); dpkg reads no further than that line). */
static int deb_format(struct archive *ar, const char *deb)
{
	struct archive_entry *ent;
	const char *name;
	char v[32], s[65];
	la_ssize_t n, i = 2;
	int ah = archive_read_next_header(ar, &ent);

	if (ah == ARCHIVE_EOF) {
		fprintf(stderr, PFX "%s: not a .deb: an empty ar archive\n", deb);
		return -EBADMSG;
	}
	if (ah != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: not a readable .deb: %s\n", deb, aerr(ar));
		return -EBADMSG;
	}
	name = archive_entry_pathname(ent);
	if (!name || strcmp(name, "debian-binary")) {
		fprintf(stderr, PFX "%s: not a .deb: its first member is '%s', not debian-binary\n",
			deb, name ? shown(name, strlen(name), s) : "");
		return -EBADMSG;
	}
	n = archive_read_data(ar, v, sizeof(v));
	if (n < 0) {
		fprintf(stderr, PFX "%s: debian-binary: %s\n", deb, aerr(ar));
		return -EBADMSG;
	}
	while (i < n && v[i] >= '0' && v[i] <= '9')
		i++;
	if (n < 4 || v[0] != '2' || v[1] != '.' || i == 2 || i == n || v[i] != '\n') {
		fprintf(stderr, PFX "%s: not a .deb of format 2.x: its debian-binary reads '%s'\n",
			deb, shown(v, (size_t)n, s));
		return -EBADMSG;
	}
	return 0;
}

/* The maintainer scripts of CTL into the builder under SOURCE, named as dpkg keeps them. */
static int deb_scripts(struct catsrc_ctx *c, const struct deb_control *ctl, uint32_t source)
{
	for (size_t i = 0; i < ctl->n_scripts; i++) {
		char path[4096];
		int r;

		snprintf(path, sizeof(path), "/var/lib/dpkg/info/%s.%s", ctl->p.package,
			 ctl->scripts[i].script);
		r = add_entry(c, ctl->scripts[i].sha, path, source);
		if (r)
			return r;
	}
	return 0;
}

/*
 * DEB, opened in AR (an ar reader), in one pass, deb(5) strictly: debian-binary;
 * control.tar (none, .gz, .xz or .zst) once; data.tar (those, .bz2 or .lzma) once,
 * after it; members named "_*" anywhere after debian-binary are ignored, and so is
 * everything after data.tar; any other member is refused.  The control member comes
 * first, so the source (its Package, Version, Architecture) is added before the data's
 * files, and the maintainer scripts after them.
 */
static int deb_read(struct catsrc_ctx *c, struct archive *ar, const char *deb,
		    const struct deb_listing *l)
{
	struct deb_member *m = calloc(1, sizeof(*m));
	struct deb_control ctl;
	bool have_control = false;
	uint32_t id = 0;
	int r;

	if (!m) {
		fprintf(stderr, PFX "out of memory\n");
		return -ENOMEM;
	}
	m->ar = ar;
	r = deb_format(ar, deb);
	while (!r) {
		const struct deb_compression *z = NULL;
		struct archive_entry *ent;
		struct eg_catalog_source src;
		const char *name;
		int ah = archive_read_next_header(ar, &ent);
		char s[65];

		if (ah == ARCHIVE_EOF) {
			fprintf(stderr, PFX "%s: not a .deb: no %s member\n", deb,
				have_control ? "data.tar" : "control.tar");
			r = -EBADMSG;
			break;
		}
		if (ah != ARCHIVE_OK) {
			fprintf(stderr, PFX "%s: %s\n", deb, aerr(ar));
			r = -EBADMSG;
			break;
		}
		name = archive_entry_pathname(ent);
		if (!name)
			name = "";
		shown(name, strlen(name), s);
		switch (deb_part(name, &z)) {
		case DEB_IGNORED:
			break;
		case DEB_BAD_COMPRESSION:
			fprintf(stderr,
				PFX "%s: not a .deb: member '%s' has a compression dpkg does not "
				    "accept\n",
				deb, s);
			r = -EBADMSG;
			break;
		case DEB_UNKNOWN:
			fprintf(stderr,
				PFX "%s: not a .deb: unexpected member '%s' before data.tar\n", deb,
				s);
			r = -EBADMSG;
			break;
		case DEB_CONTROL:
			if (have_control) {
				fprintf(stderr,
					PFX "%s: not a .deb: a second control member '%s'\n", deb,
					s);
				r = -EBADMSG;
				break;
			}
			r = member_open(m, deb, name, z);
			if (!r)
				r = deb_control(m, deb, &ctl);
			member_close(m);
			if (r)
				break;
			have_control = true;
			if (!l->listed && c->listed_only) {
				fprintf(stderr,
					PFX "%s: %s %s left out: no signed apt index lists "
					    "this .deb (sha256 %s)\n",
					deb, ctl.p.package, ctl.p.version, l->hex);
				c->left_out++;
				goto out;
			}
			src = (struct eg_catalog_source){
				.kind = EG_PROV_DEB,
				.package = ctl.p.package,
				.version = ctl.p.version,
				.arch = ctl.p.arch,
				.origin = l->ai.origin,
				.suite = l->ai.suite,
				.component = l->ai.component,
			};
			r = eg_catalog_builder_add_source(c->b, &src, &id);
			if (r)
				fprintf(stderr, PFX "%s: %s\n", deb, strerror(-r));
			break;
		case DEB_DATA:
			if (!have_control) {
				fprintf(stderr, PFX "%s: not a .deb: %s comes before control.tar\n",
					deb, s);
				r = -EBADMSG;
				break;
			}
			r = member_open(m, deb, name, z);
			if (!r)
				r = deb_data(c, m, deb, id);
			member_close(m);
			if (!r)
				r = deb_scripts(c, &ctl, id);
			goto out;
		}
	}
out:
	member_close(m);
	free(m);
	return r;
}

/* DEB (the file, or when BUF is not NULL the LEN bytes there) into the builder. */
static int deb_open_read(struct catsrc_ctx *c, const char *deb, const void *buf, size_t len,
			 const struct deb_listing *l)
{
	struct archive *ar = archive_read_new();
	int r;

	if (!ar) {
		fprintf(stderr, PFX "out of memory\n");
		return -ENOMEM;
	}
	archive_read_support_format_ar(ar);
	if ((buf ? archive_read_open_memory(ar, buf, len)
		 : archive_read_open_filename(ar, deb, 1 << 16)) != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: not a readable .deb: %s\n", deb, aerr(ar));
		r = -EBADMSG;
	} else {
		r = deb_read(c, ar, deb, l);
	}
	archive_read_free(ar);
	return r;
}

int catsrc_deb_mem(struct catsrc_ctx *c, const char *name, const void *buf, size_t len)
{
	unsigned char sha[EG_SHA256_LEN];
	struct deb_listing l = {.listed = false};

	if (EVP_Digest(buf, len, sha, NULL, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	eg_sha256_hex(sha, l.hex);
	return deb_open_read(c, name, buf, len, &l);
}

int catsrc_debs(struct catsrc_ctx *c, char *const *debs, size_t n)
{
	struct deb_listing *sorted = calloc(n ? n : 1, sizeof(*sorted));
	const struct deb_listing **by_deb = calloc(n ? n : 1, sizeof(*by_deb));
	unsigned char sha[EG_SHA256_LEN];
	int r = 0;

	if (!sorted || !by_deb) {
		fprintf(stderr, PFX "out of memory\n");
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !r; i++) {
		r = hash_path(debs[i], false, sha, NULL);
		if (r)
			fprintf(stderr, PFX "%s: %s\n", debs[i],
				r == -EINVAL ? "not a regular file" : strerror(-r));
		eg_sha256_hex(sha, sorted[i].hex);
		sorted[i].deb = i;
	}
	if (r)
		goto out;
	qsort(sorted, n, sizeof(*sorted), listing_cmp);
	apt_lookup(c->apt_lists, sorted, n);
	for (size_t i = 0; i < n; i++)
		by_deb[sorted[i].deb] = &sorted[i];
	for (size_t i = 0; i < n && !r; i++)
		r = deb_open_read(c, debs[i], NULL, 0, by_deb[i]);
out:
	free(by_deb);
	free(sorted);
	return r;
}
