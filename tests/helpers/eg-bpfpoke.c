// SPDX-License-Identifier: GPL-2.0
/* eg-bpfpoke: try to reach BPF objects the way a root process bent on switching the gate
 * off would, with raw bpf(2) calls, and print what the kernel let through.  For tests of
 * the bpf() guard.  Exit 0 when every attempt succeeded, 1 when one was refused, 2 on
 * usage or unexpected errors.
 *
 *   eg-bpfpoke ids         walk every map, program and link id and open each by id:
 *                          "map 12 open eg_config" or "map 12 refused: EPERM"; a link is
 *                          named by its program ("link 3 open execgate_bpf" when that
 *                          program opens too, else "link 3 open prog#7"); then one line
 *                          "maps open=N refused=N progs ... links ..."
 *   eg-bpfpoke pins DIR    for each entry of DIR: BPF_OBJ_GET it, and when that gives a
 *                          link (a name "link_*"), detach it and update it to a program of
 *                          our own; rename the entry (and back), hard-link it next to DIR
 *                          (and remove that): "get NAME ok", "detach NAME refused:
 *                          EOPNOTSUPP", "rename NAME refused: EPERM", "link NAME ok"; the
 *                          new names have no dot, which bpffs refuses whatever the guard
 *                          says
 *   eg-bpfpoke unlink DIR  unlink each entry of DIR: "unlink NAME ok" */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum kind { KIND_MAP, KIND_PROG, KIND_LINK, KIND_COUNT };

static const char *const kind_names[KIND_COUNT] = { "map", "prog", "link" };
static const int next_id_cmd[KIND_COUNT] = { BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_NEXT_ID,
					     BPF_LINK_GET_NEXT_ID };
static const int fd_by_id_cmd[KIND_COUNT] = { BPF_MAP_GET_FD_BY_ID, BPF_PROG_GET_FD_BY_ID,
					      BPF_LINK_GET_FD_BY_ID };

static int refused;

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* "EPERM", not "Operation not permitted": what the tests match. */
static const char *errno_name(int err)
{
	return strerrorname_np(err) ?: strerror(err);
}

/* Prints "WHAT NAME ok" or "WHAT NAME refused: ERRNO" for the result RC of one attempt. */
static void report(const char *what, const char *name, long rc)
{
	if (rc >= 0) {
		printf("%s %s ok\n", what, name);
		return;
	}
	printf("%s %s refused: %s\n", what, name, errno_name(errno));
	refused = 1;
}

static int fd_by_id(enum kind kind, uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.start_id = id;
	return (int)sys_bpf(fd_by_id_cmd[kind], &attr);
}

static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(info, 0, len);
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = len;
	attr.info.info = (uint64_t)(uintptr_t)info;
	return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

/* The name of the open object FD of KIND; a link is named by its program. */
static void object_name(enum kind kind, int fd, char *ret_name, size_t len)
{
	struct bpf_map_info map;
	struct bpf_prog_info prog;
	struct bpf_link_info link;
	int prog_fd;

	snprintf(ret_name, len, "?");
	if (kind == KIND_MAP && !obj_info(fd, &map, sizeof(map)))
		snprintf(ret_name, len, "%s", map.name);
	else if (kind == KIND_PROG && !obj_info(fd, &prog, sizeof(prog)))
		snprintf(ret_name, len, "%s", prog.name);
	else if (kind == KIND_LINK && !obj_info(fd, &link, sizeof(link))) {
		snprintf(ret_name, len, "prog#%u", link.prog_id);
		prog_fd = fd_by_id(KIND_PROG, link.prog_id);
		if (prog_fd >= 0) {
			object_name(KIND_PROG, prog_fd, ret_name, len);
			close(prog_fd);
		}
	}
}

static int walk_ids(void)
{
	unsigned int open_count[KIND_COUNT] = { 0 }, refused_count[KIND_COUNT] = { 0 };
	union bpf_attr attr;
	char name[64];
	int fd;

	for (enum kind kind = 0; kind < KIND_COUNT; kind++) {
		uint32_t id = 0;

		for (;;) {
			memset(&attr, 0, sizeof(attr));
			attr.start_id = id;
			if (sys_bpf(next_id_cmd[kind], &attr) < 0) {
				if (errno == ENOENT)
					break;
				fprintf(stderr, "eg-bpfpoke: %s ids: %s\n", kind_names[kind],
					strerror(errno));
				return 2;
			}
			id = attr.next_id;
			fd = fd_by_id(kind, id);
			if (fd < 0) {
				/* Gone since it was listed: not an answer either way. */
				if (errno == ENOENT)
					continue;
				printf("%s %u refused: %s\n", kind_names[kind], id,
				       errno_name(errno));
				refused_count[kind]++;
				continue;
			}
			object_name(kind, fd, name, sizeof(name));
			close(fd);
			printf("%s %u open %s\n", kind_names[kind], id, name);
			open_count[kind]++;
		}
	}
	printf("maps open=%u refused=%u progs open=%u refused=%u links open=%u refused=%u\n",
	       open_count[KIND_MAP], refused_count[KIND_MAP], open_count[KIND_PROG],
	       refused_count[KIND_PROG], open_count[KIND_LINK], refused_count[KIND_LINK]);
	return refused_count[KIND_MAP] || refused_count[KIND_PROG] || refused_count[KIND_LINK];
}

/* A program of our own to put in a link's place: return 0, as a socket filter. */
static int own_program(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(uintptr_t)"GPL";
	return (int)sys_bpf(BPF_PROG_LOAD, &attr);
}

/* What the holder of a link's fd could do to the program behind it. */
static void poke_link(int fd, const char *name)
{
	union bpf_attr attr;
	int prog = own_program();

	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = (uint32_t)fd;
	report("detach", name, sys_bpf(BPF_LINK_DETACH, &attr));
	if (prog < 0) {
		fprintf(stderr, "eg-bpfpoke: loading a program of our own: %s\n", strerror(errno));
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.link_update.link_fd = (uint32_t)fd;
	attr.link_update.new_prog_fd = (uint32_t)prog;
	report("update", name, sys_bpf(BPF_LINK_UPDATE, &attr));
	close(prog);
}

static int poke_pins(const char *dir_path, int unlink_them)
{
	DIR *dir = opendir(dir_path);
	char path[4096], moved[4200], linked[4200];
	struct dirent *entry;
	union bpf_attr attr;
	long fd;

	if (!dir) {
		fprintf(stderr, "eg-bpfpoke: %s: %s\n", dir_path, strerror(errno));
		return 2;
	}
	while ((entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir_path, entry->d_name);
		if (unlink_them) {
			report("unlink", entry->d_name, unlink(path));
			continue;
		}
		memset(&attr, 0, sizeof(attr));
		attr.pathname = (uint64_t)(uintptr_t)path;
		fd = sys_bpf(BPF_OBJ_GET, &attr);
		report("get", entry->d_name, fd);
		if (fd >= 0 && !strncmp(entry->d_name, "link_", 5))
			poke_link((int)fd, entry->d_name);
		if (fd >= 0)
			close((int)fd);
		snprintf(moved, sizeof(moved), "%s-moved", path);
		if (rename(path, moved) == 0) {
			report("rename", entry->d_name, 0);
			rename(moved, path);
		} else {
			report("rename", entry->d_name, -1);
		}
		snprintf(linked, sizeof(linked), "%s-%s-linked", dir_path, entry->d_name);
		if (link(path, linked) == 0) {
			report("link", entry->d_name, 0);
			unlink(linked);
		} else {
			report("link", entry->d_name, -1);
		}
	}
	closedir(dir);
	return refused;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "ids"))
		return walk_ids();
	if (argc == 3 && (!strcmp(argv[1], "pins") || !strcmp(argv[1], "unlink")))
		return poke_pins(argv[2], !strcmp(argv[1], "unlink"));
	fprintf(stderr, "usage: eg-bpfpoke ids | pins DIR | unlink DIR\n");
	return 2;
}
