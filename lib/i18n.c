/* i18n — locale and message catalogue. */
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "i18n.h"
#include "paths.h"
#include "priv.h"

void
ej_i18n_init(void)
{
	const char *dir = EJ_LOCALEDIR;
	const char *env;

	setlocale(LC_ALL, "");
	/* An uninstalled build (the tests) points at its own catalogues; a
	 * setgid command trusts no such variable. */
	if (getuid() == geteuid() && !ej_privileged() &&
	    (env = getenv("EJ_LOCALEDIR")) != NULL && *env)
		dir = env;
	bindtextdomain("ej", dir);
	bind_textdomain_codeset("ej", "UTF-8");
	textdomain("ej");
}
