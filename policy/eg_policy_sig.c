// SPDX-License-Identifier: GPL-2.0
/* Signed policies: a detached DER CMS over the policy's canonical bytes (the bytes that
 * were parsed), by a certificate carrying execgate's policy-signing EKU and not code
 * signing, so that whoever signs programs cannot also sign the rules that judge them.
 * Verified by the verification library, as a program's signature is (chain, timestamp,
 * CRLs, algorithms), with the policy-signing usage asked for. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "eg_policy_internal.h"
#include "eg_names.h"
#include "eg_verify.h"

/* A policy signature is small; anything larger is not one. */
#define MAX_SIG_SIZE (1u << 20)

static int say(char *msg, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write the message, with the OpenSSL error queue's last entry when there is one. */
static int say(char *msg, size_t len, int ret, const char *fmt, ...)
{
	unsigned long e, last = 0;
	va_list ap;
	size_t used;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()))
		last = e;
	used = strlen(msg);
	if (last && used + 3 < len) {
		snprintf(msg + used, len - used, " (");
		ERR_error_string_n(last, msg + used + 2, len - used - 2);
		used = strlen(msg);
		if (used + 1 < len)
			snprintf(msg + used, len - used, ")");
	}
	return ret;
}

/* The signature file: a regular file of at most MAX_SIG_SIZE bytes. */
static int read_sig(const char *path, unsigned char **ret, size_t *ret_len, char *msg, size_t len)
{
	unsigned char *buf = NULL;
	struct stat st;
	FILE *f;
	size_t n;
	int r;

	if (stat(path, &st) < 0)
		return say(msg, len, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_SIG_SIZE)
		return say(msg, len, -EBADMSG, "%s: not a signature (not a regular file of at most "
					       "%u bytes)",
			   path, MAX_SIG_SIZE);
	f = fopen(path, "rbe");
	if (!f)
		return say(msg, len, -errno, "%s: %s", path, strerror(errno));
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = say(msg, len, -ENOMEM, "out of memory");
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || n > (size_t)st.st_size) {
		r = say(msg, len, -EIO, "%s: cannot read (or it grew while read)", path);
		goto out;
	}
	*ret = buf;
	*ret_len = n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	fclose(f);
	return r;
}

/* The library's verdict on a policy signature in the words of a policy check. */
static int verdict(const struct eg_verify_result *res, const char *sig_path, const char *trust_pem,
		   char *msg, size_t len)
{
	switch (res->reason) {
	case EG_REASON_NONE:
		return 0;
	case EG_REASON_MALFORMED:
		return say(msg, len, -EBADMSG,
			   "%s: not a CMS signature of a policy (detached "
			   "SignedData, one signer): %s",
			   sig_path, res->detail);
	case EG_REASON_BAD_SIGNATURE:
		return say(msg, len, -EBADMSG, "%s: the signature does not match the policy (%s)",
			   sig_path, res->detail);
	case EG_REASON_UNTRUSTED_CHAIN:
	case EG_REASON_EXPIRED:
	case EG_REASON_NOT_YET_VALID:
		return say(msg, len, -EBADMSG,
			   "%s: the signer's certificate does not chain to %s: "
			   "%s (%s)",
			   sig_path, trust_pem, res->detail, eg_reason_name(res->reason));
	default:
		return say(msg, len, -EBADMSG, "%s: %s (%s)", sig_path, res->detail,
			   eg_reason_name(res->reason));
	}
}

int eg_policy_verify_signature(const struct eg_policy *policy, const char *sig_path,
			       const struct eg_policy_sig_trust *trust, char *msg, size_t msg_len)
{
	const char *anchors[] = {trust->anchors, NULL};
	struct eg_verifier_opts opts = {
		.anchors = anchors,
		.tsa_anchors = trust->tsa_anchors,
		.crl_dir = trust->crl_dir,
		/* A stale or missing CRL does not refuse a policy: the operator must be able
		 * to load the policy that fixes it.  A revoked signer is always refused. */
		.flags = EG_VERIFY_ALLOW_CRL_STALE | EG_VERIFY_ALLOW_CRL_MISSING,
	};
	struct eg_verifier *v = NULL;
	struct eg_verify_result res;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int r;

	msg[0] = '\0';
	r = read_sig(sig_path, &sig, &siglen, msg, msg_len);
	if (r)
		return r;
	r = eg_verifier_new(&opts, &v, msg, msg_len);
	if (r)
		goto out;
	r = eg_verify_detached_mem(v, sig, siglen, policy->canon, policy->canon_len,
				   EG_USAGE_POLICY, NULL, &res);
	if (r)
		say(msg, msg_len, r, "%s: %s", sig_path, res.detail);
	else
		r = verdict(&res, sig_path, trust->anchors, msg, msg_len);
out:
	eg_verifier_free(v);
	free(sig);
	return r;
}
