// SPDX-License-Identifier: GPL-2.0
/* The catalog store: one hash table of every trusted digest (eg_catstore.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eg_catstore.h"
#include "eg_verify_internal.h"

#define REF_CAT_SHIFT 24
#define REF_SOURCE_MASK ((1u << REF_CAT_SHIFT) - 1)
#define MIN_SLOTS 64

_Static_assert(EG_CATALOG_MAX_SOURCES <= REF_SOURCE_MASK, "source numbers fit the reference");

struct slot {
	unsigned char sha256[EG_SHA256_LEN];
	uint32_t ref; /* 0: empty */
};

_Static_assert(sizeof(struct slot) == 36, "36 bytes a slot");

struct eg_catstore {
	pthread_rwlock_t lock;
	struct slot *slots;
	size_t nslots, used;
	struct eg_catalog *cats[EG_CATSTORE_MAX_CATALOGS]; /* slot i is reference i + 1 */
	uint64_t added[EG_CATSTORE_MAX_CATALOGS];	   /* order of arrival */
	uint64_t next_added;
	size_t ncats;
};

int eg_catstore_new(struct eg_catstore **ret)
{
	struct eg_catstore *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (pthread_rwlock_init(&s->lock, NULL)) {
		free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

void eg_catstore_free(struct eg_catstore *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < EG_CATSTORE_MAX_CATALOGS; i++)
		eg_catalog_free(s->cats[i]);
	free(s->slots);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

/* The digest is SHA-256: its first 8 bytes are already uniform.  Multiply-shift maps
 * them onto any table size, so the table need not be a power of two. */
static size_t home(const unsigned char *sha256, size_t nslots)
{
	uint64_t h;

	memcpy(&h, sha256, sizeof(h));
	return (size_t)(((unsigned __int128)h * nslots) >> 64);
}

/* Insert unless the same catalog already lists the digest. */
static void put(struct slot *slots, size_t nslots, const unsigned char *sha256, uint32_t ref,
		size_t *used)
{
	size_t i = home(sha256, nslots);

	for (;; i = i + 1 == nslots ? 0 : i + 1) {
		struct slot *sl = &slots[i];

		if (!sl->ref) {
			memcpy(sl->sha256, sha256, EG_SHA256_LEN);
			sl->ref = ref;
			(*used)++;
			return;
		}
		if (sl->ref >> REF_CAT_SHIFT == ref >> REF_CAT_SHIFT &&
		    !memcmp(sl->sha256, sha256, EG_SHA256_LEN))
			return;
	}
}

/* A new table of NSLOTS with the entries of the old one, those of catalog slot DROP
 * (1-based; 0: none) left out. */
static int rebuild(struct eg_catstore *s, size_t nslots, uint32_t drop)
{
	struct slot *slots = calloc(nslots, sizeof(*slots));
	size_t used = 0;

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].ref && s->slots[i].ref >> REF_CAT_SHIFT != drop)
			put(slots, nslots, s->slots[i].sha256, s->slots[i].ref, &used);
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
	s->used = used;
	return 0;
}

/* The slot (0-based) of the catalog read from PATH, or -ENOENT.  Under the lock. */
static int slot_of(struct eg_catstore *s, const char *path)
{
	for (size_t slot = 0; slot < EG_CATSTORE_MAX_CATALOGS; slot++)
		if (s->cats[slot] && path && s->cats[slot]->path &&
		    !strcmp(s->cats[slot]->path, path))
			return (int)slot;
	return -ENOENT;
}

static int add_locked(struct eg_catstore *s, struct eg_catalog *cat)
{
	size_t slot, need;
	int r;

	if (s->ncats == EG_CATSTORE_MAX_CATALOGS)
		return -ENOSPC;
	if (slot_of(s, cat->path) >= 0)
		return -EEXIST;
	for (slot = 0; s->cats[slot]; slot++)
		;
	/* Grow before inserting, so the load factor never passes 0.8. */
	need = s->used + cat->n;
	if (need * 5 > s->nslots * 4) {
		size_t n = need * 2 > MIN_SLOTS ? need * 2 : MIN_SLOTS;

		r = rebuild(s, n, 0);
		if (r)
			return r;
	}
	for (size_t i = 0; i < cat->n; i++)
		put(s->slots, s->nslots, cat->entries[i].sha256,
		    (uint32_t)(slot + 1) << REF_CAT_SHIFT | cat->entries[i].source, &s->used);
	/* The text is no longer needed: the digests are in the table, the provenance and
	 * the signer stay. */
	eg_catalog_compact(cat); /* -ENOMEM: it keeps its text, and works as well */
	cat->store_slot = slot;
	s->cats[slot] = cat;
	s->added[slot] = s->next_added++;
	s->ncats++;
	return 0;
}

static int remove_locked(struct eg_catstore *s, const char *path, eg_digest_fn *listed,
			 void *ctx)
{
	int slot = slot_of(s, path);
	size_t left, n;
	int r;

	if (slot < 0)
		return slot;
	/* Shrink when the table would fall under a load of 0.35. */
	left = s->used;
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].ref >> REF_CAT_SHIFT != (uint32_t)slot + 1)
			continue;
		left--;
		if (listed)
			listed(ctx, s->slots[i].sha256);
	}
	n = left * 20 < s->nslots * 7 ? (left * 2 > MIN_SLOTS ? left * 2 : MIN_SLOTS) : s->nslots;
	r = rebuild(s, n, (uint32_t)slot + 1);
	if (r)
		return r;
	eg_catalog_free(s->cats[slot]);
	s->cats[slot] = NULL;
	s->ncats--;
	return 0;
}

int eg_catstore_add(struct eg_catstore *s, struct eg_catalog *cat)
{
	int r;

	pthread_rwlock_wrlock(&s->lock);
	r = add_locked(s, cat);
	pthread_rwlock_unlock(&s->lock);
	return r;
}

int eg_catstore_remove(struct eg_catstore *s, const char *path, eg_digest_fn *listed, void *ctx)
{
	int r;

	pthread_rwlock_wrlock(&s->lock);
	r = remove_locked(s, path, listed, ctx);
	pthread_rwlock_unlock(&s->lock);
	return r;
}

int eg_catstore_replace(struct eg_catstore *s, struct eg_catalog *cat, eg_digest_fn *listed,
			void *ctx)
{
	int r;

	pthread_rwlock_wrlock(&s->lock);
	r = remove_locked(s, cat->path, listed, ctx);
	if (r && r != -ENOENT)
		goto out;
	for (size_t i = 0; listed && i < cat->n; i++)
		listed(ctx, cat->entries[i].sha256);
	r = add_locked(s, cat);
out:
	pthread_rwlock_unlock(&s->lock);
	return r;
}

int eg_catstore_file(struct eg_catstore *s, const char *path, struct stat *ret)
{
	int slot;

	pthread_rwlock_rdlock(&s->lock);
	slot = slot_of(s, path);
	if (slot >= 0)
		*ret = s->cats[slot]->file;
	pthread_rwlock_unlock(&s->lock);
	return slot < 0 ? slot : 0;
}

int eg_catstore_paths(struct eg_catstore *s, char ***ret, size_t *ret_n)
{
	char **paths;
	size_t n = 0;
	int r = 0;

	pthread_rwlock_rdlock(&s->lock);
	paths = calloc(s->ncats + 1, sizeof(*paths));
	for (size_t slot = 0; paths && slot < EG_CATSTORE_MAX_CATALOGS; slot++) {
		if (!s->cats[slot] || !s->cats[slot]->path)
			continue;
		paths[n] = strdup(s->cats[slot]->path);
		if (!paths[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	pthread_rwlock_unlock(&s->lock);
	if (!paths || r) {
		for (size_t i = 0; paths && i < n; i++)
			free(paths[i]);
		free(paths);
		return -ENOMEM;
	}
	*ret = paths;
	*ret_n = n;
	return 0;
}

void eg_catstore_read_lock(struct eg_catstore *s)
{
	pthread_rwlock_rdlock(&s->lock);
}

void eg_catstore_read_unlock(struct eg_catstore *s)
{
	pthread_rwlock_unlock(&s->lock);
}

size_t eg_catstore_lookup(struct eg_catstore *s, const unsigned char sha256[EG_SHA256_LEN],
			  struct eg_catstore_match *out, size_t max)
{
	size_t n = 0;

	if (!s->nslots)
		return 0;
	for (size_t i = home(sha256, s->nslots); s->slots[i].ref;
	     i = i + 1 == s->nslots ? 0 : i + 1) {
		const struct slot *sl = &s->slots[i];
		size_t slot, j;

		if (memcmp(sl->sha256, sha256, EG_SHA256_LEN) || n == max)
			continue;
		slot = (sl->ref >> REF_CAT_SHIFT) - 1;
		/* Keep the order of arrival (insertion sort: a digest is in few catalogs). */
		for (j = n;
		     j > 0 && s->added[slot] < s->added[(size_t)(out[j - 1].cat->store_slot)]; j--)
			out[j] = out[j - 1];
		out[j].cat = s->cats[slot];
		out[j].source = sl->ref & REF_SOURCE_MASK;
		n++;
	}
	return n;
}

size_t eg_catstore_entries(struct eg_catstore *s)
{
	return s->used;
}

size_t eg_catstore_catalogs(struct eg_catstore *s)
{
	return s->ncats;
}
