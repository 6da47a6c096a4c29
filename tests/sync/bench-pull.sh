#!/bin/sh
# Pull after K new commits on mirrors of histories of N0 and N1 commits:
# the time follows K, not the history. Usage: bench-pull.sh DIR [N0 N1 K]
# (the built commands first on PATH). Prints one line per history size:
#   history=N new=K pull_seconds=S files=F
set -e
dir=$1 n0=${2:-50} n1=${3:-500} k=${4:-100}
ex=$(cd "$(dirname "$0")/../../examples" && pwd)
export LC_ALL=C.UTF-8
rm -rf "$dir" && mkdir -p "$dir"
# N commits, each one mark changed (a correction with a reason)
marks() {
	i=0
	while [ $i -lt "$2" ]; do
		ej-grade --store "$1" set --reason "bench $i" 5А Математика 02.09 \
		    "Баранов Владислав" $((2 + i % 4)) 2>/dev/null
		i=$((i + 1))
	done
}
for n in $n0 $n1; do
	s=$dir/school-$n
	ej-init --store "$s" "$ex/school.yaml" 2>/dev/null
	(cd "$ex/roster" && ej-roster --store "$s" import pupils pupils-5-9-excel.csv) 2>/dev/null
	marks "$s" "$n"
	git init -q --bare "$dir/r-$n.git"
	ej-sync --store "$s" remote add d "$dir/r-$n.git" 2>/dev/null
	ej-sync --store "$s" push 2>/dev/null
	ej-sync clone "$dir/r-$n.git" "$dir/mirror-$n" 2>/dev/null
	marks "$s" "$k"
	ej-sync --store "$s" push 2>/dev/null
	t0=$(date +%s.%N)
	ej-sync --store "$dir/mirror-$n" -v pull 2>"$dir/pull-$n.log"
	t1=$(date +%s.%N)
	echo "history=$(git -C "$s/history.git" rev-list --count main) new=$k" \
	    "pull_seconds=$(echo "$t1 - $t0" | bc) files=$(grep -c '^  ' "$dir/pull-$n.log")"
done
