// SPDX-License-Identifier: GPL-2.0
/* Policy parser and loader.  A policy is read line by line from the main file and then its
 * fragments; each line is split into tokens (words and quoted strings, with the column
 * each starts at) and handed to the statement's parser.  The first error stops the load
 * and is reported with file, line, column and what was expected: a policy with any error
 * is refused whole.  The bytes read are kept as the canonical form the digest and a
 * policy signature cover, so what was verified is exactly what was parsed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "eg_hex.h"
#include "eg_policy_internal.h"
#include "eg_names.h"

#define MAX_TOKENS 64

struct token {
	const char *s;       /* unescaped, NUL-terminated */
	unsigned int col;    /* 1-based byte column where the token starts */
	unsigned int endcol; /* column just past its end */
	bool quoted;
};

/* Settings that may be given once: the line that gave each, for the "already set" error. */
enum once_setting {
	S_MODE,
	S_CRL_DIR,
	S_CRL_MAX_AGE,
	S_ON_STALE_CRL,
	S_ON_MISSING_CRL,
	S_LOOKUP,
	S_SIG_DIR,
	S_CATALOG_DIR,
	S_SELF_PROTECTION,
	S_LOG_JSON,
	S_LOG_SYSLOG,
	S_LOG_ALLOWS,
	S_LOG_JOURNAL,
	S_METRICS_FILE,
	S_CRL_WARN_WINDOW,
	S_REQUIRE_SIGNED,
	S_SCOPE_MACHINE,
	S_COUNT,
};

struct seen {
	const char *file;
	unsigned int line;
};

struct parser {
	struct eg_policy *policy;
	struct eg_policy_error *err;
	const char *file;   /* current file, as stored in policy->files */
	char *dir;          /* its directory, for relative file names */
	unsigned int line;
	struct seen once[S_COUNT];
	struct seen deflt;  /* the "default" statement, once seen */
	struct seen scope_cgroup;
	struct token tok[MAX_TOKENS];
	size_t ntok;
	unsigned int eol_col; /* column of the end of the line, for "found end of line" */
	const char *line_start;
	char buf[EG_POLICY_MAX_LINE + 1]; /* unescaped tokens of the current line */
};

static int fail(struct parser *p, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	snprintf(p->err->file, sizeof(p->err->file), "%s", p->file);
	p->err->line = p->line;
	p->err->column = col;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* What a token is, for "found ..." in errors. */
static const char *found(const struct parser *p, size_t i, char *buf, size_t len)
{
	if (i >= p->ntok)
		return "end of line";
	snprintf(buf, len, "'%.60s%s'", p->tok[i].s, strlen(p->tok[i].s) > 60 ? "..." : "");
	return buf;
}

static unsigned int col_of(const struct parser *p, size_t i)
{
	return i < p->ntok ? p->tok[i].col : p->eol_col;
}

#define FOUND(p, i) found((p), (i), (char[80]){ 0 }, 80)

/* Split one line (without its '\n') into tokens. */
static int tokenize(struct parser *p, const char *line, size_t len)
{
	char *out = p->buf;
	size_t i = 0;

	p->ntok = 0;
	p->line_start = line;
	while (i < len) {
		struct token *t;
		unsigned int col;

		if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++;
			continue;
		}
		if (line[i] == '#')
			break;
		col = i + 1;
		if (p->ntok == MAX_TOKENS)
			return fail(p, col, "too many words on one line (at most %d)", MAX_TOKENS);
		t = &p->tok[p->ntok];
		t->col = col;
		t->s = out;
		t->quoted = line[i] == '"';
		if (t->quoted) {
			i++;
			for (;;) {
				if (i == len)
					return fail(p, col, "unterminated quoted string");
				if (line[i] == '"')
					break;
				if (line[i] == '\\') {
					if (i + 1 == len || (line[i + 1] != '"' && line[i + 1] != '\\'))
						return fail(p, i + 1,
							    "expected '\\\"' or '\\\\' in a quoted "
							    "string, found '\\%c'",
							    i + 1 == len ? ' ' : line[i + 1]);
					i++;
				}
				*out++ = line[i++];
			}
			i++;
			if (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
			    line[i] != '#')
				return fail(p, i + 1, "expected a space after a quoted string, "
						      "found '%c'", line[i]);
		} else {
			while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
			       line[i] != '#') {
				if (line[i] == '"')
					return fail(p, i + 1, "unexpected '\"' inside a word (quote "
							      "the whole value)");
				*out++ = line[i++];
			}
		}
		*out++ = '\0';
		t->endcol = i + 1;
		p->ntok++;
	}
	p->eol_col = p->ntok ? p->tok[p->ntok - 1].endcol : 1;
	return 0;
}

/* --- values ------------------------------------------------------------------------- */

static int need_value(struct parser *p, size_t i, const char *what, const char *after)
{
	if (i < p->ntok)
		return 0;
	return fail(p, col_of(p, i), "expected %s after '%s', found end of line", what, after);
}

/* 64 hex digits, or 32 colon-separated pairs as "openssl x509 -fingerprint" prints them. */
static int parse_sha256(struct parser *p, size_t i, unsigned char *out)
{
	const char *s = p->tok[i].s;
	size_t len = strlen(s);
	size_t step = len == 3 * EG_SHA256_LEN - 1 ? 3 : 2;

	if (len != 2 * EG_SHA256_LEN && step == 2)
		goto bad;
	for (size_t n = 0; n < EG_SHA256_LEN; n++) {
		const char *c = s + n * step;
		int hi = eg_hex_digit(c[0]), lo = eg_hex_digit(c[1]);

		if (hi < 0 || lo < 0 || (step == 3 && n + 1 < EG_SHA256_LEN && c[2] != ':'))
			goto bad;
		out[n] = hi << 4 | lo;
	}
	return 0;
bad:
	return fail(p, p->tok[i].col, "expected a SHA-256 (64 hex digits), found %s",
		    FOUND(p, i));
}

/* N decimal digits at S, nothing else. */
static bool digits(const char *s, int n, unsigned int *out)
{
	unsigned int v = 0;

	for (int k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return true;
}

static int parse_date(struct parser *p, size_t i, time_t *out)
{
	const char *s = p->tok[i].s;
	size_t len = strlen(s);
	unsigned int y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm = { 0 };
	time_t t;

	if (len != 10 && len != 20)
		goto bad;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		goto bad;
	if (len == 20 && (s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
			  !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec) ||
			  s[19] != 'Z'))
		goto bad;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm() turns 2026-02-30 into March 2: refuse dates that do not exist. */
	if (t == (time_t)-1 || tm.tm_mday != (int)d || tm.tm_mon != (int)mo - 1)
		goto bad;
	*out = t;
	return 0;
bad:
	return fail(p, p->tok[i].col,
		    "expected a date YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), found %s",
		    FOUND(p, i));
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *c = s;

	if (*c < '0' || *c > '9')
		return -EINVAL;
	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	*end = c;
	return 0;
}

static int parse_uid(struct parser *p, size_t i, uint32_t *out)
{
	const char *end;
	uint64_t v;

	if (parse_uint(p->tok[i].s, 4294967294u, &v, &end) || *end)
		return fail(p, p->tok[i].col, "expected a uid (0 to 4294967294), found %s",
			    FOUND(p, i));
	*out = v;
	return 0;
}

static int parse_duration(struct parser *p, size_t i, uint32_t *out)
{
	static const struct {
		char unit;
		uint32_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *end;
	uint64_t v;

	if (parse_uint(p->tok[i].s, UINT32_MAX, &v, &end) || !end[0] || end[1])
		goto bad;
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (end[0] != units[k].unit)
			continue;
		if (v * units[k].seconds > UINT32_MAX)
			goto bad;
		*out = v * units[k].seconds;
		return 0;
	}
bad:
	return fail(p, p->tok[i].col,
		    "expected a duration such as 90s, 30m, 12h or 7d (at most 2^32-1 seconds), "
		    "found %s",
		    FOUND(p, i));
}

/* Index of TOK in the NULL-terminated WORDS, or a "expected 'a', 'b' or 'c'" error. */
static int parse_word(struct parser *p, size_t i, const char *const *words, const char *after)
{
	char expected[256] = "";
	size_t n = 0;

	for (size_t k = 0; words[k]; k++) {
		if (i < p->ntok && !p->tok[i].quoted && !strcmp(p->tok[i].s, words[k]))
			return k;
		n++;
	}
	for (size_t k = 0; words[k]; k++) {
		size_t used = strlen(expected);

		snprintf(expected + used, sizeof(expected) - used, "%s'%s'",
			 k == 0 ? "" : k + 1 == n ? " or " : ", ", words[k]);
	}
	return fail(p, col_of(p, i), "expected %s after '%s', found %s", expected, after,
		    FOUND(p, i));
}

static const char *const action_words[] = { "allow", "deny", "audit", NULL };
static const char *const onoff_words[] = { "off", "on", NULL };

static int parse_string(struct parser *p, size_t i, const char *what, const char *after,
			char **out)
{
	int r = need_value(p, i, what, after);

	if (r)
		return r;
	if (!p->tok[i].s[0])
		return fail(p, p->tok[i].col, "expected %s after '%s', found an empty string",
			    what, after);
	*out = strdup(p->tok[i].s);
	return *out ? 0 : -ENOMEM;
}

/* An absolute pattern: path and cgroup matchers, cgroup scope. */
static int parse_abs(struct parser *p, size_t i, const char *what, const char *after,
		     char **out)
{
	int r = need_value(p, i, what, after);
	size_t n;

	if (r)
		return r;
	if (p->tok[i].s[0] != '/')
		return fail(p, p->tok[i].col, "expected %s starting with '/' after '%s', found %s",
			    what, after, FOUND(p, i));
	r = parse_string(p, i, what, after, out);
	if (r)
		return r;
	n = strlen(*out);
	/* "/system.slice/" and "/system.slice" name the same cgroup. */
	if (!strcmp(after, "cgroup") || !strcmp(after, "scope"))
		while (n > 1 && (*out)[n - 1] == '/')
			(*out)[--n] = '\0';
	return 0;
}

/* A file named by a setting, relative to the directory of the file naming it. */
static int parse_file(struct parser *p, size_t i, const char *after, char **out)
{
	char *s = NULL;
	int r = parse_string(p, i, "a file name", after, &s);

	if (r)
		return r;
	if (s[0] == '/' || !p->dir) {
		*out = s;
		return 0;
	}
	r = asprintf(out, "%s/%s", p->dir, s);
	free(s);
	if (r < 0)
		return -ENOMEM;
	return 0;
}

static int strings_add(struct parser *p, size_t i, struct eg_policy_strings *list,
		       const char *after, char *s)
{
	char **v;

	if (list->n == EG_POLICY_MAX_VALUES) {
		free(s);
		return fail(p, p->tok[0].col, "too many '%s' settings (at most %d)", after,
			    EG_POLICY_MAX_VALUES);
	}
	v = realloc(list->v, (list->n + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	list->v = v;
	list->v[list->n++] = s;
	return 0;
}

static int no_more(struct parser *p, size_t i, const char *what)
{
	if (i >= p->ntok)
		return 0;
	return fail(p, p->tok[i].col, "expected end of line after %s, found %s", what,
		    FOUND(p, i));
}

/* --- settings ------------------------------------------------------------------------ */

enum setting {
	SET_MODE,
	SET_TRUST_ANCHOR,
	SET_TSA_ANCHOR,
	SET_CRL_DIR,
	SET_CRL_MAX_AGE,
	SET_ON_STALE_CRL,
	SET_ON_MISSING_CRL,
	SET_SIGNATURE_LOOKUP,
	SET_SIG_DIR,
	SET_CATALOG,
	SET_CATALOG_DIR,
	SET_SCOPE,
	SET_SELF_PROTECTION,
	SET_LOG_JSON,
	SET_LOG_SYSLOG,
	SET_LOG_ALLOWS,
	SET_LOG_JOURNAL,
	SET_METRICS_FILE,
	SET_CRL_WARN_WINDOW,
	SET_REQUIRE_SIGNED_POLICY,
	SET_INTERPRETER,
	SET_INTERPRETER_DATA,
	SET_WATCH_SCRIPTS,
	SET_COUNT,
};

static const char *const setting_words[SET_COUNT + 1] = {
	[SET_MODE] = "mode",
	[SET_TRUST_ANCHOR] = "trust-anchor",
	[SET_TSA_ANCHOR] = "tsa-anchor",
	[SET_CRL_DIR] = "crl-dir",
	[SET_CRL_MAX_AGE] = "crl-max-age",
	[SET_ON_STALE_CRL] = "on-stale-crl",
	[SET_ON_MISSING_CRL] = "on-missing-crl",
	[SET_SIGNATURE_LOOKUP] = "signature-lookup",
	[SET_SIG_DIR] = "sig-dir",
	[SET_CATALOG] = "catalog",
	[SET_CATALOG_DIR] = "catalog-dir",
	[SET_SCOPE] = "scope",
	[SET_SELF_PROTECTION] = "self-protection",
	[SET_LOG_JSON] = "log-json",
	[SET_LOG_SYSLOG] = "log-syslog",
	[SET_LOG_ALLOWS] = "log-allows",
	[SET_LOG_JOURNAL] = "log-journal",
	[SET_METRICS_FILE] = "metrics-file",
	[SET_CRL_WARN_WINDOW] = "crl-warn-window",
	[SET_REQUIRE_SIGNED_POLICY] = "require-signed-policy",
	[SET_INTERPRETER] = "interpreter",
	[SET_INTERPRETER_DATA] = "interpreter-data",
	[SET_WATCH_SCRIPTS] = "watch-scripts",
};

static int set_once(struct parser *p, enum once_setting s)
{
	if (p->once[s].line)
		return fail(p, p->tok[0].col, "'%s' is already set at %s:%u", p->tok[0].s,
			    p->once[s].file, p->once[s].line);
	p->once[s].file = p->file;
	p->once[s].line = p->line;
	return 0;
}

/* KW PATH|default...: one or more absolute paths or patterns; `default` adds DEFAULTS where
 * it stands.  With EXCEPTIONS, a path may follow a '!' (kept with it: a tree the list
 * leaves out). */
static int parse_path_list(struct parser *p, const char *kw, const char *const *defaults,
			   size_t ndefaults, bool exceptions, struct eg_policy_strings *list)
{
	const char *what = exceptions ? "an absolute path, '!' and an absolute path, or 'default'"
				      : "an absolute path or 'default'";
	char *s;
	int r = need_value(p, 1, what, kw);

	for (size_t i = 1; !r && i < p->ntok; i++) {
		if (exceptions && p->tok[i].s[0] == '!') {
			if (p->tok[i].s[1] != '/')
				return fail(p, p->tok[i].col + 1,
					    "expected an absolute path after '!', found %s",
					    p->tok[i].s[1] ? p->tok[i].s + 1 : "nothing");
			r = parse_string(p, i, what, kw, &s);
			if (!r)
				r = strings_add(p, i, list, kw, s);
			continue;
		}
		if (strcmp(p->tok[i].s, "default")) {
			r = parse_abs(p, i, what, kw, &s);
			if (!r)
				r = strings_add(p, i, list, kw, s);
			continue;
		}
		for (size_t k = 0; !r && k < ndefaults; k++) {
			s = strdup(defaults[k]);
			r = s ? strings_add(p, i, list, kw, s) : -ENOMEM;
		}
	}
	return r;
}

static int parse_setting(struct parser *p, enum setting which)
{
	const char *const mode_words[] = { eg_mode_name(EG_MODE_AUDIT),
					   eg_mode_name(EG_MODE_ENFORCE), NULL };
	static const char *const lookup_words[] = { "embedded", "detached", "catalog", NULL };
	static const char *const scope_words[] = { "machine", "cgroup", NULL };
	struct eg_policy_settings *st = &p->policy->settings;
	const char *kw = p->tok[0].s;
	char *s = NULL;
	int r, w;

	switch (which) {
	case SET_MODE:
		r = set_once(p, S_MODE);
		if (r)
			return r;
		w = parse_word(p, 1, mode_words, kw);
		if (w < 0)
			return w;
		st->mode = w == 0 ? EG_MODE_AUDIT : EG_MODE_ENFORCE;
		return no_more(p, 2, "the mode");
	case SET_TRUST_ANCHOR:
	case SET_TSA_ANCHOR:
	case SET_CATALOG:
		r = parse_file(p, 1, kw, &s);
		if (r)
			return r;
		r = strings_add(p, 1,
				which == SET_TRUST_ANCHOR ? &st->trust_anchors :
				which == SET_TSA_ANCHOR ? &st->tsa_anchors :
					     &st->catalogs,
				kw, s);
		if (r)
			return r;
		return no_more(p, 2, "the file name");
	case SET_CRL_DIR:
	case SET_SIG_DIR:
	case SET_CATALOG_DIR:
	case SET_LOG_JSON:
	case SET_METRICS_FILE:
	case SET_REQUIRE_SIGNED_POLICY:
		r = set_once(p, which == SET_CRL_DIR ? S_CRL_DIR :
				which == SET_SIG_DIR ? S_SIG_DIR :
				which == SET_CATALOG_DIR ? S_CATALOG_DIR :
				which == SET_LOG_JSON ? S_LOG_JSON :
				which == SET_METRICS_FILE ? S_METRICS_FILE :
					      S_REQUIRE_SIGNED);
		if (r)
			return r;
		r = parse_file(p, 1, kw, which == SET_CRL_DIR ? &st->crl_dir :
					 which == SET_SIG_DIR ? &st->sig_dir :
					 which == SET_CATALOG_DIR ? &st->catalog_dir :
					 which == SET_LOG_JSON ? &st->log_json :
					 which == SET_METRICS_FILE ? &st->metrics_file :
						       &st->require_signed_policy);
		if (r)
			return r;
		return no_more(p, 2, "the file name");
	case SET_CRL_MAX_AGE:
	case SET_CRL_WARN_WINDOW:
		r = set_once(p, which == SET_CRL_MAX_AGE ? S_CRL_MAX_AGE : S_CRL_WARN_WINDOW);
		if (!r)
			r = need_value(p, 1, "a duration", kw);
		if (!r)
			r = parse_duration(p, 1, which == SET_CRL_MAX_AGE ? &st->crl_max_age
									 : &st->crl_warn_window);
		if (r)
			return r;
		return no_more(p, 2, "the duration");
	case SET_ON_STALE_CRL:
	case SET_ON_MISSING_CRL:
		r = set_once(p, which == SET_ON_STALE_CRL ? S_ON_STALE_CRL : S_ON_MISSING_CRL);
		if (r)
			return r;
		w = parse_word(p, 1, action_words, kw);
		if (w < 0)
			return w;
		*(which == SET_ON_STALE_CRL ? &st->on_stale_crl : &st->on_missing_crl) = w;
		return no_more(p, 2, "the action");
	case SET_SIGNATURE_LOOKUP:
		r = set_once(p, S_LOOKUP);
		if (r)
			return r;
		st->n_lookup = 0;
		for (size_t i = 1; i == 1 || i < p->ntok; i++) {
			if (i > 3)
				return fail(p, p->tok[i].col, "expected end of line after the "
							      "three lookups, found %s",
					    FOUND(p, i));
			w = parse_word(p, i, lookup_words, i == 1 ? kw : p->tok[i - 1].s);
			if (w < 0)
				return w;
			for (size_t k = 0; k < st->n_lookup; k++)
				if (st->lookup[k] == (enum eg_policy_lookup)w)
					return fail(p, p->tok[i].col, "'%s' is listed twice",
						    p->tok[i].s);
			st->lookup[st->n_lookup++] = w;
		}
		return 0;
	case SET_INTERPRETER: {
		static const char *const defaults[] = { EG_POLICY_DEFAULT_INTERPRETERS };

		return parse_path_list(p, kw, defaults, sizeof(defaults) / sizeof(defaults[0]),
				       false, &st->interpreters);
	}
	case SET_INTERPRETER_DATA: {
		static const char *const defaults[] = { EG_POLICY_DEFAULT_INTERPRETER_DATA };

		return parse_path_list(p, kw, defaults, sizeof(defaults) / sizeof(defaults[0]),
				       false, &st->interpreter_data);
	}
	case SET_WATCH_SCRIPTS: {
		static const char *const defaults[] = { EG_POLICY_DEFAULT_WATCH_SCRIPTS };

		return parse_path_list(p, kw, defaults, sizeof(defaults) / sizeof(defaults[0]),
				       true, &st->watch_scripts);
	}
	case SET_SCOPE:
		w = parse_word(p, 1, scope_words, kw);
		if (w < 0)
			return w;
		if (w == 0) {
			if (p->scope_cgroup.line)
				return fail(p, p->tok[1].col, "'scope machine' conflicts with "
							      "'scope cgroup' at %s:%u",
					    p->scope_cgroup.file, p->scope_cgroup.line);
			r = set_once(p, S_SCOPE_MACHINE);
			if (r)
				return r;
			return no_more(p, 2, "'machine'");
		}
		if (p->once[S_SCOPE_MACHINE].line)
			return fail(p, p->tok[1].col, "'scope cgroup' conflicts with 'scope "
						      "machine' at %s:%u",
				    p->once[S_SCOPE_MACHINE].file, p->once[S_SCOPE_MACHINE].line);
		r = parse_abs(p, 2, "a cgroup path", "scope", &s);
		if (r)
			return r;
		r = strings_add(p, 2, &st->scope_cgroups, "scope cgroup", s);
		if (r)
			return r;
		if (!p->scope_cgroup.line) {
			p->scope_cgroup.file = p->file;
			p->scope_cgroup.line = p->line;
		}
		return no_more(p, 3, "the cgroup path");
	case SET_SELF_PROTECTION:
	case SET_LOG_SYSLOG:
	case SET_LOG_ALLOWS:
	case SET_LOG_JOURNAL:
		r = set_once(p, which == SET_SELF_PROTECTION ? S_SELF_PROTECTION :
				which == SET_LOG_SYSLOG ? S_LOG_SYSLOG :
				which == SET_LOG_JOURNAL ? S_LOG_JOURNAL :
					      S_LOG_ALLOWS);
		if (r)
			return r;
		w = parse_word(p, 1, onoff_words, kw);
		if (w < 0)
			return w;
		*(which == SET_SELF_PROTECTION ? &st->self_protection :
		  which == SET_LOG_SYSLOG ? &st->log_syslog :
		  which == SET_LOG_JOURNAL ? &st->log_journal :
				&st->log_allows) = w;
		return no_more(p, 2, "'on' or 'off'");
	case SET_COUNT:
		break;
	}
	return -EINVAL;
}

/* --- signers and rules --------------------------------------------------------------- */

enum value_kind { V_GLOB, V_SHA256, V_HOOK, V_UID, V_CATALOG, V_PATH, V_CGROUP, V_OUTCOME,
		  V_DATE, V_SIGNER };

static const struct matcher_def {
	const char *name;
	unsigned int bit;
	enum value_kind kind;
} matchers[] = {
	{ "signer", EG_M_SIGNER, V_SIGNER },
	{ "subject", EG_M_SUBJECT, V_GLOB },
	{ "issuer", EG_M_ISSUER, V_GLOB },
	{ "spki", EG_M_SPKI, V_SHA256 },
	{ "cert", EG_M_CERT, V_SHA256 },
	{ "catalog", EG_M_CATALOG, V_CATALOG },
	{ "sha256", EG_M_SHA256, V_SHA256 },
	{ "path", EG_M_PATH, V_PATH },
	{ "hook", EG_M_HOOK, V_HOOK },
	{ "uid", EG_M_UID, V_UID },
	{ "cgroup", EG_M_CGROUP, V_CGROUP },
	{ "outcome", EG_M_OUTCOME, V_OUTCOME },
	{ "signed-after", EG_M_SIGNED_AFTER, V_DATE },
};

#define MATCHER_LIST                                                                        \
	"'signer', 'subject', 'issuer', 'spki', 'cert', 'catalog', 'sha256', 'path', "    \
	"'hook', 'uid', 'cgroup', 'outcome' or 'signed-after'"

static const struct matcher_def *find_matcher(const char *s)
{
	for (size_t k = 0; k < sizeof(matchers) / sizeof(matchers[0]); k++)
		if (!strcmp(matchers[k].name, s))
			return &matchers[k];
	return NULL;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > EG_POLICY_MAX_NAME)
		return false;
	for (size_t k = 0; k < n; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
		      (s[k] >= '0' && s[k] <= '9') || s[k] == '-' || s[k] == '_' || s[k] == '.'))
			return false;
	return true;
}

static struct eg_policy_signer *find_signer(struct eg_policy *policy, const char *name)
{
	for (size_t k = 0; k < policy->n_signers; k++)
		if (!strcmp(policy->signers[k]->name, name))
			return policy->signers[k];
	return NULL;
}

/* Parse the value at token I for matcher M into the rule R (signer declarations use the
 * same fields through a scratch rule). */
static int parse_matcher_value(struct parser *p, size_t i, const struct matcher_def *m,
			       struct eg_policy_rule *r)
{
	/* A rule names the hooks of a file's execution; mprotect counts as mmap. */
	const char *const hook_words[] = { eg_hook_name(EG_HOOK_EXEC), eg_hook_name(EG_HOOK_MMAP),
					   NULL };
	const char *kw = m->name;
	int ret, w;

	ret = need_value(p, i, m->kind == V_SHA256 ? "a SHA-256 (64 hex digits)" :
			       m->kind == V_DATE   ? "a date" :
			       m->kind == V_UID    ? "a uid" :
			       m->kind == V_SIGNER ? "a signer name" :
						     "a value",
			 kw);
	if (ret)
		return ret;
	switch (m->kind) {
	case V_GLOB:
		return parse_string(p, i, "a name or pattern", kw,
				    m->bit == EG_M_SUBJECT ? &r->subject : &r->issuer);
	case V_CATALOG:
		return parse_string(p, i, "a catalog name or pattern", kw, &r->catalog);
	case V_SHA256:
		return parse_sha256(p, i, m->bit == EG_M_SPKI ? r->spki :
					  m->bit == EG_M_CERT ? r->cert :
								r->sha256);
	case V_PATH:
		return parse_abs(p, i, "an absolute path or pattern", kw, &r->path);
	case V_CGROUP:
		return parse_abs(p, i, "a cgroup path or pattern", kw, &r->cgroup);
	case V_HOOK:
		w = parse_word(p, i, hook_words, kw);
		if (w < 0)
			return w;
		r->hook = w == 0 ? EG_HOOK_EXEC : EG_HOOK_MMAP;
		return 0;
	case V_UID:
		return parse_uid(p, i, &r->uid);
	case V_OUTCOME:
		if (!strcmp(p->tok[i].s, "valid")) {
			r->outcome = EG_REASON_NONE;
			return 0;
		}
		w = eg_reason_from_name(p->tok[i].s);
		if (w <= 0 || w == EG_REASON_DENIED_BY_RULE || w == EG_REASON_VERDICT)
			return fail(p, p->tok[i].col,
				    "expected 'valid' or a verification reason code (no_signature, "
				    "bad_signature, untrusted_chain, revoked, ...) after 'outcome', "
				    "found %s",
				    FOUND(p, i));
		r->outcome = w;
		return 0;
	case V_DATE:
		return parse_date(p, i, &r->signed_after);
	case V_SIGNER:
		if (!valid_name(p->tok[i].s))
			return fail(p, p->tok[i].col, "expected a signer name (letters, digits, "
						      "'-', '_', '.'; at most %d), found %s",
				    EG_POLICY_MAX_NAME, FOUND(p, i));
		r->signer = find_signer(p->policy, p->tok[i].s);
		if (!r->signer)
			return fail(p, p->tok[i].col, "unknown signer '%s' (declare it with "
						      "'signer %s ...' before this rule)",
				    p->tok[i].s, p->tok[i].s);
		return 0;
	}
	return -EINVAL;
}

static void rule_clear(struct eg_policy_rule *r)
{
	free(r->text);
	free(r->subject);
	free(r->issuer);
	free(r->catalog);
	free(r->path);
	free(r->cgroup);
}

static void signer_free(struct eg_policy_signer *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->subject);
	free(s->issuer);
	free(s->owner);
	free(s);
}

/* Copy a declared signer's identities into the rule, so evaluation and indexing see one
 * flat set of matchers. */
static int fold_signer(struct parser *p, struct eg_policy_rule *r, size_t signer_tok)
{
	const struct eg_policy_signer *s = r->signer;
	unsigned int both = s->present & r->present;

	if (both) {
		const char *name = both & EG_M_SUBJECT ? "subject" :
				   both & EG_M_ISSUER  ? "issuer" :
				   both & EG_M_SPKI    ? "spki" :
							 "cert";
		return fail(p, p->tok[signer_tok].col, "signer '%s' already sets '%s'; a rule "
						       "cannot also match it",
			    s->name, name);
	}
	if (s->present & EG_M_SUBJECT) {
		r->subject = strdup(s->subject);
		if (!r->subject)
			return -ENOMEM;
	}
	if (s->present & EG_M_ISSUER) {
		r->issuer = strdup(s->issuer);
		if (!r->issuer)
			return -ENOMEM;
	}
	memcpy(r->spki, s->spki, EG_SHA256_LEN);
	memcpy(r->cert, s->cert, EG_SHA256_LEN);
	r->present |= s->present;
	return 0;
}

static int parse_rule(struct parser *p, enum eg_policy_action action)
{
	struct eg_policy *policy = p->policy;
	struct eg_policy_rule r = { .action = action };
	unsigned int first_col[32] = { 0 };
	size_t signer_tok = 0;
	size_t i = 1;
	int ret;

	if (policy->n_rules == EG_POLICY_MAX_RULES)
		return fail(p, p->tok[0].col, "too many rules (at most %d)", EG_POLICY_MAX_RULES);
	if (p->ntok == 1) {
		ret = fail(p, p->eol_col, "expected a matcher (" MATCHER_LIST ") after '%s', "
					  "found end of line",
			   p->tok[0].s);
		goto out;
	}
	while (i < p->ntok) {
		const struct matcher_def *m = p->tok[i].quoted ? NULL : find_matcher(p->tok[i].s);
		unsigned int bit;

		if (!m) {
			ret = fail(p, p->tok[i].col, "expected a matcher (" MATCHER_LIST "), "
						     "found %s",
				   FOUND(p, i));
			goto out;
		}
		bit = __builtin_ctz(m->bit);
		if (r.present & m->bit) {
			ret = fail(p, p->tok[i].col, "matcher '%s' given twice in one rule "
						     "(first at column %u); write two rules for "
						     "'or'",
				   m->name, first_col[bit]);
			goto out;
		}
		ret = parse_matcher_value(p, i + 1, m, &r);
		if (ret)
			goto out;
		if (m->bit == EG_M_SIGNER)
			signer_tok = i;
		r.present |= m->bit;
		first_col[bit] = p->tok[i].col;
		i += 2;
	}
	if (r.signer) {
		ret = fold_signer(p, &r, signer_tok);
		if (ret)
			goto out;
	}
	r.text = strndup(p->line_start + p->tok[0].col - 1,
			 p->tok[p->ntok - 1].endcol - p->tok[0].col);
	if (!r.text) {
		ret = -ENOMEM;
		goto out;
	}
	if (policy->n_rules == policy->cap_rules) {
		size_t cap = policy->cap_rules ? policy->cap_rules * 2 : 64;
		struct eg_policy_rule *v = realloc(policy->rules, cap * sizeof(*v));

		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		policy->rules = v;
		policy->cap_rules = cap;
	}
	r.id = policy->n_rules + 1;
	r.file = p->file;
	r.line = p->line;
	policy->rules[policy->n_rules++] = r;
	return 0;
out:
	rule_clear(&r);
	return ret;
}

static int parse_signer(struct parser *p)
{
	struct eg_policy *policy = p->policy;
	struct eg_policy_rule scratch = { 0 };
	struct eg_policy_signer *s = NULL;
	unsigned int first_col[32] = { 0 };
	bool owner = false;
	size_t i;
	int ret;

	if (policy->n_signers == EG_POLICY_MAX_SIGNERS)
		return fail(p, p->tok[0].col, "too many signers (at most %d)",
			    EG_POLICY_MAX_SIGNERS);
	ret = need_value(p, 1, "a signer name", "signer");
	if (ret)
		return ret;
	if (!valid_name(p->tok[1].s))
		return fail(p, p->tok[1].col, "expected a signer name (letters, digits, '-', '_', "
					      "'.'; at most %d), found %s",
			    EG_POLICY_MAX_NAME, FOUND(p, 1));
	s = find_signer(policy, p->tok[1].s);
	if (s)
		return fail(p, p->tok[1].col, "signer '%s' is already declared at %s:%u",
			    s->name, s->file, s->line);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->name = strdup(p->tok[1].s);
	if (!s->name) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 2; i < p->ntok; i += 2) {
		const char *kw = p->tok[i].s;
		const struct matcher_def *m = p->tok[i].quoted ? NULL : find_matcher(kw);

		if (!p->tok[i].quoted && !strcmp(kw, "owner")) {
			if (owner) {
				ret = fail(p, p->tok[i].col, "'owner' given twice");
				goto out;
			}
			ret = parse_string(p, i + 1, "who owns this signer", kw, &s->owner);
			if (ret)
				goto out;
			owner = true;
			continue;
		}
		if (!p->tok[i].quoted && !strcmp(kw, "rotate-by")) {
			if (s->has_rotate_by) {
				ret = fail(p, p->tok[i].col, "'rotate-by' given twice");
				goto out;
			}
			ret = need_value(p, i + 1, "a date", kw);
			if (!ret)
				ret = parse_date(p, i + 1, &s->rotate_by);
			if (ret)
				goto out;
			s->has_rotate_by = true;
			continue;
		}
		if (!m || !(m->bit & (EG_M_SUBJECT | EG_M_ISSUER | EG_M_SPKI | EG_M_CERT))) {
			ret = fail(p, p->tok[i].col, "expected 'subject', 'issuer', 'spki', 'cert', "
						     "'owner' or 'rotate-by', found %s",
				   FOUND(p, i));
			goto out;
		}
		if (owner || s->has_rotate_by) {
			ret = fail(p, p->tok[i].col, "identities come before 'owner' and "
						     "'rotate-by', found %s",
				   FOUND(p, i));
			goto out;
		}
		if (scratch.present & m->bit) {
			ret = fail(p, p->tok[i].col, "'%s' given twice (first at column %u)",
				   m->name, first_col[__builtin_ctz(m->bit)]);
			goto out;
		}
		ret = parse_matcher_value(p, i + 1, m, &scratch);
		if (ret)
			goto out;
		scratch.present |= m->bit;
		first_col[__builtin_ctz(m->bit)] = p->tok[i].col;
	}
	if (!scratch.present) {
		ret = fail(p, p->ntok > 2 ? p->tok[2].col : p->eol_col,
			   "expected at least one of 'subject', 'issuer', 'spki' or 'cert' after the "
			   "signer name, found %s",
			   FOUND(p, 2));
		goto out;
	}
	if (policy->n_signers == policy->cap_signers) {
		size_t cap = policy->cap_signers ? policy->cap_signers * 2 : 16;
		struct eg_policy_signer **v = realloc(policy->signers, cap * sizeof(*v));

		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		policy->signers = v;
		policy->cap_signers = cap;
	}
	s->present = scratch.present;
	s->subject = scratch.subject;
	s->issuer = scratch.issuer;
	scratch.subject = scratch.issuer = NULL;
	memcpy(s->spki, scratch.spki, EG_SHA256_LEN);
	memcpy(s->cert, scratch.cert, EG_SHA256_LEN);
	s->file = p->file;
	s->line = p->line;
	policy->signers[policy->n_signers++] = s;
	s = NULL;
	ret = 0;
out:
	rule_clear(&scratch);
	signer_free(s);
	return ret;
}

/* --- lines and files ----------------------------------------------------------------- */

static int parse_statement(struct parser *p)
{
	const char *kw = p->tok[0].s;
	int w;

	if (p->deflt.line)
		return fail(p, p->tok[0].col, "nothing may follow 'default' (at %s:%u): it is the "
					      "last statement of the policy",
			    p->deflt.file, p->deflt.line);
	if (p->tok[0].quoted)
		goto unknown;
	for (w = 0; action_words[w]; w++)
		if (!strcmp(kw, action_words[w]))
			return parse_rule(p, w);
	if (!strcmp(kw, "default")) {
		w = parse_word(p, 1, action_words, kw);
		if (w < 0)
			return w;
		p->policy->default_action = w;
		p->deflt.file = p->file;
		p->deflt.line = p->line;
		return no_more(p, 2, "the default action");
	}
	if (!strcmp(kw, "signer"))
		return parse_signer(p);
	for (w = 0; setting_words[w]; w++)
		if (!strcmp(kw, setting_words[w]))
			return parse_setting(p, w);
unknown:
	return fail(p, p->tok[0].col, "expected a setting, 'signer', 'allow', 'deny', 'audit' or "
				      "'default', found %s",
		    FOUND(p, 0));
}

static int canon_append(struct eg_policy *policy, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (policy->canon_cap - policy->canon_len < len) {
		size_t cap = policy->canon_cap ? policy->canon_cap : 4096;
		unsigned char *v;

		while (cap - policy->canon_len < len)
			cap *= 2;
		v = realloc(policy->canon, cap);
		if (!v)
			return -ENOMEM;
		policy->canon = v;
		policy->canon_cap = cap;
	}
	memcpy(policy->canon + policy->canon_len, data, len);
	policy->canon_len += len;
	return 0;
}

static int add_file(struct parser *p, const char *name)
{
	struct eg_policy *policy = p->policy;
	char **v = realloc(policy->files, (policy->n_files + 1) * sizeof(*v));
	char *slash;

	if (!v)
		return -ENOMEM;
	policy->files = v;
	v[policy->n_files] = strdup(name);
	if (!v[policy->n_files])
		return -ENOMEM;
	p->file = v[policy->n_files++];
	free(p->dir);
	p->dir = NULL;
	slash = strrchr(p->file, '/');
	if (slash) {
		p->dir = strndup(p->file, slash == p->file ? 1 : (size_t)(slash - p->file));
		if (!p->dir)
			return -ENOMEM;
	}
	return 0;
}

/* Parse one file's bytes; they become part of the canonical form (after a fragment header
 * for every file but the first). */
static int parse_text(struct parser *p, const char *name, const char *base, const char *buf,
		      size_t len)
{
	size_t pos = 0;
	int r;

	r = add_file(p, name);
	if (r)
		return r;
	p->line = 0;
	if (len > EG_POLICY_MAX_FILE)
		return fail(p, 0, "file is larger than %u bytes", EG_POLICY_MAX_FILE);
	if (p->policy->n_files > 1) {
		char hdr[PATH_MAX + 64];
		int n = snprintf(hdr, sizeof(hdr), "%cfragment %s %zu\n", '\0', base, len);

		if (n < 0 || (size_t)n >= sizeof(hdr))
			return -ENAMETOOLONG;
		r = canon_append(p->policy, hdr, n);
		if (r)
			return r;
	}
	r = canon_append(p->policy, buf, len);
	if (r)
		return r;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *nul = memchr(buf + pos, '\0', n);

		p->line++;
		if (nul)
			return fail(p, nul - (buf + pos) + 1, "NUL byte in the policy text");
		if (n > EG_POLICY_MAX_LINE)
			return fail(p, EG_POLICY_MAX_LINE + 1, "line longer than %d bytes",
				    EG_POLICY_MAX_LINE);
		r = tokenize(p, buf + pos, n);
		if (r)
			return r;
		if (p->ntok) {
			r = parse_statement(p);
			if (r)
				return r;
		}
		pos += n + 1;
	}
	return 0;
}

/* Checks over the whole policy, once every file is read. */
static int finish(struct parser *p, const char *main_file)
{
	struct eg_policy *policy = p->policy;
	struct eg_policy_settings *st = &policy->settings;

	p->file = main_file;
	p->line = 0;
	if (!p->once[S_MODE].line)
		return fail(p, 0, "no 'mode' setting: say 'mode enforce' or 'mode audit'");
	if (!p->deflt.line)
		return fail(p, 0, "no 'default' statement: the policy must end with 'default "
				  "allow', 'default deny' or 'default audit'");
	for (size_t k = 0; k < st->n_lookup; k++)
		if (st->lookup[k] == EG_LOOKUP_CATALOG && !st->catalogs.n && !st->catalog_dir)
			return fail(p, 0, "'signature-lookup' includes 'catalog' but no 'catalog' "
					  "file or 'catalog-dir' is given");
	if ((st->catalogs.n || st->catalog_dir) && !p->once[S_LOOKUP].line)
		st->lookup[st->n_lookup++] = EG_LOOKUP_CATALOG;
	return 0;
}

static struct eg_policy *policy_new(uint32_t prev_generation)
{
	struct eg_policy *policy = calloc(1, sizeof(*policy));

	if (!policy)
		return NULL;
	policy->generation = prev_generation + 1;
	policy->settings.mode = EG_MODE_AUDIT;
	policy->settings.crl_max_age = 7 * 86400;
	policy->settings.crl_warn_window = 3 * 86400;
	policy->settings.on_stale_crl = EG_ACTION_DENY;
	policy->settings.on_missing_crl = EG_ACTION_DENY;
	policy->settings.lookup[0] = EG_LOOKUP_EMBEDDED;
	policy->settings.lookup[1] = EG_LOOKUP_DETACHED;
	policy->settings.n_lookup = 2;
	policy->default_action = EG_ACTION_DENY;
	return policy;
}

static int finalize(struct parser *p, const char *main_file, struct eg_policy **ret)
{
	int r = finish(p, main_file);

	if (r)
		return r;
	r = eg_policy_index_build(p->policy);
	if (r)
		return r;
	SHA256(p->policy->canon, p->policy->canon_len, p->policy->digest);
	*ret = p->policy;
	p->policy = NULL;
	return 0;
}

static void set_io_error(struct eg_policy_error *err, const char *file, int r, const char *what)
{
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = 0;
	err->column = 0;
	snprintf(err->message, sizeof(err->message), "%s: %s", what, strerror(-r));
}

/* A parser for a policy of generation PREV_GENERATION + 1, named NAME in errors. */
static int parser_start(const char *name, uint32_t prev_generation, struct eg_policy_error *err,
			struct parser **ret)
{
	struct parser *p;

	memset(err, 0, sizeof(*err));
	if (prev_generation == UINT32_MAX) {
		set_io_error(err, name, -EOVERFLOW, "policy generation");
		return -EOVERFLOW;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->err = err;
	p->policy = policy_new(prev_generation);
	if (!p->policy) {
		set_io_error(err, name, -ENOMEM, "while parsing");
		free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

int eg_policy_parse_buffer(const char *name, const char *buf, size_t len,
			   uint32_t prev_generation, struct eg_policy **ret,
			   struct eg_policy_error *err)
{
	struct parser *p;
	int r;

	r = parser_start(name, prev_generation, err, &p);
	if (r)
		return r;
	r = parse_text(p, name, name, buf, len);
	if (!r)
		r = finalize(p, p->policy->files[0], ret);
	if (r == -ENOMEM)
		set_io_error(err, name, r, "while parsing");
	eg_policy_free(p->policy);
	free(p->dir);
	free(p);
	return r;
}

/* The canonical form is the main file's bytes, then for each fragment a header
 * "\0fragment BASE LEN\n" and its LEN bytes (parse_text).  Parsing it again piece by piece,
 * under the names the pieces had, gives the same policy and the same digest. */
int eg_policy_parse_canonical(const char *path, const char *buf, size_t len,
			      uint32_t prev_generation, struct eg_policy **ret,
			      struct eg_policy_error *err)
{
	static const char header[] = "fragment ";
	const char *end = buf + len, *piece = buf, *nul;
	char *fpath = NULL;
	struct parser *p;
	int r;

	r = parser_start(path, prev_generation, err, &p);
	if (r)
		return r;
	nul = memchr(piece, '\0', len);
	r = parse_text(p, path, path, piece, (size_t)((nul ? nul : end) - piece));
	while (!r && nul) {
		const char *name = nul + 1 + sizeof(header) - 1, *nl, *space;
		unsigned long long n;
		char *num_end;

		nl = name < end ? memchr(name, '\n', (size_t)(end - name)) : NULL;
		space = nl ? memrchr(name, ' ', (size_t)(nl - name)) : NULL;
		if ((size_t)(end - nul) < sizeof(header) || memcmp(nul + 1, header, sizeof(header) - 1) ||
		    !space || space == name) {
			set_io_error(err, path, -EBADMSG, "not a canonical policy copy");
			r = -EBADMSG;
			break;
		}
		n = strtoull(space + 1, &num_end, 10);
		piece = nl + 1;
		if (num_end != nl || n > (size_t)(end - piece)) {
			set_io_error(err, path, -EBADMSG, "not a canonical policy copy");
			r = -EBADMSG;
			break;
		}
		free(fpath);
		if (asprintf(&fpath, "%s.d/%.*s", path, (int)(space - name), name) < 0) {
			fpath = NULL;
			r = -ENOMEM;
			break;
		}
		nul = memchr(piece, '\0', (size_t)n);
		if (nul) {
			set_io_error(err, path, -EBADMSG, "not a canonical policy copy");
			r = -EBADMSG;
			break;
		}
		r = parse_text(p, fpath, fpath + strlen(path) + 3, piece, (size_t)n);
		piece += n;
		nul = piece < end ? piece : NULL;
		if (nul && *nul) {
			set_io_error(err, path, -EBADMSG, "not a canonical policy copy");
			r = -EBADMSG;
		}
	}
	if (!r)
		r = finalize(p, p->policy->files[0], ret);
	if (r == -ENOMEM)
		set_io_error(err, path, r, "while parsing");
	free(fpath);
	eg_policy_free(p->policy);
	free(p->dir);
	free(p);
	return r;
}

/* Read a whole regular file, at most EG_POLICY_MAX_FILE bytes (one more is read so that a
 * larger one is reported as too large rather than truncated). */
static int read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	size_t cap = EG_POLICY_MAX_FILE + 1, len = 0;
	struct stat st;
	char *buf = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if (st.st_size >= 0 && (size_t)st.st_size < cap)
		cap = st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += n;
		if (len == cap) {
			char *v;

			if (cap > EG_POLICY_MAX_FILE)
				break;
			cap = cap * 2 > EG_POLICY_MAX_FILE + 1 ? EG_POLICY_MAX_FILE + 1 : cap * 2;
			v = realloc(buf, cap);
			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			buf = v;
		}
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fragment names (".policy", not hidden) in DIR, sorted bytewise.  A missing DIR is no
 * fragments when it was only the default guess. */
static int list_fragments(const char *dir, bool explicit, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT && !explicit ? 0 : -errno;
	while ((errno = 0, e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **v;

		if (e->d_name[0] == '.' || len <= 7 || strcmp(e->d_name + len - 7, ".policy"))
			continue;
		if (n == EG_POLICY_MAX_FRAGMENTS) {
			r = -E2BIG;
			goto out;
		}
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		names = v;
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (errno) {
		r = -errno;
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	names = NULL;
	n = 0;
out:
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	closedir(d);
	return r;
}

int eg_policy_load(const char *path, const char *fragment_dir, uint32_t prev_generation,
		   struct eg_policy **ret, struct eg_policy_error *err)
{
	char *guess = NULL, **frags = NULL, *buf = NULL, *fpath = NULL;
	const char *dir = fragment_dir;
	struct parser *p = NULL;
	size_t nfrags = 0, len;
	int r;

	memset(err, 0, sizeof(*err));
	if (prev_generation == UINT32_MAX) {
		set_io_error(err, path, -EOVERFLOW, "policy generation");
		return -EOVERFLOW;
	}
	if (!dir) {
		if (asprintf(&guess, "%s.d", path) < 0)
			return -ENOMEM;
		dir = guess;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	p->err = err;
	p->policy = policy_new(prev_generation);
	if (!p->policy) {
		r = -ENOMEM;
		goto out;
	}
	r = read_file(path, &buf, &len);
	if (r) {
		set_io_error(err, path, r, "cannot read the policy");
		goto out;
	}
	r = parse_text(p, path, path, buf, len);
	if (r)
		goto out;
	r = list_fragments(dir, fragment_dir != NULL, &frags, &nfrags);
	if (r) {
		if (r == -E2BIG)
			set_io_error(err, dir, r, "more than 256 fragments");
		else
			set_io_error(err, dir, r, "cannot read the fragment directory");
		goto out;
	}
	for (size_t k = 0; k < nfrags; k++) {
		free(buf);
		buf = NULL;
		free(fpath);
		if (asprintf(&fpath, "%s/%s", dir, frags[k]) < 0) {
			fpath = NULL;
			r = -ENOMEM;
			goto out;
		}
		r = read_file(fpath, &buf, &len);
		if (r) {
			set_io_error(err, fpath, r, "cannot read the fragment");
			goto out;
		}
		r = parse_text(p, fpath, frags[k], buf, len);
		if (r)
			goto out;
	}
	r = finalize(p, p->policy->files[0], ret);
out:
	if (r == -ENOMEM)
		set_io_error(err, path, r, "while loading");
	for (size_t k = 0; k < nfrags; k++)
		free(frags[k]);
	free(frags);
	free(fpath);
	free(buf);
	free(guess);
	if (p) {
		eg_policy_free(p->policy);
		free(p->dir);
		free(p);
	}
	return r;
}

static void strings_free(struct eg_policy_strings *list)
{
	for (size_t k = 0; k < list->n; k++)
		free(list->v[k]);
	free(list->v);
}

void eg_policy_free(struct eg_policy *policy)
{
	struct eg_policy_settings *st;

	if (!policy)
		return;
	st = &policy->settings;
	strings_free(&st->trust_anchors);
	strings_free(&st->tsa_anchors);
	strings_free(&st->catalogs);
	strings_free(&st->interpreters);
	strings_free(&st->interpreter_data);
	strings_free(&st->watch_scripts);
	strings_free(&st->scope_cgroups);
	free(st->crl_dir);
	free(st->sig_dir);
	free(st->catalog_dir);
	free(st->log_json);
	free(st->metrics_file);
	free(st->require_signed_policy);
	for (size_t k = 0; k < policy->n_rules; k++)
		rule_clear(&policy->rules[k]);
	free(policy->rules);
	for (size_t k = 0; k < policy->n_signers; k++)
		signer_free(policy->signers[k]);
	free(policy->signers);
	for (size_t k = 0; k < policy->n_files; k++)
		free(policy->files[k]);
	free(policy->files);
	free(policy->canon);
	eg_policy_index_free(policy);
	free(policy);
}

const struct eg_policy_settings *eg_policy_settings(const struct eg_policy *policy)
{
	return &policy->settings;
}

const unsigned char *eg_policy_digest(const struct eg_policy *policy)
{
	return policy->digest;
}

void eg_policy_digest_hex(const struct eg_policy *policy, char *buf)
{
	for (size_t k = 0; k < EG_SHA256_LEN; k++)
		sprintf(buf + 2 * k, "%02x", policy->digest[k]);
}

uint32_t eg_policy_generation(const struct eg_policy *policy)
{
	return policy->generation;
}

enum eg_policy_action eg_policy_default_action(const struct eg_policy *policy)
{
	return policy->default_action;
}

size_t eg_policy_rule_count(const struct eg_policy *policy)
{
	return policy->n_rules;
}

const struct eg_policy_rule *eg_policy_rule(const struct eg_policy *policy, size_t i)
{
	return i < policy->n_rules ? &policy->rules[i] : NULL;
}

size_t eg_policy_signer_count(const struct eg_policy *policy)
{
	return policy->n_signers;
}

const struct eg_policy_signer *eg_policy_signer(const struct eg_policy *policy, size_t i)
{
	return i < policy->n_signers ? policy->signers[i] : NULL;
}

size_t eg_policy_file_count(const struct eg_policy *policy)
{
	return policy->n_files;
}

const char *eg_policy_file(const struct eg_policy *policy, size_t i)
{
	return i < policy->n_files ? policy->files[i] : NULL;
}

const unsigned char *eg_policy_canonical(const struct eg_policy *policy, size_t *ret_len)
{
	*ret_len = policy->canon_len;
	return policy->canon;
}

const char *eg_policy_catalog_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".cat"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, base);
	return buf;
}

const char *eg_policy_action_name(enum eg_policy_action action)
{
	switch (action) {
	case EG_ACTION_ALLOW:
		return "allow";
	case EG_ACTION_DENY:
		return "deny";
	case EG_ACTION_AUDIT:
		return "audit";
	}
	return "unknown";
}
