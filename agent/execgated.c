// SPDX-License-Identifier: GPL-2.0
/*
 * Architecture: execgated, the agent.
 *
 *   main ─ parse options ─ eg_log_open (queue + one writer thread)
 *        ├ eg_bpf_open (probe BPF LSM, load, configure, pin, attach)
 *        └ ring buffer poll loop ─ eg_event_to_record ─ eg_log_submit (never blocks)
 *   SIGINT/SIGTERM end the loop; eg_bpf_close detaches and unpins; the log flushes.
 *
 * `--set-verdict` is the one-shot path the tests and operators use to put a verdict on a
 * file's inode in a running agent's pinned verdict map.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf_backend.h"
#include "events.h"
#include "log.h"

enum { EXIT_OK = 0, EXIT_FAILURE_RUNTIME = 1, EXIT_USAGE = 2 };

struct options {
	struct eg_bpf_settings settings;
	struct eg_log_settings log;
	const char *set_verdict;
	const char *verdict_file;
	bool verbose;
};

static volatile sig_atomic_t stopping;
static bool verbose_libbpf;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: execgated [OPTIONS]\n"
		"       execgated --set-verdict allow|deny FILE\n\n"
		"The execgate agent: loads the BPF LSM gate, attaches it to every exec, and\n"
		"writes one JSON line per reported decision to standard output. It runs in the\n"
		"foreground until SIGINT or SIGTERM.\n\n"
		"Options:\n"
		"  --backend auto|bpf      gate with BPF LSM (auto: the same, for now); exits 2 and\n"
		"                          says why when BPF LSM is unavailable\n"
		"  --mode enforce|audit    enforce denies; audit allows and reports (default: audit)\n"
		"  --on-miss allow|deny    a file with no current verdict: deny (default) or allow\n"
		"  --scope-cgroup DIR      gate only processes in this cgroup v2 subtree\n"
		"  --log FILE              append the JSON lines decision log to FILE (default: -,\n"
		"                          standard output)\n"
		"  --syslog                also log each decision to syslog (authpriv)\n"
		"  --coalesce-ms N         merge identical decisions within N ms into one record\n"
		"                          with a count (default 1000; 0 writes each at once)\n"
		"  --set-verdict V FILE    store verdict V for FILE in the running agent's map\n"
		"  -v, --verbose           show libbpf's messages\n"
		"  -h, --help              this text\n\n"
		"Exit status: 0 stopped cleanly or verdict stored, 1 runtime failure, 2 usage error\n"
		"or BPF LSM unavailable.\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	/* Load failures are explained by eg_bpf_open(); libbpf's own lines are for -v. */
	if (!verbose_libbpf)
		return 0;
	return vfprintf(stderr, format, args);
}

static void on_signal(int sig)
{
	stopping = 1;
}

static int parse_options(int argc, char **argv, struct options *ret)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "on-miss", required_argument, NULL, 'o' },
		{ "scope-cgroup", required_argument, NULL, 'c' },
		{ "set-verdict", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "coalesce-ms", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (strcmp(optarg, "auto") && strcmp(optarg, "bpf")) {
				fprintf(stderr, "execgated: --backend: unknown backend '%s' "
						"(auto, bpf)\n", optarg);
				return -EINVAL;
			}
			break;
		case 'm':
			if (!strcmp(optarg, "enforce"))
				ret->settings.mode = EG_MODE_ENFORCE;
			else if (!strcmp(optarg, "audit"))
				ret->settings.mode = EG_MODE_AUDIT;
			else {
				fprintf(stderr, "execgated: --mode: expected enforce or audit, not "
						"'%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			if (!strcmp(optarg, "allow"))
				ret->settings.on_miss = EG_VERDICT_ALLOW;
			else if (!strcmp(optarg, "deny"))
				ret->settings.on_miss = EG_VERDICT_DENY;
			else {
				fprintf(stderr, "execgated: --on-miss: expected allow or deny, not "
						"'%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			ret->settings.scope_cgroup = optarg;
			break;
		case 's':
			ret->set_verdict = optarg;
			break;
		case 'l':
			ret->log.json_path = optarg;
			break;
		case 'S':
			ret->log.syslog = true;
			break;
		case 'C': {
			char *end;
			unsigned long ms = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || ms > 60000) {
				fprintf(stderr, "execgated: --coalesce-ms: expected 0 to 60000, not "
						"'%s'\n", optarg);
				return -EINVAL;
			}
			ret->log.window_ms = (unsigned int)ms;
			break;
		}
		case 'v':
			ret->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (ret->set_verdict) {
		if (strcmp(ret->set_verdict, "allow") && strcmp(ret->set_verdict, "deny")) {
			fprintf(stderr, "execgated: --set-verdict: expected allow or deny, not '%s'\n",
				ret->set_verdict);
			return -EINVAL;
		}
		if (optind != argc - 1) {
			fprintf(stderr, "execgated: --set-verdict needs exactly one FILE\n");
			return -EINVAL;
		}
		ret->verdict_file = argv[optind];
		return 0;
	}
	if (optind != argc) {
		fprintf(stderr, "execgated: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int set_verdict(const struct options *options)
{
	bool allow = !strcmp(options->set_verdict, "allow");
	int fd, err;

	fd = open(options->verdict_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "execgated: %s: %s\n", options->verdict_file, strerror(errno));
		return EXIT_USAGE;
	}
	err = eg_bpf_pinned_set_verdict(fd, allow ? EG_VERDICT_ALLOW : EG_VERDICT_DENY,
					allow ? EG_REASON_NONE : EG_REASON_VERDICT);
	close(fd);
	if (err == -ENOENT) {
		fprintf(stderr, "execgated: no running agent: nothing pinned in " EG_PIN_DIR "\n");
		return EXIT_FAILURE_RUNTIME;
	}
	if (err) {
		fprintf(stderr, "execgated: cannot store the verdict for %s: %s\n",
			options->verdict_file, strerror(-err));
		return EXIT_FAILURE_RUNTIME;
	}
	return EXIT_OK;
}

struct event_sink {
	struct eg_log *log;
	const char *host;
};

static int log_event(void *ctx, void *data, size_t size)
{
	const struct event_sink *sink = ctx;

	if (size < sizeof(struct eg_event))
		return 0;
	eg_log_submit(sink->log, eg_event_to_record(data, sink->host));
	return 0;
}

static void report_drops(const struct eg_bpf *bpf)
{
	__u64 drops = 0;

	if (eg_bpf_counter(bpf, EG_COUNTER_EVENT_DROPS, &drops) == 0 && drops)
		fprintf(stderr, "execgated: events: %llu dropped (ring buffer full)\n",
			(unsigned long long)drops);
}

int main(int argc, char **argv)
{
	struct options options = {
		.settings = { .mode = EG_MODE_AUDIT,
			      .on_miss = EG_VERDICT_DENY,
			      .policy_generation = 1 },
		.log = { .json_path = "-", .window_ms = 1000 },
	};
	struct ring_buffer *events = NULL;
	struct eg_log *log = NULL;
	struct event_sink sink;
	struct eg_bpf_error error = { "" };
	struct eg_bpf *bpf = NULL;
	char host[256] = "localhost";
	int err, status = EXIT_OK;

	if (parse_options(argc, argv, &options))
		return EXIT_USAGE;
	verbose_libbpf = options.verbose;
	libbpf_set_print(libbpf_print);
	if (options.set_verdict)
		return set_verdict(&options);

	gethostname(host, sizeof(host) - 1);
	err = eg_log_open(&options.log, &log);
	if (err) {
		fprintf(stderr, "execgated: log %s: %s\n", options.log.json_path, strerror(-err));
		return EXIT_USAGE;
	}
	err = eg_bpf_open(&options.settings, &bpf, &error);
	if (err) {
		fprintf(stderr, "execgated: %s\n", error.message[0] ? error.message : strerror(-err));
		eg_log_close(log);
		return err == -EOPNOTSUPP || err == -EINVAL || err == -ENOENT ? EXIT_USAGE
									       : EXIT_FAILURE_RUNTIME;
	}
	sink = (struct event_sink){ .log = log, .host = host };
	events = ring_buffer__new(eg_bpf_events_fd(bpf), log_event, &sink, NULL);
	if (!events) {
		fprintf(stderr, "execgated: cannot read the event ring buffer: %s\n", strerror(errno));
		status = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "execgated: ready: backend bpf (exec gated by BPF LSM), mode %s, on miss %s, "
			"scope %s\n",
		options.settings.mode == EG_MODE_ENFORCE ? "enforce" : "audit",
		options.settings.on_miss == EG_VERDICT_ALLOW ? "allow" : "deny",
		options.settings.scope_cgroup ? options.settings.scope_cgroup : "machine");

	while (!stopping) {
		err = ring_buffer__poll(events, 200);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "execgated: events: %s\n", strerror(-err));
			status = EXIT_FAILURE_RUNTIME;
			break;
		}
	}
	report_drops(bpf);
out:
	ring_buffer__free(events);
	eg_bpf_close(bpf);
	eg_log_close(log);
	return status;
}
