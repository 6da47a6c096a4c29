#!/usr/bin/env bats
# ej-rebuild never loses what was committed: a database ahead of (or
# diverged from) main is not replaced without --force; password hashes of
# accounts that are the same in the history survive; the old database's
# new name is a file that exists; a store without ej.db points at
# ej-rebuild.

bats_require_minimum_version 1.5.0

load helpers

# The demo school with its roster, 5А's applications, and 5А's logins
# issued (2 pupils, 2 parents); the slips in $BATS_FILE_TMPDIR/slips.csv.
setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl SLIPS=$BATS_FILE_TMPDIR/slips.csv
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples/roster f
	ej-init --store "$TPL" "$ex/../school.yaml" 2>/dev/null
	export EJ_STORE=$TPL
	for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
		ej-roster import pupils "$ex/$f" 2>/dev/null
	done
	ej-roster import parents "$ex/parents.csv" 2>/dev/null
	ej-consent import "$BATS_TEST_DIRNAME/../data/consent/applications.csv" 2>/dev/null
	ej-issue-login issue --class 5А --slips "$SLIPS" 2>/dev/null || true
	[ "$(wc -l <"$SLIPS")" -eq 5 ]
	unset EJ_STORE
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
	G=$S/history.git
}
teardown() { teardown_trash; }

hashes() { sqlite3 "$S/ej.db" "SELECT count(*) FROM account_secrets"; }

# The password on the slips of login $1.
password() { awk -F, -v l="$1" '$1 == l { print $2 }' "$SLIPS"; }

# Two marks, then main moved back over them: $M1, $M2 the lost commits.
main_moved_back() {
	ej-grade set 5А Математика 02.09 "Баранов Владислав" 4 2>/dev/null
	M1=$(git -C "$G" rev-parse main)
	ej-grade set 5А Математика 03.09 "Баранов Владислав" 5 2>/dev/null
	M2=$(git -C "$G" rev-parse main)
	git -C "$G" update-ref refs/heads/main main~2
}

@test "main moved back: the next write refuses; rebuild refuses too (1), naming both commits and the cure" {
	main_moved_back
	run -70 ej-grade set 5А Математика 04.09 "Баранов Владислав" 3
	before=$(store_digest "$S")
	run -1 ej-rebuild
	echo "$output"
	[[ "$output" == *"ej-rebuild: the database is ahead of the history: a rebuild from main ($(git -C "$G" rev-parse --short=7 main)) would lose 2 commits:"* ]]
	[[ "$output" == *"  ${M2:0:7}  "*"-"*" ("*")  5А Математика: +1 marks; lessons +1"* ]]
	[[ "$output" == *"  ${M1:0:7}  "* ]]
	[[ "$output" == *"git -C $G update-ref refs/heads/main $M2"* ]]
	[[ "$output" == *"--force"* ]]
	[ "${lines[-1]}" = "ej-rebuild: nothing was written" ]
	[ "$(store_digest "$S")" = "$before" ]
	# The dry run refuses alike.
	run -1 ej-rebuild -n
	[ "$(store_digest "$S")" = "$before" ]
	# The cure it names works: the store writes on, both marks kept.
	git -C "$G" update-ref refs/heads/main "$M2"
	run -0 ej-grade set 5А Математика 04.09 "Баранов Владислав" 3
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks")" -eq 3 ]
}

@test "--force rebuilds from main: the commits ahead are gone, the rest kept, the store writes on" {
	main_moved_back
	main=$(git -C "$G" rev-parse main)
	run -0 ej-rebuild --force
	echo "$output"
	[[ "$output" == *"  ${M2:0:7}  "* ]]
	[[ "$output" == *"rebuilt $S/ej.db from commit ${main:0:7}"* ]]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks")" -eq 0 ]
	[ "$(sqlite3 "$S/ej.db" "SELECT value FROM meta WHERE key = 'head'")" = "$main" ]
	[ "$(hashes)" -eq 4 ]
	run -0 ej-grade set 5А Математика 04.09 "Баранов Владислав" 3
}

@test "a diverged database: refused (1), its own commit named; main's left alone" {
	main_moved_back
	# main goes on elsewhere: a commit of its own on the older main.
	other=$(echo other | GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x \
	    GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
	    git -C "$G" commit-tree "main^{tree}" -p main)
	git -C "$G" update-ref refs/heads/main "$other"
	before=$(store_digest "$S")
	run -1 ej-rebuild
	echo "$output"
	[[ "$output" == *"ej-rebuild: the database and the history have diverged: a rebuild from main (${other:0:7}) would lose 2 commits:"* ]]
	[[ "$output" == *"  ${M1:0:7}  "* ]] && [[ "$output" == *"  ${M2:0:7}  "* ]]
	[[ "$output" != *"  ${other:0:7}  "* ]]
	[[ "$output" == *"git -C $G update-ref refs/heads/main $M2"* ]]
	[ "$(store_digest "$S")" = "$before" ]
	[ "$(git -C "$G" rev-parse main)" = "$other" ]
}

@test "a database behind main, or at it: rebuilt without a word of refusal" {
	cp "$S/ej.db" "$TRASH/old.db"
	ej-grade set 5А Математика 02.09 "Баранов Владислав" 4 2>/dev/null
	cp "$TRASH/old.db" "$S/ej.db"
	run -0 ej-rebuild
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM marks")" -eq 1 ]
	[ "$(hashes)" -eq 4 ]
}

@test "a tampered record: rebuild puts it back and keeps every password hash" {
	[ "$(hashes)" -eq 4 ]
	# Even the name of a pupil with an account: the account is the same.
	sqlite3 "$S/ej.db" "UPDATE pupils SET surname = 'Подделкин' WHERE surname = 'Баранов' AND name = 'Владислав'"
	run -0 ej-rebuild
	echo "$output"
	[[ "$output" == *"ej-rebuild: kept 4 of 4 password hashes (their accounts are the same in the history)"* ]]
	[[ "$output" != *"reset --lost"* ]]
	[ "$(hashes)" -eq 4 ]
	[ "$(sqlite3 "$S/ej.db" "SELECT count(*) FROM pupils WHERE surname = 'Подделкин'")" -eq 0 ]
	for l in baranov.vladislav baranova.mariia; do
		run -0 ej-issue-login verify "$l" <<<"$(password "$l")"
	done
	run -1 ej-issue-login verify baranova.mariia <<<"wrong"
}

@test "an account whose record changed loses only its hash, and is named" {
	ej-issue-login reset baranova.mariia >"$TRASH/new.csv" 2>/dev/null
	new=$(awk -F, '$1 == "baranova.mariia" { print $2 }' "$TRASH/new.csv")
	[ -n "$new" ]
	# main back over the reset: the history knows the account as issued
	# first, the database as reset since (its hash is for $new).
	git -C "$G" update-ref refs/heads/main main~1
	run -0 ej-rebuild --force
	echo "$output"
	[[ "$output" == *"ej-rebuild: kept 3 of 4 password hashes (their accounts are the same in the history)"* ]]
	[[ "$output" == *"ej-rebuild: 1 could not be kept: the account changed or is gone in the history:"* ]]
	[[ "$output" == *"ej-rebuild: 1 active accounts have no password: ej-issue-login reset --lost issues new ones to"* ]]
	[ "${lines[-1]}" = "  baranova.mariia" ]
	[ "$(hashes)" -eq 3 ]
	run -1 ej-issue-login verify baranova.mariia <<<"$new"
	run -1 ej-issue-login verify baranova.mariia <<<"$(password baranova.mariia)"
	run -0 ej-issue-login verify velieva.elmira <<<"$(password velieva.elmira)"
}

@test "an unreadable old database: rebuilt, no hash kept, said so" {
	head -c 8192 /dev/urandom >"$S/ej.db"
	run -0 ej-rebuild
	echo "$output"
	[[ "$output" == *"ej-rebuild: the old database could not be read ("*"): no password hashes were kept"* ]]
	[[ "$output" == *"ej-rebuild: 4 active accounts have no password: ej-issue-login reset --lost issues new ones to"* ]]
	[ "$(hashes)" -eq 0 ]
}

@test "the old database's new name is a file that exists; none is claimed when there was none" {
	run -0 ej-rebuild
	bak=$(printf '%s\n' "${lines[0]}" | sed -n 's/.*; the old database is //p')
	[ -n "$bak" ] && [ -f "$bak" ]
	# Twice in the same second: the first one kept aside is not overwritten.
	run -0 ej-rebuild
	bak2=$(printf '%s\n' "${lines[0]}" | sed -n 's/.*; the old database is //p')
	[ -f "$bak" ] && [ -f "$bak2" ] && [ "$bak" != "$bak2" ]
	rm "$S/ej.db"
	run -0 ej-rebuild
	[ "${lines[0]}" = "ej-rebuild: rebuilt $S/ej.db from commit $(git -C "$G" rev-parse --short=7 main)" ]
	[[ "$output" == *"no old database: no password hashes to keep"* ]]
}

@test "no ej.db but a history: ej-audit and ej-init -n point at ej-rebuild" {
	rm "$S/ej.db"
	before=$(store_digest "$S")
	run -66 ej-audit
	[ "$output" = "ej-audit: $S: the database is missing; rebuild it with ej-rebuild" ]
	run -73 ej-init -n --store "$S" "$EXAMPLES/school.yaml"
	[ "$output" = "ej-init: $S: holds a history but no database; rebuild it with ej-rebuild" ]
	run -73 ej-init --store "$S" "$EXAMPLES/school.yaml"
	[ "$output" = "ej-init: $S: holds a history but no database; rebuild it with ej-rebuild" ]
	[ "$(store_digest "$S")" = "$before" ]
	# Without a history it is still "no store here".
	run -66 ej-audit --store "$TRASH"
	[[ "$output" == *"create one with ej-init"* ]]
}
