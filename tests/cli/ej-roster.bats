#!/usr/bin/env bats
# ej-roster against a real store: imports, exports, the history they
# leave, and every class of bad input leaving the store byte for byte.

load helpers

setup() {
	setup_trash
	init_demo
	export EJ_STORE=$S
	cat > "$TRASH/pupils.csv" <<-'CSV'
	surname,name,patronymic,birth_date,sex,class,ext_id
	Петров,Пётр,Иванович,12.03.2009,м,5а,ЛД-1
	Иванова,Мария,Сергеевна,01.02.2009,ж,5А,ЛД-2
	Ёлкин,Семён,,2009-07-30,м,5Б,ЛД-3
	Абибуллаев,Эмир,Решатович,05.05.2005,м,9А,ЛД-4
	CSV
}
teardown() { teardown_trash; }

# A bad file: exit 65, each listed message, "nothing was written", and the
# store (database and history) byte for byte as it was.
refused() { refused_write 65 ej-roster import "$@"; }

@test "import pupils: one commit by the acting person, readable snapshot" {
	run ej-roster import pupils "$TRASH/pupils.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-roster: roster: +4 pupils (commit "*")" ]]
	[ "$(commits "$S")" -eq 2 ]
	run git -C "$S/history.git" log -1 --format='%ae|%s%n%b'
	[ "${lines[0]}" = "$(id -un)@skuvk1|roster: +4 pupils" ]
	[[ "${lines[1]}" == *"ej-roster import pupils $TRASH/pupils.csv" ]]
	run git -C "$S/history.git" show main:people/pupils.csv
	[ "${lines[0]}" = "id,ext_id,surname,name,patronymic,birth_date,sex,joined" ]
	[ "${lines[1]}" = "1,ЛД-1,Петров,Пётр,Иванович,2009-03-12,м," ]
	run git -C "$S/history.git" show main:people/membership.csv
	[ "${lines[1]}" = "1,Петров Пётр,2020-09-01,7,5А,\"\"" ]
	run git -C "$S/history.git" diff --stat HEAD~1 HEAD
	[[ "$output" == *"2 files changed"* ]]
}

@test "import the same file twice: no changes, no commit" {
	ej-roster import pupils "$TRASH/pupils.csv"
	run ej-roster import pupils "$TRASH/pupils.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-roster: no changes" ]
	[ "$(commits "$S")" -eq 2 ]
}

@test "UTF-8, UTF-8 with BOM and CP1251;CRLF give identical stores" {
	ej-roster import pupils "$TRASH/pupils.csv"
	t1=$(git -C "$S/history.git" rev-parse 'main^{tree}')
	for v in bom cp1251; do
		rm -rf "$S" && init_demo
		case $v in
		bom) { printf '\357\273\277'; sed 's/,/;/g' "$TRASH/pupils.csv"; } > "$TRASH/p.csv" ;;
		cp1251) sed 's/,/;/g; s/$/\r/' "$TRASH/pupils.csv" |
		    sed '1s/surname/Фамилия/; 1s/birth_date/Дата рождения/; 1s/class/Класс/' |
		    iconv -f utf-8 -t cp1251 > "$TRASH/p.csv" ;;
		esac
		run ej-roster import pupils "$TRASH/p.csv"
		[ "$status" -eq 0 ]
		[ "$(git -C "$S/history.git" rev-parse 'main^{tree}')" = "$t1" ]
	done
	[[ "$output" == *"read as CP1251"* ]]
}

@test "export then import changes nothing, for every kind" {
	ej-roster import pupils "$TRASH/pupils.csv"
	printf 'surname,name,phone,email,pupil,relation\nПетрова,Анна,+7 978 111-22-33,anna@example.org,Петров Пётр,мать\nПетрова,Анна,+7 978 111-22-33,,Иванова Мария Сергеевна,опекун\n' > "$TRASH/parents.csv"
	ej-roster import parents "$TRASH/parents.csv"
	printf 'pupil,date,to,reason\nПетров Пётр,18.01.2021,5Б,приказ № 3\n#ЛД-4,01.03.2021,left,переезд\n' | ej-roster import moves
	n=$(commits "$S")
	for k in pupils parents staff load moves; do
		ej-roster export $k > "$TRASH/$k.out"
		run ej-roster import $k "$TRASH/$k.out"
		[ "$status" -eq 0 ]
		[ "$output" = "ej-roster: no changes" ]
	done
	[ "$(commits "$S")" -eq "$n" ]
	# the export is the Excel flavour on request, and still a no-op
	ej-roster export --bom -d ';' --crlf pupils > "$TRASH/x.csv"
	[ "$(head -c 3 "$TRASH/x.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	run ej-roster import pupils "$TRASH/x.csv"
	[ "$output" = "ej-roster: no changes" ]
}

@test "parents: one row per child, a parent with two children is one parent" {
	ej-roster import pupils "$TRASH/pupils.csv"
	printf 'Фамилия;Имя;Телефон;Ученик;Кем приходится\nПетрова;Анна;+7 978 111-22-33;Петров Пётр;мать\nПетрова;Анна;+7 978 111-22-33;Иванова Мария;мать\n' > "$TRASH/parents.csv"
	run ej-roster import parents "$TRASH/parents.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-roster: roster: +1 parents, links +2 (commit "* ]]
	run git -C "$S/history.git" show main:people/guardians.csv
	[ "${lines[1]}" = "1,Петрова Анна,1,Петров Пётр,мать" ]
	[ "${lines[2]}" = "1,Петрова Анна,2,Иванова Мария,мать" ]
}

@test "moves: a transfer and a departure, dated; list follows the class" {
	ej-roster import pupils "$TRASH/pupils.csv"
	printf 'pupil,date,to,reason\nПетров Пётр,18.01.2021,5Б,приказ № 3\n' > "$TRASH/m.csv"
	run ej-roster import moves "$TRASH/m.csv"
	[[ "$output" == "ej-roster: roster: moves +1, 5А→5Б: 1 (commit "* ]]
	run ej-roster list --class 5Б --date 2021-01-20
	[[ "$output" == *"Петров Пётр Иванович"* ]]
	run ej-roster list --class 5Б --date 2021-01-17
	[[ "$output" != *"Петров"* ]]
	run ej-roster list --class 5А --date 2021-01-17
	[[ "$output" == *"Петров"* ]]
}

@test "pupils: a class change in the file is a transfer on --date" {
	ej-roster import pupils "$TRASH/pupils.csv"
	sed 's/Петров,Пётр,Иванович,12.03.2009,м,5а/Петров,Пётр,Иванович,12.03.2009,м,5Б/' "$TRASH/pupils.csv" > "$TRASH/p2.csv"
	run ej-roster import --date 01.02.2021 pupils "$TRASH/p2.csv"
	[[ "$output" == "ej-roster: roster: +0 pupils, 5А→5Б: 1 (commit "* ]]
	run git -C "$S/history.git" show main:people/membership.csv
	[[ "$output" == *"1,Петров Пётр,2021-02-01,8,5Б,ej-roster import"* ]]
}

@test "dry run: the summary and the files, nothing written" {
	before=$(store_digest "$S")
	run ej-roster import -n pupils "$TRASH/pupils.csv"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-roster: roster: +4 pupils (dry run: nothing was written)" ]
	[ "${lines[1]}" = "  people/membership.csv" ]
	[ "${lines[2]}" = "  people/pupils.csv" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "list: every class, and one class aligned for Cyrillic" {
	ej-roster import pupils "$TRASH/pupils.csv"
	run ej-roster list
	[[ "$output" == *"5А"*"2"* ]]
	run ej-roster list --class 5а
	[ "${#lines[@]}" -eq 3 ]
	# the id column starts at the same display column on every line
	c0=$(printf '%s\n' "${lines[1]}" | awk '{ print index($0, "2009") }')
	[ "$c0" -gt 0 ]
	w1=$(printf '%s' "${lines[1]}" | sed 's/2009.*//' | wc -m)
	w2=$(printf '%s' "${lines[2]}" | sed 's/2009.*//' | wc -m)
	[ "$w1" -eq "$w2" ]
}

@test "staff and load: upsert by login, roles replaced, teacher role granted" {
	printf 'login,surname,name,roles\nsidorov.aa,Сидоров,Андрей,"teacher,secretary"\n' | ej-roster import staff
	run git -C "$S/history.git" show main:people/staff_roles.csv
	[[ "$output" == *"sidorov.aa,secretary"* ]]
	printf 'login,surname,name,roles\nsidorov.aa,Сидоров,Андрей,teacher\n' | ej-roster import staff
	run git -C "$S/history.git" show main:people/staff_roles.csv
	[[ "$output" != *"sidorov.aa,secretary"* ]]
	run sh -c 'printf "teacher,class,subject,hours\nСидоров Андрей,5А,информатика,1\n" | ej-roster import load'
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-roster: roster: +1 load (commit "* ]]
	run git -C "$S/history.git" show main:school/load.csv
	[[ "$output" == *",5А,"*",Информатика,0,"*",sidorov.aa,1"* ]]
}

@test "permissions: a teacher may not import (77, nothing written); a secretary may" {
	before=$(store_digest "$S")
	EJ_AS=pushkar.es run ej-roster import pupils "$TRASH/pupils.csv"
	[ "$status" -eq 77 ]
	[ "$output" = "ej-roster: pushkar.es may not import the roster" ]
	[ "$(store_digest "$S")" = "$before" ]
	sec=$(git -C "$S/history.git" show main:people/staff_roles.csv | awk -F, '$2 == "secretary" { print $1; exit }')
	EJ_AS=$sec run ej-roster import pupils "$TRASH/pupils.csv"
	[ "$status" -eq 0 ]
	run git -C "$S/history.git" log -1 --format=%ae
	[ "$output" = "$sec@skuvk1" ]
	# and anyone on the staff may read
	EJ_AS=pushkar.es run ej-roster export pupils
	[ "$status" -eq 0 ]
}

@test "a stranger is not on the staff: 77" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user"
	id ejnobody >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin ejnobody
	chmod 755 "$TRASH"
	cp "$(command -v ej-roster)" "$TRASH/" && chmod 755 "$TRASH/ej-roster"
	run su ejnobody -s /bin/sh -c "EJ_STORE=$S $TRASH/ej-roster list"
	[ "$status" -ne 0 ]
}

# ------------------------------------------------------------- bad input

@test "bad: missing required column" {
	printf 'surname,name,birth_date\nПетров,Пётр,12.03.2009\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/b.csv:1: missing required column \"class\" (or \"класс\")" ]
}

@test "bad: unknown class, not a date, a date outside the year, every row listed" {
	printf 'surname,name,birth_date,class,joined\nПетров,Пётр,12.03.2009,5Я,\nИванов,Иван,31.02.2009,5А,\nСидоров,Олег,01.01.2009,5А,01.09.2021\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/b.csv:2: unknown class \"5Я\"" ]
	[ "${lines[1]}" = "ej-roster: $TRASH/b.csv:3: birth_date: \"31.02.2009\" is not a date" ]
	[ "${lines[2]}" = "ej-roster: $TRASH/b.csv:4: joined: 01.09.2021 is after the year's end" ]
}

@test "bad: the same person twice in one file" {
	printf 'surname,name,class\nПетров,Пётр,5А\nпетров ,  пётр,5Б\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/b.csv:3: петров пётр appears twice (first at line 2)" ]
}

@test "bad: an ambiguous pupil lists the candidates with ids and classes" {
	printf 'surname,name,birth_date,class\nПетров,Пётр,01.01.2009,5А\nПетров,Пётр,02.02.2009,5Б\n' | ej-roster import pupils
	printf 'surname,name,pupil\nПетрова,Анна,петров пётр\n' > "$TRASH/b.csv"
	refused parents "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/b.csv:2: \"петров пётр\" is ambiguous: 1 Петров Пётр (5А); 2 Петров Пётр (5Б); give the id" ]
}

@test "bad: an unknown pupil in moves, a move date outside the year" {
	ej-roster import pupils "$TRASH/pupils.csv"
	printf 'pupil,date,to\nНикто Никтович,18.01.2021,5Б\nПетров Пётр,18.06.2021,5Б\n' > "$TRASH/b.csv"
	refused moves "$TRASH/b.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/b.csv:2: unknown pupil \"Никто Никтович\"" ]
	[[ "${lines[1]}" == "ej-roster: $TRASH/b.csv:3: date: 18.06.2021 is outside the year"* ]]
}

@test "bad: invalid UTF-8 with --encoding utf-8" {
	printf 'surname,name,class\nПетров,Пётр,5А\nИванов,\xcf\xe5\xf2\xf0,5А\n' > "$TRASH/b.csv"
	refused --encoding utf-8 pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv:3: "*"UTF-8"* ]]
}

@test "bad: an embedded NUL" {
	printf 'surname,name,class\nПетров,П\000тр,5А\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv:2: "*"NUL"* ]]
}

@test "bad: a field over 1 MiB" {
	{ printf 'surname,name,class\nПетров,'; head -c 1100000 /dev/zero | tr '\0' a; printf ',5А\n'; } > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv:2: "*"longer than 1048576 bytes"* ]]
}

@test "bad: records with too few and too many fields" {
	printf 'surname,name,class\nПетров,Пётр\nИванов,Иван,5А,лишнее\nСидоров,Олег,5А\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv:2: "*"2"*"3"* ]]
	[[ "${lines[1]}" == "ej-roster: $TRASH/b.csv:3: "*"4"*"3"* ]]
}

@test "bad: an unterminated quote at the end of the file" {
	printf 'surname,name,class\nПетров,"Пётр,5А\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv:2: "*"quote"* ]]
}

@test "bad: an empty file, and a file of only a header" {
	: > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv"*"empty"* ]]
	printf 'surname,name,class\n' > "$TRASH/b.csv"
	refused pupils "$TRASH/b.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/b.csv"*"no records"* ]]
}

@test "bad: unknown columns warn once, and --strict refuses them" {
	printf 'surname,name,class,motto\nПетров,Пётр,5А,x\nИванов,Иван,5А,y\n' > "$TRASH/w.csv"
	run ej-roster import -n pupils "$TRASH/w.csv"
	[ "$status" -eq 0 ]
	[ "$(grep -c motto <<<"$output")" -eq 1 ]
	refused --strict pupils "$TRASH/w.csv"
	[[ "${lines[0]}" == *"motto"* ]]
}

@test "usage: unknown kind or subcommand" {
	run ej-roster import teachers x.csv
	[ "$status" -eq 2 ]
	run ej-roster frobnicate
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "usage: ej-roster import "* ]]
}

@test "5,000 pupils with their parents import in one commit each" {
	classes=$(git -C "$S/history.git" show main:school/classes.csv | awk -F, 'NR > 1 { print $3 }' | tr '\n' ' ')
	awk -v cl="$classes" 'BEGIN {
		n = split(cl, c, " ");
		print "surname,name,patronymic,birth_date,class,ext_id";
		for (i = 1; i <= 5000; i++)
			printf "Фамилия%d,Имя%d,Отчество,%02d.%02d.2010,%s,X%d\n", i, i % 97, i % 28 + 1, i % 12 + 1, c[i % n + 1], i;
	}' > "$TRASH/big.csv"
	awk 'BEGIN { print "surname,name,phone,pupil,relation";
		for (i = 1; i <= 5000; i++) printf "Родитель%d,Анна,+7 978 %07d,#X%d,мать\n", i, i, i; }' > "$TRASH/bigp.csv"
	run ej-roster import pupils "$TRASH/big.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-roster: roster: +5000 pupils (commit "* ]]
	run ej-roster import parents "$TRASH/bigp.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-roster: roster: +5000 parents, links +5000 (commit "* ]]
	[ "$(commits "$S")" -eq 3 ]
	[ "$(git -C "$S/history.git" show main:people/pupils.csv | wc -l)" -eq 5001 ]
}
