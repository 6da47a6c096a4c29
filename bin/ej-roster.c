/*
 * ej-roster — pupils, parents, staff, class membership and teaching load:
 * import from the office's spreadsheets, export back, list a class.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvio.h"
#include "date.h"
#include "history.h"
#include "i18n.h"
#include "roster.h"
#include "who.h"

static const char usage[] =
    "ej-roster import [-n] [--strict] [-d DELIM] [--encoding ENC] "
    "[--date DATE] KIND [FILE]\n"
    "       ej-roster export [-d DELIM] [--bom] [--crlf] [--class CLASS] "
    "[--date DATE] KIND\n"
    "       ej-roster list [--class CLASS] [--date DATE]\n"
    "KIND: pupils, parents, staff, load or moves; "
    "every form takes --store DIR";

enum {
	OPT_ENCODING = EJ_OPT_FIRST_LOCAL,
	OPT_STRICT,
	OPT_DATE,
	OPT_CLASS,
	OPT_BOM,
	OPT_CRLF
};

struct opts {
	struct ej_csv_opts in;
	struct ej_csv_wopts out;
	const char *class_name;
	const char *date;
};

static int
kind_arg(struct ej_cli *c, const char *s)
{
	int k = ej_roster_kind_parse(s);

	if (k < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("unknown kind \"%s\": pupils, parents, staff, load or "
		    "moves"), s);
		ej_cli_exit(c);
	}
	return k;
}

/* --date as a school date (DD.MM taken in the store's year). */
static int
date_arg(struct ej_cli *c, const char *s)
{
	struct ej_yearctx yc = {0};
	long long yid;
	int y, m, d, date;

	if (!s)
		return 0;
	if (ej_roster_year(c->s, &yid, &yc.start, &yc.end, &c->d) < 0)
		ej_cli_exit(c);
	ej_date_to_ymd(yc.start, &y, &m, &d);
	yc.first_year = y;
	if (ej_date_parse(s, &yc, &date) < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("--date: \"%s\" is not a date"), s);
		ej_cli_exit(c);
	}
	return date;
}

static void
import(struct ej_cli *c, int kind, const char *file, struct opts *o)
{
	struct ej_csv_reader *r;
	struct ej_roster_stats st;
	const struct ej_csv_col *cols;
	char *summary;
	size_t ncols;
	int rc, date;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_who_require(c->s, EJ_ROLE_SECRETARY | EJ_ROLE_DEPUTY,
	    _("import the roster"), &c->d) < 0)
		ej_cli_exit(c);
	date = date_arg(c, o->date);
	cols = ej_roster_columns(kind, &ncols);
	if (ej_csv_open(&r, file ? file : "-", cols, ncols, &o->in,
	    &c->d) < 0) {
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_csv_reader_free(r);
		ej_cli_exit(c);
	}
	rc = ej_roster_import(c->s, kind, r, date, &st, &c->d);
	if (ej_csv_encoding(r) == EJ_CSV_ENC_CP1251)
		ej_note(&c->d, _("%s: read as CP1251"), ej_csv_name(r));
	ej_csv_reader_free(r);
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_roster_stats_free(&st);
		ej_diag_flush(&c->d);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	summary = ej_roster_summary(kind, &st);
	ej_cli_commit(c, summary, NULL);
	ej_roster_stats_free(&st);
	free(summary);
	ej_cli_exit(c);
}

static void
export(struct ej_cli *c, int kind, struct opts *o)
{
	struct ej_csv_writer *w;
	int date;

	ej_cli_setup(c, EJ_SETUP_READ);
	date = date_arg(c, o->date);
	if (ej_csv_writer_new(&w, stdout, &o->out) < 0) {
		ej_error(&c->d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
		ej_cli_exit(c);
	}
	if (ej_roster_export(c->s, kind, o->class_name, date, w, &c->d) == 0)
		ej_csv_writer_finish(w, "stdout", &c->d);
	ej_csv_writer_free(w);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"delimiter", required_argument, NULL, 'd'},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"date", required_argument, NULL, OPT_DATE},
		{"class", required_argument, NULL, OPT_CLASS},
		{"bom", no_argument, NULL, OPT_BOM},
		{"crlf", no_argument, NULL, OPT_CRLF},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	int ch;

	ej_cli_init(&c, "ej-roster", usage, argc, argv);
	memset(&o, 0, sizeof o);
	while ((ch = getopt_long(argc, argv, "d:hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.in.delim = o.out.delim = ej_cli_delimiter(&c, optarg);
			break;
		case OPT_ENCODING:
			o.in.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_STRICT:
			o.in.strict = 1;
			break;
		case OPT_DATE:
			o.date = optarg;
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_BOM:
			o.out.bom = 1;
			break;
		case OPT_CRLF:
			o.out.crlf = 1;
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
	if (strcmp(cmd, "import") == 0 && (argc == 2 || argc == 3))
		import(&c, kind_arg(&c, argv[1]), argc == 3 ? argv[2] : NULL,
		    &o);
	else if (strcmp(cmd, "export") == 0 && argc == 2)
		export(&c, kind_arg(&c, argv[1]), &o);
	else if (strcmp(cmd, "list") == 0 && argc == 1) {
		ej_cli_setup(&c, EJ_SETUP_READ);
		ej_roster_list(c.s, o.class_name, date_arg(&c, o.date), stdout,
		    &c.d);
		ej_cli_exit(&c);
	}
	ej_cli_usage(&c);
}
