# Shared helpers for the bats suites that sign and verify.  Load with
#   load helpers
# and call eg_setup_file / eg_teardown_file from setup_file / teardown_file.
#
# Real parts only: the PKI comes from tests/fixtures/mkpki.sh, the TSA is `openssl ts
# -reply` behind tests/fixtures/tsa_server.py on 127.0.0.1, the token is SoftHSM2 in a
# temporary directory.  Everything started here is stopped by its pid in
# eg_teardown_file, also when a test failed.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

: "${EG_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${EG_BUILD:=$EG_TOP/build}"
: "${EG_BIN:=$EG_BUILD/bin}"
export EG_TOP EG_BUILD EG_BIN
# The TSA is on loopback; never send its requests through a proxy from the environment.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# requires WHAT...: skip the test (or, in setup_file, the file) with the reason when a
# capability is missing.  WHAT is a command name, or one of:
#   root       running as uid 0
#   faketime   libfaketime works (a faked date is visible to a child)
#   softhsm    SoftHSM2 and OpenSSL's pkcs11 engine (hsm_setup made the token)
requires() {
	local what
	for what in "$@"; do
		case $what in
		root)
			[[ $(id -u) == 0 ]] || skip "needs root"
			;;
		faketime)
			command -v faketime >/dev/null || skip "needs faketime (package faketime)"
			[[ $(faketime '2020-06-01 00:00:00' date -u +%Y) == 2020 ]] ||
				skip "libfaketime does not take effect here"
			;;
		softhsm)
			[[ -n ${HSM_URI:-} ]] ||
				skip "needs SoftHSM2 (softhsm2) and the pkcs11 engine (libengine-pkcs11-openssl)"
			;;
		*)
			command -v "$what" >/dev/null || skip "needs the command '$what'"
			;;
		esac
	done
}

eg() {
	"$EG_BIN/execgate" "$@"
}

# Debian's python3 (python3 is in the dependencies); a python3 found first on PATH may be
# a version manager's shim that costs a tenth of a second per call.
if [[ -x /usr/bin/python3 ]]; then
	EG_PYTHON=/usr/bin/python3
else
	EG_PYTHON=python3
fi

# jget EXPR: evaluate a Python expression over the JSON object in $output (as d); strings
# print bare, anything else as JSON.
jget() {
	"$EG_PYTHON" -c 'import json, sys
d = json.loads(sys.argv[2])
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$output"
}

# eg_pki: generate the test PKI once and set PKI to its directory.  It is cached under
# $EG_BUILD/pki, keyed by mkpki.sh's hash and today's date (CRLs are made fresh for 30
# days, so a cache never outlives its CRLs' freshness); made in a temporary directory
# and renamed, so concurrent bats files never see half a PKI.
eg_pki() {
	local key cache tmp
	key=$(sha256sum "$EG_TOP/tests/fixtures/mkpki.sh" | cut -c1-16)-$(date -u +%Y%m%d)
	cache=$EG_BUILD/pki/$key
	if [[ ! -f $cache/tsa.cnf ]]; then
		mkdir -p "$EG_BUILD/pki"
		tmp=$(mktemp -d "$EG_BUILD/pki/.new.XXXXXX")
		if ! "$EG_TOP/tests/fixtures/mkpki.sh" "$tmp" >"$tmp.log" 2>&1; then
			cat "$tmp.log" >&2
			rm -rf "$tmp" "$tmp.log"
			return 1
		fi
		rm -f "$tmp.log"
		mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	export PKI=$cache
}

# loopback_start VAR NAME WHAT SCRIPT ARG...: start tests/fixtures/SCRIPT ARG... with
# --state-dir $BATS_FILE_TMPDIR/NAME, wait for the port it writes there, and export VAR as
# its URL (http://127.0.0.1:PORT).  WHAT names it in the error when it does not start.
loopback_start() {
	local var=$1 name=$2 what=$3 script=$4 state=$BATS_FILE_TMPDIR/$2 i
	shift 4
	mkdir -p "$state"
	"$EG_PYTHON" "$EG_TOP/tests/fixtures/$script" "$@" --state-dir "$state" \
		>"$state/server.log" 2>&1 3>&- &
	echo $! >"$state/pid"
	for ((i = 0; i < 100; i++)); do
		[[ -s $state/port ]] && break
		kill -0 "$(cat "$state/pid")" 2>/dev/null || break
		sleep 0.05
	done
	if [[ ! -s $state/port ]]; then
		cat "$state/server.log" >&2
		echo "$what did not start" >&2
		return 1
	fi
	export "$var=http://127.0.0.1:$(cat "$state/port")"
}

# loopback_stop NAME: stop what loopback_start NAME started, if it runs.
loopback_stop() {
	local pidfile=$BATS_FILE_TMPDIR/$1/pid
	[[ -f $pidfile ]] || return 0
	kill "$(cat "$pidfile")" 2>/dev/null || true
	wait "$(cat "$pidfile")" 2>/dev/null || true
	rm -f "$pidfile"
}

# tsa_start: start the loopback TSA and export TSA_URL (http://127.0.0.1:PORT).
tsa_start() {
	loopback_start TSA_URL tsa "the test TSA" tsa_server.py --config "$PKI/tsa.cnf"
}

tsa_stop() {
	loopback_stop tsa
}

# hsm_setup: a SoftHSM2 token "eg-test" in the file's temporary directory holding
# leaf-valid's key as object "signer", policy's as "policy" and catalog's as "catalog".
# Exports SOFTHSM2_CONF, HSM_MODULE and HSM_URI, HSM_POLICY_URI, HSM_CATALOG_URI (pkcs11:
# URIs with the PIN in them); the certificates are $PKI/leaf-valid.crt, policy.crt and
# catalog.crt.  HSM_URI stays unset when SoftHSM2 or the engine is missing.
hsm_setup() {
	local dir=$BATS_FILE_TMPDIR/softhsm
	HSM_MODULE=
	local m
	for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
		[[ -f $m ]] && HSM_MODULE=$m && break
	done
	# Without them the token tests skip (requires softhsm); nothing else depends on it.
	[[ -n $HSM_MODULE ]] && command -v softhsm2-util >/dev/null || return 0
	openssl engine pkcs11 -t >/dev/null 2>&1 || return 0
	mkdir -p "$dir/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$dir/tokens" >"$dir/softhsm2.conf"
	export SOFTHSM2_CONF=$dir/softhsm2.conf HSM_MODULE
	softhsm2-util --init-token --free --label eg-test --so-pin 87654321 --pin 1234 \
		>/dev/null
	local obj id=1
	for obj in signer:leaf-valid policy:policy catalog:catalog; do
		openssl pkcs8 -topk8 -nocrypt -in "$PKI/${obj#*:}.key" -out "$dir/key.p8"
		softhsm2-util --import "$dir/key.p8" --token eg-test --label "${obj%%:*}" \
			--id "0$id" --pin 1234 >/dev/null
		rm -f "$dir/key.p8"
		id=$((id + 1))
	done
	export HSM_URI="pkcs11:token=eg-test;object=signer;type=private?pin-value=1234"
	export HSM_POLICY_URI="pkcs11:token=eg-test;object=policy;type=private?pin-value=1234"
	export HSM_CATALOG_URI="pkcs11:token=eg-test;object=catalog;type=private?pin-value=1234"
}

hsm_teardown() {
	rm -rf "$BATS_FILE_TMPDIR/softhsm"
}

# eg_build_elf: compile the small program every test signs, once per file, into
# $BATS_FILE_TMPDIR/hello (prints "hello from execgate" and exits 0).
eg_build_elf() {
	cat >"$BATS_FILE_TMPDIR/hello.c" <<'EOF'
#include <stdio.h>
int main(void)
{
	puts("hello from execgate");
	return 0;
}
EOF
	gcc -O2 -o "$BATS_FILE_TMPDIR/hello" "$BATS_FILE_TMPDIR/hello.c"
}

# A fresh copy of the test program in the test's own directory; prints its path.
elf_copy() {
	local name=${1:-prog}
	cp "$BATS_FILE_TMPDIR/hello" "$BATS_TEST_TMPDIR/$name"
	echo "$BATS_TEST_TMPDIR/$name"
}

# section_field FILE NAME off|size: a section's file offset or size, from readelf.
section_field() {
	local file=$1 name=$2 field=$3
	local hex
	hex=$(readelf -S -W "$file" | awk -v n="$name" -v f="$field" '
		{ sub(/^ *\[ *[0-9]+\] */, "") }
		$1 == n { print (f == "off" ? $4 : $5); exit }')
	[[ -n $hex ]] || return 1
	echo $((16#$hex))
}

# flip_byte FILE OFFSET: invert one byte in place.
flip_byte() {
	local file=$1 off=$2 b
	b=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 0xff)))" |
		dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

# sign_file FILE [execgate sign options...]: sign with leaf-valid unless options say
# otherwise; fails the test when signing fails.
sign_valid() {
	local file=$1
	shift
	eg sign --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.crt" --chain "$PKI/chain.pem" \
		"$@" "$file"
}

# egv ARGS...: execgate verify with the test anchors (code signing root, TSA root).
egv() {
	eg verify --trust "$PKI/root.crt" --tsa-trust "$PKI/tsa-root.crt" "$@"
}

# sig_der FILE OUT: the DER signature embedded in FILE, without its zero padding, and
# signed_content FILE OUT: FILE without the signature payload (what the signature covers),
# both with standard tools, as docs/signature-format.md tells a user to do it.
sig_der() {
	local off size
	off=$(section_field "$1" .execgate.sig off)
	size=$(section_field "$1" .execgate.sig size)
	tail -c +$((off + 1)) "$1" | head -c "$size" >"$2.padded"
	# The DER object's own length, from its header, drops the zero padding.
	local len
	len=$(openssl asn1parse -inform DER -in "$2.padded" 2>/dev/null |
		sed -n '1s/.*hl= *\([0-9]*\) *l= *\([0-9]*\).*/\1 + \2/p')
	len=$((len))
	head -c "$len" "$2.padded" >"$2"
	rm -f "$2.padded"
}
signed_content() {
	local off size
	off=$(section_field "$1" .execgate.sig off)
	size=$(section_field "$1" .execgate.sig size)
	{
		head -c "$off" "$1"
		tail -c +$((off + size + 1)) "$1"
	} >"$2"
}

eg_setup_file() {
	[[ -x $EG_BIN/execgate ]] || {
		echo "no $EG_BIN/execgate: build first" >&2
		return 1
	}
	eg_pki
	eg_build_elf
}

eg_teardown_file() {
	tsa_stop
	hsm_teardown
}

# deb_build ROOT NAME VERSION OUT [COMPRESSION]: the files under ROOT (and its DEBIAN/
# scripts, if any) as OUT, a .deb of package NAME, VERSION, for amd64; its members
# compressed with dpkg-deb -Z COMPRESSION (gzip, xz, zstd, none; default gzip).
deb_build() {
	local root=$1 name=$2 version=$3 out=$4 compression=${5:-gzip}
	mkdir -p "$root/DEBIAN"
	cat >"$root/DEBIAN/control" <<-CTL
		Package: $name
		Version: $version
		Architecture: amd64
		Maintainer: execgate tests <tests@example.invalid>
		Description: execgate test package
	CTL
	dpkg-deb --root-owner-group -Z"$compression" --build "$root" "$out" >/dev/null
}
