# The package's maintainer scripts on a real system: remove, purge, install again.
# Runs last: it takes the gate away, then puts it back.
load helpers

# The package the image was built with (tests/distro/run.sh keeps it there).
deb() {
	compgen -G "$TEST_DIR/deb/*.deb" | head -n1
}

# The system executes normally: a shell, a dynamically linked tool, an unsigned program.
executes_normally() {
	local prog
	sh -c true || return 1
	[[ $(ls -d /) == / ]] || return 1
	prog=$(fresh unsigned)
	"$prog" | grep -q "hello from" || { rm -f "$prog"; return 1; }
	rm -f "$prog"
}

@test "with self-protection on, the gate pins itself under /sys/fs/bpf/execgate" {
	sed -i 's/^self-protection .*/self-protection on/' "$POLICY"
	grep -q '^self-protection on' "$POLICY"
	run -0 systemctl restart execgated.service
	run -0 systemctl show -p ActiveState --value execgated.service
	assert_output active
	[[ -e /sys/fs/bpf/execgate ]]
}

@test "apt-get remove stops the gate, removes its pins, the system executes normally" {
	run -0 apt-get remove -y execgate
	run systemctl is-active execgated.service
	refute_output active
	run ! pgrep -x execgated
	[[ ! -e /sys/fs/bpf/execgate ]]
	[[ ! -e /usr/sbin/execgated ]]
	run -0 executes_normally
	# remove keeps the configuration.
	run -0 dpkg-query -W -f '${db:Status-Abbrev}' execgate
	assert_output --regexp '^rc'
	[[ -f $POLICY ]]
}

@test "apt-get purge removes the configuration and the system executes normally" {
	run -0 apt-get purge -y execgate
	run dpkg-query -W -f '${db:Status-Abbrev}' execgate
	refute_output --regexp '^(ii|rc)'
	[[ ! -e $POLICY ]]
	[[ ! -e /sys/fs/bpf/execgate ]]
	run -0 executes_normally
}

@test "apt-get install of the package again brings the gate back" {
	[[ -f $(deb) ]]
	run -0 apt-get install -y "$(deb)"
	run -0 dpkg-query -W -f '${db:Status-Abbrev}' execgate
	assert_output --regexp '^ii'
	wait_for systemctl is-active --quiet execgated.service
	run -0 main_pid
	run -0 systemctl show -p NRestarts --value execgated.service
	assert_output 0
	wait_for execgate status
	run -0 status_field .mode
	assert_output audit
}
