#!/usr/bin/env bats
# execgated on the development host, where BPF LSM is refused: it must say why and exit 2,
# never start half a gate.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_pki
}

setup() {
	if grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
		skip "this host has BPF LSM active; the gate is tested in the VM suite"
	fi
}

@test "execgated --backend bpf exits 2 and names why BPF LSM is unavailable" {
	run -2 timeout 20 "$EG_BIN/execgated" --backend bpf --mode audit --trust "$PKI/root.crt" \
		--foreground --control "$BATS_TEST_TMPDIR/control.sock"
	assert_output --regexp "BPF LSM unavailable: ('bpf' is not among the active LSMs|the kernel refused to load the program|the kernel has no BTF)"
	[[ ! -e /sys/fs/bpf/execgate ]]
}

@test "execgated rejects unknown options and values with exit 2" {
	run -2 "$EG_BIN/execgated" --mode permissive
	assert_output --partial "--mode: expected enforce or audit, not 'permissive'"
	run -2 "$EG_BIN/execgated" --backend magic
	assert_output --partial "unknown backend 'magic'"
	run -2 "$EG_BIN/execgated" --set-verdict maybe /bin/true
	assert_output --partial "expected allow or deny"
}

@test "execgated --set-verdict without a running agent says so" {
	run -1 "$EG_BIN/execgated" --set-verdict deny /bin/true
	assert_output --partial "no running agent"
	run -2 "$EG_BIN/execgated" --set-verdict deny /nonexistent/file
	assert_output --partial "/nonexistent/file: No such file or directory"
}

@test "execgated refuses to start without a policy or anchors, or with a bad one" {
	run -2 "$EG_BIN/execgated" --foreground
	assert_output --partial "give a policy (--policy FILE) or trust anchors (--trust PEM)"
	run -2 "$EG_BIN/execgated" --foreground --trust /nonexistent/root.pem
	assert_output --partial "/nonexistent/root.pem"
	printf 'mode enforce\nallow outcome valid\ndefualt deny\n' >"$BATS_TEST_TMPDIR/bad.policy"
	# exit 3: the policy does not load and the state directory holds no last known good
	run -3 "$EG_BIN/execgated" --foreground --policy "$BATS_TEST_TMPDIR/bad.policy" \
		--state-dir "$BATS_TEST_TMPDIR"
	assert_output --partial "bad.policy:3:"
	assert_output --partial "no last known good copy"
}

@test "execgated --help describes the options" {
	run -0 "$EG_BIN/execgated" --help
	assert_output --partial "--backend"
	assert_output --partial "--scope-cgroup"
}
