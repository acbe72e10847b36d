# execgate build.  Everything built goes under $(BUILD); `make V=1` shows the commands.
#
#   make deps      install the Debian packages the build, tests and demo need (root)
#   make all       build bpf object, skeleton, execgated, execgate, libraries
#   make test      deps + all + every suite (unit under ASan/UBSan, bats, vm, distro), one summary line
#   make demo      deps + all + the gate working for real inside the VM
#   make vm-test   the VM suite alone (both Debian cloud kernels)
#   make distro-test  the real-system suite alone (the package in Debian 13 and 12 roots)
#   make bench     benchmarks under tests/bench (ratios, never assertions)
#   make fuzz      every libFuzzer harness for FUZZ_SECONDS each
#   make install   PREFIX=/usr/local DESTDIR=
#   make format    clang-format every C source in place

BUILD ?= build
PREFIX ?= /usr/local
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
#   build:  compilers, libbpf, bpftool, libelf, OpenSSL, jansson, cmocka, libfuse3 (eg-fuse)
#   tests:  bats + helpers, SoftHSM2 + PKCS#11 engine, faketime, python3 (loopback HTTP)
#   vm:     qemu, busybox-static, cpio, the kernel packages are fetched at run time
DEPS_PKGS := make gcc clang llvm libclang-rt-14-dev pkg-config bpftool libbpf-dev libelf-dev \
	zlib1g-dev libssl-dev openssl libjansson-dev libcmocka-dev libfuse3-dev \
	bats bats-support bats-assert softhsm2 libengine-pkcs11-openssl opensc faketime \
	python3 curl qemu-system-x86 busybox-static cpio kmod xz-utils xxd file binutils chromium

WARNINGS := -Wall -Wextra -Werror -Wmissing-field-initializers -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
EG_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -fstack-protector-strong \
	-I$(BUILD) -Ibpf -Iagent -Iagent/lib -Ipolicy -Itools
EG_LDFLAGS := $(LDFLAGS)
ifeq ($(SANITIZE),1)
EG_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
EG_LDFLAGS += -fsanitize=address,undefined
endif
LIBS := -lcrypto -lelf -ljansson -lz

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD) -Ibpf

LIB_SRCS := $(sort $(wildcard agent/lib/*.c))
POLICY_SRCS := $(sort $(wildcard policy/*.c))
AGENT_SRCS := $(sort $(wildcard agent/*.c))
TOOL_SRCS := $(sort $(wildcard tools/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HEADERS := $(wildcard bpf/*.h agent/*.h agent/lib/*.h policy/*.h tools/*.h)

LIB := $(BUILD)/libexecgate.a
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS) $(POLICY_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS))
TOOL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/bin/%,$(HELPER_SRCS)) \
	$(BUILD)/bin/eg-hello-static $(BUILD)/bin/eg-marker.so $(BUILD)/bin/libeg-greet.so
BINS := $(BUILD)/bin/execgated $(BUILD)/bin/execgate

.PHONY: all deps test unit unit-build demo vm-test distro-test bench fuzz install clean format
all: $(BINS) $(HELPER_BINS)

deps:
	$(Q)tests/deps.sh $(DEPS_PKGS)

# --- BPF ------------------------------------------------------------------------------
$(BUILD)/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/execgate.bpf.o: bpf/execgate.bpf.c bpf/execgate.h $(wildcard bpf/*.bpf.h) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/execgate.skel.h: $(BUILD)/execgate.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- userspace ------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c $(HEADERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_CFLAGS) -c $< -o $@

$(AGENT_OBJS): $(BUILD)/execgate.skel.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/execgated: $(AGENT_OBJS) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_LDFLAGS) -o $@ $^ -lbpf $(LIBS) -lpthread

$(BUILD)/bin/execgate: $(TOOL_OBJS) $(LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_LDFLAGS) -o $@ $^ $(LIBS) -lpthread

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
$(BUILD)/unit/%: tests/unit/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(EG_CFLAGS) $(EG_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka -lpthread

unit-build: $(UNIT_BINS)

# Unit tests always run under ASan and UBSan, from their own build directory.
unit:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SANITIZE=1 unit-build
	$(Q)tests/run-suites.sh unit $(BUILD)/san/unit

test: deps
	$(Q)$(MAKE) --no-print-directory all
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

FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	-Ibpf -Iagent/lib -Ipolicy -Itools
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
$(FUZZ_BUILD)/%: tests/fuzz/%.c $(LIB_SRCS) $(POLICY_SRCS) $(HEADERS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(POLICY_SRCS) $(LIBS) -lpthread

fuzz: deps $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BINS)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/execgate
	install -m 0755 $(BUILD)/bin/execgated $(DESTDIR)$(PREFIX)/sbin/execgated
	install -m 0755 $(BUILD)/bin/execgate $(DESTDIR)$(PREFIX)/bin/execgate
	install -m 0644 $(wildcard policy/*.policy) $(DESTDIR)$(PREFIX)/share/execgate/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' agent/systemd/execgated.service \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/execgated.service

format:
	clang-format -i $(wildcard bpf/*.c bpf/*.h agent/*.c agent/*.h agent/lib/*.c agent/lib/*.h \
		policy/*.c policy/*.h tools/*.c tools/*.h tests/unit/*.c tests/fuzz/*.c tests/helpers/*.c \
		tests/helpers/lib/*.c)

clean:
	rm -rf $(BUILD)
