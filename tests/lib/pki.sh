# shellcheck shell=bash
# The test PKI for the VM suites (tests/vm, tests/distro).  Sourced, not run.

# eg_test_pki CACHE: print the directory of the test PKI under CACHE, made by
# tests/fixtures/mkpki.sh once a day (its CRLs are fresh for 30 days) and whenever that
# script changes.
eg_test_pki() {
	local cache=$1 top dir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	dir=$cache/pki-$(sha256sum "$top/tests/fixtures/mkpki.sh" | cut -c1-12)-$(date -u +%Y%m%d)
	if [[ ! -f $dir/root.crt ]]; then
		rm -rf "$dir.new"
		"$top/tests/fixtures/mkpki.sh" "$dir.new" >"$cache/pki.log" 2>&1 ||
			{ cat "$cache/pki.log" >&2; return 1; }
		mv -T "$dir.new" "$dir"
	fi
	echo "$dir"
}

# eg_catalog_sign PKI LEAF LIST OUT: OUT, a catalog of the execgate-catalog text LIST
# signed by the certificate LEAF of the test PKI (catalog for the catalog signer, a
# code-signing leaf for the tests that it is refused), with the intermediate.
eg_catalog_sign() {
	local pki=$1 leaf=$2 list=$3 out=$4
	openssl cms -sign -binary -nodetach -md sha256 -in "$list" \
		-signer "$pki/$leaf.crt" -inkey "$pki/$leaf.key" -certfile "$pki/inter.crt" \
		-outform DER -out "$out"
}
