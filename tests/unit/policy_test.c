// SPDX-License-Identifier: GPL-2.0
/* The policy parser and evaluator: every matcher alone and combined, precedence, the
 * default, audit versus enforce, settings, errors with line and column, fragments, digest
 * and generation, and the indexed evaluator against a linear scan on random policies. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "eg_policy.h"

#define HEX11 "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX22 "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX33 "3333333333333333333333333333333333333333333333333333333333333333"
#define HEX44 "4444444444444444444444444444444444444444444444444444444444444444"

/* The facts a test starts from: a validly signed, timestamped program run by uid 1000. */
static void base_facts(struct eg_policy_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->subject = "CN=Release CI,O=Example";
	f->issuer = "CN=Example CA,O=Example";
	f->has_spki = true;
	memset(f->spki, 0x11, EG_SHA256_LEN);
	f->has_cert = true;
	memset(f->cert, 0x22, EG_SHA256_LEN);
	f->has_sha256 = true;
	memset(f->sha256, 0x33, EG_SHA256_LEN);
	memset(f->signed_sha256, 0x33, EG_SHA256_LEN); /* a detached signature */
	f->path = "/usr/bin/tool";
	f->hook = EG_HOOK_EXEC;
	f->uid = 1000;
	f->cgroup = "/system.slice/app.service";
	f->reason = EG_REASON_NONE;
	f->has_signing_time = true;
	f->signing_time = 1780000000; /* 2026-05-28 */
}

enum variant {
	V_BASE,
	V_OTHER_SIGNER, /* different subject, issuer, SPKI and certificate */
	V_UNSIGNED,     /* no signature at all */
	V_REVOKED,      /* same signer, revoked */
	V_EXPIRED,
	V_OTHER_FILE,   /* different digest */
	V_SUBDIR,       /* /usr/bin/sub/tool */
	V_MMAP,
	V_MPROTECT,
	V_ROOT,         /* uid 0 */
	V_USER_SLICE,   /* another cgroup */
	V_SIBLING_CG,   /* /system.slice2/x: a prefix that is not a parent */
	V_NO_TS,        /* no timestamp */
	V_OLD_TS,       /* timestamped 2025-01-01 */
	V_CATALOGUED,   /* found in catalog os-image, no signer */
};

static void make_facts(enum variant v, struct eg_policy_facts *f)
{
	base_facts(f);
	switch (v) {
	case V_BASE:
		break;
	case V_OTHER_SIGNER:
		f->subject = "CN=Someone Else,O=Elsewhere";
		f->issuer = "CN=Other CA,O=Elsewhere";
		memset(f->spki, 0x44, EG_SHA256_LEN);
		memset(f->cert, 0x44, EG_SHA256_LEN);
		break;
	case V_UNSIGNED:
		f->subject = f->issuer = NULL;
		f->has_spki = f->has_cert = f->has_signing_time = false;
		f->reason = EG_REASON_NO_SIGNATURE;
		break;
	case V_REVOKED:
		f->reason = EG_REASON_REVOKED;
		break;
	case V_EXPIRED:
		f->reason = EG_REASON_EXPIRED;
		break;
	case V_OTHER_FILE:
		memset(f->sha256, 0x44, EG_SHA256_LEN);
		memset(f->signed_sha256, 0x44, EG_SHA256_LEN);
		break;
	case V_SUBDIR:
		f->path = "/usr/bin/sub/tool";
		break;
	case V_MMAP:
		f->hook = EG_HOOK_MMAP;
		break;
	case V_MPROTECT:
		f->hook = EG_HOOK_MPROTECT;
		break;
	case V_ROOT:
		f->uid = 0;
		break;
	case V_USER_SLICE:
		f->cgroup = "/user.slice/user-1000.slice";
		break;
	case V_SIBLING_CG:
		f->cgroup = "/system.slice2/app.service";
		break;
	case V_NO_TS:
		f->has_signing_time = false;
		break;
	case V_OLD_TS:
		f->signing_time = 1735689600; /* 2025-01-01 */
		break;
	case V_CATALOGUED:
		f->subject = f->issuer = NULL;
		f->has_spki = f->has_cert = f->has_signing_time = false;
		f->catalog = "os-image";
		break;
	}
}

static struct eg_policy *parse_ok(const char *text)
{
	struct eg_policy_error err;
	struct eg_policy *p = NULL;
	int r = eg_policy_parse_buffer("t.policy", text, strlen(text), 0, &p, &err);

	if (r)
		fail_msg("parse failed (%d): %s:%u:%u: %s\n--\n%s", r, err.file, err.line,
			 err.column, err.message, text);
	return p;
}

/* Evaluate with the index and linearly; both must agree. */
static void eval_both(const struct eg_policy *p, const struct eg_policy_facts *f,
		      struct eg_policy_decision *d)
{
	struct eg_policy_decision lin;

	eg_policy_evaluate(p, f, d);
	eg_policy_evaluate_linear(p, f, &lin);
	assert_ptr_equal(d->rule, lin.rule);
	assert_int_equal(d->action, lin.action);
	assert_int_equal(d->decision, lin.decision);
	assert_int_equal(d->reason, lin.reason);
	assert_int_equal(d->context_dependent, lin.context_dependent);
}

/* One matcher per row: "allow MATCHER" then "default deny", and a facts variant. */
static const struct {
	const char *matcher;
	enum variant facts;
	bool matches;
} matcher_cases[] = {
	{ "subject \"CN=Release CI,O=Example\"", V_BASE, true },
	{ "subject \"CN=Release CI,O=Example\"", V_OTHER_SIGNER, false },
	{ "subject \"CN=Release\\\\ CI,O=Example\"", V_BASE, true }, /* escaped, exact */
	{ "subject \"CN=Release\\\\*\"", V_BASE, false }, /* "\\*" is a literal star */
	{ "subject \"CN=Release*\"", V_BASE, true },
	{ "subject \"CN=Release*\"", V_UNSIGNED, false },
	{ "subject \"CN=Release CI,O=Example\"", V_REVOKED, false }, /* implied outcome valid */
	{ "issuer \"CN=Example CA,O=Example\"", V_BASE, true },
	{ "issuer \"*O=Example\"", V_OTHER_SIGNER, false },
	{ "spki " HEX11, V_BASE, true },
	{ "spki " HEX11, V_OTHER_SIGNER, false },
	{ "spki " HEX11, V_REVOKED, false },
	{ "spki " HEX11, V_UNSIGNED, false },
	{ "spki 11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:"
	  "11:11:11:11:11:11",
	  V_BASE, true },
	{ "cert " HEX22, V_BASE, true },
	{ "cert " HEX22, V_OTHER_SIGNER, false },
	{ "sha256 " HEX33, V_BASE, true },
	{ "sha256 " HEX33, V_OTHER_FILE, false },
	{ "sha256 " HEX33, V_UNSIGNED, true }, /* a digest is a fact about the file */
	{ "catalog os-*", V_CATALOGUED, true },
	{ "catalog os-image", V_BASE, false },
	{ "path /usr/bin/*", V_BASE, true },
	{ "path /usr/bin/*", V_SUBDIR, false },
	{ "path /usr/bin/tool", V_BASE, true },
	{ "path /usr/bin/too", V_BASE, false },
	{ "hook exec", V_BASE, true },
	{ "hook exec", V_MMAP, false },
	{ "hook mmap", V_MMAP, true },
	{ "hook mmap", V_MPROTECT, true },
	{ "hook mmap", V_BASE, false },
	{ "uid 1000", V_BASE, true },
	{ "uid 1000", V_ROOT, false },
	{ "uid 0", V_ROOT, true },
	{ "cgroup /system.slice", V_BASE, true },
	{ "cgroup /system.slice/", V_BASE, true },
	{ "cgroup /system.slice", V_USER_SLICE, false },
	{ "cgroup /system.slice", V_SIBLING_CG, false },
	{ "cgroup /system.slice/app.service", V_BASE, true },
	{ "cgroup /", V_USER_SLICE, true },
	{ "cgroup /*.slice/app.*", V_BASE, true },
	{ "outcome valid", V_BASE, true },
	{ "outcome valid", V_REVOKED, false },
	{ "outcome valid", V_UNSIGNED, false },
	{ "outcome revoked", V_REVOKED, true },
	{ "outcome revoked", V_BASE, false },
	{ "outcome no_signature", V_UNSIGNED, true },
	{ "signed-after 2026-01-01", V_BASE, true },
	{ "signed-after 2026-01-01", V_OLD_TS, false },
	{ "signed-after 2026-01-01", V_NO_TS, false },
	{ "signed-after 2026-01-01", V_REVOKED, false },
	{ "signed-after 2026-05-28T00:00:00Z", V_BASE, true },
	{ "signed-after 2026-05-28T23:59:59Z", V_BASE, false },
	{ "signer rel", V_BASE, true },
	{ "signer rel", V_OTHER_SIGNER, false },
	{ "signer rel", V_REVOKED, false },
	/* combinations: every matcher must hold */
	{ "hook exec uid 1000 path /usr/bin/*", V_BASE, true },
	{ "hook exec uid 1000 path /usr/bin/*", V_ROOT, false },
	{ "hook exec uid 1000 path /usr/bin/*", V_MMAP, false },
	{ "spki " HEX11 " hook mmap", V_BASE, false },
	{ "spki " HEX11 " hook mmap", V_MMAP, true },
	{ "sha256 " HEX33 " uid 0", V_BASE, false },
	{ "signer rel path /usr/bin/* signed-after 2026-01-01", V_BASE, true },
	{ "signer rel path /usr/bin/* signed-after 2026-01-01", V_OLD_TS, false },
	{ "spki " HEX11 " outcome revoked", V_REVOKED, true },
	{ "spki " HEX11 " outcome revoked", V_BASE, false },
	{ "signer rel outcome expired", V_EXPIRED, true },
	{ "catalog os-image outcome valid cgroup /system.slice", V_CATALOGUED, true },
};

static void each_matcher_alone_and_combined(void **state)
{
	for (size_t i = 0; i < sizeof(matcher_cases) / sizeof(matcher_cases[0]); i++) {
		struct eg_policy_decision d;
		struct eg_policy_facts f;
		struct eg_policy *p;
		char text[1024];

		snprintf(text, sizeof(text),
			 "mode enforce\nsigner rel spki %s subject \"CN=Release CI,*\"\n"
			 "allow %s\ndefault deny\n",
			 HEX11, matcher_cases[i].matcher);
		p = parse_ok(text);
		make_facts(matcher_cases[i].facts, &f);
		eval_both(p, &f, &d);
		if (matcher_cases[i].matches != (d.rule != NULL))
			fail_msg("case %zu '%s' on variant %d: expected %s", i,
				 matcher_cases[i].matcher, matcher_cases[i].facts,
				 matcher_cases[i].matches ? "a match" : "no match");
		assert_int_equal(d.decision,
				 matcher_cases[i].matches ? EG_DECISION_ALLOW : EG_DECISION_DENY);
		if (d.rule) {
			assert_int_equal(d.rule->id, 1);
			assert_int_equal(d.rule->line, 3);
			assert_string_equal(d.rule->file, "t.policy");
		}
		eg_policy_free(p);
	}
}

/* First match wins, whichever index or list each rule lives in. */
static const struct {
	const char *rules;
	enum variant facts;
	unsigned int rule; /* 0: the default */
	enum eg_policy_action action;
} precedence_cases[] = {
	{ "deny path /usr/bin/*\nallow spki " HEX11 "\n", V_BASE, 1, EG_ACTION_DENY },
	{ "allow spki " HEX11 "\ndeny path /usr/bin/*\n", V_BASE, 1, EG_ACTION_ALLOW },
	{ "deny sha256 " HEX33 "\nallow spki " HEX11 "\n", V_BASE, 1, EG_ACTION_DENY },
	{ "allow cert " HEX22 "\ndeny sha256 " HEX33 "\n", V_BASE, 1, EG_ACTION_ALLOW },
	{ "audit uid 0\ndeny sha256 " HEX44 "\nallow cert " HEX22 "\n", V_BASE, 3,
	  EG_ACTION_ALLOW },
	{ "audit uid 0\ndeny sha256 " HEX44 "\nallow cert " HEX22 "\n", V_ROOT, 1,
	  EG_ACTION_AUDIT },
	{ "allow spki " HEX44 "\naudit hook mmap\n", V_BASE, 0, EG_ACTION_DENY },
	{ "allow spki " HEX11 " hook mmap\nallow spki " HEX11 " uid 1000\n", V_BASE, 2,
	  EG_ACTION_ALLOW },
	{ "deny spki " HEX11 " outcome revoked\naudit outcome revoked\n", V_REVOKED, 1,
	  EG_ACTION_DENY },
	{ "deny spki " HEX44 " outcome revoked\naudit outcome revoked\n", V_REVOKED, 2,
	  EG_ACTION_AUDIT },
	{ "allow outcome valid\n", V_UNSIGNED, 0, EG_ACTION_DENY },
};

static void first_match_wins(void **state)
{
	for (size_t i = 0; i < sizeof(precedence_cases) / sizeof(precedence_cases[0]); i++) {
		struct eg_policy_decision d;
		struct eg_policy_facts f;
		struct eg_policy *p;
		char text[1024];

		snprintf(text, sizeof(text), "mode enforce\n%sdefault deny\n",
			 precedence_cases[i].rules);
		p = parse_ok(text);
		make_facts(precedence_cases[i].facts, &f);
		eval_both(p, &f, &d);
		if ((d.rule ? d.rule->id : 0) != precedence_cases[i].rule)
			fail_msg("case %zu: rule %u decided, expected %u", i, d.rule ? d.rule->id : 0,
				 precedence_cases[i].rule);
		assert_int_equal(d.action, precedence_cases[i].action);
		eg_policy_free(p);
	}
}

/* What the mode makes of each action, and the reason logged with it. */
static const struct {
	const char *mode;
	const char *rule;
	const char *deflt;
	enum variant facts;
	enum eg_decision decision;
	enum eg_reason reason;
} mode_cases[] = {
	{ "enforce", "allow uid 1000", "deny", V_BASE, EG_DECISION_ALLOW, EG_REASON_NONE },
	{ "enforce", "deny uid 1000", "allow", V_BASE, EG_DECISION_DENY,
	  EG_REASON_DENIED_BY_RULE },
	{ "audit", "deny uid 1000", "allow", V_BASE, EG_DECISION_AUDIT,
	  EG_REASON_DENIED_BY_RULE },
	{ "enforce", "audit uid 1000", "deny", V_BASE, EG_DECISION_AUDIT,
	  EG_REASON_DENIED_BY_RULE },
	{ "audit", "audit uid 1000", "deny", V_BASE, EG_DECISION_AUDIT,
	  EG_REASON_DENIED_BY_RULE },
	{ "enforce", "allow uid 0", "deny", V_UNSIGNED, EG_DECISION_DENY,
	  EG_REASON_NO_SIGNATURE },
	{ "audit", "allow uid 0", "deny", V_UNSIGNED, EG_DECISION_AUDIT,
	  EG_REASON_NO_SIGNATURE },
	{ "enforce", "allow uid 0", "audit", V_REVOKED, EG_DECISION_AUDIT, EG_REASON_REVOKED },
	{ "enforce", "allow uid 0", "allow", V_UNSIGNED, EG_DECISION_ALLOW,
	  EG_REASON_NO_SIGNATURE },
	{ "audit", "allow path /usr/bin/*", "deny", V_UNSIGNED, EG_DECISION_ALLOW,
	  EG_REASON_NO_SIGNATURE },
};

static void audit_versus_enforce_and_default(void **state)
{
	for (size_t i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
		struct eg_policy_decision d;
		struct eg_policy_facts f;
		struct eg_policy *p;
		char text[512];

		snprintf(text, sizeof(text), "mode %s\n%s\ndefault %s\n", mode_cases[i].mode,
			 mode_cases[i].rule, mode_cases[i].deflt);
		p = parse_ok(text);
		make_facts(mode_cases[i].facts, &f);
		eval_both(p, &f, &d);
		if (d.decision != mode_cases[i].decision || d.reason != mode_cases[i].reason)
			fail_msg("case %zu: decision %d reason %d, expected %d %d", i, d.decision,
				 d.reason, mode_cases[i].decision, mode_cases[i].reason);
		eg_policy_free(p);
	}
}

/* What a stale or missing CRL does, by on-stale-crl / on-missing-crl. */
static const struct {
	const char *settings;
	bool stale, missing;
	const char *rules;
	enum eg_decision decision;
	enum eg_reason reason;
	unsigned int rule;
} crl_cases[] = {
	{ "on-stale-crl deny", true, false, "allow outcome valid", EG_DECISION_DENY,
	  EG_REASON_CRL_STALE, 0 },
	{ "on-stale-crl deny", true, false, "allow outcome crl_stale", EG_DECISION_ALLOW,
	  EG_REASON_CRL_STALE, 1 },
	{ "on-stale-crl deny", true, false, "allow signer rel", EG_DECISION_DENY,
	  EG_REASON_CRL_STALE, 0 },
	{ "on-stale-crl deny", false, false, "allow outcome valid", EG_DECISION_ALLOW,
	  EG_REASON_NONE, 1 },
	{ "on-stale-crl allow", true, false, "allow outcome valid", EG_DECISION_ALLOW,
	  EG_REASON_NONE, 1 },
	{ "on-stale-crl audit", true, false, "allow outcome valid", EG_DECISION_AUDIT,
	  EG_REASON_CRL_STALE, 1 },
	{ "on-stale-crl audit", true, false, "deny uid 1000", EG_DECISION_DENY,
	  EG_REASON_DENIED_BY_RULE, 1 },
	{ "on-missing-crl deny", false, true, "allow outcome valid", EG_DECISION_DENY,
	  EG_REASON_CRL_MISSING, 0 },
	{ "on-missing-crl audit", false, true, "allow signer rel", EG_DECISION_AUDIT,
	  EG_REASON_CRL_MISSING, 1 },
	{ "on-missing-crl allow", false, true, "allow signer rel", EG_DECISION_ALLOW,
	  EG_REASON_NONE, 1 },
	{ "on-stale-crl audit", true, false, "allow outcome valid", EG_DECISION_DENY,
	  EG_REASON_REVOKED, 0 }, /* revoked stays revoked: facts below */
};

static void stale_and_missing_crls_follow_the_settings(void **state)
{
	for (size_t i = 0; i < sizeof(crl_cases) / sizeof(crl_cases[0]); i++) {
		struct eg_policy_decision d;
		struct eg_policy_facts f;
		struct eg_policy *p;
		char text[512];

		snprintf(text, sizeof(text),
			 "mode enforce\n%s\nsigner rel spki %s\n%s\ndefault deny\n",
			 crl_cases[i].settings, HEX11, crl_cases[i].rules);
		p = parse_ok(text);
		make_facts(crl_cases[i].reason == EG_REASON_REVOKED ? V_REVOKED : V_BASE, &f);
		f.crl_stale = crl_cases[i].stale;
		f.crl_missing = crl_cases[i].missing;
		eval_both(p, &f, &d);
		if (d.decision != crl_cases[i].decision || d.reason != crl_cases[i].reason ||
		    (d.rule ? d.rule->id : 0) != crl_cases[i].rule)
			fail_msg("case %zu: decision %d reason %d rule %u", i, d.decision, d.reason,
				 d.rule ? d.rule->id : 0);
		eg_policy_free(p);
	}
}

static void settings_signers_and_rule_text(void **state)
{
	const char *text =
		"# comment line\n"
		"mode enforce\n"
		"trust-anchor anchors/root.pem\n"
		"trust-anchor /abs/second.pem\n"
		"tsa-anchor tsa.pem\n"
		"crl-dir /var/lib/crl\n"
		"crl-max-age 36h\n"
		"on-stale-crl audit\n"
		"on-missing-crl allow\n"
		"signature-lookup detached embedded catalog\n"
		"sig-dir /sigs\n"
		"catalog /cat/os.cat\n"
		"scope cgroup /system.slice/\n"
		"scope cgroup /machine.slice\n"
		"self-protection on\n"
		"log-json /var/log/eg.jsonl\n"
		"log-syslog on\n"
		"log-allows on\n"
		"require-signed-policy /etc/eg/policy-trust.pem\n"
		"signer ci subject \"CN=CI # not a comment\" spki " HEX11
		" owner \"Release \\\"RE\\\" <re@x>\" rotate-by 2027-06-30\n"
		"\t allow   signer ci\thook exec   # trailing comment\n"
		"default audit   \n";
	struct eg_policy_error err;
	const struct eg_policy_settings *st;
	const struct eg_policy_signer *s;
	const struct eg_policy_rule *r;
	struct eg_policy *p = NULL;

	assert_int_equal(eg_policy_parse_buffer("/etc/eg/main.policy", text, strlen(text), 0,
						&p, &err),
			 0);
	st = eg_policy_settings(p);
	assert_int_equal(st->mode, EG_MODE_ENFORCE);
	assert_int_equal(st->trust_anchors.n, 2);
	assert_string_equal(st->trust_anchors.v[0], "/etc/eg/anchors/root.pem");
	assert_string_equal(st->trust_anchors.v[1], "/abs/second.pem");
	assert_string_equal(st->tsa_anchors.v[0], "/etc/eg/tsa.pem");
	assert_string_equal(st->crl_dir, "/var/lib/crl");
	assert_int_equal(st->crl_max_age, 36 * 3600);
	assert_int_equal(st->on_stale_crl, EG_ACTION_AUDIT);
	assert_int_equal(st->on_missing_crl, EG_ACTION_ALLOW);
	assert_int_equal(st->n_lookup, 3);
	assert_int_equal(st->lookup[0], EG_LOOKUP_DETACHED);
	assert_int_equal(st->lookup[2], EG_LOOKUP_CATALOG);
	assert_string_equal(st->sig_dir, "/sigs");
	assert_string_equal(st->catalogs.v[0], "/cat/os.cat");
	assert_int_equal(st->scope_cgroups.n, 2);
	assert_string_equal(st->scope_cgroups.v[0], "/system.slice");
	assert_true(st->self_protection);
	assert_string_equal(st->log_json, "/var/log/eg.jsonl");
	assert_true(st->log_syslog);
	assert_true(st->log_allows);
	assert_string_equal(st->require_signed_policy, "/etc/eg/policy-trust.pem");

	assert_int_equal(eg_policy_signer_count(p), 1);
	s = eg_policy_signer(p, 0);
	assert_string_equal(s->name, "ci");
	assert_string_equal(s->subject, "CN=CI # not a comment");
	assert_string_equal(s->owner, "Release \"RE\" <re@x>");
	assert_true(s->has_rotate_by);
	assert_int_equal(s->rotate_by, 1814313600); /* 2027-06-30T00:00:00Z */
	assert_int_equal(s->line, 20);

	assert_int_equal(eg_policy_rule_count(p), 1);
	r = eg_policy_rule(p, 0);
	assert_string_equal(r->text, "allow   signer ci\thook exec");
	assert_int_equal(r->line, 21);
	assert_ptr_equal(r->signer, s);
	assert_int_equal(eg_policy_default_action(p), EG_ACTION_AUDIT);
	eg_policy_free(p);
}

static void defaults_when_settings_are_absent(void **state)
{
	struct eg_policy *p = parse_ok("mode audit\ncatalog os.cat\ndefault allow\n");
	const struct eg_policy_settings *st = eg_policy_settings(p);

	assert_int_equal(st->mode, EG_MODE_AUDIT);
	assert_int_equal(st->crl_max_age, 7 * 86400);
	assert_int_equal(st->on_stale_crl, EG_ACTION_DENY);
	assert_int_equal(st->on_missing_crl, EG_ACTION_DENY);
	/* catalogs given without signature-lookup are consulted after the other two */
	assert_int_equal(st->n_lookup, 3);
	assert_int_equal(st->lookup[2], EG_LOOKUP_CATALOG);
	assert_null(st->crl_dir);
	assert_int_equal(st->scope_cgroups.n, 0);
	assert_false(st->self_protection);
	assert_false(st->log_allows);
	assert_null(st->require_signed_policy);
	assert_int_equal(st->interpreters.n, 0);
	assert_int_equal(st->interpreter_data.n, 0);
	assert_int_equal(st->watch_scripts.n, 0);
	eg_policy_free(p);
}

/* interpreter: paths and patterns in order, "default" expanded where it stands. */
static void interpreters_and_the_default_list(void **state)
{
	static const char *const defaults[] = { EG_POLICY_DEFAULT_INTERPRETERS };
	const size_t nd = sizeof(defaults) / sizeof(defaults[0]);
	struct eg_policy *p = parse_ok("mode audit\ninterpreter /opt/a \"/opt/b c\"\n"
				       "interpreter default /usr/local/bin/py*\ndefault allow\n");
	const struct eg_policy_settings *st = eg_policy_settings(p);

	(void)state;
	assert_int_equal(st->interpreters.n, 3 + nd);
	assert_string_equal(st->interpreters.v[0], "/opt/a");
	assert_string_equal(st->interpreters.v[1], "/opt/b c");
	for (size_t i = 0; i < nd; i++)
		assert_string_equal(st->interpreters.v[2 + i], defaults[i]);
	assert_string_equal(st->interpreters.v[2 + nd], "/usr/local/bin/py*");
	eg_policy_free(p);
}

/* interpreter-data and watch-scripts: lists of their own, "default" expanded where it
 * stands; a watch-scripts exception kept with its '!'. */
static void data_and_watched_lists(void **state)
{
	static const char *const data[] = { EG_POLICY_DEFAULT_INTERPRETER_DATA };
	static const char *const watched[] = { EG_POLICY_DEFAULT_WATCH_SCRIPTS };
	const size_t ndata = sizeof(data) / sizeof(data[0]);
	const size_t nwatched = sizeof(watched) / sizeof(watched[0]);
	struct eg_policy *p = parse_ok("mode audit\ninterpreter-data /srv/app/data default\n"
				       "watch-scripts default\nwatch-scripts /srv/app !/srv/app/doc\n"
				       "default allow\n");
	const struct eg_policy_settings *st = eg_policy_settings(p);

	(void)state;
	assert_int_equal(st->interpreters.n, 0);
	assert_int_equal(st->interpreter_data.n, 1 + ndata);
	assert_string_equal(st->interpreter_data.v[0], "/srv/app/data");
	for (size_t i = 0; i < ndata; i++)
		assert_string_equal(st->interpreter_data.v[1 + i], data[i]);
	assert_int_equal(st->watch_scripts.n, nwatched + 2);
	for (size_t i = 0; i < nwatched; i++)
		assert_string_equal(st->watch_scripts.v[i], watched[i]);
	assert_string_equal(st->watch_scripts.v[nwatched], "/srv/app");
	assert_string_equal(st->watch_scripts.v[nwatched + 1], "!/srv/app/doc");
	eg_policy_free(p);
}

/* Every kind of error, with the line and column it must name. */
static const struct {
	const char *text;
	unsigned int line, column;
	const char *message;
} error_cases[] = {
	{ "mode enforce\nalow uid 0\ndefault deny\n", 2, 1, "found 'alow'" },
	{ "mode enforce\ndefault alow\n", 2, 9, "expected 'allow', 'deny' or 'audit'" },
	{ "mode enforce\nfrobnicate on\ndefault deny\n", 2, 1, "expected a setting" },
	{ "mode permissive\ndefault deny\n", 1, 6, "expected 'audit' or 'enforce'" },
	{ "mode enforce\nmode audit\ndefault deny\n", 2, 1, "already set at t.policy:1" },
	{ "mode enforce\nallow\ndefault deny\n", 2, 6, "expected a matcher" },
	{ "mode enforce\nallow colour red\ndefault deny\n", 2, 7, "found 'colour'" },
	{ "mode enforce\nallow uid\ndefault deny\n", 2, 10, "expected a uid after 'uid'" },
	{ "mode enforce\nallow uid -1\ndefault deny\n", 2, 11, "expected a uid" },
	{ "mode enforce\nallow uid 4294967295\ndefault deny\n", 2, 11, "expected a uid" },
	{ "mode enforce\nallow hook exex\ndefault deny\n", 2, 12, "'exec' or 'mmap'" },
	{ "mode enforce\nallow uid 1 uid 2\ndefault deny\n", 2, 13, "given twice" },
	{ "mode enforce\nallow sha256 abcd\ndefault deny\n", 2, 14, "64 hex digits" },
	{ "mode enforce\nallow spki " HEX11 "1\ndefault deny\n", 2, 12, "64 hex digits" },
	{ "mode enforce\nallow cert 11:11\ndefault deny\n", 2, 12, "64 hex digits" },
	{ "mode enforce\nallow path relative/x\ndefault deny\n", 2, 12, "starting with '/'" },
	{ "mode enforce\nallow cgroup x\ndefault deny\n", 2, 14, "starting with '/'" },
	{ "mode enforce\nallow outcome fine\ndefault deny\n", 2, 15, "reason code" },
	{ "mode enforce\nallow outcome denied_by_rule\ndefault deny\n", 2, 15, "reason code" },
	{ "mode enforce\nallow signed-after 2026-02-30\ndefault deny\n", 2, 20, "a date" },
	{ "mode enforce\nallow signed-after 2026-1-1\ndefault deny\n", 2, 20, "a date" },
	{ "mode enforce\nallow signed-after 2026-01-01T10:00:00\ndefault deny\n", 2, 20,
	  "a date" },
	{ "mode enforce\nallow signer nobody\ndefault deny\n", 2, 14, "unknown signer 'nobody'" },
	{ "mode enforce\nallow subject \"CN=x\ndefault deny\n", 2, 15,
	  "unterminated quoted string" },
	{ "mode enforce\nallow subject \"a\\n\"\ndefault deny\n", 2, 17, "found '\\n'" },
	{ "mode enforce\nallow subject \"x\"y\ndefault deny\n", 2, 18,
	  "expected a space after a quoted string" },
	{ "mode enforce\nallow subject x\"y\ndefault deny\n", 2, 16, "unexpected '\"'" },
	{ "mode enforce\nallow subject \"\"\ndefault deny\n", 2, 15, "empty string" },
	{ "mode enforce\nallow uid 0 \"uid\" 1\ndefault deny\n", 2, 13, "expected a matcher" },
	{ "mode enforce\ndefault deny\nallow uid 0\n", 3, 1, "nothing may follow 'default'" },
	{ "mode enforce\ndefault deny please\n", 2, 14, "expected end of line" },
	{ "mode enforce\nallow uid 0\n", 0, 0, "no 'default' statement" },
	{ "allow uid 0\ndefault deny\n", 0, 0, "no 'mode' setting" },
	{ "mode enforce\nsigner a spki " HEX11 "\nsigner a spki " HEX22 "\ndefault deny\n", 3, 8,
	  "already declared at t.policy:2" },
	{ "mode enforce\nsigner a\ndefault deny\n", 2, 9, "expected at least one of" },
	{ "mode enforce\nsigner a hook exec\ndefault deny\n", 2, 10, "found 'hook'" },
	{ "mode enforce\nsigner a/b spki " HEX11 "\ndefault deny\n", 2, 8, "signer name" },
	{ "mode enforce\nsigner a owner x spki " HEX11 "\ndefault deny\n", 2, 18,
	  "identities come before" },
	{ "mode enforce\nsigner a spki " HEX11 " rotate-by soon\ndefault deny\n", 2, 90,
	  "a date" },
	{ "mode enforce\nsigner a spki " HEX11 "\nallow signer a spki " HEX22 "\ndefault deny\n",
	  3, 7, "signer 'a' already sets 'spki'" },
	{ "mode enforce\ncrl-max-age 7w\ndefault deny\n", 2, 13, "expected a duration" },
	{ "mode enforce\ncrl-max-age 99999999999d\ndefault deny\n", 2, 13,
	  "expected a duration" },
	{ "mode enforce\ncrl-max-age 50000d\ndefault deny\n", 2, 13, "expected a duration" },
	{ "mode enforce\non-stale-crl maybe\ndefault deny\n", 2, 14, "'allow', 'deny' or" },
	{ "mode enforce\nsignature-lookup embedded web\ndefault deny\n", 2, 27,
	  "'embedded', 'detached' or 'catalog'" },
	{ "mode enforce\nsignature-lookup embedded embedded\ndefault deny\n", 2, 27,
	  "listed twice" },
	{ "mode enforce\nsignature-lookup catalog\ndefault deny\n", 0, 0, "no 'catalog' file" },
	{ "mode enforce\nscope machine\nscope cgroup /a\ndefault deny\n", 3, 7,
	  "conflicts with 'scope machine'" },
	{ "mode enforce\nscope cgroup /a\nscope machine\ndefault deny\n", 3, 7,
	  "conflicts with 'scope cgroup'" },
	{ "mode enforce\nscope cgroup\ndefault deny\n", 2, 13, "expected a cgroup path" },
	{ "mode enforce\nself-protection yes\ndefault deny\n", 2, 17, "'off' or 'on'" },
	{ "mode enforce\ntrust-anchor\ndefault deny\n", 2, 13, "expected a file name" },
	{ "mode enforce\ntrust-anchor a b\ndefault deny\n", 2, 16, "expected end of line" },
	{ "mode enforce\n\"allow\" uid 0\ndefault deny\n", 2, 1, "expected a setting" },
	{ "mode enforce\ninterpreter\ndefault deny\n", 2, 12, "an absolute path or 'default'" },
	{ "mode enforce\ninterpreter-data\ndefault deny\n", 2, 17, "an absolute path or 'default'" },
	{ "mode enforce\ninterpreter-data etc/passwd\ndefault deny\n", 2, 18,
	  "an absolute path or 'default'" },
	{ "mode enforce\ninterpreter /bin/sh bash\ndefault deny\n", 2, 21,
	  "starting with '/'" },
	{ "mode enforce\nwatch-scripts /srv !srv/doc\ndefault deny\n", 2, 21,
	  "expected an absolute path after '!', found srv/doc" },
	{ "mode enforce\nwatch-scripts !\ndefault deny\n", 2, 16,
	  "expected an absolute path after '!', found nothing" },
	{ "mode enforce\nwatch-scripts\ndefault deny\n", 2, 14,
	  "an absolute path, '!' and an absolute path, or 'default'" },
	{ "mode enforce\ninterpreter-data !/srv/doc\ndefault deny\n", 2, 18,
	  "an absolute path or 'default' starting with '/'" },
	{ "mode enforce\ndefault deny\ninterpreter default\n", 3, 1,
	  "nothing may follow 'default'" },
};

static void errors_name_line_column_and_expectation(void **state)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct eg_policy_error err;
		struct eg_policy *p = NULL;
		int r = eg_policy_parse_buffer("t.policy", error_cases[i].text,
					       strlen(error_cases[i].text), 0, &p, &err);

		if (r != -EBADMSG || err.line != error_cases[i].line ||
		    err.column != error_cases[i].column ||
		    !strstr(err.message, error_cases[i].message))
			fail_msg("case %zu: got %d %s:%u:%u: %s; expected line %u column %u '%s'",
				 i, r, err.file, err.line, err.column, err.message,
				 error_cases[i].line, error_cases[i].column, error_cases[i].message);
		assert_null(p);
		assert_string_equal(err.file, "t.policy");
	}
}

static void bounds_are_errors(void **state)
{
	size_t len = EG_POLICY_MAX_LINE + 64;
	struct eg_policy_error err;
	struct eg_policy *p = NULL;
	char *text = malloc(len);
	const char nul[] = "mode enforce\nallow uid 0\0\ndefault deny\n";

	assert_non_null(text);
	memset(text, ' ', len);
	memcpy(text, "mode enforce\n# ", 15);
	text[len - 1] = '\n';
	assert_int_equal(eg_policy_parse_buffer("t.policy", text, len, 0, &p, &err), -EBADMSG);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, EG_POLICY_MAX_LINE + 1);
	assert_non_null(strstr(err.message, "line longer than"));
	free(text);

	assert_int_equal(eg_policy_parse_buffer("t.policy", nul, sizeof(nul) - 1, 0, &p, &err),
			 -EBADMSG);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 12);
	assert_non_null(strstr(err.message, "NUL byte"));

	assert_int_equal(eg_policy_parse_buffer("t.policy", "", 0, UINT32_MAX, &p, &err),
			 -EOVERFLOW);
	assert_null(p);
}

static void too_many_rules_is_an_error(void **state)
{
	size_t per = strlen("allow uid 1\n"), len = 13 + (EG_POLICY_MAX_RULES + 1) * per;
	char *text = malloc(len + 1), *c = text;
	struct eg_policy_error err;
	struct eg_policy *p = NULL;

	assert_non_null(text);
	c += sprintf(c, "mode enforce\n");
	for (size_t i = 0; i <= EG_POLICY_MAX_RULES; i++)
		c += sprintf(c, "allow uid 1\n");
	assert_int_equal(eg_policy_parse_buffer("t.policy", text, c - text, 0, &p, &err),
			 -EBADMSG);
	assert_int_equal(err.line, EG_POLICY_MAX_RULES + 2);
	assert_non_null(strstr(err.message, "too many rules"));
	free(text);
}

static void digest_and_generation(void **state)
{
	const char *text = "mode audit\ndefault audit\n";
	unsigned char want[SHA256_DIGEST_LENGTH];
	struct eg_policy_error err;
	struct eg_policy *p = NULL;
	char hex[2 * EG_SHA256_LEN + 1];

	SHA256((const unsigned char *)text, strlen(text), want);
	assert_int_equal(eg_policy_parse_buffer("t.policy", text, strlen(text), 41, &p, &err), 0);
	assert_memory_equal(eg_policy_digest(p), want, sizeof(want));
	assert_int_equal(eg_policy_generation(p), 42);
	eg_policy_digest_hex(p, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(hex[0], "0123456789abcdef"[want[0] >> 4]);
	eg_policy_free(p);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A temporary directory per test, removed by the teardown also when the test fails. */
static int make_tmpdir(void **state)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/eg-policy-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int remove_tmpdir(void **state)
{
	return nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fragments_in_lexical_order(void **state)
{
	const char *dir = *state;
	char path[256], frag[256], f1[300], f2[300],
	     f3[300], odd[300];
	struct eg_policy_error err;
	struct eg_policy *p = NULL;
	struct eg_policy_decision d;
	struct eg_policy_facts facts;
	const unsigned char *canon;
	size_t len;

	snprintf(path, sizeof(path), "%s/main.policy", dir);
	snprintf(frag, sizeof(frag), "%s/main.policy.d", dir);
	snprintf(f1, sizeof(f1), "%s/50-team.policy", frag);
	snprintf(f2, sizeof(f2), "%s/10-base.policy", frag);
	snprintf(f3, sizeof(f3), "%s/99-default.policy", frag);
	snprintf(odd, sizeof(odd), "%s/README", frag);
	assert_int_equal(mkdir(frag, 0700), 0);
	write_file(path, "mode enforce\n");
	write_file(f1, "audit uid 1000\n");
	write_file(f2, "deny uid 1000\n");
	write_file(f3, "default allow\n");
	write_file(odd, "this is not read\n");

	assert_int_equal(eg_policy_load(path, NULL, 6, &p, &err), 0);
	assert_int_equal(eg_policy_generation(p), 7);
	assert_int_equal(eg_policy_file_count(p), 4);
	assert_string_equal(eg_policy_file(p, 1), f2);
	base_facts(&facts);
	eg_policy_evaluate(p, &facts, &d);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->file, f2); /* 10-base before 50-team */
	assert_int_equal(d.rule->line, 1);
	assert_int_equal(d.action, EG_ACTION_DENY);
	canon = eg_policy_canonical(p, &len);
	{
		static const char want[] = "mode enforce\n"
					   "\0fragment 10-base.policy 14\ndeny uid 1000\n"
					   "\0fragment 50-team.policy 15\naudit uid 1000\n"
					   "\0fragment 99-default.policy 14\ndefault allow\n";
		unsigned char digest[SHA256_DIGEST_LENGTH];

		assert_int_equal(len, sizeof(want) - 1);
		assert_memory_equal(canon, want, len);
		SHA256((const unsigned char *)want, len, digest);
		assert_memory_equal(eg_policy_digest(p), digest, sizeof(digest));
	}
	eg_policy_free(p);
	p = NULL;

	/* An error in a fragment names the fragment. */
	write_file(f1, "audit uid 1000\naudit hook mmmap\n");
	assert_int_equal(eg_policy_load(path, NULL, 0, &p, &err), -EBADMSG);
	assert_string_equal(err.file, f1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 12);

	/* "default" in the main file ends the policy: a fragment after it is an error. */
	write_file(f1, "audit uid 1000\n");
	write_file(path, "mode enforce\ndefault deny\n");
	assert_int_equal(eg_policy_load(path, NULL, 0, &p, &err), -EBADMSG);
	assert_string_equal(err.file, f2);
	assert_non_null(strstr(err.message, "nothing may follow 'default'"));

	/* A setting given twice across files names the earlier file. */
	write_file(path, "mode enforce\n");
	write_file(f1, "mode audit\n");
	assert_int_equal(eg_policy_load(path, NULL, 0, &p, &err), -EBADMSG);
	assert_string_equal(err.file, f1);
	assert_non_null(strstr(err.message, "already set at"));
	assert_non_null(strstr(err.message, path));

	/* An explicit fragment directory that does not exist is an operational error. */
	assert_int_equal(eg_policy_load(path, "/nonexistent/dir.d", 0, &p, &err), -ENOENT);
	assert_int_equal(eg_policy_load("/nonexistent/x.policy", NULL, 0, &p, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/x.policy");
	assert_null(p);

}

static void catalog_names(void **state)
{
	static const struct {
		const char *path, *name;
	} cases[] = {
		{ "/usr/share/execgate/catalogs/os-image.cat", "os-image" },
		{ "os-image.cat", "os-image" },
		{ "/x/base.catalog", "base.catalog" },
		{ "/x/.cat", ".cat" },
		{ "/x/y/", "" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(eg_policy_catalog_name(cases[i].path, buf, sizeof(buf)),
				    cases[i].name);
}

/* xorshift64: a fixed-seed generator, so a failure reproduces. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

static void random_digest(char *hex, unsigned char *bin)
{
	/* Few distinct digests, so that rules and facts collide often. */
	unsigned int v = rnd(6);

	for (int k = 0; k < EG_SHA256_LEN; k++) {
		if (hex)
			sprintf(hex + 2 * k, "%02x", v * 17 + k);
		if (bin)
			bin[k] = v * 17 + k;
	}
}

static void random_rule(char *out, size_t len)
{
	static const char *const actions[] = { "allow", "deny", "audit" };
	static const char *const paths[] = { "/usr/bin/*", "/usr/bin/a", "/opt/*", "/tmp/x" };
	static const char *const outcomes[] = { "valid", "revoked", "no_signature", "expired" };
	char hex[2 * EG_SHA256_LEN + 1];
	size_t used = snprintf(out, len, "%s", actions[rnd(3)]);
	unsigned int n = 0;

	while (n == 0 || rnd(3) == 0) {
		unsigned int m = rnd(8);

		if (strstr(out, (const char *[]){ " spki ", " cert ", " sha256 ", " path ",
						  " hook ", " uid ", " outcome ", " subject " }[m]))
			continue;
		switch (m) {
		case 0:
		case 1:
		case 2:
			random_digest(hex, NULL);
			used += snprintf(out + used, len - used, " %s %s",
					 m == 0 ? "spki" : m == 1 ? "cert" : "sha256", hex);
			break;
		case 3:
			used += snprintf(out + used, len - used, " path %s", paths[rnd(4)]);
			break;
		case 4:
			used += snprintf(out + used, len - used, " hook %s", rnd(2) ? "exec" : "mmap");
			break;
		case 5:
			used += snprintf(out + used, len - used, " uid %u", rnd(3));
			break;
		case 6:
			used += snprintf(out + used, len - used, " outcome %s", outcomes[rnd(4)]);
			break;
		case 7: {
			/* a glob, an exact subject, the same with escapes, and a lone escape */
			char c = 'a' + rnd(3);

			switch (rnd(4)) {
			case 0:
				used += snprintf(out + used, len - used, " subject \"CN=%c*\"", c);
				break;
			case 1:
				used += snprintf(out + used, len - used, " subject \"CN=%c1\"", c);
				break;
			case 2:
				used += snprintf(out + used, len - used, " subject \"CN=\\\\%c1\"",
						 c);
				break;
			default:
				used += snprintf(out + used, len - used, " subject \"CN=%c\\\\\"",
						 c);
				break;
			}
			break;
		}
		}
		n++;
	}
}

static void random_facts(struct eg_policy_facts *f)
{
	static const char *const paths[] = { "/usr/bin/a", "/usr/bin/b", "/opt/x", "/tmp/x" };
	static const char *const subjects[] = { "CN=a1", "CN=b1", "CN=c1", "CN=d1" };
	static const enum eg_reason reasons[] = { EG_REASON_NONE, EG_REASON_NONE,
						  EG_REASON_REVOKED, EG_REASON_NO_SIGNATURE,
						  EG_REASON_EXPIRED };

	memset(f, 0, sizeof(*f));
	f->has_spki = rnd(4) != 0;
	random_digest(NULL, f->spki);
	f->has_cert = rnd(4) != 0;
	random_digest(NULL, f->cert);
	f->has_sha256 = true;
	random_digest(NULL, f->sha256);
	if (rnd(2))
		memcpy(f->signed_sha256, f->sha256, EG_SHA256_LEN);
	else
		random_digest(NULL, f->signed_sha256);
	f->path = paths[rnd(4)];
	f->hook = rnd(2) ? EG_HOOK_EXEC : EG_HOOK_MMAP;
	f->uid = rnd(3);
	f->reason = reasons[rnd(5)];
	f->subject = rnd(4) ? subjects[rnd(4)] : NULL;
}

static void index_agrees_with_linear_scan(void **state)
{
	const char *seed = getenv("EG_POLICY_TEST_SEED");

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 20; round++) {
		size_t nrules = 1 + rnd(400), cap = 64 + nrules * 400, used;
		char *text = malloc(cap);
		struct eg_policy *p;

		assert_non_null(text);
		used = snprintf(text, cap, "mode %s\n", rnd(2) ? "enforce" : "audit");
		for (size_t i = 0; i < nrules; i++) {
			random_rule(text + used, cap - used);
			used += strlen(text + used);
			text[used++] = '\n';
		}
		snprintf(text + used, cap - used, "default %s\n", rnd(2) ? "deny" : "audit");
		p = parse_ok(text);
		for (int k = 0; k < 500; k++) {
			struct eg_policy_decision d;
			struct eg_policy_facts f;

			random_facts(&f);
			eval_both(p, &f, &d);
		}
		eg_policy_free(p);
		free(text);
	}
}

/* A sha256 rule names the whole file or its signed content: for an embedded signature
 * they differ, and only the second cannot be changed without breaking the signature. */
static void sha256_names_the_file_or_its_signed_content(void **state)
{
	static const char *const rules[] = { "deny sha256 " HEX33 "\nallow outcome valid\n",
					     "deny sha256 " HEX44 "\nallow outcome valid\n" };
	struct eg_policy_decision d;
	struct eg_policy_facts f;

	for (size_t i = 0; i < 2; i++) {
		char text[512];
		struct eg_policy *p;

		snprintf(text, sizeof(text), "mode enforce\n%sdefault deny\n", rules[i]);
		p = parse_ok(text);
		base_facts(&f); /* whole file 0x33 */
		memset(f.signed_sha256, 0x44, EG_SHA256_LEN);
		eval_both(p, &f, &d);
		assert_int_equal(d.decision, EG_DECISION_DENY);
		assert_non_null(d.rule);
		assert_int_equal(d.rule->id, 1);
		/* Another file with neither digest: the deny does not apply. */
		memset(f.sha256, 0x55, EG_SHA256_LEN);
		memset(f.signed_sha256, 0x66, EG_SHA256_LEN);
		eval_both(p, &f, &d);
		assert_int_equal(d.decision, EG_DECISION_ALLOW);
		eg_policy_free(p);
	}
}

/* Which decisions hold for every access to the file (may be cached on its inode). */
static const struct {
	const char *rules;
	enum variant facts;
	bool context_dependent;
} context_cases[] = {
	/* Only rules about the file: every decision holds everywhere. */
	{ "allow outcome valid\n", V_BASE, false },
	{ "allow outcome valid\n", V_UNSIGNED, false },
	{ "deny sha256 " HEX33 "\nallow outcome valid\n", V_BASE, false },
	/* The policy: root's allow of an unsigned file is root's alone, and so is
	 * the default's deny for anyone else. */
	{ "allow uid 0\n", V_ROOT, true },
	{ "allow uid 0\n", V_UNSIGNED, true },
	{ "allow outcome valid\nallow uid 0\n", V_BASE, false },
	/* A context rule about another file does not make this decision depend on it. */
	{ "deny sha256 " HEX44 " uid 0\nallow outcome valid\n", V_BASE, false },
	{ "deny subject \"CN=Other*\" path \"/tmp/*\"\nallow outcome valid\n", V_BASE, false },
	/* One that could match this file elsewhere does. */
	{ "deny path \"/tmp/*\"\nallow outcome valid\n", V_BASE, true },
	{ "deny hook mmap\nallow outcome valid\n", V_BASE, true },
	{ "allow outcome valid cgroup \"/system.slice\"\n", V_BASE, true },
	{ "allow outcome valid cgroup \"/system.slice\"\n", V_UNSIGNED, false },
};

static void context_dependence(void **state)
{
	for (size_t i = 0; i < sizeof(context_cases) / sizeof(context_cases[0]); i++) {
		struct eg_policy_decision d;
		struct eg_policy_facts f;
		struct eg_policy *p;
		char text[1024];

		snprintf(text, sizeof(text), "mode enforce\n%sdefault deny\n",
			 context_cases[i].rules);
		p = parse_ok(text);
		make_facts(context_cases[i].facts, &f);
		eval_both(p, &f, &d);
		if (d.context_dependent != context_cases[i].context_dependent)
			fail_msg("case %zu: context_dependent %d, expected %d", i,
				 d.context_dependent, context_cases[i].context_dependent);
		eg_policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_matcher_alone_and_combined),
		cmocka_unit_test(first_match_wins),
		cmocka_unit_test(audit_versus_enforce_and_default),
		cmocka_unit_test(stale_and_missing_crls_follow_the_settings),
		cmocka_unit_test(settings_signers_and_rule_text),
		cmocka_unit_test(defaults_when_settings_are_absent),
		cmocka_unit_test(interpreters_and_the_default_list),
		cmocka_unit_test(data_and_watched_lists),
		cmocka_unit_test(errors_name_line_column_and_expectation),
		cmocka_unit_test(bounds_are_errors),
		cmocka_unit_test(too_many_rules_is_an_error),
		cmocka_unit_test(digest_and_generation),
		cmocka_unit_test_setup_teardown(fragments_in_lexical_order, make_tmpdir,
						remove_tmpdir),
		cmocka_unit_test(catalog_names),
		cmocka_unit_test(index_agrees_with_linear_scan),
		cmocka_unit_test(sha256_names_the_file_or_its_signed_content),
		cmocka_unit_test(context_dependence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
