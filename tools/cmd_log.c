// SPDX-License-Identifier: GPL-2.0
/* execgate log: read the decision log (docs/log-format.md) and its rotated files,
 * filter it, and show it as a table, JSON lines, OCSF, a summary, an HTML report or the
 * policy rules an audit period calls for. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "log.h"

#define DEFAULT_LOG "/var/log/execgate/decisions.jsonl"

enum output {
	OUT_TABLE,
	OUT_JSON,
	OUT_OCSF,
};

struct log_ctx {
	struct eg_log_filter filter;
	enum output output;
	bool summary, suggest, follow;
	const char *html;
	size_t top;
	struct eg_log_summary *sum;
	struct eg_log_suggest *sug;
	struct eg_log_replay *replay;
	const char *replay_path;
	uint64_t shown;
};

static volatile int stop_following;

static void on_signal(int sig)
{
	stop_following = 1;
}

static const char usage_text[] =
	"usage: execgate log [OPTIONS] [FILE...]\n"
	"\n"
	"Read execgate's decision log (default " DEFAULT_LOG ") and its\n"
	"rotated files, gzip-compressed or not; '-' reads standard input.  The format is\n"
	"execgate-log(5).  Lines that are not valid records are skipped and counted:\n"
	"'N malformed lines skipped in FILE' on standard error.\n"
	"\n"
	"Filters (all given must match; a filter's values, repeated or comma-separated,\n"
	"are alternatives):\n"
	"  --since TIME        records at or after TIME: RFC 3339 (2026-11-26T08:00:00Z),\n"
	"                      a date (2026-11-26, midnight UTC), or a time ago (30m, 2h,\n"
	"                      3d, 1w; units s m h d w)\n"
	"  --until TIME        records before TIME, same forms\n"
	"  --decision D        allow, deny or audit\n"
	"  --reason R          a reason code: no_signature, bad_signature, untrusted_chain,\n"
	"                      bad_eku, expired, not_yet_valid, revoked, crl_stale,\n"
	"                      crl_missing, weak_algorithm, bad_timestamp, unverified,\n"
	"                      denied_by_rule, malformed, verification_timeout, deny_list,\n"
	"                      timestamp_required, writable_mapping, modified_mapping,\n"
	"                      verdict\n"
	"  --signer S          signer subject containing S (any case), or certificate\n"
	"                      SHA-256 fingerprint starting with S (4+ hex digits, colons\n"
	"                      and a 'sha256:' prefix allowed)\n"
	"  --path GLOB         file path matching GLOB (fnmatch; '*' also matches '/')\n"
	"  --uid U             process uid, by number or by a user name known here\n"
	"  --host GLOB         host name matching GLOB\n"
	"\n"
	"Output (one of):\n"
	"  (default)           an aligned table, one line per record\n"
	"  --json              the matching records, as JSON lines\n"
	"  --format F          table, json or ocsf (OCSF 1.2 Process Activity, class 1007:\n"
	"                      exec as activity Launch, mappings as activity Other)\n"
	"  --summary           events by reason, binary, signer, user and host, with\n"
	"                      --json as one JSON object\n"
	"  --html OUT          write a self-contained HTML report to OUT: the summary\n"
	"                      tables and a timeline of denials per hour by reason\n"
	"                      (may be combined with --summary)\n"
	"  --suggest-policy    policy rules (execgate.policy(5)) that would have allowed\n"
	"                      what audit mode let through, grouped by signer; what must\n"
	"                      not be allowed blindly (revoked, badly signed, ...) is\n"
	"                      listed as comments\n"
	"  --top N             rows per summary table (default 20, 0: all)\n"
	"  --replay POLICY     decide every record again with POLICY (and its fragments)\n"
	"                      before filtering and output: what would POLICY have done?\n"
	"                      Approximate where the log lacks facts: rules on 'spki' or\n"
	"                      'catalog' never match; the kernel's mapping checks keep\n"
	"                      their logged decision\n"
	"\n"
	"  -f, --follow        keep reading FILE (one) as it grows, across rotation and\n"
	"                      truncation, starting at its end (at its start with --since);\n"
	"                      with the table, --json or --format ocsf; stop with Ctrl-C\n"
	"  -h, --help          this text\n"
	"\n"
	"Counts are events: a coalesced record counts as many as its 'count'.\n"
	"\n"
	"Exit status: 0 on success, whatever the log holds; 2 on an error (a file that\n"
	"cannot be read or is corrupt, a bad option or value).  Other files are still\n"
	"read when one fails.\n";

static void usage(FILE *out)
{
	fputs(usage_text, out);
}

/* A record through the filters into the summary, the suggestion, or standard output. */
static int show(struct log_ctx *c, const struct eg_log_rec *rec)
{
	int ret = 0;

	if (!eg_log_filter_match(&c->filter, rec))
		return 0;
	if (c->sum)
		ret = eg_log_summary_add(c->sum, rec);
	if (!ret && c->sug)
		ret = eg_log_suggest_add(c->sug, rec);
	if (ret || c->sum || c->sug)
		return ret;
	if (c->output == OUT_TABLE && !c->shown)
		eg_log_table_header(stdout);
	c->shown++;
	switch (c->output) {
	case OUT_TABLE:
		ret = eg_log_print_table(stdout, rec);
		break;
	case OUT_JSON:
		ret = eg_log_print_json(stdout, rec);
		break;
	case OUT_OCSF:
		ret = eg_log_print_ocsf(stdout, rec);
		break;
	}
	if (!ret && c->follow && fflush(stdout))
		ret = -EIO;
	return ret;
}

/* Every record read; with --replay decided again first, so filters see the new decision. */
static int sink(void *opaque, const struct eg_log_rec *logged)
{
	struct log_ctx *c = opaque;
	struct eg_log_rec rec = *logged;
	char *line = NULL;
	int ret;

	if (!c->replay)
		return show(c, logged);
	ret = eg_log_replay_apply(c->replay, &rec);
	if (!ret && c->output != OUT_TABLE) {
		line = json_dumps(rec.root, JSON_COMPACT);
		rec.line = line;
		rec.line_len = line ? strlen(line) : 0;
		ret = line ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = show(c, &rec);
	free(line);
	return ret;
}

static void report_malformed(const char *path, const struct eg_log_source_stats *st)
{
	if (st->malformed)
		fprintf(stderr, "execgate log: %llu malformed line%s skipped in %s\n",
			(unsigned long long)st->malformed, st->malformed == 1 ? "" : "s",
			strcmp(path, "-") ? path : "(standard input)");
}

static int follow(struct log_ctx *c, const char *path)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct eg_log_source_stats st = { 0 };
	char err[512];
	int ret;

	/* No SA_RESTART: a signal ends the wait at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!strcmp(path, "-"))
		ret = eg_log_read_file(path, sink, c, &st, err, sizeof(err));
	else
		ret = eg_log_follow(path, c->filter.has_since, sink, c, &stop_following, &st, err,
				    sizeof(err));
	report_malformed(path, &st);
	if (ret) {
		fprintf(stderr, "execgate log: %s\n", err);
		return EG_EXIT_ERROR;
	}
	return EG_EXIT_OK;
}

static int write_html(struct log_ctx *c, char **files, int n_files)
{
	char title[256] = "execgate decisions: ";
	FILE *out = fopen(c->html, "w");
	int ret;

	if (!out) {
		fprintf(stderr, "execgate log: %s: %s\n", c->html, strerror(errno));
		return EG_EXIT_ERROR;
	}
	for (int i = 0; i < n_files; i++) {
		size_t len = strlen(title);

		snprintf(title + len, sizeof(title) - len, "%s%s", i ? ", " : "",
			 strcmp(files[i], "-") ? files[i] : "(standard input)");
	}
	ret = eg_log_summary_write_html(c->sum, out, c->top, title);
	if (fclose(out) || ret) {
		fprintf(stderr, "execgate log: %s: %s\n", c->html, strerror(ret ? -ret : errno));
		return EG_EXIT_ERROR;
	}
	return EG_EXIT_OK;
}

enum {
	OPT_SINCE = 256,
	OPT_UNTIL,
	OPT_DECISION,
	OPT_REASON,
	OPT_SIGNER,
	OPT_PATH,
	OPT_UID,
	OPT_HOST,
	OPT_JSON,
	OPT_FORMAT,
	OPT_SUMMARY,
	OPT_HTML,
	OPT_SUGGEST,
	OPT_TOP,
	OPT_REPLAY,
};

static const struct option options[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "decision", required_argument, NULL, OPT_DECISION },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "signer", required_argument, NULL, OPT_SIGNER },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "suggest-policy", no_argument, NULL, OPT_SUGGEST },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "follow", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Options into C; returns 0, or -EINVAL after saying what is wrong. */
static int parse_options(int argc, char **argv, struct log_ctx *c, bool *help)
{
	struct timespec now;
	int64_t now_ns;
	char err[256];
	char *end;
	int opt, idx = 0, ret = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":fh", options, &idx)) != -1) {
		err[0] = '\0';
		switch (opt) {
		case OPT_SINCE:
		case OPT_UNTIL:
			ret = eg_log_time_arg(optarg, now_ns,
					      opt == OPT_SINCE ? &c->filter.since_ns
							       : &c->filter.until_ns);
			if (ret)
				snprintf(err, sizeof(err), "expected RFC 3339, YYYY-MM-DD or a "
					 "time ago like 2h, not '%s'", optarg);
			if (opt == OPT_SINCE)
				c->filter.has_since = true;
			else
				c->filter.has_until = true;
			break;
		case OPT_DECISION:
			ret = eg_log_filter_decision(&c->filter, optarg, err, sizeof(err));
			break;
		case OPT_REASON:
			ret = eg_log_filter_reason(&c->filter, optarg, err, sizeof(err));
			break;
		case OPT_UID:
			ret = eg_log_filter_uid(&c->filter, optarg, err, sizeof(err));
			break;
		case OPT_SIGNER:
		case OPT_PATH:
		case OPT_HOST:
			if (!*optarg) {
				snprintf(err, sizeof(err), "empty value");
				ret = -EINVAL;
				break;
			}
			ret = eg_log_list_add(opt == OPT_SIGNER ? &c->filter.signers
					      : opt == OPT_PATH ? &c->filter.paths
								: &c->filter.hosts,
					      optarg);
			break;
		case OPT_JSON:
			c->output = OUT_JSON;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "table")) {
				c->output = OUT_TABLE;
			} else if (!strcmp(optarg, "json")) {
				c->output = OUT_JSON;
			} else if (!strcmp(optarg, "ocsf")) {
				c->output = OUT_OCSF;
			} else {
				snprintf(err, sizeof(err), "expected table, json or ocsf, not '%s'",
					 optarg);
				ret = -EINVAL;
			}
			break;
		case OPT_SUMMARY:
			c->summary = true;
			break;
		case OPT_HTML:
			c->html = optarg;
			break;
		case OPT_SUGGEST:
			c->suggest = true;
			break;
		case OPT_TOP:
			errno = 0;
			c->top = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || *optarg == '-') {
				snprintf(err, sizeof(err), "expected a number, not '%s'", optarg);
				ret = -EINVAL;
			}
			break;
		case OPT_REPLAY:
			c->replay_path = optarg;
			break;
		case 'f':
			c->follow = true;
			break;
		case 'h':
			*help = true;
			return 0;
		case ':':
			fprintf(stderr, "execgate log: %s needs a value (see %s)\n",
				argv[optind - 1], "'execgate log --help'");
			return -EINVAL;
		default:
			fprintf(stderr, "execgate log: unknown option '%s' (see %s)\n",
				argv[optind - 1], "'execgate log --help'");
			return -EINVAL;
		}
		if (ret) {
			fprintf(stderr, "execgate log: --%s: %s\n", options[idx].name,
				err[0] ? err : strerror(-ret));
			return -EINVAL;
		}
	}
	if (c->suggest && (c->summary || c->html || c->output != OUT_TABLE)) {
		fprintf(stderr, "execgate log: --suggest-policy stands alone\n");
		return -EINVAL;
	}
	if ((c->summary || c->html) && c->output == OUT_OCSF) {
		fprintf(stderr, "execgate log: --format ocsf does not go with --summary or "
				"--html\n");
		return -EINVAL;
	}
	if (c->follow && (c->summary || c->html || c->suggest)) {
		fprintf(stderr, "execgate log: --follow shows records, not --summary, --html or "
				"--suggest-policy\n");
		return -EINVAL;
	}
	if (c->follow && argc - optind > 1) {
		fprintf(stderr, "execgate log: --follow reads one file\n");
		return -EINVAL;
	}
	return 0;
}

int cmd_log(int argc, char **argv)
{
	struct log_ctx c = { .output = OUT_TABLE, .top = 20 };
	char *default_files[] = { DEFAULT_LOG };
	char **files = default_files;
	int n_files = 1, status = EG_EXIT_OK, ret;
	bool help = false;

	if (parse_options(argc, argv, &c, &help)) {
		status = EG_EXIT_ERROR;
		goto out;
	}
	if (help) {
		usage(stdout);
		goto out;
	}
	if (optind < argc) {
		files = argv + optind;
		n_files = argc - optind;
	}
	if (c.replay_path) {
		char err[1200];

		ret = eg_log_replay_open(c.replay_path, &c.replay, err, sizeof(err));
		if (ret == -ENOMEM)
			goto oom;
		if (ret) {
			fprintf(stderr, "execgate log: --replay: %s\n", err);
			status = EG_EXIT_ERROR;
			goto out;
		}
	}
	if (c.follow) {
		status = follow(&c, files[0]);
		goto out;
	}
	if (c.summary || c.html) {
		c.sum = eg_log_summary_new(c.html != NULL);
		if (!c.sum)
			goto oom;
	}
	if (c.suggest) {
		c.sug = eg_log_suggest_new();
		if (!c.sug)
			goto oom;
	}
	for (int i = 0; i < n_files; i++) {
		struct eg_log_source_stats st = { 0 };
		char err[512];

		ret = eg_log_read_file(files[i], sink, &c, &st, err, sizeof(err));
		report_malformed(files[i], &st);
		if (ret == -ENOMEM)
			goto oom;
		if (ret) {
			fprintf(stderr, "execgate log: %s\n", err);
			status = EG_EXIT_ERROR;
		}
	}
	if (c.summary && c.output == OUT_JSON) {
		ret = eg_log_summary_print_json(c.sum, stdout);
		if (ret == -ENOMEM)
			goto oom;
	} else if (c.summary) {
		eg_log_summary_print(c.sum, stdout, c.top);
	}
	if (c.html && write_html(&c, files, n_files))
		status = EG_EXIT_ERROR;
	if (c.sug && eg_log_suggest_print(c.sug, stdout, stderr))
		status = EG_EXIT_ERROR;
	if (fflush(stdout)) {
		fprintf(stderr, "execgate log: standard output: %s\n", strerror(errno));
		status = EG_EXIT_ERROR;
	}
	goto out;
oom:
	fprintf(stderr, "execgate log: out of memory\n");
	status = EG_EXIT_ERROR;
out:
	eg_log_summary_free(c.sum);
	eg_log_suggest_free(c.sug);
	eg_log_replay_free(c.replay);
	eg_log_filter_free(&c.filter);
	return status;
}
