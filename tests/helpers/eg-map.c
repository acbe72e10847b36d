// SPDX-License-Identifier: GPL-2.0
/* eg-map: try one way of mapping a file executable, for tests of the mmap and mprotect
 * hooks.  Prints "mapped" or "refused: ERRNO_NAME"; exit 0 or 1 (2 on usage errors).
 *
 *   eg-map exec FILE    mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE): how ld.so maps code
 *   eg-map wx FILE      mmap(PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE)
 *   eg-map patch FILE   mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE), write a byte, then
 *                       mprotect(PROT_READ|PROT_EXEC): code patched in memory
 *   eg-map later FILE   mmap(PROT_READ, MAP_PRIVATE), then mprotect(PROT_READ|PROT_EXEC)
 *   eg-map writer FILE  keep FILE open for writing, then mmap(PROT_READ|PROT_EXEC)
 *   eg-map scribble FILE  mmap(PROT_READ|PROT_WRITE, MAP_SHARED), change the last byte,
 *                       msync: the file modified through a mapping, no write() involved
 *
 * Code injection, each after an allowed mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE) or a
 * mapping made executable; each then calls the bytes it wrote ("mov eax, 42; ret") and
 * prints "ran patched code" when they ran (x86-64 only):
 *   eg-map rewrite FILE   open FILE for writing while it is mapped, write the code into it
 *   eg-map addwrite FILE  mprotect(PROT_READ|PROT_WRITE|PROT_EXEC) of the executable
 *                         mapping, write the code into it
 *   eg-map addexec FILE   mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE), mprotect it to
 *                         PROT_READ|PROT_WRITE|PROT_EXEC before any write, then write
 *   eg-map hold FILE      mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE), print "mapped" and keep
 *                         the mapping until stdin ends
 *   eg-map protrewrite FILE  mmap(PROT_READ, MAP_PRIVATE), mprotect it to
 *                         PROT_READ|PROT_EXEC, then open FILE for writing, write the code
 *   eg-map protwriter FILE   open FILE for writing first, then the same mapping made
 *                         executable by mprotect, then write the code through it */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int report(const char *what, int err)
{
	if (!err) {
		printf("mapped\n");
		return 0;
	}
	printf("refused: %s (%s)\n", strerrorname_np(err) ?: strerror(err), what);
	return 1;
}

/* mov eax, 42; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

/* Call CODE written at MAP: an exit status of 0 says the injected bytes ran. */
static int run_patched(const char *map)
{
#if defined(__x86_64__)
	int (*volatile fn)(void) = (int (*)(void))(uintptr_t)map;

	if (fn() == 42) {
		printf("ran patched code\n");
		return 0;
	}
	printf("patched code did not run\n");
	return 1;
#else
	(void)map;
	printf("no injected code for this architecture\n");
	return 2;
#endif
}

static int inject(const char *how, const char *path, int fd, size_t len)
{
	char *map;
	int writer;

	if (!strcmp(how, "protrewrite") || !strcmp(how, "protwriter")) {
		writer = -1;
		if (!strcmp(how, "protwriter") && (writer = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return report("open for writing", errno);
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return report("mmap", errno);
		if (mprotect(map, len, PROT_READ | PROT_EXEC))
			return report("mprotect", errno);
		if (writer < 0 && (writer = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return report("open for writing", errno);
		if (pwrite(writer, code, sizeof(code), 0) != (ssize_t)sizeof(code))
			return report("write", errno);
		return run_patched(map);
	}
	if (!strcmp(how, "addexec")) {
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return report("mmap", errno);
		if (mprotect(map, len, PROT_READ | PROT_WRITE | PROT_EXEC))
			return report("mprotect", errno);
		memcpy(map, code, sizeof(code));
		return run_patched(map);
	}
	map = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return report("mmap", errno);
	if (!strcmp(how, "addwrite")) {
		if (mprotect(map, len, PROT_READ | PROT_WRITE | PROT_EXEC))
			return report("mprotect", errno);
		memcpy(map, code, sizeof(code));
		return run_patched(map);
	}
	if (!strcmp(how, "hold")) {
		char line[16];

		printf("mapped\n");
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin))
			;
		return 0;
	}
	writer = open(path, O_WRONLY | O_CLOEXEC);
	if (writer < 0)
		return report("open for writing", errno);
	if (pwrite(writer, code, sizeof(code), 0) != (ssize_t)sizeof(code))
		return report("write", errno);
	return run_patched(map);
}

int main(int argc, char **argv)
{
	const char *how, *path;
	size_t len = 4096;
	char *map;
	int fd, writer = -1;

	if (argc != 3) {
		fprintf(stderr, "usage: eg-map exec|wx|patch|later|writer|scribble|rewrite|addwrite|"
				"addexec|hold|protrewrite|protwriter FILE\n");
		return 2;
	}
	how = argv[1];
	path = argv[2];
	fd = open(path, strcmp(how, "scribble") ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "eg-map: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!strcmp(how, "exec") || !strcmp(how, "writer")) {
		if (!strcmp(how, "writer"))
			writer = open(path, O_WRONLY | O_CLOEXEC);
		map = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		return report("mmap", map == MAP_FAILED ? errno : 0);
	}
	if (!strcmp(how, "wx")) {
		map = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, fd, 0);
		return report("mmap", map == MAP_FAILED ? errno : 0);
	}
	if (!strcmp(how, "patch") || !strcmp(how, "later")) {
		int patch = !strcmp(how, "patch");

		map = mmap(NULL, len, PROT_READ | (patch ? PROT_WRITE : 0), MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return report("mmap", errno);
		if (patch)
			map[0] ^= 0xff;
		return report("mprotect", mprotect(map, len, PROT_READ | PROT_EXEC) ? errno : 0);
	}
	if (!strcmp(how, "scribble")) {
		off_t size = lseek(fd, 0, SEEK_END);

		if (size <= 0)
			return report("lseek", size < 0 ? errno : EINVAL);
		map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return report("mmap", errno);
		map[size - 1] ^= 0xff;
		return report("msync", msync(map, (size_t)size, MS_SYNC) ? errno : 0);
	}
	if (!strcmp(how, "rewrite") || !strcmp(how, "addwrite") || !strcmp(how, "addexec") ||
	    !strcmp(how, "hold") || !strcmp(how, "protrewrite") || !strcmp(how, "protwriter"))
		return inject(how, path, fd, len);
	fprintf(stderr, "eg-map: unknown way '%s'\n", how);
	(void)writer;
	return 2;
}
