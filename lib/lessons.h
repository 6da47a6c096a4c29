/*
 * lessons — the lessons of the journal: date, number, subgroup, who taught
 * it, topic and homework (DOMAIN.md, "Lessons"). Set one, import a
 * calendar-thematic plan (КТП) or a lesson log, export in the same columns
 * (so that export then import changes nothing), and list a class ×
 * subject for people. `ej-lesson`; the file format is in ej-csv(5).
 *
 * Writes go into the store's open write transaction through the journal
 * (journal.h), which resolves names, checks dates and permissions and
 * creates a lesson on first use; every bad input is reported at its
 * FILE:LINE and the caller rolls back.
 */
#ifndef EJ_LESSONS_H
#define EJ_LESSONS_H

#include <stdio.h>

#include "csvio.h"
#include "journal.h"

/*
 * One lesson as the user wrote it, on the command line or in a row. NULL
 * means "not given": the stored value stays (a new lesson: number 1, the
 * whole class, taught by the acting person, no topic or homework). An
 * empty topic or homework given on the command line clears it.
 */
struct ej_lesson_in {
	const char *class_name;
	const char *subject;
	const char *date;        /* 2020-09-15, 15.09.2020, 15.09 */
	const char *num;         /* the subject's lesson that day, 1..9 */
	const char *subgroup;    /* 0 (whole class) .. the subject's groups */
	const char *topic;
	const char *homework;
	const char *teacher;     /* login of who taught it (a substitute) */
};

/* Columns of a lessons file, in export order. */
enum {
	EJ_LESSON_CLASS,
	EJ_LESSON_SUBJECT,
	EJ_LESSON_DATE,
	EJ_LESSON_NUM,
	EJ_LESSON_SUBGROUP,
	EJ_LESSON_TOPIC,
	EJ_LESSON_HOMEWORK,
	EJ_LESSON_TEACHER,
	EJ_LESSON_NCOLS
};

/*
 * The known columns for ej_csv_open(), into the caller's cols (which must
 * outlive the reader). class and subject are required unless the caller
 * supplies them for every row (have_class, have_subject).
 */
void ej_lessons_columns(struct ej_csv_col cols[EJ_LESSON_NCOLS],
    int have_class, int have_subject);

/*
 * Set one lesson from the command line. Counts into st; *what gets the
 * commit summary's subject ("5А Алгебра"), a new string, when the lesson
 * was valid. 0, or -1 with the errors in d (the caller rolls back).
 */
int ej_lessons_set(struct ej_journal *j, const struct ej_lesson_in *in,
    struct ej_journal_stats *st, char **what, struct ej_diag *d);

/*
 * Import every record of r. class_name and subject (or NULL) stand for
 * the columns of those names when a row leaves them empty or the file has
 * none. Every bad row is reported; 0 when all were good, -1 otherwise.
 * *what as for ej_lessons_set, naming the class × subject pairs changed.
 */
int ej_lessons_import(struct ej_journal *j, struct ej_csv_reader *r,
    const char *class_name, const char *subject,
    struct ej_journal_stats *st, char **what, struct ej_diag *d);

/* Which lessons export and list see; NULL: no restriction. */
struct ej_lessons_filter {
	const char *class_name;
	const char *subject;
	const char *from, *to;   /* dates, inclusive */
};

/* The lessons of the academic year as CSV, in the import's columns. */
int ej_lessons_export(struct ej_journal *j, const struct ej_lessons_filter *f,
    struct ej_csv_writer *w, struct ej_diag *d);

/* One class × subject (both required) as an aligned table for people:
 * date, number, topic, homework. */
int ej_lessons_list(struct ej_journal *j, const struct ej_lessons_filter *f,
    FILE *out, struct ej_diag *d);

#endif
