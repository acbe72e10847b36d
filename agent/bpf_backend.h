/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_BPF_BACKEND_H
#define EXECGATE_AGENT_BPF_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "execgate.h"

struct eg_bpf;

/* A device number as the kernel's s_dev holds it, as the maps and events carry it. */
static inline __u32 eg_kernel_dev(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

struct eg_bpf_settings {
	enum eg_mode mode;
	__u32 policy_generation;
	const char *scope_cgroup; /* cgroup v2 directory, or NULL for the whole machine */
	bool protect;             /* EG_CONFIG_PROTECT: guard the agent against signals, ptrace */
	bool pin;                 /* pin the links: the gate outlives the agent, which then
				   * leaves its pins in place even when it stops cleanly */
	enum eg_verdict on_miss;  /* in enforce mode, a file with no current verdict */
	bool script_reads;        /* the policy names interpreters: their reads are checked
				   * from the start (lsm/file_permission attached); else from
				   * the first eg_bpf_set_interpreters() that names one */
	bool verifier_stats;      /* libbpf prints each program's verification time and size */
	bool take_over;           /* eg_bpf_pinned_gate() found a gate to take over */
	__u32 pinned_generation;  /* and its policy generation */
};

/* Why BPF LSM cannot be used here, in words for the operator; filled on -EOPNOTSUPP and on
 * load or attach failures. */
struct eg_bpf_error {
	char message[512];
};

/* Is a gate pinned in EG_PIN_DIR, and may this process take it over from its dead agent
 * (docs/agent-takeover.md)?  1: yes, *ret_generation is its policy generation; 0: no gate
 * pinned; -EPERM: this process is not the successor its agent recorded (refused by the
 * kernel when the gate is protected); -EEXIST: its agent still runs; -EPROTO: another ABI.
 * ret_error->message says which. */
int eg_bpf_pinned_gate(__u32 *ret_generation, struct eg_bpf_error *ret_error);

/* Load and configure the gate (on the pinned gate's maps with settings->take_over), pin its
 * maps; nothing is attached yet, so the consult can start before the first miss is denied.
 * Returns 0, or a negative errno with ret_error->message saying what is missing ('bpf' not
 * an active LSM, no BTF, load refused). */
int eg_bpf_open(const struct eg_bpf_settings *settings, struct eg_bpf **ret_bpf,
		struct eg_bpf_error *ret_error);

/* Attach the programs, with misses as settings->on_miss says from the first moment, and
 * pin the links (replacing a gate taken over) when settings->pin. */
int eg_bpf_attach(struct eg_bpf *bpf, struct eg_bpf_error *ret_error);

/* Did eg_bpf_open() take a pinned gate over?  Then its policy generation is the old one
 * until the first eg_bpf_update(). */
bool eg_bpf_took_over(const struct eg_bpf *bpf);

/* The executable ST describes, and no longer this agent's, is the one its successor runs:
 * a package upgrade replaced the agent's binary, and the agent verified the new one. */
int eg_bpf_set_successor_exe(struct eg_bpf *bpf, const struct stat *st);

/* At close, release the pinned gate (lift the guard, let anyone remove or take it) instead
 * of handing it over to the successor: for a stop the operator asked for. */
void eg_bpf_release_on_close(struct eg_bpf *bpf);

/* Detach; unpin unless the gate is to outlive the agent.  Accepts NULL. */
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
 * was verified) and to GENERATION; a deny, also to TRUST_EPOCH. */
int eg_bpf_set_verdict(struct eg_bpf *bpf, int fd, const struct stat *st, enum eg_verdict verdict,
		       enum eg_reason reason, __u32 generation, __u32 trust_epoch);

/* The verdict of the file open on FD if it is bound to the version ST describes, to
 * GENERATION and, a deny, to TRUST_EPOCH; -ENOENT: none, -ESTALE: one for another
 * version, generation or epoch. */
int eg_bpf_verdict_as_of(struct eg_bpf *bpf, int fd, const struct stat *st, __u32 generation,
			 __u32 trust_epoch, enum eg_verdict *ret_verdict);

/* The same, as of the generation and epoch the kernel runs now. */
int eg_bpf_current_verdict(struct eg_bpf *bpf, int fd, const struct stat *st,
			   enum eg_verdict *ret_verdict);

/* Make the files ST[0..N) describe the interpreters (EG_MAP_INTERPRETERS): each is added,
 * then every other entry removed, so no moment has fewer; the first time N is not 0, the
 * read check is attached (and pinned, guarded) if it was not.  -E2BIG: more than
 * EG_INTERPRETERS_MAX. */
int eg_bpf_set_interpreters(struct eg_bpf *bpf, const struct stat *st, size_t n);
/* Make KEYS[0..N) what interpreters read as data (EG_MAP_INTERPRETER_DATA), the same way.
 * -E2BIG: more than EG_INTERPRETER_DATA_MAX. */
int eg_bpf_set_interpreter_data(struct eg_bpf *bpf, const struct eg_data_key *keys, size_t n);
/* A new mode, policy generation or trust epoch after a reload: a new generation makes
 * every older verdict a miss, a new trust epoch every older deny. */
int eg_bpf_update(struct eg_bpf *bpf, enum eg_mode mode, __u32 generation, __u32 trust_epoch);

/* Store VERDICT for the file open on FD in the pinned verdict map of a running agent,
 * bound to the file's current version and the running policy generation. */
int eg_bpf_pinned_set_verdict(int fd, enum eg_verdict verdict, enum eg_reason reason);

#endif
