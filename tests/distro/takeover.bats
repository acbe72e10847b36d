# The agent's death on the real system (docs/agent-takeover.md): with self-protection on,
# the unit's agent killed as a crash or the OOM killer would kill it leaves the pinned gate
# enforcing; misses are denied until systemd's restart takes the gate over; a root shell
# running execgated itself is refused.  Enforcement is scoped to eg-test.slice, as in
# scope.bats, so the rest of the system keeps running whatever happens.
load helpers

UNIT_CG=/sys/fs/cgroup/system.slice/execgated.service
DROPIN=/etc/systemd/system/execgated.service.d/60-eg-takeover.conf

setup_file() {
	cp "$POLICY" "$BATS_FILE_TMPDIR/policy.orig"
	scoped_policy "self-protection on" >"$POLICY"
	# A window between the agent's death and systemd's restart, long enough to look at
	# the gate with no agent (the package restarts it after 1 s).
	mkdir -p "${DROPIN%/*}"
	printf '[Service]\nRestartSec=20s\n' >"$DROPIN"
	systemctl daemon-reload
	systemd-run --quiet --unit=eg-takeover-hold --slice=eg-test.slice -- sleep infinity
	systemctl restart execgated.service
}

teardown_file() {
	systemctl stop eg-takeover-hold.service 2>/dev/null || true
	rm -f "$DROPIN"
	systemctl daemon-reload
	# `execgate stop` (the unit's ExecStop) lifts the guard, so the pins may go.
	systemctl stop execgated.service || true
	rm -rf /sys/fs/bpf/execgate
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
	systemctl start execgated.service
}

@test "hardened: kill -9 of the agent is refused; it keeps running" {
	local pid
	pid=$(main_pid)
	run ! kill -KILL "$pid"
	assert_output --partial "Operation not permitted"
	sleep 1
	run -0 main_pid
	assert_output "$pid"
}

@test "killed anyway (cgroup.kill, as a crash or the OOM killer): misses are denied, a root shell cannot take the gate over, systemd's restart does" {
	local pid restarts unsigned signed pins
	pid=$(main_pid)
	restarts=$(systemctl show -p NRestarts --value execgated.service)
	unsigned=$(fresh unsigned)
	signed=$(fresh signed)
	echo 1 >"$UNIT_CG/cgroup.kill"
	wait_for sh -c "! kill -0 $pid"
	# No agent: the gate still enforces, pinned.  A signed program never seen before is a
	# miss too, until an agent runs again.
	pins=(/sys/fs/bpf/execgate/*)
	[[ " ${pins[*]} " == *" /sys/fs/bpf/execgate/link_bprm_check_security "* ]]
	run in_slice "$unsigned"
	assert_failure
	refute_output --partial "hello from"
	run in_slice "$signed"
	assert_failure
	refute_output --partial "hello from"
	# execgated from a root shell (not the unit's cgroup) is not the successor.
	run -2 /usr/sbin/execgated --foreground --policy "$POLICY" --control /run/eg-foreign.sock
	assert_output --partial "not its successor"
	# systemd's restart (RestartSec, then the agent's start under emulation) is the
	# successor, and takes the gate over.
	WAIT_SECONDS=180 wait_for systemctl is-active --quiet execgated.service
	[[ $(main_pid) != "$pid" ]]
	run -0 systemctl show -p NRestarts --value execgated.service
	assert_output "$((restarts + 1))"
	run -0 journalctl -b -u execgated.service --no-pager -o cat
	assert_output --partial "took over the pinned gate"
	run -0 in_slice "$signed"
	assert_output --partial "hello from"
	run in_slice "$unsigned"
	assert_failure
	refute_output --partial "hello from"
	rm -f "$unsigned" "$signed"
}
