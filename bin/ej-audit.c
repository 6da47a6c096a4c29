/*
 * ej-audit — the nightly audit: the store's integrity and the history
 * against the database, file permissions, the school's rules for the
 * journal, consents and accounts; `reconcile` checks a pilot class's
 * paper journal against the electronic one; `rules` lists the rules.
 * Exit 1 when a finding is at or above --fail-on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "csvio.h"
#include "date.h"
#include "i18n.h"
#include "table.h"
#include "who.h"

static const char usage[] =
    "ej-audit [--store DIR] [--since DATE] [--until DATE] [--rules R,...] "
    "[--class CLASS] [--teacher LOGIN] [--format FMT] [--fail-on SEVERITY] "
    "[--limit N]\n"
    "       ej-audit reconcile --class CLASS --subject SUBJECT [--store DIR] "
    "[--since DATE] [--until DATE] [-d DELIM] [--encoding ENC] "
    "[--format FMT] [--fail-on SEVERITY] PAPER.csv\n"
    "       ej-audit rules [--format FMT]";

enum {
	OPT_SINCE = EJ_OPT_FIRST_LOCAL,
	OPT_UNTIL,
	OPT_RULES,
	OPT_CLASS,
	OPT_TEACHER,
	OPT_FORMAT,
	OPT_FAIL_ON,
	OPT_SUBJECT,
	OPT_ENCODING,
	OPT_LIMIT
};

/* Text and HTML: findings shown a rule, unless --limit says. */
#define DEFAULT_LIMIT 20

/* The school year's first calendar year, for "DD.MM" dates. */
static int
first_year(struct ej_store *s)
{
	sqlite3_stmt *st;
	int y = 0;

	if (sqlite3_prepare_v2(ej_store_db(s), "SELECT CAST(substr(start, 1, "
	    "4) AS INTEGER) FROM years ORDER BY id DESC LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		y = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return y;
}

static int
date_opt(struct ej_cli *c, const char *opt, const char *arg, int today,
    int fy)
{
	int day;

	if (!arg)
		return -1;
	if (ej_audit_date(arg, today, fy, &day) < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s: not a date: %s (a date, today or yesterday)"), opt,
		    arg);
		ej_cli_exit(c);
	}
	return day;
}

/* `ej-audit rules`: every rule with its id, severity, setting, meaning. */
static _Noreturn void
list_rules(struct ej_cli *c, enum ej_format fmt)
{
	struct ej_table *t = ej_table_new(_("Audit rules"));
	size_t i;

	ej_table_col(t, "rule", _("Rule"), EJ_COL_NOWRAP);
	ej_table_col(t, "severity", _("Severity"), EJ_COL_NOWRAP);
	ej_table_col(t, "setting", _("Setting"), 0);
	ej_table_col(t, "meaning", _("Meaning"), 0);
	for (i = 0; i < ej_audit_nrules; i++) {
		const struct ej_audit_rule *r = &ej_audit_rules[i];

		ej_table_row(t);
		ej_table_cell(t, r->id);
		ej_table_cell(t, ej_audit_severity_name(r->severity));
		ej_table_cell(t, r->config ? r->config : "");
		ej_table_cell(t, _(r->what));
	}
	ej_table_write(t, fmt, stdout, &c->d);
	ej_table_free(t);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"rules", required_argument, NULL, OPT_RULES},
		{"class", required_argument, NULL, OPT_CLASS},
		{"teacher", required_argument, NULL, OPT_TEACHER},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_audit_opts o = { -1, -1, 0, NULL, NULL, NULL };
	struct ej_csv_opts in = {0};
	struct ej_audit *a;
	enum ej_format fmt = EJ_FMT_TEXT;
	const char *since = NULL, *until = NULL, *subject = NULL, *cmd = NULL;
	unsigned long n[4];
	int ch, fail_on = EJ_SEV_ERROR, today, fy, rc;
	long limit = DEFAULT_LIMIT;

	ej_cli_init(&c, "ej-audit", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "d:hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case OPT_RULES:
			if (ej_audit_rules_check(optarg, &c.d) < 0)
				ej_cli_exit(&c);
			o.rules = optarg;
			break;
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_TEACHER:
			o.teacher = optarg;
			break;
		case OPT_FORMAT:
			if (ej_format_parse(optarg, EJ_FMT_ALL, &fmt, &c.d) < 0)
				ej_cli_exit(&c);
			break;
		case OPT_FAIL_ON:
			if ((fail_on = ej_audit_severity_parse(optarg)) == 0) {
				ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
				    _("--fail-on: info, warning or error"));
				ej_cli_exit(&c);
			}
			break;
		case OPT_SUBJECT:
			subject = optarg;
			break;
		case 'd':
			in.delim = ej_cli_delimiter(&c, optarg);
			break;
		case OPT_ENCODING:
			in.encoding = ej_cli_encoding(&c, optarg);
			break;
		case OPT_LIMIT:
			limit = ej_cli_number(&c, "--limit", optarg, 0,
			    1000000000);
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && (strcmp(argv[0], "reconcile") == 0 ||
	    strcmp(argv[0], "rules") == 0)) {
		cmd = argv[0];
		argc--;
		argv++;
	}
	if (cmd && strcmp(cmd, "rules") == 0) {
		if (argc)
			ej_cli_usage(&c);
		list_rules(&c, fmt);
	}
	if (cmd ? argc != 1 || !o.class_name || !subject || o.rules ||
	    o.teacher : argc != 0 || subject || in.delim || in.encoding)
		ej_cli_usage(&c);

	ej_cli_setup(&c, EJ_SETUP_READ);
	if (ej_who_require(c.s, EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY |
	    EJ_ROLE_TECHNICIAN, _("run the audit"), &c.d) < 0)
		ej_cli_exit(&c);
	today = ej_date_today();
	fy = first_year(c.s);
	o.since = date_opt(&c, "--since", since, today, fy);
	o.until = date_opt(&c, "--until", until, today, fy);
	o.asof = o.until >= 0 ? o.until : today;
	if (ej_audit_new(&a, c.s, &o, &c.d) < 0)
		ej_cli_exit(&c);
	ej_audit_set_limit(a, (unsigned long)limit);
	if (cmd)
		rc = ej_audit_reconcile(a, o.class_name, subject, argv[0], &in);
	else
		rc = ej_audit_run(a);
	if (rc < 0 && cmd) {
		/* a bad paper sheet: nothing to list */
		ej_note(&c.d, "%s", _("nothing was compared"));
		ej_audit_free(a);
		ej_cli_exit(&c);
	}
	if (ej_audit_print(a, fmt, stdout, n) == 0) {
		/* The summary: the last line for people, on standard error
		 * where standard output is for machines. */
		FILE *f = fmt == EJ_FMT_TEXT ? stdout : stderr;

		fprintf(f, _("%s: %lu findings: %lu errors, %lu warnings, "
		    "%lu info\n"), c.prog, n[0], n[3], n[2], n[1]);
		fflush(f);
	}
	for (ch = fail_on, rc = 0; ch <= EJ_SEV_ERROR; ch++)
		if (n[ch])
			rc = 1;
	ej_audit_free(a);
	if (ej_diag_status(&c.d) == 0 && rc) {
		ej_store_close(c.s);
		exit(EJ_EXIT_FOUND);
	}
	ej_cli_exit(&c);
}
