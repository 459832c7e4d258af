# Bad input (issue 12): libFuzzer targets for gpu-initd's config JSON, the
# kernel command line, simfs fixtures, uevent messages, and serve's real
# device plugin behind the gRPC layer (frames, then the protobuf requests
# its handlers decode).  The gRPC layer's own targets are in mk/grpc.mk,
# Allocate validation's in mk/serve.mk.
#
# make check: FUZZ_MORE_TIME (8) seconds each from the committed seeds in
# tests/fuzz/corpus/<name>; make check-full: FUZZ_TIME (300) each;
# `make fuzz-long [FUZZ_LONG=3600]`: every fuzz target of the tree that long.
# New inputs go to build/fuzz/corpus-<name>; crashes to build/fuzz/.
ifdef FULL
FUZZ_MORE_TIME ?= $(FUZZ_TIME)
endif
FUZZ_MORE_TIME ?= 8
FUZZ_LONG ?= 3600
FUZZ_MORE := config cmdline fixture uevent plugin

# The sources built once with coverage instrumentation, into archives: a
# target links what it uses.
FZ_OBJ = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
build/fuzz/obj/%.o: %.c | build/fuzz/gen/deviceplugin.pb-c.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link -MMD -MP -Iinitd -Isimfs \
		$(shell pkg-config --cflags $(PKGS)) $(FZ_EXTRA) -c -o $@ $<
build/fuzz/libfz-common.a: $(call FZ_OBJ,$(LIB_SRCS) build/fuzz/gen/deviceplugin.pb-c.c)
build/fuzz/libfz-initd.a: $(call FZ_OBJ,$(INITD_SRCS))
build/fuzz/libfz-simfs.a: $(call FZ_OBJ,$(SIMFS_SRCS))
build/fuzz/libfz-%.a:
	rm -f $@ && ar rcs $@ $^
build/fuzz/obj/build/fuzz/gen/deviceplugin.pb-c.o: build/fuzz/gen/deviceplugin.pb-c.c
	@mkdir -p $(@D)
	@clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link -c -o $@ $<
-include $(shell find build/fuzz/obj -name '*.d' 2>/dev/null)

FZ_LIBS := build/fuzz/libfz-initd.a build/fuzz/libfz-simfs.a build/fuzz/libfz-common.a
$(patsubst %,build/fuzz/fuzz_%,$(FUZZ_MORE)): build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FZ_LIBS)
	clang $(FUZZ_CFLAGS) -Iinitd -Isimfs -o $@ $^ $(shell pkg-config --libs $(PKGS)) -lpthread

.PHONY: check-fuzz-more fuzz-long
check-fuzz-more: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_MORE))
	@for t in $(FUZZ_MORE); do \
		mkdir -p build/fuzz/corpus-$$t; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_MORE_TIME) -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix=build/fuzz/$$t- -print_final_stats=1 \
			build/fuzz/corpus-$$t tests/fuzz/corpus/$$t </dev/null >build/fuzz/$$t.log 2>&1 || \
			{ tail -n 60 build/fuzz/$$t.log; exit 1; }; \
		echo "fuzz_$$t: $(FUZZ_MORE_TIME) s, $$(grep -m1 stat::number_of_executed_units build/fuzz/$$t.log | \
			awk '{print $$2}') runs from tests/fuzz/corpus/$$t, no crash or leak"; \
	done
CHECK_EXTRA += check-fuzz-more

fuzz-long:
	@$(MAKE) --no-print-directory check-fuzz check-serve-fuzz check-fuzz-more \
		FUZZ_TIME=$(FUZZ_LONG) FUZZ_MORE_TIME=$(FUZZ_LONG)
