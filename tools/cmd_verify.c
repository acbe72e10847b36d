// SPDX-License-Identifier: GPL-2.0
/* execgate verify: check a file's signature, chain, timestamp and revocation. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "eg_verify.h"
#include "lifecycle.h"
#include "verify_json.h"

#define MAX_PEMS 64
#define MAX_CATALOGS 256

static const char verify_help[] =
	"usage: execgate verify [--trust PEM]... [--tsa-trust PEM]... [--crl-dir DIR]\n"
	"                       [--crl-max-age DURATION] [--detached SIG] [--sig-dir DIR]\n"
	"                       [--catalog CAT]... [--deny-list FILE] [--require-timestamp]\n"
	"                       [--json] FILE\n"
	"\n"
	"Verify FILE's signature: the one given with --detached, else the embedded\n"
	".execgate.sig section, else FILE.sig, else DIR/<absolute path>.sig of --sig-dir,\n"
	"else an entry in a --catalog.  The signer must chain to a --trust anchor with the\n"
	"Code Signing extended key usage; an RFC 3161 timestamp, when present, must chain\n"
	"to a --tsa-trust anchor, and the chain is then checked at the timestamp's time.\n"
	"Prints the signer, chain, timestamp and revocation status; when invalid, one\n"
	"stable reason code (no_signature, bad_signature, untrusted_chain, bad_eku,\n"
	"expired, not_yet_valid, revoked, crl_stale, crl_missing, weak_algorithm,\n"
	"bad_timestamp, timestamp_required, deny_list, malformed).\n"
	"\n"
	"  --trust PEM            code signing trust anchors (repeatable; at least one)\n"
	"  --tsa-trust PEM        TSA trust anchors (repeatable); without one, timestamps\n"
	"                         cannot be checked and count as absent\n"
	"  --crl-dir DIR          check revocation with the CRLs in DIR: an issuer without\n"
	"                         a CRL there is crl_missing, a CRL past its nextUpdate is\n"
	"                         crl_stale\n"
	"  --crl-max-age DURATION a CRL issued longer ago than this is crl_stale too\n"
	"                         (N, Ns, Nm, Nh, Nd or Nw)\n"
	"  --detached SIG         the detached signature (DER or PEM CMS) to use\n"
	"  --sig-dir DIR          directory of detached signatures mirroring absolute paths\n"
	"  --catalog CAT          a signed catalog of file digests (repeatable)\n"
	"  --deny-list FILE       SHA-256 digests of files or certificates to refuse (a\n"
	"                         file's signed content or whole file: both are printed)\n"
	"  --require-timestamp    a signature without a timestamp is invalid\n"
	"  --json                 print one JSON object instead of text\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 valid, 1 invalid, 2 usage or operational error.\n";

static void verify_usage(FILE *out)
{
	fputs(verify_help, out);
}

/* N with an optional unit s, m, h, d or w, in seconds; -1 when malformed. */
static int64_t parse_duration(const char *s)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	char *end;
	unsigned long long n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || n == 0 || n > INT32_MAX)
		return -1;
	if (!*end)
		return (int64_t)n;
	if (end[1])
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit)
			return (int64_t)n * units[i].seconds;
	return -1;
}

static void print_text(const char *path, const struct eg_verify_result *res)
{
	const char *kind = verify_kind_name(res->kind);
	char hex[2 * EG_SHA256_LEN + 1], t1[64], t2[64];

	if (res->valid)
		printf("%s: valid (%s signature)\n", path, kind);
	else
		printf("%s: invalid: %s%s%s\n", path, eg_reason_name(res->reason),
		       res->detail[0] ? ": " : "", res->detail);
	if (res->has_file_sha256) {
		printf("  file sha256:  %s\n", eg_sha256_hex(res->file_sha256, hex));
		/* What deny lists should name: re-encoding the payload cannot change it. */
		printf("  signed sha256: %s\n", eg_sha256_hex(res->signed_sha256, hex));
	}
	if (res->sig_path[0])
		printf("  signature:    %s (%s)\n", res->sig_path, kind);
	if (res->has_signer) {
		printf("  signer:       %s\n", res->signer.subject);
		printf("  issuer:       %s\n", res->signer.issuer);
		printf("  serial:       %s\n", res->signer.serial);
		printf("  fingerprint:  sha256:%s\n", eg_sha256_hex(res->signer.sha256, hex));
		printf("  validity:     %s to %s\n",
		       verify_time_text(res->signer.not_before, t1, sizeof(t1)),
		       verify_time_text(res->signer.not_after, t2, sizeof(t2)));
	}
	for (unsigned int i = 0; i < res->chain_len && i < EG_CHAIN_MAX; i++)
		printf("  %-14s%s\n", i ? "" : "chain:", res->chain_subjects[i]);
	if (res->has_timestamp)
		printf("  timestamp:    %s by %s\n",
		       verify_time_text(res->timestamp, t1, sizeof(t1)), res->tsa_subject);
	else
		printf("  timestamp:    none\n");
	if (res->validation_time)
		printf("  checked at:   %s\n",
		       verify_time_text(res->validation_time, t1, sizeof(t1)));
	printf("  revocation:   %s", verify_revocation_name(res->revocation));
	if (res->revocation == EG_REVOCATION_REVOKED && res->revocation_date)
		printf(" on %s", verify_time_text(res->revocation_date, t1, sizeof(t1)));
	if (res->crl_next_update)
		printf(" (CRLs next update %s)",
		       verify_time_text(res->crl_next_update, t1, sizeof(t1)));
	if (res->crl_problems & EG_CRL_PROBLEM_STALE)
		printf(" [stale CRL]");
	if (res->crl_problems & EG_CRL_PROBLEM_MISSING)
		printf(" [missing CRL]");
	printf("\n");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "crl-dir", required_argument, NULL, 'c' },
		{ "crl-max-age", required_argument, NULL, 'a' },
		{ "detached", required_argument, NULL, 'd' },
		{ "sig-dir", required_argument, NULL, 's' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "deny-list", required_argument, NULL, 'D' },
		{ "require-timestamp", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *anchors[MAX_PEMS + 1] = {}, *tsa_anchors[MAX_PEMS + 1] = {};
	const char *catalogs[MAX_CATALOGS];
	struct eg_verifier_opts vopts = { .anchors = anchors, .tsa_anchors = tsa_anchors };
	struct eg_verify_opts opts = {};
	struct eg_verify_result res;
	struct eg_verifier *v = NULL;
	size_t nanchors = 0, ntsa = 0, ncat = 0;
	char errbuf[EG_DETAIL_MAX], *abs = NULL;
	const char *file;
	bool json = false;
	int c, r, status = EG_EXIT_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (nanchors == MAX_PEMS)
				goto too_many;
			anchors[nanchors++] = optarg;
			break;
		case 'T':
			if (ntsa == MAX_PEMS)
				goto too_many;
			tsa_anchors[ntsa++] = optarg;
			break;
		case 'c':
			vopts.crl_dir = optarg;
			break;
		case 'a':
			vopts.crl_max_age = parse_duration(optarg);
			if (vopts.crl_max_age < 0) {
				fprintf(stderr, "execgate verify: --crl-max-age: expected a "
					"duration like 3600, 90m, 12h, 7d or 2w, not '%s'\n",
					optarg);
				return EG_EXIT_ERROR;
			}
			break;
		case 'd':
			opts.detached = optarg;
			break;
		case 's':
			vopts.sig_dir = optarg;
			break;
		case 'C':
			if (ncat == MAX_CATALOGS)
				goto too_many;
			catalogs[ncat++] = optarg;
			break;
		case 'D':
			vopts.deny_list = optarg;
			break;
		case 'r':
			opts.flags |= EG_VERIFY_REQUIRE_TIMESTAMP;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			verify_usage(stdout);
			return EG_EXIT_OK;
		default:
			fprintf(stderr, "execgate verify: see 'execgate verify --help'\n");
			return EG_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "execgate verify: expected exactly one FILE to verify\n");
		return EG_EXIT_ERROR;
	}
	file = argv[optind];
	if (!nanchors) {
		fprintf(stderr, "execgate verify: %s: no trust anchor; give --trust PEM\n", file);
		return EG_EXIT_ERROR;
	}
	if (vopts.crl_max_age && !vopts.crl_dir) {
		fprintf(stderr, "execgate verify: --crl-max-age needs --crl-dir\n");
		return EG_EXIT_ERROR;
	}
	/* The signature directory mirrors absolute paths, as the agent sees them. */
	abs = realpath(file, NULL);
	if (!abs) {
		fprintf(stderr, "execgate verify: %s: %s\n", file, strerror(errno));
		return EG_EXIT_ERROR;
	}

	r = eg_verifier_new(&vopts, &v, errbuf, sizeof(errbuf));
	if (r) {
		fprintf(stderr, "execgate verify: %s\n", errbuf);
		goto out;
	}
	for (size_t i = 0; i < ncat; i++) {
		r = eg_verifier_add_catalog(v, catalogs[i], &res);
		if (r == -EBADMSG) {
			fprintf(stderr, "execgate verify: %s: not a catalog: %s\n", catalogs[i],
				res.detail);
			goto out;
		}
		if (r) {
			fprintf(stderr, "execgate verify: %s: %s\n", catalogs[i], res.detail);
			goto out;
		}
	}
	r = eg_verify_path(v, abs, &opts, &res);
	if (r) {
		fprintf(stderr, "execgate verify: %s: %s\n", file,
			res.detail[0] ? res.detail : strerror(-r));
		goto out;
	}
	if (json) {
		if (lc_json_print(verify_result_json(file, &res))) {
			fprintf(stderr, "execgate verify: %s: cannot print the result\n", file);
			goto out;
		}
	} else {
		print_text(file, &res);
	}
	status = res.valid ? EG_EXIT_OK : EG_EXIT_FINDING;
out:
	eg_verifier_free(v);
	free(abs);
	return status;
too_many:
	fprintf(stderr, "execgate verify: too many --trust, --tsa-trust or --catalog options\n");
	return EG_EXIT_ERROR;
}
