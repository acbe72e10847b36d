# Enforce mode on the real system, scoped to one cgroup: the service runs a policy that
# enforces in eg-test.slice only.  Inside, an unsigned program is denied and a signed one
# runs; outside, everything runs as before.
load helpers

setup_file() {
	scoped_policy >"$BATS_FILE_TMPDIR/scoped.policy"
	start_scoped "$BATS_FILE_TMPDIR/scoped.policy"
}

teardown_file() {
	stop_scoped
}

setup() {
	scope_held
}

@test "scoped enforce: programs outside the slice still execute after the restart" {
	run -0 /usr/bin/true
}

@test "scoped enforce: the service restarted into the scoped policy" {
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
	run -0 status_field .mode
	assert_output enforce
}

@test "scoped enforce: an unsigned program is denied inside the slice" {
	local prog
	prog=$(fresh unsigned)
	run in_slice "$prog"
	assert_failure
	refute_output --partial "hello from"
	wait_for has_record "$prog" deny
	run -0 records -r --arg p "$prog" \
		'select(.file.path == $p and .decision == "deny") | .reason + " " + .process.cgroup'
	assert_line --regexp '^no_signature /eg\.slice/eg-test\.slice/'
	rm -f "$prog"
}

@test "scoped enforce: a signed program runs inside the slice" {
	run -0 in_slice "$FIXTURES/signed"
	assert_output --partial "hello from"
}

@test "scoped enforce: outside the slice the unsigned program runs and nothing is denied" {
	local prog
	prog=$(fresh unsigned)
	run -0 "$prog"
	assert_output --partial "hello from"
	run -0 sh -c 'echo "$(id -un) $(uname -s)"'
	assert_output "root Linux"
	run -0 systemctl is-active multi-user.target
	run -0 records -c --arg p "$prog" 'select(.file.path == $p and .decision == "deny")'
	assert_output ""
	rm -f "$prog"
}
