// SPDX-License-Identifier: GPL-2.0
/* --suggest-policy: from what audit mode let through (decision "audit"), the rules of
 * policy/README.md that would have allowed it, grouped by signer.
 *
 *   - a file whose signature verified and was refused by a rule: one rule per signer,
 *     `allow subject S issuer I` (a signer rule implies `outcome valid`, so it never
 *     lets that signer's expired or revoked files through);
 *   - a signed file that failed verification for a reason a person may accept (expired,
 *     untrusted chain, stale CRL, ...), and an unsigned file: pinned by digest (and path),
 *     so exactly what ran is allowed and nothing else from that signer;
 *   - never suggested: revoked, bad_signature, deny_list, malformed and the mapping
 *     checks, and files the log has no digest for.  They are listed as comments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct sfile {
	char *path;
	char *sha256;
	char *reason;
	int64_t events;
};

struct sfiles {
	json_t *index; /* key -> index into v */
	struct sfile *v;
	size_t n, cap;
};

struct sgroup {
	char *subject, *issuer; /* NULL: the unsigned files */
	int64_t events;
	struct eg_log_list fingerprints;
	struct sfiles verified; /* ran with a valid signature: covered by the signer rule */
	struct sfiles pinned;   /* allowed by digest */
};

struct eg_log_suggest {
	json_t *index; /* group key -> index into g */
	struct sgroup *g;
	size_t n, cap;
	struct sfiles left_out;
	int64_t records, events;
	int64_t first_ns, last_ns;
};

static const char *const never[] = { "revoked",		 "bad_signature",    "deny_list",
				     "malformed",		 "writable_mapping", "modified_mapping",
				     "mapped_executable", "proc_mem",	     NULL };

struct eg_log_suggest *eg_log_suggest_new(void)
{
	struct eg_log_suggest *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->index = json_object();
	s->left_out.index = json_object();
	if (!s->index || !s->left_out.index) {
		eg_log_suggest_free(s);
		return NULL;
	}
	return s;
}

static void sfiles_free(struct sfiles *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].sha256);
		free(f->v[i].reason);
	}
	free(f->v);
	json_decref(f->index);
}

void eg_log_suggest_free(struct eg_log_suggest *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->g[i].subject);
		free(s->g[i].issuer);
		eg_log_list_free(&s->g[i].fingerprints);
		sfiles_free(&s->g[i].verified);
		sfiles_free(&s->g[i].pinned);
	}
	free(s->g);
	json_decref(s->index);
	sfiles_free(&s->left_out);
	free(s);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Count REC's events for the file (PATH, SHA256, REASON) in F. */
static int sfiles_add(struct sfiles *f, const struct eg_log_rec *rec)
{
	const char *reason = rec->reason ? rec->reason : "";
	char *key = NULL;
	json_t *idx;
	struct sfile *e;
	int ret = -ENOMEM;

	if (asprintf(&key, "%s\n%s\n%s", rec->sha256 ? rec->sha256 : "",
		     rec->path ? rec->path : "", reason) < 0)
		return -ENOMEM;
	idx = json_object_get(f->index, key);
	if (idx) {
		f->v[json_integer_value(idx)].events += rec->count;
		ret = 0;
		goto out;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct sfile *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			goto out;
		f->v = v;
		f->cap = cap;
	}
	e = &f->v[f->n];
	e->path = dup_or_null(rec->path);
	e->sha256 = dup_or_null(rec->sha256);
	e->reason = strdup(reason);
	e->events = rec->count;
	if ((rec->path && !e->path) || (rec->sha256 && !e->sha256) || !e->reason ||
	    json_object_set_new(f->index, key, json_integer(f->n))) {
		free(e->path);
		free(e->sha256);
		free(e->reason);
		goto out;
	}
	f->n++;
	ret = 0;
out:
	free(key);
	return ret;
}

static struct sgroup *group_of(struct eg_log_suggest *s, const struct eg_log_rec *rec)
{
	bool signed_ = rec->has_sig && rec->subject;
	char *key = NULL;
	json_t *idx;
	struct sgroup *g = NULL;

	if (asprintf(&key, "%s\n%s\n%s", signed_ ? "S" : "U", signed_ ? rec->subject : "",
		     signed_ && rec->issuer ? rec->issuer : "") < 0)
		return NULL;
	idx = json_object_get(s->index, key);
	if (idx) {
		g = &s->g[json_integer_value(idx)];
		goto out;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct sgroup *v = realloc(s->g, cap * sizeof(*v));

		if (!v)
			goto out;
		s->g = v;
		s->cap = cap;
	}
	g = &s->g[s->n];
	memset(g, 0, sizeof(*g));
	g->subject = signed_ ? strdup(rec->subject) : NULL;
	g->issuer = signed_ ? dup_or_null(rec->issuer) : NULL;
	g->verified.index = json_object();
	g->pinned.index = json_object();
	if ((signed_ && !g->subject) || (signed_ && rec->issuer && !g->issuer) ||
	    !g->verified.index || !g->pinned.index ||
	    json_object_set_new(s->index, key, json_integer(s->n))) {
		free(g->subject);
		free(g->issuer);
		json_decref(g->verified.index);
		json_decref(g->pinned.index);
		g = NULL;
		goto out;
	}
	s->n++;
out:
	free(key);
	return g;
}

int eg_log_suggest_add(void *suggest, const struct eg_log_rec *rec)
{
	struct eg_log_suggest *s = suggest;
	struct sgroup *g;
	bool refused = false;
	int ret;

	if (rec->decision != EG_DECISION_AUDIT)
		return 0;
	if (!s->records || rec->time_ns < s->first_ns)
		s->first_ns = rec->time_ns;
	if (!s->records || rec->time_ns > s->last_ns)
		s->last_ns = rec->time_ns;
	s->records++;
	s->events += rec->count;
	for (const char *const *n = never; rec->reason && *n; n++)
		refused |= !strcmp(rec->reason, *n);
	/* A signer rule needs a verified signature, a pin needs a digest. */
	if (refused || (!rec->sha256 && !(rec->has_sig && rec->subject && rec->reason &&
					  !strcmp(rec->reason, "denied_by_rule"))))
		return sfiles_add(&s->left_out, rec);
	g = group_of(s, rec);
	if (!g)
		return -ENOMEM;
	g->events += rec->count;
	if (rec->has_sig && rec->subject && rec->reason && !strcmp(rec->reason, "denied_by_rule")) {
		size_t i;

		for (i = 0; rec->sig_sha256 && i < g->fingerprints.n; i++)
			if (!strcmp(g->fingerprints.v[i], rec->sig_sha256))
				break;
		if (rec->sig_sha256 && i == g->fingerprints.n) {
			ret = eg_log_list_add(&g->fingerprints, rec->sig_sha256);
			if (ret)
				return ret;
		}
		return sfiles_add(&g->verified, rec);
	}
	return sfiles_add(&g->pinned, rec);
}

/* S as a policy STRING: quoted, `"` and `\` escaped and, when GLOB, glob characters
 * escaped for fnmatch(3) so that the pattern matches S exactly.  Returns false when S
 * holds what a policy line cannot (a control character) or does not fit in LEN. */
static bool quote(char *buf, size_t len, const char *s, bool glob)
{
	size_t n = 0;

	if (len < 3)
		return false;
	buf[n++] = '"';
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f || n + 6 >= len)
			return false;
		if (glob && strchr("*?[\\", c)) {
			buf[n++] = '\\';
			buf[n++] = '\\';
		}
		if (c == '"' || c == '\\')
			buf[n++] = '\\';
		buf[n++] = c;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return true;
}

static int by_events(const void *a, const void *b)
{
	const struct sfile *x = a, *y = b;

	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

static int group_by_events(const void *a, const void *b)
{
	const struct sgroup *x = a, *y = b;

	if (!x->subject != !y->subject)
		return x->subject ? -1 : 1; /* signers first, unsigned files last */
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return strcmp(x->subject ? x->subject : "", y->subject ? y->subject : "");
}

static void comment(FILE *out, const char *prefix, const char *s)
{
	fputs(prefix, out);
	eg_log_fputs_safe(out, s, 0);
}

/* The pins of G, one rule per file. */
static void print_pins(FILE *out, struct sfiles *pinned)
{
	char path[3900]; /* with the digest, within a policy line's 4096 bytes */

	qsort(pinned->v, pinned->n, sizeof(*pinned->v), by_events);
	for (size_t i = 0; i < pinned->n; i++) {
		const struct sfile *f = &pinned->v[i];

		/* The path narrows the pin; a path the language cannot quote is left out
		 * and the digest alone still allows exactly these bytes. */
		if (f->path && quote(path, sizeof(path), f->path, true))
			fprintf(out, "allow sha256 %s path %s", f->sha256, path);
		else
			fprintf(out, "allow sha256 %s", f->sha256);
		fprintf(out, "  # %s, %lld event%s\n", f->reason[0] ? f->reason : "audit",
			(long long)f->events, f->events == 1 ? "" : "s");
	}
}

int eg_log_suggest_print(const struct eg_log_suggest *cs, FILE *out, FILE *note)
{
	struct eg_log_suggest *s = (struct eg_log_suggest *)cs;
	/* Both fit on one policy line (at most 4096 bytes) with the keywords. */
	char a[32], b[32], subj[2000], iss[2000];
	int64_t left_events = 0;

	eg_log_time_format(s->first_ns, a, sizeof(a));
	eg_log_time_format(s->last_ns, b, sizeof(b));
	fprintf(out, "# Suggested by execgate log --suggest-policy: rules that would have "
		     "allowed what\n# audit mode let through");
	if (s->records)
		fprintf(out, " from %s to %s", a, b);
	fprintf(out, " (%lld records, %lld events).\n"
		     "# First match wins: place them before the rules that refused these files.\n"
		     "# Review each one: every rule widens what may run.\n",
		(long long)s->records, (long long)s->events);
	qsort(s->g, s->n, sizeof(*s->g), group_by_events);
	for (size_t i = 0; i < s->n; i++) {
		struct sgroup *g = &s->g[i];

		fputc('\n', out);
		if (!g->subject) {
			fprintf(out, "# Unsigned files (%lld events), pinned by digest and path.\n",
				(long long)g->events);
			print_pins(out, &g->pinned);
			continue;
		}
		comment(out, "# Signer: ", g->subject);
		comment(out, "\n#   issuer: ", g->issuer ? g->issuer : "(unknown)");
		fprintf(out, "\n#   %lld event%s", (long long)g->events, g->events == 1 ? "" : "s");
		for (size_t k = 0; k < g->fingerprints.n; k++)
			fprintf(out, "%s%s", k ? ", " : "; certificate sha256 ",
				g->fingerprints.v[k]);
		fputc('\n', out);
		if (g->verified.n) {
			qsort(g->verified.v, g->verified.n, sizeof(*g->verified.v), by_events);
			for (size_t k = 0; k < g->verified.n && k < 5; k++) {
				comment(out, "#   ran: ", g->verified.v[k].path);
				fprintf(out, " (%lld)\n", (long long)g->verified.v[k].events);
			}
			if (g->verified.n > 5)
				fprintf(out, "#   ... and %zu more files\n", g->verified.n - 5);
			if (quote(subj, sizeof(subj), g->subject, true) &&
			    (!g->issuer || quote(iss, sizeof(iss), g->issuer, true))) {
				if (g->issuer)
					fprintf(out, "allow subject %s issuer %s\n", subj, iss);
				else
					fprintf(out, "allow subject %s\n", subj);
			} else {
				fprintf(out, "# (no rule: the subject or issuer is too long for a "
					     "policy line or holds a control character)\n");
			}
		}
		if (g->pinned.n) {
			fprintf(out, "#   its files that failed verification, pinned by digest:\n");
			print_pins(out, &g->pinned);
		}
	}
	if (s->left_out.n) {
		qsort(s->left_out.v, s->left_out.n, sizeof(*s->left_out.v), by_events);
		fprintf(out, "\n# Not suggested: revoked, badly signed, on the deny list, "
			     "malformed, a refused\n# mapping, or no digest in the log. "
			     "Decide on these by hand.\n");
		for (size_t i = 0; i < s->left_out.n; i++) {
			const struct sfile *f = &s->left_out.v[i];

			comment(out, "#   ", f->path ? f->path : "(unknown path)");
			fprintf(out, ": %s, %lld event%s%s%s\n",
				f->reason[0] ? f->reason : "no reason",
				(long long)f->events, f->events == 1 ? "" : "s",
				f->sha256 ? ", sha256 " : "", f->sha256 ? f->sha256 : "");
			left_events += f->events;
		}
		fprintf(note, "execgate log: %lld events of %zu files not covered by the "
			      "suggestion (listed at its end)\n", (long long)left_events,
			s->left_out.n);
	}
	if (!s->records)
		fprintf(note, "execgate log: no audit records: nothing to suggest\n");
	return ferror(out) ? -EIO : 0;
}
