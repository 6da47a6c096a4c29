/* cli — common options and setup; see cli.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvio.h"
#include "i18n.h"
#include "priv.h"
#include "sync.h"
#include "who.h"

#ifndef EJ_VERSION
#define EJ_VERSION "dev"
#endif

void
ej_cli_init(struct ej_cli *c, const char *prog, const char *usage, int argc,
    char **argv)
{
	/* A setgid command holds its group's rights only for the store. */
	ej_priv_init();
	ej_i18n_init();
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->usage = usage;
	c->argc = argc;
	/* getopt_long() permutes argv: the commit message keeps the
	 * command line in the order it was typed. */
	c->argv = ej_xmalloc(((size_t)argc + 1) * sizeof *c->argv);
	memcpy(c->argv, argv, (size_t)argc * sizeof *c->argv);
	c->argv[argc] = NULL;
	ej_diag_init(&c->d, prog, stderr);
}

_Noreturn void
ej_cli_usage(struct ej_cli *c)
{
	fprintf(stderr, _("usage: %s\n"), c->usage);
	exit(EJ_EXIT_USAGE);
}

int
ej_cli_delimiter(struct ej_cli *c, const char *arg)
{
	int delim;

	if (ej_csv_delim_parse(&delim, arg) < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("-d: a delimiter is ',', ';' or 'tab'"));
		ej_cli_exit(c);
	}
	return delim;
}

int
ej_cli_encoding(struct ej_cli *c, const char *arg)
{
	enum ej_csv_encoding e;

	if (ej_csv_encoding_parse(&e, arg) < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--encoding: auto, utf-8 or cp1251"));
		ej_cli_exit(c);
	}
	return (int)e;
}

int
ej_cli_number(struct ej_cli *c, const char *opt, const char *arg, int lo,
    int hi)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (end == arg || *end || n < lo || n > hi) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s: a number from %d to %d"), opt, lo, hi);
		ej_cli_exit(c);
	}
	return (int)n;
}

int
ej_cli_option(struct ej_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case EJ_OPT_STORE:
		c->store_opt = arg;
		return 1;
	case 'n':
		c->dry_run = 1;
		return 1;
	case 'h':
		printf(_("usage: %s\n"), c->usage);
		printf(_("See %s(1).\n"), c->prog);
		exit(0);
	case EJ_OPT_VERSION:
		printf("%s (ej) %s\n", c->prog, EJ_VERSION);
		exit(0);
	default:
		return 0;
	}
}

void
ej_cli_setup(struct ej_cli *c, int mode)
{
	char *dir;

	if (ej_store_locate(&dir, c->store_opt, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_store_open(&c->s, dir, mode == EJ_SETUP_WRITE ?
	    EJ_STORE_WRITE : EJ_STORE_READ, &c->d) < 0) {
		free(dir);
		ej_cli_exit(c);
	}
	free(dir);
	/* A mirror's readers are the district's, not the school's staff. */
	switch (ej_sync_mirror_actor(c->s, mode == EJ_SETUP_WRITE, &c->d)) {
	case -1:
		ej_cli_exit(c);
	case 1:
		return;
	}
	if (ej_who_resolve(c->s, &c->d) < 0)
		ej_cli_exit(c);
}

int
ej_cli_commit(struct ej_cli *c, const char *summary, const char *reason)
{
	struct ej_commit_info ci = {0};
	struct ej_commit_result res = {0};
	char hex[8];
	size_t i;
	int rc;

	ci.summary = summary;
	ci.reason = reason;
	ci.argc = c->argc;
	ci.argv = c->argv;
	ci.dry_run = c->dry_run;
	rc = ej_store_commit(c->s, &ci, &res, &c->d);
	if (rc == 0)
		ej_note(&c->d, _("no changes"));
	else if (rc > 0 && c->dry_run) {
		ej_note(&c->d, _("%s (dry run: nothing was written)"), summary);
		for (i = 0; res.paths && res.paths[i]; i++)
			fprintf(stderr, "  %s\n", res.paths[i]);
	} else if (rc > 0)
		ej_note(&c->d, "%s (commit %s)", summary,
		    git_oid_tostr(hex, sizeof hex, &res.commit));
	ej_commit_result_free(&res);
	return rc;
}

_Noreturn void
ej_cli_exit(struct ej_cli *c)
{
	ej_store_close(c->s);
	c->s = NULL;
	free(c->argv);
	c->argv = NULL;
	ej_exit(&c->d);
}
