/* sheet — the wide sheet's header and cells; see sheet.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "sheet.h"
#include "text.h"

/* The date at the start of a heading: digits with '.' or '-' between. */
static size_t
date_span(const char *s)
{
	size_t i, seps = 0;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.' ||
	    s[i] == '-'); i++)
		if (s[i] == '.' || s[i] == '-')
			seps++;
	return seps ? i : 0;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int
ej_sheet_heading(const char *s, const struct ej_yearctx *yc, int *date,
    int *num, char *work, size_t wn)
{
	char buf[32];
	const char *p, *e;
	size_t n;

	if (wn)
		work[0] = '\0';
	*num = 1;
	s = skip_space(s);
	if ((n = date_span(s)) == 0)
		return EJ_SHEET_OTHER;
	if (n >= sizeof buf)
		return EJ_SHEET_BAD;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ej_date_parse(buf, yc, date) < 0)
		return EJ_SHEET_BAD;
	p = skip_space(s + n);
	if (*p == '#') {
		p = skip_space(p + 1);
		if (!isdigit((unsigned char)*p) || isdigit((unsigned char)p[1]) ||
		    *p == '0')
			return EJ_SHEET_BAD;
		*num = *p - '0';
		p = skip_space(p + 1);
	}
	if (*p == '(') {
		if ((e = strchr(p, ')')) == NULL || *skip_space(e + 1) != '\0')
			return EJ_SHEET_BAD;
		p = skip_space(p + 1);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == p || (size_t)(e - p) >= wn)
			return EJ_SHEET_BAD;
		memcpy(work, p, (size_t)(e - p));
		work[e - p] = '\0';
		return EJ_SHEET_LESSON;
	}
	return *p == '\0' ? EJ_SHEET_LESSON : EJ_SHEET_BAD;
}

/* A leading column of row numbers, as spreadsheets number the pupils. */
static int
rownum_heading(const char *s)
{
	static const char *const names[] = {
		"№", "№ п/п", "№п/п", "п/п", "#", "n", "no", "no.", "nn"
	};
	char *f = ej_text_fold(s);
	size_t i;
	int yes = 0;

	if (!f)
		return 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(f, names[i]) == 0)
			yes = 1;
	free(f);
	return yes;
}

int
ej_sheet_init(struct ej_sheet *sh, struct ej_journal *j,
    const char *const *hdr, size_t n, const char *file, long line,
    struct ej_diag *d)
{
	struct ej_where w = {file, line};
	char work[128];
	size_t i, k;
	int bad = 0, kind;

	ej_sheet_reset(sh, d);
	sh->ncols = n;
	sh->cols = ej_xcalloc(n ? n : 1, sizeof *sh->cols);
	for (i = 0; i < n; i++)
		sh->cols[i].heading = hdr[i];
	if (n > 1 && rownum_heading(hdr[0])) {
		sh->cols[0].kind = EJ_SHEET_ROWNUM;
		sh->pupil = 1;
	}
	if (n > 0)
		sh->cols[sh->pupil].kind = EJ_SHEET_PUPIL;
	for (i = sh->pupil + 1; i < n; i++) {
		struct ej_sheet_col *c = &sh->cols[i];

		if (!*hdr[i])
			continue;                /* an unnamed column */
		kind = ej_sheet_heading(hdr[i], ej_journal_year(j), &c->date,
		    &c->num, work, sizeof work);
		if (kind == EJ_SHEET_OTHER) {
			ej_warn(d, file, line, 0, _("column \"%s\" (column %zu) "
			    "is not a lesson: ignored"), hdr[i], i + 1);
			continue;
		}
		c->kind = EJ_SHEET_BAD;     /* until it proves good */
		if (kind == EJ_SHEET_BAD) {
			ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("\"%s\" is not a lesson heading: a date, then "
			    "optionally #N and (work type)"), hdr[i]);
			continue;
		}
		ej_journal_set_column(j, hdr[i]);
		{
			char day[EJ_DATE_LEN];

			ej_date_format(c->date, day);
			if (ej_journal_date(j, day, &c->date, &w) < 0) {
				ej_journal_set_column(j, NULL);
				continue;
			}
		}
		if (*work && (c->work_id = ej_journal_work(j, work, &w)) == 0) {
			ej_journal_set_column(j, NULL);
			continue;
		}
		ej_journal_set_column(j, NULL);
		for (k = sh->pupil + 1; k < i; k++)
			if (sh->cols[k].kind == EJ_SHEET_LESSON &&
			    sh->cols[k].date == c->date &&
			    sh->cols[k].num == c->num)
				break;
		if (k < i) {
			ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
			    _("the same lesson twice: \"%s\" (column %zu) and "
			    "\"%s\" (column %zu)"), hdr[k], k + 1, hdr[i],
			    i + 1);
			continue;
		}
		c->kind = EJ_SHEET_LESSON;
		sh->nlessons++;
	}
	for (i = sh->pupil + 1; i < n; i++)
		if (sh->cols[i].kind == EJ_SHEET_BAD)
			bad = 1;
	if (sh->nlessons == 0 && !bad) {
		ej_error(d, EJ_EXIT_DATAERR, file, line, 0, _("no lesson column: "
		    "a wide sheet has the pupils' column, then one column for "
		    "each lesson, headed by its date"));
		return -1;
	}
	if (sh->nlessons == 0)
		return -1;
	return bad ? 1 : 0;
}

void
ej_sheet_reset(struct ej_sheet *sh, struct ej_diag *d)
{
	memset(sh, 0, sizeof *sh);
	sh->d = d;
}

void
ej_sheet_column(struct ej_sheet *sh, struct ej_journal *j, const char *col)
{
	sh->col = col;
	ej_journal_set_column(j, col);
}

void
ej_sheet_free(struct ej_sheet *sh)
{
	free(sh->cols);
	sh->cols = NULL;
	sh->ncols = 0;
}

int
ej_cell_empty(const struct ej_cell *c)
{
	return c->nmarks == 0 && c->code[0] == '\0';
}

static int
cell_error(struct ej_sheet *sh, const struct ej_where *w, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* An error about a cell, after its column's heading as the journal's. */
static int
cell_error(struct ej_sheet *sh, const struct ej_where *w, const char *fmt,
    ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sh->col)
		return ej_error(sh->d, EJ_EXIT_DATAERR, w ? w->file : NULL,
		    w ? w->line : 0, 0, "%s: %s", sh->col, msg);
	return ej_error(sh->d, EJ_EXIT_DATAERR, w ? w->file : NULL,
	    w ? w->line : 0, 0, "%s", msg);
}

/* A mark token of subject_id in canonical form, asking the journal once. */
static int
mark_token(struct ej_sheet *sh, struct ej_journal *j, long long subject_id,
    const char *tok, char canon[16], const struct ej_where *w)
{
	struct ej_sheet_token *t;
	size_t i;

	for (i = 0; i < sh->ntokens; i++)
		if (sh->tokens[i].subject_id == subject_id &&
		    strcmp(sh->tokens[i].text, tok) == 0) {
			memcpy(canon, sh->tokens[i].canon, 16);
			return 0;
		}
	if (ej_journal_mark(j, subject_id, tok, canon, w) < 0)
		return -1;
	if (sh->ntokens < sizeof sh->tokens / sizeof sh->tokens[0] &&
	    strlen(tok) < sizeof t->text) {
		t = &sh->tokens[sh->ntokens++];
		t->subject_id = subject_id;
		snprintf(t->text, sizeof t->text, "%s", tok);
		memcpy(t->canon, canon, 16);
	}
	return 0;
}

/* An attendance code, its answers kept as the marks' are (subject -1). */
static int
code_token(struct ej_sheet *sh, const char *tok, char code[8])
{
	struct ej_sheet_token *t;
	size_t i;

	for (i = 0; i < sh->ntokens; i++)
		if (sh->tokens[i].subject_id == -1 &&
		    strcmp(sh->tokens[i].text, tok) == 0) {
			if (!sh->tokens[i].canon[0])
				return -1;
			snprintf(code, 8, "%s", sh->tokens[i].canon);
			return 0;
		}
	code[0] = '\0';
	if (ej_journal_code(tok, code) < 0)
		code[0] = '\0';
	if (sh->ntokens < sizeof sh->tokens / sizeof sh->tokens[0] &&
	    strlen(tok) < sizeof t->text) {
		t = &sh->tokens[sh->ntokens++];
		t->subject_id = -1;
		snprintf(t->text, sizeof t->text, "%s", tok);
		snprintf(t->canon, sizeof t->canon, "%s", code);
	}
	return code[0] ? 0 : -1;
}

int
ej_sheet_cell(struct ej_sheet *sh, struct ej_journal *j,
    long long subject_id, const char *text, unsigned allow, struct ej_cell *c,
    const struct ej_where *w)
{
	char *sq, *tok, *save, code[8];
	int bad = 0;

	memset(c, 0, sizeof *c);
	if (!text)
		return 0;
	if ((sq = ej_text_squeeze(text)) == NULL)
		return 0;               /* the reader checked the encoding */
	for (tok = strtok_r(sq, " /", &save); tok;
	    tok = strtok_r(NULL, " /", &save)) {
		if ((allow & EJ_CELL_CODES) && code_token(sh, tok, code) == 0) {
			if (c->code[0]) {
				cell_error(sh, w, _("two attendance "
				    "codes in one cell: \"%s\""), text);
				bad = 1;
				continue;
			}
			snprintf(c->code, sizeof c->code, "%s", code);
			continue;
		}
		if (!(allow & EJ_CELL_MARKS)) {
			cell_error(sh, w, _("\"%s\" is not an "
			    "attendance code: н, у, б or оп"), tok);
			bad = 1;
			continue;
		}
		if (c->nmarks == 2) {
			cell_error(sh, w, _("more than two marks in "
			    "one cell: \"%s\""), text);
			bad = 1;
			break;
		}
		if (mark_token(sh, j, subject_id, tok, c->mark[c->nmarks],
		    w) < 0) {
			bad = 1;
			continue;
		}
		c->nmarks++;
	}
	free(sq);
	if (bad)
		memset(c, 0, sizeof *c);
	return bad ? -1 : 0;
}

void
ej_cell_format(const struct ej_cell *c, char *buf, size_t n)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < c->nmarks; i++) {
		strncat(buf, i ? " " : "", n - strlen(buf) - 1);
		strncat(buf, c->mark[i], n - strlen(buf) - 1);
	}
	if (c->code[0]) {
		strncat(buf, c->nmarks ? " " : "", n - strlen(buf) - 1);
		strncat(buf, c->code, n - strlen(buf) - 1);
	}
}

char *
ej_sheet_heading_format(int date, int num, const char *work)
{
	char day[EJ_DATE_LEN], n[16] = "";

	ej_date_format(date, day);
	if (num > 1)
		snprintf(n, sizeof n, "#%d", num);
	if (work && *work)
		return ej_xasprintf("%s%s (%s)", day, n, work);
	return ej_xasprintf("%s%s", day, n);
}
