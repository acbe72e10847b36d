# The shipped logrotate configuration: after a rotation the agent logs to the new file.
load helpers

@test "logrotate -f rotates the decision log and logging continues in the new file" {
	local prog
	[[ -s $DECISIONS ]]
	run -0 logrotate -f /etc/logrotate.d/execgate
	run -0 compgen -G "$DECISIONS.1*"
	prog=$(fresh unsigned)
	run -0 "$prog"
	wait_for has_record "$prog" audit
	# Nothing of it went to the rotated file.
	run ! zgrep -q -- "$prog" "$DECISIONS".1*
	run -0 systemctl show -p NRestarts --value execgated.service
	assert_output 0
	rm -f "$prog"
}
