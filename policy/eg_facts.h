/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_FACTS_H
#define EXECGATE_EG_FACTS_H

/*
 * From a verification result to the facts the policy's evaluator decides on: the one
 * translation both execgated and `execgate explain` use, so that explain predicts the
 * agent.  The evaluator never sees verification internals (eg_policy.h); this is the only
 * place that knows both sides.  Nothing here prints or exits.
 */

#include <limits.h>
#include <stddef.h>

#include "eg_policy.h"
#include "eg_verify.h"

/* Enough for any catalog name: a file name's length, NUL included. */
#define EG_FACTS_CATALOG_NAME_MAX (NAME_MAX + 1)

/*
 * Fill RET with what RES says about the file, judged under the policy's SETTINGS; the
 * facts about the access (path, hook, uid, cgroup) are left zero for the caller.  Strings
 * in RET point into RES and into CATALOG_BUF (CATALOG_LEN bytes, which receives the name a
 * "catalog" matcher sees: eg_policy_catalog_name()); both must outlive RET.
 *
 *  - A signature of a kind the policy's signature-lookup leaves out counts as none: reason
 *    no_signature and no signer, catalog or signing time.  Verification stops at the first
 *    signature it finds, so the kinds after it are not looked at either.
 *  - A result that is invalid without a reason (an operational error) is unverified, never
 *    verified.
 *  - The signing time is a verified RFC 3161 timestamp's, whatever else failed: a rule
 *    that names an outcome sees it, the others only for a verified file.
 *  - A revoked certificate is revoked whatever the CRL settings say: no stale or missing
 *    CRL is left for on-stale-crl / on-missing-crl to soften.
 */
void eg_policy_facts_from_verify(const struct eg_verify_result *res,
				 const struct eg_policy_settings *settings, char *catalog_buf,
				 size_t catalog_len, struct eg_policy_facts *ret);

#endif
