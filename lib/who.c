/* who — the acting person and permission checks; see who.h. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "who.h"

static int load_actor(struct ej_store *, const char *, struct ej_actor *,
    struct ej_diag *);

static const struct {
	const char *name;
	unsigned bit;
} roles[] = {
	{"admin", EJ_ROLE_ADMIN},
	{"deputy", EJ_ROLE_DEPUTY},
	{"teacher", EJ_ROLE_TEACHER},
	{"classteacher", EJ_ROLE_CLASSTEACHER},
	{"technician", EJ_ROLE_TECHNICIAN},
	{"secretary", EJ_ROLE_SECRETARY},
};

unsigned
ej_role_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].bit;
	return 0;
}

const char *
ej_role_name(unsigned role)
{
	size_t i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].bit == role)
			return roles[i].name;
	return "?";
}

int
ej_who_unix_login(char *buf, size_t n, struct ej_diag *d)
{
	struct passwd *pw = getpwuid(getuid());

	if (!pw || !pw->pw_name)
		return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("cannot tell who you are (uid %ld has no name)"),
		    (long)getuid());
	snprintf(buf, n, "%s", pw->pw_name);
	return 0;
}

int
ej_who_find(struct ej_store *s, const char *login, struct ej_actor *a,
    struct ej_diag *d)
{
	return load_actor(s, login, a, d);
}

/* Fill a from the staff record with this login: 1 found, 0 not, -1 error. */
static int
load_actor(struct ej_store *s, const char *login, struct ej_actor *a,
    struct ej_diag *d)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof *a);
	if ((st = ej_store_prepare(s, "SELECT s.id, s.surname || ' ' || "
	    "s.name || CASE WHEN s.patronymic <> '' THEN ' ' || s.patronymic "
	    "ELSE '' END, (SELECT group_concat(role) FROM staff_roles r "
	    "WHERE r.staff_id = s.id) FROM staff s WHERE s.login = ? AND "
	    "s.active", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 2);
		char *list, *tok, *save;

		a->staff_id = sqlite3_column_int64(st, 0);
		snprintf(a->login, sizeof a->login, "%s", login);
		snprintf(a->name, sizeof a->name, "%s",
		    sqlite3_column_text(st, 1));
		list = ej_xstrdup(r ? r : "");
		for (tok = strtok_r(list, ",", &save); tok;
		    tok = strtok_r(NULL, ",", &save))
			a->roles |= ej_role_parse(tok);
		free(list);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the staff"));
	return rc == SQLITE_ROW;
}

int
ej_who_resolve(struct ej_store *s, struct ej_diag *d)
{
	struct ej_actor real, as;
	char login[64];
	const char *env;
	int rc;

	if (ej_who_unix_login(login, sizeof login, d) < 0)
		return -1;
	if ((rc = load_actor(s, login, &real, d)) < 0)
		return -1;
	if (rc == 0)
		return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s is not on the staff of this school"), login);
	env = getenv("EJ_AS");
	if (env && *env && strcmp(env, login) != 0) {
		/* Acting as someone else is an admin's tool (scripts, tests). */
		if (!(real.roles & EJ_ROLE_ADMIN))
			return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
			    _("EJ_AS=%s: only an admin may act as another "
			    "staff member"), env);
		if ((rc = load_actor(s, env, &as, d)) < 0)
			return -1;
		if (rc == 0)
			return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
			    _("EJ_AS=%s is not on the staff of this school"),
			    env);
		ej_store_set_actor(s, &as);
		return 0;
	}
	ej_store_set_actor(s, &real);
	return 0;
}

int
ej_who_require(struct ej_store *s, unsigned need, const char *what,
    struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);

	if (a->roles & (need | EJ_ROLE_ADMIN))
		return 0;
	return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
	    _("%s may not %s"), a->login[0] ? a->login : "?", what);
}
