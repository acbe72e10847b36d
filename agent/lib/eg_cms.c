// SPDX-License-Identifier: GPL-2.0
/*
 * CMS SignedData as execgate accepts it: shape checks, the signer, the algorithm
 * allow-list, and the signature check over the signed bytes.  The certificate chain is
 * not checked here (CMS_NO_SIGNER_CERT_VERIFY): eg_chain.c does it at the right time.
 *
 * Two ways to check the signature: CMS_verify reading the signed bytes through a BIO
 * (eg_cms_verify), or, for a signer with signed attributes, the signature over those
 * attributes and their messageDigest against a digest the caller computed
 * (eg_cms_verify_digest).  The second lets the verifier hash a file once when the
 * signed digest is the file's own SHA-256.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* pem.h first: cms.h declares PEM_read_bio_CMS only when it is already included. */
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "eg_verify_internal.h"

void eg_err_append_openssl(char *buf, size_t len)
{
	unsigned long e;
	const char *data;
	int flags;
	size_t n = strlen(buf);
	bool first = true;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags))) {
		char one[256];

		if (n + 4 >= len)
			continue; /* keep draining */
		ERR_error_string_n(e, one, sizeof(one));
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s", first ? " (openssl: " : "; ",
				      one, (flags & ERR_TXT_STRING) && *data ? ": " : "",
				      (flags & ERR_TXT_STRING) ? data : "");
		first = false;
		if (n >= len)
			n = len - 1;
	}
	if (!first && n + 2 < len)
		snprintf(buf + n, len - n, ")");
}

void eg_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	eg_err_append_openssl(buf, len);
}

/* Open PATH for reading only if it is a regular file.  The agent reads signature files
 * as root for whoever put them there: an open of a FIFO blocks until a writer comes, an
 * open of a device can act (a watchdog, a tape).  O_PATH resolves the name, symlinks
 * included (a signature directory of links is legitimate), without opening what it leads
 * to; only a regular file is then opened, that very inode, through /proc/self/fd, and
 * without blocking.  Without /proc: the name itself, not following a final symlink (a
 * user can make a symlink to a device, not a device), and never blocking. */
static int open_regular(const char *path, struct stat *ret_st)
{
	char proc[64];
	struct stat st;
	int pfd, fd, r;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, ret_st)) {
		r = -errno;
		close(pfd);
		return r;
	}
	if (!S_ISREG(ret_st->st_mode)) {
		close(pfd);
		return -EINVAL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
	r = fd < 0 ? -errno : 0;
	close(pfd);
	if (r)
		return r == -ELOOP ? -EINVAL : r;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != ret_st->st_dev ||
	    st.st_ino != ret_st->st_ino) {
		close(fd);
		return -EINVAL; /* replaced between the two opens */
	}
	*ret_st = st;
	return fd;
}

int eg_read_file(const char *path, size_t max, unsigned char **ret_buf, size_t *ret_len)
{
	struct stat st;

	return eg_read_file_stat(path, max, ret_buf, ret_len, &st);
}

int eg_read_file_stat(const char *path, size_t max, unsigned char **ret_buf, size_t *ret_len,
		      struct stat *ret_st)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, r = 0;

	fd = open_regular(path, &st);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1); /* + 1: never malloc(0); room for a NUL */
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break; /* shrank: take what is there */
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_st = st;
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

/* Is DER, which parsed as CMS, the one encoding DER allows?  BER leaves choices (long
 * forms of short lengths, leading zero length bytes, indefinite lengths, unsorted sets)
 * that change no signed byte: without this check anyone could make a validly signed file
 * with a new whole-file digest, past a deny list of whole-file digests.  Re-encoding the
 * parsed object gives the canonical form. */
static bool der_canonical(CMS_ContentInfo *cms, const unsigned char *der, size_t len)
{
	unsigned char *out = NULL;
	int n = i2d_CMS_ContentInfo(cms, &out);
	bool same = n > 0 && (size_t)n == len && !memcmp(out, der, len);

	OPENSSL_free(out);
	return same;
}

/* One DER CMS object spanning all of DER's LEN bytes, or NULL. */
static CMS_ContentInfo *cms_from_der(const unsigned char *der, long len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, len);

	if (cms && p != der + len) {
		/* Trailing bytes after the DER object: not what a signer writes. */
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	return cms;
}

int eg_cms_parse(const unsigned char *buf, size_t len, bool allow_pem, bool detached,
		 CMS_ContentInfo **ret, char *errbuf, size_t errlen)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *pem_der = NULL;
	char *pem_name = NULL, *pem_header = NULL;
	long der_len = (long)len;
	const unsigned char *der = buf;
	int r = -EBADMSG;

	if (len > LONG_MAX)
		goto bad;
	cms = cms_from_der(buf, (long)len);
	if (!cms && allow_pem && len <= INT_MAX) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);

		ERR_clear_error();
		/* PEM is a transport: the DER inside must be canonical like any other. */
		if (bio && PEM_read_bio(bio, &pem_name, &pem_header, &pem_der, &der_len) == 1 &&
		    (!strcmp(pem_name, PEM_STRING_CMS) || !strcmp(pem_name, PEM_STRING_PKCS7) ||
		     !strcmp(pem_name, PEM_STRING_PKCS7_SIGNED))) {
			der = pem_der;
			cms = cms_from_der(der, der_len);
		}
		BIO_free(bio);
	}
	if (!cms) {
		eg_errf(errbuf, errlen, "not a CMS object (DER%s)", allow_pem ? " or PEM" : "");
		goto out;
	}
	if (!der_canonical(cms, der, (size_t)der_len)) {
		eg_errf(errbuf, errlen, "the signature is not in canonical DER (re-encoded after "
			"signing?): refused, as it could give a signed file another digest");
		goto bad;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		eg_errf(errbuf, errlen, "CMS object is not SignedData");
		goto bad;
	}
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1) {
		eg_errf(errbuf, errlen, "CMS SignedData must have exactly one signer");
		goto bad;
	}
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		eg_errf(errbuf, errlen, "CMS content type is not id-data");
		goto bad;
	}
	if (!!CMS_is_detached(cms) != detached) {
		eg_errf(errbuf, errlen, "CMS content is %s, expected %s",
			detached ? "attached" : "detached", detached ? "detached" : "attached");
		goto bad;
	}
	*ret = cms;
	cms = NULL;
	r = 0;
bad:
	CMS_ContentInfo_free(cms);
out:
	OPENSSL_free(pem_name);
	OPENSSL_free(pem_header);
	OPENSSL_free(pem_der);
	ERR_clear_error();
	return r;
}

int eg_cms_signer(CMS_ContentInfo *cms, CMS_SignerInfo **ret_si, X509 **ret_signer,
		  STACK_OF(X509) * *ret_certs)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509 *signer = NULL;

	if (!si)
		goto none;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		if (!CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i))) {
			signer = sk_X509_value(certs, i);
			break;
		}
	}
	if (!signer)
		goto none;
	*ret_si = si;
	*ret_signer = signer;
	*ret_certs = certs;
	return 0;
none:
	sk_X509_pop_free(certs, X509_free);
	return -ENOKEY;
}

static bool digest_allowed(int nid)
{
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

int eg_cms_check_algs(CMS_SignerInfo *si, X509 *signer, char *detail, size_t len)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	EVP_PKEY *pk = X509_get0_pubkey(signer);
	int nid, md_nid = NID_undef, pk_nid = NID_undef;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	if (!digest_allowed(nid)) {
		snprintf(detail, len,
			 "digest algorithm %s is not accepted (SHA-256, SHA-384 or SHA-512)",
			 nid == NID_undef ? "unknown" : OBJ_nid2sn(nid));
		return EG_REASON_WEAK_ALGORITHM;
	}
	/* A signature algorithm that names its own digest (sha1WithRSAEncryption) must
	 * name an allowed one too. */
	nid = sig ? OBJ_obj2nid(sig->algorithm) : NID_undef;
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) && md_nid != NID_undef &&
	    !digest_allowed(md_nid)) {
		snprintf(detail, len, "signature algorithm %s is not allowed", OBJ_nid2sn(nid));
		return EG_REASON_WEAK_ALGORITHM;
	}
	if (!pk) {
		snprintf(detail, len, "the signer's public key cannot be decoded");
		return EG_REASON_WEAK_ALGORITHM;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		if (EVP_PKEY_get_bits(pk) < 2048) {
			snprintf(detail, len, "RSA key of %d bits, at least 2048 required",
				 EVP_PKEY_get_bits(pk));
			return EG_REASON_WEAK_ALGORITHM;
		}
		return 0;
	case EVP_PKEY_EC: {
		char group[64] = "";

		if (!EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group), NULL) ||
		    (strcmp(group, SN_X9_62_prime256v1) && strcmp(group, SN_secp384r1))) {
			snprintf(detail, len, "EC curve %s is not allowed (P-256, P-384)",
				 *group ? group : "unknown");
			ERR_clear_error();
			return EG_REASON_WEAK_ALGORITHM;
		}
		return 0;
	}
	default:
		snprintf(detail, len, "key type %s is not allowed (RSA, EC)",
			 OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
		return EG_REASON_WEAK_ALGORITHM;
	}
}

/* RFC 5652 11.1: a signed contentType attribute names the content's type.  CMS_verify
 * only checks that the attribute is there (once, one value), not what it says. */
static bool content_type_matches(CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
	const ASN1_OBJECT *ctype;

	if (CMS_signed_get_attr_count(si) < 0)
		return true; /* no signed attributes, no contentType to name */
	ctype = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3,
					    V_ASN1_OBJECT);
	return ctype && !OBJ_cmp(ctype, CMS_get0_eContentType(cms));
}

int eg_cms_verify(CMS_ContentInfo *cms, BIO *content, char *detail, size_t len)
{
	/* CMS_NOCRL: CRLs carried in the signature never count, ours do.  CMS_BINARY: the
	 * bytes as they are, no MIME canonicalisation.  The chain is ours to check. */
	unsigned int flags = CMS_NOCRL | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;

	ERR_clear_error();
	if (CMS_verify(cms, NULL, NULL, content, NULL, flags) != 1) {
		eg_errf(detail, len, "the signature does not match the signed content");
		return 0;
	}
	if (!content_type_matches(cms, sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0))) {
		eg_errf(detail, len, "the signed content type is not the content's");
		return 0;
	}
	return 1;
}

bool eg_cms_signed_attrs_sha256(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	return CMS_signed_get_attr_count(si) > 0 && dig &&
	       OBJ_obj2nid(dig->algorithm) == NID_sha256;
}

int eg_cms_verify_digest(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509 *signer,
			 const unsigned char *digest, size_t dlen, char *detail, size_t len)
{
	const ASN1_OCTET_STRING *md;

	/* Without signed attributes the signature is over the content digest itself, and
	 * another digest algorithm means DIGEST is not the one that was signed: both are
	 * CMS_verify's (eg_cms_verify), never a shortcut here. */
	if (!eg_cms_signed_attrs_sha256(si) || dlen != EG_SHA256_LEN) {
		snprintf(detail, len, "the signature cannot be checked against a SHA-256");
		return 0;
	}
	/* As CMS_verify does: the signer's key, then the attribute rules of RFC 5652
	 * (contentType and messageDigest present, once, single-valued) and the signature
	 * over the DER of the signed attributes, with the signer's digest algorithm. */
	ERR_clear_error();
	CMS_SignerInfo_set1_signer_cert(si, signer);
	if (CMS_SignerInfo_verify(si) != 1) {
		eg_errf(detail, len, "the signature does not match the signed attributes");
		return 0;
	}
	if (!content_type_matches(cms, si)) {
		eg_errf(detail, len, "the signed content type is not the content's");
		return 0;
	}
	/* -3: exactly one messageDigest attribute with exactly one value. */
	md = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
					 V_ASN1_OCTET_STRING);
	if (!md || (size_t)ASN1_STRING_length(md) != dlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(md), digest, dlen)) {
		snprintf(detail, len, "the signature does not match the signed content%s",
			 md ? "" : " (no messageDigest attribute)");
		return 0;
	}
	return 1;
}
