/*
 * audit_rules — the table of the audit's rules, and the compliance rules
 * as set-based SQL: each rule one INSERT … SELECT over the whole period
 * (no query per pupil or lesson), parametrised by the school's settings
 * (school.yaml, the settings table) with DOMAIN.md's defaults.
 *
 * A new rule is one row below: its id (the group before the dot), its
 * default severity, the setting it reads, its meaning, and either a
 * function (int f(struct ej_audit *, const struct ej_audit_rule *)) that
 * calls ej_audit_add()/ej_audit_sql(), or .run = ej_audit__sql with the
 * SELECT and its detail's format.
 */
#include "audit.h"
#include "i18n.h"

/* A whole-number setting, with its default. */
#define SETTING(key, dflt) \
	"ifnull((SELECT CAST(value AS INTEGER) FROM settings WHERE key = '" \
	key "'), " #dflt ")"
/* A decimal setting in hundredths ("4.60" → 460). */
#define SETTING_H(key, dflt) \
	"ifnull((SELECT CAST(round(CAST(value AS REAL) * 100) AS INTEGER) " \
	"FROM settings WHERE key = '" key "'), " #dflt ")"

#define PUPIL(p) "(" p ".surname || ' ' || " p ".name)"
/* The class × subject's teacher by the load. */
#define CS_LOAD(cls, subj) \
	"(SELECT s.login FROM load ld JOIN staff s ON s.id = ld.teacher_id " \
	"WHERE ld.class_id = " cls " AND ld.subject_id = " subj
#define CS_TEACHER(cls, subj, sub) \
	"coalesce(" CS_LOAD(cls, subj) " AND ld.subgroup = " sub " ORDER BY " \
	"s.login LIMIT 1), " CS_LOAD(cls, subj) " ORDER BY ld.subgroup, " \
	"s.login LIMIT 1))"
/* Who taught a lesson: its teacher (a substitute), else the load's. */
#define TEACHER(l) \
	"coalesce((SELECT login FROM staff WHERE id = " l ".teacher_id), " \
	CS_TEACHER(l ".class_id", l ".subject_id", l ".subgroup") ")"
/* The class a pupil is in on a day. */
#define CLASS_ON(pupil, day) \
	"(SELECT x.class_id FROM membership x WHERE x.pupil_id = " pupil \
	" AND x.start <= " day " ORDER BY x.start DESC LIMIT 1)"
#define CLASS_NAME_ON(pupil, day) \
	"(SELECT c.name FROM classes c WHERE c.id = " CLASS_ON(pupil, day) ")"
/* A lesson's class and subject, by name. */
#define LESSON_JOINS(l) \
	" JOIN classes c ON c.id = " l ".class_id " \
	"JOIN subjects j ON j.id = " l ".subject_id "
#define IN_SPAN(date) " " date " BETWEEN :since AND :until "

#define TOPIC_DAYS SETTING("deadlines.topic_days", 0)

/* Lessons numbered within their class × subject × subgroup. */
#define LES_IX \
	"les AS (SELECT id, class_id, subject_id, subgroup, date, row_number() " \
	"OVER (PARTITION BY class_id, subject_id, subgroup ORDER BY date, num) " \
	"AS ix FROM lessons WHERE date <= :asof)"

/*
 * Periods and the current marks in them, for the period-mark rules: per
 * (each class's periods by its parallel's scheme, those that cond
 * selects; upto: its end, or the audit's day within it, the findings'
 * date), cs (the subjects with lessons in them), pup (the pupils of
 * the class at the period's end, or on the audit's day before it), agg
 * and st (their count of marks, and the weighted average in hundredths
 * as terms.c computes it).
 */
#define PERIODS(cond) \
	"WITH per AS (SELECT c.id AS cid, c.name AS cname, c.year_id, p.num, " \
	"p.scheme, p.name AS pname, p.start, p.end, min(p.end, :asof) AS upto " \
	"FROM classes c JOIN period_schemes ps ON ps.year_id = c.year_id AND " \
	"ps.parallel = c.parallel JOIN periods p ON p.year_id = c.year_id AND " \
	"p.scheme = ps.scheme WHERE " cond "), " \
	"cs AS (SELECT DISTINCT per.*, l.subject_id FROM per JOIN lessons l ON " \
	"l.class_id = per.cid AND l.date BETWEEN per.start AND per.upto), " \
	"pup AS (SELECT cs.*, m.pupil_id FROM cs JOIN membership m ON " \
	"m.class_id = cs.cid AND m.start = (SELECT max(x.start) FROM " \
	"membership x WHERE x.pupil_id = m.pupil_id AND x.start <= cs.upto) " \
	"WHERE NOT EXISTS (SELECT 1 FROM term_marks t WHERE t.pupil_id = " \
	"m.pupil_id AND t.subject_id = cs.subject_id AND t.year_id = " \
	"cs.year_id AND t.period = CAST(cs.num AS TEXT) AND t.mark = 'осв'))"
/* agg: from the one pass over the marks (audit_marks.c). */
#define STATS \
	", agg AS (SELECT * FROM temp.au_agg), " \
	"st AS MATERIALIZED (SELECT pup.*, ifnull(agg.n, 0) AS n, CASE WHEN agg.ws > 0 THEN " \
	"(200 * agg.s + agg.ws) / (2 * agg.ws) END AS avg, CASE pup.scheme " \
	"WHEN 'half' THEN " SETTING("marks.min.half", 5) " WHEN 'trimester' " \
	"THEN " SETTING("marks.min.trimester", 4) " ELSE " \
	SETTING("marks.min.quarter", 3) " END AS need FROM pup LEFT JOIN agg " \
	"ON agg.pupil_id = pup.pupil_id AND agg.cid = pup.cid AND " \
	"agg.subject_id = pup.subject_id AND agg.num = pup.num) "
#define SUGGESTED \
	"(CASE WHEN st.n < st.need OR st.avg IS NULL THEN 'н/а' WHEN st.avg >= " \
	SETTING_H("marks.threshold.5", 460) " THEN '5' WHEN st.avg >= " \
	SETTING_H("marks.threshold.4", 360) " THEN '4' WHEN st.avg >= " \
	SETTING_H("marks.threshold.3", 260) " THEN '3' ELSE '2' END)"
#define AVG(x) \
	"CASE WHEN " x " IS NULL THEN '-' ELSE printf('%d.%02d', " x " / 100, " \
	x " % 100) END"
#define ST_FROM \
	" FROM st JOIN subjects j ON j.id = st.subject_id JOIN pupils p ON " \
	"p.id = st.pupil_id "
#define ST_COLS \
	"SELECT st.cname, j.name, " CS_TEACHER("st.cid", "st.subject_id", "0") \
	", st.upto, " PUPIL("p") ", "

/* The account rules: the two documents a login needs. */
#define KINDS "(SELECT 'ediary' AS kind UNION ALL SELECT 'personal-data')"

const struct ej_audit_rule ej_audit_rules[] = {
	/* ---------------------------------------------- integrity */
	{ "integrity.sqlite", EJ_SEV_ERROR, NULL,
	    N_("the database fails PRAGMA integrity_check"), ej_audit__sqlite,
	    NULL, NULL, NULL },
	{ "integrity.foreign_keys", EJ_SEV_ERROR, NULL,
	    N_("rows that refer to rows that do not exist"),
	    ej_audit__foreign_keys, NULL, NULL, NULL },
	/* Before any other rule reads an object: each is read here first,
	 * with its hash verified. */
	{ "integrity.history.missing", EJ_SEV_ERROR, NULL,
	    N_("objects of the history (commits, trees, blobs reachable from "
	    "refs/heads/main, refs/ej/* or the database's commit) that are "
	    "missing, and the commits that need them"), ej_audit__history,
	    NULL, NULL, NULL },
	{ "integrity.history.damaged", EJ_SEV_ERROR, NULL,
	    N_("objects of the history that cannot be read back (a damaged "
	    "or truncated pack, a wrong hash), and the commits that need "
	    "them"), ej_audit__history, NULL, NULL, NULL },
	{ "integrity.head", EJ_SEV_ERROR, NULL,
	    N_("the database's commit (meta.head) is not refs/heads/main"),
	    ej_audit__head, NULL, NULL, NULL },
	{ "integrity.lock", EJ_SEV_WARNING, NULL,
	    N_("a stale refs/heads/main.lock: a writer died moving the ref"),
	    ej_audit__lock, NULL, NULL, NULL },
	{ "integrity.objects", EJ_SEV_ERROR, NULL,
	    N_("objects of HEAD's tree that cannot be read"),
	    ej_audit__objects, NULL, NULL, NULL },
	{ "integrity.snapshot", EJ_SEV_ERROR, NULL,
	    N_("records of the database that differ from the history"),
	    ej_audit__snapshot, NULL, NULL, NULL },
	{ "integrity.names", EJ_SEV_ERROR, NULL,
	    N_("years, classes or subjects whose names cannot be directories "
	    "of the history, or would share one (ej-store(5))"),
	    ej_audit__names, NULL, NULL, NULL },
	/* ---------------------------------------------- permissions */
	{ "permissions", EJ_SEV_ERROR, NULL,
	    N_("store files others (or, in a group store, other groups) "
	    "may read or write"), ej_audit__permissions, NULL, NULL, NULL },
	/* ---------------------------------------------- copies (ej-sync) */
	{ "sync.push-stale", EJ_SEV_WARNING, "audit.push_days",
	    N_("a remote the history has not been pushed to for longer "
	    "than the setting's days, or never"), ej_audit__sync, NULL, NULL, NULL },
	{ "sync.mirror-behind", EJ_SEV_WARNING, "audit.push_days",
	    N_("a mirror behind its source, or not pulled for longer than "
	    "the setting's days"), ej_audit__sync, NULL, NULL, NULL },

	/* ---------------------------------------------- lessons */
	{ "lesson.topic", EJ_SEV_WARNING, "deadlines.topic_days",
	    N_("lessons past their day without a topic"), ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, NULL, "
	    "printf(:fmt) FROM lessons l" LESSON_JOINS("l")
	    "WHERE l.topic = '' AND" IN_SPAN("l.date") "AND date(l.date, '+' || "
	    TOPIC_DAYS " || ' days') < :asof",
	    N_("no topic"), NULL },
	{ "lesson.homework", EJ_SEV_INFO, NULL,
	    N_("lessons past their day without homework"), ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, NULL, "
	    "printf(:fmt) FROM lessons l" LESSON_JOINS("l")
	    "WHERE l.homework = '' AND" IN_SPAN("l.date") "AND l.date < :asof",
	    N_("no homework"), NULL },
	{ "lesson.topic_late", EJ_SEV_WARNING, "deadlines.topic_days",
	    N_("topics entered after the lesson's day"), ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, NULL, "
	    "printf(:fmt, date(l.topic_at, 'localtime')) FROM lessons l"
	    LESSON_JOINS("l") "WHERE l.topic <> '' AND l.topic_at IS NOT NULL "
	    "AND" IN_SPAN("l.date") "AND date(l.topic_at, 'localtime') > "
	    "date(l.date, '+' || " TOPIC_DAYS " || ' days')",
	    N_("topic entered on %s"), NULL },
	{ "lesson.homework_late", EJ_SEV_WARNING, "deadlines.homework_hours",
	    N_("homework entered later than the hours allowed after the "
	    "class's last lesson of the day"), ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("x") ", x.date, NULL, "
	    "printf(:fmt, strftime('%Y-%m-%d %H:%M', x.homework_at, "
	    "'localtime'), strftime('%Y-%m-%d %H:%M', x.due)) FROM (SELECT l.*, "
	    "datetime(l.date || ' ' || ifnull((SELECT b.end FROM timetable t "
	    "JOIN bells b ON b.lesson = t.lesson WHERE t.class_id = l.class_id "
	    "AND t.weekday = (CAST(strftime('%w', l.date) AS INTEGER) + 6) % 7 "
	    "+ 1 ORDER BY t.lesson DESC LIMIT 1), '23:59'), '+' || "
	    SETTING("deadlines.homework_hours", 1) " || ' hours') AS due "
	    "FROM lessons l WHERE l.homework <> '' AND l.homework_at IS NOT "
	    "NULL AND" IN_SPAN("l.date") ") x" LESSON_JOINS("x")
	    "WHERE datetime(x.homework_at, 'localtime') > x.due",
	    N_("homework entered at %s, due by %s"), NULL },
	/* Late entries are counted by lesson and the day they were entered:
	 * one finding for a lesson's absences or a work's marks entered
	 * together, naming the pupil when there is one. */
	{ "attendance.late", EJ_SEV_WARNING, "deadlines.topic_days",
	    N_("absences entered after the lesson's day"), ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, CASE WHEN g.n = 1 "
	    "THEN " PUPIL("p") " END, CASE WHEN g.n = 1 THEN printf(:fmt, g.code, "
	    "g.day) ELSE printf(:fmt2, g.n, g.codes, g.day) END FROM (SELECT "
	    "a.lesson_id, date(a.at, 'localtime') AS day, count(*) AS n, "
	    "min(a.pupil_id) AS pupil_id, min(a.code) AS code, rtrim(CASE WHEN "
	    "max(a.code = 'н') THEN 'н, ' ELSE '' END || CASE WHEN max(a.code "
	    "= 'у') THEN 'у, ' ELSE '' END || CASE WHEN max(a.code = 'б') THEN "
	    "'б, ' ELSE '' END || CASE WHEN max(a.code = 'оп') THEN 'оп, ' ELSE "
	    "'' END, ', ') AS codes FROM attendance a JOIN "
	    "lessons x ON x.id = a.lesson_id WHERE a.reason = '' AND"
	    IN_SPAN("x.date") "GROUP BY 1, 2) g JOIN lessons l ON l.id = "
	    "g.lesson_id JOIN pupils p ON p.id = g.pupil_id" LESSON_JOINS("l")
	    "WHERE g.day > date(l.date, '+' || " TOPIC_DAYS " || ' days')",
	    N_("%s entered on %s"), N_("%d absences (%s) entered on %s") },

	/* ---------------------------------------------- marks */
	{ "marks.late", EJ_SEV_WARNING, "marks.work_types (deadline)",
	    N_("written marks entered after their work type's deadline"),
	    ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, CASE WHEN g.n = 1 "
	    "THEN " PUPIL("p") " END, CASE WHEN g.n = 1 THEN printf(:fmt, g.mark, "
	    "w.name, g.day, w.deadline) ELSE printf(:fmt2, g.n, w.name, g.day, "
	    "w.deadline) END FROM (SELECT m.lesson_id, m.work_id, date(m.at, "
	    "'localtime') AS day, count(*) AS n, min(m.pupil_id) AS pupil_id, "
	    "min(m.mark) AS mark FROM marks m JOIN work_types v ON v.id = "
	    "m.work_id JOIN lessons x ON x.id = m.lesson_id WHERE v.written AND "
	    "m.reason = '' AND" IN_SPAN("x.date") "GROUP BY 1, 2, 3) g JOIN "
	    "lessons l ON l.id = g.lesson_id JOIN work_types w ON w.id = "
	    "g.work_id JOIN pupils p ON p.id = g.pupil_id" LESSON_JOINS("l")
	    "WHERE g.day > date(l.date, '+' || w.deadline || ' days')",
	    N_("%s (%s) entered on %s, %d days allowed"),
	    N_("%d marks (%s) entered on %s, %d days allowed") },
	{ "marks.gap", EJ_SEV_INFO, "audit.gap_lessons",
	    N_("more lessons in a row than allowed without a mark for a pupil"),
	    ej_audit__sql_marks,
	    "SELECT c.name, j.name, " CS_TEACHER("g.class_id", "g.subject_id",
	    "g.subgroup") ", g.date, " PUPIL("p") ", printf(:fmt, g.n, g.after) "
	    "FROM temp.au_gap g JOIN pupils p ON p.id = g.pupil_id"
	    LESSON_JOINS("g") "WHERE" IN_SPAN("g.date") "AND (NOT g.trailing OR "
	    CLASS_ON("g.pupil_id", "g.date") " = g.class_id)",
	    N_("%d lessons in a row without a mark after %s"), NULL },
	{ "marks.absent", EJ_SEV_WARNING, NULL,
	    N_("a mark and н for the same pupil at the same lesson"),
	    ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, " PUPIL("p") ", "
	    "printf(:fmt, m.mark) FROM attendance a JOIN marks m ON "
	    "m.lesson_id = a.lesson_id AND m.pupil_id = a.pupil_id JOIN lessons "
	    "l ON l.id = a.lesson_id JOIN pupils p ON p.id = a.pupil_id"
	    LESSON_JOINS("l") "WHERE a.code = 'н' AND" IN_SPAN("l.date"),
	    N_("mark %s together with н"), NULL },
	/* From the absences (few) to the next lesson of the same class,
	 * subject and subgroup (temp.au_les, audit_marks.c), not from every
	 * mark to the lesson before it: CROSS JOIN keeps that order (the
	 * planner knows nothing of the temporary tables). */
	{ "marks.two_after_absence", EJ_SEV_WARNING, NULL,
	    N_("a 2 at the lesson right after the pupil's absence"),
	    ej_audit__sql_marks,
	    "SELECT c.name, j.name, " TEACHER("lx") ", x.date, " PUPIL("p") ", "
	    "printf(:fmt, a.code, pl.date) FROM attendance a CROSS JOIN "
	    "temp.au_les pl ON pl.id = a.lesson_id CROSS JOIN temp.au_les x ON "
	    "x.cs = pl.cs AND x.ix = pl.ix + 1 CROSS JOIN marks m ON m.lesson_id "
	    "= x.id AND m.pupil_id = a.pupil_id JOIN pupils p ON p.id = m.pupil_id JOIN lessons lx ON "
	    "lx.id = x.id" LESSON_JOINS("x") "WHERE m.mark = '2' AND a.code IN "
	    "('н', 'б', 'у') AND" IN_SPAN("x.date"),
	    N_("2 right after an absence (%s on %s)"), NULL },
	{ "marks.not_member", EJ_SEV_ERROR, NULL,
	    N_("marks for a pupil who was not in the class that day"),
	    ej_audit__sql,
	    "SELECT c.name, j.name, " TEACHER("l") ", l.date, " PUPIL("p") ", "
	    "printf(:fmt, m.mark, ifnull(" CLASS_NAME_ON("m.pupil_id", "l.date")
	    ", '-')) FROM marks m JOIN lessons l ON l.id = m.lesson_id JOIN "
	    "pupils p ON p.id = m.pupil_id" LESSON_JOINS("l") "WHERE"
	    IN_SPAN("l.date") "AND " CLASS_ON("m.pupil_id", "l.date")
	    " IS NOT l.class_id",
	    N_("mark %s, but the pupil's class that day is %s"), NULL },

	/* ---------------------------------------------- period marks */
	{ "terms.few_marks", EJ_SEV_WARNING, "marks.min_marks",
	    N_("fewer current marks in an ended period than a period mark "
	    "needs"), ej_audit__sql_marks,
	    PERIODS("p.end < :asof") STATS ST_COLS
	    "printf(:fmt, st.pname, st.n, st.need)" ST_FROM
	    "WHERE st.n < st.need",
	    N_("%s: %d marks, a period mark needs %d"), NULL },
	{ "terms.missing", EJ_SEV_WARNING, "deadlines.period_mark_grace_days",
	    N_("no period mark after the period's end and the grace days"),
	    ej_audit__sql,
	    PERIODS("date(p.end, '+' || "
	    SETTING("deadlines.period_mark_grace_days", 3) " || ' days') < "
	    ":asof") " SELECT pup.cname, j.name, " CS_TEACHER("pup.cid",
	    "pup.subject_id", "0") ", pup.end, " PUPIL("p") ", printf(:fmt, "
	    "pup.pname) FROM pup JOIN subjects j ON j.id = pup.subject_id JOIN "
	    "pupils p ON p.id = pup.pupil_id WHERE NOT EXISTS (SELECT 1 FROM "
	    "term_marks t WHERE t.pupil_id = pup.pupil_id AND t.subject_id = "
	    "pup.subject_id AND t.year_id = pup.year_id AND t.period = "
	    "CAST(pup.num AS TEXT))",
	    N_("%s: no period mark"), NULL },
	{ "terms.far", EJ_SEV_WARNING, "audit.average_diff",
	    N_("a period mark far from the weighted average"),
	    ej_audit__sql_marks,
	    PERIODS("p.start <= :asof") STATS ST_COLS
	    "printf(:fmt, st.pname, t.mark, " AVG("st.avg") ")" ST_FROM
	    "JOIN term_marks t ON t.pupil_id = st.pupil_id AND t.subject_id = "
	    "st.subject_id AND t.year_id = st.year_id AND t.period = "
	    "CAST(st.num AS TEXT) WHERE t.mark GLOB '[1-5]' AND st.avg IS NOT "
	    "NULL AND abs(CAST(t.mark AS INTEGER) * 100 - st.avg) >= "
	    SETTING_H("audit.average_diff", 100),
	    N_("%s: period mark %s, weighted average %s"), NULL },
	{ "terms.risk", EJ_SEV_WARNING, "deadlines.risk_notice_days",
	    N_("pupils whose suggested period mark is 2 or н/а near the "
	    "period's end: their parents must be told"), ej_audit__sql_marks,
	    PERIODS(":asof BETWEEN date(p.end, '-' || "
	    SETTING("deadlines.risk_notice_days", 14) " || ' days') AND p.end")
	    STATS ST_COLS "printf(:fmt, st.pname, " SUGGESTED ", "
	    AVG("st.avg") ", st.n)" ST_FROM "WHERE " SUGGESTED " IN ('2', 'н/а')",
	    N_("%s: suggested %s (average %s, %d marks); tell the parents"), NULL },

	/* ---------------------------------------------- accounts */
	{ "accounts.no_consent", EJ_SEV_ERROR, NULL,
	    N_("active accounts without the application and the consent on "
	    "record"), ej_audit__sql,
	    "SELECT " CLASS_NAME_ON("p.id", ":asof") ", NULL, NULL, NULL, "
	    PUPIL("p") ", printf(:fmt, a.login, k.kind) FROM accounts a JOIN "
	    "pupils p ON p.id = a.pupil_id, " KINDS " k WHERE a.status = "
	    "'active' AND NOT EXISTS (SELECT 1 FROM consents x WHERE "
	    "x.pupil_id = a.pupil_id AND x.kind = k.kind AND x.status = 'given') "
	    "UNION ALL SELECT " CLASS_NAME_ON("p.id", ":asof") ", NULL, NULL, "
	    "NULL, " PUPIL("p") ", printf(:fmt, a.login, k.kind) FROM accounts a "
	    "JOIN guardians g ON g.parent_id = a.parent_id JOIN pupils p ON "
	    "p.id = g.pupil_id, " KINDS " k WHERE a.status = 'active' AND NOT "
	    "EXISTS (SELECT 1 FROM consents x WHERE x.pupil_id = g.pupil_id AND "
	    "x.parent_id = a.parent_id AND x.kind = k.kind AND x.status = "
	    "'given')",
	    N_("account %s: no %s document given"), NULL },
	{ "accounts.revoked", EJ_SEV_ERROR, NULL,
	    N_("active accounts whose consent was revoked"), ej_audit__sql,
	    "SELECT " CLASS_NAME_ON("p.id", ":asof") ", NULL, NULL, NULL, "
	    PUPIL("p") ", printf(:fmt, a.login, x.kind, x.date) FROM consents x "
	    "JOIN accounts a ON a.status = 'active' AND (a.pupil_id = "
	    "x.pupil_id OR (x.parent_id IS NOT NULL AND a.parent_id = "
	    "x.parent_id)) JOIN pupils p ON p.id = x.pupil_id WHERE x.status = "
	    "'revoked'",
	    N_("account %s is active, but the %s document was revoked on %s"), NULL },

	/* ---------------------------------------------- the pilot */
	/* ej-audit reconcile only (audit_reconcile.c): no .run. */
	{ "reconcile", EJ_SEV_ERROR, "pilot",
	    N_("cells of a pilot class's paper journal that differ from the "
	    "electronic journal"), NULL, NULL, NULL, NULL },
};

const size_t ej_audit_nrules = sizeof ej_audit_rules / sizeof ej_audit_rules[0];
