/*
 * ej-init — create a store from a school description.
 *
 * The store's first commit holds the whole snapshot of the school, authored
 * by the person running it, who becomes the first admin unless the file
 * names one. Any failure removes what was made.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "history.h"
#include "i18n.h"
#include "store.h"
#include "who.h"

static const char usage[] =
    "ej-init [-n] [--store DIR] [--group GROUP] SCHOOL.yaml";

/* The running user as a staff member and admin, named from the GECOS
 * field when it has a name. */
static int
add_runner(struct ej_store *s, const char *login, struct ej_diag *d)
{
	struct passwd *pw = getpwnam(login);
	char name[256] = "", *comma;
	const char *surname = login, *given = login;
	sqlite3_stmt *st;
	long long id;
	char *sp;

	if (pw && pw->pw_gecos && *pw->pw_gecos) {
		snprintf(name, sizeof name, "%s", pw->pw_gecos);
		if ((comma = strchr(name, ',')) != NULL)
			*comma = '\0';
	}
	if (*name) {
		/* GECOS says "Given Surname"; a single word is the surname,
		 * and the login stands for the given name. */
		if ((sp = strrchr(name, ' ')) != NULL) {
			*sp = '\0';
			surname = sp + 1;
			given = name;
		} else
			surname = name;
	}
	if ((st = ej_store_prepare(s, "INSERT INTO staff(login, surname, name, "
	    "position) VALUES(?, ?, ?, 'ЭЖ administrator')", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, surname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, given, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return ej_store_sqlerr(s, d, _("cannot add the first admin"));
	}
	sqlite3_reset(st);
	id = sqlite3_last_insert_rowid(ej_store_db(s));
	if ((st = ej_store_prepare(s, "INSERT INTO staff_roles(staff_id, role) "
	    "VALUES(?, 'admin')", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return ej_store_sqlerr(s, d, _("cannot add the first admin"));
	}
	sqlite3_reset(st);
	return 0;
}

/* The author of the first commit: the runner, a staff member or not (a
 * file may name its admins and leave the runner out). */
static int
set_author(struct ej_store *s, const char *login, struct ej_diag *d)
{
	struct ej_actor a;
	struct passwd *pw;
	int rc;

	if ((rc = ej_who_find(s, login, &a, d)) < 0)
		return -1;
	if (rc == 0) {
		memset(&a, 0, sizeof a);
		snprintf(a.login, sizeof a.login, "%s", login);
		pw = getpwnam(login);
		snprintf(a.name, sizeof a.name, "%s", pw && pw->pw_gecos &&
		    *pw->pw_gecos ? pw->pw_gecos : login);
		a.name[strcspn(a.name, ",")] = '\0';
	}
	ej_store_set_actor(s, &a);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"group", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct ej_config *cfg = NULL;
	struct ej_commit_info ci = {0};
	struct ej_commit_result r = {0};
	const char *group = NULL, *store;
	char login[64], *summary, hex[8];
	int ch;

	ej_cli_init(&c, "ej-init", usage, argc, argv);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'g':
			group = optarg;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		ej_cli_usage(&c);
	store = c.store_opt ? c.store_opt : getenv("EJ_STORE");
	if (!store || !*store) {
		ej_error(&c.d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("where? give --store DIR or set EJ_STORE"));
		ej_cli_exit(&c);
	}
	if (ej_who_unix_login(login, sizeof login, &c.d) < 0)
		ej_cli_exit(&c);
	/* The whole file is checked before anything is made. */
	if (ej_config_load(&cfg, argv[0], &c.d) < 0) {
		ej_note(&c.d, _("nothing was created"));
		ej_cli_exit(&c);
	}
	if (c.dry_run && ej_store_lacks_db(store)) {
		ej_error(&c.d, EJ_EXIT_CANTCREAT, store, 0, 0, "%s",
		    _("holds a history but no database; rebuild it with "
		    "ej-rebuild"));
		ej_config_free(cfg);
		ej_cli_exit(&c);
	}
	if (c.dry_run) {
		ej_note(&c.d, _("%s: valid; would create a store for %s at %s"),
		    argv[0], ej_config_short_name(cfg), store);
		ej_config_free(cfg);
		ej_cli_exit(&c);
	}
	if (ej_store_create(&c.s, store, group, &c.d) < 0) {
		ej_config_free(cfg);
		ej_cli_exit(&c);
	}
	summary = ej_xasprintf("init: %s", ej_config_short_name(cfg));
	ci.summary = summary;
	ci.argc = c.argc;
	ci.argv = c.argv;
	if (ej_store_begin(c.s, &c.d) < 0 ||
	    ej_config_store(cfg, ej_store_db(c.s), &c.d) < 0 ||
	    (!ej_config_has_admin(cfg) && add_runner(c.s, login, &c.d) < 0) ||
	    set_author(c.s, login, &c.d) < 0 ||
	    ej_store_commit(c.s, &ci, &r, &c.d) < 0) {
		ej_store_destroy(c.s);
		c.s = NULL;
		free(summary);
		ej_config_free(cfg);
		ej_note(&c.d, _("nothing was created"));
		ej_cli_exit(&c);
	}
	git_oid_tostr(hex, sizeof hex, &r.commit);
	ej_note(&c.d, _("created %s: %s, %zu files (commit %s)"), store,
	    ej_config_short_name(cfg), r.files_changed, hex);
	ej_commit_result_free(&r);
	free(summary);
	ej_config_free(cfg);
	ej_cli_exit(&c);
}
