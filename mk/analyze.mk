# make analyze: static analysis of src/ with clang-tidy and cppcheck (Debian's).
#   make analyze      clang-tidy (checks and reasons in .clang-tidy) and cppcheck;
#                     any finding fails; about 20 s on 2 cores
#
# False positives are silenced where they occur, with a reason:
# `NOLINT(check)` / `NOLINTNEXTLINE(check)` for clang-tidy and
# `cppcheck-suppress id` for cppcheck.
#
# cppcheck runs its warning, style, performance and portability checks with
# one exception, variableScope: it asks to move declarations into inner
# blocks, which the code style (declarations at the top of a function, as in
# the kernel and git) does on purpose.

ANALYZE_FLAGS := $(CSTD) $(DEFS) -Isrc $(DEPCFLAGS)
CPPCHECK_FLAGS := --enable=warning,style,performance,portability --std=c11 \
                  --inline-suppr --error-exitcode=1 --quiet \
                  --suppress=variableScope --suppress=missingIncludeSystem \
                  --template='{file}:{line}: {severity}: {message} [{id}]' \
                  -D_GNU_SOURCE -DGB_VERSION='"0"' -Isrc

.PHONY: analyze analyze-tidy analyze-cppcheck
analyze: analyze-tidy analyze-cppcheck

TIDY_SRC := $(sort $(wildcard src/*.c))
# One file per clang-tidy process: run two in one process and the analyzer
# reports a va_list in yamlscan.c's fail() as uninitialized when yamlquote.c
# comes first (clang-tidy 14), so the findings depended on which files
# happened to be paired.

# The compile commands clang-tidy reads (-p): the build's own flags.
build/analyze/compile_commands.json: export GB_ANALYZE_FLAGS := $(ANALYZE_FLAGS)
build/analyze/compile_commands.json: $(TIDY_SRC) mk/analyze.mk Makefile
	@mkdir -p $(@D)
	$(Q)$(PYTHON) -c 'import json, os, shlex, sys; \
	  flags = shlex.split(os.environ["GB_ANALYZE_FLAGS"]); \
	  json.dump([{"directory": os.getcwd(), "file": f, \
	              "arguments": ["clang", *flags, "-c", f]} for f in sys.argv[1:]], \
	            open("$@", "w"), indent=1)' $(TIDY_SRC)

analyze-tidy: build/analyze/compile_commands.json
	@sh scripts/deps.sh build analyze
	@echo "  TIDY    $(words $(TIDY_SRC)) files in src/"
	$(Q)printf '%s\n' $(TIDY_SRC) | xargs -P "$$(nproc)" -n 1 clang-tidy --quiet \
	  -p build/analyze >build/analyze/clang-tidy.log 2>&1; rc=$$?; \
	  grep -v 'warnings\? \(and [0-9]* errors\? \)\?generated\.$$' build/analyze/clang-tidy.log; \
	  [ $$rc -eq 0 ] && echo "clang-tidy: no findings"

analyze-cppcheck:
	@sh scripts/deps.sh analyze
	@echo "  CPPCHK  src/"
	$(Q)cppcheck $(CPPCHECK_FLAGS) src/ && echo "cppcheck: no findings"
