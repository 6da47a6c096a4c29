/*
 * config: examples/school.yaml loads and stores; every kind of bad input
 * is reported with its exact "file:line:col: message". Run from the
 * repository's top directory (tests/run does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "date.h"
#include "err.h"

#define DATA "tests/data/config/"
#define EXAMPLE "examples/school.yaml"

/* What a load said, and whether it worked. */
struct run {
	struct ej_config *c;
	int rc;
	int status;
	char *out;
	size_t len;
};

static void
load(struct run *r, const char *path)
{
	struct ej_diag d;
	FILE *f;

	memset(r, 0, sizeof *r);
	f = open_memstream(&r->out, &r->len);
	assert_non_null(f);
	ej_diag_init(&d, "ej-init", f);
	r->rc = ej_config_load(&r->c, path, &d);
	ej_diag_flush(&d);
	r->status = ej_diag_status(&d);
	fclose(f);
}

static void
parse(struct run *r, const char *text)
{
	struct ej_diag d;
	FILE *f;

	memset(r, 0, sizeof *r);
	f = open_memstream(&r->out, &r->len);
	assert_non_null(f);
	ej_diag_init(&d, "ej-init", f);
	r->rc = ej_config_parse(&r->c, "t.yaml", text, strlen(text), &d);
	ej_diag_flush(&d);
	r->status = ej_diag_status(&d);
	fclose(f);
}

static void
done(struct run *r)
{
	ej_config_free(r->c);
	free(r->out);
}

/* The load failed with exactly the messages want, exit status 65. */
static void
expect_errors(const char *path, const char *want)
{
	struct run r;

	load(&r, path);
	assert_int_equal(r.rc, -1);
	assert_null(r.c);
	assert_int_equal(r.status, EJ_EXIT_DATAERR);
	assert_string_equal(r.out, want);
	done(&r);
}

static sqlite3 *
schema_db(void)
{
	sqlite3 *db;
	char *sql, *msg = NULL;
	FILE *f;
	long n;

	f = fopen("lib/schema.sql", "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	sql = malloc((size_t)n + 1);
	assert_non_null(sql);
	assert_int_equal(fread(sql, 1, (size_t)n, f), (size_t)n);
	sql[n] = '\0';
	fclose(f);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("schema: %s", msg);
	free(sql);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
	    NULL, NULL), SQLITE_OK);
	return db;
}

/* The one value a query yields, as text ("" for NULL). */
static char *
query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	char *s;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	t = sqlite3_column_text(st, 0);
	s = strdup(t ? (const char *)t : "");
	assert_non_null(s);
	sqlite3_finalize(st);
	return s;
}

static void
assert_query(sqlite3 *db, const char *sql, const char *want)
{
	char *got = query(db, sql);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", sql, got, want);
	free(got);
}

/* The example school ----------------------------------------------------- */

static void
test_example_loads(void **state)
{
	struct run r;
	const struct ej_config *c;
	char buf[EJ_DATE_LEN];

	(void)state;
	load(&r, EXAMPLE);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.status, 0);
	c = r.c;
	assert_non_null(c);
	assert_string_equal(ej_config_school_id(c), "skuvk1");
	assert_string_equal(ej_config_short_name(c),
	    "МБОУ «Старокрымский УВК №1 „Школа-гимназия“»");
	/* The demo leaves the first admin to whoever runs ej-init. */
	assert_false(ej_config_has_admin(c));
	assert_string_equal(c->school.okpo, "00809397");
	assert_string_equal(c->school.ogrn, "1149102178213");
	assert_string_equal(c->school.inn, "9108117480");
	assert_string_equal(c->school.kpp, "910801001");
	assert_string_equal(c->year.name, "2020-2021");
	ej_date_format(c->year.start, buf);
	assert_string_equal(buf, "2020-09-01");
	ej_date_format(c->year.end, buf);
	assert_string_equal(buf, "2021-05-31");
	assert_int_equal(c->year.nschemes, 2);
	assert_int_equal(c->year.schemes[0].nperiods, 4);
	assert_int_equal(c->year.schemes[1].nperiods, 2);
	assert_int_equal(c->year.nholidays, 3);
	assert_int_equal(c->nstaff, 30);
	assert_int_equal(c->nclasses, 16);
	assert_int_equal(c->nsubjects, 22);
	assert_int_equal(c->nhelpdesk, 8);
	assert_int_equal(c->nplan, 17);
	assert_int_equal(c->pilot, 1u << 5);
	assert_int_equal(ej_config_find_class(c, "5б"), 7);
	assert_int_equal(ej_config_find_subject(c, "ИЗО"),
	    ej_config_find_subject(c, "изобразительное искусство"));
	assert_int_equal(ej_config_find_staff(c, "nechaeva.oo"), 1);
	assert_int_equal(ej_config_find_staff(c, "nobody"), -1);
	done(&r);
}

/* Every class has a class teacher and a load; every load line's teacher
 * teaches. */
static void
test_example_complete(void **state)
{
	struct run r;
	const struct ej_config *c;
	size_t i, j;

	(void)state;
	load(&r, EXAMPLE);
	c = r.c;
	assert_non_null(c);
	for (i = 0; i < c->nclasses; i++) {
		assert_true(c->classes[i].teacher >= 0);
		for (j = 0; j < c->nload && c->load[j].cls != i; j++)
			continue;
		assert_true(j < c->nload);
	}
	for (j = 0; j < c->nload; j++)
		assert_true(c->staff[c->load[j].teacher].roles & (1u << 2));
	done(&r);
}

static void
test_example_stores(void **state)
{
	static const struct {
		const char *sql, *want;
	} checks[] = {
		{ "SELECT count(*) FROM school", "11" },
		{ "SELECT count(*) FROM settings", "28" },
		{ "SELECT count(*) FROM years", "1" },
		{ "SELECT count(*) FROM periods", "6" },
		{ "SELECT count(*) FROM period_schemes", "11" },
		{ "SELECT count(*) FROM holidays", "3" },
		{ "SELECT count(*) FROM work_types", "6" },
		{ "SELECT count(*) FROM subjects", "22" },
		{ "SELECT count(*) FROM bells", "7" },
		{ "SELECT count(*) FROM staff", "30" },
		{ "SELECT count(*) FROM classes", "16" },
		{ "SELECT count(*) FROM load", "199" },
		{ "SELECT count(*) FROM timetable", "60" },
		{ "SELECT count(*) FROM pilot", "1" },
		{ "SELECT count(*) FROM helpdesk", "8" },
		{ "SELECT count(*) FROM plan", "17" },
		{ "SELECT value FROM school WHERE key = 'okpo'", "00809397" },
		{ "SELECT value FROM school WHERE key = 'email'",
		    "skuvk1@mail.ru" },
		{ "SELECT value FROM settings WHERE key = 'marks.scale'",
		    "5,4,3,2" },
		{ "SELECT value FROM settings WHERE key = 'marks.threshold.5'",
		    "4.60" },
		{ "SELECT value FROM settings WHERE key = 'marks.min.half'",
		    "5" },
		{ "SELECT value FROM settings WHERE key = "
		    "'accounts.pwhash_mem'", "67108864" },
		{ "SELECT value FROM settings WHERE key = "
		    "'accounts.diary_url'", "https://diary.skuvk1.example/diary/" },
		{ "SELECT value FROM settings WHERE key = "
		    "'portfolio.types'", "pdf,jpeg,png,odt,docx" },
		{ "SELECT value FROM settings WHERE key = "
		    "'portfolio.levels'", "школьный,муниципальный,региональный,"
		    "федеральный,международный" },
		{ "SELECT value FROM settings WHERE key = "
		    "'portfolio.max_person_kb'", "102400" },
		{ "SELECT start || ' ' || end FROM years WHERE id = 1",
		    "2020-09-01 2021-05-31" },
		{ "SELECT name || ' ' || start FROM periods WHERE id = 3",
		    "3 четверть 2021-01-11" },
		{ "SELECT scheme FROM period_schemes WHERE parallel = 10",
		    "half" },
		{ "SELECT name FROM work_types WHERE dflt = 1",
		    "ответ на уроке" },
		{ "SELECT weight FROM work_types WHERE name = 'контрольная'",
		    "2.0" },
		{ "SELECT two_marks FROM subjects WHERE name = 'Литература'",
		    "1" },
		{ "SELECT subgroups FROM subjects WHERE short = 'Англ. яз.'",
		    "2" },
		{ "SELECT start || '-' || end FROM bells WHERE lesson = 1",
		    "08:00-08:45" },
		{ "SELECT group_concat(role) FROM (SELECT role FROM "
		    "staff_roles JOIN staff ON staff.id = staff_id WHERE "
		    "login = 'nechaeva.oo' ORDER BY role)",
		    "deputy,teacher" },
		{ "SELECT login FROM staff JOIN classes ON teacher_id = "
		    "staff.id WHERE classes.name = '5Б'", "frolov.ad" },
		{ "SELECT parallel || letter FROM classes WHERE name = '10А'",
		    "10А" },
		{ "SELECT count(*) FROM staff_roles WHERE role = "
		    "'classteacher'", "16" },
		{ "SELECT sum(hours) FROM load JOIN classes ON class_id = "
		    "classes.id WHERE name = '5А'", "30.0" },
		{ "SELECT count(*) FROM timetable JOIN classes ON class_id = "
		    "classes.id WHERE name = '5Б'", "30" },
		{ "SELECT start || ' ' || responsible FROM helpdesk "
		    "WHERE id = 2", "14:15 Нечаева О.О." },
		{ "SELECT weekday FROM helpdesk WHERE id = 8", "6" },
		{ "SELECT due || ' ' || due_date FROM plan WHERE id = 6",
		    "14.02.2020 2020-02-14" },
		{ "SELECT due_date IS NULL FROM plan WHERE id = 7", "1" },
	};
	struct ej_diag d;
	struct run r;
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t i;

	(void)state;
	load(&r, EXAMPLE);
	assert_non_null(r.c);
	db = schema_db();
	ej_diag_init(&d, "ej-init", stderr);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(ej_config_store(r.c, db, &d), 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(d.errors, 0);
	for (i = 0; i < sizeof checks / sizeof checks[0]; i++)
		assert_query(db, checks[i].sql, checks[i].want);
	/* no dangling references */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	done(&r);
}

/* Storing into tables that are not empty fails cleanly. */
static void
test_store_twice(void **state)
{
	struct ej_diag d;
	struct run r;
	sqlite3 *db;
	char *out = NULL;
	size_t len;
	FILE *f;

	(void)state;
	load(&r, DATA "minimal.yaml");
	assert_non_null(r.c);
	db = schema_db();
	f = open_memstream(&out, &len);
	ej_diag_init(&d, "ej-init", f);
	assert_int_equal(ej_config_store(r.c, db, &d), 0);
	assert_int_equal(ej_config_store(r.c, db, &d), -1);
	ej_diag_flush(&d);
	fclose(f);
	assert_int_equal(ej_diag_status(&d), EJ_EXIT_SOFTWARE);
	assert_string_equal(out, "ej-init: cannot store the school "
	    "configuration: UNIQUE constraint failed: school.key\n");
	free(out);
	sqlite3_close(db);
	done(&r);
}

/* Defaults ---------------------------------------------------------------- */

static void
test_minimal_defaults(void **state)
{
	struct run r;
	const struct ej_config *c;
	char buf[EJ_DATE_LEN];

	(void)state;
	load(&r, DATA "minimal.yaml");
	assert_string_equal(r.out, "");
	c = r.c;
	assert_non_null(c);
	ej_date_format(c->year.start, buf);
	assert_string_equal(buf, "2020-09-01");
	ej_date_format(c->year.end, buf);
	assert_string_equal(buf, "2021-05-31");
	assert_int_equal(c->year.schemes[0].parallels, 0xffeu);
	assert_string_equal(c->year.schemes[0].periods[1].name, "2 четверть");
	/* class names normalised */
	assert_string_equal(c->classes[0].name, "5А");
	assert_string_equal(c->classes[1].name, "7Б");
	assert_string_equal(c->classes[1].letter, "Б");
	assert_int_equal(c->classes[1].parallel, 7);
	assert_int_equal(c->classes[0].teacher, -1);
	/* marks */
	assert_int_equal(c->marks.nscale, 4);
	assert_int_equal(c->marks.scale[0], 5);
	assert_int_equal(c->marks.scale[3], 2);
	assert_int_equal(c->marks.threshold[0], 460);
	assert_int_equal(c->marks.threshold[2], 260);
	assert_int_equal(c->marks.min_quarter, 3);
	assert_int_equal(c->marks.nwork_types, 6);
	assert_string_equal(c->marks.work_types[0].name, "ответ на уроке");
	assert_true(c->marks.work_types[0].dflt);
	assert_string_equal(c->marks.work_types[5].name, "контрольная");
	assert_true(c->marks.work_types[5].weight == 2.0);
	assert_int_equal(c->marks.work_types[5].deadline, 7);
	assert_true(c->marks.work_types[4].written);
	/* subjects */
	assert_true(c->subjects[0].two_marks);
	assert_false(c->subjects[1].two_marks);
	assert_string_equal(c->subjects[1].short_name, "Алгебра");
	/* the rest */
	assert_int_equal(c->deadlines.homework_hours, 1);
	assert_int_equal(c->deadlines.period_mark_grace_days, 3);
	assert_int_equal(c->deadlines.risk_notice_days, 14);
	assert_int_equal(c->day_threshold, 3);
	assert_int_equal(c->accounts.password_length, 12);
	assert_true(c->accounts.pwhash_ops == 2);
	assert_true(c->accounts.pwhash_mem == 67108864LL);
	assert_int_equal(c->push_days, 7);
	/* the portfolio's: not given, ej-portfolio's defaults stand */
	assert_null(c->portfolio.pupil_kinds);
	assert_null(c->portfolio.types);
	assert_int_equal(c->portfolio.max_file_kb, 0);
	assert_true(c->staff[0].roles & 1u);
	done(&r);
}

static void
test_settings_parsed(void **state)
{
	struct run r;
	const struct ej_config *c;

	(void)state;
	parse(&r,
	    "school: {id: t, name: Т, short_name: Т}\n"
	    "year:\n"
	    "  name: 2020-2021\n"
	    "  periods:\n"
	    "    trimester:\n"
	    "      parallels: [\"1-4\", 5]\n"
	    "      list:\n"
	    "        - {start: 01.09, end: 30.11}\n"
	    "        - {start: 01.12, end: 28.02}\n"
	    "        - {start: 01.03, end: 31.05}\n"
	    "marks:\n"
	    "  allow_one: true\n"
	    "  weights: no\n"
	    "  thresholds: {5: '4,5', 4: 3.495}\n"
	    "  work_types:\n"
	    "    - {name: тест, weight: 1.5, deadline: 2}\n"
	    "    - {name: зачёт, weight: 3, written: yes, default: true}\n"
	    "accounts: {pwhash_ops: moderate, pwhash_mem: 134217728}\n"
	    "portfolio:\n"
	    "  pupil_kinds: [' Похвальный   лист ', диплом]\n"
	    "  levels: [районный]\n"
	    "  types: [PDF, image/png]\n"
	    "  max_file_kb: 20\n"
	    "subjects: [{name: Физкультура, passfail: true, two_marks: on}]\n"
	    "staff:\n"
	    "  - {login: _x, surname: Х, name: Х, roles: [admin, secretary]}\n"
	    "classes: [{name: 5 а, teacher: _x}]\n"
	    "pilot: 5\n");
	assert_string_equal(r.out, "");
	c = r.c;
	assert_non_null(c);
	assert_int_equal(c->year.schemes[0].parallels, 0x3eu);
	assert_string_equal(c->year.schemes[0].periods[2].name, "3 триместр");
	assert_int_equal(c->marks.nscale, 5);
	assert_int_equal(c->marks.scale[4], 1);
	assert_false(c->marks.weights);
	assert_int_equal(c->marks.threshold[0], 450);
	assert_int_equal(c->marks.threshold[1], 350);
	assert_false(c->marks.work_types[0].dflt);
	assert_true(c->marks.work_types[1].dflt);
	assert_true(c->marks.work_types[0].weight == 1.5);
	assert_true(c->accounts.pwhash_ops == 3);
	assert_true(c->accounts.pwhash_mem == 134217728LL);
	assert_true(c->subjects[0].passfail);
	assert_true(c->subjects[0].two_marks);
	assert_string_equal(c->classes[0].name, "5А");
	/* the class teacher got the role */
	assert_int_equal(c->staff[0].roles, (1u << 0) | (1u << 3) | (1u << 5));
	assert_int_equal(c->pilot, 1u << 5);
	assert_string_equal(c->portfolio.pupil_kinds, "Похвальный лист,диплом");
	assert_null(c->portfolio.staff_kinds);
	assert_string_equal(c->portfolio.levels, "районный");
	assert_string_equal(c->portfolio.types, "pdf,png");
	assert_int_equal(c->portfolio.max_file_kb, 20);
	assert_int_equal(c->portfolio.max_person_kb, 0);
	done(&r);
}

static void
test_class_name(void **state)
{
	char buf[16], letter[8];
	int par;

	(void)state;
	assert_int_equal(ej_class_name("5а", buf, &par, letter), 0);
	assert_string_equal(buf, "5А");
	assert_int_equal(par, 5);
	assert_int_equal(ej_class_name("11-б", buf, &par, letter), 0);
	assert_string_equal(buf, "11Б");
	assert_string_equal(letter, "Б");
	assert_int_equal(ej_class_name("10 ё", buf, &par, letter), 0);
	assert_string_equal(buf, "10Ё");
	assert_int_equal(ej_class_name("5A", buf, &par, letter), -1);
	assert_int_equal(ej_class_name("12А", buf, &par, letter), -1);
	assert_int_equal(ej_class_name("0А", buf, &par, letter), -1);
	assert_int_equal(ej_class_name("5АБ", buf, &par, letter), -1);
	assert_int_equal(ej_class_name("А", buf, &par, letter), -1);
	assert_int_equal(ej_class_name("5", buf, &par, letter), -1);
}

/* Errors, one fixture each ------------------------------------------------- */

static void
test_broken_yaml(void **state)
{
	(void)state;
	expect_errors(DATA "broken.yaml",
	    "ej-init: " DATA "broken.yaml:5:1: invalid YAML: found unexpected "
	    "end of stream while scanning a quoted scalar (line 3)\n");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_errors(DATA "unknown_key.yaml",
	    "ej-init: " DATA "unknown_key.yaml:5:3: school: unknown key "
	    "\"motto\"\n"
	    "ej-init: " DATA "unknown_key.yaml:19:1: unknown key "
	    "\"colour\"\n");
}

static void
test_missing(void **state)
{
	(void)state;
	expect_errors(DATA "missing.yaml",
	    "ej-init: " DATA "missing.yaml:1:1: missing required key "
	    "\"classes\"\n"
	    "ej-init: " DATA "missing.yaml:2:3: school: missing required key "
	    "\"id\"\n"
	    "ej-init: " DATA "missing.yaml:15:5: staff: missing required key "
	    "\"surname\"\n");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_errors(DATA "wrong_type.yaml",
	    "ej-init: " DATA "wrong_type.yaml:4:5: school.name: expected a "
	    "string, found a mapping\n"
	    "ej-init: " DATA "wrong_type.yaml:17:38: marks.work_types.weight: "
	    "\"тяжёлый\" is not a number\n"
	    "ej-init: " DATA "wrong_type.yaml:19:8: staff: expected a "
	    "sequence, found a mapping\n");
}

static void
test_duplicate_class(void **state)
{
	(void)state;
	expect_errors(DATA "dup_class.yaml",
	    "ej-init: " DATA "dup_class.yaml:17:5: classes: duplicate class "
	    "\"5А\" (first at line 15)\n");
}

static void
test_duplicate_staff(void **state)
{
	(void)state;
	expect_errors(DATA "dup_staff.yaml",
	    "ej-init: " DATA "dup_staff.yaml:17:12: staff.login: duplicate "
	    "staff login \"ivanova.mp\" (first at line 13)\n");
}

static void
test_outside_year(void **state)
{
	(void)state;
	expect_errors(DATA "outside_year.yaml",
	    "ej-init: " DATA "outside_year.yaml:12:36: "
	    "year.periods.quarter.list.end: 2021-06-15 is outside the year "
	    "2020-2021 (2020-09-01..2021-05-31)\n"
	    "ej-init: " DATA "outside_year.yaml:14:38: year.holidays.start: "
	    "2021-06-01 is outside the year 2020-2021 "
	    "(2020-09-01..2021-05-31)\n"
	    "ej-init: " DATA "outside_year.yaml:14:55: year.holidays.end: "
	    "2021-08-31 is outside the year 2020-2021 "
	    "(2020-09-01..2021-05-31)\n");
}

static void
test_overlap(void **state)
{
	(void)state;
	expect_errors(DATA "overlap.yaml",
	    "ej-init: " DATA "overlap.yaml:8:38: year.periods.half.list: "
	    "period \"2 полугодие\" (2021-01-11..2021-05-31) overlaps "
	    "\"1 полугодие\" (2020-09-01..2021-01-15)\n");
}

static void
test_unknown_teacher(void **state)
{
	(void)state;
	expect_errors(DATA "unknown_teacher.yaml",
	    "ej-init: " DATA "unknown_teacher.yaml:16:15: load.teacher: "
	    "unknown staff login \"petrov.ii\"\n");
}

static void
test_alias(void **state)
{
	(void)state;
	expect_errors(DATA "alias.yaml",
	    "ej-init: " DATA "alias.yaml:1:9: anchors and aliases are not "
	    "supported (this node is used again through an alias)\n");
}

#define M "ej-init: " DATA "many.yaml:"
static void
test_many(void **state)
{
	struct run r;

	(void)state;
	expect_errors(DATA "many.yaml",
	    M "3:7: school.id: \"Test School\" is not an id (lowercase ASCII "
	    "letters, digits and '-')\n"
	    M "6:16: school.codes.inn: \"12345\" is not 10 or 12 digits\n"
	    M "8:9: year.name: \"2020-2022\" is not an academic year like "
	    "2020-2021\n"
	    M "20:18: year.periods.half.parallels: parallel 9 already has the "
	    "quarter scheme\n"
	    M "25:23: marks.scale: mark 1 needs allow_one: true\n"
	    M "26:15: marks.thresholds: thresholds must descend: 5 (4.50) > "
	    "4 (4.60) > 3 (2.60)\n"
	    M "30:5: subjects: duplicate subject \"русский  язык\" (first at "
	    "line 28)\n"
	    M "32:13: staff.login: \"Admin\" is not a Unix login (a-z, 0-9, "
	    "'_', '.', '-', starting with a letter or '_')\n"
	    M "33:73: staff.roles: unknown role \"boss\" (admin, deputy, "
	    "teacher, classteacher, technician or secretary)\n"
	    M "36:12: classes: \"5F\" is not a class name (a parallel 1-11 and "
	    "a Cyrillic letter, like 5А)\n"
	    M "37:12: classes: parallel 11 of 11А has no study periods "
	    "(year.periods)\n"
	    M "37:26: classes.teacher: unknown staff login \"nobody\"\n"
	    M "39:74: load.subgroup: Английский язык has 2 subgroups, not 3\n"
	    M "40:34: load.class: unknown class \"5В\"\n"
	    M "40:47: load.subject: unknown subject \"Физика\"\n"
	    M "40:62: load.hours: \"два\" is not a number\n"
	    M "43:27: timetable.5А.пн: lesson 3 has no bell (bells)\n"
	    M "44:5: timetable.5А: \"funday\" is not a day of the week\n"
	    M "47:13: bells.start: lesson 2 starts at 08:40, before lesson 1 "
	    "ends at 08:45\n"
	    M "49:43: helpdesk.to: 9.00 is not after 16.00\n");
	load(&r, DATA "many.yaml");
	assert_int_equal(r.status, EJ_EXIT_DATAERR);
	done(&r);
}
#undef M

/* Inputs too small for a fixture file ------------------------------------- */

static void
test_parse_edges(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "ej-init: t.yaml: the file is empty\n" },
		{ "- a\n", "ej-init: t.yaml:1:1: expected a mapping, found a "
		    "sequence\n" },
		{ "a: &x [*x]\n", "ej-init: t.yaml:1:4: anchors and aliases "
		    "are not supported (this node is used again through an "
		    "alias)\n" },
		{ "school: {id: \"a\\0b\", name: N, short_name: S}\n"
		    "year: 1\nsubjects: [A]\nstaff: []\nclasses: [5А]\n",
		    "ej-init: t.yaml:1:14: control character U+0000 (NUL) is "
		    "not allowed\n"
		    "ej-init: t.yaml:2:7: year: expected a mapping, found a "
		    "string\n"
		    "ej-init: t.yaml:4:8: staff: at least one staff member is "
		    "needed\n" },
		{ "{school: {}, school: {}}\n---\nx: 1\n",
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:10: school: missing required key "
		    "\"id\"\n"
		    "ej-init: t.yaml:1:10: school: missing required key "
		    "\"name\"\n"
		    "ej-init: t.yaml:1:10: school: missing required key "
		    "\"short_name\"\n"
		    "ej-init: t.yaml:1:14: key \"school\" is repeated "
		    "(first at line 1)\n"
		    "ej-init: t.yaml:3:1: only one YAML document is "
		    "allowed\n" },
		{ "school:\n  id: \xff\n",
		    "ej-init: t.yaml:2:7: invalid YAML: invalid leading UTF-8 "
		    "octet\n" },
		{ "accounts: {diary_url: \"javascript:alert(1)\"}\n"
		    "school: 1\n",
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:23: accounts.diary_url: "
		    "\"javascript:alert(1)\" is not an http:// or https:// "
		    "address\n"
		    "ej-init: t.yaml:2:9: school: expected a mapping, found a "
		    "string\n" },
		{ "accounts: {pwhash_ops: 1, "
		    "pwhash_mem: 99999999999999999999}\n[1]: x\n",
		    "ej-init: t.yaml:1:1: missing required key \"school\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:24: accounts.pwhash_ops: 1 is below the "
		    "interactive level, 2\n"
		    "ej-init: t.yaml:1:39: accounts.pwhash_mem: "
		    "99999999999999999999 is out of range "
		    "67108864..4398046510080\n"
		    "ej-init: t.yaml:2:1: a key must be a string, found a "
		    "sequence\n" },
		{ "school: 1\nportfolio:\n"
		    "  pupil_kinds: [диплом, Ёлка, ' ЕЛКА ', 'a,b', '', [x]]\n"
		    "  staff_kinds: []\n"
		    "  levels: школьный\n"
		    "  types: [pdf, application/x-executable, text, "
		    "image/PNG, png]\n"
		    "  max_file_kb: 0\n"
		    "  max_person_kb: many\n"
		    "  colour: red\n",
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:9: school: expected a mapping, found a "
		    "string\n"
		    "ej-init: t.yaml:3:31: portfolio.pupil_kinds: \" ЕЛКА \" "
		    "is repeated (first at line 3)\n"
		    "ej-init: t.yaml:3:41: portfolio.pupil_kinds: \"a,b\": a "
		    "comma is not allowed in an entry\n"
		    "ej-init: t.yaml:3:48: portfolio.pupil_kinds: must not be "
		    "empty\n"
		    "ej-init: t.yaml:3:52: portfolio.pupil_kinds: expected a "
		    "string, found a sequence\n"
		    "ej-init: t.yaml:4:16: portfolio.staff_kinds: at least one "
		    "entry is needed\n"
		    "ej-init: t.yaml:5:11: portfolio.levels: expected a "
		    "sequence, found a string\n"
		    "ej-init: t.yaml:6:16: portfolio.types: "
		    "\"application/x-executable\" is not a media type "
		    "ej-portfolio accepts; one of: pdf (application/pdf), "
		    "jpeg (image/jpeg), png (image/png), gif (image/gif), "
		    "tiff (image/tiff), odt (application/vnd.oasis."
		    "opendocument.text), docx (application/vnd.openxmlformats-"
		    "officedocument.wordprocessingml.document)\n"
		    "ej-init: t.yaml:6:42: portfolio.types: \"text\" is not a "
		    "media type ej-portfolio accepts; one of: pdf "
		    "(application/pdf), jpeg (image/jpeg), png (image/png), "
		    "gif (image/gif), tiff (image/tiff), odt (application/"
		    "vnd.oasis.opendocument.text), docx (application/"
		    "vnd.openxmlformats-officedocument.wordprocessingml."
		    "document)\n"
		    "ej-init: t.yaml:6:59: portfolio.types: \"png\" is "
		    "repeated (first at line 6)\n"
		    "ej-init: t.yaml:7:16: portfolio.max_file_kb: 0 is out of "
		    "range 1..102400\n"
		    "ej-init: t.yaml:8:18: portfolio.max_person_kb: \"many\" "
		    "is not an integer\n"
		    "ej-init: t.yaml:9:3: portfolio: unknown key \"colour\"\n" },
		{ "portfolio: {max_file_kb: 2048, max_person_kb: 1024}\n"
		    "school: 1\n",
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:47: portfolio.max_person_kb: a file's "
		    "limit, 2048 KiB, is above a person's, 1024 KiB\n"
		    "ej-init: t.yaml:2:9: school: expected a mapping, found a "
		    "string\n" },
		{ "portfolio: {levels: [\"x\\u0007\"], max_person_kb: 100}\n",
		    "ej-init: t.yaml:1:1: missing required key \"school\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"year\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"subjects\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"staff\"\n"
		    "ej-init: t.yaml:1:1: missing required key \"classes\"\n"
		    "ej-init: t.yaml:1:22: control character U+0007 is "
		    "not allowed\n"
		    "ej-init: t.yaml:1:49: portfolio.max_person_kb: a file's "
		    "limit, 10240 KiB, is above a person's, 100 KiB\n" },
	};
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		parse(&r, cases[i].in);
		if (strcmp(r.out, cases[i].out) != 0)
			fail_msg("case %zu:\n%s\nwant:\n%s", i, r.out,
			    cases[i].out);
		assert_int_equal(r.rc, -1);
		assert_null(r.c);
		done(&r);
	}
}

/* A list that would not fit the settings ej-portfolio reads is refused. */
static void
test_portfolio_list_long(void **state)
{
	char buf[4096], *p = buf;
	struct run r;
	int i;

	(void)state;
	p += sprintf(p, "portfolio:\n  levels:\n");
	for (i = 0; i < 40; i++)   /* 40 entries of 25 bytes, 39 commas */
		p += sprintf(p, "    - level-%02d-xxxxxxxxxxxxxxxx\n", i);
	parse(&r, buf);
	assert_non_null(strstr(r.out, "ej-init: t.yaml:3:5: portfolio.levels: "
	    "the list is too long: 1039 bytes joined, at most 1023\n"));
	assert_null(r.c);
	done(&r);
}

static void
test_no_file(void **state)
{
	struct run r;

	(void)state;
	load(&r, DATA "no-such-file.yaml");
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.status, EJ_EXIT_NOINPUT);
	assert_string_equal(r.out, "ej-init: " DATA "no-such-file.yaml: No "
	    "such file or directory\n");
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_portfolio_list_long),
		cmocka_unit_test(test_example_complete),
		cmocka_unit_test(test_example_stores),
		cmocka_unit_test(test_store_twice),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_settings_parsed),
		cmocka_unit_test(test_class_name),
		cmocka_unit_test(test_broken_yaml),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_duplicate_class),
		cmocka_unit_test(test_duplicate_staff),
		cmocka_unit_test(test_outside_year),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_unknown_teacher),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_no_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
