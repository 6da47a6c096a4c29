#!/usr/bin/env bats
# The audit sees the whole history and the store as others can reach it:
# a lost, damaged or truncated pack (integrity.history.*, and ej-log,
# ej-rebuild --at, ej-report --as-of telling damage from a bad revision),
# a writer killed between the database's commit and the ref's move (one
# finding), git's own files after git gc in a private store, a store open
# to others, and the members of a group store's group.

load helpers
bats_require_minimum_version 1.5.0

fast_tmp() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm
	else echo "${BATS_TMPDIR:-/tmp}"; fi
}

# The demo school with its pupils and three marks, each write its own
# commit and its own pack.
setup_file() {
	export TZ=UTC LC_ALL=C.UTF-8
	unset EJ_STORE EJ_AS
	BASEDIR=$(mktemp -d "$(fast_tmp)/ej-audit-history.XXXXXX")
	BASE=$BASEDIR/base
	export BASE BASEDIR
	ej-init --store "$BASE" "$BATS_TEST_DIRNAME/../../examples/school.yaml" \
	    2>/dev/null
	(cd "$BATS_TEST_DIRNAME/../../examples/roster" &&
	    ej-roster --store "$BASE" import pupils pupils-5-9-excel.csv) \
	    2>/dev/null
	for d in 02.09 03.09 04.09; do
		ej-grade --store "$BASE" set 5А Математика $d \
		    "Баранов Владислав" 4 2>/dev/null
	done
}

teardown_file() {
	[ -n "$BASEDIR" ] && rm -rf "$BASEDIR"
}

setup() {
	BATS_TMPDIR=$(fast_tmp) setup_trash
	export TZ=UTC
	cp -a "$BASE" "$S"
	export EJ_STORE=$S
	G=$S/history.git
	EJ_TEST_USERS=
	EJ_TEST_GROUP=
}

teardown() {
	local u
	for u in $EJ_TEST_USERS; do userdel "$u" 2>/dev/null || true; done
	[ -n "$EJ_TEST_GROUP" ] && { groupdel "$EJ_TEST_GROUP" 2>/dev/null || true; }
	teardown_trash
}

# The pack (path without .pack/.idx) that holds object $1.
pack_of() {
	local idx
	for idx in "$G"/objects/pack/*.idx; do
		if git show-index < "$idx" | grep -q " $1"; then
			echo "${idx%.idx}"
			return 0
		fi
	done
	return 1
}

# The findings as CSV rows without the header: rule,…,detail.
found() {
	ej-audit --format csv "$@" 2>/dev/null | tail -n +2 | cut -d, -f2-
}

# The crash tool of tests/reliability (make tests builds it).
crashimport() {
	case ${O:-.} in
	/*) "$O/tests/reliability/crashimport" "$@" ;;
	*) "$BATS_TEST_DIRNAME/../../${O:-.}/tests/reliability/crashimport" "$@" ;;
	esac
}

# The commands that name a revision, on a damaged history: exit 74 and
# the damage named; a revision the history does not have is still 65.
damaged_commands() {
	local rev=$1 want=$2
	# what it could read is shown, then the damage
	run -74 --separate-stderr ej-log
	echo "log: $stderr"
	[[ "$stderr" == "ej-log: the history is damaged: "*"$want"*"; run ej-audit" ]]
	run -74 ej-rebuild --at "$rev" --out "$TRASH/at.db"
	[[ "$output" == "ej-rebuild: the history is damaged: "*"$want"*"; run ej-audit" ]]
	[ ! -e "$TRASH/at.db" ]
	run -74 ej-report summary --as-of "$rev"
	[[ "$output" == "ej-report: the history is damaged: "*"$want"*"; run ej-audit" ]]
	run -65 ej-rebuild --at nosuch --out "$TRASH/at.db"
	[ "$output" = "ej-rebuild: --at: no such revision in the history: nosuch" ]
	run -65 ej-report summary --as-of nosuch
	[ "$output" = "ej-report: --as-of: no such revision in the history: nosuch" ]
	run -65 ej-log nosuch
	[ "$output" = "ej-log: no such revision in the history: nosuch" ]
}

@test "history intact: no integrity finding" {
	run ej-audit --rules integrity
	[ "$status" -eq 0 ]
	[ "$output" = "ej-audit: 0 findings: 0 errors, 0 warnings, 0 info" ]
}

@test "an older pack deleted: the missing commit and the commit that needs it, exit 1; the commands say damaged, 74" {
	lost=$(git -C "$G" rev-parse main~1)
	child=$(git -C "$G" rev-parse --short=7 main)
	p=$(pack_of "$lost")
	rm -f "$p.pack" "$p.idx"
	before=$(store_digest "$S")
	run --separate-stderr ej-audit --rules integrity --format csv
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "error,integrity.history.missing,,,,,,commit $lost is missing; needed by $child" ]
	[ "${lines[2]}" = "error,integrity.history.missing,,,,,,the current state (refs/heads/main $child) can still be rebuilt: every object of its tree reads back" ]
	[ "${#lines[@]}" -eq 3 ]
	damaged_commands main~1 "commit $lost, needed by commit $child, is missing"
	[ "$(store_digest "$S")" = "$before" ]
}

@test "8 bytes flipped in a pack: the damaged object and the commit that needs it, exit 1; the commands say damaged, 74" {
	c=$(git -C "$G" rev-parse main~1)
	p=$(pack_of "$c")
	chmod u+w "$p.pack"
	size=$(stat -c %s "$p.pack")
	printf '\336\255\276\357\336\255\276\357' |
	    dd of="$p.pack" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	run found --rules integrity
	echo "$output"
	line=$(echo "$output" | grep '^integrity.history.damaged,,,,,,[a-z]* [0-9a-f]\{40\}')
	[[ "$line" =~ ^integrity\.history\.damaged,,,,,,(commit|tree|blob)\ ([0-9a-f]{40})(\ \(.*\))?\ is\ damaged\ \(.+\)\;\ needed\ by\ ([0-9a-f]{7}) ]]
	obj=${BASH_REMATCH[2]}
	# it is one of the pack's objects, and git cannot read it either
	git show-index < "$p.idx" | grep -q " $obj"
	run ! git -C "$G" cat-file -p "$obj"
	run ej-audit --rules integrity
	[ "$status" -eq 1 ]
	damaged_commands main~1 "needed by "
}

@test "a pack truncated: its objects are damaged, the pack named, exit 1; the commands say damaged, 74" {
	c=$(git -C "$G" rev-parse main~1)
	child=$(git -C "$G" rev-parse --short=7 main)
	p=$(pack_of "$c")
	chmod u+w "$p.pack"
	truncate -s $(($(stat -c %s "$p.pack") / 2)) "$p.pack"
	run found --rules integrity
	echo "$output"
	[[ "$output" == *"integrity.history.damaged,,,,,,\"commit $c is damaged (${p##*/}.idx lists it, but its pack cannot be read); needed by $child\""* ]]
	damaged_commands main~1 "commit $c, needed by commit $child, cannot be read (${p##*/}.idx lists it"
}

@test "the head commit's own pack truncated: ej-log without a revision, or with the full id, says damaged, 74" {
	c=$(git -C "$G" rev-parse main)
	p=$(pack_of "$c")
	chmod u+w "$p.pack"
	truncate -s $(($(stat -c %s "$p.pack") / 2)) "$p.pack"
	run -74 ej-log
	echo "$output"
	[[ "$output" == *"the history is damaged: commit $c"*"${p##*/}.idx lists it, but its pack cannot be read"* ]]
	run -74 ej-log "$c"
	[[ "$output" == *"the history is damaged: commit $c"* ]]
}

@test "a blob of the current state lost: the state cannot be rebuilt, said so" {
	blob=$(git -C "$G" rev-parse main:people/pupils.csv)
	# every object loose, then the one blob gone
	mkdir "$TRASH/packs"
	mv "$G"/objects/pack/*.pack "$TRASH/packs/"
	rm -f "$G"/objects/pack/*.idx
	for p in "$TRASH"/packs/*.pack; do
		git -C "$G" unpack-objects -q < "$p"
	done
	rm -f "$G/objects/${blob:0:2}/${blob:2}"
	run found --rules integrity.history
	echo "$output"
	by=$(for r in main main~1 main~2 main~3; do git -C "$G" rev-parse --short=7 $r; done | paste -sd, | sed 's/,/, /g')
	[[ "$output" == *"integrity.history.missing,,,,,,\"blob $blob (people/pupils.csv) is missing; needed by $by\""* ]]
	[[ "$output" == *"the current state (refs/heads/main $(git -C "$G" rev-parse --short=7 main)) cannot be rebuilt: 1 of the objects it needs are missing or damaged"* ]]
}

@test "a writer killed between the database's commit and the ref's move: one finding; the next write completes it" {
	printf 'class,subject,date,lesson,pupil,mark\n5А,Математика,07.09,1,Баранов Владислав,5\n5А,Математика,08.09,1,Баранов Владислав,4\n' > "$TRASH/m.csv"
	main=$(git -C "$G" rev-parse main)
	run -99 crashimport 7 "$TRASH/m.csv"
	pending=$(sqlite3 "$S/ej.db" "SELECT value FROM meta WHERE key = 'head'")
	[ "$(git -C "$G" rev-parse main)" = "$main" ]
	[ "$(git -C "$G" rev-parse "$pending^")" = "$main" ]
	run --separate-stderr ej-audit --rules integrity --format csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "warning,integrity.head,,,,,,\"an interrupted write (commit ${pending:0:7}, 5А Математика: +2 marks; lessons +2) is pending; the next write completes it\"" ]
	# tampering still shows, against the pending commit's records
	sqlite3 "$S/ej.db" "UPDATE marks SET mark = '2' WHERE mark = '5'"
	run found --rules integrity.snapshot
	[[ "$output" == *"2020-09-07,Баранов Владислав,\"marks 5А Математика 2020-09-07 Баранов Владислав: history 5, store 2\""* ]]
	sqlite3 "$S/ej.db" "UPDATE marks SET mark = '5' WHERE mark = '2'"
	run ej-grade set 5А Математика 09.09 "Баранов Владислав" 3
	[ "$status" -eq 0 ]
	[ "$(git -C "$G" rev-parse main~1)" = "$pending" ]
	run ej-audit --rules integrity
	[ "$output" = "ej-audit: 0 findings: 0 errors, 0 warnings, 0 info" ]
}

@test "permissions: git gc --aggressive inside a 0700 store leaves nothing to report" {
	git -C "$G" gc --aggressive -q
	# git made files others could read, were the store open to them
	find "$G" -type f -perm -o+r | grep -q .
	[ "$(stat -c %a "$S")" = 700 ]
	run ej-audit --rules permissions
	[ "$status" -eq 0 ]
	[ "$output" = "ej-audit: 0 findings: 0 errors, 0 warnings, 0 info" ]
	# the history still reads whole
	run ej-audit --rules integrity
	[ "$status" -eq 0 ]
}

@test "permissions: a 0755 store with a 0644 file is reported, naming the path others reach it by" {
	chmod 755 "$TRASH" "$S"
	chmod 644 "$S/ej.db"
	run found --rules permissions
	echo "$output"
	[[ "$output" == *"permissions,,,,,,.: mode 0755: others may read it: every directory on the way to $S lets them through"* ]]
	[[ "$output" == *"permissions,,,,,,ej.db: mode 0644: others may read it: every directory on the way to $S/ej.db lets them through"* ]]
	# closed one level up: nobody else gets in, nothing to report
	chmod 700 "$TRASH"
	run found --rules permissions
	[ -z "$output" ]
}

@test "permissions: a group store flags every member of its group, supplementary or primary" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to add users and groups"
	command -v useradd >/dev/null || skip "useradd is not installed"
	EJ_TEST_GROUP=ejt$$
	groupadd "$EJ_TEST_GROUP"
	EJ_TEST_USERS="ejt${$}a ejt${$}b"
	useradd -M -N -g users "ejt${$}a"
	gpasswd -a "ejt${$}a" "$EJ_TEST_GROUP" >/dev/null
	useradd -M -g "$EJ_TEST_GROUP" "ejt${$}b"
	rm -rf "$S"
	ej-init --group "$EJ_TEST_GROUP" --store "$S" \
	    "$BATS_TEST_DIRNAME/../../examples/school.yaml" 2>/dev/null
	run --separate-stderr ej-audit --rules permissions --format csv
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "error,permissions,,,,,,group $EJ_TEST_GROUP: user ejt${$}b has it as the primary group; in a group store only the setgid commands may hold the group" ] ||
	[ "${lines[2]}" = "error,permissions,,,,,,group $EJ_TEST_GROUP: user ejt${$}b has it as the primary group; in a group store only the setgid commands may hold the group" ]
	[[ "$output" == *"error,permissions,,,,,,group $EJ_TEST_GROUP: user ejt${$}a is a member of it (supplementary); in a group store only the setgid commands may hold the group"* ]]
	[ "${#lines[@]}" -eq 3 ]
	# members gone: nothing to report
	userdel "ejt${$}a"
	userdel "ejt${$}b"
	EJ_TEST_USERS=
	run --separate-stderr ej-audit --rules permissions
	[ "$status" -eq 0 ]
}
