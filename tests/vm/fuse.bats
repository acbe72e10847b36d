#!/usr/bin/env bats
# The whole gate on FUSE, whose server decides what every read returns and can change a
# file's bytes without changing its times or size: a verdict bound to the file's version
# cannot hold there.  The decision (agent/decide.c, on_fuse): an allow on FUSE is never
# remembered, each exec is verified again.  The server is tests/helpers/eg-fuse, run
# outside the gated cgroup.

load helpers

setup() {
	grep -qw fuse /proc/filesystems ||
		insmod "/lib/modules/$(uname -r)/kernel/fs/fuse/fuse.ko" ||
		skip "no FUSE module for $(uname -r)"
	[[ -c /dev/fuse ]] || skip "no /dev/fuse"
	mkdir -p "$SCOPE"
	BACK=$BATS_TEST_TMPDIR/back
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$BACK" "$MNT"
}

teardown() {
	# Reads waiting on .stall hold the agent's workers, which it waits for when it stops.
	rm -f "$BACK/.stall"
	stop_agent
	# The server unmounts on SIGTERM; a lazy unmount covers a server that did not.
	if [[ -n ${FUSE_PID:-} ]]; then
		local i
		kill -TERM "$FUSE_PID" 2>/dev/null || true
		for i in $(seq 50); do
			kill -0 "$FUSE_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$FUSE_PID" 2>/dev/null || true
		wait "$FUSE_PID" 2>/dev/null || true
		if grep -q " $MNT fuse" /proc/mounts; then umount -l "$MNT" || true; fi
	fi
	rmdir "$SCOPE" 2>/dev/null || true
	[[ $MNT == /tmp/eg-fuse-* ]] && rmdir "$MNT"
	return 0
}

# serve [libfuse options]: mount BACK at MNT through eg-fuse and wait until the mount is there.
serve() {
	eg-fuse "$BACK" "$MNT" -f "$@" 2>"$BATS_TEST_TMPDIR/eg-fuse.err" &
	FUSE_PID=$!
	wait_until "$FUSE_PID" grep -q " $MNT fuse" /proc/mounts && return 0
	cat "$BATS_TEST_TMPDIR/eg-fuse.err" >&2
	return 1
}

# alt FILE: FILE.alt, the same size as FILE, its "hello from" reading "HELLO from": another
# program, which runs only if the gate trusted FILE's old bytes.
alt() {
	local off
	off=$(strings -t d "$1" | awk '/hello from/ { print $1; exit }')
	[[ -n $off ]]
	cp "$1" "$1.alt"
	printf HELLO | dd of="$1.alt" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# allows PATH: how many allow records of an exec of PATH the agent has written.
allows() {
	grep -F "\"path\":\"$1\"" "$AGENT_EVENTS" | grep -F '"hook":"exec"' |
		grep -cF '"decision":"allow"' || true
}

@test "FUSE: a signed program runs, an unsigned one gets EPERM with its reason logged" {
	cp "$FX/signed" "$FX/signed.sig" "$FX/unsigned" "$BACK/"
	serve
	start_gate enforce
	run -0 gated eg-exec "$MNT/signed"
	assert_output --partial "hello from"
	run -126 gated eg-exec "$MNT/unsigned"
	assert_output --partial "EPERM"
	run -0 wait_event '"decision":"deny"' '"reason":"no_signature"' "\"path\":\"$MNT/unsigned\""
}

@test "FUSE: other bytes under unchanged times and size: the next exec is verified again and denied" {
	cp "$FX/signed" "$FX/signed.sig" "$BACK/"
	alt "$BACK/signed"
	serve
	start_gate enforce
	run -0 gated eg-exec "$MNT/signed"
	assert_output --partial "hello from"
	local before after
	before=$(stat -c '%s %Y %Z %i' "$MNT/signed")
	touch "$BACK/.swap"
	after=$(stat -c '%s %Y %Z %i' "$MNT/signed")
	# What the attack needs: the file looks the same, its bytes are not.
	[[ $before == "$after" ]]
	run -0 cmp "$BACK/signed.alt" "$MNT/signed"
	run -126 gated eg-exec "$MNT/signed"
	assert_output --partial "EPERM"
	refute_output --partial "HELLO from"
	run -0 wait_event '"decision":"deny"' '"reason":"bad_signature"' "\"path\":\"$MNT/signed\""
	# The server serves the signed bytes again: verified again, allowed again.
	rm "$BACK/.swap"
	run -0 gated eg-exec "$MNT/signed"
	assert_output --partial "hello from"
}

@test "FUSE: every exec is decided and logged, where on tmpfs an unchanged file's later execs never leave the kernel" {
	cp "$FX/signed" "$FX/signed.sig" "$BACK/"
	serve
	start_gate enforce --log-allows
	local file i
	file=$(fresh signed)
	for i in 1 2 3; do
		run -0 gated eg-exec "$MNT/signed"
		run -0 gated eg-exec "$file"
	done
	# Records are written in order: once this denial is in, all the allows before it are.
	run -126 gated eg-exec "$(fresh unsigned)"
	run -0 wait_event '"decision":"deny"' '/fresh/unsigned"'
	run allows "$MNT/signed"
	assert_output 3
	run allows "$file"
	assert_output 1
}

@test "FUSE: an allowed exec leaves no verdict behind for a later executable mapping (issue 13 item 6)" {
	cp "$FX/signed" "$FX/signed.sig" "$BACK/"
	alt "$BACK/signed"
	serve
	start_gate enforce
	run -0 gated eg-exec "$MNT/signed"
	assert_output --partial "hello from"
	# The server serves other bytes under the same times and size; no exec opens the file,
	# so the agent is not asked: only the kernel's verdict could let these mappings through.
	touch "$BACK/.swap"
	run -0 cmp "$BACK/signed.alt" "$MNT/signed"
	run -1 gated eg-map exec "$MNT/signed"
	assert_output --partial "refused: EPERM (mmap)"
	run -0 wait_event '"hook":"mmap"' '"decision":"deny"' '"reason":"unverified"'
	# ld.so opens and maps the program itself: it reports the refused mapping with 127.
	run -127 gated /lib64/ld-linux-x86-64.so.2 "$MNT/signed"
	refute_output --partial "HELLO from"
	# An exec is verified again and maps its own program: the signed bytes still run.
	rm "$BACK/.swap"
	run -0 gated eg-exec "$MNT/signed"
	assert_output --partial "hello from"
	# Even the bytes the verdict was made for: the allow served that exec, nothing after.
	run -1 gated eg-map exec "$MNT/signed"
	assert_output --partial "refused: EPERM (mmap)"
}

# Issue 13 item 9: a worker held by one user's file must leave the others to everyone else.
# A read on this server waits while BACK/.stall exists, so the verification of uid 65534's
# files cannot end before the test lets it, however slow the machine (a huge sparse file
# only takes long, and under emulation too long to wait for).
@test "9: one user's files whose verification never ends do not starve another user's execs" {
	local i
	for i in 1 2 3 4; do
		cp "$FX/unsigned" "$BACK/slow$i"
	done
	touch "$BACK/.stall"
	# Where uid 65534 can reach it (bats's directories are root's alone).
	MNT=/tmp/eg-fuse-$BATS_TEST_NUMBER
	mkdir -p "$MNT"
	chmod o+x /tmp
	serve -o allow_other
	start_gate enforce --workers 2 --timeout-ms 3000
	# Each exec is answered at its deadline; its verification waits on, holding a worker
	# or queued for one.
	for i in 1 2 3 4; do
		run -126 gated eg-as 65534 eg-exec "$MNT/slow$i"
		assert_output --partial "EPERM"
	done
	run -0 wait_event '"reason":"verification_timeout"' "\"path\":\"$MNT/slow4\""
	# Root's program nothing has seen yet is verified by the worker left, in time.
	run -0 gated eg-exec "$(fresh signed)"
	assert_output --partial "hello from"
	run -126 gated eg-exec "$(fresh unsigned)"
	assert_output --partial "EPERM"
	run -0 wait_event '"reason":"no_signature"' '/fresh/unsigned"'
	rm "$BACK/.stall"
}
