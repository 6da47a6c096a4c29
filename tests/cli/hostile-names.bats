#!/usr/bin/env bats
# Names that become paths of the history (ej-store(5)): a class or subject
# named like git's own files, an 8.3 short name, a path or a Windows
# device is either refused by ej-init at file:line:col, or mapped to a
# directory that `git fsck --strict` accepts; ej-rebuild loads it back and
# ej-log shows the name, never the directory.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_trash
	export EJ_STORE=$S
	Y=$TRASH/school.yaml
}
teardown() { teardown_trash; }

# school FILE: the least school, with classes $CLASSES (a YAML flow
# sequence) and the subjects $SUBJECTS (YAML lines "  - …"), the first
# subject on line 15, column 5.
school() {
	cat > "$1" <<EOF
school: {id: test, name: Тестовая школа, short_name: Тест}
year:
  name: 2020-2021
  periods:
    quarter:
      list:
        - {start: 01.09.2020, end: 30.10.2020}
        - {start: 09.11.2020, end: 29.12.2020}
        - {start: 11.01.2021, end: 19.03.2021}
        - {start: 29.03.2021, end: 31.05.2021}
staff:
  - {login: uchit.aa, surname: Учителева, name: Анна, roles: teacher}
classes: ${CLASSES:-[5А]}
subjects:
${SUBJECTS:-  - Русский язык}
EOF
}

# Every hostile subject, as YAML, and what each name becomes: the
# directory journal/2020-2021/5А/<component>. (".GIT" is ".git" to
# ej-init: it has a test of its own.)
HOSTILE='  - Русский язык
  - ".git"
  - "git~1"
  - "."
  - ".."
  - ".gitmodules"
  - ".gitattributes"
  - ".g\u200cit"
  - "\u200c.git"
  - "a/b"
  - "a-b"
  - "a%2Fb"
  - "Физика."
  - "Химия "
  - "a\\b"
  - "CON"
  - "a:b*?"
  - "gitmod~1"'
NAMES=(".git" "git~1" "." ".." ".gitmodules" ".gitattributes"
    $'.g\u200cit' $'\u200c.git' "a/b" "a-b" "a%2Fb" "Физика." "Химия "
    'a\b' "CON" "a:b*?" "gitmod~1")
PARTS=("%2Egit" "git%7E1" "%2E" "%2E%2E" "%2Egitmodules"
    "%2Egitattributes" "%2Eg%E2%80%8Cit" "%E2%80%8C.git" "a%2Fb" "a-b"
    "a%252Fb" "Физика%2E" "Химия%20" "a%5Cb" "%43ON" "a%3Ab%2A%3F"
    "gitmod%7E1")

git_s() { git -C "$S/history.git" -c core.quotePath=false "$@"; }

# The hostile school with a lesson of 5А in every subject.
hostile_store() {
	SUBJECTS=$HOSTILE school "$Y"
	ej-init --store "$S" "$Y" 2>"$TRASH/init.err" || {
		cat "$TRASH/init.err"
		return 1
	}
	for n in "${NAMES[@]}"; do
		ej-lesson set --topic "Тема: $n" 5А "$n" 01.09 ||
			return 1
	done
}

# The database's journal, for before/after comparisons.
journal_rows() {
	# (ids of lessons are the database's own: a rebuild renumbers them)
	sqlite3 "$S/ej.db" "SELECT j.name, c.name, l.date, l.num, l.topic,
	    l.by_id, l.at FROM lessons l JOIN subjects j ON
	    j.id = l.subject_id JOIN classes c ON c.id = l.class_id
	    ORDER BY j.id, l.date, l.num; SELECT id, name, short FROM subjects
	    ORDER BY id; SELECT j.name, l.date, m.pupil_id, m.mark, m.at
	    FROM marks m JOIN lessons l ON l.id = m.lesson_id JOIN subjects j
	    ON j.id = l.subject_id ORDER BY j.id, l.date, m.pupil_id"
}

# refused_init WANT: ej-init on $Y fails with exit 65, the first line
# WANT, and creates nothing.
refused_init() {
	run ej-init --store "$S" "$Y"
	echo "$output"
	[ "$status" -eq 65 ]
	[ "${lines[0]}" = "$1" ]
	[ "${lines[${#lines[@]}-1]}" = "ej-init: nothing was created" ]
	[ ! -e "$S" ]
}

@test "hostile subjects: each a directory of its own that git fsck --strict accepts" {
	hostile_store
	git_s fsck --strict --no-dangling
	run git_s ls-tree -r --name-only main -- journal
	echo "$output"
	[ "${#lines[@]}" -eq $(( ${#PARTS[@]} )) ]
	for p in "${PARTS[@]}"; do
		grep -qxF "journal/2020-2021/5А/$p/lessons.csv" <<<"$output"
	done
	# an ordinary name is its own directory
	ej-lesson set 5А "Русский язык" 02.09
	git_s cat-file -e "main:journal/2020-2021/5А/Русский язык/lessons.csv"
	# the store and its history agree
	run ej-audit --rules integrity
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "marks in hostile subjects: history clean, files where the mapping says" {
	SUBJECTS='  - ".git"
  - "a/b"' school "$Y"
	ej-init --store "$S" "$Y"
	printf 'surname,name,birth_date,sex,class\nИванов,Иван,01.02.2010,м,5А\n' > "$TRASH/p.csv"
	ej-roster import pupils "$TRASH/p.csv"
	ej-grade set 5А .git 01.09 "Иванов Иван" 5
	ej-grade set 5А a/b 02.09 "Иванов Иван" 4
	git_s fsck --strict --no-dangling
	git_s show "main:journal/2020-2021/5А/%2Egit/marks.csv" | grep -q ',Иванов Иван,1,5,'
	git_s show "main:journal/2020-2021/5А/a%2Fb/marks.csv" | grep -q ',Иванов Иван,1,4,'
	run git_s ls-tree -r --name-only main -- journal
	[ "${#lines[@]}" -eq 4 ]
}

@test "ej-rebuild from a history of hostile names: the same database" {
	hostile_store
	printf 'surname,name,birth_date,sex,class\nИванов,Иван,01.02.2010,м,5А\n' > "$TRASH/p.csv"
	ej-roster import pupils "$TRASH/p.csv"
	ej-grade set 5А "a/b" 01.09 "Иванов Иван" 5
	ej-grade set 5А ".." 01.09 "Иванов Иван" 3
	journal_rows > "$TRASH/before"
	[ "$(grep -c 'Тема' "$TRASH/before")" -eq ${#NAMES[@]} ]
	run ej-rebuild
	echo "$output"
	[ "$status" -eq 0 ]
	journal_rows > "$TRASH/after"
	diff -u "$TRASH/before" "$TRASH/after"
}

@test "ej-log shows the names, not their directories, and filters by them" {
	hostile_store
	run --separate-stderr ej-log
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"  + .git 01.09 #1: added Тема: .git"* ]]
	[[ "$output" == *"  + a/b 01.09 #1: added Тема: a/b"* ]]
	[[ "$output" == *"  + a%2Fb 01.09 #1: added Тема: a%2Fb"* ]]
	[[ "$output" == *"  + .. 01.09 #1: added Тема: .."* ]]
	[[ "$output" != *"%2E"* ]]
	[[ "$output" != *"%7E"* ]]
	# --subject picks the one directory: a/b, not a-b nor a%2Fb
	run --separate-stderr ej-log --subject a/b
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^  [+~-] ' <<<"$output")" -eq 1 ]
	[[ "$output" == *"  + a/b 01.09 #1: added Тема: a/b"* ]]
	run --separate-stderr ej-log --subject a-b --format csv
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Тема' <<<"$output")" -eq 1 ]
	[[ "$output" == *"Тема: a-b"* ]]
}

@test "a teacher's history: the load's hostile subject, by its mapped directory" {
	SUBJECTS='  - ".GIT"
  - "git~1"' school "$Y"
	printf 'load:\n  - {teacher: uchit.aa, class: 5А, subject: ".GIT", hours: 2}\n' >> "$Y"
	ej-init --store "$S" "$Y"
	ej-lesson set --topic один 5А .GIT 01.09
	ej-lesson set --topic два 5А git~1 01.09
	git_s fsck --strict --no-dangling
	git_s cat-file -e "main:journal/2020-2021/5А/%2EGIT/lessons.csv"
	run --separate-stderr env EJ_AS=uchit.aa ej-log
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"  + .GIT 01.09 #1: added один"* ]]
	[[ "$output" != *"два"* ]]
}

@test "Алгебра and алгебра: one directory on a case-insensitive disk, refused at file:line:col" {
	SUBJECTS='  - Алгебра
  - алгебра' school "$Y"
	refused_init "ej-init: $Y:16:5: subjects: duplicate subject \"алгебра\" (first at line 15)"
}

@test "a subject whose directory would be longer than 255 bytes: refused at file:line:col" {
	long=$(printf 'Я%.0s' $(seq 128))
	SUBJECTS="  - Русский язык
  - \"$long\"" school "$Y"
	refused_init "ej-init: $Y:16:5: subjects: \"$long\" cannot be a directory of the history: longer than 255 bytes once encoded (ej-store(5))"
	# 90 bytes, 270 once each '%' is encoded
	pct=$(printf '%%%.0s' $(seq 90))
	SUBJECTS="  - \"$pct\"" school "$Y"
	refused_init "ej-init: $Y:15:5: subjects: \"$pct\" cannot be a directory of the history: longer than 255 bytes once encoded (ej-store(5))"
	# 127 Cyrillic letters, 254 bytes: a directory
	SUBJECTS="  - \"${long:1}\"" school "$Y"
	ej-init --store "$S" "$Y"
	ej-lesson set 5А "${long:1}" 01.09
	git_s cat-file -e "main:journal/2020-2021/5А/${long:1}/lessons.csv"
}

@test "hostile class names: refused at file:line:col, nothing created" {
	for c in ".git" ".GIT" "git~1" "." ".." ".gitmodules" ".gitattributes" \
	    ".g\\u200cit" "a/b" "a-b" "a%2Fb" "5А." "5А " "5/А" "CON"; do
		CLASSES="[\"$c\"]" school "$Y"
		shown=$c
		[ "$c" = ".g\\u200cit" ] && shown=$'.g\u200cit'
		[ "$c" = "5А " ] && shown="5А "
		refused_init "ej-init: $Y:13:11: classes: \"$shown\" is not a class name (a parallel 1-11 and a Cyrillic letter, like 5А)"
	done
}

@test "the audit: two subjects of one directory, and a name that cannot be one" {
	SUBJECTS='  - Физика
  - Химия
  - Биология' school "$Y"
	ej-init --store "$S" "$Y"
	run ej-audit --rules integrity.names
	[ "$status" -eq 0 ]
	# a store made by other means, or an older ej
	sqlite3 "$S/ej.db" "UPDATE subjects SET name = 'ФИЗИКА' WHERE name = 'Химия';
	    UPDATE subjects SET name = '$(printf '%%%.0s' $(seq 90))' WHERE name = 'Биология'"
	before=$(store_digest "$S")
	run --separate-stderr ej-audit --rules integrity.names --format csv
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "severity,rule,class,subject,teacher,date,pupil,detail" ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *'error,integrity.names,,ФИЗИКА,,,,"subjects ""Физика"" and ""ФИЗИКА"" would be one directory of the history, ""ФИЗИКА"""'* ]]
	[[ "$output" == *'error,integrity.names,,%%%%%'*',,,,"subject ""%%%%%'*'"" cannot be a directory of the history (empty, or longer than 255 bytes once encoded)"'* ]]
	[ "$(store_digest "$S")" = "$before" ]
}
