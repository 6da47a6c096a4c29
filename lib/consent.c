/* consent — applications and consents; see consent.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "date.h"
#include "i18n.h"
#include "roster.h"
#include "text.h"
#include "who.h"
#include "table.h"

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const kind_names[EJ_CONSENT_NKINDS] = {
	"ediary", "personal-data"
};

int
ej_consent_kind_parse(const char *s)
{
	static const struct {
		const char *word;
		int kind;
	} words[] = {
		{ "ediary", EJ_CONSENT_EDIARY },
		{ "e-diary", EJ_CONSENT_EDIARY },
		{ "заявление", EJ_CONSENT_EDIARY },
		{ "эд", EJ_CONSENT_EDIARY },
		{ "personal-data", EJ_CONSENT_PDATA },
		{ "pdata", EJ_CONSENT_PDATA },
		{ "согласие", EJ_CONSENT_PDATA },
		{ "пдн", EJ_CONSENT_PDATA },
	};
	char *f;
	size_t i;
	int k = -1;

	if (!s || (f = ej_text_fold(s)) == NULL)
		return -1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(f, words[i].word) == 0)
			k = words[i].kind;
	free(f);
	return k;
}

const char *
ej_consent_kind_name(int kind)
{
	return kind >= 0 && kind < EJ_CONSENT_NKINDS ? kind_names[kind] : "?";
}

/* "given", "refused", "revoked" (or Russian); NULL when unknown. */
static const char *
status_parse(const char *s)
{
	static const struct {
		const char *word, *status;
	} words[] = {
		{ "given", "given" }, { "дано", "given" },
		{ "получено", "given" }, { "есть", "given" },
		{ "refused", "refused" }, { "отказ", "refused" },
		{ "revoked", "revoked" }, { "отозвано", "revoked" },
	};
	const char *st = NULL;
	char *f;
	size_t i;

	if (!s || !*s)
		return "given";
	if ((f = ej_text_fold(s)) == NULL)
		return NULL;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(f, words[i].word) == 0)
			st = words[i].status;
	free(f);
	return st;
}

void
ej_consent_stats_free(struct ej_consent_stats *st)
{
	free(st->last);
	st->last = NULL;
}

char *
ej_consent_summary(const struct ej_consent_stats *st)
{
	char *s, *t;

	if (st->given + st->refused + st->revoked == 1 && st->last)
		s = ej_xasprintf("consent: %s", st->last);
	else
		s = ej_xasprintf("consents: +%lu given, %lu refused, %lu "
		    "revoked", st->given, st->refused, st->revoked);
	if (st->logins_revoked) {
		t = ej_xasprintf("%s; %lu login%s revoked", s,
		    st->logins_revoked, st->logins_revoked == 1 ? "" : "s");
		free(s);
		s = t;
	}
	return s;
}

/* ------------------------------------------------------------- people */

/* The day that stands for "now" within the academic year. */
static int
school_day(struct ej_store *s, char day[EJ_DATE_LEN], struct ej_diag *d)
{
	int date = ej_roster_day(s, 0, d);

	if (date < 0)
		return -1;
	ej_date_format(date, day);
	return 0;
}

/* The pupil's class on day: its id (0 when in none), name into buf. */
static long long
class_of(struct ej_store *s, long long pupil, const char *day, char *buf,
    size_t n, struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id = 0;

	if (buf && n)
		buf[0] = '\0';
	if ((st = ej_store_prepare(s, "SELECT c.id, c.name FROM membership m "
	    "JOIN classes c ON c.id = m.class_id WHERE m.pupil_id = ?1 AND "
	    "m.start <= ?2 AND m.start = (SELECT max(start) FROM membership "
	    "WHERE pupil_id = ?1 AND start <= ?2)", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (buf && n)
			snprintf(buf, n, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return id;
}

int
ej_consent_may(struct ej_store *s, long long pupil, const char *file,
    long line, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN], cls[64];
	long long cid;
	int ok = 0;

	if (a->roles & EJ_ROLE_ADMIN)
		return 0;
	if (school_day(s, day, d) < 0 ||
	    (cid = class_of(s, pupil, day, cls, sizeof cls, d)) < 0)
		return -1;
	if ((a->roles & EJ_ROLE_CLASSTEACHER) && cid > 0) {
		if ((st = ej_store_prepare(s, "SELECT 1 FROM classes WHERE "
		    "id = ? AND teacher_id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_int64(st, 2, a->staff_id);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	if (ok)
		return 0;
	return ej_error(d, EJ_EXIT_NOPERM, file, line, 0,
	    _("%s may not handle the documents and logins of class %s: "
	    "only its class teacher or an admin"), a->login[0] ? a->login :
	    "?", cls[0] ? cls : "-");
}

int
ej_consent_may_class(struct ej_store *s, long long class_id, unsigned roles,
    struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	int ok = 0;

	if (a->roles & (EJ_ROLE_ADMIN | roles))
		return 0;
	if ((a->roles & EJ_ROLE_CLASSTEACHER) && class_id) {
		if ((st = ej_store_prepare(s, "SELECT 1 FROM classes WHERE "
		    "id = ? AND teacher_id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, class_id);
		sqlite3_bind_int64(st, 2, a->staff_id);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	if (ok)
		return 0;
	return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0, class_id ?
	    _("%s may not see this class's documents and logins: only its "
	    "class teacher or an admin") : _("%s may not see the whole "
	    "school's documents and logins: give --class"),
	    a->login[0] ? a->login : "?");
}

/* A parent by id or folded name (with or without the patronymic), among
 * namesakes the parent of pupil: the id, 0 when none, -1 when ambiguous
 * (reported). */
static long long
find_parent(struct ej_store *s, const char *ref, const char *pupil,
    const char *file, long line, struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0;

	if (*ref && strspn(ref, "0123456789") == strlen(ref)) {
		if ((st = ej_store_prepare(s, "SELECT id FROM parents WHERE "
		    "id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, strtoll(ref, NULL, 10));
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	if ((st = ej_store_prepare(s, "SELECT id FROM parents WHERE "
	    "ej_fold(surname || ' ' || name) = ej_fold(?1) OR "
	    "ej_fold(surname || ' ' || name || ' ' || patronymic) = "
	    "ej_fold(?1)", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n > 1 && pupil) {
		/* Namesakes: the one who is a parent of that pupil. */
		int k = 0;

		if ((st = ej_store_prepare(s, "SELECT DISTINCT r.id FROM "
		    "parents r JOIN guardians g ON g.parent_id = r.id JOIN "
		    "pupils p ON p.id = g.pupil_id WHERE (ej_fold(r.surname "
		    "|| ' ' || r.name) = ej_fold(?1) OR ej_fold(r.surname || "
		    "' ' || r.name || ' ' || r.patronymic) = ej_fold(?1)) AND "
		    "(ej_fold(p.surname || ' ' || p.name) = ej_fold(?2) OR "
		    "ej_fold(p.surname || ' ' || p.name || ' ' || "
		    "p.patronymic) = ej_fold(?2) OR CAST(p.id AS TEXT) = ?2)",
		    d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pupil, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			k++;
		}
		sqlite3_reset(st);
		if (k == 1)
			return id;
	}
	if (n > 1)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\": %d parents of this name; give the id"), ref, n);
	return id;
}

/* The parent's child of that name (or id): its id, 0 when none or more
 * than one. */
static long long
child_of(struct ej_store *s, long long parent, const char *ref,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0;

	if ((st = ej_store_prepare(s, "SELECT p.id FROM guardians g JOIN "
	    "pupils p ON p.id = g.pupil_id WHERE g.parent_id = ?2 AND "
	    "(ej_fold(p.surname || ' ' || p.name) = ej_fold(?1) OR "
	    "ej_fold(p.surname || ' ' || p.name || ' ' || p.patronymic) = "
	    "ej_fold(?1) OR CAST(p.id AS TEXT) = ?1)", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, parent);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	return n == 1 ? id : 0;
}

/* 1 when ref names a pupil (by name), for a clearer message. */
static int
names_pupil(struct ej_store *s, const char *ref, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(s, "SELECT 1 FROM pupils WHERE "
	    "ej_fold(surname || ' ' || name) = ej_fold(?1) OR "
	    "ej_fold(surname || ' ' || name || ' ' || patronymic) = "
	    "ej_fold(?1)", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return rc;
}

/* "Фамилия Имя" of a pupil or parent into buf. */
static void
person_name(struct ej_store *s, int parent, long long id, char *buf,
    size_t n, struct ej_diag *d)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if ((st = ej_store_prepare(s, parent ?
	    "SELECT surname || ' ' || name FROM parents WHERE id = ?" :
	    "SELECT surname || ' ' || name FROM pupils WHERE id = ?",
	    d)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
}

/* The pupil is 14 or older on date: 1, 0, or -1 when the birth date is
 * not on record (reported). */
static int
fourteen(struct ej_store *s, long long pupil, int date, const char *name,
    const char *file, long line, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int born = -1, y, m, dd, by, bm, bd, ok;

	if ((st = ej_store_prepare(s, "SELECT birth_date FROM pupils WHERE "
	    "id = ?", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pupil);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		ej_date_parse_iso((const char *)sqlite3_column_text(st, 0),
		    &born);
	sqlite3_reset(st);
	if (born < 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("%s: no birth date on record, so no application of "
		    "their own (a pupil must be 14)"), name);
	ej_date_to_ymd(date, &y, &m, &dd);
	ej_date_to_ymd(born, &by, &bm, &bd);
	ok = y - by > 14 || (y - by == 14 && (m > bm || (m == bm && dd >= bd)));
	return ok;
}

/* ------------------------------------------------------------ applying */

int
ej_consent_apply(struct ej_store *s, const struct ej_consent_change *c,
    const char *file, long line, struct ej_consent_stats *st,
    struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	struct ej_yearctx yc = {0};
	sqlite3_stmt *q;
	long long pupil, parent = 0, yid, cid = 0;
	char day[EJ_DATE_LEN], pname[256], rname[256], now[21];
	const char *status, *form = c->form_no ? c->form_no : "";
	const char *reason = c->reason ? c->reason : "";
	int kind, date, y, m, dd, today, self, bad = 0;
	int had = 0, same = 0;

	if (ej_roster_year(s, &yid, &yc.start, &yc.end, d) < 0 ||
	    school_day(s, day, d) < 0)
		return -1;
	ej_date_to_ymd(yc.start, &y, &m, &dd);
	yc.first_year = y;
	self = !c->parent || !*c->parent;
	if (!c->pupil || !*c->pupil)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0, "%s",
		    _("no pupil given"));
	if (!self) {
		if ((parent = find_parent(s, c->parent, c->pupil, file, line,
		    d)) < 0)
			return -1;
		if (parent == 0) {
			if (names_pupil(s, c->parent, d) == 1)
				return ej_error(d, EJ_EXIT_DATAERR, file, line,
				    0, _("\"%s\" is a pupil, not a parent (a "
				    "pupil of 14 or older applies with no "
				    "parent named)"), c->parent);
			return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("no parent \"%s\" on the roster"), c->parent);
		}
		person_name(s, 1, parent, rname, sizeof rname, d);
	}
	/* The parent's own child first: two pupils of one name are told
	 * apart by whose application it is. */
	if ((pupil = self ? 0 : child_of(s, parent, c->pupil, d)) < 0)
		return -1;
	if (pupil == 0 && (pupil = ej_roster_find_pupil(s, c->pupil, yc.end,
	    file, line, d)) < 0)
		return -1;
	if (pupil == 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("no pupil \"%s\" on the roster"), c->pupil);
	person_name(s, 0, pupil, pname, sizeof pname, d);
	if (!self) {
		if ((q = ej_store_prepare(s, "SELECT 1 FROM guardians WHERE "
		    "parent_id = ? AND pupil_id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, parent);
		sqlite3_bind_int64(q, 2, pupil);
		if (sqlite3_step(q) != SQLITE_ROW)
			bad = ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("%s is not a parent of %s on the roster"), rname,
			    pname);
		sqlite3_reset(q);
		if (bad)
			return -1;
	} else
		snprintf(rname, sizeof rname, "%s", pname);
	if ((kind = ej_consent_kind_parse(c->kind)) < 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\" is not a kind of document: ediary or "
		    "personal-data"), c->kind ? c->kind : "");
	if ((status = status_parse(c->status)) == NULL)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\" is not a status: given, refused or revoked"),
		    c->status);
	if (!c->date || ej_date_parse(c->date, &yc, &date) < 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\" is not a date"), c->date ? c->date : "");
	today = ej_date_today();
	if (date > today) {
		char buf[EJ_DATE_LEN];

		ej_date_format(date, buf);
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("%s is in the future"), buf);
	}
	if (self) {
		int r = fourteen(s, pupil, date, pname, file, line, d);

		if (r < 0)
			return -1;
		if (r == 0)
			return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("%s is under 14: a parent applies for them"),
			    pname);
	}
	if (strcmp(status, "revoked") == 0 && !*reason)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0, "%s",
		    _("a revocation needs a reason"));
	if (ej_consent_may(s, pupil, file, line, d) < 0)
		return -1;

	/* The document's current state. */
	if ((q = ej_store_prepare(s, "SELECT id, status, date, form_no, "
	    "reason FROM consents WHERE pupil_id = ?1 AND ifnull(parent_id, "
	    "0) = ?2 AND kind = ?3", d)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, pupil);
	sqlite3_bind_int64(q, 2, parent);
	sqlite3_bind_text(q, 3, kind_names[kind], -1, SQLITE_STATIC);
	{
		char ds[EJ_DATE_LEN];
		const char *ost = NULL;

		ej_date_format(date, ds);
		if (sqlite3_step(q) == SQLITE_ROW) {
			had = 1;
			cid = sqlite3_column_int64(q, 0);
			ost = (const char *)sqlite3_column_text(q, 1);
			same = strcmp(ost, status) == 0 &&
			    strcmp((const char *)sqlite3_column_text(q, 2),
			    ds) == 0 && (strcmp(status, "given") != 0 ||
			    strcmp((const char *)sqlite3_column_text(q, 3),
			    form) == 0) && (!*reason || strcmp((const char *)
			    sqlite3_column_text(q, 4), reason) == 0);
			if (strcmp(status, "revoked") == 0 &&
			    strcmp(ost, "revoked") != 0 &&
			    strcmp(ost, "given") != 0)
				bad = 1;
		} else if (strcmp(status, "revoked") == 0)
			bad = 1;
		sqlite3_reset(q);
		if (bad)
			return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("no %s of %s for %s on record to revoke"),
			    kind_names[kind], rname, pname);
		if (same) {
			st->same++;
			return 0;
		}
		ej_timestamp_now(now);
		if (had)
			q = ej_store_prepare(s, "UPDATE consents SET status = ?4, "
			    "date = ?5, form_no = CASE WHEN ?4 = 'given' THEN ?6 "
			    "ELSE form_no END, reason = ?7, by_id = ?8, at = ?9 "
			    "WHERE id = ?1", d);
		else
			q = ej_store_prepare(s, "INSERT INTO consents (pupil_id, "
			    "parent_id, kind, status, date, form_no, reason, "
			    "by_id, at) VALUES (?2, nullif(?3, 0), ?10, ?4, ?5, "
			    "?6, ?7, ?8, ?9)", d);
		if (!q)
			return -1;
		sqlite3_bind_int64(q, 1, cid);
		sqlite3_bind_int64(q, 2, pupil);
		sqlite3_bind_int64(q, 3, parent);
		sqlite3_bind_text(q, 4, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, ds, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 6, form, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 7, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 8, a->staff_id);
		sqlite3_bind_text(q, 9, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 10, kind_names[kind], -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE) {
			sqlite3_reset(q);
			return ej_store_sqlerr(s, d, _("cannot write"));
		}
		sqlite3_reset(q);
	}
	if (strcmp(status, "given") == 0)
		st->given++;
	else if (strcmp(status, "refused") == 0)
		st->refused++;
	else
		st->revoked++;
	free(st->last);
	st->last = self ? ej_xasprintf("%s %s by %s themself", kind_names[kind],
	    status, pname) : ej_xasprintf("%s %s by %s for %s",
	    kind_names[kind], status, rname, pname);
	return 0;
}

enum { C_PARENT, C_PUPIL, C_KIND, C_STATUS, C_DATE, C_FORM, C_REASON };
static const struct ej_csv_col consent_cols[] = {
	{"parent", A("родитель", "законный представитель", "заявитель"), 0},
	{"pupil", A("ученик", "обучающийся", "ребенок"), 1},
	{"kind", A("документ", "вид"), 1},
	{"status", A("статус"), 0},
	{"date", A("дата"), 1},
	{"form_no", A("номер", "номер заявления", "№"), 0},
	{"reason", A("причина", "основание"), 0},
};

const struct ej_csv_col *
ej_consent_columns(size_t *n)
{
	*n = sizeof consent_cols / sizeof consent_cols[0];
	return consent_cols;
}

int
ej_consent_import(struct ej_store *s, struct ej_csv_reader *r,
    struct ej_consent_stats *st, struct ej_diag *d)
{
	struct ej_csv_record *rec;
	struct ej_consent_change c;
	unsigned long bad = 0;
	int rc;

	while ((rc = ej_csv_next(r, &rec, d)) == 1) {
		memset(&c, 0, sizeof c);
		c.parent = ej_csv_get(rec, C_PARENT);
		c.pupil = ej_csv_get(rec, C_PUPIL);
		c.kind = ej_csv_get(rec, C_KIND);
		c.status = ej_csv_get(rec, C_STATUS);
		c.date = ej_csv_get(rec, C_DATE);
		c.form_no = ej_csv_get(rec, C_FORM);
		c.reason = ej_csv_get(rec, C_REASON);
		if (ej_consent_apply(s, &c, rec->file, rec->line, st, d) < 0)
			bad++;
	}
	if (rc < 0 || bad || ej_csv_bad(r))
		return -1;
	return ej_consent_enforce(s, st, d);
}

/* ---------------------------------------------------------- the rule */

/* A pupil's documents: both kinds given by a parent or themself. */
#define PUPIL_OK(p) \
	"(SELECT count(DISTINCT kind) FROM consents WHERE pupil_id = " p \
	" AND status = 'given') = 2"
/* A parent's: both of their own for one child. */
#define PARENT_OK(r) \
	"EXISTS (SELECT 1 FROM consents WHERE parent_id = " r " AND " \
	"status = 'given' GROUP BY pupil_id HAVING count(DISTINCT kind) = 2)"

int
ej_consent_enforce(struct ej_store *s, struct ej_consent_stats *st,
    struct ej_diag *d)
{
	sqlite3_stmt *q;
	char now[21];

	ej_timestamp_now(now);
	if ((q = ej_store_prepare(s, "UPDATE accounts SET status = 'revoked', "
	    "revoked = ?1, reason = 'consent withdrawn', by_id = ?2 WHERE "
	    "status = 'active' AND NOT CASE role WHEN 'pupil' THEN "
	    PUPIL_OK("accounts.pupil_id") " ELSE "
	    PARENT_OK("accounts.parent_id") " END", d)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, ej_store_actor(s)->staff_id);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_reset(q);
		return ej_store_sqlerr(s, d, _("cannot write"));
	}
	sqlite3_reset(q);
	st->logins_revoked += (unsigned long)sqlite3_changes(ej_store_db(s));
	return ej_store_exec(s, "DELETE FROM account_secrets WHERE account_id "
	    "IN (SELECT id FROM accounts WHERE status = 'revoked')", d);
}

/* The best state of one kind among the rows that count for the person:
 * "given" first, then the latest. NULL when there is none. */
static const char *
best(struct ej_store *s, int parent, long long id, int kind, char *buf,
    size_t n, struct ej_diag *d)
{
	sqlite3_stmt *q;
	const char *r = NULL;

	if ((q = ej_store_prepare(s, parent ?
	    "SELECT status FROM consents WHERE parent_id = ?1 AND kind = ?2 "
	    "ORDER BY status = 'given' DESC, date DESC, at DESC LIMIT 1" :
	    "SELECT status FROM consents WHERE pupil_id = ?1 AND kind = ?2 "
	    "ORDER BY status = 'given' DESC, date DESC, at DESC LIMIT 1",
	    d)) == NULL)
		return NULL;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, kind_names[kind], -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(buf, n, "%s", sqlite3_column_text(q, 0));
		r = buf;
	}
	sqlite3_reset(q);
	return r;
}

const char *
ej_consent_missing(struct ej_store *s, const char *role, long long id,
    struct ej_diag *d)
{
	int parent = strcmp(role, "parent") == 0, kind;
	sqlite3_stmt *q;
	char buf[16];
	const char *b;
	int ok;

	if ((q = ej_store_prepare(s, parent ? "SELECT " PARENT_OK("?1") :
	    "SELECT " PUPIL_OK("?1"), d)) == NULL)
		return _("cannot read the consents");
	sqlite3_bind_int64(q, 1, id);
	ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	if (ok)
		return NULL;
	for (kind = 0; kind < EJ_CONSENT_NKINDS; kind++) {
		b = best(s, parent, id, kind, buf, sizeof buf, d);
		if (b && strcmp(b, "given") == 0)
			continue;
		if (kind == EJ_CONSENT_EDIARY)
			return !b ? _("no application for e-diary access on "
			    "record") : strcmp(b, "refused") == 0 ?
			    _("the application for e-diary access was "
			    "refused") : _("the application for e-diary "
			    "access was revoked");
		return !b ? _("no consent to personal data processing on "
		    "record") : strcmp(b, "refused") == 0 ?
		    _("the consent to personal data processing was refused") :
		    _("the consent to personal data processing was revoked");
	}
	/* Both given, but for different children. */
	return _("no application and consent for the same child on record");
}

/* --------------------------------------------------------- list, forms */

/* Pupils of the class (0: every class) on ?1, with each author: every
 * parent on the roster, and the pupil when they applied themself (or
 * have no parent on record). */
#define AUTHORS \
	"WITH pp AS (SELECT p.id AS pupil_id, (SELECT m.class_id FROM " \
	"membership m WHERE m.pupil_id = p.id AND m.start <= ?1 ORDER BY " \
	"m.start DESC LIMIT 1) AS class_id FROM pupils p), " \
	"cp AS (SELECT * FROM pp WHERE class_id IS NOT NULL AND (?2 = 0 OR " \
	"class_id = ?2)), " \
	"au AS (SELECT cp.pupil_id, g.parent_id FROM cp JOIN guardians g ON " \
	"g.pupil_id = cp.pupil_id UNION SELECT c.pupil_id, NULL FROM " \
	"consents c JOIN cp ON cp.pupil_id = c.pupil_id WHERE c.parent_id IS " \
	"NULL UNION SELECT cp.pupil_id, NULL FROM cp WHERE NOT EXISTS " \
	"(SELECT 1 FROM guardians g WHERE g.pupil_id = cp.pupil_id)) "

int
ej_consent_list(struct ej_store *s, long long class_id, int missing,
    struct ej_csv_writer *w, struct ej_diag *d)
{
	static const char *const head[] = { "class", "pupil_id", "pupil",
		"parent_id", "parent", "kind", "status", "date", "form_no" };
	sqlite3_stmt *q;
	char day[EJ_DATE_LEN];
	int rc, i;

	if (school_day(s, day, d) < 0)
		return -1;
	if ((q = ej_store_prepare(s, AUTHORS ", k(kind) AS (VALUES "
	    "('ediary'), ('personal-data')) SELECT cl.name, p.id, p.surname "
	    "|| ' ' || p.name || CASE WHEN p.patronymic <> '' THEN ' ' || "
	    "p.patronymic ELSE '' END, au.parent_id, r.surname || ' ' || "
	    "r.name || CASE WHEN r.patronymic <> '' THEN ' ' || r.patronymic "
	    "ELSE '' END, k.kind, coalesce(c.status, 'missing'), c.date, "
	    "c.form_no FROM au JOIN cp ON cp.pupil_id = au.pupil_id "
	    "JOIN classes cl ON cl.id = cp.class_id "
	    "JOIN pupils p ON p.id = au.pupil_id "
	    "LEFT JOIN parents r ON r.id = au.parent_id CROSS JOIN k "
	    "LEFT JOIN consents c ON c.pupil_id = au.pupil_id AND "
	    "ifnull(c.parent_id, 0) = ifnull(au.parent_id, 0) AND "
	    "c.kind = k.kind WHERE (?3 = 0 OR c.status IS NULL) "
	    "ORDER BY cl.parallel, cl.letter, p.surname, p.name, p.id, "
	    "au.parent_id IS NOT NULL, r.surname, r.name, au.parent_id, "
	    "k.kind", d)) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, class_id);
	sqlite3_bind_int(q, 3, missing);
	ej_csv_write_row(w, head, sizeof head / sizeof head[0]);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (i = 0; i < 9; i++)
			ej_csv_put(w, (const char *)sqlite3_column_text(q, i));
		ej_csv_end_row(w);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the consents"));
	return 0;
}

/* A school value (school table), "" when absent; new string. */
static char *
school_value(struct ej_store *s, const char *key, struct ej_diag *d)
{
	sqlite3_stmt *q;
	char *v = NULL;

	if ((q = ej_store_prepare(s, "SELECT value FROM school WHERE key = ?",
	    d)) == NULL)
		return ej_xstrdup("");
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = ej_xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return v ? v : ej_xstrdup("");
}

/*
 * The form is the school's document in the school's language: Russian,
 * whatever the locale of whoever prints it.
 */
static void
form_text(FILE *f, int html, const char *school, const char *director,
    const char *parent, const char *phone, const char *pupil,
    const char *cls)
{
	if (html) {
		fputs("<section class=\"form\">\n<p class=\"to\">Директору ", f);
		ej_html_escape(f, school);
		fputs("<br>\n", f);
		ej_html_escape(f, director);
		fputs("<br>\nот ", f);
		ej_html_escape(f, parent);
		fputs("<br>\nтел. ", f);
		ej_html_escape(f, *phone ? phone : "____________________");
		fputs("</p>\n<h1>Заявление</h1>\n<p>Прошу предоставить мне "
		    "услугу доступа к электронному журналу успеваемости и "
		    "электронному дневнику моего ребёнка (подопечного) <b>", f);
		ej_html_escape(f, pupil);
		fputs("</b>, обучающегося <b>", f);
		ej_html_escape(f, cls);
		fputs("</b> класса.</p>\n<p>С регламентом оказания услуги "
		    "«Электронный дневник» ознакомлен(а). Логин и пароль "
		    "обязуюсь хранить в тайне и никому не передавать.</p>\n"
		    "<p>Согласие на обработку персональных данных ребёнка "
		    "оформляется отдельно.</p>\n<p class=\"sign\">«___» "
		    "____________ 20___ г. &nbsp;&nbsp; ______________ / ", f);
		ej_html_escape(f, parent);
		fputs("</p>\n</section>\n", f);
		return;
	}
	fprintf(f, "%50s Директору %s\n%50s %s\n%50s от %s\n%50s тел. %s\n\n",
	    "", school, "", director, "", parent, "",
	    *phone ? phone : "____________________");
	fprintf(f, "%32sЗАЯВЛЕНИЕ\n\n", "");
	fprintf(f, "Прошу предоставить мне услугу доступа к электронному "
	    "журналу успеваемости\nи электронному дневнику моего ребёнка "
	    "(подопечного)\n%s, обучающегося %s класса.\n\n", pupil, cls);
	fputs("С регламентом оказания услуги «Электронный дневник» "
	    "ознакомлен(а).\nЛогин и пароль обязуюсь хранить в тайне и никому "
	    "не передавать.\nСогласие на обработку персональных данных "
	    "ребёнка оформляется отдельно.\n\n", f);
	fprintf(f, "«___» ____________ 20___ г.        ______________ / %s\n\f",
	    parent);
}

int
ej_consent_forms(struct ej_store *s, long long class_id, int html,
    FILE *out, struct ej_diag *d)
{
	sqlite3_stmt *q;
	char day[EJ_DATE_LEN], *school, *director;
	int rc;

	if (school_day(s, day, d) < 0)
		return -1;
	if ((q = ej_store_prepare(s, AUTHORS "SELECT cl.name, p.surname || "
	    "' ' || p.name || CASE WHEN p.patronymic <> '' THEN ' ' || "
	    "p.patronymic ELSE '' END, r.surname || ' ' || r.name || CASE "
	    "WHEN r.patronymic <> '' THEN ' ' || r.patronymic ELSE '' END, "
	    "r.phone FROM au JOIN cp ON cp.pupil_id = au.pupil_id "
	    "JOIN classes cl ON cl.id = cp.class_id "
	    "JOIN pupils p ON p.id = au.pupil_id "
	    "JOIN parents r ON r.id = au.parent_id "
	    "ORDER BY cl.parallel, cl.letter, p.surname, p.name, p.id, "
	    "r.surname, r.name, r.id", d)) == NULL)
		return -1;
	school = school_value(s, "short_name", d);
	director = school_value(s, "director", d);
	if (html)
		fputs("<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n<title>Заявления</title>\n"
		    "<style>\nbody { font: 14pt serif; }\n"
		    ".form { page-break-after: always; margin: 2cm; }\n"
		    ".to { margin-left: 50%; }\nh1 { text-align: center; "
		    "font-size: 16pt; }\n.sign { margin-top: 3em; }\n"
		    "</style>\n</head>\n<body>\n", out);
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, class_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		form_text(out, html, school, director,
		    (const char *)sqlite3_column_text(q, 2),
		    (const char *)sqlite3_column_text(q, 3),
		    (const char *)sqlite3_column_text(q, 1),
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (html)
		fputs("</body>\n</html>\n", out);
	free(school);
	free(director);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the roster"));
	return 0;
}
