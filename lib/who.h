/*
 * who — the acting person: the staff record whose Unix login is the real
 * user's name (or EJ_AS, for real admins only), their roles, and
 * permission checks. Unknown user or missing right: exit 77.
 */
#ifndef EJ_WHO_H
#define EJ_WHO_H

#include "err.h"
#include "store.h"

enum ej_role {
	EJ_ROLE_ADMIN = 1u << 0,
	EJ_ROLE_DEPUTY = 1u << 1,
	EJ_ROLE_TEACHER = 1u << 2,
	EJ_ROLE_CLASSTEACHER = 1u << 3,
	EJ_ROLE_TECHNICIAN = 1u << 4,
	EJ_ROLE_SECRETARY = 1u << 5
};

/* "admin" → EJ_ROLE_ADMIN; 0 when unknown. */
unsigned ej_role_parse(const char *name);
const char *ej_role_name(unsigned role);

/* The real user's login name (getpwuid(getuid())). -1 with error. */
int ej_who_unix_login(char *buf, size_t n, struct ej_diag *d);

/* The active staff member with this Unix login: 1 found (a filled), 0 not
 * on the staff, -1 error. */
int ej_who_find(struct ej_store *s, const char *login, struct ej_actor *a,
    struct ej_diag *d);

/*
 * Resolve the acting person in s and set it as the store's actor.
 * Honours EJ_AS=login only when the real user is an admin.
 */
int ej_who_resolve(struct ej_store *s, struct ej_diag *d);

/* 0 when the actor has any of roles; else -1 with an exit-77 error
 * naming what was attempted. */
int ej_who_require(struct ej_store *s, unsigned roles, const char *what,
    struct ej_diag *d);

#endif
