# The packaged service on a real Debian system: started by systemd, stays up, answers.
load helpers

@test "execgated.service is active, its main process is execgated, never restarted" {
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
	run -0 systemctl show -p NRestarts --value execgated.service
	assert_output 0
	run -0 main_pid
}

@test "execgated.service is enabled and of Type=notify" {
	run -0 systemctl is-enabled execgated.service
	run -0 systemctl show -p Type --value execgated.service
	assert_output notify
}

@test "execgate status answers: the BPF gate, in the shipped audit policy" {
	run -0 execgate status
	# The BPF LSM gate, with the fanotify consult: not the fanotify-only fallback.
	run -0 status_field .backend
	assert_output bpf+fanotify
	run -0 status_field .mode
	assert_output audit
	run -0 status_field .policy.file
	assert_output "$POLICY"
}

@test "the shipped audit policy boots to multi-user.target with zero deny records" {
	run -0 systemctl is-active multi-user.target
	# The boot ran programs the policy does not know: they are logged, as audits.
	[[ -s $DECISIONS ]]
	run -0 records -c 'select(.decision == "deny")'
	assert_output ""
	run -0 status_field .decisions.denied
	assert_output 0
}

@test "an unsigned program runs under the audit policy and is logged as an audit" {
	local prog
	prog=$(fresh unsigned)
	run -0 "$prog"
	assert_output --partial "hello from"
	wait_for has_record "$prog" audit
	run -0 records -r --arg p "$prog" 'select(.file.path == $p) | .reason'
	assert_line no_signature
	rm -f "$prog"
}
