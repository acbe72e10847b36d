// SPDX-License-Identifier: GPL-2.0
/* --replay POLICY: decide each logged record again with another policy, from the facts
 * the record holds, so an analyst sees what that policy would have done over the same
 * period (and a suggested policy can be checked against the audit log it came from).
 *
 * The log does not hold every fact the evaluator can use: no SPKI digest and no catalog
 * name, so rules on `spki` or `catalog` never match in a replay.  A verified file refused
 * by a rule was logged as `denied_by_rule`: it replays as verified.  An allowed signed
 * file replays as verified, an allowed unsigned one as `no_signature`.  The kernel's
 * mapping and write checks (writable_mapping, modified_mapping, mapped_executable,
 * proc_mem) are no policy's to change: those records keep their decision. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eg_policy.h"
#include "eg_names.h"
#include "log.h"

struct eg_log_replay {
	struct eg_policy *policy;
	char digest[2 * EG_SHA256_LEN + 1];
};

int eg_log_replay_open(const char *path, struct eg_log_replay **ret, char *err, size_t len)
{
	struct eg_log_replay *r = calloc(1, sizeof(*r));
	struct eg_policy_error perr;
	int ret_;

	if (!r)
		return -ENOMEM;
	ret_ = eg_policy_load(path, NULL, 0, &r->policy, &perr);
	if (ret_) {
		if (perr.line)
			snprintf(err, len, "%s:%u:%u: %s", perr.file, perr.line, perr.column,
				 perr.message);
		else
			snprintf(err, len, "%s: %s", perr.file[0] ? perr.file : path,
				 perr.message[0] ? perr.message : strerror(-ret_));
		free(r);
		return ret_;
	}
	eg_policy_digest_hex(r->policy, r->digest);
	*ret = r;
	return 0;
}

void eg_log_replay_free(struct eg_log_replay *r)
{
	if (!r)
		return;
	eg_policy_free(r->policy);
	free(r);
}

static bool unhex(const char *hex, unsigned char *out)
{
	if (!hex || strlen(hex) != 2 * EG_SHA256_LEN)
		return false;
	for (int i = 0; i < EG_SHA256_LEN; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return false;
		out[i] = b;
	}
	return true;
}

int eg_log_replay_apply(const struct eg_log_replay *r, struct eg_log_rec *rec)
{
	struct eg_policy_facts f = { 0 };
	struct eg_policy_decision d;
	const struct eg_policy_rule *rule;
	int64_t stamped;
	int reason;
	json_t *root = rec->root;

	if (rec->reason && (!strcmp(rec->reason, "writable_mapping") ||
			    !strcmp(rec->reason, "modified_mapping") ||
			    !strcmp(rec->reason, "mapped_executable") ||
			    !strcmp(rec->reason, "proc_mem")))
		return 0;
	if (rec->has_sig) {
		f.subject = rec->subject;
		f.issuer = rec->issuer;
		f.has_cert = unhex(rec->sig_sha256, f.cert);
		if (rec->timestamp && !eg_log_time_parse(rec->timestamp, &stamped)) {
			f.has_signing_time = true;
			f.signing_time = stamped / 1000000000;
		}
	}
	f.has_sha256 = unhex(rec->sha256, f.sha256);
	if (!rec->signed_sha256 || !unhex(rec->signed_sha256, f.signed_sha256))
		memcpy(f.signed_sha256, f.sha256, EG_SHA256_LEN);
	f.path = rec->path;
	/* The reader takes only hooks the table names. */
	f.hook = eg_hook_from_name(rec->hook);
	f.uid = rec->uid >= 0 ? (uint32_t)rec->uid : UINT32_MAX;
	f.cgroup = rec->cgroup;
	if (!rec->reason || !strcmp(rec->reason, "denied_by_rule"))
		reason = rec->has_sig || rec->reason ? EG_REASON_NONE : EG_REASON_NO_SIGNATURE;
	else
		reason = eg_reason_from_name(rec->reason);
	/* A reason this build does not know: the file surely did not verify. */
	f.reason = reason < 0 ? EG_REASON_UNVERIFIED : reason;
	eg_policy_evaluate(r->policy, &f, &d);

	rule = d.rule;
	rec->decision = d.decision;
	rec->reason = rec->decision == EG_DECISION_ALLOW ? NULL : eg_reason_name(d.reason);
	rec->mode = eg_mode_name(eg_policy_settings(r->policy)->mode);
	rec->has_rule = rule != NULL;
	rec->rule_id = rule ? (int64_t)rule->id : -1;
	rec->rule_file = rule ? rule->file : NULL;
	rec->rule_line = rule ? (int64_t)rule->line : -1;
	rec->policy_sha256 = r->digest;
	rec->policy_generation = eg_policy_generation(r->policy);
	/* The JSON follows, for --json and --format ocsf. */
	if (json_object_set_new(root, "decision",
				json_string(eg_decision_name(rec->decision))) ||
	    json_object_set_new(root, "mode", json_string(rec->mode)) ||
	    json_object_set_new(root, "reason", rec->reason ? json_string(rec->reason)
							    : json_null()) ||
	    json_object_set_new(root, "rule",
				rule ? json_pack("{s:I, s:s, s:I}", "id", (json_int_t)rule->id,
						 "file", rule->file, "line",
						 (json_int_t)rule->line)
				     : json_null()) ||
	    json_object_set_new(root, "policy",
				json_pack("{s:s, s:I}", "sha256", r->digest, "generation",
					  (json_int_t)rec->policy_generation)))
		return -ENOMEM;
	return 0;
}
