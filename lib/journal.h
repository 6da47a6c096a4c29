/*
 * journal — lessons, marks and attendance (DOMAIN.md): the school's rules
 * checked once, for every command that writes the journal (ej-grade,
 * ej-attend, ej-lesson) and the reports that read it.
 *
 * A struct ej_journal holds what one run needs: the year, the mark scale,
 * work types, subjects, holidays, and caches of names already resolved.
 * Functions that check input report at FILE:LINE (file may be NULL for the
 * command line) and return -1 (or 0 for "none"), so that an import lists
 * every bad row and writes nothing.
 */
#ifndef EJ_JOURNAL_H
#define EJ_JOURNAL_H

#include "date.h"
#include "err.h"
#include "store.h"

struct ej_journal;

/* Where a checked value came from, for messages. */
struct ej_where {
	const char *file;        /* NULL: the command line */
	long line;
};

struct ej_journal_stats {
	unsigned long marks_added, marks_changed, marks_removed;
	unsigned long abs_added, abs_changed, abs_removed;
	unsigned long lessons_added, lessons_changed;
	unsigned long terms_added, terms_changed, terms_removed;
};

int ej_journal_open(struct ej_journal **out, struct ej_store *s,
    struct ej_diag *d);
void ej_journal_free(struct ej_journal *j);
struct ej_store *ej_journal_store(struct ej_journal *j);
const struct ej_yearctx *ej_journal_year(const struct ej_journal *j);
long long ej_journal_year_id(const struct ej_journal *j);

/* Names → ids, each reported at w when unknown (0 returned). */
long long ej_journal_class(struct ej_journal *j, const char *name,
    const struct ej_where *w);
long long ej_journal_subject(struct ej_journal *j, const char *name,
    const struct ej_where *w);
/* The work type by name (NULL or "": the school's default). */
long long ej_journal_work(struct ej_journal *j, const char *name,
    const struct ej_where *w);
/* A pupil (id, #ext_id or name) who is in class_id on date; 0 with an
 * error when unknown, ambiguous, or not in that class that day. */
long long ej_journal_pupil(struct ej_journal *j, const char *ref,
    long long class_id, int date, const struct ej_where *w);
/* A school date: in the academic year, not a holiday. -1 with an error. */
int ej_journal_date(struct ej_journal *j, const char *s, int *out,
    const struct ej_where *w);

/* The wide sheet's column (its heading) that the next errors are about,
 * put before their messages: "sheet.csv:12: 15.09: …"; NULL: none. */
void ej_journal_set_column(struct ej_journal *j, const char *col);

const char *ej_journal_class_name(struct ej_journal *j, long long class_id);
const char *ej_journal_subject_name(struct ej_journal *j, long long subject_id);

/*
 * May the acting person write class × subject? Admins and deputies may
 * write anything; a teacher the pairs of their load. Error 77 otherwise.
 */
int ej_journal_may_write(struct ej_journal *j, long long class_id,
    long long subject_id, const struct ej_where *w);

/*
 * The lesson of class × subject (× subgroup) on date, number num (1 = the
 * subject's first lesson that day). With create, made when missing, taught
 * by teacher_id (0: the acting person). 0 when missing and not created;
 * -1 on error. *created is set when it was made now.
 */
long long ej_journal_lesson(struct ej_journal *j, long long class_id,
    long long subject_id, int subgroup, int date, int num, int create,
    long long teacher_id, int *created, const struct ej_where *w);

/*
 * A mark token as the school writes it: "5".."2" (and "1" when allowed),
 * "зач"/"незач" for pass/fail subjects, "долг" (work owed), Latin aliases
 * "zach", "nezach", "dolg", "." (долг). Canonical form into out (≥ 16
 * bytes). 0, or -1 with an error naming the scale.
 */
int ej_journal_mark(struct ej_journal *j, long long subject_id,
    const char *token, char out[16], const struct ej_where *w);
/* An attendance code "н", "у", "б", "оп" or Latin "n", "u", "b", "op"
 * (also "nb"?) into out; -1 when not one (no error reported). */
int ej_journal_code(const char *token, char out[8]);

/*
 * Set the mark of pupil in lesson, cell seq (1, or 2 where the subject
 * allows a second mark). A change of an existing mark needs reason; a
 * mark where the pupil is marked н needs force and reason. Counts into st.
 */
int ej_journal_set_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *mark, long long work_id,
    const char *reason, int force, struct ej_journal_stats *st,
    const struct ej_where *w);
/* Remove a mark (reason required). 0 removed, 1 there was none, -1. */
int ej_journal_rm_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *reason,
    struct ej_journal_stats *st, const struct ej_where *w);
/* Set (code) or clear (code NULL) an absence. A н where the pupil has a
 * mark needs force and reason. */
int ej_journal_set_absence(struct ej_journal *j, long long lesson_id,
    long long pupil_id, const char *code, const char *reason, int force,
    struct ej_journal_stats *st, const struct ej_where *w);

/*
 * The same three with the cell's stored state known to the caller, which
 * read it (bulk writes read a lesson's cells at once): the same rules are
 * checked against c instead of the store, only a change is written (an
 * INSERT where c says the part is empty, else an UPDATE or DELETE), and
 * c is brought to what was written. put_mark takes the lesson's subject
 * (whether it allows a second mark).
 */
struct ej_journal_cell {
	long long pupil;
	char mark[2][16];        /* seq 1 and 2, where has[] */
	long long work[2];
	int has[2];
	char code[8];            /* "" when present */
};
int ej_journal_put_mark(struct ej_journal *j, long long lesson_id,
    long long subject_id, long long pupil_id, int seq, const char *mark,
    long long work_id, const char *reason, int force,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w);
int ej_journal_drop_mark(struct ej_journal *j, long long lesson_id,
    long long pupil_id, int seq, const char *reason,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w);
int ej_journal_put_absence(struct ej_journal *j, long long lesson_id,
    long long pupil_id, const char *code, const char *reason, int force,
    struct ej_journal_cell *c, struct ej_journal_stats *st,
    const struct ej_where *w);
/*
 * Bulk writes: with on, the new marks put_mark writes without a reason
 * are queued and inserted many a statement; each read or other write of
 * marks here writes the queue first, and so must ej_journal_flush()
 * before anything else reads marks (the caller's own queries, the
 * commit). Off writes the queue. 0, or -1 (reported) when a write failed.
 */
int ej_journal_batch(struct ej_journal *j, int on);
int ej_journal_flush(struct ej_journal *j);
/* The same, when a mark of lesson_id is queued: before reading its. */
int ej_journal_flush_lesson(struct ej_journal *j, long long lesson_id);
/* One pupil's stored cell in a lesson, into c. 0 or -1. */
int ej_journal_cell_read(struct ej_journal *j, long long lesson_id,
    long long pupil_id, struct ej_journal_cell *c);
/* Fold a stored part into c: seq 1 or 2 a mark (with its work type),
 * 0 the attendance code. */
void ej_journal_cell_put(struct ej_journal_cell *c, int seq, const char *v,
    long long work_id);

/* "5А Алгебра: +230 marks, ~5, -2; +12 absences; lessons +3" (new). */
char *ej_journal_summary(const char *what, const struct ej_journal_stats *st);
int ej_journal_stats_empty(const struct ej_journal_stats *st);

#endif
