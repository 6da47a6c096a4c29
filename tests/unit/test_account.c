/*
 * account and consent: passwords over the unambiguous alphabet, argon2id
 * hashes made on threads that verify (and a wrong password that does
 * not), logins with collisions, the rule of who may have a login, and the
 * accounts left without a hash — against a real store.
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

#include <sodium.h>

#include "account.h"
#include "consent.h"
#include "history.h"
#include "store.h"

struct fx {
	struct ej_fx x;
	struct ej_store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	ej_fx_init(&f->x);
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

/* A school with one class: Петров Пётр (5А, 2009) and his mother; two
 * Ивановы Иван in other classes, and a parent of that name too. */
static struct ej_store *
make_store(struct fx *f)
{
	struct ej_store *s;
	struct ej_actor a = {0};
	struct ej_commit_info ci = {.summary = "init: test"};

	assert_int_equal(ej_store_create(&s, f->x.store, NULL, &f->x.d), 0);
	a.staff_id = 1;
	a.roles = 1;
	snprintf(a.login, sizeof a.login, "nechaeva");
	ej_store_set_actor(s, &a);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	ej_fx_exec(s, "INSERT INTO staff(id, login, surname, name) VALUES"
	    "(1, 'nechaeva', 'Нечаева', 'Ольга');"
	    "INSERT INTO staff_roles VALUES(1, 'admin');"
	    "INSERT INTO years VALUES(1, '2020-2021', '2020-09-01', "
	    "'2021-05-31');"
	    "INSERT INTO classes(id, year_id, name, parallel, letter) VALUES"
	    "(1, 1, '5А', 5, 'А'), (2, 1, '6А', 6, 'А');"
	    "INSERT INTO pupils(id, surname, name, birth_date) VALUES"
	    "(1, 'Петров', 'Пётр', '2009-03-01'),"
	    "(2, 'Иванов', 'Иван', '2008-01-01'),"
	    "(3, 'Иванов', 'Иван', '2006-01-01');"
	    "INSERT INTO membership VALUES(1, '2020-09-01', 1, ''),"
	    "(2, '2020-09-01', 1, ''), (3, '2020-09-01', 2, '');"
	    "INSERT INTO parents(id, surname, name) VALUES"
	    "(1, 'Петрова', 'Анна'), (2, 'Иванов', 'Иван');"
	    "INSERT INTO guardians VALUES(1, 1, 'мать'), (2, 2, 'отец'),"
	    "(2, 3, 'отец');");
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	f->s = s;
	return s;
}

static void
test_password(void **state)
{
	char pw[EJ_ACCOUNT_PASSWORD_MAX + 1], seen[1000][13];
	int count[256] = {0};
	size_t i, j, n = strlen(ej_account_alphabet);
	double space = 1;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	assert_int_equal(n, 55);
	/* The shortest password still carries 60 bits. */
	for (i = 0; i < EJ_ACCOUNT_PASSWORD_MIN; i++)
		space *= (double)n;
	assert_true(space >= (double)(1ULL << 60));
	assert_null(strpbrk(ej_account_alphabet, "0Oo1lIi"));
	for (i = 0; i < 1000; i++) {
		ej_account_password(pw, 12);
		assert_int_equal(strlen(pw), 12);
		for (j = 0; j < 12; j++) {
			assert_non_null(strchr(ej_account_alphabet, pw[j]));
			count[(unsigned char)pw[j]]++;
		}
		memcpy(seen[i], pw, 13);
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[j], pw);
	}
	/* 12,000 draws: every symbol comes up. */
	for (i = 0; i < n; i++)
		assert_true(count[(unsigned char)ej_account_alphabet[i]] > 0);
}

/* Hashes on 1, 2 and 3 threads verify their own password only. */
static void
test_hash_threads(void **state)
{
	struct fx *f = *state;
	struct ej_account_cost c = {
		.length = 12, .ops = crypto_pwhash_OPSLIMIT_MIN,
		.mem = crypto_pwhash_MEMLIMIT_MIN
	};
	int threads;
	size_t i;

	for (threads = 1; threads <= 3; threads++) {
		struct ej_account_batch b = {0};

		b.n = b.cap = 7;
		b.t = calloc(b.n, sizeof *b.t);
		assert_non_null(b.t);
		b.t[0].password = strdup("same-password");
		b.t[1].password = strdup("same-password");
		assert_int_equal(ej_account_hash(&b, &c, threads, NULL,
		    &f->x.d), 0);
		for (i = 0; i < b.n; i++) {
			const char *pw = b.t[i].password;

			assert_non_null(pw);
			assert_int_equal(strncmp(b.t[i].hash, "$argon2id$", 10),
			    0);
			assert_int_equal(crypto_pwhash_str_verify(b.t[i].hash,
			    pw, strlen(pw)), 0);
			assert_int_not_equal(crypto_pwhash_str_verify(
			    b.t[i].hash, "wrong", 5), 0);
			if (i >= 2)
				assert_int_equal(strlen(pw), 12);
		}
		/* The same password, two salts. */
		assert_string_not_equal(b.t[0].hash, b.t[1].hash);
		ej_account_batch_free(&b);
		assert_null(b.t);
	}
}

static void
test_login_collisions(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	char *l;

	l = ej_account_login(s, "Иванов", "Иван", &f->x.d);
	assert_string_equal(l, "ivanov.ivan");
	free(l);
	ej_fx_exec(s, "INSERT INTO accounts(login, role, pupil_id, status, "
	    "issued, by_id) VALUES('ivanov.ivan', 'pupil', 2, 'active', "
	    "'2020-09-05T10:00:00Z', 1)");
	l = ej_account_login(s, "ИВАНОВ", "иван", &f->x.d);
	assert_string_equal(l, "ivanov.ivan2");
	free(l);
	ej_fx_exec(s, "INSERT INTO accounts(login, role, pupil_id, status, "
	    "issued, by_id) VALUES('ivanov.ivan2', 'pupil', 3, 'revoked', "
	    "'2020-09-05T10:00:00Z', 1)");
	l = ej_account_login(s, "Иванов", "Иван", &f->x.d);
	assert_string_equal(l, "ivanov.ivan3");
	free(l);
	l = ej_account_login(s, "Щукина", "Юлия", &f->x.d);
	assert_string_equal(l, "shchukina.iuliia");
	free(l);
	assert_null(ej_account_login(s, "123", "Юлия", &f->x.d));
}

/* Documents on record decide; a refusal or revocation is named. */
static void
test_consent_rule(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);

	assert_string_equal(ej_consent_missing(s, "pupil", 1, &f->x.d),
	    "no application for e-diary access on record");
	assert_string_equal(ej_consent_missing(s, "parent", 1, &f->x.d),
	    "no application for e-diary access on record");
	ej_fx_exec(s, "INSERT INTO consents(pupil_id, parent_id, kind, status, "
	    "date, by_id, at) VALUES(1, 1, 'ediary', 'given', '2020-09-03', "
	    "1, 'x'), (1, 1, 'personal-data', 'refused', '2020-09-03', 1, "
	    "'x')");
	assert_string_equal(ej_consent_missing(s, "pupil", 1, &f->x.d),
	    "the consent to personal data processing was refused");
	ej_fx_exec(s, "UPDATE consents SET status = 'given' WHERE kind = "
	    "'personal-data'");
	assert_null(ej_consent_missing(s, "pupil", 1, &f->x.d));
	assert_null(ej_consent_missing(s, "parent", 1, &f->x.d));
	ej_fx_exec(s, "UPDATE consents SET status = 'revoked' WHERE kind = "
	    "'ediary'");
	assert_string_equal(ej_consent_missing(s, "parent", 1, &f->x.d),
	    "the application for e-diary access was revoked");
	/* The pupil's own (14+) counts for the pupil, not for a parent. */
	ej_fx_exec(s, "INSERT INTO consents(pupil_id, parent_id, kind, status, "
	    "date, by_id, at) VALUES(1, NULL, 'ediary', 'given', "
	    "'2020-09-04', 1, 'x')");
	assert_null(ej_consent_missing(s, "pupil", 1, &f->x.d));
	assert_non_null(ej_consent_missing(s, "parent", 1, &f->x.d));
	assert_int_equal(ej_consent_kind_parse("Personal-Data"),
	    EJ_CONSENT_PDATA);
	assert_int_equal(ej_consent_kind_parse("заявление"),
	    EJ_CONSENT_EDIARY);
	assert_int_equal(ej_consent_kind_parse("photo"), -1);
}

/* Store, verify, and after the hashes are lost, the accounts named. */
static void
test_store_verify(void **state)
{
	struct fx *f = *state;
	struct ej_store *s = make_store(f);
	struct ej_account_sel sel = {0};
	struct ej_account_batch b = {0};
	struct ej_account_cost c;
	struct ej_commit_info ci = {.summary = "logins"};
	char **lost;
	char *pw;

	ej_fx_exec(s, "INSERT INTO consents(pupil_id, parent_id, kind, status, "
	    "date, by_id, at) VALUES(1, 1, 'ediary', 'given', '2020-09-03', "
	    "1, 'x'), (1, 1, 'personal-data', 'given', '2020-09-03', 1, "
	    "'x')");
	sel.class_id = 1;
	assert_int_equal(ej_account_select(s, &sel, &b, &f->x.d), 0);
	/* Петров and his mother; Иванов and his father have no papers. */
	assert_int_equal(b.n, 2);
	assert_int_equal(b.skipped, 2);
	assert_int_equal(ej_account_cost(s, &c, &f->x.d), 0);
	assert_int_equal(c.length, 12);
	assert_int_equal(c.ops, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	c.ops = crypto_pwhash_OPSLIMIT_MIN;
	c.mem = crypto_pwhash_MEMLIMIT_MIN;
	assert_int_equal(ej_account_hash(&b, &c, 2, NULL, &f->x.d), 0);
	assert_int_equal(ej_store_begin(s, &f->x.d), 0);
	assert_int_equal(ej_account_store(s, &b, 1, 0, NULL, &f->x.d), 0);
	assert_int_equal(ej_store_commit(s, &ci, NULL, &f->x.d), 1);
	assert_string_equal(b.t[0].login, "petrov.petr");
	assert_string_equal(b.t[1].login, "petrova.anna");
	assert_string_equal(b.t[1].children, "Петров Пётр");
	pw = b.t[0].password;
	assert_int_equal(ej_account_verify(s, "petrov.petr", pw, strlen(pw),
	    &f->x.d), 1);
	assert_int_equal(ej_account_verify(s, "petrova.anna", pw, strlen(pw),
	    &f->x.d), 0);
	assert_int_equal(ej_account_verify(s, "petrov.petr", pw,
	    strlen(pw) - 1, &f->x.d), 0);
	assert_int_equal(ej_account_verify(s, "nobody", pw, strlen(pw),
	    &f->x.d), 0);
	assert_int_equal(ej_account_unhashed(s, &lost, 5, &f->x.d), 0);
	ej_strv_free(lost);
	ej_fx_exec(s, "DELETE FROM account_secrets");
	assert_int_equal(ej_account_unhashed(s, &lost, 1, &f->x.d), 2);
	assert_string_equal(lost[0], "petrov.petr");
	assert_null(lost[1]);
	ej_strv_free(lost);
	ej_account_batch_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password),
		cmocka_unit_test_setup_teardown(test_hash_threads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_login_collisions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_consent_rule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_verify, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
