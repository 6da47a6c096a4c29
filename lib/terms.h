/*
 * terms — period, year, exam and final marks: set, import, export, and the
 * suggestion from the weighted average (DOMAIN.md). `ej-grade term …`.
 *
 * A period is named within the class's scheme: "1".."4" (quarters for
 * 1–9, half-years for 10–11 by default), or "year", "exam", "final".
 * Averages are kept in hundredths (433 = 4.33) and computed in integers,
 * so that the same marks give the same suggestion on every machine and in
 * every locale, and the suggestion agrees with the average shown.
 */
#ifndef EJ_TERMS_H
#define EJ_TERMS_H

#include <stddef.h>

#include "cli.h"

/*
 * ej-grade term set|rm|import|export|suggest …: argv[0] is "term". Parses
 * its own options (the common ones through ej_cli_option), does the work
 * and exits through ej_cli_exit().
 */
_Noreturn void ej_terms_main(struct ej_cli *c, int argc, char **argv);

/* --------------------------------------------- the suggestion, pure */

/* The school's rule for suggesting a period mark (school.yaml `marks`). */
struct ej_terms_rule {
	int threshold[3];        /* least average for 5, 4, 3, in hundredths
	                          * (460, 360, 260); below the last: 2 */
	int min_marks;           /* fewer current marks than this: н/а */
	int weights;             /* 0: every mark weighs the same */
};

/* One current mark: a value on the scale and its work type's weight. */
struct ej_terms_mark {
	int value;               /* 1..5 */
	int weight;              /* hundredths: контрольная 200 */
};

struct ej_terms_suggestion {
	int count;               /* marks counted */
	long average;            /* hundredths, rounded half up; -1: none */
	const char *mark;        /* "5", "4", "3", "2" or "н/а" (static) */
};

/*
 * Σ(value × weight) / Σ(weight) over m[0..n) (plain average when
 * r->weights is 0; a mark of weight 0 or less counts as weight 1 then,
 * and is skipped otherwise), the mark the thresholds give, and н/а when
 * fewer than r->min_marks marks (or none) were given.
 */
void ej_terms_suggest(const struct ej_terms_mark *m, size_t n,
    const struct ej_terms_rule *r, struct ej_terms_suggestion *out);
/* The mark an average (hundredths) earns: "5", "4", "3" or "2". */
const char *ej_terms_grade(long average, const struct ej_terms_rule *r);
/* "4.33" from 433 into buf (≥ 24 bytes), "" for -1; no locale. */
char *ej_terms_format(long average, char *buf, size_t n);
/* "4.6", "4.60", "4", "4,60" → hundredths (460); 0, or -1 when not a
 * number 0..99.99 with at most two decimals. */
int ej_terms_hundredths(const char *s, int *out);

/* The school's rules for period marks, from its settings (marks.threshold.*,
 * marks.weights, marks.min.*), with the defaults of ej-school.yaml(5). */
struct ej_terms_settings {
	struct ej_terms_rule rule;
	int min_quarter, min_half, min_trimester;
};
void ej_terms_settings(struct ej_store *s, struct ej_terms_settings *out,
    struct ej_diag *d);

/*
 * A period as written: "1".."4" (and Roman I..IV), "year"/"год"/
 * "годовая", "exam"/"экзамен"/"экзаменационная", "final"/"итоговая"
 * (any case) → "1".."4", "year", "exam", "final" in out. 0, or -1 when
 * it is none of these (it may still be a period's name, "1 четверть").
 */
int ej_terms_period_parse(const char *s, char out[8]);
/*
 * A period mark as written, for a subject graded on scale ("5,4,3,2",
 * the setting marks.scale) or pass/fail: a mark of the scale, or зач/
 * незач (zach, nezach, зачёт, незачёт) for a pass/fail subject; н/а
 * (na, n/a, не аттестован) and осв (osv, освобождён) for either.
 * Canonical form into out. 0, or -1 when not one.
 */
int ej_terms_mark_parse(const char *token, const char *scale, int passfail,
    char out[16]);

#endif
