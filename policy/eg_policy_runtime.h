/* SPDX-License-Identifier: GPL-2.0 */
/* A policy made ready to decide: the parsed policy, its signature checked when one is
 * required, and the verifier built from its settings (anchors, TSA anchors, CRL directory,
 * signature directory, deny list, catalogs).  execgated loads every policy through
 * eg_runtime_load() and `execgate policy check` does the same, so a check fails exactly
 * where the agent would, with the same message.  Nothing here logs or exits. */
#ifndef EXECGATE_EG_POLICY_RUNTIME_H
#define EXECGATE_EG_POLICY_RUNTIME_H

#include "eg_policy.h"
#include "eg_verify.h"

/* What the agent's command line says besides the policy: each non-NULL field overrides
 * the policy's setting. */
struct eg_runtime_config {
	const char *mode;		/* "enforce", "audit" or NULL (the policy's) */
	const char *const *anchors;	/* NULL-terminated; NULL: the policy's */
	const char *const *tsa_anchors; /* NULL-terminated; NULL: the policy's */
	const char *crl_dir;		/* NULL: the policy's */
	const char *deny_list;		/* NULL: none */
	/* The running policy's require-signed-policy: it binds every replacement, so one
	 * cannot drop the requirement unsigned.  NULL: the new policy's own setting. */
	const char *require_signed;
	/* When RUNNING_SET, a replacement's signature is judged with the running policy's
	 * TSA anchors (NULL: none) and CRL directory (NULL: the replacement's own, which can
	 * only add checking), never with TSA anchors the replacement names; otherwise (the
	 * first policy, a check) with the policy's own.  crl_dir and tsa_anchors above win
	 * over both. */
	bool running_set;
	const char *running_crl_dir;
	const char *const *running_tsa_anchors;
	/* Told of each catalog of the policy's catalog-dir that cannot be used (its files stay
	 * untrusted, the others load): the caller says so.  NULL: nobody is told. */
	void (*catalog_skipped)(void *ctx, const char *path, const char *why);
	void *catalog_skipped_ctx;
};

struct eg_runtime {
	struct eg_policy *policy;
	struct eg_verifier *verifier;
	enum eg_mode mode; /* the policy's, or the config's */
	char digest[2 * EG_SHA256_LEN + 1];
};

/* Load the policy at PATH (fragments from FRAGMENT_DIR, or PATH.d) as generation
 * PREV_GENERATION + 1 and make it ready.  SIG_PATH is the detached signature checked when
 * a signature is required (NULL: PATH.sig).  Returns 0; -EBADMSG for an error in the
 * policy's text, or -EPERM for a required signature that is missing or refused; another
 * negative errno when a file the policy names (or the policy itself) cannot be used.
 * ERRBUF then holds the message, "FILE:LINE:COLUMN: what" for an error in the text. */
int eg_runtime_load(const char *path, const char *fragment_dir, const char *sig_path,
		    uint32_t prev_generation, const struct eg_runtime_config *config,
		    struct eg_runtime *ret, char *errbuf, size_t errlen);

/* The same for a policy already parsed (ownership of POLICY moves in, also on failure).
 * PATH: where it came from, for the signature check (NULL: none is checked). */
int eg_runtime_build(struct eg_policy *policy, const char *path, const char *sig_path,
		     const struct eg_runtime_config *config, struct eg_runtime *ret, char *errbuf,
		     size_t errlen);

/* The signature check of the loader alone: when CONFIG->require_signed (else the policy's
 * own require-signed-policy) names trust, SIG_PATH (NULL: PATH.sig) must sign POLICY,
 * its signer not revoked in the CRL directory CONFIG says (eg_runtime_config).  0, or
 * -EPERM (missing or refused), or another negative errno, with ERRBUF filled. */
int eg_runtime_check_signature(const struct eg_policy *policy, const char *path,
			       const char *sig_path, const struct eg_runtime_config *config,
			       char *errbuf, size_t errlen);

/* ERR as the message the agent and the tools print: "FILE:LINE:COLUMN: message". */
void eg_runtime_policy_error(const struct eg_policy_error *err, int r, char *errbuf, size_t errlen);

/* Free what RUNTIME holds and zero it; accepts an empty one. */
void eg_runtime_clear(struct eg_runtime *runtime);

#endif
