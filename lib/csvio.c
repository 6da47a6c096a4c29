/* csvio — CSV in and out; see csvio.h. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "csvio.h"
#include "err.h"
#include "i18n.h"
#include "priv.h"
#include "text.h"

/*
 * The input pipeline, one chunk at a time:
 *
 *	raw (bytes of the file)
 *	  -> BOM dropped, encoding decided, UTF-8 checked or iconv(3) run
 *	dec (UTF-8; CRLF made LF)
 *	  -> cut at each LF, counted: the physical line of every byte
 *	libcsv
 *	  -> fields into buf, one record at a time
 *
 * Errors found while decoding (invalid UTF-8, a byte CP1251 lacks) wait
 * in "pend" until everything before them has gone through the parser, so
 * that their line is exact and the records before them are delivered.
 */
#define RAW_SIZE	65536
#define DEC_SIZE	(3 * RAW_SIZE + 16)	/* CP1251 → UTF-8: ≤ 3 bytes each */
#define NOFIELD		((size_t)-1)
#define HEADER_MAX	EJ_CSV_FIELD_MAX

enum mode {
	M_UNDECIDED,		/* auto, only ASCII so far */
	M_UTF8,
	M_ICONV			/* CP1251 or UTF-16 through cd */
};

enum pend {
	P_NONE,
	P_UTF8,			/* invalid UTF-8 */
	P_ICONV,		/* a byte the source encoding lacks */
	P_TRUNC			/* input ends inside a character */
};

struct ej_csv_reader {
	FILE *f;
	int own;			/* opened here: ours to close */
	off_t start;			/* where f began; -1: not seekable */
	char *name;
	const struct ej_csv_col *cols;
	size_t ncols;
	struct ej_csv_opts o;

	/* decoding */
	enum mode mode;
	enum ej_csv_encoding enc;	/* in use; AUTO while undecided */
	iconv_t cd;
	int started;			/* BOM looked for */
	int eof;			/* fread saw the end */
	enum pend pend;
	unsigned char pend_byte;
	int pending_cr;			/* a CR at the end of dec: LF next? */
	int cr_eol;			/* lone CRs end lines (classic Mac) */
	size_t rawpos, rawlen;
	size_t decpos, declen;
	long line_bias;			/* LFs read ahead for the header */

	/* parsing */
	struct csv_parser p;
	int p_live;
	int delim;
	long line;			/* line of the next byte fed */
	long rec_line;			/* where the record being parsed began */
	int skip_line;			/* drop input up to the next LF */
	int finished;			/* csv_fini done */
	int failed;
	int at_end;

	/* the record being assembled */
	char *buf;
	size_t buflen, bufcap;
	size_t *off;			/* field starts in buf, or NOFIELD */
	size_t nf;			/* fields seen, stored or not */
	size_t store;			/* fields kept at most */
	int rec_done;
	int rec_nonblank;
	int too_big;

	/* the header */
	char **hdr;
	size_t nhdr;
	long hline;
	long *colmap;			/* known column → field, or -1 */

	/* values of the known columns of the current record */
	char *vals;
	size_t valscap;
	size_t *valoff;
	struct ej_csv_record rec;
	unsigned long nrec, nbad;

	unsigned char raw[RAW_SIZE];
	char dec[DEC_SIZE];
};

/* White space around values: ASCII, NBSP, U+2007, U+202F (as text.c). */
static size_t
space_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 0)
		return 0;
	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 &&
	    (u[2] == 0x87 || u[2] == 0xAF))
		return 3;
	return 0;
}

static size_t
space_before(const char *s, size_t n)
{
	unsigned char last = n ? (unsigned char)s[n - 1] : 0;
	size_t k;

	/* only these bytes end a space */
	if (n == 0 || (last != ' ' && (last < '\t' || last > '\r') &&
	    last != 0xA0 && last != 0x87 && last != 0xAF))
		return 0;
	for (k = 1; k <= 3 && k <= n; k++)
		if (space_at(s + n - k, k) == k)
			return k;
	return 0;
}

/* Trim the span (*s, *n) in place. */
static void
trim(const char **s, size_t *n)
{
	size_t k;

	while ((k = space_at(*s, *n)) > 0) {
		*s += k;
		*n -= k;
	}
	while ((k = space_before(*s, *n)) > 0)
		*n -= k;
}

static int
blank(const char *s, size_t n)
{
	trim(&s, &n);
	return n == 0;
}

/*
 * See csvio.h: what a spreadsheet could take for a formula. '=' and '@'
 * always; '+' and '-' unless the cell is a plain number ("-5", "+3,5"),
 * a lone sign or a run of dashes (a mark for "none"): "=1-1", "-2-3" and
 * "+7-978-123" are arithmetic to Excel, so only what cannot compute to
 * anything but itself goes out bare.
 */
static int
dangerous(const char *s, size_t n)
{
	size_t i, digits;

	if (n == 0)
		return 0;
	switch (s[0]) {
	case '\t':
	case '\r':
	case '=':
	case '@':
		return 1;
	case '+':
	case '-':
		break;
	default:
		return 0;
	}
	for (i = 0; i < n && s[i] == '-'; i++)
		continue;
	if (i == n || n == 1)
		return 0;
	for (i = 1, digits = 0; i < n && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (digits == 0)
		return 1;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		for (i++, digits = 0; i < n && isdigit((unsigned char)s[i]);
		    i++)
			digits++;
		if (digits == 0)
			return 1;
	}
	return i != n;
}

/* Whether the writer puts an apostrophe before s (and the reader drops
 * one): s without its leading apostrophes is dangerous. */
static int
needs_apostrophe(const char *s, size_t n)
{
	while (n > 0 && *s == '\'') {
		s++;
		n--;
	}
	return dangerous(s, n);
}

int
ej_csv_dangerous(const char *s)
{
	return dangerous(s, strlen(s));
}

int
ej_csv_encoding_parse(enum ej_csv_encoding *out, const char *s)
{
	if (strcasecmp(s, "auto") == 0)
		*out = EJ_CSV_ENC_AUTO;
	else if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		*out = EJ_CSV_ENC_UTF8;
	else if (strcasecmp(s, "cp1251") == 0 ||
	    strcasecmp(s, "windows-1251") == 0)
		*out = EJ_CSV_ENC_CP1251;
	else
		return -1;
	return 0;
}

const char *
ej_csv_encoding_name(enum ej_csv_encoding e)
{
	switch (e) {
	case EJ_CSV_ENC_UTF8: return "UTF-8";
	case EJ_CSV_ENC_CP1251: return "CP1251";
	case EJ_CSV_ENC_UTF16: return "UTF-16";
	default: return "auto";
	}
}

int
ej_csv_delim_parse(int *out, const char *s)
{
	if (strcmp(s, ",") == 0 || strcasecmp(s, "comma") == 0)
		*out = ',';
	else if (strcmp(s, ";") == 0 || strcasecmp(s, "semicolon") == 0)
		*out = ';';
	else if (strcmp(s, "\t") == 0 || strcmp(s, "\\t") == 0 ||
	    strcasecmp(s, "tab") == 0)
		*out = '\t';
	else
		return -1;
	return 0;
}

/* libcsv callbacks */

/* Spaces are data: the caller trims values, raw fields stay as written. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* Only LF ends a record: CRLF is made LF before the parser sees it, and
 * a lone CR is data (inside quotes, or to be trimmed). */
static int
is_lf(unsigned char c)
{
	return c == '\n';
}

static void
on_field(void *s, size_t len, void *payload)
{
	struct ej_csv_reader *r = payload;
	size_t need;

	if (len > EJ_CSV_FIELD_MAX)
		r->too_big = 1;
	if (s && !blank(s, len))
		r->rec_nonblank = 1;
	if (r->nf < r->store && !r->too_big) {
		if (s == NULL)
			r->off[r->nf] = NOFIELD;
		else {
			need = r->buflen + len + 1;
			if (need > r->bufcap) {
				r->bufcap = need > 2 * r->bufcap ? need :
				    2 * r->bufcap;
				r->buf = ej_xrealloc(r->buf, r->bufcap);
			}
			memcpy(r->buf + r->buflen, s, len);
			r->buf[r->buflen + len] = '\0';
			r->off[r->nf] = r->buflen;
			r->buflen += len + 1;
		}
	}
	r->nf++;
}

static void
on_row(int c, void *payload)
{
	struct ej_csv_reader *r = payload;

	(void)c;
	r->rec_done = 1;
}

static int
parser_init(struct ej_csv_reader *r)
{
	if (r->p_live) {
		csv_free(&r->p);
		r->p_live = 0;
	}
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
	    CSV_EMPTY_IS_NULL) != 0)
		return -1;
	r->p_live = 1;
	csv_set_delim(&r->p, (unsigned char)r->delim);
	csv_set_space_func(&r->p, no_space);
	csv_set_term_func(&r->p, is_lf);
	/* Fewer reallocs on long fields than the default 128 bytes. */
	csv_set_blk_size(&r->p, 4096);
	return 0;
}

static void
reset_record(struct ej_csv_reader *r)
{
	r->buflen = 0;
	r->nf = 0;
	r->rec_done = 0;
	r->rec_nonblank = 0;
}

static int
fail(struct ej_csv_reader *r)
{
	r->failed = 1;
	return -1;
}

/* decoding */

/* fread up to a full raw buffer, keeping what is not yet decoded. */
static int
read_raw(struct ej_csv_reader *r, struct ej_diag *d)
{
	size_t got;

	memmove(r->raw, r->raw + r->rawpos, r->rawlen - r->rawpos);
	r->rawlen -= r->rawpos;
	r->rawpos = 0;
	while (!r->eof && r->rawlen < RAW_SIZE) {
		got = fread(r->raw + r->rawlen, 1, RAW_SIZE - r->rawlen, r->f);
		r->rawlen += got;
		if (got == 0) {
			if (ferror(r->f))
				return ej_error(d, EJ_EXIT_IOERR, r->name, 0, 0,
				    _("read error: %s"), strerror(errno));
			r->eof = 1;
		}
	}
	return 0;
}

static int
open_iconv(struct ej_csv_reader *r, const char *from, struct ej_diag *d)
{
	r->cd = iconv_open("UTF-8", from);
	if (r->cd == (iconv_t)-1)
		return ej_error(d, EJ_EXIT_SOFTWARE, r->name, 0, 0,
		    _("cannot convert from %s: %s"), from, strerror(errno));
	r->mode = M_ICONV;
	return 0;
}

/* The start of the input: byte-order marks. */
static int
start(struct ej_csv_reader *r, struct ej_diag *d)
{
	const unsigned char *p = r->raw + r->rawpos;
	size_t n = r->rawlen - r->rawpos;

	r->started = 1;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		if (r->o.encoding == EJ_CSV_ENC_CP1251)
			ej_warn(d, r->name, 1, 0, _("the file begins with a "
			    "UTF-8 byte-order mark, but CP1251 was asked for"));
		else {
			r->rawpos += 3;
			r->mode = M_UTF8;
			r->enc = EJ_CSV_ENC_UTF8;
		}
	} else if (n >= 2 && r->o.encoding == EJ_CSV_ENC_AUTO &&
	    ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
		r->rawpos += 2;
		r->enc = EJ_CSV_ENC_UTF16;
		return open_iconv(r, p[0] == 0xFF ? "UTF-16LE" : "UTF-16BE",
		    d);
	}
	if (r->o.encoding == EJ_CSV_ENC_CP1251)
		return open_iconv(r, "CP1251", d);
	return 0;
}

/* s[0..n) ends inside a UTF-8 sequence that more input may complete. */
static int
truncated(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (n >= len)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return 1;
}

/*
 * Length of the valid UTF-8 at the start of s[0..n); *bad when an invalid
 * sequence stopped it (rather than the end, or an incomplete sequence at
 * the end that the next read may complete).
 */
static size_t
utf8_span(const unsigned char *s, size_t n, int at_eof, int *bad)
{
	const char *p = (const char *)s, *end = p + n;
	uint32_t cp;

	*bad = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x80) {
			p++;
			continue;
		}
		/* two bytes (Cyrillic): valid from C2 on, no overlong */
		if (c >= 0xC2 && c <= 0xDF && end - p >= 2 &&
		    ((unsigned char)p[1] & 0xC0) == 0x80) {
			p += 2;
			continue;
		}
		if (ej_utf8_next(&p, end, &cp) == 0)
			continue;
		if (!at_eof && truncated((const unsigned char *)p,
		    (size_t)(end - p)))
			break;
		*bad = 1;
		break;
	}
	return (size_t)(p - (const char *)s);
}

static void
decode_utf8(struct ej_csv_reader *r)
{
	size_t n;
	int bad;

	n = utf8_span(r->raw + r->rawpos, r->rawlen - r->rawpos, r->eof,
	    &bad);
	memcpy(r->dec + r->declen, r->raw + r->rawpos, n);
	r->declen += n;
	r->rawpos += n;
	if (bad) {
		r->pend = P_UTF8;
		r->pend_byte = r->raw[r->rawpos];
	}
}

static void
decode_iconv(struct ej_csv_reader *r)
{
	char *in = (char *)r->raw + r->rawpos, *out = r->dec + r->declen;
	size_t inleft = r->rawlen - r->rawpos, outleft = DEC_SIZE - r->declen;

	if (iconv(r->cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
		if (errno == EILSEQ) {
			r->pend = P_ICONV;
			r->pend_byte = (unsigned char)*in;
		} else if (errno == EINVAL && r->eof)
			r->pend = P_TRUNC;
		/* EINVAL: more input completes it; E2BIG: drain dec first */
	}
	r->rawpos = (size_t)((unsigned char *)in - r->raw);
	r->declen = (size_t)(out - r->dec);
}

/*
 * Auto: ASCII passes as it is (the same in UTF-8 and CP1251). At the
 * first other byte, look at up to RAW_SIZE bytes from it: all valid
 * UTF-8 is UTF-8, anything else CP1251. Valid UTF-8 by chance in CP1251
 * text is rare (a capital letter then «, » or №), and then the first
 * Cyrillic word after it is reported, with its line.
 */
static int
decode(struct ej_csv_reader *r, struct ej_diag *d)
{
	const unsigned char *p;
	size_t n, k;
	int bad;

	if (r->mode == M_UNDECIDED) {
		p = r->raw + r->rawpos;
		n = r->rawlen - r->rawpos;
		for (k = 0; k < n && p[k] < 0x80; k++)
			;
		if (k > 0) {
			memcpy(r->dec + r->declen, p, k);
			r->declen += k;
			r->rawpos += k;
			return 0;
		}
		if (read_raw(r, d) == -1)
			return -1;
		utf8_span(r->raw, r->rawlen, r->eof, &bad);
		if (!bad) {
			r->mode = M_UTF8;
			r->enc = EJ_CSV_ENC_UTF8;
		} else {
			r->enc = EJ_CSV_ENC_CP1251;
			if (open_iconv(r, "CP1251", d) == -1)
				return -1;
		}
	}
	if (r->mode == M_UTF8)
		decode_utf8(r);
	else
		decode_iconv(r);
	return 0;
}

/*
 * CRLF → LF in dec, and a lone CR → LF in a file whose header ends with
 * one (classic Mac); other lone CRs are data. A CR at the end of dec
 * waits for the next byte.
 */
static void
crlf(struct ej_csv_reader *r)
{
	size_t i, w;
	int end = r->eof && r->rawpos == r->rawlen && r->pend == P_NONE;

	if (r->declen == 0 || !memchr(r->dec, '\r', r->declen))
		return;
	for (i = w = 0; i < r->declen; i++) {
		if (r->dec[i] == '\r') {
			if (i + 1 < r->declen) {
				if (r->dec[i + 1] == '\n')
					continue;
			} else if (end) {
				/* A CR ending the file ends a line. */
				if (!r->cr_eol)
					continue;
			} else if (r->pend == P_NONE) {
				r->pending_cr = 1;
				continue;
			}
			if (r->cr_eol) {
				r->dec[w++] = '\n';
				continue;
			}
		}
		r->dec[w++] = r->dec[i];
	}
	r->declen = w;
}

static int
decode_error(struct ej_csv_reader *r, struct ej_diag *d)
{
	long line = r->line + r->line_bias;

	switch (r->pend) {
	case P_UTF8:
		if (r->o.encoding == EJ_CSV_ENC_UTF8)
			return ej_error(d, EJ_EXIT_DATAERR, r->name, line, 0,
			    _("invalid UTF-8 (byte 0x%02X)"), r->pend_byte);
		return ej_error(d, EJ_EXIT_DATAERR, r->name, line, 0,
		    _("invalid UTF-8 (byte 0x%02X) in a file that is UTF-8 "
		    "before it: mixed encodings?"), r->pend_byte);
	case P_ICONV:
		return ej_error(d, EJ_EXIT_DATAERR, r->name, line, 0,
		    _("byte 0x%02X is not %s"), r->pend_byte,
		    ej_csv_encoding_name(r->enc));
	default:
		return ej_error(d, EJ_EXIT_DATAERR, r->name, line, 0,
		    _("the file ends inside a character (%s)"),
		    ej_csv_encoding_name(r->enc));
	}
}

/*
 * Refill dec with the next decoded input: 1, 0 at the end of input, -1
 * after an error (reported). dec must have been drained.
 */
static int
fill(struct ej_csv_reader *r, struct ej_diag *d)
{
	size_t base;

	for (;;) {
		r->decpos = r->declen = 0;
		if (r->pend != P_NONE)
			return decode_error(r, d);
		if (r->pending_cr) {
			r->dec[r->declen++] = '\r';
			r->pending_cr = 0;
		}
		base = r->declen;
		for (;;) {
			if (!r->eof && r->rawlen - r->rawpos < 4 &&
			    read_raw(r, d) == -1)
				return -1;
			if (!r->started && start(r, d) == -1)
				return -1;
			if (r->rawpos == r->rawlen)
				break;
			if (decode(r, d) == -1)
				return -1;
			if (r->declen > base || r->pend != P_NONE)
				break;
		}
		crlf(r);
		if (r->declen > 0)
			return 1;
		if (r->pend == P_NONE && !r->pending_cr &&
		    r->rawpos == r->rawlen && r->eof)
			return 0;
	}
}

/* parsing */

/*
 * A whole line without quotes, s[0..n) before its LF, met where a record
 * begins (libcsv's state 0, ROW_NOT_BEGUN, nothing buffered): split at
 * the delimiter here, giving the fields and the row just as libcsv
 * would with the options of parser_init (spaces and CR are data, an
 * empty field is NULL), at a fraction of its cost a byte.
 */
static void
plain_line(struct ej_csv_reader *r, const char *s, size_t n)
{
	const char *end = s + n, *p = s, *q;

	for (;;) {
		q = memchr(p, r->delim, (size_t)(end - p));
		if (!q)
			q = end;
		on_field(q > p ? (void *)(uintptr_t)p : NULL, (size_t)(q - p),
		    r);
		if (q == end)
			break;
		p = q + 1;
	}
	on_row('\n', r);
}

/*
 * Feed s[0..n) to libcsv: a whole line with its LF, or the part of one
 * that dec holds. Lines are counted here.
 */
static int
feed(struct ej_csv_reader *r, const char *s, size_t n, struct ej_diag *d)
{
	int eol = s[n - 1] == '\n';
	size_t got;
	int err;

	if (r->skip_line) {
		if (eol) {
			r->skip_line = 0;
			r->line++;
		}
		return 0;
	}
	if (memchr(s, '\0', n))
		return ej_error(d, EJ_EXIT_DATAERR, r->name, r->line, 0,
		    _("a NUL byte: this is not a text file"));
	if (r->rec_line == 0 && !(n == 1 && eol))
		r->rec_line = r->line;
	if (eol && n > 1 && r->p.pstate == 0 && r->p.entry_pos == 0 &&
	    memchr(s, '"', n - 1) == NULL) {
		plain_line(r, s, n - 1);
		if (r->too_big)
			return ej_error(d, EJ_EXIT_DATAERR, r->name,
			    r->rec_line, 0, _("a field longer than %d bytes: a "
			    "runaway quote, or not a CSV file?"),
			    EJ_CSV_FIELD_MAX);
		r->line++;
		return 0;
	}
	got = csv_parse(&r->p, s, n, on_field, on_row, r);
	if ((err = csv_error(&r->p)) != CSV_SUCCESS || got != n) {
		if (err != CSV_EPARSE)
			return ej_error(d, EJ_EXIT_SOFTWARE, r->name, r->line,
			    0, "%s", csv_strerror(err));
		if (r->hdr == NULL)
			return ej_error(d, EJ_EXIT_DATAERR, r->name, r->line,
			    0, _("broken quoting in the header: a quote "
			    "inside an unquoted cell, or text after a "
			    "closing quote"));
		/*
		 * Strict mode stops at a quote inside an unquoted field or
		 * text after a closing quote: outside quotes either way, so
		 * the next line is a fair place to start again.
		 */
		ej_error(d, EJ_EXIT_DATAERR, r->name, r->line, 0,
		    _("broken quoting: a quote inside an unquoted cell, or "
		    "text after a closing quote; record skipped"));
		r->nbad++;
		reset_record(r);
		r->rec_line = 0;
		if (parser_init(r) == -1)
			return ej_error(d, EJ_EXIT_SOFTWARE, r->name, 0, 0,
			    "csv_init");
		if (eol)
			r->line++;
		else
			r->skip_line = 1;
		return 0;
	}
	if (r->too_big || r->p.entry_pos > EJ_CSV_FIELD_MAX)
		return ej_error(d, EJ_EXIT_DATAERR, r->name, r->rec_line, 0,
		    _("a field longer than %d bytes: a runaway quote, or not "
		    "a CSV file?"), EJ_CSV_FIELD_MAX);
	if (eol)
		r->line++;
	return 0;
}

/* Feed dec up to and including its next LF. */
static int
feed_segment(struct ej_csv_reader *r, struct ej_diag *d)
{
	const char *s = r->dec + r->decpos, *nl;
	size_t n = r->declen - r->decpos;

	if ((nl = memchr(s, '\n', n)) != NULL)
		n = (size_t)(nl - s) + 1;
	r->decpos += n;
	return feed(r, s, n, d);
}

static int
finish(struct ej_csv_reader *r, struct ej_diag *d)
{
	r->finished = 1;
	r->skip_line = 0;
	if (r->enc == EJ_CSV_ENC_AUTO)
		r->enc = EJ_CSV_ENC_UTF8;	/* all ASCII */
	if (csv_fini(&r->p, on_field, on_row, r) != 0) {
		if (csv_error(&r->p) == CSV_EPARSE)
			return ej_error(d, EJ_EXIT_DATAERR, r->name,
			    r->rec_line, 0, _("unterminated quote: a quoted "
			    "field of the record that begins here runs to the "
			    "end of the file"));
		return ej_error(d, EJ_EXIT_SOFTWARE, r->name, r->rec_line, 0,
		    "%s", csv_strerror(csv_error(&r->p)));
	}
	if (r->too_big)
		return ej_error(d, EJ_EXIT_DATAERR, r->name, r->rec_line, 0,
		    _("a field longer than %d bytes: a runaway quote, or not "
		    "a CSV file?"), EJ_CSV_FIELD_MAX);
	return 0;
}

/* The header */

struct key {
	size_t col;
	char *folded;
};

static void
free_keys(struct key *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(k[i].folded);
	free(k);
}

/* Folded names and aliases of the caller's columns. */
static struct key *
make_keys(const struct ej_csv_col *cols, size_t ncols, size_t *nkeys)
{
	struct key *k = NULL;
	size_t i, n = 0, cap = 0;
	const char *const *a;
	const char *name;
	char *f;

	for (i = 0; i < ncols; i++) {
		name = cols[i].name;
		a = cols[i].aliases;
		while (name) {
			if ((f = ej_text_fold(name)) != NULL) {
				if (n == cap) {
					cap = cap ? 2 * cap : 16;
					k = ej_xrealloc(k, cap * sizeof *k);
				}
				k[n].col = i;
				k[n++].folded = f;
			}
			name = a ? *a++ : NULL;
		}
	}
	*nkeys = n;
	return k;
}

/* "surname" (also "Фамилия") */
static char *
col_label(const struct ej_csv_col *c)
{
	if (c->aliases && c->aliases[0])
		return ej_xasprintf(_("\"%s\" (or \"%s\")"), c->name,
		    c->aliases[0]);
	return ej_xasprintf("\"%s\"", c->name);
}

/* Match the header record (in buf) against the known columns. */
static int
match_header(struct ej_csv_reader *r, struct ej_diag *d)
{
	struct key *keys;
	size_t nkeys, i, j, k;
	const char *s;
	size_t n;
	char *f, *label;
	int bad = 0, named = 0;

	if (r->nf > EJ_CSV_COLS_MAX)
		return ej_error(d, EJ_EXIT_DATAERR, r->name, r->hline, 0,
		    _("more than %d columns"), EJ_CSV_COLS_MAX);
	r->nhdr = r->nf;
	r->hdr = ej_xcalloc(r->nhdr, sizeof *r->hdr);
	for (j = 0; j < r->nhdr; j++) {
		s = r->off[j] == NOFIELD ? "" : r->buf + r->off[j];
		n = strlen(s);
		trim(&s, &n);
		r->hdr[j] = ej_xmalloc(n + 1);
		memcpy(r->hdr[j], s, n);
		r->hdr[j][n] = '\0';
		if (n > 0)
			named = 1;
	}
	if (!named)
		return ej_error(d, EJ_EXIT_DATAERR, r->name, r->hline, 0,
		    _("empty header: the first line must name the columns"));

	keys = make_keys(r->cols, r->ncols, &nkeys);
	for (j = 0; j < r->nhdr; j++) {
		/* Unnamed columns: spreadsheets export empty ones. */
		if (r->hdr[j][0] == '\0' ||
		    (f = ej_text_fold(r->hdr[j])) == NULL)
			continue;
		for (k = 0; k < nkeys; k++)
			if (strcmp(keys[k].folded, f) == 0)
				break;
		free(f);
		if (k == nkeys) {
			if (r->o.strict) {
				ej_error(d, EJ_EXIT_DATAERR, r->name,
				    r->hline, 0, _("unknown column \"%s\" "
				    "(column %zu)"), r->hdr[j], j + 1);
				bad = 1;
			} else if (!r->o.quiet_unknown)
				ej_warn(d, r->name, r->hline, 0,
				    _("unknown column \"%s\" (column %zu) "
				    "ignored"), r->hdr[j], j + 1);
			continue;
		}
		i = keys[k].col;
		if (r->colmap[i] >= 0) {
			ej_error(d, EJ_EXIT_DATAERR, r->name, r->hline, 0,
			    _("column \"%s\" twice: columns %ld and %zu"),
			    r->cols[i].name, r->colmap[i] + 1, j + 1);
			bad = 1;
			continue;
		}
		r->colmap[i] = (long)j;
	}
	free_keys(keys, nkeys);
	for (i = 0; i < r->ncols; i++)
		if (r->cols[i].required && r->colmap[i] < 0) {
			label = col_label(&r->cols[i]);
			ej_error(d, EJ_EXIT_DATAERR, r->name, r->hline, 0,
			    _("missing required column %s"), label);
			free(label);
			bad = 1;
		}
	return bad ? -1 : 0;
}

/*
 * A lone CR (CRLF is LF by now) ends the header or a blank line before
 * it: CRs end lines in this file, starting with the n bytes at s in dec.
 */
static void
cr_lines(struct ej_csv_reader *r, char *s, size_t n)
{
	r->cr_eol = 1;
	while ((s = memchr(s, '\r', n)) != NULL) {
		*s = '\n';
		n = (size_t)(r->dec + r->declen - s);
	}
}

/*
 * Read the header record, decide the delimiter on it, and parse it. The
 * record is gathered first (the delimiter must be known before libcsv
 * sees a byte), counting the candidates outside quotes.
 */
static int
read_header(struct ej_csv_reader *r, struct ej_diag *d)
{
	char *hb = NULL;
	size_t hlen = 0, hcap = 0, n, i, m;
	size_t count[3] = { 0, 0, 0 };
	const char *nl;
	char *s;
	int inq = 0, found = 0, rc;

	while (!found) {
		if (r->decpos == r->declen) {
			rc = fill(r, d);
			if (rc == -1)
				goto fail;
			if (rc == 0)
				break;
		}
		s = r->dec + r->decpos;
		n = r->declen - r->decpos;
		/* Blank lines before the header. */
		while (hlen == 0 && n > 0 && (*s == '\n' || *s == '\r')) {
			if (*s == '\r')
				cr_lines(r, s, n);
			s++;
			n--;
			r->decpos++;
			r->line++;
		}
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				inq = !inq;
			else if (inq)
				continue;
			else if (s[i] == ',')
				count[0]++;
			else if (s[i] == ';')
				count[1]++;
			else if (s[i] == '\t')
				count[2]++;
			else if (s[i] == '\n' || s[i] == '\r') {
				if (s[i] == '\r')
					cr_lines(r, s + i, n - i);
				found = 1;
				i++;
				break;
			}
		}
		if (hlen + i > HEADER_MAX) {
			if (inq)
				ej_error(d, EJ_EXIT_DATAERR, r->name, r->line,
				    0, _("unterminated quote in the header"));
			else
				ej_error(d, EJ_EXIT_DATAERR, r->name, r->line,
				    0, _("header longer than %d bytes"),
				    HEADER_MAX);
			goto fail;
		}
		if (hlen + i > hcap) {
			hcap = hlen + i > 2 * hcap ? hlen + i : 2 * hcap;
			hb = ej_xrealloc(hb, hcap);
		}
		if (i > 0)
			memcpy(hb + hlen, s, i);
		hlen += i;
		r->decpos += i;
		/* A decoding error ahead is on a later line of the header. */
		for (m = 0; m < i; m++)
			if (s[m] == '\n')
				r->line_bias++;
	}
	r->line_bias = 0;
	if (hlen == 0) {
		ej_error(d, EJ_EXIT_DATAERR, r->name, 0, 0, _("empty file"));
		goto fail;
	}

	if (r->o.delim)
		r->delim = r->o.delim;
	else if (count[1] > count[0] && count[1] >= count[2])
		r->delim = ';';
	else if (count[2] > count[0] && count[2] > count[1])
		r->delim = '\t';
	else
		r->delim = ',';
	if (parser_init(r) == -1) {
		ej_error(d, EJ_EXIT_SOFTWARE, r->name, 0, 0, "csv_init");
		goto fail;
	}

	r->store = EJ_CSV_COLS_MAX + 1;
	r->off = ej_xcalloc(r->store, sizeof *r->off);
	for (s = hb, n = hlen; n > 0; s += m, n -= m) {
		nl = memchr(s, '\n', n);
		m = nl ? (size_t)(nl - s) + 1 : n;
		if (feed(r, s, m, d) == -1)
			goto fail;
	}
	free(hb);
	hb = NULL;
	if (!r->rec_done) {
		/* The header is the whole file and has no final LF. */
		if (found)
			return ej_error(d, EJ_EXIT_DATAERR, r->name, r->line,
			    0, _("broken quoting in the header"));
		if (finish(r, d) == -1)
			return -1;
	}
	r->hline = r->rec_line;
	r->rec_line = 0;
	if (match_header(r, d) == -1)
		return -1;
	r->store = r->nhdr;
	reset_record(r);
	return 0;
fail:
	free(hb);
	return -1;
}

static struct ej_csv_reader *
reader_new(FILE *f, const char *name, const struct ej_csv_col *cols,
    size_t ncols, const struct ej_csv_opts *opts)
{
	struct ej_csv_reader *r;
	size_t i;

	r = ej_xcalloc(1, sizeof *r);
	if (opts)
		r->o = *opts;
	r->f = f;
	r->start = ftello(f);
	r->name = ej_xstrdup(r->o.name ? r->o.name : name);
	r->cols = cols;
	r->ncols = ncols;
	r->cd = (iconv_t)-1;
	r->line = 1;
	switch (r->o.encoding) {
	case EJ_CSV_ENC_UTF8:
		r->mode = M_UTF8;
		r->enc = EJ_CSV_ENC_UTF8;
		break;
	case EJ_CSV_ENC_CP1251:
		r->mode = M_ICONV;	/* cd opened by start() */
		r->enc = EJ_CSV_ENC_CP1251;
		break;
	default:
		r->o.encoding = EJ_CSV_ENC_AUTO;
		r->mode = M_UNDECIDED;
		r->enc = EJ_CSV_ENC_AUTO;
	}
	r->colmap = ej_xcalloc(ncols, sizeof *r->colmap);
	r->valoff = ej_xcalloc(ncols, sizeof *r->valoff);
	for (i = 0; i < ncols; i++)
		r->colmap[i] = -1;
	r->rec.file = r->name;
	r->rec.reader = r;
	return r;
}

int
ej_csv_open_file(struct ej_csv_reader **out, FILE *f,
    const struct ej_csv_col *cols, size_t ncols,
    const struct ej_csv_opts *opts, struct ej_diag *d)
{
	struct ej_csv_reader *r;

	*out = NULL;
	r = reader_new(f, "stdin", cols, ncols, opts);
	if (r->o.delim && r->o.delim != ',' && r->o.delim != ';' &&
	    r->o.delim != '\t') {
		ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("the delimiter must be ',', ';' or TAB"));
		ej_csv_reader_free(r);
		return -1;
	}
	if (read_header(r, d) == -1) {
		ej_csv_reader_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int
ej_csv_open(struct ej_csv_reader **out, const char *path,
    const struct ej_csv_col *cols, size_t ncols,
    const struct ej_csv_opts *opts, struct ej_diag *d)
{
	struct ej_csv_opts o = { 0 };
	FILE *f;
	int rc;

	*out = NULL;
	if (opts)
		o = *opts;
	if (strcmp(path, "-") == 0)
		return ej_csv_open_file(out, stdin, cols, ncols, &o, d);
	if ((f = ej_user_fopen(path, "rb")) == NULL)
		return ej_error(d, EJ_EXIT_NOINPUT, o.name ? o.name : path, 0,
		    0, "%s", strerror(errno));
	if (!o.name)
		o.name = path;
	rc = ej_csv_open_file(out, f, cols, ncols, &o, d);
	if (rc == -1)
		fclose(f);
	else
		(*out)->own = 1;
	return rc;
}

int
ej_csv_reopen(struct ej_csv_reader **out, const struct ej_csv_reader *r,
    struct ej_diag *d)
{
	struct ej_csv_opts o = r->o;

	*out = NULL;
	o.name = r->name;
	if (r->start < 0 || fseeko(r->f, r->start, SEEK_SET) != 0)
		return ej_error(d, EJ_EXIT_IOERR, r->name, 0, 0,
		    _("cannot read it again: %s"), strerror(errno));
	return ej_csv_open_file(out, r->f, r->cols, r->ncols, &o, d);
}

void
ej_csv_reader_free(struct ej_csv_reader *r)
{
	size_t j;

	if (r == NULL)
		return;
	if (r->own)
		fclose(r->f);
	if (r->p_live)
		csv_free(&r->p);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	for (j = 0; j < r->nhdr; j++)
		free(r->hdr[j]);
	free(r->hdr);
	free(r->name);
	free(r->buf);
	free(r->off);
	free(r->colmap);
	free(r->vals);
	free(r->valoff);
	free(r);
}

/* Records */

/*
 * The value of a field at *s: trimmed, the neutralising apostrophe
 * dropped (unless kept); *s moved to its start, its length returned.
 */
static size_t
value(const struct ej_csv_reader *r, const char **s)
{
	size_t len = strlen(*s);

	trim(s, &len);
	if (!r->o.keep_apostrophe && len > 0 && **s == '\'' &&
	    needs_apostrophe(*s, len)) {
		++*s;
		len--;
		trim(s, &len);
	}
	return len;
}

/*
 * The text rule (text.h) on every field's value: what goes into the
 * store has no control character. 1 when the record keeps it; otherwise
 * each offending field is reported at line:field, 0.
 */
static int
text_rule(struct ej_csv_reader *r, long line, struct ej_diag *d)
{
	const char *s;
	char what[96];
	size_t j, len, off;
	uint32_t cp;
	int ok = 1;

	for (j = 0; j < r->nf && j < r->store; j++) {
		if (r->off[j] == NOFIELD)
			continue;
		s = r->buf + r->off[j];
		len = value(r, &s);
		if (ej_text_check(s, len, 0, &off, &cp) == 0)
			continue;
		ej_error(d, EJ_EXIT_DATAERR, r->name, line, (long)j + 1,
		    _("column \"%s\": %s is not allowed"),
		    j < r->nhdr ? r->hdr[j] : "",
		    ej_text_problem(what, sizeof what, cp));
		ok = 0;
	}
	return ok;
}

/*
 * A record is complete in buf: check it and build the values of the
 * known columns. 1 to hand it out, 0 when it was skipped.
 */
static int
take(struct ej_csv_reader *r, struct ej_diag *d)
{
	long line = r->rec_line;
	const char *s;
	size_t i, n, len;
	long j;

	r->rec_done = 0;
	r->rec_line = 0;
	if (!r->rec_nonblank) {
		reset_record(r);
		return 0;
	}
	if (r->nf != r->nhdr) {
		ej_error(d, EJ_EXIT_DATAERR, r->name, line, 0, r->nf < r->nhdr ?
		    _("too few fields: %zu where the header has %zu") :
		    _("too many fields: %zu where the header has %zu"),
		    r->nf, r->nhdr);
		r->nbad++;
		reset_record(r);
		return 0;
	}
	if (!r->o.allow_control && !text_rule(r, line, d)) {
		r->nbad++;
		reset_record(r);
		return 0;
	}
	if (r->valscap < r->buflen) {
		r->valscap = r->bufcap;
		r->vals = ej_xrealloc(r->vals, r->valscap);
	}
	n = 0;
	for (i = 0; i < r->ncols; i++) {
		r->valoff[i] = NOFIELD;
		j = r->colmap[i];
		if (j < 0 || r->off[j] == NOFIELD)
			continue;
		s = r->buf + r->off[j];
		len = value(r, &s);
		if (len == 0)
			continue;
		memcpy(r->vals + n, s, len);
		r->vals[n + len] = '\0';
		r->valoff[i] = n;
		n += len + 1;
	}
	r->rec.line = line;
	r->rec.nfields = r->nf;
	r->nrec++;
	return 1;
}

int
ej_csv_next(struct ej_csv_reader *r, struct ej_csv_record **rec,
    struct ej_diag *d)
{
	*rec = NULL;
	if (r->failed)
		return -1;
	if (r->at_end)
		return 0;
	reset_record(r);
	for (;;) {
		if (r->rec_done) {
			if (take(r, d) == 1) {
				*rec = &r->rec;
				return 1;
			}
			continue;
		}
		if (r->finished)
			break;
		if (r->decpos < r->declen) {
			if (feed_segment(r, d) == -1)
				return fail(r);
			continue;
		}
		switch (fill(r, d)) {
		case -1:
			return fail(r);
		case 0:
			if (finish(r, d) == -1)
				return fail(r);
			break;
		}
	}
	r->at_end = 1;
	if (r->nrec == 0 && r->nbad == 0 && !r->o.allow_empty) {
		ej_error(d, EJ_EXIT_DATAERR, r->name, 0, 0,
		    _("no records: the file has only a header"));
		return fail(r);
	}
	return 0;
}

const char *
ej_csv_get(const struct ej_csv_record *rec, size_t i)
{
	const struct ej_csv_reader *r = rec->reader;

	if (i >= r->ncols || r->valoff[i] == NOFIELD)
		return NULL;
	return r->vals + r->valoff[i];
}

const char *
ej_csv_field(const struct ej_csv_record *rec, size_t j)
{
	const struct ej_csv_reader *r = rec->reader;

	if (j >= rec->nfields || r->off[j] == NOFIELD)
		return NULL;
	return r->buf + r->off[j];
}

const char *const *
ej_csv_header(const struct ej_csv_reader *r, size_t *n)
{
	*n = r->nhdr;
	return (const char *const *)r->hdr;
}

long
ej_csv_column(const struct ej_csv_reader *r, size_t i)
{
	return i < r->ncols ? r->colmap[i] : -1;
}

const char *
ej_csv_name(const struct ej_csv_reader *r)
{
	return r->name;
}

long
ej_csv_header_line(const struct ej_csv_reader *r)
{
	return r->hline;
}

enum ej_csv_encoding
ej_csv_encoding(const struct ej_csv_reader *r)
{
	return r->enc;
}

int
ej_csv_delimiter(const struct ej_csv_reader *r)
{
	return r->delim;
}

unsigned long
ej_csv_records(const struct ej_csv_reader *r)
{
	return r->nrec;
}

unsigned long
ej_csv_bad(const struct ej_csv_reader *r)
{
	return r->nbad;
}

/* Writing */

struct ej_csv_writer {
	FILE *f;
	struct ej_csv_wopts o;
	size_t col;		/* fields put in the current row */
	int last_empty;
	int failed;
};

static int
wcheck(struct ej_csv_writer *w)
{
	if (ferror(w->f))
		w->failed = 1;
	return w->failed ? -1 : 0;
}

int
ej_csv_writer_new(struct ej_csv_writer **out, FILE *f,
    const struct ej_csv_wopts *opts)
{
	struct ej_csv_writer *w;

	*out = NULL;
	w = ej_xcalloc(1, sizeof *w);
	if (opts)
		w->o = *opts;
	if (w->o.delim == 0)
		w->o.delim = ',';
	if (w->o.delim != ',' && w->o.delim != ';' && w->o.delim != '\t') {
		free(w);
		return -1;
	}
	w->f = f;
	if (w->o.bom)
		fputs("\xEF\xBB\xBF", f);
	wcheck(w);
	*out = w;
	return 0;
}

void
ej_csv_writer_free(struct ej_csv_writer *w)
{
	free(w);
}

int
ej_csv_writer_finish(struct ej_csv_writer *w, const char *name,
    struct ej_diag *d)
{
	if (fflush(w->f) != 0 || wcheck(w) == -1)
		return ej_error(d, EJ_EXIT_IOERR, name, 0, 0,
		    _("write error: %s"), strerror(errno));
	return 0;
}

static int
must_quote(const char *s, size_t n, int delim)
{
	size_t i;

	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t')
		return 1;
	for (i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			return 1;
	return 0;
}

int
ej_csv_put(struct ej_csv_writer *w, const char *s)
{
	size_t n, i;
	int q;

	if (w->failed)
		return -1;
	if (w->col++ > 0)
		putc(w->o.delim, w->f);
	if (s == NULL || *s == '\0') {
		w->last_empty = 1;
		return wcheck(w);
	}
	w->last_empty = 0;
	n = strlen(s);
	q = must_quote(s, n, w->o.delim);
	if (q)
		putc('"', w->f);
	if (!w->o.no_neutralise && needs_apostrophe(s, n))
		putc('\'', w->f);
	if (!q)
		fwrite(s, 1, n, w->f);
	else
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				putc('"', w->f);
			putc(s[i], w->f);
		}
	if (q)
		putc('"', w->f);
	return wcheck(w);
}

int
ej_csv_putf(struct ej_csv_writer *w, const char *fmt, ...)
{
	char small[64], *s = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof small) {
		s = ej_xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = ej_csv_put(w, s);
	if (s != small)
		free(s);
	return rc;
}

int
ej_csv_end_row(struct ej_csv_writer *w)
{
	if (w->failed)
		return -1;
	/* One empty field alone would be a blank line, which is skipped. */
	if (w->col == 1 && w->last_empty)
		fputs("\"\"", w->f);
	fputs(w->o.crlf ? "\r\n" : "\n", w->f);
	w->col = 0;
	w->last_empty = 0;
	return wcheck(w);
}

int
ej_csv_write_row(struct ej_csv_writer *w, const char *const *fields,
    size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (ej_csv_put(w, fields[j]) == -1)
			return -1;
	return ej_csv_end_row(w);
}
