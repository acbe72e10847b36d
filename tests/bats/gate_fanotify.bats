#!/usr/bin/env bats
# The fanotify backend on the development host, where BPF LSM is refused: the agent
# watches only a tmpfs this file mounted itself (never the host's own filesystems),
# verifies each exec there before it runs, and the host's binaries are untouched.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	requires root openssl
	eg_pki
	export MNT=$BATS_FILE_TMPDIR/mnt CTL=$BATS_FILE_TMPDIR/control.sock
	export LOG=$BATS_FILE_TMPDIR/decisions.jsonl
	mkdir -p "$MNT"
	mount -t tmpfs -o exec,size=64m execgate-test "$MNT"
	echo "$MNT" >"$BATS_FILE_TMPDIR/mounted"

	cp "$EG_BIN/eg-hello" "$MNT/signed"
	cp "$EG_BIN/eg-hello" "$MNT/unsigned"
	sign_detached "$MNT/signed" leaf-valid
	cp "$MNT/signed" "$MNT/tampered"
	cp "$MNT/signed.sig" "$MNT/tampered.sig"
	printf 'x' >>"$MNT/tampered"
	cp "$EG_BIN/eg-hello" "$MNT/untrusted"
	sign_detached "$MNT/untrusted" untrusted-leaf untrusted
	cp "$EG_BIN/eg-hello" "$MNT/revoked"
	sign_detached "$MNT/revoked" leaf-revoked-kc

	start_agent "$BATS_FILE_TMPDIR" --watch-mount "$MNT" --mode enforce \
		--trust "$PKI/root.crt" --crl-dir "$PKI/crl/fresh" --control "$CTL" --log "$LOG"
}

# start_agent DIR ARGS...: execgated on the fanotify backend with ARGS, logging allows too,
# its pid in DIR/agent.pid and its messages in DIR/agent.err; returns once it is ready.
start_agent() {
	local dir=$1
	shift
	"$EG_BIN/execgated" --backend fanotify --log-allows --coalesce-ms 0 --foreground "$@" \
		2>"$dir/agent.err" &
	echo $! >"$dir/agent.pid"
	for _ in $(seq 100); do
		grep -q ready "$dir/agent.err" && return 0
		kill -0 "$(cat "$dir/agent.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/agent.err" >&2
	return 1
}

# stop_agent DIR: stop the agent start_agent DIR started, if any.
stop_agent() {
	[[ -f $1/agent.pid ]] || return 0
	kill -TERM "$(cat "$1/agent.pid")" 2>/dev/null || true
	wait "$(cat "$1/agent.pid")" 2>/dev/null || true
	rm -f "$1/agent.pid"
}

teardown_file() {
	stop_agent "$BATS_FILE_TMPDIR"
	if [[ -f $BATS_FILE_TMPDIR/mounted ]]; then
		umount "$(cat "$BATS_FILE_TMPDIR/mounted")" || true
	fi
}

# A test that starts its own agent on its own tmpfs: both go, also when the test failed.
teardown() {
	stop_agent "$BATS_TEST_TMPDIR"
	if [[ -f $BATS_TEST_TMPDIR/mounted ]]; then
		umount "$(cat "$BATS_TEST_TMPDIR/mounted")" || true
	fi
}

# sign_detached FILE LEAF [CHAIN]: FILE.sig as `openssl cms` writes a detached signature.
sign_detached() {
	local certfile=$PKI/inter.crt
	[[ ${3:-} == untrusted ]] && certfile=$PKI/untrusted-root.crt
	openssl cms -sign -binary -md sha256 -in "$1" -signer "$PKI/$2.crt" \
		-inkey "$PKI/$2.key" -certfile "$certfile" -outform DER -out "$1.sig"
}

# decision_for PATH: the last log record about PATH.
decision_for() {
	local i
	for i in $(seq 50); do
		grep -F "\"path\":\"$1\"" "$LOG" 2>/dev/null | tail -n1 | grep . && return 0
		sleep 0.1
	done
	return 1
}

@test "fanotify: a validly signed program runs" {
	run -0 "$EG_BIN/eg-exec" "$MNT/signed"
	assert_output --partial "hello from"
}

@test "fanotify: --log-allows records the allow with the rule that decided it" {
	run -0 "$EG_BIN/eg-exec" "$MNT/signed"
	run -0 decision_for "$MNT/signed"
	python3 - "$output" <<-'PY'
		import json, sys
		r = json.loads(sys.argv[1])
		assert r["decision"] == "allow" and r["reason"] is None, r
		assert r["rule"]["id"] == 1 and r["rule"]["line"] >= 1, r["rule"]
		assert r["signature"]["kind"] == "detached", r["signature"]
	PY
}

@test "fanotify: an unsigned program gets EPERM and one record with reason no_signature" {
	run -126 "$EG_BIN/eg-exec" "$MNT/unsigned"
	assert_output --partial "EPERM"
	run -0 decision_for "$MNT/unsigned"
	assert_output --partial '"decision":"deny"'
	assert_output --partial '"reason":"no_signature"'
	assert_output --partial '"hook":"exec"'
}

@test "fanotify: a tampered, an untrusted and a revoked program get EPERM with their reasons" {
	run -126 "$EG_BIN/eg-exec" "$MNT/tampered"
	run -0 decision_for "$MNT/tampered"
	assert_output --partial '"reason":"bad_signature"'
	run -126 "$EG_BIN/eg-exec" "$MNT/untrusted"
	run -0 decision_for "$MNT/untrusted"
	assert_output --partial '"reason":"untrusted_chain"'
	run -126 "$EG_BIN/eg-exec" "$MNT/revoked"
	run -0 decision_for "$MNT/revoked"
	assert_output --partial '"reason":"revoked"'
}

@test "fanotify: the denial record carries process, file, signature and policy" {
	run -126 "$EG_BIN/eg-exec" "$MNT/revoked"
	run -0 decision_for "$MNT/revoked"
	python3 - "$output" <<-'PY'
		import json, sys
		r = json.loads(sys.argv[1])
		for k in ("time", "host", "decision", "mode", "hook", "reason", "count",
		          "process", "file", "signature", "rule", "policy"):
		    assert k in r, k
		assert r["mode"] == "enforce"
		assert r["process"]["uid"] == 0 and r["process"]["comm"]
		assert len(r["file"]["sha256"]) == 64 and r["file"]["ino"] > 0
		assert "leaf-revoked-kc" in r["signature"]["subject"], r["signature"]
		assert len(r["policy"]["sha256"]) == 64 and r["policy"]["generation"] >= 1
	PY
}

@test "fanotify: a signed program modified after it ran is decided afresh" {
	cp "$MNT/signed" "$MNT/changing"
	cp "$MNT/signed.sig" "$MNT/changing.sig"
	run -0 "$EG_BIN/eg-exec" "$MNT/changing"
	printf 'x' >>"$MNT/changing"
	run -126 "$EG_BIN/eg-exec" "$MNT/changing"
	assert_output --partial "EPERM"
}

@test "fanotify: the host's own binaries and files outside the watched mount are untouched" {
	run -0 /bin/true
	cp "$EG_BIN/eg-hello" "$BATS_TEST_TMPDIR/unsigned-elsewhere"
	run -0 "$EG_BIN/eg-exec" "$BATS_TEST_TMPDIR/unsigned-elsewhere"
	assert_output --partial "hello from"
}

@test "fanotify: execgate status shows the backend, what it covers and what is missing" {
	run -0 "$EG_BIN/execgate" status --socket "$CTL" --json
	python3 - "$output" <<-'PY'
		import json, sys
		s = json.loads(sys.argv[1])
		assert s["backend"] == "fanotify", s
		assert s["mode"] == "enforce"
		assert any("fanotify" in c for c in s["coverage"]), s["coverage"]
		assert "mmap" in s["missing"], s["missing"]
		assert s["decisions"]["denied"] >= 1
		assert s["consult"]["answered"] >= 1
	PY
}

@test "fanotify: the agent decides what execgate explain predicts, file by file" {
	local dir=$BATS_TEST_TMPDIR mnt=$BATS_TEST_TMPDIR/mnt log=$BATS_TEST_TMPDIR/decisions.jsonl
	local f expect
	mkdir -p "$mnt"
	mount -t tmpfs -o exec,size=64m execgate-test "$mnt"
	echo "$mnt" >"$dir/mounted"
	mnt=$(realpath "$mnt")

	cp "$EG_BIN/eg-hello" "$mnt/signed"
	sign_detached "$mnt/signed" leaf-valid
	cp "$EG_BIN/eg-hello" "$mnt/unsigned"
	cp "$EG_BIN/eg-hello" "$mnt/revoked"
	sign_detached "$mnt/revoked" leaf-revoked-kc
	# its own digest, listed in a catalog signed by the catalog signer no signer rule names
	cp "$EG_BIN/eg-hello" "$mnt/catalogued"
	printf 'x' >>"$mnt/catalogued"
	printf 'execgate-catalog v1\nsha256:%s  catalogued\n' \
		"$(sha256sum "$mnt/catalogued" | cut -d' ' -f1)" >"$dir/os-image.txt"
	openssl cms -sign -nodetach -binary -outform DER -in "$dir/os-image.txt" \
		-out "$dir/os-image.cat" -signer "$PKI/catalog.crt" \
		-inkey "$PKI/catalog.key" -certfile "$PKI/inter.crt"
	# validly signed by the signer the policy allows, but embedded, which it does not use
	cp "$EG_BIN/eg-hello" "$mnt/embedded"
	run -0 "$EG_BIN/execgate" sign --key "$PKI/leaf-valid.key" --cert "$PKI/leaf-valid.crt" \
		--chain "$PKI/inter.crt" "$mnt/embedded"
	cat >"$dir/agree.policy" <<-EOF
	mode enforce
	trust-anchor $PKI/root.crt
	crl-dir $PKI/crl/fresh
	signature-lookup detached catalog
	catalog $dir/os-image.cat
	signer rel subject "*leaf-valid*"
	allow signer rel
	allow catalog os-image
	deny outcome revoked
	default deny
	EOF
	start_agent "$dir" --policy "$dir/agree.policy" --watch-mount "$mnt" \
		--control "$dir/control.sock" --log "$log"

	for f in signed:allow:1 unsigned:deny:0 revoked:deny:3 catalogued:allow:2 embedded:deny:0; do
		expect=${f#*:}
		f=${f%%:*}
		run "$EG_BIN/eg-exec" "$mnt/$f"
		LOG=$log run -0 decision_for "$mnt/$f"
		local record=$output
		run --separate-stderr "$EG_BIN/execgate" explain --json --policy "$dir/agree.policy" \
			"$mnt/$f"
		python3 - "$f" "$expect" "$record" "$output" <<-'PY'
			import json, sys
			name, expect, agent, explain = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:])
			decision, rule_id = expect.split(":")
			rule = lambda r: r and (r["id"], r["line"])
			assert agent["decision"] == explain["decision"] == decision, (name, agent, explain)
			assert agent["reason"] == explain["decision_reason"], (name, agent, explain)
			assert rule(agent["rule"]) == rule(explain["rule"]), (name, agent, explain)
			assert (agent["rule"] or {"id": 0})["id"] == int(rule_id), (name, agent)
		PY
	done
}
