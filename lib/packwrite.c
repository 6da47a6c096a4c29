/*
 * packwrite — a commit's new objects as one pack; small packs consolidated.
 * See packwrite.h.
 */
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <git2/sys/odb_backend.h>

#include "err.h"
#include "i18n.h"
#include "packwrite.h"

struct obj {
	git_oid id;
	git_object_t type;
	size_t len;              /* the object's size */
	unsigned char *z;        /* its bytes deflated */
	size_t zlen;
};

struct ej_packw {
	git_odb_backend be;      /* first: libgit2 holds a pointer to it */
	int on;
	struct obj *v;
	size_t n, cap;
};

static struct obj *
find(struct ej_packw *p, const git_oid *id)
{
	size_t i;

	for (i = p->n; i-- > 0; )
		if (git_oid_equal(&p->v[i].id, id))
			return &p->v[i];
	return NULL;
}

static int
pw_write(git_odb_backend *be, const git_oid *id, const void *data,
    size_t len, git_object_t type)
{
	struct ej_packw *p = (struct ej_packw *)be;
	struct obj *o;
	uLongf zlen;

	if (!p->on)
		return GIT_PASSTHROUGH;
	if (find(p, id))
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = ej_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	o = &p->v[p->n];
	zlen = compressBound(len);
	o->z = ej_xmalloc(zlen);
	if (compress2(o->z, &zlen, data, len, Z_BEST_SPEED) != Z_OK) {
		free(o->z);
		git_error_set_str(GIT_ERROR_ZLIB, _("cannot deflate an object"));
		return -1;
	}
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->len = len;
	o->zlen = zlen;
	p->n++;
	return 0;
}

static int
pw_read(void **out, size_t *len, git_object_t *type, git_odb_backend *be,
    const git_oid *id)
{
	struct obj *o = find((struct ej_packw *)be, id);
	uLongf n;
	void *buf;

	if (!o)
		return GIT_ENOTFOUND;
	n = o->len;
	if ((buf = git_odb_backend_data_alloc(be, o->len ? o->len : 1)) == NULL)
		return -1;
	if (uncompress(buf, &n, o->z, o->zlen) != Z_OK || n != o->len) {
		git_odb_backend_data_free(be, buf);
		git_error_set_str(GIT_ERROR_ZLIB, _("cannot inflate an object"));
		return -1;
	}
	*out = buf;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int
pw_read_header(size_t *len, git_object_t *type, git_odb_backend *be,
    const git_oid *id)
{
	struct obj *o = find((struct ej_packw *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int
pw_exists(git_odb_backend *be, const git_oid *id)
{
	return find((struct ej_packw *)be, id) != NULL;
}

static int
pw_foreach(git_odb_backend *be, git_odb_foreach_cb cb, void *payload)
{
	struct ej_packw *p = (struct ej_packw *)be;
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++)
		if ((rc = cb(&p->v[i].id, payload)) != 0)
			return rc;
	return 0;
}

static void
clear(struct ej_packw *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].z);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
	p->on = 0;
}

static void
pw_free(git_odb_backend *be)
{
	struct ej_packw *p = (struct ej_packw *)be;

	clear(p);
	free(p);
}

int
ej_packw_attach(struct ej_packw **out, git_repository *repo)
{
	struct ej_packw *p = ej_xcalloc(1, sizeof *p);
	git_odb *odb;

	*out = NULL;
	if (git_odb_init_backend(&p->be, GIT_ODB_BACKEND_VERSION) < 0) {
		free(p);
		return -1;
	}
	p->be.read = pw_read;
	p->be.read_header = pw_read_header;
	p->be.write = pw_write;
	p->be.exists = pw_exists;
	p->be.foreach = pw_foreach;
	p->be.free = pw_free;
	if (git_repository_odb(&odb, repo) < 0) {
		free(p);
		return -1;
	}
	/* Before the loose (1) and packed (2) backends: writes come here. */
	if (git_odb_add_backend(odb, &p->be, 1000) < 0) {
		git_odb_free(odb);
		free(p);
		return -1;
	}
	git_odb_free(odb);
	*out = p;
	return 0;
}

void
ej_packw_capture(struct ej_packw *p)
{
	p->on = 1;
}

int
ej_packw_add(struct ej_packw *p, const git_oid *id, const void *data,
    size_t len, git_object_t type)
{
	return pw_write(&p->be, id, data, len, type) < 0 ? -1 : 0;
}

int
ej_packw_capturing(const struct ej_packw *p)
{
	return p && p->on;
}

void
ej_packw_abort(struct ej_packw *p)
{
	if (p)
		clear(p);
}

/* The pack's bytes go to the indexer and into the trailer's SHA-1. */
struct sink {
	git_indexer *ix;
	EVP_MD_CTX *md;
	git_indexer_progress st;
};

static int
emit(struct sink *k, const void *data, size_t len)
{
	if (EVP_DigestUpdate(k->md, data, len) != 1) {
		git_error_set_str(GIT_ERROR_SHA, _("cannot compute a SHA-1"));
		return -1;
	}
	return git_indexer_append(k->ix, data, len, &k->st);
}

static void
put32(unsigned char *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

int
ej_packw_flush(struct ej_packw *p, const char *packdir)
{
	git_indexer_options o;
	struct sink k;
	unsigned char hdr[12], sum[EVP_MAX_MD_SIZE];
	unsigned int sumlen = 0;
	size_t i;
	int rc = -1;

	p->on = 0;
	if (p->n == 0)
		return 0;
	memset(&k, 0, sizeof k);
	if (git_indexer_options_init(&o, GIT_INDEXER_OPTIONS_VERSION) < 0)
		goto out;
	if ((k.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(k.md, EVP_sha1(), NULL) != 1) {
		git_error_set_str(GIT_ERROR_SHA, _("cannot compute a SHA-1"));
		goto out;
	}
	if (git_indexer_new(&k.ix, packdir, 0, NULL, &o) < 0)
		goto out;
	/* Version 2, whole objects only (no deltas: the consolidation
	 * makes them for the small packs). */
	memcpy(hdr, "PACK", 4);
	put32(hdr + 4, 2);
	put32(hdr + 8, (uint32_t)p->n);
	if (emit(&k, hdr, sizeof hdr) < 0)
		goto out;
	for (i = 0; i < p->n; i++) {
		const struct obj *ob = &p->v[i];
		unsigned char h[16];
		size_t n = 0, size = ob->len >> 4;
		unsigned c = ((unsigned)ob->type << 4) | (ob->len & 15);

		while (size) {
			h[n++] = 0x80 | c;
			c = size & 0x7f;
			size >>= 7;
		}
		h[n++] = c;
		if (emit(&k, h, n) < 0 || emit(&k, ob->z, ob->zlen) < 0)
			goto out;
	}
	if (EVP_DigestFinal_ex(k.md, sum, &sumlen) != 1 || sumlen != 20) {
		git_error_set_str(GIT_ERROR_SHA, _("cannot compute a SHA-1"));
		goto out;
	}
	if (git_indexer_append(k.ix, sum, sumlen, &k.st) < 0 ||
	    git_indexer_commit(k.ix, &k.st) < 0)
		goto out;
	rc = 0;
out:
	clear(p);
	git_indexer_free(k.ix);
	EVP_MD_CTX_free(k.md);
	return rc;
}

/* ------------------------------------------------------- consolidation */

/* Objects in a pack, from its index's size (version 2, no offsets past
 * 2 GiB: a small pack's). */
static size_t
idx_objects(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || st.st_size < 8 + 1024 + 40)
		return (size_t)-1;
	return ((size_t)st.st_size - 8 - 1024 - 40) / 28;
}

static int
insert_cb(const git_oid *id, void *payload)
{
	return git_packbuilder_insert(payload, id, NULL);
}

struct have {
	git_odb_backend *in;
	int all;
};

static int
have_cb(const git_oid *id, void *payload)
{
	struct have *h = payload;

	if (!h->in->exists(h->in, id)) {
		h->all = 0;
		return 1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Packs of a tier: 0, the small ones (fewer than EJ_PACKW_SMALL
 * objects); 1, what tier 0 made (up to EJ_PACKW_TIER1 objects and
 * EJ_PACKW_TIER1_BYTES: not a year's import). */
static int
in_tier(const char *idx, int tier)
{
	size_t n = idx_objects(idx), len = strlen(idx);
	char *pack;
	struct stat st;
	int in;

	if (tier == 0)
		return n < EJ_PACKW_SMALL;
	if (n < EJ_PACKW_SMALL || n >= EJ_PACKW_TIER1)
		return 0;
	pack = ej_xasprintf("%.*s.pack", (int)(len - 4), idx);
	in = stat(pack, &st) == 0 && st.st_size < EJ_PACKW_TIER1_BYTES;
	free(pack);
	return in;
}

static long consolidate(git_repository *repo, const char *packdir,
    int tier);

long
ej_packw_consolidate(git_repository *repo, const char *packdir)
{
	long a, b;

	if ((a = consolidate(repo, packdir, 0)) < 0 ||
	    (b = consolidate(repo, packdir, 1)) < 0)
		return -1;
	return a + b;
}

static long
consolidate(git_repository *repo, const char *packdir, int tier)
{
	DIR *dp;
	struct dirent *e;
	char **small = NULL, *idx = NULL;
	size_t n = 0, cap = 0, i;
	git_packbuilder *pb = NULL;
	git_odb_backend *be, *out = NULL;
	long removed = -1;

	if ((dp = opendir(packdir)) == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		size_t len = strlen(e->d_name);
		char *path;

		if (len < 5 || strcmp(e->d_name + len - 4, ".idx") != 0 ||
		    strncmp(e->d_name, "pack-", 5) != 0)
			continue;
		path = ej_xasprintf("%s/%s", packdir, e->d_name);
		if (!in_tier(path, tier)) {
			free(path);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			small = ej_xrealloc(small, cap * sizeof *small);
		}
		small[n++] = path;
	}
	closedir(dp);
	if (n < (tier == 0 ? EJ_PACKW_BATCH : EJ_PACKW_BATCH1)) {
		removed = 0;
		goto out;
	}
	qsort(small, n, sizeof *small, cmp_str);
	if (git_packbuilder_new(&pb, repo) < 0)
		goto out;
	git_packbuilder_set_threads(pb, 0);
	for (i = 0; i < n; i++) {
		int rc;

		if (git_odb_backend_one_pack(&be, small[i]) < 0)
			goto out;
		rc = be->foreach(be, insert_cb, pb);
		be->free(be);
		if (rc < 0)
			goto out;
	}
	/* Written and fsynced before any small pack goes. */
	if (git_packbuilder_write(pb, packdir, 0, NULL, NULL) < 0)
		goto out;
	idx = ej_xasprintf("%s/pack-%s.idx", packdir, git_packbuilder_name(pb));
	if (git_odb_backend_one_pack(&out, idx) < 0)
		goto out;
	removed = 0;
	for (i = 0; i < n; i++) {
		struct have h = { out, 1 };
		size_t len = strlen(small[i]);
		char *pack;

		if (strcmp(small[i], idx) == 0 ||
		    git_odb_backend_one_pack(&be, small[i]) < 0)
			continue;
		be->foreach(be, have_cb, &h);
		be->free(be);
		if (!h.all)
			continue;
		/* The index first: a pack without one is not looked at. */
		pack = ej_xasprintf("%.*s.pack", (int)(len - 4), small[i]);
		if (unlink(small[i]) == 0 && unlink(pack) == 0)
			removed++;
		free(pack);
	}
out:
	if (out)
		out->free(out);
	git_packbuilder_free(pb);
	for (i = 0; i < n; i++)
		free(small[i]);
	free(small);
	free(idx);
	return removed;
}
