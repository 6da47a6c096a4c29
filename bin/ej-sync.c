/*
 * ej-sync — the history to and from git remotes: off-site copies of a
 * school's store, and a district's read-only mirrors of many schools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "history.h"
#include "i18n.h"
#include "store.h"
#include "sync.h"
#include "who.h"

static const char usage[] =
    "ej-sync [--store DIR] remote add NAME URL\n"
    "       ej-sync [--store DIR] remote remove NAME\n"
    "       ej-sync [--store DIR] remote list\n"
    "       ej-sync [--store DIR] [-i FILE] push [NAME]\n"
    "       ej-sync [--store DIR] [-i FILE] [-v] pull [NAME]\n"
    "       ej-sync [-i FILE] clone URL DIR\n"
    "       ej-sync [--store DIR] [-i FILE] [--online] status [NAME]";

enum {
	OPT_ONLINE = EJ_OPT_FIRST_LOCAL
};

static void
remote_cmd(struct ej_cli *c, int argc, char **argv)
{
	if (argc < 1)
		ej_cli_usage(c);
	if (strcmp(argv[0], "add") == 0 && argc == 3) {
		ej_cli_setup(c, EJ_SETUP_READ);
		if (ej_who_require(c->s, EJ_ROLE_TECHNICIAN,
		    _("configure the remotes"), &c->d) < 0 ||
		    ej_sync_remote_add(c->s, argv[1], argv[2], &c->d) < 0)
			ej_cli_exit(c);
		ej_note(&c->d, _("remote %s: %s"), argv[1], argv[2]);
	} else if (strcmp(argv[0], "remove") == 0 && argc == 2) {
		ej_cli_setup(c, EJ_SETUP_READ);
		if (ej_who_require(c->s, EJ_ROLE_TECHNICIAN,
		    _("configure the remotes"), &c->d) < 0 ||
		    ej_sync_remote_remove(c->s, argv[1], &c->d) < 0)
			ej_cli_exit(c);
		ej_note(&c->d, _("remote %s removed"), argv[1]);
	} else if (strcmp(argv[0], "list") == 0 && argc == 1) {
		ej_cli_setup(c, EJ_SETUP_READ);
		/* Credentials in a URL are for those who configure them. */
		ej_sync_remote_list(c->s, stdout, (ej_store_actor(c->s)->roles &
		    (EJ_ROLE_ADMIN | EJ_ROLE_TECHNICIAN)) != 0, &c->d);
	} else
		ej_cli_usage(c);
}

/* Push to the remote named, or to every remote. */
static void
push_cmd(struct ej_cli *c, const struct ej_sync_opts *o, const char *name)
{
	struct ej_sync_status *st = NULL;
	size_t n = 0, i, pushed = 0;
	char *src = NULL;
	int mirror;

	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_who_require(c->s, EJ_ROLE_TECHNICIAN, _("push the history"),
	    &c->d) < 0 || (mirror = ej_sync_mirror_of(c->s, &src, &c->d)) < 0 ||
	    ej_sync_status_get(c->s, name, &st, &n, &c->d) < 0)
		ej_cli_exit(c);
	free(src);
	/* A mirror passes its history on (a district's own backup), never
	 * back to where it came from. */
	if (mirror && name && strcmp(name, EJ_SYNC_SOURCE) == 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("a mirror does not push to its source"));
		ej_cli_exit(c);
	}
	if (n == 0) {
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("no remote to push to; add one with: ej-sync remote add "
		    "NAME URL"));
		ej_cli_exit(c);
	}
	for (i = 0; i < n; i++) {
		struct ej_sync_push_result r;

		/* A failing remote does not keep the others from their
		 * copy (tee's rule): say so, go on, fail at the end. */
		if (mirror && strcmp(st[i].name, EJ_SYNC_SOURCE) == 0)
			continue;
		pushed++;
		if (ej_sync_push(c->s, st[i].name, o, &r, &c->d) < 0)
			continue;
		if (r.uptodate)
			ej_note(&c->d, _("%s: up to date"), st[i].name);
		else
			ej_note(&c->d, _("%s: pushed main (%zu objects sent)"),
			    st[i].name, r.objects);
	}
	if (pushed == 0)
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("no remote to push to; add one with: ej-sync remote add "
		    "NAME URL"));
	ej_sync_status_free(st, n);
}

static void
pull_cmd(struct ej_cli *c, const struct ej_sync_opts *o, const char *name)
{
	struct ej_sync_pull_result r;
	char from[8], to[8];
	size_t i;

	/* Read setup: a mirror refuses every write but this one, which
	 * takes the store's write lock itself. */
	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_who_require(c->s, EJ_ROLE_TECHNICIAN, _("pull the history"),
	    &c->d) < 0 || ej_sync_pull(c->s, name, o, &r, &c->d) < 0)
		ej_cli_exit(c);
	git_oid_tostr(from, sizeof from, &r.from);
	git_oid_tostr(to, sizeof to, &r.to);
	if (r.commits == 0)
		ej_note(&c->d, _("up to date (commit %s)"), to);
	else {
		size_t nf = 0;

		for (i = 0; r.paths && r.paths[i]; i++) {
			nf++;
			if (o->verbose)
				fprintf(o->log, "  %s\n", r.paths[i]);
		}
		ej_note(&c->d, _("%s..%s: %zu new commits, %zu files "
		    "reloaded"), from, to, r.commits, nf);
	}
	ej_sync_pull_result_free(&r);
}

static void
status_cmd(struct ej_cli *c, const struct ej_sync_opts *o, int online,
    const char *name)
{
	struct ej_sync_status *st = NULL;
	struct ej_sync_finding *f = NULL;
	size_t n = 0, nf = 0, i;
	char *src = NULL;
	int mirror;

	ej_cli_setup(c, EJ_SETUP_READ);
	if ((mirror = ej_sync_mirror_of(c->s, &src, &c->d)) < 0 ||
	    ej_sync_status_get(c->s, name, &st, &n, &c->d) < 0)
		ej_cli_exit(c);
	if (mirror)
		printf(_("mirror of %s\n"), src);
	for (i = 0; i < n; i++) {
		printf("%s\t%s\t", st[i].name, st[i].url);
		if (st[i].known && st[i].ahead > 0 && st[i].behind > 0)
			printf(_("diverged: ahead %zu, behind %zu"),
			    st[i].ahead, st[i].behind);
		else if (st[i].known)
			printf(_("ahead %zu, behind %zu"), st[i].ahead,
			    st[i].behind);
		else
			printf(_("ahead %zu, never fetched or pushed"),
			    st[i].ahead);
		printf(_("\tlast push %s\tlast pull %s\n"),
		    st[i].pushed_at ? st[i].pushed_at : _("never"),
		    st[i].pulled_at ? st[i].pulled_at : _("never"));
	}
	if (!name) {
		if (ej_sync_audit(c->s, online, (long long)time(NULL), o, &f,
		    &nf, &c->d) < 0)
			ej_cli_exit(c);
		for (i = 0; i < nf; i++)
			printf("%s\t%s\t%s\n", f[i].severity == EJ_SYNC_ERROR ?
			    "error" : "warning", f[i].rule, f[i].detail);
		ej_sync_findings_free(f, nf);
	}
	ej_sync_status_free(st, n);
	free(src);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"identity", required_argument, NULL, 'i'},
		{"verbose", no_argument, NULL, 'v'},
		{"online", no_argument, NULL, OPT_ONLINE},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_sync_opts o = {0};
	const char *cmd;
	int ch, online = 0, nargs;
	char **args;

	ej_cli_init(&c, "ej-sync", usage, argc, argv);
	o.log = stderr;
	/* "+": options end at the subcommand. */
	while ((ch = getopt_long(argc, argv, "+hi:nv", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'i':
			o.identity = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case OPT_ONLINE:
			online = 1;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	if (optind >= argc)
		ej_cli_usage(&c);
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (c.dry_run) {
		/* Nothing here has a dry run worth the name: a push is
		 * undone by nobody. */
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("-n: ej-sync has no dry run"));
		ej_cli_exit(&c);
	}
	if (strcmp(cmd, "remote") == 0)
		remote_cmd(&c, nargs, args);
	else if (strcmp(cmd, "push") == 0 && nargs <= 1)
		push_cmd(&c, &o, nargs ? args[0] : NULL);
	else if (strcmp(cmd, "pull") == 0 && nargs <= 1)
		pull_cmd(&c, &o, nargs ? args[0] : NULL);
	else if (strcmp(cmd, "clone") == 0 && nargs == 2) {
		if (ej_sync_clone(args[0], args[1], &o, &c.d) == 0)
			ej_note(&c.d, _("%s: a mirror of %s"), args[1], args[0]);
	} else if (strcmp(cmd, "status") == 0 && nargs <= 1)
		status_cmd(&c, &o, online, nargs ? args[0] : NULL);
	else
		ej_cli_usage(&c);
	ej_cli_exit(&c);
}
