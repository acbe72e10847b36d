/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_CRL_FETCH_H
#define EXECGATE_TOOLS_CRL_FETCH_H

/* Fetching and installing CRLs, apart from the command line of `execgate crl fetch`:
 * what a CRL must be to be installed (issuer, signature, age) stays the command's. */

#include <stddef.h>

#include <openssl/x509.h>

/* Download URL (http://) within TIMEOUT seconds and parse it as CRLs (PEM or DER, at most
 * 64 MiB).  0 and *RET; -EIO when the download failed, -EBADMSG when the body is not a
 * CRL (WHY says which, in words `crl fetch` reports); -ENOMEM. */
int crl_download(const char *url, long timeout, STACK_OF(X509_CRL) * *ret, char *why, size_t len);

/* Write CRL as PEM to PATH (in DIR) through a temporary file in DIR, renamed over PATH
 * and made durable; 0, or a negative errno with WHY. */
int crl_install(const char *dir, const char *path, X509_CRL *crl, char *why, size_t len);

#endif
