#!/usr/bin/env bats
# Scripts are code: with bash (/bin/sh is bash here) named an interpreter in the policy, a
# gated bash reads only files the gate would let run, and a script run as ./x.sh is decided
# itself as well as its interpreter.  The scripts (tests/vm/fixtures.sh): unsigned, signed
# with a block at their end (embedded), detached, in a catalog, and changed after signing.

load helpers

setup() {
	mkdir -p "$SCOPE"
	POLICY=$FX/scripts.policy
	WATCHED=$BATS_TEST_TMPDIR/watched
	mkdir -p "$WATCHED"
}

teardown() {
	stop_agent
	rmdir "$SCOPE" 2>/dev/null || true
}

# scripts DIR: a fresh copy of every script (and the detached signature) in DIR.
scripts() {
	mkdir -p "$1"
	cp -a "$FX"/scripts/. "$1/"
}

@test "enforce: an unsigned script is refused to bash, sh and ./x.sh" {
	local d=$BATS_TEST_TMPDIR/s
	start_gate enforce --watch-scripts "$WATCHED"
	scripts "$d"
	run gated bash "$d/unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' 'unsigned.sh"'
	run gated sh "$d/unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	run -126 gated "$d/unsigned.sh"
	refute_output --partial "ran unsigned"
	run -0 wait_event '"hook":"exec"' '"decision":"deny"' '"reason":"no_signature"' \
		'unsigned.sh"'
	# In a watched directory the consult decides before the first read: no_signature.
	cp "$FX/scripts/unsigned.sh" "$WATCHED/fresh-unsigned.sh"
	run gated bash "$WATCHED/fresh-unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"no_signature"' \
		'fresh-unsigned.sh"'
}

@test "enforce: signed scripts (embedded, detached, catalog) run on their first try" {
	local d=$BATS_TEST_TMPDIR/s name
	start_gate enforce --watch-scripts "$WATCHED"
	scripts "$d"
	scripts "$WATCHED"
	for name in embedded detached catalog; do
		run -0 gated "$d/$name.sh"
		assert_output "ran $name"
		run -0 gated bash "$WATCHED/$name.sh"
		assert_output "ran $name"
		run -0 gated sh "$WATCHED/$name.sh"
		assert_output "ran $name"
	done
}

@test "enforce: a signed script changed after signing is refused" {
	local d=$BATS_TEST_TMPDIR/s
	start_gate enforce --watch-scripts "$WATCHED"
	scripts "$d"
	scripts "$WATCHED"
	run -126 gated "$d/changed.sh"
	refute_output --partial "ran"
	run -0 wait_event '"hook":"exec"' '"reason":"bad_signature"' 'changed.sh"'
	run gated bash "$WATCHED/changed.sh"
	assert_failure
	refute_output --partial "ran"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"bad_signature"' \
		'changed.sh"'
	# Sourced by a gated bash: the same file, the same refusal.
	run gated bash -c ". '$WATCHED/changed.sh'"
	assert_failure
	refute_output --partial "ran"
}

@test "enforce: a script never seen outside watched directories is refused on its first read, verified for the next" {
	local d=$BATS_TEST_TMPDIR/s i
	start_gate enforce
	scripts "$d"
	run gated bash "$d/embedded.sh"
	refute_output --partial "ran embedded"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"unverified"'
	for i in $(seq 50); do
		run gated bash "$d/embedded.sh"
		[[ $output == "ran embedded" ]] && break
		sleep 0.1
	done
	assert_output "ran embedded"
	# Pre-scanned at start, a script is known before its first read.
	stop_agent
	scripts "$BATS_TEST_TMPDIR/p"
	start_gate enforce --prescan "$BATS_TEST_TMPDIR/p"
	run -0 gated bash "$BATS_TEST_TMPDIR/p/catalog.sh"
	assert_output "ran catalog"
}

@test "enforce: processes that are no interpreter read what they like" {
	local d=$BATS_TEST_TMPDIR/s
	start_gate enforce
	scripts "$d"
	run -0 gated cat "$d/unsigned.sh"
	assert_output --partial 'echo "ran unsigned"'
}

@test "audit: every script runs, each refusal logged as audit with hook script" {
	local d=$BATS_TEST_TMPDIR/s
	start_gate audit --watch-scripts "$WATCHED"
	scripts "$d"
	scripts "$WATCHED"
	run -0 gated bash "$WATCHED/unsigned.sh"
	assert_output "ran unsigned"
	run -0 wait_event '"hook":"script"' '"decision":"audit"' '"reason":"no_signature"' \
		'unsigned.sh"'
	run -0 gated bash "$WATCHED/changed.sh"
	assert_output "ran CHANGED"
	run -0 wait_event '"hook":"script"' '"decision":"audit"' '"reason":"bad_signature"' \
		'changed.sh"'
	run -0 gated "$d/unsigned.sh"
	assert_output "ran unsigned"
	run -0 wait_event '"hook":"exec"' '"decision":"audit"' '"reason":"no_signature"' \
		'unsigned.sh"'
}

@test "AT_EXECVE_CHECK: an interpreter that asks gets the gate's decision (Linux 6.14 and later)" {
	local d=$BATS_TEST_TMPDIR/s
	start_gate enforce
	scripts "$d"
	run gated eg-checkrun "$d/embedded.sh"
	if ((status == 77)); then
		skip "this kernel ($(uname -r)) has no AT_EXECVE_CHECK (Linux 6.14): $output"
	fi
	assert_success
	assert_output '"ran embedded"'
	run -126 gated eg-checkrun "$d/unsigned.sh"
	assert_output --partial "EPERM"
	run -0 wait_event '"hook":"exec"' '"decision":"deny"' '"reason":"no_signature"' \
		'unsigned.sh"'
	run -126 gated eg-checkrun "$d/changed.sh"
	assert_output --partial "EPERM"
	run -0 gated eg-checkrun "$d/detached.sh"
	assert_output '"ran detached"'
}
