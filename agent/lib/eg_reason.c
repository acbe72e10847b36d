// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "eg_reason.h"

static const char *const reason_names[EG_REASON_COUNT] = {
	[EG_REASON_NONE] = "none",
	[EG_REASON_NO_SIGNATURE] = "no_signature",
	[EG_REASON_BAD_SIGNATURE] = "bad_signature",
	[EG_REASON_UNTRUSTED_CHAIN] = "untrusted_chain",
	[EG_REASON_BAD_EKU] = "bad_eku",
	[EG_REASON_EXPIRED] = "expired",
	[EG_REASON_NOT_YET_VALID] = "not_yet_valid",
	[EG_REASON_REVOKED] = "revoked",
	[EG_REASON_CRL_STALE] = "crl_stale",
	[EG_REASON_CRL_MISSING] = "crl_missing",
	[EG_REASON_WEAK_ALGORITHM] = "weak_algorithm",
	[EG_REASON_BAD_TIMESTAMP] = "bad_timestamp",
	[EG_REASON_UNVERIFIED] = "unverified",
	[EG_REASON_DENIED_BY_RULE] = "denied_by_rule",
	[EG_REASON_MALFORMED] = "malformed",
	[EG_REASON_VERIFICATION_TIMEOUT] = "verification_timeout",
	[EG_REASON_DENY_LIST] = "deny_list",
	[EG_REASON_TIMESTAMP_REQUIRED] = "timestamp_required",
	[EG_REASON_WRITABLE_MAPPING] = "writable_mapping",
	[EG_REASON_MODIFIED_MAPPING] = "modified_mapping",
	[EG_REASON_VERDICT] = "verdict",
	[EG_REASON_MAPPED_EXECUTABLE] = "mapped_executable",
	[EG_REASON_PROC_MEM] = "proc_mem",
};

const char *eg_reason_name(enum eg_reason reason)
{
	if ((unsigned int)reason >= EG_REASON_COUNT || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

int eg_reason_from_name(const char *name)
{
	for (int i = 0; i < EG_REASON_COUNT; i++)
		if (reason_names[i] && !strcmp(reason_names[i], name))
			return i;
	return -EINVAL;
}
