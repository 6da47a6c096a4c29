/*
 * rebuild — ej-rebuild's protocol (history.h): a commit's snapshot loaded
 * into a new database, checked by serialising it back, and put in the
 * place of the store's ej.db without losing what the old one holds: a
 * database whose head main lacks is not replaced unless forced, and the
 * password hashes of the accounts that are the same in both databases are
 * carried over (they are never in the history).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "history.h"
#include "i18n.h"
#include "store_priv.h"
#include "who.h"

/* Logins and commits named at most, then "… and N more". */
#define LIST_MAX 20

/* The database being replaced, read before it is. */
struct old_db {
	sqlite3 *db;             /* NULL: absent or unreadable */
	int absent;
	char *why;               /* why it could not be read */
	char head[GIT_OID_HEXSZ + 1];    /* its meta.head, "" when none */
};

static void
old_close(struct old_db *o)
{
	/* The last connection to close checkpoints the WAL into the file,
	 * so the database kept aside is whole without its -wal. */
	sqlite3_close(o->db);
	o->db = NULL;
}

static void
old_open(struct old_db *o, const char *path)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc;

	memset(o, 0, sizeof *o);
	if (lstat(path, &sb) < 0 && errno == ENOENT) {
		o->absent = 1;
		return;
	}
	/* Nothing inside a store is followed (DESIGN.md). */
	if (sqlite3_open_v2(path, &o->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(o->db, 5000);
	if (sqlite3_exec(o->db, "PRAGMA query_only = 1", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(o->db, "SELECT value FROM meta WHERE key = "
	    "'head'", -1, &st, NULL) != SQLITE_OK)
		goto bad;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		snprintf(o->head, sizeof o->head, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto bad;
	sqlite3_finalize(st);
	return;
bad:
	o->why = ej_xstrdup(o->db ? sqlite3_errmsg(o->db) :
	    strerror(ENOMEM));
	sqlite3_finalize(st);
	sqlite3_close(o->db);
	o->db = NULL;
}

/* "  1a2b3c4  2026-11-29 07:15  Name (login)  summary", as ej-log. */
static void
commit_line(FILE *out, git_repository *repo, const git_oid *id)
{
	const git_signature *a;
	git_commit *c;
	char hex[8], tm[32];
	const char *summary;
	struct tm t;
	time_t when;
	size_t n;

	git_oid_tostr(hex, sizeof hex, id);
	if (git_commit_lookup(&c, repo, id) < 0) {
		fprintf(out, "  %s\n", hex);
		return;
	}
	a = git_commit_author(c);
	when = (time_t)a->when.time + (time_t)a->when.offset * 60;
	gmtime_r(&when, &t);
	strftime(tm, sizeof tm, "%Y-%m-%d %H:%M", &t);
	n = a->email ? strcspn(a->email, "@") : 0;
	summary = git_commit_summary(c);
	fprintf(out, "  %s  %s  %s (%.*s)  %s\n", hex, tm, a->name, (int)n,
	    a->email ? a->email : "", summary ? summary : "");
	git_commit_free(c);
}

/*
 * The old database's head against main: 0 when nothing main lacks would
 * be lost (the same, behind main, or not in the history at all); else
 * the commits it would lose are named and, unless forced, -1 (exit 1).
 */
static int
check_lost(struct ej_store *s, const struct old_db *o, const git_oid *main,
    int force, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_revwalk *w = NULL;
	git_commit *c;
	git_oid head, id, *lost = NULL;
	size_t n = 0, i;
	char mhex[8];
	int rc, ahead;

	if (!repo)
		return -1;
	if (!*o->head || git_oid_fromstr(&head, o->head) < 0 ||
	    git_oid_equal(&head, main))
		return 0;
	if ((rc = git_commit_lookup(&c, repo, &head)) == GIT_ENOTFOUND) {
		ej_note(d, _("the old database's head %.7s is not in the "
		    "history: it is not compared with main"), o->head);
		return 0;
	}
	if (rc < 0)
		goto unreadable;
	git_commit_free(c);
	if ((rc = git_graph_descendant_of(repo, main, &head)) == 1)
		return 0;                    /* behind main: nothing lost */
	if (rc < 0 || (ahead = git_graph_descendant_of(repo, &head,
	    main)) < 0)
		goto unreadable;
	if (git_revwalk_new(&w, repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(w, &head) < 0 || git_revwalk_hide(w, main) < 0)
		goto unreadable;
	while ((rc = git_revwalk_next(&id, w)) == 0) {
		lost = ej_xrealloc(lost, (n + 1) * sizeof *lost);
		git_oid_cpy(&lost[n++], &id);
	}
	git_revwalk_free(w);
	if (rc != GIT_ITEROVER) {
		free(lost);
		goto unreadable;
	}
	git_oid_tostr(mhex, sizeof mhex, main);
	if (force)
		ej_warn(d, NULL, 0, 0, ahead ? _("the database is ahead of "
		    "the history: a rebuild from main (%s) loses %zu "
		    "commits:") : _("the database and the history have "
		    "diverged: a rebuild from main (%s) loses %zu commits:"),
		    mhex, n);
	else
		ej_error(d, EJ_EXIT_FOUND, NULL, 0, 0, ahead ? _("the "
		    "database is ahead of the history: a rebuild from main "
		    "(%s) would lose %zu commits:") : _("the database and the "
		    "history have diverged: a rebuild from main (%s) would "
		    "lose %zu commits:"), mhex, n);
	for (i = 0; i < n && i < LIST_MAX; i++)
		commit_line(d->out, repo, &lost[i]);
	if (n > LIST_MAX)
		fprintf(d->out, "  %s\n", _("…"));
	free(lost);
	if (force) {
		ej_note(d, "%s", _("--force: rebuilt from main all the same; "
		    "the commits above stay in history.git, off main"));
		return 0;
	}
	ej_note(d, "%s", ahead ? _("if main was moved back by mistake, "
	    "restore it:") : _("to keep them, move main back to them (main's "
	    "own commits since they parted then leave it):"));
	fprintf(d->out, "  git -C %s/history.git update-ref refs/heads/main "
	    "%s\n", ej_store_dir(s), o->head);
	ej_note(d, "%s", _("or rebuild from main all the same, losing them: "
	    "ej-rebuild --force"));
	ej_note(d, "%s", _("nothing was written"));
	return -1;
unreadable:
	git_revwalk_free(w);
	if (force) {
		ej_warn(d, NULL, 0, 0, _("cannot tell whether the old "
		    "database's head %.7s is on main; --force: rebuilt from "
		    "main all the same"), o->head);
		return 0;
	}
	ej_store_giterr(s, d, _("cannot tell whether the old database's "
	    "head is on main"));
	ej_note(d, "%s", _("nothing was written (ej-rebuild --force "
	    "rebuilds from main all the same)"));
	return -1;
}

/* An account as its record stands: what a hash is the password of. The
 * person's name is not part of it (a corrected name keeps the password);
 * the issue time is (a reset makes it another password). */
#define ACCOUNT_SQL \
	"SELECT a.id, a.login, a.role, a.pupil_id, a.parent_id, a.status, " \
	"a.must_change, a.issued, a.revoked, a.reason, " \
	"(SELECT login FROM staff WHERE id = a.by_id)"
#define ACCOUNT_NCOLS 11

static int
same_row(sqlite3_stmt *a, sqlite3_stmt *b, int n)
{
	const void *pa, *pb;
	int i, t, na;

	for (i = 0; i < n; i++) {
		if ((t = sqlite3_column_type(a, i)) !=
		    sqlite3_column_type(b, i))
			return 0;
		if (t == SQLITE_NULL)
			continue;
		if (t == SQLITE_INTEGER) {
			if (sqlite3_column_int64(a, i) !=
			    sqlite3_column_int64(b, i))
				return 0;
			continue;
		}
		/* The bytes (the pointer is NULL when there are none). */
		pa = sqlite3_column_blob(a, i);
		pb = sqlite3_column_blob(b, i);
		na = sqlite3_column_bytes(a, i);
		if (na != sqlite3_column_bytes(b, i) ||
		    (na > 0 && memcmp(pa, pb, (size_t)na) != 0))
			return 0;
	}
	return 1;
}

struct carried {
	long kept, total;
	long unkept;
	char *logins[LIST_MAX + 1];      /* the first of those not kept */
	long unhashed;                   /* active accounts without one */
	char **lost;                     /* the first of those */
};

/*
 * Carry the old database's password hashes into s's, for each active
 * account whose record is the same in both: a merge of the two, in
 * account order. 0, or -1 (the old database cannot be read: c->why).
 */
static int
carry(struct ej_store *s, struct old_db *o, struct carried *c,
    struct ej_diag *d)
{
	sqlite3_stmt *ot = NULL, *nt, *ins;
	int orc, nrc = SQLITE_ROW, moved = 0;

	if (sqlite3_prepare_v2(o->db, ACCOUNT_SQL ", x.hash FROM accounts a "
	    "JOIN account_secrets x ON x.account_id = a.id WHERE a.status = "
	    "'active' ORDER BY a.id", -1, &ot, NULL) != SQLITE_OK) {
		o->why = ej_xstrdup(sqlite3_errmsg(o->db));
		return -1;
	}
	if ((nt = ej_store_prepare(s, ACCOUNT_SQL " FROM accounts a ORDER BY "
	    "a.id", d)) == NULL || (ins = ej_store_prepare(s, "INSERT INTO "
	    "account_secrets (account_id, hash) VALUES (?, ?)", d)) == NULL ||
	    ej_store_exec(s, "BEGIN", d) < 0) {
		sqlite3_finalize(ot);
		return -1;
	}
	while ((orc = sqlite3_step(ot)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(ot, 0);

		c->total++;
		/* The rebuilt database's next account at or past id. */
		while (nrc == SQLITE_ROW && (!moved ||
		    sqlite3_column_int64(nt, 0) < id)) {
			nrc = sqlite3_step(nt);
			moved = 1;
		}
		if (nrc == SQLITE_ROW && sqlite3_column_int64(nt, 0) == id &&
		    same_row(ot, nt, ACCOUNT_NCOLS)) {
			sqlite3_bind_int64(ins, 1, id);
			sqlite3_bind_text(ins, 2, (const char *)
			    sqlite3_column_text(ot, ACCOUNT_NCOLS), -1,
			    SQLITE_TRANSIENT);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				sqlite3_reset(ins);
				sqlite3_finalize(ot);
				sqlite3_reset(nt);
				ej_store_exec(s, "ROLLBACK", d);
				return ej_store_sqlerr(s, d,
				    _("cannot write"));
			}
			sqlite3_reset(ins);
			c->kept++;
			continue;
		}
		if (c->unkept < LIST_MAX)
			c->logins[c->unkept] = ej_xstrdup((const char *)
			    sqlite3_column_text(ot, 1));
		c->unkept++;
	}
	sqlite3_reset(nt);
	if (orc != SQLITE_DONE) {
		o->why = ej_xstrdup(sqlite3_errmsg(o->db));
		sqlite3_finalize(ot);
		ej_store_exec(s, "ROLLBACK", d);
		c->kept = c->total = c->unkept = 0;
		return -1;
	}
	sqlite3_finalize(ot);
	if (nrc != SQLITE_ROW && nrc != SQLITE_DONE) {
		ej_store_exec(s, "ROLLBACK", d);
		return ej_store_sqlerr(s, d, _("cannot read the accounts"));
	}
	return ej_store_exec(s, "COMMIT", d);
}

static void
carried_free(struct carried *c)
{
	size_t i;

	for (i = 0; c->logins[i]; i++)
		free(c->logins[i]);
	ej_strv_free(c->lost);
}

/* What became of the passwords, for people. */
static void
say_passwords(const struct old_db *o, const struct carried *c, int dry,
    struct ej_diag *d)
{
	long i;

	if (o->absent)
		ej_note(d, "%s", _("no old database: no password hashes to "
		    "keep"));
	else if (o->why)
		ej_note(d, _("the old database could not be read (%s): no "
		    "password hashes were kept"), o->why);
	else if (c->total > 0)
		ej_note(d, dry ? _("would keep %ld of %ld password hashes "
		    "(their accounts are the same in the history)") :
		    _("kept %ld of %ld password hashes (their accounts are the "
		    "same in the history)"), c->kept, c->total);
	if (c->unkept > 0) {
		ej_note(d, _("%ld could not be kept: the account changed or "
		    "is gone in the history:"), c->unkept);
		for (i = 0; c->logins[i]; i++)
			fprintf(d->out, "  %s\n", c->logins[i]);
		if (c->unkept > LIST_MAX)
			fprintf(d->out, "  %s\n", _("…"));
	}
	if (c->unhashed > 0) {
		ej_note(d, _("%ld active accounts have no password: "
		    "ej-issue-login reset --lost issues new ones to"),
		    c->unhashed);
		for (i = 0; c->lost[i]; i++)
			fprintf(d->out, "  %s\n", c->lost[i]);
		if (c->unhashed > i)
			fprintf(d->out, "  %s\n", _("…"));
	}
}

/*
 * A new name beside live for the old database, as a second link to it:
 * live stays in place until the rebuilt one replaces it in one rename.
 * Never over an earlier one. 0 (*bak set), 1 when there is no old
 * database, -1 with an error.
 */
static int
keep_aside(const char *live, char **bak, struct ej_diag *d)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 1000; i++) {
		*bak = i ? ej_xasprintf("%s.bak-%s.%d", live, stamp, i) :
		    ej_xasprintf("%s.bak-%s", live, stamp);
		if (link(live, *bak) == 0)
			return 0;
		free(*bak);
		*bak = NULL;
		if (errno == ENOENT)
			return 1;
		if (errno != EEXIST)
			break;
	}
	return ej_error(d, EJ_EXIT_IOERR, live, 0, 0,
	    _("cannot keep the old database aside: %s"), strerror(errno));
}

/*
 * A database built for --out is built in the store, with the store's
 * rights, and copied into the file the user named, which was made new
 * with the user's own (priv.h): a setgid command never creates or writes
 * through a name the user chose with the group's rights.
 */
static int
copy_out(const char *tmp, const struct ej_rebuild *o, struct ej_diag *d)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(tmp, "rb");
	int rc = 0;

	if (!in)
		return ej_error(d, EJ_EXIT_IOERR, tmp, 0, 0, "%s",
		    strerror(errno));
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, o->out_file) != n)
			rc = -1;
	if (ferror(in))
		rc = ej_error(d, EJ_EXIT_IOERR, tmp, 0, 0, "%s",
		    strerror(errno));
	else if (rc < 0 || fflush(o->out_file) != 0 ||
	    fsync(fileno(o->out_file)) < 0)
		rc = ej_error(d, EJ_EXIT_IOERR, o->out, 0, 0, "%s",
		    strerror(errno));
	fclose(in);
	return rc;
}

/* The tree of commit, to compare the rebuilt snapshot with. */
static int
commit_tree(struct ej_store *s, const git_oid *commit, git_oid *tree,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_commit *c;

	if (!repo)
		return -1;
	if (git_commit_lookup(&c, repo, commit) < 0)
		return ej_store_giterr(s, d, _("cannot read the commit"));
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int
ej_history_rebuild(struct ej_store *s, const git_oid *at,
    const struct ej_rebuild *o, struct ej_diag *d)
{
	struct old_db old = {0};
	struct carried c = {0};
	char hex[GIT_OID_HEXSZ + 1], *live, *tmp, *bak = NULL;
	git_oid head, want, got;
	int has_head, rc = -1, k;

	live = ej_xasprintf("%s/ej.db", ej_store_dir(s));
	tmp = ej_xstrdup(ej_store_dbpath(s));
	has_head = ej_history_head(s, &head, d) == 0;
	if (!o->out && (!has_head || !git_oid_equal(at, &head))) {
		/* The store's database must be at the history's HEAD, or its
		 * next write would refuse (the two would disagree). */
		ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--at a revision other than HEAD needs --out FILE"));
		goto discard;
	}
	git_oid_tostr(hex, sizeof hex, at);
	/* The references are checked once over the loaded tables, not
	 * row by row as they go in; a page cache of 32 MiB (not 2) keeps
	 * the indexes being filled in memory. */
	if (ej_store_exec(s, "PRAGMA foreign_keys = OFF", d) < 0 ||
	    ej_store_exec(s, "PRAGMA cache_size = -32768", d) < 0 ||
	    ej_store_exec(s, "BEGIN", d) < 0 ||
	    ej_history_load(s, at, d) < 0 ||
	    ej_store_fk_check(s, d) < 0 ||
	    ej_meta_set(s, "head", hex) < 0 ||
	    ej_store_exec(s, "COMMIT", d) < 0 ||
	    ej_store_exec(s, "PRAGMA foreign_keys = ON", d) < 0)
		goto discard;
	/* The people are back: only now can we tell who is acting. */
	if (ej_who_resolve(s, d) < 0 ||
	    ej_who_require(s, EJ_ROLE_TECHNICIAN, _("rebuild the store"),
	    d) < 0)
		goto discard;
	/* Round trip: the rebuilt database serialises to the commit's tree. */
	if (commit_tree(s, at, &want, d) < 0 || ej_snap_tree(s, &got, 0, d) < 0)
		goto discard;
	if (!git_oid_equal(&want, &got)) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the rebuilt database does not serialise to the "
		    "commit's tree; nothing was replaced"));
		goto discard;
	}
	/* What the database being replaced holds that the history does
	 * not: commits beyond main, and the password hashes. A file of its
	 * own gets no secrets. */
	if (!o->out) {
		old_open(&old, live);
		if (old.db && check_lost(s, &old, &head, o->force, d) < 0)
			goto discard;
		if (old.db && carry(s, &old, &c, d) < 0 && !old.why)
			goto discard;
		if ((c.unhashed = ej_account_unhashed(s, &c.lost, LIST_MAX,
		    d)) < 0)
			goto discard;
	}
	if (o->dry_run) {
		ej_note(d, _("%.7s: the history rebuilds into a database "
		    "equal to it (dry run: nothing was written)"), hex);
		if (!o->out)
			say_passwords(&old, &c, 1, d);
		rc = 0;
		goto discard;
	}
	if (o->out) {
		ej_store_close(s);
		rc = copy_out(tmp, o, d);
		unlink(tmp);
		if (rc < 0)
			goto done;
		ej_note(d, _("rebuilt %s from commit %.7s"), o->out, hex);
		ej_note(d, "%s", _("passwords are not in the history: accounts "
		    "issued before need their passwords reset"));
		rc = 0;
		goto done;
	}
	old_close(&old);
	ej_store_close(s);
	if ((k = keep_aside(live, &bak, d)) < 0) {
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, live) < 0) {
		ej_error(d, EJ_EXIT_IOERR, live, 0, 0, "%s", strerror(errno));
		if (bak)
			unlink(bak);
		unlink(tmp);
		goto done;
	}
	if (bak)
		ej_note(d, _("rebuilt %s from commit %.7s; the old database "
		    "is %s"), live, hex, bak);
	else
		ej_note(d, _("rebuilt %s from commit %.7s"), live, hex);
	say_passwords(&old, &c, 0, d);
	rc = 0;
	goto done;
discard:
	ej_store_discard(s);
done:
	old_close(&old);
	free(old.why);
	carried_free(&c);
	free(bak);
	free(tmp);
	free(live);
	return rc;
}
