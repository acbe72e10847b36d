/* SPDX-License-Identifier: GPL-2.0 */
/* The decision log's reader (liblogread): one line into a record, times, whole files
 * (plain or gzip) and following a live file.  `execgate log` and the tests link it.
 *
 *   log_scan.c     one line into a struct eg_log_rec, without a JSON tree (the fast path)
 *   log_read.c     the same with jansson's tree (the reference); times; files and --follow,
 *                  each record handed to a sink */
#ifndef EXECGATE_TOOLS_LOG_READ_H
#define EXECGATE_TOOLS_LOG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "eg_names.h"

/* Lines longer than this (newline included) are malformed, as docs/log-format.md says. */
#define EG_LOG_MAX_LINE 65536

/* One record.  Strings (NULL: absent, null or of another type in the record) point into
 * STRS or ROOT; integers are -1 when absent.  Valid until eg_log_rec_release(). */
struct eg_log_rec {
	json_t *root; /* the JSON tree: only from eg_log_rec_parse_tree() */
	char *strs;   /* the decoded strings: only from eg_log_rec_parse() */
	const char *line; /* the line as read, without its newline */
	size_t line_len;
	const char *time;
	int64_t time_ns; /* since the epoch, UTC */
	const char *host;
	enum eg_decision decision;
	const char *mode; /* "enforce" or "audit" */
	const char *hook; /* "exec", "mmap", "mprotect", "write" or "script" */
	const char *reason;
	int64_t count;
	int64_t pid, ppid, uid;
	const char *comm, *parent_exe, *cgroup;
	const char *path, *dev, *sha256;
	const char *signed_sha256; /* NULL in records older than the field */
	int64_t ino, size;
	bool has_sig;
	const char *sig_kind, *subject, *issuer, *serial, *sig_sha256, *not_after, *timestamp,
		*tsa;
	bool has_rule;
	int64_t rule_id, rule_line;
	const char *rule_file;
	const char *policy_sha256;
	int64_t policy_generation;
};

/* Parse LINE (LEN bytes, no newline) into REC without building a JSON tree (ROOT stays
 * NULL).  Returns 0, -ENOMSG for an event record of the agent's (not a decision), -EINVAL
 * when the line is malformed in the sense of docs/log-format.md, or -ENOMEM. */
int eg_log_rec_parse(const char *line, size_t len, struct eg_log_rec *rec);
/* The same through jansson, REC then owning a reference to the whole tree in ROOT: for
 * what needs the tree (--format ocsf, --replay), and the reference eg_log_rec_parse() is
 * held to (same lines accepted, same fields). */
int eg_log_rec_parse_tree(const char *line, size_t len, struct eg_log_rec *rec);
void eg_log_rec_release(struct eg_log_rec *rec);

/* RFC 3339 (any offset, 0 to 9 fractional digits) into nanoseconds since the epoch. */
int eg_log_time_parse(const char *s, int64_t *ret_ns);
/* A --since/--until argument: RFC 3339, a date (YYYY-MM-DD, midnight UTC), or a duration
 * before NOW_NS (30s, 15m, 2h, 3d, 1w). */
int eg_log_time_arg(const char *s, int64_t now_ns, int64_t *ret_ns);
/* "YYYY-MM-DDThh:mm:ssZ" into BUF (at least 21 bytes). */
void eg_log_time_format(int64_t ns, char *buf, size_t len);

/* Where each record goes; returns 0 or a negative errno that stops the reading. */
typedef int (*eg_log_sink)(void *ctx, const struct eg_log_rec *rec);

struct eg_log_source_stats {
	uint64_t lines;
	uint64_t malformed;
	uint64_t events; /* the agent's event records, skipped */
	bool tree; /* read with eg_log_rec_parse_tree() (EXECGATE_LOG_READER=tree) */
};

/* Read every record of PATH ("-": standard input), plain or gzip, into SINK.  Returns 0 or
 * a negative errno; ERR (LEN bytes) then says what went wrong, naming the file. */
int eg_log_read_file(const char *path, eg_log_sink sink, void *ctx,
		     struct eg_log_source_stats *stats, char *err, size_t len);

/* Follow PATH like `tail -F`: start at its end (at its start when FROM_START), hand every
 * complete line appended to SINK, reopen PATH when it is rotated (renamed or replaced)
 * and start over when it is truncated.  Returns 0 when STOP becomes true (a signal),
 * else a negative errno with ERR filled. */
int eg_log_follow(const char *path, bool from_start, eg_log_sink sink, void *ctx,
		  volatile int *stop, struct eg_log_source_stats *stats, char *err, size_t len);

#endif
