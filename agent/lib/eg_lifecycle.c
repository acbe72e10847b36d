// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the lifecycle tools.  They wrap the library's internal CRL and certificate
 * code so the tools apply exactly the rules verification applies, instead of a copy of
 * them that could drift.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/x509v3.h>

#include "eg_lifecycle.h"
#include "eg_verify_internal.h"

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
