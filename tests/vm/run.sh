#!/usr/bin/env bash
# The VM harness: the real BPF gate in real kernels.
#
#   tests/vm/run.sh            run tests/vm/*.bats in each Debian cloud kernel, print TAP
#                              (VM_KERNELS: which kernels; VM_TESTS="gate signed": which suites)
#   tests/vm/run.sh --demo     boot the first kernel and run tests/vm/demo.sh instead
#   tests/vm/run.sh --bench    boot the first kernel and run tests/vm/bench.sh instead
#
# Kernels are resolved at run time from Debian's meta packages (their versions move),
# fetched with `apt-get download` and cached under $BUILD/vm.  The initramfs holds
# busybox-static, bash, bats, execgate's binaries and the libraries ldd names.  Each
# guest writes its TAP to a second serial port, so kernel messages on the console never
# mix with results; a guest that does not finish within VM_TIMEOUT seconds is killed and
# counts as a failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
VM_TIMEOUT=${VM_TIMEOUT:-600}
VM_KERNELS=${VM_KERNELS:-"linux-image-cloud-amd64 linux-image-6.12-cloud-amd64"}
# Which suites of tests/vm to run (file names without .bats); all of them by default.
VM_TESTS=${VM_TESTS:-}
cache=$BUILD/vm
mode=tests
[[ ${1:-} == --demo ]] && mode=demo
[[ ${1:-} == --bench ]] && mode=bench

log() { echo "# vm: $*" >&2; }

# The kernel package a meta package depends on, e.g. linux-image-6.1.0-56-cloud-amd64.
resolve_kernel() {
	local meta=$1 pkg
	pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
	if [[ -z $pkg ]]; then
		apt-get update -q >/dev/null 2>&1 || true
		pkg=$(apt-cache depends "$meta" 2>/dev/null |
			awk '/Depends: linux-image-/ { print $2; exit }')
	fi
	[[ -n $pkg ]] || { log "cannot resolve $meta (is the Debian archive reachable?)"; return 1; }
	echo "$pkg"
}

# Path of the cached vmlinuz for kernel package PKG, downloading it when needed, with the
# overlayfs and FUSE modules the overlay and FUSE tests load (the guest has no other
# modules; 6.12's cloud kernel has FUSE built in, its fs/fuse holds only cuse).  The FUSE
# directory is the newest thing extracted: a cache without it is fetched again.
fetch_kernel() {
	local pkg=$1 dir=$cache/kernels/$1 deb
	if ! compgen -G "$dir/lib/modules/*/kernel/fs/overlayfs/overlay.ko" >/dev/null ||
		! compgen -G "$dir/lib/modules/*/kernel/fs/fuse" >/dev/null; then
		mkdir -p "$dir"
		(cd "$dir" && apt-get download "$pkg" >/dev/null 2>&1) ||
			{ log "apt-get download $pkg failed"; return 1; }
		deb=$(compgen -G "$dir/${pkg}_*.deb" | head -n1)
		dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$dir" --wildcards './boot/vmlinuz-*' \
			'./lib/modules/*/kernel/fs/overlayfs/overlay.ko*' './lib/modules/*/kernel/fs/fuse'
		rm -f "$deb"
		# Newer kernels ship modules xz-compressed; busybox's insmod wants them plain.
		find "$dir/lib/modules" -name '*.ko.xz' -exec xz -df {} +
	fi
	compgen -G "$dir/boot/vmlinuz-*" | head -n1
}

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
	cp -a /usr/bin/bats "$root/usr/bin/bats"
	mkdir -p "$root/usr/lib/bats" "$root/usr/libexec"
	cp -a /usr/lib/bats-core "$root/usr/lib/bats-core"
	cp -a /usr/libexec/bats-core "$root/usr/libexec/bats-core"
	cp -a /usr/lib/bats/bats-support /usr/lib/bats/bats-assert "$root/usr/lib/bats/"
	for f in "$BUILD"/bin/*; do
		copy_with_libs "$root" "$f" "/opt/execgate/bin/$(basename "$f")"
	done
	cp -a "$top/tests/vm" "$root/opt/execgate/tests/vm"
	"$top/tests/vm/fixtures.sh" "$root" "$(make_pki)" >&2
	# Each kernel's overlay module, under its own version: one initramfs serves them all.
	cp -a "$cache"/kernels/*/lib "$root/" 2>/dev/null || true
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

# The test PKI, made once per day and cached (its CRLs are fresh for 30 days).
make_pki() {
	local dir=$cache/pki-$(sha256sum "$top/tests/fixtures/mkpki.sh" | cut -c1-12)-$(date -u +%Y%m%d)
	if [[ ! -f $dir/root.crt ]]; then
		rm -rf "$dir.new"
		"$top/tests/fixtures/mkpki.sh" "$dir.new" >"$cache/pki.log" 2>&1 ||
			{ cat "$cache/pki.log" >&2; return 1; }
		mv -T "$dir.new" "$dir"
	fi
	echo "$dir"
}

# KVM only when a probe boot works (on these machines /dev/kvm exists but does not).
pick_accel() {
	local kernel=$1
	if [[ -w /dev/kvm ]] &&
		timeout 30 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot \
			-kernel "$kernel" -append "console=ttyS0 panic=-1 quiet" </dev/null 2>/dev/null |
		grep -q "Kernel panic"; then
		echo "kvm -cpu host"
	else
		echo "tcg,thread=multi -cpu max"
	fi
}

boot() {
	local kernel=$1 initrd=$2 tap=$3 console=$4 accel=$5
	# shellcheck disable=SC2086 # accel carries the -cpu option too
	timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 -accel $accel -smp 2 -m 1024 \
		-display none -monitor none -no-reboot -kernel "$kernel" -initrd "$initrd" \
		-serial "file:$console" -serial "file:$tap" \
		-append "console=ttyS0 quiet panic=-1 norandmaps" </dev/null >>"$console.qemu" 2>&1
}

main() {
	local meta pkg kernel initrd accel="" tap console version rc attempt
	command -v qemu-system-x86_64 >/dev/null || { echo "not ok - vm: qemu-system-x86_64 missing (make deps)"; return 0; }
	local -a pkgs=() kernels=()
	mkdir -p "$cache"
	for meta in $VM_KERNELS; do
		if ! pkg=$(resolve_kernel "$meta") || ! kernel=$(fetch_kernel "$pkg"); then
			echo "not ok - vm: kernel $meta unavailable"
			continue
		fi
		pkgs+=("$pkg") kernels+=("$kernel")
	done
	initrd=$(build_initramfs)
	for i in "${!pkgs[@]}"; do
		pkg=${pkgs[$i]} kernel=${kernels[$i]}
		[[ -n $accel ]] || accel=$(pick_accel "$kernel")
		tap=$cache/$pkg.tap
		console=$cache/$pkg.console
		for attempt in 1 2; do
			rm -f "$tap"
			log "booting $pkg (${accel%% *})"
			rc=0
			boot "$kernel" "$initrd" "$tap" "$console" "$accel" || rc=$?
			tr -d '\r' <"$tap" >"$tap.clean" 2>/dev/null || : >"$tap.clean"
			# The emulator now and then crashes a kernel while it boots (an int3 oops
			# in text patching under multi-threaded TCG), before init runs a thing:
			# no result of ours, so that boot is tried once more.
			grep -q '^@@EG-KERNEL' "$tap.clean" || ! grep -q 'Kernel panic' "$console" ||
				((attempt == 2)) && break
			mv "$console" "$console.panic"
			log "$pkg panicked before init (console kept in $console.panic): booting again"
		done
		version=$(awk '/^@@EG-KERNEL / { print $2 }' "$tap.clean")
		echo "# ---- kernel ${version:-$pkg} ----"
		grep -v '^@@EG-' "$tap.clean" || true
		if ! grep -q '^@@EG-END' "$tap.clean"; then
			echo "not ok - vm: guest on $pkg did not finish (exit $rc; killed after" \
				"${VM_TIMEOUT}s or crashed; console in $console)"
		elif [[ $mode == tests ]] && ! grep -q '^1\.\.[0-9]' "$tap.clean"; then
			echo "not ok - vm: bats did not start on $pkg (see above)"
		fi
		[[ $mode == tests ]] || break
	done
	return 0
}

main
