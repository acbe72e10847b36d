// SPDX-License-Identifier: GPL-2.0
/* Reading the decision log: one line into a record, times, whole files (plain or gzip,
 * told apart by zlib from the magic bytes) and following a live file across rotation. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"

static const char *const decision_names[EG_LOG_DECISIONS] = {
	[EG_LOG_ALLOW] = "allow",
	[EG_LOG_DENY] = "deny",
	[EG_LOG_AUDIT] = "audit",
};

const char *eg_log_decision_name(enum eg_log_decision d)
{
	return (unsigned int)d < EG_LOG_DECISIONS ? decision_names[d] : "unknown";
}

static const char *str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t int_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static bool one_of(const char *s, const char *const *names)
{
	for (; s && *names; names++)
		if (!strcmp(s, *names))
			return true;
	return false;
}

int eg_log_rec_parse_tree(const char *line, size_t len, struct eg_log_rec *rec)
{
	static const char *const modes[] = { "enforce", "audit", NULL };
	static const char *const hooks[] = { "exec", "mmap", "mprotect", "write", "script", NULL };
	json_t *root, *v, *proc, *file, *sig, *rule, *pol;
	const char *decision;
	int i;

	memset(rec, 0, sizeof(*rec));
	root = json_loadb(line, len, 0, NULL);
	if (!json_is_object(root))
		goto bad;
	rec->root = root;
	rec->line = line;
	rec->line_len = len;

	rec->time = str_of(root, "time");
	if (!rec->time || eg_log_time_parse(rec->time, &rec->time_ns))
		goto bad;
	rec->host = str_of(root, "host");
	decision = str_of(root, "decision");
	/* The agent's own events (a reload, a start on the last known good policy) are not
	 * decisions: skipped, not malformed. */
	if (!decision && str_of(root, "event")) {
		json_decref(root);
		memset(rec, 0, sizeof(*rec));
		return -ENOMSG;
	}
	for (i = 0; i < EG_LOG_DECISIONS; i++)
		if (decision && !strcmp(decision, decision_names[i]))
			break;
	if (i == EG_LOG_DECISIONS)
		goto bad;
	rec->decision = i;
	rec->mode = str_of(root, "mode");
	rec->hook = str_of(root, "hook");
	if (!one_of(rec->mode, modes) || !one_of(rec->hook, hooks))
		goto bad;
	v = json_object_get(root, "reason");
	if (v && !json_is_string(v) && !json_is_null(v))
		goto bad;
	rec->reason = str_of(root, "reason");
	rec->count = int_of(root, "count");
	if (rec->count < 1)
		goto bad;

	proc = json_object_get(root, "process");
	file = json_object_get(root, "file");
	pol = json_object_get(root, "policy");
	sig = json_object_get(root, "signature");
	rule = json_object_get(root, "rule");
	if (!json_is_object(proc) || !json_is_object(file) || !json_is_object(pol))
		goto bad;
	if (!json_is_object(sig) && !json_is_null(sig))
		goto bad;
	if (!json_is_object(rule) && !json_is_null(rule))
		goto bad;

	rec->pid = int_of(proc, "pid");
	rec->ppid = int_of(proc, "ppid");
	rec->uid = int_of(proc, "uid");
	rec->comm = str_of(proc, "comm");
	rec->parent_exe = str_of(proc, "parent_exe");
	rec->cgroup = str_of(proc, "cgroup");
	rec->path = str_of(file, "path");
	rec->dev = str_of(file, "dev");
	rec->ino = int_of(file, "ino");
	rec->size = int_of(file, "size");
	rec->sha256 = str_of(file, "sha256");
	rec->signed_sha256 = str_of(file, "signed_sha256");
	rec->has_sig = json_is_object(sig);
	if (rec->has_sig) {
		rec->sig_kind = str_of(sig, "kind");
		rec->subject = str_of(sig, "subject");
		rec->issuer = str_of(sig, "issuer");
		rec->serial = str_of(sig, "serial");
		rec->sig_sha256 = str_of(sig, "sha256");
		rec->not_after = str_of(sig, "not_after");
		rec->timestamp = str_of(sig, "timestamp");
		rec->tsa = str_of(sig, "tsa");
	}
	rec->has_rule = json_is_object(rule);
	rec->rule_id = rec->has_rule ? int_of(rule, "id") : -1;
	rec->rule_line = rec->has_rule ? int_of(rule, "line") : -1;
	rec->rule_file = rec->has_rule ? str_of(rule, "file") : NULL;
	rec->policy_sha256 = str_of(pol, "sha256");
	rec->policy_generation = int_of(pol, "generation");
	return 0;
bad:
	json_decref(root);
	memset(rec, 0, sizeof(*rec));
	return -EINVAL;
}

void eg_log_rec_release(struct eg_log_rec *rec)
{
	json_decref(rec->root);
	rec->root = NULL;
	free(rec->strs);
	rec->strs = NULL;
}

/* N decimal digits at P, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int date_parse(const char *p, struct tm *tm)
{
	int y, mo, d;

	if (strnlen(p, 10) < 10)
		return -EINVAL;
	y = digits(p, 4);
	mo = digits(p + 5, 2);
	d = digits(p + 8, 2);
	if (y < 0 || p[4] != '-' || mo < 1 || mo > 12 || p[7] != '-' || d < 1 || d > 31)
		return -EINVAL;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	return 0;
}

/* timegm() that refuses dates it had to normalise (Feb 30). */
static int to_epoch(struct tm *tm, int64_t *ret)
{
	struct tm want = *tm;
	time_t t = timegm(tm);

	if (t == (time_t)-1 || tm->tm_mday != want.tm_mday || tm->tm_mon != want.tm_mon)
		return -EINVAL;
	*ret = t;
	return 0;
}

int eg_log_time_parse(const char *s, int64_t *ret_ns)
{
	const char *p = s;
	int64_t secs, frac = 0, scale = 1000000000, off = 0;
	struct tm tm;
	int h, mi, sec;

	if (date_parse(p, &tm) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
	    strnlen(p, 19) < 19)
		return -EINVAL;
	h = digits(p + 11, 2);
	mi = digits(p + 14, 2);
	sec = digits(p + 17, 2);
	if (h < 0 || h > 23 || p[13] != ':' || mi < 0 || mi > 59 || p[16] != ':' || sec < 0 ||
	    sec > 60)
		return -EINVAL;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	p += 19;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return -EINVAL;
		/* Digits past nanoseconds carry nothing we can keep. */
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = strnlen(p, 6) < 6 ? -1 : digits(p + 1, 2);
		int om = oh < 0 ? -1 : digits(p + 4, 2);

		if (oh < 0 || oh > 23 || p[3] != ':' || om < 0 || om > 59)
			return -EINVAL;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p || to_epoch(&tm, &secs))
		return -EINVAL;
	secs -= off;
	/* Nanoseconds in 64 bits reach from 1677 to 2262. */
	if (secs <= INT64_MIN / 1000000000 || secs >= INT64_MAX / 1000000000)
		return -ERANGE;
	*ret_ns = secs * 1000000000 + frac;
	return 0;
}

/* A time ago of at most 200 years keeps NOW - AGO within 64-bit nanoseconds. */
#define MAX_AGO (200LL * 366 * 86400)

int eg_log_time_arg(const char *s, int64_t now_ns, int64_t *ret_ns)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	size_t len = strlen(s), n = strspn(s, "0123456789");
	struct tm tm;
	int64_t secs;

	if (n && n < 10 && len == n + 1) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			/* Under 10^9 units of at most a week: no overflow before the check. */
			int64_t ago = strtoll(s, NULL, 10) * units[i].secs;

			if (s[n] != units[i].unit)
				continue;
			if (ago > MAX_AGO)
				return -ERANGE;
			*ret_ns = now_ns - ago * 1000000000;
			return 0;
		}
		return -EINVAL;
	}
	if (len == 10) {
		if (date_parse(s, &tm) || to_epoch(&tm, &secs))
			return -EINVAL;
		*ret_ns = secs * 1000000000;
		return 0;
	}
	return eg_log_time_parse(s, ret_ns);
}

void eg_log_time_format(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
}

/* EXECGATE_LOG_READER=tree reads every line through jansson's tree, the reference: for
 * tests/bats/log-compare.bats, which requires the same output both ways. */
static bool tree_reader(void)
{
	const char *v = getenv("EXECGATE_LOG_READER");

	return v && !strcmp(v, "tree");
}

/* One line (without its newline) through the parser into the sink. */
static int feed(const char *line, size_t len, eg_log_sink sink, void *ctx,
		struct eg_log_source_stats *stats)
{
	struct eg_log_rec rec;
	int ret;

	stats->lines++;
	if (len && line[len - 1] == '\r')
		len--;
	ret = stats->tree ? eg_log_rec_parse_tree(line, len, &rec)
			  : eg_log_rec_parse(line, len, &rec);
	if (ret == -ENOMSG) {
		stats->events++;
		return 0;
	}
	if (ret == -EINVAL) {
		stats->malformed++;
		return 0;
	}
	if (ret)
		return ret;
	ret = sink(ctx, &rec);
	eg_log_rec_release(&rec);
	return ret;
}

/* Bytes asked of zlib at a time: large enough that a plain file is read straight into
 * the buffer, with no copy through zlib's own. */
#define READ_CHUNK (1 << 20)

/* Hand every complete line in BUF[0..*HAVE) to the sink and keep the partial rest.  A
 * line of EG_LOG_MAX_LINE bytes or more is one malformed line; *SKIPPING says the rest
 * of such a line is still to come and is no line of its own. */
static int drain_lines(char *buf, size_t *have, bool *skipping, eg_log_sink sink, void *ctx,
		       struct eg_log_source_stats *stats)
{
	char *start = buf, *nl, *end = buf + *have;
	int ret = 0;

	while (!ret && (nl = memchr(start, '\n', end - start))) {
		if (*skipping) {
			*skipping = false;
		} else if (nl - start >= EG_LOG_MAX_LINE) {
			stats->lines++;
			stats->malformed++;
		} else {
			ret = feed(start, nl - start, sink, ctx, stats);
		}
		start = nl + 1;
	}
	*have = end - start;
	if (!*skipping && *have >= EG_LOG_MAX_LINE) {
		stats->lines++;
		stats->malformed++;
		*skipping = true;
	}
	if (*skipping)
		*have = 0;
	memmove(buf, start, *have);
	return ret;
}

int eg_log_read_file(const char *path, eg_log_sink sink, void *ctx,
		     struct eg_log_source_stats *stats, char *err, size_t len)
{
	bool is_stdin = !strcmp(path, "-"), skipping = false;
	const char *name = is_stdin ? "(standard input)" : path;
	char *buf = NULL;
	gzFile gz = NULL;
	struct stat st;
	size_t have = 0;
	int fd, ret = 0, zerr, n;
	const char *zmsg;

	stats->tree = tree_reader();
	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, len, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		snprintf(err, len, "%s: %s", name, strerror(EISDIR));
		goto out;
	}
	/* The partial line left over (under EG_LOG_MAX_LINE bytes) and a chunk after it. */
	buf = malloc(EG_LOG_MAX_LINE + READ_CHUNK);
	gz = gzdopen(fd, "rb");
	if (!buf || !gz) {
		ret = -ENOMEM;
		snprintf(err, len, "%s: out of memory", name);
		goto out;
	}
	fd = -1; /* gz owns it now */
	gzbuffer(gz, 1 << 18);
	while ((n = gzread(gz, buf + have, READ_CHUNK)) > 0) {
		have += n;
		ret = drain_lines(buf, &have, &skipping, sink, ctx, stats);
		if (ret) {
			snprintf(err, len, "%s: %s", name, strerror(-ret));
			goto out;
		}
	}
	zmsg = gzerror(gz, &zerr);
	if (zerr == Z_ERRNO) {
		ret = errno ? -errno : -EIO;
		snprintf(err, len, "%s: %s", name, strerror(-ret));
	} else if (zerr != Z_OK) {
		/* zlib names the stream "<fd:N>: " in front of its message: we name the file. */
		if (!strncmp(zmsg, "<fd:", 4) && strstr(zmsg, ": "))
			zmsg = strstr(zmsg, ": ") + 2;
		ret = -EBADMSG;
		snprintf(err, len, "%s: gzip: %s", name, zmsg);
	} else if (have) {
		/* The last line, without its newline. */
		ret = feed(buf, have, sink, ctx, stats);
		if (ret)
			snprintf(err, len, "%s: %s", name, strerror(-ret));
	}
out:
	if (gz)
		gzclose(gz);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

static void pause_a_little(void)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int eg_log_follow(const char *path, bool from_start, eg_log_sink sink, void *ctx,
		  volatile int *stop, struct eg_log_source_stats *stats, char *err, size_t len)
{
	char *buf = malloc(EG_LOG_MAX_LINE + 1);
	bool skipping = false, rotated = false;
	size_t have = 0;
	struct stat st_fd, st_path;
	int fd, ret = 0;
	ssize_t n;

	stats->tree = tree_reader();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf || (!from_start && lseek(fd, 0, SEEK_END) < 0)) {
		ret = !buf ? -ENOMEM : -errno;
		snprintf(err, len, "%s: %s", path, strerror(-ret));
		goto out;
	}
	while (!*stop) {
		if (fd < 0) {
			/* Rotated away and not yet recreated. */
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				pause_a_little();
			continue;
		}
		n = read(fd, buf + have, EG_LOG_MAX_LINE - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, len, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n > 0) {
			have += n;
			ret = drain_lines(buf, &have, &skipping, sink, ctx, stats);
			if (ret) {
				snprintf(err, len, "%s: %s", path, strerror(-ret));
				goto out;
			}
			continue;
		}
		if (rotated) {
			/* The old file is read to its end, after the writer had time to
			 * finish its last line there: go on with the new one. */
			if (have && !skipping)
				ret = feed(buf, have, sink, ctx, stats);
			if (ret)
				goto out;
			close(fd);
			fd = -1;
			have = 0;
			skipping = rotated = false;
			continue;
		}
		if (fstat(fd, &st_fd)) {
			ret = -errno;
			snprintf(err, len, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (!stat(path, &st_path) &&
		    (st_path.st_ino != st_fd.st_ino || st_path.st_dev != st_fd.st_dev)) {
			rotated = true;
			pause_a_little();
			continue;
		}
		if (st_fd.st_size < lseek(fd, 0, SEEK_CUR)) {
			/* Truncated in place (copytruncate): the new content starts at 0. */
			lseek(fd, 0, SEEK_SET);
			have = 0;
			skipping = false;
			continue;
		}
		pause_a_little();
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}
