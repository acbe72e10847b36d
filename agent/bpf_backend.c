// SPDX-License-Identifier: GPL-2.0
/* The BPF LSM backend: probe for BPF LSM, load the CO-RE object (on the pinned gate's maps
 * when it takes a gate over from a dead agent, docs/agent-takeover.md), register its
 * programs and links with the bpf() guard, write the settings, attach, pin the maps so the
 * CLI and tests reach the running gate, and the links so the gate outlives the agent. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "bpf_backend.h"
#include "execgate.skel.h"

#define LSM_LIST "/sys/kernel/security/lsm"
#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define CGROUP2_ROOT "/sys/fs/cgroup"
/* How long after a reload the previous generation's verdicts still hold: long enough for
 * an exec allowed just before the switch to map its program and libraries, short enough
 * that the old policy has no say once the consult decides afresh. */
#define EG_RELOAD_GRACE_NS (2ULL * 1000000000)

struct eg_bpf {
	struct execgate_bpf *skel;
	struct eg_config config;
	bool pinned;       /* the maps are pinned, by this agent or the one it took over from */
	bool keep_pins;    /* the gate outlives this agent: its pins stay at close */
	bool pin_links;    /* settings->pin */
	bool took_over;    /* the maps are a pinned gate's, taken over from its dead agent */
	bool release;      /* at close, lift the guard instead of handing over */
	bool attached;     /* eg_bpf_attach() done */
	struct stat pin_dir; /* valid once pinned */
	__u8 interpreter_slots[EG_INTERPRETER_SLOTS]; /* as written to the map */
};

static const char *const pinned_maps[] = { EG_MAP_VERDICTS, EG_MAP_CONFIG, EG_MAP_COUNTERS };

/* 1: 'bpf' is listed, 0: it is not (ret_list holds the list), -errno: unreadable. */
static int bpf_lsm_active(char *ret_list, size_t len)
{
	FILE *file = fopen(LSM_LIST, "re");
	char *token, *save = NULL, copy[512];

	if (!file)
		return -errno;
	if (!fgets(ret_list, (int)len, file)) {
		fclose(file);
		return -EIO;
	}
	fclose(file);
	ret_list[strcspn(ret_list, "\n")] = '\0';
	snprintf(copy, sizeof(copy), "%s", ret_list);
	for (token = strtok_r(copy, ",", &save); token; token = strtok_r(NULL, ",", &save))
		if (!strcmp(token, "bpf"))
			return 1;
	return 0;
}

/* The cgroup v2 id (its directory's inode number) and depth below the root. */
static int cgroup_scope(const char *path, __u64 *ret_id, __u32 *ret_level,
			struct eg_bpf_error *ret_error)
{
	char resolved[4096];
	struct stat st;
	__u32 level = 0;
	size_t root_len = strlen(CGROUP2_ROOT);

	if (!realpath(path, resolved) || stat(resolved, &st) < 0) {
		int err = -errno;

		snprintf(ret_error->message, sizeof(ret_error->message),
			 "scope cgroup %s: %s", path, strerror(-err));
		return err;
	}
	if (strncmp(resolved, CGROUP2_ROOT, root_len) ||
	    (resolved[root_len] != '/' && resolved[root_len] != '\0') || !S_ISDIR(st.st_mode)) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "scope cgroup %s: not a cgroup v2 directory under " CGROUP2_ROOT, path);
		return -EINVAL;
	}
	for (const char *p = resolved + root_len; *p; p++)
		if (*p == '/' && p[1])
			level++;
	*ret_id = st.st_ino;
	*ret_level = level;
	return 0;
}

/* When this process started, in clock ticks since boot: field 22 of /proc/self/stat, after
 * the command name (which may hold spaces and parentheses, hence the last ')'). */
static int start_ticks_of(const char *stat_path, __u64 *ret_ticks);

static int own_start_ticks(__u64 *ret_ticks)
{
	return start_ticks_of("/proc/self/stat", ret_ticks);
}

/* The start time of process PID in clock ticks since boot, as own_start_ticks(). */
static int start_ticks_of(const char *stat_path, __u64 *ret_ticks)
{
	char stat[1024], *fields;
	unsigned long long ticks;
	ssize_t n;
	int fd = open(stat_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	stat[n] = '\0';
	fields = strrchr(stat, ')');
	/* ") state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
	 * stime cutime cstime priority nice num_threads itrealvalue starttime" */
	if (!fields || sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
					  "%*d %*d %*d %*d %*d %*d %llu",
			      &ticks) != 1)
		return -EBADMSG;
	*ret_ticks = ticks;
	return 0;
}

/* Who this process is to the kernel's successor check (is_successor()): its executable
 * (inode, kernel s_dev) and the place of its cgroup v2: level, parent's id, name. */
struct identity {
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 cgroup_level;
	__u64 cgroup_parent_id;
	char cgroup_name[EG_CGROUP_NAME_LEN];
};

static int own_identity(struct identity *ret)
{
	char line[4096], path[4200], *name;
	struct stat st;
	FILE *file;
	int err = -ENOENT;

	memset(ret, 0, sizeof(*ret));
	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	ret->exe_ino = st.st_ino;
	ret->exe_dev = eg_kernel_dev(st.st_dev);
	file = fopen("/proc/self/cgroup", "re");
	if (!file)
		return -errno;
	while (err && fgets(line, sizeof(line), file)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::/", 4))
			continue;
		err = 0;
		/* "0::/" alone: the root cgroup, level 0. */
		for (const char *p = line + 3; *p; p++)
			if (*p == '/' && p[1])
				ret->cgroup_level++;
		if (!ret->cgroup_level)
			break;
		name = strrchr(line + 3, '/');
		if (strlen(name + 1) >= sizeof(ret->cgroup_name)) {
			err = -ENAMETOOLONG;
			break;
		}
		snprintf(ret->cgroup_name, sizeof(ret->cgroup_name), "%s", name + 1);
		*name = '\0';
		snprintf(path, sizeof(path), CGROUP2_ROOT "%s", line + 3);
		err = stat(path, &st) < 0 ? -errno : 0;
		ret->cgroup_parent_id = st.st_ino;
	}
	fclose(file);
	/* No cgroup v2 (a cgroup v1 system): a place no successor can be in. */
	if (err == -ENOENT) {
		ret->cgroup_level = (__u32)-1;
		err = 0;
	}
	return err;
}

static bool same_place(const struct identity *self, const struct eg_config *config)
{
	return self->exe_ino == config->successor_exe_ino &&
	       self->exe_dev == config->successor_exe_dev &&
	       self->cgroup_level == config->successor_cgroup_level &&
	       self->cgroup_parent_id == config->successor_cgroup_parent_id &&
	       !strncmp(self->cgroup_name, config->successor_cgroup_name,
			sizeof(self->cgroup_name));
}

/* The kernel's copy of BPF->config. */
static int store_config(struct eg_bpf *bpf)
{
	__u32 zero = 0;

	return bpf_map__update_elem(bpf->skel->maps.eg_config, &zero, sizeof(zero), &bpf->config,
				    sizeof(bpf->config), BPF_ANY);
}

static int write_config(struct eg_bpf *bpf, const struct eg_bpf_settings *settings,
			struct eg_bpf_error *ret_error)
{
	struct eg_config config = {
		.abi_version = EG_ABI_VERSION,
		.mode = settings->mode,
		/* A gate taken over keeps its generation, so its verdicts hold, until the new
		 * agent has pre-scanned under the next one (eg_bpf_update()). */
		.policy_generation = bpf->took_over ? settings->pinned_generation
						    : settings->policy_generation,
		.agent_tgid = (__u32)getpid(),
		.agent_tick_ns = (__u32)(1000000000L / sysconf(_SC_CLK_TCK)),
		/* The interpreters' map is filled a moment later (eg_bpf_set_interpreters());
		 * a gate taken over keeps checking with the old agent's meanwhile. */
		.flags = (settings->protect ? EG_CONFIG_PROTECT : 0) |
			 (settings->script_reads ? EG_CONFIG_INTERPRETERS : 0),
		.pin_dir_ino = bpf->pin_dir.st_ino,
		.pin_dir_dev = eg_kernel_dev(bpf->pin_dir.st_dev),
		/* From the moment a program is attached: no window at start in which a miss
		 * (a memfd, `ld.so ./x`, an LD_PRELOAD) passes.  The consult is up before the
		 * programs are attached, so an exec never seen is verified, not refused. */
		.on_miss = settings->on_miss,
	};
	struct identity self;
	int err;

	err = own_identity(&self);
	if (err) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "/proc/self/exe, /proc/self/cgroup: cannot tell who the agent's successor "
			 "would be (its executable, its cgroup v2 under " CGROUP2_ROOT "): %s",
			 strerror(-err));
		return err;
	}
	config.successor_exe_ino = self.exe_ino;
	config.successor_exe_dev = self.exe_dev;
	config.successor_cgroup_level = self.cgroup_level;
	config.successor_cgroup_parent_id = self.cgroup_parent_id;
	memcpy(config.successor_cgroup_name, self.cgroup_name, sizeof(self.cgroup_name));
	err = own_start_ticks(&config.agent_start_ticks);
	if (err) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "/proc/self/stat: cannot read the agent's start time: %s", strerror(-err));
		return err;
	}
	if (settings->scope_cgroup) {
		err = cgroup_scope(settings->scope_cgroup, &config.scope_cgroup_id,
				   &config.scope_cgroup_level, ret_error);
		if (err)
			return err;
	}
	bpf->config = config;
	err = store_config(bpf);
	if (err)
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "cannot write the gate's settings: %s", strerror(-err));
	return err;
}

static int pin_maps(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	char path[256];
	int err;

	if (mkdir(EG_PIN_DIR, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "cannot create %s (is bpffs mounted on /sys/fs/bpf?): %s", EG_PIN_DIR,
			 strerror(-err));
		return err;
	}
	if (stat(EG_PIN_DIR, &bpf->pin_dir) < 0) {
		err = -errno;
		snprintf(ret_error->message, sizeof(ret_error->message), "cannot stat %s: %s",
			 EG_PIN_DIR, strerror(-err));
		return err;
	}
	bpf->pinned = true;
	if (bpf->took_over)
		return 0;
	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(bpf->skel->obj, pinned_maps[i]);

		snprintf(path, sizeof(path), EG_PIN_DIR "/%s", pinned_maps[i]);
		err = bpf_map__pin(map, path);
		if (err) {
			snprintf(ret_error->message, sizeof(ret_error->message),
				 "cannot pin %s: %s%s", path, strerror(-err),
				 err == -EEXIST ? " (another execgated started at the same time?)"
						: "");
			if (i == 0)
				bpf->pinned = false;
			return err;
		}
	}
	return 0;
}

static const char *const pinned_links[] = {
	"link_bprm_check_security", "link_mmap_file", "link_file_mprotect", "link_task_kill",
	"link_ptrace_access_check", "link_bpf_map", "link_bpf_prog", "link_bpf",
	"link_inode_unlink", "link_inode_rename", "link_sb_umount", "link_file_open",
	"link_file_permission", "link_ptrace_traceme",
};
#define EG_LINK_COUNT (sizeof(pinned_links) / sizeof(pinned_links[0]))

/* Pins an earlier release of the gate made for programs this one no longer has: taking such
 * a gate over removes them, and with them the old programs. */
static const char *const retired_links[] = { "link_inode_permission" };

/* The gate's links after attach, in the order of pinned_links; NULL for a program that was
 * not loaded. */
static void gate_links(const struct eg_bpf *bpf, struct bpf_link *ret_links[EG_LINK_COUNT])
{
	struct bpf_link *links[] = {
		bpf->skel->links.execgate_bprm_check_security,
		bpf->skel->links.execgate_mmap_file,
		bpf->skel->links.execgate_file_mprotect,
		bpf->skel->links.execgate_task_kill,
		bpf->skel->links.execgate_ptrace_access_check,
		bpf->skel->links.execgate_bpf_map,
		bpf->skel->links.execgate_bpf_prog,
		bpf->skel->links.execgate_bpf,
		bpf->skel->links.execgate_inode_unlink,
		bpf->skel->links.execgate_inode_rename,
		bpf->skel->links.execgate_sb_umount,
		bpf->skel->links.execgate_file_open,
		bpf->skel->links.execgate_file_permission,
		bpf->skel->links.execgate_ptrace_traceme,
	};

	_Static_assert(sizeof(links) / sizeof(links[0]) == EG_LINK_COUNT, "one pin name per link");
	memcpy(ret_links, links, sizeof(links));
}

static int guard_object(struct eg_bpf *bpf, enum eg_guarded_kind kind, int fd, const char *name,
			struct eg_bpf_error *ret_error)
{
	struct eg_guarded_key key = { .kind = kind };
	union {
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	__u32 len = kind == EG_GUARDED_PROG ? sizeof(info.prog) : sizeof(info.link);
	__u8 present = 1;
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (!err) {
		key.id = kind == EG_GUARDED_PROG ? info.prog.id : info.link.id;
		err = bpf_map__update_elem(bpf->skel->maps.eg_guarded, &key, sizeof(key), &present,
					   sizeof(present), BPF_NOEXIST);
	}
	if (err)
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "cannot register %s with the bpf() guard: %s", name, strerror(-err));
	return err;
}

/* The bpf() guard knows our programs and links by id: the programs right after load,
 * before anything is attached. */
static int guard_programs(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program(prog, bpf->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		err = guard_object(bpf, EG_GUARDED_PROG, bpf_program__fd(prog),
				   bpf_program__name(prog), ret_error);
		if (err)
			return err;
	}
	return 0;
}

/* The links right after attach.  A process that took one by id in between keeps it: the
 * window is the few instructions between attach and this call. */
static int guard_links(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	struct bpf_link *links[EG_LINK_COUNT];
	int err;

	gate_links(bpf, links);
	for (size_t i = 0; i < EG_LINK_COUNT; i++) {
		if (!links[i])
			continue;
		err = guard_object(bpf, EG_GUARDED_LINK, bpf_link__fd(links[i]), pinned_links[i],
				   ret_error);
		if (err)
			return err;
	}
	return 0;
}

static void unpin_names(const char *const *names, size_t n)
{
	char path[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), EG_PIN_DIR "/%s", names[i]);
		unlink(path);
	}
}

static void unpin_all(void)
{
	unpin_names(pinned_maps, sizeof(pinned_maps) / sizeof(pinned_maps[0]));
	unpin_names(pinned_links, EG_LINK_COUNT);
	unpin_names(retired_links, sizeof(retired_links) / sizeof(retired_links[0]));
	rmdir(EG_PIN_DIR);
}

/* Pinned links keep the programs attached, and through them the maps with every cached
 * verdict, after the agent is gone: cached verdicts hold and misses are denied.  Each link is
 * pinned under a name of its own, then renamed over the pin of the link it replaces (a gate
 * taken over): that pin's link, the last reference to the old program, goes with it, after
 * the new program was attached beside it.  A pin this agent does not replace (a program it
 * did not load, or no pins wanted) is removed. */
static int pin_link(struct eg_bpf *bpf, struct bpf_link *link, const char *name,
		    struct eg_bpf_error *ret_error)
{
	char path[256], next[272];
	int err;

	snprintf(path, sizeof(path), EG_PIN_DIR "/%s", name);
	if (!link || !bpf->pin_links) {
		if (bpf->took_over && unlink(path) < 0 && errno != ENOENT) {
			err = -errno;
			snprintf(ret_error->message, sizeof(ret_error->message),
				 "cannot remove %s: %s", path, strerror(-err));
			return err;
		}
		return 0;
	}
	/* bpffs refuses names with a dot. */
	snprintf(next, sizeof(next), "%s_next", path);
	unlink(next);
	err = bpf_link__pin(link, next);
	if (!err && rename(next, path) < 0)
		err = -errno;
	if (err)
		snprintf(ret_error->message, sizeof(ret_error->message), "cannot pin %s: %s", path,
			 strerror(-err));
	return err;
}

static int pin_links(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	struct bpf_link *links[EG_LINK_COUNT];
	int err;

	gate_links(bpf, links);
	for (size_t i = 0; i < EG_LINK_COUNT; i++) {
		err = pin_link(bpf, links[i], pinned_links[i], ret_error);
		if (err)
			return err;
	}
	for (size_t i = 0; i < sizeof(retired_links) / sizeof(retired_links[0]); i++) {
		err = pin_link(bpf, NULL, retired_links[i], ret_error);
		if (err)
			return err;
	}
	bpf->keep_pins = bpf->pin_links;
	return 0;
}

/* Load the object on the pinned gate's maps: its verdicts, settings and counters. */
static int reuse_pinned_maps(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	char path[256];
	int fd, err;

	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(bpf->skel->obj, pinned_maps[i]);

		snprintf(path, sizeof(path), EG_PIN_DIR "/%s", pinned_maps[i]);
		fd = bpf_obj_get(path);
		err = fd < 0 ? -errno : bpf_map__reuse_fd(map, fd);
		if (fd >= 0)
			close(fd);
		if (err) {
			snprintf(ret_error->message, sizeof(ret_error->message),
				 "cannot take over %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int eg_bpf_open(const struct eg_bpf_settings *settings, struct eg_bpf **ret_bpf,
		struct eg_bpf_error *ret_error)
{
	/* BPF_LOG_STATS (4): the verifier's time and instruction counts, no instruction log. */
	LIBBPF_OPTS(bpf_object_open_opts, open_opts,
		    .kernel_log_level = settings->verifier_stats ? 4 : 0);
	char lsm_list[256] = "", lsm_note[384] = "";
	struct eg_bpf *bpf = NULL;
	int active, err;

	active = bpf_lsm_active(lsm_list, sizeof(lsm_list));
	if (active == 0) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "BPF LSM unavailable: 'bpf' is not among the active LSMs (%s); boot with "
			 "lsm=%s,bpf on the kernel command line",
			 lsm_list, lsm_list);
		return -EOPNOTSUPP;
	}
	if (active < 0)
		snprintf(lsm_note, sizeof(lsm_note),
			 "; the active LSMs are unknown (%s: %s, is securityfs mounted?)", LSM_LIST,
			 strerror(-active));
	if (access(KERNEL_BTF, R_OK) < 0) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "BPF LSM unavailable: the kernel has no BTF (%s: %s)%s", KERNEL_BTF,
			 strerror(errno), lsm_note);
		return -EOPNOTSUPP;
	}

	bpf = calloc(1, sizeof(*bpf));
	if (!bpf)
		return -ENOMEM;
	bpf->took_over = settings->take_over;
	/* Never remove the pins of a gate taken over, whatever happens next. */
	bpf->keep_pins = settings->take_over;
	bpf->pin_links = settings->pin;
	bpf->skel = execgate_bpf__open_opts(&open_opts);
	if (!bpf->skel) {
		err = -errno;
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	/* The guard's hooks run on every bpf() call, unlink and rename: without protection
	 * they are not even loaded. */
	if (!settings->protect) {
		bpf_program__set_autoload(bpf->skel->progs.execgate_bpf_map, false);
		bpf_program__set_autoload(bpf->skel->progs.execgate_bpf_prog, false);
		bpf_program__set_autoload(bpf->skel->progs.execgate_bpf, false);
		bpf_program__set_autoload(bpf->skel->progs.execgate_inode_unlink, false);
		bpf_program__set_autoload(bpf->skel->progs.execgate_inode_rename, false);
		bpf_program__set_autoload(bpf->skel->progs.execgate_sb_umount, false);
	}
	/* Every read and write of every process runs it: not attached while no interpreter
	 * is named (writes to files mapped executable are refused at their open). */
	if (!settings->script_reads)
		bpf_program__set_autoattach(bpf->skel->progs.execgate_file_permission, false);
	if (bpf->took_over) {
		err = reuse_pinned_maps(bpf, ret_error);
		if (err)
			goto fail;
	}
	err = execgate_bpf__load(bpf->skel);
	if (err) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "BPF LSM unavailable: the kernel refused to load the program (%s)%s",
			 strerror(-err), lsm_note);
		err = -EOPNOTSUPP;
		goto fail;
	}
	err = guard_programs(bpf, ret_error);
	if (err)
		goto fail;
	err = pin_maps(bpf, ret_error);
	if (err)
		goto fail;
	err = write_config(bpf, settings, ret_error);
	if (err)
		goto fail;
	*ret_bpf = bpf;
	return 0;
fail:
	eg_bpf_close(bpf);
	return err;
}

int eg_bpf_attach(struct eg_bpf *bpf, struct eg_bpf_error *ret_error)
{
	int err = execgate_bpf__attach(bpf->skel);

	if (err) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "BPF LSM unavailable: attaching the LSM program failed (%s)",
			 strerror(-err));
		return -EOPNOTSUPP;
	}
	err = guard_links(bpf, ret_error);
	if (!err)
		err = pin_links(bpf, ret_error);
	bpf->attached = !err;
	return err;
}

bool eg_bpf_took_over(const struct eg_bpf *bpf)
{
	return bpf->took_over;
}

int eg_bpf_pinned_gate(__u32 *ret_generation, struct eg_bpf_error *ret_error)
{
	struct eg_config old = { 0 };
	struct identity self;
	__u32 zero = 0;
	__u64 ticks;
	char stat_path[64];
	int fd, err;

	*ret_generation = 0;
	fd = bpf_obj_get(EG_PIN_DIR "/" EG_MAP_CONFIG);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		err = -errno;
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "the pinned gate in %s refused this process (%s): it is not its successor; "
			 "only root running the execgated binary its agent ran, in that agent's "
			 "cgroup, may take it over (docs/agent-takeover.md)",
			 EG_PIN_DIR, strerror(-err));
		return err == -EACCES ? -EPERM : err;
	}
	err = bpf_map_lookup_elem(fd, &zero, &old) ? -errno : 0;
	close(fd);
	if (err) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "cannot read the pinned gate's settings in %s: %s", EG_PIN_DIR,
			 strerror(-err));
		return err;
	}
	if (old.abi_version != EG_ABI_VERSION) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "the pinned gate in %s speaks ABI %u, this execgated %u: it cannot take "
			 "it over; reboot, or stop its agent with 'execgate stop' and remove %s",
			 EG_PIN_DIR, old.abi_version, EG_ABI_VERSION, EG_PIN_DIR);
		return -EPROTO;
	}
	snprintf(stat_path, sizeof(stat_path), "/proc/%u/stat", old.agent_tgid);
	if (old.agent_tgid && old.agent_tick_ns && start_ticks_of(stat_path, &ticks) == 0 &&
	    ticks == old.agent_start_ticks) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "another execgated (pid %u) runs the gate pinned in %s; stop it first",
			 old.agent_tgid, EG_PIN_DIR);
		return -EEXIST;
	}
	/* Protected, the kernel has already checked us (the bpf() guard); unprotected, this is
	 * the same check, so that an agent started by mistake does not replace the gate. */
	err = own_identity(&self);
	if (err)
		return err;
	if (old.successor_exe_ino && (!same_place(&self, &old) || geteuid() != 0)) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "the pinned gate in %s refused this process: it is not its successor; "
			 "only root running the execgated binary its agent ran (inode %llu), in "
			 "that agent's cgroup ('%.64s' at level %u), may take it over "
			 "(docs/agent-takeover.md)",
			 EG_PIN_DIR, (unsigned long long)old.successor_exe_ino,
			 old.successor_cgroup_name, old.successor_cgroup_level);
		return -EPERM;
	}
	*ret_generation = old.policy_generation;
	return 1;
}

/* The agent leaves the pinned gate enforcing.  Nobody is its agent any more: a process that
 * reuses its pid gets nothing.  Stopped on a signal (systemctl stop or restart, a package
 * upgrade), it hands the gate over: the guard stays and only its successor may take it.
 * Stopped when asked (its control socket, root only), it releases the gate: the guard is
 * lifted, the operator may remove the pins, and any agent may take it over.  An agent that
 * dies without stopping leaves everything as it was: its successor takes over. */
static void leave_pins(struct eg_bpf *bpf)
{

	bpf->config.agent_tgid = 0;
	bpf->config.agent_start_ticks = 0;
	if (bpf->release) {
		bpf->config.flags &= ~EG_CONFIG_PROTECT;
		bpf->config.successor_exe_ino = 0;
	}
	store_config(bpf);
}

int eg_bpf_set_successor_exe(struct eg_bpf *bpf, const struct stat *st)
{

	bpf->config.successor_exe_ino = st->st_ino;
	bpf->config.successor_exe_dev = eg_kernel_dev(st->st_dev);
	return store_config(bpf);
}

void eg_bpf_release_on_close(struct eg_bpf *bpf)
{
	if (bpf)
		bpf->release = true;
}

void eg_bpf_close(struct eg_bpf *bpf)
{
	if (!bpf)
		return;
	if (bpf->pinned && !bpf->keep_pins)
		unpin_all();
	if (bpf->keep_pins && bpf->config.abi_version)
		leave_pins(bpf);
	execgate_bpf__destroy(bpf->skel);
	free(bpf);
}

int eg_bpf_events_fd(const struct eg_bpf *bpf)
{
	return bpf_map__fd(bpf->skel->maps.eg_events);
}

/* The kernel counts runs and run time only while kernel.bpf_stats_enabled is on (a cost
 * on every run): off, each program's numbers would read as zeros, so they are left out. */
static bool bpf_stats_enabled(void)
{
	FILE *file = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int enabled = 0;

	if (file) {
		if (fscanf(file, "%d", &enabled) != 1)
			enabled = 0;
		fclose(file);
	}
	return enabled != 0;
}

json_t *eg_bpf_program_stats(const struct eg_bpf *bpf)
{
	bool counted = bpf_stats_enabled();
	json_t *stats = json_object(), *names = json_array();
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, bpf->skel->obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!counted) {
			json_array_append_new(names, json_string(bpf_program__name(prog)));
			continue;
		}
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		json_object_set_new(stats, bpf_program__name(prog),
				    json_pack("{s:I, s:I}", "runs", (json_int_t)info.run_cnt,
					      "avg_ns",
					      (json_int_t)(info.run_cnt ? info.run_time_ns /
									  info.run_cnt
									: 0)));
	}
	if (counted) {
		json_decref(names);
		return stats;
	}
	json_object_set_new(stats, "statistics",
			    json_string("off: kernel.bpf_stats_enabled is 0 ('sysctl "
					"kernel.bpf_stats_enabled=1' counts runs and run time, at "
					"a small cost on every run)"));
	json_object_set_new(stats, "attached", names);
	return stats;
}

int eg_bpf_counter(const struct eg_bpf *bpf, enum eg_counter counter, __u64 *ret_value)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 key = counter;
	__u64 *values;
	int err;

	if (ncpus < 0)
		return ncpus;
	values = calloc((size_t)ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(bpf->skel->maps.eg_counters), &key, values);
	if (err) {
		err = -errno;
		goto out;
	}
	*ret_value = 0;
	for (int i = 0; i < ncpus; i++)
		*ret_value += values[i];
out:
	free(values);
	return err;
}

static void verdict_record(const struct stat *st, enum eg_verdict verdict, enum eg_reason reason,
			   __u32 generation, __u32 trust_epoch, struct eg_verdict_rec *ret)
{
	*ret = (struct eg_verdict_rec){
		.verdict = verdict,
		.trust_epoch = verdict == EG_VERDICT_DENY ? (__u8)trust_epoch : 0,
		.reason = reason,
		.policy_generation = generation,
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = (__u32)st->st_ctim.tv_nsec,
		.mtime_sec = st->st_mtim.tv_sec,
		.mtime_nsec = (__u32)st->st_mtim.tv_nsec,
		.size = st->st_size,
	};
}

int eg_bpf_set_verdict(struct eg_bpf *bpf, int fd, const struct stat *st, enum eg_verdict verdict,
		       enum eg_reason reason, __u32 generation, __u32 trust_epoch)
{
	struct eg_verdict_rec rec;

	verdict_record(st, verdict, reason, generation, trust_epoch, &rec);
	return bpf_map__update_elem(bpf->skel->maps.eg_verdicts, &fd, sizeof(fd), &rec, sizeof(rec),
				    BPF_ANY);
}

int eg_bpf_verdict_as_of(struct eg_bpf *bpf, int fd, const struct stat *st, __u32 generation,
			 __u32 trust_epoch, enum eg_verdict *ret_verdict)
{
	struct eg_verdict_rec rec, want;

	if (bpf_map__lookup_elem(bpf->skel->maps.eg_verdicts, &fd, sizeof(fd), &rec, sizeof(rec),
				 0))
		return -ENOENT;
	verdict_record(st, rec.verdict, rec.reason, generation, trust_epoch, &want);
	if (memcmp(&rec, &want, sizeof(rec)))
		return -ESTALE;
	*ret_verdict = rec.verdict;
	return 0;
}

int eg_bpf_current_verdict(struct eg_bpf *bpf, int fd, const struct stat *st,
			   enum eg_verdict *ret_verdict)
{
	return eg_bpf_verdict_as_of(bpf, fd, st, bpf->config.policy_generation,
				    bpf->config.trust_epoch, ret_verdict);
}

static struct eg_interpreter_key interpreter_key(const struct stat *st)
{
	return (struct eg_interpreter_key){
		.ino = st->st_ino,
		.dev = eg_kernel_dev(st->st_dev),
	};
}

/* Make MAP hold exactly KEYS[0..N) (each KEY_SIZE bytes, value 1): each is added, then
 * every other entry removed, so no moment has fewer.  MAX: the map's size. */
static int replace_keys(struct bpf_map *map, const void *keys, size_t key_size, size_t n,
			size_t max)
{
	unsigned char key[sizeof(struct eg_data_key)], next[sizeof(key)];
	unsigned char *gone;
	size_t ngone = 0;
	__u8 one = 1;
	int err;

	if (n > max)
		return -E2BIG;
	if (key_size > sizeof(key))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		err = bpf_map__update_elem(map, (const unsigned char *)keys + i * key_size,
					   key_size, &one, sizeof(one), BPF_ANY);
		if (err)
			return err;
	}
	gone = calloc(max, key_size);
	if (!gone)
		return -ENOMEM;
	for (err = bpf_map__get_next_key(map, NULL, next, key_size); !err;
	     err = bpf_map__get_next_key(map, key, next, key_size)) {
		bool keep = false;

		memcpy(key, next, key_size);
		for (size_t i = 0; i < n && !keep; i++)
			keep = !memcmp((const unsigned char *)keys + i * key_size, key, key_size);
		if (!keep && ngone < max)
			memcpy(gone + ngone++ * key_size, key, key_size);
	}
	for (size_t i = 0; i < ngone; i++)
		bpf_map__delete_elem(map, gone + i * key_size, key_size, 0);
	free(gone);
	return 0;
}

/* The read check, attached when a reload names the first interpreter: guarded and pinned
 * as eg_bpf_attach() does the others. */
static int attach_script_reads(struct eg_bpf *bpf)
{
	struct bpf_link *link = bpf_program__attach(bpf->skel->progs.execgate_file_permission);
	struct eg_bpf_error error;
	int err;

	if (!link)
		return -errno;
	bpf->skel->links.execgate_file_permission = link;
	err = guard_object(bpf, EG_GUARDED_LINK, bpf_link__fd(link), "link_file_permission",
			   &error);
	if (!err)
		err = pin_link(bpf, link, "link_file_permission", &error);
	return err;
}

/* Write the slots that differ from WANT; only those set (SET) or only those cleared. */
static int write_interpreter_slots(struct eg_bpf *bpf, const __u8 *want, bool set)
{
	for (__u32 slot = 0; slot < EG_INTERPRETER_SLOTS; slot++) {
		int err;

		if (want[slot] == bpf->interpreter_slots[slot] || want[slot] != set)
			continue;
		err = bpf_map__update_elem(bpf->skel->maps.eg_interpreter_slots, &slot,
					   sizeof(slot), &want[slot], sizeof(want[slot]), BPF_ANY);
		if (err)
			return err;
		bpf->interpreter_slots[slot] = want[slot];
	}
	return 0;
}

int eg_bpf_set_interpreters(struct eg_bpf *bpf, const struct stat *st, size_t n)
{
	struct eg_interpreter_key keys[EG_INTERPRETERS_MAX] = { 0 };
	__u8 slots[EG_INTERPRETER_SLOTS] = { 0 };
	int err;

	if (n > EG_INTERPRETERS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		keys[i] = interpreter_key(&st[i]);
		slots[eg_interpreter_slot(keys[i].ino, keys[i].dev)] = 1;
	}
	/* An interpreter whose slot is clear is not looked up at all: the new slots are set
	 * before the new keys go in, the old ones cleared only after their keys went out. */
	err = write_interpreter_slots(bpf, slots, true);
	if (!err)
		err = replace_keys(bpf->skel->maps.eg_interpreters, keys, sizeof(keys[0]), n,
				   EG_INTERPRETERS_MAX);
	if (!err)
		err = write_interpreter_slots(bpf, slots, false);
	if (err)
		return err;
	if (n)
		bpf->config.flags |= EG_CONFIG_INTERPRETERS;
	else
		bpf->config.flags &= ~EG_CONFIG_INTERPRETERS;
	err = store_config(bpf);
	if (!err && n && bpf->attached && !bpf->skel->links.execgate_file_permission)
		err = attach_script_reads(bpf);
	return err;
}

int eg_bpf_set_interpreter_data(struct eg_bpf *bpf, const struct eg_data_key *keys, size_t n)
{
	return replace_keys(bpf->skel->maps.eg_interpreter_data, keys, sizeof(keys[0]), n,
			    EG_INTERPRETER_DATA_MAX);
}

int eg_bpf_update(struct eg_bpf *bpf, enum eg_mode mode, __u32 generation, __u32 trust_epoch)
{
	struct timespec now;

	clock_gettime(CLOCK_BOOTTIME, &now);
	bpf->config.mode = mode;
	if (bpf->config.policy_generation != generation)
		bpf->config.grace_until_ns = (__u64)now.tv_sec * 1000000000 +
					     (__u64)now.tv_nsec + EG_RELOAD_GRACE_NS;
	bpf->config.policy_generation = generation;
	bpf->config.trust_epoch = trust_epoch;
	return store_config(bpf);
}

int eg_bpf_pinned_set_verdict(int fd, enum eg_verdict verdict, enum eg_reason reason)
{
	struct eg_verdict_rec rec;
	struct eg_config config;
	int verdicts_fd = -1, config_fd = -1, err;
	__u32 zero = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	verdicts_fd = bpf_obj_get(EG_PIN_DIR "/" EG_MAP_VERDICTS);
	config_fd = bpf_obj_get(EG_PIN_DIR "/" EG_MAP_CONFIG);
	if (verdicts_fd < 0 || config_fd < 0) {
		err = -ENOENT;
		goto out;
	}
	if (bpf_map_lookup_elem(config_fd, &zero, &config)) {
		err = -errno;
		goto out;
	}
	verdict_record(&st, verdict, reason, config.policy_generation, config.trust_epoch, &rec);
	err = bpf_map_update_elem(verdicts_fd, &fd, &rec, BPF_ANY) ? -errno : 0;
out:
	if (verdicts_fd >= 0)
		close(verdicts_fd);
	if (config_fd >= 0)
		close(config_fd);
	return err;
}
