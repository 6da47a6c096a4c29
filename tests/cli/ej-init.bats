#!/usr/bin/env bats
# ej-init and ej against a real store and its history.

bats_require_minimum_version 1.5.0

load helpers

setup() { setup_trash; }
teardown() { teardown_trash; }

@test "ej-init: a store whose history holds one first commit by the runner" {
	run ej-init --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-init: created $S"* ]]
	me=$(id -un)
	run git -C "$S/history.git" log --format='%an <%ae>|%s|%cn'
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"<$me@skuvk1>|init: МБОУ «Старокрымский УВК №1 „Школа-гимназия“»|ej" ]]
	git -C "$S/history.git" fsck --strict --no-dangling
}

@test "ej-init: the runner becomes the first admin when the file names none" {
	run ! grep -qE "roles:.*admin" "$EXAMPLES/school.yaml"
	ej-init --store "$S" "$EXAMPLES/school.yaml"
	me=$(id -un)
	run git -C "$S/history.git" show main:people/staff_roles.csv
	[[ "$output" == *"$me,admin"* ]]
	run git -C "$S/history.git" show main:people/staff.csv
	[[ "$output" == *",$me,"* ]]
}

@test "ej-init: a file that names an admin gets no extra admin; the runner still authors" {
	sed "s/roles: \[deputy, teacher\]/roles: [deputy, teacher, admin]/" "$EXAMPLES/school.yaml" > "$TRASH/s.yaml"
	grep -q 'roles: \[deputy, teacher, admin\]' "$TRASH/s.yaml"
	ej-init --store "$S" "$TRASH/s.yaml"
	me=$(id -un)
	run git -C "$S/history.git" show main:people/staff.csv
	[[ "$output" != *",$me,"* ]]
	run git -C "$S/history.git" log --format='%ae'
	[ "$output" = "$me@skuvk1" ]
}

@test "ej-init: the snapshot is the school's description, as readable CSV" {
	ej-init --store "$S" "$EXAMPLES/school.yaml"
	run git -C "$S/history.git" ls-tree -r --name-only main
	[[ "$output" == *"school/school.csv"* ]]
	[[ "$output" == *"school/classes.csv"* ]]
	[[ "$output" == *"school/helpdesk.csv"* ]]
	[[ "$output" == *"school/plan.csv"* ]]
	[[ "$output" == *"people/staff.csv"* ]]
	run git -C "$S/history.git" show main:school/school.csv
	[ "${lines[0]}" = "key,value" ]
	[[ "$output" == *"okpo,00809397"* ]]
	run git -C "$S/history.git" show main:school/classes.csv
	[[ "$output" == *",5А,5,А,"* ]]
}

@test "ej-init: a private store is 0700 and its files 0600" {
	ej-init --store "$S" "$EXAMPLES/school.yaml"
	[ "$(stat -c %a "$S")" = 700 ]
	[ "$(stat -c %a "$S/ej.db")" = 600 ]
	[ -z "$(find "$S" -perm /077 -print)" ]
}

@test "ej-init --group: 2770 and 0660 for the group" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a group"
	getent group ejtest >/dev/null || groupadd ejtest
	run ej-init --group ejtest --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %G' "$S")" = "2770 ejtest" ]
	[ "$(stat -c '%a %G' "$S/ej.db")" = "660 ejtest" ]
	[ -z "$(find "$S" -perm /007 -print)" ]
}

@test "ej-init: EJ_STORE names the store when --store is not given" {
	EJ_STORE=$S run ej-init "$EXAMPLES/school.yaml"
	[ "$status" -eq 0 ]
	[ -f "$S/ej.db" ]
}

@test "ej-init -n: checks the file and creates nothing" {
	run ej-init -n --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"valid"* ]]
	[ ! -e "$S" ]
}

@test "ej-init: an existing store is refused with 73 and left untouched" {
	ej-init --store "$S" "$EXAMPLES/school.yaml"
	before=$(store_digest "$S")
	run ej-init --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 73 ]
	[[ "$output" == *"ej-init: $S: a store already exists here"* ]]
	[ "$(store_digest "$S")" = "$before" ]
	[ "$(commits "$S")" -eq 1 ]
}

@test "ej-init: a non-empty directory is refused with 73" {
	mkdir -p "$S" && echo x > "$S/notes.txt"
	run ej-init --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 73 ]
	[[ "$output" == *"directory is not empty"* ]]
	[ "$(ls "$S")" = notes.txt ]
}

@test "ej-init: a place that cannot be created: 73 with the path and the reason" {
	echo x > "$TRASH/file"
	run ej-init --store "$TRASH/file/store" "$EXAMPLES/school.yaml"
	[ "$status" -eq 73 ]
	[ "$output" = "ej-init: $TRASH/file/store: Not a directory" ]
}

@test "ej-init: unwritable directory (as another user): 73, path and reason" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user"
	id ejnobody >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin ejnobody
	mkdir "$TRASH/ro" && chmod 755 "$TRASH/ro" && chmod 755 "$TRASH"
	# The user must reach the command and the file wherever the tree is.
	cp "$(command -v ej-init)" "$EXAMPLES/school.yaml" "$TRASH/"
	chmod 755 "$TRASH/ej-init" && chmod 644 "$TRASH/school.yaml"
	run su ejnobody -s /bin/sh -c "$TRASH/ej-init --store $TRASH/ro/store $TRASH/school.yaml"
	[ "$status" -eq 73 ]
	[ "$output" = "ej-init: $TRASH/ro/store: Permission denied" ]
	[ ! -e "$TRASH/ro/store" ]
}

@test "ej-init: no store named: usage error 2" {
	run ej-init "$EXAMPLES/school.yaml"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--store"* ]]
}

@test "ej-init: a missing file: 66, nothing created" {
	run ej-init --store "$S" "$TRASH/nosuch.yaml"
	[ "$status" -eq 66 ]
	[[ "$output" == *"$TRASH/nosuch.yaml"* ]]
	[ ! -e "$S" ]
}

@test "ej-init: usage errors exit 2 and print the synopsis" {
	run ej-init --store "$S"
	[ "$status" -eq 2 ]
	[ "$output" = "usage: ej-init [-n] [--store DIR] [--group GROUP] SCHOOL.yaml" ]
	run ej-init --bogus x.yaml
	[ "$status" -eq 2 ]
}

@test "ej-init --help and --version" {
	run ej-init --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: ej-init "* ]]
	run ej-init --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-init (ej) "* ]]
}

@test "ej: dispatches to ej-COMMAND" {
	run ej init --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-init (ej) "* ]]
	run ej init --store "$S" "$EXAMPLES/school.yaml"
	[ "$status" -eq 0 ]
	[ -f "$S/ej.db" ]
}

@test "ej help: every command with its one-line description" {
	run ej help
	[ "$status" -eq 0 ]
	[[ "$output" == *"init"*"create a store"* ]]
	for c in $(cd "$BATS_TEST_DIRNAME/../../bin" && ls ej-*.c); do
		n=${c#ej-}; n=${n%.c}
		[[ "$output" == *"  $n "* ]]
	done
}

@test "ej: unknown command and no command are usage errors" {
	run ej nosuch
	[ "$status" -eq 2 ]
	[ "$output" = "ej: no such command: nosuch (see ej help)" ]
	run ej
	[ "$status" -eq 2 ]
	run ej --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ej "* ]]
}

@test "ej: messages in Russian under a Russian locale" {
	locale -a 2>/dev/null | grep -qi '^ru_RU.utf8$' || skip "no ru_RU.UTF-8 locale"
	run env LC_ALL=ru_RU.UTF-8 ej nosuch
	[ "$status" -eq 2 ]
	[ "$output" = "ej: нет такой команды: nosuch (см. ej help)" ]
}

# Bad school descriptions: every error with file:line:col, exit 65, and no
# store left behind (not even the directory).
bad_config() {
	run ej-init --store "$S" "$DATA/config/$1.yaml"
	[ "$status" -eq 65 ]
	[ ! -e "$S" ]
	[ "${lines[${#lines[@]}-1]}" = "ej-init: nothing was created" ]
}

@test "ej-init: broken YAML" {
	bad_config broken
	[[ "${lines[0]}" == "ej-init: $DATA/config/broken.yaml:5:1: invalid YAML: "* ]]
}

@test "ej-init: unknown keys are errors, each listed" {
	bad_config unknown_key
	[ "${lines[0]}" = "ej-init: $DATA/config/unknown_key.yaml:5:3: school: unknown key \"motto\"" ]
	[ "${lines[1]}" = "ej-init: $DATA/config/unknown_key.yaml:19:1: unknown key \"colour\"" ]
}

@test "ej-init: missing required fields" {
	bad_config missing
	[ "${lines[0]}" = "ej-init: $DATA/config/missing.yaml:1:1: missing required key \"classes\"" ]
	[ "${lines[1]}" = "ej-init: $DATA/config/missing.yaml:2:3: school: missing required key \"id\"" ]
	[ "${lines[2]}" = "ej-init: $DATA/config/missing.yaml:15:5: staff: missing required key \"surname\"" ]
}

@test "ej-init: wrong types" {
	bad_config wrong_type
	[ "${lines[0]}" = "ej-init: $DATA/config/wrong_type.yaml:4:5: school.name: expected a string, found a mapping" ]
	[[ "$output" == *"wrong_type.yaml:17:38: marks.work_types.weight: \"тяжёлый\" is not a number"* ]]
}

@test "ej-init: duplicate class and duplicate staff login" {
	bad_config dup_class
	[ "${lines[0]}" = "ej-init: $DATA/config/dup_class.yaml:17:5: classes: duplicate class \"5А\" (first at line 15)" ]
	bad_config dup_staff
	[ "${lines[0]}" = "ej-init: $DATA/config/dup_staff.yaml:17:12: staff.login: duplicate staff login \"ivanova.mp\" (first at line 13)" ]
}

@test "ej-init: dates outside the year, overlapping periods" {
	bad_config outside_year
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == "ej-init: $DATA/config/outside_year.yaml:12:36: "*"2021-06-15 is outside the year 2020-2021"* ]]
	bad_config overlap
	[[ "${lines[0]}" == "ej-init: $DATA/config/overlap.yaml:8:38: "*"overlaps"* ]]
}

@test "ej-init: a load naming an unknown teacher" {
	bad_config unknown_teacher
	[ "${lines[0]}" = "ej-init: $DATA/config/unknown_teacher.yaml:16:15: load.teacher: unknown staff login \"petrov.ii\"" ]
}

@test "ej-init: many errors are all listed, in file order" {
	bad_config many
	n=$(grep -c "many.yaml:[0-9]*:[0-9]*: " <<<"$output")
	[ "$n" -ge 20 ]
}

@test "ej-init: a bad file leaves an existing empty directory empty" {
	mkdir "$S"
	run ej-init --store "$S" "$DATA/config/broken.yaml"
	[ "$status" -eq 65 ]
	[ -d "$S" ] && [ -z "$(ls -A "$S")" ]
}
