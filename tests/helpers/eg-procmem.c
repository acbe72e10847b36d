// SPDX-License-Identifier: GPL-2.0
/* eg-procmem: write into a process's memory through /proc/PID/mem, the way code is
 * injected into a running process without any exec.
 *
 *   eg-procmem PID    open /proc/PID/mem for writing; prints "opened" or
 *                     "refused: ERRNO_NAME"
 *   eg-procmem self   open /proc/self/mem for writing and write "mov eax, 42; ret" over
 *                     one of this program's own functions (its private, read-only file
 *                     mapping: the kernel writes it with FOLL_FORCE, as `dd seek=ADDR
 *                     of=/proc/self/mem` does), then call it; prints "ran patched code"
 *                     when the written bytes ran (x86-64 only)
 *
 * Exit 0 when opened or the code ran, 1 when refused, 2 on usage errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int refused(const char *what, int err)
{
	printf("refused: %s (%s)\n", strerrorname_np(err) ?: strerror(err), what);
	return 1;
}

/* The function overwritten: it returns 0 unless its code was replaced. */
static __attribute__((noinline)) int victim(void)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

static int patch_self(void)
{
#if defined(__x86_64__)
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
	int (*volatile fn)(void) = victim;
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return refused("open /proc/self/mem", errno);
	if (pwrite(fd, code, sizeof(code), (off_t)(uintptr_t)fn) != (ssize_t)sizeof(code))
		return refused("write /proc/self/mem", errno);
	close(fd);
	if (fn() != 42) {
		printf("patched code did not run\n");
		return 1;
	}
	printf("ran patched code\n");
	return 0;
#else
	printf("no injected code for this architecture\n");
	return 2;
#endif
}

int main(int argc, char **argv)
{
	char path[64];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: eg-procmem PID|self\n");
		return 2;
	}
	if (!strcmp(argv[1], "self"))
		return patch_self();
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("refused: %s\n", strerrorname_np(errno) ?: strerror(errno));
		return 1;
	}
	close(fd);
	printf("opened\n");
	return 0;
}
