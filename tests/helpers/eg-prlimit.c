// SPDX-License-Identifier: GPL-2.0
/* eg-prlimit: set the soft limit on open files of a running process, for tests of the
 * agent at its descriptor limit (busybox has no prlimit).
 *
 *   eg-prlimit PID N      soft RLIMIT_NOFILE of PID to N (the hard limit is kept)
 *   eg-prlimit PID N M    the same, print "set N", then once standard input ends set M
 *                         and print "set M": while the agent cannot open a descriptor,
 *                         no program can be started (the kernel denies every exec it
 *                         cannot report), so the one that restores the limit must
 *                         already run
 *   eg-prlimit PID free   print PID's lowest free descriptor number: as its limit, no
 *                         new descriptor fits */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int set_soft(long pid, const char *arg)
{
	struct rlimit limit;
	unsigned long n;
	char *end;

	n = strtoul(arg, &end, 10);
	if (*end) {
		fprintf(stderr, "eg-prlimit: bad limit %s\n", arg);
		return 2;
	}
	if (prlimit((pid_t)pid, RLIMIT_NOFILE, NULL, &limit)) {
		fprintf(stderr, "eg-prlimit: %s\n", strerror(errno));
		return 1;
	}
	limit.rlim_cur = n < limit.rlim_max ? n : limit.rlim_max;
	if (prlimit((pid_t)pid, RLIMIT_NOFILE, &limit, NULL)) {
		fprintf(stderr, "eg-prlimit: %s\n", strerror(errno));
		return 1;
	}
	printf("set %lu\n", n);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	char *end, buf[64];
	long pid;
	int r;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: eg-prlimit PID N [M] | PID free\n");
		return 2;
	}
	pid = strtol(argv[1], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "eg-prlimit: bad pid %s\n", argv[1]);
		return 2;
	}
	if (!strcmp(argv[2], "free")) {
		char path[64];
		struct stat st;
		unsigned long n;

		for (n = 0;; n++) {
			snprintf(path, sizeof(path), "/proc/%ld/fd/%lu", pid, n);
			if (lstat(path, &st))
				break;
		}
		if (errno != ENOENT) {
			fprintf(stderr, "eg-prlimit: %s: %s\n", path, strerror(errno));
			return 1;
		}
		printf("%lu\n", n);
		return 0;
	}
	r = set_soft(pid, argv[2]);
	if (r || argc == 3)
		return r;
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return set_soft(pid, argv[3]);
}
