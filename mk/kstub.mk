# kubelet-stub (issue 6): tests/it/t-kstub.sh runs in check-it with the
# plain build; here once more with kubelet-stub built with ASan+UBSan, any
# sanitizer report failing the run.
.PHONY: check-kstub-asan
check-kstub-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/kubelet-stub >/dev/null
	@rm -rf build/asan/kstub-logs && mkdir -p build/asan/kstub-logs
	@KSTUB=$(CURDIR)/build/asan/kubelet-stub \
	  ASAN_OPTIONS=log_path=$(CURDIR)/build/asan/kstub-logs/asan \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/build/asan/kstub-logs/ubsan:print_stacktrace=1 \
	  bash tests/it/t-kstub.sh >build/asan/t-kstub.log 2>&1 || { tail -n 60 build/asan/t-kstub.log; exit 1; }
	@if [ -n "$$(ls -A build/asan/kstub-logs)" ]; then head -n 80 build/asan/kstub-logs/*; exit 1; fi
	@echo "t-kstub (ASan+UBSan kubelet-stub): $$(grep -cE '\.\.\. ok$$' build/asan/t-kstub.log) tests ok, no sanitizer report"
CHECK_EXTRA += check-kstub-asan
