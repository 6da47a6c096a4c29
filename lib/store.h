/*
 * store — the directory that holds ej.db (SQLite, WAL) and history.git
 * (bare git repository): create, open, schema, write transactions.
 *
 * A write is one SQLite transaction and one history commit:
 *
 *	ej_store_begin(s, d);            BEGIN IMMEDIATE, recovery, change tracking
 *	... INSERT/UPDATE/DELETE on ej_store_db(s) ...
 *	r = ej_store_commit(s, &ci, d);  1 committed, 0 no changes, -1 error
 *
 * ej_store_rollback() abandons the transaction. See ej-store(5).
 */
#ifndef EJ_STORE_H
#define EJ_STORE_H

#include <sqlite3.h>
#include <git2.h>

#include "err.h"

#define EJ_SCHEMA_VERSION 3

struct ej_store;
struct ej_snapfile;

enum {
	EJ_STORE_READ = 0,
	EJ_STORE_WRITE = 1,
	/* SQLite's read-only connection: no write is possible at all (a web
	 * reader of a mirror, ej-diary(8)); temporary tables still work. */
	EJ_STORE_RDONLY = 2
};

/* The acting person; roles as a bit set of enum ej_role (who.h). */
struct ej_actor {
	long staff_id;           /* 0 = nobody (before the roster exists) */
	char login[64];
	char name[256];          /* "Нечаева Ольга Олеговна" */
	unsigned roles;
};

/* What a commit says (DESIGN.md, "The history"). */
struct ej_commit_info {
	const char *summary;     /* "5А Алгебра: +230 marks, ~5, -2" */
	const char *reason;      /* NULL or the user's reason */
	int argc;                /* the command line, for the message */
	char *const *argv;
	int dry_run;             /* compute the change, write nothing */
};

/* What a commit did (or would do, with dry_run). */
struct ej_commit_result {
	git_oid commit;          /* zero when nothing was committed */
	size_t files_changed;
	char **paths;            /* changed snapshot paths, NULL-terminated */
};
void ej_commit_result_free(struct ej_commit_result *r);

/*
 * The store directory: opt (--store), else $EJ_STORE, else the current
 * directory when it holds ej.db. Returns 0 and a new string in *out, or -1
 * with an error (exit 66) in d.
 */
int ej_store_locate(char **out, const char *opt, struct ej_diag *d);

/*
 * Create a new store at dir (must not exist, or be an empty directory):
 * directory 0700 / files 0600, or with group 2770 / 0660 owned by it.
 * The schema is created; no commit is made. On failure nothing is left.
 */
int ej_store_create(struct ej_store **out, const char *dir, const char *group,
    struct ej_diag *d);
/* Remove what ej_store_create made (for a failure after creating). */
void ej_store_destroy(struct ej_store *s);

int ej_store_open(struct ej_store **out, const char *dir, int mode,
    struct ej_diag *d);
/* 1 when dir holds a history (history.git) but no ej.db: a store whose
 * database is lost, for ej-rebuild(1) to bring back. */
int ej_store_lacks_db(const char *dir);
/*
 * A new, empty database at dbpath (which must not exist) with the schema,
 * bound to the history of the store at dir: what ej-rebuild loads the
 * history into. ej_store_discard() removes the file again.
 */
int ej_store_open_empty(struct ej_store **out, const char *dir,
    const char *dbpath, struct ej_diag *d);
void ej_store_discard(struct ej_store *s);
const char *ej_store_dbpath(const struct ej_store *s);
void ej_store_close(struct ej_store *s);

sqlite3 *ej_store_db(struct ej_store *s);
const char *ej_store_dir(const struct ej_store *s);
/* The history repository, opened on first use (read-only commands that
 * never ask pay nothing for libgit2). NULL with an error in d. */
git_repository *ej_store_repo(struct ej_store *s, struct ej_diag *d);

void ej_store_set_actor(struct ej_store *s, const struct ej_actor *a);
const struct ej_actor *ej_store_actor(const struct ej_store *s);

/* Steps 1–2 of the commit protocol, then change tracking is on. */
int ej_store_begin(struct ej_store *s, struct ej_diag *d);
/* Steps 3–7. 1 = committed, 0 = nothing changed (rolled back), -1 error
 * (rolled back). With ci->dry_run: computes r, rolls back, writes nothing. */
int ej_store_commit(struct ej_store *s, const struct ej_commit_info *ci,
    struct ej_commit_result *r, struct ej_diag *d);
void ej_store_rollback(struct ej_store *s);

/* meta table */
int ej_meta_get(struct ej_store *s, const char *key, char **out);

/* settings (school.yaml's marks.*, deadlines.*, attendance.* …): the
 * value of key into buf, "" when unset; an integer 0..100000, or dflt when
 * unset or not one. */
void ej_setting(struct ej_store *s, const char *key, char *buf, size_t n,
    struct ej_diag *d);
int ej_setting_int(struct ej_store *s, const char *key, int dflt,
    struct ej_diag *d);
/* The same within min..max (ej_setting_int: 0..100000). */
int ej_setting_range(struct ej_store *s, const char *key, int dflt, int min,
    int max, struct ej_diag *d);
int ej_meta_set(struct ej_store *s, const char *key, const char *value);

/*
 * Tests and tools: replace the snapshot table (history.h). The default is
 * ej_snapshot_files.
 */
void ej_store_set_snapshot(struct ej_store *s, const struct ej_snapfile *files,
    size_t n);

/*
 * Fault injection for tests: called at each step of the commit protocol
 * (1..7 as DESIGN.md numbers them; 8 after the ref has moved, before
 * packing); a hook that
 * returns non-zero makes the commit fail there as if the process died
 * (a test hook typically _exit()s in a forked child).
 */
typedef int (*ej_fault_fn)(int step, void *payload);
void ej_store_set_fault(struct ej_store *s, ej_fault_fn fn, void *payload);

/* Convenience: prepare (cached per store), and one-shot exec. */
sqlite3_stmt *ej_store_prepare(struct ej_store *s, const char *sql,
    struct ej_diag *d);
int ej_store_exec(struct ej_store *s, const char *sql, struct ej_diag *d);
/* Every row's foreign keys (PRAGMA foreign_key_check), for a load that
 * ran with their checks off: 0, or -1 with an error for the first rows
 * that refer to nothing (65). */
int ej_store_fk_check(struct ej_store *s, struct ej_diag *d);
/* Record an SQLite failure in d as a store error (exit 74 or 75). */
int ej_store_sqlerr(struct ej_store *s, struct ej_diag *d, const char *what);

#endif
