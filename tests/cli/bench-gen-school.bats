#!/usr/bin/env bats
# tests/bench/gen-school: the synthetic school of the benchmarks, "small"
# size — deterministic from its seed, and every file it writes imports
# into a store as the product's own import files.

bats_require_minimum_version 1.5.0

load helpers

GEN=$BATS_TEST_DIRNAME/../bench/gen-school

setup_file() {
	export SCHOOL=$BATS_FILE_TMPDIR/school ST=$BATS_FILE_TMPDIR/store
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	"$GEN" --seed 7 --size small "$SCHOOL"
	cd "$SCHOOL"
	ej-init --store "$ST" school.yaml 2>/dev/null
	ej-roster import --store "$ST" pupils pupils.csv 2>/dev/null
	ej-roster import --store "$ST" parents parents.csv 2>/dev/null
	ej-lesson import --store "$ST" lessons.csv 2>/dev/null
	ej-grade import --store "$ST" marks.csv 2>/dev/null
	ej-attend import --store "$ST" attendance.csv 2>/dev/null
	ej-grade term import --store "$ST" terms.csv 2>/dev/null
}

setup() { setup_trash; }
teardown() { teardown_trash; }

size() { sed -n "s/^$1 //p" "$SCHOOL/sizes.txt"; }
count() { sqlite3 "$ST/ej.db" "SELECT count(*) FROM $1"; }

@test "gen-school: the same seed gives the same bytes, another seed others" {
	"$GEN" --seed 7 --size small "$TRASH/a"
	"$GEN" --seed 8 --size small "$TRASH/b"
	for f in school.yaml pupils.csv parents.csv lessons.csv marks.csv \
	    attendance.csv terms.csv consents.csv wide.csv wide.txt sizes.txt; do
		cmp "$SCHOOL/$f" "$TRASH/a/$f"
	done
	run ! cmp -s "$SCHOOL/marks.csv" "$TRASH/b/marks.csv"
	run ! cmp -s "$SCHOOL/pupils.csv" "$TRASH/b/pupils.csv"
}

@test "gen-school: a bad size is a usage error and writes nothing" {
	run "$GEN" --size huge "$TRASH/c"
	[ "$status" -eq 2 ]
	[ ! -e "$TRASH/c" ]
}

@test "gen-school small: every file imports; the store holds what sizes.txt says" {
	[ "$(count classes)" -eq "$(size classes)" ]
	[ "$(count pupils)" -eq "$(size pupils)" ]
	[ "$(count parents)" -eq "$(size parents)" ]
	[ "$(count lessons)" -eq "$(size lessons)" ]
	[ "$(count marks)" -eq "$(size marks)" ]
	[ "$(count term_marks)" -eq "$(size period_marks)" ]
	[ "$(count marks)" -gt 1000 ]
	# absences: one record a pupil-day or lesson, each at least one lesson
	[ "$(count attendance)" -ge "$(size absences)" ]
	# one commit an import, and the history agrees with the database
	[ "$(commits "$ST")" -eq 7 ]
	git -C "$ST/history.git" fsck --no-progress
}

@test "gen-school small: the wide sheet of its class and subject imports unchanged" {
	{ read -r cls; read -r subj; } < "$SCHOOL/wide.txt"
	cp -a "$ST" "$TRASH/st"
	run ej-grade import --store "$TRASH/st" --wide --class "$cls" \
	    --subject "$subj" "$SCHOOL/wide.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no changes"* ]]
	[ "$(commits "$TRASH/st")" -eq 7 ]
}

@test "gen-school: the school is a valid school.yaml with 15 subjects and 4 classes" {
	[ "$(size subjects)" -eq 15 ]
	[ "$(size classes)" -eq 4 ]
	[ "$(sqlite3 "$ST/ej.db" 'SELECT count(*) FROM subjects')" -eq 15 ]
	[ "$(sqlite3 "$ST/ej.db" 'SELECT count(*) FROM timetable')" -gt 0 ]
}
