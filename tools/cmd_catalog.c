// SPDX-License-Identifier: GPL-2.0
/* execgate catalog create|list: signed lists of file digests. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog_sources.h"
#include "commands.h"
#include "eg_sign.h"
#include "eg_verify.h"
#include "sign_opts.h"

static const char catalog_help[] =
	"usage: execgate catalog create --key KEY --cert CERT [--chain PEM] [--tsa-url URL]\n"
	"                               [--digest sha256|sha384] -o CAT\n"
	"                               [-r DIR]... [--files-from LIST|- [-0]] [FILE...]\n"
	"       execgate catalog create ... -o CAT --from-dpkg [--dpkg-admindir DIR] [PKG...]\n"
	"       execgate catalog create ... -o CAT --from-deb [--apt-lists DIR] DEB...\n"
	"       execgate catalog list [--json] CAT\n"
	"       execgate catalog apt-hook|apt-post|refresh|key-init [OPTIONS]\n"
	"         (the package manager's catalogs: 'execgate catalog refresh --help')\n"
	"\n"
	"A catalog is a CMS-signed list of the SHA-256 digests of files, so files can be\n"
	"trusted without touching them: 'execgate verify --catalog CAT FILE' accepts FILE\n"
	"when its digest is listed in a catalog that verifies.\n"
	"\n"
	"create   hash the files and write the signed catalog to CAT (atomically); the\n"
	"         key and certificate options are those of 'execgate sign' (KEY a PEM file\n"
	"         or a PKCS#11 URI), but CERT must carry the catalog-signing extended key\n"
	"         usage " EG_CATALOG_SIGNING_EKU " (a code-signing certificate is refused:\n"
	"         verification refuses its catalogs)\n"
	"  FILE...            these files (each must be a regular file)\n"
	"  -r, --recursive DIR  every regular file under DIR; symbolic links are neither\n"
	"                     followed nor listed\n"
	"  --files-from LIST  the files named in LIST ('-': standard input), one a line\n"
	"  -0, --null         LIST is NUL-separated (find -print0)\n"
	"  --from-dpkg        the files dpkg installed for each PKG (all installed packages\n"
	"                     when none is named), hashed on disk; a file whose MD5\n"
	"                     disagrees with dpkg's record (md5sums; for a conffile, the\n"
	"                     MD5 of what was shipped), or that has none, is left out\n"
	"                     and named on standard error\n"
	"  --dpkg-admindir DIR  dpkg's database (default /var/lib/dpkg)\n"
	"  --from-deb         the files inside each DEB, hashed from the archive, listed\n"
	"                     under their install paths\n"
	"  --apt-lists DIR    apt's lists, where a DEB's SHA-256 names its archive (default\n"
	"                     /var/lib/apt/lists)\n"
	"         --from-dpkg and --from-deb record each entry's provenance (package,\n"
	"         version, architecture, and the apt archive that lists the .deb): such a\n"
	"         catalog is format v2, which older execgate releases refuse to read\n"
	"list     print the entries of CAT (digest and name), without checking its\n"
	"         signature (use 'execgate verify' for that)\n"
	"\n"
	"Exit status: 0 done, 1 catalog written but files were left out (--from-dpkg),\n"
	"2 usage or operational error (nothing written).\n";

static void catalog_usage(FILE *out)
{
	fputs(catalog_help, out);
}

enum { OPT_FILES_FROM = 1000, OPT_FROM_DPKG, OPT_FROM_DEB, OPT_ADMINDIR, OPT_APT_LISTS };

/* Long for one flat getopt switch over every way of naming the files; the work is in
 * the functions it calls. */
static int catalog_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		SIGN_LONGOPTS,
		{"output", required_argument, NULL, 'o'},
		{"recursive", required_argument, NULL, 'r'},
		{"files-from", required_argument, NULL, OPT_FILES_FROM},
		{"null", no_argument, NULL, '0'},
		{"from-dpkg", no_argument, NULL, OPT_FROM_DPKG},
		{"from-deb", no_argument, NULL, OPT_FROM_DEB},
		{"dpkg-admindir", required_argument, NULL, OPT_ADMINDIR},
		{"apt-lists", required_argument, NULL, OPT_APT_LISTS},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct catsrc_ctx ctx = {.apt_lists = "/var/lib/apt/lists", .admindir = "/var/lib/dpkg"};
	struct eg_sign_opts opts;
	struct eg_signer *signer = NULL;
	const char *out = NULL, *files_from = NULL;
	char **dirs = NULL, err[1024], *text = NULL;
	size_t ndirs = 0, tlen;
	bool nul = false, from_dpkg = false, from_deb = false;
	int c, r, status = EG_EXIT_ERROR;

	sign_opts_init(&opts);
	opts.usage = EG_USAGE_CATALOG;
	optind = 1;
	dirs = calloc((size_t)argc, sizeof(*dirs));
	if (!dirs)
		return EG_EXIT_ERROR;
	while ((c = getopt_long(argc, argv, "o:r:0h", longopts, NULL)) != -1) {
		if (sign_opts_take(&opts, c, optarg))
			continue;
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'r':
			dirs[ndirs++] = optarg;
			break;
		case OPT_FILES_FROM:
			files_from = optarg;
			break;
		case '0':
			nul = true;
			break;
		case OPT_FROM_DPKG:
			from_dpkg = true;
			break;
		case OPT_FROM_DEB:
			from_deb = true;
			break;
		case OPT_ADMINDIR:
			ctx.admindir = optarg;
			break;
		case OPT_APT_LISTS:
			ctx.apt_lists = optarg;
			break;
		case 'h':
			catalog_usage(stdout);
			status = EG_EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "execgate catalog create: see 'execgate catalog --help'\n");
			goto out;
		}
	}
	if (!opts.key || !opts.cert || !out) {
		fprintf(stderr, "execgate catalog create: --key, --cert and -o are required\n");
		goto out;
	}
	if (from_dpkg + from_deb + (ndirs || files_from) > 1) {
		fprintf(stderr, "execgate catalog create: --from-dpkg, --from-deb and files "
				"(-r, --files-from) do not mix: make one catalog each\n");
		goto out;
	}
	if (nul && !files_from) {
		fprintf(stderr, "execgate catalog create: -0 goes with --files-from\n");
		goto out;
	}
	if (optind >= argc && !ndirs && !files_from && !from_dpkg) {
		fprintf(stderr, "execgate catalog create: no %s to list in %s\n",
			from_deb ? "DEB" : "FILE", out);
		goto out;
	}
	if (sign_opts_check_digest(&opts, "execgate catalog create"))
		goto out;
	/* The key first: a wrong passphrase or token should not wait for hashing. */
	r = eg_signer_new(&opts, &signer, err, sizeof(err));
	if (r) {
		fprintf(stderr, "execgate catalog create: %s\n", err);
		goto out;
	}
	if (eg_catalog_builder_new(&ctx.b)) {
		fprintf(stderr, "execgate catalog create: out of memory\n");
		goto out;
	}
	if (from_dpkg)
		r = catsrc_dpkg(&ctx, argv + optind, (size_t)(argc - optind));
	else if (from_deb)
		r = catsrc_debs(&ctx, argv + optind, (size_t)(argc - optind));
	else {
		r = 0;
		for (int i = optind; i < argc && !r; i++)
			r = catsrc_file(&ctx, argv[i]);
		for (size_t i = 0; i < ndirs && !r; i++)
			r = catsrc_walk(&ctx, dirs[i]);
		if (!r && files_from)
			r = catsrc_files_from(&ctx, files_from, nul);
	}
	if (r)
		goto out;
	r = eg_catalog_builder_text(ctx.b, &text, &tlen);
	if (r) {
		fprintf(stderr, "execgate catalog create: cannot build the catalog: %s\n",
			strerror(-r));
		goto out;
	}
	r = eg_sign_catalog_text(signer, text, tlen, out);
	if (r) {
		fprintf(stderr, "execgate catalog create: %s\n", eg_signer_error(signer));
		goto out;
	}
	if (ctx.left_out)
		fprintf(stderr, "execgate catalog create: %s: %zu files listed, %zu left out\n",
			out, eg_catalog_builder_count(ctx.b), ctx.left_out);
	status = ctx.left_out ? EG_EXIT_FINDING : EG_EXIT_OK;
out:
	free(text);
	eg_catalog_builder_free(ctx.b);
	eg_signer_free(signer);
	free(dirs);
	return status;
}

static int catalog_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {}};
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

		const struct eg_catalog_source *src = eg_catalog_source_at(cat, e->source);
		char prov[EG_PROVENANCE_MAX];
		json_t *je = json_pack("{s:s, s:s}", "sha256", eg_sha256_hex(e->sha256, hex),
				       "name", e->name);

		if (je && src) {
			eg_catalog_provenance(src, prov, sizeof(prov));
			json_object_set_new(je, "provenance", json_string(prov));
		}
		if (json_array_append_new(entries, je))
			goto nomem;
	}
	o = entries ? json_pack("{s:s, s:I, s:O}", "catalog", argv[optind], "count", (json_int_t)n,
				"entries", entries)
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
	if (!strcmp(argv[1], "apt-hook") || !strcmp(argv[1], "apt-post") ||
	    !strcmp(argv[1], "refresh") || !strcmp(argv[1], "key-init"))
		return cmd_catalog_apt(argc - 1, argv + 1);
	fprintf(stderr, "execgate catalog: unknown subcommand '%s' (create, list, apt-hook, "
			"apt-post, refresh or key-init)\n",
		argv[1]);
	return EG_EXIT_ERROR;
}
