/*
 * history and store: the canonical snapshot, O(change) commits, verify,
 * load, packing, and the commit protocol's recovery after a crash at each
 * of its steps (a forked child dies there; the parent checks that the
 * database and the history agree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history.h"
#include "packwrite.h"
#include "store.h"

struct fx {
	struct ej_fx x;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	ej_fx_init(&f->x);
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

static void
set_actor(struct ej_store *s)
{
	struct ej_actor a = {0};

	a.staff_id = 1;
	snprintf(a.login, sizeof a.login, "nechaeva");
	snprintf(a.name, sizeof a.name, "Нечаева Ольга Олеговна");
	ej_store_set_actor(s, &a);
}

/* A new store with a first commit holding a small school. */
static struct ej_store *
make_store(struct fx *f)
{
	struct ej_store *s;
	struct ej_commit_info ci = {.summary = "init: test"};

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	set_actor(s);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO school VALUES('id', 'sch1'), "
	    "('short_name', 'Школа №1');"
	    "INSERT INTO staff(id, login, surname, name, patronymic) VALUES"
	    "(1, 'nechaeva', 'Нечаева', 'Ольга', 'Олеговна'),"
	    "(2, 'usenko', 'Усенко', 'Виктор', 'Васильевич');"
	    "INSERT INTO staff_roles VALUES(1, 'admin'), (1, 'deputy'), "
	    "(2, 'technician');"
	    "INSERT INTO years VALUES(1, '2020-2021', '2020-09-01', "
	    "'2021-05-31');"
	    "INSERT INTO subjects(id, name, short) VALUES(1, 'Алгебра', "
	    "'Алг'), (2, 'Русский язык, литература', 'Рус');"
	    "INSERT INTO settings VALUES('marks.threshold.5', '4.60');"
	    "INSERT INTO work_types VALUES(1, 'контрольная', 2, 7, 1, 0),"
	    "(2, 'ответ на уроке', 1.5, 0, 0, 1);");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	return s;
}

static void
head_tree(struct ej_store *s, git_oid *tree_id, struct ej_diag *d)
{
	git_oid head;
	git_commit *c;

	assert_int_equal(ej_history_head(s, &head, d), 0);
	assert_int_equal(git_commit_lookup(&c, ej_store_repo(s, d), &head), 0);
	git_oid_cpy(tree_id, git_commit_tree_id(c));
	git_commit_free(c);
}

static char *
blob_at_head(struct ej_store *s, const char *path, struct ej_diag *d)
{
	git_oid head;
	git_commit *c;
	git_tree *t;
	git_tree_entry *e;
	git_blob *b;
	char *out;

	assert_int_equal(ej_history_head(s, &head, d), 0);
	assert_int_equal(git_commit_lookup(&c, ej_store_repo(s, d), &head), 0);
	assert_int_equal(git_commit_tree(&t, c), 0);
	if (git_tree_entry_bypath(&e, t, path) < 0)
		fail_msg("%s not in HEAD", path);
	assert_int_equal(git_blob_lookup(&b, ej_store_repo(s, d),
	    git_tree_entry_id(e)), 0);
	out = strndup(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return out;
}

static long
count_commits(struct ej_store *s, struct ej_diag *d)
{
	git_revwalk *w;
	git_oid id;
	long n = 0;

	assert_int_equal(git_revwalk_new(&w, ej_store_repo(s, d)), 0);
	if (git_revwalk_push_ref(w, "refs/heads/main") == 0)
		while (git_revwalk_next(&id, w) == 0)
			n++;
	git_revwalk_free(w);
	return n;
}

/* The snapshot's bytes are canonical: fixed columns, sorted rows, quoting
 * only where needed, "" for the empty string, shortest reals. */
static void
test_canonical_bytes(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	char *b;

	b = blob_at_head(s, "people/staff.csv", &f->x.d);
	assert_string_equal(b,
	    "id,login,surname,name,patronymic,email,phone,position,active\n"
	    "1,nechaeva,Нечаева,Ольга,Олеговна,\"\",\"\",\"\",1\n"
	    "2,usenko,Усенко,Виктор,Васильевич,\"\",\"\",\"\",1\n");
	free(b);
	b = blob_at_head(s, "people/staff_roles.csv", &f->x.d);
	assert_string_equal(b, "login,role\nnechaeva,admin\nnechaeva,deputy\n"
	    "usenko,technician\n");
	free(b);
	b = blob_at_head(s, "school/subjects.csv", &f->x.d);
	assert_string_equal(b, "id,name,short,passfail,two_marks,subgroups\n"
	    "1,Алгебра,Алг,0,0,0\n2,\"Русский язык, литература\",Рус,0,0,0\n");
	free(b);
	b = blob_at_head(s, "school/work_types.csv", &f->x.d);
	assert_string_equal(b, "id,name,weight,deadline,written,dflt\n"
	    "1,контрольная,2,7,1,0\n2,ответ на уроке,1.5,0,0,1\n");
	free(b);
	/* Empty tables still have their file, header only. */
	b = blob_at_head(s, "school/plan.csv", &f->x.d);
	assert_string_equal(b, "id,task,due,due_date,responsible,done\n");
	free(b);
	ej_store_close(s);
}

static void
test_first_commit_author(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	git_oid head;
	git_commit *c;

	assert_int_equal(ej_history_head(s, &head, &f->x.d), 0);
	assert_int_equal(git_commit_lookup(&c, ej_store_repo(s, &f->x.d),
	    &head), 0);
	assert_string_equal(git_commit_author(c)->name,
	    "Нечаева Ольга Олеговна");
	assert_string_equal(git_commit_author(c)->email, "nechaeva@sch1");
	assert_string_equal(git_commit_committer(c)->name, "ej");
	assert_string_equal(git_commit_summary(c), "init: test");
	assert_int_equal(git_commit_parentcount(c), 0);
	git_commit_free(c);
	ej_store_close(s);
}

/* Nothing changed: no commit. One row changed: one file rewritten, the
 * rest of the tree shared with the parent. */
static void
test_o_change(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct ej_commit_info ci = {.summary = "staff: ~1"};
	struct ej_commit_result r;
	git_oid t1, t2;
	git_tree *a, *b;
	git_diff *diff;

	head_tree(s, &t1, &f->x.d);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE staff SET phone = phone WHERE id = 1");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 0);
	assert_int_equal(r.files_changed, 0);
	ej_commit_result_free(&r);
	assert_int_equal(count_commits(s, &f->x.d), 1);

	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE staff SET phone = '+7 978 000-00-00' WHERE id = 2");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 1);
	assert_string_equal(r.paths[0], "people/staff.csv");
	assert_null(r.paths[1]);
	ej_commit_result_free(&r);
	assert_int_equal(count_commits(s, &f->x.d), 2);

	head_tree(s, &t2, &f->x.d);
	assert_int_equal(git_tree_lookup(&a, ej_store_repo(s, &f->x.d), &t1), 0);
	assert_int_equal(git_tree_lookup(&b, ej_store_repo(s, &f->x.d), &t2), 0);
	assert_int_equal(git_diff_tree_to_tree(&diff, ej_store_repo(s, &f->x.d),
	    a, b, NULL), 0);
	assert_int_equal(git_diff_num_deltas(diff), 1);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);

	/* A login rename rewrites the files that show the login. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE staff SET login = 'usenko.vv' WHERE id = 2");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 2);
	assert_string_equal(r.paths[0], "people/staff.csv");
	assert_string_equal(r.paths[1], "people/staff_roles.csv");
	ej_commit_result_free(&r);
	ej_store_close(s);
}

static void
test_dry_run_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct ej_commit_info ci = {.summary = "x", .dry_run = 1};
	struct ej_commit_result r;
	git_oid before, after;
	sqlite3_stmt *st;

	assert_int_equal(ej_history_head(s, &before, &f->x.d), 0);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "DELETE FROM staff_roles WHERE staff_id = 2");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 1);
	ej_commit_result_free(&r);
	assert_int_equal(ej_history_head(s, &after, &f->x.d), 0);
	assert_true(git_oid_equal(&before, &after));
	assert_int_equal(sqlite3_prepare_v2(ej_store_db(s),
	    "SELECT count(*) FROM staff_roles", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	sqlite3_finalize(st);
	ej_store_close(s);
}

/* A change behind ej's back is not tracked, never committed by the next
 * write, and verify names the file. */
static void
test_verify_tamper(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct ej_commit_info ci = {.summary = "roles"};
	sqlite3 *db;
	char **paths;

	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 0);
	ej_strv_free(paths);
	ej_store_close(s);

	assert_int_equal(sqlite3_open(f->x.store, &db), SQLITE_CANTOPEN);
	sqlite3_close(db);
	{
		char p[160];
		snprintf(p, sizeof p, "%s/ej.db", f->x.store);
		assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE subjects SET short = "
		    "'Ал' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_WRITE, &f->x.d), 0);
	set_actor(s);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 1);
	assert_string_equal(paths[0], "school/subjects.csv");
	ej_strv_free(paths);
	/* An honest write elsewhere does not launder the tampering. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO staff_roles VALUES(2, 'secretary')");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 1);
	assert_string_equal(paths[0], "school/subjects.csv");
	ej_strv_free(paths);
	/* A write to the tampered file itself is refused: committing it
	 * would put the tampering into the history under this writer. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE subjects SET name = 'Алгебра и начала анализа' "
	    "WHERE id = 1");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_SOFTWARE);
	assert_non_null(strstr(ej_fx_errors(&f->x), "school/subjects.csv: the database "
	    "differs from the history"));
	assert_int_equal(count_commits(s, &f->x.d), 2);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 1);
	ej_strv_free(paths);
	ej_store_close(s);
}

/* The history loads back into an empty store, and that store's snapshot
 * is HEAD's tree, byte for byte. */
static void
test_load_round_trip(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f), *t;
	char other[128], src[128];
	git_oid want, head, got;
	char **paths;

	head_tree(s, &want, &f->x.d);
	assert_int_equal(ej_history_head(s, &head, &f->x.d), 0);
	ej_store_close(s);
	/* Load into a second store that shares the history directory. */
	snprintf(other, sizeof other, "%s/other", f->x.dir);
	assert_int_equal(ej_store_create(&t, other, NULL, &f->x.d), 0);
	ej_store_close(t);
	snprintf(src, sizeof src, "%s/history.git", f->x.store);
	{
		char cmd[512];
		snprintf(cmd, sizeof cmd, "rm -rf %s/history.git && "
		    "cp -a %s %s/history.git", other, src, other);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(ej_store_open(&t, other, EJ_STORE_WRITE, &f->x.d), 0);
	ej_fx_exec(t, "BEGIN");
	assert_int_equal(ej_history_load(t, NULL, &f->x.d), 0);
	ej_fx_exec(t, "COMMIT");
	assert_int_equal(ej_snap_tree(t, &got, 1, &f->x.d), 0);
	assert_true(git_oid_equal(&want, &got));
	assert_int_equal(ej_history_verify(t, &paths, &f->x.d), 0);
	ej_strv_free(paths);
	ej_store_close(t);
}

/* ------------------------------------------------------- crash recovery */

struct crash {
	int step;
};

static int
die_at(int step, void *payload)
{
	struct crash *c = payload;

	if (step == c->step)
		_exit(99);
	return 0;
}

static int
staff_roles_count(struct ej_store *s)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(ej_store_db(s),
	    "SELECT count(*) FROM staff_roles", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * For each step of the protocol, a writer dies there. Afterwards the next
 * writer's begin recovers, the DB and HEAD agree (verify finds nothing),
 * and the change is wholly there (died after the SQLite COMMIT) or wholly
 * absent (died before it).
 */
static void
test_crash_at_each_step(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	int step;

	ej_store_close(s);
	for (step = 1; step <= 8; step++) {
		struct crash c = {step};
		struct ej_commit_info ci = {.summary = "crash"};
		char **paths;
		int status, before;
		long commits;
		pid_t pid;

		assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_WRITE,
		    &f->x.d), 0);
		before = staff_roles_count(s);
		commits = count_commits(s, &f->x.d);
		ej_store_close(s);

		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct ej_diag d;
			char sql[256];

			ej_diag_init(&d, "child", stderr);
			if (ej_store_open(&s, f->x.store, EJ_STORE_WRITE, &d) < 0)
				_exit(1);
			set_actor(s);
			ej_store_set_fault(s, die_at, &c);
			if (ej_store_begin(s, &d) < 0)
				_exit(2);
			snprintf(sql, sizeof sql, "INSERT INTO staff(login, "
			    "surname, name) VALUES('t%d', 'Т', 'Т');"
			    "INSERT INTO staff_roles SELECT id, 'teacher' "
			    "FROM staff WHERE login = 't%d'", step, step);
			if (sqlite3_exec(ej_store_db(s), sql, NULL, NULL,
			    NULL) != SQLITE_OK)
				_exit(3);
			ej_store_commit(s, &ci, NULL, &d);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), step <= 8 ? 99 : 0);

		assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_WRITE,
		    &f->x.d), 0);
		set_actor(s);
		/* The next writer recovers (or finds nothing to do). */
		assert_int_equal(ej_store_begin(s, &f->x.d), 0);
		ej_store_rollback(s);
		assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 0);
		ej_strv_free(paths);
		if (step <= 6) {
			assert_int_equal(staff_roles_count(s), before);
			assert_int_equal(count_commits(s, &f->x.d), commits);
		} else {
			assert_int_equal(staff_roles_count(s), before + 1);
			assert_int_equal(count_commits(s, &f->x.d), commits + 1);
		}
		ej_store_close(s);
	}
}

/* A history that moved on without the database: refuse to write. */
static void
test_refuses_diverged(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	git_repository *repo = ej_store_repo(s, &f->x.d);
	git_oid head, tree, other;
	git_commit *c;
	git_tree *t;
	git_signature *sig;
	git_reference *ref;

	assert_int_equal(ej_history_head(s, &head, &f->x.d), 0);
	assert_int_equal(git_commit_lookup(&c, repo, &head), 0);
	git_oid_cpy(&tree, git_commit_tree_id(c));
	assert_int_equal(git_tree_lookup(&t, repo, &tree), 0);
	assert_int_equal(git_signature_now(&sig, "x", "x@x"), 0);
	assert_int_equal(git_commit_create(&other, repo, NULL, sig, sig,
	    NULL, "foreign", t, 0, NULL), 0);
	assert_int_equal(git_reference_create(&ref, repo, "refs/heads/main",
	    &other, 1, NULL), 0);
	git_reference_free(ref);
	git_signature_free(sig);
	git_tree_free(t);
	git_commit_free(c);

	assert_int_equal(ej_store_begin(s, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_SOFTWARE);
	assert_non_null(strstr(ej_fx_errors(&f->x), "disagree"));
	assert_non_null(strstr(ej_fx_errors(&f->x), "run ej-audit"));
	ej_store_close(s);
}

/* ------------------------------------------------- keyed files, packing */

static const struct ej_snapfile notes_files[] = {
	{
		.kind = "notes",
		.glob = "notes/*.csv",
		.keys_sql = "SELECT DISTINCT grp, 0, 0 FROM notes",
		.path_sql = "SELECT 'notes/' || name || '.csv' FROM grps "
		    "WHERE id = ?1",
		.paths_sql = "SELECT 'notes/' || name || '.csv', id, 0, 0 "
		    "FROM grps",
		.dump_sql = "SELECT id, txt FROM notes WHERE grp = ?1 "
		    "ORDER BY id",
		.load_sql = "INSERT INTO notes(id, grp, txt) VALUES(:id, :k1, "
		    ":txt)",
		.deps = {
			{ .table = "notes", .keys_new = "SELECT NEW.grp, 0, 0",
			  .keys_old = "SELECT OLD.grp, 0, 0" },
			{ .table = "grps", .keys_new = "SELECT -1, 0, 0",
			  .keys_old = "SELECT -1, 0, 0", .when = "name" },
		},
	},
};

static void
test_keyed_files(void **state)
{
	struct fx *f = *state;
	struct ej_store *s;
	struct ej_commit_info ci = {.summary = "notes"};
	struct ej_commit_result r;
	char *b, **paths;

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	set_actor(s);
	ej_fx_exec(s, "CREATE TABLE grps(id INTEGER PRIMARY KEY, name TEXT);"
	    "CREATE TABLE notes(id INTEGER PRIMARY KEY, grp INTEGER, txt TEXT);"
	    "INSERT INTO school VALUES('id', 'k')");
	ej_store_set_snapshot(s, notes_files, 1);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO grps VALUES(1, 'a'), (2, 'b');"
	    "INSERT INTO notes VALUES(1, 1, 'x'), (2, 2, 'y'), (3, 1, 'z')");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 2);
	ej_commit_result_free(&r);

	/* One key touched: one file. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE notes SET txt = 'y2' WHERE id = 2");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 1);
	assert_string_equal(r.paths[0], "notes/b.csv");
	ej_commit_result_free(&r);

	/* Last row of a key gone: its file is removed. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "DELETE FROM notes WHERE grp = 2");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_string_equal(r.paths[0], "notes/b.csv");
	ej_commit_result_free(&r);

	/* A rename moves the file: every file of the kind is redone. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE grps SET name = 'c' WHERE id = 1");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 2);
	assert_string_equal(r.paths[0], "notes/a.csv");
	assert_string_equal(r.paths[1], "notes/c.csv");
	ej_commit_result_free(&r);
	b = blob_at_head(s, "notes/c.csv", &f->x.d);
	assert_string_equal(b, "id,txt\n1,x\n3,z\n");
	free(b);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 0);
	ej_strv_free(paths);

	/* Load back: rows of every present file, keys from the path. */
	ej_fx_exec(s, "DELETE FROM notes");
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 1);
	ej_strv_free(paths);
	assert_int_equal(ej_history_load(s, NULL, &f->x.d), 0);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 0);
	ej_strv_free(paths);
	ej_store_close(s);
}

static long
loose_objects(const char *store)
{
	char p[256];
	long n = 0;
	int i;

	for (i = 0; i < 256; i++) {
		DIR *dp;
		struct dirent *e;

		snprintf(p, sizeof p, "%s/history.git/objects/%02x", store, i);
		if ((dp = opendir(p)) == NULL)
			continue;
		while ((e = readdir(dp)) != NULL)
			if (e->d_name[0] != '.')
				n++;
		closedir(dp);
	}
	return n;
}

static long
packs(const char *store)
{
	char p[256];
	long n = 0;
	DIR *dp;
	struct dirent *e;
	size_t len;

	snprintf(p, sizeof p, "%s/history.git/objects/pack", store);
	if ((dp = opendir(p)) == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if ((len = strlen(e->d_name)) > 4 &&
		    strcmp(e->d_name + len - 4, ".idx") == 0)
			n++;
	closedir(dp);
	return n;
}

/*
 * Tampering with keyed files, found by the check of the files' state
 * before the change (on its own thread, as the commit serialises them),
 * with many files dirty and with two: a file changed, one emptied and
 * one made behind ej's back.
 */
static void
test_tamper_keyed(void **state)
{
	struct fx *f = *state;
	struct ej_store *s;
	struct ej_commit_info ci = {.summary = "notes"};
	struct ej_commit_result r;
	const char *err;
	char sql[256], p[160];
	sqlite3 *db;
	int i;

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	set_actor(s);
	ej_fx_exec(s, "CREATE TABLE grps(id INTEGER PRIMARY KEY, name TEXT);"
	    "CREATE TABLE notes(id INTEGER PRIMARY KEY, grp INTEGER, txt TEXT);"
	    "INSERT INTO school VALUES('id', 'k')");
	ej_store_set_snapshot(s, notes_files, 1);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	for (i = 1; i <= 12; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO grps VALUES(%d, "
		    "'g%02d')", i, i);
		ej_fx_exec(s, sql);
		if (i == 12)
			continue;        /* g12: no notes, no file */
		snprintf(sql, sizeof sql, "INSERT INTO notes(grp, txt) "
		    "VALUES(%d, 'a'), (%d, 'b')", i, i);
		ej_fx_exec(s, sql);
	}
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 11);
	ej_commit_result_free(&r);
	/* Honest: every file at once. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE notes SET txt = txt || '!'");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 11);
	ej_commit_result_free(&r);
	ej_store_close(s);

	snprintf(p, sizeof p, "%s/ej.db", f->x.store);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE notes SET txt = 'x' WHERE "
	    "grp = 5 AND txt = 'a!'; DELETE FROM notes WHERE grp = 7; "
	    "INSERT INTO notes(grp, txt) VALUES(12, 'c')", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_WRITE,
	    &f->x.d), 0);
	set_actor(s);
	ej_store_set_snapshot(s, notes_files, 1);
	/* Many files. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "UPDATE notes SET txt = txt || '?'");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_SOFTWARE);
	err = ej_fx_errors(&f->x);
	assert_non_null(strstr(err, "notes/g05.csv: the database differs"));
	assert_non_null(strstr(err, "notes/g12.csv: the database differs"));
	assert_null(strstr(err, "notes/g01.csv"));
	assert_null(strstr(err, "notes/g07.csv"));  /* not dirty now */
	assert_int_equal(count_commits(s, &f->x.d), 2);
	/* Two files, one emptied behind ej's back. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO notes(grp, txt) VALUES(7, 'd'), (1, 'e')");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), -1);
	err = ej_fx_errors(&f->x);
	assert_non_null(strstr(err, "notes/g07.csv: the database differs"));
	assert_null(strstr(err, "notes/g01.csv"));
	assert_int_equal(count_commits(s, &f->x.d), 2);
	/* Untouched files stay writable. */
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO notes(grp, txt) VALUES(1, 'f'), (2, 'g'), "
	    "(3, 'h'), (4, 'i'), (6, 'j'), (8, 'k'), (9, 'l'), (10, 'm'), "
	    "(11, 'n')");
	assert_int_equal(ej_store_commit(s, &ci, &r, &f->x.d), 1);
	assert_int_equal(r.files_changed, 9);
	ej_commit_result_free(&r);
	ej_store_close(s);
}

/* Each commit writes its objects as one pack, no loose object; a batch of
 * small packs is consolidated into one; everything still reads. */
static void
test_pack(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct ej_commit_info ci = {.summary = "phone"};
	char **paths, sql[128];
	long before = packs(f->x.store);
	int i;

	for (i = 0; i < 20; i++) {
		assert_int_equal(ej_store_begin(s, &f->x.d), 0);
		snprintf(sql, sizeof sql, "UPDATE staff SET phone = '%d' "
		    "WHERE id = 2", i);
		ej_fx_exec(s, sql);
		assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	}
	assert_int_equal(loose_objects(f->x.store), 0);
	assert_int_equal(packs(f->x.store), before + 20);
	for (; i < 20 + EJ_PACKW_BATCH; i++) {
		assert_int_equal(ej_store_begin(s, &f->x.d), 0);
		snprintf(sql, sizeof sql, "UPDATE staff SET phone = '%d' "
		    "WHERE id = 2", i);
		ej_fx_exec(s, sql);
		assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	}
	/* consolidated on the way: fewer packs than a batch */
	assert_true(packs(f->x.store) < EJ_PACKW_BATCH);
	assert_int_equal(loose_objects(f->x.store), 0);
	/* Packing loose objects finds none. */
	assert_int_equal(ej_history_pack(s, 0, &f->x.d), 0);
	ej_store_close(s);
	/* Everything still reads, from the packs. */
	assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_WRITE, &f->x.d), 0);
	assert_int_equal(ej_history_verify(s, &paths, &f->x.d), 0);
	ej_strv_free(paths);
	assert_int_equal(count_commits(s, &f->x.d), 21 + EJ_PACKW_BATCH);
	ej_store_close(s);
}

static void
test_create_refuses_existing(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f), *t;

	ej_store_close(s);
	assert_int_equal(ej_store_create(&t, f->x.store, NULL, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_CANTCREAT);
	assert_non_null(strstr(ej_fx_errors(&f->x), "already exists"));
	/* and left it alone */
	assert_int_equal(ej_store_open(&s, f->x.store, EJ_STORE_READ, &f->x.d), 0);
	ej_store_close(s);
}

static int
fail_at_5(int step, void *payload)
{
	(void)payload;
	return step == 5;
}

/* A first commit that fails: ej_store_destroy leaves nothing behind. */
static void
test_destroy_after_failure(void **state)
{
	struct fx *f = *state;
	struct ej_store *s;
	struct ej_commit_info ci = {.summary = "init"};
	struct stat st;

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	set_actor(s);
	ej_store_set_fault(s, fail_at_5, NULL);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO school VALUES('id', 'x')");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), -1);
	ej_store_destroy(s);
	assert_int_equal(stat(f->x.store, &st), -1);
}

static void
test_store_modes(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct stat st;
	char p[160];

	ej_store_close(s);
	assert_int_equal(stat(f->x.store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof p, "%s/ej.db", f->x.store);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	snprintf(p, sizeof p, "%s/history.git/objects", f->x.store);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_commit_author,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_o_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_tamper, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crash_at_each_step, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuses_diverged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keyed_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_keyed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses_existing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_modes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_destroy_after_failure,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
