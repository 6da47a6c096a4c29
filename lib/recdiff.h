/*
 * recdiff — the record-level diff of two versions of one snapshot file
 * (history.h): which records were added, removed or changed, and in which
 * columns, keyed by the kind's key columns; and the names of records and
 * changes in school terms, for ej-log and ej-audit.
 *
 *	struct ej_recdiff *rd;
 *	size_t i;
 *
 *	if (ej_recdiff(&rd, path, old, oldlen, new, newlen, d) < 0)
 *		...;
 *	for (i = 0; i < rd->n; i++) {
 *		char *name = ej_rec_name(rd, &rd->v[i]);
 *		char *what = ej_rec_describe(rd, &rd->v[i]);
 *		...	"marks 5А Алгебра 2020-09-15 Петров Пётр"
 *		...	"Петров Пётр, Алгебра 15.09: 4 → 5, reason: ошибка"
 *	}
 *	ej_recdiff_free(rd);
 *
 * Both versions are parsed with csvio; each is checked to be in key order
 * (and sorted when it is not, as terms.csv, which is in subject id order),
 * then the two row lists are merged in one pass.
 */
#ifndef EJ_RECDIFF_H
#define EJ_RECDIFF_H

#include <stddef.h>

#include "err.h"
#include "history.h"

enum ej_recop {
	EJ_REC_ADDED = '+',
	EJ_REC_REMOVED = '-',
	EJ_REC_CHANGED = '~'
};

/*
 * One record's change. Fields are in the diff's columns (rd->cols): NULL
 * for an empty field, "" for an empty string, as the snapshot writes them.
 */
struct ej_recchange {
	enum ej_recop op;
	const char *const *old;  /* NULL when added */
	const char *const *new;  /* NULL when removed */
	long old_line, new_line; /* line in each version (header = 1), or 0 */
	size_t nchanged;         /* changed: the columns that differ */
	const size_t *changed;
};

struct ej_recdiff {
	char *path;
	const struct ej_snapfile *file;  /* its kind */
	const char *const *cols;         /* column names: the new header,
	                                  * or the old one when new is absent */
	size_t ncol;
	const size_t *keys;              /* key columns' indices */
	size_t nkeys;
	struct ej_recchange *v;          /* in key order */
	size_t n;
	struct ej_recdiff_priv *priv;
};

/* The kind of a snapshot path, or NULL when no kind has it. */
const struct ej_snapfile *ej_snap_kind(const char *path);

/*
 * Diff two versions of the file at path; old or new may be NULL or of
 * length 0 (the file absent: every record added or removed). A version
 * that is not the kind's CSV (bad quoting, a missing key column) is an
 * error (exit 65) naming path, with the line. 0, or -1.
 */
int ej_recdiff(struct ej_recdiff **out, const char *path, const char *old,
    size_t oldlen, const char *new, size_t newlen, struct ej_diag *d);
void ej_recdiff_free(struct ej_recdiff *rd);

/* Index of column name in rd->cols, or -1. */
long ej_recdiff_col(const struct ej_recdiff *rd, const char *name);
/* A field of a record by column name (NULL when absent or empty). */
const char *ej_rec_get(const struct ej_recdiff *rd, const char *const *rec,
    const char *col);

/*
 * A record named for people, from its path and fields (the new version
 * when there is one): the kind's noun, the journal's class and subject
 * from the path, then its name columns — "marks 5А Алгебра 2020-09-15
 * Петров Пётр", "pupil Петров Пётр", "lesson 5А Алгебра 2020-09-02 #1".
 * malloc'd.
 */
char *ej_rec_name(const struct ej_recdiff *rd, const struct ej_recchange *c);

/* The kind's value columns of a record, joined by spaces ("4"; "" when
 * the kind has none). malloc'd. */
char *ej_rec_values(const struct ej_recdiff *rd, const char *const *rec);

/*
 * One line for a change: who or what, then the change and the reason —
 * "Петров Пётр, Алгебра 15.09: 4 → 5, reason: ошибка",
 * "Петров Пётр, Алгебра 16.09: added н", "Алгебра 02.09 #1: removed",
 * "Петров Пётр: birth_date: 2010-01-01 → 2010-01-02". The bookkeeping
 * columns (entered_by, entered_at) are shown only when nothing else
 * changed. malloc'd.
 */
char *ej_rec_describe(const struct ej_recdiff *rd,
    const struct ej_recchange *c);

/* Does the change touch the record with these key values (the same key
 * in either version)? For "a later commit touched the same records". */
int ej_rec_same_key(const struct ej_recdiff *a, const struct ej_recchange *x,
    const struct ej_recdiff *b, const struct ej_recchange *y);

#endif
