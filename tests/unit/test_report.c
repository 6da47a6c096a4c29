/*
 * report: the statistics of DOMAIN.md worked out by hand — N with н/а in
 * it and осв/зач out, success, quality, СОУ, the mean of the marks,
 * rounding half up, empty groups; and the names of the kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "report.h"

static struct ej_report_counts
count(const char *const *marks)
{
	struct ej_report_counts c;

	memset(&c, 0, sizeof c);
	for (; *marks; marks++)
		ej_report_count(&c, *marks);
	return c;
}

static void
test_one_of_each(void **state)
{
	static const char *const m[] = { "5", "4", "3", "2", "н/а", "осв",
	    "зач", "незач", NULL };
	struct ej_report_counts c = count(m);
	struct ej_report_stats s;

	(void)state;
	ej_report_stats(&c, &s);
	/* N 5; success 3/5; quality 2/5; СОУ (100+64+36+16+7)/5 = 44.6;
	 * mean (5+4+3+2)/4 = 3.5 — н/а in N, not in the mean. */
	assert_int_equal(s.n, 5);
	assert_int_equal(s.success, 6000);
	assert_int_equal(s.quality, 4000);
	assert_int_equal(s.sou, 4460);
	assert_int_equal(s.average, 350);
}

static void
test_class_of_seventeen(void **state)
{
	/* The CLI test's 5А mathematics: 5×5, 6×4, 4×3, 1×2, 1×н/а. */
	struct ej_report_counts c = { 5, 6, 4, 1, 1, 25 + 24 + 12 + 2 };
	struct ej_report_stats s;

	(void)state;
	ej_report_stats(&c, &s);
	assert_int_equal(s.n, 17);
	assert_int_equal(s.success, 8824);	/* 88.235… */
	assert_int_equal(s.quality, 6471);	/* 64.705… */
	assert_int_equal(s.sou, 6182);		/* 1051/17 = 61.823… */
	assert_int_equal(s.average, 394);	/* 63/16 = 3.9375 */
}

static void
test_rounding_half_up(void **state)
{
	/* 2/3 → 66.67; 1/8 of 100 → 12.50; 3 marks 5,4,4 → 4.33. */
	struct ej_report_counts a = { 1, 1, 0, 0, 1, 9 };
	struct ej_report_counts b = { 0, 0, 0, 1, 0, 2 };
	struct ej_report_counts c = { 1, 2, 0, 0, 0, 13 };
	struct ej_report_stats s;

	(void)state;
	ej_report_stats(&a, &s);
	assert_int_equal(s.success, 6667);
	assert_int_equal(s.sou, 5700);		/* 171/3 = 57 */
	ej_report_stats(&b, &s);
	assert_int_equal(s.success, 0);
	assert_int_equal(s.sou, 1600);
	ej_report_stats(&c, &s);
	assert_int_equal(s.average, 433);
}

static void
test_empty(void **state)
{
	static const char *const m[] = { "осв", "зач", NULL };
	struct ej_report_counts c = count(m);
	struct ej_report_counts na = { 0, 0, 0, 0, 2, 0 };
	struct ej_report_stats s;

	(void)state;
	ej_report_stats(&c, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.success, -1);
	assert_int_equal(s.quality, -1);
	assert_int_equal(s.sou, -1);
	assert_int_equal(s.average, -1);
	/* Only н/а: N 2, success 0, СОУ 7, no mean. */
	ej_report_stats(&na, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.success, 0);
	assert_int_equal(s.sou, 700);
	assert_int_equal(s.average, -1);
}

static void
test_kinds(void **state)
{
	(void)state;
	assert_int_equal(ej_report_kind_parse("summary"), EJ_REPORT_SUMMARY);
	assert_int_equal(ej_report_kind_parse("plan"), EJ_REPORT_PLAN);
	assert_int_equal(ej_report_kind_parse("Summary"), -1);
	assert_int_equal(ej_report_kind_parse(NULL), -1);
	assert_string_equal(ej_report_kind_name(EJ_REPORT_RISK), "risk");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_of_each),
		cmocka_unit_test(test_class_of_seventeen),
		cmocka_unit_test(test_rounding_half_up),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
