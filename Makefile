# payrun — build, test and run the IHSS batch payroll engine.
#
#   make          build ./payrun
#   make run      build, then run payrun on fixtures/demo and show the result
#   make test     build and run every test (unit suites, scenarios)
#   make clean    remove build products
#   make install PREFIX=/usr/local

CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror $(EXTRA_CFLAGS)
# Each layer sees only the layers under it: engine/ its own headers, formats/ the
# engine's and its own, the command layer (cli/) all three. A wrong include fails the build.
INC_engine  := -Iengine
INC_formats := -Iengine -Iformats
INC_cli     := -Iengine -Iformats -Icli
INC_tests   := -Iengine -Iformats -Icli
INC_bench   := -Iengine -Iformats
LDLIBS   := -lcsv -lgmp -lz -lnettle -pthread
PREFIX   ?= /usr/local
BUILD    := build
DEMO_RUN_DATE := 2026-12-04
# The release: summary.json's payrun_version and `payrun --version` (which adds the git commit).
VERSION  := 0.10.0
CFLAGS   += -DPAYRUN_VERSION='"$(VERSION)"'

# Debian packages payrun needs, and the header that proves each is installed.
DEB_PKGS := libcsv-dev libgmp-dev zlib1g-dev libcunit1-dev nettle-dev

ENGINE_SRC  := $(wildcard engine/*.c)
FORMATS_SRC := $(wildcard formats/*.c)
CLI_SRC     := $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(FORMATS_SRC) $(CLI_SRC))
MAIN_OBJ    := $(BUILD)/cli/main.o
TEST_SRC    := $(wildcard tests/test_*.c)
TEST_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC) tests/unit_main.c)

.PHONY: all bench run test unit scenarios generated state-tests operate-tests cron-tests command-tests msnap-tests archive-tests correct-tests withholding-tests fixtures-check demo-snapshot clean install deps

all: payrun

# Install the Debian packages when missing: as root with apt-get, otherwise
# print the exact command and stop.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "payrun: installing$$missing"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || exit 1; \
	  else \
	    echo "payrun: missing Debian packages:$$missing"; \
	    echo "run:  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_$(firstword $(subst /, ,$<))) -MMD -MP -c $< -o $@

# The git commit for `payrun --version`, when built from a clone: build/commit.h changes
# only when the commit does, so only main.o is rebuilt then.
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
$(BUILD)/commit.h: FORCE
	@mkdir -p $(BUILD)
	@echo '#define PAYRUN_COMMIT "$(GIT_COMMIT)"' > $@.new; cmp -s $@.new $@ || mv $@.new $@; rm -f $@.new
FORCE:
$(MAIN_OBJ): $(BUILD)/commit.h
$(MAIN_OBJ): CFLAGS += -include $(BUILD)/commit.h

payrun: $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The unit tests take the program's malloc, calloc and realloc through tests/test_nomem.c,
# which can make any one of them fail (the out-of-memory suite).
UNIT_WRAP := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
$(BUILD)/unit_tests: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit $(UNIT_WRAP)

$(BUILD)/check_invariants: $(LIB_OBJ) $(BUILD)/tests/check_invariants.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen: bench/gen.c | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(INC_bench) -o $@ $<

$(BUILD)/measure: bench/measure.c | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(INC_bench) -o $@ $<

$(BUILD)/csvparse: bench/csvparse.c | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(INC_bench) -o $@ $< -lcsv -lz

# Throughput against cat, gzip -dc and a bare libcsv parse, then a year of nights on one
# state; writes bench/results.md.
bench: payrun $(BUILD)/gen $(BUILD)/measure $(BUILD)/csvparse
	sh bench/bench.sh

# The year of nights alone (BENCH_YEAR_PROVIDERS, default 200000): replaces the section
# "A year of nights" of bench/results.md.
.PHONY: bench-year bench-year-test
bench-year: payrun $(BUILD)/gen $(BUILD)/measure
	sh bench/bench.sh year

# The generator's year: deterministic, valid every night, about 0.5% of the masters changed a
# night, paid in order on one state.
bench-year-test: payrun $(BUILD)/gen
	sh bench/gen_year_test.sh

DEMO_OUT := $(BUILD)/demo-out

# The demo pay run: a fixed run date, so the result is the same every day.
run: payrun
	./payrun check --data fixtures/demo --run-date $(DEMO_RUN_DATE) fixtures/demo/timesheets-2026-11.csv
	@echo
	@rm -rf $(DEMO_OUT)    # payrun never writes into a directory holding a run's outputs
	./payrun run --data fixtures/demo --out $(DEMO_OUT) --run-date $(DEMO_RUN_DATE) --verbose \
	    fixtures/demo/timesheets-2026-11.csv
	@echo "--- $(DEMO_OUT)/summary.json"; cat $(DEMO_OUT)/summary.json
	@echo "--- first paychecks ($(DEMO_OUT)/paychecks.csv)"; head -4 $(DEMO_OUT)/paychecks.csv
	@echo "--- first exceptions ($(DEMO_OUT)/exceptions.csv)"; head -6 $(DEMO_OUT)/exceptions.csv
	@echo "--- income tax withheld (fixtures/demo/withholding.csv: W-4 and DE 4 of 7 providers)"
	@awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$$i] = i; next } \
	    $$c["federal_income_tax"] != "0.00" || $$c["state_income_tax"] != "0.00" { \
	    printf "%-14s %-6s period %s gross %9s federal %7s California %7s net %9s\n", $$c["timesheet_id"], \
	    $$c["provider_id"], $$c["period_start"], $$c["gross"], $$c["federal_income_tax"], $$c["state_income_tax"], \
	    $$c["net"] }' $(DEMO_OUT)/paychecks.csv

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

scenarios: payrun $(BUILD)/check_invariants
	sh tests/run_scenarios.sh

# SPEC §8 invariants 1-5 on a generated file of 100k rows.
generated: payrun $(BUILD)/check_invariants $(BUILD)/gen
	sh tests/generated.sh 100000

# --state: split weeks, idempotence, reprocessing, lock, damaged state, crash safety, nightly runs.
state-tests: payrun $(BUILD)/gen
	sh tests/state.sh

# The masters snapshot (docs/snapshot.md): used when the master files match, same outputs, ignored when
# changed or damaged, found by state verify, never written by read-only commands, two kept.
msnap-tests: payrun $(BUILD)/gen
	sh tests/msnap.sh

# Each generation's archive of its night: inputs by SHA-256, paychecks (tests/archive.sh).
archive-tests: payrun $(BUILD)/gen
	sh tests/archive.sh

# payrun correct (docs/corrections.md): refusals, dry run, idempotence, --params, corrected rows, and the
# column sums of adjustments.csv against an independent replay, on the demo and on generated data.
correct-tests: payrun $(BUILD)/gen
	sh tests/correct.sh

# voluntary income-tax withholding across nights, explain's worksheet lines, payrun year-end (tests/withholding.sh)
withholding-tests: payrun
	sh tests/withholding.sh

# docs/payrun.cron: a valid /etc/cron.d file whose command, run as cron runs it, is silent twice.
cron-tests: payrun
	sh tests/cron.sh

# Operating safely (SPEC §7a): I/O errors around the commit (PAYRUN_FAIL_AT, strace), --state and --out
# misuse, symlinks, options per command, earlier run dates, ulimit -f/-v, read-only state, empty nights.
operate-tests: payrun $(BUILD)/gen
	sh tests/operate.sh

# payrun diff, whatif, explain; each deduction parameter moves exactly its paychecks.
command-tests: payrun
	sh tests/commands.sh

# Review a rule change: every scenario and the demo, diffed against the committed outputs.
fixtures-check: payrun
	@REVIEW=1 sh tests/run_scenarios.sh
	@echo "== demo (against the review snapshot fixtures/demo/expected)"
	@rm -rf $(BUILD)/demo-check
	@./payrun run --data fixtures/demo --out $(BUILD)/demo-check --run-date $(DEMO_RUN_DATE) \
	    fixtures/demo/timesheets-2026-11.csv
	@./payrun diff --quiet fixtures/demo/expected $(BUILD)/demo-check | sed 's/^/   /'; true

# Replace the demo's review snapshot after a rule change was reviewed and accepted.
demo-snapshot: payrun
	rm -rf $(BUILD)/demo-snap
	./payrun run --data fixtures/demo --out $(BUILD)/demo-snap --run-date $(DEMO_RUN_DATE) \
	    fixtures/demo/timesheets-2026-11.csv
	mkdir -p fixtures/demo/expected
	cp $(BUILD)/demo-snap/paychecks.csv $(BUILD)/demo-snap/exceptions.csv fixtures/demo/expected/

test: unit scenarios generated state-tests operate-tests cron-tests command-tests msnap-tests archive-tests correct-tests withholding-tests bench-year-test hardening-tests

install: payrun
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 payrun $(DESTDIR)$(PREFIX)/bin/payrun

clean:
	rm -rf $(BUILD) payrun tests/out

# Fuzzing, sanitizers and the bad-input corpus (make fuzz, make test-asan, make badinput).
include tests/hardening.mk
# Mutation testing, coverage and the scenario runner's own test (make mutants, make coverage).
include tests/quality.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
