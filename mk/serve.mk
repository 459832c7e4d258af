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
