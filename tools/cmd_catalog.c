// SPDX-License-Identifier: GPL-2.0
/* execgate catalog create|list: signed lists of file digests. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "eg_sign.h"
#include "eg_verify.h"
#include "sign_opts.h"

static const char catalog_help[] =
	"usage: execgate catalog create --key KEY --cert CERT [--chain PEM] [--tsa-url URL]\n"
	"                               [--digest sha256|sha384] -o CAT FILE...\n"
	"       execgate catalog list [--json] CAT\n"
	"\n"
	"A catalog is a CMS-signed list of the SHA-256 digests of files, so files can be\n"
	"trusted without touching them: 'execgate verify --catalog CAT FILE' accepts FILE\n"
	"when its digest is listed in a catalog that verifies.\n"
	"\n"
	"create   hash every FILE and write the signed catalog to CAT (atomically); the\n"
	"         key and certificate options are those of 'execgate sign'\n"
	"list     print the entries of CAT (digest and name), without checking its\n"
	"         signature (use 'execgate verify' for that)\n"
	"\n"
	"Exit status: 0 done, 2 usage or operational error.\n";

static void catalog_usage(FILE *out)
{
	fputs(catalog_help, out);
}

static int catalog_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		SIGN_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct eg_sign_opts opts;
	struct eg_signer *signer = NULL;
	const char *out = NULL;
	char err[1024];
	int c, r;

	sign_opts_init(&opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (sign_opts_take(&opts, c, optarg))
			continue;
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			catalog_usage(stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "execgate catalog create: see 'execgate catalog --help'\n");
			return EG_EXIT_ERROR;
		}
	}
	if (!opts.key || !opts.cert || !out) {
		fprintf(stderr, "execgate catalog create: --key, --cert and -o are required\n");
		return EG_EXIT_ERROR;
	}
	if (optind >= argc) {
		fprintf(stderr, "execgate catalog create: no FILE to list in %s\n", out);
		return EG_EXIT_ERROR;
	}
	if (sign_opts_check_digest(&opts, "execgate catalog create"))
		return EG_EXIT_ERROR;
	r = eg_signer_new(&opts, &signer, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate catalog create: %s\n", err);
		return EG_EXIT_ERROR;
	}
	r = eg_sign_catalog(signer, (const char *const *)argv + optind, (size_t)(argc - optind),
			    out);
	if (r)
		fprintf(stderr, "execgate catalog create: %s\n", eg_signer_error(signer));
	eg_signer_free(signer);
	return r ? EG_EXIT_ERROR : EG_EXIT_OK;
}

static int catalog_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct eg_catalog *cat = NULL;
	char err[EG_DETAIL_MAX], hex[2 * EG_SHA256_LEN + 1];
	json_t *entries = NULL, *o;
	bool json = false;
	size_t i, n;
	int c, r, status = EG_EXIT_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			catalog_usage(stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "execgate catalog list: see 'execgate catalog --help'\n");
			return EG_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "execgate catalog list: expected exactly one CAT\n");
		return EG_EXIT_ERROR;
	}
	r = eg_catalog_read(argv[optind], &cat, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate catalog list: %s: %s\n", argv[optind], err);
		return EG_EXIT_ERROR;
	}
	n = eg_catalog_count(cat);
	if (!json) {
		for (i = 0; i < n; i++) {
			const struct eg_catalog_entry *e = eg_catalog_entry_at(cat, i);

			printf("sha256:%s%s%s\n", eg_sha256_hex(e->sha256, hex),
			       e->name[0] ? "  " : "", e->name);
		}
		status = EG_EXIT_OK;
		goto out;
	}
	entries = json_array();
	for (i = 0; entries && i < n; i++) {
		const struct eg_catalog_entry *e = eg_catalog_entry_at(cat, i);

		if (json_array_append_new(entries, json_pack("{s:s, s:s}", "sha256",
							     eg_sha256_hex(e->sha256, hex), "name",
							     e->name)))
			goto nomem;
	}
	o = entries ? json_pack("{s:s, s:I, s:O}", "catalog", argv[optind], "count",
				(json_int_t)n, "entries", entries)
		    : NULL;
	if (!o)
		goto nomem;
	r = json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	status = r ? EG_EXIT_ERROR : EG_EXIT_OK;
	goto out;
nomem:
	fprintf(stderr, "execgate catalog list: out of memory\n");
out:
	json_decref(entries);
	eg_catalog_free(cat);
	return status;
}

int cmd_catalog(int argc, char **argv)
{
	if (argc < 2) {
		catalog_usage(stderr);
		return EG_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		catalog_usage(stdout);
		return EG_EXIT_OK;
	}
	if (!strcmp(argv[1], "create"))
		return catalog_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return catalog_list(argc - 1, argv + 1);
	fprintf(stderr, "execgate catalog: unknown subcommand '%s' (create or list)\n", argv[1]);
	return EG_EXIT_ERROR;
}
