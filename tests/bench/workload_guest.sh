#!/bin/bash
# Inside the guest of tests/bench/workload_bench.sh, as egbench.service (in egbench.slice)
# once multi-user.target is reached: run each workload of the kernel command line's
# egbench.w= once to warm and once timed, write the results to the second serial port,
# power off.  Lines: "@@R WORKLOAD SECONDS", "@@S KEY VALUE", "@@F what failed",
# "@@D COUNT HOOK REASON PATH COMM" (execgate's denials), "# note".
out=/dev/ttyS1
b=/opt/eg-bench
repo=/srv/eg-repo
stty -F "$out" raw -echo 2>/dev/null
config=$(sed -n 's/.*egbench=\([a-z]*\).*/\1/p' /proc/cmdline)
# execgate runs in two configurations: "execgate" (the shipped policy) and "scripts" (the
# same with the interpreters gated, scoped to the bench's slice).
gate=
[[ $config == execgate || $config == scripts ]] && gate=execgate
workloads=$(sed -n 's/.*egbench\.w=\([a-z_,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')

# The workloads.  Each fails (status not 0) when a step of it did.
w_shell() {
	local i
	for ((i = 0; i < 500; i++)); do
		/usr/bin/true && /usr/bin/cat /etc/hostname >/dev/null &&
			/usr/bin/basename /a/b >/dev/null && /usr/bin/ls / >/dev/null || return 1
	done
}

# tests/bench/stdlib_imports.py: 200 standard library modules imported.
w_python() {
	python3 "$b/stdlib_imports.py"
}

# Every file under /usr read once by cat: a process that is no interpreter reading many
# files, which the script hooks must leave at one map lookup per read.
w_findcat() {
	find /usr -xdev -type f -exec cat {} + >/dev/null
}

exec_loop() {
	local i
	for ((i = 0; i < 500; i++)); do
		"$1" >/dev/null || return 1
	done
}
w_static() { exec_loop "$b/bin/eg-hello-static"; }
w_dynamic() { exec_loop "$b/bin/eg-hello"; }

w_build() {
	rm -rf /var/tmp/eg-build
	make -s -C "$b/src" -j2 BUILD=/var/tmp/eg-build /var/tmp/eg-build/libexecgate.a \
		/var/tmp/eg-build/liblogread.a >/dev/null
}

apt_local() {
	apt-get -q -o Dir::Etc::SourceList=/var/tmp/eg-repo.list -o Dir::Etc::SourceParts=/nonexistent \
		"$@"
}
w_apt() {
	local pkgs
	# shellcheck disable=SC2012 # package file names are plain
	pkgs=$(cd "$repo" && ls -- *.deb | sed 's/_.*//')
	# shellcheck disable=SC2086 # a list of package names
	apt_local install -y $pkgs >/dev/null && apt_local purge -y $pkgs >/dev/null
}

# The same without execgate's APT hook (issue 12: the hook's own cost), measured with no
# gate only: under a gate the packages' files would be unknown to it.
w_apt_nohook() {
	local rc=0
	mv /etc/apt/apt.conf.d/50execgate /var/tmp/eg-50execgate || return 1
	w_apt || rc=$?
	mv /var/tmp/eg-50execgate /etc/apt/apt.conf.d/50execgate
	return "$rc"
}

# The local repository, indexed here by apt-ftparchive (no network).
apt_setup() {
	(cd "$repo" && apt-ftparchive packages . >Packages) &&
		echo "deb [trusted=yes] file:$repo ./" >/var/tmp/eg-repo.list &&
		apt_local update >/dev/null 2>&1
}

now() { date +%s.%N; }

# The CPU time (user and system, in seconds) of process PID so far.
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# The agent's (or fapolicyd's) peak RSS and CPU time so far.
agent_stats() {
	local unit=$1 pid
	pid=$(systemctl show -P MainPID "$unit")
	[[ -n $pid && $pid != 0 ]] || { echo "@@F $unit is not running"; return; }
	echo "@@S agent_hwm_kb $(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
	echo "@@S agent_cpu_s $(cpu_s "$pid")"
}

# The agent's own counters, the profile of where its time goes: "CPU_TICKS ANSWERED
# MISSES GENERATION", its CPU time, the consults it answered (fanotify permission events),
# the kernel's misses and the policy generation.
agent_counters() {
	local pid
	pid=$(systemctl show -P MainPID execgated.service)
	printf '%s %s\n' "$(awk '{ print $14 + $15 }' "/proc/$pid/stat")" \
		"$(execgate status --json | jq -r '"\(.consult.answered) \(.kernel.misses) \(.policy.generation)"')"
}
# What a timed run cost the agent, from the counters before and after it.
agent_counters_delta() {
	awk -v hz="$(getconf CLK_TCK)" -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "cpu_s=%.2f consults=%d misses=%d generations=%d\n", (y[1] - x[1]) / hz,
			y[2] - x[2], y[3] - x[3], y[4] - x[4] }'
}

{
	echo "@@S kernel $(uname -r)"
	echo "@@S config $config"
	echo "@@R boot $(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target |
		awk '{ printf "%.3f", $1 / 1e6 }')"
	# The gate's own part of the boot: from its unit's start to ready.  (systemd-analyze
	# critical-chain refuses to answer here: the boot's last job, this script, still runs.)
	# Of what a gate added to the boot, the part its own process did (user and system
	# time, the kernel's verification of its programs included), and the rest of the
	# machine's CPU time: the part of the boot's total that is work, not waiting.
	for unit in execgated.service fapolicyd.service; do
		systemctl is-active --quiet "$unit" || continue
		echo "# boot: $unit from start to ready: $(systemctl show -P InactiveExitTimestampMonotonic \
			"$unit" | paste - <(systemctl show -P ActiveEnterTimestampMonotonic "$unit") |
			awk '{ printf "%.3f s", ($2 - $1) / 1e6 }')"
		echo "# boot: $unit CPU when the bench starts: $(cpu_s "$(systemctl show -P MainPID "$unit")") s"
	done
	systemctl is-active --quiet execgated.service &&
		echo "# boot: $(journalctl -b -o cat EXECGATE_EVENT=ready | head -n 1)"
	echo "# boot: the machine's CPU time so far: $(awk -v hz="$(getconf CLK_TCK)" \
		'/^cpu / { printf "%.2f s busy, %.2f s idle", ($2 + $3 + $4 + $7 + $8) / hz, ($5 + $6) / hz }' /proc/stat)"
	case $config in
	execgate | scripts)
		policy=$(readlink -f /etc/execgate/execgate.policy)
		echo "@@S policy ${policy##*/}"
		# The interpreters the policy names (the statements, not what they match).
		interp=$(sed -n 's/^[[:space:]]*interpreter[[:space:]]\+//p' "$policy" | paste -sd, -)
		echo "@@S interpreters ${interp:-none}"
		systemctl is-active --quiet execgated.service || echo "@@F execgated is not active"
		echo "# mode $(execgate status --json | jq -r .mode)," \
			"scope $(sed -n 's/^[[:space:]]*scope[[:space:]]\+//p' "$policy" | paste -sd' ')"
		# shellcheck disable=SC2012 # catalog file names are plain
		echo "# catalogs: $(ls /var/lib/execgate/catalogs | paste -sd' ')"
		;;
	fapolicyd)
		systemctl is-active --quiet fapolicyd.service || echo "@@F fapolicyd is not active"
		;;
	esac
	if [[ " $workloads " == *" apt"* ]]; then
		apt_setup || echo "@@F apt: the local repository could not be indexed"
	fi
	for w in $workloads; do
		[[ $w == apt_nohook && $config != none ]] && continue
		# The kernel's BPF statistics count the warm run, and are off for the timed one
		# (as on a machine by default): with them, every program run also reads the clock
		# twice.
		echo 1 >/proc/sys/kernel/bpf_stats_enabled
		"w_$w" >/dev/null 2>&1 || echo "@@F $w (warm run)"
		echo 0 >/proc/sys/kernel/bpf_stats_enabled
		[[ $gate ]] && c0=$(agent_counters)
		t0=$(now)
		"w_$w" >/dev/null 2>&1 || echo "@@F $w"
		t1=$(now)
		echo "@@R $w $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
		[[ $gate ]] && echo "@@P $w $(agent_counters_delta "$c0" "$(agent_counters)")"
	done
	case $config in
	execgate | scripts)
		agent_stats execgated.service
		echo "@@S denied $(execgate status --json | jq -r .decisions.denied)"
		# The denials since boot, by hook, reason, file and process: "@@D COUNT HOOK REASON
		# PATH COMM".
		jq -r 'select(.decision == "deny") |
			"\(.count)\t\(.hook) \(.reason) \(.file.path) \(.process.comm)"' \
			/var/log/execgate/decisions.jsonl 2>/dev/null |
			awk -F'\t' '{ n[$2] += $1 } END { for (k in n) print "@@D", n[k], k }' |
			sort -k2,2nr | head -n 20
		;;
	fapolicyd) agent_stats fapolicyd.service ;;
	esac
	# The gate's programs, as the agent reads them through its own descriptors: with
	# self-protection on, bpf() refuses them to every other process, bpftool included.
	# The statistics on again: execgate status reports none while they are off.
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	[[ $gate ]] && execgate status --json | jq -r '
		[.programs | to_entries[] | select(.value | type == "object")] |
		select(length > 0) |
		"@@S bpf_run_ms \(map(.value.runs * .value.avg_ns) | add / 1e6)",
		"@@S bpf_run_cnt \(map(.value.runs) | add)"'
	# The agent's start once more, on an idle machine and after every measurement: the
	# boot's ready line counts what the other vCPU did meanwhile (the counted clock adds
	# up both), this one the agent's own work (a takeover: the pre-scan before ready).
	[[ $gate ]] && systemctl restart execgated.service && journalctl --sync &&
		echo "# idle restart: $(journalctl -b -o cat EXECGATE_EVENT=ready | tail -n 1)"
	echo "@@EG-END"
} >"$out" 2>&1
sync
systemctl poweroff -ff
