# MIG-backed vGPU (issue 13): the fake NVML the simulated-node tests load
# as libnvidia-ml.so.1 (tests/fakenvml), and the static build's lack of
# NVML (initd/vgpu/nvml.c: a static glibc binary cannot dlopen reliably).
#
# NVIDIA's nvml.h (issue 17): initd/vgpu/nvml.c and the fake NVML compile
# against it, never against a transcription.  scripts/nvidia-pkgs.sh
# fetches Debian's libnvidia-ml-dev (trixie non-free) with a private apt
# configuration and unpacks it under build/nvidia (shared by every BUILD
# folder; nothing of NVIDIA is committed).  On demand: the first build
# that compiles an NVML object downloads it; a failed download stops the
# build with the script's message.  The static build does not include it.
NVIDIA_DIR := build/nvidia
NVML_H     := $(NVIDIA_DIR)/dev/usr/include/nvml.h
# initd/vgpu/nvml_nvidia.h includes <include/nvml.h>: no clash with initd/vgpu/nvml.h
NVML_INC   := -I$(NVIDIA_DIR)/dev/usr
$(NVML_H):
	@scripts/nvidia-pkgs.sh dev $(NVIDIA_DIR) >/dev/null || \
	  { echo "mk/mig.mk: cannot get NVIDIA's nvml.h (Debian libnvidia-ml-dev): see above" >&2; exit 1; }
	@touch $@

FAKENVML := $(BUILD)/tests/fakenvml/libnvidia-ml.so.1
all: $(FAKENVML)
$(FAKENVML): tests/fakenvml/fakenvml.c initd/vgpu/nvml_nvidia.h $(NVML_H)
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinitd $(NVML_INC) -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ tests/fakenvml/fakenvml.c
# A statically linked gpu-initd has no dlopen: NVML reports itself absent.
ifneq ($(filter -static,$(LDFLAGS)),)
CFLAGS += -DGPU_INITD_STATIC
else
$(BUILD)/obj/initd/vgpu/nvml.o $(BUILD)/obj/tests/unit/test_initd_nvml.o: $(NVML_H)
$(BUILD)/obj/initd/vgpu/nvml.o $(BUILD)/obj/tests/unit/test_initd_nvml.o: CFLAGS += $(NVML_INC)
# the fuzz targets' coverage build of initd/ (mk/fuzz.mk) compiles nvml.c too
build/fuzz/obj/initd/vgpu/nvml.o: $(NVML_H)
build/fuzz/obj/initd/vgpu/nvml.o: FZ_EXTRA := $(NVML_INC)
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
