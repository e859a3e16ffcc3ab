# gh: the REST client's test driver and the fake GitHub's own tests.
#
#   make test-gh      build with sanitizers, run only the client and fake tests

# tests/gh_driver.c sends requests through src/github.c for tests/test_github.py.
build/asan/gh-driver: tests/gh_driver.c build/asan/libgitopsbump.a
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CSTD) $(DEFS) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -Isrc -o $@ $< build/asan/libgitopsbump.a $(DEPLIBS)

unit: build/asan/gh-driver

test-gh: check-deps
	@$(MAKE) --no-print-directory unit
	GITOPS_BUMP=$(SAN_BIN) $(PYTEST) tests/test_github.py tests/test_fakegh.py \
	  tests/test_unit.py $(PYTEST_ARGS)

.PHONY: test-gh
