// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF signature locator on arbitrary bytes, through both of libelf's readers (memory
 * and file descriptor), and the section writer on whatever the locator accepts.
 * Invariants checked (abort on violation):
 *   - both readers agree;
 *   - an accepted signature lies inside the input;
 *   - adding a section to an input the locator accepts (or finds unsigned) yields a file
 *     in which, once a DER object is written into the payload, the locator finds it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eg_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char der[] = {0x30, 0x00};
	struct eg_elf_sig sig, sig_fd, added, again;
	const unsigned char *p = NULL;
	unsigned char *copy = NULL;
	char err[256];
	int r, r_fd, in, out;

	r = eg_elf_find_sig_mem(data, size, &sig, &p, err, sizeof(err));
	if (r == 0 &&
	    (sig.offset + sig.size > size || p != data + sig.offset || sig.der_len > sig.size))
		abort();

	in = memfd_of(data, size);
	r_fd = eg_elf_find_sig(in, &sig_fd, &copy, err, sizeof(err));
	free(copy);
	if (r != r_fd || (r == 0 && (sig.offset != sig_fd.offset || sig.size != sig_fd.size)))
		abort();

	if (r == 0 || r == -ENOENT) {
		out = memfd_create("fuzz-out", MFD_CLOEXEC);
		if (out < 0)
			abort();
		if (eg_elf_add_sig_section(in, out, 64, &added, err, sizeof(err)) == 0) {
			if (pwrite(out, der, sizeof(der), (off_t)added.offset) != sizeof(der))
				abort();
			if (eg_elf_find_sig(out, &again, NULL, err, sizeof(err)) != 0 ||
			    again.offset != added.offset)
				abort();
		}
		close(out);
	}
	close(in);
	return 0;
}
