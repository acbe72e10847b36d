// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "eg_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = {
	[EG_MODE_AUDIT] = "audit",
	[EG_MODE_ENFORCE] = "enforce",
};

/* No hook is 0. */
static const char *const hook_names[EG_HOOK_END] = {
	[EG_HOOK_EXEC] = "exec",
	[EG_HOOK_MMAP] = "mmap",
	[EG_HOOK_MPROTECT] = "mprotect",
	[EG_HOOK_WRITE] = "write",
	[EG_HOOK_SCRIPT] = "script",
};

static const char *const decision_names[EG_DECISION_COUNT] = {
	[EG_DECISION_ALLOW] = "allow",
	[EG_DECISION_DENY] = "deny",
	[EG_DECISION_AUDIT] = "audit",
};

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

static const char *name_of(const char *const *names, size_t n, unsigned int code)
{
	return code < n && names[code] ? names[code] : "unknown";
}

static int code_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return -EINVAL;
}

const char *eg_mode_name(enum eg_mode mode)
{
	return name_of(mode_names, ARRAY_SIZE(mode_names), mode);
}

const char *eg_hook_name(enum eg_hook hook)
{
	return name_of(hook_names, ARRAY_SIZE(hook_names), hook);
}

const char *eg_decision_name(enum eg_decision decision)
{
	return name_of(decision_names, ARRAY_SIZE(decision_names), decision);
}

const char *eg_reason_name(enum eg_reason reason)
{
	return name_of(reason_names, ARRAY_SIZE(reason_names), reason);
}

int eg_mode_from_name(const char *name)
{
	return code_of(mode_names, ARRAY_SIZE(mode_names), name);
}

int eg_hook_from_name(const char *name)
{
	return code_of(hook_names, ARRAY_SIZE(hook_names), name);
}

int eg_decision_from_name(const char *name)
{
	return code_of(decision_names, ARRAY_SIZE(decision_names), name);
}

int eg_reason_from_name(const char *name)
{
	return code_of(reason_names, ARRAY_SIZE(reason_names), name);
}
