/*
 * history — the canonical snapshot and the commit protocol's git half.
 *
 * Every function here runs from the snapshot table (snapshot.c): commit
 * re-serialises only the files the transaction made dirty and builds the
 * new tree from HEAD's with git_tree_create_updated; verify serialises
 * everything and compares; load reads a tree back into the tables.
 */
#include <csv.h>
#include <git2/sys/odb_backend.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "i18n.h"
#include "packwrite.h"
#include "store_priv.h"
#include "text.h"

#define REF_MAIN "refs/heads/main"
#define REF_PACKED "refs/ej/packed"
#define PACK_THRESHOLD 1024

/* ------------------------------------------------------------ small bits */

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_grow(struct buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->p = ej_xrealloc(b->p, b->cap);
	}
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
ej_strv_free(char **v)
{
	char **p;

	if (!v)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}

struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_push(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = ej_xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------ serialising */

/* A field as RFC 4180 wants it: quoted when it holds a separator, a quote
 * or a line break, and when it is the empty string (so that it differs
 * from NULL, written as nothing). */
static void
csv_field(struct buf *b, const char *s, size_t n)
{
	size_t i = strcspn(s, ",\"\n\r");
	int quote = n == 0;

	/* strcspn stops at a NUL too: past one, look byte by byte. */
	for (; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

/* An integer in decimal (snprintf's "%lld", without its cost a field). */
static void
put_int(struct buf *b, long long v)
{
	char t[24], *e = t + sizeof t, *q = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	buf_add(b, q, (size_t)(e - q));
}

/* The shortest decimal that reads back as the same double. */
static void
fmt_real(char out[32], double v)
{
	int prec;

	for (prec = 6; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void
bind_keys(sqlite3_stmt *st, const long long keys[EJ_SNAP_KEYS])
{
	int i, n = sqlite3_bind_parameter_count(st);

	for (i = 0; i < EJ_SNAP_KEYS && i < n; i++)
		sqlite3_bind_int64(st, i + 1, keys[i]);
}

/* Serialise the rows of a prepared, bound dump query into b (which it
 * resets). Returns sqlite3_step's last code (SQLITE_DONE when all went
 * well) and the number of rows in *rows. */
static int
dump_rows(sqlite3_stmt *st, struct buf *b, long *rows)
{
	int i, ncol = sqlite3_column_count(st), rc;
	char num[32];

	b->len = 0;
	*rows = 0;
	for (i = 0; i < ncol; i++) {
		if (i)
			buf_addc(b, ',');
		buf_adds(b, sqlite3_column_name(st, i));
	}
	buf_addc(b, '\n');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*rows)++;
		for (i = 0; i < ncol; i++) {
			if (i)
				buf_addc(b, ',');
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				break;
			case SQLITE_INTEGER:
				put_int(b, (long long)sqlite3_column_int64(st,
				    i));
				break;
			case SQLITE_FLOAT:
				fmt_real(num, sqlite3_column_double(st, i));
				buf_adds(b, num);
				break;
			default:
				csv_field(b, (const char *)
				    sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
			}
		}
		buf_addc(b, '\n');
	}
	sqlite3_reset(st);
	return rc;
}

/*
 * A blob kind's file (history.h, blob): the id its bound dump query gives.
 * 1 and *id, 0 no row (no file), -1 a bad id; the statement is reset.
 */
static int
blob_row(sqlite3_stmt *st, git_oid *id)
{
	const char *hex;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		hex = (const char *)sqlite3_column_text(st, 0);
		rc = hex && git_oid_fromstr(id, hex) == 0 ? 1 : -1;
	} else
		rc = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

/* A blob kind's file: its id from the database, its bytes from the
 * repository's objects. */
static int
blob_dump(struct ej_store *s, const struct ej_snapfile *f,
    const long long keys[EJ_SNAP_KEYS], git_oid *id, char **out, size_t *len,
    struct ej_diag *d)
{
	git_repository *repo;
	sqlite3_stmt *st;
	git_blob *b;
	int rc;

	if ((st = ej_store_prepare(s, f->dump_sql, d)) == NULL)
		return -1;
	bind_keys(st, keys);
	if ((rc = blob_row(st, id)) <= 0)
		return rc < 0 ? ej_error(d, EJ_EXIT_DATAERR, s->dbpath, 0, 0,
		    _("%s: not a blob id"), f->kind) : 0;
	if (!out)
		return 1;
	if ((repo = ej_store_repo(s, d)) == NULL)
		return -1;
	if (git_blob_lookup(&b, repo, id) < 0)
		return ej_store_giterr(s, d, _("a document's file is missing "
		    "from the history"));
	*len = (size_t)git_blob_rawsize(b);
	*out = ej_xmalloc(*len + 1);
	memcpy(*out, git_blob_rawcontent(b), *len);
	git_blob_free(b);
	return 1;
}

int
ej_snap_dump(struct ej_store *s, const struct ej_snapfile *f,
    const long long keys[EJ_SNAP_KEYS], char **out, size_t *len,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	struct buf b = {0};
	git_oid id;
	long rows;

	*out = NULL;
	*len = 0;
	if (f->blob)
		return blob_dump(s, f, keys, &id, out, len, d) < 0 ? -1 : 0;
	if ((st = ej_store_prepare(s, f->dump_sql, d)) == NULL)
		return -1;
	if (!f->path)
		bind_keys(st, keys);
	if (dump_rows(st, &b, &rows) != SQLITE_DONE) {
		free(b.p);
		return ej_store_sqlerr(s, d, f->kind);
	}
	if (!f->path && rows == 0) {
		/* A keyed file without rows does not exist. */
		free(b.p);
		return 0;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* The path of a keyed file. */
static char *
keyed_path(struct ej_store *s, const struct ej_snapfile *f,
    const long long keys[EJ_SNAP_KEYS], struct ej_diag *d)
{
	sqlite3_stmt *st;
	char *p = NULL;

	if (f->path)
		return ej_xstrdup(f->path);
	if ((st = ej_store_prepare(s, f->path_sql, d)) == NULL)
		return NULL;
	bind_keys(st, keys);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		p = ej_xstrdup((const char *)sqlite3_column_text(st, 0));
	else
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    "%s: no path for keys %lld,%lld,%lld", f->kind, keys[0],
		    keys[1], keys[2]);
	sqlite3_reset(st);
	return p;
}

/* ---------------------------------------------------------- tree changes */

/* One file of the new tree: upsert (buf) or removal (buf NULL). */
struct change {
	char *path;
	char *buf;
	size_t len;
	git_oid id;
	int remove;
};

struct changes {
	struct change *v;
	size_t n, cap;
};

static void
changes_free(struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].buf);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static int
cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path,
	    ((const struct change *)b)->path);
}

/* The blob id at path in tree, or zero. */
static int
tree_blob(git_tree *tree, const char *path, git_oid *out)
{
	git_tree_entry *e;

	memset(out, 0, sizeof *out);
	if (!tree || git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 1;
}

/* A blob kind's file as a change from old (NULL: absent): -1 error, 0 no
 * change, 1 ch filled. Its object must be in the repository already. */
static int
blob_change(struct ej_store *s, const struct ej_snapfile *f,
    const long long keys[EJ_SNAP_KEYS], struct change *ch, const git_oid *old,
    struct ej_diag *d)
{
	git_repository *repo;
	git_odb *odb;
	int rc, has;

	if ((rc = blob_dump(s, f, keys, &ch->id, NULL, NULL, d)) < 0)
		return -1;
	if (rc == 0) {
		ch->remove = 1;
		return old != NULL;
	}
	if (old && git_oid_equal(&ch->id, old))
		return 0;
	if ((repo = ej_store_repo(s, d)) == NULL)
		return -1;
	if (git_repository_odb(&odb, repo) < 0)
		return ej_store_giterr(s, d, _("cannot read the history"));
	has = git_odb_exists(odb, &ch->id);
	git_odb_free(odb);
	if (!has)
		return ej_error(d, EJ_EXIT_SOFTWARE, ch->path, 0, 0, "%s",
		    _("a document's file is missing from the history"));
	return 1;
}

/*
 * Serialise the file (f, keys) and queue it when it differs from base.
 * Takes ownership of path.
 */
static int
queue_file(struct ej_store *s, const struct ej_snapfile *f, char *path,
    const long long keys[EJ_SNAP_KEYS], git_tree *base, struct changes *c,
    struct ej_diag *d)
{
	struct change ch = {0};
	git_oid old;
	int had;

	ch.path = path;
	had = tree_blob(base, path, &old);
	/* A blob kind: the id is the database's, the object already in the
	 * repository; nothing to serialise or write (blob_change). */
	if (f->blob) {
		int rc = blob_change(s, f, keys, &ch, had ? &old : NULL, d);

		if (rc <= 0) {
			free(path);
			return rc;
		}
	} else if (ej_snap_dump(s, f, keys, &ch.buf, &ch.len, d) < 0) {
		free(path);
		return -1;
	} else if (!ch.buf) {
		if (!had) {
			free(path);
			return 0;
		}
		ch.remove = 1;
	} else {
		if (ej_packw_hash(&ch.id, ch.buf, ch.len,
		    GIT_OBJECT_BLOB) < 0) {
			free(ch.buf);
			free(path);
			return ej_store_giterr(s, d, _("cannot write a blob"));
		}
		if (had && git_oid_equal(&ch.id, &old)) {
			free(ch.buf);
			free(path);
			return 0;
		}
		/* In a commit, written now (deflated into the commit's
		 * pack as it comes, the buffer handed over: packwrite.h),
		 * so that a year's files are never all held as text at
		 * once; verify writes nothing. */
		if (ej_packw_capturing(s->packw)) {
			char *buf = ch.buf;

			ch.buf = NULL;
			if (ej_packw_add(s->packw, &ch.id, buf, ch.len,
			    GIT_OBJECT_BLOB) < 0) {
				free(path);
				return ej_store_giterr(s, d,
				    _("cannot write a blob"));
			}
			ch.len = 0;
		}
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = ej_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = ch;
	return 0;
}

struct walk_glob {
	const char *glob;
	struct strv paths;
};

static int
walk_glob_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk_glob *w = payload;
	char *p;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	p = ej_xasprintf("%s%s", root, git_tree_entry_name(e));
	if (!w->glob || fnmatch(w->glob, p, FNM_PATHNAME) == 0)
		strv_push(&w->paths, p);
	else
		free(p);
	return 0;
}

/* Every blob path of tree (matching glob when given), sorted. */
static char **
tree_paths(git_tree *tree, const char *glob)
{
	struct walk_glob w = {glob, {0}};

	if (tree)
		git_tree_walk(tree, GIT_TREEWALK_PRE, walk_glob_cb, &w);
	if (!w.paths.v)
		strv_push(&w.paths, NULL), w.paths.n = 0;
	qsort(w.paths.v, w.paths.n, sizeof *w.paths.v, cmp_str);
	return w.paths.v;
}

/* Queue every file of kind f: all of them rewritten, stale ones removed. */
static int
queue_kind(struct ej_store *s, const struct ej_snapfile *f, git_tree *base,
    struct changes *c, struct ej_diag *d)
{
	static const long long none[EJ_SNAP_KEYS];
	long long keys[EJ_SNAP_KEYS];
	sqlite3_stmt *st;
	struct strv seen = {0};
	char **old, **p;
	int rc, i;

	if (f->path)
		return queue_file(s, f, ej_xstrdup(f->path), none, base, c, d);
	if ((st = ej_store_prepare(s, f->keys_sql, d)) == NULL)
		return -1;
	/* Collect keys first: dumping reuses cached statements. */
	{
		long long *kv = NULL;
		size_t nk = 0, k;

		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			kv = ej_xrealloc(kv, (nk + 1) * sizeof(keys));
			for (i = 0; i < EJ_SNAP_KEYS; i++)
				kv[nk * EJ_SNAP_KEYS + i] =
				    i < sqlite3_column_count(st) ?
				    sqlite3_column_int64(st, i) : 0;
			nk++;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(kv);
			return ej_store_sqlerr(s, d, f->kind);
		}
		for (k = 0; k < nk; k++) {
			char *path;

			memcpy(keys, kv + k * EJ_SNAP_KEYS, sizeof keys);
			if ((path = keyed_path(s, f, keys, d)) != NULL)
				strv_push(&seen, ej_xstrdup(path));
			if (!path || queue_file(s, f, path, keys, base, c,
			    d) < 0) {
				free(kv);
				ej_strv_free(seen.v);
				return -1;
			}
		}
		free(kv);
	}
	if (seen.v)
		qsort(seen.v, seen.n, sizeof *seen.v, cmp_str);
	old = tree_paths(base, f->glob);
	for (p = old; *p; p++) {
		struct change ch = {0};

		if (seen.v && bsearch(p, seen.v, seen.n, sizeof *seen.v,
		    cmp_str))
			continue;
		ch.path = ej_xstrdup(*p);
		ch.remove = 1;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->v = ej_xrealloc(c->v, c->cap * sizeof *c->v);
		}
		c->v[c->n++] = ch;
	}
	ej_strv_free(old);
	ej_strv_free(seen.v);
	return 0;
}

/* The dirty rows: file index, three keys, and whether the whole kind is
 * dirty. Read into memory: serialising reuses the statement cache, and
 * the pre-change check runs on another connection. */
struct dirty {
	long long (*rows)[5];
	size_t n;
};

static int
cmp_key4(const void *a, const void *b)
{
	const long long *x = a, *y = b;
	int i;

	for (i = 0; i < 4; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* The set, sorted, each row with a fifth column: is its whole kind dirty. */
static int
load_dirty(struct ej_store *s, struct dirty *dt, struct ej_diag *d)
{
	const struct ej_dirty_set *ds = &s->dirty;
	size_t i, k;

	(void)d;
	memset(dt, 0, sizeof *dt);
	if (!ds->n)
		return 0;
	dt->rows = ej_xcalloc(ds->n, sizeof *dt->rows);
	for (i = 0; i < ds->n; i++)
		for (k = 0; k < 4; k++)
			dt->rows[i][k] = ds->v[i][k];
	dt->n = ds->n;
	qsort(dt->rows, dt->n, sizeof *dt->rows, cmp_key4);
	/* Sorted, a kind's whole-kind mark (k1 = -1) comes first. */
	for (i = 0; i < dt->n; i++)
		dt->rows[i][4] = (i > 0 && dt->rows[i - 1][0] ==
		    dt->rows[i][0] && dt->rows[i - 1][4]) ||
		    dt->rows[i][1] == -1;
	return 0;
}

struct precheck;
static void pc_push(struct precheck *pc, size_t kind,
    const long long keys[EJ_SNAP_KEYS], const char *path, git_tree *base);

/* The dirty files, compared with base; each file of a key also to pc's
 * check of its state before (when pc is not NULL). */
static int
queue_dirty(struct ej_store *s, const struct dirty *dt, git_tree *base,
    struct changes *c, struct precheck *pc, struct ej_diag *d)
{
	long long keys[EJ_SNAP_KEYS];
	long long last_all = -1;
	size_t i;

	for (i = 0; i < dt->n; i++) {
		const struct ej_snapfile *f;
		char *path;

		if (dt->rows[i][0] < 0 || (size_t)dt->rows[i][0] >= s->nfiles)
			continue;
		f = &s->files[dt->rows[i][0]];
		if (dt->rows[i][4]) {
			if (last_all == dt->rows[i][0])
				continue;
			last_all = dt->rows[i][0];
			if (queue_kind(s, f, base, c, d) < 0)
				return -1;
			continue;
		}
		keys[0] = dt->rows[i][1];
		keys[1] = dt->rows[i][2];
		keys[2] = dt->rows[i][3];
		if ((path = keyed_path(s, f, keys, d)) == NULL)
			return -1;
		if (pc)
			pc_push(pc, (size_t)dt->rows[i][0], keys, path, base);
		if (queue_file(s, f, path, keys, base, c, d) < 0)
			return -1;
	}
	return 0;
}

/*
 * Before the change, the files it touches must be what HEAD holds: else
 * the database was changed behind ej's back, and committing the file now
 * would put that change into the history under this writer's name.
 * Seen through the read-only connection, which in WAL mode reads the state
 * before this transaction.
 *
 * A file of a given key (a class × subject's marks) is checked as the
 * commit queues it, on a second thread: there the read-only connection
 * serialises the file before the change while this one serialises it
 * after (one mark's file, or an import over a year of marks, would
 * otherwise be serialised twice in turn). A whole kind (after a rename)
 * is checked in check_untampered() itself.
 */
struct pc_item {
	size_t kind;
	long long keys[EJ_SNAP_KEYS];
	char *path;
	int had;                 /* HEAD has it, as blob old */
	git_oid old;
};

struct precheck {
	struct ej_store *s;      /* its rodb and files, nothing else */
	int started, threaded, done;
	sqlite3_stmt **st;       /* dump queries on rodb, by kind */
	struct pc_item *v;
	size_t n, cap, next;
	pthread_t th;
	pthread_mutex_t mu;      /* guards v, n, next, done */
	pthread_cond_t cv;
	struct strv bad;         /* paths that differ from HEAD */
	char *err;               /* the first failure */
	int errcode;             /* its SQLite code */
};

/* Dirty files from which the check runs on a second thread (below, or
 * when no thread can start, it runs in check_untampered()). One: even a
 * single file's two serialisations overlap. */
#define PC_THREAD_FILES 1

static void
pc_check(struct precheck *pc, const struct pc_item *it, struct buf *b)
{
	const struct ej_snapfile *f = &pc->s->files[it->kind];
	sqlite3 *db = pc->s->rodb;
	sqlite3_stmt *st = pc->st[it->kind];
	git_oid id;
	long rows;
	int differs;

	if (pc->err)
		return;
	if (!st) {
		if (sqlite3_prepare_v2(db, f->dump_sql, -1, &st, NULL) !=
		    SQLITE_OK)
			goto sqlerr;
		pc->st[it->kind] = st;
	}
	if (!f->path)
		bind_keys(st, it->keys);
	if (f->blob) {
		/* A blob kind: the ids compared, nothing serialised. */
		int r = blob_row(st, &id);

		if (r < 0) {
			pc->err = ej_xasprintf(_("%s: not a blob id"),
			    f->kind);
			return;
		}
		differs = r ? !it->had || !git_oid_equal(&id, &it->old) :
		    it->had;
	} else if (dump_rows(st, b, &rows) != SQLITE_DONE)
		goto sqlerr;
	else if (!f->path && rows == 0)
		differs = it->had;       /* absent: so must HEAD's be */
	else if (ej_packw_hash(&id, b->p, b->len, GIT_OBJECT_BLOB) < 0) {
		pc->err = ej_xasprintf("%s: %s", f->kind,
		    _("cannot compute a SHA-1"));
		return;
	} else
		differs = !it->had || !git_oid_equal(&id, &it->old);
	if (differs)
		strv_push(&pc->bad, ej_xstrdup(it->path));
	return;
sqlerr:
	pc->errcode = sqlite3_extended_errcode(db);
	pc->err = ej_xasprintf("%s: %s", f->kind, sqlite3_errmsg(db));
}

static void *
pc_main(void *arg)
{
	struct precheck *pc = arg;
	struct buf b = {0};
	struct pc_item it;

	pthread_mutex_lock(&pc->mu);
	for (;;) {
		while (pc->next == pc->n && !pc->done)
			pthread_cond_wait(&pc->cv, &pc->mu);
		if (pc->next == pc->n)
			break;
		it = pc->v[pc->next++];
		pthread_mutex_unlock(&pc->mu);
		pc_check(pc, &it, &b);
		pthread_mutex_lock(&pc->mu);
	}
	pthread_mutex_unlock(&pc->mu);
	free(b.p);
	return NULL;
}

static int
pc_start(struct precheck *pc, struct ej_store *s, const struct dirty *dt,
    struct ej_diag *d)
{
	memset(pc, 0, sizeof *pc);
	pc->s = s;
	/* The read-only connection, opened here: the thread only uses it. */
	if (ej_store__view(s, 1, d) < 0)
		return -1;
	ej_store__view(s, 0, d);
	if (pthread_mutex_init(&pc->mu, NULL) != 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    strerror(errno));
	if (pthread_cond_init(&pc->cv, NULL) != 0) {
		pthread_mutex_destroy(&pc->mu);
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    strerror(errno));
	}
	pc->started = 1;
	pc->st = ej_xcalloc(s->nfiles, sizeof *pc->st);
	/* Else it runs here, when the commit has queued everything. */
	if (dt->n >= PC_THREAD_FILES &&
	    pthread_create(&pc->th, NULL, pc_main, pc) == 0)
		pc->threaded = 1;
	return 0;
}

/* The file (kind, keys) at path is dirty: check its state before. */
static void
pc_push(struct precheck *pc, size_t kind, const long long keys[EJ_SNAP_KEYS],
    const char *path, git_tree *base)
{
	struct pc_item it;

	memset(&it, 0, sizeof it);
	it.kind = kind;
	memcpy(it.keys, keys, sizeof it.keys);
	it.path = ej_xstrdup(path);
	it.had = tree_blob(base, path, &it.old);
	pthread_mutex_lock(&pc->mu);
	if (pc->n == pc->cap) {
		pc->cap = pc->cap ? pc->cap * 2 : 64;
		pc->v = ej_xrealloc(pc->v, pc->cap * sizeof *pc->v);
	}
	pc->v[pc->n++] = it;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
}

/* Everything pushed is checked when this returns. */
static void
pc_finish(struct precheck *pc)
{
	if (!pc->started)
		return;
	pthread_mutex_lock(&pc->mu);
	pc->done = 1;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	if (pc->threaded) {
		pthread_join(pc->th, NULL);
		pc->threaded = 0;
	} else
		pc_main(pc);
}

static void
pc_free(struct precheck *pc)
{
	size_t i;

	if (!pc->started)
		return;
	pc_finish(pc);
	for (i = 0; i < pc->s->nfiles; i++)
		sqlite3_finalize(pc->st[i]);
	free(pc->st);
	for (i = 0; i < pc->n; i++)
		free(pc->v[i].path);
	free(pc->v);
	ej_strv_free(pc->bad.v);
	free(pc->err);
	pthread_mutex_destroy(&pc->mu);
	pthread_cond_destroy(&pc->cv);
	memset(pc, 0, sizeof *pc);
}

static int
check_untampered(struct ej_store *s, const struct dirty *dt,
    struct precheck *pc, git_tree *base, struct ej_diag *d)
{
	struct changes pre = {0};
	struct dirty whole = {0};
	size_t i;
	int rc = 0;

	pc_finish(pc);
	if (pc->err) {
		if ((pc->errcode & 0xff) == SQLITE_BUSY ||
		    (pc->errcode & 0xff) == SQLITE_LOCKED)
			return ej_error(d, EJ_EXIT_TEMPFAIL, NULL, 0, 0,
			    _("store is busy, try again"));
		return ej_error(d, EJ_EXIT_IOERR, s->dbpath, 0, 0, "%s",
		    pc->err);
	}
	/* The whole kinds, each file of them as it was. */
	whole.rows = ej_xcalloc(dt->n ? dt->n : 1, sizeof *whole.rows);
	for (i = 0; i < dt->n; i++)
		if (dt->rows[i][4])
			memcpy(whole.rows[whole.n++], dt->rows[i],
			    sizeof *whole.rows);
	if (whole.n) {
		if (ej_store__view(s, 1, d) < 0) {
			free(whole.rows);
			return -1;
		}
		rc = queue_dirty(s, &whole, base, &pre, NULL, d);
		ej_store__view(s, 0, d);
	}
	free(whole.rows);
	if (rc < 0) {
		changes_free(&pre);
		return -1;
	}
	for (i = 0; i < pc->bad.n; i++)
		ej_error(d, EJ_EXIT_SOFTWARE, s->dbpath, 0, 0,
		    _("%s: the database differs from the history (changed "
		    "outside ej?); nothing was written; run ej-audit"),
		    pc->bad.v[i]);
	for (i = 0; i < pre.n; i++)
		ej_error(d, EJ_EXIT_SOFTWARE, s->dbpath, 0, 0,
		    _("%s: the database differs from the history (changed "
		    "outside ej?); nothing was written; run ej-audit"),
		    pre.v[i].path);
	rc = pc->bad.n || pre.n ? -1 : 0;
	changes_free(&pre);
	return rc;
}

/* Every file of the snapshot, compared with base. */
static int
queue_all(struct ej_store *s, git_tree *base, struct changes *c,
    struct ej_diag *d)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (queue_kind(s, &s->files[i], base, c, d) < 0)
			return -1;
	return 0;
}

/* Write the queued blobs and the tree updated from base. */
static int
write_tree(struct ej_store *s, git_repository *repo, git_tree *base,
    struct changes *c, git_oid *tree, struct ej_diag *d)
{
	git_tree_update *up;
	size_t i;
	int rc;

	qsort(c->v, c->n, sizeof *c->v, cmp_change);
	up = ej_xcalloc(c->n, sizeof *up);
	for (i = 0; i < c->n; i++) {
		struct change *ch = &c->v[i];

		/* A commit's blobs were written when queued (queue_file). */
		if (ch->buf && git_blob_create_from_buffer(&ch->id, repo,
		    ch->buf, ch->len) < 0) {
			free(up);
			return ej_store_giterr(s, d, _("cannot write a blob"));
		}
		up[i].action = ch->remove ? GIT_TREE_UPDATE_REMOVE :
		    GIT_TREE_UPDATE_UPSERT;
		up[i].id = ch->id;
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = ch->path;
	}
	if (!base) {
		/* A first tree: an index in memory writes just the trees the
		 * files need (an empty baseline would be an extra object). */
		git_index *ix;

		free(up);
		if (git_index_new(&ix) < 0)
			return ej_store_giterr(s, d, _("cannot write a tree"));
		for (i = 0, rc = 0; i < c->n && rc == 0; i++) {
			git_index_entry e;

			if (c->v[i].remove)
				continue;
			memset(&e, 0, sizeof e);
			e.path = c->v[i].path;
			e.id = c->v[i].id;
			e.mode = GIT_FILEMODE_BLOB;
			rc = git_index_add(ix, &e);
		}
		if (rc == 0)
			rc = git_index_write_tree_to(tree, ix, repo);
		git_index_free(ix);
		if (rc < 0)
			return ej_store_giterr(s, d, _("cannot write a tree"));
		return 0;
	}
	rc = git_tree_create_updated(tree, repo, base, c->n, up);
	free(up);
	if (rc < 0)
		return ej_store_giterr(s, d, _("cannot write a tree"));
	return 0;
}

int
ej_history_write_blobs(struct ej_store *s, const void *const *bufs,
    const size_t *lens, size_t n, git_oid *ids, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	size_t i;

	if (!repo)
		return -1;
	if (!s->packw && ej_packw_attach(&s->packw, repo) < 0)
		return ej_store_giterr(s, d, _("cannot write a blob"));
	ej_packw_capture(s->packw, 1);
	for (i = 0; i < n; i++)
		if (git_blob_create_from_buffer(&ids[i], repo, bufs[i],
		    lens[i]) < 0) {
			ej_packw_abort(s->packw);
			return ej_store_giterr(s, d, _("cannot write a blob"));
		}
	if (ej_packw_flush(s->packw) < 0)
		return ej_store_giterr(s, d, _("cannot write a blob"));
	return 0;
}

int
ej_snap_tree(struct ej_store *s, git_oid *tree, int write, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	struct changes c = {0};
	int rc;

	if (!repo)
		return -1;
	/* Without write, the objects are only counted: captured in memory
	 * and dropped (packwrite.h). */
	if (!write) {
		if (!s->packw && ej_packw_attach(&s->packw, repo) < 0)
			return ej_store_giterr(s, d, _("cannot write a tree"));
		ej_packw_capture(s->packw, 0);
	}
	rc = queue_all(s, NULL, &c, d);
	if (rc == 0)
		rc = write_tree(s, repo, NULL, &c, tree, d);
	if (!write)
		ej_packw_abort(s->packw);
	changes_free(&c);
	return rc;
}

/* -------------------------------------------------------------- tracking */

static size_t
key_hash(const long long k[4])
{
	unsigned long long h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 4; i++)
		h = (h ^ (unsigned long long)k[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static void
dirty_rehash(struct ej_dirty_set *ds)
{
	size_t i, n = ds->nslots ? ds->nslots * 2 : 64;

	free(ds->slots);
	ds->slots = ej_xcalloc(n, sizeof *ds->slots);
	ds->nslots = n;
	for (i = 0; i < ds->n; i++) {
		size_t h = key_hash(ds->v[i]) & (n - 1);

		while (ds->slots[h])
			h = (h + 1) & (n - 1);
		ds->slots[h] = i + 1;
	}
}

static void
dirty_add(struct ej_dirty_set *ds, const long long k[4])
{
	size_t h;

	if ((ds->n + 1) * 2 > ds->nslots)
		dirty_rehash(ds);
	for (h = key_hash(k) & (ds->nslots - 1); ds->slots[h];
	    h = (h + 1) & (ds->nslots - 1))
		if (!memcmp(ds->v[ds->slots[h] - 1], k, sizeof(long long) * 4))
			return;
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 64;
		ds->v = ej_xrealloc(ds->v, ds->cap * sizeof *ds->v);
	}
	memcpy(ds->v[ds->n], k, sizeof(long long) * 4);
	ds->slots[h] = ++ds->n;
}

void
ej_history__untrack(struct ej_store *s)
{
	free(s->dirty.v);
	free(s->dirty.slots);
	memset(&s->dirty, 0, sizeof s->dirty);
}

/* ej_dirty(file, k1, k2, k3): called by the tracking triggers. */
static void
sql_dirty(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct ej_store *s = sqlite3_user_data(cx);
	long long k[4];
	int i;

	for (i = 0; i < 4 && i < argc; i++)
		k[i] = sqlite3_value_int64(argv[i]);
	dirty_add(&s->dirty, k);
	sqlite3_result_null(cx);
}

/*
 * Change tracking: temporary triggers, made once per connection, note the
 * keys of the snapshot files each row change touches, through a function
 * into a set in memory. Temporary, so that a change made behind ej's back
 * (sqlite3 ej.db) is never picked up and laundered into the history: the
 * audit finds it. A function, not a table: a trigger's INSERT OR IGNORE
 * takes the conflict policy of the statement that fired it (an upsert),
 * and a set in memory costs no B-tree per changed row.
 */
int
ej_history__track(struct ej_store *s, struct ej_diag *d)
{
	struct buf b = {0};
	size_t i, j;
	char *stmt;
	static const char *const ev[] = {"INSERT", "UPDATE", "DELETE"};

	s->dirty.n = 0;
	if (s->dirty.slots)
		memset(s->dirty.slots, 0, s->dirty.nslots * sizeof *s->dirty.slots);
	if (s->tracking)
		return 0;
	if (sqlite3_create_function(s->db, "ej_dirty", 4, SQLITE_UTF8, s,
	    sql_dirty, NULL, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, "ej_dirty");
	for (i = 0; i < s->nfiles; i++) {
		const struct ej_snapfile *f = &s->files[i];

		for (j = 0; j < 8 && f->deps[j].table; j++) {
			const struct ej_snapdep *dep = &f->deps[j];
			int e;

			for (e = 0; e < 3; e++) {
				const char *q[2] = {NULL, NULL};
				/* A single file: any change marks it. A keyed
				 * kind: the keys its selects give, none when
				 * it has no select for that side. */
				const char *none = f->path ? "SELECT 0, 0, 0" :
				    NULL;
				int k;

				/* UPDATE OF columns: a rename; only updates. */
				if (dep->when && e != 1)
					continue;
				if (e == 0 || e == 1)
					q[0] = dep->keys_new ? dep->keys_new :
					    none;
				if (e == 1 || e == 2)
					q[1] = dep->keys_old ? dep->keys_old :
					    none;
				if (f->path && e == 1)
					q[1] = NULL;   /* one mark is enough */
				if (!q[0] && !q[1])
					continue;
				stmt = ej_xasprintf("CREATE TEMP TRIGGER "
				    "ej_dirty_%zu_%zu_%d AFTER %s%s%s ON main.%s "
				    "BEGIN ", i, j, e, ev[e],
				    e == 1 && dep->when ? " OF " : "",
				    e == 1 && dep->when ? dep->when : "",
				    dep->table);
				buf_adds(&b, stmt);
				free(stmt);
				for (k = 0; k < 2; k++) {
					if (!q[k])
						continue;
					/* The VALUES row names the select's
					 * columns column1..3 whatever it
					 * wrote; it is then skipped. */
					stmt = ej_xasprintf("SELECT ej_dirty(%zu, "
					    "column1, column2, column3) FROM "
					    "(VALUES(NULL, NULL, NULL) UNION ALL "
					    "%s) WHERE column1 IS NOT NULL; ", i,
					    q[k]);
					buf_adds(&b, stmt);
					free(stmt);
				}
				buf_adds(&b, "END;\n");
			}
		}
	}
	if (b.p && ej_store_exec(s, b.p, d) < 0) {
		free(b.p);
		return -1;
	}
	free(b.p);
	s->tracking = 1;
	return 0;
}

/* -------------------------------------------------------------- recovery */

static int
meta_head(struct ej_store *s, git_oid *out, int *has)
{
	char *v = NULL;

	*has = 0;
	if (ej_meta_get(s, "head", &v) < 0)
		return -1;
	if (v && git_oid_fromstr(out, v) == 0)
		*has = 1;
	free(v);
	return 0;
}

int
ej_history_head(struct ej_store *s, git_oid *out, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	int rc;

	if (!repo)
		return -1;
	rc = git_reference_name_to_id(out, repo, REF_MAIN);
	if (rc == GIT_ENOTFOUND)
		return 1;
	if (rc < 0)
		return ej_store_giterr(s, d, _("cannot read refs/heads/main"));
	return 0;
}

/* Move refs/heads/main from old (NULL: must not exist) to new. */
static int
move_ref(struct ej_store *s, git_repository *repo, const git_oid *old,
    const git_oid *new, const char *msg, struct ej_diag *d)
{
	git_reference *ref = NULL;
	git_oid now;
	int rc, tries = 0;

	for (;;) {
		if (old)
			rc = git_reference_create_matching(&ref, repo, REF_MAIN,
			    new, 1, old, msg);
		else
			rc = git_reference_create(&ref, repo, REF_MAIN, new, 0,
			    msg);
		git_reference_free(ref);
		ref = NULL;
		/* The lock of a writer moving the ref to this very commit
		 * after its database commit (step 7), or of the next
		 * writer's recovery doing it for it, lasts a moment: wait
		 * for it (up to 2 s), then see where the ref went. */
		if (rc != GIT_ELOCKED || ++tries > 200)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	if (rc == 0)
		return 0;
	if (rc == GIT_ELOCKED)
		return ej_error(d, EJ_EXIT_TEMPFAIL, s->gitpath, 0, 0, "%s",
		    _("refs/heads/main.lock exists: another ej is writing, or "
		    "one crashed; if none is running, run ej-audit"));
	/* Someone else (a concurrent recovery) may have moved it for us. */
	if (git_reference_name_to_id(&now, repo, REF_MAIN) == 0 &&
	    git_oid_equal(&now, new))
		return 0;
	return ej_store_giterr(s, d, _("cannot move refs/heads/main"));
}

/*
 * Who moves the ref: a writer from just before its database commit
 * (step 6) until the ref has moved (step 7), and a recovery moving it
 * for a writer that died there, hold an flock(2) on history.git/ej.flock.
 * The kernel drops it when its holder dies, so a recovery holding it
 * knows that nobody is moving the ref: a refs/heads/main.lock found then
 * was left by a writer killed in the middle of the move, and goes.
 * Returns the descriptor to give to ref_unlock(), or -1.
 */
static int
ref_lock(struct ej_store *s, struct ej_diag *d)
{
	char *p = ej_xasprintf("%s/ej.flock", s->gitpath);
	int fd, tries;

	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	free(p);
	if (fd < 0)
		return ej_error(d, EJ_EXIT_IOERR, s->gitpath, 0, 0,
		    "ej.flock: %s", strerror(errno));
	/* Held for a moment by a writer moving the ref: up to 10 s. */
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; tries++) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || tries > 1000) {
			close(fd);
			return ej_error(d, EJ_EXIT_TEMPFAIL, s->dir, 0, 0,
			    "%s", _("store is busy, try again"));
		}
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return fd;
}

static void
ref_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Under ref_lock(): the lock file a killed writer left. */
static void
drop_stale_ref_lock(struct ej_store *s)
{
	char *p = ej_xasprintf("%s/" REF_MAIN ".lock", s->gitpath);

	unlink(p);
	free(p);
}

int
ej_history__recover(struct ej_store *s, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_oid db, ref, now;
	git_commit *c = NULL;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	int has_db, rc;

	if (!repo || meta_head(s, &db, &has_db) < 0)
		return -1;
	if ((rc = ej_history_head(s, &ref, d)) < 0)
		return -1;
	if (!has_db && rc == 1)
		return 0;                      /* a new store */
	if (has_db && rc == 0 && git_oid_equal(&db, &ref))
		return 0;
	/* A writer died between committing the database (step 6) and
	 * moving the ref (step 7): the database's commit is a child of the
	 * ref's. Finish its work. */
	if (has_db && git_commit_lookup(&c, repo, &db) == 0) {
		int child = rc == 0 ? git_commit_parentcount(c) == 1 &&
		    git_oid_equal(git_commit_parent_id(c, 0), &ref) :
		    git_commit_parentcount(c) == 0;

		git_commit_free(c);
		/* Most often that writer is alive, just past its database
		 * commit and moving the ref: its ref_lock() ends when it
		 * is done, or dead. */
		if (child) {
			int fd = ref_lock(s, d), moved;

			if (fd < 0)
				return -1;
			if (git_reference_name_to_id(&now, repo, REF_MAIN) ==
			    0 && git_oid_equal(&now, &db)) {
				ref_unlock(fd);
				return 0;
			}
			drop_stale_ref_lock(s);
			moved = move_ref(s, repo, rc == 0 ? &ref : NULL, &db,
			    "ej: recovery", d);
			ref_unlock(fd);
			if (moved < 0)
				return -1;
			ej_note(d, _("recovered: the last write's history "
			    "commit %.7s is now on refs/heads/main"),
			    git_oid_tostr(a, sizeof a, &db));
			return 0;
		}
	}
	git_oid_tostr(a, sizeof a, &db);
	git_oid_tostr(b, sizeof b, &ref);
	return ej_error(d, EJ_EXIT_SOFTWARE, s->dir, 0, 0,
	    _("the database (at %.12s) and the history (at %.12s) disagree; "
	    "nothing was written; run ej-audit"), has_db ? a : "-",
	    rc == 0 ? b : "-");
}

/* --------------------------------------------------------------- commit */

static void
shell_quote(struct buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_./=:@,+%") == strlen(s)) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	buf_addc(b, '\'');
}

/* s with control characters escaped (text.h), so that no text can
 * split the subject or forge a line such as "Reason: …". */
static void
buf_add_visible(struct buf *b, const char *s)
{
	char *v = ej_text_visible(s);

	buf_adds(b, v);
	free(v);
}

static char *
commit_message(const struct ej_commit_info *ci, const struct changes *c)
{
	struct buf b = {0};
	int i;

	if (ci->summary && *ci->summary)
		buf_add_visible(&b, ci->summary);
	else {
		char *t = ej_xasprintf("%zu files changed", c->n);
		buf_adds(&b, t);
		free(t);
	}
	buf_adds(&b, "\n\n");
	for (i = 0; i < ci->argc; i++) {
		char *v = ej_text_visible(ci->argv[i]);

		if (i)
			buf_addc(&b, ' ');
		shell_quote(&b, v);
		free(v);
	}
	if (ci->argc)
		buf_addc(&b, '\n');
	if (ci->reason && *ci->reason) {
		buf_adds(&b, "Reason: ");
		buf_add_visible(&b, ci->reason);
		buf_addc(&b, '\n');
	}
	return b.p;
}

static int
school_id(struct ej_store *s, char *buf, size_t n)
{
	sqlite3_stmt *st;
	struct ej_diag d;
	int ok = 0;

	ej_diag_init(&d, "ej", stderr);
	snprintf(buf, n, "school");
	if ((st = ej_store_prepare(s, "SELECT value FROM school WHERE "
	    "key = 'id'", &d)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(buf, n, "%s", sqlite3_column_text(st, 0));
		ok = 1;
	}
	sqlite3_reset(st);
	return ok ? 0 : -1;
}

/* Estimate loose objects from one fan-out directory, and pack past the
 * threshold: a cheap look after each commit keeps the history compact. */
static void
maybe_pack(struct ej_store *s, const git_oid *id, struct ej_diag *d)
{
	char hex[3], *dir;
	DIR *dp;
	struct dirent *e;
	unsigned long n = 0;

	snprintf(hex, sizeof hex, "%02x", id->id[0]);
	dir = ej_xasprintf("%s/objects/%s", s->gitpath, hex);
	if ((dp = opendir(dir)) != NULL) {
		while ((e = readdir(dp)) != NULL)
			if (e->d_name[0] != '.')
				n++;
		closedir(dp);
	}
	free(dir);
	if (n * 256 > PACK_THRESHOLD) {
		/* Packing is housekeeping: its failure is a warning, the
		 * commit stands. */
		struct ej_diag quiet;

		ej_diag_init(&quiet, d->prog, d->out);
		if (ej_history_pack(s, PACK_THRESHOLD, &quiet) < 0)
			ej_warn(d, NULL, 0, 0, _("could not pack the history; "
			    "the next commit tries again"));
	}
	/* The commits' own small packs, a batch at a time. */
	dir = ej_xasprintf("%s/objects/pack", s->gitpath);
	if (ej_packw_consolidate(s->repo, dir) < 0)
		ej_warn(d, NULL, 0, 0, _("could not pack the history; the next "
		    "commit tries again"));
	free(dir);
}

int
ej_history__commit(struct ej_store *s, const struct ej_commit_info *ci,
    struct ej_commit_result *r, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_oid head, tree_id, commit_id;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *author = NULL, *committer = NULL;
	struct changes c = {0};
	struct dirty dt = {0};
	struct precheck pc = {0};
	struct strv paths = {0};
	char hex[GIT_OID_HEXSZ + 1], sid[128], *email = NULL, *msg = NULL;
	const struct ej_actor *a = &s->actor;
	int has_head, rc = -1, reflock = -1;
	size_t i;

	if (!repo)
		return -1;
	if ((has_head = ej_history_head(s, &head, d)) < 0)
		return -1;
	has_head = has_head == 0;
	if (ej_store__fault(s, 3, d) < 0)
		return -1;
	if (has_head && (git_commit_lookup(&parent, repo, &head) < 0 ||
	    git_commit_tree(&base, parent) < 0)) {
		ej_store_giterr(s, d, _("cannot read HEAD"));
		goto out;
	}
	/* New objects from here on are the commit's pack (step 5), or
	 * dropped at out (no change, dry run, failure). */
	if (!s->packw && ej_packw_attach(&s->packw, repo) < 0) {
		ej_store_giterr(s, d, _("cannot write a commit"));
		goto out;
	}
	ej_packw_capture(s->packw, 1);
	/* The first commit holds the whole snapshot; later ones O(change). */
	if (has_head) {
		if (load_dirty(s, &dt, d) < 0 ||
		    pc_start(&pc, s, &dt, d) < 0 ||
		    queue_dirty(s, &dt, base, &c, &pc, d) < 0 ||
		    (c.n && check_untampered(s, &dt, &pc, base, d) < 0))
			goto out;
	} else if (queue_all(s, NULL, &c, d) < 0)
		goto out;
	if (ej_store__fault(s, 4, d) < 0)
		goto out;
	for (i = 0; i < c.n; i++)
		strv_push(&paths, ej_xstrdup(c.v[i].path));
	if (paths.v)
		qsort(paths.v, paths.n, sizeof *paths.v, cmp_str);
	r->files_changed = c.n;
	r->paths = paths.v;
	if (c.n == 0 && has_head) {
		rc = 0;                        /* step 4: nothing changed */
		goto out;
	}
	if (ci->dry_run) {
		rc = 1;
		goto out;
	}
	/* Step 5: objects, as one pack (packwrite.h); no ref moves yet. */
	if (ej_store__fault(s, 5, d) < 0 ||
	    write_tree(s, repo, base, &c, &tree_id, d) < 0)
		goto out;
	if (school_id(s, sid, sizeof sid) < 0)
		snprintf(sid, sizeof sid, "school");
	email = ej_xasprintf("%s@%s", a->login[0] ? a->login : "unknown", sid);
	if (git_signature_now(&author, a->name[0] ? a->name : a->login,
	    email) < 0 ||
	    git_signature_now(&committer, "ej", "ej@localhost") < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0) {
		ej_store_giterr(s, d, _("cannot write a commit"));
		goto out;
	}
	msg = commit_message(ci, &c);
	if (git_commit_create(&commit_id, repo, NULL, author, committer,
	    "UTF-8", msg, tree, parent ? 1 : 0,
	    (const git_commit **)&parent) < 0) {
		ej_store_giterr(s, d, _("cannot write a commit"));
		goto out;
	}
	if (ej_packw_flush(s->packw) < 0) {
		ej_store_giterr(s, d, _("cannot write a commit"));
		goto out;
	}
	/* Step 6: the database records the commit, atomically with the
	 * change itself. */
	if (ej_store__fault(s, 6, d) < 0)
		goto out;
	if (ej_meta_set(s, "head", git_oid_tostr(hex, sizeof hex,
	    &commit_id)) < 0) {
		ej_store_sqlerr(s, d, _("cannot record the commit"));
		goto out;
	}
	if ((reflock = ref_lock(s, d)) < 0)
		goto out;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ej_store_sqlerr(s, d, _("cannot commit"));
		goto out;
	}
	s->in_tx = 0;
	/* Step 7: compare-and-swap the ref. A crash before it is recovered
	 * by the next writer (ej_history__recover). */
	git_oid_cpy(&r->commit, &commit_id);
	if (ej_store__fault(s, 7, d) < 0)
		goto out;
	{
		/* The change is durable now; a ref that cannot move is the
		 * next writer's to finish (recovery), not a failure. */
		struct ej_diag quiet;

		ej_diag_init(&quiet, d->prog, d->out);
		if (move_ref(s, repo, has_head ? &head : NULL, &commit_id,
		    "ej: commit", &quiet) < 0)
			ej_warn(d, NULL, 0, 0, _("committed, but refs/heads/main "
			    "was not moved; the next write finishes it"));
	}
	ref_unlock(reflock);
	reflock = -1;
	if (ej_store__fault(s, 8, d) < 0)
		goto out;
	maybe_pack(s, &commit_id, d);
	rc = 1;
out:
	ej_packw_abort(s->packw);     /* what a failed step 5 captured */
	ref_unlock(reflock);
	if (rc < 0 && r->paths) {
		ej_strv_free(r->paths);
		r->paths = NULL;
	}
	free(msg);
	free(email);
	git_signature_free(author);
	git_signature_free(committer);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	pc_free(&pc);
	changes_free(&c);
	free(dt.rows);
	return rc;
}

/* --------------------------------------------------------------- verify */

long
ej_history_verify(struct ej_store *s, char ***out, struct ej_diag *d)
{
	return ej_history_verify_at(s, NULL, out, d);
}

long
ej_history_verify_at(struct ej_store *s, const git_oid *commit, char ***out,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_oid head;
	git_commit *hc = NULL;
	git_tree *tree = NULL;
	struct changes c = {0};
	struct strv diff = {0};
	long n = -1;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!repo)
		return -1;
	if (commit)
		git_oid_cpy(&head, commit);
	else if ((rc = ej_history_head(s, &head, d)) < 0)
		return -1;
	if (rc == 0 && (git_commit_lookup(&hc, repo, &head) < 0 ||
	    git_commit_tree(&tree, hc) < 0)) {
		ej_store_giterr(s, d, _("cannot read HEAD"));
		goto out;
	}
	/* Compared against HEAD, queue_all leaves exactly the differences:
	 * files whose bytes differ, files missing and stale files. */
	if (queue_all(s, tree, &c, d) < 0)
		goto out;
	/* Files of no kind at all are differences too. */
	{
		char **all = tree_paths(tree, NULL), **p;

		for (p = all; *p; p++) {
			int known = 0;

			for (i = 0; i < s->nfiles && !known; i++) {
				const struct ej_snapfile *f = &s->files[i];

				known = f->path ? strcmp(f->path, *p) == 0 :
				    fnmatch(f->glob, *p, FNM_PATHNAME) == 0;
			}
			if (!known)
				strv_push(&diff, ej_xstrdup(*p));
		}
		ej_strv_free(all);
	}
	for (i = 0; i < c.n; i++)
		strv_push(&diff, ej_xstrdup(c.v[i].path));
	if (diff.v)
		qsort(diff.v, diff.n, sizeof *diff.v, cmp_str);
	else
		strv_push(&diff, NULL), diff.n = 0;
	*out = diff.v;
	n = (long)diff.n;
out:
	changes_free(&c);
	git_tree_free(tree);
	git_commit_free(hc);
	return n;
}

/* ----------------------------------------------------------------- load */

struct loader {
	struct ej_store *s;
	struct ej_diag *d;
	const char *path;
	sqlite3_stmt *st;
	const struct ej_snapfile *f;
	const long long *keys;
	int *colmap;             /* header column → parameter index (0: none) */
	int kidx[EJ_SNAP_KEYS];  /* the keys' parameters :k1.. (0: none) */
	int ncol, col, cap;
	long line, record_line;  /* for messages */
	int header;
	int failed;
	char **hdr;
	const char *table_cols;  /* auto insert: "," joined list */
};

static void
load_field(void *data, size_t len, void *payload)
{
	struct loader *l = payload;

	if (l->failed)
		return;
	if (l->header) {
		l->hdr = ej_xrealloc(l->hdr, (size_t)(l->ncol + 1) *
		    sizeof *l->hdr);
		l->hdr[l->ncol++] = ej_xstrdup(data ? (char *)data : "");
		return;
	}
	if (l->col < l->ncol && l->colmap[l->col] > 0) {
		if (data)
			sqlite3_bind_text(l->st, l->colmap[l->col], data,
			    (int)len, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(l->st, l->colmap[l->col]);
	}
	l->col++;
}

/* The INSERT for a file without load_sql: its header's columns that the
 * table has. */
static char *
auto_insert(struct loader *l)
{
	struct buf cols = {0}, vals = {0};
	sqlite3_stmt *st;
	char *q;
	int i;

	q = ej_xasprintf("SELECT 1 FROM pragma_table_info('%s') WHERE name = ?",
	    l->f->table);
	if (sqlite3_prepare_v2(ej_store_db(l->s), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		free(q);
		return NULL;
	}
	free(q);
	for (i = 0; i < l->ncol; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, l->hdr[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		if (cols.len) {
			buf_addc(&cols, ',');
			buf_addc(&vals, ',');
		}
		buf_adds(&cols, l->hdr[i]);
		buf_addc(&vals, ':');
		buf_adds(&vals, l->hdr[i]);
	}
	sqlite3_finalize(st);
	q = ej_xasprintf("INSERT INTO %s(%s) VALUES(%s)", l->f->table,
	    cols.p ? cols.p : "", vals.p ? vals.p : "");
	free(cols.p);
	free(vals.p);
	return q;
}

static void
load_record(int c, void *payload)
{
	struct loader *l = payload;
	int i;

	(void)c;
	if (l->failed)
		return;
	if (l->header) {
		char *sql = l->f->load_sql ? NULL : auto_insert(l);
		char name[128];

		l->header = 0;
		if (sqlite3_prepare_v2(ej_store_db(l->s), sql ? sql :
		    l->f->load_sql, -1, &l->st, NULL) != SQLITE_OK) {
			ej_store_sqlerr(l->s, l->d, l->path);
			l->failed = 1;
			free(sql);
			return;
		}
		free(sql);
		l->colmap = ej_xcalloc((size_t)l->ncol, sizeof *l->colmap);
		for (i = 0; i < l->ncol; i++) {
			snprintf(name, sizeof name, ":%s", l->hdr[i]);
			l->colmap[i] = sqlite3_bind_parameter_index(l->st,
			    name);
		}
		for (i = 0; i < EJ_SNAP_KEYS; i++) {
			char k[4] = {':', 'k', (char)('1' + i), 0};

			l->kidx[i] = sqlite3_bind_parameter_index(l->st, k);
		}
		l->col = 0;
		return;
	}
	if (l->col != l->ncol) {
		ej_error(l->d, EJ_EXIT_DATAERR, l->path, l->record_line, 0,
		    _("%d fields where the header has %d"), l->col, l->ncol);
		l->failed = 1;
		return;
	}
	for (i = 0; i < EJ_SNAP_KEYS; i++)
		if (l->kidx[i] > 0)
			sqlite3_bind_int64(l->st, l->kidx[i], l->keys[i]);
	if (sqlite3_step(l->st) != SQLITE_DONE) {
		ej_error(l->d, EJ_EXIT_DATAERR, l->path, l->record_line, 0,
		    "%s", sqlite3_errmsg(ej_store_db(l->s)));
		l->failed = 1;
	}
	sqlite3_reset(l->st);
	sqlite3_clear_bindings(l->st);
	l->col = 0;
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* Load one snapshot file's bytes. */
static int
load_blob(struct ej_store *s, const struct ej_snapfile *f, const char *path,
    const long long keys[EJ_SNAP_KEYS], const char *data, size_t len,
    struct ej_diag *d)
{
	struct csv_parser p;
	struct loader l = {0};
	size_t off = 0, eol;
	int i;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
	    CSV_EMPTY_IS_NULL) != 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, path, 0, 0, "csv_init");
	csv_set_space_func(&p, no_space);
	l.s = s;
	l.d = d;
	l.path = path;
	l.f = f;
	l.keys = keys;
	l.header = 1;
	/* Fed a line at a time, to know where each record began. */
	while (off < len && !l.failed) {
		const char *nl = memchr(data + off, '\n', len - off);

		eol = nl ? (size_t)(nl - data) + 1 : len;
		l.line++;
		if (csv_parse(&p, data + off, eol - off, load_field,
		    load_record, &l) != eol - off) {
			ej_error(d, EJ_EXIT_DATAERR, path, l.line, 0, "%s",
			    csv_strerror(csv_error(&p)));
			l.failed = 1;
		}
		off = eol;
		if (p.pstate == 0 || p.pstate == 1) /* between records */
			l.record_line = l.line + 1;
	}
	if (!l.failed && csv_fini(&p, load_field, load_record, &l) != 0) {
		ej_error(d, EJ_EXIT_DATAERR, path, l.line, 0, "%s",
		    csv_strerror(csv_error(&p)));
		l.failed = 1;
	}
	csv_free(&p);
	sqlite3_finalize(l.st);
	for (i = 0; i < l.ncol; i++)
		free(l.hdr[i]);
	free(l.hdr);
	free(l.colmap);
	return l.failed ? -1 : 0;
}

int
ej_history_load(struct ej_store *s, const git_oid *commit,
    struct ej_diag *d)
{
	static const long long none[EJ_SNAP_KEYS];
	git_repository *repo = ej_store_repo(s, d);
	git_oid id;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	size_t i;
	int rc = -1;

	if (!repo)
		return -1;
	if (commit)
		git_oid_cpy(&id, commit);
	else if ((rc = ej_history_head(s, &id, d)) != 0) {
		if (rc > 0)
			ej_error(d, EJ_EXIT_NOINPUT, s->gitpath, 0, 0, "%s",
			    _("the history has no commits"));
		return -1;
	}
	rc = -1;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	if (git_commit_lookup(&c, repo, &id) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		ej_history_damaged(repo, &id, d);
		goto out;
	}
	/* In table order: a kind's rows may refer to earlier kinds'. */
	for (i = 0; i < s->nfiles; i++) {
		const struct ej_snapfile *f = &s->files[i];
		git_tree_entry *e;
		git_blob *b;
		sqlite3_stmt *st;

		if (f->noload)
			continue;
		if (f->path) {
			/* Absent is no rows; unreadable is damage. */
			if ((rc = git_tree_entry_bypath(&e, tree, f->path)) ==
			    GIT_ENOTFOUND)
				continue;
			if (rc < 0 || git_blob_lookup(&b, repo,
			    git_tree_entry_id(e)) < 0) {
				if (rc == 0)
					git_tree_entry_free(e);
				rc = -1;
				ej_history_damaged(repo, &id, d);
				goto out;
			}
			rc = load_blob(s, f, f->path, none,
			    git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), d);
			git_blob_free(b);
			git_tree_entry_free(e);
			if (rc < 0)
				goto out;
			rc = -1;
			continue;
		}
		/* Keyed: every possible file, loaded when the tree has it. */
		if ((st = ej_store_prepare(s, f->paths_sql, d)) == NULL)
			goto out;
		{
			struct strv ps = {0};
			long long *kv = NULL;
			size_t n = 0, k;

			while (sqlite3_step(st) == SQLITE_ROW) {
				strv_push(&ps, ej_xstrdup((const char *)
				    sqlite3_column_text(st, 0)));
				kv = ej_xrealloc(kv, (n + 1) *
				    EJ_SNAP_KEYS * sizeof *kv);
				for (int j = 0; j < EJ_SNAP_KEYS; j++)
					kv[n * EJ_SNAP_KEYS + j] =
					    sqlite3_column_int64(st, j + 1);
				n++;
			}
			sqlite3_reset(st);
			rc = 0;
			for (k = 0; k < n; k++) {
				if ((rc = git_tree_entry_bypath(&e, tree,
				    ps.v[k])) == GIT_ENOTFOUND) {
					rc = 0;
					continue;
				}
				if (rc < 0) {
					ej_history_damaged(repo, &id, d);
					break;
				}
				if (git_blob_lookup(&b, repo,
				    git_tree_entry_id(e)) < 0) {
					ej_history_damaged(repo, &id, d);
					rc = -1;
				} else {
					rc = load_blob(s, f, ps.v[k],
					    kv + k * EJ_SNAP_KEYS,
					    git_blob_rawcontent(b),
					    (size_t)git_blob_rawsize(b), d);
					git_blob_free(b);
				}
				git_tree_entry_free(e);
				if (rc < 0)
					break;
			}
			free(kv);
			ej_strv_free(ps.v);
			if (rc < 0)
				goto out;
			rc = -1;
		}
	}
	rc = 0;
out:
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

/* ----------------------------------------------------------------- pack */

/*
 * Pack the objects written since the last pack: a walk from HEAD hiding
 * the commit packed last (refs/ej/packed), so each pack holds only new
 * objects, with their paths as delta hints; then the loose copies of what
 * the new pack holds are removed.
 */
long
ej_history_pack(struct ej_store *s, unsigned threshold, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_odb *odb = NULL;
	git_oid head, packed;
	git_reference *ref = NULL;
	char *packdir = NULL, *objdir = NULL;
	long removed = -1;
	size_t count;
	int i;

	(void)threshold;
	if (!repo)
		return -1;
	if (ej_history_head(s, &head, d) != 0)
		return 0;
	if (git_packbuilder_new(&pb, repo) < 0 ||
	    git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_push(walk, &head) < 0)
		goto gitfail;
	if (git_reference_name_to_id(&packed, repo, REF_PACKED) == 0) {
		if (git_oid_equal(&packed, &head)) {
			removed = 0;
			goto out;
		}
		git_revwalk_hide(walk, &packed);
	}
	if (git_packbuilder_insert_walk(pb, walk) < 0)
		goto gitfail;
	count = git_packbuilder_object_count(pb);
	packdir = ej_xasprintf("%s/objects/pack", s->gitpath);
	if (count > 0 && git_packbuilder_write(pb, packdir, 0, NULL, NULL) < 0)
		goto gitfail;
	if (git_reference_create(&ref, repo, REF_PACKED, &head, 1,
	    "ej: packed") < 0)
		goto gitfail;
	/* Remove loose objects the packs now hold: an object database of
	 * the packs alone answers that. */
	objdir = ej_xasprintf("%s/objects", s->gitpath);
	{
		git_odb_backend *be;

		if (git_odb_new(&odb) < 0 ||
		    git_odb_backend_pack(&be, objdir) < 0)
			goto gitfail;
		if (git_odb_add_backend(odb, be, 1) < 0) {
			be->free(be);
			goto gitfail;
		}
	}
	removed = 0;
	for (i = 0; i < 256; i++) {
		char *sub = ej_xasprintf("%s/%02x", objdir, i);
		DIR *dp = opendir(sub);
		struct dirent *e;

		if (!dp) {
			free(sub);
			continue;
		}
		while ((e = readdir(dp)) != NULL) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid id;
			char *p;

			if (strlen(e->d_name) != GIT_OID_HEXSZ - 2)
				continue;
			snprintf(hex, 3, "%02x", i);
			memcpy(hex + 2, e->d_name, GIT_OID_HEXSZ - 2);
			hex[GIT_OID_HEXSZ] = '\0';
			if (git_oid_fromstr(&id, hex) < 0)
				continue;
			if (!git_odb_exists(odb, &id))
				continue;
			p = ej_xasprintf("%s/%s", sub, e->d_name);
			if (unlink(p) == 0)
				removed++;
			free(p);
		}
		/* The directory stays, empty or not: another writer may
		 * have just made it for an object it is writing. */
		closedir(dp);
		free(sub);
	}
	goto out;
gitfail:
	ej_store_giterr(s, d, _("cannot pack the history"));
	removed = -1;
out:
	free(packdir);
	free(objdir);
	git_reference_free(ref);
	git_odb_free(odb);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return removed;
}

/* --------------------------------------------------------------- reload */

/* A file that differs between two trees: in the old one, the new one, or
 * both (modified). */
struct tdelta {
	char *path;
	int old, new_;
};

struct tdeltas {
	struct tdelta *v;
	size_t n, cap;
};

static void
tdelta_add(struct tdeltas *ds, const char *prefix, const char *name,
    int old, int new_)
{
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 16;
		ds->v = ej_xrealloc(ds->v, ds->cap * sizeof *ds->v);
	}
	ds->v[ds->n].path = ej_xasprintf("%s%s", prefix, name);
	ds->v[ds->n].old = old;
	ds->v[ds->n].new_ = new_;
	ds->n++;
}

static int tdiff(git_repository *, git_tree *, git_tree *, const char *,
    struct tdeltas *);

/* The subtree of entry e (NULL when e is not a tree). */
static int
subtree(git_repository *repo, const git_tree_entry *e, git_tree **out)
{
	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	return git_tree_lookup(out, repo, git_tree_entry_id(e));
}

/* Recurse into the entries named name of a and b (either may be NULL). */
static int
tdiff_entry(git_repository *repo, const git_tree_entry *ea,
    const git_tree_entry *eb, const char *prefix, const char *name,
    struct tdeltas *out)
{
	git_tree *ta = NULL, *tb = NULL;
	char *sub;
	int rc;

	if (subtree(repo, ea, &ta) < 0 || subtree(repo, eb, &tb) < 0) {
		git_tree_free(ta);
		return -1;
	}
	if (ea && !ta && eb && !tb)
		tdelta_add(out, prefix, name, 1, 1);
	else {
		if (ea && !ta)
			tdelta_add(out, prefix, name, 1, 0);
		if (eb && !tb)
			tdelta_add(out, prefix, name, 0, 1);
	}
	rc = 0;
	if (ta || tb) {
		sub = ej_xasprintf("%s%s/", prefix, name);
		rc = tdiff(repo, ta, tb, sub, out);
		free(sub);
	}
	git_tree_free(ta);
	git_tree_free(tb);
	return rc;
}

/*
 * The files that differ between trees a and b. Subtrees with the same id
 * are skipped whole: the cost is the changed directories', not the
 * tree's.
 */
static int
tdiff(git_repository *repo, git_tree *a, git_tree *b, const char *prefix,
    struct tdeltas *out)
{
	size_t i, na = a ? git_tree_entrycount(a) : 0,
	    nb = b ? git_tree_entrycount(b) : 0;

	for (i = 0; i < na; i++) {
		const git_tree_entry *ea = git_tree_entry_byindex(a, i);
		const char *name = git_tree_entry_name(ea);
		const git_tree_entry *eb = b ? git_tree_entry_byname(b, name) :
		    NULL;

		if (eb && git_oid_equal(git_tree_entry_id(ea),
		    git_tree_entry_id(eb)))
			continue;
		if (tdiff_entry(repo, ea, eb, prefix, name, out) < 0)
			return -1;
	}
	for (i = 0; i < nb; i++) {
		const git_tree_entry *eb = git_tree_entry_byindex(b, i);
		const char *name = git_tree_entry_name(eb);

		if (a && git_tree_entry_byname(a, name))
			continue;
		if (tdiff_entry(repo, NULL, eb, prefix, name, out) < 0)
			return -1;
	}
	return 0;
}

/* A file to reload: its kind and keys, and what happens to it. */
struct rl_item {
	size_t kind;
	long long keys[EJ_SNAP_KEYS];
	int unload;              /* its rows are deleted */
	char *path;              /* its path in the new tree, once known */
	git_oid blob;            /* ... and its blob there (zero: none) */
};

struct rl_set {
	struct rl_item *v;
	size_t n, cap;
};

static struct rl_item *
rl_get(struct rl_set *rs, size_t kind, const long long keys[EJ_SNAP_KEYS])
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].kind == kind &&
		    memcmp(rs->v[i].keys, keys, sizeof rs->v[i].keys) == 0)
			return &rs->v[i];
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = ej_xrealloc(rs->v, rs->cap * sizeof *rs->v);
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[rs->n]);
	rs->v[rs->n].kind = kind;
	memcpy(rs->v[rs->n].keys, keys, sizeof rs->v[rs->n].keys);
	return &rs->v[rs->n++];
}

/* Every possible path of a keyed kind with its keys, in the DB's present
 * state. */
struct kpaths {
	struct strv paths;
	long long *keys;
};

static int
kpaths_load(struct ej_store *s, const struct ej_snapfile *f,
    struct kpaths *kp, struct ej_diag *d)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc, j;

	ej_strv_free(kp->paths.v);
	free(kp->keys);
	memset(kp, 0, sizeof *kp);
	if ((st = ej_store_prepare(s, f->paths_sql, d)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		strv_push(&kp->paths, ej_xstrdup((const char *)
		    sqlite3_column_text(st, 0)));
		kp->keys = ej_xrealloc(kp->keys, (n + 1) * EJ_SNAP_KEYS *
		    sizeof *kp->keys);
		for (j = 0; j < EJ_SNAP_KEYS; j++)
			kp->keys[n * EJ_SNAP_KEYS + j] =
			    sqlite3_column_int64(st, j + 1);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, f->kind);
	return 0;
}

static void
kpaths_free(struct kpaths *kp)
{
	ej_strv_free(kp->paths.v);
	free(kp->keys);
	memset(kp, 0, sizeof *kp);
}

/* The keys of path (-1: none), or the path of keys (NULL: none). */
static const long long *
kpaths_keys(const struct kpaths *kp, const char *path)
{
	size_t i;

	for (i = 0; i < kp->paths.n; i++)
		if (strcmp(kp->paths.v[i], path) == 0)
			return kp->keys + i * EJ_SNAP_KEYS;
	return NULL;
}

static const char *
kpaths_path(const struct kpaths *kp, const long long keys[EJ_SNAP_KEYS])
{
	size_t i;

	for (i = 0; i < kp->paths.n; i++)
		if (memcmp(kp->keys + i * EJ_SNAP_KEYS, keys,
		    EJ_SNAP_KEYS * sizeof *keys) == 0)
			return kp->paths.v[i];
	return NULL;
}

static long
kind_of(struct ej_store *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		const struct ej_snapfile *f = &s->files[i];

		if (f->path ? strcmp(f->path, path) == 0 :
		    fnmatch(f->glob, path, FNM_PATHNAME) == 0)
			return (long)i;
	}
	return -1;
}

static long
kind_named(struct ej_store *s, const char *kind)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].kind, kind) == 0)
			return (long)i;
	return -1;
}

/* Delete the rows of one file. */
static int
unload_file(struct ej_store *s, const struct rl_item *it, struct ej_diag *d)
{
	const struct ej_snapfile *f = &s->files[it->kind];
	sqlite3_stmt *st;
	char *sql = NULL;
	int rc;

	if (!f->unload_sql)
		sql = ej_xasprintf("DELETE FROM %s", f->table);
	st = ej_store_prepare(s, sql ? sql : f->unload_sql, d);
	free(sql);
	if (!st)
		return -1;
	if (!f->path)
		bind_keys(st, it->keys);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, f->kind);
	return 0;
}

/* Load one file from its blob in the new tree. */
static int
load_item(struct ej_store *s, const struct rl_item *it, struct ej_diag *d)
{
	git_blob *b;
	int rc;

	if (git_blob_lookup(&b, s->repo, &it->blob) < 0)
		return ej_store_giterr(s, d, it->path);
	rc = load_blob(s, &s->files[it->kind], it->path, it->keys,
	    git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), d);
	git_blob_free(b);
	return rc;
}

/* The reloaded file serialises to its blob (or, gone, to nothing). */
static int
check_item(struct ej_store *s, const struct rl_item *it, struct ej_diag *d)
{
	static const git_oid zero;
	char *buf;
	size_t len;
	git_oid id;
	int same;

	if (ej_snap_dump(s, &s->files[it->kind], it->keys, &buf, &len, d) < 0)
		return -1;
	if (buf)
		git_odb_hash(&id, buf, len, GIT_OBJECT_BLOB);
	same = buf ? git_oid_equal(&id, &it->blob) :
	    git_oid_equal(&it->blob, &zero);
	free(buf);
	if (!same)
		return ej_error(d, EJ_EXIT_SOFTWARE, it->path ? it->path :
		    s->files[it->kind].kind, 0, 0, "%s",
		    _("reloaded, the file does not serialise to the history's "
		    "bytes"));
	return 0;
}

long
ej_history_reload(struct ej_store *s, const git_oid *from, const git_oid *to,
    char ***paths, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_commit *ca = NULL, *cb = NULL;
	git_tree *ta = NULL, *tb = NULL;
	struct tdeltas ds = {0};
	struct rl_set rs = {0};
	struct kpaths kp = {0};
	struct strv out = {0};
	long *kinds = NULL, n = -1;
	size_t i, k, w;

	if (paths)
		*paths = NULL;
	if (!repo)
		return -1;
	if (git_commit_lookup(&ca, repo, from) < 0 ||
	    git_commit_tree(&ta, ca) < 0 ||
	    git_commit_lookup(&cb, repo, to) < 0 ||
	    git_commit_tree(&tb, cb) < 0) {
		ej_store_giterr(s, d, _("cannot read the commit"));
		goto out;
	}
	if (tdiff(repo, ta, tb, "", &ds) < 0) {
		ej_store_giterr(s, d, _("cannot compare the trees"));
		goto out;
	}
	/* Each changed file's kind; every one must be reloadable alone. */
	kinds = ej_xcalloc(ds.n + 1, sizeof *kinds);
	for (i = 0; i < ds.n; i++) {
		const struct ej_snapfile *f;

		if ((kinds[i] = kind_of(s, ds.v[i].path)) < 0) {
			ej_error(d, EJ_EXIT_DATAERR, ds.v[i].path, 0, 0, "%s",
			    _("not a file of the snapshot"));
			goto out;
		}
		f = &s->files[kinds[i]];
		if (!f->unload_sql && (!f->path || !f->table) && !f->noload) {
			ej_error(d, EJ_EXIT_SOFTWARE, ds.v[i].path, 0, 0, "%s",
			    _("this kind of file cannot be reloaded alone; run "
			    "ej-rebuild"));
			goto out;
		}
	}
	/* The old side: the rows the files held go, found by the keys of
	 * their paths in the DB as it is (at from). */
	for (k = 0; k < s->nfiles; k++) {
		const struct ej_snapfile *f = &s->files[k];
		static const long long none[EJ_SNAP_KEYS];
		int loaded = 0;

		if (f->noload)
			continue;
		for (i = 0; i < ds.n; i++) {
			const long long *keys = none;

			if (kinds[i] != (long)k || !ds.v[i].old)
				continue;
			if (!f->path) {
				if (!loaded && kpaths_load(s, f, &kp, d) < 0)
					goto out;
				loaded = 1;
				if ((keys = kpaths_keys(&kp, ds.v[i].path)) ==
				    NULL) {
					ej_error(d, EJ_EXIT_SOFTWARE,
					    ds.v[i].path, 0, 0, "%s",
					    _("the database does not know this "
					    "file; run ej-rebuild"));
					goto out;
				}
			}
			rl_get(&rs, k, keys)->unload = 1;
		}
	}
	/* Kinds that go with another at the same keys go too. */
	for (i = 0; i < rs.n; i++) {
		const struct ej_snapfile *f = &s->files[rs.v[i].kind];

		for (w = 0; w < 3 && f->with[w]; w++) {
			long wk = kind_named(s, f->with[w]);
			long long keys[EJ_SNAP_KEYS];

			if (wk < 0)
				continue;
			memcpy(keys, rs.v[i].keys, sizeof keys);
			rl_get(&rs, (size_t)wk, keys)->unload = 1;
		}
	}
	/* Foreign keys hold again at COMMIT, once every file is back. */
	if (ej_store_exec(s, "PRAGMA defer_foreign_keys = ON", d) < 0)
		goto out;
	/* Later kinds first: a mark finds its rows through its lesson. */
	for (k = s->nfiles; k-- > 0; )
		for (i = 0; i < rs.n; i++)
			if (rs.v[i].kind == k && rs.v[i].unload &&
			    unload_file(s, &rs.v[i], d) < 0)
				goto out;
	/* The new side, in table order: a kind's rows may refer to
	 * earlier kinds', and a keyed file's path to the names just
	 * loaded. */
	for (k = 0; k < s->nfiles; k++) {
		const struct ej_snapfile *f = &s->files[k];
		static const long long none[EJ_SNAP_KEYS];
		size_t first = 0;

		if (f->noload)
			continue;
		if (!f->path && kpaths_load(s, f, &kp, d) < 0)
			goto out;
		for (i = 0; i < ds.n; i++) {
			const long long *keys = none;

			if (kinds[i] != (long)k || !ds.v[i].new_)
				continue;
			if (!f->path &&
			    (keys = kpaths_keys(&kp, ds.v[i].path)) == NULL) {
				ej_error(d, EJ_EXIT_DATAERR, ds.v[i].path, 0, 0,
				    "%s", _("no class, subject or year of the "
				    "history has this path"));
				goto out;
			}
			rl_get(&rs, k, keys);
		}
		for (i = first; i < rs.n; i++) {
			struct rl_item *it = &rs.v[i];
			const char *p;

			if (it->kind != k || it->path)
				continue;
			p = f->path ? f->path : kpaths_path(&kp, it->keys);
			if (!p)
				continue;        /* its class is gone */
			it->path = ej_xstrdup(p);
			if (!tree_blob(tb, p, &it->blob))
				continue;        /* its file is gone */
			if (load_item(s, it, d) < 0)
				goto out;
		}
	}
	/* Serialised back, every reloaded file is the history's. */
	for (i = 0; i < rs.n; i++) {
		if (!rs.v[i].path)
			continue;
		if (check_item(s, &rs.v[i], d) < 0)
			goto out;
		strv_push(&out, ej_xstrdup(rs.v[i].path));
	}
	for (i = 0; i < ds.n; i++) {
		/* A file gone from the new tree with its keys. */
		size_t j;
		int seen = 0;

		for (j = 0; j < out.n && !seen; j++)
			seen = strcmp(out.v[j], ds.v[i].path) == 0;
		if (!seen && kinds[i] >= 0 && !s->files[kinds[i]].noload)
			strv_push(&out, ej_xstrdup(ds.v[i].path));
	}
	if (out.v)
		qsort(out.v, out.n, sizeof *out.v, cmp_str);
	n = (long)out.n;
	if (paths) {
		if (!out.v)
			strv_push(&out, NULL), out.n = 0;
		*paths = out.v;
		out.v = NULL;
	}
out:
	ej_strv_free(out.v);
	kpaths_free(&kp);
	for (i = 0; i < rs.n; i++)
		free(rs.v[i].path);
	free(rs.v);
	for (i = 0; i < ds.n; i++)
		free(ds.v[i].path);
	free(ds.v);
	free(kinds);
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(ca);
	git_commit_free(cb);
	return n;
}
