/*
 * report — the reports of ej-report(1) (see report.h): the scope, periods
 * and pupils resolved once into temporary tables, then a few set-based
 * statements per kind, each result a table of a document (table.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "date.h"
#include "i18n.h"
#include "report.h"
#include "report_priv.h"
#include "roster.h"
#include "terms.h"
#include "who.h"

static const char *const kind_names[] = {
	"journal", "diary", "summary", "attendance", "quality", "risk",
	"teachers", "helpdesk", "plan", "informed"
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int
ej_report_kind_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < NKINDS; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ej_report_kind_name(int kind)
{
	return kind >= 0 && (size_t)kind < NKINDS ? kind_names[kind] : "?";
}

/* ------------------------------------------------------- statistics */

static long
ratio(long num, long den)
{
	return den > 0 ? (num * 2 + den) / (2 * den) : -1;
}

void
ej_report_stats(const struct ej_report_counts *c, struct ej_report_stats *o)
{
	long marks = c->n5 + c->n4 + c->n3 + c->n2;

	o->n = marks + c->nna;
	o->success = ratio((c->n5 + c->n4 + c->n3) * 10000, o->n);
	o->quality = ratio((c->n5 + c->n4) * 10000, o->n);
	o->sou = ratio((100 * c->n5 + 64 * c->n4 + 36 * c->n3 + 16 * c->n2 +
	    7 * c->nna) * 100, o->n);
	o->average = ratio(c->sum * 100, marks);
}

void
ej_report_count(struct ej_report_counts *c, const char *mark)
{
	if (mark == NULL)
		return;
	if (strcmp(mark, "5") == 0)
		c->n5++, c->sum += 5;
	else if (strcmp(mark, "4") == 0)
		c->n4++, c->sum += 4;
	else if (strcmp(mark, "3") == 0)
		c->n3++, c->sum += 3;
	else if (strcmp(mark, "2") == 0)
		c->n2++, c->sum += 2;
	else if (strcmp(mark, "н/а") == 0)
		c->nna++;
}

/* "66.67" from hundredths; "" for -1. */
void
rp_hund(char *buf, size_t n, long v)
{
	if (v < 0)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "%ld.%02ld", v / 100, v % 100);
}

/* ---------------------------------------------------------- helpers */

int
rp_sqlerr(struct rp *r)
{
	return ej_store_sqlerr(r->s, r->d, _("cannot read the journal"));
}

sqlite3_stmt *
rp_prep(struct rp *r, const char *sql)
{
	return ej_store_prepare(r->s, sql, r->d);
}

/* Step to the end; -1 (reported) on an error. */
int
rp_done(struct rp *r, sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rp_sqlerr(r);
	return 0;
}

const char *
rp_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

void
rp_cell_long(struct ej_table *t, long v)
{
	ej_table_cellf(t, "%ld", v);
}

int
rp_min_marks(const struct rp *r, const char *scheme)
{
	if (strcmp(scheme, "half") == 0)
		return r->min_half;
	if (strcmp(scheme, "trimester") == 0)
		return r->min_trimester;
	return r->min_quarter;
}

/* Weight of a work type (REAL) in the hundredths terms.h counts in. */
int
rp_weight(double w)
{
	return w > 0 ? (int)(w * 100 + 0.5) : 0;
}

/* --------------------------------------------------------- the scope */

static int
date_opt(struct rp *r, const char *opt, const char *s, int *out)
{
	struct ej_yearctx yc = { 0 };
	int y, m, dd;

	ej_date_to_ymd(r->ystart, &y, &m, &dd);
	yc.first_year = y;
	yc.start = r->ystart;
	yc.end = r->yend;
	if (ej_date_parse(s, &yc, out) < 0)
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s: not a date: %s"), opt, s);
	return 0;
}

static long long
find_teacher(struct rp *r, const char *ref)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0;

	if ((st = rp_prep(r, "SELECT id FROM staff WHERE login = ?1 OR "
	    "surname = ?1 OR surname || ' ' || name = ?1 OR surname || ' ' "
	    "|| name || ' ' || patronymic = ?1 ORDER BY id")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n == 0)
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("unknown teacher \"%s\""), ref), 0;
	if (n > 1)
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("\"%s\" names several staff members: give the login"),
		    ref), 0;
	return id;
}

/* Resolve the filters of the command line: 0, or -1 with every error. */
static int
resolve(struct rp *r)
{
	const struct ej_report_opts *o = r->o;
	int bad = 0;

	r->from = r->to = -1;
	if (o->class_name) {
		r->class_id = ej_roster_find_class(r->s, o->class_name);
		if (r->class_id <= 0) {
			ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("unknown class \"%s\""), o->class_name);
			bad++;
		}
	}
	if (o->subject) {
		r->subject_id = ej_roster_find_subject(r->s, o->subject, r->d);
		if (r->subject_id == 0)
			ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("unknown subject \"%s\""), o->subject);
		if (r->subject_id <= 0)
			bad++;
	}
	if (o->teacher && (r->teacher_id = find_teacher(r, o->teacher)) <= 0)
		bad++;
	if (o->period) {
		if (ej_terms_period_parse(o->period, r->pcode) < 0 ||
		    !strcmp(r->pcode, "exam") || !strcmp(r->pcode, "final")) {
			ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("unknown period \"%s\" (1..4 within the class's "
			    "scheme, or year)"), o->period);
			bad++;
		}
	}
	if (o->from && date_opt(r, "--from", o->from, &r->from) < 0)
		bad++;
	if (o->to && date_opt(r, "--to", o->to, &r->to) < 0)
		bad++;
	if (o->week) {
		int day;

		if (date_opt(r, "--week", o->week, &day) < 0) {
			bad++;
		} else {
			r->from = day - (ej_date_weekday(day) - 1);
			r->to = r->from + 6;
			if (r->to < r->ystart || r->from > r->yend) {
				char a[EJ_DATE_LEN], b[EJ_DATE_LEN];

				ej_date_format(r->ystart, a);
				ej_date_format(r->yend, b);
				ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
				    _("--week %s is outside the academic year "
				    "(%s..%s)"), o->week, a, b);
				bad++;
			}
		}
	}
	if (r->from >= 0 && r->to >= 0 && r->from > r->to) {
		ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("--from is after --to"));
		bad++;
	}
	if (o->pupil && !bad) {
		r->pupil_id = r->class_id ?
		    ej_roster_find_pupil_in(r->s, o->pupil, r->class_id,
		    r->today, NULL, 0, r->d) :
		    ej_roster_find_pupil(r->s, o->pupil, r->today, NULL, 0,
		    r->d);
		if (r->pupil_id == 0)
			ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("unknown pupil \"%s\""), o->pupil);
		if (r->pupil_id <= 0)
			bad++;
	}
	return bad ? -1 : 0;
}

/*
 * Every class of the year × every subject, kept when the pair has a load,
 * a lesson or a period mark: three look-ups by (class_id, subject_id) in
 * their indexes per pair, rather than reading every lesson of the year.
 */
static const char scope_sql[] =
    "INSERT INTO temp.rp_scope "
    "SELECT c.id, s.id FROM classes c JOIN subjects s "
    "WHERE c.year_id = ?1 AND (?2 = 0 OR c.id = ?2) "
    "AND (?3 = 0 OR c.parallel = ?3) AND (?4 = 0 OR s.id = ?4) "
    "AND (EXISTS (SELECT 1 FROM load l WHERE l.class_id = c.id AND "
    "l.subject_id = s.id) OR EXISTS (SELECT 1 FROM lessons l WHERE "
    "l.class_id = c.id AND l.subject_id = s.id) OR EXISTS (SELECT 1 FROM "
    "term_marks t WHERE t.class_id = c.id AND t.subject_id = s.id)) "
    "AND (?5 = 0 OR EXISTS (SELECT 1 FROM load l WHERE l.class_id = "
    "c.id AND l.subject_id = s.id AND l.teacher_id = ?5) "
    "OR EXISTS (SELECT 1 FROM lessons l WHERE l.class_id = c.id AND "
    "l.subject_id = s.id AND l.teacher_id = ?5)) "
    "AND (?6 = 0 OR c.id IN (SELECT class_id FROM membership WHERE "
    "pupil_id = ?6)) "
    "AND (?7 = 0 OR c.teacher_id = ?7 OR EXISTS (SELECT 1 FROM load l "
    "WHERE l.class_id = c.id AND l.subject_id = s.id AND "
    "l.teacher_id = ?7))";

/* rp_scope: the class × subject pairs in question that the actor may see. */
static int
make_scope(struct rp *r, long long me, long *n)
{
	sqlite3_stmt *st;
	int rc;

	if (ej_store_exec(r->s, "DELETE FROM temp.rp_scope", r->d) < 0 ||
	    (st = rp_prep(r, scope_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->year_id);
	sqlite3_bind_int64(st, 2, r->class_id);
	sqlite3_bind_int(st, 3, r->o->parallel);
	sqlite3_bind_int64(st, 4, r->subject_id);
	sqlite3_bind_int64(st, 5, r->teacher_id);
	sqlite3_bind_int64(st, 6, r->pupil_id);
	sqlite3_bind_int64(st, 7, me);
	rc = sqlite3_step(st);
	if (rp_done(r, st, rc) < 0)
		return -1;
	*n = sqlite3_changes(ej_store_db(r->s));
	return 0;
}

static const char classes_sql[] =
    "INSERT INTO temp.rp_classes "
    "SELECT c.id, c.name, c.parallel, ps.scheme, p.num, CAST(p.num AS "
    "TEXT), p.start, p.end, p.name FROM classes c "
    "JOIN period_schemes ps ON ps.year_id = c.year_id AND ps.parallel = "
    "c.parallel JOIN periods p ON p.year_id = c.year_id AND p.scheme = "
    "ps.scheme WHERE c.id IN (SELECT class_id FROM temp.rp_scope) AND "
    "?1 <> 'year' AND p.num = CASE WHEN ?2 > 0 THEN ?2 ELSE "
    "coalesce((SELECT q.num FROM periods q WHERE q.year_id = c.year_id AND "
    "q.scheme = ps.scheme AND ?3 BETWEEN q.start AND q.end), "
    "(SELECT max(q.num) FROM periods q WHERE q.year_id = c.year_id AND "
    "q.scheme = ps.scheme AND q.end < ?3), 1) END "
    "UNION ALL "
    "SELECT c.id, c.name, c.parallel, coalesce(ps.scheme, ''), 0, 'year', "
    "y.start, y.end, ?4 FROM classes c JOIN years y ON y.id = c.year_id "
    "LEFT JOIN period_schemes ps ON ps.year_id = c.year_id AND "
    "ps.parallel = c.parallel "
    "WHERE c.id IN (SELECT class_id FROM temp.rp_scope) AND ?1 = 'year'";

/*
 * rp_classes: each class in scope with its period's days (or the dates
 * asked for); rp_members: its pupils over those days, atend = still in
 * the class on the last of them.
 */
static int
make_periods(struct rp *r)
{
	sqlite3_stmt *st;
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	int rc, num = 0, ref = r->from >= 0 ? r->from : r->today;

	if (r->pcode[0] && strcmp(r->pcode, "year") != 0)
		num = atoi(r->pcode);
	ej_date_format(ref, a);
	if ((st = rp_prep(r, classes_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->pcode, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, num);
	sqlite3_bind_text(st, 3, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, _("year"), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rp_done(r, st, rc) < 0)
		return -1;
	if (r->from >= 0 || r->to >= 0) {
		if ((st = rp_prep(r, "UPDATE temp.rp_classes SET start = "
		    "coalesce(?1, start), end = coalesce(?2, end), pname = "
		    "coalesce(?1, start) || '..' || coalesce(?2, end)")) == NULL)
			return -1;
		ej_date_format(r->from, a);
		ej_date_format(r->to, b);
		if (r->from >= 0)
			sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
		if (r->to >= 0)
			sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rp_done(r, st, rc) < 0)
			return -1;
	}
	/* Only the pupils ever in these classes (or the one asked for):
	 * each pupil's whole membership, for when their stay ended. */
	if ((st = rp_prep(r, "INSERT INTO temp.rp_members "
	    "WITH m AS (SELECT pupil_id, class_id, start, lead(start) OVER "
	    "(PARTITION BY pupil_id ORDER BY start) AS stop FROM membership "
	    "WHERE CASE WHEN ?1 > 0 THEN pupil_id = ?1 ELSE pupil_id IN "
	    "(SELECT pupil_id FROM membership WHERE class_id IN (SELECT "
	    "class_id FROM temp.rp_classes)) END) "
	    "SELECT m.pupil_id, m.class_id, max(m.start <= c.end AND "
	    "(m.stop IS NULL OR m.stop > c.end)) FROM m JOIN temp.rp_classes "
	    "c ON c.class_id = m.class_id WHERE m.start <= c.end AND (m.stop "
	    "IS NULL OR m.stop > c.start) GROUP BY m.pupil_id, m.class_id"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->pupil_id > 0 ? r->pupil_id : 0);
	rc = sqlite3_step(st);
	return rp_done(r, st, rc);
}

static long
count_rows(struct rp *r, const char *sql)
{
	sqlite3_stmt *st = rp_prep(r, sql);
	long n = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static int
build_scope(struct rp *r)
{
	const struct ej_actor *a = ej_store_actor(r->s);
	long long me = 0;
	long n;

	if (ej_store_exec(r->s,
	    "CREATE TEMP TABLE IF NOT EXISTS rp_scope (class_id INTEGER, "
	    "subject_id INTEGER, PRIMARY KEY (class_id, subject_id)); "
	    "CREATE TEMP TABLE IF NOT EXISTS rp_classes (class_id INTEGER "
	    "PRIMARY KEY, name TEXT, parallel INTEGER, scheme TEXT, num "
	    "INTEGER, tcode TEXT, start TEXT, end TEXT, pname TEXT); "
	    "CREATE TEMP TABLE IF NOT EXISTS rp_members (pupil_id INTEGER, "
	    "class_id INTEGER, atend INTEGER, PRIMARY KEY (pupil_id, "
	    "class_id))", r->d) < 0)
		return -1;
	if (a == NULL || !(a->roles & (EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY)))
		me = a ? a->staff_id : -1;
	/* A teacher's teachers report is their own. */
	if (me != 0 && r->o->kind == EJ_REPORT_TEACHERS) {
		if (r->teacher_id != 0 && r->teacher_id != me)
			return ej_error(r->d, EJ_EXIT_NOPERM, NULL, 0, 0, "%s",
			    _("no permission to see another teacher's "
			    "report"));
		r->teacher_id = me;
	}
	if (make_scope(r, me, &n) < 0)
		return -1;
	if (n == 0 && me != 0) {
		if (make_scope(r, 0, &n) < 0)
			return -1;
		if (n > 0)
			return ej_error(r->d, EJ_EXIT_NOPERM, NULL, 0, 0, "%s",
			    _("no permission: teachers see their load, class "
			    "teachers their class"));
	}
	if (n == 0)
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("nothing to report: no class and subject match the "
		    "filters"));
	if (make_periods(r) < 0)
		return -1;
	if (count_rows(r, "SELECT count(*) FROM temp.rp_classes") == 0)
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("unknown period \"%s\" for the classes asked for"),
		    r->o->period ? r->o->period : "");
	return 0;
}

/* The subject's name, for titles. */
static const char *
subject_label(struct rp *r)
{
	sqlite3_stmt *st;

	r->label[0] = '\0';
	if ((st = rp_prep(r, "SELECT name FROM subjects WHERE id = ?")) ==
	    NULL)
		return r->label;
	sqlite3_bind_int64(st, 1, r->subject_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(r->label, sizeof r->label, "%s", rp_text(st, 0));
	sqlite3_reset(st);
	return r->label;
}

/*
 * "Summary: 5А, 1 четверть (2020-09-01..2020-10-30)", or for many classes
 * "Summary: 12 classes, 2020-09-01..2020-10-30", for a title.
 */
char *
rp_title(struct rp *r, const char *what)
{
	sqlite3_stmt *st;
	char *s = NULL;

	if ((st = rp_prep(r, "SELECT count(*), max(name), max(pname), "
	    "min(start), max(end) FROM temp.rp_classes")) == NULL)
		return ej_xstrdup(what);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_int(st, 0);
		const char *subj = r->subject_id ? subject_label(r) : "";

		if (n == 1)
			s = ej_xasprintf("%s: %s%s%s, %s (%s..%s)", what,
			    rp_text(st, 1), *subj ? ", " : "", subj,
			    rp_text(st, 2), rp_text(st, 3), rp_text(st, 4));
		else
			s = ej_xasprintf(_("%s: %d classes%s%s, %s..%s"), what,
			    n, *subj ? ", " : "", subj, rp_text(st, 3),
			    rp_text(st, 4));
	}
	sqlite3_reset(st);
	return s ? s : ej_xstrdup(what);
}

/* --------------------------------------------------------------- run */

static int
need(struct rp *r, int cond, const char *what)
{
	if (cond)
		return 0;
	return ej_error(r->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s %s",
	    ej_report_kind_name(r->o->kind), what);
}

int
ej_report_run(struct ej_store *s, const struct ej_report_opts *o,
    FILE *out, struct ej_diag *d)
{
	struct ej_doc *doc = NULL;
	int rc;

	rc = ej_report_build(s, o, &doc, d);
	if (rc == 0 && doc != NULL)
		rc = ej_doc_write(doc, o->format, out, d);
	ej_doc_free(doc);
	return rc;
}

int
ej_report_build(struct ej_store *s, const struct ej_report_opts *o,
    struct ej_doc **out, struct ej_diag *d)
{
	struct rp r;
	struct ej_terms_settings ts;
	int rc = -1, day;

	*out = NULL;
	memset(&r, 0, sizeof r);
	r.s = s;
	r.d = d;
	r.o = o;
	if (ej_roster_year(s, &r.year_id, &r.ystart, &r.yend, d) < 0)
		return -1;
	r.real_today = o->today > 0 ? o->today : ej_date_today();
	day = r.real_today;
	r.today = day < r.ystart ? r.ystart : day > r.yend ? r.yend : day;
	ej_terms_settings(s, &ts, d);
	r.rule = ts.rule;
	r.min_quarter = ts.min_quarter;
	r.min_half = ts.min_half;
	r.min_trimester = ts.min_trimester;
	r.day_threshold = ej_setting_int(s, "attendance.day_threshold", 3, d);
	if (resolve(&r) < 0)
		return -1;
	switch (o->kind) {
	case EJ_REPORT_JOURNAL:
		if (need(&r, r.class_id && r.subject_id,
		    _("needs --class and --subject")) < 0)
			return -1;
		break;
	case EJ_REPORT_DIARY:
		if (need(&r, r.class_id || r.pupil_id,
		    _("needs --pupil or --class")) < 0)
			return -1;
		break;
	case EJ_REPORT_ATTENDANCE:
		if (need(&r, r.class_id || r.pupil_id || o->parallel,
		    _("needs --class, --parallel or --pupil")) < 0)
			return -1;
		break;
	default:
		break;
	}
	if (o->kind != EJ_REPORT_HELPDESK && o->kind != EJ_REPORT_PLAN &&
	    build_scope(&r) < 0)
		goto out;
	switch (o->kind) {
	case EJ_REPORT_JOURNAL:
		rc = rp_journal(&r);
		break;
	case EJ_REPORT_DIARY:
		rc = o->mail_dir ? rp_diary_mail(&r, o->mail_dir) :
		    rp_diary(&r, 0);
		break;
	case EJ_REPORT_SUMMARY:
		rc = rp_summary(&r);
		break;
	case EJ_REPORT_ATTENDANCE:
		rc = rp_attendance(&r);
		break;
	case EJ_REPORT_QUALITY:
		rc = rp_quality(&r);
		break;
	case EJ_REPORT_RISK:
		rc = rp_risk(&r);
		break;
	case EJ_REPORT_TEACHERS:
		rc = rp_teachers(&r);
		break;
	case EJ_REPORT_HELPDESK:
		rc = rp_helpdesk(&r);
		break;
	case EJ_REPORT_PLAN:
		rc = rp_plan(&r);
		break;
	case EJ_REPORT_INFORMED:
		rc = rp_informed(&r);
		break;
	default:
		rc = ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("unknown report"));
	}
out:
	if (rc == 0) {
		*out = r.doc;
		r.doc = NULL;
	}
	ej_doc_free(r.doc);
	ej_store_exec(s, "DROP TABLE IF EXISTS temp.rp_scope; DROP TABLE IF "
	    "EXISTS temp.rp_classes; DROP TABLE IF EXISTS temp.rp_members",
	    d);
	return rc;
}
