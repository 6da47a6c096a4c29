#!/usr/bin/env bats
# ej-diary over HTTP: lighttpd on a loopback port runs the built program
# through mod_cgi, and curl plays the attacks and the rules of ej-diary(8):
# headers, cookie flags, the forced change, another child's id, CSRF, the
# lock after ten failures, a revoked login, logout, expiry, limits, the log.

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
	export FX=$BATS_FILE_TMPDIR/fx
	export LC_ALL=C.UTF-8
	"$BATS_TEST_DIRNAME/fixture.sh" "$FX"
	start_diary "$FX" EJ_DIARY_DELAY=0 EJ_DIARY_LOCK_TIME=3
	# Logins of 5А's parents for the tests, one each (line 1 is the header).
	export MOTHER=baranova.mariia
	export MOTHER_PW=$(slip_password $MOTHER)
}

teardown_file() { stop_diary; }

setup() {
	JAR=$BATS_TEST_TMPDIR/jar
	unset EJ_STORE EJ_AS
}

# The Nth parent's login in the slips (not the mother's).
nth_parent() {
	grep ',parent,' "$FX/slips.csv" | grep -v "^$MOTHER," | sed -n "$1p" | cut -d, -f1
}

# Logged in and past the forced change: JAR holds the session.
ready() {
	login "$JAR" "$1" "$(slip_password "$1")" >/dev/null
	change_password "$JAR" "$(slip_password "$1")" "новый-пароль-$1" >/dev/null
}

# One request of the CGI program itself, as a web server makes it (for the
# settings a test needs that the running server does not have).
cgi() {
	env GATEWAY_INTERFACE=CGI/1.1 SCRIPT_NAME=/diary EJ_DIARY_DB="$FX/diary.db" \
	    EJ_STORE="$FX/mirror" EJ_DIARY_TODAY=2020-09-21 REMOTE_ADDR=127.0.0.9 \
	    EJ_DIARY_LOG="$FX/diary.log" EJ_LOCALEDIR="${EJ_LOCALEDIR:-}" \
	    "$@" ej-diary
}

@test "every page carries the CSP, no-referrer, nosniff and no caching; the stylesheet is its own path" {
	run curl -s -D - -o /dev/null "$U/login"
	[[ $output == *"Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"* ]]
	[[ $output == *"Referrer-Policy: no-referrer"* ]]
	[[ $output == *"X-Content-Type-Options: nosniff"* ]]
	[[ $output == *"Cache-Control: no-store"* ]]
	run curl -s "$U/login"
	[[ $output != *"<script"* && $output != *"<style"* && $output != *" style="* ]]
	[[ $output == *'href="/diary/style.css"'* ]]
	run curl -s -D - "$U/style.css"
	[[ $output == *"Content-Type: text/css"* ]]
	[[ $output == *"@media print"* && $output == *"max-width:40rem"* ]]
}

@test "the session cookie is HttpOnly and SameSite=Strict, Secure under HTTPS; its id is stored only hashed" {
	run login "$JAR" "$MOTHER" "$MOTHER_PW"
	[[ $(status_of <<<"$output") == 303 ]]
	line=$(grep '^Set-Cookie: ejd=' <<<"$output")
	[[ $line == *"; HttpOnly"* && $line == *"; SameSite=Strict"* && $line == *"Path=/diary/"* ]]
	[[ $line != *Secure* ]]
	id=$(sed 's/.*ejd=\([0-9a-f]*\);.*/\1/' <<<"$line")
	[ ${#id} -eq 64 ]
	run sqlite3 "$FX/diary.db" "SELECT count(*) FROM sessions WHERE hex(id) = upper('$id')"
	[ "$output" = 0 ]
	run grep -c "$id" "$FX/diary.db"
	[ "$output" = 0 ]
	run cgi HTTPS=on REQUEST_METHOD=GET PATH_INFO=/login
	[[ $output == *"Set-Cookie: ejd_pre="*"; Secure"* ]]
}

@test "first login: every page leads to the password change; a short one, the login and the one-time one are refused" {
	p=$(nth_parent 1); pw=$(slip_password "$p")
	run login "$JAR" "$p" "$pw"
	[[ $output == *"Location: /diary/password"* ]]
	run curl -s -D - -o /dev/null -b "$JAR" "$U/week"
	[[ $output == *"Location: /diary/password"* ]]
	run change_password "$JAR" "$pw" "короткий"
	[[ $(status_of <<<"$output") == 400 ]]
	run change_password "$JAR" "$pw" "$p"
	[[ $(status_of <<<"$output") == 400 ]]
	run change_password "$JAR" "$pw" "$pw"
	[[ $(status_of <<<"$output") == 400 ]]
	tok=$(curl -s -b "$JAR" "$U/password" | csrf_of)
	run curl -s -b "$JAR" --data-urlencode "csrf=$tok" --data-urlencode "current=$pw" \
	    --data-urlencode "new=${p^^}" --data-urlencode "new2=${p^^}" "$U/password"
	[[ $output == *"Новый пароль не должен совпадать с логином."* ]]
	run curl -s -b "$JAR" --data-urlencode "csrf=$tok" --data-urlencode "current=$pw" \
	    --data-urlencode "new=коротко" --data-urlencode "new2=коротко" "$U/password"
	[[ $output == *"не короче 10 символов"* ]]
	run change_password "$JAR" "$pw" "ёлка-палка-2020"
	[[ $output == *"Location: /diary/week"* ]]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week"
	[ "$output" = 200 ]
	# The one-time password works no more; the new one does.
	run login "$BATS_TEST_TMPDIR/j2" "$p" "$pw"
	[[ $(status_of <<<"$output") == 403 ]]
	run login "$BATS_TEST_TMPDIR/j3" "$p" "ёлка-палка-2020"
	[[ $output == *"Location: /diary/week"* ]]
}

@test "a parent gets 403 for a pupil who is not theirs, and their own child's week" {
	p=$(nth_parent 2); ready "$p"
	mine=$(grep "^$p," "$FX/export.csv" | awk -F, '{print $NF}' | cut -d';' -f1)
	other=$(sqlite3 "$FX/mirror/ej.db" "SELECT id FROM pupils WHERE id <> $mine ORDER BY id LIMIT 1")
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week?p=$other"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/period?p=$other"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week?p=${mine}x"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week?p=$mine"
	[ "$output" = 200 ]
	grep -q "forbidden login=$p" "$FX/diary.log"
}

@test "a POST without the CSRF token is refused with 403 and changes nothing" {
	p=$(nth_parent 3); ready "$p"
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -d x=1 "$U/logout"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -d csrf=0000 "$U/logout"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -d "current=x&new=aaaaaaaaaaaa&new2=aaaaaaaaaaaa" "$U/password"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week"
	[ "$output" = 200 ]
	# The login form too: its token must match the cookie it came with.
	run curl -s -o /dev/null -w '%{http_code}' --data-urlencode "login=$p" --data-urlencode "password=x" "$U/login"
	[ "$output" = 403 ]
	# A GET of a state-changing path changes nothing.
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/logout"
	[ "$output" = 404 ]
}

@test "ten wrong passwords lock the login with a Russian message; the right one is refused until the lock ends" {
	p=$(nth_parent 4); pw=$(slip_password "$p")
	for i in 1 2 3 4 5 6 7 8 9; do
		run login "$JAR" "$p" "wrong-$i"
		[[ $(status_of <<<"$output") == 403 ]]
	done
	tok=$(curl -s -c "$JAR" -b "$JAR" "$U/login" | csrf_of)
	run curl -s -c "$JAR" -b "$JAR" --data-urlencode "csrf=$tok" --data-urlencode "login=$p" --data-urlencode "password=wrong-10" "$U/login"
	[[ $output == *"Вход для этого логина заблокирован"* ]]
	run login "$JAR" "$p" "$pw"
	[[ $(status_of <<<"$output") == 429 ]]
	[[ $output == *"Retry-After:"* ]]
	grep -q "locked login=$p" "$FX/diary.log"
	grep -q "locked-refused login=$p" "$FX/diary.log"
	sleep 3.2
	run login "$JAR" "$p" "$pw"
	[[ $output == *"Location: /diary/password"* ]]
}

@test "failed logins are slowed per login and per client address" {
	p=$(nth_parent 5)
	post() {
		local tok
		tok=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
		printf 'csrf=%s&login=%s&password=%s' "$tok" "$1" "$2" > "$BATS_TEST_TMPDIR/body"
		cgi EJ_DIARY_DELAY=30 REQUEST_METHOD=POST PATH_INFO=/login "REMOTE_ADDR=$3" \
		    CONTENT_LENGTH=$(stat -c %s "$BATS_TEST_TMPDIR/body") HTTP_COOKIE="ejd_pre=$tok" \
		    < "$BATS_TEST_TMPDIR/body"
	}
	for i in 1 2 3; do
		run post "$p" "wrong-$i" 10.0.0.1
		[[ $output == "Status: 403"* ]]
	done
	run post "$p" "wrong-4" 10.0.0.2
	[[ $output == "Status: 429"* ]]
	[[ $output == *"Повторите через"* ]]
	# Twenty failures from one address over many logins slow that address.
	for i in $(seq 1 20); do
		post "nobody$i" x 10.0.0.3 >/dev/null
	done
	run post "$(nth_parent 6)" x 10.0.0.3
	[[ $output == "Status: 429"* ]]
	run post "$(nth_parent 6)" x 10.0.0.4
	[[ $output == "Status: 403"* ]]
}

@test "a login revoked by the school is refused after the next load, and its session ends" {
	p=$(nth_parent 7); ready "$p"
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week"
	[ "$output" = 200 ]
	grep -v "^$p," "$FX/export.csv" > "$BATS_TEST_TMPDIR/export.csv"
	run env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$BATS_TEST_TMPDIR/export.csv"
	[ "$status" -eq 0 ]
	[[ $output == *"1 revoked"* ]]
	run curl -s -D - -o /dev/null -b "$JAR" "$U/week"
	[[ $output == *"Location: /diary/login"* ]]
	run login "$BATS_TEST_TMPDIR/j2" "$p" "новый-пароль-$p"
	[[ $(status_of <<<"$output") == 403 ]]
	# Back in the export: active again, with the password it had.
	env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$FX/export.csv"
	run login "$BATS_TEST_TMPDIR/j3" "$p" "новый-пароль-$p"
	[[ $output == *"Location: /diary/week"* ]]
}

@test "an owner's new password survives a reload; a reset by the school replaces it" {
	p=$(nth_parent 8); ready "$p"
	env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$FX/export.csv"
	run login "$BATS_TEST_TMPDIR/j1" "$p" "новый-пароль-$p"
	[[ $output == *"Location: /diary/week"* ]]
	cp -a "$FX/school" "$BATS_TEST_TMPDIR/school"
	EJ_STORE="$BATS_TEST_TMPDIR/school" ej-issue-login reset --reason "слип утерян" "$p" > "$BATS_TEST_TMPDIR/slip.csv" 2>/dev/null
	EJ_STORE="$BATS_TEST_TMPDIR/school" ej-issue-login export > "$BATS_TEST_TMPDIR/export.csv"
	run env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$BATS_TEST_TMPDIR/export.csv"
	[[ $output == *"1 reset"* ]]
	run curl -s -D - -o /dev/null -b "$BATS_TEST_TMPDIR/j1" "$U/week"
	[[ $output == *"Location: /diary/login"* ]]
	run login "$BATS_TEST_TMPDIR/j2" "$p" "новый-пароль-$p"
	[[ $(status_of <<<"$output") == 403 ]]
	run login "$BATS_TEST_TMPDIR/j3" "$p" "$(grep "^$p," "$BATS_TEST_TMPDIR/slip.csv" | cut -d, -f2)"
	[[ $output == *"Location: /diary/password"* ]]
	env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$FX/export.csv"
}

@test "after logout the session is refused" {
	p=$(nth_parent 9); ready "$p"
	cp "$JAR" "$BATS_TEST_TMPDIR/stolen"
	tok=$(curl -s -b "$JAR" "$U/week" | csrf_of)
	run curl -s -D - -o /dev/null -b "$JAR" -c "$JAR" --data-urlencode "csrf=$tok" "$U/logout"
	[[ $output == *"Location: /diary/login"* ]]
	[[ $output == *"Set-Cookie: ejd=; "*"Max-Age=0"* ]]
	run curl -s -D - -o /dev/null -b "$BATS_TEST_TMPDIR/stolen" "$U/week"
	[[ $output == *"Location: /diary/login"* ]]
	grep -q "logout login=$p" "$FX/diary.log"
}

@test "a session ends after its idle time and after its absolute lifetime" {
	p=$(nth_parent 10); ready "$p"
	id=$(awk '$6 == "ejd" {print $7}' "$JAR")
	run cgi REQUEST_METHOD=GET PATH_INFO=/week HTTP_COOKIE="ejd=$id"
	[[ $output == "Status: 200"* ]]
	sleep 2.1
	run cgi EJ_DIARY_MAXAGE=100 EJ_DIARY_IDLE=1 REQUEST_METHOD=GET PATH_INFO=/week HTTP_COOKIE="ejd=$id"
	[[ $output == "Status: 303"* ]]
	login "$JAR" "$p" "новый-пароль-$p" >/dev/null
	id=$(awk '$6 == "ejd" {print $7}' "$JAR")
	sleep 2.1
	run cgi EJ_DIARY_MAXAGE=1 REQUEST_METHOD=GET PATH_INFO=/week HTTP_COOKIE="ejd=$id"
	[[ $output == "Status: 303"* ]]
}

@test "every input is length-limited" {
	run curl -s -o /dev/null -w '%{http_code}' "$U/week?p=$(printf '1%.0s' $(seq 1 600))"
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' --data-binary "@-" "$U/login" < <(head -c 5000 /dev/zero | tr '\0' a)
	[ "$output" = 413 ]
	run curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ejd=$(head -c 2000 /dev/zero | tr '\0' a)" "$U/week"
	[ "$output" = 400 ]
	tok=$(curl -s -c "$JAR" -b "$JAR" "$U/login" | csrf_of)
	run curl -s -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" --data-urlencode "csrf=$tok" \
	    --data-urlencode "login=$(head -c 65 /dev/zero | tr '\0' a)" --data-urlencode password=x "$U/login"
	[ "$output" = 400 ]
}

@test "the log has every login, failure, lock and password change, and no password" {
	run grep -c " login login=" "$FX/diary.log"
	[ "$output" -gt 0 ]
	grep -q " failed login=" "$FX/diary.log"
	grep -q " locked login=" "$FX/diary.log"
	grep -q " password-changed login=" "$FX/diary.log"
	grep -q " password-refused login=" "$FX/diary.log"
	run grep -F -e "$MOTHER_PW" -e "новый-пароль" -e "ёлка" -e wrong- "$FX/diary.log"
	[ "$status" -eq 1 ]
}

@test "the mirror is never written, and views --since lists who read which child's diary" {
	before=$(sha256sum "$FX/mirror/ej.db")
	p=$(nth_parent 11); ready "$p"
	curl -s -o /dev/null -b "$JAR" "$U/period"
	[ "$(sha256sum "$FX/mirror/ej.db")" = "$before" ]
	pid=$(grep "^$p," "$FX/export.csv" | cut -d, -f5)
	run env EJ_DIARY_DB="$FX/diary.db" ej-diary views --since 2000-01-01
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "login,role,person_id,pupil_id,first,last,views" ]
	[[ $output == *"$p,parent,"* ]]
	run env EJ_DIARY_DB="$FX/diary.db" ej-diary views --since 2999-01-01
	[ "${#lines[@]}" -eq 1 ]
	run -2 env EJ_DIARY_DB="$FX/diary.db" ej-diary views --since tomorrow
}

@test "load: bad rows are named by file and line, and nothing is written" {
	before=$(sqlite3 "$FX/diary.db" "SELECT login, hash, active FROM accounts ORDER BY login" | sha256sum)
	{
		head -2 "$FX/export.csv"
		echo 'x;y,notahash,parent,1,Кто-то,1'
		echo 'someone,$argon2id$v=19$m=1$a$b,teacher,1,Кто-то,1'
		echo 'someone2,$argon2id$v=19$m=1$a$b,parent,0,Кто-то,a;b'
	} > "$BATS_TEST_TMPDIR/bad.csv"
	run -65 env EJ_DIARY_DB="$FX/diary.db" ej-diary load "$BATS_TEST_TMPDIR/bad.csv"
	[[ $output == *"bad.csv:3: login: not a login ej issues"* ]]
	[[ $output == *"bad.csv:3: hash: not an argon2id hash"* ]]
	[[ $output == *"bad.csv:4: role: not pupil or parent"* ]]
	[[ $output == *"bad.csv:5: person_id: not an id"* ]]
	[[ $output == *"bad.csv:5: children: not a list of pupil ids"* ]]
	[[ ${lines[-1]} == *"nothing was written"* ]]
	after=$(sqlite3 "$FX/diary.db" "SELECT login, hash, active FROM accounts ORDER BY login" | sha256sum)
	[ "$before" = "$after" ]
}

@test "the printed slips carry the diary's address from school.yaml" {
	cp -a "$FX/school" "$BATS_TEST_TMPDIR/school"
	p=$(nth_parent 12)
	EJ_STORE="$BATS_TEST_TMPDIR/school" ej-issue-login reset --reason "слип утерян" \
	    --format html --slips "$BATS_TEST_TMPDIR/slips.html" "$p" 2>/dev/null
	url=$(sed -n 's/^  diary_url: //p' "$BATS_TEST_DIRNAME/../../examples/school.yaml")
	[ -n "$url" ]
	grep -q "<span class=\"secret\">$url</span>" "$BATS_TEST_TMPDIR/slips.html"
}

@test "a password change ends the login's other sessions, and keeps the one that made it" {
	p=$(nth_parent 13); ready "$p"
	login "$BATS_TEST_TMPDIR/other" "$p" "новый-пароль-$p" >/dev/null
	run curl -s -o /dev/null -w '%{http_code}' -b "$BATS_TEST_TMPDIR/other" "$U/week"
	[ "$output" = 200 ]
	run change_password "$JAR" "новый-пароль-$p" "другой-пароль-$p"
	[[ $output == *"Location: /diary/week"* ]]
	run curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$U/week"
	[ "$output" = 200 ]
	run curl -s -o /dev/null -w '%{http_code}' -b "$BATS_TEST_TMPDIR/other" "$U/week"
	[ "$output" = 303 ]
}
