#!/usr/bin/env bats
# The mother's flow in headless Chromium (tests/diary/mother.py) against
# ej-diary under lighttpd on a loopback port.

load helpers

setup_file() {
	export FX=$BATS_FILE_TMPDIR/fx
	export LC_ALL=C.UTF-8
	"$BATS_TEST_DIRNAME/fixture.sh" "$FX"
	start_diary "$FX"
}

teardown_file() { stop_diary; }

@test "the mother's flow: first login, forced change, weeks, child switch, period, help, logout, new password" {
	# The screenshots stay in the build's tests/diary/out (O=…).
	local top o=${O:-.}
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case $o in /*) ;; *) o=$top/$o ;; esac
	out=${EJ_TEST_OUT:-$o/tests/diary/out}
	mkdir -p "$out"
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/mother.py" "$U" "$FX" "$out" baranova.mariia
	printf '%s\n' "$output" >&3
	[ "$status" -eq 0 ]
	[ -s "$out/diary-week-390x844.png" ] && [ -s "$out/diary-week-1280x800.png" ]
}
