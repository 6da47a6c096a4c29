/*
 * packwrite — a commit's new objects as one pack; small packs consolidated.
 * See packwrite.h.
 *
 * The formats are git's (Documentation/gitformat-pack.txt): a pack is
 * "PACK", version 2, the object count, then each object as a type-and-size
 * header and its zlib stream, then the SHA-1 of all that; its index
 * (version 2) holds a fan-out table of the sorted ids' first bytes, the
 * ids, each object's CRC-32 (of its header and stream), its offset (31
 * bits, or an index into a table of 64-bit ones), the pack's SHA-1 and
 * its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <git2/sys/odb_backend.h>

#include "err.h"
#include "i18n.h"
#include "packwrite.h"

#define TMP_PREFIX "ej-tmp-"
#define QMAX 8                   /* objects queued for the second thread */
#define QBYTES (8L << 20)        /* and their bytes, at most */

struct obj {
	git_oid id;
	git_object_t type;
	size_t len;              /* the object's size */
	uint64_t off;            /* where it starts in the pack */
	uint32_t crc;            /* of its header and stream */
	unsigned char *raw;      /* not kept: a non-blob's bytes */
};

struct job {
	size_t obj;
	git_object_t type;
	unsigned char *data;
	size_t len;
};

struct ej_packw {
	git_odb_backend be;      /* first: libgit2 holds a pointer to it */
	char *packdir;
	int on, keep;
	struct obj *v;
	size_t n, cap;
	size_t *slot;            /* ids hashed: index + 1, 0 empty */
	size_t nslot;
	/* The temporary pack and its index. */
	int fd, ifd;
	char *tmp, *itmp;
	uint64_t off;            /* bytes written */
	size_t inline_bytes;
	/* The deflater, used by one thread at a time: this one until the
	 * second starts, then that one. */
	z_stream zs;
	int zinit;
	unsigned char *zbuf;
	size_t zcap;
	int err;                 /* errno of the first failure, or 0 */
	/* The second thread and its queue (mu guards the queue, err, and
	 * the results it writes into v). */
	int threaded, busy, stop, discard;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct job q[QMAX];
	size_t qh, qn, qbytes;
};

/* ------------------------------------------------------------- the ids */

static size_t
id_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof h);
	return h;
}

static struct obj *
find(struct ej_packw *p, const git_oid *id)
{
	size_t h, m;

	if (!p->nslot)
		return NULL;
	m = p->nslot - 1;
	for (h = id_hash(id) & m; p->slot[h]; h = (h + 1) & m)
		if (git_oid_equal(&p->v[p->slot[h] - 1].id, id))
			return &p->v[p->slot[h] - 1];
	return NULL;
}

static void
rehash(struct ej_packw *p)
{
	size_t i, h, m, n = p->nslot ? p->nslot * 2 : 64;

	free(p->slot);
	p->slot = ej_xcalloc(n, sizeof *p->slot);
	p->nslot = n;
	m = n - 1;
	for (i = 0; i < p->n; i++) {
		for (h = id_hash(&p->v[i].id) & m; p->slot[h]; h = (h + 1) & m)
			;
		p->slot[h] = i + 1;
	}
}

int
ej_packw_hash(git_oid *id, const void *data, size_t len, git_object_t type)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char hdr[64];
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int hl, ok;

	hl = snprintf(hdr, sizeof hdr, "%s %zu", git_object_type2string(type),
	    len);
	ok = md && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(md, hdr, (size_t)hl + 1) == 1 &&
	    EVP_DigestUpdate(md, data, len) == 1 &&
	    EVP_DigestFinal_ex(md, sum, &n) == 1 && n == GIT_OID_RAWSZ;
	EVP_MD_CTX_free(md);
	if (!ok) {
		git_error_set_str(GIT_ERROR_SHA, _("cannot compute a SHA-1"));
		return -1;
	}
	git_oid_fromraw(id, sum);
	return 0;
}

/* ------------------------------------------------------ the pack's bytes */

static void
put32(unsigned char *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

/* An object's header in a pack: its type, and its size 4 bits, then 7
 * at a time. Returns its length (at most 16 bytes). */
static size_t
obj_header(unsigned char *h, git_object_t type, size_t len)
{
	size_t n = 0, size = len >> 4;
	unsigned c = ((unsigned)type << 4) | (len & 15);

	while (size) {
		h[n++] = 0x80 | c;
		c = size & 0x7f;
		size >>= 7;
	}
	h[n++] = c;
	return n;
}

static int
write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *b = buf;
	ssize_t w;

	while (len) {
		if ((w = pwrite(fd, b, len, (off_t)off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		b += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* The first failure stays; later work is skipped. Under mu. */
static void
failed(struct ej_packw *p, int e)
{
	if (!p->err)
		p->err = e ? e : EIO;
}

/* Deflate one object and append it to the pack; its offset and CRC go
 * to its entry. Run by one thread at a time (see struct ej_packw). */
static void
process(struct ej_packw *p, const struct job *j)
{
	unsigned char h[16];
	size_t hl, need;
	uLong bound;
	uint32_t crc;
	uint64_t at = p->off;
	int err;

	pthread_mutex_lock(&p->mu);
	err = p->err || p->discard;
	pthread_mutex_unlock(&p->mu);
	if (err)
		return;
	hl = obj_header(h, j->type, j->len);
	if (j->len > UINT_MAX) {
		pthread_mutex_lock(&p->mu);
		failed(p, EFBIG);
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (deflateReset(&p->zs) != Z_OK)
		goto zfail;
	bound = deflateBound(&p->zs, (uLong)j->len);
	need = hl + (size_t)bound;
	if (need > p->zcap) {
		p->zcap = need;
		p->zbuf = ej_xrealloc(p->zbuf, p->zcap);
	}
	memcpy(p->zbuf, h, hl);
	p->zs.next_in = j->data;
	p->zs.avail_in = (uInt)j->len;
	p->zs.next_out = p->zbuf + hl;
	p->zs.avail_out = (uInt)bound;
	if (deflate(&p->zs, Z_FINISH) != Z_STREAM_END)
		goto zfail;
	need = hl + p->zs.total_out;
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p->zbuf, (uInt)need);
	if (write_all(p->fd, p->zbuf, need, at) < 0) {
		int e = errno;

		pthread_mutex_lock(&p->mu);
		failed(p, e);
		pthread_mutex_unlock(&p->mu);
		return;
	}
	p->off += need;
	pthread_mutex_lock(&p->mu);
	p->v[j->obj].off = at;
	p->v[j->obj].crc = crc;
	pthread_mutex_unlock(&p->mu);
	return;
zfail:
	pthread_mutex_lock(&p->mu);
	failed(p, EPROTO);
	pthread_mutex_unlock(&p->mu);
}

static void *
worker(void *arg)
{
	struct ej_packw *p = arg;
	struct job j;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->qn && !p->stop)
			pthread_cond_wait(&p->more, &p->mu);
		if (!p->qn)
			break;
		j = p->q[p->qh];
		p->qh = (p->qh + 1) % QMAX;
		p->qn--;
		p->busy = 1;
		pthread_mutex_unlock(&p->mu);
		process(p, &j);
		free(j.data);
		pthread_mutex_lock(&p->mu);
		p->busy = 0;
		p->qbytes -= j.len;
		pthread_cond_broadcast(&p->room);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Wait until the second thread has done everything queued. */
static void
drain(struct ej_packw *p)
{
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	while (p->qn || p->busy)
		pthread_cond_wait(&p->room, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void
stop_thread(struct ej_packw *p)
{
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	p->threaded = 0;
	p->stop = 0;
}

/* The error a failed write left, as libgit2's last error; errno too. */
static int
report(struct ej_packw *p, int e)
{
	if (e == EPROTO)
		git_error_set_str(GIT_ERROR_ZLIB, _("cannot deflate an object"));
	else {
		char *m = ej_xasprintf("%s: %s", p->packdir, strerror(e));

		git_error_set_str(GIT_ERROR_OS, m);
		free(m);
	}
	errno = e;
	return -1;
}

/* ------------------------------------------------- the temporary files */

/* Remove what writers killed on the way left: an "ej-tmp-" file whose
 * flock(2) nobody holds. */
static void
sweep(const char *dir)
{
	DIR *dp;
	struct dirent *e;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		char *path;
		int fd;

		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		path = ej_xasprintf("%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(path);
		if (fd >= 0)
			close(fd);
		free(path);
	}
	closedir(dp);
}

/* A new temporary file, read-only once written (as git's packs are),
 * locked while this process lives. Its path goes to *path. */
static int
tmp_open(const char *dir, const char *ext, char **path)
{
	struct timespec ts;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		/* A name no other writer picks: pid, time and a counter. */
		clock_gettime(CLOCK_REALTIME, &ts);
		*path = ej_xasprintf("%s/" TMP_PREFIX "%lx-%lx-%d%s", dir,
		    (long)getpid(), (long)ts.tv_nsec, tries, ext);
		fd = open(*path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (fd >= 0) {
			if (flock(fd, LOCK_EX) < 0) {
				int e = errno;

				close(fd);
				unlink(*path);
				free(*path);
				*path = NULL;
				errno = e;
				return -1;
			}
			return fd;
		}
		free(*path);
		*path = NULL;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int
pack_open(struct ej_packw *p)
{
	unsigned char hdr[12];

	sweep(p->packdir);
	if ((p->fd = tmp_open(p->packdir, ".pack", &p->tmp)) < 0)
		return -1;
	/* The count is written when the pack is complete. */
	memcpy(hdr, "PACK", 4);
	put32(hdr + 4, 2);
	put32(hdr + 8, 0);
	if (write_all(p->fd, hdr, sizeof hdr, 0) < 0)
		return -1;
	p->off = sizeof hdr;
	return 0;
}

/* Forget everything captured; remove the temporary files. */
static void
reset(struct ej_packw *p)
{
	size_t i;
	int e = errno;

	pthread_mutex_lock(&p->mu);
	p->discard = 1;
	pthread_mutex_unlock(&p->mu);
	stop_thread(p);
	p->discard = 0;
	p->err = 0;
	if (p->fd >= 0) {
		if (p->tmp)
			unlink(p->tmp);
		close(p->fd);
	}
	if (p->ifd >= 0) {
		if (p->itmp)
			unlink(p->itmp);
		close(p->ifd);
	}
	p->fd = p->ifd = -1;
	free(p->tmp);
	free(p->itmp);
	p->tmp = p->itmp = NULL;
	for (i = 0; i < p->n; i++)
		free(p->v[i].raw);
	free(p->v);
	free(p->slot);
	p->v = NULL;
	p->slot = NULL;
	p->n = p->cap = p->nslot = 0;
	p->off = 0;
	p->inline_bytes = 0;
	p->on = p->keep = 0;
	errno = e;
}

/* --------------------------------------------------------- the backend */

/* Take an object (data is p's from now on). */
static int
add(struct ej_packw *p, const git_oid *id, void *data, size_t len,
    git_object_t type)
{
	struct obj *o;
	struct job j;
	size_t h, m;

	if (find(p, id)) {
		free(data);
		return 0;
	}
	if (p->keep && p->fd < 0 && pack_open(p) < 0) {
		free(data);
		return report(p, errno);
	}
	if ((p->n + 1) * 2 > p->nslot)
		rehash(p);
	if (p->n == p->cap) {
		pthread_mutex_lock(&p->mu);     /* the thread writes into v */
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = ej_xrealloc(p->v, p->cap * sizeof *p->v);
		pthread_mutex_unlock(&p->mu);
	}
	o = &p->v[p->n];
	memset(o, 0, sizeof *o);
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->len = len;
	m = p->nslot - 1;
	for (h = id_hash(id) & m; p->slot[h]; h = (h + 1) & m)
		;
	p->slot[h] = ++p->n;
	if (!p->keep) {
		/* Counted only: a tree or commit may be read back. */
		if (type == GIT_OBJECT_BLOB)
			free(data);
		else
			o->raw = data;
		return 0;
	}
	j.obj = p->n - 1;
	j.type = type;
	j.data = data;
	j.len = len;
	if (!p->threaded && p->inline_bytes + len > EJ_PACKW_THREAD_BYTES &&
	    pthread_create(&p->th, NULL, worker, p) == 0)
		p->threaded = 1;
	if (!p->threaded) {
		p->inline_bytes += len;
		process(p, &j);
		free(data);
		return p->err ? report(p, p->err) : 0;
	}
	pthread_mutex_lock(&p->mu);
	while (!p->err && p->qn && (p->qn == QMAX ||
	    p->qbytes + len > QBYTES))
		pthread_cond_wait(&p->room, &p->mu);
	if (p->err) {
		int e = p->err;

		pthread_mutex_unlock(&p->mu);
		free(data);
		return report(p, e);
	}
	p->q[(p->qh + p->qn) % QMAX] = j;
	p->qn++;
	p->qbytes += len;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int
pw_write(git_odb_backend *be, const git_oid *id, const void *data,
    size_t len, git_object_t type)
{
	struct ej_packw *p = (struct ej_packw *)be;
	void *copy;

	if (!p->on)
		return GIT_PASSTHROUGH;
	if (find(p, id))
		return 0;
	copy = ej_xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	return add(p, id, copy, len, type);
}

static int
pw_read(void **out, size_t *len, git_object_t *type, git_odb_backend *be,
    const git_oid *id)
{
	struct ej_packw *p = (struct ej_packw *)be;
	struct obj *o = find(p, id);
	unsigned char h[16], *z = NULL;
	size_t hl, zlen;
	uLongf n;
	void *buf;
	ssize_t got;

	if (!o || (!p->keep && !o->raw))
		return GIT_ENOTFOUND;
	if ((buf = git_odb_backend_data_alloc(be, o->len ? o->len : 1)) == NULL)
		return -1;
	if (o->raw) {
		memcpy(buf, o->raw, o->len);
		goto done;
	}
	drain(p);
	if (p->err) {
		git_odb_backend_data_free(be, buf);
		return report(p, p->err);
	}
	/* Its stream ends where the next object starts, or the pack. */
	hl = obj_header(h, o->type, o->len);
	zlen = (size_t)(p->off - o->off) - hl;
	{
		size_t i = (size_t)(o - p->v);

		for (i++; i < p->n; i++)
			if (p->v[i].off > o->off) {
				zlen = (size_t)(p->v[i].off - o->off) - hl;
				break;
			}
	}
	z = ej_xmalloc(zlen ? zlen : 1);
	got = pread(p->fd, z, zlen, (off_t)(o->off + hl));
	n = o->len;
	if (got != (ssize_t)zlen || uncompress(buf, &n, z, zlen) != Z_OK ||
	    n != o->len) {
		free(z);
		git_odb_backend_data_free(be, buf);
		git_error_set_str(GIT_ERROR_ZLIB, _("cannot inflate an object"));
		return -1;
	}
	free(z);
done:
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
pw_free(git_odb_backend *be)
{
	struct ej_packw *p = (struct ej_packw *)be;

	reset(p);
	if (p->zinit)
		deflateEnd(&p->zs);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->room);
	free(p->zbuf);
	free(p->packdir);
	free(p);
}

int
ej_packw_attach(struct ej_packw **out, git_repository *repo)
{
	struct ej_packw *p = ej_xcalloc(1, sizeof *p);
	git_odb *odb;

	*out = NULL;
	p->fd = p->ifd = -1;
	if (git_odb_init_backend(&p->be, GIT_ODB_BACKEND_VERSION) < 0) {
		free(p);
		return -1;
	}
	if (deflateInit(&p->zs, Z_BEST_SPEED) != Z_OK) {
		git_error_set_str(GIT_ERROR_ZLIB, _("cannot deflate an object"));
		free(p);
		return -1;
	}
	p->zinit = 1;
	if (pthread_mutex_init(&p->mu, NULL) != 0 ||
	    pthread_cond_init(&p->more, NULL) != 0 ||
	    pthread_cond_init(&p->room, NULL) != 0) {
		git_error_set_str(GIT_ERROR_OS, strerror(errno));
		deflateEnd(&p->zs);
		free(p);
		return -1;
	}
	p->packdir = ej_xasprintf("%sobjects/pack", git_repository_path(repo));
	p->be.read = pw_read;
	p->be.read_header = pw_read_header;
	p->be.write = pw_write;
	p->be.exists = pw_exists;
	p->be.foreach = pw_foreach;
	p->be.free = pw_free;
	if (git_repository_odb(&odb, repo) < 0) {
		pw_free(&p->be);
		return -1;
	}
	/* Before the loose (1) and packed (2) backends: writes come here. */
	if (git_odb_add_backend(odb, &p->be, 1000) < 0) {
		git_odb_free(odb);
		pw_free(&p->be);
		return -1;
	}
	git_odb_free(odb);
	*out = p;
	return 0;
}

void
ej_packw_capture(struct ej_packw *p, int keep)
{
	reset(p);
	p->on = 1;
	p->keep = keep;
}

int
ej_packw_add(struct ej_packw *p, const git_oid *id, void *data, size_t len,
    git_object_t type)
{
	return add(p, id, data, len, type);
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
		reset(p);
}

/* ------------------------------------------------------------ the flush */

struct ientry {
	git_oid id;
	uint32_t crc;
	uint64_t off;
};

static int
cmp_ientry(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct ientry *)a)->id,
	    &((const struct ientry *)b)->id);
}

/* SHA-1 of the file's first len bytes, read back (its header changed
 * last). */
static int
file_sha1(int fd, uint64_t len, unsigned char sum[GIT_OID_RAWSZ])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *b = ej_xmalloc(1 << 20);
	uint64_t at = 0;
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1;

	while (ok && at < len) {
		size_t want = len - at < (1 << 20) ? (size_t)(len - at) : 1 << 20;
		ssize_t got = pread(fd, b, want, (off_t)at);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			ok = 0;
			break;
		}
		ok = EVP_DigestUpdate(md, b, (size_t)got) == 1;
		at += (uint64_t)got;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(md, sum, &n) == 1 &&
		    n == GIT_OID_RAWSZ;
	else if (!errno)
		errno = EIO;
	free(b);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* The index of the pack, in memory: *len bytes. */
static unsigned char *
make_index(const struct ej_packw *p, const unsigned char packsum[20],
    size_t *len)
{
	struct ientry *e = ej_xcalloc(p->n, sizeof *e);
	size_t i, nlarge = 0, at;
	unsigned char *b, *fan, *ids, *crcs, *offs, *large;
	uint32_t count[256] = {0}, sum = 0;
	EVP_MD_CTX *md;
	unsigned int n = 0;

	for (i = 0; i < p->n; i++) {
		git_oid_cpy(&e[i].id, &p->v[i].id);
		e[i].crc = p->v[i].crc;
		e[i].off = p->v[i].off;
		count[e[i].id.id[0]]++;
		if (e[i].off >= 0x80000000u)
			nlarge++;
	}
	qsort(e, p->n, sizeof *e, cmp_ientry);
	*len = 8 + 256 * 4 + p->n * (20 + 4 + 4) + nlarge * 8 + 40;
	b = ej_xcalloc(1, *len);
	memcpy(b, "\377tOc", 4);
	put32(b + 4, 2);
	fan = b + 8;
	ids = fan + 256 * 4;
	crcs = ids + p->n * 20;
	offs = crcs + p->n * 4;
	large = offs + p->n * 4;
	for (i = 0; i < 256; i++) {
		sum += count[i];
		put32(fan + 4 * i, sum);
	}
	for (i = 0, at = 0; i < p->n; i++) {
		memcpy(ids + 20 * i, e[i].id.id, 20);
		put32(crcs + 4 * i, e[i].crc);
		if (e[i].off < 0x80000000u)
			put32(offs + 4 * i, (uint32_t)e[i].off);
		else {
			put32(offs + 4 * i, 0x80000000u | (uint32_t)at);
			put32(large + 8 * at, (uint32_t)(e[i].off >> 32));
			put32(large + 8 * at + 4, (uint32_t)e[i].off);
			at++;
		}
	}
	memcpy(large + 8 * nlarge, packsum, 20);
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(md, b, *len - 20) != 1 ||
	    EVP_DigestFinal_ex(md, b + *len - 20, &n) != 1 || n != 20) {
		EVP_MD_CTX_free(md);
		free(b);
		free(e);
		return NULL;
	}
	EVP_MD_CTX_free(md);
	free(e);
	return b;
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
ej_packw_flush(struct ej_packw *p)
{
	unsigned char cnt[4], sum[GIT_OID_RAWSZ], *idx = NULL;
	char hex[GIT_OID_HEXSZ + 1], *pack = NULL, *index = NULL;
	size_t ilen = 0;
	git_oid name;
	int rc = -1, e;

	p->on = 0;
	if (!p->keep || p->n == 0) {
		reset(p);
		return 0;
	}
	drain(p);
	stop_thread(p);
	if (p->err) {
		report(p, p->err);
		goto out;
	}
	put32(cnt, (uint32_t)p->n);
	if (write_all(p->fd, cnt, sizeof cnt, 8) < 0 ||
	    file_sha1(p->fd, p->off, sum) < 0 ||
	    write_all(p->fd, sum, sizeof sum, p->off) < 0 ||
	    fsync(p->fd) < 0)
		goto oserr;
	p->off += sizeof sum;
	if ((idx = make_index(p, sum, &ilen)) == NULL) {
		git_error_set_str(GIT_ERROR_SHA, _("cannot compute a SHA-1"));
		goto out;
	}
	if ((p->ifd = tmp_open(p->packdir, ".idx", &p->itmp)) < 0 ||
	    write_all(p->ifd, idx, ilen, 0) < 0 || fsync(p->ifd) < 0)
		goto oserr;
	git_oid_fromraw(&name, sum);
	git_oid_tostr(hex, sizeof hex, &name);
	pack = ej_xasprintf("%s/pack-%s.pack", p->packdir, hex);
	index = ej_xasprintf("%s/pack-%s.idx", p->packdir, hex);
	/* The pack first: a pack without an index is never looked at. */
	if (rename(p->tmp, pack) < 0)
		goto oserr;
	free(p->tmp);
	p->tmp = NULL;
	if (rename(p->itmp, index) < 0) {
		e = errno;
		unlink(pack);
		errno = e;
		goto oserr;
	}
	free(p->itmp);
	p->itmp = NULL;
	if (sync_dir(p->packdir) < 0)
		goto oserr;
	rc = 0;
	goto out;
oserr:
	report(p, errno);
out:
	e = errno;
	reset(p);
	free(idx);
	free(pack);
	free(index);
	errno = e;
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
