# shellcheck shell=bash
# shellcheck disable=SC2154 # top and cache are the caller's
# Real Debian roots under qemu, for the real-system suite (tests/distro/run.sh) and the
# workload benchmark (tests/bench/workload_bench.sh).  Sourced, not run; the caller sets
#   top      the source tree
#   BUILD    the build directory
#   cache    where roots, logs and packages are cached (a directory under $BUILD)
#   DISTRO_DEB      one .deb to install instead of `make deb DIST=RELEASE`'s (may be empty)
#   DISTRO_TIMEOUT  seconds a guest may run before it is killed
#   DISTRO_STALL    seconds a guest's TAP file may go without growing before the guest is
#                   stopped as hung (may be unset: then DISTRO_TIMEOUT)
# and defines log().  It uses eg_mirror (tests/lib/kernels.sh), eg_with_guest_slot and
# eg_stall_guarded (tests/lib/slots.sh).
#
# A root is built in two cached steps: mmdebstrap makes a minbase tar with a package list
# (base_root), then the execgate .deb is installed into it by apt and the result packed as
# a gzip'd cpio whose /init is systemd (installed_root).  Each is keyed by what it is made
# of, under a name of the caller's, so the suite's and the benchmark's roots live side by
# side.

# The package for RELEASE: `make deb DIST=RELEASE` (which does not build an unchanged tree
# twice), or DISTRO_DEB.
find_deb() {
	local release=$1 deb
	if [[ -n ${DISTRO_DEB:-} ]]; then
		echo "$DISTRO_DEB"
		return 0
	fi
	# This machine's own release is built with its own tools (`make deb`): the same
	# package, without a second clean root to install.
	local dist=$release dir=$release
	if [[ $(. /etc/os-release && echo "${VERSION_CODENAME:-}") == "$release" ]]; then
		dist='' dir=host
	fi
	log "make deb${dist:+ DIST=$dist}"
	make --no-print-directory -C "$top" BUILD="$BUILD" deb DIST="$dist" \
		>"$cache/deb-$release.log" 2>&1 ||
		{ log "make deb${dist:+ DIST=$dist} failed:"; tail -n 20 "$cache/deb-$release.log" | sed 's/^/#   /' >&2; return 1; }
	# shellcheck disable=SC2012 # the newest by time; Debian package file names are plain
	deb=$(ls -t "$BUILD/deb/$dir"/execgate_*_amd64.deb 2>/dev/null | head -n1 || true)
	[[ -n $deb ]] || { log "make deb made no $BUILD/deb/$dir/execgate_*_amd64.deb"; return 1; }
	echo "$deb"
}

# The package's dependencies, first alternative of each, without versions: installed in
# the base root so that installing the package needs nothing from the network.
deb_depends() {
	dpkg-deb -f "$1" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n' |
		sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' | sort -u
}

# The base root of RELEASE as a tar named NAME-KEY.tar, built by mmdebstrap with PKG...
# when that list changed.
base_root() {
	local release=$1 name=$2 pkgs key out mirror
	shift 2
	pkgs=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
	key=$(printf 'minbase %s %s\n' "$release" "$pkgs" | sha256sum | cut -c1-16)
	out=$cache/$release/$name-$key.tar
	if [[ ! -s $out ]]; then
		mirror=$(eg_mirror) || return 1
		mkdir -p "$cache/$release"
		log "building the $release root $name (mmdebstrap: $pkgs)"
		# The package lists stay, so the package's layer can resolve against them.
		mmdebstrap --variant=minbase --mode=root --format=tar --skip=cleanup/apt/lists \
			--include="$pkgs" "$release" "$out.new" "$mirror" \
			>"$cache/$release/$name-mmdebstrap.log" 2>&1 ||
			{ log "mmdebstrap $release failed: $(tail -n 5 "$cache/$release/$name-mmdebstrap.log")"; return 1; }
		mv "$out.new" "$out"
		# Older roots of this name are of no more use.
		find "$cache/$release" -maxdepth 1 -name "$name-*.tar" ! -name "$name-$key.tar" -delete
	fi
	echo "$out"
}

# Run a command in ROOT as a chroot with /proc, /sys and /dev, in a mount namespace of its
# own so nothing stays mounted when it ends.
in_root() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
			mount --rbind /dev "$root/dev" && exec chroot "$root" "$@"' sh "$root" "$@"
}

# BASE (a tar from base_root) with DEB installed by apt, packed as a gzip'd cpio named
# NAME-KEY.cpio.gz next to it.  SETUP, when given, is a function run with the unpacked
# root's path once the package is in, and EXTRA_KEY (what SETUP's result depends on)
# joins the cache key.
installed_root() {
	local release=$1 deb=$2 base=$3 name=$4 setup=${5:-} extra=${6:-} key out tmp pkg log
	key=$(basename "$base" .tar)-$(sha256sum "$deb" | cut -c1-16)
	[[ -n $extra ]] && key=$key-$(printf '%s' "$extra" | sha256sum | cut -c1-16)
	out=$cache/$release/$name-${key#*-}.cpio.gz
	log=$cache/$release/$name-install.log
	if [[ ! -s $out ]]; then
		log "installing $(basename "$deb") into the $release root $name"
		tmp=$cache/$release/$name.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		tar -C "$tmp" --numeric-owner -xpf "$base"
		pkg=$(basename "$deb")
		mkdir -p "$tmp/opt/execgate-test/deb"
		cp "$deb" "$tmp/opt/execgate-test/deb/$pkg"
		cp -L /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
		if ! in_root "$tmp" apt-get install -y -q "/opt/execgate-test/deb/$pkg" >"$log" 2>&1; then
			# The base's package lists may have aged past what the mirror still has.
			in_root "$tmp" apt-get update -q >>"$log" 2>&1 || true
			in_root "$tmp" apt-get install -y -q "/opt/execgate-test/deb/$pkg" >>"$log" 2>&1 ||
				{ log "apt-get install $pkg failed in $release:"; sed 's/^/#   /' "$log" >&2; return 1; }
		fi
		if [[ -n $setup ]]; then
			"$setup" "$tmp" >>"$log" 2>&1 ||
				{ log "$setup failed in the $release root $name:"; tail -n 20 "$log" | sed 's/^/#   /' >&2; return 1; }
		fi
		in_root "$tmp" apt-get clean >/dev/null 2>&1 || true
		rm -rf "$tmp"/var/lib/apt/lists/* "$tmp/etc/resolv.conf"
		(cd "$tmp" && find . -xdev | cpio -o -H newc --quiet) | gzip -1 >"$out.new"
		mv "$out.new" "$out"
		rm -rf "$tmp"
		find "$cache/$release" -maxdepth 1 -name "$name-*.cpio.gz" ! -name "$(basename "$out")" -delete
	fi
	echo "$out"
}

# Boot one guest: KERNEL_DIR's kernel on INITRD; the second serial port to TAP, the console
# to CONSOLE; APPEND adds to the kernel's command line.
boot() {
	local kdir=$1 initrd=$2 tap=$3 console=$4 accel=$5 append=${6:-}
	# shellcheck disable=SC2086 # accel carries the -cpu option too
	eg_with_guest_slot eg_stall_guarded "$tap" "${DISTRO_STALL:-$DISTRO_TIMEOUT}" \
		timeout --kill-after=10 "$DISTRO_TIMEOUT" qemu-system-x86_64 -accel $accel -smp 2 -m 2048 \
		-display none -monitor none -no-reboot -nic none -kernel "$kdir/vmlinuz" \
		-initrd "$initrd" -serial "file:$console" -serial "file:$tap" \
		-append "console=ttyS0 rdinit=/init panic=-1 norandmaps loglevel=4${append:+ $append}" \
		</dev/null >"$console.qemu" 2>&1
}
