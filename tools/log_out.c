// SPDX-License-Identifier: GPL-2.0
/* Per-record outputs of `execgate log`: an aligned table for people, the records
 * themselves as JSON lines, and OCSF Process Activity (class 1007) for SIEM pipelines. */
#include <errno.h>
#include <string.h>

#include "log.h"

#ifndef EXECGATE_VERSION
#define EXECGATE_VERSION "0.1.0"
#endif

/* The OCSF schema version whose required attributes the output was checked against. */
#define EG_OCSF_VERSION "1.2.0"

void eg_log_fputs_safe(FILE *out, const char *s, size_t width)
{
	size_t len = s ? strlen(s) : 0, n = len;

	if (!s)
		s = "-", len = n = 1;
	/* Cut what does not fit and mark the cut with '~'. */
	if (width && len > width)
		n = width - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
	if (width && len > width)
		fputc('~', out);
	for (size_t i = len > width ? width : len; width && i < width; i++)
		fputc(' ', out);
}

/* The CN of an RFC 2253 subject ("CN=Tool Signing,O=Example"), else the whole subject. */
static void common_name(const char *subject, char *buf, size_t len)
{
	const char *p = subject, *cn = NULL;
	size_t n = 0;

	for (; p && *p; p++)
		if ((p == subject || p[-1] == ',') && !strncmp(p, "CN=", 3)) {
			cn = p + 3;
			break;
		}
	if (!cn) {
		snprintf(buf, len, "%s", subject ? subject : "-");
		return;
	}
	for (p = cn; *p && n + 1 < len; p++) {
		if (*p == '\\' && p[1]) {
			buf[n++] = *++p;
			continue;
		}
		if (*p == ',')
			break;
		buf[n++] = *p;
	}
	buf[n] = '\0';
}

void eg_log_table_header(FILE *out)
{
	fprintf(out, "%-20s %-12s %-8s %-8s %-20s %5s %6s %-15s %-24s %s\n", "TIME", "HOST",
		"DECISION", "HOOK", "REASON", "COUNT", "UID", "COMM", "SIGNER", "PATH");
}

int eg_log_print_table(FILE *out, const struct eg_log_rec *rec)
{
	char when[32], signer[128];

	eg_log_time_format(rec->time_ns, when, sizeof(when));
	if (rec->has_sig)
		common_name(rec->subject, signer, sizeof(signer));
	else
		snprintf(signer, sizeof(signer), "(unsigned)");
	fprintf(out, "%-20s ", when);
	eg_log_fputs_safe(out, rec->host, 12);
	fprintf(out, " %-8s %-8s ", eg_decision_name(rec->decision), rec->hook);
	eg_log_fputs_safe(out, rec->reason, 20);
	fprintf(out, " %5lld ", (long long)rec->count);
	if (rec->uid >= 0)
		fprintf(out, "%6lld ", (long long)rec->uid);
	else
		fprintf(out, "%6s ", "-");
	eg_log_fputs_safe(out, rec->comm, 15);
	fputc(' ', out);
	eg_log_fputs_safe(out, signer, 24);
	fputc(' ', out);
	eg_log_fputs_safe(out, rec->path, 0);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

int eg_log_print_json(FILE *out, const struct eg_log_rec *rec)
{
	fwrite(rec->line, 1, rec->line_len, out);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

/* A JSON integer, or NULL (which json_pack's "o*" leaves out) when unknown. */
static json_t *int_or_none(int64_t v)
{
	return v >= 0 ? json_integer(v) : NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!path)
		return "(unknown)";
	return slash && slash[1] ? slash + 1 : path;
}

static json_t *ocsf_file(const char *path, int64_t size, const char *sha256)
{
	json_t *hashes = NULL;

	if (sha256)
		hashes = json_pack("[{s:i, s:s, s:s}]", "algorithm_id", 3, "algorithm", "SHA-256",
				   "value", sha256);
	/* type_id 1: Regular File (memfds too: they are regular files in a tmpfs). */
	return json_pack("{s:s, s:s*, s:i, s:s, s:o*, s:o*}", "name", base_name(path), "path",
			 path, "type_id", 1, "type", "Regular File", "size", int_or_none(size),
			 "hashes", hashes);
}

static json_t *ocsf_signature(const struct eg_log_rec *rec)
{
	int64_t not_after = -1, stamped = -1;
	json_t *fp = NULL;

	if (!rec->has_sig)
		return NULL;
	if (rec->not_after && !eg_log_time_parse(rec->not_after, &not_after))
		not_after /= 1000000;
	if (rec->timestamp && !eg_log_time_parse(rec->timestamp, &stamped))
		stamped /= 1000000;
	if (rec->sig_sha256)
		fp = json_pack("[{s:i, s:s, s:s}]", "algorithm_id", 3, "algorithm", "SHA-256",
			       "value", rec->sig_sha256);
	/* The log does not name the signature algorithm; CMS is the container. */
	return json_pack("{s:i, s:s, s:o*, s:{s:s*, s:s*, s:s*, s:o*, s:o*}}", "algorithm_id",
			 99, "algorithm", "CMS", "created_time", int_or_none(stamped),
			 "certificate", "subject", rec->subject, "issuer", rec->issuer,
			 "serial_number", rec->serial, "fingerprints", fp, "expiration_time",
			 int_or_none(not_after));
}

/* What execgate knows that OCSF has no attribute for, under unmapped.execgate. */
static json_t *ocsf_unmapped(const struct eg_log_rec *rec)
{
	json_t *copy = json_deep_copy(rec->root);

	if (!copy)
		return NULL;
	json_object_del(copy, "time");
	json_object_del(copy, "host");
	json_object_del(copy, "decision");
	json_object_del(copy, "count");
	/* Mapped above but for these four. */
	json_object_del(copy, "process");
	json_object_del(copy, "file");
	if (json_object_update_new(copy, json_pack("{s:s*, s:s*, s:s*, s:o*}", "comm", rec->comm,
					       "cgroup", rec->cgroup, "dev", rec->dev, "ino",
					       int_or_none(rec->ino)))) {
		json_decref(copy);
		return NULL;
	}
	return json_pack("{s:o}", "execgate", copy);
}

int eg_log_print_ocsf(FILE *out, const struct eg_log_rec *rec)
{
	/* OCSF security control outcome per decision: allowed, blocked, or let through
	 * by audit mode and reported as detected. */
	static const struct {
		int severity_id, action_id, disposition_id, status_id;
		const char *severity, *action, *disposition, *status;
	} outcome[EG_DECISION_COUNT] = {
		[EG_DECISION_ALLOW] = { 1, 1, 1, 1, "Informational", "Allowed", "Allowed", "Success" },
		[EG_DECISION_DENY] = { 3, 2, 2, 2, "Medium", "Denied", "Blocked", "Failure" },
		[EG_DECISION_AUDIT] = { 2, 1, 15, 1, "Low", "Allowed", "Detected", "Success" },
	};
	bool launch = !strcmp(rec->hook, "exec");
	char message[512], uid[24];
	json_t *actor, *file, *user = NULL, *sig, *ev;
	int ret;

	snprintf(message, sizeof(message), "execgate %s %s of %s%s%s",
		 rec->decision == EG_DECISION_DENY    ? "denied"
		 : rec->decision == EG_DECISION_AUDIT ? "audited"
						 : "allowed",
		 rec->hook, rec->path ? rec->path : "(unknown)", rec->reason ? ": " : "",
		 rec->reason ? rec->reason : "");
	/* The actor launched the process: its parent, as far as the log knows it. */
	if (rec->ppid >= 0)
		actor = json_pack("{s:{s:I, s:o*}}", "process", "pid", (json_int_t)rec->ppid,
				  "file",
				  rec->parent_exe ? ocsf_file(rec->parent_exe, -1, NULL) : NULL);
	else
		actor = json_pack("{s:{s:s}}", "user", "uid", "unknown");
	if (rec->uid >= 0) {
		snprintf(uid, sizeof(uid), "%lld", (long long)rec->uid);
		user = json_pack("{s:s}", "uid", uid);
	}
	file = ocsf_file(rec->path, rec->size, rec->sha256);
	sig = ocsf_signature(rec);
	if (file && sig)
		json_object_set_new(file, "signature", sig);
	else
		json_decref(sig);
	ev = json_pack("{s:i, s:s, s:i, s:s, s:i, s:s, s:i, s:s, s:i, s:s, s:I, s:I,"
		       " s:i, s:s, s:i, s:s, s:i, s:s, s:s*, s:s*, s:s,"
		       " s:{s:{s:s, s:s, s:s}, s:s, s:s*},"
		       " s:{s:s*, s:i, s:s}, s:o*,"
		       " s:{s:o*, s:s, s:o*, s:o*}, s:o*}",
		       "activity_id", launch ? 1 : 99, "activity_name",
		       launch                         ? "Launch"
		       : !strcmp(rec->hook, "mmap") ? "Map Executable File"
						     : "Make File Mapping Executable",
		       "category_uid", 1, "category_name", "System Activity", "class_uid", 1007,
		       "class_name", "Process Activity", "type_uid", launch ? 100701 : 100799,
		       "type_name", launch ? "Process Activity: Launch" : "Process Activity: Other",
		       "severity_id", outcome[rec->decision].severity_id, "severity",
		       outcome[rec->decision].severity, "time",
		       (json_int_t)(rec->time_ns / 1000000), "count", (json_int_t)rec->count,
		       "action_id", outcome[rec->decision].action_id, "action",
		       outcome[rec->decision].action, "disposition_id",
		       outcome[rec->decision].disposition_id, "disposition",
		       outcome[rec->decision].disposition, "status_id",
		       outcome[rec->decision].status_id, "status", outcome[rec->decision].status,
		       "status_code", rec->reason, "status_detail", rec->reason, "message",
		       message, "metadata", "product", "name", "execgate", "vendor_name",
		       "execgate", "version", EXECGATE_VERSION, "version", EG_OCSF_VERSION,
		       "original_time", rec->time, "device", "hostname", rec->host, "type_id", 0,
		       "type", "Unknown", "actor", actor, "process", "pid", int_or_none(rec->pid),
		       "name", base_name(rec->path), "file", file, "user", user, "unmapped",
		       ocsf_unmapped(rec));
	if (!ev)
		return -ENOMEM;
	ret = json_dumpf(ev, out, JSON_COMPACT);
	json_decref(ev);
	fputc('\n', out);
	return ret || ferror(out) ? -EIO : 0;
}
