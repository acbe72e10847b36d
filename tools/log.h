/* SPDX-License-Identifier: GPL-2.0 */
/* `execgate log`: read the decision log (docs/log-format.md), filter it and present it.
 *
 *   log_read.h     the reader (liblogread: log_scan.c, log_read.c)
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

#include "log_read.h"

/* Filters: every given filter must match; the values of one filter are alternatives. */
struct eg_log_list {
	char **v;
	size_t n;
};

struct eg_log_filter {
	bool has_since, has_until;
	int64_t since_ns, until_ns; /* since inclusive, until exclusive */
	unsigned int decisions;     /* bit per enum eg_decision; 0: any */
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
