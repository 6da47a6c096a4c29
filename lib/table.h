/*
 * table — result tables for every command's --format: the same rows as
 * aligned text for a terminal, CSV or TSV to pipe on, JSON, or one
 * self-contained HTML page to print.
 *
 *	struct ej_table *t = ej_table_new("5А: 1 четверть");
 *	ej_table_col(t, "pupil", _("Pupil"), 0);
 *	ej_table_col(t, "average", _("Average"), EJ_COL_NUM);
 *	ej_table_row(t);
 *	ej_table_cell(t, "Петров Пётр");
 *	ej_table_cell(t, "4.33");
 *	if (ej_table_write(t, EJ_FMT_TEXT, stdout, d) == -1) ...
 *	ej_table_free(t);
 *
 * A column has a key (the CSV/TSV header and the JSON member name: stable,
 * ASCII, not translated), a heading for people (text and HTML) and hints:
 * EJ_COL_NUM right-aligns it in text and makes its cells JSON numbers
 * where they read as numbers (others, e.g. "н/а", stay strings; an empty
 * cell is null).
 *
 * Cells are UTF-8 text, copied. A row has as many cells as columns; the
 * cells not given are empty.
 *
 * Sections (ej_table_section) break the rows into groups — one pupil's
 * diary, one class: a heading line in text, a heading row in HTML, and in
 * CSV/TSV/JSON a leading column (key set with ej_table_section_key,
 * default "section") carrying the section's label on each of its rows.
 *
 * Several tables make one document (struct ej_doc): text prints them one
 * after another, CSV/TSV too with an empty line between them (each with
 * its own header), JSON as an object of arrays keyed by the tables' keys
 * (a document of one table is just that table's array), HTML as one page.
 *
 * Text is aligned by display width (text.h), so Cyrillic lines up. When
 * a table is wider than the width (80 by default), its widest text
 * columns are wrapped at spaces down to a minimum; if it is still too
 * wide, the columns are printed in blocks that fit, each block repeating
 * the table's leading key columns (ej_table_keep, default 1).
 *
 * CSV/TSV go through csvio's writer (RFC 4180, formula neutralising); JSON
 * is built with jansson; HTML escapes every cell, carries its CSS inline
 * (with @media print, and @page A4 landscape when the document asks for
 * it) and draws a table's bar chart (ej_table_chart) as inline SVG.
 *
 * Errors (a write error of the stream) are reported into the caller's
 * struct ej_diag; functions that can fail return 0 or -1. Allocation
 * failure is fatal (err.h's ej_x* functions).
 */
#ifndef EJ_TABLE_H
#define EJ_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum ej_format {
	EJ_FMT_TEXT,
	EJ_FMT_CSV,
	EJ_FMT_TSV,
	EJ_FMT_JSON,
	EJ_FMT_HTML
};
#define EJ_FMT_NFORMATS 5
/* Bits of the allowed formats for ej_format_parse. */
#define EJ_FMT_BIT(f) (1u << (f))
#define EJ_FMT_ALL ((1u << EJ_FMT_NFORMATS) - 1)

/*
 * "text", "csv", "tsv", "json" or "html" (case ignored), when its bit is
 * in allowed_mask: 0 and *out. Otherwise a usage error (EJ_EXIT_USAGE)
 * naming the formats allowed, and -1.
 */
int ej_format_parse(const char *name, unsigned allowed_mask,
    enum ej_format *out, struct ej_diag *d);
/* The format's name as ej_format_parse reads it. */
const char *ej_format_name(enum ej_format f);
/* s (NULL: nothing) as HTML text: & < > " ' escaped, a newline as <br>. */
void ej_html_escape(FILE *f, const char *s);

/* Column hints. */
enum {
	EJ_COL_NUM = 1,		/* numeric: right-aligned, JSON number */
	EJ_COL_NOWRAP = 2	/* text never wrapped (codes, dates) */
};

struct ej_table;
struct ej_doc;

/* A table with a title for people (may be NULL). */
struct ej_table *ej_table_new(const char *title);
void ej_table_free(struct ej_table *t);

/* Append a column; returns its index. heading NULL: the key. */
size_t ej_table_col(struct ej_table *t, const char *key,
    const char *heading, unsigned flags);
/* Start a new row (in the current section). */
void ej_table_row(struct ej_table *t);
/* Append a cell to the current row (NULL: empty); extra cells dropped. */
void ej_table_cell(struct ej_table *t, const char *s);
void ej_table_cellf(struct ej_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set cell col of the current row, in any order. */
void ej_table_set(struct ej_table *t, size_t col, const char *s);
/* Begin a section: the rows that follow belong to it. */
void ej_table_section(struct ej_table *t, const char *label);
/* Key of the section column in CSV/TSV/JSON (default "section"). */
void ej_table_section_key(struct ej_table *t, const char *key);
/* A line of text under the title (text and HTML only). */
void ej_table_note(struct ej_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Leading columns repeated when text splits a wide table (default 1). */
void ej_table_keep(struct ej_table *t, size_t ncols);
/* Key of the table in a JSON document of several (default "table"). */
void ej_table_key(struct ej_table *t, const char *key);
/*
 * HTML only: draw a bar chart of column value_col (numeric cells) labelled
 * by column label_col, one bar a row, with a caption.
 */
void ej_table_chart(struct ej_table *t, const char *caption,
    size_t label_col, size_t value_col);

size_t ej_table_ncols(const struct ej_table *t);
size_t ej_table_nrows(const struct ej_table *t);
/* Cell of row r, column c ("" when empty). */
const char *ej_table_get(const struct ej_table *t, size_t r, size_t c);

/* The title ("" when none), and column c's key and heading. */
const char *ej_table_title(const struct ej_table *t);
const char *ej_table_col_key(const struct ej_table *t, size_t c);
const char *ej_table_heading(const struct ej_table *t, size_t c);

/* Write one table as a document of its own. */
int ej_table_write(const struct ej_table *t, enum ej_format fmt, FILE *f,
    struct ej_diag *d);

/* A document: a title (HTML page and text heading) and its tables. */
struct ej_doc *ej_doc_new(const char *title);
void ej_doc_free(struct ej_doc *doc);
/* Append t; the document owns it from now on. */
void ej_doc_add(struct ej_doc *doc, struct ej_table *t);
/* The document's tables, in order (NULL past the last). */
size_t ej_doc_ntables(const struct ej_doc *doc);
struct ej_table *ej_doc_table(const struct ej_doc *doc, size_t i);
/* HTML: print on A4 landscape. */
void ej_doc_landscape(struct ej_doc *doc, int on);
/* Text: the width to fit (default 80; 0: never wrap or split). */
void ej_doc_width(struct ej_doc *doc, size_t width);
int ej_doc_write(const struct ej_doc *doc, enum ej_format fmt, FILE *f,
    struct ej_diag *d);

/*
 * Fixed-point numbers for cells, independent of the locale's decimal
 * comma: v with dec decimals ("4.33"), rounded half away from zero.
 */
void ej_table_fmt_num(char *buf, size_t n, double v, int dec);

#endif
