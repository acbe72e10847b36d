/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_BPF_BACKEND_H
#define EXECGATE_AGENT_BPF_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "execgate.h"

struct eg_bpf;

struct eg_bpf_settings {
	enum eg_mode mode;
	__u32 policy_generation;
	const char *scope_cgroup; /* cgroup v2 directory, or NULL for the whole machine */
	bool protect;             /* EG_CONFIG_PROTECT: guard the agent against signals, ptrace */
	bool pin;                 /* pin the links: the gate outlives the agent, which then
				   * leaves its pins in place even when it stops cleanly */
};

/* Why BPF LSM cannot be used here, in words for the operator; filled on -EOPNOTSUPP and on
 * load or attach failures. */
struct eg_bpf_error {
	char message[512];
};

/* Load, configure, attach and pin the gate.  Returns 0, or a negative errno with
 * ret_error->message saying what is missing ('bpf' not an active LSM, no BTF, load
 * refused).  -EEXIST: another execgated has its maps pinned. */
int eg_bpf_open(const struct eg_bpf_settings *settings, struct eg_bpf **ret_bpf,
		struct eg_bpf_error *ret_error);

/* Unpin and detach; accepts NULL. */
void eg_bpf_close(struct eg_bpf *bpf);

/* The ring buffer's map fd, for the event reader. */
int eg_bpf_events_fd(const struct eg_bpf *bpf);

/* Each program's runs and average run time in ns, as an object keyed by program name;
 * the kernel counts them only while sysctl kernel.bpf_stats_enabled is 1. */
struct json_t;
struct json_t *eg_bpf_program_stats(const struct eg_bpf *bpf);

/* Sum of one per-CPU counter (enum eg_counter). */
int eg_bpf_counter(const struct eg_bpf *bpf, enum eg_counter counter, __u64 *ret_value);

struct stat;

/* Store VERDICT for the file open on FD, bound to the version ST describes (the one that
 * was verified) and to GENERATION. */
int eg_bpf_set_verdict(struct eg_bpf *bpf, int fd, const struct stat *st, enum eg_verdict verdict,
		       enum eg_reason reason, __u32 generation);

/* The verdict of the file open on FD if it is bound to the version ST describes and to the
 * current policy generation; -ENOENT: none, -ESTALE: one for another version or generation. */
int eg_bpf_current_verdict(struct eg_bpf *bpf, int fd, const struct stat *st,
			   enum eg_verdict *ret_verdict);

/* Apply the configured miss verdict: eg_bpf_open() starts with misses allowed so that
 * the machine does not stall while the agent pre-scans and starts its consult. */
int eg_bpf_arm(struct eg_bpf *bpf, enum eg_verdict on_miss);

/* A new mode and policy generation after a reload: every older verdict becomes a miss. */
int eg_bpf_update(struct eg_bpf *bpf, enum eg_mode mode, __u32 generation);

/* Store VERDICT for the file open on FD in the pinned verdict map of a running agent,
 * bound to the file's current version and the running policy generation. */
int eg_bpf_pinned_set_verdict(int fd, enum eg_verdict verdict, enum eg_reason reason);

#endif
