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
#include "eg_policy_runtime.h"
#include "eg_sign.h"
#include "lifecycle.h"
#include "sign_opts.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: execgate policy check [--syntax-only] [--require-signed [--trust PEM]]\n"
		"                             [--fragments DIR] [--json] POLICY...\n"
		"       execgate policy sign --key KEY --cert CERT [--chain PEM] [--tsa-url URL]\n"
		"                            [--digest sha256|sha384] [--fragments DIR] POLICY\n\n"
		"check   load each POLICY with its fragments (POLICY.d/*.policy, or DIR) the way\n"
		"        execgated does, through the same code: parse it, check its signature "
		"when\n"
		"        it has require-signed-policy, and read the trust anchors, TSA anchors, "
		"CRL\n"
		"        directory, deny list and catalogs it names, so a policy the agent would\n"
		"        refuse fails here with the message the agent would give. Prints its rule\n"
		"        count and SHA-256 digest, or the first error (FILE:LINE:COLUMN: what was\n"
		"        expected, for an error in the text).\n"
		"        --syntax-only     only parse: for a policy written for another machine,\n"
		"                          whose files are not here\n"
		"        --require-signed  also require POLICY.sig, a detached CMS signature over\n"
		"                          the policy by a certificate chaining to the anchors in\n"
		"                          --trust PEM (default: the policy's own\n"
		"                          require-signed-policy) with the policy-signing EKU\n"
		"                          " EG_POLICY_SIGNING_EKU " and not code signing,\n"
		"                          checked as a program's signature is: against the\n"
		"                          TSA anchors and the CRL directory in effect (a\n"
		"                          revoked signer is refused).\n"
		"        --json            one JSON object per POLICY, one per line: policy, ok,\n"
		"                          error, checked (full or syntax), mode, rules, signers,\n"
		"                          files, default, sha256, signature (valid or null)\n"
		"sign    write POLICY.sig (DER CMS, detached) over POLICY and its fragments with "
		"the\n"
		"        key KEY and the PEM certificate CERT, which must carry the "
		"policy-signing\n"
		"        EKU and not code signing. The policy must parse. KEY is a PEM private "
		"key\n"
		"        file or a PKCS#11 URI (pkcs11:token=...;object=...;type=private), as for\n"
		"        execgate sign: the PIN comes from the URI's pin-value or from\n"
		"        $EXECGATE_PKCS11_PIN. Certificates after the first in CERT, and those of\n"
		"        --chain PEM, are carried in the signature; --tsa-url URL timestamps it "
		"at\n"
		"        an RFC 3161 TSA; --digest picks sha256 (default) or sha384.\n\n"
		"The language is described in execgate.policy(5).\n"
		"Exit status: 0 every policy is fine; 1 a policy has an error, names a file the\n"
		"agent cannot use, or its signature is refused; 2 usage or operational error (a\n"
		"policy or fragment that cannot be read).\n");
}

static void print_error(const char *cmd, const struct eg_policy_error *err)
{
	char msg[1024];

	eg_runtime_policy_error(err, -EINVAL, msg, sizeof(msg));
	fprintf(stderr, "%s\n", err->file[0] || err->line ? msg : cmd);
}

/* Load POLICY; an error in its content is a finding (1), anything else an operational
 * error (2).  MSG (when not NULL) receives the message instead of standard error. */
static int load(const char *path, const char *fragments, struct eg_policy **ret, char *msg,
		size_t len)
{
	struct eg_policy_error err;
	int r = eg_policy_load(path, fragments, 0, ret, &err);

	if (!r)
		return EG_EXIT_OK;
	if (msg)
		eg_runtime_policy_error(&err, r, msg, len);
	else
		print_error("execgate policy", &err);
	return r == -EBADMSG ? EG_EXIT_FINDING : EG_EXIT_ERROR;
}

struct check_opts {
	const char *trust, *fragments;
	bool require_signed, syntax_only, json;
};

/* Check one policy; returns its exit status and prints its line (or error). */
static int check_one(const struct check_opts *o, const char *path)
{
	struct eg_runtime_config config = { .mode = NULL };
	struct eg_runtime rt = { .policy = NULL };
	struct eg_policy *policy = NULL;
	char msg[2048] = "", hex[2 * EG_SHA256_LEN + 1];
	const char *anchors;
	bool signature = false;
	int status, r;

	status = load(path, o->fragments, &policy, msg, sizeof(msg));
	if (status)
		goto out;
	anchors = o->trust ? o->trust : eg_policy_settings(policy)->require_signed_policy;
	if (o->require_signed && !anchors) {
		snprintf(msg, sizeof(msg), "%s: --require-signed needs --trust PEM (the policy has "
			 "no require-signed-policy setting)", path);
		status = EG_EXIT_ERROR;
		goto out;
	}
	signature = anchors && (o->require_signed || !o->syntax_only);
	if (o->require_signed)
		config.require_signed = anchors;
	if (o->syntax_only) {
		/* The loader's signature check, without reading the files the policy names. */
		r = o->require_signed ? eg_runtime_check_signature(policy, path, NULL, &config, msg,
								   sizeof(msg))
				      : 0;
		if (r)
			status = r == -ENOMEM ? EG_EXIT_ERROR : EG_EXIT_FINDING;
		goto out;
	}
	/* Ownership of the policy moves to the loader, also on failure. */
	r = eg_runtime_build(policy, path, NULL, &config, &rt, msg, sizeof(msg));
	policy = NULL;
	if (r)
		status = r == -ENOMEM ? EG_EXIT_ERROR : EG_EXIT_FINDING;
out:
	if (!status) {
		const struct eg_policy *p = rt.policy ? rt.policy : policy;
		const struct eg_policy_settings *st = eg_policy_settings(p);

		eg_policy_digest_hex(p, hex);
		if (o->json) {
			r = lc_json_print(json_pack(
				"{s:s, s:b, s:n, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:o}", "policy",
				path, "ok", 1, "error", "checked", o->syntax_only ? "syntax" : "full",
				"mode", st->mode == EG_MODE_ENFORCE ? "enforce" : "audit", "rules",
				(json_int_t)eg_policy_rule_count(p), "signers",
				(json_int_t)eg_policy_signer_count(p), "files",
				(json_int_t)eg_policy_file_count(p), "default",
				eg_policy_action_name(eg_policy_default_action(p)), "sha256", hex,
				"signature", signature ? json_string("valid") : json_null()));
			if (r)
				status = EG_EXIT_ERROR;
		} else {
			printf("%s: ok, mode %s, %zu rules, %zu signers, %zu files, default %s, "
			       "sha256 %s%s%s\n",
			       path, st->mode == EG_MODE_ENFORCE ? "enforce" : "audit",
			       eg_policy_rule_count(p), eg_policy_signer_count(p),
			       eg_policy_file_count(p),
			       eg_policy_action_name(eg_policy_default_action(p)), hex,
			       signature ? ", signature valid" : "",
			       o->syntax_only ? ", syntax only" : "");
		}
	} else if (o->json) {
		lc_json_print(json_pack("{s:s, s:b, s:s, s:s}", "policy", path, "ok", 0, "error",
					msg, "checked", o->syntax_only ? "syntax" : "full"));
	} else {
		fprintf(stderr, "%s\n", msg);
	}
	eg_policy_free(policy);
	eg_runtime_clear(&rt);
	return status;
}

static int check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "require-signed", no_argument, NULL, 's' },
		{ "trust", required_argument, NULL, 't' },
		{ "fragments", required_argument, NULL, 'f' },
		{ "syntax-only", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check_opts o = { .trust = NULL };
	int status = EG_EXIT_OK, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.require_signed = true;
			break;
		case 't':
			o.trust = optarg;
			break;
		case 'f':
			o.fragments = optarg;
			break;
		case 'S':
			o.syntax_only = true;
			break;
		case 'j':
			o.json = true;
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
	if (o.trust && !o.require_signed) {
		fprintf(stderr, "execgate policy check: --trust only makes sense with "
				"--require-signed\n");
		return EG_EXIT_ERROR;
	}
	if (o.fragments && argc - optind > 1) {
		fprintf(stderr, "execgate policy check: --fragments applies to one POLICY only\n");
		return EG_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		int s = check_one(&o, argv[i]);

		if (s && status != EG_EXIT_ERROR)
			status = s;
	}
	return status;
}

static int sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		SIGN_LONGOPTS,
		{"fragments", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *fragments = NULL;
	struct eg_signer *signer = NULL;
	struct eg_policy *policy = NULL;
	struct eg_sign_opts opts;
	const unsigned char *canon;
	char msg[1024], *sig = NULL;
	size_t canon_len;
	int status, c, r;

	sign_opts_init(&opts);
	opts.usage = EG_USAGE_POLICY;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (sign_opts_take(&opts, c, optarg))
			continue;
		switch (c) {
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
	if (!opts.key || !opts.cert || argc - optind != 1) {
		fprintf(stderr, "execgate policy sign: needs --key KEY --cert CERT and one POLICY\n");
		return EG_EXIT_ERROR;
	}
	if (sign_opts_check_digest(&opts, "execgate policy sign"))
		return EG_EXIT_ERROR;
	/* Certificates after the first in CERT are its intermediates, carried along. */
	if (!opts.chain)
		opts.chain = opts.cert;
	status = load(argv[optind], fragments, &policy, NULL, 0);
	if (status)
		return status;
	if (asprintf(&sig, "%s.sig", argv[optind]) < 0) {
		sig = NULL;
		status = EG_EXIT_ERROR;
		goto out;
	}
	r = eg_signer_new(&opts, &signer, msg, sizeof(msg));
	if (!r) {
		canon = eg_policy_canonical(policy, &canon_len);
		r = eg_sign_detached_mem(signer, canon, canon_len, sig);
		if (r)
			snprintf(msg, sizeof(msg), "%s", eg_signer_error(signer));
	}
	if (r) {
		fprintf(stderr, "execgate policy sign: %s\n", msg);
		status = EG_EXIT_ERROR;
		goto out;
	}
	printf("%s: signed %s\n", sig, argv[optind]);
out:
	eg_signer_free(signer);
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
