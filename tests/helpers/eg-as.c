// SPDX-License-Identifier: GPL-2.0
/* eg-as: run a program as another user, for tests of the gate (the VM has no su with
 * users, and busybox's setpriv cannot change ids).
 *
 *   eg-as UID PROGRAM [ARG...]
 *
 * Drops the supplementary groups, sets the group and user ids to UID (real, effective
 * and saved), then execs PROGRAM from PATH. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long id;

	if (argc < 3) {
		fprintf(stderr, "usage: eg-as UID PROGRAM [ARG...]\n");
		return 2;
	}
	errno = 0;
	id = strtoul(argv[1], &end, 10);
	if (errno || *end || id > 0xfffffffeUL) {
		fprintf(stderr, "eg-as: bad uid %s\n", argv[1]);
		return 2;
	}
	if (setgroups(0, NULL) || setresgid((gid_t)id, (gid_t)id, (gid_t)id) ||
	    setresuid((uid_t)id, (uid_t)id, (uid_t)id)) {
		fprintf(stderr, "eg-as: %s\n", strerror(errno));
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "eg-as: exec %s: %s\n", argv[2], strerror(errno));
	return 126;
}
