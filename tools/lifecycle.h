/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_LIFECYCLE_H
#define EXECGATE_TOOLS_LIFECYCLE_H

/* What execgate inventory, drill and crl share: where the trust comes from (a policy, or
 * --trust/--tsa-trust/--crl-dir), a verifier built from it, a walk over the files of
 * some directories, and time in and out.  Functions print their errors to stderr,
 * prefixed with the command's name, and return 0 or a negative errno. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "eg_policy.h"
#include "eg_verify.h"

#define LC_MAX_PEMS 64
#define LC_MAX_PATHS 256

struct lc_trust {
	const char *cmd;                         /* "execgate drill", for messages */
	const char *policy_path;                 /* --policy, or NULL */
	const char *anchors[LC_MAX_PEMS + 1];    /* NULL-terminated */
	const char *tsa_anchors[LC_MAX_PEMS + 1];
	size_t nanchors, ntsa;
	const char *crl_dir;
	int64_t crl_max_age;
	const char *sig_dir;
	const char *const *catalogs;             /* the policy's, NULL-terminated, or NULL */
	struct eg_policy *policy;
	const char **catalog_buf;
};

/* Record one --trust (TSA false) or --tsa-trust (TSA true) option; -E2BIG past the bound. */
int lc_trust_add(struct lc_trust *t, const char *pem, bool tsa);

/* The files a command walks: its --paths options, then its arguments. */
struct lc_paths {
	const char *items[LC_MAX_PATHS];
	size_t n;
};

/* Record one path; -E2BIG past the bound (said on stderr, prefixed with CMD). */
int lc_paths_add(const char *cmd, struct lc_paths *paths, const char *path);
/* Take the getopt result C with its ARG when it is an option drill and inventory share:
 * 'p' --policy, 't' --trust, 'T' --tsa-trust, 'c' --crl-dir, 'P' --paths.  1: taken;
 * 0: not one of them; negative errno: a bad value (said on stderr). */
int lc_take_option(int c, const char *arg, struct lc_trust *t, struct lc_paths *paths);
/* With --policy: load it and take anchors, TSA anchors, CRL directory and age, signature
 * directory and catalogs from it (options given besides it are an error, checked here). */
int lc_trust_load(struct lc_trust *t);
void lc_trust_free(struct lc_trust *t);
/* Is the certificate with fingerprint SHA256 among T's trust anchors?  -errno when an
 * anchor file cannot be read. */
int lc_is_anchor(const struct lc_trust *t, const unsigned char sha256[EG_SHA256_LEN]);
/* A verifier for T with FLAGS (EG_VERIFY_*), the policy's catalogs added. */
int lc_verifier_new(const struct lc_trust *t, unsigned int flags, struct eg_verifier **ret);

/* Verify with V every regular file under the directories (or files) PATHS, in a stable
 * order, by absolute path, not following symbolic links; detached signatures (*.sig) are
 * not files of their own.  FN gets each file's result and returns 0 to go on or a negative
 * errno to stop the walk with it.  *RET_CHECKED counts the files verified or tried.
 * Entries that cannot be read or verified (the walk says why) are counted in *RET_UNREAD
 * and the walk goes on: one unreadable file does not hide the rest.  A path in PATHS that
 * does not exist is an error. */
typedef int (*lc_file_fn)(const char *path, const struct eg_verify_result *res, void *arg);
int lc_walk(const char *cmd, const char *const *paths, size_t n, struct eg_verifier *v,
	    lc_file_fn fn, void *arg, size_t *ret_checked, size_t *ret_unread);

/* "now", YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC); -EINVAL otherwise. */
int lc_parse_time(const char *s, int64_t *ret);
/* N with an optional unit s, m, h, d or w, in seconds; -EINVAL otherwise. */
int lc_parse_duration(const char *s, int64_t *ret);
/* RFC 3339 UTC into BUF (at least 32 bytes); returns BUF. */
const char *lc_time_str(int64_t t, char *buf, size_t len);
json_t *lc_json_time(int64_t t);
/* Whole days from NOW to T, rounded towards minus infinity (negative: T is past). */
int64_t lc_days_left(int64_t t, int64_t now);

/* Print JSON value O on stdout, one line; steals O (NULL: -ENOMEM).  verify and explain
 * print their --json through it too. */
int lc_json_print(json_t *o);

#endif
