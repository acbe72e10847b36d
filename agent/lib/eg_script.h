/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_SCRIPT_H
#define EXECGATE_EG_SCRIPT_H
/*
 * The script signature block: a CMS signature carried at the end of a script as comment
 * lines its interpreter ignores (docs/signature-format.md).
 *
 *   ...the script, ending with a newline...
 *   # -----BEGIN EXECGATE SIGNATURE-----
 *   # MIIG...  (base64 of the DER CMS, at most 76 characters a line)
 *   # -----END EXECGATE SIGNATURE-----
 *
 * Every line of the block starts with the same comment marker ("#", "//" or "--") and one
 * space; the block is the end of the file, and the signed bytes are everything before it.
 * The block is described as a struct eg_elf_sig (offset: where it starts, size: to the end
 * of the file), so the digests and the verifier treat it as they treat an ELF signature
 * section: everything but the block is signed.
 */
#include <stdbool.h>
#include <stddef.h>

#include "eg_elf.h"

#define EG_SCRIPT_BEGIN "-----BEGIN EXECGATE SIGNATURE-----"
#define EG_SCRIPT_END "-----END EXECGATE SIGNATURE-----"
/* Bytes a block may span: base64 of an EG_SCRIPT_DER_MAX signature with its markers. */
#define EG_SCRIPT_DER_MAX (64 * 1024)
#define EG_SCRIPT_BLOCK_MAX (EG_SCRIPT_DER_MAX / 3 * 4 + EG_SCRIPT_DER_MAX / 57 * 4 + 256)
#define EG_SCRIPT_LINE 76 /* base64 characters a line, as MIME has them */

/* Find the signature block at the end of the script open on FD.  0: found, *RET_SIG
 * describes it and *RET_DER (when not NULL) gets a malloc'd copy of the DER signature
 * (ret_sig->der_len bytes); -ENOENT: the file does not end in a block; -EBADMSG: it ends
 * in something that is meant to be one and is not (ERRBUF says what); other negative
 * errno: the file could not be read. */
int eg_script_find_sig(int fd, struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
		       size_t errlen);

/* The same over a file's last bytes in memory: BUF holds the last LEN bytes of a file of
 * FILE_SIZE bytes (LEN <= FILE_SIZE).  *RET_DER is malloc'd as above. */
int eg_script_find_sig_mem(const unsigned char *buf, size_t len, unsigned long long file_size,
			   struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
			   size_t errlen);

/* The comment marker a signature block gets in the script PATH whose first bytes are HEAD
 * (HEADLEN of them): from its "#!" line's interpreter, else from its name's extension.
 * NULL when neither says the file is a script: the signer does not guess. */
const char *eg_script_marker(const char *path, const unsigned char *head, size_t headlen);

/* The block for DER (LEN bytes) with comment marker MARKER, malloc'd, its length in
 * *RET_LEN; NULL when out of memory or LEN is 0 or more than EG_SCRIPT_DER_MAX. */
char *eg_script_block(const char *marker, const unsigned char *der, size_t len, size_t *ret_len);

#endif
