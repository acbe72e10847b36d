#!/usr/bin/env bats
# Scripts signed with a signature block at their end (docs/signature-format.md): what
# `execgate sign` writes, what `execgate verify` accepts and refuses, and the stock
# openssl recipe that checks a block without execgate.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
}

teardown_file() {
	eg_teardown_file
}

assert_reason() {
	local code=$1
	shift
	run -1 egv --json "$@"
	assert_equal "$(jget '[d["valid"], d["reason"]]')" "[false, \"$code\"]"
}

assert_valid() {
	run -0 egv --json "$@"
	assert_equal "$(jget '[d["valid"], d["reason"], d["kind"]]')" '[true, null, "embedded"]'
}

# block_der FILE OUT / block_content FILE OUT: the block's signature and the signed bytes,
# with sed, base64 and openssl only, as docs/signature-format.md tells a user to do it.
block_der() {
	sed -n '/^\(#\|\/\/\|--\) -----BEGIN EXECGATE SIGNATURE-----$/,$p' "$1" |
		sed '1d;$d;s/^\(#\|\/\/\|--\) //' | base64 -d >"$2"
}
block_content() {
	sed '/^\(#\|\/\/\|--\) -----BEGIN EXECGATE SIGNATURE-----$/,$d' "$1" >"$2"
}

@test "sign: a #! script gets a comment block at its end; it still runs, verifies, and openssl agrees" {
	local f=$BATS_TEST_TMPDIR/run
	printf '#!/bin/sh\necho "ran $1"\n' >"$f"
	chmod 755 "$f"
	run -0 sign_valid "$f"
	assert_equal "$(head -2 "$f")" "$(printf '#!/bin/sh\necho "ran $1"')"
	assert_equal "$(sed -n 3p "$f")" "# -----BEGIN EXECGATE SIGNATURE-----"
	assert_equal "$(tail -1 "$f")" "# -----END EXECGATE SIGNATURE-----"
	[[ $(stat -c %a "$f") == 755 ]]
	run -0 "$f" x
	assert_output "ran x"
	assert_valid "$f"
	block_der "$f" "$BATS_TEST_TMPDIR/der"
	block_content "$f" "$BATS_TEST_TMPDIR/content"
	run -0 openssl cms -verify -binary -inform DER -in "$BATS_TEST_TMPDIR/der" \
		-content "$BATS_TEST_TMPDIR/content" -CAfile "$PKI/root.crt" -purpose any \
		-out /dev/null
	# Signed again: the block is replaced, not stacked.
	run -0 sign_valid "$f"
	assert_equal "$(grep -c 'BEGIN EXECGATE' "$f")" 1
	assert_valid "$f"
}

@test "sign: the comment marker follows the interpreter or the extension" {
	local d=$BATS_TEST_TMPDIR
	printf 'print("hi")\n' >"$d/a.py"
	printf '#!/usr/bin/env node\nconsole.log(1)\n' >"$d/b"
	printf 'print(1)\n' >"$d/c.lua"
	printf '#!/usr/bin/env -S perl -w\nprint 1;\n' >"$d/d"
	printf 'use strict;\nprint "hi\\n";\n' >"$d/e.pl"
	for f in a.py:# b:// c.lua:-- d:# e.pl:#; do
		run -0 sign_valid "$d/${f%%:*}"
		assert_equal "$(tail -1 "$d/${f%%:*}")" "${f#*:} -----END EXECGATE SIGNATURE-----"
		assert_valid "$d/${f%%:*}"
	done
	run -0 python3 "$d/a.py"
	assert_output "hi"
	run -0 perl "$d/e.pl"
	assert_output "hi"
}

@test "verify: a signed script changed after signing is bad_signature" {
	local f=$BATS_TEST_TMPDIR/x.sh
	printf 'echo one\n' >"$f"
	run -0 sign_valid "$f"
	sed -i 's/echo one/echo two/' "$f"
	assert_reason bad_signature "$f"
	# A line added after the block: the file no longer ends in a block.
	printf 'echo one\n' >"$f"
	run -0 sign_valid "$f"
	printf 'echo evil\n' >>"$f"
	assert_reason no_signature "$f"
}

@test "verify: a broken block is malformed, never a crash" {
	local f=$BATS_TEST_TMPDIR/x.sh
	printf 'echo one\n' >"$f"
	run -0 sign_valid "$f"
	cp "$f" "$f.orig"
	# A base64 line cut short, a character that is not base64, a BEGIN line missing,
	# two signatures' worth of DER, a block with another marker in the middle.
	sed -i '3s/.$//' "$f"
	assert_reason malformed "$f"
	cp "$f.orig" "$f" && sed -i '3s/^# ./# !/' "$f"
	assert_reason malformed "$f"
	cp "$f.orig" "$f" && sed -i '/BEGIN EXECGATE/d' "$f"
	assert_reason malformed "$f"
	cp "$f.orig" "$f" && sed -i '3s/^# /\/\/ /' "$f"
	assert_reason malformed "$f"
	{ printf 'echo one\n# -----BEGIN EXECGATE SIGNATURE-----\n'
	  grep -v 'EXECGATE SIGNATURE' "$f.orig" | tail -n +2
	  grep -v 'EXECGATE SIGNATURE' "$f.orig" | tail -n +2
	  printf '# -----END EXECGATE SIGNATURE-----\n'; } >"$f"
	assert_reason malformed "$f"
	# A detached signature still wins over a broken block.
	cp "$f.orig" "$f" && sed -i '3s/.$//' "$f"
	run -0 sign_valid "$f" --detached "$f.sig"
	run -0 egv --json "$f"
	assert_equal "$(jget '[d["valid"], d["kind"]]')" '[true, "detached"]'
}

@test "sign: a script without a final newline, or a file that is no script, is refused and untouched" {
	local f=$BATS_TEST_TMPDIR/x.sh
	printf 'echo one' >"$f"
	run -2 --separate-stderr sign_valid "$f"
	assert_equal "$stderr" "execgate sign: $f: does not end with a newline: add one, or sign with --detached"
	assert_equal "$(cat "$f")" "echo one"
	printf 'data\n' >"$BATS_TEST_TMPDIR/x.dat"
	run -2 sign_valid "$BATS_TEST_TMPDIR/x.dat"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/x.dat")" "data"
	run -0 sign_valid "$BATS_TEST_TMPDIR/x.dat" --detached "$BATS_TEST_TMPDIR/x.dat.sig"
	run ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial ".egsign."
}
