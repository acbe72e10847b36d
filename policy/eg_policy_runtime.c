// SPDX-License-Identifier: GPL-2.0
/* One way to make a policy ready to decide, for the agent and `execgate policy check`
 * alike: see eg_policy_runtime.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eg_policy_runtime.h"

void eg_runtime_policy_error(const struct eg_policy_error *err, int r, char *errbuf, size_t errlen)
{
	if (err->line)
		snprintf(errbuf, errlen, "%s:%u:%u: %s", err->file, err->line, err->column,
			 err->message);
	else
		snprintf(errbuf, errlen, "%s: %s", err->file[0] ? err->file : "policy",
			 err->message[0] ? err->message : strerror(-r));
}

/* NULL-terminated copy of a settings list (the verifier takes arrays). */
static const char **list_of(const struct eg_policy_strings *s)
{
	const char **v = calloc(s->n + 1, sizeof(*v));

	for (size_t i = 0; v && i < s->n; i++)
		v[i] = s->v[i];
	return v;
}

/* A policy with require-signed-policy binds itself and every replacement: the signature
 * must be a detached one by a policy-signing certificate (never a code-signing one)
 * chaining to that setting's anchors, not revoked.  Revocation and timestamps are judged
 * with the command line's CRL directory and TSA anchors, else the running policy's (a
 * replacement does not choose what judges its own signature), else the policy's own
 * (eg_runtime_config). */
int eg_runtime_check_signature(const struct eg_policy *policy, const char *path,
			       const char *sig_path, const struct eg_runtime_config *config,
			       char *errbuf, size_t errlen)
{
	const struct eg_policy_settings *settings = eg_policy_settings(policy);
	const char *trust =
		config->require_signed ? config->require_signed : settings->require_signed_policy;
	struct eg_policy_sig_trust st = {.anchors = trust};
	const char **own_tsa = NULL;
	char *sig = NULL, msg[1024] = "";
	int err;

	if (!trust)
		return 0;
	if (!sig_path) {
		if (asprintf(&sig, "%s.sig", path) < 0)
			return -ENOMEM;
		sig_path = sig;
	}
	own_tsa = list_of(&settings->tsa_anchors);
	if (!own_tsa) {
		free(sig);
		return -ENOMEM;
	}
	/* The replacement's own CRL directory only adds checking where the running policy
	 * has none; its own TSA anchors could vouch for a backdated signature. */
	st.crl_dir = config->crl_dir				      ? config->crl_dir
		     : config->running_set && config->running_crl_dir ? config->running_crl_dir
								      : settings->crl_dir;
	st.tsa_anchors = config->tsa_anchors   ? config->tsa_anchors
			 : config->running_set ? config->running_tsa_anchors
					       : own_tsa;
	err = eg_policy_verify_signature(policy, sig_path, &st, msg, sizeof(msg));
	if (err) {
		snprintf(errbuf, errlen, "%s: a signed policy is required (%s): %s", path, sig_path,
			 msg[0] ? msg : strerror(-err));
		/* Missing or refused: the policy is not acceptable as it stands. */
		if (err == -EBADMSG || err == -ENOENT)
			err = -EPERM;
	}
	free(own_tsa);
	free(sig);
	return err;
}

int eg_runtime_build(struct eg_policy *policy, const char *path, const char *sig_path,
		     const struct eg_runtime_config *config, struct eg_runtime *ret, char *errbuf,
		     size_t errlen)
{
	const struct eg_policy_settings *settings = eg_policy_settings(policy);
	struct eg_verifier_opts opts = {.flags = 0};
	const char **anchors = NULL, **tsa = NULL;
	int err;

	memset(ret, 0, sizeof(*ret));
	ret->policy = policy;
	if (path) {
		err = eg_runtime_check_signature(policy, path, sig_path, config, errbuf, errlen);
		if (err)
			goto fail;
	}
	anchors = list_of(&settings->trust_anchors);
	tsa = list_of(&settings->tsa_anchors);
	if (!anchors || !tsa) {
		err = -ENOMEM;
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	opts.anchors = config->anchors ? config->anchors : anchors;
	opts.tsa_anchors = config->tsa_anchors ? config->tsa_anchors : tsa;
	opts.crl_dir = config->crl_dir ? config->crl_dir : settings->crl_dir;
	opts.crl_max_age = settings->crl_max_age;
	opts.sig_dir = settings->sig_dir;
	opts.deny_list = config->deny_list;
	/* Stale and missing CRLs are the policy's to decide (on-stale-crl, on-missing-crl),
	 * so verification reports them without failing on them. */
	opts.flags = EG_VERIFY_ALLOW_CRL_STALE | EG_VERIFY_ALLOW_CRL_MISSING;
	err = eg_verifier_new(&opts, &ret->verifier, errbuf, errlen);
	if (err)
		goto fail;
	for (size_t i = 0; i < settings->catalogs.n; i++) {
		struct eg_verify_result res;

		err = eg_verifier_add_catalog(ret->verifier, settings->catalogs.v[i], &res);
		if (err) {
			snprintf(errbuf, errlen, "catalog %s: %s", settings->catalogs.v[i],
				 res.detail[0] ? res.detail : strerror(-err));
			goto fail;
		}
	}
	if (settings->catalog_dir) {
		size_t skipped;

		err = eg_verifier_add_catalog_dir(ret->verifier, settings->catalog_dir,
						  config->catalog_skipped,
						  config->catalog_skipped_ctx, &skipped);
		if (err) {
			snprintf(errbuf, errlen, "catalog-dir %s: %s", settings->catalog_dir,
				 strerror(-err));
			goto fail;
		}
	}
	ret->mode = !config->mode		       ? settings->mode
		    : !strcmp(config->mode, "enforce") ? EG_MODE_ENFORCE
						       : EG_MODE_AUDIT;
	eg_policy_digest_hex(policy, ret->digest);
	free(anchors);
	free(tsa);
	return 0;
fail:
	free(anchors);
	free(tsa);
	eg_runtime_clear(ret);
	return err;
}

int eg_runtime_load(const char *path, const char *fragment_dir, const char *sig_path,
		    uint32_t prev_generation, const struct eg_runtime_config *config,
		    struct eg_runtime *ret, char *errbuf, size_t errlen)
{
	struct eg_policy_error perr = {.line = 0};
	struct eg_policy *policy = NULL;
	int err = eg_policy_load(path, fragment_dir, prev_generation, &policy, &perr);

	memset(ret, 0, sizeof(*ret));
	if (err) {
		eg_runtime_policy_error(&perr, err, errbuf, errlen);
		return err;
	}
	return eg_runtime_build(policy, path, sig_path, config, ret, errbuf, errlen);
}

void eg_runtime_clear(struct eg_runtime *runtime)
{
	eg_verifier_free(runtime->verifier);
	eg_policy_free(runtime->policy);
	memset(runtime, 0, sizeof(*runtime));
}
