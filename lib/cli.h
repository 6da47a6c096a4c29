/*
 * cli — what every command shares: the common options (--store, --dry-run,
 * -h/--help, --version), usage, and the setup a command declares (git.c's
 * RUN_SETUP): locate and open the store, resolve the acting person.
 */
#ifndef EJ_CLI_H
#define EJ_CLI_H

#include <getopt.h>

#include "err.h"
#include "store.h"

enum {
	EJ_OPT_STORE = 0x1000,
	EJ_OPT_VERSION,
	EJ_OPT_FIRST_LOCAL       /* commands number their own long options
	                          * from here */
};

#define EJ_COMMON_LONGOPTS \
	{"store", required_argument, NULL, EJ_OPT_STORE}, \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, EJ_OPT_VERSION}, \
	{"dry-run", no_argument, NULL, 'n'}

struct ej_cli {
	struct ej_diag d;
	const char *prog;
	const char *usage;       /* the SYNOPSIS, word for word */
	const char *store_opt;
	int dry_run;
	int argc;                /* the whole command line, for commits */
	char **argv;
	struct ej_store *s;
};

/* i18n, diagnostics, and the command line kept for the commit message. */
void ej_cli_init(struct ej_cli *c, const char *prog, const char *usage,
    int argc, char **argv);
/* Handle a common option: 1 handled, 0 not one of them. -h and --version
 * print and exit 0. */
int ej_cli_option(struct ej_cli *c, int opt, const char *arg);
/*
 * Option arguments every command reads the same way; a bad one is a usage
 * error (exit 2): -d ',', ';' or 'tab'; --encoding auto, utf-8 or cp1251;
 * a whole number from lo to hi.
 */
int ej_cli_delimiter(struct ej_cli *c, const char *arg);
int ej_cli_encoding(struct ej_cli *c, const char *arg);
int ej_cli_number(struct ej_cli *c, const char *opt, const char *arg, int lo,
    int hi);

/* Usage on stderr, exit 2. */
_Noreturn void ej_cli_usage(struct ej_cli *c);

enum {
	EJ_SETUP_READ = 0,
	EJ_SETUP_WRITE = 1
};
/* Open the store and resolve the acting person; on failure print and
 * exit with the error's status. */
void ej_cli_setup(struct ej_cli *c, int mode);
/*
 * The last step of every write: commit the open transaction with summary
 * (and reason) as one history commit, and say on stderr what happened —
 * "SUMMARY (commit 1a2b3c4)", "no changes", or with --dry-run
 * "SUMMARY (dry run: nothing was written)" and the files that would
 * change. Returns ej_store_commit's value.
 */
int ej_cli_commit(struct ej_cli *c, const char *summary, const char *reason);

/* Close the store, print the errors, exit with their status (or 0). */
_Noreturn void ej_cli_exit(struct ej_cli *c);

#endif
