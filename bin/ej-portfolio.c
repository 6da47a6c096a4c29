/*
 * ej-portfolio — the e-portfolios of pupils and staff: documents added one
 * at a time or from the office's manifest, listed, shown as a printable
 * page, exported, removed; and the newly arrived who have none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "portfolio.h"
#include "table.h"

static const char usage[] =
    "ej-portfolio add [-n] PERSON --kind KIND --title T --date D "
    "[--issuer I] [--level L] FILE\n"
    "       ej-portfolio import [-n] MANIFEST\n"
    "       ej-portfolio list [--class C | --staff | PERSON] "
    "[--new-since DATE] [--format F]\n"
    "       ej-portfolio show PERSON [--format text|csv|json|html]\n"
    "       ej-portfolio export PERSON|--class C DIR\n"
    "       ej-portfolio rm [-n] --reason R ID\n"
    "       ej-portfolio missing --new-since DATE [--format F]\n"
    "every form takes --store DIR";

enum {
	OPT_KIND = EJ_OPT_FIRST_LOCAL,
	OPT_TITLE,
	OPT_DATE,
	OPT_ISSUER,
	OPT_LEVEL,
	OPT_CLASS,
	OPT_STAFF,
	OPT_NEW_SINCE,
	OPT_FORMAT,
	OPT_REASON
};

/* The writes: one transaction, one commit. */
static void
write_cmd(struct ej_cli *c, const struct ej_pf_doc *doc, const char *manifest,
    long long rm_id, const char *reason)
{
	struct ej_pf_stats st = {0};
	char *summary;
	int rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_store_begin(c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (doc)
		rc = ej_portfolio_add(c->s, doc, 1, &st, &c->d);
	else if (manifest)
		rc = ej_portfolio_import(c->s, manifest, &st, &c->d);
	else
		rc = ej_portfolio_rm(c->s, rm_id, &st, &c->d);
	if (rc < 0) {
		ej_store_rollback(c->s);
		ej_pf_stats_free(&st);
		ej_diag_flush(&c->d);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	summary = ej_portfolio_summary(&st);
	ej_cli_commit(c, summary, reason);
	free(summary);
	ej_pf_stats_free(&st);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"kind", required_argument, NULL, OPT_KIND},
		{"title", required_argument, NULL, OPT_TITLE},
		{"date", required_argument, NULL, OPT_DATE},
		{"issuer", required_argument, NULL, OPT_ISSUER},
		{"level", required_argument, NULL, OPT_LEVEL},
		{"class", required_argument, NULL, OPT_CLASS},
		{"staff", no_argument, NULL, OPT_STAFF},
		{"new-since", required_argument, NULL, OPT_NEW_SINCE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_pf_doc doc;
	enum ej_format fmt = EJ_FMT_TEXT;
	const char *cmd, *class_name = NULL, *since = NULL, *reason = NULL;
	const char *format = NULL;
	int ch, staff = 0, rc;

	ej_cli_init(&c, "ej-portfolio", usage, argc, argv);
	memset(&doc, 0, sizeof doc);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_KIND:
			doc.kind = optarg;
			break;
		case OPT_TITLE:
			doc.title = optarg;
			break;
		case OPT_DATE:
			doc.date = optarg;
			break;
		case OPT_ISSUER:
			doc.issuer = optarg;
			break;
		case OPT_LEVEL:
			doc.level = optarg;
			break;
		case OPT_CLASS:
			class_name = optarg;
			break;
		case OPT_STAFF:
			staff = 1;
			break;
		case OPT_NEW_SINCE:
			since = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_REASON:
			reason = optarg;
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
	if (format && ej_format_parse(format, EJ_FMT_ALL, &fmt, &c.d) < 0)
		ej_cli_exit(&c);
	if (strcmp(cmd, "add") == 0 && argc == 3 && doc.kind && doc.title &&
	    doc.date && !class_name && !staff && !since && !reason) {
		doc.person = argv[1];
		doc.path = argv[2];
		write_cmd(&c, &doc, NULL, 0, NULL);
	}
	if (strcmp(cmd, "import") == 0 && argc == 2)
		write_cmd(&c, NULL, argv[1], 0, NULL);
	if (strcmp(cmd, "rm") == 0 && argc == 2 && reason &&
	    strspn(argv[1], "0123456789") == strlen(argv[1]) && *argv[1])
		write_cmd(&c, NULL, NULL, atoll(argv[1]), reason);
	if (strcmp(cmd, "list") == 0 && argc <= 2 &&
	    (class_name != NULL) + staff + (argc == 2) <= 1) {
		ej_cli_setup(&c, EJ_SETUP_READ);
		rc = ej_portfolio_list(c.s, class_name, staff,
		    argc == 2 ? argv[1] : NULL, since, fmt, stdout, &c.d);
		ej_cli_exit(&c);
	}
	if (strcmp(cmd, "show") == 0 && argc == 2) {
		ej_cli_setup(&c, EJ_SETUP_READ);
		rc = ej_portfolio_show(c.s, argv[1], fmt, stdout, &c.d);
		ej_cli_exit(&c);
	}
	if (strcmp(cmd, "export") == 0 &&
	    ((argc == 3 && !class_name) || (argc == 2 && class_name))) {
		ej_cli_setup(&c, EJ_SETUP_READ);
		rc = ej_portfolio_export(c.s, class_name ? NULL : argv[1],
		    class_name, argv[argc - 1], &c.d);
		ej_cli_exit(&c);
	}
	if (strcmp(cmd, "missing") == 0 && argc == 1 && since) {
		ej_cli_setup(&c, EJ_SETUP_READ);
		rc = ej_portfolio_missing(c.s, since, fmt, stdout, &c.d);
		ej_cli_exit(&c);
	}
	(void)rc;
	ej_cli_usage(&c);
}
