/*
 * fuzz_config — the school's configuration (lib/config, school.yaml):
 * any bytes parsed and validated; a file that passes is stored into the
 * schema's tables (in memory, rolled back), as ej-init would.
 */
#include <sqlite3.h>

#include "config.h"
#include "fuzz.h"

extern const char ej_schema_sql[];

static sqlite3 *db;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, ej_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    NULL) != SQLITE_OK)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ej_config *c;
	struct ej_diag d;

	ej_diag_init(&d, "fuzz", fuzz_sink());
	if (ej_config_parse(&c, "school.yaml", (const char *)data, size,
	    &d) < 0)
		return 0;
	(void)ej_config_school_id(c);
	(void)ej_config_short_name(c);
	(void)ej_config_has_admin(c);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	(void)ej_config_store(c, db, &d);
	if (sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	ej_config_free(c);
	return 0;
}
