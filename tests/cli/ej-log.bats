#!/usr/bin/env bats
# ej-log against a real store and its history: who changed a mark and from
# what, the filters, who may see what, CSV and JSON, revert (a correction,
# an import of lessons with marks), its refusal when a later commit touched
# the same records, and bad input leaving the store byte for byte.

load helpers
bats_require_minimum_version 1.5.0

# The demo school with grades 5–9; then, one commit each: Фролов sets a
# 4 in 5А's mathematics, Иванова a 3 in 5А's Russian, Нечаева corrects
# the 4 to a 5 with a reason.
setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples
	ej-init --store "$TPL" "$ex/school.yaml" 2>/dev/null
	export EJ_STORE=$TPL
	ej-roster import pupils "$ex/roster/pupils-5-9-excel.csv" 2>/dev/null
	EJ_AS=frolov.ad ej-grade set 5А Математика 15.09 "Баранов Владислав" 4 2>/dev/null
	EJ_AS=ivanova.mp ej-grade set 5А "Русский язык" 16.09 "Богданов Павел" 3 2>/dev/null
	EJ_AS=nechaeva.oo ej-grade set --reason "ошибка при вводе" 5А Математика 15.09 "Баранов Владислав" 5 2>/dev/null
	unset EJ_STORE
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

git_s() { git -C "$S/history.git" "$@"; }

# A bad input: the status, nothing on stdout, the store as it was.
refused() { refused_read "$1" ej-log "${@:2}"; }

@test "who changed a mark, from what, and why; both authors" {
	run --separate-stderr ej-log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "commit $(git_s rev-parse --short=7 main)  $(git_s log -1 --format=%ad --date=format:'%Y-%m-%d %H:%M' main)  Нечаева Ольга Олеговна (nechaeva.oo)" ]
	[ "${lines[1]}" = "    5А Математика: +0 marks, ~1" ]
	[ "${lines[2]}" = "    Reason: ошибка при вводе" ]
	[ "${lines[3]}" = "  ~ Баранов Владислав, Математика 15.09: 4 → 5, reason: ошибка при вводе" ]
	[[ "$output" == *"Фролов"*"(frolov.ad)"*"  + Баранов Владислав, Математика 15.09: added 4"* ]]
	[[ "$output" == *"  + Богданов Павел, Русский язык 16.09: added 3"* ]]
	[[ "$output" == *"  + Математика 15.09 #1: added"* ]]
	# Newest first: as many commits as the history has.
	[ "$(grep -c '^commit ' <<<"$output")" -eq "$(commits "$S")" ]
}

@test "filters: pupil, class, subject, author, dates, a range" {
	run ej-log --pupil "Богданов Павел"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^  [-+~] ' <<<"$output")" -eq 3 ]   # roster, membership, mark
	[[ "$output" != *"Баранов"* ]]
	run ej-log --class 5А --subject Математика
	[ "$(grep -c '^commit ' <<<"$output")" -eq 2 ]
	[[ "$output" != *"Русский"* ]]
	run ej-log --subject "Русский язык"
	[ "$(grep -c '^commit ' <<<"$output")" -eq 1 ]
	run ej-log --class 6А
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ej-log --author frolov.ad
	[ "$(grep -c '^commit ' <<<"$output")" -eq 1 ]
	[[ "${lines[0]}" == *"(frolov.ad)" ]]
	today=$(date +%F)
	run ej-log --since "$today" --until "$today"
	[ "$(grep -c '^commit ' <<<"$output")" -eq "$(commits "$S")" ]
	run ej-log --since "$(date -d tomorrow +%F)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ej-log --until 01.01.2020
	[ -z "$output" ]
	run ej-log main~2..main
	[ "$(grep -c '^commit ' <<<"$output")" -eq 2 ]
	run ej-log main~3
	[ "$(grep -c '^commit ' <<<"$output")" -eq $(($(commits "$S") - 3)) ]
}

@test "CSV and JSON: one row per record" {
	run --separate-stderr ej-log --class 5А --subject Математика --format csv
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "commit,time,author,author_name,summary,reason,op,kind,record,detail" ]
	[[ "${lines[1]}" == "$(git_s rev-parse main),"*",nechaeva.oo,Нечаева Ольга Олеговна,\"5А Математика: +0 marks, ~1\",ошибка при вводе,changed,marks,marks 5А Математика 2020-09-15 Баранов Владислав,\"Баранов Владислав, Математика 15.09: 4 → 5, reason: ошибка при вводе\"" ]]
	[ "${#lines[@]}" -eq 4 ]      # the correction, the lesson, the mark
	run --separate-stderr ej-log --pupil "Баранов Владислав" --subject Математика --format json
	[ "$status" -eq 0 ]
	[[ "$output" == "["* ]]
	[[ "$output" == *'"detail": "Баранов Владислав, Математика 15.09: 4 → 5, reason: ошибка при вводе"'* ]]
	[[ "$output" == *'"reason": null'* ]]
	[ "$(grep -c '"op":' <<<"$output")" -eq 2 ]
}

@test "who sees what: a teacher their load, a class teacher their class, a secretary nothing" {
	EJ_AS=frolov.ad run ej-log
	[ "$status" -eq 0 ]
	[[ "$output" == *"Математика 15.09: 4 → 5"* ]]
	[[ "$output" != *"Русский"* ]]
	[[ "$output" != *"roster"* ]]
	EJ_AS=ivanova.mp run ej-log
	[[ "$output" == *"Математика 15.09: 4 → 5"* ]]
	[[ "$output" == *"Русский язык 16.09: added 3"* ]]
	EJ_AS=gurtovaia.ev refused 77
	EJ_AS=usenko.vv run ej-log
	[[ "$output" == *"roster"* ]]
}

@test "revert a correction: the old mark back, one commit, the reverter and the reason" {
	n=$(commits "$S")
	fix=$(git_s rev-parse main)
	run ej-log revert --reason "исправление по заявлению" "${fix:0:7}"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-log: revert ${fix:0:7}: 5А Математика: +0 marks, ~1 (commit "* ]]
	[ "$(commits "$S")" -eq $((n + 1)) ]
	run git_s show main:journal/2020-2021/5А/Математика/marks.csv
	[[ "${lines[1]}" == "2020-09-15,1,0,"*",Баранов Владислав,1,4,"*",frolov.ad,"* ]]
	[ "$(git_s rev-parse main^{tree})" = "$(git_s rev-parse main~2^{tree})" ]
	run git_s log -1 --format=%B main
	[[ "$output" == *"Reason: исправление по заявлению"* ]]
	[ "$(git_s log -1 --format=%ae main)" = "$(id -un)@$(sqlite3 "$S/ej.db" "SELECT value FROM school WHERE key = 'id'")" ]
	run ej-log
	[ "${lines[3]}" = "  ~ Баранов Владислав, Математика 15.09: 5 → 4" ]
}

@test "revert refused when a later commit changed the same record" {
	set4=$(git_s rev-parse main~2)
	before=$(store_digest "$S")
	run --separate-stderr ej-log revert --reason "ошибка" "$set4"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"ej-log: marks 5А Математика 2020-09-15 Баранов Владислав: changed again by a later commit"* ]]
	[[ "$stderr" != *"lesson 5А"* ]]      # the lesson itself: untouched since
	[[ "$stderr" == *"nothing was written" ]]
	[ "$(store_digest "$S")" = "$before" ]
	# Иванова's mark was touched by nobody since: it reverts.
	run ej-log revert --reason "не тот ученик" main~1
	[ "$status" -eq 0 ]
	run git_s show main:journal/2020-2021/5А/Русский\ язык/marks.csv
	[ "$status" -ne 0 ]
}

@test "revert an import of lessons with marks: the journal as it was before" {
	pre=$(git_s rev-parse main)
	ej-grade import "$EXAMPLES/journal/marks-long.csv" 2>/dev/null
	imp=$(git_s rev-parse main)
	[ "$imp" != "$pre" ]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks")" -gt 10 ]
	run ej-log revert -n --reason "импорт не того файла" "$imp"
	[ "$status" -eq 0 ]
	[ "$(git_s rev-parse main)" = "$imp" ]
	run ej-log revert --reason "импорт не того файла" "$imp"
	[ "$status" -eq 0 ]
	[ "$(git_s rev-parse main^{tree})" = "$(git_s rev-parse "$pre^{tree}")" ]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks")" -eq 2 ]
	run ej-log -- main
	[[ "${lines[1]}" == "    revert ${imp:0:7}: "* ]]
	[ "$(grep -c '^  - ' <<<"$output")" -gt 10 ]
	# and the revert itself reverts: the import is back
	run ej-log revert --reason "всё-таки нужен" main
	[ "$status" -eq 0 ]
	[ "$(git_s rev-parse main^{tree})" = "$(git_s rev-parse "$imp^{tree}")" ]
}

@test "bad input: exit 65 or 2, nothing on stdout, the store unchanged" {
	refused 65 nosuchrev
	refused 65 main~99..main
	refused 65 --pupil "Нетакого Ученика"
	refused 65 --class 12Я
	refused 65 --subject Астрология
	refused 65 --author nobody.xx
	refused 2 --format html
	refused 2 --since 31.02.2020
	refused 2 main main~1
	refused 65 revert --reason x nosuchrev
	refused 65 revert --reason x "$(git_s rev-list --max-parents=0 main)"
	refused 2 revert main
	refused 2 revert --class 5А --reason x main
	EJ_AS=frolov.ad refused 77 revert --reason x main
}

@test "revert a sheet imported into the wrong journal: its lessons, marks and absences go" {
	pre=$(git_s rev-parse main)
	ej-grade import --wide --class 5А --subject История "$EXAMPLES/journal/5A-math.csv" 2>/dev/null
	run git_s ls-tree --name-only main journal/2020-2021/5А/История/
	[[ "$output" == *attendance.csv* && "$output" == *marks.csv* && "$output" == *lessons.csv* ]]
	run ej-log --subject История
	[ "$(grep -c '^commit ' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^  + ' <<<"$output")" -gt 50 ]
	run ej-log revert --reason "не тот предмет" main
	[ "$status" -eq 0 ]
	[ "$(git_s rev-parse main^{tree})" = "$(git_s rev-parse "$pre^{tree}")" ]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM lessons l JOIN subjects j ON j.id = l.subject_id WHERE j.name = 'История'")" -eq 0 ]
	# the right journal takes it now
	run ej-grade import --wide --class 5А --subject Математика "$EXAMPLES/journal/5A-math.csv"
	[ "$status" -eq 0 ]
}

@test "revert a pupil's rename: the pupil changed in place, their marks' lines back" {
	ej-roster export pupils --class 5А | head -2 |
	    sed 's/,Баранов,Владислав,/,Баранов,Владислав Петрович,/' > "$TRASH/ren.csv"
	ej-roster import pupils "$TRASH/ren.csv" 2>/dev/null
	run ej-log main~1..main
	# the mark's line, without its old reason; the membership; the pupil
	[ "${lines[2]}" = "  ~ Баранов Владислав Петрович, Математика 15.09: pupil: Баранов Владислав → Баранов Владислав Петрович" ]
	[ "${lines[3]}" = "  ~ Баранов Владислав Петрович, 2020-09-01: pupil: Баранов Владислав → Баранов Владислав Петрович" ]
	[ "${lines[4]}" = "  ~ Баранов Владислав Петрович: name: Владислав → Владислав Петрович" ]
	run ej-log revert --reason "ошибка в имени" main
	[ "$status" -eq 0 ]
	[ "$(git_s rev-parse main^{tree})" = "$(git_s rev-parse main~2^{tree})" ]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks WHERE pupil_id = 1")" -eq 1 ]
}
