# The diary's tests: the fixture (fixture.sh) made once per file, lighttpd
# on a free loopback port running the built ej-diary through mod_cgi, and
# curl helpers that keep a cookie jar.

# The built commands' directory (tests/run puts it first on PATH).
diary_bin() { dirname "$(command -v ej-diary)"; }

# A free TCP port on 127.0.0.1: a random one that nothing listens on.
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( 20000 + RANDOM % 40000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_diary DIR [NAME=VALUE…]: lighttpd serving ej-diary at /diary with
# the fixture in DIR and the settings given; sets PORT, U and LPID.
start_diary() {
	local dir=$1 env='' kv
	shift
	for kv in "EJ_DIARY_DB=$dir/diary.db" "EJ_STORE=$dir/mirror" \
	    "EJ_DIARY_LOG=$dir/diary.log" "EJ_DIARY_TODAY=2020-09-21" \
	    "EJ_LOCALEDIR=${EJ_LOCALEDIR:-}" "$@"; do
		env="$env \"${kv%%=*}\" => \"${kv#*=}\","
	done
	PORT=$(free_port)
	mkdir -p "$dir/www"
	cat > "$dir/lighttpd.conf" <<-CONF
	server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
	server.document-root = "$dir/www"
	server.bind = "127.0.0.1"
	server.port = $PORT
	server.errorlog = "$dir/error.log"
	server.pid-file = "$dir/lighttpd.pid"
	alias.url = ("/diary" => "$(diary_bin)/ej-diary")
	\$HTTP["url"] =~ "^/diary" { cgi.assign = ("" => "") }
	setenv.add-environment = ($env)
	CONF
	lighttpd -D -f "$dir/lighttpd.conf" 3>&- &
	LPID=$!
	U=http://127.0.0.1:$PORT/diary
	local i
	for i in $(seq 1 50); do
		curl -s -o /dev/null "$U/style.css" && break
		sleep 0.1
	done
	export PORT U LPID
}

# Stop lighttpd; a sanitizer's report in its error log (the programs'
# standard error) fails the file.
stop_diary() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	LPID=
	if grep -q 'Sanitizer\|runtime error:' "$FX/error.log" 2>/dev/null; then
		cat "$FX/error.log" >&2
		return 1
	fi
	return 0
}

# The one-time password of login from the slips.
slip_password() { grep "^$1," "$FX/slips.csv" | cut -d, -f2; }

# The CSRF token in the page on stdin.
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}'; }

# login JAR LOGIN PASSWORD: the login form, then its POST; prints the
# response's status line and headers.
login() {
	local tok
	tok=$(curl -s -c "$1" -b "$1" "$U/login" | csrf_of)
	curl -s -D - -o /dev/null -c "$1" -b "$1" --data-urlencode "csrf=$tok" \
	    --data-urlencode "login=$2" --data-urlencode "password=$3" "$U/login"
}

# change_password JAR OLD NEW
change_password() {
	local tok
	tok=$(curl -s -b "$1" "$U/password" | csrf_of)
	curl -s -D - -o /dev/null -c "$1" -b "$1" --data-urlencode "csrf=$tok" \
	    --data-urlencode "current=$2" --data-urlencode "new=$3" \
	    --data-urlencode "new2=$3" "$U/password"
}

# The HTTP status of a response's headers on stdin.
status_of() { head -1 | cut -d' ' -f2; }
