/*
 * audit_history — the whole history as an object graph: every commit
 * reachable from refs/heads/main, refs/ej/... and the database's own head,
 * and every tree and blob they need, each read once with libgit2's strict
 * hash verification. Each object that is missing or damaged is one finding
 * (integrity.history.missing, integrity.history.damaged) naming it, the
 * path it has in the trees and the commits (or refs) that need it; one more
 * finding says whether the current state can still be rebuilt.
 *
 * Cost: one read of every distinct object (a set of the oids seen), plus a
 * second look only at the trees on the way to a bad object, to name every
 * commit that needs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "history.h"
#include "i18n.h"

#define RULE_MISSING "integrity.history.missing"
#define RULE_DAMAGED "integrity.history.damaged"
/* Commits (or refs) named in a finding; the rest are counted. */
#define NEEDERS_SHOWN 5

enum { ST_EMPTY, ST_OK, ST_BAD, ST_TAINTED };

/* ------------------------------------------------------------ oid set */

struct oidset {
	git_oid *v;
	unsigned char *st;       /* ST_*; ST_BAD: bads[aux[i]] */
	size_t *aux;
	size_t cap, n;
};

static size_t
oid_hash(const git_oid *id)
{
	uint64_t h;

	memcpy(&h, id->id, sizeof h);
	return (size_t)h;
}

/* The slot of id: where it is, or the empty slot it would take. */
static size_t
set_slot(const struct oidset *s, const git_oid *id)
{
	size_t i = oid_hash(id) & (s->cap - 1);

	while (s->st[i] != ST_EMPTY && !git_oid_equal(&s->v[i], id))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void
set_grow(struct oidset *s)
{
	struct oidset o = *s;
	size_t i;

	s->cap = o.cap ? o.cap * 2 : 4096;
	s->v = ej_xcalloc(s->cap, sizeof *s->v);
	s->st = ej_xcalloc(s->cap, 1);
	s->aux = ej_xcalloc(s->cap, sizeof *s->aux);
	for (i = 0; i < o.cap; i++)
		if (o.st[i] != ST_EMPTY) {
			size_t j = set_slot(s, &o.v[i]);

			git_oid_cpy(&s->v[j], &o.v[i]);
			s->st[j] = o.st[i];
			s->aux[j] = o.aux[i];
		}
	free(o.v);
	free(o.st);
	free(o.aux);
}

/* The state of id (ST_EMPTY: not seen); *aux its bad object's index. */
static int
set_get(const struct oidset *s, const git_oid *id, size_t *aux)
{
	size_t i;

	if (!s->cap)
		return ST_EMPTY;
	i = set_slot(s, id);
	if (aux)
		*aux = s->aux[i];
	return s->st[i];
}

static void
set_put(struct oidset *s, const git_oid *id, int st, size_t aux)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap)
		set_grow(s);
	i = set_slot(s, id);
	if (s->st[i] == ST_EMPTY) {
		s->n++;
		git_oid_cpy(&s->v[i], id);
	}
	s->st[i] = (unsigned char)st;
	s->aux[i] = aux;
}

static void
set_free(struct oidset *s)
{
	free(s->v);
	free(s->st);
	free(s->aux);
}

/* -------------------------------------------------------- bad objects */

struct bad {
	git_oid id;
	git_object_t type;
	int damaged;
	char *path;              /* its path in the first tree; NULL: none */
	char *why;               /* libgit2's message, for damage */
	char *needers[NEEDERS_SHOWN];
	size_t nneed;
	int current;             /* needed by the current state */
};

struct hwalk {
	git_repository *repo;
	git_odb *odb;
	struct oidset seen;
	struct bad *bads;
	size_t nbad, capbad;
	git_oid *stack;          /* commits to read, with who needs them */
	char **stack_by;
	size_t nstack, capstack;
	const char *needer;      /* the commit or ref being walked */
	int current;             /* walking the current state's commit */
	unsigned long ncommits, nobjects;
};

static void
need(struct bad *b, const char *by, int current)
{
	size_t i;

	for (i = 0; i < b->nneed && i < NEEDERS_SHOWN; i++)
		if (strcmp(b->needers[i], by) == 0)
			return;
	if (b->nneed < NEEDERS_SHOWN)
		b->needers[b->nneed] = ej_xstrdup(by);
	b->nneed++;
	if (current)
		b->current = 1;
}

/* Record id as bad (rc: libgit2's error): its index in w->bads. */
static size_t
add_bad(struct hwalk *w, const git_oid *id, git_object_t type,
    const char *path, int rc)
{
	struct bad *b;
	const git_error *e = git_error_last();

	if (w->nbad == w->capbad) {
		w->capbad = w->capbad ? w->capbad * 2 : 16;
		w->bads = ej_xrealloc(w->bads, w->capbad * sizeof *w->bads);
	}
	b = &w->bads[w->nbad];
	memset(b, 0, sizeof *b);
	git_oid_cpy(&b->id, id);
	b->type = type;
	b->damaged = rc != GIT_ENOTFOUND;
	b->path = path ? ej_xstrdup(path) : NULL;
	b->why = ej_xstrdup(e && e->message ? e->message : "");
	if (!b->damaged) {
		char *pack = ej_history_packed_in(w->repo, id);

		if (pack) {
			free(b->why);
			b->why = ej_xasprintf(_("%s.idx lists it, but its pack "
			    "cannot be read"), pack);
			b->damaged = 1;
			free(pack);
		}
	}
	set_put(&w->seen, id, ST_BAD, w->nbad);
	return w->nbad++;
}

static void
push_commit(struct hwalk *w, const git_oid *id, const char *by)
{
	if (w->nstack == w->capstack) {
		w->capstack = w->capstack ? w->capstack * 2 : 64;
		w->stack = ej_xrealloc(w->stack, w->capstack *
		    sizeof *w->stack);
		w->stack_by = ej_xrealloc(w->stack_by, w->capstack *
		    sizeof *w->stack_by);
	}
	git_oid_cpy(&w->stack[w->nstack], id);
	w->stack_by[w->nstack++] = ej_xstrdup(by);
}

/* (add_bad may move w->bads: the index first, then the pointer.) */
static void
bad_needed(struct hwalk *w, size_t ix, const char *by, int current)
{
	need(&w->bads[ix], by, current);
}

/* A blob of a tree: read once. 1 bad, 0 good. */
static int
walk_blob(struct hwalk *w, const git_oid *id, const char *path)
{
	git_odb_object *o = NULL;
	size_t ix;
	int st = set_get(&w->seen, id, &ix), rc;

	if (st == ST_BAD) {
		need(&w->bads[ix], w->needer, w->current);
		return 1;
	}
	if (st != ST_EMPTY)
		return 0;
	w->nobjects++;
	rc = git_odb_read(&o, w->odb, id);
	if (rc == 0 && git_odb_object_type(o) != GIT_OBJECT_BLOB) {
		git_error_set_str(GIT_ERROR_ODB, "not a blob");
		rc = -1;
	}
	git_odb_object_free(o);
	if (rc < 0) {
		bad_needed(w, add_bad(w, id, GIT_OBJECT_BLOB, path, rc),
		    w->needer, w->current);
		return 1;
	}
	set_put(&w->seen, id, ST_OK, 0);
	return 0;
}

/* A tree and what it holds: 1 when something under it is bad. */
static int
walk_tree(struct hwalk *w, const git_oid *id, const char *path)
{
	git_tree *t = NULL;
	size_t i, n, ix;
	int st = set_get(&w->seen, id, &ix), rc, bad = 0;

	if (st == ST_OK)
		return 0;
	if (st == ST_BAD) {
		need(&w->bads[ix], w->needer, w->current);
		return 1;
	}
	if (st == ST_EMPTY)
		w->nobjects++;
	if ((rc = git_tree_lookup(&t, w->repo, id)) < 0) {
		bad_needed(w, add_bad(w, id, GIT_OBJECT_TREE,
		    *path ? path : NULL, rc), w->needer, w->current);
		return 1;
	}
	/* Seen before a child is: a tree cannot hold itself. */
	set_put(&w->seen, id, ST_OK, 0);
	n = git_tree_entrycount(t);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		char *sub = ej_xasprintf("%s%s%s", path, *path ? "/" : "",
		    git_tree_entry_name(e));

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			bad |= walk_tree(w, git_tree_entry_id(e), sub);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			bad |= walk_blob(w, git_tree_entry_id(e), sub);
		free(sub);
	}
	git_tree_free(t);
	/* A tainted tree is walked again by every commit that has it, so
	 * that each names the bad objects under it. */
	if (bad)
		set_put(&w->seen, id, ST_TAINTED, 0);
	return bad;
}

/* One commit: itself, its tree, and its parents queued. */
static void
walk_commit(struct hwalk *w, const git_oid *id, const char *by)
{
	git_commit *c = NULL;
	char hex[8];
	size_t ix, i;
	int st = set_get(&w->seen, id, &ix), rc;

	if (st == ST_BAD) {
		need(&w->bads[ix], by, w->current);
		return;
	}
	if (st != ST_EMPTY)
		return;
	w->ncommits++;
	w->nobjects++;
	if ((rc = git_commit_lookup(&c, w->repo, id)) < 0) {
		bad_needed(w, add_bad(w, id, GIT_OBJECT_COMMIT, NULL, rc), by,
		    w->current);
		return;
	}
	set_put(&w->seen, id, ST_OK, 0);
	git_oid_tostr(hex, sizeof hex, id);
	w->needer = hex;
	walk_tree(w, git_commit_tree_id(c), "");
	w->needer = NULL;
	for (i = git_commit_parentcount(c); i > 0; i--)
		push_commit(w, git_commit_parent_id(c, (unsigned)i - 1), hex);
	git_commit_free(c);
}

static void
walk_from(struct hwalk *w, const git_oid *id, const char *by)
{
	push_commit(w, id, by);
	while (w->nstack > 0) {
		char *from = w->stack_by[--w->nstack];
		git_oid cid;

		git_oid_cpy(&cid, &w->stack[w->nstack]);
		walk_commit(w, &cid, from);
		free(from);
		/* Only the first commit is the current state. */
		w->current = 0;
	}
}

struct refroots {
	git_oid *v;
	char **names;
	size_t n;
};

static int
collect_ref(const char *name, void *payload)
{
	struct refroots *r = payload;

	r->v = ej_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
	r->names = ej_xrealloc(r->names, (r->n + 1) * sizeof *r->names);
	r->names[r->n] = ej_xstrdup(name);
	r->n++;
	return 0;
}

static const char *
type_name(git_object_t t)
{
	switch (t) {
	case GIT_OBJECT_COMMIT:
		return _("commit");
	case GIT_OBJECT_TREE:
		return _("tree");
	default:
		return _("blob");
	}
}

/* "97f54a8, 61d39bd and 3 more" */
static char *
needers_text(const struct bad *b)
{
	char *s = ej_xstrdup(""), *t;
	size_t i, shown = b->nneed < NEEDERS_SHOWN ? b->nneed : NEEDERS_SHOWN;

	for (i = 0; i < shown; i++) {
		t = ej_xasprintf("%s%s%s", s, i ? ", " : "", b->needers[i]);
		free(s);
		s = t;
	}
	if (b->nneed > shown) {
		t = ej_xasprintf(_("%s and %zu more"), s, b->nneed - shown);
		free(s);
		s = t;
	}
	return s;
}

static const struct ej_audit_rule *
rule_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < ej_audit_nrules; i++)
		if (strcmp(ej_audit_rules[i].id, id) == 0)
			return &ej_audit_rules[i];
	return NULL;
}

static int
report(struct ej_audit *a, struct hwalk *w, const git_oid *current,
    const char *current_what)
{
	const struct ej_audit_rule *rm = rule_by_id(RULE_MISSING),
	    *rd = rule_by_id(RULE_DAMAGED), *first = NULL;
	int want_m = ej_audit_selected(a, RULE_MISSING),
	    want_d = ej_audit_selected(a, RULE_DAMAGED);
	size_t i, ncur = 0;
	char hex[GIT_OID_HEXSZ + 1], *detail;
	int rc = 0;

	for (i = 0; i < w->nbad && rc == 0; i++) {
		struct bad *b = &w->bads[i];
		const struct ej_audit_rule *r = b->damaged ? rd : rm;
		char *by;

		if (b->current)
			ncur++;
		if (!(b->damaged ? want_d : want_m))
			continue;
		if (!first)
			first = r;
		git_oid_tostr(hex, sizeof hex, &b->id);
		by = needers_text(b);
		if (b->damaged && b->path)
			detail = ej_xasprintf(_("%s %s (%s) is damaged (%s); "
			    "needed by %s"), type_name(b->type), hex, b->path,
			    b->why, by);
		else if (b->damaged)
			detail = ej_xasprintf(_("%s %s is damaged (%s); needed "
			    "by %s"), type_name(b->type), hex, b->why, by);
		else if (b->path)
			detail = ej_xasprintf(_("%s %s (%s) is missing; needed "
			    "by %s"), type_name(b->type), hex, b->path, by);
		else
			detail = ej_xasprintf(_("%s %s is missing; needed by "
			    "%s"), type_name(b->type), hex, by);
		rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL, detail);
		free(detail);
		free(by);
	}
	if (rc == 0 && first && current) {
		git_oid_tostr(hex, 8, current);
		if (ncur == 0)
			detail = ej_xasprintf(_("the current state (%s %s) can "
			    "still be rebuilt: every object of its tree reads "
			    "back"), current_what, hex);
		else
			detail = ej_xasprintf(_("the current state (%s %s) "
			    "cannot be rebuilt: %zu of the objects it needs are "
			    "missing or damaged"), current_what, hex, ncur);
		rc = ej_audit_add(a, first, NULL, NULL, NULL, NULL, NULL,
		    detail);
		free(detail);
	}
	return rc;
}

static void
hwalk_free(struct hwalk *w)
{
	size_t i, j;

	for (i = 0; i < w->nbad; i++) {
		for (j = 0; j < w->bads[i].nneed && j < NEEDERS_SHOWN; j++)
			free(w->bads[i].needers[j]);
		free(w->bads[i].path);
		free(w->bads[i].why);
	}
	free(w->bads);
	for (i = 0; i < w->nstack; i++)
		free(w->stack_by[i]);
	free(w->stack);
	free(w->stack_by);
	set_free(&w->seen);
	git_odb_free(w->odb);
}

int
ej_audit__history(struct ej_audit *a, const struct ej_audit_rule *r)
{
	struct ej_store *s = ej_audit_store(a);
	struct ej_diag *d = ej_audit_diag(a);
	struct hwalk w;
	struct refroots refs = {0};
	git_oid main_id, db_id, *current = NULL;
	const char *current_what = "refs/heads/main";
	char *meta = NULL;
	size_t i;
	int has_main, has_db = 0, rc = 0;

	/* One walk serves both rules: the second one selected returns. */
	if (strcmp(r->id, RULE_DAMAGED) == 0 &&
	    ej_audit_selected(a, RULE_MISSING))
		return 0;
	memset(&w, 0, sizeof w);
	if ((w.repo = ej_store_repo(s, d)) == NULL)
		return -1;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	if (git_repository_odb(&w.odb, w.repo) < 0)
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "%s: %s",
		    _("cannot read the history"), git_error_last() ?
		    git_error_last()->message : "");
	if ((has_main = ej_history_head(s, &main_id, d)) < 0) {
		hwalk_free(&w);
		return -1;
	}
	if (ej_meta_get(s, "head", &meta) < 0) {
		hwalk_free(&w);
		return ej_store_sqlerr(s, d, r->id);
	}
	has_db = meta && git_oid_fromstr(&db_id, meta) == 0;
	free(meta);
	/* The current state: the database's commit when it is a write
	 * the ref has not caught up with yet (one commit past main), else
	 * main. The database's commit is a root either way: a write's
	 * objects must be there before the database names them. */
	if (has_db && (has_main != 0 || !git_oid_equal(&db_id, &main_id))) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, w.repo, &db_id) == 0 &&
		    git_commit_parentcount(c) == (has_main == 0 ? 1u : 0u) &&
		    (has_main != 0 ||
		    git_oid_equal(git_commit_parent_id(c, 0), &main_id))) {
			current = &db_id;
			current_what = _("the pending write");
		}
		git_commit_free(c);
		w.current = current != NULL;
		walk_from(&w, &db_id, "meta.head");
	}
	if (has_main == 0) {
		if (!current) {
			current = &main_id;
			w.current = 1;
		}
		walk_from(&w, &main_id, "refs/heads/main");
	}
	git_reference_foreach_glob(w.repo, "refs/ej/*", collect_ref, &refs);
	for (i = 0; i < refs.n; i++) {
		git_oid id;

		if (git_reference_name_to_id(&id, w.repo, refs.names[i]) == 0)
			walk_from(&w, &id, refs.names[i]);
		free(refs.names[i]);
	}
	free(refs.names);
	free(refs.v);
	rc = report(a, &w, current, current_what);
	hwalk_free(&w);
	return rc < 0 ? -1 : 0;
}
