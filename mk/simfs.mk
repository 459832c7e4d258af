# SPDX-License-Identifier: GPL-2.0-or-later
# simfs benchmark (not part of make check): `make bench-simfs [N=2000]`.
$(BUILD)/bench/simfs-bench: $(BUILD)/obj/bench/simfs/simfs_bench.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

.PHONY: bench-simfs
bench-simfs: all $(BUILD)/bench/simfs-bench
	@bench/simfs/run.sh $(BUILD) $(N)
