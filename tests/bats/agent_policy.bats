#!/usr/bin/env bats
# execgated with a policy that requires signed policies: it refuses to start on an
# unsigned one, and a reload keeps the running policy unless the replacement is signed
# by a policy-signing certificate (a code-signing one is refused: separation of duties).
# The agent watches only a tmpfs this file mounts.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	requires root
	eg_pki
	export MNT=$BATS_FILE_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o exec,size=16m execgate-test "$MNT"
	echo "$MNT" >"$BATS_FILE_TMPDIR/mounted"
}

teardown_file() {
	if [[ -f $BATS_FILE_TMPDIR/mounted ]]; then
		umount "$(cat "$BATS_FILE_TMPDIR/mounted")" || true
	fi
}

setup() {
	POLICY=$BATS_TEST_TMPDIR/gate.policy
	CTL=$BATS_TEST_TMPDIR/control.sock
	cat >"$POLICY" <<-EOF2
		mode enforce
		trust-anchor "$PKI/root.crt"
		require-signed-policy "$PKI/root.crt"
		allow outcome valid
		default deny
	EOF2
}

teardown() {
	if [[ -n ${AGENT_PID:-} ]]; then
		kill -TERM "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
}

sign_policy() { # LEAF: its certificate and the intermediate go into the signature
	cat "$PKI/$1.crt" "$PKI/inter.crt" >"$BATS_TEST_TMPDIR/$1-chain.pem"
	"$EG_BIN/execgate" policy sign --key "$PKI/$1.key" --cert "$BATS_TEST_TMPDIR/$1-chain.pem" \
		"$POLICY"
}

start() {
	"$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$BATS_TEST_TMPDIR" --log /dev/null --foreground \
		2>"$BATS_TEST_TMPDIR/agent.err" &
	AGENT_PID=$!
	for _ in $(seq 100); do
		grep -q ready "$BATS_TEST_TMPDIR/agent.err" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/agent.err" >&2
	return 1
}

@test "agent policy: an unsigned policy that requires signatures is refused at start" {
	run -3 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$BATS_TEST_TMPDIR" --foreground
	assert_output --partial "a signed policy is required"
}

@test "agent policy: reload takes a signed replacement, refuses unsigned and code-signed ones" {
	run -0 sign_policy policy
	start
	echo "# a comment changes the digest" >>"$POLICY"
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output --partial "a signed policy is required"
	# execgate policy sign refuses a code-signing certificate; openssl does not.
	openssl cms -sign -binary -md sha256 -in "$POLICY" -signer "$PKI/leaf-valid.crt" \
		-inkey "$PKI/leaf-valid.key" -certfile "$PKI/inter.crt" -outform DER -out "$POLICY.sig"
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output --partial "a signed policy is required"
	run -0 sign_policy policy
	run -0 "$EG_BIN/execgate" reload --socket "$CTL"
	run -0 "$EG_BIN/execgate" status --socket "$CTL" --json
	assert_output --partial '"generation": 2'
}

@test "agent policy: a replacement cannot drop the requirement unsigned" {
	run -0 sign_policy policy
	start
	sed -i '/require-signed-policy/d' "$POLICY"
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output --partial "a signed policy is required"
}

# The policy signer is checked against the CRLs as a program's signer is: policy-revoked
# is a policy-signing certificate revoked for keyCompromise in the test PKI's root CRL.
@test "agent policy: a policy signed by a revoked policy-signing certificate is refused at start" {
	sed -i "1a crl-dir \"$PKI/crl/fresh\"" "$POLICY"
	run -0 sign_policy policy-revoked
	# Bounded: an agent that accepted the policy would stay in the foreground.
	run -3 timeout 60 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" \
		--policy "$POLICY" --control "$CTL" --state-dir "$BATS_TEST_TMPDIR" --foreground
	assert_output --partial "a signed policy is required"
	assert_output --partial "policy-revoked is revoked (keyCompromise)"
	# The same policy signed by a good policy signer starts.
	run -0 sign_policy policy
	start
}

@test "agent policy: reload refuses a replacement signed by a revoked policy-signing certificate" {
	sed -i "1a crl-dir \"$PKI/crl/fresh\"" "$POLICY"
	run -0 sign_policy policy
	start
	echo "# a comment changes the digest" >>"$POLICY"
	run -0 sign_policy policy-revoked
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output --partial "a signed policy is required"
	assert_output --partial "policy-revoked is revoked (keyCompromise)"
	# Dropping the crl-dir from the replacement does not help: the running policy's
	# CRLs judge it.
	sed -i '/^crl-dir/d' "$POLICY"
	run -0 sign_policy policy-revoked
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output --partial "policy-revoked is revoked (keyCompromise)"
	run -0 "$EG_BIN/execgate" status --socket "$CTL" --json
	assert_output --partial '"generation": 1'
	run -0 sign_policy policy
	run -0 "$EG_BIN/execgate" reload --socket "$CTL"
}
