/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_SIGN_OPTS_H
#define EXECGATE_TOOLS_SIGN_OPTS_H

/* The signing options `execgate sign` and `execgate catalog create` share, so a key
 * (file or PKCS#11 URI), certificate, chain, TSA and digest are given alike to both. */

#include <getopt.h>
#include <stdbool.h>

#include "eg_sign.h"

/* getopt_long entries for --key, --cert, --chain, --tsa-url and --digest; the caller's
 * own options must use other values. */
/* clang-format off */
#define SIGN_LONGOPTS                                   \
	{ "key", required_argument, NULL, 'k' },        \
	{ "cert", required_argument, NULL, 'c' },       \
	{ "chain", required_argument, NULL, 'C' },      \
	{ "tsa-url", required_argument, NULL, 't' },    \
	{ "digest", required_argument, NULL, 'd' }
/* clang-format on */

/* Empty options but the PKCS#11 PIN, which comes from $EXECGATE_PKCS11_PIN. */
void sign_opts_init(struct eg_sign_opts *opts);
/* Record option C (as getopt_long returned it, with ARG) in OPTS; false when C is not one
 * of SIGN_LONGOPTS. */
bool sign_opts_take(struct eg_sign_opts *opts, int c, const char *arg);
/* 0 when --digest is absent or one execgate signs with; else -EINVAL, said under CMD. */
int sign_opts_check_digest(const struct eg_sign_opts *opts, const char *cmd);

#endif
