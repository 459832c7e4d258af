# MIG-backed vGPU (issue 13): the fake NVML the simulated-node tests load
# as libnvidia-ml.so.1 (tests/fakenvml), and the static build's lack of
# NVML (initd/nvml.c: a static glibc binary cannot dlopen reliably).
FAKENVML := $(BUILD)/tests/fakenvml/libnvidia-ml.so.1
all: $(FAKENVML)
$(FAKENVML): tests/fakenvml/fakenvml.c initd/nvml_api.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinitd -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ tests/fakenvml/fakenvml.c
# A statically linked gpu-initd has no dlopen: NVML reports itself absent.
ifneq ($(filter -static,$(LDFLAGS)),)
CFLAGS += -DGPU_INITD_STATIC
endif

# make check runs the MIG flow once more with gpu-initd built with
# ASan+UBSan (loading the fake NVML); any sanitizer report fails the run.
CHECK_EXTRA += check-mig-asan
.PHONY: check-mig-asan
check-mig-asan: all
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/gpu-initd
	@rm -rf build/asan/mig-logs && mkdir -p build/asan/mig-logs
	@GPU_INITD=$(CURDIR)/build/asan/gpu-initd SANITIZER_LOGS=$(CURDIR)/build/asan/mig-logs \
	  ASAN_OPTIONS=log_path=$(CURDIR)/build/asan/mig-logs/asan \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/build/asan/mig-logs/ubsan:print_stacktrace=1 \
	  tests/it/run.sh 't-initd-mig*'
