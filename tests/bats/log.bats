#!/usr/bin/env bats
# execgate log: the analyst's view of the decision log (docs/log-format.md), over the
# hand-written logs in tests/fixtures/logs.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

setup() {
	E=$EG_BIN/execgate
	F=$EG_TOP/tests/fixtures/logs
	S=$F/sample.jsonl
}

# A follower a failed test left behind (only the one this file started, by its pid).
teardown() {
	if [[ -n ${pid:-} ]]; then
		kill "$pid" 2>/dev/null || true
	fi
}

# The number of records `execgate log --json ARGS...` prints.
count() {
	run -0 "$E" log --json "$@"
	echo "${#lines[@]}"
}

@test "log --help documents the filters, outputs and exit status" {
	run -0 "$E" log --help
	for opt in --since --until --decision --reason --signer --path --uid --host --follow \
		--json --format --summary --html --suggest-policy --replay; do
		assert_output --partial -- "$opt"
	done
	assert_output --partial "Exit status: 0 on success"
	assert_output --partial "2 on an error"
}

@test "log prints an aligned table with every record" {
	run -0 "$E" log "$S"
	assert_equal "${#lines[@]}" 10
	assert_line --index 0 --regexp '^TIME +HOST +DECISION +HOOK +REASON +COUNT +UID +COMM +SIGNER +PATH$'
	assert_line --index 1 --regexp '^2026-11-26T08:05:01Z web-1 +deny +exec +expired +1 +1000 bash +Tool Signing +/opt/tool/bin/tool$'
	# Every row starts its path where the header says PATH.
	col=$(awk 'NR == 1 { print index($0, "PATH") }' <<<"$output")
	run -0 awk -v c="$col" 'NR > 1 && substr($0, c, 1) != "/" { print "misaligned: " $0 }' <<<"$output"
	assert_output ""
}

@test "log --json passes the matching records through unchanged" {
	run -0 "$E" log --json "$S"
	assert_output "$(cat "$S")"
	run -0 "$E" log --format json --decision allow "$S"
	assert_output "$(sed -n 3p "$S")"
}

@test "log --since and --until take RFC 3339, dates and offsets" {
	[[ $(count --since 2026-11-26T10:00:00Z "$S") == 4 ]]
	[[ $(count --until 2026-11-26T09:00:00Z "$S") == 3 ]]
	[[ $(count --since 2026-11-26T09:00:00+01:00 --until 2026-11-26T09:20:00Z "$S") == 4 ]]
	[[ $(count --since 2026-11-26 --until 2026-11-27 "$S") == 9 ]]
	[[ $(count --since 2026-11-27 "$S") == 0 ]]
}

@test "log --since accepts a time ago" {
	python3 - "$BATS_TEST_TMPDIR/recent.jsonl" "$S" <<-'EOF'
		import datetime, json, sys
		now = datetime.datetime.now(datetime.timezone.utc)
		rec = json.loads(open(sys.argv[2]).readline())
		with open(sys.argv[1], "w") as f:
		    for ago in (datetime.timedelta(minutes=30), datetime.timedelta(hours=3),
		                datetime.timedelta(days=2)):
		        rec["time"] = (now - ago).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
		        f.write(json.dumps(rec) + "\n")
	EOF
	[[ $(count --since 1h "$BATS_TEST_TMPDIR/recent.jsonl") == 1 ]]
	[[ $(count --since 4h "$BATS_TEST_TMPDIR/recent.jsonl") == 2 ]]
	[[ $(count --since 1w "$BATS_TEST_TMPDIR/recent.jsonl") == 3 ]]
	[[ $(count --until 1d "$BATS_TEST_TMPDIR/recent.jsonl") == 1 ]]
}

@test "log refuses a time it cannot read, with exit 2" {
	run -2 "$E" log --since yesterday "$S"
	assert_output --partial "--since: expected RFC 3339, YYYY-MM-DD or a time ago like 2h, not 'yesterday'"
	run -2 "$E" log --until 2026-02-30 "$S"
	assert_output --partial "--until"
	run -2 "$E" log --since 5y "$S"
}

@test "log --decision selects allow, deny and audit" {
	[[ $(count --decision deny "$S") == 5 ]]
	[[ $(count --decision audit,allow "$S") == 4 ]]
	[[ $(count --decision audit --decision allow "$S") == 4 ]]
	run -2 "$E" log --decision block "$S"
	assert_output --partial "--decision: expected allow, deny or audit, not 'block'"
	run -2 "$E" log --decision deny, "$S"
	assert_output --partial "empty value"
}

@test "log --reason selects reason codes and refuses unknown ones" {
	[[ $(count --reason expired "$S") == 2 ]]
	[[ $(count --reason expired,revoked "$S") == 3 ]]
	[[ $(count --reason crl_stale "$S") == 0 ]]
	run -2 "$E" log --reason expird "$S"
	assert_output --partial "unknown reason 'expird'"
}

@test "log --signer matches a piece of the subject or a fingerprint prefix" {
	[[ $(count --signer "tool signing" "$S") == 2 ]]
	[[ $(count --signer 5b7c0e2e "$S") == 2 ]]
	[[ $(count --signer 5B:7C:0E:2E "$S") == 2 ]]
	[[ $(count --signer sha256:d4735e3a "$S") == 1 ]]
	[[ $(count --signer "O=Example Corp" "$S") == 4 ]]
	[[ $(count --signer 5b7 "$S") == 0 ]]
	[[ $(count --signer "No Such Signer" "$S") == 0 ]]
}

@test "log --path matches globs" {
	[[ $(count --path '/home/*' "$S") == 3 ]]
	[[ $(count --path '/opt/*/bin/*' "$S") == 2 ]]
	[[ $(count --path /usr/bin/id "$S") == 1 ]]
	[[ $(count --path '/usr/bin/id*' --path '/tmp/*' "$S") == 2 ]]
}

@test "log --uid takes numbers and user names" {
	[[ $(count --uid 0 "$S") == 3 ]]
	[[ $(count --uid root "$S") == 3 ]]
	[[ $(count --uid 1000,33 "$S") == 5 ]]
	run -2 "$E" log --uid no-such-user-here "$S"
	assert_output --partial "'no-such-user-here' is neither a uid nor a user known here"
}

@test "log --host matches host names and globs, and filters combine" {
	[[ $(count --host 'web-*' "$S") == 6 ]]
	[[ $(count --host db-1 "$S") == 3 ]]
	[[ $(count --host web-1 --decision deny --reason no_signature "$S") == 1 ]]
	[[ $(count --host db-1 --decision deny "$S") == 0 ]]
}

@test "log --summary counts events by reason, binary, signer, user and host" {
	run -0 "$E" log --summary "$S"
	assert_line --index 0 "9 records, 32 events (deny 11, audit 20, allow 1) from 2026-11-26T08:05:01Z to 2026-11-26T11:29:59Z"
	assert_line --regexp '^ +20 +3 +17 +0  no_signature$'
	assert_line --regexp '^ +17 +0 +17 +0  /home/alice/bin/backup.sh$'
	assert_line --regexp '^ +2 +1 +1 +0  CN=Tool Signing,O=Example Corp \[sha256 5b7c0e2e0f3d9b5a\]$'
	assert_line --regexp '^ +10 +10 +0 +0  1000$'
	assert_line --regexp '^ +20 +0 +20 +0  db-1$'
	run -0 "$E" log --summary --top 2 "$S"
	assert_output --partial "... and 7 more (--top 0 shows all)"
}

@test "log --summary --json is one JSON object with the same counts" {
	run -0 "$E" log --summary --json --decision deny,audit "$S"
	python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["records"] == 8 and s["events"] == 31, s
assert s["decisions"] == {"deny": 11, "audit": 20, "allow": 0}, s["decisions"]
row = lambda t, k: next(r for r in s["by_" + t] if r["key"] == k)
assert row("reason", "no_signature")["events"] == 20
assert row("binary", "/home/bob/bin/miner")["deny"] == 5
assert row("signer", "(unsigned)")["events"] == 21
tool = row("signer", "CN=Tool Signing,O=Example Corp")
assert tool["sha256"].startswith("5b7c0e2e") and tool["audit"] == 1
assert row("user", "1001")["audit"] == 17
assert row("host", "web-1")["events"] == 10
assert s["by_reason"][0]["key"] == "no_signature"
' "$output"
}

# What every OCSF 1.2 Process Activity record must carry: the base event's and System
# Activity's required attributes, the objects' required attributes and constraints, and
# the security control outcome for allowed and blocked.
@test "log --format ocsf writes valid OCSF Process Activity records" {
	run -0 "$E" log --format ocsf "$S"
	assert_equal "${#lines[@]}" 9
	python3 -c '
import json, sys
want = {"allow": (1, 1, 1), "deny": (2, 2, 2), "audit": (1, 15, 1)}
logged = [json.loads(l) for l in open(sys.argv[2])]
for line, rec in zip(sys.argv[1].splitlines(), logged):
    e = json.loads(line)
    for k in ("activity_id", "category_uid", "class_uid", "type_uid", "severity_id", "time",
              "metadata", "actor", "device", "process"):
        assert k in e, (k, line)
    assert e["class_uid"] == 1007 and e["category_uid"] == 1
    assert e["type_uid"] == e["class_uid"] * 100 + e["activity_id"]
    assert e["activity_id"] == (1 if rec["hook"] == "exec" else 99)
    assert e["activity_id"] != 1 or e["activity_name"] == "Launch"
    assert isinstance(e["severity_id"], int) and isinstance(e["time"], int)
    assert e["time"] // 1000 > 1700000000
    m = e["metadata"]
    assert m["version"] and m["product"]["name"] == "execgate" and m["product"]["vendor_name"]
    assert e["device"]["hostname"] == rec["host"] and "type_id" in e["device"]
    assert set(e["actor"]) & {"process", "user", "session", "app_name", "app_uid", "invoked_by"}
    p = e["process"]
    assert "pid" in p or "uid" in p
    assert p["pid"] == rec["process"]["pid"] and p["user"]["uid"] == str(rec["process"]["uid"])
    f = p["file"]
    assert f["name"] and "type_id" in f and f["path"] == rec["file"]["path"]
    assert f["hashes"] == [{"algorithm_id": 3, "algorithm": "SHA-256",
                            "value": rec["file"]["sha256"]}]
    if rec["signature"]:
        c = f["signature"]["certificate"]
        assert "algorithm_id" in f["signature"] and c["issuer"] and c["serial_number"]
        assert c["subject"] == rec["signature"]["subject"]
    assert (e["action_id"], e["disposition_id"], e["status_id"]) == want[rec["decision"]], line
    assert e["disposition"] in ("Allowed", "Blocked", "Detected")
    assert e["unmapped"]["execgate"]["reason"] == rec["reason"]
    assert e["count"] == rec["count"]
' "$output" "$S"
}

@test "log counts malformed lines, reports them on stderr and goes on" {
	run -0 --separate-stderr "$E" log --json "$F/malformed.jsonl"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "execgate log: 9 malformed lines skipped in $F/malformed.jsonl"
	# A line longer than 64 KiB is one malformed line, and the next is read.
	{
		python3 -c 'print("{\"x\":\"" + "a" * 70000 + "\"}")'
		sed -n 2p "$S"
	} >"$BATS_TEST_TMPDIR/long.jsonl"
	run -0 --separate-stderr "$E" log --json "$BATS_TEST_TMPDIR/long.jsonl"
	assert_output "$(sed -n 2p "$S")"
	assert_equal "$stderr" "execgate log: 1 malformed line skipped in $BATS_TEST_TMPDIR/long.jsonl"
}

@test "log reads a long log in file order, malformed lines anywhere in it counted" {
	big=$BATS_TEST_TMPDIR/big.jsonl
	python3 "$EG_TOP/tests/fixtures/logs/gen-log.py" 20000 "$BATS_TEST_TMPDIR/gen.jsonl"
	{
		sed -n 1,9999p "$BATS_TEST_TMPDIR/gen.jsonl"
		echo "not a record"
		python3 -c 'print("{\"x\":\"" + "a" * 70000 + "\"}")'
		sed -n '10000,$p' "$BATS_TEST_TMPDIR/gen.jsonl"
	} >"$big"
	"$E" log --json "$big" 2>"$BATS_TEST_TMPDIR/err" | cmp - "$BATS_TEST_TMPDIR/gen.jsonl"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "execgate log: 2 malformed lines skipped in $big"
	gzip -c "$big" | "$E" log --json - 2>/dev/null | cmp - "$BATS_TEST_TMPDIR/gen.jsonl"
}

@test "log reads rotated gzip files and standard input" {
	gzip -c "$S" >"$BATS_TEST_TMPDIR/decisions.jsonl.2.gz"
	cp "$S" "$BATS_TEST_TMPDIR/decisions.jsonl"
	run -0 "$E" log --json "$BATS_TEST_TMPDIR/decisions.jsonl.2.gz" "$BATS_TEST_TMPDIR/decisions.jsonl"
	assert_output "$(cat "$S" "$S")"
	run -0 "$E" log --json --decision allow - <"$BATS_TEST_TMPDIR/decisions.jsonl.2.gz"
	assert_output "$(sed -n 3p "$S")"
}

@test "log exits 2 on a file it cannot read or a corrupt gzip, and still reads the others" {
	run -2 --separate-stderr "$E" log --json "$BATS_TEST_TMPDIR/nonexistent.jsonl" "$S"
	assert_equal "${#lines[@]}" 9
	assert_equal "$stderr" "execgate log: $BATS_TEST_TMPDIR/nonexistent.jsonl: No such file or directory"
	gzip -c "$S" | head -c 300 >"$BATS_TEST_TMPDIR/cut.gz"
	run -2 --separate-stderr "$E" log --json "$BATS_TEST_TMPDIR/cut.gz"
	assert_equal "${stderr_lines[-1]}" "execgate log: $BATS_TEST_TMPDIR/cut.gz: gzip: unexpected end of file"
	run -2 "$E" log "$BATS_TEST_TMPDIR"
	assert_output --partial "$BATS_TEST_TMPDIR: Is a directory"
}

@test "log refuses unknown options and options that do not go together" {
	run -2 "$E" log --colour "$S"
	assert_output --partial "unknown option '--colour'"
	run -2 "$E" log --since
	assert_output --partial "--since needs a value"
	run -2 "$E" log --format xml "$S"
	assert_output --partial "expected table, json or ocsf, not 'xml'"
	run -2 "$E" log --follow "$S" "$S"
	assert_output --partial "--follow reads one file"
	run -2 "$E" log --follow --summary "$S"
	run -2 "$E" log --suggest-policy --summary "$S"
	run -2 "$E" log --top -1 "$S"
}

@test "log shows control characters in paths as '?'" {
	run -0 "$E" log --path '/tmp/odd*' "$F/audit.jsonl"
	assert_line --index 1 --regexp ' /tmp/odd\?name$'
}

@test "log --follow prints appended lines and follows the file across rotation" {
	log=$BATS_TEST_TMPDIR/live.jsonl
	out=$BATS_TEST_TMPDIR/follow.out
	sed -n 1p "$S" >"$log"
	"$E" log --follow --json --since 2026-01-01 "$log" >"$out" 2>&1 &
	pid=$!
	wait_lines() {
		for _ in $(seq 100); do
			[[ $(wc -l <"$out") -ge $1 ]] && return 0
			sleep 0.1
		done
		echo "timed out waiting for $1 lines in $out:" && cat "$out" && return 1
	}
	wait_lines 1 || { kill "$pid"; false; }
	sed -n 2p "$S" >>"$log"
	wait_lines 2 || { kill "$pid"; false; }
	# logrotate: rename, then the agent writes a new file.
	mv "$log" "$log.1"
	sed -n 3p "$S" >"$log"
	wait_lines 3 || { kill "$pid"; false; }
	# copytruncate: the same file starts over, with a line shorter than what was read, so
	# the follower sees the truncation however late it looks.
	: >"$log"
	sed -n 5p "$S" >"$log"
	wait_lines 4 || { kill "$pid"; false; }
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	assert_equal "$rc" 0
	run cat "$out"
	assert_output "$(sed -n '1,3p;5p' "$S")"
}

chromium_or_skip() {
	command -v chromium >/dev/null || skip "chromium is not installed (make deps installs it)"
}

run_chromium() {
	local profile
	profile=$(mktemp -d "$BATS_TEST_TMPDIR/chromium.XXXXXX")
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" "$@" 2>/dev/null
}

@test "log --html writes one self-contained report that headless Chromium renders" {
	chromium_or_skip
	html=$BATS_TEST_TMPDIR/report.html
	run -0 "$E" log --html "$html" "$S" "$F/audit.jsonl"
	assert_output ""
	# Nothing is fetched: no src, href, script, import or url().
	run -1 grep -c -E '(src|href)=|<script|@import|url\(' "$html"
	assert_output 0
	run -0 run_chromium --dump-dom "file://$html"
	for id in by-reason by-binary by-signer by-user by-host; do
		assert_output --partial "<table id=\"$id\">"
	done
	assert_output --partial "<svg"
	assert_output --partial "<rect"
	assert_output --partial "/home/alice/bin/backup.sh"
	run -0 run_chromium --screenshot="$BATS_TEST_TMPDIR/report.png" --window-size=1200,900 \
		"file://$html"
	[[ $(head -c 8 "$BATS_TEST_TMPDIR/report.png" | od -An -tx1 | tr -d ' ') == 89504e470d0a1a0a ]]
	[[ $(stat -c %s "$BATS_TEST_TMPDIR/report.png") -gt 10000 ]]
	if [[ -n ${EG_KEEP_SCREENSHOT:-} ]]; then cp "$BATS_TEST_TMPDIR/report.png" "$EG_KEEP_SCREENSHOT"; fi
}

@test "log --html escapes what it shows and says when nothing was denied" {
	html=$BATS_TEST_TMPDIR/allow.html
	sed -n 3p "$S" | sed 's#/usr/bin/id#/usr/bin/<b>id</b>#' >"$BATS_TEST_TMPDIR/allow.jsonl"
	run -0 "$E" log --html "$html" "$BATS_TEST_TMPDIR/allow.jsonl"
	run -0 cat "$html"
	assert_output --partial "/usr/bin/&lt;b&gt;id&lt;/b&gt;"
	refute_output --partial "<b>id"
	assert_output --partial "No denials in this period."
	run -2 "$E" log --html /nonexistent-dir/x.html "$S"
	assert_output --partial "/nonexistent-dir/x.html: No such file or directory"
}

@test "log --html gives the nine reasons that denied most a colour each, the rest one" {
	python3 - "$S" >"$BATS_TEST_TMPDIR/many.jsonl" <<-'EOF'
		import json, sys
		rec = json.loads(open(sys.argv[1]).readline())
		names = ["no_signature", "bad_signature", "untrusted_chain", "bad_eku", "expired",
		         "not_yet_valid", "revoked", "crl_stale", "crl_missing", "weak_algorithm",
		         "bad_timestamp", "a_reason_from_a_newer_agent"]
		for i, name in enumerate(names):
		    rec.update(reason=name, count=100 - i, time="2026-11-26T%02d:30:00Z" % i)
		    print(json.dumps(rec))
	EOF
	run -0 "$E" log --html "$BATS_TEST_TMPDIR/many.html" "$BATS_TEST_TMPDIR/many.jsonl"
	run -0 cat "$BATS_TEST_TMPDIR/many.html"
	assert_output --partial ">no_signature (100)</text>"
	assert_output --partial ">crl_missing (92)</text>"
	assert_output --partial ">other reasons (270)</text>"
	refute_output --partial ">weak_algorithm (91)</text>"
	assert_output --partial "<td class=\"k\">a_reason_from_a_newer_agent</td>"
	[[ $(grep -c '<rect' <<<"$output") == 22 ]]
}

@test "log --suggest-policy: its rules parse and leave no would-be denial but the unsafe ones" {
	A=$F/audit.jsonl
	run -0 --separate-stderr "$E" log --suggest-policy "$A"
	assert_equal "$stderr" "execgate log: 5 events of 3 files not covered by the suggestion (listed at its end)"
	assert_line 'allow subject "CN=Monitor Signing,O=Example Corp" issuer "CN=Example Code Signing CA,O=Example Corp"'
	assert_line --regexp '^allow sha256 (a4){32} path "/opt/tool/bin/tool"  # expired, 2 events$'
	assert_line --regexp '^#   /opt/vendor/bin/agent: revoked, 3 events'
	refute_line --regexp '^allow .*(a8){32}'
	policy=$BATS_TEST_TMPDIR/suggested.policy
	{
		echo "mode enforce"
		printf '%s\n' "$output"
		echo "default deny"
	} >"$policy"
	run -0 "$E" policy check "$policy"
	# The audit period again, decided by the suggestion: only what it refused to allow
	# (revoked, on the deny list, never hashed) would still be denied.
	"$E" log --json --decision audit "$A" >"$BATS_TEST_TMPDIR/audited.jsonl"
	run -0 "$E" log --replay "$policy" --decision deny,audit "$BATS_TEST_TMPDIR/audited.jsonl"
	assert_equal "${#lines[@]}" 4
	assert_line --index 1 --regexp ' deny +exec +revoked .* /opt/vendor/bin/agent$'
	assert_line --index 2 --regexp ' deny +exec +unverified .* /usr/local/bin/fresh$'
	assert_line --index 3 --regexp ' deny +exec +deny_list .* /tmp/known-bad$'
	run -0 "$E" log --replay "$policy" --decision allow --json "$BATS_TEST_TMPDIR/audited.jsonl"
	assert_equal "${#lines[@]}" 9
}

@test "log --replay records the policy's decision, rule and digest, and refuses a bad policy" {
	policy=$BATS_TEST_TMPDIR/p.policy
	printf 'mode audit\nallow path /opt/tool/bin/*\ndeny path /tmp/*\ndefault allow\n' >"$policy"
	digest=$(sha256sum "$policy" | cut -d' ' -f1)
	run -0 "$E" log --replay "$policy" --json --path '/tmp/*' "$S"
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["decision"] == "audit" and r["mode"] == "audit" and r["reason"] == "no_signature", r
assert r["rule"] == {"id": 2, "file": sys.argv[2], "line": 3}, r["rule"]
assert r["policy"] == {"sha256": sys.argv[3], "generation": 1}, r["policy"]
' "$output" "$policy" "$digest"
	[[ $(count --replay "$policy" --decision allow "$S") == 7 ]]
	# The kernel refused a writable mapping: no policy changes that.
	[[ $(count --replay "$policy" --reason writable_mapping --decision deny "$S") == 1 ]]
	printf 'mode audit\nalow path /x\ndefault allow\n' >"$policy"
	run -2 "$E" log --replay "$policy" "$S"
	assert_output --regexp "--replay: $policy:2:1: "
}
