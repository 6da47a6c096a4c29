#!/usr/bin/env bats
# ej-attend against a real store: a lesson, the day or a timetable slot;
# registers long and wide, exports that import back unchanged, bad input
# leaving the store byte for byte, and who may keep a class's attendance.

load helpers

setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples
	ej-init --store "$TPL" "$ex/school.yaml" 2>/dev/null
	EJ_STORE=$TPL ej-roster import pupils "$ex/roster/pupils-5-9-excel.csv" 2>/dev/null
	printf 'pupil,date,to,reason\nЩербакова Полина Олеговна,18.01.2021,5Б,заявление\n' |
	    EJ_STORE=$TPL ej-roster import moves 2>/dev/null
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

refused() { refused_write 65 ej-attend "$@"; }

@test "set and rm for a subject's lesson" {
	run ej-attend set --subject Математика 5А 01.09 "Баранов Владислав" б
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-attend: 5А Математика: +1 absences; lessons +1 (commit "* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/attendance.csv
	[[ "${lines[1]}" == "2020-09-01,1,0,1,Баранов Владислав,б,$(id -un),"* ]]
	run ej-attend set --subject Математика 5А 01.09 "Баранов Владислав" b
	[ "$output" = "ej-attend: no changes" ]
	run ej-attend set --subject Математика 5А 01.09 "Баранов Владислав" u
	[[ "$output" == "ej-attend: 5А Математика: +0 absences, ~1 (commit "* ]]
	run ej-attend rm --subject Математика 5А 01.09 "Баранов Владислав"
	[[ "$output" == "ej-attend: 5А Математика: +0 absences, -1 (commit "* ]]
	refused rm --subject Математика 5А 01.09 "Баранов Владислав"
	[ "${lines[0]}" = "ej-attend: Баранов Владислав is not marked absent there" ]
}

@test "--day: every lesson of the class that day, once it has lessons" {
	refused set --day 5А 01.09 "Баранов Владислав" б
	[ "${lines[0]}" = "ej-attend: 5А has no lessons on 2020-09-01: give the subject" ]
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Богданов Павел,5\n5А,Русский язык,01.09,Богданов Павел,4\n' | ej-grade import
	run ej-attend set --day 5А 01.09 "Баранов Владислав" б
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-attend: 5А Русский язык, 5А Математика: +2 absences (commit "* ]]
	# without a subject or a lesson number, the day is meant
	run ej-attend rm 5А 01.09 "Баранов Владислав"
	[[ "$output" == "ej-attend: 5А Русский язык, 5А Математика: +0 absences, -2 (commit "* ]]
	# a pupil with a mark that day: н needs --force and a reason
	refused set --day 5А 01.09 "Богданов Павел" н
	[ "${lines[0]}" = "ej-attend: н where the pupil has a mark: give --force and a reason" ]
	run ej-attend set --day --force --reason "ушёл с урока" 5А 01.09 "Богданов Павел" н
	[ "$status" -eq 0 ]
}

@test "-l N without a subject: the class's timetable slot" {
	# Tuesday 01.09: 1 Математика, 2 Русский язык
	run ej-attend set -l 2 5А 01.09 "Баранов Владислав" оп
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-attend: 5А Русский язык: +1 absences; lessons +1 (commit "* ]]
	refused set -l 4 5А 01.09 "Баранов Владислав" н
	[ "${lines[0]}" = "ej-attend: lesson 4 of 5А on 2020-09-01 is taught in subgroups: give the subject and subgroup" ]
	refused set -l 7 5А 01.09 "Баранов Владислав" н
	[ "${lines[0]}" = "ej-attend: 5А has no lesson 7 on 2020-09-01 in the timetable: give the subject" ]
	run ej-attend set -l 2 --day 5А 01.09 "Баранов Владислав" н
	[ "$status" -eq 2 ]
}

@test "long import with Latin codes; export, import again: no changes" {
	cat > "$TRASH/a.csv" <<-'CSV'
	Класс;Предмет;Дата;Урок;Ученик;Код
	5А;Математика;01.09;1;Баранов Владислав;n
	5А;Математика;01.09;1;Богданов Павел;u
	5А;Математика;02.09;;Баранов Владислав;b
	5Б;Математика;02.09;1;#ЛД-2016-0128;op
	CSV
	run ej-attend import "$TRASH/a.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-attend: 5А Математика, 5Б Математика: +4 absences; lessons +3 (commit "* ]]
	ej-attend export > "$TRASH/out.csv"
	[ "$(head -1 "$TRASH/out.csv")" = "class,subject,date,lesson,subgroup,pupil,pupil_name,code" ]
	[ "$(sed -n 2p "$TRASH/out.csv")" = "5А,Математика,2020-09-01,1,,1,Баранов Владислав,н" ]
	n=$(commits "$S")
	run ej-attend import "$TRASH/out.csv"
	[ "$output" = "ej-attend: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
}

@test "wide register: import, export, import again is a no-op; --replace clears" {
	printf 'ФИО;01.09;02.09;02.09#2\nБаранов Владислав;н;;б\nБогданов Павел;;оп;\n' > "$TRASH/w.csv"
	run ej-attend import --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-attend: 5А Математика: +3 absences; lessons +3 (commit "* ]]
	ej-attend export --wide --class 5А --subject Математика -d ';' > "$TRASH/out.csv"
	[ "$(head -1 "$TRASH/out.csv")" = "pupil;2020-09-01;2020-09-02;2020-09-02#2" ]
	[ "$(grep '^Баранов' "$TRASH/out.csv")" = "Баранов Владислав;н;;б" ]
	run ej-attend import --wide --class 5А --subject Математика "$TRASH/out.csv"
	[ "$output" = "ej-attend: no changes" ]
	sed 's/;оп;/;;/' "$TRASH/out.csv" > "$TRASH/r.csv"
	run ej-attend import --wide --class 5А --subject Математика "$TRASH/r.csv"
	[ "$output" = "ej-attend: no changes" ]
	run ej-attend import --wide --replace --class 5А --subject Математика "$TRASH/r.csv"
	[[ "$output" == "ej-attend: 5А Математика: +0 absences, -1 (commit "* ]]
}

@test "bad input: codes, marks in a register, the class, dates, duplicates" {
	printf 'pupil;01.09;02.09;02.11\nБаранов Владислав;x;5;н\nЩербакова Полина;;;\n' > "$TRASH/w.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "${lines[0]}" = "ej-attend: $TRASH/w.csv:1: 02.11: 2020-11-02 is a holiday (осенние каникулы)" ]
	[ "${lines[1]}" = "ej-attend: $TRASH/w.csv:2: 01.09: \"x\" is not an attendance code: н, у, б or оп" ]
	[ "${lines[2]}" = "ej-attend: $TRASH/w.csv:2: 02.09: \"5\" is not an attendance code: н, у, б or оп" ]
	cat > "$TRASH/l.csv" <<-'CSV'
	class,subject,date,pupil,code
	5А,Математика,20.01.2021,Щербакова Полина,н
	5А,Математика,01.09,Баранов Владислав,н
	5А,Математика,01.09,Баранов Владислав,б
	5А,Математика,01.09,Богданов Павел,
	CSV
	refused import "$TRASH/l.csv"
	[ "${lines[0]}" = "ej-attend: $TRASH/l.csv:2: Щербакова Полина is not in 5А on 2021-01-20" ]
	[ "${lines[1]}" = "ej-attend: $TRASH/l.csv:4: the same pupil and lesson as on line 3" ]
	[ "${lines[2]}" = "ej-attend: $TRASH/l.csv:5: code is empty" ]
}

@test "bad input: an absence again, far from its first line" {
	cat > "$TRASH/far.csv" <<-'CSV'
	class,subject,date,pupil,code
	5А,Математика,01.09,Баранов Владислав,н
	5А,Русский язык,01.09,Баранов Владислав,н
	5А,Математика,02.09,Баранов Владислав,у
	5А,Математика,01.09,Баранов Владислав,б
	CSV
	refused import "$TRASH/far.csv"
	[ "${lines[0]}" = "ej-attend: $TRASH/far.csv:5: the same pupil and lesson as on line 2" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "the class teacher keeps the class's attendance; a subject teacher only their lessons" {
	# ivanova.mp: class teacher of 5А, teaches it Russian, not Maths
	run env EJ_AS=ivanova.mp ej-attend set --subject Математика 5А 01.09 "Баранов Владислав" н
	[ "$status" -eq 0 ]
	run env EJ_AS=ivanova.mp ej-grade set 5А Математика 01.09 "Богданов Павел" 5
	[ "$status" -eq 77 ]
	before=$(store_digest "$S")
	run env EJ_AS=frolov.ad ej-attend set --subject "Русский язык" 5А 01.09 "Баранов Владислав" н
	[ "$status" -eq 77 ]
	[ "${lines[0]}" = "ej-attend: frolov.ad may not write 5А Русский язык: not in their teaching load" ]
	printf 'pupil;01.09\nБаранов Владислав;н\n' > "$TRASH/w.csv"
	run env EJ_AS=frolov.ad ej-attend import --wide --class 5А --subject "Русский язык" "$TRASH/w.csv"
	[ "$status" -eq 77 ]
	[ "$(store_digest "$S")" = "$before" ]
	run env EJ_AS=frolov.ad ej-attend set --subject Математика 5А 02.09 "Баранов Владислав" н
	[ "$status" -eq 0 ]
}

@test "dry run: the summary, the files and each change" {
	before=$(store_digest "$S")
	run ej-attend set -n --subject Математика 5А 01.09 "Баранов Владислав" н
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-attend: 5А Математика: +1 absences; lessons +1 (dry run: nothing was written)" ]
	printf 'pupil;01.09\nБаранов Владислав;н\n' > "$TRASH/w.csv"
	run ej-attend import -n --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "${lines[0]}" = "ej-attend: 5А Математика: +1 absences; lessons +1 (dry run: nothing was written)" ]
	[ "${lines[3]}" = "  + 5А Математика 2020-09-01 Баранов Владислав: н" ]
	[ "$(store_digest "$S")" = "$before" ]
}
