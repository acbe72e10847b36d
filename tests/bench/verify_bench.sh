#!/usr/bin/env bash
# Benchmark (not a test): `execgate verify` of a 100 MB signed ELF file against
# `sha256sum` of the same file, measured in one run.  The two are interleaved A B A B for
# 5 rounds, the file is in the page cache for both, and the medians give the ratio
# verify / sha256sum (goal: at most 1.2, i.e. verification costs little beyond hashing).
# `openssl dgst -sha256` is measured too: it hashes with the same code as the verifier
# (coreutils may not use the CPU's SHA instructions), so verify / openssl is the ratio
# that shows a second pass or a second hash.
#
#   EG_BIN=build/bin tests/bench/verify_bench.sh        (EG_BIN defaults to build/bin)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BIN=${EG_BIN:-$top/build/bin}
ROUNDS=${ROUNDS:-5}
SIZE_MB=${SIZE_MB:-100}
eg=$EG_BIN/execgate
[[ -x $eg ]] || {
	echo "verify_bench: no $eg (build first, or set EG_BIN)" >&2
	exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$top/tests/fixtures/mkpki.sh" "$tmp/pki" >/dev/null
printf 'int main(void) { return 0; }\n' >"$tmp/prog.c"
gcc -O2 -o "$tmp/prog" "$tmp/prog.c"
# The bulk goes into a non-allocated section: the file stays a runnable ELF and every
# byte of it is signed and hashed.
head -c "${SIZE_MB}M" /dev/urandom >"$tmp/blob"
objcopy --add-section .bench.blob="$tmp/blob" "$tmp/prog" "$tmp/big"
rm -f "$tmp/blob"
"$eg" sign --key "$tmp/pki/leaf-valid.key" --cert "$tmp/pki/leaf-valid.crt" \
	--chain "$tmp/pki/chain.pem" "$tmp/big"
"$eg" verify --trust "$tmp/pki/root.crt" "$tmp/big" >/dev/null
cat "$tmp/big" >/dev/null

now_ns() { date +%s%N; }
verify_ns=()
sha_ns=()
ossl_ns=()
for ((i = 0; i < ROUNDS; i++)); do
	t0=$(now_ns)
	"$eg" verify --trust "$tmp/pki/root.crt" "$tmp/big" >/dev/null
	t1=$(now_ns)
	sha256sum "$tmp/big" >/dev/null
	t2=$(now_ns)
	openssl dgst -sha256 "$tmp/big" >/dev/null
	t3=$(now_ns)
	verify_ns+=($((t1 - t0)))
	sha_ns+=($((t2 - t1)))
	ossl_ns+=($((t3 - t2)))
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mv=$(median "${verify_ns[@]}")
ms=$(median "${sha_ns[@]}")
mo=$(median "${ossl_ns[@]}")
size=$(stat -c %s "$tmp/big")
awk -v mv="$mv" -v ms="$ms" -v mo="$mo" -v n="$ROUNDS" -v size="$size" 'BEGIN {
	printf "   file %.1f MB, %d rounds interleaved, medians:\n", size / 1048576, n
	printf "   execgate verify      %8.1f ms\n", mv / 1e6
	printf "   sha256sum            %8.1f ms\n", ms / 1e6
	printf "   openssl dgst -sha256 %8.1f ms\n", mo / 1e6
	printf "   ratio verify/sha256sum %.2f (goal <= 1.2)\n", mv / ms
	printf "   ratio verify/openssl dgst %.2f (one hash: about 1)\n", mv / mo
}'
