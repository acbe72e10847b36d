// SPDX-License-Identifier: GPL-2.0
/* execgate verify: check a file's signature, chain, timestamp and revocation. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "commands.h"
#include "eg_verify.h"

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
	"  --deny-list FILE       SHA-256 digests of files or certificates to refuse\n"
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

static const char *kind_name(enum eg_sig_kind kind)
{
	switch (kind) {
	case EG_SIG_EMBEDDED:
		return "embedded";
	case EG_SIG_DETACHED:
		return "detached";
	case EG_SIG_CATALOG:
		return "catalog";
	default:
		return NULL;
	}
}

static const char *revocation_name(enum eg_revocation rev)
{
	switch (rev) {
	case EG_REVOCATION_GOOD:
		return "good";
	case EG_REVOCATION_REVOKED:
		return "revoked";
	default:
		return "unknown";
	}
}

/* RFC 3339 UTC, e.g. 2026-01-31T12:00:00Z. */
static const char *rfc3339(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static json_t *json_time(int64_t t)
{
	char buf[64];

	return json_string(rfc3339(t, buf, sizeof(buf)));
}

static json_t *json_signer(const struct eg_cert_info *c)
{
	char hex[2 * EG_SHA256_LEN + 1];

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "subject", c->subject, "issuer",
			 c->issuer, "serial", c->serial, "sha256", eg_sha256_hex(c->sha256, hex),
			 "not_before", json_time(c->not_before), "not_after",
			 json_time(c->not_after));
}

static int print_json(const char *path, const struct eg_verify_result *res)
{
	const char *kind = kind_name(res->kind);
	char hex[2 * EG_SHA256_LEN + 1];
	json_t *o, *chain;
	int r;

	chain = json_array();
	for (unsigned int i = 0; chain && i < res->chain_len && i < EG_CHAIN_MAX; i++)
		json_array_append_new(chain, json_string(res->chain_subjects[i]));
	/* "o" steals each reference, also when json_pack fails. */
	o = json_pack("{s:b, s:o, s:o, s:{s:s, s:o}, s:o, s:o, s:o, s:{s:s, s:o}, s:s}",
		      "valid", res->valid,
		      "reason", res->valid ? json_null() : json_string(eg_reason_name(res->reason)),
		      "kind", kind ? json_string(kind) : json_null(),
		      "file", "path", path, "sha256",
		      res->has_file_sha256 ? json_string(eg_sha256_hex(res->file_sha256, hex))
					   : json_null(),
		      "signer", res->has_signer ? json_signer(&res->signer) : json_null(),
		      "chain", chain ? chain : json_null(),
		      "timestamp",
		      res->has_timestamp ? json_pack("{s:o, s:s}", "time",
						     json_time(res->timestamp), "tsa",
						     res->tsa_subject)
					 : json_null(),
		      "revocation", "status", revocation_name(res->revocation), "crl_next_update",
		      res->crl_next_update ? json_time(res->crl_next_update) : json_null(),
		      "detail", res->detail);
	if (!o)
		return -ENOMEM;
	if (res->sig_path[0])
		json_object_set_new(o, "signature_path", json_string(res->sig_path));
	r = json_dumpf(o, stdout, JSON_COMPACT) ? -EIO : 0;
	putchar('\n');
	json_decref(o);
	return r;
}

static void print_text(const char *path, const struct eg_verify_result *res)
{
	const char *kind = kind_name(res->kind);
	char hex[2 * EG_SHA256_LEN + 1], t1[64], t2[64];

	if (res->valid)
		printf("%s: valid (%s signature)\n", path, kind ? kind : "no");
	else
		printf("%s: invalid: %s%s%s\n", path, eg_reason_name(res->reason),
		       res->detail[0] ? ": " : "", res->detail);
	if (res->has_file_sha256)
		printf("  file sha256:  %s\n", eg_sha256_hex(res->file_sha256, hex));
	if (res->sig_path[0])
		printf("  signature:    %s (%s)\n", res->sig_path, kind ? kind : "none");
	if (res->has_signer) {
		printf("  signer:       %s\n", res->signer.subject);
		printf("  issuer:       %s\n", res->signer.issuer);
		printf("  serial:       %s\n", res->signer.serial);
		printf("  fingerprint:  sha256:%s\n", eg_sha256_hex(res->signer.sha256, hex));
		printf("  validity:     %s to %s\n",
		       rfc3339(res->signer.not_before, t1, sizeof(t1)),
		       rfc3339(res->signer.not_after, t2, sizeof(t2)));
	}
	for (unsigned int i = 0; i < res->chain_len && i < EG_CHAIN_MAX; i++)
		printf("  %-14s%s\n", i ? "" : "chain:", res->chain_subjects[i]);
	if (res->has_timestamp)
		printf("  timestamp:    %s by %s\n", rfc3339(res->timestamp, t1, sizeof(t1)),
		       res->tsa_subject);
	else
		printf("  timestamp:    none\n");
	if (res->validation_time)
		printf("  checked at:   %s\n", rfc3339(res->validation_time, t1, sizeof(t1)));
	printf("  revocation:   %s", revocation_name(res->revocation));
	if (res->revocation == EG_REVOCATION_REVOKED && res->revocation_date)
		printf(" on %s", rfc3339(res->revocation_date, t1, sizeof(t1)));
	if (res->crl_next_update)
		printf(" (CRLs next update %s)", rfc3339(res->crl_next_update, t1, sizeof(t1)));
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
		if (print_json(file, &res)) {
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
