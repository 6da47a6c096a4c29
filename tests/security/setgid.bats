#!/usr/bin/env bats
# The group store under attack (ej(7), SECURITY): the commands installed
# setgid to a group of their own, a school store made by root, and two real
# Unix users made for the test — a class teacher on the staff and a local
# user who is neither on the staff nor in the group. Each test replays one
# attack as that user and checks that it fails with its exit status and
# message, and that the school's database and history are unchanged.

bats_require_minimum_version 1.5.0

# Bats 1.8 cannot skip from setup_file: the reason is kept, and setup()
# skips each test with it.
setup_file() {
	SEC_SKIP=
	if [ "$(id -u)" != 0 ]; then
		SEC_SKIP="needs root: makes Unix users and a group"
	elif ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
		SEC_SKIP="needs useradd and runuser"
	else
		case ${O:-.} in
		*.asan*) SEC_SKIP="the setgid commands run in make check (LeakSanitizer cannot trace a setgid process)" ;;
		esac
	fi
	export SEC_SKIP
	[ -z "$SEC_SKIP" ] || return 0
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	SEC=$(mktemp -d /tmp/ej-sec.XXXXXX)
	chmod 755 "$SEC"
	id=$$
	G=ejs$id TEACHER=ejt$id OUTSIDER=ejx$id
	groupadd "$G"
	mkdir -p "$SEC/home"
	for u in "$TEACHER" "$OUTSIDER"; do
		useradd -M -N -g users -d "$SEC/home/$u" -s /bin/sh "$u"
		mkdir "$SEC/home/$u"
		chown "$u:users" "$SEC/home/$u"
		chmod 700 "$SEC/home/$u"
	done
	export SEC G TEACHER OUTSIDER
	# An install of this build, setgid to $G, with the school's store
	# built in and a second one in root's list. The built objects are
	# reused: only what the paths change is rebuilt.
	b=${O:-.}
	case $b in /*) ;; *) b=$top/$b ;; esac
	mkdir -p "$SEC/build/lib" "$SEC/build/bin"
	cp -p "$b"/lib/*.o "$b"/lib/schema.c "$SEC/build/lib/" 2>/dev/null || true
	cp -p "$b"/bin/*.o "$b"/bin/commands.h "$SEC/build/bin/" 2>/dev/null || true
	cp -rp "$b"/locale "$SEC/build/" 2>/dev/null || true
	make -s -C "$top" O="$SEC/build" PREFIX="$SEC/inst" \
	    SYSCONFDIR="$SEC/etc" EJ_STORE_DIRS="$SEC/school" EJ_GROUP="$G" \
	    install >"$SEC/build.log" 2>&1 || { cat "$SEC/build.log" >&2; return 1; }
	echo "$SEC/other  # a second store, named by root's file" >> "$SEC/etc/ej/stores"
	BIN=$SEC/inst/bin
	BUILD_BIN=$b/bin         # the same commands, not setgid
	export BIN BUILD_BIN
	# The school: the class teacher of 5А is the test's teacher, who is
	# also the school's technician.
	sed -e "s/ivanova\.mp/$TEACHER/g" \
	    -e "/login: $TEACHER,/s/roles: \[teacher\]/roles: [teacher, technician]/" \
	    "$top/examples/school.yaml" > "$SEC/school.yaml"
	"$BIN/ej-init" --group "$G" --store "$SEC/school" "$SEC/school.yaml" 2>"$SEC/init.err" || { cat "$SEC/init.err" >&2; return 1; }
	(cd "$top/examples/roster" &&
	 for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
		"$BIN/ej-roster" --store "$SEC/school" import pupils "$f" || exit
	 done &&
	 "$BIN/ej-roster" --store "$SEC/school" import parents parents.csv) \
	    2>"$SEC/roster.err" || { cat "$SEC/roster.err" >&2; return 1; }
	"$BIN/ej-init" --group "$G" --store "$SEC/other" "$SEC/school.yaml" 2>/dev/null
	chmod 755 "$SEC/etc" "$SEC/etc/ej"
}

teardown_file() {
	if [ -z "${SEC:-}" ] || [ -n "${EJ_SEC_KEEP:-}" ]; then return 0; fi
	for u in "$TEACHER" "$OUTSIDER"; do userdel "$u" 2>/dev/null; done
	groupdel "$G" 2>/dev/null
	rm -rf "$SEC"
}

setup() {
	[ -z "$SEC_SKIP" ] || skip "$SEC_SKIP"
	S=$SEC/school
	before=$(school_state)
}

# Run as a Unix user, with nothing of root's environment.
as() {
	local u=$1
	shift
	runuser -u "$u" -- env -i PATH="$BIN:/usr/bin:/bin" \
	    HOME="$SEC/home/$u" LC_ALL=C.UTF-8 EJ_STORE="$S" "$@"
}

# Everything an attack could change: every byte of the database, the
# history's ref and that git finds it sound.
school_state() {
	sha256sum "$S/ej.db"
	git -C "$S/history.git" rev-parse main
	git -C "$S/history.git" fsck --strict --no-progress 2>&1 | grep -v '^dangling' || true
}

unchanged() {
	[ "$(school_state)" = "$before" ] || {
		echo "the school's store changed:" >&2
		diff <(echo "$before") <(school_state) >&2
		return 1
	}
}

@test "installed: the commands setgid to the store's group, ej-init, ej and ej-diary not" {
	[ -g "$BIN/ej-grade" ]
	[ "$(stat -c %G "$BIN/ej-grade")" = "$G" ]
	[ ! -g "$BIN/ej-init" ]
	[ ! -g "$BIN/ej" ]
	# The web server runs ej-diary: it must hold no right to the store.
	[ -x "$BIN/ej-diary" ] && [ ! -g "$BIN/ej-diary" ]
	[ "$(stat -c '%a %G' "$S")" = "2770 $G" ]
	# The test's users are not in the group.
	[[ "$(id -nG "$TEACHER")" != *"$G"* ]]
}

@test "the teacher works through the commands, and cannot open the store directly" {
	as "$TEACHER" ej-grade --store "$S" set 5А "Русский язык" 15.09 \
	    "Баранов Владислав" 5 2>"$SEC/err" || { cat "$SEC/err"; false; }
	[ "$(git -C "$S/history.git" log -1 --format=%an main)" = "Иванова Мария Петровна" ]
	git -C "$S/history.git" log -1 --format=%ae main | grep -q "^$TEACHER@"
	run -1 as "$TEACHER" cat "$S/ej.db"
	[[ "$output" == *"Permission denied"* ]]
	# Without --store, when root named two: which?
	run -77 as "$TEACHER" env -u EJ_STORE ej-report summary --class 5А --period 1
	[[ "$output" == *"no store: give --store with one of the school's stores: $SEC/school, $SEC/other"* ]]
}

@test "attack 1: a store of one's own whose history.git is the school's — refused, 77" {
	as "$OUTSIDER" ej-init --store "$SEC/home/$OUTSIDER/fake" "$SEC/school.yaml" 2>/dev/null
	rm -rf "$SEC/home/$OUTSIDER/fake/history.git"
	# The attacker cannot even name the school's history from outside
	# the store; root's link stands for any way of getting one there.
	ln -s "$S/history.git" "$SEC/home/$OUTSIDER/fake/history.git"
	run -77 as "$OUTSIDER" env EJ_STORE="$SEC/home/$OUTSIDER/fake" ej-log
	[[ "$output" == *"not a store this command may open; the school's stores are: $SEC/school, $SEC/other"* ]]
	[[ "$output" != *"Бондаренко"* ]]
	run -77 as "$OUTSIDER" ej-grade --store "$SEC/home/$OUTSIDER/fake" set 5А \
	    "Русский язык" 16.09 "Баранов Владислав" 2
	[[ "$output" == *"not a store this command may open"* ]]
	unchanged
	[ "$(stat -c %G "$S/history.git/refs/heads")" = "$G" ]
}

@test "attack 1: a link to the school's store is the school's store, with its role checks" {
	ln -s "$S" "$SEC/home/$OUTSIDER/link"
	run -77 as "$OUTSIDER" ej-log --store "$SEC/home/$OUTSIDER/link"
	[[ "$output" == *"$OUTSIDER is not on the staff of this school"* ]]
	run -77 as "$OUTSIDER" env EJ_AS=root ej-log
	[[ "$output" == *"not on the staff"* ]]
	unchanged
}

@test "attack 1: inside an allowed store nothing is followed — history.git a link, refused, 77" {
	mv "$SEC/other/history.git" "$SEC/other/history.git.real"
	ln -s "$S/history.git" "$SEC/other/history.git"
	run -77 as "$TEACHER" ej-log --store "$SEC/other"
	[[ "$output" == *"history.git is a symbolic link: the store is not as ej made it"* ]]
	run -77 as "$TEACHER" ej-grade --store "$SEC/other" set 5А "Русский язык" \
	    16.09 "Баранов Владислав" 2
	rm "$SEC/other/history.git"
	mv "$SEC/other/history.git.real" "$SEC/other/history.git"
	# A file under history.git of another group, or a link deep inside.
	ln -s /etc/passwd "$SEC/other/history.git/refs/heads/evil"
	run -77 as "$TEACHER" ej-log --store "$SEC/other"
	[[ "$output" == *"history.git/refs/heads/evil is a symbolic link"* ]]
	# The audit without the group's rights (root's, with the commands
	# of the build) lists it under permissions.
	run -1 "$BUILD_BIN/ej-audit" --store "$SEC/other" --rules permissions
	[[ "$output" == *"history.git/refs/heads/evil is a symbolic link: a setgid command refuses the store"* ]]
	rm "$SEC/other/history.git/refs/heads/evil"
	ln "$S/ej.db" "$SEC/other/ej.db.x" 2>/dev/null || true
	mv "$SEC/other/ej.db" "$SEC/other/ej.db.own"
	ln "$S/ej.db" "$SEC/other/ej.db"
	run -77 as "$TEACHER" ej-log --store "$SEC/other"
	[[ "$output" == *"ej.db has other hard links"* ]]
	rm -f "$SEC/other/ej.db" "$SEC/other/ej.db.x"
	mv "$SEC/other/ej.db.own" "$SEC/other/ej.db"
	# Back as ej made it: the store opens (the teacher is on its staff).
	run -0 as "$TEACHER" ej-log --store "$SEC/other"
	unchanged
}

@test "attack 2: --mail DIR with a link to the school's ej.db — exit 73, the database untouched" {
	out=$SEC/home/$TEACHER/probe
	as "$TEACHER" ej-report diary --class 5А --period 1 --mail "$out" 2>/dev/null
	first=$(ls "$out" | head -1)
	[ -n "$first" ]
	# The mailing was recorded (one commit); the attack must not add to it.
	before=$(school_state)
	trap_dir=$SEC/home/$TEACHER/out
	as "$TEACHER" mkdir "$trap_dir"
	as "$TEACHER" ln -s "$S/ej.db" "$trap_dir/$first"
	run -73 as "$TEACHER" ej-report diary --class 5А --period 1 --mail "$trap_dir"
	[[ "$output" == *"$trap_dir/$first: File exists; an output file is never written over, nor through a link"* ]]
	unchanged
	# A file of the user's own is not written over either.
	as "$TEACHER" rm "$trap_dir/$first"
	as "$TEACHER" sh -c "echo mine > '$trap_dir/$first'"
	run -73 as "$TEACHER" ej-report diary --class 5А --period 1 --mail "$trap_dir"
	[[ "$output" == *"File exists"* ]]
	[ "$(cat "$trap_dir/$first")" = mine ]
	# The messages are the user's, 0600.
	[ "$(stat -c '%U %a' "$out/$first")" = "$TEACHER 600" ]
}

@test "attack 2: --slips through a link to history.git/description — exit 73" {
	as "$TEACHER" ln -s "$S/history.git/description" "$SEC/home/$TEACHER/slips.html"
	desc=$(sha256sum "$S/history.git/description")
	run -73 as "$TEACHER" ej-issue-login issue --class 5А --parents \
	    --slips "$SEC/home/$TEACHER/slips.html"
	[[ "$output" == *"slips.html: File exists; slips are never written over"* ]]
	[ "$(sha256sum "$S/history.git/description")" = "$desc" ]
	unchanged
}

@test "attack 5: an input file is read with the user's rights, not the group's" {
	run -66 as "$TEACHER" ej-grade --store "$S" import --wide --class 5А \
	    --subject "Русский язык" "$S/history.git/config"
	[[ "$output" == *"$S/history.git/config: Permission denied"* ]]
	[[ "$output" != *"repositoryformatversion"* ]]
	[[ "$output" != *"[core]"* ]]
	run -66 as "$TEACHER" ej-lesson --store "$S" import "$S/history.git/HEAD"
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" != *"refs/heads"* ]]
	unchanged
}

@test "attack 5: --as-of works for the group's users, and leaves no copy of the school behind" {
	run -0 as "$TEACHER" env TMPDIR="$SEC/home/$TEACHER" ej-report summary \
	    --class 5А --period 1 --as-of main~1
	[ -z "$(find "$SEC/home/$TEACHER" -name 'ej-report-*' -o -name 'ej.db*')" ]
}

@test "attack 5: remotes' credentials shown only to admins and technicians" {
	"$BIN/ej-sync" --store "$S" remote add district \
	    "https://backup:S3cretPw@git.example.org/school.git" 2>/dev/null
	# A teacher (root acting as one) sees the URL without the password.
	run -0 env EJ_AS=frolov.ad "$BIN/ej-sync" --store "$S" remote list
	[ "$output" = "district	https://backup:***@git.example.org/school.git" ]
	run -0 as "$TEACHER" ej-sync remote list
	[ "$output" = "district	https://backup:S3cretPw@git.example.org/school.git" ]
	run -0 "$BIN/ej-sync" --store "$S" remote list
	[ "$output" = "district	https://backup:S3cretPw@git.example.org/school.git" ]
	"$BIN/ej-sync" --store "$S" remote remove district 2>/dev/null
}

@test "the setgid commands ignore EJ_LOCALEDIR and the user's git configuration" {
	mkdir -p "$SEC/home/$TEACHER/loc"
	chown "$TEACHER" "$SEC/home/$TEACHER/loc"
	printf '[core]\n\tfsyncObjectFiles = false\n[include]\n\tpath = %s\n' \
	    "$S/history.git/config" > "$SEC/home/$TEACHER/.gitconfig"
	chown "$TEACHER" "$SEC/home/$TEACHER/.gitconfig"
	run -0 as "$TEACHER" env EJ_LOCALEDIR="$SEC/home/$TEACHER/loc" \
	    ej-grade set 5А "Русский язык" 17.09 "Баранов Владислав" 4
	rm "$SEC/home/$TEACHER/.gitconfig"
}

@test "attack 5: ej-rebuild --out works for the group's users, and writes only a new file of the user's" {
	h=$SEC/home/$TEACHER
	run -0 as "$TEACHER" ej-rebuild --at main~1 --out "$h/old.db"
	[ "$(stat -c '%U %a' "$h/old.db")" = "$TEACHER 600" ]
	[ "$(sqlite3 "$h/old.db" 'SELECT count(*) FROM pupils')" -gt 100 ]
	# Through a link into the store: refused before any work, 73.
	as "$TEACHER" ln -s "$S/ej.db" "$h/link.db"
	run -73 as "$TEACHER" ej-rebuild --at main~1 --out "$h/link.db"
	[[ "$output" == *"link.db: File exists"* ]]
	unchanged
	[ -z "$(ls "$S" | grep rebuild)" ]
}

@test "libmagic's MAGIC cannot make a setgid command print the store's files" {
	# libmagic reads the file MAGIC names as its database and warns with
	# each line it cannot parse: with the group's rights that would print
	# the history's configuration (a remote's credentials included).
	cp "$BATS_TEST_DIRNAME/../../examples/portfolio/diploma.pdf" "$SEC/home/$TEACHER/"
	chown "$TEACHER" "$SEC/home/$TEACHER/diploma.pdf"
	run as "$TEACHER" env MAGIC="$S/history.git/config" \
	    ej-portfolio add "$TEACHER" --kind "курсы повышения квалификации" --title "Курсы" \
	    --date 01.09.2020 "$SEC/home/$TEACHER/diploma.pdf"
	echo "$output"
	[[ "$output" != *repositoryformatversion* ]]
	[[ "$output" != *"[core]"* ]]
	[ "$status" -eq 0 ]
}

@test "ej-sync push and status work for the group's technician" {
	h=$SEC/home/$TEACHER
	as "$TEACHER" git init -q --bare "$h/backup.git"
	run -0 as "$TEACHER" ej-sync remote add backup "$h/backup.git"
	run -0 as "$TEACHER" ej-sync push backup
	"$BIN/ej-grade" --store "$S" set 5А "Русский язык" 18.09 "Баранов Владислав" 3 2>/dev/null
	want=$(git -C "$S/history.git" rev-parse main)
	run -0 as "$TEACHER" ej-sync status backup
	echo "$output"
	[[ "$output" == *"ahead 1"* ]]
	run -0 as "$TEACHER" ej-sync push backup
	[ "$(as "$TEACHER" git -C "$h/backup.git" rev-parse main)" = "$want" ]
	[ -z "$(find "$S" ! -group "$G")" ]
	"$BIN/ej-sync" --store "$S" remote remove backup 2>/dev/null
}
