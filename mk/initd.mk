# gpu-initd: unit tests of initd/ see its headers.
$(BUILD)/obj/tests/unit/test_initd_%.o: CFLAGS += -Iinitd

# make check also runs the gpu-initd flows with gpu-initd built with
# ASan+UBSan; any sanitizer report fails the run.
CHECK_EXTRA += check-initd-asan
.PHONY: check-initd-asan
check-initd-asan: all
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/gpu-initd
	@rm -rf build/asan/initd-logs && mkdir -p build/asan/initd-logs
	@GPU_INITD=$(CURDIR)/build/asan/gpu-initd SANITIZER_LOGS=$(CURDIR)/build/asan/initd-logs \
	  ASAN_OPTIONS=log_path=$(CURDIR)/build/asan/initd-logs/asan \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/build/asan/initd-logs/ubsan:print_stacktrace=1 \
	  sh -c "tests/it/run.sh 't-initd-co*' && tests/it/run.sh 't-initd-[fpv]*'"
