#!/usr/bin/env bats
# execgate drill --revoke: which files would stop running, for both kinds of revocation
# reason, with timestamped and untimestamped signatures, against the test PKI and TSA.

load helpers
bats_require_minimum_version 1.5.0

# The tree every test drills, made once:
#   ts-2024   leaf-valid, timestamped 2024-01-01 (the TSA under faketime)
#   ts-now    leaf-valid, timestamped now
#   plain     leaf-valid, no timestamp
#   lifetime  leaf-lifetime (another signer under the same intermediate), timestamped now
#   kc-2024   leaf-revoked-kc (really revoked in crl/fresh), timestamped 2024-01-01
#   unsigned  no signature at all
setup_file() {
	eg_setup_file
	requires faketime
	tsa_start
	local t=$BATS_FILE_TMPDIR/tree
	mkdir -p "$t/sub"
	cp "$BATS_FILE_TMPDIR/hello" "$t/ts-2024"
	cp "$BATS_FILE_TMPDIR/hello" "$t/ts-now"
	cp "$BATS_FILE_TMPDIR/hello" "$t/sub/plain"
	cp "$BATS_FILE_TMPDIR/hello" "$t/sub/lifetime"
	cp "$BATS_FILE_TMPDIR/hello" "$t/kc-2024"
	cp "$BATS_FILE_TMPDIR/hello" "$t/unsigned"
	sign_valid "$t/ts-2024" --tsa-url "$TSA_URL/faketime/2024-01-01T00:00:00" >/dev/null
	sign_valid "$t/ts-now" --tsa-url "$TSA_URL" >/dev/null
	sign_valid "$t/sub/plain" >/dev/null
	eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-lifetime.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL" "$t/sub/lifetime" >/dev/null
	eg sign --key "$PKI/leaf-revoked-kc.key" --cert "$PKI/leaf-revoked-kc.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2024-01-01T00:00:00" \
		"$t/kc-2024" >/dev/null
	export TREE=$t
}

teardown_file() {
	eg_teardown_file
}

drill() {
	eg drill --trust "$PKI/root.crt" --tsa-trust "$PKI/tsa-root.crt" "$@"
}

# names LIST: the base names of the files in the JSON list d[LIST], space-separated.
names() {
	jget "' '.join(sorted(e['path'].rsplit('/', 1)[1] for e in d['$1']))"
}

@test "keyCompromise stops every file of the signer, timestamped or not" {
	run -1 drill --json --revoke "$PKI/leaf-valid.crt" --reason keyCompromise "$TREE"
	assert_equal "$(names stops)" "plain ts-2024 ts-now"
	assert_equal "$(names keeps)" ""
	assert_equal "$(jget 'd["reason"]')" keyCompromise
	assert_equal "$(jget 'd["files_checked"]')" 6
	assert_equal "$(jget 'd["signed_files"]')" 5
	local fp
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	fp=${fp//:/}
	assert_equal "$(jget 'd["certificate"]["sha256"]')" "${fp,,}"
	assert_equal "$(jget 'd["certificate"]["subject"]')" \
		"O=execgate test,CN=execgate test leaf-valid"
}

@test "keyCompromise is the default reason; text output names each file and why" {
	run -1 drill --revoke "$PKI/leaf-valid.crt" --paths "$TREE"
	assert_line --index 0 --regexp '^drill: revoking "O=execgate test,CN=execgate test leaf-valid" \(sha256:[0-9a-f]{64}\) for keyCompromise at '
	assert_line "STOPS    $TREE/sub/plain"
	assert_line "STOPS    $TREE/ts-2024"
	assert_line --regexp '^ +keyCompromise taints signatures made before it too \(timestamped 2024-01-01T00:00:0[0-9]Z\)$'
	assert_line "6 files checked, 5 signed: 3 would stop running, 0 would keep running, 0 signed by it do not verify now"
	refute_output --partial lifetime
	refute_output --partial unsigned
}

@test "superseded now: timestamped files keep running, the untimestamped one stops" {
	# An hour ahead stands for "now" without depending on a clock tick since signing.
	run -1 drill --json --revoke "$PKI/leaf-valid.crt" --reason superseded \
		--at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$TREE"
	assert_equal "$(names stops)" "plain"
	assert_equal "$(names keeps)" "ts-2024 ts-now"
	assert_equal "$(jget '[e["why"] for e in d["stops"]]')" '["not timestamped"]'
}

@test "superseded in 2025: only the signature timestamped before the revocation keeps running" {
	run -1 drill --json --revoke "$PKI/leaf-valid.crt" --reason superseded \
		--at 2025-01-01 "$TREE"
	assert_equal "$(names stops)" "plain ts-now"
	assert_equal "$(names keeps)" "ts-2024"
	assert_equal "$(jget 'd["revocation_time"]')" 2025-01-01T00:00:00Z
	# Just before that timestamp, superseded spares nothing either.
	run -1 drill --json --revoke "$PKI/leaf-valid.crt" --reason superseded \
		--at 2023-12-31T23:59:59Z "$TREE"
	assert_equal "$(names stops)" "plain ts-2024 ts-now"
}

@test "exit 0 when every affected file is timestamped before a benign revocation" {
	run -0 drill --json --revoke "$PKI/leaf-valid.crt" --reason cessationOfOperation \
		--at 2025-01-01 "$TREE/ts-2024" "$TREE/unsigned"
	assert_equal "$(names keeps)" "ts-2024"
	assert_equal "$(names stops)" ""
	# The same file under keyCompromise stops.
	run -1 drill --json --revoke "$PKI/leaf-valid.crt" --at 2025-01-01 "$TREE/ts-2024"
	assert_equal "$(names stops)" "ts-2024"
}

@test "by SHA-256 fingerprint, in any of its spellings" {
	local fp
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	run -1 drill --json --revoke "$fp" --reason superseded --at 2025-01-01 "$TREE"
	assert_equal "$(names stops)" "plain ts-now"
	assert_equal "$(jget 'd["certificate"]["subject"]')" null
	fp=${fp//:/}
	run -1 drill --json --revoke "sha256:${fp,,}" --reason superseded --at 2025-01-01 "$TREE"
	assert_equal "$(names keeps)" "ts-2024"
}

@test "an intermediate CA: every file below it, whatever its signer (no CRLs: kc-2024 runs today)" {
	run -1 drill --json --revoke "$PKI/inter.crt" --reason keyCompromise "$TREE"
	assert_equal "$(names stops)" "kc-2024 lifetime plain ts-2024 ts-now"
	run -1 drill --json --revoke "$PKI/inter.crt" --reason superseded \
		--at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$TREE"
	assert_equal "$(names stops)" "plain"
	assert_equal "$(names keeps)" "kc-2024 lifetime ts-2024 ts-now"
}

@test "a certificate that signs nothing here: exit 0" {
	run -0 drill --json --revoke "$PKI/leaf-expired.crt" "$TREE"
	assert_equal "$(names stops)" ""
	assert_equal "$(names keeps)" ""
}

@test "with the current CRLs: a file already revoked is listed as not running now" {
	run -0 drill --json --crl-dir "$PKI/crl/fresh" --revoke "$PKI/leaf-revoked-kc.crt" "$TREE"
	assert_equal "$(names invalid_now)" "kc-2024"
	assert_equal "$(jget 'd["invalid_now"][0]["why"]')" "does not verify now: revoked"
	# Without CRLs the same file runs today, and would stop.
	run -1 drill --json --revoke "$PKI/leaf-revoked-kc.crt" "$TREE"
	assert_equal "$(names stops)" "kc-2024"
}

@test "from a policy: its anchors, TSA anchors and CRLs" {
	cat >"$BATS_TEST_TMPDIR/p.policy" <<EOF
mode enforce
trust-anchor "$PKI/root.crt"
tsa-anchor "$PKI/tsa-root.crt"
crl-dir "$PKI/crl/fresh"
default deny
EOF
	run -1 eg drill --json --policy "$BATS_TEST_TMPDIR/p.policy" \
		--revoke "$PKI/leaf-valid.crt" --reason superseded --at 2025-01-01 "$TREE"
	assert_equal "$(names stops)" "plain ts-now"
	assert_equal "$(names keeps)" "ts-2024"
	run -2 eg drill --policy "$BATS_TEST_TMPDIR/p.policy" --trust "$PKI/root.crt" \
		--revoke "$PKI/leaf-valid.crt" "$TREE"
	assert_output --partial "either --policy or --trust"
}

@test "what cannot be walked is reported and exits 2; the rest is still judged" {
	local deep=$BATS_TEST_TMPDIR/deep
	mkdir -p "$deep/$(printf 'd/%.0s' {1..66})"
	cp "$TREE/sub/plain" "$BATS_TEST_TMPDIR/plain"
	run -2 drill --json --revoke "$PKI/leaf-valid.crt" "$deep" "$BATS_TEST_TMPDIR/plain"
	assert_output --partial "more than 64 directories deep, not walked"
	assert_output --partial "1 files or directories could not be read (above)"
	assert_output --partial "\"stops\":[{\"path\":\"$BATS_TEST_TMPDIR/plain\""
}

@test "usage and operational errors exit 2 with a message" {
	run -2 drill "$TREE"
	assert_output --partial "needs --revoke"
	run -2 drill --revoke "$PKI/leaf-valid.crt"
	assert_output --partial "at least one path"
	run -2 drill --revoke "$PKI/leaf-valid.crt" --reason stolen "$TREE"
	assert_output --partial "unknown CRLReason 'stolen'"
	run -2 drill --revoke "$PKI/leaf-valid.crt" --at yesterday "$TREE"
	assert_output --partial "--at: expected now"
	run -2 drill --revoke "$BATS_TEST_TMPDIR/none.crt" "$TREE"
	assert_output --partial "none.crt: neither a SHA-256 fingerprint nor"
	run -2 drill --revoke "$PKI/leaf-valid.crt" "$BATS_TEST_TMPDIR/missing"
	assert_output --partial "missing: No such file or directory"
	run -2 eg drill --revoke "$PKI/leaf-valid.crt" "$TREE"
	assert_output --partial "no trust anchor"
	run -2 drill --revoke "$PKI/root.crt" "$TREE"
	assert_output --partial "root.crt is a trust anchor; anchors are not revoked through CRLs"
	run -0 eg drill --help
	assert_output --partial "usage: execgate drill"
}
