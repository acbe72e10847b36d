// SPDX-License-Identifier: GPL-2.0
/* Driver for policy_bench.sh: parse the policy given (median of several loads), then time
 * decisions with the indexed evaluator and with a linear scan over the same facts,
 * interleaving the two and reporting medians and their ratio.  Prints; never asserts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eg_policy.h"

#define ROUNDS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Facts for decision I: mostly a file or signer some rule names (anywhere in the policy),
 * one in four matching no rule at all, so the default decides. */
static void make_facts(const struct eg_policy *p, unsigned int i, struct eg_policy_facts *f)
{
	const struct eg_policy_rule *r = eg_policy_rule(p, (i * 7919u) % eg_policy_rule_count(p));

	memset(f, 0, sizeof(*f));
	f->subject = "CN=bench signer,O=Example";
	f->issuer = "CN=bench CA,O=Example";
	f->path = "/usr/bin/bench";
	f->hook = EG_HOOK_EXEC;
	f->uid = 1000;
	f->cgroup = "/system.slice/bench.service";
	f->has_spki = f->has_cert = f->has_sha256 = true;
	memset(f->spki, 0xee, EG_SHA256_LEN);
	memset(f->cert, 0xee, EG_SHA256_LEN);
	memset(f->sha256, 0xee, EG_SHA256_LEN);
	f->sha256[0] = i;
	if (i % 4 == 3)
		return;
	if (r->present & EG_M_SPKI)
		memcpy(f->spki, r->spki, EG_SHA256_LEN);
	if (r->present & EG_M_CERT)
		memcpy(f->cert, r->cert, EG_SHA256_LEN);
	if (r->present & EG_M_SHA256)
		memcpy(f->sha256, r->sha256, EG_SHA256_LEN);
	if (r->present & EG_M_SUBJECT)
		f->subject = r->subject; /* the benchmark's subjects have no glob or escape */
}

int main(int argc, char **argv)
{
	double parse[ROUNDS], indexed[ROUNDS], linear[ROUNDS];
	struct eg_policy_facts *facts;
	struct eg_policy_error err;
	struct eg_policy *p = NULL;
	unsigned int n, mismatches = 0;
	volatile unsigned int sink = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s POLICY DECISIONS\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now();

		eg_policy_free(p);
		if (eg_policy_load(argv[1], NULL, k, &p, &err)) {
			fprintf(stderr, "%s:%u:%u: %s\n", err.file, err.line, err.column,
				err.message);
			return 2;
		}
		parse[k] = now() - t0;
	}
	facts = calloc(n, sizeof(*facts));
	if (!facts || !eg_policy_rule_count(p))
		return 2;
	for (unsigned int i = 0; i < n; i++)
		make_facts(p, i, &facts[i]);
	for (int k = 0; k < ROUNDS; k++) {
		struct eg_policy_decision a, b;
		double t0 = now();

		for (unsigned int i = 0; i < n; i++) {
			eg_policy_evaluate(p, &facts[i], &a);
			sink += a.decision;
		}
		indexed[k] = (now() - t0) / n;
		t0 = now();
		for (unsigned int i = 0; i < n; i++) {
			eg_policy_evaluate_linear(p, &facts[i], &b);
			sink += b.decision;
		}
		linear[k] = (now() - t0) / n;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct eg_policy_decision a, b;

		eg_policy_evaluate(p, &facts[i], &a);
		eg_policy_evaluate_linear(p, &facts[i], &b);
		mismatches += a.rule != b.rule;
	}
	printf("   rules %zu, policy %s\n", eg_policy_rule_count(p), argv[1]);
	printf("   parse: %.1f ms (median of %d loads)\n", median(parse, ROUNDS) * 1e3, ROUNDS);
	printf("   decision, indexed: %.0f ns; linear scan: %.0f ns (median of %d x %u "
	       "decisions)\n",
	       median(indexed, ROUNDS) * 1e9, median(linear, ROUNDS) * 1e9, ROUNDS, n);
	printf("   linear / indexed: %.1fx; index and linear disagreed on %u decisions\n",
	       median(linear, ROUNDS) / median(indexed, ROUNDS), mismatches);
	free(facts);
	eg_policy_free(p);
	return sink == 0xffffffffu;
}
