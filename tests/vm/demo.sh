#!/bin/bash
# make demo: run inside the VM by tests/vm/init.  Shows the real gate deciding real execs.
export PATH=/opt/execgate/bin:$PATH
work=$(mktemp -d)
say() { printf '\n== %s\n' "$*"; }
try() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/  /'
}

say "kernel $(uname -r), active LSMs: $(cat /sys/kernel/security/lsm)"
cp /opt/execgate/bin/eg-hello "$work/trusted"
cp /opt/execgate/bin/eg-hello "$work/blocked"

execgated --backend bpf --mode enforce --on-miss allow >"$work/events.jsonl" 2>"$work/agent.log" &
agent=$!
for _ in $(seq 50); do grep -q ready "$work/agent.log" 2>/dev/null && break; sleep 0.1; done
cat "$work/agent.log"

say "a verdict of deny on one copy's inode"
try execgated --set-verdict deny "$work/blocked"
try eg-exec "$work/trusted"
try eg-exec "$work/blocked"

say "the decision log, as the agent wrote it"
kill -TERM "$agent"
wait "$agent" 2>/dev/null
cat "$work/events.jsonl"
rm -rf "$work"
