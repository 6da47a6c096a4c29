/* date — school dates and times; see date.h. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "text.h"

#define MIN_YEAR 1900
#define MAX_YEAR 2999

/* Days before the first of each month, in a common and in a leap year. */
static const int month_start[2][13] = {
	{ 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 },
	{ 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366 },
};

static const struct {
	const char *name;	/* as ej_text_fold leaves it */
	int day;
} weekdays[] = {
	{ "понедельник", 1 }, { "пн", 1 }, { "monday", 1 }, { "mon", 1 },
	{ "вторник", 2 }, { "вт", 2 }, { "tuesday", 2 }, { "tue", 2 },
	{ "среда", 3 }, { "ср", 3 }, { "wednesday", 3 }, { "wed", 3 },
	{ "четверг", 4 }, { "чт", 4 }, { "thursday", 4 }, { "thu", 4 },
	{ "пятница", 5 }, { "пт", 5 }, { "friday", 5 }, { "fri", 5 },
	{ "суббота", 6 }, { "сб", 6 }, { "saturday", 6 }, { "sat", 6 },
	{ "воскресенье", 7 }, { "вс", 7 }, { "sunday", 7 }, { "sun", 7 },
};

/* Division rounding towards minus infinity, so that dates before 1970
 * (negative day numbers) land in the right year and weekday. */
static long long
floor_div(long long a, long long b)
{
	long long q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in 1..y-1 (extended to any y by floor division). */
static long long
leaps_before(long long y)
{
	return floor_div(y - 1, 4) - floor_div(y - 1, 100) +
	    floor_div(y - 1, 400);
}

/* Day number of 1 January of year y. */
static long long
year_start(long long y)
{
	return 365 * (y - 1970) + leaps_before(y) - leaps_before(1970);
}

/* No validation: for callers that already hold a real date. */
static long long
days_of(long long y, int m, int d)
{
	return year_start(y) + month_start[is_leap(y)][m - 1] + d - 1;
}

int
ej_date_from_ymd(int y, int m, int d, int *out)
{
	int leap;

	if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1)
		return -1;
	leap = is_leap(y);
	if (d > month_start[leap][m] - month_start[leap][m - 1])
		return -1;
	*out = (int)days_of(y, m, d);
	return 0;
}

void
ej_date_to_ymd(int days, int *y, int *m, int *d)
{
	long long yy, doy;
	int leap, mm;

	/* An estimate from the mean Gregorian year, then corrected. */
	yy = 1970 + floor_div((long long)days * 400, 146097);
	while (year_start(yy) > days)
		yy--;
	while (year_start(yy + 1) <= days)
		yy++;
	doy = days - year_start(yy);
	leap = is_leap(yy);
	for (mm = 1; mm < 12 && month_start[leap][mm] <= doy; mm++)
		;
	*y = (int)yy;
	*m = mm;
	*d = (int)(doy - month_start[leap][mm - 1] + 1);
}

/* Write v as exactly n decimal digits. */
static char *
put_digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

void
ej_date_format(int days, char buf[EJ_DATE_LEN])
{
	char *p = buf;
	int y, m, d;

	ej_date_to_ymd(days, &y, &m, &d);
	if (y < MIN_YEAR || y > MAX_YEAR) {
		/* Visibly wrong, and refused by the parser. */
		memcpy(buf, "0000-00-00", EJ_DATE_LEN);
		return;
	}
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p = '\0';
}

static int
is_digit(char c)
{
	/* Not isdigit(): locale-independent, and no sign to worry about. */
	return c >= '0' && c <= '9';
}

/*
 * Read min..max ASCII digits at *p (< end) into *v. Fails when fewer are
 * there, or when more follow: "2020-9-1" and "01.09.20" are not dates.
 */
static int
number(const char **p, const char *end, int min, int max, int *v)
{
	const char *s = *p;
	int n = 0, val = 0;

	while (s < end && n < max && is_digit(*s)) {
		val = val * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n < min || (s < end && is_digit(*s)))
		return -1;
	*p = s;
	*v = val;
	return 0;
}

static int
expect(const char **p, const char *end, char c)
{
	if (*p == end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bounds of s without surrounding blanks. */
static void
trim(const char *s, const char **start, const char **end)
{
	const char *e = s + strlen(s);

	while (is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	*start = s;
	*end = e;
}

static int
parse_iso(const char *p, const char *end, int *out)
{
	int y, m, d;

	if (number(&p, end, 4, 4, &y) == -1 || expect(&p, end, '-') == -1 ||
	    number(&p, end, 2, 2, &m) == -1 || expect(&p, end, '-') == -1 ||
	    number(&p, end, 2, 2, &d) == -1 || p != end)
		return -1;
	return ej_date_from_ymd(y, m, d, out);
}

int
ej_date_parse_iso(const char *s, int *out)
{
	return parse_iso(s, s + strlen(s), out);
}

int
ej_date_parse(const char *s, const struct ej_yearctx *yc, int *out)
{
	const char *p, *end;
	int y, m, d;

	trim(s, &p, &end);
	if (parse_iso(p, end, out) == 0)
		return 0;
	if (number(&p, end, 1, 2, &d) == -1 || expect(&p, end, '.') == -1 ||
	    number(&p, end, 1, 2, &m) == -1)
		return -1;
	if (p == end) {
		/* "DD.MM": the academic year starts in September. */
		if (yc == NULL || yc->first_year == 0)
			return -1;
		y = m >= 9 ? yc->first_year : yc->first_year + 1;
	} else if (expect(&p, end, '.') == -1 ||
	    number(&p, end, 4, 4, &y) == -1 || p != end)
		return -1;
	return ej_date_from_ymd(y, m, d, out);
}

int
ej_date_weekday(int days)
{
	/* 1970-01-01 (day 0) was a Thursday. */
	return (int)((long long)days + 3 - 7 * floor_div((long long)days + 3,
	    7)) + 1;
}

int
ej_date_today(void)
{
	struct tm tm;
	time_t now = time(NULL);

	if (localtime_r(&now, &tm) == NULL)
		return 0;
	return (int)days_of(tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday);
}

int
ej_time_parse(const char *s, int *minutes)
{
	const char *p, *end;
	int h, m;

	trim(s, &p, &end);
	if (number(&p, end, 1, 2, &h) == -1)
		return -1;
	if (expect(&p, end, ':') == -1 && expect(&p, end, '.') == -1)
		return -1;
	if (number(&p, end, 2, 2, &m) == -1 || p != end || h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

void
ej_time_format(int minutes, char buf[6])
{
	char *p = buf;

	if (minutes < 0 || minutes >= 24 * 60) {
		memcpy(buf, "--:--", 6);
		return;
	}
	p = put_digits(p, minutes / 60, 2);
	*p++ = ':';
	p = put_digits(p, minutes % 60, 2);
	*p = '\0';
}

int
ej_weekday_parse(const char *s)
{
	char *f;
	size_t i;
	int day = -1;

	if ((f = ej_text_fold(s)) == NULL)
		return -1;
	if (f[0] >= '1' && f[0] <= '7' && f[1] == '\0')
		day = f[0] - '0';
	for (i = 0; day == -1 && i < sizeof weekdays / sizeof weekdays[0]; i++)
		if (strcmp(f, weekdays[i].name) == 0)
			day = weekdays[i].day;
	free(f);
	return day;
}

void
ej_timestamp_format(time_t t, char buf[21])
{
	struct tm tm;
	char *p = buf;

	/* tm_year is years since 1900; keep to four digits. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		/* Only for a broken clock; the parser refuses year 0. */
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
		return;
	}
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = 'Z';
	*p = '\0';
}

void
ej_timestamp_now(char buf[21])
{
	ej_timestamp_format(time(NULL), buf);
}
