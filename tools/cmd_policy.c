// SPDX-License-Identifier: GPL-2.0
/* execgate policy check|sign: validate policies (and their signatures) the way the agent
 * will when it loads them, and sign a policy with a policy-signing certificate. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "eg_policy.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: execgate policy check [--require-signed [--trust PEM]] [--fragments DIR]\n"
		"                             POLICY...\n"
		"       execgate policy sign --key KEY --cert CERT [--fragments DIR] POLICY\n\n"
		"check   parse each POLICY with its fragments (POLICY.d/*.policy, or DIR) exactly\n"
		"        as execgated does and print its rule count and SHA-256 digest, or the\n"
		"        first error as FILE:LINE:COLUMN: what was expected.\n"
		"        --require-signed  also require POLICY.sig, a detached CMS signature over\n"
		"                          the policy by a certificate chaining to the anchors in\n"
		"                          --trust PEM (default: the policy's own\n"
		"                          require-signed-policy) with the policy-signing EKU\n"
		"                          " EG_POLICY_SIGNING_EKU " and not code signing.\n"
		"sign    write POLICY.sig (DER CMS, detached) over POLICY and its fragments with the\n"
		"        PEM private key KEY and the PEM certificate CERT, which must carry the\n"
		"        policy-signing EKU. The policy must parse.\n\n"
		"The language is described in execgate.policy(5).\n"
		"Exit status: 0 every policy is fine; 1 a policy has an error or its signature is\n"
		"refused; 2 usage or operational error (unreadable file, unreadable trust).\n");
}

static void print_error(const char *cmd, const struct eg_policy_error *err)
{
	if (err->line)
		fprintf(stderr, "%s:%u:%u: %s\n", err->file, err->line, err->column,
			err->message);
	else
		fprintf(stderr, "%s: %s\n", err->file[0] ? err->file : cmd, err->message);
}

/* Load POLICY; an error in its content is a finding (1), anything else an operational
 * error (2). */
static int load(const char *path, const char *fragments, struct eg_policy **ret)
{
	struct eg_policy_error err;
	int r = eg_policy_load(path, fragments, 0, ret, &err);

	if (!r)
		return EG_EXIT_OK;
	print_error("execgate policy", &err);
	return r == -EBADMSG ? EG_EXIT_FINDING : EG_EXIT_ERROR;
}

static int check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "require-signed", no_argument, NULL, 's' },
		{ "trust", required_argument, NULL, 't' },
		{ "fragments", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *trust = NULL, *fragments = NULL;
	bool require_signed = false;
	int status = EG_EXIT_OK, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			require_signed = true;
			break;
		case 't':
			trust = optarg;
			break;
		case 'f':
			fragments = optarg;
			break;
		case 'h':
			usage(stdout);
			return EG_EXIT_OK;
		default:
			usage(stderr);
			return EG_EXIT_ERROR;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "execgate policy check: no POLICY given\n");
		return EG_EXIT_ERROR;
	}
	if (trust && !require_signed) {
		fprintf(stderr, "execgate policy check: --trust only makes sense with "
				"--require-signed\n");
		return EG_EXIT_ERROR;
	}
	if (fragments && argc - optind > 1) {
		fprintf(stderr, "execgate policy check: --fragments applies to one POLICY only\n");
		return EG_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		struct eg_policy *policy = NULL;
		char hex[2 * EG_SHA256_LEN + 1], msg[1024], *sig = NULL;
		const char *anchors;
		int s = load(argv[i], fragments, &policy), r;

		if (s) {
			status = status == EG_EXIT_ERROR ? status : s;
			continue;
		}
		anchors = trust ? trust : eg_policy_settings(policy)->require_signed_policy;
		if (require_signed && !anchors) {
			fprintf(stderr, "%s: --require-signed needs --trust PEM (the policy has no "
					"require-signed-policy setting)\n",
				argv[i]);
			status = EG_EXIT_ERROR;
			goto next;
		}
		if (require_signed) {
			if (asprintf(&sig, "%s.sig", argv[i]) < 0) {
				sig = NULL;
				status = EG_EXIT_ERROR;
				goto next;
			}
			/* A missing signature is a refused policy, not an operational error. */
			if (access(sig, F_OK) < 0 && errno == ENOENT) {
				fprintf(stderr, "%s: signature refused: %s does not exist\n",
					argv[i], sig);
				if (status == EG_EXIT_OK)
					status = EG_EXIT_FINDING;
				goto next;
			}
			r = eg_policy_verify_signature(policy, sig, anchors, msg, sizeof(msg));
			if (r) {
				fprintf(stderr, "%s: signature refused: %s\n", argv[i], msg);
				if (r != -EBADMSG)
					status = EG_EXIT_ERROR;
				else if (status == EG_EXIT_OK)
					status = EG_EXIT_FINDING;
				goto next;
			}
		}
		eg_policy_digest_hex(policy, hex);
		printf("%s: ok, mode %s, %zu rules, %zu signers, %zu files, default %s, sha256 %s%s\n",
		       argv[i],
		       eg_policy_settings(policy)->mode == EG_MODE_ENFORCE ? "enforce" : "audit",
		       eg_policy_rule_count(policy), eg_policy_signer_count(policy),
		       eg_policy_file_count(policy),
		       eg_policy_action_name(eg_policy_default_action(policy)), hex,
		       require_signed ? ", signature valid" : "");
next:
		free(sig);
		eg_policy_free(policy);
	}
	return status;
}

static int sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "fragments", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *key = NULL, *cert = NULL, *fragments = NULL;
	struct eg_policy *policy = NULL;
	char msg[1024], *sig = NULL;
	int status, c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'f':
			fragments = optarg;
			break;
		case 'h':
			usage(stdout);
			return EG_EXIT_OK;
		default:
			usage(stderr);
			return EG_EXIT_ERROR;
		}
	}
	if (!key || !cert || argc - optind != 1) {
		fprintf(stderr, "execgate policy sign: needs --key KEY --cert CERT and one POLICY\n");
		return EG_EXIT_ERROR;
	}
	status = load(argv[optind], fragments, &policy);
	if (status)
		return status;
	if (asprintf(&sig, "%s.sig", argv[optind]) < 0) {
		sig = NULL;
		status = EG_EXIT_ERROR;
		goto out;
	}
	r = eg_policy_sign(policy, key, cert, sig, msg, sizeof(msg));
	if (r) {
		fprintf(stderr, "execgate policy sign: %s\n", msg);
		status = EG_EXIT_ERROR;
		goto out;
	}
	printf("%s: signed %s\n", sig, argv[optind]);
out:
	free(sig);
	eg_policy_free(policy);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EG_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EG_EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sign"))
		return sign(argc - 1, argv + 1);
	fprintf(stderr, "execgate policy: unknown command '%s' (check or sign)\n", argv[1]);
	return EG_EXIT_ERROR;
}
