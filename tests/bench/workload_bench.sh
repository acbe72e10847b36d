#!/usr/bin/env bash
# Real workloads on the real-system suite's Debian 13 (trixie) image under qemu, four ways
# in one run: no gate ("none"), execgate enforcing ("execgate"), execgate enforcing with
# interpreters gated ("scripts", below), and fapolicyd from Debian's archive in the same
# image, enforcing ("fapolicyd").  Prints one table: each workload's median time as a ratio
# against no gate for each configuration, plus the agent's RSS and CPU time
# over the boot and the gate's BPF programs' run time over the warm runs (kernel
# statistics on for those, off for the timed runs; from `execgate status`: the agent
# reads its own programs; self-protection hides them from bpftool).  Never asserts on a
# time.
#
# The image is tests/distro's machinery (tests/lib/distro.sh) with a root of its own
# (cached under $BUILD/distro/trixie/bench-*): the suite's packages plus fapolicyd, gcc,
# make and the execgate tree's build dependencies of its userspace library, python3 and
# apt-utils.  Each boot runs one configuration, chosen on the kernel command line
# (systemd.mask= turns the other gates off); rounds are interleaved, A B C D then D C B A.
# Inside, /opt/eg-bench/run (as egbench.service, in egbench.slice, after
# multi-user.target) runs each workload once to warm and once timed, writes the results to
# the second serial port and powers off; the kernel runs with norandmaps.
#
# Workloads (BENCH_WORKLOADS picks some, in this order):
#   boot     multi-user.target's ActiveEnterTimestampMonotonic (systemd's own clock; one
#            sample per boot, not warmed)
#   shell    a bash script running 2,000 short commands (true, cat, basename, ls)
#   python   python3 importing the first 200 standard library modules that import (C
#            accelerator modules count); importing _ios_support calls ctypes.util's
#            find_library("objc"), which runs gcc and ld to link a test program (and
#            fails: there is no libobjc)
#   findcat  `find /usr -type f -exec cat {} +`: a program that is no interpreter reading
#            every file under /usr (what the script hooks cost everyone else)
#   static   500 execs of a static program (the bench's, cataloged); dynamic: the same,
#            dynamically linked
#   build    make -j2 of execgate's userspace libraries (this tree), cleaned between runs
#   apt      apt-get install then purge of 20 fixture packages from a local repository
#            that apt-ftparchive indexes in the guest (no network)
#   apt_nohook  the same with execgate's APT hook moved aside, with no gate only: the
#            table's last lines give the hook's own cost as apt / apt_nohook
#
# execgate runs the package's own /usr/share/execgate/debian-system.policy, as shipped
# (/etc/execgate/execgate.policy links to it; the agent with the real-system suite's 30 s
# consult deadline, for emulation): enforce, scope machine (boot is gated too),
# trusting only catalogs signed by the machine's local catalog key, which the package's
# postinst made (`execgate catalog key-init`) along with the catalog of what dpkg had
# installed (/var/lib/execgate/catalogs/00-dpkg.cat; the package is installed last).  What
# the bench adds and runs that no package installed, its run script and the exec loops'
# two programs, is cataloged as an administrator trusts their own files: `execgate catalog
# create` with that machine's key (/etc/execgate/catalog-key.pem and catalog-signer.pem,
# read from the image) into /var/lib/execgate/catalogs/50-eg-bench.cat, when the bench's
# archive is made.  No other file of the bench runs: the build workload's make runs only
# packaged programs (sh, sed and uname for its variables, gcc with its cc1 and as, ar,
# mkdir, ln) and executes nothing it builds (the objects go into static archives; gcc's
# temporary assembly file is read by as, not run); the apt workload's fixture packages
# hold data files and no maintainer scripts.  The policy as shipped names no interpreters
# (no `interpreter` statement), so interpreters' reads of scripts and modules are not
# gated: the shell and python workloads measure execs and mappings only; the output says
# which interpreters the policy named, and the agent's denials (the 20 most frequent).
# "scripts" adds the lines that policy's comment gives for gating interpreters
# (interpreter default, interpreter-data default, watch-scripts default and /opt/eg-bench;
# and interpreter-data /var/cache/debconf, the database apt's perl reads)
# and scopes it to egbench.slice (cgroup), where the workloads run: bash reading the run
# script, python3 reading stdlib_imports.py and the standard library are decided; findcat is
# then what the read checks cost a program that is no interpreter.  The boot is not gated
# in that configuration.  egbench-scripts-policy.service, run before execgated only when
# the kernel command line says egbench=scripts, points /etc/execgate/execgate.policy at it.
#
# fapolicyd, set up as a Debian administrator would, with its file trust filled from what
# dpkg installed (Debian 13's package ships trust = debdb, a dpkg backend that hashes the
# installed files each time the daemon starts, and no rules; that backend is not what is
# measured here):
#   1. trust = file in /etc/fapolicyd/fapolicyd.conf, and rootfs added to watch_fs (the
#      guest's root is the initramfs, which fapolicyd would otherwise not mark);
#   2. file trust from what dpkg installed: `fapolicyd-cli --file add /usr --trust-file
#      dpkg` (merged /usr holds every file dpkg lists that can run, and the byte-compiled
#      Python that its maintainer scripts made, which the language rules need trusted),
#      and the bench's own files in trust.d/eg-bench; `fapolicyd-cli --update` is not
#      needed as the daemon is stopped while the image is made and reads trust at start;
#   3. the rule files upstream enables by default, copied from
#      /usr/share/fapolicyd/sample-rules into /etc/fapolicyd/rules.d (its README-rules'
#      "known-libs" set, the old default policy): 10-languages 20-dracut 21-updaters
#      30-patterns 40-bad-elf 41-shared-obj 42-trusted-elf 70-trusted-lang 72-shell
#      90-deny-execute 95-allow-open; then `fagenrules`.
#   Scope: fapolicyd has none; it gates the whole machine from its start.
#
# Variables:
#   BENCH_ROUNDS     rounds (default 1); each round boots every configuration
#   BENCH_WORKLOADS  workloads to run (default "shell python static dynamic"; "all" for all)
#   BENCH_CONFIGS    configurations (default "none execgate scripts fapolicyd"; none is the
#                    base)
#   BENCH_KERNEL     kernel spec (default trixie/linux-image-cloud-amd64)
#   BENCH_CLOCK      under TCG: icount (default), the guest's clock counts its instructions,
#                    so the times do not depend on the host's load; host, the host's clock
#                    (tests/lib/kernels.sh says what each can show)
#   BENCH_CPU        under TCG: the emulated CPU instead of qemu64, the x86-64 baseline
#                    Debian builds for (max: every feature TCG emulates, AVX2 among them,
#                    with which OpenSSL's SHA-256 runs a third fewer instructions; no
#                    emulated CPU has the SHA extensions a server's has)
#   DISTRO_DEB       the .deb to install instead of `make deb DIST=trixie`'s
#   DISTRO_TIMEOUT   seconds a guest may run (default 2400)
#   DISTRO_STALL     seconds a guest may go without a new result line before it is stopped
#                    (default DISTRO_TIMEOUT: a workload's line comes only when it ends)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_WORKLOADS=${BENCH_WORKLOADS:-"shell python static dynamic"}
[[ $BENCH_WORKLOADS == all ]] &&
	BENCH_WORKLOADS="shell python findcat static dynamic build apt apt_nohook"
BENCH_CONFIGS=${BENCH_CONFIGS:-"none execgate scripts fapolicyd"}
BENCH_KERNEL=${BENCH_KERNEL:-trixie/linux-image-cloud-amd64}
DISTRO_DEB=${DISTRO_DEB:-}
DISTRO_TIMEOUT=${DISTRO_TIMEOUT:-2400}
cache=$BUILD/distro
run=$cache/bench
release=trixie

log() { echo "# workload_bench: $*" >&2; }
EG_KERNEL_CACHE=$cache
# shellcheck source=tests/lib/kernels.sh
. "$top/tests/lib/kernels.sh"
# shellcheck source=tests/lib/slots.sh
. "$top/tests/lib/slots.sh"
# shellcheck source=tests/lib/distro.sh
. "$top/tests/lib/distro.sh"

# The real-system suite's packages (tests/distro/run.sh's ROOT_PKGS) and the workloads'.
SUITE_PKGS="systemd systemd-sysv udev dbus bats bats-assert bats-support logrotate procps jq apt-utils gpg gpg-agent python3"
BENCH_PKGS="fapolicyd gcc make libc6-dev libssl-dev libelf-dev libjansson-dev libarchive-dev
	zlib1g-dev libsystemd-dev pkg-config apt-utils dpkg-dev bpftool libbpf1 libelf1t64
	libjansson4 libarchive13t64 libssl3t64 libsystemd0 zlib1g openssl"
# What upstream fapolicyd enables by default, from its sample-rules.
FAPOLICYD_RULES="10-languages 20-dracut 21-updaters 30-patterns 40-bad-elf 41-shared-obj
	42-trusted-elf 70-trusted-lang 72-shell 90-deny-execute 95-allow-open"

# The image's own setup, run on the unpacked root once the package is in (installed_root).
image_setup() {
	local root=$1 r
	# Neither gate starts unless the configuration asks (systemd.mask= turns one off, the
	# units are enabled here); fapolicyd is stopped while it is set up.
	in_root "$root" systemctl enable fapolicyd.service execgated.service || return 1
	# fapolicyd: trust file, trust from dpkg's /usr, upstream's default rules.
	sed -i 's/^trust = .*/trust = file/; s/^watch_fs = .*/&,rootfs/' \
		"$root/etc/fapolicyd/fapolicyd.conf" || return 1
	in_root "$root" fapolicyd-cli --file add /usr --trust-file dpkg || return 1
	mkdir -p "$root/etc/fapolicyd/rules.d"
	rm -f "$root"/etc/fapolicyd/rules.d/*.rules
	for r in $FAPOLICYD_RULES; do
		cp "$root/usr/share/fapolicyd/sample-rules/$r.rules" "$root/etc/fapolicyd/rules.d/" ||
			return 1
	done
	in_root "$root" fagenrules || return 1
	# execgate: the package's postinst made the machine's catalog key and the catalog of
	# what dpkg installed.
	[[ -s $root/var/lib/execgate/catalogs/00-dpkg.cat && -s $root/etc/execgate/catalog-key.pem ]]
}

# 20 fixture packages of data files, no maintainer scripts, into DIR.
fixture_debs() {
	local dir=$1 i n st
	mkdir -p "$dir"
	for i in $(seq -w 1 20); do
		n=eg-fixture-$i
		st=$dir/$n.tmp
		mkdir -p "$st/DEBIAN" "$st/usr/share/$n"
		printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: execgate bench <bench@invalid>\nDescription: execgate workload bench fixture %s\n' \
			"$n" "$i" >"$st/DEBIAN/control"
		for f in 1 2 3 4 5 6 7 8; do
			head -c 16384 /dev/urandom >"$st/usr/share/$n/data$f"
		done
		dpkg-deb --root-owner-group -Zgzip -b "$st" "$dir/${n}_1.0_all.deb" >/dev/null || return 1
		rm -rf "$st"
	done
}

# The machine's local catalog key and certificate, as the package's postinst made them in
# the image INITRD, into DIR.
machine_key() {
	local initrd=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && gzip -dc "$initrd" | cpio -id --quiet etc/execgate/catalog-key.pem \
		etc/execgate/catalog-signer.pem) &&
		[[ -s $dir/etc/execgate/catalog-key.pem && -s $dir/etc/execgate/catalog-signer.pem ]]
}

# The second archive: the runner, its units, the workloads and their inputs, and the
# catalog of what of it runs, signed with the key of the image INITRD.
bench_layer() {
	local initrd=$1 out=$run/layer.cpio.gz st=$run/layer.tmp b=opt/eg-bench key=$run/machine-key
	# The apt workload's local repository, where a server keeps one: outside the trees the
	# scripts configuration watches (/opt/eg-bench is one of them), in which its unsigned
	# .deb files would be decided at each open after every catalog apt's hook adds.
	local repo=srv/eg-repo
	machine_key "$initrd" "$key" || { log "no local catalog key in $initrd"; return 1; }
	rm -rf "$st"
	mkdir -p "$st"
	chmod 0755 "$st"
	(
		set -e
		umask 022
		cd "$st"
		mkdir -p etc/systemd/system/multi-user.target.wants etc/execgate etc/fapolicyd/trust.d \
			"$b/bin" "$b/src" "$repo"
		ln -s /lib/systemd/systemd init
		ln -s /dev/null etc/systemd/system/serial-getty@ttyS0.service
		ln -s /dev/null etc/systemd/system/systemd-firstboot.service
		cat >etc/systemd/system/egbench.service <<'UNIT'
[Unit]
Description=execgate workload bench
After=multi-user.target
[Service]
Type=oneshot
Slice=egbench.slice
ExecStart=/opt/eg-bench/run
TimeoutStartSec=infinity
StandardOutput=journal
UNIT
		ln -s ../egbench.service etc/systemd/system/multi-user.target.wants/
		# The package's command line with the real-system suite's longer consult deadline
		# (tests/distro/run.sh): under emulation, verifying a program and its libraries
		# afresh (libcrypto alone is 5 MB to hash) can outlast the 5 s that stand for a
		# fraction of a second on hardware, and the whole boot is gated.
		mkdir -p etc/systemd/system/execgated.service.d
		printf '[Service]\nExecStart=\nExecStart=%s --timeout-ms 30000\n' \
			"$(sed -n 's/^ExecStart=//p' "$top/debian/execgate.execgated.service")" \
			>etc/systemd/system/execgated.service.d/50-eg-bench.conf
		install -m 0755 "$top/tests/bench/workload_guest.sh" "$b/run"
		install -m 0644 "$top/tests/bench/stdlib_imports.py" "$b/"
		cp "$BUILD/bin/eg-hello-static" "$BUILD/bin/eg-hello" "$b/bin/"
		(cd "$top" && git ls-files -z | grep -zv '^build' | tar --null -T - -cf -) |
			tar -xf - -C "$b/src"
		fixture_debs "$repo"
		ln -s /usr/share/execgate/debian-system.policy etc/execgate/execgate.policy
		# The scripts configuration: the same policy with the lines its comment gives for
		# gating interpreters, scoped to the bench's slice, and the bench's own directory
		# watched (a script is then decided before its interpreter's first read).
		# debconf's database is the data of apt's perl (dpkg-preconfigure), which an
		# administrator gating apt's interpreters names.
		sed -e 's|^scope machine$|scope cgroup /egbench.slice|' \
			-e '/^scope /a interpreter default' -e '/^scope /a interpreter-data default' \
			-e '/^scope /a interpreter-data /var/cache/debconf' \
			-e "/^scope /a watch-scripts default /$b" \
			"$top/policy/debian-system.policy" >etc/execgate/bench-scripts.policy
		grep -q '^scope cgroup' etc/execgate/bench-scripts.policy
		mkdir -p etc/systemd/system/execgated.service.wants
		cat >etc/systemd/system/egbench-scripts-policy.service <<'UNIT'
[Unit]
Description=execgate workload bench: the scripts configuration's policy
DefaultDependencies=no
Before=execgated.service
ConditionKernelCommandLine=egbench=scripts
[Service]
Type=oneshot
ExecStart=/bin/ln -sfn bench-scripts.policy /etc/execgate/execgate.policy
UNIT
		ln -s ../egbench-scripts-policy.service etc/systemd/system/execgated.service.wants/
		# fapolicyd's trust for the bench's files: path, size, SHA-256, as --file add writes.
		find "$b" "$repo" -type f -printf '/%p %s\n' | while read -r p s; do
			echo "$p $s $(sha256sum <".$p" | cut -d' ' -f1)"
		done >etc/fapolicyd/trust.d/eg-bench
		# What the bench runs that no package installed, cataloged with the machine's key.
		install -d -m 0750 var/lib/execgate
		mkdir var/lib/execgate/catalogs
		"$BUILD/bin/execgate" catalog create --key "$key/etc/execgate/catalog-key.pem" \
			--cert "$key/etc/execgate/catalog-signer.pem" -o var/lib/execgate/catalogs/50-eg-bench.cat \
			"$b/run" "$b/stdlib_imports.py" "$b/bin/eg-hello" "$b/bin/eg-hello-static" >/dev/null
		find . | cpio -o -H newc --quiet | gzip -1 >"$out"
	) || { log "making the bench's archive failed"; return 1; }
	rm -rf "$st" "$key"
	echo "$out"
}

# Boot CONFIG once; the results land in $run/CONFIG-ROUND.tap.  A guest whose kernel
# panicked is booted once more, its console kept: under emulation, guests with no gate
# loaded (none, fapolicyd) have died of a double fault in the slab allocator too.
boot_config() {
	local config=$1 round=$2 kdir=$3 initrd=$4 accel=$5 name mask try
	name=$config-$round
	case $config in
	none) mask="systemd.mask=execgated.service systemd.mask=fapolicyd.service" ;;
	execgate | scripts) mask="systemd.mask=fapolicyd.service" ;;
	fapolicyd) mask="systemd.mask=execgated.service" ;;
	esac
	for try in 1 2; do
		log "round $round: booting $config ($(cat "$kdir/release"), $accel)"
		rm -f "$run/$name.tap" "$run/$name.console"
		boot "$kdir" "$initrd" "$run/$name.tap" "$run/$name.console" "$accel" \
			"$mask egbench=$config egbench.w=${BENCH_WORKLOADS// /,}" || true
		tr -d '\r' <"$run/$name.tap" >"$run/$name.tap.clean" 2>/dev/null ||
			: >"$run/$name.tap.clean"
		grep -q '^@@EG-END' "$run/$name.tap.clean" && break
		if ((try == 1)) && grep -q 'Kernel panic' "$run/$name.console"; then
			mv "$run/$name.console" "$run/$name.panic.console"
			log "$config (round $round): the guest's kernel panicked" \
				"($(grep -m1 -o 'Oops: [^[]*[^[ ]' "$run/$name.panic.console" || echo '?')," \
				"console in $run/$name.panic.console); booting it again"
			continue
		fi
		log "$config (round $round) did not finish: console in $run/$name.console"
		break
	done
	grep '^# ' "$run/$name.tap.clean" | sed "s/^# /# $config: /" >&2 || true
}

# The median of the numbers on standard input.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One value of a workload under a configuration: the median over the rounds.
result() {
	cat "$run"/"$1"-*.tap.clean 2>/dev/null | awk -v w="$2" '$1 == "@@R" && $2 == w { print $3 }' | median
}

# The last value of a key the guest printed for a configuration (@@S KEY VALUE).
stat_of() {
	cat "$run"/"$1"-*.tap.clean 2>/dev/null | awk -v k="$2" '$1 == "@@S" && $2 == k { v = $3 } END { print v }'
}

ratio() {
	[[ -n $1 && -n $2 ]] || { echo "-"; return; }
	# Three decimals: the goals are 1.02 and 1.03, which two would round onto.
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
}

# Was CONFIG among the run's configurations?
measured() { [[ " $BENCH_CONFIGS " == *" $1 "* ]]; }

# What a configuration is called in the table (with "short": in a ratio's heading).
config_label() {
	case $1-${2:-} in
	execgate-) echo execgate ;;
	execgate-short) echo eg ;;
	scripts-) echo eg+scripts ;;
	scripts-short) echo eg+s ;;
	fapolicyd-) echo fapolicyd ;;
	fapolicyd-short) echo fa ;;
	esac
}

table() {
	local w c base policy interp bpf row
	local -a lines=() gates=()
	for c in $BENCH_CONFIGS; do
		[[ $c == none ]] || gates+=("$c")
	done
	policy=$(stat_of execgate policy)
	interp=$(stat_of execgate interpreters)
	[[ $interp == none ]] && interp="none named: interpreters' reads of scripts are not gated"
	echo "workload_bench: Debian $release, $(stat_of none kernel), $BENCH_ROUNDS round(s)," \
		"medians; execgate policy: ${policy:-?} as shipped (interpreters: ${interp:-?})"
	measured scripts &&
		echo "  eg+scripts: the same policy with interpreters gated ($(stat_of scripts interpreters))," \
			"scoped to the bench's slice (the boot is not gated)"
	row=$(printf ' %10s' "none (s)")
	for c in "${gates[@]}"; do row+=$(printf ' %10s' "$(config_label "$c")"); done
	for c in "${gates[@]}"; do row+=$(printf ' %10s' "$(config_label "$c" short)/none"); done
	printf '  %-10s%s\n' workload "$row"
	for w in boot $BENCH_WORKLOADS; do
		base=$(result none "$w")
		row=$(printf ' %10s' "${base:--}")
		local -A value=()
		for c in "${gates[@]}"; do
			value[$c]=$(result "$c" "$w")
			row+=$(printf ' %10s' "${value[$c]:--}")
		done
		local line="workload $w:"
		for c in "${gates[@]}"; do
			row+=$(printf ' %10s' "$(ratio "${value[$c]}" "$base")")
			line+=" $(config_label "$c") ratio $(ratio "${value[$c]}" "$base"),"
		done
		printf '  %-10s%s\n' "$w" "$row"
		lines+=("${line%,}")
	done
	if [[ " $BENCH_WORKLOADS " == *" apt_nohook "* ]]; then
		echo "  APT hook (no gate): apt with the hook / without: $(ratio "$(result none apt)" \
			"$(result none apt_nohook)")"
	fi
	for c in execgate scripts; do
		measured "$c" || continue
		bpf="BPF programs ran $(stat_of "$c" bpf_run_ms) ms in"
		bpf+=" $(stat_of "$c" bpf_run_cnt) runs (bpf_stats over the warm runs, off for the timed ones; as execgate status reads them)"
		[[ -n $(stat_of "$c" bpf_run_ms) ]] ||
			bpf="BPF programs' run time not read (execgate status gave none)"
		echo "  $(config_label "$c"): execgated max RSS $(stat_of "$c" agent_hwm_kb) KiB, CPU" \
			"$(stat_of "$c" agent_cpu_s) s over the boot and the workloads; $bpf; its status counts" \
			"$(stat_of "$c" denied) denials (its own verdicts: the kernel's misses, reason unverified, are logged, not counted)"
		# The agent's own profile of each timed run (@@P WORKLOAD COUNTERS), the last round's.
		for w in $BENCH_WORKLOADS; do
			cat "$run"/"$c"-*.tap.clean 2>/dev/null |
				awk -v w="$w" -v c="$(config_label "$c")" '$1 == "@@P" && $2 == w { $1 = ""; $2 = ""; v = $0 } END {
					if (v != "") printf "  %s: execgated during %s:%s\n", c, w, v }'
		done
	done
	measured fapolicyd &&
		echo "  fapolicyd: max RSS $(stat_of fapolicyd agent_hwm_kb) KiB, CPU $(stat_of fapolicyd agent_cpu_s) s"
	for c in $BENCH_CONFIGS; do
		grep -h '^@@F' "$run/$c"-*.tap.clean 2>/dev/null | sed "s/^@@F/  $c: failed:/" || true
	done
	for c in execgate scripts; do
		grep -h '^@@D' "$run/$c"-*.tap.clean 2>/dev/null |
			sed "s/^@@D/  $(config_label "$c"): denied (count, hook, reason, file, process):/" || true
	done
	# One line a workload, for the summary of tests/bench/run.sh.
	printf '%s\n' "${lines[@]}"
}

main() {
	local deb base initrd layer kdir accel round config order
	for tool in qemu-system-x86_64 mmdebstrap cpio unshare dpkg-deb; do
		command -v "$tool" >/dev/null || { echo "workload_bench: $tool missing (make deps); skipped"; return 0; }
	done
	[[ -x $BUILD/bin/execgate && -x $BUILD/bin/eg-hello-static ]] ||
		{ echo "workload_bench: $BUILD/bin has no execgate (make all); skipped"; return 0; }
	mkdir -p "$run"
	rm -f "$run"/*.tap "$run"/*.tap.clean
	# shellcheck disable=SC2086 # lists of package names
	if ! deb=$(find_deb "$release") ||
		! base=$(base_root "$release" bench-base $SUITE_PKGS $BENCH_PKGS) ||
		! initrd=$(installed_root "$release" "$deb" "$base" bench-installed image_setup \
			"$(declare -f image_setup) $FAPOLICYD_RULES"); then
		echo "workload_bench: no image (see above)"
		return 1
	fi
	layer=$(bench_layer "$initrd") || { echo "workload_bench: no bench archive (see above)"; return 1; }
	cat "$initrd" "$layer" >"$run/initrd"
	kdir=$(eg_kernel_fetch "$BENCH_KERNEL") || { echo "workload_bench: no kernel $BENCH_KERNEL"; return 1; }
	accel=$(eg_pick_accel "$kdir/vmlinuz" bench)
	[[ -n ${BENCH_CPU:-} ]] && accel=${accel/-cpu qemu64/-cpu $BENCH_CPU}
	order=$BENCH_CONFIGS
	for ((round = 1; round <= BENCH_ROUNDS; round++)); do
		for config in $order; do
			boot_config "$config" "$round" "$kdir" "$run/initrd" "$accel"
		done
		# shellcheck disable=SC2086 # a list of names
		order=$(printf '%s\n' $order | tac | paste -sd' ' -)
	done
	table
}

main
