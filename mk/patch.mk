# patch: the receiver's test driver.
#
#   make test-patch   build with sanitizers, run only the patch and commit tests

# tests/commit_driver.c runs src/commit.c with a plain text edit for tests/test_commit.py.
build/asan/commit-driver: tests/commit_driver.c build/asan/libgitopsbump.a
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CSTD) $(DEFS) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -Isrc -o $@ $< build/asan/libgitopsbump.a $(DEPLIBS)

unit: build/asan/commit-driver

test-patch: check-deps
	@$(MAKE) --no-print-directory unit
	GITOPS_BUMP=$(SAN_BIN) $(PYTEST) tests/test_patch*.py tests/test_commit.py $(PYTEST_ARGS)

.PHONY: test-patch
