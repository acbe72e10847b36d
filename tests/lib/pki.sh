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

# eg_sign_detached PKI LEAF FILE [CHAIN]: FILE.sig, a detached signature of FILE by the
# test PKI's certificate LEAF, with CHAIN (default: the intermediate).
eg_sign_detached() {
	local pki=$1 leaf=$2 file=$3 chain=${4:-$1/inter.crt}
	openssl cms -sign -binary -md sha256 -in "$file" -signer "$pki/$leaf.crt" \
		-inkey "$pki/$leaf.key" -certfile "$chain" -outform DER -out "$file.sig"
}

# eg_sign_embedded PKI EXECGATE FILE...: each FILE signed in place by the test PKI's
# leaf-valid, with the intermediate, through EXECGATE sign (an ELF section, or a script's
# block at its end).
eg_sign_embedded() {
	local pki=$1 execgate=$2 file
	shift 2
	for file; do
		"$execgate" sign --key "$pki/leaf-valid.key" --cert "$pki/leaf-valid.crt" \
			--chain "$pki/inter.crt" "$file" >/dev/null || return 1
	done
}

# eg_script_fixtures PKI EXECGATE DIR: the scripts of both VM suites' script tests in DIR,
# as NAME.sh, NAME.py and NAME.pl (the perl ones use strict and warnings), each printing
# "ran NAME": unsigned; signed with a block at its end by EXECGATE sign (embedded); with a
# detached signature (detached); left for the caller to catalog (catalog); signed, then
# changed (changed).  Python modules: mod.py unsigned, signedmod.py signed (embedded), each
# printing "imported NAME".  Signed by the test PKI's leaf-valid.
eg_script_fixtures() {
	local pki=$1 execgate=$2 dir=$3 name ext
	mkdir -p "$dir"
	for name in unsigned embedded detached catalog changed; do
		printf '#!/bin/sh\necho "ran %s"\n' "$name" >"$dir/$name.sh"
		chmod 755 "$dir/$name.sh"
		printf 'print("ran %s")\n' "$name" >"$dir/$name.py"
		printf 'use strict;\nuse warnings;\nprint "ran %s\\n";\n' "$name" >"$dir/$name.pl"
	done
	for name in mod signedmod; do
		printf 'print("imported %s")\n' "$name" >"$dir/$name.py"
	done
	eg_sign_embedded "$pki" "$execgate" "$dir"/embedded.* "$dir"/changed.* \
		"$dir/signedmod.py" || return 1
	sed -i 's/ran changed/ran CHANGED/' "$dir"/changed.*
	for ext in sh py pl; do
		eg_sign_detached "$pki" leaf-valid "$dir/detached.$ext" || return 1
	done
}
