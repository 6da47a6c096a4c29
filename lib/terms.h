/*
 * terms — period, year, exam and final marks: set, import, export, and the
 * suggestion from the weighted average (DOMAIN.md). `ej-grade term …`.
 */
#ifndef EJ_TERMS_H
#define EJ_TERMS_H

#include "cli.h"

/*
 * ej-grade term set|import|export|suggest …: argv[0] is "term". Parses its
 * own options (the common ones through ej_cli_option), does the work and
 * exits through ej_cli_exit().
 */
_Noreturn void ej_terms_main(struct ej_cli *c, int argc, char **argv);

#endif
