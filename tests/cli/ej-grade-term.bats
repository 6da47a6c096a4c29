#!/usr/bin/env bats
# ej-grade term: period, year, exam and final marks against a real store —
# the suggestion from the marks, set/rm, import/export round trips, the
# history they leave, and every class of bad input leaving the store byte
# for byte.

load helpers

setup() {
	setup_trash
	init_demo
	export EJ_STORE=$S
	roster
}
teardown() { teardown_trash; }

# The demo school's pupils (5А, 5Б, 10А …) and their moves: Щербакова
# Полина goes 5А → 5Б on 18.01.2021.
roster() {
	local f
	for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
		ej-roster import pupils "$EXAMPLES/roster/$f" 2>/dev/null
	done
	ej-roster import moves "$EXAMPLES/roster/moves.csv" 2>/dev/null
}

# mark CLASS SUBJECT DATE PUPIL MARK [WORK]
mark() {
	ej-grade set "$1" "$2" "$3" "$4" "$5" ${6:+-w "$6"} 2>/dev/null
}

# A bad command or file: exit 65 (or $STATUS), and the store (database and
# history) byte for byte as it was.
refused() { refused_status "${STATUS:-65}" ej-grade term "$@"; }

# The 5А algebra marks of the first quarter (01.09–30.10) the suggestion
# tests read.
q1_marks() {
	# 5 (контрольная, weight 2) and 3: (10 + 3) / 3 = 4.33, two marks
	mark 5А Алгебра 15.09 "Баранов Владислав" 5 контрольная
	mark 5А Алгебра 16.09 "Баранов Владислав" 3
	# 5 5 5 4 4: 23 / 5 = 4.60, exactly the threshold of a 5
	for d in 15.09:5 16.09:5 17.09:5 18.09:4 21.09:4; do
		mark 5А Алгебра "${d%:*}" "Богданов Павел" "${d#*:}"
	done
	# долг counts as missing; 2 3 3 = 2.67; the 5 of November is the
	# second quarter's
	mark 5А Алгебра 15.09 "Велиев Исмаил" долг
	mark 5А Алгебра 16.09 "Велиев Исмаил" 2
	mark 5А Алгебра 17.09 "Велиев Исмаил" 3
	mark 5А Алгебра 18.09 "Велиев Исмаил" 3
	mark 5А Алгебра 10.11 "Велиев Исмаил" 5
	# (10 + 3 + 3) / 4 = 4.00
	mark 5А Алгебра 15.09 "Демченко Лев" 5 контрольная
	mark 5А Алгебра 16.09 "Демченко Лев" 3
	mark 5А Алгебра 17.09 "Демченко Лев" 3
}

# A line of the text table with its runs of blanks squeezed.
row() {
	printf '%s\n' "$output" | grep -e "$1" | tr -s ' ' | sed 's/^ //'
}

@test "suggest: count, weighted average and suggestion for every pupil" {
	q1_marks
	ej-grade term set 5А Алгебра 1 "Демченко Лев" 5 2>/dev/null
	run ej-grade term suggest --class 5А --subject Алгебра --period 1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "5А Алгебра, 1 четверть (2020-09-01..2020-10-30): weighted average, at least 3 marks" ]
	[ "$(row '^ *№')" = "№ pupil marks average suggested set" ]
	[ "$(row 'Баранов')" = "1 Баранов Владислав Фёдорович 2 4.33 н/а" ]
	[ "$(row 'Богданов Павел')" = "2 Богданов Павел Артёмович 5 4.60 5" ]
	[ "$(row 'Велиев')" = "3 Велиев Исмаил Мустафаевич 3 2.67 3" ]
	[ "$(row 'Демченко')" = "4 Демченко Лев Николаевич 3 4.00 4 5" ]
	[ "$(row 'Ефремова')" = "5 Ефремова Алёна Юрьевна 0 н/а" ]
	# aligned: every row without a period mark is as wide as the header
	# up to "suggested"
	for n in 2 3 4 6; do
		[ "${#lines[$n]}" -eq 72 ]
	done
	# a pupil who left 5А before the quarter's end is not listed; one who
	# left after it is
	[[ "$output" == *"Щербакова Полина"* ]]
	run ej-grade term suggest --class 5А --subject Алгебра --period 3
	[[ "$output" != *"Щербакова"* ]]
}

@test "suggest --format csv: the same numbers, one row per pupil" {
	q1_marks
	n=$(commits "$S")
	run ej-grade term suggest --class 5а --subject алгебра --period 1 --format csv
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "class,subject,period,pupil,pupil_name,marks,average,suggested,mark" ]
	[ "${lines[1]}" = "5А,Алгебра,1,122,Баранов Владислав,2,4.33,н/а," ]
	[ "${lines[2]}" = "5А,Алгебра,1,123,Богданов Павел,5,4.60,5," ]
	[ "${lines[3]}" = "5А,Алгебра,1,124,Велиев Исмаил,3,2.67,3," ]
	[ "${lines[5]}" = "5А,Алгебра,1,126,Ефремова Алёна,0,,н/а," ]
	pupils=$(ej-roster list --class 5А --date 30.10.2020 | tail -n +2 | wc -l)
	[ "${#lines[@]}" -eq $((pupils + 1)) ]
	# the second quarter holds Велиев's November 5 alone; Excel's flavour
	run ej-grade term suggest --class 5А --subject Алгебра --period 2 --format csv -d ';'
	[ "${lines[3]}" = "5А;Алгебра;2;124;Велиев Исмаил;1;5.00;н/а;" ]
	# suggest writes nothing
	[ "$(commits "$S")" -eq "$n" ]
}

@test "suggest: the school's own thresholds, and weights off" {
	rm -rf "$S"
	sed -e 's/weights: true/weights: false/' \
	    -e 's/{5: 4.60, 4: 3.60, 3: 2.60}/{5: 4.50, 4: 3.50, 3: 2.50}/' \
	    "$EXAMPLES/school.yaml" > "$TRASH/school.yaml"
	ej-init --store "$S" "$TRASH/school.yaml" 2>/dev/null
	roster
	# plain (5 + 3 + 4) / 3 = 4.00 where the weighted one is 4.25
	mark 5А Алгебра 15.09 "Баранов Владислав" 5 контрольная
	mark 5А Алгебра 16.09 "Баранов Владислав" 3
	mark 5А Алгебра 17.09 "Баранов Владислав" 4
	# 5 5 4 4 = 4.50: a 5 at this school
	for d in 15.09:5 16.09:5 17.09:4 18.09:4; do
		mark 5А Алгебра "${d%:*}" "Богданов Павел" "${d#*:}"
	done
	run ej-grade term suggest --class 5А --subject Алгебра --period 1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *": plain average, at least 3 marks" ]]
	[ "$(row 'Баранов')" = "1 Баранов Владислав Фёдорович 3 4.00 4" ]
	[ "$(row 'Богданов Павел')" = "2 Богданов Павел Артёмович 4 4.50 5" ]
}

@test "suggest: a half-year class needs 5 marks" {
	for d in 14.09 15.09 16.09 17.09; do
		mark 10А Алгебра $d "Белова Диана" 5
	done
	run ej-grade term suggest --class 10А --subject Алгебра --period 1
	[ "${lines[0]}" = "10А Алгебра, 1 полугодие (2020-09-01..2020-12-29): weighted average, at least 5 marks" ]
	[ "$(row 'Белова')" = "1 Белова Диана Павловна 4 5.00 н/а" ]
	mark 10А Алгебра 18.09 "Белова Диана" 4
	run ej-grade term suggest --class 10А --subject Алгебра --period "1 полугодие"
	[ "$(row 'Белова')" = "1 Белова Диана Павловна 5 4.80 5" ]
}

@test "suggest: a pupil's marks in the class they left count in the new one" {
	# Щербакова Полина: 5А until 17.01.2021, then 5Б; the 3rd quarter
	# starts 11.01
	mark 5А Алгебра 12.01 "Щербакова Полина" 5
	mark 5А Алгебра 13.01 "Щербакова Полина" 5
	mark 5А Алгебра 14.01 "Щербакова Полина" 5
	mark 5Б Алгебра 19.01 "Щербакова Полина" 4
	mark 5Б Алгебра 20.01 "Щербакова Полина" 4
	run ej-grade term suggest --class 5Б --subject Алгебра --period 3 --format csv
	[[ "$output" == *",Щербакова Полина,5,4.60,5,"* ]]
	# her third-quarter mark is 5Б's; her second quarter's is 5А's
	STATUS=65 refused set 5А Алгебра 3 "Щербакова Полина" 5
	[ "$output" = "ej-grade: Щербакова Полина is not in 5А on 2021-03-19" ]
	ej-grade term set 5Б Алгебра 3 "Щербакова Полина" 5
	ej-grade term set 5А Алгебра 2 "Щербакова Полина" 4
	run git -C "$S/history.git" show main:journal/2020-2021/5Б/terms.csv
	[[ "${lines[1]}" == "Алгебра,3,139,Щербакова Полина,5,$(id -un),"* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/terms.csv
	[[ "${lines[1]}" == "Алгебра,2,139,Щербакова Полина,4,"* ]]
}

@test "suggest: refuses what it cannot suggest, and bad usage" {
	run ej-grade term suggest --class 5А --subject Алгебра --period year
	[ "$status" -eq 65 ]
	[ "$output" = "ej-grade: suggest works on a study period (1..4): a year mark is the teacher's to set" ]
	run ej-grade term suggest --class 4А --subject ОРКСЭ --period 1
	[ "$status" -eq 65 ]
	[ "$output" = "ej-grade: Основы религиозных культур и светской этики is pass/fail: it has no average to suggest from" ]
	run ej-grade term suggest --class 10А --subject Алгебра --period 3
	[ "$status" -eq 65 ]
	[ "$output" = "ej-grade: 10А has no period 3: its periods are half-years 1..2" ]
	run ej-grade term suggest --class 5Я --subject Химия9 --period 1
	[ "$status" -eq 65 ]
	[ "${lines[0]}" = 'ej-grade: unknown class "5Я"' ]
	[ "${lines[1]}" = 'ej-grade: unknown subject "Химия9"' ]
	run ej-grade term suggest --class 5А --subject Алгебра
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "usage: ej-grade term set "* ]]
	run ej-grade term suggest --class 5А --subject Алгебра --period 1 --format xml
	[ "$status" -eq 2 ]
	run ej-grade term
	[ "$status" -eq 2 ]
	run ej-grade term frobnicate
	[ "$status" -eq 2 ]
	run ej-grade term --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-grade term suggest [-d DELIM] [--format text|csv] --class CLASS"* ]]
}

@test "set: one commit, terms.csv in the history; the same mark again changes nothing" {
	n=$(commits "$S")
	run ej-grade term set 5А Алгебра 1 "Баранов Владислав" 4
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Алгебра: +1 period marks (commit "*")" ]]
	[ "$(commits "$S")" -eq $((n + 1)) ]
	run git -C "$S/history.git" log -1 --format='%s%n%b'
	[ "${lines[0]}" = "5А Алгебра: +1 period marks" ]
	[[ "${lines[1]}" == *"ej-grade term set '5А' 'Алгебра' 1 'Баранов Владислав' 4" ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/terms.csv
	[ "${lines[0]}" = "subject,period,pupil_id,pupil,mark,entered_by,entered_at,reason" ]
	[[ "${lines[1]}" == "Алгебра,1,122,Баранов Владислав,4,$(id -un),20"*',""' ]]
	run ej-grade term set 5а алгебра I "баранов владислав" 4
	[ "$status" -eq 0 ]
	[ "$output" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq $((n + 1)) ]
}

@test "set: a change needs --reason, kept in the record and the commit" {
	ej-grade term set 5А Алгебра 1 "Баранов Владислав" 4 2>/dev/null
	refused set 5А Алгебра 1 "Баранов Владислав" 5
	[ "${lines[0]}" = "ej-grade: changing the period mark 4 to 5 needs a reason (--reason)" ]
	[ "${lines[1]}" = "ej-grade: nothing was written" ]
	run ej-grade term set 5А Алгебра 1 "Баранов Владислав" 5 --reason "пересдача 02.11"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Алгебра: +0 period marks, ~1 (commit "* ]]
	run git -C "$S/history.git" log -1 --format='%b'
	# the command line as typed, options after the operands too
	[[ "$output" == *"ej-grade term set '5А' 'Алгебра' 1 'Баранов Владислав' 5 --reason 'пересдача 02.11'"* ]]
	[[ "$output" == *"Reason: пересдача 02.11"* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/terms.csv
	[[ "${lines[1]}" == "Алгебра,1,122,Баранов Владислав,5,"*",пересдача 02.11" ]]
}

@test "set: н/а, осв, зач/незач, year, exam and final marks" {
	ej-grade term set 5А Алгебра 1 "Баранов Владислав" н/а
	ej-grade term set 5А Физическая\ культура 1 "Баранов Владислав" осв
	ej-grade term set 4А ОРКСЭ 4 "Абибуллаева Эльвира" зачёт
	ej-grade term set 5А Алгебра year "Баранов Владислав" 4
	ej-grade term set 10А Алгебра экзамен "Белова Диана" 5
	ej-grade term set 10А Алгебра final "Белова Диана" 5
	run ej-grade term export
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "class,subject,period,pupil,pupil_name,mark,reason" ]
	[ "${lines[1]}" = "4А,Основы религиозных культур и светской этики,4,102,Абибуллаева Эльвира,зач," ]
	[ "${lines[2]}" = "5А,Алгебра,1,122,Баранов Владислав,н/а," ]
	[ "${lines[3]}" = "5А,Алгебра,year,122,Баранов Владислав,4," ]
	[ "${lines[4]}" = "5А,Физическая культура,1,122,Баранов Владислав,осв," ]
	[ "${lines[5]}" = "10А,Алгебра,exam,271,Белова Диана,5," ]
	[ "${lines[6]}" = "10А,Алгебра,final,271,Белова Диана,5," ]
	run ej-grade term export --period year
	[ "${#lines[@]}" -eq 2 ]
	run ej-grade term export --class 10А --subject Алгебра --period итоговая
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "10А,Алгебра,final,271,Белова Диана,5," ]
}

@test "rm: needs a reason; removes one period mark; none there is an error" {
	ej-grade term set 5А Алгебра 1 "Баранов Владислав" 4 2>/dev/null
	refused rm 5А Алгебра 1 "Баранов Владислав"
	[ "${lines[0]}" = "ej-grade: removing a period mark needs a reason (--reason)" ]
	refused rm --reason ошибка 5А Алгебра 1 "Богданов Павел"
	[ "${lines[0]}" = "ej-grade: Богданов Павел has no period mark 1 in Алгебра" ]
	run ej-grade term rm 5А Алгебра 1 "Баранов Владислав" --reason "не тот ученик"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Алгебра: +0 period marks, -1 (commit "* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/terms.csv
	[ "$status" -ne 0 ]
	run git -C "$S/history.git" log -1 --format='%b'
	[[ "$output" == *"Reason: не тот ученик"* ]]
}

@test "--dry-run: the summary and the changed records, nothing written" {
	ej-grade term set 5А Алгебра 1 "Баранов Владислав" 4 2>/dev/null
	before=$(store_digest "$S")
	run ej-grade term set -n 5А Алгебра 1 "Баранов Владислав" 5 --reason пересдача
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-grade: 5А Алгебра: +0 period marks, ~1 (dry run: nothing was written)" ]
	# the files that would change, then each record, as every dry run
	[ "${lines[1]}" = "  journal/2020-2021/5А/terms.csv" ]
	[ "${lines[2]}" = "  ~ 5А Алгебра 1 Баранов Владислав: 4 → 5" ]
	printf 'class,subject,period,pupil,mark\n5А,Алгебра,2,Богданов Павел,5\n5А,Алгебра,2,Велиев Исмаил,3\n' > "$TRASH/t.csv"
	run ej-grade term import --dry-run "$TRASH/t.csv"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-grade: 5А Алгебра: +2 period marks (dry run: nothing was written)" ]
	[ "${lines[1]}" = "  journal/2020-2021/5А/terms.csv" ]
	[ "${lines[2]}" = "  + 5А Алгебра 2 Богданов Павел: 5" ]
	[ "${lines[3]}" = "  + 5А Алгебра 2 Велиев Исмаил: 3" ]
	run ej-grade term rm -n --reason x 5А Алгебра 1 "Баранов Владислав"
	[ "${lines[2]}" = "  - 5А Алгебра 1 Баранов Владислав: 4" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "import: Russian headers, CP1251, one commit; again: no changes" {
	printf 'Класс;Предмет;Четверть;Ученик;Отметка;Причина\r\n5А;Алгебра;1;Баранов Владислав;5;\r\n5А;Алгебра;1;Богданов Павел;4;\r\n5А;Алгебра;1;Велиев Исмаил;н/а;\r\n' |
	    iconv -f utf-8 -t cp1251 > "$TRASH/t.csv"
	n=$(commits "$S")
	run ej-grade term import "$TRASH/t.csv"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-grade: $TRASH/t.csv: read as CP1251" ]
	[[ "${lines[1]}" == "ej-grade: 5А Алгебра: +3 period marks (commit "* ]]
	[ "$(commits "$S")" -eq $((n + 1)) ]
	run ej-grade term import "$TRASH/t.csv"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq $((n + 1)) ]
	# several subjects of one class: the class names the commit; from
	# stdin, a change with the reason in its row
	printf 'class,subject,period,pupil,mark,reason\n5А,Алгебра,1,Баранов Владислав,4,исправление\n5А,История,1,Баранов Владислав,5,\n' |
	    ej-grade term import 2>"$TRASH/err"
	[[ "$(cat "$TRASH/err")" == "ej-grade: 5А: +1 period marks, ~1 (commit "* ]]
	# two classes: no name; --reason for the rows without one
	printf 'class,subject,period,pupil,mark\n5А,Алгебра,1,Баранов Владислав,3\n10А,Алгебра,1,Белова Диана,5\n' |
	    ej-grade term import --reason "решение педсовета" 2>"$TRASH/err"
	[[ "$(cat "$TRASH/err")" == "ej-grade: +1 period marks, ~1 (commit "* ]]
	run git -C "$S/history.git" log -1 --format=%b
	[[ "$output" == *"Reason: решение педсовета"* ]]
}

@test "export then import is a no-op; export again is the same file" {
	printf 'class,subject,period,pupil,mark\n5А,Алгебра,1,Баранов Владислав,5\n5А,Алгебра,2,Баранов Владислав,4\n5А,Алгебра,year,Баранов Владислав,4\n5А,История,1,Богданов Павел,осв\n10А,Алгебра,1,Белова Диана,3\n4А,ОРКСЭ,4,Абибуллаева Эльвира,зач\n' > "$TRASH/t.csv"
	ej-grade term set 5А Алгебра 2 "Щербакова Полина" 5 2>/dev/null
	ej-grade term set 5Б Алгебра 3 "Щербакова Полина" 4 2>/dev/null
	ej-grade term import "$TRASH/t.csv" 2>/dev/null
	n=$(commits "$S")
	ej-grade term export > "$TRASH/all.csv"
	[ "$(wc -l < "$TRASH/all.csv")" -eq 9 ]
	run ej-grade term import "$TRASH/all.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	[ "$(ej-grade term export)" = "$(cat "$TRASH/all.csv")" ]
	# filtered and in Excel's flavour, still a no-op
	ej-grade term export --bom -d ';' --crlf --class 5А > "$TRASH/x.csv"
	[ "$(head -c 3 "$TRASH/x.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	[ "$(wc -l < "$TRASH/x.csv")" -eq 6 ]
	run ej-grade term import "$TRASH/x.csv"
	[ "$output" = "ej-grade: no changes" ]
}

@test "import: every bad row listed with file:line, exit 65, nothing written" {
	cat > "$TRASH/bad.csv" <<-'CSV'
	class,subject,period,pupil,mark
	5А,Алгебра,1,Баранов Владислав,5
	5Я,Алгебра,1,Баранов Владислав,5
	5А,Химия9,1,Баранов Владислав,5
	5А,Алгебра,1,Нет Такого,5
	10А,Алгебра,3,Белова Диана,5
	5А,Алгебра,1,Богданов Павел,зач
	5А,ОРКСЭ,1,Богданов Павел,5
	5А,Алгебра,1,Баранов Владислав,4
	5А,Алгебра,1,Богданов Павел,6
	5А,Алгебра,5,Богданов Павел,4
	5А,Алгебра,1,Велиев Исмаил,
	5А,Алгебра,1,Белова Диана,4
	5А,Алгебра,1,Богданов Павел,4+
	5А,Алгебра,1,Богданов Павел,долг
	5А,Алгебра,"1 полугодие",Демченко Лев,4
	CSV
	f=$TRASH/bad.csv
	refused import "$f"
	[ "${lines[0]}" = "ej-grade: $f:3: unknown class \"5Я\"" ]
	[ "${lines[1]}" = "ej-grade: $f:4: unknown subject \"Химия9\"" ]
	[ "${lines[2]}" = "ej-grade: $f:5: unknown pupil \"Нет Такого\"" ]
	[ "${lines[3]}" = "ej-grade: $f:6: 10А has no period 3: its periods are half-years 1..2" ]
	[ "${lines[4]}" = "ej-grade: $f:7: \"зач\" is not a period mark: Алгебра takes 5 4 3 2, н/а or осв" ]
	[ "${lines[5]}" = "ej-grade: $f:8: \"5\" is not a period mark: Основы религиозных культур и светской этики takes зач, незач, н/а or осв" ]
	[ "${lines[6]}" = "ej-grade: $f:9: Баранов Владислав, Алгебра, period 1: already given at line 2" ]
	[ "${lines[7]}" = "ej-grade: $f:10: \"6\" is not a period mark: Алгебра takes 5 4 3 2, н/а or осв" ]
	[ "${lines[8]}" = "ej-grade: $f:11: \"5\" is not a period: a number of the class's scheme, year, exam or final" ]
	[ "${lines[9]}" = "ej-grade: $f:12: mark is empty" ]
	[ "${lines[10]}" = "ej-grade: $f:13: Белова Диана is not in 5А on 2020-10-30" ]
	[ "${lines[11]}" = "ej-grade: $f:14: \"4+\" is not a period mark: Алгебра takes 5 4 3 2, н/а or осв" ]
	[ "${lines[12]}" = "ej-grade: $f:15: \"долг\" is not a period mark: Алгебра takes 5 4 3 2, н/а or осв" ]
	[ "${lines[13]}" = "ej-grade: $f:16: 5А has no period 1 полугодие: its periods are quarters 1..4" ]
	[ "${lines[14]}" = "ej-grade: nothing was written" ]
	[ "${#lines[@]}" -eq 15 ]
}

@test "import: a change without a reason, a missing column, a file that is not there" {
	ej-grade term set 5А Алгебра 1 "Баранов Владислав" 4 2>/dev/null
	printf 'class,subject,period,pupil,mark\n5А,Алгебра,1,Богданов Павел,5\n5А,Алгебра,1,Баранов Владислав,5\n' > "$TRASH/t.csv"
	refused import "$TRASH/t.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/t.csv:3: changing the period mark 4 to 5 needs a reason (--reason)" ]
	printf 'class,subject,pupil,mark\n5А,Алгебра,Богданов Павел,5\n' > "$TRASH/t.csv"
	refused import "$TRASH/t.csv"
	[[ "$output" == *"period"* ]]
	STATUS=66 refused import "$TRASH/missing.csv"
}

@test "set: each bad argument, exit 65, nothing written" {
	refused set 5Я Алгебра 1 "Баранов Владислав" 5
	[ "$output" = 'ej-grade: unknown class "5Я"' ]
	refused set 5А Химия9 1 "Баранов Владислав" 5
	[ "$output" = 'ej-grade: unknown subject "Химия9"' ]
	refused set 5А Алгебра 1 "Нет Такого" 5
	[ "$output" = 'ej-grade: unknown pupil "Нет Такого"' ]
	refused set 10А Алгебра 3 "Белова Диана" 5
	[ "$output" = "ej-grade: 10А has no period 3: its periods are half-years 1..2" ]
	refused set 5А Алгебра 1 "Баранов Владислав" зач
	[ "$output" = 'ej-grade: "зач" is not a period mark: Алгебра takes 5 4 3 2, н/а or осв' ]
	refused set 5А Алгебра 1 "Баранов Владислав" 1
	refused set 4А ОРКСЭ 1 "Абибуллаева Эльвира" 5
	refused set 5А Алгебра 1 "Белова Диана" 5
	[ "$output" = "ej-grade: Белова Диана is not in 5А on 2020-10-30" ]
	STATUS=2 refused set 5А Алгебра 1 "Баранов Владислав"
}

@test "a teacher may set the subjects of their load only: 77 outside it" {
	# frolov.ad teaches 5А Математика
	run env EJ_AS=frolov.ad ej-grade term set 5А Математика 1 "Баранов Владислав" 5
	[ "$status" -eq 0 ]
	run git -C "$S/history.git" log -1 --format='%an|%s'
	[ "$output" = "Фролов Андрей Дмитриевич|5А Математика: +1 period marks" ]
	EJ_AS=frolov.ad STATUS=77 refused set 5А Алгебра 1 "Баранов Владислав" 5
	[ "$output" = "ej-grade: frolov.ad may not write 5А Алгебра: not in their teaching load" ]
	printf 'class,subject,period,pupil,mark\n5А,Математика,1,Богданов Павел,5\n5Б,Русский язык,1,Щербакова Полина,4\n' > "$TRASH/t.csv"
	EJ_AS=frolov.ad STATUS=77 refused import "$TRASH/t.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/t.csv:3: frolov.ad may not write 5Б Русский язык: not in their teaching load" ]
	[ "${lines[1]}" = "ej-grade: nothing was written" ]
	# a deputy may set any
	run env EJ_AS=lysenko.ng ej-grade term set 5А Алгебра 1 "Баранов Владислав" 5
	[ "$status" -eq 0 ]
}
