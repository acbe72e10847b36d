#!/usr/bin/env bats
# execgate verify: every reason code, every valid path, every tamper, interop with the
# openssl command, exit codes and --json, against the PKI, TSA and CRLs made at test time.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
	tsa_start
}

teardown_file() {
	eg_teardown_file
}

# assert_reason CODE ARGS...: verify ARGS with --json; exit 1, not valid, reason CODE.
assert_reason() {
	local code=$1
	shift
	run -1 egv --json "$@"
	assert_equal "$(jget '[d["valid"], d["reason"]]')" "[false, \"$code\"]"
}

# assert_valid ARGS...: verify ARGS with --json; exit 0, valid, no reason.
assert_valid() {
	run -0 egv --json "$@"
	assert_equal "$(jget '[d["valid"], d["reason"]]')" "[true, null]"
}

# ossl_sign CERTNAME FILE OUT [openssl cms args...]: a detached DER signature made by the
# openssl command alone (`openssl cms -sign` detaches unless told -nodetach) (for certificates `execgate sign` rightly refuses to use).
ossl_sign() {
	local name=$1 file=$2 out=$3
	shift 3
	openssl cms -sign -binary -outform DER -in "$file" -out "$out" \
		-signer "$PKI/$name.crt" -inkey "$PKI/$name.key" -certfile "$PKI/chain.pem" "$@"
}

signed_copy() {
	local f
	f=$(elf_copy "${1:-prog}")
	shift || true
	sign_valid "$f" "$@" >/dev/null
	echo "$f"
}

# --- valid paths ------------------------------------------------------------------------

@test "valid: embedded signature, no timestamp; human output names signer, chain, timestamp, revocation" {
	local f
	f=$(signed_copy)
	run -0 egv "$f"
	assert_line "$f: valid (embedded signature)"
	assert_output --regexp "signer: +O=execgate test,CN=execgate test leaf-valid"
	assert_output --regexp "chain: +O=execgate test,CN=execgate test leaf-valid"
	assert_output --regexp $'\n +O=execgate test,CN=execgate test inter\n +O=execgate test,CN=execgate test root\n'
	assert_output --regexp "fingerprint: +sha256:[0-9a-f]{64}"
	assert_output --regexp "timestamp: +none"
	assert_output --regexp "revocation: +unknown"
}

@test "valid: --json has every field, times in RFC 3339 UTC" {
	local f
	f=$(signed_copy prog --tsa-url "$TSA_URL")
	assert_valid --crl-dir "$PKI/crl/fresh" "$f"
	assert_equal "$(jget 'd["kind"]')" embedded
	assert_equal "$(jget 'd["file"]["path"]')" "$f"
	assert_equal "$(jget 'd["file"]["sha256"]')" "$(sha256sum "$f" | cut -d' ' -f1)"
	assert_equal "$(jget 'd["signer"]["subject"]')" "O=execgate test,CN=execgate test leaf-valid"
	assert_equal "$(jget 'd["signer"]["issuer"]')" "O=execgate test,CN=execgate test inter"
	local serial fp
	serial=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -serial | cut -d= -f2)
	assert_equal "$(jget 'd["signer"]["serial"]')" "${serial,,}"
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	fp=${fp//:/}
	assert_equal "$(jget 'd["signer"]["sha256"]')" "${fp,,}"
	assert_equal "$(jget 'd["signer"]["not_before"]')" 2019-06-01T00:00:00Z
	assert_equal "$(jget 'd["signer"]["not_after"]')" 2044-01-01T00:00:00Z
	run -0 egv --json --crl-dir "$PKI/crl/fresh" "$f"
	[[ $(jget 'd["timestamp"]["time"]') =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z$ ]]
	assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
	assert_equal "$(jget 'd["revocation"]["status"]')" good
	[[ $(jget 'd["revocation"]["crl_next_update"]') =~ ^20[0-9]{2}-.*Z$ ]]
}

@test "valid: no timestamp gives timestamp null in --json" {
	local f
	f=$(signed_copy)
	assert_valid "$f"
	assert_equal "$(jget 'd["timestamp"]')" null
	assert_equal "$(jget 'd["revocation"]["status"]')" unknown
	assert_equal "$(jget 'd["revocation"]["crl_next_update"]')" null
}

@test "valid: detached DER found as FILE.sig, given with --detached, and under --sig-dir" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --detached "$f.sig"
	assert_valid "$f"
	assert_equal "$(jget 'd["kind"]')" detached
	mv "$f.sig" "$BATS_TEST_TMPDIR/elsewhere.sig"
	assert_reason no_signature "$f"
	assert_valid --detached "$BATS_TEST_TMPDIR/elsewhere.sig" "$f"
	mkdir -p "$BATS_TEST_TMPDIR/sigs$(dirname "$f")"
	mv "$BATS_TEST_TMPDIR/elsewhere.sig" "$BATS_TEST_TMPDIR/sigs$f.sig"
	assert_valid --sig-dir "$BATS_TEST_TMPDIR/sigs" "$f"
	assert_equal "$(jget 'd["kind"]')" detached
}

@test "valid: detached signatures made by openssl cms -sign, DER and PEM, of an ELF and a script" {
	local f
	f=$(elf_copy)
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/script.sh"
	ossl_sign leaf-valid "$f" "$f.sig"
	assert_valid "$f"
	openssl cms -sign -binary -outform PEM -in "$BATS_TEST_TMPDIR/script.sh" \
		-out "$BATS_TEST_TMPDIR/script.sh.sig" -signer "$PKI/leaf-valid.crt" \
		-inkey "$PKI/leaf-valid.key" -certfile "$PKI/chain.pem"
	assert_valid "$BATS_TEST_TMPDIR/script.sh"
	assert_equal "$(jget 'd["kind"]')" detached
	# The text mode openssl uses without -binary (CRLF) does not verify against the file.
	openssl cms -sign -outform DER -in "$BATS_TEST_TMPDIR/script.sh" \
		-out "$BATS_TEST_TMPDIR/text.sig" -signer "$PKI/leaf-valid.crt" \
		-inkey "$PKI/leaf-valid.key" -certfile "$PKI/chain.pem"
	assert_reason bad_signature --detached "$BATS_TEST_TMPDIR/text.sig" \
		"$BATS_TEST_TMPDIR/script.sh"
}

@test "valid: a timestamp under Microsoft's attribute OID 1.3.6.1.4.1.311.3.3.1" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --tsa-url "$TSA_URL" --detached "$BATS_TEST_TMPDIR/orig.sig"
	# Re-encode the signature with the token's attribute type replaced (a DER walk: the
	# OID is one byte shorter, so every enclosing length changes).
	"$EG_PYTHON" - "$BATS_TEST_TMPDIR/orig.sig" "$f.sig" <<'EOF'
import sys

def parse(b, i):
    tag = b[i]; i += 1
    l = b[i]; i += 1
    if l & 0x80:
        n = l & 0x7f
        l = int.from_bytes(b[i:i + n], "big"); i += n
    return tag, b[i:i + l], i + l

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s

def walk(b, old, new):
    out, i = b"", 0
    while i < len(b):
        tag, val, i = parse(b, i)
        if tag & 0x20:
            val = walk(val, old, new)
        elif tag == 0x06 and val == old:
            val = new
        out += bytes([tag]) + enc_len(len(val)) + val
    return out

TS = bytes.fromhex("2a864886f70d010910020e")
MS = bytes.fromhex("2b0601040182370303 01".replace(" ", ""))
data = open(sys.argv[1], "rb").read()
out = walk(data, TS, MS)
assert out != data
open(sys.argv[2], "wb").write(out)
EOF
	run -0 openssl cms -cmsout -print -inform DER -in "$f.sig"
	assert_output --partial "1.3.6.1.4.1.311.3.3.1"
	refute_output --partial "id-smime-aa-timeStampToken"
	assert_valid "$f"
	assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
}

@test "valid: SHA-384 and an intermediate that only the signature carries" {
	local f
	f=$(signed_copy prog --digest sha384)
	assert_valid "$f"
}

@test "valid: expired certificate, timestamped inside its validity" {
	requires faketime
	local f
	f=$(elf_copy)
	run -0 faketime '2020-06-01 00:00:00' "$EG_BIN/execgate" sign \
		--key "$PKI/leaf-expired.key" --cert "$PKI/leaf-expired.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2020-06-01T00:00:00" "$f"
	assert_valid "$f"
	# faketime starts the TSA's clock there; it may have ticked a second since.
	assert_regex "$(jget 'd["timestamp"]["time"]')" '^2020-06-01T00:00:0[0-9]Z$'
	# The same without a timestamp is expired.
	f=$(elf_copy prog2)
	run -0 faketime '2020-06-01 00:00:00' "$EG_BIN/execgate" sign \
		--key "$PKI/leaf-expired.key" --cert "$PKI/leaf-expired.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_reason expired "$f"
}

@test "Lifetime Signing EKU: a timestamp does not extend the certificate's life" {
	requires faketime
	local f
	f=$(elf_copy)
	run -0 faketime '2020-06-01 00:00:00' "$EG_BIN/execgate" sign \
		--key "$PKI/leaf-lifetime-expired.key" --cert "$PKI/leaf-lifetime-expired.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2020-06-01T00:00:00" "$f"
	assert_reason expired "$f"
	# A current lifetime signing certificate is fine.
	f=$(elf_copy prog2)
	run -0 eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-lifetime.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL" "$f"
	assert_valid "$f"
}

@test "revoked for superseded: valid when timestamped before the revocation, revoked otherwise" {
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$PKI/leaf-revoked-sup.key" --cert "$PKI/leaf-revoked-sup.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2024-01-01T00:00:00" "$f"
	assert_valid --crl-dir "$PKI/crl/fresh" "$f"
	assert_equal "$(jget 'd["revocation"]["status"]')" good
	# Timestamped now, after the revocation:
	f=$(elf_copy prog2)
	run -0 eg sign --key "$PKI/leaf-revoked-sup.key" --cert "$PKI/leaf-revoked-sup.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL" "$f"
	assert_reason revoked --crl-dir "$PKI/crl/fresh" "$f"
	# Without a timestamp:
	f=$(elf_copy prog3)
	run -0 eg sign --key "$PKI/leaf-revoked-sup.key" --cert "$PKI/leaf-revoked-sup.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_reason revoked --crl-dir "$PKI/crl/fresh" "$f"
	assert_equal "$(jget 'd["revocation"]["status"]')" revoked
}

@test "revoked for keyCompromise: invalid even when timestamped before the revocation" {
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$PKI/leaf-revoked-kc.key" --cert "$PKI/leaf-revoked-kc.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL/faketime/2024-01-01T00:00:00" "$f"
	assert_reason revoked --crl-dir "$PKI/crl/fresh" "$f"
	assert_equal "$(jget 'd["revocation"]["status"]')" revoked
	# Without --crl-dir nothing is known about revocation.
	assert_valid "$f"
	assert_equal "$(jget 'd["revocation"]["status"]')" unknown
}

# --- every reason code ------------------------------------------------------------------

@test "reason no_signature: an unsigned ELF file" {
	local f
	f=$(elf_copy)
	assert_reason no_signature "$f"
	assert_equal "$(jget 'd["kind"]')" null
	assert_equal "$(jget 'd["signer"]')" null
	run -1 egv "$f"
	assert_line --partial "$f: invalid: no_signature"
}

@test "reason no_signature for a script or any file that is not ELF, with no signature" {
	printf 'just text\n' >"$BATS_TEST_TMPDIR/notes.txt"
	assert_reason no_signature "$BATS_TEST_TMPDIR/notes.txt"
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/run.sh"
	assert_reason no_signature "$BATS_TEST_TMPDIR/run.sh"
	assert_equal "$(jget 'd["detail"]')" \
		"no signature: not an ELF file, no detached signature, no catalog entry"
}

@test "reason malformed: a section outside the file, a truncated ELF" {
	local f shoff idx
	f=$(signed_copy)
	shoff=$(readelf -h "$f" | awk '/Start of section headers/ { print $5 }')
	idx=$(readelf -S -W "$f" | sed -n 's/^ *\[ *\([0-9]*\)\] \.execgate\.sig .*/\1/p')
	# The high byte of the signature section's sh_offset (offset 24 in an Elf64_Shdr).
	printf '\x7f' | dd of="$f" bs=1 seek=$((shoff + idx * 64 + 31)) conv=notrunc status=none
	assert_reason malformed "$f"
	assert_equal "$(jget 'd["kind"]')" null
	# Cut short: the section header table at the end of the file is incomplete.
	f=$(signed_copy prog2)
	truncate -s -100 "$f"
	assert_reason malformed "$f"
}

@test "reason untrusted_chain: another root, or the wrong anchor" {
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$PKI/untrusted-leaf.key" --cert "$PKI/untrusted-leaf.crt" "$f"
	assert_reason untrusted_chain "$f"
	f=$(signed_copy prog2)
	run -1 eg verify --json --trust "$PKI/untrusted-root.crt" "$f"
	assert_equal "$(jget 'd["reason"]')" untrusted_chain
	# Without the intermediate in the signature, the chain cannot be built either.
	f=$(elf_copy prog3)
	run -0 eg sign --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.crt" "$f"
	assert_reason untrusted_chain "$f"
}

@test "reason bad_eku: serverAuth only, and no EKU extension at all" {
	local f
	f=$(elf_copy)
	ossl_sign leaf-wrong-eku "$f" "$f.sig"
	assert_reason bad_eku "$f"
	ossl_sign leaf-no-eku "$f" "$f.sig"
	assert_reason bad_eku "$f"
	ossl_sign policy "$f" "$f.sig"
	assert_reason bad_eku "$f"
}

@test "reason expired and not_yet_valid" {
	local f
	f=$(elf_copy)
	ossl_sign leaf-expired "$f" "$f.sig"
	assert_reason expired "$f"
	ossl_sign leaf-notyet "$f" "$f.sig"
	assert_reason not_yet_valid "$f"
}

@test "reason revoked: keyCompromise without a timestamp" {
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$PKI/leaf-revoked-kc.key" --cert "$PKI/leaf-revoked-kc.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_reason revoked --crl-dir "$PKI/crl/fresh" "$f"
	run -1 egv --crl-dir "$PKI/crl/fresh" "$f"
	assert_output --regexp "revocation: +revoked"
}

@test "reason crl_stale: CRL past its nextUpdate, or older than --crl-max-age" {
	local f
	f=$(signed_copy)
	assert_reason crl_stale --crl-dir "$PKI/crl/stale" "$f"
	assert_valid --crl-dir "$PKI/crl/fresh" --crl-max-age 30d "$f"
	# Two days later the fresh CRLs are still before their nextUpdate but older than 1d.
	requires faketime
	run -1 faketime -f '+2d' "$EG_BIN/execgate" verify --json --trust "$PKI/root.crt" \
		--crl-dir "$PKI/crl/fresh" --crl-max-age 1d "$f"
	assert_equal "$(jget 'd["reason"]')" crl_stale
	run -0 faketime -f '+2d' "$EG_BIN/execgate" verify --json --trust "$PKI/root.crt" \
		--crl-dir "$PKI/crl/fresh" --crl-max-age 3d "$f"
}

@test "reason crl_missing: no CRL for the intermediate, or a badly signed one" {
	local f
	f=$(signed_copy)
	assert_reason crl_missing --crl-dir "$PKI/crl/no-inter" "$f"
	assert_reason crl_missing --crl-dir "$PKI/crl/badsig" "$f"
	mkdir "$BATS_TEST_TMPDIR/empty"
	assert_reason crl_missing --crl-dir "$BATS_TEST_TMPDIR/empty" "$f"
}

@test "reason weak_algorithm: SHA-1 certificate, RSA-1024 key, SHA-1 signature digest" {
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$PKI/leaf-sha1.key" --cert "$PKI/leaf-sha1.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_reason weak_algorithm "$f"
	f=$(elf_copy prog2)
	run -0 eg sign --key "$PKI/leaf-rsa1024.key" --cert "$PKI/leaf-rsa1024.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_reason weak_algorithm "$f"
	f=$(elf_copy prog3)
	ossl_sign leaf-valid "$f" "$f.sig" -md sha1
	assert_reason weak_algorithm "$f"
}

@test "reason bad_timestamp: a TSA that is not trusted; without TSA anchors no timestamp counts" {
	local f
	f=$(signed_copy prog --tsa-url "$TSA_URL")
	run -1 eg verify --json --trust "$PKI/root.crt" --tsa-trust "$PKI/untrusted-root.crt" "$f"
	assert_equal "$(jget 'd["reason"]')" bad_timestamp
	# No --tsa-trust: the token cannot be checked, so it is as good as absent.
	run -0 eg verify --json --trust "$PKI/root.crt" "$f"
	assert_equal "$(jget 'd["timestamp"]')" null
	run -1 eg verify --json --trust "$PKI/root.crt" --require-timestamp "$f"
	assert_equal "$(jget 'd["reason"]')" timestamp_required
}

@test "reason timestamp_required: --require-timestamp and no token" {
	local f
	f=$(signed_copy)
	assert_reason timestamp_required --require-timestamp "$f"
	f=$(signed_copy prog2 --tsa-url "$TSA_URL")
	assert_valid --require-timestamp "$f"
}

@test "reason deny_list: the file's digest, or the signer's fingerprint" {
	local f fp
	f=$(signed_copy)
	printf '# emergency\nsha256:%s\n' "$(sha256sum "$f" | cut -d' ' -f1)" >"$BATS_TEST_TMPDIR/deny"
	assert_reason deny_list --deny-list "$BATS_TEST_TMPDIR/deny" "$f"
	fp=$(openssl x509 -in "$PKI/leaf-valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	fp=${fp//:/}
	echo "${fp,,}" >"$BATS_TEST_TMPDIR/deny"
	assert_reason deny_list --deny-list "$BATS_TEST_TMPDIR/deny" "$f"
}

# --- tampering --------------------------------------------------------------------------

@test "tamper: a byte in .text" {
	local f
	f=$(signed_copy)
	flip_byte "$f" $(($(section_field "$f" .text off) + 16))
	assert_reason bad_signature "$f"
}

@test "tamper: a byte in the ELF header" {
	local f
	f=$(signed_copy)
	# e_ident's padding (EI_PAD, byte 9): nothing reads it, only the signature covers it.
	flip_byte "$f" 9
	assert_reason bad_signature "$f"
}

@test "tamper: a byte in the section header table" {
	local f shoff idx
	f=$(signed_copy)
	shoff=$(readelf -h "$f" | awk '/Start of section headers/ { print $5 }')
	idx=$(readelf -S -W "$f" | sed -n 's/^ *\[ *\([0-9]*\)\] \.comment .*/\1/p')
	# The high byte of .comment's sh_addralign (offset 48 in an Elf64_Shdr).
	flip_byte "$f" $((shoff + idx * 64 + 55))
	run -1 egv --json "$f"
	assert_regex "$(jget 'd["reason"]')" '^(bad_signature|malformed)$'
}

@test "tamper: a byte in the signature, and bytes appended" {
	local f off
	f=$(signed_copy)
	sig_der "$f" "$BATS_TEST_TMPDIR/sig.der"
	off=$(section_field "$f" .execgate.sig off)
	# The last byte of the DER is the last byte of the signature value.
	flip_byte "$f" $((off + $(stat -c %s "$BATS_TEST_TMPDIR/sig.der") - 1))
	assert_reason bad_signature "$f"
	f=$(signed_copy prog2)
	printf 'appended' >>"$f"
	assert_reason bad_signature "$f"
}

@test "tamper: a detached signature over another file" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --detached "$f.sig"
	printf x >>"$f"
	assert_reason bad_signature "$f"
}

# --- exit codes and usage ---------------------------------------------------------------

@test "exit 2 with a message naming the file on usage and operational errors" {
	local f
	f=$(signed_copy)
	run -2 --separate-stderr egv "$BATS_TEST_TMPDIR/missing"
	assert_equal "$stderr" "execgate verify: $BATS_TEST_TMPDIR/missing: No such file or directory"
	run -2 --separate-stderr eg verify "$f"
	assert_equal "$stderr" "execgate verify: $f: no trust anchor; give --trust PEM"
	run -2 --separate-stderr egv
	assert_equal "$stderr" "execgate verify: expected exactly one FILE to verify"
	run -2 eg verify --trust "$BATS_TEST_TMPDIR/nothere.pem" "$f"
	assert_output --partial "$BATS_TEST_TMPDIR/nothere.pem"
	run -2 eg verify --trust "$PKI/leaf-valid.key" "$f"
	assert_output --partial "$PKI/leaf-valid.key"
	run -2 --separate-stderr egv --crl-dir "$PKI/crl/fresh" --crl-max-age soon "$f"
	assert_equal "$stderr" "execgate verify: --crl-max-age: expected a duration like 3600, 90m, 12h, 7d or 2w, not 'soon'"
	run -2 egv --frobnicate "$f"
	assert_output --partial "unrecognized option"
	run -0 eg verify --help
	assert_output --partial "Exit status: 0 valid, 1 invalid, 2 usage or operational error."
}
