/*
 * date — school dates and times.
 *
 * A school date is an int: days since 1970-01-01 (proleptic Gregorian),
 * printed as YYYY-MM-DD. Input accepts 2020-09-01, 01.09.2020 and 01.09
 * (the year taken from the academic year: September..December belong to
 * its first calendar year, January..August to its second).
 */
#ifndef EJ_DATE_H
#define EJ_DATE_H

#include <stddef.h>
#include <time.h>

#define EJ_DATE_LEN 11   /* "YYYY-MM-DD" + NUL */

/* First calendar year of the academic year, for "DD.MM"; 0 = none known. */
struct ej_yearctx {
	int first_year;      /* 2020 for 2020-2021 */
	int start, end;      /* first and last day of the year, or 0 when unknown */
};

/*
 * Days from a calendar date; -1 when the date does not exist or its year
 * is outside 1900..2999 (then *out is untouched).
 */
int ej_date_from_ymd(int y, int m, int d, int *out);
void ej_date_to_ymd(int days, int *y, int *m, int *d);

/*
 * Parse a date in any accepted form: YYYY-MM-DD (two-digit month and day),
 * D.M.YYYY or DD.MM.YYYY, D.M or DD.MM; surrounding blanks are ignored.
 * Returns 0, or -1 when s is not a date (then *out is untouched). yc may be
 * NULL: "DD.MM" is then refused, as it is when yc->first_year is 0.
 * The date is not checked against yc->start/end: callers check that it
 * falls within the academic year.
 */
int ej_date_parse(const char *s, const struct ej_yearctx *yc, int *out);
/* Strict YYYY-MM-DD, as stored. */
int ej_date_parse_iso(const char *s, int *out);
/* Outside 1900..2999 prints "0000-00-00", which no parser accepts. */
void ej_date_format(int days, char buf[EJ_DATE_LEN]);
/* 1 = Monday … 7 = Sunday */
int ej_date_weekday(int days);
/* Today in local time. */
int ej_date_today(void);

/*
 * "08:30", "8.30", "8:30" → minutes since midnight (hours 0..23, minutes
 * 0..59, two digits); 0, or -1 when invalid (then *minutes is untouched).
 */
int ej_time_parse(const char *s, int *minutes);
/* "HH:MM"; "--:--" when minutes is outside 0..1439. */
void ej_time_format(int minutes, char buf[6]);

/*
 * Weekday names: "понедельник"/"пн"/"monday"/"mon"/"1" (any case) → 1..7;
 * -1 when not a weekday.
 */
int ej_weekday_parse(const char *s);

/* Current time as UTC ISO 8601 "2020-09-15T10:04:05Z" (buf ≥ 21). */
void ej_timestamp_now(char buf[21]);
void ej_timestamp_format(time_t t, char buf[21]);

#endif
