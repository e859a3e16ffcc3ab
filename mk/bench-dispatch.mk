# make bench-dispatch: our sender versus curl, same request, same fake GitHub.
#   make bench        every benchmark (bench-dispatch, ...)
#   make bench-dispatch   dispatch vs curl: median time ratio and peak RSS (BENCH_RUNS=200);
#                     measures build/static/gitops-bump too when `make static` made it

BENCH_RUNS ?= 200

.PHONY: bench bench-dispatch
bench: bench-dispatch
bench-dispatch:
	@sh scripts/deps.sh build bench
	@$(MAKE) --no-print-directory build/gitops-bump
	$(PYTHON) bench/dispatch.py --runs $(BENCH_RUNS) --binary $(CURDIR)/build/gitops-bump \
	  $(if $(wildcard build/static/gitops-bump),--binary $(CURDIR)/build/static/gitops-bump)
