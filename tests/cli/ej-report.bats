#!/usr/bin/env bats
# ej-report against a real store: golden CSV and JSON of every kind on a
# fixed school, the statistics worked out by hand, every kind in every
# format, HTML through headless Chromium, --as-of before and after a
# correction, permissions, the diary by mail, and bad input.

load helpers
bats_require_minimum_version 1.5.0

# The demo school with its roster and 5А's mathematics (the examples),
# period marks of 5А for the first quarter (tests/data/report/terms.csv),
# Щербакова Полина gone to 5Б on 20.10 (before the quarter's end), and
# Юнусова Ламия's literature: 5 (контрольная, weight 2) and 3 → 4.33.
# Made once for the file; tests that write copy it.
setup_file() {
	export FX=$BATS_FILE_TMPDIR/fx
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples
	local data=$BATS_TEST_DIRNAME/../data/report
	export EJ_STORE=$FX
	{
		ej-init "$ex/school.yaml" &&
		ej-roster import pupils "$ex/roster/pupils.csv" &&
		ej-roster import pupils "$ex/roster/pupils-5-9-excel.csv" &&
		ej-roster import pupils "$ex/roster/pupils-10-11-bom.csv" &&
		ej-roster import parents "$ex/roster/parents.csv" &&
		(cd "$ex/journal" && ej-lesson import ktp-5A-math.csv &&
		    ej-grade import --wide --class 5А --subject Математика \
		    5A-math.csv && ej-grade import marks-long.csv) &&
		ej-grade term import "$data/terms.csv" &&
		ej-roster import moves "$data/moves.csv" &&
		ej-grade set -w контрольная 5А Литература 02.09 \
		    "Юнусова Ламия" 5 &&
		ej-grade set 5А Литература 04.09 "Юнусова Ламия" 3
	} 2>"$BATS_FILE_TMPDIR/fx.err" || {
		cat "$BATS_FILE_TMPDIR/fx.err" >&2
		return 1
	}
}

setup() {
	setup_trash
	export EJ_STORE=$FX
	GOLDEN=$DATA/report/golden
}
teardown() { teardown_trash; }

# The arguments of each kind's golden files.
args_of() {
	case $1 in
	journal) echo "--class 5А --subject Математика --period 1" ;;
	diary) echo "--pupil Юнусова_Ламия --period 1" ;;
	summary) echo "--class 5А --period 1" ;;
	attendance) echo "--class 5А --period 1" ;;
	quality) echo "--parallel 5 --period 1" ;;
	risk) echo "--class 5А --period 1" ;;
	teachers) echo "--class 5А --period 1" ;;
	helpdesk | plan) echo "" ;;
	esac
}

# ej-report KIND in FORMAT with the kind's golden arguments; the login of
# whoever runs the tests (the fixture's lessons are theirs) as USER.
report() {
	local kind=$1 fmt=$2 a
	# shellcheck disable=SC2046
	set -- $(args_of "$kind")
	for a in "$@"; do shift; set -- "$@" "${a//_/ }"; done
	ej-report "$kind" --format "$fmt" "$@" | sed "s/$(id -un)/USER/g"
}

golden() {
	local kind=$1 fmt=$2
	report "$kind" "$fmt" >"$TRASH/out"
	# UPDATE_GOLDEN=1 bats tests/cli/ej-report.bats writes them anew
	# (then read the diff before committing them).
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$GOLDEN" && cp "$TRASH/out" "$GOLDEN/$kind.$fmt"
	fi
	diff -u "$GOLDEN/$kind.$fmt" "$TRASH/out"
}

# Bad input: the exit status, a message, nothing on stdout. (Each test of
# refusals checks once that the store is as it was.)
refused() { refused_read "$1" ej-report "${@:2}"; }

@test "golden: journal, CSV and JSON" {
	golden journal csv
	golden journal json
}

@test "golden: diary, CSV and JSON" {
	golden diary csv
	golden diary json
}

@test "golden: summary, CSV and JSON" {
	golden summary csv
	golden summary json
}

@test "golden: attendance, CSV and JSON" {
	golden attendance csv
	golden attendance json
}

@test "golden: quality, CSV and JSON" {
	golden quality csv
	golden quality json
}

@test "golden: risk, CSV and JSON" {
	golden risk csv
	golden risk json
}

@test "golden: teachers, helpdesk and plan, CSV and JSON" {
	local k
	for k in teachers helpdesk plan; do
		golden $k csv
		golden $k json
	done
}

@test "quality by hand: N 17 (осв, no mark and the pupil who left out; н/а in), 88.24 / 64.71 / 61.82 / 3.94" {
	# 5×5, 6×4, 4×3, 1×2, 1×н/а: N = 17;
	# success 15/17, quality 11/17, СОУ (500+384+144+16+7)/17, mean 63/16.
	run ej-report quality --class 5А --subject Математика --period 1 \
	    --format csv
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "class,N,n5,n4,n3,n2,na,success,quality,sou,average" ]
	[ "${lines[1]}" = "5А,17,5,6,4,1,1,88.24,64.71,61.82,3.94" ]
	[ "${lines[2]}" = "total,17,5,6,4,1,1,88.24,64.71,61.82,3.94" ]
	# The same count straight from the database.
	sql=$(sqlite3 "$EJ_STORE/ej.db" "
	    SELECT count(*), sum(tm.mark = '5'), sum(tm.mark = 'н/а')
	    FROM term_marks tm JOIN subjects s ON s.id = tm.subject_id
	    WHERE s.name = 'Математика' AND tm.period = '1'
	    AND tm.mark IN ('5', '4', '3', '2', 'н/а')
	    AND (SELECT c.name FROM membership m JOIN classes c
	         ON c.id = m.class_id WHERE m.pupil_id = tm.pupil_id
	         AND m.start <= '2020-10-30' ORDER BY m.start DESC LIMIT 1)
	        = '5А'")
	[ "$sql" = "17|5|1" ]
}

@test "quality agrees with a direct SQL count for the whole parallel" {
	run ej-report quality --parallel 5 --period 1 --format csv
	[ "$status" -eq 0 ]
	total=$(printf '%s\n' "${lines[@]}" | grep '^total,' | cut -d, -f2-7)
	sql=$(sqlite3 "$EJ_STORE/ej.db" "
	    WITH cur AS (SELECT p.id pupil_id, (SELECT m.class_id FROM
	      membership m WHERE m.pupil_id = p.id AND m.start <= '2020-10-30'
	      ORDER BY m.start DESC LIMIT 1) class_id FROM pupils p)
	    SELECT count(*), sum(mark = '5'), sum(mark = '4'), sum(mark = '3'),
	      sum(mark = '2'), sum(mark = 'н/а')
	    FROM term_marks tm JOIN cur ON cur.pupil_id = tm.pupil_id
	    JOIN classes c ON c.id = cur.class_id
	    WHERE c.parallel = 5 AND tm.period = '1'
	      AND mark IN ('5', '4', '3', '2', 'н/а')" | tr '|' ,)
	[ "$total" = "$sql" ]
}

@test "diary: DOMAIN.md's example, 5 (контрольная) and 3 → weighted average 4.33; too few marks for a suggestion" {
	ej-report diary --pupil "Юнусова Ламия" --period 1 --format json \
	    >"$TRASH/d.json"
	run sqlite3 :memory: "SELECT value FROM json_each(json_extract(
	    readfile('$TRASH/d.json'), '\$.subjects'))
	    WHERE json_extract(value, '\$.subject') = 'Литература'"
	[ "$output" = '{"pupil":"Юнусова Ламия, 5А","subject":"Литература","marks":"5 3","average":4.33,"period":null}' ]
	run ej-report diary --pupil "Юнусова Ламия" --period 1 --format csv
	[[ "$output" == *'2020-09-02,Литература,,,5 (контрольная),'* ]]
	run ej-report risk --class 5А --period 1 --format csv
	[[ "$output" == *'5А,Юнусова Ламия,Литература,2,4.33,н/а,'* ]]
}

@test "summary: the pupil who left is not in it, осв is shown, averages per pupil and per class" {
	run ej-report summary --class 5А --period 1 --format csv
	[ "$status" -eq 0 ]
	[[ "$output" != *Щербакова* ]]
	[[ "$output" == *'5А,Трофимов Матвей,,,,осв,'* ]]
	[[ "$output" == *'5А,Баранов Владислав,4,,,5,,,,,,,,4.50'* ]]
	# Class: 19 marks 5..2 and н/а in two subjects.
	[[ "$output" == *'5А,all subjects,19,5,7,5,1,1,89.47,63.16,60.58,3.89'* ]]
	[[ "$output" == *'5А,Математика,17,5,6,4,1,1,88.24,64.71,61.82,3.94'* ]]
}

@test "every kind prints in every format" {
	# CSV and JSON of every kind are the golden files'.
	local k f
	for k in journal diary summary attendance quality risk teachers \
	    helpdesk plan; do
		for f in text tsv html; do
			report $k $f >"$TRASH/$k.$f" || {
				echo "$k $f failed"
				return 1
			}
			[ -s "$TRASH/$k.$f" ]
		done
		[ "$(head -1 "$TRASH/$k.tsv" | tr '\t' ,)" = "$(head -1 "$GOLDEN/$k.csv")" ]
		grep -q '^<!DOCTYPE html>' "$TRASH/$k.html"
		run ! grep -q -e '<script' -e '<link' -e 'src=' "$TRASH/$k.html"
	done
	for k in "$GOLDEN"/*.json; do
		[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$k'))")" = 1 ]
	done
}

@test "text fits 80 columns, Cyrillic counted by display width" {
	run ej-report journal --class 5А --subject Математика --period 1
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | wc -L)" -le 80 ]
	run ej-report summary --class 5А --period 1
	[ "$(printf '%s\n' "${lines[@]}" | wc -L)" -le 80 ]
	# Columns line up: the pupil column ends where its rule does.
	run ej-report quality --class 5А --subject Математика --period 1
	[[ "$output" == *"5А     17  5  6  4  1    1       88.24"* ]]
}

@test "html: A4 landscape for the journal and summary, SVG charts in quality and attendance" {
	ej-report summary --class 5А --period 1 --format html >"$TRASH/s.html"
	grep -q '@page { size: A4 landscape;' "$TRASH/s.html"
	grep -q '@media print' "$TRASH/s.html"
	ej-report journal --class 5А --subject Математика --period 1 \
	    --format html | grep -q 'A4 landscape'
	ej-report quality --parallel 5 --period 1 --format html >"$TRASH/q.html"
	grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$TRASH/q.html"
	ej-report attendance --class 5А --period 1 --format html |
	    grep -q '<svg xmlns="http://www.w3.org/2000/svg"'
}

@test "html renders in headless Chromium: a PDF, and a screenshot that is not blank" {
	command -v chromium >/dev/null ||
	    skip "chromium is not installed (Debian package chromium)"
	ej-report summary --class 5А --period 1 --format html >"$TRASH/s.html"
	local c="chromium --headless --no-sandbox --disable-gpu --user-data-dir=$TRASH/chr"
	$c --print-to-pdf="$TRASH/s.pdf" "file://$TRASH/s.html" 2>"$TRASH/pdf.err" ||
	    { cat "$TRASH/pdf.err"; return 1; }
	[ "$(head -c 5 "$TRASH/s.pdf")" = "%PDF-" ]
	$c --window-size=1024,768 --screenshot="$TRASH/s.png" \
	    "file://$TRASH/s.html" 2>/dev/null
	[ "$(head -c 4 "$TRASH/s.png" | tail -c 3)" = PNG ]
	# Chromium's screenshot of an empty page of this size is a PNG of
	# about 4 KB (a single colour compresses to nothing); the summary's
	# text and rules make it over 60 KB.
	s=$(stat -c %s "$TRASH/s.png")
	echo "screenshot: $s bytes"
	[ "$s" -gt 20000 ]
}

@test "--as-of: before the correction the old mark, after it the new" {
	cp -a "$FX" "$S"
	export EJ_STORE=$S
	cell() {
		ej-report journal --class 5А --subject Математика --period 1 \
		    --format csv "$@" | awk -F, '$2 == "Баранов Владислав" { print $3 }'
	}
	old=$(cell)
	ej-grade set --reason "ошибка при переносе" 5А Математика 02.09 \
	    "Баранов Владислав" 2 2>/dev/null
	[ "$(cell)" = 2 ]
	[ "$old" != 2 ]
	# The commit before the correction, in a temporary database that is
	# gone afterwards; and today's last commit.
	mkdir "$TRASH/tmp"
	[ "$(TMPDIR=$TRASH/tmp cell --as-of HEAD~1)" = "$old" ]
	[ -z "$(ls -A "$TRASH/tmp")" ]
	[ "$(cell --as-of "$(date +%Y-%m-%d)")" = 2 ]
}

@test "permissions: a teacher sees their load, a class teacher their class" {
	# frolov.ad teaches 5А mathematics; ivanova.mp is 5А's class teacher.
	before=$(store_digest "$EJ_STORE")
	run env EJ_AS=frolov.ad ej-report summary --class 5А --period 1 --format csv
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output")" = "class,pupil,Математика,average" ]
	run env EJ_AS=ivanova.mp ej-report summary --class 5А --period 1 --format csv
	[ "$status" -eq 0 ]
	[[ "$(head -1 <<<"$output")" == class,pupil,Русский\ язык,Литература,* ]]
	EJ_AS=frolov.ad refused 77 quality --class 5А --subject История --period 1
	EJ_AS=frolov.ad refused 77 teachers --teacher ivanova.mp
	EJ_AS=moroz.dv refused 77 journal --class 5А --subject Математика
	[ "$(store_digest "$EJ_STORE")" = "$before" ]
}

@test "diary --mail: one RFC 5322 message per parent with an e-mail, text and HTML" {
	# the mailing is recorded (ej-report informed): a store of its own
	cp -a "$FX" "$S"
	export EJ_STORE=$S
	run ej-report diary --class 5А --period 1 --mail "$TRASH/mail"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || [[ "$output" == *"messages written"* ]]
	n=$(sqlite3 "$EJ_STORE/ej.db" "SELECT count(*) FROM guardians g
	    JOIN parents pa ON pa.id = g.parent_id WHERE pa.email <> ''
	    AND g.pupil_id IN (SELECT pupil_id FROM membership m JOIN classes c
	    ON c.id = m.class_id WHERE c.name = '5А')")
	[ "$(ls "$TRASH/mail" | wc -l)" -eq "$n" ]
	[ "$n" -gt 0 ]
	f=$(ls "$TRASH/mail"/*.eml | head -1)
	grep -q '^MIME-Version: 1.0' "$f"
	grep -q '^Content-Type: multipart/alternative; boundary=' "$f"
	grep -q '^Content-Type: text/plain; charset=UTF-8' "$f"
	grep -q '^Content-Type: text/html; charset=UTF-8' "$f"
	grep -q '^Subject: =?UTF-8?B?' "$f"
	grep -q '^To: =?UTF-8?B?' "$f"
	sed $'/^\r$/q' "$f" | grep -q $'^ .*<[^<>@]*@[^<>@]*>\r$'
	# The text part decodes to the diary.
	awk '/^Content-Type: text\/plain/ { p = 1; next } p && /^--/ { exit }
	    p && NF' "$f" | tr -d '\r' | grep -v '^Content-' | base64 -d |
	    grep -q 'Diary: '
	[ "$(grep -c $'\r$' "$f")" -eq "$(wc -l <"$f")" ]
}

@test "helpdesk --now: who is on duty at this moment" {
	run ej-report helpdesk --now --format csv
	[ "$status" -eq 0 ]
	wd=$(date +%u) hm=$(date +%H:%M)
	want=$(sqlite3 "$EJ_STORE/ej.db" "SELECT count(*) FROM helpdesk
	    WHERE weekday = $wd AND start <= '$hm' AND '$hm' < end")
	[ "$(( ${#lines[@]} - 1 ))" -eq "$want" ]
}

@test "diary --week: the lessons of that week only" {
	run ej-report diary --class 5А --week 16.09.2020 --format tsv
	[ "$status" -eq 0 ]
	dates=$(printf '%s\n' "${lines[@]}" | awk -F'\t' 'NR > 1 && $2 ~ /^2020/ { print $2 }' | sort -u)
	[ "$(head -1 <<<"$dates")" \> 2020-09-13 ]
	[ "$(tail -1 <<<"$dates")" \< 2020-09-21 ]
}

@test "bad input: unknown class, subject, pupil, period, format, kind; a week outside the year; an unknown revision" {
	before=$(store_digest "$EJ_STORE")
	refused 65 summary --class 5Я --period 1
	refused 65 journal --class 5А --subject Астрология --period 1
	refused 65 diary --pupil "Никто Никтоевич" --period 1
	refused 65 summary --class 5А --period 9
	refused 65 summary --class 10А --period 3
	refused 2 summary --class 5А --format pdf
	refused 2 report --class 5А
	refused 65 diary --class 5А --week 2019-09-01
	refused 65 diary --class 5А --week 32.13.2020
	refused 65 summary --class 5А --as-of no-such-revision
	refused 65 summary --class 5А --as-of 2001-01-01
	refused 2 journal --class 5А
	refused 2 quality --by nothing --class 5А
	run --separate-stderr ej-report summary --class 5Я
	[ "$stderr" = 'ej-report: unknown class "5Я"' ]
	run --separate-stderr ej-report summary --format pdf
	[ "$stderr" = "ej-report: unknown format 'pdf' (one of: text, csv, tsv, json, html)" ]
	[ "$(store_digest "$EJ_STORE")" = "$before" ]
}
