#!/usr/bin/env bats
# Operating the agent: a refused reload says so (exit status, file:line:col, standard
# error, an event record in the decision log, execgate status) and the running policy
# keeps deciding; a policy that does not load at start falls back to the last known good
# copy in --state-dir, loudly, or the agent exits 3; the decision log is created 0640,
# group adm; a full log disk drops records with a counter and never blocks a decision.
# The agent watches only a tmpfs this file mounts (fanotify backend); its state directory
# and logs are temporary directories.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	requires root openssl
	eg_pki
	export MNT=$BATS_FILE_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o exec,size=16m execgate-test "$MNT"
	echo "$MNT" >"$BATS_FILE_TMPDIR/mounted"
	cp "$EG_BIN/eg-hello" "$MNT/signed"
	cp "$EG_BIN/eg-hello" "$MNT/unsigned"
	openssl cms -sign -binary -md sha256 -in "$MNT/signed" -signer "$PKI/leaf-valid.crt" \
		-inkey "$PKI/leaf-valid.key" -certfile "$PKI/inter.crt" -outform DER \
		-out "$MNT/signed.sig"
}

teardown_file() {
	if [[ -f $BATS_FILE_TMPDIR/mounted ]]; then
		umount "$(cat "$BATS_FILE_TMPDIR/mounted")" || true
	fi
}

setup() {
	POLICY=$BATS_TEST_TMPDIR/gate.policy
	CTL=$BATS_TEST_TMPDIR/control.sock
	STATE=$BATS_TEST_TMPDIR/state
	LOG=$BATS_TEST_TMPDIR/decisions.jsonl
	mkdir -p "$STATE"
	good_policy
}

teardown() {
	stop_agent
	# The test that traces the agent: its tracer's child is the agent.
	if [[ -n ${TRACER_PID:-} ]]; then
		pkill -TERM -P "$TRACER_PID" || true
		wait "$TRACER_PID" 2>/dev/null || true
	fi
	if [[ -f $BATS_TEST_TMPDIR/logmount ]]; then
		umount "$(cat "$BATS_TEST_TMPDIR/logmount")" || true
	fi
}

good_policy() {
	cat >"$POLICY" <<-EOF
		mode enforce
		trust-anchor "$PKI/root.crt"
		allow outcome valid
		default deny
	EOF
}

# break_policy: a policy with an error on line 2, column 1.
break_policy() {
	printf 'mode enforce\nfrobnicate on\ndefault deny\n' >"$POLICY"
}

# start ARGS...: the agent on the tmpfs with the test's policy, state and log; returns
# once it is ready, its messages in $BATS_TEST_TMPDIR/agent.err.  AGENT_TRACER: a command
# (an array) the agent runs under; AGENT_PID is then the tracer's.
start() {
	"${AGENT_TRACER[@]}" "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" \
		--policy "$POLICY" --control "$CTL" --state-dir "$STATE" --log "$LOG" --coalesce-ms 0 \
		--foreground "$@" 2>"$BATS_TEST_TMPDIR/agent.err" &
	AGENT_PID=$!
	for _ in $(seq 100); do
		grep -q ready "$BATS_TEST_TMPDIR/agent.err" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/agent.err" >&2
	return 1
}

stop_agent() {
	if [[ -n ${AGENT_PID:-} ]]; then
		kill -TERM "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
		AGENT_PID=
	fi
}

status_json() {
	run -0 "$EG_BIN/execgate" status --json --socket "$CTL"
}

# event NAME: the last event record NAME in the decision log, into $output (waits for the
# writer thread).
event() {
	local i
	for i in $(seq 50); do
		output=$(grep -F "\"event\":\"$1\"" "$LOG" 2>/dev/null | tail -n1)
		[[ -n $output ]] && return 0
		sleep 0.05
	done
	echo "no $1 event in $LOG" >&2
	return 1
}

# the policy that runs still decides: signed runs, unsigned is denied
still_deciding() {
	run -0 "$MNT/signed"
	run -126 "$MNT/unsigned"
}

@test "start: the ready message says how long the start took, part by part" {
	start
	run -0 grep -E '^execgated: ready in [0-9]+\.[0-9]{2} s \(policy and catalogs [0-9.]+ s, fanotify [0-9.]+ s, attach [0-9.]+ s, pre-scan [0-9.]+ s, control socket [0-9.]+ s\): backend fanotify' "$BATS_TEST_TMPDIR/agent.err"
}

@test "start: the agent reads no entropy it would wait for (early in boot the kernel spins to gather it)" {
	AGENT_TRACER=(strace -f -qq -e trace=openat,getrandom -o "$BATS_TEST_TMPDIR/trace")
	start
	TRACER_PID=$AGENT_PID
	AGENT_PID=$(pgrep -P "$TRACER_PID")
	"$EG_BIN/execgate" status --socket "$CTL" >/dev/null
	stop_agent
	wait "$TRACER_PID" || true
	TRACER_PID=
	grep -q ready "$BATS_TEST_TMPDIR/agent.err"
	run grep -E 'urandom|/dev/random|getrandom\(.*, 0\)' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	grep -q 'GRND_INSECURE' "$BATS_TEST_TMPDIR/trace"
}

@test "reload: a refused policy exits 1 with file:line:col and the running policy keeps deciding" {
	start
	break_policy
	run -1 --separate-stderr "$EG_BIN/execgate" reload --socket "$CTL"
	assert_equal "$stderr" "execgate reload: $POLICY:2:1: expected a setting, 'signer', 'allow', 'deny', 'audit' or 'default', found 'frobnicate'"
	still_deciding
	# the agent said it, on standard error (the journal under systemd) ...
	grep -F "reload (control socket) refused, the running policy (generation 1) stays: $POLICY:2:1:" \
		"$BATS_TEST_TMPDIR/agent.err"
	# ... in the decision log ...
	event reload_refused
	assert_equal "$(jget 'd["outcome"]')" refused
	assert_equal "$(jget 'd["via"]')" "control socket"
	[[ $(jget 'd["error"]') == "$POLICY:2:1: "* ]]
	assert_equal "$(jget 'd["policy"]["generation"]')" 1
	# ... and in execgate status
	status_json
	assert_equal "$(jget 'd["last_reload"]["outcome"]')" refused
	[[ $(jget 'd["last_reload"]["error"]') == "$POLICY:2:1: "* ]]
	[[ $(jget 'd["last_reload"]["time"]') =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	assert_equal "$(jget 'd["policy"]["generation"]')" 1
	# execgate log reads past the event records: not malformed
	run -0 --separate-stderr "$EG_BIN/execgate" log --json "$LOG"
	assert_equal "$stderr" ""
}

@test "reload: an accepted policy bumps the generation and says so; status shows it" {
	start
	run -0 "$EG_BIN/execgate" status --socket "$CTL"
	assert_line --regexp '^last_reload +null$'
	echo "# changed" >>"$POLICY"
	run -0 "$EG_BIN/execgate" reload --socket "$CTL"
	assert_output "reloaded"
	event reload_accepted
	assert_equal "$(jget 'd["policy"]["generation"]')" 2
	status_json
	assert_equal "$(jget 'd["last_reload"]["outcome"]')" accepted
	assert_equal "$(jget 'd["last_reload"]["error"]')" null
	assert_equal "$(jget 'd["policy"]["generation"]')" 2
	grep -F "reloaded (control socket): policy generation 2" "$BATS_TEST_TMPDIR/agent.err"
}

@test "reload --catalogs: only the catalog directory is taken; added counts at once, removed stops counting" {
	local cats=$BATS_TEST_TMPDIR/cats k=$BATS_TEST_TMPDIR/catalog-key.pem
	local c=$BATS_TEST_TMPDIR/catalog-signer.pem
	mkdir -p "$cats"
	"$EG_BIN/execgate" catalog key-init --key "$k" --cert "$c" >/dev/null
	cat >"$POLICY" <<-EOF
		mode enforce
		trust-anchor "$c"
		signature-lookup embedded detached catalog
		catalog-dir "$cats"
		allow outcome valid
		default deny
	EOF
	# Two programs with digests of their own.
	cp "$EG_BIN/eg-hello" "$MNT/cat1"
	printf 1 >>"$MNT/cat1"
	cp "$EG_BIN/eg-hello" "$MNT/cat2"
	printf 2 >>"$MNT/cat2"
	start
	run -126 "$MNT/cat1"
	"$EG_BIN/execgate" catalog create --key "$k" --cert "$c" -o "$cats/a.cat" "$MNT/cat1"
	run -0 "$EG_BIN/execgate" reload --catalogs --socket "$CTL"
	assert_output "catalogs: 1 added, 0 replaced, 0 removed, 0 kept, 0 skipped"
	run -0 "$MNT/cat1"
	# Trust only added: the generation, and every allow made under it, stays.
	status_json
	assert_equal "$(jget 'd["policy"]["generation"]')" 1
	# The policy file is not read again: broken, it does not stand in the way.
	break_policy
	"$EG_BIN/execgate" catalog create --key "$k" --cert "$c" -o "$cats/b.cat" "$MNT/cat2"
	run -0 "$EG_BIN/execgate" reload --catalogs --socket "$CTL"
	assert_output "catalogs: 1 added, 0 replaced, 0 removed, 1 kept, 0 skipped"
	run -0 "$MNT/cat2"
	# Removed: what it listed stops counting, for a file that ran before too.
	rm "$cats/a.cat"
	run -0 "$EG_BIN/execgate" reload --catalogs --socket "$CTL"
	assert_output "catalogs: 0 added, 0 replaced, 1 removed, 1 kept, 0 skipped"
	run -126 "$MNT/cat1"
	run -0 "$MNT/cat2"
	event reload_accepted
	assert_equal "$(jget 'd["catalogs"]["removed"]')" 1
	# Taken away: a new generation.  Nothing changed: nothing read, the generation stays.
	status_json
	assert_equal "$(jget 'd["policy"]["generation"]')" 2
	run -0 "$EG_BIN/execgate" reload --catalogs --socket "$CTL"
	assert_output "catalogs: 0 added, 0 replaced, 0 removed, 1 kept, 0 skipped"
	status_json
	assert_equal "$(jget 'd["policy"]["generation"]')" 2
	# A full reload reads the broken policy and refuses it; the catalogs stay as taken.
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	run -0 "$MNT/cat2"
	grep -F "catalogs taken (control socket): 0 added, 0 replaced, 1 removed, 1 kept, 0 skipped: policy generation 2" \
		"$BATS_TEST_TMPDIR/agent.err"
}

@test "reload --catalogs: a policy without catalog-dir says so, exit 1" {
	start
	run -1 --separate-stderr "$EG_BIN/execgate" reload --catalogs --socket "$CTL"
	assert_equal "$stderr" "execgate reload: the policy names no catalog-dir"
	still_deciding
	run -2 "$EG_BIN/execgate" status --catalogs --socket "$CTL"
}

@test "reload: SIGHUP with a broken policy is refused and said the same way" {
	start
	break_policy
	kill -HUP "$AGENT_PID"
	event reload_refused
	assert_equal "$(jget 'd["via"]')" SIGHUP
	status_json
	assert_equal "$(jget 'd["last_reload"]["via"]')" SIGHUP
	assert_equal "$(jget 'd["last_reload"]["outcome"]')" refused
	grep -F "reload (SIGHUP) refused" "$BATS_TEST_TMPDIR/agent.err"
	still_deciding
}

@test "last known good: a broken policy at start runs the last accepted one, loudly" {
	start
	[[ -s $STATE/last-good.policy ]]
	cmp "$STATE/last-good.policy" "$POLICY"
	assert_equal "$(cat "$STATE/last-good.source")" "$POLICY"
	[[ $(stat -c %a "$STATE/last-good.policy") == 600 ]]
	stop_agent
	break_policy
	start
	still_deciding
	grep -F "THE CONFIGURED POLICY DOES NOT LOAD: $POLICY:2:1: expected a setting" \
		"$BATS_TEST_TMPDIR/agent.err"
	grep -F "(the last known good copy)" "$BATS_TEST_TMPDIR/agent.err"
	event last_known_good
	[[ $(jget 'd["error"]') == "$POLICY:2:1: "* ]]
	status_json
	assert_equal "$(jget 'd["policy"]["source"]')" "last known good copy"
	[[ $(jget 'd["policy"]["fallback_reason"]') == "$POLICY:2:1: "* ]]
	# the copy is not overwritten by itself; a good reload returns to the configured policy
	good_policy
	echo "# fixed" >>"$POLICY"
	run -0 "$EG_BIN/execgate" reload --socket "$CTL"
	status_json
	assert_equal "$(jget 'd["policy"]["source"]')" configured
	assert_equal "$(jget 'd["policy"]["fallback_reason"]')" null
	cmp "$STATE/last-good.policy" "$POLICY"
}

@test "last known good: fragments and relative file names come back as they were" {
	mkdir "$BATS_TEST_TMPDIR/gate.policy.d"
	cp "$PKI/root.crt" "$BATS_TEST_TMPDIR/anchor.pem"
	printf 'mode enforce\ntrust-anchor anchor.pem\n' >"$POLICY"
	printf 'allow outcome valid\n' >"$BATS_TEST_TMPDIR/gate.policy.d/10-allow.policy"
	printf 'default deny\n' >"$BATS_TEST_TMPDIR/gate.policy.d/99-end.policy"
	start
	status_json
	local digest
	digest=$(jget 'd["policy"]["sha256"]')
	stop_agent
	printf 'bogus\n' >"$BATS_TEST_TMPDIR/gate.policy.d/50-broken.policy"
	start
	grep -F "gate.policy.d/50-broken.policy:1:1:" "$BATS_TEST_TMPDIR/agent.err"
	status_json
	assert_equal "$(jget 'd["policy"]["source"]')" "last known good copy"
	assert_equal "$(jget 'd["policy"]["sha256"]')" "$digest"
	still_deciding
}

@test "last known good: none, or a damaged one, and the agent exits 3 saying both" {
	break_policy
	run -3 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$STATE" --log /dev/null --foreground
	assert_output --partial "$POLICY:2:1: expected a setting"
	assert_output --partial "the last known good copy cannot be used either: $STATE: no last known good copy"
	printf 'garbage\0fragment x 99\n' >"$STATE/last-good.policy"
	echo "$POLICY" >"$STATE/last-good.source"
	run -3 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$STATE" --log /dev/null --foreground
	assert_output --partial "$POLICY:1:1: expected a setting, 'signer', 'allow', 'deny', 'audit' or 'default', found 'garbage'"
	printf 'mode audit\n\0fragment x 99\n' >"$STATE/last-good.policy"
	run -3 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$STATE" --log /dev/null --foreground
	assert_output --partial "$POLICY: not a canonical policy copy"
	# a copy whose anchor went away is refused as the policy would be
	good_policy
	start
	stop_agent
	cp "$PKI/root.crt" "$BATS_TEST_TMPDIR/moved.pem"
	sed -i "s|$PKI/root.crt|$BATS_TEST_TMPDIR/moved.pem|" "$POLICY"
	start
	stop_agent
	rm "$BATS_TEST_TMPDIR/moved.pem"
	run -3 "$EG_BIN/execgated" --backend fanotify --watch-mount "$MNT" --policy "$POLICY" \
		--control "$CTL" --state-dir "$STATE" --log /dev/null --foreground
	assert_output --partial "moved.pem"
	assert_output --partial "the last known good copy cannot be used either"
}

@test "last known good: a state directory that is not there is said, and the agent runs" {
	start --state-dir "$BATS_TEST_TMPDIR/nonexistent"
	grep -F "cannot keep the last known good policy: $BATS_TEST_TMPDIR/nonexistent" \
		"$BATS_TEST_TMPDIR/agent.err"
	still_deciding
}

@test "log: the decision log is created 0640, group adm where adm exists; an existing one keeps its mode" {
	start
	[[ $(stat -c %a "$LOG") == 640 ]]
	if getent group adm >/dev/null; then
		[[ $(stat -c %G "$LOG") == adm ]]
	fi
	stop_agent
	chmod 0600 "$LOG"
	start
	[[ $(stat -c %a "$LOG") == 600 ]]
}

@test "log: a full log disk drops records with a counter and a message, never blocks a decision" {
	local logdir=$BATS_TEST_TMPDIR/logdisk
	mkdir -p "$logdir"
	mount -t tmpfs -o size=64k execgate-log "$logdir"
	echo "$logdir" >"$BATS_TEST_TMPDIR/logmount"
	LOG=$logdir/decisions.jsonl
	start --log-allows
	# fill the disk but for a few bytes
	dd if=/dev/zero of="$logdir/filler" bs=1k count=80 2>/dev/null || true
	local i
	for i in $(seq 20); do
		run -126 "$MNT/unsigned"
		run -0 "$MNT/signed"
	done
	status_json
	(($(jget 'd["log_write_errors"]') > 0))
	assert_equal "$(jget 'd["decisions"]["denied"]')" 20
	# (the signed program's allow is remembered by the kernel after its first exec)
	(($(jget 'd["decisions"]["allowed"]') >= 1))
	grep -F "records are dropped (counted as log_write_errors" "$BATS_TEST_TMPDIR/agent.err"
	[[ $(grep -c "records are dropped" "$BATS_TEST_TMPDIR/agent.err") == 1 ]]
	# space again: records are written again, and the agent says so
	rm "$logdir/filler"
	run -126 "$MNT/unsigned"
	for i in $(seq 50); do
		grep -q "writing works again" "$BATS_TEST_TMPDIR/agent.err" && break
		sleep 0.05
	done
	grep -F "writing works again" "$BATS_TEST_TMPDIR/agent.err"
	# the lines written are whole records: a cut line costs only itself
	run -0 --separate-stderr "$EG_BIN/execgate" log --json "$LOG"
	[[ -z $stderr || $stderr == *"1 malformed line skipped"* ]]
}

@test "execgated --help documents --state-dir and exit status 3" {
	run -0 "$EG_BIN/execgated" --help
	assert_output --partial "--state-dir DIR"
	assert_output --partial "3 the --policy does not load"
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (grep -E), at most 15 s.
wait_for() {
	local i
	for i in $(seq 150); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line matching '$2' in $1" >&2
	return 1
}

@test "metrics: the policy's metrics-file gets Prometheus text that promtool accepts" {
	requires promtool
	local prom=$BATS_TEST_TMPDIR/execgate.prom
	good_policy
	sed -i "1a crl-dir \"$PKI/crl/fresh\"\nmetrics-file \"$prom\"" "$POLICY"
	start
	run -126 "$MNT/unsigned"
	run -0 "$MNT/signed"
	wait_for "$prom" '^execgate_decisions_total\{decision="deny",reason="no_signature"\} 1$'
	run -0 promtool check metrics <"$prom"
	grep -E '^execgate_decisions_total\{decision="allow",reason="none"\} 1$' "$prom"
	grep -E '^execgate_consult_duration_seconds_count [0-9]+$' "$prom"
	grep -E '^execgate_consult_duration_seconds_bucket\{le="\+Inf"\} [0-9]+$' "$prom"
	grep -E '^execgate_policy_generation 1$' "$prom"
	grep -E '^execgate_log_write_errors_total 0$' "$prom"
	grep -E '^execgate_crl_age_seconds\{issuer="O=execgate test,CN=execgate test inter",file="[^"]+/inter.crl"\} [0-9]+$' "$prom"
	grep -E '^execgate_crl_stale\{issuer="O=execgate test,CN=execgate test root",file="[^"]+"\} 0$' "$prom"
	grep -E '^execgate_build_info\{version="[^"]+",abi="[0-9]+"\} 1$' "$prom"
	# no temporary file is left beside it
	run ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial "execgate.prom."
	# a refused reload shows in the next file
	break_policy
	run -1 "$EG_BIN/execgate" reload --socket "$CTL"
	wait_for "$prom" '^execgate_last_reload_success 0$'
}

@test "metrics: --metrics-file overrides the policy; an unwritable path is said once, the agent runs" {
	local prom=$BATS_TEST_TMPDIR/flag.prom
	start --metrics-file "$prom"
	wait_for "$prom" '^execgate_policy_generation 1$'
	stop_agent
	start --metrics-file "$BATS_TEST_TMPDIR/nonexistent/execgate.prom"
	wait_for "$BATS_TEST_TMPDIR/agent.err" "metrics $BATS_TEST_TMPDIR/nonexistent/execgate.prom: No such file or directory"
	still_deciding
	sleep 6 # two metrics intervals later, still said only once
	[[ $(grep -c "nonexistent/execgate.prom" "$BATS_TEST_TMPDIR/agent.err") == 1 ]]
}

@test "crl: status lists every CRL with nextUpdate and age; one warning before it goes stale" {
	good_policy
	# the test PKI's CRLs turn stale by crl-max-age (7 days) well within 60 days
	sed -i "1a crl-dir \"$PKI/crl/fresh\"\ncrl-warn-window 60d" "$POLICY"
	start
	status_json
	assert_equal "$(jget 'len(d["crls"])')" 3
	assert_equal "$(jget '[c["file"].rsplit("/", 1)[1] for c in d["crls"]]')" \
		'["inter.crl", "root.crl", "tsa-root.crl"]'
	local next
	next=$(openssl crl -in "$PKI/crl/fresh/inter.crl" -noout -nextupdate | cut -d= -f2)
	assert_equal "$(jget 'd["crls"][0]["next_update"]')" "$(date -u -d "$next" +%Y-%m-%dT%H:%M:%SZ)"
	assert_equal "$(jget 'd["crls"][0]["stale"]')" false
	assert_equal "$(jget 'd["crls"][0]["expiring"]')" true
	(($(jget 'd["crls"][0]["age_seconds"]') >= 0))
	run -0 "$EG_BIN/execgate" status --socket "$CTL"
	assert_line --regexp '^  next_update +[0-9T:-]+Z$'
	wait_for "$BATS_TEST_TMPDIR/agent.err" "CRL $PKI/crl/fresh/inter.crl of .* goes stale at"
	event crl_expiring
	output=$(grep -F '"event":"crl_expiring"' "$LOG" | grep -F "\"file\":\"$PKI/crl/fresh/inter.crl\"")
	assert_equal "$(jget 'd["crl"]["issuer"]')" "O=execgate test,CN=execgate test inter"
	[[ $(grep -c "crl/fresh/inter.crl of" "$BATS_TEST_TMPDIR/agent.err") == 1 ]]
}

@test "crl: no warning for a CRL far from going stale; a stale one is shown stale" {
	good_policy
	sed -i "1a crl-dir \"$PKI/crl/stale\"\ncrl-warn-window 1h" "$POLICY"
	start
	status_json
	assert_equal "$(jget '[c["stale"] for c in d["crls"]]')" '[true, true, true]'
	assert_equal "$(jget '[c["expiring"] for c in d["crls"]]')" '[false, false, false]'
	run grep -c "goes stale at" "$BATS_TEST_TMPDIR/agent.err"
	assert_output 0
}

@test "policy: log-journal, metrics-file and crl-warn-window are checked like every setting" {
	printf 'mode audit\ncrl-warn-window soon\ndefault audit\n' >"$POLICY"
	run -1 "$EG_BIN/execgate" policy check --syntax-only "$POLICY"
	assert_output --partial "$POLICY:2:17:"
	printf 'mode audit\nlog-journal maybe\ndefault audit\n' >"$POLICY"
	run -1 "$EG_BIN/execgate" policy check --syntax-only "$POLICY"
	assert_output --partial "$POLICY:2:13:"
	printf 'mode audit\nmetrics-file\ndefault audit\n' >"$POLICY"
	run -1 "$EG_BIN/execgate" policy check --syntax-only "$POLICY"
	assert_output --partial "$POLICY:2:"
	printf 'mode audit\nlog-journal on\nlog-journal off\ndefault audit\n' >"$POLICY"
	run -1 "$EG_BIN/execgate" policy check --syntax-only "$POLICY"
	assert_output --partial "'log-journal' is already set"
	printf 'mode audit\nlog-journal on\nmetrics-file "/run/x.prom"\ncrl-warn-window 2d\ndefault audit\n' >"$POLICY"
	run -0 "$EG_BIN/execgate" policy check --syntax-only "$POLICY"
}
