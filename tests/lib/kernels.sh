# shellcheck shell=bash
# Debian kernels for the VM suites (tests/vm and tests/distro): resolved at run time,
# fetched, cached.  Sourced, not run; the caller sets EG_KERNEL_CACHE (a directory) and
# may define log().
#
# A kernel is named by a spec:
#   META          a meta package resolved by this machine's own apt, as
#                 linux-image-cloud-amd64 (the host release's cloud kernel) or
#                 linux-image-6.12-cloud-amd64
#   SUITE/META    a meta package of SUITE of this machine's Debian mirror, as
#                 trixie-backports/linux-image-cloud-amd64 (the newest backported cloud
#                 kernel) or bookworm/linux-image-cloud-amd64; read through apt with a
#                 private state directory, so the archive's signature is checked as usual
#
# The mirror is the one this machine's apt sources use for its own release (DISTRO_MIRROR
# overrides it); no archive host name is written here.  Versions are never pinned: the
# meta package's dependency names the kernel of the day.  Up to 6.x the kernel image is in
# linux-image-VERSION (boot/vmlinuz-VERSION); from 7.x that package is itself a meta
# package and the image is in linux-binary-VERSION (usr/lib/modules/VERSION/vmlinuz), the
# modules in linux-modules-VERSION.

if ! declare -F log >/dev/null; then
	log() { echo "# kernels: $*" >&2; }
fi

# The host's Debian mirror: the archive its apt reads its own release from.
eg_mirror() {
	local codename uri
	if [[ -n ${DISTRO_MIRROR:-} ]]; then
		echo "${DISTRO_MIRROR%/}"
		return 0
	fi
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	# shellcheck disable=SC2016 # apt's own placeholders
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' |
		awk -v want="$codename" '$2 == want { print $1; exit }')
	[[ -n $uri ]] || { log "no Debian mirror in this machine's apt sources (set DISTRO_MIRROR)"; return 1; }
	echo "${uri%/}"
}

# apt-get or apt-cache on SUITE of the mirror, with its own state under the cache, so
# neither this machine's apt nor its release get in the way.
eg_apt_suite() {
	local suite=$1 cmd=$2 dir=$EG_KERNEL_CACHE/apt/$1
	shift 2
	"$cmd" -q -o Dir::State="$dir/state" -o Dir::State::status="$dir/status" \
		-o Dir::Cache="$dir/cache" -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts="$dir/none" -o Dir::Etc::Preferences="$dir/none" \
		-o Dir::Etc::PreferencesParts="$dir/none" -o APT::Architecture=amd64 \
		-o APT::Architectures::=amd64 -o Acquire::Languages=none -o Debug::NoLocking=1 "$@"
}

# Read SUITE's package lists afresh, once per run of the calling script ($$ is the same in
# its subshells): "newest" is decided now.
eg_suite_update() {
	local suite=$1 dir=$EG_KERNEL_CACHE/apt/$1 mirror
	[[ $(cat "$dir/updated-by" 2>/dev/null) == "$$" ]] && return 0
	mirror=$(eg_mirror) || return 1
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/none"
	: >>"$dir/status"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
		>"$dir/sources.list"
	eg_apt_suite "$suite" apt-get update >"$dir/update.log" 2>&1 ||
		{ log "apt-get update of $suite failed: $(tail -n 3 "$dir/update.log")"; return 1; }
	echo "$$" >"$dir/updated-by"
}

# apt-cache or apt-get for a spec's source: the host's apt, or the suite's private one.
eg_spec_apt() {
	local suite=$1
	shift
	if [[ -z $suite ]]; then
		"$@"
	else
		local cmd=$1
		shift
		eg_apt_suite "$suite" "$cmd" "$@"
	fi
}

# The first dependency of PKG whose name starts with PREFIX.
eg_dep() {
	local suite=$1 pkg=$2 prefix=$3
	eg_spec_apt "$suite" apt-cache depends "$pkg" 2>/dev/null |
		awk -v p="$prefix" '$1 == "Depends:" && index($2, p) == 1 { print $2; exit }'
}

# Resolve SPEC to "IMAGE_PKG MODULES_PKG SUITE" (SUITE "-" for the host's apt).
eg_kernel_resolve() {
	local spec=$1 suite="" meta image binary modules
	if [[ $spec == */* ]]; then
		suite=${spec%%/*} meta=${spec#*/}
		eg_suite_update "$suite" || return 1
	else
		meta=$spec
	fi
	image=$(eg_dep "$suite" "$meta" linux-image-)
	if [[ -z $image && -z $suite ]]; then
		apt-get update -q >/dev/null 2>&1 || true
		image=$(eg_dep "" "$meta" linux-image-)
	fi
	[[ -n $image ]] || { log "cannot resolve $spec (is the Debian archive reachable?)"; return 1; }
	binary=$(eg_dep "$suite" "$image" linux-binary-)
	if [[ -n $binary ]]; then
		modules=$(eg_dep "$suite" "$image" linux-modules-)
		[[ -n $modules ]] || { log "$image names no linux-modules- package"; return 1; }
		echo "$binary $modules ${suite:--}"
	else
		echo "$image $image ${suite:--}"
	fi
}

# Extract from the .deb DEB into DIR the members matching the extended regular
# expression RE (any of ./lib/modules, ./usr/lib/modules, ./boot).
eg_deb_extract() {
	local deb=$1 dir=$2 re=$3 list
	list=$(mktemp)
	dpkg-deb --fsys-tarfile "$deb" | tar -tf - | grep -E "$re" >"$list" || true
	if [[ -s $list ]]; then
		dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$dir" --no-recursion -T "$list"
	fi
	rm -f "$list"
}

# Fetch the kernel SPEC names into the cache and print its directory, which holds
#   vmlinuz                the kernel image
#   release                its `uname -r`
#   lib/modules/RELEASE/   the overlayfs, FUSE and loop modules the busybox suite loads,
#                          uncompressed (busybox's insmod reads no .ko.xz)
# A directory is complete once `release` exists and it has the loop module (added after
# the others: a directory fetched before is fetched again).
eg_kernel_fetch() {
	local spec=$1 image modules suite dir pkg deb release tmp
	read -r image modules suite < <(eg_kernel_resolve "$spec") && [[ -n $image ]] || return 1
	[[ $suite == - ]] && suite=""
	dir=$EG_KERNEL_CACHE/kernels/$image
	if [[ ! -s $dir/release ]] ||
		! compgen -G "$dir/lib/modules/*/kernel/drivers/block/loop.ko" >/dev/null; then
		rm -rf "$dir" "$dir.new"
		tmp=$dir.new
		mkdir -p "$tmp/deb" "$tmp/x"
		for pkg in $(printf '%s\n' "$image" "$modules" | sort -u); do
			(cd "$tmp/deb" && eg_spec_apt "$suite" apt-get download "$pkg" >/dev/null 2>&1) ||
				{ log "apt-get download $pkg failed"; rm -rf "$tmp"; return 1; }
		done
		for deb in "$tmp"/deb/*.deb; do
			eg_deb_extract "$deb" "$tmp/x" \
				'^\./(boot/vmlinuz-|(usr/)?lib/modules/[^/]+/(vmlinuz$|kernel/fs/(overlayfs|fuse)/|kernel/drivers/block/loop\.ko))'
		done
		release=$(compgen -G "$tmp/x/boot/vmlinuz-*" | head -n1 || true)
		if [[ -n $release ]]; then
			cp "$release" "$tmp/vmlinuz"
			release=${release##*/vmlinuz-}
		else
			release=$(compgen -G "$tmp/x/usr/lib/modules/*/vmlinuz" | head -n1 || true)
			[[ -n $release ]] || { log "no kernel image in $image"; rm -rf "$tmp"; return 1; }
			cp "$release" "$tmp/vmlinuz"
			release=$(basename "$(dirname "$release")")
		fi
		mkdir -p "$tmp/lib/modules/$release"
		for pkg in "$tmp"/x/lib/modules/"$release"/kernel "$tmp"/x/usr/lib/modules/"$release"/kernel; do
			[[ -d $pkg ]] && cp -a "$pkg" "$tmp/lib/modules/$release/"
		done
		find "$tmp/lib/modules" -name '*.ko.xz' -exec xz -df {} +
		find "$tmp/lib/modules" -name '*.ko.zst' -exec zstd -q -d --rm {} +
		rm -rf "$tmp/deb" "$tmp/x"
		echo "$release" >"$tmp/release"
		mv -T "$tmp" "$dir"
	fi
	echo "$dir"
}

# The qemu accelerator (with its -cpu option) for booting KERNEL: KVM only when a probe
# boot works (on the machines this project is developed on /dev/kvm exists but does not).
# TCG runs both vCPUs on one host thread: under multi-threaded TCG the kernel's text
# patching (every BPF trampoline the gate attaches or detaches) now and then took an int3
# it did not expect ("Oops: int3" in bpf_lsm_file_permission on 6.12, a panic; a guest
# hung for good on 6.1), killing the guest mid-suite.  Two guests run side by side on two
# cores, so one thread each costs the suites little.  The emulated CPU is the plain x86-64
# one: with "max" (AVX2, 5-level paging, ...) the same tests took a quarter more time
# (busybox gate and signed, 27 tests on 6.1, side by side: 327 s against 254 s); Debian
# builds for the x86-64 baseline, which is all qemu64 offers.
#
# eg_pick_accel KERNEL bench: the same for a benchmark.  Under TCG the guest's clock then
# counts the instructions it runs (-icount shift=0: one instruction, one nanosecond;
# sleep=off: idle time is skipped) instead of following the host's: on a shared host the
# same boot and workload moved by a factor of 2.3 between two boots minutes apart, and
# emulation's own costs (translating code the first time it runs, code written where
# code ran) counted as the guest's.  Counted, the same configuration repeated within 2 per
# cent for the boot and 0.5 per cent for each workload (four runs).  What it cannot show: memory and cache stalls (every instruction costs the same),
# and instructions the emulated CPU lacks (qemu64 has no SHA extensions, so hashing costs
# several times the instructions it takes on a server CPU).  BENCH_CLOCK=host: the host's
# clock, as the test suites run.
eg_pick_accel() {
	local kernel=$1 purpose=${2:-}
	if [[ -w /dev/kvm ]] &&
		timeout 30 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot \
			-kernel "$kernel" -append "console=ttyS0 panic=-1 quiet" </dev/null 2>/dev/null |
		grep -q "Kernel panic"; then
		echo "kvm -cpu host"
	elif [[ $purpose == bench && ${BENCH_CLOCK:-icount} == icount ]]; then
		echo "tcg,thread=single -icount shift=0,sleep=off -cpu qemu64"
	else
		echo "tcg,thread=single -cpu qemu64"
	fi
}
