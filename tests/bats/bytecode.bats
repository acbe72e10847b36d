#!/usr/bin/env bats
# Byte code that counts as its source (agent/lib/eg_bytecode.h): Python's
# __pycache__/NAME.TAG.pyc, compiled by Python itself, is trusted as its NAME.py is, while
# its header names the source's modification time and size and only root can have written
# it; otherwise it is a file without a signature like any other.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	eg_setup_file
}

teardown_file() {
	eg_teardown_file
}

setup() {
	MOD=$BATS_TEST_TMPDIR/lib/mod.py
	mkdir -p "${MOD%/*}"
	printf 'VALUE = 42\n' >"$MOD"
}

# compile [MODE]: byte code of MOD as Python writes it (MODE: a PycInvalidationMode),
# printed as its path.
compile() {
	"$EG_PYTHON" -c 'import py_compile, sys
mode = py_compile.PycInvalidationMode[sys.argv[2]]
print(py_compile.compile(sys.argv[1], doraise=True, invalidation_mode=mode))' \
		"$MOD" "${1:-TIMESTAMP}"
}

assert_no_signature() {
	run -1 egv --json "$1"
	assert_equal "$(jget '[d["valid"], d["reason"]]')" '[false, "no_signature"]'
}

@test "byte code of a signed source verifies as its source, its provenance naming the source" {
	local pyc
	run -0 sign_valid "$MOD"
	pyc=$(compile)
	[[ $pyc == */lib/__pycache__/mod.*.pyc ]]
	run -0 egv --json "$pyc"
	assert_equal "$(jget '[d["valid"], d["kind"]]')" '[true, "embedded"]'
	assert_equal "$(jget 'd["provenance"]')" "byte code of $MOD"
	assert_equal "$(jget 'd["file"]["sha256"]')" "$(sha256sum "$pyc" | cut -c1-64)"
}

@test "byte code of an unsigned source has no signature" {
	assert_no_signature "$(compile)"
}

@test "byte code whose source changed since it was compiled has no signature" {
	local pyc
	run -0 sign_valid "$MOD"
	pyc=$(compile)
	# Another size: Python compares the time in seconds and the size, and so does the
	# gate; a change within the same second that keeps the size is one Python misses too.
	printf 'VALUE = 4300\n' >"$MOD"
	run -0 sign_valid "$MOD"
	assert_no_signature "$pyc"
}

@test "byte code in a __pycache__ others than root may write has no signature" {
	local pyc
	run -0 sign_valid "$MOD"
	pyc=$(compile)
	chmod 777 "${pyc%/*}"
	assert_no_signature "$pyc"
	chmod 755 "${pyc%/*}"
	chmod 666 "$pyc"
	assert_no_signature "$pyc"
}

@test "hash-based byte code is not recognised, nor byte code outside __pycache__" {
	local pyc
	run -0 sign_valid "$MOD"
	assert_no_signature "$(compile CHECKED_HASH)"
	pyc=$(compile)
	cp "$pyc" "${MOD%/*}/mod.pyc"
	assert_no_signature "${MOD%/*}/mod.pyc"
}

@test "byte code renamed to stand for another signed module has no signature" {
	local pyc other=$BATS_TEST_TMPDIR/lib/other.py
	run -0 sign_valid "$MOD"
	pyc=$(compile)
	printf 'VALUE = "other"\n' >"$other"
	run -0 sign_valid "$other"
	cp "$pyc" "${pyc/mod./other.}"
	assert_no_signature "${pyc/mod./other.}"
}
