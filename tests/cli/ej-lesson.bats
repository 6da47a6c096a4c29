#!/usr/bin/env bats
# ej-lesson against a real store: setting a lesson's topic, homework and
# teacher, importing a КТП, export → import, the list for people, and every
# class of bad input leaving the store byte for byte.

load helpers

setup() {
	setup_trash
	init_demo
	export EJ_STORE=$S
	ME=$(id -un)
	HEAD='class,subject,date,lesson,subgroup,topic,homework,teacher'
}
teardown() { teardown_trash; }

# refused STATUS ARGS…: that exit status, the errors, "nothing was
# written" last, and the store (database and history) byte for byte as
# it was.
refused() { refused_write "$1" ej-lesson "${@:2}"; }

# The lessons file of CLASS SUBJECT in the history's last commit.
lessons() {
	git -C "$S/history.git" show "main:journal/2020-2021/$1/$2/lessons.csv"
}

# Field N (1-based) of line L of the lessons file of 7А Алгебра, for
# lines without quoted commas.
field() {
	lessons 7А Алгебра | sed -n "$1p" | cut -d, -f"$2"
}

@test "set creates a lesson: topic, homework and their times, one commit" {
	run ej-lesson set 7А Алгебра 01.09 --topic 'Выражения' --homework 'п. 1 № 3'
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +1 (commit "*")" ]]
	[ "$(commits "$S")" -eq 2 ]
	run lessons 7А Алгебра
	[ "${lines[0]}" = "date,lesson,subgroup,teacher,topic,homework,topic_at,homework_at,entered_by,entered_at" ]
	[[ "${lines[1]}" == "2020-09-01,1,0,$ME,Выражения,п. 1 № 3,20"*Z,20*Z,$ME,20*Z ]]
	# one run, one timestamp
	[ "$(field 2 7)" = "$(field 2 8)" ]
	[ "$(field 2 7)" = "$(field 2 10)" ]
	run git -C "$S/history.git" log -1 --format='%s%n%b'
	[ "${lines[0]}" = "7А Алгебра: lessons +1" ]
	# the command line as it was typed, options after the operands
	[[ "${lines[1]}" == "ej-lesson set '7А' 'Алгебра' 01.09 --topic"* ]]
}

@test "set without text makes the lesson, a second lesson that day with -l 2" {
	run ej-lesson set 7А Алгебра 2020-09-01
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +1 (commit "*")" ]]
	run ej-lesson set 7А Алгебра 01.09.2020 -l 2 --topic 'Тождества'
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +1 (commit "* ]]
	run lessons 7А Алгебра
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == "2020-09-01,1,0,$ME,\"\",\"\",,,$ME,"* ]]
	[[ "${lines[2]}" == "2020-09-01,2,0,$ME,Тождества,\"\",20"*Z,,$ME,* ]]
}

@test "set updates: only a changed text gets a new time; same text, no commit; '' clears" {
	ej-lesson set 7А Алгебра 01.09 --topic 'Выражения' --homework 'п. 1' 2>/dev/null
	t0=$(field 2 7)
	h0=$(field 2 8)
	sleep 1
	run ej-lesson set 7А Алгебра 01.09 --topic 'Выражения и тождества'
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +0, ~1 (commit "* ]]
	[ "$(field 2 5)" = "Выражения и тождества" ]
	[ "$(field 2 7)" != "$t0" ]
	[ "$(field 2 8)" = "$h0" ]
	n=$(commits "$S")
	run ej-lesson set 7А Алгебра 01.09 --topic '  Выражения и тождества ' --homework 'п. 1'
	[ "$status" -eq 0 ]
	[ "$output" = "ej-lesson: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	run ej-lesson set 7А Алгебра 01.09 --topic ''
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +0, ~1 (commit "* ]]
	run lessons 7А Алгебра
	[[ "${lines[1]}" == "2020-09-01,1,0,$ME,\"\",п. 1,,$h0,"* ]]
}

@test "a substitute: recorded as the teacher, the entry stays the acting person's" {
	run env EJ_AS=zaitseva.vn ej-lesson set 7А Алгебра 03.09 --teacher pushkar.es --topic 'Степень'
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +1 (commit "* ]]
	[[ "$(lessons 7А Алгебра | sed -n 2p)" == "2020-09-03,1,0,pushkar.es,Степень,\"\",20"*",zaitseva.vn,"* ]]
	run git -C "$S/history.git" log -1 --format='%ae'
	[ "$output" = "zaitseva.vn@skuvk1" ]
	# naming another teacher later is a change of the lesson
	run env EJ_AS=zaitseva.vn ej-lesson set 7А Алгебра 03.09 --teacher frolov.ad
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +0, ~1 (commit "* ]]
	[ "$(field 2 4)" = frolov.ad ]
	# the same teacher again is no change
	run env EJ_AS=zaitseva.vn ej-lesson set 7А Алгебра 03.09 --teacher frolov.ad
	[ "$output" = "ej-lesson: no changes" ]
}

@test "a substitute must be a teacher on the staff" {
	refused 65 set 7А Алгебра 03.09 --teacher gurtovaia.ev
	[ "${lines[0]}" = "ej-lesson: gurtovaia.ev cannot be recorded as the lesson's teacher: not a teacher" ]
	refused 65 set 7А Алгебра 03.09 --teacher nobody
	[ "${lines[0]}" = "ej-lesson: unknown teacher \"nobody\": give a staff member's login" ]
}

@test "import a КТП: 26 lessons in one commit; the same file again, no commit" {
	run ej-lesson import "$EXAMPLES/journal/ktp-5A-math.csv"
	[ "$status" -eq 0 ]
	# every lesson on a day 5А's timetable has mathematics: no warning
	[ "$output" = "ej-lesson: 5А Математика: lessons +26 (commit ${output##*commit }" ]
	[ "$(commits "$S")" -eq 2 ]
	run lessons 5А Математика
	[ "${#lines[@]}" -eq 27 ]
	[[ "${lines[13]}" == "2020-09-30,1,0,$ME,Контрольная работа № 2 «Сложение и вычитание натуральных чисел. Уравнения»,\"\",20"* ]]
	[[ "${lines[14]}" == "2020-10-02,1,0,$ME,Анализ контрольной работы. Умножение натуральных чисел и его свойства,\"п. 12, № 450, 452\",20"* ]]
	run ej-lesson import "$EXAMPLES/journal/ktp-5A-math.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-lesson: no changes" ]
	[ "$(commits "$S")" -eq 2 ]
}

@test "a КТП as Russian Excel saves it (CP1251, CRLF) reads the same" {
	ej-lesson import "$EXAMPLES/journal/ktp-5A-math.csv" 2>/dev/null
	ej-lesson export > "$TRASH/utf8.out"
	rm -rf "$S" && init_demo
	sed 's/$/\r/' "$EXAMPLES/journal/ktp-5A-math.csv" |
	    iconv -f utf-8 -t cp1251 > "$TRASH/ktp.csv"
	run ej-lesson import "$TRASH/ktp.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-lesson: $TRASH/ktp.csv: read as CP1251"* ]]
	ej-lesson export > "$TRASH/cp1251.out"
	cmp "$TRASH/utf8.out" "$TRASH/cp1251.out"
}

@test "import: a plan without class and subject columns takes --class and --subject" {
	printf 'Дата;№ урока;Тема;Д/з;Учитель\n10.09;;Линейная функция;п. 5;\n10.09;2;График;"п. 6; № 1";pushkar.es\n' > "$TRASH/plan.csv"
	run env EJ_AS=zaitseva.vn ej-lesson import --class 7а --subject алг. "$TRASH/plan.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-lesson: 7А Алгебра: lessons +2 (commit "* ]]
	run lessons 7А Алгебра
	[[ "${lines[1]}" == "2020-09-10,1,0,zaitseva.vn,Линейная функция,п. 5,"* ]]
	[[ "${lines[2]}" == "2020-09-10,2,0,pushkar.es,График,п. 6; № 1,"* ]]
	# without them, the columns are required
	refused 65 import "$TRASH/plan.csv"
	[[ "${lines[0]}" == "ej-lesson: $TRASH/plan.csv:1: missing required column \"class\""* ]]
}

@test "export then import changes nothing, in every flavour; filters" {
	ej-lesson set 7А Алгебра 01.09 --topic 'Выражения' --homework 'п. 1, № 3' 2>/dev/null
	ej-lesson set 7А Алгебра 02.09 --topic 'Тождества, и их доказательство' --homework '=2+2' 2>/dev/null
	ej-lesson set 7А Алгебра 03.09 --teacher pushkar.es --homework '-5 и "в кавычках"' 2>/dev/null
	ej-lesson set 7А 'Английский язык' 03.09 --subgroup 2 --topic 'Present Simple' 2>/dev/null
	ej-lesson set 5А Математика 07.09 -l 2 --topic 'Натуральные числа' 2>/dev/null
	n=$(commits "$S")
	ej-lesson export > "$TRASH/all.csv"
	run cat "$TRASH/all.csv"
	[ "${lines[0]}" = "$HEAD" ]
	[ "${lines[1]}" = "5А,Математика,2020-09-07,2,,Натуральные числа,,$ME" ]
	# subjects in the school's order, then dates
	[ "${lines[2]}" = "7А,Английский язык,2020-09-03,1,2,Present Simple,,$ME" ]
	[ "${lines[3]}" = "7А,Алгебра,2020-09-01,1,,Выражения,\"п. 1, № 3\",$ME" ]
	[ "${lines[4]}" = "7А,Алгебра,2020-09-02,1,,\"Тождества, и их доказательство\",'=2+2,$ME" ]
	[ "${lines[5]}" = "7А,Алгебра,2020-09-03,1,,,\"'-5 и \"\"в кавычках\"\"\",pushkar.es" ]
	run ej-lesson import "$TRASH/all.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-lesson: no changes" ]
	ej-lesson export --bom -d ';' --crlf > "$TRASH/excel.csv"
	[ "$(head -c 3 "$TRASH/excel.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	run ej-lesson import "$TRASH/excel.csv"
	[ "$output" = "ej-lesson: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	# the teacher's homework came back as typed
	run ej-lesson export --class 7А --subject Алгебра --from 02.09 --to 2020-09-02
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "7А,Алгебра,2020-09-02,1,,\"Тождества, и их доказательство\",'=2+2,$ME" ]
	run ej-lesson export --subject 'англ. яз.'
	[ "${#lines[@]}" -eq 2 ]
	run ej-lesson export --from 31.09
	[ "$status" -eq 2 ]
	[ "$output" = "ej-lesson: --from: \"31.09\" is not a date" ]
	run ej-lesson export --class 7Я
	[ "$status" -eq 65 ]
	[ "$output" = "ej-lesson: unknown class \"7Я\"" ]
}

@test "list: date, №, topic and homework aligned for Cyrillic" {
	ej-lesson set 7А Алгебра 01.09 --topic 'Выражения' --homework 'п. 1' 2>/dev/null
	ej-lesson set 7А Алгебра 03.09 --topic 'Сравнение значений выражений' --homework 'п. 2, № 40' 2>/dev/null
	ej-lesson set 7А Алгебра 03.09 -l 2 --topic 'Contrôle' 2>/dev/null
	ej-lesson set 7А Алгебра 07.09 --topic 'Без задания' 2>/dev/null
	run ej-lesson list --class 7а --subject алгебра
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[0]}" = "date        №  topic                         homework" ]
	[ "${lines[1]}" = "2020-09-01  1  Выражения                     п. 1" ]
	[ "${lines[2]}" = "2020-09-03  1  Сравнение значений выражений  п. 2, № 40" ]
	[ "${lines[3]}" = "2020-09-03  2  Contrôle" ]
	[ "${lines[4]}" = "2020-09-07  1  Без задания" ]
	run ej-lesson list --class 7А --subject Алгебра --from 02.09 --to 03.09
	[ "${#lines[@]}" -eq 3 ]
	# a subgroup is shown beside the number
	ej-lesson set 7А 'Английский язык' 03.09 --subgroup 1 --topic 'Present Simple' 2>/dev/null
	run ej-lesson list --class 7А --subject 'Английский язык'
	[ "${lines[0]}" = "date              №  topic           homework" ]
	[ "${lines[1]}" = "2020-09-03  1 gr. 1  Present Simple" ]
	# both the class and the subject are needed
	run ej-lesson list --class 7А
	[ "$status" -eq 2 ]
}

@test "bad rows: each reported at file:line, exit 65, nothing written" {
	while IFS='|' read -r row msg; do
		printf '%s\n7А,Алгебра,01.09,,,ok,,\n%s\n' "$HEAD" "$row" > "$TRASH/bad.csv"
		refused 65 import "$TRASH/bad.csv"
		[ "${lines[0]}" = "ej-lesson: $TRASH/bad.csv:3: $msg" ]
	done <<-'ROWS'
	7Я,Алгебра,02.09,,,t,,|unknown class "7Я"
	7А,Алхимия,02.09,,,t,,|unknown subject "Алхимия"
	7А,Алгебра,31.09,,,t,,|"31.09" is not a date
	7А,Алгебра,01.06.2021,,,t,,|01.06.2021 is outside the year (2020-09-01..2021-05-31)
	7А,Алгебра,02.11.2020,,,t,,|2020-11-02 is a holiday (осенние каникулы)
	7А,Алгебра,2020-09-01,1,,again,,|lesson 1 of 7А Алгебра on 2020-09-01 is also on line 2
	7А,Английский язык,01.09,,3,t,,|"3" is not a subgroup of Английский язык: 1..2, or 0 for the whole class
	7А,Алгебра,02.09,,,t,,nobody|unknown teacher "nobody": give a staff member's login
	7А,Алгебра,02.09,,,t,,gurtovaia.ev|gurtovaia.ev cannot be recorded as the lesson's teacher: not a teacher
	7А,Алгебра,02.09,10,,t,,|"10" is not a lesson number: the subject's first, second… lesson of the day, 1..9
	7А,Алгебра,02.09,,1,t,,|"1" is not a subgroup: Алгебра is taught to the whole class
	,Алгебра,02.09,,,t,,|the class is empty
	ROWS
}

@test "a file of many bad rows lists them all, the good ones are not kept" {
	{
		echo "$HEAD"
		echo "7А,Алгебра,01.09,,,good,,"
		echo "7Я,Алгебра,02.09,,,t,,"
		echo "7А,Алгебра,03.09,,,good,,"
		echo "7А,Алгебра,32.09,,,t,,"
		echo "7А,Английский язык,01.09,,1,good,,"
		echo "7А,Английский язык,01.09,,1,t,,"
		echo "7А,Алгебра,04.09,,,t,,nobody"
	} > "$TRASH/bad.csv"
	refused 65 import "$TRASH/bad.csv"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" == *"bad.csv:3: unknown class \"7Я\"" ]]
	[[ "${lines[1]}" == *"bad.csv:5: \"32.09\" is not a date" ]]
	[[ "${lines[2]}" == *"bad.csv:7: lesson 1 of 7А Английский язык on 2020-09-01, subgroup 1, is also on line 6" ]]
	[[ "${lines[3]}" == *"bad.csv:8: unknown teacher \"nobody\""* ]]
	[ "$(commits "$S")" -eq 1 ]
}

@test "bad command lines: exit 65 with the message, or usage" {
	refused 65 set 7А Алгебра 31.09 --topic x
	[ "${lines[0]}" = "ej-lesson: \"31.09\" is not a date" ]
	refused 65 set 7А Алгебра 06.01.2021 --topic x
	[ "${lines[0]}" = "ej-lesson: 2021-01-06 is a holiday (зимние каникулы)" ]
	refused 65 set 7Я Алгебра 01.09 --topic x
	[ "${lines[0]}" = "ej-lesson: unknown class \"7Я\"" ]
	refused 65 set 7А Алгебра 01.09 -l 0
	[[ "${lines[0]}" == "ej-lesson: \"0\" is not a lesson number"* ]]
	run ej-lesson set 7А Алгебра
	[ "$status" -eq 2 ]
	run ej-lesson frobnicate
	[ "$status" -eq 2 ]
}

@test "a teacher outside their load: exit 77, nothing written; inside it: done" {
	export EJ_AS=frolov.ad
	refused 77 set 7А Алгебра 01.09 --topic x
	[ "${lines[0]}" = "ej-lesson: frolov.ad may not write 7А Алгебра: not in their teaching load" ]
	# an import is refused once per class × subject, at its first row
	printf '%s\n5А,Математика,01.09,,,ok,,\n7А,Алгебра,01.09,,,t,,\n7А,Алгебра,02.09,,,t,,\n' "$HEAD" > "$TRASH/f.csv"
	refused 77 import "$TRASH/f.csv"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "ej-lesson: $TRASH/f.csv:3: frolov.ad may not write 7А Алгебра: not in their teaching load" ]
	EJ_AS=gurtovaia.ev refused 77 set 5А Математика 01.09 --topic x
	run ej-lesson set 5А Математика 01.09 --topic 'Натуральные числа'
	[ "$status" -eq 0 ]
	run git -C "$S/history.git" log -1 --format='%an <%ae>'
	[ "$output" = "Фролов Андрей Дмитриевич <frolov.ad@skuvk1>" ]
}

@test "dry run: the summary and the file, nothing written" {
	before=$(store_digest "$S")
	run ej-lesson set -n 7А Алгебра 01.09 --topic 'Выражения'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-lesson: 7А Алгебра: lessons +1 (dry run: nothing was written)" ]
	[ "${lines[1]}" = "  journal/2020-2021/7А/Алгебра/lessons.csv" ]
	run ej-lesson import --dry-run "$EXAMPLES/journal/ktp-5A-math.csv"
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-2]}" = "ej-lesson: 5А Математика: lessons +26 (dry run: nothing was written)" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "the timetable: a lesson on a day without the subject is a warning only" {
	run ej-lesson set 5А История 02.09 --topic 'Древний Египет'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-lesson: warning: 5А has no История on 2020-09-02 in the timetable" ]
	[[ "${lines[1]}" == "ej-lesson: 5А История: lessons +1 (commit "* ]]
	run ej-lesson set 5А История 03.09 --topic 'Древний Египет'
	[ "${#lines[@]}" -eq 1 ]
}

@test "several classes in one import: the summary names them" {
	printf '%s\n7А,Алгебра,01.09,,,a,,\n8А,Алгебра,01.09,,,b,,\n9А,Алгебра,01.09,,,c,,\n9Б,Алгебра,01.09,,,d,,\n10А,Алгебра,01.09,,,e,,\n' "$HEAD" > "$TRASH/m.csv"
	run ej-lesson import "$TRASH/m.csv"
	[[ "$output" == "ej-lesson: 7А Алгебра, 8А Алгебра, 9А Алгебра and 2 more: lessons +5 (commit "* ]]
	run git -C "$S/history.git" diff --stat HEAD~1 HEAD
	[[ "$output" == *"5 files changed"* ]]
}
