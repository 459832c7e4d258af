# gpu-initd serve (issue 7): unit tests include initd/ headers; the plugin
# benchmark.  Included by the top Makefile.
$(BUILD)/obj/tests/unit/test_serve.o: CFLAGS += -Iinitd

# make check runs the serve flows with gpu-initd built with ASan+UBSan too;
# any sanitizer report fails the run.
CHECK_EXTRA += check-serve-asan
.PHONY: check-serve check-serve-asan
check-serve: all
	@tests/it/run.sh 't-serve-*'
check-serve-asan: all
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/gpu-initd
	@rm -rf build/asan/serve-logs && mkdir -p build/asan/serve-logs
	@GPU_INITD=$(CURDIR)/build/asan/gpu-initd SANITIZER_LOGS=$(CURDIR)/build/asan/serve-logs \
	  ASAN_OPTIONS=log_path=$(CURDIR)/build/asan/serve-logs/asan \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/build/asan/serve-logs/ubsan:print_stacktrace=1 \
	  tests/it/run.sh 't-serve-*'

# Benchmark (not part of make check): `make bench-plugin`, figures for
# bench/RESULTS.md.  BENCH_IDLE=seconds of the idle-CPU point (60).
BENCH_IDLE ?= 60
$(call obj,$(wildcard bench/plugin/*.c)): | $(GRPC_GEN)/deviceplugin.pb-c.h
$(BUILD)/bench/plugin-bench: $(BUILD)/obj/bench/plugin/plugin_bench.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
.PHONY: bench-plugin
bench-plugin: all $(BUILD)/bench/plugin-bench
	@bench/plugin/run.sh $(BUILD) $(BENCH_SECS) $(BENCH_IDLE)

# libFuzzer on Allocate validation/response and the preferred choice
# (`make check-serve-fuzz`, FUZZ_TIME seconds; 15 in make check).
SERVE_FUZZ_SRCS := tests/fuzz/fuzz_serve_allocate.c initd/serve/allocate.c initd/serve/resources.c initd/node/naming.c \
	initd/node/config.c initd/node/bootfb.c initd/vgpu/vgpu_type.c lib/rootfs.c lib/dpapi.c lib/json.c lib/log.c lib/pciaddr.c lib/jsonw.c lib/buf.c \
	build/fuzz/gen/deviceplugin.pb-c.c
build/fuzz/fuzz_serve_allocate: $(SERVE_FUZZ_SRCS) $(wildcard initd/*.h initd/*/*.h lib/*.h)
	clang $(FUZZ_CFLAGS) -Iinitd -o $@ $(filter %.c,$^) $(shell pkg-config --libs libprotobuf-c)
.PHONY: check-serve-fuzz
check-serve-fuzz: build/fuzz/fuzz_serve_allocate
	@mkdir -p build/fuzz/corpus-serve-allocate
	@build/fuzz/fuzz_serve_allocate -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 -artifact_prefix=build/fuzz/ \
		-print_final_stats=1 build/fuzz/corpus-serve-allocate tests/fuzz/corpus/serve-allocate >build/fuzz/serve_allocate.log 2>&1 || \
		{ tail -n 60 build/fuzz/serve_allocate.log; exit 1; }
	@echo "fuzz_serve_allocate: $(FUZZ_TIME) s, $$(grep -m1 stat::number_of_executed_units build/fuzz/serve_allocate.log | \
		awk '{print $$2}') runs, no crash or leak"
CHECK_EXTRA += check-serve-fuzz
