// SPDX-License-Identifier: GPL-2.0
/* The decision log.  Deciders call eg_log_submit(), which only takes a lock and appends to
 * a bounded queue; one writer thread formats, coalesces and writes.  A daemon answering
 * permission events must never block on logging (a full disk, a stuck syslog): a full
 * queue drops the record and counts it, and `execgate status` reports the count. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

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
	FILE *out;
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

static void write_record(struct eg_log *log, json_t *record)
{
	char *line = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!line)
		return;
	if (log->out) {
		fputs(line, log->out);
		fputc('\n', log->out);
		fflush(log->out);
	}
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

	if (!log->settings.window_ms || !(key = coalescing_key(record))) {
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

static void open_output(struct eg_log *log)
{
	if (!log->json_path)
		return;
	if (!strcmp(log->json_path, "-")) {
		log->out = stdout;
		return;
	}
	log->out = fopen(log->json_path, "ae");
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
			log->reopen = false;
			if (log->out && log->out != stdout)
				fclose(log->out);
			log->out = NULL;
			open_output(log);
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
	open_output(log);
	if (log->json_path && !log->out) {
		err = -errno;
		goto fail;
	}
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
	if (log->out && log->out != stdout)
		fclose(log->out);
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
	if (log->out && log->out != stdout)
		fclose(log->out);
	if (log->settings.syslog)
		closelog();
	free(log->queue);
	free(log->json_path);
	free(log);
}
