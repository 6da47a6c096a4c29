#!/usr/bin/env bats
# The man pages: the Russian ones installed where man-db finds them under a
# Russian locale, lint-clean, documenting every option of their English
# pages; the README listing every page once; the examples of ej-grade(1)
# and ej-attend(1), in both languages, running against the demo school.

load helpers

TOP=$BATS_TEST_DIRNAME/../..
RU_PAGES="man1/ej-grade.1 man1/ej-attend.1 man1/ej-lesson.1 man1/ej-report.1 man7/ej.7"

setup() { setup_trash; }
teardown() { teardown_trash; }

# The options a page documents: each .Fl name, one a line, sorted.
flags() {
	grep -o '\bFl -\{0,1\}[A-Za-z][-A-Za-z]*' "$1" | sed 's/^Fl //' | sort -u
}

@test "make install-man puts the Russian pages under MANDIR/ru; man shows them under a Russian locale" {
	run make -C "$TOP" --no-print-directory install-man PREFIX="$TRASH/p"
	[ "$status" -eq 0 ]
	for p in $RU_PAGES; do
		cmp "$TOP/man/ru/$p" "$TRASH/p/share/man/ru/$p"
	done
	for p in "$TOP"/man/man[1578]/*; do
		[ -f "$TRASH/p/share/man/${p#"$TOP"/man/}" ]
	done
	command -v man >/dev/null || skip "man is not installed"
	locale -a | grep -qix 'ru_RU.utf-\{0,1\}8' || skip "no ru_RU.UTF-8 locale"
	export MANPATH=$TRASH/p/share/man MANWIDTH=80
	run env -u LC_ALL LANG=ru_RU.UTF-8 man -P cat ej-grade
	[ "$status" -eq 0 ]
	[[ $output == *"ОПИСАНИЕ"* ]]
	[[ $output == *"выставить, исправить"* ]]
	run env -u LC_ALL LANG=ru_RU.UTF-8 man -P cat 7 ej
	[[ $output == *"Кто действует"* ]]
	run env -u LC_ALL LANG=C.UTF-8 man -P cat ej-grade
	[ "$status" -eq 0 ]
	[[ $output == *"DESCRIPTION"* ]]
	[[ $output != *"ОПИСАНИЕ"* ]]
}

@test "every page, English and Russian, is lint-clean; check-man lints the Russian ones" {
	for p in "$TOP"/man/man[1578]/* "$TOP"/man/ru/man[17]/*; do
		run mandoc -Tlint -W warning "$p"
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
	done
	run make -C "$TOP" --no-print-directory -n check-man
	[[ $output == *man/ru/man1/ej-grade.1* ]]
	[[ $output == *man/ru/man7/ej.7* ]]
}

@test "each Russian page documents every option of its English page, and no other" {
	for p in $RU_PAGES; do
		[ -f "$TOP/man/ru/$p" ] || { echo "no man/ru/$p"; false; }
		run diff <(flags "$TOP/man/$p") <(flags "$TOP/man/ru/$p")
		[ "$status" -eq 0 ] || { echo "man/ru/$p differs from man/$p in options:"; echo "$output"; false; }
	done
	# the check catches a page that drops one
	grep -v -e '^\.It Fl -crlf' "$TOP/man/ru/man1/ej-grade.1" |
	    sed 's/Fl -crlf/Fl -bom/g' > "$TRASH/dropped.1"
	run diff <(flags "$TOP/man/man1/ej-grade.1") <(flags "$TRASH/dropped.1")
	[ "$status" -eq 1 ]
	[[ $output == *"< -crlf"* ]]
}

@test "the README lists every man page once, and only those" {
	local p n
	for p in "$TOP"/man/man[1578]/*; do
		n=$(grep -o "man/${p#"$TOP"/man/}\b" "$TOP/README.md" | wc -l)
		[ "$n" -eq 1 ] || { echo "README lists ${p#"$TOP"/} $n times"; false; }
	done
	grep -o 'man/man[1578]/[a-z.-]*[1578]' "$TOP/README.md" | while read -r p; do
		[ -f "$TOP/$p" ] || { echo "README lists $p, which is not a page"; exit 1; }
	done
	grep -q 'man/ru/' "$TOP/README.md"
}

# The demo school with its pupils of grades 5–9 in $S, for the examples.
demo_roster() {
	init_demo
	export EJ_STORE=$S
	ej-roster import pupils "$EXAMPLES/roster/pupils-5-9-excel.csv" 2>/dev/null
}

# PAGE: every "$ " command line of the page, run in order in a directory of
# its own against the demo school; the first that fails fails the test.
run_examples() {
	local w=$TRASH/work-$(basename "$1")
	mkdir -p "$w"
	mandoc -Tutf8 -O width=1000 "$1" | col -b |
	    awk -f "$BATS_TEST_DIRNAME/man-examples.awk" > "$w.sh"
	grep -q . "$w.sh"
	(cd "$w" && bash -eo pipefail -x "$w.sh")
}

@test "ej-grade(1)'s examples run against the demo school, in English and Russian" {
	for p in man/man1/ej-grade.1 man/ru/man1/ej-grade.1; do
		rm -rf "$S"
		demo_roster
		run run_examples "$TOP/$p"
		[ "$status" -eq 0 ] || { echo "$p:"; echo "$output"; false; }
		[[ $output == *"ej-grade term import q2.csv"* ]]
		[[ $output == *"ej-grade import marks.csv"* ]]
	done
	# what the examples left: Баранов Владислав's test of 15.09, corrected
	run ej-grade export --class 5А --subject Математика --from 15.09 --to 15.09
	[[ $output == *"Баранов Владислав,1,4,контрольная"* ]]
}

@test "ej-attend(1)'s examples run against the demo school, in English and Russian" {
	for p in man/man1/ej-attend.1 man/ru/man1/ej-attend.1; do
		rm -rf "$S"
		demo_roster
		run run_examples "$TOP/$p"
		[ "$status" -eq 0 ] || { echo "$p:"; echo "$output"; false; }
		[[ $output == *"ej-attend import week.csv"* ]]
	done
}
