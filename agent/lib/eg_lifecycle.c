// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the lifecycle tools.  They wrap the library's internal CRL and certificate
 * code so the tools apply exactly the rules verification applies, instead of a copy of
 * them that could drift.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "eg_lifecycle.h"
#include "eg_verify_internal.h"

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

bool eg_revocation_spares(int reason, bool has_timestamp, int64_t timestamp, int64_t revoked_at)
{
	return eg_crl_reason_benign(reason) && has_timestamp && timestamp < revoked_at;
}

int eg_crl_read_mem(const void *buf, size_t len, STACK_OF(X509_CRL) **ret)
{
	return eg_crl_parse(buf, len, ret);
}

int eg_crl_read_file(const char *path, STACK_OF(X509_CRL) **ret)
{
	unsigned char *buf;
	size_t len;
	int r;

	r = eg_read_file(path, EG_CRL_MAX_FILE_SIZE, &buf, &len);
	if (r < 0)
		return r;
	r = eg_crl_parse(buf, len, ret);
	free(buf);
	return r;
}

void eg_cert_info_of(X509 *x, struct eg_cert_info *info)
{
	eg_cert_info_fill(x, info);
}

int64_t eg_asn1_time_unix(const ASN1_TIME *t)
{
	return eg_asn1_time_to_unix(t);
}
