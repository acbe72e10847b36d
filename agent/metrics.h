/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_METRICS_H
#define EXECGATE_AGENT_METRICS_H

#include <stdint.h>

#include <jansson.h>

/* Prometheus text format for the node exporter's textfile collector: the agent writes the
 * whole file every few seconds through a temporary file and a rename, so the collector
 * reads one complete snapshot or the previous one. */

#define EG_LATENCY_BUCKETS 13

/* The consult's answer time, a histogram updated from the worker threads without a lock. */
struct eg_latency {
	uint64_t buckets[EG_LATENCY_BUCKETS + 1]; /* the last: above every bound (+Inf) */
	uint64_t sum_ns;
	uint64_t count;
};

void eg_latency_observe(struct eg_latency *latency, uint64_t ns);

/* Render SNAPSHOT (execgated's: decisions, timeouts, drops, CRLs, policy, version) with
 * LATENCY as metrics into PATH, atomically.  0 or a negative errno. */
int eg_metrics_write(const char *path, json_t *snapshot, const struct eg_latency *latency);

#endif
