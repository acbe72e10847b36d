// SPDX-License-Identifier: GPL-2.0
/*
 * execgate inventory: the signing certificates in use on some paths and the trust
 * anchors of the policy, with their expiry, how many files each signs, and the owner and
 * rotate-by date the policy's signer declarations give them.  What the security team
 * looks at before a certificate runs out or a key is due for rotation.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "eg_lifecycle.h"
#include "lifecycle.h"

#define CMD "execgate inventory"
/* Distinct certificates listed; more is an error rather than a partial inventory. */
#define MAX_CERTS 100000
#define MAX_WARN_DAYS 36500

static const char inventory_help[] =
	"usage: execgate inventory (--policy POLICY | --trust PEM... [--tsa-trust PEM...])\n"
	"                          [--warn-days N] [--strict] [--json] [[--paths] DIR|FILE...]\n"
	"\n"
	"List the certificates execgate depends on: the signing certificates of the signed\n"
	"files under the given paths (each file is verified; a signer is listed whether its\n"
	"files verify or not), then the trust anchors and TSA anchors.  For each: subject,\n"
	"issuer, serial, SHA-256 fingerprint, notAfter and the days left, the number of files\n"
	"it signs and how many of those signatures carry a verified timestamp (a timestamped\n"
	"signature outlives the certificate), and the owner and rotate-by date of the policy's\n"
	"signer declaration that matches it (all of the declaration's cert, spki, subject and\n"
	"issuer must match; the first such declaration counts).  Intermediate CAs are not\n"
	"listed.\n"
	"\n"
	"Findings: a certificate that has expired or expires within N days (every listed\n"
	"certificate); a signer in use without an owner, or past its rotate-by date.  A\n"
	"rotate-by date within N days is a warning.\n"
	"\n"
	"  --policy POLICY  anchors, TSA anchors, signature directory, catalogs and the signer\n"
	"                   declarations from this policy\n"
	"  --trust PEM      code signing trust anchors (repeatable); no owners are known\n"
	"  --tsa-trust PEM  TSA trust anchors (repeatable)\n"
	"  --paths DIR|FILE where to look for signed files (repeatable; further arguments count\n"
	"                   too); directories are walked, symbolic links not followed\n"
	"  --warn-days N    the expiry warning window in days (default 30)\n"
	"  --strict         signers without owner or past rotate-by are findings for the exit\n"
	"                   status too (they are always listed)\n"
	"  --json           one JSON object instead of text\n"
	"  -h, --help       this text\n"
	"\n"
	"Exit status: 0 nothing found, 1 a certificate expired or expires within N days (or,\n"
	"with --strict, a signer without owner or past rotate-by), 2 usage or operational\n"
	"error (also when a file or directory could not be read: the rest is still listed).\n";

enum role {
	ROLE_SIGNER,
	ROLE_ANCHOR,
	ROLE_TSA_ANCHOR,
};

static const char *const role_names[] = { "signer", "trust-anchor", "tsa-anchor" };

struct cert_row {
	enum role role;
	struct eg_cert_info info;
	size_t order; /* when it was first seen */
	size_t files, timestamped, valid;
	const struct eg_policy_signer *decl; /* matching declaration, or NULL */
};

struct inventory {
	struct eg_verifier *v;
	const struct eg_policy *policy;
	struct cert_row *rows;
	size_t n, cap;
	size_t checked, signed_files;
	int64_t now;
	long warn_days;
	bool strict, json;
};

static struct cert_row *row_find(struct inventory *inv, enum role role,
				 const unsigned char sha256[EG_SHA256_LEN])
{
	for (size_t i = 0; i < inv->n; i++)
		if (inv->rows[i].role == role &&
		    !memcmp(inv->rows[i].info.sha256, sha256, EG_SHA256_LEN))
			return &inv->rows[i];
	return NULL;
}

static int row_add(struct inventory *inv, enum role role, const struct eg_cert_info *info,
		   struct cert_row **ret)
{
	struct cert_row *row = row_find(inv, role, info->sha256);

	if (!row) {
		if (inv->n == MAX_CERTS) {
			fprintf(stderr, CMD ": more than %d distinct certificates\n", MAX_CERTS);
			return -E2BIG;
		}
		if (inv->n == inv->cap) {
			size_t cap = inv->cap ? 2 * inv->cap : 16;
			struct cert_row *rows = realloc(inv->rows, cap * sizeof(*rows));

			if (!rows)
				return -ENOMEM;
			inv->rows = rows;
			inv->cap = cap;
		}
		row = &inv->rows[inv->n++];
		memset(row, 0, sizeof(*row));
		row->role = role;
		row->order = inv->n - 1;
		row->info = *info;
	}
	*ret = row;
	return 0;
}

static int inventory_file(const char *path, const struct eg_verify_result *res, void *arg)
{
	struct inventory *inv = arg;
	struct cert_row *row;
	int r;

	if (!res->has_signer)
		return 0;
	inv->signed_files++;
	r = row_add(inv, ROLE_SIGNER, &res->signer, &row);
	if (r)
		return r;
	row->files++;
	row->timestamped += res->has_timestamp;
	row->valid += res->valid;
	/* The anchor a valid chain ended in; anchors are added before the walk. */
	if (res->valid && res->chain_len) {
		for (size_t i = 0; i < inv->n; i++)
			if (inv->rows[i].role == ROLE_ANCHOR &&
			    !strcmp(inv->rows[i].info.subject,
				    res->chain_subjects[res->chain_len - 1]))
				inv->rows[i].files++;
	}
	return 0;
}

/* Every certificate of the PEM file PATH as a row of ROLE. */
static int add_anchors(struct inventory *inv, const char *path, enum role role)
{
	BIO *bio = BIO_new_file(path, "r");
	struct eg_cert_info info;
	struct cert_row *row;
	size_t count = 0;
	X509 *x;
	int r = 0;

	if (!bio) {
		fprintf(stderr, CMD ": %s: cannot open\n", path);
		ERR_clear_error();
		return -ENOENT;
	}
	while (!r && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		eg_cert_info_of(x, &info);
		X509_free(x);
		r = row_add(inv, role, &info, &row);
		count++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (!r && !count) {
		fprintf(stderr, CMD ": %s: no PEM certificate in it\n", path);
		r = -EINVAL;
	}
	return r;
}

static bool decl_matches(const struct eg_policy_signer *s, const struct eg_cert_info *info)
{
	if ((s->present & EG_M_CERT) && memcmp(s->cert, info->sha256, EG_SHA256_LEN))
		return false;
	if ((s->present & EG_M_SPKI) && memcmp(s->spki, info->spki_sha256, EG_SHA256_LEN))
		return false;
	if ((s->present & EG_M_SUBJECT) && fnmatch(s->subject, info->subject, 0))
		return false;
	if ((s->present & EG_M_ISSUER) && fnmatch(s->issuer, info->issuer, 0))
		return false;
	return s->present != 0;
}

static void match_declarations(struct inventory *inv)
{
	size_t n = inv->policy ? eg_policy_signer_count(inv->policy) : 0;

	for (size_t i = 0; i < inv->n; i++)
		for (size_t j = 0; j < n && !inv->rows[i].decl; j++)
			if (decl_matches(eg_policy_signer(inv->policy, j), &inv->rows[i].info))
				inv->rows[i].decl = eg_policy_signer(inv->policy, j);
}

struct findings {
	bool expired, expiring, no_owner, past_rotate;
	bool rotate_soon; /* within the warning window: a warning, never an exit status */
};

static void row_findings(const struct inventory *inv, const struct cert_row *row,
			 struct findings *f)
{
	memset(f, 0, sizeof(*f));
	f->expired = row->info.not_after <= inv->now;
	f->expiring = !f->expired && row->info.not_after - inv->now < inv->warn_days * 86400;
	if (row->role != ROLE_SIGNER)
		return;
	f->no_owner = !row->decl || !row->decl->owner;
	if (!row->decl || !row->decl->has_rotate_by)
		return;
	f->past_rotate = (int64_t)row->decl->rotate_by <= inv->now;
	f->rotate_soon = !f->past_rotate &&
			 (int64_t)row->decl->rotate_by - inv->now < inv->warn_days * 86400;
}

static const char *timestamped_word(const struct cert_row *row)
{
	if (!row->timestamped)
		return "none";
	return row->timestamped == row->files ? "all" : "some";
}

static void print_row_text(const struct inventory *inv, const struct cert_row *row,
			   const struct findings *f)
{
	char hex[2 * EG_SHA256_LEN + 1], t1[64];
	const struct eg_policy_signer *d = row->decl;

	printf("%s  %s\n", role_names[row->role], row->info.subject);
	printf("  issuer:      %s\n", row->info.issuer);
	printf("  serial:      %s\n", row->info.serial);
	printf("  fingerprint: sha256:%s\n", eg_sha256_hex(row->info.sha256, hex));
	printf("  not after:   %s (%lld days left)\n",
	       lc_time_str(row->info.not_after, t1, sizeof(t1)),
	       (long long)lc_days_left(row->info.not_after, inv->now));
	if (row->role == ROLE_SIGNER)
		printf("  files:       %zu signed, %zu verify, timestamped: %s (%zu)\n", row->files,
		       row->valid, timestamped_word(row), row->timestamped);
	else if (row->role == ROLE_ANCHOR)
		printf("  files:       %zu verify through it\n", row->files);
	if (d)
		printf("  declared:    signer %s (%s:%u)\n", d->name, d->file, d->line);
	if (d && d->owner)
		printf("  owner:       %s\n", d->owner);
	if (d && d->has_rotate_by)
		printf("  rotate by:   %s (%lld days left)\n",
		       lc_time_str((int64_t)d->rotate_by, t1, sizeof(t1)),
		       (long long)lc_days_left((int64_t)d->rotate_by, inv->now));
	if (f->expired)
		printf("  FINDING:     expired\n");
	if (f->expiring)
		printf("  FINDING:     expires within %ld days\n", inv->warn_days);
	if (f->no_owner)
		printf("  %s no owner in the policy\n", inv->strict ? "FINDING:    " : "warning:    ");
	if (f->past_rotate)
		printf("  %s past its rotate-by date\n", inv->strict ? "FINDING:    " : "warning:    ");
	if (f->rotate_soon)
		printf("  warning:     to be rotated within %ld days\n", inv->warn_days);
}

static json_t *row_json(const struct inventory *inv, const struct cert_row *row,
			const struct findings *f)
{
	char hex[2 * EG_SHA256_LEN + 1];
	const struct eg_policy_signer *d = row->decl;
	json_t *findings = json_array(), *o;

	if (!findings)
		return NULL;
	if (f->expired)
		json_array_append_new(findings, json_string("expired"));
	if (f->expiring)
		json_array_append_new(findings, json_string("expiring"));
	if (f->no_owner)
		json_array_append_new(findings, json_string("no_owner"));
	if (f->past_rotate)
		json_array_append_new(findings, json_string("past_rotate_by"));
	if (f->rotate_soon)
		json_array_append_new(findings, json_string("rotate_by_soon"));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
		      "role", role_names[row->role], "subject", row->info.subject, "issuer",
		      row->info.issuer, "serial", row->info.serial, "sha256",
		      eg_sha256_hex(row->info.sha256, hex), "not_before",
		      lc_json_time(row->info.not_before), "not_after",
		      lc_json_time(row->info.not_after), "days_left",
		      (json_int_t)lc_days_left(row->info.not_after, inv->now), "files",
		      row->role == ROLE_TSA_ANCHOR ? json_null() : json_integer((json_int_t)row->files),
		      "timestamped_files",
		      row->role == ROLE_SIGNER ? json_integer((json_int_t)row->timestamped)
					       : json_null(),
		      "policy_signer", d ? json_string(d->name) : json_null(), "owner",
		      d && d->owner ? json_string(d->owner) : json_null(), "rotate_by",
		      d && d->has_rotate_by ? lc_json_time((int64_t)d->rotate_by) : json_null(),
		      "findings", findings);
	if (o && row->role == ROLE_SIGNER) {
		json_object_set_new(o, "valid_files", json_integer((json_int_t)row->valid));
		json_object_set_new(o, "timestamped", json_string(timestamped_word(row)));
	}
	return o;
}

/* Print every row and return the exit status. */
static int report(struct inventory *inv)
{
	size_t n_expiry = 0, n_owner = 0, n_rotate = 0, n_role[3] = { 0 };
	json_t *list = inv->json ? json_array() : NULL;
	int r;

	if (inv->json && !list)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n; i++) {
		const struct cert_row *row = &inv->rows[i];
		struct findings f;

		row_findings(inv, row, &f);
		n_role[row->role]++;
		n_expiry += f.expired || f.expiring;
		n_owner += f.no_owner;
		n_rotate += f.past_rotate;
		if (!inv->json) {
			print_row_text(inv, row, &f);
			continue;
		}
		if (json_array_append_new(list, row_json(inv, row, &f))) {
			json_decref(list);
			return -ENOMEM;
		}
	}
	if (inv->json) {
		r = lc_json_print(json_pack(
			"{s:o, s:I, s:b, s:I, s:I, s:o, s:{s:I, s:I, s:I}}", "now",
			lc_json_time(inv->now), "warn_days", (json_int_t)inv->warn_days, "strict",
			inv->strict, "files_checked", (json_int_t)inv->checked, "signed_files",
			(json_int_t)inv->signed_files, "certificates", list, "findings",
			"expired_or_expiring", (json_int_t)n_expiry, "no_owner",
			(json_int_t)n_owner, "past_rotate_by", (json_int_t)n_rotate));
		if (r)
			return r;
	} else {
		printf("inventory: %zu files checked, %zu signed; %zu signers, %zu trust anchors, "
		       "%zu TSA anchors; %zu expired or expiring within %ld days, %zu signers "
		       "without owner, %zu past rotate-by\n",
		       inv->checked, inv->signed_files, n_role[ROLE_SIGNER], n_role[ROLE_ANCHOR],
		       n_role[ROLE_TSA_ANCHOR], n_expiry, inv->warn_days, n_owner, n_rotate);
	}
	if (n_expiry || (inv->strict && (n_owner || n_rotate)))
		return EG_EXIT_FINDING;
	return EG_EXIT_OK;
}

/* Signers in use first (by subject, then fingerprint), then the anchors in file order. */
static int row_cmp(const void *a, const void *b)
{
	const struct cert_row *x = a, *y = b;
	int c;

	if (x->role != y->role)
		return (int)x->role - (int)y->role;
	if (x->role != ROLE_SIGNER)
		return x->order < y->order ? -1 : x->order > y->order;
	c = strcmp(x->info.subject, y->info.subject);
	return c ? c : memcmp(x->info.sha256, y->info.sha256, EG_SHA256_LEN);
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "paths", required_argument, NULL, 'P' },
		{ "warn-days", required_argument, NULL, 'w' },
		{ "strict", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct lc_trust trust = { .cmd = CMD };
	struct inventory inv = { .warn_days = 30 };
	struct lc_paths paths = { .n = 0 };
	size_t unread = 0;
	char *end;
	int c, r, status = EG_EXIT_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			errno = 0;
			inv.warn_days = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || inv.warn_days < 0 ||
			    inv.warn_days > MAX_WARN_DAYS) {
				fprintf(stderr, CMD ": --warn-days: expected a number of days from 0 "
						"to %d, not '%s'\n", MAX_WARN_DAYS, optarg);
				return EG_EXIT_ERROR;
			}
			break;
		case 's':
			inv.strict = true;
			break;
		case 'j':
			inv.json = true;
			break;
		case 'h':
			fputs(inventory_help, stdout);
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
	inv.now = (int64_t)time(NULL);
	r = lc_trust_load(&trust);
	if (r)
		goto out;
	inv.policy = trust.policy;
	/* Expiry and ownership are the question here, not revocation. */
	trust.crl_dir = NULL;
	r = lc_verifier_new(&trust, 0, &inv.v);
	if (r)
		goto out;
	for (size_t i = 0; !r && i < trust.nanchors; i++)
		r = add_anchors(&inv, trust.anchors[i], ROLE_ANCHOR);
	for (size_t i = 0; !r && i < trust.ntsa; i++)
		r = add_anchors(&inv, trust.tsa_anchors[i], ROLE_TSA_ANCHOR);
	if (r)
		goto out;
	r = lc_walk(CMD, paths.items, paths.n, inv.v, inventory_file, &inv, &inv.checked, &unread);
	if (r)
		goto out;
	qsort(inv.rows, inv.n, sizeof(*inv.rows), row_cmp);
	match_declarations(&inv);
	r = report(&inv);
	if (r < 0) {
		fprintf(stderr, CMD ": cannot print the inventory: %s\n", strerror(-r));
		goto out;
	}
	status = r;
	if (unread) {
		fprintf(stderr, CMD ": %zu files or directories could not be read (above): the "
				"inventory is incomplete\n", unread);
		status = EG_EXIT_ERROR;
	}
out:
	if (r == -ENOMEM)
		fprintf(stderr, CMD ": out of memory\n");
	free(inv.rows);
	eg_verifier_free(inv.v);
	lc_trust_free(&trust);
	return status;
}
