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

/* A single file holding one table, in primary-key order. */
#define TABLE(kind_, path_, table_, cols_, order_) \
	{ .kind = kind_, .path = path_, .table = table_, \
	  .dump_sql = "SELECT " cols_ " FROM " table_ " ORDER BY " order_, \
	  .deps = { { .table = table_ } } }

const struct ej_snapfile ej_snapshot_files[] = {
	TABLE("school", "school/school.csv", "school", "key, value", "key"),
	TABLE("settings", "school/settings.csv", "settings", "key, value",
	    "key"),
	TABLE("years", "school/years.csv", "years", "id, name, start, end",
	    "id"),
	TABLE("periods", "school/periods.csv", "periods",
	    "id, year_id, scheme, num, name, start, end", "id"),
	TABLE("period_schemes", "school/period_schemes.csv", "period_schemes",
	    "year_id, parallel, scheme", "year_id, parallel"),
	TABLE("holidays", "school/holidays.csv", "holidays",
	    "year_id, start, end, name", "year_id, start"),
	TABLE("work_types", "school/work_types.csv", "work_types",
	    "id, name, weight, deadline, written, dflt", "id"),
	TABLE("subjects", "school/subjects.csv", "subjects",
	    "id, name, short, passfail, two_marks, subgroups", "id"),
	TABLE("bells", "school/bells.csv", "bells", "lesson, start, end",
	    "lesson"),
	TABLE("staff", "people/staff.csv", "staff",
	    "id, login, surname, name, patronymic, email, phone, position, "
	    "active", "id"),
	{
		.kind = "staff_roles",
		.path = "people/staff_roles.csv",
		.dump_sql = "SELECT s.login, r.role FROM staff_roles r "
		    "JOIN staff s ON s.id = r.staff_id ORDER BY s.login, r.role",
		.load_sql = "INSERT INTO staff_roles(staff_id, role) "
		    "SELECT id, :role FROM staff WHERE login = :login",
		.deps = {
			{ .table = "staff_roles" },
			{ .table = "staff", .when = "login" },
		},
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
	},
	TABLE("pupils", "people/pupils.csv", "pupils",
	    "id, ext_id, surname, name, patronymic, birth_date, sex, joined",
	    "id"),
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
	},
	TABLE("parents", "people/parents.csv", "parents",
	    "id, surname, name, patronymic, phone, email", "id"),
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
	},
	TABLE("pilot", "school/pilot.csv", "pilot", "parallel", "parallel"),
	TABLE("helpdesk", "school/helpdesk.csv", "helpdesk",
	    "id, weekday, start, end, kind, responsible", "id"),
	TABLE("plan", "school/plan.csv", "plan",
	    "id, task, due, due_date, responsible, done", "id"),
};

const size_t ej_snapshot_nfiles =
    sizeof ej_snapshot_files / sizeof ej_snapshot_files[0];
