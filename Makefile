# execgate build.  Everything built goes under $(BUILD); `make V=1` shows the commands.
#
#   make deps      install the Debian packages the build, tests and demo need (root)
#   make all       build bpf object, skeleton, execgated, execgate, libraries
#   make test      deps + all + man-lint + every suite (unit under ASan/UBSan, bats, vm, distro),
#                  one summary line
#   make demo      deps + all + the gate working for real inside the VM
#   make vm-test   the VM suite alone (both Debian cloud kernels)
#   make distro-test  the real-system suite alone (the package in Debian 13 and 12 roots)
#   make bench     benchmarks under tests/bench (ratios, never assertions)
#   make fuzz      every libFuzzer harness for FUZZ_SECONDS each
#   make install   PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc UNITDIR=$(PREFIX)/lib/systemd/system
#   make deb       the Debian package for this machine's release (DIST=trixie|bookworm:
#                  built in a clean root made by mmdebstrap)
#   make format    clang-format every C source in place
#   make format-check  the same sources checked, nothing changed (fails on a difference)

BUILD ?= build
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
SANITIZE ?= 0
FUZZ_SECONDS ?= 60

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SUFFIXES:

# Packages from Debian that the project needs, by purpose:
#   build:  compilers, libbpf, bpftool, libelf, OpenSSL, jansson, libsystemd (sd_notify, and
#           the journal: lifecycle messages and log-journal's decision fields),
#           cmocka, libfuse3 (eg-fuse), libarchive (catalog create --from-deb and the
#           APT hook: a .deb's ar archive, its compressed tar members)
#   tests:  bats + helpers, SoftHSM2 + PKCS#11 engine, faketime, python3 (loopback HTTP),
#           prometheus (its promtool checks the metrics file), strace (what the agent
#           reads at start)
#   vm:     qemu, busybox-static, cpio, the kernel packages are fetched at run time
#   docs:   scdoc (man pages from docs/man/*.scd), mandoc (make man-lint)
#   deb:    debhelper, lintian, mmdebstrap (DIST= builds in a clean root), bash-completion
DEPS_PKGS := make gcc clang llvm libclang-rt-14-dev pkg-config bpftool libbpf-dev libelf-dev \
	zlib1g-dev libssl-dev openssl libjansson-dev libsystemd-dev libcmocka-dev libfuse3-dev \
	bats bats-support bats-assert softhsm2 libengine-pkcs11-openssl opensc faketime \
	python3 prometheus curl strace qemu-system-x86 busybox-static cpio kmod xz-utils xxd file binutils chromium \
	scdoc mandoc debhelper dpkg-dev lintian mmdebstrap bash-completion \
	libarchive-dev

WARNINGS := -Wall -Wextra -Werror -Wmissing-field-initializers -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
# The version is the Debian changelog's: one place to bump it.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
EG_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -fstack-protector-strong \
	-DEXECGATE_VERSION='"$(VERSION)"' -MMD -MP
EG_LDFLAGS := $(LDFLAGS)
ifeq ($(SANITIZE),1)
EG_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
EG_LDFLAGS += -fsanitize=address,undefined
endif
LIBS := -lcrypto -lelf -ljansson -lz

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Ibpf

# The layers, each compiled with the include paths of what it may use, so that an include
# of anything else fails the build:
#   bpf/execgate.h  the kernel/user ABI, which every layer may use; userspace sees it
#                   alone, in $(ABI_DIR), not bpf/ with the BPF program's own headers
#   bpf/            the ABI and its own headers
#   agent/lib/      the verification library: the ABI
#   policy/         the library
#   agent/          the library and policy, and the BPF skeleton made in $(BUILD)
#   tools/          the library and policy
# Tests and fuzz harnesses use the paths of the layer they test (test_inc).
ABI_DIR := $(BUILD)/abi
ABI_H := $(ABI_DIR)/execgate.h
LIB_INC := -I$(ABI_DIR) -Iagent/lib
POLICY_INC := $(LIB_INC) -Ipolicy
AGENT_INC := $(POLICY_INC) -Iagent -I$(BUILD)
TOOLS_INC := $(POLICY_INC) -Itools
inc_of = $(if $(filter agent/lib/%,$1),$(LIB_INC),$(if $(filter policy/%,$1),$(POLICY_INC),$(if \
	$(filter agent/%,$1),$(AGENT_INC),$(if $(filter tools/%,$1),$(TOOLS_INC),$(error \
	$1 is in no layer)))))
POLICY_TESTS := facts_test policy_test policy_parse_fuzz
TOOLS_TESTS := log_read_test log_scan_fuzz deb_fuzz
test_inc = $(if $(filter $1,$(POLICY_TESTS)),$(POLICY_INC),$(if $(filter $1,$(TOOLS_TESTS)),$(TOOLS_INC),$(LIB_INC)))

LIB_SRCS := $(sort $(wildcard agent/lib/*.c))
POLICY_SRCS := $(sort $(wildcard policy/*.c))
AGENT_SRCS := $(sort $(wildcard agent/*.c))
# The log reader, a library of its own that `execgate log` and the tests link.
LOGREAD_SRCS := tools/log_read.c tools/log_scan.c
TOOL_SRCS := $(filter-out $(LOGREAD_SRCS),$(sort $(wildcard tools/*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))

LIB := $(BUILD)/libexecgate.a
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS) $(POLICY_SRCS))
LOGREAD := $(BUILD)/liblogread.a
LOGREAD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LOGREAD_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS))
TOOL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/bin/%,$(HELPER_SRCS)) \
	$(BUILD)/bin/eg-hello-static $(BUILD)/bin/eg-marker.so $(BUILD)/bin/libeg-greet.so
BINS := $(BUILD)/bin/execgated $(BUILD)/bin/execgate

.PHONY: vmlinux-h deb all deps test unit unit-build demo vm-test distro-test bench fuzz install clean \
	format format-check
all: $(BINS) $(HELPER_BINS)

deps:
	$(Q)tests/deps.sh $(DEPS_PKGS)

# --- BPF ------------------------------------------------------------------------------
# bpf/vmlinux.h is kept in the repository so the build never depends on the build
# machine's kernel; `make vmlinux-h` regenerates it from the running kernel's BTF.
vmlinux-h:
	$(Q){ printf '%s\n' "/* Generated by 'make vmlinux-h' (bpftool btf dump file /sys/kernel/btf/vmlinux format c)" \
		" * on a $$(uname -r) kernel.  CO-RE relocates every access at load, so this one header serves" \
		" * every kernel the gate supports; regenerate only to use types it lacks. */"; \
		$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > bpf/vmlinux.h.new
	$(Q)mv bpf/vmlinux.h.new bpf/vmlinux.h

$(BUILD)/execgate.bpf.o: bpf/execgate.bpf.c bpf/execgate.h bpf/vmlinux.h $(wildcard bpf/*.bpf.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/execgate.skel.h: $(BUILD)/execgate.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- userspace ------------------------------------------------------------------------
# Each object's headers are the ones the compiler saw (-MMD -MP, in a .d beside it); an
# object without its .d (built before there were any) is built again.
$(ABI_H): bpf/execgate.h
	$(Q)mkdir -p $(@D)
	$(Q)ln -sf $(abspath $<) $@

$(BUILD)/obj/%.o: %.c $(BUILD)/obj/%.d | $(ABI_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_CFLAGS) $(call inc_of,$<) -c $< -o $@

$(AGENT_OBJS): | $(BUILD)/execgate.skel.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LOGREAD): $(LOGREAD_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/execgated: $(AGENT_OBJS) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_LDFLAGS) -o $@ $^ -lbpf $(LIBS) -lsystemd -lpthread

$(BUILD)/bin/execgate: $(TOOL_OBJS) $(LOGREAD) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_LDFLAGS) -o $@ $^ $(LIBS) -larchive -lpthread

# Test programs are static, so gating their libraries never gets in a test's way; the
# dynamic ones have a rule of their own below: eg-hello and eg-hello-linked (programs whose
# libraries the gate must check), eg-dlopen, eg-fuse (linked as pkg-config says; tests run
# it outside the gated cgroup) and eg-sha256.
$(BUILD)/bin/%: tests/helpers/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -static -o $@ $<

$(BUILD)/bin/eg-hello: tests/helpers/eg-hello.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -o $@ $<

$(BUILD)/bin/eg-dlopen: tests/helpers/eg-dlopen.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -o $@ $< -ldl

$(BUILD)/bin/eg-fuse: tests/helpers/eg-fuse.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) $$(pkg-config --cflags fuse3) -o $@ $< \
		$$(pkg-config --libs fuse3)

$(BUILD)/bin/eg-marker.so: tests/helpers/lib/eg-marker.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -shared -fPIC -o $@ $<

# OpenSSL's SHA-256 for the guest (the benchmark's floor of a first exec); dynamic, as
# a static libcrypto drags in glibc's NSS.
$(BUILD)/bin/eg-sha256: tests/helpers/eg-sha256.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -o $@ $< -lcrypto

# An application with its own library beside it, as installed under /opt.
$(BUILD)/bin/libeg-greet.so: tests/helpers/lib/eg-greet.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -shared -fPIC -o $@ $<

$(BUILD)/bin/eg-hello-linked: tests/helpers/eg-hello-linked.c $(BUILD)/bin/libeg-greet.so
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -o $@ $< -L$(BUILD)/bin -leg-greet \
		-Wl,--enable-new-dtags,-rpath,'$$ORIGIN/lib'

$(BUILD)/bin/eg-hello-static: tests/helpers/eg-hello.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) -static -o $@ $<

# --- tests ----------------------------------------------------------------------------
$(UNIT_BINS): $(BUILD)/unit/%: tests/unit/%.c $(BUILD)/unit/%.d $(LOGREAD) $(LIB) | $(ABI_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_CFLAGS) $(call test_inc,$*) $(EG_LDFLAGS) -o $@ $< $(LOGREAD) $(LIB) $(LIBS) \
		-lcmocka -lpthread

unit-build: $(UNIT_BINS)

# Unit tests always run under ASan and UBSan, from their own build directory.
unit:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SANITIZE=1 unit-build
	$(Q)tests/run-suites.sh unit $(BUILD)/san/unit

test: deps
	$(Q)$(MAKE) --no-print-directory all man-lint
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SANITIZE=1 unit-build
	$(Q)BUILD=$(abspath $(BUILD)) tests/run-suites.sh all

vm-test: all
	$(Q)BUILD=$(abspath $(BUILD)) tests/run-suites.sh vm

# Builds `make deb DIST=...` for each release it tests (tests/distro/run.sh).
distro-test: all
	$(Q)BUILD=$(abspath $(BUILD)) tests/run-suites.sh distro

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(abspath $(BUILD)) tests/vm/run.sh --demo

bench: all
	$(Q)BUILD=$(abspath $(BUILD)) tests/bench/run.sh

# The Debian package: for this machine's release, or DIST=trixie|bookworm in a clean root.
DIST ?=
deb: deps
	$(Q)debian/mkdeb.sh $(BUILD)/deb/$(or $(DIST),host) $(DIST)

# The harnesses link the libraries built again with the fuzzer's coverage and sanitizers.
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -MMD -MP
FUZZ_SANITIZE := address,undefined
FUZZ_LIB := $(FUZZ_BUILD)/libexecgate.a
FUZZ_LOGREAD := $(FUZZ_BUILD)/liblogread.a
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
$(FUZZ_BUILD)/obj/%.o: %.c | $(ABI_H)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) $(call inc_of,$<) \
		-c $< -o $@

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRCS) $(POLICY_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_LOGREAD): $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LOGREAD_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# deb_fuzz drives the CLI's .deb reader (tools/catalog_sources.c), which needs libarchive.
$(FUZZ_BUILD)/deb_fuzz: $(FUZZ_BUILD)/obj/tools/catalog_sources.o
$(FUZZ_BUILD)/deb_fuzz: FUZZ_EXTRA := $(FUZZ_BUILD)/obj/tools/catalog_sources.o -larchive
$(FUZZ_BINS): $(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_LOGREAD) $(FUZZ_LIB) | $(ABI_H)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SANITIZE) $(call test_inc,$*) -o $@ $< \
		$(FUZZ_EXTRA) $(FUZZ_LOGREAD) $(FUZZ_LIB) $(LIBS) -lpthread

fuzz: deps $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BINS)

# Manual pages: scdoc sources in docs/man/, roff in $(BUILD)/man/ (tidy.awk drops the empty
# paragraphs scdoc emits).  man-lint fails on any line mandoc prints at level warning or
# above, not only on its exit status.
MAN_SRCS := $(sort $(wildcard docs/man/*.scd))
MAN_PAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))
.PHONY: man man-lint
man: $(MAN_PAGES)

$(BUILD)/man/%: docs/man/%.scd docs/man/tidy.awk
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scdoc < $< > $@.scdoc && awk -f docs/man/tidy.awk $@.scdoc > $@ && rm -f $@.scdoc

man-lint: $(MAN_PAGES)
	$(Q)out=$$(mandoc -T lint -W warning $(MAN_PAGES) 2>&1); \
	if [ -n "$$out" ]; then printf '%s\n' "$$out"; exit 1; fi; \
	echo "mandoc -T lint -W warning: $(words $(MAN_PAGES)) pages, no findings"

# The binaries, the shipped policies and the unit; the audit policy becomes
# $(SYSCONFDIR)/execgate/execgate.policy unless one is there.  The Debian package takes
# the unit (UNITDIR= leaves it out), logrotate, tmpfiles.d and bash completion from
# debian/, and dh installs them where each release wants them.
install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/execgate
	install -m 0755 $(BUILD)/bin/execgated $(DESTDIR)$(PREFIX)/sbin/execgated
	install -m 0755 $(BUILD)/bin/execgate $(DESTDIR)$(PREFIX)/bin/execgate
	install -m 0644 $(wildcard policy/*.policy) $(DESTDIR)$(PREFIX)/share/execgate/
	install -d $(DESTDIR)$(SYSCONFDIR)/execgate/anchors
	[ -e $(DESTDIR)$(SYSCONFDIR)/execgate/execgate.policy ] || \
		install -m 0644 policy/audit.policy $(DESTDIR)$(SYSCONFDIR)/execgate/execgate.policy
	$(if $(UNITDIR),install -d $(DESTDIR)$(UNITDIR))
	$(if $(UNITDIR),sed -e 's|/usr/sbin/|$(PREFIX)/sbin/|' -e 's|/usr/bin/|$(PREFIX)/bin/|' \
		agent/systemd/execgated.service > $(DESTDIR)$(UNITDIR)/execgated.service)

FORMAT_SRCS := $(filter-out bpf/vmlinux.h,$(wildcard bpf/*.c bpf/*.h) \
	$(wildcard agent/*.c agent/*.h agent/lib/*.c agent/lib/*.h \
	policy/*.c policy/*.h tools/*.c tools/*.h tests/unit/*.c tests/fuzz/*.c tests/helpers/*.c \
	tests/helpers/lib/*.c))
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)
	$(Q)echo "clang-format: $(words $(FORMAT_SRCS)) files, no differences"

clean:
	rm -rf $(BUILD)

# The headers each object, test and harness was built with, as the compiler found them.
DEPS := $(patsubst %.o,%.d,$(LIB_OBJS) $(LOGREAD_OBJS) $(AGENT_OBJS) $(TOOL_OBJS)) $(UNIT_BINS:=.d)
$(DEPS):
include $(wildcard $(DEPS) $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/obj/*/*/*.d $(FUZZ_BINS:=.d))
