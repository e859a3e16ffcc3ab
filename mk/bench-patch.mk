# make bench-patch: the receiver versus curl doing the same GET and PUT on the same fake GitHub.
#   make bench-patch  requests per commit (goal: 2 for one file) and wall time vs curl
#                     (BENCH_RUNS=200); measures build/static/gitops-bump too when it exists

BENCH_RUNS ?= 200

.PHONY: bench bench-patch
bench: bench-patch
bench-patch:
	@sh scripts/deps.sh build bench
	@$(MAKE) --no-print-directory build/gitops-bump
	$(PYTHON) bench/patch.py --runs $(BENCH_RUNS) --binary $(CURDIR)/build/gitops-bump \
	  $(if $(wildcard build/static/gitops-bump),--binary $(CURDIR)/build/static/gitops-bump)

# make bench-patch-race: a burst of receivers on one file.
#   make bench-patch-race  RACE_RECEIVERS (20) receivers at once on one file at the
#                     default settings (5 attempts, 120 s, 1 s retry base), against the
#                     fake with GitHub-like latency per request; prints how many landed
#                     and gave up, the attempts they needed and wall times (RACE_RUNS
#                     runs).  Slow (about 30 s a run): not part of `make bench`.
RACE_RUNS ?= 5
RACE_RECEIVERS ?= 20

.PHONY: bench-patch-race
bench-patch-race:
	@sh scripts/deps.sh build bench
	@$(MAKE) --no-print-directory build/gitops-bump
	$(PYTHON) bench/patch_race.py --runs $(RACE_RUNS) --receivers $(RACE_RECEIVERS) \
	  --binary $(CURDIR)/build/gitops-bump $(RACE_ARGS)
