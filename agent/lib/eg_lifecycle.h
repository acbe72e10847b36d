/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_LIFECYCLE_H
#define EXECGATE_EG_LIFECYCLE_H

/*
 * What the lifecycle tools (execgate inventory, drill, crl) need from the verification
 * library beyond eg_verify.h: the revocation rule as a question one can ask about a
 * hypothetical revocation, CRLs as data, and certificate facts in the form verification
 * reports them.  Nothing here prints or exits.
 */

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "eg_verify.h"

/* The CRLReason code (RFC 5280 5.3.1) named NAME ("keyCompromise", "superseded", ...;
 * case-insensitive), or -EINVAL. */
int eg_crl_reason_from_name(const char *name);
/* RFC 5280's name for a CRLReason code; "none" for -1 (no reason extension). */
const char *eg_crl_reason_to_name(int reason);

/* Would a signature stay valid if its certificate were revoked with REASON (-1: no reason
 * given) at REVOKED_AT?  The rule eg_verifier_opts.crl_dir describes: only for a benign
 * reason and a verified timestamp strictly before the revocation. */
bool eg_revocation_spares(int reason, bool has_timestamp, int64_t timestamp, int64_t revoked_at);

/* When a CRL with THIS_UPDATE and NEXT_UPDATE (0: none) stops being fresh under MAX_AGE
 * seconds (0: no maximum): nextUpdate, or thisUpdate + MAX_AGE when earlier; 0 when it is
 * never fresh (no nextUpdate).  The rule verification applies, judged at the time of the
 * check, never at a signature's timestamp. */
int64_t eg_crl_stale_at(int64_t this_update, int64_t next_update, int64_t max_age);
/* Is such a CRL stale at NOW? */
bool eg_crl_stale(int64_t this_update, int64_t next_update, int64_t max_age, int64_t now);

/* Every CRL in BUF (PEM, several allowed, or one DER): -EBADMSG when there is none. */
int eg_crl_read_mem(const void *buf, size_t len, STACK_OF(X509_CRL) **ret);
/* The same for a file of at most 64 MiB: -ENOENT, -EFBIG, -EBADMSG, ... */
int eg_crl_read_file(const char *path, STACK_OF(X509_CRL) **ret);

/* Certificate facts as eg_verify_result reports them (subject in RFC 2253, ...). */
void eg_cert_info_of(X509 *x, struct eg_cert_info *info);
/* Seconds since the epoch, or 0 when T is NULL or unreadable. */
int64_t eg_asn1_time_unix(const ASN1_TIME *t);

#endif
