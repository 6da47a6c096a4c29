/*
 * recdiff: records added, removed and changed between two versions of a
 * snapshot file, keyed by the kind's key columns; names and one-line
 * descriptions in school terms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recdiff.h"

#define MARKS_PATH "journal/2020-2021/5А/Математика/marks.csv"
#define MARKS_HDR "date,lesson,subgroup,pupil_id,pupil,seq,mark,work," \
	"entered_by,entered_at,reason\n"

struct fx {
	struct ej_diag d;
	char *errbuf;
	size_t errlen;
	FILE *err;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->err = open_memstream(&f->errbuf, &f->errlen);
	ej_diag_init(&f->d, "test", f->err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fclose(f->err);
	free(f->errbuf);
	free(f);
	return 0;
}

static const char *
errors(struct fx *f)
{
	fflush(f->err);
	return f->errbuf ? f->errbuf : "";
}

static struct ej_recdiff *
diff(struct fx *f, const char *path, const char *old, const char *new)
{
	struct ej_recdiff *rd;

	if (ej_recdiff(&rd, path, old, old ? strlen(old) : 0, new,
	    new ? strlen(new) : 0, &f->d) < 0)
		fail_msg("recdiff: %s", errors(f));
	return rd;
}

static void
assert_name(const struct ej_recdiff *rd, size_t i, const char *want)
{
	char *s = ej_rec_name(rd, &rd->v[i]);

	assert_string_equal(s, want);
	free(s);
}

static void
assert_describe(const struct ej_recdiff *rd, size_t i, const char *want)
{
	char *s = ej_rec_describe(rd, &rd->v[i]);

	assert_string_equal(s, want);
	free(s);
}

static void
test_corrected_mark(void **state)
{
	struct ej_recdiff *rd = diff(*state, MARKS_PATH,
	    MARKS_HDR
	    "2020-09-15,1,0,7,Петров Пётр,1,4,текущая,ivanova,"
	    "2020-09-15T10:00:00Z,\n",
	    MARKS_HDR
	    "2020-09-15,1,0,7,Петров Пётр,1,5,текущая,petrova,"
	    "2020-09-16T08:00:00Z,ошибка при вводе\n");

	assert_int_equal(rd->n, 1);
	assert_int_equal(rd->v[0].op, EJ_REC_CHANGED);
	assert_int_equal(rd->v[0].old_line, 2);
	assert_int_equal(rd->v[0].new_line, 2);
	/* mark, entered_by, entered_at, reason */
	assert_int_equal(rd->v[0].nchanged, 4);
	assert_string_equal(rd->cols[rd->v[0].changed[0]], "mark");
	assert_string_equal(rd->v[0].old[rd->v[0].changed[0]], "4");
	assert_string_equal(rd->v[0].new[rd->v[0].changed[0]], "5");
	assert_name(rd, 0, "marks 5А Математика 2020-09-15 Петров Пётр");
	assert_describe(rd, 0, "Петров Пётр, Математика 15.09: 4 → 5, "
	    "reason: ошибка при вводе");
	ej_recdiff_free(rd);
}

/* A pupil's rename rewrites their marks' rows: the change is the name,
 * and the mark's earlier reason is not this change's. */
static void
test_rename_not_a_correction(void **state)
{
	struct ej_recdiff *rd = diff(*state, MARKS_PATH,
	    MARKS_HDR
	    "2020-09-15,1,0,7,Петров Пётр,1,5,текущая,t,x,пересдача\n",
	    MARKS_HDR
	    "2020-09-15,1,0,7,Петров Петр,1,5,текущая,t,x,пересдача\n");

	assert_int_equal(rd->n, 1);
	assert_describe(rd, 0, "Петров Петр, Математика 15.09: pupil: "
	    "Петров Пётр → Петров Петр");
	ej_recdiff_free(rd);
}

/* Keys compare as SQLite orders them: pupil 9 before pupil 10. */
static void
test_merge_added_removed_numeric_keys(void **state)
{
	struct ej_recdiff *rd = diff(*state, MARKS_PATH,
	    MARKS_HDR
	    "2020-09-15,1,0,3,Аков Ян,1,3,текущая,t,x,\n"
	    "2020-09-15,1,0,9,Бобров Ян,1,4,текущая,t,x,\n"
	    "2020-09-15,1,0,10,Вяткин Ян,1,5,текущая,t,x,\n"
	    "2020-09-16,1,0,3,Аков Ян,1,2,текущая,t,x,\n",
	    MARKS_HDR
	    "2020-09-15,1,0,3,Аков Ян,1,3,текущая,t,x,\n"
	    "2020-09-15,1,0,9,Бобров Ян,1,4,текущая,t,x,\n"
	    "2020-09-15,1,0,9,Бобров Ян,2,5,текущая,t,x,\n"
	    "2020-09-15,1,0,10,Вяткин Ян,1,5,текущая,t,x,\n"
	    "2020-09-17,1,0,3,Аков Ян,1,4,контрольная,t,x,\n");

	assert_int_equal(rd->n, 3);
	assert_int_equal(rd->v[0].op, EJ_REC_ADDED);
	assert_int_equal(rd->v[0].new_line, 4);
	assert_null(rd->v[0].old);
	assert_describe(rd, 0, "Бобров Ян, Математика 15.09: added 5");
	assert_int_equal(rd->v[1].op, EJ_REC_REMOVED);
	assert_int_equal(rd->v[1].old_line, 5);
	assert_null(rd->v[1].new);
	assert_describe(rd, 1, "Аков Ян, Математика 16.09: removed 2");
	assert_int_equal(rd->v[2].op, EJ_REC_ADDED);
	assert_name(rd, 2, "marks 5А Математика 2020-09-17 Аков Ян");
	ej_recdiff_free(rd);
}

static void
test_absent_versions(void **state)
{
	const char *att = "date,lesson,subgroup,pupil_id,pupil,code,"
	    "entered_by,entered_at,reason\n"
	    "2020-09-02,1,0,1,Петров Пётр,н,t,x,\n"
	    "2020-09-02,1,0,2,Сидоров Иван,б,t,x,\n";
	const char *path = "journal/2020-2021/5А/Математика/attendance.csv";
	struct ej_recdiff *rd = diff(*state, path, NULL, att);
	size_t i;

	assert_int_equal(rd->n, 2);
	for (i = 0; i < 2; i++)
		assert_int_equal(rd->v[i].op, EJ_REC_ADDED);
	assert_name(rd, 1, "attendance 5А Математика 2020-09-02 Сидоров Иван");
	ej_recdiff_free(rd);
	rd = diff(*state, path, att, "");
	assert_int_equal(rd->n, 2);
	assert_int_equal(rd->v[0].op, EJ_REC_REMOVED);
	assert_describe(rd, 0, "Петров Пётр, Математика 02.09: removed н");
	ej_recdiff_free(rd);
	rd = diff(*state, path, att, att);
	assert_int_equal(rd->n, 0);
	ej_recdiff_free(rd);
}

static void
test_lesson_and_pupil_names(void **state)
{
	struct ej_recdiff *rd = diff(*state,
	    "journal/2020-2021/5А/Математика/lessons.csv",
	    "date,lesson,subgroup,teacher,topic,homework,topic_at,"
	    "homework_at,entered_by,entered_at\n"
	    "2020-09-02,1,0,t,Дроби,,x,,t,x\n",
	    "date,lesson,subgroup,teacher,topic,homework,topic_at,"
	    "homework_at,entered_by,entered_at\n"
	    "2020-09-02,1,0,t,Дроби,№ 5,x,y,t,x\n");

	assert_int_equal(rd->n, 1);
	assert_name(rd, 0, "lesson 5А Математика 2020-09-02 #1");
	assert_describe(rd, 0, "Математика 02.09 #1: — → № 5; "
	    "homework_at: — → y");
	ej_recdiff_free(rd);

	rd = diff(*state, "people/pupils.csv",
	    "id,ext_id,surname,name,patronymic,birth_date,sex,joined\n"
	    "7,,Петров,Пётр,,2010-01-01,м,\n",
	    "id,ext_id,surname,name,patronymic,birth_date,sex,joined\n"
	    "7,,Петров,Пётр,,2010-01-02,м,\n");
	assert_int_equal(rd->n, 1);
	assert_name(rd, 0, "pupil Петров Пётр");
	assert_describe(rd, 0, "Петров Пётр: birth_date: 2010-01-01 → "
	    "2010-01-02");
	ej_recdiff_free(rd);
}

/* terms.csv is in subject id order, not the names': sorted, then merged. */
static void
test_unsorted_kind(void **state)
{
	const char *hdr = "subject,period,pupil_id,pupil,mark,entered_by,"
	    "entered_at,reason\n";
	char old[512], new[512];
	struct ej_recdiff *rd;

	snprintf(old, sizeof old, "%s"
	    "Математика,1,1,Петров Пётр,4,t,x,\n"
	    "Алгебра,1,1,Петров Пётр,3,t,x,\n"
	    "Алгебра,2,1,Петров Пётр,3,t,x,\n", hdr);
	snprintf(new, sizeof new, "%s"
	    "Математика,1,1,Петров Пётр,5,t,y,итоговая\n"
	    "Алгебра,1,1,Петров Пётр,3,t,x,\n"
	    "Алгебра,2,1,Петров Пётр,3,t,x,\n", hdr);
	rd = diff(*state, "journal/2020-2021/5А/terms.csv", old, new);
	assert_int_equal(rd->n, 1);
	assert_int_equal(rd->v[0].op, EJ_REC_CHANGED);
	assert_int_equal(rd->v[0].new_line, 2);
	assert_name(rd, 0, "period mark 5А Математика 1 Петров Пётр");
	assert_describe(rd, 0, "Петров Пётр, Математика 1: 4 → 5, "
	    "reason: итоговая");
	ej_recdiff_free(rd);
}

/* NULL (nothing) and the empty string ("") are different values. */
static void
test_null_and_empty(void **state)
{
	struct ej_recdiff *rd = diff(*state, "school/plan.csv",
	    "id,task,due,due_date,responsible,done\n"
	    "1,Обучение,сентябрь,,Иванова,\n",
	    "id,task,due,due_date,responsible,done\n"
	    "1,Обучение,сентябрь,\"\",Иванова,\n");

	assert_int_equal(rd->n, 1);
	assert_int_equal(rd->v[0].nchanged, 1);
	assert_null(rd->v[0].old[3]);
	assert_string_equal(rd->v[0].new[3], "");
	assert_name(rd, 0, "plan task 1 Обучение");
	ej_recdiff_free(rd);
}

/* A column added to the kind: old rows are read in the new columns. */
static void
test_header_changed(void **state)
{
	struct ej_recdiff *rd = diff(*state, "school/bells.csv",
	    "lesson,start\n1,08:00\n2,08:55\n",
	    "lesson,start,end\n1,08:00,08:45\n2,09:00,09:45\n");

	assert_int_equal(rd->n, 2);
	assert_int_equal(rd->v[0].nchanged, 1);
	assert_string_equal(rd->cols[rd->v[0].changed[0]], "end");
	assert_int_equal(rd->v[1].nchanged, 2);
	assert_describe(rd, 1, "2: start: 08:55 → 09:00; end: — → 09:45");
	ej_recdiff_free(rd);
}

static void
test_same_key(void **state)
{
	struct ej_recdiff *a = diff(*state, MARKS_PATH, MARKS_HDR,
	    MARKS_HDR "2020-09-15,1,0,7,Петров Пётр,1,4,текущая,t,x,\n");
	struct ej_recdiff *b = diff(*state, MARKS_PATH,
	    MARKS_HDR "2020-09-15,1,0,7,Петров Пётр,1,4,текущая,t,x,\n",
	    MARKS_HDR "2020-09-15,1,0,7,Петров Пётр,1,5,текущая,t,y,r\n"
	    "2020-09-15,1,0,8,Сидоров Иван,1,5,текущая,t,y,\n");

	assert_int_equal(b->n, 2);
	assert_true(ej_rec_same_key(a, &a->v[0], b, &b->v[0]));
	assert_false(ej_rec_same_key(a, &a->v[0], b, &b->v[1]));
	ej_recdiff_free(a);
	ej_recdiff_free(b);
}

static void
test_bad_input(void **state)
{
	struct fx *f = *state;
	struct ej_recdiff *rd = NULL;
	const char *bad = MARKS_HDR
	    "2020-09-15,1,0,7,Петров Пётр,1,4,текущая,t,x,\n"
	    "2020-09-16,1,0,7,\"Петров\" Пётр,1,4,текущая,t,x,\n";

	assert_int_equal(ej_recdiff(&rd, MARKS_PATH, NULL, 0, bad,
	    strlen(bad), &f->d), -1);
	assert_null(rd);
	assert_non_null(strstr(errors(f), MARKS_PATH ":3:"));

	assert_int_equal(ej_recdiff(&rd, "notes/x.csv", NULL, 0, "a\n1\n", 4,
	    &f->d), -1);
	assert_non_null(strstr(errors(f), "notes/x.csv"));
	bad = "date,lesson\n2020-09-15,1\n";
	assert_int_equal(ej_recdiff(&rd, MARKS_PATH, NULL, 0, bad,
	    strlen(bad), &f->d), -1);
	assert_non_null(strstr(errors(f), "no key column subgroup"));
	assert_int_equal(ej_diag_status(&f->d), EJ_EXIT_DATAERR);
}

static void
test_kind(void **state)
{
	(void)state;
	assert_string_equal(ej_snap_kind(MARKS_PATH)->kind, "marks");
	assert_string_equal(ej_snap_kind("people/pupils.csv")->kind,
	    "pupils");
	assert_string_equal(ej_snap_kind("journal/2020-2021/5А/terms.csv")->kind,
	    "terms");
	assert_null(ej_snap_kind("journal/2020-2021/5А/x.csv"));
}

/* Every kind of records declares its key columns, and they are in its
 * header (a blob kind holds a file, not records). */
static void
test_every_kind_keyed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ej_snapshot_nfiles; i++) {
		const struct ej_snapfile *k = &ej_snapshot_files[i];
		const char *kc = k->key_cols, *p;

		if (k->blob)
			continue;        /* a file's bytes, not records */
		assert_non_null(kc);
		/* Each key column appears among the dump's output names. */
		for (p = kc; *p;) {
			size_t n;
			char name[64];

			while (*p == ' ' || *p == ',')
				p++;
			n = strcspn(p, ",");
			snprintf(name, sizeof name, "%.*s", (int)n, p);
			if (!strstr(k->dump_sql, name))
				fail_msg("%s: key %s not dumped", k->kind,
				    name);
			p += n;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_corrected_mark, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rename_not_a_correction,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_merge_added_removed_numeric_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_versions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lesson_and_pupil_names,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsorted_kind, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_null_and_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header_changed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
		    teardown),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_every_kind_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
