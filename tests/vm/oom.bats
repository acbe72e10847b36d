#!/usr/bin/env bats
# The OOM killer against a hardened agent (issue 13 item 11).  Its SIGKILL, like
# cgroup.kill's (tests/vm/takeover.bats), goes around security_task_kill, so the signal
# guard does not apply: the agent dies, the pinned gate must keep enforcing, and the same
# binary restarted in the agent's cgroup must take it over.

load helpers

AGENT_CG=/sys/fs/cgroup/eg-agent
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-600}

setup() {
	grep -qw memory /sys/fs/cgroup/cgroup.controllers || skip "no memory controller"
	mkdir -p "$SCOPE"
	MEMORY_ENABLED=
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		{ echo +memory >/sys/fs/cgroup/cgroup.subtree_control && MEMORY_ENABLED=1; }
	mkdir -p "$AGENT_CG"
}

teardown() {
	# A hardened gate whose agent died keeps its pins from everyone but its successor:
	# start one to release them, so that the next test finds no gate.
	if [[ -z ${AGENT_PID:-} && -d /sys/fs/bpf/execgate ]]; then
		renew_agent_cgroup
		AGENT_CGROUP=$AGENT_CG start_gate enforce --harden || true
	fi
	stop_agent
	rm -rf /sys/fs/bpf/execgate
	rmdir "$SCOPE" "$AGENT_CG" 2>/dev/null || true
	[[ -z $MEMORY_ENABLED ]] || echo -memory >/sys/fs/cgroup/cgroup.subtree_control || true
}

# What systemd does to a unit whose process died: a new cgroup at the same place.
renew_agent_cgroup() {
	for _ in $(seq 50); do
		rmdir "$AGENT_CG" 2>/dev/null && break
		sleep 0.1
	done
	mkdir -p "$AGENT_CG"
}

# A denied miss and a cached allow: the gate enforces.
gate_enforces() {
	run -126 gated eg-exec "$(fresh unsigned)"
	assert_output --partial "EPERM"
	run -0 gated eg-exec "$1"
	assert_output --partial "hello from"
}

@test "hardened, killed by the OOM killer: the pinned gate holds and the successor takes over" {
	local signed used
	AGENT_CGROUP=$AGENT_CG start_gate enforce --harden
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	# The agent's cgroup limited to half of what it uses: the kernel's OOM killer picks
	# the only process there.
	used=$(cat "$AGENT_CG/memory.current")
	echo $((used / 2)) >"$AGENT_CG/memory.max"
	for _ in $(seq 100); do
		[[ $(cut -d' ' -f3 "/proc/$AGENT_PID/stat" 2>/dev/null) == [ZX] ]] && break
		[[ -e /proc/$AGENT_PID ]] || break
		sleep 0.1
	done
	run -0 grep -x 'oom_kill [1-9][0-9]*' "$AGENT_CG/memory.events"
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
	gate_enforces "$signed"
	# Nobody's agent, still guarded: the pins cannot be removed.
	run rm -rf /sys/fs/bpf/execgate
	assert_failure
	renew_agent_cgroup
	AGENT_CGROUP=$AGENT_CG start_gate enforce --harden
	grep -q 'took over the pinned gate' "$AGENT_LOG" ||
		fail "the new agent did not say it took over: $(cat "$AGENT_LOG")"
	gate_enforces "$signed"
}
