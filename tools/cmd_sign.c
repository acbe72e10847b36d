// SPDX-License-Identifier: GPL-2.0
/* execgate sign: embed a signature into an ELF file, or write a detached one. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "eg_sign.h"
#include "sign_opts.h"

static const char sign_help[] =
	"usage: execgate sign --key KEY --cert CERT [--chain PEM] [--tsa-url URL]\n"
	"                     [--digest sha256|sha384] [--detached OUT] FILE\n"
	"\n"
	"Sign FILE with a CMS signature (one signer, DER).  By default the signature is\n"
	"embedded: in the ELF section .execgate.sig, or, for a script (a file that starts\n"
	"with \"#!\" or is named .sh .bash .py .pl .pm .rb .php .tcl .awk .js .mjs .cjs\n"
	".lua), in a block of comment lines at its end (docs/signature-format.md).  FILE\n"
	"is rewritten atomically (a temporary file in the same directory, then rename)\n"
	"with its mode, owner, file capabilities and ACL kept (other hard links to FILE\n"
	"keep the old content), and an older signature is replaced.  --detached writes\n"
	"the signature to OUT and leaves FILE alone; any other file can only be signed\n"
	"that way.\n"
	"\n"
	"  --key KEY       PEM private key file (unencrypted), or a PKCS#11 URI\n"
	"                  (pkcs11:token=...;object=...;type=private) used through OpenSSL's\n"
	"                  pkcs11 engine, so the key never leaves the token.  The PIN comes\n"
	"                  from the URI's pin-value or from $EXECGATE_PKCS11_PIN; the URI's\n"
	"                  module-path names the PKCS#11 module (default: p11-kit's proxy)\n"
	"  --cert CERT     PEM signing certificate; it must carry the Code Signing extended\n"
	"                  key usage and be valid now\n"
	"  --chain PEM     intermediate certificates to carry in the signature\n"
	"  --tsa-url URL   timestamp the signature at this RFC 3161 TSA (http://), so it\n"
	"                  stays valid after the certificate expires\n"
	"  --digest ALG    sha256 (default) or sha384\n"
	"  --detached OUT  write a detached DER signature to OUT (verify finds FILE.sig)\n"
	"  -h, --help      this text\n"
	"\n"
	"Exit status: 0 signed, 2 usage or operational error.\n";

static void sign_usage(FILE *out)
{
	fputs(sign_help, out);
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		SIGN_LONGOPTS,
		{ "detached", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct eg_sign_opts opts;
	struct eg_signer *signer = NULL;
	const char *detached = NULL, *file;
	char err[1024];
	int c, r;

	sign_opts_init(&opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (sign_opts_take(&opts, c, optarg))
			continue;
		switch (c) {
		case 'o':
			detached = optarg;
			break;
		case 'h':
			sign_usage(stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "execgate sign: see 'execgate sign --help'\n");
			return EG_EXIT_ERROR;
		}
	}
	if (!opts.key || !opts.cert) {
		fprintf(stderr, "execgate sign: --key and --cert are required\n");
		return EG_EXIT_ERROR;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "execgate sign: expected exactly one FILE to sign\n");
		return EG_EXIT_ERROR;
	}
	file = argv[optind];
	if (sign_opts_check_digest(&opts, "execgate sign"))
		return EG_EXIT_ERROR;

	r = eg_signer_new(&opts, &signer, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate sign: %s\n", err);
		return EG_EXIT_ERROR;
	}
	if (detached)
		r = eg_sign_detached(signer, file, detached);
	else
		r = eg_sign_embedded(signer, file);
	if (r == -ENOEXEC)
		fprintf(stderr, "execgate sign: %s: neither an ELF file nor a script (no \"#!\" "
				"line, no script extension); sign it with --detached %s.sig\n",
			file, file);
	else if (r)
		fprintf(stderr, "execgate sign: %s\n", eg_signer_error(signer));
	eg_signer_free(signer);
	return r ? EG_EXIT_ERROR : EG_EXIT_OK;
}
