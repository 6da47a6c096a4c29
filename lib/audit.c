/*
 * audit — the run: rule selection, the findings table, filters and
 * output. The rules are in audit_rules.c (the table and the compliance
 * rules), audit_integrity.c (store, history, permissions) and
 * audit_reconcile.c (the pilot's paper journal).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "config.h"
#include "csvio.h"
#include "date.h"
#include "i18n.h"
#include "table.h"
#include "text.h"

struct ej_audit {
	struct ej_store *s;
	struct ej_diag *d;
	struct ej_audit_opts o;
	char asof[EJ_DATE_LEN], since[EJ_DATE_LEN], until[EJ_DATE_LEN];
	sqlite3_stmt *add;       /* one finding */
	int in_tx;
	int marks_pass;          /* temp.au_agg and au_gap made */
	unsigned long limit;     /* text, HTML: findings shown a rule */
};

static const char *const sev_names[] = { NULL, "info", "warning", "error" };

int
ej_audit_severity_parse(const char *s)
{
	int i;

	for (i = EJ_SEV_INFO; i <= EJ_SEV_ERROR; i++)
		if (strcasecmp(s, sev_names[i]) == 0)
			return i;
	return 0;
}

const char *
ej_audit_severity_name(int sev)
{
	return sev >= EJ_SEV_INFO && sev <= EJ_SEV_ERROR ? sev_names[sev] : "";
}

int
ej_audit_date(const char *s, int today, int first_year, int *out)
{
	struct ej_yearctx yc = { first_year, 0, 0 };
	char *f = ej_text_fold(s);
	int rc = 0;

	if (f && (strcmp(f, "today") == 0 || strcmp(f, "сегодня") == 0))
		*out = today;
	else if (f && (strcmp(f, "yesterday") == 0 ||
	    strcmp(f, "вчера") == 0))
		*out = today - 1;
	else
		rc = ej_date_parse(s, first_year ? &yc : NULL, out);
	free(f);
	return rc;
}

/* Does rule id belong to item (its id, or a group: a prefix before '.')? */
static int
rule_in(const char *id, const char *item, size_t n)
{
	return strncmp(id, item, n) == 0 && (id[n] == '\0' || id[n] == '.');
}

static int
selected(const char *list, const char *id)
{
	const char *p = list, *e;

	if (!list)
		return 1;
	while (*p) {
		e = p + strcspn(p, ",");
		if (e > p && rule_in(id, p, (size_t)(e - p)))
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

int
ej_audit_selected(const struct ej_audit *a, const char *id)
{
	return selected(a->o.rules, id);
}

int
ej_audit_rules_check(const char *list, struct ej_diag *d)
{
	const char *p = list, *e;
	size_t i;
	int known;

	while (*p) {
		e = p + strcspn(p, ",");
		known = e == p;
		for (i = 0; i < ej_audit_nrules && !known; i++)
			known = rule_in(ej_audit_rules[i].id, p, (size_t)(e - p));
		if (!known)
			return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
			    _("--rules: no such rule or group: %.*s"),
			    (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
	return 0;
}

int
ej_audit_new(struct ej_audit **out, struct ej_store *s,
    const struct ej_audit_opts *o, struct ej_diag *d)
{
	struct ej_audit *a = ej_xcalloc(1, sizeof *a);
	sqlite3 *db = ej_store_db(s);

	*out = NULL;
	a->s = s;
	a->d = d;
	a->o = *o;
	ej_date_format(o->asof, a->asof);
	if (o->since >= 0)
		ej_date_format(o->since, a->since);
	else
		snprintf(a->since, sizeof a->since, "0000-01-01");
	if (o->until >= 0)
		ej_date_format(o->until, a->until);
	else
		snprintf(a->until, sizeof a->until, "9999-12-31");
	/* The findings live in a table of this connection's own temporary
	 * database: the store itself is only read. */
	if (sqlite3_exec(db, "PRAGMA temp_store = MEMORY;"
	    "CREATE TEMP TABLE IF NOT EXISTS audit_findings ("
	    "seq INTEGER PRIMARY KEY, severity INTEGER NOT NULL, "
	    "rule TEXT NOT NULL, class TEXT, subject TEXT, teacher TEXT, "
	    "date TEXT, pupil TEXT, detail TEXT);"
	    "DELETE FROM temp.audit_findings", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO temp.audit_findings (severity, "
	    "rule, class, subject, teacher, date, pupil, detail) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &a->add, NULL) != SQLITE_OK) {
		ej_store_sqlerr(s, d, _("cannot start the audit"));
		ej_audit_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void
ej_audit_free(struct ej_audit *a)
{
	if (!a)
		return;
	sqlite3_finalize(a->add);
	if (a->in_tx)
		sqlite3_exec(ej_store_db(a->s), "COMMIT", NULL, NULL, NULL);
	free(a);
}

void
ej_audit_set_limit(struct ej_audit *a, unsigned long limit)
{
	a->limit = limit;
}

struct ej_store *
ej_audit_store(struct ej_audit *a)
{
	return a->s;
}

struct ej_diag *
ej_audit_diag(struct ej_audit *a)
{
	return a->d;
}

const struct ej_audit_opts *
ej_audit_opts(const struct ej_audit *a)
{
	return &a->o;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int
ej_audit_add(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *cls, const char *subject, const char *teacher,
    const char *date, const char *pupil, const char *detail)
{
	sqlite3_stmt *st = a->add;
	int rc;

	sqlite3_bind_int(st, 1, r->severity);
	bind_text(st, 2, r->id);
	bind_text(st, 3, cls);
	bind_text(st, 4, subject);
	bind_text(st, 5, teacher);
	bind_text(st, 6, date);
	bind_text(st, 7, pupil);
	bind_text(st, 8, detail);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(a->s, a->d, _("cannot record a finding"));
	return 0;
}

static void
bind_named(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int
ej_audit_sql(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *select)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	sql = ej_xasprintf("INSERT INTO temp.audit_findings (severity, rule, "
	    "class, subject, teacher, date, pupil, detail) SELECT :severity, "
	    ":rule, * FROM (%s)", select);
	rc = sqlite3_prepare_v2(ej_store_db(a->s), sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return ej_store_sqlerr(a->s, a->d, r->id);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":severity"),
	    r->severity);
	bind_named(st, ":rule", r->id);
	bind_named(st, ":asof", a->asof);
	bind_named(st, ":since", a->since);
	bind_named(st, ":until", a->until);
	if (r->fmt)
		bind_named(st, ":fmt", _(r->fmt));
	if (r->fmt2)
		bind_named(st, ":fmt2", _(r->fmt2));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(a->s, a->d, r->id);
	return 0;
}

int
ej_audit__sql(struct ej_audit *a, const struct ej_audit_rule *r)
{
	return ej_audit_sql(a, r, r->sql);
}

int
ej_audit__sql_marks(struct ej_audit *a, const struct ej_audit_rule *r)
{
	if (!a->marks_pass) {
		if (ej_audit__marks_pass(a, a->asof) < 0)
			return -1;
		a->marks_pass = 1;
	}
	return ej_audit_sql(a, r, r->sql);
}

int
ej_audit_run(struct ej_audit *a)
{
	size_t i;
	int rc = 0;

	/* One read transaction: every rule sees the same state. */
	if (!a->in_tx) {
		if (sqlite3_exec(ej_store_db(a->s), "BEGIN", NULL, NULL,
		    NULL) != SQLITE_OK)
			return ej_store_sqlerr(a->s, a->d,
			    _("cannot read the store"));
		a->in_tx = 1;
	}
	for (i = 0; i < ej_audit_nrules; i++) {
		const struct ej_audit_rule *r = &ej_audit_rules[i];

		if (!r->run || !selected(a->o.rules, r->id))
			continue;
		if (r->run(a, r) < 0)
			rc = -1;
	}
	return rc;
}

/* ------------------------------------------------------------- output */

/*
 * The filters, as a WHERE clause on the findings. Findings about the
 * whole store (integrity, permissions) pass the filters where they have
 * no class or teacher, and a changed record is named whatever its date:
 * tampering with last year's marks shows tonight.
 */
static const char filter_sql[] =
    "severity >= :min AND (date IS NULL OR date BETWEEN :since AND :until "
    "OR rule GLOB 'integrity.*') "
    "AND (:class IS NULL OR class = :class OR (class IS NULL AND "
    "(rule GLOB 'integrity.*' OR rule = 'permissions'))) "
    "AND (:teacher IS NULL OR teacher = :teacher OR (teacher IS NULL AND "
    "(rule GLOB 'integrity.*' OR rule = 'permissions')))";
static const char order_sql[] =
    " ORDER BY severity DESC, rule, class, subject, date, teacher, pupil, seq";

static sqlite3_stmt *
findings_q(struct ej_audit *a, const char *cols, const char *tail, int min)
{
	sqlite3_stmt *st;
	char *sql, cls[16];
	int rc, par;
	char letter[8];

	sql = ej_xasprintf("SELECT %s FROM temp.audit_findings WHERE %s%s", cols,
	    filter_sql, tail);
	rc = sqlite3_prepare_v2(ej_store_db(a->s), sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		ej_store_sqlerr(a->s, a->d, _("cannot read the findings"));
		return NULL;
	}
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":min"), min);
	bind_named(st, ":since", a->since);
	bind_named(st, ":until", a->until);
	if (a->o.class_name) {
		if (ej_class_name(a->o.class_name, cls, &par, letter) == 0)
			bind_named(st, ":class", cls);
		else
			bind_named(st, ":class", a->o.class_name);
	}
	if (a->o.teacher)
		bind_named(st, ":teacher", a->o.teacher);
	return st;
}

static sqlite3_stmt *
findings(struct ej_audit *a, const char *cols, int min)
{
	return findings_q(a, cols, order_sql, min);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

static const struct ej_audit_rule *
rule_of(const char *id)
{
	size_t i;

	for (i = 0; i < ej_audit_nrules; i++)
		if (strcmp(ej_audit_rules[i].id, id) == 0)
			return &ej_audit_rules[i];
	return NULL;
}

/* Each rule's count of findings after the filters. */
struct counts {
	char **rule;
	unsigned long *n;
	size_t len;
};

static int
count_rules(struct ej_audit *a, struct counts *c)
{
	sqlite3_stmt *st = findings_q(a, "rule, count(*)", " GROUP BY rule",
	    EJ_SEV_INFO);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->rule = ej_xrealloc(c->rule, (c->len + 1) * sizeof *c->rule);
		c->n = ej_xrealloc(c->n, (c->len + 1) * sizeof *c->n);
		c->rule[c->len] = ej_xstrdup(col(st, 0));
		c->n[c->len++] = (unsigned long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static unsigned long
count_of(const struct counts *c, const char *rule)
{
	size_t i;

	for (i = 0; i < c->len; i++)
		if (strcmp(c->rule[i], rule) == 0)
			return c->n[i];
	return 0;
}

static void
counts_free(struct counts *c)
{
	size_t i;

	for (i = 0; i < c->len; i++)
		free(c->rule[i]);
	free(c->rule);
	free(c->n);
}

/* The line that stands for a rule's findings past the limit. */
static void
more_row(struct ej_table *t, const char *rule, unsigned long more)
{
	int i;

	ej_table_row(t);
	for (i = 0; i < 5; i++)
		ej_table_cell(t, NULL);
	ej_table_cellf(t, _("... and %lu more: ej-audit --rules %s --format "
	    "csv lists them all"), more, rule);
}

/*
 * For people (text, HTML; TSV too): one section a rule, headed by its
 * severity, id, meaning and count, the findings as a table under it. In
 * text and HTML, with a limit, a rule shows its first findings and one
 * line for the rest (CSV, TSV and JSON list every one).
 */
static int
print_table(struct ej_audit *a, enum ej_format fmt, FILE *f, sqlite3_stmt *st,
    unsigned long n[4])
{
	struct ej_table *t = ej_table_new(NULL);
	struct counts cnt = { 0 };
	unsigned long limit = fmt == EJ_FMT_TSV ? 0 : a->limit, shown = 0,
	    gc = 0;
	char *group = NULL;
	int rc, i, wr;

	if (count_rules(a, &cnt) < 0) {
		counts_free(&cnt);
		ej_table_free(t);
		return -1;
	}
	ej_table_col(t, "class", _("Class"), EJ_COL_NOWRAP);
	ej_table_col(t, "subject", _("Subject"), 0);
	ej_table_col(t, "teacher", _("Teacher"), EJ_COL_NOWRAP);
	ej_table_col(t, "date", _("Date"), EJ_COL_NOWRAP);
	ej_table_col(t, "pupil", _("Pupil"), 0);
	ej_table_col(t, "detail", _("Detail"), 0);
	ej_table_section_key(t, "rule");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int sev = sqlite3_column_int(st, 1);
		const char *rule = col(st, 2);

		if (sev >= EJ_SEV_INFO && sev <= EJ_SEV_ERROR)
			n[sev]++;
		if (!group || strcmp(group, rule) != 0) {
			const struct ej_audit_rule *r = rule_of(rule);
			unsigned long c = count_of(&cnt, rule);
			char *label = ej_xasprintf("%s %s: %s (%lu)",
			    ej_audit_severity_name(sev), rule,
			    r && r->what ? _(r->what) : "", c);

			if (group && limit && gc > limit)
				more_row(t, group, gc - limit);
			free(group);
			group = ej_xstrdup(rule);
			ej_table_section(t, label);
			free(label);
			shown = 0;
			gc = c;
		}
		if (limit && shown >= limit)
			continue;
		shown++;
		ej_table_row(t);
		for (i = 3; i <= 8; i++)
			ej_table_cell(t, col(st, i));
	}
	if (group && limit && gc > limit)
		more_row(t, group, gc - limit);
	free(group);
	counts_free(&cnt);
	if (ej_table_nrows(t)) {
		/* A finding a line, however long: grep and mail keep it. */
		struct ej_doc *doc = ej_doc_new(_("Audit"));

		ej_doc_add(doc, t);
		ej_doc_width(doc, 0);
		wr = ej_doc_write(doc, fmt, f, a->d);
		ej_doc_free(doc);
	} else {
		wr = 0;
		ej_table_free(t);
	}
	if (wr < 0)
		return -2;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
print_csv(struct ej_audit *a, FILE *f, sqlite3_stmt *st, unsigned long n[4])
{
	static const char *const hdr[] = { "severity", "rule", "class",
	    "subject", "teacher", "date", "pupil", "detail" };
	struct ej_csv_writer *w;
	int rc, i;

	if (ej_csv_writer_new(&w, f, NULL) < 0)
		return -1;
	ej_csv_write_row(w, hdr, 8);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int sev = sqlite3_column_int(st, 1);

		if (sev >= EJ_SEV_INFO && sev <= EJ_SEV_ERROR)
			n[sev]++;
		ej_csv_put(w, ej_audit_severity_name(sev));
		for (i = 2; i <= 8; i++)
			ej_csv_put(w, col(st, i));
		ej_csv_end_row(w);
	}
	if (ej_csv_writer_finish(w, _("standard output"), a->d) < 0)
		rc = -2;
	ej_csv_writer_free(w);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
print_json(struct ej_audit *a, FILE *f, sqlite3_stmt *st, unsigned long n[4])
{
	unsigned long k = 0;
	int rc;

	(void)a;
	fputc('[', f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int sev = sqlite3_column_int(st, 1);

		if (sev >= EJ_SEV_INFO && sev <= EJ_SEV_ERROR)
			n[sev]++;
		fprintf(f, "%s\n%s", k++ ? "," : "", col(st, 9));
	}
	fputs(k ? "\n]\n" : "]\n", f);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
ej_audit_print(struct ej_audit *a, int format, FILE *f, unsigned long n[4])
{
	static const char cols[] = "seq, severity, rule, class, subject, "
	    "teacher, date, pupil, detail";
	/* JSON objects are made by SQLite's JSON functions. */
	static const char json_cols[] = "seq, severity, rule, class, subject, "
	    "teacher, date, pupil, detail, json_object('severity', "
	    "CASE severity WHEN 3 THEN 'error' WHEN 2 THEN 'warning' "
	    "ELSE 'info' END, 'rule', rule, 'class', class, 'subject', "
	    "subject, 'teacher', teacher, 'date', date, 'pupil', pupil, "
	    "'detail', detail)";
	sqlite3_stmt *st;
	int rc;

	memset(n, 0, 4 * sizeof *n);
	if ((st = findings(a, format == EJ_FMT_JSON ? json_cols : cols,
	    EJ_SEV_INFO)) == NULL)
		return -1;
	/* Machines' formats stream, a finding at a time: a night's audit
	 * of a large school may list many. */
	if (format == EJ_FMT_CSV)
		rc = print_csv(a, f, st, n);
	else if (format == EJ_FMT_JSON)
		rc = print_json(a, f, st, n);
	else
		rc = print_table(a, (enum ej_format)format, f, st, n);
	if (rc == -1)
		ej_store_sqlerr(a->s, a->d, _("cannot read the findings"));
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	n[0] = n[1] + n[2] + n[3];
	if (fflush(f) != 0 || ferror(f))
		return ej_error(a->d, EJ_EXIT_IOERR, NULL, 0, 0, "%s",
		    _("cannot write the findings"));
	return 0;
}
