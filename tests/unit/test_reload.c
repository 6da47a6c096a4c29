/*
 * history: the partial reload a mirror's pull runs. A store makes a series
 * of commits (marks, a lesson's topic, a pupil renamed, a class renamed,
 * marks removed, a staff login changed); a second database loaded at an
 * early commit is brought to each later one by ej_history_reload and must
 * then serialise to exactly that commit's tree, having reloaded only the
 * files that differ.
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

#include "history.h"
#include "store.h"

struct fx {
	struct ej_fx x;
	char mirror[96];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	ej_fx_init(&f->x);
	snprintf(f->mirror, sizeof f->mirror, "%s/mirror", f->x.dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ej_fx_fini(&f->x);
	free(f);
	return 0;
}

/* One write: begin, the SQL, commit; the new HEAD in *id. */
static void
write_commit(struct fx *f, struct ej_store *s, const char *sql, git_oid *id)
{
	struct ej_commit_info ci = {.summary = "test"};

	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, sql);
	if (ej_store_commit(s, &ci, NULL, &f->x.d) != 1)
		fail_msg("commit: %s", ej_fx_errors(&f->x));
	assert_int_equal(ej_history_head(s, id, &f->x.d), 0);
}

static void
commit_tree(struct ej_store *s, const git_oid *commit, git_oid *tree,
    struct ej_diag *d)
{
	git_commit *c;

	assert_int_equal(git_commit_lookup(&c, ej_store_repo(s, d), commit), 0);
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
}

static size_t
count(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int
has(char **v, const char *path)
{
	for (; v && *v; v++)
		if (strcmp(*v, path) == 0)
			return 1;
	return 0;
}

#define NCOMMITS 7

/* The school's store and its commits c[0..NCOMMITS-1]. */
static struct ej_store *
make_history(struct fx *f, git_oid c[NCOMMITS])
{
	struct ej_store *s;
	struct ej_actor a = {0};

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	a.staff_id = 1;
	snprintf(a.login, sizeof a.login, "nechaeva");
	snprintf(a.name, sizeof a.name, "Нечаева Ольга");
	ej_store_set_actor(s, &a);
	write_commit(f, s, "INSERT INTO school VALUES('id', 'sch1');"
	    "INSERT INTO staff(id, login, surname, name) VALUES"
	    "(1, 'nechaeva', 'Нечаева', 'Ольга'), (2, 'usenko', 'Усенко', "
	    "'Виктор');"
	    "INSERT INTO staff_roles VALUES(1, 'admin'), (2, 'teacher');"
	    "INSERT INTO years VALUES(1, '2020-2021', '2020-09-01', "
	    "'2021-05-31');"
	    "INSERT INTO subjects(id, name, short) VALUES(1, 'Алгебра', 'Алг'),"
	    "(2, 'Физика', 'Физ');"
	    "INSERT INTO work_types VALUES(1, 'контрольная', 2, 7, 1, 0);"
	    "INSERT INTO classes VALUES(1, 1, '7А', 7, 'А', 2),"
	    "(2, 1, '7Б', 7, 'Б', NULL);"
	    "INSERT INTO pupils(id, surname, name) VALUES(1, 'Иванов', 'Иван'),"
	    "(2, 'Петрова', 'Анна'), (3, 'Сидоров', 'Олег');"
	    "INSERT INTO lessons(id, class_id, subject_id, date, at) VALUES"
	    "(1, 1, 1, '2020-09-01', 'x'), (2, 1, 1, '2020-09-03', 'x'),"
	    "(3, 1, 2, '2020-09-02', 'x'), (4, 2, 1, '2020-09-01', 'x');"
	    "INSERT INTO marks VALUES(1, 1, 1, '5', 1, 2, 'x', ''),"
	    "(2, 2, 1, '4', 1, 2, 'x', ''), (3, 1, 1, '3', 1, 2, 'x', ''),"
	    "(4, 3, 1, '5', 1, 2, 'x', '');"
	    "INSERT INTO attendance VALUES(1, 2, 'н', 2, 'x', '');", &c[0]);
	/* a mark in 7А Алгебра */
	write_commit(f, s, "INSERT INTO marks VALUES(2, 1, 1, '3', 1, 2, "
	    "'y', '')", &c[1]);
	/* a topic: the lessons file, whose marks and attendance go with it */
	write_commit(f, s, "UPDATE lessons SET topic = 'Дроби' WHERE id = 2",
	    &c[2]);
	/* a pupil renamed: the people file and every journal file naming
	 * him */
	write_commit(f, s, "UPDATE pupils SET surname = 'Иванов-Петров' "
	    "WHERE id = 1", &c[3]);
	/* a class renamed: its files move */
	write_commit(f, s, "UPDATE classes SET name = '7В', letter = 'В' "
	    "WHERE id = 2", &c[4]);
	/* marks removed: 7А Физика's marks file goes */
	write_commit(f, s, "DELETE FROM marks WHERE lesson_id = 3", &c[5]);
	/* a login changed: every file that names it */
	write_commit(f, s, "UPDATE staff SET login = 'usenko.v' WHERE id = 2",
	    &c[6]);
	return s;
}

/* A database for the same history, loaded at commit at. */
static struct ej_store *
mirror_at(struct fx *f, const git_oid *at)
{
	struct ej_store *t;
	char cmd[512], hex[GIT_OID_HEXSZ + 1];

	assert_int_equal(ej_store_create(&t, f->mirror, NULL, &f->x.d), 0);
	ej_store_close(t);
	snprintf(cmd, sizeof cmd, "rm -rf %s/history.git && cp -a "
	    "%s/history.git %s/history.git", f->mirror, f->x.store, f->mirror);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ej_store_open(&t, f->mirror, EJ_STORE_WRITE, &f->x.d),
	    0);
	ej_fx_exec(t, "BEGIN");
	assert_int_equal(ej_history_load(t, at, &f->x.d), 0);
	git_oid_tostr(hex, sizeof hex, at);
	assert_int_equal(ej_meta_set(t, "head", hex), 0);
	ej_fx_exec(t, "COMMIT");
	return t;
}

/* Reload from → to in one transaction; the DB is then to's tree. */
static char **
reload_ok(struct fx *f, struct ej_store *t, const git_oid *from,
    const git_oid *to)
{
	git_oid want, got;
	char **paths = NULL;
	long n;

	ej_fx_exec(t, "BEGIN IMMEDIATE");
	n = ej_history_reload(t, from, to, &paths, &f->x.d);
	if (n < 0)
		fail_msg("reload: %s", ej_fx_errors(&f->x));
	ej_fx_exec(t, "COMMIT");
	assert_int_equal((size_t)n, count(paths));
	commit_tree(t, to, &want, &f->x.d);
	assert_int_equal(ej_snap_tree(t, &got, 0, &f->x.d), 0);
	assert_true(git_oid_equal(&want, &got));
	return paths;
}

/* Step by step, each commit's own change. */
static void
test_reload_each_commit(void **state)
{
	struct fx *f = *state;
	git_oid c[NCOMMITS];
	struct ej_store *s = make_history(f, c), *t;
	char **p;
	int i;

	ej_store_close(s);
	t = mirror_at(f, &c[0]);
	p = reload_ok(f, t, &c[0], &c[1]);
	assert_int_equal(count(p), 1);
	assert_true(has(p, "journal/2020-2021/7А/Алгебра/marks.csv"));
	ej_strv_free(p);
	p = reload_ok(f, t, &c[1], &c[2]);
	/* lessons.csv, and its marks and attendance at the same keys */
	assert_int_equal(count(p), 3);
	assert_true(has(p, "journal/2020-2021/7А/Алгебра/lessons.csv"));
	assert_true(has(p, "journal/2020-2021/7А/Алгебра/attendance.csv"));
	ej_strv_free(p);
	p = reload_ok(f, t, &c[2], &c[3]);
	assert_true(has(p, "people/pupils.csv"));
	assert_true(has(p, "journal/2020-2021/7А/Физика/marks.csv"));
	assert_false(has(p, "journal/2020-2021/7Б/Алгебра/marks.csv"));
	ej_strv_free(p);
	p = reload_ok(f, t, &c[3], &c[4]);
	assert_true(has(p, "school/classes.csv"));
	assert_true(has(p, "journal/2020-2021/7Б/Алгебра/marks.csv"));
	assert_true(has(p, "journal/2020-2021/7В/Алгебра/marks.csv"));
	ej_strv_free(p);
	p = reload_ok(f, t, &c[4], &c[5]);
	assert_int_equal(count(p), 1);
	assert_true(has(p, "journal/2020-2021/7А/Физика/marks.csv"));
	ej_strv_free(p);
	for (i = 6; i < NCOMMITS; i++)
		ej_strv_free(reload_ok(f, t, &c[i - 1], &c[i]));
	ej_store_close(t);
}

/* Many commits at once: the difference of the ends, nothing else. */
static void
test_reload_many_at_once(void **state)
{
	struct fx *f = *state;
	git_oid c[NCOMMITS];
	struct ej_store *s = make_history(f, c), *t;
	char **p;

	ej_store_close(s);
	t = mirror_at(f, &c[0]);
	p = reload_ok(f, t, &c[0], &c[NCOMMITS - 1]);
	assert_true(has(p, "people/staff.csv"));
	assert_true(has(p, "journal/2020-2021/7А/Физика/marks.csv"));
	ej_strv_free(p);
	/* nothing between a commit and itself */
	p = reload_ok(f, t, &c[NCOMMITS - 1], &c[NCOMMITS - 1]);
	assert_int_equal(count(p), 0);
	ej_strv_free(p);
	ej_store_close(t);
}

/* A database that is not at from: the reload fails, and the caller's
 * rollback leaves it as it was. */
static void
test_reload_wrong_base(void **state)
{
	struct fx *f = *state;
	git_oid c[NCOMMITS];
	struct ej_store *s = make_history(f, c), *t;
	git_oid before, after;
	char **p = NULL;

	ej_store_close(s);
	t = mirror_at(f, &c[0]);
	assert_int_equal(ej_snap_tree(t, &before, 0, &f->x.d), 0);
	/* the DB is at c[0], where 7В is still 7Б; claim c[5] */
	ej_fx_exec(t, "BEGIN IMMEDIATE");
	assert_true(ej_history_reload(t, &c[5], &c[6], &p, &f->x.d) < 0);
	assert_null(p);
	ej_fx_exec(t, "ROLLBACK");
	assert_non_null(strstr(ej_fx_errors(&f->x), "7В/Алгебра/"));
	assert_int_equal(ej_snap_tree(t, &after, 0, &f->x.d), 0);
	assert_true(git_oid_equal(&before, &after));
	ej_store_close(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reload_each_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_many_at_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_wrong_base, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
