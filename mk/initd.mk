# gpu-initd: unit tests of initd/ see its headers.
$(BUILD)/obj/tests/unit/test_initd_%.o: CFLAGS += -Iinitd
