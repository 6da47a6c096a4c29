/*
 * fuzz_parse — the small parsers people's text goes through: dates
 * (lib/date: every accepted form; a date read is printed and read back
 * the same), times, weekdays, class names (lib/config), wide-sheet
 * headings (lib/sheet), and names (lib/text: folding, transliteration,
 * logins from "surname\nname", display width).
 */
#include "config.h"
#include "csvio.h"
#include "date.h"
#include "fuzz.h"
#include "sheet.h"
#include "text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ej_yearctx yc = { 2020, 0, 0 };
	char *s = fuzz_str(data, size), *t, *u, *nl;
	char buf[EJ_DATE_LEN], cls[16], cls2[16], letter[8], work[64], hm[6];
	enum ej_csv_encoding enc;
	int day, again, par, num, min, e;

	ej_date_from_ymd(2020, 9, 1, &yc.start);
	ej_date_from_ymd(2021, 5, 31, &yc.end);
	if (ej_date_parse(s, &yc, &day) == 0) {
		ej_date_format(day, buf);
		if (ej_date_parse_iso(buf, &again) != 0 || again != day)
			abort();
		(void)ej_date_weekday(day);
	}
	if (ej_date_parse_iso(s, &day) == 0) {
		ej_date_format(day, buf);
		if (strcmp(buf, s) != 0)
			abort();
	}
	if (ej_time_parse(s, &min) == 0) {
		ej_time_format(min, hm);
		if (ej_time_parse(hm, &again) != 0 || again != min)
			abort();
	}
	(void)ej_weekday_parse(s);
	if (ej_class_name(s, cls, &par, letter) == 0 &&
	    (ej_class_name(cls, cls2, &num, letter) != 0 || num != par ||
	    strcmp(cls, cls2) != 0))
		abort();
	(void)ej_sheet_heading(s, &yc, &day, &num, work, sizeof work);
	(void)ej_csv_delim_parse(&e, s);
	(void)ej_csv_encoding_parse(&enc, s);
	(void)ej_text_width(s);
	(void)ej_utf8_valid(s, strlen(s));
	if ((t = ej_text_fold(s)) != NULL) {
		/* Folding is idempotent. */
		if ((u = ej_text_fold(t)) == NULL || strcmp(t, u) != 0)
			abort();
		free(u);
		free(t);
	}
	free(ej_text_squeeze(s));
	free(ej_translit(s));
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		free(ej_login_from_name(s, nl + 1));
	} else
		free(ej_login_from_name(s, s));
	free(s);
	return 0;
}
