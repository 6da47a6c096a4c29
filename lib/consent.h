/*
 * consent — parents' applications for e-diary access (the seed's
 * Appendix 1) and consents to processing a pupil's personal data
 * (DOMAIN.md): record, refuse, revoke, import, list what is missing,
 * print the prefilled forms; and the rule that says who may have a login
 * (ej-issue-login asks it; a revocation applies it to issued logins).
 *
 * A document is keyed by pupil, author and kind; the author is a parent
 * (guardian) of the pupil, or the pupil themself when 14 or older.
 */
#ifndef EJ_CONSENT_H
#define EJ_CONSENT_H

#include <stdio.h>

#include "csvio.h"
#include "err.h"
#include "store.h"

enum ej_consent_kind {
	EJ_CONSENT_EDIARY,       /* "ediary": the application for access */
	EJ_CONSENT_PDATA,        /* "personal-data": consent to processing */
	EJ_CONSENT_NKINDS
};

/* "ediary", "personal-data" (and Russian words) → kind; -1 when unknown. */
int ej_consent_kind_parse(const char *s);
const char *ej_consent_kind_name(int kind);

/* One change, as the command line or a row of a file gives it. */
struct ej_consent_change {
	const char *parent;      /* a parent: id or "Фамилия Имя [Отчество]";
	                          * NULL or "": the pupil's own */
	const char *pupil;       /* id, #ext or name (roster.h) */
	const char *kind;
	const char *status;      /* "given", "refused" or "revoked" */
	const char *date;        /* the document's date; not in the future */
	const char *form_no;     /* NULL: none */
	const char *reason;      /* required to revoke */
};

struct ej_consent_stats {
	unsigned long given, refused, revoked, same;
	unsigned long logins_revoked;
	char *last;              /* "Петрова Анна → Петров Пётр, ediary":
	                          * the last change, for a summary of one */
};
void ej_consent_stats_free(struct ej_consent_stats *st);
/* "consents: +3 given, 1 refused, 1 revoked; 1 login revoked" — new
 * string. */
char *ej_consent_summary(const struct ej_consent_stats *st);

/*
 * Apply one change in the open write transaction. A bad change (unknown
 * person, a pupil named as parent, no such child, under 14 on their own,
 * a date in the future, nothing to revoke, the actor not the pupil's
 * class teacher) is reported at file:line and -1 returned; else 0.
 */
int ej_consent_apply(struct ej_store *s, const struct ej_consent_change *c,
    const char *file, long line, struct ej_consent_stats *st,
    struct ej_diag *d);

/* The columns of an applications file (ej-csv(5)). */
const struct ej_csv_col *ej_consent_columns(size_t *n);
/* Every row of r through ej_consent_apply(): 0 when all were good. */
int ej_consent_import(struct ej_store *s, struct ej_csv_reader *r,
    struct ej_consent_stats *st, struct ej_diag *d);

/*
 * Logins that the documents no longer allow (a revocation, a refusal)
 * are revoked, and their hashes dropped; st->logins_revoked counts them.
 */
int ej_consent_enforce(struct ej_store *s, struct ej_consent_stats *st,
    struct ej_diag *d);

/*
 * What keeps a person from a login: NULL when their documents are on
 * record, else a message naming the first missing (or refused, or
 * revoked) document. A pupil needs an application and a consent given
 * by a parent or by themself; a parent needs both of their own for at
 * least one child. role: "pupil" or "parent".
 */
const char *ej_consent_missing(struct ej_store *s, const char *role,
    long long id, struct ej_diag *d);

/*
 * Every pupil of class_id (0: the school) with each parent and each kind:
 * CSV on w; missing: only the documents not returned.
 */
int ej_consent_list(struct ej_store *s, long long class_id, int missing,
    struct ej_csv_writer *w, struct ej_diag *d);

/* The application form of every parent of class_id's pupils, prefilled,
 * one a page: html != 0 for a printable page, else text with form feeds. */
int ej_consent_forms(struct ej_store *s, long long class_id, int html,
    FILE *out, struct ej_diag *d);

/*
 * Whether the acting person may handle pupil's documents and logins:
 * an admin, or the class teacher of the pupil's class. 0, or -1 with an
 * exit-77 error at file:line.
 */
int ej_consent_may(struct ej_store *s, long long pupil, const char *file,
    long line, struct ej_diag *d);
/* The same for a whole class (0: the school, for admins) and a reader:
 * roles also allowed (e.g. deputies for lists). */
int ej_consent_may_class(struct ej_store *s, long long class_id,
    unsigned roles, struct ej_diag *d);

#endif
