#!/usr/bin/env bats
# execgate policy check|sign: syntax errors name file, line and column; shipped policies
# pass; signed policies are accepted only from a policy-signing certificate.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load helpers
bats_require_minimum_version 1.5.0

# A small PKI of our own: a root, a policy-signing leaf, a code-signing leaf, a leaf with
# both usages, one with no EKU at all, and a policy-signing leaf under another root.
setup_file() {
	local d=$BATS_FILE_TMPDIR/pki
	mkdir -p "$d"
	cd "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
		-out root.crt -days 3650 -subj "/CN=policy test root" \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
		-out other.crt -days 3650 -subj "/CN=another root" \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	leaf policy root "1.3.6.1.4.1.57264.1.1"
	leaf codesign root "codeSigning"
	leaf both root "1.3.6.1.4.1.57264.1.1,codeSigning"
	leaf noeku root ""
	leaf foreign other "1.3.6.1.4.1.57264.1.1"
	# The project's test PKI: a policy-signing leaf under an intermediate, code signing
	# leaves, CRLs.
	bash "$EG_TOP/tests/fixtures/mkpki.sh" "$BATS_FILE_TMPDIR/mkpki" >/dev/null
}

teardown_file() {
	tsa_stop
}

leaf() {
	local name=$1 ca=$2 eku=$3
	{
		echo "basicConstraints=critical,CA:false"
		echo "keyUsage=critical,digitalSignature"
		[[ -z $eku ]] || echo "extendedKeyUsage=$eku"
	} >"$name.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/CN=policy test $name" 2>/dev/null
	openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
		-days 3650 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
}

setup() {
	PKI=$BATS_FILE_TMPDIR/pki
	cd "$BATS_TEST_TMPDIR"
	cat >p.policy <<-EOF
	mode enforce
	trust-anchor "$PKI/root.crt"
	allow uid 0
	default deny
	EOF
}

# check_error TEXT EXPECTED: TEXT as e.policy must fail with exactly EXPECTED on stderr.
check_error() {
	printf '%s' "$1" >e.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check e.policy
	assert_equal "$stderr" "$2"
	assert_output ""
}

@test "every shipped policy passes policy check --syntax-only" {
	local n=0 p
	for p in "$EG_TOP"/policy/*.policy; do
		run -0 "$EG_BIN/execgate" policy check --syntax-only "$p"
		assert_output --regexp "^$p: ok, mode (audit|enforce), [0-9]+ rules"
		n=$((n + 1))
	done
	((n >= 3))
	run -0 "$EG_BIN/execgate" policy check --syntax-only "$EG_TOP/policy/audit.policy" \
		"$EG_TOP/policy/enforce.example.policy" "$EG_TOP/policy/demo.policy"
}

@test "the shipped audit policy enforces nothing and audits what is not valid" {
	run -0 "$EG_BIN/execgate" policy check --syntax-only "$EG_TOP/policy/audit.policy"
	assert_output --partial "mode audit, 1 rules"
	assert_output --partial "default audit"
	grep -qx "allow outcome valid" "$EG_TOP/policy/audit.policy"
}

@test "statement and setting errors give line, column and what was expected" {
	check_error $'mode enforce\n\nalow uid 0\ndefault deny\n' \
		"e.policy:3:1: expected a setting, 'signer', 'allow', 'deny', 'audit' or 'default', found 'alow'"
	check_error $'mode enforce\ndefault alow\n' \
		"e.policy:2:9: expected 'allow', 'deny' or 'audit' after 'default', found 'alow'"
	check_error $'mode permissive\ndefault deny\n' \
		"e.policy:1:6: expected 'audit' or 'enforce' after 'mode', found 'permissive'"
	check_error $'mode enforce\nlog-allows yes\ndefault deny\n' \
		"e.policy:2:12: expected 'off' or 'on' after 'log-allows', found 'yes'"
	check_error $'mode enforce\n  mode audit\ndefault deny\n' \
		"e.policy:2:3: 'mode' is already set at e.policy:1"
	check_error $'mode enforce\ncrl-max-age 7 d\ndefault deny\n' \
		"e.policy:2:13: expected a duration such as 90s, 30m, 12h or 7d (at most 2^32-1 seconds), found '7'"
	check_error $'mode enforce\nscope cgroup /a\nscope machine\ndefault deny\n' \
		"e.policy:3:7: 'scope machine' conflicts with 'scope cgroup' at e.policy:2"
	check_error $'mode enforce\ndefault deny\nallow uid 0\n' \
		"e.policy:3:1: nothing may follow 'default' (at e.policy:2): it is the last statement of the policy"
}

@test "matcher and value errors give line, column and what was expected" {
	check_error $'mode enforce\nallow\tcolour red\ndefault deny\n' \
		"e.policy:2:7: expected a matcher ('signer', 'subject', 'issuer', 'spki', 'cert', 'catalog', 'sha256', 'path', 'hook', 'uid', 'cgroup', 'outcome' or 'signed-after'), found 'colour'"
	check_error $'mode enforce\nallow hook\ndefault deny\n' \
		"e.policy:2:11: expected a value after 'hook', found end of line"
	check_error $'mode enforce\nallow hook exex\ndefault deny\n' \
		"e.policy:2:12: expected 'exec' or 'mmap' after 'hook', found 'exex'"
	check_error $'mode enforce\nallow uid 0 uid 1\ndefault deny\n' \
		"e.policy:2:13: matcher 'uid' given twice in one rule (first at column 7); write two rules for 'or'"
	check_error $'mode enforce\nallow sha256 abc\ndefault deny\n' \
		"e.policy:2:14: expected a SHA-256 (64 hex digits), found 'abc'"
	check_error $'mode enforce\nallow signed-after 2026-13-01\ndefault deny\n' \
		"e.policy:2:20: expected a date YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), found '2026-13-01'"
	check_error $'mode enforce\nallow path bin/*\ndefault deny\n' \
		"e.policy:2:12: expected an absolute path or pattern starting with '/' after 'path', found 'bin/*'"
	check_error $'mode enforce\nallow outcome okay\ndefault deny\n' \
		"e.policy:2:15: expected 'valid' or a verification reason code (no_signature, bad_signature, untrusted_chain, revoked, ...) after 'outcome', found 'okay'"
	check_error $'mode enforce\nallow signer ci\ndefault deny\n' \
		"e.policy:2:14: unknown signer 'ci' (declare it with 'signer ci ...' before this rule)"
	check_error $'mode enforce\nallow uid 4294967295\ndefault deny\n' \
		"e.policy:2:11: expected a uid (0 to 4294967294), found '4294967295'"
}

@test "lexical errors give line and column" {
	check_error $'mode enforce\nallow subject "CN=x\ndefault deny\n' \
		"e.policy:2:15: unterminated quoted string"
	check_error $'mode enforce\nallow subject "a"b\ndefault deny\n' \
		"e.policy:2:18: expected a space after a quoted string, found 'b'"
	check_error $'mode enforce\nallow subject a"b"\ndefault deny\n' \
		"e.policy:2:16: unexpected '\"' inside a word (quote the whole value)"
	check_error $'mode enforce\nallow subject "\\t"\ndefault deny\n' \
		"e.policy:2:16: expected '\\\"' or '\\\\' in a quoted string, found '\\t'"
	printf 'mode enforce\n%5000s\ndefault deny\n' x >e.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check e.policy
	assert_equal "$stderr" "e.policy:2:4097: line longer than 4096 bytes"
	printf 'mode enforce\nallow uid 0\0\ndefault deny\n' >e.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check e.policy
	assert_equal "$stderr" "e.policy:2:12: NUL byte in the policy text"
}

@test "whole-policy errors name the file" {
	check_error $'mode enforce\nallow uid 0\n' \
		"e.policy: no 'default' statement: the policy must end with 'default allow', 'default deny' or 'default audit'"
	check_error $'allow uid 0\ndefault deny\n' \
		"e.policy: no 'mode' setting: say 'mode enforce' or 'mode audit'"
	check_error $'mode enforce\nsignature-lookup catalog\ndefault deny\n' \
		"e.policy: 'signature-lookup' includes 'catalog' but no 'catalog' file or 'catalog-dir' is given"
}

@test "errors in fragments name the fragment; fragments are read in lexical order" {
	mkdir p.policy.d
	printf 'mode enforce\n' >p.policy
	printf 'allow uid 0\n' >p.policy.d/10-base.policy
	printf 'audit uid 1\naudit hook mmmap\n' >p.policy.d/50-team.policy
	printf 'default deny\n' >p.policy.d/99-default.policy
	printf 'not a policy\n' >p.policy.d/notes.txt
	run -1 --separate-stderr "$EG_BIN/execgate" policy check --syntax-only p.policy
	assert_equal "$stderr" "p.policy.d/50-team.policy:2:12: expected 'exec' or 'mmap' after 'hook', found 'mmmap'"
	printf 'audit uid 1\n' >p.policy.d/50-team.policy
	run -0 "$EG_BIN/execgate" policy check --syntax-only p.policy
	assert_output --partial "2 rules, 0 signers, 4 files, default deny"
	# default in 10-base ends the policy, so 50-team after it is an error
	printf 'default deny\n' >p.policy.d/10-base.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check --syntax-only p.policy
	assert_equal "$stderr" "p.policy.d/50-team.policy:1:1: nothing may follow 'default' (at p.policy.d/10-base.policy:1): it is the last statement of the policy"
}

@test "an explicit fragment directory is used instead of POLICY.d" {
	mkdir frags
	printf 'mode audit\n' >m.policy
	printf 'default audit\n' >frags/99-end.policy
	run -1 "$EG_BIN/execgate" policy check --syntax-only m.policy
	run -0 "$EG_BIN/execgate" policy check --syntax-only --fragments frags m.policy
	assert_output --partial "2 files"
	run -2 "$EG_BIN/execgate" policy check --syntax-only --fragments nonexistent m.policy
	assert_output --partial "nonexistent: cannot read the fragment directory: No such file or directory"
}

@test "a policy without fragments has the digest sha256sum prints" {
	run -0 "$EG_BIN/execgate" policy check p.policy
	assert_output --partial "sha256 $(sha256sum p.policy | cut -d' ' -f1)"
}

@test "operational errors exit 2, content errors 1, and a good policy after a bad one keeps 1" {
	run -2 "$EG_BIN/execgate" policy check nonexistent.policy
	assert_output "nonexistent.policy: cannot read the policy: No such file or directory"
	run -2 "$EG_BIN/execgate" policy check .
	assert_output --partial "Is a directory"
	printf 'mode enforce\n' >bad.policy
	run -1 "$EG_BIN/execgate" policy check bad.policy p.policy
	assert_output --partial "p.policy: ok"
	run -2 "$EG_BIN/execgate" policy check
	run -2 "$EG_BIN/execgate" policy frobnicate
	run -2 "$EG_BIN/execgate" policy check --trust x p.policy
	assert_output --partial "--trust only makes sense with --require-signed"
}

# check_like_agent SETTING...: p.policy with SETTING lines added must fail policy check
# with exit 1, and execgated (as root) must refuse it with the same message.
check_like_agent() {
	{
		echo "mode enforce"
		echo "trust-anchor \"$PKI/root.crt\""
		printf '%s\n' "$@"
		echo "default deny"
	} >x.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check x.policy
	assert_output ""
	[[ -n $stderr ]]
	local said=$stderr
	if [[ $(id -u) == 0 ]]; then
		mkdir -p state
		run -3 --separate-stderr "$EG_BIN/execgated" --foreground --policy x.policy \
			--state-dir "$BATS_TEST_TMPDIR/state" --log /dev/null \
			--control "$BATS_TEST_TMPDIR/c.sock"
		assert_equal "${stderr_lines[1]%%; and the last known good copy*}" "execgated: $said"
	fi
	stderr=$said
}

@test "check fails where the agent would: anchors, TSA anchors, CRL directory, catalogs" {
	check_like_agent 'tsa-anchor "/nonexistent/tsa.pem"'
	[[ $stderr == *"/nonexistent/tsa.pem"* ]]
	check_like_agent 'crl-dir "/nonexistent/crl"'
	[[ $stderr == *"/nonexistent/crl"* ]]
	check_like_agent 'catalog "/nonexistent/os.cat"' 'signature-lookup embedded catalog'
	[[ $stderr == *"catalog /nonexistent/os.cat"* ]]
	echo "not a certificate" >junk.pem
	check_like_agent "tsa-anchor \"$BATS_TEST_TMPDIR/junk.pem\""
	[[ $stderr == *junk.pem* ]]
	# the trust anchor itself
	sed -i "s|$PKI/root.crt|/nonexistent/root.pem|" p.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check p.policy
	[[ $stderr == *"/nonexistent/root.pem"* ]]
	# the same policy parses: --syntax-only says so, and says it checked only that
	run -0 "$EG_BIN/execgate" policy check --syntax-only p.policy
	assert_output --partial ", syntax only"
}

@test "check fails where the agent would: a policy that requires a signature and has none" {
	check_like_agent "require-signed-policy \"$PKI/root.crt\""
	assert_equal "$stderr" "x.policy: a signed policy is required (x.policy.sig): x.policy.sig: No such file or directory"
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" x.policy
	run -0 "$EG_BIN/execgate" policy check x.policy
	assert_output --partial "signature valid"
}

@test "check --json: one object per policy, ok or the error" {
	printf 'mode enforce\n' >bad.policy
	run -1 --separate-stderr "$EG_BIN/execgate" policy check --json p.policy bad.policy
	assert_equal "${#lines[@]}" 2
	output=${lines[0]}
	assert_equal "$(jget 'd["ok"]')" true
	assert_equal "$(jget 'd["checked"]')" full
	assert_equal "$(jget 'd["sha256"]')" "$(sha256sum p.policy | cut -d' ' -f1)"
	assert_equal "$(jget 'd["rules"]')" 1
	assert_equal "$(jget 'd["signature"]')" null
	output=${lines[1]}
	assert_equal "$(jget 'd["ok"]')" false
	assert_equal "$(jget 'd["policy"]')" bad.policy
	[[ $(jget 'd["error"]') == "bad.policy: no 'default' statement"* ]]
	run -0 "$EG_BIN/execgate" policy check --json --syntax-only "$EG_TOP/policy/audit.policy"
	assert_equal "$(jget 'd["checked"]')" syntax
}

@test "policy --help tells the commands and exit statuses" {
	run -0 "$EG_BIN/execgate" policy --help
	assert_output --partial "execgate policy check"
	assert_output --partial "execgate policy sign"
	assert_output --partial "1.3.6.1.4.1.57264.1.1"
	assert_output --partial "Exit status"
	run -0 "$EG_BIN/execgate" policy check --help
}

@test "a policy signed by a policy-signing certificate is accepted" {
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" p.policy
	assert_output "p.policy.sig: signed p.policy"
	[[ -s p.policy.sig ]]
	run -0 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "signature valid"
	# the signature is a plain detached CMS over the file: openssl agrees
	openssl cms -verify -binary -inform DER -in p.policy.sig -content p.policy \
		-CAfile "$PKI/root.crt" -purpose any -out /dev/null 2>/dev/null
}

@test "the policy's own require-signed-policy names the trust when --trust is absent" {
	printf 'mode enforce\ntrust-anchor %s\nrequire-signed-policy %s\ndefault deny\n' \
		"$PKI/root.crt" "$PKI/root.crt" >s.policy
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" s.policy
	run -0 "$EG_BIN/execgate" policy check --require-signed s.policy
	assert_output --partial "signature valid"
	run -2 "$EG_BIN/execgate" policy check --require-signed p.policy
	assert_output --partial "needs --trust PEM"
}

@test "an unsigned policy is refused when a signature is required" {
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output "p.policy: a signed policy is required (p.policy.sig): p.policy.sig: No such file or directory"
}

@test "a policy signed with a code signing certificate, or with SHA-1, is refused" {
	openssl cms -sign -binary -outform DER -in p.policy -out p.policy.sig \
		-signer "$PKI/codesign.crt" -inkey "$PKI/codesign.key"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "allows code signing"
	openssl cms -sign -binary -outform DER -in p.policy -out p.policy.sig \
		-signer "$PKI/both.crt" -inkey "$PKI/both.key"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "allows code signing"
	openssl cms -sign -binary -outform DER -in p.policy -out p.policy.sig \
		-signer "$PKI/noeku.crt" -inkey "$PKI/noeku.key"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "has no extended key usage"
	# a SHA-1 digest is refused even from a policy-signing certificate
	openssl cms -sign -binary -md sha1 -outform DER -in p.policy -out p.policy.sig \
		-signer "$PKI/policy.crt" -inkey "$PKI/policy.key"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "digest algorithm SHA1 is not accepted"
	# and policy sign will not make such a signature in the first place
	rm p.policy.sig
	run -2 "$EG_BIN/execgate" policy sign --key "$PKI/codesign.key" --cert "$PKI/codesign.crt" p.policy
	assert_output --partial "allows code signing"
	[[ ! -e p.policy.sig ]]
}

@test "a tampered policy, or a tampered fragment, is refused" {
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" p.policy
	sed -i 's/default deny/default allow/' p.policy
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "the signature does not match the policy"

	printf 'mode enforce\n' >f.policy
	mkdir f.policy.d
	printf 'default deny\n' >f.policy.d/99-default.policy
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/policy.key" --cert "$PKI/policy.crt" f.policy
	run -0 "$EG_BIN/execgate" policy check --syntax-only --require-signed --trust "$PKI/root.crt" f.policy
	printf 'allow uid 0\n' >f.policy.d/50-added.policy
	run -1 "$EG_BIN/execgate" policy check --syntax-only --require-signed --trust "$PKI/root.crt" f.policy
	assert_output --partial "the signature does not match the policy"
}

@test "a policy signed under another root, or a garbage signature, is refused" {
	run -0 "$EG_BIN/execgate" policy sign --key "$PKI/foreign.key" --cert "$PKI/foreign.crt" p.policy
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "does not chain to"
	echo "not a signature" >p.policy.sig
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$PKI/root.crt" p.policy
	assert_output --partial "not a CMS signature"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust nonexistent.pem p.policy
	assert_output --partial "nonexistent.pem"
}

@test "a policy-signing certificate under an intermediate signs with its chain" {
	local M=$BATS_FILE_TMPDIR/mkpki
	cat "$M/policy.crt" "$M/inter.crt" >policy-full.pem
	run -0 "$EG_BIN/execgate" policy sign --key "$M/policy.key" --cert policy-full.pem p.policy
	run -0 "$EG_BIN/execgate" policy check --require-signed --trust "$M/root.crt" p.policy
	assert_output --partial "signature valid"
	# without the intermediate in the signature the chain does not build
	run -0 "$EG_BIN/execgate" policy sign --key "$M/policy.key" --cert "$M/policy.crt" p.policy
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$M/root.crt" p.policy
	assert_output --partial "does not chain to"
	# the project's code signing leaf is refused even with its full chain
	openssl cms -sign -binary -outform DER -in p.policy -out p.policy.sig \
		-signer "$M/leaf-valid.crt" -inkey "$M/leaf-valid.key" -certfile "$M/inter.crt"
	run -1 "$EG_BIN/execgate" policy check --require-signed --trust "$M/root.crt" p.policy
	assert_output --partial "allows code signing"
}

@test "a policy signed by a revoked policy-signing certificate is refused, as by the agent" {
	local M=$BATS_FILE_TMPDIR/mkpki
	printf 'mode enforce\ntrust-anchor %s\ncrl-dir %s\nrequire-signed-policy %s\ndefault deny\n' \
		"$M/root.crt" "$M/crl/fresh" "$M/root.crt" >r.policy
	run -0 "$EG_BIN/execgate" policy sign --key "$M/policy-revoked.key" \
		--cert "$M/policy-revoked.crt" r.policy
	run -1 "$EG_BIN/execgate" policy check r.policy
	assert_output --partial "r.policy: a signed policy is required (r.policy.sig): "
	assert_output --partial "CN=execgate test policy-revoked is revoked (keyCompromise)"
	run -1 "$EG_BIN/execgate" policy check --syntax-only --require-signed r.policy
	assert_output --partial "policy-revoked is revoked (keyCompromise)"
	# A policy-signing certificate that is not revoked passes the same check.
	cat "$M/policy.crt" "$M/inter.crt" >policy-full.pem
	run -0 "$EG_BIN/execgate" policy sign --key "$M/policy.key" --cert policy-full.pem r.policy
	run -0 "$EG_BIN/execgate" policy check r.policy
	assert_output --partial "signature valid"
	# Without CRLs nothing is known about revocation: the revoked signer passes.
	sed -i '/^crl-dir/d' r.policy
	run -0 "$EG_BIN/execgate" policy sign --key "$M/policy-revoked.key" \
		--cert "$M/policy-revoked.crt" r.policy
	run -0 "$EG_BIN/execgate" policy check r.policy
}

# explain: a matrix of files (signed, unsigned, revoked, catalogued) against policies.
explain_setup() {
	M=$BATS_FILE_TMPDIR/mkpki
	cp /bin/true signed.bin
	cp /bin/true unsigned.bin
	cp /bin/true revoked.bin
	cp /bin/true catalogued.bin
	# catalogued.bin differs from the others, so its digest is its own
	printf 'x' >>catalogued.bin
	openssl cms -sign -binary -outform DER -in signed.bin -out signed.bin.sig \
		-signer "$M/leaf-valid.crt" -inkey "$M/leaf-valid.key" -certfile "$M/inter.crt"
	openssl cms -sign -binary -outform DER -in revoked.bin -out revoked.bin.sig \
		-signer "$M/leaf-revoked-kc.crt" -inkey "$M/leaf-revoked-kc.key" \
		-certfile "$M/inter.crt"
	printf 'execgate-catalog v1\nsha256:%s  catalogued.bin\n' \
		"$(sha256sum catalogued.bin | cut -d' ' -f1)" >os-image.txt
	# signed by the catalog signer, so only the catalog rule can allow catalogued.bin
	openssl cms -sign -nodetach -binary -outform DER -in os-image.txt -out os-image.cat \
		-signer "$M/catalog.crt" -inkey "$M/catalog.key" -certfile "$M/inter.crt"
	cat >matrix.policy <<-EOF2
	mode ${1:-enforce}
	trust-anchor $M/root.crt
	crl-dir $M/crl/fresh
	catalog os-image.cat
	signer rel subject "*leaf-valid*" owner "test <t@example.invalid>"
	deny hook mmap path "$PWD/signed.bin"
	allow signer rel
	allow catalog os-*
	deny outcome revoked
	default deny
	EOF2
}

@test "explain: a signed file is allowed by the signer's rule" {
	explain_setup
	run -0 "$EG_BIN/execgate" explain --policy matrix.policy signed.bin
	assert_line "$PWD/signed.bin: allow"
	assert_line --regexp "^  rule: +matrix.policy:7: allow signer rel \(rule 2\)$"
	assert_line --regexp "^  signature: +detached $PWD/signed.bin.sig$"
	assert_line --regexp "^  verified: +valid"
	assert_line --regexp "^  revocation: +good"
}

@test "explain: an unsigned file falls to the default deny with reason no_signature" {
	explain_setup
	run -1 "$EG_BIN/execgate" explain --policy matrix.policy unsigned.bin
	assert_line "$PWD/unsigned.bin: deny"
	assert_line --regexp "^  rule: +default deny$"
	assert_line --regexp "^  reason: +no_signature$"
}

@test "explain: a file signed by a revoked certificate is denied by the revoked rule" {
	explain_setup
	run -1 "$EG_BIN/execgate" explain --policy matrix.policy revoked.bin
	assert_line "$PWD/revoked.bin: deny"
	assert_line --regexp "^  rule: +matrix.policy:9: deny outcome revoked \(rule 4\)$"
	assert_line --regexp "^  reason: +revoked$"
	assert_line --regexp "^  revocation: +revoked"
}

@test "explain: a catalogued file is allowed by the catalog rule" {
	explain_setup
	run -0 "$EG_BIN/execgate" explain --policy matrix.policy catalogued.bin
	assert_line "$PWD/catalogued.bin: allow"
	assert_line --regexp "^  rule: +matrix.policy:8: allow catalog os-\* \(rule 3\)$"
	assert_line --regexp "^  signature: +catalog .*os-image.cat$"
}

@test "explain: catalog-dir trusts its *.cat files, skips a broken one, shows the provenance" {
	explain_setup
	mkdir cats
	printf 'execgate-catalog v2\nsource 1 deb egtest 1.0 amd64 Debian bookworm main\nsha256:%s 1  /usr/bin/x\n' \
		"$(sha256sum catalogued.bin | cut -d' ' -f1)" >v2.txt
	openssl cms -sign -nodetach -binary -outform DER -in v2.txt -out cats/os-pkg.cat \
		-signer "$M/catalog.crt" -inkey "$M/catalog.key" -certfile "$M/inter.crt"
	printf 'not a catalog\n' >cats/broken.cat
	printf 'ignored: not *.cat\n' >cats/README
	sed -e 's|^catalog os-image.cat$|catalog-dir cats|' matrix.policy >dir.policy
	run -0 --separate-stderr "$EG_BIN/execgate" explain --policy dir.policy catalogued.bin
	assert_line "$PWD/catalogued.bin: allow"
	assert_line --regexp "^  signature: +catalog .*cats/os-pkg.cat$"
	assert_line --regexp "^  provenance: +egtest 1.0 amd64, Debian bookworm/main$"
	[[ $stderr == *"catalog cats/broken.cat skipped: "* ]]
	run -0 --separate-stderr "$EG_BIN/execgate" explain --json --policy dir.policy catalogued.bin
	[[ $output == *'"provenance": "egtest 1.0 amd64, Debian bookworm/main"'* ||
		$output == *'"provenance":"egtest 1.0 amd64, Debian bookworm/main"'* ]]
	sed -e 's|^catalog os-image.cat$|catalog-dir nodir|' matrix.policy >nodir.policy
	run -2 --separate-stderr "$EG_BIN/execgate" explain --policy nodir.policy catalogued.bin
	[[ $stderr == *"nodir: No such file or directory"* ]]
	printf 'mode enforce\ncatalog-dir a\ncatalog-dir b\ndefault deny\n' >twice.policy
	run -1 "$EG_BIN/execgate" policy check twice.policy
	assert_output --partial "'catalog-dir' is already set"
}

@test "explain: the hook and audit mode change the decision" {
	explain_setup
	run -1 "$EG_BIN/execgate" explain --policy matrix.policy --hook mmap signed.bin
	assert_line "$PWD/signed.bin: deny"
	assert_line --regexp "^  rule: +matrix.policy:6: deny hook mmap"
	explain_setup audit
	run -0 "$EG_BIN/execgate" explain --policy matrix.policy revoked.bin
	assert_line "$PWD/revoked.bin: audit"
	run -0 "$EG_BIN/execgate" explain --policy matrix.policy unsigned.bin
	assert_line "$PWD/unsigned.bin: audit"
}

@test "explain --json has the verification, the decision, the rule and the policy" {
	explain_setup
	run -0 --separate-stderr "$EG_BIN/execgate" explain --json --policy matrix.policy signed.bin
	python3 - "$output" "$PWD" "$(sha256sum matrix.policy | cut -d' ' -f1)" <<-'PY'
	import json, sys
	o = json.loads(sys.argv[1])
	assert o["decision"] == "allow", o
	assert o["valid"] is True and o["reason"] is None, o
	assert o["file"]["path"] == sys.argv[2] + "/signed.bin", o["file"]
	assert o["signature_path"] == sys.argv[2] + "/signed.bin.sig", o
	assert o["kind"] == "detached", o
	assert o["rule"] == {"id": 2, "file": "matrix.policy", "line": 7,
	                     "text": "allow signer rel"}, o["rule"]
	assert o["policy"]["sha256"] == sys.argv[3], o["policy"]
	assert o["policy"]["generation"] == 1, o["policy"]
	assert "leaf-valid" in o["signer"]["subject"], o["signer"]
	assert o["revocation"]["status"] == "good", o["revocation"]
	PY
	run -1 --separate-stderr "$EG_BIN/execgate" explain --json --policy matrix.policy unsigned.bin
	python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["rule"] is None and o["decision"] == "deny" and o["decision_reason"] == "no_signature", o' "$output"
}

@test "explain: errors in its arguments, policy or file exit 2" {
	explain_setup
	run -2 "$EG_BIN/execgate" explain --policy matrix.policy --hook fork signed.bin
	assert_output --partial "--hook: expected exec or mmap, not 'fork'"
	run -2 "$EG_BIN/execgate" explain --policy matrix.policy --uid -1 signed.bin
	run -2 "$EG_BIN/execgate" explain --policy matrix.policy nonexistent.bin
	assert_output --partial "nonexistent.bin: No such file or directory"
	run -2 "$EG_BIN/execgate" explain --policy nonexistent.policy signed.bin
	assert_output --partial "nonexistent.policy: cannot read the policy"
	printf 'mode enforce\nallow hook exex\ndefault deny\n' >bad.policy
	run -2 "$EG_BIN/execgate" explain --policy bad.policy signed.bin
	assert_output --partial "bad.policy:2:12: expected 'exec' or 'mmap'"
	run -0 "$EG_BIN/execgate" explain --help
	assert_output --partial "Exit status"
}

@test "explain --sig uses the given detached signature" {
	explain_setup
	# unsigned.bin has the same bytes as signed.bin, so signed.bin's signature fits it
	run -0 "$EG_BIN/execgate" explain --policy matrix.policy --sig signed.bin.sig unsigned.bin
	assert_line "$PWD/unsigned.bin: allow"
	run -1 "$EG_BIN/execgate" explain --policy matrix.policy --sig signed.bin.sig catalogued.bin
	assert_line "$PWD/catalogued.bin: deny"
	assert_line --regexp "^  reason: +bad_signature$"
}

@test "explain: a stale CRL does what on-stale-crl says" {
	explain_setup
	sed -i "s#crl/fresh#crl/stale#" matrix.policy
	printf 'on-stale-crl deny\n' | cat - matrix.policy >stale.policy
	run -1 "$EG_BIN/execgate" explain --policy stale.policy signed.bin
	assert_line "$PWD/signed.bin: deny"
	assert_line --regexp "^  reason: +crl_stale$"
	assert_line --regexp "^  revocation: +unknown, a CRL is stale"
	printf 'on-stale-crl audit\n' | cat - matrix.policy >stale.policy
	run -0 "$EG_BIN/execgate" explain --policy stale.policy signed.bin
	assert_line "$PWD/signed.bin: audit"
	assert_line --regexp "^  reason: +crl_stale$"
	printf 'on-stale-crl allow\n' | cat - matrix.policy >stale.policy
	run -0 "$EG_BIN/execgate" explain --policy stale.policy signed.bin
	assert_line "$PWD/signed.bin: allow"
}

@test "explain: signed-after judges an embedded, timestamped signature" {
	explain_setup
	PKI=$M tsa_start
	cp /bin/true ts.bin
	run -0 "$EG_BIN/execgate" sign --key "$M/leaf-valid.key" --cert "$M/leaf-valid.crt" \
		--chain "$M/inter.crt" --tsa-url "$TSA_URL" ts.bin
	for after in 2020-01-01 2099-01-01; do
		cat >ts.policy <<-EOF
		mode enforce
		trust-anchor $M/root.crt
		tsa-anchor $M/tsa-root.crt
		crl-dir $M/crl/fresh
		signer rel subject "*leaf-valid*"
		allow signer rel signed-after $after
		deny signer rel
		default deny
		EOF
		if [[ $after == 2020-01-01 ]]; then
			run -0 "$EG_BIN/execgate" explain --policy ts.policy ts.bin
			assert_line "$PWD/ts.bin: allow"
			assert_line --regexp "^  rule: +ts.policy:6: allow signer rel signed-after 2020-01-01 \(rule 1\)$"
			assert_line --regexp "^  signature: +embedded$"
			assert_line --regexp "^  timestamp: +20[0-9-]+T[0-9:]+Z by "
		else
			run -1 "$EG_BIN/execgate" explain --policy ts.policy ts.bin
			assert_line "$PWD/ts.bin: deny"
			assert_line --regexp "^  rule: +ts.policy:7: deny signer rel \(rule 2\)$"
			assert_line --regexp "^  reason: +denied_by_rule$"
		fi
	done
	# a policy that does not use embedded signatures does not see this one
	printf 'signature-lookup detached\n' | cat - ts.policy >nolookup.policy
	run -1 "$EG_BIN/execgate" explain --policy nolookup.policy ts.bin
	assert_line --regexp "^  rule: +default deny$"
	assert_line --regexp "^  reason: +no_signature$"
	tsa_stop
}

@test "explain: a kind of signature signature-lookup leaves out counts as none" {
	explain_setup
	printf 'signature-lookup embedded catalog\n' | cat - matrix.policy >nodetached.policy
	run -1 "$EG_BIN/execgate" explain --policy nodetached.policy signed.bin
	assert_line --regexp "^  rule: +default deny$"
	assert_line --regexp "^  reason: +no_signature$"
	run -0 "$EG_BIN/execgate" explain --policy nodetached.policy catalogued.bin
	assert_line --regexp "^  rule: +nodetached.policy:9: allow catalog os-\* \(rule 3\)$"
	# the search stops at the detached signature it found: the catalog entry goes unused
	cp signed.bin.sig catalogued.bin.sig
	run -1 "$EG_BIN/execgate" explain --policy nodetached.policy catalogued.bin
	assert_line --regexp "^  reason: +no_signature$"
	printf 'signature-lookup embedded detached\n' | cat - matrix.policy >nocatalog.policy
	rm catalogued.bin.sig
	run -1 "$EG_BIN/execgate" explain --policy nocatalog.policy catalogued.bin
	assert_line --regexp "^  reason: +no_signature$"
}
