# libFuzzer targets (build/fuzz/fuzz_NAME from tests/fuzz/fuzz_NAME.c) and
# their bounded runs in make check.  Every target is built one way: the
# tree's sources are compiled once with coverage instrumentation and
# ASan+UBSan into archives (build/fuzz/libfz-*.a), and a target is its own
# object linked with them (the linker takes what it uses).
#
#   check-fuzz        the gRPC layer: a server connection engine and a
#                     client channel fed arbitrary bytes
#   check-fuzz-more   gpu-initd's config JSON, the kernel command line,
#                     simfs fixtures, uevent messages, serve's device
#                     plugin behind the gRPC layer
#   check-serve-fuzz  Allocate validation/response and the preferred choice
#
# Each run starts from the committed seeds in tests/fuzz/corpus/SEEDS (SEEDS
# is NAME with _ as -, but grpc for grpc_server); new inputs go to
# build/fuzz/corpus-NAME, crashes to build/fuzz/NAME-*.  Seconds per
# target: FUZZ_TIME (15) for check-fuzz and check-serve-fuzz, FUZZ_MORE_TIME
# (8) for check-fuzz-more; make check-full: 300 each.  `make fuzz-long
# [FUZZ_LONG=3600]`: every target that long.
ifdef FULL
FUZZ_TIME ?= 300
FUZZ_MORE_TIME ?= $(FUZZ_TIME)
endif
FUZZ_TIME ?= 15
FUZZ_MORE_TIME ?= 8
FUZZ_LONG ?= 3600

FUZZ_GRPC  := grpc_server grpc_client
FUZZ_MORE  := config cmdline fixture uevent plugin
FUZZ_SERVE := serve_allocate
fuzz-seeds = tests/fuzz/corpus/$(or $(FUZZ_SEEDS_$(1)),$(subst _,-,$(1)))
FUZZ_SEEDS_grpc_server := grpc

FUZZ_CFLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -Ilib -Ibuild/fuzz/gen \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The sources, the generated protobuf-c code and the targets' own files,
# compiled with coverage instrumentation (the fuzzer's main comes at link).
FZ_OBJ = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
build/fuzz/obj/%.o: %.c | build/fuzz/gen/deviceplugin.pb-c.h
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link -MMD -MP -Iinitd -Isimfs \
		$(shell pkg-config --cflags $(PKGS)) $(FZ_EXTRA) -c -o $@ $<
build/fuzz/libfz-common.a: $(call FZ_OBJ,$(LIB_SRCS) build/fuzz/gen/deviceplugin.pb-c.c)
build/fuzz/libfz-initd.a: $(call FZ_OBJ,$(INITD_SRCS))
build/fuzz/libfz-simfs.a: $(call FZ_OBJ,$(SIMFS_SRCS))
build/fuzz/libfz-%.a:
	rm -f $@ && ar rcs $@ $^
-include $(shell find build/fuzz/obj -name '*.d' 2>/dev/null)

FZ_LIBS := build/fuzz/libfz-initd.a build/fuzz/libfz-simfs.a build/fuzz/libfz-common.a
build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o $(FZ_LIBS)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS)) -lpthread

# fuzz-run SECONDS, TARGETS: each target SECONDS from its seeds, in turn;
# the first crash or leak stops with the end of its log.
define fuzz-run
	@for t in $(foreach t,$(2),$(t):$(call fuzz-seeds,$(t))); do \
		n=$${t%%:*} seeds=$${t#*:}; \
		mkdir -p build/fuzz/corpus-$$n; \
		build/fuzz/fuzz_$$n -max_total_time=$(1) -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix=build/fuzz/$$n- -print_final_stats=1 \
			build/fuzz/corpus-$$n $$seeds </dev/null >build/fuzz/$$n.log 2>&1 || \
			{ tail -n 60 build/fuzz/$$n.log; exit 1; }; \
		echo "fuzz_$$n: $(1) s, $$(grep -m1 stat::number_of_executed_units build/fuzz/$$n.log | \
			awk '{print $$2}') runs from $$seeds, no crash or leak"; \
	done
endef

.PHONY: check-fuzz check-fuzz-more check-serve-fuzz fuzz-long grpc-fuzz-seeds
## check-fuzz: the gRPC layer's fuzz targets (server, client), FUZZ_TIME s each
check-fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_GRPC))
	$(call fuzz-run,$(FUZZ_TIME),$(FUZZ_GRPC))
## check-fuzz-more: fuzz targets for config, cmdline, fixture, uevent, plugin, FUZZ_MORE_TIME s each
check-fuzz-more: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_MORE))
	$(call fuzz-run,$(FUZZ_MORE_TIME),$(FUZZ_MORE))
## check-serve-fuzz: the Allocate fuzz target, FUZZ_TIME s
check-serve-fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_SERVE))
	$(call fuzz-run,$(FUZZ_TIME),$(FUZZ_SERVE))

## fuzz-long: every fuzz target FUZZ_LONG (3600) s
fuzz-long:
	@$(MAKE) --no-print-directory check-fuzz check-serve-fuzz check-fuzz-more \
		FUZZ_TIME=$(FUZZ_LONG) FUZZ_MORE_TIME=$(FUZZ_LONG)

## grpc-fuzz-seeds: rewrite the committed gRPC and plugin seeds (tests/fuzz/make_seeds.c)
grpc-fuzz-seeds: $(BUILD)/obj/tests/unit/h2script.o $(BUILD)/libcommon.a
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz-make-seeds tests/fuzz/make_seeds.c $^ $(LDLIBS)
	$(BUILD)/fuzz-make-seeds tests/fuzz/corpus/grpc
	$(BUILD)/fuzz-make-seeds - tests/fuzz/corpus/grpc-client
	$(BUILD)/fuzz-make-seeds --plugin tests/fuzz/corpus/plugin
