/*
 * err — diagnostics for people: "prog: file:line:col: message", error lists
 * with a cap, and the exit codes of ej.7.
 *
 * Library code never prints on its own and never exits: it records an error
 * in the caller's struct ej_diag and returns -1 (git's error() idiom), so
 * that only the command decides to stop.
 */
#ifndef EJ_ERR_H
#define EJ_ERR_H

#include <stdarg.h>
#include <stdio.h>

/* Exit status, <sysexits.h> values; documented once in ej.7. */
enum ej_exit {
	EJ_EXIT_OK = 0,
	EJ_EXIT_FOUND = 1,       /* worked and found something */
	EJ_EXIT_USAGE = 2,
	EJ_EXIT_DATAERR = 65,    /* bad input data */
	EJ_EXIT_NOINPUT = 66,    /* input missing or unreadable; no store */
	EJ_EXIT_SOFTWARE = 70,   /* store and history disagree; internal */
	EJ_EXIT_CANTCREAT = 73,  /* cannot create */
	EJ_EXIT_IOERR = 74,      /* read/write failure, disk full */
	EJ_EXIT_TEMPFAIL = 75,   /* store busy */
	EJ_EXIT_NOPERM = 77      /* no permission */
};

#define EJ_DIAG_CAP 50

struct ej_diag {
	const char *prog;       /* "ej-grade" */
	FILE *out;              /* stderr, or a memstream in tests */
	int code;               /* exit status the recorded errors call for */
	unsigned long errors;   /* errors recorded */
	unsigned long shown;    /* errors printed (at most cap) */
	unsigned long cap;
	unsigned long warnings;
};

void ej_diag_init(struct ej_diag *d, const char *prog, FILE *out);

/*
 * Record an error. file may be NULL (no position); line/col 0 are omitted.
 * Returns -1 so callers can write "return ej_error(...)".
 */
int ej_error(struct ej_diag *d, int code, const char *file, long line,
    long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int ej_verror(struct ej_diag *d, int code, const char *file, long line,
    long col, const char *fmt, va_list ap);
void ej_warn(struct ej_diag *d, const char *file, long line, long col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Print "… and N more" when errors passed the cap. */
void ej_diag_flush(struct ej_diag *d);

/* Exit status for the recorded errors (0 when none). */
int ej_diag_status(const struct ej_diag *d);

/* Informational line for people: "prog: message". */
void ej_note(struct ej_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * For commands only: print, flush and exit with the status. The one place
 * the library calls exit().
 */
_Noreturn void ej_die(struct ej_diag *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void ej_exit(struct ej_diag *d);

/* Out-of-memory is not a recoverable error for a short-lived command. */
void *ej_xmalloc(size_t n);
void *ej_xcalloc(size_t n, size_t m);
void *ej_xrealloc(void *p, size_t n);
char *ej_xstrdup(const char *s);
char *ej_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
