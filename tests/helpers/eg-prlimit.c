// SPDX-License-Identifier: GPL-2.0
/* eg-prlimit: set the soft limit on open files of a running process, for tests of the
 * agent at its descriptor limit (busybox has no prlimit).
 *
 *   eg-prlimit PID N      soft RLIMIT_NOFILE of PID to N (the hard limit is kept)
 *   eg-prlimit PID open   print how many descriptors PID has open now */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	struct rlimit limit;
	char *end;
	long pid;
	unsigned long n;

	if (argc != 3) {
		fprintf(stderr, "usage: eg-prlimit PID N|open\n");
		return 2;
	}
	pid = strtol(argv[1], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "eg-prlimit: bad pid %s\n", argv[1]);
		return 2;
	}
	if (!strcmp(argv[2], "open")) {
		char path[64];
		struct dirent *entry;
		unsigned long count = 0;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
		dir = opendir(path);
		if (!dir) {
			fprintf(stderr, "eg-prlimit: %s: %s\n", path, strerror(errno));
			return 1;
		}
		while ((entry = readdir(dir)))
			if (entry->d_name[0] != '.')
				count++;
		closedir(dir);
		printf("%lu\n", count);
		return 0;
	}
	n = strtoul(argv[2], &end, 10);
	if (*end) {
		fprintf(stderr, "eg-prlimit: bad limit %s\n", argv[2]);
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
	return 0;
}
