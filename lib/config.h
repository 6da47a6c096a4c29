/*
 * config — school.yaml (ej-school.yaml(5)) through libyaml into plain
 * structs, validated, with FILE:LINE:COL in every error; and into the
 * store's school tables.
 *
 * The structs below are what ej_config_load() fills; callers read them and
 * never change them. School dates are days since 1970-01-01 (date.h), -1
 * where a date is optional and absent; times are minutes since midnight.
 */
#ifndef EJ_CONFIG_H
#define EJ_CONFIG_H

#include <stddef.h>

#include <sqlite3.h>

#include "err.h"

struct ej_cfg_period {
	char *name;             /* "1 четверть" */
	int num;                /* 1.. within its scheme */
	int start, end;
};

struct ej_cfg_scheme {
	char *name;             /* "quarter" | "half" | "trimester" */
	unsigned parallels;     /* bit p set for parallel p (1..11) */
	struct ej_cfg_period *periods;
	size_t nperiods;
};

struct ej_cfg_holiday {
	char *name;
	int start, end;
};

struct ej_cfg_work_type {
	char *name;             /* "контрольная" */
	double weight;
	int deadline;           /* days after the lesson to enter the mark */
	int written;
	int dflt;               /* the work type when none is given */
	long line;
};

struct ej_cfg_subject {
	char *name;             /* "Английский язык" */
	char *short_name;       /* defaults to name */
	char *fold, *short_fold;        /* folded (text.h), for matching */
	int passfail;           /* зач/незач instead of marks */
	int two_marks;          /* a second mark in one cell allowed */
	int subgroups;          /* taught in N subgroups, 0 = whole class */
	long line;
};

struct ej_cfg_bell {
	int lesson;
	int start, end;         /* minutes since midnight */
};

struct ej_cfg_staff {
	char *login;            /* Unix login, the readable key */
	char *surname, *name, *patronymic;
	char *email, *phone, *position;         /* "" when not given */
	unsigned roles;         /* bits of enum ej_role (who.h) */
	long line;
};

struct ej_cfg_class {
	char name[16];          /* normalised: "5А" */
	int parallel;           /* 1..11 */
	char letter[8];         /* "А" */
	long teacher;           /* index into staff, -1 = none */
	long line;
};

struct ej_cfg_load {
	/* indexes into staff, classes and subjects */
	size_t teacher, cls, subject;
	int subgroup;           /* 0 = whole class */
	double hours;           /* a week */
	long line;
};

struct ej_cfg_lesson {
	size_t cls, subject;    /* indexes into classes, subjects */
	int weekday;            /* 1 = Monday … 7 */
	int lesson;             /* number in the day, from 1 */
	int subgroup;
	char *room;             /* "" when not given */
};

struct ej_cfg_help {
	int weekday;
	int start, end;         /* minutes since midnight */
	char *kind;             /* "техническая помощь" */
	char *responsible;
};

struct ej_cfg_task {
	char *task;
	char *due;              /* as worded: "До 01 сентября 2020" */
	int due_date;           /* -1 = none */
	char *responsible;
	int done;               /* -1 = not done */
};

struct ej_config {
	struct {
		char *id;               /* [a-z0-9-]+ */
		char *name, *short_name;
		/* NULL when not given */
		char *okpo, *ogrn, *inn, *kpp;
		char *address, *phone, *email, *director;
	} school;
	struct {
		char *name;             /* "2020-2021" */
		int first;              /* 2020 */
		int start, end;
		struct ej_cfg_scheme *schemes;
		size_t nschemes;
		struct ej_cfg_holiday *holidays;
		size_t nholidays;
	} year;
	struct {
		int scale[5];           /* descending: 5, 4, 3, 2 (, 1) */
		size_t nscale;
		int allow_one;
		int weights;            /* 0: plain average */
		int threshold[3];       /* in hundredths, for 5, 4 and 3 */
		int min_quarter, min_half, min_trimester;
		struct ej_cfg_work_type *work_types;
		size_t nwork_types;
	} marks;
	struct {
		int topic_days;
		int homework_hours;
		int period_mark_grace_days;
		int risk_notice_days;
	} deadlines;
	int day_threshold;              /* attendance: lessons missed = a day */
	struct {
		int password_length;
		int inform_days;        /* ej-report informed's window */
		long long pwhash_ops, pwhash_mem;
		char *diary_url;        /* the e-diary's address for the
		                         * slips; "" when not given */
	} accounts;
	struct {
		/* comma-joined, as the settings table keeps them (types by
		 * their names, "pdf"); NULL when not given: the defaults */
		char *pupil_kinds, *staff_kinds, *levels, *types;
		int max_file_kb, max_person_kb;         /* 0: not given */
	} portfolio;
	int push_days;                  /* audit */
	int gap_lessons;                /* audit: lessons in a row without a
	                                 * mark before marks.gap flags it */
	int average_diff;               /* audit: hundredths between a period
	                                 * mark and the average (terms.far) */
	struct ej_cfg_subject *subjects;
	size_t nsubjects;
	struct ej_cfg_bell *bells;
	size_t nbells;
	struct ej_cfg_staff *staff;
	size_t nstaff;
	struct ej_cfg_class *classes;
	size_t nclasses;
	struct ej_cfg_load *load;
	size_t nload;
	struct ej_cfg_lesson *timetable;
	size_t ntimetable;
	unsigned pilot;                 /* bit p set for a pilot parallel p */
	struct ej_cfg_help *helpdesk;
	size_t nhelpdesk;
	struct ej_cfg_task *plan;
	size_t nplan;
};

/* Mappings and sequences nested deeper than this are refused. */
#define EJ_CONFIG_DEPTH_MAX 64

/*
 * Parse and validate path. Every problem is recorded in d as
 * "path:LINE:COL: message" (exit 65); returns 0 with *out set, or -1.
 * Every scalar keeps text.h's rule (no control characters; LFs only in a
 * plan task), e-mail addresses are addr-specs and phones phone numbers.
 */
int ej_config_load(struct ej_config **out, const char *path,
    struct ej_diag *d);
/*
 * The same from a buffer of n bytes; name is the file name errors show.
 */
int ej_config_parse(struct ej_config **out, const char *name,
    const char *buf, size_t n, struct ej_diag *d);
void ej_config_free(struct ej_config *c);

/*
 * Insert the configuration into the (empty) school tables of db, inside
 * the caller's transaction.
 */
int ej_config_store(const struct ej_config *c, sqlite3 *db,
    struct ej_diag *d);

/* The school's id (used in commit e-mails: login@id) and short name. */
const char *ej_config_school_id(const struct ej_config *c);
const char *ej_config_short_name(const struct ej_config *c);
/* Non-zero when the file names at least one staff member with role admin. */
int ej_config_has_admin(const struct ej_config *c);

/* Index of the staff member with this login, of a class by name (5а = 5А),
 * of a subject by name or short name (case and ё folded); -1 when none. */
long ej_config_find_staff(const struct ej_config *c, const char *login);
long ej_config_find_class(const struct ej_config *c, const char *name);
long ej_config_find_subject(const struct ej_config *c, const char *name);

/*
 * Normalise a class name: "5а", "5-а", "5 А" → "5А" in buf (≥ 16 bytes),
 * with its parallel and letter. -1 when s is not a class name.
 */
int ej_class_name(const char *s, char buf[16], int *parallel,
    char letter[8]);

#endif
