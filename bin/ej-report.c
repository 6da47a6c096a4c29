/*
 * ej-report — the journal page, a pupil's diary, the term summary,
 * attendance, success statistics, pupils at risk, teachers, the help
 * schedule, the rollout plan and who is not informed, as text, CSV, TSV, JSON or HTML; as the
 * journal stands, or as it stood at a date or revision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "report.h"
#include "table.h"

static const char usage[] =
    "ej-report KIND [--class CLASS] [--parallel N] [--subject SUBJECT] "
    "[--teacher WHO] [--pupil PUPIL] [--period PERIOD] [--from DATE] "
    "[--to DATE] [--week DATE] [--by GROUP] [--now] [--mail DIR] "
    "[--views FILE]... [--all] [--format FORMAT] [--as-of DATE|REV] "
    "[--store DIR]\n"
    "KIND: journal, diary, summary, attendance, quality, risk, teachers, "
    "helpdesk, plan, informed\n"
    "FORMAT: text, csv, tsv, json, html";

enum {
	OPT_CLASS = EJ_OPT_FIRST_LOCAL,
	OPT_PARALLEL,
	OPT_SUBJECT,
	OPT_TEACHER,
	OPT_PUPIL,
	OPT_PERIOD,
	OPT_FROM,
	OPT_TO,
	OPT_WEEK,
	OPT_BY,
	OPT_NOW,
	OPT_MAIL,
	OPT_FORMAT,
	OPT_AS_OF,
	OPT_VIEWS,
	OPT_ALL
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"all", no_argument, NULL, OPT_ALL},
		{"as-of", required_argument, NULL, OPT_AS_OF},
		{"by", required_argument, NULL, OPT_BY},
		{"class", required_argument, NULL, OPT_CLASS},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"from", required_argument, NULL, OPT_FROM},
		{"mail", required_argument, NULL, OPT_MAIL},
		{"now", no_argument, NULL, OPT_NOW},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"period", required_argument, NULL, OPT_PERIOD},
		{"pupil", required_argument, NULL, OPT_PUPIL},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"teacher", required_argument, NULL, OPT_TEACHER},
		{"to", required_argument, NULL, OPT_TO},
		{"views", required_argument, NULL, OPT_VIEWS},
		{"week", required_argument, NULL, OPT_WEEK},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_report_opts o = { 0 };
	struct ej_store *past = NULL, *live;
	const char *format = "text", *as_of = NULL;
	const char **views = NULL;
	size_t nviews = 0;
	int ch, mailed = 0;

	ej_cli_init(&c, "ej-report", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_ALL:
			o.all = 1;
			break;
		case OPT_AS_OF:
			as_of = optarg;
			break;
		case OPT_BY:
			o.by = optarg;
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_MAIL:
			o.mail_dir = optarg;
			break;
		case OPT_NOW:
			o.now = 1;
			break;
		case OPT_PARALLEL:
			o.parallel = ej_cli_number(&c, "--parallel", optarg, 1,
			    11);
			break;
		case OPT_PERIOD:
			o.period = optarg;
			break;
		case OPT_PUPIL:
			o.pupil = optarg;
			break;
		case OPT_SUBJECT:
			o.subject = optarg;
			break;
		case OPT_TEACHER:
			o.teacher = optarg;
			break;
		case OPT_TO:
			o.to = optarg;
			break;
		case OPT_VIEWS:
			views = ej_xrealloc(views, (nviews + 1) * sizeof *views);
			views[nviews++] = optarg;
			break;
		case OPT_WEEK:
			o.week = optarg;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	if (optind + 1 != argc)
		ej_cli_usage(&c);
	if ((o.kind = ej_report_kind_parse(argv[optind])) < 0) {
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, _("unknown report "
		    "\"%s\" (one of: journal, diary, summary, attendance, "
		    "quality, risk, teachers, helpdesk, plan, informed)"),
		    argv[optind]);
		ej_cli_exit(&c);
	}
	if (ej_format_parse(format, EJ_FMT_ALL, &o.format, &c.d) < 0)
		ej_cli_exit(&c);
	if (o.mail_dir && o.kind != EJ_REPORT_DIARY) {
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--mail goes with diary"));
		ej_cli_exit(&c);
	}
	if ((nviews || o.all) && o.kind != EJ_REPORT_INFORMED) {
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--views and --all go with informed"));
		ej_cli_exit(&c);
	}
	o.views = views;
	o.nviews = nviews;
	/* Mailing the diaries is recorded: one commit (ej-report(1)). */
	ej_cli_setup(&c, o.mail_dir ? EJ_SETUP_WRITE : EJ_SETUP_READ);
	live = c.s;
	if (as_of != NULL &&
	    ej_report_as_of(live, as_of, &past, &o.today, &c.d) < 0)
		goto out;
	if (o.mail_dir) {
		if (ej_store_begin(live, &c.d) < 0)
			goto out;
		o.record = live;
		o.mailed = &mailed;
	}
	if (ej_report_run(past ? past : live, &o, stdout, &c.d) == 0 &&
	    o.mail_dir && ej_diag_status(&c.d) == 0) {
		char *summary = ej_xasprintf(_("Diaries mailed: %d messages"),
		    mailed);

		ej_cli_commit(&c, summary, NULL);
		free(summary);
	} else if (o.mail_dir) {
		ej_store_rollback(live);
	}
out:
	ej_report_as_of_free(past);
	free(views);
	ej_cli_exit(&c);
}
