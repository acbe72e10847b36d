// SPDX-License-Identifier: GPL-2.0
/*
 * The log line scanner (tools/log_scan.c) against its reference, jansson's tree
 * (eg_log_rec_parse_tree): on any bytes, both accept or both refuse, and an accepted line
 * gives the same value in every field.  Any difference aborts; so do the sanitizers on
 * any read past the line (the input is copied to a buffer of exactly its size).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_str(const char *a, const char *b)
{
	if (!a != !b || (a && strcmp(a, b)))
		abort();
}

static void same_rec(const struct eg_log_rec *a, const struct eg_log_rec *b)
{
	const char *const sa[] = { a->time, a->host, a->mode, a->hook, a->reason, a->comm,
				   a->parent_exe, a->cgroup, a->path, a->dev, a->sha256,
				   a->sig_kind, a->subject, a->issuer, a->serial, a->sig_sha256,
				   a->not_after, a->timestamp, a->tsa, a->rule_file,
				   a->policy_sha256, a->signed_sha256 };
	const char *const sb[] = { b->time, b->host, b->mode, b->hook, b->reason, b->comm,
				   b->parent_exe, b->cgroup, b->path, b->dev, b->sha256,
				   b->sig_kind, b->subject, b->issuer, b->serial, b->sig_sha256,
				   b->not_after, b->timestamp, b->tsa, b->rule_file,
				   b->policy_sha256, b->signed_sha256 };
	const int64_t ia[] = { a->time_ns, a->decision, a->count, a->pid, a->ppid, a->uid,
			       a->ino, a->size, a->has_sig, a->has_rule, a->rule_id,
			       a->rule_line, a->policy_generation, (int64_t)a->line_len };
	const int64_t ib[] = { b->time_ns, b->decision, b->count, b->pid, b->ppid, b->uid,
			       b->ino, b->size, b->has_sig, b->has_rule, b->rule_id,
			       b->rule_line, b->policy_generation, (int64_t)b->line_len };

	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		same_str(sa[i], sb[i]);
	if (memcmp(ia, ib, sizeof(ia)) || a->line != b->line)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_log_rec fast, ref;
	char *line;
	int a, b;

	/* The reader never hands over more than this. */
	if (size >= EG_LOG_MAX_LINE)
		return 0;
	line = malloc(size ? size : 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	a = eg_log_rec_parse(line, size, &fast);
	b = eg_log_rec_parse_tree(line, size, &ref);
	if (a != b || (a && a != -EINVAL))
		abort();
	if (!a) {
		same_rec(&fast, &ref);
		eg_log_rec_release(&fast);
		eg_log_rec_release(&ref);
	}
	free(line);
	return 0;
}
