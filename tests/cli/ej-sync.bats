#!/usr/bin/env bats
# ej-sync: remotes, push, clone, pull — against a bare repository over
# file://, git daemon over git:// and sshd over ssh://, all on loopback
# and started here.

load helpers
load ../sync/servers

# The school, made once: the demo with pupils and a few marks.
setup_file() {
	export LC_ALL=C.UTF-8
	unset EJ_STORE EJ_AS
	B=$BATS_FILE_TMPDIR
	EXAMPLES=$BATS_TEST_DIRNAME/../../examples
	ej-init --store "$B/base" "$EXAMPLES/school.yaml" 2>/dev/null
	(cd "$EXAMPLES/roster" && export EJ_STORE=$B/base &&
	    ej-roster import pupils pupils.csv &&
	    ej-roster import pupils pupils-5-9-excel.csv &&
	    ej-roster import pupils pupils-10-11-bom.csv &&
	    ej-roster import parents parents.csv &&
	    ej-grade set 5А Математика 02.09 "Баранов Владислав" 4 &&
	    ej-grade set 5А Математика 04.09 "Богданов Павел" 5) 2>/dev/null
	# git://: one daemon for the file, over the repositories in $B/gitd
	mkdir -p "$B/gitd"
	start_git_daemon "$B/gitd" || { echo "git daemon did not start" >&2; return 1; }
	export GITD_PORT GITD_PID
	# ssh://: sshd when it is installed
	mkdir -p "$B/sshd"
	SSHD_PID=
	if start_sshd "$B/sshd"; then
		export SSHD_PORT SSHD_PID SSH_USER_KEY SSH_HOST_PUB
	fi
}

teardown_file() {
	stop_git_daemon
	stop_sshd
}

setup() {
	setup_trash
	B=$BATS_FILE_TMPDIR
	export HOME=$TRASH/home
	mkdir -p "$HOME/.ssh"
	cp -a "$B/base" "$TRASH/school"
	S=$TRASH/school
	export EJ_STORE=$S
}
teardown() { teardown_trash; }

need_sshd() {
	[ -x /usr/sbin/sshd ] || skip "sshd is not installed (Debian: openssh-server)"
	[ -n "$SSHD_PID" ] || { echo "sshd did not start: $(cat "$B/sshd/sshd.log")" >&2; return 1; }
	# under ASan: libgit2's ssh transport leaks what it reads of
	# known_hosts (see the file)
	export LSAN_OPTIONS=suppressions=$BATS_TEST_DIRNAME/../sync/lsan.supp:print_suppressions=0
}

bare() {
	git init -q --bare "$1"
}

head_of() {
	git -C "$1" rev-parse --verify -q refs/heads/main
}

# What a person sees of a store: every export, byte for byte.
views() {
	for k in pupils parents staff load moves; do
		ej-roster --store "$1" export $k
	done
	ej-grade --store "$1" export
	ej-attend --store "$1" export
	ej-report --store "$1" summary
	ej-report --store "$1" quality --format csv
	sqlite3 "$1/ej.db" "SELECT * FROM lessons ORDER BY class_id, subject_id, date, num, subgroup;
	    SELECT * FROM term_marks ORDER BY pupil_id, subject_id, period;"
}

known_host() {
	echo "[127.0.0.1]:$SSHD_PORT $SSH_HOST_PUB" >> "$HOME/.ssh/known_hosts"
}

@test "remote add, list, remove; a bad name or a duplicate is refused" {
	run ej-sync remote add district file://$TRASH/r.git
	[ "$status" -eq 0 ]
	ej-sync remote add usb /media/usb/school.git
	run ej-sync remote list
	[ "$status" -eq 0 ]
	[ "$output" = "district	file://$TRASH/r.git
usb	/media/usb/school.git" ]
	[ "$(git -C "$S/history.git" config remote.usb.url)" = /media/usb/school.git ]
	before=$(store_digest "$S")
	run ej-sync remote add district file:///elsewhere
	[ "$status" -eq 65 ]
	[ "$output" = "ej-sync: remote district exists already" ]
	run ej-sync remote add "bad name" file:///x
	[ "$status" -eq 2 ]
	[ "$output" = "ej-sync: not a remote name: bad name" ]
	run ej-sync remote remove nosuch
	[ "$status" -eq 65 ]
	[ "$(store_digest "$S")" = "$before" ]
	run ej-sync remote remove usb
	[ "$status" -eq 0 ]
	[ "$(ej-sync remote list)" = "district	file://$TRASH/r.git" ]
	run ej-sync remote frob
	[ "$status" -eq 2 ]
}

@test "push over file://: the remote's main is ours; again, up to date; status says when" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	run ej-sync push
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-sync: district: pushed main ("*" objects sent)" ]]
	[ "$(head_of "$TRASH/r.git")" = "$(head_of "$S/history.git")" ]
	git -C "$TRASH/r.git" fsck --no-dangling
	run ej-sync push district
	[ "$status" -eq 0 ]
	[ "$output" = "ej-sync: district: up to date" ]
	run ej-sync status district
	[ "$status" -eq 0 ]
	[[ "$output" == "district	file://$TRASH/r.git	ahead 0, behind 0	last push $(date -u +%Y-%m-%d)T"*"Z	last pull never" ]]
}

@test "push sends only what the remote lacks" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	run ej-sync push
	first=$(echo "$output" | sed 's/.*(\([0-9]*\) objects sent)/\1/')
	ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3 2>/dev/null
	run ej-sync push
	[ "$status" -eq 0 ]
	next=$(echo "$output" | sed 's/.*(\([0-9]*\) objects sent)/\1/')
	# one commit, the trees of /, journal, 2020-2021, 5А and Математика,
	# and marks.csv: 7 objects, against the whole history's
	[ "$next" -eq 7 ]
	[ "$first" -gt 20 ]
	[ "$(head_of "$TRASH/r.git")" = "$(head_of "$S/history.git")" ]
}

@test "no remote to push to: a clear error" {
	run ej-sync push
	[ "$status" -eq 65 ]
	[ "$output" = "ej-sync: no remote to push to; add one with: ej-sync remote add NAME URL" ]
	run ej-sync push nosuch
	[ "$status" -eq 65 ]
	[ "$output" = "ej-sync: no remote nosuch; add one with: ej-sync remote add NAME URL" ]
}

@test "a non-fast-forward push is rejected, naming the remote and the ref; nothing forced" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	# someone else's commit lands on the remote first
	tree=$(git -C "$TRASH/r.git" rev-parse 'main^{tree}')
	other=$(echo "elsewhere" | GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x \
	    GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
	    git -C "$TRASH/r.git" commit-tree "$tree" -p main)
	git -C "$TRASH/r.git" update-ref refs/heads/main "$other"
	ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3 2>/dev/null
	run ej-sync push district
	[ "$status" -eq 1 ]
	[[ "$output" == "ej-sync: district: refs/heads/main rejected: not a fast-forward"* ]]
	[ "$(head_of "$TRASH/r.git")" = "$other" ]
	# status tells the divergence, both sides counted; main stays ours
	run ej-sync status district
	[ "$status" -eq 0 ]
	[[ "$output" == "district	file://$TRASH/r.git	diverged: ahead 1, behind 1	last push "* ]]
	[ "$(git -C "$S/history.git" rev-parse main~1)" = "$(git -C "$TRASH/r.git" rev-parse main~1)" ]
}

@test "git://: push, clone, pull; a server's refusal is an error naming the remote and the ref" {
	bare "$B/gitd/g-$BATS_TEST_NUMBER.git"
	url=git://127.0.0.1:$GITD_PORT/g-$BATS_TEST_NUMBER.git
	ej-sync remote add district "$url"
	run ej-sync push
	[ "$status" -eq 0 ]
	[ "$(head_of "$B/gitd/g-$BATS_TEST_NUMBER.git")" = "$(head_of "$S/history.git")" ]
	run ej-sync clone "$url" "$TRASH/mirror"
	[ "$status" -eq 0 ]
	[ "$output" = "ej-sync: $TRASH/mirror: a mirror of $url" ]
	ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3 2>/dev/null
	ej-sync push 2>/dev/null
	run ej-sync --store "$TRASH/mirror" pull
	[ "$status" -eq 0 ]
	diff <(views "$S") <(views "$TRASH/mirror")
	# the server declines: its pre-receive hook says no
	printf '#!/bin/sh\necho "journal frozen" >&2\nexit 1\n' > \
	    "$B/gitd/g-$BATS_TEST_NUMBER.git/hooks/pre-receive"
	chmod +x "$B/gitd/g-$BATS_TEST_NUMBER.git/hooks/pre-receive"
	remote_before=$(head_of "$B/gitd/g-$BATS_TEST_NUMBER.git")
	ej-grade set 5А Математика 04.09 "Велиев Исмаил" 4 2>/dev/null
	run ej-sync push district
	[ "$status" -eq 1 ]
	[[ "$output" == *"ej-sync: district: rejected by the server: refs/heads/main: "* ]]
	[ "$(head_of "$B/gitd/g-$BATS_TEST_NUMBER.git")" = "$remote_before" ]
}

@test "ssh://: push, clone and pull with a key and a known host" {
	need_sshd
	known_host
	bare "$TRASH/s.git"
	url=ssh://$(id -un)@127.0.0.1:$SSHD_PORT$TRASH/s.git
	ej-sync remote add district "$url"
	run ej-sync -i "$SSH_USER_KEY" push district
	[ "$status" -eq 0 ]
	[ "$(head_of "$TRASH/s.git")" = "$(head_of "$S/history.git")" ]
	# the key from ~/.ssh, as cron's user has it
	cp "$SSH_USER_KEY" "$HOME/.ssh/id_ed25519"
	cp "$SSH_USER_KEY.pub" "$HOME/.ssh/id_ed25519.pub"
	run ej-sync clone "$url" "$TRASH/mirror"
	[ "$status" -eq 0 ]
	ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3 2>/dev/null
	ej-sync push 2>/dev/null
	run ej-sync --store "$TRASH/mirror" pull
	[ "$status" -eq 0 ]
	diff <(views "$S") <(views "$TRASH/mirror")
	# the key from an ssh agent, none in ~/.ssh
	rm "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.pub"
	eval "$(ssh-agent -s -a "$TRASH/agent.sock")" >/dev/null
	ssh-add -q "$SSH_USER_KEY" 2>/dev/null
	ej-grade set 5А Математика 04.09 "Велиев Исмаил" 4 2>/dev/null
	run ej-sync push district
	kill "$SSH_AGENT_PID"
	[ "$status" -eq 0 ]
	[ "$(head_of "$TRASH/s.git")" = "$(head_of "$S/history.git")" ]
}

@test "ssh://: an unknown host is refused, a changed key too; a hashed entry is known" {
	need_sshd
	bare "$TRASH/s.git"
	url=ssh://$(id -un)@127.0.0.1:$SSHD_PORT$TRASH/s.git
	ej-sync remote add district "$url"
	before=$(store_digest "$S")
	run ej-sync -i "$SSH_USER_KEY" push
	[ "$status" -eq 77 ]
	[ "$output" = "ej-sync: district: [127.0.0.1]:$SSHD_PORT is not a known host (no key for it in $HOME/.ssh/known_hosts); check its key and add it there, e.g. with ssh-keyscan" ]
	[ -z "$(head_of "$TRASH/s.git")" ]
	run ej-sync -i "$SSH_USER_KEY" clone "$url" "$TRASH/mirror"
	[ "$status" -eq 77 ]
	[ ! -e "$TRASH/mirror" ]
	# another host's key under its name
	ssh-keygen -q -t ed25519 -N '' -f "$TRASH/impostor"
	echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$TRASH/impostor.pub")" > "$HOME/.ssh/known_hosts"
	run ej-sync -i "$SSH_USER_KEY" push
	[ "$status" -eq 77 ]
	[[ "$output" == *"the key of [127.0.0.1]:$SSHD_PORT is not the one in $HOME/.ssh/known_hosts"* ]]
	[ -z "$(head_of "$TRASH/s.git")" ]
	[ "$(store_digest "$S")" = "$before" ]
	# ssh-keygen -H: the names hashed (HMAC-SHA1), as Debian's ssh keeps them
	echo "[127.0.0.1]:$SSHD_PORT $SSH_HOST_PUB" > "$HOME/.ssh/known_hosts"
	ssh-keygen -q -H -f "$HOME/.ssh/known_hosts" 2>/dev/null
	grep -q '^|1|' "$HOME/.ssh/known_hosts"
	run ej-sync -i "$SSH_USER_KEY" push
	[ "$status" -eq 0 ]
	[ "$(head_of "$TRASH/s.git")" = "$(head_of "$S/history.git")" ]
	# a key the server does not know
	run ej-sync -i "$TRASH/impostor" push
	[ "$status" -eq 77 ]
	[ "$output" = "ej-sync: district: the server accepted none of the keys offered as $(id -un)" ]
}

@test "a mirror refuses every write, and leaves its store untouched" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	ej-sync clone "file://$TRASH/r.git" "$TRASH/mirror" 2>/dev/null
	before=$(store_digest "$TRASH/mirror")
	export EJ_STORE=$TRASH/mirror
	run ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3
	[ "$status" -eq 77 ]
	[ "$output" = "ej-grade: this store is a mirror of file://$TRASH/r.git: only ej-sync pull writes it" ]
	run ej-roster import pupils "$EXAMPLES/roster/pupils.csv"
	[ "$status" -eq 77 ]
	[ "$output" = "ej-roster: this store is a mirror of file://$TRASH/r.git: only ej-sync pull writes it" ]
	run ej-lesson set 5А Математика 02.09 --topic "Дроби"
	[ "$status" -eq 77 ]
	[ "$(store_digest "$TRASH/mirror")" = "$before" ]
	# reading goes on
	run ej-grade export
	[ "$status" -eq 0 ]
	[ "$(git -C "$TRASH/mirror/history.git" config ej.mirror)" = "file://$TRASH/r.git" ]
	# never back to its source; on to the district's own backup
	run ej-sync push
	[ "$status" -eq 65 ]
	run ej-sync push origin
	[ "$status" -eq 2 ]
	[ "$output" = "ej-sync: a mirror does not push to its source" ]
	bare "$TRASH/backup.git"
	ej-sync remote add backup "$TRASH/backup.git" 2>/dev/null
	run ej-sync push
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-sync: backup: pushed main ("*" objects sent)" ]]
	[ "$(head_of "$TRASH/backup.git")" = "$(head_of "$S/history.git")" ]
}

@test "a pull after 3 new commits reloads only their files" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	ej-sync clone "file://$TRASH/r.git" "$TRASH/mirror" 2>/dev/null
	old=$(head_of "$S/history.git")
	ej-grade set 5А "Русский язык" 02.09 "Богданов Павел" 5 2>/dev/null
	ej-attend set --subject Математика 5А 04.09 "Велиев Исмаил" н 2>/dev/null
	ej-lesson set 5А Математика 02.09 --topic "Натуральные числа" 2>/dev/null
	[ "$(git -C "$S/history.git" rev-list --count "$old..main")" -eq 3 ]
	ej-sync push 2>/dev/null
	run ej-sync --store "$TRASH/mirror" -v pull
	[ "$status" -eq 0 ]
	new=$(head_of "$S/history.git")
	# the files the 3 commits changed, and the marks and attendance of
	# the lessons' file (a lesson's rows are reloaded with it)
	expected=$( (git -C "$S/history.git" -c core.quotePath=false diff --name-only "$old" "$new";
	    echo "journal/2020-2021/5А/Математика/marks.csv") | sort -u | sed 's/^/  /')
	got=$(printf '%s\n' "${lines[@]}" | grep '^  ')
	[ "$got" = "$expected" ]
	[ "${lines[-1]}" = "ej-sync: ${old:0:7}..${new:0:7}: 3 new commits, $(echo "$expected" | wc -l) files reloaded" ]
	diff <(views "$S") <(views "$TRASH/mirror")
	[ "$(head_of "$TRASH/mirror/history.git")" = "$new" ]
	[ "$(sqlite3 "$TRASH/mirror/ej.db" "select value from meta where key='head'")" = "$new" ]
	# and again: nothing new
	run ej-sync --store "$TRASH/mirror" pull
	[ "$status" -eq 0 ]
	[ "$output" = "ej-sync: up to date (commit ${new:0:7})" ]
}

@test "school → push → district clone: the same journal, byte for byte" {
	ej-grade term set 5А Математика 1 "Баранов Владислав" 4 2>/dev/null
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	run ej-sync clone "file://$TRASH/r.git" "$TRASH/school-27"
	[ "$status" -eq 0 ]
	views "$S" > "$TRASH/school.out"
	views "$TRASH/school-27" > "$TRASH/district.out"
	[ -s "$TRASH/school.out" ]
	cmp "$TRASH/school.out" "$TRASH/district.out"
	# the whole snapshot too: the district's database serialises to the
	# school's tree (ej-rebuild's round trip on the mirror)
	[ "$(head_of "$TRASH/school-27/history.git")" = "$(head_of "$S/history.git")" ]
	[ "$(stat -c %a "$TRASH/school-27")" = 700 ]
}

@test "a rewritten upstream is refused and reported; the mirror stays as it was" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	ej-sync clone "file://$TRASH/r.git" "$TRASH/mirror" 2>/dev/null
	views "$TRASH/mirror" > "$TRASH/before"
	mhead=$(head_of "$TRASH/mirror/history.git")
	# the source's main replaced by a history of its own
	tree=$(git -C "$TRASH/r.git" rev-parse 'main^{tree}')
	forged=$(echo forged | GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x \
	    GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
	    git -C "$TRASH/r.git" commit-tree "$tree")
	git -C "$TRASH/r.git" update-ref refs/heads/main "$forged"
	run ej-sync --store "$TRASH/mirror" pull
	[ "$status" -eq 65 ]
	[ "$output" = "ej-sync: origin: its main (${forged:0:7}) does not descend from this mirror's history: the source's history was rewritten; nothing was changed" ]
	[ "$(head_of "$TRASH/mirror/history.git")" = "$mhead" ]
	views "$TRASH/mirror" > "$TRASH/after"
	cmp "$TRASH/before" "$TRASH/after"
	# status shows it: the source's main is not ours
	run ej-sync --store "$TRASH/mirror" status
	[[ "${lines[1]}" == "origin	file://$TRASH/r.git	diverged: ahead "*", behind 1	"* ]]
}

@test "pull on a school's own store, clone onto a store: refused; a failed clone leaves nothing" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	ej-sync push 2>/dev/null
	before=$(store_digest "$S")
	run ej-sync pull district
	[ "$status" -eq 77 ]
	[ "$output" = "ej-sync: this store is not a mirror: only a mirror made by ej-sync clone pulls" ]
	[ "$(store_digest "$S")" = "$before" ]
	run ej-sync clone "file://$TRASH/r.git" "$S"
	[ "$status" -eq 73 ]
	[ "$(store_digest "$S")" = "$before" ]
	# not an ej history: no main
	git init -q --bare "$TRASH/empty.git"
	run ej-sync clone "file://$TRASH/empty.git" "$TRASH/m"
	[ "$status" -eq 65 ]
	[[ "$output" == "ej-sync: origin: file://$TRASH/empty.git has no refs/heads/main: not an ej history" ]]
	[ ! -e "$TRASH/m" ]
	run ej-sync clone "file://$TRASH/nosuch.git" "$TRASH/m"
	[ "$status" -eq 74 ]
	[ ! -e "$TRASH/m" ]
	run ej-sync clone onlyone
	[ "$status" -eq 2 ]
	run ej-sync -n push
	[ "$status" -eq 2 ]
}

@test "status: the audit's rules — unpushed for push_days, a mirror behind its source" {
	bare "$TRASH/r.git"
	ej-sync remote add district "file://$TRASH/r.git"
	run ej-sync status
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "warning	sync.push-stale	remote district (file://$TRASH/r.git) was never pushed to" ]
	ej-sync push 2>/dev/null
	ej-sync clone "file://$TRASH/r.git" "$TRASH/mirror" 2>/dev/null
	run ej-sync status
	[ "${#lines[@]}" -eq 1 ]
	# a push ten days ago, commits since: stale (push_days is 7)
	git -C "$S/history.git" config remote.district.ejpushed 2026-01-01T00:00:00Z
	run ej-sync status
	[ "${#lines[@]}" -eq 1 ]
	ej-grade set 5А Математика 02.09 "Велиев Исмаил" 3 2>/dev/null
	run ej-sync status
	[ "${lines[1]}" = "warning	sync.push-stale	remote district (file://$TRASH/r.git): 1 commits not pushed since 2026-01-01T00:00:00Z, more than 7 days" ]
	ej-sync push 2>/dev/null
	# the mirror: behind once the source moved on (asked online)
	run ej-sync --store "$TRASH/mirror" --online status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mirror of file://$TRASH/r.git" ]
	[ "${lines[2]}" = "warning	sync.mirror-behind	the mirror is 1 commits behind its source file://$TRASH/r.git" ]
	ej-sync --store "$TRASH/mirror" pull 2>/dev/null
	run ej-sync --store "$TRASH/mirror" --online status
	[ "${#lines[@]}" -eq 2 ]
}
