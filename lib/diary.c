/*
 * diary — the e-diary's own database (diary.h): accounts loaded from
 * ej-issue-login export, sessions (only their hashes), failed logins and
 * locks, views; the technician's log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "csvio.h"
#include "date.h"
#include "diary.h"
#include "i18n.h"

struct ej_diary {
	sqlite3 *db;
	struct ej_diary_conf c;
};

static const char schema[] =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE IF NOT EXISTS accounts ("
    " login TEXT PRIMARY KEY, role TEXT NOT NULL, person_id INTEGER NOT NULL,"
    " person TEXT NOT NULL, children TEXT NOT NULL,"
    " school_hash TEXT NOT NULL,"      /* as the school last exported it */
    " hash TEXT NOT NULL,"             /* the one that logs in */
    " must_change INTEGER NOT NULL, active INTEGER NOT NULL,"
    " loaded TEXT NOT NULL, changed TEXT);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " id BLOB PRIMARY KEY, login TEXT NOT NULL, csrf TEXT NOT NULL,"
    " created INTEGER NOT NULL, seen INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS failures ("
    " key TEXT PRIMARY KEY, n INTEGER NOT NULL, last INTEGER NOT NULL,"
    " locked_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS views ("
    " login TEXT NOT NULL, pupil_id INTEGER NOT NULL, first TEXT NOT NULL,"
    " last TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (login, pupil_id));";

static long
env_long(const char *name, long dflt, long lo, long hi, int *bad,
    struct ej_diag *d)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s=%s: not a number from %ld to %ld"), name, v, lo, hi);
		(*bad)++;
		return dflt;
	}
	return n;
}

int
ej_diary_conf_env(struct ej_diary_conf *c, struct ej_diag *d)
{
	const char *t;
	int bad = 0, day;

	memset(c, 0, sizeof *c);
	c->db = getenv("EJ_DIARY_DB");
	c->store = getenv("EJ_STORE");
	c->log = getenv("EJ_DIARY_LOG");
	if (c->log && *c->log == '\0')
		c->log = NULL;
	c->idle = env_long("EJ_DIARY_IDLE", 1800, 1, 86400 * 30, &bad, d);
	c->maxage = env_long("EJ_DIARY_MAXAGE", 43200, 1, 86400 * 90, &bad, d);
	c->lock_after = env_long("EJ_DIARY_LOCK_AFTER", 10, 1, 1000, &bad, d);
	c->lock_time = env_long("EJ_DIARY_LOCK_TIME", 900, 1, 86400, &bad, d);
	c->delay = env_long("EJ_DIARY_DELAY", 1, 0, 60, &bad, d);
	if ((t = getenv("EJ_DIARY_TODAY")) != NULL && *t) {
		if (ej_date_parse_iso(t, &day) < 0) {
			ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
			    _("EJ_DIARY_TODAY=%s: not a date (YYYY-MM-DD)"), t);
			bad++;
		} else {
			c->today = day;
		}
	}
	if (c->db == NULL || *c->db == '\0') {
		ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("EJ_DIARY_DB is not set: the diary's database"));
		bad++;
	}
	return bad ? -1 : 0;
}

static int
dberr(struct ej_diary *dy, struct ej_diag *d, const char *what)
{
	return ej_error(d, EJ_EXIT_IOERR, dy->c.db, 0, 0, "%s: %s", what,
	    sqlite3_errmsg(dy->db));
}

int
ej_diary_open(struct ej_diary **out, const struct ej_diary_conf *c,
    struct ej_diag *d)
{
	struct ej_diary *dy;
	int fd;

	*out = NULL;
	if (sodium_init() < 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot start libsodium"));
	/* Created private: it holds the password hashes. */
	if ((fd = open(c->db, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return ej_error(d, errno == EACCES ? EJ_EXIT_NOPERM :
		    EJ_EXIT_CANTCREAT, c->db, 0, 0, "%s", strerror(errno));
	close(fd);
	dy = ej_xcalloc(1, sizeof *dy);
	dy->c = *c;
	if (sqlite3_open_v2(c->db, &dy->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		dberr(dy, d, _("cannot open the diary's database"));
		ej_diary_close(dy);
		return -1;
	}
	sqlite3_busy_timeout(dy->db, 5000);
	if (sqlite3_exec(dy->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		dberr(dy, d, _("cannot open the diary's database"));
		ej_diary_close(dy);
		return -1;
	}
	*out = dy;
	return 0;
}

void
ej_diary_close(struct ej_diary *dy)
{
	if (dy == NULL)
		return;
	sqlite3_close(dy->db);
	free(dy);
}

sqlite3 *
ej_diary_db(struct ej_diary *dy)
{
	return dy->db;
}

const struct ej_diary_conf *
ej_diary_conf(const struct ej_diary *dy)
{
	return &dy->c;
}

static sqlite3_stmt *
prep(struct ej_diary *dy, const char *sql, struct ej_diag *d)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(dy->db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(dy, d, _("cannot read the diary's database"));
		return NULL;
	}
	return st;
}

static long long
now_s(void)
{
	return (long long)time(NULL);
}

void
ej_diary_log(struct ej_diary *dy, const char *addr, const char *event,
    const char *login)
{
	char ts[21], line[512];
	int fd, n;

	ej_timestamp_now(ts);
	n = snprintf(line, sizeof line, "%s %s %s%s%s\n", ts,
	    addr && *addr ? addr : "-", event, login ? " login=" : "",
	    login ? login : "");
	if (n < 0)
		return;
	if (n >= (int)sizeof line)
		n = sizeof line - 1, line[n - 1] = '\n';
	if (dy->c.log == NULL) {
		fputs(line, stderr);
		return;
	}
	if ((fd = open(dy->c.log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) < 0)
		return;
	if (write(fd, line, n) < 0) {
		/* the page is served all the same */
	}
	close(fd);
}

/* --------------------------------------------------------------- load */

enum { C_LOGIN, C_HASH, C_ROLE, C_PERSON_ID, C_PERSON, C_CHILDREN, C_N };
static const struct ej_csv_col load_cols[C_N] = {
	{ "login", NULL, 1 }, { "hash", NULL, 1 }, { "role", NULL, 1 },
	{ "person_id", NULL, 1 }, { "person", NULL, 1 },
	{ "children", NULL, 1 }
};

static int
is_id(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0' || *s == '0' || strlen(s) > 18)
		return 0;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "12;15": ids separated by ';', at most 16 of them. */
static int
ids_ok(const char *s)
{
	char buf[512], *p, *save = NULL;
	int n = 0;

	if (s == NULL || strlen(s) >= sizeof buf)
		return 0;
	snprintf(buf, sizeof buf, "%s", s);
	for (p = strtok_r(buf, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		if (!is_id(p) || ++n > 16)
			return 0;
	}
	return n > 0;
}

static int
login_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > EJ_DIARY_LOGIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static int
load_row(struct ej_diary *dy, struct ej_csv_record *rec, sqlite3_stmt *get,
    sqlite3_stmt *ins, sqlite3_stmt *upd, const char *ts,
    struct ej_diary_load_result *r, struct ej_diag *d)
{
	const char *v[C_N];
	int i, bad = 0;

	for (i = 0; i < C_N; i++)
		v[i] = ej_csv_get(rec, i);
	if (!login_ok(v[C_LOGIN]))
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("login: not a login ej issues"));
	if (v[C_HASH] == NULL || strncmp(v[C_HASH], "$argon2id$", 10) ||
	    strlen(v[C_HASH]) >= crypto_pwhash_STRBYTES)
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("hash: not an argon2id hash"));
	if (v[C_ROLE] == NULL || (strcmp(v[C_ROLE], "pupil") &&
	    strcmp(v[C_ROLE], "parent")))
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("role: not pupil or parent"));
	if (!is_id(v[C_PERSON_ID]))
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("person_id: not an id"));
	if (v[C_PERSON] == NULL || strlen(v[C_PERSON]) > 255)
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("person: empty or too long"));
	if (!ids_ok(v[C_CHILDREN]))
		bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
		    "%s", _("children: not a list of pupil ids"));
	if (bad)
		return 1;

	sqlite3_bind_text(get, 1, v[C_LOGIN], -1, SQLITE_TRANSIENT);
	if (sqlite3_step(get) == SQLITE_ROW) {
		const char *school = (const char *)sqlite3_column_text(get, 0);
		int active = sqlite3_column_int(get, 1);
		int reset = strcmp(school, v[C_HASH]) != 0;

		if (reset)
			r->reset++;
		else if (!active)
			r->added++;
		else
			r->kept++;
		sqlite3_reset(get);
		/* A school's new hash wins over the owner's own password. */
		sqlite3_bind_text(upd, 1, v[C_LOGIN], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(upd, 2, v[C_ROLE], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 3, atoll(v[C_PERSON_ID]));
		sqlite3_bind_text(upd, 4, v[C_PERSON], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(upd, 5, v[C_CHILDREN], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(upd, 6, v[C_HASH], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(upd, 7, reset);
		sqlite3_bind_text(upd, 8, ts, -1, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			return dberr(dy, d, _("cannot load the accounts"));
		sqlite3_reset(upd);
		if (reset) {
			sqlite3_stmt *del;

			/* A reset ends the sessions the old password began. */
			if ((del = prep(dy, "DELETE FROM sessions WHERE login = "
			    "?1", d)) == NULL)
				return -1;
			sqlite3_bind_text(del, 1, v[C_LOGIN], -1,
			    SQLITE_TRANSIENT);
			sqlite3_step(del);
			sqlite3_finalize(del);
		}
		return 0;
	}
	sqlite3_reset(get);
	sqlite3_bind_text(ins, 1, v[C_LOGIN], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 2, v[C_ROLE], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 3, atoll(v[C_PERSON_ID]));
	sqlite3_bind_text(ins, 4, v[C_PERSON], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, v[C_CHILDREN], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 6, v[C_HASH], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 7, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return dberr(dy, d, _("cannot load the accounts"));
	sqlite3_reset(ins);
	r->added++;
	return 0;
}

int
ej_diary_load(struct ej_diary *dy, const char *path,
    struct ej_diary_load_result *r, struct ej_diag *d)
{
	struct ej_csv_opts o = { 0 };
	struct ej_csv_reader *rd;
	struct ej_csv_record *rec;
	sqlite3_stmt *get = NULL, *ins = NULL, *upd = NULL;
	char ts[21];
	int rc, bad = 0, nerr0 = ej_diag_status(d);

	memset(r, 0, sizeof *r);
	o.strict = 1;
	o.delim = ',';
	o.encoding = EJ_CSV_ENC_UTF8;
	if (ej_csv_open(&rd, path, load_cols, C_N, &o, d) < 0)
		return -1;
	ej_timestamp_now(ts);
	if (sqlite3_exec(dy->db, "BEGIN IMMEDIATE; CREATE TEMP TABLE seen "
	    "(login TEXT PRIMARY KEY)", NULL, NULL, NULL) != SQLITE_OK) {
		ej_csv_reader_free(rd);
		return dberr(dy, d, _("cannot load the accounts"));
	}
	if ((get = prep(dy, "SELECT school_hash, active FROM accounts WHERE "
	    "login = ?1", d)) == NULL ||
	    (ins = prep(dy, "INSERT INTO accounts (login, role, person_id, "
	    "person, children, school_hash, hash, must_change, active, loaded) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1, 1, ?7)", d)) == NULL ||
	    (upd = prep(dy, "UPDATE accounts SET role = ?2, person_id = ?3, "
	    "person = ?4, children = ?5, active = 1, loaded = ?8, "
	    "school_hash = ?6, hash = CASE WHEN ?7 THEN ?6 ELSE hash END, "
	    "must_change = CASE WHEN ?7 THEN 1 ELSE must_change END, "
	    "changed = CASE WHEN ?7 THEN NULL ELSE changed END "
	    "WHERE login = ?1", d)) == NULL) {
		bad = 1;
		goto out;
	}
	while ((rc = ej_csv_next(rd, &rec, d)) == 1) {
		sqlite3_stmt *seen;
		const char *login = ej_csv_get(rec, C_LOGIN);
		int dup = 0;

		if (load_row(dy, rec, get, ins, upd, ts, r, d))
			bad = 1;
		if (login == NULL)
			continue;
		if ((seen = prep(dy, "INSERT INTO temp.seen VALUES (?1)",
		    d)) == NULL) {
			bad = 1;
			break;
		}
		sqlite3_bind_text(seen, 1, login, -1, SQLITE_TRANSIENT);
		dup = sqlite3_step(seen) != SQLITE_DONE;
		sqlite3_finalize(seen);
		if (dup)
			bad = ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line,
			    0, _("login %s: twice in the file"), login) ? 1 : 1;
	}
	if (rc < 0)
		bad = 1;
	if (!bad) {
		sqlite3_stmt *rv;

		if ((rv = prep(dy, "SELECT count(*) FROM accounts WHERE active "
		    "= 1 AND login NOT IN (SELECT login FROM temp.seen)", d))
		    == NULL) {
			bad = 1;
			goto out;
		}
		if (sqlite3_step(rv) == SQLITE_ROW)
			r->revoked = sqlite3_column_int64(rv, 0);
		sqlite3_finalize(rv);
		/* A login the school no longer exports (revoked, or its
		 * consent withdrawn) ends here, with its sessions. */
		if (sqlite3_exec(dy->db, "UPDATE accounts SET active = 0 WHERE "
		    "login NOT IN (SELECT login FROM temp.seen);"
		    "DELETE FROM sessions WHERE login NOT IN (SELECT login "
		    "FROM accounts WHERE active = 1)", NULL, NULL, NULL) !=
		    SQLITE_OK)
			bad = dberr(dy, d, _("cannot load the accounts")) ? 1 : 1;
	}
out:
	sqlite3_finalize(get);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	ej_csv_reader_free(rd);
	if (bad || ej_diag_status(d) != nerr0) {
		sqlite3_exec(dy->db, "ROLLBACK; DROP TABLE IF EXISTS temp.seen",
		    NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(dy->db, "COMMIT; DROP TABLE temp.seen", NULL, NULL,
	    NULL) != SQLITE_OK)
		return dberr(dy, d, _("cannot load the accounts"));
	return 0;
}

/* -------------------------------------------------------------- views */

int
ej_diary_views(struct ej_diary *dy, const char *since, FILE *out,
    struct ej_diag *d)
{
	static const char *const head[] = { "login", "role", "person_id",
		"pupil_id", "first", "last", "views" };
	struct ej_csv_writer *w;
	sqlite3_stmt *st;
	int rc, i;

	if ((st = prep(dy, "SELECT v.login, a.role, a.person_id, v.pupil_id, "
	    "v.first, v.last, v.n FROM views v JOIN accounts a ON a.login = "
	    "v.login WHERE v.last >= ?1 ORDER BY v.login, v.pupil_id", d)) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	ej_csv_writer_new(&w, out, NULL);
	ej_csv_write_row(w, head, 7);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 7; i++)
			ej_csv_put(w, (const char *)sqlite3_column_text(st, i));
		ej_csv_end_row(w);
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? ej_csv_writer_finish(w, "stdout", d) :
	    dberr(dy, d, _("cannot read the views"));
	ej_csv_writer_free(w);
	return rc;
}

void
ej_diary_viewed(struct ej_diary *dy, const char *login, long long pupil)
{
	sqlite3_stmt *st;
	char ts[21];

	ej_timestamp_now(ts);
	if (sqlite3_prepare_v2(dy->db, "INSERT INTO views (login, pupil_id, "
	    "first, last, n) VALUES (?1, ?2, ?3, ?3, 1) ON CONFLICT (login, "
	    "pupil_id) DO UPDATE SET last = ?3, n = n + 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, pupil);
	sqlite3_bind_text(st, 3, ts, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* ------------------------------------------------------------- logins */

int
ej_diary_account_get(struct ej_diary *dy, const char *login,
    struct ej_diary_account *a, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char kids[512], *p, *save = NULL;
	int rc;

	memset(a, 0, sizeof *a);
	if ((st = prep(dy, "SELECT login, role, person_id, person, children, "
	    "must_change FROM accounts WHERE login = ?1 AND active = 1", d)) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 0 :
		    dberr(dy, d, _("cannot read the accounts"));
	}
	snprintf(a->login, sizeof a->login, "%s", sqlite3_column_text(st, 0));
	snprintf(a->role, sizeof a->role, "%s", sqlite3_column_text(st, 1));
	a->person_id = sqlite3_column_int64(st, 2);
	snprintf(a->person, sizeof a->person, "%s",
	    sqlite3_column_text(st, 3));
	snprintf(kids, sizeof kids, "%s", sqlite3_column_text(st, 4));
	a->must_change = sqlite3_column_int(st, 5);
	sqlite3_finalize(st);
	for (p = strtok_r(kids, ";", &save); p && a->nchildren < 16;
	    p = strtok_r(NULL, ";", &save))
		a->children[a->nchildren++] = atoll(p);
	return 1;
}

/* Failures of key ("login:x", "addr:y"): n, last, locked_until. */
static void
failures(struct ej_diary *dy, const char *key, long long *n,
    long long *last, long long *locked)
{
	sqlite3_stmt *st;

	*n = *last = *locked = 0;
	if (sqlite3_prepare_v2(dy->db, "SELECT n, last, locked_until FROM "
	    "failures WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
		*locked = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
}

static void
failure_set(struct ej_diary *dy, const char *key, long long n,
    long long last, long long locked)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(dy->db, n ? "INSERT OR REPLACE INTO failures "
	    "(key, n, last, locked_until) VALUES (?1, ?2, ?3, ?4)" :
	    "DELETE FROM failures WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (n) {
		sqlite3_bind_int64(st, 2, n);
		sqlite3_bind_int64(st, 3, last);
		sqlite3_bind_int64(st, 4, locked);
	}
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The wait after n failures when free ones are allowed: delay·2^(n-free),
 * at most 60 s. */
static long long
backoff(long delay, long long n, long long free)
{
	long long w;

	if (n < free || delay == 0)
		return 0;
	w = delay;
	for (; n > free && w < 60; n--)
		w *= 2;
	return w > 60 ? 60 : w;
}

/* Failures per address are forgotten after a quiet hour. */
#define ADDR_FREE 20
#define LOGIN_FREE 3

enum ej_diary_auth
ej_diary_authenticate(struct ej_diary *dy, const char *login,
    const char *password, const char *addr, long *wait,
    struct ej_diary_account *a, struct ej_diag *d)
{
	char lkey[EJ_DIARY_LOGIN_MAX + 8], akey[80], hash[crypto_pwhash_STRBYTES];
	long long ln, llast, llock, an, alast, alock, t = now_s(), w;
	sqlite3_stmt *st;
	int found = 0, ok;

	*wait = 0;
	snprintf(lkey, sizeof lkey, "login:%s", login);
	snprintf(akey, sizeof akey, "addr:%s", addr && *addr ? addr : "-");
	if (sqlite3_exec(dy->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		dberr(dy, d, _("cannot read the accounts"));
		return EJ_DIARY_AUTH_ERROR;
	}
	failures(dy, lkey, &ln, &llast, &llock);
	failures(dy, akey, &an, &alast, &alock);
	if (an && t - alast > 3600)
		an = 0;
	if (llock > t) {
		*wait = llock - t;
		sqlite3_exec(dy->db, "COMMIT", NULL, NULL, NULL);
		ej_diary_log(dy, addr, "locked-refused", login);
		return EJ_DIARY_AUTH_LOCKED;
	}
	if (llock && llock <= t)
		ln = 0;      /* the lock is over: counting starts again */
	w = backoff(dy->c.delay, ln, LOGIN_FREE);
	if (backoff(dy->c.delay, an, ADDR_FREE) > w)
		w = backoff(dy->c.delay, an, ADDR_FREE);
	if ((ln >= LOGIN_FREE && llast + w > t) ||
	    (an >= ADDR_FREE && alast + w > t)) {
		*wait = (ln >= LOGIN_FREE ? llast : alast) + w - t;
		if (*wait < 1)
			*wait = 1;
		sqlite3_exec(dy->db, "COMMIT", NULL, NULL, NULL);
		ej_diary_log(dy, addr, "throttled", login);
		return EJ_DIARY_AUTH_WAIT;
	}
	/* The hash is read, then the lock released: the slow check holds
	 * no lock. */
	if ((st = prep(dy, "SELECT hash FROM accounts WHERE login = ?1 AND "
	    "active = 1", d)) == NULL) {
		sqlite3_exec(dy->db, "ROLLBACK", NULL, NULL, NULL);
		return EJ_DIARY_AUTH_ERROR;
	}
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(hash, sizeof hash, "%s", sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	sqlite3_exec(dy->db, "COMMIT", NULL, NULL, NULL);
	/* An unknown login costs the same as a known one: a check against
	 * a hash of the school's cost that no password opens. */
	if (!found) {
		static const char none[] = "$argon2id$v=19$m=65536,t=2,p=1$"
		    "4WZABcf35x4xLckcJDZxYQ$qlMr45LWX1eov7mB5Ex5Rwm/Dsvoa06jxJGn"
		    "Z++Olac";

		snprintf(hash, sizeof hash, "%s", none);
		if ((st = prep(dy, "SELECT hash FROM accounts ORDER BY rowid "
		    "LIMIT 1", d)) != NULL) {
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(hash, sizeof hash, "%s",
				    sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		/* Whatever it says, the login is unknown. */
		(void)!crypto_pwhash_str_verify(hash, password,
		    strlen(password));
		ok = 0;
	} else {
		ok = crypto_pwhash_str_verify(hash, password,
		    strlen(password)) == 0;
	}
	sodium_memzero(hash, sizeof hash);
	sqlite3_exec(dy->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (ok) {
		failure_set(dy, lkey, 0, 0, 0);
		sqlite3_exec(dy->db, "COMMIT", NULL, NULL, NULL);
		ej_diary_log(dy, addr, "login", login);
		return ej_diary_account_get(dy, login, a, d) == 1 ?
		    EJ_DIARY_AUTH_OK : EJ_DIARY_AUTH_ERROR;
	}
	failures(dy, lkey, &ln, &llast, &llock);
	if (llock && llock <= t)
		ln = 0;
	ln++;
	llock = 0;
	if (ln >= dy->c.lock_after)
		llock = t + dy->c.lock_time;
	failure_set(dy, lkey, ln, t, llock);
	failures(dy, akey, &an, &alast, &alock);
	if (an && t - alast > 3600)
		an = 0;
	failure_set(dy, akey, an + 1, t, 0);
	sqlite3_exec(dy->db, "COMMIT", NULL, NULL, NULL);
	ej_diary_log(dy, addr, found ? "failed" : "failed-unknown", login);
	if (llock) {
		ej_diary_log(dy, addr, "locked", login);
		*wait = llock - t;
		return EJ_DIARY_AUTH_LOCKED;
	}
	return EJ_DIARY_AUTH_FAILED;
}

/* ----------------------------------------------------------- sessions */

static void
hex(char *out, const unsigned char *b, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

static void
id_hash(const char *id, unsigned char h[32])
{
	crypto_generichash(h, 32, (const unsigned char *)id, strlen(id),
	    NULL, 0);
}

int
ej_diary_session_new(struct ej_diary *dy, const char *login, char id[65],
    char csrf[65], struct ej_diag *d)
{
	unsigned char b[32], h[32];
	sqlite3_stmt *st;
	long long t = now_s();
	int rc;

	randombytes_buf(b, sizeof b);
	hex(id, b, sizeof b);
	randombytes_buf(b, sizeof b);
	hex(csrf, b, sizeof b);
	sodium_memzero(b, sizeof b);
	id_hash(id, h);
	if ((st = prep(dy, "INSERT INTO sessions (id, login, csrf, created, "
	    "seen) VALUES (?1, ?2, ?3, ?4, ?4)", d)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, t);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	/* Sessions long over are swept as new ones start. */
	sqlite3_exec(dy->db, "DELETE FROM sessions WHERE seen < "
	    "strftime('%s','now') - 86400 * 90", NULL, NULL, NULL);
	return rc == SQLITE_DONE ? 0 : dberr(dy, d, _("cannot start a session"));
}

static int
cookie_ok(const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' &&
		    id[i] <= 'f')))
			return 0;
	return 1;
}

int
ej_diary_session_get(struct ej_diary *dy, const char *id,
    struct ej_diary_account *a, char csrf[65], struct ej_diag *d)
{
	unsigned char h[32];
	sqlite3_stmt *st;
	char login[EJ_DIARY_LOGIN_MAX + 1];
	long long t = now_s(), created, seen;

	if (!cookie_ok(id))
		return 0;
	id_hash(id, h);
	if ((st = prep(dy, "SELECT login, csrf, created, seen FROM sessions "
	    "WHERE id = ?1", d)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return 0;
	}
	snprintf(login, sizeof login, "%s", sqlite3_column_text(st, 0));
	snprintf(csrf, 65, "%s", sqlite3_column_text(st, 1));
	created = sqlite3_column_int64(st, 2);
	seen = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	if (t - seen > dy->c.idle || t - created > dy->c.maxage) {
		ej_diary_session_end(dy, id);
		return 0;
	}
	if ((st = prep(dy, "UPDATE sessions SET seen = ?2 WHERE id = ?1",
	    d)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return ej_diary_account_get(dy, login, a, d);
}

void
ej_diary_session_end(struct ej_diary *dy, const char *id)
{
	unsigned char h[32];
	sqlite3_stmt *st;

	if (!cookie_ok(id))
		return;
	id_hash(id, h);
	if (sqlite3_prepare_v2(dy->db, "DELETE FROM sessions WHERE id = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void
ej_diary_sessions_end_others(struct ej_diary *dy, const char *login,
    const char *keep)
{
	unsigned char h[32];
	sqlite3_stmt *st;

	if (!cookie_ok(keep))
		return;
	id_hash(keep, h);
	if (sqlite3_prepare_v2(dy->db, "DELETE FROM sessions WHERE login = ?1 "
	    "AND id <> ?2", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int
ej_diary_token_eq(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n == 0 || n != strlen(b))
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}

/* Characters, not bytes: a Cyrillic password counts as it reads. */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
ej_diary_password_change(struct ej_diary *dy, const char *login,
    const char *current, const char *fresh, unsigned long long ops,
    size_t mem, const char **why, struct ej_diag *d)
{
	char hash[crypto_pwhash_STRBYTES], nh[crypto_pwhash_STRBYTES], ts[21];
	sqlite3_stmt *st;
	int rc;

	*why = NULL;
	if ((st = prep(dy, "SELECT hash FROM accounts WHERE login = ?1 AND "
	    "active = 1", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		*why = "Учётная запись не найдена.";
		return 1;
	}
	snprintf(hash, sizeof hash, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (crypto_pwhash_str_verify(hash, current, strlen(current)) != 0)
		*why = "Текущий пароль введён неверно.";
	else if (utf8_len(fresh) < EJ_DIARY_PASSWORD_MIN)
		*why = "Новый пароль должен быть не короче 10 символов.";
	else if (strlen(fresh) > EJ_DIARY_PASSWORD_MAX)
		*why = "Новый пароль слишком длинный.";
	else if (strcasecmp(fresh, login) == 0)
		*why = "Новый пароль не должен совпадать с логином.";
	else if (crypto_pwhash_str_verify(hash, fresh, strlen(fresh)) == 0)
		*why = "Новый пароль должен отличаться от прежнего.";
	sodium_memzero(hash, sizeof hash);
	if (*why)
		return 1;
	if (crypto_pwhash_str(nh, fresh, strlen(fresh), ops, mem) != 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("out of memory for the password's hash"));
	ej_timestamp_now(ts);
	if ((st = prep(dy, "UPDATE accounts SET hash = ?2, must_change = 0, "
	    "changed = ?3 WHERE login = ?1", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, nh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ts, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sodium_memzero(nh, sizeof nh);
	if (rc != SQLITE_DONE)
		return dberr(dy, d, _("cannot change the password"));
	return 0;
}
