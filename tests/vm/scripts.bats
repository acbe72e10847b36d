#!/usr/bin/env bats
# Scripts are code: with bash (/bin/sh is bash here), python3 and perl named interpreters in
# the policy, a gated interpreter reads only files the gate would let run, and a script run
# as ./x.sh is decided itself as well as its interpreter.  The scripts (tests/vm/fixtures.sh),
# as .sh, .py and .pl: unsigned, signed with a block at their end (embedded), detached, in a
# catalog, and changed after signing; python3's standard library and perl's modules are in
# the system catalog.

load helpers

setup() {
	mkdir -p "$SCOPE"
	POLICY=$FX/scripts.policy
	WATCHED=$BATS_TEST_TMPDIR/watched
	mkdir -p "$WATCHED"
}

teardown() {
	stop_agent
	umount -d "$BATS_TEST_TMPDIR/seconds" 2>/dev/null || true
	# The fixtures that must lie where only root writes, gone when a test fails too.
	rm -rf /var/lib/eg-tree /var/lib/eg-data /var/lib/eg-conf /var/lib/eg-open \
		/usr/lib/eg-data /usr/lib/eg-data.txt
	rmdir "$SCOPE" 2>/dev/null || true
}

# scripts DIR: a fresh copy of every script (and the detached signature) in DIR.
scripts() {
	mkdir -p "$1"
	cp -a "$FX"/scripts/. "$1/"
}

# start_script_gate MODE [options]: start_gate with a consult deadline of a minute.  The first
# exec of python3 (6.5 MB to hash) and its standard library's first opens are verified
# while they wait; under emulation on a loaded host that took longer than the default 5 s
# (python3's exec denied with verification_timeout, seen on 7.3), which would refuse what
# the tests expect to run on its first try.
start_script_gate() {
	start_gate "$@" --timeout-ms 60000
}

# interp EXT: the interpreter of a script NAME.EXT.
interp() {
	case $1 in
	py) echo python3 ;;
	pl) echo perl ;;
	esac
}

# only_scripts_refused: every refusal (or audit) of python3 and perl names one of the test's
# scripts, none a file of their own (standard library, modules: in the system catalog).  The
# kernel's records name a file by its last component, the agent's by its whole path.
only_scripts_refused() {
	local others
	others=$(grep -E '"comm":"(python3[.0-9]*|perl)"' "$AGENT_EVENTS" |
		grep -vE '"path":"([^"]*/)?(fresh-)?(unsigned|changed|mod)\.(py|pl)"' || true)
	assert_equal "$others" ""
}

# first_read_refused SCRIPT: run new copies of SCRIPT (embedded.sh) with bash until one is
# refused at its first read, its path then in REFUSED.  The agent verifies a file as soon as
# the kernel reports its open, which races with the interpreter's first read; under load
# the agent sometimes wins.  Of five new copies, at least one must be refused.
first_read_refused() {
	local i
	for i in 1 2 3 4 5; do
		REFUSED=${1%.sh}-fresh-$i.sh
		cp "$1" "$REFUSED"
		run gated bash "$REFUSED"
		[[ $output == "ran embedded" ]] || return 0
	done
	return 1
}

# refused_at_open INTERPRETER FILE: FILE, already refused, is refused again at open, where
# the interpreter fails and says why.  A refusal at the first read is not seen by python3
# and perl: they take the failed read for the end of the file, run nothing and exit 0.
refused_at_open() {
	run gated "$1" "$2"
	assert_failure
	assert_output --partial "Permission denied"
	refute_output --partial "ran"
}

@test "enforce: an unsigned script is refused to bash, sh and ./x.sh" {
	local d=$BATS_TEST_TMPDIR/s
	start_script_gate enforce --watch-scripts "$WATCHED"
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

@test "enforce: an unsigned script is refused to python3 and perl, which read their own libraries" {
	local d=$BATS_TEST_TMPDIR/s ext
	start_script_gate enforce --watch-scripts "$WATCHED"
	scripts "$d"
	for ext in py pl; do
		# Never seen: refused at its first read (unverified, or no_signature when the
		# agent, told of the open, was quicker), verified for the next open.
		run gated "$(interp $ext)" "$d/unsigned.$ext"
		refute_output --partial "ran unsigned"
		run -0 wait_event '"hook":"script"' '"decision":"deny"' "unsigned.$ext\""
		refused_at_open "$(interp $ext)" "$d/unsigned.$ext"
		run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"no_signature"' \
			"unsigned.$ext\""
		# In a watched directory the consult decides before the first read: no_signature.
		cp "$FX/scripts/unsigned.$ext" "$WATCHED/fresh-unsigned.$ext"
		run gated "$(interp $ext)" "$WATCHED/fresh-unsigned.$ext"
		refute_output --partial "ran unsigned"
		run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"no_signature"' \
			"$WATCHED/fresh-unsigned.$ext\""
		refused_at_open "$(interp $ext)" "$WATCHED/fresh-unsigned.$ext"
	done
	only_scripts_refused
}

@test "enforce: signed scripts (embedded, detached, catalog) run on their first try" {
	local d=$BATS_TEST_TMPDIR/s name
	start_script_gate enforce --watch-scripts "$WATCHED"
	scripts "$d"
	scripts "$WATCHED"
	for name in embedded detached catalog; do
		run -0 gated "$d/$name.sh"
		assert_output "ran $name"
		run -0 gated bash "$WATCHED/$name.sh"
		assert_output "ran $name"
		run -0 gated sh "$WATCHED/$name.sh"
		assert_output "ran $name"
		run -0 gated python3 "$WATCHED/$name.py"
		assert_output "ran $name"
		run -0 gated perl "$WATCHED/$name.pl"
		assert_output "ran $name"
	done
}

@test "enforce: a signed script changed after signing is refused" {
	local d=$BATS_TEST_TMPDIR/s
	start_script_gate enforce --watch-scripts "$WATCHED"
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
	for ext in py pl; do
		run gated "$(interp $ext)" "$WATCHED/changed.$ext"
		refute_output --partial "ran"
		run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"bad_signature"' \
			"$WATCHED/changed.$ext\""
		refused_at_open "$(interp $ext)" "$WATCHED/changed.$ext"
	done
	only_scripts_refused
}

@test "enforce: a script rewritten within the second it was verified is refused to its interpreter" {
	# As bypass2.bats item 12, for an interpreter's reads: a write in the same second leaves
	# the times of a file on a filesystem that keeps whole seconds as they were.
	local dir=$BATS_TEST_TMPDIR/seconds
	whole_seconds_fs "$dir"
	start_script_gate enforce
	at_second_start
	cp "$FX/scripts/detached.sh" "$FX/scripts/detached.sh.sig" "$dir/"
	# Run as a program: the consult verifies the script itself.
	run -0 gated "$dir/detached.sh"
	assert_output "ran detached"
	sed 's/ran detached/ran tampered/' "$dir/detached.sh" >"$BATS_TEST_TMPDIR/tampered.sh"
	dd if="$BATS_TEST_TMPDIR/tampered.sh" of="$dir/detached.sh" conv=notrunc 2>/dev/null
	run gated bash "$dir/detached.sh"
	assert_failure
	refute_output --partial "ran"
}

@test "enforce: a script a rule on the access allows (uid) stays allowed once the agent has settled the kernel's report of its open" {
	POLICY=$BATS_TEST_TMPDIR/uid.policy
	sed "/^allow /i allow uid 0 path \"$WATCHED/unsigned.sh\"" "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce --watch-scripts "$WATCHED"
	scripts "$WATCHED"
	run -0 gated bash "$WATCHED/unsigned.sh"
	assert_output "ran unsigned"
	# The kernel reported the open, which found no verdict, and the agent settles that
	# report after the consult decided the open.
	sleep 2
	run -0 gated bash "$WATCHED/unsigned.sh"
	assert_output "ran unsigned"
}

@test "enforce: python3 -c 'import mod' of an unsigned module in a user's directory is refused" {
	local home=$BATS_TEST_TMPDIR/home/eguser other=$BATS_TEST_TMPDIR/home/other
	mkdir -p "$home" "$other"
	cp "$FX/scripts/mod.py" "$FX/scripts/signedmod.py" "$home/"
	cp "$FX/scripts/mod.py" "$other/"
	scripts "$WATCHED"
	start_script_gate enforce --watch-scripts "$WATCHED" --prescan "$home"
	# python3 -c searches its working directory first: a signed module there imports.
	run -0 gated bash -c 'cd "$0" && exec "$@"' "$home" python3 -c 'import signedmod'
	assert_output "imported signedmod"
	# Pre-scanned: refused at open.
	run gated bash -c 'cd "$0" && exec "$@"' "$home" python3 -c 'import mod'
	assert_failure
	assert_output --partial "PermissionError"
	refute_output --partial "imported mod"
	# The kernel's record names the file by its last component, or by its whole path when
	# the agent still finds it open in the process: either ends in mod.py.
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"no_signature"' \
		'mod.py"' "\"ino\":$(stat -c %i "$home/mod.py"),"
	# Never seen: refused at its first read, which an import does not take for the end.
	run gated bash -c 'cd "$0" && exec "$@"' "$other" python3 -c 'import mod'
	assert_failure
	assert_output --partial "PermissionError"
	refute_output --partial "imported mod"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' 'mod.py"' \
		"\"ino\":$(stat -c %i "$other/mod.py"),"
	# In a watched directory, on the module search path: no_signature at the first read.
	run gated env PYTHONPATH="$WATCHED" python3 -c 'import mod'
	assert_failure
	assert_output --partial "PermissionError"
	refute_output --partial "imported mod"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"no_signature"' \
		"$WATCHED/mod.py\""
	only_scripts_refused
}

@test "enforce: a script never seen outside watched directories is refused on its first read, verified for the next" {
	local d=$BATS_TEST_TMPDIR/s i
	start_script_gate enforce
	scripts "$d"
	first_read_refused "$d/embedded.sh"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' '"reason":"unverified"'
	for i in $(seq 50); do
		run gated bash "$REFUSED"
		[[ $output == "ran embedded" ]] && break
		sleep 0.1
	done
	assert_output "ran embedded"
	# Pre-scanned at start, a script is known before its first read.
	stop_agent
	scripts "$BATS_TEST_TMPDIR/p"
	start_script_gate enforce --prescan "$BATS_TEST_TMPDIR/p"
	run -0 gated bash "$BATS_TEST_TMPDIR/p/catalog.sh"
	assert_output "ran catalog"
}

@test "enforce: the policy's watch-scripts settles a script before its first read, and a reload watches what the new policy names" {
	local one=$BATS_TEST_TMPDIR/one two=$BATS_TEST_TMPDIR/two
	# Both exist before: the subdirectories are watched as they are when the policy loads.
	scripts "$one"
	scripts "$two"
	POLICY=$BATS_TEST_TMPDIR/watch.policy
	sed "/^allow /i watch-scripts $one" "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce
	run -0 gated bash "$one/embedded.sh"
	assert_output "ran embedded"
	sed "/^allow /i watch-scripts $two" "$FX/scripts.policy" >"$POLICY"
	run -0 execgate reload --socket "$BATS_TEST_TMPDIR/control.sock"
	run -0 gated bash "$two/embedded.sh"
	assert_output "ran embedded"
}

@test "enforce: with no interpreter named the read check is not attached; a reload that names one attaches it" {
	local d=$BATS_TEST_TMPDIR/s
	scripts "$d"
	POLICY=$BATS_TEST_TMPDIR/none.policy
	cp "$FX/vm.policy" "$POLICY"
	start_script_gate enforce
	# Pinned (an enforcing gate), but not the check every read of every process would run.
	[[ -e /sys/fs/bpf/execgate/link_bprm_check_security ]]
	[[ ! -e /sys/fs/bpf/execgate/link_file_permission ]]
	run -0 gated bash "$d/unsigned.sh"
	assert_output "ran unsigned"
	cp "$FX/scripts.policy" "$POLICY"
	run -0 execgate reload --socket "$BATS_TEST_TMPDIR/control.sock"
	[[ -e /sys/fs/bpf/execgate/link_file_permission ]]
	run gated bash "$d/unsigned.sh"
	assert_failure
	refute_output --partial "ran unsigned"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' 'unsigned.sh"'
}

@test "enforce: a reload that names other interpreters gates them, and no longer the ones it dropped" {
	local d=$BATS_TEST_TMPDIR/s
	scripts "$d"
	POLICY=$BATS_TEST_TMPDIR/interpreters.policy
	sed 's|^interpreter .*|interpreter /bin/bash|' "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce
	run gated bash "$d/unsigned.sh"
	refute_output --partial "ran unsigned"
	run -0 gated perl "$d/unsigned.pl"
	assert_output "ran unsigned"
	sed 's|^interpreter .*|interpreter /usr/bin/perl|' "$FX/scripts.policy" >"$POLICY"
	run -0 execgate reload --socket "$BATS_TEST_TMPDIR/control.sock"
	run gated perl "$d/unsigned.pl"
	refute_output --partial "ran unsigned"
	run -0 wait_event '"hook":"script"' '"comm":"perl"' 'unsigned.pl"'
	run -0 gated bash "$d/unsigned.sh"
	assert_output "ran unsigned"
}

@test "enforce: watch-scripts DIR/* watches the files in DIR, not the trees below it" {
	local home=$BATS_TEST_TMPDIR/home
	scripts "$home"
	scripts "$home/src"
	POLICY=$BATS_TEST_TMPDIR/watch.policy
	sed "/^allow /i watch-scripts $BATS_TEST_TMPDIR/h*/*" "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce
	run -0 gated bash "$home/embedded.sh"
	assert_output "ran embedded"
	first_read_refused "$home/src/embedded.sh"
	run -0 wait_event '"hook":"script"' '"reason":"unverified"' "\"${REFUSED##*/}\""
}

@test "enforce: processes that are no interpreter read what they like" {
	local d=$BATS_TEST_TMPDIR/s
	start_script_gate enforce
	scripts "$d"
	run -0 gated cat "$d/unsigned.sh"
	assert_output --partial 'echo "ran unsigned"'
}

# consult_answered: how many opens and execs the agent's consult has answered.
consult_answered() {
	execgate status --socket "$BATS_TEST_TMPDIR/control.sock" --json |
		sed -n 's/.*"answered": \([0-9]*\).*/\1/p'
}

@test "enforce: a data file in a library directory, opened by a program that is no interpreter, waits for the agent once" {
	# Made before the agent starts, which marks the library directories as they are then.
	local data=/usr/lib/eg-data.txt a b c
	echo data >"$data"
	start_script_gate enforce
	run -0 gated cat "$data"
	a=$(consult_answered)
	run -0 gated cat "$data"
	b=$(consult_answered)
	# Four more opens of the file: no more answers than one open (the execs of bash and
	# cat are answered as before).
	run -0 gated cat "$data" "$data" "$data" "$data" "$data"
	assert_output "$(printf 'data\n%.0s' 1 2 3 4 5)"
	c=$(consult_answered)
	assert_equal "$((c - b))" "$((b - a))"
}

@test "enforce: a catalog added while the gate runs: a script denied before runs at once, the files programs opened keep their ignore marks" {
	local cats=$BATS_TEST_TMPDIR/cats mod a b c
	# A standard library module (in the system catalog): cat's open of it is decided
	# once, an allow, and marked.
	mod=$(ls /usr/lib/python3*/json/decoder.py | head -n 1)
	mkdir -p "$cats"
	POLICY=$BATS_TEST_TMPDIR/cats.policy
	sed -e '\|^catalog "/opt/execgate/fixtures/scripts.cat"|d' \
		-e "/^catalog /a catalog-dir \"$cats\"" "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce --watch-scripts "$WATCHED"
	cp "$FX/scripts/catalog.sh" "$WATCHED/"
	run -0 gated cat "$mod"
	# Opened by a program that is no interpreter: decided (a deny: no catalog lists it
	# yet) and marked over the deny, so bash's open is not reported; the kernel refuses.
	run -0 gated cat "$WATCHED/catalog.sh"
	run gated bash "$WATCHED/catalog.sh"
	assert_failure
	refute_output --partial "ran catalog"
	cp "$FX/scripts.cat" "$cats/"
	run -0 execgate reload --catalogs --socket "$BATS_TEST_TMPDIR/control.sock"
	assert_output "catalogs: 1 added, 0 replaced, 0 removed, 0 kept, 0 skipped"
	# Added trust undoes no allow: cat's and the module's marks stay, and the open is
	# answered by no more than an open of nothing.
	a=$(consult_answered)
	run -0 gated cat "$mod"
	b=$(consult_answered)
	run -0 gated cat /dev/null
	c=$(consult_answered)
	assert_equal "$((b - a))" "$((c - b))"
	# The script's mark went with its deny: bash's open is decided again.
	run -0 gated bash "$WATCHED/catalog.sh"
	assert_output "ran catalog"
}

@test "enforce: watch-scripts leaves out the trees after a '!' and the interpreters' data" {
	# Where only root writes, or the data would not be data.
	local tree=/var/lib/eg-tree a b c d
	scripts "$tree"
	scripts "$tree/doc/examples"
	mkdir -p "$tree/data"
	echo data >"$tree/data/one.txt"
	echo data >"$tree/one.txt"
	echo data >"$tree/two.txt"
	POLICY=$BATS_TEST_TMPDIR/watch.policy
	sed -e "/^allow /i watch-scripts $tree !$tree/doc" \
		-e "/^allow /i interpreter-data $tree/data" "$FX/scripts.policy" >"$POLICY"
	start_script_gate enforce
	run -0 gated bash "$tree/embedded.sh"
	assert_output "ran embedded"
	# Left out: a new script there is a miss at its first read.
	first_read_refused "$tree/doc/examples/embedded.sh"
	run -0 wait_event '"hook":"script"' '"reason":"unverified"' "\"${REFUSED##*/}\""
	# A watched file's first open waits for the agent; a data file's does not.
	run -0 gated cat "$tree/one.txt"
	a=$(consult_answered)
	run -0 gated cat "$tree/one.txt"
	b=$(consult_answered)
	run -0 gated cat "$tree/two.txt"
	c=$(consult_answered)
	assert_equal "$((c - b))" "$((b - a + 1))"
	run -0 gated cat "$tree/data/one.txt"
	d=$(consult_answered)
	assert_equal "$((d - c))" "$((b - a))"
}

# data_policy PATH...: the scripts policy with PATH... as interpreter data.
data_policy() {
	POLICY=$BATS_TEST_TMPDIR/data.policy
	sed "/^allow /i interpreter-data $*" "$FX/scripts.policy" >"$POLICY"
}

@test "enforce: what the policy names as data an interpreter reads undecided: by directory, or by name in its directory, whoever replaces the file" {
	local d=$BATS_TEST_TMPDIR/s data=/var/lib/eg-data conf=/var/lib/eg-conf
	scripts "$d"
	mkdir -p "$data/sub" "$conf" /usr/lib/eg-data
	# Unsigned text that is valid shell: read as data, bash runs it, which shows that
	# nothing decided the read.
	echo 'echo ran table' >"$data/sub/table"
	echo 'echo ran conf' >"$conf/app.conf"
	echo 'echo ran other' >"$conf/other.conf"
	echo 'echo ran lib-data' >/usr/lib/eg-data/table
	data_policy "$data" "$conf/app.conf" /usr/lib/eg-data
	start_script_gate enforce
	run -0 gated bash "$data/sub/table"
	assert_output "ran table"
	run -0 gated bash "$conf/app.conf"
	assert_output "ran conf"
	# In a library directory the consult sees the open first, and lets it be data too.
	run -0 gated bash /usr/lib/eg-data/table
	assert_output "ran lib-data"
	# Replaced by rename, as useradd replaces /etc/passwd: a new file under the same name.
	echo 'echo ran renamed' >"$conf/.app.conf.new"
	mv "$conf/.app.conf.new" "$conf/app.conf"
	run -0 gated bash "$conf/app.conf"
	assert_output "ran renamed"
	# Another name in the same directory is code.
	run gated bash "$conf/other.conf"
	refute_output --partial "ran other"
	run -0 wait_event '"hook":"script"' '"decision":"deny"' 'other.conf"'
	refute grep -E '"path":"[^"]*(table|app\.conf)"' "$AGENT_EVENTS"
}

@test "enforce: a file bound over a data path in a private mount namespace is still code" {
	local d=$BATS_TEST_TMPDIR/s conf=/var/lib/eg-conf
	scripts "$d"
	mkdir -p "$conf"
	echo 'echo ran conf' >"$conf/app.conf"
	data_policy "$conf"
	start_script_gate enforce
	# The open reaches the unsigned script's own dentry, in its own directory.
	run gated unshare -m sh -c \
		"mount --bind '$d/unsigned.sh' '$conf/app.conf' && bash '$conf/app.conf'"
	refute_output --partial "ran unsigned"
	refute_output --partial "ran conf"
	run -0 wait_event '"hook":"script"' '"decision":"deny"'
}

@test "enforce: a data directory that others than root can write is not data, and the agent says why" {
	local open=/var/lib/eg-open
	mkdir -p "$open"
	chmod 1777 "$open"
	echo 'echo ran planted' >"$open/planted"
	data_policy "$open"
	start_script_gate enforce
	run -0 grep -F "interpreter-data $open: $open is not data to interpreters: $open is writable by others" "$AGENT_LOG"
	run gated bash "$open/planted"
	refute_output --partial "ran planted"
}

@test "audit: every script runs, each refusal logged as audit with hook script" {
	local d=$BATS_TEST_TMPDIR/s
	start_script_gate audit --watch-scripts "$WATCHED"
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
	for ext in py pl; do
		run -0 gated "$(interp $ext)" "$WATCHED/unsigned.$ext"
		assert_output "ran unsigned"
		run -0 wait_event '"hook":"script"' '"decision":"audit"' '"reason":"no_signature"' \
			"unsigned.$ext\""
		run -0 gated "$(interp $ext)" "$WATCHED/changed.$ext"
		assert_output "ran CHANGED"
		run -0 wait_event '"hook":"script"' '"decision":"audit"' '"reason":"bad_signature"' \
			"changed.$ext\""
	done
	run -0 gated env PYTHONPATH="$WATCHED" python3 -c 'import mod'
	assert_output "imported mod"
	run -0 wait_event '"hook":"script"' '"decision":"audit"' '"reason":"no_signature"' \
		"$WATCHED/mod.py\""
	# Nothing else was audited: python3's and perl's own files are trusted.
	only_scripts_refused
}

@test "AT_EXECVE_CHECK: an interpreter that asks gets the gate's decision (Linux 6.14 and later)" {
	local d=$BATS_TEST_TMPDIR/s
	start_script_gate enforce
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
