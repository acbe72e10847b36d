#!/usr/bin/env bats
# The gate across the agent's start, death and restart (docs/agent-takeover.md): misses are
# denied from the moment the gate is attached, an enforcing gate outlives its agent by
# default, and a successor (the same execgated binary in the agent's own cgroup, as systemd
# restarts a unit) takes the gate over with no gap while any other root process is refused.

load helpers

AGENT_CG=/sys/fs/cgroup/eg-agent
# A hang shows as a failure with what the test printed, not as a guest killed after
# VM_TIMEOUT.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-600}

setup() {
	mkdir -p "$SCOPE" "$AGENT_CG"
	RACE_PID=
}

teardown() {
	stop_race
	stop_agent
	rm -rf /sys/fs/bpf/execgate
	rmdir "$SCOPE" "$AGENT_CG" 2>/dev/null || true
}

# race_unsigned WHEN: in the gated cgroup, until stop_race, try again and again the three
# ways unsigned code ran while a gate started: exec of a memfd, `ld.so ./x` and LD_PRELOAD.
# One line per try in $RACE_OUT: "gate=0|1 WAY ran|refused".  WHEN says when the gate
# counts as attached: "pinned", once its links are pinned (they are pinned only after
# every program is attached), or "always" (a gate is already there when the race starts).
# Started while an agent runs, the race needs a few tries (race_more) before that agent
# goes: an exec of the race's own programs that the consult has not answered when the
# agent stops is denied, as it should be, and would end the race.
race_unsigned() {
	local dir=$BATS_TEST_TMPDIR/race
	mkdir -p "$dir"
	cp "$FX/unsigned" "$dir/unsigned"
	cp "$FX/signed" "$FX/signed.sig" "$dir/"
	cp /opt/execgate/bin/eg-marker.so "$dir/eg-marker.so"
	RACE_OUT=$dir/out
	: >"$RACE_OUT"
	# shellcheck disable=SC2016 # expanded by the gated bash
	gated bash -c '
		dir=$1 when=$2 ldso=$(echo /lib64/ld-linux-x86-64.so.2)
		try() {
			local way=$1 gate=1
			shift
			[[ $when == always || -e /sys/fs/bpf/execgate/link_ptrace_access_check ]] ||
				gate=0
			if "$@"; then echo "gate=$gate $way ran"; else echo "gate=$gate $way refused"; fi
		}
		memfd() { eg-exec --memfd "$dir/unsigned" 2>&1 | grep -q "hello from"; }
		ldso() { "$ldso" "$dir/unsigned" 2>&1 | grep -q "hello from"; }
		preload() {
			rm -f "$dir/marker"
			LD_PRELOAD=$dir/eg-marker.so EG_MARKER=$dir/marker "$dir/signed" \
				>/dev/null 2>&1
			[[ -e $dir/marker ]]
		}
		while [[ ! -e $dir/stop ]]; do
			try memfd memfd
			try ldso ldso
			try preload preload
		done' race "$dir" "$1" >>"$RACE_OUT" 2>&1 &
	RACE_PID=$!
}

# Wait until the race has made N more tries with the gate attached.
race_more() {
	local want=$(($(grep -c '^gate=1 ' "$RACE_OUT") + $1)) i
	for i in $(seq 300); do
		(($(grep -c '^gate=1 ' "$RACE_OUT") >= want)) && return 0
		sleep 0.1
	done
	echo "the race made no progress" >&2
	return 1
}

stop_race() {
	[[ -n ${RACE_PID:-} ]] || return 0
	touch "$BATS_TEST_TMPDIR/race/stop"
	wait "$RACE_PID" 2>/dev/null || true
	RACE_PID=
}

# After stop_race: no unsigned code ran while the gate was attached, and it was tried.
race_none_ran() {
	echo "race: $(grep -c '^gate=1 ' "$RACE_OUT") tries with the gate attached," \
		"$(grep -c '^gate=0 ' "$RACE_OUT") before"
	run grep '^gate=1 .* ran$' "$RACE_OUT"
	[[ -z $output ]] || fail "unsigned code ran with the gate attached: $(sort "$RACE_OUT" | uniq -c)"
	grep -q '^gate=1 ' "$RACE_OUT"
}

# The agent was killed or told to stop: wait for it to exit, forget it.  One that does not
# exit shows where its threads wait.
reap_agent() {
	local i task
	for i in $(seq 100); do
		[[ $(cut -d' ' -f3 "/proc/$AGENT_PID/stat" 2>/dev/null) == [ZX] ]] && break
		[[ -e /proc/$AGENT_PID ]] || break
		sleep 0.1
	done
	if [[ $(cut -d' ' -f3 "/proc/$AGENT_PID/stat" 2>/dev/null) == [RSD] ]]; then
		for task in "/proc/$AGENT_PID"/task/*; do
			echo "${task##*/} $(cat "$task/comm"): $(cat "$task/wchan" 2>/dev/null)"
			cat "$task/stack" 2>/dev/null
		done
		fail "the agent did not exit: $(cat "$AGENT_LOG")"
	fi
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
}

# What systemd does to a unit whose process died: remove its cgroup (once empty), and make
# a new one at the same place (a new cgroup id) to start it again.
renew_agent_cgroup() {
	local i
	for i in $(seq 50); do
		rmdir "$AGENT_CG" 2>/dev/null && break
		sleep 0.1
	done
	mkdir "$AGENT_CG"
}

# The real successor: execgated again, in the agent's cgroup, with the same options.
start_successor() {
	AGENT_CGROUP=$AGENT_CG start_gate enforce "$@"
	grep -q 'took over the pinned gate' "$AGENT_LOG" ||
		fail "the new agent did not say it took over: $(cat "$AGENT_LOG")"
}

# A denied miss and a cached allow: the gate enforces, whoever runs it.
gate_enforces() {
	run -126 gated eg-exec "$(fresh unsigned)"
	assert_output --partial "EPERM"
	run -126 gated eg-exec --memfd "$FX/unsigned"
	assert_output --partial "EPERM"
	run -0 gated eg-exec "$1"
	assert_output --partial "hello from"
}

# Each link of the gate exactly once, once the replaced links are gone (freed after an RCU
# grace period); unprotected, so the links can be listed.
one_set_of_links() {
	local i n
	for i in $(seq 50); do
		n=$(eg-bpfpoke ids | grep -c 'link [0-9]* open execgate_bprm_c' || true)
		((n == 1)) && return 0
		sleep 0.1
	done
	fail "$n links of execgate_bprm_check_security, not 1"
}

@test "start: from the moment the gate is attached, no unsigned code runs (memfd, ld.so, LD_PRELOAD)" {
	race_unsigned pinned
	# A long pre-scan (the fixtures hold a 10 MiB file) keeps the start window open.
	start_gate enforce --pin --prescan /opt/execgate/fixtures
	race_more 6
	stop_race
	race_none_ran
}

@test "enforce, no --pin: a killed agent leaves the gate enforcing; cached programs still run" {
	start_gate enforce
	local signed
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	kill -KILL "$AGENT_PID"
	reap_agent
	[[ -e /sys/fs/bpf/execgate/link_bprm_check_security ]]
	gate_enforces "$signed"
}

@test "enforce --fail-open: said at start; a killed agent takes the gate with it" {
	start_gate enforce --fail-open
	grep -q 'fail-open' "$AGENT_LOG"
	kill -KILL "$AGENT_PID"
	reap_agent
	[[ ! -e /sys/fs/bpf/execgate/link_bprm_check_security ]]
	# The links close with the agent's last descriptors, freed a moment after it exits.
	wait_until $$ gated eg-exec --memfd "$FX/unsigned"
	run -0 gated eg-exec --memfd "$FX/unsigned"
	assert_output --partial "hello from"
}

@test "restart after kill -9, not hardened: the same binary in the same cgroup takes over, no gap" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	local signed unseen
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	# A pin under a name only an earlier release made (its inode_permission program): the
	# successor removes it.
	ln /sys/fs/bpf/execgate/link_task_kill /sys/fs/bpf/execgate/link_inode_permission
	race_unsigned always
	race_more 3
	kill -KILL "$AGENT_PID"
	reap_agent
	# No agent: cached verdicts hold, misses are denied, a signed file never seen too.
	gate_enforces "$signed"
	unseen=$BATS_TEST_TMPDIR/unseen
	cp "$FX/signed" "$unseen" && cp "$FX/signed.sig" "$unseen.sig"
	run -126 gated eg-exec "$unseen"
	renew_agent_cgroup
	start_successor --pin
	gate_enforces "$signed"
	[[ ! -e /sys/fs/bpf/execgate/link_inode_permission ]]
	run -0 gated eg-exec "$unseen"
	assert_output --partial "hello from"
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	race_more 3
	stop_race
	race_none_ran
	one_set_of_links
}

@test "restart after SIGTERM (systemctl restart), enforce without --pin: the successor takes over" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce
	local signed
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	race_unsigned always
	race_more 3
	kill -TERM "$AGENT_PID"
	reap_agent
	gate_enforces "$signed"
	start_successor
	gate_enforces "$signed"
	race_more 3
	stop_race
	race_none_ran
	one_set_of_links
}

@test "restart, hardened: killed through cgroup.kill, the successor takes over and keeps the guard" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce --harden
	local signed
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	race_unsigned always
	race_more 3
	echo 1 >"$AGENT_CG/cgroup.kill"
	reap_agent
	gate_enforces "$signed"
	# Nobody's agent, still guarded: the pins cannot be removed.
	run rm -rf /sys/fs/bpf/execgate
	assert_failure
	renew_agent_cgroup
	start_successor --harden
	gate_enforces "$signed"
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --partial '"hardened": true'
	# Guarded, and one set of programs and links: the replaced ones went with their pins
	# (freed, with their maps, a moment later).
	local guarded="progs open=[0-9]+ refused=$GATE_PROGS links open=[0-9]+ refused=$GATE_LINKS"
	for _ in $(seq 50); do
		run eg-bpfpoke ids
		[[ $output =~ $guarded && ! $output =~ open\ (eg_|execgate_) ]] && break
		sleep 0.1
	done
	refute_output --regexp 'open (eg_|execgate_)'
	assert_output --regexp "$guarded"
	race_more 3
	stop_race
	race_none_ran
}

# Refused: the same binary outside the agent's cgroup (a root shell running execgated with
# options of its own), and another binary inside it (a copy of execgated, or any program).
@test "hardened, agent gone: other root processes cannot take the gate over; it keeps enforcing" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce --harden
	local signed copy=$BATS_TEST_TMPDIR/bin/execgated
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	echo 1 >"$AGENT_CG/cgroup.kill"
	reap_agent
	run -2 execgated --backend bpf --policy "$FX/vm.policy" --mode audit --foreground \
		--control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "refused"
	assert_output --partial "not its successor"
	mkdir -p "${copy%/*}" && cp "$EG_BIN/execgated" "$copy"
	run -2 in_cgroup "$AGENT_CG" "$copy" --backend bpf --policy "$FX/vm.policy" --mode audit \
		--foreground --control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "not its successor"
	run -1 in_cgroup "$AGENT_CG" eg-bpfpoke ids
	refute_output --regexp 'open (eg_|execgate_)'
	run -1 in_cgroup "$AGENT_CG" eg-bpfpoke pins /sys/fs/bpf/execgate
	refute_output --regexp "get eg_[a-z_]+ ok"
	refute_output --regexp "(detach|update|rename) [a-z_]+ ok"
	assert_output --partial "detach link_bprm_check_security refused: EOPNOTSUPP"
	gate_enforces "$signed"
	# The real successor still can.
	start_successor --harden
	gate_enforces "$signed"
}

@test "not hardened, agent gone: the agent refuses to take over from another cgroup or binary" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	local signed copy=$BATS_TEST_TMPDIR/bin/execgated
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	kill -KILL "$AGENT_PID"
	reap_agent
	run -2 execgated --backend bpf --policy "$FX/vm.policy" --mode audit --foreground \
		--control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "not its successor"
	mkdir -p "${copy%/*}" && cp "$EG_BIN/execgated" "$copy"
	run -2 in_cgroup "$AGENT_CG" "$copy" --backend bpf --policy "$FX/vm.policy" --mode audit \
		--foreground --control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "not its successor"
	gate_enforces "$signed"
	start_successor --pin
	gate_enforces "$signed"
}

@test "a second agent while the first runs is refused; the first keeps the gate" {
	AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	local first=$AGENT_PID
	run -2 in_cgroup "$AGENT_CG" execgated --backend bpf --policy "$FX/vm.policy" \
		--foreground --control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "another execgated (pid $first)"
	kill -0 "$first"
	gate_enforces "$(fresh signed)"
}

@test "package upgrade: stopped by SIGTERM, the agent hands the gate to the new binary" {
	local sbin=$BATS_TEST_TMPDIR/sbin signed
	mkdir -p "$sbin"
	cp "$EG_BIN/execgated" "$sbin/execgated"
	AGENT_BIN=$sbin/execgated AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	# dpkg unpacks the new version beside the old one and renames it into place.
	cp "$EG_BIN/execgated" "$sbin/execgated.new" && mv "$sbin/execgated.new" "$sbin/execgated"
	kill -TERM "$AGENT_PID"
	reap_agent
	grep -q 'the new binary, verified, may take the gate over' "$AGENT_LOG"
	gate_enforces "$signed"
	AGENT_BIN=$sbin/execgated start_successor --pin
	gate_enforces "$signed"
}

@test "package upgrade, agent killed before the restart: the new binary is not the successor" {
	local sbin=$BATS_TEST_TMPDIR/sbin signed
	mkdir -p "$sbin"
	cp "$EG_BIN/execgated" "$sbin/execgated"
	AGENT_BIN=$sbin/execgated AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	signed=$(fresh signed)
	run -0 gated eg-exec "$signed"
	cp "$EG_BIN/execgated" "$sbin/execgated.new" && mv "$sbin/execgated.new" "$sbin/execgated"
	kill -KILL "$AGENT_PID"
	reap_agent
	run -2 in_cgroup "$AGENT_CG" "$sbin/execgated" --backend bpf --policy "$FX/vm.policy" \
		--mode enforce --foreground --control "$BATS_TEST_TMPDIR/other.sock"
	assert_output --partial "not its successor"
	gate_enforces "$signed"
	# What the operator does then: the old gate is released by hand (not hardened here).
	rm -rf /sys/fs/bpf/execgate
	AGENT_BIN=$sbin/execgated AGENT_CGROUP=$AGENT_CG start_gate enforce --pin
	gate_enforces "$signed"
}
