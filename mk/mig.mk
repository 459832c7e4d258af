# MIG-backed vGPU (issue 13): the fake NVML the simulated-node tests load
# as libnvidia-ml.so.1 (tests/fakenvml), and the static build's lack of
# NVML (initd/nvml.c: a static glibc binary cannot dlopen reliably).
FAKENVML := $(BUILD)/tests/fakenvml/libnvidia-ml.so.1
all: $(FAKENVML)
$(FAKENVML): tests/fakenvml/fakenvml.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ $<
# A statically linked gpu-initd has no dlopen: NVML reports itself absent.
ifneq ($(filter -static,$(LDFLAGS)),)
CFLAGS += -DGPU_INITD_STATIC
endif
