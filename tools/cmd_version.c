// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#include "commands.h"
#include "execgate.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: execgate version\n\nPrint execgate's version and the kernel/user ABI "
		       "version of its BPF gate.\n");
		return EG_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "execgate version: unexpected argument '%s'\n", argv[1]);
		return EG_EXIT_ERROR;
	}
	printf("execgate %s (gate ABI %d)\n", EXECGATE_VERSION, EG_ABI_VERSION);
	return EG_EXIT_OK;
}
