// SPDX-License-Identifier: GPL-2.0
/* Kernel event records turned into log records. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "eg_names.h"
#include "events.h"

/* The event carries CLOCK_BOOTTIME; logs want wall-clock time. */
static void event_time(__u64 boot_ns, char *ret, size_t len)
{
	struct timespec now_real, now_boot;
	__s64 real_ns;
	time_t secs;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now_real);
	clock_gettime(CLOCK_BOOTTIME, &now_boot);
	real_ns = (__s64)now_real.tv_sec * 1000000000 + now_real.tv_nsec -
		  ((__s64)now_boot.tv_sec * 1000000000 + now_boot.tv_nsec - (__s64)boot_ns);
	secs = (time_t)(real_ns / 1000000000);
	gmtime_r(&secs, &tm);
	snprintf(ret, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(real_ns % 1000000000 / 1000));
}

/* Copy a kernel byte string of at most LEN bytes into a JSON-safe one: the kernel gives
 * raw bytes, JSON wants UTF-8, so anything outside printable ASCII becomes '?'. */
static void printable_copy(char *ret, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		ret[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	ret[i] = '\0';
}

void eg_kernel_dev_name(__u32 dev, char *ret, size_t len)
{
	dev_t user = eg_kernel_dev_t(dev);

	snprintf(ret, len, "%u:%u", major(user), minor(user));
}

dev_t eg_kernel_dev_t(__u32 dev)
{
	return makedev(dev >> 20, dev & ((1U << 20) - 1));
}

/* The kernel gives a mapping's file by name only.  The loader usually still holds the
 * file open when the agent reads the event (it closes it after mmap fails or succeeds):
 * then /proc/PID/fd has the whole path.  Best effort; RET keeps the name otherwise. */
static void mapping_path(const struct eg_event *event, char *ret, size_t len)
{
	dev_t want = eg_kernel_dev_t(event->dev);
	char dir[64], link[PATH_MAX], target[PATH_MAX];
	struct dirent *entry;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", event->pid);
	fds = opendir(dir);
	if (!fds)
		return;
	while ((entry = readdir(fds))) {
		struct stat st;
		ssize_t n;

		if (entry->d_name[0] == '.' ||
		    snprintf(link, sizeof(link), "%s/%s", dir, entry->d_name) >= (int)sizeof(link) ||
		    stat(link, &st) < 0 || st.st_dev != want || st.st_ino != event->ino)
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && target[0] == '/') {
			target[n] = '\0';
			printable_copy(ret, target, len - 1);
		}
		break;
	}
	closedir(fds);
}

json_t *eg_event_to_record(const struct eg_event *event, const char *host)
{
	char time_text[64], dev[32], comm[EG_COMM_LEN + 1], filename[PATH_MAX];

	event_time(event->time_ns, time_text, sizeof(time_text));
	eg_kernel_dev_name(event->dev, dev, sizeof(dev));
	printable_copy(comm, event->comm, EG_COMM_LEN);
	printable_copy(filename, event->filename, EG_FILENAME_LEN);
	if (event->hook != EG_HOOK_EXEC)
		mapping_path(event, filename, sizeof(filename));

	/* The kernel knows no signature, rule, digest or cgroup path: null, as the format
	 * says for what was not looked at. */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:{s:I, s:I, s:I, s:s, s:n, s:n}, "
			 "s:{s:s, s:s, s:I, s:I, s:n}, s:n, s:n, s:{s:I}}",
			 "time", time_text, "host", host, "decision",
			 eg_decision_name(event->decision), "mode", eg_mode_name(event->mode), "hook",
			 eg_hook_name(event->hook), "reason",
			 event->reason ? json_string(eg_reason_name(event->reason)) : json_null(),
			 "count", 1, "process", "pid", (json_int_t)event->pid, "ppid",
			 (json_int_t)event->ppid, "uid", (json_int_t)event->uid, "comm", comm,
			 "parent_exe", "cgroup", "file", "path", filename, "dev", dev, "ino",
			 (json_int_t)event->ino, "size", (json_int_t)event->size, "sha256",
			 "signature", "rule", "policy", "generation",
			 (json_int_t)event->policy_generation);
}
