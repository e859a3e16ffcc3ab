# make torture: allocation-failure injection over the main paths (curl's
# torture tests are the model; see tests/torture/alloc.c for the mechanism).
#   make torture      for every scenario, fail the 1st, 2nd, ... Nth allocation in
#                     turn (TORTURE_MODE=all), and all of them from the Nth on:
#                     no crash, no leak (LeakSanitizer), one clean error line and a
#                     non-zero exit, or a result identical to the undisturbed run
#   make torture TORTURE_MODE=sites   only the first allocation of each distinct
#                     call site (what `make test` runs)
#   make torture TORTURE_ARGS="--scenario patch-article"   one scenario
# Debugging one run: GB_TORTURE_FAIL=N GB_TORTURE_TRACE=1 build/torture/gitops-bump ...
# prints the failed allocation's call stack (addr2line -e build/torture/gitops-bump).
#
# The torture binary is the sanitizer build's objects linked again with
# -Wl,--wrap for the allocators; libyaml is linked statically so that its
# allocations are wrapped too.

TORTURE_MODE ?= all
TORTURE_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup \
                -Wl,--wrap=strndup,--wrap=curl_global_init
TORTURE_LIBS  = $(subst -lyaml,-l:libyaml.a,$(DEPLIBS))

build/torture/alloc.o: tests/torture/alloc.c
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CSTD) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -c -o $@ $<

build/torture/gitops-bump: build/asan/obj/main.o build/torture/alloc.o build/asan/libgitopsbump.a
	@echo "  LD tort $@"
	$(Q)$(CC) $(SAN_FLAGS) $(TORTURE_WRAP) -o $@ $^ $(TORTURE_LIBS)

unit: build/torture/gitops-bump

.PHONY: torture
torture: check-deps
	@$(MAKE) --no-print-directory unit
	GITOPS_BUMP=$(SAN_BIN) $(PYTHON) tests/torture.py \
	  --binary $(CURDIR)/build/torture/gitops-bump --mode $(TORTURE_MODE) $(TORTURE_ARGS)
