/*
 * report_priv — what report.c shares with report_*.c: one run's state and
 * the helpers over its temporary tables (temp.rp_scope: class × subject
 * pairs; temp.rp_classes: each class's days; temp.rp_members: pupils).
 */
#ifndef EJ_REPORT_PRIV_H
#define EJ_REPORT_PRIV_H

#include <sqlite3.h>

#include "report.h"
#include "terms.h"

struct rp {
	struct ej_store *s;
	struct ej_diag *d;
	const struct ej_report_opts *o;
	long long year_id;
	int ystart, yend;
	int real_today;          /* the reference day as it is */
	int today;               /* … brought into the year */
	char pcode[8];           /* "1".."4", "year"; "" = current */
	int from, to;            /* dates asked for, -1 = none */
	long long class_id, subject_id, teacher_id, pupil_id;
	struct ej_terms_rule rule;
	int min_quarter, min_half, min_trimester;
	int day_threshold;
	char label[256];
	struct ej_doc *doc;
};

int rp_sqlerr(struct rp *r);
sqlite3_stmt *rp_prep(struct rp *r, const char *sql);
int rp_done(struct rp *r, sqlite3_stmt *st, int rc);
const char *rp_text(sqlite3_stmt *st, int i);
void rp_cell_long(struct ej_table *t, long v);
void rp_hund(char *buf, size_t n, long v);
int rp_min_marks(const struct rp *r, const char *scheme);
int rp_weight(double w);
char *rp_title(struct rp *r, const char *what);

/* The kinds: each fills r->doc; 0 or -1. */
int rp_journal(struct rp *r);
int rp_diary(struct rp *r, long long pupil);
int rp_diary_mail(struct rp *r, const char *dir);
int rp_summary(struct rp *r);
int rp_attendance(struct rp *r);
int rp_quality(struct rp *r);
int rp_risk(struct rp *r);
int rp_teachers(struct rp *r);
int rp_helpdesk(struct rp *r);
int rp_plan(struct rp *r);
int rp_informed(struct rp *r);

#endif
