# Shared by the reliability suite's bats files: the small school they run
# on, a marks file for it, and the checks made after every crash, race or
# failed write. Loads tests/cli/helpers.bash (store_digest, commits).

load ../cli/helpers

# The suite's C programs (storecheck, crashimport), built next to the
# commands: $O/tests/reliability.
rel_bin() {
	case ${O:-.} in
	/*) echo "$O/tests/reliability" ;;
	*) echo "$BATS_TEST_DIRNAME/../../${O:-.}/tests/reliability" ;;
	esac
}

# The small school in $1: the demo school's configuration and its 149
# pupils of grades 5–9.
make_school() {
	local ex=$BATS_TEST_DIRNAME/../../examples
	ej-init --store "$1" "$ex/school.yaml" 2>/dev/null &&
	    EJ_STORE=$1 ej-roster import pupils \
	        "$ex/roster/pupils-5-9-excel.csv" 2>/dev/null
}

# A long marks file of a few hundred marks on the store $1: classes 5А
# and 5Б, three subjects, the school days of September 2020, each day
# five pupils (changing from day to day) a mark each.
gen_marks() {
	local store=$1 cls
	echo 'class,subject,date,lesson,pupil,mark,work'
	for cls in 5А 5Б; do
		EJ_STORE=$store ej-roster export pupils --class "$cls" \
		    --date 01.09.2020 | awk -F, -v cls="$cls" '
		NR > 1 { p[n++] = $3 " " $4 " " $5 }
		END {
			split("Математика,Русский язык,История", subj, ",")
			for (s = 1; s <= 3; s++)
				for (d = 1; d <= 30; d++) {
					wd = (d + 1) % 7   # 1 September 2020: a Tuesday
					if (wd == 6 || wd == 0) continue
					for (k = 0; k < 5; k++) {
						i = (d * 5 + k + s * 7) % n
						printf "%s,%s,%02d.09.2020,1,%s,%d,%s\n",
						    cls, subj[s], d, p[i], 2 + (d + k + s) % 4,
						    (d % 6 == 0) ? "контрольная" : "ответ на уроке"
					}
				}
		}'
	done
}

# Marks in the database and in the tree of refs/heads/main.
db_marks() {
	sqlite3 "$1/ej.db" 'SELECT count(*) FROM marks'
}
head_marks() {
	git -C "$1/history.git" grep -c '' main -- 'journal/*/marks.csv' |
	    awk -F: '{ n += $NF - 1 } END { print n + 0 }'
}

# The database and the history agree (after the recovery that opening
# for a write makes). Until ej-audit is merged, storecheck says so;
# ej-audit --store "$1" takes its place here.
agree() {
	local out
	"$(rel_bin)/storecheck" "$1" || return
	out=$(ej-audit --store "$1" --rules integrity --format csv 2>&1) || {
		printf '%s\n' "$out" >&2
		return 1
	}
}

# No store directory left half-made; git's own check of the history.
fsck_clean() {
	git -C "$1/history.git" fsck --strict --no-progress --no-dangling
}
