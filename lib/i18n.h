/* i18n — gettext for every message meant for people. */
#ifndef EJ_I18N_H
#define EJ_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* setlocale + bindtextdomain("ej"); call first thing in main. */
void ej_i18n_init(void);

#endif
