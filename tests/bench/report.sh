#!/bin/sh
# The report benchmark (make bench): the demo school's classes filled to
# 2,000 pupils, each with a first-period mark in every subject of their
# class's load (imported through ej-roster and ej-grade, as a school
# would), then `ej-report summary` and `ej-report quality` for the whole
# school against one raw SQL query that counts the same marks.
# Targets: each report under 1 s, and at most 3 × the raw query.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ej-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
export EJ_STORE="$dir/store" LC_ALL=C.UTF-8
unset EJ_AS
PUPILS=${PUPILS:-2000}

ej-init "$top/examples/school.yaml" 2>/dev/null
db=$EJ_STORE/ej.db
sqlite3 "$db" "SELECT name FROM classes ORDER BY id" >"$dir/classes"
awk -v n="$PUPILS" 'NR == FNR { c[k++] = $0; next } END {
	print "surname,name,patronymic,birth_date,sex,class,ext_id"
	for (i = 0; i < n; i++)
		printf "Ученик%d,Имя%d,Отчество,01.01.2010,м,%s,B-%05d\n",
		    i, i, c[i % k], i
}' "$dir/classes" /dev/null >"$dir/pupils.csv"
ej-roster import pupils "$dir/pupils.csv" 2>/dev/null
# A mark a pupil × subject of the load, spread over 5, 4, 3, 2 and н/а.
sqlite3 -csv "$db" "
	SELECT c.name, s.name, 1, p.id,
	    CASE (p.id + s.id) % 7 WHEN 0 THEN '2' WHEN 1 THEN 'н/а'
	    WHEN 2 THEN '5' WHEN 3 THEN '5' WHEN 4 THEN '3' ELSE '4' END
	FROM pupils p JOIN membership m ON m.pupil_id = p.id
	JOIN classes c ON c.id = m.class_id
	JOIN (SELECT DISTINCT class_id, subject_id FROM load) l
	    ON l.class_id = c.id JOIN subjects s ON s.id = l.subject_id
	WHERE s.passfail = 0" |
	{ echo class,subject,period,pupil,mark; cat; } >"$dir/terms.csv"
ej-grade term import "$dir/terms.csv" 2>/dev/null
printf '%s pupils, %s period marks\n' \
    "$(sqlite3 "$db" 'SELECT count(*) FROM pupils')" \
    "$(sqlite3 "$db" "SELECT count(*) FROM term_marks")"

# Best of 5 wall-clock runs, in milliseconds.
best() {
	b=
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		t=$(( (t1 - t0) / 1000000 ))
		[ -z "$b" ] || [ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}
raw=$(best sqlite3 "$db" "SELECT m.class_id, tm.mark, count(*) FROM
	term_marks tm JOIN membership m ON m.pupil_id = tm.pupil_id
	WHERE tm.period = '1' GROUP BY 1, 2")
fail=0
for k in summary quality; do
	for f in text json; do
		t=$(best ej-report "$k" --period 1 --format "$f")
		printf 'ej-report %-7s --format %-4s %5d ms  (raw SQL %d ms, %s×)\n' \
		    "$k" "$f" "$t" "$raw" \
		    "$(awk -v a="$t" -v b="$raw" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
		[ "$t" -lt 1000 ] || fail=1
	done
done
exit $fail
