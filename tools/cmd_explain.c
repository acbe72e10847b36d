// SPDX-License-Identifier: GPL-2.0
/* execgate explain: the decision a policy would make for a file, the rule that makes it,
 * and every check behind it.  Verification is configured from the policy's settings the
 * way the agent configures it, and the policy's evaluator decides from the facts alone. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "eg_facts.h"
#include "eg_names.h"
#include "eg_policy.h"
#include "eg_verify.h"
#include "lifecycle.h"
#include "verify_json.h"

#define DEFAULT_POLICY "/etc/execgate/execgate.policy"

struct explain {
	const char *policy_path;
	const char *fragments;
	const char *file;
	const char *detached;
	const char *cgroup;
	enum eg_hook hook;
	uint32_t uid;
	bool json;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: execgate explain [--policy POLICY] [--fragments DIR] [--hook exec|mmap]\n"
		"                        [--uid N] [--cgroup PATH] [--sig SIGFILE] [--json] FILE\n\n"
		"Verify FILE with the trust anchors, TSA anchors, CRLs, signature directory and\n"
		"catalogs POLICY names, and print the decision POLICY makes for it: allow, deny or\n"
		"audit, the rule that decides (file, line, text) or the default, and every check\n"
		"behind it (signature, chain, timestamp, revocation).  Nothing is executed.\n\n"
		"  --policy POLICY  the policy (default " DEFAULT_POLICY "), with POLICY.d/ or\n"
		"                   --fragments DIR\n"
		"  --hook           the access to judge: exec (default) or mmap\n"
		"  --uid N          the user running it (default: yours)\n"
		"  --cgroup PATH    the cgroup v2 path it runs in (default: yours)\n"
		"  --sig SIGFILE    a detached signature to use for FILE\n"
		"  --json           one JSON object: the fields of the verification plus decision,\n"
		"                   rule {id, file, line, text} (null: the default decided) and\n"
		"                   policy {file, sha256, generation}\n\n"
		"The generation printed is this load's (1); the running agent counts its own.\n"
		"Exit status: 0 the file would run (allow, or audit); 1 it would be denied;\n"
		"2 usage or operational error (unreadable policy, anchors or file).\n");
}

/* The calling process's cgroup v2 path ("0::/user.slice/..." in /proc/self/cgroup). */
static char *own_cgroup(void)
{
	char line[PATH_MAX + 8], *found = NULL;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = strdup(line + 3);
		break;
	}
	fclose(f);
	return found;
}

/* A NULL-terminated copy of a list of strings, for eg_verifier_opts. */
static const char **string_array(const struct eg_policy_strings *list)
{
	const char **v = calloc(list->n + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < list->n; i++)
		v[i] = list->v[i];
	return v;
}

static int print_json(const char *path, const struct eg_verify_result *res,
		      const struct eg_policy *policy, const struct eg_policy_decision *d)
{
	char hex[2 * EG_SHA256_LEN + 1];
	json_t *o = verify_result_json(path, res);

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "decision", json_string(eg_decision_name(d->decision)));
	json_object_set_new(o, "action", json_string(eg_policy_action_name(d->action)));
	/* As in the decision log: no reason exactly when nothing was held against the file. */
	json_object_set_new(o, "decision_reason", d->reason == EG_REASON_NONE ?
							  json_null() :
							  json_string(eg_reason_name(d->reason)));
	if (d->rule)
		json_object_set_new(o, "rule", json_pack("{s:i, s:s, s:i, s:s}", "id", d->rule->id,
							 "file", d->rule->file, "line",
							 d->rule->line, "text", d->rule->text));
	else
		json_object_set_new(o, "rule", json_null()); /* the default decided */
	eg_policy_digest_hex(policy, hex);
	json_object_set_new(o, "policy", json_pack("{s:s, s:s, s:i}", "file",
						   eg_policy_file(policy, 0), "sha256", hex,
						   "generation", eg_policy_generation(policy)));
	return lc_json_print(o);
}

/* As the agent does: a catalog of catalog-dir that cannot be used is skipped, and said. */
static void catalog_skipped(void *ctx, const char *path, const char *why)
{
	fprintf(stderr, "execgate explain: catalog %s skipped: %s\n", path, why);
}

static void print_text(const char *path, const struct explain *ex, const char *cgroup,
		       const struct eg_verify_result *res, const struct eg_policy *policy,
		       const struct eg_policy_decision *d)
{
	const struct eg_policy_settings *st = eg_policy_settings(policy);
	char hex[2 * EG_SHA256_LEN + 1], t1[32], t2[32];

	printf("%s: %s\n", path, eg_decision_name(d->decision));
	if (d->rule)
		printf("  rule:        %s:%u: %s (rule %u)\n", d->rule->file, d->rule->line,
		       d->rule->text, d->rule->id);
	else
		printf("  rule:        default %s\n", eg_policy_action_name(d->action));
	if (d->decision != EG_DECISION_ALLOW || d->reason != EG_REASON_NONE)
		printf("  reason:      %s\n", eg_reason_name(d->reason));
	eg_policy_digest_hex(policy, hex);
	printf("  policy:      %s, mode %s, sha256 %s, generation %u\n", eg_policy_file(policy, 0),
	       st->mode == EG_MODE_ENFORCE ? "enforce" : "audit", hex,
	       eg_policy_generation(policy));
	printf("  access:      %s by uid %u in cgroup %s\n",
	       ex->hook == EG_HOOK_EXEC ? "exec" : "mmap", ex->uid, cgroup ? cgroup : "(unknown)");
	printf("  file sha256: %s\n",
	       res->has_file_sha256 ? eg_sha256_hex(res->file_sha256, hex) : "(unreadable)");
	if (res->has_file_sha256)
		printf("  signed sha256: %s (the signed content: what deny lists name)\n",
		       eg_sha256_hex(res->signed_sha256, hex));
	printf("  signature:   %s%s%s\n", verify_kind_name(res->kind), res->sig_path[0] ? " " : "",
	       res->sig_path);
	if (res->provenance[0])
		printf("  provenance:  %s\n", res->provenance);
	printf("  verified:    %s%s%s\n",
	       res->valid ? "valid" : eg_reason_name(res->reason), res->detail[0] ? ": " : "",
	       res->detail);
	if (res->has_signer) {
		verify_time_text(res->signer.not_before, t1, sizeof(t1));
		verify_time_text(res->signer.not_after, t2, sizeof(t2));
		printf("  signer:      %s\n", res->signer.subject);
		printf("    issuer:    %s\n", res->signer.issuer);
		printf("    serial:    %s\n", res->signer.serial);
		printf("    valid:     %s to %s\n", t1, t2);
		printf("    sha256:    %s\n", eg_sha256_hex(res->signer.sha256, hex));
		printf("    spki:      %s\n", eg_sha256_hex(res->signer.spki_sha256, hex));
	}
	if (res->chain_len) {
		printf("  chain:       ");
		for (unsigned int i = 0; i < res->chain_len && i < EG_CHAIN_MAX; i++)
			printf("%s%s", i ? " <- " : "", res->chain_subjects[i]);
		verify_time_text(res->validation_time, t1, sizeof(t1));
		printf(" (checked at %s)\n", t1);
	}
	if (res->has_timestamp) {
		verify_time_text(res->timestamp, t1, sizeof(t1));
		printf("  timestamp:   %s by %s\n", t1, res->tsa_subject);
	} else {
		printf("  timestamp:   none\n");
	}
	printf("  revocation:  %s%s%s\n", verify_revocation_name(res->revocation),
	       res->crl_problems & EG_CRL_PROBLEM_STALE ? ", a CRL is stale" : "",
	       res->crl_problems & EG_CRL_PROBLEM_MISSING ? ", a CRL is missing" : "");
}

static int parse_args(int argc, char **argv, struct explain *ex)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "fragments", required_argument, NULL, 'f' },
		{ "hook", required_argument, NULL, 'k' },
		{ "uid", required_argument, NULL, 'u' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "sig", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	ex->policy_path = DEFAULT_POLICY;
	ex->hook = EG_HOOK_EXEC;
	ex->uid = getuid();
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ex->policy_path = optarg;
			break;
		case 'f':
			ex->fragments = optarg;
			break;
		case 'k':
			if (!strcmp(optarg, "exec"))
				ex->hook = EG_HOOK_EXEC;
			else if (!strcmp(optarg, "mmap"))
				ex->hook = EG_HOOK_MMAP;
			else {
				fprintf(stderr, "execgate explain: --hook: expected exec or mmap, "
						"not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'u': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || v >= UINT32_MAX) {
				fprintf(stderr, "execgate explain: --uid: expected a number, not "
						"'%s'\n",
					optarg);
				return -EINVAL;
			}
			ex->uid = v;
			break;
		}
		case 'c':
			ex->cgroup = optarg;
			break;
		case 's':
			ex->detached = optarg;
			break;
		case 'j':
			ex->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "execgate explain: expected one FILE (see --help)\n");
		return -EINVAL;
	}
	ex->file = argv[optind];
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	struct explain ex = { 0 };
	struct eg_policy *policy = NULL;
	struct eg_verifier *verifier = NULL;
	struct eg_verify_result res, catres;
	struct eg_policy_decision d;
	struct eg_policy_error perr;
	struct eg_policy_facts facts;
	const struct eg_policy_settings *st;
	const char **anchors = NULL, **tsa = NULL;
	char errbuf[1024], catalog[EG_FACTS_CATALOG_NAME_MAX], *path = NULL, *cgroup = NULL;
	struct eg_verify_opts vopts = { 0 };
	int status = EG_EXIT_ERROR, r;

	r = parse_args(argc, argv, &ex);
	if (r)
		return r > 0 ? EG_EXIT_OK : EG_EXIT_ERROR;
	r = eg_policy_load(ex.policy_path, ex.fragments, 0, &policy, &perr);
	if (r) {
		if (perr.line)
			fprintf(stderr, "%s:%u:%u: %s\n", perr.file, perr.line, perr.column,
				perr.message);
		else
			fprintf(stderr, "%s: %s\n", perr.file, perr.message);
		goto out;
	}
	st = eg_policy_settings(policy);
	if (!st->trust_anchors.n) {
		fprintf(stderr, "%s: the policy names no trust-anchor: nothing can verify\n",
			ex.policy_path);
		goto out;
	}
	anchors = string_array(&st->trust_anchors);
	tsa = string_array(&st->tsa_anchors);
	if (!anchors || !tsa) {
		fprintf(stderr, "execgate explain: out of memory\n");
		goto out;
	}
	{
		struct eg_verifier_opts vo = {
			.anchors = anchors,
			.tsa_anchors = tsa,
			.crl_dir = st->crl_dir,
			.crl_max_age = st->crl_max_age,
			.sig_dir = st->sig_dir,
			/* The policy's on-stale-crl / on-missing-crl decide (see facts).  As in
			 * the agent, every kind of signature is looked for and the facts drop
			 * those signature-lookup leaves out. */
			.flags = EG_VERIFY_ALLOW_CRL_STALE | EG_VERIFY_ALLOW_CRL_MISSING,
		};

		r = eg_verifier_new(&vo, &verifier, errbuf, sizeof(errbuf));
		if (r) {
			fprintf(stderr, "execgate explain: %s\n", errbuf);
			goto out;
		}
	}
	for (size_t i = 0; i < st->catalogs.n; i++) {
		r = eg_verifier_add_catalog(verifier, st->catalogs.v[i], &catres);
		if (r) {
			fprintf(stderr, "%s: %s\n", st->catalogs.v[i],
				catres.detail[0] ? catres.detail : strerror(-r));
			goto out;
		}
	}
	if (st->catalog_dir) {
		size_t skipped;

		r = eg_verifier_add_catalog_dir(verifier, st->catalog_dir, catalog_skipped, NULL,
						&skipped);
		if (r) {
			fprintf(stderr, "%s: %s\n", st->catalog_dir, strerror(-r));
			goto out;
		}
	}
	path = realpath(ex.file, NULL);
	if (!path) {
		fprintf(stderr, "%s: %s\n", ex.file, strerror(errno));
		goto out;
	}
	cgroup = ex.cgroup ? strdup(ex.cgroup) : own_cgroup();
	vopts.detached = ex.detached;
	r = eg_verify_path(verifier, path, &vopts, &res);
	if (r) {
		fprintf(stderr, "%s: %s\n", ex.file, res.detail[0] ? res.detail : strerror(-r));
		goto out;
	}
	eg_policy_facts_from_verify(&res, st, catalog, sizeof(catalog), &facts);
	facts.path = path;
	facts.hook = ex.hook;
	facts.uid = ex.uid;
	facts.cgroup = cgroup;
	eg_policy_evaluate(policy, &facts, &d);
	if (ex.json)
		r = print_json(path, &res, policy, &d);
	else
		print_text(path, &ex, cgroup, &res, policy, &d);
	if (r) {
		fprintf(stderr, "execgate explain: cannot write the output\n");
		goto out;
	}
	status = d.decision == EG_DECISION_DENY ? EG_EXIT_FINDING : EG_EXIT_OK;
out:
	free(cgroup);
	free(path);
	free(anchors);
	free(tsa);
	eg_verifier_free(verifier);
	eg_policy_free(policy);
	return status;
}
