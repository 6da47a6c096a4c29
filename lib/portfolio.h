/*
 * portfolio — e-portfolios of pupils and staff (ej-portfolio(1)): the
 * documents' records in the portfolio table, each document's file a blob
 * of the history that the record names by id (snapshot.c: "portfolio",
 * "portfolio_files"), so a file is stored once however often it is added.
 *
 * A person is a staff member's login, or a pupil by ej_roster_find_pupil's
 * references. What is accepted — the kinds, levels, media types (found by
 * libmagic from the content, never the name) and size limits — comes from
 * school.yaml's portfolio section (the settings table), with defaults.
 */
#ifndef EJ_PORTFOLIO_H
#define EJ_PORTFOLIO_H

#include <stdio.h>

#include "err.h"
#include "store.h"
#include "table.h"

/*
 * The bounds of school.yaml's portfolio section (config.c checks them): a
 * list of kinds, levels or types is stored comma-joined in the settings
 * table, in fewer than EJ_PF_LIST_MAX bytes; the limits are in KiB.
 */
#define EJ_PF_LIST_MAX 1024
#define EJ_PF_MAX_FILE_KB 102400         /* 100 MiB */
#define EJ_PF_MAX_PERSON_KB 1048576      /* 1 GiB */
#define EJ_PF_DFLT_FILE_KB 10240         /* the defaults */
#define EJ_PF_DFLT_PERSON_KB 102400

/*
 * The name of a media type ej-portfolio can accept ("pdf"), given by that
 * name or its MIME type ("application/pdf"), either case; NULL when it is
 * none of them.
 */
const char *ej_portfolio_type(const char *s);
/* "pdf (application/pdf), jpeg (image/jpeg), …", for a message. Free it. */
char *ej_portfolio_types_known(void);

/* One document to add. file/line: where it was given (a manifest's row),
 * NULL for the command line. */
struct ej_pf_doc {
	const char *person;
	const char *kind, *title, *date, *issuer, *level;
	const char *path;        /* the document's file */
	const char *file;
	long line;
};

struct ej_pf_stats {
	long added, removed;
	char *first;             /* "диплом: Петров Пётр" for the summary */
};

/*
 * Add documents: each checked (person, rights, consent, kind, level,
 * date, the file's type and size, the limits) before anything is written;
 * every error is reported, at file:line for a manifest, and nothing is
 * added (-1). Inside the caller's transaction.
 */
int ej_portfolio_add(struct ej_store *s, const struct ej_pf_doc *docs,
    size_t n, struct ej_pf_stats *st, struct ej_diag *d);
/* The same from a manifest (ej-csv(5)); the files beside it. */
int ej_portfolio_import(struct ej_store *s, const char *manifest,
    struct ej_pf_stats *st, struct ej_diag *d);
/* Remove document id. */
int ej_portfolio_rm(struct ej_store *s, long long id, struct ej_pf_stats *st,
    struct ej_diag *d);
/* "portfolio: +2 documents, -1". Free it. */
char *ej_portfolio_summary(const struct ej_pf_stats *st);
void ej_pf_stats_free(struct ej_pf_stats *st);

/*
 * Read: the documents of a class (class_name), the staff (staff), one
 * person (person) or, all NULL/0, everyone the actor may read; since
 * (a date, or NULL): only the people newly arrived after it.
 */
int ej_portfolio_list(struct ej_store *s, const char *class_name, int staff,
    const char *person, const char *since, enum ej_format fmt, FILE *out,
    struct ej_diag *d);
/* One person's portfolio; html: a printable page with the images. */
int ej_portfolio_show(struct ej_store *s, const char *person,
    enum ej_format fmt, FILE *out, struct ej_diag *d);
/* Write the files of a person (or a class) into dir, new files only. */
int ej_portfolio_export(struct ej_store *s, const char *person,
    const char *class_name, const char *dir, struct ej_diag *d);
/* The newly arrived after since without a document. */
int ej_portfolio_missing(struct ej_store *s, const char *since,
    enum ej_format fmt, FILE *out, struct ej_diag *d);

#endif
