# The test runs that build nothing of their own (they use `all`, `static`
# and the VM tool).  The sanitizer flows are in mk/sanitize.mk, the fuzz
# runs in mk/fuzz.mk, the QEMU boots in mk/vm.mk; make check's order is in
# the Makefile (`make help` prints it).
.PHONY: check-unit check-it check-serve check-matrix check-interop check-initd-static check-bench-smoke

## check-unit: the unit tests (cmocka, tests/unit/test_*.c)
check-unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

# The simulated-node tests include the static binary and the packaging
# (and the VM tool: mk/vm.mk).
## check-it: every simulated-node test (tests/it/t-*.sh; FULL=1: the long ones too)
check-it: all static
	@tests/it/run.sh

## check-serve: the serve flows alone (t-serve-*)
check-serve: all
	@tests/it/run.sh 't-serve-*'

# Its slice runs in check-it, every cell with FULL=1.
## check-matrix: the simulated-node matrix alone, with its table (fixture x mode x state)
check-matrix: all
	@tests/it/run.sh t-matrix; rc=$$?; sed -n '/^FIXTURE /,$$p' build/it/t-matrix.log; exit $$rc

# Interop with Debian's python3-grpcio; the C peer runs plain, then under
# ASan+UBSan.
## check-interop: the C gRPC peer against Python grpcio, plain and with ASan+UBSan
check-interop: $(BUILD)/tests/grpc-peer
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/tests/grpc-peer >/dev/null
	@for b in $(BUILD) build/asan; do \
		tests/interop/run.sh $$b >$$b/interop.log 2>&1 || { cat $$b/interop.log; exit 1; }; \
		echo "interop ($$b/tests/grpc-peer): $$(grep -E '^Ran ' $$b/interop.log), $$(tail -n 1 $$b/interop.log)"; \
	done

# The gpu-initd flows again with the static binary: docs/design.md's module
# seam (seccomp-trapped finit_module, simfs's sys/module bind-mounted) must
# work for it too, and the static libraries must behave like the shared ones.
## check-initd-static: the gpu-initd flows (t-initd-co*, t-initd-[fp]*) with the static binary
check-initd-static: static all
	@GPU_INITD=$(CURDIR)/$(STATIC_BUILD)/gpu-initd \
	  sh -c "tests/it/run.sh 't-initd-co*' && tests/it/run.sh 't-initd-[fp]*'"

# The boot benchmark's scripts once on one node, one trial, no latency:
# catches a broken benchmark, never a slow machine (no figure is compared
# with anything).
## check-bench-smoke: bench/boot once on one node (a broken benchmark fails, a slow machine never)
check-bench-smoke: all
	@BENCH_NODES=h100-hgx-8x-passthrough bench/boot/run.sh $(BUILD) 1 0 >$(BUILD)/bench-smoke.log 2>&1 || \
		{ cat $(BUILD)/bench-smoke.log; exit 1; }
	@echo "bench smoke (bench/boot, h100-hgx-8x passthrough, 1 trial): $$(tail -n 1 $(BUILD)/bench-smoke.log | tr -s ' ')"
