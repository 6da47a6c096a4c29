/*
 * audit — the nightly audit (ej-audit(1)): the store's integrity, the
 * history against the database (each differing record named), file
 * permissions, the school's rules for timely and complete entries
 * (DOMAIN.md), consents and accounts; and the pilot's reconciliation of a
 * paper journal's transcription against the electronic journal.
 *
 * The rules are one table, ej_audit_rules: an id, a default severity, the
 * school.yaml setting that parametrises it, and a function. A rule from
 * another module is one more row there. A rule adds findings with
 * ej_audit_add() (one at a time, from C) or ej_audit_sql() (set-based:
 * one INSERT … SELECT over the whole period).
 *
 * The audit only reads: it takes no write lock, and the findings go to a
 * temporary table of its own connection. libgit2 is started only by the
 * rules that read the history.
 */
#ifndef EJ_AUDIT_H
#define EJ_AUDIT_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "store.h"

enum ej_audit_severity {
	EJ_SEV_INFO = 1,
	EJ_SEV_WARNING = 2,
	EJ_SEV_ERROR = 3
};

/* "info", "warning", "error" → 1..3; 0 when none of them. */
int ej_audit_severity_parse(const char *s);
const char *ej_audit_severity_name(int sev);

struct ej_audit;

struct ej_audit_rule {
	const char *id;          /* "lesson.topic"; a group is its prefix */
	int severity;            /* the default */
	const char *config;      /* the setting that parametrises it, or NULL */
	const char *what;        /* its meaning, for people (N_()) */
	int (*run)(struct ej_audit *a, const struct ej_audit_rule *r);
	/* Set-based rules (run = ej_audit__sql): the SELECT for
	 * ej_audit_sql, and the detail's printf format, bound as :fmt
	 * (translated) for printf(:fmt, …) in the SELECT. */
	const char *sql;
	const char *fmt;
	/* A second format, bound as :fmt2 (a finding that counts several
	 * records, where :fmt names one). */
	const char *fmt2;
};

extern const struct ej_audit_rule ej_audit_rules[];
extern const size_t ej_audit_nrules;

struct ej_audit_opts {
	int since, until;        /* school dates; -1: open */
	int asof;                /* the day the audit is as of (until, else
	                          * today): what is overdue by then */
	const char *rules;       /* "integrity,lesson.topic"; NULL: all */
	const char *class_name;  /* NULL: every class */
	const char *teacher;     /* a login; NULL: every teacher */
};

/*
 * Parse a date for --since/--until: a school date in any form (date.h;
 * "01.09" within the academic year yc, which may be NULL), "today",
 * "yesterday", "сегодня", "вчера". 0, or -1 when none of these.
 */
int ej_audit_date(const char *s, int today, int first_year, int *out);

/*
 * Check a --rules list: every item the id of a rule or a group of them
 * ("integrity", "marks"). -1 with a usage error (exit 2) naming the first
 * unknown item.
 */
int ej_audit_rules_check(const char *list, struct ej_diag *d);

/* A run: open it on a store, run the rules, print, free. */
int ej_audit_new(struct ej_audit **out, struct ej_store *s,
    const struct ej_audit_opts *o, struct ej_diag *d);
void ej_audit_free(struct ej_audit *a);
/*
 * Text and HTML: show at most limit findings a rule, then one line "…
 * and N more" (0, the default: all). CSV, TSV and JSON list every one.
 */
void ej_audit_set_limit(struct ej_audit *a, unsigned long limit);
/* Run every selected rule (all when o->rules is NULL). 0 or -1. */
int ej_audit_run(struct ej_audit *a);

/* The pieces rules use. */
struct ej_store *ej_audit_store(struct ej_audit *a);
struct ej_diag *ej_audit_diag(struct ej_audit *a);
const struct ej_audit_opts *ej_audit_opts(const struct ej_audit *a);
/* Does this run's --rules select rule id? */
int ej_audit_selected(const struct ej_audit *a, const char *id);
/* Record one finding of rule r; any field may be NULL. 0 or -1. */
int ej_audit_add(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *cls, const char *subject, const char *teacher,
    const char *date, const char *pupil, const char *detail);
/*
 * Record the rows of select as findings of r: select returns the columns
 * class, subject, teacher, date, pupil, detail (in that order) and may use
 * the parameters :asof, :since and :until (YYYY-MM-DD; since and until
 * '0000-01-01' and '9999-12-31' when open). 0 or -1.
 */
int ej_audit_sql(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *select);

/*
 * The findings after the filters, in format (enum ej_format, table.h):
 * text, TSV and HTML through table.h, a section a rule for people; CSV
 * (one finding a row) and JSON (an array of objects, one a finding)
 * streamed. Counts by severity into n[1..3], the total into n[0]. 0, or
 * -1 on an error.
 */
int ej_audit_print(struct ej_audit *a, int format, FILE *f,
    unsigned long n[4]);

/*
 * reconcile: the wide sheet at path (a paper journal's transcription,
 * ej-csv(5)) of class × subject against the electronic journal; every
 * cell that differs becomes a finding of rule "reconcile" ("only on
 * paper", "only electronic", "differs") for the lessons of the sheet's
 * span. A bad sheet is reported (exit 65) and -1 returned.
 */
struct ej_csv_opts;
int ej_audit_reconcile(struct ej_audit *a, const char *cls,
    const char *subject, const char *path, const struct ej_csv_opts *in);

/* Integrity (audit_integrity.c) and compliance (audit_rules.c) rules. */
int ej_audit__sqlite(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__foreign_keys(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__head(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__lock(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__objects(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__history(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__snapshot(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__names(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__permissions(struct ej_audit *a, const struct ej_audit_rule *r);
/* The copies' rules (audit_sync.c, from sync.h). */
int ej_audit__sync(struct ej_audit *a, const struct ej_audit_rule *r);
/* A rule whose r->sql says it all. */
int ej_audit__sql(struct ej_audit *a, const struct ej_audit_rule *r);
/* The same, after the one pass over the marks (audit_marks.c) that fills
 * temp.au_agg and temp.au_gap for the run; r->sql reads them. */
int ej_audit__sql_marks(struct ej_audit *a, const struct ej_audit_rule *r);
int ej_audit__marks_pass(struct ej_audit *a, const char *asof);

#endif
