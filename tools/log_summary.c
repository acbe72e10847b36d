// SPDX-License-Identifier: GPL-2.0
/* Counts by binary, signer, reason, user and host, as text, JSON, or one self-contained
 * HTML page with an inline SVG timeline of denials per hour by reason.  Counts are
 * events: a coalesced record adds its count. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct counter {
	char *key;
	uint64_t hash; /* of KEY */
	char *label;
	char *fingerprint; /* signers only */
	int64_t total;
	int64_t n[EG_DECISION_COUNT];
};

/* Key to counter: an open-addressing hash table (linear probing, at most half full) of
 * indexes into V, plus one; 0 is a free bucket.  Every record looks up five keys, so
 * this is on the path whose speed tests/bench/log_bench.sh measures. */
struct tally {
	const char *name; /* "binary", "signer", ... */
	size_t *buckets;
	size_t n_buckets; /* a power of two, or 0 */
	struct counter *v;
	size_t n, cap;
};

/* Denial events in one hour for one reason (index into the reason tally). */
struct bin {
	int64_t hour;
	size_t reason;
	int64_t count;
};

enum { T_REASON, T_BINARY, T_SIGNER, T_USER, T_HOST, T_COUNT };

struct eg_log_summary {
	struct tally t[T_COUNT];
	int64_t records, events, n[EG_DECISION_COUNT];
	int64_t first_ns, last_ns;
	bool timeline;
	struct bin *bins;
	size_t n_bins, cap_bins;
};

static const char *const column_names[T_COUNT] = {
	[T_REASON] = "REASON", [T_BINARY] = "PATH", [T_SIGNER] = "SIGNER SUBJECT",
	[T_USER] = "UID",      [T_HOST] = "HOST",
};

static const char *const tally_names[T_COUNT] = {
	[T_REASON] = "reason", [T_BINARY] = "binary", [T_SIGNER] = "signer",
	[T_USER] = "user",     [T_HOST] = "host",
};

struct eg_log_summary *eg_log_summary_new(bool timeline)
{
	struct eg_log_summary *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->timeline = timeline;
	for (int i = 0; i < T_COUNT; i++)
		s->t[i].name = tally_names[i];
	return s;
}

void eg_log_summary_free(struct eg_log_summary *s)
{
	if (!s)
		return;
	for (int i = 0; i < T_COUNT; i++) {
		for (size_t j = 0; j < s->t[i].n; j++) {
			free(s->t[i].v[j].key);
			free(s->t[i].v[j].label);
			free(s->t[i].v[j].fingerprint);
		}
		free(s->t[i].v);
		free(s->t[i].buckets);
	}
	free(s->bins);
	free(s);
}

/* Eight bytes at a time, multiplied and folded (FNV-1a, a byte at a time, was a tenth of
 * a summary's time); the last fold brings the product's high bits to the low ones, which
 * pick the bucket. */
static uint64_t hash_of(const char *s)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	size_t len = strlen(s);
	uint64_t h = len * k, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * k;
	return h ^ h >> 29;
}

/* The bucket of KEY (whose hash is HASH) in T: the one holding it, or the free one where
 * it would go. */
static size_t *bucket_of(const struct tally *t, const char *key, uint64_t hash)
{
	size_t mask = t->n_buckets - 1, i = hash & mask;

	while (t->buckets[i] && (t->v[t->buckets[i] - 1].hash != hash ||
				 strcmp(t->v[t->buckets[i] - 1].key, key)))
		i = (i + 1) & mask;
	return &t->buckets[i];
}

/* Room for one more key, the table staying at most half full. */
static int tally_grow(struct tally *t)
{
	struct tally bigger = *t;

	if (2 * (t->n + 1) <= t->n_buckets)
		return 0;
	bigger.n_buckets = t->n_buckets ? 2 * t->n_buckets : 256;
	bigger.buckets = calloc(bigger.n_buckets, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		*bucket_of(&bigger, t->v[i].key, t->v[i].hash) = i + 1;
	free(t->buckets);
	t->buckets = bigger.buckets;
	t->n_buckets = bigger.n_buckets;
	return 0;
}

/* Count REC under KEY; the index of its counter goes to RET_I. */
static int tally_add(struct tally *t, const char *key, const char *label, const char *fp,
		     const struct eg_log_rec *rec, size_t *ret_i)
{
	uint64_t hash = hash_of(key);
	struct counter *c;
	size_t i, *b;

	if (tally_grow(t))
		return -ENOMEM;
	b = bucket_of(t, key, hash);
	if (*b) {
		i = *b - 1;
	} else {
		if (t->n == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 64;
			struct counter *v = realloc(t->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			t->cap = cap;
		}
		i = t->n;
		c = &t->v[i];
		memset(c, 0, sizeof(*c));
		c->key = strdup(key);
		c->hash = hash;
		c->label = strdup(label);
		c->fingerprint = fp ? strdup(fp) : NULL;
		if (!c->key || !c->label || (fp && !c->fingerprint)) {
			free(c->key);
			free(c->label);
			free(c->fingerprint);
			return -ENOMEM;
		}
		t->n++;
		*b = t->n;
	}
	c = &t->v[i];
	c->total += rec->count;
	c->n[rec->decision] += rec->count;
	if (ret_i)
		*ret_i = i;
	return 0;
}

static int add_bin(struct eg_log_summary *s, int64_t hour, size_t reason, int64_t count)
{
	struct bin *last = s->n_bins ? &s->bins[s->n_bins - 1] : NULL;

	/* Logs come nearly in time order: most records land in the last bin. */
	if (last && last->hour == hour && last->reason == reason) {
		last->count += count;
		return 0;
	}
	if (s->n_bins == s->cap_bins) {
		size_t cap = s->cap_bins ? 2 * s->cap_bins : 256;
		struct bin *v = realloc(s->bins, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->bins = v;
		s->cap_bins = cap;
	}
	s->bins[s->n_bins++] = (struct bin){ hour, reason, count };
	return 0;
}

/* UID in decimal into BUF (24 bytes), "-" when absent: snprintf() was a thirtieth of a
 * summary's time. */
static void uid_text(int64_t uid, char *buf)
{
	char tmp[24], *t = tmp + sizeof(tmp);

	if (uid < 0) {
		strcpy(buf, "-");
		return;
	}
	*--t = '\0';
	do
		*--t = '0' + uid % 10;
	while (uid /= 10);
	memcpy(buf, t, tmp + sizeof(tmp) - t);
}

int eg_log_summary_add(void *summary, const struct eg_log_rec *rec)
{
	struct eg_log_summary *s = summary;
	const char *signer_key = "(unsigned)", *signer_label = "(unsigned)";
	char uid[24];
	size_t reason;
	int ret;

	if (rec->has_sig) {
		signer_label = rec->subject ? rec->subject : "(no subject)";
		signer_key = rec->sig_sha256 ? rec->sig_sha256 : signer_label;
	}
	uid_text(rec->uid, uid);
	ret = tally_add(&s->t[T_REASON], rec->reason ? rec->reason : "(allowed)",
			rec->reason ? rec->reason : "(allowed)", NULL, rec, &reason);
	if (!ret)
		ret = tally_add(&s->t[T_BINARY], rec->path ? rec->path : "-",
				rec->path ? rec->path : "-", NULL, rec, NULL);
	if (!ret)
		ret = tally_add(&s->t[T_SIGNER], signer_key, signer_label, rec->sig_sha256, rec,
				NULL);
	if (!ret)
		ret = tally_add(&s->t[T_USER], uid, uid, NULL, rec, NULL);
	if (!ret)
		ret = tally_add(&s->t[T_HOST], rec->host ? rec->host : "-",
				rec->host ? rec->host : "-", NULL, rec, NULL);
	if (!ret && s->timeline && rec->decision != EG_DECISION_ALLOW)
		ret = add_bin(s, rec->time_ns / 3600000000000LL - (rec->time_ns < 0), reason,
			      rec->count);
	if (ret)
		return ret;
	if (!s->records || rec->time_ns < s->first_ns)
		s->first_ns = rec->time_ns;
	if (!s->records || rec->time_ns > s->last_ns)
		s->last_ns = rec->time_ns;
	s->records++;
	s->events += rec->count;
	s->n[rec->decision] += rec->count;
	return 0;
}

static int by_total(const void *a, const void *b)
{
	const struct counter *x = *(const struct counter *const *)a;
	const struct counter *y = *(const struct counter *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* The counters of T, most events first; NULL when T is empty or memory ran out. */
static const struct counter **sorted(const struct tally *t)
{
	const struct counter **v = malloc((t->n ? t->n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	qsort(v, t->n, sizeof(*v), by_total);
	return v;
}

static void print_range(const struct eg_log_summary *s, FILE *out)
{
	char a[32], b[32];

	eg_log_time_format(s->first_ns, a, sizeof(a));
	eg_log_time_format(s->last_ns, b, sizeof(b));
	fprintf(out, "%lld records, %lld events (deny %lld, audit %lld, allow %lld)",
		(long long)s->records, (long long)s->events, (long long)s->n[EG_DECISION_DENY],
		(long long)s->n[EG_DECISION_AUDIT], (long long)s->n[EG_DECISION_ALLOW]);
	if (s->records)
		fprintf(out, " from %s to %s", a, b);
	fputc('\n', out);
}

void eg_log_summary_print(const struct eg_log_summary *s, FILE *out, size_t top)
{
	static const int order[] = { T_REASON, T_BINARY, T_SIGNER, T_USER, T_HOST };

	print_range(s, out);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		const struct tally *t = &s->t[order[k]];
		const struct counter **v = sorted(t);
		size_t shown = top && top < t->n ? top : t->n;

		fprintf(out, "\nBy %s:\n%10s %10s %10s %10s  %s\n", t->name, "EVENTS", "DENY",
			"AUDIT", "ALLOW", column_names[order[k]]);
		for (size_t i = 0; v && i < shown; i++) {
			fprintf(out, "%10lld %10lld %10lld %10lld  ", (long long)v[i]->total,
				(long long)v[i]->n[EG_DECISION_DENY], (long long)v[i]->n[EG_DECISION_AUDIT],
				(long long)v[i]->n[EG_DECISION_ALLOW]);
			eg_log_fputs_safe(out, v[i]->label, 0);
			if (v[i]->fingerprint)
				fprintf(out, " [sha256 %.16s]", v[i]->fingerprint);
			fputc('\n', out);
		}
		if (shown < t->n)
			fprintf(out, "%10s ... and %zu more (--top 0 shows all)\n", "",
				t->n - shown);
		free(v);
	}
}

int eg_log_summary_print_json(const struct eg_log_summary *s, FILE *out)
{
	char a[32], b[32];
	json_t *root;
	int ret = 0;

	eg_log_time_format(s->first_ns, a, sizeof(a));
	eg_log_time_format(s->last_ns, b, sizeof(b));
	root = json_pack("{s:I, s:I, s:{s:I, s:I, s:I}, s:s?, s:s?}", "records",
			 (json_int_t)s->records, "events", (json_int_t)s->events, "decisions",
			 "deny", (json_int_t)s->n[EG_DECISION_DENY], "audit",
			 (json_int_t)s->n[EG_DECISION_AUDIT], "allow", (json_int_t)s->n[EG_DECISION_ALLOW],
			 "first", s->records ? a : NULL, "last", s->records ? b : NULL);
	for (int k = 0; root && !ret && k < T_COUNT; k++) {
		const struct tally *t = &s->t[k];
		const struct counter **v = sorted(t);
		json_t *rows = json_array();
		char key[32];

		snprintf(key, sizeof(key), "by_%s", t->name);
		ret = v && rows ? json_object_set(root, key, rows) : -1;
		for (size_t i = 0; !ret && i < t->n; i++)
			ret = json_array_append_new(
				rows, json_pack("{s:s, s:s*, s:I, s:I, s:I, s:I}", "key",
						v[i]->label, "sha256", v[i]->fingerprint, "events",
						(json_int_t)v[i]->total, "deny",
						(json_int_t)v[i]->n[EG_DECISION_DENY], "audit",
						(json_int_t)v[i]->n[EG_DECISION_AUDIT], "allow",
						(json_int_t)v[i]->n[EG_DECISION_ALLOW]));
		json_decref(rows);
		free(v);
	}
	if (!root || ret) {
		json_decref(root);
		return -ENOMEM;
	}
	ret = json_dumpf(root, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(root);
	return ret || ferror(out) ? -EIO : 0;
}

static void html_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
		}
	}
}

static const char *const palette[] = { "#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
				       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };
#define PALETTE_N (sizeof(palette) / sizeof(palette[0]))

static int by_hour(const void *a, const void *b)
{
	const struct bin *x = a, *y = b;

	return x->hour != y->hour ? (x->hour < y->hour ? -1 : 1) : 0;
}

/* Bars wider than an hour once the period is longer than this many of them. */
#define MAX_BARS 720

static int64_t denials(const struct counter *c)
{
	return c->n[EG_DECISION_DENY] + c->n[EG_DECISION_AUDIT];
}

static int by_denials(const void *a, const void *b)
{
	const struct counter *x = *(const struct counter *const *)a;
	const struct counter *y = *(const struct counter *const *)b;

	if (denials(x) != denials(y))
		return denials(x) > denials(y) ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* One colour per reason for the nine that denied most, the rest shown as one. */
#define SLOTS PALETTE_N

static int write_timeline(const struct eg_log_summary *s, FILE *out)
{
	const int width = 1000, left = 60, right = 20, top = 20, plot_h = 230;
	const int plot_w = width - left - right;
	const struct tally *reasons = &s->t[T_REASON];
	const struct counter **order = NULL;
	const char *slot_label[SLOTS] = { 0 };
	int64_t slot_total[SLOTS] = { 0 };
	struct bin *bins = NULL;
	int64_t *stack = NULL, first, last, span, per, max = 0;
	size_t *slot = NULL, nbars, nslots = 0, i, b, k;
	int height, ret = -ENOMEM;

	if (!s->n_bins) {
		fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"40\" "
			     "role=\"img\"><text x=\"0\" y=\"25\">No denials in this period."
			     "</text></svg>\n",
			width);
		return 0;
	}
	order = malloc(reasons->n * sizeof(*order));
	slot = calloc(reasons->n, sizeof(*slot));
	bins = malloc(s->n_bins * sizeof(*bins));
	if (!order || !slot || !bins)
		goto out;
	for (i = 0; i < reasons->n; i++)
		order[i] = &reasons->v[i];
	qsort(order, reasons->n, sizeof(*order), by_denials);
	for (i = 0; i < reasons->n && denials(order[i]); i++) {
		k = i < SLOTS - 1 || reasons->n <= SLOTS ? i : SLOTS - 1;
		slot[order[i] - reasons->v] = k;
		slot_label[k] = k == SLOTS - 1 && i > k ? "other reasons" : order[i]->label;
		slot_total[k] += denials(order[i]);
		nslots = k + 1;
	}
	memcpy(bins, s->bins, s->n_bins * sizeof(*bins));
	qsort(bins, s->n_bins, sizeof(*bins), by_hour);
	first = bins[0].hour;
	last = bins[s->n_bins - 1].hour;
	span = last - first + 1;
	per = (span + MAX_BARS - 1) / MAX_BARS;
	nbars = (span + per - 1) / per;
	stack = calloc(nbars * nslots, sizeof(*stack));
	if (!stack)
		goto out;
	for (i = 0; i < s->n_bins; i++)
		stack[(bins[i].hour - first) / per * nslots + slot[bins[i].reason]] +=
			bins[i].count;
	for (b = 0; b < nbars; b++) {
		int64_t sum = 0;

		for (k = 0; k < nslots; k++)
			sum += stack[b * nslots + k];
		if (sum > max)
			max = sum;
	}

	height = top + plot_h + 30 + (int)((nslots + 4) / 5) * 20;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		     "viewBox=\"0 0 %d %d\" role=\"img\" "
		     "aria-label=\"Denials per %s by reason\">\n",
		width, height, width, height, per == 1 ? "hour" : "period");
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left,
		top + plot_h, left + plot_w, top + plot_h);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left, top,
		left, top + plot_h);
	for (int tick = 0; tick <= 2; tick++)
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">%lld"
			     "</text>\n",
			left - 6, top + plot_h - plot_h * tick / 2 + 4,
			(long long)(max * tick / 2));
	for (b = 0; b < nbars; b++) {
		double bw = (double)plot_w / nbars, x = left + b * bw, y = top + plot_h;
		char when[32];

		eg_log_time_format((first + (int64_t)b * per) * 3600000000000LL, when,
				   sizeof(when));
		for (k = 0; k < nslots; k++) {
			int64_t v = stack[b * nslots + k];
			double h = (double)plot_h * v / max;

			if (!v)
				continue;
			y -= h;
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				     "fill=\"%s\"><title>%.13s:00 ",
				x, y, bw > 2 ? bw - 1 : bw, h, palette[k], when);
			html_text(out, slot_label[k]);
			fprintf(out, ": %lld</title></rect>\n", (long long)v);
		}
		/* About six time labels along the axis, never overlapping. */
		if (b % ((nbars + 5) / 6) == 0)
			fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.5s %.2s:00"
				     "</text>\n",
				x, top + plot_h + 16, when + 5, when + 11);
	}
	for (k = 0; k < nslots; k++) {
		int x = left + (int)(k % 5) * 180;
		int y = top + plot_h + 26 + (int)(k / 5) * 20;

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			     "<text x=\"%d\" y=\"%d\" font-size=\"12\">",
			x, y, palette[k], x + 16, y + 11);
		html_text(out, slot_label[k]);
		fprintf(out, " (%lld)</text>\n", (long long)slot_total[k]);
	}
	fprintf(out, "</svg>\n");
	if (per > 1)
		fprintf(out, "<p class=\"note\">Each bar is %lld hours: the period is longer than "
			     "%d hours.</p>\n",
			(long long)per, MAX_BARS);
	ret = 0;
out:
	free(order);
	free(slot);
	free(bins);
	free(stack);
	return ret;
}

static void write_table(const struct tally *t, FILE *out, size_t top)
{
	const struct counter **v = sorted(t);
	size_t shown = top && top < t->n ? top : t->n;

	fprintf(out, "<h2>By %s</h2>\n<table id=\"by-%s\">\n<tr><th class=\"k\">%s</th>"
		     "<th>events</th><th>deny</th><th>audit</th><th>allow</th></tr>\n",
		t->name, t->name, t->name == tally_names[T_USER] ? "uid" : t->name);
	for (size_t i = 0; v && i < shown; i++) {
		fputs("<tr><td class=\"k\">", out);
		html_text(out, v[i]->label);
		if (v[i]->fingerprint) {
			fputs("<br><small>sha256 ", out);
			html_text(out, v[i]->fingerprint);
			fputs("</small>", out);
		}
		fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
			(long long)v[i]->total, (long long)v[i]->n[EG_DECISION_DENY],
			(long long)v[i]->n[EG_DECISION_AUDIT], (long long)v[i]->n[EG_DECISION_ALLOW]);
	}
	fputs("</table>\n", out);
	if (shown < t->n)
		fprintf(out, "<p class=\"note\">... and %zu more.</p>\n", t->n - shown);
	free(v);
}

int eg_log_summary_write_html(const struct eg_log_summary *s, FILE *out, size_t top,
			      const char *title)
{
	static const int order[] = { T_REASON, T_BINARY, T_SIGNER, T_USER, T_HOST };
	char now[32];
	int ret;

	eg_log_time_format((int64_t)time(NULL) * 1000000000, now, sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>",
	      out);
	html_text(out, title);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}\n"
	      "h1{font-size:22px}h2{font-size:17px;margin-top:28px}\n"
	      "table{border-collapse:collapse;margin:8px 0}\n"
	      "th,td{border:1px solid #ccc;padding:3px 10px;text-align:right;font-size:13px}\n"
	      "th{background:#f0f0f0}td.k,th.k{text-align:left}\n"
	      "td.k{font-family:monospace;word-break:break-all;max-width:700px}\n"
	      ".note{color:#666;font-size:13px}\n"
	      "</style>\n</head>\n<body>\n<h1>", out);
	html_text(out, title);
	fputs("</h1>\n<p>", out);
	print_range(s, out);
	fprintf(out, "<br><span class=\"note\">Report written %s by execgate log.</span></p>\n"
		     "<h2>Denials per hour, by reason</h2>\n<p class=\"note\">deny, and what audit "
		     "mode let through that enforce would have denied.</p>\n", now);
	ret = write_timeline(s, out);
	for (size_t k = 0; !ret && k < sizeof(order) / sizeof(order[0]); k++)
		write_table(&s->t[order[k]], out, top);
	fputs("</body>\n</html>\n", out);
	return ret ? ret : ferror(out) ? -EIO : 0;
}
