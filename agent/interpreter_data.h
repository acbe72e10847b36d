/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_INTERPRETER_DATA_H
#define EXECGATE_AGENT_INTERPRETER_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "execgate.h"

/* The policy's `interpreter-data` as the kernel's keys (struct eg_data_key): a file by its
 * directory and name, a directory by itself.  Only what no one but root can change counts:
 * anything else would let whoever can write there hand an interpreter code as "data". */
struct eg_data_set {
	struct eg_data_key keys[EG_INTERPRETER_DATA_MAX];
	size_t n;
	bool truncated; /* more were named than the kernel's map holds */
};

/* Why a path PATTERN named is not data, for the operator. */
typedef void (*eg_data_skipped_fn)(void *ctx, const char *pattern, const char *path,
				   const char *why);

/* Add to SET what PATTERN (an absolute path or glob(7) pattern) names now: a directory
 * (resolved), or a file by its resolved directory and its name, which need not exist yet
 * (a file created later there is data too); a symbolic link also by what it names now.
 * A path in a directory that root alone cannot be sure of (owned by another user, or
 * writable by group or others, up to /) is left out and reported to SKIPPED. */
void eg_data_set_add(struct eg_data_set *set, const char *pattern, eg_data_skipped_fn skipped,
		     void *ctx);

/* Call DIR_FN with the resolved path of each directory that PATTERN names now and that
 * counts as data (eg_data_set_add() adds it, the tree below it). */
void eg_data_dirs(const char *pattern, void (*dir_fn)(void *ctx, const char *real), void *ctx);

/* Is the file open on FD data by SET: its name in its directory, or a directory above it?
 * Answered by the path the agent sees, and only while that path still names the file. */
bool eg_data_set_holds(const struct eg_data_set *set, int fd);

#endif
