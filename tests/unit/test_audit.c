/*
 * audit: the rule table's invariants, --rules and --since words, the
 * audit's settings in school.yaml, and a run against a real store — a
 * set-based rule's findings, the filters and the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "config.h"
#include "date.h"
#include "store.h"
#include "table.h"

static void
test_rule_table(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(ej_audit_nrules > 20);
	for (i = 0; i < ej_audit_nrules; i++) {
		const struct ej_audit_rule *r = &ej_audit_rules[i];

		assert_non_null(r->id);
		assert_non_null(r->what);
		assert_true(r->severity >= EJ_SEV_INFO &&
		    r->severity <= EJ_SEV_ERROR);
		if (r->run == ej_audit__sql) {
			assert_non_null(r->sql);
			assert_non_null(r->fmt);
		}
		for (j = 0; j < i; j++)
			assert_string_not_equal(r->id, ej_audit_rules[j].id);
	}
}

static void
test_rules_option(void **state)
{
	struct ej_diag d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ej_diag_init(&d, "test", f);
	assert_int_equal(ej_audit_rules_check("integrity", &d), 0);
	assert_int_equal(ej_audit_rules_check("marks,lesson.topic", &d), 0);
	assert_int_equal(ej_audit_rules_check("integrity.snapshot,accounts",
	    &d), 0);
	assert_int_equal(d.errors, 0);
	/* a group is a whole part before a dot, not any prefix */
	assert_int_equal(ej_audit_rules_check("mark", &d), -1);
	assert_int_equal(ej_audit_rules_check("lesson.top", &d), -1);
	assert_int_equal(ej_diag_status(&d), EJ_EXIT_USAGE);
	fclose(f);
	assert_non_null(strstr(buf, "no such rule or group: mark\n"));
	assert_non_null(strstr(buf, "no such rule or group: lesson.top\n"));
	free(buf);
}

static void
test_dates_and_severities(void **state)
{
	int today, day, ref;

	(void)state;
	assert_int_equal(ej_date_from_ymd(2020, 10, 20, &today), 0);
	assert_int_equal(ej_audit_date("today", today, 2020, &day), 0);
	assert_int_equal(day, today);
	assert_int_equal(ej_audit_date("Yesterday", today, 2020, &day), 0);
	assert_int_equal(day, today - 1);
	assert_int_equal(ej_audit_date("вчера", today, 2020, &day), 0);
	assert_int_equal(day, today - 1);
	assert_int_equal(ej_audit_date("15.09", today, 2020, &day), 0);
	assert_int_equal(ej_date_from_ymd(2020, 9, 15, &ref), 0);
	assert_int_equal(day, ref);
	assert_int_equal(ej_audit_date("15.01", today, 2020, &day), 0);
	assert_int_equal(ej_date_from_ymd(2021, 1, 15, &ref), 0);
	assert_int_equal(day, ref);
	assert_int_equal(ej_audit_date("tomorrow", today, 2020, &day), -1);
	assert_int_equal(ej_audit_date("31.02.2020", today, 2020, &day), -1);

	assert_int_equal(ej_audit_severity_parse("ERROR"), EJ_SEV_ERROR);
	assert_int_equal(ej_audit_severity_parse("warning"), EJ_SEV_WARNING);
	assert_int_equal(ej_audit_severity_parse("info"), EJ_SEV_INFO);
	assert_int_equal(ej_audit_severity_parse("fatal"), 0);
	assert_string_equal(ej_audit_severity_name(EJ_SEV_WARNING), "warning");
}

/* school.yaml's audit section: the defaults, values, and a bad one. */
static char *
config_with(const char *extra, size_t *n)
{
	FILE *f = fopen("tests/data/config/minimal.yaml", "r");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + strlen(extra) + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	strcpy(buf + len, extra);
	*n = (size_t)len + strlen(extra);
	return buf;
}

static void
test_config(void **state)
{
	struct ej_config *c;
	struct ej_diag d;
	char *buf, *err = NULL;
	size_t n, elen = 0;
	FILE *ef = open_memstream(&err, &elen);

	(void)state;
	ej_diag_init(&d, "test", ef);
	buf = config_with("", &n);
	assert_int_equal(ej_config_parse(&c, "school.yaml", buf, n, &d), 0);
	assert_int_equal(c->gap_lessons, 3);
	assert_int_equal(c->average_diff, 100);
	ej_config_free(c);
	free(buf);

	buf = config_with("audit: {gap_lessons: 5, average_diff: 1.5}\n", &n);
	assert_int_equal(ej_config_parse(&c, "school.yaml", buf, n, &d), 0);
	assert_int_equal(c->gap_lessons, 5);
	assert_int_equal(c->average_diff, 150);
	ej_config_free(c);
	free(buf);

	buf = config_with("audit: {average_diff: 5}\n", &n);
	assert_int_equal(ej_config_parse(&c, "school.yaml", buf, n, &d), -1);
	free(buf);
	fclose(ef);
	assert_non_null(strstr(err, "school.yaml:19:23: audit.average_diff: "));
	assert_non_null(strstr(err, "out of range 0.01..4.00"));
	free(err);
}

/* ------------------------------------------------- a run on a store */

struct fx {
	struct ej_fx x;
	struct ej_store *s;
};

/*
 * A store with one class and lessons: Петров has a 4 together with н on
 * 15.09 and a 5 on 17.09; Сидорова is absent (н) on 15.09 without a mark.
 */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct ej_actor a = { 1, "admin", "Админова Анна", 1 };
	struct ej_commit_info ci = { .summary = "test" };

	ej_fx_init(&f->x);
	assert_int_equal(ej_store_create(&f->s, f->x.store, NULL, &f->x.d), 0);
	ej_store_set_actor(f->s, &a);
	assert_int_equal(ej_store_begin(f->s, &f->x.d), 0);
	ej_fx_exec(f->s,
	    "INSERT INTO staff(id, login, surname, name) VALUES "
	    "(1, 'admin', 'Админова', 'Анна'), (2, 'ivanova', 'Иванова', "
	    "'Мария');"
	    "INSERT INTO years VALUES(1, '2020-2021', '2020-09-01', "
	    "'2021-05-31');"
	    "INSERT INTO subjects(id, name, short) VALUES(1, 'Алгебра', 'Алг');"
	    "INSERT INTO work_types VALUES(1, 'ответ на уроке', 1, 0, 0, 1);"
	    "INSERT INTO classes VALUES(1, 1, '7А', 7, 'А', NULL), "
	    "(2, 1, '7Б', 7, 'Б', NULL);"
	    "INSERT INTO load VALUES(2, 1, 1, 0, 3), (1, 2, 1, 0, 3);"
	    "INSERT INTO pupils(id, surname, name) VALUES(1, 'Петров', 'Пётр'), "
	    "(2, 'Сидорова', 'Анна'), (3, 'Орлов', 'Иван');"
	    "INSERT INTO membership VALUES(1, '2020-09-01', 1, ''), "
	    "(2, '2020-09-01', 1, ''), (3, '2020-09-01', 2, '');"
	    "INSERT INTO lessons(id, class_id, subject_id, date, at) VALUES "
	    "(1, 1, 1, '2020-09-15', '2020-09-15T08:00:00Z'), "
	    "(2, 1, 1, '2020-09-17', '2020-09-17T08:00:00Z'), "
	    "(3, 2, 1, '2020-09-15', '2020-09-15T08:00:00Z');"
	    "INSERT INTO marks VALUES(1, 1, 1, '4', 1, 2, "
	    "'2020-09-15T09:00:00Z', ''), (2, 1, 1, '5', 1, 2, "
	    "'2020-09-17T09:00:00Z', ''), (3, 3, 1, '3', 1, 1, "
	    "'2020-09-15T09:00:00Z', '');"
	    "INSERT INTO attendance VALUES(1, 1, 'н', 2, "
	    "'2020-09-15T09:00:00Z', ''), (1, 2, 'н', 2, "
	    "'2020-09-15T09:00:00Z', ''), (3, 3, 'н', 1, "
	    "'2020-09-15T09:00:00Z', '');");
	assert_int_equal(ej_store_commit(f->s, &ci, NULL, &f->x.d), 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ej_store_close(f->s);
	ej_fx_fini(&f->x);
	free(f);
	return 0;
}

/* Run rules with o and return the CSV (malloc'd); counts into n. */
static char *
run(struct fx *f, struct ej_audit_opts *o, unsigned long n[4])
{
	struct ej_audit *a;
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	assert_int_equal(ej_audit_new(&a, f->s, o, &f->x.d), 0);
	assert_int_equal(ej_audit_run(a), 0);
	assert_int_equal(ej_audit_print(a, EJ_FMT_CSV, mem, n), 0);
	ej_audit_free(a);
	fclose(mem);
	return out;
}

static void
test_run_rule(void **state)
{
	struct fx *f = *state;
	struct ej_audit_opts o = { -1, -1, 0, "marks.absent", NULL, NULL };
	unsigned long n[4];
	char *out;

	assert_int_equal(ej_date_from_ymd(2020, 10, 1, &o.asof), 0);
	out = run(f, &o, n);
	assert_string_equal(out,
	    "severity,rule,class,subject,teacher,date,pupil,detail\n"
	    "warning,marks.absent,7А,Алгебра,ivanova,2020-09-15,Петров Пётр,"
	    "mark 4 together with н\n"
	    "warning,marks.absent,7Б,Алгебра,admin,2020-09-15,Орлов Иван,"
	    "mark 3 together with н\n");
	assert_int_equal(n[0], 2);
	assert_int_equal(n[EJ_SEV_WARNING], 2);
	assert_int_equal(n[EJ_SEV_ERROR], 0);
	free(out);
	/* the filters: a class, a teacher, a span */
	o.class_name = "7а";
	out = run(f, &o, n);
	assert_int_equal(n[0], 1);
	assert_non_null(strstr(out, "Петров Пётр"));
	free(out);
	o.class_name = NULL;
	o.teacher = "admin";
	out = run(f, &o, n);
	assert_int_equal(n[0], 1);
	assert_non_null(strstr(out, "Орлов Иван"));
	free(out);
	o.teacher = NULL;
	assert_int_equal(ej_date_from_ymd(2020, 9, 16, &o.since), 0);
	out = run(f, &o, n);
	assert_int_equal(n[0], 0);
	free(out);
	assert_int_equal(f->x.d.errors, 0);
}

static void
test_run_clean_store(void **state)
{
	struct fx *f = *state;
	struct ej_audit_opts o = { -1, -1, 0, "integrity,permissions,"
	    "marks.not_member", NULL, NULL };
	unsigned long n[4];
	char *out;

	assert_int_equal(ej_date_from_ymd(2020, 10, 1, &o.asof), 0);
	out = run(f, &o, n);
	assert_string_equal(out,
	    "severity,rule,class,subject,teacher,date,pupil,detail\n");
	assert_int_equal(n[0], 0);
	free(out);
	/* behind ej's back: the history names the record */
	ej_fx_exec(f->s, "UPDATE marks SET mark = '2' WHERE lesson_id = 2");
	out = run(f, &o, n);
	assert_int_equal(n[EJ_SEV_ERROR], 1);
	assert_non_null(strstr(out, "error,integrity.snapshot,7А,Алгебра,,"
	    "2020-09-17,Петров Пётр,\"marks 7А Алгебра 2020-09-17 Петров Пётр: "
	    "history 5, store 2\"\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_rules_option),
		cmocka_unit_test(test_dates_and_severities),
		cmocka_unit_test(test_config),
		cmocka_unit_test_setup_teardown(test_run_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_clean_store, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
