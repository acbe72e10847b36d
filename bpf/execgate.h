/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The whole kernel/user ABI of execgate: verdict records kept in inode storage, the
 * settings record, event records sent through the ring buffer, counter slots, map
 * names.  Fixed-width types only, explicit padding; bump EG_ABI_VERSION on any change.
 * Included by the BPF object (after vmlinux.h) and by userspace (after <linux/types.h>). */
#ifndef EXECGATE_H
#define EXECGATE_H

#define EG_ABI_VERSION 10

#define EG_MAP_VERDICTS "eg_verdicts"
#define EG_MAP_CONFIG "eg_config"
#define EG_MAP_EVENTS "eg_events"
#define EG_MAP_COUNTERS "eg_counters"
#define EG_MAP_GUARDED "eg_guarded"
#define EG_MAP_EXEC_MAPPED "eg_exec_mapped"
#define EG_MAP_INTERPRETERS "eg_interpreters"
#define EG_MAP_INTERPRETER_DATA "eg_interpreter_data"
#define EG_MAP_INTERPRETER_SLOTS "eg_interpreter_slots"

/* Where execgated pins its maps (and, unless told to fail open, its links) in bpffs. */
#define EG_PIN_DIR "/sys/fs/bpf/execgate"
/* Where execgated serves `execgate status | reload | stop` (agent/control.h). */
#define EG_CONTROL_SOCKET "/run/execgate/control.sock"

#define EG_COMM_LEN 16
#define EG_CGROUP_NAME_LEN 64 /* a unit's name: systemd allows 255, its own units use < 64 */
#define EG_FILENAME_LEN 256
/* How long after a gated process was let through an executable mapping the file counts as
 * mapped even with no mapping in its list: the mapping is linked after the hook, a few
 * microseconds later unless the mapping process is held up (docs/threat-model.md).  In
 * clock ticks (jiffies: 1 to 2 ticks, 4 to 8 ms at HZ=250): reading the clocksource at
 * every executable mapping cost bash's 500-exec script bench about a fifth under emulation. */
#define EG_MAPPING_SETTLE_TICKS 1

enum eg_verdict {
	EG_VERDICT_NONE = 0, /* no verdict: a miss */
	EG_VERDICT_ALLOW = 1,
	EG_VERDICT_DENY = 2,
};

enum eg_mode {
	EG_MODE_AUDIT = 0, /* allow, report what enforce would deny */
	EG_MODE_ENFORCE = 1,
};

enum eg_hook {
	EG_HOOK_EXEC = 1,
	EG_HOOK_MMAP = 2,
	EG_HOOK_MPROTECT = 3,
	EG_HOOK_WRITE = 4, /* a file opened or written for writing (file_open, file_permission) */
	EG_HOOK_SCRIPT = 5, /* a file an interpreter opens or reads (eg_interpreters) */
	EG_HOOK_END,       /* one past the last hook */
};

enum eg_decision {
	EG_DECISION_ALLOW = 0,
	EG_DECISION_DENY = 1,
	EG_DECISION_AUDIT = 2, /* audit mode let through what enforce would deny */
	EG_DECISION_COUNT,
};

/* Stable reason codes: logged by name (see eg_reason_name()), never renumbered.  Every name
 * the logs use for a mode, hook, decision or reason is in agent/lib/eg_names.c. */
enum eg_reason {
	EG_REASON_NONE = 0,
	EG_REASON_NO_SIGNATURE = 1,
	EG_REASON_BAD_SIGNATURE = 2,
	EG_REASON_UNTRUSTED_CHAIN = 3,
	EG_REASON_BAD_EKU = 4,
	EG_REASON_EXPIRED = 5,
	EG_REASON_NOT_YET_VALID = 6,
	EG_REASON_REVOKED = 7,
	EG_REASON_CRL_STALE = 8,
	EG_REASON_CRL_MISSING = 9,
	EG_REASON_WEAK_ALGORITHM = 10,
	EG_REASON_BAD_TIMESTAMP = 11,
	EG_REASON_UNVERIFIED = 12,
	EG_REASON_DENIED_BY_RULE = 13,
	EG_REASON_MALFORMED = 14,
	EG_REASON_VERIFICATION_TIMEOUT = 15,
	EG_REASON_DENY_LIST = 16,
	EG_REASON_TIMESTAMP_REQUIRED = 17,
	EG_REASON_WRITABLE_MAPPING = 18,
	EG_REASON_MODIFIED_MAPPING = 19,
	EG_REASON_VERDICT = 20, /* a verdict set by hand (execgated --set-verdict) */
	EG_REASON_MAPPED_EXECUTABLE = 21, /* a write to a file a gated process maps executable */
	EG_REASON_PROC_MEM = 22,	  /* a write to /proc/PID/mem */
	EG_REASON_COUNT,
};

/* Value of EG_MAP_VERDICTS (inode storage).  A verdict holds only while the file is the
 * version it was made for (ctime, mtime, size) and its policy generation is the current
 * one, the next (made during a reload, just before the switch), or for a moment after a
 * switch the previous one (eg_config.grace_until_ns); a deny, only while no catalog was
 * added since (trust_epoch); anything else is a miss. */
struct eg_verdict_rec {
	__u8 verdict;  /* enum eg_verdict */
	__u8 trust_epoch; /* a deny: eg_config.trust_epoch's low byte when it was made; else 0 */
	__u16 reason;  /* enum eg_reason, why a deny */
	__u32 policy_generation;
	__s64 ctime_sec;
	__s64 mtime_sec;
	__u32 ctime_nsec;
	__u32 mtime_nsec;
	__s64 size;
};

/* Value of EG_MAP_CONFIG, index 0.  Written by execgated before attach and at reload. */
struct eg_config {
	__u32 abi_version;
	__u32 mode;    /* enum eg_mode */
	__u32 on_miss; /* enum eg_verdict applied in enforce mode when no verdict holds */
	__u32 policy_generation;
	__u64 scope_cgroup_id; /* 0: the whole machine; else only this cgroup v2 subtree */
	__u32 scope_cgroup_level;
	__u32 agent_tgid; /* the agent's own accesses are never gated */
	__u32 flags;      /* EG_CONFIG_* */
	__u32 trust_epoch; /* one more at each catalog added with nothing taken away: an
			    * allow still holds, a deny made before is a miss */
	__u64 grace_until_ns; /* CLOCK_BOOTTIME: until then a verdict of the previous
			       * generation still holds (execs in flight across a reload) */
	__u64 pin_dir_ino;    /* EG_PIN_DIR's inode number, 0 when nothing is pinned */
	__u32 pin_dir_dev;    /* and its device, kernel s_dev: major << 20 | minor */
	__u32 agent_tick_ns;  /* nanoseconds per clock tick of agent_start_ticks */
	__u64 agent_start_ticks; /* when the agent started, in clock ticks since boot (as in
				  * /proc/PID/stat): a process that later gets its pid is not it */
	/* Who may take the gate over from the agent (docs/agent-takeover.md): a root process
	 * running this executable (inode, device as kernel s_dev; inode 0: anyone), in the
	 * cgroup v2 of this name and level under this parent.  Known by its place, not its
	 * id: systemd removes a unit's cgroup when its process dies and makes a new one. */
	__u64 successor_exe_ino;
	__u32 successor_exe_dev;
	__u32 successor_cgroup_level;     /* 0: the root cgroup (no parent, no name) */
	__u64 successor_cgroup_parent_id;
	char successor_cgroup_name[EG_CGROUP_NAME_LEN];
};

/* eg_config.flags */
/* Refuse signals and ptrace to the agent from others, and ptrace attach and PTRACE_TRACEME by
 * gated processes; refuse others than the agent and its successor an fd of execgate's maps
 * and programs, of its links by id, and the removal or renaming of a pin (the bpf() guard). */
#define EG_CONFIG_PROTECT (1U << 0)
/* EG_MAP_INTERPRETERS names at least one: an open or a read looks up the current process's
 * executable there.  Without it every open of every process skips that lookup. */
#define EG_CONFIG_INTERPRETERS (1U << 1)

/* Key of EG_MAP_GUARDED: the programs and links the bpf() guard keeps from others.  The agent
 * registers each of its own, so the map never holds more than the object has programs and
 * links; EG_GUARDED_MAX leaves room to spare. */
enum eg_guarded_kind {
	EG_GUARDED_PROG = 1,
	EG_GUARDED_LINK = 2,
};

struct eg_guarded_key {
	__u32 kind; /* enum eg_guarded_kind */
	__u32 id;   /* the kernel's program or link id */
};

#define EG_GUARDED_MAX 64

/* Key of EG_MAP_INTERPRETERS: the executables whose processes read only trusted files (the
 * policy's `interpreter` statement), by inode number and device (kernel s_dev: major << 20 |
 * minor).  The value, a __u8, is 1.  Written by the agent at start and at every reload. */
struct eg_interpreter_key {
	__u64 ino;
	__u32 dev;
	__u32 pad0;
};

#define EG_INTERPRETERS_MAX 1024

/* EG_MAP_INTERPRETER_SLOTS: an array of __u8, 1 at the slot of every key of
 * EG_MAP_INTERPRETERS (and, for a moment during a reload, of keys just removed).  Every open
 * and read of every process looks its executable's slot up, which the verifier inlines,
 * before the hash lookup that only a process whose slot is set pays. */
#define EG_INTERPRETER_SLOTS 4096

/* A file system's inode numbers differ in their low bits; the device is spread over all
 * of them, so that the same inode number on two file systems rarely shares a slot. */
static inline __u32 eg_interpreter_slot(__u64 ino, __u32 dev)
{
	return ((__u32)ino ^ (__u32)(ino >> 32) ^ (dev * 0x9e3779b1U)) & (EG_INTERPRETER_SLOTS - 1);
}

/* Key of EG_MAP_INTERPRETER_DATA: what an interpreter reads as data, undecided (the
 * policy's `interpreter-data`).  A file by its directory's inode and its name in it, so
 * that a file replaced by rename (/etc/passwd after useradd) stays data; or, with NAME all
 * zero, a directory and everything below it.  By the dentries a file is reached through,
 * never by a path: a bind mount or a private mount namespace shows the file's own
 * directory.  The value, a __u8, is 1.  Written by the agent at start and every reload. */
#define EG_DATA_NAME_LEN 48
struct eg_data_key {
	__u64 dir_ino;
	__u32 dev;
	__u32 pad0;
	char name[EG_DATA_NAME_LEN]; /* NUL-terminated; a longer name cannot be listed */
};

#define EG_INTERPRETER_DATA_MAX 1024
/* How far up from a file's directory a listed directory is looked for. */
#define EG_DATA_DEPTH 16

enum eg_event_type {
	EG_EVENT_DECISION = 1,
	/* Not a decision: an interpreter opened a file with no current verdict; the agent
	 * verifies it for its next read.  hook, pid, ino, dev and filename (the whole path)
	 * are set. */
	EG_EVENT_SCRIPT_OPENED = 2,
};

/* Record sent through EG_MAP_EVENTS for every decision that is not a cached allow. */
struct eg_event {
	__u32 abi_version;
	__u16 type;     /* enum eg_event_type */
	__u16 hook;     /* enum eg_hook */
	__u64 time_ns;  /* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	__u64 ino;
	__s64 size;
	__u32 dev;      /* kernel s_dev: major << 20 | minor */
	__u32 pid;      /* thread group id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 policy_generation;
	__u8 decision;  /* enum eg_decision */
	__u8 mode;      /* enum eg_mode */
	__u16 reason;   /* enum eg_reason */
	__u8 verdict;   /* enum eg_verdict found in the cache */
	__u8 pad0[3];
	char comm[EG_COMM_LEN];
	char filename[EG_FILENAME_LEN]; /* as passed to exec; the file's name for mappings */
};

/* Slots of EG_MAP_COUNTERS (per-CPU array), summed by userspace. */
enum eg_counter {
	EG_COUNTER_ALLOWED = 0,
	EG_COUNTER_DENIED = 1,
	EG_COUNTER_AUDITED = 2,
	EG_COUNTER_MISSES = 3,
	EG_COUNTER_EVENT_DROPS = 4, /* ring buffer full: the decision stood, the event was lost */
	EG_COUNTER_COUNT,
};

_Static_assert(sizeof(struct eg_verdict_rec) == 40, "eg_verdict_rec is ABI");
_Static_assert(sizeof(struct eg_config) == 160, "eg_config is ABI");
_Static_assert(sizeof(struct eg_guarded_key) == 8, "eg_guarded_key is ABI");
_Static_assert(sizeof(struct eg_event) == 344, "eg_event is ABI");
_Static_assert(sizeof(struct eg_interpreter_key) == 16, "eg_interpreter_key is ABI");
_Static_assert(sizeof(struct eg_data_key) == 64, "eg_data_key is ABI");

#endif
