/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_LOG_H
#define EXECGATE_AGENT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* The decision log: JSON lines (docs/log-format.md) and syslog, written by one thread
 * from a bounded queue, so a decision never waits for a disk or for syslog.  Identical
 * decisions within a window are coalesced into one record with a count. */
struct eg_log;

struct eg_log_settings {
	const char *json_path;   /* NULL: no JSON lines file; "-": standard output */
	bool syslog;             /* also one line per record to syslog (LOG_AUTHPRIV) */
	unsigned int window_ms;  /* coalescing window; 0 writes every record at once */
	unsigned int queue_max;  /* records waiting for the writer before drops start */
};

int eg_log_open(const struct eg_log_settings *settings, struct eg_log **ret_log);

/* Queue RECORD (ownership moves to the log, also on failure).  Never blocks: when the
 * queue is full the record is dropped and counted. */
void eg_log_submit(struct eg_log *log, json_t *record);

/* Records dropped because the queue was full, since open. */
uint64_t eg_log_dropped(struct eg_log *log);

/* Reopen the JSON lines file (after rotation). */
void eg_log_reopen(struct eg_log *log);

/* Flush every pending record, stop the writer; accepts NULL. */
void eg_log_close(struct eg_log *log);

#endif
