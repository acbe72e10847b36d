/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_VERIFY_JSON_H
#define EXECGATE_TOOLS_VERIFY_JSON_H

/* A verification result as `execgate verify` and `execgate explain` print it, so the two
 * name every field alike. */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "eg_verify.h"

/* "embedded", "detached", "catalog", or "none". */
const char *verify_kind_name(enum eg_sig_kind kind);
/* "good", "revoked" or "unknown". */
const char *verify_revocation_name(enum eg_revocation revocation);
/* T in RFC 3339 UTC (2026-01-31T12:00:00Z) into BUF; returns BUF. */
const char *verify_time_text(int64_t t, char *buf, size_t len);

/* One JSON object: valid, reason, kind, file {path, sha256}, signer {subject, issuer,
 * serial, sha256, spki_sha256, not_before, not_after}, chain, timestamp {time, tsa},
 * validation_time (when the chain was checked), revocation {status, crl_next_update,
 * crl_stale, crl_missing}, detail, and signature_path when a file was used.  PATH is
 * printed as given.  NULL when out of memory. */
json_t *verify_result_json(const char *path, const struct eg_verify_result *res);

#endif
