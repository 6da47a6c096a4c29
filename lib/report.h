/*
 * report — what people read off the journal (ej-report(1)): the journal
 * page of a class × subject, a pupil's diary (also as e-mail to the
 * parents), the term summary, attendance, the success statistics of
 * DOMAIN.md, pupils at risk, teachers' discipline, the help schedule,
 * the rollout plan and the parents not informed (neither read the e-diary
 * nor mailed a diary lately); each as a document of tables (table.h), in any format.
 *
 * Every report is a few set-based SQL statements over the whole scope
 * (temporary tables of the classes, subject pairs and pupils in question),
 * never a query per pupil × subject, so that the whole school is as quick
 * as one class.
 *
 * Who sees what: deputies and admins everything; a class teacher their
 * class (every subject); a teacher the class × subject pairs of their
 * load. A report asked for outside that is refused (exit 77).
 */
#ifndef EJ_REPORT_H
#define EJ_REPORT_H

#include <stdio.h>

#include "err.h"
#include "store.h"
#include "table.h"

enum ej_report_kind {
	EJ_REPORT_JOURNAL,
	EJ_REPORT_DIARY,
	EJ_REPORT_SUMMARY,
	EJ_REPORT_ATTENDANCE,
	EJ_REPORT_QUALITY,
	EJ_REPORT_RISK,
	EJ_REPORT_TEACHERS,
	EJ_REPORT_HELPDESK,
	EJ_REPORT_PLAN,
	EJ_REPORT_INFORMED
};

/* "summary" → EJ_REPORT_SUMMARY; -1 when unknown. */
int ej_report_kind_parse(const char *name);
const char *ej_report_kind_name(int kind);

/* What to report on; NULL/0 where not given. */
struct ej_report_opts {
	int kind;
	enum ej_format format;
	const char *class_name;
	int parallel;                /* 1..11, 0: any */
	const char *subject;
	const char *teacher;         /* login or surname */
	const char *pupil;           /* id, #ext_id or name */
	const char *period;          /* "1".."4", "year" */
	const char *from, *to;       /* dates */
	const char *week;            /* a date in the week */
	const char *by;              /* quality: class, subject, teacher */
	const char *mail_dir;        /* diary: messages into this directory */
	/* diary --mail: each message written is recorded in this store
	 * (diary_mailed), inside a write transaction its caller began and
	 * commits; *mailed counts them. NULL: nothing recorded. */
	struct ej_store *record;
	int *mailed;
	/* informed: CSV files of ej-diary views, and every parent listed,
	 * not only those informed neither way within accounts.inform_days */
	const char *const *views;
	size_t nviews;
	int all;
	int now;                     /* helpdesk: who is on duty now */
	int today;                   /* the reference day (date.h), 0: today;
	                              * --as-of sets it to its commit's day */
};

/*
 * Build the report o asks for from store s (its acting person set) and
 * write it to out. 0, or -1 with errors in d: unknown class, subject,
 * pupil, teacher or period, a week outside the year (65); a missing
 * filter (2); no permission (77). Nothing is written to out on error.
 */
int ej_report_run(struct ej_store *s, const struct ej_report_opts *o,
    FILE *out, struct ej_diag *d);

/*
 * The same report as a document (table.h) for a caller that renders it
 * itself (ej-diary(8)): *out is NULL for a report that writes files
 * (--mail). Free it with ej_doc_free.
 */
int ej_report_build(struct ej_store *s, const struct ej_report_opts *o,
    struct ej_doc **out, struct ej_diag *d);

/*
 * --as-of DATE|REV: a temporary database loaded from the history at the
 * commit REV names, or at the last commit made at or before the end of
 * DATE (local time). *out is that store (acting person copied from live),
 * *day the commit's day; free it with ej_report_as_of_free. -1 with an
 * error (65) when there is no such revision or no commit by then.
 */
int ej_report_as_of(struct ej_store *live, const char *spec,
    struct ej_store **out, int *day, struct ej_diag *d);
void ej_report_as_of_free(struct ej_store *s);

/* ------------------------------------------- the statistics, pure */

/* Period marks of a group (DOMAIN.md, "Statistics"). */
struct ej_report_counts {
	long n5, n4, n3, n2, nna;    /* nна: н/а */
	long sum;                    /* Σ of the 5..2 marks */
};

struct ej_report_stats {
	long n;                      /* N = n5 + n4 + n3 + n2 + nна */
	/* In hundredths (6667 = 66.67 %), rounded half up; -1 when N = 0
	 * (average: when there is no 5..2 mark). */
	long success;                /* (n5 + n4 + n3) × 100 / N */
	long quality;                /* (n5 + n4) × 100 / N */
	long sou;                    /* (100·n5 + 64·n4 + 36·n3 + 16·n2 +
	                              * 7·nна) / N */
	long average;                /* Σ / (n5 + n4 + n3 + n2) */
};

void ej_report_stats(const struct ej_report_counts *c,
    struct ej_report_stats *out);
/* Count one period mark ("5".."2", "н/а"; others — осв, зач — ignored). */
void ej_report_count(struct ej_report_counts *c, const char *mark);

#endif
