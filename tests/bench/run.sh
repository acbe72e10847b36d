#!/usr/bin/env bash
# make bench: run every tests/bench/*_bench.sh in turn.  Benchmarks print ratios against a
# baseline measured in the same run; they never assert, so a slow machine cannot fail them.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export BUILD=${BUILD:-$top/build} EG_TOP=$top
export EG_BIN=${EG_BIN:-$BUILD/bin} EG_BUILD=$BUILD
status=0
shopt -s nullglob
for bench in "$top"/tests/bench/*_bench.sh; do
	echo "== $(basename "$bench" .sh)"
	bash "$bench" || { echo "   (exited with status $?)"; status=1; }
done
exit $status
