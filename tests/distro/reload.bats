# systemctl reload: a good policy is taken (a new generation), a broken one is refused
# and the running policy keeps deciding.
load helpers

setup() {
	cp "$POLICY" "$BATS_TEST_TMPDIR/policy.orig"
}

teardown() {
	cp "$BATS_TEST_TMPDIR/policy.orig" "$POLICY"
	systemctl reload execgated.service || true
}

@test "a good policy change and systemctl reload bump the policy generation" {
	local gen digest pid
	gen=$(status_field .policy.generation)
	digest=$(status_field .policy.sha256)
	pid=$(main_pid)
	echo "# changed by the distro suite" >>"$POLICY"
	run -0 systemctl reload execgated.service
	run -0 status_field .policy.generation
	((output > gen))
	run -0 status_field .policy.sha256
	assert_output "$(sha256sum "$POLICY" | cut -d' ' -f1)"
	refute_output "$digest"
	# A reload, not a restart.
	run -0 main_pid
	assert_output "$pid"
	run -0 systemctl show -p NRestarts --value execgated.service
	assert_output 0
}

@test "a broken policy fails systemctl reload and the old policy keeps deciding" {
	local gen digest prog
	gen=$(status_field .policy.generation)
	digest=$(status_field .policy.sha256)
	echo "alow outcome valid" >>"$POLICY"
	run systemctl reload execgated.service
	assert_failure
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
	run -0 status_field .policy.generation
	assert_output "$gen"
	run -0 status_field .policy.sha256
	assert_output "$digest"
	# Still deciding, under the old generation.
	prog=$(fresh unsigned)
	run -0 "$prog"
	wait_for has_record "$prog" audit
	run -0 records -r --arg p "$prog" 'select(.file.path == $p) | .policy.generation'
	assert_line "$gen"
	rm -f "$prog"
}
