// SPDX-License-Identifier: GPL-2.0
/* Policy evaluation.  A large policy is mostly rules about one signer or one file digest,
 * so each rule with an exact SPKI, certificate or file digest, or else a subject pattern
 * without glob characters, is filed in a hash table under that digest (for the subject:
 * a 64-bit FNV-1a of the literal subject, zero-padded; a collision only adds candidates,
 * which are all tested in full); every other rule goes on the unindexed list.  A
 * decision looks the file's digests up, merges the (ascending) candidate lists with the
 * unindexed one, and tests rules in rule-number order: the first that matches is the one
 * a linear scan would find, because a rule missing from every candidate list cannot
 * match (its indexed value differs from the file's). */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "eg_policy_internal.h"

/* Matchers about the signature itself: they only count for a verified file unless the
 * rule names an outcome (see README, "Signer facts only count when verified"). */
#define SIGNER_FACTS                                                                       \
	(EG_M_SUBJECT | EG_M_ISSUER | EG_M_SPKI | EG_M_CERT | EG_M_CATALOG | EG_M_SIGNED_AFTER | \
	 EG_M_SIGNER)

/* All 32 bytes folded and multiplied (Fibonacci hashing), top bits taken: a policy's
 * digests need not be uniform (test values, patterned fingerprints), and probing must stay
 * short whatever they are. */
static size_t slot_of(const struct eg_index *idx, const unsigned char *key)
{
	uint64_t h = 0, w;

	for (size_t i = 0; i < EG_SHA256_LEN; i += sizeof(w)) {
		memcpy(&w, key + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	return (h >> 32) & idx->mask;
}

static struct eg_index_slot *index_find(const struct eg_index *idx, const unsigned char *key)
{
	if (!idx->slots)
		return NULL;
	for (size_t i = slot_of(idx, key);; i = (i + 1) & idx->mask) {
		struct eg_index_slot *s = &idx->slots[i];

		if (!s->used)
			return NULL;
		if (!memcmp(s->key, key, EG_SHA256_LEN))
			return s;
	}
}

static int index_add(struct eg_index *idx, const unsigned char *key, uint32_t rule)
{
	size_t i = slot_of(idx, key);
	struct eg_index_slot *s;

	for (;; i = (i + 1) & idx->mask) {
		s = &idx->slots[i];
		if (!s->used || !memcmp(s->key, key, EG_SHA256_LEN))
			break;
	}
	if (!s->used) {
		s->used = true;
		memcpy(s->key, key, EG_SHA256_LEN);
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 2;
		uint32_t *v = realloc(s->rules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->rules = v;
		s->cap = cap;
	}
	s->rules[s->n++] = rule;
	idx->rules++;
	return 0;
}

static int index_init(struct eg_index *idx, size_t entries)
{
	size_t size = 16;

	while (size < 2 * entries)
		size *= 2;
	idx->slots = calloc(size, sizeof(*idx->slots));
	if (!idx->slots)
		return -ENOMEM;
	idx->mask = size - 1;
	return 0;
}

static void index_free(struct eg_index *idx)
{
	if (!idx->slots)
		return;
	for (size_t i = 0; i <= idx->mask; i++)
		free(idx->slots[i].rules);
	free(idx->slots);
	idx->slots = NULL;
}

void eg_policy_index_free(struct eg_policy *policy)
{
	index_free(&policy->by_spki);
	index_free(&policy->by_cert);
	index_free(&policy->by_sha256);
	index_free(&policy->by_subject);
	free(policy->unindexed);
	policy->unindexed = NULL;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static void subject_key(uint64_t h, unsigned char *key)
{
	memset(key, 0, EG_SHA256_LEN);
	memcpy(key, &h, sizeof(h));
}

/* The string fnmatch(PATTERN, s, 0) matches when PATTERN has no unescaped '*', '?' or
 * '[': PATTERN with its backslash escapes removed, hashed into KEY.  False when PATTERN
 * is a real glob. */
static bool literal_key(const char *pattern, unsigned char *key)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[')
			return false;
		if (pattern[i] == '\\' && !pattern[++i])
			return false;
		h = (h ^ (unsigned char)pattern[i]) * FNV_PRIME;
	}
	subject_key(h, key);
	return true;
}

static void string_key(const char *s, unsigned char *key)
{
	uint64_t h = FNV_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	subject_key(h, key);
}

bool eg_policy_has_context_rules(const struct eg_policy *policy)
{
	return policy->context_matchers != 0;
}

/* Which index files a rule: SPKI, certificate, file digest, literal subject, or none. */
enum which_index { BY_SPKI, BY_CERT, BY_SHA256, BY_SUBJECT, UNINDEXED };

static enum which_index rule_index(const struct eg_policy_rule *rule, unsigned char *key)
{
	if (rule->present & EG_M_SPKI) {
		memcpy(key, rule->spki, EG_SHA256_LEN);
		return BY_SPKI;
	}
	if (rule->present & EG_M_CERT) {
		memcpy(key, rule->cert, EG_SHA256_LEN);
		return BY_CERT;
	}
	if (rule->present & EG_M_SHA256) {
		memcpy(key, rule->sha256, EG_SHA256_LEN);
		return BY_SHA256;
	}
	if ((rule->present & EG_M_SUBJECT) && literal_key(rule->subject, key))
		return BY_SUBJECT;
	return UNINDEXED;
}

int eg_policy_index_build(struct eg_policy *policy)
{
	struct eg_index *idx[UNINDEXED] = { &policy->by_spki, &policy->by_cert,
					    &policy->by_sha256, &policy->by_subject };
	size_t count[UNINDEXED + 1] = { 0 };
	unsigned char key[EG_SHA256_LEN];
	int r = 0;

	policy->context_matchers = 0;
	for (size_t k = 0; k < policy->n_rules; k++) {
		count[rule_index(&policy->rules[k], key)]++;
		policy->context_matchers |= policy->rules[k].present & EG_M_CONTEXT;
	}
	for (int i = 0; !r && i < UNINDEXED; i++)
		r = index_init(idx[i], count[i]);
	if (!r && policy->n_rules) {
		policy->unindexed = calloc(policy->n_rules, sizeof(*policy->unindexed));
		if (!policy->unindexed)
			r = -ENOMEM;
	}
	for (size_t k = 0; !r && k < policy->n_rules; k++) {
		enum which_index i = rule_index(&policy->rules[k], key);

		if (i == UNINDEXED)
			policy->unindexed[policy->n_unindexed++] = k;
		else
			r = index_add(idx[i], key, k);
	}
	if (r)
		eg_policy_index_free(policy);
	return r;
}

static bool cgroup_matches(const char *pattern, const char *cgroup)
{
	/* The root cgroup's subtree is everything; FNM_LEADING_DIR covers the rest. */
	if (!strcmp(pattern, "/"))
		return cgroup[0] == '/';
	return !fnmatch(pattern, cgroup, FNM_PATHNAME | FNM_LEADING_DIR);
}

/* Does R match F, not testing the matchers in SKIP? */
static bool rule_matches_but(const struct eg_policy_rule *r, const struct eg_policy_facts *f,
			     unsigned int skip)
{
	unsigned int p = r->present & ~skip;

	if (p & EG_M_OUTCOME) {
		if (f->reason != r->outcome)
			return false;
	} else if ((p & SIGNER_FACTS) && f->reason != EG_REASON_NONE) {
		return false;
	}
	if ((p & EG_M_SPKI) && (!f->has_spki || memcmp(f->spki, r->spki, EG_SHA256_LEN)))
		return false;
	if ((p & EG_M_CERT) && (!f->has_cert || memcmp(f->cert, r->cert, EG_SHA256_LEN)))
		return false;
	if ((p & EG_M_SHA256) &&
	    (!f->has_sha256 || (memcmp(f->sha256, r->sha256, EG_SHA256_LEN) &&
				memcmp(f->signed_sha256, r->sha256, EG_SHA256_LEN))))
		return false;
	if ((p & EG_M_HOOK) &&
	    (f->hook == EG_HOOK_EXEC ? EG_HOOK_EXEC : EG_HOOK_MMAP) != r->hook)
		return false;
	if ((p & EG_M_UID) && f->uid != r->uid)
		return false;
	if ((p & EG_M_SIGNED_AFTER) &&
	    (!f->has_signing_time || f->signing_time <= r->signed_after))
		return false;
	if ((p & EG_M_SUBJECT) && (!f->subject || fnmatch(r->subject, f->subject, 0)))
		return false;
	if ((p & EG_M_ISSUER) && (!f->issuer || fnmatch(r->issuer, f->issuer, 0)))
		return false;
	if ((p & EG_M_CATALOG) && (!f->catalog || fnmatch(r->catalog, f->catalog, 0)))
		return false;
	if ((p & EG_M_PATH) && (!f->path || fnmatch(r->path, f->path, FNM_PATHNAME)))
		return false;
	if ((p & EG_M_CGROUP) && (!f->cgroup || !cgroup_matches(r->cgroup, f->cgroup)))
		return false;
	return true;
}

static bool rule_matches(const struct eg_policy_rule *r, const struct eg_policy_facts *f)
{
	return rule_matches_but(r, f, 0);
}

/* R did not match F: would it match the same file in another context? */
static bool matches_elsewhere(const struct eg_policy_rule *r, const struct eg_policy_facts *f)
{
	return (r->present & EG_M_CONTEXT) && rule_matches_but(r, f, EG_M_CONTEXT);
}

/* on-stale-crl deny / on-missing-crl deny: a file that verified apart from its CRL is
 * judged as failing with that reason, so only rules naming that outcome can allow it. */
static const struct eg_policy_facts *crl_facts(const struct eg_policy *policy,
					       const struct eg_policy_facts *f,
					       struct eg_policy_facts *tmp)
{
	const struct eg_policy_settings *st = &policy->settings;

	if (f->reason != EG_REASON_NONE)
		return f;
	if (f->crl_stale && st->on_stale_crl == EG_ACTION_DENY) {
		*tmp = *f;
		tmp->reason = EG_REASON_CRL_STALE;
		return tmp;
	}
	if (f->crl_missing && st->on_missing_crl == EG_ACTION_DENY) {
		*tmp = *f;
		tmp->reason = EG_REASON_CRL_MISSING;
		return tmp;
	}
	return f;
}

static void decide(const struct eg_policy *policy, const struct eg_policy_facts *f,
		   const struct eg_policy_rule *rule, struct eg_policy_decision *ret)
{
	const struct eg_policy_settings *st = &policy->settings;

	enum eg_reason why = f->reason != EG_REASON_NONE ? f->reason : EG_REASON_DENIED_BY_RULE;

	ret->rule = rule;
	ret->action = rule ? rule->action : policy->default_action;
	switch (ret->action) {
	case EG_ACTION_ALLOW:
		ret->decision = EG_DECISION_ALLOW;
		ret->reason = f->reason;
		break;
	case EG_ACTION_DENY:
		ret->decision = policy->settings.mode == EG_MODE_ENFORCE ? EG_DECISION_DENY :
									   EG_DECISION_AUDIT;
		ret->reason = why;
		break;
	case EG_ACTION_AUDIT:
		ret->decision = EG_DECISION_AUDIT;
		ret->reason = why;
		break;
	}
	/* on-stale-crl audit / on-missing-crl audit: what would be allowed runs, logged. */
	if (ret->decision == EG_DECISION_ALLOW && f->reason == EG_REASON_NONE) {
		if (f->crl_stale && st->on_stale_crl == EG_ACTION_AUDIT) {
			ret->decision = EG_DECISION_AUDIT;
			ret->reason = EG_REASON_CRL_STALE;
		} else if (f->crl_missing && st->on_missing_crl == EG_ACTION_AUDIT) {
			ret->decision = EG_DECISION_AUDIT;
			ret->reason = EG_REASON_CRL_MISSING;
		}
	}
}

void eg_policy_evaluate_linear(const struct eg_policy *policy,
			       const struct eg_policy_facts *facts,
			       struct eg_policy_decision *ret)
{
	struct eg_policy_facts tmp;
	bool elsewhere = false;

	facts = crl_facts(policy, facts, &tmp);
	for (size_t k = 0; k < policy->n_rules; k++) {
		if (rule_matches(&policy->rules[k], facts)) {
			decide(policy, facts, &policy->rules[k], ret);
			ret->context_dependent =
				elsewhere || (policy->rules[k].present & EG_M_CONTEXT);
			return;
		}
		elsewhere = elsewhere || matches_elsewhere(&policy->rules[k], facts);
	}
	decide(policy, facts, NULL, ret);
	ret->context_dependent = elsewhere;
}

struct cursor {
	const uint32_t *v;
	size_t n;
	size_t pos;
};

static void cursor_from(struct cursor *c, const struct eg_index *idx, bool have,
			const unsigned char *key)
{
	const struct eg_index_slot *s = have ? index_find(idx, key) : NULL;

	c->v = s ? s->rules : NULL;
	c->n = s ? s->n : 0;
	c->pos = 0;
}

void eg_policy_evaluate(const struct eg_policy *policy, const struct eg_policy_facts *facts,
			struct eg_policy_decision *ret)
{
	unsigned char subject[EG_SHA256_LEN];
	struct eg_policy_facts tmp;
	const struct eg_policy_rule *rule;
	struct cursor c[6];
	bool elsewhere;
	/* Hashing the subject is only needed when some rule is filed under one. */
	bool by_subject = facts->subject && policy->by_subject.rules;

	facts = crl_facts(policy, facts, &tmp);
	if (by_subject)
		string_key(facts->subject, subject);
	cursor_from(&c[0], &policy->by_spki, facts->has_spki, facts->spki);
	cursor_from(&c[1], &policy->by_cert, facts->has_cert, facts->cert);
	cursor_from(&c[2], &policy->by_sha256, facts->has_sha256, facts->sha256);
	cursor_from(&c[3], &policy->by_subject, by_subject, subject);
	c[4].v = policy->unindexed;
	c[4].n = policy->n_unindexed;
	c[4].pos = 0;
	/* Only a rule the walk meets can match this file in any context: the indexes skip
	 * rules about another digest or signer. */
	elsewhere = false;
	/* A sha256 rule names the whole file or its signed content (both differ only for
	 * an embedded signature). */
	cursor_from(&c[5], &policy->by_sha256,
		    facts->has_sha256 && memcmp(facts->sha256, facts->signed_sha256, EG_SHA256_LEN),
		    facts->signed_sha256);
	for (;;) {
		struct cursor *next = NULL;

		for (size_t k = 0; k < 6; k++)
			if (c[k].pos < c[k].n && (!next || c[k].v[c[k].pos] < next->v[next->pos]))
				next = &c[k];
		if (!next)
			break;
		rule = &policy->rules[next->v[next->pos]];
		if (rule_matches(rule, facts)) {
			decide(policy, facts, rule, ret);
			ret->context_dependent = elsewhere || (rule->present & EG_M_CONTEXT);
			return;
		}
		/* Skipped when no rule of the policy tests the context: the common case
		 * costs nothing. */
		elsewhere = elsewhere ||
			    (policy->context_matchers && matches_elsewhere(rule, facts));
		next->pos++;
	}
	decide(policy, facts, NULL, ret);
	ret->context_dependent = elsewhere;
}
