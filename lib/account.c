/* account — e-diary logins; see account.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "consent.h"
#include "date.h"
#include "i18n.h"
#include "roster.h"
#include "text.h"
#include "who.h"
#include "table.h"

/* 23 lower-case letters, 24 capitals and 8 digits: 55 symbols. */
const char ej_account_alphabet[] =
    "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

#define FULL_NAME(t) \
	t ".surname || ' ' || " t ".name || CASE WHEN " t ".patronymic <> '' " \
	"THEN ' ' || " t ".patronymic ELSE '' END"
/* The class of pupil p on day ?1 (NULL when in none). */
#define CLASS_OF(p) \
	"(SELECT c.name FROM membership m LEFT JOIN classes c ON " \
	"c.id = m.class_id WHERE m.pupil_id = " p " AND m.start <= ?1 " \
	"ORDER BY m.start DESC LIMIT 1)"
#define CLASS_ID_OF(p) \
	"(SELECT m.class_id FROM membership m WHERE m.pupil_id = " p \
	" AND m.start <= ?1 ORDER BY m.start DESC LIMIT 1)"
/* The children a parent's account shows: those with both of the
 * parent's documents given. */
#define SHOWN(r) \
	"SELECT g.pupil_id FROM guardians g WHERE g.parent_id = " r " AND " \
	"(SELECT count(DISTINCT kind) FROM consents c WHERE c.parent_id = " \
	r " AND c.pupil_id = g.pupil_id AND c.status = 'given') = 2"

static void
target_free(struct ej_account_target *t)
{
	if (t->password) {
		sodium_memzero(t->password, strlen(t->password));
		free(t->password);
	}
	sodium_memzero(t->hash, sizeof t->hash);
	free(t->login);
	free(t->name);
	free(t->surname);
	free(t->first);
	free(t->classes);
	free(t->children);
}

void
ej_account_batch_free(struct ej_account_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		target_free(&b->t[i]);
	free(b->t);
	free(b->scope);
	memset(b, 0, sizeof *b);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return ej_xstrdup(v ? (const char *)v : "");
}

static int
today(struct ej_store *s, char day[EJ_DATE_LEN], struct ej_diag *d)
{
	int date = ej_roster_day(s, 0, d);

	if (date < 0)
		return -1;
	ej_date_format(date, day);
	return 0;
}

/* ---------------------------------------------------------- selecting */

static int
sel_exec(struct ej_store *s, const char *sql, const char *day, long long a,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = ej_store_prepare(s, sql, d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, a);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the roster"));
	return 0;
}

/* A parent by id or name; 0 when none, -1 ambiguous (reported). */
static long long
find_parent(struct ej_store *s, const char *ref, const char *file, long line,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id = 0;
	int n = 0, digits = *ref && strspn(ref, "0123456789") == strlen(ref);

	if ((st = ej_store_prepare(s, "SELECT id FROM parents WHERE (?2 AND "
	    "id = ?1) OR (NOT ?2 AND (ej_fold(surname || ' ' || name) = "
	    "ej_fold(?1) OR ej_fold(surname || ' ' || name || ' ' || "
	    "patronymic) = ej_fold(?1)))", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, digits);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (n > 1)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("\"%s\": %d parents of this name; give the id"), ref, n);
	return id;
}

static int
add_person(struct ej_store *s, const char *role, long long id,
    struct ej_diag *d)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(s, "INSERT OR IGNORE INTO temp.ej_sel "
	    "(role, id) VALUES (?, ?)", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_step(st);
	sqlite3_reset(st);
	return 0;
}

static int
sel_pupil(struct ej_store *s, const char *ref, int date, const char *file,
    long line, struct ej_diag *d)
{
	long long id = ej_roster_find_pupil(s, ref, date, file, line, d);

	if (id < 0)
		return -1;
	if (id == 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("no pupil \"%s\" on the roster"), ref);
	return add_person(s, "pupil", id, d);
}

static int
sel_parent(struct ej_store *s, const char *ref, const char *file, long line,
    struct ej_diag *d)
{
	long long id = find_parent(s, ref, file, line, d);

	if (id < 0)
		return -1;
	if (id == 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("no parent \"%s\" on the roster"), ref);
	return add_person(s, "parent", id, d);
}

static const struct ej_csv_col people_cols[] = {
	{"pupil", (const char *const[]){"ученик", "обучающийся", NULL}, 0},
	{"parent", (const char *const[]){"родитель", NULL}, 0},
};

const struct ej_csv_col *
ej_account_columns(size_t *n)
{
	*n = sizeof people_cols / sizeof people_cols[0];
	return people_cols;
}

/* A file of people: a pupil or a parent a row. */
static int
sel_file(struct ej_store *s, struct ej_csv_reader *r, int date,
    struct ej_diag *d)
{
	struct ej_csv_record *rec;
	const char *pupil, *parent;
	int rc, bad = 0;

	while ((rc = ej_csv_next(r, &rec, d)) == 1) {
		pupil = ej_csv_get(rec, 0);
		parent = ej_csv_get(rec, 1);
		if (pupil && sel_pupil(s, pupil, date, rec->file, rec->line,
		    d) < 0)
			bad = 1;
		if (parent && sel_parent(s, parent, rec->file, rec->line,
		    d) < 0)
			bad = 1;
		if (!pupil && !parent)
			bad = ej_error(d, EJ_EXIT_DATAERR, rec->file,
			    rec->line, 0, "%s", _("neither a pupil nor a "
			    "parent given"));
	}
	return rc < 0 || bad || ej_csv_bad(r) ? -1 : 0;
}

/* May the actor issue for this person? Admin, or the class teacher of the
 * pupil (of one of the parent's children). */
static int
may(struct ej_store *s, const struct ej_account_target *t, const char *day,
    struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	int ok;

	if (a->roles & EJ_ROLE_ADMIN)
		return 0;
	if (!(a->roles & EJ_ROLE_CLASSTEACHER))
		ok = 0;
	else {
		if ((st = ej_store_prepare(s, "SELECT 1 FROM classes c WHERE "
		    "c.teacher_id = ?3 AND c.id IN (SELECT " CLASS_ID_OF("x.p")
		    " FROM (SELECT ?2 AS p WHERE ?4 = 'pupil' UNION SELECT "
		    "pupil_id FROM guardians WHERE parent_id = ?2 AND ?4 = "
		    "'parent') x)", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t->person);
		sqlite3_bind_int64(st, 3, a->staff_id);
		sqlite3_bind_text(st, 4, t->role, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	if (ok)
		return 0;
	return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
	    _("%s may not handle the login of %s (%s): only the class "
	    "teacher or an admin"), a->login[0] ? a->login : "?", t->name,
	    *t->classes ? t->classes : "-");
}

static struct ej_account_target *
batch_add(struct ej_account_batch *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->t = ej_xrealloc(b->t, b->cap * sizeof *b->t);
	}
	memset(&b->t[b->n], 0, sizeof b->t[b->n]);
	return &b->t[b->n++];
}

/* Every person of temp.ej_sel with what a slip and a login need. */
#define PEOPLE \
	"SELECT 'pupil', p.id, " FULL_NAME("p") ", p.surname, p.name, " \
	"coalesce(" CLASS_OF("p.id") ", ''), '', a.id, a.login, a.status, " \
	"EXISTS (SELECT 1 FROM account_secrets x WHERE x.account_id = a.id), " \
	"coalesce((SELECT c.parallel FROM classes c WHERE c.id = " \
	CLASS_ID_OF("p.id") "), 99), 0 FROM temp.ej_sel s " \
	"JOIN pupils p ON s.role = 'pupil' AND p.id = s.id " \
	"LEFT JOIN accounts a ON a.pupil_id = p.id UNION ALL " \
	"SELECT 'parent', r.id, " FULL_NAME("r") ", r.surname, r.name, " \
	"coalesce((SELECT group_concat(n, ', ') FROM (SELECT DISTINCT " \
	CLASS_OF("g.pupil_id") " AS n FROM guardians g WHERE g.parent_id = " \
	"r.id ORDER BY 1)), ''), coalesce((SELECT group_concat(n, '; ') FROM " \
	"(SELECT k.surname || ' ' || k.name AS n FROM pupils k WHERE k.id IN " \
	"(" SHOWN("r.id") ") ORDER BY k.surname, k.name)), ''), a.id, " \
	"a.login, a.status, EXISTS (SELECT 1 FROM account_secrets x WHERE " \
	"x.account_id = a.id), coalesce((SELECT min(c.parallel) FROM " \
	"guardians g JOIN classes c ON c.id = " CLASS_ID_OF("g.pupil_id") \
	" WHERE g.parent_id = r.id), 99), 1 FROM temp.ej_sel s " \
	"JOIN parents r ON s.role = 'parent' AND r.id = s.id " \
	"LEFT JOIN accounts a ON a.parent_id = r.id " \
	"ORDER BY 12, 6, 13, 4, 5, 2"

int
ej_account_select(struct ej_store *s, const struct ej_account_sel *sel,
    struct ej_account_batch *b, struct ej_diag *d)
{
	int pupils = sel->pupils || !sel->parents;
	int parents = sel->parents || !sel->pupils;
	char day[EJ_DATE_LEN];
	sqlite3_stmt *st;
	int date, rc, bad = 0;
	char **l;

	if ((date = ej_roster_day(s, 0, d)) < 0 || today(s, day, d) < 0)
		return -1;
	if (ej_store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS ej_sel (role "
	    "TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (role, id)) "
	    "WITHOUT ROWID; DELETE FROM temp.ej_sel", d) < 0)
		return -1;
	if (sel->class_id)
		rc = sel_exec(s, "INSERT OR IGNORE INTO temp.ej_sel SELECT "
		    "'pupil', p.id FROM pupils p WHERE " CLASS_ID_OF("p.id")
		    " = ?2", day, sel->class_id, d);
	else if (sel->parallel)
		rc = sel_exec(s, "INSERT OR IGNORE INTO temp.ej_sel SELECT "
		    "'pupil', p.id FROM pupils p WHERE " CLASS_ID_OF("p.id")
		    " IN (SELECT id FROM classes WHERE parallel = ?2)", day,
		    sel->parallel, d);
	else if (sel->pupil)
		rc = sel_pupil(s, sel->pupil, date, NULL, 0, d);
	else if (sel->parent)
		rc = sel_parent(s, sel->parent, NULL, 0, d);
	else if (sel->file)
		rc = sel_file(s, sel->file, date, d);
	else if (sel->logins) {
		rc = 0;
		for (l = sel->logins; *l; l++) {
			if ((st = ej_store_prepare(s, "INSERT OR IGNORE INTO "
			    "temp.ej_sel SELECT role, coalesce(pupil_id, "
			    "parent_id) FROM accounts WHERE login = ?", d)) ==
			    NULL)
				return -1;
			sqlite3_bind_text(st, 1, *l, -1, SQLITE_STATIC);
			sqlite3_step(st);
			if (sqlite3_changes(ej_store_db(s)) == 0)
				rc = ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
				    _("no account \"%s\""), *l);
			sqlite3_reset(st);
		}
	} else if (sel->lost)
		rc = ej_store_exec(s, "INSERT OR IGNORE INTO temp.ej_sel "
		    "SELECT role, coalesce(pupil_id, parent_id) FROM accounts "
		    "WHERE status = 'active' AND id NOT IN (SELECT account_id "
		    "FROM account_secrets)", d);
	else
		rc = sel_exec(s, "INSERT OR IGNORE INTO temp.ej_sel SELECT "
		    "'pupil', p.id FROM pupils p WHERE " CLASS_ID_OF("p.id")
		    " IS NOT NULL", day, 0, d);
	if (rc < 0)
		return -1;
	/* A pupil brings their parents; the roles asked for stay. */
	if (!sel->logins && !sel->lost) {
		if (parents && ej_store_exec(s, "INSERT OR IGNORE INTO "
		    "temp.ej_sel SELECT 'parent', g.parent_id FROM guardians g "
		    "JOIN temp.ej_sel x ON x.role = 'pupil' AND "
		    "x.id = g.pupil_id", d) < 0)
			return -1;
		if (!pupils && ej_store_exec(s, "DELETE FROM temp.ej_sel "
		    "WHERE role = 'pupil'", d) < 0)
			return -1;
		if (!parents && ej_store_exec(s, "DELETE FROM temp.ej_sel "
		    "WHERE role = 'parent'", d) < 0)
			return -1;
	}

	if ((st = ej_store_prepare(s, PEOPLE, d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ej_account_target t = {0};
		const char *status = (const char *)sqlite3_column_text(st, 9);
		const char *missing;

		snprintf(t.role, sizeof t.role, "%s",
		    sqlite3_column_text(st, 0));
		t.person = sqlite3_column_int64(st, 1);
		t.name = col_dup(st, 2);
		t.surname = col_dup(st, 3);
		t.first = col_dup(st, 4);
		t.classes = col_dup(st, 5);
		t.children = col_dup(st, 6);
		t.account = sqlite3_column_int64(st, 7);
		if (t.account)
			t.login = col_dup(st, 8);
		if (may(s, &t, day, d) < 0) {
			target_free(&t);
			bad = 1;
			continue;
		}
		if (sel->reset) {
			if (!status || strcmp(status, "active") != 0) {
				if (sel->logins)
					bad = ej_error(d, EJ_EXIT_DATAERR,
					    NULL, 0, 0, _("%s: the login is "
					    "revoked; issue it again instead"),
					    t.login);
				target_free(&t);
				continue;
			}
		} else if (status && strcmp(status, "active") == 0) {
			b->already++;
			target_free(&t);
			continue;
		} else if ((missing = ej_consent_missing(s, t.role, t.person,
		    d)) != NULL) {
			ej_note(d, _("%s (%s, %s): %s"), t.name,
			    *t.classes ? t.classes : "-",
			    strcmp(t.role, "pupil") == 0 ? _("pupil") :
			    _("parent"), missing);
			b->skipped++;
			target_free(&t);
			continue;
		}
		*batch_add(b) = t;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the roster"));
	return bad ? -1 : 0;
}

/* ----------------------------------------------------- passwords, hashes */

int
ej_account_cost(struct ej_store *s, struct ej_account_cost *c,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	const char *k;
	long long v;

	c->length = 12;
	c->ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	c->mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if ((st = ej_store_prepare(s, "SELECT key, value FROM settings WHERE "
	    "key LIKE 'accounts.%'", d)) == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		v = sqlite3_column_int64(st, 1);
		if (strcmp(k, "accounts.password_length") == 0)
			c->length = (int)v;
		else if (strcmp(k, "accounts.pwhash_ops") == 0 && v > 0)
			c->ops = (unsigned long long)v;
		else if (strcmp(k, "accounts.pwhash_mem") == 0 && v > 0)
			c->mem = (size_t)v;
	}
	sqlite3_reset(st);
	if (c->length < EJ_ACCOUNT_PASSWORD_MIN)
		c->length = EJ_ACCOUNT_PASSWORD_MIN;
	if (c->length > EJ_ACCOUNT_PASSWORD_MAX)
		c->length = EJ_ACCOUNT_PASSWORD_MAX;
	return 0;
}

void
ej_account_password(char *buf, size_t len)
{
	size_t i;
	const uint32_t n = (uint32_t)(sizeof ej_account_alphabet - 1);

	for (i = 0; i < len; i++)
		buf[i] = ej_account_alphabet[randombytes_uniform(n)];
	buf[len] = '\0';
}

struct pool {
	struct ej_account_batch *b;
	const struct ej_account_cost *c;
	atomic_size_t next, done;
	atomic_int failed;
};

/* Each thread takes the next target until none is left: the work splits
 * evenly whatever each hash costs. */
static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct ej_account_target *t;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->b->n) {
		t = &p->b->t[i];
		if (crypto_pwhash_str(t->hash, t->password,
		    strlen(t->password), p->c->ops, p->c->mem) != 0)
			atomic_store(&p->failed, 1);
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static void
bar(FILE *f, size_t done, size_t n)
{
	int w = 40, k = n ? (int)(done * (size_t)w / n) : w;

	fprintf(f, "\r[%.*s%*s] %zu/%zu", k,
	    "########################################", w - k, "", done, n);
	fflush(f);
}

int
ej_account_hash(struct ej_account_batch *b, const struct ej_account_cost *c,
    int threads, FILE *progress, struct ej_diag *d)
{
	struct pool p;
	pthread_t *tid;
	size_t i;
	int started = 0, k;

	if (b->n == 0)
		return 0;
	if (sodium_init() < 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot initialise libsodium"));
	for (i = 0; i < b->n; i++) {
		if (!b->t[i].password) {
			b->t[i].password = ej_xmalloc((size_t)c->length + 1);
			ej_account_password(b->t[i].password,
			    (size_t)c->length);
		}
	}
	if (threads <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (int)cpus : 1;
	}
	if ((size_t)threads > b->n)
		threads = (int)b->n;
	p.b = b;
	p.c = c;
	atomic_init(&p.next, 0);
	atomic_init(&p.done, 0);
	atomic_init(&p.failed, 0);
	tid = ej_xcalloc((size_t)threads, sizeof *tid);
	for (k = 0; k < threads; k++) {
		if (pthread_create(&tid[k], NULL, worker, &p) != 0)
			break;
		started++;
	}
	if (started == 0)
		worker(&p);
	while (progress && atomic_load(&p.done) < b->n) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		bar(progress, atomic_load(&p.done), b->n);
		nanosleep(&ts, NULL);
	}
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	free(tid);
	if (progress) {
		bar(progress, b->n, b->n);
		fputc('\n', progress);
	}
	if (atomic_load(&p.failed))
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot hash a password (out of memory?)"));
	return 0;
}

/* --------------------------------------------------------------- writing */

char *
ej_account_login(struct ej_store *s, const char *surname, const char *name,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	char *base, *login;
	int n, taken;

	if ((base = ej_login_from_name(surname, name)) == NULL)
		return NULL;
	if ((st = ej_store_prepare(s, "SELECT 1 FROM accounts WHERE login = ?",
	    d)) == NULL) {
		free(base);
		return NULL;
	}
	for (n = 1;; n++) {
		login = n == 1 ? ej_xstrdup(base) :
		    ej_xasprintf("%s%d", base, n);
		sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
		taken = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!taken)
			break;
		free(login);
	}
	free(base);
	return login;
}

int
ej_account_store(struct ej_store *s, struct ej_account_batch *b, int secrets,
    int reset, const char *reason, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char now[21];
	size_t i;
	long long by = ej_store_actor(s)->staff_id;

	ej_timestamp_now(now);
	for (i = 0; i < b->n; i++) {
		struct ej_account_target *t = &b->t[i];
		int pupil = strcmp(t->role, "pupil") == 0, active = 0;

		/* Taken meanwhile, or no longer allowed: the read was
		 * outside the transaction. */
		if ((st = ej_store_prepare(s, "SELECT id, login, status = "
		    "'active' FROM accounts WHERE (?1 AND pupil_id = ?2) OR "
		    "(NOT ?1 AND parent_id = ?2)", d)) == NULL)
			return -1;
		sqlite3_bind_int(st, 1, pupil);
		sqlite3_bind_int64(st, 2, t->person);
		if (sqlite3_step(st) == SQLITE_ROW) {
			t->account = sqlite3_column_int64(st, 0);
			free(t->login);
			t->login = col_dup(st, 1);
			active = sqlite3_column_int(st, 2);
		}
		sqlite3_reset(st);
		if (!t->login && (t->login = ej_account_login(s, t->surname,
		    t->first, d)) == NULL) {
			ej_note(d, _("%s (%s): no letters in the name to make "
			    "a login of"), t->name, t->role);
			t->skip = 1;
			b->skipped++;
			continue;
		}
		if (!reset && (active || ej_consent_missing(s, t->role,
		    t->person, d))) {
			t->skip = 1;
			continue;
		}
		if (reset && !active) {
			t->skip = 1;
			continue;
		}
		if (t->account)
			st = ej_store_prepare(s, "UPDATE accounts SET status = "
			    "'active', must_change = 1, issued = ?3, revoked = "
			    "NULL, reason = ?4, by_id = ?5 WHERE id = ?1", d);
		else
			st = ej_store_prepare(s, "INSERT INTO accounts (login, "
			    "role, pupil_id, parent_id, status, must_change, "
			    "issued, reason, by_id) VALUES (?2, ?6, CASE WHEN "
			    "?6 = 'pupil' THEN ?7 END, CASE WHEN ?6 = 'parent' "
			    "THEN ?7 END, 'active', 1, ?3, ?4, ?5)", d);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, t->account);
		sqlite3_bind_text(st, 2, t->login, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, reason ? reason : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, by);
		sqlite3_bind_text(st, 6, t->role, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, t->person);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return ej_store_sqlerr(s, d, _("cannot write"));
		}
		sqlite3_reset(st);
		if (!t->account)
			t->account = sqlite3_last_insert_rowid(ej_store_db(s));
		if (secrets) {
			if ((st = ej_store_prepare(s, "INSERT OR REPLACE INTO "
			    "account_secrets (account_id, hash) VALUES (?, ?)",
			    d)) == NULL)
				return -1;
			sqlite3_bind_int64(st, 1, t->account);
			sqlite3_bind_text(st, 2, t->hash, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_reset(st);
				return ej_store_sqlerr(s, d, _("cannot write"));
			}
			sqlite3_reset(st);
		}
		if (pupil)
			b->pupils++;
		else
			b->parents++;
	}
	return 0;
}

/* ------------------------------------------------------------------ slips */

int
ej_account_slips(const struct ej_account_batch *b, FILE *out, int html,
    struct ej_diag *d)
{
	static const char *const head[] = { "login", "password", "role",
		"name", "class", "children" };
	struct ej_csv_writer *w;
	size_t i;

	if (!html) {
		if (ej_csv_writer_new(&w, out, NULL) < 0)
			return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "%s",
			    _("cannot write the slips"));
		ej_csv_write_row(w, head, 6);
		for (i = 0; i < b->n; i++) {
			const struct ej_account_target *t = &b->t[i];
			const char *row[6];

			if (t->skip)
				continue;
			row[0] = t->login;
			row[1] = t->password;
			row[2] = t->role;
			row[3] = t->name;
			row[4] = t->classes;
			row[5] = t->children;
			ej_csv_write_row(w, row, 6);
		}
		i = (size_t)ej_csv_writer_finish(w, _("the slips"), d);
		ej_csv_writer_free(w);
		return (int)i;
	}
	fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>", out);
	ej_html_escape(out, _("E-diary logins"));
	fputs("</title>\n<style>\nbody { font: 11pt sans-serif; }\n"
	    ".slip { display: inline-block; width: 45%; margin: 0.5em; "
	    "padding: 0.8em; border: 1px dashed #000; "
	    "page-break-inside: avoid; vertical-align: top; }\n"
	    ".secret { font: bold 14pt monospace; }\n"
	    ".note { font-size: 9pt; }\n</style>\n</head>\n<body>\n", out);
	for (i = 0; i < b->n; i++) {
		const struct ej_account_target *t = &b->t[i];

		if (t->skip)
			continue;
		fputs("<div class=\"slip\">\n<p><b>", out);
		ej_html_escape(out, t->name);
		fputs("</b>", out);
		if (*t->classes) {
			fputs(", ", out);
			ej_html_escape(out, t->classes);
		}
		fputs("<br>\n", out);
		ej_html_escape(out, strcmp(t->role, "pupil") == 0 ?
		    _("pupil's account") : _("parent's account"));
		if (*t->children) {
			fputs(": ", out);
			ej_html_escape(out, t->children);
		}
		fputs("</p>\n<p>", out);
		ej_html_escape(out, _("Login:"));
		fputs(" <span class=\"secret\">", out);
		ej_html_escape(out, t->login);
		fputs("</span><br>\n", out);
		ej_html_escape(out, _("Password:"));
		fputs(" <span class=\"secret\">", out);
		ej_html_escape(out, t->password);
		fputs("</span></p>\n", out);
		if (*b->diary_url) {
			fputs("<p>", out);
			ej_html_escape(out, _("The e-diary:"));
			fputs(" <span class=\"secret\">", out);
			ej_html_escape(out, b->diary_url);
			fputs("</span></p>\n", out);
		}
		fputs("<p class=\"note\">", out);
		ej_html_escape(out, _("The password is for one use: the e-diary asks "
		    "for a new one at the first login. Keep the login and "
		    "password to yourself; whoever has them sees the marks and "
		    "the personal data. If they are lost or seen by another, "
		    "ask the class teacher at once for a new password."));
		fputs("</p>\n</div>\n", out);
	}
	fputs("</body>\n</html>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "%s",
		    _("cannot write the slips"));
	return 0;
}

/* ---------------------------------------------------- revoke, verify, … */

int
ej_account_revoke(struct ej_store *s, char *const *logins, const char *reason,
    unsigned long *n, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	char now[21], day[EJ_DATE_LEN];
	int bad = 0;

	*n = 0;
	if (today(s, day, d) < 0)
		return -1;
	ej_timestamp_now(now);
	for (; *logins; logins++) {
		struct ej_account_target t = {0};
		int active = 0, found = 0;

		if ((st = ej_store_prepare(s, "SELECT a.role, coalesce("
		    "a.pupil_id, a.parent_id), a.status = 'active', coalesce("
		    "(SELECT " FULL_NAME("p") " FROM pupils p WHERE p.id = "
		    "a.pupil_id), (SELECT " FULL_NAME("r") " FROM parents r "
		    "WHERE r.id = a.parent_id)) FROM accounts a WHERE "
		    "a.login = ?", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, *logins, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			snprintf(t.role, sizeof t.role, "%s",
			    sqlite3_column_text(st, 0));
			t.person = sqlite3_column_int64(st, 1);
			active = sqlite3_column_int(st, 2);
			t.name = col_dup(st, 3);
		}
		sqlite3_reset(st);
		if (!found) {
			bad = ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("no account \"%s\""), *logins);
			continue;
		}
		t.classes = ej_xstrdup("");
		if (may(s, &t, day, d) < 0) {
			bad = 1;
			target_free(&t);
			continue;
		}
		target_free(&t);
		if (!active)
			continue;
		if ((st = ej_store_prepare(s, "UPDATE accounts SET status = "
		    "'revoked', revoked = ?2, reason = ?3, by_id = ?4 WHERE "
		    "login = ?1", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, *logins, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, a->staff_id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return ej_store_sqlerr(s, d, _("cannot write"));
		}
		sqlite3_reset(st);
		(*n)++;
	}
	if (bad)
		return -1;
	return ej_store_exec(s, "DELETE FROM account_secrets WHERE account_id "
	    "IN (SELECT id FROM accounts WHERE status = 'revoked')", d);
}

int
ej_account_verify(struct ej_store *s, const char *login, const char *password,
    size_t len, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char hash[EJ_ACCOUNT_HASH_MAX];
	int found = 0, rc;

	if (sodium_init() < 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot initialise libsodium"));
	if ((st = ej_store_prepare(s, "SELECT x.hash FROM accounts a JOIN "
	    "account_secrets x ON x.account_id = a.id WHERE a.login = ? AND "
	    "a.status = 'active'", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) < sizeof hash) {
		snprintf(hash, sizeof hash, "%s", sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_reset(st);
	if (!found)
		return 0;
	rc = crypto_pwhash_str_verify(hash, password, len) == 0;
	sodium_memzero(hash, sizeof hash);
	return rc;
}

static int
write_rows(struct ej_store *s, sqlite3_stmt *st, int ncols,
    struct ej_csv_writer *w, struct ej_diag *d)
{
	int rc, i;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++)
			ej_csv_put(w, (const char *)sqlite3_column_text(st, i));
		ej_csv_end_row(w);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the accounts"));
	return 0;
}

int
ej_account_export(struct ej_store *s, struct ej_csv_writer *w,
    struct ej_diag *d)
{
	static const char *const head[] = { "login", "hash", "role",
		"person_id", "person", "children" };
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(s, "SELECT a.login, x.hash, a.role, "
	    "coalesce(a.pupil_id, a.parent_id), coalesce((SELECT "
	    FULL_NAME("p") " FROM pupils p WHERE p.id = a.pupil_id), (SELECT "
	    FULL_NAME("r") " FROM parents r WHERE r.id = a.parent_id)), "
	    "CASE a.role WHEN 'pupil' THEN a.pupil_id ELSE (SELECT "
	    "group_concat(pupil_id, ';') FROM (" SHOWN("a.parent_id")
	    " ORDER BY 1)) END FROM accounts a JOIN account_secrets x ON "
	    "x.account_id = a.id WHERE a.status = 'active' ORDER BY a.login",
	    d)) == NULL)
		return -1;
	ej_csv_write_row(w, head, 6);
	return write_rows(s, st, 6, w, d);
}

int
ej_account_list(struct ej_store *s, long long class_id,
    struct ej_csv_writer *w, struct ej_diag *d)
{
	static const char *const head[] = { "login", "role", "person_id",
		"person", "class", "status", "must_change", "password",
		"issued", "revoked", "reason" };
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];

	if (today(s, day, d) < 0)
		return -1;
	if ((st = ej_store_prepare(s, "SELECT a.login, a.role, "
	    "coalesce(a.pupil_id, a.parent_id), coalesce((SELECT "
	    FULL_NAME("p") " FROM pupils p WHERE p.id = a.pupil_id), (SELECT "
	    FULL_NAME("r") " FROM parents r WHERE r.id = a.parent_id)), "
	    "CASE a.role WHEN 'pupil' THEN " CLASS_OF("a.pupil_id") " ELSE "
	    "(SELECT group_concat(n, ', ') FROM (SELECT DISTINCT "
	    CLASS_OF("g.pupil_id") " AS n FROM guardians g WHERE "
	    "g.parent_id = a.parent_id ORDER BY 1)) END, a.status, "
	    "a.must_change, CASE WHEN EXISTS (SELECT 1 FROM account_secrets x "
	    "WHERE x.account_id = a.id) THEN 'yes' ELSE 'no' END, a.issued, "
	    "a.revoked, a.reason FROM accounts a WHERE ?2 = 0 OR "
	    CLASS_ID_OF("a.pupil_id") " = ?2 OR EXISTS (SELECT 1 FROM "
	    "guardians g WHERE g.parent_id = a.parent_id AND "
	    CLASS_ID_OF("g.pupil_id") " = ?2) ORDER BY a.login", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, class_id);
	ej_csv_write_row(w, head, 11);
	return write_rows(s, st, 11, w, d);
}

long
ej_account_unhashed(struct ej_store *s, char ***logins, size_t max,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	long n = 0;
	int rc;

	*logins = ej_xcalloc(max + 1, sizeof **logins);
	if ((st = ej_store_prepare(s, "SELECT login FROM accounts WHERE "
	    "status = 'active' AND id NOT IN (SELECT account_id FROM "
	    "account_secrets) ORDER BY login", d)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((size_t)n < max)
			(*logins)[n] = col_dup(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the accounts"));
	return n;
}
