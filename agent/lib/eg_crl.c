// SPDX-License-Identifier: GPL-2.0
/*
 * CRLs from a directory, and the status of one certificate in them.
 *
 * OpenSSL's own CRL checking ignores revocation date and reason, and we need both (a
 * signature timestamped before a benign revocation stays valid), so lookups are done
 * here.  A CRL counts for a certificate only when its issuer name is the certificate's
 * issuer, its signature verifies with the issuer's key, and it is a complete CRL for
 * that kind of certificate (no indirect or reason-partitioned CRLs: such a CRL is
 * skipped, which fails safe as "missing").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "eg_verify_internal.h"

/* Reasons after which a signature timestamped before the revocation date stays valid:
 * the key was not compromised, its holder merely stopped using it. */
bool eg_crl_reason_benign(int reason)
{
	switch (reason) {
	case CRL_REASON_SUPERSEDED:
	case CRL_REASON_AFFILIATION_CHANGED:
	case CRL_REASON_CESSATION_OF_OPERATION:
	case CRL_REASON_PRIVILEGE_WITHDRAWN:
		return true;
	default:
		return false;
	}
}

/* The one revocation rule, for verification, the TSA's chain, drill and inventory. */
bool eg_revocation_spares(int reason, bool has_timestamp, int64_t timestamp, int64_t revoked_at)
{
	return eg_crl_reason_benign(reason) && has_timestamp && timestamp < revoked_at;
}

/* The one freshness rule: fresh until nextUpdate, and no longer than MAX_AGE after
 * thisUpdate; a CRL without nextUpdate is never fresh. */
int64_t eg_crl_stale_at(int64_t this_update, int64_t next_update, int64_t max_age)
{
	if (!next_update)
		return 0;
	if (max_age > 0 && this_update + max_age < next_update)
		return this_update + max_age;
	return next_update;
}

bool eg_crl_stale(int64_t this_update, int64_t next_update, int64_t max_age, int64_t now)
{
	int64_t at = eg_crl_stale_at(this_update, next_update, max_age);

	return !at || now > at;
}

static const char *const reason_names[] = {
	[CRL_REASON_UNSPECIFIED] = "unspecified",
	[CRL_REASON_KEY_COMPROMISE] = "keyCompromise",
	[CRL_REASON_CA_COMPROMISE] = "cACompromise",
	[CRL_REASON_AFFILIATION_CHANGED] = "affiliationChanged",
	[CRL_REASON_SUPERSEDED] = "superseded",
	[CRL_REASON_CESSATION_OF_OPERATION] = "cessationOfOperation",
	[CRL_REASON_CERTIFICATE_HOLD] = "certificateHold",
	[CRL_REASON_REMOVE_FROM_CRL] = "removeFromCRL",
	[CRL_REASON_PRIVILEGE_WITHDRAWN] = "privilegeWithdrawn",
	[CRL_REASON_AA_COMPROMISE] = "aACompromise",
};

int eg_crl_reason_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
		if (reason_names[i] && !strcasecmp(name, reason_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *eg_crl_reason_to_name(int reason)
{
	if (reason < 0)
		return "none";
	if (reason < (int)(sizeof(reason_names) / sizeof(reason_names[0])) && reason_names[reason])
		return reason_names[reason];
	return "unknown";
}

static int crls_push(STACK_OF(X509_CRL) * crls, X509_CRL *crl)
{
	if (!sk_X509_CRL_push(crls, crl)) {
		X509_CRL_free(crl);
		return -ENOMEM;
	}
	return 0;
}

int eg_crl_parse(const unsigned char *buf, size_t len, STACK_OF(X509_CRL) * *ret)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	const unsigned char *p = buf;
	X509_CRL *crl;
	int r = 0;

	if (!crls)
		return -ENOMEM;
	if (len > INT_MAX) {
		r = -EFBIG;
		goto out;
	}
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl) {
		if (p != buf + len) {
			X509_CRL_free(crl);
			r = -EBADMSG; /* trailing bytes: not a DER CRL file */
			goto out;
		}
		r = crls_push(crls, crl);
	} else {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);

		if (!bio) {
			r = -ENOMEM;
			goto out;
		}
		while (!r && sk_X509_CRL_num(crls) < EG_CRL_MAX_FILES &&
		       (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)))
			r = crls_push(crls, crl);
		BIO_free(bio);
	}
	if (!r && !sk_X509_CRL_num(crls))
		r = -EBADMSG;
out:
	ERR_clear_error();
	if (r < 0) {
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
		return r;
	}
	*ret = crls;
	return 0;
}

void eg_crl_set_clear(struct eg_crl_set *set)
{
	sk_X509_CRL_pop_free(set->crls, X509_CRL_free);
	set->crls = NULL;
}

int eg_crl_load_dir(const char *dir, struct eg_crl_set *set, char *errbuf, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t files = 0;
	int r = 0;

	set->crls = sk_X509_CRL_new_null();
	if (!d || !set->crls) {
		r = d ? -ENOMEM : -errno;
		eg_errf(errbuf, errlen, "%s: %s", dir, strerror(-r));
		goto out;
	}
	while ((de = readdir(d))) {
		STACK_OF(X509_CRL) *some = NULL;
		unsigned char *buf = NULL;
		char path[PATH_MAX];
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		if (++files > EG_CRL_MAX_FILES) {
			r = -E2BIG;
			eg_errf(errbuf, errlen, "%s: more than %d files", dir, EG_CRL_MAX_FILES);
			goto out;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		r = eg_read_file(path, EG_CRL_MAX_FILE_SIZE, &buf, &len);
		if (r == -EINVAL || r == -EFBIG) {
			r = 0; /* not a regular file, or far too big for a CRL: not ours */
			continue;
		}
		if (r < 0) {
			eg_errf(errbuf, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		r = eg_crl_parse(buf, len, &some);
		free(buf);
		if (r == -EBADMSG || r == -EFBIG) {
			r = 0; /* not a CRL: skipped */
			continue;
		}
		if (r < 0) {
			eg_errf(errbuf, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		while (sk_X509_CRL_num(some)) {
			if (!sk_X509_CRL_push(set->crls, sk_X509_CRL_value(some, 0))) {
				sk_X509_CRL_pop_free(some, X509_CRL_free);
				r = -ENOMEM;
				goto out;
			}
			sk_X509_CRL_shift(some);
		}
		sk_X509_CRL_free(some);
	}
out:
	if (d)
		closedir(d);
	if (r < 0)
		eg_crl_set_clear(set);
	return r;
}

/* Is CRL complete for CERT?  Delta, indirect, reason-partitioned or scoped to the other kind
 * of certificate (CA or end entity): no. */
static bool crl_applies(X509_CRL *crl, X509 *cert)
{
	int crit = -1;
	ISSUING_DIST_POINT *idp =
		X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
	bool ok = true;

	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
		ISSUING_DIST_POINT_free(idp);
		return false; /* a delta CRL is not complete on its own */
	}
	if (!idp) {
		ERR_clear_error();
		return crit == -1; /* absent: fine; present but undecodable: no */
	}
	if (idp->indirectCRL || idp->onlysomereasons || idp->onlyattr)
		ok = false;
	else if (idp->onlyuser && X509_check_ca(cert))
		ok = false;
	else if (idp->onlyCA && !X509_check_ca(cert))
		ok = false;
	ISSUING_DIST_POINT_free(idp);
	return ok;
}

void eg_crl_check(const struct eg_crl_set *set, X509 *cert, X509 *issuer, int64_t now,
		  int64_t max_age, struct eg_crl_status *st)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	X509_CRL *best = NULL;
	int64_t best_this = 0;
	X509_REVOKED *rev = NULL;

	memset(st, 0, sizeof(*st));
	st->state = EG_CRL_MISSING;
	st->reason = -1;
	for (int i = 0; key && i < sk_X509_CRL_num(set->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(set->crls, i);
		int64_t this_update = eg_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl));

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) ||
		    !crl_applies(crl, cert) || X509_CRL_verify(crl, key) != 1)
			continue;
		if (!best || this_update > best_this) {
			best = crl;
			best_this = this_update;
		}
	}
	ERR_clear_error();
	if (!best)
		return;
	st->this_update = best_this;
	st->next_update = eg_asn1_time_to_unix(X509_CRL_get0_nextUpdate(best));
	st->state =
		eg_crl_stale(best_this, st->next_update, max_age, now) ? EG_CRL_STALE : EG_CRL_GOOD;
	/* 1: listed; 2: listed as removeFromCRL, which a complete CRL should not hold: fail
	 * safe and count it as revoked without a benign reason. */
	if (X509_CRL_get0_by_cert(best, &rev, cert) > 0 && rev) {
		ASN1_ENUMERATED *reason;
		int crit;

		st->revoked = true;
		st->state = EG_CRL_REVOKED;
		st->revocation_date = eg_asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev));
		reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
		if (reason) {
			long v = ASN1_ENUMERATED_get(reason);

			st->reason = v >= 0 && v <= INT_MAX ? (int)v : CRL_REASON_UNSPECIFIED;
			ASN1_ENUMERATED_free(reason);
		} else if (crit != -1) {
			st->reason = CRL_REASON_UNSPECIFIED; /* present but undecodable */
		}
	}
	ERR_clear_error();
}
