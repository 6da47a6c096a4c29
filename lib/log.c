/*
 * log — the history in school terms, and reverting one commit; see log.h.
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "history.h"
#include "i18n.h"
#include "log.h"
#include "pathname.h"
#include "roster.h"
#include "who.h"

/* ------------------------------------------------------------ filters */

/* A journal directory the actor may see: "journal/Y/C/", and the subject
 * (a path component) or NULL for the whole class. */
struct scope {
	char *dir;
	char *subject;
};

struct filter {
	int all;                 /* sees everything */
	struct scope *scopes;
	size_t nscopes;
	char *class_part;        /* --class as a path component */
	char *subject;           /* --subject's name */
	char *subject_part;      /* … as a path component */
	char pupil_id[24];       /* --pupil's id, or "" */
	const char *author;
	int since, until;
};

static void
filter_free(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->nscopes; i++) {
		free(f->scopes[i].dir);
		free(f->scopes[i].subject);
	}
	free(f->scopes);
	free(f->class_part);
	free(f->subject);
	free(f->subject_part);
}

/* A name as a path component (pathname.h); one that cannot be a path
 * is no path's, and matches none. */
static char *
path_part(const char *name)
{
	char *p = ej_pathname(name);

	return p ? p : ej_xstrdup("");
}

/* Who sees what (log.h). */
static int
load_scope(struct ej_store *s, struct filter *f, struct ej_diag *d)
{
	static const char *const q[2] = {
		/* a teacher: the load */
		"SELECT DISTINCT 'journal/' || ej_path(y.name) || '/' || "
		"ej_path(c.name) || '/', ej_path(j.name) "
		"FROM load l JOIN classes c ON c.id = l.class_id "
		"JOIN years y ON y.id = c.year_id "
		"JOIN subjects j ON j.id = l.subject_id WHERE l.teacher_id = ?1",
		/* a class teacher: the class */
		"SELECT 'journal/' || ej_path(y.name) || '/' || ej_path(c.name) "
		"|| '/', NULL FROM classes c JOIN years y ON y.id = c.year_id "
		"WHERE c.teacher_id = ?1",
	};
	const struct ej_actor *a = ej_store_actor(s);
	size_t cap = 0;
	int i;

	if (a->roles & (EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY | EJ_ROLE_TECHNICIAN)) {
		f->all = 1;
		return 0;
	}
	if (!(a->roles & (EJ_ROLE_TEACHER | EJ_ROLE_CLASSTEACHER)))
		return ej_who_require(s, EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY |
		    EJ_ROLE_TECHNICIAN | EJ_ROLE_TEACHER |
		    EJ_ROLE_CLASSTEACHER, _("read the history"), d);
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *st = ej_store_prepare(s, q[i], d);

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, a->staff_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *sub = sqlite3_column_text(st, 1);

			if (f->nscopes == cap) {
				cap = cap ? cap * 2 : 8;
				f->scopes = ej_xrealloc(f->scopes, cap *
				    sizeof *f->scopes);
			}
			f->scopes[f->nscopes].dir = ej_xstrdup((const char *)
			    sqlite3_column_text(st, 0));
			f->scopes[f->nscopes++].subject = sub ?
			    ej_xstrdup((const char *)sub) : NULL;
		}
		sqlite3_reset(st);
	}
	return 0;
}

static int
make_filter(struct ej_store *s, const struct ej_log_opts *o,
    struct filter *f, struct ej_diag *d)
{
	sqlite3_stmt *st;
	long long id;

	memset(f, 0, sizeof *f);
	f->author = o->author;
	f->since = o->since;
	f->until = o->until;
	if (load_scope(s, f, d) < 0)
		return -1;
	if (o->class_name) {
		if ((st = ej_store_prepare(s, "SELECT name FROM classes "
		    "WHERE id = ?1 OR name = ?2 LIMIT 1", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, ej_roster_find_class(s,
		    o->class_name));
		sqlite3_bind_text(st, 2, o->class_name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			f->class_part = path_part((const char *)
			    sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (!f->class_part)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("--class: no such class: %s"), o->class_name);
	}
	if (o->subject) {
		if ((id = ej_roster_find_subject(s, o->subject, d)) < 0)
			return -1;
		if ((st = ej_store_prepare(s, "SELECT name FROM subjects "
		    "WHERE id = ?", d)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			f->subject = ej_xstrdup((const char *)
			    sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (!f->subject)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("--subject: no such subject: %s"), o->subject);
		f->subject_part = path_part(f->subject);
	}
	if (o->pupil) {
		if ((id = ej_roster_find_pupil(s, o->pupil, 0, NULL, 0, d)) < 0)
			return -1;
		if (id == 0)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("--pupil: no such pupil: %s"), o->pupil);
		snprintf(f->pupil_id, sizeof f->pupil_id, "%lld", id);
	}
	if (o->author) {
		int found;

		if ((st = ej_store_prepare(s, "SELECT 1 FROM staff WHERE "
		    "login = ?", d)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, o->author, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!found)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("--author: no such login: %s"), o->author);
	}
	return 0;
}

/* "journal/Y/C/S/f" → class C and subject S (NULL for terms.csv), as
 * pointers into path with lengths; 0 when not a journal path. */
static int
journal_split(const char *path, const char **c, size_t *clen,
    const char **sj, size_t *slen)
{
	const char *p, *q;

	*sj = NULL;
	*slen = 0;
	if (strncmp(path, "journal/", 8) != 0 ||
	    (p = strchr(path + 8, '/')) == NULL)
		return 0;
	*c = ++p;
	if ((q = strchr(p, '/')) == NULL)
		return 0;
	*clen = (size_t)(q - p);
	p = q + 1;
	if ((q = strchr(p, '/')) != NULL) {
		*sj = p;
		*slen = (size_t)(q - p);
	}
	return 1;
}

static int
part_is(const char *p, size_t n, const char *want)
{
	return p && strlen(want) == n && memcmp(p, want, n) == 0;
}

/* Could a file at path hold records the filter lets through? */
static int
path_passes(const struct filter *f, const char *path)
{
	const char *c, *sj;
	size_t clen, slen, i;
	int journal = journal_split(path, &c, &clen, &sj, &slen);

	if ((f->class_part || f->subject || !f->all) && !journal)
		return 0;
	if (f->class_part && !part_is(c, clen, f->class_part))
		return 0;
	if (f->subject && sj && !part_is(sj, slen, f->subject_part))
		return 0;
	if (f->all)
		return 1;
	for (i = 0; i < f->nscopes; i++) {
		size_t n = strlen(f->scopes[i].dir);

		if (strncmp(path, f->scopes[i].dir, n) != 0)
			continue;
		if (!f->scopes[i].subject || !sj ||
		    part_is(sj, slen, f->scopes[i].subject))
			return 1;
	}
	return 0;
}

/* Does the record pass? (Its path passed.) */
static int
rec_passes(const struct filter *f, const struct ej_recdiff *rd,
    const struct ej_recchange *ch)
{
	const char *const *rec = ch->new ? ch->new : ch->old;
	const char *c, *sj, *v;
	size_t clen, slen, i;
	int journal = journal_split(rd->path, &c, &clen, &sj, &slen);

	if (f->pupil_id[0]) {
		v = ej_rec_get(rd, rec, strcmp(rd->file->kind, "pupils") == 0 ?
		    "id" : "pupil_id");
		if (!v || strcmp(v, f->pupil_id) != 0)
			return 0;
	}
	if (journal && !sj) {
		/* terms.csv: the subject is a column */
		const char *subj = ej_rec_get(rd, rec, "subject");
		char *part = subj ? path_part(subj) : NULL;
		int ok = 1;

		if (f->subject && (!subj || strcmp(subj, f->subject) != 0))
			ok = 0;
		if (ok && !f->all) {
			ok = 0;
			for (i = 0; i < f->nscopes && !ok; i++)
				if (strncmp(rd->path, f->scopes[i].dir,
				    strlen(f->scopes[i].dir)) == 0 &&
				    (!f->scopes[i].subject || (part &&
				    strcmp(part, f->scopes[i].subject) == 0)))
					ok = 1;
		}
		free(part);
		return ok;
	}
	return 1;
}

/* ------------------------------------------------------------- walking */

static int
rev_error(struct ej_diag *d, const char *rev)
{
	return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
	    _("no such revision in the history: %s"), rev);
}

static int
blob_bytes(git_repository *repo, const git_oid *id, git_blob **out,
    const char **buf, size_t *len)
{
	*out = NULL;
	*buf = NULL;
	*len = 0;
	if (git_oid_is_zero(id))
		return 0;
	if (git_blob_lookup(out, repo, id) < 0)
		return -1;
	*buf = git_blob_rawcontent(*out);
	*len = (size_t)git_blob_rawsize(*out);
	return 0;
}

/* The record diffs of a commit against its first parent (or nothing),
 * files whose path passes pass(). */
struct commit_diff {
	struct ej_recdiff **v;
	size_t n, cap;
};

static void
commit_diff_free(struct commit_diff *cd)
{
	size_t i;

	for (i = 0; i < cd->n; i++)
		ej_recdiff_free(cd->v[i]);
	free(cd->v);
	memset(cd, 0, sizeof *cd);
}

/* A tree or blob of commit that cannot be read: the damage named. */
static int
read_error(git_repository *repo, const git_oid *commit, struct ej_diag *d)
{
	return ej_history_damaged(repo, commit, d);
}

/*
 * A walk along first parents that stopped before the first commit: the
 * commit on the way whose parent cannot be read, named with its child.
 */
static int
walk_error(git_repository *repo, const git_oid *from, struct ej_diag *d)
{
	git_commit *c = NULL, *p = NULL;
	char by[64], hex[8];
	int rc;

	if ((rc = git_commit_lookup(&c, repo, from)) < 0)
		return read_error(repo, from, d);
	while (git_commit_parentcount(c) > 0) {
		if ((rc = git_commit_parent(&p, c, 0)) < 0) {
			git_oid_tostr(hex, sizeof hex, git_commit_id(c));
			snprintf(by, sizeof by, _("commit %s"), hex);
			rc = ej_history_damage(repo, d, rc, GIT_OBJECT_COMMIT,
			    git_commit_parent_id(c, 0), NULL, by);
			git_commit_free(c);
			return rc;
		}
		git_commit_free(c);
		c = p;
	}
	git_commit_free(c);
	return read_error(repo, from, d);
}

static int
diff_trees(git_repository *repo, const git_oid *commit, git_tree *a,
    git_tree *b, const struct filter *f, char **paths, size_t npaths,
    struct commit_diff *cd, struct ej_diag *d)
{
	git_diff_options opts;
	git_diff *diff = NULL;
	char *spec[2] = {NULL, NULL};
	size_t i, n;
	int rc = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	/* A class or a subject narrows to its journal files cheaply: the
	 * subject's directories and the class's period marks. */
	if (f && (f->class_part || f->subject_part)) {
		const char *c = f->class_part ? f->class_part : "*";

		spec[0] = ej_xasprintf("journal/*/%s/%s/*", c,
		    f->subject_part ? f->subject_part : "*");
		spec[1] = ej_xasprintf("journal/*/%s/terms.csv", c);
		opts.pathspec.strings = spec;
		opts.pathspec.count = 2;
	} else if (paths) {
		opts.pathspec.strings = paths;
		opts.pathspec.count = npaths;
		opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	}
	rc = git_diff_tree_to_tree(&diff, repo, a, b, &opts);
	free(spec[0]);
	free(spec[1]);
	if (rc < 0)
		return read_error(repo, commit, d);
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && rc == 0; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		const char *path = dl->new_file.path ? dl->new_file.path :
		    dl->old_file.path;
		git_blob *ob, *nb;
		const char *obuf, *nbuf;
		size_t olen, nlen;
		struct ej_recdiff *rd;

		if ((f && !path_passes(f, path)) || !ej_snap_kind(path))
			continue;
		if (blob_bytes(repo, &dl->old_file.id, &ob, &obuf, &olen) < 0 ||
		    blob_bytes(repo, &dl->new_file.id, &nb, &nbuf, &nlen) < 0) {
			git_blob_free(ob);
			rc = read_error(repo, commit, d);
			break;
		}
		rc = ej_recdiff(&rd, path, obuf, olen, nbuf, nlen, d);
		git_blob_free(ob);
		git_blob_free(nb);
		if (rc < 0)
			break;
		if (cd->n == cd->cap) {
			cd->cap = cd->cap ? cd->cap * 2 : 8;
			cd->v = ej_xrealloc(cd->v, cd->cap * sizeof *cd->v);
		}
		cd->v[cd->n++] = rd;
	}
	git_diff_free(diff);
	return rc;
}

/* The first parent's tree of c (NULL for the first commit). */
static int
parent_tree(git_commit *c, git_tree **out)
{
	git_commit *p;
	int rc;

	*out = NULL;
	if (git_commit_parentcount(c) == 0)
		return 0;
	if (git_commit_parent(&p, c, 0) < 0)
		return -1;
	rc = git_commit_tree(out, p);
	git_commit_free(p);
	return rc;
}

/* The day (school date) of a commit, in its author's time zone. */
static int
commit_day(time_t t, int tz)
{
	time_t local = t + (time_t)tz * 60;
	struct tm tm;
	int day = 0;

	gmtime_r(&local, &tm);
	ej_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &day);
	return day;
}

/* "Reason: …" of a commit message, malloc'd, or NULL. */
static char *
message_reason(const char *msg)
{
	const char *p = msg;

	while (p && *p) {
		if (strncmp(p, "Reason: ", 8) == 0) {
			size_t n = strcspn(p + 8, "\n");

			return ej_xasprintf("%.*s", (int)n, p + 8);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int
one_commit(git_repository *repo, git_commit *gc, const struct filter *f,
    ej_log_fn fn, void *payload, int *stop, struct ej_diag *d)
{
	const git_signature *a = git_commit_author(gc);
	struct ej_log_commit lc = {0};
	struct commit_diff cd = {0};
	struct ej_log_rec *recs = NULL;
	git_tree *pt = NULL, *t = NULL;
	char *login, *at, *reason, *summary;
	size_t i, j, n = 0, cap = 0;
	int day, rc = -1;

	login = ej_xstrdup(a->email ? a->email : "");
	if ((at = strchr(login, '@')) != NULL)
		*at = '\0';
	if (f->author && strcmp(login, f->author) != 0) {
		free(login);
		return 0;
	}
	day = commit_day(a->when.time, a->when.offset);
	if ((f->since && day < f->since) || (f->until && day > f->until)) {
		free(login);
		return 0;
	}
	if (parent_tree(gc, &pt) < 0 || git_commit_tree(&t, gc) < 0) {
		read_error(repo, git_commit_id(gc), d);
		goto out;
	}
	if (diff_trees(repo, git_commit_id(gc), pt, t, f, NULL, 0, &cd, d) < 0)
		goto out;
	for (i = 0; i < cd.n; i++)
		for (j = 0; j < cd.v[i]->n; j++) {
			if (!rec_passes(f, cd.v[i], &cd.v[i]->v[j]))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				recs = ej_xrealloc(recs, cap * sizeof *recs);
			}
			recs[n].rd = cd.v[i];
			recs[n++].c = &cd.v[i]->v[j];
		}
	rc = 0;
	/* Narrowed to records: a commit without any is not shown. */
	if (n == 0 && (f->pupil_id[0] || f->class_part || f->subject ||
	    !f->all))
		goto out;
	git_oid_tostr(lc.id, sizeof lc.id, git_commit_id(gc));
	lc.time = a->when.time;
	lc.tz = a->when.offset;
	lc.login = login;
	lc.author = a->name;
	summary = ej_xstrdup(git_commit_summary(gc) ?
	    git_commit_summary(gc) : "");
	reason = message_reason(git_commit_message(gc));
	lc.summary = summary;
	lc.reason = reason;
	lc.recs = recs;
	lc.nrecs = n;
	if (fn(&lc, payload) != 0)
		*stop = 1;
	free(summary);
	free(reason);
out:
	free(recs);
	commit_diff_free(&cd);
	git_tree_free(pt);
	git_tree_free(t);
	free(login);
	return rc;
}

/* Push the range's tips (and hide its bottom) onto w. */
static int
push_range(struct ej_store *s, git_repository *repo, git_revwalk *w,
    const char *range, int *empty, git_oid *tip, int *has_tip,
    struct ej_diag *d)
{
	git_oid head;
	int rc;

	*empty = 0;
	if (!range) {
		if ((rc = ej_history_head(s, &head, d)) < 0)
			return -1;
		if (rc > 0) {
			*empty = 1;
			return 0;
		}
		git_oid_cpy(tip, &head);
		*has_tip = 1;
		/* The head the history names, unreadable: damage (74). */
		return git_revwalk_push(w, &head) < 0 ?
		    ej_history_damaged(repo, &head, d) : 0;
	}
	if (strstr(range, "..")) {
		if (git_revwalk_push_range(w, range) < 0)
			return rev_error(d, range);
		return 0;
	}
	if (ej_history_resolve(s, range, NULL, &head, d) < 0)
		return -1;
	git_oid_cpy(tip, &head);
	*has_tip = 1;
	return git_revwalk_push(w, &head) < 0 ? rev_error(d, range) : 0;
}

int
ej_log_walk(struct ej_store *s, const struct ej_log_opts *o, ej_log_fn fn,
    void *payload, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_revwalk *w = NULL;
	struct filter f;
	git_oid id, prev;
	int rc = -1, empty, stop = 0, next = 0, has_prev = 0;

	if (!repo)
		return -1;
	if (make_filter(s, o, &f, d) < 0)
		goto out;
	if (git_revwalk_new(&w, repo) < 0) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot read the history"));
		goto out;
	}
	git_revwalk_simplify_first_parent(w);
	if (push_range(s, repo, w, o->range, &empty, &prev, &has_prev,
	    d) < 0)
		goto out;
	rc = 0;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	while (!empty && !stop && rc == 0 &&
	    (next = git_revwalk_next(&id, w)) == 0) {
		git_commit *gc;

		if (git_commit_lookup(&gc, repo, &id) < 0) {
			rc = read_error(repo, &id, d);
			break;
		}
		rc = one_commit(repo, gc, &f, fn, payload, &stop, d);
		git_commit_free(gc);
		git_oid_cpy(&prev, &id);
		has_prev = 1;
	}
	/* The walk stopped short of the first commit: a parent it could not
	 * read, not the end of the history. */
	if (rc == 0 && !empty && !stop && next != GIT_ITEROVER)
		rc = has_prev ? walk_error(repo, &prev, d) :
		    ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "%s: %s",
		    _("cannot read the history"), git_error_last() ?
		    git_error_last()->message : "");
out:
	git_revwalk_free(w);
	filter_free(&f);
	return rc;
}

/* ------------------------------------------------------------- revert */

/* The keys of a keyed kind's file at path (history.h's paths_sql). */
static int
path_keys(struct ej_store *s, const struct ej_snapfile *f, const char *path,
    long long keys[EJ_SNAP_KEYS], struct ej_diag *d)
{
	sqlite3_stmt *st;
	int i, found = 0;

	memset(keys, 0, sizeof(long long) * EJ_SNAP_KEYS);
	if (f->path)
		return 0;
	if ((st = ej_store_prepare(s, f->paths_sql, d)) == NULL)
		return -1;
	while (!found && sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_text(st, 0) && strcmp((const char *)
		    sqlite3_column_text(st, 0), path) == 0) {
			found = 1;
			for (i = 0; i < EJ_SNAP_KEYS; i++)
				keys[i] = sqlite3_column_int64(st, i + 1);
		}
	sqlite3_reset(st);
	if (!found)
		return ej_error(d, EJ_EXIT_DATAERR, path, 0, 0, "%s",
		    _("its class or subject is no longer in the store; "
		    "nothing was reverted"));
	return 0;
}

enum { SQL_DELETE, SQL_INSERT, SQL_UPDATE };

static int
is_key(const struct ej_recdiff *rd, size_t col)
{
	size_t i;

	for (i = 0; i < rd->nkeys; i++)
		if (rd->keys[i] == col)
			return 1;
	return 0;
}

static void
append(char **to, const char *sep, const char *fmt, const char *a)
{
	char *part = ej_xasprintf(fmt, a, a);
	char *t = ej_xasprintf("%s%s%s", *to ? *to : "", *to ? sep : "", part);

	free(part);
	free(*to);
	*to = t;
}

/*
 * The statement for a kind without its own: made from its table — delete
 * by the key columns; insert the header's columns the table has; update
 * those that are not key columns, by the key columns (NULL when there
 * are none: the change is then a delete and an insert).
 */
static char *
made_sql(struct ej_store *s, const struct ej_recdiff *rd, int what,
    struct ej_diag *d)
{
	const struct ej_snapfile *f = rd->file;
	sqlite3_stmt *st;
	char *where = NULL, *cols = NULL, *vals = NULL, *sets = NULL, *sql;
	size_t i;

	if (!f->table)
		return NULL;
	for (i = 0; i < rd->nkeys; i++)
		append(&where, " AND ", "%s = :%s", rd->cols[rd->keys[i]]);
	if ((st = ej_store_prepare(s, "SELECT 1 FROM pragma_table_info(?1) "
	    "WHERE name = ?2", d)) == NULL) {
		free(where);
		return NULL;
	}
	for (i = 0; i < rd->ncol; i++) {
		int has;

		sqlite3_bind_text(st, 1, f->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rd->cols[i], -1, SQLITE_STATIC);
		has = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!has)
			continue;
		append(&cols, ", ", "%s", rd->cols[i]);
		append(&vals, ", ", ":%s", rd->cols[i]);
		if (!is_key(rd, i))
			append(&sets, ", ", "%s = :%s", rd->cols[i]);
	}
	if (what == SQL_DELETE)
		sql = ej_xasprintf("DELETE FROM %s WHERE %s", f->table,
		    where ? where : "0");
	else if (what == SQL_INSERT)
		sql = ej_xasprintf("INSERT INTO %s(%s) VALUES(%s)", f->table,
		    cols ? cols : "", vals ? vals : "");
	else
		sql = sets && where ? ej_xasprintf("UPDATE %s SET %s WHERE %s",
		    f->table, sets, where) : NULL;
	free(where);
	free(cols);
	free(vals);
	free(sets);
	return sql;
}

/* Run sql with the record's fields as :column and keys as :k1..:k3; it
 * must change exactly one row. */
static int
run_step(struct ej_store *s, const char *sql, const struct ej_recdiff *rd,
    const char *const *rec, const long long keys[EJ_SNAP_KEYS],
    struct ej_diag *d)
{
	sqlite3 *db = ej_store_db(s);
	sqlite3_stmt *st;
	int i, n, rc;

	if (!sql)
		return ej_error(d, EJ_EXIT_SOFTWARE, rd->path, 0, 0, "%s",
		    _("records of this kind cannot be reverted"));
	if ((st = ej_store_prepare(s, sql, d)) == NULL)
		return -1;
	n = sqlite3_bind_parameter_count(st);
	for (i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		long k;

		if (!name)
			continue;
		if (name[1] == 'k' && name[2] >= '1' && name[2] <= '3' &&
		    !name[3]) {
			sqlite3_bind_int64(st, i, keys[name[2] - '1']);
			continue;
		}
		if ((k = ej_recdiff_col(rd, name + 1)) < 0 || !rec[k])
			sqlite3_bind_null(st, i);
		else
			sqlite3_bind_text(st, i, rec[k], -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, rd->path);
	if (sqlite3_changes(db) != 1) {
		char *name = ej_rec_name(rd, &(struct ej_recchange){
		    .op = EJ_REC_ADDED, .new = rec });

		ej_error(d, EJ_EXIT_SOFTWARE, rd->path, 0, 0,
		    _("%s: not as the history has it (changed outside ej?); "
		    "run ej-audit"), name);
		free(name);
		return -1;
	}
	return 0;
}

static int
kind_index(const struct ej_snapfile *f)
{
	return (int)(f - ej_snapshot_files);
}

static int
cmp_kind(const void *a, const void *b)
{
	const struct ej_recdiff *x = *(struct ej_recdiff *const *)a;
	const struct ej_recdiff *y = *(struct ej_recdiff *const *)b;
	int c = kind_index(x->file) - kind_index(y->file);

	return c ? c : strcmp(x->path, y->path);
}

/* Undo every record change of cd, in table order: removals last kind
 * first (marks before their lessons), then restorations first kind
 * first. */
static int
apply_inverse(struct ej_store *s, struct commit_diff *cd, struct ej_diag *d)
{
	long long keys[EJ_SNAP_KEYS];
	size_t i, j;
	int pass;

	qsort(cd->v, cd->n, sizeof *cd->v, cmp_kind);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cd->n; i++) {
			struct ej_recdiff *rd = cd->v[pass ? i : cd->n - 1 - i];
			const struct ej_snapfile *f = rd->file;
			char *del = NULL, *ins = NULL, *upd = NULL;
			const char *update = f->update_sql;
			int rc = 0;

			if (path_keys(s, f, rd->path, keys, d) < 0)
				return -1;
			if (!f->delete_sql)
				del = made_sql(s, rd, SQL_DELETE, d);
			if (!f->load_sql) {
				/* Rows others refer to (pupils, classes)
				 * change in place. */
				ins = made_sql(s, rd, SQL_INSERT, d);
				if (!update)
					update = upd = made_sql(s, rd,
					    SQL_UPDATE, d);
			}
			for (j = 0; j < rd->n && rc == 0; j++) {
				const struct ej_recchange *c = &rd->v[j];
				int inplace = c->op == EJ_REC_CHANGED &&
				    update;

				if (pass == 0 && (c->op == EJ_REC_ADDED ||
				    (c->op == EJ_REC_CHANGED && !inplace)))
					rc = run_step(s, f->delete_sql ?
					    f->delete_sql : del, rd, c->new,
					    keys, d);
				else if (pass == 1 && inplace)
					rc = run_step(s, update, rd, c->old,
					    keys, d);
				else if (pass == 1 && c->op != EJ_REC_ADDED)
					rc = run_step(s, f->load_sql ?
					    f->load_sql : ins, rd, c->old,
					    keys, d);
			}
			free(del);
			free(ins);
			free(upd);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* Mark the records of cd that the diff later also changed. */
static void
touched(const struct commit_diff *cd, const struct commit_diff *later,
    unsigned char **hit)
{
	size_t i, j, k, l;

	for (i = 0; i < cd->n; i++)
		for (k = 0; k < later->n; k++) {
			const struct ej_recdiff *a = cd->v[i], *b = later->v[k];

			if (strcmp(a->path, b->path) != 0)
				continue;
			for (j = 0; j < a->n; j++)
				for (l = 0; l < b->n && !hit[i][j]; l++)
					if (ej_rec_same_key(a, &a->v[j], b,
					    &b->v[l]))
						hit[i][j] = 1;
		}
}

/*
 * The commits after c up to head, one at a time, their diffs narrowed to
 * c's files: each record of cd one of them changed is named. Returns the
 * count, or -1.
 */
static long
conflicts(git_repository *repo, const git_oid *c, const git_oid *head,
    const struct commit_diff *cd, struct ej_diag *d)
{
	git_revwalk *w = NULL;
	unsigned char **hit = ej_xcalloc(cd->n + 1, sizeof *hit);
	char **paths = ej_xcalloc(cd->n + 1, sizeof *paths);
	git_oid id;
	size_t i, j;
	long n = -1;

	for (i = 0; i < cd->n; i++) {
		hit[i] = ej_xcalloc(cd->v[i]->n + 1, 1);
		paths[i] = cd->v[i]->path;
	}
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, head) < 0 ||
	    git_revwalk_hide(w, c) < 0) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot read the history"));
		goto out;
	}
	git_revwalk_simplify_first_parent(w);
	while (cd->n && git_revwalk_next(&id, w) == 0) {
		struct commit_diff later = {0};
		git_commit *gc = NULL;
		git_tree *pt = NULL, *t = NULL;
		int rc = -1;

		if (git_commit_lookup(&gc, repo, &id) == 0 &&
		    parent_tree(gc, &pt) == 0 && git_commit_tree(&t, gc) == 0)
			rc = diff_trees(repo, &id, pt, t, NULL, paths, cd->n,
			    &later, d);
		else
			read_error(repo, &id, d);
		if (rc == 0)
			touched(cd, &later, hit);
		commit_diff_free(&later);
		git_tree_free(pt);
		git_tree_free(t);
		git_commit_free(gc);
		if (rc < 0)
			goto out;
	}
	n = 0;
	for (i = 0; i < cd->n; i++)
		for (j = 0; j < cd->v[i]->n; j++) {
			char *name;

			if (!hit[i][j])
				continue;
			name = ej_rec_name(cd->v[i], &cd->v[i]->v[j]);
			ej_error(d, EJ_EXIT_FOUND, NULL, 0, 0,
			    _("%s: changed again by a later commit"), name);
			free(name);
			n++;
		}
out:
	for (i = 0; i < cd->n; i++)
		free(hit[i]);
	free(hit);
	free(paths);
	git_revwalk_free(w);
	return n;
}

int
ej_log_revert(struct ej_store *s, const char *rev, char **summary,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_commit *c = NULL;
	git_tree *pt = NULL, *t = NULL;
	struct commit_diff cd = {0};
	git_oid head, id;
	long nc;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = -1;

	*summary = NULL;
	if (!repo)
		return -1;
	if (ej_history_head(s, &head, d) != 0) {
		rev_error(d, rev);
		goto out;
	}
	if (ej_history_resolve(s, rev, NULL, &id, d) < 0)
		goto out;
	if (git_commit_lookup(&c, repo, &id) < 0) {
		read_error(repo, &id, d);
		goto out;
	}
	if ((!git_oid_equal(git_commit_id(c), &head) &&
	    git_graph_descendant_of(repo, &head, git_commit_id(c)) != 1)) {
		rev_error(d, rev);
		goto out;
	}
	if (git_commit_parentcount(c) == 0) {
		ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("the first commit of the history cannot be reverted"));
		goto out;
	}
	if (parent_tree(c, &pt) < 0 || git_commit_tree(&t, c) < 0) {
		read_error(repo, git_commit_id(c), d);
		goto out;
	}
	if (diff_trees(repo, git_commit_id(c), pt, t, NULL, NULL, 0, &cd,
	    d) < 0 ||
	    (nc = conflicts(repo, git_commit_id(c), &head, &cd, d)) < 0)
		goto out;
	if (nc > 0) {
		ej_error(d, EJ_EXIT_FOUND, NULL, 0, 0, "%s",
		    _("a later commit changed the same records; nothing was "
		    "reverted"));
		goto out;
	}
	if (apply_inverse(s, &cd, d) < 0)
		goto out;
	git_oid_tostr(hex, 8, git_commit_id(c));
	*summary = ej_xasprintf(_("revert %s: %s"), hex,
	    git_commit_summary(c) ? git_commit_summary(c) : "");
	rc = 0;
out:
	commit_diff_free(&cd);
	git_tree_free(pt);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}
