#!/bin/sh
# The diary's fixture: the demo school's store with 5А's mathematics
# (topics, homework, marks, an absence, first-quarter marks), 5А's
# applications and consents, a second child in 5А for Баранова Мария, the
# logins issued (slips as CSV), their export, a mirror made by ej-sync
# clone and the diary's database loaded from the export.
# Usage: fixture.sh DIR   (the built commands first on PATH)
set -e
dir=$1
ex=$(cd "$(dirname "$0")/../../examples" && pwd)
mkdir -p "$dir"
export EJ_STORE="$dir/school"
unset EJ_AS
ej-init "$ex/school.yaml" 2>/dev/null
cd "$ex/roster"
for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
	ej-roster import pupils "$f" 2>/dev/null
done
ej-roster import parents parents.csv 2>/dev/null
# Баранова Мария is the mother of Баранов Владислав and of Журавлёва Ева.
printf '%s\n' 'surname,name,patronymic,relation,pupil' \
    'Баранова,Мария,Александровна,мать,Журавлёва Ева' |
    ej-roster import parents 2>/dev/null
cd "$ex/journal"
ej-lesson import ktp-5A-math.csv 2>/dev/null
ej-grade import --wide --class 5А --subject Математика 5A-math.csv 2>/dev/null
ej-attend set --day 5А 21.09 "Журавлёва Ева" б 2>/dev/null
ej-grade term set 5А Математика 1 "Журавлёва Ева" 4 2>/dev/null
ej-consent import "$ex/roster/applications.csv" 2>/dev/null
{
	echo 'parent,pupil,kind,date'
	echo 'Баранова Мария Александровна,Журавлёва Ева,ediary,01.09.2020'
	echo 'Баранова Мария Александровна,Журавлёва Ева,personal-data,01.09.2020'
} | ej-consent import 2>/dev/null
ej-issue-login issue --class 5А --slips "$dir/slips.csv" 2>/dev/null || [ $? -eq 1 ]
ej-issue-login export > "$dir/export.csv"
ej-sync clone "$EJ_STORE/history.git" "$dir/mirror" 2>/dev/null
EJ_DIARY_DB="$dir/diary.db" ej-diary load "$dir/export.csv" 2>/dev/null
