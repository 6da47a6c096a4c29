/*
 * ej-consent — parents' applications for e-diary access and consents to
 * processing personal data: record, refuse, revoke, import, list what is
 * missing, print the prefilled application forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "consent.h"
#include "csvio.h"
#include "i18n.h"
#include "roster.h"
#include "text.h"
#include "who.h"

static const char usage[] =
    "ej-consent record [-n] --pupil P --kind KIND --date DATE "
    "[--form-no N] [PARENT]\n"
    "       ej-consent refuse [-n] --pupil P --kind KIND --date DATE "
    "[--reason R] [PARENT]\n"
    "       ej-consent revoke [-n] --pupil P --kind KIND --date DATE "
    "--reason R [PARENT]\n"
    "       ej-consent import [-n] [-d DELIM] [--encoding ENC] [FILE]\n"
    "       ej-consent list [--class CLASS] [--missing]\n"
    "       ej-consent forms --class CLASS [--format html|text]\n"
    "KIND: ediary or personal-data; every form takes --store DIR";

enum {
	OPT_PUPIL = EJ_OPT_FIRST_LOCAL,
	OPT_KIND,
	OPT_DATE,
	OPT_FORM_NO,
	OPT_REASON,
	OPT_ENCODING,
	OPT_CLASS,
	OPT_MISSING,
	OPT_FORMAT
};

struct opts {
	struct ej_consent_change ch;
	struct ej_csv_opts in;
	const char *class_name;
	int missing;
	int html;
};

/* The write commands: one transaction, one commit. */
static void
change(struct ej_cli *c, const char *status, const char *parent,
    const char *file, struct opts *o)
{
	struct ej_consent_stats st = {0};
	struct ej_csv_reader *r = NULL;
	const struct ej_csv_col *cols;
	char *summary;
	size_t ncols;
	int rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_who_require(c->s, EJ_ROLE_CLASSTEACHER,
	    _("record applications and consents"), &c->d) < 0)
		ej_cli_exit(c);
	if (!status) {
		cols = ej_consent_columns(&ncols);
		if (ej_csv_open(&r, file ? file : "-", cols, ncols, &o->in,
		    &c->d) < 0) {
			ej_note(&c->d, _("nothing was written"));
			ej_cli_exit(c);
		}
	}
	if (ej_store_begin(c->s, &c->d) < 0) {
		ej_csv_reader_free(r);
		ej_cli_exit(c);
	}
	if (r) {
		rc = ej_consent_import(c->s, r, &st, &c->d);
		if (ej_csv_encoding(r) == EJ_CSV_ENC_CP1251)
			ej_note(&c->d, _("%s: read as CP1251"), ej_csv_name(r));
		ej_csv_reader_free(r);
	} else {
		o->ch.parent = parent;
		o->ch.status = status;
		rc = ej_consent_apply(c->s, &o->ch, NULL, 0, &st, &c->d);
		if (rc == 0)
			rc = ej_consent_enforce(c->s, &st, &c->d);
	}
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_consent_stats_free(&st);
		ej_diag_flush(&c->d);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	summary = ej_consent_summary(&st);
	ej_cli_commit(c, summary, o->ch.reason);
	free(summary);
	ej_consent_stats_free(&st);
	ej_cli_exit(c);
}

static long long
class_arg(struct ej_cli *c, const char *name)
{
	long long id;

	if (!name)
		return 0;
	if ((id = ej_roster_find_class(c->s, name)) == 0) {
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no class \"%s\""), name);
		ej_cli_exit(c);
	}
	return id;
}

static void
report(struct ej_cli *c, int forms, struct opts *o)
{
	struct ej_csv_writer *w;
	long long cid;

	ej_cli_setup(c, EJ_SETUP_READ);
	cid = class_arg(c, o->class_name);
	if (ej_consent_may_class(c->s, cid, EJ_ROLE_DEPUTY, &c->d) < 0)
		ej_cli_exit(c);
	if (forms) {
		if (ej_consent_forms(c->s, cid, o->html, stdout, &c->d) == 0 &&
		    (fflush(stdout) != 0 || ferror(stdout)))
			ej_error(&c->d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
		ej_cli_exit(c);
	}
	if (ej_csv_writer_new(&w, stdout, NULL) < 0)
		ej_cli_exit(c);
	if (ej_consent_list(c->s, cid, o->missing, w, &c->d) == 0)
		ej_csv_writer_finish(w, "stdout", &c->d);
	ej_csv_writer_free(w);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"pupil", required_argument, NULL, OPT_PUPIL},
		{"kind", required_argument, NULL, OPT_KIND},
		{"date", required_argument, NULL, OPT_DATE},
		{"form-no", required_argument, NULL, OPT_FORM_NO},
		{"reason", required_argument, NULL, OPT_REASON},
		{"delimiter", required_argument, NULL, 'd'},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"class", required_argument, NULL, OPT_CLASS},
		{"missing", no_argument, NULL, OPT_MISSING},
		{"format", required_argument, NULL, OPT_FORMAT},
		{NULL, 0, NULL, 0}
	};
	static const char *const statuses[][2] = {
		{ "record", "given" }, { "refuse", "refused" },
		{ "revoke", "revoked" },
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	size_t i;
	int ch;

	ej_cli_init(&c, "ej-consent", usage, argc, argv);
	memset(&o, 0, sizeof o);
	while ((ch = getopt_long(argc, argv, "d:hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.in.delim = ej_cli_delimiter(&c, optarg);
			break;
		case OPT_PUPIL:
			o.ch.pupil = optarg;
			break;
		case OPT_KIND:
			o.ch.kind = optarg;
			break;
		case OPT_DATE:
			o.ch.date = optarg;
			break;
		case OPT_FORM_NO:
			if (ej_text_arg(&c.d, "--form-no", optarg) < 0)
				ej_cli_exit(&c);
			o.ch.form_no = optarg;
			break;
		case OPT_REASON:
			if (ej_text_arg(&c.d, "--reason", optarg) < 0)
				ej_cli_exit(&c);
			o.ch.reason = optarg;
			break;
		case OPT_ENCODING:
			o.in.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_MISSING:
			o.missing = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "html") == 0)
				o.html = 1;
			else if (strcmp(optarg, "text") != 0)
				ej_cli_usage(&c);
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
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		if (strcmp(cmd, statuses[i][0]) != 0)
			continue;
		if (argc > 2 || !o.ch.pupil || !o.ch.kind || !o.ch.date ||
		    (i == 2 && !o.ch.reason) || (i != 0 && o.ch.form_no) ||
		    (i == 0 && o.ch.reason))
			ej_cli_usage(&c);
		change(&c, statuses[i][1], argc == 2 ? argv[1] : NULL, NULL,
		    &o);
	}
	if (strcmp(cmd, "import") == 0 && argc <= 2)
		change(&c, NULL, NULL, argc == 2 ? argv[1] : NULL, &o);
	if (strcmp(cmd, "list") == 0 && argc == 1)
		report(&c, 0, &o);
	if (strcmp(cmd, "forms") == 0 && argc == 1 && o.class_name)
		report(&c, 1, &o);
	ej_cli_usage(&c);
}
