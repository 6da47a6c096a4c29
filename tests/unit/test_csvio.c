/* Unit tests for lib/csvio.c: reading, header matching, errors, writing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "csvio.h"
#include "err.h"

#define DATA "tests/data/csv/"

static const char *const surname_aka[] = { "Фамилия", NULL };
static const char *const name_aka[] = { "Имя", NULL };
static const char *const patr_aka[] = { "Отчество", NULL };
static const char *const class_aka[] = { "Класс", NULL };
static const char *const birth_aka[] = { "Дата рождения", "birth date",
	NULL };

enum { C_SURNAME, C_NAME, C_PATR, C_CLASS, C_BIRTH, C_N };

static const struct ej_csv_col pupil_cols[C_N] = {
	{ "surname", surname_aka, 1 },
	{ "name", name_aka, 1 },
	{ "patronymic", patr_aka, 0 },
	{ "class", class_aka, 1 },
	{ "birth_date", birth_aka, 0 },
};

static const struct ej_csv_col ab_cols[] = {
	{ "a", NULL, 1 },
	{ "b", NULL, 1 },
};

/* Diagnostics into memory, so that messages can be checked. */
struct diag {
	struct ej_diag d;
	char *text;
	size_t len;
	FILE *out;
};

static void
diag_open(struct diag *g)
{
	g->text = NULL;
	g->len = 0;
	g->out = open_memstream(&g->text, &g->len);
	assert_non_null(g->out);
	ej_diag_init(&g->d, "test", g->out);
}

static const char *
diag_text(struct diag *g)
{
	fflush(g->out);
	return g->text ? g->text : "";
}

static void
diag_close(struct diag *g)
{
	fclose(g->out);
	free(g->text);
}

static void
assert_said(struct diag *g, const char *what)
{
	const char *t = diag_text(g);

	if (strstr(t, what) == NULL)
		fail_msg("expected \"%s\" in:\n%s", what, t);
}

/* A stream holding data[0..n) (NUL bytes and all). */
static FILE *
stream(const char *data, size_t n)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	if (n > 0)
		assert_int_equal(fwrite(data, 1, n, f), n);
	rewind(f);
	return f;
}

/* Open data as "t.csv" with cols; -1 or 0 as ej_csv_open_file. */
static int
open_mem(struct ej_csv_reader **r, FILE **f, const char *data, size_t n,
    const struct ej_csv_col *cols, size_t ncols, struct ej_csv_opts *o,
    struct diag *g)
{
	struct ej_csv_opts def = { 0 };

	if (o == NULL)
		o = &def;
	if (o->name == NULL)
		o->name = "t.csv";
	/* the parsing, not the text rule (test_text_rule) */
	o->allow_control = 1;
	*f = stream(data, n);
	return ej_csv_open_file(r, *f, cols, ncols, o, &g->d);
}

#define OPEN(r, f, s, cols, o, g) \
	open_mem(r, f, s, sizeof s - 1, cols, sizeof cols / sizeof cols[0], \
	    o, g)

static void
done(struct ej_csv_reader *r, FILE *f)
{
	ej_csv_reader_free(r);
	if (f)
		fclose(f);
}

/* The records of a file, flattened: "line|v0|v1|…" per record. */
static char *
dump(const char *path, struct ej_csv_opts *o, enum ej_csv_encoding *enc,
    int *delim)
{
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&buf, &len);
	const char *v;
	int rc;

	struct ej_csv_opts def = { 0 };

	if (o == NULL)
		o = &def;
	o->allow_control = 1;
	diag_open(&g);
	assert_int_equal(ej_csv_open(&r, path, pupil_cols, C_N, o, &g.d), 0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1) {
		fprintf(out, "%ld", rec->line);
		for (i = 0; i < C_N; i++) {
			v = ej_csv_get(rec, i);
			fprintf(out, "|%s", v ? v : "(null)");
		}
		for (i = 0; i < rec->nfields; i++) {
			v = ej_csv_field(rec, i);
			fprintf(out, "|<%s>", v ? v : "(null)");
		}
		fputc('\n', out);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(g.d.errors, 0);
	assert_int_equal(g.d.warnings, 0);
	*enc = ej_csv_encoding(r);
	*delim = ej_csv_delimiter(r);
	ej_csv_reader_free(r);
	diag_close(&g);
	fclose(out);
	return buf;
}

static void
test_same_content(void **state)
{
	enum ej_csv_encoding e1, e2, e3;
	char *a, *b, *c;
	int d1, d2, d3;

	(void)state;
	a = dump(DATA "pupils.utf8.csv", NULL, &e1, &d1);
	b = dump(DATA "pupils.bom.csv", NULL, &e2, &d2);
	c = dump(DATA "pupils.cp1251.csv", NULL, &e3, &d3);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_int_equal(e1, EJ_CSV_ENC_UTF8);
	assert_int_equal(e2, EJ_CSV_ENC_UTF8);
	assert_int_equal(e3, EJ_CSV_ENC_CP1251);
	assert_int_equal(d1, ',');
	assert_int_equal(d2, ',');
	assert_int_equal(d3, ';');
	/* Values trimmed, raw fields not; "" read as absent; ё kept. */
	assert_non_null(strstr(a, "2|Иванов|Пётр|Сергеевич|5А|2009-03-14|"));
	assert_non_null(strstr(a, "3|Щукина|Юлия|(null)|5Б|01.09.2010|"
	    "<Щукина>|< Юлия >|<(null)>|"));
	assert_non_null(strstr(a, "5|Смит, мл.|Джон|"));
	assert_non_null(strstr(a, "6|Римский-Корсаков|Николай \"Ника\"|"));
	/* A cell spanning lines 7-8, and the record after it on line 9. */
	assert_non_null(strstr(a, "7|Многострочная\nфамилия|Анна|"));
	assert_non_null(strstr(a, "9|Петров|Иван|Иванович|11Б|"));
	free(a);
	free(b);
	free(c);
}

/* The same files with the encoding given rather than guessed. */
static void
test_explicit_encoding(void **state)
{
	struct ej_csv_opts o = { 0 };
	enum ej_csv_encoding e1, e2;
	char *a, *b;
	int d1, d2;

	(void)state;
	o.encoding = EJ_CSV_ENC_UTF8;
	a = dump(DATA "pupils.bom.csv", &o, &e1, &d1);
	o.encoding = EJ_CSV_ENC_CP1251;
	b = dump(DATA "pupils.cp1251.csv", &o, &e2, &d2);
	assert_string_equal(a, b);
	assert_int_equal(e1, EJ_CSV_ENC_UTF8);
	assert_int_equal(e2, EJ_CSV_ENC_CP1251);
	free(a);
	free(b);
}

static int
sniff(const char *s, size_t n, int force)
{
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct diag g;
	FILE *f;
	int delim;

	diag_open(&g);
	o.delim = force;
	o.quiet_unknown = 1;
	assert_int_equal(open_mem(&r, &f, s, n, NULL, 0, &o, &g), 0);
	delim = ej_csv_delimiter(r);
	done(r, f);
	diag_close(&g);
	return delim;
}

#define SNIFF(s, force) sniff(s, sizeof s - 1, force)

static void
test_sniff(void **state)
{
	(void)state;
	assert_int_equal(SNIFF("a\tb\tc\n1\t2\t3\n", 0), '\t');
	assert_int_equal(SNIFF("a;b;c\n1;2;3\n", 0), ';');
	assert_int_equal(SNIFF("a,b,c\n1,2,3\n", 0), ',');
	assert_int_equal(SNIFF("single\n1\n", 0), ',');
	/* ties go to ',' */
	assert_int_equal(SNIFF("a;b,c\n", 0), ',');
	assert_int_equal(SNIFF("a\tb,c\n", 0), ',');
	/* delimiters inside quotes do not count */
	assert_int_equal(SNIFF("\"a;b;c;d\",e,f\n", 0), ',');
	assert_int_equal(SNIFF("\"a,b,c,d\";e;f\n", 0), ';');
	/* a quoted header cell spanning lines */
	assert_int_equal(SNIFF("\"x\n,,,\";b;c\n", 0), ';');
	/* only the header counts */
	assert_int_equal(SNIFF("a;b\n1,2,3,4,5\n", 0), ';');
	/* -d wins */
	assert_int_equal(SNIFF("a;b;c\n", ','), ',');
	assert_int_equal(SNIFF("a,b,c\n", '\t'), '\t');
}

static void
test_delim_override(void **state)
{
	static const char csv[] = "a;b,c\n1;2,3\n";
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	const char *const *h;
	struct diag g;
	size_t n;
	FILE *f;

	(void)state;
	diag_open(&g);
	o.delim = ';';
	o.quiet_unknown = 1;
	assert_int_equal(open_mem(&r, &f, csv, sizeof csv - 1, NULL, 0, &o,
	    &g), 0);
	h = ej_csv_header(r, &n);
	assert_int_equal(n, 2);
	assert_string_equal(h[0], "a");
	assert_string_equal(h[1], "b,c");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_string_equal(ej_csv_field(rec, 1), "2,3");
	done(r, f);
	diag_close(&g);
}

/* Lines are physical lines, past quoted fields that span them. */
static void
test_lines(void **state)
{
	static const char lf[] =
	    "a,b\n"			/* 1 */
	    "1,\"x\ny\n\nz\"\n"		/* 2-5 */
	    "2,c\n"			/* 6 */
	    "\n"			/* 7 blank */
	    "3,\"d\"\n"			/* 8 */
	    "4,\"e\n\"\n"		/* 9-10 */
	    "5,f";			/* 11, no final LF */
	static const char crlf[] =
	    "\r\n"			/* 1 blank */
	    "a,b\r\n"			/* 2 */
	    "1,\"x\r\ny\"\r\n"		/* 3-4 */
	    "2,c\r\n"			/* 5 */
	    "3,\"lone\rcr\"\r\n"	/* 6 */
	    "4,end\r";			/* 7, a final CR */
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, lf, ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_header_line(r), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 2);
	assert_string_equal(ej_csv_get(rec, 1), "x\ny\n\nz");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 6);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 8);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 9);
	assert_string_equal(ej_csv_field(rec, 1), "e\n");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 11);
	assert_string_equal(ej_csv_get(rec, 1), "f");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(ej_csv_records(r), 5);
	done(r, f);

	assert_int_equal(OPEN(&r, &f, crlf, ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_header_line(r), 2);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 3);
	/* CRLF inside quotes is a line end too: LF */
	assert_string_equal(ej_csv_field(rec, 1), "x\ny");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 5);
	assert_string_equal(ej_csv_field(rec, 1), "c");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 6);
	assert_string_equal(ej_csv_field(rec, 1), "lone\rcr");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 7);
	assert_string_equal(ej_csv_field(rec, 1), "end");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(g.d.errors, 0);
	done(r, f);

	/* Classic Mac: CRs alone end lines, when the header ends so. */
	assert_int_equal(OPEN(&r, &f, "\ra;b\r1;\"x\ry\"\r\r2;z", ab_cols,
	    NULL, &g), 0);
	assert_int_equal(ej_csv_header_line(r), 2);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 3);
	assert_string_equal(ej_csv_field(rec, 1), "x\ny");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 6);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(g.d.errors, 0);
	done(r, f);
	diag_close(&g);
}

/* Lines stay right when the parser gets the input in many chunks. */
static void
test_lines_large(void **state)
{
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	char *buf = NULL, want[32];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *f;
	long i, line = 2, n = 0;
	int rc;

	(void)state;
	fputs("a,b\r\n", out);
	for (i = 0; i < 40000; i++)
		if (i % 7 == 0)
			fprintf(out, "%ld,\"много\r\nстрок\r\n%ld\"\r\n", i, i);
		else
			fprintf(out, "%ld,Ёжик %ld\r\n", i, i);
	fclose(out);
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, buf, len, ab_cols, 2, NULL, &g), 0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1) {
		assert_int_equal(rec->line, line);
		snprintf(want, sizeof want, "%ld", n);
		assert_string_equal(ej_csv_get(rec, 0), want);
		line += n % 7 == 0 ? 3 : 1;
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 40000);
	assert_int_equal(ej_csv_encoding(r), EJ_CSV_ENC_UTF8);
	done(r, f);
	diag_close(&g);
	free(buf);
}

static void
test_aliases(void **state)
{
	static const char *const login_aka[] = { "Учётная запись", "login",
		NULL };
	static const struct ej_csv_col cols[] = {
		{ "surname", surname_aka, 1 },
		{ "class", class_aka, 1 },
		{ "birth_date", birth_aka, 1 },
		{ "unix_login", login_aka, 1 },
		{ "patronymic", patr_aka, 0 },
	};
	static const char csv[] =
	    "  кЛАСС ,\"ДАТА   РОЖДЕНИЯ\",учетная запись,  фАмИлИя\n"
	    "5А,2010-01-01,ivanov, Иванов \n";
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, cols, NULL, &g), 0);
	assert_int_equal(g.d.warnings, 0);
	assert_int_equal(ej_csv_column(r, 0), 3);
	assert_int_equal(ej_csv_column(r, 1), 0);
	assert_int_equal(ej_csv_column(r, 4), -1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_string_equal(ej_csv_get(rec, 0), "Иванов");
	assert_string_equal(ej_csv_get(rec, 1), "5А");
	assert_string_equal(ej_csv_get(rec, 2), "2010-01-01");
	assert_string_equal(ej_csv_get(rec, 3), "ivanov");
	assert_null(ej_csv_get(rec, 4));	/* column not in the file */
	assert_null(ej_csv_get(rec, 99));
	assert_string_equal(ej_csv_field(rec, 3), " Иванов ");
	assert_null(ej_csv_field(rec, 4));
	done(r, f);
	diag_close(&g);
}

static void
test_missing_column(void **state)
{
	static const char csv[] = "Фамилия;Имя;Отчество\nА;Б;В\n";
	struct ej_csv_reader *r;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, pupil_cols, NULL, &g), -1);
	assert_null(r);
	assert_said(&g, "test: t.csv:1: missing required column \"class\" "
	    "(or \"Класс\")\n");
	assert_int_equal(g.d.errors, 1);
	assert_int_equal(ej_diag_status(&g.d), EJ_EXIT_DATAERR);
	fclose(f);
	diag_close(&g);
}

static void
test_unknown_column(void **state)
{
	static const char csv[] =
	    "Фамилия,Имя,Класс,Примечание\n"
	    "А,Б,5А,x\n"
	    "В,Г,5Б,y\n"
	    "Д,Е,5В,z\n";
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;
	int n = 0;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, pupil_cols, NULL, &g), 0);
	while (ej_csv_next(r, &rec, &g.d) == 1)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(g.d.errors, 0);
	assert_int_equal(g.d.warnings, 1);
	assert_said(&g, "t.csv:1: warning: unknown column \"Примечание\" "
	    "(column 4) ignored");
	done(r, f);
	diag_close(&g);

	/* strict: an error, and nothing is read */
	diag_open(&g);
	o.strict = 1;
	assert_int_equal(OPEN(&r, &f, csv, pupil_cols, &o, &g), -1);
	assert_said(&g, "t.csv:1: unknown column \"Примечание\" (column 4)");
	assert_int_equal(g.d.errors, 1);
	fclose(f);
	diag_close(&g);

	/* quiet: the caller reads them */
	diag_open(&g);
	o.strict = 0;
	o.quiet_unknown = 1;
	assert_int_equal(OPEN(&r, &f, csv, pupil_cols, &o, &g), 0);
	assert_int_equal(g.d.warnings, 0);
	done(r, f);
	diag_close(&g);
}

static void
test_duplicate_column(void **state)
{
	static const char csv[] = "surname,Имя,ФАМИЛИЯ,class\nа,б,в,г\n";
	struct ej_csv_reader *r;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, pupil_cols, NULL, &g), -1);
	assert_said(&g, "t.csv:1: column \"surname\" twice: columns 1 and 3");
	fclose(f);
	diag_close(&g);
}

/* Bad records are listed with their lines and reading goes on. */
static void
test_field_count(void **state)
{
	static const char csv[] =
	    "a;b;c\n"
	    "1;2;3\n"
	    "4;5\n"
	    "6;7;8\n"
	    "9;10;11;12\n"
	    ";;\n"			/* blank: skipped quietly */
	    " ; \n"			/* blank, and too few: skipped too */
	    "13;14;15\n"
	    "16\n";
	static const struct ej_csv_col cols[] = {
		{ "a", NULL, 1 }, { "b", NULL, 1 }, { "c", NULL, 1 },
	};
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;
	long lines[8];
	int n = 0, rc;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, cols, NULL, &g), 0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1)
		lines[n++] = rec->line;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);
	assert_int_equal(lines[0], 2);
	assert_int_equal(lines[1], 4);
	assert_int_equal(lines[2], 8);
	assert_int_equal(g.d.errors, 3);
	assert_int_equal(ej_csv_bad(r), 3);
	assert_int_equal(ej_csv_records(r), 3);
	assert_said(&g, "t.csv:3: too few fields: 2 where the header has 3\n");
	assert_said(&g, "t.csv:5: too many fields: 4 where the header has 3\n");
	assert_said(&g, "t.csv:9: too few fields: 1 where the header has 3\n");
	done(r, f);
	diag_close(&g);
}

static void
test_broken_quoting(void **state)
{
	static const char csv[] =
	    "a,b\n"
	    "1,x\"y\n"
	    "2,\"q\"r\n"
	    "3,ok\n";
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->line, 4);
	assert_string_equal(ej_csv_get(rec, 1), "ok");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(g.d.errors, 2);
	assert_said(&g, "t.csv:2: broken quoting");
	assert_said(&g, "t.csv:3: broken quoting");
	done(r, f);
	diag_close(&g);
}

static void
test_unterminated_quote(void **state)
{
	static const char csv[] = "a,b\n1,2\n3,\"4\n5,6\n7,8\n";
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_null(rec);
	assert_said(&g, "t.csv:3: unterminated quote");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_int_equal(g.d.errors, 1);
	done(r, f);
	diag_close(&g);
}

static void
test_nul(void **state)
{
	static const char csv[] = "a,b\n1,2\n3,x\0y\n5,6\n";
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv:3: a NUL byte");
	done(r, f);
	diag_close(&g);
}

static void
test_field_too_big(void **state)
{
	size_t n = EJ_CSV_FIELD_MAX + 100, len;
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	char *csv;
	FILE *f;

	(void)state;
	csv = malloc(n + 64);
	assert_non_null(csv);
	/* Exactly the limit is fine. */
	len = (size_t)sprintf(csv, "a,b\n1,\"");
	memset(csv + len, 'x', EJ_CSV_FIELD_MAX);
	len += EJ_CSV_FIELD_MAX;
	len += (size_t)sprintf(csv + len, "\"\n2,3\n");
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, csv, len, ab_cols, 2, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(strlen(ej_csv_get(rec, 1)), EJ_CSV_FIELD_MAX);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	done(r, f);

	/* One byte more, unquoted, on line 3 */
	len = (size_t)sprintf(csv, "a,b\n1,2\n3,");
	memset(csv + len, 'y', EJ_CSV_FIELD_MAX + 1);
	len += EJ_CSV_FIELD_MAX + 1;
	len += (size_t)sprintf(csv + len, "\n4,5\n");
	assert_int_equal(open_mem(&r, &f, csv, len, ab_cols, 2, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv:3: a field longer than 1048576 bytes");
	done(r, f);

	/* A runaway quote that never closes: refused, not buffered whole */
	len = (size_t)sprintf(csv, "a,b\n1,\"");
	memset(csv + len, '\n', n - len);
	assert_int_equal(open_mem(&r, &f, csv, n, ab_cols, 2, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv:2: a field longer than");
	done(r, f);
	diag_close(&g);
	free(csv);
}

static void
test_invalid_utf8(void **state)
{
	static const char csv[] =
	    "a,b\n1,Привет\n2,\"x\ny\"\n3,\xCF\xF0\xE8\n4,ok\n";
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	o.encoding = EJ_CSV_ENC_UTF8;
	assert_int_equal(OPEN(&r, &f, csv, ab_cols, &o, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv:5: invalid UTF-8 (byte 0xCF)\n");
	done(r, f);
	diag_close(&g);

	/* In the header, on its second line. */
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, "\"a\nb\xFF\",b\n1,2\n", ab_cols, &o,
	    &g), -1);
	assert_said(&g, "t.csv:2: invalid UTF-8 (byte 0xFF)\n");
	fclose(f);
	diag_close(&g);
}

/*
 * Auto: decided at the first non-ASCII byte. CP1251 after a long ASCII
 * stretch is still CP1251; UTF-8 that turns invalid far on is an error.
 */
static void
test_auto_late(void **state)
{
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	char *buf = NULL;
	size_t len = 0;
	FILE *out, *f;
	int i, rc;

	(void)state;
	out = open_memstream(&buf, &len);
	fputs("a,b\n", out);
	for (i = 0; i < 10000; i++)
		fprintf(out, "%d,ascii only\n", i);
	fputs("x,\xCF\xF0\xE8\xE2\xE5\xF2\n", out);	/* "Привет" in CP1251 */
	fclose(out);
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, buf, len, ab_cols, 2, NULL, &g), 0);
	assert_int_equal(ej_csv_encoding(r), EJ_CSV_ENC_AUTO);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1)
		if (strcmp(ej_csv_get(rec, 0), "x") == 0) {
			assert_string_equal(ej_csv_get(rec, 1), "Привет");
			assert_int_equal(rec->line, 10002);
		}
	assert_int_equal(rc, 0);
	assert_int_equal(ej_csv_encoding(r), EJ_CSV_ENC_CP1251);
	done(r, f);
	diag_close(&g);
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	fputs("a,b\n", out);
	for (i = 0; i < 10000; i++)
		fprintf(out, "%d,Юникод\n", i);
	fputs("x,\xCF\xF0\xE8\n", out);
	fclose(out);
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, buf, len, ab_cols, 2, NULL, &g), 0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1)
		;
	assert_int_equal(rc, -1);
	assert_int_equal(ej_csv_records(r), 10000);
	assert_said(&g, "t.csv:10002: invalid UTF-8 (byte 0xCF) in a file that "
	    "is UTF-8 before it");
	done(r, f);
	diag_close(&g);
	free(buf);

	/* All ASCII: UTF-8 at the end. */
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, "a,b\n1,2\n", ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(ej_csv_encoding(r), EJ_CSV_ENC_UTF8);
	done(r, f);
	diag_close(&g);
}

/* Excel's "Unicode text": UTF-16LE with a BOM, TAB-separated. */
static void
test_utf16(void **state)
{
	static const char text[] = "Фамилия\tИмя\tКласс\r\nЁлкин\tСемён\t5А\r\n";
	char out[256], *in = (char *)text, *o = out + 2;
	size_t inleft = sizeof text - 1, outleft = sizeof out - 2;
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	iconv_t cd;
	FILE *f;

	(void)state;
	cd = iconv_open("UTF-16LE", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	assert_int_not_equal(iconv(cd, &in, &inleft, &o, &outleft),
	    (size_t)-1);
	iconv_close(cd);
	out[0] = (char)0xFF;
	out[1] = (char)0xFE;
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, out, (size_t)(o - out), pupil_cols,
	    C_N, NULL, &g), 0);
	assert_int_equal(ej_csv_encoding(r), EJ_CSV_ENC_UTF16);
	assert_int_equal(ej_csv_delimiter(r), '\t');
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_string_equal(ej_csv_get(rec, C_SURNAME), "Ёлкин");
	assert_string_equal(ej_csv_get(rec, C_CLASS), "5А");
	assert_int_equal(rec->line, 2);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	done(r, f);
	diag_close(&g);
}

static void
test_cp1251_bad_byte(void **state)
{
	static const char csv[] = "a;b\r\n1;\xCF\xF0\xE8\r\n2;\x98\r\n";
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	o.encoding = EJ_CSV_ENC_CP1251;
	assert_int_equal(OPEN(&r, &f, csv, ab_cols, &o, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_string_equal(ej_csv_get(rec, 1), "При");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv:3: byte 0x98 is not CP1251");
	done(r, f);
	diag_close(&g);
}

static void
test_empty(void **state)
{
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(open_mem(&r, &f, "", 0, ab_cols, 2, NULL, &g), -1);
	assert_said(&g, "test: t.csv: empty file\n");
	fclose(f);
	assert_int_equal(OPEN(&r, &f, "\xEF\xBB\xBF", ab_cols, NULL, &g), -1);
	fclose(f);
	assert_int_equal(OPEN(&r, &f, "\r\n\n\r\n", ab_cols, NULL, &g), -1);
	fclose(f);
	assert_int_equal(g.d.errors, 3);
	assert_int_equal(OPEN(&r, &f, " , \n1,2\n", ab_cols, NULL, &g), -1);
	assert_said(&g, "t.csv:1: empty header");
	fclose(f);
	diag_close(&g);

	/* A header alone: "no records", unless the caller accepts it. */
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, "a,b\n", ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	assert_said(&g, "t.csv: no records");
	done(r, f);
	assert_int_equal(OPEN(&r, &f, "a,b\n,\n , \n", ab_cols, NULL, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), -1);
	done(r, f);
	assert_int_equal(g.d.errors, 2);
	o.allow_empty = 1;
	assert_int_equal(OPEN(&r, &f, "\xEF\xBB\xBF" "a,b", ab_cols, &o, &g),
	    0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
	assert_int_equal(ej_csv_records(r), 0);
	assert_int_equal(g.d.errors, 2);
	done(r, f);
	diag_close(&g);
}

static void
test_open_path(void **state)
{
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;

	(void)state;
	diag_open(&g);
	assert_int_equal(ej_csv_open(&r, "tests/data/csv/nonexistent.csv",
	    ab_cols, 2, NULL, &g.d), -1);
	assert_said(&g, "test: tests/data/csv/nonexistent.csv: No such file");
	assert_int_equal(ej_diag_status(&g.d), EJ_EXIT_NOINPUT);
	diag_close(&g);

	diag_open(&g);
	assert_int_equal(ej_csv_open(&r, DATA "pupils.cp1251.csv", ab_cols, 2,
	    NULL, &g.d), -1);
	assert_said(&g, "test: " DATA "pupils.cp1251.csv:1: missing required "
	    "column \"a\"");
	o.name = "ученики.csv";
	assert_int_equal(ej_csv_open(&r, DATA "pupils.cp1251.csv", ab_cols, 2,
	    &o, &g.d), -1);
	assert_said(&g, "test: ученики.csv:1: missing");
	diag_close(&g);

	/* A stream without a name is stdin. */
	diag_open(&g);
	{
		FILE *f = stream("a,b\n1\n", 6);

		assert_int_equal(ej_csv_open_file(&r, f, ab_cols, 2, NULL,
		    &g.d), 0);
		assert_string_equal(ej_csv_name(r), "stdin");
		assert_int_equal(ej_csv_next(r, &rec, &g.d), 0);
		assert_said(&g, "test: stdin:2: too few fields");
		done(r, f);
	}
	diag_close(&g);
}

/*
 * Lines without quotes are split by the reader itself, others by libcsv:
 * both give the same fields, and a line inside a quoted field that
 * spans lines is never taken for a record of its own. A second reader
 * from the start (ej_csv_reopen) reads the same records.
 */
static void
test_plain_and_quoted(void **state)
{
	static const char csv[] =
	    "a,b,c\n"
	    " x ,,y\r\n"
	    "\" x \",,\"y\"\n"
	    "\"x\n"
	    "plain,line\n"
	    "end\",2,\n"
	    ",,\n"
	    "Иванов,Пётр,5А\n";
	static const struct ej_csv_col cols[] = {
		{ "a", NULL, 1 }, { "b", NULL, 1 }, { "c", NULL, 1 },
	};
	struct ej_csv_reader *r, *r2;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;
	int pass;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, cols, NULL, &g), 0);
	for (pass = 0; pass < 2; pass++) {
		struct ej_csv_reader *rr = pass ? r2 : r;

		assert_int_equal(ej_csv_next(rr, &rec, &g.d), 1);
		assert_int_equal(rec->line, 2);
		assert_string_equal(ej_csv_field(rec, 0), " x ");
		assert_null(ej_csv_field(rec, 1));
		assert_string_equal(ej_csv_field(rec, 2), "y");
		assert_int_equal(ej_csv_next(rr, &rec, &g.d), 1);
		assert_int_equal(rec->line, 3);
		assert_string_equal(ej_csv_field(rec, 0), " x ");
		assert_null(ej_csv_field(rec, 1));
		assert_string_equal(ej_csv_field(rec, 2), "y");
		assert_int_equal(ej_csv_next(rr, &rec, &g.d), 1);
		assert_int_equal(rec->line, 4);
		assert_string_equal(ej_csv_field(rec, 0), "x\nplain,line\nend");
		assert_string_equal(ej_csv_field(rec, 1), "2");
		assert_null(ej_csv_field(rec, 2));
		/* ",,": a blank record, skipped */
		assert_int_equal(ej_csv_next(rr, &rec, &g.d), 1);
		assert_int_equal(rec->line, 8);
		assert_string_equal(ej_csv_get(rec, 2), "5А");
		assert_int_equal(ej_csv_next(rr, &rec, &g.d), 0);
		if (pass == 0)
			assert_int_equal(ej_csv_reopen(&r2, r, &g.d), 0);
	}
	ej_csv_reader_free(r2);
	assert_int_equal(g.d.errors, 0);
	done(r, f);
	diag_close(&g);
}

static void
test_raw_fields(void **state)
{
	static const char csv[] =
	    " A ,B,\"\",,C\n"
	    " x ,\"\",,\" \",\"'=1+2\"\n";
	static const struct ej_csv_col cols[] = {
		{ "a", NULL, 1 }, { "b", NULL, 1 }, { "c", NULL, 1 },
	};
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	const char *const *h;
	struct diag g;
	size_t n;
	FILE *f;

	(void)state;
	diag_open(&g);
	assert_int_equal(OPEN(&r, &f, csv, cols, NULL, &g), 0);
	assert_int_equal(g.d.warnings, 0);	/* unnamed columns are quiet */
	h = ej_csv_header(r, &n);
	assert_int_equal(n, 5);
	assert_string_equal(h[0], "A");
	assert_string_equal(h[2], "");
	assert_string_equal(h[4], "C");
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_int_equal(rec->nfields, 5);
	assert_string_equal(ej_csv_field(rec, 0), " x ");
	assert_string_equal(ej_csv_field(rec, 1), "");
	assert_null(ej_csv_field(rec, 2));
	assert_string_equal(ej_csv_field(rec, 3), " ");
	assert_string_equal(ej_csv_field(rec, 4), "'=1+2");
	assert_null(ej_csv_field(rec, 5));
	assert_string_equal(ej_csv_get(rec, 0), "x");
	assert_null(ej_csv_get(rec, 1));
	assert_string_equal(ej_csv_get(rec, 2), "=1+2");
	done(r, f);

	o.keep_apostrophe = 1;
	assert_int_equal(OPEN(&r, &f, csv, cols, &o, &g), 0);
	assert_int_equal(ej_csv_next(r, &rec, &g.d), 1);
	assert_string_equal(ej_csv_get(rec, 2), "'=1+2");
	done(r, f);
	diag_close(&g);
}

static void
test_parse_options(void **state)
{
	enum ej_csv_encoding e;
	int c;

	(void)state;
	assert_int_equal(ej_csv_encoding_parse(&e, "auto"), 0);
	assert_int_equal(e, EJ_CSV_ENC_AUTO);
	assert_int_equal(ej_csv_encoding_parse(&e, "UTF-8"), 0);
	assert_int_equal(e, EJ_CSV_ENC_UTF8);
	assert_int_equal(ej_csv_encoding_parse(&e, "cp1251"), 0);
	assert_int_equal(e, EJ_CSV_ENC_CP1251);
	assert_int_equal(ej_csv_encoding_parse(&e, "koi8-r"), -1);
	assert_string_equal(ej_csv_encoding_name(EJ_CSV_ENC_CP1251), "CP1251");
	assert_int_equal(ej_csv_delim_parse(&c, ";"), 0);
	assert_int_equal(c, ';');
	assert_int_equal(ej_csv_delim_parse(&c, "\\t"), 0);
	assert_int_equal(c, '\t');
	assert_int_equal(ej_csv_delim_parse(&c, "tab"), 0);
	assert_int_equal(c, '\t');
	assert_int_equal(ej_csv_delim_parse(&c, "|"), -1);
}

/* What a writer with opts makes of rows (NULL-terminated list). */
static char *
write_rows(const struct ej_csv_wopts *o, const char *const *const *rows,
    const size_t *ns)
{
	struct ej_csv_writer *w;
	struct diag g;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(ej_csv_writer_new(&w, out, o), 0);
	for (i = 0; rows[i]; i++)
		assert_int_equal(ej_csv_write_row(w, rows[i], ns[i]), 0);
	diag_open(&g);
	assert_int_equal(ej_csv_writer_finish(w, "out", &g.d), 0);
	diag_close(&g);
	ej_csv_writer_free(w);
	fclose(out);
	return buf;
}

static void
test_writer_quoting(void **state)
{
	static const char *const r1[] = { "plain", "with,comma", "semi;colon",
		"say \"hi\"", "two\nlines", " lead", "trail ", "in side",
		NULL, "", "Ёлкин" };
	static const char *const r2[] = { "" };
	static const char *const r3[] = { NULL, NULL };
	static const char *const *const rows[] = { r1, r2, r3, NULL };
	static const size_t ns[] = { 11, 1, 2 };
	struct ej_csv_wopts o = { 0 };
	char *s;

	(void)state;
	s = write_rows(NULL, rows, ns);
	assert_string_equal(s,
	    "plain,\"with,comma\",semi;colon,\"say \"\"hi\"\"\","
	    "\"two\nlines\",\" lead\",\"trail \",in side,,,Ёлкин\n"
	    "\"\"\n"
	    ",\n");
	free(s);

	o.delim = ';';
	o.crlf = 1;
	o.bom = 1;
	s = write_rows(&o, rows, ns);
	assert_string_equal(s,
	    "\xEF\xBB\xBF"
	    "plain;with,comma;\"semi;colon\";\"say \"\"hi\"\"\";"
	    "\"two\nlines\";\" lead\";\"trail \";in side;;;Ёлкин\r\n"
	    "\"\"\r\n"
	    ";\r\n");
	free(s);

	o.delim = '\t';
	o.crlf = 0;
	o.bom = 0;
	s = write_rows(&o, rows, ns);
	assert_string_equal(s,
	    "plain\twith,comma\tsemi;colon\t\"say \"\"hi\"\"\"\t"
	    "\"two\nlines\"\t\" lead\"\t\"trail \"\tin side\t\t\tЁлкин\n"
	    "\"\"\n"
	    "\t\n");
	free(s);

	o.delim = '|';
	{
		struct ej_csv_writer *w;

		assert_int_equal(ej_csv_writer_new(&w, stdout, &o), -1);
		assert_null(w);
	}
}

/* The text rule: a control character in any value skips its record. */
static void
test_text_rule(void **state)
{
	static const char csv[] =
	    "a,b,extra\n"
	    "1,\"m@ok.example>\nBcc: evil@x.example\",x\n"
	    "2,ok,x\n"
	    "3,ok,\"y\tz\"\n"
	    "4,\xE2\x80\xAE" "abc,x\n"
	    "5,\" padded\t\",\"'\t=x\"\n"
	    "6,\xC2\x85,x\n";
	struct ej_csv_opts o = { .name = "t.csv", .quiet_unknown = 1 };
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	FILE *f;
	int rc, n = 0;

	(void)state;
	diag_open(&g);
	f = stream(csv, sizeof csv - 1);
	assert_int_equal(ej_csv_open_file(&r, f, ab_cols, 2, &o, &g.d), 0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1) {
		n++;
		assert_true(rec->line == 4 || rec->line == 7);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);
	assert_int_equal(ej_csv_bad(r), 4);
	assert_said(&g, "t.csv:2:2: column \"b\": control character U+000A "
	    "(line feed) is not allowed");
	assert_said(&g, "t.csv:5:3: column \"extra\": control character "
	    "U+0009 (tab) is not allowed");
	assert_said(&g, "t.csv:6:2: column \"b\": control character U+202E "
	    "(a bidirectional control) is not allowed");
	assert_said(&g, "t.csv:8:2: column \"b\": control character "
	    "U+0085 is not allowed");
	assert_int_equal(g.d.errors, 4);
	assert_int_equal(ej_diag_status(&g.d), EJ_EXIT_DATAERR);
	done(r, f);
	diag_close(&g);
}

static void
test_writer_neutralise(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=SUM(A1:A2)", "'=SUM(A1:A2)" },
		{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
		{ "@SUM(1)", "'@SUM(1)" },
		{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
		{ "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "-5", "-5" },
		{ "+5", "+5" },
		{ "+7 (978) 123-45-67", "'+7 (978) 123-45-67" },
		{ "+7-978-123-45-67", "'+7-978-123-45-67" },
		{ "-3.5", "-3.5" },
		{ "-3,5", "\"-3,5\"" },
		{ "-3.", "'-3." },
		{ "-.5", "'-.5" },
		{ "-", "-" },
		{ "+", "+" },
		{ "=", "'=" },
		{ "@", "'@" },
		{ "--", "--" },
		{ "-+", "'-+" },
		{ "=1+2", "'=1+2" },
		{ "=1-1", "'=1-1" },
		{ "=(2)-(3)", "'=(2)-(3)" },
		{ "-2-3", "'-2-3" },
		{ "-(2)", "'-(2)" },
		{ "-1e5", "'-1e5" },
		{ "'=x", "''=x" },	/* so that reading gives '=x back */
		{ "'abc", "'abc" },
		{ "a=b", "a=b" },
		{ "", "" },
	};
	struct ej_csv_wopts o = { 0 };
	const char *row[1];
	const char *const *rows[2] = { row, NULL };
	size_t i, n = 1;
	char *s, want[128];

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		row[0] = cases[i].in;
		s = write_rows(NULL, rows, &n);
		snprintf(want, sizeof want, "%s\n", *cases[i].out ?
		    cases[i].out : "\"\"");
		assert_string_equal(s, want);
		free(s);
	}
	o.no_neutralise = 1;
	row[0] = "=SUM(A1)";
	s = write_rows(&o, rows, &n);
	assert_string_equal(s, "=SUM(A1)\n");
	free(s);
	assert_true(ej_csv_dangerous("=x"));
	assert_true(ej_csv_dangerous("=1-1"));
	assert_false(ej_csv_dangerous("-5"));
}

/* Write, read back: the same values, whatever the options. */
static void
round_trip(const struct ej_csv_wopts *wo)
{
	static const char *const values[] = {
		"Фамилия", "Имя", "Заметка",
		"Иванов", "Пётр", "плюс \"кавычки\", запятая; и\nперенос",
		"=SUM(A1)", "'=x", "+7 (978) 123-45-67",
		"О'Коннор", "@me", "-",
		"''@y", "\tтаб", "a\rb", "=1-1", "=(2)-(3)", "-2-3", "-5",
		"'+7 978", "-3,5",
	};
	static const char *const note_aka[] = { "Заметка", NULL };
	static const struct ej_csv_col cols[] = {
		{ "surname", surname_aka, 1 },
		{ "name", name_aka, 1 },
		{ "note", note_aka, 1 },
	};
	struct ej_csv_writer *w;
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	char *buf = NULL;
	size_t len = 0, i, row;
	FILE *out = open_memstream(&buf, &len), *f;
	const char *v;

	diag_open(&g);
	assert_int_equal(ej_csv_writer_new(&w, out, wo), 0);
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		assert_int_equal(ej_csv_put(w, values[i]), 0);
		if (i % 3 == 2)
			assert_int_equal(ej_csv_end_row(w), 0);
	}
	assert_int_equal(ej_csv_writer_finish(w, "out", &g.d), 0);
	ej_csv_writer_free(w);
	fclose(out);

	assert_int_equal(open_mem(&r, &f, buf, len, cols, 3, NULL, &g), 0);
	for (row = 1; ej_csv_next(r, &rec, &g.d) == 1; row++)
		for (i = 0; i < 3; i++) {
			v = ej_csv_get(rec, i);
			if (strcmp(values[row * 3 + i], "\tтаб") == 0)
				assert_string_equal(v, "таб");	/* trimmed */
			else
				assert_string_equal(v, values[row * 3 + i]);
		}
	assert_int_equal(row, 7);
	assert_int_equal(g.d.errors, 0);
	assert_int_equal(ej_csv_delimiter(r), wo->delim ? wo->delim : ',');
	done(r, f);
	diag_close(&g);
	free(buf);
}

static void
test_round_trip(void **state)
{
	struct ej_csv_wopts o = { 0 };

	(void)state;
	round_trip(&o);
	o.delim = ';';
	o.crlf = 1;
	o.bom = 1;
	round_trip(&o);
	o.delim = '\t';
	o.crlf = 0;
	round_trip(&o);
}

static void
test_putf(void **state)
{
	struct ej_csv_writer *w;
	char *buf = NULL, big[200];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(ej_csv_writer_new(&w, out, NULL), 0);
	assert_int_equal(ej_csv_putf(w, "%d", -5), 0);
	assert_int_equal(ej_csv_putf(w, "%s,%s", "a", "b"), 0);
	assert_int_equal(ej_csv_putf(w, "%s", big), 0);
	assert_int_equal(ej_csv_end_row(w), 0);
	ej_csv_writer_free(w);
	fclose(out);
	assert_int_equal(strncmp(buf, "-5,\"a,b\",zzz", 12), 0);
	assert_int_equal(len, 3 + 6 + 199 + 1);
	free(buf);
}

static long
vm_hwm_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* 50 MB through the reader: peak memory must not follow the file. */
static void
test_streaming(void **state)
{
	char path[] = "/tmp/ej-csvio-XXXXXX";
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct diag g;
	long before, after, n = 0, i;
	off_t size;
	FILE *f;
	int fd, rc;
	struct ej_csv_opts lines = { .allow_control = 1 };

	(void)state;
	if (vm_hwm_kib() < 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w+");
	assert_non_null(f);
	fputs("\xEF\xBB\xBF" "Фамилия;Имя;Отчество;Класс;Дата рождения\r\n", f);
	for (i = 0; ftello(f) < 50L * 1000 * 1000; i++) {
		if (i % 100 == 0)
			fprintf(f, "\"Длинная\r\nфамилия %ld\";Имя;Отч;5А;"
			    "2010-01-01\r\n", i);
		else
			fprintf(f, "Фамилия%ld;Имя Имя;Отчество;%ldБ;"
			    "01.09.2010\r\n", i, i % 11 + 1);
	}
	size = ftello(f);
	rewind(f);
	before = vm_hwm_kib();
	diag_open(&g);
	assert_int_equal(ej_csv_open_file(&r, f, pupil_cols, C_N, &lines, &g.d),
	    0);
	while ((rc = ej_csv_next(r, &rec, &g.d)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, i);
	assert_int_equal(g.d.errors, 0);
	ej_csv_reader_free(r);
	diag_close(&g);
	after = vm_hwm_kib();
	fclose(f);
	unlink(path);
	if (after - before >= 8 * 1024)
		fail_msg("peak RSS grew by %ld KiB reading %lld bytes",
		    after - before, (long long)size);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_content),
		cmocka_unit_test(test_explicit_encoding),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_delim_override),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_lines_large),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_missing_column),
		cmocka_unit_test(test_unknown_column),
		cmocka_unit_test(test_duplicate_column),
		cmocka_unit_test(test_field_count),
		cmocka_unit_test(test_broken_quoting),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_field_too_big),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_auto_late),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_cp1251_bad_byte),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_open_path),
		cmocka_unit_test(test_raw_fields),
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_parse_options),
		cmocka_unit_test(test_writer_quoting),
		cmocka_unit_test(test_writer_neutralise),
		cmocka_unit_test(test_text_rule),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_putf),
		cmocka_unit_test(test_streaming),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
