# Shared by the bats files: a fresh trash directory per test, nothing from
# the caller's environment, and checks on a store's bytes and history.

setup_trash() {
	TRASH=$(mktemp -d "${BATS_TMPDIR:-/tmp}/ej-cli.XXXXXX")
	S=$TRASH/store
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	EXAMPLES=$BATS_TEST_DIRNAME/../../examples
	DATA=$BATS_TEST_DIRNAME/../data
}

teardown_trash() {
	[ -n "$TRASH" ] && rm -rf "$TRASH"
}

# Every byte of a store, for "left byte-for-byte unchanged".
store_digest() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

commits() {
	git -C "$1/history.git" rev-list --count main 2>/dev/null || echo 0
}

# The demo school, made once per test in $S.
init_demo() {
	ej-init --store "$S" "$EXAMPLES/school.yaml" 2>"$TRASH/init.err" || {
		cat "$TRASH/init.err" >&2
		return 1
	}
}

# CODE CMD [ARG…]: the command fails with CODE and leaves every byte of the
# store $S as it was.
refused_status() {
	local want=$1 before
	shift
	before=$(store_digest "$S")
	run "$@"
	echo "$output"
	[ "$status" -eq "$want" ]
	[ "$(store_digest "$S")" = "$before" ]
}

# CODE CMD [ARG…]: a write refused — CODE, "CMD: nothing was written" as
# its last line, the store unchanged.
refused_write() {
	refused_status "$@"
	[ "${lines[${#lines[@]}-1]}" = "${2##*/}: nothing was written" ]
}

# CODE CMD [ARG…]: a reader refused — CODE, nothing on standard output, a
# message on standard error, and the store $S, if the test made one,
# unchanged.
refused_read() {
	local want=$1 before=
	shift
	[ -d "$S" ] && before=$(store_digest "$S")
	run --separate-stderr "$@"
	echo "status $status; stdout: $output; stderr: $stderr"
	[ "$status" -eq "$want" ]
	[ -z "$output" ]
	[ -n "$stderr" ]
	[ ! -d "$S" ] || [ "$(store_digest "$S")" = "$before" ]
}
