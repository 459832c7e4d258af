# ASan+UBSan: the same rules build everything into build/asan with SAN=1
# (see the Makefile); make check runs the unit tests and these flows with
# it.  A flow builds one program with the sanitizers, points the tests at
# it through the variable they read, and runs tests/it globs with every
# sanitizer report written to build/asan/NAME-logs: any report fails it.
SAN_BUILD := build/asan

# san-flow NAME, PROGRAM (in $(SAN_BUILD)), VARIABLE the tests read, GLOBS
# (run by tests/it/run.sh in turn, stopping at the first failing one)
define san-flow
.PHONY: check-$(1)-asan
check-$(1)-asan: all
	@$$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=1 $(SAN_BUILD)/$(2) >/dev/null
	@rm -rf $(SAN_BUILD)/$(1)-logs && mkdir -p $(SAN_BUILD)/$(1)-logs
	@$(3)=$$(CURDIR)/$(SAN_BUILD)/$(2) SANITIZER_LOGS=$$(CURDIR)/$(SAN_BUILD)/$(1)-logs \
	  ASAN_OPTIONS=log_path=$$(CURDIR)/$(SAN_BUILD)/$(1)-logs/asan \
	  UBSAN_OPTIONS=log_path=$$(CURDIR)/$(SAN_BUILD)/$(1)-logs/ubsan:print_stacktrace=1 \
	  sh -c 'for g in $(foreach g,$(4),"$(g)"); do tests/it/run.sh "$$$$g" || exit 1; done'
endef

## check-simfs-asan: the simfs flows (t-simfs-*) with simfs built with ASan+UBSan
$(eval $(call san-flow,simfs,simfs,SIMFS_BIN,t-simfs-*))
## check-initd-asan: the gpu-initd flows (t-initd-co*, t-initd-[fpv]*) with gpu-initd built with ASan+UBSan
$(eval $(call san-flow,initd,gpu-initd,GPU_INITD,t-initd-co* t-initd-[fpv]*))
## check-kstub-asan: t-kstub with kubelet-stub built with ASan+UBSan
$(eval $(call san-flow,kstub,kubelet-stub,KSTUB,t-kstub))
## check-mig-asan: the MIG flows (t-initd-mig*) with gpu-initd built with ASan+UBSan (loading the fake NVML)
$(eval $(call san-flow,mig,gpu-initd,GPU_INITD,t-initd-mig*))
## check-serve-asan: the serve flows (t-serve-*) with gpu-initd built with ASan+UBSan
$(eval $(call san-flow,serve,gpu-initd,GPU_INITD,t-serve-*))

## check-asan: the unit tests built with ASan+UBSan, then check-simfs-asan
.PHONY: check-asan
check-asan:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=1 check-unit
	@$(MAKE) --no-print-directory check-simfs-asan
