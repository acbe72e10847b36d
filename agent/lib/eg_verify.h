/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_VERIFY_H
#define EXECGATE_EG_VERIFY_H

/*
 * Signature verification, shared by execgated and the execgate CLI.
 *
 * A verifier holds what does not change between files: the trust anchors and TSA
 * anchors (decoded once, one read-only X509_STORE each), the CRLs of a directory, the
 * deny list, the catalogs, and per-certificate caches of chain, timestamp and CRL
 * results.  It is safe to share between threads: eg_verify_fd() and eg_catalog_*
 * lookups may run concurrently, and so may eg_verifier_add_catalog() and
 * eg_verifier_remove_catalog() (the catalogs have a lock of their own).  To reload
 * anchors or CRLs, build a new verifier and swap it in.
 *
 * Three outcomes, never folded into one another:
 *   return 0, res->valid = true                    valid
 *   return 0, res->valid = false, res->reason      invalid for that reason
 *   return negative errno, res->detail             operational error (I/O, memory);
 *                                                  res->valid is false
 * The library never prints; res->detail is a human sentence with OpenSSL's error
 * queue appended where OpenSSL said something.
 *
 * What is checked, in order (docs/signature-format.md, "Verification rules"):
 *  1. Find the signature: the caller's explicit detached file, else the embedded
 *     .execgate.sig section, else FILE.sig, else SIGDIR/<absolute path>.sig, else a
 *     catalog holding the file's SHA-256.  None: no_signature ("malformed" when the
 *     file is not ELF or a malformed ELF and nothing else applies).
 *  2. One read pass over the file: the CMS digest of the signed content and the
 *     SHA-256 of the whole file (res->file_sha256) and of the signed content
 *     (res->signed_sha256), one hash for both when the signer has signed attributes
 *     and SHA-256 and the signature is detached.
 *  3. Deny list (the signed content's digest or the whole file's, any certificate of
 *     the signature or chain): deny_list.
 *  4. CMS: canonical DER (or PEM of it, for detached/catalog files; BER's other
 *     encodings are malformed: re-encoding would give a signed file another digest),
 *     SignedData, exactly one signer,
 *     detached content for file signatures, id-data content type, digest SHA-256/384/512
 *     and key RSA >= 2048 or EC P-256/P-384 (else weak_algorithm); signature over the
 *     file's bytes, and a signed contentType attribute, when there are signed
 *     attributes, naming id-data (else bad_signature).  CMS_NOCRL | CMS_BINARY |
 *     CMS_NO_SIGNER_CERT_VERIFY; certificates carried in the signature are only
 *     untrusted intermediates.
 *  5. Timestamp: an RFC 3161 token in unsigned attribute id-aa-timeStampToken or
 *     Microsoft's 1.3.6.1.4.1.311.3.3.1, imprint over the signer's signature value,
 *     TSA chained to the TSA anchors at the current time (timeStamping EKU, critical).
 *     A token that does not verify: bad_timestamp (never ignored).  Without TSA anchors
 *     a token is not evaluated and the signature counts as untimestamped (res->detail
 *     says so).  None and EG_VERIFY_REQUIRE_TIMESTAMP: timestamp_required.
 *  6. Chain to the anchors at the validation time: the token's genTime, or now when
 *     there is no token or the signer carries the Lifetime Signing EKU
 *     (1.3.6.1.4.1.311.10.3.13).  Auth level 2; Code Signing EKU present (bad_eku, also
 *     when the certificate has no EKU extension), digitalSignature when key usage is
 *     present (bad_eku).  Reasons: expired, not_yet_valid, weak_algorithm (SHA-1 or
 *     small keys anywhere in the chain), untrusted_chain (anything else).
 *  7. Revocation (when a CRL directory is configured), at the current time, for every
 *     certificate of the chain but the anchor: see eg_verifier_opts.crl_dir.  The TSA's
 *     chain too (before step 6): a TSA certificate revoked, unless for a benign reason
 *     after genTime, makes the token bad (bad_timestamp); its missing or stale CRLs
 *     count as crl_missing / crl_stale.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eg_names.h"

#define EG_SHA256_LEN 32
#define EG_NAME_MAX 512	  /* subject/issuer strings (RFC 2253), truncated to fit */
#define EG_SERIAL_MAX 130 /* hex serial number, up to 64 bytes, NUL */
#define EG_CHAIN_MAX 10	  /* longest chain accepted (leaf + intermediates + anchor) */
#define EG_DETAIL_MAX 1024

/* Told one digest at a time (the catalogs' entries a change touches). */
typedef void eg_digest_fn(void *ctx, const unsigned char sha256[EG_SHA256_LEN]);

/* Bounds of the catalog text (docs/signature-format.md).  v1 lists digests; v2 adds a
 * provenance ("source") per entry.  A v1 reader refuses a v2 catalog at line 1. */
#define EG_CATALOG_HEADER "execgate-catalog v1"
#define EG_CATALOG_HEADER_V2 "execgate-catalog v2"
#define EG_CATALOG_MAX_SOURCES 100000
#define EG_PROVENANCE_MAX 512 /* eg_verify_result.provenance, NUL included */
#define EG_CATALOG_MAX_LINE 4096
#define EG_CATALOG_MAX_ENTRIES 1000000
#define EG_CATALOG_MAX_SIZE (256 * 1024 * 1024) /* whole catalog file */

/* execgate's extended key usages (its private enterprise arc): a policy-signing and a
 * catalog-signing certificate, each distinct from code signing. */
#define EG_POLICY_SIGNING_EKU "1.3.6.1.4.1.57264.1.1"
#define EG_CATALOG_SIGNING_EKU "1.3.6.1.4.1.57264.1.2"

/* What a signer's certificate must be allowed to sign (its extended key usage). */
enum eg_usage {
	EG_USAGE_CODE = 0,    /* a program or library: Code Signing 1.3.6.1.5.5.7.3.3 */
	EG_USAGE_POLICY = 1,  /* a policy: EG_POLICY_SIGNING_EKU, and neither code signing
			       * nor anyExtendedKeyUsage */
	EG_USAGE_CATALOG = 2, /* a catalog: EG_CATALOG_SIGNING_EKU */
};

enum eg_sig_kind {
	EG_SIG_NONE = 0,
	EG_SIG_EMBEDDED = 1,
	EG_SIG_DETACHED = 2,
	EG_SIG_CATALOG = 3,
};

enum eg_revocation {
	EG_REVOCATION_UNKNOWN = 0, /* no CRL directory, or a CRL missing or stale */
	EG_REVOCATION_GOOD = 1,	   /* every certificate but the anchor checked against a
				    * fresh, correctly signed CRL and not revoked (or revoked
				    * for a benign reason after the timestamp) */
	EG_REVOCATION_REVOKED = 2,
};

/* Bits of eg_verify_result.crl_problems: recorded even when a flag below lets them pass. */
#define EG_CRL_PROBLEM_STALE (1u << 0)	 /* an applicable CRL is past nextUpdate or max age */
#define EG_CRL_PROBLEM_MISSING (1u << 1) /* an issuer has no (correctly signed) CRL */

/* Flags of eg_verifier_opts.flags and eg_verify_opts.flags (OR'ed together). */
#define EG_VERIFY_REQUIRE_TIMESTAMP (1u << 0) /* no token: invalid, timestamp_required */
#define EG_VERIFY_ALLOW_CRL_STALE (1u << 1)   /* stale CRL: not a reason by itself */
#define EG_VERIFY_ALLOW_CRL_MISSING (1u << 2) /* missing CRL: not a reason by itself */
#define EG_VERIFY_NO_SIG_LOOKUP (1u << 3)     /* do not look for FILE.sig or in SIGDIR */

struct eg_cert_info {
	char subject[EG_NAME_MAX]; /* RFC 2253, e.g. "CN=Build,O=Example" */
	char issuer[EG_NAME_MAX];
	char serial[EG_SERIAL_MAX];		  /* lowercase hex, no separators */
	unsigned char sha256[EG_SHA256_LEN];	  /* certificate fingerprint (DER) */
	unsigned char spki_sha256[EG_SHA256_LEN]; /* SHA-256 of the DER SubjectPublicKeyInfo */
	int64_t not_before;			  /* seconds since the epoch, UTC */
	int64_t not_after;
};

struct eg_verify_result {
	bool valid;
	enum eg_reason reason; /* EG_REASON_NONE when valid */
	enum eg_sig_kind kind; /* where the signature came from; NONE if none found */
	char sig_path[4096];   /* detached signature or catalog file used, else "" */

	bool has_file_sha256;			  /* false only when the file could not be read */
	unsigned char file_sha256[EG_SHA256_LEN]; /* SHA-256 of the whole file */
	/* SHA-256 of the signed content: the file without an embedded signature's payload
	 * (SIGNATURE-FORMAT.md), else the whole file.  What a deny list should name: no
	 * byte of it changes without breaking the signature, while the payload can be
	 * re-encoded or get other unsigned attributes.  Set with has_file_sha256. */
	unsigned char signed_sha256[EG_SHA256_LEN];

	bool has_signer; /* the CMS named a signer certificate */
	struct eg_cert_info signer;
	/* The validated chain, leaf first, anchor last (0 when the chain did not build). */
	unsigned int chain_len;
	char chain_subjects[EG_CHAIN_MAX][EG_NAME_MAX];

	bool has_timestamp; /* a token verified */
	int64_t timestamp;  /* its genTime, seconds since the epoch */
	char tsa_subject[EG_NAME_MAX];
	int64_t validation_time; /* the time the chain was checked at */

	enum eg_revocation revocation;
	int64_t crl_next_update;   /* earliest nextUpdate of the CRLs used; 0 if none */
	unsigned int crl_problems; /* EG_CRL_PROBLEM_* */
	int64_t revocation_date;   /* when revoked: the revocationDate, else 0 */
	int revocation_reason;	   /* when revoked: CRLReason code, -1 when absent */

	char detail[EG_DETAIL_MAX]; /* human sentence: why invalid, or what error */

	/* Kind catalog, entry with a source (catalog v2): where the listed file came from,
	 * e.g. "coreutils 9.1-1 amd64, Debian bookworm/main"; else "". */
	char provenance[EG_PROVENANCE_MAX];
};

struct eg_verifier_opts {
	/* PEM files (each may hold several certificates), NULL-terminated arrays. At
	 * least one anchor is required; no TSA anchor means no token can verify. */
	const char *const *anchors;
	const char *const *tsa_anchors;
	/* Directory of CRLs (PEM or DER, any file name; files that are not CRLs are
	 * skipped; at most 4096 files).  NULL: no revocation checking (revocation
	 * "unknown", never a reason).  When set, each CRL is used only if its signature
	 * verifies with its issuer's key (a badly signed CRL counts as absent) and, among
	 * several for one issuer, the newest is used.  Per certificate:
	 *   - no usable CRL for its issuer: crl_missing
	 *   - CRL past its nextUpdate (or without one), or older than crl_max_age seconds
	 *     (by thisUpdate) when crl_max_age > 0: crl_stale
	 *   - listed with reason superseded, affiliationChanged, cessationOfOperation or
	 *     privilegeWithdrawn: still valid only when a verified timestamp is strictly
	 *     before the revocationDate, else revoked
	 *   - listed with any other reason (keyCompromise, cACompromise, aACompromise,
	 *     certificateHold, removeFromCRL, unspecified) or with no reason at all:
	 *     revoked whatever the timestamp (fail safe: we cannot tell a compromise
	 *     from the absence of a reason)
	 * The same rules apply to intermediate CAs.  Revoked always wins over stale or
	 * missing. */
	const char *crl_dir;
	int64_t crl_max_age;
	/* Directory mirroring absolute paths: SIGDIR/usr/bin/ls.sig for /usr/bin/ls. */
	const char *sig_dir;
	/* Deny list file: one SHA-256 per line (64 hex digits, optionally prefixed by
	 * "sha256:"), blank lines and lines starting with '#' ignored; each is matched
	 * against the file's digest and every certificate's fingerprint.  NULL: none. */
	const char *deny_list;
	unsigned int flags; /* EG_VERIFY_*, defaults for every verification */
};

struct eg_verify_opts {
	const char *detached; /* explicit detached signature file (DER or PEM), or NULL */
	unsigned int flags;   /* EG_VERIFY_*, OR'ed with the verifier's */
	int64_t now;	      /* current time for tests; 0 means time(NULL) */
};

struct eg_verifier;

/* Load anchors, TSA anchors, CRLs and the deny list.  On failure *RET is NULL and
 * ERRBUF says what failed (file named): -ENOENT, -EINVAL (not a certificate, no
 * anchor), -ENOMEM, ... */
int eg_verifier_new(const struct eg_verifier_opts *opts, struct eg_verifier **ret, char *errbuf,
		    size_t errlen);
/* Accepts NULL. */
void eg_verifier_free(struct eg_verifier *v);

/* Verify the file open on FD (read with pread from offset 0; the caller keeps FD).
 * PATH is the file's absolute path, used only to find FILE.sig and SIGDIR/PATH.sig
 * (NULL: no such lookup).  OPTS may be NULL.  RES is always filled. */
int eg_verify_fd(struct eg_verifier *v, int fd, const char *path, const struct eg_verify_opts *opts,
		 struct eg_verify_result *res);
/* Open PATH (O_RDONLY | O_CLOEXEC) and eg_verify_fd() it. */
int eg_verify_path(struct eg_verifier *v, const char *path, const struct eg_verify_opts *opts,
		   struct eg_verify_result *res);

/* Verify SIG, a detached CMS (DER or PEM of it), over the LEN bytes of CONTENT with the
 * rules of steps 3 to 7 (deny list, CMS, timestamp, chain, revocation), the signer's
 * certificate carrying the extended key usage USAGE asks for: a policy's signature is
 * checked so (EG_USAGE_POLICY), by the very code that checks programs.  The same three
 * outcomes as eg_verify_fd; RES->kind is EG_SIG_DETACHED and RES->file_sha256 is the
 * SHA-256 of CONTENT. */
int eg_verify_detached_mem(struct eg_verifier *v, const void *sig, size_t siglen,
			   const void *content, size_t len, enum eg_usage usage,
			   const struct eg_verify_opts *opts, struct eg_verify_result *res);

/* Lowercase hex of a SHA-256 into BUF (at least 65 bytes); returns BUF. */
char *eg_sha256_hex(const unsigned char sha256[EG_SHA256_LEN], char *buf);

/*
 * Catalogs: a CMS SignedData (DER or PEM) whose attached id-data content is the text
 *   execgate-catalog v1\n
 *   sha256:<64 lowercase hex>  <name>\n     (one per file; "  <name>" optional)
 * (docs/signature-format.md).  Lines end in "\n"; at most EG_CATALOG_MAX_LINE bytes each and
 * EG_CATALOG_MAX_ENTRIES entries.  Version 2 ("execgate-catalog v2") adds "source" lines
 * before the entries and a source number after each digest (the file's provenance).
 */
struct eg_catalog;

struct eg_catalog_entry {
	unsigned char sha256[EG_SHA256_LEN];
	const char *name; /* "" when the line has none; owned by the catalog */
	uint32_t source;  /* 1-based index of its source (v2), 0: none */
};

/* Where the files of an entry came from (catalog v2 "source" line). */
enum eg_prov_kind {
	EG_PROV_DEB = 1,  /* hashed from a .deb's data; origin/suite when apt lists it */
	EG_PROV_DPKG = 2, /* installed before execgate, checked against dpkg's md5sums */
};

struct eg_catalog_source {
	enum eg_prov_kind kind;
	const char *package, *version, *arch; /* never empty */
	/* The archive whose signed index lists the .deb's SHA-256; "" when none does. */
	const char *origin, *suite, *component;
};

/* Build catalog text: v1 when no entry has a source, else v2.  Add sources, then
 * entries; names and source fields may hold any byte but NUL, CR and LF (-EINVAL);
 * source fields must not be empty, except origin, suite and component. */
struct eg_catalog_builder;
int eg_catalog_builder_new(struct eg_catalog_builder **ret);
void eg_catalog_builder_free(struct eg_catalog_builder *b);
/* *RET_ID is the source's index for eg_catalog_builder_add(). */
int eg_catalog_builder_add_source(struct eg_catalog_builder *b,
				  const struct eg_catalog_source *src, uint32_t *ret_id);
int eg_catalog_builder_add(struct eg_catalog_builder *b, const unsigned char sha256[EG_SHA256_LEN],
			   const char *name, uint32_t source);
size_t eg_catalog_builder_count(const struct eg_catalog_builder *b);
int eg_catalog_builder_text(const struct eg_catalog_builder *b, char **ret_text, size_t *ret_len);

/* Build the catalog text for N files: DIGESTS[i] with NAMES[i] (NAMES or NAMES[i] may
 * be NULL: no name).  A name may not contain '\n' or '\r' (-EINVAL).  *RET_TEXT is
 * malloc'd (NUL-terminated, *RET_LEN without the NUL); the caller frees it. */
int eg_catalog_build_content(const unsigned char (*digests)[EG_SHA256_LEN],
			     const char *const *names, size_t n, char **ret_text, size_t *ret_len);

/* Parse catalog text (no signature involved).  -EBADMSG with ERRBUF naming the line when
 * it does not follow the format or a bound. */
int eg_catalog_parse_content(const char *text, size_t len, struct eg_catalog **ret, char *errbuf,
			     size_t errlen);

/* Read a catalog file: the CMS (DER or PEM, attached content, one signer) and its text,
 * WITHOUT verifying the signature (for `execgate catalog list`).  -EBADMSG: not a
 * catalog. */
int eg_catalog_read(const char *path, struct eg_catalog **ret, char *errbuf, size_t errlen);
/* The same from memory (tests, fuzzing). */
int eg_catalog_read_mem(const void *buf, size_t len, struct eg_catalog **ret, char *errbuf,
			size_t errlen);

void eg_catalog_free(struct eg_catalog *cat);
size_t eg_catalog_count(const struct eg_catalog *cat);
/* The I-th entry in the catalog's own line order, or NULL past the end. */
const struct eg_catalog_entry *eg_catalog_entry_at(const struct eg_catalog *cat, size_t i);
/* The entry with that digest, or NULL. */
const struct eg_catalog_entry *eg_catalog_lookup(const struct eg_catalog *cat,
						 const unsigned char sha256[EG_SHA256_LEN]);
/* Source ID (1-based) of the catalog, or NULL. */
const struct eg_catalog_source *eg_catalog_source_at(const struct eg_catalog *cat, uint32_t id);
/* The one-line provenance of SRC ("coreutils 9.1-1 amd64, Debian bookworm/main") into BUF. */
void eg_catalog_provenance(const struct eg_catalog_source *src, char *buf, size_t len);

/* Read PATH as a catalog, verify its signature (the same rules as a file signature,
 * step 4 to 7, with the catalog's content as signed data) and add it to V for the
 * lookup of step 1.  RES receives the catalog's own verification result (kind
 * EG_SIG_CATALOG).  An invalid catalog is still added: a file found only in it gets
 * the catalog's reason; a file found in a valid one is valid.  Returns 0 (RES says valid
 * or not), -EBADMSG when PATH is not a catalog at all (not added), or another negative
 * errno.  At most 255 catalogs per verifier (-ENOSPC); a second catalog of the same PATH
 * is -EEXIST (remove the first).  Lookup is one hash table over every catalog's digests
 * (eg_catstore.h); adding is safe while other threads verify. */
int eg_verifier_add_catalog(struct eg_verifier *v, const char *path, struct eg_verify_result *res);
/* Drop the catalog added from PATH; -ENOENT when there is none.  Safe while other
 * threads verify (the catalogs have their own lock), unlike adding anchors or CRLs. */
int eg_verifier_remove_catalog(struct eg_verifier *v, const char *path);
/* Add every "*.cat" file of DIR (not hidden, regular, in name order).  A catalog that
 * cannot be added is skipped: *RET_SKIPPED counts them and SKIPPED (may be NULL) is
 * called with its path and why, so the caller can say so.  Returns 0, or a negative
 * errno when DIR cannot be read. */
int eg_verifier_add_catalog_dir(struct eg_verifier *v, const char *dir,
				void (*skipped)(void *ctx, const char *path, const char *why),
				void *ctx, size_t *ret_skipped);

/* What eg_verifier_sync_catalog_dir() did, by catalog file. */
struct eg_catalog_sync {
	size_t added, replaced, removed, kept, skipped;
};

/* Make V's catalogs of DIR what DIR holds now, reading only what changed: a "*.cat" file
 * not loaded yet is added; one whose file changed since it was read (inode, size or
 * times) takes the old one's place in one step; a catalog of DIR whose file is gone is
 * removed; the others are kept without reading them.  A file that cannot be used is
 * skipped as by eg_verifier_add_catalog_dir() and its old catalog, if any, removed.
 * LISTED (may be NULL) is told every digest that a catalog replaced or removed listed,
 * and that its replacement lists: the only files whose verification a sync can change
 * other than by adding trust (an added catalog comes after every other in the lookup).
 * Returns 0 or a negative errno (DIR unreadable, out of memory). */
int eg_verifier_sync_catalog_dir(struct eg_verifier *v, const char *dir,
				 void (*skipped)(void *ctx, const char *path, const char *why),
				 eg_digest_fn *listed, void *ctx, struct eg_catalog_sync *ret);

#endif
