/*
 * ej-grade — marks: set one, remove one with a reason; (import, export
 * and period marks live beside them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "i18n.h"
#include "journal.h"
#include "terms.h"
#include "who.h"

static const char usage[] =
    "ej-grade set [-n] [--force] [-l N] [-w WORK] [--reason R] CLASS SUBJECT "
    "DATE PUPIL MARK\n"
    "       ej-grade rm [-n] [-l N] [--second] --reason R CLASS SUBJECT DATE "
    "PUPIL\n"
    "every form takes --store DIR";

enum {
	OPT_REASON = EJ_OPT_FIRST_LOCAL,
	OPT_FORCE,
	OPT_SECOND
};

struct opts {
	const char *work, *reason;
	int num, force, second;
};

/* Commit the run's change with its summary; the last step of every write. */
static void
finish(struct ej_cli *c, const char *what, struct ej_journal_stats *st,
    const char *reason)
{
	struct ej_commit_info ci = {0};
	struct ej_commit_result res = {0};
	char *summary = ej_journal_summary(what, st), hex[8];
	int rc;

	ci.summary = summary;
	ci.reason = reason;
	ci.argc = c->argc;
	ci.argv = c->argv;
	ci.dry_run = c->dry_run;
	rc = ej_store_commit(c->s, &ci, &res, &c->d);
	if (rc == 0)
		ej_note(&c->d, _("no changes"));
	else if (rc > 0 && c->dry_run)
		ej_note(&c->d, _("%s (dry run: nothing was written)"), summary);
	else if (rc > 0)
		ej_note(&c->d, "%s (commit %s)", summary,
		    git_oid_tostr(hex, sizeof hex, &res.commit));
	ej_commit_result_free(&res);
	free(summary);
}

/* set and rm: one cell given on the command line. */
static void
one(struct ej_cli *c, int rm, char **av, struct opts *o)
{
	struct ej_journal *j;
	struct ej_journal_stats st = {0};
	long long cls, subj, pupil, lesson, work = 0;
	char mark[16], *what;
	int date, bad = 0, rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if ((cls = ej_journal_class(j, av[0], NULL)) == 0)
		bad++;
	if ((subj = ej_journal_subject(j, av[1], NULL)) == 0)
		bad++;
	if (ej_journal_date(j, av[2], &date, NULL) < 0)
		bad++;
	if (bad) {
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (ej_journal_may_write(j, cls, subj, NULL) < 0 ||
	    (pupil = ej_journal_pupil(j, av[3], cls, date, NULL)) == 0 ||
	    (!rm && (ej_journal_mark(j, subj, av[4], mark, NULL) < 0 ||
	    (work = ej_journal_work(j, o->work, NULL)) == 0))) {
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	{
		int created = 0;

		lesson = ej_journal_lesson(j, cls, subj, 0, date, o->num, !rm, 0,
		    &created, NULL);
		if (created)
			st.lessons_added++;
	}
	if (lesson < 0)
		rc = -1;
	else if (rm && lesson == 0)
		rc = 1;
	else if (rm)
		rc = ej_journal_rm_mark(j, lesson, pupil, o->second ? 2 : 1,
		    o->reason, &st, NULL);
	else
		rc = ej_journal_set_mark(j, lesson, pupil, o->second ? 2 : 1,
		    mark, work, o->reason, o->force, &st, NULL);
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_journal_free(j);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	if (rm && rc == 1) {
		ej_store_rollback(c->s);
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s has no mark there"), av[3]);
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	what = ej_xasprintf("%s %s", ej_journal_class_name(j, cls),
	    ej_journal_subject_name(j, subj));
	finish(c, what, &st, o->reason);
	free(what);
	ej_journal_free(j);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"lesson", required_argument, NULL, 'l'},
		{"work", required_argument, NULL, 'w'},
		{"reason", required_argument, NULL, OPT_REASON},
		{"force", no_argument, NULL, OPT_FORCE},
		{"second", no_argument, NULL, OPT_SECOND},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	int ch;

	ej_cli_init(&c, "ej-grade", usage, argc, argv);
	/* Period marks have their own options: handed over whole. */
	if (argc > 1 && strcmp(argv[1], "term") == 0)
		ej_terms_main(&c, argc - 1, argv + 1);
	memset(&o, 0, sizeof o);
	o.num = 1;
	while ((ch = getopt_long(argc, argv, "hl:nw:", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'l':
			o.num = atoi(optarg);
			if (o.num < 1 || o.num > 9)
				ej_cli_usage(&c);
			break;
		case 'w':
			o.work = optarg;
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_SECOND:
			o.second = 1;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ej_cli_usage(&c);
	cmd = argv[0];
	if (strcmp(cmd, "set") == 0 && argc == 6)
		one(&c, 0, argv + 1, &o);
	else if (strcmp(cmd, "rm") == 0 && argc == 5)
		one(&c, 1, argv + 1, &o);
	ej_cli_usage(&c);
}
