#!/usr/bin/env bash
# Benchmark (not a test): `execgate log` over one million log lines (about 790 MB) against
# `wc -l` and `cat` of the same file, the cheapest full reads of it.  The commands are
# interleaved for ROUNDS rounds with the file in the page cache; medians of wall time and
# of CPU time (user + system: what a machine shared with other work still shows fairly)
# give lines/s, MB/s and the ratio to `wc -l` measured in the same run.
#
#   EG_BIN=build/bin tests/bench/log_bench.sh        (EG_BIN defaults to build/bin)
#   LINES=1000000 ROUNDS=5
#   LOG=FILE                    (a log made before with tests/fixtures/logs/gen-log.py)
#   EXECGATE_LOG_READER=tree tests/bench/log_bench.sh   (jansson's tree, the old reader)
#
# Measured 2026-12-02 on the 2-core development machine shared with VMs (load about 20,
# so wall times mean little; CPU time user + system), the same 794 MB file of 1M lines:
#   wc -l                                      0.17 s CPU
#   --summary, jansson's tree (before)        35.8 s CPU     28,000 lines/s    22 MB/s
#   --summary, one-pass scanner (after)        3.87 s CPU   258,000 lines/s   205 MB/s
#   the filters (--json --decision/--reason/--signer/--path/--uid/--since), after:
#                                            2.9-3.5 s CPU  290,000-340,000 lines/s
# Measured 2026-12-03, same machine and file (load 7-9 from other work, so again CPU
# time, wall 3-12 s; base and after in two runs of ROUNDS=3):
#                                  before (the code of 12-02)  after
#   wc -l                              0.18 s CPU           0.14 s CPU
#   --summary                          2.94 s  270 MB/s     1.52 s  522 MB/s
#   the filters (as above)          2.23-2.41 s 330-356    1.26-1.42 s 558-631 MB/s
#   --suggest-policy                   2.77 s  287 MB/s     1.73 s  458 MB/s
# What changed (perf record over --summary): the end of a string found sixteen bytes at a
# time (SSE2), a member's key matched whole against the expected one, a member's string
# value read without a call, no division per digit of an integer, the date computed
# instead of glibc's timegm(), and --summary's tables hashing eight bytes at a time and
# keeping each key's hash.  What is left is the scan itself (scan_object, scan_value,
# scan_string: about 45%), the copy out of the page cache (about 5%) and the summary's
# tables (about 10%).
# The JSON candidates (tests/bench/log_parsers.sh, parse only, 100k lines, CPU time):
#   jansson's tree 25 MB/s; yajl validating with no callbacks 210 MB/s; simdjson's DOM
#   (C++) 330-750 MB/s; the scanner filling a whole record 250-320 MB/s.  yyjson is in
#   Debian 13 only.  simdjson would bring C++ in and would still need each of jansson's
#   limits checked again (\u0000, 64-bit integers, depth 2048, unpaired surrogates) to
#   keep the same lines malformed: the scanner it is.
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
log=${LOG:-$tmp/decisions.jsonl}
[[ -n ${LOG:-} ]] || python3 "$top/tests/fixtures/logs/gen-log.py" "$LINES" "$log"
LINES=$(wc -l <"$log")
cat "$log" >/dev/null
bytes=$(stat -c %s "$log")

names=("wc -l" "cat" "log --summary" "log --json --decision deny" "log --json --reason expired"
	"log --json --signer 'signer 1'" "log --json --path '/opt/app1*'" "log --json --uid 1000"
	"log --json --since 2026-12-01" "log --suggest-policy")
run_one() {
	case $1 in
	0) wc -l "$log" ;;
	1) cat "$log" ;;
	2) "$eg" log --summary "$log" ;;
	3) "$eg" log --json --decision deny "$log" ;;
	4) "$eg" log --json --reason expired "$log" ;;
	5) "$eg" log --json --signer 'signer 1' "$log" ;;
	6) "$eg" log --json --path '/opt/app1*' "$log" ;;
	7) "$eg" log --json --uid 1000 "$log" ;;
	8) "$eg" log --json --since 2026-12-01 "$log" ;;
	9) "$eg" log --suggest-policy "$log" 2>/dev/null ;;
	esac
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A wall cpu
for ((r = 0; r < ROUNDS; r++)); do
	for i in "${!names[@]}"; do
		# TIMEFORMAT: wall, then user + system.
		t=$( { TIMEFORMAT='%R %U %S'; time run_one "$i" >/dev/null; } 2>&1 | tail -1)
		read -r w u s <<<"$t"
		wall[$i]+="$w "
		cpu[$i]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
	done
done

printf 'log_bench: %d lines, %d MB, median of %d rounds%s\n' "$LINES" $((bytes / 1000000)) \
	"$ROUNDS" "${EXECGATE_LOG_READER:+ (EXECGATE_LOG_READER=$EXECGATE_LOG_READER)}"
printf '  %-34s %9s %9s %10s %9s %11s\n' command wall_s cpu_s lines/s MB/s "ratio wc -l"
wc_wall=$(median ${wall[0]})
for i in "${!names[@]}"; do
	w=$(median ${wall[$i]})
	c=$(median ${cpu[$i]})
	awk -v n="${names[$i]}" -v w="$w" -v c="$c" -v l="$LINES" -v b="$bytes" -v wc="$wc_wall" \
		'BEGIN { t = c > 0.001 ? c : 0.001
		printf "  %-34s %9.2f %9.2f %10.0f %9.0f %11.1f\n", n, w, c, l / t, b / t / 1e6, w / wc }'
done
echo "  (lines/s and MB/s from CPU time)"
