# Scripts are code, on the real system: debian-system.policy as shipped (the package
# catalogs) with the interpreter lines its comment gives (the shipped interpreters, their
# data, the watched trees), the test PKI's anchors, and its enforcement scoped to
# eg-test.slice.  The scripts
# (tests/lib/pki.sh): unsigned, signed with a block at their end (embedded), detached, in a
# catalog the machine's local catalog key signs (the administrator's way), and changed
# after signing.  Interpreters read them from /var/tmp/eg-watched, a directory the policy
# also watches (watch-scripts), so a script is decided before its interpreter's first read.
load helpers

WATCHED=/var/tmp/eg-watched
PLAIN=/var/tmp/eg-scripts
CATALOG=/var/lib/execgate/catalogs/50-eg-scripts.cat

# script_policy MODE: debian-system.policy in MODE, scoped to the slice, with the
# interpreters, the test PKI and the watched directory.  Without self-protection, so that scope_guard can stop a gate
# that leaked out of its scope.
script_policy() {
	sed -e "s|^mode .*|mode $1|" -e 's|^scope machine$|scope cgroup /eg.slice/eg-test.slice|' \
		-e '/^self-protection /d' \
		-e "/^trust-anchor /a trust-anchor $TEST_DIR/pki/root.crt" \
		-e "/^trust-anchor /a tsa-anchor $TEST_DIR/pki/tsa-root.crt" \
		-e '/^scope /a interpreter default' -e '/^scope /a interpreter-data default' \
		-e "/^scope /a watch-scripts default $WATCHED" \
		/usr/share/execgate/debian-system.policy
}

setup_file() {
	rm -rf "$WATCHED" "$PLAIN"
	cp -a "$FIXTURES/scripts" "$WATCHED"
	cp -a "$FIXTURES/scripts" "$PLAIN"
	execgate catalog create --key /etc/execgate/catalog-key.pem \
		--cert /etc/execgate/catalog-signer.pem -o "$CATALOG" "$PLAIN"/catalog.*
	script_policy enforce >"$BATS_FILE_TMPDIR/scripts.policy"
	start_scoped "$BATS_FILE_TMPDIR/scripts.policy"
}

teardown_file() {
	rm -f "$CATALOG"
	stop_scoped
	rm -rf "$WATCHED" "$PLAIN"
}

setup() {
	scope_held
}

# named_record HOOK NAME DECISION [REASON]: a record of HOOK with DECISION (and REASON) on a
# file named NAME: the agent names the whole path, the kernel the last component.
named_record() {
	[[ -n $(records -c --arg h "$1" --arg n "$2" --arg d "$3" --arg r "${4:-}" \
		'select(.hook == $h and .decision == $d and ($r == "" or .reason == $r)
			and (.file.path | split("/") | last) == $n)') ]] && return 0
	echo "no $1 record $3 ${4:-} for $2; the last ones:"
	tail -n 5 "$DECISIONS" | jq -cR 'fromjson? | [.decision, .hook, .reason, .file.path]'
	return 1
}

# interp EXT: the interpreter of a script NAME.EXT.
interp() {
	case $1 in
	sh) echo bash ;;
	py) echo python3 ;;
	pl) echo perl ;;
	esac
}

@test "enforce: an unsigned script is refused to bash, sh, python3, perl and as ./x.sh" {
	local ext
	for ext in sh py pl; do
		run in_slice "$(interp "$ext")" "$WATCHED/unsigned.$ext"
		refute_output --partial "ran unsigned"
		wait_for named_record script "unsigned.$ext" deny no_signature
	done
	run in_slice sh "$WATCHED/unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	run in_slice "$PLAIN/unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	wait_for named_record exec unsigned.sh deny no_signature
	# Decided before: now every interpreter is refused at open, and says so.
	for ext in sh py pl; do
		run in_slice "$(interp "$ext")" "$WATCHED/unsigned.$ext"
		assert_failure
		assert_output --partial "Permission denied"
	done
}

@test "enforce: signed scripts (embedded, detached, catalog) run on their first try" {
	local name ext
	for name in embedded detached catalog; do
		for ext in sh py pl; do
			run -0 in_slice "$(interp "$ext")" "$WATCHED/$name.$ext"
			assert_output "ran $name"
		done
		run -0 in_slice sh "$WATCHED/$name.sh"
		assert_output "ran $name"
		run -0 in_slice "$PLAIN/$name.sh"
		assert_output "ran $name"
	done
}

@test "enforce: a signed script changed after signing is refused" {
	local ext
	for ext in sh py pl; do
		run in_slice "$(interp "$ext")" "$WATCHED/changed.$ext"
		refute_output --partial "ran"
		wait_for named_record script "changed.$ext" deny bad_signature
	done
	run in_slice "$PLAIN/changed.sh"
	assert_failure
	refute_output --partial "ran"
}

@test "enforce: python3 -c 'import mod' of an unsigned module in a user's directory is refused" {
	local home=/home/eg-scripts
	mkdir -p "$home"
	cp "$FIXTURES/scripts/mod.py" "$FIXTURES/scripts/signedmod.py" "$home/"
	cd "$home"
	run in_slice python3 -c 'import mod'
	assert_failure
	assert_output --partial "PermissionError"
	refute_output --partial "imported mod"
	wait_for named_record script mod.py deny
	cd "$WATCHED"
	run -0 in_slice python3 -c 'import signedmod'
	assert_output "imported signedmod"
	cd /
	rm -rf "$home"
}

@test "enforce: the system's own interpreter work in the slice runs, and nothing of it is refused" {
	# Python's standard library and its byte code, time zones, locales, TLS certificates,
	# name service; perl's core modules from /usr/share; a login shell's start-up files.
	run in_slice python3 -c 'import json, email.parser, http.client, ssl, locale, zoneinfo
import pwd, grp, datetime
ssl.create_default_context()
datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris"))
pwd.getpwuid(0); grp.getgrgid(0)
print("python ok")'
	assert_success
	assert_output "python ok"
	run in_slice perl -MPOSIX -MFile::Temp -MGetopt::Long -e 'print strftime("%Y", localtime), "\n"'
	assert_success
	run in_slice bash -l -c 'echo login ok'
	assert_success
	assert_output --partial "login ok"
	refute_output --partial "Permission denied"
	run -0 in_slice sh -c 'getent passwd root >/dev/null && echo sh ok'
	assert_output "sh ok"
}

# Every refusal (or audit) of a read by an interpreter in this file's run names one of its
# test scripts: the interpreters' own files (libraries, byte code, data) never.
@test "enforce: no script record but the tests' own scripts" {
	run -0 records -r 'select(.hook == "script") | .file.path'
	local others
	others=$(grep -vE '(^|/)(audit-)?(unsigned|changed)\.(sh|py|pl)$|(^|/)(audit_)?mod\.py$' \
		<<<"$output" || true)
	assert_equal "$others" ""
}

@test "enforce: outside the slice the same scripts run as before" {
	run -0 bash "$PLAIN/unsigned.sh"
	assert_output "ran unsigned"
	run -0 python3 "$PLAIN/changed.py"
	assert_output "ran CHANGED"
	run -0 "$PLAIN/unsigned.sh"
	assert_output "ran unsigned"
}

@test "audit: every script runs and is logged with hook script" {
	local ext name
	script_policy audit >"$POLICY"
	systemctl restart execgated.service
	# New files in the watched directory (its subdirectories are watched as they were at
	# start): never decided in this generation, decided before the first read.
	for name in unsigned.sh unsigned.py unsigned.pl changed.sh changed.py changed.pl; do
		cp "$FIXTURES/scripts/$name" "$WATCHED/audit-$name"
	done
	cp "$FIXTURES/scripts/mod.py" "$WATCHED/audit_mod.py"
	for ext in sh py pl; do
		run -0 in_slice "$(interp "$ext")" "$WATCHED/audit-unsigned.$ext"
		assert_output "ran unsigned"
		wait_for named_record script "audit-unsigned.$ext" audit no_signature
		run -0 in_slice "$(interp "$ext")" "$WATCHED/audit-changed.$ext"
		assert_output "ran CHANGED"
		wait_for named_record script "audit-changed.$ext" audit bad_signature
	done
	run -0 in_slice bash -c "cd $WATCHED && python3 -c 'import audit_mod'"
	assert_output "imported mod"
	wait_for named_record script audit_mod.py audit no_signature
	script_policy enforce >"$POLICY"
	systemctl restart execgated.service
}
