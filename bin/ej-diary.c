/*
 * ej-diary — the e-diary parents and pupils log in to: a CGI program
 * (run by the web server with REQUEST_METHOD set), and the technician's
 * load and views commands. See ej-diary(8).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "diary.h"
#include "i18n.h"

static const char usage[] =
    "ej-diary\n"
    "       ej-diary load EXPORT.csv\n"
    "       ej-diary views [--since DATE]";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"since", required_argument, NULL, 's'},
		{"version", no_argument, NULL, EJ_OPT_VERSION},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_diary_conf conf;
	struct ej_diary *dy = NULL;
	const char *since = "0000-01-01", *cmd;
	char iso[EJ_DATE_LEN];
	int ch, day;

	/* A web server runs it with the request in the environment. */
	if (argc == 1 && getenv("GATEWAY_INTERFACE") != NULL) {
		struct ej_diag d;

		/* The pages are in the school's language, whatever the
		 * web server's locale. */
		setenv("LANGUAGE", "ru", 1);
		setenv("LC_ALL", setlocale(LC_ALL, "ru_RU.UTF-8") ?
		    "ru_RU.UTF-8" : "C.UTF-8", 1);
		ej_i18n_init();
		ej_diag_init(&d, "ej-diary", stderr);
		if (ej_diary_conf_env(&conf, &d) < 0) {
			ej_diag_flush(&d);
			fputs("Status: 500 Internal Server Error\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
			    "ej-diary: not configured (ej-diary(8))\n", stdout);
			return 0;
		}
		return ej_diary_cgi(&conf, stdin, stdout) < 0 ? 1 : 0;
	}
	ej_cli_init(&c, "ej-diary", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (ej_date_parse_iso(optarg, &day) < 0) {
				ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0,
				    _("--since %s: not a date (YYYY-MM-DD)"),
				    optarg);
				ej_cli_exit(&c);
			}
			ej_date_format(day, iso);
			since = iso;
			break;
		default:
			if (!ej_cli_option(&c, ch, optarg))
				ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ej_cli_usage(&c);
	cmd = argv[0];
	if (!((strcmp(cmd, "load") == 0 && argc == 2) ||
	    (strcmp(cmd, "views") == 0 && argc == 1)))
		ej_cli_usage(&c);
	if (ej_diary_conf_env(&conf, &c.d) < 0 ||
	    ej_diary_open(&dy, &conf, &c.d) < 0)
		ej_cli_exit(&c);
	if (strcmp(cmd, "load") == 0) {
		struct ej_diary_load_result r;

		if (ej_diary_load(dy, argv[1], &r, &c.d) == 0) {
			ej_note(&c.d, _("accounts: +%lu new, %lu reset, "
			    "%lu revoked, %lu unchanged"), r.added, r.reset,
			    r.revoked, r.kept);
			if (conf.log)
				ej_diary_log(dy, NULL, "load", NULL);
		} else if (ej_diag_status(&c.d) == EJ_EXIT_DATAERR) {
			ej_note(&c.d, "%s", _("nothing was written"));
		}
	} else {
		ej_diary_views(dy, since, stdout, &c.d);
	}
	ej_diary_close(dy);
	ej_cli_exit(&c);
}
