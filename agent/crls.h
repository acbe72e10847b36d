/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_CRLS_H
#define EXECGATE_AGENT_CRLS_H

#include <stdint.h>

#include <jansson.h>

/* The CRLs of the directory the verifier reads, as an operator watches them: for
 * `execgate status`, the metrics and the warning before one goes stale.  An array of
 * {file, issuer, this_update, next_update (null: none), stale_at (when it turns stale by
 * the verifier's rule), age_seconds, stale, expiring}:
 * stale by the verifier's rule (past nextUpdate, without one, or older than MAX_AGE when
 * MAX_AGE > 0), expiring when it turns stale within WARN_WINDOW seconds.  Files that are
 * not CRLs are left out, as the verifier leaves them out.  NULL when DIR cannot be read
 * (ERRNO says why). */
json_t *eg_crls_list(const char *dir, int64_t max_age, int64_t warn_window, int64_t now);

#endif
