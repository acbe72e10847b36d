/* SPDX-License-Identifier: GPL-2.0 */
/* `execgate log`: read the decision log (docs/log-format.md), filter it and present it.
 *
 *   log_scan.c     one line into a struct eg_log_rec, without a JSON tree (the fast path)
 *   log_read.c     the same with jansson's tree (the reference); times; files (plain or
 *                  gzip) and --follow, each record handed to a sink
 *   log_filter.c   --since ... --host
 *   log_out.c      the per-record outputs: table, JSON lines, OCSF
 *   log_summary.c  counts by binary, signer, reason, user, host; text, JSON and HTML
 *   log_suggest.c  policy rules that would have allowed what an audit period let through
 *   log_replay.c   each record decided again by another policy (--replay)
 *   cmd_log.c      options and the order of things */
#ifndef EXECGATE_TOOLS_LOG_H
#define EXECGATE_TOOLS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Lines longer than this (newline included) are malformed, as docs/log-format.md says. */
#define EG_LOG_MAX_LINE 65536

enum eg_log_decision {
	EG_LOG_ALLOW = 0,
	EG_LOG_DENY = 1,
	EG_LOG_AUDIT = 2,
	EG_LOG_DECISIONS,
};

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
	enum eg_log_decision decision;
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

const char *eg_log_decision_name(enum eg_log_decision d);

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

/* Filters: every given filter must match; the values of one filter are alternatives. */
struct eg_log_list {
	char **v;
	size_t n;
};

struct eg_log_filter {
	bool has_since, has_until;
	int64_t since_ns, until_ns; /* since inclusive, until exclusive */
	unsigned int decisions;     /* bit per enum eg_log_decision; 0: any */
	struct eg_log_list reasons, signers, paths, hosts;
	uint32_t *uids;
	size_t n_uids;
};

int eg_log_list_add(struct eg_log_list *list, const char *value);
void eg_log_list_free(struct eg_log_list *list);
/* Add a --decision/--reason/--uid/--signer value (comma-separated alternatives allowed).
 * Returns 0 or -EINVAL with ERR saying which value is wrong. */
int eg_log_filter_decision(struct eg_log_filter *f, const char *arg, char *err, size_t len);
int eg_log_filter_reason(struct eg_log_filter *f, const char *arg, char *err, size_t len);
int eg_log_filter_uid(struct eg_log_filter *f, const char *arg, char *err, size_t len);
bool eg_log_filter_match(const struct eg_log_filter *f, const struct eg_log_rec *rec);
void eg_log_filter_free(struct eg_log_filter *f);

/* Per-record outputs. */
void eg_log_table_header(FILE *out);
int eg_log_print_table(FILE *out, const struct eg_log_rec *rec);
int eg_log_print_json(FILE *out, const struct eg_log_rec *rec);
int eg_log_print_ocsf(FILE *out, const struct eg_log_rec *rec);

/* Text without control characters (a path may hold an escape sequence): each byte below
 * 0x20 and 0x7f becomes '?'. */
void eg_log_fputs_safe(FILE *out, const char *s, size_t width);

/* Summary, shared by --summary and --html. */
struct eg_log_summary;
struct eg_log_summary *eg_log_summary_new(bool timeline);
int eg_log_summary_add(void *summary, const struct eg_log_rec *rec);
void eg_log_summary_print(const struct eg_log_summary *s, FILE *out, size_t top);
int eg_log_summary_print_json(const struct eg_log_summary *s, FILE *out);
int eg_log_summary_write_html(const struct eg_log_summary *s, FILE *out, size_t top,
			      const char *title);
void eg_log_summary_free(struct eg_log_summary *s);

/* --suggest-policy */
struct eg_log_suggest;
struct eg_log_suggest *eg_log_suggest_new(void);
int eg_log_suggest_add(void *suggest, const struct eg_log_rec *rec);
/* Writes the rules to OUT and a note about what it left out to NOTE. */
int eg_log_suggest_print(const struct eg_log_suggest *s, FILE *out, FILE *note);
void eg_log_suggest_free(struct eg_log_suggest *s);

/* --replay */
struct eg_log_replay;
/* Load the policy at PATH (and its fragments).  Returns 0 or a negative errno with ERR
 * naming the file, line and column. */
int eg_log_replay_open(const char *path, struct eg_log_replay **ret, char *err, size_t len);
/* Decide REC again: its decision, reason, mode, rule and policy (fields and JSON) become
 * what the policy says. */
int eg_log_replay_apply(const struct eg_log_replay *r, struct eg_log_rec *rec);
void eg_log_replay_free(struct eg_log_replay *r);

#endif
