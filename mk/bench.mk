# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench` (issue 12; not part of make check): every benchmark, figures
# printed, a full run recorded in bench/RESULTS.md.  BENCH_QUICK=1 for a
# short try (nothing recorded).  The pieces: `make bench-boot`,
# `bench-start`, `bench-callgrind`, `bench-footprint` here; bench-plugin, bench-grpc,
# bench-simfs in their areas' .mk files.
.PHONY: bench bench-setup bench-boot bench-start bench-callgrind bench-footprint
BENCH_BINS := $(BUILD)/bench/plugin-bench $(BENCH_GRPC) $(BUILD)/bench/simfs-bench

# valgrind (callgrind) and GNU time (peak RSS) only when benchmarks run
bench-setup:
	@scripts/setup.sh bench

bench: bench-setup all static $(BENCH_BINS)
	@bench/run.sh $(BUILD)

bench-boot: all
	@bench/boot/run.sh $(BUILD) $(if $(BENCH_QUICK),1,3)

# serve's start on plain-directory hosts, dynamic and static (issue 19)
bench-start: all static
	@bench/start/run.sh $(BUILD) $(if $(BENCH_QUICK),3,21)

bench-callgrind: bench-setup all $(BUILD)/bench/plugin-bench
	@bench/callgrind/run.sh $(BUILD) 2

bench-footprint: bench-setup all static
	@bench/footprint.sh $(BUILD)

# make check: the boot benchmark's scripts once on one node, one trial, no
# latency: catches a broken benchmark, never a slow machine (no figure is
# compared with anything).
CHECK_EXTRA += check-bench-smoke
.PHONY: check-bench-smoke
check-bench-smoke: all
	@BENCH_NODES=h100-hgx-8x-passthrough bench/boot/run.sh $(BUILD) 1 0 >$(BUILD)/bench-smoke.log 2>&1 || \
		{ cat $(BUILD)/bench-smoke.log; exit 1; }
	@echo "bench smoke (bench/boot, h100-hgx-8x passthrough, 1 trial): $$(tail -n 1 $(BUILD)/bench-smoke.log | tr -s ' ')"
