// SPDX-License-Identifier: GPL-2.0
/* The verification result in JSON, shared by verify and explain (verify_json.h). */
#include <stdio.h>
#include <time.h>

#include "verify_json.h"

const char *verify_kind_name(enum eg_sig_kind kind)
{
	switch (kind) {
	case EG_SIG_EMBEDDED:
		return "embedded";
	case EG_SIG_DETACHED:
		return "detached";
	case EG_SIG_CATALOG:
		return "catalog";
	case EG_SIG_NONE:
		break;
	}
	return "none";
}

const char *verify_revocation_name(enum eg_revocation revocation)
{
	switch (revocation) {
	case EG_REVOCATION_GOOD:
		return "good";
	case EG_REVOCATION_REVOKED:
		return "revoked";
	case EG_REVOCATION_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *verify_time_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static json_t *json_time(int64_t t)
{
	char buf[64];

	return json_string(verify_time_text(t, buf, sizeof(buf)));
}

static json_t *json_signer(const struct eg_cert_info *c)
{
	char sha[2 * EG_SHA256_LEN + 1], spki[2 * EG_SHA256_LEN + 1];

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "subject", c->subject, "issuer",
			 c->issuer, "serial", c->serial, "sha256", eg_sha256_hex(c->sha256, sha),
			 "spki_sha256", eg_sha256_hex(c->spki_sha256, spki), "not_before",
			 json_time(c->not_before), "not_after", json_time(c->not_after));
}

json_t *verify_result_json(const char *path, const struct eg_verify_result *res)
{
	char hex[2 * EG_SHA256_LEN + 1], signed_hex[2 * EG_SHA256_LEN + 1];
	json_t *o, *chain = json_array();

	for (unsigned int i = 0; chain && i < res->chain_len && i < EG_CHAIN_MAX; i++)
		json_array_append_new(chain, json_string(res->chain_subjects[i]));
	/* "o" steals each reference, also when json_pack fails. */
	o = json_pack(
		"{s:b, s:o, s:o, s:{s:s, s:o, s:o}, s:o, s:o, s:o, s:{s:s, s:o, s:b, s:b}, s:s}",
		"valid", res->valid, "reason",
		res->valid ? json_null() : json_string(eg_reason_name(res->reason)), "kind",
		res->kind == EG_SIG_NONE ? json_null() : json_string(verify_kind_name(res->kind)),
		"file", "path", path, "sha256",
		res->has_file_sha256 ? json_string(eg_sha256_hex(res->file_sha256, hex))
				     : json_null(),
		"signed_sha256",
		res->has_file_sha256 ? json_string(eg_sha256_hex(res->signed_sha256, signed_hex))
				     : json_null(),
		"signer", res->has_signer ? json_signer(&res->signer) : json_null(), "chain",
		chain ? chain : json_null(), "timestamp",
		res->has_timestamp ? json_pack("{s:o, s:s}", "time", json_time(res->timestamp),
					       "tsa", res->tsa_subject)
				   : json_null(),
		"revocation", "status", verify_revocation_name(res->revocation), "crl_next_update",
		res->crl_next_update ? json_time(res->crl_next_update) : json_null(), "crl_stale",
		!!(res->crl_problems & EG_CRL_PROBLEM_STALE), "crl_missing",
		!!(res->crl_problems & EG_CRL_PROBLEM_MISSING), "detail", res->detail);
	if (!o)
		return NULL;
	if (res->validation_time)
		json_object_set_new(o, "validation_time", json_time(res->validation_time));
	if (res->sig_path[0])
		json_object_set_new(o, "signature_path", json_string(res->sig_path));
	if (res->provenance[0])
		json_object_set_new(o, "provenance", json_string(res->provenance));
	return o;
}
