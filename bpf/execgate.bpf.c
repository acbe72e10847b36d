// SPDX-License-Identifier: GPL-2.0
/*
 * Architecture: the kernel half of execgate.
 *
 *   lsm/bprm_check_security  every exec (execve, execveat, fexecve of a memfd): look up
 *                            the verdict the agent stored on the executable's inode,
 *                            check it still describes this version of the file under
 *                            this policy generation, allow or deny, report the decision.
 *
 * The agent (execgated) fills eg_verdicts, keyed by inode, before the exec reaches this
 * hook (the synchronous consult), and sets eg_config before attaching.  A verdict that
 * does not match the file's ctime, mtime, size or the policy generation is a miss: in
 * enforce mode the miss gets eg_config.on_miss, in audit mode it is allowed and reported.
 *
 * Decisions never depend on the ring buffer: an event that does not fit is counted in
 * eg_counters and the decision stands.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "execgate.h"
#include "compat.bpf.h"

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

/* One verdict per inode; the storage dies with the inode, so a reused inode number
 * inherits nothing.  No size: inode storage grows with the inodes that carry it. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct eg_verdict_rec);
} eg_verdicts SEC(".maps");

/* Settings, one entry, written by the agent before attach and at every reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eg_config);
} eg_config SEC(".maps");

/* 1 MiB holds about 3000 events: enough to ride out a burst while the agent drains it.
 * When it is full, the event is dropped and counted; the decision is unaffected. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} eg_events SEC(".maps");

/* Per-CPU counters, one slot per enum eg_counter; fixed size, never full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EG_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} eg_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&eg_counters, &slot);

	if (value)
		*value += 1;
}

/* The task is inside the configured cgroup v2 subtree, or no subtree is configured. */
static __always_inline bool in_scope(const struct eg_config *config)
{
	if (!config->scope_cgroup_id)
		return true;
	return bpf_get_current_ancestor_cgroup_id(config->scope_cgroup_level) ==
	       config->scope_cgroup_id;
}

/* A verdict holds only for the file version and policy generation it was made for. */
static __always_inline bool verdict_current(const struct eg_verdict_rec *rec, struct inode *inode,
					    const struct eg_config *config)
{
	struct eg_file_version version;

	if (rec->policy_generation != config->policy_generation)
		return false;
	eg_inode_version(inode, &version);
	return rec->ctime_sec == version.ctime_sec && rec->ctime_nsec == version.ctime_nsec &&
	       rec->mtime_sec == version.mtime_sec && rec->mtime_nsec == version.mtime_nsec &&
	       rec->size == version.size;
}

static __always_inline void report(const struct eg_config *config, struct inode *inode,
				   __u16 hook, __u8 decision, __u16 reason, __u8 verdict,
				   const char *filename)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct eg_event *event;

	event = bpf_ringbuf_reserve(&eg_events, sizeof(*event), 0);
	if (!event) {
		count(EG_COUNTER_EVENT_DROPS);
		return;
	}
	event->abi_version = EG_ABI_VERSION;
	event->type = EG_EVENT_DECISION;
	event->hook = hook;
	event->time_ns = bpf_ktime_get_boot_ns();
	event->cgroup_id = bpf_get_current_cgroup_id();
	event->ino = BPF_CORE_READ(inode, i_ino);
	event->size = BPF_CORE_READ(inode, i_size);
	event->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	event->pid = pid_tgid >> 32;
	event->tid = (__u32)pid_tgid;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->uid = (__u32)bpf_get_current_uid_gid();
	event->policy_generation = config->policy_generation;
	event->decision = decision;
	event->mode = config->mode;
	event->reason = reason;
	event->verdict = verdict;
	__builtin_memset(event->pad0, 0, sizeof(event->pad0));
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->filename[0] = '\0';
	if (filename)
		bpf_probe_read_kernel_str(event->filename, sizeof(event->filename), filename);
	bpf_ringbuf_submit(event, 0);
}

/* The whole decision for one access to INODE.  Returns 0 or -EPERM. */
static __always_inline int decide(struct inode *inode, struct eg_verdict_rec *rec, __u16 hook,
				  const char *filename)
{
	__u32 zero = 0;
	struct eg_config *config = bpf_map_lookup_elem(&eg_config, &zero);
	__u8 verdict = EG_VERDICT_NONE;
	__u16 reason = EG_REASON_NONE;
	bool deny;

	/* Not configured yet: the agent attaches only after writing the config, so this
	 * is a program loaded by someone else; stay out of the way. */
	if (!config || config->abi_version != EG_ABI_VERSION)
		return 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == config->agent_tgid)
		return 0;
	if (!in_scope(config))
		return 0;

	if (rec && verdict_current(rec, inode, config))
		verdict = rec->verdict;

	if (verdict == EG_VERDICT_ALLOW) {
		count(EG_COUNTER_ALLOWED);
		return 0;
	}
	if (verdict == EG_VERDICT_DENY) {
		deny = true;
		reason = rec->reason;
	} else {
		count(EG_COUNTER_MISSES);
		deny = config->on_miss != EG_VERDICT_ALLOW;
		reason = deny ? EG_REASON_UNVERIFIED : EG_REASON_NONE;
	}

	if (!deny) {
		count(EG_COUNTER_ALLOWED);
		report(config, inode, hook, EG_DECISION_ALLOW, reason, verdict, filename);
		return 0;
	}
	if (config->mode != EG_MODE_ENFORCE) {
		count(EG_COUNTER_AUDITED);
		report(config, inode, hook, EG_DECISION_AUDIT, reason, verdict, filename);
		return 0;
	}
	count(EG_COUNTER_DENIED);
	report(config, inode, hook, EG_DECISION_DENY, reason, verdict, filename);
	return -EPERM;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(execgate_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct eg_verdict_rec *rec;

	if (ret)
		return ret;
	rec = bpf_inode_storage_get(&eg_verdicts, bprm->file->f_inode, 0, 0);
	return decide(bprm->file->f_inode, rec, EG_HOOK_EXEC, bprm->filename);
}
