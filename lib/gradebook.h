/*
 * gradebook — marks and attendance in bulk: import of the long format
 * (one record a mark or an absence) and of the wide sheet (pupils down,
 * lessons across; sheet.h), export of both, and attendance by the day.
 * ej-grade and ej-attend call it; the school's rules are the journal's
 * (journal.h), which every change goes through.
 *
 * An import runs inside the caller's write transaction and checks every
 * record, listing each bad one at FILE:LINE; when any was bad it returns
 * -1 and the caller rolls back. Names, pupils and lessons are resolved
 * once and kept in memory; the input is streamed.
 */
#ifndef EJ_GRADEBOOK_H
#define EJ_GRADEBOOK_H

#include <stdio.h>

#include "cli.h"
#include "csvio.h"
#include "journal.h"

enum ej_gb_kind {
	EJ_GB_MARKS,            /* ej-grade: marks (and a cell's attendance) */
	EJ_GB_ATTEND            /* ej-attend: attendance only */
};

struct ej_gb_opts {
	int kind;               /* enum ej_gb_kind */
	int wide;               /* the wide sheet of one class × subject */
	const char *class_name; /* wide: the sheet's class and subject */
	const char *subject;
	int subgroup;           /* wide: the lessons' subgroup (0: the class) */
	int replace;            /* wide: the sheet is the whole truth for the
	                         * lessons of its columns */
	const char *reason;     /* for changes and removals of marks */
	int force;              /* a mark together with н (needs reason) */
	FILE *changes;          /* when not NULL, every change as a line for
	                         * people (dry runs) */
};

struct ej_gb_result {
	struct ej_journal_stats st;
	char *what;             /* "5А Алгебра", "5А Алгебра, 5Б Физика",
	                         * "5А" or "journal": for the summary */
};
void ej_gb_result_free(struct ej_gb_result *r);

/* The known columns of a file for ej_csv_open (none for a wide sheet,
 * which is opened with quiet_unknown). */
const struct ej_csv_col *ej_gb_columns(int kind, int wide, size_t *n);

/*
 * Import every record of r into the open write transaction. A wide
 * import checks first that the acting person may write the sheet's class
 * × subject (exit 77, nothing read). 0 when every record was good, -1
 * otherwise (each bad record reported).
 */
int ej_gb_import(struct ej_journal *j, struct ej_csv_reader *r,
    const struct ej_gb_opts *o, struct ej_gb_result *res, struct ej_diag *d);

/*
 * ej-attend set/rm: the absence of pupil (a reference) in class on date
 * (strings as given), code NULL to clear it. The lessons: subject's
 * lesson num (created when setting), or with day every existing lesson of
 * the class that day (of subject when not NULL), or with neither the
 * class's lesson num of that day by its timetable. 0, 1 when rm found
 * nothing to clear, -1 on error.
 */
int ej_gb_attend_one(struct ej_journal *j, const char *class_name,
    const char *date, const char *pupil, const char *code,
    const char *subject, int subgroup, int num, int day,
    const struct ej_gb_opts *o, struct ej_gb_result *res, struct ej_diag *d);

struct ej_gb_filter {
	const char *class_name; /* NULL: every class (long only) */
	const char *subject;    /* NULL: every subject (long only) */
	int subgroup;           /* -1: any (long); the sheet's, for wide */
	int period;             /* 0: the whole year; else the class's
	                         * period N (its parallel's scheme) */
	const char *from, *to;  /* dates, or NULL */
};

/*
 * Write marks (with a cell's attendance, wide) or attendance as CSV: the
 * long format, or with wide the sheet of one class × subject, in the
 * shape that ej_gb_import reads back unchanged. 0 or -1.
 */
int ej_gb_export(struct ej_journal *j, int kind, int wide,
    const struct ej_gb_filter *f, struct ej_csv_writer *w,
    struct ej_diag *d);

/*
 * The commands' halves (ej-grade, ej-attend): a whole import — open the
 * file, check and apply every record, then either roll back with
 * "nothing was written" or commit with the summary line — and a whole
 * export. Both leave through ej_cli_exit().
 */
/* The options ej-grade and ej-attend share for import and export. */
struct ej_gb_cliopts {
	const char *reason, *class_name, *subject, *from, *to;
	int force, wide, replace, subgroup, subgroup_set, period;
	struct ej_csv_opts in;
	struct ej_csv_wopts out;
};

/*
 * `import [FILE]` and `export` of kind from the command line: the usage
 * checks both commands make (a sheet is named by --class and --subject, a
 * long file names its own), then ej_gb_cli_import/ej_gb_cli_export.
 */
_Noreturn void ej_gb_cli_import_cmd(struct ej_cli *c, int kind,
    const char *file, const struct ej_gb_cliopts *o);
_Noreturn void ej_gb_cli_export_cmd(struct ej_cli *c, int kind,
    const struct ej_gb_cliopts *o);

_Noreturn void ej_gb_cli_import(struct ej_cli *c, const char *file,
    const struct ej_csv_opts *in, const struct ej_gb_opts *o);
_Noreturn void ej_gb_cli_export(struct ej_cli *c, int kind, int wide,
    const struct ej_gb_filter *f, const struct ej_csv_wopts *out);

/*
 * The last step of every write: commit with the summary line of what and
 * st, then say it on standard error — "no changes", the summary and the
 * commit, or for a dry run the summary, the files of the history that
 * would change and changes (the lines of ej_gb_opts.changes, or NULL).
 */
void ej_gb_finish(struct ej_cli *c, const char *what,
    const struct ej_journal_stats *st, const char *reason,
    const char *changes);

#endif
