/* The store's private layout, shared by store.c and history.c only. */
#ifndef EJ_STORE_PRIV_H
#define EJ_STORE_PRIV_H

#include "store.h"

struct ej_stmt_cache {
	char *sql;
	sqlite3_stmt *st;
};

struct ej_store {
	char *dir, *dbpath, *gitpath;
	sqlite3 *db;
	git_repository *repo;
	int mode;
	int in_tx;
	int tracking;            /* change-tracking triggers exist */
	int made_dir;            /* ej_store_create made the directory */
	struct ej_actor actor;
	const struct ej_snapfile *files;
	size_t nfiles;
	ej_fault_fn fault;
	void *fault_payload;
	struct ej_stmt_cache *cache;
	size_t ncache;
};

int ej_store__fault(struct ej_store *s, int step, struct ej_diag *d);
int ej_store_giterr(struct ej_store *s, struct ej_diag *d, const char *what);

#endif
