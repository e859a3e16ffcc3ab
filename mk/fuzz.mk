# make fuzz: libFuzzer targets (fuzz/fuzz_*.c), built with clang.
#   make fuzz         build every target and run each for FUZZ_SECONDS (default 10);
#                     prints executions and coverage (cov, ft) per target;
#                     FUZZ_SEED=N repeats a run exactly (default: a random seed)
#   make fuzz-build   only build them (build/fuzz/fuzz_NAME)
#
# The library is compiled again with clang and -fsanitize=fuzzer-no-link,
# address,undefined; each target is linked with -fsanitize=fuzzer.  A target
# reads its committed seeds (fuzz/seeds/NAME, our own data), seeds generated
# from the test fixtures (build/fuzz/seeds/NAME) and its inputs that once
# failed (fuzz/regress/NAME), and grows build/fuzz/corpus/NAME, which is kept
# between runs.  A failure leaves its input in build/fuzz/artifacts/ and fails
# the run: add it to fuzz/regress/NAME with a test (see fuzz/README.md).
#
# `make test` builds the same targets with the test compiler and sanitizers
# against fuzz/replay.c (build/asan/fuzz-replay-NAME) and replays the seeds
# and fuzz/regress/ through them (tests/test_fuzz_replay.py).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_SEED    ?= 0
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(CSTD) $(DEFS) $(WARN) $(WERROR) -O1 -g -fno-omit-frame-pointer \
                $(DEPCFLAGS) -Isrc
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_OBJ     := $(LIB_SRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_REPLAY  := $(FUZZ_NAMES:%=build/asan/fuzz-replay-%)

.PHONY: fuzz fuzz-build fuzz-seeds

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC fuzz $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c -o $@ $<

build/fuzz/libgitopsbump.a: $(FUZZ_OBJ)
	$(Q)$(AR) rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h build/fuzz/libgitopsbump.a
	@echo "  LD fuzz $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -Ifuzz -o $@ $< \
	  build/fuzz/libgitopsbump.a $(DEPLIBS)

# The replay build for `make test`: same compiler and flags as the unit tests.
build/asan/fuzz-replay-%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h build/asan/libgitopsbump.a
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CSTD) $(DEFS) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -Isrc -Ifuzz -o $@ \
	  $< fuzz/replay.c build/asan/libgitopsbump.a $(DEPLIBS)

unit: $(FUZZ_REPLAY)

fuzz-seeds:
	@sh fuzz/seeds.sh build/fuzz/seeds

fuzz-build:
	@sh scripts/deps.sh build fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS) fuzz-seeds

fuzz: fuzz-build
	@FUZZ_SEED=$(FUZZ_SEED) sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)

-include $(FUZZ_OBJ:.o=.d)
