#!/usr/bin/env bats
# ej-grade against a real store: marks one at a time, gradebooks long and
# wide, exports that import back unchanged, the history they leave, every
# class of bad input leaving the store byte for byte, permissions, and
# writers in parallel.

load helpers

# The demo school with the pupils of grades 5–9, made once for the file
# and copied for each test; Щербакова Полина leaves 5А for 5Б on 18.01.
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

# A bad input: exit 65, "nothing was written" last, the store (database
# and history) byte for byte as it was.
refused() { refused_write 65 ej-grade "$@"; }

# The journal files of class × subject at main, without the times of entry.
journal() {
	local f
	for f in lessons marks attendance; do
		git -C "$S/history.git" show "main:journal/2020-2021/$1/$2/$f.csv"
	done | sed 's/[0-9-]*T[0-9:]*Z//g'
}

# "Фамилия Имя" of every pupil of 5А on 1 September, in the sheet's order.
pupils_5a() {
	ej-roster export pupils --class 5А --date 01.09.2020 |
	    awk -F, 'NR > 1 { print $3 " " $4 }'
}

# The wide sheet of 5А Математика: all its pupils, four lessons.
sheet_5a() {
	echo 'pupil;01.09;03.09 (контрольная);04.09;04.09#2 (самостоятельная)'
	pupils_5a | awk '{
		a = NR % 7 == 0 ? "н" : (NR % 4) + 2
		b = NR % 5 == 0 ? "" : ((NR + 1) % 4) + 2
		c = NR % 6 == 0 ? "б" : NR % 3 == 0 ? "" : ((NR + 2) % 4) + 2
		d = NR == 3 ? "долг" : NR == 8 ? "оп" : ((NR + 3) % 4) + 2
		print $0 ";" a ";" b ";" c ";" d
	}'
}

@test "set and rm: one mark, a commit each, a reason to remove" {
	run ej-grade set 5А Математика 01.09 "Баранов Владислав" 5 -w контрольная
	[ "$status" -eq 0 ]
	[ "$output" = "ej-grade: 5А Математика: +1 marks; lessons +1 (commit ${output: -8:7})" ]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/marks.csv
	[[ "${lines[1]}" == "2020-09-01,1,0,1,Баранов Владислав,1,5,контрольная,$(id -un),"* ]]
	run ej-grade rm 5А Математика 01.09 "Баранов Владислав"
	[ "$status" -eq 65 ]
	run ej-grade rm --reason "ошибка" 5А Математика 01.09 "Баранов Владислав"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика: +0 marks, -1 (commit "* ]]
	run git -C "$S/history.git" log -1 --format=%B
	[[ "$output" == *"ошибка"* ]]
}

@test "the commit message keeps the command line in the order it was typed" {
	ej-grade set 5А Математика 01.09 "Баранов Владислав" 5 -w контрольная 2>/dev/null
	run git -C "$S/history.git" log -1 --format=%b main
	[ "${lines[0]}" = "ej-grade set '5А' 'Математика' 01.09 'Баранов Владислав' 5 -w 'контрольная'" ]
}

@test "wide import: one commit, the sheet's marks, absences and lessons" {
	sheet_5a > "$TRASH/5a.csv"
	n=$(commits "$S")
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ej-grade: 5А Математика: +"*" marks; +"*" absences; lessons +4 (commit "*")" ]]
	[ "$(commits "$S")" -eq $((n + 1)) ]
	run git -C "$S/history.git" show --stat --format=%s main
	[[ "$output" == *"lessons.csv"* && "$output" == *"marks.csv"* && "$output" == *"attendance.csv"* ]]
	# 03.09 was a контрольная; the #2 of 04.09 a самостоятельная
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/marks.csv
	[[ "$output" == *"2020-09-03,1,0,1,Баранов Владислав,1,4,контрольная,"* ]]
	[[ "$output" == *"2020-09-04,2,0,1,Баранов Владислав,1,2,самостоятельная,"* ]]
	[[ "$output" == *"Велиев Исмаил,1,долг,самостоятельная,"* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/attendance.csv
	[[ "$output" == *"2020-09-01,1,0,"*",н,"* ]]
	[[ "$output" == *"2020-09-04,2,0,"*",оп,"* ]]
}

@test "the same sheet twice: no changes, no commit" {
	sheet_5a > "$TRASH/5a.csv"
	ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	n=$(commits "$S")
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
}

@test "wide import, export, import again: no changes; the sheet comes back cell for cell" {
	sheet_5a > "$TRASH/5a.csv"
	ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	n=$(commits "$S")
	ej-grade export --wide --class 5А --subject Математика -d ';' > "$TRASH/out.csv"
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/out.csv"
	[ "$output" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	# dates normalised, the rest byte for byte
	sed '1s/\([0-9][0-9]\)\.\([0-9][0-9]\)/2020-\2-\1/g' "$TRASH/5a.csv" > "$TRASH/expect.csv"
	diff -u "$TRASH/expect.csv" "$TRASH/out.csv"
	# the Excel flavour is a no-op too
	ej-grade export --wide --class 5А --subject Математика --bom -d ';' --crlf > "$TRASH/x.csv"
	[ "$(head -c 3 "$TRASH/x.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/x.csv"
	[ "$output" = "ej-grade: no changes" ]
}

@test "a sheet as Excel saves it (CP1251, CRLF, «Ученик», «Средний балл») is the same sheet" {
	sheet_5a > "$TRASH/5a.csv"
	ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	journal 5А Математика > "$TRASH/j1"
	rm -rf "$S" && cp -a "$TPL" "$S"
	sed '1s/^pupil/Ученик/; 1s/$/;Средний балл/; 2,$s/$/;4,25/; s/$/\r/' "$TRASH/5a.csv" |
	    iconv -f utf-8 -t cp1251 > "$TRASH/excel.csv"
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/excel.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-grade: $TRASH/excel.csv:1: warning: column \"Средний балл\" (column 6) is not a lesson: ignored" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/excel.csv: read as CP1251" ]
	journal 5А Математика | diff -u "$TRASH/j1" -
}

@test "long import: several classes and subjects, Russian headers, one commit" {
	cat > "$TRASH/long.csv" <<-'CSV'
	Класс;Предмет;Дата;Урок;Ученик;Отметка;Вид работы
	5А;Математика;01.09.2020;1;Баранов Владислав;5;
	5А;Математика;2020-09-01;1;Богданов Павел;4;контрольная
	5а;Русский язык;02.09;1;Баранов Владислав;5 4;диктант
	5Б;Литература;02.09;;#ЛД-2016-0128;3;
	CSV
	run ej-grade import "$TRASH/long.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика, 5А Русский язык, 5Б Литература: +5 marks; lessons +3 (commit "* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Русский\ язык/marks.csv
	[[ "${lines[1]}" == "2020-09-02,1,0,1,Баранов Владислав,1,5,диктант,"* ]]
	[[ "${lines[2]}" == "2020-09-02,1,0,1,Баранов Владислав,2,4,диктант,"* ]]
	# exported, then imported: nothing changes
	n=$(commits "$S")
	ej-grade export > "$TRASH/out.csv"
	[ "$(head -1 "$TRASH/out.csv")" = "class,subject,date,lesson,subgroup,pupil,pupil_name,seq,mark,work" ]
	[ "$(wc -l < "$TRASH/out.csv")" -eq 6 ]
	run ej-grade import "$TRASH/out.csv"
	[ "$output" = "ej-grade: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
}

@test "a changed mark needs a reason: each listed, then --reason" {
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Баранов Владислав,5\n5А,Математика,01.09,Богданов Павел,4\n' > "$TRASH/a.csv"
	ej-grade import "$TRASH/a.csv"
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Баранов Владислав,4\n5А,Математика,01.09,Богданов Павел,3\n' > "$TRASH/b.csv"
	refused import "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/b.csv:2: changing 5 to 4 needs a reason (--reason)" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/b.csv:3: changing 4 to 3 needs a reason (--reason)" ]
	run ej-grade import --reason "пересдача" "$TRASH/b.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика: +0 marks, ~2 (commit "* ]]
	run git -C "$S/history.git" log -1 --format=%B
	[[ "$output" == *"пересдача"* ]]
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/marks.csv
	[[ "${lines[1]}" == *",4,ответ на уроке,"*",пересдача" ]]
}

@test "долг paid by a mark needs no reason" {
	ej-grade set 5А Математика 01.09 "Баранов Владислав" долг
	run ej-grade set 5А Математика 01.09 "Баранов Владислав" 4
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика: +0 marks, ~1 (commit "* ]]
}

@test "--replace: the sheet is the truth for its lessons; removals need a reason" {
	sheet_5a > "$TRASH/5a.csv"
	ej-grade import --wide --class 5А --subject Математика "$TRASH/5a.csv"
	# a mark and an absence emptied, a pupil's row taken out
	sed '2s/;4;/;;/; 8s/;н;/;;/; /^Велиев/d' "$TRASH/5a.csv" > "$TRASH/r.csv"
	run ej-grade import --wide --class 5А --subject Математика "$TRASH/r.csv"
	[ "$output" = "ej-grade: no changes" ]
	refused import --wide --replace --class 5А --subject Математика "$TRASH/r.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/r.csv:2: 03.09 (контрольная): removing a mark needs a reason (--reason)" ]
	[[ "$output" == *"r.csv:1: 01.09, Велиев Исмаил (not in the sheet): removing a mark needs a reason (--reason)"* ]]
	run ej-grade import --wide --replace --reason "исправление" --class 5А --subject Математика "$TRASH/r.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика: +0 marks, -4; +0 absences, -1 (commit "* ]]
	ej-grade export --wide --class 5А --subject Математика -d ';' > "$TRASH/out.csv"
	[ "$(grep -c '^Велиев Исмаил;;;;$' "$TRASH/out.csv")" -eq 1 ]
}

@test "dry run: the summary, the files and each change; nothing written" {
	ej-grade set 5А Математика 01.09 "Баранов Владислав" 5
	printf 'pupil;01.09;02.09\nБаранов Владислав;4;н\nБогданов Павел;3;\n' > "$TRASH/d.csv"
	before=$(store_digest "$S")
	run ej-grade import -n --reason "ошибка" --wide --class 5А --subject Математика "$TRASH/d.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-grade: 5А Математика: +1 marks, ~1; +1 absences; lessons +1 (dry run: nothing was written)" ]
	[ "${lines[1]}" = "  journal/2020-2021/5А/Математика/attendance.csv" ]
	[ "${lines[2]}" = "  journal/2020-2021/5А/Математика/lessons.csv" ]
	[ "${lines[3]}" = "  journal/2020-2021/5А/Математика/marks.csv" ]
	[ "${lines[4]}" = "  ~ 5А Математика 2020-09-01 Баранов Владислав: 5 → 4" ]
	[ "${lines[5]}" = "  + 5А Математика 2020-09-02 Баранов Владислав: н" ]
	[ "${lines[6]}" = "  + 5А Математика 2020-09-01 Богданов Павел: 3 (ответ на уроке)" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "export: by class, subject, period and dates" {
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Баранов Владислав,5\n5А,Математика,15.12,Баранов Владислав,4\n5Б,Математика,02.09,#ЛД-2016-0128,3\n' > "$TRASH/a.csv"
	ej-grade import "$TRASH/a.csv"
	[ "$(ej-grade export | wc -l)" -eq 4 ]
	[ "$(ej-grade export --class 5А | wc -l)" -eq 3 ]
	[ "$(ej-grade export --period 1 | wc -l)" -eq 3 ]
	[ "$(ej-grade export --period 2 --class 5А | wc -l)" -eq 2 ]
	[ "$(ej-grade export --from 02.09 --to 2020-12-31 | wc -l)" -eq 3 ]
	run ej-grade export --wide --class 5А --subject Математика --period 1
	[ "${lines[0]}" = "pupil,2020-09-01" ]
	run ej-grade export --period 5 --class 5А
	[ "$status" -eq 65 ]
	[ "$output" = "ej-grade: 5А has no period 5" ]
	run ej-grade export --wide --class 5А
	[ "$status" -eq 2 ]
}

@test "two marks in a cell where the subject allows them, not elsewhere" {
	run ej-grade set 5А "Русский язык" 01.09 "Баранов Владислав" 4 --second
	[ "$status" -eq 0 ]
	printf 'pupil;01.09\nБаранов Владислав;5 4\n' > "$TRASH/two.csv"
	run ej-grade import --wide --class 5А --subject "Русский язык" "$TRASH/two.csv"
	[ "$status" -eq 0 ]
	refused import --wide --class 5А --subject Математика "$TRASH/two.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/two.csv:2: 01.09: Математика takes one mark per pupil and lesson" ]
}

@test "sheet conventions: a № column, 5/4, Latin codes, a subgroup, an empty row" {
	printf '№;ФИО;01.09;02.09\n1;Баранов Владислав;5/4;N\n2;Богданов Павел;op 3;b\n3;Велиев Исмаил;;\n' > "$TRASH/r.csv"
	run ej-grade import --wide --class 5А --subject "Русский язык" "$TRASH/r.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Русский язык: +3 marks; +3 absences; lessons +2 (commit "* ]]
	run ej-grade export --wide --class 5А --subject "Русский язык" -d ';'
	[ "${lines[1]}" = "Баранов Владислав;5 4;н" ]
	[ "${lines[2]}" = "Богданов Павел;3 оп;б" ]
	# English in subgroups: the sheet of subgroup 1
	printf 'pupil;01.09\nБаранов Владислав;5\n' > "$TRASH/e.csv"
	run ej-grade import --wide --subgroup 1 --class 5А --subject "Английский язык" "$TRASH/e.csv"
	[ "$status" -eq 0 ]
	run ej-grade export --class 5А --subject "Английский язык"
	[[ "${lines[1]}" == "5А,Английский язык,2020-09-01,1,1,1,Баранов Владислав,1,5,ответ на уроке" ]]
	[ "$(ej-grade export --wide --class 5А --subject 'Английский язык' | head -1)" = "pupil" ]
	[ "$(ej-grade export --wide --subgroup 1 --class 5А --subject 'Английский язык' | head -1)" = "pupil,2020-09-01" ]
	printf 'pupil;01.09\n;5\n' > "$TRASH/n.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/n.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/n.csv:2: no pupil in column 1" ]
}

# Every kind of bad input, each at its line (and the sheet's column).

@test "bad input: unknown pupil, class, subject and work type" {
	cat > "$TRASH/bad.csv" <<-'CSV'
	class,subject,date,pupil,mark,work
	5А,Математика,01.09,Иванов Никто,5,
	6В,Математика,01.09,Баранов Владислав,5,
	5А,Алхимия,01.09,Баранов Владислав,5,
	5А,Математика,01.09,Баранов Владислав,5,зачёт
	CSV
	refused import "$TRASH/bad.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/bad.csv:2: unknown pupil \"Иванов Никто\"" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/bad.csv:3: unknown class \"6В\"" ]
	[ "${lines[2]}" = "ej-grade: $TRASH/bad.csv:4: unknown subject \"Алхимия\"" ]
	[ "${lines[3]}" = "ej-grade: $TRASH/bad.csv:5: unknown work type \"зачёт\"" ]
	[ "${#lines[@]}" -eq 5 ]
	printf 'pupil;01.09 (зачёт)\nБаранов Владислав;5\n' > "$TRASH/w.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/w.csv:1: 01.09 (зачёт): unknown work type \"зачёт\"" ]
	printf 'pupil;01.09\nИванов Никто;5\n' > "$TRASH/p.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/p.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/p.csv:2: unknown pupil \"Иванов Никто\"" ]
}

@test "bad input: marks out of the scale (6, 0, 4+, 5-)" {
	printf 'pupil;01.09;02.09;03.09;04.09\nБаранов Владислав;6;0;4+;5-\nБогданов Павел;5;4;3;2\n' > "$TRASH/s.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/s.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/s.csv:2: 01.09: \"6\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/s.csv:2: 02.09: \"0\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
	[ "${lines[2]}" = "ej-grade: $TRASH/s.csv:2: 03.09: \"4+\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
	[ "${lines[3]}" = "ej-grade: $TRASH/s.csv:2: 04.09: \"5-\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
	[ "${#lines[@]}" -eq 5 ]
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Баранов Владислав,4+\n' > "$TRASH/l.csv"
	refused import "$TRASH/l.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/l.csv:2: \"4+\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
}

@test "bad input: a mark with н, unless --force with a reason" {
	printf 'pupil;01.09\nБаранов Владислав;5 н\n' > "$TRASH/n.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/n.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/n.csv:2: 01.09: a mark where the pupil is marked н: give --force and a reason" ]
	run ej-grade import --force --reason "пришёл ко второй половине" --wide --class 5А --subject Математика "$TRASH/n.csv"
	[ "$status" -eq 0 ]
	ej-attend set 5А 02.09 "Богданов Павел" н --subject Математика
	printf 'class,subject,date,pupil,mark\n5А,Математика,02.09,Богданов Павел,4\n' > "$TRASH/l.csv"
	refused import "$TRASH/l.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/l.csv:2: a mark where the pupil is marked н: give --force and a reason" ]
}

@test "bad input: a date outside the year, on a holiday, or not a date" {
	cat > "$TRASH/d.csv" <<-'CSV'
	class,subject,date,pupil,mark
	5А,Математика,01.06.2021,Баранов Владислав,5
	5А,Математика,02.11.2020,Баранов Владислав,5
	5А,Математика,31.09,Баранов Владислав,5
	5А,Математика,вчера,Баранов Владислав,5
	CSV
	refused import "$TRASH/d.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/d.csv:2: 01.06.2021 is outside the year (2020-09-01..2021-05-31)" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/d.csv:3: 2020-11-02 is a holiday (осенние каникулы)" ]
	[ "${lines[2]}" = "ej-grade: $TRASH/d.csv:4: \"31.09\" is not a date" ]
	[ "${lines[3]}" = "ej-grade: $TRASH/d.csv:5: \"вчера\" is not a date" ]
	printf 'pupil;01.09;02.11;31.09\nБаранов Владислав;5;5;5\n' > "$TRASH/w.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/w.csv:1: 02.11: 2020-11-02 is a holiday (осенние каникулы)" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/w.csv:1: \"31.09\" is not a lesson heading: a date, then optionally #N and (work type)" ]
}

@test "bad input: a pupil not in the class on that date" {
	printf 'pupil;15.01.2021;20.01.2021\nЩербакова Полина;5;4\n' > "$TRASH/m.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/m.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/m.csv:2: 20.01.2021: Щербакова Полина is not in 5А on 2021-01-20" ]
	printf 'class,subject,date,pupil,mark\n5А,Математика,20.01.2021,Щербакова Полина,5\n' > "$TRASH/l.csv"
	refused import "$TRASH/l.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/l.csv:2: Щербакова Полина is not in 5А on 2021-01-20" ]
}

@test "bad input: the same cell twice in one file" {
	cat > "$TRASH/dup.csv" <<-'CSV'
	class,subject,date,lesson,pupil,mark
	5А,Математика,01.09,1,Баранов Владислав,5
	5А,Математика,01.09,2,Баранов Владислав,5
	5а,математика,2020-09-01,,Баранов Владислав,4
	CSV
	refused import "$TRASH/dup.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/dup.csv:4: the same pupil and lesson as on line 2" ]
	[ "${#lines[@]}" -eq 2 ]
	printf 'pupil;01.09;2020-09-01\nБаранов Владислав;5;4\n' > "$TRASH/w.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/w.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/w.csv:1: the same lesson twice: \"01.09\" (column 2) and \"2020-09-01\" (column 3)" ]
	printf 'pupil;01.09\nБаранов Владислав;5\nбаранов владислав;4\n' > "$TRASH/p.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/p.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/p.csv:3: the same pupil as on line 2" ]
}

@test "bad input: the same cell again far from its first line, from a file and a pipe" {
	# lines 2 and 5 (5А Математика 01.09, Баранов) with other lessons
	# between; line 4 is wrong too, and line 7 repeats line 3's cell
	cat > "$TRASH/far.csv" <<-'CSV'
	class,subject,date,pupil,mark
	5А,Математика,01.09,Баранов Владислав,5
	5А,Русский язык,01.09,Богданов Павел,4
	5А,Литература,01.09,Никто Никакой,4
	5А,Математика,01.09,Баранов Владислав,4
	5А,Математика,02.09,Баранов Владислав,3
	5а,русский язык,2020-09-01,Богданов Павел,5
	CSV
	refused import "$TRASH/far.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/far.csv:4: unknown pupil \"Никто Никакой\"" ]
	[ "${lines[1]}" = "ej-grade: $TRASH/far.csv:5: the same pupil and lesson as on line 2" ]
	[ "${lines[2]}" = "ej-grade: $TRASH/far.csv:7: the same pupil and lesson as on line 3" ]
	[ "${#lines[@]}" -eq 4 ]
	# standard input: a pipe is read again all the same
	before=$(store_digest "$S")
	run bash -c 'cat "$1" | ej-grade import' _ "$TRASH/far.csv"
	[ "$status" -eq 65 ]
	[ "${lines[1]}" = "ej-grade: stdin:5: the same pupil and lesson as on line 2" ]
	[ "${lines[2]}" = "ej-grade: stdin:7: the same pupil and lesson as on line 3" ]
	run ej-grade import - < "$TRASH/far.csv"
	[ "$status" -eq 65 ]
	[ "${lines[1]}" = "ej-grade: stdin:5: the same pupil and lesson as on line 2" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "a lesson's rows apart in the file: all written, its rules kept across the gap" {
	cat > "$TRASH/apart.csv" <<-'CSV'
	class,subject,date,pupil,mark
	5А,Математика,01.09,Баранов Владислав,5
	5А,Русский язык,01.09,Баранов Владислав,4
	5А,Математика,01.09,Богданов Павел,3
	5А,Русский язык,01.09,Богданов Павел,н
	5А,Математика,01.09,Щербакова Полина,4 н
	CSV
	refused import "$TRASH/apart.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/apart.csv:6: a mark where the pupil is marked н: give --force and a reason" ]
	[ "${#lines[@]}" -eq 2 ]
	sed -i '$d' "$TRASH/apart.csv"
	run ej-grade import "$TRASH/apart.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 5А Математика, 5А Русский язык: +3 marks; +1 absences; lessons +2 (commit "* ]]
	# the lesson left and come back to: its cells read again, with the
	# marks this run wrote — н beside Баранов's mark needs --force
	printf 'class,subject,date,pupil,mark\n5А,Математика,01.09,Богданов Павел,3\n5А,Русский язык,01.09,Баранов Владислав,4\n5А,Математика,01.09,Баранов Владислав,н\n' > "$TRASH/back.csv"
	refused import "$TRASH/back.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/back.csv:4: н where the pupil has a mark: give --force and a reason" ]
	[ "${#lines[@]}" -eq 2 ]
	run ej-grade export --class 5А
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[2]}" = "5А,Математика,2020-09-01,1,,1,Баранов Владислав,1,5,ответ на уроке" ]
	[ "${lines[3]}" = "5А,Математика,2020-09-01,1,,2,Богданов Павел,1,3,ответ на уроке" ]
}

@test "bad input: a sheet whose header has no date column" {
	printf 'ФИО;Средний балл;Итог\nБаранов Владислав;4,5;5\n' > "$TRASH/h.csv"
	refused import --wide --class 5А --subject Математика "$TRASH/h.csv"
	[ "${lines[2]}" = "ej-grade: $TRASH/h.csv:1: no lesson column: a wide sheet has the pupils' column, then one column for each lesson, headed by its date" ]
}

@test "a sheet with 3 bad cells among 10,000 good ones: all 3 reported, nothing written" {
	# 50 pupils of 8А, the weekdays of September and October, 5 lessons each
	awk 'BEGIN { print "surname,name,class"
		for (i = 1; i <= 50; i++) printf "Тестов,Ученик%02d,8А\n", i }' > "$TRASH/p.csv"
	ej-roster import pupils "$TRASH/p.csv"
	awk 'BEGIN {
		h = "ФИО"; n = 0
		for (k = 0; k < 60; k++) {
			wd = (k + 1) % 7 + 1      # 1 September 2020: a Tuesday
			if (wd >= 6) continue
			m = k < 30 ? 9 : 10; d = k < 30 ? k + 1 : k - 29
			for (l = 1; l <= 5; l++) {
				h = h sprintf(";%02d.%02d", d, m) (l > 1 ? "#" l : "")
				n++
			}
		}
		print h
		for (i = 1; i <= 50; i++) {
			r = sprintf("Тестов Ученик%02d", i)
			for (j = 1; j <= n; j++) {
				v = (i + j) % 4 + 2
				if (i == 10 && j == 17) v = "6"
				if (i == 25 && j == 100) v = "4+"
				if (i == 40 && j == 200) v = "5 4"
				r = r ";" v
			}
			print r
		}
	}' > "$TRASH/big.csv"
	[ "$(head -1 "$TRASH/big.csv" | tr ';' '\n' | wc -l)" -eq 221 ]
	refused import --wide --class 8А --subject Алгебра "$TRASH/big.csv"
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "ej-grade: $TRASH/big.csv:11: 04.09#2: \"6\" is not a mark: the scale is 5 4 3 2 (or долг)" ]
	[[ "${lines[1]}" == "ej-grade: $TRASH/big.csv:26: "*": \"4+\" is not a mark: the scale is 5 4 3 2 (or долг)" ]]
	[[ "${lines[2]}" == "ej-grade: $TRASH/big.csv:41: "*": Алгебра takes one mark per pupil and lesson" ]]
	# and the good sheet goes in whole
	sed 's/;6;/;5;/; s/;4+;/;4;/; s/;5 4;/;5;/' "$TRASH/big.csv" > "$TRASH/good.csv"
	run ej-grade import --wide --class 8А --subject Алгебра "$TRASH/good.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-grade: 8А Алгебра: +11000 marks; lessons +220 (commit "* ]]
	[ "$(sqlite3 "$S/ej.db" "select count(*) from marks")" -eq 11000 ]
}

@test "a teacher writes the classes of their load only (EJ_AS from an admin)" {
	run env EJ_AS=frolov.ad ej-grade set 5А Математика 01.09 "Баранов Владислав" 5
	[ "$status" -eq 0 ]
	run git -C "$S/history.git" log -1 --format=%ae
	[ "$output" = "frolov.ad@skuvk1" ]
	before=$(store_digest "$S")
	run env EJ_AS=frolov.ad ej-grade set 5А "Русский язык" 01.09 "Баранов Владислав" 5
	[ "$status" -eq 77 ]
	[ "$output" = "ej-grade: frolov.ad may not write 5А Русский язык: not in their teaching load" ]
	printf 'pupil;01.09\nБаранов Владислав;5\n' > "$TRASH/w.csv"
	run env EJ_AS=frolov.ad ej-grade import --wide --class 5А --subject "Русский язык" "$TRASH/w.csv"
	[ "$status" -eq 77 ]
	printf 'class,subject,date,pupil,mark\n5А,Математика,02.09,Баранов Владислав,5\n5А,Русский язык,02.09,Баранов Владислав,5\n5А,Русский язык,03.09,Баранов Владислав,5\n' > "$TRASH/l.csv"
	run env EJ_AS=frolov.ad ej-grade import "$TRASH/l.csv"
	echo "$output"
	[ "$status" -eq 77 ]
	[ "${lines[0]}" = "ej-grade: $TRASH/l.csv:3: frolov.ad may not write 5А Русский язык: not in their teaching load" ]
	[ "${lines[1]}" = "ej-grade: nothing was written" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "8 writers in parallel, 50 marks each: 400 marks, 400 commits, a linear history" {
	n=$(commits "$S")
	ids=($(sqlite3 "$S/ej.db" "select pupil_id from membership m join classes c on c.id = m.class_id where c.name = '5А' order by pupil_id"))
	[ "${#ids[@]}" -eq 20 ]
	days=(01.09 02.09 03.09 04.09 07.09 08.09 09.09 10.09)
	for w in 0 1 2 3 4 5 6 7; do
		(
			for i in $(seq 0 49); do
				ej-grade set -l $((i / 20 + 1)) 5А Математика "${days[$w]}" \
				    "${ids[$((i % 20))]}" $((i % 4 + 2)) \
				    2>>"$TRASH/w$w.err" || exit 1
			done
		) &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do
		wait "$p" || fails=$((fails + 1))
	done
	grep -hv '^ej-grade: 5А Математика: +1 marks' "$TRASH"/w?.err || true
	[ "$fails" -eq 0 ]
	[ "$(sqlite3 "$S/ej.db" "select count(*) from marks")" -eq 400 ]
	[ "$(commits "$S")" -eq $((n + 400)) ]
	[ -z "$(git -C "$S/history.git" rev-list --merges main)" ]
	git -C "$S/history.git" fsck --no-dangling
	# the history and the database agree
	run git -C "$S/history.git" show main:journal/2020-2021/5А/Математика/marks.csv
	[ "${#lines[@]}" -eq 401 ]
}

@test "ej-grade --help, usage errors" {
	run ej-grade --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-grade import --wide --class CLASS --subject SUBJECT"* ]]
	run ej-grade import --replace "$TRASH/x.csv"
	[ "$status" -eq 2 ]
	run ej-grade import --class 5А "$TRASH/x.csv"
	[ "$status" -eq 2 ]
	run ej-grade import --wide --class 5А "$TRASH/x.csv"
	[ "$status" -eq 2 ]
}

@test "git blame on a marks file names who set each mark" {
	# the subject's teacher sets one mark, a deputy corrects another
	EJ_AS=frolov.ad ej-grade set 5А Математика 02.09 "Баранов Владислав" 5
	EJ_AS=frolov.ad ej-grade set 5А Математика 02.09 "Богданов Павел" 4
	EJ_AS=mazurenko.li ej-grade set --reason "сверка с бумажным журналом" \
	    5А Математика 02.09 "Богданов Павел" 3
	run git -C "$S/history.git" blame --line-porcelain main -- \
	    journal/2020-2021/5А/Математика/marks.csv
	[ "$status" -eq 0 ]
	who=$(printf '%s\n' "$output" | awk '/^author-mail /{ m = $2 } /^\t/{ print m, $0 }')
	[[ "$who" == *"<frolov.ad@skuvk1> "*"Баранов Владислав,1,5,"* ]]
	[[ "$who" == *"<mazurenko.li@skuvk1> "*"Богданов Павел,1,3,"*"сверка с бумажным журналом"* ]]
	run git -C "$S/history.git" log -1 --format='%an|%s%n%b'
	[[ "${lines[0]}" == "Мазуренко Людмила Ивановна|5А Математика: +0 marks, ~1" ]]
	[[ "$output" == *"Reason: сверка с бумажным журналом"* ]]
}
