#!/usr/bin/env bats
# ej-report informed: the parents who have neither read the e-diary (the
# CSV of `ej-diary views`) nor been mailed a diary (`ej-report diary
# --mail`, recorded in the store) within accounts.inform_days.

load helpers
bats_require_minimum_version 1.5.0

# The demo school with its pupils and parents, made once for the file;
# every test works on a copy in $S.
setup_file() {
	export FX=$BATS_FILE_TMPDIR/fx
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples
	export EJ_STORE=$FX
	{
		ej-init "$ex/school.yaml" &&
		ej-roster import pupils "$ex/roster/pupils.csv" &&
		ej-roster import pupils "$ex/roster/pupils-5-9-excel.csv" &&
		ej-roster import pupils "$ex/roster/pupils-10-11-bom.csv" &&
		ej-roster import parents "$ex/roster/parents.csv"
	} 2>"$BATS_FILE_TMPDIR/fx.err" || {
		cat "$BATS_FILE_TMPDIR/fx.err" >&2
		return 1
	}
}

setup() {
	setup_trash
	cp -a "$FX" "$S"
	export EJ_STORE=$S
	VIEWS=$TRASH/views.csv
	HEAD='login,role,person_id,pupil_id,first,last,views'
}
teardown() { teardown_trash; }

q() { sqlite3 "$S/ej.db" "$1"; }

# 5А's guardians as "pupil|parent" lines, the way the report names them,
# but for the pairs given as "parent_id pupil_id" on standard input.
guardians_but() {
	local skip=
	while read -r pa pu; do
		skip="$skip AND NOT (g.parent_id = $pa AND g.pupil_id = $pu)"
	done
	q "SELECT p.surname || ' ' || p.name || '|' || trim(pa.surname || ' ' ||
	    pa.name || ' ' || pa.patronymic) FROM guardians g
	    JOIN parents pa ON pa.id = g.parent_id
	    JOIN pupils p ON p.id = g.pupil_id
	    WHERE g.pupil_id IN (SELECT m.pupil_id FROM membership m
	    JOIN classes c ON c.id = m.class_id WHERE c.name = '5А') $skip" |
	    sort
}

@test "informed: exactly the parents who neither read the e-diary lately nor were mailed a diary" {
	# A parent without e-mail read the diary today; another read it
	# 30 days ago, beyond the 14 days of the demo.
	read -r viewer vpupil <<<"$(q "SELECT g.parent_id, g.pupil_id FROM
	    guardians g JOIN parents pa ON pa.id = g.parent_id
	    JOIN membership m ON m.pupil_id = g.pupil_id
	    JOIN classes c ON c.id = m.class_id
	    WHERE c.name = '5А' AND pa.email = '' ORDER BY g.parent_id
	    LIMIT 1" | tr '|' ' ')"
	read -r stale spupil <<<"$(q "SELECT g.parent_id, g.pupil_id FROM
	    guardians g JOIN parents pa ON pa.id = g.parent_id
	    JOIN membership m ON m.pupil_id = g.pupil_id
	    JOIN classes c ON c.id = m.class_id
	    WHERE c.name = '5А' AND pa.email = '' ORDER BY g.parent_id DESC
	    LIMIT 1" | tr '|' ' ')"
	[ -n "$viewer" ] && [ -n "$stale" ] && [ "$viewer" != "$stale" ]
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	old=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
	printf '%s\n' "$HEAD" "mother,parent,$viewer,$vpupil,$old,$now,4" \
	    "late,parent,$stale,$spupil,$old,$old,1" >"$VIEWS"
	# The diary mailed for one pupil: to each of their parents with e-mail.
	mpupil=$(q "SELECT g.pupil_id FROM guardians g JOIN parents pa ON
	    pa.id = g.parent_id JOIN membership m ON m.pupil_id = g.pupil_id
	    JOIN classes c ON c.id = m.class_id WHERE c.name = '5А' AND
	    pa.email <> '' AND g.pupil_id NOT IN ($vpupil, $spupil)
	    ORDER BY g.pupil_id LIMIT 1")
	mailed=$(q "SELECT g.parent_id || ' ' || g.pupil_id FROM guardians g
	    JOIN parents pa ON pa.id = g.parent_id WHERE g.pupil_id = $mpupil
	    AND pa.email <> ''")
	[ -n "$mailed" ]
	n0=$(commits "$S")
	run ej-report diary --pupil "$mpupil" --mail "$TRASH/mail"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Diaries mailed: $(wc -l <<<"$mailed") messages (commit "* ]]
	# one commit, whose snapshot holds the mailing
	[ "$(commits "$S")" -eq $((n0 + 1)) ]
	git -C "$S/history.git" show main:people/diary_mailed.csv >"$TRASH/m.csv"
	[ "$(head -1 "$TRASH/m.csv")" = parent_id,pupil_id,parent,pupil,at,entered_by ]
	[ "$(tail -n +2 "$TRASH/m.csv" | cut -d, -f1,2 | tr , ' ' | sort)" = \
	    "$(sort <<<"$mailed")" ]
	run ej-audit
	[ "$status" -eq 0 ]

	before=$(store_digest "$S")
	run --separate-stderr ej-report informed --class 5А --views "$VIEWS" \
	    --format csv
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = class,pupil,role,name,viewed,mailed,informed ]
	got=$(printf '%s\n' "${lines[@]:1}" | awk -F, '{ print $2 "|" $4 }' |
	    sort)
	want=$(printf '%s\n%s\n' "$viewer $vpupil" "$mailed" | guardians_but)
	[ "$got" = "$want" ]
	# the one who read long ago is listed, with the day of that reading
	[[ "$output" == *",$old,,no"* ]]
	# --all: everyone, the informed with what informed them
	run ej-report informed --class 5А --views "$VIEWS" --all --format csv
	[ "$status" -eq 0 ]
	[ "$(( ${#lines[@]} - 1 ))" -eq "$(printf '' | guardians_but | wc -l)" ]
	[[ "$output" == *",$now,,yes"* ]]
	[ "$(grep -c ',yes$' <<<"$output")" -eq $(( $(wc -l <<<"$mailed") + 1 )) ]
	# the same in JSON and HTML; the report writes nothing
	run ej-report informed --class 5А --views "$VIEWS" --format json
	[ "$status" -eq 0 ]
	[ "$(jq '[.. | objects | select(has("informed"))] | length' <<<"$output")" \
	    -eq "$(wc -l <<<"$want")" ]
	run ej-report informed --class 5А --views "$VIEWS" --format html
	[ "$status" -eq 0 ]
	[[ "$output" == *"<table"* ]]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "informed: the window is school.yaml's accounts.inform_days" {
	pa=$(q "SELECT g.parent_id || ',' || g.pupil_id FROM guardians g
	    JOIN membership m ON m.pupil_id = g.pupil_id JOIN classes c ON
	    c.id = m.class_id WHERE c.name = '5А' LIMIT 1")
	t=$(date -u -d '20 days ago' +%Y-%m-%dT%H:%M:%SZ)
	printf '%s\n' "$HEAD" "x,parent,$pa,$t,$t,1" >"$VIEWS"
	run ej-report informed --class 5А --views "$VIEWS" --format csv
	[[ "$output" == *",$t,,no"* ]]
	q "UPDATE settings SET value = '30' WHERE key = 'accounts.inform_days'"
	run ej-report informed --class 5А --views "$VIEWS" --format csv
	[ "$status" -eq 0 ]
	[[ "$output" != *",$t,"* ]]
}

@test "informed: a bad views file — exit 65 at its file:line, the store unchanged" {
	rev=$(git -C "$S/history.git" rev-parse main)
	printf '%s\n' 'login,role,person_id,pupil_id,first,views' \
	    'x,parent,1,2,2020-09-01T00:00:00Z,1' >"$TRASH/head.csv"
	refused_read 65 ej-report informed --class 5А --views "$TRASH/head.csv"
	[[ "$stderr" == *"$TRASH/head.csv:1: missing required column \"last\""* ]]
	printf '%s\n' "$HEAD" 'x,parent,1,2,2020-09-01T00:00:00Z,2020-09-01T00:00:00Z,1' \
	    'y,parent,1,2,2020-09-01T00:00:00Z,2020-09-31T10:00:00Z,1' \
	    'z,parent,1,2,2020-09-01T00:00:00Z,01.09.2020,1' \
	    'w,boss,1,2,2020-09-01T00:00:00Z,2020-09-01T00:00:00Z,1' \
	    'v,pupil,0,2,2020-09-01T00:00:00Z,2020-09-01T00:00:00Z,1' >"$VIEWS"
	refused_read 65 ej-report informed --class 5А --views "$TRASH/head.csv" \
	    --views "$VIEWS"
	[[ "$stderr" == *"$VIEWS:3: last \"2020-09-31T10:00:00Z\": not a time"* ]]
	[[ "$stderr" == *"$VIEWS:4: last \"01.09.2020\": not a time"* ]]
	[[ "$stderr" == *"$VIEWS:5: role \"boss\""* ]]
	[[ "$stderr" == *"$VIEWS:6: person_id and pupil_id must be ids"* ]]
	[[ "$stderr" != *"$VIEWS:2:"* ]]
	refused_read 66 ej-report informed --class 5А --views "$TRASH/none.csv"
	refused_read 2 ej-report summary --class 5А --views "$VIEWS"
	[ "$(git -C "$S/history.git" rev-parse main)" = "$rev" ]
}

@test "informed: deputies and admins see every class, a class teacher their own, a teacher none" {
	ct=$(q "SELECT s.login FROM classes c JOIN staff s ON s.id =
	    c.teacher_id WHERE c.name = '5А'")
	other=$(q "SELECT c.name FROM classes c WHERE c.teacher_id IS NOT NULL
	    AND c.teacher_id <> (SELECT teacher_id FROM classes WHERE name =
	    '5А') LIMIT 1")
	plain=$(q "SELECT DISTINCT s.login FROM load l JOIN staff s ON s.id =
	    l.teacher_id JOIN classes c ON c.id = l.class_id WHERE c.name =
	    '5А' AND s.id NOT IN (SELECT teacher_id FROM classes WHERE
	    teacher_id IS NOT NULL) ORDER BY s.login LIMIT 1")
	deputy=$(q "SELECT s.login FROM staff s JOIN staff_roles r ON
	    r.staff_id = s.id WHERE r.role = 'deputy' LIMIT 1")
	[ -n "$ct" ] && [ -n "$other" ] && [ -n "$plain" ] && [ -n "$deputy" ]
	EJ_AS=$deputy run ej-report informed --class 5А --format csv
	[ "$status" -eq 0 ]
	EJ_AS=$ct run ej-report informed --class 5А --format csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 1 ]
	# without --class: their class only
	EJ_AS=$ct run ej-report informed --format csv
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f1 | grep -v '^5А$')" ]
	EJ_AS=$ct refused_read 77 ej-report informed --class "$other"
	EJ_AS=$plain refused_read 77 ej-report informed --class 5А
	[[ "$stderr" == *"no permission"* ]]
	EJ_AS=$plain refused_read 77 ej-report informed
}
