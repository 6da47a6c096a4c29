/*
 * store — the store directory, its SQLite database and write transactions.
 * The history half of a write lives in history.c; see store.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "i18n.h"
#include "pathname.h"
#include "priv.h"
#include "store.h"
#include "store_priv.h"
#include "text.h"

extern const char ej_schema_sql[];

#define BUSY_MS 10000

static void store_shut(struct ej_store *s);
static void *git_open_thread(void *arg);

/*
 * Writers wait for the lock by trying again every millisecond or two,
 * for BUSY_MS at least. SQLite's own busy timeout backs off to 100 ms
 * between tries, so that a writer who has waited long loses the lock to
 * every newcomer, and under load may wait past the timeout while others
 * write hundreds of times.
 */
static int
busy_wait(void *arg, int n)
{
	struct timespec ts = {0, 1000 * 1000 + (n * 7919 % 1000) * 1000};

	(void)arg;
	if (n >= BUSY_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

void
ej_commit_result_free(struct ej_commit_result *r)
{
	if (!r)
		return;
	ej_strv_free(r->paths);
	r->paths = NULL;
}

int
ej_store_locate(char **out, const char *opt, struct ej_diag *d)
{
	const char *env;
	struct stat st;

	env = getenv("EJ_STORE");
	/* A setgid command opens only the stores root named (priv.h): the
	 * caller's --store or EJ_STORE merely chooses among them. */
	if (ej_privileged())
		return ej_priv_store(out, opt && *opt ? opt :
		    env && *env ? env : NULL, d);
	if (opt && *opt) {
		*out = ej_xstrdup(opt);
		return 0;
	}
	if (env && *env) {
		*out = ej_xstrdup(env);
		return 0;
	}
	if (stat("ej.db", &st) == 0 && stat("history.git", &st) == 0) {
		*out = ej_xstrdup(".");
		return 0;
	}
	return ej_error(d, EJ_EXIT_NOINPUT, NULL, 0, 0,
	    _("no store: give --store DIR or set EJ_STORE"));
}

static char *
path_join(const char *dir, const char *name)
{
	return ej_xasprintf("%s/%s", dir, name);
}

static struct ej_store *
store_new(const char *dir)
{
	struct ej_store *s = ej_xcalloc(1, sizeof *s);

	s->dir = ej_xstrdup(dir);
	s->dbpath = path_join(dir, "ej.db");
	s->gitpath = path_join(dir, "history.git");
	s->files = ej_snapshot_files;
	s->nfiles = ej_snapshot_nfiles;
	return s;
}

int
ej_store_sqlerr(struct ej_store *s, struct ej_diag *d, const char *what)
{
	int rc = s->db ? sqlite3_extended_errcode(s->db) : SQLITE_ERROR;
	int code = EJ_EXIT_IOERR;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ej_error(d, EJ_EXIT_TEMPFAIL, NULL, 0, 0,
		    _("store is busy, try again"));
	case SQLITE_FULL:
		code = EJ_EXIT_IOERR;
		break;
	}
	/* A full disk shows as SQLITE_FULL, or as an I/O error when it
	 * stops SQLite from making its WAL or shared-memory file. */
	if ((rc & 0xff) == SQLITE_FULL ||
	    (s->db && sqlite3_system_errno(s->db) == ENOSPC))
		return ej_error(d, EJ_EXIT_IOERR, s->dbpath, 0, 0,
		    _("%s: no space left on the disk"), what);
	switch (rc & 0xff) {
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		code = EJ_EXIT_NOPERM;
		break;
	case SQLITE_CONSTRAINT:
		code = EJ_EXIT_DATAERR;
		break;
	}
	return ej_error(d, code, s->dbpath, 0, 0, "%s: %s", what,
	    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

int
ej_store_exec(struct ej_store *s, const char *sql, struct ej_diag *d)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, sql);
	return 0;
}

/*
 * Statements are cached per store by their SQL text: commands prepare the
 * same few statements many times in a loop.
 */
sqlite3_stmt *
ej_store_prepare(struct ej_store *s, const char *sql, struct ej_diag *d)
{
	struct ej_stmt_cache **cache = s->view ? &s->rocache : &s->cache;
	size_t *n = s->view ? &s->nrocache : &s->ncache;
	sqlite3 *db = s->view ? s->rodb : s->db;
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*cache)[i].sql == sql || strcmp((*cache)[i].sql, sql) == 0) {
			sqlite3_reset((*cache)[i].st);
			sqlite3_clear_bindings((*cache)[i].st);
			return (*cache)[i].st;
		}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		ej_error(d, EJ_EXIT_SOFTWARE, s->dbpath, 0, 0, "%s: %s",
		    _("cannot prepare a query"), sqlite3_errmsg(db));
		return NULL;
	}
	*cache = ej_xrealloc(*cache, (*n + 1) * sizeof **cache);
	(*cache)[*n].sql = ej_xstrdup(sql);
	(*cache)[*n].st = st;
	(*n)++;
	return st;
}

int
ej_store__view(struct ej_store *s, int ro, struct ej_diag *d)
{
	if (ro && !s->rodb) {
		if (sqlite3_open_v2(s->dbpath, &s->rodb, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			ej_error(d, EJ_EXIT_IOERR, s->dbpath, 0, 0, "%s",
			    sqlite3_errmsg(s->rodb));
			sqlite3_close(s->rodb);
			s->rodb = NULL;
			return -1;
		}
		sqlite3_busy_timeout(s->rodb, BUSY_MS);
		sqlite3_create_function(s->rodb, "ej_path", 1, SQLITE_UTF8 |
		    SQLITE_DETERMINISTIC, NULL, ej_pathname_sql, NULL, NULL);
	}
	s->view = ro;
	return 0;
}

static void
cache_free(struct ej_stmt_cache *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_finalize(c[i].st);
		free(c[i].sql);
	}
	free(c);
}

/* ej_fold(text): text.h's folding (case, ё/е, spaces) for look-ups. */
static void
sql_fold(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	char *out;

	(void)argc;
	if (!in || (out = ej_text_fold(in)) == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	sqlite3_result_text(cx, out, -1, free);
}

static int
db_open(struct ej_store *s, int flags, struct ej_diag *d)
{
	int rc;

	rc = sqlite3_open_v2(s->dbpath, &s->db, flags | SQLITE_OPEN_NOFOLLOW,
	    NULL);
	if (rc != SQLITE_OK) {
		int e = errno;
		ej_error(d, (flags & SQLITE_OPEN_CREATE) ? EJ_EXIT_CANTCREAT :
		    EJ_EXIT_NOINPUT, s->dbpath, 0, 0, "%s%s%s",
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
		    e ? ": " : "", e ? strerror(e) : "");
		sqlite3_close(s->db);
		s->db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	sqlite3_create_function(s->db, "ej_fold", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_fold, NULL, NULL);
	sqlite3_create_function(s->db, "ej_path", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, ej_pathname_sql, NULL, NULL);
	/* FULL: a committed transaction must survive a power failure, or
	 * the history's ref could end up ahead of the database. */
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = FULL;", NULL, NULL, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, _("cannot open the database"));
	return 0;
}

struct layout_diag {
	struct ej_diag *d;
	const char *dir;
};

static void
layout_error(void *arg, const char *path, const char *what)
{
	struct layout_diag *l = arg;

	ej_error(l->d, EJ_EXIT_NOPERM, l->dir, 0, 0, _("%s %s: the store is "
	    "not as ej made it; nothing was done (ej(7), SECURITY "
	    "CONSIDERATIONS)"), path, what);
}

/*
 * A setgid command trusts nothing inside the store that ej did not make
 * (priv.h): checked before the database or the history is opened.
 */
static int
store_trusted(const char *dir, struct ej_diag *d)
{
	struct layout_diag l = { d, dir };
	int n;

	if (!ej_privileged())
		return 0;
	if ((n = ej_store_layout(dir, ej_priv_group(), layout_error, &l)) < 0)
		return ej_error(d, EJ_EXIT_NOPERM, dir, 0, 0, "%s",
		    strerror(errno));
	return n > 0 ? -1 : 0;
}

/* A store's files are private to its owner (0700/0600), or to its group
 * (2770/0660) when the directory has the setgid bit. */
static void
store_umask(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0 && (st.st_mode & S_ISGID))
		umask(007);
	else
		umask(077);
}

/*
 * Bring a store of an older format up to this one: schema.sql's additions
 * for version N follow its line "-- version N", so migrating runs the
 * text after the old version's successor's marker, in one transaction.
 * (Additions are new tables only: their snapshot files are absent while
 * empty, so the history needs no commit for them.) 0 done, -1 not.
 */
static int
migrate(struct ej_store *s, int version, struct ej_diag *d)
{
	char mark[32], *sql;
	const char *from;
	int rc;

	snprintf(mark, sizeof mark, "\n-- version %d ", version + 1);
	if ((from = strstr(ej_schema_sql, mark)) == NULL)
		return -1;
	sql = ej_xasprintf("BEGIN IMMEDIATE; %s; PRAGMA user_version = %d; "
	    "COMMIT", from, EJ_SCHEMA_VERSION);
	rc = ej_store_exec(s, sql, d);
	free(sql);
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
ej_store_open(struct ej_store **out, const char *dir, int mode,
    struct ej_diag *d)
{
	struct ej_store *s;
	struct stat st;
	sqlite3_stmt *st_v;
	int version = -1;

	*out = NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ej_error(d, EJ_EXIT_NOINPUT, dir, 0, 0, "%s",
		    _("no store here (no such directory)"));
	if (store_trusted(dir, d) < 0)
		return -1;
	s = store_new(dir);
	s->mode = mode;
	if (stat(s->dbpath, &st) < 0) {
		int e = errno;
		ej_store_close(s);
		if (e == EACCES)
			return ej_error(d, EJ_EXIT_NOPERM, dir, 0, 0, "%s",
			    strerror(e));
		/* A history without its database: the cure is a rebuild. */
		return ej_error(d, EJ_EXIT_NOINPUT, dir, 0, 0, "%s",
		    ej_store_lacks_db(dir) ? _("the database is missing; "
		    "rebuild it with ej-rebuild") : _("no store here (no "
		    "ej.db); create one with ej-init"));
	}
	store_umask(dir);
	if (db_open(s, (mode == EJ_STORE_RDONLY ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX, d) < 0) {
		ej_store_close(s);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st_v,
	    NULL) != SQLITE_OK) {
		ej_store_sqlerr(s, d, _("cannot read the store"));
		ej_store_close(s);
		return -1;
	}
	if (sqlite3_step(st_v) == SQLITE_ROW)
		version = sqlite3_column_int(st_v, 0);
	sqlite3_finalize(st_v);
	if (version >= 1 && version < EJ_SCHEMA_VERSION &&
	    migrate(s, version, d) == 0)
		version = EJ_SCHEMA_VERSION;
	if (version != EJ_SCHEMA_VERSION) {
		if (version > EJ_SCHEMA_VERSION)
			ej_error(d, EJ_EXIT_SOFTWARE, s->dbpath, 0, 0,
			    _("store format %d is newer than this ej (%d)"),
			    version, EJ_SCHEMA_VERSION);
		else
			ej_error(d, EJ_EXIT_NOINPUT, s->dbpath, 0, 0,
			    _("not an ej store (format %d)"), version);
		ej_store_close(s);
		return -1;
	}
	/* A writer needs libgit2 (ej_store_begin): its start and the
	 * repository's opening run meanwhile (not at all in read-only
	 * commands). Should the thread not start, ej_store_repo starts
	 * libgit2 here. */
	if (mode == EJ_STORE_WRITE && pthread_create(&s->git_thread, NULL,
	    git_open_thread, s) == 0)
		s->git_started = 1;
	*out = s;
	return 0;
}

void
ej_store_close(struct ej_store *s)
{
	if (!s)
		return;
	store_shut(s);
	ej_history__untrack(s);
	free(s->dir);
	free(s->dbpath);
	free(s->gitpath);
	free(s);
}

sqlite3 *
ej_store_db(struct ej_store *s)
{
	return s->db;
}

const char *
ej_store_dir(const struct ej_store *s)
{
	return s->dir;
}

int
ej_store_giterr(struct ej_store *s, struct ej_diag *d, const char *what)
{
	const git_error *e = git_error_last();

	/* libgit2 may report a write that ran out of space as whatever
	 * it tried next ("object not found"): the errno tells. */
	if (errno == ENOSPC)
		return ej_error(d, EJ_EXIT_IOERR, s->gitpath, 0, 0,
		    _("%s: no space left on the disk"), what);
	return ej_error(d, EJ_EXIT_IOERR, s->gitpath, 0, 0, "%s: %s", what,
	    e && e->message ? e->message : _("unknown error"));
}

static int
git_start(void)
{
	if (git_libgit2_init() < 0)
		return -1;
	/* A journal must survive a power failure: fsync every object,
	 * pack and ref libgit2 writes. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* Objects are verified when read (hash) and written (strict). */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	/* With a group's rights, nothing of the user's: no configuration
	 * from their home or the system's, and the store's ownership was
	 * checked by ej (ej_store_layout), not by the owner's uid. */
	if (ej_privileged()) {
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_SYSTEM, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_XDG, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_GLOBAL, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_PROGRAMDATA, "");
		git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	}
	return 0;
}

/* The thread of a writer's libgit2 start (ej_store_open). libgit2's
 * errors are per thread: the message is copied for the joiner. */
static void *
git_open_thread(void *arg)
{
	struct ej_store *s = arg;
	const git_error *e;

	s->git_rc = 0;
	if (git_start() < 0)
		s->git_rc = -1;
	else if (git_repository_open_bare(&s->repo, s->gitpath) < 0)
		s->git_rc = -2;
	if (s->git_rc < 0) {
		e = git_error_last();
		s->git_err = ej_xstrdup(e && e->message ? e->message :
		    _("unknown error"));
		s->repo = NULL;
	}
	return NULL;
}

/* Join the start thread, if any: 0, or -1 (start) or -2 (open) failed. */
static int
git_join(struct ej_store *s)
{
	if (!s->git_started)
		return 0;
	pthread_join(s->git_thread, NULL);
	s->git_started = 0;
	return s->git_rc;
}

git_repository *
ej_store_repo(struct ej_store *s, struct ej_diag *d)
{
	int rc;

	if (s->git_started && (rc = git_join(s)) < 0) {
		/* The messages of a start on this thread. */
		ej_error(d, EJ_EXIT_IOERR, s->gitpath, 0, 0, "%s: %s",
		    rc == -1 ? _("cannot start libgit2") :
		    _("cannot open the history"), s->git_err);
		free(s->git_err);
		s->git_err = NULL;
		if (rc == -2)
			git_libgit2_shutdown();
		return NULL;
	}
	if (s->repo)
		return s->repo;
	if (git_start() < 0) {
		ej_store_giterr(s, d, _("cannot start libgit2"));
		return NULL;
	}
	if (git_repository_open_bare(&s->repo, s->gitpath) < 0) {
		ej_store_giterr(s, d, _("cannot open the history"));
		git_libgit2_shutdown();
		s->repo = NULL;
	}
	return s->repo;
}

void
ej_store_set_actor(struct ej_store *s, const struct ej_actor *a)
{
	s->actor = *a;
}

const struct ej_actor *
ej_store_actor(const struct ej_store *s)
{
	return &s->actor;
}

void
ej_store_set_snapshot(struct ej_store *s, const struct ej_snapfile *files,
    size_t n)
{
	s->files = files;
	s->nfiles = n;
}

void
ej_store_set_fault(struct ej_store *s, ej_fault_fn fn, void *payload)
{
	s->fault = fn;
	s->fault_payload = payload;
}

int
ej_store__fault(struct ej_store *s, int step, struct ej_diag *d)
{
	if (s->fault && s->fault(step, s->fault_payload))
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0,
		    "fault injected at step %d", step);
	return 0;
}

/* ---------------------------------------------------------------- create */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -r path (depth first, no symlinks followed). */
static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Close the connections and the repository, keeping the paths. */
static void
store_shut(struct ej_store *s)
{
	if (git_join(s) == -2)
		git_libgit2_shutdown();
	free(s->git_err);
	s->git_err = NULL;
	if (s->in_tx)
		ej_store_rollback(s);
	cache_free(s->cache, s->ncache);
	cache_free(s->rocache, s->nrocache);
	s->cache = s->rocache = NULL;
	s->ncache = s->nrocache = 0;
	if (s->rodb)
		sqlite3_close(s->rodb);
	if (s->db)
		sqlite3_close(s->db);
	s->rodb = s->db = NULL;
	if (s->repo) {
		git_repository_free(s->repo);   /* frees s->packw too */
		git_libgit2_shutdown();
		s->repo = NULL;
		s->packw = NULL;
	}
}

void
ej_store_destroy(struct ej_store *s)
{
	char *p;

	if (!s)
		return;
	store_shut(s);
	/* "": SQLite's temporary database, which removes itself. */
	if (!*s->dbpath) {
		ej_store_close(s);
		return;
	}
	unlink(s->dbpath);
	p = ej_xasprintf("%s-wal", s->dbpath); unlink(p); free(p);
	p = ej_xasprintf("%s-shm", s->dbpath); unlink(p); free(p);
	p = ej_xasprintf("%s-journal", s->dbpath); unlink(p); free(p);
	rm_tree(s->gitpath);
	if (s->made_dir)
		rmdir(s->dir);
	ej_store_close(s);
}

static int
dir_is_empty(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!dp)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(dp);
	return empty;
}

int
ej_store_create(struct ej_store **out, const char *dir, const char *group,
    struct ej_diag *d)
{
	struct ej_store *s;
	struct stat st;
	git_repository_init_options io;
	gid_t gid = (gid_t)-1;
	mode_t dmode = group ? 02770 : 0700;
	char *sql;

	*out = NULL;
	git_repository_init_options_init(&io,
	    GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	if (group) {
		struct group *gr = getgrnam(group);

		if (!gr)
			return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
			    _("no such group: %s"), group);
		gid = gr->gr_gid;
	}
	s = store_new(dir);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			ej_store_close(s);
			return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
			    _("exists and is not a directory"));
		}
		if (access(s->dbpath, F_OK) == 0) {
			ej_store_close(s);
			return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
			    _("a store already exists here"));
		}
		if (ej_store_lacks_db(dir)) {
			ej_store_close(s);
			return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
			    _("holds a history but no database; rebuild it "
			    "with ej-rebuild"));
		}
		if (!dir_is_empty(dir)) {
			ej_store_close(s);
			return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
			    _("directory is not empty"));
		}
	} else if (mkdir(dir, 0700) < 0) {
		int e = errno;
		ej_store_close(s);
		return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
		    strerror(e));
	} else
		s->made_dir = 1;
	if ((gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) < 0) ||
	    chmod(dir, dmode) < 0) {
		ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s", strerror(errno));
		goto fail;
	}
	umask(group ? 007 : 077);
	if (db_open(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, d) < 0)
		goto fail;
	if (ej_store_exec(s, "PRAGMA journal_mode = WAL", d) < 0 ||
	    ej_store_exec(s, "BEGIN", d) < 0 ||
	    ej_store_exec(s, ej_schema_sql, d) < 0)
		goto fail;
	sql = ej_xasprintf("PRAGMA user_version = %d", EJ_SCHEMA_VERSION);
	if (ej_store_exec(s, sql, d) < 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	if (ej_store_exec(s, "COMMIT", d) < 0)
		goto fail;
	if (git_start() < 0) {
		ej_store_giterr(s, d, _("cannot start libgit2"));
		goto fail;
	}
	io.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT |
	    GIT_REPOSITORY_INIT_MKDIR;
	/* A group store's history is shared by its group alone. */
	io.mode = group ? 02770 : GIT_REPOSITORY_INIT_SHARED_UMASK;
	io.initial_head = "main";
	io.description = "ej: the history of a school's journal";
	if (git_repository_init_ext(&s->repo, s->gitpath, &io) < 0) {
		ej_store_giterr(s, d, _("cannot create the history"));
		git_libgit2_shutdown();
		goto fail;
	}
	if (gid != (gid_t)-1 && (chown(s->dbpath, (uid_t)-1, gid) < 0 ||
	    chmod(s->dbpath, 0660) < 0)) {
		ej_error(d, EJ_EXIT_CANTCREAT, s->dbpath, 0, 0, "%s",
		    strerror(errno));
		goto fail;
	}
	s->mode = EJ_STORE_WRITE;
	*out = s;
	return 0;
fail:
	ej_store_destroy(s);
	return -1;
}

int
ej_store_open_empty(struct ej_store **out, const char *dir,
    const char *dbpath, struct ej_diag *d)
{
	struct ej_store *s;
	struct stat st;
	char *sql;

	*out = NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ej_error(d, EJ_EXIT_NOINPUT, dir, 0, 0, "%s",
		    _("no store here (no such directory)"));
	if (store_trusted(dir, d) < 0)
		return -1;
	s = store_new(dir);
	/* stat, not access: a setgid command reaches the store with the
	 * group's rights, which access(2) does not use. */
	if (stat(s->gitpath, &st) < 0) {
		ej_store_close(s);
		return ej_error(d, EJ_EXIT_NOINPUT, dir, 0, 0, "%s",
		    _("no history here (no history.git)"));
	}
	free(s->dbpath);
	s->dbpath = ej_xstrdup(dbpath);
	if (lstat(dbpath, &st) == 0) {
		ej_store_close(s);
		return ej_error(d, EJ_EXIT_CANTCREAT, dbpath, 0, 0, "%s",
		    _("exists already"));
	}
	store_umask(dir);
	if (db_open(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, d) < 0) {
		ej_store_discard(s);
		return -1;
	}
	sql = ej_xasprintf("PRAGMA journal_mode = WAL; BEGIN; %s; "
	    "PRAGMA user_version = %d; COMMIT", ej_schema_sql,
	    EJ_SCHEMA_VERSION);
	if (ej_store_exec(s, sql, d) < 0) {
		free(sql);
		ej_store_discard(s);
		return -1;
	}
	free(sql);
	s->mode = EJ_STORE_WRITE;
	*out = s;
	return 0;
}

void
ej_store_discard(struct ej_store *s)
{
	char *p;

	if (!s)
		return;
	store_shut(s);
	unlink(s->dbpath);
	p = ej_xasprintf("%s-wal", s->dbpath); unlink(p); free(p);
	p = ej_xasprintf("%s-shm", s->dbpath); unlink(p); free(p);
	ej_store_close(s);
}

const char *
ej_store_dbpath(const struct ej_store *s)
{
	return s->dbpath;
}

int
ej_store_lacks_db(const char *dir)
{
	char *db = ej_xasprintf("%s/ej.db", dir);
	char *git = ej_xasprintf("%s/history.git", dir);
	struct stat st;
	int rc;

	rc = lstat(db, &st) < 0 && errno == ENOENT && lstat(git, &st) == 0 &&
	    S_ISDIR(st.st_mode);
	free(db);
	free(git);
	return rc;
}

/* ----------------------------------------------------------- transactions */

/* -1 with an error (77) when the store's history is a mirror's. */
static int
mirror_refuse(struct ej_store *s, struct ej_diag *d)
{
	git_config *cfg = NULL;
	git_buf url = {0};
	int rc = 0;

	if (git_repository_config_snapshot(&cfg, s->repo) < 0)
		return ej_store_giterr(s, d, _("cannot read the history's "
		    "config"));
	if (git_config_get_string_buf(&url, cfg, "ej.mirror") == 0)
		rc = ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("this store is a mirror of %s: only ej-sync pull writes "
		    "it"), url.ptr);
	git_buf_dispose(&url);
	git_config_free(cfg);
	return rc;
}

int
ej_store_begin(struct ej_store *s, struct ej_diag *d)
{
	if (s->mode != EJ_STORE_WRITE)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    "store opened read-only");
	if (ej_store__fault(s, 1, d) < 0)
		return -1;
	/* libgit2's start (it reads the CA bundle) and opening the
	 * repository cost more than most writes: not while holding the
	 * lock that every other writer waits for. */
	if (ej_store_repo(s, d) == NULL)
		return -1;
	/* A mirror (ej-sync clone) is written by ej-sync pull alone. */
	if (mirror_refuse(s, d) < 0)
		return -1;
	/* So are the change-tracking triggers, made once per connection. */
	if (ej_history__track(s, d) < 0)
		return -1;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return ej_store_sqlerr(s, d, _("cannot start a write"));
	s->in_tx = 1;
	if (ej_store__fault(s, 2, d) < 0 || ej_history__recover(s, d) < 0) {
		ej_store_rollback(s);
		return -1;
	}
	return 0;
}

void
ej_store_rollback(struct ej_store *s)
{
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

int
ej_store_commit(struct ej_store *s, const struct ej_commit_info *ci,
    struct ej_commit_result *r, struct ej_diag *d)
{
	struct ej_commit_result local;
	int rc;

	if (!r)
		r = &local;
	memset(r, 0, sizeof *r);
	if (!s->in_tx)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    "commit without a transaction");
	rc = ej_history__commit(s, ci, r, d);
	if (rc < 0 || ci->dry_run)
		ej_store_rollback(s);
	else if (rc == 0 && s->in_tx) {
		/* The snapshot is unchanged, but what no snapshot holds (the
		 * accounts' secrets) may have changed: keep it. */
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			ej_store_sqlerr(s, d, _("cannot commit"));
			ej_store_rollback(s);
			rc = -1;
		} else
			s->in_tx = 0;
	}
	if (r == &local)
		ej_commit_result_free(r);
	return rc;
}

/* ------------------------------------------------------------ references */

int
ej_store_fk_check(struct ej_store *s, struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, d, _("cannot check the references"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ < 5)
			ej_error(d, EJ_EXIT_DATAERR, s->dbpath, 0, 0,
			    _("a row of %s refers to a row of %s that is not "
			    "there"), sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot check the references"));
	if (n > 5)
		ej_error(d, EJ_EXIT_DATAERR, s->dbpath, 0, 0,
		    _("and %d more rows that refer to nothing"), n - 5);
	return n ? -1 : 0;
}

/* --------------------------------------------------------------- settings */

void
ej_setting(struct ej_store *s, const char *key, char *buf, size_t n,
    struct ej_diag *d)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if ((st = ej_store_prepare(s, "SELECT value FROM settings WHERE "
	    "key = ?", d)) == NULL)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
}

int
ej_setting_range(struct ej_store *s, const char *key, int dflt, int min,
    int max, struct ej_diag *d)
{
	char buf[32], *end;
	long v;

	ej_setting(s, key, buf, sizeof buf, d);
	errno = 0;
	v = strtol(buf, &end, 10);
	return buf[0] && !*end && !errno && v >= min && v <= max ? (int)v :
	    dflt;
}

int
ej_setting_int(struct ej_store *s, const char *key, int dflt,
    struct ej_diag *d)
{
	return ej_setting_range(s, key, dflt, 0, 100000, d);
}

/* ------------------------------------------------------------------- meta */

int
ej_meta_get(struct ej_store *s, const char *key, char **out)
{
	sqlite3_stmt *st;
	struct ej_diag d;
	int rc;

	*out = NULL;
	ej_diag_init(&d, "ej", stderr);
	if ((st = ej_store_prepare(s, "SELECT value FROM meta WHERE key = ?",
	    &d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = ej_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
ej_meta_set(struct ej_store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;
	struct ej_diag d;
	int rc;

	ej_diag_init(&d, "ej", stderr);
	if ((st = ej_store_prepare(s, "INSERT INTO meta(key, value) "
	    "VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
	    &d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
