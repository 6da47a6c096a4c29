#!/usr/bin/env bats
# ej-issue-login against a real store and its history: accounts only for
# people whose documents are on record, logins per ICAO Doc 9303 with
# collisions, passwords that verify and exist nowhere but the slips,
# idempotent re-runs, reset, revoke, export, a rebuild that keeps the
# hashes (and a lost database that loses them), slips written before the
# commit, bad input leaving the store byte for byte, and who may.

bats_require_minimum_version 1.5.0

bats_require_minimum_version 1.5.0

load helpers

# The demo school, its roster and parents, 5А's and Акимов Кирилл's
# applications (tests/data/consent), and five pupils of 14+ in 9А/9Б who
# applied themselves: two Ивановы Иван (the first with his father Иван,
# who applied too), the ICAO test vector and every letter of the table.
setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples/roster f k
	local data=$BATS_TEST_DIRNAME/../data
	ej-init --store "$TPL" "$ex/../school.yaml" 2>/dev/null
	export EJ_STORE=$TPL
	for f in pupils.csv pupils-5-9-excel.csv pupils-10-11-bom.csv; do
		ej-roster import pupils "$ex/$f" 2>/dev/null
	done
	ej-roster import parents "$ex/parents.csv" 2>/dev/null
	ej-roster import pupils 2>/dev/null <<-EOF
	surname,name,patronymic,birth_date,sex,class,ext_id
	Иванов,Иван,Петрович,2005-01-01,м,9А,T-1
	Иванов,Иван,Сергеевич,2005-02-02,м,9Б,T-2
	Эйжлобгдетуз,Прячьюныхсъёмщицвшкаф,,2005-03-03,м,9Б,T-3
	Абвгдеёжзий,Клмнопрстуф,,2005-04-04,ж,9Б,T-4
	Хцчшщъыьэюя,Ая,,2005-05-05,ж,9Б,T-5
	EOF
	printf '%s\n' 'surname,name,patronymic,relation,pupil' \
	    'Иванов,Иван,Иванович,отец,#T-1' |
	    ej-roster import parents 2>/dev/null
	ej-consent import "$data/consent/applications.csv" 2>/dev/null
	{
		echo 'parent,pupil,kind,date'
		for k in ediary personal-data; do
			for f in 1 2 3 4 5; do
				echo ",#T-$f,$k,01.09.2020"
			done
			echo "Иванов Иван Иванович,#T-1,$k,01.09.2020"
		done
	} | ej-consent import 2>/dev/null
	unset EJ_STORE
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
}
teardown() {
	if [ -n "$TRASH" ] && mountpoint -q "$TRASH/mnt" 2>/dev/null; then
		umount "$TRASH/mnt"
	fi
	teardown_trash
}

# A bad input: exit 65 (or the code given first), "nothing was written"
# last, the store — database and history — byte for byte as it was.
refused() {
	local code=65
	case $1 in [0-9]*) code=$1; shift ;; esac
	refused_write "$code" ej-issue-login "$@"
}

# ej-issue-login with its standard output in $output (through run) and
# its standard error in $TRASH/err.
il() {
	ej-issue-login "$@" 2>"$TRASH/err"
}

# Login and password of the slips CSV in $1 for the row matching $2.
slip() {
	awk -F, -v who="$2" 'NR > 1 && $0 ~ who { print $1 " " $2; exit }' "$1"
}

# No revision of the history holds the text, in a file or a message.
nowhere_in_history() {
	local revs
	revs=$(git -C "$S/history.git" rev-list --all)
	run ! git -C "$S/history.git" grep -F -e "$1" $revs --
	run ! sh -c 'git -C "$1/history.git" log --all --format=%B | grep -F -e "$2"' \
	    sh "$S" "$1"
}

# Nor the database files, as strings(1) sees them.
nowhere() {
	nowhere_in_history "$1"
	! strings "$S"/ej.db* | grep -F -e "$1"
}

@test "issue a class: slips on stdout, the skipped named with their missing document, exit 1" {
	run il issue --class 5А
	cat "$TRASH/err"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >"$TRASH/slips.csv"
	run cat "$TRASH/slips.csv"
	[ "${lines[0]}" = "login,password,role,name,class,children" ]
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[1]}" =~ ^baranov\.vladislav,[a-km-zA-HJ-NP-Z2-9]{12},pupil,Баранов\ Владислав\ Фёдорович,5А,$ ]]
	[[ "$output" == *"baranova.mariia,"*",parent,Баранова Мария Александровна,5А,Баранов Владислав"* ]]
	[[ "$output" == *"veliev.ismail,"*",pupil,Велиев Исмаил Мустафаевич,5А,"* ]]
	[[ "$output" == *"velieva.elmira,"*",parent,Велиева Эльмира Исмаиловна,5А,Велиев Исмаил"* ]]
	run cat "$TRASH/err"
	[[ "$output" == *"ej-issue-login: Богданов Павел Артёмович (5А, pupil): the consent to personal data processing was refused"* ]]
	[[ "$output" == *"ej-issue-login: Баранов Фёдор Александрович (5А, parent): no application for e-diary access on record"* ]]
	[[ "$output" == *"ej-issue-login: logins issued for 5А by $(id -un): 2 pupils, 2 parents (commit "* ]]
	[[ "$output" == *"ej-issue-login: 46 skipped: their documents are not on record (listed above)" ]]
	# The history: who issued which login, never a password or a hash.
	[ "$(git -C "$S/history.git" log -1 --format=%s)" = "logins issued for 5А by $(id -un): 2 pupils, 2 parents" ]
	run git -C "$S/history.git" show main:people/accounts.csv
	[ "${lines[0]}" = "id,login,role,pupil_id,parent_id,person,status,must_change,issued,revoked,reason,entered_by" ]
	[[ "${lines[1]}" == "1,baranov.vladislav,pupil,"*",,Баранов Владислав,active,1,"*",,\"\",$(id -un)" ]]
	[ "${#lines[@]}" -eq 5 ]
	nowhere_in_history '$argon2id$'
	strings "$S"/ej.db* | grep -q -F '$argon2id$'
	while read -r login pw; do
		nowhere "$pw"
		run ej-issue-login verify "$login" <<<"$pw"
		[ "$status" -eq 0 ]
		run ej-issue-login verify "$login" <<<"${pw}x"
		[ "$status" -eq 1 ]
		[ "$output" = "ej-issue-login: no match" ]
	done < <(awk -F, 'NR > 1 { print $1 " " $2 }' "$TRASH/slips.csv")
	# A password verifies against its own account only.
	pw=$(slip "$TRASH/slips.csv" baranov.vladislav | cut -d' ' -f2)
	run ej-issue-login verify baranova.mariia <<<"$pw"
	[ "$status" -eq 1 ]
}

@test "idempotent: the same issue again issues nothing and makes no commit" {
	run il issue --pupil "Акимов Кирилл" --pupils
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "akimov.kirill,"* ]]
	n=$(commits "$S")
	before=$(store_digest "$S")
	run ej-issue-login issue --pupil "Акимов Кирилл" --pupils
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-issue-login: no changes"* ]]
	[[ "$output" == *"ej-issue-login: 1 already had a login"* ]]
	[[ "$output" != *"akimov.kirill,"* ]]
	[ "$(commits "$S")" -eq "$n" ]
	[ "$(store_digest "$S")" = "$before" ]
}

@test "--slips: a new file of mode 0600, HTML cards; an existing file is never written over" {
	run ej-issue-login issue --pupils --pupil "Акимов Кирилл" --slips "$TRASH/s.html" --format html
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$TRASH/s.html")" = 600 ]
	grep -q '<!DOCTYPE html>' "$TRASH/s.html"
	[ "$(grep -c 'class="slip"' "$TRASH/s.html")" -eq 1 ]
	grep -q 'Login: <span class="secret">akimov.kirill</span>' "$TRASH/s.html"
	pw=$(sed -n 's/.*Password: <span class="secret">\([^<]*\)<.*/\1/p' "$TRASH/s.html")
	[ ${#pw} -eq 12 ]
	run ej-issue-login verify akimov.kirill <<<"$pw"
	[ "$status" -eq 0 ]
	nowhere "$pw"
	# Again into the same file: 73, the file and the store as they were.
	sum=$(sha256sum <"$TRASH/s.html")
	refused 73 reset --slips "$TRASH/s.html" akimov.kirill
	[[ "$output" == *"s.html: File exists; slips are never written over an existing file"* ]]
	[ "$(sha256sum <"$TRASH/s.html")" = "$sum" ]
}

@test "logins: the ICAO test vector and every letter of the table; collisions get 2, 3; stable across re-issue" {
	run ej-issue-login issue --parallel 9 --slips "$TRASH/s.csv"
	[ "$status" -eq 1 ]
	run cut -d, -f1,3,4 "$TRASH/s.csv"
	echo "$output"
	[ "${lines[1]}" = "akimov.kirill,pupil,Акимов Кирилл Владимирович" ]
	[ "${lines[2]}" = "ivanov.ivan,pupil,Иванов Иван Петрович" ]
	[ "${lines[3]}" = "ivanov.ivan2,parent,Иванов Иван Иванович" ]
	# DOMAIN.md: «Эй, жлоб! Где туз? Прячь юных съёмщиц в шкаф.»
	v=$(printf '%s' 'Ei, zhlob! Gde tuz?' | tr -cd 'A-Za-z' | tr A-Z a-z)
	w=$(printf '%s' 'Priach iunykh sieemshchits v shkaf.' | tr -cd 'A-Za-z' | tr A-Z a-z)
	[[ "$output" == *"abvgdeezhzii.klmnoprstuf,pupil,Абвгдеёжзий Клмнопрстуф"* ]]
	[[ "$output" == *"ivanov.ivan3,pupil,Иванов Иван Сергеевич"* ]]
	[[ "$output" == *"khtschshshchieyeiuia.aia,pupil,Хцчшщъыьэюя Ая"* ]]
	[[ "$output" == *"$v.$w,pupil,Эйжлобгдетуз Прячьюныхсъёмщицвшкаф"* ]]
	[ "$v.$w" = eizhlobgdetuz.priachiunykhsieemshchitsvshkaf ]
	# Revoked and issued again: the same login, a new password.
	ej-issue-login revoke --reason "выбыл" ivanov.ivan3 2>/dev/null
	run il issue --pupil "#T-2"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "ivanov.ivan3,"* ]]
	run git -C "$S/history.git" log -1 --format=%s
	[ "$output" = "login issued for ivanov.ivan3 by $(id -un)" ]
}

@test "consent gating: none, refused, revoked; a revoked consent revokes the logins" {
	run il issue --pupil "Велиев Исмаил Мустафаевич"
	[ "$status" -eq 1 ]
	[[ "$output" == *"veliev.ismail,"* && "$output" == *"velieva.elmira,"* ]]
	grep -q "Велиев Мустафа Усеинович (5А, parent): no application for e-diary access on record" "$TRASH/err"
	pw=$(printf '%s\n' "$output" | awk -F, '$1 == "velieva.elmira" { print $2 }')
	run ej-consent revoke --pupil "Велиев Исмаил Мустафаевич" --kind personal-data \
	    --date 01.10 --reason "отзыв согласия" "Велиева Эльмира Исмаиловна"
	[ "$status" -eq 0 ]
	[[ "$output" == *"; 2 logins revoked (commit "* ]]
	run ej-issue-login list --class 5А
	[[ "$output" == *"veliev.ismail,pupil,"*",revoked,1,no,"*",consent withdrawn"* ]]
	[[ "$output" == *"velieva.elmira,parent,"*",revoked,1,no,"*",consent withdrawn"* ]]
	run ej-issue-login verify velieva.elmira <<<"$pw"
	[ "$status" -eq 1 ]
	run ej-issue-login issue --pupil "Велиев Исмаил Мустафаевич"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Велиева Эльмира Исмаиловна (5А, parent): the consent to personal data processing was revoked"* ]]
	[[ "$output" == *"Велиев Исмаил Мустафаевич (5А, pupil): the consent to personal data processing was revoked"* ]]
	run ej-issue-login issue --pupil "Богданов Павел" --pupils
	[ "$status" -eq 1 ]
	[[ "$output" == *"Богданов Павел Артёмович (5А, pupil): the consent to personal data processing was refused"* ]]
	[[ "$output" == *"ej-issue-login: no changes"* ]]
}

@test "reset, revoke, export: new passwords, old ones gone, hashes only where they belong" {
	ej-issue-login issue --pupils --pupil "Акимов Кирилл" >"$TRASH/a.csv" 2>/dev/null
	old=$(slip "$TRASH/a.csv" akimov | cut -d' ' -f2)
	run il reset --reason "слип утерян" akimov.kirill
	[ "$status" -eq 0 ]
	new=$(printf '%s\n' "$output" | awk -F, '$1 == "akimov.kirill" { print $2 }')
	[ -n "$new" ] && [ "$new" != "$old" ]
	[ "$(git -C "$S/history.git" log -1 --format=%s)" = "login reset for akimov.kirill by $(id -un)" ]
	git -C "$S/history.git" log -1 --format=%B | grep -q "слип утерян"
	run ej-issue-login verify akimov.kirill <<<"$old"
	[ "$status" -eq 1 ]
	run ej-issue-login verify akimov.kirill <<<"$new"
	[ "$status" -eq 0 ]
	run ej-issue-login export
	[ "${lines[0]}" = "login,hash,role,person_id,person,children" ]
	[[ "${lines[1]}" =~ ^akimov\.kirill,\"\$argon2id\$v=19\$m=65536,t=2,p=1\$[^\"]+\",pupil,[0-9]+,Акимов\ Кирилл\ Владимирович,[0-9]+$ ]]
	nowhere "$new"
	run ej-issue-login revoke --reason "выбыл" akimov.kirill
	[ "$status" -eq 0 ]
	[ "$(git -C "$S/history.git" log -1 --format=%s)" = "login revoked for akimov.kirill by $(id -un)" ]
	run ej-issue-login verify akimov.kirill <<<"$new"
	[ "$status" -eq 1 ]
	[ "$(ej-issue-login export | wc -l)" -eq 1 ]
	refused reset akimov.kirill
	[[ "$output" == *"akimov.kirill: the login is revoked; issue it again instead"* ]]
}

@test "rebuild keeps the passwords; a lost database loses them, named; reset --lost issues new ones" {
	ej-issue-login issue --pupils --pupil "Акимов Кирилл" >"$TRASH/a.csv" 2>/dev/null
	old=$(slip "$TRASH/a.csv" akimov | cut -d' ' -f2)
	run -0 ej-rebuild
	[[ "$output" == *"ej-rebuild: kept 1 of 1 password hashes (their accounts are the same in the history)"* ]]
	run -0 ej-issue-login verify akimov.kirill <<<"$old"
	rm "$S/ej.db"
	run ej-rebuild
	[ "$status" -eq 0 ]
	[[ "$output" == *"ej-rebuild: 1 active accounts have no password: ej-issue-login reset --lost issues new ones to"* ]]
	[ "${lines[${#lines[@]}-1]}" = "  akimov.kirill" ]
	run ej-issue-login list
	[[ "${lines[1]}" == "akimov.kirill,pupil,"*",active,1,no,"* ]]
	run il reset --lost
	[ "$status" -eq 0 ]
	pw=$(printf '%s\n' "$output" | awk -F, '$1 == "akimov.kirill" { print $2 }')
	run ej-issue-login verify akimov.kirill <<<"$pw"
	[ "$status" -eq 0 ]
}

@test "bad input: unknown people, class, login; nothing written" {
	refused issue --pupil "Нет Такого"
	[[ "$output" == *'no pupil "Нет Такого" on the roster'* ]]
	refused issue --parent "Нет Такого"
	[[ "$output" == *'no parent "Нет Такого" on the roster'* ]]
	refused issue --class 12Я
	[[ "$output" == *'no class "12Я"'* ]]
	refused revoke --reason x nobody.nobody
	[[ "$output" == *'no account "nobody.nobody"'* ]]
	refused reset nobody.nobody
	printf 'pupil,parent\nНет Такого,\n,Нет Такой\n' >"$TRASH/people.csv"
	refused issue "$TRASH/people.csv"
	[[ "$output" == *"people.csv:2: no pupil \"Нет Такого\" on the roster"* ]]
	[[ "$output" == *"people.csv:3: no parent \"Нет Такой\" on the roster"* ]]
	run ej-issue-login issue --threads 0
	[ "$status" -eq 2 ]
	run ej-issue-login issue --class 5А --pupil "Акимов Кирилл"
	[ "$status" -eq 2 ]
	run ej-issue-login revoke akimov.kirill
	[ "$status" -eq 2 ]
}

@test "who may: the class teacher for their class, an admin for all, others 77" {
	before=$(store_digest "$S")
	EJ_AS=frolov.ad run ej-issue-login issue --class 5А
	[ "$status" -eq 77 ]
	[[ "$output" == *"frolov.ad may not handle the login of"*"(5А)"* ]]
	EJ_AS=pushkar.es run ej-issue-login issue --pupil "Акимов Кирилл"
	[ "$status" -eq 77 ]
	EJ_AS=padina.iv run ej-issue-login issue --pupil "Акимов Кирилл"
	[ "$status" -eq 77 ]
	[[ "$output" == *"padina.iv may not issue logins"* ]]
	EJ_AS=ivanova.mp run ej-issue-login export
	[ "$status" -eq 77 ]
	[ "$(store_digest "$S")" = "$before" ]
	EJ_AS=ivanova.mp run il issue --pupil "Баранов Владислав" --pupils
	[ "$status" -eq 0 ]
	[[ "$output" == *"baranov.vladislav,"* ]]
	[ "$(git -C "$S/history.git" log -1 --format=%ae)" = "ivanova.mp@skuvk1" ]
	[ "$(git -C "$S/history.git" log -1 --format=%s)" = "login issued for baranov.vladislav by ivanova.mp" ]
	pw=$(printf '%s\n' "$output" | awk -F, '$1 == "baranov.vladislav" { print $2 }')
	EJ_AS=ivanova.mp run ej-issue-login verify baranov.vladislav <<<"$pw"
	[ "$status" -eq 77 ]
	EJ_AS=usenko.vv run ej-issue-login verify baranov.vladislav <<<"$pw"
	[ "$status" -eq 0 ]
}

@test "dry run and threads: nothing written, no slips file; one thread or two issue alike" {
	before=$(store_digest "$S")
	run ej-issue-login issue -n --class 5А --slips "$TRASH/dry.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"logins issued for 5А by $(id -un): 2 pupils, 2 parents (dry run: nothing was written)"* ]]
	[[ "$output" == *"  people/accounts.csv"* ]]
	[ ! -e "$TRASH/dry.csv" ]
	[ "$(store_digest "$S")" = "$before" ]
	run ej-issue-login issue --threads 1 --pupil "Баранов Владислав" --slips "$TRASH/t1.csv"
	[ "$status" -eq 1 ]
	run ej-issue-login issue --threads 2 --pupil "Велиев Исмаил Мустафаевич" --slips "$TRASH/t2.csv"
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$TRASH/t1.csv")" -eq 3 ] && [ "$(wc -l <"$TRASH/t2.csv")" -eq 3 ]
	while read -r login pw; do
		run ej-issue-login verify "$login" <<<"$pw"
		[ "$status" -eq 0 ]
	done < <(awk -F, 'FNR > 1 { print $1 " " $2 }' "$TRASH/t1.csv" "$TRASH/t2.csv")
	# No progress bar when standard error is not a terminal; one when it is.
	[[ "$output" != *"["*"#"* ]]
	script -qec "ej-issue-login issue --pupils --pupil 'Акимов Кирилл' --slips '$TRASH/t3.csv'" /dev/null >"$TRASH/tty" </dev/null
	grep -q '\[#*\] 1/1' "$TRASH/tty"
	[ "$(wc -l <"$TRASH/t3.csv")" -eq 2 ]
}

# The state a failed reset must leave: the same history, the same database
# bytes, and the old password still the one.
unchanged() {
	[ "$(git -C "$S/history.git" rev-parse main)" = "$main" ]
	[ "$(sha256sum <"$S/ej.db")" = "$db" ]
	run -0 ej-issue-login verify akimov.kirill <<<"$old"
}

# The slips go out (written and synced) before the commit: when they
# cannot be, no password changes and nothing is committed.
to_full() { ej-issue-login "$@" >/dev/full; }

@test "secrets before commits: slips to /dev/full: 74, nothing committed, the old password stands" {
	ej-issue-login issue --pupils --pupil "Акимов Кирилл" >"$TRASH/a.csv" 2>/dev/null
	old=$(slip "$TRASH/a.csv" akimov | cut -d' ' -f2)
	main=$(git -C "$S/history.git" rev-parse main)
	db=$(sha256sum <"$S/ej.db")
	run -74 to_full reset --reason lost akimov.kirill
	echo "$output"
	[[ "$output" == *"ej-issue-login: stdout: the slips cannot be written: no password was changed"* ]]
	[ "${lines[-1]}" = "ej-issue-login: nothing was written" ]
	unchanged
	run -74 to_full reset --reason lost --format html --class 5А
	unchanged
	# A new login too: no account without its slip.
	run -74 to_full issue --pupil "Баранов Владислав" --pupils
	unchanged
	[ "$(ej-issue-login list | grep -c baranov)" -eq 0 ]
	# --slips names a file that exists: never written over, nothing done.
	run -73 ej-issue-login reset --reason lost --slips /dev/full akimov.kirill
	unchanged
}

@test "secrets before commits: slips onto a full disk: 74, no slips file, nothing committed" {
	ej-issue-login issue --pupils --pupil "Акимов Кирилл" >"$TRASH/a.csv" 2>/dev/null
	old=$(slip "$TRASH/a.csv" akimov | cut -d' ' -f2)
	main=$(git -C "$S/history.git" rev-parse main)
	db=$(sha256sum <"$S/ej.db")
	mkdir "$TRASH/mnt"
	mount -t tmpfs -o size=8k tmpfs "$TRASH/mnt" 2>/dev/null ||
	    skip "cannot mount a tmpfs here (not allowed to mount)"
	dd if=/dev/zero of="$TRASH/mnt/fill" bs=1k count=64 2>/dev/null || true
	run -74 ej-issue-login reset --reason lost --slips "$TRASH/mnt/s.csv" akimov.kirill
	echo "$output"
	[[ "$output" == *"ej-issue-login: $TRASH/mnt/s.csv: the slips cannot be written: no password was changed"* ]]
	[ ! -e "$TRASH/mnt/s.csv" ]
	unchanged
}

@test "a ref that cannot move after the database took the passwords: the slips are valid" {
	ej-issue-login issue --pupils --pupil "Акимов Кирилл" >"$TRASH/a.csv" 2>/dev/null
	# Step 7 fails: the database has the new passwords (step 6), the next
	# write moves the ref for it.
	touch "$S/history.git/refs/heads/main.lock"
	run -0 ej-issue-login reset --reason lost --slips "$TRASH/s.csv" akimov.kirill
	[[ "$output" == *"the next write finishes it"* ]]
	rm "$S/history.git/refs/heads/main.lock"
	new=$(slip "$TRASH/s.csv" akimov | cut -d' ' -f2)
	run -0 ej-issue-login verify akimov.kirill <<<"$new"
}
