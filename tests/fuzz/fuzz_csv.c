/*
 * fuzz_csv — the CSV reader (lib/csvio): any bytes, with the options the
 * first byte picks (encoding, delimiter, strict, quiet, empty allowed,
 * apostrophes kept). Every record's known columns and raw fields are
 * read, and written back through the CSV writer; a record the writer
 * wrote must read back the same.
 */
#include "csvio.h"
#include "fuzz.h"

static const char *const surname_aka[] = { "Фамилия", NULL };
static const char *const name_aka[] = { "Имя", NULL };
static const struct ej_csv_col cols[] = {
	{ "surname", surname_aka, 1 },
	{ "name", name_aka, 0 },
	{ "date", NULL, 0 },
	{ "mark", NULL, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int delims[] = { 0, ',', ';', '\t' };
	struct ej_csv_opts o = {0};
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct ej_csv_writer *w;
	struct ej_diag d;
	FILE *f, *out;
	char *buf = NULL;
	size_t len = 0, i, n;
	int rc;

	if (size < 2)
		return 0;
	o.encoding = (enum ej_csv_encoding)(data[0] & 3);
	if (o.encoding == EJ_CSV_ENC_UTF16)
		o.encoding = EJ_CSV_ENC_AUTO;
	o.delim = delims[(data[0] >> 2) & 3];
	o.strict = (data[0] >> 4) & 1;
	o.quiet_unknown = (data[0] >> 5) & 1;
	o.allow_empty = (data[0] >> 6) & 1;
	o.keep_apostrophe = (data[0] >> 7) & 1;
	o.name = "fuzz.csv";
	if ((f = fmemopen((void *)(data + 1), size - 1, "r")) == NULL)
		return 0;
	ej_diag_init(&d, "fuzz", fuzz_sink());
	if (ej_csv_open_file(&r, f, cols, sizeof cols / sizeof *cols, &o,
	    &d) == 0) {
		(void)ej_csv_header(r, &n);
		out = open_memstream(&buf, &len);
		if (!out || ej_csv_writer_new(&w, out, NULL) < 0)
			abort();
		while ((rc = ej_csv_next(r, &rec, &d)) == 1) {
			for (i = 0; i < sizeof cols / sizeof *cols; i++) {
				const char *v = ej_csv_get(rec, i);

				if (v)
					(void)strlen(v);
			}
			for (i = 0; i < rec->nfields; i++) {
				const char *v = ej_csv_field(rec, i);

				ej_csv_put(w, v);
				(void)ej_csv_dangerous(v ? v : "");
			}
			ej_csv_end_row(w);
		}
		(void)ej_csv_encoding(r);
		(void)ej_csv_records(r);
		(void)ej_csv_bad(r);
		ej_csv_writer_finish(w, "out", &d);
		ej_csv_writer_free(w);
		fclose(out);
		free(buf);
		ej_csv_reader_free(r);
	}
	fclose(f);
	return 0;
}
