#!/bin/bash
# make demo: run inside the VM by tests/vm/init.  The real gate, enforcing on the whole
# machine: the guest's own system is trusted through a signed catalog, programs signed
# under the test PKI run, everything else is stopped, and the analyst reads the log.
export PATH=/opt/execgate/bin:$PATH
FX=/opt/execgate/fixtures
work=$(mktemp -d)
log=$work/decisions.jsonl

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

say "kernel $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
echo "The policy (the guest's own programs come from a signed catalog of its files):"
sed 's/^/    /' "$FX/vm.policy"

say "start the gate: BPF LSM + fanotify consult, enforce, the whole machine"
execgated --backend bpf --policy "$FX/vm.policy" --prescan /lib --prescan /lib64 \
	--prescan /opt/execgate/bin --log "$log" --coalesce-ms 0 --foreground \
	2>"$work/agent.err" &
agent=$!
for _ in $(seq 100); do grep -q ready "$work/agent.err" 2>/dev/null && break; sleep 0.1; done
sed 's/^/    /' "$work/agent.err"

# Each program is copied to a place the gate has never seen: its first exec is decided
# by the synchronous consult, before it runs.
for name in signed signed-static unsigned tampered revoked expired untrusted; do
	cp "$FX/$name" "$work/$name"
	[[ -f $FX/$name.sig ]] && cp "$FX/$name.sig" "$work/$name.sig"
done

say "signed programs run, on their first exec"
show "$work/signed"
show "$work/signed-static"

say "an application installed under /opt with its own signed library, never seen: runs"
cp -a "$FX/linked" "$work/app"
show "$work/app/eg-hello-linked"
say "the same application with its library unsigned: the program may run, the library may not"
cp -a "$FX/linked-unsigned-lib" "$work/app2"
show "$work/app2/eg-hello-linked" && echo "    !! the unsigned library was mapped"

say "unsigned, tampered, revoked, expired-without-timestamp and untrusted programs do not"
for name in unsigned tampered revoked expired untrusted; do
	show "$work/$name" && echo "    !! $name ran"
done

say "neither do the usual tricks"
show eg-exec --memfd "$work/unsigned"
show env LD_PRELOAD=/opt/execgate/bin/eg-marker.so EG_MARKER="$work/marker" "$work/signed"
[[ -e $work/marker ]] && echo "    !! the preloaded library ran" ||
	echo "    (the unsigned preload never ran: no marker)"

say "what the agent reports"
show execgate status

sleep 0.5
say "the denial log, as an analyst reads it"
show execgate log "$log"
say "summary"
show execgate log --summary "$log"
say "one record in full"
grep '"reason":"revoked"' "$log" | head -n1 | sed 's/^/    /'

say "the agent stops on SIGTERM: the pinned gate keeps enforcing (cached programs run, the rest does not)"
kill -TERM "$agent"
wait "$agent" 2>/dev/null
show "$work/signed"
show "$work/unsigned" && echo "    !! unsigned ran with no agent"
rm -rf "$work"
