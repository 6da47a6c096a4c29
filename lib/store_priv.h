/* The store's private layout, shared by store.c and history.c only. */
#ifndef EJ_STORE_PRIV_H
#define EJ_STORE_PRIV_H

#include <pthread.h>

#include "store.h"

struct ej_stmt_cache {
	char *sql;
	sqlite3_stmt *st;
};

/* The snapshot files a transaction touched: (file, k1, k2, k3), a set. */
struct ej_dirty_set {
	long long (*v)[4];
	size_t n, cap;
	size_t *slots;           /* open addressing: index + 1, 0 empty */
	size_t nslots;
};

struct ej_store {
	char *dir, *dbpath, *gitpath;
	sqlite3 *db;
	/* A second, read-only connection: in WAL mode it sees the state
	 * before the open write transaction, which commit compares with
	 * HEAD so that a change made behind ej's back is never committed. */
	sqlite3 *rodb;
	int view;                /* 1: prepare on rodb */
	git_repository *repo;
	/* A writer starts libgit2 and opens the repository on a second
	 * thread while the command reads its input (ej_store_repo joins). */
	pthread_t git_thread;
	int git_started;         /* the thread runs or has not been joined */
	int git_rc;              /* its result: 0, or -1 with git_err */
	char *git_err;
	struct ej_packw *packw;  /* repo's capturing backend (packwrite.h) */
	int mode;
	int in_tx;
	int tracking;            /* change-tracking triggers exist */
	struct ej_dirty_set dirty;
	int made_dir;            /* ej_store_create made the directory */
	struct ej_actor actor;
	const struct ej_snapfile *files;
	size_t nfiles;
	ej_fault_fn fault;
	void *fault_payload;
	struct ej_stmt_cache *cache, *rocache;
	size_t ncache, nrocache;
};

/* Prepare on the read-only connection from now on (1) or not (0). */
int ej_store__view(struct ej_store *s, int ro, struct ej_diag *d);
int ej_store__fault(struct ej_store *s, int step, struct ej_diag *d);
int ej_store_giterr(struct ej_store *s, struct ej_diag *d, const char *what);

#endif
