// SPDX-License-Identifier: GPL-2.0
/* Verification result to policy facts (eg_facts.h). */
#include <string.h>

#include "eg_facts.h"

static bool looked_up(const struct eg_policy_settings *settings, enum eg_sig_kind kind)
{
	enum eg_policy_lookup lookup;

	switch (kind) {
	case EG_SIG_NONE:
		return true;
	case EG_SIG_EMBEDDED:
		lookup = EG_LOOKUP_EMBEDDED;
		break;
	case EG_SIG_DETACHED:
		lookup = EG_LOOKUP_DETACHED;
		break;
	case EG_SIG_CATALOG:
		lookup = EG_LOOKUP_CATALOG;
		break;
	default:
		return false;
	}
	for (size_t i = 0; i < settings->n_lookup; i++)
		if (settings->lookup[i] == lookup)
			return true;
	return false;
}

void eg_policy_facts_from_verify(const struct eg_verify_result *res,
				 const struct eg_policy_settings *settings, char *catalog_buf,
				 size_t catalog_len, struct eg_policy_facts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->has_sha256 = res->has_file_sha256;
	memcpy(ret->sha256, res->file_sha256, EG_SHA256_LEN);
	memcpy(ret->signed_sha256, res->signed_sha256, EG_SHA256_LEN);
	if (!looked_up(settings, res->kind)) {
		ret->reason = EG_REASON_NO_SIGNATURE;
		return;
	}
	if (res->valid)
		ret->reason = EG_REASON_NONE;
	else
		ret->reason = res->reason != EG_REASON_NONE ? res->reason : EG_REASON_UNVERIFIED;
	if (res->has_signer) {
		ret->subject = res->signer.subject;
		ret->issuer = res->signer.issuer;
		ret->has_spki = true;
		memcpy(ret->spki, res->signer.spki_sha256, EG_SHA256_LEN);
		ret->has_cert = true;
		memcpy(ret->cert, res->signer.sha256, EG_SHA256_LEN);
	}
	if (res->kind == EG_SIG_CATALOG && res->sig_path[0])
		ret->catalog = eg_policy_catalog_name(res->sig_path, catalog_buf, catalog_len);
	if (res->has_timestamp) {
		ret->has_signing_time = true;
		ret->signing_time = (time_t)res->timestamp;
	}
	if (res->revocation != EG_REVOCATION_REVOKED) {
		ret->crl_stale = res->crl_problems & EG_CRL_PROBLEM_STALE;
		ret->crl_missing = res->crl_problems & EG_CRL_PROBLEM_MISSING;
	}
}
