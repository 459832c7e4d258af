# mk/static.mk — `make static`: build/static/gpu-initd, fully static, with
# libkmod, libpci, libudev, nghttp2 and protobuf-c; see README.md, "Building
# node images".
#
# The same Makefile rules build it (no second code path): a sub-make with
# BUILD=build/static, -static link flags, and PKG_CONFIG_PATH pointing at
# the .pc files of the archives scripts/static-deps.sh builds once from
# Debian source packages into build/static-deps/ (reused by later builds;
# `rm -rf build/static-deps` forces a rebuild).  Debian ships libnghttp2.a
# and libprotobuf-c.a, which the same `pkg-config --libs` line then finds.
#
# --fatal-warnings turns glibc's "Using 'getpwnam' in statically linked
# applications requires at runtime the shared libraries..." into an error:
# the binary must run with nothing but the kernel's files (no NSS, no dlopen).

STATIC_DEPS    := build/static-deps
STATIC_BUILD   := build/static
STATIC_CFLAGS  ?= -O2 -ffunction-sections -fdata-sections
STATIC_LDFLAGS ?= -static -s -Wl,--gc-sections -Wl,--fatal-warnings
STATIC_PROGS   := $(STATIC_BUILD)/gpu-initd $(STATIC_BUILD)/tests/static-probe

.PHONY: static static-deps
static-deps: $(STATIC_DEPS)/.done

$(STATIC_DEPS)/.done: scripts/static-deps.sh
	@scripts/static-deps.sh $(STATIC_DEPS)
	@touch $@

# Relink when the archives were rebuilt (the shared link rule does not list
# them as prerequisites).
static: $(STATIC_DEPS)/.done
	@for p in $(STATIC_PROGS); do \
		[ $(STATIC_DEPS)/.done -nt $$p ] && rm -f $$p; true; done
	@env PKG_CONFIG_PATH=$(CURDIR)/$(STATIC_DEPS)/lib/pkgconfig \
		CFLAGS="$(STATIC_CFLAGS)" LDFLAGS="$(STATIC_LDFLAGS)" \
		$(MAKE) --no-print-directory BUILD=$(STATIC_BUILD) $(STATIC_PROGS)

# The simulated-node tests include the static binary and the packaging.
check-it: static
