#!/usr/bin/env bash
# make bench: run every tests/bench/*_bench.sh in turn.  Benchmarks print ratios against a
# baseline measured in the same run; they never assert, so a slow machine cannot fail them.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export BUILD=${BUILD:-$top/build} EG_TOP=$top
export EG_BIN=${EG_BIN:-$BUILD/bin} EG_BUILD=$BUILD
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
shopt -s nullglob
for bench in "$top"/tests/bench/*_bench.sh; do
	echo "== $(basename "$bench" .sh)"
	bash "$bench" 2>&1 | tee -a "$out" || { echo "   (exited with status $?)"; status=1; }
done
# Every ratio of the run in one place, execgate's and the peer's side by side.
echo "== ratios"
grep -i 'ratio' "$out" || true
exit $status
