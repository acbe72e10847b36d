// SPDX-License-Identifier: GPL-2.0
/* Verification result to policy facts, the one translation execgated and `execgate
 * explain` share: each case where the two once disagreed (catalog name, signing time of a
 * failed signature, a revoked file's CRL problems, signature-lookup), and what the facts
 * then decide under a policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eg_facts.h"

#define TS_2026_05_28 1780000000

enum result {
	R_DETACHED_VALID, /* detached, valid, timestamped 2026-05-28 */
	R_DETACHED_UNSTAMPED,
	R_EMBEDDED_VALID,
	R_CATALOGUED,	     /* in /usr/share/execgate/catalogs/os-image.cat */
	R_CATALOGUED_NO_CAT, /* in a catalog file whose name has no .cat */
	R_EXPIRED_STAMPED,   /* chain failed (expired) after the timestamp verified */
	R_REVOKED_CRL_STALE, /* revoked, and another issuer's CRL stale and one missing */
	R_CRL_STALE,	     /* valid, a CRL stale (verification let it pass) */
	R_CRL_MISSING,	     /* valid, a CRL missing */
	R_UNSIGNED,
	R_ERROR, /* an operational error: invalid without a reason */
};

static void make_result(enum result r, struct eg_verify_result *res)
{
	memset(res, 0, sizeof(*res));
	res->valid = true;
	res->kind = EG_SIG_DETACHED;
	snprintf(res->sig_path, sizeof(res->sig_path), "/usr/bin/tool.sig");
	res->has_file_sha256 = true;
	memset(res->file_sha256, 0x33, EG_SHA256_LEN);
	res->has_signer = true;
	snprintf(res->signer.subject, sizeof(res->signer.subject), "CN=Release CI,O=Example");
	snprintf(res->signer.issuer, sizeof(res->signer.issuer), "CN=Example CA,O=Example");
	memset(res->signer.sha256, 0x22, EG_SHA256_LEN);
	memset(res->signer.spki_sha256, 0x11, EG_SHA256_LEN);
	res->has_timestamp = true;
	res->timestamp = TS_2026_05_28;
	res->revocation = EG_REVOCATION_GOOD;
	switch (r) {
	case R_DETACHED_VALID:
		break;
	case R_DETACHED_UNSTAMPED:
		res->has_timestamp = false;
		res->timestamp = 0;
		break;
	case R_EMBEDDED_VALID:
		res->kind = EG_SIG_EMBEDDED;
		res->sig_path[0] = '\0';
		break;
	case R_CATALOGUED:
		res->kind = EG_SIG_CATALOG;
		snprintf(res->sig_path, sizeof(res->sig_path),
			 "/usr/share/execgate/catalogs/os-image.cat");
		break;
	case R_CATALOGUED_NO_CAT:
		res->kind = EG_SIG_CATALOG;
		snprintf(res->sig_path, sizeof(res->sig_path), "/etc/execgate/vendor.list");
		break;
	case R_EXPIRED_STAMPED:
		res->valid = false;
		res->reason = EG_REASON_EXPIRED;
		break;
	case R_REVOKED_CRL_STALE:
		res->valid = false;
		res->reason = EG_REASON_REVOKED;
		res->revocation = EG_REVOCATION_REVOKED;
		res->crl_problems = EG_CRL_PROBLEM_STALE | EG_CRL_PROBLEM_MISSING;
		break;
	case R_CRL_STALE:
		res->revocation = EG_REVOCATION_UNKNOWN;
		res->crl_problems = EG_CRL_PROBLEM_STALE;
		break;
	case R_CRL_MISSING:
		res->revocation = EG_REVOCATION_UNKNOWN;
		res->crl_problems = EG_CRL_PROBLEM_MISSING;
		break;
	case R_UNSIGNED:
		res->valid = false;
		res->reason = EG_REASON_NO_SIGNATURE;
		res->kind = EG_SIG_NONE;
		res->sig_path[0] = '\0';
		res->has_signer = false;
		res->has_timestamp = false;
		res->timestamp = 0;
		res->revocation = EG_REVOCATION_UNKNOWN;
		break;
	case R_ERROR:
		res->valid = false;
		res->reason = EG_REASON_NONE;
		break;
	}
}

/* signature-lookup as the policy says it; the parser's default is embedded detached, with
 * catalog added when catalogs are named. */
enum lookups {
	L_ALL,
	L_NO_EMBEDDED,
	L_NO_DETACHED,
	L_NO_CATALOG,
};

static void make_settings(enum lookups l, struct eg_policy_settings *st)
{
	static const enum eg_policy_lookup lists[][3] = {
		[L_ALL] = {EG_LOOKUP_EMBEDDED, EG_LOOKUP_DETACHED, EG_LOOKUP_CATALOG},
		[L_NO_EMBEDDED] = {EG_LOOKUP_DETACHED, EG_LOOKUP_CATALOG},
		[L_NO_DETACHED] = {EG_LOOKUP_EMBEDDED, EG_LOOKUP_CATALOG},
		[L_NO_CATALOG] = {EG_LOOKUP_EMBEDDED, EG_LOOKUP_DETACHED},
	};

	memset(st, 0, sizeof(*st));
	memcpy(st->lookup, lists[l], sizeof(st->lookup));
	st->n_lookup = l == L_ALL ? 3 : 2;
}

static void facts_follow_the_rules_once_split_between_agent_and_explain(void **state)
{
	static const struct {
		const char *what;
		enum result result;
		enum lookups lookups;
		enum eg_reason reason;
		bool has_signer;
		const char *catalog; /* NULL: none */
		bool has_signing_time;
		bool crl_stale, crl_missing;
	} cases[] = {
		{"valid detached", R_DETACHED_VALID, L_ALL, EG_REASON_NONE, true, NULL, true, false,
		 false},
		{"no timestamp, no signing time", R_DETACHED_UNSTAMPED, L_ALL, EG_REASON_NONE, true,
		 NULL, false, false, false},
		/* The catalog matcher's name, not the file's base name. */
		{"catalog named without .cat", R_CATALOGUED, L_ALL, EG_REASON_NONE, true,
		 "os-image", true, false, false},
		{"catalog file without .cat", R_CATALOGUED_NO_CAT, L_ALL, EG_REASON_NONE, true,
		 "vendor.list", true, false, false},
		/* A verified timestamp stays a fact when the chain failed. */
		{"expired, timestamp kept", R_EXPIRED_STAMPED, L_ALL, EG_REASON_EXPIRED, true, NULL,
		 true, false, false},
		/* Revoked wins over stale and missing CRLs. */
		{"revoked drops CRL problems", R_REVOKED_CRL_STALE, L_ALL, EG_REASON_REVOKED, true,
		 NULL, true, false, false},
		{"stale CRL left to the policy", R_CRL_STALE, L_ALL, EG_REASON_NONE, true, NULL,
		 true, true, false},
		{"missing CRL left to the policy", R_CRL_MISSING, L_ALL, EG_REASON_NONE, true, NULL,
		 true, false, true},
		/* signature-lookup: a kind left out counts as no signature at all. */
		{"embedded, looked up", R_EMBEDDED_VALID, L_NO_CATALOG, EG_REASON_NONE, true, NULL,
		 true, false, false},
		{"embedded, left out", R_EMBEDDED_VALID, L_NO_EMBEDDED, EG_REASON_NO_SIGNATURE,
		 false, NULL, false, false, false},
		{"detached, left out", R_DETACHED_VALID, L_NO_DETACHED, EG_REASON_NO_SIGNATURE,
		 false, NULL, false, false, false},
		{"catalog, left out", R_CATALOGUED, L_NO_CATALOG, EG_REASON_NO_SIGNATURE, false,
		 NULL, false, false, false},
		{"left out, stale CRL dropped too", R_CRL_STALE, L_NO_DETACHED,
		 EG_REASON_NO_SIGNATURE, false, NULL, false, false, false},
		{"unsigned", R_UNSIGNED, L_NO_EMBEDDED, EG_REASON_NO_SIGNATURE, false, NULL, false,
		 false, false},
		/* Invalid without a reason is never taken as verified. */
		{"error is unverified", R_ERROR, L_ALL, EG_REASON_UNVERIFIED, true, NULL, true,
		 false, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eg_verify_result res;
		struct eg_policy_settings st;
		struct eg_policy_facts f;
		char catalog[EG_FACTS_CATALOG_NAME_MAX];
		unsigned char digest[EG_SHA256_LEN];

		print_message("case: %s\n", cases[i].what);
		make_result(cases[i].result, &res);
		make_settings(cases[i].lookups, &st);
		eg_policy_facts_from_verify(&res, &st, catalog, sizeof(catalog), &f);
		assert_int_equal(f.reason, cases[i].reason);
		assert_int_equal(f.has_spki, cases[i].has_signer);
		assert_int_equal(f.has_cert, cases[i].has_signer);
		assert_int_equal(f.subject != NULL, cases[i].has_signer);
		assert_int_equal(f.issuer != NULL, cases[i].has_signer);
		if (cases[i].has_signer) {
			assert_string_equal(f.subject, "CN=Release CI,O=Example");
			memset(digest, 0x11, sizeof(digest));
			assert_memory_equal(f.spki, digest, EG_SHA256_LEN);
		}
		if (cases[i].catalog)
			assert_string_equal(f.catalog, cases[i].catalog);
		else
			assert_null(f.catalog);
		assert_int_equal(f.has_signing_time, cases[i].has_signing_time);
		if (cases[i].has_signing_time)
			assert_int_equal(f.signing_time, TS_2026_05_28);
		assert_int_equal(f.crl_stale, cases[i].crl_stale);
		assert_int_equal(f.crl_missing, cases[i].crl_missing);
		/* The file's digest is a fact whatever happened to its signature, and the
		 * access is the caller's to fill. */
		assert_true(f.has_sha256);
		memset(digest, 0x33, sizeof(digest));
		assert_memory_equal(f.sha256, digest, EG_SHA256_LEN);
		assert_null(f.path);
		assert_null(f.cgroup);
		assert_int_equal(f.uid, 0);
	}
}

/* The same cases through a parsed policy: the decision each drift changed. */
static void decisions_under_a_policy(void **state)
{
	static const struct {
		const char *what;
		const char *policy; /* settings and rules between mode and default deny */
		enum result result;
		enum eg_decision decision;
		unsigned int rule_id; /* 0: the default */
		enum eg_reason reason;
	} cases[] = {
		{"a catalog rule names the catalog without .cat",
		 "catalog os-image.cat\nallow catalog os-image\n", R_CATALOGUED, EG_DECISION_ALLOW,
		 1, EG_REASON_NONE},
		{"a rule naming an outcome sees the signing time of an expired signature",
		 "deny outcome expired signed-after 2026-01-01\naudit outcome expired\n",
		 R_EXPIRED_STAMPED, EG_DECISION_DENY, 1, EG_REASON_EXPIRED},
		{"a revoked file stays revoked under on-stale-crl allow",
		 "on-stale-crl allow\non-missing-crl allow\nallow subject \"CN=Release*\"\n",
		 R_REVOKED_CRL_STALE, EG_DECISION_DENY, 0, EG_REASON_REVOKED},
		{"an embedded signature the policy does not look up is none",
		 "signature-lookup detached\nallow subject \"CN=Release*\"\n", R_EMBEDDED_VALID,
		 EG_DECISION_DENY, 0, EG_REASON_NO_SIGNATURE},
		{"the same signature looked up is allowed",
		 "signature-lookup embedded\nallow subject \"CN=Release*\"\n", R_EMBEDDED_VALID,
		 EG_DECISION_ALLOW, 1, EG_REASON_NONE},
		{"a catalog the policy does not look up is none",
		 "catalog os-image.cat\nsignature-lookup embedded detached\nallow catalog "
		 "os-image\n",
		 R_CATALOGUED, EG_DECISION_DENY, 0, EG_REASON_NO_SIGNATURE},
		{"an operational error is not allowed by an outcome-valid rule",
		 "allow outcome valid\n", R_ERROR, EG_DECISION_DENY, 0, EG_REASON_UNVERIFIED},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024], catalog[EG_FACTS_CATALOG_NAME_MAX];
		struct eg_policy_error err;
		struct eg_policy *policy = NULL;
		struct eg_verify_result res;
		struct eg_policy_facts f;
		struct eg_policy_decision d;

		print_message("case: %s\n", cases[i].what);
		snprintf(text, sizeof(text), "mode enforce\n%sdefault deny\n", cases[i].policy);
		if (eg_policy_parse_buffer("t.policy", text, strlen(text), 0, &policy, &err))
			fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.message);
		make_result(cases[i].result, &res);
		eg_policy_facts_from_verify(&res, eg_policy_settings(policy), catalog,
					    sizeof(catalog), &f);
		f.path = "/usr/bin/tool";
		f.hook = EG_HOOK_EXEC;
		eg_policy_evaluate(policy, &f, &d);
		assert_int_equal(d.decision, cases[i].decision);
		assert_int_equal(d.rule ? d.rule->id : 0, cases[i].rule_id);
		assert_int_equal(d.reason, cases[i].reason);
		eg_policy_free(policy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(facts_follow_the_rules_once_split_between_agent_and_explain),
		cmocka_unit_test(decisions_under_a_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
