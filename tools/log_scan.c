// SPDX-License-Identifier: GPL-2.0
/* One log line into a record without building a JSON tree.
 *
 * Why: building jansson's tree (a hash table per object, a malloc per value) was 80% of
 * `execgate log --summary` (tests/bench/log_bench.sh).  This scanner validates the whole
 * line in one pass and keeps only the fields struct eg_log_rec has.
 *
 * Contract: a line is accepted exactly when json_loadb(line, len, 0) accepts it and the
 * checks of docs/log-format.md pass, and every field holds what eg_log_rec_parse_tree()
 * (the jansson reading, kept as the reference) would put there.  So it follows jansson
 * 2.14's grammar, not a looser one: whitespace is space, tab, LF and CR; every byte is
 * strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF); no control
 * character inside a string; no \u0000 and no unpaired surrogate escape; an integer must
 * fit in 64 bits and a real must not overflow to infinity; values nest at most
 * JSON_PARSER_MAX_DEPTH deep; a repeated key keeps its last value.
 * tests/fuzz/log_scan_fuzz.c holds the two readings to that, and
 * tests/unit/log_read_test.c and tests/bats/log-compare.bats check it on fixtures.
 *
 * Bounds: input is at most EG_LOG_MAX_LINE bytes (the reader's limit); the decoded
 * strings go into one buffer of LEN + 1 bytes, which is enough because a decoded string
 * and its NUL never take more bytes than the string took in the line, quotes included;
 * recursion is bounded by the depth limit. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "log_read.h"

/* Where a value goes: its type and, for strings and integers, its value. */
enum slot_type {
	S_ABSENT = 0,
	S_NULL,
	S_STRING,
	S_INTEGER,
	S_OBJECT,
	S_OTHER, /* real, true, false, array */
};

struct slot {
	enum slot_type type;
	const char *str;
	int64_t i;
};

/* A member's name, and as it is written in the line, quotes included, for next_key(). */
struct key {
	const char *name;
	unsigned char len;
	char quoted[16];
};

#define KEY(s) { s, sizeof(s) - 1, "\"" s "\"" }

enum { P_PID, P_PPID, P_UID, P_COMM, P_PARENT_EXE, P_CGROUP, P_N };
static const struct key process_keys[P_N] = {
	KEY("pid"), KEY("ppid"), KEY("uid"), KEY("comm"), KEY("parent_exe"), KEY("cgroup"),
};

enum { F_PATH, F_DEV, F_INO, F_SIZE, F_SHA256, F_SIGNED_SHA256, F_N };
static const struct key file_keys[F_N] = {
	KEY("path"), KEY("dev"), KEY("ino"), KEY("size"), KEY("sha256"), KEY("signed_sha256"),
};

enum { G_KIND, G_SUBJECT, G_ISSUER, G_SERIAL, G_SHA256, G_NOT_AFTER, G_TIMESTAMP, G_TSA, G_N };
static const struct key sig_keys[G_N] = {
	KEY("kind"),	  KEY("subject"),   KEY("issuer"),    KEY("serial"),
	KEY("sha256"), KEY("not_after"), KEY("timestamp"), KEY("tsa"),
};

enum { R_ID, R_FILE, R_LINE, R_N };
static const struct key rule_keys[R_N] = { KEY("id"), KEY("file"), KEY("line") };

enum { Y_SHA256, Y_GENERATION, Y_N };
static const struct key policy_keys[Y_N] = { KEY("sha256"), KEY("generation") };

enum {
	T_TIME,
	T_HOST,
	T_DECISION,
	T_MODE,
	T_HOOK,
	T_REASON,
	T_COUNT,
	T_PROCESS,
	T_FILE,
	T_SIGNATURE,
	T_RULE,
	T_POLICY,
	T_EVENT,
	T_N,
};
static const struct key top_keys[T_N] = {
	KEY("time"),	KEY("host"),	  KEY("decision"),  KEY("mode"),
	KEY("hook"),	KEY("reason"), KEY("count"),	 KEY("process"),
	KEY("file"),	KEY("signature"), KEY("rule"), KEY("policy"),
	KEY("event"),
};

/* The known members of one object: their keys, where their values go, and for members
 * that are objects themselves, their own members (SUBS may be NULL). */
struct table {
	const struct key *keys;
	size_t n;
	struct slot *slots;
	const struct table *subs;
};

struct scan {
	const unsigned char *p, *end;
	char *out; /* next free byte of the string buffer */
	int depth;
	bool escaped; /* the last string had a backslash */
	struct slot top[T_N];
	struct slot process[P_N], file[F_N], sig[G_N], rule[R_N], policy[Y_N];
	struct table sub[T_N]; /* the top-level members that are objects; others n == 0 */
};

/* Character classes for the string loop: 0 plain, 1 ends the fast path. */
static const unsigned char str_stop[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

/* Eight bytes at P hold none of '"', '\\', a control character or a byte >= 0x80: the
 * usual "has a zero byte" test, exact as a yes or no. */
static inline bool plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t x, q, b;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return !((((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x) & highs);
}

static inline void skip_ws(struct scan *s)
{
	/* The agent writes none: one comparison for the usual case. */
	while (s->p < s->end && *s->p <= ' ' &&
	       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Length of the UTF-8 sequence at P (P < END, *P >= 0x80) that jansson accepts, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n, i;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, uint32_t *ret)
{
	uint32_t v = 0;

	if (end - p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static char *utf8_put(char *t, uint32_t v)
{
	if (v < 0x80) {
		*t++ = v;
	} else if (v < 0x800) {
		*t++ = 0xc0 | v >> 6;
		*t++ = 0x80 | (v & 0x3f);
	} else if (v < 0x10000) {
		*t++ = 0xe0 | v >> 12;
		*t++ = 0x80 | (v >> 6 & 0x3f);
		*t++ = 0x80 | (v & 0x3f);
	} else {
		*t++ = 0xf0 | v >> 18;
		*t++ = 0x80 | (v >> 12 & 0x3f);
		*t++ = 0x80 | (v >> 6 & 0x3f);
		*t++ = 0x80 | (v & 0x3f);
	}
	return t;
}

/* Skip the bytes from P on that need no care inside a string (all but '"', '\\', control
 * characters and bytes >= 0x80), copying them to *T unless *T is NULL; returns the first
 * byte that needs care, or END.  Most strings in a log are short: sixteen bytes at a time
 * find where one ends in one step.  Storing sixteen bytes at *T whatever the run's length
 * stays in the string buffer: P + 16 <= END, and *T is never further into the buffer than
 * P is into the line. */
static inline const unsigned char *plain_run(const unsigned char *p, const unsigned char *end,
					     char **t)
{
	const unsigned char *run;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)p);
		/* Signed: bytes >= 0x80 are below 0x20 too. */
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
							 _mm_cmpeq_epi8(x, backslash)),
					    _mm_cmplt_epi8(x, space));
		unsigned int bits = _mm_movemask_epi8(stop);
		unsigned int n = bits ? __builtin_ctz(bits) : 16;

		if (*t) {
			_mm_storeu_si128((__m128i *)*t, x);
			*t += n;
		}
		p += n;
		if (n < 16)
			return p;
	}
#endif
	run = p;
	while (end - p >= 8 && plain8(p))
		p += 8;
	while (p < end && !str_stop[*p])
		p++;
	if (*t) {
		memcpy(*t, run, p - run);
		*t += p - run;
	}
	return p;
}

/* The string at S->p (its opening quote) checked, and decoded into OUT when OUT is not
 * NULL (NUL-terminated; *RET_LEN bytes before the NUL).  OUT has room: see the top. */
static int scan_string(struct scan *s, char *out, size_t *ret_len)
{
	const unsigned char *p = s->p + 1, *end = s->end;
	char *t = out;
	uint32_t v, lo;
	size_t n;

	s->escaped = false;
	for (;;) {
		p = plain_run(p, end, &t);
		if (p == end)
			return -EINVAL;
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			n = utf8_len(p, end);
			if (!n)
				return -EINVAL;
			if (t) {
				memcpy(t, p, n);
				t += n;
			}
			p += n;
			continue;
		}
		if (*p != '\\') /* a control character */
			return -EINVAL;
		s->escaped = true;
		if (++p == end)
			return -EINVAL;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			v = *p;
			break;
		case 'b':
			v = '\b';
			break;
		case 'f':
			v = '\f';
			break;
		case 'n':
			v = '\n';
			break;
		case 'r':
			v = '\r';
			break;
		case 't':
			v = '\t';
			break;
		case 'u':
			if (hex4(p + 1, end, &v))
				return -EINVAL;
			p += 4;
			if (v >= 0xdc00 && v <= 0xdfff)
				return -EINVAL;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (end - p < 3 || p[1] != '\\' || p[2] != 'u' ||
				    hex4(p + 3, end, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -EINVAL;
				v = ((v - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
				p += 6;
			}
			/* jansson refuses NUL inside strings and keys alike. */
			if (!v)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		p++;
		if (t)
			t = utf8_put(t, v);
	}
	s->p = p + 1;
	if (t) {
		*t = '\0';
		*ret_len = t - out;
	}
	return 0;
}

/* jansson 2.14 puts back the byte it reads after a number or a word; when that byte is NUL,
 * its reader takes the byte put back for an empty buffer and reads on, so the NUL is lost
 * and the line accepted as if it were not there.  The same here (found by
 * tests/fuzz/log_scan_fuzz.c). */
static inline void skip_lost_nul(struct scan *s)
{
	if (s->p < s->end && !*s->p)
		s->p++;
}

/* A number as jansson lexes it: an integer (strtoll's range) or a real (strtod, not
 * overflowing). */
static int scan_number(struct scan *s, struct slot *dst)
{
	const unsigned char *start = s->p, *p = s->p, *end = s->end;
	bool neg = false, real = false;
	uint64_t v = 0;

	if (p < end && *p == '-')
		neg = true, p++;
	if (p == end || *p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return -EINVAL;
	} else {
		const unsigned char *first = p;

		for (; p < end && *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		/* Nineteen digits fit in 64 bits unsigned; more (no leading zero) are past
		 * 2^63, and V has wrapped: remember that by saturating. */
		if (p - first > 19)
			v = UINT64_MAX;
	}
	if (p < end && *p == '.') {
		real = true;
		if (++p == end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	s->p = p;
	skip_lost_nul(s);
	if (!real) {
		if (v > (uint64_t)INT64_MAX + neg)
			return -EINVAL;
		if (dst) {
			dst->type = S_INTEGER;
			dst->i = neg ? (int64_t)(0 - v) : (int64_t)v;
		}
		return 0;
	} else {
		/* Rare in a log: the exact overflow rule is strtod's, on a NUL-terminated copy. */
		size_t n = p - start;
		char small[64], *copy = n < sizeof(small) ? small : malloc(n + 1);
		double d;
		int ret = 0;

		if (!copy)
			return -ENOMEM;
		memcpy(copy, start, n);
		copy[n] = '\0';
		errno = 0;
		d = strtod(copy, NULL);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			ret = -EINVAL;
		if (copy != small)
			free(copy);
		if (dst)
			dst->type = S_OTHER;
		return ret;
	}
}

static int scan_value(struct scan *s, struct slot *dst, const struct table *members);

/* Keys are a few bytes long: a call to memcmp() costs more than the comparison. */
static inline bool same(const char *a, const char *b, size_t n)
{
	while (n && *a == *b)
		a++, b++, n--;
	return !n;
}

/* The index of the member named K (KLEN bytes) in T, or T->n. */
static size_t find_key(const struct table *t, const char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].len == klen && same(t->keys[i].name, k, klen))
			break;
	return i;
}

/* Is the key at S->p (its opening quote) the one of MEMBERS after the last one found, NEXT,
 * spelled without escapes?  Then skip it.  The writer keeps the order of
 * docs/log-format.md, so this is the usual case, and the key is known good JSON. */
static inline bool next_key(struct scan *s, const struct table *members, size_t next)
{
	const struct key *want;

	if (!members || next >= members->n)
		return false;
	want = &members->keys[next];
#ifdef __SSE2__
	/* Sixteen bytes compared at once; the key, quotes included, is the first LEN + 2. */
	if (s->end - s->p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)s->p);
		__m128i k = _mm_loadu_si128((const __m128i *)want->quoted);
		unsigned int all = (1u << (want->len + 2)) - 1;

		if ((_mm_movemask_epi8(_mm_cmpeq_epi8(x, k)) & all) != all)
			return false;
		s->p += want->len + 2;
		return true;
	}
#endif
	if ((size_t)(s->end - s->p) < want->len + 2u || memcmp(s->p, want->quoted, want->len + 2))
		return false;
	s->p += want->len + 2;
	return true;
}

/* The object at S->p ('{'); members named in MEMBERS (may be NULL) go to their slots. */
static int scan_object(struct scan *s, const struct table *members)
{
	size_t next = 0, i;
	int ret;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		const unsigned char *key = s->p + 1;
		struct slot *dst = NULL;
		const struct table *sub = NULL;
		const char *k = (const char *)key;
		size_t klen;

		if (s->p == s->end || *s->p != '"')
			return -EINVAL;
		if (next_key(s, members, next)) {
			i = next;
		} else {
			ret = scan_string(s, NULL, NULL);
			if (ret)
				return ret;
			klen = s->p - 1 - key;
			if (members && s->escaped) {
				/* Matched decoded, in the free end of the string buffer. */
				struct scan again = { .p = key - 1, .end = s->end };

				scan_string(&again, s->out, &klen);
				k = s->out;
			}
			i = members ? find_key(members, k, klen) : 0;
		}
		if (members && i < members->n) {
			dst = &members->slots[i];
			if (members->subs && members->subs[i].n)
				sub = &members->subs[i];
			next = i + 1;
		}
		skip_ws(s);
		if (s->p == s->end || *s->p != ':')
			return -EINVAL;
		s->p++;
		skip_ws(s);
		/* Most values are strings that go to a slot: read here, without the call
		 * (the depth limit counts them as scan_value() does). */
		if (dst && s->p < s->end && *s->p == '"' && s->depth < JSON_PARSER_MAX_DEPTH) {
			size_t len;

			ret = scan_string(s, s->out, &len);
			if (!ret) {
				dst->type = S_STRING;
				dst->str = s->out;
				s->out += len + 1;
			}
		} else {
			ret = scan_value(s, dst, sub);
		}
		if (ret)
			return ret;
		skip_ws(s);
		if (s->p == s->end)
			return -EINVAL;
		if (*s->p == '}') {
			s->p++;
			return 0;
		}
		if (*s->p != ',')
			return -EINVAL;
		s->p++;
		skip_ws(s);
	}
}

static int scan_array(struct scan *s)
{
	int ret;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		ret = scan_value(s, NULL, NULL);
		if (ret)
			return ret;
		skip_ws(s);
		if (s->p == s->end)
			return -EINVAL;
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if (*s->p != ',')
			return -EINVAL;
		s->p++;
		skip_ws(s);
	}
}

static int scan_word(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return -EINVAL;
	s->p += n;
	/* jansson reads a whole run of letters as one word: "nullx" is no null. */
	if (s->p < s->end && ((*s->p | 0x20) >= 'a' && (*s->p | 0x20) <= 'z'))
		return -EINVAL;
	skip_lost_nul(s);
	return 0;
}

/* The value at S->p into DST (may be NULL); MEMBERS: see scan_object(). */
static int scan_value(struct scan *s, struct slot *dst, const struct table *members)
{
	struct slot ignored;
	size_t len;
	int ret;

	if (++s->depth > JSON_PARSER_MAX_DEPTH)
		return -EINVAL;
	if (!dst)
		dst = &ignored;
	if (s->p == s->end)
		return -EINVAL;
	switch (*s->p) {
	case '"':
		if (dst == &ignored) {
			ret = scan_string(s, NULL, &len);
			break;
		}
		ret = scan_string(s, s->out, &len);
		if (!ret) {
			dst->type = S_STRING;
			dst->str = s->out;
			s->out += len + 1;
		}
		break;
	case '{':
		/* A repeated key: the last object is the one that counts. */
		if (members)
			memset(members->slots, 0, members->n * sizeof(*members->slots));
		dst->type = S_OBJECT;
		ret = scan_object(s, members);
		break;
	case '[':
		dst->type = S_OTHER;
		ret = scan_array(s);
		break;
	case 't':
		dst->type = S_OTHER;
		ret = scan_word(s, "true", 4);
		break;
	case 'f':
		dst->type = S_OTHER;
		ret = scan_word(s, "false", 5);
		break;
	case 'n':
		dst->type = S_NULL;
		ret = scan_word(s, "null", 4);
		break;
	default:
		ret = scan_number(s, dst == &ignored ? NULL : dst);
		break;
	}
	s->depth--;
	return ret;
}

static const char *str_slot(const struct slot *v)
{
	return v->type == S_STRING ? v->str : NULL;
}

static int64_t int_slot(const struct slot *v)
{
	return v->type == S_INTEGER ? v->i : -1;
}

int eg_log_rec_parse(const char *line, size_t len, struct eg_log_rec *rec)
{
	struct scan s_, *s = &s_;
	struct table top;
	char *strs;
	int d, ret = -EINVAL;

	memset(rec, 0, sizeof(*rec));
	strs = malloc(len + 1);
	if (!strs)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->p = (const unsigned char *)line;
	s->end = s->p + len;
	s->out = strs;
	s->sub[T_PROCESS] = (struct table){ process_keys, P_N, s->process, NULL };
	s->sub[T_FILE] = (struct table){ file_keys, F_N, s->file, NULL };
	s->sub[T_SIGNATURE] = (struct table){ sig_keys, G_N, s->sig, NULL };
	s->sub[T_RULE] = (struct table){ rule_keys, R_N, s->rule, NULL };
	s->sub[T_POLICY] = (struct table){ policy_keys, Y_N, s->policy, NULL };
	top = (struct table){ top_keys, T_N, s->top, s->sub };

	/* The line: one object and nothing after it but whitespace. */
	skip_ws(s);
	if (s->p == s->end || *s->p != '{')
		goto out;
	ret = scan_value(s, NULL, &top);
	if (ret)
		goto out;
	skip_ws(s);
	ret = -EINVAL;
	if (s->p != s->end)
		goto out;

	/* The checks of docs/log-format.md, as eg_log_rec_parse_tree() makes them. */
	rec->line = line;
	rec->line_len = len;
	rec->strs = strs;
	rec->time = str_slot(&s->top[T_TIME]);
	if (!rec->time || eg_log_time_parse(rec->time, &rec->time_ns))
		goto out;
	rec->host = str_slot(&s->top[T_HOST]);
	/* The agent's own events (a reload, a start on the last known good policy) are not
	 * decisions: skipped, not malformed. */
	if (s->top[T_DECISION].type != S_STRING && s->top[T_EVENT].type == S_STRING) {
		ret = -ENOMSG;
		goto out;
	}
	d = s->top[T_DECISION].type == S_STRING ? eg_decision_from_name(s->top[T_DECISION].str)
						 : -EINVAL;
	if (d < 0)
		goto out;
	rec->decision = d;
	rec->mode = str_slot(&s->top[T_MODE]);
	rec->hook = str_slot(&s->top[T_HOOK]);
	if (!rec->mode || eg_mode_from_name(rec->mode) < 0 || !rec->hook ||
	    eg_hook_from_name(rec->hook) < 0)
		goto out;
	if (s->top[T_REASON].type != S_ABSENT && s->top[T_REASON].type != S_STRING &&
	    s->top[T_REASON].type != S_NULL)
		goto out;
	rec->reason = str_slot(&s->top[T_REASON]);
	rec->count = int_slot(&s->top[T_COUNT]);
	if (rec->count < 1)
		goto out;
	if (s->top[T_PROCESS].type != S_OBJECT || s->top[T_FILE].type != S_OBJECT ||
	    s->top[T_POLICY].type != S_OBJECT)
		goto out;
	if (s->top[T_SIGNATURE].type != S_OBJECT && s->top[T_SIGNATURE].type != S_NULL)
		goto out;
	if (s->top[T_RULE].type != S_OBJECT && s->top[T_RULE].type != S_NULL)
		goto out;

	rec->pid = int_slot(&s->process[P_PID]);
	rec->ppid = int_slot(&s->process[P_PPID]);
	rec->uid = int_slot(&s->process[P_UID]);
	rec->comm = str_slot(&s->process[P_COMM]);
	rec->parent_exe = str_slot(&s->process[P_PARENT_EXE]);
	rec->cgroup = str_slot(&s->process[P_CGROUP]);
	rec->path = str_slot(&s->file[F_PATH]);
	rec->dev = str_slot(&s->file[F_DEV]);
	rec->ino = int_slot(&s->file[F_INO]);
	rec->size = int_slot(&s->file[F_SIZE]);
	rec->sha256 = str_slot(&s->file[F_SHA256]);
	rec->signed_sha256 = str_slot(&s->file[F_SIGNED_SHA256]);
	rec->has_sig = s->top[T_SIGNATURE].type == S_OBJECT;
	if (rec->has_sig) {
		rec->sig_kind = str_slot(&s->sig[G_KIND]);
		rec->subject = str_slot(&s->sig[G_SUBJECT]);
		rec->issuer = str_slot(&s->sig[G_ISSUER]);
		rec->serial = str_slot(&s->sig[G_SERIAL]);
		rec->sig_sha256 = str_slot(&s->sig[G_SHA256]);
		rec->not_after = str_slot(&s->sig[G_NOT_AFTER]);
		rec->timestamp = str_slot(&s->sig[G_TIMESTAMP]);
		rec->tsa = str_slot(&s->sig[G_TSA]);
	}
	rec->has_rule = s->top[T_RULE].type == S_OBJECT;
	rec->rule_id = rec->has_rule ? int_slot(&s->rule[R_ID]) : -1;
	rec->rule_line = rec->has_rule ? int_slot(&s->rule[R_LINE]) : -1;
	rec->rule_file = rec->has_rule ? str_slot(&s->rule[R_FILE]) : NULL;
	rec->policy_sha256 = str_slot(&s->policy[Y_SHA256]);
	rec->policy_generation = int_slot(&s->policy[Y_GENERATION]);
	ret = 0;
out:
	if (ret) {
		free(strs);
		memset(rec, 0, sizeof(*rec));
	}
	return ret;
}
