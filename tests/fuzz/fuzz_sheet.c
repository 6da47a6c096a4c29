/*
 * fuzz_sheet — marks and attendance imports (lib/gradebook, lib/sheet,
 * lib/journal): the wide sheet of 5А Математика, or a long file, as
 * ej-grade and ej-attend read them, into a real store, each input in a
 * write transaction that is rolled back. The first byte picks marks or
 * attendance, wide or long, and --replace. The store is $EJ_STORE (the
 * demo school with its pupils: tests/fuzz/run makes it), opened once.
 */
#include "cli.h"
#include "csvio.h"
#include "fuzz.h"
#include "gradebook.h"
#include "journal.h"
#include "store.h"
#include "who.h"

static struct ej_store *store;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ej_diag d;
	const char *dir = getenv("EJ_STORE");

	(void)argc; (void)argv;
	ej_diag_init(&d, "fuzz_sheet", stderr);
	if (!dir) {
		fprintf(stderr, "fuzz_sheet: EJ_STORE is not set\n");
		abort();
	}
	if (ej_store_open(&store, dir, EJ_STORE_WRITE, &d) < 0 ||
	    ej_who_resolve(store, &d) < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ej_journal *j;
	struct ej_csv_reader *r;
	struct ej_csv_opts io = {0};
	struct ej_gb_opts o = {0};
	struct ej_gb_result res;
	const struct ej_csv_col *cols;
	struct ej_diag d;
	FILE *f;
	size_t n;

	if (size < 2)
		return 0;
	o.kind = data[0] & 1 ? EJ_GB_ATTEND : EJ_GB_MARKS;
	o.wide = !(data[0] & 2);
	if (o.wide) {
		o.class_name = "5А";
		o.subject = "Математика";
		o.replace = (data[0] >> 2) & 1;
		io.quiet_unknown = 1;
	}
	o.force = (data[0] >> 3) & 1;
	o.reason = (data[0] >> 4) & 1 ? "исправление" : NULL;
	io.name = "fuzz.csv";
	ej_diag_init(&d, "fuzz", fuzz_sink());
	if ((f = fmemopen((void *)(data + 1), size - 1, "r")) == NULL)
		return 0;
	if (ej_journal_open(&j, store, &d) < 0)
		abort();
	cols = ej_gb_columns(o.kind, o.wide, &n);
	if (ej_csv_open_file(&r, f, cols, n, &io, &d) == 0) {
		if (ej_store_begin(store, &d) < 0)
			abort();
		memset(&res, 0, sizeof res);
		(void)ej_gb_import(j, r, &o, &res, &d);
		ej_store_rollback(store);
		ej_gb_result_free(&res);
		ej_csv_reader_free(r);
	}
	ej_journal_free(j);
	fclose(f);
	return 0;
}
