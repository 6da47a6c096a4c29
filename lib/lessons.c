/*
 * lessons — set, import, export and list the journal's lessons; see
 * lessons.h. One function, apply(), checks and writes a lesson for both
 * the command line and every row of a file, so the two cannot disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "lessons.h"
#include "text.h"
#include "who.h"

/* ---------------------------------------------------------------- columns */

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct ej_csv_col lesson_cols[EJ_LESSON_NCOLS] = {
	[EJ_LESSON_CLASS] = {"class", A("класс"), 1},
	[EJ_LESSON_SUBJECT] = {"subject", A("предмет"), 1},
	[EJ_LESSON_DATE] = {"date", A("дата", "дата урока"), 1},
	[EJ_LESSON_NUM] = {"lesson", A("урок", "№ урока", "номер урока", "num"),
	    0},
	[EJ_LESSON_SUBGROUP] = {"subgroup", A("подгруппа", "группа"), 0},
	[EJ_LESSON_TOPIC] = {"topic", A("тема", "тема урока"), 0},
	[EJ_LESSON_HOMEWORK] = {"homework", A("домашнее задание", "д/з", "дз",
	    "задание на дом"), 0},
	[EJ_LESSON_TEACHER] = {"teacher", A("учитель", "преподаватель"), 0},
};

void
ej_lessons_columns(struct ej_csv_col cols[EJ_LESSON_NCOLS], int have_class,
    int have_subject)
{
	memcpy(cols, lesson_cols, sizeof lesson_cols);
	if (have_class)
		cols[EJ_LESSON_CLASS].required = 0;
	if (have_subject)
		cols[EJ_LESSON_SUBJECT].required = 0;
}

/* ---------------------------------------------------------------- context */

/* A class × subject met in this run: may the actor write it, and did the
 * run change it (for the summary). */
struct pair {
	long long cls, subj;
	int may;                 /* 0 not asked, 1 yes, -1 no (reported) */
	int changed;
};

struct ctx {
	struct ej_journal *j;
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_journal_stats *st;
	char now[21];            /* topic_at, homework_at of this run */
	struct pair *pairs;
	size_t npairs;
	int dups;                /* check for a lesson twice in the input */
	int seen_ready;
	unsigned long bad;
};

static void
ctx_init(struct ctx *cx, struct ej_journal *j, struct ej_journal_stats *st,
    struct ej_diag *d)
{
	memset(cx, 0, sizeof *cx);
	cx->j = j;
	cx->s = ej_journal_store(j);
	cx->d = d;
	cx->st = st;
	ej_timestamp_now(cx->now);
}

static size_t
pair_of(struct ctx *cx, long long cls, long long subj)
{
	size_t i;

	for (i = 0; i < cx->npairs; i++)
		if (cx->pairs[i].cls == cls && cx->pairs[i].subj == subj)
			return i;
	cx->pairs = ej_xrealloc(cx->pairs, (cx->npairs + 1) *
	    sizeof *cx->pairs);
	memset(&cx->pairs[cx->npairs], 0, sizeof cx->pairs[0]);
	cx->pairs[cx->npairs].cls = cls;
	cx->pairs[cx->npairs].subj = subj;
	return cx->npairs++;
}

/* "5А Алгебра", or "5А Алгебра, 5Б Алгебра and 3 more": the pairs the run
 * changed (all it met when it changed none). */
static char *
pairs_what(struct ctx *cx)
{
	char *out = NULL, *t;
	size_t i, shown = 0, more = 0, any = 0;

	for (i = 0; i < cx->npairs; i++)
		any |= cx->pairs[i].changed != 0;
	for (i = 0; i < cx->npairs; i++) {
		if (any && !cx->pairs[i].changed)
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		t = ej_xasprintf("%s%s%s %s", out ? out : "", out ? ", " : "",
		    ej_journal_class_name(cx->j, cx->pairs[i].cls),
		    ej_journal_subject_name(cx->j, cx->pairs[i].subj));
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

/* ------------------------------------------------------------ small bits */

static int
bad(struct ctx *cx, const struct ej_where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct ctx *cx, const struct ej_where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ej_verror(cx->d, EJ_EXIT_DATAERR, w ? w->file : NULL, w ? w->line : 0,
	    0, fmt, ap);
	va_end(ap);
	return -1;
}

static int
given(const char *s)
{
	return s && *s;
}

/* A whole number lo..hi written in digits alone: 0, or -1. */
static int
small_int(const char *s, int lo, int hi, int *out)
{
	long v = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 1000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (p == s || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* s without surrounding white space, as a new string. */
static char *
trimmed(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	return ej_xasprintf("%.*s", (int)(e - s), s);
}

/* How many subgroups the subject is taught in (0: the whole class). */
static int
subject_groups(struct ctx *cx, long long subj)
{
	sqlite3_stmt *st;
	int n = 0;

	if ((st = ej_store_prepare(cx->s, "SELECT subgroups FROM subjects "
	    "WHERE id = ?", cx->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, subj);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* A staff member by login: id (0 unknown, reported), and whether they
 * have the role teacher. */
static long long
find_teacher(struct ctx *cx, const char *login, int *is_teacher,
    const struct ej_where *w)
{
	sqlite3_stmt *st;
	long long id = 0;
	int active = 0;

	*is_teacher = 0;
	if ((st = ej_store_prepare(cx->s, "SELECT s.id, s.active, EXISTS "
	    "(SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND "
	    "r.role = 'teacher') FROM staff s WHERE s.login = ?",
	    cx->d)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		active = sqlite3_column_int(st, 1);
		*is_teacher = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (id == 0) {
		bad(cx, w, _("unknown teacher \"%s\": give a staff member's "
		    "login"), login);
		return 0;
	}
	if (!active) {
		bad(cx, w, _("%s is no longer on the staff"), login);
		return 0;
	}
	return id;
}

/*
 * The first line of this run's input that held the same lesson, or 0
 * (and the lesson remembered). Kept in a temporary table, as the roster's
 * keys are: bounded memory whatever the file's size.
 */
static long
seen_before(struct ctx *cx, long long cls, long long subj, int date, int num,
    int sub, long line)
{
	sqlite3_stmt *st;
	char key[96];
	long first = 0;

	if (!cx->seen_ready) {
		if (ej_store_exec(cx->s, "CREATE TEMP TABLE IF NOT EXISTS "
		    "ej_lesson_seen (key TEXT PRIMARY KEY, line INTEGER NOT "
		    "NULL) WITHOUT ROWID; DELETE FROM temp.ej_lesson_seen",
		    cx->d) < 0)
			return 0;
		cx->seen_ready = 1;
	}
	snprintf(key, sizeof key, "%lld|%lld|%d|%d|%d", cls, subj, date, num,
	    sub);
	if ((st = ej_store_prepare(cx->s, "INSERT INTO temp.ej_lesson_seen "
	    "VALUES(?1, ?2) ON CONFLICT DO UPDATE SET line = line "
	    "RETURNING line", cx->d)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) !=
	    line)
		first = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return first;
}

static void
seen_clear(struct ctx *cx)
{
	if (cx->seen_ready)
		ej_store_exec(cx->s, "DELETE FROM temp.ej_lesson_seen", cx->d);
}

/* ------------------------------------------------------------------ apply */

/* What a lesson holds now. */
struct lesson_now {
	char *topic, *homework;
	long long teacher;
};

static int
lesson_read(struct ctx *cx, long long id, struct lesson_now *ln)
{
	sqlite3_stmt *st;
	int rc;

	memset(ln, 0, sizeof *ln);
	if ((st = ej_store_prepare(cx->s, "SELECT topic, homework, "
	    "coalesce(teacher_id, 0) FROM lessons WHERE id = ?",
	    cx->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ln->topic = ej_xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		ln->homework = ej_xstrdup((const char *)
		    sqlite3_column_text(st, 1));
		ln->teacher = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return ej_store_sqlerr(cx->s, cx->d, _("cannot read a lesson"));
	return 0;
}

/*
 * Topic and homework get their time of entry when their text changes
 * (none when cleared): the audit's timeliness rules read them. A lesson
 * made now takes the same time as its entry time, so that one run has
 * one timestamp.
 */
static int
lesson_write(struct ctx *cx, long long id, const char *topic,
    const char *homework, long long teacher, int created)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(cx->s, "UPDATE lessons SET "
	    "topic_at = CASE WHEN topic IS ?2 THEN topic_at "
	    "WHEN ?2 = '' THEN NULL ELSE ?5 END, "
	    "homework_at = CASE WHEN homework IS ?3 THEN homework_at "
	    "WHEN ?3 = '' THEN NULL ELSE ?5 END, "
	    "at = CASE WHEN ?6 THEN ?5 ELSE at END, "
	    "topic = ?2, homework = ?3, teacher_id = nullif(?4, 0) "
	    "WHERE id = ?1",
	    cx->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, homework, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, teacher);
	sqlite3_bind_text(st, 5, cx->now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, created);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(cx->s, cx->d,
		    _("cannot write a lesson"));
	return 0;
}

/* The acting person may write cls × subj: asked once per pair, and a
 * refusal reported once, not on every row of the pair. */
static int
may_write(struct ctx *cx, size_t p, const struct ej_where *w)
{
	struct pair *pr = &cx->pairs[p];

	if (pr->may == 0)
		pr->may = ej_journal_may_write(cx->j, pr->cls, pr->subj,
		    w) < 0 ? -1 : 1;
	return pr->may > 0 ? 0 : -1;
}

/* The lesson's key and values, checked: 0, or -1 with every error of the
 * record reported. */
struct checked {
	long long cls, subj, teacher;
	int date, num, sub, is_teacher;
};

/* A name that must be given: its id, or 0 with the error reported. */
static long long
named(struct ctx *cx, const char *v, int subject, const struct ej_where *w)
{
	if (!given(v)) {
		bad(cx, w, subject ? _("the subject is empty") :
		    _("the class is empty"));
		return 0;
	}
	return subject ? ej_journal_subject(cx->j, v, w) :
	    ej_journal_class(cx->j, v, w);
}

static int
check(struct ctx *cx, const struct ej_lesson_in *in, struct checked *c,
    const struct ej_where *w)
{
	const char *subject;
	int nbad = 0, ngroups;

	memset(c, 0, sizeof *c);
	c->num = 1;
	if ((c->cls = named(cx, in->class_name, 0, w)) == 0)
		nbad++;
	if ((c->subj = named(cx, in->subject, 1, w)) == 0)
		nbad++;
	if (!given(in->date)) {
		bad(cx, w, _("the date is empty"));
		nbad++;
	} else if (ej_journal_date(cx->j, in->date, &c->date, w) < 0)
		nbad++;
	if (given(in->num) && small_int(in->num, 1, 9, &c->num) < 0) {
		bad(cx, w, _("\"%s\" is not a lesson number: the subject's "
		    "first, second… lesson of the day, 1..9"), in->num);
		nbad++;
	}
	if (given(in->subgroup) && c->subj) {
		ngroups = subject_groups(cx, c->subj);
		subject = ej_journal_subject_name(cx->j, c->subj);
		if (small_int(in->subgroup, 0, ngroups, &c->sub) < 0) {
			if (ngroups == 0)
				bad(cx, w, _("\"%s\" is not a subgroup: %s is "
				    "taught to the whole class"), in->subgroup,
				    subject);
			else
				bad(cx, w, _("\"%s\" is not a subgroup of %s: "
				    "1..%d, or 0 for the whole class"),
				    in->subgroup, subject, ngroups);
			nbad++;
		}
	}
	if (given(in->teacher) && (c->teacher = find_teacher(cx, in->teacher,
	    &c->is_teacher, w)) == 0)
		nbad++;
	if ((in->topic && !ej_utf8_valid(in->topic, strlen(in->topic))) ||
	    (in->homework && !ej_utf8_valid(in->homework,
	    strlen(in->homework)))) {
		bad(cx, w, _("the text is not valid UTF-8"));
		nbad++;
	}
	return nbad ? -1 : 0;
}

/* The same lesson earlier in the input: reported. */
static int
duplicate(struct ctx *cx, const struct checked *c, const struct ej_where *w)
{
	char day[EJ_DATE_LEN];
	long first;

	if (!cx->dups || (first = seen_before(cx, c->cls, c->subj, c->date,
	    c->num, c->sub, w->line)) == 0)
		return 0;
	ej_date_format(c->date, day);
	if (c->sub)
		return bad(cx, w, _("lesson %d of %s %s on %s, subgroup %d, is "
		    "also on line %ld"), c->num,
		    ej_journal_class_name(cx->j, c->cls),
		    ej_journal_subject_name(cx->j, c->subj), day, c->sub,
		    first);
	return bad(cx, w, _("lesson %d of %s %s on %s is also on line %ld"),
	    c->num, ej_journal_class_name(cx->j, c->cls),
	    ej_journal_subject_name(cx->j, c->subj), day, first);
}

/*
 * Check one lesson and write it: -1 bad input (reported), -2 the store
 * failed (stop), 0 done.
 */
static int
apply(struct ctx *cx, const struct ej_lesson_in *in, const struct ej_where *w)
{
	struct checked c;
	struct lesson_now ln;
	long long id, teacher;
	int created = 0, changed, rc = 0;
	char *topic = NULL, *homework = NULL;
	size_t p;

	memset(&ln, 0, sizeof ln);
	if (check(cx, in, &c, w) < 0)
		return -1;
	p = pair_of(cx, c.cls, c.subj);
	if (may_write(cx, p, w) < 0 || duplicate(cx, &c, w) < 0)
		return -1;
	if ((id = ej_journal_lesson(cx->j, c.cls, c.subj, c.sub, c.date, c.num,
	    0, 0, NULL, w)) < 0)
		return -2;
	if (id && lesson_read(cx, id, &ln) < 0)
		return -2;
	/* Who taught the lesson must be a teacher when recorded; a login
	 * that names its teacher already (an exported file) is no change. */
	if (c.teacher && !c.is_teacher && (id == 0 ||
	    c.teacher != ln.teacher)) {
		if (id) {
			free(ln.topic);
			free(ln.homework);
		}
		return bad(cx, w, _("%s cannot be recorded as the lesson's "
		    "teacher: not a teacher"), in->teacher);
	}
	if (id == 0) {
		if ((id = ej_journal_lesson(cx->j, c.cls, c.subj, c.sub, c.date,
		    c.num, 1, c.teacher, &created, w)) <= 0 ||
		    lesson_read(cx, id, &ln) < 0)
			return -2;
	}
	topic = in->topic ? trimmed(in->topic) : ej_xstrdup(ln.topic);
	homework = in->homework ? trimmed(in->homework) :
	    ej_xstrdup(ln.homework);
	teacher = c.teacher ? c.teacher : ln.teacher;
	changed = strcmp(topic, ln.topic) != 0 ||
	    strcmp(homework, ln.homework) != 0 || teacher != ln.teacher;
	if ((changed || created) && lesson_write(cx, id, topic, homework,
	    teacher, created) < 0)
		rc = -2;
	else if (created)
		cx->st->lessons_added++;
	else if (changed)
		cx->st->lessons_changed++;
	if (rc == 0 && (created || changed))
		cx->pairs[p].changed = 1;
	free(topic);
	free(homework);
	free(ln.topic);
	free(ln.homework);
	return rc;
}

int
ej_lessons_set(struct ej_journal *j, const struct ej_lesson_in *in,
    struct ej_journal_stats *st, char **what, struct ej_diag *d)
{
	struct ctx cx;
	int rc;

	ctx_init(&cx, j, st, d);
	*what = NULL;
	rc = apply(&cx, in, NULL);
	if (cx.npairs)
		*what = pairs_what(&cx);
	free(cx.pairs);
	return rc < 0 ? -1 : 0;
}

int
ej_lessons_import(struct ej_journal *j, struct ej_csv_reader *r,
    const char *class_name, const char *subject,
    struct ej_journal_stats *st, char **what, struct ej_diag *d)
{
	struct ctx cx;
	struct ej_csv_record *rec;
	struct ej_lesson_in in;
	struct ej_where w;
	int rc, a = 0;

	ctx_init(&cx, j, st, d);
	cx.dups = 1;
	*what = NULL;
	while ((rc = ej_csv_next(r, &rec, d)) > 0) {
		memset(&in, 0, sizeof in);
		in.class_name = ej_csv_get(rec, EJ_LESSON_CLASS);
		if (!in.class_name)
			in.class_name = class_name;
		in.subject = ej_csv_get(rec, EJ_LESSON_SUBJECT);
		if (!in.subject)
			in.subject = subject;
		in.date = ej_csv_get(rec, EJ_LESSON_DATE);
		in.num = ej_csv_get(rec, EJ_LESSON_NUM);
		in.subgroup = ej_csv_get(rec, EJ_LESSON_SUBGROUP);
		in.topic = ej_csv_get(rec, EJ_LESSON_TOPIC);
		in.homework = ej_csv_get(rec, EJ_LESSON_HOMEWORK);
		in.teacher = ej_csv_get(rec, EJ_LESSON_TEACHER);
		memset(&w, 0, sizeof w);
		w.file = rec->file;
		w.line = rec->line;
		if ((a = apply(&cx, &in, &w)) == -2)
			break;
		if (a < 0)
			cx.bad++;
	}
	seen_clear(&cx);
	if (cx.npairs)
		*what = pairs_what(&cx);
	free(cx.pairs);
	if (rc < 0 || a == -2 || cx.bad || ej_csv_bad(r))
		return -1;
	return 0;
}

/* ------------------------------------------------------- export and list */

struct range {
	long long cls, subj;
	char from[EJ_DATE_LEN], to[EJ_DATE_LEN];
};

static int
range_date(struct ej_journal *j, const char *opt, const char *s,
    char out[EJ_DATE_LEN], struct ej_diag *d)
{
	int date;

	out[0] = '\0';
	if (!s)
		return 0;
	if (ej_date_parse(s, ej_journal_year(j), &date) < 0)
		return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s: \"%s\" is not a date"), opt, s);
	ej_date_format(date, out);
	return 0;
}

static int
range_of(struct ej_journal *j, const struct ej_lessons_filter *f,
    struct range *rg, struct ej_diag *d)
{
	int nbad = 0;

	memset(rg, 0, sizeof *rg);
	if (f->class_name && (rg->cls = ej_journal_class(j, f->class_name,
	    NULL)) == 0)
		nbad++;
	if (f->subject && (rg->subj = ej_journal_subject(j, f->subject,
	    NULL)) == 0)
		nbad++;
	if (range_date(j, "--from", f->from, rg->from, d) < 0)
		nbad++;
	if (range_date(j, "--to", f->to, rg->to, d) < 0)
		nbad++;
	return nbad ? -1 : 0;
}

static sqlite3_stmt *
range_query(struct ej_journal *j, const struct range *rg, struct ej_diag *d)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(ej_journal_store(j), "SELECT c.name, "
	    "s.name, l.date, l.num, l.subgroup, l.topic, l.homework, t.login "
	    "FROM lessons l JOIN classes c ON c.id = l.class_id "
	    "JOIN subjects s ON s.id = l.subject_id "
	    "LEFT JOIN staff t ON t.id = l.teacher_id "
	    "WHERE c.year_id = ?1 AND (?2 = 0 OR l.class_id = ?2) AND "
	    "(?3 = 0 OR l.subject_id = ?3) AND (?4 = '' OR l.date >= ?4) AND "
	    "(?5 = '' OR l.date <= ?5) ORDER BY c.parallel, c.letter, c.name, "
	    "s.id, l.date, l.num, l.subgroup", d)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, ej_journal_year_id(j));
	sqlite3_bind_int64(st, 2, rg->cls);
	sqlite3_bind_int64(st, 3, rg->subj);
	sqlite3_bind_text(st, 4, rg->from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, rg->to, -1, SQLITE_TRANSIENT);
	return st;
}

int
ej_lessons_export(struct ej_journal *j, const struct ej_lessons_filter *f,
    struct ej_csv_writer *w, struct ej_diag *d)
{
	sqlite3_stmt *st;
	struct range rg;
	int i, rc;

	if (range_of(j, f, &rg, d) < 0 || (st = range_query(j, &rg, d)) ==
	    NULL)
		return -1;
	for (i = 0; i < EJ_LESSON_NCOLS; i++)
		ej_csv_put(w, lesson_cols[i].name);
	ej_csv_end_row(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < EJ_LESSON_NCOLS; i++)
			if (i == EJ_LESSON_SUBGROUP &&
			    sqlite3_column_int(st, i) == 0)
				ej_csv_put(w, NULL);    /* the whole class */
			else
				ej_csv_put(w, (const char *)
				    sqlite3_column_text(st, i));
		ej_csv_end_row(w);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(ej_journal_store(j), d,
		    _("cannot read the lessons"));
	return 0;
}

/* A cell of the table: one line, whatever breaks the text held. */
static char *
one_line(const char *s)
{
	char *t = ej_xstrdup(s ? s : ""), *p;

	for (p = t; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return t;
}

struct row {
	char date[EJ_DATE_LEN];
	char num[16];
	char *topic, *homework;
};

#define TOPIC_MAX 48

int
ej_lessons_list(struct ej_journal *j, const struct ej_lessons_filter *f,
    FILE *out, struct ej_diag *d)
{
	sqlite3_stmt *st;
	struct range rg;
	struct row *rows = NULL;
	size_t n = 0, i, tw, numw, x;
	int rc;

	if (range_of(j, f, &rg, d) < 0 || (st = range_query(j, &rg, d)) ==
	    NULL)
		return -1;
	tw = ej_text_width(_("topic"));
	numw = ej_text_width("№");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct row *r;

		rows = ej_xrealloc(rows, (n + 1) * sizeof *rows);
		r = &rows[n++];
		snprintf(r->date, sizeof r->date, "%s",
		    sqlite3_column_text(st, 2));
		if (sqlite3_column_int(st, 4))
			snprintf(r->num, sizeof r->num, _("%d gr. %d"),
			    sqlite3_column_int(st, 3),
			    sqlite3_column_int(st, 4));
		else
			snprintf(r->num, sizeof r->num, "%d",
			    sqlite3_column_int(st, 3));
		r->topic = one_line((const char *)sqlite3_column_text(st, 5));
		r->homework = one_line((const char *)
		    sqlite3_column_text(st, 6));
		if ((x = ej_text_width(r->topic)) > tw)
			tw = x;
		if ((x = ej_text_width(r->num)) > numw)
			numw = x;
	}
	sqlite3_reset(st);
	if (tw > TOPIC_MAX)
		tw = TOPIC_MAX;
	if (rc == SQLITE_DONE) {
		ej_text_pad(out, _("date"), EJ_DATE_LEN - 1, 0);
		fputs("  ", out);
		ej_text_pad(out, "№", numw, 1);
		fputs("  ", out);
		ej_text_pad(out, _("topic"), tw, 0);
		fprintf(out, "  %s\n", _("homework"));
		for (i = 0; i < n; i++) {
			fprintf(out, "%s  ", rows[i].date);
			ej_text_pad(out, rows[i].num, numw, 1);
			fputs("  ", out);
			if (*rows[i].homework) {
				ej_text_pad(out, rows[i].topic, tw, 0);
				fprintf(out, "  %s\n", rows[i].homework);
			} else
				fprintf(out, "%s\n", rows[i].topic);
		}
	}
	for (i = 0; i < n; i++) {
		free(rows[i].topic);
		free(rows[i].homework);
	}
	free(rows);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(ej_journal_store(j), d,
		    _("cannot read the lessons"));
	return 0;
}
