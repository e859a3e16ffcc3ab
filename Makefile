# gitops-bump: a GitHub Action in C.  Plain GNU make, no generated files.
#
#   make              build/gitops-bump (dynamic, Debian's libcurl/cJSON/libyaml)
#   make test         install missing Debian packages, build with ASan+UBSan,
#                     run every unit and black-box test
#   make help         every target
#
# Other targets (demo, bench, static, image, fuzz, analyze, ...) live in mk/*.mk.

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CC       ?= cc
PKGS     := libcurl libcjson yaml-0.1
PKGCONF  ?= pkg-config
PYTHON   ?= /usr/bin/python3

WARN     := -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion \
            -Wmissing-prototypes -Wstrict-prototypes -Wwrite-strings \
            -Wformat=2 -Wpointer-arith -Wcast-qual -Wvla -Wundef \
            -Wimplicit-fallthrough -Wnull-dereference
WERROR   ?= -Werror
CSTD     := -std=c11 -D_GNU_SOURCE
DEFS     := -DGB_VERSION='"$(VERSION)"'
DEPCFLAGS = $(shell $(PKGCONF) --cflags $(PKGS) 2>/dev/null)
# mbedTLS signs JWTs (jwt.c); Debian 12's 2.28 has no pkg-config file.
DEPLIBS   = $(shell $(PKGCONF) --libs $(PKGS) 2>/dev/null || echo -lcurl -lcjson -lyaml) \
            -lmbedcrypto

CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(DEFS) $(WARN) $(WERROR) $(CFLAGS) $(DEPCFLAGS) -Isrc -MMD -MP

SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all

LIB_SRC  := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Release build
OBJ      := $(LIB_SRC:src/%.c=build/obj/%.o)
# Sanitizer build: the binary the tests run, and one program per unit test
SAN_OBJ  := $(LIB_SRC:src/%.c=build/asan/obj/%.o)
SAN_UNIT := $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all test unit check-deps clean help
all: build/gitops-bump

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libgitopsbump.a: $(OBJ)
	$(Q)$(AR) rcs $@ $^

build/gitops-bump: build/obj/main.o build/libgitopsbump.a
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

build/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CSTD) $(DEFS) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -Isrc -MMD -MP -c -o $@ $<

build/asan/libgitopsbump.a: $(SAN_OBJ)
	$(Q)$(AR) rcs $@ $^

build/asan/gitops-bump: build/asan/obj/main.o build/asan/libgitopsbump.a
	@echo "  LD asan $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(DEPLIBS)

build/asan/unit/%: tests/unit/%.c tests/unit/t.h build/asan/libgitopsbump.a
	@mkdir -p $(@D)
	@echo "  CC unit $<"
	$(Q)$(CC) $(CSTD) $(DEFS) $(WARN) $(WERROR) $(SAN_FLAGS) $(DEPCFLAGS) -Isrc -Itests/unit -o $@ $< build/asan/libgitopsbump.a $(DEPLIBS)

# The sanitizer binary and unit programs, without running anything.
unit: build/asan/gitops-bump $(SAN_UNIT)

check-deps:
	@sh scripts/deps.sh build test

# pytest over the sanitizer build's unit programs; GITOPS_BUMP names the
# binary the black-box tests run (test, test-gh, test-patch, test-static).
PYTEST   = GB_UNIT_DIR=$(CURDIR)/build/asan/unit $(PYTHON) -m pytest -q -p no:cacheprovider
SAN_BIN  = $(CURDIR)/build/asan/gitops-bump

# The README's test command. Everything runs under ASan+UBSan.
test: check-deps
	@$(MAKE) --no-print-directory all unit
	GITOPS_BUMP=$(SAN_BIN) $(PYTEST) tests $(PYTEST_ARGS)

clean:
	rm -rf build

help:
	@sed -n 's/^#   //p' Makefile; grep -h '^#   ' mk/*.mk 2>/dev/null | sed 's/^#   //'

-include $(OBJ:.o=.d) $(SAN_OBJ:.o=.d) build/obj/main.d build/asan/obj/main.d
-include $(sort $(wildcard mk/*.mk))
