# gpu-initd — top-level build.  `make` builds the three programs (gpu-initd,
# simfs, kubelet-stub) and the test tools in build/; `make check` installs
# what is missing, then runs every test (the list: `make help`).  What each
# mk/*.mk builds:
#   mk/proto.mk     the protobuf-c code of the device-plugin API
#   mk/nvidia.mk    NVIDIA's nvml.h (downloaded) and the fake NVML library
#   mk/check.mk     the test runs that build nothing of their own
#   mk/sanitize.mk  ASan+UBSan builds (build/asan) and the flows run with them
#   mk/fuzz.mk      the libFuzzer targets (build/fuzz) and their runs
#   mk/static.mk    the fully static gpu-initd and kubelet-stub (build/static)
#   mk/vm.mk        the QEMU boot tests (tests/vm) and their guest helper
#   mk/bench.mk     the benchmarks (bench/) and their programs

BUILD   ?= build
CC      ?= cc
PKGS    := fuse3 libkmod libpci libudev libnghttp2 libprotobuf-c
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
           -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -Ilib -I$(BUILD)/gen \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifdef SAN
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Each program is main.c plus an archive of the rest of its folder, so unit
# tests link the same objects the programs do.
LIB_SRCS    := $(wildcard lib/*.c)
SIMFS_SRCS  := $(filter-out simfs/main.c,$(wildcard simfs/*.c))
INITD_SRCS  := $(filter-out initd/main.c,$(wildcard initd/*.c initd/*/*.c))
KSTUB_SRCS  := $(filter-out kubelet-stub/main.c,$(wildcard kubelet-stub/*.c))
GEN_SRCS    :=            # generated sources (mk/proto.mk adds to it)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

PROGS := $(BUILD)/gpu-initd $(BUILD)/simfs $(BUILD)/kubelet-stub
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))

.SECONDARY:
.PHONY: all check check-full demo clean setup format format-check layer-check help
## all: the programs and test tools in build/ (the default)
all: $(PROGS) $(TEST_TOOLS)

-include mk/*.mk

$(BUILD)/libcommon.a: $(call obj,$(LIB_SRCS) $(GEN_SRCS))
$(BUILD)/libsimfs.a:  $(call obj,$(SIMFS_SRCS))
$(BUILD)/libinitd.a:  $(call obj,$(INITD_SRCS))
$(BUILD)/libkstub.a:  $(call obj,$(KSTUB_SRCS))
$(BUILD)/%.a:
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# initd/ includes its subfolders' headers as "node/x.h", "vgpu/x.h",
# "serve/x.h"; its unit tests see them the same way.
$(BUILD)/obj/initd/%.o: CFLAGS += -Iinitd
$(BUILD)/obj/tests/unit/test_initd_%.o: CFLAGS += -Iinitd
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

ARCHIVES := $(BUILD)/libinitd.a $(BUILD)/libsimfs.a $(BUILD)/libkstub.a $(BUILD)/libcommon.a
$(BUILD)/gpu-initd: $(BUILD)/obj/initd/main.o $(BUILD)/libinitd.a $(BUILD)/libcommon.a
$(BUILD)/simfs: $(BUILD)/obj/simfs/main.o $(BUILD)/libsimfs.a $(BUILD)/libcommon.a
$(BUILD)/kubelet-stub: $(BUILD)/obj/kubelet-stub/main.o $(BUILD)/libkstub.a $(BUILD)/libcommon.a
$(PROGS):
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests (tests/unit/test_*.c, picked up automatically) and test tools
# (tests/tools/*.c) link every archive; the tests that script HTTP/2 bytes
# share a helper.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/test_grpc_server $(BUILD)/tests/test_grpc_client $(BUILD)/tests/test_grpc_loop: \
	$(BUILD)/obj/tests/unit/h2script.o

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

## setup: install the Debian packages the build and tests need, when missing
setup:
	@scripts/setup.sh

# The tree is formatted with .clang-format (Debian's clang-format 14).
## format: clang-format every .c/.h of the tree in place
format:
	@clang-format -i $$(git ls-files '*.c' '*.h')
## format-check: name every .c/.h that clang-format would change
format-check:
	@scripts/format-check.sh
# Every file access of gpu-initd, kubelet-stub and lib/ goes through
# lib/rootfs*.c (scripts/layer-check.sh says what counts).
## layer-check: name every file access outside lib/rootfs*.c (initd/, lib/, kubelet-stub/) and every include upwards between initd/ folders
layer-check:
	@scripts/layer-check.sh

# --- make check ---------------------------------------------------------
# The steps, in order, stopping at the first failure: CHECK_SERIAL one
# sub-make each, then CHECK_STEPS in one sub-make (a -j given to make check
# applies there).  A new area adds its runs with `CHECK_EXTRA += target`.
CHECK_SERIAL := format-check layer-check all check-unit check-asan
CHECK_STEPS   = check-it check-bench-smoke check-fuzz-more check-interop check-fuzz \
	check-initd-asan check-kstub-asan check-mig-asan check-serve-asan check-serve-fuzz \
	check-initd-static check-vm $(CHECK_EXTRA)

define newline


endef
## check: every test (the list below); the README's and CI's test command
check: setup
	$(foreach s,$(CHECK_SERIAL),@$(MAKE) --no-print-directory $(s)$(newline))@$(MAKE) --no-print-directory $(CHECK_STEPS)

## check-full: make check with FULL=1 (long fuzz runs, every matrix cell)
check-full: setup
	@$(MAKE) --no-print-directory check FULL=1

## demo: a simulated 8x H100 node: check, run, kubelet-stub, vGPU
demo: setup
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

## clean: remove build/ (static-deps and nvidia included)
clean:
	rm -rf build

# `make help`: the `## target: text` lines of Makefile and mk/*.mk, then
# make check's steps in order with the same texts.
HELP_FILES := Makefile $(sort $(wildcard mk/*.mk))
## help: this list
help:
	@echo "Targets (make TARGET; variables: BUILD=dir, SAN=1, FULL=1, FUZZ_TIME=s, FUZZ_MORE_TIME=s):"
	@awk '/^## [a-z0-9-]+: / { sub(/^## /, ""); t = $$1; sub(/:$$/, "", t); sub(/^[^:]*: /, ""); printf "  %-20s %s\n", t, $$0 }' \
		$(HELP_FILES) | sort
	@echo
	@echo "make check runs, in order, stopping at the first failure (from check-it on in one make: with -j, side by side):"
	@awk -v steps="setup $(CHECK_SERIAL) $(CHECK_STEPS)" \
		'/^## [a-z0-9-]+: / { sub(/^## /, ""); t = $$1; sub(/:$$/, "", t); sub(/^[^:]*: /, ""); d[t] = $$0 } \
		END { n = split(steps, s, " "); for (i = 1; i <= n; i++) printf "  %2d. %-20s %s\n", i, s[i], d[s[i]] }' \
		$(HELP_FILES)
