# The protobuf-c code of the device-plugin API, generated from
# proto/deviceplugin.proto into the gen/ folder of any build folder:
# $(BUILD)/gen for the programs, tests and benchmarks (in libcommon.a),
# build/fuzz/gen for the fuzz targets (mk/fuzz.mk).
GEN_SRCS += $(BUILD)/gen/deviceplugin.pb-c.c

# protoc-c cannot compile the service blocks (a method named `register`):
# build the C code from a copy with the services removed.
%/gen/deviceplugin.proto: proto/deviceplugin.proto
	@mkdir -p $(@D)
	sed '/^service /,/^}/d' $< > $@
%/gen/deviceplugin.pb-c.c: %/gen/deviceplugin.proto
	protoc-c -I$(@D) --c_out=$(@D) $<
%/gen/deviceplugin.pb-c.h: %/gen/deviceplugin.pb-c.c
	@test -f $@

# Every object may include the generated header: make it exist first.
$(call obj,$(wildcard lib/*.c simfs/*.c initd/*.c initd/*/*.c kubelet-stub/*.c \
	tests/unit/*.c tests/tools/*.c bench/*/*.c)): | $(BUILD)/gen/deviceplugin.pb-c.h
