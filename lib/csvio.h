/*
 * csvio — the CSV every command reads and writes: spreadsheets from the
 * school office (UTF-8 with or without a BOM, or CP1251 from Russian
 * Excel; `,`, `;` or TAB; CRLF or LF) in, RFC 4180 out.
 *
 * Reading is streaming: fixed buffers are reused and only the current
 * record is held, so memory does not grow with the file. Every record
 * carries the physical line where it began, for "file:line: message".
 *
 *	static const char *const surname_aka[] = { "Фамилия", NULL };
 *	static const struct ej_csv_col cols[] = {
 *		{ "surname", surname_aka, 1 }, ...
 *	};
 *	struct ej_csv_opts o = { 0 };		(defaults: auto, sniff)
 *	struct ej_csv_reader *r;
 *	struct ej_csv_record *rec;
 *
 *	if (ej_csv_open(&r, path, cols, ncols, &o, d) == -1)
 *		...;
 *	while ((rc = ej_csv_next(r, &rec, d)) == 1)
 *		use(ej_csv_get(rec, COL_SURNAME), rec->file, rec->line);
 *	ej_csv_reader_free(r);
 *
 * Errors go to the caller's struct ej_diag (err.h) with EJ_EXIT_DATAERR,
 * or EJ_EXIT_NOINPUT / EJ_EXIT_IOERR for a file that cannot be read.
 */
#ifndef EJ_CSVIO_H
#define EJ_CSVIO_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* A field longer than this is refused (a binary file, a runaway quote). */
#define EJ_CSV_FIELD_MAX (1024 * 1024)
/* So is a header of more columns than this. */
#define EJ_CSV_COLS_MAX 10000

/*
 * Input encodings. AUTO: a file that is valid UTF-8 is UTF-8, otherwise it
 * is CP1251. The decision is made at the first non-ASCII byte, on the next
 * 64 KiB of input from there: any invalid UTF-8 in that window means
 * CP1251 (the ASCII read before it is the same in both). Invalid UTF-8
 * after the decision for UTF-8 is an error at its line, as it is
 * whenever UTF-8 was asked for. A UTF-8 BOM means UTF-8 (and is
 * dropped); a UTF-16 BOM (Excel's "Unicode text") means UTF-16, which
 * ej_csv_encoding() then reports.
 */
enum ej_csv_encoding {
	EJ_CSV_ENC_AUTO = 0,
	EJ_CSV_ENC_UTF8,
	EJ_CSV_ENC_CP1251,
	EJ_CSV_ENC_UTF16	/* recognised by its BOM in AUTO only */
};

/*
 * A column the caller knows. Header cells match name or any alias after
 * ej_text_fold() on both sides: case of Latin and Cyrillic, ё = е,
 * surrounding and repeated spaces do not matter.
 */
struct ej_csv_col {
	const char *name;		/* "surname" */
	const char *const *aliases;	/* { "Фамилия", NULL }, or NULL */
	int required;			/* missing from the header: an error */
};

/* Reading options; all zero is the default. */
struct ej_csv_opts {
	enum ej_csv_encoding encoding;
	int delim;		/* ',' ';' '\t'; 0: the most frequent of the
				 * three outside quotes in the header record,
				 * ties going to ',' then ';', none to ',' */
	int strict;		/* a header cell naming no known column is
				 * an error (default: one warning) */
	int quiet_unknown;	/* the caller reads unknown columns itself
				 * (wide sheets): no warning about them */
	int allow_empty;	/* a file of only a header is not an error */
	int keep_apostrophe;	/* ej_csv_get() does not undo the writer's
				 * neutralising apostrophe (see below) */
	int allow_control;	/* no text rule: fields may hold control
				 * characters (text.h), for files that are
				 * read, not stored */
	const char *name;	/* name in messages; default the path, or
				 * "stdin" for "-" and ej_csv_open_file() */
};

/*
 * One record, owned by the reader and valid until the next ej_csv_next()
 * or ej_csv_reader_free(). Read-only for callers.
 */
struct ej_csv_record {
	const char *file;	/* display name, for messages */
	long line;		/* physical line where the record began, 1-based,
				 * the header's line counted */
	size_t nfields;		/* always the header's count */
	const struct ej_csv_reader *reader;	/* private */
};

struct ej_csv_reader;

/* Parse "auto", "utf-8"/"utf8", "cp1251"/"windows-1251": 0, or -1. */
int ej_csv_encoding_parse(enum ej_csv_encoding *out, const char *s);
/* "UTF-8", "CP1251", "UTF-16", or "auto" while undecided. */
const char *ej_csv_encoding_name(enum ej_csv_encoding e);
/* Parse a -d argument: ",", ";", a TAB, "\t" or "tab": 0, or -1. */
int ej_csv_delim_parse(int *out, const char *s);

/*
 * Open path ("-" is stdin) and read its header, matching it against
 * cols[0..ncols) (ncols may be 0: every column unknown). Errors, all of
 * them reported before returning -1: cannot open (EJ_EXIT_NOINPUT), empty
 * file, empty header, a required column missing, a known column twice,
 * an unknown column when strict, and the fatal errors of ej_csv_next().
 * cols must outlive the reader.
 */
int ej_csv_open(struct ej_csv_reader **out, const char *path,
    const struct ej_csv_col *cols, size_t ncols,
    const struct ej_csv_opts *opts, struct ej_diag *d);
/* The same on an open stream, which stays the caller's to close. */
int ej_csv_open_file(struct ej_csv_reader **out, FILE *f,
    const struct ej_csv_col *cols, size_t ncols,
    const struct ej_csv_opts *opts, struct ej_diag *d);
void ej_csv_reader_free(struct ej_csv_reader *r);
/*
 * A second reader of r's input from its start (r's header again), with
 * the same columns and options: for a file, or a stream that can seek
 * (not a pipe: -1 with an error). It shares r's stream, so r is read no
 * further; free it before r.
 */
int ej_csv_reopen(struct ej_csv_reader **out, const struct ej_csv_reader *r,
    struct ej_diag *d);

/*
 * Next record: 1 and *rec, or 0 at the end, or -1 after a fatal error
 * (unterminated quote at the end of the file, a NUL byte, a field over
 * EJ_CSV_FIELD_MAX, invalid encoding, a read error; and, unless
 * allow_empty, "no records" after a header alone).
 * A record with too few or too many fields, or broken quoting (a quote
 * inside an unquoted field, text after a closing quote), is reported at
 * its line, counted and skipped: reading goes on so that every bad record
 * is listed. Records whose cells are all empty or blank (";;;" rows that
 * spreadsheets leave) and blank lines are skipped silently.
 */
int ej_csv_next(struct ej_csv_reader *r, struct ej_csv_record **rec,
    struct ej_diag *d);

/*
 * Unless allow_control, a record with a control character (text.h's rule:
 * C0 including TAB, CR and LF inside a quoted cell, DEL, C1, the
 * bidirectional controls) in any field's value is reported at
 * line:field ("column \"email\": control character U+000A (line feed) is
 * not allowed"), counted and skipped like a record of the wrong length.
 */

/*
 * Value of known column i (index into cols): surrounding white space
 * (ASCII, NBSP, U+2007, U+202F) trimmed, the neutralising apostrophe
 * removed; NULL when the column is not in the file or the cell is empty.
 */
const char *ej_csv_get(const struct ej_csv_record *rec, size_t i);
/*
 * Raw field j of the record, as in the file: untrimmed, "" for a quoted
 * empty field (""), NULL for an unquoted empty one or j out of range.
 */
const char *ej_csv_field(const struct ej_csv_record *rec, size_t j);

/* Header cells, trimmed, in file order; *n gets their count. */
const char *const *ej_csv_header(const struct ej_csv_reader *r, size_t *n);
/* Field index of known column i in the file, or -1 when absent. */
long ej_csv_column(const struct ej_csv_reader *r, size_t i);
/* The name used in messages. */
const char *ej_csv_name(const struct ej_csv_reader *r);
/* Line of the header record. */
long ej_csv_header_line(const struct ej_csv_reader *r);
/*
 * Encoding in use: UTF8, CP1251 or UTF16 — or AUTO while only ASCII has
 * been read; final at the end of input (all ASCII is UTF-8 then).
 */
enum ej_csv_encoding ej_csv_encoding(const struct ej_csv_reader *r);
/* Delimiter in use. */
int ej_csv_delimiter(const struct ej_csv_reader *r);
/* Records returned so far, and records skipped as bad. */
unsigned long ej_csv_records(const struct ej_csv_reader *r);
unsigned long ej_csv_bad(const struct ej_csv_reader *r);

/*
 * Writing: UTF-8, RFC 4180. A field is quoted only when it holds the
 * delimiter, a quote, CR or LF, or begins or ends with a space or TAB;
 * quotes are doubled. NULL and "" are both written as nothing, except
 * that a row of one empty field is written "" so that it is not a blank
 * line (which readers skip).
 *
 * Neutralising (on unless no_neutralise), against formulas in exported
 * data run by the spreadsheet that opens it: a cell is dangerous when it
 * begins with TAB, CR, '=' or '@', or with '+' or '-' unless it is a
 * plain number (a sign, digits, and a decimal point or comma with more
 * digits), a lone sign or only dashes. Dangerous cells get a leading
 * apostrophe. So "-5", "-3,5", "+5" and "-" are written as they are;
 * "=SUM(A1)", "=1-1", "-2-3", "+7 (978) 123-45-67" and "@x" become
 * "'=SUM(A1)", "'=1-1", "'-2-3", "'+7 (978) 123-45-67", "'@x" (Excel
 * computes "-2-3" and "+7-978-123"). A cell of apostrophes followed by a
 * dangerous cell gets one more apostrophe too, so that the reader, which
 * drops one apostrophe from exactly such cells, gives back what was
 * written: export then import is a no-op.
 */
struct ej_csv_wopts {
	int delim;		/* 0 or ',' (default), ';' for Excel, '\t' */
	int crlf;		/* CRLF line ends (default LF) */
	int bom;		/* UTF-8 BOM first, for Excel */
	int no_neutralise;	/* write cells exactly */
};

struct ej_csv_writer;

/*
 * A writer on f (which stays the caller's); opts may be NULL. -1 for a
 * delimiter other than ',', ';' and TAB. The BOM, if asked for, is
 * written here.
 */
int ej_csv_writer_new(struct ej_csv_writer **out, FILE *f,
    const struct ej_csv_wopts *opts);
/*
 * Flush; report a write error of the stream (EJ_EXIT_IOERR, with name).
 * 0 or -1.
 */
int ej_csv_writer_finish(struct ej_csv_writer *w, const char *name,
    struct ej_diag *d);
void ej_csv_writer_free(struct ej_csv_writer *w);

/* Field by field: ej_csv_put()… ej_csv_end_row(). -1 once f has failed. */
int ej_csv_put(struct ej_csv_writer *w, const char *s);
int ej_csv_putf(struct ej_csv_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ej_csv_end_row(struct ej_csv_writer *w);
/* A whole row; fields[j] may be NULL. */
int ej_csv_write_row(struct ej_csv_writer *w, const char *const *fields,
    size_t n);

/* The writer's rule, for callers that check cells themselves. */
int ej_csv_dangerous(const char *s);

#endif
