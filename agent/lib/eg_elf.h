/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_ELF_H
#define EXECGATE_EG_ELF_H

/*
 * The embedded signature of an ELF file: one section named .execgate.sig (SHT_PROGBITS,
 * sh_flags 0, sh_addr 0) whose payload is a DER CMS SignedData followed only by zero
 * bytes up to sh_size.  The signed content is the file with the payload left out:
 * bytes [0, offset) then [offset + size, EOF).  docs/signature-format.md has the byte layout.
 *
 * Every function returns 0 or a negative errno.  Where ERRBUF is taken it receives a
 * human message on failure (it may be NULL).  Errors of the locator:
 *   -ENOEXEC   not an ELF file (no ELF magic, or an ELF kind libelf does not know)
 *   -EBADMSG   ELF, but malformed: truncated header, header tables or sections past
 *              EOF or overflowing, the signature section overlapping the ELF header, a
 *              header table, another section or any segment, several signature
 *              sections, a bad size, flags or type, a payload that is not one DER
 *              object followed by zeros
 *   -ENOENT    a well-formed ELF file without a signature section
 *   other      I/O errors (-EIO, -ENOMEM, ...)
 * The verifier reports -ENOEXEC and -EBADMSG as reason "malformed" and -ENOENT as
 * "no_signature" when no detached signature or catalog entry applies.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/evp.h>

#define EG_SIG_SECTION ".execgate.sig"
/* Upper bound of sh_size of the signature section (signature + certificates + token). */
#define EG_SIG_MAX_SIZE (1024 * 1024)
/* Upper bound of the number of sections of a file we look into. */
#define EG_ELF_MAX_SHNUM 65535

struct eg_elf_sig {
	uint64_t offset;    /* sh_offset: first byte of the payload */
	uint64_t size;	    /* sh_size: payload + zero padding */
	uint64_t der_len;   /* length of the DER object at the start of the payload */
	uint64_t file_size; /* size of the file the section was found in */
};

/* Find and check the signature section of the ELF file open on FD (any class, either
 * endianness).  Reads headers and the payload with pread (the file offset is not used).
 * On success *RET_SIG describes it; if RET_DER is not NULL, *RET_DER receives a malloc'd
 * copy of the DER object (der_len bytes) that the caller frees. */
int eg_elf_find_sig(int fd, struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
		    size_t errlen);

/* The same over an ELF image in memory (tests, fuzzing).  *RET_DER, when asked for,
 * points into BUF (not a copy). */
int eg_elf_find_sig_mem(const void *buf, size_t len, struct eg_elf_sig *ret_sig,
			const unsigned char **ret_der, char *errbuf, size_t errlen);

/* Write to OUT_FD (empty, seekable) a copy of the ELF file IN_FD with a zero-filled
 * .execgate.sig section of PAYLOAD_SIZE bytes (1..EG_SIG_MAX_SIZE).  An existing
 * signature section is replaced (its header slot is reused, its old payload dropped
 * when it lies past every other section and segment).  Every byte that a segment,
 * section or header table covers keeps its offset; a copy of .shstrtab with the new
 * name, the payload and the new section header table are appended at the end (the ELF
 * header's e_shoff, e_shnum, e_shstrndx are updated).  *RET_SIG describes the section
 * in the output: the signer then signs the output's signed ranges (eg_sig_digest_fd)
 * and pwrite()s the DER signature at ret_sig->offset (at most PAYLOAD_SIZE bytes; the
 * rest stays zero).  Errors as for eg_elf_find_sig (the input must be ELF: -ENOEXEC),
 * -E2BIG when PAYLOAD_SIZE is out of range. */
int eg_elf_add_sig_section(int in_fd, int out_fd, uint64_t payload_size, struct eg_elf_sig *ret_sig,
			   char *errbuf, size_t errlen);

/* Feed the signed content of the file open on FD to MDCTX (EVP_DigestUpdate): the
 * whole file when SIG is NULL (detached signatures, catalogs), else everything but
 * SIG's payload.  Large preads from offset 0 to EOF (the EOF seen by fstat now); -EIO
 * if the file is shorter than SIG says. */
int eg_sig_digest_fd(int fd, const struct eg_elf_sig *sig, EVP_MD_CTX *mdctx);

/* One pass over the file open on FD, as eg_sig_digest_fd: the SHA-256 of the whole file
 * into FILE_SHA256 and the SHA-256 of the signed content (the same when SIG is NULL)
 * into SIGNED_SHA256, 32 bytes each.  The bytes before the payload are hashed once for
 * both.  -EIO if the file no longer has the size SIG was found in. */
int eg_sig_sha256_fd(int fd, const struct eg_elf_sig *sig, unsigned char *file_sha256,
		     unsigned char *signed_sha256);

/* A read-only source BIO over the same bytes as eg_sig_digest_fd (for CMS_verify, or
 * CMS_final when signing with a BIO).  When FILE_SHA256 is not NULL, the BIO also
 * computes the SHA-256 of the whole file, payload included, in the same pass, and
 * stores it there when the BIO reaches EOF (then eg_sig_bio_done() returns 1).  The
 * BIO does not own FD.  NULL on failure: allocation, or the file no longer has the size
 * SIG was found in. */
BIO *eg_sig_bio_new(int fd, const struct eg_elf_sig *sig, unsigned char *file_sha256);
/* 1 once the BIO has read the whole file and stored the SHA-256, 0 before, negative
 * errno after a read error. */
int eg_sig_bio_done(BIO *bio);

#endif
