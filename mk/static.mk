# Static musl build (issue 5).
#
#   make static       build/static/gitops-bump: fully static (musl, mbedTLS, curl,
#                     cJSON, libyaml from pinned Debian 13 source packages), stripped
#   make test-static  the whole black-box suite against build/static/gitops-bump

.PHONY: static test-static

static:
	@sh scripts/deps.sh static
	@sh scripts/static-build.sh

# Black-box tests only run the static binary; the unit programs stay the
# sanitizer builds (they link the library, not the binary).
test-static: static check-deps
	@$(MAKE) --no-print-directory unit
	GITOPS_BUMP=$(CURDIR)/build/static/gitops-bump $(PYTEST) tests $(PYTEST_ARGS)
