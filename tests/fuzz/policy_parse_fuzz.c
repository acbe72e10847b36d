// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness for the policy parser: any bytes either parse or give an error with a
 * position; a policy that parses is evaluated once with the index and once linearly, and
 * the two must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eg_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_policy_decision a, b;
	struct eg_policy_facts f = {
		.subject = "CN=Release CI,O=Example",
		.issuer = "CN=Example CA,O=Example",
		.has_sha256 = true,
		.path = "/usr/bin/tool",
		.hook = EG_HOOK_EXEC,
		.uid = 1000,
		.cgroup = "/system.slice/app.service",
		.catalog = "os-image",
		.has_signing_time = true,
		.signing_time = 1780000000,
	};
	struct eg_policy_error err;
	struct eg_policy *p = NULL;

	if (eg_policy_parse_buffer("fuzz.policy", (const char *)data, size, 0, &p, &err)) {
		if (p || !err.message[0])
			abort();
		return 0;
	}
	/* Digests and subjects from the policy's own first rules, so the indexes are hit. */
	for (size_t i = 0; i < eg_policy_rule_count(p) && i < 3; i++) {
		const struct eg_policy_rule *r = eg_policy_rule(p, i);

		if (r->present & EG_M_SPKI) {
			memcpy(f.spki, r->spki, EG_SHA256_LEN);
			f.has_spki = true;
		}
		if (r->present & EG_M_CERT) {
			memcpy(f.cert, r->cert, EG_SHA256_LEN);
			f.has_cert = true;
		}
		if (r->present & EG_M_SHA256)
			memcpy(f.sha256, r->sha256, EG_SHA256_LEN);
		/* A pattern without glob characters matches itself: the subject index's path. */
		if (r->present & EG_M_SUBJECT)
			f.subject = r->subject;
	}
	eg_policy_evaluate(p, &f, &a);
	eg_policy_evaluate_linear(p, &f, &b);
	if (a.rule != b.rule || a.decision != b.decision)
		abort();
	eg_policy_free(p);
	return 0;
}
