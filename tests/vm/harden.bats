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
	# Refused when opened for writing (lsm/file_open), before the kernel's ptrace check.
	run -1 gated eg-procmem "$victim"
	assert_output --partial "refused: EPERM"
	kill "$victim"
}

# execgate's objects by name: its maps are eg_*, its programs execgate_* (a link is named by
# its program).  The VM runs no other BPF, so what is refused by id is execgate's.
EG_OBJECTS='open (eg_|execgate_)'

@test "protected: no other process opens execgate's maps or programs, nor removes a pin; a pinned link cannot be detached" {
	start_gate enforce --harden
	run -1 eg-bpfpoke ids
	refute_output --regexp "$EG_OBJECTS"
	# Every map (the ring buffer and the guard's own map included), program and link.
	assert_output --regexp "maps open=[0-9]+ refused=$GATE_MAPS progs open=[0-9]+ refused=$GATE_PROGS links open=[0-9]+ refused=$GATE_LINKS"
	run -1 eg-bpfpoke pins /sys/fs/bpf/execgate
	assert_output --partial "get eg_verdicts refused: EPERM"
	assert_output --partial "get eg_config refused: EPERM"
	refute_output --regexp "get eg_[a-z_]+ ok"
	# A link's pin gives its descriptor (no hook sees BPF_OBJ_GET of a link), which can
	# neither detach nor replace the program: the kernel has neither for an LSM program's
	# link.  Were that to change, this is where it shows.
	assert_output --partial "get link_bprm_check_security ok"
	assert_output --partial "detach link_bprm_check_security refused: EOPNOTSUPP"
	assert_output --partial "update link_bprm_check_security refused: EINVAL"
	refute_output --regexp "(detach|update|rename) [a-z_]+ ok"
	assert_output --partial "rename link_bpf refused: EPERM"
	assert_output --partial "rename eg_verdicts refused: EPERM"
	# Nor out of the directory, nor over a pin from outside it (which would remove that
	# pin).  A hard link elsewhere is one more reference to the link: allowed.
	run ! mv /sys/fs/bpf/execgate/link_bpf /sys/fs/bpf/eg-moved
	assert_output --partial "Operation not permitted"
	ln /sys/fs/bpf/execgate/link_bpf /sys/fs/bpf/eg-linked
	run ! mv /sys/fs/bpf/eg-linked /sys/fs/bpf/execgate/link_task_kill
	assert_output --partial "Operation not permitted"
	rm /sys/fs/bpf/eg-linked
	[[ -e /sys/fs/bpf/execgate/link_bpf && -e /sys/fs/bpf/execgate/link_task_kill ]]
	run -1 eg-bpfpoke unlink /sys/fs/bpf/execgate
	refute_output --partial " ok"
	assert_output --partial "unlink link_bprm_check_security refused: EPERM"
	run rm -rf /sys/fs/bpf/execgate
	assert_failure
	if umount /sys/fs/bpf 2>/dev/null; then
		mount -t bpf bpf /sys/fs/bpf
		echo "bpffs was unmounted under a protected gate" >&2
		return 1
	fi
	# A gated process is refused the same, and the gate still decides.
	run -1 gated eg-bpfpoke ids
	refute_output --regexp "$EG_OBJECTS"
	run -0 gated eg-exec "$(fresh signed)"
	assert_output --partial "hello from"
	run -126 gated eg-exec "$(fresh unsigned)"
	assert_output --partial "EPERM"
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --partial '"hardened": true'
}

@test "protected, stopped when asked: the pinned gate enforces and the operator may remove it" {
	start_gate enforce --harden
	local unsigned
	unsigned=$(fresh unsigned)
	run -0 execgate stop --socket "$BATS_TEST_TMPDIR/control.sock"
	for _ in $(seq 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
	AGENT_PID=
	run -126 gated eg-exec "$unsigned"
	# Released: nothing is refused but what the kernel never allows (a link's detach).
	run -1 eg-bpfpoke pins /sys/fs/bpf/execgate
	assert_output --partial "get eg_verdicts ok"
	assert_output --partial "rename link_bpf ok"
	refute_output --partial "EPERM"
	rm -r /sys/fs/bpf/execgate
	# The last references go with the pins' inodes, freed after an RCU grace period.
	for _ in $(seq 50); do gated eg-exec "$unsigned" >/dev/null 2>&1 && break; sleep 0.1; done
	run -0 gated eg-exec "$unsigned"
}

@test "unprotected: no bpf() guard; execgate's objects and pins are reachable" {
	start_gate enforce --pin
	run -0 eg-bpfpoke ids
	assert_output --regexp "map [0-9]+ open eg_config"
	assert_output --regexp "prog [0-9]+ open execgate_task_k"
	assert_output --regexp "link [0-9]+ open execgate_bprm_c"
	run -1 eg-bpfpoke pins /sys/fs/bpf/execgate
	assert_output --partial "get link_bprm_check_security ok"
	assert_output --partial "get eg_config ok"
	refute_output --partial "EPERM"
	run -0 eg-bpfpoke unlink /sys/fs/bpf/execgate
	assert_output --partial "unlink link_bprm_check_security ok"
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
