# Shared helpers of the real-system suite (run inside the guest, as root, by
# execgate-test.service once multi-user.target is reached).
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

TEST_DIR=/opt/execgate-test
FIXTURES=$TEST_DIR/fixtures
DECISIONS=/var/log/execgate/decisions.jsonl
POLICY=/etc/execgate/execgate.policy

# wait_for CMD...: until CMD succeeds, for up to WAIT_SECONDS (default 30) by the clock:
# under emulation one try may take seconds.
wait_for() {
	local end=$((SECONDS + ${WAIT_SECONDS:-30}))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@"
}

# scoped_policy [STATEMENT...]: the suite's enforce policy, scoped to eg-test.slice and
# trusting the test PKI, with STATEMENTs added.
scoped_policy() {
	echo "# The distro suite's enforcement scoped to eg-test.slice (tests/distro/)."
	echo "mode enforce"
	printf '%s\n' "$@"
	cat <<-POLICY
		trust-anchor $TEST_DIR/pki/root.crt
		tsa-anchor $TEST_DIR/pki/tsa-root.crt
		crl-dir $TEST_DIR/pki/crl
		signature-lookup embedded detached
		scope cgroup /eg.slice/eg-test.slice
		log-json $DECISIONS
		allow outcome valid
		default deny
	POLICY
}

# A gate that enforces outside its scope leaves nothing able to execute, bats included:
# then the agent is stopped with shell builtins alone (its links are not pinned, so the
# gate goes with it) and the tests fail instead of hanging the guest.
scope_guard() {
	local pid i
	/usr/bin/true && return 0
	read -r pid </sys/fs/cgroup/system.slice/execgated.service/cgroup.procs || return 1
	kill -TERM "$pid"
	for ((i = 0; i < 1000000; i++)); do
		kill -0 "$pid" 2>/dev/null || break
	done
	return 1
}

# start_scoped POLICY_FILE (in setup_file): the service restarted under POLICY_FILE, a policy
# scoped to eg-test.slice; the policy it had is kept for stop_scoped.  SCOPE_LEAKED is set
# when the gate denied execs outside the slice (scope_guard stopped it).
start_scoped() {
	cp "$POLICY" "$BATS_FILE_TMPDIR/policy.orig"
	cp "$1" "$POLICY"
	# The gate binds the scope's cgroup as it is when the agent starts: systemd makes the
	# slice first, and a unit kept in it keeps the slice (and its cgroup) alive.
	systemd-run --quiet --unit=eg-test-hold --slice=eg-test.slice -- sleep infinity
	# The scope is part of what the gate loads into the kernel: a restart, not a reload.
	systemctl restart execgated.service
	scope_guard || export SCOPE_LEAKED=1
}

# stop_scoped (in teardown_file): the slice's unit stopped, the service back on its policy.
stop_scoped() {
	systemctl stop eg-test-hold.service 2>/dev/null || true
	cp "$BATS_FILE_TMPDIR/policy.orig" "$POLICY"
	systemctl restart execgated.service
}

# scope_held (in setup): once the gate leaked and was stopped, no test of the file can
# pass for the right reason.
scope_held() {
	[[ -z ${SCOPE_LEAKED:-} ]] && return 0
	echo "under its scoped policy the gate denied execs outside eg-test.slice; the agent" \
		"was stopped to go on"
	return 1
}

# in_slice CMD...: run CMD in a new scope unit of eg-test.slice.
in_slice() {
	systemd-run --quiet --scope --slice=eg-test.slice --collect -- "$@"
}

# A field of `execgate status --json`, as jq -r prints it (".policy.generation").
status_field() {
	execgate status --json | jq -r "$1"
}

# fresh FIXTURE: a copy of the test program FIXTURE (unsigned, or signed: its signature is
# embedded) at a path no test used before: a new inode, so the gate decides it afresh and
# logs it.
fresh() {
	local path
	path=$(mktemp -p /var/tmp "eg-$1.XXXXXX")
	cp "$FIXTURES/$1" "$path"
	chmod 0755 "$path"
	echo "$path"
}

# records [JQ-OPTIONS] FILTER: the decision log's records through a jq filter.  The agent
# appends as the tests read, so a last line may still be partial: lines that are not JSON
# (yet) are skipped, as `execgate log` does.
records() {
	local filter=${*: -1}
	jq -R "${@:1:$#-1}" "fromjson? | $filter" "$DECISIONS"
}

# has_record PATH DECISION: the decision log holds a record of DECISION on PATH.  When it
# does not, says what the records naming that file are, and the agent's counters.
has_record() {
	[[ -n $(records -c --arg p "$1" --arg d "$2" \
		'select(.file.path == $p and .decision == $d)') ]] && return 0
	echo "no $2 record for $1 in $DECISIONS; records naming ${1##*/}, then the last ones:"
	records -c --arg n "${1##*/}" 'select(.file.path | contains($n))'
	tail -n 3 "$DECISIONS" | jq -cR 'fromjson? | [.decision, .reason, .file.path, .count]'
	execgate status --json | jq -c '[.decisions, .kernel, .consult]'
	return 1
}

# The service's main process, checked to be execgated.
main_pid() {
	local pid
	pid=$(systemctl show -p MainPID --value execgated.service)
	[[ $pid -gt 0 && $(cat "/proc/$pid/comm") == execgated ]] || return 1
	echo "$pid"
}
