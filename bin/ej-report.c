/*
 * ej-report — the journal page, a pupil's diary, the term summary,
 * attendance, success statistics, pupils at risk, teachers, the help
 * schedule and the rollout plan, as text, CSV, TSV, JSON or HTML; as the
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
    "[--format FORMAT] [--as-of DATE|REV] [--store DIR]\n"
    "KIND: journal, diary, summary, attendance, quality, risk, teachers, "
    "helpdesk, plan\n"
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
	OPT_AS_OF
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
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
		{"week", required_argument, NULL, OPT_WEEK},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_report_opts o = { 0 };
	struct ej_store *past = NULL, *live;
	const char *format = "text", *as_of = NULL;
	int ch;

	ej_cli_init(&c, "ej-report", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
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
		    "quality, risk, teachers, helpdesk, plan)"), argv[optind]);
		ej_cli_exit(&c);
	}
	if (ej_format_parse(format, EJ_FMT_ALL, &o.format, &c.d) < 0)
		ej_cli_exit(&c);
	if (o.mail_dir && o.kind != EJ_REPORT_DIARY) {
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("--mail goes with diary"));
		ej_cli_exit(&c);
	}
	ej_cli_setup(&c, EJ_SETUP_READ);
	live = c.s;
	if (as_of != NULL &&
	    ej_report_as_of(live, as_of, &past, &o.today, &c.d) < 0)
		ej_cli_exit(&c);
	ej_report_run(past ? past : live, &o, stdout, &c.d);
	ej_report_as_of_free(past);
	ej_cli_exit(&c);
}
