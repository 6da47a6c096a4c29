/*
 * audit_integrity — the store's own health: SQLite's checks, the
 * database's commit against the history's ref, a stale ref lock, HEAD's
 * objects, the snapshot of the database against HEAD's tree (each
 * differing record named, through recdiff), and the files' permissions.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "history.h"
#include "i18n.h"
#include "pathname.h"
#include "priv.h"
#include "recdiff.h"

/* A lock younger than this may be a live writer's. */
#define LOCK_STALE_SECONDS 10

static int
pragma_rows(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *sql, int fk)
{
	struct ej_store *s = ej_audit_store(a);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ej_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return ej_store_sqlerr(s, ej_audit_diag(a), r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *detail;

		if (fk)
			/* table, rowid, parent, fkid */
			detail = ej_xasprintf(_("%s row %lld refers to a "
			    "missing %s"), sqlite3_column_text(st, 0),
			    (long long)sqlite3_column_int64(st, 1),
			    sqlite3_column_text(st, 2));
		else if (strcmp((const char *)sqlite3_column_text(st, 0),
		    "ok") == 0)
			continue;
		else
			detail = ej_xstrdup((const char *)
			    sqlite3_column_text(st, 0));
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
		free(detail);
		if (rc < 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ||
	    (rc & 0xff) == SQLITE_CORRUPT)
		return ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL,
		    sqlite3_errstr(rc));
	return rc < 0 ? -1 : ej_store_sqlerr(s, ej_audit_diag(a), r->id);
}

int
ej_audit__sqlite(struct ej_audit *a, const struct ej_audit_rule *r)
{
	return pragma_rows(a, r, "PRAGMA integrity_check", 0);
}

int
ej_audit__foreign_keys(struct ej_audit *a, const struct ej_audit_rule *r)
{
	return pragma_rows(a, r, "PRAGMA foreign_key_check", 1);
}

int
ej_audit__head(struct ej_audit *a, const struct ej_audit_rule *r)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	git_repository *repo;
	git_commit *c = NULL;
	git_oid ref, db;
	char *meta = NULL, *detail, rh[GIT_OID_HEXSZ + 1];
	int has_ref, rc;

	if ((repo = ej_store_repo(s, d)) == NULL ||
	    (has_ref = ej_history_head(s, &ref, d)) < 0)
		return -1;
	if (ej_meta_get(s, "head", &meta) < 0)
		return ej_store_sqlerr(s, d, r->id);
	if (has_ref == 0)
		git_oid_tostr(rh, sizeof rh, &ref);
	else
		snprintf(rh, sizeof rh, "-");
	if (!meta || git_oid_fromstr(&db, meta) < 0) {
		detail = ej_xasprintf(_("the database records no commit; "
		    "the history is at %s"), rh);
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
	} else if (has_ref == 0 && git_oid_equal(&db, &ref)) {
		rc = 0;
		detail = NULL;
	} else if (git_commit_lookup(&c, repo, &db) == 0 &&
	    git_commit_parentcount(c) == (has_ref == 0 ? 1u : 0u) &&
	    (has_ref != 0 || git_oid_equal(git_commit_parent_id(c, 0), &ref))) {
		/* A writer died between its database commit and moving the
		 * ref: the next write finishes it. One finding, not the
		 * records of the pending commit. */
		struct ej_audit_rule w = *r;

		w.severity = EJ_SEV_WARNING;
		detail = ej_xasprintf(_("an interrupted write (commit %.7s, "
		    "%s) is pending; the next write completes it"), meta,
		    git_commit_summary(c) ? git_commit_summary(c) : "");
		rc = ej_audit_add(a, &w, NULL, NULL, NULL, NULL, NULL, detail);
	} else {
		detail = ej_xasprintf(_("the database is at %.7s, the history "
		    "at %.7s"), meta, rh);
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
	}
	git_commit_free(c);
	free(detail);
	free(meta);
	return rc;
}

/*
 * The commit the database should match: the database's own (meta.head)
 * when it is a write the ref has not caught up with yet — one commit past
 * refs/heads/main, or the first commit of an empty history — else main.
 * 0, 1 when the history has no commits, -1 on an error.
 */
static int
current_commit(struct ej_audit *a, git_oid *out)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	git_repository *repo = ej_store_repo(s, d);
	git_commit *c = NULL;
	git_oid db;
	char *meta = NULL;
	int has_ref;

	if (!repo || (has_ref = ej_history_head(s, out, d)) < 0)
		return -1;
	if (ej_meta_get(s, "head", &meta) < 0)
		return ej_store_sqlerr(s, d, _("cannot read the store"));
	if (meta && git_oid_fromstr(&db, meta) == 0 &&
	    (has_ref != 0 || !git_oid_equal(&db, out)) &&
	    git_commit_lookup(&c, repo, &db) == 0 &&
	    git_commit_parentcount(c) == (has_ref == 0 ? 1u : 0u) &&
	    (has_ref != 0 || git_oid_equal(git_commit_parent_id(c, 0), out))) {
		git_oid_cpy(out, &db);
		has_ref = 0;
	}
	git_commit_free(c);
	free(meta);
	return has_ref;
}

int
ej_audit__lock(struct ej_audit *a, const struct ej_audit_rule *r)
{
	char *path = ej_xasprintf("%s/history.git/refs/heads/main.lock",
	    ej_store_dir(ej_audit_store(a)));
	struct stat st;
	int rc = 0;

	if (stat(path, &st) == 0 &&
	    time(NULL) - st.st_mtime >= LOCK_STALE_SECONDS) {
		char when[32], *detail;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
		    localtime(&st.st_mtime));
		detail = ej_xasprintf(_("history.git/refs/heads/main.lock left "
		    "since %s; when no ej command is running, remove it"),
		    when);
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
		free(detail);
	}
	free(path);
	return rc;
}

/* ------------------------------------------------------------ objects */

struct walk {
	struct ej_audit *a;
	const struct ej_audit_rule *r;
	git_odb *odb;
	int failed;
};

static int
walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	size_t len;
	git_object_t type;
	char hex[GIT_OID_HEXSZ + 1];

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (git_odb_read_header(&len, &type, w->odb, git_tree_entry_id(e)) == 0
	    && type == GIT_OBJECT_BLOB)
		return 0;
	{
		char *detail = ej_xasprintf(_("%s%s: object %s cannot be read"),
		    root, git_tree_entry_name(e), git_oid_tostr(hex, sizeof hex,
		    git_tree_entry_id(e)));

		if (ej_audit_add(w->a, w->r, NULL, NULL, NULL, NULL, NULL,
		    detail) < 0)
			w->failed = 1;
		free(detail);
	}
	return w->failed ? -1 : 0;
}

int
ej_audit__objects(struct ej_audit *a, const struct ej_audit_rule *r)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	git_repository *repo;
	git_commit *c = NULL;
	git_tree *t = NULL;
	struct walk w = { a, r, NULL, 0 };
	git_oid head;
	char hex[GIT_OID_HEXSZ + 1], *detail = NULL;
	int rc;

	if ((repo = ej_store_repo(s, d)) == NULL ||
	    (rc = current_commit(a, &head)) < 0)
		return -1;
	if (rc > 0)
		return ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL,
		    _("refs/heads/main: the history has no commits"));
	git_oid_tostr(hex, sizeof hex, &head);
	if (git_commit_lookup(&c, repo, &head) < 0)
		detail = ej_xasprintf(_("HEAD's commit %s cannot be read"), hex);
	else if (git_commit_tree(&t, c) < 0)
		detail = ej_xasprintf(_("the tree of HEAD (%s) cannot be read"),
		    hex);
	else if (git_repository_odb(&w.odb, repo) < 0)
		rc = ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "%s: %s",
		    _("cannot read the history"), git_error_last() ?
		    git_error_last()->message : "");
	else if (git_tree_walk(t, GIT_TREEWALK_PRE, walk_entry, &w) < 0 &&
	    !w.failed)
		detail = ej_xasprintf(_("a tree under HEAD (%s) cannot be "
		    "read: %s"), hex, git_error_last() ?
		    git_error_last()->message : "");
	if (detail)
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
	else if (w.failed)
		rc = -1;
	free(detail);
	git_odb_free(w.odb);
	git_tree_free(t);
	git_commit_free(c);
	return rc < 0 ? -1 : 0;
}

/* ----------------------------------------------------------- snapshot */

/* The keys of a keyed kind's file at path: 1 found, 0 none, -1 error. */
static int
path_keys(struct ej_store *s, const struct ej_snapfile *f, const char *path,
    long long keys[EJ_SNAP_KEYS], struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc, i, found = 0;

	if ((st = ej_store_prepare(s, f->paths_sql, d)) == NULL)
		return -1;
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);

		if (p && strcmp(p, path) == 0) {
			for (i = 0; i < EJ_SNAP_KEYS; i++)
				keys[i] = sqlite3_column_int64(st, i + 1);
			found = 1;
		}
	}
	sqlite3_reset(st);
	if (!found && rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, f->kind);
	return found;
}

static void
component_name(char *buf, size_t n, const char *from, const char *to)
{
	char *name = ej_pathname_decode(from, (size_t)(to - from));

	snprintf(buf, n, "%s", name);
	free(name);
}

/* "journal/2020-2021/5А/Алгебра/marks.csv" → "5А", "Алгебра" (the names
 * the components stand for, pathname.h). */
static void
journal_of(const char *path, char *cls, size_t nc, char *subj, size_t ns)
{
	const char *p[5];
	int n = 0;
	const char *q;

	*cls = *subj = '\0';
	if (strncmp(path, "journal/", 8) != 0)
		return;
	for (q = path; *q && n < 5; q++)
		if (*q == '/')
			p[n++] = q;
	if (n >= 3)
		component_name(cls, nc, p[1] + 1, p[2]);
	if (n >= 4)
		component_name(subj, ns, p[2] + 1, p[3]);
}

static int
record_findings(struct ej_audit *a, const struct ej_audit_rule *r,
    const char *path, struct ej_recdiff *rd)
{
	char cls[64], subj[256];
	size_t i;
	int rc = 0;

	journal_of(path, cls, sizeof cls, subj, sizeof subj);
	for (i = 0; i < rd->n && rc == 0; i++) {
		const struct ej_recchange *c = &rd->v[i];
		const char *const *rec = c->new ? c->new : c->old;
		char *name = ej_rec_name(rd, c), *detail, *ov = NULL, *nv = NULL;

		if (c->op == EJ_REC_ADDED) {
			nv = ej_rec_values(rd, c->new);
			detail = *nv ? ej_xasprintf(_("%s: only in the store: %s"),
			    name, nv) : ej_xasprintf(_("%s: only in the store"),
			    name);
		} else if (c->op == EJ_REC_REMOVED) {
			ov = ej_rec_values(rd, c->old);
			detail = *ov ? ej_xasprintf(_("%s: only in the history: "
			    "%s"), name, ov) : ej_xasprintf(_("%s: only in the "
			    "history"), name);
		} else {
			ov = ej_rec_values(rd, c->old);
			nv = ej_rec_values(rd, c->new);
			if (strcmp(ov, nv) != 0)
				detail = ej_xasprintf(_("%s: history %s, store %s"),
				    name, ov, nv);
			else {
				char *what = ej_rec_describe(rd, c);

				detail = ej_xasprintf(_("%s: history and store "
				    "differ: %s"), name, what);
				free(what);
			}
		}
		rc = ej_audit_add(a, r, *cls ? cls : NULL, *subj ? subj : NULL,
		    NULL, ej_rec_get(rd, rec, "date"), ej_rec_get(rd, rec,
		    "pupil"), detail);
		free(detail);
		free(name);
		free(ov);
		free(nv);
	}
	return rc;
}

/* One differing path: the store's version against HEAD's. */
static int
snapshot_path(struct ej_audit *a, const struct ej_audit_rule *r,
    git_tree *head, const char *path)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	const struct ej_snapfile *f = ej_snap_kind(path);
	static const long long none[EJ_SNAP_KEYS];
	long long keys[EJ_SNAP_KEYS];
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	struct ej_recdiff *rd = NULL;
	char *buf = NULL, *detail = NULL;
	size_t len = 0;
	int rc = 0;

	if (!f) {
		detail = ej_xasprintf(_("%s: in the history, but not a file "
		    "the store keeps"), path);
		goto add;
	}
	if (f->path)
		rc = ej_snap_dump(s, f, none, &buf, &len, d);
	else if ((rc = path_keys(s, f, path, keys, d)) > 0)
		rc = ej_snap_dump(s, f, keys, &buf, &len, d);
	if (rc < 0)
		return -1;
	if (head && git_tree_entry_bypath(&e, head, path) == 0 &&
	    git_blob_lookup(&blob, git_tree_owner(head),
	    git_tree_entry_id(e)) < 0) {
		detail = ej_xasprintf(_("%s: differs, and the history's "
		    "version cannot be read"), path);
		goto add;
	}
	{
		/* recdiff's errors are about the history's file: a finding. */
		struct ej_diag quiet;
		char *msg = NULL;
		size_t n = 0;
		FILE *mem = open_memstream(&msg, &n);

		if (!mem) {
			rc = ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
			    strerror(errno));
			goto add;
		}
		ej_diag_init(&quiet, d->prog, mem);
		rc = ej_recdiff(&rd, path, blob ? git_blob_rawcontent(blob) :
		    NULL, blob ? (size_t)git_blob_rawsize(blob) : 0, buf, len,
		    &quiet);
		fclose(mem);
		if (rc < 0) {
			detail = ej_xasprintf(_("%s: differs: %s"), path,
			    msg ? msg : "");
			if (detail[strlen(detail) - 1] == '\n')
				detail[strlen(detail) - 1] = '\0';
		}
		free(msg);
	}
	if (rd && rd->n)
		rc = record_findings(a, r, path, rd);
	else if (rd)
		detail = ej_xasprintf(_("%s: differs from the history (the same "
		    "records, other bytes)"), path);
add:
	if (detail)
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
	free(detail);
	ej_recdiff_free(rd);
	git_blob_free(blob);
	git_tree_entry_free(e);
	free(buf);
	return rc < 0 ? -1 : 0;
}

int
ej_audit__snapshot(struct ej_audit *a, const struct ej_audit_rule *r)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	git_repository *repo;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid head;
	char **paths = NULL;
	long n, i;
	int rc = 0, has;

	if ((repo = ej_store_repo(s, d)) == NULL ||
	    (has = current_commit(a, &head)) < 0)
		return -1;
	if (has == 0 && (git_commit_lookup(&c, repo, &head) < 0 ||
	    git_commit_tree(&t, c) < 0)) {
		/* integrity.objects names it */
		git_commit_free(c);
		return 0;
	}
	/* Against the pending write's tree when there is one (what the
	 * database holds), else HEAD's. */
	if ((n = ej_history_verify_at(s, has == 0 ? &head : NULL, &paths,
	    d)) < 0)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = snapshot_path(a, r, t, paths[i]);
	ej_strv_free(paths);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

/* -------------------------------------------------------------- names */

/* Every year, class and subject name is a directory of the history
 * (pathname.h): one that cannot be, or two that would be one (classes
 * within their year), are findings. */
int
ej_audit__names(struct ej_audit *a, const struct ej_audit_rule *r)
{
	static const struct {
		const char *sql;         /* group, name */
		int col;                 /* 1 class, 2 subject, 0 neither */
		const char *bad, *clash;
	} kinds[] = {
		{ "SELECT 0, name FROM years ORDER BY id", 0,
		    N_("year \"%s\" cannot be a directory of the history "
		    "(empty, or longer than %d bytes once encoded)"),
		    N_("years \"%s\" and \"%s\" would be one directory of "
		    "the history, \"%s\"") },
		{ "SELECT year_id, name FROM classes ORDER BY year_id, id", 1,
		    N_("class \"%s\" cannot be a directory of the history "
		    "(empty, or longer than %d bytes once encoded)"),
		    N_("classes \"%s\" and \"%s\" would be one directory of "
		    "the history, \"%s\"") },
		{ "SELECT 0, name FROM subjects ORDER BY id", 2,
		    N_("subject \"%s\" cannot be a directory of the history "
		    "(empty, or longer than %d bytes once encoded)"),
		    N_("subjects \"%s\" and \"%s\" would be one directory of "
		    "the history, \"%s\"") },
	};
	struct ej_store *s = ej_audit_store(a);
	size_t k, i, n;
	int rc = 0, step;

	for (k = 0; k < sizeof kinds / sizeof kinds[0] && rc == 0; k++) {
		struct { long long group; char *name, *key; } *v = NULL;
		sqlite3_stmt *st = ej_store_prepare(s, kinds[k].sql,
		    ej_audit_diag(a));

		if (st == NULL)
			return -1;
		n = 0;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *name = (const char *)
			    sqlite3_column_text(st, 1);

			v = ej_xrealloc(v, (n + 1) * sizeof *v);
			v[n].group = sqlite3_column_int64(st, 0);
			v[n].name = ej_xstrdup(name ? name : "");
			v[n].key = ej_pathname_key(v[n].name);
			n++;
		}
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			rc = ej_store_sqlerr(s, ej_audit_diag(a), r->id);
		for (i = 0; i < n && rc == 0; i++) {
			char *detail = NULL, *part;
			size_t j;

			if (v[i].key == NULL)
				detail = ej_xasprintf(_(kinds[k].bad), v[i].name,
				    EJ_PATHNAME_MAX);
			for (j = 0; j < i && !detail; j++)
				if (v[j].key && v[j].group == v[i].group &&
				    strcmp(v[j].key, v[i].key) == 0) {
					part = ej_pathname(v[i].name);
					detail = ej_xasprintf(_(kinds[k].clash),
					    v[j].name, v[i].name, part);
					free(part);
				}
			if (detail)
				rc = ej_audit_add(a, r,
				    kinds[k].col == 1 ? v[i].name : NULL,
				    kinds[k].col == 2 ? v[i].name : NULL,
				    NULL, NULL, NULL, detail);
			free(detail);
		}
		for (i = 0; i < n; i++) {
			free(v[i].name);
			free(v[i].key);
		}
		free(v);
	}
	return rc < 0 ? -1 : 0;
}

/* -------------------------------------------------------- permissions */

/*
 * A file is open to others (or to a group) only when they can reach it:
 * every directory from / down to it searchable by them. The walk keeps the
 * directories above the current one — the store's parents, the store, its
 * subdirectories — and asks them only for a file whose own mode lets
 * someone in.
 */
#define PERM_DEPTH 64

struct perm {
	struct ej_audit *a;
	const struct ej_audit_rule *r;
	size_t root;             /* length of the store's path + 1 */
	int group;               /* a group store: its group may */
	gid_t gid;
	struct stat up[PERM_DEPTH]; /* the directories above, / first */
	size_t nup;
	int failed;
};

/* May a user of group gid (gid -1: others, in no group of them) pass
 * through every directory above? */
static int
reach(const struct perm *p, gid_t gid, int others)
{
	size_t i;

	for (i = 0; i < p->nup; i++) {
		mode_t bit = !others && p->up[i].st_gid == gid ? S_IXGRP :
		    S_IXOTH;

		if (!(p->up[i].st_mode & bit))
			return 0;
	}
	return 1;
}

static void
perm_check(struct perm *p, const char *path, const struct stat *st)
{
	const char *rel = strlen(path) > p->root ? path + p->root : ".";
	mode_t m = st->st_mode & 07777;
	char *detail = NULL;

	if ((m & (S_IROTH | S_IWOTH)) && reach(p, 0, 1))
		detail = ej_xasprintf(_("%s: mode %04o: others may %s it: "
		    "every directory on the way to %s lets them through"), rel,
		    (unsigned)m, (m & S_IWOTH) ? _("write") : _("read"), path);
	else if (!p->group && (m & (S_IRGRP | S_IWGRP)) &&
	    reach(p, st->st_gid, 0))
		detail = ej_xasprintf(_("%s: mode %04o: its group may %s it in "
		    "a single-user store: every directory on the way to %s "
		    "lets the group through"), rel, (unsigned)m,
		    (m & S_IWGRP) ? _("write") : _("read"), path);
	else if (p->group && st->st_gid != p->gid &&
	    (m & (S_IRGRP | S_IWGRP)) && reach(p, st->st_gid, 0))
		detail = ej_xasprintf(_("%s: group %lu, not the store's (%lu), "
		    "may %s it"), rel, (unsigned long)st->st_gid,
		    (unsigned long)p->gid, (m & S_IWGRP) ? _("write") :
		    _("read"));
	if (detail && ej_audit_add(p->a, p->r, NULL, NULL, NULL, NULL, NULL,
	    detail) < 0)
		p->failed = 1;
	free(detail);
}

static void
perm_walk(struct perm *p, const char *dir, const struct stat *dst, int depth)
{
	DIR *dp;
	struct dirent *e;

	if (depth > 16 || p->nup == PERM_DEPTH || (dp = opendir(dir)) == NULL)
		return;
	p->up[p->nup++] = *dst;
	while (!p->failed && (e = readdir(dp)) != NULL) {
		struct stat st;
		char *path;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = ej_xasprintf("%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
			perm_check(p, path, &st);
			if (S_ISDIR(st.st_mode))
				perm_walk(p, path, &st, depth + 1);
		}
		free(path);
	}
	p->nup--;
	closedir(dp);
}

/* The directories above the store, / first: "/a/b/store" gives "/",
 * "/a", "/a/b". */
static void
perm_parents(struct perm *p, const char *dir)
{
	char *real = realpath(dir, NULL);
	size_t i, len;

	p->nup = 0;
	if (!real)
		return;
	len = strlen(real);
	for (i = 0; i < len && p->nup < PERM_DEPTH; i++) {
		char *pre;
		struct stat st;

		if (real[i] != '/')
			continue;
		pre = i == 0 ? ej_xstrdup("/") : ej_xasprintf("%.*s", (int)i,
		    real);
		if (stat(pre, &st) == 0)
			p->up[p->nup++] = st;
		free(pre);
	}
	free(real);
}

/* In a group store nobody but the setgid commands should hold the
 * group: every member of it is a finding, supplementary or primary. */
static void
group_members(struct perm *p)
{
	struct group *gr = getgrgid(p->gid);
	struct passwd *pw;
	char **m, *gname, *detail;

	gname = gr ? ej_xstrdup(gr->gr_name) :
	    ej_xasprintf("%lu", (unsigned long)p->gid);
	for (m = gr ? gr->gr_mem : NULL; m && *m && !p->failed; m++) {
		detail = ej_xasprintf(_("group %s: user %s is a member of it "
		    "(supplementary); in a group store only the setgid "
		    "commands may hold the group"), gname, *m);
		if (ej_audit_add(p->a, p->r, NULL, NULL, NULL, NULL, NULL,
		    detail) < 0)
			p->failed = 1;
		free(detail);
	}
	setpwent();
	while (!p->failed && (pw = getpwent()) != NULL) {
		if (pw->pw_gid != p->gid)
			continue;
		detail = ej_xasprintf(_("group %s: user %s has it as the "
		    "primary group; in a group store only the setgid commands "
		    "may hold the group"), gname, pw->pw_name);
		if (ej_audit_add(p->a, p->r, NULL, NULL, NULL, NULL, NULL,
		    detail) < 0)
			p->failed = 1;
		free(detail);
	}
	endpwent();
	free(gname);
}

/* What a setgid command would refuse in a group store (ej_store_layout):
 * reached here only by an audit without the group's rights (root's, or
 * the store's owner), since one with them refuses to open the store. */
static void
layout_offence(void *arg, const char *path, const char *what)
{
	struct perm *p = arg;
	char *detail;

	if (p->failed)
		return;
	detail = ej_xasprintf(_("%s %s: a setgid command refuses the store "
	    "(ej(7), SECURITY CONSIDERATIONS)"), path, what);
	if (ej_audit_add(p->a, p->r, NULL, NULL, NULL, NULL, NULL,
	    detail) < 0)
		p->failed = 1;
	free(detail);
}

int
ej_audit__permissions(struct ej_audit *a, const struct ej_audit_rule *r)
{
	const char *dir = ej_store_dir(ej_audit_store(a));
	struct perm *p = ej_xcalloc(1, sizeof *p);
	struct stat st;
	int failed;

	if (stat(dir, &st) < 0) {
		free(p);
		return ej_error(ej_audit_diag(a), EJ_EXIT_NOINPUT, dir, 0, 0,
		    "%s", strerror(errno));
	}
	p->a = a;
	p->r = r;
	p->root = strlen(dir) + 1;
	p->group = (st.st_mode & S_ISGID) != 0;
	p->gid = st.st_gid;
	perm_parents(p, dir);
	perm_check(p, dir, &st);
	perm_walk(p, dir, &st, 0);
	if (p->group && !p->failed) {
		group_members(p);
		if (!p->failed)
			ej_store_layout(dir, p->gid, layout_offence, p);
	}
	failed = p->failed;
	free(p);
	return failed ? -1 : 0;
}
