/*
 * journal — lessons, marks and attendance under the school's rules; see
 * journal.h.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "journal.h"
#include "roster.h"
#include "text.h"
#include "who.h"

struct name_cache {
	long long id;
	char *name;
};

/* New marks a statement in a batch (ej_journal_batch). */
#define BATCH 32

/* A subject's rules, read once a run. */
struct subj {
	long long id;
	int passfail, two_marks;
	char *name;
};

/* The statements a bulk write runs per cell, prepared once and held
 * (the store owns and finalises them). */
enum {
	Q_CELL, Q_MARK_INS, Q_MARK_UPD, Q_MARK_DEL, Q_ABS_INS, Q_ABS_UPD,
	Q_ABS_DEL, Q_N
};

static const char *const held_sql[Q_N] = {
	[Q_CELL] = "SELECT seq, mark, work_id FROM marks WHERE lesson_id = ?1 "
	    "AND pupil_id = ?2 UNION ALL SELECT 0, code, 0 FROM attendance "
	    "WHERE lesson_id = ?1 AND pupil_id = ?2",
	[Q_MARK_INS] = "INSERT INTO marks(lesson_id, pupil_id, seq, mark, "
	    "work_id, by_id, at, reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "coalesce(?8, ''))",
	[Q_MARK_UPD] = "UPDATE marks SET mark = ?4, work_id = ?5, by_id = ?6, "
	    "at = ?7, reason = coalesce(?8, '') WHERE lesson_id = ?1 AND "
	    "pupil_id = ?2 AND seq = ?3",
	[Q_MARK_DEL] = "DELETE FROM marks WHERE lesson_id = ? AND "
	    "pupil_id = ? AND seq = ?",
	[Q_ABS_INS] = "INSERT INTO attendance(lesson_id, pupil_id, code, "
	    "by_id, at, reason) VALUES(?1, ?2, ?3, ?4, ?5, coalesce(?6, ''))",
	[Q_ABS_UPD] = "UPDATE attendance SET code = ?3, by_id = ?4, at = ?5, "
	    "reason = coalesce(?6, '') WHERE lesson_id = ?1 AND pupil_id = ?2",
	[Q_ABS_DEL] = "DELETE FROM attendance WHERE lesson_id = ? AND "
	    "pupil_id = ?",
};

struct ej_journal {
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_yearctx yc;
	long long year_id;
	char now[21];                /* one timestamp for the whole run */
	char scale[8][8];            /* "5", "4", … */
	int nscale;
	long long default_work;
	struct { int start, end; char *name; } *holidays;
	size_t nholidays;
	struct name_cache *classes, *subjects;
	size_t nclasses, nsubjects;
	struct subj *subj;           /* subject_info */
	size_t nsubj;
	sqlite3_stmt *held[Q_N];     /* held_sql, prepared on first use */
	/* ej_journal_batch: new marks queued, written BATCH a statement */
	int batching;
	struct { long long lesson, pupil, work; int seq; char mark[16]; }
	    queue[BATCH];
	size_t nqueue;
	sqlite3_stmt *batch_st;
	/* may_write's answer for the last pair asked */
	long long ok_class, ok_subject;
	/* timetable warnings given: once per class, subject and weekday */
	struct { long long cls, subj; int wd; } warned[32];
	size_t nwarned;
	const char *col;             /* ej_journal_set_column */
	char setbuf[64], classbuf[32];
};

static const char *
where_file(const struct ej_where *w)
{
	return w ? w->file : NULL;
}

static long
where_line(const struct ej_where *w)
{
	return w ? w->line : 0;
}

static int
jerr(struct ej_journal *j, int code, const struct ej_where *w,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
jerr(struct ej_journal *j, int code, const struct ej_where *w,
    const char *fmt, ...)
{
	va_list ap, aq;
	char *msg;
	int n;

	va_start(ap, fmt);
	if (j->col) {
		/* "sheet.csv:12: 15.09: message": the cell's column. */
		va_copy(aq, ap);
		n = vsnprintf(NULL, 0, fmt, aq);
		va_end(aq);
		msg = ej_xmalloc(n > 0 ? (size_t)n + 1 : 1);
		vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
		ej_error(j->d, code, where_file(w), where_line(w), 0, "%s: %s",
		    j->col, msg);
		free(msg);
	} else
		ej_verror(j->d, code, where_file(w), where_line(w), 0, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
setting(struct ej_journal *j, const char *key)
{
	/* read at open, copied by the caller */
	ej_setting(j->s, key, j->setbuf, sizeof j->setbuf, j->d);
	return j->setbuf;
}

int
ej_journal_open(struct ej_journal **out, struct ej_store *s,
    struct ej_diag *d)
{
	struct ej_journal *j = ej_xcalloc(1, sizeof *j);
	sqlite3_stmt *st;
	char *list, *tok, *save;
	int y, m, dd;

	*out = NULL;
	j->s = s;
	j->d = d;
	if (ej_roster_year(s, &j->year_id, &j->yc.start, &j->yc.end, d) < 0) {
		free(j);
		return -1;
	}
	ej_date_to_ymd(j->yc.start, &y, &m, &dd);
	j->yc.first_year = y;
	ej_timestamp_now(j->now);
	list = ej_xstrdup(setting(j, "marks.scale"));
	for (tok = strtok_r(list, ", ", &save); tok && j->nscale < 8;
	    tok = strtok_r(NULL, ", ", &save))
		snprintf(j->scale[j->nscale++], sizeof j->scale[0], "%s", tok);
	free(list);
	if (j->nscale == 0) {
		static const char *const dflt[] = {"5", "4", "3", "2"};

		for (; j->nscale < 4; j->nscale++)
			snprintf(j->scale[j->nscale], sizeof j->scale[0], "%s",
			    dflt[j->nscale]);
	}
	if ((st = ej_store_prepare(s, "SELECT id FROM work_types ORDER BY "
	    "dflt DESC, id LIMIT 1", d)) == NULL) {
		ej_journal_free(j);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		j->default_work = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = ej_store_prepare(s, "SELECT start, end, name FROM holidays "
	    "WHERE year_id = ? ORDER BY start", d)) == NULL) {
		ej_journal_free(j);
		return -1;
	}
	sqlite3_bind_int64(st, 1, j->year_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int a, b;

		if (ej_date_parse_iso((const char *)sqlite3_column_text(st, 0),
		    &a) < 0 || ej_date_parse_iso((const char *)
		    sqlite3_column_text(st, 1), &b) < 0)
			continue;
		j->holidays = ej_xrealloc(j->holidays, (j->nholidays + 1) *
		    sizeof *j->holidays);
		j->holidays[j->nholidays].start = a;
		j->holidays[j->nholidays].end = b;
		j->holidays[j->nholidays].name = ej_xstrdup((const char *)
		    sqlite3_column_text(st, 2));
		j->nholidays++;
	}
	sqlite3_reset(st);
	*out = j;
	return 0;
}

void
ej_journal_free(struct ej_journal *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nholidays; i++)
		free(j->holidays[i].name);
	free(j->holidays);
	for (i = 0; i < j->nclasses; i++)
		free(j->classes[i].name);
	free(j->classes);
	for (i = 0; i < j->nsubjects; i++)
		free(j->subjects[i].name);
	free(j->subjects);
	for (i = 0; i < j->nsubj; i++)
		free(j->subj[i].name);
	free(j->subj);
	free(j);
}

struct ej_store *
ej_journal_store(struct ej_journal *j)
{
	return j->s;
}

const struct ej_yearctx *
ej_journal_year(const struct ej_journal *j)
{
	return &j->yc;
}

long long
ej_journal_year_id(const struct ej_journal *j)
{
	return j->year_id;
}

void
ej_journal_set_column(struct ej_journal *j, const char *col)
{
	j->col = col;
}

/* ------------------------------------------------------------------ names */

static void
cache_put(struct name_cache **c, size_t *n, long long id, const char *name)
{
	*c = ej_xrealloc(*c, (*n + 1) * sizeof **c);
	(*c)[*n].id = id;
	(*c)[*n].name = ej_xstrdup(name);
	(*n)++;
}

static long long
cache_get(struct name_cache *c, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].name, name) == 0)
			return c[i].id;
	return 0;
}

static const char *
cache_name(struct name_cache *c, size_t n, long long id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].id == id)
			return c[i].name;
	return NULL;
}

long long
ej_journal_class(struct ej_journal *j, const char *name,
    const struct ej_where *w)
{
	long long id;

	if ((id = cache_get(j->classes, j->nclasses, name)) != 0)
		return id;
	if ((id = ej_roster_find_class(j->s, name)) == 0) {
		jerr(j, EJ_EXIT_DATAERR, w, _("unknown class \"%s\""), name);
		return 0;
	}
	cache_put(&j->classes, &j->nclasses, id, name);
	return id;
}

const char *
ej_journal_class_name(struct ej_journal *j, long long class_id)
{
	sqlite3_stmt *st;
	char *buf = j->classbuf;

	buf[0] = '\0';
	if ((st = ej_store_prepare(j->s, "SELECT name FROM classes WHERE "
	    "id = ?", j->d)) == NULL)
		return buf;
	sqlite3_bind_int64(st, 1, class_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, sizeof j->classbuf, "%s",
		    sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return buf;
}

long long
ej_journal_subject(struct ej_journal *j, const char *name,
    const struct ej_where *w)
{
	long long id;

	if ((id = cache_get(j->subjects, j->nsubjects, name)) != 0)
		return id;
	if ((id = ej_roster_find_subject(j->s, name, j->d)) < 0)
		return 0;
	if (id == 0) {
		jerr(j, EJ_EXIT_DATAERR, w, _("unknown subject \"%s\""), name);
		return 0;
	}
	cache_put(&j->subjects, &j->nsubjects, id, name);
	return id;
}

/* The subject's rules and name, read once; NULL when there is none. */
static const struct subj *
subject_info(struct ej_journal *j, long long subject_id)
{
	sqlite3_stmt *st;
	struct subj *v;
	size_t i;

	for (i = 0; i < j->nsubj; i++)
		if (j->subj[i].id == subject_id)
			return &j->subj[i];
	if ((st = ej_store_prepare(j->s, "SELECT passfail, two_marks, name "
	    "FROM subjects WHERE id = ?", j->d)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, subject_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	j->subj = ej_xrealloc(j->subj, (j->nsubj + 1) * sizeof *j->subj);
	v = &j->subj[j->nsubj++];
	v->id = subject_id;
	v->passfail = sqlite3_column_int(st, 0);
	v->two_marks = sqlite3_column_int(st, 1);
	v->name = ej_xstrdup((const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	return v;
}

const char *
ej_journal_subject_name(struct ej_journal *j, long long subject_id)
{
	const struct subj *v = subject_info(j, subject_id);

	(void)cache_name;
	return v ? v->name : "";
}

long long
ej_journal_work(struct ej_journal *j, const char *name,
    const struct ej_where *w)
{
	sqlite3_stmt *st;
	long long id = 0;

	if (!name || !*name)
		return j->default_work;
	if ((st = ej_store_prepare(j->s, "SELECT id FROM work_types WHERE "
	    "ej_fold(name) = ej_fold(?)", j->d)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0)
		jerr(j, EJ_EXIT_DATAERR, w, _("unknown work type \"%s\""), name);
	return id;
}

long long
ej_journal_pupil(struct ej_journal *j, const char *ref, long long class_id,
    int date, const struct ej_where *w)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	long long id, in = 0;

	id = ej_roster_find_pupil_in(j->s, ref, class_id, date, where_file(w),
	    where_line(w), j->d);
	if (id < 0)
		return 0;                 /* ambiguous: reported */
	if (id == 0) {
		jerr(j, EJ_EXIT_DATAERR, w, _("unknown pupil \"%s\""), ref);
		return 0;
	}
	ej_date_format(date, day);
	if ((st = ej_store_prepare(j->s, "SELECT class_id FROM membership "
	    "WHERE pupil_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
	    j->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		in = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (in != class_id) {
		jerr(j, EJ_EXIT_DATAERR, w, _("%s is not in %s on %s"), ref,
		    ej_journal_class_name(j, class_id), day);
		return 0;
	}
	return id;
}

int
ej_journal_date(struct ej_journal *j, const char *s, int *out,
    const struct ej_where *w)
{
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	size_t i;

	if (ej_date_parse(s, &j->yc, out) < 0)
		return jerr(j, EJ_EXIT_DATAERR, w, _("\"%s\" is not a date"), s);
	if (*out < j->yc.start || *out > j->yc.end) {
		ej_date_format(j->yc.start, a);
		ej_date_format(j->yc.end, b);
		return jerr(j, EJ_EXIT_DATAERR, w,
		    _("%s is outside the year (%s..%s)"), s, a, b);
	}
	for (i = 0; i < j->nholidays; i++)
		if (*out >= j->holidays[i].start && *out <= j->holidays[i].end) {
			ej_date_format(*out, a);
			return jerr(j, EJ_EXIT_DATAERR, w,
			    _("%s is a holiday (%s)"), a, j->holidays[i].name);
		}
	return 0;
}

/* ------------------------------------------------------------ permission */

int
ej_journal_may_write(struct ej_journal *j, long long class_id,
    long long subject_id, const struct ej_where *w)
{
	const struct ej_actor *a = ej_store_actor(j->s);
	sqlite3_stmt *st;
	int ok;

	if (a->roles & (EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY))
		return 0;
	if (class_id == j->ok_class && subject_id == j->ok_subject)
		return 0;
	if ((st = ej_store_prepare(j->s, "SELECT 1 FROM load WHERE "
	    "teacher_id = ? AND class_id = ? AND subject_id = ?", j->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a->staff_id);
	sqlite3_bind_int64(st, 2, class_id);
	sqlite3_bind_int64(st, 3, subject_id);
	ok = (a->roles & EJ_ROLE_TEACHER) && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!ok)
		return jerr(j, EJ_EXIT_NOPERM, w,
		    _("%s may not write %s %s: not in their teaching load"),
		    a->login, ej_journal_class_name(j, class_id),
		    ej_journal_subject_name(j, subject_id));
	j->ok_class = class_id;
	j->ok_subject = subject_id;
	return 0;
}

/* ----------------------------------------------------------------- lessons */

/* When the class has a timetable, a lesson on a day without its subject
 * is worth a warning: a wrong date, usually. */
static void
check_timetable(struct ej_journal *j, long long class_id,
    long long subject_id, int date, const struct ej_where *w)
{
	sqlite3_stmt *st;
	int has = 0, slot = 0, wd = ej_date_weekday(date);
	size_t i;

	/* An import of a whole sheet says it once a weekday. */
	for (i = 0; i < j->nwarned; i++)
		if (j->warned[i].cls == class_id &&
		    j->warned[i].subj == subject_id && j->warned[i].wd == wd)
			return;
	if ((st = ej_store_prepare(j->s, "SELECT count(*), "
	    "sum(weekday = ?3 AND subject_id = ?2) FROM timetable WHERE "
	    "class_id = ?1", j->d)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, subject_id);
	sqlite3_bind_int(st, 3, ej_date_weekday(date));
	if (sqlite3_step(st) == SQLITE_ROW) {
		has = sqlite3_column_int(st, 0);
		slot = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (has && !slot) {
		char day[EJ_DATE_LEN];

		if (j->nwarned < sizeof j->warned / sizeof j->warned[0]) {
			j->warned[j->nwarned].cls = class_id;
			j->warned[j->nwarned].subj = subject_id;
			j->warned[j->nwarned++].wd = wd;
		}
		ej_date_format(date, day);
		ej_warn(j->d, where_file(w), where_line(w), 0,
		    _("%s has no %s on %s in the timetable"),
		    ej_journal_class_name(j, class_id),
		    ej_journal_subject_name(j, subject_id), day);
	}
}

long long
ej_journal_lesson(struct ej_journal *j, long long class_id,
    long long subject_id, int subgroup, int date, int num, int create,
    long long teacher_id, int *created, const struct ej_where *w)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	long long id = 0;
	int rc;

	if (created)
		*created = 0;
	ej_date_format(date, day);
	if ((st = ej_store_prepare(j->s, "SELECT id FROM lessons WHERE "
	    "class_id = ? AND subject_id = ? AND date = ? AND num = ? AND "
	    "subgroup = ?", j->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, subject_id);
	sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, num);
	sqlite3_bind_int(st, 5, subgroup);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id || !create)
		return id;
	check_timetable(j, class_id, subject_id, date, w);
	if ((st = ej_store_prepare(j->s, "INSERT INTO lessons(class_id, "
	    "subject_id, subgroup, date, num, teacher_id, by_id, at) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?, ?)", j->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, subject_id);
	sqlite3_bind_int(st, 3, subgroup);
	sqlite3_bind_text(st, 4, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, num);
	sqlite3_bind_int64(st, 6, teacher_id ? teacher_id :
	    ej_store_actor(j->s)->staff_id);
	sqlite3_bind_int64(st, 7, ej_store_actor(j->s)->staff_id);
	sqlite3_bind_text(st, 8, j->now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(j->s, j->d, _("cannot add a lesson"));
	if (created)
		*created = 1;
	return sqlite3_last_insert_rowid(ej_store_db(j->s));
}

/* ------------------------------------------------------------------ marks */

int
ej_journal_mark(struct ej_journal *j, long long subject_id,
    const char *token, char out[16], const struct ej_where *w)
{
	char *f = ej_text_fold(token);
	char scale[64] = "";
	int passfail, i, ok = 0;

	if (!f)
		return jerr(j, EJ_EXIT_DATAERR, w, _("\"%s\" is not a mark"),
		    token);
	passfail = subject_info(j, subject_id) ?
	    subject_info(j, subject_id)->passfail : 0;
	if (!strcmp(f, "долг") || !strcmp(f, "dolg") || !strcmp(f, ".")) {
		snprintf(out, 16, "долг");
		ok = 1;
	} else if (passfail) {
		if (!strcmp(f, "зач") || !strcmp(f, "zach") ||
		    !strcmp(f, "зачет")) {
			snprintf(out, 16, "зач");
			ok = 1;
		} else if (!strcmp(f, "незач") || !strcmp(f, "nezach") ||
		    !strcmp(f, "незачет")) {
			snprintf(out, 16, "незач");
			ok = 1;
		}
	} else
		for (i = 0; i < j->nscale && !ok; i++)
			if (!strcmp(f, j->scale[i])) {
				snprintf(out, 16, "%s", j->scale[i]);
				ok = 1;
			}
	free(f);
	if (ok)
		return 0;
	if (passfail)
		return jerr(j, EJ_EXIT_DATAERR, w, _("\"%s\" is not a mark: "
		    "this subject takes зач, незач or долг"), token);
	for (i = 0; i < j->nscale; i++) {
		strncat(scale, j->scale[i], sizeof scale - strlen(scale) - 1);
		strncat(scale, i + 1 < j->nscale ? " " : "",
		    sizeof scale - strlen(scale) - 1);
	}
	return jerr(j, EJ_EXIT_DATAERR, w, _("\"%s\" is not a mark: the scale "
	    "is %s (or долг)"), token, scale);
}

int
ej_journal_code(const char *token, char out[8])
{
	static const struct { const char *in, *code; } codes[] = {
		{"н", "н"}, {"n", "н"}, {"нб", "н"},
		{"у", "у"}, {"u", "у"},
		{"б", "б"}, {"b", "б"},
		{"оп", "оп"}, {"op", "оп"}, {"late", "оп"},
	};
	char *f = ej_text_fold(token);
	size_t i;

	if (!f)
		return -1;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(f, codes[i].in)) {
			snprintf(out, 8, "%s", codes[i].code);
			free(f);
			return 0;
		}
	free(f);
	return -1;
}

/* Step a write; what (a msgid, translated only on failure) names it. */
static int
step_write(struct ej_journal *j, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(j->s, j->d, _(what));
	return 0;
}

/* A held statement (held_sql), reset; NULL with an error. */
static sqlite3_stmt *
held(struct ej_journal *j, int q)
{
	if (!j->held[q])
		j->held[q] = ej_store_prepare(j->s, held_sql[q], j->d);
	return j->held[q];
}

/* The queued marks' INSERT: BATCH rows of (lesson, pupil, seq, mark,
 * work), then the acting person and the time for all. */
static sqlite3_stmt *
batch_stmt(struct ej_journal *j)
{
	char *sql, *t;
	int i;

	if (j->batch_st)
		return j->batch_st;
	sql = ej_xstrdup("INSERT INTO marks(lesson_id, pupil_id, seq, mark, "
	    "work_id, by_id, at) VALUES");
	for (i = 0; i < BATCH; i++) {
		t = ej_xasprintf("%s%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)", sql,
		    i ? ", " : " ", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4,
		    5 * i + 5, 5 * BATCH + 1, 5 * BATCH + 2);
		free(sql);
		sql = t;
	}
	j->batch_st = ej_store_prepare(j->s, sql, j->d);
	free(sql);
	return j->batch_st;
}

int
ej_journal_flush(struct ej_journal *j)
{
	sqlite3_stmt *q;
	size_t i, n = j->nqueue;

	if (n == 0)
		return 0;
	j->nqueue = 0;
	if (n < BATCH) {
		/* the rest, one at a time */
		if ((q = held(j, Q_MARK_INS)) == NULL)
			return -1;
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(q, 1, j->queue[i].lesson);
			sqlite3_bind_int64(q, 2, j->queue[i].pupil);
			sqlite3_bind_int(q, 3, j->queue[i].seq);
			sqlite3_bind_text(q, 4, j->queue[i].mark, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(q, 5, j->queue[i].work);
			sqlite3_bind_int64(q, 6, ej_store_actor(j->s)->staff_id);
			sqlite3_bind_text(q, 7, j->now, -1, SQLITE_STATIC);
			sqlite3_bind_null(q, 8);
			if (step_write(j, q, N_("cannot write a mark")) < 0)
				return -1;
		}
		return 0;
	}
	if ((q = batch_stmt(j)) == NULL)
		return -1;
	for (i = 0; i < BATCH; i++) {
		int k = 5 * (int)i;

		sqlite3_bind_int64(q, k + 1, j->queue[i].lesson);
		sqlite3_bind_int64(q, k + 2, j->queue[i].pupil);
		sqlite3_bind_int(q, k + 3, j->queue[i].seq);
		sqlite3_bind_text(q, k + 4, j->queue[i].mark, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, k + 5, j->queue[i].work);
	}
	sqlite3_bind_int64(q, 5 * BATCH + 1, ej_store_actor(j->s)->staff_id);
	sqlite3_bind_text(q, 5 * BATCH + 2, j->now, -1, SQLITE_STATIC);
	return step_write(j, q, N_("cannot write a mark"));
}

int
ej_journal_flush_lesson(struct ej_journal *j, long long lesson_id)
{
	size_t i;

	for (i = 0; i < j->nqueue; i++)
		if (j->queue[i].lesson == lesson_id)
			return ej_journal_flush(j);
	return 0;
}

int
ej_journal_batch(struct ej_journal *j, int on)
{
	int rc = ej_journal_flush(j);

	j->batching = on;
	return rc;
}

int
ej_journal_cell_read(struct ej_journal *j, long long lesson_id,
    long long pupil_id, struct ej_journal_cell *c)
{
	sqlite3_stmt *q;
	int rc;

	if (ej_journal_flush(j) < 0)
		return -1;
	memset(c, 0, sizeof *c);
	c->pupil = pupil_id;
	if ((q = held(j, Q_CELL)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, lesson_id);
	sqlite3_bind_int64(q, 2, pupil_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		ej_journal_cell_put(c, sqlite3_column_int(q, 0),
		    (const char *)sqlite3_column_text(q, 1),
		    sqlite3_column_int64(q, 2));
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(j->s, j->d, _("cannot read the journal"));
	return 0;
}

/* v (NULL: "") into buf of n bytes, cut to fit. */
static void
copy(char *buf, size_t n, const char *v)
{
	size_t len = v ? strnlen(v, n - 1) : 0;

	memcpy(buf, v ? v : "", len);
	buf[len] = '\0';
}

void
ej_journal_cell_put(struct ej_journal_cell *c, int seq, const char *v,
    long long work_id)
{
	if (seq == 0)
		copy(c->code, sizeof c->code, v);
	else if (seq == 1 || seq == 2) {
		copy(c->mark[seq - 1], sizeof c->mark[0], v);
		c->work[seq - 1] = work_id;
		c->has[seq - 1] = 1;
	}
}

/* Bind the reason (NULL: none) at i. */
static void
bind_reason(sqlite3_stmt *q, int i, const char *reason)
{
	if (reason)
		sqlite3_bind_text(q, i, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

int
ej_journal_put_mark(struct ej_journal *j, long long lesson_id,
    long long subject_id, long long pupil_id, int seq, const char *mark,
    long long work_id, const char *reason, int force,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w)
{
	const struct subj *sj;
	sqlite3_stmt *q;
	int had;

	if (seq == 2) {
		if ((sj = subject_info(j, subject_id)) == NULL || !sj->two_marks)
			return jerr(j, EJ_EXIT_DATAERR, w, _("%s takes one mark "
			    "per pupil and lesson"), sj ? sj->name : "");
	} else if (seq != 1)
		return jerr(j, EJ_EXIT_DATAERR, w, _("at most two marks in a "
		    "cell"));
	if (!strcmp(c->code, "н") && strcmp(mark, "долг") != 0 &&
	    !(force && reason && *reason))
		return jerr(j, EJ_EXIT_DATAERR, w, _("a mark where the pupil is "
		    "marked н: give --force and a reason"));
	had = c->has[seq - 1];
	if (had && !strcmp(c->mark[seq - 1], mark) &&
	    c->work[seq - 1] == work_id)
		return 0;
	/* долг is work owed, not a mark: the mark that pays it is no
	 * correction. */
	if (had && strcmp(c->mark[seq - 1], mark) != 0 &&
	    strcmp(c->mark[seq - 1], "долг") != 0 && !(reason && *reason))
		return jerr(j, EJ_EXIT_DATAERR, w, _("changing %s to %s needs a "
		    "reason (--reason)"), c->mark[seq - 1], mark);
	if (!had && j->batching && !reason) {
		if (j->nqueue == BATCH && ej_journal_flush(j) < 0)
			return -1;
		j->queue[j->nqueue].lesson = lesson_id;
		j->queue[j->nqueue].pupil = pupil_id;
		j->queue[j->nqueue].seq = seq;
		j->queue[j->nqueue].work = work_id;
		copy(j->queue[j->nqueue].mark, sizeof j->queue[0].mark, mark);
		j->nqueue++;
		ej_journal_cell_put(c, seq, mark, work_id);
		st->marks_added++;
		return 0;
	}
	if (ej_journal_flush(j) < 0 ||
	    (q = held(j, had ? Q_MARK_UPD : Q_MARK_INS)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, lesson_id);
	sqlite3_bind_int64(q, 2, pupil_id);
	sqlite3_bind_int(q, 3, seq);
	sqlite3_bind_text(q, 4, mark, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, work_id);
	sqlite3_bind_int64(q, 6, ej_store_actor(j->s)->staff_id);
	sqlite3_bind_text(q, 7, j->now, -1, SQLITE_STATIC);
	bind_reason(q, 8, reason);
	if (step_write(j, q, N_("cannot write a mark")) < 0)
		return -1;
	ej_journal_cell_put(c, seq, mark, work_id);
	if (had)
		st->marks_changed++;
	else
		st->marks_added++;
	return 0;
}

int
ej_journal_drop_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *reason,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w)
{
	sqlite3_stmt *q;

	if (!reason || !*reason)
		return jerr(j, EJ_EXIT_DATAERR, w, _("removing a mark needs a "
		    "reason (--reason)"));
	if ((seq != 1 && seq != 2) || !c->has[seq - 1])
		return 1;
	if (ej_journal_flush(j) < 0 || (q = held(j, Q_MARK_DEL)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, lesson_id);
	sqlite3_bind_int64(q, 2, pupil_id);
	sqlite3_bind_int(q, 3, seq);
	if (step_write(j, q, N_("cannot remove a mark")) < 0)
		return -1;
	c->has[seq - 1] = 0;
	c->mark[seq - 1][0] = '\0';
	c->work[seq - 1] = 0;
	st->marks_removed++;
	return 0;
}

int
ej_journal_put_absence(struct ej_journal *j, long long lesson_id,
    long long pupil_id, const char *code, const char *reason, int force,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w)
{
	sqlite3_stmt *q;
	int i, marks = 0;

	if (!code) {
		if (!c->code[0])
			return 0;
		if ((q = held(j, Q_ABS_DEL)) == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, lesson_id);
		sqlite3_bind_int64(q, 2, pupil_id);
		if (step_write(j, q, N_("cannot remove an absence")) < 0)
			return -1;
		c->code[0] = '\0';
		st->abs_removed++;
		return 0;
	}
	if (!strcmp(c->code, code))
		return 0;
	if (!strcmp(code, "н")) {
		for (i = 0; i < 2; i++)
			marks += c->has[i] && strcmp(c->mark[i], "долг") != 0;
		if (marks && !(force && reason && *reason))
			return jerr(j, EJ_EXIT_DATAERR, w, _("н where the pupil "
			    "has a mark: give --force and a reason"));
	}
	if ((q = held(j, c->code[0] ? Q_ABS_UPD : Q_ABS_INS)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, lesson_id);
	sqlite3_bind_int64(q, 2, pupil_id);
	sqlite3_bind_text(q, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, ej_store_actor(j->s)->staff_id);
	sqlite3_bind_text(q, 5, j->now, -1, SQLITE_STATIC);
	bind_reason(q, 6, reason);
	if (step_write(j, q, N_("cannot write an absence")) < 0)
		return -1;
	if (c->code[0])
		st->abs_changed++;
	else
		st->abs_added++;
	snprintf(c->code, sizeof c->code, "%s", code);
	return 0;
}

/* The lesson's subject, for a caller that knows only the lesson. */
static long long
lesson_subject(struct ej_journal *j, long long lesson_id)
{
	sqlite3_stmt *q;
	long long id = 0;

	if ((q = ej_store_prepare(j->s, "SELECT subject_id FROM lessons WHERE "
	    "id = ?", j->d)) == NULL)
		return 0;
	sqlite3_bind_int64(q, 1, lesson_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return id;
}

int
ej_journal_set_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *mark, long long work_id,
    const char *reason, int force, struct ej_journal_stats *st,
    const struct ej_where *w)
{
	struct ej_journal_cell c;

	if (ej_journal_cell_read(j, lesson_id, pupil_id, &c) < 0)
		return -1;
	return ej_journal_put_mark(j, lesson_id, lesson_subject(j, lesson_id),
	    pupil_id, seq, mark, work_id, reason, force, &c, st, w);
}

int
ej_journal_rm_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *reason,
    struct ej_journal_stats *st, const struct ej_where *w)
{
	struct ej_journal_cell c;

	if (!reason || !*reason)
		return jerr(j, EJ_EXIT_DATAERR, w, _("removing a mark needs a "
		    "reason (--reason)"));
	if (ej_journal_cell_read(j, lesson_id, pupil_id, &c) < 0)
		return -1;
	return ej_journal_drop_mark(j, lesson_id, pupil_id, seq, reason, &c,
	    st, w);
}

int
ej_journal_set_absence(struct ej_journal *j, long long lesson_id,
    long long pupil_id, const char *code, const char *reason, int force,
    struct ej_journal_stats *st, const struct ej_where *w)
{
	struct ej_journal_cell c;

	if (ej_journal_cell_read(j, lesson_id, pupil_id, &c) < 0)
		return -1;
	return ej_journal_put_absence(j, lesson_id, pupil_id, code, reason,
	    force, &c, st, w);
}

/* ---------------------------------------------------------------- summary */

int
ej_journal_stats_empty(const struct ej_journal_stats *st)
{
	static const struct ej_journal_stats zero;

	return memcmp(st, &zero, sizeof zero) == 0;
}

static void
part(char **out, const char *sep, const char *what, unsigned long add,
    unsigned long chg, unsigned long rm)
{
	char *t, *p;

	if (!add && !chg && !rm)
		return;
	p = ej_xasprintf("+%lu %s", add, what);
	if (chg) {
		t = ej_xasprintf("%s, ~%lu", p, chg);
		free(p);
		p = t;
	}
	if (rm) {
		t = ej_xasprintf("%s, -%lu", p, rm);
		free(p);
		p = t;
	}
	t = ej_xasprintf("%s%s%s", *out ? *out : "", *out ? sep : "", p);
	free(*out);
	free(p);
	*out = t;
}

char *
ej_journal_summary(const char *what, const struct ej_journal_stats *st)
{
	char *body = NULL, *out;

	part(&body, "; ", "marks", st->marks_added, st->marks_changed,
	    st->marks_removed);
	part(&body, "; ", "absences", st->abs_added, st->abs_changed,
	    st->abs_removed);
	part(&body, "; ", "period marks", st->terms_added, st->terms_changed,
	    st->terms_removed);
	if (st->lessons_added || st->lessons_changed) {
		char *t, *p = ej_xasprintf("lessons +%lu", st->lessons_added);

		if (st->lessons_changed) {
			t = ej_xasprintf("%s, ~%lu", p, st->lessons_changed);
			free(p);
			p = t;
		}
		t = ej_xasprintf("%s%s%s", body ? body : "", body ? "; " : "",
		    p);
		free(body);
		free(p);
		body = t;
	}
	if (!body)
		body = ej_xstrdup("no changes");
	out = what && *what ? ej_xasprintf("%s: %s", what, body) :
	    ej_xstrdup(body);
	free(body);
	return out;
}
