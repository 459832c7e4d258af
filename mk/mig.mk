# MIG-backed vGPU (issue 13): the fake NVML the simulated-node tests load
# as libnvidia-ml.so.1 (tests/fakenvml), and the static build's lack of
# NVML (initd/nvml.c: a static glibc binary cannot dlopen reliably).
FAKENVML := $(BUILD)/tests/fakenvml/libnvidia-ml.so.1
all: $(FAKENVML)
$(FAKENVML): tests/fakenvml/fakenvml.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ $<
STATIC_CFLAGS += -DGPU_INITD_STATIC
