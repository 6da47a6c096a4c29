/* terms — period marks; see terms.h. */
#include <stdio.h>

#include "i18n.h"
#include "terms.h"

_Noreturn void
ej_terms_main(struct ej_cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ej_error(&c->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
	    _("term: not available yet"));
	ej_cli_exit(c);
}
