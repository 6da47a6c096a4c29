/*
 * audit_reconcile — the pilot's dual accounting: a paper journal's
 * transcription (the wide sheet of ej-csv(5), read by sheet.c as an
 * import reads it) against the electronic journal of the same class ×
 * subject, cell by cell. The sheet's cells go into a temporary table;
 * one query lists the cells only on paper, only electronic, or different,
 * over the lessons of the sheet's span.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "csvio.h"
#include "i18n.h"
#include "journal.h"
#include "roster.h"
#include "sheet.h"
#include "text.h"

static const struct ej_audit_rule *
reconcile_rule(void)
{
	size_t i;

	for (i = 0; i < ej_audit_nrules; i++)
		if (strcmp(ej_audit_rules[i].id, "reconcile") == 0)
			return &ej_audit_rules[i];
	return NULL;
}

struct paper {
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_journal *j;
	struct ej_sheet sh;
	long long cls, subj;
	sqlite3_stmt *ins;
	struct ej_cell *cells;
	int first, last;         /* the sheet's span */
	unsigned long bad;
};

static int
paper_row(struct paper *p, const struct ej_csv_record *rec)
{
	struct ej_where w = { rec->file, rec->line };
	const char *v = ej_csv_field(rec, p->sh.pupil);
	char *ref = v ? ej_text_squeeze(v) : ej_xstrdup("");
	long long pid;
	size_t i;
	int rowbad = 0, rc = 0;

	for (i = p->sh.pupil + 1; i < p->sh.ncols; i++) {
		if (p->sh.cols[i].kind != EJ_SHEET_LESSON)
			continue;
		ej_sheet_column(&p->sh, p->j, p->sh.cols[i].heading);
		if (ej_sheet_cell(&p->sh, p->j, p->subj, ej_csv_field(rec, i),
		    EJ_CELL_MARKS | EJ_CELL_CODES, &p->cells[i], &w) < 0)
			rowbad = 1;
	}
	ej_sheet_column(&p->sh, p->j, NULL);
	if (!ref || !*ref) {
		free(ref);
		return rowbad ? -1 : 0;
	}
	pid = ej_roster_find_pupil_in(p->s, ref, p->cls, p->first, rec->file,
	    rec->line, p->d);
	if (pid == 0)
		ej_error(p->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    _("unknown pupil \"%s\""), ref);
	free(ref);
	if (pid <= 0 || rowbad)
		return -1;
	for (i = p->sh.pupil + 1; i < p->sh.ncols && rc == 0; i++) {
		char cell[64];

		if (p->sh.cols[i].kind != EJ_SHEET_LESSON ||
		    ej_cell_empty(&p->cells[i]))
			continue;
		ej_cell_format(&p->cells[i], cell, sizeof cell);
		sqlite3_bind_int64(p->ins, 1, pid);
		sqlite3_bind_int(p->ins, 2, p->sh.cols[i].date);
		sqlite3_bind_int(p->ins, 3, p->sh.cols[i].num);
		sqlite3_bind_text(p->ins, 4, cell, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(p->ins, 5, rec->line);
		if (sqlite3_step(p->ins) != SQLITE_DONE) {
			/* the same pupil twice: the key says so */
			ej_error(p->d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    "%s", _("the same pupil and lesson twice"));
			rc = -1;
		}
		sqlite3_reset(p->ins);
	}
	return rc;
}

/* Days since 1970 as SQLite's date(): julianday 2440587.5 is 1970-01-01. */
#define DAY(x) "date(2440587.5 + " x ")"

static const char compare_sql[] =
    "WITH e AS (SELECT l.date, l.num, x.pupil_id, trim(ifnull((SELECT "
    "group_concat(mark, ' ') FROM (SELECT mark FROM marks WHERE lesson_id = "
    "l.id AND pupil_id = x.pupil_id ORDER BY seq)), '') || ' ' || "
    "ifnull((SELECT code FROM attendance WHERE lesson_id = l.id AND "
    "pupil_id = x.pupil_id), '')) AS cell FROM lessons l JOIN (SELECT "
    "lesson_id, pupil_id FROM marks UNION SELECT lesson_id, pupil_id FROM "
    "attendance) x ON x.lesson_id = l.id WHERE l.class_id = :cls AND "
    "l.subject_id = :subj AND l.subgroup = 0 AND l.date BETWEEN " DAY(":first")
    " AND " DAY(":last") "), "
    "p AS (SELECT " DAY("date") " AS date, num, pupil_id, cell FROM "
    "temp.audit_paper), "
    "d AS (SELECT p.date, p.num, p.pupil_id, p.cell AS pc, e.cell AS ec "
    "FROM p LEFT JOIN e ON e.date = p.date AND e.num = p.num AND "
    "e.pupil_id = p.pupil_id UNION ALL SELECT e.date, e.num, e.pupil_id, "
    "NULL, e.cell FROM e WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.date = "
    "e.date AND p.num = e.num AND p.pupil_id = e.pupil_id)) "
    "SELECT (SELECT name FROM classes WHERE id = :cls), (SELECT name FROM "
    "subjects WHERE id = :subj), (SELECT s.login FROM load ld JOIN staff s "
    "ON s.id = ld.teacher_id WHERE ld.class_id = :cls AND ld.subject_id = "
    ":subj ORDER BY ld.subgroup, s.login LIMIT 1), d.date, "
    "pu.surname || ' ' || pu.name, CASE WHEN d.num > 1 THEN '#' || d.num || "
    "' ' ELSE '' END || CASE WHEN d.ec IS NULL THEN printf(:paper, d.pc) "
    "WHEN d.pc IS NULL THEN printf(:electronic, d.ec) ELSE printf(:differs, "
    "d.pc, d.ec) END FROM d JOIN pupils pu ON pu.id = d.pupil_id WHERE "
    "d.pc IS NOT d.ec AND d.date BETWEEN :since AND :until";

static void
bind(sqlite3_stmt *st, const char *name, const char *v)
{
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v, -1,
	    SQLITE_TRANSIENT);
}

static int
compare(struct ej_audit *a, struct paper *p)
{
	const struct ej_audit_rule *r = reconcile_rule();
	const struct ej_audit_opts *o = ej_audit_opts(a);
	char since[EJ_DATE_LEN], until[EJ_DATE_LEN], *ins;
	sqlite3_stmt *st;
	int rc;

	ins = ej_xasprintf("INSERT INTO temp.audit_findings (severity, rule, "
	    "class, subject, teacher, date, pupil, detail) SELECT :severity, "
	    ":rule, * FROM (%s)", compare_sql);
	rc = sqlite3_prepare_v2(ej_store_db(p->s), ins, -1, &st, NULL);
	free(ins);
	if (rc != SQLITE_OK)
		return ej_store_sqlerr(p->s, p->d, r->id);
	if (o->since >= 0)
		ej_date_format(o->since, since);
	else
		snprintf(since, sizeof since, "0000-01-01");
	if (o->until >= 0)
		ej_date_format(o->until, until);
	else
		snprintf(until, sizeof until, "9999-12-31");
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":severity"),
	    r->severity);
	bind(st, ":rule", r->id);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cls"),
	    p->cls);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":subj"),
	    p->subj);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":first"),
	    p->first);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":last"),
	    p->last);
	bind(st, ":since", since);
	bind(st, ":until", until);
	bind(st, ":paper", _("only on paper: %s"));
	bind(st, ":electronic", _("only electronic: %s"));
	bind(st, ":differs", _("differs: paper %s, electronic %s"));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(p->s, p->d, r->id);
	return 0;
}

int
ej_audit_reconcile(struct ej_audit *a, const char *cls, const char *subject,
    const char *path, const struct ej_csv_opts *in)
{
	struct paper p;
	struct ej_csv_opts io = *in;
	struct ej_csv_reader *rd = NULL;
	struct ej_csv_record *rec;
	const char *const *hdr;
	size_t n, i;
	int rc = -1, r;

	memset(&p, 0, sizeof p);
	p.s = ej_audit_store(a);
	p.d = ej_audit_diag(a);
	if (ej_journal_open(&p.j, p.s, p.d) < 0)
		return -1;
	p.cls = ej_journal_class(p.j, cls, NULL);
	p.subj = ej_journal_subject(p.j, subject, NULL);
	if (!p.cls || !p.subj)
		goto out;
	io.quiet_unknown = 1;
	if (ej_csv_open(&rd, path, NULL, 0, &io, p.d) < 0)
		goto out;
	ej_sheet_reset(&p.sh, p.d);
	hdr = ej_csv_header(rd, &n);
	if ((r = ej_sheet_init(&p.sh, p.j, hdr, n, ej_csv_name(rd),
	    ej_csv_header_line(rd), p.d)) < 0)
		goto out;
	if (r > 0)
		p.bad++;
	p.first = p.last = -1;
	for (i = 0; i < p.sh.ncols; i++) {
		int day = p.sh.cols[i].date;

		if (p.sh.cols[i].kind != EJ_SHEET_LESSON)
			continue;
		if (p.first < 0 || day < p.first)
			p.first = day;
		if (p.last < 0 || day > p.last)
			p.last = day;
	}
	if (sqlite3_exec(ej_store_db(p.s), "DROP TABLE IF EXISTS "
	    "temp.audit_paper; CREATE TEMP TABLE audit_paper ("
	    "pupil_id INTEGER, date INTEGER, num INTEGER, cell TEXT, line "
	    "INTEGER, PRIMARY KEY (pupil_id, date, num))", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ej_store_db(p.s), "INSERT INTO temp.audit_paper "
	    "VALUES (?, ?, ?, ?, ?)", -1, &p.ins, NULL) != SQLITE_OK) {
		ej_store_sqlerr(p.s, p.d, "reconcile");
		goto out;
	}
	p.cells = ej_xcalloc(n, sizeof *p.cells);
	while ((r = ej_csv_next(rd, &rec, p.d)) > 0)
		if (paper_row(&p, rec) < 0)
			p.bad++;
	if (r < 0 || p.bad || ej_csv_bad(rd))
		goto out;
	rc = compare(a, &p);
out:
	sqlite3_finalize(p.ins);
	free(p.cells);
	if (p.sh.cols)
		ej_sheet_free(&p.sh);
	ej_csv_reader_free(rd);
	ej_journal_free(p.j);
	return rc;
}
