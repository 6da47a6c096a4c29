#!/usr/bin/env bats
# ej-audit: integrity, tamper detection, permissions, every compliance rule
# (a fixture that triggers it and one that does not), reconcile, filters,
# output formats and exit codes.
#
# The school is made once per file (5А and the other classes of grades
# 5–9); each test copies it. Entry times (topic_at, at …) and the account
# rows are set with sqlite3 in the fixtures: the compliance rules read only
# the database, and the commands that would fill the accounts are not
# the audit's.

load helpers
bats_require_minimum_version 1.5.0

# Stores on a tmpfs where there is one: these tests are about what the
# audit finds, and every write's fsync on a busy disk is most of their time.
fast_tmp() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm
	else echo "${BATS_TMPDIR:-/tmp}"; fi
}

setup_file() {
	export TZ=UTC LC_ALL=C.UTF-8
	unset EJ_STORE EJ_AS
	BASEDIR=$(mktemp -d "$(fast_tmp)/ej-audit.XXXXXX")
	BASE=$BASEDIR/base
	export BASE BASEDIR
	ej-init --store "$BASE" "$BATS_TEST_DIRNAME/../../examples/school.yaml" \
	    2>/dev/null
	(cd "$BATS_TEST_DIRNAME/../../examples/roster" &&
	    ej-roster --store "$BASE" import pupils pupils-5-9-excel.csv) \
	    2>/dev/null
}

teardown_file() {
	[ -n "$BASEDIR" ] && rm -rf "$BASEDIR"
}

setup() {
	BATS_TMPDIR=$(fast_tmp) setup_trash
	export TZ=UTC
	cp -a "$BASE" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

sql() { sqlite3 "$S/ej.db" "$@"; }
pupil() { sql "SELECT id FROM pupils WHERE surname || ' ' || name = '$1'"; }
mark() { ej-grade set "$@" 2>/dev/null; }
# Marks of 5А's mathematics in one commit, from lines "DATE;PUPIL;MARK".
marks() {
	{ echo "class;subject;date;lesson;pupil;mark"
	  sed 's/^\([^;]*\);/5А;Математика;\1;1;/'; } > "$TRASH/marks.csv"
	ej-grade import -d ';' "$TRASH/marks.csv" 2>/dev/null
}
# The findings as CSV rows without the header and the teacher column
# (rule,class,subject,date,pupil,detail).
found() {
	ej-audit --format csv "$@" 2>/dev/null | tail -n +2 |
	    cut -d, -f2-4,6- | sort
}

# --------------------------------------------------------- integrity

@test "a fresh store: nothing found, exit 0, the summary last" {
	run ej-audit
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ej-audit: 0 findings: 0 errors, 0 warnings, 0 info" ]
}

@test "the audit writes nothing and takes no write lock" {
	mark 5А Математика 02.09 "Баранов Владислав" 4
	before=$(store_digest "$S")
	commits=$(commits "$S")
	# A writer holds the write lock for the whole audit: it says when it
	# has the lock, and lets go only when the audit is over (or after 15 s).
	sqlite3 "$S/ej.db" "BEGIN IMMEDIATE; INSERT INTO meta VALUES ('x', 'y');" \
	    ".shell touch '$TRASH/locked'; i=0; while [ ! -e '$TRASH/done' ] && [ \$i -lt 300 ]; do sleep 0.05; i=\$((i + 1)); done" \
	    "ROLLBACK;" &
	i=0
	while [ ! -e "$TRASH/locked" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
	[ -e "$TRASH/locked" ]
	# A reader that waited for the lock would wait out its 10 s.
	run timeout 5 ej-audit --rules integrity
	touch "$TRASH/done"
	wait
	[ "$status" -eq 0 ]
	[ "$(store_digest "$S")" = "$before" ]
	[ "$(commits "$S")" = "$commits" ]
}

@test "tamper: a changed mark, a deleted absence, an inserted pupil — exactly those records, exit 1" {
	mark 5А Математика 02.09 "Баранов Владислав" 4
	mark 5А Математика 02.09 "Богданов Павел" 3
	ej-attend set --subject Математика 5А 02.09 "Велиев Исмаил" н 2>/dev/null
	ej-attend set --subject Математика 5А 02.09 "Демченко Лев" б 2>/dev/null
	sql "UPDATE marks SET mark = '5' WHERE pupil_id = $(pupil 'Баранов Владислав')"
	sql "DELETE FROM attendance WHERE pupil_id = $(pupil 'Велиев Исмаил')"
	sql "INSERT INTO pupils (surname, name) VALUES ('Тестов', 'Тест')"
	run --separate-stderr ej-audit --rules integrity --format csv
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "severity,rule,class,subject,teacher,date,pupil,detail" ]
	[ "${lines[1]}" = "error,integrity.snapshot,,,,,,pupil Тестов Тест: only in the store" ]
	[ "${lines[2]}" = 'error,integrity.snapshot,5А,Математика,,2020-09-02,Баранов Владислав,"marks 5А Математика 2020-09-02 Баранов Владислав: history 4, store 5"' ]
	[ "${lines[3]}" = "error,integrity.snapshot,5А,Математика,,2020-09-02,Велиев Исмаил,attendance 5А Математика 2020-09-02 Велиев Исмаил: only in the history: н" ]
	[ "$stderr" = "ej-audit: 3 findings: 3 errors, 0 warnings, 0 info" ]
	# the text form names them too, and says how many
	run ej-audit --rules integrity
	[ "$status" -eq 1 ]
	[[ "$output" == *"marks 5А Математика 2020-09-02 Баранов Владислав: history 4, store 5"* ]]
	[ "${lines[-1]}" = "ej-audit: 3 findings: 3 errors, 0 warnings, 0 info" ]
	# a change to last year's marks shows whatever --since says
	run --separate-stderr ej-audit --rules integrity.snapshot --since yesterday --format csv
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "integrity.head: the database's commit is not the history's" {
	sql "UPDATE meta SET value = '0123456789012345678901234567890123456789' WHERE key = 'head'"
	run found --rules integrity.head
	[ "$output" = "integrity.head,,,,,\"the database is at 0123456, the history at $(git -C "$S/history.git" rev-parse --short=7 main)\"" ]
	run ej-audit --rules integrity.head
	[ "$status" -eq 1 ]
}

@test "integrity.lock: a stale refs/heads/main.lock is reported, never removed" {
	run found --rules integrity.lock
	[ -z "$output" ]
	touch -d '1 hour ago' "$S/history.git/refs/heads/main.lock"
	run found --rules integrity.lock
	[[ "$output" == "integrity.lock,,,,,\"history.git/refs/heads/main.lock left since "*"; when no ej command is running, remove it\"" ]]
	run ej-audit --rules integrity.lock
	[ "$status" -eq 0 ]                      # a warning
	run ej-audit --rules integrity.lock --fail-on warning
	[ "$status" -eq 1 ]
	[ -e "$S/history.git/refs/heads/main.lock" ]
}

@test "integrity.objects: an unreadable blob of HEAD's tree is named" {
	blob=$(git -C "$S/history.git" rev-parse main:people/pupils.csv)
	# Every object loose (a write stores its objects as one pack), then
	# the one blob gone.
	mkdir "$TRASH/packs"
	mv "$S"/history.git/objects/pack/*.pack "$TRASH/packs/"
	rm -f "$S"/history.git/objects/pack/*.idx
	for p in "$TRASH"/packs/*.pack; do
		git -C "$S/history.git" unpack-objects -q < "$p"
	done
	obj=$S/history.git/objects/${blob:0:2}/${blob:2}
	[ -e "$obj" ]
	rm -f "$obj"
	run found --rules integrity.objects
	[ "$output" = "integrity.objects,,,,,people/pupils.csv: object $blob cannot be read" ]
}

@test "integrity.foreign_keys: a mark of a pupil who does not exist" {
	mark 5А Математика 02.09 "Баранов Владислав" 4
	sql "INSERT INTO marks SELECT lesson_id, 99999, 1, '5', work_id, by_id, at, '' FROM marks"
	run found --rules integrity.foreign_keys
	[ "$output" = "integrity.foreign_keys,,,,,marks row 1 refers to a missing pupils" ] ||
	[[ "$output" == "integrity.foreign_keys,,,,,marks row "*" refers to a missing pupils" ]]
	run found --rules integrity.sqlite
	[ -z "$output" ]
}

# --------------------------------------------------------- permissions

@test "permissions: a database others may read is an error" {
	run found --rules permissions
	[ -z "$output" ]
	# Others reach the store: every directory on the way searchable.
	chmod 755 "$TRASH"
	chmod 711 "$S"
	chmod o+r "$S/ej.db"
	run found --rules permissions
	# (SQLite gives its -wal and -shm files the database's mode)
	[[ "$output" == *"permissions,,,,,ej.db: mode 0604: others may read it: every directory on the way to $S/ej.db lets them through"* ]]
	[[ "$output" != *"history.git"* ]]
	chmod 600 "$S/ej.db"
	chmod 710 "$S"
	chmod g+rx "$S/history.git"
	run --separate-stderr ej-audit --rules permissions --format csv
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "error,permissions,,,,,,history.git: mode 0750: its group may read it in a single-user store: every directory on the way to $S/history.git lets the group through" ]
}

# --------------------------------------------------------- copies

@test "sync.push-stale: a remote never pushed, then pushed, then stale by audit.push_days" {
	run found --rules sync
	[ -z "$output" ]
	git init -q --bare "$TRASH/off.git"
	ej-sync remote add off "$TRASH/off.git" 2>/dev/null
	run found --rules sync
	[[ "$output" == "sync.push-stale,,,,"*"off"* ]]
	run --separate-stderr ej-audit --rules sync --fail-on warning
	[ "$status" -eq 1 ]
	ej-sync push off 2>/dev/null
	run found --rules sync
	[ -z "$output" ]
	# pushed ten days ago, and a write since: stale
	git -C "$S/history.git" config remote.off.ejpushed 2000-01-01T00:00:00Z
	mark 5А Математика 02.09 "$(sql "SELECT surname || ' ' || name FROM pupils ORDER BY id LIMIT 1")" 4
	run found --rules sync
	[[ "$output" == "sync.push-stale,,,,"*"off"* ]]
}

# --------------------------------------------------------- lessons

@test "lesson.topic and lesson.homework: overdue lessons without them" {
	ej-lesson set 5А Математика 02.09 --homework "№ 1" 2>/dev/null
	ej-lesson set 5А Математика 04.09 --topic "Дроби" 2>/dev/null
	ej-lesson set 5А Математика 07.09 --topic "Дроби" --homework "№ 2" 2>/dev/null
	run found --rules lesson.topic,lesson.homework --until 2020-09-10
	[ "${lines[0]}" = "lesson.homework,5А,Математика,2020-09-04,,no homework" ]
	[ "${lines[1]}" = "lesson.topic,5А,Математика,2020-09-02,,no topic" ]
	[ "${#lines[@]}" -eq 2 ]
	# the lesson's own day is not late yet
	run found --rules lesson.topic --until 2020-09-02
	[ -z "$output" ]
	# homework is info: exit 0 unless --fail-on info
	run ej-audit --rules lesson.homework --until 2020-09-10
	[ "$status" -eq 0 ]
	run ej-audit --rules lesson.homework --until 2020-09-10 --fail-on info
	[ "$status" -eq 1 ]
	run ej-audit --rules lesson.topic --until 2020-09-10
	[ "$status" -eq 0 ]
	run ej-audit --rules lesson.topic --until 2020-09-10 --fail-on warning
	[ "$status" -eq 1 ]
}

@test "lesson.topic_late and lesson.homework_late: by deadlines.topic_days and homework_hours" {
	ej-lesson set 5А Математика 02.09 --topic "Дроби" --homework "№ 1" 2>/dev/null
	ej-lesson set 5А Математика 04.09 --topic "Дроби" --homework "№ 2" 2>/dev/null
	# 02.09: on the day, homework within the hour after the last lesson
	# (5А's last lesson on Wednesdays and Fridays ends at 12:40: due 13:40)
	sql "UPDATE lessons SET topic_at = '2020-09-02T09:00:00Z', homework_at = '2020-09-02T13:30:00Z' WHERE date = '2020-09-02'"
	# 04.09: the topic the next day, homework at night
	sql "UPDATE lessons SET topic_at = '2020-09-05T09:00:00Z', homework_at = '2020-09-04T22:00:00Z' WHERE date = '2020-09-04'"
	run found --rules lesson.topic_late,lesson.homework_late
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = 'lesson.homework_late,5А,Математика,2020-09-04,,"homework entered at 2020-09-04 22:00, due by 2020-09-04 13:40"' ]
	[ "${lines[1]}" = "lesson.topic_late,5А,Математика,2020-09-04,,topic entered on 2020-09-05" ]
	# a school that allows a day for topics
	sql "UPDATE settings SET value = '1' WHERE key = 'deadlines.topic_days'"
	run found --rules lesson.topic_late
	[ -z "$output" ]
}

@test "attendance.late: an absence entered after the lesson's day" {
	ej-attend set --subject Математика 5А 02.09 "Велиев Исмаил" н 2>/dev/null
	ej-attend set --subject Математика 5А 02.09 "Демченко Лев" б 2>/dev/null
	sql "UPDATE attendance SET at = '2020-09-02T12:00:00Z' WHERE pupil_id = $(pupil 'Демченко Лев')"
	sql "UPDATE attendance SET at = '2020-09-03T08:00:00Z' WHERE pupil_id = $(pupil 'Велиев Исмаил')"
	run found --rules attendance.late
	[ "$output" = "attendance.late,5А,Математика,2020-09-02,Велиев Исмаил,н entered on 2020-09-03" ]
}

@test "attendance.late: a lesson's absences entered together are one finding with their count and codes" {
	ej-attend set --subject Математика 5А 02.09 "Велиев Исмаил" н 2>/dev/null
	ej-attend set --subject Математика 5А 02.09 "Демченко Лев" б 2>/dev/null
	ej-attend set --subject Математика 5А 02.09 "Баранов Владислав" н 2>/dev/null
	sql "UPDATE attendance SET at = '2020-09-05T08:00:00Z'"
	run found --rules attendance.late
	[ "$output" = 'attendance.late,5А,Математика,2020-09-02,,"3 absences (н, б) entered on 2020-09-05"' ]
	# entered on two days: one finding a day
	sql "UPDATE attendance SET at = '2020-09-06T08:00:00Z' WHERE pupil_id = $(pupil 'Демченко Лев')"
	run found --rules attendance.late
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "attendance.late,5А,Математика,2020-09-02,,2 absences (н) entered on 2020-09-05" ]
	[ "${lines[1]}" = "attendance.late,5А,Математика,2020-09-02,Демченко Лев,б entered on 2020-09-06" ]
}

# --------------------------------------------------------- marks

@test "marks.late: a written mark past its work type's deadline; oral marks and corrections are not" {
	mark -w контрольная 5А Математика 02.09 "Баранов Владислав" 4
	mark -w контрольная 5А Математика 02.09 "Богданов Павел" 5
	mark 5А Математика 02.09 "Велиев Исмаил" 3
	sql "UPDATE marks SET at = '2020-09-20T10:00:00Z'"
	sql "UPDATE marks SET at = '2020-09-09T10:00:00Z' WHERE pupil_id = $(pupil 'Богданов Павел')"
	run found --rules marks.late
	[ "$output" = 'marks.late,5А,Математика,2020-09-02,Баранов Владислав,"4 (контрольная) entered on 2020-09-20, 7 days allowed"' ]
	sql "UPDATE marks SET reason = 'пересдача'"
	run found --rules marks.late
	[ -z "$output" ]
}

@test "marks.late: a work's marks entered together are one finding with their count; other work types and days apart" {
	mark -w контрольная 5А Математика 02.09 "Баранов Владислав" 4
	mark -w контрольная 5А Математика 02.09 "Богданов Павел" 5
	mark -w контрольная 5А Математика 02.09 "Велиев Исмаил" 3
	mark -w самостоятельная 5А Математика 04.09 "Баранов Владислав" 5
	mark -w самостоятельная 5А Математика 04.09 "Богданов Павел" 2
	sql "UPDATE marks SET at = '2020-09-20T10:00:00Z'"
	run found --rules marks.late
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = 'marks.late,5А,Математика,2020-09-02,,"3 marks (контрольная) entered on 2020-09-20, 7 days allowed"' ]
	[ "${lines[1]}" = 'marks.late,5А,Математика,2020-09-04,,"2 marks (самостоятельная) entered on 2020-09-20, 3 days allowed"' ]
	# one of them in time: the other two still late, counted
	sql "UPDATE marks SET at = '2020-09-05T10:00:00Z' WHERE pupil_id = $(pupil 'Велиев Исмаил')"
	run found --rules marks.late
	[ "${lines[0]}" = 'marks.late,5А,Математика,2020-09-02,,"2 marks (контрольная) entered on 2020-09-20, 7 days allowed"' ]
	# the JSON lists the same findings
	run --separate-stderr ej-audit --rules marks.late --format json
	[ "$status" -eq 0 ]
	printf '%s' "$output" > "$TRASH/f.json"
	[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('$TRASH/f.json')), json_extract(readfile('$TRASH/f.json'), '\$[1].detail')")" = '2|2 marks (самостоятельная) entered on 2020-09-20, 3 days allowed' ]
}

@test "--limit: text shows a rule's first findings, its count and a line for the rest; CSV, TSV and JSON list all" {
	# five lessons of 5А's mathematics without a topic
	marks <<-EOF
	02.09;Баранов Владислав;4
	04.09;Баранов Владислав;4
	07.09;Баранов Владислав;4
	08.09;Баранов Владислав;4
	09.09;Баранов Владислав;4
	EOF
	all=$(ej-audit --rules lesson.topic --until 2020-09-10 --format csv 2>/dev/null | tail -n +2 | wc -l)
	[ "$all" -eq 5 ]
	run ej-audit --rules lesson.topic --until 2020-09-10 --limit 3
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == *"warning lesson.topic: lessons past their day without a topic ($all)"* ]]
	[ "$(printf '%s\n' "$output" | grep -c 'no topic$')" -eq 3 ]
	[[ "$output" == *"... and $((all - 3)) more: ej-audit --rules lesson.topic --format csv lists them all"* ]]
	[ "${lines[-1]}" = "ej-audit: $all findings: 0 errors, $all warnings, 0 info" ]
	# --limit 0: every one
	run ej-audit --rules lesson.topic --until 2020-09-10 --limit 0
	[ "$(printf '%s\n' "$output" | grep -c 'no topic$')" -eq "$all" ]
	[[ "$output" != *"more:"* ]]
	# the machines' formats ignore it
	[ "$(ej-audit --rules lesson.topic --until 2020-09-10 --limit 3 --format tsv 2>/dev/null | tail -n +2 | wc -l)" -eq "$all" ]
	[ "$(ej-audit --rules lesson.topic --until 2020-09-10 --limit 3 --format csv 2>/dev/null | tail -n +2 | wc -l)" -eq "$all" ]
	ej-audit --rules lesson.topic --until 2020-09-10 --limit 3 --format json > "$TRASH/f.json" 2>/dev/null || true
	[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('$TRASH/f.json'))")" -eq "$all" ]
	# a bad limit is a usage error, nothing on stdout
	run --separate-stderr ej-audit --rules lesson.topic --limit x
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}

@test "marks.gap: more than 3 lessons in a row without a mark" {
	# Баранов every lesson; Богданов 4 lessons without; Велиев 3: allowed
	marks <<-EOF
	02.09;Баранов Владислав;4
	04.09;Баранов Владислав;4
	07.09;Баранов Владислав;4
	09.09;Баранов Владислав;4
	11.09;Баранов Владислав;4
	14.09;Баранов Владислав;4
	02.09;Богданов Павел;4
	14.09;Богданов Павел;5
	02.09;Велиев Исмаил;4
	11.09;Велиев Исмаил;3
	14.09;Велиев Исмаил;3
	EOF
	run found --rules marks.gap --until 2020-09-14
	[ "$output" = "marks.gap,5А,Математика,2020-09-14,Богданов Павел,4 lessons in a row without a mark after 2020-09-02" ]
	# the school's own limit
	sql "INSERT OR REPLACE INTO settings VALUES ('audit.gap_lessons', '2')"
	run found --rules marks.gap --until 2020-09-14
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "marks.gap,5А,Математика,2020-09-11,Велиев Исмаил,3 lessons in a row without a mark after 2020-09-02" ]
}

@test "marks.gap: the run up to the audit's day counts too" {
	marks <<-EOF
	02.09;Баранов Владислав;4
	04.09;Баранов Владислав;4
	07.09;Баранов Владислав;4
	09.09;Баранов Владислав;4
	11.09;Баранов Владислав;4
	14.09;Баранов Владислав;4
	02.09;Богданов Павел;4
	EOF
	run found --rules marks.gap --until 2020-09-14
	[ "$output" = "marks.gap,5А,Математика,2020-09-14,Богданов Павел,5 lessons in a row without a mark after 2020-09-02" ]
	run found --rules marks.gap --until 2020-09-09
	[ -z "$output" ]
}

@test "marks.absent: a mark together with н, not with б" {
	mark 5А Математика 02.09 "Баранов Владислав" 4
	mark 5А Математика 02.09 "Богданов Павел" 5
	ej-attend set --force --reason "опоздал к концу" --subject Математика 5А 02.09 "Баранов Владислав" н 2>/dev/null
	ej-attend set --subject Математика 5А 02.09 "Богданов Павел" б 2>/dev/null
	run found --rules marks.absent
	[ "$output" = "marks.absent,5А,Математика,2020-09-02,Баранов Владислав,mark 4 together with н" ]
}

@test "marks.two_after_absence: a 2 at the lesson right after an absence" {
	ej-attend set --subject Математика 5А 02.09 "Баранов Владислав" н 2>/dev/null
	mark 5А Математика 04.09 "Баранов Владислав" 2
	mark 5А Математика 04.09 "Богданов Павел" 2      # was there on 02.09
	mark 5А Математика 02.09 "Богданов Павел" 4
	run found --rules marks.two_after_absence
	[ "$output" = "marks.two_after_absence,5А,Математика,2020-09-04,Баранов Владислав,2 right after an absence (н on 2020-09-02)" ]
}

@test "marks.not_member: a mark for a pupil not in the class that day" {
	mark 5А Математика 02.09 "Баранов Владислав" 4
	mark 5А Математика 02.09 "Богданов Павел" 5
	run found --rules marks.not_member
	[ -z "$output" ]
	# behind ej's back: Баранов arrives only on 03.09
	sql "UPDATE membership SET start = '2020-09-03' WHERE pupil_id = $(pupil 'Баранов Владислав')"
	run found --rules marks.not_member
	[ "$output" = "marks.not_member,5А,Математика,2020-09-02,Баранов Владислав,\"mark 4, but the pupil's class that day is -\"" ]
	run ej-audit --rules marks.not_member
	[ "$status" -eq 1 ]
}

# --------------------------------------------------------- period marks

# Баранов 5 5 5, Богданов 2 2 3, Велиев 4 4 (two marks) in the first
# quarter (1 Sept – 30 Oct) of 5А's mathematics.
quarter() {
	marks <<-EOF
	02.09;Баранов Владислав;5
	04.09;Баранов Владислав;5
	07.09;Баранов Владислав;5
	02.09;Богданов Павел;2
	04.09;Богданов Павел;2
	07.09;Богданов Павел;3
	02.09;Велиев Исмаил;4
	04.09;Велиев Исмаил;4
	EOF
}

@test "terms.few_marks: fewer marks than a period mark needs, once the period ended" {
	quarter
	run found --rules terms.few_marks --until 2020-11-10
	[[ "$output" == *"terms.few_marks,5А,Математика,2020-10-30,Велиев Исмаил,\"1 четверть: 2 marks, a period mark needs 3\""* ]]
	[[ "$output" != *"Баранов"* ]]
	[[ "$output" != *"Богданов"* ]]
	run found --rules terms.few_marks --until 2020-10-20
	[ -z "$output" ]
}

@test "terms.missing: no period mark after the period's end and the grace days" {
	quarter
	ej-grade term set 5А Математика 1 "Баранов Владислав" 5 2>/dev/null
	run found --rules terms.missing --until 2020-11-10
	[[ "$output" == *"terms.missing,5А,Математика,2020-10-30,Богданов Павел,1 четверть: no period mark"* ]]
	[[ "$output" != *"Баранов"* ]]
	# 30 Oct + 3 days of grace: not yet on 2 Nov
	run found --rules terms.missing --until 2020-11-02
	[ -z "$output" ]
}

@test "terms.far: a period mark 1 or more from the weighted average" {
	quarter
	ej-grade term set 5А Математика 1 "Баранов Владислав" 5 2>/dev/null
	ej-grade term set 5А Математика 1 "Богданов Павел" 4 2>/dev/null
	run found --rules terms.far --until 2020-11-10
	[ "$output" = "terms.far,5А,Математика,2020-10-30,Богданов Павел,\"1 четверть: period mark 4, weighted average 2.33\"" ]
}

@test "terms.risk: suggested 2 or н/а two weeks before the period's end" {
	quarter
	run found --rules terms.risk --until 2020-10-20 --class 5А
	[[ "$output" == *"terms.risk,5А,Математика,2020-10-20,Богданов Павел,\"1 четверть: suggested 2 (average 2.33, 3 marks); tell the parents\""* ]]
	[[ "$output" == *"terms.risk,5А,Математика,2020-10-20,Велиев Исмаил,\"1 четверть: suggested н/а (average 4.00, 2 marks); tell the parents\""* ]]
	[[ "$output" != *"Баранов"* ]]
	# a month before the end: not yet
	run found --rules terms.risk --until 2020-09-30
	[ -z "$output" ]
}

# --------------------------------------------------------- accounts

# A parent of Баранов and accounts for both, as ej-issue-login makes them.
accounts() {
	local p
	p=$(pupil 'Баранов Владислав')
	sql "INSERT INTO parents (id, surname, name) VALUES (1, 'Баранова', 'Ольга');
	    INSERT INTO guardians VALUES (1, $p, 'мать');
	    INSERT INTO accounts (login, role, pupil_id, status, issued, by_id)
	        VALUES ('baranov.vladislav', 'pupil', $p, 'active', '2020-09-01T10:00:00Z', 1);
	    INSERT INTO accounts (login, role, parent_id, status, issued, by_id)
	        VALUES ('baranova.olga', 'parent', 1, 'active', '2020-09-01T10:00:00Z', 1)"
}

@test "accounts.no_consent: an account without both documents given" {
	accounts
	p=$(pupil 'Баранов Владислав')
	sql "INSERT INTO consents (pupil_id, parent_id, kind, status, date, by_id, at)
	    VALUES ($p, 1, 'ediary', 'given', '2020-08-25', 1, '2020-08-25T10:00:00Z')"
	run found --rules accounts.no_consent
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "accounts.no_consent,5А,,,Баранов Владислав,account baranov.vladislav: no personal-data document given" ]
	[ "${lines[1]}" = "accounts.no_consent,5А,,,Баранов Владислав,account baranova.olga: no personal-data document given" ]
	sql "INSERT INTO consents (pupil_id, parent_id, kind, status, date, by_id, at)
	    VALUES ($p, 1, 'personal-data', 'given', '2020-08-25', 1, '2020-08-25T10:00:00Z')"
	run found --rules accounts
	[ -z "$output" ]
}

@test "accounts.revoked: a revoked consent with the login still active" {
	accounts
	p=$(pupil 'Баранов Владислав')
	sql "INSERT INTO consents (pupil_id, parent_id, kind, status, date, by_id, at) VALUES
	    ($p, 1, 'ediary', 'given', '2020-08-25', 1, '2020-08-25T10:00:00Z'),
	    ($p, 1, 'personal-data', 'revoked', '2020-10-01', 1, '2020-10-01T10:00:00Z')"
	run found --rules accounts.revoked
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "accounts.revoked,5А,,,Баранов Владислав,\"account baranov.vladislav is active, but the personal-data document was revoked on 2020-10-01\"" ]
	sql "UPDATE accounts SET status = 'revoked'"
	run found --rules accounts.revoked
	[ -z "$output" ]
	run ej-audit --rules accounts
	[ "$status" -eq 0 ]
}

# --------------------------------------------------------- reconcile

@test "reconcile: every cell that differs between paper and the journal" {
	(cd "$EXAMPLES/journal" &&
	    ej-grade import --wide --class 5А --subject Математика 5A-math.csv) 2>/dev/null
	# the journal moves on: a correction and an illness
	ej-grade set --reason "ошибка" 5А Математика 02.09 "Баранов Владислав" 5 2>/dev/null
	ej-attend set --day 5А 21.09 "Журавлёва Ева" б 2>/dev/null
	# and the paper has a mark the journal lacks (Баранов, 07.09)
	iconv -f cp1251 -t utf-8 "$EXAMPLES/journal/5A-math.csv" |
	    sed 's/^1;Баранов Владислав;4;3;;/1;Баранов Владислав;4;3;5;/' > "$TRASH/paper.csv"
	run --separate-stderr ej-audit reconcile --class 5А --subject Математика --format csv "$TRASH/paper.csv"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[1]}" = 'error,reconcile,5А,Математика,frolov.ad,2020-09-02,Баранов Владислав,"differs: paper 4, electronic 5"' ]
	[ "${lines[2]}" = "error,reconcile,5А,Математика,frolov.ad,2020-09-07,Баранов Владислав,only on paper: 5" ]
	[ "${lines[3]}" = "error,reconcile,5А,Математика,frolov.ad,2020-09-21,Журавлёва Ева,only electronic: б" ]
	# the sheet as imported, against the journal as imported: nothing
	cp -a "$BASE" "$TRASH/s2"
	(cd "$EXAMPLES/journal" && ej-grade --store "$TRASH/s2" import --wide \
	    --class 5А --subject Математика 5A-math.csv) 2>/dev/null
	run ej-audit --store "$TRASH/s2" reconcile --class 5А --subject Математика "$EXAMPLES/journal/5A-math.csv"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ej-audit: 0 findings: 0 errors, 0 warnings, 0 info" ]
}

@test "reconcile: a bad sheet is listed with its lines, exit 65, nothing on stdout, the store unchanged" {
	printf 'pupil;02.09;31.02\nБаранов Владислав;7;\nНикто Никак;5;\n' > "$TRASH/bad.csv"
	before=$(store_digest "$S")
	run --separate-stderr ej-audit reconcile --class 5А --subject Математика "$TRASH/bad.csv"
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	[[ "$stderr" == *"bad.csv:1:"* ]]
	[[ "$stderr" == *"bad.csv:2:"* ]]
	[[ "$stderr" == *'bad.csv:3: unknown pupil "Никто Никак"'* ]]
	[ "$(store_digest "$S")" = "$before" ]
}

# --------------------------------------------------------- options

@test "usage: unknown rule, bad dates, bad severity, reconcile without its class: exit 2" {
	run ej-audit --rules integrity,nosuch
	[ "$status" -eq 2 ]
	[[ "$output" == *"--rules: no such rule or group: nosuch"* ]]
	run ej-audit --since 31.02.2020
	[ "$status" -eq 2 ]
	run ej-audit --fail-on fatal
	[ "$status" -eq 2 ]
	run ej-audit --format xml
	[ "$status" -eq 2 ]
	run ej-audit reconcile --subject Математика "$TRASH/x.csv"
	[ "$status" -eq 2 ]
	run ej-audit extra
	[ "$status" -eq 2 ]
}

@test "filters: --class, --teacher, --since/--until with yesterday" {
	ej-lesson set 5А Математика 02.09 --homework "№ 1" 2>/dev/null
	t=$(sql "SELECT s.login FROM load l JOIN staff s ON s.id = l.teacher_id JOIN classes c ON c.id = l.class_id JOIN subjects j ON j.id = l.subject_id WHERE c.name = '6А' AND j.name = 'Математика'")
	ej-lesson set --teacher "$t" 6А Математика 02.09 --homework "№ 1" 2>/dev/null
	run found --rules lesson.topic --class 5а
	[ "$output" = "lesson.topic,5А,Математика,2020-09-02,,no topic" ]
	run found --rules lesson.topic --teacher "$t"
	[ "$output" = "lesson.topic,6А,Математика,2020-09-02,,no topic" ]
	run found --rules lesson.topic --since 2020-09-03
	[ -z "$output" ]
	run found --rules lesson.topic --since yesterday
	[ -z "$output" ]
	run found --rules lesson.topic --since 01.09 --until 02.09.2020
	[ "${#lines[@]}" -eq 0 ]                 # not overdue on its own day
	run found --rules lesson.topic --since 01.09 --until 03.09.2020
	[ "${#lines[@]}" -eq 2 ]
}

@test "json: one object a finding; rules lists every rule" {
	ej-lesson set 5А Математика 02.09 --homework "№ 1" 2>/dev/null
	run --separate-stderr ej-audit --rules lesson.topic --format json
	[ "$status" -eq 0 ]
	printf '%s' "$output" > "$TRASH/f.json"
	# read back by SQLite's JSON functions: valid JSON, one object
	[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('$TRASH/f.json'))")" -eq 1 ]
	[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$TRASH/f.json'), '\$[0].rule', '\$[0].class', '\$[0].detail', '\$[0].pupil')")" = '["lesson.topic","5А","no topic",null]' ]
	[ "$stderr" = "ej-audit: 1 findings: 0 errors, 1 warnings, 0 info" ]
	run ej-audit rules --format csv
	[ "$status" -eq 0 ]
	for r in integrity.sqlite integrity.foreign_keys integrity.head integrity.lock \
	    integrity.objects integrity.snapshot permissions lesson.topic \
	    lesson.homework lesson.topic_late lesson.homework_late attendance.late \
	    marks.late marks.gap marks.absent marks.two_after_absence \
	    marks.not_member terms.few_marks terms.missing terms.far terms.risk \
	    accounts.no_consent accounts.revoked reconcile; do
		printf '%s\n' "$output" | grep -q "^$r,"
	done
}

@test "a teacher may not run the audit: exit 77" {
	t=$(sql "SELECT s.login FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = 'teacher' AND s.id NOT IN (SELECT staff_id FROM staff_roles WHERE role IN ('admin', 'deputy', 'technician')) LIMIT 1")
	run env EJ_AS="$t" ej-audit
	[ "$status" -eq 77 ]
}
