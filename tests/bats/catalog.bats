#!/usr/bin/env bats
# execgate catalog create|list, and execgate verify --catalog: files trusted through a
# signed list of their digests, without touching the files.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
	tsa_start
	hsm_setup
}

teardown_file() {
	eg_teardown_file
}

# Three unsigned files: two ELF programs and a script.
make_files() {
	elf_copy a >/dev/null
	cp "$BATS_FILE_TMPDIR/hello" "$BATS_TEST_TMPDIR/b"
	printf 'x' >>"$BATS_TEST_TMPDIR/b"
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/c.sh"
}

create_catalog() {
	local out=$1
	shift
	eg catalog create --key "$PKI/catalog.key" --cert "$PKI/catalog.crt" \
		--chain "$PKI/chain.pem" -o "$out" "$@"
}

@test "catalog --help describes create and list" {
	run -0 eg catalog --help
	assert_output --partial "execgate catalog create --key KEY --cert CERT"
	assert_output --partial "execgate catalog list [--json] CAT"
}

@test "catalog create, then list shows every file's SHA-256 and name" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/b" "$t/c.sh"
	run -0 eg catalog list "$t/os.cat"
	assert_equal "${#lines[@]}" 3
	assert_line "sha256:$(sha256sum "$t/a" | cut -d' ' -f1)  $t/a"
	assert_line "sha256:$(sha256sum "$t/b" | cut -d' ' -f1)  $t/b"
	assert_line "sha256:$(sha256sum "$t/c.sh" | cut -d' ' -f1)  $t/c.sh"
	run -0 eg catalog list --json "$t/os.cat"
	assert_equal "$(jget 'd["count"]')" 3
	assert_equal "$(jget '[e["sha256"] for e in d["entries"] if e["name"] == "'"$t/c.sh"'"]')" \
		"[\"$(sha256sum "$t/c.sh" | cut -d' ' -f1)\"]"
}

@test "the catalog is CMS that openssl cms -verify accepts, its content the digest list" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/c.sh"
	run -0 openssl cms -verify -binary -inform DER -in "$t/os.cat" -CAfile "$PKI/root.crt" \
		-purpose any -out "$t/content"
	assert_equal "$(head -1 "$t/content")" "execgate-catalog v1"
	run -0 grep -c '^sha256:' "$t/content"
	assert_output 2
}

@test "verify --catalog: listed files are valid with kind catalog, others are not" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/os.cat" "$t/a" "$t/c.sh" --tsa-url "$TSA_URL"
	for f in "$t/a" "$t/c.sh"; do
		run -0 egv --json --catalog "$t/os.cat" "$f"
		assert_equal "$(jget 'd["valid"]')" true
		assert_equal "$(jget 'd["kind"]')" catalog
		assert_equal "$(jget 'd["signer"]["subject"]')" "O=execgate test,CN=execgate test catalog"
		assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
	done
	run -1 egv --json --catalog "$t/os.cat" "$t/b"
	assert_equal "$(jget 'd["reason"]')" no_signature
	# A listed file that changed is no longer listed.
	printf 'x' >>"$t/a"
	run -1 egv --json --catalog "$t/os.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" no_signature
}

@test "verify --catalog: several catalogs; a file's own signature comes first" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 create_catalog "$t/one.cat" "$t/a"
	run -0 create_catalog "$t/two.cat" "$t/b"
	run -0 egv --json --catalog "$t/one.cat" --catalog "$t/two.cat" "$t/b"
	assert_equal "$(jget 'd["kind"]')" catalog
	run -0 sign_valid "$t/a"
	run -0 egv --json --catalog "$t/one.cat" "$t/a"
	assert_equal "$(jget 'd["kind"]')" embedded
}

@test "verify --catalog: a catalog by an untrusted signer or with a broken signature" {
	make_files
	local t=$BATS_TEST_TMPDIR
	# The untrusted leaf may not sign catalogs either: openssl makes the catalog.
	printf 'execgate-catalog v1\nsha256:%s  a\n' "$(sha256sum "$t/a" | cut -d' ' -f1)" \
		>"$t/evil.txt"
	openssl cms -sign -nodetach -binary -outform DER -in "$t/evil.txt" -out "$t/evil.cat" \
		-signer "$PKI/untrusted-leaf.crt" -inkey "$PKI/untrusted-leaf.key"
	run -1 egv --json --catalog "$t/evil.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" untrusted_chain
	run -0 create_catalog "$t/os.cat" "$t/a"
	# The last byte of the DER is the last byte of the signature value.
	flip_byte "$t/os.cat" $(($(stat -c %s "$t/os.cat") - 1))
	run -1 egv --json --catalog "$t/os.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" bad_signature
}

@test "a catalog signed with a code-signing certificate is refused, with the reason" {
	make_files
	local t=$BATS_TEST_TMPDIR
	# execgate will not make one ...
	run -2 --separate-stderr eg catalog create --key "$PKI/leaf-valid.key" \
		--cert "$PKI/leaf-valid.crt" --chain "$PKI/chain.pem" -o "$t/code.cat" "$t/a"
	assert_equal "$stderr" "execgate catalog create: $PKI/leaf-valid.crt: the signer's certificate lacks the catalog-signing extended key usage 1.3.6.1.4.1.57264.1.2 (a code-signing certificate cannot sign catalogs); refusing to sign with it"
	[[ ! -e $t/code.cat ]]
	# ... and one made by openssl does not verify.
	printf 'execgate-catalog v1\nsha256:%s  a\n' "$(sha256sum "$t/a" | cut -d' ' -f1)" \
		>"$t/code.txt"
	openssl cms -sign -nodetach -binary -outform DER -in "$t/code.txt" -out "$t/code.cat" \
		-signer "$PKI/leaf-valid.crt" -inkey "$PKI/leaf-valid.key" -certfile "$PKI/inter.crt"
	run -1 egv --json --catalog "$t/code.cat" "$t/a"
	assert_equal "$(jget 'd["reason"]')" bad_eku
	assert_equal "$(jget 'd["kind"]')" catalog
	[[ $(jget 'd["detail"]') == *"a code-signing certificate cannot sign catalogs"* ]]
}

@test "catalog create with a key in a PKCS#11 token (SoftHSM2)" {
	requires softhsm
	make_files
	local t=$BATS_TEST_TMPDIR
	run -0 eg catalog create --key "$HSM_CATALOG_URI" --cert "$PKI/catalog.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL" -o "$t/os.cat" "$t/a"
	run -0 egv --json --catalog "$t/os.cat" "$t/a"
	assert_equal "$(jget 'd["kind"]')" catalog
	assert_equal "$(jget 'd["signer"]["subject"]')" "O=execgate test,CN=execgate test catalog"
	assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
	# The token's code-signing key with its own certificate is refused for a catalog.
	run -2 eg catalog create --key "$HSM_URI" --cert "$PKI/leaf-valid.crt" -o "$t/x.cat" "$t/a"
	assert_output --partial "a code-signing certificate cannot sign catalogs"
	refute_output --partial "pin-value"
}

@test "catalog: usage and operational errors exit 2 naming the file" {
	make_files
	local t=$BATS_TEST_TMPDIR
	run -2 --separate-stderr create_catalog "$t/os.cat"
	assert_equal "$stderr" "execgate catalog create: no FILE to list in $t/os.cat"
	run -2 --separate-stderr create_catalog "$t/os.cat" "$t/a" "$t/missing"
	assert_equal "$stderr" "execgate catalog create: $t/missing: No such file or directory"
	[[ ! -e $t/os.cat ]]
	run -2 --separate-stderr eg catalog create --cert "$PKI/leaf-valid.crt" -o "$t/x.cat" "$t/a"
	assert_equal "$stderr" "execgate catalog create: --key, --cert and -o are required"
	run -2 eg catalog create --key "$PKI/leaf-wrong-eku.key" --cert "$PKI/leaf-wrong-eku.crt" \
		-o "$t/x.cat" "$t/a"
	assert_output --partial "lacks the catalog-signing extended key usage"
	run -2 eg catalog list "$t/a"
	assert_output --partial "$t/a"
	run -2 egv --catalog "$t/c.sh" "$t/a"
	assert_output --partial "execgate verify: $t/c.sh: not a catalog"
	run -2 eg catalog frob
	assert_output --partial "unknown subcommand 'frob'"
	run -2 eg catalog
}

# --- catalogs from directories, lists and packages ---------------------------------

# A tiny .deb built here: a program and a library, version $2 (default 1.0).
make_deb() {
	local out=$1 version=${2:-1.0}
	local root=$BATS_TEST_TMPDIR/debroot-$version
	mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/egtest"
	cp "$BATS_FILE_TMPDIR/hello" "$root/usr/bin/eg-hello"
	printf 'lib %s\n' "$version" >"$root/usr/lib/egtest/libeg.so.1"
	ln -s libeg.so.1 "$root/usr/lib/egtest/libeg.so"
	deb_build "$root" egtest "$version" "$out"
}

# An apt lists directory whose Packages list names DEB, under a Release by ORIGIN/SUITE.
make_apt_lists() {
	local deb=$1 lists=$2
	mkdir -p "$lists"
	cat >"$lists/example.invalid_debian_dists_bookworm_main_binary-amd64_Packages" <<-PKG
		Package: other
		Version: 2
		SHA256: $(printf '0%.0s' {1..64})

		Package: egtest
		Version: 1.0
		Architecture: amd64
		Filename: pool/main/e/egtest/egtest_1.0_amd64.deb
		SHA256: $(sha256sum "$deb" | cut -d' ' -f1)
	PKG
	cat >"$lists/example.invalid_debian_dists_bookworm_InRelease" <<-REL
		-----BEGIN PGP SIGNED MESSAGE-----
		Hash: SHA512

		Origin: Debian
		Label: Debian
		Suite: stable
		Codename: bookworm
		Components: main
		-----BEGIN PGP SIGNATURE-----

		iQIzBAEBCgAdFiEE
		-----END PGP SIGNATURE-----
	REL
}

@test "catalog create -r: every regular file of a tree, links neither followed nor listed" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/tree/sub" "$t/outside"
	cp "$BATS_FILE_TMPDIR/hello" "$t/tree/prog"
	printf 'x\n' >"$t/tree/sub/data"
	printf 'secret\n' >"$t/outside/other"
	ln -s ../outside/other "$t/tree/link"
	ln -s ../outside "$t/tree/dirlink"
	mkfifo "$t/tree/fifo"
	run -0 create_catalog "$t/tree.cat" -r "$t/tree"
	run -0 eg catalog list "$t/tree.cat"
	assert_equal "${#lines[@]}" 2
	assert_line "sha256:$(sha256sum "$t/tree/prog" | cut -d' ' -f1)  $t/tree/prog"
	assert_line "sha256:$(sha256sum "$t/tree/sub/data" | cut -d' ' -f1)  $t/tree/sub/data"
	# A plain catalog stays format v1, readable by older releases.
	openssl cms -verify -binary -inform DER -in "$t/tree.cat" -noverify -out "$t/content" 2>/dev/null
	assert_equal "$(head -1 "$t/content")" "execgate-catalog v1"
	run -2 --separate-stderr create_catalog "$t/x.cat" -r "$t/tree/prog"
	assert_equal "$stderr" "execgate catalog create: $t/tree/prog: not a directory"
	[[ ! -e $t/x.cat ]]
}

@test "catalog create -r: a file name with a line break is refused, naming it" {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/tree"
	printf 'x' >"$t/tree/bad
name"
	run -2 --separate-stderr create_catalog "$t/x.cat" -r "$t/tree"
	assert_output ""
	[[ $stderr == *"a file name with a line break cannot be listed"* ]]
	[[ ! -e $t/x.cat ]]
}

@test "catalog create --files-from: a list, standard input, NUL-separated with -0" {
	make_files
	local t=$BATS_TEST_TMPDIR
	printf '%s\n' "$t/a" "$t/c.sh" >"$t/list"
	run -0 create_catalog "$t/l.cat" --files-from "$t/list"
	run -0 eg catalog list "$t/l.cat"
	assert_equal "${#lines[@]}" 2
	printf '%s\0' "$t/b" "$t/c.sh" | create_catalog "$t/n.cat" --files-from - -0
	run -0 eg catalog list "$t/n.cat"
	assert_line "sha256:$(sha256sum "$t/b" | cut -d' ' -f1)  $t/b"
	assert_equal "${#lines[@]}" 2
	# A NUL without -0, a missing list, a missing file in it, -0 alone.
	run -2 --separate-stderr create_catalog "$t/x.cat" --files-from "$t/n.cat"
	[[ $stderr == *"holds a NUL byte (use -0"* ]]
	run -2 --separate-stderr create_catalog "$t/x.cat" --files-from "$t/nolist"
	assert_equal "$stderr" "execgate catalog create: $t/nolist: No such file or directory"
	printf '%s\n' "$t/a" "$t/gone" >"$t/list2"
	run -2 --separate-stderr create_catalog "$t/x.cat" --files-from "$t/list2"
	assert_equal "$stderr" "execgate catalog create: $t/gone: No such file or directory"
	printf '%s\0' "$t/a" "$t/new
line" | { run -2 --separate-stderr create_catalog "$t/x.cat" --files-from - -0
		[[ $stderr == *"a file name with a line break cannot be listed"* ]]; }
	run -2 --separate-stderr create_catalog "$t/x.cat" -0 "$t/a"
	assert_equal "$stderr" "execgate catalog create: -0 goes with --files-from"
	[[ ! -e $t/x.cat ]]
}

@test "catalog create --from-deb: files hashed from the archive, provenance from apt's lists" {
	requires dpkg-deb
	local t=$BATS_TEST_TMPDIR
	make_deb "$t/egtest_1.0_amd64.deb"
	make_apt_lists "$t/egtest_1.0_amd64.deb" "$t/lists"
	run -0 create_catalog "$t/deb.cat" --from-deb --apt-lists "$t/lists" \
		"$t/egtest_1.0_amd64.deb"
	run -0 eg catalog list --json "$t/deb.cat"
	assert_equal "$(jget 'd["count"]')" 2
	assert_equal "$(jget 'sorted(e["name"] for e in d["entries"])')" \
		'["/usr/bin/eg-hello", "/usr/lib/egtest/libeg.so.1"]'
	assert_equal "$(jget 'd["entries"][0]["provenance"]')" \
		"egtest 1.0 amd64, Debian bookworm/main"
	assert_equal "$(jget '[e["sha256"] for e in d["entries"] if e["name"] == "/usr/bin/eg-hello"][0]')" \
		"$(sha256sum "$BATS_FILE_TMPDIR/hello" | cut -d' ' -f1)"
	openssl cms -verify -binary -inform DER -in "$t/deb.cat" -noverify -out "$t/content" 2>/dev/null
	assert_equal "$(head -2 "$t/content")" "execgate-catalog v2
source 1 deb egtest 1.0 amd64 Debian bookworm main"
	# verify --json and explain show where the file came from.
	cp "$BATS_FILE_TMPDIR/hello" "$t/eg-hello"
	run -0 egv --json --catalog "$t/deb.cat" "$t/eg-hello"
	assert_equal "$(jget 'd["kind"]')" catalog
	assert_equal "$(jget 'd["provenance"]')" "egtest 1.0 amd64, Debian bookworm/main"
}

@test "catalog create --from-deb: a .deb that no apt list names says so" {
	requires dpkg-deb
	local t=$BATS_TEST_TMPDIR
	make_deb "$t/egtest_1.0_amd64.deb"
	make_deb "$t/egtest_1.1_amd64.deb" 1.1
	make_apt_lists "$t/egtest_1.0_amd64.deb" "$t/lists"
	run -0 create_catalog "$t/deb.cat" --from-deb --apt-lists "$t/lists" \
		"$t/egtest_1.1_amd64.deb"
	run -0 eg catalog list --json "$t/deb.cat"
	assert_equal "$(jget 'd["entries"][0]["provenance"]')" \
		"egtest 1.1 amd64, from a .deb that no signed apt index lists"
	run -0 create_catalog "$t/none.cat" --from-deb --apt-lists "$t/no-such-dir" \
		"$t/egtest_1.0_amd64.deb"
	run -0 eg catalog list --json "$t/none.cat"
	assert_equal "$(jget 'd["entries"][0]["provenance"]')" \
		"egtest 1.0 amd64, from a .deb that no signed apt index lists"
	# Many .debs in one run (apt's lists are read once for all): each keeps its own
	# provenance, in the order named, the listed one named twice included.
	run -0 create_catalog "$t/many.cat" --from-deb --apt-lists "$t/lists" \
		"$t/egtest_1.1_amd64.deb" "$t/egtest_1.0_amd64.deb" "$t/egtest_1.0_amd64.deb"
	run -0 eg catalog list --json "$t/many.cat"
	assert_equal "$(jget '[e["provenance"] for e in d["entries"] if e["name"] == "/usr/bin/eg-hello"]')" \
		'["egtest 1.1 amd64, from a .deb that no signed apt index lists", "egtest 1.0 amd64, Debian bookworm/main", "egtest 1.0 amd64, Debian bookworm/main"]'
}

@test "catalog create --from-deb: a truncated .deb, a file that is no ar archive, a missing one" {
	requires dpkg-deb
	local t=$BATS_TEST_TMPDIR
	make_deb "$t/egtest_1.0_amd64.deb"
	head -c $(($(stat -c %s "$t/egtest_1.0_amd64.deb") - 100)) "$t/egtest_1.0_amd64.deb" \
		>"$t/trunc.deb"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb "$t/trunc.deb"
	[[ $stderr == *"execgate catalog create: $t/trunc.deb: "* ]]
	printf 'not an archive\n' >"$t/text.deb"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb "$t/text.deb"
	[[ $stderr == *"execgate catalog create: $t/text.deb: not a readable .deb"* ]]
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb "$t/missing.deb"
	assert_equal "$stderr" "execgate catalog create: $t/missing.deb: No such file or directory"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb
	assert_equal "$stderr" "execgate catalog create: no DEB to list in $t/x.cat"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb --from-dpkg "$t/trunc.deb"
	[[ $stderr == *"do not mix"* ]]
	[[ ! -e $t/x.cat ]]
}

# A .deb of egtest 1.0 with a program, a hard link to it, a library with a symbolic link
# to it and a postinst, its members compressed with $2 (dpkg-deb -Z).
make_rich_deb() {
	local out=$1 compression=$2 root=$BATS_TEST_TMPDIR/richroot
	if [[ ! -d $root ]]; then
		mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/egtest"
		cp "$BATS_FILE_TMPDIR/hello" "$root/usr/bin/eg-hello"
		ln "$root/usr/bin/eg-hello" "$root/usr/bin/eg-hello2"
		printf 'lib\n' >"$root/usr/lib/egtest/libeg.so.1"
		ln -s libeg.so.1 "$root/usr/lib/egtest/libeg.so"
		printf '#!/bin/sh\nexit 0\n' >"$root/DEBIAN/postinst"
		chmod 755 "$root/DEBIAN/postinst"
	fi
	deb_build "$root" egtest 1.0 "$out" "$compression"
}

# deb_entries DEB [--json]: the entries of a catalog made from DEB alone (no apt list).
deb_entries() {
	create_catalog "$BATS_TEST_TMPDIR/entries.cat" --from-deb \
		--apt-lists "$BATS_TEST_TMPDIR/no-lists" "$1" &&
		eg catalog list ${2:-} "$BATS_TEST_TMPDIR/entries.cat"
}

@test "catalog create --from-deb: data compressed with xz, gzip, zstd, bzip2, lzma or not at all, the same entries" {
	requires dpkg-deb ar
	local t=$BATS_TEST_TMPDIR z want
	for z in xz gzip zstd none; do
		make_rich_deb "$t/egtest-$z.deb" "$z"
	done
	# dpkg reads bzip2 and lzma in data.tar, which dpkg-deb -Z no longer writes.
	mkdir "$t/m" && (cd "$t/m" && ar x "$t/egtest-none.deb")
	"$EG_PYTHON" -c 'import bz2, lzma, sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[1] + ".bz2", "wb").write(bz2.compress(d))
open(sys.argv[1] + ".lzma", "wb").write(lzma.compress(d, format=lzma.FORMAT_ALONE))' "$t/m/data.tar"
	for z in bz2 lzma; do
		(cd "$t/m" && ar rc "$t/egtest-$z.deb" debian-binary control.tar "data.tar.$z")
	done
	run -0 ar t "$t/egtest-zstd.deb"
	assert_output $'debian-binary\ncontrol.tar.zst\ndata.tar.zst'
	# The hard link is its target's data, listed once; the symbolic link is no file.
	run -0 deb_entries "$t/egtest-xz.deb"
	assert_equal "$output" "sha256:$(sha256sum "$BATS_FILE_TMPDIR/hello" | cut -d' ' -f1)  /usr/bin/eg-hello
sha256:$(printf 'lib\n' | sha256sum | cut -d' ' -f1)  /usr/lib/egtest/libeg.so.1
sha256:$(printf '#!/bin/sh\nexit 0\n' | sha256sum | cut -d' ' -f1)  /var/lib/dpkg/info/egtest.postinst"
	run -0 deb_entries "$t/egtest-xz.deb" --json
	want=$output
	for z in gzip zstd none bz2 lzma; do
		run -0 deb_entries "$t/egtest-$z.deb" --json
		assert_equal "$output" "$want"
	done
}

@test "catalog create --from-deb: a member named _* is ignored, as dpkg ignores it" {
	requires dpkg-deb ar
	local t=$BATS_TEST_TMPDIR
	make_rich_deb "$t/egtest.deb" xz
	mkdir "$t/m" && (cd "$t/m" && ar x "$t/egtest.deb" && printf 'x\n' >_extra &&
		ar rc "$t/extra.deb" debian-binary _extra control.tar.xz _extra data.tar.xz _extra)
	run -0 ar t "$t/extra.deb"
	assert_output $'debian-binary\n_extra\ncontrol.tar.xz\n_extra\ndata.tar.xz\n_extra'
	run -0 deb_entries "$t/egtest.deb" --json
	local want=$output
	run -0 deb_entries "$t/extra.deb" --json
	assert_equal "$output" "$want"
}

@test "catalog create --from-deb: the package name and version as dpkg keeps them" {
	requires dpkg-deb
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/root/DEBIAN"
	printf 'Package: EgTest\nVersion: 0:1.0-1\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: x\n' \
		>"$t/root/DEBIAN/control"
	printf '#!/bin/sh\n' >"$t/root/DEBIAN/postinst"
	chmod 755 "$t/root/DEBIAN/postinst"
	dpkg-deb --nocheck --root-owner-group --build "$t/root" "$t/odd.deb" >/dev/null 2>&1
	run -0 dpkg-deb --field "$t/odd.deb" Package Version
	assert_output $'Package: egtest\nVersion: 1.0-1'
	run -0 deb_entries "$t/odd.deb" --json
	assert_equal "$(jget '[e["name"] + ", " + e["provenance"] for e in d["entries"]]')" \
		'["/var/lib/dpkg/info/egtest.postinst, egtest 1.0-1 all, from a .deb that no signed apt index lists"]'
}

@test "catalog create --from-deb: a file laid out otherwise than deb(5) says is refused, saying what is wrong" {
	requires dpkg-deb ar
	local t=$BATS_TEST_TMPDIR m=$BATS_TEST_TMPDIR/m c=$BATS_TEST_TMPDIR/c
	make_rich_deb "$t/egtest.deb" xz
	mkdir "$m" "$c" && (cd "$m" && ar x "$t/egtest.deb")
	tar -xJf "$m/control.tar.xz" -C "$c"
	# odd NAME MEMBER...: the members (files in $m) as $t/NAME.deb, in that order.
	odd() {
		local name=$1
		shift
		(cd "$m" && ar rc "$t/$name.deb" "$@")
	}
	# refused NAME MESSAGE: $t/NAME.deb is refused, the message naming it.
	refused() {
		run -2 --separate-stderr create_catalog "$t/x.cat" --from-deb \
			--apt-lists "$t/no-lists" "$t/$1.deb"
		assert_equal "$stderr" "execgate catalog create: $t/$1.deb: $2"
		[[ ! -e $t/x.cat ]]
	}
	odd first control.tar.xz debian-binary data.tar.xz
	refused first "not a .deb: its first member is 'control.tar.xz', not debian-binary"
	odd data-first debian-binary data.tar.xz control.tar.xz
	refused data-first "not a .deb: data.tar.xz comes before control.tar"
	odd no-data debian-binary control.tar.xz
	refused no-data "not a .deb: no data.tar member"
	odd twice debian-binary control.tar.xz control.tar.xz data.tar.xz
	refused twice "not a .deb: a second control member 'control.tar.xz'"
	printf 'x\n' >"$m/foo"
	odd unknown debian-binary control.tar.xz foo data.tar.xz
	refused unknown "not a .deb: unexpected member 'foo' before data.tar"
	cp "$m/control.tar.xz" "$m/control.tar.bz2"
	odd bz2-control debian-binary control.tar.bz2 data.tar.xz
	refused bz2-control "not a .deb: member 'control.tar.bz2' has a compression dpkg does not accept"
	cp "$m/data.tar.xz" "$m/data.tar.gz"
	odd mislabelled debian-binary control.tar.xz data.tar.gz
	refused mislabelled "data.tar.gz: not compressed as its name says"
	tar -cJf "$m/control.tar.xz" -C "$c" ./postinst
	odd no-control debian-binary control.tar.xz data.tar.xz
	refused no-control "control.tar.xz: no ./control in it"
	sed -i '/^Package:/d' "$c/control"
	tar -cJf "$m/control.tar.xz" -C "$c" ./control ./postinst
	odd no-package debian-binary control.tar.xz data.tar.xz
	refused no-package "control.tar.xz: ./control has no Package field"
	printf 'Package:\n' >>"$c/control"
	tar -cJf "$m/control.tar.xz" -C "$c" ./control ./postinst
	odd empty-package debian-binary control.tar.xz data.tar.xz
	refused empty-package "control.tar.xz: ./control has an empty Package field"
	printf '3.0\n' >"$m/debian-binary"
	odd v3 debian-binary control.tar.xz data.tar.xz
	refused v3 "not a .deb of format 2.x: its debian-binary reads '3.0'"
}

# A dpkg admin directory: package egtest installed, its files under $root, one of them
# changed since (its md5sum disagrees), one with no md5sum; conffiles (their MD5 in the
# status file): one as shipped, one the administrator edited, one dpkg has no MD5 of yet.
make_dpkg_admin() {
	local admin=$1 root=$2
	mkdir -p "$admin/info" "$root/bin" "$root/lib" "$root/etc"
	cp "$BATS_FILE_TMPDIR/hello" "$root/bin/prog"
	printf 'library\n' >"$root/lib/libx.so"
	printf 'changed\n' >"$root/lib/changed"
	printf 'conf\n' >"$root/lib/conffile"
	printf 'shipped\n' >"$root/etc/shipped.conf"
	printf 'edited\n' >"$root/etc/edited.conf"
	ln -sf prog "$root/bin/link"
	cat >"$admin/status" <<-ST
		Package: notinstalled
		Status: deinstall ok config-files
		Version: 1

		Package: egtest
		Status: install ok installed
		Version: 2.0-1
		Architecture: amd64
		Conffiles:
		 $root/etc/shipped.conf $(printf 'shipped\n' | md5sum | cut -d' ' -f1)
		 $root/etc/edited.conf $(printf 'original\n' | md5sum | cut -d' ' -f1)
		 $root/lib/conffile newconffile
		 $root/etc/gone.conf $(printf 'gone\n' | md5sum | cut -d' ' -f1) obsolete
		Description: test
		 more lines
	ST
	printf '%s\n' / "$root" "$root/bin" "$root/bin/prog" "$root/bin/link" "$root/lib" \
		"$root/lib/libx.so" "$root/lib/changed" "$root/lib/conffile" "$root/lib/removed" \
		"$root/etc" "$root/etc/shipped.conf" "$root/etc/edited.conf" \
		>"$admin/info/egtest.list"
	{
		(cd / && md5sum "${root#/}/bin/prog" "${root#/}/lib/libx.so")
		printf '%s  %s\n' "$(printf 'original\n' | md5sum | cut -d' ' -f1)" "${root#/}/lib/changed"
	} >"$admin/info/egtest.md5sums"
}

@test "catalog create --from-dpkg: installed files as on disk, checked against dpkg's md5sums" {
	local t=$BATS_TEST_TMPDIR
	make_dpkg_admin "$t/admin" "$t/root"
	run -1 --separate-stderr create_catalog "$t/dpkg.cat" --from-dpkg --dpkg-admindir "$t/admin"
	[[ $stderr == *"egtest: $t/root/lib/changed: left out: its MD5 disagrees with dpkg's record"* ]]
	[[ $stderr == *"egtest: $t/root/etc/edited.conf: left out: its MD5 disagrees with dpkg's record"* ]]
	[[ $stderr == *"egtest: $t/root/lib/conffile: left out: dpkg keeps no md5sum of it"* ]]
	[[ $stderr == *"$t/dpkg.cat: 3 files listed, 3 left out"* ]]
	run -0 eg catalog list --json "$t/dpkg.cat"
	assert_equal "$(jget 'sorted(e["name"] for e in d["entries"])')" \
		"[\"$t/root/bin/prog\", \"$t/root/etc/shipped.conf\", \"$t/root/lib/libx.so\"]"
	assert_equal "$(jget 'd["entries"][0]["provenance"]')" \
		"egtest 2.0-1 amd64, installed before execgate, checked against dpkg's md5sums"
	run -1 egv --json --catalog "$t/dpkg.cat" "$t/root/lib/changed"
	run -0 egv --json --catalog "$t/dpkg.cat" "$t/root/bin/prog"
	assert_equal "$(jget 'd["provenance"]')" \
		"egtest 2.0-1 amd64, installed before execgate, checked against dpkg's md5sums"
	# By name: the same.
	run -1 create_catalog "$t/one.cat" --from-dpkg --dpkg-admindir "$t/admin" egtest
	run -0 eg catalog list "$t/one.cat"
	assert_equal "${#lines[@]}" 3
}

@test "catalog create --from-dpkg: a package not installed, a missing list, a bad md5sums" {
	local t=$BATS_TEST_TMPDIR
	make_dpkg_admin "$t/admin" "$t/root"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-dpkg --dpkg-admindir "$t/admin" nosuch
	assert_equal "$stderr" "execgate catalog create: package nosuch is not installed ($t/admin/status)"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-dpkg --dpkg-admindir "$t/admin" \
		notinstalled
	assert_equal "$stderr" \
		"execgate catalog create: package notinstalled is not installed ($t/admin/status)"
	printf 'zz  broken\n' >"$t/admin/info/egtest.md5sums"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-dpkg --dpkg-admindir "$t/admin"
	[[ $stderr == *"$t/admin/info/egtest.md5sums: malformed line"* ]]
	rm "$t/admin/info/egtest.list"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-dpkg --dpkg-admindir "$t/admin"
	assert_equal "$stderr" \
		"execgate catalog create: $t/admin/info/egtest.list: No such file or directory"
	run -2 --separate-stderr create_catalog "$t/x.cat" --from-dpkg --dpkg-admindir "$t/nope"
	assert_equal "$stderr" "execgate catalog create: $t/nope/status: No such file or directory"
	[[ ! -e $t/x.cat ]]
}
