/*
 * ej-rebuild — a database from the history: at HEAD to replace a lost or
 * damaged ej.db, or at any revision into a file of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"
#include "i18n.h"
#include "priv.h"
#include "store.h"

static const char usage[] =
    "ej-rebuild [-n] [--force] [--store DIR] [--at REV] [--out FILE]";

enum {
	OPT_AT = EJ_OPT_FIRST_LOCAL,
	OPT_FORCE,
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"force", no_argument, NULL, OPT_FORCE},
		{"out", required_argument, NULL, OPT_OUT},
		{NULL, 0, NULL, 0}
	};
	struct ej_rebuild o = {0};
	struct ej_cli c;
	const char *rev = NULL;
	char *dir, *tmp;
	git_oid at;
	int ch, built = 0;

	ej_cli_init(&c, "ej-rebuild", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_AT:
			rev = optarg;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_OUT:
			o.out = optarg;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	if (optind != argc)
		ej_cli_usage(&c);
	o.dry_run = c.dry_run;
	if (ej_store_locate(&dir, c.store_opt, &c.d) < 0)
		ej_cli_exit(&c);
	/* --out: a new file, with the user's rights, made before the work. */
	if (o.out && !o.dry_run &&
	    (o.out_file = ej_user_create(AT_FDCWD, o.out, NULL, NULL,
	    &c.d)) == NULL)
		ej_cli_exit(&c);
	/* Built beside the live database, then put in its place (or copied
	 * to --out): a reader never sees half a database. */
	tmp = ej_xasprintf("%s/ej.db.rebuild-%ld", dir, (long)getpid());
	if (ej_store_open_empty(&c.s, dir, tmp, &c.d) == 0) {
		if (revision(c.s, rev, &at, &c.d) < 0)
			ej_store_discard(c.s);
		else if (ej_history_rebuild(c.s, &at, &o, &c.d) == 0)
			built = 1;
		c.s = NULL;
	}
	if (o.out_file) {
		if (fclose(o.out_file) != 0 && built) {
			ej_error(&c.d, EJ_EXIT_IOERR, o.out, 0, 0, "%s",
			    strerror(errno));
			built = 0;
		}
		/* Failed: no half a database left, removed as the user. */
		if (!built)
			ej_user_unlink(o.out);
	}
	free(tmp);
	free(dir);
	ej_cli_exit(&c);
}
