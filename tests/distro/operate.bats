# Operating the service on the real system (issue 11): the journal (lifecycle entries with
# their MESSAGE_ID, decisions as EXECGATE_* fields with log-journal on), a refused reload
# in the journal with file:line:col, the last known good policy at a start on a broken
# policy, the metrics file through promtool, the decision log's mode and group, and the
# CRL fetch timer and service.
load helpers

# MESSAGE_IDs of the agent's lifecycle entries (agent/notice.c, docs/log-format.md).
MSG_READY=50ac8ee61a2e451e83c0e92da0dd55b6
MSG_RELOAD_REFUSED=0fdf132e3ede45b58ecc8a31654552ce
MSG_LAST_GOOD=bb9a096ad8ef49bb9f9911b013697b39

setup_file() {
	cp "$POLICY" "$BATS_FILE_TMPDIR/policy.orig"
}

teardown_file() {
	systemctl stop eg-operate-hold.service 2>/dev/null || true
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
	rm -f /etc/systemd/system/execgated.service.d/eg-operate.conf
	systemctl daemon-reload
	systemctl restart execgated.service
}

setup() {
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
}

# journal_mark, then journal_since ARGS...: journal entries from the second of the mark on,
# as JSON lines.  By time, not by cursor: on bookworm (systemd 252) --after-cursor found
# none of the agent's entries that -b finds.
journal_mark() {
	date +%s >"$BATS_TEST_TMPDIR/mark"
}

journal_since() {
	journalctl --since "@$(cat "$BATS_TEST_TMPDIR/mark")" -o json "$@"
}

@test "journal: the agent's start and ready are journal entries with their MESSAGE_ID" {
	run -0 journalctl -b -u execgated.service MESSAGE_ID=$MSG_READY -o json
	assert_output --partial '"EXECGATE_EVENT":"ready"'
	assert_output --partial '"PRIORITY":"6"'
	run -0 journalctl -b -u execgated.service EXECGATE_EVENT=start -o cat
	assert_output --partial "starting: policy $POLICY"
}

@test "reload: a broken policy fails systemctl reload; the journal has file:line:col" {
	journal_mark
	printf 'frobnicate on\n' >>"$POLICY"
	run systemctl reload execgated.service
	assert_failure
	local line
	line=$(wc -l <"$POLICY")
	wait_for sh -c "journalctl --since '@$(cat "$BATS_TEST_TMPDIR/mark")' MESSAGE_ID=$MSG_RELOAD_REFUSED -o cat | grep -qF '$POLICY:$line:1:'"
	run -0 journal_since MESSAGE_ID=$MSG_RELOAD_REFUSED
	assert_output --partial '"PRIORITY":"3"'
	run -0 status_field .last_reload.outcome
	assert_output refused
	run -0 status_field .last_reload.error
	assert_output --partial "$POLICY:$line:1:"
	run -0 jq -c 'select(.event == "reload_refused")' "$DECISIONS"
	assert_output --partial "$POLICY:$line:1:"
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
}

@test "last known good: a broken policy at start runs the last accepted one, loudly" {
	run -0 systemctl restart execgated.service
	[[ -s /var/lib/execgate/last-good.policy ]]
	printf 'frobnicate on\n' >>"$POLICY"
	local line
	line=$(wc -l <"$POLICY")
	journal_mark
	run -0 systemctl restart execgated.service
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
	run -0 status_field .policy.source
	assert_output "last known good copy"
	run -0 journal_since MESSAGE_ID=$MSG_LAST_GOOD
	assert_output --partial "THE CONFIGURED POLICY DOES NOT LOAD"
	assert_output --partial '"PRIORITY":"2"'
	run -0 jq -c 'select(.event == "last_known_good")' "$DECISIONS"
	assert_output --partial "$POLICY:$line:1:"
	# fixed and reloaded: back on the configured policy
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
	run -0 systemctl reload execgated.service
	run -0 status_field .policy.source
	assert_output configured
}

@test "last known good: none at all, the unit fails with exit status 3" {
	systemctl stop execgated.service
	mv /var/lib/execgate/last-good.policy "$BATS_TEST_TMPDIR/saved"
	printf 'frobnicate on\n' >>"$POLICY"
	run systemctl start execgated.service
	assert_failure
	run -0 systemctl show -p ExecMainStatus --value execgated.service
	assert_output 3
	run -0 systemctl is-failed execgated.service
	mv "$BATS_TEST_TMPDIR/saved" /var/lib/execgate/last-good.policy
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
	systemctl reset-failed execgated.service
	run -0 systemctl start execgated.service
}

@test "journal: with log-journal on, journalctl EXECGATE_DECISION=deny -o json carries the sha256" {
	cat >"$POLICY" <<POLICY
mode enforce
trust-anchor $TEST_DIR/pki/root.crt
tsa-anchor $TEST_DIR/pki/tsa-root.crt
crl-dir $TEST_DIR/pki/crl
scope cgroup /eg.slice/eg-operate.slice
log-journal on
allow outcome valid
default deny
POLICY
	# The gate binds the slice's cgroup as it is at start: systemd makes it first.
	systemd-run --quiet --unit=eg-operate-hold --slice=eg-operate.slice -- sleep infinity
	run -0 systemctl restart execgated.service
	local prog sha
	prog=$(fresh unsigned)
	sha=$(sha256sum "$prog" | cut -d' ' -f1)
	run systemd-run --quiet --scope --slice=eg-operate.slice --collect -- "$prog"
	assert_failure
	wait_for sh -c "journalctl -b EXECGATE_DECISION=deny EXECGATE_PATH='$prog' -o json | grep -q ."
	run -0 journalctl -b EXECGATE_DECISION=deny EXECGATE_PATH="$prog" -o json
	assert_output --partial "\"EXECGATE_SHA256\":\"$sha\""
	assert_output --partial '"EXECGATE_REASON":"no_signature"'
	assert_output --partial '"EXECGATE_HOOK":"exec"'
	rm -f "$prog"
}

@test "metrics: the metrics file passes promtool check metrics" {
	# The suite puts the host's promtool (Debian's prometheus package) in every root.
	command -v promtool
	local prom=/run/execgate-test.prom
	printf 'metrics-file %s\n' "$prom" | cat - "$BATS_FILE_TMPDIR/policy.orig" >"$POLICY"
	run -0 systemctl reload execgated.service
	wait_for test -s "$prom"
	run -0 promtool check metrics <"$prom"
	run -0 grep -E '^execgate_policy_generation [0-9]+$' "$prom"
	run -0 grep -E '^execgate_build_info\{' "$prom"
	rm -f "$prom"
}

@test "log: the decision log is 0640, group adm" {
	run -0 stat -c '%a %U %G' "$DECISIONS"
	assert_output "640 root adm"
}

@test "crl: the fetch timer is there, and its service fetches a CRL from a loopback server" {
	run -0 systemctl cat execgate-crl-fetch.timer
	run -0 systemctl is-enabled execgate-crl-fetch.timer
	# The fixture's CA names http://127.0.0.1:8719/root.crl as its distribution point:
	# while the server has no CRL the unit fails, once it has one the unit installs it.
	# (Not a server down: a refused connection is tried again until the download's
	# timeout, 30 s.)
	[[ -f $FIXTURES/crl-dp/root.crl ]]
	local served=$BATS_TEST_TMPDIR/served
	mkdir -p "$served"
	cat >"$POLICY" <<POLICY
mode audit
trust-anchor $FIXTURES/crl-dp/root.crt
crl-dir /var/lib/execgate/crl
allow outcome valid
default audit
POLICY
	rm -rf /var/lib/execgate/crl
	mkdir -p /var/lib/execgate/crl
	systemd-run --unit=eg-crl-dp --collect python3 -m http.server --bind 127.0.0.1 \
		--directory "$served" 8719
	wait_for bash -c 'exec 3<>/dev/tcp/127.0.0.1/8719'
	run systemctl start execgate-crl-fetch.service
	assert_failure
	run -0 journalctl -b -u execgate-crl-fetch.service -o cat
	assert_output --partial "http://127.0.0.1:8719/root.crl: "
	run -0 ls /var/lib/execgate/crl
	assert_output ""
	cp "$FIXTURES/crl-dp/root.crl" "$served/"
	run -0 systemctl start execgate-crl-fetch.service
	run -0 execgate crl status --policy "$POLICY"
	assert_output --partial fresh
	systemctl stop eg-crl-dp.service
}
