# mk/fabric.mk — the fake Fabric Manager client library the NVSwitch
# simulated-node tests load as libnvfm.so.1
# (tests/fakefm), like tests/fakenvml for NVML (mk/nvidia.mk).  FM's SDK
# declarations are ours (initd/fabric/fm_api.h): Debian ships no FM
# package to build against.  The static build has no dlopen and so no FM
# (initd/fabric/fm.c; GPU_INITD_STATIC comes from mk/mig.mk).
FAKEFM := $(BUILD)/tests/fakefm/libnvfm.so.1
all: $(FAKEFM)
$(FAKEFM): tests/fakefm/fakefm.c tests/fakefm/h100_partitions.h initd/fabric/fm_api.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinitd -fPIC -shared -Wl,-soname,libnvfm.so.1 -o $@ tests/fakefm/fakefm.c
