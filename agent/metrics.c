// SPDX-License-Identifier: GPL-2.0
/* The metrics file (metrics.h).  Names follow Prometheus' conventions: execgate_ prefix,
 * _total for counters, _seconds for durations, base units. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

/* Upper bounds of the latency buckets, in seconds (a cached exec is microseconds, a first
 * exec of a large file tens of milliseconds, a timeout seconds). */
static const double bounds[EG_LATENCY_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
						  0.1,	  0.25,	 0.5,	 1,	2.5,  5};

void eg_latency_observe(struct eg_latency *latency, uint64_t ns)
{
	size_t i = 0;

	while (i < EG_LATENCY_BUCKETS && (double)ns / 1e9 > bounds[i])
		i++;
	__atomic_add_fetch(&latency->buckets[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&latency->sum_ns, ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&latency->count, 1, __ATOMIC_RELAXED);
}

/* A label value with \, " and newline escaped, as the text format wants. */
static void label(FILE *out, const char *value)
{
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', out);
		if (*value == '\n')
			fputs("\\n", out);
		else
			fputc(*value, out);
	}
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static json_int_t integer(json_t *snapshot, const char *key)
{
	return json_integer_value(json_object_get(snapshot, key));
}

static void render(FILE *out, json_t *snapshot, const struct eg_latency *latency)
{
	json_t *decisions = json_object_get(snapshot, "decisions"), *reasons, *value, *crl;
	const char *decision, *reason;
	uint64_t cumulative = 0;
	size_t i;

	header(out, "execgate_build_info", "gauge", "The agent's version and gate ABI (always 1).");
	fprintf(out, "execgate_build_info{version=\"");
	label(out, json_string_value(json_object_get(snapshot, "version")) ?: "");
	fprintf(out, "\",abi=\"%lld\"} 1\n", (long long)integer(snapshot, "abi"));

	header(out, "execgate_decisions_total", "counter",
	       "Decisions made by the agent, by decision and reason (none: allowed).");
	json_object_foreach(decisions, decision, reasons)
	{
		json_object_foreach(reasons, reason, value)
		{
			fprintf(out,
				"execgate_decisions_total{decision=\"%s\",reason=\"%s\"} %lld\n",
				decision, reason, (long long)json_integer_value(value));
		}
	}

	header(out, "execgate_consult_duration_seconds", "histogram",
	       "Time from a fanotify permission event to its answer.");
	for (i = 0; i <= EG_LATENCY_BUCKETS; i++) {
		cumulative += __atomic_load_n(&latency->buckets[i], __ATOMIC_RELAXED);
		if (i < EG_LATENCY_BUCKETS)
			fprintf(out, "execgate_consult_duration_seconds_bucket{le=\"%g\"} %llu\n",
				bounds[i], (unsigned long long)cumulative);
		else
			fprintf(out, "execgate_consult_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
				(unsigned long long)cumulative);
	}
	fprintf(out, "execgate_consult_duration_seconds_sum %.9f\n",
		(double)__atomic_load_n(&latency->sum_ns, __ATOMIC_RELAXED) / 1e9);
	fprintf(out, "execgate_consult_duration_seconds_count %llu\n",
		(unsigned long long)cumulative);

	header(out, "execgate_consult_timeouts_total", "counter",
	       "Permission events answered by the timeout rule (reason verification_timeout).");
	fprintf(out, "execgate_consult_timeouts_total %lld\n",
		(long long)integer(snapshot, "timeouts"));
	header(out, "execgate_ring_buffer_drops_total", "counter",
	       "Kernel events lost because the BPF ring buffer was full (0 without BPF LSM).");
	fprintf(out, "execgate_ring_buffer_drops_total %lld\n",
		(long long)integer(snapshot, "ring_buffer_drops"));
	header(out, "execgate_log_drops_total", "counter",
	       "Decision records dropped because the log queue was full.");
	fprintf(out, "execgate_log_drops_total %lld\n", (long long)integer(snapshot, "log_drops"));
	header(out, "execgate_log_write_errors_total", "counter",
	       "Decision records dropped because writing the log failed (a full disk).");
	fprintf(out, "execgate_log_write_errors_total %lld\n",
		(long long)integer(snapshot, "log_write_errors"));
	if (json_object_get(snapshot, "cache_entries")) {
		header(out, "execgate_cache_entries", "gauge",
		       "Verdicts in the kernel's cache the agent knows of.");
		fprintf(out, "execgate_cache_entries %lld\n",
			(long long)integer(snapshot, "cache_entries"));
	}

	header(out, "execgate_policy_generation", "gauge", "Generation of the policy in force.");
	fprintf(out, "execgate_policy_generation %lld\n",
		(long long)integer(snapshot, "generation"));
	header(out, "execgate_policy_last_known_good", "gauge",
	       "1 when the agent runs on the last known good copy, the configured policy refused.");
	fprintf(out, "execgate_policy_last_known_good %d\n",
		json_is_true(json_object_get(snapshot, "last_known_good")));
	header(out, "execgate_last_reload_success", "gauge",
	       "1 when the last reload was accepted or none happened, 0 when it was refused.");
	fprintf(out, "execgate_last_reload_success %d\n",
		!json_is_false(json_object_get(snapshot, "last_reload_ok")));

	header(out, "execgate_crl_age_seconds", "gauge", "Seconds since the CRL's thisUpdate.");
	json_array_foreach(json_object_get(snapshot, "crls"), i, crl)
	{
		fprintf(out, "execgate_crl_age_seconds{issuer=\"");
		label(out, json_string_value(json_object_get(crl, "issuer")) ?: "");
		fprintf(out, "\",file=\"");
		label(out, json_string_value(json_object_get(crl, "file")) ?: "");
		fprintf(out, "\"} %lld\n", (long long)integer(crl, "age_seconds"));
	}
	header(out, "execgate_crl_stale", "gauge",
	       "1 when the CRL is past its nextUpdate or crl-max-age (on-stale-crl applies).");
	json_array_foreach(json_object_get(snapshot, "crls"), i, crl)
	{
		fprintf(out, "execgate_crl_stale{issuer=\"");
		label(out, json_string_value(json_object_get(crl, "issuer")) ?: "");
		fprintf(out, "\",file=\"");
		label(out, json_string_value(json_object_get(crl, "file")) ?: "");
		fprintf(out, "\"} %d\n", json_is_true(json_object_get(crl, "stale")));
	}
}

int eg_metrics_write(const char *path, json_t *snapshot, const struct eg_latency *latency)
{
	char tmp[PATH_MAX];
	FILE *out;
	int fd, err = 0;

	/* A name the textfile collector skips (it reads *.prom only). */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	out = fdopen(fd, "w");
	if (!out) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	render(out, snapshot, latency);
	if (fchmod(fd, 0644) || fflush(out) || ferror(out))
		err = errno ? -errno : -EIO;
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
