/*
 * terms — period, year, exam and final marks; see terms.h.
 *
 * Every write follows the journal's import flow: resolve and check each
 * row (names through journal.c, reported at FILE:LINE), apply it inside
 * the store's write transaction, and commit once at the end; any bad row
 * rolls the whole run back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "date.h"
#include "i18n.h"
#include "journal.h"
#include "terms.h"
#include "text.h"

/* ------------------------------------------------------ pure functions */

const char *
ej_terms_grade(long average, const struct ej_terms_rule *r)
{
	static const char *const marks[] = {"5", "4", "3"};
	int i;

	for (i = 0; i < 3; i++)
		if (average >= r->threshold[i])
			return marks[i];
	return "2";
}

void
ej_terms_suggest(const struct ej_terms_mark *m, size_t n,
    const struct ej_terms_rule *r, struct ej_terms_suggestion *out)
{
	long long sum = 0, wsum = 0;
	size_t i;
	int w;

	out->count = 0;
	out->average = -1;
	out->mark = "н/а";
	for (i = 0; i < n; i++) {
		if (m[i].value < 1 || m[i].value > 5)
			continue;
		w = r->weights ? m[i].weight : 100;
		if (w <= 0)
			continue;
		sum += (long long)m[i].value * w;
		wsum += w;
		out->count++;
	}
	if (wsum == 0)
		return;
	/* 100·sum/wsum rounded half up, in integers: no binary fractions
	 * between the marks and the thresholds. */
	out->average = (long)((200 * sum + wsum) / (2 * wsum));
	if (out->count >= r->min_marks)
		out->mark = ej_terms_grade(out->average, r);
}

char *
ej_terms_format(long average, char *buf, size_t n)
{
	if (average < 0)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "%ld.%02ld", average / 100, average % 100);
	return buf;
}

int
ej_terms_hundredths(const char *s, int *out)
{
	int v = 0, digits = 0, frac = 0;

	while (*s == ' ')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		v = v * 10 + (*s - '0');
	if (digits == 0 || digits > 2)
		return -1;
	v *= 100;
	if (*s == '.' || *s == ',') {
		s++;
		if (*s >= '0' && *s <= '9') {
			v += (*s++ - '0') * 10;
			frac++;
		}
		if (*s >= '0' && *s <= '9') {
			v += *s++ - '0';
			frac++;
		}
		if (frac == 0)
			return -1;
	}
	while (*s == ' ')
		s++;
	if (*s)
		return -1;
	*out = v;
	return 0;
}

/* Is folded f one of the words list[]? */
static int
one_of(const char *f, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(f, *list) == 0)
			return 1;
	return 0;
}

int
ej_terms_period_parse(const char *s, char out[8])
{
	static const char *const year[] = {"year", "год", "годовая",
	    "годовая отметка", NULL};
	static const char *const exam[] = {"exam", "экзамен", "экз",
	    "экзаменационная", "экзаменационная отметка", NULL};
	static const char *const final[] = {"final", "итог", "итоговая",
	    "итоговая отметка", NULL};
	static const char *const roman[] = {"i", "ii", "iii", "iv"};
	char *f = ej_text_fold(s);
	int rc = 0, i;

	if (!f)
		return -1;
	if (f[0] >= '1' && f[0] <= '4' && f[1] == '\0')
		snprintf(out, 8, "%s", f);
	else if (one_of(f, year))
		snprintf(out, 8, "year");
	else if (one_of(f, exam))
		snprintf(out, 8, "exam");
	else if (one_of(f, final))
		snprintf(out, 8, "final");
	else {
		rc = -1;
		for (i = 0; i < 4; i++)
			if (strcmp(f, roman[i]) == 0) {
				out[0] = (char)('1' + i);
				out[1] = '\0';
				rc = 0;
			}
	}
	free(f);
	return rc;
}

int
ej_terms_mark_parse(const char *token, const char *scale, int passfail,
    char out[16])
{
	static const char *const na[] = {"н/а", "н\\а", "на", "na", "n/a",
	    "не аттестован", "не аттестована", "неаттестован", NULL};
	static const char *const osv[] = {"осв", "осв.", "osv", "освобожден",
	    "освобождена", NULL};
	static const char *const zach[] = {"зач", "зач.", "zach", "зачет",
	    "зачтено", NULL};
	static const char *const nezach[] = {"незач", "незач.", "nezach",
	    "незачет", "не зачтено", NULL};
	char *f = ej_text_fold(token), *list, *tok, *save;
	int rc = -1;

	if (!f)
		return -1;
	if (one_of(f, na)) {
		snprintf(out, 16, "н/а");
		rc = 0;
	} else if (one_of(f, osv)) {
		snprintf(out, 16, "осв");
		rc = 0;
	} else if (passfail && one_of(f, zach)) {
		snprintf(out, 16, "зач");
		rc = 0;
	} else if (passfail && one_of(f, nezach)) {
		snprintf(out, 16, "незач");
		rc = 0;
	} else if (!passfail && *f) {
		list = ej_xstrdup(scale ? scale : "5,4,3,2");
		for (tok = strtok_r(list, ", ", &save); tok && rc < 0;
		    tok = strtok_r(NULL, ", ", &save))
			if (strcmp(tok, f) == 0) {
				snprintf(out, 16, "%s", tok);
				rc = 0;
			}
		free(list);
	}
	free(f);
	return rc;
}

/* ------------------------------------------------------------ the run */

/* A class's study periods, read once per class. */
struct scheme {
	long long class_id;
	char scheme[16];             /* "quarter", "half", "trimester", "" */
	int n;
	struct {
		int start, end;
		char name[64];
	} per[4];
};

/* A resolved period of a class. */
struct period {
	char code[8];                /* "1".."4", "year", "exam", "final" */
	int num;                     /* 1..4, or 0 for the others */
	int start, end;
	char name[64];               /* "1 четверть", or the code */
	const struct scheme *sc;
};

/* (pupil, subject, period) seen in an import: duplicates are errors. */
struct seen_slot {
	long long pupil, subject;
	int period;                  /* 1..7; 0 = empty slot */
	long line;
};

struct seen {
	struct seen_slot *slot;
	size_t cap, n;
};

struct run {
	struct ej_cli *c;
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_journal *j;
	long long year_id;
	int ystart, yend;
	char now[21];
	char scale[64];
	struct ej_terms_rule rule;   /* min_marks set per scheme */
	int min_quarter, min_half, min_trimester;
	struct scheme **sc;          /* each its own allocation: periods
	                              * point at theirs */
	size_t nsc;
	struct ej_journal_stats st;
	FILE *log;                   /* dry run: the changed records */
	char *logbuf;
	size_t loglen;
};

struct opts {
	struct ej_csv_opts in;
	struct ej_csv_wopts out;
	const char *reason, *class_name, *subject, *period;
	int csv;
};

static const char usage_text[] =
    "ej-grade term set [-n] [--reason R] CLASS SUBJECT PERIOD PUPIL MARK\n"
    "       ej-grade term rm [-n] --reason R CLASS SUBJECT PERIOD PUPIL\n"
    "       ej-grade term import [-n] [--strict] [-d DELIM] "
    "[--encoding ENC] [--reason R] [FILE]\n"
    "       ej-grade term export [-d DELIM] [--bom] [--crlf] "
    "[--class CLASS] [--subject SUBJECT] [--period PERIOD]\n"
    "       ej-grade term suggest [-d DELIM] [--format text|csv] "
    "--class CLASS --subject SUBJECT --period PERIOD\n"
    "PERIOD: 1..4 within the class's scheme, year, exam or final; "
    "every form takes --store DIR";

static const char *
wfile(const struct ej_where *w)
{
	return w ? w->file : NULL;
}

static long
wline(const struct ej_where *w)
{
	return w ? w->line : 0;
}

static int
rerr(struct run *r, int code, const struct ej_where *w, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
rerr(struct run *r, int code, const struct ej_where *w, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	ej_verror(r->d, code, wfile(w), wline(w), 0, fmt, ap);
	va_end(ap);
	return -1;
}

static void
setting_hundredths(struct ej_store *s, const char *key, int dflt, int *out,
    struct ej_diag *d)
{
	char buf[32];

	ej_setting(s, key, buf, sizeof buf, d);
	if (ej_terms_hundredths(buf, out) < 0)
		*out = dflt;
}

void
ej_terms_settings(struct ej_store *s, struct ej_terms_settings *out,
    struct ej_diag *d)
{
	memset(out, 0, sizeof *out);
	setting_hundredths(s, "marks.threshold.5", 460,
	    &out->rule.threshold[0], d);
	setting_hundredths(s, "marks.threshold.4", 360,
	    &out->rule.threshold[1], d);
	setting_hundredths(s, "marks.threshold.3", 260,
	    &out->rule.threshold[2], d);
	out->rule.weights = ej_setting_int(s, "marks.weights", 1, d) != 0;
	out->min_quarter = ej_setting_int(s, "marks.min.quarter", 3, d);
	out->min_half = ej_setting_int(s, "marks.min.half", 5, d);
	out->min_trimester = ej_setting_int(s, "marks.min.trimester", 4, d);
}

/* Open the store and the journal, read the school's rules; exits on
 * failure. */
static void
run_open(struct run *r, struct ej_cli *c, int mode)
{
	const struct ej_yearctx *yc;
	struct ej_terms_settings ts;

	memset(r, 0, sizeof *r);
	r->c = c;
	r->d = &c->d;
	ej_cli_setup(c, mode);
	r->s = c->s;
	if (ej_journal_open(&r->j, r->s, r->d) < 0)
		ej_cli_exit(c);
	yc = ej_journal_year(r->j);
	r->year_id = ej_journal_year_id(r->j);
	r->ystart = yc->start;
	r->yend = yc->end;
	ej_timestamp_now(r->now);
	ej_setting(r->s, "marks.scale", r->scale, sizeof r->scale, r->d);
	if (!r->scale[0])
		snprintf(r->scale, sizeof r->scale, "5,4,3,2");
	ej_terms_settings(r->s, &ts, r->d);
	r->rule = ts.rule;
	r->min_quarter = ts.min_quarter;
	r->min_half = ts.min_half;
	r->min_trimester = ts.min_trimester;
	if (mode == EJ_SETUP_WRITE && c->dry_run) {
		r->log = open_memstream(&r->logbuf, &r->loglen);
		if (!r->log)
			ej_die(r->d, EJ_EXIT_SOFTWARE, "%s",
			    _("out of memory"));
	}
}

static void
run_free(struct run *r)
{
	if (r->log)
		fclose(r->log);
	r->log = NULL;
	free(r->logbuf);
	r->logbuf = NULL;
	while (r->nsc > 0)
		free(r->sc[--r->nsc]);
	free(r->sc);
	r->sc = NULL;
	ej_journal_free(r->j);
	r->j = NULL;
}

_Noreturn static void
run_exit(struct run *r)
{
	run_free(r);
	ej_cli_exit(r->c);
}

/* ------------------------------------------------------------- periods */

static const char *
scheme_words(const char *scheme)
{
	if (!strcmp(scheme, "quarter"))
		return _("quarters");
	if (!strcmp(scheme, "half"))
		return _("half-years");
	if (!strcmp(scheme, "trimester"))
		return _("trimesters");
	return scheme;
}

static const struct scheme *
class_scheme(struct run *r, long long class_id)
{
	struct scheme *sc;
	sqlite3_stmt *st;
	size_t i;
	int a, b;

	for (i = 0; i < r->nsc; i++)
		if (r->sc[i]->class_id == class_id)
			return r->sc[i];
	r->sc = ej_xrealloc(r->sc, (r->nsc + 1) * sizeof *r->sc);
	sc = r->sc[r->nsc++] = ej_xcalloc(1, sizeof *sc);
	sc->class_id = class_id;
	if ((st = ej_store_prepare(r->s, "SELECT ps.scheme FROM classes c "
	    "JOIN period_schemes ps ON ps.year_id = c.year_id AND "
	    "ps.parallel = c.parallel WHERE c.id = ?", r->d)) == NULL)
		return sc;
	sqlite3_bind_int64(st, 1, class_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(sc->scheme, sizeof sc->scheme, "%s",
		    sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if ((st = ej_store_prepare(r->s, "SELECT num, name, start, end FROM "
	    "periods WHERE year_id = ? AND scheme = ? ORDER BY num",
	    r->d)) == NULL)
		return sc;
	sqlite3_bind_int64(st, 1, r->year_id);
	sqlite3_bind_text(st, 2, sc->scheme, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && sc->n < 4) {
		if (sqlite3_column_int(st, 0) != sc->n + 1 ||
		    ej_date_parse_iso((const char *)sqlite3_column_text(st, 2),
		    &a) < 0 || ej_date_parse_iso((const char *)
		    sqlite3_column_text(st, 3), &b) < 0)
			break;
		sc->per[sc->n].start = a;
		sc->per[sc->n].end = b;
		snprintf(sc->per[sc->n].name, sizeof sc->per[0].name, "%s",
		    sqlite3_column_text(st, 1));
		sc->n++;
	}
	sqlite3_reset(st);
	return sc;
}

static int
min_marks(const struct run *r, const struct scheme *sc)
{
	if (!strcmp(sc->scheme, "half"))
		return r->min_half;
	if (!strcmp(sc->scheme, "trimester"))
		return r->min_trimester;
	return r->min_quarter;
}

/* "1 четверть" as a period of some other scheme: its number there. */
static int
named_elsewhere(struct run *r, const char *s)
{
	sqlite3_stmt *st;
	int found = 0;

	if ((st = ej_store_prepare(r->s, "SELECT 1 FROM periods WHERE "
	    "year_id = ? AND ej_fold(name) = ej_fold(?)", r->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, r->year_id);
	sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

/*
 * PERIOD of class: a number within its scheme, year, exam or final, or
 * the name of one of its periods. -1 with an error naming its periods.
 */
static int
resolve_period(struct run *r, long long class_id, const char *s,
    struct period *p, const struct ej_where *w)
{
	const struct scheme *sc = class_scheme(r, class_id);
	const char *cname = ej_journal_class_name(r->j, class_id);
	char *f;
	int i;

	memset(p, 0, sizeof *p);
	p->sc = sc;
	if (ej_terms_period_parse(s, p->code) == 0) {
		if (p->code[0] < '1' || p->code[0] > '4') {
			p->start = r->ystart;
			p->end = r->yend;
			snprintf(p->name, sizeof p->name, "%s", p->code);
			return 0;
		}
		p->num = p->code[0] - '0';
	} else {
		f = ej_text_fold(s);
		for (i = 0; f && i < sc->n && !p->num; i++) {
			char *g = ej_text_fold(sc->per[i].name);

			if (g && strcmp(f, g) == 0)
				p->num = i + 1;
			free(g);
		}
		free(f);
		if (p->num) {
			p->code[0] = (char)('0' + p->num);
			p->code[1] = '\0';
		} else if (!named_elsewhere(r, s))
			return rerr(r, EJ_EXIT_DATAERR, w, _("\"%s\" is not a "
			    "period: a number of the class's scheme, year, "
			    "exam or final"), s);
	}
	if (sc->n == 0)
		return rerr(r, EJ_EXIT_DATAERR, w, _("%s has no study periods "
		    "this year"), cname);
	if (p->num < 1 || p->num > sc->n)
		return rerr(r, EJ_EXIT_DATAERR, w, _("%s has no period %s: its "
		    "periods are %s 1..%d"), cname, s, scheme_words(sc->scheme),
		    sc->n);
	p->start = sc->per[p->num - 1].start;
	p->end = sc->per[p->num - 1].end;
	snprintf(p->name, sizeof p->name, "%s", sc->per[p->num - 1].name);
	return 0;
}

/* 1..4, then year, exam, final: the order periods sort and hash in. */
static int
period_rank(const char *code)
{
	if (code[0] >= '1' && code[0] <= '4')
		return code[0] - '0';
	if (!strcmp(code, "year"))
		return 5;
	if (!strcmp(code, "exam"))
		return 6;
	return 7;
}

#define PERIOD_ORDER \
	"CASE t.period WHEN 'year' THEN 5 WHEN 'exam' THEN 6 " \
	"WHEN 'final' THEN 7 ELSE CAST(t.period AS INTEGER) END"

/* ---------------------------------------------------------- subjects */

static int
passfail(struct run *r, long long subject_id)
{
	sqlite3_stmt *st;
	int v = 0;

	if ((st = ej_store_prepare(r->s, "SELECT passfail FROM subjects WHERE "
	    "id = ?", r->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, subject_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

/* A period mark for subject: 0 and the canonical form, or -1 with an
 * error naming what the subject takes. */
static int
period_mark(struct run *r, long long subject_id, const char *token,
    char out[16], const struct ej_where *w)
{
	char scale[64], *p;
	int pf = passfail(r, subject_id);

	if (ej_terms_mark_parse(token, r->scale, pf, out) == 0)
		return 0;
	if (pf)
		return rerr(r, EJ_EXIT_DATAERR, w, _("\"%s\" is not a period "
		    "mark: %s takes зач, незач, н/а or осв"), token,
		    ej_journal_subject_name(r->j, subject_id));
	snprintf(scale, sizeof scale, "%s", r->scale);
	for (p = scale; *p; p++)
		if (*p == ',')
			*p = ' ';
	return rerr(r, EJ_EXIT_DATAERR, w, _("\"%s\" is not a period mark: "
	    "%s takes %s, н/а or осв"), token,
	    ej_journal_subject_name(r->j, subject_id), scale);
}

/* -------------------------------------------------------------- writes */

static const char *
pupil_name(struct run *r, long long pupil, char *buf, size_t n)
{
	sqlite3_stmt *st;

	snprintf(buf, n, "%lld", pupil);
	if ((st = ej_store_prepare(r->s, "SELECT surname || ' ' || name FROM "
	    "pupils WHERE id = ?", r->d)) == NULL)
		return buf;
	sqlite3_bind_int64(st, 1, pupil);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return buf;
}

/* Dry run: one line per changed record, printed after the summary. */
static void
log_change(struct run *r, char sign, long long class_id, long long subject,
    long long pupil, const struct period *p, const char *old,
    const char *mark)
{
	char name[256];

	if (!r->log)
		return;
	fprintf(r->log, "  %c %s %s %s %s: ", sign,
	    ej_journal_class_name(r->j, class_id),
	    ej_journal_subject_name(r->j, subject), p->code,
	    pupil_name(r, pupil, name, sizeof name));
	if (old && mark)
		fprintf(r->log, "%s → %s\n", old, mark);
	else
		fprintf(r->log, "%s\n", old ? old : mark);
}

/* The period mark set: 1 (mark, class into the buffers), 0 none, -1. */
static int
term_get(struct run *r, long long pupil, long long subject,
    const char *code, char mark[16], long long *class_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(r->s, "SELECT mark, class_id FROM "
	    "term_marks WHERE pupil_id = ? AND subject_id = ? AND "
	    "year_id = ? AND period = ?", r->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_int64(st, 3, r->year_id);
	sqlite3_bind_text(st, 4, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(mark, 16, "%s", sqlite3_column_text(st, 0));
		if (class_id)
			*class_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return ej_store_sqlerr(r->s, r->d, _("cannot read the period marks"));
}

static int
term_put(struct run *r, long long class_id, long long subject,
    long long pupil, const struct period *p, const char *mark,
    const char *reason, const struct ej_where *w)
{
	sqlite3_stmt *st;
	char old[16] = "";
	long long old_class = 0;
	int had, rc;

	if ((had = term_get(r, pupil, subject, p->code, old, &old_class)) < 0)
		return -1;
	if (had && !strcmp(old, mark) && old_class == class_id)
		return 0;
	if (had && strcmp(old, mark) != 0 && !(reason && *reason))
		return rerr(r, EJ_EXIT_DATAERR, w, _("changing the period mark "
		    "%s to %s needs a reason (--reason)"), old, mark);
	if ((st = ej_store_prepare(r->s, "INSERT INTO term_marks(pupil_id, "
	    "subject_id, year_id, period, class_id, mark, by_id, at, reason) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?9, '')) "
	    "ON CONFLICT DO UPDATE SET class_id = ?5, mark = ?6, by_id = ?7, "
	    "at = ?8, reason = coalesce(?9, '')", r->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_int64(st, 3, r->year_id);
	sqlite3_bind_text(st, 4, p->code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, class_id);
	sqlite3_bind_text(st, 6, mark, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, ej_store_actor(r->s)->staff_id);
	sqlite3_bind_text(st, 8, r->now, -1, SQLITE_STATIC);
	if (reason && *reason)
		sqlite3_bind_text(st, 9, reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(r->s, r->d,
		    _("cannot write a period mark"));
	if (had) {
		r->st.terms_changed++;
		log_change(r, '~', class_id, subject, pupil, p, old, mark);
	} else {
		r->st.terms_added++;
		log_change(r, '+', class_id, subject, pupil, p, NULL, mark);
	}
	return 0;
}

/* 0 removed, 1 there was none, -1 error. */
static int
term_del(struct run *r, long long class_id, long long subject,
    long long pupil, const struct period *p, const char *reason,
    const struct ej_where *w)
{
	sqlite3_stmt *st;
	char old[16] = "";
	int had, rc;

	if (!reason || !*reason)
		return rerr(r, EJ_EXIT_DATAERR, w, _("removing a period mark "
		    "needs a reason (--reason)"));
	if ((had = term_get(r, pupil, subject, p->code, old, NULL)) <= 0)
		return had < 0 ? -1 : 1;
	if ((st = ej_store_prepare(r->s, "DELETE FROM term_marks WHERE "
	    "pupil_id = ? AND subject_id = ? AND year_id = ? AND period = ?",
	    r->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_int64(st, 3, r->year_id);
	sqlite3_bind_text(st, 4, p->code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(r->s, r->d,
		    _("cannot remove a period mark"));
	r->st.terms_removed++;
	log_change(r, '-', class_id, subject, pupil, p, old, NULL);
	return 0;
}

/* Commit the run with its summary (dry run: print what would change). */
static void
finish(struct run *r, const char *what, const char *reason)
{
	char *summary = ej_journal_summary(what, &r->st);

	if (ej_cli_commit(r->c, summary, reason) > 0 && r->c->dry_run &&
	    r->log) {
		fflush(r->log);
		fwrite(r->logbuf, 1, r->loglen, r->d->out);
	}
	free(summary);
}

/* After a bad row or a failed write: nothing stays. */
_Noreturn static void
refuse(struct run *r)
{
	ej_store_rollback(r->s);
	ej_diag_flush(r->d);
	ej_note(r->d, _("nothing was written"));
	run_exit(r);
}

/* ------------------------------------------------------------ set, rm */

static void
one(struct ej_cli *c, int rm, char **av, const struct opts *o)
{
	struct run r;
	struct period p;
	long long cls, subj, pupil;
	char mark[16], *what;
	int bad = 0, rc;

	run_open(&r, c, EJ_SETUP_WRITE);
	if ((cls = ej_journal_class(r.j, av[0], NULL)) == 0)
		bad++;
	if ((subj = ej_journal_subject(r.j, av[1], NULL)) == 0)
		bad++;
	if (bad || ej_journal_may_write(r.j, cls, subj, NULL) < 0 ||
	    resolve_period(&r, cls, av[2], &p, NULL) < 0 ||
	    (pupil = ej_journal_pupil(r.j, av[3], cls, p.end, NULL)) == 0 ||
	    (!rm && period_mark(&r, subj, av[4], mark, NULL) < 0))
		run_exit(&r);
	if (ej_store_begin(r.s, r.d) < 0)
		run_exit(&r);
	if (rm)
		rc = term_del(&r, cls, subj, pupil, &p, o->reason, NULL);
	else
		rc = term_put(&r, cls, subj, pupil, &p, mark, o->reason, NULL);
	if (rc < 0)
		refuse(&r);
	if (rc == 1) {
		ej_error(r.d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s has no period mark %s in %s"), av[3], p.code,
		    ej_journal_subject_name(r.j, subj));
		refuse(&r);
	}
	what = ej_xasprintf("%s %s", ej_journal_class_name(r.j, cls),
	    ej_journal_subject_name(r.j, subj));
	finish(&r, what, o->reason);
	free(what);
	run_exit(&r);
}

/* -------------------------------------------------------------- import */

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

enum { T_CLASS, T_SUBJECT, T_PERIOD, T_PUPIL, T_PUPIL_NAME, T_MARK,
	T_REASON };
static const struct ej_csv_col term_cols[] = {
	{"class", A("класс"), 1},
	{"subject", A("предмет"), 1},
	{"period", A("период", "четверть", "полугодие", "триместр"), 1},
	{"pupil", A("ученик", "обучающийся", "фио"), 1},
	{"pupil_name", A("фио ученика"), 0},
	{"mark", A("отметка", "оценка"), 1},
	{"reason", A("причина", "основание"), 0},
};
#define NTERM_COLS (sizeof term_cols / sizeof term_cols[0])

static size_t
seen_hash(long long pupil, long long subject, int period)
{
	unsigned long long h = (unsigned long long)pupil * 0x9e3779b97f4a7c15ULL;

	h ^= (unsigned long long)subject * 0xc2b2ae3d27d4eb4fULL + (unsigned)period;
	h ^= h >> 29;
	return (size_t)h;
}

/* The line where (pupil, subject, period) was seen first, or 0 (and now
 * it is seen at line). */
static long
seen_put(struct seen *s, long long pupil, long long subject, int period,
    long line)
{
	struct seen_slot *sl;
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct seen grown = {0};

		grown.cap = s->cap ? 2 * s->cap : 1024;
		grown.slot = ej_xcalloc(grown.cap, sizeof *grown.slot);
		for (i = 0; i < s->cap; i++)
			if (s->slot[i].period)
				seen_put(&grown, s->slot[i].pupil,
				    s->slot[i].subject, s->slot[i].period,
				    s->slot[i].line);
		free(s->slot);
		*s = grown;
	}
	for (i = seen_hash(pupil, subject, period) & (s->cap - 1);;
	    i = (i + 1) & (s->cap - 1)) {
		sl = &s->slot[i];
		if (!sl->period) {
			sl->pupil = pupil;
			sl->subject = subject;
			sl->period = period;
			sl->line = line;
			s->n++;
			return 0;
		}
		if (sl->pupil == pupil && sl->subject == subject &&
		    sl->period == period)
			return sl->line;
	}
}

/* What an import touched, for the summary: one class × subject, one
 * class, or several. */
struct scope {
	long long cls, subj;
	int classes_mixed, subjects_mixed;
};

static const char *
cell(struct run *r, const struct ej_csv_record *rec, size_t col,
    const struct ej_where *w)
{
	const char *v = ej_csv_get(rec, col);

	if (!v || !*v) {
		rerr(r, EJ_EXIT_DATAERR, w, _("%s is empty"),
		    term_cols[col].name);
		return NULL;
	}
	return v;
}

static void
import_row(struct run *r, const struct ej_csv_record *rec, struct seen *seen,
    struct scope *sc, const char *dflt_reason)
{
	struct ej_where w = { .file = rec->file, .line = rec->line };
	struct period p;
	const char *cn, *sn, *pn, *un, *mn, *reason;
	long long cls = 0, subj = 0, pupil;
	char mark[16];
	long first;

	cn = cell(r, rec, T_CLASS, &w);
	sn = cell(r, rec, T_SUBJECT, &w);
	pn = cell(r, rec, T_PERIOD, &w);
	un = cell(r, rec, T_PUPIL, &w);
	mn = cell(r, rec, T_MARK, &w);
	if (cn)
		cls = ej_journal_class(r->j, cn, &w);
	if (sn)
		subj = ej_journal_subject(r->j, sn, &w);
	if (!cls || !subj || ej_journal_may_write(r->j, cls, subj, &w) < 0)
		return;
	if (mn && period_mark(r, subj, mn, mark, &w) < 0)
		mn = NULL;
	if (pn && resolve_period(r, cls, pn, &p, &w) < 0)
		pn = NULL;
	if (!pn || !un || !mn ||
	    (pupil = ej_journal_pupil(r->j, un, cls, p.end, &w)) == 0)
		return;
	if ((first = seen_put(seen, pupil, subj, period_rank(p.code),
	    rec->line)) != 0) {
		rerr(r, EJ_EXIT_DATAERR, &w, _("%s, %s, period %s: already "
		    "given at line %ld"), un, ej_journal_subject_name(r->j,
		    subj), p.code, first);
		return;
	}
	if (!sc->cls) {
		sc->cls = cls;
		sc->subj = subj;
	}
	sc->classes_mixed |= cls != sc->cls;
	sc->subjects_mixed |= subj != sc->subj;
	reason = ej_csv_get(rec, T_REASON);
	if (!reason || !*reason)
		reason = dflt_reason;
	term_put(r, cls, subj, pupil, &p, mark, reason, &w);
}

static void
import(struct ej_cli *c, const char *file, struct opts *o)
{
	struct run r;
	struct ej_csv_reader *rd;
	struct ej_csv_record *rec;
	struct seen seen = {0};
	struct scope sc = {0};
	unsigned long errors;
	char *what = NULL;
	int rc;

	run_open(&r, c, EJ_SETUP_WRITE);
	if (ej_csv_open(&rd, file ? file : "-", term_cols, NTERM_COLS, &o->in,
	    r.d) < 0) {
		ej_note(r.d, _("nothing was written"));
		run_exit(&r);
	}
	if (ej_store_begin(r.s, r.d) < 0) {
		ej_csv_reader_free(rd);
		run_exit(&r);
	}
	errors = r.d->errors;
	while ((rc = ej_csv_next(rd, &rec, r.d)) > 0)
		import_row(&r, rec, &seen, &sc, o->reason);
	free(seen.slot);
	if (ej_csv_encoding(rd) == EJ_CSV_ENC_CP1251)
		ej_note(r.d, _("%s: read as CP1251"), ej_csv_name(rd));
	if (rc < 0 || ej_csv_bad(rd) || r.d->errors != errors) {
		ej_csv_reader_free(rd);
		refuse(&r);
	}
	ej_csv_reader_free(rd);
	if (sc.cls && !sc.classes_mixed && !sc.subjects_mixed)
		what = ej_xasprintf("%s %s", ej_journal_class_name(r.j, sc.cls),
		    ej_journal_subject_name(r.j, sc.subj));
	else if (sc.cls && !sc.classes_mixed)
		what = ej_xstrdup(ej_journal_class_name(r.j, sc.cls));
	finish(&r, what, o->reason);
	free(what);
	run_exit(&r);
}

/* -------------------------------------------------------------- export */

static void
export(struct ej_cli *c, const struct opts *o)
{
	struct run r;
	struct ej_csv_writer *w;
	struct period p;
	sqlite3_stmt *st;
	long long cls = 0, subj = 0;
	const char *code = NULL;
	char pcode[8];
	size_t i;
	int rc, k;

	run_open(&r, c, EJ_SETUP_READ);
	if (o->class_name && (cls = ej_journal_class(r.j, o->class_name,
	    NULL)) == 0)
		run_exit(&r);
	if (o->subject && (subj = ej_journal_subject(r.j, o->subject,
	    NULL)) == 0)
		run_exit(&r);
	if (o->period && cls) {
		if (resolve_period(&r, cls, o->period, &p, NULL) < 0)
			run_exit(&r);
		snprintf(pcode, sizeof pcode, "%s", p.code);
		code = pcode;
	} else if (o->period) {
		if (ej_terms_period_parse(o->period, pcode) < 0) {
			ej_error(r.d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("\"%s\" is not a period: 1..4, year, exam or "
			    "final"), o->period);
			run_exit(&r);
		}
		code = pcode;
	}
	if ((st = ej_store_prepare(r.s, "SELECT c.name, j.name, t.period, "
	    "t.pupil_id, p.surname || ' ' || p.name, t.mark, t.reason "
	    "FROM term_marks t JOIN classes c ON c.id = t.class_id "
	    "JOIN subjects j ON j.id = t.subject_id "
	    "JOIN pupils p ON p.id = t.pupil_id WHERE t.year_id = ?1 AND "
	    "(?2 IS NULL OR t.class_id = ?2) AND (?3 IS NULL OR "
	    "t.subject_id = ?3) AND (?4 IS NULL OR t.period = ?4) "
	    "ORDER BY c.parallel, c.letter, c.id, j.id, " PERIOD_ORDER ", "
	    "p.surname, p.name, p.patronymic, p.id", r.d)) == NULL)
		run_exit(&r);
	sqlite3_bind_int64(st, 1, r.year_id);
	if (cls)
		sqlite3_bind_int64(st, 2, cls);
	if (subj)
		sqlite3_bind_int64(st, 3, subj);
	if (code)
		sqlite3_bind_text(st, 4, code, -1, SQLITE_STATIC);
	if (ej_csv_writer_new(&w, stdout, &o->out) < 0) {
		sqlite3_reset(st);
		ej_error(r.d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
		run_exit(&r);
	}
	for (i = 0; i < NTERM_COLS; i++)
		ej_csv_put(w, term_cols[i].name);
	ej_csv_end_row(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (k = 0; k < 7; k++)
			ej_csv_put(w, (const char *)sqlite3_column_text(st, k));
		ej_csv_end_row(w);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ej_store_sqlerr(r.s, r.d, _("cannot read the period marks"));
	else
		ej_csv_writer_finish(w, "stdout", r.d);
	ej_csv_writer_free(w);
	run_exit(&r);
}

/* ------------------------------------------------------------- suggest */

/* A pupil's current marks in subject within [start, end], into *m. */
static size_t
current_marks(struct run *r, long long pupil, long long subject,
    const struct period *p, struct ej_terms_mark **m, size_t *cap)
{
	sqlite3_stmt *st;
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	size_t n = 0;

	ej_date_format(p->start, a);
	ej_date_format(p->end, b);
	/* Marks of every class the pupil was in during the period: marks
	 * made in the old class stay there, but they are the pupil's. */
	if ((st = ej_store_prepare(r->s, "SELECT CAST(m.mark AS INTEGER), "
	    "w.weight FROM marks m JOIN lessons l ON l.id = m.lesson_id "
	    "JOIN work_types w ON w.id = m.work_id WHERE m.pupil_id = ? AND "
	    "l.subject_id = ? AND l.date BETWEEN ? AND ? AND "
	    "m.mark GLOB '[1-5]'", r->d)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_text(st, 3, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double wt = sqlite3_column_double(st, 1);

		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*m = ej_xrealloc(*m, *cap * sizeof **m);
		}
		(*m)[n].value = sqlite3_column_int(st, 0);
		(*m)[n].weight = wt > 0 ? (int)(wt * 100 + 0.5) : 0;
		n++;
	}
	sqlite3_reset(st);
	return n;
}

/* A right-aligned column: at least min, and one more than its heading. */
static size_t
col_width(const char *heading, size_t min)
{
	size_t w = ej_text_width(heading) + 1;

	return w > min ? w : min;
}

static void
suggest(struct ej_cli *c, const struct opts *o)
{
	struct run r;
	struct period p;
	struct ej_csv_writer *w = NULL;
	struct ej_terms_mark *m = NULL;
	struct ej_terms_suggestion sg;
	sqlite3_stmt *st;
	long long cls, subj, pupil;
	char day[EJ_DATE_LEN], a[EJ_DATE_LEN], avg[24], no[16], cnt[16];
	char set[16], *cname = NULL, *sname = NULL;
	size_t cap = 0, n, wm = 6, wa = 9, ws = 11;
	int rc, num = 0, bad = 0;

	run_open(&r, c, EJ_SETUP_READ);
	if ((cls = ej_journal_class(r.j, o->class_name, NULL)) == 0)
		bad++;
	if ((subj = ej_journal_subject(r.j, o->subject, NULL)) == 0)
		bad++;
	if (bad || resolve_period(&r, cls, o->period, &p, NULL) < 0)
		run_exit(&r);
	cname = ej_xstrdup(ej_journal_class_name(r.j, cls));
	sname = ej_xstrdup(ej_journal_subject_name(r.j, subj));
	if (p.num == 0) {
		ej_error(r.d, EJ_EXIT_DATAERR, NULL, 0, 0, _("suggest works on "
		    "a study period (1..%d): a %s mark is the teacher's to "
		    "set"), p.sc->n, p.code);
		goto out;
	}
	if (passfail(&r, subj)) {
		ej_error(r.d, EJ_EXIT_DATAERR, NULL, 0, 0, _("%s is pass/fail: "
		    "it has no average to suggest from"), sname);
		goto out;
	}
	r.rule.min_marks = min_marks(&r, p.sc);
	ej_date_format(p.end, day);
	if ((st = ej_store_prepare(r.s, "SELECT p.id, p.surname || ' ' || "
	    "p.name || CASE WHEN p.patronymic <> '' THEN ' ' || p.patronymic "
	    "ELSE '' END, p.surname || ' ' || p.name FROM pupils p WHERE "
	    "(SELECT m.class_id FROM membership m WHERE m.pupil_id = p.id AND "
	    "m.start <= ?1 ORDER BY m.start DESC LIMIT 1) = ?2 "
	    "ORDER BY p.surname, p.name, p.patronymic, p.id", r.d)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cls);
	if (o->csv) {
		static const char *const head[] = {"class", "subject", "period",
		    "pupil", "pupil_name", "marks", "average", "suggested",
		    "mark"};

		if (ej_csv_writer_new(&w, stdout, &o->out) < 0) {
			sqlite3_reset(st);
			ej_error(r.d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
			goto out;
		}
		ej_csv_write_row(w, head, sizeof head / sizeof head[0]);
	} else {
		ej_date_format(p.start, a);
		printf(r.rule.weights ? _("%s %s, %s (%s..%s): weighted "
		    "average, at least %d marks\n") : _("%s %s, %s (%s..%s): "
		    "plain average, at least %d marks\n"), cname, sname,
		    p.name, a, day, r.rule.min_marks);
		ej_text_pad(stdout, "№", 4, 1);
		fputs("  ", stdout);
		ej_text_pad(stdout, _("pupil"), 40, 0);
		/* Columns as wide as their headings in this language. */
		wm = col_width(_("marks"), 6);
		wa = col_width(_("average"), 9);
		ws = col_width(_("suggested"), 11);
		ej_text_pad(stdout, _("marks"), wm, 1);
		ej_text_pad(stdout, _("average"), wa, 1);
		ej_text_pad(stdout, _("suggested"), ws, 1);
		printf("  %s\n", _("set"));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pupil = sqlite3_column_int64(st, 0);
		n = current_marks(&r, pupil, subj, &p, &m, &cap);
		ej_terms_suggest(m, n, &r.rule, &sg);
		if (term_get(&r, pupil, subj, p.code, set, NULL) != 1)
			set[0] = '\0';
		ej_terms_format(sg.average, avg, sizeof avg);
		snprintf(cnt, sizeof cnt, "%d", sg.count);
		if (w) {
			ej_csv_put(w, cname);
			ej_csv_put(w, sname);
			ej_csv_put(w, p.code);
			ej_csv_putf(w, "%lld", pupil);
			ej_csv_put(w, (const char *)sqlite3_column_text(st, 2));
			ej_csv_put(w, cnt);
			ej_csv_put(w, avg);
			ej_csv_put(w, sg.mark);
			ej_csv_put(w, set);
			ej_csv_end_row(w);
			continue;
		}
		snprintf(no, sizeof no, "%d", ++num);
		ej_text_pad(stdout, no, 4, 1);
		fputs("  ", stdout);
		ej_text_pad(stdout, (const char *)sqlite3_column_text(st, 1),
		    40, 0);
		ej_text_pad(stdout, cnt, wm, 1);
		ej_text_pad(stdout, avg, wa, 1);
		ej_text_pad(stdout, sg.mark, ws, 1);
		if (set[0])
			printf("  %s", set);
		putchar('\n');
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ej_store_sqlerr(r.s, r.d, _("cannot read the marks"));
	else if (w)
		ej_csv_writer_finish(w, "stdout", r.d);
	else if (fflush(stdout) != 0 || ferror(stdout))
		ej_error(r.d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
out:
	ej_csv_writer_free(w);
	free(m);
	free(cname);
	free(sname);
	run_exit(&r);
}

/* ---------------------------------------------------------------- main */

enum {
	OPT_REASON = EJ_OPT_FIRST_LOCAL,
	OPT_STRICT,
	OPT_ENCODING,
	OPT_BOM,
	OPT_CRLF,
	OPT_CLASS,
	OPT_SUBJECT,
	OPT_PERIOD,
	OPT_FORMAT
};

_Noreturn void
ej_terms_main(struct ej_cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"bom", no_argument, NULL, OPT_BOM},
		{"class", required_argument, NULL, OPT_CLASS},
		{"crlf", no_argument, NULL, OPT_CRLF},
		{"delimiter", required_argument, NULL, 'd'},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"period", required_argument, NULL, OPT_PERIOD},
		{"reason", required_argument, NULL, OPT_REASON},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{NULL, 0, NULL, 0}
	};
	struct opts o;
	const char *cmd;
	int ch;

	c->usage = usage_text;
	memset(&o, 0, sizeof o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:hn", longopts, NULL)) != -1) {
		if (ej_cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.in.delim = o.out.delim = ej_cli_delimiter(c, optarg);
			break;
		case OPT_BOM:
			o.out.bom = 1;
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_CRLF:
			o.out.crlf = 1;
			break;
		case OPT_ENCODING:
			o.in.encoding = ej_cli_encoding(c, optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				o.csv = 1;
			else if (strcmp(optarg, "text") == 0)
				o.csv = 0;
			else
				ej_cli_usage(c);
			break;
		case OPT_PERIOD:
			o.period = optarg;
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_STRICT:
			o.in.strict = 1;
			break;
		case OPT_SUBJECT:
			o.subject = optarg;
			break;
		default:
			ej_cli_usage(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ej_cli_usage(c);
	cmd = argv[0];
	if (strcmp(cmd, "set") == 0 && argc == 6)
		one(c, 0, argv + 1, &o);
	else if (strcmp(cmd, "rm") == 0 && argc == 5)
		one(c, 1, argv + 1, &o);
	else if (strcmp(cmd, "import") == 0 && argc <= 2)
		import(c, argc == 2 ? argv[1] : NULL, &o);
	else if (strcmp(cmd, "export") == 0 && argc == 1)
		export(c, &o);
	else if (strcmp(cmd, "suggest") == 0 && argc == 1 && o.class_name &&
	    o.subject && o.period)
		suggest(c, &o);
	ej_cli_usage(c);
}
