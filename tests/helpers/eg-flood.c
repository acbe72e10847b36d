// SPDX-License-Identifier: GPL-2.0
/* eg-flood: exec PATH N times in a tight loop (fork, execv, wait) and count how many
 * ran and how many exec refused with EPERM.  Prints "ran=R eperm=E other=O us_per_exec=T"
 * (T: wall-clock microseconds per fork+exec+wait, for the benchmarks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long n, ran = 0, eperm = 0, other = 0;
	struct timespec start, end;

	if (argc != 3 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: eg-flood N PATH\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			perror("eg-flood: fork");
			return 2;
		}
		if (pid == 0) {
			char *child_argv[] = { argv[2], NULL };

			execv(argv[2], child_argv);
			_exit(errno == EPERM ? 126 : 127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
			other++;
		else if (WEXITSTATUS(status) == 126)
			eperm++;
		else if (WEXITSTATUS(status) == 0)
			ran++;
		else
			other++;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("ran=%lu eperm=%lu other=%lu us_per_exec=%.1f\n", ran, eperm, other,
	       ((double)(end.tv_sec - start.tv_sec) * 1e6 + (double)(end.tv_nsec - start.tv_nsec) / 1e3) /
		       (double)n);
	return 0;
}
