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
#include "text.h"

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
	struct ej_gb_cliopts g;      /* import and export */
	int num, day;
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
	go.reason = o->g.reason;
	go.force = o->g.force;
	rc = ej_gb_attend_one(j, av[0], av[1], av[2], code, o->g.subject,
	    o->g.subgroup, o->num, o->day, &go, &res, &c->d);
	if (rc == 1) {
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s is not marked absent there"), av[2]);
		rc = -1;
	}
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_note(&c->d, _("nothing was written"));
	} else
		ej_gb_finish(c, res.what, &res.st, o->g.reason, NULL);
	ej_gb_result_free(&res);
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
			o.g.in.delim = o.g.out.delim = ej_cli_delimiter(&c, optarg);
			break;
		case 'l':
			o.num = ej_cli_number(&c, "-l", optarg, 1, 9);
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
		case OPT_DAY:
			o.day = 1;
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
	if (argc < 1 || (o.day && o.num))
		ej_cli_usage(&c);
	cmd = argv[0];
	if (strcmp(cmd, "set") == 0 && argc == 5)
		one(&c, argv + 1, argv[4], &o);
	else if (strcmp(cmd, "rm") == 0 && argc == 4)
		one(&c, argv + 1, NULL, &o);
	else if (strcmp(cmd, "import") == 0 && argc <= 2 && !o.day && !o.num)
		ej_gb_cli_import_cmd(&c, EJ_GB_ATTEND, argc == 2 ? argv[1] :
		    NULL, &o.g);
	else if (strcmp(cmd, "export") == 0 && argc == 1)
		ej_gb_cli_export_cmd(&c, EJ_GB_ATTEND, &o.g);
	ej_cli_usage(&c);
}
