#!/usr/bin/env bats
# The whole gate in a real kernel: BPF LSM with the fanotify consult, a policy, real
# signatures made on the host (tests/vm/fixtures.sh).  Only processes in the cgroup
# eg-gated are gated, so the test runner itself is never in the way.

load helpers

setup() {
	mkdir -p "$SCOPE"
}

teardown() {
	stop_agent
	rm -f /usr/lib/libeg-greet-*
	umount "$BATS_TEST_TMPDIR/ovl/merged" 2>/dev/null || true
	rmdir "$SCOPE" 2>/dev/null || true
}

@test "enforce: signed programs run on their first exec, static and dynamic" {
	start_gate enforce
	run -0 gated eg-exec "$(fresh signed)"
	assert_output --partial "hello from"
	run -0 gated eg-exec "$(fresh signed-static)"
	assert_output --partial "hello from"
}

@test "enforce: a program with its own signed library, both never seen, runs on its first exec" {
	start_gate enforce
	cp -a "$FX/linked" "$BATS_TEST_TMPDIR/app"
	run -0 gated "$BATS_TEST_TMPDIR/app/eg-hello-linked"
	assert_output --partial "greetings from libeg-greet"
	# Its library unsigned: the program is allowed, the loader cannot map the library.
	cp -a "$FX/linked-unsigned-lib" "$BATS_TEST_TMPDIR/app2"
	run ! gated "$BATS_TEST_TMPDIR/app2/eg-hello-linked"
	refute_output --partial "greetings"
	assert_output --partial "libeg-greet.so"
	run -0 wait_event '"hook":"mmap"' '"decision":"deny"' '"reason":"no_signature"' \
		'libeg-greet.so"'
}

@test "enforce: dlopen of a signed plugin never seen, under /usr/libexec, loads it" {
	# Debian 13's gcc maps its LTO plugin from /usr/libexec/gcc, where ld.so never looks.
	# The directory holds a shared object when the gate starts, as a package's would.
	local dir=/usr/libexec/eg-plugins
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$FX/linked-unsigned-lib/lib/libeg-greet.so" "$dir/libeg-other.so"
	start_gate enforce
	cp "$FX/linked/lib/libeg-greet.so" "$FX/linked/lib/libeg-greet.so.sig" "$dir/"
	run gated eg-dlopen "$dir/libeg-greet.so"
	rm -rf "$dir"
	assert_success
	assert_output "loaded"
}

@test "enforce: dlopen of a signed library never seen, in a library directory, loads it" {
	start_gate enforce
	cp "$FX/linked/lib/libeg-greet.so" /usr/lib/libeg-greet-signed.so
	cp "$FX/linked/lib/libeg-greet.so.sig" /usr/lib/libeg-greet-signed.so.sig
	cp "$FX/linked-unsigned-lib/lib/libeg-greet.so" /usr/lib/libeg-greet-unsigned.so
	run -0 gated eg-dlopen /usr/lib/libeg-greet-signed.so
	assert_output "loaded"
	run -1 gated eg-dlopen /usr/lib/libeg-greet-unsigned.so
	assert_output --partial "refused"
	# Outside the library directories a library nothing verified before is a miss.
	cp -a "$FX/linked/lib" "$BATS_TEST_TMPDIR/plugins"
	run -1 gated eg-dlopen "$BATS_TEST_TMPDIR/plugins/libeg-greet.so"
	assert_output --partial "refused"
	run -0 wait_event '"hook":"mmap"' '"reason":"unverified"'
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --regexp '"library_directories": *[1-9]'
	# A reload forgets every ignore mark; the library directories stay watched.
	run -0 execgate reload --socket "$BATS_TEST_TMPDIR/control.sock"
	cp "$FX/linked/lib/libeg-greet.so" /usr/lib/libeg-greet-after-reload.so
	cp "$FX/linked/lib/libeg-greet.so.sig" /usr/lib/libeg-greet-after-reload.so.sig
	run -0 gated eg-dlopen /usr/lib/libeg-greet-after-reload.so
	assert_output "loaded"
}

@test "enforce: a subdirectory of a library tree with no shared object is watched from the reload after one is put there" {
	local dir=/usr/lib/eg-later
	rm -rf "$dir" && mkdir -p "$dir"
	echo "not a library" >"$dir/README"
	start_gate enforce
	cp "$FX/linked/lib/libeg-greet.so" "$dir/libeg-greet-first.so"
	cp "$FX/linked/lib/libeg-greet.so.sig" "$dir/libeg-greet-first.so.sig"
	# Not watched: what the gate had not verified before is a miss.
	run -1 gated eg-dlopen "$dir/libeg-greet-first.so"
	assert_output --partial "refused"
	run -0 wait_event '"hook":"mmap"' '"reason":"unverified"' 'libeg-greet-first.so"'
	# The directory holds a shared object now.  (After dpkg, apt's hook asks the same of
	# the catalogs, which this policy has none of: tests/distro/apt.bats.)
	run -0 execgate reload --socket "$BATS_TEST_TMPDIR/control.sock"
	cp "$FX/linked/lib/libeg-greet.so" "$dir/libeg-greet-second.so"
	cp "$FX/linked/lib/libeg-greet.so.sig" "$dir/libeg-greet-second.so.sig"
	run gated eg-dlopen "$dir/libeg-greet-second.so"
	rm -rf "$dir"
	assert_success
	assert_output "loaded"
}

@test "enforce: unsigned, tampered, untrusted, revoked and expired programs get EPERM" {
	start_gate enforce
	local name reason
	for name in unsigned:no_signature tampered:bad_signature untrusted:untrusted_chain \
		revoked:revoked expired:expired; do
		reason=${name#*:}
		name=${name%%:*}
		run -126 gated eg-exec "$(fresh "$name")"
		assert_output --partial "EPERM"
		run -0 wait_event '"decision":"deny"' "\"reason\":\"$reason\"" "/fresh/$name\""
	done
}

@test "audit: the same programs run, each logged as audit with its reason" {
	start_gate audit
	local name reason
	for name in unsigned:no_signature tampered:bad_signature revoked:revoked; do
		reason=${name#*:}
		name=${name%%:*}
		run -0 gated eg-exec "$(fresh "$name")"
		assert_output --partial "hello from"
		run -0 wait_event '"decision":"audit"' "\"reason\":\"$reason\"" "/fresh/$name\""
	done
}

@test "scope: outside the gated cgroup an unsigned program runs" {
	start_gate enforce
	run -0 eg-exec "$(fresh unsigned)"
	assert_output --partial "hello from"
}

@test "modified after verification: the next exec is decided afresh" {
	start_gate enforce
	local file dir=$BATS_TEST_TMPDIR/fresh way
	# Each way of changing a verified file that ran; the changed file must get EPERM.
	for way in append overwrite truncate fd-then-touch mmap rename-over link-swap; do
		file=$(fresh signed)
		run -0 gated eg-exec "$file"
		case $way in
		append) printf 'x' >>"$file" ;;
		overwrite) printf 'x' | dd of="$file" bs=1 seek=200 conv=notrunc status=none ;;
		truncate) truncate -s $(($(stat -c %s "$file") - 1)) "$file" ;;
		fd-then-touch)
			# A descriptor opened for writing before, written through after; the
			# times are then put back: the change time still moves.
			local writer
			exec {writer}<>"$file"
			run -126 gated eg-exec "$file"
			assert_output --partial "ETXTBSY"
			printf 'x' >&"$writer"
			exec {writer}>&-
			touch -r "$FX/signed" "$file"
			;;
		# On tmpfs a write through a shared mapping moves no time and sends fanotify
		# no modify event: the mapping itself drops the verdict, the exec is a miss.
		mmap) run -0 eg-map scribble "$file" ;;
		# Other bytes under the name (unsigned is the same program as signed).
		rename-over) cp "$FX/tampered" "$dir/new" && mv "$dir/new" "$file" ;;
		link-swap) cp "$FX/tampered" "$dir/other" && ln -f "$dir/other" "$file" ;;
		esac
		run -126 gated eg-exec "$file"
		[[ $output == *EPERM* ]] || fail "$way: the changed file ran or failed otherwise: $output"
		rm -f "$file" "$dir/other"
	done
}

@test "attributes changed after it ran (chmod, chown, touch): a program is denied once as a miss, then runs again" {
	local file way
	start_gate enforce
	for way in chmod chown touch; do
		file=$(fresh signed)
		run -0 gated eg-exec "$file"
		# Run twice: the second exec finds the consult's ignore mark.
		run -0 gated eg-exec "$file"
		case $way in
		chmod) chmod 700 "$file" ;;
		chown) chown 65534 "$file" ;;
		touch) touch "$file" ;;
		esac
		# The change time moved, the ignore mark stayed: the kernel's miss.
		run -126 gated eg-exec "$file"
		assert_output --partial "EPERM"
		run -0 wait_event '"reason":"unverified"' "\"path\":\"$file\""
		run -0 gated eg-exec "$file"
		[[ $output == *"hello from"* ]] || fail "$way: still refused after the miss: $output"
	done
}

@test "attributes changed after it was mapped (chmod, touch): a library in a library directory is refused once as a miss, then loads again" {
	local lib=/usr/lib/libeg-greet-attr.so way
	start_gate enforce
	for way in chmod touch; do
		rm -f "$lib" "$lib.sig"
		cp "$FX/linked/lib/libeg-greet.so" "$FX/linked/lib/libeg-greet.so.sig" /usr/lib/
		mv /usr/lib/libeg-greet.so "$lib" && mv /usr/lib/libeg-greet.so.sig "$lib.sig"
		run -0 gated eg-dlopen "$lib"
		assert_output "loaded"
		case $way in
		chmod) chmod 700 "$lib" ;;
		touch) touch "$lib" ;;
		esac
		# The change time moved, the consult's ignore mark on the library stayed: the
		# loader's open is not reported and its mapping is the kernel's miss.
		run -1 gated eg-dlopen "$lib"
		assert_output --partial "refused"
		run -0 wait_event '"hook":"mmap"' '"reason":"unverified"' 'libeg-greet-attr.so"'
		# Told of the miss, the agent verifies the library again for the next mapping.
		wait_until "$AGENT_PID" gated eg-dlopen "$lib" ||
			fail "$way: the library is still refused after its miss"
	done
}

@test "bypasses: ld.so running an unsigned program cannot map it" {
	start_gate enforce
	local file ldso
	file=$(fresh unsigned)
	ldso=$(ls /lib64/ld-linux-x86-64.so.2)
	# ld.so reports a library or program it cannot map with status 127.
	run -127 gated "$ldso" "$file"
	refute_output --partial "hello from"
	run -0 wait_event '"hook":"mmap"' '"decision":"deny"' '"reason":"unverified"'
}

@test "status: backend, coverage and counters over the control socket" {
	start_gate enforce
	gated eg-exec "$(fresh unsigned)" || true
	run -0 execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json
	assert_output --partial '"backend": "bpf+fanotify"'
	assert_output --partial '"event_drops"'
	assert_output --partial '"denied"'
}

@test "bypasses: memfd + fexecve, execveat(AT_EMPTY_PATH) and /proc/self/fd of a deleted file" {
	start_gate enforce
	local way
	for way in memfd execveat deleted; do
		run -126 gated eg-exec "--$way" "$(fresh unsigned)"
		assert_output --partial "EPERM"
	done
	# The same ways with a signed program still work where the signature can be found.
	run -0 gated eg-exec --execveat "$(fresh signed)"
	assert_output --partial "hello from"
}

@test "bypasses: a copy on a tmpfs mounted after start, then remounted exec, gets EPERM" {
	start_gate enforce
	local mnt=$BATS_TEST_TMPDIR/late
	mkdir -p "$mnt"
	mount -t tmpfs -o noexec late "$mnt"
	cp "$FX/unsigned" "$mnt/unsigned"
	mount -o remount,exec "$mnt"
	run -126 gated eg-exec "$mnt/unsigned"
	assert_output --partial "EPERM"
	umount "$mnt"
}

@test "bypasses: LD_PRELOAD and dlopen of an unsigned library never run its code" {
	start_gate enforce
	local lib=$BATS_TEST_TMPDIR/eg-marker.so marker=$BATS_TEST_TMPDIR/marker
	cp /opt/execgate/bin/eg-marker.so "$lib"
	run gated env LD_PRELOAD="$lib" EG_MARKER="$marker" eg-exec "$(fresh signed)"
	[[ ! -e $marker ]]
	run -1 gated env EG_MARKER="$marker" eg-dlopen "$lib"
	assert_output --partial "refused"
	[[ ! -e $marker ]]
	run -0 wait_event '"hook":"mmap"' '"decision":"deny"'
}

@test "bypasses: a private writable+exec mapping and mprotect of patched code are refused" {
	start_gate enforce
	local file
	file=$(fresh signed)
	run -0 gated eg-exec "$file"
	run -1 gated eg-map wx "$file"
	assert_output --partial "EPERM"
	run -1 gated eg-map patch "$file"
	assert_output --partial "EPERM"
	run -0 gated eg-map exec "$file"
}

@test "reload: a bad policy is refused and the old one keeps deciding; a good one takes over" {
	local sock=$BATS_TEST_TMPDIR/control.sock
	POLICY=$BATS_TEST_TMPDIR/gate.policy
	cp "$FX/vm.policy" "$POLICY"
	start_gate enforce
	echo "allow outcome sometimes" >>"$POLICY"
	run -1 execgate reload --socket "$sock"
	assert_output --partial "gate.policy:"
	run -0 gated eg-exec "$(fresh signed)"
	run -126 gated eg-exec "$(fresh unsigned)"
	sed -i 's/^default deny$/default audit/; $d' "$POLICY"
	run -0 execgate reload --socket "$sock"
	run -0 gated eg-exec "$(fresh unsigned)"
	run -0 execgate status --socket "$sock" --json
	assert_output --partial '"generation": 2'
}

@test "reload under a loop of execs loses no decision" {
	start_gate enforce
	local signed unsigned sock=$BATS_TEST_TMPDIR/control.sock
	signed=$(fresh signed)
	unsigned=$BATS_TEST_TMPDIR/unsigned-loop
	cp "$FX/unsigned" "$unsigned"
	gated eg-flood 400 "$signed" >"$BATS_TEST_TMPDIR/signed.out" &
	local flood_signed=$!
	gated eg-flood 400 "$unsigned" >"$BATS_TEST_TMPDIR/unsigned.out" &
	local flood_unsigned=$!
	for _ in 1 2 3 4 5; do
		execgate reload --socket "$sock"
		sleep 0.2
	done
	wait "$flood_signed" "$flood_unsigned"
	run cat "$BATS_TEST_TMPDIR/signed.out"
	assert_output --partial "ran=400 eperm=0 other=0"
	run cat "$BATS_TEST_TMPDIR/unsigned.out"
	assert_output --partial "ran=0 eperm=400 other=0"
	run -0 execgate status --socket "$sock" --json
	assert_output --partial '"generation": 6'
}

@test "overlayfs mounted after start: embedded-signed runs, unsigned is denied, a copied-up change is decided afresh" {
	grep -qw overlay /proc/filesystems ||
		insmod "/lib/modules/$(uname -r)/kernel/fs/overlayfs/overlay.ko" ||
		skip "no overlayfs module for $(uname -r)"
	start_gate enforce
	local o=$BATS_TEST_TMPDIR/ovl
	mkdir -p "$o/lower" "$o/upper" "$o/work" "$o/merged"
	# Embedded: since 6.12 fanotify hands over overlayfs's backing file, whose path is
	# not the one executed, so signatures looked up by path do not apply there.
	cp "$FX/embedded" "$FX/unsigned" "$o/lower/"
	mount -t overlay overlay -o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work" "$o/merged"
	sleep 0.5 # the agent marks the new filesystem when the mount table changes
	run -0 gated eg-exec "$o/merged/embedded"
	assert_output --partial "hello from"
	run -126 gated eg-exec "$o/merged/unsigned"
	assert_output --partial "EPERM"
	printf 'x' >>"$o/merged/embedded" # copy-up: the upper file is a new inode
	run -126 gated eg-exec "$o/merged/embedded"
	assert_output --partial "EPERM"
	umount "$o/merged"
}

# A number the agent's status gives: the first KEY, or KEY inside OBJECT's first member.
status_number() { # [OBJECT] KEY
	local path="\"$1\":"
	[[ $# == 2 ]] && path="\"$1\":{\"$2\":"
	execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json | tr -d ' \n' |
		grep -o "$path[0-9]*" | head -n 1 | sed 's/.*://'
}

# The gate in enforce mode under vm.policy with the catalog directory DIR, made empty.
start_gate_with_catalog_dir() { # DIR
	mkdir -p "$1"
	POLICY=$BATS_TEST_TMPDIR/gate.policy
	sed "/^catalog /a catalog-dir \"$1\"" "$FX/vm.policy" >"$POLICY"
	start_gate enforce
}

@test "a catalog added while the gate runs: a file denied before runs at once, allowed ones keep their verdicts; one taken away decides all afresh" {
	local cats=$BATS_TEST_TMPDIR/cats sock=$BATS_TEST_TMPDIR/control.sock signed unsigned before
	start_gate_with_catalog_dir "$cats"
	signed=$(fresh signed)
	unsigned=$(fresh unsigned)
	run -0 gated eg-exec "$signed"
	# Denied twice: the second time by the kernel's cached deny.
	run -126 gated eg-exec "$unsigned"
	run -126 gated eg-exec "$unsigned"
	run -0 status_number generation
	assert_output 1
	# The agent's decisions for the gated cgroup (the runner's own execs are not counted).
	before=$(status_number decisions allowed)
	cp "$FX/unsigned.cat" "$cats/"
	run -0 execgate reload --catalogs --socket "$sock"
	assert_output "catalogs: 1 added, 0 replaced, 0 removed, 0 kept, 0 skipped"
	run -0 gated eg-exec "$unsigned"
	run -0 gated eg-exec "$signed"
	# Added trust undoes no allow: the generation stays, and only the file denied before
	# went back to the agent (the signed program and eg-exec kept their verdicts and
	# ignore marks).
	run -0 status_number generation
	assert_output 1
	run -0 status_number decisions allowed
	assert_output "$((before + 1))"
	rm "$cats/unsigned.cat"
	run -0 execgate reload --catalogs --socket "$sock"
	assert_output "catalogs: 0 added, 0 replaced, 1 removed, 0 kept, 0 skipped"
	run -0 status_number generation
	assert_output 2
	run -126 gated eg-exec "$unsigned"
	run -0 gated eg-exec "$signed"
}

@test "a catalog taken away that lists no file the gate allowed: the allows keep their verdicts, what it listed is denied" {
	local cats=$BATS_TEST_TMPDIR/cats sock=$BATS_TEST_TMPDIR/control.sock signed unsigned before
	start_gate_with_catalog_dir "$cats"
	# Not signed: it has unsigned's bytes, and its allow would rest on the digest that
	# unsigned.cat lists.
	signed=$(fresh signed-static)
	unsigned=$(fresh unsigned)
	run -0 gated eg-exec "$signed"
	# Listed, never run: no verdict or ignore mark rests on the catalog (apt's purge of
	# packages whose files nobody ran).
	cp "$FX/unsigned.cat" "$cats/"
	run -0 execgate reload --catalogs --socket "$sock"
	assert_output "catalogs: 1 added, 0 replaced, 0 removed, 0 kept, 0 skipped"
	rm "$cats/unsigned.cat"
	run -0 execgate reload --catalogs --socket "$sock"
	assert_output "catalogs: 0 added, 0 replaced, 1 removed, 0 kept, 0 skipped"
	run -0 status_number generation
	assert_output 1
	before=$(status_number decisions allowed)
	run -0 gated eg-exec "$signed"
	run -0 status_number decisions allowed
	assert_output "$before"
	run -126 gated eg-exec "$unsigned"
}
