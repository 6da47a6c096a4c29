# The command lines of a rendered man page (mandoc -Tutf8 | col -b) as a
# bash script: "$ cat FILE" and the lines below it write FILE; any other
# "$ " line runs, with the lines below it that continue it; libreoffice is
# left out.
function flush() {
	if (cmd == "") return
	if (cmd ~ /^cat [^ ]+$/) {
		f = substr(cmd, 5)
		printf "cat > %s <<'__EOF__'\n%s__EOF__\n", f, body
	} else if (cmd !~ /^libreoffice/) {
		printf "%s\n%s", cmd, body
	}
	cmd = ""; body = ""
}
/^[^ \t]/ { flush(); next }
{ sub(/^[ \t]+/, "") }
/^\$ / { flush(); cmd = substr($0, 3); next }
/^$/ { flush(); next }
cmd != "" { body = body $0 "\n" }
END { flush() }
