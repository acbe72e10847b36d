#!/usr/bin/env bash
# Run each libFuzzer harness given as an argument for $FUZZ_SECONDS (default 60) and print
# one line per harness from libFuzzer's final statistics:
#
#   NAME: N execs, no crash
#   NAME: CRASH after N execs, reproducer in DIR/crash-...
#
# Exit 1 when any harness crashed (or could not run).  The corpus of each harness lives
# next to its binary (DIR/corpus/NAME) and grows from run to run; an empty corpus is
# seeded with a few real inputs made here with the openssl command (no key survives the
# run: they are made in a temporary directory that is removed).
set -uo pipefail

if (($# == 0)); then
	echo "usage: FUZZ_SECONDS=N $0 HARNESS..." >&2
	exit 2
fi
seconds=${FUZZ_SECONDS:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seeds: an ELF program, a detached CMS (DER and PEM), a catalog, a CRL.
make_seeds() {
	local d=$tmp/seeds
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj /CN=fuzz -keyout key.pem -out cert.pem \
			-addext extendedKeyUsage=codeSigning 2>/dev/null
		head -c 300 /bin/true >content
		openssl cms -sign -binary -outform DER -in content -signer cert.pem -inkey key.pem \
			-out detached.der
		openssl cms -sign -binary -outform PEM -in content -signer cert.pem -inkey key.pem \
			-out detached.pem
		printf 'execgate-catalog v1\nsha256:%s  content\n' \
			"$(sha256sum content | cut -d' ' -f1)" >catalog.txt
		openssl cms -sign -binary -nodetach -outform DER -in catalog.txt -signer cert.pem \
			-inkey key.pem -out catalog.cat
		mkdir ca && touch ca/index.txt && echo 01 >ca/crlnumber
		cat >ca.cnf <<-EOF
			[ca]
			default_ca = d
			[d]
			database = ca/index.txt
			crlnumber = ca/crlnumber
			default_md = sha256
			default_crl_days = 30
		EOF
		openssl ca -config ca.cnf -gencrl -keyfile key.pem -cert cert.pem -out crl.pem 2>/dev/null
		openssl crl -in crl.pem -outform DER -out crl.der
		rm -f key.pem
	) >/dev/null 2>&1
}

seed() {
	local name=$1 corpus=$2 d=$tmp/seeds
	[[ -n $(ls -A "$corpus" 2>/dev/null) ]] && return 0
	[[ -d $d ]] || make_seeds
	case $name in
	elf_sig_fuzz) cp /bin/true "$corpus/true" ;;
	# A dynamic program and a library: interpreter, names and a search path to mutate.
	ldso_fuzz) cp /bin/true "$corpus/true" && cp -L /lib/x86_64-linux-gnu/libcrypt.so.1 \
		"$corpus/libcrypt.so.1" 2>/dev/null ;;
	cms_catalog_fuzz) cp "$d"/detached.der "$d"/detached.pem "$d"/catalog.cat "$d"/catalog.txt \
		"$corpus/" 2>/dev/null ;;
	crl_fuzz) cp "$d"/crl.pem "$d"/crl.der "$corpus/" 2>/dev/null ;;
	# A script ending in a signature block, as docs/signature-format.md describes it.
	script_sig_fuzz) {
		printf '#!/bin/sh\necho hi\n# -----BEGIN EXECGATE SIGNATURE-----\n'
		base64 -w 76 "$d/detached.der" | sed 's/^/# /'
		printf '# -----END EXECGATE SIGNATURE-----\n'
	} >"$corpus/script.sh" 2>/dev/null ;;
	# Each line of the log fixtures, and the corner lines, one file each.
	log_scan_fuzz)
		local top i=0 line
		top=$(cd "$(dirname "$0")/../.." && pwd)
		python3 "$top/tests/fixtures/logs/gen-tricky.py" "$d/tricky.jsonl" 2>/dev/null
		cat "$top"/tests/fixtures/logs/*.jsonl "$d/tricky.jsonl" 2>/dev/null |
			while IFS= read -r line; do
				printf '%s' "$line" >"$corpus/line-$((i++))"
			done
		;;
	# Small .debs, one per compression dpkg-deb writes: a postinst, a file, a hard link
	# to it and a symbolic link.
	deb_fuzz)
		local root=$d/debroot z
		mkdir -p "$root/DEBIAN" "$root/usr/bin"
		printf 'Package: f\nVersion: 1:1.0-1\nArchitecture: all\nMaintainer: f <f@example.invalid>\nDescription: f\n' \
			>"$root/DEBIAN/control"
		printf '#!/bin/sh\n' >"$root/DEBIAN/postinst" && chmod 755 "$root/DEBIAN/postinst"
		printf 'x\n' >"$root/usr/bin/f" && ln "$root/usr/bin/f" "$root/usr/bin/g" &&
			ln -s f "$root/usr/bin/h"
		for z in gzip xz zstd none; do
			dpkg-deb --root-owner-group -Z"$z" --build "$root" "$corpus/f-$z.deb" \
				>/dev/null 2>&1
		done
		;;
	# dpkg's status and md5sums, apt's InRelease, a v2 catalog with sources.
	pkgdb_fuzz)
		head -c 20000 /var/lib/dpkg/status >"$corpus/status" 2>/dev/null
		head -c 4000 /var/lib/dpkg/info/dpkg.md5sums >"$corpus/md5sums" 2>/dev/null
		printf -- '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nCodename: bookworm\n-----BEGIN PGP SIGNATURE-----\n' \
			>"$corpus/InRelease"
		printf 'execgate-catalog v2\nsource 1 deb a%%20b 1.0 amd64 Debian bookworm main\nsource 2 dpkg c 2 all - - -\nsha256:%s 1  /usr/bin/a\nsha256:%s 2\n' \
			"$(printf a | sha256sum | cut -d' ' -f1)" "$(printf b | sha256sum | cut -d' ' -f1)" \
			>"$corpus/catalog-v2.txt"
		;;
	esac
	return 0
}

failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	dir=$(cd "$(dirname "$bin")" && pwd)
	corpus=$dir/corpus/$name
	log=$dir/$name.log
	mkdir -p "$corpus"
	seed "$name" "$corpus"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bin" "$corpus" \
		-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if ((rc == 0)) && [[ -n $execs ]]; then
		echo "$name: $execs execs, no crash"
	else
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "$name: CRASH after ${execs:-?} execs (exit $rc), reproducer ${artifact:-none}, log $log"
		failed=1
	fi
done
exit $failed
