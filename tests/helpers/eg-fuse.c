// SPDX-License-Identifier: GPL-2.0
/* eg-fuse: a read-only FUSE filesystem serving BACKING at MOUNTPOINT, for tests of the gate.
 *
 *   eg-fuse BACKING MOUNTPOINT [libfuse options, e.g. -f]
 *
 * It can do what any FUSE server can, and what the gate must answer: change a file's bytes
 * without changing its times or size.  While BACKING/.swap exists, each open of NAME for
 * which BACKING/NAME.alt exists reads NAME.alt's bytes, and getattr still reports NAME's
 * stat.  Files are opened without keep_cache, so the kernel drops its cached pages on every
 * open and each open reads what the server serves now.  While BACKING/.stall exists, every
 * read waits until it is removed: a file whose verification cannot finish until the test
 * lets it (libfuse serves each request on a thread of its own, so nothing else waits). */
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Paths from libfuse start with "/": relative to the backing directory, "/" is ".". */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

static int backing(void)
{
	return *(int *)fuse_get_context()->private_data;
}

static int eg_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	return fstatat(backing(), rel(path), st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int eg_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dirent *entry;
	DIR *dir;
	int fd;

	fd = openat(backing(), rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -ENOMEM;
	}
	while ((entry = readdir(dir)))
		if (fill(buf, entry->d_name, NULL, 0, 0))
			break;
	closedir(dir);
	return 0;
}

static int eg_open(const char *path, struct fuse_file_info *fi)
{
	char alt[PATH_MAX];
	const char *name = rel(path);
	int fd;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	if (faccessat(backing(), ".swap", F_OK, 0) == 0 &&
	    snprintf(alt, sizeof(alt), "%s.alt", name) < (int)sizeof(alt) &&
	    faccessat(backing(), alt, F_OK, 0) == 0)
		name = alt;
	fd = openat(backing(), name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int eg_read(const char *path, char *buf, size_t size, off_t offset,
		   struct fuse_file_info *fi)
{
	ssize_t n;

	while (faccessat(backing(), ".stall", F_OK, 0) == 0)
		usleep(10000);
	n = pread((int)fi->fh, buf, size, offset);
	return n < 0 ? -errno : (int)n;
}

static int eg_release(const char *path, struct fuse_file_info *fi)
{
	close((int)fi->fh);
	return 0;
}

static const struct fuse_operations eg_ops = {
	.getattr = eg_getattr,
	.readdir = eg_readdir,
	.open = eg_open,
	.read = eg_read,
	.release = eg_release,
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	int dir, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: eg-fuse BACKING MOUNTPOINT [libfuse options]\n");
		return 2;
	}
	dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		perror(argv[1]);
		return 1;
	}
	/* libfuse parses the command line without BACKING, and mounts read-only. */
	if (fuse_opt_add_arg(&args, argv[0]) || fuse_opt_add_arg(&args, "-oro"))
		return 1;
	for (int i = 2; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]))
			return 1;
	ret = fuse_main(args.argc, args.argv, &eg_ops, &dir);
	fuse_opt_free_args(&args);
	close(dir);
	return ret;
}
