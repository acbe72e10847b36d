// SPDX-License-Identifier: GPL-2.0
/* eg-procmem: try to open /proc/PID/mem for writing, the way code is injected into a
 * running process without any exec.  Prints "opened" or "refused: ERRNO_NAME". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: eg-procmem PID\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("refused: %s\n", errno == EPERM ? "EPERM" : errno == EACCES ? "EACCES"
										 : strerror(errno));
		return 1;
	}
	close(fd);
	printf("opened\n");
	return 0;
}
