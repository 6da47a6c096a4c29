#!/bin/sh
# The e-diary of the demo school (ej-diary(8)): a mirror of the demo store
# made by ej-sync clone, the accounts loaded from ej-issue-login export,
# and lighttpd serving ej-diary on a free loopback port until ^C. Prints
# the address and a demo parent's login and one-time password from the
# demo's slips. Run by `make diary-demo` after `make demo`, with the built
# commands first on PATH and EJ_STORE set to the demo store.
set -e
demo=$(cd "$EJ_STORE/.." && pwd)
slips=$demo/5А-slips.html
dir=$demo/diary
[ -f "$slips" ] || { echo "no $slips: run make demo first" >&2; exit 66; }
command -v lighttpd >/dev/null || { echo "lighttpd is not installed: make deps" >&2; exit 69; }
rm -rf "$dir" && mkdir -p "$dir/www"
ej-sync clone "$EJ_STORE/history.git" "$dir/mirror" 2>/dev/null
ej-issue-login export > "$dir/export.csv"
EJ_DIARY_DB=$dir/diary.db ej-diary load "$dir/export.csv"
# A free port on 127.0.0.1.
port=
for p in $(seq 8080 8180); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done 2>/dev/null
[ -n "$port" ] || port=8080
bin=$(dirname "$(command -v ej-diary)")
cat > "$dir/lighttpd.conf" <<CONF
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
server.document-root = "$dir/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/error.log"
alias.url = ("/diary" => "$bin/ej-diary")
\$HTTP["url"] =~ "^/diary" { cgi.assign = ("" => "") }
setenv.add-environment = ("EJ_DIARY_DB" => "$dir/diary.db",
	"EJ_STORE" => "$dir/mirror", "EJ_DIARY_LOG" => "$dir/diary.log",
	"EJ_DIARY_TODAY" => "2020-09-21", "EJ_LOCALEDIR" => "${EJ_LOCALEDIR:-}")
CONF
# Баранова Мария's slip (her son's marks are in the demo's journal), or
# the first one: its login and password are its first two secrets.
set -- $(awk -v RS='<div class="slip">' 'NR > 1 && (/Баранова Мария/ || !first) \
	{ first = $0 } /Баранова Мария/ { exit } END { print first }' "$slips" |
	sed -n 's/.*<span class="secret">\([^<]*\)<\/span>.*/\1/p' | head -2)
printf '\nThe e-diary: http://127.0.0.1:%s/diary/ (the week of 21.09.2020)\n' "$port"
printf 'A parent of 5А: login %s, one-time password %s\n' "$1" "$2"
printf 'The log: %s; ^C stops the server.\n' "$dir/diary.log"
exec lighttpd -D -f "$dir/lighttpd.conf"
