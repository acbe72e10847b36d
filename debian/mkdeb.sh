#!/usr/bin/env bash
# Build the execgate Debian package from this tree.
#
#   debian/mkdeb.sh OUTDIR           for this machine's release, with its own tools
#   debian/mkdeb.sh OUTDIR DIST      for Debian release DIST (trixie, bookworm, ...), in a
#                                    clean root made by mmdebstrap with the Build-Depends
#                                    of debian/control, from the mirror this machine's apt
#                                    uses
#
# The tree is copied (tracked and untracked files, as git sees them, without build
# output), built with dpkg-buildpackage, and checked with that release's lintian; the
# .deb, .buildinfo, .changes and lintian.txt land in OUTDIR.  An unchanged tree is not
# built twice: OUTDIR/source.sha256 records what the package there was built from.
set -euo pipefail
# The package is built from a copy of the tree by its own make: nothing of a calling
# make (MAKEFLAGS carries its command-line variables, BUILD among them) may reach it.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES BUILD

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
dist=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)

source_digest() {
	(cd "$top" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
		sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

copy_tree() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	(cd "$top" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
		tar --null -T - -cf -) | tar -xf - -C "$dest"
}

# The Build-Depends of debian/control, one package per word (first of each alternative).
build_depends() {
	sed -n '/^Build-Depends:/,/^[A-Z][^:]*:/p' "$top/debian/control" | sed '$d' |
		sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' |
		sed 's/^debhelper-compat$/debhelper/; s/^dh-sequence-bash-completion$/bash-completion/' |
		grep -v '^$' | tr '\n' ',' | sed 's/,$//'
}

mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' |
		awk '$2 !~ /-(security|updates|backports)$/ { print $1; exit }'
}

digest=$(source_digest)-${dist:-host}
if [[ -f $out/source.sha256 && $(cat "$out/source.sha256") == "$digest" ]] &&
	compgen -G "$out/execgate_*.deb" >/dev/null; then
	echo "execgate: $(compgen -G "$out/execgate_*.deb") is current"
	exit 0
fi
rm -f "$out"/execgate[_-]* "$out/source.sha256" "$out/lintian.txt"
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
copy_tree "$work/src/execgate"

if [[ -z $dist ]]; then
	(cd "$work/src/execgate" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 ||
		{ tail -n 40 "$out/build.log" >&2; echo "execgate: package build failed, log: $out/build.log" >&2; exit 1; }
	mv "$work"/src/execgate[_-]* "$out/"
	lintian --info --display-info --pedantic "$out"/execgate_*.deb >"$out/lintian.txt" 2>&1 || true
else
	m=$(mirror)
	[[ -n $m ]] || { echo "execgate: no Debian mirror in this machine's apt sources" >&2; exit 1; }
	mmdebstrap --variant=buildd --include="$(build_depends),lintian" \
		--customize-hook='mkdir -p "$1/build"' \
		--customize-hook="copy-in $work/src/execgate /build" \
		--customize-hook='chroot "$1" sh -c "cd /build/execgate && dpkg-buildpackage -b -us -uc" >"$1/build/build.log" 2>&1 || { tail -n 40 "$1/build/build.log"; exit 1; }' \
		--customize-hook='chroot "$1" sh -c "lintian --info --display-info --pedantic /build/execgate_*.deb" >"$1/build/lintian.txt" 2>&1 || true' \
		--customize-hook="sync-out /build $work/result" \
		"$dist" /dev/null "$m" >"$out/build.log" 2>&1 ||
		{ tail -n 40 "$out/build.log" >&2; echo "execgate: package build for $dist failed, log: $out/build.log" >&2; exit 1; }
	mv "$work"/result/execgate[_-]* "$work/result/lintian.txt" "$out/"
fi
echo "$digest" >"$out/source.sha256"
echo "execgate: built $(compgen -G "$out/execgate_*.deb")"
if grep -q '^E: ' "$out/lintian.txt"; then
	grep '^E: ' "$out/lintian.txt" >&2
	echo "execgate: lintian found errors ($out/lintian.txt)" >&2
	exit 1
fi
