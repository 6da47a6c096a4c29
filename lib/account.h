/*
 * account — e-diary logins for pupils and parents (ej-issue-login(1)):
 * who gets one (consent.h's rule), the login from the transliterated name
 * (text.h) with 2, 3 … on a collision, a random password from libsodium's
 * CSPRNG over an unambiguous alphabet, its argon2id hash (the only form
 * in which it is kept, in account_secrets, never in the snapshot),
 * hashing on several threads, the printed slips, reset, revoke, verify,
 * export and list.
 *
 * An issue runs in steps so that the slow part holds no lock:
 *
 *	ej_account_select()    who (read), with the skipped ones noted
 *	ej_account_hash()      passwords and hashes, on N threads
 *	ej_store_begin(); ej_account_store(); ej_cli_commit()
 *	ej_account_slips()     the passwords, the one place they go
 *	ej_account_batch_free() wipes them
 */
#ifndef EJ_ACCOUNT_H
#define EJ_ACCOUNT_H

#include <stdio.h>

#include "csvio.h"
#include "err.h"
#include "store.h"

/* Enough for an argon2id PHC string (crypto_pwhash_STRBYTES). */
#define EJ_ACCOUNT_HASH_MAX 128
/* Passwords are at least this long: 11 of 55 symbols is over 60 bits. */
#define EJ_ACCOUNT_PASSWORD_MIN 11
#define EJ_ACCOUNT_PASSWORD_MAX 128

/* The unambiguous alphabet: no 0/O/o, 1/l/I/i. */
extern const char ej_account_alphabet[];

/* The columns of a file of people (pupil, parent: one of them a row). */
const struct ej_csv_col *ej_account_columns(size_t *n);

/* Which people a command is about. */
struct ej_account_sel {
	long long class_id;      /* pupils of a class (and their parents) */
	int parallel;            /* of every class of a parallel */
	const char *pupil;       /* one pupil (roster.h reference) */
	const char *parent;      /* one parent: id or name */
	struct ej_csv_reader *file;  /* rows naming a pupil or a parent */
	int pupils, parents;     /* which accounts; both 0 means both */
	int reset;               /* select active accounts, for a reset */
	int lost;                /* reset: the active accounts without a hash */
	char **logins;           /* reset: these logins (NULL-terminated) */
};

struct ej_account_target {
	char role[8];            /* "pupil" or "parent" */
	long long person;        /* pupil or parent id */
	long long account;       /* the existing account, 0 for a new one */
	char *login;             /* NULL until assigned */
	char *name;              /* "Фамилия Имя Отчество" */
	char *surname, *first;   /* for the login */
	char *classes;           /* "5А"; a parent's: their children's */
	char *children;          /* a parent's children shown by the login */
	char *password;          /* wiped by ej_account_batch_free() */
	char hash[EJ_ACCOUNT_HASH_MAX];
	int skip;                /* found taken or no longer allowed */
};

struct ej_account_batch {
	struct ej_account_target *t;
	size_t n, cap;
	unsigned long already;   /* had an active account: left alone */
	unsigned long skipped;   /* documents missing: listed, not issued */
	unsigned long pupils, parents;   /* issued (or reset) */
	char *scope;             /* "5А", "parallel 5", a name, a file */
	char diary_url[256];     /* school.yaml's accounts.diary_url, for
	                          * the slips ("" when not given) */
};
void ej_account_batch_free(struct ej_account_batch *b);

/*
 * Fill b with the people of sel who need an account (or, with sel->reset,
 * whose active account is reset). People with an active account are
 * counted in b->already; people whose documents are missing are noted on
 * d's stream, one a line with what is missing, and counted in b->skipped.
 * The acting person must be an admin or the class teacher of every pupil
 * concerned (exit 77). -1 with errors in d.
 */
int ej_account_select(struct ej_store *s, const struct ej_account_sel *sel,
    struct ej_account_batch *b, struct ej_diag *d);

/* The school's settings: password length (at least
 * EJ_ACCOUNT_PASSWORD_MIN) and argon2id limits. */
struct ej_account_cost {
	int length;
	unsigned long long ops;
	size_t mem;
};
int ej_account_cost(struct ej_store *s, struct ej_account_cost *c,
    struct ej_diag *d);

/* A random password of len symbols of the alphabet into buf (len + 1). */
void ej_account_password(char *buf, size_t len);

/*
 * A password and its hash for every target, on threads threads (0: the
 * online CPUs), each taking the next target until none is left; a bar on
 * progress (NULL: none). -1 when libsodium fails (out of memory).
 */
int ej_account_hash(struct ej_account_batch *b, const struct ej_account_cost *c,
    int threads, FILE *progress, struct ej_diag *d);

/*
 * Write the batch in the open transaction: new accounts get a login (the
 * transliterated "surname.name", then 2, 3 … until free), revoked ones
 * come back with theirs; status active, must change the password, issued
 * now, and the hash (unless secrets is 0: a dry run). With reset, active
 * accounts get the new hash and keep their login. Targets taken (or
 * revoked) meanwhile are marked skip. Counts pupils and parents into b.
 */
int ej_account_store(struct ej_store *s, struct ej_account_batch *b,
    int secrets, int reset, const char *reason, struct ej_diag *d);

/* The login a new account of that name would get. New string, or NULL
 * when the name has no letter to make one of. */
char *ej_account_login(struct ej_store *s, const char *surname,
    const char *name, struct ej_diag *d);

/* The slips: CSV (login, password, role, name, class, children) or a
 * printable HTML page of cut-out cards. */
int ej_account_slips(const struct ej_account_batch *b, FILE *out, int html,
    struct ej_diag *d);

/* Revoke the active accounts of logins (NULL-terminated): the hash is
 * dropped. Unknown logins are errors (65). *n gets the count revoked. */
int ej_account_revoke(struct ej_store *s, char *const *logins,
    const char *reason, unsigned long *n, struct ej_diag *d);

/* 1 when password is that of the active account login, 0 when not (or no
 * such account), -1 on error. */
int ej_account_verify(struct ej_store *s, const char *login,
    const char *password, size_t len, struct ej_diag *d);

/* For an external e-diary: login, hash, role, person_id, person, children
 * (ids, ';'), of every active account with a hash. */
int ej_account_export(struct ej_store *s, struct ej_csv_writer *w,
    struct ej_diag *d);

/* Every account (of class_id's pupils and their parents; 0: all). */
int ej_account_list(struct ej_store *s, long long class_id,
    struct ej_csv_writer *w, struct ej_diag *d);

/* Active accounts without a hash (after ej-rebuild): their count, and
 * up to max of their logins as a NULL-terminated list in *logins. */
long ej_account_unhashed(struct ej_store *s, char ***logins, size_t max,
    struct ej_diag *d);

#endif
