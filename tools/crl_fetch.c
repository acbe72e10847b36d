// SPDX-License-Identifier: GPL-2.0
/* Fetching and installing CRLs for `execgate crl fetch` (crl_fetch.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/pem.h>

#include "crl_fetch.h"
#include "eg_lifecycle.h"

#define MAX_CRL_BYTES (64u << 20) /* as the verifier's bound on a CRL file */

int crl_install(const char *dir, const char *path, X509_CRL *crl, char *why, size_t len)
{
	char tmp[PATH_MAX];
	FILE *fp = NULL;
	int fd, r = 0, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.crl-fetch.XXXXXX", dir) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "%s: %s", tmp, strerror(errno));
		return r;
	}
	fp = fdopen(fd, "w");
	if (!fp) {
		r = -errno;
		close(fd);
		goto fail;
	}
	if (fchmod(fd, 0644) || PEM_write_X509_CRL(fp, crl) != 1 || fflush(fp) || fsync(fd)) {
		r = errno ? -errno : -EIO;
		goto fail;
	}
	if (fclose(fp)) {
		fp = NULL;
		r = -errno;
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path)) {
		r = -errno;
		goto fail;
	}
	/* The rename itself survives a crash only once the directory is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	snprintf(why, len, "writing %s: %s", tmp, strerror(-r));
	if (fp)
		fclose(fp);
	unlink(tmp);
	ERR_clear_error();
	return r;
}

/* The whole response body, at most MAX_CRL_BYTES.  OSSL_HTTP_get() hands back the
 * connection itself for a body it was not asked to parse as ASN.1 (we accept PEM too), and
 * that connection is non-blocking: wait for more until DEADLINE. */
static int read_body(BIO *body, time_t deadline, char **ret, size_t *ret_len)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int n, r = 0;

	for (;;) {
		if (len == cap) {
			char *nbuf;

			if (cap > MAX_CRL_BYTES) {
				r = -EFBIG;
				break;
			}
			cap = cap ? 2 * cap : 16384;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				r = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = BIO_read(body, buf + len, (int)(cap - len));
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (!BIO_should_retry(body))
			break;
		if (BIO_wait(body, deadline, 100) != 1) {
			r = -ETIMEDOUT;
			break;
		}
	}
	ERR_clear_error();
	if (r) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int crl_download(const char *url, long timeout, STACK_OF(X509_CRL) * *ret, char *why, size_t len)
{
	char *data = NULL;
	size_t n = 0;
	BIO *body;
	int r;

	body = OSSL_HTTP_get(url, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0,
			     MAX_CRL_BYTES, (int)timeout);
	if (!body) {
		const char *reason = "no response", *text;
		char detail[160] = "";
		unsigned long e;
		int flags;

		/* The last error's reason, with the text of the first that has one: the
		 * server's status code is on an earlier entry than "error receiving". */
		while ((e = ERR_get_error_all(NULL, NULL, NULL, &text, &flags))) {
			reason = ERR_reason_error_string(e) ? ERR_reason_error_string(e) : reason;
			if (!detail[0] && (flags & ERR_TXT_STRING) && *text)
				snprintf(detail, sizeof(detail), " (%s)", text);
		}
		snprintf(why, len, "download failed: %s%s", reason, detail);
		return -EIO;
	}
	r = read_body(body, time(NULL) + timeout, &data, &n);
	BIO_free(body);
	if (r == -ETIMEDOUT || r == -EFBIG) {
		snprintf(why, len, "download failed: %s",
			 r == -EFBIG ? "larger than a CRL may be" : "timed out");
		return -EIO;
	}
	if (!r)
		r = n > 0 ? eg_crl_read_mem(data, n, ret) : -EBADMSG;
	free(data);
	if (r && r != -ENOMEM) {
		snprintf(why, len, "not a CRL (%zu bytes that parse as no PEM or DER CRL)", n);
		r = -EBADMSG;
	}
	return r;
}
