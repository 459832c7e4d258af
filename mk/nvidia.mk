# NVIDIA's NVML header and the fake NVML library.
#
# initd/vgpu/nvml.c and the fake NVML compile against NVIDIA's nvml.h,
# never against a transcription.  scripts/nvidia-pkgs.sh fetches Debian's
# libnvidia-ml-dev (trixie non-free) with a private apt configuration and
# unpacks it under build/nvidia (shared by every BUILD folder; nothing of
# NVIDIA is committed).  On demand: the first build that compiles an NVML
# object downloads it; a failed download stops the build with the
# script's message.  The static build does not include it.
#
# The fake NVML (tests/fakenvml) is what the simulated-node tests load as
# libnvidia-ml.so.1 for the MIG-backed vGPU flows.
NVIDIA_DIR := build/nvidia
NVML_H     := $(NVIDIA_DIR)/dev/usr/include/nvml.h
# initd/vgpu/nvml_nvidia.h includes <include/nvml.h>: no clash with initd/vgpu/nvml.h
NVML_INC   := -I$(NVIDIA_DIR)/dev/usr
$(NVML_H):
	@scripts/nvidia-pkgs.sh dev $(NVIDIA_DIR) >/dev/null || \
	  { echo "mk/nvidia.mk: cannot get NVIDIA's nvml.h (Debian libnvidia-ml-dev): see above" >&2; exit 1; }
	@touch $@

FAKENVML := $(BUILD)/tests/fakenvml/libnvidia-ml.so.1
all: $(FAKENVML)
$(FAKENVML): tests/fakenvml/fakenvml.c initd/vgpu/nvml_nvidia.h $(NVML_H)
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinitd $(NVML_INC) -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ tests/fakenvml/fakenvml.c

# A statically linked gpu-initd has no dlopen (a static glibc binary cannot
# dlopen reliably): NVML reports itself absent (initd/vgpu/nvml.c).
ifneq ($(filter -static,$(LDFLAGS)),)
CFLAGS += -DGPU_INITD_STATIC
else
$(BUILD)/obj/initd/vgpu/nvml.o $(BUILD)/obj/tests/unit/test_initd_nvml.o: $(NVML_H)
$(BUILD)/obj/initd/vgpu/nvml.o $(BUILD)/obj/tests/unit/test_initd_nvml.o: CFLAGS += $(NVML_INC)
# the fuzz targets' coverage build of initd/ (mk/fuzz.mk) compiles nvml.c too
build/fuzz/obj/initd/vgpu/nvml.o: $(NVML_H)
build/fuzz/obj/initd/vgpu/nvml.o: FZ_EXTRA := $(NVML_INC)
endif
