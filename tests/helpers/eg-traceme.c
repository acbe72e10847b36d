// SPDX-License-Identifier: GPL-2.0
/* eg-traceme: a child asks to be traced (PTRACE_TRACEME) and stops; its parent writes
 * "mov eax, 42; ret" over one of the child's functions with PTRACE_POKETEXT and lets it
 * run that function.  No ptrace attach, so no ptrace_access_check: the path a gate that
 * checks only attaches misses.
 *
 * Prints "ran patched code" (exit 0) when the written bytes ran in the child,
 * "refused: ERRNO_NAME (STEP)" (exit 1) when a step was refused.  x86-64 only. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define REFUSED_STATUS 3

static int refused(const char *what, int err)
{
	printf("refused: %s (%s)\n", strerrorname_np(err) ?: strerror(err), what);
	fflush(stdout);
	return 1;
}

static __attribute__((noinline)) int victim(void)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

int main(void)
{
#if defined(__x86_64__)
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
	int (*volatile fn)(void) = victim;
	long word;
	int status;
	pid_t child;

	fflush(stdout);
	child = fork();
	if (child < 0)
		return refused("fork", errno);
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			refused("traceme", errno);
			_exit(REFUSED_STATUS);
		}
		raise(SIGSTOP);
		_exit(fn());
	}
	if (waitpid(child, &status, 0) < 0)
		return refused("waitpid", errno);
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == REFUSED_STATUS ? 1 : 2;
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, child, (void *)(uintptr_t)fn, NULL);
	if (errno) {
		int err = errno;

		kill(child, SIGKILL);
		return refused("peektext", err);
	}
	memcpy(&word, code, sizeof(code));
	if (ptrace(PTRACE_POKETEXT, child, (void *)(uintptr_t)fn, (void *)word) < 0) {
		int err = errno;

		kill(child, SIGKILL);
		return refused("poketext", err);
	}
	ptrace(PTRACE_CONT, child, NULL, NULL);
	if (waitpid(child, &status, 0) < 0)
		return refused("waitpid", errno);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 42) {
		printf("ran patched code\n");
		return 0;
	}
	printf("patched code did not run (status %#x)\n", status);
	return 1;
#else
	printf("no injected code for this architecture\n");
	return 2;
#endif
}
