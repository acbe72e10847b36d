#!/usr/bin/env bash
# The VM harness: the real BPF gate in real kernels.
#
#   tests/vm/run.sh            run tests/vm/*.bats in each Debian cloud kernel, print TAP
#                              (VM_KERNELS: which kernels; VM_TESTS="gate signed": which suites)
#   tests/vm/run.sh --demo     boot the first kernel and run tests/vm/demo.sh instead
#   tests/vm/run.sh --bench    boot the first kernel and run tests/vm/bench.sh instead
#
# Kernels are resolved at run time from Debian's meta packages (their versions move),
# fetched and cached under $BUILD/vm by tests/lib/kernels.sh, which tests/distro shares.  The initramfs holds
# busybox-static, bash, bats, python3 and perl (copy_interpreters), execgate's binaries and
# the libraries ldd names.  Each
# guest writes its TAP to a second serial port, so kernel messages on the console never
# mix with results; a guest that does not finish within VM_TIMEOUT seconds is killed and
# counts as a failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
# A guest runs 71 tests under TCG; in CI two share the 2 cores (about 1500 s each).  On
# a machine loaded further, guests at 2400 s had not finished while every test passed; a
# guest that hangs is stopped by VM_STALL long before this.
VM_TIMEOUT=${VM_TIMEOUT:-3600}
# A guest whose results have not grown for this long is stopped: longer than any test
# takes under load, and than a test's own timeout (BATS_TEST_TIMEOUT), which reports.
VM_STALL=${VM_STALL:-900}
# Guests booted at the same time.
VM_JOBS=${VM_JOBS:-2}
# Kernel specs (tests/lib/kernels.sh): this machine's cloud kernel (6.1 on Debian 12), its
# 6.12, and the newest cloud kernel of trixie-backports.
VM_KERNELS=${VM_KERNELS:-"linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 trixie-backports/linux-image-cloud-amd64"}
# Which suites of tests/vm to run (file names without .bats); all of them by default.
VM_TESTS=${VM_TESTS:-}
cache=$BUILD/vm
mode=tests
[[ ${1:-} == --demo ]] && mode=demo
[[ ${1:-} == --bench ]] && mode=bench

log() { echo "# vm: $*" >&2; }
EG_KERNEL_CACHE=$cache
# shellcheck source=tests/lib/slots.sh
. "$top/tests/lib/slots.sh"
# shellcheck source=tests/lib/kernels.sh
. "$top/tests/lib/kernels.sh"
# shellcheck source=tests/lib/pki.sh
. "$top/tests/lib/pki.sh"

copy_with_libs() {
	local root=$1 src=$2 dest=${3:-$2} lib
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
	# ldd prints "name => /path (addr)" or "/path (addr)" for the loader.
	for lib in $(ldd "$src" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[[ -e $root$lib ]] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# python3 and perl for the script tests, with what they read: python3's standard library
# without its byte code, tests, C headers and static library (the library directory of
# config-*), and the tools no test runs (idle, tkinter, 2to3, pydoc's topics, ensurepip,
# distutils); perl's perl-base, which has strict and warnings.  Python finds its library
# from its own path (/usr/bin/python3.11: /usr/lib/python3.11).
copy_interpreters() {
	local root=$1 py perlbase
	py=$(readlink -f /usr/bin/python3)
	copy_with_libs "$root" "$py"
	ln -sf "$(basename "$py")" "$root/usr/bin/python3"
	mkdir -p "$root/usr/lib/$(basename "$py")"
	tar -C "/usr/lib/$(basename "$py")" -c --exclude=__pycache__ --exclude=test \
		--exclude=tests --exclude=idle_test --exclude='config-*' --exclude=idlelib \
		--exclude=tkinter --exclude=turtledemo --exclude=lib2to3 --exclude=pydoc_data \
		--exclude=ensurepip --exclude=distutils --exclude=sitecustomize.py . |
		tar -C "$root/usr/lib/$(basename "$py")" -x
	copy_with_libs "$root" /usr/bin/perl
	perlbase=$(perl -e 'print((grep { m|/perl-base$| } @INC)[0])')
	mkdir -p "$root$perlbase"
	cp -a "$perlbase/." "$root$perlbase/"
}

build_initramfs() {
	local root=$cache/root out=$cache/initrd.gz applet f
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/lib,dev,proc,sys,tmp,run,root,etc}
	mkdir -p "$root"/opt/execgate/{bin,tests}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[[ $applet == busybox ]] || ln -sf /bin/busybox "$root/bin/$applet"
	done
	ln -sf /bin/busybox "$root/usr/bin/env"
	copy_with_libs "$root" /bin/bash /bin/bash
	ln -sf /bin/bash "$root/bin/sh"
	copy_interpreters "$root"
	cp -a /usr/bin/bats "$root/usr/bin/bats"
	mkdir -p "$root/usr/lib/bats" "$root/usr/libexec"
	cp -a /usr/lib/bats-core "$root/usr/lib/bats-core"
	cp -a /usr/libexec/bats-core "$root/usr/libexec/bats-core"
	cp -a /usr/lib/bats/bats-support /usr/lib/bats/bats-assert "$root/usr/lib/bats/"
	for f in "$BUILD"/bin/*; do
		copy_with_libs "$root" "$f" "/opt/execgate/bin/$(basename "$f")"
	done
	cp -a "$top/tests/vm" "$root/opt/execgate/tests/vm"
	"$top/tests/vm/fixtures.sh" "$root" "$(eg_test_pki "$cache")" >&2
	# Each kernel's overlay and FUSE modules, under its own version: one initramfs serves
	# them all.
	for f in "${kdirs[@]}"; do
		cp -a "$f/lib" "$root/"
	done
	cp "$top/tests/vm/init" "$root/init"
	chmod +x "$root/init"
	echo "$mode" >"$root/opt/execgate/mode"
	if [[ -n $VM_TESTS ]]; then
		for f in $VM_TESTS; do echo "/opt/execgate/tests/vm/$f.bats"; done
	else
		(cd "$root" && compgen -G "opt/execgate/tests/vm/*.bats" | sed 's|^|/|')
	fi >"$root/opt/execgate/tests.list"
	echo "root:x:0:0:root:/root:/bin/bash" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
	echo "$out"
}

boot() {
	local kernel=$1 initrd=$2 tap=$3 console=$4 accel=$5
	# shellcheck disable=SC2086 # accel carries the -cpu option too
	eg_with_guest_slot eg_stall_guarded "$tap" "$VM_STALL" \
		timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 -accel $accel -smp 2 -m 1024 \
		-display none -monitor none -no-reboot -kernel "$kernel" -initrd "$initrd" \
		-serial "file:$console" -serial "file:$tap" \
		-append "console=ttyS0 quiet panic=-1 norandmaps" </dev/null >>"$console.qemu" 2>&1
}

# Boot kernel PKG (vmlinuz KERNEL) into $cache/PKG.tap.clean, once more when it panicked
# before init.
boot_kernel() {
	local pkg=$1 kernel=$2 initrd=$3 accel=$4 attempt rc
	local tap=$cache/$pkg.tap console=$cache/$pkg.console
	for attempt in 1 2; do
		rm -f "$tap"
		log "booting $pkg (${accel%% *})"
		rc=0
		boot "$kernel" "$initrd" "$tap" "$console" "$accel" || rc=$?
		echo "$rc" >"$cache/$pkg.rc"
		tr -d '\r' <"$tap" >"$tap.clean" 2>/dev/null || : >"$tap.clean"
		# The emulator now and then crashes a kernel while it boots (an int3 oops in
		# text patching, seen under multi-threaded TCG), before init runs a thing: no result
		# of ours, so that boot is tried once more.
		grep -q '^@@EG-KERNEL' "$tap.clean" || ! grep -q 'Kernel panic' "$console" ||
			((attempt == 2)) && break
		mv "$console" "$console.panic"
		log "$pkg panicked before init (console kept in $console.panic): booting again"
	done
}

# Print the TAP of kernel PKG's guest under its heading, and a failure when it did not
# finish.
report_kernel() {
	local pkg=$1 tap=$cache/$1.tap.clean console=$cache/$1.console version
	version=$(awk '/^@@EG-KERNEL / { print $2 }' "$tap" 2>/dev/null)
	echo "# ---- kernel ${version:-$pkg} ----"
	grep -v '^@@EG-' "$tap" 2>/dev/null || true
	if ! grep -q '^@@EG-END' "$tap" 2>/dev/null; then
		echo "not ok - vm: guest on $pkg did not finish (exit $(cat "$cache/$pkg.rc" 2>/dev/null);" \
			"killed after ${VM_TIMEOUT}s, stalled ${VM_STALL}s or crashed; console in $console)"
		# Where it hung: the guest's task dumps and the kernel's own reports.
		tail -n 150 "$console" "$console.qemu" 2>/dev/null | tr -d '\r' | sed 's/^/#   /'
	elif [[ $mode == tests ]] && ! grep -q '^1\.\.[0-9]' "$tap"; then
		echo "not ok - vm: bats did not start on $pkg (see above)"
	fi
}

main() {
	local spec kdir initrd accel i
	command -v qemu-system-x86_64 >/dev/null || { echo "not ok - vm: qemu-system-x86_64 missing (make deps)"; return 0; }
	local -a pkgs=() kernels=()
	kdirs=()
	mkdir -p "$cache"
	for spec in $VM_KERNELS; do
		if ! kdir=$(eg_kernel_fetch "$spec"); then
			echo "not ok - vm: kernel $spec unavailable"
			continue
		fi
		pkgs+=("$(basename "$kdir")") kernels+=("$kdir/vmlinuz") kdirs+=("$kdir")
	done
	initrd=$(build_initramfs)
	accel=$(eg_pick_accel "${kernels[0]}")
	# The guests boot VM_JOBS at a time (2 cores: two guests keep both busy); each one's
	# results are printed in kernel order once it is done.
	local -a pids=()
	for i in "${!pkgs[@]}"; do
		while (($(jobs -rp | wc -l) >= VM_JOBS)); do
			wait -n || true
		done
		boot_kernel "${pkgs[$i]}" "${kernels[$i]}" "$initrd" "$accel" &
		pids+=($!)
		[[ $mode == tests ]] || break
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || true
		report_kernel "${pkgs[$i]}"
	done
	return 0
}

main
