/*
 * sync: who reads a mirror. The district's people are not on the school's
 * staff: on a mirror they read and audit; nobody writes; on a school's own
 * store the ordinary rules stand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "sync.h"
#include "who.h"

struct fx {
	struct ej_fx x;
	struct ej_store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	ej_fx_init(&f->x);
	/* A store whose staff is someone other than the user running. */
	assert_int_equal(ej_store_create(&f->s, f->x.store, NULL, &f->x.d), 0);
	assert_int_equal(sqlite3_exec(ej_store_db(f->s),
	    "INSERT INTO staff(id, login, surname, name) VALUES(1, "
	    "'nobody-here-xyz', 'Нечаева', 'Ольга');"
	    "INSERT INTO staff_roles VALUES(1, 'admin')", NULL, NULL, NULL),
	    SQLITE_OK);
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

static void
mark_mirror(struct fx *f, const char *url)
{
	git_config *cfg;

	assert_int_equal(git_repository_config(&cfg, ej_store_repo(f->s,
	    &f->x.d)), 0);
	assert_int_equal(git_config_set_string(cfg, "ej.mirror", url), 0);
	git_config_free(cfg);
}

/* Not a mirror: not this function's business (who_resolve refuses). */
static void
test_school_store(void **state)
{
	struct fx *f = *state;
	char *url = (char *)"x";

	assert_int_equal(ej_sync_mirror_of(f->s, &url, &f->x.d), 0);
	assert_null(url);
	assert_int_equal(ej_sync_mirror_actor(f->s, 0, &f->x.d), 0);
	assert_int_equal(ej_sync_mirror_actor(f->s, 1, &f->x.d), 0);
	assert_int_equal(f->x.d.errors, 0);
}

/* A mirror: a reader not on the staff reads and audits, and may not
 * write. */
static void
test_mirror_reader(void **state)
{
	struct fx *f = *state;
	const struct ej_actor *a;
	char *url = NULL;
	struct passwd *pw = getpwuid(getuid());

	mark_mirror(f, "ssh://git@district/school-27.git");
	assert_int_equal(ej_sync_mirror_of(f->s, &url, &f->x.d), 1);
	assert_string_equal(url, "ssh://git@district/school-27.git");
	free(url);
	assert_int_equal(ej_sync_mirror_actor(f->s, 0, &f->x.d), 1);
	a = ej_store_actor(f->s);
	assert_int_equal(a->staff_id, 0);
	assert_string_equal(a->login, pw->pw_name);
	assert_int_equal(a->roles, EJ_ROLE_DEPUTY | EJ_ROLE_TECHNICIAN);
	assert_int_equal(ej_who_require(f->s, EJ_ROLE_TECHNICIAN, "audit",
	    &f->x.d), 0);
	assert_int_equal(ej_who_require(f->s, EJ_ROLE_TEACHER, "set marks",
	    &f->x.d), -1);
	assert_int_equal(ej_sync_mirror_actor(f->s, 1, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_NOPERM);
	assert_non_null(strstr(ej_fx_errors(&f->x), "test: this store is a mirror of "
	    "ssh://git@district/school-27.git: only ej-sync pull writes it"));
}

/* And the write path itself refuses a mirror, whoever writes. */
static void
test_mirror_begin_refused(void **state)
{
	struct fx *f = *state;

	mark_mirror(f, "file:///srv/school.git");
	assert_int_equal(ej_store_begin(f->s, &f->x.d), -1);
	assert_int_equal(ej_diag_status(&f->x.d), EJ_EXIT_NOPERM);
	assert_non_null(strstr(ej_fx_errors(&f->x), "a mirror of file:///srv/school.git"));
}

/* Credentials in a remote's URL are masked for those who may not see
 * them; everything else of the URL stays. */
static void
test_url_masked(void **state)
{
	static const char *const cases[][2] = {
		{ "https://ivanov:s3cret@git.example.org/school.git",
		  "https://ivanov:***@git.example.org/school.git" },
		{ "https://ghp_token123@git.example.org/school.git",
		  "https://***@git.example.org/school.git" },
		{ "ssh://backup@host.example.org:2222/srv/ej.git",
		  "ssh://backup@host.example.org:2222/srv/ej.git" },
		{ "ssh://backup:pw@host.example.org/srv/ej.git",
		  "ssh://backup:***@host.example.org/srv/ej.git" },
		{ "file:///srv/ej.git", "file:///srv/ej.git" },
		{ "/srv/ej.git", "/srv/ej.git" },
		{ "https://host.example.org/a@b.git",
		  "https://host.example.org/a@b.git" },
		{ "https://u:p@ss@host.example.org/x.git",
		  "https://u:***@host.example.org/x.git" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *m = ej_sync_url_masked(cases[i][0]);

		assert_string_equal(m, cases[i][1]);
		free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_masked),
		cmocka_unit_test_setup_teardown(test_school_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mirror_reader, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mirror_begin_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
