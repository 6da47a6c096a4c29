/*
 * log — the history in school terms: commits newest first along the first
 * parents, each with its time, author, summary, reason and record-level
 * changes (recdiff.h), filtered by pupil, class, subject, author and date,
 * and limited to what the acting person may see; and the revert of one
 * commit as a new change through the normal write path.
 *
 * Who sees what: admins, deputies and technicians the whole history; a
 * teacher the journal of their load (class × subject, with the subject's
 * period marks); a class teacher the whole journal of their class. Anyone
 * else: exit 77.
 *
 * Commits stream: one is read, diffed, filtered and handed to the
 * callback before the next, so memory does not grow with the history.
 */
#ifndef EJ_LOG_H
#define EJ_LOG_H

#include <time.h>

#include "err.h"
#include "recdiff.h"
#include "store.h"

struct ej_log_opts {
	const char *pupil;       /* a pupil reference (roster.h), or NULL */
	const char *class_name;  /* "5А", or NULL */
	const char *subject;     /* "Алгебра" or its short name, or NULL */
	const char *author;      /* a staff login, or NULL */
	int since, until;        /* school dates (date.h), 0: open */
	const char *range;       /* "REV" (it and its ancestors) or
	                          * "A..B"; NULL: HEAD */
};

struct ej_log_rec {
	const struct ej_recdiff *rd;
	const struct ej_recchange *c;
};

struct ej_log_commit {
	char id[GIT_OID_HEXSZ + 1];
	time_t time;
	int tz;                  /* the author's offset, minutes east */
	const char *login;       /* from the author's address */
	const char *author;      /* the author's name */
	const char *summary;
	const char *reason;      /* NULL when the commit gives none */
	const struct ej_log_rec *recs;   /* the changes that pass the
	                                  * filters, file by file */
	size_t nrecs;
};

/* Called for each commit that passes the filters; non-zero stops. */
typedef int (*ej_log_fn)(const struct ej_log_commit *c, void *payload);

/*
 * Walk the history. Bad options (an unknown pupil, class, subject or
 * author; a revision not in the history): exit 65 before the first
 * callback. 0, or -1.
 */
int ej_log_walk(struct ej_store *s, const struct ej_log_opts *o,
    ej_log_fn fn, void *payload, struct ej_diag *d);

/*
 * In an open write transaction (ej_store_begin), undo the record changes
 * of the commit rev: records it added are removed, removed ones put back,
 * changed ones given their old values, through the snapshot table's load
 * path (history.h). Refused (exit 1, each record named) when a later
 * commit changed any of the same records; a revision not in the history,
 * or the first commit: exit 65. *summary gets "revert 1a2b3c4: …". 0 or -1.
 */
int ej_log_revert(struct ej_store *s, const char *rev, char **summary,
    struct ej_diag *d);

#endif
