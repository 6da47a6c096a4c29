/*
 * ej-lesson — the lessons of the journal: set today's topic and homework,
 * import a calendar-thematic plan or a lesson log, export, list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvio.h"
#include "history.h"
#include "i18n.h"
#include "journal.h"
#include "lessons.h"
#include "text.h"

static const char usage[] =
    "ej-lesson set [-n] [-l N] [--subgroup G] [--topic T] [--homework H] "
    "[--teacher LOGIN] CLASS SUBJECT DATE\n"
    "       ej-lesson import [-n] [--strict] [-d DELIM] [--encoding ENC] "
    "[--class CLASS] [--subject SUBJECT] [FILE]\n"
    "       ej-lesson export [-d DELIM] [--bom] [--crlf] [--class CLASS] "
    "[--subject SUBJECT] [--from DATE] [--to DATE]\n"
    "       ej-lesson list --class CLASS --subject SUBJECT [--from DATE] "
    "[--to DATE]\n"
    "every form takes --store DIR";

enum {
	OPT_SUBGROUP = EJ_OPT_FIRST_LOCAL,
	OPT_TOPIC,
	OPT_HOMEWORK,
	OPT_TEACHER,
	OPT_STRICT,
	OPT_ENCODING,
	OPT_CLASS,
	OPT_SUBJECT,
	OPT_FROM,
	OPT_TO,
	OPT_BOM,
	OPT_CRLF
};

struct opts {
	struct ej_lesson_in in;
	struct ej_lessons_filter f;
	struct ej_csv_opts csvin;
	struct ej_csv_wopts csvout;
};

/* Commit the run's change with its summary; the last step of a write. */
static void
finish(struct ej_cli *c, const char *what, struct ej_journal_stats *st)
{
	char *summary = ej_journal_summary(what, st);

	ej_cli_commit(c, summary, NULL);
	free(summary);
}

/* A refused write: nothing of it stays. */
_Noreturn static void
refuse(struct ej_cli *c, struct ej_journal *j, char *what)
{
	ej_store_rollback(c->s);
	ej_journal_free(j);
	free(what);
	ej_diag_flush(&c->d);
	ej_note(&c->d, _("nothing was written"));
	ej_cli_exit(c);
}

static void
set(struct ej_cli *c, char **av, struct opts *o)
{
	struct ej_journal *j;
	struct ej_journal_stats st = {0};
	char *what = NULL;

	o->in.class_name = av[0];
	o->in.subject = av[1];
	o->in.date = av[2];
	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (ej_lessons_set(j, &o->in, &st, &what, &c->d) < 0)
		refuse(c, j, what);
	finish(c, what, &st);
	free(what);
	ej_journal_free(j);
	ej_cli_exit(c);
}

static void
import(struct ej_cli *c, const char *file, struct opts *o)
{
	struct ej_csv_col cols[EJ_LESSON_NCOLS];
	struct ej_csv_reader *r;
	struct ej_journal *j;
	struct ej_journal_stats st = {0};
	char *what = NULL;
	int rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	ej_lessons_columns(cols, o->f.class_name != NULL,
	    o->f.subject != NULL);
	if (ej_csv_open(&r, file ? file : "-", cols, EJ_LESSON_NCOLS,
	    &o->csvin, &c->d) < 0) {
		ej_journal_free(j);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_csv_reader_free(r);
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	rc = ej_lessons_import(j, r, o->f.class_name, o->f.subject, &st, &what,
	    &c->d);
	if (ej_csv_encoding(r) == EJ_CSV_ENC_CP1251)
		ej_note(&c->d, _("%s: read as CP1251"), ej_csv_name(r));
	ej_csv_reader_free(r);
	if (rc < 0)
		refuse(c, j, what);
	finish(c, what, &st);
	free(what);
	ej_journal_free(j);
	ej_cli_exit(c);
}

static void
export(struct ej_cli *c, struct opts *o)
{
	struct ej_csv_writer *w;
	struct ej_journal *j;

	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_csv_writer_new(&w, stdout, &o->csvout) < 0) {
		ej_error(&c->d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
		ej_journal_free(j);
		ej_cli_exit(c);
	}
	if (ej_lessons_export(j, &o->f, w, &c->d) == 0)
		ej_csv_writer_finish(w, "stdout", &c->d);
	ej_csv_writer_free(w);
	ej_journal_free(j);
	ej_cli_exit(c);
}

static void
list(struct ej_cli *c, struct opts *o)
{
	struct ej_journal *j;

	if (!o->f.class_name || !o->f.subject)
		ej_cli_usage(c);
	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_journal_open(&j, c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_lessons_list(j, &o->f, stdout, &c->d) == 0 &&
	    (fflush(stdout) != 0 || ferror(stdout)))
		ej_error(&c->d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
	ej_journal_free(j);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"lesson", required_argument, NULL, 'l'},
		{"delimiter", required_argument, NULL, 'd'},
		{"subgroup", required_argument, NULL, OPT_SUBGROUP},
		{"topic", required_argument, NULL, OPT_TOPIC},
		{"homework", required_argument, NULL, OPT_HOMEWORK},
		{"teacher", required_argument, NULL, OPT_TEACHER},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"class", required_argument, NULL, OPT_CLASS},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"bom", no_argument, NULL, OPT_BOM},
		{"crlf", no_argument, NULL, OPT_CRLF},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	char *av[argc + 1];
	int ch;

	/* getopt_long permutes what it parses; the commit message keeps
	 * the command line as it was typed ("set 5А Алгебра 15.09 --topic
	 * …"), so options are parsed from a copy. */
	memcpy(av, argv, (argc + 1) * sizeof *av);
	ej_cli_init(&c, "ej-lesson", usage, argc, argv);
	memset(&o, 0, sizeof o);
	argv = av;
	while ((ch = getopt_long(argc, argv, "d:hl:n", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.csvin.delim = o.csvout.delim = ej_cli_delimiter(&c, optarg);
			break;
		case 'l':
			o.in.num = optarg;
			break;
		case OPT_SUBGROUP:
			o.in.subgroup = optarg;
			break;
		case OPT_TOPIC:
			if (ej_text_arg(&c.d, "--topic", optarg) < 0)
				ej_cli_exit(&c);
			o.in.topic = optarg;
			break;
		case OPT_HOMEWORK:
			if (ej_text_arg(&c.d, "--homework", optarg) < 0)
				ej_cli_exit(&c);
			o.in.homework = optarg;
			break;
		case OPT_TEACHER:
			o.in.teacher = optarg;
			break;
		case OPT_STRICT:
			o.csvin.strict = 1;
			break;
		case OPT_ENCODING:
			o.csvin.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_CLASS:
			o.f.class_name = optarg;
			break;
		case OPT_SUBJECT:
			o.f.subject = optarg;
			break;
		case OPT_FROM:
			o.f.from = optarg;
			break;
		case OPT_TO:
			o.f.to = optarg;
			break;
		case OPT_BOM:
			o.csvout.bom = 1;
			break;
		case OPT_CRLF:
			o.csvout.crlf = 1;
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
	if (strcmp(cmd, "set") == 0 && argc == 4)
		set(&c, argv + 1, &o);
	else if (strcmp(cmd, "import") == 0 && argc <= 2)
		import(&c, argc == 2 ? argv[1] : NULL, &o);
	else if (strcmp(cmd, "export") == 0 && argc == 1)
		export(&c, &o);
	else if (strcmp(cmd, "list") == 0 && argc == 1)
		list(&c, &o);
	ej_cli_usage(&c);
}
