# gRPC wire layer (issue 3): generated protobuf-c code, interop tests,
# fuzzing and the benchmark.  Included by the top Makefile.

GRPC_GEN  := $(BUILD)/gen
PY        := /usr/bin/python3
GEN_SRCS  += $(GRPC_GEN)/deviceplugin.pb-c.c

# protoc-c cannot compile the service blocks (a method named `register`):
# build the C code from a copy with the services removed.
$(GRPC_GEN)/deviceplugin.proto: proto/deviceplugin.proto
	@mkdir -p $(@D)
	sed '/^service /,/^}/d' $< > $@
$(GRPC_GEN)/deviceplugin.pb-c.c: $(GRPC_GEN)/deviceplugin.proto
	protoc-c -I$(GRPC_GEN) --c_out=$(GRPC_GEN) $<
$(GRPC_GEN)/deviceplugin.pb-c.h: $(GRPC_GEN)/deviceplugin.pb-c.c
	@test -f $@

# Every object may include the generated header: make it exist first.
$(call obj,$(LIB_SRCS) $(SIMFS_SRCS) $(INITD_SRCS) $(KSTUB_SRCS) initd/main.c simfs/main.c \
	kubelet-stub/main.c $(wildcard tests/unit/*.c tests/tools/*.c)): | $(GRPC_GEN)/deviceplugin.pb-c.h

# Unit tests that script HTTP/2 bytes share a helper.
$(BUILD)/tests/test_grpc_server: $(BUILD)/obj/tests/unit/h2script.o

# Interop with Debian's python3-grpcio; the C peer runs plain, then under
# ASan+UBSan.
.PHONY: check-interop
check-interop: $(BUILD)/tests/grpc-peer
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/tests/grpc-peer >/dev/null
	@for b in $(BUILD) build/asan; do \
		tests/interop/run.sh $$b >$$b/interop.log 2>&1 || { cat $$b/interop.log; exit 1; }; \
		echo "interop ($$b/tests/grpc-peer): $$(grep -E '^Ran ' $$b/interop.log), $$(tail -n 1 $$b/interop.log)"; \
	done
CHECK_EXTRA += check-interop

# libFuzzer: arbitrary bytes into a server connection engine and into a
# client channel.  Bounded in make check (FUZZ_TIME seconds each), 300 s
# each in make check-full; `make check-fuzz FUZZ_TIME=3600` for more.  New inputs go to
# build/fuzz/corpus-*; the committed seeds stay as they are.
ifdef FULL
# make check-full: the long runs
FUZZ_TIME ?= 300
endif
FUZZ_TIME ?= 15
FUZZ_TARGETS := grpc_server grpc_client
FUZZ_CFLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -Ilib -Ibuild/fuzz/gen \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_LIB := lib/evloop.c lib/grpc_frame.c lib/grpc_conn.c lib/grpc_server.c lib/grpc_client.c \
	lib/rootfs_sock.c lib/log.c lib/pbcheck.c build/fuzz/gen/deviceplugin.pb-c.c
build/fuzz/gen/deviceplugin.pb-c.c: proto/deviceplugin.proto
	@mkdir -p $(@D)
	sed '/^service /,/^}/d' $< > $(@D)/deviceplugin.proto
	protoc-c -I$(@D) --c_out=$(@D) $(@D)/deviceplugin.proto
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) $(wildcard lib/*.h)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(shell pkg-config --libs libnghttp2 libprotobuf-c)

.PHONY: check-fuzz grpc-fuzz-seeds
check-fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		seeds=tests/fuzz/corpus/$$(echo $$t | sed 's/_server$$//; s/_/-/'); \
		mkdir -p build/fuzz/corpus-$$t; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 -timeout=10 -artifact_prefix=build/fuzz/ \
			-print_final_stats=1 build/fuzz/corpus-$$t $$seeds >build/fuzz/$$t.log 2>&1 || \
			{ tail -n 60 build/fuzz/$$t.log; exit 1; }; \
		echo "fuzz_$$t: $(FUZZ_TIME) s, $$(grep -m1 stat::number_of_executed_units build/fuzz/$$t.log | \
			awk '{print $$2}') runs from $$seeds, no crash or leak"; \
	done
CHECK_EXTRA += check-fuzz

grpc-fuzz-seeds: $(BUILD)/obj/tests/unit/h2script.o $(BUILD)/libcommon.a
	$(CC) $(CFLAGS) -o $(BUILD)/fuzz-make-seeds tests/fuzz/make_seeds.c $^ $(LDLIBS)
	$(BUILD)/fuzz-make-seeds tests/fuzz/corpus/grpc
	$(BUILD)/fuzz-make-seeds - tests/fuzz/corpus/grpc-client
	$(BUILD)/fuzz-make-seeds --plugin tests/fuzz/corpus/plugin

# Benchmark (not part of make check): `make bench-grpc [BENCH_SECS=5]`.
BENCH_SECS ?= 5
BENCH_GRPC := $(BUILD)/bench/grpc-bench-server $(BUILD)/bench/grpc-bench-client
$(call obj,$(wildcard bench/grpc/*.c)): | $(GRPC_GEN)/deviceplugin.pb-c.h
$(BUILD)/bench/grpc-bench-%: $(BUILD)/obj/bench/grpc/bench_%.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
.PHONY: bench-grpc
bench-grpc: $(BENCH_GRPC)
	@bench/grpc/run.sh $(BUILD) $(BENCH_SECS)
$(BUILD)/tests/test_grpc_client: $(BUILD)/obj/tests/unit/h2script.o
$(BUILD)/tests/test_grpc_loop: $(BUILD)/obj/tests/unit/h2script.o
