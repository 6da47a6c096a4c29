/*
 * audit_marks — one pass over the year's marks for the rules that need
 * every pupil's marks in order (marks.gap) or summed by period (terms.*).
 *
 * Both are a question per pupil × class × subject: in SQL, a window or a
 * GROUP BY over a million marks sorts them all (1.4 s and 0.75 s on a
 * large school's year, and each terms rule paid it again). Here one
 * SELECT streams the marks joined with their lessons' numbering, and each
 * pupil × class × subject keeps a bitmap of the lessons with a mark and
 * its sums by period; what the rules then read is written to small
 * temporary tables:
 *
 *	temp.au_les (id, cs, ix, class_id, subject_id, subgroup, date,
 *	    pnum): the lessons up to the audit's day, numbered within their
 *	    class × subject × subgroup (cs) by date — marks.two_after_absence
 *	    finds the lesson after an absence by (cs, ix + 1);
 *	temp.au_agg (pupil_id, cid, subject_id, num, n, s, ws): the current
 *	    marks 5..1 of period num (up to the audit's day), their count,
 *	    Σ mark × weight and Σ weight in hundredths — as terms.c computes
 *	    the weighted average;
 *	temp.au_gap (pupil_id, class_id, subject_id, subgroup, date, n,
 *	    after, trailing): runs of more than audit.gap_lessons lessons
 *	    without a mark, between two marks (date: the next mark's lesson)
 *	    or after the last one up to the audit's day (trailing; the rule
 *	    keeps those of pupils still in the class).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "i18n.h"

/* The weights setting, as audit_rules.c reads it. */
#define WEIGHTS "ifnull((SELECT CAST(value AS INTEGER) FROM settings " \
	"WHERE key = 'marks.weights'), 1)"

/* Lessons up to the audit's day: their class × subject × subgroup (cs,
 * dense from 1), their number in it by date (ix, from 1), and the period
 * of the class's scheme they fall in. */
static const char les_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS au_les (id INTEGER PRIMARY KEY, "
    "cs INTEGER, ix INTEGER, class_id INTEGER, subject_id INTEGER, "
    "subgroup INTEGER, date TEXT, pnum INTEGER);"
    "DELETE FROM temp.au_les;"
    "CREATE TEMP TABLE IF NOT EXISTS au_agg (pupil_id INTEGER, cid INTEGER, "
    "subject_id INTEGER, num INTEGER, n INTEGER, s INTEGER, ws INTEGER, "
    "PRIMARY KEY (pupil_id, cid, subject_id, num)) WITHOUT ROWID;"
    "DELETE FROM temp.au_agg;"
    "CREATE TEMP TABLE IF NOT EXISTS au_gap (pupil_id INTEGER, "
    "class_id INTEGER, subject_id INTEGER, subgroup INTEGER, date TEXT, "
    "n INTEGER, after TEXT, trailing INTEGER);"
    "DELETE FROM temp.au_gap;";

static const char les_fill[] =
    "INSERT INTO temp.au_les SELECT l.id, dense_rank() OVER (ORDER BY "
    "l.class_id, l.subject_id, l.subgroup), row_number() OVER (PARTITION "
    "BY l.class_id, l.subject_id, l.subgroup ORDER BY l.date, l.num), "
    "l.class_id, l.subject_id, l.subgroup, l.date, (SELECT p.num FROM "
    "classes c JOIN period_schemes ps ON ps.year_id = c.year_id AND "
    "ps.parallel = c.parallel JOIN periods p ON p.year_id = c.year_id AND "
    "p.scheme = ps.scheme WHERE c.id = l.class_id AND l.date BETWEEN "
    "p.start AND p.end ORDER BY p.num LIMIT 1) FROM lessons l WHERE "
    "l.date <= ?1";

/* Every mark of those lessons: cs, ix, pupil, period, whether it counts
 * for accumulation (the first mark of the cell, not долг), and its value
 * and weight for the average (value NULL: not counted). */
static const char marks_sql[] =
    "SELECT l.cs, l.ix, m.pupil_id, ifnull(l.pnum, 0), m.seq = 1 AND "
    "m.mark <> 'долг', CASE WHEN m.mark GLOB '[1-5]' AND (w.weight > 0 OR "
    "NOT " WEIGHTS ") THEN CAST(m.mark AS INTEGER) END, CASE WHEN " WEIGHTS
    " THEN CAST(round(w.weight * 100) AS INTEGER) ELSE 100 END "
    "FROM temp.au_les l JOIN marks m ON m.lesson_id = l.id JOIN work_types "
    "w ON w.id = m.work_id";

#define NPER 5                  /* period numbers 1..4; 0: none */

struct cs {                     /* a class × subject × subgroup */
	long long class_id, subject_id, subgroup;
	int nles;               /* its lessons up to the audit's day */
	char (*date)[11];       /* date[ix], ix 1..nles */
};

struct ent {                    /* a pupil in a cs */
	long long pupil;
	int cs;                 /* 0: a free slot */
	uint64_t *bits;         /* lessons with a mark, by ix */
	long long n[NPER], s[NPER], ws[NPER];
};

struct pass {
	struct cs *cs;
	int ncs;
	struct ent *e;
	size_t cap, n;
};

static size_t
slot(const struct pass *p, long long pupil, int cs)
{
	uint64_t h = (uint64_t)pupil * 0x9E3779B97F4A7C15ull ^
	    (uint64_t)cs * 0xC2B2AE3D27D4EB4Full;
	size_t i = (size_t)(h >> 17) & (p->cap - 1);

	while (p->e[i].cs && (p->e[i].pupil != pupil || p->e[i].cs != cs))
		i = (i + 1) & (p->cap - 1);
	return i;
}

static struct ent *
entry(struct pass *p, long long pupil, int cs)
{
	size_t i;

	if ((p->n + 1) * 2 > p->cap) {
		struct ent *old = p->e;
		size_t oc = p->cap, k;

		p->cap = oc ? oc * 2 : 4096;
		p->e = ej_xcalloc(p->cap, sizeof *p->e);
		for (k = 0; k < oc; k++)
			if (old[k].cs)
				p->e[slot(p, old[k].pupil, old[k].cs)] = old[k];
		free(old);
	}
	i = slot(p, pupil, cs);
	if (!p->e[i].cs) {
		p->e[i].pupil = pupil;
		p->e[i].cs = cs;
		p->e[i].bits = ej_xcalloc((size_t)p->cs[cs].nles / 64 + 1,
		    sizeof *p->e[i].bits);
		p->n++;
	}
	return &p->e[i];
}

static void
pass_free(struct pass *p)
{
	size_t i;
	int k;

	for (i = 0; i < p->cap; i++)
		free(p->e[i].bits);
	free(p->e);
	for (k = 0; k <= p->ncs; k++)
		free(p->cs[k].date);
	free(p->cs);
}

/* The cs table from temp.au_les. */
static int
load_cs(struct ej_store *s, struct pass *p, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ej_store_db(s), "SELECT cs, ix, class_id, "
	    "subject_id, subgroup, date FROM temp.au_les ORDER BY cs, ix",
	    -1, &st, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, "marks.gap");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int cs = sqlite3_column_int(st, 0), ix = sqlite3_column_int(st, 1);
		const char *date = (const char *)sqlite3_column_text(st, 5);
		struct cs *c;

		if (cs <= 0 || ix <= 0)
			continue;
		if (cs > p->ncs) {
			p->cs = ej_xrealloc(p->cs, ((size_t)cs + 1) *
			    sizeof *p->cs);
			memset(p->cs + p->ncs + 1, 0, (size_t)(cs - p->ncs) *
			    sizeof *p->cs);
			p->ncs = cs;
		}
		c = &p->cs[cs];
		c->class_id = sqlite3_column_int64(st, 2);
		c->subject_id = sqlite3_column_int64(st, 3);
		c->subgroup = sqlite3_column_int64(st, 4);
		/* ix rises by one within a cs (ORDER BY cs, ix) */
		c->date = ej_xrealloc(c->date, ((size_t)ix + 1) *
		    sizeof *c->date);
		snprintf(c->date[ix], sizeof c->date[ix], "%s",
		    date ? date : "");
		c->nles = ix;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ej_store_sqlerr(s, d, "marks.gap");
}

static int
scan_marks(struct ej_store *s, struct pass *p, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ej_store_db(s), marks_sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return ej_store_sqlerr(s, d, "marks.gap");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int cs = sqlite3_column_int(st, 0), ix = sqlite3_column_int(st, 1);
		int per = sqlite3_column_int(st, 3);
		struct ent *e;

		if (cs <= 0 || cs > p->ncs || ix <= 0 || ix > p->cs[cs].nles)
			continue;
		e = entry(p, sqlite3_column_int64(st, 2), cs);
		if (sqlite3_column_int(st, 4))
			e->bits[ix / 64] |= 1ull << (ix % 64);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
		    per > 0 && per < NPER) {
			long long w = sqlite3_column_int64(st, 6);

			e->n[per]++;
			e->s[per] += sqlite3_column_int64(st, 5) * w;
			e->ws[per] += w;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ej_store_sqlerr(s, d, "marks.gap");
}

static int
has(const struct ent *e, int ix)
{
	return (e->bits[ix / 64] >> (ix % 64)) & 1;
}

static int
put_gap(sqlite3_stmt *st, const struct ent *e, const struct cs *c, int ix,
    int n, int after, int trailing)
{
	sqlite3_bind_int64(st, 1, e->pupil);
	sqlite3_bind_int64(st, 2, c->class_id);
	sqlite3_bind_int64(st, 3, c->subject_id);
	sqlite3_bind_int64(st, 4, c->subgroup);
	sqlite3_bind_text(st, 5, c->date[ix], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, n);
	sqlite3_bind_text(st, 7, c->date[after], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, trailing);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	sqlite3_reset(st);
	return 0;
}

/* The two tables from the entries. */
static int
write_out(struct ej_store *s, struct pass *p, int gap, struct ej_diag *d)
{
	sqlite3 *db = ej_store_db(s);
	sqlite3_stmt *ag = NULL, *gp = NULL;
	size_t i;
	int k, rc = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO temp.au_agg VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET n = n + excluded.n, "
	    "s = s + excluded.s, ws = ws + excluded.ws", -1, &ag, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "INSERT INTO temp.au_gap "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &gp, NULL) !=
	    SQLITE_OK) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < p->cap && rc == 0; i++) {
		const struct ent *e = &p->e[i];
		const struct cs *c;
		int prev = 0, ix;

		if (!e->cs)
			continue;
		c = &p->cs[e->cs];
		/* Subgroups of one class × subject add up. */
		for (k = 1; k < NPER && rc == 0; k++) {
			if (!e->n[k])
				continue;
			sqlite3_bind_int64(ag, 1, e->pupil);
			sqlite3_bind_int64(ag, 2, c->class_id);
			sqlite3_bind_int64(ag, 3, c->subject_id);
			sqlite3_bind_int(ag, 4, k);
			sqlite3_bind_int64(ag, 5, e->n[k]);
			sqlite3_bind_int64(ag, 6, e->s[k]);
			sqlite3_bind_int64(ag, 7, e->ws[k]);
			if (sqlite3_step(ag) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(ag);
		}
		/* Runs without a mark: between two marks, and after the
		 * last one. Before the first mark is not a gap. */
		for (ix = 1; ix <= c->nles && rc == 0; ix++) {
			if (!has(e, ix))
				continue;
			if (prev && ix - prev - 1 > gap)
				rc = put_gap(gp, e, c, ix, ix - prev - 1, prev, 0);
			prev = ix;
		}
		if (rc == 0 && prev && c->nles - prev > gap)
			rc = put_gap(gp, e, c, c->nles, c->nles - prev, prev, 1);
	}
out:
	sqlite3_finalize(ag);
	sqlite3_finalize(gp);
	return rc < 0 ? ej_store_sqlerr(s, d, "marks.gap") : 0;
}

int
ej_audit__marks_pass(struct ej_audit *a, const char *asof)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	sqlite3 *db = ej_store_db(s);
	struct pass p = { 0 };
	sqlite3_stmt *st;
	int rc, gap = 3;

	if (sqlite3_exec(db, les_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, les_fill, -1, &st, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, "marks.gap");
	sqlite3_bind_text(st, 1, asof, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || sqlite3_exec(db, "CREATE INDEX IF NOT EXISTS "
	    "temp.au_les_cs ON au_les (cs, ix)", NULL, NULL, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, "marks.gap");
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM "
	    "settings WHERE key = 'audit.gap_lessons'", -1, &st, NULL) !=
	    SQLITE_OK)
		return ej_store_sqlerr(s, d, "marks.gap");
	if (sqlite3_step(st) == SQLITE_ROW)
		gap = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	p.cs = ej_xcalloc(1, sizeof *p.cs);
	rc = load_cs(s, &p, d);
	if (rc == 0)
		rc = scan_marks(s, &p, d);
	if (rc == 0)
		rc = write_out(s, &p, gap, d);
	pass_free(&p);
	return rc;
}
