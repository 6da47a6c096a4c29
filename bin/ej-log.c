/*
 * ej-log — the history in school terms: who changed what and when, each
 * record's old and new values; and revert, to undo one commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "i18n.h"
#include "log.h"
#include "table.h"
#include "text.h"
#include "who.h"

static const char usage[] =
    "ej-log [--store DIR] [--pupil P] [--class C] [--subject S] "
    "[--author LOGIN] [--since D] [--until D] [--format text|csv|json] "
    "[REV-RANGE]\n"
    "       ej-log revert [-n] [--store DIR] --reason R REV";

enum {
	OPT_PUPIL = EJ_OPT_FIRST_LOCAL,
	OPT_CLASS,
	OPT_SUBJECT,
	OPT_AUTHOR,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_FORMAT,
	OPT_REASON
};

struct out {
	enum ej_format fmt;
	struct ej_table *t;
};

static const char *
op_name(enum ej_recop op)
{
	return op == EJ_REC_ADDED ? "added" : op == EJ_REC_REMOVED ?
	    "removed" : "changed";
}

/* "2026-11-29 07:15" in the author's time zone. */
static void
when(char buf[32], time_t t, int tz)
{
	time_t local = t + (time_t)tz * 60;
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
}

static int
print_commit(const struct ej_log_commit *lc, void *payload)
{
	struct out *o = payload;
	char tm[32];
	size_t i;

	when(tm, lc->time, lc->tz);
	if (o->fmt == EJ_FMT_TEXT) {
		/* Text written before the text rule, or by other tools,
		 * may hold a line break: shown escaped, it cannot forge a
		 * line of this log ("Reason: …"). */
		char *author = ej_text_visible(lc->author);
		char *login = ej_text_visible(lc->login);
		char *summary = ej_text_visible(lc->summary);

		printf("commit %.7s  %s  %s (%s)\n    %s\n", lc->id, tm,
		    author, login, summary);
		free(author);
		free(login);
		free(summary);
		if (lc->reason) {
			char *reason = ej_text_visible(lc->reason);

			printf(_("    Reason: %s\n"), reason);
			free(reason);
		}
		for (i = 0; i < lc->nrecs; i++) {
			char *s = ej_rec_describe(lc->recs[i].rd,
			    lc->recs[i].c);
			char *v = ej_text_visible(s);

			printf("  %c %s\n", (char)lc->recs[i].c->op, v);
			free(v);
			free(s);
		}
		putchar('\n');
		return ferror(stdout) ? -1 : 0;
	}
	for (i = 0; i < lc->nrecs || i == 0; i++) {
		ej_table_row(o->t);
		ej_table_cell(o->t, lc->id);
		ej_table_cell(o->t, tm);
		ej_table_cell(o->t, lc->login);
		ej_table_cell(o->t, lc->author);
		ej_table_cell(o->t, lc->summary);
		ej_table_cell(o->t, lc->reason);
		if (i < lc->nrecs) {
			char *name = ej_rec_name(lc->recs[i].rd, lc->recs[i].c);
			char *s = ej_rec_describe(lc->recs[i].rd,
			    lc->recs[i].c);

			ej_table_cell(o->t, op_name(lc->recs[i].c->op));
			ej_table_cell(o->t, lc->recs[i].rd->file->kind);
			ej_table_cell(o->t, name);
			ej_table_cell(o->t, s);
			free(name);
			free(s);
		}
	}
	return 0;
}

static int
date_opt(struct ej_cli *c, const char *opt, const char *arg)
{
	int day;

	if (ej_date_parse(arg, NULL, &day) < 0) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("%s: a date, as 2020-09-15 or 15.09.2020"), opt);
		ej_cli_exit(c);
	}
	return day;
}

static _Noreturn void
revert(struct ej_cli *c, const char *rev, const char *reason)
{
	char *summary = NULL;

	if (!reason || !*reason) {
		ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("revert: --reason is required"));
		ej_cli_exit(c);
	}
	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_who_require(c->s, EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY,
	    _("revert a commit"), &c->d) < 0)
		ej_cli_exit(c);
	if (ej_store_begin(c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_log_revert(c->s, rev, &summary, &c->d) < 0) {
		ej_store_rollback(c->s);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	ej_cli_commit(c, summary, reason);
	free(summary);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"pupil", required_argument, NULL, OPT_PUPIL},
		{"class", required_argument, NULL, OPT_CLASS},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"author", required_argument, NULL, OPT_AUTHOR},
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_log_opts lo = {0};
	struct out o = {EJ_FMT_TEXT, NULL};
	const char *reason = NULL;
	char *av[argc + 1];
	int ch, is_revert = argc > 1 && strcmp(argv[1], "revert") == 0;

	/* getopt_long permutes what it parses; the commit message keeps the
	 * command line as it was typed. */
	memcpy(av, argv, (argc + 1) * sizeof *av);
	ej_cli_init(&c, "ej-log", usage, argc, argv);
	argv = av;
	if (is_revert) {
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		if (is_revert && ch != OPT_REASON)
			ej_cli_usage(&c);
		switch (ch) {
		case OPT_AUTHOR:
			lo.author = optarg;
			break;
		case OPT_CLASS:
			lo.class_name = optarg;
			break;
		case OPT_FORMAT:
			if (ej_format_parse(optarg, EJ_FMT_BIT(EJ_FMT_TEXT) |
			    EJ_FMT_BIT(EJ_FMT_CSV) | EJ_FMT_BIT(EJ_FMT_JSON),
			    &o.fmt, &c.d) < 0)
				ej_cli_exit(&c);
			break;
		case OPT_PUPIL:
			lo.pupil = optarg;
			break;
		case OPT_REASON:
			if (ej_text_arg(&c.d, "--reason", optarg) < 0)
				ej_cli_exit(&c);
			reason = optarg;
			break;
		case OPT_SINCE:
			lo.since = date_opt(&c, "--since", optarg);
			break;
		case OPT_SUBJECT:
			lo.subject = optarg;
			break;
		case OPT_UNTIL:
			lo.until = date_opt(&c, "--until", optarg);
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	if (is_revert) {
		if (optind != argc - 1)
			ej_cli_usage(&c);
		revert(&c, argv[optind], reason);
	}
	if (reason || c.dry_run || optind < argc - 1)
		ej_cli_usage(&c);
	if (optind < argc)
		lo.range = argv[optind];
	ej_cli_setup(&c, EJ_SETUP_READ);
	if (o.fmt != EJ_FMT_TEXT) {
		o.t = ej_table_new(_("History"));
		ej_table_col(o.t, "commit", _("Commit"), EJ_COL_NOWRAP);
		ej_table_col(o.t, "time", _("Time"), EJ_COL_NOWRAP);
		ej_table_col(o.t, "author", _("Author"), 0);
		ej_table_col(o.t, "author_name", _("Name"), 0);
		ej_table_col(o.t, "summary", _("Summary"), 0);
		ej_table_col(o.t, "reason", _("Reason"), 0);
		ej_table_col(o.t, "op", _("Change"), EJ_COL_NOWRAP);
		ej_table_col(o.t, "kind", _("Kind"), 0);
		ej_table_col(o.t, "record", _("Record"), 0);
		ej_table_col(o.t, "detail", _("Detail"), 0);
	}
	if (ej_log_walk(c.s, &lo, print_commit, &o, &c.d) == 0 && o.t)
		ej_table_write(o.t, o.fmt, stdout, &c.d);
	ej_table_free(o.t);
	if (fflush(stdout) != 0 || ferror(stdout))
		ej_error(&c.d, EJ_EXIT_IOERR, NULL, 0, 0, "%s",
		    _("cannot write the output"));
	ej_cli_exit(&c);
}
