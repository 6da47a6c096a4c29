/*
 * ej-attend — attendance: mark a pupil absent (н), ill (б), excused (у) or
 * late (оп) for a lesson or the whole day, clear it, import a register
 * (long, or the wide sheet of a class × subject), export it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvio.h"
#include "gradebook.h"
#include "i18n.h"
#include "journal.h"

static const char usage[] =
    "ej-attend set [-n] [--force] [--reason R] [-l N | --day] "
    "[--subject SUBJECT] [--subgroup N] CLASS DATE PUPIL CODE\n"
    "       ej-attend rm [-n] [-l N | --day] [--subject SUBJECT] "
    "[--subgroup N] CLASS DATE PUPIL\n"
    "       ej-attend import [-n] [--force] [--reason R] [-d DELIM] "
    "[--encoding ENC] [FILE]\n"
    "       ej-attend import --wide --class CLASS --subject SUBJECT "
    "[--subgroup N] [--replace] [-n] [--force] [--reason R] [-d DELIM] "
    "[--encoding ENC] [FILE]\n"
    "       ej-attend export [--wide] [--class CLASS] [--subject SUBJECT] "
    "[--subgroup N] [--period N] [--from DATE] [--to DATE] [-d DELIM] "
    "[--bom] [--crlf]\n"
    "every form takes --store DIR";

enum {
	OPT_BOM = EJ_OPT_FIRST_LOCAL,
	OPT_CLASS,
	OPT_CRLF,
	OPT_DAY,
	OPT_ENCODING,
	OPT_FORCE,
	OPT_FROM,
	OPT_PERIOD,
	OPT_REASON,
	OPT_REPLACE,
	OPT_SUBGROUP,
	OPT_SUBJECT,
	OPT_TO,
	OPT_WIDE
};

struct opts {
	const char *reason, *class_name, *subject, *from, *to;
	int num, day, force, wide, replace, subgroup, subgroup_set, period;
	struct ej_csv_opts in;
	struct ej_csv_wopts out;
};

/* set and rm: one pupil, one lesson or the day. */
static void
one(struct ej_cli *c, char **av, const char *code, struct opts *o)
{
	struct ej_journal *j;
	struct ej_gb_opts go = {0};
	struct ej_gb_result res;
	int rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	go.kind = EJ_GB_ATTEND;
	go.reason = o->reason;
	go.force = o->force;
	rc = ej_gb_attend_one(j, av[0], av[1], av[2], code, o->subject,
	    o->subgroup, o->num, o->day, &go, &res, &c->d);
	if (rc == 1) {
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s is not marked absent there"), av[2]);
		rc = -1;
	}
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_note(&c->d, _("nothing was written"));
	} else
		ej_gb_finish(c, res.what, &res.st, o->reason, NULL);
	ej_gb_result_free(&res);
	ej_journal_free(j);
	ej_cli_exit(c);
}

static void
import(struct ej_cli *c, const char *file, struct opts *o)
{
	struct ej_gb_opts go = {0};

	/* --class and --subject name the sheet; a long file names its own. */
	if (o->wide != (o->class_name != NULL) ||
	    o->wide != (o->subject != NULL) || (o->replace && !o->wide) ||
	    (o->subgroup_set && !o->wide) || o->day || o->num)
		ej_cli_usage(c);
	go.kind = EJ_GB_ATTEND;
	go.wide = o->wide;
	go.class_name = o->class_name;
	go.subject = o->subject;
	go.subgroup = o->subgroup;
	go.replace = o->replace;
	go.reason = o->reason;
	go.force = o->force;
	ej_gb_cli_import(c, file, &o->in, &go);
}

static void
export(struct ej_cli *c, struct opts *o)
{
	struct ej_gb_filter f = {0};

	if (o->wide && (!o->class_name || !o->subject))
		ej_cli_usage(c);
	f.class_name = o->class_name;
	f.subject = o->subject;
	f.subgroup = o->subgroup_set ? o->subgroup : (o->wide ? 0 : -1);
	f.period = o->period;
	f.from = o->from;
	f.to = o->to;
	ej_gb_cli_export(c, EJ_GB_ATTEND, o->wide, &f, &o->out);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"bom", no_argument, NULL, OPT_BOM},
		{"class", required_argument, NULL, OPT_CLASS},
		{"crlf", no_argument, NULL, OPT_CRLF},
		{"day", no_argument, NULL, OPT_DAY},
		{"delimiter", required_argument, NULL, 'd'},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"force", no_argument, NULL, OPT_FORCE},
		{"from", required_argument, NULL, OPT_FROM},
		{"lesson", required_argument, NULL, 'l'},
		{"period", required_argument, NULL, OPT_PERIOD},
		{"reason", required_argument, NULL, OPT_REASON},
		{"replace", no_argument, NULL, OPT_REPLACE},
		{"subgroup", required_argument, NULL, OPT_SUBGROUP},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"to", required_argument, NULL, OPT_TO},
		{"wide", no_argument, NULL, OPT_WIDE},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	int ch;

	ej_cli_init(&c, "ej-attend", usage, argc, argv);
	memset(&o, 0, sizeof o);
	while ((ch = getopt_long(argc, argv, "d:hl:n", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.in.delim = o.out.delim = ej_cli_delimiter(&c, optarg);
			break;
		case 'l':
			o.num = ej_cli_number(&c, "-l", optarg, 1, 9);
			break;
		case OPT_BOM:
			o.out.bom = 1;
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_CRLF:
			o.out.crlf = 1;
			break;
		case OPT_DAY:
			o.day = 1;
			break;
		case OPT_ENCODING:
			o.in.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_PERIOD:
			o.period = ej_cli_number(&c, "--period", optarg, 1, 9);
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_REPLACE:
			o.replace = 1;
			break;
		case OPT_SUBGROUP:
			o.subgroup = ej_cli_number(&c, "--subgroup", optarg, 0, 9);
			o.subgroup_set = 1;
			break;
		case OPT_SUBJECT:
			o.subject = optarg;
			break;
		case OPT_TO:
			o.to = optarg;
			break;
		case OPT_WIDE:
			o.wide = 1;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (o.day && o.num))
		ej_cli_usage(&c);
	cmd = argv[0];
	if (strcmp(cmd, "set") == 0 && argc == 5)
		one(&c, argv + 1, argv[4], &o);
	else if (strcmp(cmd, "rm") == 0 && argc == 4)
		one(&c, argv + 1, NULL, &o);
	else if (strcmp(cmd, "import") == 0 && argc <= 2)
		import(&c, argc == 2 ? argv[1] : NULL, &o);
	else if (strcmp(cmd, "export") == 0 && argc == 1)
		export(&c, &o);
	ej_cli_usage(&c);
}
