/*
 * gradebook — marks and attendance in bulk: long and wide imports,
 * exports, attendance by the day; see gradebook.h.
 *
 * An import is one pass over the file inside the write transaction: each
 * record is checked and, when good, applied at once through the journal;
 * a bad one is reported and counted, and the caller rolls the whole run
 * back. What does not change during a run is looked up once: classes,
 * subjects and work types (the journal's caches and ours), each pupil
 * reference of a class with the days it is in that class, each lesson,
 * and, for a sheet, each column's stored cells. A cell that already holds
 * what the file says is not written at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gradebook.h"
#include "i18n.h"
#include "roster.h"
#include "sheet.h"
#include "store.h"
#include "text.h"
#include "who.h"

/* ---------------------------------------------------------------- columns */

enum {
	G_CLASS, G_SUBJECT, G_DATE, G_LESSON, G_SUBGROUP, G_PUPIL,
	G_PUPIL_NAME, G_SEQ, G_MARK, G_WORK, G_REASON, G_NCOLS
};
enum {
	A_CLASS, A_SUBJECT, A_DATE, A_LESSON, A_SUBGROUP, A_PUPIL,
	A_PUPIL_NAME, A_CODE, A_REASON, A_NCOLS
};

static const char *const class_aka[] = { "класс", NULL };
static const char *const subject_aka[] = { "предмет", NULL };
static const char *const date_aka[] = { "дата", NULL };
static const char *const lesson_aka[] = { "урок", "номер урока", "№ урока",
	NULL };
static const char *const subgroup_aka[] = { "подгруппа", "группа", NULL };
static const char *const pupil_aka[] = { "ученик", "обучающийся",
	"учащийся", "фио", NULL };
static const char *const pupil_name_aka[] = { "фио ученика", NULL };
static const char *const seq_aka[] = { "номер отметки", NULL };
static const char *const mark_aka[] = { "отметка", "оценка", NULL };
static const char *const work_aka[] = { "вид работы", "тип работы",
	"work_type", NULL };
static const char *const reason_aka[] = { "причина", "основание", NULL };
static const char *const code_aka[] = { "код", "посещаемость", "пропуск",
	"attendance", NULL };

static const struct ej_csv_col grade_cols[G_NCOLS] = {
	[G_CLASS] = { "class", class_aka, 1 },
	[G_SUBJECT] = { "subject", subject_aka, 1 },
	[G_DATE] = { "date", date_aka, 1 },
	[G_LESSON] = { "lesson", lesson_aka, 0 },
	[G_SUBGROUP] = { "subgroup", subgroup_aka, 0 },
	[G_PUPIL] = { "pupil", pupil_aka, 1 },
	[G_PUPIL_NAME] = { "pupil_name", pupil_name_aka, 0 },
	[G_SEQ] = { "seq", seq_aka, 0 },
	[G_MARK] = { "mark", mark_aka, 1 },
	[G_WORK] = { "work", work_aka, 0 },
	[G_REASON] = { "reason", reason_aka, 0 },
};

static const struct ej_csv_col attend_cols[A_NCOLS] = {
	[A_CLASS] = { "class", class_aka, 1 },
	[A_SUBJECT] = { "subject", subject_aka, 0 },
	[A_DATE] = { "date", date_aka, 1 },
	[A_LESSON] = { "lesson", lesson_aka, 0 },
	[A_SUBGROUP] = { "subgroup", subgroup_aka, 0 },
	[A_PUPIL] = { "pupil", pupil_aka, 1 },
	[A_PUPIL_NAME] = { "pupil_name", pupil_name_aka, 0 },
	[A_CODE] = { "code", code_aka, 1 },
	[A_REASON] = { "reason", reason_aka, 0 },
};

const struct ej_csv_col *
ej_gb_columns(int kind, int wide, size_t *n)
{
	if (wide) {
		*n = 0;
		return NULL;
	}
	if (kind == EJ_GB_ATTEND) {
		*n = A_NCOLS;
		return attend_cols;
	}
	*n = G_NCOLS;
	return grade_cols;
}

void
ej_gb_result_free(struct ej_gb_result *r)
{
	if (!r)
		return;
	free(r->what);
	r->what = NULL;
}

/* ------------------------------------------------------------ the run */

/* A pupil's stored cell in one lesson (a sheet's column). */
struct old {
	struct ej_journal_cell c;
	int seen;                /* a row of the sheet named the pupil */
};

/* Bits of a lesson's cells a long file has named, by the pupil's index
 * in the class (struct pupil's local): three a pupil (seq 1, seq 2, the
 * attendance code); the first 128 inline. */
#define INLINE_BITS 128

struct lesson {
	long long cls, subj, id;
	int sub, date, num;
	int looked;              /* asked the store whether it exists */
	int created;             /* made by this run: nothing stored in it */
	int loaded;              /* old[] holds its stored cells (sheets) */
	long made_line;          /* the record that made it */
	struct old *old;         /* by pupil (sheets) */
	size_t nold;
	uint64_t bits[INLINE_BITS / 64];
	uint64_t *more;          /* bits from INLINE_BITS on */
	size_t nmore;            /* words in more */
};

struct pupil {
	long long cls, id;
	char *ref;
	int *iv;                 /* [start, end] pairs of days in cls */
	size_t niv;
	unsigned local;          /* the pupil's index in cls, 0.. */
};

/* A class's pupils met so far, for their local indexes. */
struct clspupils {
	long long cls;
	unsigned n;
};

/* A duplicate whose first line is not known during the pass: found by a
 * second, silent pass over the file (dup_pass). */
struct pend {
	size_t li;
	long long pupil;
	int part;
	long line, first;
};
#define PEND_MAX EJ_DIAG_CAP

/* A string's last value and what it resolved to. */
struct memo {
	char s[64];
	long long id;
	int ok;
};

struct pair {
	long long cls, subj;
	int may;                 /* 1 allowed, -1 refused (reported) */
	int touched;             /* a good record was for it */
	int changed;             /* and changed something */
};

/* Open addressing over entry indexes (+1; 0 is empty). */
struct ix {
	uint32_t *slot;
	size_t cap, n;
};

/* Keys seen in this file, with the line of each. */
struct seen {
	uint64_t *key;
	long *line;
	size_t cap, n;
};

struct gb {
	struct ej_journal *j;
	struct ej_store *s;
	struct ej_diag *d;
	const struct ej_gb_opts *o;
	struct ej_journal_stats *st;
	struct ej_sheet sh;
	struct lesson *les;
	size_t nles, caples;
	struct ix lix;
	struct pupil *pup;
	size_t npup, cappup;
	struct ix pix;
	struct seen seen;        /* sheets: the rows' pupils */
	struct clspupils *clp;
	size_t nclp;
	/* the long file's current lesson: its cells (cur_li == SIZE_MAX:
	 * none), and the line of each cell bit set while it is current */
	size_t cur_li;
	struct ej_journal_cell *cur;
	size_t ncur, capcur;
	size_t lines_li;
	long *lines;
	size_t nlines;
	struct pend pend[PEND_MAX];
	size_t npend;
	unsigned long npend_more;
	int replay;              /* dup_pass: find first lines, write nothing */
	struct memo m_class, m_subject, m_date, m_work, m_lesson;
	struct { long long subj; char text[8]; struct ej_cell c; } m_marks[16];
	size_t nm_marks;
	struct pair *pairs;
	size_t npairs, lastpair;
	struct { char *name; long long id; } works[32];
	size_t nworks;
	long long default_work;
	unsigned long bad;
};

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Grow ix to hold n + 1 entries, rehashing with hash_of(i). */
static void
ix_grow(struct ix *x, uint64_t (*hash_of)(const void *, size_t),
    const void *base)
{
	size_t cap, i, k;
	uint32_t *slot;

	if ((x->n + 1) * 2 <= x->cap)
		return;
	cap = x->cap ? x->cap * 2 : 64;
	slot = ej_xcalloc(cap, sizeof *slot);
	for (i = 0; i < x->cap; i++) {
		if (!x->slot[i])
			continue;
		k = hash_of(base, x->slot[i] - 1) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = x->slot[i];
	}
	free(x->slot);
	x->slot = slot;
	x->cap = cap;
}

static uint64_t
lesson_hash(long long cls, long long subj, int sub, int date, int num)
{
	return mix((uint64_t)cls * 1000003u ^ (uint64_t)subj * 10007u ^
	    (uint64_t)date << 8 ^ (uint64_t)num << 4 ^ (uint64_t)sub);
}

static uint64_t
lesson_hash_of(const void *base, size_t i)
{
	const struct lesson *l = (const struct lesson *)base + i;

	return lesson_hash(l->cls, l->subj, l->sub, l->date, l->num);
}

/* The run's entry for a lesson (not yet looked up in the store). */
static size_t
lesson_entry(struct gb *g, long long cls, long long subj, int sub, int date,
    int num)
{
	struct lesson *l;
	size_t k;

	if (g->lix.cap) {
		k = lesson_hash(cls, subj, sub, date, num) & (g->lix.cap - 1);
		for (; g->lix.slot[k]; k = (k + 1) & (g->lix.cap - 1)) {
			l = &g->les[g->lix.slot[k] - 1];
			if (l->cls == cls && l->subj == subj && l->sub == sub &&
			    l->date == date && l->num == num)
				return g->lix.slot[k] - 1;
		}
	}
	if (g->nles == g->caples) {
		g->caples = g->caples ? g->caples * 2 : 64;
		g->les = ej_xrealloc(g->les, g->caples * sizeof *g->les);
	}
	l = &g->les[g->nles];
	memset(l, 0, sizeof *l);
	l->cls = cls;
	l->subj = subj;
	l->sub = sub;
	l->date = date;
	l->num = num;
	ix_grow(&g->lix, lesson_hash_of, g->les);
	k = lesson_hash(cls, subj, sub, date, num) & (g->lix.cap - 1);
	while (g->lix.slot[k])
		k = (k + 1) & (g->lix.cap - 1);
	g->lix.slot[k] = (uint32_t)(g->nles + 1);
	g->lix.n++;
	return g->nles++;
}

/* Whether the store has the lesson (its id then in l->id). */
static int
lesson_look(struct gb *g, struct lesson *l, const struct ej_where *w)
{
	long long id;

	if (l->looked)
		return 0;
	id = ej_journal_lesson(g->j, l->cls, l->subj, l->sub, l->date, l->num,
	    0, 0, NULL, w);
	if (id < 0)
		return -1;
	l->id = id;
	l->looked = 1;
	return 0;
}

/* The lesson, made now when the store has none. */
static int
lesson_make(struct gb *g, struct lesson *l, const struct ej_where *w)
{
	int created = 0;
	long long id;

	if (lesson_look(g, l, w) < 0)
		return -1;
	if (l->id)
		return 0;
	id = ej_journal_lesson(g->j, l->cls, l->subj, l->sub, l->date, l->num,
	    1, 0, &created, w);
	if (id <= 0)
		return -1;
	l->id = id;
	l->created = created;
	l->made_line = w ? w->line : 0;
	if (created)
		g->st->lessons_added++;
	return 0;
}

static const char old_sql[] =
    "SELECT pupil_id, seq, mark, work_id FROM marks WHERE lesson_id = ?1 "
    "UNION ALL SELECT pupil_id, 0, code, 0 FROM attendance WHERE "
    "lesson_id = ?1 ORDER BY 1, 2";

/* Fold one row of old_sql into c. */
static void
old_row(sqlite3_stmt *st, struct ej_journal_cell *c)
{
	c->pupil = sqlite3_column_int64(st, 0);
	ej_journal_cell_put(c, sqlite3_column_int(st, 1),
	    (const char *)sqlite3_column_text(st, 2),
	    sqlite3_column_int64(st, 3));
}

/* A sheet's column: every stored cell of its lesson, once. */
static int
lesson_load(struct gb *g, struct lesson *l)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (l->loaded || !l->id || l->created) {
		l->loaded = 1;
		return 0;
	}
	if (ej_journal_flush_lesson(g->j, l->id) < 0 ||
	    (st = ej_store_prepare(g->s, old_sql, g->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, l->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long p = sqlite3_column_int64(st, 0);

		if (!l->nold || l->old[l->nold - 1].c.pupil != p) {
			if (l->nold == cap) {
				cap = cap ? cap * 2 : 32;
				l->old = ej_xrealloc(l->old, cap * sizeof *l->old);
			}
			memset(&l->old[l->nold++], 0, sizeof *l->old);
		}
		old_row(st, &l->old[l->nold - 1].c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(g->s, g->d, _("cannot read the journal"));
	l->loaded = 1;
	return 0;
}

static struct old *
old_find(struct lesson *l, long long pupil)
{
	size_t lo = 0, hi = l->nold, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (l->old[mid].c.pupil < pupil)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nold && l->old[lo].c.pupil == pupil ? &l->old[lo] :
	    NULL;
}

/*
 * A long file's cell of pupil in lesson li: the lesson's stored cells are
 * read at once when li becomes the current lesson (none for a lesson not
 * in the store yet), and kept as the journal writes them. Only the
 * current lesson's are held.
 */
static struct ej_journal_cell *
cur_cell(struct gb *g, size_t li, long long pupil)
{
	struct lesson *l = &g->les[li];
	sqlite3_stmt *st;
	size_t lo, hi, mid;
	int rc;

	if (g->cur_li != li) {
		g->ncur = 0;
		g->cur_li = SIZE_MAX;
		if (l->id) {
			if (ej_journal_flush_lesson(g->j, l->id) < 0 ||
			    (st = ej_store_prepare(g->s, old_sql, g->d)) == NULL)
				return NULL;
			sqlite3_bind_int64(st, 1, l->id);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				long long p = sqlite3_column_int64(st, 0);

				if (!g->ncur || g->cur[g->ncur - 1].pupil != p) {
					if (g->ncur == g->capcur) {
						g->capcur = g->capcur ?
						    g->capcur * 2 : 32;
						g->cur = ej_xrealloc(g->cur,
						    g->capcur * sizeof *g->cur);
					}
					memset(&g->cur[g->ncur++], 0,
					    sizeof *g->cur);
				}
				old_row(st, &g->cur[g->ncur - 1]);
			}
			sqlite3_reset(st);
			if (rc != SQLITE_DONE) {
				ej_store_sqlerr(g->s, g->d,
				    _("cannot read the journal"));
				return NULL;
			}
		}
		g->cur_li = li;
	}
	lo = 0;
	hi = g->ncur;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->cur[mid].pupil < pupil)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->ncur && g->cur[lo].pupil == pupil)
		return &g->cur[lo];
	/* none stored: an empty cell, kept in order for the writes */
	if (g->ncur == g->capcur) {
		g->capcur = g->capcur ? g->capcur * 2 : 32;
		g->cur = ej_xrealloc(g->cur, g->capcur * sizeof *g->cur);
	}
	memmove(&g->cur[lo + 1], &g->cur[lo], (g->ncur - lo) * sizeof *g->cur);
	g->ncur++;
	memset(&g->cur[lo], 0, sizeof *g->cur);
	g->cur[lo].pupil = pupil;
	return &g->cur[lo];
}

/* --------------------------------------------------------------- pupils */

static uint64_t
pupil_hash(long long cls, const char *ref)
{
	return mix(hash_str(ref) ^ (uint64_t)cls * 0x9e3779b97f4a7c15ULL);
}

static uint64_t
pupil_hash_of(const void *base, size_t i)
{
	const struct pupil *p = (const struct pupil *)base + i;

	return pupil_hash(p->cls, p->ref);
}

/* The days pupil is in cls, from the membership events. */
static int
pupil_days(struct gb *g, struct pupil *p)
{
	sqlite3_stmt *st;
	int rc, start, prev = 0, in = 0;

	if ((st = ej_store_prepare(g->s, "SELECT start, class_id FROM "
	    "membership WHERE pupil_id = ? ORDER BY start", g->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ej_date_parse_iso((const char *)sqlite3_column_text(st, 0),
		    &start) < 0)
			continue;
		if (in)
			p->iv[2 * p->niv - 1] = start - 1;
		in = sqlite3_column_type(st, 1) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 1) == p->cls;
		if (in) {
			p->iv = ej_xrealloc(p->iv, (p->niv + 1) * 2 *
			    sizeof *p->iv);
			p->iv[2 * p->niv] = start;
			p->iv[2 * p->niv + 1] = 0x7fffffff;
			p->niv++;
		}
		prev = start;
	}
	(void)prev;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(g->s, g->d, _("cannot read the roster"));
	return 0;
}

static int
pupil_in(const struct pupil *p, int date)
{
	size_t i;

	for (i = 0; i < p->niv; i++)
		if (date >= p->iv[2 * i] && date <= p->iv[2 * i + 1])
			return 1;
	return 0;
}

static void gerr(struct gb *g, const struct ej_where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A data error at w, after the sheet's column when there is one. */
static void
gerr(struct gb *g, const struct ej_where *w, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (g->sh.col)
		ej_error(g->d, EJ_EXIT_DATAERR, w->file, w->line, 0, "%s: %s",
		    g->sh.col, msg);
	else
		ej_error(g->d, EJ_EXIT_DATAERR, w->file, w->line, 0, "%s", msg);
}

/* The pupil's index in cls: the same for every reference to them. */
static unsigned
pupil_local(struct gb *g, long long cls, long long id)
{
	size_t i;

	for (i = 0; i < g->npup; i++)
		if (g->pup[i].cls == cls && g->pup[i].id == id)
			return g->pup[i].local;
	for (i = 0; i < g->nclp; i++)
		if (g->clp[i].cls == cls)
			return g->clp[i].n++;
	g->clp = ej_xrealloc(g->clp, (g->nclp + 1) * sizeof *g->clp);
	g->clp[g->nclp].cls = cls;
	g->clp[g->nclp++].n = 1;
	return 0;
}

/*
 * The pupil that ref names in cls, who must be in it on date: resolved
 * once per class and reference (with the days the pupil is in the
 * class), each failure reported at w. NULL when bad.
 */
static struct pupil *
pupil_of(struct gb *g, long long cls, const char *ref, int date,
    const struct ej_where *w)
{
	struct pupil *p;
	long long id;
	size_t k;

	if (g->pix.cap) {
		k = pupil_hash(cls, ref) & (g->pix.cap - 1);
		for (; g->pix.slot[k]; k = (k + 1) & (g->pix.cap - 1)) {
			p = &g->pup[g->pix.slot[k] - 1];
			if (p->cls == cls && strcmp(p->ref, ref) == 0) {
				char day[EJ_DATE_LEN];

				if (pupil_in(p, date))
					return p;
				ej_date_format(date, day);
				gerr(g, w, _("%s is not in %s on %s"), ref,
				    ej_journal_class_name(g->j, cls), day);
				return NULL;
			}
		}
	}
	if ((id = ej_journal_pupil(g->j, ref, cls, date, w)) == 0)
		return NULL;
	if (g->npup == g->cappup) {
		g->cappup = g->cappup ? g->cappup * 2 : 64;
		g->pup = ej_xrealloc(g->pup, g->cappup * sizeof *g->pup);
	}
	p = &g->pup[g->npup];
	memset(p, 0, sizeof *p);
	p->cls = cls;
	p->id = id;
	p->ref = ej_xstrdup(ref);
	if (pupil_days(g, p) < 0) {
		free(p->ref);
		free(p->iv);
		return NULL;
	}
	p->local = pupil_local(g, cls, id);
	ix_grow(&g->pix, pupil_hash_of, g->pup);
	k = pupil_hash(cls, ref) & (g->pix.cap - 1);
	while (g->pix.slot[k])
		k = (k + 1) & (g->pix.cap - 1);
	g->pix.slot[k] = (uint32_t)(g->npup + 1);
	g->pix.n++;
	g->npup++;
	return p;
}

/* ---------------------------------------------------------- duplicates */

/* 0 and remembered, or the line that had key first. */
static long
seen_add(struct seen *sn, uint64_t key, long line)
{
	size_t k, i, cap;
	uint64_t *nk;
	long *nl;

	key = key ? key : 1;
	if ((sn->n + 1) * 2 > sn->cap) {
		cap = sn->cap ? sn->cap * 2 : 1024;
		nk = ej_xcalloc(cap, sizeof *nk);
		nl = ej_xcalloc(cap, sizeof *nl);
		for (i = 0; i < sn->cap; i++) {
			if (!sn->key[i])
				continue;
			k = mix(sn->key[i]) & (cap - 1);
			while (nk[k])
				k = (k + 1) & (cap - 1);
			nk[k] = sn->key[i];
			nl[k] = sn->line[i];
		}
		free(sn->key);
		free(sn->line);
		sn->key = nk;
		sn->line = nl;
		sn->cap = cap;
	}
	for (k = mix(key) & (sn->cap - 1); sn->key[k]; k = (k + 1) &
	    (sn->cap - 1))
		if (sn->key[k] == key)
			return sn->line[k];
	sn->key[k] = key;
	sn->line[k] = line;
	sn->n++;
	return 0;
}

/*
 * A long file's cell part (1, 2: the marks; 3: the attendance code) of
 * pupil p in lesson li, met at line: 0 the first time; else the line that
 * named it first — known while li is the current lesson, which its rows
 * usually are; otherwise the line is found after the pass (dup_pass), and
 * -1 is returned with the duplicate kept for it. Memory: bits a lesson,
 * and lines for one lesson, never an entry a record.
 */
static long
seen_cell(struct gb *g, size_t li, const struct pupil *p, int part,
    long line)
{
	struct lesson *l = &g->les[li];
	size_t bit = (size_t)p->local * 3 + (size_t)(part - 1), k;
	uint64_t *word, mask = (uint64_t)1 << (bit % 64);

	if (bit < INLINE_BITS)
		word = &l->bits[bit / 64];
	else {
		size_t wi = (bit - INLINE_BITS) / 64;

		if (wi >= l->nmore) {
			l->more = ej_xrealloc(l->more, (wi + 1) *
			    sizeof *l->more);
			memset(l->more + l->nmore, 0, (wi + 1 - l->nmore) *
			    sizeof *l->more);
			l->nmore = wi + 1;
		}
		word = &l->more[wi];
	}
	if (g->lines_li != li) {
		if (g->nlines)
			memset(g->lines, 0, g->nlines * sizeof *g->lines);
		g->lines_li = li;
	}
	if (bit >= g->nlines) {
		k = g->nlines;
		g->nlines = (bit + 1) * 2;
		g->lines = ej_xrealloc(g->lines, g->nlines * sizeof *g->lines);
		memset(g->lines + k, 0, (g->nlines - k) * sizeof *g->lines);
	}
	if (!(*word & mask)) {
		*word |= mask;
		g->lines[bit] = line;
		if (g->replay)
			for (k = 0; k < g->npend; k++)
				if (!g->pend[k].first && g->pend[k].li == li &&
				    g->pend[k].pupil == p->id &&
				    g->pend[k].part == part)
					g->pend[k].first = line;
		return 0;
	}
	if (g->lines[bit])
		return g->lines[bit];
	if (g->replay)
		return -1;
	if (g->npend < PEND_MAX) {
		g->pend[g->npend].li = li;
		g->pend[g->npend].pupil = p->id;
		g->pend[g->npend].part = part;
		g->pend[g->npend].line = line;
		g->pend[g->npend++].first = 0;
	} else
		g->npend_more++;
	return -1;
}

/* A duplicate cell at w: reported now when its first line is known. */
static int
dup_cell(struct gb *g, size_t li, const struct pupil *p, int part,
    const struct ej_where *w)
{
	long first = seen_cell(g, li, p, part, w->line);

	if (first > 0 && !g->replay)
		gerr(g, w, _("the same pupil and lesson as on line %ld"), first);
	return first != 0;
}

/* ------------------------------------------------------ names and rights */

static long long
work_of(struct gb *g, const char *name, const struct ej_where *w)
{
	long long id;
	size_t i;

	if (!name || !*name)
		return 0;
	for (i = 0; i < g->nworks; i++)
		if (strcmp(g->works[i].name, name) == 0)
			return g->works[i].id;
	if ((id = ej_journal_work(g->j, name, w)) == 0)
		return 0;
	if (g->nworks < sizeof g->works / sizeof g->works[0]) {
		g->works[g->nworks].name = ej_xstrdup(name);
		g->works[g->nworks++].id = id;
	}
	return id;
}

static struct pair *
pair_of(struct gb *g, long long cls, long long subj)
{
	size_t i;

	if (g->npairs && g->pairs[g->lastpair].cls == cls &&
	    g->pairs[g->lastpair].subj == subj)
		return &g->pairs[g->lastpair];
	for (i = 0; i < g->npairs; i++)
		if (g->pairs[i].cls == cls && g->pairs[i].subj == subj) {
			g->lastpair = i;
			return &g->pairs[i];
		}
	g->pairs = ej_xrealloc(g->pairs, (g->npairs + 1) * sizeof *g->pairs);
	memset(&g->pairs[g->npairs], 0, sizeof *g->pairs);
	g->pairs[g->npairs].cls = cls;
	g->pairs[g->npairs].subj = subj;
	g->lastpair = g->npairs;
	return &g->pairs[g->npairs++];
}

/* The class teacher of cls keeps its attendance, whatever the subject. */
static int
class_teacher(struct gb *g, long long cls)
{
	const struct ej_actor *a = ej_store_actor(g->s);
	sqlite3_stmt *st;
	int yes = 0;

	if (!(a->roles & EJ_ROLE_CLASSTEACHER))
		return 0;
	if ((st = ej_store_prepare(g->s, "SELECT 1 FROM classes WHERE id = ? "
	    "AND teacher_id = ?", g->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int64(st, 2, a->staff_id);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

/* May the acting person write cls × subj? Refusals are reported once. */
static int
may(struct gb *g, long long cls, long long subj, const struct ej_where *w)
{
	struct pair *p = pair_of(g, cls, subj);

	if (p->may == 0) {
		if (g->o->kind == EJ_GB_ATTEND && class_teacher(g, cls))
			p->may = 1;
		else
			p->may = ej_journal_may_write(g->j, cls, subj, w) < 0 ?
			    -1 : 1;
	}
	return p->may > 0 ? 0 : -1;
}

/* --------------------------------------------------------------- changes */

/* A change as a line for people (dry runs). */
static void logc(struct gb *g, int op, const struct lesson *l,
    long long pupil, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
logc(struct gb *g, int op, const struct lesson *l, long long pupil,
    const char *fmt, ...)
{
	FILE *f = g->o->changes;
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	va_list ap;

	if (!f)
		return;
	ej_date_format(l->date, day);
	fprintf(f, "  %c %s %s", op, ej_journal_class_name(g->j, l->cls),
	    ej_journal_subject_name(g->j, l->subj));
	if (l->sub)
		fprintf(f, _(" (subgroup %d)"), l->sub);
	fprintf(f, " %s", day);
	if (l->num > 1)
		fprintf(f, "#%d", l->num);
	if ((st = ej_store_prepare(g->s, "SELECT surname || ' ' || name FROM "
	    "pupils WHERE id = ?", g->d)) != NULL) {
		sqlite3_bind_int64(st, 1, pupil);
		if (sqlite3_step(st) == SQLITE_ROW)
			fprintf(f, " %s", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	fputs(": ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static const char *
work_name(struct gb *g, long long id)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < g->nworks; i++)
		if (g->works[i].id == id)
			return g->works[i].name;
	if (g->nworks >= sizeof g->works / sizeof g->works[0] ||
	    (st = ej_store_prepare(g->s, "SELECT name FROM work_types WHERE "
	    "id = ?", g->d)) == NULL)
		return "?";
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		g->works[g->nworks].name = ej_xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		g->works[g->nworks].id = id;
		sqlite3_reset(st);
		return g->works[g->nworks++].name;
	}
	sqlite3_reset(st);
	return "?";
}

/* What a record asks of one pupil's cell in one lesson. */
struct want {
	int has[2];
	char mark[2][16];
	char code[8];
	long long work;          /* 0: the stored mark's, else the default */
	int marks_exact;         /* marks it lacks are removed (--replace) */
	int code_exact;          /* so is a code it lacks */
};

/*
 * Bring the cell of pupil in lesson l to what wt asks: removals first
 * (--replace), then the code, then the marks, so that a mark beside н
 * meets the journal's rule whichever came first. Only what differs is
 * written, each change through the journal. 0, or -1 (reported).
 */
static int
apply(struct gb *g, size_t li, long long pupil, const struct want *wt,
    const char *reason, const struct ej_where *w)
{
	struct ej_journal_cell none, *op = &none;
	struct lesson *l = &g->les[li];
	struct ej_journal_stats before = *g->st;
	long long work;
	int i, rc, bad = 0;

	memset(&none, 0, sizeof none);
	none.pupil = pupil;
	if (lesson_look(g, l, w) < 0)
		return -1;
	if (g->o->wide) {
		struct old *o;

		if (l->loaded && (o = old_find(l, pupil)) != NULL) {
			o->seen = 1;
			op = &o->c;
		}
	} else if ((op = cur_cell(g, li, pupil)) == NULL)
		return -1;
	for (i = 1; i >= 0; i--) {
		char was[16];

		if (!wt->marks_exact || !op->has[i] || wt->has[i])
			continue;
		memcpy(was, op->mark[i], sizeof was);
		rc = ej_journal_drop_mark(g->j, l->id, pupil, i + 1, reason, op,
		    g->st, w);
		if (rc < 0)
			bad = 1;
		else if (rc == 0)
			logc(g, '-', l, pupil, "%s", was);
	}
	if (wt->code_exact && op->code[0] && !wt->code[0]) {
		char was[8];

		memcpy(was, op->code, sizeof was);
		if (ej_journal_put_absence(g->j, l->id, pupil, NULL, reason, 0, op,
		    g->st, w) < 0)
			bad = 1;
		else
			logc(g, '-', l, pupil, "%s", was);
	}
	if (bad)
		return -1;
	if (wt->code[0] && strcmp(wt->code, op->code) != 0) {
		char was[8];

		if (lesson_make(g, l, w) < 0)
			return -1;
		memcpy(was, op->code, sizeof was);
		if (ej_journal_put_absence(g->j, l->id, pupil, wt->code, reason,
		    g->o->force, op, g->st, w) < 0)
			bad = 1;
		else if (was[0])
			logc(g, '~', l, pupil, "%s → %s", was, wt->code);
		else
			logc(g, '+', l, pupil, "%s", wt->code);
	}
	for (i = 0; i < 2; i++) {
		struct ej_journal_cell was;

		if (!wt->has[i])
			continue;
		work = wt->work ? wt->work : op->has[i] ? op->work[i] :
		    g->default_work;
		if (op->has[i] && strcmp(op->mark[i], wt->mark[i]) == 0 &&
		    op->work[i] == work)
			continue;
		if (lesson_make(g, l, w) < 0)
			return -1;
		was = *op;
		if (ej_journal_put_mark(g->j, l->id, l->subj, pupil, i + 1,
		    wt->mark[i], work, reason, g->o->force, op, g->st, w) < 0)
			bad = 1;
		else if (!g->o->changes)
			continue;
		else if (!was.has[i])
			logc(g, '+', l, pupil, "%s (%s)", wt->mark[i],
			    work_name(g, work));
		else if (strcmp(was.mark[i], wt->mark[i]) != 0)
			logc(g, '~', l, pupil, "%s → %s", was.mark[i],
			    wt->mark[i]);
		else {
			char *wn = ej_xstrdup(work_name(g, was.work[i]));

			logc(g, '~', l, pupil, "%s (%s → %s)", wt->mark[i], wn,
			    work_name(g, work));
			free(wn);
		}
	}
	if (memcmp(&before, g->st, sizeof before) != 0)
		pair_of(g, l->cls, l->subj)->changed = 1;
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------ cell input */

/* A cell of a known column, or NULL. */
static const char *
cell(const struct ej_csv_record *rec, size_t col)
{
	const char *v = ej_csv_get(rec, col);

	return v && *v ? v : NULL;
}

static const char *
need(struct gb *g, const struct ej_csv_record *rec, size_t col,
    const char *name)
{
	const char *v = cell(rec, col);

	if (!v) {
		ej_error(g->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    _("%s is empty"), name);
		return NULL;
	}
	return v;
}

/* A small number cell: lo..hi, def when empty; -1 with an error. */
static int
number(struct gb *g, const struct ej_where *w, const char *v,
    const char *what, int lo, int hi, int def)
{
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (end == v || *end || n < lo || n > hi) {
		gerr(g, w, _("%s: \"%s\" is not a number from %d to %d"), what,
		    v, lo, hi);
		return -1;
	}
	return (int)n;
}

/* ------------------------------------------------------------ long marks */

/* Whether v is m's last value (then its id in *id). */
static int
memo_hit(const struct memo *m, const char *v, long long *id)
{
	if (!m->ok || strcmp(m->s, v) != 0)
		return 0;
	*id = m->id;
	return 1;
}

static void
memo_set(struct memo *m, const char *v, long long id)
{
	size_t n = strlen(v);

	m->ok = n < sizeof m->s;
	if (m->ok) {
		memcpy(m->s, v, n + 1);
		m->id = id;
	}
}

/* A name as the journal resolves it (look), the last one remembered in m:
 * a long file's rows come a class, subject and lesson at a time. */
static long long
memo_of(struct gb *g, struct memo *m, const char *v, const struct ej_where *w,
    long long (*look)(struct ej_journal *, const char *,
    const struct ej_where *))
{
	long long id;

	if (memo_hit(m, v, &id))
		return id;
	if ((id = look(g->j, v, w)) != 0)
		memo_set(m, v, id);
	return id;
}

static int
date_of(struct gb *g, const char *v, int *out, const struct ej_where *w)
{
	long long id;

	if (memo_hit(&g->m_date, v, &id)) {
		*out = (int)id;
		return 0;
	}
	if (ej_journal_date(g->j, v, out, w) < 0)
		return -1;
	memo_set(&g->m_date, v, *out);
	return 0;
}

/* A long file's mark cell of subj, parsed as the sheets' cells are. */
static int
mark_cell(struct gb *g, long long subj, const char *v, struct ej_cell *c,
    const struct ej_where *w)
{
	size_t n = strlen(v), i;

	/* the few cells a subject's file is made of, each parsed once */
	for (i = 0; i < g->nm_marks; i++)
		if (g->m_marks[i].subj == subj &&
		    strcmp(g->m_marks[i].text, v) == 0) {
			*c = g->m_marks[i].c;
			return 0;
		}
	if (ej_sheet_cell(&g->sh, g->j, subj, v, EJ_CELL_MARKS |
	    EJ_CELL_CODES, c, w) < 0)
		return -1;
	if (n < sizeof g->m_marks[0].text) {
		/* full: the subject's slot is taken over */
		i = g->nm_marks < sizeof g->m_marks / sizeof g->m_marks[0] ?
		    g->nm_marks++ : (size_t)(subj % 16);
		g->m_marks[i].subj = subj;
		memcpy(g->m_marks[i].text, v, n + 1);
		g->m_marks[i].c = *c;
	}
	return 0;
}

/* The run's lesson entry, the last one remembered. */
static size_t
lesson_of(struct gb *g, long long cls, long long subj, int sub, int date,
    int num)
{
	struct lesson *l;

	if (g->m_lesson.ok) {
		l = &g->les[g->m_lesson.id];
		if (l->cls == cls && l->subj == subj && l->sub == sub &&
		    l->date == date && l->num == num)
			return (size_t)g->m_lesson.id;
	}
	g->m_lesson.id = (long long)lesson_entry(g, cls, subj, sub, date, num);
	g->m_lesson.ok = 1;
	return (size_t)g->m_lesson.id;
}

static void
grade_row(struct gb *g, const struct ej_csv_record *rec)
{
	struct ej_where w = {rec->file, rec->line};
	const char *cs, *ss, *ds, *ps, *ms, *ws, *reason;
	long long cls = 0, subj = 0, work = 0;
	struct pupil *p = NULL;
	struct ej_cell c;
	struct want wt;
	size_t li;
	int date = 0, num, sub, seq, bad = 0, i;

	cs = need(g, rec, G_CLASS, "class");
	ss = need(g, rec, G_SUBJECT, "subject");
	ds = need(g, rec, G_DATE, "date");
	ps = need(g, rec, G_PUPIL, "pupil");
	ms = need(g, rec, G_MARK, "mark");
	if (!cs || !ss || !ds || !ps || !ms)
		bad = 1;
	if (cs && (cls = memo_of(g, &g->m_class, cs, &w,
	    ej_journal_class)) == 0)
		bad = 1;
	if (ss && (subj = memo_of(g, &g->m_subject, ss, &w,
	    ej_journal_subject)) == 0)
		bad = 1;
	if (ds && date_of(g, ds, &date, &w) < 0)
		bad = 1;
	num = number(g, &w, cell(rec, G_LESSON), "lesson", 1, 9, 1);
	sub = number(g, &w, cell(rec, G_SUBGROUP), "subgroup", 0, 9, 0);
	seq = number(g, &w, cell(rec, G_SEQ), "seq", 1, 2, 0);
	if (num < 0 || sub < 0 || seq < 0)
		bad = 1;
	if ((ws = cell(rec, G_WORK)) != NULL) {
		if (!memo_hit(&g->m_work, ws, &work)) {
			if ((work = work_of(g, ws, &w)) == 0)
				bad = 1;
			else
				memo_set(&g->m_work, ws, work);
		}
	}
	if (subj && ms && mark_cell(g, subj, ms, &c, &w) < 0)
		bad = 1;
	else if (ms && subj && seq > 0 && (c.nmarks != 1 || c.code[0])) {
		gerr(g, &w, _("with seq, the mark cell holds one mark: "
		    "\"%s\""), ms);
		bad = 1;
	}
	if (cls && date && ps && (p = pupil_of(g, cls, ps, date, &w)) == NULL)
		bad = 1;
	if (bad) {
		g->bad++;
		return;
	}
	if (may(g, cls, subj, &w) < 0) {
		g->bad++;
		return;
	}
	pair_of(g, cls, subj)->touched = 1;
	li = lesson_of(g, cls, subj, sub, date, num);
	memset(&wt, 0, sizeof wt);
	for (i = 0; i < c.nmarks; i++) {
		int s = seq ? seq : i + 1;

		wt.has[s - 1] = 1;
		memcpy(wt.mark[s - 1], c.mark[i], sizeof wt.mark[0]);
	}
	memcpy(wt.code, c.code, sizeof wt.code);
	wt.work = work;
	for (i = 1; i <= 3; i++) {
		if (i < 3 ? !wt.has[i - 1] : !wt.code[0])
			continue;
		if (dup_cell(g, li, p, i, &w)) {
			g->bad++;
			return;
		}
	}
	if (g->replay)
		return;
	reason = cell(rec, G_REASON) ? cell(rec, G_REASON) : g->o->reason;
	if (apply(g, li, p->id, &wt, reason, &w) < 0)
		g->bad++;
}

/* ------------------------------------------------------------ attendance */

/* The lesson of the class's timetable slot num on date: its subject,
 * subgroup and number among that subject's lessons that day. */
static int
timetable_slot(struct gb *g, long long cls, int date, int slot,
    long long *subj, int *sub, int *num, const struct ej_where *w)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	int n = 0;

	ej_date_format(date, day);
	if ((st = ej_store_prepare(g->s, "SELECT subject_id, subgroup FROM "
	    "timetable WHERE class_id = ? AND weekday = ? AND lesson = ?",
	    g->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int(st, 2, ej_date_weekday(date));
	sqlite3_bind_int(st, 3, slot);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*subj = sqlite3_column_int64(st, 0);
		*sub = sqlite3_column_int(st, 1);
		n++;
	}
	sqlite3_reset(st);
	if (n == 0) {
		gerr(g, w, _("%s has no lesson %d on %s in the timetable: give "
		    "the subject"), ej_journal_class_name(g->j, cls), slot, day);
		return -1;
	}
	if (n > 1) {
		gerr(g, w, _("lesson %d of %s on %s is taught in subgroups: "
		    "give the subject and subgroup"), slot,
		    ej_journal_class_name(g->j, cls), day);
		return -1;
	}
	if ((st = ej_store_prepare(g->s, "SELECT count(*) FROM timetable "
	    "WHERE class_id = ? AND weekday = ? AND lesson < ? AND "
	    "subject_id = ? AND subgroup = ?", g->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int(st, 2, ej_date_weekday(date));
	sqlite3_bind_int(st, 3, slot);
	sqlite3_bind_int64(st, 4, *subj);
	sqlite3_bind_int(st, 5, *sub);
	*num = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) + 1 :
	    1;
	sqlite3_reset(st);
	return 0;
}

/* Every stored lesson of cls on date (of subj when not 0), as entries. */
static int
day_lessons(struct gb *g, long long cls, long long subj, int date,
    size_t **out, size_t *n, const struct ej_where *w)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	int rc;

	*out = NULL;
	*n = 0;
	ej_date_format(date, day);
	if ((st = ej_store_prepare(g->s, "SELECT id, subject_id, subgroup, "
	    "num FROM lessons WHERE class_id = ?1 AND date = ?2 AND (?3 = 0 OR "
	    "subject_id = ?3) ORDER BY subject_id, subgroup, num",
	    g->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, subj);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t li = lesson_entry(g, cls, sqlite3_column_int64(st, 1),
		    sqlite3_column_int(st, 2), date, sqlite3_column_int(st, 3));

		g->les[li].id = sqlite3_column_int64(st, 0);
		g->les[li].looked = 1;
		*out = ej_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = li;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		return ej_store_sqlerr(g->s, g->d, _("cannot read the journal"));
	}
	if (*n == 0) {
		if (subj)
			gerr(g, w, _("%s has no %s lessons on %s"),
			    ej_journal_class_name(g->j, cls),
			    ej_journal_subject_name(g->j, subj), day);
		else
			gerr(g, w, _("%s has no lessons on %s: give the "
			    "subject"), ej_journal_class_name(g->j, cls), day);
		return -1;
	}
	return 0;
}

/*
 * One attendance record: code (NULL: clear) for pupil in class on date,
 * in the subject's lesson num, or every lesson of the day (day, or no
 * subject and no num), or the timetable's lesson num (no subject).
 * Counts a bad record; 1 when clearing found nothing.
 */
static int
attend_record(struct gb *g, const char *cs, const char *ds, const char *ps,
    const char *code, const char *ss, int sub, int num, int day,
    const char *reason, const struct ej_where *w)
{
	long long cls = 0, subj = 0;
	struct pupil *p = NULL;
	struct want wt;
	char cd[8] = "";
	size_t *ls = NULL, nls = 0, i, one;
	unsigned long removed = g->st->abs_removed;
	int daylist = 0, date = 0, bad = 0, lsub = sub, lnum = num ? num : 1;

	if ((cls = ej_journal_class(g->j, cs, w)) == 0)
		bad = 1;
	if (ss && (subj = ej_journal_subject(g->j, ss, w)) == 0)
		bad = 1;
	if (ej_journal_date(g->j, ds, &date, w) < 0)
		bad = 1;
	if (code && ej_journal_code(code, cd) < 0) {
		gerr(g, w, _("\"%s\" is not an attendance code: н, у, б or оп"),
		    code);
		bad = 1;
	}
	if (cls && date && (p = pupil_of(g, cls, ps, date, w)) == NULL)
		bad = 1;
	if (bad)
		goto bad;
	if (subj && !day) {
		one = lesson_entry(g, cls, subj, sub, date, lnum);
		ls = &one;
		nls = 1;
	} else if (!subj && !day && num) {
		if (timetable_slot(g, cls, date, num, &subj, &lsub, &lnum, w) < 0)
			goto bad;
		one = lesson_entry(g, cls, subj, lsub, date, lnum);
		ls = &one;
		nls = 1;
	} else {
		daylist = 1;
		if (day_lessons(g, cls, subj, date, &ls, &nls, w) < 0)
			goto bad;
	}
	memset(&wt, 0, sizeof wt);
	memcpy(wt.code, cd, sizeof wt.code);
	wt.code_exact = code == NULL;
	for (i = 0; i < nls; i++) {
		struct lesson *l = &g->les[ls[i]];

		if (may(g, l->cls, l->subj, w) < 0) {
			bad = 1;
			continue;
		}
		pair_of(g, l->cls, l->subj)->touched = 1;
		/* the second pass sees the lessons the whole file made:
		 * a day's list only those made before this record */
		if (g->replay && daylist && l->created && l->made_line >= w->line)
			continue;
		if (dup_cell(g, ls[i], p, 3, w)) {
			bad = 1;
			continue;
		}
		if (g->replay)
			continue;
		if (!code && (lesson_look(g, l, w) < 0 || !l->id))
			continue;
		if (apply(g, ls[i], p->id, &wt, reason, w) < 0)
			bad = 1;
	}
	if (ls != &one)
		free(ls);
	if (bad)
		goto bad;
	return !code && g->st->abs_removed == removed;
bad:
	g->bad++;
	return -1;
}

static void
attend_row(struct gb *g, const struct ej_csv_record *rec)
{
	struct ej_where w = {rec->file, rec->line};
	const char *cs, *ds, *ps, *code;
	int num, sub;

	cs = need(g, rec, A_CLASS, "class");
	ds = need(g, rec, A_DATE, "date");
	ps = need(g, rec, A_PUPIL, "pupil");
	code = need(g, rec, A_CODE, "code");
	num = number(g, &w, cell(rec, A_LESSON), "lesson", 1, 9, 0);
	sub = number(g, &w, cell(rec, A_SUBGROUP), "subgroup", 0, 9, 0);
	if (!cs || !ds || !ps || !code || num < 0 || sub < 0) {
		g->bad++;
		return;
	}
	attend_record(g, cs, ds, ps, code, cell(rec, A_SUBJECT), sub, num, 0,
	    cell(rec, A_REASON) ? cell(rec, A_REASON) : g->o->reason, &w);
}

/* ------------------------------------------------------------ wide sheets */

/* A row's raw cell, trimmed, into a new string ("" when none). */
static char *
trimmed(const struct ej_csv_record *rec, size_t j)
{
	const char *v = ej_csv_field(rec, j);
	char *s = v ? ej_text_squeeze(v) : NULL;

	return s ? s : ej_xstrdup("");
}

/* The cells of one pupil's row. */
static void
wide_row(struct gb *g, long long cls, long long subj, const size_t *colles,
    struct ej_cell *cells, const struct ej_csv_record *rec)
{
	struct ej_where w = {rec->file, rec->line};
	const struct ej_sheet *sh = &g->sh;
	unsigned allow = g->o->kind == EJ_GB_ATTEND ? EJ_CELL_CODES :
	    EJ_CELL_MARKS | EJ_CELL_CODES;
	struct pupil *p = NULL;
	struct want wt;
	char *ref = trimmed(rec, sh->pupil);
	long long pid = 0;
	size_t i, nonempty = 0;
	long first;
	int rowbad = 0, date = 0;

	for (i = sh->pupil + 1; i < sh->ncols; i++) {
		if (sh->cols[i].kind != EJ_SHEET_LESSON)
			continue;
		ej_sheet_column(&g->sh, g->j, sh->cols[i].heading);
		if (ej_sheet_cell(&g->sh, g->j, subj, ej_csv_field(rec, i),
		    allow, &cells[i], &w) < 0)
			rowbad = 1;
		else if (!ej_cell_empty(&cells[i]) && nonempty++ == 0)
			date = sh->cols[i].date;
	}
	ej_sheet_column(&g->sh, g->j, NULL);
	if (!*ref) {
		if (nonempty)
			gerr(g, &w, _("no pupil in column %zu"), sh->pupil + 1);
		if (nonempty || rowbad)
			g->bad++;
		free(ref);
		return;
	}
	if (!nonempty && !g->o->replace) {
		if (rowbad)
			g->bad++;
		free(ref);
		return;
	}
	if (nonempty) {
		if ((p = pupil_of(g, cls, ref, date, &w)) != NULL)
			pid = p->id;
	} else {
		/* A row emptied for --replace: the pupil, whatever the day. */
		for (i = sh->pupil + 1; i < sh->ncols; i++)
			if (sh->cols[i].kind == EJ_SHEET_LESSON)
				break;
		pid = ej_roster_find_pupil_in(g->s, ref, cls, sh->cols[i].date,
		    w.file, w.line, g->d);
		if (pid == 0)
			gerr(g, &w, _("unknown pupil \"%s\""), ref);
	}
	if (pid <= 0) {
		g->bad++;
		free(ref);
		return;
	}
	/* no lesson in the key's top bits: the row's pupil */
	if ((first = seen_add(&g->seen, ((uint64_t)pid & 0xffffffffu) << 2,
	    rec->line)) != 0) {
		gerr(g, &w, _("the same pupil as on line %ld"), first);
		rowbad = 1;
	}
	if (rowbad) {
		g->bad++;
		free(ref);
		return;
	}
	for (i = sh->pupil + 1; i < sh->ncols; i++) {
		struct lesson *l;
		int k;

		if (sh->cols[i].kind != EJ_SHEET_LESSON)
			continue;
		if (ej_cell_empty(&cells[i]) && !g->o->replace)
			continue;
		ej_sheet_column(&g->sh, g->j, sh->cols[i].heading);
		if (!ej_cell_empty(&cells[i]) && !pupil_in(p, sh->cols[i].date)) {
			char day[EJ_DATE_LEN];

			ej_date_format(sh->cols[i].date, day);
			gerr(g, &w, _("%s is not in %s on %s"), ref,
			    ej_journal_class_name(g->j, cls), day);
			g->bad++;
			continue;
		}
		l = &g->les[colles[i]];
		if (lesson_look(g, l, &w) < 0 || lesson_load(g, l) < 0) {
			g->bad++;
			continue;
		}
		if (ej_cell_empty(&cells[i]) && !l->id)
			continue;
		memset(&wt, 0, sizeof wt);
		for (k = 0; k < cells[i].nmarks; k++) {
			wt.has[k] = 1;
			memcpy(wt.mark[k], cells[i].mark[k], sizeof wt.mark[k]);
		}
		memcpy(wt.code, cells[i].code, sizeof wt.code);
		wt.work = sh->cols[i].work_id;
		wt.marks_exact = g->o->replace && g->o->kind == EJ_GB_MARKS;
		wt.code_exact = g->o->replace;
		if (apply(g, colles[i], pid, &wt, g->o->reason, &w) < 0)
			g->bad++;
	}
	ej_sheet_column(&g->sh, g->j, NULL);
	free(ref);
}

/* "15.09, Петров Пётр (not in the sheet)": where a removal happens. */
static char *
pupil_label(struct gb *g, const char *heading, long long pupil)
{
	sqlite3_stmt *st;
	char *out = NULL;

	if ((st = ej_store_prepare(g->s, "SELECT surname || ' ' || name FROM "
	    "pupils WHERE id = ?", g->d)) != NULL) {
		sqlite3_bind_int64(st, 1, pupil);
		if (sqlite3_step(st) == SQLITE_ROW)
			out = ej_xasprintf(_("%s, %s (not in the sheet)"),
			    heading, sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	return out ? out : ej_xasprintf(_("%s, pupil %lld (not in the sheet)"),
	    heading, pupil);
}

/* --replace: the cells of pupils the sheet does not name are emptied. */
static void
wide_rest(struct gb *g, const size_t *colles, long hline, const char *file)
{
	struct ej_where w = {file, hline};
	const struct ej_sheet *sh = &g->sh;
	struct want wt;
	size_t i, k;

	memset(&wt, 0, sizeof wt);
	wt.marks_exact = g->o->kind == EJ_GB_MARKS;
	wt.code_exact = 1;
	for (i = sh->pupil + 1; i < sh->ncols; i++) {
		struct lesson *l;

		if (sh->cols[i].kind != EJ_SHEET_LESSON)
			continue;
		l = &g->les[colles[i]];
		if (lesson_look(g, l, &w) < 0 || lesson_load(g, l) < 0) {
			g->bad++;
			continue;
		}
		for (k = 0; k < l->nold; k++) {
			struct old *o = &l->old[k];
			char *col;

			if (o->seen || (!o->c.code[0] && (!wt.marks_exact ||
			    (!o->c.has[0] && !o->c.has[1]))))
				continue;
			col = pupil_label(g, sh->cols[i].heading, o->c.pupil);
			ej_sheet_column(&g->sh, g->j, col);
			if (apply(g, colles[i], o->c.pupil, &wt, g->o->reason,
			    &w) < 0)
				g->bad++;
			ej_sheet_column(&g->sh, g->j, NULL);
			free(col);
		}
	}
}

static int
import_wide(struct gb *g, struct ej_csv_reader *r)
{
	const struct ej_gb_opts *o = g->o;
	const char *const *hdr;
	struct ej_csv_record *rec;
	struct ej_cell *cells;
	long long cls, subj;
	size_t n, i, *colles;
	int rc;

	cls = ej_journal_class(g->j, o->class_name, NULL);
	subj = ej_journal_subject(g->j, o->subject, NULL);
	if (!cls || !subj)
		return -1;
	if (may(g, cls, subj, NULL) < 0)
		return -1;
	pair_of(g, cls, subj)->touched = 1;
	hdr = ej_csv_header(r, &n);
	if ((rc = ej_sheet_init(&g->sh, g->j, hdr, n, ej_csv_name(r),
	    ej_csv_header_line(r), g->d)) < 0)
		return -1;
	if (rc > 0)
		g->bad++;
	colles = ej_xcalloc(n, sizeof *colles);
	cells = ej_xcalloc(n, sizeof *cells);
	for (i = 0; i < n; i++)
		if (g->sh.cols[i].kind == EJ_SHEET_LESSON)
			colles[i] = lesson_entry(g, cls, subj, o->subgroup,
			    g->sh.cols[i].date, g->sh.cols[i].num);
	while ((rc = ej_csv_next(r, &rec, g->d)) > 0)
		wide_row(g, cls, subj, colles, cells, rec);
	if (rc == 0 && o->replace)
		wide_rest(g, colles, ej_csv_header_line(r), ej_csv_name(r));
	free(colles);
	free(cells);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------- the run */

static void
gb_init(struct gb *g, struct ej_journal *j, const struct ej_gb_opts *o,
    struct ej_gb_result *res, struct ej_diag *d)
{
	memset(g, 0, sizeof *g);
	memset(res, 0, sizeof *res);
	g->j = j;
	g->s = ej_journal_store(j);
	g->d = d;
	g->o = o;
	g->st = &res->st;
	g->cur_li = g->lines_li = SIZE_MAX;
	ej_sheet_reset(&g->sh, d);
	g->default_work = ej_journal_work(j, NULL, NULL);
}

static void
gb_free(struct gb *g)
{
	size_t i;

	for (i = 0; i < g->nles; i++) {
		free(g->les[i].old);
		free(g->les[i].more);
	}
	free(g->les);
	free(g->clp);
	free(g->cur);
	free(g->lines);
	free(g->lix.slot);
	for (i = 0; i < g->npup; i++) {
		free(g->pup[i].ref);
		free(g->pup[i].iv);
	}
	free(g->pup);
	free(g->pix.slot);
	free(g->seen.key);
	free(g->seen.line);
	free(g->pairs);
	for (i = 0; i < g->nworks; i++)
		free(g->works[i].name);
	ej_sheet_free(&g->sh);
}

/* "5А Алгебра", or "5А Алгебра, 5Б Физика, 6А История and 3 more": the
 * pairs the run changed (all it met when it changed none). */
static char *
what_of(struct gb *g)
{
	char *out = NULL, *t;
	size_t i, shown = 0, more = 0;
	int any = 0;

	for (i = 0; i < g->npairs; i++)
		any |= g->pairs[i].changed;
	for (i = 0; i < g->npairs; i++) {
		if (!g->pairs[i].touched || (any && !g->pairs[i].changed))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		t = ej_xasprintf("%s%s%s %s", out ? out : "", out ? ", " : "",
		    ej_journal_class_name(g->j, g->pairs[i].cls),
		    ej_journal_subject_name(g->j, g->pairs[i].subj));
		free(out);
		out = t;
		shown++;
	}
	if (more) {
		t = ej_xasprintf(_("%s and %zu more"), out, more);
		free(out);
		out = t;
	}
	return out;
}

/*
 * The duplicates whose first line the pass could not name: a second pass
 * over the file from its start, silent and writing nothing, finds each
 * first line as the first pass met it (the same checks, bits cleared),
 * then each is reported, after the pass's other errors.
 */
static void
dup_pass(struct gb *g, struct ej_csv_reader *r)
{
	struct ej_diag saved = *g->d;
	struct ej_csv_reader *r2 = NULL;
	struct ej_csv_record *rec;
	unsigned long bad = g->bad, i;
	FILE *null;
	size_t k;

	if ((null = fopen("/dev/null", "w")) != NULL) {
		g->d->out = null;
		for (k = 0; k < g->nles; k++) {
			memset(g->les[k].bits, 0, sizeof g->les[k].bits);
			if (g->les[k].more)
				memset(g->les[k].more, 0, g->les[k].nmore *
				    sizeof *g->les[k].more);
		}
		g->lines_li = SIZE_MAX;
		g->replay = 1;
		if (ej_csv_reopen(&r2, r, g->d) == 0)
			while (ej_csv_next(r2, &rec, g->d) > 0 &&
			    rec->line < g->pend[g->npend - 1].line) {
				if (g->o->kind == EJ_GB_ATTEND)
					attend_row(g, rec);
				else
					grade_row(g, rec);
			}
		ej_csv_reader_free(r2);
		g->replay = 0;
		fclose(null);
		*g->d = saved;
		g->bad = bad;
	}
	for (k = 0; k < g->npend; k++) {
		struct ej_where w = {ej_csv_name(r), g->pend[k].line};

		if (g->pend[k].first)
			gerr(g, &w, _("the same pupil and lesson as on line %ld"),
			    g->pend[k].first);
		else
			gerr(g, &w, _("the same pupil and lesson as on an "
			    "earlier line"));
	}
	/* past the list's cap: counted, never shown */
	for (i = 0; i < g->npend_more; i++)
		ej_error(g->d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("the same pupil and lesson as on an earlier line"));
}

int
ej_gb_import(struct ej_journal *j, struct ej_csv_reader *r,
    const struct ej_gb_opts *o, struct ej_gb_result *res, struct ej_diag *d)
{
	struct ej_csv_record *rec;
	struct gb g;
	int rc = 0;

	gb_init(&g, j, o, res, d);
	ej_journal_batch(j, 1);
	if (o->wide)
		rc = import_wide(&g, r);
	else {
		while ((rc = ej_csv_next(r, &rec, d)) > 0) {
			if (o->kind == EJ_GB_ATTEND)
				attend_row(&g, rec);
			else
				grade_row(&g, rec);
		}
		if (rc == 0 && g.npend)
			dup_pass(&g, r);
	}
	if (ej_journal_batch(j, 0) < 0)
		g.bad++;
	res->what = what_of(&g);
	if (rc < 0 || g.bad || ej_csv_bad(r))
		rc = -1;
	gb_free(&g);
	return rc;
}

int
ej_gb_attend_one(struct ej_journal *j, const char *class_name,
    const char *date, const char *pupil, const char *code,
    const char *subject, int subgroup, int num, int day,
    const struct ej_gb_opts *o, struct ej_gb_result *res, struct ej_diag *d)
{
	struct ej_where w = {NULL, 0};
	struct gb g;
	int rc;

	gb_init(&g, j, o, res, d);
	rc = attend_record(&g, class_name, date, pupil, code, subject,
	    subgroup, num, day, o->reason, &w);
	res->what = what_of(&g);
	gb_free(&g);
	return rc;
}

/* ----------------------------------------------------------------- export */

struct range {
	int lo, hi;                /* days */
	char from[EJ_DATE_LEN], to[EJ_DATE_LEN];
};

static int
date_opt(struct ej_journal *j, const char *opt, const char *v, int *out,
    struct ej_diag *d)
{
	if (!v)
		return 0;
	if (ej_date_parse(v, ej_journal_year(j), out) < 0)
		return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s: \"%s\" is not a date"), opt, v);
	return 0;
}

/* The period N of cls's parallel's scheme, narrowing rg. */
static int
period_range(struct ej_journal *j, long long cls, int period,
    struct range *rg, struct ej_diag *d)
{
	struct ej_store *s = ej_journal_store(j);
	sqlite3_stmt *st;
	int a = 0, b = 0, found = 0;

	if ((st = ej_store_prepare(s, "SELECT p.start, p.end FROM periods p "
	    "JOIN classes c ON c.year_id = p.year_id JOIN period_schemes ps "
	    "ON ps.year_id = p.year_id AND ps.parallel = c.parallel AND "
	    "ps.scheme = p.scheme WHERE c.id = ? AND p.num = ?", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int(st, 2, period);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    ej_date_parse_iso((const char *)sqlite3_column_text(st, 0), &a) ==
	    0 && ej_date_parse_iso((const char *)sqlite3_column_text(st, 1),
	    &b) == 0)
		found = 1;
	sqlite3_reset(st);
	if (!found)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s has no period %d"), ej_journal_class_name(j, cls),
		    period);
	if (a > rg->lo)
		rg->lo = a;
	if (b < rg->hi)
		rg->hi = b;
	return 0;
}

static int
export_long(struct ej_journal *j, int kind, long long cls, long long subj,
    const struct ej_gb_filter *f, const struct range *rg,
    struct ej_csv_writer *w, struct ej_diag *d)
{
	static const char grade_sql[] =
	    "SELECT c.name, s.name, l.date, l.num, nullif(l.subgroup, 0), "
	    "x.pupil_id, p.surname || ' ' || p.name, x.seq, x.mark, t.name "
	    "FROM marks x "
	    "JOIN lessons l ON l.id = x.lesson_id "
	    "JOIN classes c ON c.id = l.class_id "
	    "JOIN subjects s ON s.id = l.subject_id "
	    "JOIN pupils p ON p.id = x.pupil_id "
	    "JOIN work_types t ON t.id = x.work_id ";
	static const char attend_sql[] =
	    "SELECT c.name, s.name, l.date, l.num, nullif(l.subgroup, 0), "
	    "x.pupil_id, p.surname || ' ' || p.name, x.code FROM attendance x "
	    "JOIN lessons l ON l.id = x.lesson_id "
	    "JOIN classes c ON c.id = l.class_id "
	    "JOIN subjects s ON s.id = l.subject_id "
	    "JOIN pupils p ON p.id = x.pupil_id ";
	static const char where_sql[] =
	    "WHERE c.year_id = ?1 AND (?2 = 0 OR l.class_id = ?2) AND "
	    "(?3 = 0 OR l.subject_id = ?3) AND l.date BETWEEN ?4 AND ?5 AND "
	    "(?6 < 0 OR l.subgroup = ?6) AND (?7 = 0 OR EXISTS (SELECT 1 FROM "
	    "periods r JOIN period_schemes ps ON ps.year_id = r.year_id AND "
	    "ps.scheme = r.scheme WHERE r.year_id = c.year_id AND "
	    "ps.parallel = c.parallel AND r.num = ?7 AND l.date BETWEEN "
	    "r.start AND r.end)) ORDER BY c.parallel, c.letter, s.id, l.date, "
	    "l.num, l.subgroup, p.surname, p.name, x.pupil_id";
	struct ej_store *s = ej_journal_store(j);
	const struct ej_csv_col *cols;
	sqlite3_stmt *st;
	char *sql;
	size_t ncols, i;
	int rc, ncol;

	cols = ej_gb_columns(kind, 0, &ncols);
	sql = ej_xasprintf("%s%s%s", kind == EJ_GB_ATTEND ? attend_sql :
	    grade_sql, where_sql, kind == EJ_GB_ATTEND ? "" : ", x.seq");
	st = ej_store_prepare(s, sql, d);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ej_journal_year_id(j));
	sqlite3_bind_int64(st, 2, cls);
	sqlite3_bind_int64(st, 3, subj);
	sqlite3_bind_text(st, 4, rg->from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, rg->to, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, f->subgroup);
	sqlite3_bind_int(st, 7, f->period);
	/* the columns import reads, without the reason */
	for (i = 0; i + 1 < ncols; i++)
		ej_csv_put(w, cols[i].name);
	ej_csv_end_row(w);
	ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < (size_t)ncol; i++)
			ej_csv_put(w, (const char *)sqlite3_column_text(st,
			    (int)i));
		ej_csv_end_row(w);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the journal"));
	return 0;
}

struct xpupil {
	long long id;
	char *sn_nm, *full, *fold;
	size_t row;
};

struct idmap {
	long long id;
	size_t i;
};

static int
cmp_idmap(const void *a, const void *b)
{
	const struct idmap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static long
idmap_find(const struct idmap *m, size_t n, long long id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && m[lo].id == id ? (long)m[lo].i : -1;
}

static int
export_wide(struct ej_journal *j, int kind, long long cls, long long subj,
    int sub, const struct range *rg, struct ej_csv_writer *w,
    struct ej_diag *d)
{
	struct ej_store *s = ej_journal_store(j);
	long long dflt = ej_journal_work(j, NULL, NULL);
	sqlite3_stmt *st;
	struct xpupil *pp = NULL;
	struct idmap *lmap = NULL, *pmap = NULL;
	struct ej_cell *cells = NULL;
	char **heads = NULL, buf[64];
	size_t np = 0, nl = 0, i, k;
	int rc, ret = -1;

	/* The lessons, one column each, headed with the work type when
	 * all their marks share one that is not the default. */
	if ((st = ej_store_prepare(s, "SELECT l.id, l.date, l.num, (SELECT "
	    "t.name FROM (SELECT min(x.work_id) AS lo, max(x.work_id) AS hi "
	    "FROM marks x WHERE x.lesson_id = l.id) JOIN work_types t ON "
	    "t.id = lo WHERE lo = hi AND lo <> ?6) FROM lessons l WHERE "
	    "l.class_id = ?1 AND l.subject_id = ?2 AND l.subgroup = ?3 AND "
	    "l.date BETWEEN ?4 AND ?5 ORDER BY l.date, l.num", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int64(st, 2, subj);
	sqlite3_bind_int(st, 3, sub);
	sqlite3_bind_text(st, 4, rg->from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, rg->to, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, dflt);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int date = 0;

		ej_date_parse_iso((const char *)sqlite3_column_text(st, 1),
		    &date);
		heads = ej_xrealloc(heads, (nl + 1) * sizeof *heads);
		lmap = ej_xrealloc(lmap, (nl + 1) * sizeof *lmap);
		heads[nl] = ej_sheet_heading_format(date,
		    sqlite3_column_int(st, 2), kind == EJ_GB_ATTEND ? NULL :
		    (const char *)sqlite3_column_text(st, 3));
		lmap[nl].id = sqlite3_column_int64(st, 0);
		lmap[nl].i = nl;
		nl++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ej_store_sqlerr(s, d, _("cannot read the journal"));
		goto out;
	}
	/* The pupils in the class on any day of the range, and any with a
	 * record in these lessons. */
	if ((st = ej_store_prepare(s, "SELECT p.id, p.surname || ' ' || "
	    "p.name, p.surname || ' ' || p.name || CASE WHEN p.patronymic <> "
	    "'' THEN ' ' || p.patronymic ELSE '' END FROM pupils p WHERE "
	    "p.id IN (SELECT m.pupil_id FROM membership m WHERE "
	    "m.class_id = ?1 AND m.start <= ?5 AND coalesce((SELECT "
	    "min(n.start) FROM membership n WHERE n.pupil_id = m.pupil_id AND "
	    "n.start > m.start), '9999-12-31') > ?4 "
	    "UNION SELECT x.pupil_id FROM marks x JOIN lessons l ON "
	    "l.id = x.lesson_id WHERE l.class_id = ?1 AND l.subject_id = ?2 AND "
	    "l.subgroup = ?3 AND l.date BETWEEN ?4 AND ?5 "
	    "UNION SELECT x.pupil_id FROM attendance x JOIN lessons l ON "
	    "l.id = x.lesson_id WHERE l.class_id = ?1 AND l.subject_id = ?2 AND "
	    "l.subgroup = ?3 AND l.date BETWEEN ?4 AND ?5) "
	    "ORDER BY p.surname, p.name, p.patronymic, p.id", d)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, cls);
	sqlite3_bind_int64(st, 2, subj);
	sqlite3_bind_int(st, 3, sub);
	sqlite3_bind_text(st, 4, rg->from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, rg->to, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pp = ej_xrealloc(pp, (np + 1) * sizeof *pp);
		pmap = ej_xrealloc(pmap, (np + 1) * sizeof *pmap);
		pp[np].id = sqlite3_column_int64(st, 0);
		pp[np].sn_nm = ej_xstrdup((const char *)sqlite3_column_text(st,
		    1));
		pp[np].full = ej_xstrdup((const char *)sqlite3_column_text(st,
		    2));
		pp[np].fold = ej_text_fold(pp[np].sn_nm);
		pmap[np].id = pp[np].id;
		pmap[np].i = np;
		np++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ej_store_sqlerr(s, d, _("cannot read the roster"));
		goto out;
	}
	if (nl)
		qsort(lmap, nl, sizeof *lmap, cmp_idmap);
	if (np)
		qsort(pmap, np, sizeof *pmap, cmp_idmap);
	cells = ej_xcalloc(np && nl ? np * nl : 1, sizeof *cells);
	/* The cells: marks by seq (ej-grade), then the attendance code. */
	for (k = kind == EJ_GB_ATTEND ? 1 : 0; k < 2; k++) {
		if ((st = ej_store_prepare(s, k == 0 ?
		    "SELECT x.lesson_id, x.pupil_id, x.seq, x.mark FROM marks x "
		    "JOIN lessons l ON l.id = x.lesson_id WHERE l.class_id = ?1 "
		    "AND l.subject_id = ?2 AND l.subgroup = ?3 AND l.date BETWEEN "
		    "?4 AND ?5 ORDER BY x.lesson_id, x.pupil_id, x.seq" :
		    "SELECT x.lesson_id, x.pupil_id, 0, x.code FROM attendance x "
		    "JOIN lessons l ON l.id = x.lesson_id WHERE l.class_id = ?1 "
		    "AND l.subject_id = ?2 AND l.subgroup = ?3 AND l.date BETWEEN "
		    "?4 AND ?5", d)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, cls);
		sqlite3_bind_int64(st, 2, subj);
		sqlite3_bind_int(st, 3, sub);
		sqlite3_bind_text(st, 4, rg->from, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, rg->to, -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			long li = idmap_find(lmap, nl, sqlite3_column_int64(st, 0));
			long pi = idmap_find(pmap, np, sqlite3_column_int64(st, 1));
			int seq = sqlite3_column_int(st, 2);
			const char *v = (const char *)sqlite3_column_text(st, 3);
			struct ej_cell *c;

			if (li < 0 || pi < 0 || !v)
				continue;
			c = &cells[(size_t)pi * nl + (size_t)li];
			if (seq == 0)
				snprintf(c->code, sizeof c->code, "%s", v);
			else if (c->nmarks < 2)
				snprintf(c->mark[c->nmarks++], sizeof c->mark[0],
				    "%s", v);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ej_store_sqlerr(s, d, _("cannot read the journal"));
			goto out;
		}
	}
	ej_csv_put(w, "pupil");
	for (i = 0; i < nl; i++)
		ej_csv_put(w, heads[i]);
	ej_csv_end_row(w);
	for (i = 0; i < np; i++) {
		/* The name, unless another row has it: then the full name,
		 * or the id. */
		const char *label = pp[i].sn_nm;
		int twice = 0, twice_full = 0;

		for (k = 0; k < np; k++) {
			if (k == i || !pp[i].fold || !pp[k].fold ||
			    strcmp(pp[i].fold, pp[k].fold) != 0)
				continue;
			twice = 1;
			if (strcmp(pp[i].full, pp[k].full) == 0)
				twice_full = 1;
		}
		if (twice && !twice_full)
			label = pp[i].full;
		if (twice && twice_full)
			ej_csv_putf(w, "%lld", pp[i].id);
		else
			ej_csv_put(w, label);
		for (k = 0; k < nl; k++) {
			ej_cell_format(&cells[i * nl + k], buf, sizeof buf);
			ej_csv_put(w, buf);
		}
		ej_csv_end_row(w);
	}
	ret = 0;
out:
	for (i = 0; i < nl; i++)
		free(heads[i]);
	free(heads);
	for (i = 0; i < np; i++) {
		free(pp[i].sn_nm);
		free(pp[i].full);
		free(pp[i].fold);
	}
	free(pp);
	free(lmap);
	free(pmap);
	free(cells);
	return ret;
}

int
ej_gb_export(struct ej_journal *j, int kind, int wide,
    const struct ej_gb_filter *f, struct ej_csv_writer *w,
    struct ej_diag *d)
{
	const struct ej_yearctx *yc = ej_journal_year(j);
	struct ej_store *s = ej_journal_store(j);
	struct range rg;
	long long cls = 0, subj = 0;
	int a = 0, b = 0;

	if (f->class_name && (cls = ej_journal_class(j, f->class_name,
	    NULL)) == 0)
		return -1;
	if (f->subject && (subj = ej_journal_subject(j, f->subject,
	    NULL)) == 0)
		return -1;
	rg.lo = yc->start;
	rg.hi = yc->end;
	if (date_opt(j, "--from", f->from, &a, d) < 0 ||
	    date_opt(j, "--to", f->to, &b, d) < 0)
		return -1;
	if (f->from && a > rg.lo)
		rg.lo = a;
	if (f->to && b < rg.hi)
		rg.hi = b;
	if (f->period && cls && period_range(j, cls, f->period, &rg, d) < 0)
		return -1;
	if (f->period && !cls) {
		sqlite3_stmt *st;
		int n = 0;

		if ((st = ej_store_prepare(s, "SELECT count(*) FROM periods "
		    "WHERE year_id = ? AND num = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, ej_journal_year_id(j));
		sqlite3_bind_int(st, 2, f->period);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (n == 0)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("the year has no period %d"), f->period);
	}
	ej_date_format(rg.lo, rg.from);
	ej_date_format(rg.hi, rg.to);
	if (wide)
		return export_wide(j, kind, cls, subj, f->subgroup < 0 ? 0 :
		    f->subgroup, &rg, w, d);
	return export_long(j, kind, cls, subj, f, &rg, w, d);
}

/* ---------------------------------------------------------------- commands */

void
ej_gb_finish(struct ej_cli *c, const char *what,
    const struct ej_journal_stats *st, const char *reason,
    const char *changes)
{
	char *summary = ej_journal_summary(what, st);

	if (ej_cli_commit(c, summary, reason) > 0 && c->dry_run && changes)
		fputs(changes, stderr);
	free(summary);
}

/* Standard input copied into a temporary file, rewound; NULL with an
 * error. */
static FILE *
spool_stdin(struct ej_diag *d)
{
	char buf[65536];
	FILE *f = tmpfile();
	size_t n;

	if (!f) {
		ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, _("cannot make a "
		    "temporary file: %s"), strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	if (ferror(stdin) || ferror(f) || fflush(f) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		ej_error(d, EJ_EXIT_IOERR, "stdin", 0, 0, "%s",
		    strerror(errno ? errno : EIO));
		fclose(f);
		return NULL;
	}
	return f;
}

_Noreturn void
ej_gb_cli_import(struct ej_cli *c, const char *file,
    const struct ej_csv_opts *in, const struct ej_gb_opts *o)
{
	struct ej_journal *j;
	struct ej_csv_reader *r;
	struct ej_csv_opts io = *in;
	struct ej_gb_opts go = *o;
	struct ej_gb_result res;
	const struct ej_csv_col *cols;
	char *buf = NULL;
	size_t n, len = 0;
	FILE *spool = NULL;
	int rc, fk_off = 0;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	cols = ej_gb_columns(o->kind, o->wide, &n);
	/* A sheet's columns are its own to read: dates, and others. */
	if (o->wide)
		io.quiet_unknown = 1;
	if (!file || strcmp(file, "-") == 0) {
		/* a pipe is read into a temporary file first, so that it can
		 * be read again (dup_pass) */
		if (lseek(STDIN_FILENO, 0, SEEK_CUR) < 0 &&
		    (spool = spool_stdin(&c->d)) == NULL) {
			ej_journal_free(j);
			ej_cli_exit(c);
		}
		rc = ej_csv_open_file(&r, spool ? spool : stdin, cols, n, &io,
		    &c->d);
	} else
		rc = ej_csv_open(&r, file, cols, n, &io, &c->d);
	if (rc < 0) {
		if (spool)
			fclose(spool);
		ej_journal_free(j);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	/*
	 * Every id an import stores is read from the store inside its
	 * transaction (classes, subjects, work types, pupils, lessons) or
	 * is the acting person's, found in staff: the foreign keys' checks
	 * would only look each one up again, four probes a mark. They are
	 * off for the import when that person and the default work type
	 * exist (a mark without one would otherwise be refused by them),
	 * and on again after it. The pragma is a no-op inside a
	 * transaction, so it comes first.
	 */
	if (ej_store_actor(c->s)->staff_id > 0 &&
	    ej_journal_work(j, NULL, NULL) > 0 &&
	    ej_store_exec(c->s, "PRAGMA foreign_keys = OFF", &c->d) == 0)
		fk_off = 1;
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_csv_reader_free(r);
		if (spool)
			fclose(spool);
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (c->dry_run)
		go.changes = open_memstream(&buf, &len);
	rc = ej_gb_import(j, r, &go, &res, &c->d);
	if (go.changes)
		fclose(go.changes);
	if (ej_csv_encoding(r) == EJ_CSV_ENC_CP1251)
		ej_note(&c->d, _("%s: read as CP1251"), ej_csv_name(r));
	ej_csv_reader_free(r);
	if (spool)
		fclose(spool);
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_diag_flush(&c->d);
		ej_note(&c->d, _("nothing was written"));
	} else
		ej_gb_finish(c, res.what, &res.st, o->reason, buf);
	if (fk_off)
		ej_store_exec(c->s, "PRAGMA foreign_keys = ON", &c->d);
	free(buf);
	ej_gb_result_free(&res);
	ej_journal_free(j);
	ej_cli_exit(c);
}

_Noreturn void
ej_gb_cli_export(struct ej_cli *c, int kind, int wide,
    const struct ej_gb_filter *f, const struct ej_csv_wopts *out)
{
	struct ej_journal *j;
	struct ej_csv_writer *w;

	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_csv_writer_new(&w, stdout, out) < 0) {
		ej_error(&c->d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (ej_gb_export(j, kind, wide, f, w, &c->d) == 0)
		ej_csv_writer_finish(w, "stdout", &c->d);
	ej_csv_writer_free(w);
	ej_journal_free(j);
	ej_cli_exit(c);
}

_Noreturn void
ej_gb_cli_import_cmd(struct ej_cli *c, int kind, const char *file,
    const struct ej_gb_cliopts *o)
{
	struct ej_gb_opts go = {0};

	/* --class and --subject name the sheet; a long file names its own. */
	if (o->wide != (o->class_name != NULL) ||
	    o->wide != (o->subject != NULL) || (o->replace && !o->wide) ||
	    (o->subgroup_set && !o->wide))
		ej_cli_usage(c);
	go.kind = kind;
	go.wide = o->wide;
	go.class_name = o->class_name;
	go.subject = o->subject;
	go.subgroup = o->subgroup;
	go.replace = o->replace;
	go.reason = o->reason;
	go.force = o->force;
	ej_gb_cli_import(c, file, &o->in, &go);
}

_Noreturn void
ej_gb_cli_export_cmd(struct ej_cli *c, int kind, const struct ej_gb_cliopts *o)
{
	struct ej_gb_filter f = {0};

	if (o->wide && (!o->class_name || !o->subject))
		ej_cli_usage(c);
	f.class_name = o->class_name;
	f.subject = o->subject;
	f.subgroup = o->subgroup_set ? o->subgroup : (o->wide ? 0 : -1);
	f.period = o->period;
	f.from = o->from;
	f.to = o->to;
	ej_gb_cli_export(c, kind, o->wide, &f, &o->out);
}
