#!/usr/bin/env bats
# Round two of the bypass corpus, the agent's part (issue 13, items 9, 5 and 4): what an
# unprivileged user can do to the consult and the decider with the syscalls any signed
# tool makes.  Every test runs the whole gate (BPF LSM and the fanotify consult) in
# enforce mode; only processes in the cgroup eg-gated are gated.  The unprivileged user
# is uid 65534, reached through tests/helpers/eg-as.

load helpers

setup() {
	mkdir -p "$SCOPE"
	# A directory every user can write, as /tmp is on a real system (bats's own
	# directories are root's alone).
	WORLD=/tmp/eg-bypass2-$BATS_TEST_NUMBER
	mkdir -p "$WORLD"
	chmod 1777 "$WORLD"
	chmod o+x /tmp
}

teardown() {
	local f fd
	# Release anything a worker of the unfixed agent may still be blocked on: an open of
	# a FIFO for reading returns once some process opens it for writing (and a FIFO no
	# longer there cannot block the next one).
	for f in "$WORLD"/*/*.sig; do
		[[ -p $f ]] || continue
		exec {fd}<>"$f"
		rm -f "$f"
		exec {fd}>&-
	done
	# The descriptor limit test lifts the agent's limit when its helper's input ends.
	if [[ -n ${LIMIT_IN:-} ]]; then
		exec {LIMIT_IN}>&-
		LIMIT_IN=
	fi
	stop_agent
	[[ -n ${BYPASS_MNT:-} ]] && umount "$BYPASS_MNT" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$WORLD" /opt/trusted
	rmdir "$SCOPE" 2>/dev/null || true
}

sock() { echo "$BATS_TEST_TMPDIR/control.sock"; }

# as_nobody CMD...: CMD as uid 65534 inside the gated cgroup.
as_nobody() {
	gated eg-as 65534 "$@"
}

# own_copy NAME FIXTURE: a copy of FIXTURE that uid 65534 owns, in a directory of its own.
own_copy() {
	local dir=$WORLD/$1
	mkdir -p "$dir"
	cp "$FX/$2" "$dir/prog"
	chmod 755 "$dir/prog"
	chown -R 65534:65534 "$dir"
	echo "$dir/prog"
}

# --- item 9: a FIFO named FILE.sig, the descriptor limit, one user's slow files --------

@test "9: a FIFO named FILE.sig is not a signature and holds no worker" {
	start_gate enforce --workers 2 --timeout-ms 3000
	local i prog pids=()
	for i in 1 2 3 4; do
		prog=$(own_copy "fifo$i" unsigned)
		as_nobody mkfifo "$prog.sig"
		timeout 60 bash -c 'echo $$ > '"$SCOPE"'/cgroup.procs && exec eg-as 65534 eg-exec "$1"' \
			_ "$prog" >"$WORLD/fifo$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || true; done
	for i in 1 2 3 4; do
		run cat "$WORLD/fifo$i.out"
		assert_output --partial "EPERM"
	done
	# Every worker is free: a signed program nothing has seen runs on its first exec.
	run -0 gated eg-exec "$(fresh signed)"
	assert_output --partial "hello from"
	run -0 wait_event '"decision":"deny"' '"reason":"malformed"' '/fifo1/prog"'
}

@test "9: the consult's reader survives EMFILE, counts it, and answers again afterwards" {
	start_gate enforce --workers 2
	local open first second line limit_out
	first=$(fresh signed)
	second=$BATS_TEST_TMPDIR/second
	cp "$FX/signed" "$second"
	cp "$FX/signed.sig" "$second.sig"
	mkfifo "$BATS_TEST_TMPDIR/tick"
	# Not one descriptor more: the kernel cannot open an event's file for the agent and
	# denies that exec, any process's (so the program that lifts the limit again must
	# already run: it does when its standard input ends).
	open=$(eg-prlimit "$AGENT_PID" free)
	coproc LIMIT { eg-prlimit "$AGENT_PID" "$open" 1024; }
	# bash closes the coproc's descriptors when it ends: read through a copy.
	exec {limit_out}<&"${LIMIT[0]}"
	LIMIT_IN=${LIMIT[1]}
	read -r line <&"$limit_out"
	[[ $line == "set $open" ]]
	run "$first"
	assert_failure
	exec {LIMIT_IN}>&-
	LIMIT_IN=
	read -r line <&"$limit_out"
	[[ $line == "set 1024" ]]
	# The agent reads its queue again: the next first exec is verified and runs.  Timed
	# with bash alone: with the reader gone, no program could start, a timer neither.
	local pid tick i
	exec {tick}<>"$BATS_TEST_TMPDIR/tick"
	gated eg-exec "$second" >"$BATS_TEST_TMPDIR/second.out" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		read -r -t 0.1 -u "$tick" _ || true
	done
	if kill -0 "$pid" 2>/dev/null; then
		# Its exec was never answered.  Ending the agent closes its fanotify group,
		# which lets what waits go on, so the suite can.
		kill -KILL "$AGENT_PID" "$pid"
		echo "no answer to the exec of $second after 60 s: the reader is gone" >&2
		return 1
	fi
	wait "$pid"
	run -0 cat "$BATS_TEST_TMPDIR/second.out"
	assert_output --partial "hello from"
	run -0 execgate status --socket "$(sock)" --json
	assert_output --regexp '"read_errors": *[1-9]'
	run -0 grep -F 'Too many open files' "$AGENT_LOG"
}

# --- item 5: deny lists by digest --------------------------------------------------------

# deny_policy DIGEST: the VM policy with "deny sha256 DIGEST" before everything else.
deny_policy() {
	POLICY=$BATS_TEST_TMPDIR/deny.policy
	{
		echo "deny sha256 $1"
		cat "$FX/vm.policy"
	} >"$POLICY"
}

@test "5: a signature re-encoded in non-canonical DER is refused (verify and gate)" {
	run -1 execgate verify --trust /opt/execgate/pki/root.crt "$FX/embedded-reenc"
	assert_output --partial "malformed"
	assert_output --partial "canonical DER"
	# The whole-file digest of the original on the deny list: its re-encoded copy is not
	# a way around it.
	deny_policy "$(sha256sum "$FX/embedded" | cut -c1-64)"
	start_gate enforce
	run -126 gated eg-exec "$(fresh embedded)"
	run -126 gated eg-exec "$(fresh embedded-reenc)"
	assert_output --partial "EPERM"
}

@test "5: deny sha256 of the signed content denies the program, and explain and the log show both digests" {
	local signed_sha file_sha
	run -0 execgate explain --policy "$FX/vm.policy" --json "$FX/embedded"
	signed_sha=$(grep -o '"signed_sha256": *"[0-9a-f]*"' <<<"$output" | grep -o '[0-9a-f]\{64\}')
	file_sha=$(sha256sum "$FX/embedded" | cut -c1-64)
	[[ -n $signed_sha && $signed_sha != "$file_sha" ]]
	assert_output --partial "\"sha256\":\"$file_sha\""
	deny_policy "$signed_sha"
	start_gate enforce
	run -126 gated eg-exec "$(fresh embedded)"
	assert_output --partial "EPERM"
	run -0 wait_event '"decision":"deny"' '"reason":"denied_by_rule"' \
		"\"signed_sha256\":\"$signed_sha\"" "\"sha256\":\"$file_sha\""
	# A detached signature signs the file itself: both digests are the same.
	run -0 gated eg-exec "$(fresh signed)"
}

@test "5: --deny-list takes the signed content's digest too" {
	local signed_sha
	run -0 execgate explain --policy "$FX/vm.policy" --json "$FX/embedded"
	signed_sha=$(grep -o '"signed_sha256": *"[0-9a-f]*"' <<<"$output" | grep -o '[0-9a-f]\{64\}')
	echo "sha256:$signed_sha" >"$BATS_TEST_TMPDIR/deny.list"
	start_gate enforce --deny-list "$BATS_TEST_TMPDIR/deny.list"
	run -126 gated eg-exec "$(fresh embedded)"
	run -0 wait_event '"decision":"deny"' '"reason":"deny_list"' '/fresh/embedded"'
}

# --- item 4: one verdict per inode, rules that depend on the context -------------------

@test "4: allow uid 0 does not let uid 65534 run what root ran, and the denial is logged" {
	POLICY=$BATS_TEST_TMPDIR/uid.policy
	{
		grep -v '^default deny$' "$FX/vm.policy"
		echo "allow uid 0"
		echo "default deny"
	} >"$POLICY"
	start_gate enforce
	local prog
	prog=$(own_copy uid unsigned)
	run -0 gated eg-exec "$prog"
	assert_output --partial "hello from"
	run -126 as_nobody eg-exec "$prog"
	assert_output --partial "EPERM"
	run -0 wait_event '"decision":"deny"' '"uid":65534' '/uid/prog"'
	# And root, deciding again in its own context, still runs it.
	run -0 gated eg-exec "$prog"
}

@test "4: a path rule does not see a path a user made with a mount namespace of their own" {
	POLICY=$BATS_TEST_TMPDIR/path.policy
	{
		grep -v '^default deny$' "$FX/vm.policy"
		echo 'allow path "/opt/trusted/*"'
		echo "default deny"
	} >"$POLICY"
	mkdir -p /opt/trusted
	cp "$FX/signed" /opt/trusted/tool
	start_gate enforce
	local prog
	prog=$(own_copy ns unsigned)
	# uid 65534 in a user and mount namespace of its own: its file at /opt/trusted/tool.
	run as_nobody unshare -Urm sh -c \
		'mount --bind "$1" /opt/trusted/tool && exec eg-exec /opt/trusted/tool' _ "$prog"
	[[ $output != *"unshare:"* && $output != *"mount:"* ]] ||
		skip "user namespaces refused here: $output"
	assert_failure 126
	assert_output --partial "EPERM"
	# Root's own /opt/trusted/tool is what the rule is about: it runs.
	run -0 gated /opt/trusted/tool
}
