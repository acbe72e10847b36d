/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_LIBRARIES_H
#define EXECGATE_AGENT_LIBRARIES_H

#include <stdbool.h>
#include <sys/types.h>

#include "eg_ldso.h"
#include "execgate.h"

struct eg_bpf;
struct eg_consult;
struct eg_decider;

/* Before the consult answers an exec it allows: verify what the dynamic loader will map
 * for the program (eg_ldso.h) and cache each verdict, so that a signed program whose
 * signed libraries were never seen runs on its first exec instead of failing at mmap. */
struct eg_libraries {
	struct eg_ldso_dirs dirs;
	struct eg_decider *decider;
	struct eg_bpf *bpf;
};

/* Verify, silently (the kernel reports the mappings that happen), the interpreter and
 * libraries of the program open on FD that have no current verdict, and put CONSULT's
 * ignore mark on those allowed.  Files already verified under this policy cost a lookup. */
void eg_libraries_prepare(struct eg_libraries *libraries, struct eg_consult *consult, int fd);

/* A file in a library directory was opened (dlopen() opens without exec intent): if it is
 * ELF, settle its verdict before the open goes on, as eg_libraries_prepare() does.  True
 * when the file's next opens need not be reported (not ELF, or a current allow: a deny is
 * undone by a catalog added later, which the consult must then see). */
bool eg_libraries_opened(struct eg_libraries *libraries, struct eg_consult *consult, int fd);

/* Has the file open on FD a current verdict? */
bool eg_libraries_known(struct eg_libraries *libraries, int fd);

/* The current verdict of the file open on FD, when it has one (never without the BPF
 * gate). */
bool eg_libraries_verdict(struct eg_libraries *libraries, int fd, enum eg_verdict *ret_verdict);

/* A file of any kind opened by PID, a process running an interpreter, which reads it next:
 * decide it for that process (and log it, as the consult does an exec) before the open goes
 * on, as eg_libraries_opened() settles ELF files; PID 0: for no process, unlogged, only so
 * that it has a verdict.  True when its next opens need not be reported (allowed, and
 * ignore-marked). */
bool eg_libraries_script_opened(struct eg_libraries *libraries, struct eg_consult *consult, int fd,
				pid_t pid);

#endif
