/*
 * storecheck — do a store's database and its history agree?
 *
 *	storecheck STORE
 *
 * Opens the store for writing and starts a write, which recovers what a
 * writer that died between its database commit and the ref's move left
 * (ej_store_begin), abandons it, then serialises the database and
 * compares it with the tree of refs/heads/main (ej_history_verify).
 * Prints each path that differs; exits 0 when they agree, 1 when they
 * do not, and the store's exit status when it cannot be opened or read.
 *
 * With ej-audit --rules integrity after it, this is the reliability
 * suite's agreement check (tests/reliability/helpers.bash,
 * agree()).
 */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "history.h"
#include "store.h"

int
main(int argc, char **argv)
{
	struct ej_diag d;
	struct ej_store *s = NULL;
	char **paths = NULL;
	long n, i;

	ej_diag_init(&d, "storecheck", stderr);
	if (argc != 2) {
		fprintf(stderr, "usage: storecheck STORE\n");
		return 2;
	}
	if (ej_store_open(&s, argv[1], EJ_STORE_WRITE, &d) < 0)
		ej_exit(&d);
	if (ej_store_begin(s, &d) < 0) {
		ej_store_close(s);
		ej_exit(&d);
	}
	ej_store_rollback(s);
	if ((n = ej_history_verify(s, &paths, &d)) < 0) {
		ej_store_close(s);
		ej_exit(&d);
	}
	for (i = 0; i < n; i++)
		printf("differs: %s\n", paths[i]);
	ej_strv_free(paths);
	ej_store_close(s);
	return n == 0 ? 0 : 1;
}
