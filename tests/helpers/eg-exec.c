// SPDX-License-Identifier: GPL-2.0
/* eg-exec: run a program and report exactly how exec failed, for tests of the gate.
 *
 *   eg-exec PATH [ARG...]
 *
 * Prints "eg-exec: pid N" on stderr, then execs PATH.  When exec fails it prints
 * "eg-exec: exec PATH: ERRNO_NAME" and exits 126, so a test can tell EPERM from ENOENT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ENOEXEC:
		return "ENOEXEC";
	}
	return strerror(err);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: eg-exec PATH [ARG...]\n");
		return 2;
	}
	fprintf(stderr, "eg-exec: pid %d\n", (int)getpid());
	execv(argv[1], argv + 1);
	fprintf(stderr, "eg-exec: exec %s: %s\n", argv[1], errno_name(errno));
	return 126;
}
