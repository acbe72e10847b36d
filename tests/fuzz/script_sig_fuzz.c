// SPDX-License-Identifier: GPL-2.0
/*
 * The script signature block locator on arbitrary bytes, over memory (the whole input, and
 * its tail as the file reader sees a large file) and through a file descriptor.
 * Invariants checked (abort on violation):
 *   - the memory and descriptor readers agree;
 *   - an accepted block lies at the end of the input, starts a line, and its DER is no
 *     larger than the block;
 *   - a block written by eg_script_block() for the DER found is found again, with the same
 *     DER, after the signed bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eg_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_elf_sig sig, sig_fd, again;
	unsigned char *der = NULL, *der_fd = NULL, *der_again = NULL, *copy;
	char err[256], *block;
	size_t blen;
	int r, r_fd, fd;

	r = eg_script_find_sig_mem(data, size, size, &sig, &der, err, sizeof(err));
	if (r == 0 && (sig.offset + sig.size != size || sig.der_len > sig.size ||
		       (sig.offset && data[sig.offset - 1] != '\n')))
		abort();
	/* As the descriptor reader sees a file larger than the block limit: its tail. */
	if (size > 16)
		eg_script_find_sig_mem(data + 16, size - 16, size, &again, NULL, err, sizeof(err));

	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	r_fd = eg_script_find_sig(fd, &sig_fd, &der_fd, err, sizeof(err));
	close(fd);
	if (size <= EG_SCRIPT_BLOCK_MAX &&
	    (r != r_fd ||
	     (r == 0 && (sig.offset != sig_fd.offset || sig.der_len != sig_fd.der_len ||
			 memcmp(der, der_fd, sig.der_len)))))
		abort();

	if (r == 0) {
		block = eg_script_block("#", der, sig.der_len, &blen);
		copy = block ? malloc(sig.offset + blen) : NULL;
		if (!copy)
			abort();
		memcpy(copy, data, sig.offset);
		memcpy(copy + sig.offset, block, blen);
		if (eg_script_find_sig_mem(copy, sig.offset + blen, sig.offset + blen, &again,
					   &der_again, err, sizeof(err)) != 0 ||
		    again.offset != sig.offset || again.der_len != sig.der_len ||
		    memcmp(der_again, der, sig.der_len))
			abort();
		free(der_again);
		free(copy);
		free(block);
	}
	free(der);
	free(der_fd);
	return 0;
}
