#!/usr/bin/env bash
# The peer, side by side: fapolicyd's exec overhead measured in the same kind of VM with
# the same kernel, by the project's shared peer benchmark (../shared/bench/fapolicyd-vm,
# read-only: its init decides the phases; it never installs fapolicyd on the host).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
peer=${EG_PEER_BENCH:-$top/../shared/bench/fapolicyd-vm}
[[ -f $peer/build.sh ]] || { echo "peer_bench: $peer not found; skipped"; exit 0; }
work=$BUILD/vm/peer
mkdir -p "$work"
kernel=$(compgen -G "$BUILD/vm/kernels/linux-image-6.1*/boot/vmlinuz-*" | head -n1)
[[ -n $kernel ]] || { echo "peer_bench: run the VM suite first (no cached 6.1 kernel)"; exit 0; }
bash "$peer/build.sh" "$work/initrd.gz" "$peer/init2.bench" 150 "$work" >"$work/build.log" 2>&1 ||
	{ tail -5 "$work/build.log"; exit 1; }
timeout 1800 qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -cpu max -m 2048 -nographic \
	-no-reboot -kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 norandmaps" </dev/null >"$work/console.log" 2>&1 || true
grep -q '^DONE' "$work/console.log" || { echo "peer_bench: the peer VM did not finish"; exit 1; }
python3 "$peer/analyze2.py" "$work/console.log" | tr -d '\r' |
	awk -F'|' '/fapolicyd integrity=none|fanlisten EXEC_PERM/ {
		gsub(/^ +| +$/, "", $2); gsub(/ /, "", $4); gsub(/ /, "", $6)
		printf "peer %-34s static ratio %s, dynamic ratio %s\n", $2, $4, $6 }'
