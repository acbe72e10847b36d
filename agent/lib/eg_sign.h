/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_SIGN_H
#define EXECGATE_EG_SIGN_H

/*
 * Signing: CMS SignedData (one signer, detached content, DER) with a key from a PEM file
 * or from a PKCS#11 token through OpenSSL's pkcs11 engine, optionally timestamped by an
 * RFC 3161 TSA over HTTP (the token goes into the signer's unsigned attribute
 * id-aa-timeStampToken, its imprint over the signature value).
 *
 * Every function returns 0 or a negative errno; on failure the signer's message
 * (eg_signer_error()) says what failed, naming the file, with OpenSSL's reason appended.
 */

#include <stddef.h>

#include "eg_verify.h"

struct eg_signer;

struct eg_sign_opts {
	const char *key;     /* PEM private key file, or a pkcs11: URI (RFC 7512) */
	const char *cert;    /* PEM signing certificate (the EKU USAGE needs) */
	const char *chain;   /* PEM intermediates to carry in the signature, or NULL (the
			      * signing certificate may be among them) */
	const char *tsa_url; /* http:// URL of an RFC 3161 TSA, or NULL for no timestamp */
	const char *digest;  /* "sha256" (NULL means this) or "sha384" */
	const char *pin;     /* PKCS#11 user PIN when the URI has no pin-value, or NULL */
	/* What the certificate signs: code (the default), a policy or a catalog.  Its
	 * extended key usage must allow it, checked as verification checks it; catalogs are
	 * signed only by a catalog signer. */
	enum eg_usage usage;
};

/* Load key, certificate and chain and check they belong together and may sign what
 * OPTS->usage names.
 * On failure *ret_signer is NULL and ERRBUF holds the message. */
int eg_signer_new(const struct eg_sign_opts *opts, struct eg_signer **ret_signer, char *errbuf,
		  size_t errlen);
void eg_signer_free(struct eg_signer *signer);
const char *eg_signer_error(const struct eg_signer *signer);

/* Sign PATH's whole contents; write DER CMS to OUT atomically (temporary file + rename). */
int eg_sign_detached(struct eg_signer *signer, const char *path, const char *out);

/* Sign the LEN bytes of BUF (a policy's canonical bytes); write DER CMS to OUT atomically. */
int eg_sign_detached_mem(struct eg_signer *signer, const void *buf, size_t len, const char *out);

/* Embed a signature into the ELF file PATH as section .execgate.sig, or into the script PATH
 * (a "#!" line or a script's extension) as a signature block at its end (eg_script.h),
 * replacing an older one, by rewriting PATH atomically with its mode and owner kept.
 * -ENOEXEC: neither ELF nor a script. */
int eg_sign_embedded(struct eg_signer *signer, const char *path);

/* Sign catalog TEXT (eg_catalog_builder_text()) attached and write it to OUT, atomically.
 * Both catalog functions need a signer made with usage EG_USAGE_CATALOG (-EKEYREJECTED). */
int eg_sign_catalog_text(struct eg_signer *signer, const char *text, size_t len, const char *out);
/* Write a signed catalog of the SHA-256 digests of FILES[0..NFILES) to OUT, atomically. */
int eg_sign_catalog(struct eg_signer *signer, const char *const *files, size_t nfiles,
		    const char *out);

#endif
