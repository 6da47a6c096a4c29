/*
 * sheet — the wide sheet a teacher keeps in a spreadsheet: pupils down,
 * lessons across (ej-csv(5), "Wide sheets"). Its header says which column
 * is the pupil and which are lessons (a date, optionally "#N" for the
 * subject's N-th lesson that day and a work type in parentheses); its
 * cells hold space-separated tokens: marks, attendance codes and долг.
 * Shared by ej-grade and ej-attend (gradebook.c), for the long format's
 * mark cells too.
 */
#ifndef EJ_SHEET_H
#define EJ_SHEET_H

#include <stddef.h>

#include "date.h"
#include "journal.h"

enum ej_sheet_kind {
	EJ_SHEET_OTHER = 0,     /* not a lesson: warned about once, ignored */
	EJ_SHEET_PUPIL,         /* the pupils' column */
	EJ_SHEET_LESSON,        /* a lesson: date, number, work type */
	EJ_SHEET_ROWNUM,        /* a leading "№" column: ignored */
	EJ_SHEET_BAD            /* a lesson heading in error (reported) */
};

struct ej_sheet_col {
	int kind;
	int date;               /* EJ_SHEET_LESSON: the day */
	int num;                /* its lesson number, 1 = the first that day */
	long long work_id;      /* the work type in parentheses; 0: none */
	const char *heading;    /* the header cell, trimmed (the reader's) */
};

/* Tokens already read, so that a sheet asks the store once a token: marks
 * of a subject, and attendance codes (subject -1, canon "" for none). */
struct ej_sheet_token {
	long long subject_id;
	char text[24];
	char canon[16];
};

struct ej_sheet {
	struct ej_sheet_col *cols;  /* one per header cell */
	size_t ncols;
	size_t pupil;               /* index of the pupils' column */
	size_t nlessons;
	struct ej_sheet_token tokens[64];
	size_t ntokens;
	struct ej_diag *d;          /* where cell errors go */
	const char *col;            /* ej_sheet_column */
};

/*
 * One heading: "15.09", "15.09.2020" or "2020-09-15", then optionally
 * "#2" and "(контрольная)", spaces allowed between them. Returns
 * EJ_SHEET_LESSON with *date, *num and work (the text in parentheses, ""
 * when none; work has room for wn bytes); EJ_SHEET_OTHER for a heading
 * that does not begin with a date ("Средний балл"); EJ_SHEET_BAD for one
 * that begins like a date but is not one, or has more after it.
 */
int ej_sheet_heading(const char *s, const struct ej_yearctx *yc, int *date,
    int *num, char *work, size_t wn);

/*
 * Read a sheet's header (hdr[0..n), as ej_csv_header gives it, from
 * file:line): the first column is the pupil (after a "№" column, which
 * is skipped), every other column a lesson or ignored. Errors at
 * file:line: a heading that is not a date, outside the academic year, a
 * holiday, an unknown work type, the same lesson twice, and no lesson
 * column at all. Each column that is not a lesson is warned about once.
 * Returns 0, 1 when some columns are bad but others are good (the caller
 * goes on to list the bad cells too), -1 when there is no lesson column.
 */
int ej_sheet_init(struct ej_sheet *sh, struct ej_journal *j,
    const char *const *hdr, size_t n, const char *file, long line,
    struct ej_diag *d);
void ej_sheet_free(struct ej_sheet *sh);
/* An empty sheet, for the cells of a long file (no header). */
void ej_sheet_reset(struct ej_sheet *sh, struct ej_diag *d);
/* The column that the next cells' errors are about (NULL: none), for
 * this sheet's messages and the journal's. */
void ej_sheet_column(struct ej_sheet *sh, struct ej_journal *j,
    const char *col);

/* A cell: up to two marks (seq 1 and 2) and an attendance code. */
struct ej_cell {
	char mark[2][16];       /* canonical: "5", "зач", "долг" */
	int nmarks;
	char code[8];           /* "н", "у", "б", "оп"; "" none */
};

enum {
	EJ_CELL_MARKS = 1u << 0,
	EJ_CELL_CODES = 1u << 1
};

/*
 * Parse a cell's tokens, separated by spaces or a slash ("5 н", "5/4"),
 * as allowed: marks of subject_id's scale and долг (EJ_CELL_MARKS),
 * attendance codes н у б оп and their Latin aliases (EJ_CELL_CODES).
 * An empty or blank cell gives an empty *c. 0, or -1 with each bad
 * token reported at w.
 */
int ej_sheet_cell(struct ej_sheet *sh, struct ej_journal *j,
    long long subject_id, const char *text, unsigned allow, struct ej_cell *c,
    const struct ej_where *w);
int ej_cell_empty(const struct ej_cell *c);

/* "5 4 н": the cell as a sheet shows it, into buf of n bytes. */
void ej_cell_format(const struct ej_cell *c, char *buf, size_t n);

/* "2020-09-15", "2020-09-15#2 (контрольная)": new string. */
char *ej_sheet_heading_format(int date, int num, const char *work);

#endif
