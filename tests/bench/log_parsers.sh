#!/usr/bin/env bash
# Benchmark (not a test) behind the choice of tools/log_scan.c: the JSON candidates from
# Debian's archive, parse only, each over the same generated log in memory, CPU time of one
# pass (tests/bench/log_parsers/parsers.c).  Needs libyajl-dev and libsimdjson-dev, which
# the project does not otherwise depend on (so not in `make deps`, nor in `make bench`).
#
#   LINES=100000 tests/bench/log_parsers.sh       (after make: links build/liblogread.a)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
LINES=${LINES:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$top/tests/bench/log_parsers
g++ -O2 -c "$src/parsers.cc" -o "$tmp/cc.o"
gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$BUILD/abi" -I"$top/agent/lib" -I"$top/tools" \
	"$src/parsers.c" "$tmp/cc.o" -o "$tmp/parsers" "$BUILD/liblogread.a" "$BUILD/libexecgate.a" \
	-ljansson -lyajl -lsimdjson -lz -lstdc++
python3 "$top/tests/fixtures/logs/gen-log.py" "$LINES" "$tmp/log.jsonl"
bytes=$(stat -c %s "$tmp/log.jsonl")
echo "log_parsers: $LINES lines, $((bytes / 1000000)) MB, CPU seconds of one pass"
"$tmp/parsers" "$tmp/log.jsonl" | awk -v b="$bytes" -v l="$LINES" \
	'{ printf "  %-16s %7.3f s %10.0f lines/s %6.0f MB/s  (%d records)\n", $1, $2, l / $2, b / $2 / 1e6, $3 }'
