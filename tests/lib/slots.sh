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
