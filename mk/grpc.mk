# gRPC wire layer (issue 3): generated protobuf-c code, interop tests,
# fuzzing and the benchmark.  Included by the top Makefile.

GRPC_GEN  := $(BUILD)/gen
PY        := /usr/bin/python3
GEN_SRCS  += $(GRPC_GEN)/deviceplugin.pb-c.c

# protoc-c cannot compile the service blocks (a method named `register`):
# build the C code from a copy with the services removed.
$(GRPC_GEN)/deviceplugin.proto: proto/deviceplugin.proto
	@mkdir -p $(@D)
	sed '/^service /,/^}/d' $< > $@
$(GRPC_GEN)/deviceplugin.pb-c.c: $(GRPC_GEN)/deviceplugin.proto
	protoc-c -I$(GRPC_GEN) --c_out=$(GRPC_GEN) $<
$(GRPC_GEN)/deviceplugin.pb-c.h: $(GRPC_GEN)/deviceplugin.pb-c.c
	@test -f $@

# Every object may include the generated header: make it exist first.
$(call obj,$(LIB_SRCS) $(SIMFS_SRCS) $(INITD_SRCS) $(KSTUB_SRCS) initd/main.c simfs/main.c \
	kubelet-stub/main.c $(wildcard tests/unit/*.c tests/tools/*.c)): | $(GRPC_GEN)/deviceplugin.pb-c.h

# Unit tests that script HTTP/2 bytes share a helper.
$(BUILD)/tests/test_grpc_server: $(BUILD)/obj/tests/unit/h2script.o

# Interop with Debian's python3-grpcio; the C peer runs plain, then under
# ASan+UBSan.
.PHONY: check-interop
check-interop: $(BUILD)/tests/grpc-peer
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/tests/grpc-peer >/dev/null
	@for b in $(BUILD) build/asan; do \
		tests/interop/run.sh $$b >$$b/interop.log 2>&1 || { cat $$b/interop.log; exit 1; }; \
		echo "interop ($$b/tests/grpc-peer): $$(grep -E '^Ran ' $$b/interop.log), $$(tail -n 1 $$b/interop.log)"; \
	done
CHECK_EXTRA += check-interop
