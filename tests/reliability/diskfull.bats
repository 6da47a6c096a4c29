#!/usr/bin/env bats
# A full disk: the store on a small tmpfs, filled up to leave from nothing
# to a few hundred KiB free, so that an import runs out of space at each
# place it writes (opening the database, git's objects, SQLite's commit).
# Every failure is a clear message and exit 73 or 74 with nothing
# half-written (the database and the history agree, HEAD unchanged, not
# one of the marks anywhere); once space is freed the next write works.
# Needs root for mount(8): skipped otherwise.

load helpers

setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl MARKS=$BATS_FILE_TMPDIR/marks.csv
	export MNT=$BATS_FILE_TMPDIR/mnt
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	make_school "$TPL"
	gen_marks "$TPL" > "$MARKS"
	export NMARKS=$(($(wc -l < "$MARKS") - 1))
	export MOUNTED=
	if [ "$(id -u)" = 0 ] && mkdir -p "$MNT" &&
	    mount -t tmpfs -o size=4m,mode=0700 tmpfs "$MNT" 2>/dev/null; then
		MOUNTED=1
	fi
}

teardown_file() {
	[ -n "$MOUNTED" ] && umount "$MNT"
	return 0
}

setup() {
	[ -n "$MOUNTED" ] || skip "needs root to mount a small tmpfs (mount -t tmpfs)"
	setup_trash
	rm -rf "${MNT:?}"/*
	S=$MNT/store
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() {
	[ -n "$MOUNTED" ] && rm -rf "${MNT:?}"/*
	teardown_trash
}

# Fill the tmpfs, then give back $1 KiB.
fill_up() {
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	truncate -s "-${1}K" "$MNT/fill"
}

@test "an import on a full disk at every stage: exit 73/74, a clear message, nothing half-written; then it lands" {
	local free head out rc where failed=0 landed=0 sql=0 git=0
	for free in 0 8 16 24 32 48 64 96 128 160 192 256 384; do
		rm -rf "$S" "$MNT/fill" && cp -a "$TPL" "$S"
		head=$(git -C "$S/history.git" rev-parse main)
		fill_up "$free"
		set +e
		out=$(ej-grade import "$MARKS" 2>&1)
		rc=$?
		set -e
		out=$(printf '%s\n' "$out" | grep -v 'in the timetable$' || true)
		echo "$free KiB free: exit $rc: $out"
		if [ "$rc" -eq 0 ]; then
			landed=$((landed + 1))
			rm -f "$MNT/fill"
			[ "$(db_marks "$S")" -eq "$NMARKS" ]
			[ "$(head_marks "$S")" -eq "$NMARKS" ]
			agree "$S"
			continue
		fi
		failed=$((failed + 1))
		[ "$rc" -eq 73 ] || [ "$rc" -eq 74 ]
		case $out in
		*": no space left on the disk"|*": No space left on device") ;;
		*) echo "not a clear message"; return 1 ;;
		esac
		case $out in
		"ej-grade: $S/ej.db: "*) sql=$((sql + 1)) ;;
		"ej-grade: $S/history.git: "*) git=$((git + 1)) ;;
		*) echo "not the store's file"; return 1 ;;
		esac
		# Nothing half-written: HEAD where it was, no mark anywhere.
		[ "$(git -C "$S/history.git" rev-parse main)" = "$head" ]
		[ "$(head_marks "$S")" -eq 0 ]
		rm -f "$MNT/fill"
		agree "$S"
		[ "$(db_marks "$S")" -eq 0 ]
		fsck_clean "$S"
		# Space again: the same import lands whole.
		run ej-grade import "$MARKS"
		[ "$status" -eq 0 ]
		[ "$(db_marks "$S")" -eq "$NMARKS" ]
		[ "$(head_marks "$S")" -eq "$NMARKS" ]
		[ "$(commits "$S")" -eq $(($(commits "$TPL") + 1)) ]
		agree "$S"
	done
	echo "# $failed imports failed ($sql in SQLite, $git in git), $landed landed" >&3
	# Out of space in both halves of the store, and enough at the end.
	[ "$sql" -gt 0 ] && [ "$git" -gt 0 ] && [ "$landed" -gt 0 ]
}

# The database and the history, byte for byte (SQLite's -wal and -shm
# files, empty, may be left by the open that failed).
db_and_history() {
	(cd "$1" && find ej.db history.git -type f -print0 | sort -z |
	    xargs -0 sha256sum)
}

@test "one mark on a full disk: exit 74, the store as it was; then it is set" {
	local before
	fill_up 0
	before=$(db_and_history "$S")
	run ej-grade set 5А Математика 01.09.2020 "Баранов Владислав" 5
	echo "$output"
	[ "$status" -eq 74 ]
	[ "$output" = "ej-grade: $S/ej.db: cannot open the database: no space left on the disk" ]
	[ "$(db_and_history "$S")" = "$before" ]
	rm -f "$MNT/fill"
	run ej-grade set 5А Математика 01.09.2020 "Баранов Владислав" 5
	[ "$status" -eq 0 ]
	[ "$(db_marks "$S")" -eq 1 ]
	[ "$(head_marks "$S")" -eq 1 ]
	agree "$S"
}
