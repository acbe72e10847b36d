# What apt installed runs, nothing else does: debian-system.policy in enforce mode, the
# package catalogs (docs/packages.md) and the APT hook, with a local apt repository made
# and signed here (apt-ftparchive, a gpg key made now; no network).
load helpers

REPO=/srv/eg-repo
WORK=/var/tmp/eg-apt
CATALOGS=/var/lib/execgate/catalogs
# apt sees the local repository only: the image's Debian sources are unreachable.
APT_CONF=/etc/apt/apt.conf.d/99eg-test

# fixture_deb NAME VERSION OUT: a package NAME with a program linking a library of its
# own and a postinst that runs a helper of the package.  Every file carries the package
# and version, so no two versions (nor the test's unsigned program) share a digest.
fixture_deb() {
	local name=$1 version=$2 out=$3 root=$WORK/root-$1-$2
	rm -rf "$root"
	mkdir -p "$root/DEBIAN" "$root/opt/$name/bin/lib"
	cp "$FIXTURES/pkg/eg-hello-linked" "$root/opt/$name/bin/$name"
	cp "$FIXTURES/pkg/libeg-greet.so" "$root/opt/$name/bin/lib/"
	cp "$FIXTURES/pkg/helper" "$root/opt/$name/bin/$name-helper"
	for f in "$root/opt/$name/bin/$name" "$root/opt/$name/bin/lib/libeg-greet.so" \
		"$root/opt/$name/bin/$name-helper"; do
		printf '%s %s\n' "$name" "$version" >>"$f"
	done
	chmod 0755 "$root/opt/$name/bin/$name" "$root/opt/$name/bin/$name-helper"
	cat >"$root/DEBIAN/control" <<-EOF
		Package: $name
		Version: $version
		Architecture: amd64
		Maintainer: execgate tests <tests@invalid>
		Description: execgate test fixture
	EOF
	cat >"$root/DEBIAN/postinst" <<-EOF
		#!/bin/sh
		set -e
		/opt/$name/bin/$name-helper >/var/tmp/$name-postinst.out
	EOF
	chmod 0755 "$root/DEBIAN/postinst"
	dpkg-deb --root-owner-group -Zgzip --build "$root" "$out" >/dev/null
}

# plugin_deb OUT: a package eg-plugin with a plugin host and a plugin in a directory of
# the library trees that it makes.
plugin_deb() {
	local out=$1 root=$WORK/root-eg-plugin
	rm -rf "$root"
	mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/x86_64-linux-gnu/eg-plugin"
	cp "$FIXTURES/pkg/eg-dlopen" "$root/usr/bin/eg-plugin-load"
	cp "$FIXTURES/pkg/libeg-greet.so" "$root/usr/lib/x86_64-linux-gnu/eg-plugin/libeg-plugin.so"
	printf 'eg-plugin 1.0\n' >>"$root/usr/lib/x86_64-linux-gnu/eg-plugin/libeg-plugin.so"
	chmod 0755 "$root/usr/bin/eg-plugin-load"
	cat >"$root/DEBIAN/control" <<-EOF
		Package: eg-plugin
		Version: 1.0
		Architecture: amd64
		Maintainer: execgate tests <tests@invalid>
		Description: execgate test fixture: a plugin host and its plugin
	EOF
	dpkg-deb --root-owner-group -Zgzip --build "$root" "$out" >/dev/null
}

# The repository's indexes from what is in it, signed by the test key.
sign_repo() {
	(
		cd "$REPO" &&
			apt-ftparchive packages . >Packages &&
			apt-ftparchive -o APT::FTPArchive::Release::Origin=eg-test \
				-o APT::FTPArchive::Release::Suite=eg-suite release . >Release &&
			rm -f InRelease &&
			gpg --batch --homedir "$WORK/gnupg" --clearsign -o InRelease Release
	)
}

setup_file() {
	rm -rf "$WORK" "$REPO"
	mkdir -p "$WORK/gnupg" "$REPO"
	chmod 0700 "$WORK/gnupg"
	gpg --batch --homedir "$WORK/gnupg" --pinentry-mode loopback --passphrase '' \
		--quick-gen-key 'execgate test repository' ed25519 sign never
	gpg --batch --homedir "$WORK/gnupg" --export >/etc/apt/trusted.gpg.d/eg-test.gpg
	fixture_deb eg-fixture 1.0 "$REPO/eg-fixture_1.0_amd64.deb"
	plugin_deb "$REPO/eg-plugin_1.0_amd64.deb"
	sign_repo
	echo "deb file:$REPO ./" >"$WORK/sources.list"
	mkdir -p "$WORK/sources.d"
	cat >"$APT_CONF" <<-EOF
		Dir::Etc::SourceList "$WORK/sources.list";
		Dir::Etc::SourceParts "$WORK/sources.d";
	EOF
	apt-get update -q >"$WORK/update.log" 2>&1
	cp "$POLICY" "$WORK/policy.saved"
}

teardown_file() {
	[[ ! -f $WORK/policy.saved ]] || cp "$WORK/policy.saved" "$POLICY"
	systemctl restart execgated.service || true
	apt-get purge -y -q eg-fixture eg-local eg-plugin >/dev/null 2>&1 || true
	rm -f "$APT_CONF" /etc/apt/trusted.gpg.d/eg-test.gpg
	gpgconf --homedir "$WORK/gnupg" --kill gpg-agent 2>/dev/null || true
	rm -rf "$REPO" "$WORK" /var/tmp/eg-fixture-postinst.out /home/eg-user
	userdel eg-user 2>/dev/null || true
}

# catalog_mentions TEXT: how many times the catalogs' entries (with provenance) say TEXT.
catalog_mentions() {
	local c
	for c in "$CATALOGS"/*.cat; do
		execgate catalog list --json "$c"
	done | grep -o "$1" | wc -l
}

# deny_reason PATH: the reason of the deny record of PATH (waits for it).
deny_reason() {
	wait_for has_record "$1" deny >/dev/null
	records -r --arg p "$1" 'select(.file.path == $p and .decision == "deny") | .reason' |
		tail -n1
}

@test "the package made the local catalog key, root's alone, and the first catalog from dpkg" {
	run -0 stat -c '%U %a' /etc/execgate/catalog-key.pem
	assert_output "root 600"
	run -0 grep -c 'BEGIN CERTIFICATE' /etc/execgate/catalog-signer.pem
	[[ -s $CATALOGS/00-dpkg.cat ]]
	run -0 execgate catalog list --json "$CATALOGS/00-dpkg.cat"
	assert_output --partial "installed before execgate, checked against dpkg's md5sums"
	[[ -L /etc/apt/apt.conf.d/50execgate ]]
}

@test "debian-system.policy in enforce: the services restart and work, zero deny records" {
	cp /usr/share/execgate/debian-system.policy "$POLICY"
	run -0 execgate policy check "$POLICY"
	: >"$WORK/mark"
	local start
	start=$(wc -l <"$DECISIONS")
	echo "$start" >"$WORK/decisions-start"
	run -0 systemctl restart execgated.service
	wait_for systemctl is-active --quiet execgated.service
	run -0 status_field .mode
	assert_output enforce
	run -0 systemctl restart systemd-journald.service systemd-udevd.service
	run -0 udevadm trigger --settle
	if [[ -e /dev/tty1 ]]; then
		run -0 systemctl restart getty@tty1.service
		wait_for systemctl is-active --quiet getty@tty1.service
	fi
	run -0 logger -t eg-apt-test "journald works under enforce"
	wait_for sh -c 'journalctl -t eg-apt-test --no-pager | grep -q "journald works"'
	run -0 systemctl is-active multi-user.target systemd-journald.service systemd-udevd.service
	run -0 sh -c "tail -n +$((start + 1)) $DECISIONS | jq -cR 'fromjson? | select(.decision == \"deny\")'"
	assert_output ""
}

@test "apt-get install from a signed repository: program, library and postinst run at once" {
	run -0 apt-get install -y -q eg-fixture
	refute_output --partial "left out"
	run -0 cat /var/tmp/eg-fixture-postinst.out
	assert_output --partial "hello from"
	run -0 /opt/eg-fixture/bin/eg-fixture
	assert_output --partial "eg-fixture"
	# The entries came from the hook, with the archive that lists the .deb.
	run -0 catalog_mentions "eg-fixture 1.0 amd64, eg-test eg-suite"
	refute_output 0
	run -0 execgate explain --policy "$POLICY" /opt/eg-fixture/bin/eg-fixture
	assert_output --partial "eg-fixture 1.0 amd64"
}

@test "a plugin apt just put in a new directory of the library trees loads at its first dlopen" {
	run -0 apt-get install -y -q eg-plugin
	run -0 eg-plugin-load /usr/lib/x86_64-linux-gnu/eg-plugin/libeg-plugin.so
	assert_output "loaded"
	run -0 apt-get purge -y -q eg-plugin
}

@test "an upgrade runs the new program; the old version's digest is no longer trusted" {
	# A copy of 1.0 (the program finds its library beside it), run once before the
	# upgrade: its verdicts are cached in the kernel.
	cp -a /opt/eg-fixture/bin "$WORK/eg-fixture-1.0"
	run -0 "$WORK/eg-fixture-1.0/eg-fixture"
	fixture_deb eg-fixture 2.0 "$REPO/eg-fixture_2.0_amd64.deb"
	sign_repo
	run -0 apt-get update -q
	run -0 apt-get install -y -q eg-fixture
	run -0 dpkg-query -W -f '${Version}' eg-fixture
	assert_output 2.0
	run -0 /opt/eg-fixture/bin/eg-fixture
	run -0 grep -a -c "eg-fixture 2.0" /opt/eg-fixture/bin/eg-fixture
	run -0 catalog_mentions "eg-fixture 1.0"
	assert_output 0
	# The old program, run from a copy that ran before: its digest is in no catalog any
	# more, and its cached verdict went with the catalog change.
	run -126 "$WORK/eg-fixture-1.0/eg-fixture"
	run -0 deny_reason "$WORK/eg-fixture-1.0/eg-fixture"
	assert_output no_signature
}

@test "dpkg -i of a .deb no signed index lists: not trusted, and apt's hook says why" {
	fixture_deb eg-local 1.0 "$WORK/eg-local_1.0_amd64.deb"
	# Through apt, a local file: the hook leaves it out and says so; its postinst is
	# denied, so the package stays unconfigured.
	run apt-get install -y -q "$WORK/eg-local_1.0_amd64.deb"
	assert_output --partial "no signed apt index lists this .deb"
	run ! /opt/eg-local/bin/eg-local
	run -0 deny_reason /opt/eg-local/bin/eg-local
	assert_output no_signature
	apt-get purge -y -q eg-local >/dev/null 2>&1 || dpkg --purge --force-all eg-local
	# dpkg alone: no hook at all.
	run dpkg -i "$WORK/eg-local_1.0_amd64.deb"
	run ! /opt/eg-local/bin/eg-local-helper
	run -0 deny_reason /opt/eg-local/bin/eg-local-helper
	assert_output no_signature
	dpkg --purge --force-all eg-local >/dev/null 2>&1 || true
}

@test "a packaged program modified after install is denied" {
	printf x >>/opt/eg-fixture/bin/eg-fixture-helper
	run ! /opt/eg-fixture/bin/eg-fixture-helper
	run -0 deny_reason /opt/eg-fixture/bin/eg-fixture-helper
	assert_output no_signature
}

@test "an unsigned program in /tmp, /dev/shm and a home directory is denied" {
	useradd -m -d /home/eg-user eg-user
	for dir in /tmp /dev/shm /home/eg-user; do
		local prog
		prog=$(mktemp -p "$dir" eg-unsigned.XXXXXX)
		cp "$FIXTURES/unsigned" "$prog"
		chmod 0755 "$prog"
		run ! "$prog"
		run -0 deny_reason "$prog"
		assert_output no_signature
		rm -f "$prog"
	done
}

@test "a truncated or tampered catalog does not count" {
	local prog off
	prog=$(fresh unsigned)
	execgate catalog create --key /etc/execgate/catalog-key.pem \
		--cert /etc/execgate/catalog-signer.pem -o "$WORK/extra.cat" "$prog"
	# Whole and signed by the local key, it lets the program run.
	cp "$WORK/extra.cat" "$CATALOGS/30-extra.cat"
	run -0 execgate reload
	run -0 "$prog"
	# Truncated: skipped at load, the program is denied.
	head -c -64 "$WORK/extra.cat" >"$CATALOGS/30-extra.cat"
	run -0 execgate reload
	cp "$FIXTURES/unsigned" "$prog.t"
	chmod 0755 "$prog.t"
	run ! "$prog.t"
	run -0 deny_reason "$prog.t"
	assert_output no_signature
	# Tampered: one letter of the signed list changed (the entry's name, so the digest
	# is still listed): the signature no longer holds, and the entry does not count.
	cp "$WORK/extra.cat" "$CATALOGS/30-extra.cat"
	off=$(grep -obUa "eg-unsigned" "$CATALOGS/30-extra.cat" | head -n1 | cut -d: -f1)
	[[ -n $off ]]
	printf X | dd of="$CATALOGS/30-extra.cat" bs=1 seek="$off" conv=notrunc status=none
	run -0 execgate reload
	cp "$FIXTURES/unsigned" "$prog.u"
	chmod 0755 "$prog.u"
	run ! "$prog.u"
	run -0 deny_reason "$prog.u"
	assert_output --regexp '^(bad_signature|denied_by_rule)$'
	rm -f "$CATALOGS/30-extra.cat" "$prog" "$prog.t" "$prog.u"
	run -0 execgate reload
}

@test "a catalog signed with a code-signing certificate does not count" {
	local prog
	prog=$(fresh unsigned)
	cp "$POLICY" "$WORK/policy.before-codesign"
	# The test PKI's root as a second anchor: the code-signing certificate chains to a
	# trusted root, so what refuses the catalog is its extended key usage alone.
	sed -i "/^trust-anchor /a trust-anchor $TEST_DIR/pki/root.crt" "$POLICY"
	cp "$FIXTURES/codesign.cat" "$CATALOGS/30-codesign.cat"
	run -0 execgate reload
	run ! "$prog"
	run -0 deny_reason "$prog"
	assert_output bad_eku
	rm -f "$CATALOGS/30-codesign.cat" "$prog"
	cp "$WORK/policy.before-codesign" "$POLICY"
	run -0 execgate reload
}

@test "removal drops the package's entries" {
	run -0 apt-get remove -y -q eg-fixture
	echo "$output"
	grep -A4 '^Package: execgate$' /var/lib/dpkg/status
	ls -l "$CATALOGS"
	records -c 'select(.decision == "deny") | [.file.path, .reason, .signature.detail, .signature.kind]' | tail -n 5
	run -0 catalog_mentions '"eg-fixture '
	assert_output 0
}

@test "with debian-system.policy, the whole run left no deny record but the tests' own" {
	local start
	start=$(cat "$WORK/decisions-start")
	# Every deny names a file this test made or changed on purpose.
	run -0 sh -c "tail -n +$((start + 1)) $DECISIONS | jq -r -R 'fromjson? | select(.decision == \"deny\") | .file.path' |
		grep -v -e '^/tmp/eg-' -e '^/dev/shm/eg-' -e '^/home/eg-user/' -e '^/var/tmp/eg-' \
			-e '^/opt/eg-local/' -e '^/var/lib/dpkg/info/eg-local\.postinst$' \
			-e '^/opt/eg-fixture/bin/eg-fixture-helper$' | sort -u"
	# On failure: what the unexpected denies were, with their reasons.
	[[ -z $output ]] || records -c 'select(.decision == "deny") |
		[.file.path, .reason, .hook, .signature.kind, .signature.detail]' | tail -n 8
	assert_output ""
}

@test "with the agent stopped the hook still writes the catalog, apt does not fail, the agent takes it at start" {
	# The saved (audit) policy: a stopped agent leaves no pinned gate behind it.
	cp "$WORK/policy.saved" "$POLICY"
	run -0 systemctl restart execgated.service
	run -0 systemctl stop execgated.service
	run -0 apt-get install -y -q eg-fixture
	assert_output --partial "execgated is not running"
	run -0 catalog_mentions "eg-fixture 2.0"
	refute_output 0
	run -0 systemctl start execgated.service
	wait_for systemctl is-active --quiet execgated.service
	run -0 execgate explain --policy /usr/share/execgate/debian-system.policy \
		/opt/eg-fixture/bin/eg-fixture
	assert_output --partial "eg-fixture 2.0 amd64, eg-test eg-suite"
}
