# ojrun build.  Plain GNU Make; see CONTRIBUTING.md.
#
#   make            build build/ojrun (installs deps if missing)
#   make check      unit + integration tests, ending with "N passed, N failed"
#   make demo       the README's first command: judge sample submissions
#   make SAN=1 ...  build with AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       libFuzzer targets (tests/fuzz/) under ASan+UBSan, FUZZ_SECONDS each
#   make install PREFIX=/usr/local DESTDIR=   ojrun, libojrun.h, libojrun.{a,so}, libojrun.pc

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR  ?= $(PREFIX)/lib
BUILD   ?= build

CC      ?= gcc
PKGS    := libseccomp libcap yajl
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-truncation \
           -D_GNU_SOURCE -DOJRUN_COMMIT='"$(COMMIT)"' -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
           -MMD -MP -fPIC
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

# The sources, one folder per component (CONTRIBUTING.md, Layout):
#   runtime/                    the library, libojrun.a (generic OCI code)
#   shim/                       the per-task shim; in the library too, since it
#                               runs as a fork of `ojrun create --shim` (shim/shim.c)
#   bundle-templates/generator/ the judge-bundle generator, in the library too
#   runtime/cli/                the `ojrun` command: main.c and one cmd_*.c per verb.
#                               Not in libojrun.a: the library never needs a CLI symbol.
# Library objects are compiled without runtime/cli on the -I path, so a
# library file that includes cli.h does not build.
LIB_DIRS    := runtime shim bundle-templates/generator
LIB_INC     := $(LIB_DIRS:%=-I%)
CLI_INC     := $(LIB_INC) -Iruntime/cli
RUNTIME_SRC := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ    := $(BUILD)/runtime/cli/main.o
# The verbs without main(): build/ojrun and the tests that call a cmd_*()
# (test_regress, fuzz_cli) link this archive.  It is not installed.
CLI_SRC     := $(filter-out runtime/cli/main.c,$(wildcard runtime/cli/*.c))
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/%.o)
CLI_LIB     := $(BUILD)/libojrun-cli.a
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# small programs the integration tests run (console receiver, test payloads)
HELPER_SRC  := $(wildcard tests/helpers/*.c)
HELPER_BIN  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
LIB         := $(BUILD)/libojrun.a
# The judging core (worker/judge/: problem format, checkers, scoring), shared
# by the judges: its own archive, on top of libojrun.a (for the error idiom,
# json.c and the JSON writer only), and the tool hack/judge calls.
JUDGE_SRC   := $(wildcard worker/judge/*.c)
JUDGE_OBJ   := $(JUDGE_SRC:%.c=$(BUILD)/%.o)
JUDGE_LIB   := $(BUILD)/libojrun-judge.a
JUDGE_INC   := $(LIB_INC) -Iworker -Iworker/judge
JUDGE_TOOL  := $(BUILD)/ojrun-judge-tool
# ojrun-worker (worker/: specs/worker-protocol.md): main.c and, in an archive
# the unit tests link too, the rest of worker/*.c (not judge-tool.c and
# judge-cmd.c, ojrun-judge-tool's).  The
# RabbitMQ source, worker/amqp.c, is built in when it is there.  In `all`
# and installed by `make install`.  Linked
# with the shared libraries: a long-running service, started once.
WORKER_SRC  := $(filter-out worker/judge-tool.c worker/judge-cmd.c worker/main.c,$(wildcard worker/*.c))
WORKER_OBJ  := $(WORKER_SRC:%.c=$(BUILD)/%.o)
WORKER_LIB  := $(BUILD)/libojrun-worker.a
WORKER_BIN  := $(BUILD)/ojrun-worker
WORKER_LIBS  = $(PKG_LIBS) -lm
ifneq ($(wildcard worker/amqp.c),)
WORKER_LIBS += $(shell pkg-config --libs librabbitmq 2>/dev/null)
$(BUILD)/worker/main.o: CFLAGS += -DOJ_WORKER_AMQP
# (a main.o built before amqp.c arrived must be built again)
$(BUILD)/worker/main.o: worker/amqp.c
endif
# The public API (runtime/libojrun.h) as a shared library: the same objects
# (all compiled with -fPIC), exporting only the ojrun_* functions
# (runtime/libojrun.map), and its pkg-config file.
SO_NAME     := libojrun.so.1
SHLIB       := $(BUILD)/libojrun.so
PC_FILE     := $(BUILD)/libojrun.pc
VERSION     := $(shell sed -n 's/^\#define OJRUN_VERSION "\(.*\)"/\1/p' runtime/version.h)

BINARIES := $(BUILD)/ojrun

.PHONY: all deps check check-v2 unit integration demo install clean format bench bench-worker fuzz fuzz-bins san-build \
        helpers fuzz-cov
all: $(BINARIES) $(JUDGE_TOOL) $(WORKER_BIN) $(SHLIB) $(PC_FILE)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): hack/install-deps.sh
	@bash hack/install-deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LIB_INC) -c $< -o $@

$(BUILD)/runtime/cli/%.o: runtime/cli/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CLI_INC) -c $< -o $@

$(LIB): $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/worker/%.o: worker/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(JUDGE_INC) -c $< -o $@

$(JUDGE_LIB): $(JUDGE_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(SHLIB): $(RUNTIME_OBJ) $(JUDGE_GEN_OBJ) runtime/libojrun.map
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script=runtime/libojrun.map -Wl,-z,defs \
		$(LDFLAGS) -o $@.$(VERSION) $(RUNTIME_OBJ) $(JUDGE_GEN_OBJ) $(PKG_LIBS)
	ln -sf libojrun.so.$(VERSION) $(BUILD)/$(SO_NAME)
	ln -sf $(SO_NAME) $@

$(PC_FILE): Makefile runtime/version.h
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' '' \
		'Name: libojrun' 'Description: OCI container runtime for online judges (library)' \
		'Version: $(VERSION)' 'Requires.private: $(PKGS)' 'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lojrun' > $@

$(CLI_LIB): $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Judge bundle templates: bundle-templates/*.json become C tables at build
# time (checked by the generator), so that ojrun reads no template file at
# run time.  See specs/judge-templates.md.
JUDGE_TEMPLATES := $(wildcard bundle-templates/*.json)
JUDGE_GEN_C     := $(BUILD)/gen/judge_templates.c
JUDGE_GEN_OBJ   := $(BUILD)/gen/judge_templates.o
JUDGE_GEN_SH    := bundle-templates/generator/gen-judge-templates.sh
$(JUDGE_GEN_C): $(JUDGE_GEN_SH) $(JUDGE_TEMPLATES) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	bash $(JUDGE_GEN_SH) $(JUDGE_TEMPLATES) > $@.tmp && mv $@.tmp $@
$(JUDGE_GEN_OBJ): $(JUDGE_GEN_C)
	$(CC) $(CFLAGS) $(LIB_INC) -c $< -o $@
$(LIB): $(JUDGE_GEN_OBJ)
# (a prerequisite list is expanded when make reads the rule: the shared
# library's rule above cannot name JUDGE_GEN_OBJ, defined only here)
$(SHLIB): $(JUDGE_GEN_OBJ)

# build/ojrun is linked statically: no ld.so work at each of the several
# ojrun processes of a judged run, and a peak RSS of 1.5 MiB instead of 2.6
# (specs/performance.md).  STATIC=0 links the shared libraries; SAN=1
# implies it (the sanitizers need the dynamic runtime).  The per-task shim
# is a fork of `ojrun create --shim` (shim/shim.c), not a binary.
STATIC ?= 1
ifeq ($(SAN),1)
STATIC := 0
endif
ifeq ($(FUZZ),1)
STATIC := 0
endif
ifeq ($(STATIC),1)
OJRUN_LIBS := -static -lseccomp -lcap -lyajl_s
else
OJRUN_LIBS = $(PKG_LIBS)
endif

$(BUILD)/ojrun: $(MAIN_OBJ) $(CLI_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(OJRUN_LIBS)

$(JUDGE_TOOL): $(BUILD)/worker/judge-tool.o $(BUILD)/worker/judge-cmd.o $(JUDGE_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(OJRUN_LIBS) -lm

$(WORKER_LIB): $(WORKER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(WORKER_BIN): $(BUILD)/worker/main.o $(WORKER_LIB) $(JUDGE_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(WORKER_LIBS)

# Unit tests test the library; the few that test a verb (UNIT_CLI) also
# link the CLI archive, and only they get runtime/cli on the -I path
# (test_fuzz_replay includes tests/fuzz/fuzz_cli.c).
UNIT_CLI := $(BUILD)/tests/test_regress $(BUILD)/tests/test_fuzz_replay
$(UNIT_CLI): $(CLI_LIB)
$(UNIT_CLI): UNIT_INC := $(CLI_INC)
$(UNIT_CLI): UNIT_LIBS := $(CLI_LIB)
# The judging core's tests (and the corpus replay, which includes
# fuzz_problem.c) link its archive.
UNIT_JUDGE := $(BUILD)/tests/test_checker $(BUILD)/tests/test_problem $(BUILD)/tests/test_score \
              $(BUILD)/tests/test_engine
$(UNIT_JUDGE) $(BUILD)/tests/test_fuzz_replay: $(JUDGE_LIB)
$(UNIT_JUDGE): UNIT_INC := $(JUDGE_INC)
$(UNIT_JUDGE): UNIT_LIBS := $(JUDGE_LIB)
# The worker's tests (test_worker_*) link its archive and the core's.
UNIT_WORKER := $(filter $(BUILD)/tests/test_worker_%,$(UNIT_BIN))
$(UNIT_WORKER): $(WORKER_LIB) $(JUDGE_LIB)
$(UNIT_WORKER): UNIT_INC := $(JUDGE_INC)
$(UNIT_WORKER): UNIT_LIBS := $(WORKER_LIB) $(JUDGE_LIB)
$(BUILD)/tests/test_fuzz_replay: UNIT_INC := $(CLI_INC) -Iworker/judge
$(BUILD)/tests/test_fuzz_replay: UNIT_LIBS := $(CLI_LIB) $(JUDGE_LIB)
$(BUILD)/tests/%: tests/unit/%.c $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(or $(UNIT_INC),$(LIB_INC)) $(LDFLAGS) -o $@ $< $(UNIT_LIBS) \
		$(LIB) $(PKG_LIBS) -lcmocka -lm

$(BUILD)/tests/helpers/%: tests/helpers/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -static -o $@ $<

# ojrun linked dynamically, for tests/integration/valgrind.bats: memcheck
# replaces malloc through the dynamic loader, so it sees no heap in the
# static build/ojrun.
$(BUILD)/tests/ojrun-dynamic: $(MAIN_OBJ) $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The RabbitMQ source of ojrun-worker (worker/amqp*.c, librabbitmq) and the
# tests' client of the broker, which also drives that source with a fake
# judge (tests/helpers/amqp/amqp-tool.c).
AMQP_OBJ  := $(BUILD)/worker/amqp.o $(BUILD)/worker/amqp_conn.o
AMQP_LIBS := -lrabbitmq
# worker/amqp.h would hide librabbitmq's <amqp.h> on a -Iworker path: these
# files find the worker's headers with -iquote only.
AMQP_INC  := $(LIB_INC) -iquote worker -Iworker/judge
AMQP_TOOL := $(BUILD)/tests/amqp-tool
$(AMQP_OBJ) $(AMQP_TOOL): JUDGE_INC := $(AMQP_INC)
$(AMQP_TOOL): tests/helpers/amqp/amqp-tool.c $(AMQP_OBJ) $(BUILD)/worker/source.o $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(JUDGE_INC) $(LDFLAGS) -o $@ $< $(AMQP_OBJ) $(BUILD)/worker/source.o \
		$(LIB) $(PKG_LIBS) $(AMQP_LIBS)

unit: $(UNIT_BIN)
integration: $(BINARIES)

# tests/run.sh runs every unit binary and every bats file and prints the
# closing "N passed, N failed" line; TESTS=... narrows it (see CONTRIBUTING.md).
# `make check` then runs the SAN part: the unit tests and a representative
# set of bats files against the ASan+UBSan build in build-san/ (SAN_CHECK=0
# skips it).  `make check SAN=1` runs the SAN part alone.
SAN_CHECK ?= 1
CHECK_DEPS := all $(UNIT_BIN) $(HELPER_BIN) $(AMQP_TOOL) $(BUILD)/tests/ojrun-dynamic
ifeq ($(SAN),1)
check: $(CHECK_DEPS)
	@BUILD=$(BUILD) TESTS=san bash tests/run.sh
else ifeq ($(SAN_CHECK),1)
check: $(CHECK_DEPS) san-build
	@BUILD=$(BUILD) SAN_BUILD=build-san bash tests/run.sh
else
check: $(CHECK_DEPS)
	@BUILD=$(BUILD) bash tests/run.sh
endif

# make check-v2: a curated part of the suite (unit tests included) on a pure
# cgroup v2 kernel, in a qemu guest booted from Debian's own kernel, against
# this build (hack/v2-guest/run.sh; ends with "N passed, N failed, N skipped").
check-v2: $(CHECK_DEPS)
	@BUILD=$(BUILD) bash hack/v2-guest/run.sh

# Everything the SAN part runs, built with SAN=1 into build-san/.
san-build:
	@$(MAKE) --no-print-directory SAN=1 all unit helpers

helpers: $(HELPER_BIN) $(AMQP_TOOL)

demo: all
	@bash hack/demo.sh

# make bench: the side-by-side benchmark (hack/bench.sh).  Its extra packages
# (gnuplot, bubblewrap) come from `hack/install-deps.sh bench` so that `make
# check` stays lean.  ojbench, hello and noop are static: the fork+exec floor
# must not pay for the dynamic loader.
BENCH_BIN := $(BUILD)/bench/ojbench $(BUILD)/bench/hello $(BUILD)/bench/noop $(BUILD)/bench/gen-seccomp
$(BUILD)/bench/ojbench: hack/bench/ojbench.c hack/bench/report.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_INC) -static -o $@ hack/bench/ojbench.c hack/bench/report.c $(LIB) -lm
$(BUILD)/bench/hello: hack/bench/hello.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<
$(BUILD)/bench/noop: hack/bench/noop.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<
$(BUILD)/bench/gen-seccomp: hack/bench/gen-seccomp.c tests/unit/seccomp_profile.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LIB_INC) -o $@ $< $(LIB) $(PKG_LIBS)

bench: all $(BENCH_BIN)
	@bash hack/install-deps.sh bench
	@BUILD=$(BUILD) bash hack/bench.sh

# make bench-worker: ojrun-worker through RabbitMQ beside the CLI path and
# the unshare floor (hack/bench-worker.sh; not part of make check).
bench-worker: all $(AMQP_TOOL)
	@BUILD=$(BUILD) bash hack/bench-worker.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0755 $(BINARIES) $(WORKER_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 runtime/libojrun.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHLIB).$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libojrun.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libojrun.so
	install -m 0644 $(PC_FILE) $(DESTDIR)$(LIBDIR)/pkgconfig/

format:
	clang-format -i $(foreach d,$(LIB_DIRS) runtime/cli worker worker/judge,$(wildcard $(d)/*.[ch])) \
		tests/unit/*.c

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

# Line coverage of what the corpora reach (after `make fuzz`): clang's
# source-based coverage in build-fuzz-cov/, reported per file by llvm-cov.
fuzz-cov:
	@bash hack/install-deps.sh fuzz
	@$(MAKE) --no-print-directory FUZZ=1 build-fuzz/gen/judge_templates.c
	@bash tests/fuzz/coverage.sh $(FUZZ_TARGETS)

# fuzz_cli drives the verbs, so every target links the CLI archive (an
# archive: a target that calls no cmd_*() pulls nothing from it).
build-fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(CLI_LIB) $(JUDGE_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CLI_INC) -Iworker/judge -Itests/fuzz -fsanitize=fuzzer \
		$(LDFLAGS) -o $@ $< $(CLI_LIB) $(JUDGE_LIB) $(LIB) $(PKG_LIBS) -lm

clean:
	rm -rf build build-san build-fuzz build-fuzz-cov

-include $(RUNTIME_OBJ:.o=.d) $(JUDGE_OBJ:.o=.d) $(WORKER_OBJ:.o=.d) $(BUILD)/worker/main.d $(BUILD)/worker/judge-tool.d $(BUILD)/worker/judge-cmd.d $(MAIN_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(JUDGE_GEN_OBJ:.o=.d) \
         $(UNIT_BIN:=.d)
