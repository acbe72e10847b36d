#!/usr/bin/env bash
# The real-system suite: execgate's Debian package installed by apt into real Debian root
# file systems, run by systemd as PID 1, tested inside qemu.
#
#   tests/distro/run.sh     for each release and kernel: boot, run tests/distro/*.bats
#                           once multi-user.target is reached, print TAP
#
# For each release, mmdebstrap builds a minbase root with systemd and the test tools
# (plus the package's dependencies, so installing it is a cheap layer), and
# `apt-get install ./execgate_*.deb` installs the package built for that release
# (`make deb DIST=RELEASE`, run from here) with its maintainer scripts.
# The root is packed as an initramfs (/init is systemd); the tests, fixtures and a
# oneshot unit ordered after multi-user.target are a second, small archive appended to
# it.  That unit runs bats, writes TAP to the second serial port and powers off.
#
# Kernels: each release's own cloud kernel and the newest cloud kernel of
# trixie-backports, resolved at run time (tests/lib/kernels.sh).
#
# Cached under $BUILD/distro: the base root (a tar) keyed by release and package list,
# the installed root (an initramfs) keyed by that and the .deb's SHA-256.  A second run
# with the same package only repacks the tests and boots.  The roots and the boot are
# shared with the workload benchmark (tests/lib/distro.sh).
#
# Variables:
#   DISTRO_RELEASES  releases to test (default "trixie bookworm")
#   DISTRO_KERNELS   kernel specs booted for each release; "own" is the release's own
#                    cloud kernel (default "own trixie-backports/linux-image-cloud-amd64")
#   DISTRO_BACKPORTS_RELEASES  releases that also boot the trixie-backports kernel
#                    (default "trixie"; "trixie bookworm" boots it under both)
#   DISTRO_TESTS     which files of tests/distro to run (names without .bats; default all)
#   DISTRO_TIMEOUT   seconds a guest may take before it is killed and counts as a
#                    failure (default 2400: a loaded 2-core machine takes 25 minutes)
#   DISTRO_STALL     seconds a guest may go without a new result line before it is
#                    stopped as hung (default 1200: the boot comes first)
#   DISTRO_JOBS      guests booted at the same time (default 2)
#   DISTRO_DEB       one .deb to install in every release, instead of
#                    $BUILD/deb/RELEASE/execgate_*_amd64.deb
#   DISTRO_MIRROR    the Debian mirror (default: the one this machine's apt uses)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
DISTRO_RELEASES=${DISTRO_RELEASES:-"trixie bookworm"}
DISTRO_KERNELS=${DISTRO_KERNELS:-"own trixie-backports/linux-image-cloud-amd64"}
DISTRO_BACKPORTS_RELEASES=${DISTRO_BACKPORTS_RELEASES:-trixie}
DISTRO_TESTS=${DISTRO_TESTS:-}
DISTRO_TIMEOUT=${DISTRO_TIMEOUT:-2400}
DISTRO_STALL=${DISTRO_STALL:-1200}
DISTRO_JOBS=${DISTRO_JOBS:-2}
DISTRO_DEB=${DISTRO_DEB:-}
cache=$BUILD/distro

log() { echo "# distro: $*" >&2; }
EG_KERNEL_CACHE=$cache
# shellcheck source=tests/lib/kernels.sh
. "$top/tests/lib/kernels.sh"
# shellcheck source=tests/lib/pki.sh
. "$top/tests/lib/pki.sh"
# shellcheck source=tests/lib/slots.sh
. "$top/tests/lib/slots.sh"
# shellcheck source=tests/lib/distro.sh
. "$top/tests/lib/distro.sh"

# What every test root holds besides Debian's minbase: systemd as init, the test tools.
# apt-utils, gpg and gpg-agent make and sign a local apt repository inside the guest (apt.bats);
# python3 serves a CRL on loopback (operate.bats).
ROOT_PKGS="systemd systemd-sysv udev dbus bats bats-assert bats-support logrotate procps jq apt-utils gpg gpg-agent python3"

# A CA whose certificate names a CRL distribution point on loopback
# (http://127.0.0.1:8719/root.crl), with that CRL, for the CRL fetch timer's test: DIR gets
# root.crt and root.crl.
crl_dp_fixture() {
	local dir=$1
	mkdir -p "$dir/ca"
	: >"$dir/ca/index.txt"
	echo 01 >"$dir/ca/crlnumber"
	cat >"$dir/ca/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $dir/ca/index.txt
crlnumber = $dir/ca/crlnumber
certificate = $dir/root.crt
private_key = $dir/ca/root.key
default_md = sha256
default_crl_days = 30
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$dir/ca/root.key" -out "$dir/root.crt" -subj "/O=execgate test/CN=dp root" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "crlDistributionPoints=URI:http://127.0.0.1:8719/root.crl" 2>/dev/null &&
		openssl ca -batch -config "$dir/ca/ca.cnf" -gencrl -out "$dir/root.crl" 2>/dev/null &&
		rm -rf "$dir/ca"
}

# The second archive: tests, fixtures and the unit that runs them, the same for every
# release.  Small, so it is made afresh on every run.
tests_layer() {
	local out=$cache/tests.cpio.gz st=$cache/tests.tmp pki fx f
	pki=$(eg_test_pki "$cache") || return 1
	rm -rf "$st"
	mkdir -p "$st"
	chmod 0755 "$st"
	(
		umask 022
		cd "$st"
		mkdir -p etc/systemd/system/multi-user.target.wants opt/execgate-test/tests \
			opt/execgate-test/fixtures opt/execgate-test/pki/crl
		ln -s /lib/systemd/systemd init
		# Results go to ttyS1; nothing may wait for a login or a first-boot prompt on ttyS0.
		ln -s /dev/null etc/systemd/system/serial-getty@ttyS0.service
		ln -s /dev/null etc/systemd/system/systemd-firstboot.service
		cp "$top/tests/distro/execgate-test.service" etc/systemd/system/
		# The package's own command line with a longer consult deadline: under emulation,
		# with two guests on two cores, verifying a program and its libraries afresh after
		# a policy change (libcrypto alone is 5 MB to hash) takes longer than the 5 s
		# that stand for a fraction of a second on hardware.  The deadline's own behaviour
		# is tested in the busybox guests.
		mkdir -p etc/systemd/system/execgated.service.d
		printf '[Service]\nExecStart=\nExecStart=%s --timeout-ms 30000\n' \
			"$(sed -n 's/^ExecStart=//p' "$top/debian/execgate.execgated.service")" \
			>etc/systemd/system/execgated.service.d/50-eg-test.conf
		# The CRL timer stays enabled but never fires on its own during the tests: its
		# service fetches for whatever policy a test has in place and then reloads the
		# agent (a run 5 to 20 minutes after boot made operate.bats's own start of it
		# report the timer's result).  operate.bats starts the service itself.
		mkdir -p etc/systemd/system/execgate-crl-fetch.timer.d
		printf '[Timer]\nOnBootSec=\nOnUnitActiveSec=\nOnBootSec=3650d\n' \
			>etc/systemd/system/execgate-crl-fetch.timer.d/50-eg-test.conf
		ln -s ../execgate-test.service etc/systemd/system/multi-user.target.wants/
		install -m 0755 "$top/tests/distro/run-tests" opt/execgate-test/run-tests
		cp "$top"/tests/distro/*.bats "$top/tests/distro/helpers.bash" opt/execgate-test/tests/
		if [[ -n $DISTRO_TESTS ]]; then
			for f in $DISTRO_TESTS; do echo "/opt/execgate-test/tests/$f.bats"; done
		else
			# The boot's own records first (the scoped enforcement denies on purpose),
			# package removal last (it takes the gate away from the tests after it).
			echo /opt/execgate-test/tests/service.bats
			for f in opt/execgate-test/tests/*.bats; do
				[[ $f == */service.bats || $f == */package.bats ]] || echo "/$f"
			done
			echo /opt/execgate-test/tests/package.bats
		fi >opt/execgate-test/tests.list
		cp "$pki/root.crt" "$pki/tsa-root.crt" opt/execgate-test/pki/
		cp "$pki"/crl/fresh/*.crl opt/execgate-test/pki/crl/
		# A static program, so the gate's scope holds no unsigned library it would need.
		fx=opt/execgate-test/fixtures
		cp "$BUILD/bin/eg-hello-static" "$fx/unsigned"
		cp "$BUILD/bin/eg-hello-static" "$fx/signed"
		eg_sign_embedded "$pki" "$BUILD/bin/execgate" "$fx/signed"
		crl_dp_fixture "$fx/crl-dp"
		# The scripts of scripts.bats, which catalogs its catalog.* ones in the guest.
		eg_script_fixtures "$pki" "$BUILD/bin/execgate" "$fx/scripts"
		# A catalog listing the unsigned program, signed by a code-signing certificate
		# of the test PKI: the wrong extended key usage for a catalog (apt.bats).
		printf 'execgate-catalog v1\nsha256:%s  /var/tmp/eg-unsigned\n' \
			"$(sha256sum "$fx/unsigned" | cut -c1-64)" >"$st/codesign.txt"
		eg_catalog_sign "$pki" leaf-valid "$st/codesign.txt" "$fx/codesign.cat"
		rm "$st/codesign.txt"
		# promtool checks the metrics file: the host's (a static program from Debian's
		# prometheus package, which make deps installs) rather than the whole server in
		# every root.
		if command -v promtool >/dev/null; then
			mkdir -p usr/local/bin
			cp "$(command -v promtool)" usr/local/bin/promtool
		fi
		# The programs of the packages apt.bats builds: one with its own library, a
		# helper its postinst runs, and a plugin host.
		mkdir -p "$fx/pkg"
		cp "$BUILD/bin/eg-hello-linked" "$BUILD/bin/libeg-greet.so" "$BUILD/bin/eg-dlopen" "$fx/pkg/"
		cp "$BUILD/bin/eg-hello-static" "$fx/pkg/helper"
		find . | cpio -o -H newc --quiet | gzip -1 >"$out"
	) || { log "making the tests' archive failed"; return 1; }
	rm -rf "$st"
	echo "$out"
}

# One release on one kernel, results in $cache/run/NAME.{tap,console,rc}; the emulator
# now and then crashes a kernel while it boots (before init runs a thing): that boot is
# tried once more.
boot_one() {
	local name=$1 kdir=$2 initrd=$3 accel=$4 run=$cache/run attempt rc
	for attempt in 1 2; do
		rm -f "$run/$name.tap" "$run/$name.console"
		rc=0
		boot "$kdir" "$initrd" "$run/$name.tap" "$run/$name.console" "$accel" || rc=$?
		tr -d '\r' <"$run/$name.tap" >"$run/$name.tap.clean" 2>/dev/null || : >"$run/$name.tap.clean"
		grep -q '^@@EG-KERNEL' "$run/$name.tap.clean" ||
			! grep -q 'Kernel panic' "$run/$name.console" || ((attempt == 2)) && break
		mv "$run/$name.console" "$run/$name.console.panic"
		log "$name panicked before init (console kept in $run/$name.console.panic): booting again"
	done
	echo "$rc" >"$run/$name.rc"
}

# Print the TAP of one boot under its heading.
report() {
	local name=$1 release=$2 spec=$3 run=$cache/run version
	version=$(awk '/^@@EG-KERNEL / { print $2 }' "$run/$name.tap.clean")
	echo "# ---- $release ${version:-$spec} ----"
	grep -v '^@@EG-' "$run/$name.tap.clean" || true
	if ! grep -q '^@@EG-END' "$run/$name.tap.clean"; then
		echo "not ok - distro: $release on ${version:-$spec} did not finish (exit" \
			"$(cat "$run/$name.rc"); killed after ${DISTRO_TIMEOUT}s, stalled ${DISTRO_STALL}s" \
			"or crashed; console in $run/$name.console)"
	elif ! grep -q '^1\.\.[0-9]' "$run/$name.tap.clean"; then
		echo "not ok - distro: bats did not start in $release on ${version:-$spec} (see above)"
	fi
}

main() {
	local release spec deb base initrd tests kdir accel="" name i
	local -a names=() releases=() specs=() kdirs=() initrds=() pids=()
	for tool in qemu-system-x86_64 mmdebstrap cpio unshare; do
		command -v "$tool" >/dev/null ||
			{ echo "not ok - distro: $tool missing (make deps)"; return 0; }
	done
	[[ -x $BUILD/bin/execgate && -x $BUILD/bin/eg-hello-static ]] ||
		{ echo "not ok - distro: $BUILD/bin has no execgate or eg-hello-static (make all)"; return 0; }
	mkdir -p "$cache/run"
	tests=$(tests_layer) || { echo "not ok - distro: the tests' archive could not be made"; return 0; }
	for release in $DISTRO_RELEASES; do
		# shellcheck disable=SC2046,SC2086 # lists of package names
		if ! deb=$(find_deb "$release") ||
			! base=$(base_root "$release" base $ROOT_PKGS $(deb_depends "$deb")) ||
			! initrd=$(installed_root "$release" "$deb" "$base" installed); then
			echo "not ok - distro: no $release root with the package installed (see above)"
			continue
		fi
		cat "$initrd" "$tests" >"$cache/run/$release.initrd"
		for spec in $DISTRO_KERNELS; do
			[[ $spec == own ]] && spec=$release/linux-image-cloud-amd64
			# The backports kernel is trixie's own newer kernel: booted under the
			# releases named in DISTRO_BACKPORTS_RELEASES, so CI stays in its time.
			[[ $spec == trixie-backports/* && " $DISTRO_BACKPORTS_RELEASES " != *" $release "* ]] &&
				continue
			if ! kdir=$(eg_kernel_fetch "$spec"); then
				echo "not ok - distro: kernel $spec for $release unavailable"
				continue
			fi
			names+=("$release-$(basename "$kdir")") releases+=("$release") specs+=("$spec")
			kdirs+=("$kdir") initrds+=("$cache/run/$release.initrd")
		done
	done
	((${#names[@]})) || return 0
	accel=$(eg_pick_accel "${kdirs[0]}/vmlinuz")
	for i in "${!names[@]}"; do
		while (($(jobs -rp | wc -l) >= DISTRO_JOBS)); do
			wait -n || true
		done
		log "booting ${releases[$i]} on $(cat "${kdirs[$i]}/release") (${accel%% *})"
		boot_one "${names[$i]}" "${kdirs[$i]}" "${initrds[$i]}" "$accel" &
		pids[i]=$!
	done
	for i in "${!names[@]}"; do
		wait "${pids[$i]}" 2>/dev/null || true
		report "${names[$i]}" "${releases[$i]}" "${specs[$i]}"
	done
	return 0
}

main; exit 0
