/*
 * config — school.yaml (ej-school.yaml(5)) through libyaml into plain
 * structs, validated, with FILE:LINE:COL in every error; and into the
 * store's school tables.
 */
#ifndef EJ_CONFIG_H
#define EJ_CONFIG_H

#include <sqlite3.h>

#include "err.h"

struct ej_config;

/*
 * Parse and validate path. Every problem is recorded in d as
 * "path:LINE:COL: message" (exit 65); returns 0 with *out set, or -1.
 */
int ej_config_load(struct ej_config **out, const char *path,
    struct ej_diag *d);
void ej_config_free(struct ej_config *c);

/* Insert the configuration into the (empty) school tables of db. */
int ej_config_store(const struct ej_config *c, sqlite3 *db,
    struct ej_diag *d);

/* The school's id (used in commit e-mails: login@id) and short name. */
const char *ej_config_school_id(const struct ej_config *c);
const char *ej_config_short_name(const struct ej_config *c);
/* Non-zero when the file names at least one staff member with role admin. */
int ej_config_has_admin(const struct ej_config *c);

#endif
