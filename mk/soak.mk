# make soak: the faults-and-concurrency soak (tests/soak.py).
#   make soak         SOAK_RECEIVERS (50) `patch` runs at once on one file, against a fake
#                     GitHub answering 5xx to 10% of the requests, 429 with Retry-After to
#                     some and committing to the file before 10% of the PUTs; SOAK_SEEDS
#                     (5) runs.  Prints requests per landed commit and the wall times; fails
#                     on a lost or duplicated edit, or a receiver failing unclearly or late.
#                     `make test` runs one seed (tests/test_soak.py).

SOAK_RECEIVERS ?= 50
SOAK_SEEDS ?= 5

.PHONY: soak
soak: check-deps
	@$(MAKE) --no-print-directory unit
	GITOPS_BUMP=$(SAN_BIN) $(PYTHON) tests/soak.py \
	  --receivers $(SOAK_RECEIVERS) --seeds $(SOAK_SEEDS) --json build/soak.json
