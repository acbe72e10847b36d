#!/usr/bin/env bats
# execgate catalog key-init | apt-hook | apt-post | refresh: the package catalogs of a
# Debian system (docs/packages.md), against a dpkg database and apt lists made here.
# The real apt and agent are in tests/distro/apt.bats.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
}

teardown_file() {
	eg_teardown_file
}

# A .deb of package egapt, version $2, with a program and a postinst.
apt_deb() {
	local out=$1 version=$2 root=$BATS_TEST_TMPDIR/root-$2
	mkdir -p "$root/DEBIAN" "$root/usr/bin"
	cp "$BATS_FILE_TMPDIR/hello" "$root/usr/bin/egapt"
	printf 'egapt %s\n' "$version" >>"$root/usr/bin/egapt"
	printf '#!/bin/sh\n/usr/bin/egapt\n' >"$root/DEBIAN/postinst"
	chmod 0755 "$root/DEBIAN/postinst"
	deb_build "$root" egapt "$version" "$out"
}

# apt lists whose signed index (a flat repository) lists DEB.
apt_lists() {
	local deb=$1 lists=$2
	mkdir -p "$lists"
	printf 'Package: egapt\nSHA256: %s\n' "$(sha256sum "$deb" | cut -d' ' -f1)" \
		>"$lists/_srv_repo_._Packages"
	printf 'Origin: eg-test\nSuite: eg-suite\n' >"$lists/_srv_repo_._InRelease"
}

# dpkg's status with egapt VERSION in STATE ("installed", "config-files").
dpkg_status() {
	mkdir -p "$BATS_TEST_TMPDIR/admin"
	printf 'Package: egapt\nStatus: install ok %s\nArchitecture: amd64\nVersion: %s\n' \
		"$2" "$1" >"$BATS_TEST_TMPDIR/admin/status"
}

# apt's version 3 hook input for the .debs given.
hook_input() {
	printf 'VERSION 3\nAPT::Architecture=amd64\nDPkg::Pre-Install-Pkgs::=/usr/bin/execgate catalog apt-hook\n\n'
	for deb in "$@"; do
		printf 'egapt - - none < 1.0 amd64 none %s\n' "$deb"
	done
	printf 'gone 1 amd64 none > - - none **REMOVE**\n'
}

# execgate catalog SUB with this test's key, directory, lists and dpkg database.
cat_apt() {
	local sub=$1
	shift
	eg catalog "$sub" --key "$BATS_TEST_TMPDIR/key.pem" --cert "$BATS_TEST_TMPDIR/cert.pem" \
		--dir "$BATS_TEST_TMPDIR/cats" --apt-lists "$BATS_TEST_TMPDIR/lists" \
		--dpkg-admindir "$BATS_TEST_TMPDIR/admin" --socket "$BATS_TEST_TMPDIR/no.sock" "$@"
}

# The provenance of every entry of every catalog of the directory, one a line.
provenances() {
	local c
	for c in "$BATS_TEST_TMPDIR"/cats/*.cat; do
		eg catalog list --json "$c" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    print(e["name"], e.get("provenance", ""))'
	done
}

@test "key-init: a root-only key and a certificate with the catalog-signing EKU, made once" {
	local t=$BATS_TEST_TMPDIR
	run -0 eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	assert_equal "$(stat -c %a "$t/key.pem")" 600
	run -0 openssl x509 -in "$t/cert.pem" -noout -ext extendedKeyUsage,basicConstraints
	assert_output --partial 1.3.6.1.4.1.57264.1.2
	assert_output --partial CA:FALSE
	run -0 openssl x509 -in "$t/cert.pem" -noout -subject
	assert_output --partial "execgate local catalog signer"
	# A second run keeps the key.
	cp "$t/key.pem" "$t/key.before"
	run -0 eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	cmp "$t/key.pem" "$t/key.before"
}

@test "apt-hook: the listed .deb is cataloged with its archive, its postinst too; the unlisted one is left out" {
	local t=$BATS_TEST_TMPDIR
	eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	apt_deb "$t/egapt_1.0_amd64.deb" 1.0
	apt_deb "$t/egapt_9.0_amd64.deb" 9.0
	apt_lists "$t/egapt_1.0_amd64.deb" "$t/lists"
	run -0 --separate-stderr cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb" "$t/egapt_9.0_amd64.deb")
	[[ $stderr == *"egapt_9.0_amd64.deb: egapt 9.0 left out: no signed apt index lists this .deb"* ]]
	[[ $stderr == *"execgated is not running: it reads $t/cats when it starts"* ]]
	run -0 provenances
	assert_line "/usr/bin/egapt egapt 1.0 amd64, eg-test eg-suite"
	assert_line "/var/lib/dpkg/info/egapt.postinst egapt 1.0 amd64, eg-test eg-suite"
	refute_output --partial "9.0"
	# The catalog verifies under its certificate, and lists the program's digest.
	mkdir -p "$t/x"
	dpkg-deb -x "$t/egapt_1.0_amd64.deb" "$t/x"
	run -0 egv --trust "$t/cert.pem" --catalog "$(echo "$t"/cats/20-apt-*.cat)" "$t/x/usr/bin/egapt"
}

@test "apt-hook: input that is not protocol version 3 is refused; no .deb, no catalog" {
	local t=$BATS_TEST_TMPDIR
	run -2 --separate-stderr cat_apt apt-hook <<<"VERSION 2"
	[[ $stderr == *"not apt's hook protocol version 3"* ]]
	run -0 cat_apt apt-hook < <(hook_input)
	[[ ! -e $t/cats ]]
}

@test "apt-post: an upgraded or removed version loses its entries; the runs merge into 10-apt.cat" {
	local t=$BATS_TEST_TMPDIR
	eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	apt_deb "$t/egapt_1.0_amd64.deb" 1.0
	apt_lists "$t/egapt_1.0_amd64.deb" "$t/lists"
	cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb") 2>/dev/null
	dpkg_status 1.0 installed
	# Nothing to drop: the run's catalog stays as the hook wrote it (a merge would make
	# the agent decide every file afresh for no change of what is trusted).
	run -0 cat_apt apt-post --no-reload
	run -0 ls "$t/cats"
	assert_output --regexp '^20-apt-[0-9]+-[0-9]+\.cat$'
	run -0 provenances
	assert_line "/usr/bin/egapt egapt 1.0 amd64, eg-test eg-suite"
	# Upgraded: 1.0's entries go, and the runs merge into 10-apt.cat.
	dpkg_status 2.0 installed
	run -0 cat_apt apt-post --no-reload
	run -0 ls "$t/cats"
	assert_output 10-apt.cat
	run -0 provenances
	assert_output ""
	# Removed (its configuration kept): the entries of a new run go too.
	cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb") 2>/dev/null
	dpkg_status 1.0 config-files
	run -0 cat_apt apt-post --no-reload
	run -0 provenances
	assert_output ""
}

@test "apt-post: 32 apt runs' catalogs are merged into 10-apt.cat, nothing lost" {
	local t=$BATS_TEST_TMPDIR i
	eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	apt_deb "$t/egapt_1.0_amd64.deb" 1.0
	apt_lists "$t/egapt_1.0_amd64.deb" "$t/lists"
	dpkg_status 1.0 installed
	for i in $(seq 31); do
		cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb") 2>/dev/null
	done
	run -0 cat_apt apt-post --no-reload
	[[ $(find "$t/cats" -name '20-apt-*.cat' | wc -l) == 31 ]]
	cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb") 2>/dev/null
	run -0 cat_apt apt-post --no-reload
	run -0 ls "$t/cats"
	assert_output 10-apt.cat
	run -0 provenances
	assert_line "/usr/bin/egapt egapt 1.0 amd64, eg-test eg-suite"
}

@test "apt-post: a catalog of the directory that is not a catalog is an error, named" {
	local t=$BATS_TEST_TMPDIR
	dpkg_status 1.0 installed
	mkdir -p "$t/cats"
	printf 'junk' >"$t/cats/10-apt.cat"
	run -2 --separate-stderr cat_apt apt-post --no-reload
	[[ $stderr == *"$t/cats/10-apt.cat"* ]]
}

@test "apt-hook: apt's lists kept compressed (Acquire::GzipIndexes) name the archive too" {
	local t=$BATS_TEST_TMPDIR
	eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	apt_deb "$t/egapt_1.0_amd64.deb" 1.0
	apt_lists "$t/egapt_1.0_amd64.deb" "$t/lists"
	gzip "$t/lists/_srv_repo_._Packages"
	run -0 --separate-stderr cat_apt apt-hook < <(hook_input "$t/egapt_1.0_amd64.deb")
	run -0 provenances
	assert_line "/usr/bin/egapt egapt 1.0 amd64, eg-test eg-suite"
}

@test "refresh: a package dpkg is installing in this run (only in its updates journal) is cataloged" {
	local t=$BATS_TEST_TMPDIR
	eg catalog key-init --key "$t/key.pem" --cert "$t/cert.pem"
	mkdir -p "$t/admin/info" "$t/admin/updates" "$t/root"
	cp "$BATS_FILE_TMPDIR/hello" "$t/root/prog"
	printf '%s\n' "$t/root/prog" >"$t/admin/info/egapt.list"
	(cd / && md5sum "${t#/}/root/prog") >"$t/admin/info/egapt.md5sums"
	printf '#!/bin/sh\n' >"$t/admin/info/egapt.postinst"
	: >"$t/admin/status"
	# What dpkg writes while it configures a package (execgate's own postinst runs so).
	printf 'Package: egapt\nStatus: install ok half-configured\nArchitecture: amd64\nVersion: 1.0\nMaintainer: t <t@example.invalid>\nDescription: t\n' \
		>"$t/admin/updates/0000"
	run -0 cat_apt refresh
	run -0 provenances
	assert_line "$t/root/prog egapt 1.0 amd64, installed before execgate, checked against dpkg's md5sums"
	assert_line "$t/admin/info/egapt.postinst egapt 1.0 amd64, installed before execgate, checked against dpkg's md5sums"
}
