#!/usr/bin/env bats
# Hardening: a pinned gate outlives its agent, and a protected agent cannot be signalled,
# traced, or walked around by writing code into a process's memory.

load helpers

setup() {
	mkdir -p "$SCOPE"
}

teardown() {
	stop_agent
	# A pinned gate stays until its pins go: remove them, as an operator replacing it would.
	rm -rf /sys/fs/bpf/execgate
	rmdir "$SCOPE" 2>/dev/null || true
}

@test "pinned: after SIGKILL of the agent, cached signed programs run and the rest get EPERM" {
	start_gate enforce --pin
	local signed unsigned unseen
	signed=$(fresh signed)
	unsigned=$(fresh unsigned)
	run -0 gated eg-exec "$signed"
	run -126 gated eg-exec "$unsigned"
	kill -KILL "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
	[[ -e /sys/fs/bpf/execgate/link_bprm_check_security ]]
	run -0 gated eg-exec "$signed"
	assert_output --partial "hello from"
	run -126 gated eg-exec "$unsigned"
	assert_output --partial "EPERM"
	# Never verified before the agent died: a miss, denied.
	unseen=$BATS_TEST_TMPDIR/unseen
	cp "$FX/signed" "$unseen"
	cp "$FX/signed.sig" "$unseen.sig"
	run -126 gated eg-exec "$unseen"
}

@test "protected: signals and ptrace to the agent are refused; it stops only when asked" {
	start_gate enforce --harden
	run kill -KILL "$AGENT_PID"
	assert_failure
	run kill -TERM "$AGENT_PID"
	assert_failure
	kill -0 "$AGENT_PID"
	# The kernel reports a refused ptrace check on /proc/PID/mem as EACCES; root is
	# otherwise allowed, as the next test shows.
	run -1 eg-procmem "$AGENT_PID"
	assert_output --partial "refused: EACCES"
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --partial '"hardened": true'
	run -0 execgate stop --socket "$BATS_TEST_TMPDIR/control.sock"
	for _ in $(seq 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
	run kill -0 "$AGENT_PID"
	assert_failure
	AGENT_PID=
}

@test "protected: a gated process cannot write another process's memory through /proc/PID/mem" {
	start_gate enforce --harden
	sleep 30 &
	local victim=$!
	run -0 eg-procmem "$victim"
	run -1 gated eg-procmem "$victim"
	assert_output --partial "refused: EACCES"
	kill "$victim"
}

@test "flood: 10,000 execs of an unsigned file, none runs, every one is counted or logged" {
	start_gate enforce --no-fanotify --on-miss deny --coalesce-ms 500
	local file
	file=$(fresh unsigned)
	run -0 gated eg-flood 10000 "$file"
	assert_output --partial "ran=0 eperm=10000 other=0 "
	sleep 1.5
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	local denied drops logged
	denied=$(sed -n 's/.*"denied": \([0-9]*\).*/\1/p' <<<"$output" | tail -n1)
	drops=$(sed -n 's/.*"event_drops": \([0-9]*\).*/\1/p' <<<"$output")
	[[ $denied -ge 10000 ]]
	stop_agent
	# Every denial is either in the log (coalesced, with its count) or in the drop count.
	logged=$(grep -F "\"path\":\"$file\"" "$AGENT_EVENTS" | grep -o '"count":[0-9]*' |
		cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
	echo "logged=$logged drops=$drops"
	[[ $((logged + drops)) -ge 10000 ]]
}
