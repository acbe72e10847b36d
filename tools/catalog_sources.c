// SPDX-License-Identifier: GPL-2.0
/*
 * The files `execgate catalog create` lists (catalog_sources.h).
 *
 * --from-deb hashes what a .deb would install from the archive itself, never from disk:
 * `dpkg-deb --fsys-tarfile` (dpkg's own reader, so every compression dpkg accepts
 * works and a damaged .deb is refused by dpkg's own checks) piped into libarchive's tar
 * reader.  The .deb's own SHA-256 is then looked up in apt's Packages lists: a match
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
	int fd, r, w;

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

/* Package, Version, Architecture of DEB, from `dpkg-deb --field`. */
static int deb_fields(const char *deb, struct installed *ret)
{
	char *argv[] = {"dpkg-deb", "--field", "--",	       (char *)deb,
			"Package",  "Version", "Architecture", NULL};
	struct eg_stanza st;
	char *out = NULL;
	size_t len, pos = 0;
	const char *v;
	size_t l;
	pid_t pid;
	int fd, r, w;

	r = spawn_out(argv, false, &fd, &pid);
	if (r)
		return r;
	r = read_fd_all(fd, 65536, &out, &len);
	close(fd);
	w = wait_ok(pid);
	if (!r && w)
		r = w;
	if (r)
		goto out;
	r = -EBADMSG;
	if (eg_stanza_next(out, len, &pos, &st) != 1)
		goto out;
	if (!eg_stanza_get(&st, "Package", &v, &l) || !l)
		goto out;
	field_copy(ret->package, v, l);
	if (!eg_stanza_get(&st, "Version", &v, &l) || !l)
		goto out;
	field_copy(ret->version, v, l);
	if (!eg_stanza_get(&st, "Architecture", &v, &l) || !l)
		goto out;
	field_copy(ret->arch, v, l);
	r = 0;
out:
	free(out);
	return r;
}

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

static bool maintainer_script(const char *name)
{
	for (size_t i = 0; i < N_MAINT_SCRIPTS; i++)
		if (!strcmp(name, maint_scripts[i]))
			return true;
	return false;
}

/* Hash every regular file of the data tar on FD into the builder, under SOURCE.  With
 * CONTROL_OF (a package name) FD is the control tar instead: only its maintainer scripts
 * are listed, under the names dpkg keeps them by (/var/lib/dpkg/info/PKG.postinst). */
static int deb_data(struct catsrc_ctx *c, const char *deb, int fd, uint32_t source,
		    const char *control_of)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	static char buf[1 << 16];
	int r = 0, ar;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_tar(a);
	archive_read_support_filter_none(a);
	if (archive_read_open_fd(a, fd, sizeof(buf)) != ARCHIVE_OK) {
		fprintf(stderr, PFX "%s: %s\n", deb, archive_error_string(a));
		r = -EBADMSG;
		goto out;
	}
	while ((ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		unsigned char sha[EG_SHA256_LEN];
		char path[4096];
		EVP_MD_CTX *md;
		la_ssize_t n;

		/* Hard links carry no data of their own: their target is listed already. */
		if (archive_entry_filetype(ent) != AE_IFREG || archive_entry_hardlink(ent))
			continue;
		if (!name || name[0] != '.' || name[1] != '/') {
			fprintf(stderr, PFX "%s: unexpected member name in the data: %s\n", deb,
				name ? name : "(none)");
			r = -EBADMSG;
			goto out;
		}
		if (control_of && !maintainer_script(name + 2))
			continue;
		if (control_of)
			snprintf(path, sizeof(path), "/var/lib/dpkg/info/%s.%s", control_of, name + 2);
		else
			snprintf(path, sizeof(path), "%s", name + 1);
		md = EVP_MD_CTX_new();
		if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(md);
			r = -ENOMEM;
			goto out;
		}
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			EVP_DigestUpdate(md, buf, (size_t)n);
		if (n < 0 || EVP_DigestFinal_ex(md, sha, NULL) != 1) {
			fprintf(stderr, PFX "%s: %s: %s\n", deb, path,
				n < 0 ? archive_error_string(a) : "cannot hash");
			EVP_MD_CTX_free(md);
			r = -EBADMSG;
			goto out;
		}
		EVP_MD_CTX_free(md);
		r = add_entry(c, sha, path, source);
		if (r)
			goto out;
	}
	if (ar != ARCHIVE_EOF) {
		fprintf(stderr, PFX "%s: %s\n", deb, archive_error_string(a));
		r = -EBADMSG;
	}
out:
	archive_read_free(a);
	return r;
}

/* The members of DEB that dpkg-deb's MEMBER option ("--fsys-tarfile" or "--ctrl-tarfile")
 * writes, into the builder under SOURCE (deb_data()). */
static int deb_tar(struct catsrc_ctx *c, const char *deb, const char *member, uint32_t source,
		   const char *control_of)
{
	char *argv[] = {"dpkg-deb", (char *)member, "--", (char *)deb, NULL};
	pid_t pid;
	int fd, r, w;

	r = spawn_out(argv, false, &fd, &pid);
	if (r) {
		fprintf(stderr, PFX "cannot run dpkg-deb: %s\n", strerror(-r));
		return r;
	}
	r = deb_data(c, deb, fd, source, control_of);
	close(fd);
	w = wait_ok(pid);
	if (!r && w) {
		fprintf(stderr, PFX "%s: dpkg-deb %s failed\n", deb, member);
		r = w;
	}
	return r;
}

static int one_deb(struct catsrc_ctx *c, const char *deb, const struct deb_listing *l)
{
	struct eg_catalog_source src;
	struct installed p;
	uint32_t id;
	int r;

	r = deb_fields(deb, &p);
	if (r) {
		fprintf(stderr, PFX "%s: not a readable .deb (dpkg-deb --field failed)\n", deb);
		return r;
	}
	if (!l->listed && c->listed_only) {
		fprintf(stderr,
			PFX "%s: %s %s left out: no signed apt index lists this .deb (sha256 %s)\n",
			deb, p.package, p.version, l->hex);
		c->left_out++;
		return 0;
	}
	src = (struct eg_catalog_source){
		.kind = EG_PROV_DEB,
		.package = p.package,
		.version = p.version,
		.arch = p.arch,
		.origin = l->ai.origin,
		.suite = l->ai.suite,
		.component = l->ai.component,
	};
	r = eg_catalog_builder_add_source(c->b, &src, &id);
	if (r) {
		fprintf(stderr, PFX "%s: %s\n", deb, strerror(-r));
		return r;
	}
	r = deb_tar(c, deb, "--fsys-tarfile", id, NULL);
	if (!r)
		r = deb_tar(c, deb, "--ctrl-tarfile", id, p.package);
	return r;
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
		r = one_deb(c, debs[i], by_deb[i]);
out:
	free(by_deb);
	free(sorted);
	return r;
}
