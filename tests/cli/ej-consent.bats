#!/usr/bin/env bats
# ej-consent against a real store: applications and consents recorded,
# refused, revoked and imported, what is missing, the printed forms, the
# history they leave, every class of bad input leaving the store byte for
# byte, and who may.

load helpers

# The demo school with its whole roster and parents, made once for the file.
setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples/roster f
	ej-init --store "$TPL" "$ex/../school.yaml" 2>/dev/null
	for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
		EJ_STORE=$TPL ej-roster import pupils "$ex/$f" 2>/dev/null
	done
	EJ_STORE=$TPL ej-roster import parents "$ex/parents.csv" 2>/dev/null
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

# A bad input: exit 65, "nothing was written" last, the store as it was.
refused() { refused_write 65 ej-consent "$@"; }

consents() {
	git -C "$S/history.git" show main:people/consents.csv
}

@test "record: one document, one commit by the actor, the same again changes nothing" {
	run ej-consent record --pupil "Баранов Владислав" --kind ediary \
	    --date 03.09 --form-no 12 "Баранова Мария"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-consent: consent: ediary given by Баранова Мария for Баранов Владислав (commit "* ]]
	run consents
	[ "${lines[0]}" = "id,pupil_id,pupil,parent_id,parent,kind,status,date,form_no,reason,entered_by,entered_at" ]
	[[ "${lines[1]}" == "1,"*",Баранов Владислав,"*",Баранова Мария,ediary,given,2020-09-03,12,\"\",$(id -un),"* ]]
	[ "$(git -C "$S/history.git" log -1 --format=%ae)" = "$(id -un)@skuvk1" ]
	n=$(commits "$S")
	run ej-consent record --pupil "Баранов Владислав" --kind ediary \
	    --date 2020-09-03 --form-no 12 "баранова мария александровна"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-consent: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
}

@test "import: Excel's file with Russian headers; again changes nothing; list shows each document" {
	run ej-consent import "$DATA/consent/applications.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-consent: consents: +7 given, 1 refused, 0 revoked (commit "* ]]
	n=$(commits "$S")
	run ej-consent import "$DATA/consent/applications.csv"
	[ "$output" = "ej-consent: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	run ej-consent list --class 5А
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "class,pupil_id,pupil,parent_id,parent,kind,status,date,form_no" ]
	[[ "${lines[1]}" == "5А,"*",Баранов Владислав Фёдорович,"*",Баранов Фёдор Александрович,ediary,missing,," ]]
	[[ "$output" == *",Баранова Мария Александровна,personal-data,given,2020-09-03,12"* ]]
	[[ "$output" == *",Егорова Надежда Ивановна,personal-data,refused,2020-09-04,"* ]]
	# Акимов Кирилл (9А, 15) applied himself: a row without a parent.
	run ej-consent list --class 9А
	[[ "$output" == *"9А,"*",Акимов Кирилл "*",,,ediary,given,2020-09-05,15"* ]]
}

@test "list --missing: who has not returned which document" {
	ej-consent import "$DATA/consent/applications.csv" 2>/dev/null
	run ej-consent list --class 5А --missing
	[ "$status" -eq 0 ]
	[[ "$output" != *",given,"* ]]
	[[ "$output" != *",refused,"* ]]
	[[ "$output" == *",Баранов Фёдор Александрович,ediary,missing,,"* ]]
	[[ "$output" != *"Баранова Мария"* ]]
	# 5А: 30 pairs of a pupil and a parent, 60 documents, 6 returned.
	[ "${#lines[@]}" -eq $((1 + 60 - 6)) ]
}

@test "refuse and revoke: the state replaced, the history keeps the earlier one" {
	ej-consent import "$DATA/consent/applications.csv" 2>/dev/null
	run ej-consent revoke --pupil "Велиев Исмаил Мустафаевич" \
	    --kind personal-data --date 01.10 --reason "заявление об отзыве" \
	    "Велиева Эльмира Исмаиловна"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-consent: consent: personal-data revoked by Велиева Эльмира for Велиев Исмаил (commit "* ]]
	run consents
	[[ "$output" == *",Велиева Эльмира,personal-data,revoked,2020-10-01,14,заявление об отзыве,"* ]]
	run git -C "$S/history.git" log -1 --format=%B
	[[ "$output" == *"заявление об отзыве"* ]]
	run git -C "$S/history.git" log -p -1 -- people/consents.csv
	[[ "$output" == *"-"*",Велиева Эльмира,personal-data,given,2020-09-04,14,"* ]]
	run ej-consent refuse --pupil "Велиев Исмаил" --kind ediary --date 02.10 \
	    "Велиев Мустафа"
	echo "$output"
	[ "$status" -eq 0 ]
	run consents
	[[ "$output" == *",Велиев Мустафа,ediary,refused,2020-10-02,"* ]]
}

@test "a pupil of 14 applies for themself; a pupil under 14 may not" {
	run ej-consent record --pupil "Юдина Маргарита" --kind ediary --date 05.09
	[ "$status" -eq 0 ]
	[[ "$output" == *"ediary given by Юдина Маргарита themself"* ]]
	run consents
	[[ "${lines[1]}" == *",Юдина Маргарита,,,ediary,given,2020-09-05,"* ]]
	refused record --pupil "Баранов Владислав" --kind ediary --date 03.09
	[[ "$output" == *"Баранов Владислав is under 14: a parent applies for them"* ]]
}

@test "bad input: every class refused with a message, the store unchanged" {
	ej-consent record --pupil "Баранов Владислав" --kind ediary --date 03.09 \
	    "Баранова Мария" 2>/dev/null
	refused record --pupil "Нет Такого" --kind ediary --date 03.09 "Баранова Мария"
	[[ "$output" == *'no pupil "Нет Такого" on the roster'* ]]
	refused record --pupil "Баранов Владислав" --kind ediary --date 03.09 "Нет Такого"
	[[ "$output" == *'no parent "Нет Такого" on the roster'* ]]
	refused record --pupil "Баранов Владислав" --kind ediary --date 03.09 "Богданов Павел"
	[[ "$output" == *'"Богданов Павел" is a pupil, not a parent'* ]]
	refused record --pupil "Баранов Владислав" --kind ediary --date 03.09 "Егорова Надежда"
	[[ "$output" == *"Егорова Надежда is not a parent of Баранов Владислав"* ]]
	refused record --pupil "Баранов Владислав" --kind ediary --date 03.09.2099 "Баранов Фёдор"
	[[ "$output" == *"2099-09-03 is in the future"* ]]
	refused record --pupil "Баранов Владислав" --kind photo --date 03.09 "Баранов Фёдор"
	[[ "$output" == *'"photo" is not a kind of document'* ]]
	refused revoke --pupil "Баранов Владислав" --kind ediary --date 03.10 \
	    --reason "отзыв" "Баранов Фёдор"
	[[ "$output" == *"no ediary of Баранов Фёдор for Баранов Владислав on record to revoke"* ]]
	refused revoke --pupil "Баранов Владислав" --kind personal-data --date 03.10 \
	    --reason "отзыв" "Баранова Мария"
	[[ "$output" == *"no personal-data of Баранова Мария"* ]]
}

@test "import of a bad file: every bad row named by file and line, nothing written" {
	refused import "$DATA/consent/bad.csv"
	[[ "$output" == *"bad.csv:3: no parent \"Нет Такого\" on the roster"* ]]
	[[ "$output" == *"bad.csv:4: \"Богданов Павел\" is a pupil, not a parent"* ]]
	[[ "$output" == *"bad.csv:5: Егорова Надежда is not a parent of Баранов Владислав"* ]]
	[[ "$output" == *"bad.csv:6: Баранов Владислав is under 14"* ]]
	[[ "$output" == *"bad.csv:7: \"photo\" is not a kind"* ]]
	[[ "$output" == *"bad.csv:8: 2030-09-03 is in the future"* ]]
	[[ "$output" == *"bad.csv:9: \"31.02.2020\" is not a date"* ]]
	[[ "$output" != *"bad.csv:2:"* ]]
}

@test "forms: one prefilled application a parent, text and HTML" {
	run ej-consent forms --class 5А
	[ "$status" -eq 0 ]
	[[ "$output" == *"Директору МБОУ «Старокрымский УВК №1 „Школа-гимназия“»"* ]]
	[[ "$output" == *"от Баранова Мария Александровна"* ]]
	[[ "$output" == *"Баранов Владислав Фёдорович, обучающегося 5А класса."* ]]
	[ "$(ej-consent forms --class 5А | grep -c "ЗАЯВЛЕНИЕ")" -eq 30 ]
	[ "$(ej-consent forms --class 5А | tr -cd "\f" | wc -c)" -eq 30 ]
	run ej-consent forms --class 5А --format html
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "<!DOCTYPE html>" ]]
	[ "$(ej-consent forms --class 5А --format html | grep -c '<section class="form">')" -eq 30 ]
	[[ "$output" == *"page-break-after: always"* ]]
	[[ "$output" == *"МБОУ «Старокрымский УВК №1 „Школа-гимназия“»"* ]]
}

@test "who may: the class teacher for their class, an admin for all, others 77" {
	before=$(store_digest "$S")
	EJ_AS=frolov.ad run ej-consent record --pupil "Баранов Владислав" \
	    --kind ediary --date 03.09 "Баранова Мария"
	[ "$status" -eq 77 ]
	[[ "$output" == *"frolov.ad may not handle the documents and logins of class 5А"* ]]
	EJ_AS=pushkar.es run ej-consent list --class 5А
	[ "$status" -eq 77 ]
	[ -z "$(EJ_AS=pushkar.es ej-consent list --class 5А 2>/dev/null)" ]
	EJ_AS=padina.iv run ej-consent import "$DATA/consent/applications.csv"
	[ "$status" -eq 77 ]
	[ "$(store_digest "$S")" = "$before" ]
	EJ_AS=ivanova.mp run ej-consent record --pupil "Баранов Владислав" \
	    --kind ediary --date 03.09 "Баранова Мария"
	[ "$status" -eq 0 ]
	[ "$(git -C "$S/history.git" log -1 --format=%ae)" = "ivanova.mp@skuvk1" ]
	EJ_AS=mazurenko.li run ej-consent list --class 5А --missing
	[ "$status" -eq 0 ]
}

@test "usage: a missing option, an unknown command" {
	run ej-consent record --pupil "Баранов Владислав" --date 03.09
	[ "$status" -eq 2 ]
	run ej-consent revoke --pupil "Баранов Владислав" --kind ediary --date 03.09
	[ "$status" -eq 2 ]
	run ej-consent forms
	[ "$status" -eq 2 ]
	run ej-consent sign
	[ "$status" -eq 2 ]
}
