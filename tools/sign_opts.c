// SPDX-License-Identifier: GPL-2.0
/* Signing options shared by sign and catalog create (sign_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign_opts.h"

void sign_opts_init(struct eg_sign_opts *opts)
{
	*opts = (struct eg_sign_opts){.pin = getenv("EXECGATE_PKCS11_PIN")};
}

bool sign_opts_take(struct eg_sign_opts *opts, int c, const char *arg)
{
	switch (c) {
	case 'k':
		opts->key = arg;
		return true;
	case 'c':
		opts->cert = arg;
		return true;
	case 'C':
		opts->chain = arg;
		return true;
	case 't':
		opts->tsa_url = arg;
		return true;
	case 'd':
		opts->digest = arg;
		return true;
	}
	return false;
}

int sign_opts_check_digest(const struct eg_sign_opts *opts, const char *cmd)
{
	if (!opts->digest || !strcmp(opts->digest, "sha256") || !strcmp(opts->digest, "sha384"))
		return 0;
	fprintf(stderr, "%s: --digest: expected sha256 or sha384, not '%s'\n", cmd, opts->digest);
	return -EINVAL;
}
