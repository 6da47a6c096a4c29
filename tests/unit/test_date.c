/* Unit tests for lib/date.c: calendar, parsing, weekdays, timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "date.h"

static const struct ej_yearctx y2020 = { 2020, 0, 0 };

static int
days(int y, int m, int d)
{
	int out = -12345;

	assert_int_equal(ej_date_from_ymd(y, m, d, &out), 0);
	return out;
}

static void
no_date(int y, int m, int d)
{
	int out = -12345;

	assert_int_equal(ej_date_from_ymd(y, m, d, &out), -1);
	assert_int_equal(out, -12345);
}

static void
test_from_ymd(void **state)
{
	(void)state;
	assert_int_equal(days(1970, 1, 1), 0);
	assert_int_equal(days(1970, 1, 2), 1);
	assert_int_equal(days(1969, 12, 31), -1);
	assert_int_equal(days(2020, 9, 1), 18506);
	assert_int_equal(days(2000, 2, 29), 11016);
	assert_int_equal(days(1900, 1, 1), -25567);
	assert_int_equal(days(2999, 12, 31), 376199);
	/* Leap years: every 4th, not every 100th, but every 400th. */
	days(2020, 2, 29);
	days(2024, 2, 29);
	days(2000, 2, 29);
	days(2400, 2, 29);
	no_date(2021, 2, 29);
	no_date(2023, 2, 29);
	no_date(1900, 2, 29);
	no_date(2100, 2, 29);
	no_date(2200, 2, 29);
	no_date(2020, 2, 30);
	assert_int_equal(days(1900, 3, 1) - days(1900, 2, 28), 1);
	assert_int_equal(days(2000, 3, 1) - days(2000, 2, 28), 2);
	/* Not dates. */
	no_date(2020, 13, 1);
	no_date(2020, 0, 1);
	no_date(2020, 1, 0);
	no_date(2020, 1, 32);
	no_date(2020, 4, 31);
	no_date(2020, 6, 31);
	no_date(2020, 9, 31);
	no_date(2020, 11, 31);
	no_date(2020, -1, 1);
	no_date(2020, 1, -1);
	/* Outside 1900..2999. */
	no_date(1899, 12, 31);
	no_date(3000, 1, 1);
	no_date(0, 1, 1);
	no_date(-2020, 1, 1);
}

/*
 * Every day of 1900..2999: consecutive numbers, back to the same y-m-d,
 * through both printed forms and back, weekdays in turn.
 */
static void
test_roundtrip_all(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	char buf[EJ_DATE_LEN], ru[32];
	int y, m, d, n, last, yy, mm, dd, wd, back, count = 0;

	(void)state;
	last = days(1900, 1, 1) - 1;
	wd = 7;		/* 1900-01-01 was a Monday */
	for (y = 1900; y <= 2999; y++) {
		for (m = 1; m <= 12; m++) {
			n = mdays[m - 1];
			if (m == 2 && ((y % 4 == 0 && y % 100 != 0) ||
			    y % 400 == 0))
				n = 29;
			for (d = 1; d <= n; d++) {
				int cur = days(y, m, d);

				assert_int_equal(cur, last + 1);
				last = cur;
				ej_date_to_ymd(cur, &yy, &mm, &dd);
				assert_int_equal(yy, y);
				assert_int_equal(mm, m);
				assert_int_equal(dd, d);
				wd = wd % 7 + 1;
				assert_int_equal(ej_date_weekday(cur), wd);

				ej_date_format(cur, buf);
				assert_int_equal(strlen(buf), 10);
				back = -1;
				assert_int_equal(ej_date_parse_iso(buf, &back), 0);
				assert_int_equal(back, cur);
				back = -1;
				assert_int_equal(ej_date_parse(buf, NULL, &back), 0);
				assert_int_equal(back, cur);

				snprintf(ru, sizeof ru, "%02d.%02d.%d", d, m, y);
				back = -1;
				assert_int_equal(ej_date_parse(ru, NULL, &back), 0);
				assert_int_equal(back, cur);
				count++;
			}
			/* The day after the month's last is no date. */
			no_date(y, m, n + 1);
		}
	}
	assert_int_equal(count, days(2999, 12, 31) - days(1900, 1, 1) + 1);
	/* 1100 years: 1100 × 365 + 267 leap days. */
	assert_int_equal(count, 1100 * 365 + 267);
}

static void
test_to_ymd(void **state)
{
	int y, m, d;

	(void)state;
	ej_date_to_ymd(0, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 19700101);
	ej_date_to_ymd(-1, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 19691231);
	ej_date_to_ymd(11016, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 20000229);
	ej_date_to_ymd(-25567, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 19000101);
	ej_date_to_ymd(376199, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 29991231);
}

static void
test_format(void **state)
{
	char buf[EJ_DATE_LEN];

	(void)state;
	ej_date_format(0, buf);
	assert_string_equal(buf, "1970-01-01");
	ej_date_format(18506, buf);
	assert_string_equal(buf, "2020-09-01");
	ej_date_format(-25567, buf);
	assert_string_equal(buf, "1900-01-01");
	/* Outside the valid years: a placeholder the parser refuses. */
	ej_date_format(-25568, buf);
	assert_string_equal(buf, "0000-00-00");
	ej_date_format(376200, buf);
	assert_string_equal(buf, "0000-00-00");
}

static void
parses(const char *s, const struct ej_yearctx *yc, int y, int m, int d)
{
	int out = -12345;

	assert_int_equal(ej_date_parse(s, yc, &out), 0);
	assert_int_equal(out, days(y, m, d));
}

static void
refused(const char *s, const struct ej_yearctx *yc)
{
	int out = -12345;

	assert_int_equal(ej_date_parse(s, yc, &out), -1);
	assert_int_equal(out, -12345);
}

static void
test_parse(void **state)
{
	(void)state;
	parses("2020-09-01", NULL, 2020, 9, 1);
	parses("01.09.2020", NULL, 2020, 9, 1);
	parses("1.9.2020", NULL, 2020, 9, 1);
	parses("1.09.2020", NULL, 2020, 9, 1);
	parses("01.9.2020", NULL, 2020, 9, 1);
	parses("29.02.2024", NULL, 2024, 2, 29);
	parses("  2020-09-01  ", NULL, 2020, 9, 1);
	parses("\t01.09.2020\n", NULL, 2020, 9, 1);
	parses("1900-01-01", NULL, 1900, 1, 1);
	parses("31.12.2999", NULL, 2999, 12, 31);
	/* A year context does not get in the way of full dates. */
	parses("01.09.1999", &y2020, 1999, 9, 1);

	refused("2020-9-1", NULL);
	refused("2020-09-1", NULL);
	refused("2020-9-01", NULL);
	refused("20-09-01", NULL);
	refused("02020-09-01", NULL);
	refused("01.09.20", NULL);
	refused("01.09.020", NULL);
	refused("01.09.02020", NULL);
	refused("001.09.2020", NULL);
	refused("01.009.2020", NULL);
	refused("2020-09-01x", NULL);
	refused("2020-09-01 x", NULL);
	refused("01.09.2020.", NULL);
	refused("01.09.", &y2020);
	refused(".09.2020", NULL);
	refused("01..2020", NULL);
	refused("01/09/2020", NULL);
	refused("2020/09/01", NULL);
	refused("01-09-2020", NULL);
	refused("2020.09.01", NULL);
	refused("+1.9.2020", NULL);
	refused("-1.9.2020", NULL);
	refused("1 .9.2020", NULL);
	refused("", NULL);
	refused("   ", NULL);
	refused("today", NULL);
	refused("１.９.2020", NULL);	/* fullwidth digits */
	/* Well-formed but no such day. */
	refused("2021-02-29", NULL);
	refused("29.02.2021", NULL);
	refused("29.02.1900", NULL);
	refused("2020-13-01", NULL);
	refused("2020-00-10", NULL);
	refused("2020-01-00", NULL);
	refused("32.01.2020", NULL);
	refused("31.04.2020", NULL);
	refused("01.01.1899", NULL);
	refused("01.01.3000", NULL);
	refused("0000-00-00", NULL);
}

static void
test_parse_short(void **state)
{
	struct ej_yearctx none = { 0, 0, 0 };
	struct ej_yearctx y2019 = { 2019, 0, 0 };
	/* start/end are the caller's business, not the parser's. */
	struct ej_yearctx bounded = { 2020, 18506, 18778 };

	(void)state;
	/* September..December: the first calendar year. */
	parses("01.09", &y2020, 2020, 9, 1);
	parses("1.9", &y2020, 2020, 9, 1);
	parses("30.09", &y2020, 2020, 9, 30);
	parses("31.12", &y2020, 2020, 12, 31);
	parses(" 15.10 ", &y2020, 2020, 10, 15);
	/* January..August: the second. */
	parses("01.01", &y2020, 2021, 1, 1);
	parses("31.05", &y2020, 2021, 5, 31);
	parses("31.08", &y2020, 2021, 8, 31);
	parses("15.7", &y2020, 2021, 7, 15);
	parses("31.08", &bounded, 2021, 8, 31);
	/* 29 February exists only when the second year is a leap one. */
	parses("29.02", &y2019, 2020, 2, 29);
	refused("29.02", &y2020);
	/* No year known: refused. */
	refused("01.09", NULL);
	refused("01.09", &none);
	refused("01.13", &y2020);
	refused("00.09", &y2020);
	refused("31.09", &y2020);
	refused("01.09x", &y2020);
	refused("01.09 x", &y2020);
	refused("01", &y2020);
	refused("01.", &y2020);
	refused("01:09", &y2020);
}

static void
test_parse_iso(void **state)
{
	int out = -12345;

	(void)state;
	assert_int_equal(ej_date_parse_iso("2020-09-01", &out), 0);
	assert_int_equal(out, 18506);
	out = -12345;
	/* Strict: no blanks, no other forms. */
	assert_int_equal(ej_date_parse_iso(" 2020-09-01", &out), -1);
	assert_int_equal(ej_date_parse_iso("2020-09-01 ", &out), -1);
	assert_int_equal(ej_date_parse_iso("01.09.2020", &out), -1);
	assert_int_equal(ej_date_parse_iso("2020-9-1", &out), -1);
	assert_int_equal(ej_date_parse_iso("2021-02-29", &out), -1);
	assert_int_equal(ej_date_parse_iso("", &out), -1);
	assert_int_equal(out, -12345);
}

static void
test_weekday(void **state)
{
	(void)state;
	assert_int_equal(ej_date_weekday(0), 4);	/* Thursday */
	assert_int_equal(ej_date_weekday(days(2020, 9, 1)), 2);
	assert_int_equal(ej_date_weekday(days(2000, 1, 1)), 6);
	assert_int_equal(ej_date_weekday(days(1900, 1, 1)), 1);
	assert_int_equal(ej_date_weekday(days(1969, 12, 28)), 7);
	assert_int_equal(ej_date_weekday(days(1969, 12, 29)), 1);
	assert_int_equal(ej_date_weekday(days(2999, 12, 31)), 2);
}

static void
test_today(void **state)
{
	struct tm tm;
	time_t t = time(NULL);
	int today = ej_date_today(), want;

	(void)state;
	assert_non_null(localtime_r(&t, &tm));
	want = days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	/* A midnight between the two calls moves today by one. */
	assert_true(today == want || today + 1 == want);
}

static void
time_is(const char *s, int want)
{
	int out = -12345;

	assert_int_equal(ej_time_parse(s, &out), 0);
	assert_int_equal(out, want);
}

static void
time_bad(const char *s)
{
	int out = -12345;

	assert_int_equal(ej_time_parse(s, &out), -1);
	assert_int_equal(out, -12345);
}

static void
test_time(void **state)
{
	char buf[6];
	int m, back;

	(void)state;
	time_is("08:30", 510);
	time_is("8:30", 510);
	time_is("8.30", 510);
	time_is("08.30", 510);
	time_is("9.00", 540);
	time_is("00:00", 0);
	time_is("0:00", 0);
	time_is("23:59", 1439);
	time_is(" 12:05 ", 725);
	time_bad("24:00");
	time_bad("25:00");
	time_bad("8:60");
	time_bad("8:5");
	time_bad("8:005");
	time_bad("008:30");
	time_bad("830");
	time_bad("8-30");
	time_bad("8,30");
	time_bad("8:30:00");
	time_bad("8:30x");
	time_bad(":30");
	time_bad("8:");
	time_bad("-1:00");
	time_bad("");
	ej_time_format(510, buf);
	assert_string_equal(buf, "08:30");
	ej_time_format(0, buf);
	assert_string_equal(buf, "00:00");
	ej_time_format(1439, buf);
	assert_string_equal(buf, "23:59");
	ej_time_format(1440, buf);
	assert_string_equal(buf, "--:--");
	ej_time_format(-1, buf);
	assert_string_equal(buf, "--:--");
	for (m = 0; m < 24 * 60; m++) {
		ej_time_format(m, buf);
		assert_int_equal(ej_time_parse(buf, &back), 0);
		assert_int_equal(back, m);
	}
}

static void
test_weekday_parse(void **state)
{
	static const char *names[7][6] = {
		{ "понедельник", "пн", "monday", "mon", "ПОНЕДЕЛЬНИК", "Пн" },
		{ "вторник", "вт", "tuesday", "tue", "Вторник", "TUE" },
		{ "среда", "ср", "wednesday", "wed", "СРЕДА", "Wed" },
		{ "четверг", "чт", "thursday", "thu", "ЧеТвЕрГ", "THURSDAY" },
		{ "пятница", "пт", "friday", "fri", "ПЯТНИЦА", "Fri" },
		{ "суббота", "сб", "saturday", "sat", "СБ", "Saturday" },
		{ "воскресенье", "вс", "sunday", "sun", "ВОСКРЕСЕНЬЕ", "ВС" },
	};
	char digit[2] = "0";
	int d, i;

	(void)state;
	for (d = 0; d < 7; d++) {
		for (i = 0; i < 6; i++)
			assert_int_equal(ej_weekday_parse(names[d][i]), d + 1);
		digit[0] = (char)('1' + d);
		assert_int_equal(ej_weekday_parse(digit), d + 1);
	}
	assert_int_equal(ej_weekday_parse("  Пятница "), 5);
	assert_int_equal(ej_weekday_parse("0"), -1);
	assert_int_equal(ej_weekday_parse("8"), -1);
	assert_int_equal(ej_weekday_parse("11"), -1);
	assert_int_equal(ej_weekday_parse("01"), -1);
	assert_int_equal(ej_weekday_parse(""), -1);
	assert_int_equal(ej_weekday_parse("понед"), -1);
	assert_int_equal(ej_weekday_parse("mo"), -1);
	assert_int_equal(ej_weekday_parse("пн вт"), -1);
	assert_int_equal(ej_weekday_parse("\xC0\x80"), -1);
}

static void
test_timestamp(void **state)
{
	char buf[21];
	time_t before, after;
	int d;

	(void)state;
	ej_timestamp_format(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	ej_timestamp_format(1600164245, buf);
	assert_string_equal(buf, "2020-09-15T10:04:05Z");
	ej_timestamp_format((time_t)951782399, buf);
	assert_string_equal(buf, "2000-02-28T23:59:59Z");
	ej_timestamp_format((time_t)951782400, buf);
	assert_string_equal(buf, "2000-02-29T00:00:00Z");
	if (sizeof(time_t) > 4) {
		ej_timestamp_format((time_t)2147483648LL, buf);
		assert_string_equal(buf, "2038-01-19T03:14:08Z");
	}

	before = time(NULL);
	ej_timestamp_now(buf);
	after = time(NULL);
	assert_int_equal(strlen(buf), 20);
	assert_int_equal(buf[10], 'T');
	assert_int_equal(buf[19], 'Z');
	buf[10] = '\0';
	assert_int_equal(ej_date_parse_iso(buf, &d), 0);
	assert_true(d == before / 86400 || d == after / 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_ymd),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_to_ymd),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_parse_iso),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_today),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_weekday_parse),
		cmocka_unit_test(test_timestamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
