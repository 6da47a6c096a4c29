/*
 * recdiff — records of two versions of a snapshot file, merged by key.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "i18n.h"
#include "pathname.h"
#include "recdiff.h"

/* One parsed version: a header and its rows, each row one allocation (the
 * field pointers, then their bytes). */
struct row {
	const char **f;
	long line;
};

struct version {
	char **hdr;
	size_t ncol;
	struct row *rows;
	size_t n, cap;
};

struct ej_recdiff_priv {
	struct version old, new;
	const char **oldmap;     /* old rows in the new columns, when the
	                          * headers differ: n × ncol pointers */
	size_t *keys;
	size_t *changed;         /* every change's changed columns */
};

/* ------------------------------------------------------------- strings */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->p = ej_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static char *
sb_done(struct sbuf *b)
{
	if (!b->p)
		sb_add(b, "");
	return b->p;
}

/* The next name of a comma-separated list, trimmed, into buf; the rest
 * after it. NULL at the end. */
static const char *
next_name(const char *list, char *buf, size_t n)
{
	size_t len;

	if (!list)
		return NULL;
	while (*list == ' ' || *list == ',')
		list++;
	if (!*list)
		return NULL;
	len = strcspn(list, ",");
	while (len && list[len - 1] == ' ')
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(buf, list, len);
	buf[len] = '\0';
	list += len;
	while (*list && *list != ',')
		list++;
	return list;
}

/* ------------------------------------------------------------ the kinds */

const struct ej_snapfile *
ej_snap_kind(const char *path)
{
	size_t i;

	for (i = 0; i < ej_snapshot_nfiles; i++) {
		const struct ej_snapfile *f = &ej_snapshot_files[i];

		if (f->path ? strcmp(f->path, path) == 0 :
		    fnmatch(f->glob, path, FNM_PATHNAME) == 0)
			return f;
	}
	return NULL;
}

/* ------------------------------------------------------------- parsing */

static void
version_free(struct version *v)
{
	size_t i;

	for (i = 0; i < v->ncol; i++)
		free(v->hdr[i]);
	free(v->hdr);
	for (i = 0; i < v->n; i++)
		free(v->rows[i].f);
	free(v->rows);
	memset(v, 0, sizeof *v);
}

static int
parse(struct version *v, const char *path, const char *buf, size_t len,
    struct ej_diag *d)
{
	static const struct ej_csv_opts base = {
		.encoding = EJ_CSV_ENC_UTF8, .delim = ',', .quiet_unknown = 1,
		.allow_empty = 1, .keep_apostrophe = 1, .allow_control = 1,
	};
	struct ej_csv_opts o = base;
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	const char *const *h;
	FILE *f;
	size_t i, n;
	int rc;

	if (!buf || len == 0)
		return 0;
	if ((f = fmemopen((void *)(uintptr_t)buf, len, "r")) == NULL)
		return ej_error(d, EJ_EXIT_IOERR, path, 0, 0, "fmemopen");
	o.name = path;
	if (ej_csv_open_file(&r, f, NULL, 0, &o, d) < 0) {
		fclose(f);
		return -1;
	}
	h = ej_csv_header(r, &n);
	v->hdr = ej_xcalloc(n ? n : 1, sizeof *v->hdr);
	for (i = 0; i < n; i++)
		v->hdr[i] = ej_xstrdup(h[i]);
	v->ncol = n;
	while ((rc = ej_csv_next(r, &rec, d)) == 1) {
		size_t bytes = n * sizeof(char *), off;
		const char *fld;
		char *blk;
		struct row *row;

		for (i = 0; i < n; i++)
			if ((fld = ej_csv_field(rec, i)) != NULL)
				bytes += strlen(fld) + 1;
		blk = ej_xmalloc(bytes ? bytes : 1);
		off = n * sizeof(char *);
		if (v->n == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 64;
			v->rows = ej_xrealloc(v->rows, v->cap * sizeof *v->rows);
		}
		row = &v->rows[v->n++];
		row->f = (const char **)(void *)blk;
		row->line = rec->line;
		for (i = 0; i < n; i++) {
			if ((fld = ej_csv_field(rec, i)) == NULL) {
				row->f[i] = NULL;
				continue;
			}
			memcpy(blk + off, fld, strlen(fld) + 1);
			row->f[i] = blk + off;
			off += strlen(fld) + 1;
		}
	}
	if (rc == 0 && ej_csv_bad(r) > 0)
		rc = -1;	/* each bad record was reported at its line */
	ej_csv_reader_free(r);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ ordering */

/* An integer as SQLite would store it: an optional '-' and digits. */
static int
as_int(const char *s, long long *out)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!*p || strlen(p) > 18)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	*out = strtoll(s, NULL, 10);
	return 1;
}

/* SQLite's order: NULL, then numbers, then text (bytes). */
static int
cmp_value(const char *a, const char *b)
{
	long long x, y;
	int ia, ib;

	if (!a || !b)
		return !a && !b ? 0 : !a ? -1 : 1;
	ia = as_int(a, &x);
	ib = as_int(b, &y);
	if (ia && ib)
		return x < y ? -1 : x > y;
	if (ia != ib)
		return ia ? -1 : 1;
	return strcmp(a, b);
}

struct keyset {
	const size_t *keys;
	size_t nkeys;
};

static int
cmp_key(const struct keyset *k, const char *const *a, const char *const *b)
{
	size_t i;
	int c;

	for (i = 0; i < k->nkeys; i++)
		if ((c = cmp_value(a[k->keys[i]], b[k->keys[i]])) != 0)
			return c;
	return 0;
}

/* qsort has no payload: sort an array of (keyset, row) pairs. */
struct sortrow {
	const struct keyset *k;
	struct row r;
};

static int
cmp_sortrow(const void *a, const void *b)
{
	const struct sortrow *x = a, *y = b;
	int c = cmp_key(x->k, x->r.f, y->r.f);

	return c ? c : (x->r.line > y->r.line) - (x->r.line < y->r.line);
}

/* Rows in key order: checked in one pass, sorted only when they are not. */
static void
order(struct row *rows, size_t n, const struct keyset *k)
{
	struct sortrow *s;
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp_key(k, rows[i - 1].f, rows[i].f) > 0)
			break;
	if (i >= n)
		return;
	s = ej_xcalloc(n, sizeof *s);
	for (i = 0; i < n; i++) {
		s[i].k = k;
		s[i].r = rows[i];
	}
	qsort(s, n, sizeof *s, cmp_sortrow);
	for (i = 0; i < n; i++)
		rows[i] = s[i].r;
	free(s);
}

/* ------------------------------------------------------------- the diff */

static int
same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

long
ej_recdiff_col(const struct ej_recdiff *rd, const char *name)
{
	size_t i;

	for (i = 0; i < rd->ncol; i++)
		if (strcmp(rd->cols[i], name) == 0)
			return (long)i;
	return -1;
}

const char *
ej_rec_get(const struct ej_recdiff *rd, const char *const *rec,
    const char *col)
{
	long i;

	if (!rec || (i = ej_recdiff_col(rd, col)) < 0)
		return NULL;
	return rec[i] && *rec[i] ? rec[i] : NULL;
}

int
ej_recdiff(struct ej_recdiff **out, const char *path, const char *old,
    size_t oldlen, const char *new, size_t newlen, struct ej_diag *d)
{
	struct ej_recdiff *rd = ej_xcalloc(1, sizeof *rd);
	struct ej_recdiff_priv *p = ej_xcalloc(1, sizeof *p);
	struct version *base;
	struct keyset ks;
	char name[128];
	const char *l;
	size_t i, j, nk = 0, nchg = 0, cap = 0, chcap = 0;
	int remap = 0;

	*out = NULL;
	rd->priv = p;
	rd->path = ej_xstrdup(path);
	/* A document's file holds no records: its record is in the
	 * person's portfolio.csv, which the same change touches. */
	if ((rd->file = ej_snap_kind(path)) != NULL && rd->file->blob) {
		*out = rd;
		return 0;
	}
	if (!rd->file || !rd->file->key_cols) {
		ej_error(d, EJ_EXIT_DATAERR, path, 0, 0, "%s",
		    _("not a file of the snapshot"));
		goto fail;
	}
	if (parse(&p->old, path, old, oldlen, d) < 0 ||
	    parse(&p->new, path, new, newlen, d) < 0)
		goto fail;
	base = p->new.hdr ? &p->new : &p->old;
	rd->cols = (const char *const *)base->hdr;
	rd->ncol = base->ncol;

	/* The key columns, by name. */
	p->keys = ej_xcalloc(rd->ncol + 1, sizeof *p->keys);
	for (l = rd->file->key_cols; (l = next_name(l, name, sizeof name));) {
		long k = ej_recdiff_col(rd, name);

		if (!base->hdr)
			break;
		if (k < 0) {
			ej_error(d, EJ_EXIT_DATAERR, path, 1, 0,
			    _("no key column %s in the header"), name);
			goto fail;
		}
		if (nk < rd->ncol)
			p->keys[nk++] = (size_t)k;
	}
	rd->keys = p->keys;
	rd->nkeys = nk;

	/* Old rows in the new columns, when the headers differ. */
	if (p->old.hdr && p->new.hdr) {
		remap = p->old.ncol != p->new.ncol;
		for (i = 0; !remap && i < rd->ncol; i++)
			remap = strcmp(p->old.hdr[i], p->new.hdr[i]) != 0;
	}
	if (remap) {
		long *m = ej_xcalloc(rd->ncol + 1, sizeof *m);

		for (i = 0; i < rd->ncol; i++) {
			m[i] = -1;
			for (j = 0; j < p->old.ncol; j++)
				if (strcmp(p->old.hdr[j], rd->cols[i]) == 0)
					m[i] = (long)j;
		}
		for (i = 0; i < nk; i++)
			if (m[rd->keys[i]] < 0) {
				free(m);
				ej_error(d, EJ_EXIT_DATAERR, path, 1, 0,
				    _("no key column %s in the header"),
				    rd->cols[rd->keys[i]]);
				goto fail;
			}
		p->oldmap = ej_xcalloc(p->old.n * rd->ncol + 1,
		    sizeof *p->oldmap);
		for (i = 0; i < p->old.n; i++) {
			for (j = 0; j < rd->ncol; j++)
				p->oldmap[i * rd->ncol + j] = m[j] < 0 ? NULL :
				    p->old.rows[i].f[m[j]];
			/* The row block stays owned by the version. */
		}
		free(m);
	}

	ks.keys = rd->keys;
	ks.nkeys = rd->nkeys;
	{
		/* Order each version by key (old through its mapped view). */
		struct row *ov = p->old.rows;
		struct row *view = NULL;

		if (p->oldmap) {
			view = ej_xcalloc(p->old.n + 1, sizeof *view);
			for (i = 0; i < p->old.n; i++) {
				view[i].f = &p->oldmap[i * rd->ncol];
				view[i].line = ov[i].line;
			}
			ov = view;
		}
		order(ov, p->old.n, &ks);
		order(p->new.rows, p->new.n, &ks);

		/* Merge. */
		i = j = 0;
		while (i < p->old.n || j < p->new.n) {
			struct ej_recchange ch = {0};
			int c;

			if (i >= p->old.n)
				c = 1;
			else if (j >= p->new.n)
				c = -1;
			else
				c = cmp_key(&ks, ov[i].f, p->new.rows[j].f);
			if (c < 0) {
				ch.op = EJ_REC_REMOVED;
				ch.old = ov[i].f;
				ch.old_line = ov[i++].line;
			} else if (c > 0) {
				ch.op = EJ_REC_ADDED;
				ch.new = p->new.rows[j].f;
				ch.new_line = p->new.rows[j++].line;
			} else {
				size_t k, first = nchg;

				for (k = 0; k < rd->ncol; k++) {
					if (same(ov[i].f[k],
					    p->new.rows[j].f[k]))
						continue;
					if (nchg == chcap) {
						chcap = chcap ? chcap * 2 : 64;
						p->changed = ej_xrealloc(
						    p->changed, chcap *
						    sizeof *p->changed);
					}
					p->changed[nchg++] = k;
				}
				if (nchg == first) {
					i++, j++;
					continue;
				}
				ch.op = EJ_REC_CHANGED;
				ch.old = ov[i].f;
				ch.old_line = ov[i++].line;
				ch.new = p->new.rows[j].f;
				ch.new_line = p->new.rows[j++].line;
				ch.nchanged = nchg - first;
			}
			if (rd->n == cap) {
				cap = cap ? cap * 2 : 16;
				rd->v = ej_xrealloc(rd->v, cap * sizeof *rd->v);
			}
			rd->v[rd->n++] = ch;
		}
		if (view) {
			/* The old rows' fields stay reachable through oldmap;
			 * view only held pointers into it. */
			free(view);
		}
	}
	/* The changed columns were appended change by change; the array
	 * has stopped moving now. */
	for (i = 0, j = 0; i < rd->n; i++)
		if (rd->v[i].op == EJ_REC_CHANGED) {
			rd->v[i].changed = p->changed + j;
			j += rd->v[i].nchanged;
		}
	*out = rd;
	return 0;
fail:
	ej_recdiff_free(rd);
	return -1;
}

void
ej_recdiff_free(struct ej_recdiff *rd)
{
	if (!rd)
		return;
	if (rd->priv) {
		version_free(&rd->priv->old);
		version_free(&rd->priv->new);
		free(rd->priv->oldmap);
		free(rd->priv->keys);
		free(rd->priv->changed);
		free(rd->priv);
	}
	free(rd->v);
	free(rd->path);
	free(rd);
}

int
ej_rec_same_key(const struct ej_recdiff *a, const struct ej_recchange *x,
    const struct ej_recdiff *b, const struct ej_recchange *y)
{
	const char *const *rx = x->new ? x->new : x->old;
	const char *const *ry = y->new ? y->new : y->old;
	size_t i;

	if (strcmp(a->path, b->path) != 0 || a->nkeys != b->nkeys)
		return 0;
	for (i = 0; i < a->nkeys; i++)
		if (strcmp(a->cols[a->keys[i]], b->cols[b->keys[i]]) != 0 ||
		    cmp_value(rx[a->keys[i]], ry[b->keys[i]]) != 0)
			return 0;
	return 1;
}

/* -------------------------------------------------------------- naming */

/* The class and subject of a journal path ("journal/Y/C/S/f"), as the
 * names the components stand for (pathname.h): out[0], out[1] set to
 * malloc'd strings or NULL. */
static void
journal_parts(const char *path, char *out[2])
{
	const char *p, *q;
	int i;

	out[0] = out[1] = NULL;
	if (strncmp(path, "journal/", 8) != 0)
		return;
	if ((p = strchr(path + 8, '/')) == NULL)
		return;
	for (i = 0, p++; i < 2; i++) {
		if ((q = strchr(p, '/')) == NULL)
			return;
		out[i] = ej_pathname_decode(p, (size_t)(q - p));
		p = q + 1;
	}
}

static const char *const *
rec_of(const struct ej_recchange *c)
{
	return c->new ? c->new : c->old;
}

/* "2020-09-15" → "15.09"; anything else as it is. */
static void
short_date(char out[16], const char *s)
{
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-')
		snprintf(out, 16, "%.2s.%.2s", s + 8, s + 5);
	else
		snprintf(out, 16, "%.15s", s);
}

static void
sb_sep(struct sbuf *b, const char *sep)
{
	if (b->len)
		sb_add(b, sep);
}

char *
ej_rec_name(const struct ej_recdiff *rd, const struct ej_recchange *c)
{
	const struct ej_snapfile *f = rd->file;
	const char *const *rec = rec_of(c);
	struct sbuf b = {0};
	char *jp[2], col[64];
	const char *l, *v;
	int i;

	sb_add(&b, _(f->noun ? f->noun : f->kind));
	journal_parts(rd->path, jp);
	for (i = 0; i < 2; i++)
		if (jp[i]) {
			sb_add(&b, " ");
			sb_add(&b, jp[i]);
			free(jp[i]);
		}
	l = f->name_cols ? f->name_cols : f->key_cols;
	while ((l = next_name(l, col, sizeof col)) != NULL) {
		int hash = col[0] == '#';

		if ((v = ej_rec_get(rd, rec, col + hash)) == NULL)
			continue;
		sb_add(&b, hash ? " #" : " ");
		sb_add(&b, v);
	}
	return sb_done(&b);
}

char *
ej_rec_values(const struct ej_recdiff *rd, const char *const *rec)
{
	struct sbuf b = {0};
	char col[64];
	const char *l = rd->file->value_cols, *v;

	while ((l = next_name(l, col, sizeof col)) != NULL)
		if ((v = ej_rec_get(rd, rec, col)) != NULL) {
			sb_sep(&b, " ");
			sb_add(&b, v);
		}
	return sb_done(&b);
}

/* Who or what a change is about, in short: "Петров Пётр, Алгебра 15.09",
 * "Алгебра 02.09 #1", "Петров Пётр". */
static void
who(struct sbuf *b, const struct ej_recdiff *rd, const char *const *rec)
{
	const struct ej_snapfile *f = rd->file;
	const char *pupil = ej_rec_get(rd, rec, "pupil");
	const char *l, *v;
	char *jp[2], col[64], dd[16];
	struct sbuf rest = {0};

	journal_parts(rd->path, jp);
	if (jp[1])
		sb_add(&rest, jp[1]);
	free(jp[0]);
	free(jp[1]);
	l = f->name_cols ? f->name_cols : f->key_cols;
	while ((l = next_name(l, col, sizeof col)) != NULL) {
		int hash = col[0] == '#';

		if (pupil && strcmp(col, "pupil") == 0)
			continue;
		if ((v = ej_rec_get(rd, rec, col + hash)) == NULL)
			continue;
		sb_sep(&rest, " ");
		if (hash)
			sb_add(&rest, "#");
		if (strcmp(col, "date") == 0) {
			short_date(dd, v);
			v = dd;
		}
		sb_add(&rest, v);
	}
	if (pupil) {
		sb_add(b, pupil);
		if (rest.len)
			sb_add(b, ", ");
	}
	if (rest.p)
		sb_add(b, rest.p);
	free(rest.p);
	if (!b->len)	/* nothing names it: the noun */
		sb_add(b, _(f->noun ? f->noun : f->kind));
}

static int
in_list(const char *list, const char *name)
{
	char col[64];

	while ((list = next_name(list, col, sizeof col)) != NULL)
		if (strcmp(col, name) == 0)
			return 1;
	return 0;
}

static int
bookkeeping(const char *col)
{
	return strcmp(col, "entered_by") == 0 ||
	    strcmp(col, "entered_at") == 0 || strcmp(col, "reason") == 0;
}

static const char *
shown(const char *v)
{
	return v && *v ? v : "—";
}

char *
ej_rec_describe(const struct ej_recdiff *rd, const struct ej_recchange *c)
{
	const struct ej_snapfile *f = rd->file;
	struct sbuf b = {0}, delta = {0};
	const char *reason = NULL;
	char *t, *vals;
	size_t i;
	int pass, reason_shown = 0;

	who(&b, rd, rec_of(c));
	switch (c->op) {
	case EJ_REC_ADDED:
	case EJ_REC_REMOVED:
		vals = ej_rec_values(rd, rec_of(c));
		t = ej_xasprintf(c->op == EJ_REC_ADDED ? _("added %s") :
		    _("removed %s"), vals);
		/* No values: the word alone. */
		if (!*vals)
			t[strlen(t) - (t[strlen(t) - 1] == ' ')] = '\0';
		sb_add(&delta, t);
		free(t);
		free(vals);
		break;
	case EJ_REC_CHANGED:
		/* The values first, then other columns; bookkeeping only
		 * when nothing else changed. */
		for (pass = 0; pass < 3 && !delta.len; pass++) {
			for (i = 0; i < c->nchanged; i++) {
				size_t k = c->changed[i];
				const char *col = rd->cols[k];
				int isval = in_list(f->value_cols, col);

				if (pass < 2 && bookkeeping(col))
					continue;
				if (pass == 0 && !isval)
					continue;
				if (pass == 2 && strcmp(col, "reason") == 0)
					reason_shown = 1;
				sb_sep(&delta, "; ");
				if (isval)
					t = ej_xasprintf(_("%s → %s"),
					    shown(c->old[k]), shown(c->new[k]));
				else
					t = ej_xasprintf(_("%s: %s → %s"), col,
					    shown(c->old[k]), shown(c->new[k]));
				sb_add(&delta, t);
				free(t);
			}
			if (pass == 0 && delta.len) {
				/* Other columns changed along with the
				 * values: them too. */
				for (i = 0; i < c->nchanged; i++) {
					const char *col =
					    rd->cols[c->changed[i]];

					if (bookkeeping(col) ||
					    in_list(f->value_cols, col))
						continue;
					t = ej_xasprintf(_("%s: %s → %s"), col,
					    shown(c->old[c->changed[i]]),
					    shown(c->new[c->changed[i]]));
					sb_add(&delta, "; ");
					sb_add(&delta, t);
					free(t);
				}
			}
		}
		break;
	}
	sb_add(&b, ": ");
	sb_add(&b, sb_done(&delta));
	free(delta.p);
	/* The reason, when the change gave it: a new record's, or one that
	 * changed with it (not a mark's old reason under a pupil's rename). */
	if (c->op == EJ_REC_ADDED)
		reason = ej_rec_get(rd, c->new, "reason");
	else if (c->op == EJ_REC_CHANGED && !reason_shown)
		for (i = 0; i < c->nchanged; i++)
			if (strcmp(rd->cols[c->changed[i]], "reason") == 0)
				reason = ej_rec_get(rd, c->new, "reason");
	if (reason) {
		t = ej_xasprintf(_(", reason: %s"), reason);
		sb_add(&b, t);
		free(t);
	}
	return sb_done(&b);
}
