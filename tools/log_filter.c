// SPDX-License-Identifier: GPL-2.0
/* The filters of `execgate log`.  Each given filter must match; the values given to one
 * filter (repeated, or separated by commas) are alternatives. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "eg_names.h"
#include "log.h"

int eg_log_list_add(struct eg_log_list *list, const char *value)
{
	char **v = realloc(list->v, (list->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	list->v = v;
	v[list->n] = strdup(value);
	if (!v[list->n])
		return -ENOMEM;
	list->n++;
	return 0;
}

void eg_log_list_free(struct eg_log_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* Call EACH for every comma-separated item of ARG; an empty item is an error. */
static int for_each_item(const char *arg, int (*each)(struct eg_log_filter *, const char *,
						      char *, size_t),
			 struct eg_log_filter *f, char *err, size_t len)
{
	char *copy = strdup(arg), *item, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	if (!*arg || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") || *arg == ',') {
		snprintf(err, len, "empty value in '%s'", arg);
		ret = -EINVAL;
	}
	for (item = strtok_r(copy, ",", &save); !ret && item; item = strtok_r(NULL, ",", &save))
		ret = each(f, item, err, len);
	free(copy);
	return ret;
}

static int one_decision(struct eg_log_filter *f, const char *item, char *err, size_t len)
{
	int d = eg_decision_from_name(item);

	if (d >= 0) {
		f->decisions |= 1u << d;
		return 0;
	}
	snprintf(err, len, "expected allow, deny or audit, not '%s'", item);
	return -EINVAL;
}

int eg_log_filter_decision(struct eg_log_filter *f, const char *arg, char *err, size_t len)
{
	return for_each_item(arg, one_decision, f, err, len);
}

static int one_reason(struct eg_log_filter *f, const char *item, char *err, size_t len)
{
	if (eg_reason_from_name(item) < 0 || !strcmp(item, "none")) {
		snprintf(err, len, "unknown reason '%s' (the names are listed in --help)", item);
		return -EINVAL;
	}
	return eg_log_list_add(&f->reasons, item);
}

int eg_log_filter_reason(struct eg_log_filter *f, const char *arg, char *err, size_t len)
{
	return for_each_item(arg, one_reason, f, err, len);
}

static int one_uid(struct eg_log_filter *f, const char *item, char *err, size_t len)
{
	uint32_t *uids = realloc(f->uids, (f->n_uids + 1) * sizeof(*uids));
	struct passwd *pw;
	unsigned long v;
	char *end;

	if (!uids)
		return -ENOMEM;
	f->uids = uids;
	errno = 0;
	v = strtoul(item, &end, 10);
	if (isdigit((unsigned char)*item) && !*end && !errno && v <= UINT32_MAX) {
		uids[f->n_uids++] = v;
		return 0;
	}
	pw = getpwnam(item);
	if (!pw) {
		snprintf(err, len, "'%s' is neither a uid nor a user known here", item);
		return -EINVAL;
	}
	uids[f->n_uids++] = pw->pw_uid;
	return 0;
}

int eg_log_filter_uid(struct eg_log_filter *f, const char *arg, char *err, size_t len)
{
	return for_each_item(arg, one_uid, f, err, len);
}

/* A signer is named by a piece of its subject (any case) or by the start of its
 * certificate's SHA-256 fingerprint (any case, colons allowed, "sha256:" optional). */
static bool signer_match(const char *want, const struct eg_log_rec *rec)
{
	char hex[65];
	size_t n = 0;
	const char *p = want;

	if (!rec->has_sig)
		return false;
	if (rec->subject && strcasestr(rec->subject, want))
		return true;
	if (!rec->sig_sha256)
		return false;
	if (!strncasecmp(p, "sha256:", 7))
		p += 7;
	for (; *p && n < sizeof(hex) - 1; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return false;
		hex[n++] = tolower((unsigned char)*p);
	}
	hex[n] = '\0';
	/* Four hex digits at least: shorter would match by accident. */
	return n >= 4 && !*p && !strncmp(rec->sig_sha256, hex, n);
}

static bool any_glob(const struct eg_log_list *l, const char *s)
{
	for (size_t i = 0; s && i < l->n; i++)
		if (!fnmatch(l->v[i], s, 0))
			return true;
	return false;
}

bool eg_log_filter_match(const struct eg_log_filter *f, const struct eg_log_rec *rec)
{
	size_t i;

	if (f->has_since && rec->time_ns < f->since_ns)
		return false;
	if (f->has_until && rec->time_ns >= f->until_ns)
		return false;
	if (f->decisions && !(f->decisions & (1u << rec->decision)))
		return false;
	if (f->reasons.n) {
		for (i = 0; i < f->reasons.n; i++)
			if (rec->reason && !strcmp(rec->reason, f->reasons.v[i]))
				break;
		if (i == f->reasons.n)
			return false;
	}
	if (f->signers.n) {
		for (i = 0; i < f->signers.n; i++)
			if (signer_match(f->signers.v[i], rec))
				break;
		if (i == f->signers.n)
			return false;
	}
	if (f->paths.n && !any_glob(&f->paths, rec->path))
		return false;
	if (f->hosts.n && !any_glob(&f->hosts, rec->host))
		return false;
	if (f->n_uids) {
		for (i = 0; i < f->n_uids; i++)
			if (rec->uid == (int64_t)f->uids[i])
				break;
		if (i == f->n_uids)
			return false;
	}
	return true;
}

void eg_log_filter_free(struct eg_log_filter *f)
{
	eg_log_list_free(&f->reasons);
	eg_log_list_free(&f->signers);
	eg_log_list_free(&f->paths);
	eg_log_list_free(&f->hosts);
	free(f->uids);
	f->uids = NULL;
	f->n_uids = 0;
}
