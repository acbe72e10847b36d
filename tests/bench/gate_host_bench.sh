#!/usr/bin/env bash
# Host, fanotify backend: exec of a cached signed binary with the gate against the same
# exec without it.  Phases interleaved (A B A B ...), median of the rounds, one ratio.
# The gate watches only a tmpfs this script mounts; never the host's filesystems.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BIN=${EG_BIN:-$top/build/bin}
ROUNDS=${ROUNDS:-7} EXECS=${EXECS:-2000}
[[ $(id -u) == 0 ]] || { echo "gate_host_bench: needs root (mounts a tmpfs); skipped"; exit 0; }

work=$(mktemp -d)
mnt=$work/mnt agent=
cleanup() {
	[[ -n $agent ]] && kill -TERM "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	umount "$mnt" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
pki=$work/pki
"$top/tests/fixtures/mkpki.sh" "$pki" >/dev/null 2>&1
mkdir -p "$mnt"
mount -t tmpfs -o exec,size=64m execgate-bench "$mnt"

for kind in static dynamic; do
	src=$EG_BIN/eg-hello-static
	[[ $kind == dynamic ]] && src=$EG_BIN/eg-hello
	cp "$src" "$mnt/$kind"
	openssl cms -sign -binary -md sha256 -in "$mnt/$kind" -signer "$pki/leaf-valid.crt" \
		-inkey "$pki/leaf-valid.key" -certfile "$pki/inter.crt" -outform DER \
		-out "$mnt/$kind.sig"
done

start_gate() {
	"$EG_BIN/execgated" --backend fanotify --watch-mount "$mnt" --mode enforce \
		--trust "$pki/root.crt" --control "$work/control.sock" --log /dev/null \
		--foreground 2>"$work/agent.err" &
	agent=$!
	for _ in $(seq 100); do grep -q ready "$work/agent.err" && return; sleep 0.05; done
	cat "$work/agent.err" >&2
	exit 1
}
stop_gate() {
	kill -TERM "$agent"
	wait "$agent" 2>/dev/null || true
	agent=
}
measure() { # KIND -> microseconds per exec
	"$EG_BIN/eg-flood" "$EXECS" "$mnt/$1" | sed -n 's/.*ran='"$EXECS"' .*us_per_exec=//p'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for kind in static dynamic; do
	: >"$work/base" && : >"$work/gate"
	for ((round = 0; round < ROUNDS; round++)); do
		measure "$kind" >>"$work/base"
		start_gate
		"$mnt/$kind" >/dev/null # the first exec verifies; the ignore mark caches it
		measure "$kind" >>"$work/gate"
		stop_gate
	done
	base=$(median <"$work/base") gate=$(median <"$work/gate")
	printf 'host fanotify, cached signed %-7s exec: %7.1f us without, %7.1f us with the gate, ratio %.3f (goal <= 1.02; %d rounds x %d execs)\n' \
		"$kind" "$base" "$gate" "$(awk -v a="$gate" -v b="$base" 'BEGIN { print a / b }')" \
		"$ROUNDS" "$EXECS"
done
