// SPDX-License-Identifier: GPL-2.0
/* eg-time: run a command once and print "us=T status=S" on stderr: T wall-clock
 * microseconds from fork to exit, S its exit status (for the benchmarks; the guest's
 * busybox has no such timer). */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: eg-time CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &end);
	fprintf(stderr, "us=%.0f status=%d\n",
		(double)(end.tv_sec - start.tv_sec) * 1e6 + (double)(end.tv_nsec - start.tv_nsec) / 1e3,
		WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
