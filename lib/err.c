/* err — diagnostics and exit codes; see err.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"

void
ej_diag_init(struct ej_diag *d, const char *prog, FILE *out)
{
	memset(d, 0, sizeof *d);
	d->prog = prog;
	d->out = out ? out : stderr;
	d->cap = EJ_DIAG_CAP;
}

/* "prog: file:line:col: " */
static void
prefix(struct ej_diag *d, const char *file, long line, long col)
{
	fprintf(d->out, "%s: ", d->prog);
	if (file) {
		fputs(file, d->out);
		if (line > 0)
			fprintf(d->out, ":%ld", line);
		if (line > 0 && col > 0)
			fprintf(d->out, ":%ld", col);
		fputs(": ", d->out);
	}
}

/*
 * The exit status of a run that saw several errors: the first error's,
 * except that permission and busy outrank data errors (nothing was
 * attempted in earnest).
 */
static int
rank(int code)
{
	switch (code) {
	case EJ_EXIT_NOPERM: return 5;
	case EJ_EXIT_TEMPFAIL: return 4;
	case EJ_EXIT_SOFTWARE: return 3;
	case EJ_EXIT_USAGE: return 2;
	default: return 1;
	}
}

int
ej_verror(struct ej_diag *d, int code, const char *file, long line, long col,
    const char *fmt, va_list ap)
{
	if (d->errors == 0 || rank(code) > rank(d->code))
		d->code = code;
	d->errors++;
	if (d->shown >= d->cap)
		return -1;
	d->shown++;
	prefix(d, file, line, col);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	return -1;
}

int
ej_error(struct ej_diag *d, int code, const char *file, long line, long col,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ej_verror(d, code, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

void
ej_warn(struct ej_diag *d, const char *file, long line, long col,
    const char *fmt, ...)
{
	va_list ap;

	d->warnings++;
	prefix(d, file, line, col);
	fputs(_("warning: "), d->out);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

void
ej_note(struct ej_diag *d, const char *fmt, ...)
{
	va_list ap;

	fprintf(d->out, "%s: ", d->prog);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

void
ej_diag_flush(struct ej_diag *d)
{
	if (d->errors > d->shown) {
		fprintf(d->out, "%s: ", d->prog);
		fprintf(d->out, _("… and %lu more"), d->errors - d->shown);
		fputc('\n', d->out);
		d->shown = d->errors;
	}
	fflush(d->out);
}

int
ej_diag_status(const struct ej_diag *d)
{
	return d->errors ? d->code : 0;
}

_Noreturn void
ej_exit(struct ej_diag *d)
{
	ej_diag_flush(d);
	exit(ej_diag_status(d));
}

_Noreturn void
ej_die(struct ej_diag *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ej_verror(d, code, NULL, 0, 0, fmt, ap);
	va_end(ap);
	ej_exit(d);
}

static _Noreturn void
oom(void)
{
	fputs("ej: out of memory\n", stderr);
	exit(EJ_EXIT_SOFTWARE);
}

void *
ej_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *
ej_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		oom();
	return p;
}

void *
ej_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *
ej_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *
ej_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = ej_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
