#!/usr/bin/env bats
# ej-rebuild: the database back from the history, at HEAD or any revision.

load helpers

setup() {
	setup_trash
	init_demo
	export EJ_STORE=$S
	(cd "$EXAMPLES/roster" && ej-roster import pupils pupils.csv &&
	    ej-roster import pupils pupils-5-9-excel.csv &&
	    ej-roster import pupils pupils-10-11-bom.csv &&
	    ej-roster import parents parents.csv) 2>/dev/null
	ej-grade set 5А Математика 02.09 "Баранов Владислав" 4 2>/dev/null
	ej-grade set --reason "пересдача" 5А Математика 02.09 "Баранов Владислав" 5 2>/dev/null
}
teardown() { teardown_trash; }

# Everything a person can see of the store, for before/after comparisons.
views() {
	for k in pupils parents staff load moves; do ej-roster export $k; done
	ej-grade export
}

@test "rebuild at HEAD: the same store, the old database kept aside" {
	views > "$TRASH/before"
	run ej-rebuild
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ej-rebuild: rebuilt $S/ej.db from commit "*"; the old database is $S/ej.db.bak-"* ]]
	[ -f "${lines[0]##*; the old database is }" ]
	views > "$TRASH/after"
	cmp "$TRASH/before" "$TRASH/after"
	ls "$S"/ej.db.bak-*
	[ -z "$(ls "$S" | grep rebuild)" ]
	[ "$(stat -c %a "$S/ej.db")" = 600 ]
	# and the store writes on: the database is at the history's HEAD
	run ej-grade set 5А Математика 04.09 "Баранов Владислав" 3
	[ "$status" -eq 0 ]
	[ "$(commits "$S")" -eq 8 ]
}

@test "a lost database comes back from the history" {
	views > "$TRASH/before"
	rm "$S/ej.db"
	run ej-rebuild
	[ "$status" -eq 0 ]
	views > "$TRASH/after"
	cmp "$TRASH/before" "$TRASH/after"
}

@test "--at an older revision into a file of its own shows the older mark" {
	run ej-rebuild --at main~1 --out "$TRASH/old.db"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ej-rebuild: rebuilt $TRASH/old.db from commit $(git -C "$S/history.git" rev-parse --short=7 main~1)" ]
	[ "$(sqlite3 "$TRASH/old.db" "select mark from marks")" = 4 ]
	[ "$(sqlite3 "$S/ej.db" "select mark from marks")" = 5 ]
}

@test "--at other than HEAD without --out: usage error, nothing made" {
	before=$(store_digest "$S")
	run ej-rebuild --at main~1
	[ "$status" -eq 2 ]
	[ "$output" = "ej-rebuild: --at a revision other than HEAD needs --out FILE" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "an unknown revision: 65, nothing made" {
	before=$(store_digest "$S")
	run ej-rebuild --at nosuch --out "$TRASH/x.db"
	[ "$status" -eq 65 ]
	[ "$output" = "ej-rebuild: --at: no such revision in the history: nosuch" ]
	[ ! -e "$TRASH/x.db" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "a revision whose mark names no pupil: 65, named, nothing made" {
	g="$S/history.git"
	path=$(git -C "$g" -c core.quotepath=off ls-tree -r --name-only main | grep '/marks.csv$' | head -1)
	git -C "$g" show "main:$path" |
	    awk -F, -v OFS=, 'NR == 2 { $4 = 99999 } { print }' > "$TRASH/marks.csv"
	blob=$(git -C "$g" hash-object -w "$TRASH/marks.csv")
	export GIT_INDEX_FILE=$TRASH/index
	git -C "$g" read-tree main
	git -C "$g" update-index --cacheinfo "100644,$blob,$path"
	tree=$(git -C "$g" write-tree)
	unset GIT_INDEX_FILE
	bad=$(echo bad | GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x \
	    GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
	    git -C "$g" commit-tree "$tree" -p main)
	before=$(store_digest "$S")
	run ej-rebuild --at "$bad" --out "$TRASH/x.db"
	[ "$status" -eq 65 ]
	[[ "$output" == *"a row of marks refers to a row of pupils that is not there"* ]]
	[ ! -e "$TRASH/x.db" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "--out an existing file: 73, untouched" {
	echo keep > "$TRASH/x.db"
	run ej-rebuild --out "$TRASH/x.db"
	[ "$status" -eq 73 ]
	[ "$(cat "$TRASH/x.db")" = keep ]
}

@test "-n: checks the round trip, writes nothing" {
	before=$(store_digest "$S")
	run ej-rebuild -n
	[ "$status" -eq 0 ]
	[[ "$output" == *"dry run: nothing was written"* ]]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "a teacher may not rebuild: 77, nothing made" {
	before=$(store_digest "$S")
	EJ_AS=frolov.ad run ej-rebuild
	[ "$status" -eq 77 ]
	[ "$(store_digest "$S")" = "$before" ]
}
