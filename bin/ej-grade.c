/*
 * ej-grade — marks: set one, remove one with a reason, import a gradebook
 * (long, or the wide sheet of a class × subject), export it back; period
 * marks ("term") are lib/terms.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvio.h"
#include "gradebook.h"
#include "i18n.h"
#include "journal.h"
#include "terms.h"
#include "text.h"
#include "who.h"

static const char usage[] =
    "ej-grade set [-n] [--force] [-l N] [-w WORK] [--reason R] CLASS SUBJECT "
    "DATE PUPIL MARK\n"
    "       ej-grade rm [-n] [-l N] [--second] --reason R CLASS SUBJECT DATE "
    "PUPIL\n"
    "       ej-grade import [-n] [--force] [--reason R] [-d DELIM] "
    "[--encoding ENC] [FILE]\n"
    "       ej-grade import --wide --class CLASS --subject SUBJECT "
    "[--subgroup N] [--replace] [-n] [--force] [--reason R] [-d DELIM] "
    "[--encoding ENC] [FILE]\n"
    "       ej-grade export [--wide] [--class CLASS] [--subject SUBJECT] "
    "[--subgroup N] [--period N] [--from DATE] [--to DATE] [-d DELIM] "
    "[--bom] [--crlf]\n"
    "       ej-grade term set|rm|import|export|suggest ...\n"
    "every form takes --store DIR";

enum {
	OPT_REASON = EJ_OPT_FIRST_LOCAL,
	OPT_FORCE,
	OPT_SECOND,
	OPT_WIDE,
	OPT_CLASS,
	OPT_SUBJECT,
	OPT_SUBGROUP,
	OPT_REPLACE,
	OPT_PERIOD,
	OPT_FROM,
	OPT_TO,
	OPT_ENCODING,
	OPT_BOM,
	OPT_CRLF
};

struct opts {
	struct ej_gb_cliopts g;      /* import and export */
	const char *work;
	int num, second;
};

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
		    o->g.reason, &st, NULL);
	else
		rc = ej_journal_set_mark(j, lesson, pupil, o->second ? 2 : 1,
		    mark, work, o->g.reason, o->g.force, &st, NULL);
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
	ej_gb_finish(c, what, &st, o->g.reason, NULL);
	free(what);
	ej_journal_free(j);
	ej_cli_exit(c);
}


int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"bom", no_argument, NULL, OPT_BOM},
		{"class", required_argument, NULL, OPT_CLASS},
		{"crlf", no_argument, NULL, OPT_CRLF},
		{"delimiter", required_argument, NULL, 'd'},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"force", no_argument, NULL, OPT_FORCE},
		{"from", required_argument, NULL, OPT_FROM},
		{"lesson", required_argument, NULL, 'l'},
		{"period", required_argument, NULL, OPT_PERIOD},
		{"reason", required_argument, NULL, OPT_REASON},
		{"replace", no_argument, NULL, OPT_REPLACE},
		{"second", no_argument, NULL, OPT_SECOND},
		{"subgroup", required_argument, NULL, OPT_SUBGROUP},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"to", required_argument, NULL, OPT_TO},
		{"wide", no_argument, NULL, OPT_WIDE},
		{"work", required_argument, NULL, 'w'},
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
	while ((ch = getopt_long(argc, argv, "d:hl:nw:", longopts, NULL)) !=
	    -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.g.in.delim = o.g.out.delim = ej_cli_delimiter(&c, optarg);
			break;
		case 'l':
			o.num = ej_cli_number(&c, "-l", optarg, 1, 9);
			break;
		case 'w':
			o.work = optarg;
			break;
		case OPT_BOM:
			o.g.out.bom = 1;
			break;
		case OPT_CLASS:
			o.g.class_name = optarg;
			break;
		case OPT_CRLF:
			o.g.out.crlf = 1;
			break;
		case OPT_ENCODING:
			o.g.in.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_FORCE:
			o.g.force = 1;
			break;
		case OPT_FROM:
			o.g.from = optarg;
			break;
		case OPT_PERIOD:
			o.g.period = ej_cli_number(&c, "--period", optarg, 1, 9);
			break;
		case OPT_REASON:
			if (ej_text_arg(&c.d, "--reason", optarg) < 0)
				ej_cli_exit(&c);
			o.g.reason = optarg;
			break;
		case OPT_REPLACE:
			o.g.replace = 1;
			break;
		case OPT_SECOND:
			o.second = 1;
			break;
		case OPT_SUBGROUP:
			o.g.subgroup = ej_cli_number(&c, "--subgroup", optarg, 0, 9);
			o.g.subgroup_set = 1;
			break;
		case OPT_SUBJECT:
			o.g.subject = optarg;
			break;
		case OPT_TO:
			o.g.to = optarg;
			break;
		case OPT_WIDE:
			o.g.wide = 1;
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
	else if (strcmp(cmd, "import") == 0 && argc <= 2)
		ej_gb_cli_import_cmd(&c, EJ_GB_MARKS, argc == 2 ? argv[1] : NULL,
		    &o.g);
	else if (strcmp(cmd, "export") == 0 && argc == 1)
		ej_gb_cli_export_cmd(&c, EJ_GB_MARKS, &o.g);
	ej_cli_usage(&c);
}
