/*
 * history_resolve — a revision to a commit, telling a name the history
 * does not have (65) from a history that has lost or damaged an object
 * a commit needs (74): the one place commands parse revisions.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "i18n.h"

static const char *
type_word(git_object_t t)
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

/*
 * The pack whose index (version 2) lists id, when libgit2 cannot find it:
 * a pack that is there but cannot be opened (truncated, its trailer
 * wrong) hides its objects. A malloc'd file name, or NULL.
 */
char *
ej_history_packed_in(git_repository *repo, const git_oid *id)
{
	char *dir = ej_xasprintf("%sobjects/pack", git_repository_path(repo));
	char *found = NULL;
	DIR *dp = opendir(dir);
	struct dirent *e;

	while (dp && !found && (e = readdir(dp)) != NULL) {
		size_t len = strlen(e->d_name);
		unsigned char head[8], sha[GIT_OID_RAWSZ];
		uint32_t fan[256], lo, hi;
		char *path;
		FILE *f;

		if (len < 5 || strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		path = ej_xasprintf("%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		free(path);
		if (!f)
			continue;
		if (fread(head, 1, 8, f) == 8 && memcmp(head, "\377tOc\0\0\0\2",
		    8) == 0 && fread(fan, 4, 256, f) == 256) {
			/* Objects with a first byte below id's: fan[b - 1]. */
			lo = id->id[0] ? ntohl(fan[id->id[0] - 1]) : 0;
			hi = ntohl(fan[id->id[0]]);
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;
				int c;

				if (fseek(f, 8 + 1024 + (long)mid * GIT_OID_RAWSZ,
				    SEEK_SET) < 0 || fread(sha, 1, sizeof sha,
				    f) != sizeof sha)
					break;
				if ((c = memcmp(sha, id->id, sizeof sha)) == 0) {
					found = ej_xasprintf("%.*s", (int)(len - 4),
					    e->d_name);
					break;
				}
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
		}
		fclose(f);
	}
	if (dp)
		closedir(dp);
	free(dir);
	return found;
}

int
ej_history_damage(git_repository *repo, struct ej_diag *d, int rc,
    git_object_t type, const git_oid *obj, const char *path, const char *by)
{
	const git_error *e = git_error_last();
	char hex[GIT_OID_HEXSZ + 1];
	char *what, *pack;
	int r;

	git_oid_tostr(hex, sizeof hex, obj);
	what = path ? ej_xasprintf("%s %s (%s)", type_word(type), hex, path) :
	    ej_xasprintf("%s %s", type_word(type), hex);
	if (rc == GIT_ENOTFOUND && (pack = ej_history_packed_in(repo,
	    obj)) != NULL) {
		r = ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, _("the history is "
		    "damaged: %s, needed by %s, cannot be read (%s.idx lists "
		    "it, but its pack cannot be read); run ej-audit"), what, by,
		    pack);
		free(pack);
	} else if (rc == GIT_ENOTFOUND)
		r = ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, _("the history is "
		    "damaged: %s, needed by %s, is missing; run ej-audit"),
		    what, by);
	else
		r = ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, _("the history is "
		    "damaged: %s, needed by %s, cannot be read (%s); run "
		    "ej-audit"), what, by, e && e->message ? e->message : "");
	free(what);
	return r;
}

/* The first object under tree that cannot be read: 1 (reported), 0 none. */
static int
tree_damage(git_repository *repo, const git_oid *tree, const char *path,
    const char *by, struct ej_diag *d)
{
	git_tree *t = NULL;
	git_odb *odb = NULL;
	size_t i, n;
	int rc, found = 0;

	if ((rc = git_tree_lookup(&t, repo, tree)) < 0) {
		ej_history_damage(repo, d, rc, GIT_OBJECT_TREE, tree,
		    *path ? path : NULL, by);
		return 1;
	}
	if (git_repository_odb(&odb, repo) < 0) {
		git_tree_free(t);
		return 0;
	}
	n = git_tree_entrycount(t);
	for (i = 0; i < n && !found; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		char *sub = ej_xasprintf("%s%s%s", path, *path ? "/" : "",
		    git_tree_entry_name(e));
		git_odb_object *o = NULL;

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			found = tree_damage(repo, git_tree_entry_id(e), sub, by,
			    d);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
		    (rc = git_odb_read(&o, odb, git_tree_entry_id(e))) < 0) {
			ej_history_damage(repo, d, rc, GIT_OBJECT_BLOB,
			    git_tree_entry_id(e), sub, by);
			found = 1;
		}
		git_odb_object_free(o);
		free(sub);
	}
	git_odb_free(odb);
	git_tree_free(t);
	return found;
}

int
ej_history_damaged(git_repository *repo, const git_oid *commit,
    struct ej_diag *d)
{
	git_commit *c = NULL;
	char by[64], hex[8];
	unsigned i;
	int rc;

	if (!repo)
		return -1;
	git_oid_tostr(hex, sizeof hex, commit);
	snprintf(by, sizeof by, _("commit %s"), hex);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	if ((rc = git_commit_lookup(&c, repo, commit)) < 0)
		return ej_history_damage(repo, d, rc, GIT_OBJECT_COMMIT, commit, NULL,
		    _("the history"));
	rc = tree_damage(repo, git_commit_tree_id(c), "", by, d);
	for (i = 0; rc == 0 && i < git_commit_parentcount(c); i++) {
		git_commit *p = NULL;
		int prc;

		if ((prc = git_commit_parent(&p, c, i)) < 0) {
			ej_history_damage(repo, d, prc, GIT_OBJECT_COMMIT,
			    git_commit_parent_id(c, i), NULL, by);
			rc = 1;
		} else {
			rc = tree_damage(repo, git_commit_tree_id(p), "", by, d);
			git_commit_free(p);
		}
	}
	git_commit_free(c);
	if (rc == 0)
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, _("the history "
		    "is damaged: commit %s cannot be read back (%s); run "
		    "ej-audit"), hex, git_error_last() ?
		    git_error_last()->message : "");
	return -1;
}

/* How rev ends: "~2^2~" steps, each kind ('~' or '^') with its count. */
static int
steps_of(const char *p, char *kind, unsigned long *count, size_t max,
    size_t *n)
{
	*n = 0;
	while (*p) {
		char *end;

		if ((*p != '~' && *p != '^') || *n == max)
			return -1;
		kind[*n] = *p++;
		if (isdigit((unsigned char)*p)) {
			count[*n] = strtoul(p, &end, 10);
			p = end;
		} else
			count[*n] = 1;
		(*n)++;
	}
	return 0;
}

#define MAX_STEPS 32

/* Does a pack's index list id? */
static int
packed(git_repository *repo, const git_oid *id)
{
	char *pack = ej_history_packed_in(repo, id);

	free(pack);
	return pack != NULL;
}

int
ej_history_resolve(struct ej_store *s, const char *rev, const char *opt,
    git_oid *out, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_object *obj = NULL, *peeled = NULL;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	char kind[MAX_STEPS], *base, by[64], hex[8];
	unsigned long count[MAX_STEPS], k;
	size_t n = 0, i, blen;
	int rc = GIT_ENOTFOUND;

	if (!repo)
		return -1;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	/* "main~2", "HEAD^", "a1b2c3d~1^2": a base and parent steps, each
	 * step's commit read here, so that a lost one is named. */
	blen = strcspn(rev, "~^");
	if (rev[blen] && steps_of(rev + blen, kind, count, MAX_STEPS, &n) < 0)
		blen = strlen(rev), n = 0;
	base = blen < strlen(rev) ? ej_xasprintf("%.*s", (int)blen, rev) :
	    ej_xstrdup(rev);
	if (*base && git_reference_dwim(&ref, repo, base) == 0) {
		/* A ref the history has: a commit it names that cannot be
		 * read is damage, not an unknown name. */
		git_reference *res = NULL;

		if (git_reference_resolve(&res, ref) == 0) {
			const git_oid *id = git_reference_target(res);

			if ((rc = git_object_lookup(&obj, repo, id,
			    GIT_OBJECT_ANY)) < 0) {
				ej_history_damage(repo, d, rc, GIT_OBJECT_COMMIT, id,
				    NULL, git_reference_name(ref));
				git_reference_free(res);
				goto fail;
			}
		}
		git_reference_free(res);
	}
	if (!obj && (!*base || (rc = git_revparse_single(&obj, repo,
	    base)) < 0)) {
		git_oid id;

		/* A full id the history has, but cannot read back (a pack's
		 * index lists it: libgit2 says "not found" all the same). */
		if (*base && strlen(base) == GIT_OID_HEXSZ &&
		    git_oid_fromstr(&id, base) == 0 && (rc != GIT_ENOTFOUND ||
		    packed(repo, &id))) {
			ej_history_damage(repo, d, rc, GIT_OBJECT_COMMIT, &id, NULL,
			    rev);
			goto fail;
		}
		goto none;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0)
		goto none;
	c = (git_commit *)peeled;
	peeled = NULL;
	for (i = 0; i < n; i++) {
		for (k = 0; k < (kind[i] == '~' ? count[i] : 1); k++) {
			unsigned p = kind[i] == '^' ? (unsigned)count[i] - 1 : 0;
			git_commit *parent = NULL;

			if (kind[i] == '^' && count[i] == 0)
				break;
			if (p >= git_commit_parentcount(c))
				goto none;
			if ((rc = git_commit_parent(&parent, c, p)) < 0) {
				git_oid_tostr(hex, sizeof hex, git_commit_id(c));
				snprintf(by, sizeof by, _("commit %s"), hex);
				ej_history_damage(repo, d, rc, GIT_OBJECT_COMMIT,
				    git_commit_parent_id(c, p), NULL, by);
				goto fail;
			}
			git_commit_free(c);
			c = parent;
		}
	}
	/* The commit's own tree: every command that names a revision reads
	 * it next. */
	{
		git_tree *t = NULL;

		if ((rc = git_commit_tree(&t, c)) < 0) {
			git_oid_tostr(hex, sizeof hex, git_commit_id(c));
			snprintf(by, sizeof by, _("commit %s"), hex);
			ej_history_damage(repo, d, rc, GIT_OBJECT_TREE,
			    git_commit_tree_id(c), NULL, by);
			goto fail;
		}
		git_tree_free(t);
	}
	git_oid_cpy(out, git_commit_id(c));
	git_commit_free(c);
	git_object_free(obj);
	git_reference_free(ref);
	free(base);
	return 0;
none:
	if (opt)
		ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s: no such revision in the history: %s"), opt, rev);
	else
		ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no such revision in the history: %s"), rev);
fail:
	git_commit_free(c);
	git_object_free(peeled);
	git_object_free(obj);
	git_reference_free(ref);
	free(base);
	return -1;
}
