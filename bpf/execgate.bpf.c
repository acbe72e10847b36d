// SPDX-License-Identifier: GPL-2.0
/*
 * Architecture: the kernel half of execgate.
 *
 *   lsm/bprm_check_security  every exec (execve, execveat, fexecve of a memfd): look up
 *                            the verdict the agent stored on the executable's inode,
 *                            check it still describes this version of the file under
 *                            this policy generation, allow or deny, report the decision.
 *   lsm/mmap_file            an executable mapping of a file (shared libraries, the
 *                            program and interpreter mapped by exec, `ld.so ./prog`):
 *                            the same decision (on FUSE a verdict serves its exec alone:
 *                            held_verdict()); and, whatever the verdict, no executable
 *                            mapping of a file that has writers, nor a private mapping
 *                            that is writable and executable at once.
 *   lsm/file_mprotect        adding PROT_EXEC to a file mapping: the same decision, with
 *                            the same refusal of a file that has writers, and never on a
 *                            mapping whose pages were modified (copy-on-write); no file
 *                            mapping becomes writable and executable at once (W^X).
 *   lsm/file_open            a gated process may not open for writing a file that a gated
 *   lsm/file_permission      process maps executable (the kernel stopped refusing writers
 *                            of mapped libraries in 5.15), nor /proc/PID/mem (its writes
 *                            patch private file mappings with no mmap or mprotect); a
 *                            descriptor opened for writing before a mapping stops the
 *                            mapping (mmap_file).  The second hook, attached only while
 *                            the policy names an interpreter, checks each write as
 *                            well.  The same two programs decide scripts:
 *                            a process whose executable is an interpreter (eg_interpreters,
 *                            the policy's `interpreter` list) reads a regular file: the file
 *                            is decided like a program, EACCES when refused; at open only
 *                            when it has a current verdict (a miss may still be settled by
 *                            the consult between open and read), at every read always.
 *   lsm/task_kill            with EG_CONFIG_PROTECT: no signal reaches the agent but its
 *   lsm/ptrace_access_check  own and init's; nobody ptraces it; a gated process may not
 *   lsm/ptrace_traceme       ptrace-attach anything, nor ask its parent to trace it.
 *   lsm/bpf_map              with EG_CONFIG_PROTECT, no process but the agent and its
 *   lsm/bpf_prog             successor (is_successor) gets an fd of execgate's maps or
 *   lsm/bpf                  programs, by id or from a pin, nor of its links by id (the
 *   lsm/inode_unlink         bpf() guard); the pin directory's entries can be neither
 *   lsm/inode_rename         removed nor renamed, and bpffs cannot be unmounted, so the
 *   lsm/sb_umount            pinned links, and with them the gate, outlive the agent.
 *
 * Every program is non-sleepable ("lsm/", not "lsm.s/"), file_open included, which the
 * kernel would let sleep: none reads user memory or waits, and inode storage and the maps
 * are used the same way from every hook.
 *
 * The agent (execgated) fills eg_verdicts, keyed by inode, before the exec reaches this
 * hook (the synchronous consult), and sets eg_config before attaching.  A successor agent
 * reuses the pinned maps, writes itself into eg_config, attaches its own programs beside
 * the running ones and then replaces their pinned links: at every moment one set of
 * programs gates, on one config (docs/agent-takeover.md).  A verdict that
 * does not match the file's ctime, mtime, size or the policy generation is a miss: in
 * enforce mode the miss gets eg_config.on_miss, in audit mode it is allowed and reported.
 *
 * Decisions never depend on the ring buffer: an event that does not fit is counted in
 * eg_counters and the decision stands.
 *
 * Loading: since 6.3, for every load of a pointer from a trusted pointer (a hook's
 * argument, bpf_get_current_task_btf(), file->f_inode) the verifier looks up the kernel's
 * lists of fields that stay trusted by name in the kernel's BTF (btf_nested_type_is_trusted:
 * a linear search of its 100,000 types, four of them for a field on no list), again on
 * every path it explores.  Under emulation that was four fifths of the programs' load
 * time, and the load is a second of every boot.  So a chain read for a value goes through
 * BPF_CORE_READ (probe reads, which the verifier does not type), and a pointer a program
 * needs as one (an inode for inode storage; the superblock every read and write looks at)
 * is loaded once, where the program starts, and passed down.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "execgate.h"
#include "compat.bpf.h"

#define EPERM 1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define VM_EXEC 0x00000004UL
#define VM_SHARED 0x00000008UL
#define PTRACE_MODE_ATTACH 0x02
#define MAY_EXEC 0x01
#define MAY_WRITE 0x02
#define FMODE_WRITE 0x2
#define PROC_SUPER_MAGIC 0x9fa0
#define FUSE_SUPER_MAGIC 0x65735546

char LICENSE[] SEC("license") = "GPL";

/* One verdict per inode; the storage dies with the inode, so a reused inode number
 * inherits nothing.  No size: inode storage grows with the inodes that carry it. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct eg_verdict_rec);
} eg_verdicts SEC(".maps");

/* The inodes a gated process was allowed to map executable, with the time (jiffies) of the
 * last such mapping: while one exists, or is on its way (EG_MAPPING_SETTLE_TICKS),
 * gated processes may not write the file.  Gone with the inode; no size, like eg_verdicts.
 * Never cleared: whether a mapping still exists is read from the inode each time
 * (mapped_executable()). */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} eg_exec_mapped SEC(".maps");

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

/* The ids of execgate's programs and links, written by the agent right after load and after
 * attach, for the bpf() guard.  Sized for every program in this object with room to spare;
 * when it is full the agent's update fails and it refuses to start (an object it could not
 * register would be left unguarded). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_GUARDED_MAX);
	__type(key, struct eg_guarded_key);
	__type(value, __u8);
} eg_guarded SEC(".maps");

/* Per-CPU counters, one slot per enum eg_counter; fixed size, never full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EG_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} eg_counters SEC(".maps");

/* The interpreters, by inode and device, written by the agent from the policy at start and
 * at every reload; fixed size, the agent refuses a policy that names more. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_INTERPRETERS_MAX);
	__type(key, struct eg_interpreter_key);
	__type(value, __u8);
} eg_interpreters SEC(".maps");

/* What interpreters read as data, written by the agent from the policy at start and at
 * every reload; fixed size, the agent keeps to it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_INTERPRETER_DATA_MAX);
	__type(key, struct eg_data_key);
	__type(value, __u8);
} eg_interpreter_data SEC(".maps");

/* EG_MAP_INTERPRETER_SLOTS (execgate.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EG_INTERPRETER_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} eg_interpreter_slots SEC(".maps");

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

/* A verdict holds only for the file version and policy generation it was made for.  During
 * a reload the agent re-verifies under the next generation before it switches the
 * config over, so a verdict one generation ahead is already good: no exec between the two
 * steps finds its library verdicts gone.  An exec the consult allowed just before the
 * switch maps its program just after it: the previous generation holds for that grace. */
static __always_inline bool verdict_current(const struct eg_verdict_rec *rec, struct inode *inode,
					    const struct eg_config *config)
{
	__u32 ahead = rec->policy_generation - config->policy_generation;
	struct eg_file_version version;

	if (ahead > 1 && !(ahead == (__u32)-1 && bpf_ktime_get_boot_ns() < config->grace_until_ns))
		return false;
	/* Trust added since can turn a deny into an allow, never the other way. */
	if (rec->verdict == EG_VERDICT_DENY && rec->trust_epoch != (__u8)config->trust_epoch)
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

/* The whole decision for one access to INODE.  FORCED_REASON, when not EG_REASON_NONE,
 * denies whatever the verdict (a mapping that could run code no verdict covered).
 * Returns 0 or -EPERM. */
/* Is TASK the agent?  Its pid alone is not enough: after the agent dies, another process
 * can be given the same pid, so its start time must match too. */
static __always_inline bool is_agent(const struct eg_config *config, struct task_struct *task)
{
	__u64 started = BPF_CORE_READ(task, group_leader, start_boottime);

	return config->agent_tgid && BPF_CORE_READ(task, tgid) == config->agent_tgid &&
	       config->agent_tick_ns && started / config->agent_tick_ns == config->agent_start_ticks;
}

/* The settings when the agent wrote them with FLAG set; else NULL.  An array lookup: no
 * helper call. */
static __always_inline struct eg_config *configured_with(__u32 flag)
{
	__u32 zero = 0;
	struct eg_config *config = bpf_map_lookup_elem(&eg_config, &zero);

	if (!config || config->abi_version != EG_ABI_VERSION || !(config->flags & flag))
		return NULL;
	return config;
}

/* The settings when the current process is gated: configured, in scope, not the agent;
 * else NULL. */
static __always_inline struct eg_config *gating(void)
{
	__u32 zero = 0;
	struct eg_config *config = bpf_map_lookup_elem(&eg_config, &zero);

	/* Not configured yet: the agent attaches only after writing the config, so this
	 * is a program loaded by someone else; stay out of the way. */
	if (!config || config->abi_version != EG_ABI_VERSION)
		return NULL;
	if (is_agent(config, bpf_get_current_task_btf()) || !in_scope(config))
		return NULL;
	return config;
}

static __always_inline bool on_fuse(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_magic) == FUSE_SUPER_MAGIC;
}

/* The verdict that may serve this access to INODE.  On FUSE the server decides what every
 * read returns and can serve other bytes under unchanged times and size: the agent verifies
 * every exec there again, and the verdict it leaves serves that one exec alone (bprm_check
 * takes it, and the exec's mappings of its program are that exec's: exec_own_mapping()).
 * Any other access to a FUSE file finds none: a miss. */
static __always_inline struct eg_verdict_rec *held_verdict(struct inode *inode, __u16 hook)
{
	if (hook != EG_HOOK_EXEC && on_fuse(inode))
		return NULL;
	return bpf_inode_storage_get(&eg_verdicts, inode, 0, 0);
}

/* REC's verdict when it holds for INODE under CONFIG, else EG_VERDICT_NONE (a miss). */
static __always_inline __u8 current_verdict(struct eg_config *config, struct eg_verdict_rec *rec,
					    struct inode *inode)
{
	return config && rec && verdict_current(rec, inode, config) ? rec->verdict
								     : EG_VERDICT_NONE;
}

/* The decision with the settings CONFIG (gating()), the verdict record REC
 * (held_verdict()) and its VERDICT (current_verdict()) a hook has looked up already. */
static __always_inline int decide_with(struct eg_config *config, struct eg_verdict_rec *rec,
				       __u8 verdict, struct inode *inode, __u16 hook,
				       const char *filename, __u16 forced_reason)
{
	__u16 reason = EG_REASON_NONE;
	bool deny;

	if (!config)
		return 0;

	if (forced_reason) {
		deny = true;
		reason = forced_reason;
	} else if (verdict == EG_VERDICT_ALLOW) {
		count(EG_COUNTER_ALLOWED);
		return 0;
	} else if (verdict == EG_VERDICT_DENY) {
		deny = true;
		reason = rec ? rec->reason : EG_REASON_UNVERIFIED;
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

static __always_inline int decide(struct inode *inode, __u16 hook, const char *filename,
				  __u16 forced_reason)
{
	struct eg_verdict_rec *rec = held_verdict(inode, hook);
	struct eg_config *config = gating();

	return decide_with(config, rec, current_verdict(config, rec, inode), inode, hook,
			   filename, forced_reason);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(execgate_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct inode *inode = bprm->file->f_inode;
	int err;

	if (ret)
		return ret;
	err = decide(inode, EG_HOOK_EXEC, bprm->filename, EG_REASON_NONE);
	/* Taken by this exec: the next one on FUSE is verified again (held_verdict()). */
	if (on_fuse(inode))
		bpf_inode_storage_delete(&eg_verdicts, inode);
	return err;
}

/* The binary loader mapping the program of the exec under way on FUSE, whose verdict
 * bprm_check took: by then the program's file is the address space's exe_file
 * (begin_new_exec), the very struct file bprm_check decided, which no descriptor refers to
 * (prctl(PR_SET_MM_MAP) aside: docs/threat-model.md, item 6).  A later exec, or
 * /proc/self/exe opened again, is another struct file. */
static __always_inline bool exec_own_mapping(struct file *file, struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return on_fuse(inode) && BPF_CORE_READ(task, mm, exe_file) == file;
}

/* The mapped file's name, its last path component: bpf_d_path() is not allowed in these
 * hooks, and an analyst reading a denied mapping needs more than a device and inode. */
static __always_inline const char *mapped_name(struct file *file)
{
	return (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name);
}

/* A shared writable mapping changes the file with no write(): on tmpfs and other
 * filesystems without page_mkwrite, not even its times move, and fanotify sees no modify
 * event that would drop the agent's ignore mark.  The verdict goes the moment such a
 * mapping is made, for every process, gated or not: the next exec or mapping of the file
 * is a miss (denied in enforce mode), never an allow of bytes nobody verified. */
static __always_inline void forget_written_through_mapping(struct inode *inode)
{
	bpf_inode_storage_delete(&eg_verdicts, inode);
}

/* Is INODE mapped executable by a gated process right now?  The stamp says a gated process
 * was allowed such a mapping; the inode's own list of mappings says whether any mapping is
 * left.  A stacking filesystem (overlayfs; FUSE passthrough) maps the backing file's pages,
 * so its own inode's list stays empty: there the stamp alone counts, for the inode's
 * lifetime.  A mapping whose check passed is not in the list until the mapping process
 * links it, after the hook: at an OPENING for writing, a stamp at most
 * EG_MAPPING_SETTLE_TICKS old stands for it (execgate_mmap_file() stamps before it counts the
 * writers).  Later, through that descriptor, the mapping it raced with was refused (it
 * counted the writer), so the list alone says: read first, with no helper call, as every
 * write asks. */
static __always_inline bool mapped_executable(struct inode *inode, struct super_block *sb,
					     bool opening)
{
	bool listed = sb->s_stack_depth > 0 || inode->i_mapping->i_mmap.rb_root.rb_node;
	__u64 *stamp;

	if (!listed && !opening)
		return false;
	stamp = bpf_inode_storage_get(&eg_exec_mapped, inode, 0, 0);
	return stamp && (listed || bpf_jiffies64() - *stamp <= EG_MAPPING_SETTLE_TICKS);
}

/* /proc/PID/mem and /proc/PID/task/TID/mem: the only files named "mem" on procfs.  FILE is
 * on SB. */
static __always_inline bool is_proc_mem(struct file *file, struct super_block *sb)
{
	struct dentry *dentry;
	char name[4] = {};

	if (sb->s_magic != PROC_SUPER_MAGIC)
		return false;
	dentry = BPF_CORE_READ(file, f_path.dentry);
	if (BPF_CORE_READ(dentry, d_name.len) != 3)
		return false;
	bpf_probe_read_kernel(name, sizeof(name), BPF_CORE_READ(dentry, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm';
}

/* A gated process writing FILE: its bytes must not change under an executable mapping, and
 * /proc/PID/mem writes go around every mapping check (FOLL_FORCE patches read-only private
 * file mappings).  Decided as any other access: denied in enforce mode, reported as audit
 * in audit mode.  OPENING: at the open for writing, not a write through a descriptor.
 * INODE and SB: FILE's, loaded by the program. */
static __always_inline int check_write(struct file *file, struct inode *inode,
				       struct super_block *sb, bool opening)
{
	__u16 reason;

	if (is_proc_mem(file, sb))
		reason = EG_REASON_PROC_MEM;
	else if (mapped_executable(inode, sb, opening))
		reason = EG_REASON_MAPPED_EXECUTABLE;
	else
		return 0;
	return decide(inode, EG_HOOK_WRITE, mapped_name(file), reason);
}

/* A gated process is let through an executable mapping of INODE: stamp it now.  True
 * when stamped. */
static __always_inline bool stamp_exec_mapped(struct inode *inode)
{
	__u64 *stamp =
		bpf_inode_storage_get(&eg_exec_mapped, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!stamp)
		return false;
	__sync_lock_test_and_set(stamp, bpf_jiffies64());
	return true;
}

/* FILE becomes executable in a gated process's address space (HOOK: mmap, or mprotect
 * adding PROT_EXEC), with FORCED_REASON as the hook found: decided, and stamped when let
 * through.  No file with writers: code that can still change under the mapping was never
 * what a verdict covered.  A mapping that will be let through is stamped before the
 * writers are counted, and the exchange is a full barrier: a writer's open counts itself
 * before file_open reads the stamp, so of the two, one sees the other. */
static __always_inline int decide_exec_mapping(struct file *file, struct inode *inode, __u16 hook,
					       __u16 forced_reason)
{
	struct eg_verdict_rec *rec = held_verdict(inode, hook);
	struct eg_config *config = gating();
	__u8 verdict = current_verdict(config, rec, inode);
	bool own = hook == EG_HOOK_MMAP && exec_own_mapping(file, inode);
	bool stamped;
	int err;

	stamped = config && !forced_reason && (own || verdict == EG_VERDICT_ALLOW) &&
		  stamp_exec_mapped(inode);
	if (!forced_reason && inode->i_writecount.counter > 0)
		forced_reason = EG_REASON_WRITABLE_MAPPING;
	if (!forced_reason && own)
		err = 0;
	else
		err = decide_with(config, rec, verdict, inode, hook, mapped_name(file),
				  forced_reason);
	/* Stamped for every gated process the mapping was let through for (audit mode too),
	 * so that its writers are decided from now on. */
	if (!err && config && !stamped)
		stamp_exec_mapped(inode);
	return err;
}

SEC("lsm/mmap_file")
int BPF_PROG(execgate_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct inode *inode;
	int err;

	/* Anonymous memory has no file to verify: out of scope. */
	if (ret || !file)
		return ret;
	inode = file->f_inode;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE)) {
		/* Writing through a shared mapping is writing the file. */
		err = check_write(file, inode, inode->i_sb, false);
		if (err)
			return err;
		forget_written_through_mapping(inode);
	}
	if (!(prot & PROT_EXEC))
		return 0;
	/* Code that can still change under the mapping was never what a verdict covered. */
	return decide_exec_mapping(file, inode, EG_HOOK_MMAP,
				   (flags & MAP_TYPE) == MAP_PRIVATE && (prot & PROT_WRITE)
					   ? EG_REASON_WRITABLE_MAPPING
					   : EG_REASON_NONE);
}

SEC("lsm/file_mprotect")
int BPF_PROG(execgate_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct inode *inode;
	struct file *file;

	if (ret)
		return ret;
	file = vma->vm_file;
	if (!file)
		return 0;
	inode = file->f_inode;
	if ((prot & PROT_WRITE) && (BPF_CORE_READ(vma, vm_flags) & VM_SHARED)) {
		int err = check_write(file, inode, inode->i_sb, false);

		if (err)
			return err;
		forget_written_through_mapping(inode);
	}
	/* W^X, as mmap_file has it: read-exec to read-write-exec would let the process write
	 * code into a mapping already executable, and read-write to read-write-exec before
	 * the first write would leave the pages to be modified with no later check. */
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return decide(inode, EG_HOOK_MPROTECT, mapped_name(file),
			      EG_REASON_WRITABLE_MAPPING);
	if (!(prot & PROT_EXEC) || (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return 0;
	/* Pages copied on write hold bytes that are not the file's: patched code. */
	return decide_exec_mapping(file, inode, EG_HOOK_MPROTECT,
				   BPF_CORE_READ(vma, anon_vma) ? EG_REASON_MODIFIED_MAPPING
								: EG_REASON_NONE);
}

/* 0 when ALLOWED, else -EPERM.  Since 6.12 the verifier checks an LSM program's return is
 * within [-MAX_ERRNO, 0] ("bpf, lsm: Add check for BPF LSM return value");
 * clang turns a plain "allowed ? 0 : -EPERM" into arithmetic (-(bool)) whose range the
 * verifier cannot follow, so the error value is hidden from the compiler and chosen by
 * a branch. */
static __always_inline int eg_refuse_unless(bool allowed)
{
	int refused = -EPERM;

	barrier_var(refused);
	return allowed ? 0 : refused;
}

static __always_inline struct eg_config *protecting(void)
{
	return configured_with(EG_CONFIG_PROTECT);
}

SEC("lsm/task_kill")
int BPF_PROG(execgate_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct eg_config *config = protecting();
	struct task_struct *sender = bpf_get_current_task_btf();

	if (ret || !config || !sig || !is_agent(config, p))
		return ret;
	/* The agent itself, and init, which must be able to stop and restart services. */
	return eg_refuse_unless(is_agent(config, sender) || sender->tgid == 1);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(execgate_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct eg_config *config = protecting();

	if (ret || !config)
		return ret;
	if (is_agent(config, child) && !is_agent(config, bpf_get_current_task_btf()))
		return eg_refuse_unless(false);
	/* Writing another process's memory runs code no exec check ever saw. */
	return eg_refuse_unless(!((mode & PTRACE_MODE_ATTACH) && in_scope(config)));
}

/* PTRACE_TRACEME: the child asks its parent to trace it, which then writes the child's code
 * with PTRACE_POKETEXT; no ptrace_access_check runs.  A gated process may not ask. */
SEC("lsm/ptrace_traceme")
int BPF_PROG(execgate_ptrace_traceme, struct task_struct *parent, int ret)
{
	struct eg_config *config = protecting();

	if (ret || !config)
		return ret;
	return eg_refuse_unless(!in_scope(config) || is_agent(config, bpf_get_current_task_btf()));
}

/*
 * The bpf() guard.  A process other than the agent may not obtain a file descriptor of
 * execgate's maps or programs, nor remove the pins of its links; without those it can
 * neither read nor write a map, nor load a program that uses our maps, nor detach the
 * gate.  Every way to an fd passes one of these checks:
 *   maps      bpf_map_new_fd() (MAP_GET_FD_BY_ID, OBJ_GET of a pin) calls the bpf_map
 *             hook: the map is compared with the addresses of our own maps.
 *   programs  bpf_prog_new_fd() (PROG_GET_FD_BY_ID, OBJ_GET) calls the bpf_prog hook:
 *             the program's id is looked up in eg_guarded.
 *   links     bpf_link_new_fd() has no hook: LINK_GET_FD_BY_ID is refused in the bpf
 *             hook when the id is in eg_guarded.  OBJ_GET of a pinned link is not
 *             refused: an LSM program's link (a tracing link) has neither detach nor
 *             update on any kernel the gate runs on (LINK_DETACH is EOPNOTSUPP,
 *             LINK_UPDATE EINVAL; tests/vm/harden.bats), so its fd can only keep the
 *             program attached.  What would detach it is the removal of its pin, refused
 *             below.  Refusing lookups in the pin directory instead took a program on
 *             every directory of every path walk.
 *   the agent's own descriptors: /proc/PID/fd and pidfd_getfd() need ptrace access to
 *             the agent, which ptrace_access_check refuses.
 * Listing ids (*_GET_NEXT_ID) and BTF stay open: they reveal nothing that can change the
 * gate.  The agent loads these programs only when protection is asked for: they run on
 * every bpf() call, unlink and rename.  Not covered: a process that obtained an fd before
 * the guard was attached (the few milliseconds between load and attach at start, and for
 * links until the agent has recorded their ids just after attach) keeps it; start
 * execgated early at boot.
 */

/* The current task may take the gate over (docs/agent-takeover.md): it runs as root the
 * executable recorded by the agent, in the agent's cgroup (its place: name, level, parent),
 * where only the service manager starts it.  A root process elsewhere, or running another
 * program there, is not it.  Every map or program descriptor any process takes comes
 * here: the executable, three loads, is compared first. */
static __always_inline bool is_successor(const struct eg_config *config)
{
	struct task_struct *task = bpf_get_current_task_btf();
	char name[EG_CGROUP_NAME_LEN];
	struct inode *exe;
	__u32 level;

	exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (!exe || !config->successor_exe_ino ||
	    BPF_CORE_READ(exe, i_ino) != config->successor_exe_ino ||
	    BPF_CORE_READ(exe, i_sb, s_dev) != config->successor_exe_dev ||
	    BPF_CORE_READ(task, cred, euid.val) != 0)
		return false;
	level = BPF_CORE_READ(task, cgroups, dfl_cgrp, level);
	if (level != config->successor_cgroup_level)
		return false;
	if (!level)
		return true;
	if (bpf_get_current_ancestor_cgroup_id(level - 1) != config->successor_cgroup_parent_id)
		return false;
	__builtin_memset(name, 0, sizeof(name));
	if (bpf_probe_read_kernel_str(name, sizeof(name),
				      BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name)) <= 0)
		return false;
	for (int i = 0; i < EG_CGROUP_NAME_LEN; i++) {
		if (name[i] != config->successor_cgroup_name[i])
			return false;
		if (!name[i])
			return true;
	}
	return false;
}

/* A process other than the agent and its successor, while protection is on: the config,
 * else NULL. */
static __always_inline struct eg_config *guarding(void)
{
	struct eg_config *config = protecting();

	if (!config || is_agent(config, bpf_get_current_task_btf()) || is_successor(config))
		return NULL;
	return config;
}

static __always_inline bool guarded_id(__u32 kind, __u32 id)
{
	struct eg_guarded_key key = { .kind = kind, .id = id };

	return bpf_map_lookup_elem(&eg_guarded, &key) != NULL;
}

SEC("lsm/bpf_map")
int BPF_PROG(execgate_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret || !guarding())
		return ret;
	return eg_refuse_unless(map != (struct bpf_map *)&eg_verdicts &&
				map != (struct bpf_map *)&eg_config &&
				map != (struct bpf_map *)&eg_events &&
				map != (struct bpf_map *)&eg_counters &&
				map != (struct bpf_map *)&eg_guarded &&
				map != (struct bpf_map *)&eg_exec_mapped &&
				map != (struct bpf_map *)&eg_interpreters &&
				map != (struct bpf_map *)&eg_interpreter_slots &&
				map != (struct bpf_map *)&eg_interpreter_data);
}

SEC("lsm/bpf_prog")
int BPF_PROG(execgate_bpf_prog, struct bpf_prog *prog, int ret)
{
	if (ret || !guarding())
		return ret;
	return eg_refuse_unless(!guarded_id(EG_GUARDED_PROG, BPF_CORE_READ(prog, aux, id)));
}

/* Only the arguments every supported kernel passes are named, and not the previous
 * program's return value that follows them: "security: Propagate caller information in bpf
 * hooks" (2025) appended a bool kernel to security_bpf(), which moves it.  The trampoline
 * runs this program only while the programs before it returned 0. */
SEC("lsm/bpf")
int BPF_PROG(execgate_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	if (cmd != BPF_LINK_GET_FD_BY_ID || !guarding())
		return 0;
	return eg_refuse_unless(!guarded_id(EG_GUARDED_LINK, BPF_CORE_READ(attr, link_id)));
}

/* The pin directory: no entry is removed, and none is renamed, into it or out of it (a
 * rename onto a pin's name removes that pin; a pin moved out could be removed where no
 * guard looks).  Each pin is a reference to a link: with the agent gone, the last one.  The
 * directory itself may be renamed within its parent: the pins move with it, still guarded.
 * It is known by device and inode number; bpffs numbers inodes from a counter, so a clash
 * after that wraps could only refuse more, and the directory cannot be removed while it
 * holds pins.  A hard link to a pin elsewhere is not refused: one more reference, which
 * can only keep the gate longer. */
static __always_inline bool is_pin_dir(const struct eg_config *config, struct inode *inode)
{
	return config->pin_dir_ino && inode->i_ino == config->pin_dir_ino &&
	       BPF_CORE_READ(inode, i_sb, s_dev) == config->pin_dir_dev;
}

/* A change of an entry in FROM that lands in TO (the same directory for an unlink): refused
 * to others than the agent and its successor when either is the pin directory.  Every unlink
 * and rename of the machine comes here: the directories are compared first, by direct
 * loads, and who asks only in the pin directory. */
static __always_inline int guard_pin_entries(struct inode *from, struct inode *to)
{
	struct eg_config *config = protecting();

	if (!config || (!is_pin_dir(config, from) && !is_pin_dir(config, to)))
		return 0;
	return eg_refuse_unless(!guarding());
}

SEC("lsm/inode_unlink")
int BPF_PROG(execgate_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return guard_pin_entries(dir, dir);
}

/* RENAME_EXCHANGE too: the kernel asks for each direction. */
SEC("lsm/inode_rename")
int BPF_PROG(execgate_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return guard_pin_entries(old_dir, new_dir);
}

/* Unmounting the last mount of bpffs would drop every pin with its superblock, and with
 * them the links once the agent is gone.  Any mount of that superblock is refused: a copy
 * in another mount namespace goes away with its namespace, which calls no hook. */
SEC("lsm/sb_umount")
int BPF_PROG(execgate_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct eg_config *config;

	if (ret)
		return ret;
	config = guarding();
	if (!config || !config->pin_dir_ino)
		return 0;
	return eg_refuse_unless(BPF_CORE_READ(mnt, mnt_sb, s_dev) != config->pin_dir_dev);
}

/*
 * Scripts.  An interpreter reads its program as data: no exec, no executable mapping.  So a
 * process whose executable is one of the policy's interpreters may read only files the gate
 * would let run, or that the policy names as its data (interpreter-data): every read of
 * another regular file is decided like an exec of it (the same verdict cache, the same miss
 * rule), and refused with EACCES.  Other processes pay a lookup of their executable per
 * read.  Opens for exec (FMODE_EXEC: execve's own reads of a
 * program, AT_EXECVE_CHECK) are the exec hooks' to decide.
 */
#define EACCES 13
#define FMODE_READ 0x1
#define FMODE_EXEC 0x20
#define __FMODE_EXEC 0x20 /* the open flag; f_mode does not carry FMODE_EXEC on every kernel */
#define SYSFS_MAGIC 0x62656572
#define CGROUP2_SUPER_MAGIC 0x63677270
#define MAY_READ 0x04
#define S_IFMT 00170000
#define S_IFREG 0100000

static __always_inline int eg_eacces_unless(bool allowed)
{
	int refused = -EACCES;

	barrier_var(refused);
	return allowed ? 0 : refused;
}

/* FILE, on SB, is what the policy lets interpreters read as data (eg_data_key): by its name
 * in its directory, or below a listed directory.  Walked through the dentries, which stay
 * within the file's own file system. */
static __always_inline bool interpreter_data(struct file *file, struct super_block *sb)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct dentry *dir = BPF_CORE_READ(dentry, d_parent);
	struct eg_data_key key = {};

	key.dev = sb->s_dev;
	key.dir_ino = BPF_CORE_READ(dir, d_inode, i_ino);
	if (BPF_CORE_READ(dentry, d_name.len) < EG_DATA_NAME_LEN &&
	    bpf_probe_read_kernel_str(key.name, sizeof(key.name),
				      BPF_CORE_READ(dentry, d_name.name)) > 0 &&
	    bpf_map_lookup_elem(&eg_interpreter_data, &key))
		return true;
	__builtin_memset(key.name, 0, sizeof(key.name));
	for (int depth = 0; depth < EG_DATA_DEPTH; depth++) {
		struct dentry *parent = BPF_CORE_READ(dir, d_parent);

		key.dir_ino = BPF_CORE_READ(dir, d_inode, i_ino);
		if (bpf_map_lookup_elem(&eg_interpreter_data, &key))
			return true;
		if (parent == dir)
			break;
		dir = parent;
	}
	return false;
}

/* The current process runs an interpreter, and FILE is a regular file it reads that is not
 * the policy's data: a file the interpreter may take for code.
 * The kernel's own files (proc, sysfs, cgroup2) are not: their text is the kernel's, and
 * what a process can put there (its command line, its environment) it can give its
 * interpreter with -c as well. */
static __always_inline bool script_read(struct file *file, struct inode *inode,
					struct super_block *sb)
{
	struct eg_interpreter_key key = {};
	unsigned long magic;
	struct mm_struct *mm;
	struct file *exe;
	__u8 *named;
	__u32 slot;

	if ((file->f_mode & FMODE_EXEC) || (file->f_flags & __FMODE_EXEC) ||
	    (inode->i_mode & S_IFMT) != S_IFREG)
		return false;
	magic = sb->s_magic;
	if (magic == PROC_SUPER_MAGIC || magic == SYSFS_MAGIC || magic == CGROUP2_SUPER_MAGIC)
		return false;
	/* Every open and read of every process comes here: direct loads (an array lookup is
	 * one), no helper call until an interpreter is known to be named. */
	if (!configured_with(EG_CONFIG_INTERPRETERS))
		return false;
	mm = bpf_get_current_task_btf()->mm;
	if (!mm)
		return false;
	exe = mm->exe_file;
	if (!exe)
		return false;
	key.ino = exe->f_inode->i_ino;
	key.dev = exe->f_inode->i_sb->s_dev;
	slot = eg_interpreter_slot(key.ino, key.dev);
	named = bpf_map_lookup_elem(&eg_interpreter_slots, &slot);
	if (!named || !*named)
		return false;
	return bpf_map_lookup_elem(&eg_interpreters, &key) != NULL && !interpreter_data(file, sb);
}

/* Tell the agent, by its whole path, of a file an interpreter opened with no current
 * verdict: whatever its first read gets, the next one finds a verdict.  The path is taken
 * here, where bpf_d_path() is allowed; the process may be gone by the time the agent reads
 * the event. */
static __always_inline void report_script_opened(struct file *file, struct inode *inode,
						 struct super_block *sb)
{
	struct eg_event *event = bpf_ringbuf_reserve(&eg_events, sizeof(*event), 0);

	if (!event) {
		count(EG_COUNTER_EVENT_DROPS);
		return;
	}
	__builtin_memset(event, 0, sizeof(*event));
	event->abi_version = EG_ABI_VERSION;
	event->type = EG_EVENT_SCRIPT_OPENED;
	event->hook = EG_HOOK_SCRIPT;
	event->time_ns = bpf_ktime_get_boot_ns();
	event->ino = inode->i_ino;
	event->dev = sb->s_dev;
	event->pid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_d_path((struct path *)&file->f_path, event->filename, sizeof(event->filename)) < 0)
		event->filename[0] = '\0';
	bpf_ringbuf_submit(event, 0);
}

/* At open, only a file with a current verdict is decided: a miss is left to the read, so
 * that the consult of a watched directory (FAN_OPEN_PERM, after this hook) can settle it. */
static __always_inline int check_script_open(struct file *file, struct inode *inode,
					     struct super_block *sb)
{
	struct eg_verdict_rec *rec;
	struct eg_config *config;

	if (!(file->f_mode & FMODE_READ) || !script_read(file, inode, sb))
		return 0;
	config = gating();
	if (!config)
		return 0;
	rec = bpf_inode_storage_get(&eg_verdicts, inode, 0, 0);
	if (!rec || !verdict_current(rec, inode, config)) {
		report_script_opened(file, inode, sb);
		return 0;
	}
	return eg_eacces_unless(!decide(inode, EG_HOOK_SCRIPT, mapped_name(file), EG_REASON_NONE));
}

/* One program a hook: every open and every read of every process runs these, and under
 * emulation each program run costs microseconds of its own. */
SEC("lsm/file_open")
int BPF_PROG(execgate_file_open, struct file *file, int ret)
{
	struct inode *inode = file->f_inode;
	struct super_block *sb = inode->i_sb;

	if (ret)
		return ret;
	if (file->f_mode & FMODE_WRITE) {
		ret = check_write(file, inode, sb, true);
		if (ret)
			return ret;
	}
	return check_script_open(file, inode, sb);
}

/* Every read and write goes through here: writes are checked, and an interpreter's reads. */
SEC("lsm/file_permission")
int BPF_PROG(execgate_file_permission, struct file *file, int mask, int ret)
{
	struct inode *inode = file->f_inode;
	struct super_block *sb = inode->i_sb;

	if (ret)
		return ret;
	if (mask & MAY_WRITE) {
		ret = check_write(file, inode, sb, false);
		if (ret)
			return ret;
	}
	if (!(mask & MAY_READ) || !script_read(file, inode, sb))
		return 0;
	return eg_eacces_unless(!decide(inode, EG_HOOK_SCRIPT, mapped_name(file), EG_REASON_NONE));
}
