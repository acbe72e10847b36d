# Shared helpers of the real-system suite (run inside the guest, as root, by
# execgate-test.service once multi-user.target is reached).
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

TEST_DIR=/opt/execgate-test
FIXTURES=$TEST_DIR/fixtures
DECISIONS=/var/log/execgate/decisions.jsonl
POLICY=/etc/execgate/execgate.policy

# wait_for CMD...: until CMD succeeds, for up to 30 s (by the clock: under emulation one
# try may take seconds).
wait_for() {
	local end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@"
}

# A field of `execgate status --json`, as jq -r prints it (".policy.generation").
status_field() {
	execgate status --json | jq -r "$1"
}

# A copy of the unsigned test program at a path no test used before: a new inode, so the
# gate decides it afresh and logs it.
fresh_unsigned() {
	local path
	path=$(mktemp -p /var/tmp eg-unsigned.XXXXXX)
	cp "$FIXTURES/unsigned" "$path"
	chmod 0755 "$path"
	echo "$path"
}

# has_record LOG PATH DECISION: LOG holds a record of DECISION on PATH.  When it does not,
# says what the last records of LOG are about.
has_record() {
	jq -e --arg p "$2" --arg d "$3" 'select(.file.path == $p and .decision == $d)' "$1" \
		>/dev/null && return 0
	echo "no $3 record for $2 in $1; records naming ${2##*/}, then the last ones:"
	jq -c --arg n "${2##*/}" 'select(.file.path | contains($n))' "$1"
	tail -n 3 "$1" | jq -c '[.decision, .reason, .file.path, .process.comm, .count]'
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
