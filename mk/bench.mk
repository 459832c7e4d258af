# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmarks (bench/; none is part of make check) and their programs.
# `make bench`: every benchmark, figures printed, a full run recorded in
# bench/RESULTS.md (BENCH_QUICK=1: a short try, nothing recorded).  Each
# piece alone: bench-boot, bench-start, bench-plugin, bench-callgrind,
# bench-footprint, bench-grpc, bench-simfs; `make bench-counts`: only the
# figures that are counts (the same every run of a build), to compare two
# builds.  What each figure means: the header of the script printing it.
.PHONY: bench bench-setup bench-boot bench-start bench-plugin bench-callgrind bench-footprint \
	bench-grpc bench-simfs bench-counts
BENCH_SECS ?= 5
BENCH_IDLE ?= 60

# The benchmarks' own programs, linked with libcommon.a (simfs-bench with
# nothing).
BENCH_GRPC := $(BUILD)/bench/grpc-bench-server $(BUILD)/bench/grpc-bench-client
BENCH_BINS := $(BUILD)/bench/plugin-bench $(BENCH_GRPC) $(BUILD)/bench/simfs-bench
$(BUILD)/bench/grpc-bench-server: $(BUILD)/obj/bench/grpc/bench_server.o $(BUILD)/libcommon.a
$(BUILD)/bench/grpc-bench-client: $(BUILD)/obj/bench/grpc/bench_client.o $(BUILD)/libcommon.a
$(BUILD)/bench/plugin-bench: $(BUILD)/obj/bench/plugin/plugin_bench.o $(BUILD)/libcommon.a
$(BENCH_GRPC) $(BUILD)/bench/plugin-bench:
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bench/simfs-bench: $(BUILD)/obj/bench/simfs/simfs_bench.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

# valgrind (callgrind), strace and GNU time (peak RSS) only when benchmarks run
bench-setup:
	@scripts/setup.sh bench

## bench: every benchmark; a full run is recorded in bench/RESULTS.md
bench: bench-setup all static $(BENCH_BINS)
	@bench/run.sh $(BUILD)

## bench-boot: the boot path on simulated nodes, gpu-initd against the incumbent shell
bench-boot: all
	@bench/boot/run.sh $(BUILD) $(if $(BENCH_QUICK),1,3)

## bench-start: serve's start on plain-directory hosts, dynamic and static
bench-start: all static
	@bench/start/run.sh $(BUILD) $(if $(BENCH_QUICK),3,21)

## bench-plugin: serve's Allocate, health latency, idle CPU (BENCH_SECS, BENCH_IDLE)
bench-plugin: all $(BUILD)/bench/plugin-bench
	@bench/plugin/run.sh $(BUILD) $(BENCH_SECS) $(BENCH_IDLE)

## bench-callgrind: instruction counts of apply and Allocate next to wall times
bench-callgrind: bench-setup all $(BUILD)/bench/plugin-bench
	@bench/callgrind/run.sh $(BUILD) 2

## bench-footprint: binary sizes and peak memory
bench-footprint: bench-setup all static
	@bench/footprint.sh $(BUILD)

## bench-grpc: the gRPC server against Python grpcio (BENCH_SECS per point)
bench-grpc: $(BENCH_GRPC)
	@bench/grpc/run.sh $(BUILD) $(BENCH_SECS)

## bench-simfs: simfs's own operations (N=2000)
bench-simfs: all $(BUILD)/bench/simfs-bench
	@bench/simfs/run.sh $(BUILD) $(N)

## bench-counts: sysfs write/read counts, instruction counts, syscall counts (no timing; minutes)
bench-counts: bench-setup all static
	@bench/counts.sh $(BUILD)
