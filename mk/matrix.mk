# The simulated-node matrix (tests/it/t-matrix.sh, issue 9): its slice runs
# in check-it, every cell in check-full.  `make check-matrix [FULL=1]` runs it
# alone and prints its table (fixture x mode x state -> result).
.PHONY: check-matrix
check-matrix: all
	@tests/it/run.sh t-matrix; rc=$$?; sed -n '/^FIXTURE /,$$p' build/it/t-matrix.log; exit $$rc
