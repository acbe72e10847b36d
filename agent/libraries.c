// SPDX-License-Identifier: GPL-2.0
/* What an allowed program will map, verified before its exec goes on: see libraries.h. */
#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_backend.h"
#include "consult.h"
#include "decide.h"
#include "libraries.h"

/* More than any real program maps (a desktop browser maps about 150 libraries). */
#define MAX_OBJECTS 1024

struct prepare {
	struct eg_libraries *libraries;
	struct eg_consult *consult;
};

/* Give the library open on FD a current verdict unless it has one; true when it has an
 * allow now (false: a deny, which a catalog added later undoes, so the consult must see
 * the file's next open; or it changed while it was read, or has writers). */
static bool settle(struct eg_libraries *libraries, struct eg_consult *consult, int fd)
{
	enum eg_verdict verdict;
	bool remember = false;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	if (!eg_bpf_current_verdict(libraries->bpf, fd, &st, &verdict)) {
		/* Known already (the pre-scan, another program): pin it, so the verdict is
		 * not lost with the inode while programs that need it are cached; not when the
		 * verdict may have been made for one access only. */
		if (verdict == EG_VERDICT_ALLOW && !eg_decider_on_fuse(fd) &&
		    eg_decider_context_free(libraries->decider))
			eg_consult_remember(consult, fd);
		return verdict == EG_VERDICT_ALLOW;
	}
	eg_decider_decide(libraries->decider, fd, 0, EG_HOOK_MMAP, &remember);
	if (remember)
		eg_consult_remember(consult, fd);
	return !eg_bpf_current_verdict(libraries->bpf, fd, &st, &verdict) &&
	       verdict == EG_VERDICT_ALLOW;
}

static int prepare_one(void *ctx, int fd, const char *path)
{
	const struct prepare *prepare = ctx;

	settle(prepare->libraries, prepare->consult, fd);
	return 0;
}

bool eg_libraries_opened(struct eg_libraries *libraries, struct eg_consult *consult, int fd)
{
	unsigned char magic[SELFMAG];

	if (!libraries->bpf)
		return true;
	/* Most files in library trees are data (Python sources, locales).  dlopen() cannot
	 * load them, and an executable mapping of one is still the kernel's to decide (a
	 * miss); a write that makes one ELF drops the ignore mark. */
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, ELFMAG, SELFMAG))
		return true;
	return settle(libraries, consult, fd);
}

bool eg_libraries_verdict(struct eg_libraries *libraries, int fd, enum eg_verdict *ret_verdict)
{
	struct stat st;

	return libraries->bpf && !fstat(fd, &st) &&
	       !eg_bpf_current_verdict(libraries->bpf, fd, &st, ret_verdict);
}

bool eg_libraries_known(struct eg_libraries *libraries, int fd)
{
	enum eg_verdict verdict;

	return !libraries->bpf || eg_libraries_verdict(libraries, fd, &verdict);
}

bool eg_libraries_script_opened(struct eg_libraries *libraries, struct eg_consult *consult, int fd,
				pid_t pid)
{
	bool remember = false;

	if (!libraries->bpf)
		return true;
	eg_decider_decide(libraries->decider, fd, pid, EG_HOOK_SCRIPT, &remember);
	if (remember)
		eg_consult_remember(consult, fd);
	return remember;
}

/* The path the program was opened at, when it still names the file: $ORIGIN. */
static bool program_path(int fd, char *ret, size_t len)
{
	struct stat st;

	eg_decider_fd_path(fd, ret, len);
	return fstat(fd, &st) == 0 && eg_decider_path_names(ret, &st);
}

void eg_libraries_prepare(struct eg_libraries *libraries, struct eg_consult *consult, int fd)
{
	struct prepare prepare = { .libraries = libraries, .consult = consult };
	char path[PATH_MAX];

	if (!libraries->bpf)
		return;
	/* Errors (a malformed program, the bound) leave the rest to the kernel: whatever is
	 * not verified here is a miss at mmap, decided as misses are. */
	eg_ldso_walk(&libraries->dirs, fd, program_path(fd, path, sizeof(path)) ? path : NULL,
		     MAX_OBJECTS, prepare_one, &prepare);
}
