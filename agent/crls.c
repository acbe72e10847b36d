// SPDX-License-Identifier: GPL-2.0
/* CRL freshness for the operator (see crls.h).  Read from the directory at each look, so
 * what status shows is what `execgate crl fetch` last installed. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "crls.h"
#include "eg_lifecycle.h"

static void issuer_name(X509_CRL *crl, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	if (bio && X509_NAME_print_ex(bio, X509_CRL_get_issuer(crl), 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(bio, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

static json_t *time_json(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

json_t *eg_crls_list(const char *dir, int64_t max_age, int64_t warn_window, int64_t now)
{
	struct dirent **names = NULL;
	json_t *list = json_array();
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		json_decref(list);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		STACK_OF(X509_CRL) *crls = NULL;
		char path[PATH_MAX], issuer[512];

		if (names[i]->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
			    sizeof(path) ||
		    eg_crl_read_file(path, &crls))
			goto next;
		for (int k = 0; k < sk_X509_CRL_num(crls); k++) {
			X509_CRL *crl = sk_X509_CRL_value(crls, k);
			int64_t this_update = eg_asn1_time_unix(X509_CRL_get0_lastUpdate(crl));
			int64_t next_update = eg_asn1_time_unix(X509_CRL_get0_nextUpdate(crl));
			int64_t until = eg_crl_stale_at(this_update, next_update, max_age);
			bool stale = eg_crl_stale(this_update, next_update, max_age, now);

			issuer_name(crl, issuer, sizeof(issuer));
			json_array_append_new(
				list,
				json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:b, s:b}", "file", path,
					  "issuer", issuer, "this_update", time_json(this_update),
					  "next_update", time_json(next_update), "stale_at",
					  time_json(until), "age_seconds",
					  (json_int_t)(now - this_update), "stale", stale,
					  "expiring", !stale && now + warn_window > until));
		}
	next:
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
		free(names[i]);
	}
	free(names);
	ERR_clear_error();
	return list;
}
