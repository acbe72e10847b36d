/* SPDX-License-Identifier: GPL-2.0 */
/* The policy object, shared by the parser, the evaluator and the signature code in
 * policy/; nothing outside policy/ includes this. */
#ifndef EXECGATE_EG_POLICY_INTERNAL_H
#define EXECGATE_EG_POLICY_INTERNAL_H

#include "eg_policy.h"

/* Rule numbers (0-based indexes into ->rules) whose discriminating matcher has one exact
 * digest, in ascending order so candidates keep first-match order. */
struct eg_index_slot {
	bool used;
	unsigned char key[EG_SHA256_LEN];
	uint32_t *rules;
	uint32_t n;
	uint32_t cap;
};

/* Open addressing, power-of-two size, at most half full. */
struct eg_index {
	struct eg_index_slot *slots;
	size_t mask;
	size_t rules; /* how many rules are filed here */
};

struct eg_policy {
	struct eg_policy_settings settings;
	char **files;
	size_t n_files;
	struct eg_policy_rule *rules;
	size_t n_rules;
	size_t cap_rules;
	struct eg_policy_signer **signers;
	size_t n_signers;
	size_t cap_signers;
	enum eg_policy_action default_action;
	unsigned char digest[EG_SHA256_LEN];
	uint32_t generation;
	unsigned char *canon;
	size_t canon_len;
	size_t canon_cap;
	struct eg_index by_spki;
	struct eg_index by_cert;
	struct eg_index by_sha256;
	struct eg_index by_subject; /* keyed by a hash of a subject pattern without glob */
	unsigned int context_matchers; /* EG_M_* about the access any rule tests */
	uint32_t *unindexed; /* rules no index answers, ascending */
	size_t n_unindexed;
};

/* Build the indexes once every rule is parsed. */
int eg_policy_index_build(struct eg_policy *policy);
void eg_policy_index_free(struct eg_policy *policy);

#endif
