#!/usr/bin/env bats
# Writers in parallel: 8 processes × 50 changes (ej-grade set and
# ej-attend set) on overlapping classes and files (four writers share 5А's
# lessons, creating them as they go, and correct their own marks) and on
# disjoint ones. All 400 land, as a linear history of exactly 400 new
# commits; git fsck --strict is clean; no update is lost: every cell holds
# the last value written to it, in the database and at HEAD.

load helpers

setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	make_school "$TPL"
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

DAYS=(2020-09-01 2020-09-02 2020-09-03 2020-09-04 2020-09-07 2020-09-08
    2020-09-09 2020-09-10 2020-09-11 2020-09-14)

# Pupil ids of class $1, in id order.
pupils_of() {
	sqlite3 "$S/ej.db" "SELECT m.pupil_id FROM membership m JOIN classes c
	    ON c.id = m.class_id WHERE c.name = '$1' ORDER BY m.pupil_id"
}

# Writer $1's 50 changes, run one after another; each line of
# $TRASH/want.$1 the cell it wrote and the value: "kind|class|subject|
# date|pupil|value". A cell written again (a correction) keeps the last.
writer() {
	local w=$1 i cls subj day p v code ids
	local codes=(н у б оп)
	case $w in
	0|1|2|3) cls=5А ;;
	4|5) cls=5Б ;;
	6) cls=6А ;;
	7) cls=7А ;;
	esac
	ids=($(pupils_of "$cls"))
	for i in $(seq 0 49); do
		case $w in
		0|1|2|3)
			# The same lessons for all four: cells of their own
			# pupils; the last ten correct the first ten.
			local j=$((i % 40))
			subj=$([ $((j % 2)) = 0 ] && echo Математика || echo 'Русский язык')
			day=${DAYS[$((j % 10 / 2))]}
			p=${ids[$((w * 5 + j / 10))]}
			if [ "$i" -lt 40 ]; then
				v=$((2 + (w + i) % 4))
				ej-grade set 5А "$subj" "$day" "$p" "$v" || return 1
			else
				v=$((2 + (w + j + 1) % 4))
				ej-grade set --reason "исправление $w.$i" 5А "$subj" \
				    "$day" "$p" "$v" || return 1
			fi
			echo "mark|5А|$subj|$day|$p|$v"
			;;
		4|5)
			# Attendance in 5Б: one subject each.
			subj=$([ "$w" = 4 ] && echo Математика || echo 'Русский язык')
			day=${DAYS[$((i % 10))]}
			p=${ids[$(((w - 4) * 5 + i / 10))]}
			code=${codes[$((i % 4))]}
			ej-attend set --subject "$subj" 5Б "$day" "$p" "$code" || return 1
			echo "absent|5Б|$subj|$day|$p|$code"
			;;
		6|7)
			subj=Математика
			day=${DAYS[$((i % 10))]}
			p=${ids[$((i / 10))]}
			v=$((2 + i % 4))
			ej-grade set "$cls" "$subj" "$day" "$p" "$v" || return 1
			echo "mark|$cls|$subj|$day|$p|$v"
			;;
		esac
	done
}

# Every cell of the journal in the database, as writer() lists them.
db_cells() {
	sqlite3 "$S/ej.db" "
	SELECT 'mark', c.name, s.name, l.date, m.pupil_id, m.mark
	  FROM marks m JOIN lessons l ON l.id = m.lesson_id
	  JOIN classes c ON c.id = l.class_id JOIN subjects s ON s.id = l.subject_id
	UNION ALL
	SELECT 'absent', c.name, s.name, l.date, a.pupil_id, a.code
	  FROM attendance a JOIN lessons l ON l.id = a.lesson_id
	  JOIN classes c ON c.id = l.class_id JOIN subjects s ON s.id = l.subject_id"
}

# The last value of each cell in the writers' lists.
want_cells() {
	cat "$TRASH"/want.* | awk -F'|' '{ k = $1 "|" $2 "|" $3 "|" $4 "|" $5
	    v[k] = $6 } END { for (k in v) print k "|" v[k] }'
}

@test "8 writers × 50 changes in parallel: 400 commits, linear, fsck clean, no lost update" {
	local base w t0 fails=0 pids=()
	base=$(git -C "$S/history.git" rev-parse main)
	t0=$(date +%s%N)
	for w in 0 1 2 3 4 5 6 7; do
		writer "$w" > "$TRASH/want.$w" 2> "$TRASH/err.$w" &
		pids+=($!)
	done
	for w in 0 1 2 3 4 5 6 7; do
		wait "${pids[$w]}" || { fails=$((fails + 1)); echo "writer $w failed"; }
	done
	echo "# 400 writes in $((($(date +%s%N) - t0) / 1000000)) ms" >&3
	# Every command said what it committed; nothing else.
	grep -hv -e ' (commit [0-9a-f]*)$' -e 'in the timetable$' "$TRASH"/err.* || true
	[ "$fails" -eq 0 ]
	[ "$(cat "$TRASH"/want.* | wc -l)" -eq 400 ]
	[ "$(grep -h -c ' (commit [0-9a-f]*)$' "$TRASH"/err.* |
	    awk '{ n += $1 } END { print n }')" -eq 400 ]
	# Exactly 400 new commits, one line of them.
	[ "$(git -C "$S/history.git" rev-list --count "$base..main")" -eq 400 ]
	[ "$(git -C "$S/history.git" rev-list --count --first-parent "$base..main")" -eq 400 ]
	[ -z "$(git -C "$S/history.git" rev-list --merges main)" ]
	fsck_clean "$S"
	# The database and HEAD agree, and hold the last write of each cell.
	agree "$S"
	diff <(want_cells | sort) <(db_cells | sort)
	[ "$(db_cells | grep -c '^mark')" -eq 260 ]
	[ "$(db_cells | grep -c '^absent')" -eq 100 ]
	[ "$(head_marks "$S")" -eq 260 ]
	# Each correction is a commit of its own, with its reason.
	[ "$(git -C "$S/history.git" log --format=%B "$base..main" |
	    grep -c '^Reason: исправление ')" -eq 40 ]
}

@test "the checks notice a lost update" {
	local w
	for w in 6 7; do
		writer "$w" > "$TRASH/want.$w" 2>/dev/null
	done
	diff <(want_cells | sort) <(db_cells | sort)
	# One write lost: the database no longer has what was written last.
	sqlite3 "$S/ej.db" "DELETE FROM marks WHERE (lesson_id, pupil_id)
	    IN (SELECT lesson_id, pupil_id FROM marks LIMIT 1)"
	run diff <(want_cells | sort) <(db_cells | sort)
	[ "$status" -eq 1 ]
	run agree "$S"
	[ "$status" -eq 1 ]
}
