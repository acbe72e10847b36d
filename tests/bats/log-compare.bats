#!/usr/bin/env bats
# execgate log reads a line with a one-pass scanner (tools/log_scan.c); jansson's tree
# (EXECGATE_LOG_READER=tree) is the reference.  Every output and filter must be the same,
# byte for byte, both ways: on the fixtures, on a generated log (plain, gzip and a cut
# gzip) and on lines made to hit the corners of JSON and of docs/log-format.md.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

setup_file() {
	local d=$BATS_FILE_TMPDIR
	python3 "$EG_TOP/tests/fixtures/logs/gen-log.py" 3000 "$d/gen.jsonl"
	python3 "$EG_TOP/tests/fixtures/logs/gen-tricky.py" "$d/tricky.jsonl"
	gzip -c "$d/gen.jsonl" >"$d/gen.jsonl.gz"
	head -c 40000 "$d/gen.jsonl.gz" >"$d/cut.jsonl.gz"
	# A line with a NUL byte is compared too (malformed both ways).
	{ head -3 "$d/gen.jsonl"; printf '{"time":\0}\n'; tail -2 "$d/gen.jsonl"; } >"$d/nul.jsonl"
}

setup() {
	E=$EG_BIN/execgate
	D=$BATS_FILE_TMPDIR
	LOGS=("$EG_TOP"/tests/fixtures/logs/*.jsonl "$D"/gen.jsonl "$D"/tricky.jsonl
		"$D"/gen.jsonl.gz "$D"/cut.jsonl.gz "$D"/nul.jsonl)
	# A fingerprint and a subject that occur in the generated log.
	FP=$(grep -o '"signature":{[^}]*}' "$D/gen.jsonl" | head -1 |
		sed 's/.*"sha256":"\([0-9a-f]*\)".*/\1/')
}

# `execgate log ARGS... FILE` both ways for every log: the same standard output, standard
# error and exit status, and at least one of them saying something.
same_both_ways() {
	local f fast ref
	for f in "${LOGS[@]}"; do
		fast=$("$E" log "$@" "$f" 2>&1; echo "exit $?")
		ref=$(EXECGATE_LOG_READER=tree "$E" log "$@" "$f" 2>&1; echo "exit $?")
		if [[ $fast != "$ref" ]]; then
			echo "differs: execgate log $* $f"
			diff <(echo "$ref") <(echo "$fast") | head -20
			return 1
		fi
	done
}

@test "compare: the table, --json and --format ocsf" {
	same_both_ways
	same_both_ways --json
	same_both_ways --format ocsf
}

@test "compare: --summary, as text (every row) and as JSON" {
	same_both_ways --summary
	same_both_ways --summary --top 0
	same_both_ways --summary --json
}

@test "compare: --suggest-policy" {
	same_both_ways --suggest-policy
}

@test "compare: each filter" {
	same_both_ways --json --decision deny
	same_both_ways --json --decision audit,allow
	same_both_ways --json --reason expired,revoked
	same_both_ways --json --signer 'signer 1'
	same_both_ways --json --signer "${FP:0:12}"
	same_both_ways --json --path '/opt/app1*'
	same_both_ways --json --uid 1000
	same_both_ways --json --host 'host-00*'
	same_both_ways --json --since 2026-11-20 --until 2026-11-25T12:00:00Z
	same_both_ways --summary --decision deny --reason no_signature --uid 0
}

@test "compare: --html (but for the time it was written)" {
	local f
	for f in "${LOGS[@]}"; do
		"$E" log --html "$D/fast.html" "$f" 2>/dev/null || true
		EXECGATE_LOG_READER=tree "$E" log --html "$D/ref.html" "$f" 2>/dev/null || true
		run -0 diff <(grep -v 'Report written' "$D/ref.html") \
			<(grep -v 'Report written' "$D/fast.html")
	done
}

@test "compare: the corner lines are records or malformed as the reference says" {
	run -0 --separate-stderr "$E" log --json "$D/tricky.jsonl"
	# Not vacuous: both kinds are there.
	[[ ${#lines[@]} -gt 30 ]]
	[[ $stderr == *"malformed lines skipped"* ]]
}
