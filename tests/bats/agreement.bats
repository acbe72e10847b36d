#!/usr/bin/env bats
# execgate verify with real CRLs and execgate drill with the same revocation as a question
# give the same answer, over a matrix of signers, timestamps and revocations: a CA made
# here with `openssl ca` (revocation dates set with faketime), the loopback TSA
# (`openssl ts -reply`), CRLs issued now.  Every signature is timestamped long before its
# issuer's current CRL, the case where a CRL judged at the timestamp's time would be
# wrongly missing: a CRL's freshness is judged now, and only the revocation entry's date
# and reason are weighed against the timestamp.

load helpers
bats_require_minimum_version 1.5.0

# The revocations of the matrix: name, reason, date (UTC, the revocation date written in
# the CRL).  "none" revokes nothing.
REVOCATIONS=(
	"none - -"
	"sup-2020 superseded 2020-01-02"
	"sup-2022 superseded 2022-01-01"
	"sup-2025 superseded 2025-01-01"
	"kc-2025 keyCompromise 2025-01-01"
)

# The signed files: name, signer (leaf-a valid 2019..2044, leaf-e valid 2020..2021, so
# expired now), timestamp (a date, "now", or "-": none).
SIGNED=(
	"e-2020 leaf-e 2020-06-01"
	"a-2024 leaf-a 2024-01-01"
	"a-now leaf-a now"
	"a-plain leaf-a -"
)

# The expected verdict of each signed file under each revocation, as verify gives it and
# drill must predict it: valid (drill: keeps) or revoked (drill: stops).
declare -gA EXPECT=(
	[e-2020-none]=valid [a-2024-none]=valid [a-now-none]=valid [a-plain-none]=valid
	[e-2020-sup-2020]=revoked [a-2024-sup-2020]=revoked [a-now-sup-2020]=revoked
	[a-plain-sup-2020]=revoked
	[e-2020-sup-2022]=valid [a-2024-sup-2022]=revoked [a-now-sup-2022]=revoked
	[a-plain-sup-2022]=revoked
	[e-2020-sup-2025]=valid [a-2024-sup-2025]=valid [a-now-sup-2025]=revoked
	[a-plain-sup-2025]=revoked
	[e-2020-kc-2025]=revoked [a-2024-kc-2025]=revoked [a-now-kc-2025]=revoked
	[a-plain-kc-2025]=revoked
)

# ca_make DIR: root, inter and the leaves under DIR, with inter's openssl ca database in
# DIR/inter (each revocation gets a copy of it).
ca_make() {
	local d=$1
	mkdir -p "$d/inter/new"
	: >"$d/inter/index.txt"
	echo 1000 >"$d/inter/serial"
	echo 01 >"$d/inter/crlnumber"
	cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = CA_inter
[ CA_inter ]
dir = \$ENV::EG_CA_DIR
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $d/inter.crt
private_key = $d/inter.key
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
	# Root and intermediate are valid at every timestamp of the matrix: since 2019.
	faketime '2019-01-01 00:00:00' openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -days 10000 -keyout "$d/root.key" -out "$d/root.crt" -subj "/O=execgate test/CN=matrix root" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/inter.key" -out "$d/inter.csr" -subj "/O=execgate test/CN=matrix inter" \
		2>/dev/null
	faketime '2019-01-01 00:00:00' openssl x509 -req -in "$d/inter.csr" -CA "$d/root.crt" \
		-CAkey "$d/root.key" -CAcreateserial -days 10000 -out "$d/inter.crt" \
		-extfile <(printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n') \
		2>/dev/null
	leaf_make "$d" leaf-a 20190601000000Z 20440101000000Z
	leaf_make "$d" leaf-e 20200101000000Z 20210101000000Z
	cat "$d/inter.crt" >"$d/chain.pem"
	# root's CRL, empty, for every directory
	mkdir -p "$d/root-ca/new"
	: >"$d/root-ca/index.txt"
	echo 01 >"$d/root-ca/crlnumber"
	sed -e "s|^certificate = .*|certificate = $d/root.crt|" \
		-e "s|^private_key = .*|private_key = $d/root.key|" "$d/ca.cnf" >"$d/root.cnf"
	EG_CA_DIR=$d/root-ca openssl ca -batch -config "$d/root.cnf" -gencrl \
		-out "$d/root.crl" 2>/dev/null
}

# leaf_make DIR NAME START END: a code signing leaf under inter, valid START..END.
leaf_make() {
	local d=$1 name=$2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "/O=execgate test/CN=matrix $name" 2>/dev/null
	EG_CA_DIR=$d/inter openssl ca -batch -notext -config "$d/ca.cnf" -extensions leaf \
		-startdate "$3" -enddate "$4" -in "$d/$name.csr" -out "$d/$name.crt" 2>/dev/null
}

# crl_dir_make DIR NAME REASON DATE: DIR/crl-NAME holding root's CRL, the TSA root's
# current CRL and inter's CRL issued now, revoking both leaves for REASON at DATE
# (nothing when REASON is "-").
crl_dir_make() {
	local d=$1 name=$2 reason=$3 date=$4 leaf
	local ca=$d/ca-$name out=$d/crl-$name
	mkdir -p "$out"
	cp -a "$d/inter" "$ca"
	if [[ $reason != - ]]; then
		for leaf in leaf-a leaf-e; do
			EG_CA_DIR=$ca faketime "$date 00:00:00" openssl ca -batch \
				-config "$d/ca.cnf" -revoke "$d/$leaf.crt" -crl_reason "$reason" \
				2>/dev/null
		done
	fi
	EG_CA_DIR=$ca openssl ca -batch -config "$d/ca.cnf" -gencrl -out "$out/inter.crl" \
		2>/dev/null
	cp "$d/root.crl" "$out/"
	cp "$PKI/crl/fresh/tsa-root.crl" "$out/"
}

setup_file() {
	eg_setup_file
	requires faketime
	tsa_start
	local d=$BATS_FILE_TMPDIR/matrix entry name signer ts
	mkdir -p "$d/files"
	ca_make "$d"
	for entry in "${REVOCATIONS[@]}"; do
		# shellcheck disable=SC2086 # three words
		crl_dir_make "$d" $entry
	done
	for entry in "${SIGNED[@]}"; do
		read -r name signer ts <<<"$entry"
		cp "$BATS_FILE_TMPDIR/hello" "$d/files/$name"
		local args=(--key "$d/$signer.key" --cert "$d/$signer.crt" --chain "$d/chain.pem")
		case $ts in
		-) eg sign "${args[@]}" "$d/files/$name" >/dev/null ;;
		now) eg sign "${args[@]}" --tsa-url "$TSA_URL" "$d/files/$name" >/dev/null ;;
		*)
			faketime "$ts 00:00:00" "$EG_BIN/execgate" sign "${args[@]}" \
				--tsa-url "$TSA_URL/faketime/${ts}T00:00:00" "$d/files/$name" >/dev/null
			;;
		esac
	done
	export MATRIX=$d
}

teardown_file() {
	eg_teardown_file
}

# verdict_of_verify FILE REVOCATION: valid, or the reason verify gives with REVOCATION's
# real CRLs.
verdict_of_verify() {
	run eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-$2" "$MATRIX/files/$1"
	if [[ $(jget 'd["valid"]') == true ]]; then
		echo valid
	else
		jget 'd["reason"]'
	fi
}

# verdict_of_drill FILE SIGNER REASON DATE: valid (drill: keeps) or revoked (drill: stops),
# drilling SIGNER's revocation for REASON at DATE over FILE, with the current CRLs that
# revoke nothing.
verdict_of_drill() {
	run eg drill --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-none" --revoke "$MATRIX/$2.crt" --reason "$3" --at "$4" \
		"$MATRIX/files/$1"
	case "$(jget '[len(d["keeps"]), len(d["stops"]), len(d["invalid_now"])]')" in
	"[1, 0, 0]") echo valid ;;
	"[0, 1, 0]") echo revoked ;;
	*) echo "drill: unexpected $output" ;;
	esac
}

@test "verify and drill agree over the matrix of signers, timestamps and revocations" {
	local entry rev reason date sig signer ts v d fails=0
	for entry in "${REVOCATIONS[@]}"; do
		read -r rev reason date <<<"$entry"
		for sig in "${SIGNED[@]}"; do
			read -r name signer ts <<<"$sig"
			v=$(verdict_of_verify "$name" "$rev")
			if [[ $v != "${EXPECT[$name-$rev]}" ]]; then
				echo "verify $name under $rev: $v, expected ${EXPECT[$name-$rev]}" >&2
				fails=$((fails + 1))
			fi
			[[ $rev != none ]] || continue
			d=$(verdict_of_drill "$name" "$signer" "$reason" "$date")
			if [[ $d != "$v" ]]; then
				echo "drill $name under $rev: $d, verify says $v" >&2
				fails=$((fails + 1))
			fi
		done
	done
	assert_equal "$fails" 0
}

@test "a signature timestamped before its issuer's current CRL, never revoked, is valid with revocation good" {
	run -0 eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-none" "$MATRIX/files/e-2020"
	assert_equal "$(jget 'd["revocation"]["status"]')" good
	assert_regex "$(jget 'd["timestamp"]["time"]')" '^2020-06-01T00:00:0[0-9]Z$'
	# The CRL was issued today, years after the timestamp.
	local this
	this=$(openssl crl -in "$MATRIX/crl-none/inter.crl" -noout -lastupdate | cut -d= -f2)
	[[ $(date -u -d "$this" +%Y) -gt 2020 ]]
}

@test "the revocation's date and reason against the timestamp, in verify's words" {
	run -0 eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-sup-2022" "$MATRIX/files/e-2020"
	assert_equal "$(jget 'd["detail"]')" \
		"O=execgate test,CN=matrix leaf-e revoked (superseded) after the signature's timestamp"
	run -1 eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-kc-2025" "$MATRIX/files/e-2020"
	assert_equal "$(jget 'd["reason"]')" revoked
	assert_equal "$(jget 'd["revocation"]["status"]')" revoked
	run -1 eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$MATRIX/crl-sup-2020" "$MATRIX/files/e-2020"
	assert_equal "$(jget 'd["detail"]')" \
		"certificate O=execgate test,CN=matrix leaf-e is revoked (superseded), not timestamped before the revocation"
}

@test "without the TSA's CRL the missing one is named as the TSA's" {
	local c=$BATS_TEST_TMPDIR/crl
	mkdir "$c"
	cp "$MATRIX/crl-none/inter.crl" "$MATRIX/crl-none/root.crl" "$c/"
	run -1 eg verify --json --trust "$MATRIX/root.crt" --tsa-trust "$PKI/tsa-root.crt" \
		--crl-dir "$c" "$MATRIX/files/e-2020"
	assert_equal "$(jget 'd["reason"]')" crl_missing
	assert_equal "$(jget 'd["detail"]')" \
		"an issuer of the chain has no valid CRL (in the TSA's chain)"
}
