#!/bin/bash
# make bench, VM part: run inside the guest by tests/vm/init (booted with norandmaps).
# BPF backend (with the fanotify consult) against no gate, on cached signed static and
# dynamic programs; the BPF programs' own run time; the first exec of a 10 MiB signed
# program against sha256sum of it.  Phases interleaved A B A B, medians, ratios: the
# emulator's speed drifts between rounds, so only same-round comparisons mean much.
export PATH=/opt/execgate/bin:$PATH
FX=/opt/execgate/fixtures
ROUNDS=5 EXECS=300
work=$(mktemp -d)
sock=$work/control.sock
agent=

for kind in static dynamic; do
	src=signed
	[[ $kind == static ]] && src=signed-static
	cp "$FX/$src" "$work/$kind" && cp "$FX/$src.sig" "$work/$kind.sig"
done

start_gate() {
	execgated --backend bpf --policy "${POLICY:-$FX/vm.policy}" --prescan /lib --prescan /lib64 \
		--prescan /opt/execgate/bin --log /dev/null --control "$sock" --foreground "$@" \
		2>"$work/agent.err" &
	agent=$!
	for _ in $(seq 200); do grep -q ready "$work/agent.err" 2>/dev/null && return; sleep 0.05; done
	cat "$work/agent.err"
	exit 1
}
# Stopped when asked, the agent releases its pinned gate (an enforcing gate outlives its
# agent): the pins go too, so the baseline runs with no gate at all.
stop_gate() {
	execgate stop --socket "$sock" >/dev/null
	wait "$agent" 2>/dev/null
	agent=
	rm -rf /sys/fs/bpf/execgate
}
flood() { eg-flood "$EXECS" "$work/$1" | sed -n 's/.*us_per_exec=//p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo 1 >/proc/sys/kernel/bpf_stats_enabled
baseline() {
	for kind in static dynamic; do
		flood "$kind" >>"$work/base.$kind"
	done
}
# Rounds alternate A B and B A, so a drift in the emulator's speed favours neither.
for ((round = 0; round < ROUNDS; round++)); do
	((round % 2)) || baseline
	start_gate
	for kind in static dynamic; do
		"$work/$kind" >/dev/null
		flood "$kind" >>"$work/gate.$kind"
	done
	execgate status --socket "$sock" --json >"$work/status.$round"
	stop_gate
	((round % 2)) && baseline
done

echo "VM $(uname -r), BPF LSM + fanotify consult, enforce, whole machine; $ROUNDS rounds x $EXECS execs"
for kind in static dynamic; do
	base=$(median <"$work/base.$kind") gate=$(median <"$work/gate.$kind")
	printf 'vm bpf, cached signed %-7s exec: %8.1f us without, %8.1f us with the gate, ratio %s\n' \
		"$kind" "$base" "$gate" "$(ratio "$gate" "$base")"
done
# NAME RUNS AVG_NS for each program in the status STATUS_JSON.
program_runs() {
	tr -d ' \n' <"$1" | grep -o '"execgate_[a-z_]*":{"runs":[0-9]*,"avg_ns":[0-9]*}' |
		sed 's/"\(execgate_[a-z_]*\)":{"runs":\([0-9]*\),"avg_ns":\([0-9]*\)}/\1 \2 \3/'
}
# Program run time, from the last round's status (kernel.bpf_stats_enabled=1).
program_runs "$work/status.$((ROUNDS - 1))" |
	while read -r name runs avg; do
		printf 'vm bpf program %-32s %8d runs, %6d ns per run\n' "$name" "$runs" "$avg"
	done
printf 'vm exec time for comparison (dynamic, with the gate): %s us\n' "$(median <"$work/gate.dynamic")"

# First exec of a 10 MiB signed program: hashing it is the floor; the goal is hashing
# plus at most 1 ms.
start_gate
for ((round = 0; round < ROUNDS; round++)); do
	cp "$FX/big" "$work/big$round" && cp "$FX/big.sig" "$work/big$round.sig"
	eg-time /bin/busybox sha256sum "$work/big$round" 2>&1 >/dev/null | sed -n 's/us=\([0-9]*\).*/\1/p' >>"$work/sha"
	eg-time /opt/execgate/bin/eg-sha256 "$work/big$round" 2>&1 >/dev/null | sed -n 's/us=\([0-9]*\).*/\1/p' >>"$work/evp"
	eg-time "$work/big$round" 2>&1 >/dev/null | sed -n 's/us=\([0-9]*\).*/\1/p' >>"$work/first"
	eg-time "$work/big$round" 2>&1 >/dev/null | sed -n 's/us=\([0-9]*\).*/\1/p' >>"$work/second"
done
stop_gate
sha=$(median <"$work/sha") first=$(median <"$work/first") second=$(median <"$work/second")
evp=$(median <"$work/evp")
printf 'vm first exec of a 10 MiB signed program: %d us; sha256sum of it %d us; cached exec %d us; first - cached - sha256sum = %d us (goal <= 1000)\n' \
	"$first" "$sha" "$second" "$((first - second - sha))"
# The verifier hashes with OpenSSL, whose SHA instructions the emulator runs at another
# speed than busybox's plain C: the same hash as the agent's is the fairer floor.
printf 'vm first exec against OpenSSL SHA-256 of it (eg-sha256) %d us: first - cached - that = %d us\n' \
	"$evp" "$((first - second - evp))"

# Scripts: bash, an interpreter under scripts.policy, running a signed script of 1,000
# commands (its verdict cached, as after the first run); python3 importing 200 standard
# library modules (tests/bench/stdlib_imports.py, signed; the modules are in the
# system catalog; this guest keeps no byte code, so each run compiles them); and find
# -exec cat, no interpreter, to show that other processes pay nothing measurable.  Gated in
# a cgroup (this benchmark is itself a bash script, and reads itself as it goes).
# Without the kernel's BPF statistics, as a machine runs by default: with them, each
# program run also reads the clock twice, which under emulation is a fair part of a run.
echo 0 >/proc/sys/kernel/bpf_stats_enabled
scope=/sys/fs/cgroup/eg-bench
mkdir -p "$scope"
cp "$FX/bench-script.sh" "$work/bench-script.sh"
cp "$FX/bench-imports.py" "$work/imports.py"
us() { /bin/bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$scope" "$@" 2>&1 >/dev/null |
	sed -n 's/^us=\([0-9]*\).*/\1/p'; }
# Each workload once to warm (the gate's verdicts and ignore marks, the page cache), then
# timed: the goals are for work the gate has seen.
warm_then_time() { # FILE CMD...
	local file=$1
	shift
	us eg-time "$@" >/dev/null
	us eg-time "$@" >>"$file"
}
script_round() { # SUFFIX
	warm_then_time "$work/script.$1" /bin/bash "$work/bench-script.sh"
	warm_then_time "$work/python.$1" /usr/bin/python3 "$work/imports.py"
	warm_then_time "$work/find.$1" /bin/busybox find /usr -type f -exec /bin/busybox cat {} +
}
for ((round = 0; round < ROUNDS; round++)); do
	((round % 2)) || script_round base
	POLICY=$FX/scripts.policy start_gate --scope-cgroup "$scope" --prescan "$work"
	script_round gate
	stop_gate
	# The same find under a policy that names no interpreter: what the gate costs every
	# open and read without the script checks (fanotify's marks, the write checks).
	# Its warm run counts the programs' runs (the kernel's statistics on for it alone).
	start_gate --scope-cgroup "$scope"
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	us eg-time /bin/busybox find /usr -type f -exec /bin/busybox cat {} + >/dev/null
	execgate status --socket "$sock" --json >"$work/status.find"
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	us eg-time /bin/busybox find /usr -type f -exec /bin/busybox cat {} + >>"$work/find_plain.gate"
	stop_gate
	((round % 2)) && script_round base
done
cp "$work/find.base" "$work/find_plain.base"
rmdir "$scope"
for kind in script python find find_plain; do
	base=$(median <"$work/$kind.base") gate=$(median <"$work/$kind.gate")
	printf 'vm scripts %-6s %10d us without, %10d us with the gate, ratio %s\n' "$kind" \
		"$base" "$gate" "$(ratio "$gate" "$base")"
done
# What find -exec cat runs of the gate: a file's open, reads and writes each run a program.
printf 'vm scripts find reads %d files\n' "$(/bin/busybox find /usr -type f | wc -l)"
program_runs "$work/status.find" | while read -r name runs avg; do
	((runs)) && printf 'vm scripts find: program %-28s %8d runs, %6d ns per run\n' "$name" "$runs" "$avg"
done
rm -rf "$work"
