/* table — result tables as text, CSV, TSV, JSON and HTML (see table.h). */
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "csvio.h"
#include "i18n.h"
#include "table.h"
#include "text.h"

#define NO_SECTION ((size_t)-1)
/* Text columns are not wrapped narrower than this, nor narrower than
 * their longest word up to MAX_WORD. */
#define MIN_WRAP 8
#define MAX_WORD 24

struct col {
	char *key;
	char *heading;
	unsigned flags;
};

struct row {
	char **cells;		/* ncols of them, NULL = empty */
	size_t ncells;
	size_t section;
};

struct ej_table {
	char *title;
	char *key;
	char *seckey;
	struct col *cols;
	size_t ncols, capcols;
	struct row *rows;
	size_t nrows, caprows;
	char **sections;
	size_t nsec, capsec;
	size_t cursec;
	char **notes;
	size_t nnotes;
	size_t keep;
	size_t next;		/* next cell of the current row */
	char *chart_caption;	/* NULL: no chart */
	size_t chart_label, chart_value;
};

struct ej_doc {
	char *title;
	struct ej_table **tables;
	size_t n;
	int landscape;
	size_t width;
};

static const char *const fmt_names[EJ_FMT_NFORMATS] = {
	"text", "csv", "tsv", "json", "html"
};

int
ej_format_parse(const char *name, unsigned allowed_mask, enum ej_format *out,
    struct ej_diag *d)
{
	char list[64] = "";
	size_t i;

	for (i = 0; i < EJ_FMT_NFORMATS; i++) {
		if (!(allowed_mask & EJ_FMT_BIT(i)))
			continue;
		if (name != NULL && strcasecmp(name, fmt_names[i]) == 0) {
			*out = (enum ej_format)i;
			return 0;
		}
		if (list[0] != '\0')
			strcat(list, ", ");
		strcat(list, fmt_names[i]);
	}
	return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
	    _("unknown format '%s' (one of: %s)"), name ? name : "", list);
}

const char *
ej_format_name(enum ej_format f)
{
	return (unsigned)f < EJ_FMT_NFORMATS ? fmt_names[f] : "?";
}

void
ej_table_fmt_num(char *buf, size_t n, double v, int dec)
{
	long long scale = 1, q;
	int i, neg = v < 0;

	for (i = 0; i < dec; i++)
		scale *= 10;
	q = (long long)((neg ? -v : v) * (double)scale + 0.5 + 1e-9);
	if (dec == 0)
		snprintf(buf, n, "%s%lld", neg && q ? "-" : "", q);
	else
		snprintf(buf, n, "%s%lld.%0*lld", neg && q ? "-" : "",
		    q / scale, dec, q % scale);
}

/* --- building ------------------------------------------------------- */

struct ej_table *
ej_table_new(const char *title)
{
	struct ej_table *t = ej_xcalloc(1, sizeof *t);

	t->title = title ? ej_xstrdup(title) : NULL;
	t->key = ej_xstrdup("table");
	t->seckey = ej_xstrdup("section");
	t->cursec = NO_SECTION;
	t->keep = 1;
	return t;
}

void
ej_table_free(struct ej_table *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].key);
		free(t->cols[i].heading);
	}
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->rows[i].ncells; j++)
			free(t->rows[i].cells[j]);
		free(t->rows[i].cells);
	}
	for (i = 0; i < t->nsec; i++)
		free(t->sections[i]);
	for (i = 0; i < t->nnotes; i++)
		free(t->notes[i]);
	free(t->cols);
	free(t->rows);
	free(t->sections);
	free(t->notes);
	free(t->title);
	free(t->key);
	free(t->seckey);
	free(t->chart_caption);
	free(t);
}

size_t
ej_table_col(struct ej_table *t, const char *key, const char *heading,
    unsigned flags)
{
	if (t->ncols == t->capcols) {
		t->capcols = t->capcols ? 2 * t->capcols : 8;
		t->cols = ej_xrealloc(t->cols, t->capcols * sizeof *t->cols);
	}
	t->cols[t->ncols].key = ej_xstrdup(key);
	t->cols[t->ncols].heading = ej_xstrdup(heading ? heading : key);
	t->cols[t->ncols].flags = flags;
	return t->ncols++;
}

void
ej_table_row(struct ej_table *t)
{
	struct row *r;

	if (t->nrows == t->caprows) {
		t->caprows = t->caprows ? 2 * t->caprows : 16;
		t->rows = ej_xrealloc(t->rows, t->caprows * sizeof *t->rows);
	}
	r = &t->rows[t->nrows++];
	r->ncells = t->ncols;
	r->cells = ej_xcalloc(r->ncells ? r->ncells : 1, sizeof *r->cells);
	r->section = t->cursec;
	t->next = 0;
}

void
ej_table_set(struct ej_table *t, size_t col, const char *s)
{
	struct row *r;

	if (t->nrows == 0)
		ej_table_row(t);
	r = &t->rows[t->nrows - 1];
	if (col >= t->ncols)
		return;
	if (col >= r->ncells) {		/* a column added after the row */
		r->cells = ej_xrealloc(r->cells, t->ncols * sizeof *r->cells);
		memset(r->cells + r->ncells, 0,
		    (t->ncols - r->ncells) * sizeof *r->cells);
		r->ncells = t->ncols;
	}
	free(r->cells[col]);
	r->cells[col] = s && *s ? ej_xstrdup(s) : NULL;
}

void
ej_table_cell(struct ej_table *t, const char *s)
{
	if (t->nrows == 0)
		ej_table_row(t);
	ej_table_set(t, t->next++, s);
}

static char *
vfmt(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	s = ej_xmalloc((size_t)n + 1);
	if (vsnprintf(s, (size_t)n + 1, fmt, ap) < 0)
		s[0] = '\0';
	return s;
}

void
ej_table_cellf(struct ej_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	ej_table_cell(t, s);
	free(s);
}

void
ej_table_section(struct ej_table *t, const char *label)
{
	if (t->nsec == t->capsec) {
		t->capsec = t->capsec ? 2 * t->capsec : 8;
		t->sections = ej_xrealloc(t->sections,
		    t->capsec * sizeof *t->sections);
	}
	t->sections[t->nsec] = ej_xstrdup(label ? label : "");
	t->cursec = t->nsec++;
}

void
ej_table_section_key(struct ej_table *t, const char *key)
{
	free(t->seckey);
	t->seckey = ej_xstrdup(key);
}

void
ej_table_note(struct ej_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	t->notes = ej_xrealloc(t->notes, (t->nnotes + 1) * sizeof *t->notes);
	t->notes[t->nnotes++] = s;
}

void
ej_table_keep(struct ej_table *t, size_t ncols)
{
	t->keep = ncols;
}

void
ej_table_key(struct ej_table *t, const char *key)
{
	free(t->key);
	t->key = ej_xstrdup(key);
}

void
ej_table_chart(struct ej_table *t, const char *caption, size_t label_col,
    size_t value_col)
{
	free(t->chart_caption);
	t->chart_caption = ej_xstrdup(caption ? caption : "");
	t->chart_label = label_col;
	t->chart_value = value_col;
}

size_t
ej_table_ncols(const struct ej_table *t)
{
	return t->ncols;
}

size_t
ej_table_nrows(const struct ej_table *t)
{
	return t->nrows;
}

const char *
ej_table_get(const struct ej_table *t, size_t r, size_t c)
{
	if (r >= t->nrows || c >= t->rows[r].ncells ||
	    t->rows[r].cells[c] == NULL)
		return "";
	return t->rows[r].cells[c];
}

const char *
ej_table_title(const struct ej_table *t)
{
	return t->title ? t->title : "";
}

const char *
ej_table_col_key(const struct ej_table *t, size_t c)
{
	return c < t->ncols ? t->cols[c].key : "";
}

const char *
ej_table_heading(const struct ej_table *t, size_t c)
{
	if (c >= t->ncols)
		return "";
	return t->cols[c].heading ? t->cols[c].heading : t->cols[c].key;
}

/* --- documents ------------------------------------------------------ */

size_t
ej_doc_ntables(const struct ej_doc *doc)
{
	return doc->n;
}

struct ej_table *
ej_doc_table(const struct ej_doc *doc, size_t i)
{
	return i < doc->n ? doc->tables[i] : NULL;
}


struct ej_doc *
ej_doc_new(const char *title)
{
	struct ej_doc *doc = ej_xcalloc(1, sizeof *doc);

	doc->title = title ? ej_xstrdup(title) : NULL;
	doc->width = 80;
	return doc;
}

void
ej_doc_free(struct ej_doc *doc)
{
	size_t i;

	if (doc == NULL)
		return;
	for (i = 0; i < doc->n; i++)
		ej_table_free(doc->tables[i]);
	free(doc->tables);
	free(doc->title);
	free(doc);
}

void
ej_doc_add(struct ej_doc *doc, struct ej_table *t)
{
	doc->tables = ej_xrealloc(doc->tables,
	    (doc->n + 1) * sizeof *doc->tables);
	doc->tables[doc->n++] = t;
}

void
ej_doc_landscape(struct ej_doc *doc, int on)
{
	doc->landscape = on;
}

void
ej_doc_width(struct ej_doc *doc, size_t width)
{
	doc->width = width;
}

/* --- text ----------------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
};

static void
lines_add(struct lines *l, const char *s, size_t len)
{
	char *c = ej_xmalloc(len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	l->v = ej_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = c;
}

static void
lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static size_t
cp_width(const char *p, const char *q)
{
	char buf[8];
	size_t len = (size_t)(q - p);

	if (len >= sizeof buf)
		return 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return ej_text_width(buf);
}

/*
 * Break s into lines of at most w display columns: at the last space that
 * fits, or inside a word longer than the line; at every newline.
 */
static void
wrap(const char *s, size_t w, struct lines *out)
{
	const char *p = s, *end = s + strlen(s), *ls = s, *sp = NULL;
	size_t lw = 0, spw = 0;

	if (w == 0)
		w = 1;
	/* Most cells fit as they are. */
	if (strchr(s, '\n') == NULL && ej_text_width(s) <= w) {
		lines_add(out, s, (size_t)(end - s));
		return;
	}
	while (p < end) {
		const char *q = p;
		uint32_t cp;
		size_t cw;

		if (*p == '\n') {
			lines_add(out, ls, (size_t)(p - ls));
			ls = ++p;
			lw = 0;
			sp = NULL;
			continue;
		}
		if (ej_utf8_next(&q, end, &cp) == -1) {
			q = p + 1;
			cw = 1;
		} else {
			cw = cp_width(p, q);
		}
		while (lw > 0 && lw + cw > w) {
			if (sp != NULL && sp > ls) {
				lines_add(out, ls, (size_t)(sp - ls));
				lw -= spw + 1;
				ls = sp + 1;
				sp = NULL;
			} else {
				lines_add(out, ls, (size_t)(p - ls));
				ls = p;
				lw = 0;
				sp = NULL;
			}
		}
		if (*p == ' ') {
			sp = p;
			spw = lw;
		}
		lw += cw;
		p = q;
	}
	if (ls < end || out->n == 0)
		lines_add(out, ls, (size_t)(end - ls));
}

static size_t
text_width_multi(const char *s)
{
	const char *nl;
	size_t w = 0, x;

	if (strchr(s, '\n') == NULL)
		return ej_text_width(s);
	while ((nl = strchr(s, '\n')) != NULL) {
		char *part = ej_xmalloc((size_t)(nl - s) + 1);

		memcpy(part, s, (size_t)(nl - s));
		part[nl - s] = '\0';
		x = ej_text_width(part);
		free(part);
		if (x > w)
			w = x;
		s = nl + 1;
	}
	x = ej_text_width(s);
	return x > w ? x : w;
}

/* Display width of the longest word of s (words end at spaces). */
static size_t
longest_word(const char *s)
{
	size_t best = 0;

	while (*s) {
		size_t n = strcspn(s, " \n"), w;
		char word[4 * MAX_WORD + 8];

		if (n >= sizeof word) {		/* longer than any limit */
			best = n;
		} else if (n > best) {		/* bytes ≥ columns */
			memcpy(word, s, n);
			word[n] = '\0';
			w = ej_text_width(word);
			if (w > best)
				best = w;
		}
		s += n;
		if (*s)
			s++;
	}
	return best;
}

static int
wrappable(const struct ej_table *t, size_t c)
{
	return !(t->cols[c].flags & (EJ_COL_NUM | EJ_COL_NOWRAP));
}

static void
spaces(FILE *f, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;

		fwrite(sp, 1, k, f);
		n -= k;
	}
}

/* A cell's width when it is one line, SIZE_MAX when it has several. */
static size_t
cell_width(const char *s)
{
	return strchr(s, '\n') != NULL ? SIZE_MAX : ej_text_width(s);
}

/*
 * Print one row of the columns in blk[0..nb), each cell wrapped; cw holds
 * the cells' widths (cell_width), or is NULL to measure them.
 */
static void
text_row(FILE *f, const struct ej_table *t, const size_t *blk, size_t nb,
    const size_t *w, const char *const *cells, const size_t *cw)
{
	struct lines *ls;
	size_t i, k, height = 1, pending = 0;

	/* The common row: every cell on one line, each measured once. */
	for (i = 0; i < nb; i++) {
		const char *c = cells[blk[i]] ? cells[blk[i]] : "";

		if ((cw ? cw[blk[i]] : cell_width(c)) > w[blk[i]])
			break;
	}
	if (i == nb) {
		for (i = 0; i < nb; i++) {
			const char *c = cells[blk[i]] ? cells[blk[i]] : "";
			size_t col = blk[i];
			size_t x = !*c ? 0 : cw ? cw[col] : ej_text_width(c);
			int right = (t->cols[col].flags & EJ_COL_NUM) != 0;

			if (i > 0)
				pending += 2;
			if (*c == '\0') {
				pending += w[col];
				continue;
			}
			if (right)
				pending += w[col] - x;
			spaces(f, pending);
			fputs(c, f);
			pending = right ? 0 : w[col] - x;
		}
		fputc('\n', f);
		return;
	}
	ls = ej_xcalloc(nb ? nb : 1, sizeof *ls);
	for (i = 0; i < nb; i++) {
		wrap(cells[blk[i]] ? cells[blk[i]] : "", w[blk[i]], &ls[i]);
		if (ls[i].n > height)
			height = ls[i].n;
	}
	for (k = 0; k < height; k++) {
		pending = 0;		/* spaces owed before the next text */
		for (i = 0; i < nb; i++) {
			const char *s = k < ls[i].n ? ls[i].v[k] : "";
			size_t x = ej_text_width(s), c = blk[i];
			int right = (t->cols[c].flags & EJ_COL_NUM) != 0;

			if (i > 0)
				pending += 2;
			if (*s == '\0') {
				pending += w[c];
				continue;
			}
			if (right && x < w[c])
				pending += w[c] - x;
			spaces(f, pending);
			fputs(s, f);
			pending = right || x >= w[c] ? 0 : w[c] - x;
		}
		fputc('\n', f);
	}
	for (i = 0; i < nb; i++)
		lines_free(&ls[i]);
	free(ls);
}

static void
text_block(FILE *f, const struct ej_table *t, const size_t *blk, size_t nb,
    const size_t *w, const size_t *cwid)
{
	const char **cells = ej_xcalloc(t->ncols ? t->ncols : 1,
	    sizeof *cells);
	size_t i, r, c, sec = NO_SECTION;

	for (c = 0; c < t->ncols; c++)
		cells[c] = t->cols[c].heading;
	text_row(f, t, blk, nb, w, cells, NULL);
	for (i = 0; i < nb; i++) {
		size_t k;

		if (i > 0)
			fputs("  ", f);
		for (k = 0; k < w[blk[i]]; k++)
			fputc('-', f);
	}
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		const struct row *row = &t->rows[r];

		if (row->section != sec && row->section != NO_SECTION) {
			sec = row->section;
			fprintf(f, "%s== %s ==\n", r > 0 ? "\n" : "",
			    t->sections[sec]);
		}
		for (c = 0; c < t->ncols; c++)
			cells[c] = c < row->ncells ? row->cells[c] : NULL;
		text_row(f, t, blk, nb, w, (const char *const *)cells,
		    cwid + r * t->ncols);
	}
	free(cells);
}

static void
text_table(FILE *f, const struct ej_table *t, size_t width)
{
	size_t *w = ej_xcalloc(t->ncols ? t->ncols : 1, sizeof *w);
	size_t *blk = ej_xcalloc(t->ncols ? t->ncols : 1, sizeof *blk);
	size_t *nat = ej_xcalloc(t->ncols ? t->ncols : 1, sizeof *nat);
	size_t *minw = ej_xcalloc(t->ncols ? t->ncols : 1, sizeof *minw);
	size_t *cwid = ej_xcalloc(t->nrows * t->ncols + 1, sizeof *cwid);
	size_t natural, r, c, total = 0, keep = t->keep < t->ncols ? t->keep : t->ncols;

	if (t->title != NULL)
		fprintf(f, "%s\n", t->title);
	for (r = 0; r < t->nnotes; r++)
		fprintf(f, "%s\n", t->notes[r]);
	if (t->title != NULL || t->nnotes > 0)
		fputc('\n', f);
	for (c = 0; c < t->ncols; c++) {
		w[c] = text_width_multi(t->cols[c].heading);
		minw[c] = wrappable(t, c) ? longest_word(t->cols[c].heading) : 0;
		for (r = 0; r < t->nrows; r++) {
			const char *cell = ej_table_get(t, r, c);
			size_t x;

			x = cwid[r * t->ncols + c] = cell_width(cell);
			if (x == SIZE_MAX)
				x = text_width_multi(cell);

			if (x > w[c])
				w[c] = x;
			if (minw[c] < MAX_WORD && wrappable(t, c) &&
			    (x = longest_word(cell)) > minw[c])
				minw[c] = x;
		}
		/* Words are broken only when longer than MAX_WORD. */
		if (minw[c] > MAX_WORD)
			minw[c] = MAX_WORD;
		if (minw[c] < MIN_WRAP)
			minw[c] = MIN_WRAP;
		total += w[c] + (c > 0 ? 2 : 0);
	}
	/* Narrow the widest wrappable column, one column at a time; when
	 * that cannot make the table fit, it is split into blocks of
	 * columns at their natural widths instead. */
	memcpy(nat, w, t->ncols * sizeof *w);
	natural = total;
	while (width > 0 && total > width) {
		size_t best = t->ncols;

		for (c = 0; c < t->ncols; c++)
			if (wrappable(t, c) && w[c] > minw[c] &&
			    (best == t->ncols || w[c] > w[best]))
				best = c;
		if (best == t->ncols)
			break;
		w[best]--;
		total--;
	}
	if (width > 0 && total > width) {
		memcpy(w, nat, t->ncols * sizeof *w);
		total = natural;
	}
	if (width == 0 || total <= width) {
		for (c = 0; c < t->ncols; c++)
			blk[c] = c;
		text_block(f, t, blk, t->ncols, w, cwid);
	} else {
		/* Blocks of columns that fit, each led by the key columns. */
		size_t lead = 0, next = keep, nb;

		for (c = 0; c < keep; c++) {
			blk[c] = c;
			lead += w[c] + (c > 0 ? 2 : 0);
		}
		while (next < t->ncols) {
			size_t used = lead;

			nb = keep;
			while (next < t->ncols &&
			    (nb == keep || used + 2 + w[next] <= width)) {
				used += (nb > 0 ? 2 : 0) + w[next];
				blk[nb++] = next++;
			}
			text_block(f, t, blk, nb, w, cwid);
			if (next < t->ncols)
				fputc('\n', f);
		}
	}
	free(cwid);
	free(minw);
	free(nat);
	free(blk);
	free(w);
}

/* --- CSV and TSV ---------------------------------------------------- */

static int
csv_table(FILE *f, const struct ej_table *t, int delim)
{
	struct ej_csv_writer *cw;
	struct ej_csv_wopts o = { 0 };
	size_t r, c;
	int rc = 0, secs = t->nsec > 0;

	o.delim = delim;
	if (ej_csv_writer_new(&cw, f, &o) == -1)
		return -1;
	if (secs)
		rc |= ej_csv_put(cw, t->seckey);
	for (c = 0; c < t->ncols; c++)
		rc |= ej_csv_put(cw, t->cols[c].key);
	rc |= ej_csv_end_row(cw);
	for (r = 0; r < t->nrows; r++) {
		if (secs)
			rc |= ej_csv_put(cw, t->rows[r].section == NO_SECTION ?
			    NULL : t->sections[t->rows[r].section]);
		for (c = 0; c < t->ncols; c++)
			rc |= ej_csv_put(cw, ej_table_get(t, r, c));
		rc |= ej_csv_end_row(cw);
	}
	ej_csv_writer_free(cw);
	return rc ? -1 : 0;
}

/* --- JSON ----------------------------------------------------------- */

/* A cell of a numeric column that reads as a number: its JSON value. */
static json_t *
json_number(const char *s)
{
	const char *p = s;
	long long ip = 0, fp = 0, scale = 1;
	int neg = 0, nd = 0, nf = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9' && nd < 15; p++, nd++)
		ip = ip * 10 + (*p - '0');
	if (nd == 0)
		return NULL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && nf < 6; p++, nf++) {
			fp = fp * 10 + (*p - '0');
			scale *= 10;
		}
		if (nf == 0)
			return NULL;
	}
	if (*p != '\0')
		return NULL;
	if (nf == 0)
		return json_integer(neg ? -ip : ip);
	return json_real((neg ? -1.0 : 1.0) *
	    (double)(ip * scale + fp) / (double)scale);
}

static json_t *
json_str(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("\xef\xbf\xbd");	/* not UTF-8 */
}

static json_t *
json_table(const struct ej_table *t)
{
	json_t *arr = json_array();
	size_t r, c;

	if (arr == NULL)
		return NULL;
	for (r = 0; r < t->nrows; r++) {
		json_t *o = json_object();

		if (o == NULL || json_array_append_new(arr, o) == -1) {
			json_decref(arr);
			return NULL;
		}
		if (t->nsec > 0)
			json_object_set_new(o, t->seckey,
			    t->rows[r].section == NO_SECTION ? json_null() :
			    json_str(t->sections[t->rows[r].section]));
		for (c = 0; c < t->ncols; c++) {
			const char *s = ej_table_get(t, r, c);
			json_t *v = NULL;

			if (*s == '\0')
				v = json_null();
			else if (t->cols[c].flags & EJ_COL_NUM)
				v = json_number(s);
			if (v == NULL)
				v = json_str(s);
			if (json_object_set_new(o, t->cols[c].key, v) == -1) {
				json_decref(arr);
				return NULL;
			}
		}
	}
	return arr;
}

/*
 * Streaming: the same bytes as json_dumpf(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) of the tree json_table
 * builds, written a cell at a time — a tree of a large school's rows
 * costs more than the query that made them. (A table whose keys repeat,
 * where an object would keep the last, still goes through jansson.)
 */

/* Is s valid UTF-8 as jansson accepts it (no overlong forms, no
 * surrogates, nothing past U+10FFFF)? */
static int
utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n, i;
		unsigned long v;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c < 0xC2 || c > 0xF4)
			return 0;
		n = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
		v = c & (0x3F >> n);
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			v = (v << 6) | (s[i] & 0x3F);
		}
		if ((n == 2 && v < 0x800) || (n == 3 && v < 0x10000) ||
		    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
			return 0;
		s += n + 1;
	}
	return 1;
}

static void
js_string(FILE *f, const char *s)
{
	const char *p;

	if (!utf8_valid((const unsigned char *)s))
		s = "\xef\xbf\xbd";
	fputc('"', f);
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04X", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* A numeric column's cell: as json_number reads it, as jansson writes
 * it; 0 when it is no number. */
static int
js_number(FILE *f, const char *s)
{
	json_t *j = json_number(s);
	char buf[64], *e, *end, *q;
	const char *dp;
	size_t len;

	if (j == NULL)
		return 0;
	if (json_is_integer(j)) {
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		json_decref(j);
		return 1;
	}
	snprintf(buf, sizeof buf, "%.15g", json_real_value(j));
	json_decref(j);
	/* the locale's decimal point as '.', as jansson does */
	dp = localeconv()->decimal_point;
	if (dp && *dp && strcmp(dp, ".") != 0 && (q = strstr(buf, dp))) {
		len = strlen(dp);
		*q = '.';
		memmove(q + 1, q + len, strlen(q + len) + 1);
	}
	if (!strchr(buf, '.') && !strchr(buf, 'e'))
		strcat(buf, ".0");
	if ((e = strchr(buf, 'e')) != NULL) {
		e++;
		end = e + 1;
		if (*e == '-')
			e++;
		while (*end == '0')
			end++;
		if (end != e)
			memmove(e, end, strlen(end) + 1);
	}
	fputs(buf, f);
	return 1;
}

static void
js_indent(FILE *f, int depth)
{
	fputc('\n', f);
	while (depth-- > 0)
		fputs("  ", f);
}

/* The keys of a row's object, each once? */
static int
js_keys_unique(const struct ej_table *t)
{
	size_t i, j;

	for (i = 0; i < t->ncols; i++) {
		if (t->nsec > 0 && strcmp(t->cols[i].key, t->seckey) == 0)
			return 0;
		for (j = 0; j < i; j++)
			if (strcmp(t->cols[i].key, t->cols[j].key) == 0)
				return 0;
	}
	return 1;
}

static void
js_table(FILE *f, const struct ej_table *t, int depth)
{
	size_t r, c;

	if (t->nrows == 0) {
		fputs("[]", f);
		return;
	}
	fputc('[', f);
	for (r = 0; r < t->nrows; r++) {
		int first = 1;

		js_indent(f, depth + 1);
		if (t->nsec == 0 && t->ncols == 0) {
			fputs("{}", f);
		} else {
			fputc('{', f);
			if (t->nsec > 0) {
				js_indent(f, depth + 2);
				js_string(f, t->seckey);
				fputs(": ", f);
				if (t->rows[r].section == NO_SECTION)
					fputs("null", f);
				else
					js_string(f, t->sections[
					    t->rows[r].section]);
				first = 0;
			}
			for (c = 0; c < t->ncols; c++) {
				const char *s = ej_table_get(t, r, c);

				if (!first)
					fputc(',', f);
				first = 0;
				js_indent(f, depth + 2);
				js_string(f, t->cols[c].key);
				fputs(": ", f);
				if (*s == '\0')
					fputs("null", f);
				else if (!(t->cols[c].flags & EJ_COL_NUM) ||
				    !js_number(f, s))
					js_string(f, s);
			}
			js_indent(f, depth + 1);
			fputc('}', f);
		}
		if (r + 1 < t->nrows)
			fputc(',', f);
	}
	js_indent(f, depth);
	fputc(']', f);
}

static int
json_doc(FILE *f, const struct ej_doc *doc)
{
	json_t *root;
	size_t i, j;
	int rc, stream = 1;

	for (i = 0; i < doc->n && stream; i++) {
		stream = js_keys_unique(doc->tables[i]);
		for (j = 0; j < i && stream && doc->n > 1; j++)
			stream = strcmp(doc->tables[i]->key,
			    doc->tables[j]->key) != 0;
	}
	if (stream) {
		if (doc->n == 1) {
			js_table(f, doc->tables[0], 0);
		} else if (doc->n == 0) {
			fputs("{}", f);
		} else {
			fputc('{', f);
			for (i = 0; i < doc->n; i++) {
				js_indent(f, 1);
				js_string(f, doc->tables[i]->key);
				fputs(": ", f);
				js_table(f, doc->tables[i], 1);
				if (i + 1 < doc->n)
					fputc(',', f);
			}
			js_indent(f, 0);
			fputc('}', f);
		}
		fputc('\n', f);
		return 0;
	}
	if (doc->n == 1) {
		root = json_table(doc->tables[0]);
	} else {
		root = json_object();
		for (i = 0; root != NULL && i < doc->n; i++) {
			json_t *a = json_table(doc->tables[i]);

			if (a == NULL ||
			    json_object_set_new(root, doc->tables[i]->key, a)) {
				json_decref(root);
				root = NULL;
			}
		}
	}
	if (root == NULL)
		ej_xmalloc((size_t)-1);		/* jansson out of memory */
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));
	json_decref(root);
	fputc('\n', f);
	return rc;
}

/* --- HTML ----------------------------------------------------------- */

void
ej_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n': fputs("<br>", f); break;
		default: fputc(*s, f);
		}
}

static double
cell_value(const char *s)
{
	json_t *j = json_number(s);
	double v = 0;

	if (j != NULL) {
		v = json_number_value(j);
		json_decref(j);
	}
	return v;
}

/* Horizontal bars, one a row: label, bar, value. */
static void
html_chart(FILE *f, const struct ej_table *t)
{
	const int lw = 200, bw = 400, rh = 22;
	double max = 0;
	size_t r;
	int h = (int)t->nrows * rh + 10;
	char num[32];

	for (r = 0; r < t->nrows; r++) {
		double v = cell_value(ej_table_get(t, r, t->chart_value));

		if (v > max)
			max = v;
	}
	fprintf(f, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
	    "<title>", lw + bw + 80, h, lw + bw + 80, h);
	ej_html_escape(f, t->chart_caption);
	fputs("</title>\n", f);
	for (r = 0; r < t->nrows; r++) {
		double v = cell_value(ej_table_get(t, r, t->chart_value));
		int y = (int)r * rh + 5;
		int len = max > 0 ? (int)(v / max * bw + 0.5) : 0;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    lw - 6, y + 15);
		ej_html_escape(f, ej_table_get(t, r, t->chart_label));
		ej_table_fmt_num(num, sizeof num, v, 2);
		fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"#4a7ab5\"/><text x=\"%d\" y=\"%d\">",
		    lw, y, len, rh - 6, lw + len + 4, y + 15);
		ej_html_escape(f, ej_table_get(t, r, t->chart_value));
		fputs("</text>\n", f);
	}
	fputs("</svg>\n<figcaption>", f);
	ej_html_escape(f, t->chart_caption);
	fputs("</figcaption>\n</figure>\n", f);
}

static void
html_table(FILE *f, const struct ej_table *t)
{
	size_t r, c, sec = NO_SECTION;

	fputs("<section>\n", f);
	if (t->title != NULL) {
		fputs("<h2>", f);
		ej_html_escape(f, t->title);
		fputs("</h2>\n", f);
	}
	for (r = 0; r < t->nnotes; r++) {
		fputs("<p class=\"note\">", f);
		ej_html_escape(f, t->notes[r]);
		fputs("</p>\n", f);
	}
	if (t->chart_caption != NULL && t->nrows > 0)
		html_chart(f, t);
	fputs("<table>\n<thead><tr>", f);
	for (c = 0; c < t->ncols; c++) {
		fputs("<th>", f);
		ej_html_escape(f, t->cols[c].heading);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (r = 0; r < t->nrows; r++) {
		const struct row *row = &t->rows[r];

		if (row->section != sec && row->section != NO_SECTION) {
			sec = row->section;
			fprintf(f, "<tr class=\"sec\"><th colspan=\"%zu\">",
			    t->ncols);
			ej_html_escape(f, t->sections[sec]);
			fputs("</th></tr>\n", f);
		}
		fputs("<tr>", f);
		for (c = 0; c < t->ncols; c++) {
			fputs(t->cols[c].flags & EJ_COL_NUM ?
			    "<td class=\"n\">" : "<td>", f);
			ej_html_escape(f, ej_table_get(t, r, c));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

static void
html_doc(FILE *f, const struct ej_doc *doc)
{
	const char *title = doc->title ? doc->title :
	    doc->n > 0 && doc->tables[0]->title ? doc->tables[0]->title : "ej";
	size_t i;

	fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>", f);
	ej_html_escape(f, title);
	fputs("</title>\n<style>\n"
	    "body { font-family: sans-serif; font-size: 11pt; margin: 1em; }\n"
	    "h1 { font-size: 15pt; } h2 { font-size: 13pt; }\n"
	    "table { border-collapse: collapse; margin: 0 0 1.5em; }\n"
	    "th, td { border: 1px solid #888; padding: 2px 6px; "
	    "vertical-align: top; }\n"
	    "th { background: #eee; }\n"
	    "td.n { text-align: right; }\n"
	    "tr.sec th { text-align: left; background: #ddd; }\n"
	    "p.note { margin: 0.2em 0; }\n"
	    "figure { margin: 0 0 1em; } svg text { font-size: 12px; }\n"
	    "@media print {\n"
	    "  body { margin: 0; font-size: 9pt; }\n"
	    "  thead { display: table-header-group; }\n"
	    "  tr { page-break-inside: avoid; }\n"
	    "  section { page-break-after: auto; }\n"
	    "}\n", f);
	fprintf(f, "@page { size: A4%s; margin: 10mm; }\n",
	    doc->landscape ? " landscape" : "");
	fputs("</style>\n</head>\n<body>\n", f);
	if (doc->title != NULL) {
		fputs("<h1>", f);
		ej_html_escape(f, doc->title);
		fputs("</h1>\n", f);
	}
	for (i = 0; i < doc->n; i++)
		html_table(f, doc->tables[i]);
	fputs("</body>\n</html>\n", f);
}

/* --- writing -------------------------------------------------------- */

int
ej_doc_write(const struct ej_doc *doc, enum ej_format fmt, FILE *f,
    struct ej_diag *d)
{
	size_t i;
	int rc = 0;

	switch (fmt) {
	case EJ_FMT_TEXT:
		if (doc->title != NULL)
			fprintf(f, "%s\n\n", doc->title);
		for (i = 0; i < doc->n; i++) {
			if (i > 0)
				fputc('\n', f);
			text_table(f, doc->tables[i], doc->width);
		}
		break;
	case EJ_FMT_CSV:
	case EJ_FMT_TSV:
		for (i = 0; i < doc->n && rc == 0; i++) {
			if (i > 0)
				fputc('\n', f);
			rc = csv_table(f, doc->tables[i],
			    fmt == EJ_FMT_TSV ? '\t' : ',');
		}
		break;
	case EJ_FMT_JSON:
		rc = json_doc(f, doc);
		break;
	case EJ_FMT_HTML:
		html_doc(f, doc);
		break;
	}
	if (fflush(f) == EOF || ferror(f) || rc != 0)
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0,
		    _("cannot write the output"));
	return 0;
}

int
ej_table_write(const struct ej_table *t, enum ej_format fmt, FILE *f,
    struct ej_diag *d)
{
	struct ej_doc doc = { 0 };
	struct ej_table *one = (struct ej_table *)t;

	doc.tables = &one;
	doc.n = 1;
	doc.width = 80;
	return ej_doc_write(&doc, fmt, f, d);
}
