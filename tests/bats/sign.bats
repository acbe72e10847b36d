#!/usr/bin/env bats
# execgate sign: embedded and detached signatures, PEM and PKCS#11 keys (SoftHSM2), RFC
# 3161 timestamps from the loopback TSA, the atomic rewrite, and every refusal.

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

# Nothing but FILE itself may be left in its directory by a signing, whatever happened.
assert_no_temp_files() {
	run ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial ".egsign."
}

sig_sections() {
	readelf -S -W "$1" | grep -c '\.execgate\.sig'
}

@test "sign --help describes every option and the exit status" {
	run -0 eg sign --help
	for opt in --key --cert --chain --tsa-url --digest --detached EXECGATE_PKCS11_PIN; do
		assert_output --partial -- "$opt"
	done
	assert_output --partial "Exit status"
}

@test "sign: usage errors exit 2 with a message" {
	local f
	f=$(elf_copy)
	run -2 --separate-stderr eg sign --cert "$PKI/leaf-valid.crt" "$f"
	assert_equal "$stderr" "execgate sign: --key and --cert are required"
	run -2 --separate-stderr eg sign --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.crt"
	assert_equal "$stderr" "execgate sign: expected exactly one FILE to sign"
	run -2 --separate-stderr sign_valid "$f" --digest md5
	assert_equal "$stderr" "execgate sign: --digest: expected sha256 or sha384, not 'md5'"
	run -2 eg sign --frobnicate "$f"
	assert_output --partial "unrecognized option"
	run -2 --separate-stderr sign_valid "$BATS_TEST_TMPDIR/missing"
	assert_equal "$stderr" "execgate sign: $BATS_TEST_TMPDIR/missing: No such file or directory"
	run -2 eg sign --key "$PKI/missing.key" --cert "$PKI/leaf-valid.crt" "$f"
	assert_output --partial "$PKI/missing.key: cannot open the key"
}

@test "sign embeds one .execgate.sig section that openssl cms -verify accepts" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f"
	assert_equal "$(sig_sections "$f")" 1
	sig_der "$f" "$BATS_TEST_TMPDIR/sig.der"
	signed_content "$f" "$BATS_TEST_TMPDIR/content"
	run -0 openssl cms -verify -binary -inform DER -in "$BATS_TEST_TMPDIR/sig.der" \
		-content "$BATS_TEST_TMPDIR/content" -CAfile "$PKI/root.crt" -purpose any \
		-out /dev/null
	assert_output --partial "Verification successful"
	# The signature is over the file minus its payload: one more byte breaks it.
	printf x >>"$BATS_TEST_TMPDIR/content"
	run -4 openssl cms -verify -binary -inform DER -in "$BATS_TEST_TMPDIR/sig.der" \
		-content "$BATS_TEST_TMPDIR/content" -CAfile "$PKI/root.crt" -purpose any \
		-out /dev/null
	assert_no_temp_files
}

@test "a signed binary still runs" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --tsa-url "$TSA_URL"
	run -0 "$f"
	assert_output "hello from execgate"
	run -0 egv "$f"
}

@test "re-signing replaces the old signature" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f"
	local size1
	size1=$(stat -c %s "$f")
	run -0 eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-lifetime.crt" \
		--chain "$PKI/chain.pem" "$f"
	run -0 eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-lifetime.crt" \
		--chain "$PKI/chain.pem" "$f"
	assert_equal "$(sig_sections "$f")" 1
	run -0 egv "$f"
	assert_output --partial "CN=execgate test leaf-lifetime"
	# The old payload at the end is dropped, not accumulated.
	(($(stat -c %s "$f") < size1 + 4096))
	sig_der "$f" "$BATS_TEST_TMPDIR/sig.der"
	run -0 openssl cms -cmsout -print -inform DER -in "$BATS_TEST_TMPDIR/sig.der"
	assert_output --partial "CN=execgate test leaf-lifetime"
	refute_output --partial "CN=execgate test leaf-valid"
	run -0 "$f"
}

@test "sign keeps mode, owner and file capabilities, and signs the target of a symbolic link" {
	requires root setcap
	local f
	f=$(elf_copy)
	chown 4321:8765 "$f"
	chmod 6751 "$f"
	setcap cap_net_raw+ep "$f"
	ln -s prog "$BATS_TEST_TMPDIR/link"
	run -0 sign_valid "$BATS_TEST_TMPDIR/link"
	assert_equal "$(stat -c '%a %u %g' "$f")" "6751 4321 8765"
	run -0 getcap "$f"
	assert_output "$f cap_net_raw=ep"
	[[ -L $BATS_TEST_TMPDIR/link ]]
	assert_equal "$(sig_sections "$f")" 1
	assert_no_temp_files
}

@test "sign refuses a certificate without the Code Signing EKU and leaves the file alone" {
	local f before cert
	f=$(elf_copy)
	before=$(sha256sum <"$f")
	for cert in wrong-eku no-eku; do
		run -2 --separate-stderr eg sign --key "$PKI/leaf-$cert.key" \
			--cert "$PKI/leaf-$cert.crt" "$f"
		assert_equal "$stderr" "execgate sign: $PKI/leaf-$cert.crt: the certificate has no Code Signing extended key usage (1.3.6.1.5.5.7.3.3); refusing to sign with it"
	done
	# A policy signing certificate is not a code signing one either.
	run -2 eg sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" "$f"
	assert_output --partial "no Code Signing extended key usage"
	assert_equal "$(sha256sum <"$f")" "$before"
	assert_no_temp_files
}

@test "sign refuses an expired or not yet valid certificate and a key that is not the cert's" {
	local f
	f=$(elf_copy)
	run -2 eg sign --key "$PKI/leaf-expired.key" --cert "$PKI/leaf-expired.crt" "$f"
	assert_output "execgate sign: $PKI/leaf-expired.crt: the certificate has expired"
	run -2 eg sign --key "$PKI/leaf-notyet.key" --cert "$PKI/leaf-notyet.crt" "$f"
	assert_output "execgate sign: $PKI/leaf-notyet.crt: the certificate is not valid yet"
	run -2 eg sign --key "$PKI/leaf-lifetime.key" --cert "$PKI/leaf-valid.crt" "$f"
	assert_output --partial "the key does not belong to the certificate $PKI/leaf-valid.crt"
	run -2 eg sign --key "$PKI/leaf-valid.crt" --cert "$PKI/leaf-valid.crt" "$f"
	assert_output --partial "$PKI/leaf-valid.crt: not a PEM private key"
	run -2 eg sign --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.key" "$f"
	assert_output --partial "$PKI/leaf-valid.key: not a PEM certificate"
	run -2 sign_valid "$f" --chain "$PKI/leaf-valid.key"
	assert_output --partial "$PKI/leaf-valid.key: not a file of PEM certificates"
	assert_equal "$(sig_sections "$f")" 0
}

@test "sign: a file neither ELF nor a script needs --detached, and the error says so" {
	printf 'not an ELF file\n' >"$BATS_TEST_TMPDIR/notes.txt"
	run -2 --separate-stderr sign_valid "$BATS_TEST_TMPDIR/notes.txt"
	assert_equal "$stderr" "execgate sign: $BATS_TEST_TMPDIR/notes.txt: neither an ELF file nor a script (no \"#!\" line, no script extension); sign it with --detached $BATS_TEST_TMPDIR/notes.txt.sig"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/notes.txt")" "not an ELF file"
	run -2 sign_valid "$BATS_TEST_TMPDIR"
	assert_output --partial "$BATS_TEST_TMPDIR: not a regular file"
	assert_no_temp_files
}

@test "sign --detached writes DER CMS that openssl cms -verify accepts; the file is untouched" {
	local f before
	printf 'a script\n' >"$BATS_TEST_TMPDIR/script.sh"
	f=$(elf_copy)
	before=$(sha256sum <"$f")
	run -0 sign_valid "$f" --detached "$f.sig"
	run -0 sign_valid "$BATS_TEST_TMPDIR/script.sh" --detached "$BATS_TEST_TMPDIR/script.sh.sig"
	assert_equal "$(sha256sum <"$f")" "$before"
	for x in "$f" "$BATS_TEST_TMPDIR/script.sh"; do
		run -0 openssl cms -verify -binary -inform DER -in "$x.sig" -content "$x" \
			-CAfile "$PKI/root.crt" -purpose any -out /dev/null
	done
	run -0 openssl cms -cmsout -print -inform DER -in "$f.sig"
	assert_output --partial "eContent: <ABSENT>"
	assert_output --partial "sha256"
	assert_no_temp_files
}

@test "sign --digest sha384 signs with SHA-384" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --digest sha384 --tsa-url "$TSA_URL" --detached "$f.sig"
	run -0 openssl cms -cmsout -print -inform DER -in "$f.sig"
	assert_output --partial "sha384"
	run -0 openssl cms -verify -binary -inform DER -in "$f.sig" -content "$f" \
		-CAfile "$PKI/root.crt" -purpose any -out /dev/null
}

@test "sign --tsa-url adds an RFC 3161 token over the signature value" {
	local f
	f=$(elf_copy)
	run -0 sign_valid "$f" --tsa-url "$TSA_URL" --detached "$f.sig"
	run -0 openssl cms -cmsout -print -inform DER -in "$f.sig"
	assert_output --partial "id-smime-aa-timeStampToken"
	# The token is the unsigned attribute; its imprint is SHA-256 of the signature value.
	"$EG_PYTHON" - "$f.sig" "$BATS_TEST_TMPDIR" <<'EOF'
import subprocess, sys
sig, tmp = sys.argv[1], sys.argv[2]
out = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", sig],
                     capture_output=True, text=True, check=True).stdout.splitlines()
# The signature value is the OCTET STRING just before the unsignedAttrs [1] of the signer.
idx = next(i for i, l in enumerate(out) if ":id-smime-aa-timeStampToken" in l)
octet = next(l for l in reversed(out[:idx]) if "prim: OCTET STRING" in l)
tok = out[idx + 2]
off = lambda l: int(l.split(":")[0])
hdr = lambda l: int(l.split("hl=")[1].split()[0])
ln = lambda l: int(l.split(" l=")[1].split()[0])
data = open(sig, "rb").read()
sv = data[off(octet) + hdr(octet):off(octet) + hdr(octet) + ln(octet)]
open(tmp + "/sigvalue", "wb").write(sv)
open(tmp + "/token.der", "wb").write(data[off(tok):off(tok) + hdr(tok) + ln(tok)])
EOF
	run -0 openssl ts -verify -token_in -in "$BATS_TEST_TMPDIR/token.der" \
		-data "$BATS_TEST_TMPDIR/sigvalue" -CAfile "$PKI/tsa-root.crt"
	assert_output --partial "Verification: OK"
}

@test "sign fails cleanly when the TSA fails, and leaves the file alone" {
	local f before
	f=$(elf_copy)
	before=$(sha256sum <"$f")
	run -2 sign_valid "$f" --tsa-url "$TSA_URL/error"
	assert_output --partial "TSA $TSA_URL/error: request failed"
	assert_output --partial "code=500"
	run -2 sign_valid "$f" --tsa-url "$TSA_URL/garbage"
	assert_output --partial "TSA $TSA_URL/garbage: request failed"
	run -2 sign_valid "$f" --tsa-url "$TSA_URL/other-imprint"
	assert_output --partial "TSA $TSA_URL/other-imprint: the reply does not answer our request (message imprint mismatch)"
	run -2 sign_valid "$f" --tsa-url "https://127.0.0.1:1/"
	assert_output --partial "only http:// TSA URLs are supported"
	# Nothing listens on port 1 of loopback: refused at once, not retried.
	run -2 sign_valid "$f" --tsa-url "http://127.0.0.1:1/"
	assert_output --partial "TSA http://127.0.0.1:1/: cannot connect (Connection refused"
	assert_equal "$(sha256sum <"$f")" "$before"
	assert_no_temp_files
}

@test "sign with a key in a PKCS#11 token (SoftHSM2)" {
	requires softhsm
	local f
	f=$(elf_copy)
	run -0 eg sign --key "$HSM_URI" --cert "$PKI/leaf-valid.crt" --chain "$PKI/chain.pem" \
		--tsa-url "$TSA_URL" "$f"
	run -0 egv "$f"
	assert_line "$f: valid (embedded signature)"
	assert_output --regexp "timestamp: +20"
	sig_der "$f" "$BATS_TEST_TMPDIR/sig.der"
	signed_content "$f" "$BATS_TEST_TMPDIR/content"
	run -0 openssl cms -verify -binary -inform DER -in "$BATS_TEST_TMPDIR/sig.der" \
		-content "$BATS_TEST_TMPDIR/content" -CAfile "$PKI/root.crt" -purpose any \
		-out /dev/null
	# The PIN from the environment, the module named in the URI.
	EXECGATE_PKCS11_PIN=1234 run -0 eg sign \
		--key "pkcs11:token=eg-test;object=signer;type=private?module-path=$HSM_MODULE" \
		--cert "$PKI/leaf-valid.crt" --chain "$PKI/chain.pem" --detached "$f.sig" "$f"
	run -0 openssl cms -verify -binary -inform DER -in "$f.sig" -content "$f" \
		-CAfile "$PKI/root.crt" -purpose any -out /dev/null
}

@test "sign with PKCS#11: a wrong PIN or object fails with exit 2 and never prints the PIN" {
	requires softhsm
	local f
	f=$(elf_copy)
	run -2 eg sign --key "pkcs11:token=eg-test;object=signer;type=private?pin-value=97531" \
		--cert "$PKI/leaf-valid.crt" "$f"
	assert_output --partial "pkcs11:token=eg-test;object=signer;type=private: cannot load the private key from the token"
	refute_output --partial 97531
	run -2 eg sign --key "pkcs11:token=eg-test;object=nothere;type=private?pin-value=1234" \
		--cert "$PKI/leaf-valid.crt" "$f"
	assert_output --partial "object=nothere;type=private: cannot load the private key"
	# The token's key is leaf-valid's: another certificate does not match it.
	run -2 eg sign --key "$HSM_URI" --cert "$PKI/leaf-lifetime.crt" "$f"
	assert_output --partial "the key does not belong to the certificate"
	refute_output --partial "pin-value"
	assert_equal "$(sig_sections "$f")" 0
}

@test "policy sign with a key in a PKCS#11 token (SoftHSM2), timestamped" {
	requires softhsm
	local p=$BATS_TEST_TMPDIR/p.policy
	printf 'mode enforce\ntrust-anchor "%s"\ntsa-anchor "%s"\ncrl-dir "%s"\nrequire-signed-policy "%s"\ndefault deny\n' \
		"$PKI/root.crt" "$PKI/tsa-root.crt" "$PKI/crl/fresh" "$PKI/root.crt" >"$p"
	run -0 eg policy sign --key "$HSM_POLICY_URI" --cert "$PKI/policy.crt" \
		--chain "$PKI/chain.pem" --tsa-url "$TSA_URL" "$p"
	assert_output "$p.sig: signed $p"
	run -0 eg policy check "$p"
	assert_output --partial "signature valid"
	# A detached CMS signature like any other: as a program's, it lacks code signing.
	run -1 egv --json --detached "$p.sig" "$p"
	assert_equal "$(jget 'd["reason"]')" bad_eku
	assert_equal "$(jget 'd["timestamp"]["tsa"]')" "O=execgate test,CN=execgate test tsa"
	# The token's code-signing key cannot sign a policy.
	run -2 eg policy sign --key "$HSM_URI" --cert "$PKI/leaf-valid.crt" "$p"
	assert_output --partial "allows code signing"
	refute_output --partial "pin-value"
}
