#!/usr/bin/env bash
# Benchmark (not a test): `execgate log --summary` over one million log lines against
# `wc -l` on the same file, the cheapest full read of it.  The two are interleaved A B A B
# for 5 rounds with the file in the page cache; the medians give the ratio summary / wc.
#
#   EG_BIN=build/bin tests/bench/log_bench.sh        (EG_BIN defaults to build/bin)
#   LINES=1000000 ROUNDS=5
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BIN=${EG_BIN:-$top/build/bin}
ROUNDS=${ROUNDS:-5}
LINES=${LINES:-1000000}
eg=$EG_BIN/execgate
[[ -x $eg ]] || {
	echo "log_bench: no $eg (build first, or set EG_BIN)" >&2
	exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/decisions.jsonl
python3 "$top/tests/fixtures/logs/gen-log.py" "$LINES" "$log"
cat "$log" >/dev/null

now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
log_ns=()
wc_ns=()
for ((i = 0; i < ROUNDS; i++)); do
	t0=$(now_ns)
	"$eg" log --summary "$log" >/dev/null
	t1=$(now_ns)
	wc -l "$log" >/dev/null
	t2=$(now_ns)
	log_ns+=($((t1 - t0)))
	wc_ns+=($((t2 - t1)))
done
log_med=$(median "${log_ns[@]}")
wc_med=$(median "${wc_ns[@]}")
printf 'log_bench: %d lines, %d MB, median of %d\n' "$LINES" \
	$(($(stat -c %s "$log") / 1000000)) "$ROUNDS"
awk -v l="$log_med" -v w="$wc_med" -v n="$LINES" 'BEGIN {
	printf "  execgate log --summary  %8.3f s  (%.0f lines/s)\n", l / 1e9, n / (l / 1e9)
	printf "  wc -l                   %8.3f s\n", w / 1e9
	printf "  ratio summary / wc -l   %8.1f\n", l / w
}'
