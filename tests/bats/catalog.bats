#!/usr/bin/env bats
# execgate catalog create|list, and execgate verify --catalog: files trusted through a
# signed list of their digests, without touching the files.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
	tsa_start
}

teardown_file() {
	eg_teardown_file
}

# Three unsigned files: two ELF programs and a script.
make_files() {
	elf_copy a >/dev/null
	cp "$BATS_FILE_TMPDIR/hello" "$BATS_TEST_TMPDIR/b"
	printf 'x' >>"$BATS_TEST_TMPDIR/b"
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/c.sh"
}

create_catalog() {
	local out=$1
	shift
	eg catalog create --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.crt" \
		--chain "$PKI/chain.pem" -o "$out" "$@"
}

@test "catalog --help describes create and list" {
	run -0 eg catalog --help
	assert_output --partial "execgate catalog create --key KEY --cert CERT"
	assert_output --partial "execgate catalog list [--json] CAT"
}

@test "catalog create, then list shows every file's SHA-256 and name" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/b" "$t/c.sh"
	run -0 eg catalog list "$t/os.cat"
	assert_equal "${#lines[@]}" 3
	assert_line "sha256:$(sha256sum "$t/a" | cut -d' ' -f1)  $t/a"
	assert_line "sha256:$(sha256sum "$t/b" | cut -d' ' -f1)  $t/b"
	assert_line "sha256:$(sha256sum "$t/c.sh" | cut -d' ' -f1)  $t/c.sh"
	run -0 eg catalog list --json "$t/os.cat"
	assert_equal "$(jget 'd["count"]')" 3
	assert_equal "$(jget '[e["sha256"] for e in d["entries"] if e["name"] == "'"$t/c.sh"'"]')" \
		"[\"$(sha256sum "$t/c.sh" | cut -d' ' -f1)\"]"
}

@test "the catalog is CMS that openssl cms -verify accepts, its content the digest list" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/c.sh"
	run -0 openssl cms -verify -binary -inform DER -in "$t/os.cat" -CAfile "$PKI/root.crt" \
		-purpose any -out "$t/content"
	assert_equal "$(head -1 "$t/content")" "execgate-catalog v1"
	run -0 grep -c '^sha256:' "$t/content"
	assert_output 2
}

@test "verify --catalog: listed files are valid with kind catalog, others are not" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/c.sh" --tsa-url "$TSA_URL"
	for f in "$t/a" "$t/c.sh"; do
		run -0 egv --json --catalog "$t/os.cat" "$f"
		assert_equal "$(jget 'd["valid"]')" true
		assert_equal "$(jget 'd["kind"]')" catalog
		assert_equal "$(jget 'd["signer"]["subject"]')" "O=execgate test,CN=execgate test leaf-valid"
		assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
	done
	run -1 egv --json --catalog "$t/os.cat" "$t/b"
	assert_equal "$(jget 'd["reason"]')" no_signature
	# A listed file that changed is no longer listed.
	printf 'x' >>"$t/a"
	run -1 egv --json --catalog "$t/os.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" no_signature
}

@test "verify --catalog: several catalogs; a file's own signature comes first" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/one.cat" "$t/a"
	run -0 create_catalog "$t/two.cat" "$t/b"
	run -0 egv --json --catalog "$t/one.cat" --catalog "$t/two.cat" "$t/b"
	assert_equal "$(jget 'd["kind"]')" catalog
	run -0 sign_valid "$t/a"
	run -0 egv --json --catalog "$t/one.cat" "$t/a"
	assert_equal "$(jget 'd["kind"]')" embedded
}

@test "verify --catalog: a catalog by an untrusted signer or with a broken signature" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 eg catalog create --key "$PKI/untrusted-leaf.key" --cert "$PKI/untrusted-leaf.crt" \
		-o "$t/evil.cat" "$t/a"
	run -1 egv --json --catalog "$t/evil.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" untrusted_chain
	run -0 create_catalog "$t/os.cat" "$t/a"
	# The last byte of the DER is the last byte of the signature value.
	flip_byte "$t/os.cat" $(($(stat -c %s "$t/os.cat") - 1))
	run -1 egv --json --catalog "$t/os.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" bad_signature
}

@test "catalog: usage and operational errors exit 2 naming the file" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -2 --separate-stderr create_catalog "$t/os.cat"
	assert_equal "$stderr" "execgate catalog create: no FILE to list in $t/os.cat"
	run -2 --separate-stderr create_catalog "$t/os.cat" "$t/a" "$t/missing"
	assert_equal "$stderr" "execgate catalog create: $t/missing: No such file or directory"
	[[ ! -e $t/os.cat ]]
	run -2 --separate-stderr eg catalog create --cert "$PKI/leaf-valid.crt" -o "$t/x.cat" "$t/a"
	assert_equal "$stderr" "execgate catalog create: --key, --cert and -o are required"
	run -2 eg catalog create --key "$PKI/leaf-wrong-eku.key" --cert "$PKI/leaf-wrong-eku.crt" \
		-o "$t/x.cat" "$t/a"
	assert_output --partial "no Code Signing extended key usage"
	run -2 eg catalog list "$t/a"
	assert_output --partial "$t/a"
	run -2 egv --catalog "$t/c.sh" "$t/a"
	assert_output --partial "execgate verify: $t/c.sh: not a catalog"
	run -2 eg catalog frob
	assert_output --partial "unknown subcommand 'frob'"
	run -2 eg catalog
}
