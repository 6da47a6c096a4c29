/*
 * diary — the e-diary that parents and pupils log in to (ej-diary(8)):
 * its own small database of credentials, sessions, failed logins and
 * views (diary.c), and the CGI program's requests and pages
 * (diary_web.c), which read the school's journal from a read-only mirror
 * through the report module.
 *
 * The diary never writes the school's store: the mirror is opened with
 * SQLite's read-only connection (EJ_STORE_RDONLY), and everything the
 * diary writes goes to its own database (EJ_DIARY_DB).
 *
 *	ej_diary_open()        the diary's database, created on first use
 *	ej_diary_load()        accounts from ej-issue-login export
 *	ej_diary_views()       when each account last viewed each child
 *	ej_diary_cgi()         one request (RFC 3875) from the environment
 */
#ifndef EJ_DIARY_H
#define EJ_DIARY_H

#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "err.h"

/* Limits on what a request may carry. */
#define EJ_DIARY_BODY_MAX 4096
#define EJ_DIARY_QUERY_MAX 512
#define EJ_DIARY_COOKIE_MAX 1024
#define EJ_DIARY_LOGIN_MAX 64
#define EJ_DIARY_PASSWORD_MAX 128
/* A new password: at least this many characters. */
#define EJ_DIARY_PASSWORD_MIN 10

/* The settings (environment, ej-diary(8)); defaults in brackets. */
struct ej_diary_conf {
	const char *db;          /* EJ_DIARY_DB */
	const char *store;       /* EJ_STORE: the mirror */
	const char *log;         /* EJ_DIARY_LOG: the log file, NULL: stderr */
	long idle;               /* EJ_DIARY_IDLE: seconds [1800] */
	long maxage;             /* EJ_DIARY_MAXAGE: seconds [43200] */
	long lock_after;         /* EJ_DIARY_LOCK_AFTER: failures [10] */
	long lock_time;          /* EJ_DIARY_LOCK_TIME: seconds [900] */
	long delay;              /* EJ_DIARY_DELAY: seconds [1]: after the
	                          * 3rd failure a login (after the 20th an
	                          * address) waits delay·2^(n-3), ≤ 60 s */
	long today;              /* EJ_DIARY_TODAY: YYYY-MM-DD as days, for
	                          * a demo or a test; 0: today */
};

/* The settings from the environment; -1 with an error for a bad one. */
int ej_diary_conf_env(struct ej_diary_conf *c, struct ej_diag *d);

struct ej_diary;

/* The diary's database at path (created 0600 with its tables when
 * missing). -1 with an error in d. */
int ej_diary_open(struct ej_diary **out, const struct ej_diary_conf *c,
    struct ej_diag *d);
void ej_diary_close(struct ej_diary *dy);
sqlite3 *ej_diary_db(struct ej_diary *dy);
const struct ej_diary_conf *ej_diary_conf(const struct ej_diary *dy);

/* What a load did. */
struct ej_diary_load_result {
	unsigned long added, reset, revoked, kept;
};

/*
 * Load the accounts of path (ej-issue-login export: login, hash, role,
 * person_id, person, children) in one transaction: a new login is added
 * (must change its password), a login whose hash the school changed
 * (reset, or issued again) takes the new one and must change it, a
 * login no longer exported is revoked and its sessions end; a login
 * whose exported hash is the one loaded before keeps the password its
 * owner chose. Bad input: every error as file:line, nothing written,
 * -1 (65).
 */
int ej_diary_load(struct ej_diary *dy, const char *path,
    struct ej_diary_load_result *r, struct ej_diag *d);

/* CSV of the views since day (YYYY-MM-DD): login, role, person_id,
 * pupil_id, first, last, views. */
int ej_diary_views(struct ej_diary *dy, const char *since, FILE *out,
    struct ej_diag *d);

/* A line in the technician's log: time, client address, event, login
 * (never a password). */
void ej_diary_log(struct ej_diary *dy, const char *addr, const char *event,
    const char *login);

/* ------------------------------------------------ sessions, logins */

struct ej_diary_account {
	char login[EJ_DIARY_LOGIN_MAX + 1];
	char role[8];
	long long person_id;
	char person[256];
	long long children[16];  /* pupil ids this account may see */
	size_t nchildren;
	int must_change;
};

/* Outcome of a login attempt. */
enum ej_diary_auth {
	EJ_DIARY_AUTH_OK,
	EJ_DIARY_AUTH_FAILED,    /* wrong login or password */
	EJ_DIARY_AUTH_WAIT,      /* too soon after failures: *wait seconds */
	EJ_DIARY_AUTH_LOCKED,    /* locked: *wait seconds left */
	EJ_DIARY_AUTH_ERROR
};

/* Check login and password (throttled per login and per addr, failures
 * counted, a lock after conf.lock_after); on success fill a. */
enum ej_diary_auth ej_diary_authenticate(struct ej_diary *dy,
    const char *login, const char *password, const char *addr, long *wait,
    struct ej_diary_account *a, struct ej_diag *d);

/* The account of login (active only): 1, 0 none, -1 error. */
int ej_diary_account_get(struct ej_diary *dy, const char *login,
    struct ej_diary_account *a, struct ej_diag *d);

/* A new session for login: the cookie value (64 hex digits + NUL) into
 * id, its CSRF token into csrf; only a hash of id is stored. */
int ej_diary_session_new(struct ej_diary *dy, const char *login,
    char id[65], char csrf[65], struct ej_diag *d);
/* The session of the cookie value id, when it exists and has expired
 * neither idly nor absolutely (its last use is then refreshed): 1 with
 * the account and the CSRF token, 0 none, -1 error. */
int ej_diary_session_get(struct ej_diary *dy, const char *id,
    struct ej_diary_account *a, char csrf[65], struct ej_diag *d);
void ej_diary_session_end(struct ej_diary *dy, const char *id);

/* End every session of login but the one of cookie value keep. */
void ej_diary_sessions_end_others(struct ej_diary *dy, const char *login,
    const char *keep);

/* Constant-time comparison of two tokens. */
int ej_diary_token_eq(const char *a, const char *b);

/* Change login's password: "current" must be its password, "fresh" at
 * least EJ_DIARY_PASSWORD_MIN characters, not the login, not the current
 * one; hashed with the school's cost (ops, mem). 0 done, 1 refused with
 * a message for the user in *why, -1 error. */
int ej_diary_password_change(struct ej_diary *dy, const char *login,
    const char *current, const char *fresh, unsigned long long ops,
    size_t mem, const char **why, struct ej_diag *d);

/* Record that login viewed pupil's diary now. */
void ej_diary_viewed(struct ej_diary *dy, const char *login,
    long long pupil);

/* ------------------------------------------------------------ CGI */

/* Serve one request from the environment and stdin on out. Returns 0
 * (even for 4xx and 5xx pages, which are logged). */
int ej_diary_cgi(const struct ej_diary_conf *c, FILE *in, FILE *out);

#endif
