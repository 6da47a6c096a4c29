/*
 * crashimport — a long marks import (ej-grade import FILE) that dies at
 * one step of the commit protocol, for the crash tests.
 *
 *	EJ_STORE=DIR crashimport STEP FILE
 *
 * Runs the import the way ej-grade does (journal, reader, write
 * transaction, ej_gb_import, the commit) with a fault hook
 * (ej_store_set_fault) that _exit()s with status 99 when the commit
 * protocol reaches STEP — without flushing or closing anything, as a
 * process killed there would. A STEP the protocol never reaches lets the
 * import finish: exit 0 (or the import's own status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "csvio.h"
#include "gradebook.h"
#include "journal.h"

static int
die_at(int step, void *payload)
{
	if (step == *(const int *)payload)
		_exit(99);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char usage[] = "crashimport STEP FILE";
	struct ej_cli c;
	struct ej_journal *j;
	struct ej_csv_reader *r;
	struct ej_csv_opts in = {0};
	struct ej_gb_opts o = {0};
	struct ej_gb_result res;
	const struct ej_csv_col *cols;
	size_t n;
	int step;

	ej_cli_init(&c, "crashimport", usage, argc, argv);
	if (argc != 3)
		ej_cli_usage(&c);
	step = ej_cli_number(&c, "STEP", argv[1], 0, 99);
	ej_cli_setup(&c, EJ_SETUP_WRITE);
	ej_store_set_fault(c.s, die_at, &step);
	if (ej_journal_open(&j, c.s, &c.d) < 0)
		ej_cli_exit(&c);
	o.kind = EJ_GB_MARKS;
	cols = ej_gb_columns(o.kind, 0, &n);
	if (ej_csv_open(&r, argv[2], cols, n, &in, &c.d) < 0) {
		ej_journal_free(j);
		ej_cli_exit(&c);
	}
	if (ej_store_begin(c.s, &c.d) < 0) {
		ej_csv_reader_free(r);
		ej_journal_free(j);
		ej_cli_exit(&c);
	}
	if (ej_gb_import(j, r, &o, &res, &c.d) < 0)
		ej_store_rollback(c.s);
	else
		ej_gb_finish(&c, res.what, &res.st, NULL, NULL);
	ej_csv_reader_free(r);
	ej_gb_result_free(&res);
	ej_journal_free(j);
	ej_cli_exit(&c);
}
