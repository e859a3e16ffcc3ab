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
