# ojrun build.  Plain GNU Make; see CONTRIBUTING.md.
#
#   make            build build/ojrun and build/ojrun-shim (installs deps if missing)
#   make check      unit + integration tests, ending with "N passed, N failed"
#   make demo       the README's first command: judge sample submissions
#   make SAN=1 ...  build with AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       libFuzzer targets (tests/fuzz/) under ASan+UBSan, FUZZ_SECONDS each
#   make install PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
BUILD   ?= build

CC      ?= gcc
PKGS    := libseccomp libcap yajl libmnl
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-truncation \
           -D_GNU_SOURCE -DOJRUN_COMMIT='"$(COMMIT)"' -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
           -MMD -MP
LDFLAGS ?=
ifeq ($(SAN),1)
BUILD   := build-san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE -O1
LDFLAGS += -fsanitize=address,undefined
endif
# FUZZ=1 (set by `make fuzz`): the library built by clang with libFuzzer's
# coverage instrumentation plus ASan and UBSan, into build-fuzz/.
ifeq ($(FUZZ),1)
BUILD   := build-fuzz
CC      := clang
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE -O1 -Wno-unknown-warning-option
LDFLAGS += -fsanitize=address,undefined
endif

# The dependency check is cheap (one dpkg-query); it installs only what is missing.
DEPS_STAMP := $(BUILD)/.deps-ok
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

RUNTIME_SRC := $(filter-out runtime/main.c,$(wildcard runtime/*.c))
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ    := $(BUILD)/runtime/main.o
SHIM_SRC    := $(wildcard shim/*.c)
SHIM_OBJ    := $(SHIM_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# small programs the integration tests run (console receiver, test payloads)
HELPER_SRC  := $(wildcard tests/helpers/*.c)
HELPER_BIN  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
LIB         := $(BUILD)/libojrun.a

BINARIES := $(BUILD)/ojrun $(if $(SHIM_SRC),$(BUILD)/ojrun-shim)

.PHONY: all deps check unit integration demo install clean format bench fuzz fuzz-bins
all: $(BINARIES)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): hack/install-deps.sh
	@bash hack/install-deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iruntime -c $< -o $@

$(LIB): $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ojrun: $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/ojrun-shim: $(SHIM_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iruntime $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -static -o $@ $<

unit: $(UNIT_BIN)
integration: $(BINARIES)

# tests/run.sh runs every unit binary and every bats file and prints the
# closing "N passed, N failed" line; TESTS=... narrows it (see CONTRIBUTING.md).
check: all $(UNIT_BIN) $(HELPER_BIN)
	@BUILD=$(BUILD) bash tests/run.sh

demo: all
	@bash hack/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BINARIES) $(DESTDIR)$(BINDIR)/

format:
	clang-format -i runtime/*.c runtime/*.h $(wildcard shim/*.[ch]) tests/unit/*.c

# Fuzzing (tests/fuzz/README.md).  `make fuzz` builds with FUZZ=1 and runs
# every target (or FUZZ_TARGETS="config cli") for FUZZ_SECONDS each on a
# working corpus in build-fuzz/corpus/<target>, seeded from
# tests/fuzz/corpus/<target>; crashes land in build-fuzz/artifacts/<target>/.
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS ?= 60
FUZZ_BIN     := $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)

fuzz:
	@bash hack/install-deps.sh fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-bins: $(FUZZ_BIN)

build-fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iruntime -Itests/fuzz -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
		$(LIB) $(PKG_LIBS)

clean:
	rm -rf build build-san build-fuzz

-include $(RUNTIME_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(SHIM_OBJ:.o=.d) $(UNIT_BIN:=.d)
