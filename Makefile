# gpu-initd — top-level build. `make` builds the three programs in build/;
# `make check` installs what is missing, then runs unit tests (plain and
# ASan+UBSan) and the simulated-node tests.  Extra rule files in mk/*.mk are
# included so an area (proto, grpc, bench...) can add its own targets.

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
.PHONY: all check check-full check-unit check-asan check-it demo clean setup format format-check layer-check
all: $(PROGS) $(TEST_TOOLS)

-include mk/*.mk

$(BUILD)/libcommon.a: $(call obj,$(LIB_SRCS) $(GEN_SRCS))
$(BUILD)/libsimfs.a:  $(call obj,$(SIMFS_SRCS))
$(BUILD)/libinitd.a:  $(call obj,$(INITD_SRCS))
$(BUILD)/libkstub.a:  $(call obj,$(KSTUB_SRCS))
$(BUILD)/%.a:
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# initd/ includes its subfolders' headers as "node/x.h", "vgpu/x.h", "serve/x.h"
$(BUILD)/obj/initd/%.o: CFLAGS += -Iinitd
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

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- set-up: install Debian packages only when something is missing --------
setup:
	@scripts/setup.sh

# --- tests ------------------------------------------------------------------
check-unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

# Unit tests, then the simfs flows with simfs itself built with ASan+UBSan.
check-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 check-unit build/asan/simfs
	@rm -rf build/asan/logs && mkdir -p build/asan/logs
	@SIMFS_BIN=$(CURDIR)/build/asan/simfs SANITIZER_LOGS=$(CURDIR)/build/asan/logs \
	  ASAN_OPTIONS=log_path=$(CURDIR)/build/asan/logs/asan \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/build/asan/logs/ubsan:print_stacktrace=1 \
	  tests/it/run.sh 't-simfs-*'

check-it: all
	@tests/it/run.sh

# The tree is formatted with .clang-format (Debian's clang-format 14):
# `make format` rewrites, `make format-check` names what differs.
format:
	@clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	@scripts/format-check.sh
# Every file access of gpu-initd, kubelet-stub and lib/ goes through
# lib/rootfs*.c: `make layer-check` names any that does not.
layer-check:
	@scripts/layer-check.sh

check: setup
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory layer-check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-it $(CHECK_EXTRA)

check-full: setup
	@$(MAKE) --no-print-directory check FULL=1

demo: setup
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

clean:
	rm -rf build
