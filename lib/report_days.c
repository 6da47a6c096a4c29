/*
 * report_days — the reports over days: a pupil's diary, attendance,
 * teachers' discipline, the help schedule and the rollout plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "i18n.h"
#include "report_priv.h"

#define PUPIL_ORDER "c.parallel, c.name, p.surname, p.name, p.patronymic, p.id"

/* ---------------------------------------------------------- diary */

/*
 * The diary of pupil (0: every pupil in rp_members): the lessons of the
 * class the pupil was in on each day, with topic, homework, the pupil's
 * marks with their work types ("." for work owed) and absence; then per
 * subject the marks, the weighted average and the period mark.
 */
int
rp_diary(struct rp *r, long long pupil)
{
	sqlite3_stmt *st;
	struct ej_table *t, *ts;
	char *title, *sec = NULL;
	long long cur = -1, cur_s = -1;
	struct ej_terms_mark *m = NULL;
	size_t n = 0, cap = 0;
	char marks[512] = "", scheme[16] = "", period[16] = "";
	char subj[256] = "";
	int step, more = 1;

	title = rp_title(r, _("Diary"));
	r->doc = ej_doc_new(title);
	free(title);
	t = ej_table_new(_("Lessons"));
	ej_table_key(t, "lessons");
	ej_table_section_key(t, "pupil");
	ej_table_col(t, "date", _("date"), EJ_COL_NOWRAP);
	ej_table_col(t, "subject", _("subject"), 0);
	ej_table_col(t, "topic", _("topic"), 0);
	ej_table_col(t, "homework", _("homework"), 0);
	ej_table_col(t, "marks", _("marks"), 0);
	ej_table_col(t, "absence", _("absence"), EJ_COL_NOWRAP);
	ej_doc_add(r->doc, t);
	if ((st = rp_prep(r, "SELECT mb.pupil_id, p.surname || ' ' || p.name "
	    "|| ', ' || c.name, l.date, s.name, l.topic, l.homework, "
	    "(SELECT group_concat(CASE x.mark WHEN 'долг' THEN '.' ELSE x.mark "
	    "END || ' (' || w.name || ')', ', ') FROM "
	    "(SELECT * FROM marks WHERE lesson_id = l.id AND pupil_id = "
	    "mb.pupil_id ORDER BY seq) x JOIN work_types w ON w.id = "
	    "x.work_id), (SELECT a.code FROM attendance a WHERE a.lesson_id = "
	    "l.id AND a.pupil_id = mb.pupil_id) "
	    "FROM temp.rp_members mb JOIN temp.rp_classes c ON c.class_id = "
	    "mb.class_id JOIN pupils p ON p.id = mb.pupil_id JOIN lessons l ON "
	    "l.class_id = mb.class_id AND l.date BETWEEN c.start AND c.end "
	    "JOIN subjects s ON s.id = l.subject_id JOIN temp.rp_scope sc ON "
	    "sc.class_id = l.class_id AND sc.subject_id = l.subject_id "
	    "WHERE (?1 = 0 OR mb.pupil_id = ?1) AND (SELECT m2.class_id FROM "
	    "membership m2 WHERE m2.pupil_id = mb.pupil_id AND m2.start <= "
	    "l.date ORDER BY m2.start DESC LIMIT 1) = l.class_id "
	    "ORDER BY " PUPIL_ORDER ", l.date, s.id, l.num")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != cur) {
			cur = sqlite3_column_int64(st, 0);
			ej_table_section(t, rp_text(st, 1));
		}
		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 2));
		ej_table_cell(t, rp_text(st, 3));
		ej_table_cell(t, rp_text(st, 4));
		ej_table_cell(t, rp_text(st, 5));
		ej_table_cell(t, rp_text(st, 6));
		ej_table_cell(t, rp_text(st, 7));
	}
	if (rp_done(r, st, step) < 0)
		return -1;

	ts = ej_table_new(_("Marks by subject"));
	ej_table_key(ts, "subjects");
	ej_table_section_key(ts, "pupil");
	ej_table_col(ts, "subject", _("subject"), 0);
	ej_table_col(ts, "marks", _("marks"), 0);
	ej_table_col(ts, "average", _("weighted average"), EJ_COL_NUM);
	ej_table_col(ts, "period", _("period mark"), EJ_COL_NUM);
	ej_doc_add(r->doc, ts);
	/* From the pupils to their class's lessons to the marks by their
	 * primary key (CROSS JOIN keeps that order): marks has no index by
	 * pupil, and reading all of them cost a full-year store ~0.1 s. */
	if ((st = rp_prep(r, "SELECT mb.pupil_id, p.surname || ' ' || p.name "
	    "|| ', ' || c.name, s.id, s.name, x.mark, w.weight, c.scheme, "
	    "(SELECT tm.mark FROM term_marks tm WHERE tm.pupil_id = "
	    "mb.pupil_id AND tm.subject_id = s.id AND tm.year_id = ?2 AND "
	    "tm.period = c.tcode) FROM temp.rp_members mb JOIN "
	    "temp.rp_classes c ON c.class_id = mb.class_id JOIN pupils p ON "
	    "p.id = mb.pupil_id JOIN lessons l ON l.class_id = mb.class_id AND "
	    "l.date BETWEEN c.start AND c.end CROSS JOIN marks x ON "
	    "x.lesson_id = l.id AND x.pupil_id = mb.pupil_id JOIN subjects s "
	    "ON s.id = "
	    "l.subject_id JOIN temp.rp_scope sc ON sc.class_id = l.class_id "
	    "AND sc.subject_id = l.subject_id JOIN work_types w ON w.id = "
	    "x.work_id WHERE (?1 = 0 OR mb.pupil_id = ?1) ORDER BY "
	    PUPIL_ORDER ", s.id, l.date, l.num, x.seq")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_int64(st, 2, r->year_id);
	cur = -1;
	while (more) {
		long long p = -1, s = -1;

		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			p = sqlite3_column_int64(st, 0);
			s = sqlite3_column_int64(st, 2);
		} else {
			more = 0;
		}
		if (cur_s != -1 && (p != cur || s != cur_s)) {
			struct ej_terms_suggestion sg;
			struct ej_terms_rule rule = r->rule;
			char avg[24];

			rule.min_marks = rp_min_marks(r, scheme);
			ej_terms_suggest(m, n, &rule, &sg);
			ej_table_row(ts);
			ej_table_cell(ts, subj);
			ej_table_cell(ts, marks);
			ej_table_cell(ts, ej_terms_format(sg.average, avg,
			    sizeof avg));
			ej_table_cell(ts, period);
			n = 0;
			marks[0] = '\0';
		}
		if (step != SQLITE_ROW)
			break;
		if (p != cur) {
			free(sec);
			sec = ej_xstrdup(rp_text(st, 1));
			ej_table_section(ts, sec);
		}
		cur = p;
		cur_s = s;
		snprintf(subj, sizeof subj, "%s", rp_text(st, 3));
		snprintf(scheme, sizeof scheme, "%s", rp_text(st, 6));
		snprintf(period, sizeof period, "%s", rp_text(st, 7));
		{
			const char *v = rp_text(st, 4);
			size_t len = strlen(marks);

			snprintf(marks + len, sizeof marks - len, "%s%s",
			    len ? " " : "", strcmp(v, "долг") ? v : ".");
			if (v[0] >= '1' && v[0] <= '5' && v[1] == '\0') {
				if (n == cap) {
					cap = cap ? 2 * cap : 32;
					m = ej_xrealloc(m, cap * sizeof *m);
				}
				m[n].value = v[0] - '0';
				m[n].weight =
				    rp_weight(sqlite3_column_double(st, 5));
				n++;
			}
		}
	}
	free(sec);
	free(m);
	return rp_done(r, st, step);
}

/* ----------------------------------------------------- attendance */

#define ABSENCES \
	"WITH abs AS (SELECT x.pupil_id, l.class_id, l.subject_id, l.date, " \
	"x.code FROM attendance x JOIN lessons l ON l.id = x.lesson_id JOIN " \
	"temp.rp_classes c ON c.class_id = l.class_id AND l.date BETWEEN " \
	"c.start AND c.end JOIN temp.rp_scope sc ON sc.class_id = l.class_id " \
	"AND sc.subject_id = l.subject_id JOIN temp.rp_members mb ON " \
	"mb.pupil_id = x.pupil_id AND mb.class_id = l.class_id) "

/* The same absences for one pupil: from the pupil's class's lessons to
 * the attendance by its primary key (the CROSS JOINs keep that order),
 * not every absence of the school, nor every lesson, joined. */
#define ABSENCES_PUPIL \
	"WITH abs AS (SELECT x.pupil_id, l.class_id, l.subject_id, l.date, " \
	"x.code FROM temp.rp_members mb CROSS JOIN temp.rp_classes c ON " \
	"c.class_id = mb.class_id CROSS JOIN lessons l ON l.class_id = " \
	"c.class_id " \
	"AND l.date BETWEEN c.start AND c.end JOIN temp.rp_scope sc ON " \
	"sc.class_id = l.class_id AND sc.subject_id = l.subject_id CROSS " \
	"JOIN attendance x ON x.lesson_id = l.id AND x.pupil_id = " \
	"mb.pupil_id) "

/* A statement over abs: rest after the CTE that suits the report. */
static sqlite3_stmt *
abs_prep(struct rp *r, const char *rest)
{
	sqlite3_stmt *st;
	char *sql = ej_xasprintf("%s%s", r->pupil_id > 0 ? ABSENCES_PUPIL :
	    ABSENCES, rest);

	st = rp_prep(r, sql);
	free(sql);
	return st;
}

int
rp_attendance(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_table *t, *ts, *tw;
	char *title;
	int step;

	title = rp_title(r, _("Attendance"));
	r->doc = ej_doc_new(title);
	free(title);
	t = ej_table_new(_("Lessons and days missed"));
	ej_table_key(t, "pupils");
	ej_table_note(t, _("н: absent without excuse, у: excused, б: ill, "
	    "оп: late; a day missed: %d or more lessons missed that day (оп "
	    "not counted)"), r->day_threshold);
	ej_table_col(t, "class", _("class"), EJ_COL_NOWRAP);
	ej_table_col(t, "pupil", _("pupil"), 0);
	ej_table_col(t, "n", "н", EJ_COL_NUM);
	ej_table_col(t, "u", "у", EJ_COL_NUM);
	ej_table_col(t, "b", "б", EJ_COL_NUM);
	ej_table_col(t, "op", "оп", EJ_COL_NUM);
	ej_table_col(t, "missed", _("missed"), EJ_COL_NUM);
	ej_table_col(t, "days", _("days"), EJ_COL_NUM);
	ej_doc_add(r->doc, t);
	if ((st = abs_prep(r, ", per AS (SELECT pupil_id, class_id, "
	    "sum(code = 'н') n, sum(code = 'у') u, sum(code = 'б') b, "
	    "sum(code = 'оп') op FROM abs GROUP BY pupil_id, class_id), "
	    "days AS (SELECT pupil_id, class_id, count(*) d FROM (SELECT "
	    "pupil_id, class_id, date FROM abs WHERE code <> 'оп' GROUP BY "
	    "pupil_id, class_id, date HAVING count(*) >= ?1) GROUP BY "
	    "pupil_id, class_id) "
	    "SELECT c.name, p.surname || ' ' || p.name, coalesce(per.n, 0), "
	    "coalesce(per.u, 0), coalesce(per.b, 0), coalesce(per.op, 0), "
	    "coalesce(days.d, 0) FROM temp.rp_members mb JOIN temp.rp_classes "
	    "c ON c.class_id = mb.class_id JOIN pupils p ON p.id = mb.pupil_id "
	    "LEFT JOIN per ON per.pupil_id = mb.pupil_id AND per.class_id = "
	    "mb.class_id LEFT JOIN days ON days.pupil_id = mb.pupil_id AND "
	    "days.class_id = mb.class_id ORDER BY " PUPIL_ORDER)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, r->day_threshold);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		long nn = sqlite3_column_int64(st, 2);
		long u = sqlite3_column_int64(st, 3);
		long b = sqlite3_column_int64(st, 4);

		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 0));
		ej_table_cell(t, rp_text(st, 1));
		rp_cell_long(t, nn);
		rp_cell_long(t, u);
		rp_cell_long(t, b);
		rp_cell_long(t, sqlite3_column_int64(st, 5));
		rp_cell_long(t, nn + u + b);
		rp_cell_long(t, sqlite3_column_int64(st, 6));
	}
	if (rp_done(r, st, step) < 0)
		return -1;

	ts = ej_table_new(_("By subject"));
	ej_table_key(ts, "subjects");
	ej_table_col(ts, "subject", _("subject"), 0);
	ej_table_col(ts, "n", "н", EJ_COL_NUM);
	ej_table_col(ts, "u", "у", EJ_COL_NUM);
	ej_table_col(ts, "b", "б", EJ_COL_NUM);
	ej_table_col(ts, "op", "оп", EJ_COL_NUM);
	ej_table_col(ts, "missed", _("missed"), EJ_COL_NUM);
	ej_doc_add(r->doc, ts);
	if ((st = abs_prep(r, "SELECT s.name, sum(code = 'н'), "
	    "sum(code = 'у'), sum(code = 'б'), sum(code = 'оп'), sum(code <> "
	    "'оп') FROM abs JOIN subjects s ON s.id = abs.subject_id GROUP BY "
	    "s.id ORDER BY s.name")) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int i;

		ej_table_row(ts);
		ej_table_cell(ts, rp_text(st, 0));
		for (i = 1; i <= 5; i++)
			rp_cell_long(ts, sqlite3_column_int64(st, i));
	}
	if (rp_done(r, st, step) < 0)
		return -1;

	tw = ej_table_new(_("By week"));
	ej_table_key(tw, "weeks");
	ej_table_col(tw, "week", _("week of"), EJ_COL_NOWRAP);
	ej_table_col(tw, "missed", _("lessons missed"), EJ_COL_NUM);
	ej_table_col(tw, "late", "оп", EJ_COL_NUM);
	ej_table_chart(tw, _("Lessons missed, by week"), 0, 1);
	ej_doc_add(r->doc, tw);
	if ((st = abs_prep(r, "SELECT date(date, '-6 days', "
	    "'weekday 1') w, sum(code <> 'оп'), sum(code = 'оп') FROM abs "
	    "GROUP BY w ORDER BY w")) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ej_table_row(tw);
		ej_table_cell(tw, rp_text(st, 0));
		rp_cell_long(tw, sqlite3_column_int64(st, 1));
		rp_cell_long(tw, sqlite3_column_int64(st, 2));
	}
	return rp_done(r, st, step);
}

/* ------------------------------------------------------- teachers */

int
rp_teachers(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_table *t;
	char *title;
	int step, i;

	title = rp_title(r, _("Teachers"));
	r->doc = ej_doc_new(title);
	free(title);
	t = ej_table_new(NULL);
	ej_table_key(t, "teachers");
	ej_table_note(t, "%s", _("late: marks entered after their work "
	    "type's deadline; not taken: lessons with neither an absence nor "
	    "a mark recorded"));
	ej_table_col(t, "teacher", _("teacher"), 0);
	ej_table_col(t, "login", _("login"), EJ_COL_NOWRAP);
	ej_table_col(t, "lessons", _("lessons"), EJ_COL_NUM);
	ej_table_col(t, "no_topic", _("no topic"), EJ_COL_NUM);
	ej_table_col(t, "no_homework", _("no homework"), EJ_COL_NUM);
	ej_table_col(t, "late_marks", _("late marks"), EJ_COL_NUM);
	ej_table_col(t, "not_taken", _("not taken"), EJ_COL_NUM);
	ej_doc_add(r->doc, t);
	if ((st = rp_prep(r, "WITH les AS (SELECT l.id, l.date, l.topic, "
	    "l.homework, l.teacher_id FROM lessons l JOIN temp.rp_classes c ON "
	    "c.class_id = l.class_id AND l.date BETWEEN c.start AND c.end JOIN "
	    "temp.rp_scope sc ON sc.class_id = l.class_id AND sc.subject_id = "
	    "l.subject_id WHERE ?1 = 0 OR l.teacher_id = ?1), "
	    "late AS (SELECT les.id, count(*) n FROM les JOIN marks m ON "
	    "m.lesson_id = les.id JOIN work_types w ON w.id = m.work_id WHERE "
	    "substr(m.at, 1, 10) > date(les.date, '+' || w.deadline || ' "
	    "days') GROUP BY les.id) "
	    "SELECT trim(st.surname || ' ' || st.name || ' ' || "
	    "st.patronymic), st.login, count(*), sum(les.topic = ''), "
	    "sum(les.homework = ''), coalesce(sum(late.n), 0), sum(NOT EXISTS "
	    "(SELECT 1 FROM attendance a WHERE a.lesson_id = les.id) AND NOT "
	    "EXISTS (SELECT 1 FROM marks m WHERE m.lesson_id = les.id)) FROM "
	    "les JOIN staff st ON st.id = les.teacher_id LEFT JOIN late ON "
	    "late.id = les.id GROUP BY st.id ORDER BY st.surname, st.name, "
	    "st.id")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->teacher_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 0));
		ej_table_cell(t, rp_text(st, 1));
		for (i = 2; i <= 6; i++)
			rp_cell_long(t, sqlite3_column_int64(st, i));
	}
	return rp_done(r, st, step);
}

/* ------------------------------------------------ helpdesk, plan */

static const char *const weekdays[] = {
	N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
	N_("Friday"), N_("Saturday"), N_("Sunday")
};

int
rp_helpdesk(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_table *t;
	char now[8] = "";
	int step, wd = 0;

	if (r->o->now) {
		time_t tt = time(NULL);
		struct tm tm;

		localtime_r(&tt, &tm);
		snprintf(now, sizeof now, "%02d:%02d", tm.tm_hour, tm.tm_min);
		wd = tm.tm_wday == 0 ? 7 : tm.tm_wday;
	}
	r->doc = ej_doc_new(r->o->now ? _("Help on duty now") :
	    _("Help schedule"));
	t = ej_table_new(NULL);
	ej_table_key(t, "helpdesk");
	ej_table_col(t, "weekday", _("weekday"), EJ_COL_NOWRAP);
	ej_table_col(t, "start", _("from"), EJ_COL_NOWRAP);
	ej_table_col(t, "end", _("to"), EJ_COL_NOWRAP);
	ej_table_col(t, "kind", _("help"), 0);
	ej_table_col(t, "responsible", _("who helps"), 0);
	ej_doc_add(r->doc, t);
	if ((st = rp_prep(r, "SELECT weekday, start, end, kind, responsible "
	    "FROM helpdesk WHERE ?1 = 0 OR (weekday = ?1 AND start <= ?2 AND "
	    "?2 < end) ORDER BY weekday, start, id")) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, wd);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int w = sqlite3_column_int(st, 0);

		ej_table_row(t);
		ej_table_cell(t, w >= 1 && w <= 7 ? _(weekdays[w - 1]) : "?");
		ej_table_cell(t, rp_text(st, 1));
		ej_table_cell(t, rp_text(st, 2));
		ej_table_cell(t, rp_text(st, 3));
		ej_table_cell(t, rp_text(st, 4));
	}
	if (r->o->now && ej_table_nrows(t) == 0)
		ej_table_note(t, "%s", _("nobody is on duty now"));
	return rp_done(r, st, step);
}

int
rp_plan(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_table *t;
	char today[EJ_DATE_LEN];
	int step;

	ej_date_format(r->real_today, today);
	r->doc = ej_doc_new(_("Rollout plan"));
	t = ej_table_new(NULL);
	ej_table_key(t, "plan");
	ej_table_note(t, _("as of %s"), today);
	ej_table_col(t, "no", "№", EJ_COL_NUM);
	ej_table_col(t, "task", _("task"), 0);
	ej_table_col(t, "due", _("due"), 0);
	ej_table_col(t, "responsible", _("responsible"), 0);
	ej_table_col(t, "status", _("status"), EJ_COL_NOWRAP);
	ej_doc_add(r->doc, t);
	if ((st = rp_prep(r, "SELECT id, task, due, responsible, done, "
	    "due_date IS NOT NULL AND due_date < ?1 FROM plan ORDER BY id")) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 0));
		ej_table_cell(t, rp_text(st, 1));
		ej_table_cell(t, rp_text(st, 2));
		ej_table_cell(t, rp_text(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			char *s = ej_xasprintf(_("done %s"), rp_text(st, 4));

			ej_table_cell(t, s);
			free(s);
		} else {
			ej_table_cell(t, sqlite3_column_int(st, 5) ?
			    _("overdue") : "");
		}
	}
	return rp_done(r, st, step);
}
