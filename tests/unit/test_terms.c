/* Unit tests for lib/terms.c: the average, the suggested period mark and
 * the minimum-marks rule (DOMAIN.md), and how periods and period marks are
 * written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "terms.h"

/* The defaults of DOMAIN.md: 5 ≥ 4.60, 4 ≥ 3.60, 3 ≥ 2.60; 3 a quarter. */
static const struct ej_terms_rule quarter = { {460, 360, 260}, 3, 1 };

#define N(a) (sizeof (a) / sizeof (a)[0])

static struct ej_terms_suggestion
suggest(const struct ej_terms_mark *m, size_t n,
    const struct ej_terms_rule *r)
{
	struct ej_terms_suggestion s;

	memset(&s, 0xa5, sizeof s);
	ej_terms_suggest(m, n, r, &s);
	return s;
}

static void
test_domain_example(void **state)
{
	/* 5 (контрольная, weight 2) and 3 (weight 1) → (10 + 3) / 3 = 4.33 */
	static const struct ej_terms_mark m[] = { {5, 200}, {3, 100} };
	struct ej_terms_rule two = quarter;
	struct ej_terms_suggestion s;
	char buf[24];

	(void)state;
	two.min_marks = 2;
	s = suggest(m, N(m), &two);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.average, 433);
	assert_string_equal(ej_terms_format(s.average, buf, sizeof buf),
	    "4.33");
	assert_string_equal(s.mark, "4");
	/* The same two marks fall short of a quarter's three. */
	s = suggest(m, N(m), &quarter);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.average, 433);
	assert_string_equal(s.mark, "н/а");
}

static void
test_threshold_edges(void **state)
{
	(void)state;
	assert_string_equal(ej_terms_grade(500, &quarter), "5");
	assert_string_equal(ej_terms_grade(460, &quarter), "5");
	assert_string_equal(ej_terms_grade(459, &quarter), "4");
	assert_string_equal(ej_terms_grade(360, &quarter), "4");
	assert_string_equal(ej_terms_grade(359, &quarter), "3");
	assert_string_equal(ej_terms_grade(260, &quarter), "3");
	assert_string_equal(ej_terms_grade(259, &quarter), "2");
	assert_string_equal(ej_terms_grade(100, &quarter), "2");
}

/* Averages that land exactly on a threshold, from marks: no binary
 * fraction may push 4.60 below 4.60. */
static void
test_edges_from_marks(void **state)
{
	struct ej_terms_mark m[100];
	struct ej_terms_suggestion s;
	size_t i;

	(void)state;
	/* 5 5 5 4 4 → 23 / 5 = 4.60 */
	for (i = 0; i < 5; i++)
		m[i] = (struct ej_terms_mark){ i < 3 ? 5 : 4, 100 };
	s = suggest(m, 5, &quarter);
	assert_int_equal(s.average, 460);
	assert_string_equal(s.mark, "5");
	/* 59 fives and 41 fours → 459 / 100 = 4.59 */
	for (i = 0; i < 100; i++)
		m[i] = (struct ej_terms_mark){ i < 59 ? 5 : 4, 100 };
	s = suggest(m, 100, &quarter);
	assert_int_equal(s.count, 100);
	assert_int_equal(s.average, 459);
	assert_string_equal(s.mark, "4");
	/* 4 (weight 2) and 3 → 11 / 3 = 3.666…, shown 3.67 */
	m[0] = (struct ej_terms_mark){ 4, 200 };
	m[1] = (struct ej_terms_mark){ 3, 100 };
	m[2] = (struct ej_terms_mark){ 4, 0 };  /* weight 0: not counted */
	s = suggest(m, 3, &(struct ej_terms_rule){ {460, 360, 260}, 2, 1 });
	assert_int_equal(s.count, 2);
	assert_int_equal(s.average, 367);
	assert_string_equal(s.mark, "4");
	/* Rounding is half up: 2 (weight 3) and 3 (weight 5) → 21 / 8 =
	 * 2.625 → 2.63 */
	m[0] = (struct ej_terms_mark){ 2, 300 };
	m[1] = (struct ej_terms_mark){ 3, 500 };
	s = suggest(m, 2, &quarter);
	assert_int_equal(s.average, 263);
}

static void
test_minimum_marks(void **state)
{
	static const struct ej_terms_mark m[] = { {5, 100}, {5, 100},
	    {5, 100}, {5, 100}, {5, 100} };
	struct ej_terms_rule half = quarter;
	struct ej_terms_suggestion s;

	(void)state;
	half.min_marks = 5;
	s = suggest(m, 2, &quarter);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.average, 500);
	assert_string_equal(s.mark, "н/а");
	s = suggest(m, 3, &quarter);
	assert_string_equal(s.mark, "5");
	s = suggest(m, 4, &half);
	assert_string_equal(s.mark, "н/а");
	s = suggest(m, 5, &half);
	assert_string_equal(s.mark, "5");
	/* No marks at all: no average, н/а even when no minimum is set. */
	half.min_marks = 0;
	s = suggest(NULL, 0, &half);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.average, -1);
	assert_string_equal(s.mark, "н/а");
}

static void
test_weights_off(void **state)
{
	static const struct ej_terms_mark m[] = { {5, 200}, {3, 100},
	    {4, 0} };
	struct ej_terms_rule plain = quarter;
	struct ej_terms_suggestion s;

	(void)state;
	plain.weights = 0;
	/* (5 + 3 + 4) / 3 = 4.00: every mark counts once, weight 0 too */
	s = suggest(m, N(m), &plain);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.average, 400);
	assert_string_equal(s.mark, "4");
	/* (5 + 3) / 2 = 4.00 where the weighted one is 4.33 */
	plain.min_marks = 2;
	s = suggest(m, 2, &plain);
	assert_int_equal(s.average, 400);
}

static void
test_values_out_of_scale_skipped(void **state)
{
	static const struct ej_terms_mark m[] = { {0, 100}, {6, 100},
	    {2, 100}, {2, 100}, {3, 100} };
	struct ej_terms_suggestion s;

	(void)state;
	s = suggest(m, N(m), &quarter);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.average, 233);
	assert_string_equal(s.mark, "2");
}

static void
test_format_and_hundredths(void **state)
{
	char buf[24];
	int v = -1;

	(void)state;
	assert_string_equal(ej_terms_format(433, buf, sizeof buf), "4.33");
	assert_string_equal(ej_terms_format(500, buf, sizeof buf), "5.00");
	assert_string_equal(ej_terms_format(205, buf, sizeof buf), "2.05");
	assert_string_equal(ej_terms_format(-1, buf, sizeof buf), "");
	assert_int_equal(ej_terms_hundredths("4.60", &v), 0);
	assert_int_equal(v, 460);
	assert_int_equal(ej_terms_hundredths("4.6", &v), 0);
	assert_int_equal(v, 460);
	assert_int_equal(ej_terms_hundredths("3,65", &v), 0);
	assert_int_equal(v, 365);
	assert_int_equal(ej_terms_hundredths("4", &v), 0);
	assert_int_equal(v, 400);
	v = -7;
	assert_int_equal(ej_terms_hundredths("", &v), -1);
	assert_int_equal(ej_terms_hundredths("4.", &v), -1);
	assert_int_equal(ej_terms_hundredths("4.605", &v), -1);
	assert_int_equal(ej_terms_hundredths("x", &v), -1);
	assert_int_equal(ej_terms_hundredths("100", &v), -1);
	assert_int_equal(v, -7);
}

static void
test_period_parse(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(ej_terms_period_parse("1", out), 0);
	assert_string_equal(out, "1");
	assert_int_equal(ej_terms_period_parse(" 4 ", out), 0);
	assert_string_equal(out, "4");
	assert_int_equal(ej_terms_period_parse("III", out), 0);
	assert_string_equal(out, "3");
	assert_int_equal(ej_terms_period_parse("Год", out), 0);
	assert_string_equal(out, "year");
	assert_int_equal(ej_terms_period_parse("годовая", out), 0);
	assert_string_equal(out, "year");
	assert_int_equal(ej_terms_period_parse("EXAM", out), 0);
	assert_string_equal(out, "exam");
	assert_int_equal(ej_terms_period_parse("экзамен", out), 0);
	assert_string_equal(out, "exam");
	assert_int_equal(ej_terms_period_parse("Итоговая", out), 0);
	assert_string_equal(out, "final");
	assert_int_equal(ej_terms_period_parse("0", out), -1);
	assert_int_equal(ej_terms_period_parse("5", out), -1);
	assert_int_equal(ej_terms_period_parse("12", out), -1);
	assert_int_equal(ej_terms_period_parse("1 четверть", out), -1);
	assert_int_equal(ej_terms_period_parse("", out), -1);
	assert_int_equal(ej_terms_period_parse("\xff", out), -1);
}

static void
mark_is(const char *in, const char *scale, int passfail, const char *want)
{
	char out[16];

	assert_int_equal(ej_terms_mark_parse(in, scale, passfail, out), 0);
	assert_string_equal(out, want);
}

static void
not_mark(const char *in, const char *scale, int passfail)
{
	char out[16];

	assert_int_equal(ej_terms_mark_parse(in, scale, passfail, out), -1);
}

static void
test_mark_parse(void **state)
{
	(void)state;
	mark_is("5", "5,4,3,2", 0, "5");
	mark_is(" 2 ", "5,4,3,2", 0, "2");
	mark_is("1", "5,4,3,2,1", 0, "1");
	mark_is("Н/А", "5,4,3,2", 0, "н/а");
	mark_is("na", "5,4,3,2", 0, "н/а");
	mark_is("не аттестован", "5,4,3,2", 0, "н/а");
	mark_is("осв", "5,4,3,2", 0, "осв");
	mark_is("освобождён", "5,4,3,2", 0, "осв");
	mark_is("зач", NULL, 1, "зач");
	mark_is("Зачёт", NULL, 1, "зач");
	mark_is("nezach", NULL, 1, "незач");
	mark_is("н/а", NULL, 1, "н/а");
	mark_is("осв", NULL, 1, "осв");
	not_mark("1", "5,4,3,2", 0);
	not_mark("6", "5,4,3,2", 0);
	not_mark("4+", "5,4,3,2", 0);
	not_mark("", "5,4,3,2", 0);
	not_mark("долг", "5,4,3,2", 0);
	not_mark("зач", "5,4,3,2", 0);
	not_mark("5", "5,4,3,2", 1);
	not_mark("долг", NULL, 1);
	not_mark("\xfe", "5,4,3,2", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_example),
		cmocka_unit_test(test_threshold_edges),
		cmocka_unit_test(test_edges_from_marks),
		cmocka_unit_test(test_minimum_marks),
		cmocka_unit_test(test_weights_off),
		cmocka_unit_test(test_values_out_of_scale_skipped),
		cmocka_unit_test(test_format_and_hundredths),
		cmocka_unit_test(test_period_parse),
		cmocka_unit_test(test_mark_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
