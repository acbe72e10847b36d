#!/usr/bin/env bash
# Policy parse and decision time on a 10,000-rule policy: 9,800 rules the signer and digest
# indexes answer (SPKI, certificate, file SHA-256, exact subject) and 200 they cannot
# (path, hook, uid), the indexed evaluator against a linear scan in the same run.  Ratios,
# no assertions.
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
	-o "$work/policy_bench" "$top/tests/bench/policy_bench.c" "$BUILD/libexecgate.a" \
	-lcrypto -lelf -ljansson -lz -lpthread

# Digests are printf'd from the rule number, so every rule names a different one.
awk 'BEGIN {
	print "mode enforce"
	for (i = 0; i < 10000; i++) {
		h = sprintf("%08x", i)
		d = h h h h h h h h
		if (i % 50 == 0)
			printf "deny path \"/opt/app-%d/*\" hook exec uid %d\n", i, i
		else if (i % 4 == 0)
			printf "allow spki %s\n", d
		else if (i % 4 == 1)
			printf "allow cert %s hook exec\n", d
		else if (i % 4 == 2)
			printf "deny sha256 %s\n", d
		else
			printf "allow subject \"CN=signer %d,O=Example\"\n", i
	}
	print "default deny"
}' >"$work/bench.policy"
"$work/policy_bench" "$work/bench.policy" 20000
