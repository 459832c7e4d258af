# The fully static programs: build/static/gpu-initd and kubelet-stub (with
# libkmod, libpci, libudev, nghttp2 and protobuf-c) and the static-probe
# test tool; see README.md, "Building node images".
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
STATIC_PROGS   := $(STATIC_BUILD)/gpu-initd $(STATIC_BUILD)/tests/static-probe $(STATIC_BUILD)/kubelet-stub

.PHONY: static static-deps
# The script is a no-op (a few stat calls) when every archive is up to date
# with its recipe, so it runs every time: a deleted archive is rebuilt.
# setup first: on a fresh machine it enables deb-src and installs the tools.
## static-deps: the static archives of libkmod, libpci, libudev (build/static-deps, built once)
static-deps: setup
	@scripts/static-deps.sh $(STATIC_DEPS)

# Relink when an archive is newer than a binary (the shared link rule does
# not list the archives as prerequisites).
## static: build/static/gpu-initd and kubelet-stub, fully static
static: static-deps
	@for p in $(STATIC_PROGS); do for a in $(STATIC_DEPS)/lib/*.a; do \
		[ $$a -nt $$p ] && rm -f $$p; done; done; true
	@env PKG_CONFIG_PATH=$(CURDIR)/$(STATIC_DEPS)/lib/pkgconfig \
		CFLAGS="$(STATIC_CFLAGS)" LDFLAGS="$(STATIC_LDFLAGS)" \
		$(MAKE) --no-print-directory BUILD=$(STATIC_BUILD) $(STATIC_PROGS)
