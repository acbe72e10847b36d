#!/usr/bin/env bash
# Run test suites, print their TAP as it comes, and end with one line over all of them:
# "N passed, N failed" (", N skipped" when any).  Exit 1 when anything failed.
#
#   tests/run-suites.sh all          unit (from $BUILD/san/unit) and bats, while vm and
#                                    distro run side by side (EG_GUEST_JOBS guests at once,
#                                    default 2)
#   tests/run-suites.sh unit DIR     the cmocka binaries in DIR
#   tests/run-suites.sh bats | vm | distro
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
export EG_BIN=$BUILD/bin EG_BUILD=$BUILD EG_TOP=$top
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# A suite that cannot even start counts as one failure, never as zero tests.
run_unit() {
	local dir=$1 bin
	shopt -s nullglob
	for bin in "$dir"/*_test; do
		local out rc
		echo "# unit: $(basename "$bin")"
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		if ((rc != 0)) && ! grep -q '^not ok' <<<"$out"; then
			echo "not ok - $(basename "$bin") exited with status $rc"
		fi
	done
}

run_bats() {
	shopt -s nullglob
	local files=("$top"/tests/bats/*.bats)
	((${#files[@]})) || return 0
	echo "# bats: ${#files[@]} files"
	bats --tap "${files[@]}" || true
}

run_vm() {
	"$top"/tests/vm/run.sh || true
}

run_distro() {
	"$top"/tests/distro/run.sh || true
}

# Both VM suites side by side, sharing EG_GUEST_JOBS guest slots (tests/lib/slots.sh):
# the real-system suite builds its packages and roots while busybox guests boot.  Its
# output follows the busybox suite's.
run_guests() {
	local slots distro_out i
	slots=$(mktemp -d)
	distro_out=$(mktemp)
	for ((i = 1; i <= ${EG_GUEST_JOBS:-2}; i++)); do
		: >"$slots/slot.$i"
	done
	EG_GUEST_SLOTS=$slots run_distro >"$distro_out" 2>&1 &
	EG_GUEST_SLOTS=$slots run_vm
	wait
	cat "$distro_out"
	rm -rf "$slots" "$distro_out"
}

# The host suites while the guests run: bats runs one test at a time and leaves a core
# to the guests, which would otherwise wait for it.  The guests' output follows.
run_all() {
	local guests_out guests_pid
	guests_out=$(mktemp)
	run_guests >"$guests_out" 2>&1 &
	guests_pid=$!
	run_unit "$BUILD/san/unit"
	run_bats
	echo "# host suites done; the guests' results follow when they end"
	wait "$guests_pid"
	cat "$guests_out"
	rm -f "$guests_out"
}

suite=${1:-all}
{
	case $suite in
	unit) run_unit "${2:-$BUILD/san/unit}" ;;
	bats) run_bats ;;
	vm) run_vm ;;
	distro) run_distro ;;
	all) run_all ;;
	*)
		echo "usage: $0 all|unit [DIR]|bats|vm|distro" >&2
		exit 2
		;;
	esac
} 2>&1 | tee "$results"

awk '
	/^ok / { if (tolower($0) ~ /# skip/) skipped++; else passed++ }
	/^not ok / { if (tolower($0) ~ /# todo/) skipped++; else failed++ }
	END {
		line = sprintf("%d passed, %d failed", passed, failed)
		if (skipped) line = line sprintf(", %d skipped", skipped)
		print line
		exit failed ? 1 : 0
	}' "$results"
