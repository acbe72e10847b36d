#!/usr/bin/env bats
# The BPF gate itself, on inode verdicts set by hand: the foundation every later check
# stands on.

load helpers

setup() {
	cp "$EG_BIN/eg-hello" "$BATS_TEST_TMPDIR/hello"
	cp "$EG_BIN/eg-hello" "$BATS_TEST_TMPDIR/denied"
	cp "$EG_BIN/eg-hello-static" "$BATS_TEST_TMPDIR/hello-static"
}

teardown() {
	stop_agent
	rmdir /sys/fs/cgroup/eg-* 2>/dev/null || true
}

@test "a deny verdict on a copy's inode makes its exec fail with EPERM" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	run -0 execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "exec $BATS_TEST_TMPDIR/denied: EPERM"
}

@test "the same binary without the verdict and other binaries still run" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	run -0 execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/hello"
	assert_output --partial "hello from"
	run -0 /bin/busybox true
	run -0 bash -c 'echo still here'
}

@test "the deny event reaches userspace with pid, inode and decision" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	ino=$(stat -c %i "$BATS_TEST_TMPDIR/denied")
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	pid=$(sed -n 's/^eg-exec: pid //p' <<<"$output")
	run -0 wait_event "\"decision\":\"deny\"" "\"pid\":$pid," "\"ino\":$ino,"
	assert_output --partial '"reason":"verdict"'
	assert_output --partial '"hook":"exec"'
}

@test "audit mode lets a denied file run and reports it as audit" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode audit --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "hello from"
	run -0 wait_event '"decision":"audit"' '"reason":"verdict"'
}

@test "on-miss deny: a file without a verdict is unverified, an allow verdict runs" {
	mkdir /sys/fs/cgroup/eg-miss
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss deny --scope-cgroup /sys/fs/cgroup/eg-miss
	execgated --set-verdict allow "$BATS_TEST_TMPDIR/hello-static"
	execgated --set-verdict allow "$EG_BIN/eg-exec"
	run bash -c "echo \$\$ > /sys/fs/cgroup/eg-miss/cgroup.procs; exec $EG_BIN/eg-exec $BATS_TEST_TMPDIR/hello-static"
	assert_success
	assert_output --partial "hello from"
	run bash -c "echo \$\$ > /sys/fs/cgroup/eg-miss/cgroup.procs; exec $EG_BIN/eg-exec $BATS_TEST_TMPDIR/denied"
	assert_failure 126
	assert_output --partial "EPERM"
	run -0 wait_event '"decision":"deny"' '"reason":"unverified"' '"hook":"exec"'
}

@test "on-miss deny: an allowed dynamic program whose libraries have no verdict cannot map them" {
	mkdir /sys/fs/cgroup/eg-lib
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss deny --scope-cgroup /sys/fs/cgroup/eg-lib
	execgated --set-verdict allow "$BATS_TEST_TMPDIR/hello"
	execgated --set-verdict allow "$EG_BIN/eg-exec"
	run bash -c "echo \$\$ > /sys/fs/cgroup/eg-lib/cgroup.procs; exec $EG_BIN/eg-exec $BATS_TEST_TMPDIR/hello"
	assert_failure
	refute_output --partial "hello from"
	run -0 wait_event '"decision":"deny"' '"hook":"mmap"' '"reason":"unverified"'
}

@test "a verdict does not survive a change to the file" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -126 eg-exec "$BATS_TEST_TMPDIR/denied"
	touch "$BATS_TEST_TMPDIR/denied"
	run -0 eg-exec "$BATS_TEST_TMPDIR/denied"
}

@test "mappings: a verified file maps executable; writable+exec, patched and written-to files do not" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	file=$BATS_TEST_TMPDIR/hello
	execgated --set-verdict allow "$file"
	run -0 eg-map exec "$file"
	run -0 eg-map later "$file"
	run -1 eg-map wx "$file"
	assert_output --partial "refused: EPERM (mmap)"
	run -0 wait_event '"hook":"mmap"' '"reason":"writable_mapping"'
	run -1 eg-map patch "$file"
	assert_output --partial "refused: EPERM (mprotect)"
	run -0 wait_event '"hook":"mprotect"' '"reason":"modified_mapping"'
	run -1 eg-map writer "$file"
	assert_output --partial "refused: EPERM (mmap)"
}

@test "mappings: a deny verdict stops mmap and mprotect of the file as it stops exec" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow
	execgated --set-verdict deny "$BATS_TEST_TMPDIR/denied"
	run -1 eg-map exec "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "refused: EPERM (mmap)"
	run -1 eg-map later "$BATS_TEST_TMPDIR/denied"
	assert_output --partial "refused: EPERM (mprotect)"
}

@test "status says the kernel's BPF run statistics are off instead of showing zeros" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground --mode enforce --on-miss allow \
		--control "$BATS_TEST_TMPDIR/control.sock"
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --partial '"statistics": "off: kernel.bpf_stats_enabled is 0'
	assert_output --partial '"execgate_bprm_check_security"'
	refute_output --partial '"avg_ns"'
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	run -0 eg-exec "$BATS_TEST_TMPDIR/hello"
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	refute_output --partial '"statistics"'
	assert_output --regexp '"execgate_bprm_check_security": \{[^}]*"runs": [1-9]'
}

@test "-vv: the agent's log has each program's verification time and size, -v not" {
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground \
		--mode enforce --on-miss allow -vv
	run -0 sed -n "/prog 'execgate_bprm_check_security': -- BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p" \
		"$AGENT_LOG"
	assert_output --regexp 'verification time [0-9]+ usec'
	assert_output --regexp 'processed [0-9]+ insns'
	stop_agent
	start_agent --backend bpf --no-fanotify --trust /opt/execgate/pki/root.crt --foreground \
		--mode enforce --on-miss allow -v
	run -1 grep "verification time" "$AGENT_LOG"
}
