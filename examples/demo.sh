#!/bin/sh
# The demo school: what `make demo` runs, with the built commands first on
# PATH and EJ_STORE set to the demo store. Each step prints what it did.
set -e
here=$(cd "$(dirname "$0")" && pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ej-init: the school from examples/school.yaml"
ej-init "$here/school.yaml"

step "the history: one commit by the admin who ran it"
git -C "$EJ_STORE/history.git" log --format='%h %an <%ae> %ad%n    %s' --date=short

step "the snapshot it holds"
git -C "$EJ_STORE/history.git" ls-tree -r --name-only main

step "the pilot classes and their class teachers (school/classes.csv)"
git -C "$EJ_STORE/history.git" show main:school/classes.csv | head -8

step "the help schedule from the order (school/helpdesk.csv)"
git -C "$EJ_STORE/history.git" show main:school/helpdesk.csv

printf '\nThe demo store is %s; try: ej help\n' "$EJ_STORE"
