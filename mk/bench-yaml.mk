# make bench-yaml: `gitops-bump edit` versus ruamel.yaml's round trip.
#   make bench-yaml       YAML edit: the dynamic build and the static binary that ships
#                     vs ruamel.yaml on 2 KB..10 MB manifests, alternated in one run;
#                     static/dynamic CPU ratio, time per MB, peak RSS, mmap calls, bytes
#                     changed outside the targets (YAML_BENCH_RUNS=5;
#                     YAML_BENCH_RUAMEL_MB=10 bounds ruamel's slow runs)

YAML_BENCH_RUNS ?= 5
YAML_BENCH_RUAMEL_MB ?= 10

.PHONY: bench bench-yaml
bench: bench-yaml
bench-yaml:
	@sh scripts/deps.sh build bench static
	@$(MAKE) --no-print-directory build/gitops-bump static
	$(PYTHON) bench/yaml_bench.py --binary $(CURDIR)/build/gitops-bump \
	  --static $(CURDIR)/build/static/gitops-bump \
	  --runs $(YAML_BENCH_RUNS) --ruamel-max-mb $(YAML_BENCH_RUAMEL_MB)
