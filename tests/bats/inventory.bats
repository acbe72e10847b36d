#!/usr/bin/env bats
# execgate inventory: signers in use and anchors, expiry exits (--warn-days), owners and
# rotate-by dates from the policy's signer declarations, --strict, against the test PKI.

load helpers
bats_require_minimum_version 1.5.0

# Two trees, made once:
#   current/ts        leaf-valid, timestamped now
#   current/sub/plain leaf-valid, no timestamp
#   current/life      leaf-lifetime, no timestamp
#   current/unsigned  no signature
#   old/expired-ts    leaf-expired, signed and timestamped in 2020 (verifies: timestamped)
# and a policy declaring leaf-valid (by certificate, with owner and a future rotate-by) and
# leaf-lifetime (by subject glob, no owner, rotate-by in the past).
setup_file() {
	eg_setup_file
	requires faketime
	tsa_start
	local c=$BATS_FILE_TMPDIR/current o=$BATS_FILE_TMPDIR/old fp
	mkdir -p "$c/sub" "$o"
	cp "$BATS_FILE_TMPDIR/hello" "$c/ts"
	cp "$BATS_FILE_TMPDIR/hello" "$c/sub/plain"
	cp "$BATS_FILE_TMPDIR/hello" "$c/life"
	cp "$BATS_FILE_TMPDIR/hello" "$c/unsigned"
	cp "$BATS_FILE_TMPDIR/hello" "$o/expired-ts"
	sign_valid "$c/ts" --tsa-url "$TSA_URL" >/dev/null
	sign_valid "$c/sub/plain" >/dev/null
	eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-lifetime.crt" \
		--chain "$PKI/chain.pem" "$c/life" >/dev/null
	faketime '2020-06-01 00:00:00' "$EG_BIN/execgate" sign \
		--key "$PKI/leaf-expired.key" --cert "$PKI/leaf-expired.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2020-06-01T00:00:00" \
		"$o/expired-ts" >/dev/null
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	cat >"$BATS_FILE_TMPDIR/inv.policy" <<EOF
mode enforce
trust-anchor "$PKI/root.crt"
tsa-anchor "$PKI/tsa-root.crt"
signer release cert $fp owner "Release Engineering <re@example.com>" rotate-by 2040-01-01
signer lifetime subject "*leaf-lifetime" rotate-by 2020-01-01
allow signer release
default deny
EOF
	export CUR=$c OLD=$o POL=$BATS_FILE_TMPDIR/inv.policy
}

teardown_file() {
	eg_teardown_file
}

# days_left CERT: whole days until the certificate's notAfter, rounded down as the
# inventory counts (negative once expired).
days_left() {
	local end left
	end=$(date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	left=$((end - $(date -u +%s)))
	if ((left >= 0)); then
		echo $((left / 86400))
	else
		echo $((-((-left + 86399) / 86400)))
	fi
}

# row SUBJECT_SUFFIX EXPR: EXPR over the certificate row (c) whose subject ends so.
row() {
	jget "[c for c in d['certificates'] if c['subject'].endswith('$1')][0]$2"
}

@test "signers in use and anchors, with files, timestamps, owner and rotate-by" {
	run -0 eg inventory --json --policy "$POL" "$CUR"
	assert_equal "$(jget '[c["role"] for c in d["certificates"]]')" \
		'["signer", "signer", "trust-anchor", "tsa-anchor"]'
	assert_equal "$(jget '[d["files_checked"], d["signed_files"]]')" "[4, 3]"
	assert_equal "$(row leaf-valid '["files"]')" 2
	assert_equal "$(row leaf-valid '["valid_files"]')" 2
	assert_equal "$(row leaf-valid '["timestamped_files"]')" 1
	assert_equal "$(row leaf-valid '["timestamped"]')" some
	assert_equal "$(row leaf-valid '["owner"]')" "Release Engineering <re@example.com>"
	assert_equal "$(row leaf-valid '["policy_signer"]')" release
	assert_equal "$(row leaf-valid '["rotate_by"]')" 2040-01-01T00:00:00Z
	assert_equal "$(row leaf-valid '["not_after"]')" 2044-01-01T00:00:00Z
	assert_equal "$(row leaf-valid '["days_left"]')" "$(days_left "$PKI/leaf-valid.crt")"
	assert_equal "$(row leaf-valid '["issuer"]')" "O=execgate test,CN=execgate test inter"
	local serial fp
	serial=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -serial | cut -d= -f2)
	assert_equal "$(row leaf-valid '["serial"]')" "${serial,,}"
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	fp=${fp//:/}
	assert_equal "$(row leaf-valid '["sha256"]')" "${fp,,}"
	assert_equal "$(row leaf-valid '["findings"]')" "[]"
	assert_equal "$(row leaf-lifetime '["timestamped"]')" none
	assert_equal "$(row leaf-lifetime '["policy_signer"]')" lifetime
	assert_equal "$(row leaf-lifetime '["owner"]')" null
	assert_equal "$(row leaf-lifetime '["findings"]')" '["no_owner", "past_rotate_by"]'
	assert_equal "$(row 'test root' '["files"]')" 3
	assert_equal "$(row 'test tsa-root' '["files"]')" null
	assert_equal "$(jget 'd["findings"]')" \
		'{"expired_or_expiring": 0, "no_owner": 1, "past_rotate_by": 1}'
}

@test "--strict: a signer without owner or past rotate-by is a finding for the exit status" {
	run -1 eg inventory --strict --policy "$POL" "$CUR"
	assert_output --partial "FINDING:     no owner in the policy"
	assert_output --partial "FINDING:     past its rotate-by date"
	# Only the declared, owned, current signer: nothing to find.
	run -0 eg inventory --strict --policy "$POL" "$CUR/ts" "$CUR/sub"
	# Without a policy no signer has an owner.
	run -1 eg inventory --strict --json --trust "$PKI/root.crt" "$CUR/ts"
	assert_equal "$(row leaf-valid '["findings"]')" '["no_owner"]'
	run -0 eg inventory --trust "$PKI/root.crt" "$CUR/ts"
	assert_output --partial "warning:     no owner in the policy"
}

@test "--warn-days: exit 1 once a certificate in use expires within the window" {
	local days
	days=$(days_left "$PKI/leaf-valid.crt")
	run -0 eg inventory --json --policy "$POL" --warn-days $((days - 1)) "$CUR/ts"
	run -1 eg inventory --json --policy "$POL" --warn-days $((days + 2)) "$CUR/ts"
	# Its rotate-by date (2040) falls in that window too: a warning.
	assert_equal "$(row leaf-valid '["findings"]')" '["expiring", "rotate_by_soon"]'
	assert_equal "$(row 'test root' '["findings"]')" "[]"
	assert_equal "$(jget 'd["findings"]["expired_or_expiring"]')" 1
	run -1 eg inventory --policy "$POL" --warn-days $((days + 2)) "$CUR/ts"
	assert_output --partial "FINDING:     expires within $((days + 2)) days"
	assert_output --partial "warning:     to be rotated within $((days + 2)) days"
	# A window that reaches 2040 but not 2044: the rotation warning alone, exit 0.
	run -0 eg inventory --json --policy "$POL" \
		--warn-days "$(days_left "$PKI/leaf-valid.crt" | awk '{ print $1 - 1000 }')" "$CUR/ts"
	assert_equal "$(row leaf-valid '["findings"]')" '["rotate_by_soon"]'
	# The anchors count too, with no file at all.
	days=$(days_left "$PKI/root.crt")
	run -1 eg inventory --json --policy "$POL" --warn-days $((days + 2))
	assert_equal "$(row 'test root' '["findings"]')" '["expiring"]'
	assert_equal "$(row 'test tsa-root' '["findings"]')" '["expiring"]'
}

@test "an expired signer in use is a finding even when its files verify by timestamp" {
	run -1 eg inventory --json --policy "$POL" "$OLD"
	assert_equal "$(row leaf-expired '["findings"]')" '["expired", "no_owner"]'
	assert_equal "$(row leaf-expired '["valid_files"]')" 1
	assert_equal "$(row leaf-expired '["timestamped"]')" all
	assert_equal "$(row leaf-expired '["days_left"]')" "$(days_left "$PKI/leaf-expired.crt")"
	run -1 eg inventory --policy "$POL" "$OLD"
	assert_output --partial "FINDING:     expired"
	assert_line --regexp '^inventory: 1 files checked, 1 signed; 1 signers, 1 trust anchors, 1 TSA anchors; 1 expired or expiring within 30 days, 1 signers without owner, 0 past rotate-by$'
}

@test "text output: one block per certificate" {
	run -0 eg inventory --policy "$POL" "$CUR"
	assert_line "signer  O=execgate test,CN=execgate test leaf-valid"
	assert_line "  files:       2 signed, 2 verify, timestamped: some (1)"
	assert_line "  owner:       Release Engineering <re@example.com>"
	assert_line --regexp "^  declared:    signer release \(.*inv.policy:4\)$"
	assert_line --regexp '^  rotate by:   2040-01-01T00:00:00Z \([0-9]+ days left\)$'
	assert_line "trust-anchor  O=execgate test,CN=execgate test root"
	assert_line "  files:       3 verify through it"
	assert_line "tsa-anchor  O=execgate test,CN=execgate test tsa-root"
}

@test "an incomplete walk is listed and exits 2" {
	local deep=$BATS_TEST_TMPDIR/deep
	mkdir -p "$deep/$(printf 'd/%.0s' {1..66})"
	run -2 eg inventory --policy "$POL" "$deep" "$CUR/ts"
	assert_output --partial "more than 64 directories deep, not walked"
	assert_output --partial "1 files or directories could not be read (above): the inventory is incomplete"
	assert_line "signer  O=execgate test,CN=execgate test leaf-valid"
}

@test "usage and operational errors exit 2" {
	run -2 eg inventory --policy "$POL" --warn-days soon "$CUR"
	assert_output --partial "--warn-days: expected a number of days"
	run -2 eg inventory "$CUR"
	assert_output --partial "no trust anchor"
	run -2 eg inventory --policy "$POL" "$BATS_TEST_TMPDIR/missing"
	assert_output --partial "missing: No such file or directory"
	run -2 eg inventory --policy "$BATS_TEST_TMPDIR/none.policy"
	assert_output --partial "none.policy"
	run -0 eg inventory --help
	assert_output --partial "usage: execgate inventory"
}
