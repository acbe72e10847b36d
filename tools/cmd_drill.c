// SPDX-License-Identifier: GPL-2.0
/*
 * execgate drill --revoke CERT: which files would stop running if a certificate were
 * revoked.  Each file under --paths is verified as it stands now; a file that is valid
 * now and whose chain holds the certificate is judged by the revocation rule the
 * verifier applies to a real CRL entry (eg_revocation_spares): for keyCompromise and the
 * other non-benign reasons it stops; for superseded, affiliationChanged,
 * cessationOfOperation and privilegeWithdrawn it keeps running only when its signature
 * carries a verified timestamp strictly before the revocation time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "commands.h"
#include "eg_hex.h"
#include "eg_lifecycle.h"
#include "lifecycle.h"

#define CMD "execgate drill"

static const char drill_help[] =
	"usage: execgate drill --revoke CERT|SHA256 [--reason REASON] [--at TIME]\n"
	"                      (--policy POLICY | --trust PEM... [--tsa-trust PEM...]\n"
	"                      [--crl-dir DIR]) [--json] [--paths] DIR|FILE...\n"
	"\n"
	"A revocation drill: list the files under the given directories that run now and\n"
	"would stop running if the certificate were revoked with REASON at TIME.  Each file\n"
	"is verified as the agent would verify it now (signature, chain to the anchors,\n"
	"timestamp, revocation in the current CRLs; a stale or missing CRL is not held\n"
	"against a file here).  A file that is valid now and whose certificate chain holds\n"
	"the drilled certificate (as its signer, or as an intermediate CA) then:\n"
	"  - stops, for keyCompromise, cACompromise, aACompromise, certificateHold,\n"
	"    unspecified or removeFromCRL: a compromised key taints every signature;\n"
	"  - keeps running, for superseded, affiliationChanged, cessationOfOperation or\n"
	"    privilegeWithdrawn, when its signature has a verified RFC 3161 timestamp\n"
	"    strictly before TIME, and stops otherwise.\n"
	"Files that do not verify now are listed apart: they do not run today.\n"
	"\n"
	"  --revoke CERT|SHA256  the certificate: a PEM or DER file, or its SHA-256\n"
	"                        fingerprint (64 hex digits, colons and a 'sha256:' prefix\n"
	"                        allowed).  By fingerprint only a file's signer can be\n"
	"                        matched; to drill an intermediate CA give its file\n"
	"  --reason REASON       CRLReason name (default keyCompromise)\n"
	"  --at TIME             the revocation time: now (default), YYYY-MM-DD or\n"
	"                        YYYY-MM-DDThh:mm:ssZ (UTC)\n"
	"  --policy POLICY       take anchors, TSA anchors, CRLs, signature directory and\n"
	"                        catalogs from this policy\n"
	"  --trust PEM           code signing trust anchors (repeatable)\n"
	"  --tsa-trust PEM       TSA trust anchors (repeatable)\n"
	"  --crl-dir DIR         current CRLs\n"
	"  --paths DIR|FILE      where to look (repeatable; further arguments count too);\n"
	"                        directories are walked, symbolic links not followed\n"
	"  --json                one JSON object instead of text\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 nothing would stop, 1 some file would stop running, 2 usage or\n"
	"operational error (also when a file or directory could not be read: the rest is\n"
	"still reported).\n";

struct target {
	unsigned char sha256[EG_SHA256_LEN];
	bool has_cert; /* given as a file: subject and issuer known */
	struct eg_cert_info info;
};

enum verdict {
	V_STOPS,
	V_KEEPS,
	V_INVALID, /* does not verify today */
};

struct drill {
	struct eg_verifier *v;
	struct target target;
	int reason;
	int64_t at;
	bool json;
	size_t checked, signed_files, counts[3];
	json_t *lists[3];
};

/* 64 hex digits, optionally "sha256:" first and ':' between pairs. */
static bool parse_fingerprint(const char *s, unsigned char out[EG_SHA256_LEN])
{
	size_t n = 0;

	if (!strncasecmp(s, "sha256:", 7))
		s += 7;
	while (*s) {
		int hi = eg_hex_digit(s[0]), lo = hi < 0 ? -1 : eg_hex_digit(s[1]);

		if (hi < 0 || lo < 0 || n == EG_SHA256_LEN)
			return false;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && s[1])
			s++;
	}
	return n == EG_SHA256_LEN;
}

static X509 *read_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509 *x;

	if (!bio)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!x && BIO_reset(bio) == 0)
		x = d2i_X509_bio(bio, NULL);
	BIO_free(bio);
	return x;
}

static int target_parse(const char *arg, struct target *t)
{
	X509 *x;

	if (parse_fingerprint(arg, t->sha256))
		return 0;
	x = read_cert(arg);
	ERR_clear_error();
	if (!x) {
		fprintf(stderr, CMD ": --revoke %s: neither a SHA-256 fingerprint nor a readable "
				"PEM or DER certificate\n", arg);
		return -EINVAL;
	}
	t->has_cert = true;
	eg_cert_info_of(x, &t->info);
	memcpy(t->sha256, t->info.sha256, EG_SHA256_LEN);
	X509_free(x);
	return 0;
}

/* Does RES's validated chain hold the target below its anchor?  The signer by
 * fingerprint; an intermediate by its subject and issuer, which is all a result records
 * of it (a valid chain is built from the anchors and what the signature carries, so a
 * certificate with the same names and another key would be a re-keyed CA). */
static bool chain_holds(const struct target *t, const struct eg_verify_result *res)
{
	if (res->has_signer && !memcmp(res->signer.sha256, t->sha256, EG_SHA256_LEN))
		return true;
	if (!t->has_cert)
		return false;
	for (unsigned int i = 1; i + 1 < res->chain_len && i + 1 < EG_CHAIN_MAX; i++)
		if (!strcmp(res->chain_subjects[i], t->info.subject) &&
		    !strcmp(res->chain_subjects[i + 1], t->info.issuer))
			return true;
	return false;
}

static int record(struct drill *d, const char *path, const struct eg_verify_result *res,
		  enum verdict verdict, const char *why)
{
	char hex[2 * EG_SHA256_LEN + 1], t1[64];
	json_t *o;

	d->counts[verdict]++;
	if (!d->json) {
		static const char *const tags[] = { "STOPS", "KEEPS", "INVALID" };

		printf("%-8s %s\n         %s", tags[verdict], path, why);
		if (res->has_timestamp)
			printf(" (timestamped %s)", lc_time_str(res->timestamp, t1, sizeof(t1)));
		printf("\n");
		return 0;
	}
	o = json_pack("{s:s, s:o, s:o, s:o, s:s}", "path", path, "sha256",
		      res->has_file_sha256 ? json_string(eg_sha256_hex(res->file_sha256, hex))
					   : json_null(),
		      "signer", res->has_signer ? json_string(res->signer.subject) : json_null(),
		      "timestamp", res->has_timestamp ? lc_json_time(res->timestamp) : json_null(),
		      "why", why);
	if (!o || json_array_append_new(d->lists[verdict], o))
		return -ENOMEM;
	return 0;
}

static int drill_file(const char *path, const struct eg_verify_result *res, void *arg)
{
	struct drill *d = arg;
	char why[EG_DETAIL_MAX + 64];

	if (res->kind == EG_SIG_NONE)
		return 0;
	d->signed_files++;
	if (!res->valid) {
		/* Only those the drilled certificate signed: the rest is not this drill's. */
		if (!res->has_signer || memcmp(res->signer.sha256, d->target.sha256, EG_SHA256_LEN))
			return 0;
		snprintf(why, sizeof(why), "does not verify now: %s", eg_reason_name(res->reason));
		return record(d, path, res, V_INVALID, why);
	}
	if (!chain_holds(&d->target, res))
		return 0;
	if (eg_revocation_spares(d->reason, res->has_timestamp, res->timestamp, d->at)) {
		snprintf(why, sizeof(why), "timestamped before the revocation; %s spares it",
			 eg_crl_reason_to_name(d->reason));
		return record(d, path, res, V_KEEPS, why);
	}
	if (!res->has_timestamp)
		snprintf(why, sizeof(why), "not timestamped");
	else if (res->timestamp >= d->at)
		snprintf(why, sizeof(why), "timestamped at or after the revocation");
	else
		snprintf(why, sizeof(why), "%s taints signatures made before it too",
			 eg_crl_reason_to_name(d->reason));
	return record(d, path, res, V_STOPS, why);
}

static void print_header(const struct drill *d)
{
	char hex[2 * EG_SHA256_LEN + 1], t1[64];
	const struct target *t = &d->target;

	printf("drill: revoking %s%s%s (sha256:%s) for %s at %s\n", t->has_cert ? "\"" : "",
	       t->has_cert ? t->info.subject : "certificate", t->has_cert ? "\"" : "",
	       eg_sha256_hex(t->sha256, hex), eg_crl_reason_to_name(d->reason),
	       lc_time_str(d->at, t1, sizeof(t1)));
}

static int print_summary(struct drill *d)
{
	char hex[2 * EG_SHA256_LEN + 1];
	const struct target *t = &d->target;
	json_t *o;

	if (!d->json) {
		printf("%zu files checked, %zu signed: %zu would stop running, %zu would keep "
		       "running, %zu signed by it do not verify now\n",
		       d->checked, d->signed_files, d->counts[V_STOPS], d->counts[V_KEEPS],
		       d->counts[V_INVALID]);
		return 0;
	}
	o = json_pack("{s:{s:s, s:o}, s:s, s:o, s:I, s:I, s:O, s:O, s:O}", "certificate",
		      "sha256", eg_sha256_hex(t->sha256, hex), "subject",
		      t->has_cert ? json_string(t->info.subject) : json_null(), "reason",
		      eg_crl_reason_to_name(d->reason), "revocation_time", lc_json_time(d->at),
		      "files_checked", (json_int_t)d->checked, "signed_files",
		      (json_int_t)d->signed_files, "stops", d->lists[V_STOPS], "keeps",
		      d->lists[V_KEEPS], "invalid_now", d->lists[V_INVALID]);
	return lc_json_print(o);
}

int cmd_drill(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "revoke", required_argument, NULL, 'r' },
		{ "reason", required_argument, NULL, 'R' },
		{ "at", required_argument, NULL, 'a' },
		{ "policy", required_argument, NULL, 'p' },
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "crl-dir", required_argument, NULL, 'c' },
		{ "paths", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct lc_trust trust = { .cmd = CMD };
	struct drill d = { .reason = CRL_REASON_KEY_COMPROMISE };
	struct lc_paths paths = { .n = 0 };
	const char *revoke = NULL;
	size_t unread = 0;
	int c, r, status = EG_EXIT_ERROR;

	d.at = (int64_t)time(NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			revoke = optarg;
			break;
		case 'R':
			d.reason = eg_crl_reason_from_name(optarg);
			if (d.reason < 0) {
				fprintf(stderr, CMD ": --reason: unknown CRLReason '%s' (keyCompromise, "
						"superseded, affiliationChanged, ...)\n", optarg);
				return EG_EXIT_ERROR;
			}
			break;
		case 'a':
			if (lc_parse_time(optarg, &d.at)) {
				fprintf(stderr, CMD ": --at: expected now, YYYY-MM-DD or "
						"YYYY-MM-DDThh:mm:ssZ, not '%s'\n", optarg);
				return EG_EXIT_ERROR;
			}
			break;
		case 'j':
			d.json = true;
			break;
		case 'h':
			fputs(drill_help, stdout);
			return EG_EXIT_OK;
		default:
			r = lc_take_option(c, optarg, &trust, &paths);
			if (r > 0)
				break;
			if (!r)
				fprintf(stderr, CMD ": see '" CMD " --help'\n");
			return EG_EXIT_ERROR;
		}
	}
	for (; optind < argc; optind++)
		if (lc_paths_add(CMD, &paths, argv[optind]))
			return EG_EXIT_ERROR;
	if (!revoke || !paths.n) {
		fprintf(stderr, CMD ": needs --revoke CERT|SHA256 and at least one path\n");
		return EG_EXIT_ERROR;
	}
	if (target_parse(revoke, &d.target))
		return EG_EXIT_ERROR;
	for (int i = 0; i < 3; i++) {
		d.lists[i] = json_array();
		if (!d.lists[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = lc_trust_load(&trust);
	if (r)
		goto out;
	r = lc_is_anchor(&trust, d.target.sha256);
	if (r > 0) {
		/* Verification never looks an anchor up in a CRL: "nothing stops" would mislead. */
		fprintf(stderr, CMD ": %s is a trust anchor; anchors are not revoked through CRLs "
				"but removed from the policy (then every file chaining to it stops)\n",
			revoke);
		goto out;
	}
	if (r)
		goto out;
	/* The drill is about this one certificate: CRL freshness is another question. */
	r = lc_verifier_new(&trust, EG_VERIFY_ALLOW_CRL_STALE | EG_VERIFY_ALLOW_CRL_MISSING, &d.v);
	if (r)
		goto out;
	if (!d.json)
		print_header(&d);
	r = lc_walk(CMD, paths.items, paths.n, d.v, drill_file, &d, &d.checked, &unread);
	if (r)
		goto out;
	r = print_summary(&d);
	if (r) {
		fprintf(stderr, CMD ": cannot print the result: %s\n", strerror(-r));
		goto out;
	}
	/* What could not be read might have been the file that stops: not a clean answer. */
	if (unread) {
		fprintf(stderr, CMD ": %zu files or directories could not be read (above)\n",
			unread);
		goto out;
	}
	status = d.counts[V_STOPS] ? EG_EXIT_FINDING : EG_EXIT_OK;
out:
	if (r == -ENOMEM)
		fprintf(stderr, CMD ": out of memory\n");
	for (int i = 0; i < 3; i++)
		json_decref(d.lists[i]);
	eg_verifier_free(d.v);
	lc_trust_free(&trust);
	return status;
}
