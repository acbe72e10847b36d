# Shared helpers for the VM suite: start and stop execgated, run in a scratch cgroup.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

# wait_until PID CMD...: until CMD succeeds, for up to 10 s and while process PID lives.
wait_until() {
	local pid=$1 i
	shift
	for i in $(seq 100); do
		"$@" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Start execgated with the given options, wait until it says it is ready.  AGENT_CGROUP: a
# cgroup v2 directory to start it in (as systemd starts a unit's process in the unit's
# cgroup); AGENT_BIN: another execgated binary to run.
start_agent() {
	AGENT_LOG=$BATS_TEST_TMPDIR/agent.err
	AGENT_EVENTS=$BATS_TEST_TMPDIR/events.jsonl
	# Emptied here: the background job opens them only once it runs, and a 'ready' left by
	# an agent started before in the same test must not pass for this one's.
	: >"$AGENT_LOG"
	: >"$AGENT_EVENTS"
	# One process from bash -c to execgated: AGENT_PID is the agent's pid.
	bash -c '[[ -z $0 ]] || echo $$ >"$0/cgroup.procs" && exec "$@"' "${AGENT_CGROUP:-}" \
		"${AGENT_BIN:-execgated}" "$@" >"$AGENT_EVENTS" 2>"$AGENT_LOG" &
	AGENT_PID=$!
	wait_until "$AGENT_PID" grep -q 'ready' "$AGENT_LOG" && return 0
	cat "$AGENT_LOG" >&2
	return 1
}

# Bats shows what teardown prints only when the test failed: then the agent's view helps.
# A protected agent refuses signals: it is asked to stop over its control socket, which
# releases its pinned gate (an enforcing gate is pinned by default): the pins are removed,
# so that the next test starts on a machine without a gate.
stop_agent() {
	local i
	[[ -n ${AGENT_PID:-} ]] || return 0
	echo "--- agent events:"; cat "$AGENT_EVENTS" 2>/dev/null | tail -n 20
	echo "--- agent log:"; cat "$AGENT_LOG" 2>/dev/null | tail -n 20
	[[ -S $BATS_TEST_TMPDIR/control.sock ]] &&
		execgate stop --socket "$BATS_TEST_TMPDIR/control.sock" >/dev/null 2>&1
	kill -TERM "$AGENT_PID" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
	rm -rf /sys/fs/bpf/execgate 2>/dev/null || true
}

# Wait until the event log has a line matching all given fixed strings.
wait_event() {
	local i line
	for i in $(seq 50); do
		while IFS= read -r line; do
			local want all=1
			for want in "$@"; do
				[[ $line == *"$want"* ]] || { all=0; break; }
			done
			((all)) && { echo "$line"; return 0; }
		done <"$AGENT_EVENTS"
		sleep 0.1
	done
	echo "no event with: $*" >&2
	cat "$AGENT_EVENTS" >&2
	return 1
}

FX=/opt/execgate/fixtures
# The gate's BPF object: GATE_MAPS, GATE_PROGS and GATE_LINKS, how many maps, programs and
# links (one a program, but the read check's while no interpreter is named) the bpf() guard
# refuses to others (counted in its source by fixtures.sh).
# shellcheck source=/dev/null # written by tests/vm/fixtures.sh
. "$FX/gate-objects"
SCOPE=/sys/fs/cgroup/eg-gated

# start_gate MODE [execgated options]: the whole gate under the VM policy, gating only
# the cgroup SCOPE, so the test runner itself is never in the way.  /lib is not
# pre-scanned: the libraries a gated program maps are verified at its first exec, and
# hashing all of /lib (31 MiB of ICU data among them) at every start cost each test about
# 3 s under emulation.
start_gate() {
	local mode=$1
	shift
	start_agent --backend bpf --policy "${POLICY:-$FX/vm.policy}" --mode "$mode" --foreground \
		--scope-cgroup "$SCOPE" --prescan /lib64 --prescan /opt/execgate/bin \
		--coalesce-ms 0 --control "$BATS_TEST_TMPDIR/control.sock" "$@"
}

# in_cgroup DIR CMD...: run CMD inside the cgroup v2 directory DIR.
in_cgroup() {
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"
}

# gated CMD...: run CMD inside the gated cgroup.
gated() {
	in_cgroup "$SCOPE" "$@"
}

# A fresh copy of fixture NAME (and its signature) in a directory of its own: never seen
# by the gate before this test.
fresh() {
	local dir=$BATS_TEST_TMPDIR/fresh
	mkdir -p "$dir"
	cp "$FX/$1" "$dir/$1"
	[[ -f $FX/$1.sig ]] && cp "$FX/$1.sig" "$dir/$1.sig"
	echo "$dir/$1"
}

# whole_seconds_fs DIR: mount at DIR a filesystem whose timestamps keep whole seconds
# (ext2 with 128-byte inodes, as mke2fs makes small filesystems; FAT keeps two seconds).
whole_seconds_fs() {
	local img=$BATS_TEST_TMPDIR/seconds.img
	[[ -e /dev/loop-control ]] || insmod "/lib/modules/$(uname -r)/kernel/drivers/block/loop.ko"
	dd if=/dev/zero of="$img" bs=1M count=8 2>/dev/null
	mke2fs -F -I 128 "$img" >/dev/null
	mkdir -p "$1"
	mount -o loop "$img" "$1"
}

# Return just after a second began: what follows has the most of that second.
at_second_start() {
	local start
	start=$(date +%s)
	while [[ $(date +%s) == "$start" ]]; do :; done
}

# Change FILE's last byte in place: the same size, other bytes.
flip_last_byte() {
	local size byte
	size=$(stat -c %s "$1")
	byte=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
	printf "\\$(printf %03o $(((byte + 1) % 256)))" |
		dd of="$1" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
}
