/*
 * history — the canonical text snapshot of the store and its git history.
 *
 * One table, ej_snapshot_files, declares every kind of snapshot file: where
 * it lives in the tree, the ordered query that serialises it, how its rows
 * load back, and which table changes make it dirty. Commit (O(change)),
 * verify and rebuild all run from it.
 *
 * A file is CSV (RFC 4180, LF): a header of column names, then one record
 * a line in a fixed order. NULL is an empty field, an empty string is "".
 * The same state always gives the same bytes.
 */
#ifndef EJ_HISTORY_H
#define EJ_HISTORY_H

#include <git2.h>
#include <stdio.h>

#include "err.h"
#include "store.h"

#define EJ_SNAP_KEYS 3           /* a file is keyed by up to 3 integers */

/* What makes a file dirty: a change to table; the keys of the files it
 * touches come from keys_new (INSERT, UPDATE) and keys_old (UPDATE,
 * DELETE), SELECTs over NEW.* / OLD.* returning EJ_SNAP_KEYS integers
 * (a key of -1 means "every file of this kind", e.g. after a rename).
 * NULL selects mean the kind's single file (keys 0, 0, 0). */
struct ej_snapdep {
	const char *table;
	const char *keys_new;
	const char *keys_old;
	const char *when;        /* optional UPDATE OF column list */
};

struct ej_snapfile {
	const char *kind;        /* "staff" */
	/* Single file: its path. Keyed: NULL, and the three below. */
	const char *path;
	const char *glob;        /* fnmatch(3) pattern of its paths */
	const char *keys_sql;    /* keys that have data: SELECT k1,k2,k3 */
	const char *path_sql;    /* ?1..?3 → path */
	const char *paths_sql;   /* every possible file: SELECT path,k1,k2,k3 */
	/* Serialise: header names the columns, rows in a fixed order;
	 * binds ?1..?3 for keyed kinds. */
	const char *dump_sql;
	/* Load a row back: named parameters :column from the header, and
	 * :k1 :k2 :k3 for keyed kinds. NULL: INSERT INTO table the header's
	 * columns that table has (other columns are for people). */
	const char *load_sql;
	const char *table;
	int noload;              /* informational: its data load from others */
	/*
	 * The file is not serialised rows but a blob the database refers to
	 * by id (a portfolio document's PDF): dump_sql gives one row, one
	 * column, the blob's id in hex (no row: no file). The bytes live only
	 * in the repository's objects, written there by the command that
	 * adds them; commit and verify compare ids, ej_snap_dump reads the
	 * bytes. Such a kind is noload: its ids come back with its records.
	 */
	int blob;
	struct ej_snapdep deps[8];
	/*
	 * Records, for the record-level diff (recdiff.h) and ej-log revert.
	 * key_cols: the columns that identify a record, comma-separated
	 * (the file's rows are in their order). noun: what a record is, for
	 * people (NULL: kind). name_cols: the columns naming a record after
	 * the noun and, in the journal, the class and subject of its path
	 * ("#col" writes "#value"; NULL: key_cols). value_cols: what a change
	 * shows as "old → new" (NULL: none). delete_sql: remove one record,
	 * :column for its columns and :k1 :k2 :k3 (NULL: DELETE FROM table
	 * WHERE each key column = :column). update_sql: change one record in
	 * place, for rows that others refer to (NULL: delete, then load).
	 */
	const char *key_cols;
	const char *noun;
	const char *name_cols;
	const char *value_cols;
	const char *delete_sql;
	const char *update_sql;
	/* Partial reload (ej_history_reload): delete the rows a file holds,
	 * binding ?1..?3 for keyed kinds. NULL: DELETE FROM table for a
	 * single file; a keyed kind without it cannot be reloaded alone. */
	const char *unload_sql;
	/* Kinds reloaded with this one at the same keys: their rows point
	 * at ids a reload of this one renumbers (a lesson's marks). */
	const char *with[3];
};

extern const struct ej_snapfile ej_snapshot_files[];
extern const size_t ej_snapshot_nfiles;

/* Serialise one file into a malloc'd buffer. 0 ok (*len 0 for a keyed file
 * without rows: it is absent), -1 error. */
int ej_snap_dump(struct ej_store *s, const struct ej_snapfile *f,
    const long long keys[EJ_SNAP_KEYS], char **buf, size_t *len,
    struct ej_diag *d);

/* Write the whole snapshot of the DB as a tree into the repository (no
 * commit). Used by the first commit and by verify. */
int ej_snap_tree(struct ej_store *s, git_oid *tree, int write,
    struct ej_diag *d);

/*
 * Verify: serialise the DB and compare with HEAD's tree. *paths gets a
 * NULL-terminated list of the paths that differ (modified, missing or
 * extra); returns the count, or -1 on error.
 */
long ej_history_verify(struct ej_store *s, char ***paths, struct ej_diag *d);
/* The same against commit's tree (NULL: HEAD's). */
long ej_history_verify_at(struct ej_store *s, const git_oid *commit,
    char ***paths, struct ej_diag *d);
void ej_strv_free(char **v);

/*
 * Load the snapshot at commit (NULL = HEAD) into the store's DB, whose
 * tables must be empty: rows of every kind, in table order. -1 on error.
 */
int ej_history_load(struct ej_store *s, const git_oid *commit,
    struct ej_diag *d);

/*
 * Bring the DB, at commit from, up to commit to (a descendant), inside
 * the caller's open transaction: only the snapshot files that differ
 * between the two trees are deleted and loaded again (and the kinds that
 * go with them), then serialised back and compared with to's blobs. The
 * cost follows the change, not the store or the history. *paths (when
 * not NULL) gets the NULL-terminated list of the paths reloaded. Returns
 * their count, or -1 (the caller rolls back).
 */
long ej_history_reload(struct ej_store *s, const git_oid *from,
    const git_oid *to, char ***paths, struct ej_diag *d);

/*
 * ej-rebuild(1): load the snapshot at commit at into s, a new database
 * from ej_store_open_empty(), and check that it serialises back to that
 * commit's tree. Into a file of its own (o->out; any commit, no password
 * hashes), or (at HEAD only) in place of the store's ej.db, the old one
 * kept aside under a new name (ej.db.bak-TIME) that the note names. Before
 * the old database is replaced, what it holds beyond the history is
 * weighed: when its recorded head is a commit main lacks (the database is
 * ahead of main, or diverged from it), those commits are named with the
 * command that restores main, and it is refused (exit 1) unless o->force;
 * the password hashes of the active accounts whose record is the same in
 * both databases are carried over, and those that could not be are
 * named. Says what it did on d; s is closed (or discarded) either way.
 * 0, or -1 with errors in d.
 */
struct ej_rebuild {
	const char *out;         /* NULL: replace the store's ej.db */
	FILE *out_file;          /* out, made new with the user's rights:
	                          * the database is built in the store and
	                          * copied there */
	int force;               /* replace even what is ahead of main */
	int dry_run;             /* check everything, replace nothing */
};
int ej_history_rebuild(struct ej_store *s, const git_oid *at,
    const struct ej_rebuild *o, struct ej_diag *d);
/*
 * The commit a revision names ("main~2", "HEAD^", an id, a ref): 0, or -1
 * with the error: "no such revision in the history" (exit 65; opt, when
 * not NULL, the option it came from, "--at"), or, when the revision leads
 * through an object the history has lost or cannot read back (a commit on
 * the way, the commit's tree), "the history is damaged: OBJECT, needed by
 * COMMIT, is missing" (exit 74).
 */
int ej_history_resolve(struct ej_store *s, const char *rev, const char *opt,
    git_oid *out, struct ej_diag *d);
/*
 * Report the damage that keeps commit from being read (itself, its tree,
 * its parents' trees): the first object missing or unreadable, and the
 * commit that needs it; exit 74. Always -1.
 */
int ej_history_damaged(git_repository *repo, const git_oid *commit,
    struct ej_diag *d);
/* The error for object (type, its path or NULL) that by ("commit
 * a1b2c3d", a ref) needs: rc GIT_ENOTFOUND missing, else damaged (exit
 * 74). -1. */
int ej_history_damage(git_repository *repo, struct ej_diag *d, int rc,
    git_object_t type, const git_oid *obj, const char *path,
    const char *by);
/* The pack ("pack-…", malloc'd) whose index lists id although libgit2
 * cannot find it there (a truncated pack), or NULL. */
char *ej_history_packed_in(git_repository *repo, const git_oid *id);

/*
 * Blobs written ahead of a commit (a portfolio's files): n buffers as one
 * pack of their own (packwrite.h), their ids in ids. Never loose files:
 * libgit2 checks a loose object's temporary file with access(2), which a
 * setgid command's real group fails. 0, or -1 with the error in d.
 */
int ej_history_write_blobs(struct ej_store *s, const void *const *bufs,
    const size_t *lens, size_t n, git_oid *ids, struct ej_diag *d);
/* Read HEAD: 0 ok, 1 no commits yet, -1 error. */
int ej_history_head(struct ej_store *s, git_oid *out, struct ej_diag *d);

/*
 * Pack loose objects once there are more than threshold of them (0: the
 * default, 1024). Returns the number packed, or -1.
 */
long ej_history_pack(struct ej_store *s, unsigned threshold,
    struct ej_diag *d);

/* Internal to store.c/history.c: the commit protocol's history half. */
int ej_history__commit(struct ej_store *s, const struct ej_commit_info *ci,
    struct ej_commit_result *r, struct ej_diag *d);
int ej_history__recover(struct ej_store *s, struct ej_diag *d);
int ej_history__track(struct ej_store *s, struct ej_diag *d);
void ej_history__untrack(struct ej_store *s);

#endif
