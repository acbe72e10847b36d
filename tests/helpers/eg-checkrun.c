// SPDX-License-Identifier: GPL-2.0
/* eg-checkrun: the smallest interpreter that asks the kernel before it runs a script, as
 * Linux 6.14's AT_EXECVE_CHECK lets one do, for tests of the gate.
 *
 *   eg-checkrun SCRIPT
 *
 * Opens SCRIPT, asks execveat(fd, "", argv, envp, AT_EMPTY_PATH | AT_EXECVE_CHECK) whether
 * it may run it (the kernel decides as for an exec, and runs nothing), and only then
 * "runs" it: every line "echo WORDS" prints WORDS, every other line is skipped.  Exit
 * status: 0 ran; 126 refused ("eg-checkrun: SCRIPT: ERRNO_NAME" on stderr); 77 the kernel
 * does not know AT_EXECVE_CHECK (EINVAL: before 6.14); 2 usage or I/O error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif

extern char **environ;

int main(int argc, char **argv)
{
	char *args[] = {argv[1], NULL}, line[4096];
	FILE *script;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: eg-checkrun SCRIPT\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "eg-checkrun: %s: %s\n", argv[1], strerrorname_np(errno));
		return 2;
	}
	if (syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH | AT_EXECVE_CHECK)) {
		fprintf(stderr, "eg-checkrun: %s: %s\n", argv[1], strerrorname_np(errno));
		return errno == EINVAL ? 77 : 126;
	}
	/* Read through the descriptor that was checked, never the name again. */
	script = fdopen(fd, "r");
	if (!script)
		return 2;
	while (fgets(line, sizeof(line), script))
		if (!strncmp(line, "echo ", 5))
			fputs(line + 5, stdout);
	fclose(script);
	return 0;
}
