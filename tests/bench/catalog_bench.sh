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

# Cataloging a tree (what `execgate catalog refresh` does for a system, and the APT hook
# for a package) against sha256sum of the same files, both from a warm page cache.
# CATALOG_BENCH_TREE: the directory (default /usr/bin, about the size of a minbase image's
# programs).
tree=${CATALOG_BENCH_TREE:-/usr/bin}
"$BUILD/bin/execgate" catalog key-init --key "$work/key.pem" --cert "$work/cert.pem"
find "$tree" -type f -print0 | sort -z >"$work/files"
files=$(tr -cd '\0' <"$work/files" | wc -c)
xargs -0 cat <"$work/files" >/dev/null 2>&1 || true
t0=$(date +%s%N)
xargs -0 sha256sum <"$work/files" >/dev/null 2>&1 || true
t1=$(date +%s%N)
"$BUILD/bin/execgate" catalog create --key "$work/key.pem" --cert "$work/cert.pem" \
	-o "$work/tree.cat" --files-from "$work/files" -0 2>/dev/null || true
t2=$(date +%s%N)
echo "   catalog create of $tree ($files files): $(((t2 - t1) / 1000000)) ms," \
	"sha256sum $(((t1 - t0) / 1000000)) ms," \
	"ratio $(awk -v a=$((t2 - t1)) -v b=$((t1 - t0)) 'BEGIN { printf "%.2f", a / (b ? b : 1) }')"
