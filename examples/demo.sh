#!/bin/sh
# The demo school: what `make demo` runs, with the built commands first on
# PATH and EJ_STORE set to the demo store. Each step prints what it did.
set -e
here=$(cd "$(dirname "$0")" && pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ej-init: the school from examples/school.yaml"
ej-init "$here/school.yaml"

step "the history: one commit by the admin who ran it"
git -C "$EJ_STORE/history.git" log --format='%h %an <%ae> %ad%n    %s' --date=short

step "the snapshot it holds"
git -C "$EJ_STORE/history.git" ls-tree -r --name-only main

step "the pilot classes and their class teachers (school/classes.csv)"
git -C "$EJ_STORE/history.git" show main:school/classes.csv | head -8

step "the help schedule from the order (school/helpdesk.csv)"
git -C "$EJ_STORE/history.git" show main:school/helpdesk.csv

# The roster: invented pupils and parents of the demo school, as the
# office's spreadsheets hold them. Imports run in examples/roster so that
# the history records the files' plain names.
cd "$here/roster"

step "ej-roster: grades 1–4 (roster/pupils.csv: UTF-8, ',', LF)"
ej-roster import pupils pupils.csv

step "grades 5–9 as Russian Excel saves CSV (CP1251, ';', CRLF, Russian headers)"
ej-roster import pupils pupils-5-9-excel.csv

step "grades 10–11: UTF-8 with a BOM, ';', CRLF (\"10-А\", \"муж\"/\"жен\")"
ej-roster import pupils pupils-10-11-bom.csv

step "parents: a row per parent and child; \"#ЛД-…\" names a pupil by office id"
ej-roster import parents parents.csv

step "the same files again: nothing changes"
for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
	ej-roster import pupils "$f"
done
ej-roster import parents parents.csv

# After the moves a start-of-year pupils file would move them back: it
# says which class each pupil is in now.
step "moves during the year: 9Б→9А, 5А→5Б on 18.01.2021, two departures"
ej-roster import moves moves.csv
ej-roster import moves moves.csv

step "every class on the year's last day"
ej-roster list

step "5А: Щербакова Полина went to 5Б on 18.01.2021"
ej-roster list --class 5А

step "6А: two pupils of one name, told apart by birth date"
ej-roster list --class 6А | grep -e '^ *№' -e 'Смирнова Анастасия'

step "ej-roster export pupils: the header and one line per pupil"
ej-roster export pupils | head -3
printf '... %s lines\n' "$(ej-roster export pupils | wc -l)"

step "the history: one commit per import that changed something"
git -C "$EJ_STORE/history.git" log --format='%h %an %s'

step "what the parents' import wrote"
git -C "$EJ_STORE/history.git" show --stat --format='%h %an %s%n%b' HEAD~1

# The journal: a teacher's gradebook kept in a spreadsheet, and marks from
# another program, one record a mark (examples/journal).
cd "$here/journal"

step "ej-lesson: 5А's calendar-thematic plan for mathematics, topics and homework (ktp-5A-math.csv)"
ej-lesson import ktp-5A-math.csv
ej-lesson list --class 5А --subject Математика --to 09.09

step "ej-grade: 5А's mathematics, September–October, as Excel saves the sheet (CP1251, ';', CRLF, «№» and «Средний балл» columns)"
ej-grade import --wide --class 5А --subject Математика 5A-math.csv

step "the same sheet again: nothing changes"
ej-grade import --wide --class 5А --subject Математика 5A-math.csv

step "marks of several classes and subjects, one record a mark (marks-long.csv); two marks in a Russian dictation"
ej-grade import marks-long.csv

step "ej-grade export --wide: the sheet back, for the spreadsheet (first lessons)"
ej-grade export --wide --class 5А --subject Математика | cut -d, -f1-8

step "a correction needs a reason, kept in the record and the commit"
ej-grade set --reason "ошибка при переносе" 5А Математика 02.09 "Баранов Владислав" 5
git -C "$EJ_STORE/history.git" log -1 --format='%h %an %s%n%b'
ej-log --pupil "Баранов Владислав" --subject Математика | head -12

step "ej-attend: Журавлёва Ева ill on 21.09, every lesson of the day; the class's attendance"
ej-attend set --day 5А 21.09 "Журавлёва Ева" б
ej-attend export --class 5А | head -6

step "suggested first-quarter marks for 5А's mathematics"
ej-grade term suggest --class 5А --subject Математика --period 1

step "the teacher takes the suggestions as 5А's first-quarter mathematics marks"
ej-grade term suggest --class 5А --subject Математика --period 1 --format csv |
	cut -d, -f1-5,8 | sed '1s/suggested/mark/' > "$EJ_STORE/../q1.csv"
ej-grade term import "$EJ_STORE/../q1.csv"

step "ej-report: the term summary of 5А"
ej-report summary --class 5А --period 1
step "ej-audit: the database and the history agree, and no one else can read the store"
ej-audit --rules integrity,permissions

step "ej-audit: the journal by the school's rules (the demo's entries are all late: they were made today)"
ej-audit --class 5А --rules lesson.topic,marks.absent,marks.two_after_absence,marks.gap || true

step "a mark changed behind ej's back: the audit names it"
sqlite3 "$EJ_STORE/ej.db" "UPDATE marks SET mark = '5' WHERE (lesson_id, pupil_id, seq) = (SELECT m.lesson_id, m.pupil_id, m.seq FROM marks m JOIN lessons l ON l.id = m.lesson_id WHERE m.mark = '3' ORDER BY l.date, m.pupil_id LIMIT 1)" 2>/dev/null ||
	echo "(sqlite3 is not installed: skipped)"
ej-audit --rules integrity || true

step "ej-rebuild: the database back from the history; the audit is clean again"
ej-rebuild
ej-audit --rules integrity

step "ej-audit reconcile: 5А's paper journal (the sheet as imported) against the electronic one, corrected since"
ej-audit reconcile --class 5А --subject Математика 5A-math.csv || true
step "ej-consent, ej-issue-login: 5А's applications and consents (roster/applications.csv), then every login and a printable slip each"
ej-consent import ../roster/applications.csv && ej-issue-login issue --class 5А --format html --slips "$EJ_STORE/../5А-slips.html"

step "ej-portfolio: two documents from the office's manifest (portfolio/), and a pupil's printable portfolio page"
ej-portfolio import ../portfolio/manifest.csv
ej-portfolio show "Баранов Владислав"
ej-portfolio show "Баранов Владислав" --format html > "$EJ_STORE/../portfolio-baranov.html"
echo "(the page: $EJ_STORE/../portfolio-baranov.html)"

printf '\nThe demo store is %s; try: ej help\n' "$EJ_STORE"
printf 'The e-diary of the demo, on a loopback port with a parent'"'"'s login: make diary-demo\n'
