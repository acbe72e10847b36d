#!/usr/bin/env bash
# Host side of the VM suite: the guest has no openssl, so everything signed is made here
# and packed into the initramfs.
#
#   tests/vm/fixtures.sh ROOT PKI
#
# ROOT is the initramfs staging directory (its binaries and libraries are in place);
# PKI is a directory made by tests/fixtures/mkpki.sh.  Writes:
#   ROOT/opt/execgate/pki/        root.crt tsa-root.crt crl/ (fresh CRLs)
#   ROOT/opt/execgate/fixtures/   programs to run, and:
#     system.cat    a catalog of every ELF file of the guest's own system (its
#                   "OS image") and of every file of python3's and perl's libraries,
#                   so the guest's tools are trusted without touching them
#     unsigned.cat  a catalog of the unsigned fixture alone
#     vm.policy     the policy the gate tests run under
#     gate-objects  GATE_MAPS=, GATE_PROGS= and GATE_LINKS= (shell): how many maps, LSM
#                   programs and links (under a policy naming no interpreter) the
#                   gate's BPF object holds, counted in its source, for the tests of the
#                   bpf() guard
# Programs (all copies of eg-hello, or eg-hello-static where a name says so):
#     signed            detached signature (signed.sig), leaf-valid
#     signed-static     the same, static
#     embedded          signature in its .execgate.sig section (execgate sign)
#     embedded-reenc    embedded, its signature's DER re-encoded (one non-minimal length)
#     unsigned          no signature
#     tampered          signed's signature, one byte appended
#     untrusted         signed under a root the policy does not trust
#     revoked           leaf revoked for keyCompromise
#     expired           leaf expired, no timestamp
#     big               signed-static with 10 MiB appended (benchmark)
#     linked/           eg-hello-linked and lib/libeg-greet.so, both signed
#     linked-unsigned-lib/  the same, the library unsigned
set -euo pipefail

root=$1 pki=$2
# shellcheck source=tests/lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
fx=$root/opt/execgate/fixtures
mkdir -p "$fx" "$root/opt/execgate/pki/crl"
cp "$pki/root.crt" "$pki/tsa-root.crt" "$root/opt/execgate/pki/"
cp "$pki"/crl/fresh/*.crl "$root/opt/execgate/pki/crl/"

hello=$root/opt/execgate/bin/eg-hello execgate=$root/opt/execgate/bin/execgate
cp "$hello" "$fx/signed" && eg_sign_detached "$pki" leaf-valid "$fx/signed"
cp "$root/opt/execgate/bin/eg-hello-static" "$fx/signed-static" &&
	eg_sign_detached "$pki" leaf-valid "$fx/signed-static"
cp "$hello" "$fx/embedded" && eg_sign_embedded "$pki" "$execgate" "$fx/embedded"
# embedded-reenc: embedded with its CMS's outer length re-encoded (0x82 LL LL as the
# non-minimal 0x83 00 LL LL, one byte of the zero padding after it absorbing the growth):
# the same signature over the same signed bytes, another whole-file digest.
python3 - "$fx/embedded" "$fx/embedded-reenc" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
def section(i):
    return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
names = section(shstrndx)[4]
for i in range(shnum):
    name, _, _, _, off, size = section(i)
    if data[names + name:names + name + 14] == b".execgate.sig\0":
        break
assert data[off:off + 2] == b"\x30\x82" and data[off + size - 1] == 0
der = data[off:off + 4 + int.from_bytes(data[off + 2:off + 4], "big")]
reenc = b"\x30\x83\x00" + der[2:]
data[off:off + size] = reenc + bytes(size - len(reenc))
open(sys.argv[2], "wb").write(data)
PY
chmod +x "$fx/embedded-reenc"
cp "$hello" "$fx/unsigned"
cp "$fx/signed" "$fx/tampered" && cp "$fx/signed.sig" "$fx/tampered.sig" &&
	printf 'x' >>"$fx/tampered"
cp "$hello" "$fx/untrusted" &&
	eg_sign_detached "$pki" untrusted-leaf "$fx/untrusted" "$pki/untrusted-root.crt"
cp "$hello" "$fx/revoked" && eg_sign_detached "$pki" leaf-revoked-kc "$fx/revoked"
cp "$hello" "$fx/expired" && eg_sign_detached "$pki" leaf-expired "$fx/expired"
# An application with its own library, both signed (linked/) or the library not (linked-
# unsigned-lib/): eg-hello-linked finds lib/libeg-greet.so through RUNPATH $ORIGIN/lib.
for app in linked linked-unsigned-lib; do
	mkdir -p "$fx/$app/lib"
	cp "$root/opt/execgate/bin/eg-hello-linked" "$fx/$app/" &&
		eg_sign_detached "$pki" leaf-valid "$fx/$app/eg-hello-linked"
	cp "$root/opt/execgate/bin/libeg-greet.so" "$fx/$app/lib/"
done
eg_sign_detached "$pki" leaf-valid "$fx/linked/lib/libeg-greet.so"
# For the benchmark: a 10 MiB signed program (random bytes after the ELF image, which the
# kernel never maps and the signature covers).
cp "$root/opt/execgate/bin/eg-hello-static" "$fx/big" &&
	head -c $((10 << 20)) /dev/urandom >>"$fx/big" && eg_sign_detached "$pki" leaf-valid "$fx/big"

# The guest's own system, catalogued by digest: every ELF file but the fixtures and the
# program and library they are copies of (a catalog trusts a digest wherever it is found),
# and every file of python3's standard library and perl's modules, which a gated
# interpreter reads as it reads a script.
{
	echo "execgate-catalog v1"
	find "$root" -path "$fx" -prune -o -type f ! -name 'eg-hello*' ! -name 'eg-marker*' \
		! -name 'libeg-*' -print |
	sort |
	while read -r file; do
		case $file in
		"$root"/usr/lib/python3.*/* | "$root"/usr/lib/*/perl-base/*) ;;
		*) [[ $(head -c 4 "$file" | od -An -c | tr -d ' ') == 177ELF ]] || continue ;;
		esac
		echo "sha256:$(sha256sum "$file" | cut -c1-64)  ${file#"$root"}"
	done
} >"$fx/system.txt"
eg_catalog_sign "$pki" catalog "$fx/system.txt" "$fx/system.cat"
rm "$fx/system.txt"

# Scripts (scripts/, tests/lib/pki.sh), their catalog scripts.cat (the catalog.* ones);
# scripts.policy is vm.policy with that catalog and bash (/bin/sh is bash here), python3 and
# perl as the interpreters.
eg_script_fixtures "$pki" "$execgate" "$fx/scripts"
# For the benchmark (signed): a script of 1,000 commands, builtins and programs.
{
	echo '#!/bin/sh'
	for ((i = 0; i < 500; i++)); do echo ': $((n += 1))'; echo '/bin/true'; done
} >"$fx/bench-script.sh"
# And the import of 200 standard library modules (tests/bench/stdlib_imports.py).
cp "$(dirname "$0")/../bench/stdlib_imports.py" "$fx/bench-imports.py"
eg_sign_embedded "$pki" "$execgate" "$fx/bench-script.sh" "$fx/bench-imports.py"
{
	echo "execgate-catalog v1"
	for ext in sh py pl; do
		echo "sha256:$(sha256sum "$fx/scripts/catalog.$ext" | cut -c1-64)  /scripts/catalog.$ext"
	done
} >"$fx/scripts.txt"
eg_catalog_sign "$pki" catalog "$fx/scripts.txt" "$fx/scripts.cat"
rm "$fx/scripts.txt"

# A catalog that lists the unsigned fixture, for the test of a catalog added while the gate
# runs.
{
	echo "execgate-catalog v1"
	echo "sha256:$(sha256sum "$fx/unsigned" | cut -c1-64)  /unsigned"
} >"$fx/unsigned.txt"
eg_catalog_sign "$pki" catalog "$fx/unsigned.txt" "$fx/unsigned.cat"
rm "$fx/unsigned.txt"

src=$(dirname "$0")/../../bpf/execgate.bpf.c
# Links: one a program, but lsm/file_permission's while the policy names no interpreter.
progs=$(grep -c 'SEC("lsm/' "$src")
printf 'GATE_MAPS=%s\nGATE_PROGS=%s\nGATE_LINKS=%s\n' "$(grep -c 'SEC(".maps")' "$src")" \
	"$progs" "$((progs - 1))" >"$fx/gate-objects"

cat >"$fx/vm.policy" <<'POLICY'
# The policy of the VM's gate tests: signed under the test root, or in the system catalog.
mode enforce
trust-anchor "/opt/execgate/pki/root.crt"
tsa-anchor "/opt/execgate/pki/tsa-root.crt"
crl-dir "/opt/execgate/pki/crl"
signature-lookup embedded detached catalog
catalog "/opt/execgate/fixtures/system.cat"
allow outcome valid
default deny
POLICY
sed -e '/^catalog /a catalog "/opt/execgate/fixtures/scripts.cat"' \
	-e '/^allow /i interpreter /bin/bash /usr/bin/python3.* /usr/bin/perl' "$fx/vm.policy" \
	>"$fx/scripts.policy"
