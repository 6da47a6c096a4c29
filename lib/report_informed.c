/*
 * report_informed — `informed`: the parents (and pupils with a login of
 * their own) of the classes asked for who have neither read the e-diary
 * nor been mailed a diary within accounts.inform_days.
 *
 * The reading is known to the web host only (ej-diary(8) never writes
 * the journal): `ej-diary views` exports it as CSV, and the school hands
 * those files to --views. The mailing is in the store (diary_mailed,
 * written by `ej-report diary --mail`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "date.h"
#include "i18n.h"
#include "report_priv.h"
#include "who.h"

/* The columns `ej-diary views` writes (diary.c, ej_diary_views). */
enum { V_LOGIN, V_ROLE, V_PERSON, V_PUPIL, V_FIRST, V_LAST, V_VIEWS };
static const struct ej_csv_col view_cols[] = {
	{ "login", NULL, 1 },
	{ "role", NULL, 1 },
	{ "person_id", NULL, 1 },
	{ "pupil_id", NULL, 1 },
	{ "first", NULL, 0 },
	{ "last", NULL, 1 },
	{ "views", NULL, 0 },
};
#define NVIEW_COLS (sizeof view_cols / sizeof view_cols[0])

/* A positive id, as the diary writes it. */
static int
parse_id(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 18)
		return -1;
	*out = strtoll(s, &end, 10);
	return *end ? -1 : 0;
}

static int
two(const char *s, int max)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0') <= max ? 0 : -1;
}

/* "2020-09-14T07:30:00Z", as ej_timestamp_format writes it. */
static int
valid_timestamp(const char *s)
{
	char day[11];
	int dn;

	if (s == NULL || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return 0;
	memcpy(day, s, 10);
	day[10] = '\0';
	return ej_date_parse_iso(day, &dn) == 0 && two(s + 11, 23) == 0 &&
	    two(s + 14, 59) == 0 && two(s + 17, 60) == 0;
}

/*
 * Read one views file into temp.rp_views (the latest view of each person
 * and child); every bad record is reported at its line. 0, or -1.
 */
static int
read_views(struct rp *r, sqlite3_stmt *ins, const char *path)
{
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *cr;
	struct ej_csv_record *rec;
	int rc, bad = 0;

	o.strict = 1;
	o.allow_empty = 1;
	if (ej_csv_open(&cr, path, view_cols, NVIEW_COLS, &o, r->d) < 0)
		return -1;
	while ((rc = ej_csv_next(cr, &rec, r->d)) == 1) {
		const char *role = ej_csv_get(rec, V_ROLE);
		const char *last = ej_csv_get(rec, V_LAST);
		long long person, pupil;
		int step;

		if (role == NULL || (strcmp(role, "parent") != 0 &&
		    strcmp(role, "pupil") != 0)) {
			ej_error(r->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    _("role \"%s\": not parent or pupil"),
			    role ? role : "");
			bad++;
			continue;
		}
		if (parse_id(ej_csv_get(rec, V_PERSON), &person) < 0 ||
		    parse_id(ej_csv_get(rec, V_PUPIL), &pupil) < 0) {
			ej_error(r->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    "%s", _("person_id and pupil_id must be ids (whole "
			    "numbers from 1)"));
			bad++;
			continue;
		}
		if (!valid_timestamp(last)) {
			ej_error(r->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    _("last \"%s\": not a time (2020-09-14T07:30:00Z)"),
			    last ? last : "");
			bad++;
			continue;
		}
		if (bad)
			continue;
		sqlite3_bind_text(ins, 1, role, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 2, person);
		sqlite3_bind_int64(ins, 3, pupil);
		sqlite3_bind_text(ins, 4, last, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(ins);
		if (rp_done(r, ins, step) < 0) {
			ej_csv_reader_free(cr);
			return -1;
		}
	}
	if (ej_csv_bad(cr) > 0)
		bad++;
	ej_csv_reader_free(cr);
	return rc < 0 || bad ? -1 : 0;
}

/*
 * A class teacher sees their class only, and a teacher of a subject no
 * one's: the deputy's control. Keeps in temp.rp_classes the classes the
 * actor may see; 0, or -1 (77) when there are none or --class is another's.
 */
static int
own_classes(struct rp *r)
{
	const struct ej_actor *a = ej_store_actor(r->s);
	sqlite3_stmt *st;
	int rc, other = 0;

	if (a != NULL && (a->roles & (EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY)))
		return 0;
	if ((st = rp_prep(r, "DELETE FROM temp.rp_classes WHERE class_id NOT "
	    "IN (SELECT id FROM classes WHERE teacher_id = ?1)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a ? a->staff_id : -1);
	rc = sqlite3_step(st);
	if (rp_done(r, st, rc) < 0)
		return -1;
	other = sqlite3_changes(ej_store_db(r->s)) > 0;
	if ((st = rp_prep(r, "SELECT count(*) FROM temp.rp_classes")) == NULL)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == 0 || (other && r->class_id))
		return ej_error(r->d, EJ_EXIT_NOPERM, NULL, 0, 0, "%s",
		    _("no permission: who is informed is for deputies, and "
		    "class teachers for their class"));
	return 0;
}

/* Parents, then the pupil with a login: each row a person × child. */
static const char informed_sql[] =
    "WITH who AS ("
    " SELECT mb.pupil_id, 'parent' AS role, pa.id AS person, "
    " trim(pa.surname || ' ' || pa.name || ' ' || pa.patronymic) AS name "
    " FROM temp.rp_members mb JOIN guardians g ON g.pupil_id = mb.pupil_id "
    " JOIN parents pa ON pa.id = g.parent_id "
    " JOIN temp.rp_classes c ON c.class_id = mb.class_id WHERE mb.atend "
    " UNION ALL"
    " SELECT mb.pupil_id, 'pupil', mb.pupil_id, trim(p.surname || ' ' || "
    " p.name || ' ' || p.patronymic) FROM temp.rp_members mb "
    " JOIN pupils p ON p.id = mb.pupil_id "
    " JOIN temp.rp_classes c ON c.class_id = mb.class_id WHERE mb.atend "
    " AND EXISTS (SELECT 1 FROM accounts a WHERE a.role = 'pupil' AND "
    " a.pupil_id = mb.pupil_id AND a.status = 'active')), "
    "x AS (SELECT w.*, (SELECT max(v.last) FROM temp.rp_views v WHERE "
    " v.role = w.role AND v.person_id = w.person AND v.pupil_id = "
    " w.pupil_id) AS viewed, (SELECT m.at FROM diary_mailed m WHERE "
    " w.role = 'parent' AND m.parent_id = w.person AND m.pupil_id = "
    " w.pupil_id) AS mailed FROM who w) "
    "SELECT c.name, p.surname || ' ' || p.name, x.role, x.name, "
    " coalesce(x.viewed, ''), coalesce(x.mailed, ''), "
    " coalesce(substr(x.viewed, 1, 10) >= ?1, 0) OR "
    " coalesce(substr(x.mailed, 1, 10) >= ?1, 0) "
    "FROM x JOIN pupils p ON p.id = x.pupil_id "
    "JOIN temp.rp_members mb ON mb.pupil_id = x.pupil_id AND mb.atend "
    "JOIN temp.rp_classes c ON c.class_id = mb.class_id "
    "ORDER BY c.parallel, c.name, p.surname, p.name, p.id, "
    " x.role = 'pupil', x.name, x.person";

int
rp_informed(struct rp *r)
{
	sqlite3_stmt *st;
	struct ej_table *t;
	char since[EJ_DATE_LEN], today[EJ_DATE_LEN];
	int step, days, informed, listed = 0, total = 0;
	size_t i;

	if (own_classes(r) < 0)
		return -1;
	if (ej_store_exec(r->s, "CREATE TEMP TABLE IF NOT EXISTS rp_views "
	    "(role TEXT, person_id INTEGER, pupil_id INTEGER, last TEXT); "
	    "DELETE FROM temp.rp_views", r->d) < 0 ||
	    (st = rp_prep(r, "INSERT INTO temp.rp_views VALUES (?1, ?2, ?3, "
	    "?4)")) == NULL)
		return -1;
	informed = 0;
	for (i = 0; i < r->o->nviews; i++)
		if (read_views(r, st, r->o->views[i]) < 0)
			informed = -1;
	if (informed < 0)
		return -1;
	days = ej_setting_int(r->s, "accounts.inform_days", 14, r->d);
	if (days < 1)
		days = 14;
	ej_date_format(r->real_today - days, since);
	ej_date_format(r->real_today, today);

	r->doc = ej_doc_new(_("Parents not informed"));
	t = ej_table_new(NULL);
	ej_table_key(t, "informed");
	ej_table_note(t, _("as of %s: neither read the e-diary nor mailed a "
	    "diary since %s (accounts.inform_days: %d)"), today, since, days);
	if (r->o->nviews == 0)
		ej_table_note(t, "%s", _("no views file given (--views): the "
		    "e-diary's reading is not counted"));
	ej_table_col(t, "class", _("class"), EJ_COL_NOWRAP);
	ej_table_col(t, "pupil", _("pupil"), 0);
	ej_table_col(t, "role", _("who"), EJ_COL_NOWRAP);
	ej_table_col(t, "name", _("name"), 0);
	ej_table_col(t, "viewed", _("last read the e-diary"), EJ_COL_NOWRAP);
	ej_table_col(t, "mailed", _("last mailed a diary"), EJ_COL_NOWRAP);
	ej_table_col(t, "informed", _("informed"), EJ_COL_NOWRAP);
	ej_table_keep(t, 2);
	ej_doc_add(r->doc, t);
	if ((st = rp_prep(r, informed_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		informed = sqlite3_column_int(st, 6);
		total++;
		if (informed && !r->o->all)
			continue;
		listed++;
		ej_table_row(t);
		ej_table_cell(t, rp_text(st, 0));
		ej_table_cell(t, rp_text(st, 1));
		ej_table_cell(t, strcmp(rp_text(st, 2), "pupil") == 0 ?
		    _("pupil") : _("parent"));
		ej_table_cell(t, rp_text(st, 3));
		ej_table_cell(t, rp_text(st, 4));
		ej_table_cell(t, rp_text(st, 5));
		ej_table_cell(t, informed ? _("yes") : _("no"));
	}
	if (rp_done(r, st, step) < 0)
		return -1;
	if (!r->o->all)
		ej_table_note(t, _("%d of %d not informed"), listed, total);
	return ej_store_exec(r->s, "DROP TABLE IF EXISTS temp.rp_views", r->d);
}
