# make bench-yaml: `gitops-bump edit` versus ruamel.yaml's round trip.
#   make bench-yaml       YAML edit: the dynamic build and the static binary that ships
#                     vs ruamel.yaml on 2 KB..10 MB manifests, alternated in one run;
#                     static/dynamic CPU ratio, time per MB, peak RSS, mmap calls, bytes
#                     changed outside the targets (YAML_BENCH_RUNS=5;
#                     YAML_BENCH_RUAMEL_MB=10 bounds ruamel's slow runs), and the
#                     floor: libyaml's bare event parse of the 10 MB input, built
#                     both ways (bench/yaml_floor.c)

YAML_BENCH_RUNS ?= 5
YAML_BENCH_RUAMEL_MB ?= 10

.PHONY: bench bench-yaml
bench: bench-yaml
STATIC_PREFIX = build/static/prefix

bench-yaml:
	@sh scripts/deps.sh build bench static
	@$(MAKE) --no-print-directory build/gitops-bump static
	@$(MAKE) --no-print-directory build/bench/yaml_floor build/bench/yaml_floor-static
	$(PYTHON) bench/yaml_bench.py --binary $(CURDIR)/build/gitops-bump \
	  --static $(CURDIR)/build/static/gitops-bump \
	  --floor $(CURDIR)/build/bench/yaml_floor --floor-static $(CURDIR)/build/bench/yaml_floor-static \
	  --runs $(YAML_BENCH_RUNS) --ruamel-max-mb $(YAML_BENCH_RUAMEL_MB)

# The floor, built as each gitops-bump is: the development toolchain with
# Debian's libyaml; musl-gcc with the static build's libyaml and allocator
# (scripts/static-build.sh's FAST_CFLAGS).
build/bench/yaml_floor: bench/yaml_floor.c
	@mkdir -p build/bench
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -lyaml

build/bench/yaml_floor-static: bench/yaml_floor.c $(STATIC_PREFIX)/lib/libyaml.a
	@mkdir -p build/bench
	$(Q)$${MUSL_CC:-musl-gcc} -std=c11 -O2 -static -I$(STATIC_PREFIX)/include -o $@ \
	  $(STATIC_PREFIX)/lib/mimalloc.o $< -L$(STATIC_PREFIX)/lib -lyaml
