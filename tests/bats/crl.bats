#!/usr/bin/env bats
# execgate crl fetch | status: CRLs fetched from the distribution points of a CA made
# here (its certificates point at a loopback HTTP server, tests/fixtures/crl_server.py),
# verified before they are installed; good, stale, badly signed, unparseable and wrongly
# issued CRLs; the freshness report over the test PKI's CRL directories.

load helpers
bats_require_minimum_version 1.5.0

# dpca_make DIR URL: a root, an intermediate whose distribution point is URL/root.crl, and
# under it code signing leaves "leaf" and "leaf2" whose distribution point is
# URL/inter.crl; leaf2 is revoked (keyCompromise).  CRLs into DIR/out:
#   root-fresh.crl inter-fresh.crl  issued now, nextUpdate in 30 days
#   inter-2d.crl                    issued 2 days ago, nextUpdate in 20 days
#   inter-stale.crl                 issued 10 days ago, nextUpdate yesterday
#   inter-badsig.crl                inter-fresh.crl (DER) with its signature broken
#   garbage.crl                     not a CRL
dpca_make() {
	local d=$1 url=$2 c
	mkdir -p "$d/out"
	for c in root inter; do
		mkdir -p "$d/$c"
		: >"$d/$c/index.txt"
		echo 01 >"$d/$c/crlnumber"
		cat >"$d/$c.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $d/$c/index.txt
crlnumber = $d/$c/crlnumber
certificate = $d/$c.crt
private_key = $d/$c.key
default_md = sha256
default_crl_days = 30
EOF
	done
	cat >"$d/ext.cnf" <<EOF
[ inter ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$url/root.crl
[ leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$url/inter.crl
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-keyout "$d/root.key" -out "$d/root.crt" -subj "/O=execgate test/CN=dp root" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	# issue NAME ISSUER EXT SUBJECT
	issue() {
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$d/$1.key" -out "$d/$1.csr" -subj "/O=execgate test/CN=$4" 2>/dev/null
		openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.crt" -CAkey "$d/$2.key" \
			-CAcreateserial -days 3000 -extfile "$d/ext.cnf" -extensions "$3" \
			-out "$d/$1.crt" 2>/dev/null
	}
	issue inter root inter "dp inter"
	issue leaf inter leaf "dp leaf"
	issue leaf2 inter leaf "dp leaf2"
	openssl ca -config "$d/inter.cnf" -revoke "$d/leaf2.crt" -crl_reason keyCompromise \
		2>/dev/null
	openssl ca -batch -config "$d/root.cnf" -gencrl -out "$d/out/root-fresh.crl" 2>/dev/null
	openssl ca -batch -config "$d/inter.cnf" -gencrl -out "$d/out/inter-fresh.crl" 2>/dev/null
	openssl ca -batch -config "$d/inter.cnf" -gencrl -out "$d/out/inter-2d.crl" \
		-crl_lastupdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
		-crl_nextupdate "$(date -u -d '+20 days' +%Y%m%d%H%M%SZ)" 2>/dev/null
	openssl ca -batch -config "$d/inter.cnf" -gencrl -out "$d/out/inter-stale.crl" \
		-crl_lastupdate "$(date -u -d '-10 days' +%Y%m%d%H%M%SZ)" \
		-crl_nextupdate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" 2>/dev/null
	openssl crl -in "$d/out/inter-fresh.crl" -outform DER -out "$d/out/inter-badsig.crl"
	"$EG_PYTHON" -c 'import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 1
open(p, "wb").write(b)' "$d/out/inter-badsig.crl"
	echo "this is not a CRL" >"$d/out/garbage.crl"
	cat "$d/inter.crt" "$d/root.crt" >"$d/chain.pem"
}

# crlsrv_start [--port PORT]: the CRL server (on PORT when it comes back after a stop: the
# certificates name its URL).
crlsrv_start() {
	mkdir -p "$BATS_FILE_TMPDIR/srv"
	loopback_start CRL_URL crlsrv "the CRL server" crl_server.py --dir "$BATS_FILE_TMPDIR/srv" \
		"$@"
}

crlsrv_stop() {
	loopback_stop crlsrv
}

setup_file() {
	eg_setup_file
	crlsrv_start
	export CA=$BATS_FILE_TMPDIR/ca
	dpca_make "$CA" "$CRL_URL"
}

teardown_file() {
	crlsrv_stop
	eg_teardown_file
}

# serve NAME CRLFILE: what GET /NAME answers from now on (CRLFILE "-": 404).
serve() {
	if [[ $2 == - ]]; then
		rm -f "$BATS_FILE_TMPDIR/srv/$1"
	else
		cp "$CA/out/$2" "$BATS_FILE_TMPDIR/srv/$1"
	fi
}

# The name fetch installs the CRL of ISSUER_CERT under: 16 hex of SHA-256(DER subject).
installed_name() {
	"$EG_PYTHON" - "$1" <<'EOF'
import hashlib, subprocess, sys
der = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-outform", "DER"],
                     capture_output=True, check=True).stdout
# Walk Certificate -> TBSCertificate -> fields, to the subject (the 6th field, after the
# optional [0] version).
def tlv(b, i):
    tag = b[i]; n = b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i:i + k], "big"); i += k
    return tag, i, n
_, i, _ = tlv(der, 0)
_, i, _ = tlv(der, i)            # into TBSCertificate
fields = []
while len(fields) < 6:
    tag, body, n = tlv(der, i)
    fields.append(der[i:body + n]); i = body + n
if fields[0][0] != 0xa0:
    fields.insert(0, b"")
print(hashlib.sha256(fields[5]).hexdigest()[:16] + ".crl")
EOF
}

crl_der_sum() {
	openssl crl -in "$1" -inform "${2:-PEM}" -outform DER | sha256sum | cut -d' ' -f1
}

fetch() {
	eg crl fetch --trust "$CA/root.crt" --cert "$CA/inter.crt" --cert "$CA/leaf.crt" \
		--crl-dir "$BATS_TEST_TMPDIR/crls" "$@"
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/crls"
	serve root.crl root-fresh.crl
	serve inter.crl inter-fresh.crl
}

@test "fetch: good CRLs from the distribution points are checked and installed" {
	run -0 fetch --json
	assert_equal "$(jget 'd["counts"]')" \
		'{"installed": 2, "stale": 0, "missing": 0, "refused": 0, "failed": 0, "skipped": 0}'
	assert_equal "$(jget 'sorted(r["url"] for r in d["results"])')" \
		"[\"$CRL_URL/inter.crl\", \"$CRL_URL/root.crl\"]"
	assert_equal "$(jget '[r["status"] for r in d["results"]]')" '["installed", "installed"]'
	local inter_file root_file
	inter_file=$BATS_TEST_TMPDIR/crls/$(installed_name "$CA/inter.crt")
	root_file=$BATS_TEST_TMPDIR/crls/$(installed_name "$CA/root.crt")
	assert_equal "$(crl_der_sum "$inter_file")" "$(crl_der_sum "$CA/out/inter-fresh.crl")"
	assert_equal "$(crl_der_sum "$root_file")" "$(crl_der_sum "$CA/out/root-fresh.crl")"
	run ls -A "$BATS_TEST_TMPDIR/crls"
	assert_equal "${#lines[@]}" 2
	run cat "$BATS_FILE_TMPDIR/crlsrv/requests.log"
	assert_output --partial "GET /inter.crl"
	assert_output --partial "GET /root.crl"
	# The verifier uses what was installed: leaf is good, leaf2 is revoked.
	local f
	f=$(elf_copy good)
	eg sign --key "$CA/leaf.key" --cert "$CA/leaf.crt" --chain "$CA/inter.crt" "$f"
	run -0 eg verify --json --trust "$CA/root.crt" --crl-dir "$BATS_TEST_TMPDIR/crls" "$f"
	assert_equal "$(jget 'd["revocation"]["status"]')" good
	f=$(elf_copy revoked)
	eg sign --key "$CA/leaf2.key" --cert "$CA/leaf2.crt" --chain "$CA/inter.crt" "$f"
	run -1 eg verify --json --trust "$CA/root.crt" --crl-dir "$BATS_TEST_TMPDIR/crls" "$f"
	assert_equal "$(jget 'd["reason"]')" revoked
}

@test "fetch: text output names each URL, the file and the CRL's dates" {
	run -0 fetch
	assert_line --regexp "^$CRL_URL/inter.crl: installed $BATS_TEST_TMPDIR/crls/[0-9a-f]{16}\.crl$"
	assert_line "  issuer:      CN=dp inter,O=execgate test"
	assert_line "  freshness:   fresh"
	assert_line "  entries:     1"
}

@test "fetch: a stale CRL is installed when nothing newer is, and reported: exit 1" {
	serve inter.crl inter-stale.crl
	run -1 fetch --json
	assert_equal "$(jget 'd["counts"]["stale"]')" 1
	assert_equal "$(jget '[r for r in d["results"] if r["url"].endswith("/inter.crl")][0]["reason"]')" stale
	assert_equal "$(jget '[r for r in d["results"] if r["url"].endswith("/inter.crl")][0]["crl"]["freshness"]')" stale
	run -1 eg crl status --crl-dir "$BATS_TEST_TMPDIR/crls"
	assert_line "  freshness:   stale"
	assert_line "2 CRLs in $BATS_TEST_TMPDIR/crls: 1 stale"
}

@test "fetch: a CRL older than the installed one is refused and the newer one stays" {
	run -0 fetch
	local f
	f=$BATS_TEST_TMPDIR/crls/$(installed_name "$CA/inter.crt")
	cp "$f" "$BATS_TEST_TMPDIR/before"
	serve inter.crl inter-stale.crl
	run -1 fetch
	assert_output --partial "execgate crl fetch: $CRL_URL/inter.crl: refused: older than the installed CRL (by thisUpdate); $f kept as it was"
	cmp "$f" "$BATS_TEST_TMPDIR/before"
}

@test "fetch: a badly signed CRL is refused, naming the URL; the installed CRL stays" {
	run -0 fetch
	local f
	f=$BATS_TEST_TMPDIR/crls/$(installed_name "$CA/inter.crt")
	cp "$f" "$BATS_TEST_TMPDIR/before"
	serve inter.crl inter-badsig.crl
	run -1 fetch
	assert_output --partial "execgate crl fetch: $CRL_URL/inter.crl: refused: bad signature: it does not verify with its issuer's key; $f kept as it was"
	cmp "$f" "$BATS_TEST_TMPDIR/before"
	# Into an empty directory: nothing is installed for that issuer.
	rm -rf "$BATS_TEST_TMPDIR/crls" && mkdir "$BATS_TEST_TMPDIR/crls"
	run -1 fetch --json
	assert_equal "$(jget 'd["counts"]')" \
		'{"installed": 1, "stale": 0, "missing": 1, "refused": 1, "failed": 0, "skipped": 0}'
	[[ ! -e $f ]]
	run ls -A "$BATS_TEST_TMPDIR/crls"
	assert_equal "${#lines[@]}" 1
}

@test "fetch: an unparseable CRL, or one from another issuer, is refused" {
	serve inter.crl garbage.crl
	run -1 fetch
	assert_output --partial "$CRL_URL/inter.crl: refused: not a CRL (18 bytes that parse as no PEM or DER CRL); nothing installed"
	serve inter.crl root-fresh.crl
	run -1 fetch
	assert_output --partial "$CRL_URL/inter.crl: refused: issued by CN=dp root,O=execgate test, not by the certificate's issuer CN=dp inter,O=execgate test"
}

@test "fetch: the issuer must be trusted: an intermediate not given is not guessed" {
	run -1 eg crl fetch --trust "$CA/root.crt" --cert "$CA/leaf.crt" \
		--crl-dir "$BATS_TEST_TMPDIR/crls"
	assert_output --partial "CN=dp leaf,O=execgate test: does not chain to the trust anchors"
	assert_output --partial "$CRL_URL/inter.crl: refused: its issuer is not a trusted certificate"
}

@test "fetch: a failed download names the URL; with no CRL for that issuer it exits 1" {
	serve inter.crl -
	run -1 fetch
	assert_output --partial "execgate crl fetch: $CRL_URL/inter.crl: failed: download failed"
	# With the server's status (OpenSSL 3.0's HTTP client fails at it; trixie's handed the
	# 404 page over, and fetch said "not a CRL (335 bytes ...)").
	assert_output --partial "404"
	assert_output --partial "execgate crl fetch: $CRL_URL/inter.crl: missing $BATS_TEST_TMPDIR/crls/$(installed_name "$CA/inter.crt"): no CRL installed for this issuer"
	# The other distribution point was still fetched.
	assert_output --partial "$CRL_URL/root.crl: installed"
	# A failed download while the installed CRL is still fresh: an operational error (2)
	serve inter.crl inter-fresh.crl
	run -0 fetch
	serve inter.crl -
	run -2 fetch
	refute_output --partial "missing"
}

@test "fetch: while the server is away a stale CRL stays stale (exit 1); once it is back, 0" {
	local port f
	port=${CRL_URL##*:}
	serve inter.crl inter-stale.crl
	run -1 fetch
	f=$BATS_TEST_TMPDIR/crls/$(installed_name "$CA/inter.crt")
	# the server goes away
	crlsrv_stop
	run -1 fetch --json
	assert_equal "$(jget 'd["counts"]["stale"]')" 1
	assert_equal "$(jget 'd["counts"]["failed"]')" 2
	assert_equal "$(jget '[r["status"] for r in d["results"] if r["status"] == "stale"]')" '["stale"]'
	assert_equal "$(jget '[r["file"] for r in d["results"] if r["status"] == "stale"][0]')" "$f"
	# ... and comes back, on its port, with a fresh CRL
	serve inter.crl inter-fresh.crl
	crlsrv_start --port "$port"
	run -0 fetch
	run -0 eg crl status --crl-dir "$BATS_TEST_TMPDIR/crls"
}

@test "fetch and status from a policy: its anchors, CRL directory and crl-max-age" {
	cat >"$BATS_TEST_TMPDIR/p.policy" <<EOF
mode enforce
trust-anchor "$CA/root.crt"
crl-dir "$BATS_TEST_TMPDIR/crls"
crl-max-age 1d
default deny
EOF
	serve inter.crl inter-2d.crl
	# Installed, and stale by the policy's crl-max-age: what the agent will read is stale.
	run -1 eg crl fetch --policy "$BATS_TEST_TMPDIR/p.policy" --cert "$CA/inter.crt" \
		--cert "$CA/leaf.crt"
	assert_output --partial "$CRL_URL/inter.crl: installed"
	assert_output --partial "$CRL_URL/inter.crl: stale"
	# Issued two days ago: older than the policy's crl-max-age.
	run -1 eg crl status --json --policy "$BATS_TEST_TMPDIR/p.policy" --cert "$CA/inter.crt"
	assert_equal "$(jget 'd["max_age"]')" 86400
	assert_equal "$(jget '[c["freshness"] for c in d["crls"] if c["issuer"].startswith("CN=dp inter")]')" '["stale"]'
	assert_equal "$(jget '[c["signature"] for c in d["crls"]]')" '["ok", "ok"]'
	run -0 eg crl status --policy "$BATS_TEST_TMPDIR/p.policy" --crl-max-age 3d
	run -2 eg crl fetch --policy "$BATS_TEST_TMPDIR/p.policy" --crl-dir /tmp
	assert_output --partial "either --policy or --crl-dir"
}

@test "status: the test PKI's fresh, stale and badly signed CRL directories" {
	run -0 eg crl status --json --crl-dir "$PKI/crl/fresh"
	assert_equal "$(jget 'd["counts"]')" \
		'{"crls": 3, "stale": 0, "bad_signature": 0, "not_crl": 0}'
	assert_equal "$(jget '[c["file"].rsplit("/", 1)[1] for c in d["crls"]]')" \
		'["inter.crl", "root.crl", "tsa-root.crl"]'
	assert_equal "$(jget 'd["crls"][0]["issuer"]')" "O=execgate test,CN=execgate test inter"
	assert_equal "$(jget 'd["crls"][0]["entries"]')" 2
	local next
	next=$(openssl crl -in "$PKI/crl/fresh/inter.crl" -noout -nextupdate | cut -d= -f2)
	assert_equal "$(jget 'd["crls"][0]["next_update"]')" \
		"$(date -u -d "$next" +%Y-%m-%dT%H:%M:%SZ)"
	assert_equal "$(jget 'd["crls"][0]["signature"]')" null
	run -1 eg crl status --json --crl-dir "$PKI/crl/stale"
	assert_equal "$(jget '[c["freshness"] for c in d["crls"]]')" '["stale", "stale", "stale"]'
	run -1 eg crl status --crl-dir "$PKI/crl/stale"
	assert_line "3 CRLs in $PKI/crl/stale: 3 stale"
	# A bad signature shows only against the issuers' certificates.
	run -0 eg crl status --crl-dir "$PKI/crl/badsig"
	run -1 eg crl status --crl-dir "$PKI/crl/badsig" --trust "$PKI/root.crt" \
		--trust "$PKI/tsa-root.crt" --cert "$PKI/inter.crt"
	assert_line "  signature:   BAD: its issuer did not sign it"
	assert_line "3 CRLs in $PKI/crl/badsig: 0 stale, 1 badly signed"
}

@test "status: a file that is not a CRL is listed, not fatal; errors exit 2" {
	cp "$PKI/crl/fresh/inter.crl" "$BATS_TEST_TMPDIR/crls/"
	echo "notes" >"$BATS_TEST_TMPDIR/crls/README"
	run -0 eg crl status --crl-dir "$BATS_TEST_TMPDIR/crls"
	assert_line "$BATS_TEST_TMPDIR/crls/README: not a CRL (ignored by the verifier)"
	run -2 eg crl status --crl-dir "$BATS_TEST_TMPDIR/none"
	assert_output --partial "none: No such file or directory"
	run -2 eg crl status
	assert_output --partial "no CRL directory"
	run -2 eg crl fetch --crl-dir "$BATS_TEST_TMPDIR/crls"
	assert_output --partial "no trust anchor"
	run -2 eg crl status --crl-dir "$BATS_TEST_TMPDIR/crls" --crl-max-age soon
	assert_output --partial "--crl-max-age: expected a duration"
	run -2 eg crl purge
	assert_output --partial "unknown subcommand 'purge'"
	run -0 eg crl --help
	assert_output --partial "usage: execgate crl fetch"
}

@test "fetch with a policy that trusts no CA yet (a fresh installation's) has nothing to do: exit 0" {
	printf 'mode audit\ncrl-dir %s\ndefault audit\n' "$BATS_TEST_TMPDIR/crls" >"$BATS_TEST_TMPDIR/fresh.policy"
	run -0 eg crl fetch --policy "$BATS_TEST_TMPDIR/fresh.policy"
	assert_output "execgate crl fetch: $BATS_TEST_TMPDIR/fresh.policy names no trust anchor: no CRL to fetch"
}
