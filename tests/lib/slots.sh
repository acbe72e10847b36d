# shellcheck shell=bash
# Guest slots: the busybox suite (tests/vm) and the real-system suite (tests/distro) run
# side by side under `tests/run-suites.sh all`, so the real-system suite builds its
# packages and roots while busybox guests boot, yet no more guests run at once than the
# machine has room for.  Sourced, not run.
#
# EG_GUEST_SLOTS is a directory holding one file per guest that may run at once
# (slot.1, slot.2, ...); a guest runs while it holds the lock of one of them.  Unset, every
# guest runs at once, as each suite's own *_JOBS allows.

eg_with_guest_slot() {
	local dir=${EG_GUEST_SLOTS:-} slot fd rc=0
	if [[ -z $dir ]]; then
		"$@" || rc=$?
		return "$rc"
	fi
	for (( ; ; )); do
		for slot in "$dir"/slot.*; do
			exec {fd}>>"$slot"
			if flock -n "$fd"; then
				"$@" || rc=$?
				exec {fd}>&-
				return "$rc"
			fi
			exec {fd}>&-
		done
		sleep 2
	done
}

# eg_stall_guarded TAP STALL COMMAND...: run COMMAND (a guest: `timeout ... qemu ...`) and
# stop it when its results file TAP has not grown for STALL seconds.  A wedged guest then
# costs STALL seconds, not the whole guest timeout; the message goes to stderr, which the
# runners keep beside the console.
eg_stall_guarded() {
	local tap=$1 stall=$2 pid size last=-1 still=0
	shift 2
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 10
		size=$(stat -c %s "$tap" 2>/dev/null || echo 0)
		if ((size != last)); then
			last=$size still=0
		elif (((still += 10) >= stall)); then
			echo "# guest: no result for ${stall}s: stopped (its console shows where it hung)" >&2
			kill -TERM "$pid" 2>/dev/null
			break
		fi
	done
	wait "$pid"
}
