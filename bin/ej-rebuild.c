/*
 * ej-rebuild — a database from the history: at HEAD to replace a lost or
 * damaged ej.db, or at any revision into a file of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "history.h"
#include "i18n.h"
#include "store.h"
#include "who.h"

static const char usage[] =
    "ej-rebuild [-n] [--store DIR] [--at REV] [--out FILE]";

enum {
	OPT_AT = EJ_OPT_FIRST_LOCAL,
	OPT_OUT
};

/* The commit REV names (HEAD when NULL); -1 with an error (65, or 74 for a
 * damaged history). */
static int
revision(struct ej_store *s, const char *rev, git_oid *out, struct ej_diag *d)
{
	int rc;

	if (!rev) {
		if ((rc = ej_history_head(s, out, d)) > 0)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
			    _("the history has no commits"));
		return rc;
	}
	return ej_history_resolve(s, rev, "--at", out, d);
}

/* The tree of commit, to compare the rebuilt snapshot with. */
static int
commit_tree(struct ej_store *s, const git_oid *commit, git_oid *tree,
    struct ej_diag *d)
{
	git_commit *c;

	if (git_commit_lookup(&c, ej_store_repo(s, d), commit) < 0)
		return ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("cannot read the commit"));
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"out", required_argument, NULL, OPT_OUT},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	const char *rev = NULL, *outfile = NULL;
	char *dir, *tmp, *bak = NULL, *live, hex[GIT_OID_HEXSZ + 1];
	git_oid at, head, want, got;
	char **lost = NULL;
	long unhashed = 0;
	int ch, has_head;

	ej_cli_init(&c, "ej-rebuild", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_AT:
			rev = optarg;
			break;
		case OPT_OUT:
			outfile = optarg;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	if (optind != argc)
		ej_cli_usage(&c);
	if (ej_store_locate(&dir, c.store_opt, &c.d) < 0)
		ej_cli_exit(&c);
	/* Built beside the live database, then put in its place: a reader
	 * never sees half a database. */
	tmp = outfile ? ej_xstrdup(outfile) :
	    ej_xasprintf("%s/ej.db.rebuild-%ld", dir, (long)getpid());
	live = ej_xasprintf("%s/ej.db", dir);
	if (ej_store_open_empty(&c.s, dir, tmp, &c.d) < 0)
		goto fail;
	if (revision(c.s, rev, &at, &c.d) < 0)
		goto fail;
	has_head = ej_history_head(c.s, &head, &c.d) == 0;
	if (!outfile && (!has_head || !git_oid_equal(&at, &head))) {
		/* The store's database must be at the history's HEAD, or its
		 * next write would refuse (the two would disagree). */
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--at a revision other than HEAD needs --out FILE"));
		goto fail;
	}
	git_oid_tostr(hex, sizeof hex, &at);
	/* The references are checked once over the loaded tables, not
	 * row by row as they go in; a page cache of 32 MiB (not 2) keeps
	 * the indexes being filled in memory. */
	if (ej_store_exec(c.s, "PRAGMA foreign_keys = OFF", &c.d) < 0 ||
	    ej_store_exec(c.s, "PRAGMA cache_size = -32768", &c.d) < 0 ||
	    ej_store_exec(c.s, "BEGIN", &c.d) < 0 ||
	    ej_history_load(c.s, &at, &c.d) < 0 ||
	    ej_store_fk_check(c.s, &c.d) < 0 ||
	    ej_meta_set(c.s, "head", hex) < 0 ||
	    ej_store_exec(c.s, "COMMIT", &c.d) < 0 ||
	    ej_store_exec(c.s, "PRAGMA foreign_keys = ON", &c.d) < 0)
		goto fail;
	/* The people are back: only now can we tell who is acting. */
	if (ej_who_resolve(c.s, &c.d) < 0 ||
	    ej_who_require(c.s, EJ_ROLE_TECHNICIAN, _("rebuild the store"),
	    &c.d) < 0)
		goto fail;
	/* Round trip: the rebuilt database serialises to the commit's tree. */
	if (commit_tree(c.s, &at, &want, &c.d) < 0 ||
	    ej_snap_tree(c.s, &got, 0, &c.d) < 0)
		goto fail;
	if (!git_oid_equal(&want, &got)) {
		ej_error(&c.d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the rebuilt database does not serialise to the "
		    "commit's tree; nothing was replaced"));
		goto fail;
	}
	/* Hashes are never in the history: say whose passwords are gone. */
	if ((unhashed = ej_account_unhashed(c.s, &lost, 10, &c.d)) < 0)
		goto fail;
	if (c.dry_run) {
		ej_note(&c.d, _("%.7s: the history rebuilds into a database "
		    "equal to it (dry run: nothing was written)"), hex);
		ej_store_discard(c.s);
		c.s = NULL;
		goto done;
	}
	ej_store_close(c.s);
	c.s = NULL;
	if (!outfile) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		bak = ej_xasprintf("%s.bak-%s", live, stamp);
		if (access(live, F_OK) == 0 && rename(live, bak) < 0) {
			ej_error(&c.d, EJ_EXIT_IOERR, live, 0, 0, "%s",
			    strerror(errno));
			unlink(tmp);
			goto done;
		}
		if (rename(tmp, live) < 0) {
			ej_error(&c.d, EJ_EXIT_IOERR, live, 0, 0, "%s",
			    strerror(errno));
			goto done;
		}
		ej_note(&c.d, _("rebuilt %s from commit %.7s; the old database "
		    "is %s"), live, hex, bak);
	} else
		ej_note(&c.d, _("rebuilt %s from commit %.7s"), outfile, hex);
	ej_note(&c.d, "%s", _("passwords are not in the history: accounts "
	    "issued before need their passwords reset"));
	if (unhashed > 0 && !outfile) {
		size_t i;

		ej_note(&c.d, _("%ld active accounts have no password: "
		    "ej-issue-login reset --lost issues new ones to"),
		    unhashed);
		for (i = 0; lost[i]; i++)
			fprintf(stderr, "  %s\n", lost[i]);
		if (unhashed > (long)i)
			fprintf(stderr, "  %s\n", _("…"));
	}
	goto done;
fail:
	ej_store_discard(c.s);
	c.s = NULL;
done:
	ej_strv_free(lost);
	free(bak);
	free(live);
	free(tmp);
	free(dir);
	ej_cli_exit(&c);
}
