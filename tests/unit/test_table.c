/*
 * table: format names, text alignment by display width (Cyrillic),
 * wrapping and splitting to 80 columns, CSV quoting and neutralising,
 * JSON escaping and numbers, HTML escaping, sections and documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "table.h"
#include "text.h"

/* Write t (or doc) in fmt into a string. */
static char *
render(const struct ej_table *t, const struct ej_doc *doc,
    enum ej_format fmt)
{
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *f = open_memstream(&buf, &len);
	FILE *e = open_memstream(&ebuf, &elen);
	struct ej_diag d;

	assert_non_null(f);
	assert_non_null(e);
	ej_diag_init(&d, "test", e);
	if (doc != NULL)
		assert_int_equal(ej_doc_write(doc, fmt, f, &d), 0);
	else
		assert_int_equal(ej_table_write(t, fmt, f, &d), 0);
	fclose(f);
	fclose(e);
	assert_int_equal(elen, 0);
	free(ebuf);
	return buf;
}

static struct ej_table *
pupils(void)
{
	struct ej_table *t = ej_table_new(NULL);

	ej_table_col(t, "pupil", "Ученик", 0);
	ej_table_col(t, "average", "Ср.", EJ_COL_NUM);
	ej_table_col(t, "mark", "Отметка", 0);
	ej_table_row(t);
	ej_table_cell(t, "Петров Пётр");
	ej_table_cell(t, "4.33");
	ej_table_cell(t, "4");
	ej_table_row(t);
	ej_table_cell(t, "Ли Ян");
	ej_table_cell(t, "10.5");
	ej_table_cell(t, "н/а");
	return t;
}

static void
test_format_parse(void **state)
{
	char *ebuf = NULL;
	size_t elen = 0;
	FILE *e = open_memstream(&ebuf, &elen);
	struct ej_diag d;
	enum ej_format f = EJ_FMT_TEXT;

	(void)state;
	ej_diag_init(&d, "test", e);
	assert_int_equal(ej_format_parse("JSON", EJ_FMT_ALL, &f, &d), 0);
	assert_int_equal(f, EJ_FMT_JSON);
	assert_int_equal(ej_format_parse("html", EJ_FMT_BIT(EJ_FMT_TEXT) |
	    EJ_FMT_BIT(EJ_FMT_CSV), &f, &d), -1);
	assert_int_equal(ej_format_parse("xml", EJ_FMT_ALL, &f, &d), -1);
	assert_int_equal(d.code, 2);
	fclose(e);
	assert_non_null(strstr(ebuf, "unknown format 'html' (one of: text, csv)"));
	assert_non_null(strstr(ebuf,
	    "unknown format 'xml' (one of: text, csv, tsv, json, html)"));
	assert_string_equal(ej_format_name(EJ_FMT_TSV), "tsv");
	free(ebuf);
}

static void
test_text_cyrillic(void **state)
{
	struct ej_table *t = pupils();
	char *s = render(t, NULL, EJ_FMT_TEXT);

	(void)state;
	/* Widths: 11 (Петров Пётр), 4 (10.5), 7 (Отметка); numbers right. */
	assert_string_equal(s,
	    "Ученик        Ср.  Отметка\n"
	    "-----------  ----  -------\n"
	    "Петров Пётр  4.33  4\n"
	    "Ли Ян        10.5  н/а\n");
	free(s);
	ej_table_free(t);
}

static void
test_text_wrap(void **state)
{
	struct ej_table *t = ej_table_new("Темы");
	char *s, *line, *save = NULL;
	const char *topic = "Сложение и вычитание десятичных дробей, "
	    "округление чисел, прикидка и оценка результата вычислений";
	int lines = 0;

	(void)state;
	ej_table_col(t, "date", "Дата", EJ_COL_NOWRAP);
	ej_table_col(t, "topic", "Тема", 0);
	ej_table_col(t, "homework", "Задание", 0);
	ej_table_row(t);
	ej_table_cell(t, "2020-09-01");
	ej_table_cell(t, topic);
	ej_table_cell(t, "№ 123, 124, 125 (устно), с. 45–46 — читать");
	s = render(t, NULL, EJ_FMT_TEXT);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(ej_text_width(line) <= 80);
		lines++;
	}
	assert_true(lines > 4);		/* title, heading, rule, ≥ 2 rows */
	free(s);
	/* Every word of the topic is still there. */
	s = render(t, NULL, EJ_FMT_TEXT);
	assert_non_null(strstr(s, "вычислений"));
	assert_non_null(strstr(s, "2020-09-01  Сложение"));
	free(s);
	ej_table_free(t);
}

static void
test_text_split(void **state)
{
	struct ej_table *t = ej_table_new(NULL);
	char *s, *line, *save = NULL;
	int i, heads = 0;

	(void)state;
	ej_table_col(t, "pupil", "Ученик", 0);
	for (i = 0; i < 30; i++) {
		char k[16];

		snprintf(k, sizeof k, "%02d.09", i + 1);
		ej_table_col(t, k, k, EJ_COL_NUM);
	}
	ej_table_row(t);
	ej_table_cell(t, "Петров Пётр");
	for (i = 0; i < 30; i++)
		ej_table_cell(t, i % 2 ? "5" : "н");
	s = render(t, NULL, EJ_FMT_TEXT);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(ej_text_width(line) <= 80);
		if (strncmp(line, "Ученик", strlen("Ученик")) == 0)
			heads++;
	}
	assert_true(heads >= 3);	/* 30 × 7 columns: three blocks */
	free(s);
	ej_table_free(t);
}

static void
test_csv(void **state)
{
	struct ej_table *t = ej_table_new("ignored in CSV");
	char *s;

	(void)state;
	ej_table_col(t, "name", "Имя", 0);
	ej_table_col(t, "note", NULL, 0);
	ej_table_row(t);
	ej_table_cell(t, "Иванов, Иван");
	ej_table_cell(t, "сказал \"да\"");
	ej_table_row(t);
	ej_table_cell(t, "=HYPERLINK(\"x\")");
	ej_table_cell(t, "-5");
	s = render(t, NULL, EJ_FMT_CSV);
	assert_string_equal(s,
	    "name,note\n"
	    "\"Иванов, Иван\",\"сказал \"\"да\"\"\"\n"
	    "\"'=HYPERLINK(\"\"x\"\")\",-5\n");
	free(s);
	s = render(t, NULL, EJ_FMT_TSV);
	assert_string_equal(s,
	    "name\tnote\n"
	    "Иванов, Иван\t\"сказал \"\"да\"\"\"\n"
	    "\"'=HYPERLINK(\"\"x\"\")\"\t-5\n");
	free(s);
	ej_table_free(t);
}

static void
test_json(void **state)
{
	struct ej_table *t = pupils();
	char *s;

	(void)state;
	ej_table_row(t);
	ej_table_cell(t, "Quote \" back\\slash\ttab</script>");
	ej_table_cell(t, NULL);
	ej_table_cell(t, "5");
	s = render(t, NULL, EJ_FMT_JSON);
	assert_string_equal(s,
	    "[\n"
	    "  {\n"
	    "    \"pupil\": \"Петров Пётр\",\n"
	    "    \"average\": 4.33,\n"
	    "    \"mark\": \"4\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"pupil\": \"Ли Ян\",\n"
	    "    \"average\": 10.5,\n"
	    "    \"mark\": \"н/а\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"pupil\": \"Quote \\\" back\\\\slash\\ttab</script>\",\n"
	    "    \"average\": null,\n"
	    "    \"mark\": \"5\"\n"
	    "  }\n"
	    "]\n");
	free(s);
	ej_table_free(t);
}

/*
 * JSON is written as a stream; jansson is the reference: read back and
 * dumped with the same flags, every document must come out byte for byte
 * the same — escapes, numbers (integers, reals, exponents), invalid UTF-8,
 * sections, several tables, empty ones.
 */
static void
same_as_jansson(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	char *back;

	if (j == NULL)
		fail_msg("not JSON: %s (line %d): %s", err.text, err.line, s);
	back = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));
	assert_non_null(back);
	assert_true(strlen(s) > 0 && s[strlen(s) - 1] == '\n');
	assert_int_equal(strlen(back), strlen(s) - 1);
	assert_memory_equal(back, s, strlen(back));
	free(back);
	json_decref(j);
}

static void
test_json_stream(void **state)
{
	static const char *const cells[] = {
		"0", "-0", "42", "-17", "123456789012345", "1234567890123456",
		"4.00", "4.33", "-0.5", "0.000001", "123456789012345.5",
		"99999999.999999", "1.", ".5", "1e5", "5-", "н/а", "",
		"tab\tnl\ncr\r\x01\x1f\x7f", "\"q\" \\ /", "\xff\xfe",
		"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
		"\xf0\x9f\x98\x80 ok", "Ёлка", "\xe2\x80\xa8",
	};
	size_t nc = sizeof cells / sizeof cells[0], i, k;
	struct ej_doc *doc = ej_doc_new(NULL);
	struct ej_table *a = ej_table_new(NULL), *b = ej_table_new(NULL),
	    *e = ej_table_new(NULL), *dup = ej_table_new(NULL);
	char *s;

	(void)state;
	ej_table_col(a, "num", NULL, EJ_COL_NUM);
	ej_table_col(a, "text", NULL, 0);
	ej_table_col(a, "n2", NULL, EJ_COL_NUM);
	for (i = 0; i < nc; i++) {
		if (i == nc / 2)
			ej_table_section(a, cells[i % nc]);
		ej_table_row(a);
		ej_table_cell(a, cells[i]);
		ej_table_cell(a, cells[(i + 7) % nc]);
		ej_table_cell(a, cells[(i + 3) % nc]);
	}
	s = render(a, NULL, EJ_FMT_JSON);
	same_as_jansson(s);
	/* a real is never written as an integer, an exponent has no '+' */
	assert_non_null(strstr(s, "\"num\": 4.0,"));
	assert_non_null(strstr(s, "\"num\": 123456789012345.0,") ||
	    strstr(s, "\"num\": 123456789012346.0,"));
	assert_non_null(strstr(s, "\"num\": \"1234567890123456\""));
	assert_non_null(strstr(s, "\\u0001\\u001F"));
	assert_non_null(strstr(s, "\"\xef\xbf\xbd\""));
	free(s);
	/* sections from the first row, several tables, an empty one */
	ej_table_key(b, "b");
	ej_table_section_key(b, "who");
	ej_table_col(b, "v", NULL, EJ_COL_NUM);
	for (k = 0; k < 3; k++) {
		ej_table_section(b, cells[20 + k]);
		ej_table_row(b);
		ej_table_cell(b, cells[k + 6]);
	}
	ej_table_key(e, "empty");
	ej_table_col(e, "x", NULL, 0);
	ej_table_key(a, "a");
	ej_doc_add(doc, a);
	ej_doc_add(doc, b);
	ej_doc_add(doc, e);
	s = render(NULL, doc, EJ_FMT_JSON);
	same_as_jansson(s);
	assert_non_null(strstr(s, "\"empty\": []\n}"));
	free(s);
	ej_doc_free(doc);
	/* keys that repeat: jansson's object keeps one of them */
	ej_table_col(dup, "k", NULL, 0);
	ej_table_col(dup, "k", NULL, 0);
	ej_table_row(dup);
	ej_table_cell(dup, "1");
	ej_table_cell(dup, "2");
	s = render(dup, NULL, EJ_FMT_JSON);
	same_as_jansson(s);
	assert_string_equal(s, "[\n  {\n    \"k\": \"2\"\n  }\n]\n");
	free(s);
	ej_table_free(dup);
}

static void
test_html(void **state)
{
	struct ej_doc *doc = ej_doc_new("<Сводная> & \"ведомость\"");
	struct ej_table *t = ej_table_new("5А");
	char *s;

	(void)state;
	ej_table_col(t, "pupil", "Ученик", 0);
	ej_table_col(t, "n", "N", EJ_COL_NUM);
	ej_table_section(t, "Математика");
	ej_table_row(t);
	ej_table_cell(t, "<b>O'Neil</b> & Co");
	ej_table_cell(t, "3");
	ej_table_chart(t, "Отметки", 0, 1);
	ej_doc_add(doc, t);
	ej_doc_landscape(doc, 1);
	s = render(NULL, doc, EJ_FMT_HTML);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s,
	    "<h1>&lt;Сводная&gt; &amp; &quot;ведомость&quot;</h1>"));
	assert_non_null(strstr(s,
	    "<td>&lt;b&gt;O&#39;Neil&lt;/b&gt; &amp; Co</td>"));
	assert_null(strstr(s, "<b>O"));
	assert_non_null(strstr(s, "<td class=\"n\">3</td>"));
	assert_non_null(strstr(s, "<th colspan=\"2\">Математика</th>"));
	assert_non_null(strstr(s, "@page { size: A4 landscape;"));
	assert_non_null(strstr(s, "@media print"));
	assert_non_null(strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_null(strstr(s, "<link"));
	assert_null(strstr(s, "<script"));
	free(s);
	ej_doc_free(doc);
}

static void
test_sections_and_docs(void **state)
{
	struct ej_doc *doc = ej_doc_new(NULL);
	struct ej_table *a = ej_table_new("A"), *b = ej_table_new("B");
	char *s;

	(void)state;
	ej_table_key(a, "marks");
	ej_table_section_key(a, "pupil");
	ej_table_col(a, "mark", NULL, EJ_COL_NUM);
	ej_table_section(a, "Петров");
	ej_table_row(a);
	ej_table_cell(a, "5");
	ej_table_section(a, "Сидоров");
	ej_table_row(a);
	ej_table_cell(a, "3");
	ej_table_key(b, "totals");
	ej_table_col(b, "n", NULL, EJ_COL_NUM);
	ej_table_row(b);
	ej_table_cell(b, "2");
	ej_doc_add(doc, a);
	ej_doc_add(doc, b);
	s = render(NULL, doc, EJ_FMT_CSV);
	assert_string_equal(s, "pupil,mark\nПетров,5\nСидоров,3\n\nn\n2\n");
	free(s);
	s = render(NULL, doc, EJ_FMT_JSON);
	assert_non_null(strstr(s, "\"marks\": ["));
	assert_non_null(strstr(s, "\"pupil\": \"Сидоров\",\n      \"mark\": 3"));
	assert_non_null(strstr(s, "\"totals\": ["));
	free(s);
	s = render(NULL, doc, EJ_FMT_TEXT);
	assert_non_null(strstr(s, "== Петров ==\n   5\n\n== Сидоров ==\n   3\n"));
	free(s);
	assert_int_equal(ej_table_nrows(a), 2);
	assert_string_equal(ej_table_get(a, 1, 0), "3");
	assert_string_equal(ej_table_get(a, 5, 0), "");
	ej_doc_free(doc);
}

static void
test_fmt_num(void **state)
{
	char b[32];

	(void)state;
	ej_table_fmt_num(b, sizeof b, 13.0 / 3.0, 2);
	assert_string_equal(b, "4.33");
	ej_table_fmt_num(b, sizeof b, 2.0 / 3.0 * 100, 1);
	assert_string_equal(b, "66.7");
	ej_table_fmt_num(b, sizeof b, 4.005, 2);
	assert_string_equal(b, "4.01");
	ej_table_fmt_num(b, sizeof b, 100, 0);
	assert_string_equal(b, "100");
	ej_table_fmt_num(b, sizeof b, -0.5, 1);
	assert_string_equal(b, "-0.5");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_text_cyrillic),
		cmocka_unit_test(test_text_wrap),
		cmocka_unit_test(test_text_split),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_sections_and_docs),
		cmocka_unit_test(test_fmt_num),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
