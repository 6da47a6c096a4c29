/*
 * snapshot — the table of snapshot files (history.h): every kind of
 * record the history keeps, declared once. A new kind of record is one
 * new entry here; commit, verify and rebuild follow.
 *
 * Ids are written so that rows load back as they were; the readable names
 * beside them (logins, class and subject names) are for people reading
 * `git log -p` and are ignored on load.
 */
#include "history.h"
#include "i18n.h"

/* A single file holding one table, in primary-key order. */
#define TABLE(kind_, path_, table_, cols_, order_, ...) \
	{ .kind = kind_, .path = path_, .table = table_, \
	  .dump_sql = "SELECT " cols_ " FROM " table_ " ORDER BY " order_, \
	  .deps = { { .table = table_ } }, \
	  .key_cols = order_, __VA_ARGS__ }


/* The journal's per class × subject paths: every name becomes a path
 * component through ej_path() (pathname.h), the one mapping. */
#define CLASS_DIR \
	"'journal/' || ej_path(y.name) || '/' || ej_path(c.name) || "
#define JOURNAL_DIR \
	CLASS_DIR "'/' || ej_path(j.name) || "
#define JOURNAL_PATH(file) \
	"SELECT " JOURNAL_DIR file " FROM classes c JOIN years y ON " \
	"y.id = c.year_id, subjects j WHERE c.id = ?1 AND j.id = ?2"
#define JOURNAL_PATHS(file) \
	"SELECT " JOURNAL_DIR file ", c.id, j.id, 0 FROM classes c JOIN years y " \
	"ON y.id = c.year_id, subjects j"
/* The file of the lesson a row belongs to. */
#define LESSON_KEYS(row) \
	"SELECT class_id, subject_id, 0 FROM lessons WHERE id = " row ".lesson_id"
/* A lesson moved to another date or number rewrites its rows' lines. */
#define LESSON_MOVES \
	{ .table = "lessons", .when = "date, num, subgroup", \
	  .keys_new = "SELECT NEW.class_id, NEW.subject_id, 0" }
/* Renames move or rewrite every file of the kind. */
#define RENAMES \
	{ .table = "classes", .when = "name", .keys_new = "SELECT -1, 0, 0" }, \
	{ .table = "subjects", .when = "name", .keys_new = "SELECT -1, 0, 0" }, \
	{ .table = "years", .when = "name", .keys_new = "SELECT -1, 0, 0" }, \
	{ .table = "staff", .when = "login", .keys_new = "SELECT -1, 0, 0" }

/* A person's portfolio: keys (1, pupil id) or (2, staff id). */
#define PERSON_KEYS(row) \
	"CASE WHEN " row "pupil_id IS NOT NULL THEN 1 ELSE 2 END, " \
	"coalesce(" row "pupil_id, " row "staff_id), 0"
#define PORTFOLIO_OF(k1, k2) \
	"((" k1 " = 1 AND pupil_id = " k2 ") OR (" k1 " = 2 AND " \
	"staff_id = " k2 "))"
/* A pupil's directory carries the id: two pupils may share a name. */
#define PUPIL_DIR \
	"'portfolio/pupils/' || ej_path(p.id || ' ' || p.surname || ' ' || " \
	"p.name)"
#define STAFF_DIR "'portfolio/staff/' || ej_path(s.login)"
#define PERSON_DIRS(file, wp, ws) \
	"SELECT " PUPIL_DIR " || " file " FROM pupils p " wp \
	" UNION ALL SELECT " STAFF_DIR " || " file " FROM staff s " ws
#define DOC_PATH \
	"CASE WHEN d.pupil_id IS NOT NULL THEN " PUPIL_DIR " ELSE " \
	STAFF_DIR " END || '/files/' || ej_path(d.id || '-' || d.file)"
#define PERSON_RENAMES \
	{ .table = "pupils", .when = "surname, name", \
	  .keys_new = "SELECT -1, 0, 0" }, \
	{ .table = "staff", .when = "login, surname, name", \
	  .keys_new = "SELECT -1, 0, 0" }

const struct ej_snapfile ej_snapshot_files[] = {
	TABLE("school", "school/school.csv", "school", "key, value", "key",
	    .noun = N_("school"), .name_cols = "key"),
	TABLE("settings", "school/settings.csv", "settings", "key, value",
	    "key",
	    .noun = N_("setting"), .name_cols = "key"),
	TABLE("years", "school/years.csv", "years", "id, name, start, end",
	    "id",
	    .noun = N_("year"), .name_cols = "name"),
	TABLE("periods", "school/periods.csv", "periods",
	    "id, year_id, scheme, num, name, start, end", "id",
	    .noun = N_("period"), .name_cols = "scheme, name"),
	TABLE("period_schemes", "school/period_schemes.csv", "period_schemes",
	    "year_id, parallel, scheme", "year_id, parallel",
	    .noun = N_("period scheme")),
	TABLE("holidays", "school/holidays.csv", "holidays",
	    "year_id, start, end, name", "year_id, start",
	    .noun = N_("holiday"), .name_cols = "start, name"),
	TABLE("work_types", "school/work_types.csv", "work_types",
	    "id, name, weight, deadline, written, dflt", "id",
	    .noun = N_("work type"), .name_cols = "name"),
	TABLE("subjects", "school/subjects.csv", "subjects",
	    "id, name, short, passfail, two_marks, subgroups", "id",
	    .noun = N_("subject"), .name_cols = "name"),
	TABLE("bells", "school/bells.csv", "bells", "lesson, start, end",
	    "lesson",
	    .noun = N_("bell"), .name_cols = "lesson"),
	TABLE("staff", "people/staff.csv", "staff",
	    "id, login, surname, name, patronymic, email, phone, position, "
	    "active", "id",
	    .noun = N_("staff"), .name_cols = "login"),
	{
		.kind = "staff_roles",
		.unload_sql = "DELETE FROM staff_roles",
		.path = "people/staff_roles.csv",
		.dump_sql = "SELECT s.login, r.role FROM staff_roles r "
		    "JOIN staff s ON s.id = r.staff_id ORDER BY s.login, r.role",
		.load_sql = "INSERT INTO staff_roles(staff_id, role) "
		    "SELECT id, :role FROM staff WHERE login = :login",
		.deps = {
			{ .table = "staff_roles" },
			{ .table = "staff", .when = "login" },
		},
		.key_cols = "login, role",
		.noun = N_("role"),
		.delete_sql = "DELETE FROM staff_roles WHERE role = :role AND "
		    "staff_id = (SELECT id FROM staff WHERE login = :login)",
	},
	{
		.kind = "classes",
		.path = "school/classes.csv",
		.table = "classes",
		.dump_sql = "SELECT c.id, c.year_id, c.name, c.parallel, "
		    "c.letter, c.teacher_id, s.login AS teacher FROM classes c "
		    "LEFT JOIN staff s ON s.id = c.teacher_id ORDER BY c.id",
		.deps = {
			{ .table = "classes" },
			{ .table = "staff", .when = "login" },
		},
		.key_cols = "id",
		.noun = N_("class"),
		.name_cols = "name",
	},
	{
		.kind = "load",
		.path = "school/load.csv",
		.table = "load",
		.dump_sql = "SELECT l.class_id, c.name AS class, l.subject_id, "
		    "j.name AS subject, l.subgroup, l.teacher_id, "
		    "s.login AS teacher, l.hours FROM load l "
		    "JOIN classes c ON c.id = l.class_id "
		    "JOIN subjects j ON j.id = l.subject_id "
		    "JOIN staff s ON s.id = l.teacher_id "
		    "ORDER BY l.class_id, l.subject_id, l.subgroup, l.teacher_id",
		.deps = {
			{ .table = "load" },
			{ .table = "classes", .when = "name" },
			{ .table = "subjects", .when = "name" },
			{ .table = "staff", .when = "login" },
		},
		.key_cols = "class_id, subject_id, subgroup, teacher_id",
		.noun = N_("load"),
		.name_cols = "class, subject, teacher",
		.value_cols = "hours",
	},
	{
		.kind = "timetable",
		.path = "school/timetable.csv",
		.table = "timetable",
		.dump_sql = "SELECT t.class_id, c.name AS class, t.weekday, "
		    "t.lesson, t.subgroup, t.subject_id, j.name AS subject, "
		    "t.room FROM timetable t "
		    "JOIN classes c ON c.id = t.class_id "
		    "JOIN subjects j ON j.id = t.subject_id "
		    "ORDER BY t.class_id, t.weekday, t.lesson, t.subgroup",
		.deps = {
			{ .table = "timetable" },
			{ .table = "classes", .when = "name" },
			{ .table = "subjects", .when = "name" },
		},
		.key_cols = "class_id, weekday, lesson, subgroup",
		.noun = N_("timetable"),
		.name_cols = "class, weekday, #lesson",
		.value_cols = "subject",
	},
	TABLE("pupils", "people/pupils.csv", "pupils",
	    "id, ext_id, surname, name, patronymic, birth_date, sex, joined",
	    "id",
	    .noun = N_("pupil"), .name_cols = "surname, name"),
	{
		.kind = "membership",
		.path = "people/membership.csv",
		.table = "membership",
		.dump_sql = "SELECT m.pupil_id, p.surname || ' ' || p.name AS "
		    "pupil, m.start, m.class_id, c.name AS class, m.reason "
		    "FROM membership m JOIN pupils p ON p.id = m.pupil_id "
		    "LEFT JOIN classes c ON c.id = m.class_id "
		    "ORDER BY m.pupil_id, m.start",
		.deps = {
			{ .table = "membership" },
			{ .table = "pupils", .when = "surname, name" },
			{ .table = "classes", .when = "name" },
		},
		.key_cols = "pupil_id, start",
		.noun = N_("membership"),
		.name_cols = "pupil, start",
		.value_cols = "class",
	},
	TABLE("parents", "people/parents.csv", "parents",
	    "id, surname, name, patronymic, phone, email", "id",
	    .noun = N_("parent"), .name_cols = "surname, name"),
	{
		.kind = "guardians",
		.path = "people/guardians.csv",
		.table = "guardians",
		.dump_sql = "SELECT g.parent_id, r.surname || ' ' || r.name AS "
		    "parent, g.pupil_id, p.surname || ' ' || p.name AS pupil, "
		    "g.relation FROM guardians g "
		    "JOIN parents r ON r.id = g.parent_id "
		    "JOIN pupils p ON p.id = g.pupil_id "
		    "ORDER BY g.parent_id, g.pupil_id",
		.deps = {
			{ .table = "guardians" },
			{ .table = "parents", .when = "surname, name" },
			{ .table = "pupils", .when = "surname, name" },
		},
		.key_cols = "parent_id, pupil_id",
		.noun = N_("guardian"),
		.name_cols = "parent, pupil",
	},
	TABLE("pilot", "school/pilot.csv", "pilot", "parallel", "parallel",
	    .noun = N_("pilot parallel")),
	TABLE("helpdesk", "school/helpdesk.csv", "helpdesk",
	    "id, weekday, start, end, kind, responsible", "id",
	    .noun = N_("help desk"), .name_cols = "id, kind"),
	TABLE("plan", "school/plan.csv", "plan",
	    "id, task, due, due_date, responsible, done", "id",
	    .noun = N_("plan task"), .name_cols = "id, task"),

	/*
	 * The journal: one directory per year, class and subject, e.g.
	 * journal/2020-2021/5А/Алгебра/marks.csv, keyed by (class, subject).
	 */
	{
		.kind = "lessons",
		.unload_sql = "DELETE FROM lessons WHERE class_id = ?1 AND "
		    "subject_id = ?2",
		.with = { "marks", "attendance" },
		.glob = "journal/*/*/*/lessons.csv",
		.keys_sql = "SELECT DISTINCT class_id, subject_id, 0 FROM lessons",
		.path_sql = JOURNAL_PATH("'/lessons.csv'"),
		.paths_sql = JOURNAL_PATHS("'/lessons.csv'"),
		.dump_sql = "SELECT l.date, l.num AS lesson, l.subgroup, "
		    "t.login AS teacher, l.topic, l.homework, l.topic_at, "
		    "l.homework_at, b.login AS entered_by, l.at AS entered_at "
		    "FROM lessons l LEFT JOIN staff t ON t.id = l.teacher_id "
		    "LEFT JOIN staff b ON b.id = l.by_id "
		    "WHERE l.class_id = ?1 AND l.subject_id = ?2 "
		    "ORDER BY l.date, l.num, l.subgroup",
		.load_sql = "INSERT INTO lessons(class_id, subject_id, subgroup, "
		    "date, num, teacher_id, topic, homework, topic_at, "
		    "homework_at, by_id, at) VALUES(:k1, :k2, :subgroup, :date, "
		    ":lesson, (SELECT id FROM staff WHERE login = :teacher), "
		    ":topic, :homework, :topic_at, :homework_at, "
		    "(SELECT id FROM staff WHERE login = :entered_by), "
		    ":entered_at)",
		.deps = {
			{ .table = "lessons",
			  .keys_new = "SELECT NEW.class_id, NEW.subject_id, 0",
			  .keys_old = "SELECT OLD.class_id, OLD.subject_id, 0" },
			RENAMES,
		},
		.key_cols = "date, lesson, subgroup",
		.noun = N_("lesson"),
		.name_cols = "date, #lesson",
		.value_cols = "topic, homework",
		.delete_sql = "DELETE FROM lessons WHERE class_id = :k1 AND "
		    "subject_id = :k2 AND date = :date AND num = :lesson AND "
		    "subgroup = :subgroup",
		.update_sql = "UPDATE lessons SET teacher_id = (SELECT id FROM "
		    "staff WHERE login = :teacher), topic = :topic, "
		    "homework = :homework, topic_at = :topic_at, "
		    "homework_at = :homework_at, by_id = (SELECT id FROM staff "
		    "WHERE login = :entered_by), at = :entered_at "
		    "WHERE class_id = :k1 AND subject_id = :k2 AND "
		    "date = :date AND num = :lesson AND subgroup = :subgroup",
	},
	{
		.kind = "marks",
		.unload_sql = "DELETE FROM marks WHERE lesson_id IN (SELECT id "
		    "FROM lessons WHERE class_id = ?1 AND subject_id = ?2)",
		.glob = "journal/*/*/*/marks.csv",
		.keys_sql = "SELECT DISTINCT l.class_id, l.subject_id, 0 FROM "
		    "marks m JOIN lessons l ON l.id = m.lesson_id",
		.path_sql = JOURNAL_PATH("'/marks.csv'"),
		.paths_sql = JOURNAL_PATHS("'/marks.csv'"),
		.dump_sql = "SELECT l.date, l.num AS lesson, l.subgroup, "
		    "m.pupil_id, p.surname || ' ' || p.name AS pupil, m.seq, "
		    "m.mark, w.name AS work, b.login AS entered_by, "
		    "m.at AS entered_at, m.reason FROM lessons l "
		    "JOIN marks m ON m.lesson_id = l.id "
		    "JOIN pupils p ON p.id = m.pupil_id "
		    "JOIN work_types w ON w.id = m.work_id "
		    "JOIN staff b ON b.id = m.by_id "
		    "WHERE l.class_id = ?1 AND l.subject_id = ?2 "
		    "ORDER BY l.date, l.num, l.subgroup, m.pupil_id, m.seq",
		.load_sql = "INSERT INTO marks(lesson_id, pupil_id, seq, mark, "
		    "work_id, by_id, at, reason) SELECT l.id, :pupil_id, :seq, "
		    ":mark, (SELECT id FROM work_types WHERE name = :work), "
		    "(SELECT id FROM staff WHERE login = :entered_by), "
		    ":entered_at, :reason FROM lessons l WHERE l.class_id = :k1 "
		    "AND l.subject_id = :k2 AND l.date = :date AND "
		    "l.num = :lesson AND l.subgroup = :subgroup",
		.deps = {
			{ .table = "marks",
			  .keys_new = LESSON_KEYS("NEW"),
			  .keys_old = LESSON_KEYS("OLD") },
			LESSON_MOVES,
			{ .table = "pupils", .when = "surname, name",
			  .keys_new = "SELECT DISTINCT l.class_id, l.subject_id, "
			    "0 FROM marks x JOIN lessons l ON l.id = x.lesson_id "
			    "WHERE x.pupil_id = NEW.id" },
			{ .table = "work_types", .when = "name",
			  .keys_new = "SELECT -1, 0, 0" },
			RENAMES,
		},
		.key_cols = "date, lesson, subgroup, pupil_id, seq",
		.noun = N_("marks"),
		.name_cols = "date, pupil",
		.value_cols = "mark",
		.delete_sql = "DELETE FROM marks WHERE pupil_id = :pupil_id AND "
		    "seq = :seq AND lesson_id = (SELECT id FROM lessons WHERE "
		    "class_id = :k1 AND subject_id = :k2 AND date = :date AND "
		    "num = :lesson AND subgroup = :subgroup)",
	},
	{
		.kind = "attendance",
		.unload_sql = "DELETE FROM attendance WHERE lesson_id IN (SELECT "
		    "id FROM lessons WHERE class_id = ?1 AND subject_id = ?2)",
		.glob = "journal/*/*/*/attendance.csv",
		.keys_sql = "SELECT DISTINCT l.class_id, l.subject_id, 0 FROM "
		    "attendance a JOIN lessons l ON l.id = a.lesson_id",
		.path_sql = JOURNAL_PATH("'/attendance.csv'"),
		.paths_sql = JOURNAL_PATHS("'/attendance.csv'"),
		.dump_sql = "SELECT l.date, l.num AS lesson, l.subgroup, "
		    "a.pupil_id, p.surname || ' ' || p.name AS pupil, a.code, "
		    "b.login AS entered_by, a.at AS entered_at, a.reason "
		    "FROM lessons l JOIN attendance a ON a.lesson_id = l.id "
		    "JOIN pupils p ON p.id = a.pupil_id "
		    "JOIN staff b ON b.id = a.by_id "
		    "WHERE l.class_id = ?1 AND l.subject_id = ?2 "
		    "ORDER BY l.date, l.num, l.subgroup, a.pupil_id",
		.load_sql = "INSERT INTO attendance(lesson_id, pupil_id, code, "
		    "by_id, at, reason) SELECT l.id, :pupil_id, :code, "
		    "(SELECT id FROM staff WHERE login = :entered_by), "
		    ":entered_at, :reason FROM lessons l WHERE l.class_id = :k1 "
		    "AND l.subject_id = :k2 AND l.date = :date AND "
		    "l.num = :lesson AND l.subgroup = :subgroup",
		.deps = {
			{ .table = "attendance",
			  .keys_new = LESSON_KEYS("NEW"),
			  .keys_old = LESSON_KEYS("OLD") },
			LESSON_MOVES,
			{ .table = "pupils", .when = "surname, name",
			  .keys_new = "SELECT DISTINCT l.class_id, l.subject_id, "
			    "0 FROM attendance x JOIN lessons l ON "
			    "l.id = x.lesson_id WHERE x.pupil_id = NEW.id" },
			RENAMES,
		},
		.key_cols = "date, lesson, subgroup, pupil_id",
		.noun = N_("attendance"),
		.name_cols = "date, pupil",
		.value_cols = "code",
		.delete_sql = "DELETE FROM attendance WHERE pupil_id = :pupil_id "
		    "AND lesson_id = (SELECT id FROM lessons WHERE "
		    "class_id = :k1 AND subject_id = :k2 AND date = :date AND "
		    "num = :lesson AND subgroup = :subgroup)",
	},
	{
		.kind = "terms",
		.unload_sql = "DELETE FROM term_marks WHERE class_id = ?1",
		.glob = "journal/*/*/terms.csv",
		.keys_sql = "SELECT DISTINCT class_id, 0, 0 FROM term_marks",
		.path_sql = "SELECT " CLASS_DIR "'/terms.csv' FROM classes c "
		    "JOIN years y ON y.id = c.year_id WHERE c.id = ?1",
		.paths_sql = "SELECT " CLASS_DIR "'/terms.csv', c.id, 0, 0 "
		    "FROM classes c JOIN years y ON y.id = c.year_id",
		.dump_sql = "SELECT j.name AS subject, t.period, t.pupil_id, "
		    "p.surname || ' ' || p.name AS pupil, t.mark, "
		    "b.login AS entered_by, t.at AS entered_at, t.reason "
		    "FROM term_marks t JOIN subjects j ON j.id = t.subject_id "
		    "JOIN pupils p ON p.id = t.pupil_id "
		    "JOIN staff b ON b.id = t.by_id WHERE t.class_id = ?1 "
		    "ORDER BY t.subject_id, t.period, t.pupil_id",
		.load_sql = "INSERT INTO term_marks(pupil_id, subject_id, "
		    "year_id, period, class_id, mark, by_id, at, reason) "
		    "SELECT :pupil_id, j.id, c.year_id, :period, c.id, :mark, "
		    "(SELECT id FROM staff WHERE login = :entered_by), "
		    ":entered_at, :reason FROM classes c, subjects j "
		    "WHERE c.id = :k1 AND j.name = :subject",
		.deps = {
			{ .table = "term_marks",
			  .keys_new = "SELECT NEW.class_id, 0, 0",
			  .keys_old = "SELECT OLD.class_id, 0, 0" },
			{ .table = "pupils", .when = "surname, name",
			  .keys_new = "SELECT DISTINCT class_id, 0, 0 FROM "
			    "term_marks WHERE pupil_id = NEW.id" },
			{ .table = "subjects", .when = "name",
			  .keys_new = "SELECT -1, 0, 0" },
			{ .table = "classes", .when = "name",
			  .keys_new = "SELECT -1, 0, 0" },
			{ .table = "staff", .when = "login",
			  .keys_new = "SELECT -1, 0, 0" },
		},
		/* In subject_id order, not the names': recdiff sorts. */
		.key_cols = "subject, period, pupil_id",
		.noun = N_("period mark"),
		.name_cols = "subject, period, pupil",
		.value_cols = "mark",
		.delete_sql = "DELETE FROM term_marks WHERE class_id = :k1 AND "
		    "pupil_id = :pupil_id AND period = :period AND "
		    "subject_id = (SELECT id FROM subjects WHERE name = :subject)",
	},

	/* Parents' applications and consents, and the e-diary logins:
	 * metadata only — account_secrets (the hashes) is never in a
	 * snapshot, so never in the history. */
	{
		.kind = "consents",
		.path = "people/consents.csv",
		.table = "consents",
		.dump_sql = "SELECT c.id, c.pupil_id, p.surname || ' ' || "
		    "p.name AS pupil, c.parent_id, r.surname || ' ' || r.name "
		    "AS parent, c.kind, c.status, c.date, c.form_no, c.reason, "
		    "b.login AS entered_by, c.at AS entered_at FROM consents c "
		    "JOIN pupils p ON p.id = c.pupil_id "
		    "LEFT JOIN parents r ON r.id = c.parent_id "
		    "JOIN staff b ON b.id = c.by_id ORDER BY c.id",
		.load_sql = "INSERT INTO consents(id, pupil_id, parent_id, "
		    "kind, status, date, form_no, reason, by_id, at) "
		    "VALUES(:id, :pupil_id, :parent_id, :kind, :status, :date, "
		    ":form_no, :reason, (SELECT id FROM staff WHERE "
		    "login = :entered_by), :entered_at)",
		.deps = {
			{ .table = "consents" },
			{ .table = "pupils", .when = "surname, name" },
			{ .table = "parents", .when = "surname, name" },
			{ .table = "staff", .when = "login" },
		},		.key_cols = "id",
		.noun = N_("consent"),
		.name_cols = "pupil, parent, kind",
		.value_cols = "status, date",
	},
	{
		.kind = "accounts",
		.path = "people/accounts.csv",
		.table = "accounts",
		.dump_sql = "SELECT a.id, a.login, a.role, a.pupil_id, "
		    "a.parent_id, coalesce(p.surname || ' ' || p.name, "
		    "r.surname || ' ' || r.name) AS person, a.status, "
		    "a.must_change, a.issued, a.revoked, a.reason, "
		    "b.login AS entered_by FROM accounts a "
		    "LEFT JOIN pupils p ON p.id = a.pupil_id "
		    "LEFT JOIN parents r ON r.id = a.parent_id "
		    "JOIN staff b ON b.id = a.by_id ORDER BY a.id",
		.load_sql = "INSERT INTO accounts(id, login, role, pupil_id, "
		    "parent_id, status, must_change, issued, revoked, reason, "
		    "by_id) VALUES(:id, :login, :role, :pupil_id, :parent_id, "
		    ":status, :must_change, :issued, :revoked, :reason, "
		    "(SELECT id FROM staff WHERE login = :entered_by))",
		.deps = {
			{ .table = "accounts" },
			{ .table = "pupils", .when = "surname, name" },
			{ .table = "parents", .when = "surname, name" },
			{ .table = "staff", .when = "login" },
		},		.key_cols = "id",
		.noun = N_("account"),
		.name_cols = "login, person",
		.value_cols = "status",
		/* The hashes refer to an account: changed in place. */
		.update_sql = "UPDATE accounts SET login = :login, "
		    "status = :status, must_change = :must_change, "
		    "issued = :issued, revoked = :revoked, reason = :reason, "
		    "by_id = (SELECT id FROM staff WHERE login = :entered_by) "
		    "WHERE id = :id",
	},

	/*
	 * E-portfolios: one directory a person (portfolio/pupils/ID NAME/,
	 * portfolio/staff/LOGIN/), keyed by (1 pupil | 2 staff, id): the
	 * documents' records in portfolio.csv, each document's file under
	 * files/ as the blob the record names (a blob kind: history.h).
	 */
	{
		.kind = "staff_hired",
		/* Keyed by a constant: one file, absent while empty. */
		.glob = "people/staff_hired.csv",
		.keys_sql = "SELECT DISTINCT 1, 0, 0 FROM staff_hired",
		.path_sql = "SELECT 'people/staff_hired.csv'",
		.paths_sql = "SELECT 'people/staff_hired.csv', 1, 0, 0",
		.dump_sql = "SELECT h.staff_id, s.login, h.hired FROM "
		    "staff_hired h JOIN staff s ON s.id = h.staff_id "
		    "ORDER BY h.staff_id",
		.table = "staff_hired",
		.unload_sql = "DELETE FROM staff_hired",
		.deps = {
			{ .table = "staff_hired",
			  .keys_new = "SELECT 1, 0, 0",
			  .keys_old = "SELECT 1, 0, 0" },
			{ .table = "staff", .when = "login",
			  .keys_new = "SELECT 1, 0, 0" },
		},
		.key_cols = "staff_id",
		.noun = N_("hired"),
		.name_cols = "login",
		.value_cols = "hired",
	},
	{
		/* The last diary mailed to each parent for each child
		 * (ej-report diary --mail): one file, absent while empty. */
		.kind = "diary_mailed",
		.glob = "people/diary_mailed.csv",
		.keys_sql = "SELECT DISTINCT 1, 0, 0 FROM diary_mailed",
		.path_sql = "SELECT 'people/diary_mailed.csv'",
		.paths_sql = "SELECT 'people/diary_mailed.csv', 1, 0, 0",
		.dump_sql = "SELECT m.parent_id, m.pupil_id, r.surname || ' ' "
		    "|| r.name AS parent, p.surname || ' ' || p.name AS pupil, "
		    "m.at, b.login AS entered_by FROM diary_mailed m "
		    "JOIN parents r ON r.id = m.parent_id "
		    "JOIN pupils p ON p.id = m.pupil_id "
		    "JOIN staff b ON b.id = m.by_id "
		    "ORDER BY m.parent_id, m.pupil_id",
		.load_sql = "INSERT INTO diary_mailed(parent_id, pupil_id, at, "
		    "by_id) VALUES(:parent_id, :pupil_id, :at, "
		    "(SELECT id FROM staff WHERE login = :entered_by))",
		.table = "diary_mailed",
		.unload_sql = "DELETE FROM diary_mailed",
		.deps = {
			{ .table = "diary_mailed",
			  .keys_new = "SELECT 1, 0, 0",
			  .keys_old = "SELECT 1, 0, 0" },
			{ .table = "parents", .when = "surname, name",
			  .keys_new = "SELECT 1, 0, 0" },
			{ .table = "pupils", .when = "surname, name",
			  .keys_new = "SELECT 1, 0, 0" },
			{ .table = "staff", .when = "login",
			  .keys_new = "SELECT 1, 0, 0" },
		},
		.key_cols = "parent_id, pupil_id",
		.noun = N_("diary mailed"),
		.name_cols = "parent, pupil",
		.value_cols = "at",
	},
	{
		.kind = "portfolio",
		.unload_sql = "DELETE FROM portfolio WHERE " PORTFOLIO_OF("?1",
		    "?2"),
		.glob = "portfolio/*/*/portfolio.csv",
		.keys_sql = "SELECT DISTINCT " PERSON_KEYS("") " FROM portfolio",
		.path_sql = PERSON_DIRS("'/portfolio.csv'",
		    "WHERE ?1 = 1 AND p.id = ?2", "WHERE ?1 = 2 AND s.id = ?2"),
		.paths_sql = "SELECT " PUPIL_DIR " || '/portfolio.csv', 1, "
		    "p.id, 0 FROM pupils p UNION ALL SELECT " STAFF_DIR
		    " || '/portfolio.csv', 2, s.id, 0 FROM staff s",
		.dump_sql = "SELECT d.id, coalesce(p.surname || ' ' || p.name, "
		    "s.surname || ' ' || s.name) AS person, d.kind, d.title, "
		    "d.date, d.issuer, d.level, d.file, d.type, d.size, d.blob, "
		    "b.login AS entered_by, d.at AS entered_at FROM portfolio d "
		    "LEFT JOIN pupils p ON p.id = d.pupil_id "
		    "LEFT JOIN staff s ON s.id = d.staff_id "
		    "JOIN staff b ON b.id = d.by_id "
		    "WHERE " PORTFOLIO_OF("?1", "?2") " ORDER BY d.id",
		.load_sql = "INSERT INTO portfolio(id, pupil_id, staff_id, kind, "
		    "title, date, issuer, level, file, type, size, blob, by_id, "
		    "at) VALUES(:id, CASE :k1 WHEN 1 THEN :k2 END, "
		    "CASE :k1 WHEN 2 THEN :k2 END, :kind, :title, :date, "
		    ":issuer, :level, :file, :type, :size, :blob, "
		    "(SELECT id FROM staff WHERE login = :entered_by), "
		    ":entered_at)",
		.table = "portfolio",
		.deps = {
			{ .table = "portfolio",
			  .keys_new = "SELECT " PERSON_KEYS("NEW."),
			  .keys_old = "SELECT " PERSON_KEYS("OLD.") },
			PERSON_RENAMES,
		},
		.key_cols = "id",
		.noun = N_("document"),
		.name_cols = "kind, title, person",
		.value_cols = "date",
	},
	{
		.kind = "portfolio_files",
		.blob = 1,
		.noload = 1,
		.glob = "portfolio/*/*/files/*",
		.keys_sql = "SELECT id, 0, 0 FROM portfolio",
		.path_sql = "SELECT " DOC_PATH " FROM portfolio d "
		    "LEFT JOIN pupils p ON p.id = d.pupil_id "
		    "LEFT JOIN staff s ON s.id = d.staff_id WHERE d.id = ?1",
		.paths_sql = "SELECT " DOC_PATH ", d.id, 0, 0 FROM portfolio d "
		    "LEFT JOIN pupils p ON p.id = d.pupil_id "
		    "LEFT JOIN staff s ON s.id = d.staff_id",
		.dump_sql = "SELECT blob FROM portfolio WHERE id = ?1",
		.table = "portfolio",
		.deps = {
			/* A removed document's path needs its row: the
			 * kind's files are compared again (ids only). */
			{ .table = "portfolio", .keys_new = "SELECT NEW.id, 0, 0",
			  .keys_old = "SELECT -1, 0, 0" },
			PERSON_RENAMES,
		},
		.noun = N_("document file"),
	},
};

const size_t ej_snapshot_nfiles =
    sizeof ej_snapshot_files / sizeof ej_snapshot_files[0];
