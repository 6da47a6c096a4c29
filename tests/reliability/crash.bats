#!/usr/bin/env bats
# Crashes: an import of a few hundred marks dies at each step of the
# commit protocol, and 200 times more at a random moment (SIGKILL). After
# each, opening the store for a write recovers, the database and the
# history agree, the import is wholly there or wholly absent, and the
# next write works.

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl MARKS=$BATS_FILE_TMPDIR/marks.csv
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	make_school "$TPL"
	gen_marks "$TPL" > "$MARKS"
	export NMARKS=$(($(wc -l < "$MARKS") - 1))
	export BASE=$(commits "$TPL")
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

# The store $1 after a crash: the database and the history agree, and
# the import is all there ($NMARKS marks and one more commit) or not at
# all. Prints "0" or "1" for which.
whole_or_absent() {
	local db head n
	agree "$1" >&2 || { echo "storecheck: disagree" >&2; return 1; }
	db=$(db_marks "$1")
	head=$(head_marks "$1")
	n=$(commits "$1")
	if [ "$db" = 0 ] && [ "$head" = 0 ] && [ "$n" = "$BASE" ]; then
		echo 0
	elif [ "$db" = "$NMARKS" ] && [ "$head" = "$NMARKS" ] &&
	    [ "$n" = $((BASE + 1)) ]; then
		echo 1
	else
		echo "half there: $db marks in the database, $head at HEAD," \
		    "$n commits (from $BASE)" >&2
		return 1
	fi
}

@test "the checks notice a store that is half there or disagrees" {
	[ "$NMARKS" -ge 300 ]
	run whole_or_absent "$S"
	[ "$status" -eq 0 ] && [ "$output" = 0 ]
	ej-grade import "$MARKS" 2>/dev/null
	run whole_or_absent "$S"
	[ "$status" -eq 0 ] && [ "$output" = 1 ]
	# A change to the database behind the history's back.
	sqlite3 "$S/ej.db" "UPDATE marks SET mark = '2' WHERE mark = '5'"
	run agree "$S"
	[ "$status" -eq 1 ]
	[[ "$output" == *"differs: journal/2020-2021/5А/"*"/marks.csv"* ]]
	run whole_or_absent "$S"
	[ "$status" -ne 0 ]
	# Half the import: some of its marks gone from both.
	rm -rf "$S" && cp -a "$TPL" "$S"
	ej-grade import "$MARKS" 2>/dev/null
	ej-grade rm --reason "проверка" 5А Математика 01.09.2020 \
	    "$(sed -n 2p "$MARKS" | cut -d, -f5)" 2>/dev/null
	run whole_or_absent "$S"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"half there: $((NMARKS - 1)) marks"* ]]
}

@test "a fault at each step of the commit protocol: all or nothing, then the next write works" {
	local step want outcome
	for step in 0 1 2 3 4 5 6 7 8 9; do
		rm -rf "$S" && cp -a "$TPL" "$S"
		run "$(rel_bin)/crashimport" "$step" "$MARKS"
		echo "step $step: exit $status"
		# The protocol's steps are 1..8: the hook fires there and the
		# process dies; at any other step the import completes.
		if [ "$step" -ge 1 ] && [ "$step" -le 8 ]; then
			[ "$status" -eq 99 ]
		else
			[ "$status" -eq 0 ]
		fi
		# Died before the database commit (6): nothing; after: all.
		want=0
		[ "$step" -ge 7 ] || [ "$step" -eq 0 ] || [ "$step" -eq 9 ] && want=1
		outcome=$(whole_or_absent "$S" 2>"$TRASH/check.err") ||
		    { cat "$TRASH/check.err"; return 1; }
		cat "$TRASH/check.err"
		[ "$outcome" = "$want" ]
		# Between the database's commit and the ref's move: the
		# next writer moves the ref.
		if [ "$step" -eq 7 ]; then
			grep -q 'recovered: ' "$TRASH/check.err"
		else
			run ! grep -q 'recovered: ' "$TRASH/check.err"
		fi
		fsck_clean "$S"
		run ej-grade import "$MARKS"
		[ "$status" -eq 0 ]
		[ "$(whole_or_absent "$S")" = 1 ]
	done
}

@test "a writer killed while moving the ref: the next one clears its lock and finishes" {
	run "$(rel_bin)/crashimport" 7 "$MARKS"
	[ "$status" -eq 99 ]
	# What SIGKILL in the middle of git's ref update leaves.
	git -C "$S/history.git" rev-parse main > "$S/history.git/refs/heads/main.lock"
	run agree "$S"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"recovered: "* ]]
	[ ! -e "$S/history.git/refs/heads/main.lock" ]
	[ "$(whole_or_absent "$S")" = 1 ]
	run ej-grade set 5А Математика 01.09.2020 "Баранов Владислав" 5
	[ "$status" -eq 0 ]
	[ "$(commits "$S")" -eq $((BASE + 2)) ]
}

# The import's time decides the window the kills fall into: from before
# the store is opened to after the ref has moved.
@test "200 imports killed at a random moment: all or nothing, every time" {
	local i t0 t1 ms pid seed outcome n0=0 n1=0 runs=${EJ_CRASH_RUNS:-200}
	t0=$(date +%s%N)
	ej-grade import "$MARKS" 2>/dev/null
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000 + 5))
	seed=${EJ_CRASH_SEED:-$$}
	RANDOM=$seed
	echo "# import: $ms ms; seed $seed (EJ_CRASH_SEED)" >&3
	for i in $(seq "$runs"); do
		rm -rf "$S" && cp -a "$TPL" "$S"
		delay=$((RANDOM % ms))
		ej-grade import "$MARKS" 2>/dev/null &
		pid=$!
		sleep "$(printf '0.%03d' "$delay")"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if ! outcome=$(whole_or_absent "$S"); then
			echo "run $i (seed $seed): killed after $delay ms"
			return 1
		fi
		[ "$outcome" = 1 ] && n1=$((n1 + 1)) || n0=$((n0 + 1))
		# The next writer: the import again lands whole.
		if [ $((i % 10)) = 0 ]; then
			ej-grade import "$MARKS" 2>/dev/null
			[ "$(whole_or_absent "$S")" = 1 ]
		fi
	done
	echo "# $runs kills: $n0 left nothing, $n1 the whole import" >&3
	# The kills fell on both sides of the commit.
	[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ]
}
