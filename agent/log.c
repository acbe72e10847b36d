// SPDX-License-Identifier: GPL-2.0
/* The decision log.  Deciders call eg_log_submit(), which only takes a lock and appends to
 * a bounded queue; one writer thread formats, coalesces and writes.  A daemon answering
 * permission events must never block on logging (a full disk, a stuck syslog): a full
 * queue drops the record and counts it, and `execgate status` reports the count. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <systemd/sd-journal.h>

#include "log.h"

/* Open coalescing windows at once; beyond this the oldest is written early. */
#define MAX_WINDOWS 512

struct window {
	char *key;
	json_t *record;
	json_int_t count;
	uint64_t deadline_ms;
};

struct eg_log {
	struct eg_log_settings settings;
	char *json_path;
	int fd;              /* -1: no JSON lines file */
	bool owns_fd;        /* not standard output */
	bool torn;           /* a write stopped inside a line: start the next on a new one */
	gid_t group;         /* adm's, for a file created here; -1: none */
	bool journal;        /* each record also to the journal (log-journal on) */
	uint64_t write_errors, errors_reported;
	int last_errno;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	json_t **queue;
	unsigned int head, used;
	bool stopping, reopen;
	uint64_t dropped;
	struct window windows[MAX_WINDOWS];
	unsigned int nwindows;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A record's field as text: strings as they are, integers in decimal, anything else "-". */
static const char *field(json_t *record, const char *object, const char *name, char *buf,
			 size_t len)
{
	json_t *value = object ? json_object_get(json_object_get(record, object), name)
			       : json_object_get(record, name);

	if (json_is_string(value))
		return json_string_value(value);
	if (json_is_integer(value)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(value));
		return buf;
	}
	return "-";
}

#define FIELD(record, object, name) field(record, object, name, (char[32]){ 0 }, 32)

/* Records that differ only in time, pid and ppid are one flood (docs/log-format.md). */
static char *coalescing_key(json_t *record)
{
	char *key = NULL;

	if (asprintf(&key, "%s|%s|%s|%s|%s|%s|%s|%s", FIELD(record, NULL, "decision"),
		     FIELD(record, NULL, "hook"), FIELD(record, NULL, "reason"),
		     FIELD(record, "process", "uid"), FIELD(record, "process", "comm"),
		     FIELD(record, "file", "dev"), FIELD(record, "file", "ino"),
		     FIELD(record, "file", "path")) < 0)
		return NULL;
	return key;
}

/* Write LINE (newline included) in one write: a full disk (or any error) drops the record
 * and counts it, never waits.  A write cut short leaves part of a line: the next record
 * starts on a line of its own, so only the cut one is lost (a reader counts it malformed). */
static void write_line(struct eg_log *log, const char *line, size_t len)
{
	size_t done = 0;
	bool failed = false;

	if (log->torn) {
		if (write(log->fd, "\n", 1) != 1) {
			failed = true;
			goto out;
		}
		log->torn = false;
	}
	while (done < len) {
		ssize_t n = write(log->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log->last_errno = n < 0 ? errno : ENOSPC;
			log->torn = done > 0;
			failed = true;
			break;
		}
		done += (size_t)n;
	}
out:
	pthread_mutex_lock(&log->lock);
	if (failed)
		log->write_errors++;
	pthread_mutex_unlock(&log->lock);
	/* Said once when writes start failing and once when they work again: the journal
	 * (standard error under systemd) hears of it, without a line per record. */
	if (failed && log->errors_reported == 0) {
		fprintf(stderr, "execgated: log %s: %s: records are dropped (counted as "
				"log_write_errors in execgate status) until writing works again\n",
			log->json_path, strerror(log->last_errno ? log->last_errno : EIO));
		log->errors_reported = log->write_errors;
	} else if (!failed && log->errors_reported) {
		fprintf(stderr, "execgated: log %s: writing works again; %llu records were "
				"dropped\n", log->json_path,
			(unsigned long long)(log->write_errors - log->errors_reported + 1));
		log->errors_reported = 0;
	}
}

/* The record as journal fields (log-journal on): EXECGATE_DECISION=deny answers
 * `journalctl EXECGATE_DECISION=deny`. */
static void journal_record(json_t *record)
{
	const char *event = FIELD(record, NULL, "event");

	if (strcmp(event, "-")) {
		/* Lifecycle events reach the journal on their own (notice.c). */
		return;
	}
	sd_journal_send("MESSAGE=execgate %s %s %s: %s", FIELD(record, NULL, "decision"),
			FIELD(record, NULL, "hook"), FIELD(record, "file", "path"),
			FIELD(record, NULL, "reason"),
			"PRIORITY=%d", strcmp(FIELD(record, NULL, "decision"), "allow") ? 4 : 6,
			"SYSLOG_IDENTIFIER=execgated",
			"EXECGATE_DECISION=%s", FIELD(record, NULL, "decision"),
			"EXECGATE_MODE=%s", FIELD(record, NULL, "mode"),
			"EXECGATE_HOOK=%s", FIELD(record, NULL, "hook"),
			"EXECGATE_REASON=%s", FIELD(record, NULL, "reason"),
			"EXECGATE_COUNT=%s", FIELD(record, NULL, "count"),
			"EXECGATE_PID=%s", FIELD(record, "process", "pid"),
			"EXECGATE_UID=%s", FIELD(record, "process", "uid"),
			"EXECGATE_COMM=%s", FIELD(record, "process", "comm"),
			"EXECGATE_CGROUP=%s", FIELD(record, "process", "cgroup"),
			"EXECGATE_PATH=%s", FIELD(record, "file", "path"),
			"EXECGATE_SHA256=%s", FIELD(record, "file", "sha256"),
			"EXECGATE_SIGNER=%s", FIELD(record, "signature", "subject"),
			"EXECGATE_ISSUER=%s", FIELD(record, "signature", "issuer"),
			"EXECGATE_RULE=%s", FIELD(record, "rule", "id"),
			"EXECGATE_RULE_LINE=%s", FIELD(record, "rule", "line"),
			"EXECGATE_POLICY_SHA256=%s", FIELD(record, "policy", "sha256"),
			"EXECGATE_POLICY_GENERATION=%s", FIELD(record, "policy", "generation"),
			NULL);
}

static void write_record(struct eg_log *log, json_t *record)
{
	char *line = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
	bool journal;

	if (!line)
		return;
	if (log->fd >= 0) {
		size_t len = strlen(line);
		char *full = realloc(line, len + 2);

		if (full) {
			line = full;
			line[len] = '\n';
			line[len + 1] = '\0';
			write_line(log, line, len + 1);
			line[len] = '\0';
		}
	}
	pthread_mutex_lock(&log->lock);
	journal = log->journal;
	pthread_mutex_unlock(&log->lock);
	if (journal)
		journal_record(record);
	if (log->settings.syslog)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s %s %s reason=%s pid=%s uid=%s count=%s",
		       FIELD(record, NULL, "decision"), FIELD(record, NULL, "hook"),
		       FIELD(record, "file", "path"), FIELD(record, NULL, "reason"),
		       FIELD(record, "process", "pid"), FIELD(record, "process", "uid"),
		       FIELD(record, NULL, "count"));
	free(line);
}

static void close_window(struct eg_log *log, unsigned int index)
{
	struct window *window = &log->windows[index];

	json_object_set_new(window->record, "count", json_integer(window->count));
	write_record(log, window->record);
	json_decref(window->record);
	free(window->key);
	log->windows[index] = log->windows[--log->nwindows];
}

static void take(struct eg_log *log, json_t *record)
{
	char *key;

	/* Lifecycle events (a reload, a start on the last known good policy) are never
	 * merged with anything. */
	if (!log->settings.window_ms || json_object_get(record, "event") ||
	    !(key = coalescing_key(record))) {
		write_record(log, record);
		json_decref(record);
		return;
	}
	for (unsigned int i = 0; i < log->nwindows; i++) {
		if (!strcmp(log->windows[i].key, key)) {
			log->windows[i].count++;
			json_decref(record);
			free(key);
			return;
		}
	}
	if (log->nwindows == MAX_WINDOWS)
		close_window(log, 0);
	log->windows[log->nwindows++] = (struct window){
		.key = key,
		.record = record,
		.count = 1,
		.deadline_ms = now_ms() + log->settings.window_ms,
	};
}

/* A log file this agent creates is 0640, group adm where that group exists, as Debian's
 * logs are: an analyst in adm reads it, other users do not.  An existing file keeps its
 * owner and mode (logrotate's create line decides for rotated ones). */
static int open_output(struct eg_log *log)
{
	int fd;

	log->fd = -1;
	log->owns_fd = false;
	log->torn = false;
	if (!log->json_path)
		return 0;
	if (!strcmp(log->json_path, "-")) {
		log->fd = STDOUT_FILENO;
		return 0;
	}
	fd = open(log->json_path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
		  0640);
	if (fd >= 0) {
		if (fchmod(fd, 0640) || (log->group != (gid_t)-1 && fchown(fd, -1, log->group))) {
			int err = -errno;

			close(fd);
			unlink(log->json_path);
			return err;
		}
	} else if (errno == EEXIST) {
		fd = open(log->json_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0)
		return -errno;
	log->fd = fd;
	log->owns_fd = true;
	return 0;
}

static void close_output(struct eg_log *log)
{
	if (log->owns_fd)
		close(log->fd);
	log->fd = -1;
	log->owns_fd = false;
}

static void *writer_main(void *arg)
{
	struct eg_log *log = arg;
	json_t **batch = calloc(log->settings.queue_max, sizeof(*batch));

	pthread_mutex_lock(&log->lock);
	for (;;) {
		uint64_t earliest = UINT64_MAX, now;
		unsigned int n = 0;
		bool stopping;

		for (unsigned int i = 0; i < log->nwindows; i++)
			if (log->windows[i].deadline_ms < earliest)
				earliest = log->windows[i].deadline_ms;
		while (!log->used && !log->stopping && !log->reopen && now_ms() < earliest) {
			if (earliest == UINT64_MAX) {
				pthread_cond_wait(&log->wake, &log->lock);
			} else {
				struct timespec until;
				uint64_t wait_ms = earliest - now_ms();

				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += (time_t)(wait_ms / 1000);
				until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
				if (until.tv_nsec >= 1000000000) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&log->wake, &log->lock, &until);
			}
		}
		while (log->used && batch) {
			batch[n++] = log->queue[log->head];
			log->head = (log->head + 1) % log->settings.queue_max;
			log->used--;
		}
		stopping = log->stopping;
		if (log->reopen) {
			int err;

			log->reopen = false;
			close_output(log);
			err = open_output(log);
			if (err)
				fprintf(stderr, "execgated: log %s: cannot reopen: %s; records are "
						"dropped until the next reopen\n",
					log->json_path, strerror(-err));
		}
		pthread_mutex_unlock(&log->lock);

		for (unsigned int i = 0; i < n; i++)
			take(log, batch[i]);
		now = now_ms();
		for (unsigned int i = 0; i < log->nwindows;)
			if (stopping || log->windows[i].deadline_ms <= now)
				close_window(log, i);
			else
				i++;
		if (stopping)
			break;
		pthread_mutex_lock(&log->lock);
	}
	free(batch);
	return NULL;
}

int eg_log_open(const struct eg_log_settings *settings, struct eg_log **ret_log)
{
	struct eg_log *log = calloc(1, sizeof(*log));
	int err;

	if (!log)
		return -ENOMEM;
	log->settings = *settings;
	if (!log->settings.queue_max)
		log->settings.queue_max = 4096;
	log->queue = calloc(log->settings.queue_max, sizeof(*log->queue));
	log->json_path = settings->json_path ? strdup(settings->json_path) : NULL;
	if (!log->queue || (settings->json_path && !log->json_path)) {
		err = -ENOMEM;
		goto fail;
	}
	{
		struct group grp, *found = NULL;
		char buf[4096];

		log->group = getgrnam_r("adm", &grp, buf, sizeof(buf), &found) == 0 && found
				     ? found->gr_gid
				     : (gid_t)-1;
	}
	err = open_output(log);
	if (err)
		goto fail;
	if (settings->syslog)
		openlog("execgated", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	pthread_mutex_init(&log->lock, NULL);
	pthread_cond_init(&log->wake, NULL);
	err = -pthread_create(&log->writer, NULL, writer_main, log);
	if (err)
		goto fail;
	*ret_log = log;
	return 0;
fail:
	close_output(log);
	free(log->queue);
	free(log->json_path);
	free(log);
	return err;
}

void eg_log_submit(struct eg_log *log, json_t *record)
{
	if (!record)
		return;
	pthread_mutex_lock(&log->lock);
	if (log->used == log->settings.queue_max || log->stopping) {
		log->dropped++;
		pthread_mutex_unlock(&log->lock);
		json_decref(record);
		return;
	}
	log->queue[(log->head + log->used) % log->settings.queue_max] = record;
	log->used++;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
}

uint64_t eg_log_write_errors(struct eg_log *log)
{
	uint64_t errors;

	pthread_mutex_lock(&log->lock);
	errors = log->write_errors;
	pthread_mutex_unlock(&log->lock);
	return errors;
}

void eg_log_set_journal(struct eg_log *log, bool on)
{
	pthread_mutex_lock(&log->lock);
	log->journal = on;
	pthread_mutex_unlock(&log->lock);
}

uint64_t eg_log_dropped(struct eg_log *log)
{
	uint64_t dropped;

	pthread_mutex_lock(&log->lock);
	dropped = log->dropped;
	pthread_mutex_unlock(&log->lock);
	return dropped;
}

void eg_log_reopen(struct eg_log *log)
{
	pthread_mutex_lock(&log->lock);
	log->reopen = true;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
}

void eg_log_close(struct eg_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	log->stopping = true;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
	pthread_join(log->writer, NULL);
	close_output(log);
	if (log->settings.syslog)
		closelog();
	free(log->queue);
	free(log->json_path);
	free(log);
}
