// SPDX-License-Identifier: GPL-2.0
/*
 * Architecture: execgated, the agent.
 *
 *   main ─ options ─ eg_log_open (queue + one writer thread)
 *        ├ eg_decider_new (policy + verifier; quick-start flags become a policy)
 *        ├ eg_ldso_dirs_load (the library directories, from /etc/ld.so.conf)
 *        ├ backend: eg_bpf_pinned_gate (a gate outlived its agent: take it over,
 *        │            docs/agent-takeover.md), eg_bpf_open (BPF LSM: exec, mmap,
 *        │            mprotect; writes to files mapped executable and to
 *        │            /proc/PID/mem; loaded, not attached) and/or
 *        │          eg_consult_start (fanotify FAN_OPEN_EXEC_PERM, synchronous consult;
 *        │            an allowed exec first verifies what the loader will map,
 *        │            eg_libraries_prepare; with BPF, FAN_OPEN_PERM in the library
 *        │            directories, eg_libraries_opened, for dlopen),
 *        │          then eg_bpf_attach: misses denied (enforce) from the first moment,
 *        │            the links pinned so the gate outlives the agent, then the pre-scan
 *        ├ eg_control_start (root-only socket: status, reload, catalogs)
 *        └ loop: ring buffer events ─ eg_decider_log_event; SIGHUP ─ reload
 *
 * Backends: bpf = BPF LSM with the fanotify consult when fanotify works (BPF alone
 * otherwise: misses are denied); fanotify = the consult alone (exec opens only);
 * auto = bpf when BPF LSM is available, else fanotify.  Logging is off the decision
 * path; every permission event is answered within --timeout-ms.
 *
 * `--set-verdict` is the one-shot path the tests and operators use to put a verdict on a
 * file's inode in a running agent's pinned verdict map.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "bpf_backend.h"
#include "consult.h"
#include "control.h"
#include "decide.h"
#include "events.h"
#include "interpreter_data.h"
#include "libraries.h"
#include "crls.h"
#include "log.h"
#include "metrics.h"
#include "notice.h"

#ifndef EXECGATE_VERSION
#define EXECGATE_VERSION "0.1.0"
#endif

/* EXIT_NO_POLICY: the configured policy does not load and no last known good copy could
 * be used either (--help, README). */
enum { EXIT_OK = 0, EXIT_FAILURE_RUNTIME = 1, EXIT_USAGE = 2, EXIT_NO_POLICY = 3 };

#define DEFAULT_STATE_DIR "/var/lib/execgate"
#define METRICS_INTERVAL 5 /* seconds between two metrics files */
#define CRL_CHECK_INTERVAL 60 /* seconds between two looks at the CRLs' freshness */
enum backend { BACKEND_AUTO, BACKEND_BPF, BACKEND_FANOTIFY };

#define MAX_LIST 32
#define PRESCAN_MAX_FILES 200000
#define LIBRARY_LOOKS_PER_SECOND 16

struct options {
	enum backend backend;
	struct eg_decider_config decider;
	const char *anchors[MAX_LIST + 1];
	const char *tsa_anchors[MAX_LIST + 1];
	size_t nanchors, ntsa;
	const char *mounts[MAX_LIST + 1];
	size_t nmounts;
	const char *prescan[MAX_LIST + 1];
	size_t nprescan;
	const char *script_dirs[MAX_LIST + 1];
	size_t nscript_dirs;
	enum eg_verdict on_miss;
	const char *scope_cgroup;
	struct eg_log_settings log;
	const char *control;
	const char *state_dir;
	const char *metrics_file;
	unsigned int timeout_ms;
	unsigned int workers;
	bool foreground;
	bool no_fanotify;
	bool harden;
	bool pin;
	bool fail_open;
	const char *set_verdict;
	const char *verdict_file;
	unsigned int verbose; /* -v: libbpf's messages; -vv: and the verifier's statistics */
};

struct start_phases {
	struct timespec begun, last;
	char said[256]; /* "policy and catalogs 0.31 s, BPF load 1.20 s, ..." */
	size_t len;
};

struct agent {
	struct options *options;
	struct eg_log *log;
	struct eg_decider *decider;
	struct eg_bpf *bpf;
	struct eg_consult *consult;
	struct eg_libraries libraries;
	time_t library_look_second; /* settle_missed_library()'s looks in this second */
	unsigned int library_looks;
	const char *backend;
	char host[256];
	char bpf_missing[512];
	__u32 pinned_generation; /* of the pinned gate to take over; 0: none */
	bool hardened;
	time_t started;
	struct start_phases phases;
	/* One reload at a time (SIGHUP and the control socket); the last one's outcome is
	 * in `execgate status`. */
	pthread_mutex_t reload_lock;
	time_t reload_time; /* 0: none yet */
	bool reload_ok;
	const char *reload_via;
	char reload_error[1024];
	struct eg_latency latency;
	time_t metrics_written, crls_checked;
	int metrics_errno;      /* the last failure said, so it is said once */
	json_t *crls_warned;    /* file -> the nextUpdate already warned about */
	char **watched_library_dirs; /* the consult's: ld.so's directories, the plugin ones */
	char **watched_script_dirs;  /* and --watch-scripts, the policy's watch-scripts */
	char **unwatched_dirs;       /* what those leave out ('!'), the interpreters' data */
	/* The policy's interpreters as files (device, inode), for the consult's workers. */
	pthread_mutex_t interpreters_lock;
	struct stat interpreters[EG_INTERPRETERS_MAX];
	size_t ninterpreters;
	struct eg_data_set interpreter_data;
};

/* FROM and TO read from CLOCK_MONOTONIC, FROM first. */
static uint64_t ns_between(const struct timespec *from, const struct timespec *to)
{
	return (uint64_t)(to->tv_sec - from->tv_sec) * 1000000000u +
	       (uint64_t)(to->tv_nsec - from->tv_nsec);
}

/* How long each part of the start took, said when the agent is ready: the unit is ordered
 * before sysinit.target, so on a slow machine the agent's start is part of every boot, and
 * the operator sees which part it is. */
static void phase_done(struct start_phases *phases, const char *what)
{
	struct timespec now;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	n = snprintf(phases->said + phases->len, sizeof(phases->said) - phases->len, "%s%s %.2f s",
		     phases->len ? ", " : "", what, ns_between(&phases->last, &now) / 1e9);
	if (n > 0 && (size_t)n < sizeof(phases->said) - phases->len)
		phases->len += (size_t)n;
	phases->last = now;
}

/* Jansson seeds its hash tables from /dev/urandom when it makes its first object. The unit
 * starts early in boot, and on a machine with no hardware random source (a VM without
 * RDRAND or virtio-rng) the kernel's pool is not ready yet: that read makes the kernel spin
 * until it has gathered entropy, in this process, while the boot waits for the gate.  The
 * seed only spreads hash buckets, so the pool's bytes before it is ready serve. */
static void seed_json_hashes(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_INSECURE) != sizeof(seed))
		seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	json_object_seed(seed ? seed : 1);
}

static volatile sig_atomic_t stopping, reload_requested, reopen_requested, release_requested;
static bool verbose_libbpf;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: execgated [--policy FILE | --trust PEM...] [OPTIONS]\n"
		"       execgated --set-verdict allow|deny FILE\n\n"
		"The execgate agent: gates every exec (and, with BPF LSM, every executable\n"
		"mapping) on the file's signature, chain, timestamp and revocation status.\n"
		"Without --policy, the flags mean: allow what is validly signed under the\n"
		"--trust anchors, deny (enforce) or log (audit) everything else.\n\n"
		"Policy:\n"
		"  --policy FILE           the policy (execgate.policy(5)); the flags below\n"
		"                          override its settings\n"
		"  --trust PEM             trust anchors for code signing (repeatable)\n"
		"  --tsa-trust PEM         trust anchors for RFC 3161 timestamps (repeatable)\n"
		"  --crl-dir DIR           CRLs to check revocation against\n"
		"  --deny-list FILE        emergency deny list: SHA-256 of files (signed content\n"
		"                          or whole file) or certificates\n"
		"  --mode enforce|audit    enforce denies; audit allows and logs (default: audit,\n"
		"                          or the policy's mode)\n"
		"Gate:\n"
		"  --backend auto|bpf|fanotify\n"
		"                          bpf: BPF LSM (exec, mmap, mprotect) with the fanotify\n"
		"                          consult; fanotify: exec opens only; auto (default): bpf\n"
		"                          when BPF LSM is available, else fanotify. --backend bpf\n"
		"                          exits 2 and says why when BPF LSM is unavailable\n"
		"  --scope-cgroup DIR      gate only processes in this cgroup v2 subtree (bpf)\n"
		"  --on-miss allow|deny    bpf: a file with no current verdict (default deny)\n"
		"  --no-fanotify           bpf without the synchronous consult (BPF alone: a file\n"
		"                          is verified after its first access, which --on-miss\n"
		"                          decides)\n"
		"  --watch-mount DIR       fanotify: watch only the mount at DIR (repeatable;\n"
		"                          default: every filesystem mounted at start)\n"
		"  --prescan DIR           bpf: verify the ELF files and scripts under DIR at start\n"
		"                          and at every reload (repeatable), so libraries there are\n"
		"                          known before a program maps them, scripts before an\n"
		"                          interpreter reads them\n"
		"  --watch-scripts DIR     bpf: report opens in DIR and its subdirectories, as in the\n"
		"                          library directories (repeatable), so a script never seen\n"
		"                          before that an interpreter opens there is verified\n"
		"                          before its first read; DIR/'*': the files in DIR alone;\n"
		"                          '!'DIR: not below DIR (a tree the others leave out);\n"
		"                          DIR may be a glob(7) pattern; the policy's\n"
		"                          watch-scripts adds to these; the policy's\n"
		"                          interpreter-data directories are never watched\n"
		"  --harden                bpf: pin the gate so it outlives the agent (cached\n"
		"                          verdicts hold, misses are denied), refuse signals and\n"
		"                          ptrace to the agent from other processes (but init),\n"
		"                          and ptrace attach and PTRACE_TRACEME by gated\n"
		"                          processes; the policy's 'self-protection on' does the\n"
		"                          same. Stop such an agent with 'execgate stop'\n"
		"  --pin                   bpf: only the first part of --harden; in enforce mode\n"
		"                          the links are pinned anyway (see --fail-open)\n"
		"  --fail-open             bpf, enforce: do not pin the gate; when the agent exits\n"
		"                          or dies, nothing is gated until it starts again (said\n"
		"                          at start). By default an enforcing gate fails closed:\n"
		"                          it outlives the agent, and the agent started again (the\n"
		"                          same binary, in the same cgroup, as root: systemd's\n"
		"                          restart) takes it over with no gap\n"
		"  --timeout-ms N          answer every exec within N ms (default 5000): a late\n"
		"                          verification is denied (enforce) or allowed (audit)\n"
		"                          with reason verification_timeout\n"
		"  --workers N             verification threads (default 4); one user's\n"
		"                          verifications never hold more than N-1 of them\n"
		"Operation:\n"
		"  --log FILE              the JSON lines decision log (default: -, standard\n"
		"                          output; format in execgate-log(5))\n"
		"  --syslog                also log each decision to syslog (authpriv)\n"
		"  --log-allows            log allows too, not only denies and audits\n"
		"  --coalesce-ms N         merge identical decisions within N ms into one record\n"
		"                          with a count (default 1000; 0 writes each at once)\n"
		"  --control PATH          control socket (default " EG_CONTROL_SOCKET ")\n"
		"  --metrics-file PATH     write Prometheus metrics to PATH every %d seconds\n"
		"                          (overrides the policy's metrics-file)\n"
		"  --state-dir DIR         where the last known good policy is kept (default\n"
		"                          " DEFAULT_STATE_DIR "; it must exist): a copy of the last\n"
		"                          policy accepted, started on when the configured one\n"
		"                          does not load\n"
		"  --foreground            stay in the foreground (otherwise detach once ready;\n"
		"                          started by systemd, it always stays and reports\n"
		"                          READY=1 through sd_notify once the gate is attached\n"
		"                          and the pre-scan is done)\n"
		"  --set-verdict V FILE    store verdict V for FILE in the running agent's map\n"
		"  -v, --verbose           show libbpf's messages; twice, and how long the kernel\n"
		"                          took to verify each BPF program\n"
		"  -h, --help              this text\n"
		"  --version               print the version\n\n"
		"Signals: SIGHUP reloads the policy and CRLs (a policy that does not load is\n"
		"refused and the old one stays; 'execgate reload' does the same and reports the\n"
		"outcome); SIGUSR1 reopens the log files (after logrotate moved them); SIGINT\n"
		"and SIGTERM stop, leaving a pinned gate enforcing for the next agent to take\n"
		"over ('execgate stop' instead releases it: the guard is lifted and " EG_PIN_DIR "\n"
		"may be removed).\n"
		"Exit status: 0 stopped cleanly or verdict stored, 1 runtime failure, 2 usage\n"
		"error, bad quick-start flags, the chosen backend is unavailable, or a pinned gate\n"
		"this process may not take over (the message says why);\n"
		"3 the --policy does not load and there is no usable last known good copy in the\n"
		"state directory to start on.\n", METRICS_INTERVAL);
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
	if (sig == SIGHUP)
		reload_requested = 1;
	else if (sig == SIGUSR1)
		reopen_requested = 1;
	else
		stopping = 1;
}

static int parse_uint(const char *option, const char *text, unsigned long max,
		      unsigned int *ret)
{
	char *end;
	unsigned long value = strtoul(text, &end, 10);

	if (*text < '0' || *text > '9' || *end || value > max) {
		fprintf(stderr, "execgated: %s: expected a number from 0 to %lu, not '%s'\n",
			option, max, text);
		return -EINVAL;
	}
	*ret = (unsigned int)value;
	return 0;
}

static int add_to_list(const char *option, const char **list, size_t *n, const char *value)
{
	if (*n == MAX_LIST) {
		fprintf(stderr, "execgated: %s: at most %d\n", option, MAX_LIST);
		return -E2BIG;
	}
	list[(*n)++] = value;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *ret)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'p' },
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "crl-dir", required_argument, NULL, 'r' },
		{ "deny-list", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "on-miss", required_argument, NULL, 'o' },
		{ "scope-cgroup", required_argument, NULL, 'c' },
		{ "watch-mount", required_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 'O' },
		{ "prescan", required_argument, NULL, 'P' },
		{ "watch-scripts", required_argument, NULL, 0x100 },
		{ "workers", required_argument, NULL, 'W' },
		{ "log", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "log-allows", no_argument, NULL, 'A' },
		{ "coalesce-ms", required_argument, NULL, 'C' },
		{ "control", required_argument, NULL, 'k' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "metrics-file", required_argument, NULL, 'M' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "no-fanotify", no_argument, NULL, 'N' },
		{ "harden", no_argument, NULL, 'H' },
		{ "pin", no_argument, NULL, 'I' },
		{ "fail-open", no_argument, NULL, 'F' },
		{ "set-verdict", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err = 0;

	while (!err && (opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (!strcmp(optarg, "auto"))
				ret->backend = BACKEND_AUTO;
			else if (!strcmp(optarg, "bpf"))
				ret->backend = BACKEND_BPF;
			else if (!strcmp(optarg, "fanotify"))
				ret->backend = BACKEND_FANOTIFY;
			else {
				fprintf(stderr, "execgated: --backend: unknown backend '%s' "
						"(auto, bpf, fanotify)\n", optarg);
				err = -EINVAL;
			}
			break;
		case 'p':
			ret->decider.policy_path = optarg;
			break;
		case 't':
			err = add_to_list("--trust", ret->anchors, &ret->nanchors, optarg);
			break;
		case 'T':
			err = add_to_list("--tsa-trust", ret->tsa_anchors, &ret->ntsa, optarg);
			break;
		case 'r':
			ret->decider.crl_dir = optarg;
			break;
		case 'd':
			ret->decider.deny_list = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "enforce") && strcmp(optarg, "audit")) {
				fprintf(stderr, "execgated: --mode: expected enforce or audit, not "
						"'%s'\n", optarg);
				err = -EINVAL;
			}
			ret->decider.mode = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "allow"))
				ret->on_miss = EG_VERDICT_ALLOW;
			else if (!strcmp(optarg, "deny"))
				ret->on_miss = EG_VERDICT_DENY;
			else {
				fprintf(stderr, "execgated: --on-miss: expected allow or deny, not "
						"'%s'\n", optarg);
				err = -EINVAL;
			}
			break;
		case 'c':
			ret->scope_cgroup = optarg;
			ret->decider.scope_cgroup = optarg;
			break;
		case 'w':
			err = add_to_list("--watch-mount", ret->mounts, &ret->nmounts, optarg);
			break;
		case 'P':
			err = add_to_list("--prescan", ret->prescan, &ret->nprescan, optarg);
			break;
		case 0x100:
			err = add_to_list("--watch-scripts", ret->script_dirs, &ret->nscript_dirs,
					  optarg);
			break;
		case 'O':
			err = parse_uint("--timeout-ms", optarg, 600000, &ret->timeout_ms);
			break;
		case 'W':
			err = parse_uint("--workers", optarg, 64, &ret->workers);
			if (!err && !ret->workers)
				ret->workers = 1;
			break;
		case 'l':
			ret->log.json_path = optarg;
			break;
		case 'S':
			ret->log.syslog = true;
			break;
		case 'A':
			ret->decider.log_allows = true;
			break;
		case 'C':
			err = parse_uint("--coalesce-ms", optarg, 60000, &ret->log.window_ms);
			break;
		case 'k':
			ret->control = optarg;
			break;
		case 'M':
			ret->metrics_file = optarg;
			break;
		case 'D':
			ret->state_dir = optarg;
			ret->decider.state_dir = optarg;
			break;
		case 'f':
			ret->foreground = true;
			break;
		case 'N':
			ret->no_fanotify = true;
			break;
		case 'H':
			ret->harden = true;
			break;
		case 'I':
			ret->pin = true;
			break;
		case 'F':
			ret->fail_open = true;
			break;
		case 's':
			ret->set_verdict = optarg;
			break;
		case 'v':
			ret->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("execgated %s (gate ABI %d)\n", EXECGATE_VERSION, EG_ABI_VERSION);
			exit(EXIT_OK);
		default:
			usage(stderr);
			err = -EINVAL;
		}
	}
	if (err)
		return err;
	if (ret->nanchors)
		ret->decider.anchors = ret->anchors;
	if (ret->ntsa)
		ret->decider.tsa_anchors = ret->tsa_anchors;
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
	if (ret->fail_open && (ret->harden || ret->pin)) {
		fprintf(stderr, "execgated: --fail-open contradicts --%s\n",
			ret->harden ? "harden" : "pin");
		return -EINVAL;
	}
	if (!ret->decider.policy_path && !ret->nanchors) {
		fprintf(stderr, "execgated: give a policy (--policy FILE) or trust anchors "
				"(--trust PEM); see --help\n");
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

/* --- callbacks --------------------------------------------------------------------- */

static void consult_decide(void *ctx, struct eg_consult *consult, int fd, pid_t pid,
			   struct eg_consult_answer *ret)
{
	struct agent *agent = ctx;
	struct timespec start, end;

	clock_gettime(CLOCK_MONOTONIC, &start);
	ret->allow = eg_decider_decide(agent->decider, fd, pid, EG_HOOK_EXEC, &ret->remember);
	if (ret->allow)
		eg_libraries_prepare(&agent->libraries, consult, fd);
	clock_gettime(CLOCK_MONOTONIC, &end);
	eg_latency_observe(&agent->latency, ns_between(&start, &end));
}

struct interpreters {
	struct stat st[EG_INTERPRETERS_MAX];
	size_t n;
	bool truncated;
};

/* Every executable PATTERN names now, once each. */
static void add_interpreters(void *ctx, const char *pattern)
{
	struct interpreters *set = ctx;
	glob_t found;

	if (glob(pattern, 0, NULL, &found))
		return;
	for (size_t i = 0; i < found.gl_pathc; i++) {
		struct stat st;
		bool known = false;

		if (stat(found.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
			continue;
		for (size_t k = 0; k < set->n && !known; k++)
			known = set->st[k].st_ino == st.st_ino && set->st[k].st_dev == st.st_dev;
		if (known)
			continue;
		if (set->n == EG_INTERPRETERS_MAX) {
			set->truncated = true;
			break;
		}
		set->st[set->n++] = st;
	}
	globfree(&found);
}

static void data_skipped(void *ctx, const char *pattern, const char *path, const char *why)
{
	(void)ctx;
	fprintf(stderr, "execgated: interpreter-data %s: %s is not data to interpreters: %s\n",
		pattern, path, why);
}

static void add_interpreter_data(void *ctx, const char *pattern)
{
	eg_data_set_add(ctx, pattern, data_skipped, NULL);
}

/* The policy's interpreters and their data into the kernel's maps, as the files their
 * patterns name now (a pattern that names nothing yet, an interpreter installed later,
 * counts from the next reload).  The data first: an interpreter newly named never reads
 * it as code. */
static void set_interpreters(struct agent *agent)
{
	static struct interpreters set;
	static struct eg_data_set data;
	int err, data_err;

	if (!agent->bpf)
		return;
	set.n = 0;
	set.truncated = false;
	data.n = 0;
	data.truncated = false;
	eg_decider_paths(agent->decider, EG_PATHS_INTERPRETER_DATA, add_interpreter_data, &data);
	data_err = eg_bpf_set_interpreter_data(agent->bpf, data.keys, data.n);
	eg_decider_paths(agent->decider, EG_PATHS_INTERPRETERS, add_interpreters, &set);
	err = eg_bpf_set_interpreters(agent->bpf, set.st, set.n);
	pthread_mutex_lock(&agent->interpreters_lock);
	memcpy(agent->interpreters, set.st, set.n * sizeof(set.st[0]));
	agent->ninterpreters = set.n;
	agent->interpreter_data = data;
	pthread_mutex_unlock(&agent->interpreters_lock);
	fprintf(stderr, "execgated: %zu interpreters read only trusted files%s%s%s\n", set.n,
		set.truncated ? " (the limit: more are named)" : "", err ? ", then: " : "",
		err ? strerror(-err) : "");
	if (data.n || data_err)
		fprintf(stderr, "execgated: %zu files and directories are data to them%s%s%s\n",
			data.n, data.truncated ? " (the limit: more are named)" : "",
			data_err ? ", then: " : "", data_err ? strerror(-data_err) : "");
}

static bool interpreter_data(struct agent *agent, int fd)
{
	bool data;

	pthread_mutex_lock(&agent->interpreters_lock);
	data = eg_data_set_holds(&agent->interpreter_data, fd);
	pthread_mutex_unlock(&agent->interpreters_lock);
	return data;
}

static bool interpreters_named(struct agent *agent)
{
	bool named;

	pthread_mutex_lock(&agent->interpreters_lock);
	named = agent->ninterpreters > 0;
	pthread_mutex_unlock(&agent->interpreters_lock);
	return named;
}

/* Does process PID run one of the interpreters? */
static bool runs_interpreter(struct agent *agent, pid_t pid)
{
	char exe[64];
	struct stat st;
	bool found = false;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (stat(exe, &st))
		return false;
	pthread_mutex_lock(&agent->interpreters_lock);
	for (size_t i = 0; i < agent->ninterpreters && !found; i++)
		found = agent->interpreters[i].st_ino == st.st_ino &&
			agent->interpreters[i].st_dev == st.st_dev;
	pthread_mutex_unlock(&agent->interpreters_lock);
	return found;
}

/* Trees ld.so does not search that programs dlopen plugins from by path: Debian 13's gcc
 * maps its LTO plugin from /usr/libexec/gcc.  Unwatched, a plugin's first mapping is a
 * miss, denied in enforce mode. */
static const char *const plugin_dirs[] = { "/usr/libexec" };
#define NPLUGIN_DIRS (sizeof(plugin_dirs) / sizeof(plugin_dirs[0]))

struct dir_list {
	char **v;
	size_t n, cap;
};

static void add_watched_dir(struct dir_list *list, const char *dir)
{
	char *copy;

	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 16;
		char **v = realloc(list->v, (cap + 1) * sizeof(*v));

		if (!v)
			return;
		list->v = v;
		list->cap = cap;
	}
	copy = strdup(dir);
	if (copy)
		list->v[list->n++] = copy;
	list->v[list->n] = NULL;
}

struct watch_lists {
	struct dir_list scripts, unwatched;
};

/* The directories the glob(7) pattern of LEN bytes at PATTERN names now, as named (no
 * trailing slash), each followed by SUFFIX, into LIST. */
static void add_globbed_dirs(struct dir_list *list, const char *pattern, size_t len,
			     const char *suffix)
{
	char dirs[PATH_MAX], entry[PATH_MAX + 2];
	glob_t found;

	snprintf(dirs, sizeof(dirs), "%.*s", (int)len, pattern);
	if (glob(dirs, GLOB_ONLYDIR, NULL, &found))
		return;
	for (size_t i = 0; i < found.gl_pathc; i++) {
		size_t n = strlen(found.gl_pathv[i]);

		while (n > 1 && found.gl_pathv[i][n - 1] == '/')
			n--;
		snprintf(entry, sizeof(entry), "%.*s%s", (int)n, found.gl_pathv[i], suffix);
		add_watched_dir(list, entry);
	}
	globfree(&found);
}

/* PATTERN names directories (glob(7)), watched with their subdirectories; PATTERN ending
 * in a slash and a star, the files directly in each (a home directory's start-up files,
 * not the trees below); after a '!', directories those walks leave out. */
static void add_watched(void *ctx, const char *pattern)
{
	struct watch_lists *lists = ctx;
	size_t len = strlen(pattern);
	bool shallow = len > 2 && !strcmp(pattern + len - 2, "/*");

	if (pattern[0] == '!')
		add_globbed_dirs(&lists->unwatched, pattern + 1, len - 1, "");
	else
		add_globbed_dirs(&lists->scripts, pattern, shallow ? len - 2 : len,
				 shallow ? "/*" : "");
}

static void add_unwatched_dir(void *ctx, const char *dir)
{
	struct watch_lists *lists = ctx;

	add_watched_dir(&lists->unwatched, dir);
}

/* An interpreter's read of the policy's data is never decided: nothing to watch there. */
static void add_unwatched_data(void *ctx, const char *pattern)
{
	eg_data_dirs(pattern, add_unwatched_dir, ctx);
}

static void free_watched(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

static void count_pattern(void *ctx, const char *pattern)
{
	(void)pattern;
	++*(size_t *)ctx;
}

/* Does the policy have an interpreter statement (whatever its patterns match now)? */
static bool policy_names_interpreters(struct agent *agent)
{
	size_t n = 0;

	eg_decider_paths(agent->decider, EG_PATHS_INTERPRETERS, count_pattern, &n);
	return n > 0;
}

/* The consult watches the opens in the library and plugin directories (all of their
 * directories while the policy names interpreters: their modules are decided at open), the
 * --watch-scripts ones and the running policy's watch-scripts: again at every reload. */
static int watched_dirs(struct agent *agent, struct eg_consult_settings *settings)
{
	const struct eg_ldso_dirs *dirs = &agent->libraries.dirs;
	const struct options *options = agent->options;
	struct dir_list library = { 0 };
	struct watch_lists lists = { 0 };

	for (size_t i = 0; i < dirs->ndirs; i++)
		add_watched_dir(&library, dirs->dirs[i]);
	for (size_t i = 0; i < NPLUGIN_DIRS; i++)
		add_watched_dir(&library, plugin_dirs[i]);
	for (size_t i = 0; i < options->nscript_dirs; i++)
		add_watched(&lists, options->script_dirs[i]);
	eg_decider_paths(agent->decider, EG_PATHS_WATCH_SCRIPTS, add_watched, &lists);
	eg_decider_paths(agent->decider, EG_PATHS_INTERPRETER_DATA, add_unwatched_data, &lists);
	if (!library.v) {
		free_watched(lists.scripts.v);
		free_watched(lists.unwatched.v);
		return -ENOMEM;
	}
	settings->library_dirs = (const char *const *)library.v;
	settings->nlibrary_dirs = library.n;
	settings->script_dirs = (const char *const *)lists.scripts.v;
	settings->nscript_dirs = lists.scripts.n;
	settings->unwatched_dirs = (const char *const *)lists.unwatched.v;
	settings->nunwatched_dirs = lists.unwatched.n;
	settings->every_library_dir = policy_names_interpreters(agent);
	free_watched(agent->watched_library_dirs);
	free_watched(agent->watched_script_dirs);
	free_watched(agent->unwatched_dirs);
	agent->watched_library_dirs = library.v;
	agent->watched_script_dirs = lists.scripts.v;
	agent->unwatched_dirs = lists.unwatched.v;
	return 0;
}

static enum eg_consult_mark consult_library_open(void *ctx, struct eg_consult *consult, int fd,
						 pid_t pid)
{
	struct agent *agent = ctx;
	enum eg_verdict verdict;

	/* An interpreter reads what it opens: a file of any kind but the policy's data is
	 * decided before the read that the kernel decides. */
	if (runs_interpreter(agent, pid) && !interpreter_data(agent, fd))
		return eg_libraries_script_opened(&agent->libraries, consult, fd, pid)
			       ? EG_CONSULT_IGNORE
			       : EG_CONSULT_REPORT_AGAIN;
	/* An interpreter may open the file next: with interpreters named, a file stops being
	 * reported only once it has a verdict the kernel's read check finds.  A file of any
	 * kind gets that verdict now, unlogged (no process read it as code), or every later
	 * open of it by any program would wait for the consult again (find -exec cat over
	 * /usr took 14 times as long); a deny too (/etc's unpackaged files). */
	if (!eg_libraries_opened(&agent->libraries, consult, fd))
		return EG_CONSULT_REPORT_AGAIN;
	if (!interpreters_named(agent))
		return EG_CONSULT_IGNORE;
	if (!eg_libraries_verdict(&agent->libraries, fd, &verdict)) {
		eg_libraries_script_opened(&agent->libraries, consult, fd, 0);
		if (!eg_libraries_verdict(&agent->libraries, fd, &verdict))
			return EG_CONSULT_REPORT_AGAIN;
	}
	return verdict == EG_VERDICT_DENY ? EG_CONSULT_IGNORE_DENIED : EG_CONSULT_IGNORE;
}

static void consult_timed_out(void *ctx, int fd, pid_t pid)
{
	struct agent *agent = ctx;

	eg_decider_timed_out(agent->decider, fd, pid);
}

static bool consult_in_scope(void *ctx, pid_t pid)
{
	struct agent *agent = ctx;

	return eg_decider_in_scope(agent->decider, pid);
}

static void consult_read_failed(void *ctx, int err, unsigned long long total)
{
	(void)ctx;
	fprintf(stderr, "execgated: fanotify: reading events: %s (%llu so far): the kernel "
		"denied each access it could not hand over; reading on\n", strerror(-err),
		total);
}

/* The regular file the kernel's EVENT names at PATH, open for reading, or -1: only while
 * PATH (the exec's, bpf_d_path's, or found for it) still leads to that inode.  The path is
 * the agent's to open but anyone's to change: it is first opened O_PATH, which opens
 * nothing a device driver sees, and reopened only once it is known to be that regular
 * file. */
static int open_event_file_at(const struct eg_event *event, const char *path)
{
	char proc_path[64];
	struct stat st;
	int path_fd, fd = -1;

	if (path[0] != '/')
		return -1;
	path_fd = open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return -1;
	if (!fstat(path_fd, &st) && S_ISREG(st.st_mode) && st.st_ino == event->ino &&
	    eg_kernel_dev(st.st_dev) == event->dev) {
		snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", path_fd);
		fd = open(proc_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	close(path_fd);
	return fd;
}

/* The regular file EVENT names by its whole path (an exec's, a script's), as above. */
static int open_event_file(const struct eg_event *event)
{
	char path[EG_FILENAME_LEN + 1];

	memcpy(path, event->filename, EG_FILENAME_LEN);
	path[EG_FILENAME_LEN] = '\0';
	return open_event_file_at(event, path);
}

/* A file an interpreter opened with no verdict: nothing waits for the agent (its read is
 * decided as a miss, unless the consult of a watched directory settles it first), so the
 * file is verified now, by the path the kernel gave, for its next read.  Only if the path
 * still names the file opened: anything else is left to its own next open.  Not when it
 * has a verdict by now: in a watched directory the kernel reports the open before the
 * consult decides it, and deciding again here hashed the file twice.  A decision here
 * that ends after the consult's leaves the consult's verdict in place (write_verdict() in
 * decide.c): with no process to decide for, it would replace the consult's decision on the
 * access (`allow uid ...`) by a deny that refused the script's next opens. */
static void settle_script(struct agent *agent, const struct eg_event *event)
{
	int fd = open_event_file(event);
	bool remember;

	if (fd < 0)
		return;
	if (!eg_libraries_known(&agent->libraries, fd))
		eg_decider_decide(agent->decider, fd, 0, EG_HOOK_SCRIPT, &remember);
	close(fd);
}

/* An exec the kernel found no current verdict for, though the consult was there to be
 * asked: the exec was not reported, because an ignore mark outlived the verdict it was put
 * on (fanotify drops one at a write, not when only the file's attributes change: chmod,
 * chown, touch, setcap; the verdict goes with the change time).  The mark comes off, so
 * the file's next exec is the consult's again; left on, every exec of it was denied.  By
 * the path the exec named, only if it still leads to that file. */
static void unmark_missed_exec(struct agent *agent, const struct eg_event *event)
{
	int fd = open_event_file(event);

	if (fd < 0)
		return;
	eg_consult_forget(agent->consult, fd);
	close(fd);
}

/* A mapping the kernel found no current verdict for, of a library in a watched directory:
 * as for an exec (unmark_missed_exec), an ignore mark outlived the verdict (chmod, touch),
 * so the loader's opens of it were not reported and each of its mappings was denied until
 * a reload.  The kernel names a mapped file by its last component alone: the library is
 * looked for under that name in the watched directories, and verified again for its next
 * mapping.  Each look stats a name in every watched directory, on the main loop, and
 * anyone can make misses: at most LIBRARY_LOOKS_PER_SECOND. */
static void settle_missed_library(struct agent *agent, const struct eg_event *event)
{
	char name[EG_FILENAME_LEN + 1], path[PATH_MAX];
	time_t now = time(NULL);
	int fd;

	if (now != agent->library_look_second) {
		agent->library_look_second = now;
		agent->library_looks = 0;
	}
	if (agent->library_looks == LIBRARY_LOOKS_PER_SECOND)
		return;
	agent->library_looks++;
	memcpy(name, event->filename, EG_FILENAME_LEN);
	name[EG_FILENAME_LEN] = '\0';
	if (!eg_consult_find_library(agent->consult, name, eg_kernel_dev_t(event->dev), event->ino,
				     path, sizeof(path)))
		return;
	fd = open_event_file_at(event, path);
	if (fd < 0)
		return;
	eg_libraries_opened(&agent->libraries, agent->consult, fd);
	close(fd);
}

static int log_kernel_event(void *ctx, void *data, size_t size)
{
	struct agent *agent = ctx;
	const struct eg_event *event = data;

	if (size < sizeof(*event))
		return 0;
	if (event->type == EG_EVENT_SCRIPT_OPENED) {
		settle_script(agent, event);
		return 0;
	}
	if (agent->consult && event->hook == EG_HOOK_EXEC) {
		/* An exec that found a verdict was decided, and logged, by the consult. */
		if (event->verdict != EG_VERDICT_NONE)
			return 0;
		unmark_missed_exec(agent, event);
	} else if (agent->consult && event->verdict == EG_VERDICT_NONE &&
		   (event->hook == EG_HOOK_MMAP || event->hook == EG_HOOK_MPROTECT)) {
		settle_missed_library(agent, event);
	}
	eg_decider_log_event(agent->decider, eg_event_to_record(event, agent->host));
	return 0;
}

/* The agent's own executable and every file it maps executable, verified like any other
 * file: an agent started again while none runs (after a crash) is gated itself, and starts
 * only on the verdicts cached here (docs/agent-takeover.md). */
static void prescan_self(struct agent *agent)
{
	char line[4400], perms[8], path[4096], last[4096] = "", exe[4096] = "";
	unsigned int verified = 0, denied = 0;
	FILE *maps;
	ssize_t n;

	if (!agent->bpf)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return;
	/* "start-end perms offset dev inode   path" */
	while (fgets(line, sizeof(line), maps)) {
		bool remember;
		int fd;

		if (sscanf(line, "%*s %7s %*s %*s %*s %4095s", perms, path) != 2 ||
		    perms[2] != 'x' || path[0] != '/' || !strcmp(path, last))
			continue;
		snprintf(last, sizeof(last), "%s", path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!eg_decider_decide(agent->decider, fd, 0,
				       strcmp(path, exe) ? EG_HOOK_MMAP : EG_HOOK_EXEC, &remember)) {
			struct stat st;

			fprintf(stderr, "execgated: the policy denies the agent's own %s: an agent "
					"started while none runs would be refused\n", path);
			/* Left a miss, as before this pre-scan: --on-miss and the consult decide
			 * its accesses as they decide any file's, rather than a verdict cached
			 * here for no access. */
			if (!fstat(fd, &st))
				eg_bpf_set_verdict(agent->bpf, fd, &st, EG_VERDICT_NONE, EG_REASON_NONE,
						   0, 0);
			denied++;
		}
		close(fd);
		verified++;
	}
	fclose(maps);
	fprintf(stderr, "execgated: pre-scan of the agent's own files: %u verified, %u denied\n",
		verified, denied);
}

/* Verify the --prescan directories, caching verdicts under the decider's generation. */
static void prescan(struct agent *agent)
{
	struct options *options = agent->options;

	set_interpreters(agent);
	for (size_t i = 0; agent->bpf && i < options->nprescan; i++) {
		unsigned int verified = 0;
		int err;

		sd_notifyf(0, "STATUS=pre-scanning %s", options->prescan[i]);
		err = eg_decider_prescan(agent->decider, options->prescan[i], PRESCAN_MAX_FILES,
					     &verified);

		fprintf(stderr, "execgated: pre-scan %s: %u files verified%s%s\n",
			options->prescan[i], verified, err ? ", then: " : "",
			err == -E2BIG ? "stopped at the limit" : err ? strerror(-err) : "");
	}
	prescan_self(agent);
}

/* Apply what the running policy asks of the log. */
static void apply_policy_settings(struct agent *agent)
{
	eg_log_set_journal(agent->log, eg_decider_log_journal(agent->decider));
}

/* Keep the running policy as the last known good copy; a failure is said, not fatal. */
static void save_last_good(struct agent *agent)
{
	char why[1024] = "";

	if (eg_decider_save_last_good(agent->decider, why, sizeof(why)))
		eg_notice(agent->log, agent->host, EG_NOTICE_STATE, NULL,
			  "cannot keep the last known good policy: %s", why);
}

static json_t *policy_fields(struct agent *agent)
{
	json_t *status = eg_decider_status(agent->decider);
	json_t *policy = json_incref(json_object_get(status, "policy"));

	json_decref(status);
	return policy ? policy : json_null();
}

/* READY=1 once the gate is attached and pre-scanned, and after every reload: systemd shows
 * the service "reloading" until it follows, whatever the outcome. */
static void notify_ready(const struct agent *agent, const char *outcome)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s: backend %s, mode %s, policy generation %u", outcome,
		   agent->backend,
		   eg_decider_mode(agent->decider) == EG_MODE_ENFORCE ? "enforce" : "audit",
		   eg_decider_generation(agent->decider));
}

/* The decider runs a new generation: pre-scanned files are verified again under it
 * before the kernel switches to it (it already accepts verdicts one generation ahead).
 * Then the new generation turns every older verdict into a miss and the flushed ignore
 * marks send every exec back to the consult: all decided afresh. */
static void switch_generation(struct agent *agent)
{
	prescan(agent);
	if (agent->bpf)
		eg_bpf_update(agent->bpf, eg_decider_mode(agent->decider),
			      eg_decider_generation(agent->decider),
			      eg_decider_trust_epoch(agent->decider));
	if (agent->consult) {
		struct eg_consult_settings watched;

		if (agent->bpf && !watched_dirs(agent, &watched))
			eg_consult_watch(agent->consult, &watched);
		eg_consult_flush(agent->consult);
	}
}

/* Catalogs only added, under generation GENERATION: the kernel's denies go, its allows
 * stay, and so do the ignore marks, which an allowed file carries, and a denied ELF file
 * never (eg_libraries_opened()).  With interpreters named, a file in a watched directory
 * that a program opened carries one over a deny too: those go, so that an interpreter's
 * next open of it is decided again (a flush of every mark sent each open of every library
 * and module back to the consult: 278 consults in the workload bench's apt run). */
static void added_trust(struct agent *agent, uint32_t generation)
{
	if (agent->bpf)
		eg_bpf_update(agent->bpf, eg_decider_mode(agent->decider), generation,
			      eg_decider_trust_epoch(agent->decider));
	if (agent->consult && interpreters_named(agent))
		eg_consult_trust_added(agent->consult);
}

/* The last reload's outcome, for execgate status (under reload_lock). */
static void record_reload(struct agent *agent, const char *via, int err, const char *errbuf)
{
	agent->reload_time = time(NULL);
	agent->reload_ok = !err;
	agent->reload_via = via;
	snprintf(agent->reload_error, sizeof(agent->reload_error), "%s", err ? errbuf : "");
}

static int do_reload(struct agent *agent, const char *via, char *errbuf, size_t errlen)
{
	int err;

	pthread_mutex_lock(&agent->reload_lock);
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the policy");
	err = eg_decider_reload(agent->decider, errbuf, errlen);
	record_reload(agent, via, err, errbuf);
	if (err) {
		pthread_mutex_unlock(&agent->reload_lock);
		eg_notice(agent->log, agent->host, EG_NOTICE_RELOAD_REFUSED,
			  json_pack("{s:s, s:s, s:s, s:o}", "outcome", "refused", "via", via,
				    "error", errbuf, "policy", policy_fields(agent)),
			  "reload (%s) refused, the running policy (generation %u) stays: %s", via,
			  eg_decider_generation(agent->decider), errbuf);
		notify_ready(agent, "reload refused, the running policy stays");
		return err;
	}
	switch_generation(agent);
	eg_log_reopen(agent->log);
	apply_policy_settings(agent);
	save_last_good(agent);
	pthread_mutex_unlock(&agent->reload_lock);
	eg_notice(agent->log, agent->host, EG_NOTICE_RELOAD_ACCEPTED,
		  json_pack("{s:s, s:s, s:n, s:o}", "outcome", "accepted", "via", via, "error",
			    "policy", policy_fields(agent)),
		  "reloaded (%s): policy generation %u", via, eg_decider_generation(agent->decider));
	notify_ready(agent, "reloaded");
	return 0;
}

/* The catalog directory taken as it now is, without reading the policy or the unchanged
 * catalogs again (eg_decider_sync_catalogs()): what the package manager's hooks ask for. */
static int do_sync_catalogs(struct agent *agent, const char *via, json_t **ret_summary,
			    char *errbuf, size_t errlen)
{
	struct eg_catalog_sync sync;
	uint32_t before, epoch_before;
	int err;

	pthread_mutex_lock(&agent->reload_lock);
	sd_notify(0, "RELOADING=1\nSTATUS=taking the catalog directory");
	before = eg_decider_generation(agent->decider);
	epoch_before = eg_decider_trust_epoch(agent->decider);
	err = eg_decider_sync_catalogs(agent->decider, &sync, errbuf, errlen);
	if (eg_decider_generation(agent->decider) != before)
		switch_generation(agent);
	else if (eg_decider_trust_epoch(agent->decider) != epoch_before)
		added_trust(agent, before);
	else if (agent->consult)
		eg_consult_watch_again(agent->consult);
	record_reload(agent, via, err, errbuf);
	pthread_mutex_unlock(&agent->reload_lock);
	if (err) {
		eg_notice(agent->log, agent->host, EG_NOTICE_RELOAD_REFUSED,
			  json_pack("{s:s, s:s, s:s, s:o}", "outcome", "refused", "via", via,
				    "error", errbuf, "policy", policy_fields(agent)),
			  "catalogs (%s) not taken, the running ones stay: %s", via, errbuf);
		notify_ready(agent, "catalogs not taken, the running ones stay");
		return err;
	}
	*ret_summary = json_pack("{s:I, s:I, s:I, s:I, s:I}", "added", (json_int_t)sync.added,
				 "replaced", (json_int_t)sync.replaced, "removed",
				 (json_int_t)sync.removed, "kept", (json_int_t)sync.kept,
				 "skipped", (json_int_t)sync.skipped);
	eg_notice(agent->log, agent->host, EG_NOTICE_RELOAD_ACCEPTED,
		  json_pack("{s:s, s:s, s:n, s:O, s:o}", "outcome", "accepted", "via", via,
			    "error", "catalogs", *ret_summary, "policy", policy_fields(agent)),
		  "catalogs taken (%s): %zu added, %zu replaced, %zu removed, %zu kept, %zu "
		  "skipped: policy generation %u",
		  via, sync.added, sync.replaced, sync.removed, sync.kept, sync.skipped,
		  eg_decider_generation(agent->decider));
	notify_ready(agent, "catalogs taken");
	return 0;
}

/* The CRLs in force, as crls.h lists them (NULL: no CRL directory, or unreadable). */
static json_t *crl_list(struct agent *agent)
{
	int64_t max_age, warn_window;
	char *dir = eg_decider_crl_dir(agent->decider, &max_age, &warn_window);
	json_t *list = dir ? eg_crls_list(dir, max_age, warn_window, (int64_t)time(NULL)) : NULL;

	free(dir);
	return list;
}

/* A warning before a CRL goes stale (crl-warn-window), once per CRL and nextUpdate: with
 * on-stale-crl deny, every signed program is denied once it does. */
static void check_crls(struct agent *agent)
{
	json_t *list = crl_list(agent), *crl;
	size_t i;

	agent->crls_checked = time(NULL);
	if (!agent->crls_warned)
		agent->crls_warned = json_object();
	json_array_foreach(list, i, crl) {
		const char *file = json_string_value(json_object_get(crl, "file"));
		json_t *next = json_object_get(crl, "stale_at");
		const char *next_text = json_is_string(next) ? json_string_value(next) : "none";
		json_t *warned = json_object_get(agent->crls_warned, file);

		if (!json_is_true(json_object_get(crl, "expiring")) ||
		    (warned && !strcmp(json_string_value(warned), next_text)))
			continue;
		json_object_set_new(agent->crls_warned, file, json_string(next_text));
		eg_notice(agent->log, agent->host, EG_NOTICE_CRL_EXPIRING, json_pack("{s:O}", "crl", crl),
			  "CRL %s of %s goes stale at %s (nextUpdate or crl-max-age), within "
			  "crl-warn-window: run 'execgate crl fetch'",
			  file, json_string_value(json_object_get(crl, "issuer")), next_text);
	}
	json_decref(list);
}

static json_t *metrics_snapshot(struct agent *agent)
{
	unsigned long long answered = 0, timeouts = 0;
	__u64 drops = 0;
	json_t *crls = crl_list(agent);

	if (agent->consult)
		eg_consult_counts(agent->consult, &answered, &timeouts);
	if (agent->bpf)
		eg_bpf_counter(agent->bpf, EG_COUNTER_EVENT_DROPS, &drops);
	pthread_mutex_lock(&agent->reload_lock);
	json_t *snapshot = json_pack(
		"{s:s, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:o}", "version",
		EXECGATE_VERSION, "abi", EG_ABI_VERSION, "decisions",
		eg_decider_counts(agent->decider), "timeouts", (json_int_t)timeouts,
		"ring_buffer_drops", (json_int_t)drops, "log_drops",
		(json_int_t)eg_log_dropped(agent->log), "log_write_errors",
		(json_int_t)eg_log_write_errors(agent->log), "generation",
		(json_int_t)eg_decider_generation(agent->decider), "last_known_good",
		eg_decider_fallback(agent->decider) != NULL, "last_reload_ok",
		!agent->reload_time || agent->reload_ok, "crls", crls ? crls : json_array());
	pthread_mutex_unlock(&agent->reload_lock);
	return snapshot;
}

static void write_metrics(struct agent *agent)
{
	char *path = agent->options->metrics_file ? strdup(agent->options->metrics_file)
						  : eg_decider_metrics_file(agent->decider);
	json_t *snapshot;
	int err;

	agent->metrics_written = time(NULL);
	if (!path)
		return;
	snapshot = metrics_snapshot(agent);
	err = snapshot ? eg_metrics_write(path, snapshot, &agent->latency) : -ENOMEM;
	if (err && -err != agent->metrics_errno)
		eg_notice(agent->log, agent->host, EG_NOTICE_STATE, NULL,
			  "metrics %s: %s (said once; tried again every %d seconds)", path,
			  strerror(-err), METRICS_INTERVAL);
	agent->metrics_errno = -err;
	json_decref(snapshot);
	free(path);
}

static int control_reload(void *ctx, char *errbuf, size_t errlen)
{
	return do_reload(ctx, "control socket", errbuf, errlen);
}

static int control_catalogs(void *ctx, json_t **ret_summary, char *errbuf, size_t errlen)
{
	return do_sync_catalogs(ctx, "control socket", ret_summary, errbuf, errlen);
}

static void control_stop(void *ctx)
{
	release_requested = 1;
	stopping = 1;
}

/* The kernel's own rule for writes to /proc/PID/mem of a process's read-only mappings
 * (6.12 and later): "always", "ptrace" or "never", from proc_mem.force_override= on the
 * command line, else from the kernel's build configuration when /boot has it; JSON null
 * when neither says (before 6.12 there is no such rule: such writes are always forced). */
static json_t *proc_mem_force_override(void)
{
	static const char *const config_names[][2] = {
		{ "CONFIG_PROC_MEM_ALWAYS_FORCE=y", "always" },
		{ "CONFIG_PROC_MEM_FORCE_PTRACE=y", "ptrace" },
		{ "CONFIG_PROC_MEM_NO_FORCE=y", "never" },
	};
	char line[4096], path[PATH_MAX], *found;
	json_t *value = json_null();
	struct utsname uts;
	FILE *file;

	file = fopen("/proc/cmdline", "re");
	if (file) {
		if (fgets(line, sizeof(line), file) &&
		    (found = strstr(line, "proc_mem.force_override=")) &&
		    (found == line || found[-1] == ' ')) {
			found += strlen("proc_mem.force_override=");
			found[strcspn(found, " \n")] = '\0';
			value = json_string(found);
		}
		fclose(file);
		if (!json_is_null(value))
			return value;
	}
	if (uname(&uts) < 0)
		return value;
	snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
	file = fopen(path, "re");
	if (!file)
		return value;
	while (json_is_null(value) && fgets(line, sizeof(line), file))
		for (size_t i = 0; i < sizeof(config_names) / sizeof(config_names[0]); i++)
			if (!strncmp(line, config_names[i][0], strlen(config_names[i][0])))
				value = json_string(config_names[i][1]);
	fclose(file);
	return value;
}

static json_t *control_status(void *ctx)
{
	struct agent *agent = ctx;
	json_t *status = eg_decider_status(agent->decider), *coverage = json_array();
	unsigned long long answered = 0, timeouts = 0;

	if (agent->bpf) {
		json_array_append_new(coverage, json_string("exec (BPF LSM)"));
		json_array_append_new(coverage, json_string("executable mmap (BPF LSM)"));
		json_array_append_new(coverage, json_string("mprotect adding exec (BPF LSM)"));
		json_array_append_new(coverage,
				      json_string("writes to files mapped executable and to "
						  "/proc/PID/mem by gated processes (BPF LSM)"));
	}
	if (agent->consult)
		json_array_append_new(coverage, json_string("exec opens, verified before they "
							    "run (fanotify consult)"));
	if (agent->consult && agent->bpf)
		json_array_append_new(coverage, json_string("libraries a program needs and opens "
							    "in library directories, verified "
							    "before they are mapped"));
	json_object_set_new(status, "backend", json_string(agent->backend));
	json_object_set_new(status, "hardened", json_boolean(agent->hardened));
	/* The gate's own guard (lsm/file_open) and the kernel's switch, side by side: on
	 * 6.1 the guard is the only protection against /proc/PID/mem writes. */
	json_object_set_new(status, "proc_mem_guard", json_boolean(agent->bpf != NULL));
	json_object_set_new(status, "proc_mem_force_override", proc_mem_force_override());
	json_object_set_new(status, "coverage", coverage);
	json_object_set_new(status, "missing",
			    agent->bpf ? json_null() : json_string(agent->bpf_missing));
	if (agent->bpf) {
		static const char *const names[EG_COUNTER_COUNT] = { "allowed", "denied", "audited",
								      "misses", "event_drops" };
		json_t *kernel = json_object();

		for (int i = 0; i < EG_COUNTER_COUNT; i++) {
			__u64 value = 0;

			eg_bpf_counter(agent->bpf, i, &value);
			json_object_set_new(kernel, names[i], json_integer((json_int_t)value));
		}
		json_object_set_new(status, "kernel", kernel);
		json_object_set_new(status, "programs", eg_bpf_program_stats(agent->bpf));
	}
	if (agent->consult) {
		bool truncated;
		unsigned int library_dirs = eg_consult_library_dirs(agent->consult, &truncated);

		eg_consult_counts(agent->consult, &answered, &timeouts);
		json_object_set_new(status, "consult",
				    json_pack("{s:I, s:I, s:I, s:I, s:b}", "answered",
					      (json_int_t)answered, "timeouts", (json_int_t)timeouts,
					      "read_errors",
					      (json_int_t)eg_consult_read_errors(agent->consult),
					      "library_directories", (json_int_t)library_dirs,
					      "library_directories_truncated", truncated));
	}
	json_object_set_new(status, "log_drops",
			    json_integer((json_int_t)eg_log_dropped(agent->log)));
	json_object_set_new(status, "log_write_errors",
			    json_integer((json_int_t)eg_log_write_errors(agent->log)));
	pthread_mutex_lock(&agent->reload_lock);
	if (agent->reload_time) {
		char when[32];
		struct tm tm;

		gmtime_r(&agent->reload_time, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(status, "last_reload",
				    json_pack("{s:s, s:s, s:s, s:o}", "time", when, "outcome",
					      agent->reload_ok ? "accepted" : "refused", "via",
					      agent->reload_via, "error",
					      agent->reload_ok ? json_null()
							       : json_string(agent->reload_error)));
	} else {
		json_object_set_new(status, "last_reload", json_null());
	}
	pthread_mutex_unlock(&agent->reload_lock);
	json_object_set_new(status, "crls", crl_list(agent) ?: json_null());
	json_object_set_new(status, "state_dir", agent->options->state_dir
							 ? json_string(agent->options->state_dir)
							 : json_null());
	json_object_set_new(status, "uptime_seconds",
			    json_integer((json_int_t)(time(NULL) - agent->started)));
	return status;
}

/* Stopped by a signal (systemctl stop or restart, as a package upgrade's scripts do), the
 * agent hands the gate over.  The file now at its own path may be a new execgated: if the
 * policy allows it, its libraries are verified too and it becomes the successor's binary,
 * so that the upgraded agent starts under the gate and takes it over. */
static void hand_over_to_upgrade(struct agent *agent)
{
	char path[4096];
	struct stat own, st;
	bool remember;
	ssize_t n;
	int fd;

	if (!agent->bpf || release_requested || stat("/proc/self/exe", &own) < 0)
		return;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return;
	path[n] = '\0';
	if (n > 10 && !strcmp(path + n - 10, " (deleted)"))
		path[n - 10] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
	    (st.st_ino != own.st_ino || st.st_dev != own.st_dev)) {
		if (!eg_decider_decide(agent->decider, fd, 0, EG_HOOK_EXEC, &remember))
			fprintf(stderr, "execgated: %s was replaced by a file the policy denies: no "
					"agent can take the gate over from this one\n", path);
		else {
			if (agent->consult)
				eg_libraries_prepare(&agent->libraries, agent->consult, fd);
			if (!eg_bpf_set_successor_exe(agent->bpf, &st))
				fprintf(stderr, "execgated: %s was replaced: the new binary, "
						"verified, may take the gate over\n", path);
		}
	}
	close(fd);
}

/* --- start and run ------------------------------------------------------------------ */

static int start_backend(struct agent *agent)
{
	struct options *options = agent->options;
	bool enforce = eg_decider_mode(agent->decider) == EG_MODE_ENFORCE;
	struct eg_bpf_settings bpf_settings = {
		.script_reads = policy_names_interpreters(agent),
		.mode = eg_decider_mode(agent->decider),
		.policy_generation = eg_decider_generation(agent->decider),
		.scope_cgroup = options->scope_cgroup,
		.protect = options->harden || eg_decider_self_protection(agent->decider),
		/* An enforcing gate fails closed unless told otherwise. */
		.pin = options->harden || options->pin ||
		       eg_decider_self_protection(agent->decider) ||
		       (enforce && !options->fail_open),
		.on_miss = options->on_miss,
		.verifier_stats = options->verbose > 1,
		.take_over = agent->pinned_generation != 0,
		.pinned_generation = agent->pinned_generation,
	};
	struct eg_consult_settings consult_settings = {
		.mounts = options->mounts,
		.nmounts = options->nmounts,
		.workers = options->workers,
		.timeout_ms = options->timeout_ms,
		.allow_on_timeout = eg_decider_mode(agent->decider) != EG_MODE_ENFORCE,
	};
	struct eg_consult_ops ops = {
		.decide = consult_decide,
		.timed_out = consult_timed_out,
		.read_failed = consult_read_failed,
		.in_scope = consult_in_scope,
		.ctx = agent,
	};
	struct eg_consult_error consult_error = { "" };
	struct eg_bpf_error bpf_error = { "" };
	int err;

	if (options->backend != BACKEND_FANOTIFY) {
		err = eg_bpf_open(&bpf_settings, &agent->bpf, &bpf_error);
		phase_done(&agent->phases, "BPF load");
		if (err && (options->backend == BACKEND_BPF || err != -EOPNOTSUPP)) {
			fprintf(stderr, "execgated: %s\n", bpf_error.message);
			return err;
		}
		if (err)
			snprintf(agent->bpf_missing, sizeof(agent->bpf_missing),
				 "mmap and mprotect are not gated, and a file changed after "
				 "verification is caught only by fanotify: %s",
				 bpf_error.message);
		else
			eg_decider_attach_bpf(agent->decider, agent->bpf);
		agent->libraries.decider = agent->decider;
		agent->libraries.bpf = agent->bpf;
		/* Only the BPF gate decides mappings: without it, opens need no watching. */
		if (agent->bpf) {
			ops.library_open = consult_library_open;
			err = watched_dirs(agent, &consult_settings);
			if (err)
				return err;
		}
		agent->hardened = agent->bpf && bpf_settings.protect;
	} else {
		snprintf(agent->bpf_missing, sizeof(agent->bpf_missing),
			 "--backend fanotify: mmap and mprotect are not gated");
	}
	if (agent->bpf && enforce && !bpf_settings.pin)
		fprintf(stderr, "execgated: --fail-open: the gate is not pinned; if this agent "
				"exits or dies, nothing is gated until an agent starts again\n");
	if (options->no_fanotify) {
		if (!agent->bpf) {
			fprintf(stderr, "execgated: --no-fanotify needs BPF LSM: %s\n",
				agent->bpf_missing);
			return -EOPNOTSUPP;
		}
		err = 0;
	} else {
		err = eg_consult_start(&consult_settings, &ops, &agent->consult, &consult_error);
		phase_done(&agent->phases, "fanotify");
	}
	if (err) {
		if (!agent->bpf) {
			fprintf(stderr, "execgated: %s\n", consult_error.message);
			return err;
		}
		fprintf(stderr, "execgated: %s; BPF alone: a file not yet verified is denied "
				"(reason unverified) until the agent verifies it\n",
			consult_error.message);
	}
	/* Attached only now: the consult verifies every exec from the first denied miss on. */
	if (agent->bpf) {
		err = eg_bpf_attach(agent->bpf, &bpf_error);
		if (err) {
			fprintf(stderr, "execgated: %s\n", bpf_error.message);
			return err;
		}
	}
	phase_done(&agent->phases, "attach");
	prescan(agent);
	phase_done(&agent->phases, "pre-scan");
	if (agent->bpf && eg_bpf_took_over(agent->bpf)) {
		/* Verdicts of the old agent held until now; from here the new policy decides. */
		eg_bpf_update(agent->bpf, eg_decider_mode(agent->decider),
			      eg_decider_generation(agent->decider),
			      eg_decider_trust_epoch(agent->decider));
		fprintf(stderr, "execgated: took over the pinned gate in " EG_PIN_DIR
				": policy generation %u, then %u\n",
			agent->pinned_generation, eg_decider_generation(agent->decider));
	}
	agent->backend = agent->bpf && agent->consult ? "bpf+fanotify"
			 : agent->bpf		      ? "bpf"
						      : "fanotify";
	return 0;
}

/* Detach into the background once ready: the parent's exit status says whether the
 * agent started, so `execgated && ...` in a script means something. */
static int detach(int *ret_ready_fd)
{
	int ready[2];
	pid_t pid;
	char status = EXIT_FAILURE_RUNTIME;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(ready[1]);
		if (read(ready[0], &status, 1) != 1)
			status = EXIT_FAILURE_RUNTIME;
		_exit(status);
	}
	close(ready[0]);
	setsid();
	*ret_ready_fd = ready[1];
	return 0;
}

static void tell_ready(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &status, 1) != 1)
		status = 0;
	close(*ready_fd);
	*ready_fd = -1;
	if (status == EXIT_OK) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
}

int main(int argc, char **argv)
{
	struct options options = {
		.on_miss = EG_VERDICT_DENY,
		.log = { .json_path = "-", .window_ms = 1000 },
		.control = EG_CONTROL_SOCKET,
		.state_dir = DEFAULT_STATE_DIR,
		.decider = { .state_dir = DEFAULT_STATE_DIR },
		.timeout_ms = 5000,
		.workers = 4,
	};
	struct agent agent = {
		.options = &options,
		.started = time(NULL),
		.reload_lock = PTHREAD_MUTEX_INITIALIZER,
		.interpreters_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	struct eg_control_ops control_ops = {
		.status = control_status,
		.reload = control_reload,
		.catalogs = control_catalogs,
		.stop = control_stop,
		.ctx = &agent,
	};
	struct ring_buffer *events = NULL;
	struct eg_control *control = NULL;
	int err, status = EXIT_USAGE, ready_fd = -1;
	char errbuf[1024] = "", policy_scope[4096];

	seed_json_hashes();
	if (parse_options(argc, argv, &options))
		return EXIT_USAGE;
	verbose_libbpf = options.verbose;
	libbpf_set_print(libbpf_print);
	if (options.set_verdict)
		return set_verdict(&options);
	/* Under systemd (Type=notify) the daemon is the service's main process: a fork
	 * would look like an exit. */
	if (getenv("NOTIFY_SOCKET"))
		options.foreground = true;
	if (!options.foreground && detach(&ready_fd) < 0) {
		fprintf(stderr, "execgated: cannot detach: %s\n", strerror(errno));
		return EXIT_FAILURE_RUNTIME;
	}

	gethostname(agent.host, sizeof(agent.host) - 1);
	/* Leases (taken while hashing) signal their breaking; the version check after
	 * hashing is what matters, so the signal itself is ignored. */
	signal(SIGIO, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &agent.phases.begun);
	agent.phases.last = agent.phases.begun;
	sd_notify(0, "STATUS=loading the policy");
	err = eg_log_open(&options.log, &agent.log);
	if (err) {
		fprintf(stderr, "execgated: log %s: %s\n", options.log.json_path, strerror(-err));
		goto out;
	}
	if (options.backend != BACKEND_FANOTIFY) {
		struct eg_bpf_error pinned_error = { "" };

		err = eg_bpf_pinned_gate(&agent.pinned_generation, &pinned_error);
		if (err < 0) {
			fprintf(stderr, "execgated: %s\n", pinned_error.message);
			status = err == -EPERM || err == -EEXIST || err == -EPROTO
					 ? EXIT_USAGE
					 : EXIT_FAILURE_RUNTIME;
			goto out;
		}
		/* The first policy continues the gate's generations. */
		options.decider.prev_generation = agent.pinned_generation;
	}
	eg_notice(agent.log, agent.host, EG_NOTICE_START, NULL, "starting: policy %s",
		  options.decider.policy_path ? options.decider.policy_path : "(command line)");
	err = eg_decider_new(&options.decider, agent.log, &agent.decider, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "execgated: %s\n", errbuf[0] ? errbuf : strerror(-err));
		if (err == -ESTALE)
			status = EXIT_NO_POLICY;
		goto out;
	}
	if (eg_decider_fallback(agent.decider)) {
		json_t *policy = policy_fields(&agent);

		eg_notice(agent.log, agent.host, EG_NOTICE_LAST_GOOD,
			  json_pack("{s:s, s:O}", "error", eg_decider_fallback(agent.decider),
				    "policy", policy),
			  "THE CONFIGURED POLICY DOES NOT LOAD: %s; running on the last known "
			  "good copy from %s (sha256 %s) until a reload succeeds",
			  eg_decider_fallback(agent.decider), options.state_dir,
			  json_string_value(json_object_get(policy, "sha256")) ?: "?");
		json_decref(policy);
	} else {
		save_last_good(&agent);
	}
	phase_done(&agent.phases, "policy and catalogs");
	apply_policy_settings(&agent);
	/* Read once: a library directory added later is searched after a restart. */
	err = eg_ldso_dirs_load("/etc/ld.so.conf", &agent.libraries.dirs);
	if (err) {
		fprintf(stderr, "execgated: /etc/ld.so.conf: %s\n", strerror(-err));
		status = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	err = eg_decider_adopt_policy_scope(agent.decider, policy_scope, sizeof(policy_scope),
					    errbuf, sizeof(errbuf));
	if (err < 0) {
		fprintf(stderr, "execgated: %s\n", errbuf);
		status = EXIT_USAGE;
		goto out;
	}
	if (err > 0)
		options.scope_cgroup = policy_scope;
	sd_notify(0, "STATUS=attaching the gate");
	err = start_backend(&agent);
	if (err) {
		status = err == -EOPNOTSUPP || err == -EINVAL || err == -ENOENT || err == -EEXIST
				 ? EXIT_USAGE
				 : EXIT_FAILURE_RUNTIME;
		goto out;
	}
	if (agent.bpf) {
		events = ring_buffer__new(eg_bpf_events_fd(agent.bpf), log_kernel_event, &agent,
					  NULL);
		if (!events) {
			fprintf(stderr, "execgated: cannot read the event ring buffer: %s\n",
				strerror(errno));
			status = EXIT_FAILURE_RUNTIME;
			goto out;
		}
	}
	err = eg_control_start(options.control, &control_ops, &control);
	if (err) {
		fprintf(stderr, "execgated: control socket %s: %s\n", options.control,
			strerror(-err));
		status = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGUSR1, on_signal);
	phase_done(&agent.phases, "control socket");
	eg_notice(agent.log, agent.host, EG_NOTICE_READY, NULL,
		  "ready in %.2f s (%s): backend %s, mode %s, policy generation %u%s%s%s",
		  ns_between(&agent.phases.begun, &agent.phases.last) / 1e9, agent.phases.said,
		  agent.backend,
		  eg_decider_mode(agent.decider) == EG_MODE_ENFORCE ? "enforce" : "audit",
		  eg_decider_generation(agent.decider),
		  eg_decider_fallback(agent.decider) ? " (the last known good copy)" : "",
		  agent.bpf ? "" : "; not covered: ", agent.bpf ? "" : agent.bpf_missing);
	tell_ready(&ready_fd, EXIT_OK);
	notify_ready(&agent, "gate attached");

	status = EXIT_OK;
	while (!stopping) {
		time_t now = time(NULL);

		if (reload_requested) {
			reload_requested = 0;
			do_reload(&agent, "SIGHUP", errbuf, sizeof(errbuf));
			agent.crls_checked = 0;
		}
		if (now - agent.metrics_written >= METRICS_INTERVAL)
			write_metrics(&agent);
		if (now - agent.crls_checked >= CRL_CHECK_INTERVAL)
			check_crls(&agent);
		if (reopen_requested) {
			reopen_requested = 0;
			eg_log_reopen(agent.log);
		}
		if (events) {
			err = ring_buffer__poll(events, 200);
			if (err < 0 && err != -EINTR) {
				fprintf(stderr, "execgated: events: %s\n", strerror(-err));
				status = EXIT_FAILURE_RUNTIME;
				break;
			}
		} else {
			struct timespec tick = { .tv_nsec = 200 * 1000000L };

			nanosleep(&tick, NULL);
		}
	}
	eg_notice(agent.log, agent.host, EG_NOTICE_STOP, NULL, "stopping%s",
		  status ? ": the event loop failed" : "");
out:
	sd_notify(0, status == EXIT_OK ? "STOPPING=1\nSTATUS=stopping"
				       : "STOPPING=1\nSTATUS=failed: see the journal for why");
	tell_ready(&ready_fd, (char)status);
	eg_control_stop(control);
	if (status == EXIT_OK)
		hand_over_to_upgrade(&agent);
	eg_consult_stop(agent.consult);
	eg_ldso_dirs_clear(&agent.libraries.dirs);
	free_watched(agent.watched_library_dirs);
	free_watched(agent.watched_script_dirs);
	free_watched(agent.unwatched_dirs);
	ring_buffer__free(events);
	if (release_requested)
		eg_bpf_release_on_close(agent.bpf);
	eg_bpf_close(agent.bpf);
	eg_decider_free(agent.decider);
	eg_log_close(agent.log);
	json_decref(agent.crls_warned);
	return status;
}
