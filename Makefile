# ej — the build. `make`, `make check`, `make demo`, `make install`.
# A command is one bin/ej-NAME.c plus man/man1/ej-NAME.1: both are found here.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LOCALEDIR ?= $(PREFIX)/share/locale
DESTDIR ?=
# Group that owns a group store (ej-init --group); commands are installed
# setgid to it when set: make install EJ_GROUP=ej
EJ_GROUP ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
# O: the build directory (check-asan builds into .asan/)
O ?= .

PKGS := sqlite3 yaml-0.1 libgit2 libsodium jansson libcrypto zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

override CFLAGS += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wno-unused-parameter -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE \
	-Ilib -I$(O)/lib -I$(O)/bin $(PKG_CFLAGS) -DEJ_VERSION='"$(VERSION)"' \
	-DEJ_LOCALEDIR='"$(LOCALEDIR)"' -MMD -MP
LIBS := $(PKG_LIBS) -lcsv -lpthread

VERSION := 0.1.0

LIB_SRC := $(filter-out lib/schema.c,$(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o) $(O)/lib/schema.o
CMDS := $(patsubst bin/%.c,%,$(wildcard bin/*.c))
BINS := $(CMDS:%=$(O)/bin/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
MAN1 := $(wildcard man/man1/*.1)
MAN5 := $(wildcard man/man5/*.5)
MAN7 := $(wildcard man/man7/*.7)
PO := $(wildcard po/*.po)
MO := $(PO:po/%.po=$(O)/locale/%/LC_MESSAGES/ej.mo)

DEPS_DEB := gcc make pkg-config git sqlite3 libsqlite3-dev libyaml-dev \
	libcsv-dev libgit2-dev libsodium-dev libcmocka-dev bats gettext mandoc \
	locales valgrind libjansson-dev chromium libssl-dev zlib1g-dev
# strings(1), for the tests that look for passwords in the database
DEPS_DEB += binutils
# ej-sync's tests: sshd on a loopback port (git daemon comes with git)
DEPS_DEB += openssh-server
# the fuzz targets (libFuzzer)
DEPS_DEB += clang
# bats --jobs: the test files two at a time
DEPS_DEB += parallel


.SECONDARY:

.PHONY: po all deps check check-unit check-cli check-man check-asan check-valgrind demo \
	install uninstall clean tests bench
.PHONY: check-reliability fuzz fuzzers

all: $(O)/lib/libej.a $(BINS) $(MO)

$(O)/lib/libej.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# The schema is compiled in from lib/schema.sql.
$(O)/lib/schema.c: lib/schema.sql
	@mkdir -p $(@D)
	{ echo '/* generated from lib/schema.sql */'; \
	  echo 'const char ej_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@
$(O)/lib/schema.o: $(O)/lib/schema.c
	$(CC) $(CFLAGS) -c -o $@ $<

# ej help: one line per command, from each man page's .Nd
$(O)/bin/commands.h: $(MAN1)
	@mkdir -p $(@D)
	{ for f in $(sort $(MAN1)); do \
	    n=$$(basename $$f .1); \
	    d=$$(sed -n 's/^\.Nd //p' $$f | sed 's/\\/\\\\/g; s/"/\\"/g'); \
	    echo "{\"$$n\", \"$$d\"},"; \
	  done; } > $@.tmp && mv $@.tmp $@
$(O)/bin/ej.o: $(O)/bin/commands.h

$(O)/bin/%: $(O)/bin/%.o $(O)/lib/libej.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/lib/libej.a $(LIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/lib/libej.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/lib/libej.a $(LIBS) -lcmocka

$(O)/locale/%/LC_MESSAGES/ej.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

tests: all $(UNITS) $(O)/tests/reliability/crashimport

# Refresh the catalogues from the sources (then translate po/*.po).
po:
	xgettext --from-code=UTF-8 -k_ -kN_ -c -s -o po/ej.pot \
	  --package-name=ej --package-version=$(VERSION) lib/*.c bin/*.c
	for p in $(PO); do msgmerge -q -U --backup=none $$p po/ej.pot; done

# Missing Debian packages: installed when root, else the command is printed.
deps:
	@missing=; for p in $(DEPS_DEB); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	elif [ -n "$$missing" ]; then \
	  echo "missing packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi; \
	if ! locale -a 2>/dev/null | grep -qi '^ru_RU.utf8$$' && [ "$$(id -u)" = 0 ]; then \
	  echo "generating the ru_RU.UTF-8 locale (for the Russian messages' tests)"; \
	  sed -i 's/^# *\(ru_RU.UTF-8 UTF-8\)/\1/' /etc/locale.gen && locale-gen >/dev/null; \
	fi

# Every test, then one summary line "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory check-man
	@O=$(O) tests/run

check-unit: tests
	@O=$(O) tests/run unit
check-cli: tests
	@O=$(O) tests/run cli

check-man:
	@for f in $(MAN1) $(MAN5) $(MAN7); do \
	  mandoc -Tlint -W warning $$f || exit 1; done

# The CLI tests of the journal and roster with every command under
# valgrind's memcheck: zero errors, zero leaks.
VALGRIND_TESTS ?= tests/cli/ej-roster.bats
VALGRIND_TESTS += tests/cli/ej-attend.bats
check-valgrind: deps
	@$(MAKE) --no-print-directory tests
	@VALGRIND=1 O=$(O) tests/run $(VALGRIND_TESTS)

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
check-asan: deps
	@$(MAKE) --no-print-directory O=.asan CFLAGS="$(ASAN_FLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 O=.asan tests/run

# The reliability suite: a crashed import recovers whole or not at all,
# writers in parallel lose nothing, a full disk half-writes nothing
# (tests/reliability/*.bats, with small C programs linking libej), then
# every fuzz target for FUZZ_TIME seconds. See tests/reliability/README.
REL_SRC := $(wildcard tests/reliability/*.c)
RELS := $(REL_SRC:%.c=$(O)/%)
REL_TESTS ?= $(wildcard tests/reliability/*.bats)
$(O)/tests/reliability/%: $(O)/tests/reliability/%.o $(O)/lib/libej.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/lib/libej.a $(LIBS)

check-reliability: deps
	@$(MAKE) --no-print-directory all $(RELS)
	@EJ_TEST_JOBS=1 O=$(O) tests/run $(REL_TESTS)
	@$(MAKE) --no-print-directory fuzz

# libFuzzer targets (tests/fuzz/fuzz_*.c), built by clang with ASan and
# UBSan into .fuzz/; each runs FUZZ_TIME seconds from its committed corpus
# (tests/fuzz/corpus/NAME/), FUZZ_JOBS at a time. A crash is kept in
# tests/data/fuzz-crashes/NAME/ and fails the run; the kept inputs run
# first, every time.
FUZZ_TIME ?= 60
FUZZ_JOBS ?= 2
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/tests/fuzz/%)
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(O)/lib/libej.a
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/lib/libej.a $(LIBS)
fuzzers: $(FUZZERS)

fuzz:
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory O=.fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" fuzzers
	@tests/fuzz/run .fuzz/tests/fuzz $(FUZZ_TIME) $(FUZZ_JOBS)
# The benchmarks of issue 8 on a synthetic 2,000-pupil school: one table on
# stdout, tests/bench/results.csv. BENCH_RUNS runs a row (the median is
# shown); BENCH_WORK holds the school and stores (a few GiB at most).
BENCH_RUNS ?= 5
BENCH_WORK ?= $(CURDIR)/tests/bench/work
$(O)/tests/bench/gen-commits: $(O)/tests/bench/gen-commits.o $(O)/lib/libej.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/lib/libej.a $(LIBS)
bench: deps
	@$(MAKE) --no-print-directory all $(O)/tests/bench/gen-commits
	@tests/bench/run --runs $(BENCH_RUNS) --work $(BENCH_WORK) \
	  --bin $(CURDIR)/$(O)/bin --tools $(CURDIR)/$(O)/tests/bench \
	  --csv tests/bench/results.csv

# The demo school: init, then a look at what was made.
DEMO ?= demo
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@PATH="$(CURDIR)/$(O)/bin:$$PATH" EJ_STORE="$(CURDIR)/$(DEMO)/store" sh examples/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	@if [ -n "$(EJ_GROUP)" ]; then for c in $(CMDS); do \
	  [ $$c = ej ] && continue; \
	  chgrp $(EJ_GROUP) $(DESTDIR)$(BINDIR)/$$c && chmod 2755 $(DESTDIR)$(BINDIR)/$$c; \
	done; fi
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	@for m in $(MO); do l=$$(echo $$m | sed 's,.*locale/\([^/]*\)/.*,\1,'); \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; \
	  install -m 644 $$m $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ej.mo; done

uninstall:
	rm -f $(CMDS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/%) \
	  $(MAN7:man/%=$(DESTDIR)$(MANDIR)/%)
	rm -f $(PO:po/%.po=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/ej.mo)

clean:
	rm -rf .asan $(DEMO) locale lib/schema.c
	rm -rf .fuzz tests/reliability/*.o tests/reliability/*.d $(REL_SRC:%.c=%)
	rm -f lib/*.o lib/*.d lib/libej.a bin/*.o bin/*.d bin/commands.h \
	  $(CMDS:%=bin/%) tests/unit/*.o tests/unit/*.d $(UNIT_SRC:%.c=%)
	rm -rf tests/bench/work
	rm -f tests/bench/*.o tests/bench/*.d tests/bench/gen-commits

-include $(wildcard $(O)/lib/*.d $(O)/bin/*.d $(O)/tests/unit/*.d)
-include $(wildcard $(O)/tests/reliability/*.d $(O)/tests/fuzz/*.d)
-include $(wildcard $(O)/tests/bench/*.d)
