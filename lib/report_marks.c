/*
 * report_marks — the reports over marks: the journal page, the term
 * summary, the success statistics and the pupils at risk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "report_priv.h"

#define PUPIL_ORDER "c.parallel, c.name, p.surname, p.name, p.patronymic, p.id"

/* A growing list of ids; once sorted, an id's insertion position is
 * found by binary search. */
struct idpos {
	long long id;
	size_t ix;
};

struct idmap {
	struct idpos *v;
	size_t n, cap;
};

static void
idmap_add(struct idmap *m, long long id)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->v = ej_xrealloc(m->v, m->cap * sizeof *m->v);
	}
	m->v[m->n].id = id;
	m->v[m->n].ix = m->n;
	m->n++;
}

static int
cmp_id(const void *a, const void *b)
{
	long long x = ((const struct idpos *)a)->id;
	long long y = ((const struct idpos *)b)->id;

	return x < y ? -1 : x > y;
}

static void
idmap_sort(struct idmap *m)
{
	if (m->n > 0)
		qsort(m->v, m->n, sizeof *m->v, cmp_id);
}

/* Insertion position of id, or (size_t)-1. */
static size_t
idmap_find(const struct idmap *m, long long id)
{
	struct idpos key = { id, 0 }, *hit;

	if (m->n == 0)
		return (size_t)-1;
	hit = bsearch(&key, m->v, m->n, sizeof *m->v, cmp_id);
	return hit ? hit->ix : (size_t)-1;
}

static void
idmap_free(struct idmap *m)
{
	free(m->v);
}

static void
stat_cells(struct ej_table *t, const struct ej_report_counts *c)
{
	struct ej_report_stats s;
	char b[32];

	ej_report_stats(c, &s);
	rp_cell_long(t, s.n);
	rp_cell_long(t, c->n5);
	rp_cell_long(t, c->n4);
	rp_cell_long(t, c->n3);
	rp_cell_long(t, c->n2);
	rp_cell_long(t, c->nna);
	rp_hund(b, sizeof b, s.success);
	ej_table_cell(t, b);
	rp_hund(b, sizeof b, s.quality);
	ej_table_cell(t, b);
	rp_hund(b, sizeof b, s.sou);
	ej_table_cell(t, b);
	rp_hund(b, sizeof b, s.average);
	ej_table_cell(t, b);
}

static void
stat_cols(struct ej_table *t)
{
	ej_table_col(t, "N", "N", EJ_COL_NUM);
	ej_table_col(t, "n5", "5", EJ_COL_NUM);
	ej_table_col(t, "n4", "4", EJ_COL_NUM);
	ej_table_col(t, "n3", "3", EJ_COL_NUM);
	ej_table_col(t, "n2", "2", EJ_COL_NUM);
	ej_table_col(t, "na", "н/а", EJ_COL_NUM);
	ej_table_col(t, "success", _("success, %"), EJ_COL_NUM);
	ej_table_col(t, "quality", _("quality, %"), EJ_COL_NUM);
	ej_table_col(t, "sou", _("SOU, %"), EJ_COL_NUM);
	ej_table_col(t, "average", _("average"), EJ_COL_NUM);
}

static void
add_counts(struct ej_report_counts *to, const struct ej_report_counts *c)
{
	to->n5 += c->n5;
	to->n4 += c->n4;
	to->n3 += c->n3;
	to->n2 += c->n2;
	to->nna += c->nna;
	to->sum += c->sum;
}

/* -------------------------------------------------------- summary */

struct pupil {
	long long id, class_id;
	char *cls, *name;
};

static void
pupils_free(struct pupil *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].cls);
		free(p[i].name);
	}
	free(p);
}

/* The rows (id, name) of sql into m and, in the same order, *names. */
static int
load_names(struct rp *r, const char *sql, struct idmap *m, char ***names)
{
	sqlite3_stmt *st;
	int step;

	if ((st = rp_prep(r, sql)) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		idmap_add(m, sqlite3_column_int64(st, 0));
		*names = ej_xrealloc(*names, m->n * sizeof **names);
		(*names)[m->n - 1] = ej_xstrdup(rp_text(st, 1));
	}
	return rp_done(r, st, step);
}

int
rp_summary(struct rp *r)
{
	sqlite3_stmt *st;
	struct idmap subj = { 0 }, pup = { 0 };
	char **sname = NULL, *title, b[32];
	struct pupil *pu = NULL;
	char (*grid)[16] = NULL;
	unsigned char *has = NULL;     /* class × subject pairs of the scope */
	struct idmap cls = { 0 };
	char **cname = NULL;
	struct ej_report_counts *cnt = NULL, tot;
	struct ej_table *t, *ts;
	size_t i, j, k, ns, np, nc;
	int rc = -1, step;

	if (load_names(r, "SELECT DISTINCT s.id, s.name FROM temp.rp_scope "
	    "sc JOIN subjects s ON s.id = sc.subject_id ORDER BY s.id", &subj,
	    &sname) < 0)
		goto out;
	ns = subj.n;
	idmap_sort(&subj);
	if (load_names(r, "SELECT class_id, name FROM temp.rp_classes c "
	    "ORDER BY c.parallel, c.name", &cls, &cname) < 0)
		goto out;
	nc = cls.n;
	idmap_sort(&cls);
	has = ej_xcalloc(nc * ns + 1, 1);
	cnt = ej_xcalloc(nc * ns + 1, sizeof *cnt);
	if ((st = rp_prep(r, "SELECT class_id, subject_id FROM "
	    "temp.rp_scope")) == NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		i = idmap_find(&cls, sqlite3_column_int64(st, 0));
		j = idmap_find(&subj, sqlite3_column_int64(st, 1));
		if (i != (size_t)-1 && j != (size_t)-1)
			has[i * ns + j] = 1;
	}
	if (rp_done(r, st, step) < 0)
		goto out;
	if ((st = rp_prep(r, "SELECT mb.pupil_id, mb.class_id, c.name, "
	    "p.surname || ' ' || p.name FROM temp.rp_members mb JOIN "
	    "temp.rp_classes c ON c.class_id = mb.class_id JOIN pupils p ON "
	    "p.id = mb.pupil_id WHERE mb.atend ORDER BY " PUPIL_ORDER)) ==
	    NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		idmap_add(&pup, sqlite3_column_int64(st, 0));
		pu = ej_xrealloc(pu, pup.cap * sizeof *pu);
		pu[pup.n - 1].id = sqlite3_column_int64(st, 0);
		pu[pup.n - 1].class_id = sqlite3_column_int64(st, 1);
		pu[pup.n - 1].cls = ej_xstrdup(rp_text(st, 2));
		pu[pup.n - 1].name = ej_xstrdup(rp_text(st, 3));
	}
	if (rp_done(r, st, step) < 0)
		goto out;
	np = pup.n;
	idmap_sort(&pup);
	grid = ej_xcalloc(np * ns + 1, sizeof *grid);
	if ((st = rp_prep(r, "SELECT tm.pupil_id, tm.subject_id, tm.mark FROM "
	    "temp.rp_members mb JOIN temp.rp_classes c ON c.class_id = "
	    "mb.class_id CROSS JOIN term_marks tm ON tm.pupil_id = mb.pupil_id AND "
	    "tm.year_id = ?1 AND tm.period = c.tcode JOIN temp.rp_scope sc ON "
	    "sc.class_id = mb.class_id AND sc.subject_id = tm.subject_id "
	    "WHERE mb.atend")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, r->year_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		i = idmap_find(&pup, sqlite3_column_int64(st, 0));
		j = idmap_find(&subj, sqlite3_column_int64(st, 1));
		if (i != (size_t)-1 && j != (size_t)-1)
			snprintf(grid[i * ns + j], sizeof grid[0], "%s",
			    rp_text(st, 2));
	}
	if (rp_done(r, st, step) < 0)
		goto out;

	title = rp_title(r, _("Term summary"));
	r->doc = ej_doc_new(title);
	free(title);
	ej_doc_landscape(r->doc, 1);
	t = ej_table_new(_("Period marks"));
	ej_table_key(t, "pupils");
	ej_table_keep(t, 2);
	ej_table_col(t, "class", _("class"), EJ_COL_NOWRAP);
	ej_table_col(t, "pupil", _("pupil"), 0);
	for (j = 0; j < ns; j++)
		ej_table_col(t, sname[j], sname[j], EJ_COL_NUM);
	ej_table_col(t, "average", _("average"), EJ_COL_NUM);
	for (i = 0; i < np; i++) {
		struct ej_report_counts pc = { 0 };
		struct ej_report_stats ps;
		size_t ci = idmap_find(&cls, pu[i].class_id);

		ej_table_row(t);
		ej_table_cell(t, pu[i].cls);
		ej_table_cell(t, pu[i].name);
		for (j = 0; j < ns; j++) {
			const char *m = grid[i * ns + j];

			ej_table_cell(t, m);
			ej_report_count(&pc, m);
			if (ci != (size_t)-1 && *m)
				ej_report_count(&cnt[ci * ns + j], m);
		}
		ej_report_stats(&pc, &ps);
		rp_hund(b, sizeof b, ps.average);
		ej_table_cell(t, b);
	}
	ej_doc_add(r->doc, t);

	ts = ej_table_new(_("Success by subject"));
	ej_table_key(ts, "subjects");
	ej_table_keep(ts, 2);
	ej_table_col(ts, "class", _("class"), EJ_COL_NOWRAP);
	ej_table_col(ts, "subject", _("subject"), 0);
	stat_cols(ts);
	for (k = 0; k < nc; k++) {
		memset(&tot, 0, sizeof tot);
		for (j = 0; j < ns; j++) {
			if (!has[k * ns + j])
				continue;
			ej_table_row(ts);
			ej_table_cell(ts, cname[k]);
			ej_table_cell(ts, sname[j]);
			stat_cells(ts, &cnt[k * ns + j]);
			add_counts(&tot, &cnt[k * ns + j]);
		}
		ej_table_row(ts);
		ej_table_cell(ts, cname[k]);
		ej_table_cell(ts, _("all subjects"));
		stat_cells(ts, &tot);
	}
	ej_doc_add(r->doc, ts);
	rc = 0;
out:
	for (j = 0; j < subj.n; j++)
		free(sname[j]);
	for (j = 0; j < cls.n; j++)
		free(cname[j]);
	free(sname);
	free(cname);
	pupils_free(pu, pup.n);
	free(grid);
	free(has);
	free(cnt);
	idmap_free(&subj);
	idmap_free(&pup);
	idmap_free(&cls);
	return rc;
}

/* -------------------------------------------------------- quality */

static const struct {
	const char *by, *key, *label, *join, *order;
} groups[] = {
	{ "class", "c.class_id", "c.name", "", "min(c.parallel), c.name" },
	{ "parallel", "c.parallel", "c.parallel", "", "c.parallel" },
	{ "subject", "s.id", "s.name", "", "s.name" },
	{ "teacher", "st.id", "st.surname || ' ' || st.name || ' ' || "
	    "st.patronymic", "JOIN load l ON l.class_id = mb.class_id AND "
	    "l.subject_id = tm.subject_id AND (?2 = 0 OR l.teacher_id = ?2) "
	    "JOIN staff st ON st.id = l.teacher_id ", "st.surname, st.name" },
};

int
rp_quality(struct rp *r)
{
	const char *by = r->o->by;
	sqlite3_stmt *st = NULL;
	struct ej_report_counts tot = { 0 };
	struct ej_table *t, *dist;
	char *sql, *title;
	size_t g;
	int step, rc = -1;

	if (by == NULL)
		by = r->teacher_id ? "teacher" : r->subject_id &&
		    !r->class_id ? "subject" : "class";
	for (g = 0; g < sizeof groups / sizeof groups[0]; g++)
		if (strcmp(by, groups[g].by) == 0)
			break;
	if (g == sizeof groups / sizeof groups[0])
		return ej_error(r->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("--by %s: one of class, parallel, subject, teacher"), by);
	sql = ej_xasprintf("SELECT %s, %s, sum(tm.mark = '5'), sum(tm.mark = "
	    "'4'), sum(tm.mark = '3'), sum(tm.mark = '2'), sum(tm.mark = "
	    "'н/а'), total(CASE WHEN tm.mark IN ('5', '4', '3', '2') THEN "
	    "CAST(tm.mark AS INTEGER) END) FROM temp.rp_members mb "
	    "JOIN temp.rp_classes c ON c.class_id = mb.class_id "
	    "CROSS JOIN term_marks tm ON tm.pupil_id = mb.pupil_id AND tm.year_id = "
	    "?1 AND tm.period = c.tcode JOIN temp.rp_scope sc ON sc.class_id "
	    "= mb.class_id AND sc.subject_id = tm.subject_id JOIN subjects s "
	    "ON s.id = tm.subject_id %s WHERE mb.atend GROUP BY 1 ORDER BY %s",
	    groups[g].key, groups[g].label, groups[g].join, groups[g].order);
	if (sqlite3_prepare_v2(ej_store_db(r->s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		free(sql);
		return rp_sqlerr(r);
	}
	free(sql);
	sqlite3_bind_int64(st, 1, r->year_id);
	if (strcmp(by, "teacher") == 0)
		sqlite3_bind_int64(st, 2, r->teacher_id);
	title = rp_title(r, _("Success and quality"));
	r->doc = ej_doc_new(title);
	free(title);
	t = ej_table_new(NULL);
	ej_table_key(t, "groups");
	ej_table_col(t, by, strcmp(by, "class") == 0 ? _("class") :
	    strcmp(by, "parallel") == 0 ? _("parallel") :
	    strcmp(by, "subject") == 0 ? _("subject") : _("teacher"),
	    strcmp(by, "parallel") == 0 ? EJ_COL_NUM : 0);
	stat_cols(t);
	ej_table_note(t, "%s", _("N: pupils with a period mark 5..2 or н/а "
	    "at the period's end (exempt and mark-less pupils, and those who "
	    "left, not counted); SOU = (100·n5 + 64·n4 + 36·n3 + 16·n2 + "
	    "7·nн/а) / N"));
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct ej_report_counts c;

		c.n5 = sqlite3_column_int64(st, 2);
		c.n4 = sqlite3_column_int64(st, 3);
		c.n3 = sqlite3_column_int64(st, 4);
		c.n2 = sqlite3_column_int64(st, 5);
		c.nna = sqlite3_column_int64(st, 6);
		c.sum = (long)sqlite3_column_double(st, 7);
		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 1));
		stat_cells(t, &c);
		add_counts(&tot, &c);
	}
	if (step != SQLITE_DONE) {
		rp_sqlerr(r);
		goto out;
	}
	ej_table_row(t);
	ej_table_cell(t, _("total"));
	stat_cells(t, &tot);
	ej_doc_add(r->doc, t);
	dist = ej_table_new(_("Distribution of period marks"));
	ej_table_key(dist, "distribution");
	ej_table_col(dist, "mark", _("mark"), 0);
	ej_table_col(dist, "count", _("pupils"), EJ_COL_NUM);
	ej_table_row(dist);
	ej_table_cell(dist, "5");
	rp_cell_long(dist, tot.n5);
	ej_table_row(dist);
	ej_table_cell(dist, "4");
	rp_cell_long(dist, tot.n4);
	ej_table_row(dist);
	ej_table_cell(dist, "3");
	rp_cell_long(dist, tot.n3);
	ej_table_row(dist);
	ej_table_cell(dist, "2");
	rp_cell_long(dist, tot.n2);
	ej_table_row(dist);
	ej_table_cell(dist, "н/а");
	rp_cell_long(dist, tot.nna);
	ej_table_chart(dist, _("Period marks: how many of each"), 0, 1);
	ej_doc_add(r->doc, dist);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* ----------------------------------------------------------- risk */

static char *
parents_of(struct rp *r, long long pupil)
{
	sqlite3_stmt *st;
	char *s = NULL;

	if ((st = rp_prep(r, "SELECT group_concat(trim(pa.surname || ' ' || "
	    "pa.name || ' ' || pa.patronymic) || CASE WHEN pa.phone <> '' "
	    "THEN ', ' || pa.phone ELSE '' END || CASE WHEN pa.email <> '' "
	    "THEN ', ' || pa.email ELSE '' END, '; ') FROM (SELECT pa.* FROM "
	    "guardians g JOIN parents pa ON pa.id = g.parent_id WHERE "
	    "g.pupil_id = ? ORDER BY pa.surname, pa.name, pa.id) pa")) == NULL)
		return ej_xstrdup("");
	sqlite3_bind_int64(st, 1, pupil);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = ej_xstrdup(rp_text(st, 0));
	sqlite3_reset(st);
	return s ? s : ej_xstrdup("");
}

int
rp_risk(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_terms_mark *m = NULL;
	size_t n = 0, cap = 0;
	struct ej_table *t;
	char *title, *cls = NULL, *pname = NULL, *sname = NULL;
	char scheme[16] = "";
	long long cur_p = -1, cur_s = -1;
	int step, rc = -1, more = 1;

	if ((st = rp_prep(r, "SELECT mb.pupil_id, sc.subject_id, c.name, "
	    "p.surname || ' ' || p.name, s.name, c.scheme, "
	    "CAST(m.mark AS INTEGER), w.weight FROM temp.rp_members mb "
	    "JOIN temp.rp_classes c ON c.class_id = mb.class_id "
	    "JOIN pupils p ON p.id = mb.pupil_id "
	    "JOIN temp.rp_scope sc ON sc.class_id = mb.class_id "
	    "JOIN subjects s ON s.id = sc.subject_id AND s.passfail = 0 "
	    "LEFT JOIN (marks m JOIN lessons l ON l.id = m.lesson_id JOIN "
	    "work_types w ON w.id = m.work_id) ON m.pupil_id = mb.pupil_id AND "
	    "l.subject_id = sc.subject_id AND l.date BETWEEN c.start AND "
	    "c.end AND l.date <= ?1 AND m.mark GLOB '[1-5]' "
	    "WHERE mb.atend AND EXISTS (SELECT 1 FROM lessons l2 WHERE "
	    "l2.class_id = sc.class_id AND l2.subject_id = sc.subject_id AND "
	    "l2.date BETWEEN c.start AND c.end) "
	    "ORDER BY " PUPIL_ORDER ", s.id")) == NULL)
		return -1;
	{
		char day[EJ_DATE_LEN];

		ej_date_format(r->today, day);
		sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	}
	title = rp_title(r, _("Pupils at risk"));
	r->doc = ej_doc_new(title);
	free(title);
	t = ej_table_new(NULL);
	ej_table_key(t, "risk");
	ej_table_note(t, "%s", _("suggested period mark 2 or н/а from the "
	    "current marks: the parents must be told before the period ends"));
	ej_table_col(t, "class", _("class"), EJ_COL_NOWRAP);
	ej_table_col(t, "pupil", _("pupil"), 0);
	ej_table_col(t, "subject", _("subject"), 0);
	ej_table_col(t, "marks", _("marks"), EJ_COL_NUM);
	ej_table_col(t, "average", _("average"), EJ_COL_NUM);
	ej_table_col(t, "suggested", _("suggested"), EJ_COL_NUM);
	ej_table_col(t, "parents", _("parents"), 0);
	ej_doc_add(r->doc, t);
	while (more) {
		long long p = -1, s = -1;

		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			p = sqlite3_column_int64(st, 0);
			s = sqlite3_column_int64(st, 1);
		} else {
			more = 0;
		}
		if (cur_p != -1 && (p != cur_p || s != cur_s)) {
			struct ej_terms_suggestion sg;
			struct ej_terms_rule rule = r->rule;

			rule.min_marks = rp_min_marks(r, scheme);
			ej_terms_suggest(m, n, &rule, &sg);
			if (strcmp(sg.mark, "2") == 0 ||
			    strcmp(sg.mark, "н/а") == 0) {
				char avg[24], *par = parents_of(r, cur_p);

				ej_table_row(t);
				ej_table_cell(t, cls);
				ej_table_cell(t, pname);
				ej_table_cell(t, sname);
				ej_table_cellf(t, "%d", sg.count);
				ej_table_cell(t, ej_terms_format(sg.average,
				    avg, sizeof avg));
				ej_table_cell(t, sg.mark);
				ej_table_cell(t, par);
				free(par);
			}
			n = 0;
		}
		if (step != SQLITE_ROW)
			break;
		if (p != cur_p || s != cur_s) {
			free(cls);
			free(pname);
			free(sname);
			cls = ej_xstrdup(rp_text(st, 2));
			pname = ej_xstrdup(rp_text(st, 3));
			sname = ej_xstrdup(rp_text(st, 4));
			snprintf(scheme, sizeof scheme, "%s", rp_text(st, 5));
			cur_p = p;
			cur_s = s;
		}
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				m = ej_xrealloc(m, cap * sizeof *m);
			}
			m[n].value = sqlite3_column_int(st, 6);
			m[n].weight = rp_weight(sqlite3_column_double(st, 7));
			n++;
		}
	}
	if (rp_done(r, st, step) == 0)
		rc = 0;
	free(m);
	free(cls);
	free(pname);
	free(sname);
	return rc;
}

/* -------------------------------------------------------- journal */

struct jcell {
	char text[24];
};

int
rp_journal(struct rp *r)
{
	sqlite3_stmt *st;
	struct idmap les = { 0 }, pup = { 0 };
	struct pupil *pu = NULL;
	struct jcell *grid = NULL;
	struct ej_terms_mark **pm = NULL;
	size_t *pn = NULL, *pcap = NULL, nl, np, i, j;
	struct ej_table *t, *tl;
	char *title, scheme[16] = "", tcode[8] = "";
	int step, rc = -1;

	if ((st = rp_prep(r, "SELECT scheme, tcode FROM temp.rp_classes")) ==
	    NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(scheme, sizeof scheme, "%s", rp_text(st, 0));
		snprintf(tcode, sizeof tcode, "%s", rp_text(st, 1));
	}
	sqlite3_reset(st);
	title = rp_title(r, _("Journal"));
	r->doc = ej_doc_new(title);
	free(title);
	ej_doc_landscape(r->doc, 1);
	tl = ej_table_new(_("Lessons"));
	ej_table_key(tl, "lessons");
	ej_table_col(tl, "date", _("date"), EJ_COL_NOWRAP);
	ej_table_col(tl, "num", "#", EJ_COL_NUM);
	ej_table_col(tl, "topic", _("topic"), 0);
	ej_table_col(tl, "homework", _("homework"), 0);
	ej_table_col(tl, "teacher", _("teacher"), 0);
	t = ej_table_new(_("Marks and absences"));
	ej_table_key(t, "marks");
	ej_table_keep(t, 2);
	ej_table_col(t, "no", "№", EJ_COL_NUM);
	ej_table_col(t, "pupil", _("pupil"), 0);
	if ((st = rp_prep(r, "SELECT l.id, l.date, l.num, l.topic, "
	    "l.homework, coalesce(st.surname || ' ' || st.name, '') FROM "
	    "lessons l JOIN temp.rp_classes c ON c.class_id = l.class_id LEFT "
	    "JOIN staff st ON st.id = l.teacher_id WHERE l.class_id = ?1 AND "
	    "l.subject_id = ?2 AND l.date BETWEEN c.start AND c.end AND "
	    "l.date <= ?3 ORDER BY l.date, l.num, l.subgroup")) == NULL)
		goto out;
	{
		char day[EJ_DATE_LEN];

		ej_date_format(r->real_today, day);
		sqlite3_bind_int64(st, 1, r->class_id);
		sqlite3_bind_int64(st, 2, r->subject_id);
		sqlite3_bind_text(st, 3, day, -1, SQLITE_TRANSIENT);
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = rp_text(st, 1);
		int num = sqlite3_column_int(st, 2);

		idmap_add(&les, sqlite3_column_int64(st, 0));
		ej_table_row(tl);
		ej_table_cell(tl, d);
		ej_table_cellf(tl, "%d", num);
		ej_table_cell(tl, rp_text(st, 3));
		ej_table_cell(tl, rp_text(st, 4));
		ej_table_cell(tl, rp_text(st, 5));
		if (strlen(d) == 10) {
			char key[24];

			snprintf(key, sizeof key, num > 1 ? "%.2s.%.2s#%d" :
			    "%.2s.%.2s", d + 8, d + 5, num);
			ej_table_col(t, key, key, EJ_COL_NUM);
		}
	}
	if (rp_done(r, st, step) < 0)
		goto out;
	ej_table_col(t, "marks", _("marks"), EJ_COL_NUM);
	ej_table_col(t, "average", _("average"), EJ_COL_NUM);
	ej_table_col(t, "suggested", _("suggested"), EJ_COL_NUM);
	ej_table_col(t, "period", _("period"), EJ_COL_NUM);
	nl = les.n;
	idmap_sort(&les);
	if ((st = rp_prep(r, "SELECT mb.pupil_id, trim(p.surname || ' ' || "
	    "p.name), coalesce(tm.mark, '') FROM temp.rp_members mb JOIN "
	    "temp.rp_classes c ON c.class_id = mb.class_id JOIN pupils p ON "
	    "p.id = mb.pupil_id LEFT JOIN term_marks tm ON tm.pupil_id = "
	    "mb.pupil_id AND tm.subject_id = ?1 AND tm.year_id = ?2 AND "
	    "tm.period = c.tcode ORDER BY " PUPIL_ORDER)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, r->subject_id);
	sqlite3_bind_int64(st, 2, r->year_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		idmap_add(&pup, sqlite3_column_int64(st, 0));
		pu = ej_xrealloc(pu, pup.cap * sizeof *pu);
		pu[pup.n - 1].id = sqlite3_column_int64(st, 0);
		pu[pup.n - 1].name = ej_xstrdup(rp_text(st, 1));
		pu[pup.n - 1].cls = ej_xstrdup(rp_text(st, 2));
	}
	if (rp_done(r, st, step) < 0)
		goto out;
	np = pup.n;
	idmap_sort(&pup);
	grid = ej_xcalloc(np * nl + 1, sizeof *grid);
	pm = ej_xcalloc(np + 1, sizeof *pm);
	pn = ej_xcalloc(np + 1, sizeof *pn);
	pcap = ej_xcalloc(np + 1, sizeof *pcap);
	/* Absences first, then marks after them: "н/5" for a conflict. */
	if ((st = rp_prep(r, "SELECT 0, x.lesson_id, x.pupil_id, x.code, 0, "
	    "0 FROM attendance x JOIN lessons l ON l.id = x.lesson_id JOIN "
	    "temp.rp_classes c ON c.class_id = l.class_id WHERE l.class_id = "
	    "?1 AND l.subject_id = ?2 AND l.date BETWEEN c.start AND c.end "
	    "UNION ALL SELECT 1, m.lesson_id, m.pupil_id, CASE m.mark WHEN "
	    "'долг' THEN '.' ELSE m.mark END, w.weight, m.seq FROM marks m "
	    "JOIN work_types w ON w.id = m.work_id JOIN lessons l ON l.id = "
	    "m.lesson_id JOIN temp.rp_classes c ON c.class_id = l.class_id "
	    "WHERE l.class_id = ?1 AND l.subject_id = ?2 AND l.date BETWEEN "
	    "c.start AND c.end ORDER BY 1, 2, 3, 6")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, r->class_id);
	sqlite3_bind_int64(st, 2, r->subject_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t li = idmap_find(&les, sqlite3_column_int64(st, 1));
		size_t pi = idmap_find(&pup, sqlite3_column_int64(st, 2));
		const char *v = rp_text(st, 3);
		char *cell;

		if (li == (size_t)-1 || pi == (size_t)-1)
			continue;
		cell = grid[pi * nl + li].text;
		if (*cell)
			strncat(cell, "/", sizeof grid[0].text -
			    strlen(cell) - 1);
		strncat(cell, v, sizeof grid[0].text - strlen(cell) - 1);
		if (sqlite3_column_int(st, 0) == 1 && v[0] >= '1' &&
		    v[0] <= '5' && v[1] == '\0') {
			if (pn[pi] == pcap[pi]) {
				pcap[pi] = pcap[pi] ? 2 * pcap[pi] : 16;
				pm[pi] = ej_xrealloc(pm[pi],
				    pcap[pi] * sizeof *pm[pi]);
			}
			pm[pi][pn[pi]].value = v[0] - '0';
			pm[pi][pn[pi]].weight =
			    rp_weight(sqlite3_column_double(st, 4));
			pn[pi]++;
		}
	}
	if (rp_done(r, st, step) < 0)
		goto out;
	for (i = 0; i < np; i++) {
		struct ej_terms_suggestion sg;
		struct ej_terms_rule rule = r->rule;
		char avg[24];

		rule.min_marks = rp_min_marks(r, scheme);
		ej_terms_suggest(pm[i], pn[i], &rule, &sg);
		ej_table_row(t);
		ej_table_cellf(t, "%zu", i + 1);
		ej_table_cell(t, pu[i].name);
		for (j = 0; j < nl; j++)
			ej_table_cell(t, grid[i * nl + j].text);
		ej_table_cellf(t, "%d", sg.count);
		ej_table_cell(t, ej_terms_format(sg.average, avg, sizeof avg));
		ej_table_cell(t, strcmp(tcode, "year") ? sg.mark : "");
		ej_table_cell(t, pu[i].cls);	/* the period mark set */
	}
	ej_doc_add(r->doc, t);
	ej_doc_add(r->doc, tl);
	tl = NULL;
	rc = 0;
out:
	ej_table_free(tl);
	if (rc < 0)
		ej_table_free(t);
	for (i = 0; pm != NULL && i < pup.n; i++)
		free(pm[i]);
	free(pm);
	free(pn);
	free(pcap);
	free(grid);
	pupils_free(pu, pup.n);
	idmap_free(&les);
	idmap_free(&pup);
	return rc;
}
