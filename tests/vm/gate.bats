#!/usr/bin/env bats
# The BPF gate itself, on inode verdicts set by hand: the foundation every later check
# stands on.

load helpers

setup() {
	cp "$EG_BIN/eg-hello" "$BATS_TEST_TMPDIR/hello"
	cp "$EG_BIN/eg-hello" "$BATS_TEST_TMPDIR/denied"
}

teardown() {
	stop_agent
}

@test "a deny verdict on a copy's inode makes its exec fail with EPERM" {
	start_agent --backend bpf --mode enforce --on-miss allow
	run -0 execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "exec $BATS_TEST_TMPDIR/denied: EPERM"
}

@test "the same binary without the verdict and other binaries still run" {
	start_agent --backend bpf --mode enforce --on-miss allow
	run -0 execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/hello"
	assert_output --partial "hello from"
	run -0 /bin/busybox true
	run -0 bash -c 'echo still here'
}

@test "the deny event reaches userspace with pid, inode and decision" {
	start_agent --backend bpf --mode enforce --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	ino=$(stat -c %i "$BATS_TEST_TMPDIR/denied")
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	pid=$(sed -n 's/^eg-exec: pid //p' <<<"$output")
	run -0 wait_event "\"decision\":\"deny\"" "\"pid\":$pid," "\"ino\":$ino,"
	assert_output --partial '"reason":"verdict"'
	assert_output --partial '"hook":"exec"'
}

@test "audit mode lets a denied file run and reports it as audit" {
	start_agent --backend bpf --mode audit --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "hello from"
	run -0 wait_event '"decision":"audit"' '"reason":"verdict"'
}

@test "on-miss deny: a file without a verdict is unverified, an allow verdict runs" {
	mkdir /sys/fs/cgroup/eg-miss
	start_agent --backend bpf --mode enforce --on-miss deny --scope-cgroup /sys/fs/cgroup/eg-miss
	execgated --set-verdict allow "$BATS_TEST_TMPDIR/hello"
	execgated --set-verdict allow "$EG_BIN/eg-exec"
	run bash -c "echo \$\$ > /sys/fs/cgroup/eg-miss/cgroup.procs; exec $EG_BIN/eg-exec $BATS_TEST_TMPDIR/hello"
	assert_success
	assert_output --partial "hello from"
	run bash -c "echo \$\$ > /sys/fs/cgroup/eg-miss/cgroup.procs; exec $EG_BIN/eg-exec $BATS_TEST_TMPDIR/denied"
	assert_failure 126
	assert_output --partial "EPERM"
	run -0 wait_event '"decision":"deny"' '"reason":"unverified"'
	rmdir /sys/fs/cgroup/eg-miss
}

@test "a verdict does not survive a change to the file" {
	start_agent --backend bpf --mode enforce --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	touch "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/denied"
}
