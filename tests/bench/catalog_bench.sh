#!/usr/bin/env bash
# The agent's catalog store at 100,000 and 500,000 entries: resident memory per entry
# (the goal is at most 100 bytes) and nanoseconds per lookup, with the ratio against a
# binary search in one sorted catalog measured in the same run.  No assertions.
set -euo pipefail
top=${EG_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$top/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -f $BUILD/libexecgate.a ]]; then
	echo "   $BUILD/libexecgate.a is missing: run make first" >&2
	exit 2
fi
gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$top/bpf" -I"$top/agent/lib" -I"$top/policy" \
	-o "$work/catalog_bench" "$top/tests/bench/catalog_bench.c" "$BUILD/libexecgate.a" \
	-lcrypto -lelf -ljansson -lz -lpthread
for n in 100000 500000; do
	"$work/catalog_bench" "$n"
done
