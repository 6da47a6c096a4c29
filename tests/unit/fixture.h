/*
 * fixture — what the library's unit tests share: a temporary directory
 * with a store's path in it, diagnostics captured in memory, and SQL that
 * must succeed. A test's own fixture embeds struct ej_fx as its member x.
 * Include after <cmocka.h>.
 */
#ifndef EJ_TEST_FIXTURE_H
#define EJ_TEST_FIXTURE_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "store.h"

struct ej_fx {
	char dir[64];            /* /tmp/ej-unit-XXXXXX, removed after */
	char store[96];          /* DIR/store, not made */
	struct ej_diag d;        /* its messages go to errbuf */
	char *errbuf;
	size_t errlen;
	FILE *err;
};

static inline void
ej_fx_init(struct ej_fx *x)
{
	snprintf(x->dir, sizeof x->dir, "/tmp/ej-unit-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->store, sizeof x->store, "%s/store", x->dir);
	x->err = open_memstream(&x->errbuf, &x->errlen);
	assert_non_null(x->err);
	ej_diag_init(&x->d, "test", x->err);
}

static inline int
ej_fx_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static inline void
ej_fx_fini(struct ej_fx *x)
{
	nftw(x->dir, ej_fx_rm, 16, FTW_DEPTH | FTW_PHYS);
	fclose(x->err);
	free(x->errbuf);
}

/* What the diagnostics said so far. */
static inline const char *
ej_fx_errors(struct ej_fx *x)
{
	fflush(x->err);
	return x->errbuf ? x->errbuf : "";
}

static inline void
ej_fx_exec(struct ej_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(ej_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

#endif
