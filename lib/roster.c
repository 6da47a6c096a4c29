/*
 * roster — the people of the school from the office's spreadsheets; see
 * roster.h. An import applies each good record inside the caller's write
 * transaction and reports every bad one; the caller commits only when all
 * were good.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "date.h"
#include "i18n.h"
#include "roster.h"
#include "text.h"
#include "who.h"

/* ---------------------------------------------------------------- columns */

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

enum { P_ID, P_EXT, P_SURNAME, P_NAME, P_PATRONYMIC, P_BIRTH, P_SEX, P_CLASS,
	P_JOINED };
static const struct ej_csv_col pupil_cols[] = {
	{"id", A("ид"), 0},
	{"ext_id", A("external_id", "личное дело", "номер личного дела"), 0},
	{"surname", A("фамилия"), 1},
	{"name", A("имя", "first_name"), 1},
	{"patronymic", A("отчество", "middle_name"), 0},
	{"birth_date", A("дата рождения", "birthday", "born"), 0},
	{"sex", A("пол", "gender"), 0},
	{"class", A("класс"), 1},
	{"joined", A("дата зачисления", "date_joined", "зачислен"), 0},
};

enum { R_ID, R_SURNAME, R_NAME, R_PATRONYMIC, R_PHONE, R_EMAIL, R_PUPIL,
	R_PUPIL_NAME, R_RELATION };
static const struct ej_csv_col parent_cols[] = {
	{"id", A("ид"), 0},
	{"surname", A("фамилия"), 1},
	{"name", A("имя", "first_name"), 1},
	{"patronymic", A("отчество", "middle_name"), 0},
	{"phone", A("телефон", "тел"), 0},
	{"email", A("e-mail", "эл. почта", "электронная почта", "почта"), 0},
	{"pupil", A("ученик", "ребенок", "обучающийся", "pupils", "дети"), 1},
	{"pupil_name", A("фио ученика"), 0},
	{"relation", A("кем приходится", "степень родства", "родство"), 0},
};

enum { S_LOGIN, S_SURNAME, S_NAME, S_PATRONYMIC, S_EMAIL, S_PHONE,
	S_POSITION, S_ROLES, S_HIRED };
static const struct ej_csv_col staff_cols[] = {
	{"login", A("логин", "unix_login"), 1},
	{"surname", A("фамилия"), 1},
	{"name", A("имя", "first_name"), 1},
	{"patronymic", A("отчество", "middle_name"), 0},
	{"email", A("e-mail", "эл. почта", "электронная почта", "почта"), 0},
	{"phone", A("телефон", "тел"), 0},
	{"position", A("должность"), 0},
	{"roles", A("роли", "role", "роль"), 0},
	{"hired", A("дата приема", "принят", "date_hired"), 0},
};

enum { L_TEACHER, L_CLASS, L_SUBJECT, L_SUBGROUP, L_HOURS };
static const struct ej_csv_col load_cols[] = {
	{"teacher", A("учитель", "преподаватель"), 1},
	{"class", A("класс"), 1},
	{"subject", A("предмет"), 1},
	{"subgroup", A("подгруппа", "группа"), 0},
	{"hours", A("часы", "часов в неделю", "hours_per_week"), 0},
};

enum { M_PUPIL, M_PUPIL_NAME, M_DATE, M_TO, M_REASON };
static const struct ej_csv_col move_cols[] = {
	{"pupil", A("ученик", "обучающийся"), 1},
	{"pupil_name", A("фио ученика"), 0},
	{"date", A("дата"), 1},
	{"to", A("куда", "в класс", "to_class"), 1},
	{"reason", A("основание", "причина"), 0},
};

static const struct {
	const char *name;
	const struct ej_csv_col *cols;
	size_t n;
	const char *noun;
} kinds[] = {
	{"pupils", pupil_cols, sizeof pupil_cols / sizeof pupil_cols[0],
	    "pupils"},
	{"parents", parent_cols, sizeof parent_cols / sizeof parent_cols[0],
	    "parents"},
	{"staff", staff_cols, sizeof staff_cols / sizeof staff_cols[0],
	    "staff"},
	{"load", load_cols, sizeof load_cols / sizeof load_cols[0], "load"},
	{"moves", move_cols, sizeof move_cols / sizeof move_cols[0], "moves"},
};

int
ej_roster_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < EJ_ROSTER_NKINDS; i++)
		if (strcmp(s, kinds[i].name) == 0)
			return i;
	return -1;
}

const char *
ej_roster_kind_name(int kind)
{
	return kinds[kind].name;
}

const struct ej_csv_col *
ej_roster_columns(int kind, size_t *n)
{
	*n = kinds[kind].n;
	return kinds[kind].cols;
}

void
ej_roster_stats_free(struct ej_roster_stats *st)
{
	free(st->moves);
	st->moves = NULL;
}

/* ------------------------------------------------------------ small bits */

static int
stepdone(struct ej_store *s, sqlite3_stmt *st, struct ej_diag *d,
    const char *file, long line)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0, "%s",
		    sqlite3_errmsg(ej_store_db(s)));
	return ej_store_sqlerr(s, d, _("cannot write"));
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

int
ej_roster_year(struct ej_store *s, long long *id, int *start, int *end,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(s, "SELECT id, start, end FROM years "
	    "ORDER BY start DESC LIMIT 1", d)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the store has no academic year"));
	}
	*id = sqlite3_column_int64(st, 0);
	if (ej_date_parse_iso((const char *)sqlite3_column_text(st, 1),
	    start) < 0 || ej_date_parse_iso((const char *)
	    sqlite3_column_text(st, 2), end) < 0) {
		sqlite3_reset(st);
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    "bad dates in years");
	}
	sqlite3_reset(st);
	return 0;
}

int
ej_roster_day(struct ej_store *s, int date, struct ej_diag *d)
{
	long long id;
	int start, end;

	if (!date)
		date = ej_date_today();
	if (ej_roster_year(s, &id, &start, &end, d) < 0)
		return -1;
	return date < start ? start : date > end ? end : date;
}

long long
ej_roster_find_class(struct ej_store *s, const char *name)
{
	struct ej_diag d;
	sqlite3_stmt *st;
	char norm[16], letter[8];
	int parallel;
	long long id = 0;

	ej_diag_init(&d, "ej", stderr);
	if (ej_class_name(name, norm, &parallel, letter) < 0)
		return 0;
	if ((st = ej_store_prepare(s, "SELECT c.id FROM classes c "
	    "JOIN years y ON y.id = c.year_id WHERE c.name = ? "
	    "ORDER BY y.start DESC LIMIT 1", &d)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* ------------------------------------------------------------ finding */

/*
 * Folded names of every pupil, "фамилия имя" and "фамилия имя отчество",
 * in a temporary indexed table made once per connection: a file of
 * thousands of parents then finds each child by an index look-up.
 */
static int
names_ready(struct ej_store *s, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(s, "SELECT 1 FROM temp.sqlite_master "
	    "WHERE name = 'ej_pupil_names'", d)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return ej_store_exec(s, "CREATE TEMP TABLE ej_pupil_names (key TEXT "
	    "NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) "
	    "WITHOUT ROWID; INSERT OR IGNORE INTO temp.ej_pupil_names "
	    "SELECT ej_fold(surname || ' ' || name), id FROM pupils UNION ALL "
	    "SELECT ej_fold(surname || ' ' || name || ' ' || patronymic), id "
	    "FROM pupils WHERE patronymic <> ''", d);
}

/* A pupil added during an import becomes findable at once. */
static void
names_add(struct ej_store *s, long long id, struct ej_diag *d)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(s, "INSERT OR IGNORE INTO "
	    "temp.ej_pupil_names SELECT ej_fold(surname || ' ' || name), id "
	    "FROM pupils WHERE id = ?1 UNION ALL SELECT ej_fold(surname || ' ' "
	    "|| name || ' ' || patronymic), id FROM pupils WHERE id = ?1 AND "
	    "patronymic <> ''", d)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_reset(st);
}

#define CLASS_ON \
	"(SELECT coalesce(c.name, '-') FROM membership m LEFT JOIN classes c " \
	"ON c.id = m.class_id WHERE m.pupil_id = p.id AND m.start <= ?2 " \
	"ORDER BY m.start DESC LIMIT 1)"

long long
ej_roster_find_pupil(struct ej_store *s, const char *ref, int date,
    const char *file, long line, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN], *key;
	long long id = 0, n = 0;
	const char *p;
	int rc;

	ej_date_format(date, day);
	for (p = ref; *p && isdigit((unsigned char)*p); p++)
		;
	if (*ref && !*p) {
		/* A stable id. */
		if ((st = ej_store_prepare(s, "SELECT id FROM pupils WHERE "
		    "id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, strtoll(ref, NULL, 10));
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	if (ref[0] == '#') {
		if ((st = ej_store_prepare(s, "SELECT id FROM pupils WHERE "
		    "ext_id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, ref + 1, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	if ((key = ej_text_fold(ref)) == NULL)
		return 0;
	if (names_ready(s, d) < 0) {
		free(key);
		return -1;
	}
	if ((st = ej_store_prepare(s, "SELECT p.id, p.surname || ' ' || "
	    "p.name || CASE WHEN p.patronymic <> '' THEN ' ' || p.patronymic "
	    "ELSE '' END, " CLASS_ON " FROM temp.ej_pupil_names n "
	    "JOIN pupils p ON p.id = n.id WHERE n.key = ?1 ORDER BY p.id",
	    d)) == NULL) {
		free(key);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (n == 1)
			id = sqlite3_column_int64(st, 0);
	}
	if (n > 1) {
		/* Ambiguous: name every candidate, id and class. */
		char *list = NULL;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char *t = ej_xasprintf("%s%s%lld %s (%s)",
			    list ? list : "", list ? "; " : "",
			    (long long)sqlite3_column_int64(st, 0),
			    sqlite3_column_text(st, 1),
			    sqlite3_column_text(st, 2) ?
			    (const char *)sqlite3_column_text(st, 2) : "-");
			free(list);
			list = t;
		}
		ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\" is ambiguous: %s; give the id"), ref, list);
		free(list);
		id = -1;
	}
	sqlite3_reset(st);
	free(key);
	return id;
}

long long
ej_roster_find_pupil_in(struct ej_store *s, const char *ref,
    long long class_id, int date, const char *file, long line,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN], *key;
	long long id = 0;
	int n = 0;

	/* Ids name one pupil whatever the class; the caller checks it. */
	if (ref[0] == '#' || (*ref && strspn(ref, "0123456789") ==
	    strlen(ref)))
		return ej_roster_find_pupil(s, ref, date, file, line, d);
	if ((key = ej_text_fold(ref)) == NULL)
		return 0;
	if (names_ready(s, d) < 0) {
		free(key);
		return -1;
	}
	ej_date_format(date, day);
	if ((st = ej_store_prepare(s, "SELECT p.id FROM temp.ej_pupil_names n "
	    "JOIN pupils p ON p.id = n.id WHERE n.key = ?1 AND (SELECT "
	    "m.class_id FROM membership m WHERE m.pupil_id = p.id AND "
	    "m.start <= ?2 ORDER BY m.start DESC LIMIT 1) = ?3", d)) == NULL) {
		free(key);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, class_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n > 1) {
		/* The class has two of that name: the school-wide message
		 * lists them with their ids. */
		ej_roster_find_pupil(s, ref, date, file, line, d);
		id = -1;
	} else if (n == 0)
		/* Perhaps not in this class: the caller says so when the
		 * school knows the name. */
		id = ej_roster_find_pupil(s, ref, date, file, line, d);
	free(key);
	return id;
}

/* ------------------------------------------------------------- duplicates */

/*
 * Keys seen in this file, with the line that first had each, in a
 * temporary table: SQLite's temporary storage spills to disk, so a file of
 * any size is checked for duplicates in bounded memory.
 */
struct seen {
	struct ej_store *s;
	struct ej_diag *d;
	int ready;
};

/* 0 and remembered, or the earlier line holding key (takes key). */
static long
seen_add(struct seen *sn, char *key, long line)
{
	sqlite3_stmt *st;
	long first = 0;

	if (!sn->ready) {
		if (ej_store_exec(sn->s, "CREATE TEMP TABLE IF NOT EXISTS "
		    "ej_seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL) "
		    "WITHOUT ROWID; DELETE FROM temp.ej_seen", sn->d) < 0) {
			free(key);
			return 0;
		}
		sn->ready = 1;
	}
	if ((st = ej_store_prepare(sn->s, "INSERT INTO temp.ej_seen "
	    "VALUES(?1, ?2) ON CONFLICT DO UPDATE SET line = line "
	    "RETURNING line", sn->d)) == NULL) {
		free(key);
		return 0;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) !=
	    line)
		first = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	free(key);
	return first;
}

static void
seen_free(struct seen *sn)
{
	if (sn->ready)
		ej_store_exec(sn->s, "DELETE FROM temp.ej_seen", sn->d);
}

/* ------------------------------------------------------------- moves tally */

struct tally {
	char **what;
	unsigned long *n;
	size_t len;
};

static void
tally_add(struct tally *t, const char *from, const char *to)
{
	char *k = ej_xasprintf("%s→%s", from, to);
	size_t i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->what[i], k) == 0) {
			t->n[i]++;
			free(k);
			return;
		}
	t->what = ej_xrealloc(t->what, (t->len + 1) * sizeof *t->what);
	t->n = ej_xrealloc(t->n, (t->len + 1) * sizeof *t->n);
	t->what[t->len] = k;
	t->n[t->len++] = 1;
}

static char *
tally_str(struct tally *t)
{
	char *out = NULL, *tmp;
	size_t i;

	for (i = 0; i < t->len; i++) {
		tmp = ej_xasprintf("%s%s%s: %lu", out ? out : "", out ? ", " : "",
		    t->what[i], t->n[i]);
		free(out);
		out = tmp;
		free(t->what[i]);
	}
	free(t->what);
	free(t->n);
	return out;
}

char *
ej_roster_summary(int kind, const struct ej_roster_stats *st)
{
	char *s;

	if (kind == EJ_ROSTER_MOVES)
		s = ej_xasprintf("roster: moves +%lu", st->added);
	else
		s = ej_xasprintf("roster: +%lu %s", st->added,
		    kinds[kind].noun);
	if (st->changed) {
		char *t = ej_xasprintf("%s, ~%lu", s, st->changed);
		free(s);
		s = t;
	}
	if (st->links) {
		char *t = ej_xasprintf("%s, links +%lu", s, st->links);
		free(s);
		s = t;
	}
	if (st->moves) {
		char *t = ej_xasprintf("%s, %s", s, st->moves);
		free(s);
		s = t;
	}
	return s;
}

/* ---------------------------------------------------------------- import */

struct imp {
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_roster_stats *st;
	struct seen seen;
	struct tally tally;
	struct ej_yearctx yc;
	long long year_id;
	int date;                   /* when a pupils file's class change applies */
	char day[EJ_DATE_LEN];
	unsigned long bad;
};

static int
bad(struct imp *im, const struct ej_csv_record *rec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct imp *im, const struct ej_csv_record *rec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ej_verror(im->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0, fmt, ap);
	va_end(ap);
	im->bad++;
	return -1;
}

/*
 * The e-mail and phone cells of a parent or staff row: an addr-spec and
 * a phone number (text.h), or empty. The number of bad ones, each
 * reported at its line and column.
 */
static int
contacts(struct imp *im, const struct ej_csv_record *rec, size_t email_col,
    size_t phone_col)
{
	const char *v;
	int fails = 0;

	if ((v = ej_csv_get(rec, email_col)) != NULL && !ej_email_valid(v)) {
		ej_error(im->d, EJ_EXIT_DATAERR, rec->file, rec->line,
		    ej_csv_column(rec->reader, email_col) + 1,
		    _("email: \"%s\" is not an address (name@domain.example, "
		    "without spaces, quotes, < > or commas)"), v);
		im->bad++;
		fails++;
	}
	if ((v = ej_csv_get(rec, phone_col)) != NULL && !ej_phone_valid(v)) {
		ej_error(im->d, EJ_EXIT_DATAERR, rec->file, rec->line,
		    ej_csv_column(rec->reader, phone_col) + 1,
		    _("phone: \"%s\" is not a phone number (digits, spaces, "
		    "+ ( ) and - only)"), v);
		im->bad++;
		fails++;
	}
	return fails;
}

/* A required cell: present and not empty. */
static const char *
need(struct imp *im, const struct ej_csv_record *rec, size_t col,
    const char *name)
{
	const char *v = ej_csv_get(rec, col);

	if (!v || !*v) {
		bad(im, rec, _("%s is empty"), name);
		return NULL;
	}
	return v;
}

/* The class a pupil is in on day: its id, 0 when in none (left, or not
 * yet arrived), with its name in buf. */
static long long
class_on(struct imp *im, long long pupil, const char *day, char *buf,
    size_t n)
{
	sqlite3_stmt *st;
	long long id = 0;

	snprintf(buf, n, "-");
	if ((st = ej_store_prepare(im->s, "SELECT m.class_id, c.name FROM "
	    "membership m LEFT JOIN classes c ON c.id = m.class_id WHERE "
	    "m.pupil_id = ? AND m.start <= ? ORDER BY m.start DESC LIMIT 1",
	    im->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		id = sqlite3_column_int64(st, 0);
		snprintf(buf, n, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return id;
}

static int
set_member(struct imp *im, long long pupil, const char *day,
    long long class_id, const char *reason, const struct ej_csv_record *rec)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(im->s, "INSERT INTO membership(pupil_id, "
	    "start, class_id, reason) VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO "
	    "UPDATE SET class_id = ?3, reason = ?4", im->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (class_id)
		sqlite3_bind_int64(st, 3, class_id);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	return stepdone(im->s, st, im->d, rec->file, rec->line);
}

static const char *
sex_norm(const char *v)
{
	char *f;
	const char *out = NULL;

	if (!v || !*v)
		return "";
	if ((f = ej_text_fold(v)) == NULL)
		return NULL;
	if (!strcmp(f, "м") || !strcmp(f, "муж") || !strcmp(f, "мужской") ||
	    !strcmp(f, "m") || !strcmp(f, "male"))
		out = "м";
	else if (!strcmp(f, "ж") || !strcmp(f, "жен") ||
	    !strcmp(f, "женский") || !strcmp(f, "f") || !strcmp(f, "female"))
		out = "ж";
	free(f);
	return out;
}

/* A full date (not DD.MM), or -1 with the error reported. */
static int
date_cell(struct imp *im, const struct ej_csv_record *rec, const char *v,
    const char *what, int in_year, int *out)
{
	if (ej_date_parse(v, in_year ? &im->yc : NULL, out) < 0)
		return bad(im, rec, _("%s: \"%s\" is not a date"), what, v);
	if (in_year && (*out < im->yc.start || *out > im->yc.end)) {
		char a[EJ_DATE_LEN], b[EJ_DATE_LEN];

		ej_date_format(im->yc.start, a);
		ej_date_format(im->yc.end, b);
		return bad(im, rec, _("%s: %s is outside the year (%s..%s)"),
		    what, v, a, b);
	}
	return 0;
}

static int
import_pupil(struct imp *im, const struct ej_csv_record *rec)
{
	const char *sn, *nm, *pt, *sx, *cls, *v;
	long long id = 0, class_id, cur;
	char bd[EJ_DATE_LEN] = "", jd[EJ_DATE_LEN] = "", curname[64];
	char *key = NULL, *full;
	int birth = 0, joined = 0, start, fails = 0;
	long first;
	sqlite3_stmt *st;

	sn = need(im, rec, P_SURNAME, "surname");
	nm = need(im, rec, P_NAME, "name");
	cls = need(im, rec, P_CLASS, "class");
	if (!sn || !nm || !cls)
		return -1;
	pt = nz(ej_csv_get(rec, P_PATRONYMIC));
	if ((v = ej_csv_get(rec, P_BIRTH)) != NULL) {
		if (date_cell(im, rec, v, "birth_date", 0, &birth) < 0)
			fails++;
		else if (birth >= ej_date_today())
			fails += bad(im, rec, _("birth_date: %s is in the "
			    "future"), v) < 0;
		else
			ej_date_format(birth, bd);
	}
	if ((sx = sex_norm(ej_csv_get(rec, P_SEX))) == NULL)
		fails += bad(im, rec, _("sex: \"%s\" is not м or ж"),
		    ej_csv_get(rec, P_SEX)) < 0;
	if ((v = ej_csv_get(rec, P_JOINED)) != NULL) {
		if (date_cell(im, rec, v, "joined", 0, &joined) < 0)
			fails++;
		else if (joined > im->yc.end)
			fails += bad(im, rec, _("joined: %s is after the "
			    "year's end"), v) < 0;
		else
			ej_date_format(joined, jd);
	}
	if ((class_id = ej_roster_find_class(im->s, cls)) == 0)
		fails += bad(im, rec, _("unknown class \"%s\""), cls) < 0;
	if (fails)
		return -1;

	/* Which pupil: id, office id, or name (and birth date). */
	full = ej_xasprintf("%s %s%s%s", sn, nm, *pt ? " " : "", pt);
	if ((v = ej_csv_get(rec, P_ID)) != NULL) {
		id = ej_roster_find_pupil(im->s, v, im->date, rec->file,
		    rec->line, im->d);
		key = ej_xasprintf("id:%s", v);
		if (id == 0 || strspn(v, "0123456789") != strlen(v)) {
			free(full);
			free(key);
			return bad(im, rec, _("unknown pupil id %s"), v);
		}
	} else if ((v = ej_csv_get(rec, P_EXT)) != NULL) {
		char *ref = ej_xasprintf("#%s", v);

		id = ej_roster_find_pupil(im->s, ref, im->date, rec->file,
		    rec->line, im->d);
		free(ref);
		key = ej_xasprintf("ext:%s", v);
	} else {
		char *f = ej_text_fold(full);

		key = ej_xasprintf("name:%s|%s", f ? f : full, bd);
		free(f);
		if (names_ready(im->s, im->d) < 0) {
			free(full);
			free(key);
			return -1;
		}
		/* Same name and the same (or an unknown) birth date. */
		if ((st = ej_store_prepare(im->s, "SELECT p.id FROM "
		    "temp.ej_pupil_names n JOIN pupils p ON p.id = n.id WHERE "
		    "n.key = ?1 AND (?2 = '' OR p.birth_date IS NULL OR "
		    "p.birth_date = ?2)", im->d)) == NULL) {
			free(full);
			free(key);
			return -1;
		}
		f = ej_text_fold(full);
		sqlite3_bind_text(st, 1, f, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, bd, -1, SQLITE_STATIC);
		free(f);
		{
			int n = 0;

			while (sqlite3_step(st) == SQLITE_ROW) {
				id = sqlite3_column_int64(st, 0);
				n++;
			}
			sqlite3_reset(st);
			if (n > 1) {
				ej_roster_find_pupil(im->s, full, im->date,
				    rec->file, rec->line, im->d);
				im->bad++;
				free(full);
				free(key);
				return -1;
			}
		}
	}
	if (id < 0) {
		im->bad++;
		free(full);
		free(key);
		return -1;
	}
	if ((first = seen_add(&im->seen, key, rec->line)) != 0) {
		bad(im, rec, _("%s appears twice (first at line %ld)"), full,
		    first);
		free(full);
		return -1;
	}
	free(full);

	if (id == 0) {
		/* New: the pupil, and their class from the day they joined
		 * (or the year's first day). */
		if ((st = ej_store_prepare(im->s, "INSERT INTO pupils(ext_id, "
		    "surname, name, patronymic, birth_date, sex, joined) "
		    "VALUES(?, ?, ?, ?, ?, ?, ?)", im->d)) == NULL)
			return -1;
		bind_opt(st, 1, ej_csv_get(rec, P_EXT));
		sqlite3_bind_text(st, 2, sn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, nm, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, pt, -1, SQLITE_STATIC);
		bind_opt(st, 5, *bd ? bd : NULL);
		sqlite3_bind_text(st, 6, sx, -1, SQLITE_STATIC);
		bind_opt(st, 7, *jd ? jd : NULL);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(ej_store_db(im->s));
		names_add(im->s, id, im->d);
		start = joined > im->yc.start ? joined : im->yc.start;
		ej_date_format(start, jd);
		if (set_member(im, id, jd, class_id, "", rec) < 0)
			return -1;
		im->st->added++;
		return 0;
	}
	/* Known: update what differs. Columns the file lacks stay. */
	if ((st = ej_store_prepare(im->s, "UPDATE pupils SET surname = ?2, "
	    "name = ?3, patronymic = coalesce(?4, patronymic), "
	    "birth_date = coalesce(?5, birth_date), sex = coalesce(?6, sex), "
	    "joined = coalesce(?7, joined), ext_id = coalesce(?8, ext_id) "
	    "WHERE id = ?1 AND (surname IS NOT ?2 OR name IS NOT ?3 OR "
	    "patronymic IS NOT coalesce(?4, patronymic) OR birth_date IS NOT "
	    "coalesce(?5, birth_date) OR sex IS NOT coalesce(?6, sex) OR "
	    "joined IS NOT coalesce(?7, joined) OR ext_id IS NOT "
	    "coalesce(?8, ext_id))", im->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nm, -1, SQLITE_STATIC);
	bind_opt(st, 4, ej_csv_get(rec, P_PATRONYMIC) ? pt : NULL);
	bind_opt(st, 5, *bd ? bd : NULL);
	bind_opt(st, 6, ej_csv_get(rec, P_SEX) ? sx : NULL);
	bind_opt(st, 7, *jd ? jd : NULL);
	bind_opt(st, 8, ej_csv_get(rec, P_EXT));
	if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
		return -1;
	if (sqlite3_changes(ej_store_db(im->s)) > 0)
		im->st->changed++;
	else
		im->st->same++;
	cur = class_on(im, id, im->day, curname, sizeof curname);
	if (cur < 0)
		return -1;
	if (cur != class_id) {
		char to[16], letter[8];
		int par;

		if (set_member(im, id, im->day, class_id, "ej-roster import",
		    rec) < 0)
			return -1;
		ej_class_name(cls, to, &par, letter);
		tally_add(&im->tally, curname, to);
	}
	return 0;
}

/* Roles listed as "teacher, classteacher" (or ; or spaces). */
static int
roles_parse(struct imp *im, const struct ej_csv_record *rec, const char *v,
    unsigned *out)
{
	char *list = ej_xstrdup(v), *tok, *save;
	int rc = 0;

	*out = 0;
	for (tok = strtok_r(list, ",; \t", &save); tok;
	    tok = strtok_r(NULL, ",; \t", &save)) {
		unsigned r = ej_role_parse(tok);

		if (!r)
			rc = bad(im, rec, _("unknown role \"%s\""), tok);
		*out |= r;
	}
	free(list);
	return rc;
}

static int
import_staff(struct imp *im, const struct ej_csv_record *rec)
{
	static const unsigned all[] = {EJ_ROLE_ADMIN, EJ_ROLE_DEPUTY,
	    EJ_ROLE_TEACHER, EJ_ROLE_CLASSTEACHER, EJ_ROLE_TECHNICIAN,
	    EJ_ROLE_SECRETARY};
	const char *login, *sn, *nm, *v;
	unsigned roles = 0;
	long long id = 0;
	long first;
	sqlite3_stmt *st;
	size_t i;
	int changed = 0, is_new, hired = -1;

	login = need(im, rec, S_LOGIN, "login");
	sn = need(im, rec, S_SURNAME, "surname");
	nm = need(im, rec, S_NAME, "name");
	if (!login || !sn || !nm)
		return -1;
	if (strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789_.-") !=
	    strlen(login) || !(islower((unsigned char)login[0]) ||
	    login[0] == '_'))
		return bad(im, rec, _("\"%s\" is not a Unix login"), login);
	if ((v = ej_csv_get(rec, S_ROLES)) != NULL &&
	    roles_parse(im, rec, v, &roles) < 0)
		return -1;
	if (contacts(im, rec, S_EMAIL, S_PHONE) > 0)
		return -1;
	if (ej_csv_get(rec, S_HIRED) && date_cell(im, rec, ej_csv_get(rec,
	    S_HIRED), "hired", 0, &hired) < 0)
		return -1;
	if ((first = seen_add(&im->seen, ej_xasprintf("%s", login),
	    rec->line)) != 0)
		return bad(im, rec, _("%s appears twice (first at line %ld)"),
		    login, first);
	if ((st = ej_store_prepare(im->s, "SELECT id FROM staff WHERE "
	    "login = ?", im->d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0) {
		if ((st = ej_store_prepare(im->s, "INSERT INTO staff(login, "
		    "surname, name, patronymic, email, phone, position) "
		    "VALUES(?, ?, ?, ?, ?, ?, ?)", im->d)) == NULL)
			return -1;
	} else if ((st = ej_store_prepare(im->s, "UPDATE staff SET "
	    "surname = ?2, name = ?3, patronymic = coalesce(?4, patronymic), "
	    "email = coalesce(?5, email), phone = coalesce(?6, phone), "
	    "position = coalesce(?7, position) WHERE login = ?1 AND "
	    "(surname IS NOT ?2 OR name IS NOT ?3 OR patronymic IS NOT "
	    "coalesce(?4, patronymic) OR email IS NOT coalesce(?5, email) OR "
	    "phone IS NOT coalesce(?6, phone) OR position IS NOT "
	    "coalesce(?7, position))", im->d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nm, -1, SQLITE_STATIC);
	if (id == 0) {
		sqlite3_bind_text(st, 4, nz(ej_csv_get(rec, S_PATRONYMIC)), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, nz(ej_csv_get(rec, S_EMAIL)), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 6, nz(ej_csv_get(rec, S_PHONE)), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 7, nz(ej_csv_get(rec, S_POSITION)), -1,
		    SQLITE_STATIC);
	} else {
		bind_opt(st, 4, ej_csv_get(rec, S_PATRONYMIC));
		bind_opt(st, 5, ej_csv_get(rec, S_EMAIL));
		bind_opt(st, 6, ej_csv_get(rec, S_PHONE));
		bind_opt(st, 7, ej_csv_get(rec, S_POSITION));
	}
	if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
		return -1;
	is_new = id == 0;
	changed = !is_new && sqlite3_changes(ej_store_db(im->s)) > 0;
	if (is_new)
		id = sqlite3_last_insert_rowid(ej_store_db(im->s));
	if (v) {
		/* The file's roles replace the stored ones. */
		for (i = 0; i < sizeof all / sizeof all[0]; i++) {
			if ((st = ej_store_prepare(im->s, (roles & all[i]) ?
			    "INSERT OR IGNORE INTO staff_roles VALUES(?, ?)" :
			    "DELETE FROM staff_roles WHERE staff_id = ? AND "
			    "role = ?", im->d)) == NULL)
				return -1;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, ej_role_name(all[i]), -1,
			    SQLITE_STATIC);
			if (stepdone(im->s, st, im->d, rec->file,
			    rec->line) < 0)
				return -1;
			if (sqlite3_changes(ej_store_db(im->s)) > 0)
				changed = 1;
		}
	}
	if (hired >= 0) {
		/* The day of hiring: the newly arrived (ej-portfolio). */
		char hd[EJ_DATE_LEN];

		ej_date_format(hired, hd);
		if ((st = ej_store_prepare(im->s, "INSERT INTO staff_hired "
		    "VALUES(?1, ?2) ON CONFLICT(staff_id) DO UPDATE SET "
		    "hired = ?2 WHERE hired IS NOT ?2", im->d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, hd, -1, SQLITE_TRANSIENT);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		if (sqlite3_changes(ej_store_db(im->s)) > 0)
			changed = 1;
	}
	if (is_new)
		im->st->added++;
	else if (changed)
		im->st->changed++;
	else
		im->st->same++;
	return 0;
}

/* A staff member by login or by "Фамилия Имя [Отчество]"; 0 none, -1
 * ambiguous (reported). */
static long long
find_staff(struct imp *im, const struct ej_csv_record *rec, const char *ref)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0;

	if ((st = ej_store_prepare(im->s, "SELECT id FROM staff WHERE "
	    "login = ?1 OR ej_fold(surname || ' ' || name) = ej_fold(?1) OR "
	    "ej_fold(surname || ' ' || name || ' ' || patronymic) = "
	    "ej_fold(?1)", im->d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n > 1) {
		bad(im, rec, _("\"%s\" names %d staff members; give the login"),
		    ref, n);
		return -1;
	}
	return id;
}

long long
ej_roster_find_subject(struct ej_store *s, const char *name,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id = 0;

	if ((st = ej_store_prepare(s, "SELECT id FROM subjects WHERE "
	    "ej_fold(name) = ej_fold(?1) OR ej_fold(short) = ej_fold(?1) "
	    "ORDER BY ej_fold(name) = ej_fold(?1) DESC, id LIMIT 1",
	    d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* A whole number in [lo, hi], or a real when real: -1 when not. */
static int
number_cell(const char *v, int real, double lo, double hi, double *out)
{
	char *end;
	double x;

	x = strtod(v, &end);
	if (end == v || *end || x < lo || x > hi || (!real && x != (long)x))
		return -1;
	*out = x;
	return 0;
}

static int
import_load(struct imp *im, const struct ej_csv_record *rec)
{
	const char *t, *c, *j, *v;
	long long tid, cid, sid;
	double subgroup = 0, hours = -1;
	long first;
	sqlite3_stmt *st;
	int fails = 0;

	t = need(im, rec, L_TEACHER, "teacher");
	c = need(im, rec, L_CLASS, "class");
	j = need(im, rec, L_SUBJECT, "subject");
	if (!t || !c || !j)
		return -1;
	if ((tid = find_staff(im, rec, t)) == 0)
		fails += bad(im, rec, _("unknown teacher \"%s\""), t) < 0;
	else if (tid < 0)
		fails++;
	if ((cid = ej_roster_find_class(im->s, c)) == 0)
		fails += bad(im, rec, _("unknown class \"%s\""), c) < 0;
	if ((sid = ej_roster_find_subject(im->s, j, im->d)) == 0)
		fails += bad(im, rec, _("unknown subject \"%s\""), j) < 0;
	else if (sid < 0)
		return -1;
	if ((v = ej_csv_get(rec, L_SUBGROUP)) != NULL &&
	    number_cell(v, 0, 0, 9, &subgroup) < 0)
		fails += bad(im, rec, _("subgroup: \"%s\" is not 0..9"), v) < 0;
	if ((v = ej_csv_get(rec, L_HOURS)) != NULL &&
	    number_cell(v, 1, 0, 40, &hours) < 0)
		fails += bad(im, rec, _("hours: \"%s\" is not a number of "
		    "hours a week"), v) < 0;
	if (fails)
		return -1;
	if ((first = seen_add(&im->seen, ej_xasprintf("%lld|%lld|%d|%lld",
	    cid, sid, (int)subgroup, tid), rec->line)) != 0)
		return bad(im, rec, _("this load appears twice (first at line "
		    "%ld)"), first);
	if ((st = ej_store_prepare(im->s, "INSERT INTO load(teacher_id, "
	    "class_id, subject_id, subgroup, hours) VALUES(?1, ?2, ?3, ?4, "
	    "coalesce(?5, 0)) ON CONFLICT DO UPDATE SET hours = "
	    "coalesce(?5, hours) WHERE hours IS NOT coalesce(?5, hours)",
	    im->d)) == NULL)
		return -1;
	{
		sqlite3_stmt *ex = ej_store_prepare(im->s, "SELECT 1 FROM load "
		    "WHERE teacher_id = ? AND class_id = ? AND subject_id = ? "
		    "AND subgroup = ?", im->d);
		int existed;

		if (!ex)
			return -1;
		sqlite3_bind_int64(ex, 1, tid);
		sqlite3_bind_int64(ex, 2, cid);
		sqlite3_bind_int64(ex, 3, sid);
		sqlite3_bind_int(ex, 4, (int)subgroup);
		existed = sqlite3_step(ex) == SQLITE_ROW;
		sqlite3_reset(ex);
		sqlite3_bind_int64(st, 1, tid);
		sqlite3_bind_int64(st, 2, cid);
		sqlite3_bind_int64(st, 3, sid);
		sqlite3_bind_int(st, 4, (int)subgroup);
		if (hours >= 0)
			sqlite3_bind_double(st, 5, hours);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		if (!existed)
			im->st->added++;
		else if (sqlite3_changes(ej_store_db(im->s)) > 0)
			im->st->changed++;
		else
			im->st->same++;
	}
	/* Whoever teaches holds the teacher role. */
	if ((st = ej_store_prepare(im->s, "INSERT OR IGNORE INTO "
	    "staff_roles VALUES(?, 'teacher')", im->d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tid);
	return stepdone(im->s, st, im->d, rec->file, rec->line);
}

/* Folded full names of the parents, indexed once per run like pupils'. */
static int
parent_names_ready(struct ej_store *s, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(s, "SELECT 1 FROM temp.sqlite_master "
	    "WHERE name = 'ej_parent_names'", d)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return ej_store_exec(s, "CREATE TEMP TABLE ej_parent_names (key TEXT "
	    "NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) WITHOUT "
	    "ROWID; INSERT INTO temp.ej_parent_names SELECT ej_fold(surname || "
	    "' ' || name || ' ' || patronymic), id FROM parents", d);
}

static void
parent_names_add(struct ej_store *s, long long id, struct ej_diag *d)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(s, "INSERT OR IGNORE INTO "
	    "temp.ej_parent_names SELECT ej_fold(surname || ' ' || name || "
	    "' ' || patronymic), id FROM parents WHERE id = ?", d)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* Parents are matched by id, else by name with phone or e-mail: two
 * parents of one name are told apart by how to reach them. */
static long long
find_parent(struct imp *im, const struct ej_csv_record *rec, const char *sn,
    const char *nm, const char *pt, const char *phone, const char *email)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0;

	if (parent_names_ready(im->s, im->d) < 0)
		return -1;
	if ((st = ej_store_prepare(im->s, "SELECT p.id FROM "
	    "temp.ej_parent_names n JOIN parents p ON p.id = n.id WHERE "
	    "n.key = ej_fold(?1 || ' ' || ?2 || ' ' || ?3) AND (?4 = '' OR "
	    "p.phone = '' OR p.phone = ?4) AND (?5 = '' OR p.email = '' OR "
	    "lower(p.email) = lower(?5))", im->d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, nm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, email, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n > 1) {
		bad(im, rec, _("%s %s: %d parents of this name; give the id, "
		    "phone or e-mail"), sn, nm, n);
		return -1;
	}
	return id;
}

static int
import_parent(struct imp *im, const struct ej_csv_record *rec)
{
	const char *sn, *nm, *pt, *phone, *email, *v, *rel;
	long long id = 0, pupils[16];
	size_t npupils = 0, i;
	char *list, *tok, *save, *pkey;
	int fails = 0, is_new;
	sqlite3_stmt *st;

	sn = need(im, rec, R_SURNAME, "surname");
	nm = need(im, rec, R_NAME, "name");
	v = need(im, rec, R_PUPIL, "pupil");
	if (!sn || !nm || !v)
		return -1;
	pt = nz(ej_csv_get(rec, R_PATRONYMIC));
	phone = nz(ej_csv_get(rec, R_PHONE));
	email = nz(ej_csv_get(rec, R_EMAIL));
	rel = nz(ej_csv_get(rec, R_RELATION));
	fails += contacts(im, rec, R_EMAIL, R_PHONE);
	/* One or more children: "Петров Пётр; Петрова Анна" or ids. */
	list = ej_xstrdup(v);
	for (tok = strtok_r(list, ";", &save); tok;
	    tok = strtok_r(NULL, ";", &save)) {
		char *ref = ej_text_squeeze(tok);
		long long pid;

		if (!ref || !*ref) {
			free(ref);
			continue;
		}
		pid = ej_roster_find_pupil(im->s, ref, im->date, rec->file,
		    rec->line, im->d);
		if (pid == 0)
			fails += bad(im, rec, _("unknown pupil \"%s\""), ref) < 0;
		else if (pid < 0) {
			im->bad++;
			fails++;
		} else if (npupils < sizeof pupils / sizeof pupils[0])
			pupils[npupils++] = pid;
		free(ref);
	}
	free(list);
	if ((v = ej_csv_get(rec, R_ID)) != NULL) {
		sqlite3_stmt *q = ej_store_prepare(im->s, "SELECT id FROM "
		    "parents WHERE id = ?", im->d);

		if (!q)
			return -1;
		sqlite3_bind_text(q, 1, v, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			id = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		if (id == 0)
			fails += bad(im, rec, _("unknown parent id %s"), v) < 0;
	} else if (!fails && (id = find_parent(im, rec, sn, nm, pt, phone,
	    email)) < 0)
		return -1;
	if (fails)
		return -1;
	{
		char *f = ej_xasprintf("%s %s %s", sn, nm, pt);
		char *ff = ej_text_fold(f);

		pkey = id ? ej_xasprintf("id:%lld", id) :
		    ej_xasprintf("%s|%s|%s", ff ? ff : f, phone, email);
		free(f);
		free(ff);
	}
	for (i = 0; i < npupils; i++) {
		long first = seen_add(&im->seen, ej_xasprintf("%s|%lld", pkey,
		    pupils[i]), rec->line);

		if (first) {
			free(pkey);
			return bad(im, rec, _("%s %s for pupil %lld appears "
			    "twice (first at line %ld)"), sn, nm, pupils[i],
			    first);
		}
	}
	free(pkey);
	is_new = id == 0;
	if (is_new) {
		if ((st = ej_store_prepare(im->s, "INSERT INTO parents(surname, "
		    "name, patronymic, phone, email) VALUES(?, ?, ?, ?, ?)",
		    im->d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, sn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, nm, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, pt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, phone, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, email, -1, SQLITE_STATIC);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(ej_store_db(im->s));
		parent_names_add(im->s, id, im->d);
		im->st->added++;
	} else {
		if ((st = ej_store_prepare(im->s, "UPDATE parents SET "
		    "surname = ?2, name = ?3, patronymic = coalesce(?4, "
		    "patronymic), phone = coalesce(?5, phone), email = "
		    "coalesce(?6, email) WHERE id = ?1 AND (surname IS NOT ?2 OR "
		    "name IS NOT ?3 OR patronymic IS NOT coalesce(?4, "
		    "patronymic) OR phone IS NOT coalesce(?5, phone) OR email "
		    "IS NOT coalesce(?6, email))", im->d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, sn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, nm, -1, SQLITE_STATIC);
		bind_opt(st, 4, ej_csv_get(rec, R_PATRONYMIC));
		bind_opt(st, 5, ej_csv_get(rec, R_PHONE));
		bind_opt(st, 6, ej_csv_get(rec, R_EMAIL));
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		if (sqlite3_changes(ej_store_db(im->s)) > 0)
			im->st->changed++;
		else
			im->st->same++;
	}
	for (i = 0; i < npupils; i++) {
		if ((st = ej_store_prepare(im->s, "INSERT INTO guardians("
		    "parent_id, pupil_id, relation) VALUES(?1, ?2, ?3) ON "
		    "CONFLICT DO NOTHING", im->d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, pupils[i]);
		sqlite3_bind_text(st, 3, rel, -1, SQLITE_STATIC);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		if (sqlite3_changes(ej_store_db(im->s)) > 0) {
			im->st->links++;
			continue;
		}
		if (!ej_csv_get(rec, R_RELATION))
			continue;
		if ((st = ej_store_prepare(im->s, "UPDATE guardians SET "
		    "relation = ?3 WHERE parent_id = ?1 AND pupil_id = ?2 AND "
		    "relation IS NOT ?3", im->d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, pupils[i]);
		sqlite3_bind_text(st, 3, rel, -1, SQLITE_STATIC);
		if (stepdone(im->s, st, im->d, rec->file, rec->line) < 0)
			return -1;
		if (sqlite3_changes(ej_store_db(im->s)) > 0 && !is_new)
			im->st->changed++;
	}
	return 0;
}

static int
is_leaving(const char *v)
{
	char *f = ej_text_fold(v);
	int r;

	r = f && (!strcmp(f, "left") || !strcmp(f, "выбыл") ||
	    !strcmp(f, "выбыла") || !strcmp(f, "-"));
	free(f);
	return r;
}

static int
import_move(struct imp *im, const struct ej_csv_record *rec)
{
	const char *ref, *dv, *to, *reason;
	long long pid, cid = 0, cur;
	char day[EJ_DATE_LEN], from[64], toname[16], letter[8];
	int date, par, fails = 0;
	long first;

	ref = need(im, rec, M_PUPIL, "pupil");
	dv = need(im, rec, M_DATE, "date");
	to = need(im, rec, M_TO, "to");
	if (!ref || !dv || !to)
		return -1;
	reason = nz(ej_csv_get(rec, M_REASON));
	if (date_cell(im, rec, dv, "date", 1, &date) < 0)
		fails++;
	if (is_leaving(to))
		snprintf(toname, sizeof toname, "left");
	else if ((cid = ej_roster_find_class(im->s, to)) == 0)
		fails += bad(im, rec, _("unknown class \"%s\""), to) < 0;
	else
		ej_class_name(to, toname, &par, letter);
	pid = ej_roster_find_pupil(im->s, ref, fails ? im->date : date,
	    rec->file, rec->line, im->d);
	if (pid == 0)
		fails += bad(im, rec, _("unknown pupil \"%s\""), ref) < 0;
	else if (pid < 0) {
		im->bad++;
		fails++;
	}
	if (fails)
		return -1;
	ej_date_format(date, day);
	if ((first = seen_add(&im->seen, ej_xasprintf("%lld|%s", pid, day),
	    rec->line)) != 0)
		return bad(im, rec, _("a second move of %s on %s (first at "
		    "line %ld)"), ref, day, first);
	if ((cur = class_on(im, pid, day, from, sizeof from)) < 0)
		return -1;
	if (cur == cid) {
		im->st->same++;
		return 0;
	}
	if (set_member(im, pid, day, cid, reason, rec) < 0)
		return -1;
	im->st->added++;
	tally_add(&im->tally, from, toname);
	return 0;
}

int
ej_roster_import(struct ej_store *s, int kind, struct ej_csv_reader *r,
    int date, struct ej_roster_stats *st, struct ej_diag *d)
{
	struct imp im;
	struct ej_csv_record *rec;
	int y, m, dd, rc;

	memset(&im, 0, sizeof im);
	memset(st, 0, sizeof *st);
	im.s = s;
	im.d = d;
	im.st = st;
	im.seen.s = s;
	im.seen.d = d;
	if (ej_roster_year(s, &im.year_id, &im.yc.start, &im.yc.end, d) < 0)
		return -1;
	ej_date_to_ymd(im.yc.start, &y, &m, &dd);
	im.yc.first_year = y;
	if ((im.date = ej_roster_day(s, date, d)) < 0)
		return -1;
	ej_date_format(im.date, im.day);
	/* Pupils are found by name from the first record on, and those the
	 * file adds become findable too (names_add). */
	if (names_ready(s, d) < 0)
		return -1;
	while ((rc = ej_csv_next(r, &rec, d)) > 0) {
		switch (kind) {
		case EJ_ROSTER_PUPILS: import_pupil(&im, rec); break;
		case EJ_ROSTER_PARENTS: import_parent(&im, rec); break;
		case EJ_ROSTER_STAFF: import_staff(&im, rec); break;
		case EJ_ROSTER_LOAD: import_load(&im, rec); break;
		case EJ_ROSTER_MOVES: import_move(&im, rec); break;
		}
	}
	seen_free(&im.seen);
	st->moves = tally_str(&im.tally);
	if (rc < 0 || im.bad || ej_csv_bad(r))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- export */

#define CURRENT_CLASS \
	"(SELECT m.class_id FROM membership m WHERE m.pupil_id = p.id AND " \
	"m.start <= ?1 ORDER BY m.start DESC LIMIT 1)"

static const char *const export_sql[] = {
	[EJ_ROSTER_PUPILS] =
	    "SELECT p.id, p.ext_id, p.surname, p.name, p.patronymic, "
	    "p.birth_date, p.sex, c.name, p.joined FROM pupils p "
	    "JOIN classes c ON c.id = " CURRENT_CLASS " "
	    "WHERE ?2 IS NULL OR c.id = ?2 "
	    "ORDER BY c.parallel, c.letter, p.surname, p.name, p.patronymic, "
	    "p.id",
	[EJ_ROSTER_PARENTS] =
	    "SELECT r.id, r.surname, r.name, r.patronymic, r.phone, r.email, "
	    "p.id, p.surname || ' ' || p.name, g.relation FROM guardians g "
	    "JOIN parents r ON r.id = g.parent_id "
	    "JOIN pupils p ON p.id = g.pupil_id "
	    "LEFT JOIN classes c ON c.id = " CURRENT_CLASS " "
	    "WHERE ?2 IS NULL OR c.id = ?2 "
	    "ORDER BY r.surname, r.name, r.patronymic, r.id, p.id",
	[EJ_ROSTER_STAFF] =
	    "SELECT s.login, s.surname, s.name, s.patronymic, s.email, "
	    "s.phone, s.position, (SELECT group_concat(role, ',') FROM "
	    "(SELECT role FROM staff_roles r WHERE r.staff_id = s.id "
	    "ORDER BY role)), (SELECT hired FROM staff_hired WHERE "
	    "staff_id = s.id) FROM staff s WHERE ?2 IS NULL OR EXISTS (SELECT 1 "
	    "FROM load l WHERE l.teacher_id = s.id AND l.class_id = ?2) OR "
	    "EXISTS (SELECT 1 FROM classes c WHERE c.teacher_id = s.id AND "
	    "c.id = ?2) ORDER BY s.surname, s.name, s.login",
	[EJ_ROSTER_LOAD] =
	    "SELECT s.login, c.name, j.name, l.subgroup, l.hours FROM load l "
	    "JOIN staff s ON s.id = l.teacher_id "
	    "JOIN classes c ON c.id = l.class_id "
	    "JOIN subjects j ON j.id = l.subject_id "
	    "WHERE ?1 = ?1 AND (?2 IS NULL OR c.id = ?2) "
	    "ORDER BY c.parallel, c.letter, j.id, l.subgroup, s.login",
	[EJ_ROSTER_MOVES] =
	    "SELECT p.id, p.surname || ' ' || p.name, m.start, "
	    "coalesce(c.name, 'left'), m.reason FROM membership m "
	    "JOIN pupils p ON p.id = m.pupil_id "
	    "LEFT JOIN classes c ON c.id = m.class_id "
	    "WHERE ?1 = ?1 AND (?2 IS NULL OR m.class_id = ?2 OR EXISTS "
	    "(SELECT 1 FROM membership o WHERE o.pupil_id = m.pupil_id AND "
	    "o.class_id = ?2)) ORDER BY p.id, m.start",
};

int
ej_roster_export(struct ej_store *s, int kind, const char *class_name,
    int date, struct ej_csv_writer *w, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN], num[32];
	long long cid = 0;
	size_t i;
	int rc, j, ncol;

	if (class_name && (cid = ej_roster_find_class(s, class_name)) == 0)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("unknown class \"%s\""), class_name);
	if ((date = ej_roster_day(s, date, d)) < 0)
		return -1;
	ej_date_format(date, day);
	if ((st = ej_store_prepare(s, export_sql[kind], d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	if (cid)
		sqlite3_bind_int64(st, 2, cid);
	for (i = 0; i < kinds[kind].n; i++)
		ej_csv_put(w, kinds[kind].cols[i].name);
	ej_csv_end_row(w);
	ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (j = 0; j < ncol; j++) {
			if (sqlite3_column_type(st, j) == SQLITE_FLOAT) {
				snprintf(num, sizeof num, "%g",
				    sqlite3_column_double(st, j));
				ej_csv_put(w, num);
			} else
				ej_csv_put(w, (const char *)
				    sqlite3_column_text(st, j));
		}
		ej_csv_end_row(w);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the roster"));
	return 0;
}

/* ------------------------------------------------------------------ list */

int
ej_roster_list(struct ej_store *s, const char *class_name, int date,
    FILE *out, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN], no[16];
	long long cid = 0;
	int rc, n = 0;

	if ((date = ej_roster_day(s, date, d)) < 0)
		return -1;
	ej_date_format(date, day);
	if (!class_name) {
		/* Every class: its pupils today and its class teacher. */
		if ((st = ej_store_prepare(s, "SELECT c.name, (SELECT count(*) "
		    "FROM pupils p WHERE " CURRENT_CLASS " = c.id), "
		    "coalesce(t.surname || ' ' || t.name || ' ' || t.patronymic, "
		    "'') FROM classes c LEFT JOIN staff t ON t.id = c.teacher_id "
		    "ORDER BY c.parallel, c.letter", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
		ej_text_pad(out, _("class"), 6, 0);
		ej_text_pad(out, _("pupils"), 8, 1);
		fprintf(out, "  %s\n", _("class teacher"));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ej_text_pad(out, (const char *)sqlite3_column_text(st,
			    0), 6, 0);
			snprintf(no, sizeof no, "%d", sqlite3_column_int(st, 1));
			ej_text_pad(out, no, 8, 1);
			fprintf(out, "  %s\n", sqlite3_column_text(st, 2));
		}
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 :
		    ej_store_sqlerr(s, d, _("cannot read the roster"));
	}
	if ((cid = ej_roster_find_class(s, class_name)) == 0)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("unknown class \"%s\""), class_name);
	if ((st = ej_store_prepare(s, "SELECT p.id, p.surname || ' ' || "
	    "p.name || CASE WHEN p.patronymic <> '' THEN ' ' || p.patronymic "
	    "ELSE '' END, coalesce(p.birth_date, '') FROM pupils p WHERE "
	    CURRENT_CLASS " = ?2 ORDER BY p.surname, p.name, p.patronymic, "
	    "p.id", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cid);
	ej_text_pad(out, "№", 4, 1);
	fputs("  ", out);
	ej_text_pad(out, _("pupil"), 40, 0);
	ej_text_pad(out, _("born"), 12, 0);
	fprintf(out, "%s\n", "id");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(no, sizeof no, "%d", ++n);
		ej_text_pad(out, no, 4, 1);
		fputs("  ", out);
		ej_text_pad(out, (const char *)sqlite3_column_text(st, 1), 40,
		    0);
		ej_text_pad(out, (const char *)sqlite3_column_text(st, 2), 12,
		    0);
		fprintf(out, "%lld\n", (long long)sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 :
	    ej_store_sqlerr(s, d, _("cannot read the roster"));
}
