// SPDX-License-Identifier: GPL-2.0
/*
 * The reader of what the dynamic loader maps (PT_INTERP, DT_NEEDED, DT_RPATH, DT_RUNPATH)
 * on arbitrary bytes, through both of libelf's readers (memory and file descriptor).
 * Invariants checked (abort on violation):
 *   - both readers agree on the outcome and on every string;
 *   - an accepted object's strings are NUL-terminated within the bound, and no more names
 *     than the bound; a refused one leaves nothing allocated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eg_ldso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_string(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strlen(a) < EG_LDSO_MAX_STRING && !strcmp(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_ldso_object mem, file;
	int r_mem, r_file, fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	r_mem = eg_ldso_object_read_mem(data, size, &mem);
	r_file = eg_ldso_object_read(fd, &file);
	close(fd);
	if (r_mem != r_file)
		abort();
	if (r_mem) {
		if (mem.interp || mem.needed || file.interp || file.needed)
			abort();
		return 0;
	}
	if (mem.nneeded > EG_LDSO_MAX_NEEDED || mem.nneeded != file.nneeded ||
	    !same_string(mem.interp, file.interp) || !same_string(mem.rpath, file.rpath) ||
	    !same_string(mem.runpath, file.runpath))
		abort();
	for (size_t i = 0; i < mem.nneeded; i++)
		if (!same_string(mem.needed[i], file.needed[i]))
			abort();
	eg_ldso_object_clear(&mem);
	eg_ldso_object_clear(&file);
	return 0;
}
