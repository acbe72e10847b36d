// SPDX-License-Identifier: GPL-2.0
/*
 * The synchronous consult.  A BPF program cannot wait for userspace; fanotify can:
 * FAN_OPEN_EXEC_PERM holds the exec until the agent answers.  Three kinds of thread:
 *
 *   reader    reads permission events, queues each as a job with a deadline
 *   workers   decide (verify, evaluate, write the verdict), answer if still unanswered,
 *             put an ignore mark on an allowed inode
 *   deadline  answers every job still unanswered at its deadline, per policy, so no exec
 *             ever waits on a slow verification (fapolicyd's most reported failure is a
 *             machine wedged behind its daemon)
 *
 * In library directories, plain opens are reported too (FAN_OPEN_PERM): dlopen() maps a
 * library it opened without exec intent, so no other event would come.  Such an open is
 * always allowed; the worker settles the file's verdict before answering, so the mapping
 * that follows finds it.
 *
 * The agent's own opens are answered by the reader at once: it opens the libraries it
 * verifies, and fanotify does not spare the listening process.
 *
 * Fairness: a verification can take long (a file of many gigabytes, a slow filesystem)
 * and the deadline answers the exec but cannot stop the worker.  So one user (the
 * process's real uid) never holds more than all workers but one, and never more than
 * a share of the queue: another user's first exec still finds a worker.
 *
 * The reader survives what a read of the fanotify descriptor can fail with: at the
 * descriptor limit (EMFILE, ENFILE) the kernel cannot open the event's file for us, denies
 * that one access itself and fails the read.  The reader counts it, reports it, backs off
 * a moment and reads on; a reader that stopped would leave every later exec waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "consult.h"

/* Permission events in flight at once.  Beyond this the reader answers at once per the
 * timeout rule instead of queueing: the kernel holds every one of these execs. */
#define MAX_JOBS 1024
/* One uid's jobs in flight at once (queued and running): beyond this its next exec is
 * answered at once, as a late one would be, so one user cannot fill the queue (nor the
 * agent's descriptor table, one descriptor per job) for everyone. */
#define MAX_JOBS_PER_UID (MAX_JOBS / 4)
/* After a failed read of the fanotify descriptor: wait before reading again, doubling up
 * to the maximum while it keeps failing. */
#define READ_BACKOFF_MIN_MS 10
#define READ_BACKOFF_MAX_MS 1000
/* Descriptors the agent needs besides its jobs' (maps, links, logs, the files it reads). */
#define FD_RESERVE 256
/* Files marked over a deny, kept by path for eg_consult_trust_added(): a machine's
 * unpackaged files that programs open in the watched trees (/etc's), with room to spare. */
#define MAX_DENIED_MARKS 4096

enum job_state { JOB_FREE = 0, JOB_QUEUED, JOB_RUNNING };

struct job {
	enum job_state state;
	bool answered;
	bool library_open; /* FAN_OPEN_PERM in a library directory, not an exec */
	int fd;
	pid_t pid;
	uid_t uid;		/* the process's, when it queued; (uid_t)-1 when unknown */
	unsigned long long seq; /* queue order */
	unsigned long long deadline_ms;
};

struct eg_consult {
	struct eg_consult_settings settings;
	struct eg_consult_ops ops;
	int fan_fd;
	int stop_pipe[2];
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t deadline_due; /* a job came, or the consult stops (CLOCK_MONOTONIC) */
	bool stopping;
	struct job jobs[MAX_JOBS];
	unsigned int queue_len;
	unsigned long long next_seq;
	unsigned int max_running_per_uid;
	unsigned long long answered, timeouts, read_errors;
	unsigned int library_dirs;
	bool library_dirs_truncated;
	char **library_dir_paths; /* the library_dirs marked, in marking order */
	/* Under lock: the paths of the files marked over a deny, and whether one could not
	 * be kept (then only a flush takes every such mark off). */
	char **denied_marks;
	unsigned int ndenied_marks;
	bool denied_marks_lost;
	pid_t self;
	pthread_t reader, deadline, *workers;
	unsigned int nworkers;
	bool reader_started, deadline_started;
};

/* Filesystems that hold no executables worth a mark, or refuse marks. */
static const char *const unmarked_fstypes[] = {
	"proc",	  "sysfs",  "cgroup", "cgroup2", "bpf",	   "securityfs", "debugfs",
	"tracefs", "devpts", "mqueue", "pstore",  "configfs", "fusectl",	  "autofs",
	"binfmt_misc", "efivarfs", "nsfs",
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void respond(struct eg_consult *consult, int fd, bool allow)
{
	struct fanotify_response response = { .fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY };

	/* A failed write leaves the exec to the kernel's own timeout-free wait: nothing
	 * sensible is left to do but count it as answered and go on. */
	if (write(consult->fan_fd, &response, sizeof(response)) != sizeof(response))
		return;
	consult->answered++;
}

static bool fstype_marked(const char *fstype)
{
	for (size_t i = 0; i < sizeof(unmarked_fstypes) / sizeof(unmarked_fstypes[0]); i++)
		if (!strcmp(fstype, unmarked_fstypes[i]))
			return false;
	return true;
}

/* Mark every filesystem mounted now (one mark per superblock covers all its mounts). */
static int mark_all_filesystems(struct eg_consult *consult, struct eg_consult_error *ret_error)
{
	FILE *mounts = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int marked = 0;

	if (!mounts) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "/proc/self/mountinfo: %s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), mounts)) {
		char mount_point[2048], fstype[64];
		const char *sep = strstr(line, " - ");

		/* id parent major:minor root mount-point options ... - fstype source ... */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %2047s", mount_point) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || !fstype_marked(fstype))
			continue;
		if (fanotify_mark(consult->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				  FAN_OPEN_EXEC_PERM, AT_FDCWD, mount_point) == 0)
			marked++;
	}
	fclose(mounts);
	if (!marked) {
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "fanotify: no filesystem accepted an exec permission mark");
		return -ENODEV;
	}
	return 0;
}

static int mark_mounts(struct eg_consult *consult, struct eg_consult_error *ret_error)
{
	for (size_t i = 0; i < consult->settings.nmounts; i++) {
		if (fanotify_mark(consult->fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				  FAN_OPEN_EXEC_PERM, AT_FDCWD, consult->settings.mounts[i]) < 0) {
			int err = -errno;

			snprintf(ret_error->message, sizeof(ret_error->message),
				 "fanotify: cannot watch the mount at %s: %s",
				 consult->settings.mounts[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static bool mark_library_dir(struct eg_consult *consult, const char *dir)
{
	char *path;

	if (consult->library_dirs == EG_CONSULT_MAX_LIBRARY_DIRS) {
		consult->library_dirs_truncated = true;
		return false;
	}
	if (!consult->library_dir_paths) {
		consult->library_dir_paths =
			calloc(EG_CONSULT_MAX_LIBRARY_DIRS, sizeof(*consult->library_dir_paths));
		if (!consult->library_dir_paths)
			return false;
	}
	path = strdup(dir);
	if (!path)
		return false;
	if (fanotify_mark(consult->fan_fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD,
			  AT_FDCWD, dir) == 0)
		consult->library_dir_paths[consult->library_dirs++] = path;
	else
		free(path);
	return true;
}

static void forget_library_dir_paths(struct eg_consult *consult)
{
	for (unsigned int i = 0; i < consult->library_dirs; i++)
		free(consult->library_dir_paths[i]);
	free(consult->library_dir_paths);
	consult->library_dir_paths = NULL;
	consult->library_dirs = 0;
}

/* A name dlopen() is given for a shared object: *.so, or *.so.VERSION. */
static bool shared_object_name(const char *name)
{
	const char *so = strstr(name, ".so");

	while (so && so[3] && so[3] != '.')
		so = strstr(so + 1, ".so");
	return so != NULL;
}

static bool unwatched(const struct eg_consult_settings *settings, const char *dir)
{
	for (size_t i = 0; i < settings->nunwatched_dirs; i++)
		if (!strcmp(settings->unwatched_dirs[i], dir))
			return true;
	return false;
}

/* Mark the directories of the trees PATHS (NULL-terminated); with SHARED_OBJECTS_ONLY, each
 * tree's top and those below it that hold a shared object, known once the walk has seen all
 * of a directory's entries (FTS_DP).  Files are told by the name alone, not stat'ed: the
 * walk runs after every apt run, and a name that is not a regular file only adds a mark.
 * With SKIP_UNWATCHED, the settings' unwatched directories are left, trees and all. */
static void mark_trees(struct eg_consult *consult, char **paths, bool shared_objects_only,
		       bool skip_unwatched)
{
	FTS *fts =
		paths[0] ? fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR | FTS_NOSTAT, NULL)
			 : NULL;
	FTSENT *entry;

	while (fts && (entry = fts_read(fts))) {
		bool mark;

		if (skip_unwatched && entry->fts_info == FTS_D &&
		    unwatched(&consult->settings, entry->fts_path)) {
			fts_set(fts, entry, FTS_SKIP);
			mark = false;
		} else if (!shared_objects_only) {
			mark = entry->fts_info == FTS_D;
		} else if (entry->fts_info == FTS_DP) {
			mark = entry->fts_level == 0 || entry->fts_number;
		} else {
			/* A file: its directory, left later (FTS_DP), holds a shared object. */
			if ((entry->fts_info == FTS_F || entry->fts_info == FTS_NSOK) &&
			    entry->fts_level > 0 && shared_object_name(entry->fts_name))
				entry->fts_parent->fts_number = 1;
			mark = false;
		}
		if (mark && !mark_library_dir(consult, entry->fts_path))
			break;
	}
	if (fts)
		fts_close(fts);
}

/* DIRS[I] lies below another of DIRS, whose walk takes it in (/usr/lib/x86_64-linux-gnu in
 * /usr/lib): walked once, it is marked once. */
static bool inside_another(const char *const *dirs, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++) {
		size_t len = strlen(dirs[j]);

		if (j != i && len > 1 && !strncmp(dirs[i], dirs[j], len) && dirs[i][len] == '/')
			return true;
	}
	return false;
}

/* Watch the opens of files in the library trees and the script trees (see
 * eg_consult_settings); of a script entry "DIR/" and a star, only the files in DIR
 * itself. */
static void mark_library_dirs(struct eg_consult *consult)
{
	const struct eg_consult_settings *settings = &consult->settings;
	char **paths = calloc(settings->nlibrary_dirs + settings->nscript_dirs + 1, sizeof(char *));
	size_t ntrees = 0;

	if (!paths)
		return;
	for (size_t i = 0; i < settings->nlibrary_dirs; i++) {
		if (!inside_another(settings->library_dirs, settings->nlibrary_dirs, i))
			paths[ntrees++] = (char *)settings->library_dirs[i];
	}
	paths[ntrees] = NULL;
	mark_trees(consult, paths, !settings->every_library_dir, false);
	ntrees = 0;
	for (size_t i = 0; i < settings->nscript_dirs; i++) {
		const char *dir = settings->script_dirs[i];
		size_t len = strlen(dir);
		char shallow[PATH_MAX];

		if (len < 2 || strcmp(dir + len - 2, "/*")) {
			paths[ntrees++] = (char *)dir;
			continue;
		}
		snprintf(shallow, sizeof(shallow), "%.*s", (int)(len - 2), dir);
		mark_library_dir(consult, shallow[0] ? shallow : "/");
	}
	paths[ntrees] = NULL;
	mark_trees(consult, paths, false, true);
	free(paths);
}

/* Who is asking: the real uid of PID, from /proc/PID/status (not the owner of
 * /proc/PID, which is root for a process that changed its ids and so is not dumpable). */
static uid_t process_uid(pid_t pid)
{
	char path[32], line[256];
	uid_t uid = (uid_t)-1;
	unsigned int real;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = fopen(path, "re");
	if (!status)
		return uid;
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "Uid: %u", &real) == 1) {
			uid = (uid_t)real;
			break;
		}
	fclose(status);
	return uid;
}

/* Jobs of UID queued or running.  Under the lock. */
static unsigned int jobs_of(const struct eg_consult *consult, uid_t uid)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_JOBS; i++)
		if (consult->jobs[i].state != JOB_FREE && consult->jobs[i].uid == uid)
			n++;
	return n;
}

/* The oldest queued job whose uid does not already hold its share of the workers, or
 * MAX_JOBS when none may start now.  Under the lock. */
static unsigned int next_job(const struct eg_consult *consult)
{
	uid_t running[EG_CONSULT_MAX_WORKERS];
	unsigned int nrunning = 0, best = MAX_JOBS;

	if (!consult->queue_len)
		return MAX_JOBS;
	for (unsigned int i = 0; i < MAX_JOBS && nrunning < EG_CONSULT_MAX_WORKERS; i++)
		if (consult->jobs[i].state == JOB_RUNNING)
			running[nrunning++] = consult->jobs[i].uid;
	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		const struct job *job = &consult->jobs[i];
		unsigned int same = 0;

		if (job->state != JOB_QUEUED ||
		    (best != MAX_JOBS && consult->jobs[best].seq < job->seq))
			continue;
		for (unsigned int k = 0; k < nrunning; k++)
			same += running[k] == job->uid;
		if (same < consult->max_running_per_uid)
			best = i;
	}
	return best;
}

static void enqueue(struct eg_consult *consult, int fd, pid_t pid, bool library_open)
{
	uid_t uid = process_uid(pid);
	unsigned int slot = MAX_JOBS;

	pthread_mutex_lock(&consult->lock);
	if (jobs_of(consult, uid) < MAX_JOBS_PER_UID)
		for (slot = 0; slot < MAX_JOBS; slot++)
			if (consult->jobs[slot].state == JOB_FREE)
				break;
	if (slot == MAX_JOBS) {
		/* Saturated: answer now as a timeout would, never stall the reader. */
		respond(consult, fd, library_open || consult->settings.allow_on_timeout);
		consult->timeouts++;
		if (!library_open && consult->ops.timed_out)
			consult->ops.timed_out(consult->ops.ctx, fd, pid);
		pthread_mutex_unlock(&consult->lock);
		close(fd);
		return;
	}
	consult->jobs[slot] = (struct job){
		.state = JOB_QUEUED,
		.library_open = library_open,
		.fd = fd,
		.pid = pid,
		.uid = uid,
		.seq = consult->next_seq++,
		.deadline_ms = now_ms() + consult->settings.timeout_ms,
	};
	consult->queue_len++;
	/* Broadcast: the worker that wakes must be one that may take this uid's job. */
	pthread_cond_broadcast(&consult->work);
	pthread_cond_signal(&consult->deadline_due);
	pthread_mutex_unlock(&consult->lock);
}

static void *reader_main(void *arg)
{
	struct eg_consult *consult = arg;
	char buffer[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	/* Whole machine: a filesystem mounted later (a container's overlay, a fresh tmpfs)
	 * gets its mark when the mount table changes, which /proc/self/mounts signals with
	 * POLLPRI.  Until then its files are misses for the BPF gate. */
	int mounts_fd = consult->settings.nmounts ? -1
						  : open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	struct pollfd fds[3] = {
		{ .fd = consult->fan_fd, .events = POLLIN },
		{ .fd = consult->stop_pipe[0], .events = POLLIN },
		{ .fd = mounts_fd, .events = POLLPRI },
	};
	unsigned int backoff_ms = 0;

	for (;;) {
		const struct fanotify_event_metadata *event;
		struct eg_consult_error ignored;
		ssize_t len;

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[2].revents & (POLLPRI | POLLERR)) {
			mark_all_filesystems(consult, &ignored);
			if (!(fds[0].revents & POLLIN))
				continue;
		}
		len = read(consult->fan_fd, buffer, sizeof(buffer));
		if (len < 0) {
			unsigned long long total;
			int err = errno;

			if (err == EINTR || err == EAGAIN)
				continue;
			if (err == EBADF || err == EINVAL || err == EFAULT)
				break; /* not the kernel's refusal: our own bug */
			/* EMFILE, ENFILE, ENOMEM...: the kernel denied the access whose
			 * event it could not hand over; keep reading after a pause. */
			pthread_mutex_lock(&consult->lock);
			total = ++consult->read_errors;
			pthread_mutex_unlock(&consult->lock);
			if (!backoff_ms && consult->ops.read_failed)
				consult->ops.read_failed(consult->ops.ctx, -err, total);
			backoff_ms = backoff_ms ? backoff_ms * 2 : READ_BACKOFF_MIN_MS;
			if (backoff_ms > READ_BACKOFF_MAX_MS)
				backoff_ms = READ_BACKOFF_MAX_MS;
			poll(&fds[1], 1, (int)backoff_ms);
			continue;
		}
		backoff_ms = 0;
		for (event = (void *)buffer; FAN_EVENT_OK(event, len);
		     event = FAN_EVENT_NEXT(event, len)) {
			if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0)
				continue;
			if (event->pid == consult->self &&
			    (event->mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM))) {
				respond(consult, event->fd, true);
				close(event->fd);
			} else if ((event->mask & FAN_OPEN_EXEC_PERM) && consult->ops.in_scope &&
				   !consult->ops.in_scope(consult->ops.ctx, event->pid)) {
				respond(consult, event->fd, true);
				close(event->fd);
			} else if (event->mask & FAN_OPEN_EXEC_PERM) {
				enqueue(consult, event->fd, event->pid, false);
			} else if (event->mask & FAN_OPEN_PERM) {
				enqueue(consult, event->fd, event->pid, true);
			} else {
				close(event->fd);
			}
		}
	}
	if (mounts_fd >= 0)
		close(mounts_fd);
	return NULL;
}

/* The file open on FD was marked over a deny: keep its path for eg_consult_trust_added(). */
static void keep_denied_mark(struct eg_consult *consult, int fd)
{
	char link[64], path[PATH_MAX];
	char *kept = NULL;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	pthread_mutex_lock(&consult->lock);
	if (!consult->denied_marks)
		consult->denied_marks = calloc(MAX_DENIED_MARKS, sizeof(char *));
	if (n > 0 && path[0] == '/' && consult->denied_marks &&
	    consult->ndenied_marks < MAX_DENIED_MARKS)
		kept = strndup(path, (size_t)n);
	if (kept)
		consult->denied_marks[consult->ndenied_marks++] = kept;
	else
		consult->denied_marks_lost = true;
	pthread_mutex_unlock(&consult->lock);
}

/* Every mark went: forget the kept paths (under lock). */
static void forget_denied_marks(struct eg_consult *consult)
{
	for (unsigned int i = 0; i < consult->ndenied_marks; i++)
		free(consult->denied_marks[i]);
	consult->ndenied_marks = 0;
	consult->denied_marks_lost = false;
}

static void *worker_main(void *arg)
{
	struct eg_consult *consult = arg;

	pthread_mutex_lock(&consult->lock);
	for (;;) {
		struct eg_consult_answer answer = { .allow = false };
		unsigned int slot;
		struct job *job;

		while ((slot = next_job(consult)) == MAX_JOBS && !consult->stopping)
			pthread_cond_wait(&consult->work, &consult->lock);
		if (consult->stopping)
			break;
		consult->queue_len--;
		job = &consult->jobs[slot];
		job->state = JOB_RUNNING;
		pthread_mutex_unlock(&consult->lock);

		if (job->library_open) {
			enum eg_consult_mark mark = consult->ops.library_open(
				consult->ops.ctx, consult, job->fd, job->pid);

			answer.allow = true;
			if (mark != EG_CONSULT_REPORT_AGAIN)
				fanotify_mark(consult->fan_fd,
					      FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM,
					      job->fd, NULL);
			if (mark == EG_CONSULT_IGNORE_DENIED)
				keep_denied_mark(consult, job->fd);
		} else {
			consult->ops.decide(consult->ops.ctx, consult, job->fd, job->pid,
					    &answer);
			/* Remembered even when the deadline answered first: the next exec
			 * of the unchanged file should not wait again. */
			if (answer.allow && answer.remember)
				eg_consult_remember(consult, job->fd);
		}

		pthread_mutex_lock(&consult->lock);
		if (!job->answered)
			respond(consult, job->fd, answer.allow);
		close(job->fd);
		job->state = JOB_FREE;
		/* A job held back for its uid's share may start now. */
		pthread_cond_broadcast(&consult->work);
	}
	pthread_mutex_unlock(&consult->lock);
	return NULL;
}

/* Answer each job whose deadline passed as a timeout would; the next deadline of those
 * still waiting, or 0 when none waits.  Under the lock. */
static unsigned long long expire_jobs(struct eg_consult *consult, unsigned long long now)
{
	unsigned long long next = 0;

	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		struct job *job = &consult->jobs[i];

		if (job->state == JOB_FREE || job->answered)
			continue;
		if (now < job->deadline_ms) {
			if (!next || job->deadline_ms < next)
				next = job->deadline_ms;
			continue;
		}
		respond(consult, job->fd, job->library_open || consult->settings.allow_on_timeout);
		job->answered = true;
		consult->timeouts++;
		if (!job->library_open && consult->ops.timed_out)
			consult->ops.timed_out(consult->ops.ctx, job->fd, job->pid);
	}
	return next;
}

/* Asleep until the earliest deadline, or until a job comes (enqueue() signals): a thread
 * that looked every few milliseconds cost the machine a few per cent of a CPU under
 * emulation, all the time. */
static void *deadline_main(void *arg)
{
	struct eg_consult *consult = arg;

	pthread_mutex_lock(&consult->lock);
	while (!consult->stopping) {
		unsigned long long next = expire_jobs(consult, now_ms());
		struct timespec until = { .tv_sec = (time_t)(next / 1000),
					  .tv_nsec = (long)(next % 1000) * 1000000L };

		if (next)
			pthread_cond_timedwait(&consult->deadline_due, &consult->lock, &until);
		else
			pthread_cond_wait(&consult->deadline_due, &consult->lock);
	}
	pthread_mutex_unlock(&consult->lock);
	return NULL;
}

/* Every job holds a descriptor: make room for all of them, as far as the hard limit
 * allows (the default soft limit, 1024, is what MAX_JOBS alone would fill). */
static void raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) || limit.rlim_cur >= MAX_JOBS + FD_RESERVE)
		return;
	limit.rlim_cur =
		limit.rlim_max < MAX_JOBS + FD_RESERVE ? limit.rlim_max : MAX_JOBS + FD_RESERVE;
	setrlimit(RLIMIT_NOFILE, &limit);
}

int eg_consult_start(const struct eg_consult_settings *settings, const struct eg_consult_ops *ops,
		     struct eg_consult **ret_consult, struct eg_consult_error *ret_error)
{
	struct eg_consult *consult = calloc(1, sizeof(*consult));
	pthread_condattr_t clock_attr;
	int err;

	if (!consult)
		return -ENOMEM;
	consult->settings = *settings;
	consult->ops = *ops;
	consult->stop_pipe[0] = consult->stop_pipe[1] = -1;
	consult->self = getpid();
	pthread_mutex_init(&consult->lock, NULL);
	pthread_cond_init(&consult->work, NULL);
	pthread_condattr_init(&clock_attr);
	pthread_condattr_setclock(&clock_attr, CLOCK_MONOTONIC);
	pthread_cond_init(&consult->deadline_due, &clock_attr);
	pthread_condattr_destroy(&clock_attr);
	if (!consult->settings.workers)
		consult->settings.workers = 2;
	if (consult->settings.workers > EG_CONSULT_MAX_WORKERS)
		consult->settings.workers = EG_CONSULT_MAX_WORKERS;
	consult->max_running_per_uid =
		consult->settings.workers > 1 ? consult->settings.workers - 1 : 1;
	raise_fd_limit();

	consult->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE |
						FAN_UNLIMITED_MARKS,
					O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
	if (consult->fan_fd < 0) {
		err = -errno;
		snprintf(ret_error->message, sizeof(ret_error->message),
			 "fanotify unavailable: fanotify_init: %s", strerror(-err));
		goto fail;
	}
	err = settings->nmounts ? mark_mounts(consult, ret_error)
				: mark_all_filesystems(consult, ret_error);
	if (err)
		goto fail;
	if (consult->ops.library_open)
		mark_library_dirs(consult);
	if (pipe2(consult->stop_pipe, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail;
	}
	consult->workers = calloc(consult->settings.workers, sizeof(*consult->workers));
	if (!consult->workers) {
		err = -ENOMEM;
		goto fail;
	}
	for (; consult->nworkers < consult->settings.workers; consult->nworkers++) {
		err = -pthread_create(&consult->workers[consult->nworkers], NULL, worker_main,
				      consult);
		if (err)
			goto fail;
	}
	err = -pthread_create(&consult->deadline, NULL, deadline_main, consult);
	if (err)
		goto fail;
	consult->deadline_started = true;
	err = -pthread_create(&consult->reader, NULL, reader_main, consult);
	if (err)
		goto fail;
	consult->reader_started = true;
	*ret_consult = consult;
	return 0;
fail:
	if (!ret_error->message[0])
		snprintf(ret_error->message, sizeof(ret_error->message), "fanotify consult: %s",
			 strerror(-err));
	eg_consult_stop(consult);
	return err;
}

int eg_consult_remember(struct eg_consult *consult, int fd)
{
	return fanotify_mark(consult->fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK,
			     FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM, fd, NULL)
		       ? -errno
		       : 0;
}

int eg_consult_forget(struct eg_consult *consult, int fd)
{
	return fanotify_mark(consult->fan_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK,
			     FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM, fd, NULL)
		       ? -errno
		       : 0;
}

void eg_consult_watch_again(struct eg_consult *consult)
{
	if (!consult->ops.library_open)
		return;
	forget_library_dir_paths(consult);
	consult->library_dirs_truncated = false;
	mark_library_dirs(consult);
}

int eg_consult_flush(struct eg_consult *consult)
{
	/* Without a mount or filesystem flag, FLUSH drops inode marks: the ignore marks, and
	 * the library directories' marks, which are set again. */
	if (fanotify_mark(consult->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL))
		return -errno;
	pthread_mutex_lock(&consult->lock);
	forget_denied_marks(consult);
	pthread_mutex_unlock(&consult->lock);
	eg_consult_watch_again(consult);
	return 0;
}

int eg_consult_trust_added(struct eg_consult *consult)
{
	char **paths = NULL;
	unsigned int n = 0;
	bool lost;

	/* The list is taken whole; the next mark over a deny starts another. */
	pthread_mutex_lock(&consult->lock);
	lost = consult->denied_marks_lost;
	if (!lost) {
		paths = consult->denied_marks;
		n = consult->ndenied_marks;
		consult->denied_marks = NULL;
		consult->ndenied_marks = 0;
	}
	pthread_mutex_unlock(&consult->lock);
	if (lost)
		return eg_consult_flush(consult);
	/* By path, not followed: a path that leads elsewhere now costs that file one more
	 * report, and the file marked keeps its mark (said in consult.h). */
	for (unsigned int i = 0; i < n; i++) {
		fanotify_mark(consult->fan_fd,
			      FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK | FAN_MARK_DONT_FOLLOW,
			      FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM, AT_FDCWD, paths[i]);
		free(paths[i]);
	}
	free(paths);
	eg_consult_watch_again(consult);
	return 0;
}

void eg_consult_counts(struct eg_consult *consult, unsigned long long *ret_answered,
		       unsigned long long *ret_timeouts)
{
	pthread_mutex_lock(&consult->lock);
	*ret_answered = consult->answered;
	*ret_timeouts = consult->timeouts;
	pthread_mutex_unlock(&consult->lock);
}

unsigned long long eg_consult_read_errors(struct eg_consult *consult)
{
	unsigned long long n;

	pthread_mutex_lock(&consult->lock);
	n = consult->read_errors;
	pthread_mutex_unlock(&consult->lock);
	return n;
}

void eg_consult_watch(struct eg_consult *consult, const struct eg_consult_settings *watched)
{
	consult->settings.library_dirs = watched->library_dirs;
	consult->settings.nlibrary_dirs = watched->nlibrary_dirs;
	consult->settings.script_dirs = watched->script_dirs;
	consult->settings.nscript_dirs = watched->nscript_dirs;
	consult->settings.unwatched_dirs = watched->unwatched_dirs;
	consult->settings.nunwatched_dirs = watched->nunwatched_dirs;
	consult->settings.every_library_dir = watched->every_library_dir;
}

unsigned int eg_consult_library_dirs(struct eg_consult *consult, bool *ret_truncated)
{
	*ret_truncated = consult->library_dirs_truncated;
	return consult->library_dirs;
}

bool eg_consult_find_library(struct eg_consult *consult, const char *name, dev_t dev, ino_t ino,
			     char *ret_path, size_t len)
{
	struct stat st;

	if (!shared_object_name(name) || strchr(name, '/'))
		return false;
	for (unsigned int i = 0; i < consult->library_dirs; i++) {
		if ((size_t)snprintf(ret_path, len, "%s/%s", consult->library_dir_paths[i], name) >=
		    len)
			continue;
		if (!lstat(ret_path, &st) && S_ISREG(st.st_mode) && st.st_dev == dev &&
		    st.st_ino == ino)
			return true;
	}
	return false;
}

void eg_consult_stop(struct eg_consult *consult)
{
	if (!consult)
		return;
	if (consult->reader_started) {
		ssize_t ignored = write(consult->stop_pipe[1], "x", 1);

		(void)ignored;
		pthread_join(consult->reader, NULL);
	}
	pthread_mutex_lock(&consult->lock);
	consult->stopping = true;
	pthread_cond_broadcast(&consult->work);
	pthread_cond_signal(&consult->deadline_due);
	pthread_mutex_unlock(&consult->lock);
	for (unsigned int i = 0; i < consult->nworkers; i++)
		pthread_join(consult->workers[i], NULL);
	if (consult->deadline_started)
		pthread_join(consult->deadline, NULL);
	/* Whatever is still held gets the timeout answer: never leave an exec hanging. */
	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		struct job *job = &consult->jobs[i];

		if (job->state == JOB_FREE)
			continue;
		if (!job->answered)
			respond(consult, job->fd,
				job->library_open || consult->settings.allow_on_timeout);
		close(job->fd);
	}
	if (consult->fan_fd >= 0)
		close(consult->fan_fd);
	if (consult->stop_pipe[0] >= 0)
		close(consult->stop_pipe[0]);
	if (consult->stop_pipe[1] >= 0)
		close(consult->stop_pipe[1]);
	forget_library_dir_paths(consult);
	forget_denied_marks(consult);
	free(consult->denied_marks);
	free(consult->workers);
	free(consult);
}
