// SPDX-License-Identifier: GPL-2.0
/* eg-exec: run a program one of the ways an attacker might, and report exactly how exec
 * failed, for tests of the gate.
 *
 *   eg-exec [--memfd | --execveat | --deleted] PATH [ARG...]
 *
 *   (default)    execv(PATH)
 *   --memfd      copy PATH into a memfd_create() file and fexecve() it
 *   --execveat   open PATH, execveat(fd, "", AT_EMPTY_PATH)
 *   --deleted    open PATH, unlink it, exec /proc/self/fd/N
 *
 * Prints "eg-exec: pid N" on stderr, then execs.  When exec fails it prints
 * "eg-exec: exec PATH: ERRNO_NAME" and exits 126, so a test can tell EPERM from ENOENT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* "EPERM", not "Operation not permitted": what the tests match. */
static const char *errno_name(int err)
{
	return strerrorname_np(err) ?: strerror(err);
}

static int copy_to_memfd(const char *path)
{
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC), out = memfd_create("eg-exec", 0);
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return n < 0 ? -1 : out;
}

int main(int argc, char **argv)
{
	const char *how = "execv";
	char fd_path[64];
	int first = 1, fd;

	if (argc > 1 && !strncmp(argv[1], "--", 2)) {
		how = argv[1] + 2;
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: eg-exec [--memfd | --execveat | --deleted] PATH [ARG...]\n");
		return 2;
	}
	fprintf(stderr, "eg-exec: pid %d\n", (int)getpid());
	if (!strcmp(how, "execv")) {
		execv(argv[first], argv + first);
	} else if (!strcmp(how, "memfd")) {
		fd = copy_to_memfd(argv[first]);
		if (fd >= 0)
			fexecve(fd, argv + first, environ);
	} else if (!strcmp(how, "execveat")) {
		fd = open(argv[first], O_RDONLY);
		if (fd >= 0)
			syscall(SYS_execveat, fd, "", argv + first, environ, AT_EMPTY_PATH);
	} else if (!strcmp(how, "deleted")) {
		fd = open(argv[first], O_RDONLY);
		if (fd >= 0 && unlink(argv[first]) == 0) {
			snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
			execv(fd_path, argv + first);
		}
	} else {
		fprintf(stderr, "eg-exec: unknown way '%s'\n", how);
		return 2;
	}
	fprintf(stderr, "eg-exec: exec %s: %s\n", argv[first], errno_name(errno));
	return 126;
}
