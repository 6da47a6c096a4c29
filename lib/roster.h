/*
 * roster — pupils, parents, staff, class membership and teaching load from
 * the office's spreadsheets (ej-roster(1), ej-csv(5)): import (upsert by
 * stable key, never deleting a person), export (so that export then import
 * changes nothing), and finding a person by name or id.
 */
#ifndef EJ_ROSTER_H
#define EJ_ROSTER_H

#include <stdio.h>

#include "csvio.h"
#include "err.h"
#include "store.h"

enum ej_roster_kind {
	EJ_ROSTER_PUPILS,
	EJ_ROSTER_PARENTS,
	EJ_ROSTER_STAFF,
	EJ_ROSTER_LOAD,
	EJ_ROSTER_MOVES,
	EJ_ROSTER_NKINDS
};

/* "pupils" → EJ_ROSTER_PUPILS; -1 when unknown. */
int ej_roster_kind_parse(const char *s);
const char *ej_roster_kind_name(int kind);
/* The known columns of a kind's file, for ej_csv_open(). */
const struct ej_csv_col *ej_roster_columns(int kind, size_t *n);

struct ej_roster_stats {
	unsigned long added, changed, same;
	unsigned long links;        /* parents: new parent–pupil links */
	char *moves;                /* "5А→5Б: 1, 6А→left: 2", or NULL */
};
void ej_roster_stats_free(struct ej_roster_stats *st);
/* "roster: +12 pupils, ~3, 5А→5Б: 1" — new string. */
char *ej_roster_summary(int kind, const struct ej_roster_stats *st);

/*
 * Import every record of r into the store's open write transaction.
 * Every bad record is reported (file:line) and counted; returns 0 when
 * all were good, -1 otherwise (the caller rolls back). date: the day a
 * class change in a pupils file takes effect (moves carry their own).
 */
int ej_roster_import(struct ej_store *s, int kind, struct ej_csv_reader *r,
    int date, struct ej_roster_stats *st, struct ej_diag *d);

/* Write a kind as CSV (class: a class name to filter, or NULL). */
int ej_roster_export(struct ej_store *s, int kind, const char *class_name,
    int date, struct ej_csv_writer *w, struct ej_diag *d);

/* A class's pupils on date as an aligned table for people. */
int ej_roster_list(struct ej_store *s, const char *class_name, int date,
    FILE *out, struct ej_diag *d);

/*
 * A pupil by reference: a stable id (digits), "#ext" for the office's id,
 * or "Фамилия Имя [Отчество]" (case, ё/е and spaces folded). Returns the
 * id, 0 when none, -1 when ambiguous (the error lists the candidates with
 * their ids and classes on date), reported at file:line.
 */
long long ej_roster_find_pupil(struct ej_store *s, const char *ref, int date,
    const char *file, long line, struct ej_diag *d);

/* The same, preferring the pupils of class_id on date: two pupils of one
 * name in different classes are told apart by the class. */
long long ej_roster_find_pupil_in(struct ej_store *s, const char *ref,
    long long class_id, int date, const char *file, long line,
    struct ej_diag *d);

/* The class (of the current year) by name, 5а = 5А; 0 when none. */
long long ej_roster_find_class(struct ej_store *s, const char *name);

/* A subject by name or short name, case and ё folded; 0 when none,
 * -1 on error. */
long long ej_roster_find_subject(struct ej_store *s, const char *name,
    struct ej_diag *d);

/* date (0: today) brought into the current academic year: its first or
 * last day when outside it. -1 on error. */
int ej_roster_day(struct ej_store *s, int date, struct ej_diag *d);

/* The current academic year: first and last day, and its id. */
int ej_roster_year(struct ej_store *s, long long *id, int *start, int *end,
    struct ej_diag *d);

#endif
