# hardening.mk — fuzzing, sanitizers and the bad-input corpus; included by the Makefile.
#
#   make fuzz             build the libFuzzer harnesses (clang) into build/fuzz/ and fuzz each one
#                         for FUZZ_SECONDS (default 60); inputs that add coverage are merged into
#                         tests/fuzz/corpus/NAME; crashes land in build/fuzz/artifacts/
#   make fuzz-replay      build the harnesses and run each once over its corpus and over the known
#                         crash reproducers in tests/fuzz/crashes/NAME (no fuzzing; seconds)
#   make test-asan        the whole project and the unit tests rebuilt in build/asan with
#                         -fsanitize=address,undefined, then the unit tests, the scenarios,
#                         tests/commands.sh, tests/state.sh, tests/operate.sh, tests/msnap.sh, tests/archive.sh, tests/correct.sh and the bad-input corpus run under
#                         ASan/LSan/UBSan; any sanitizer report fails it
#   make fuzz-cmin        shrink the checked-in corpora (same edges; seed-* and regress-* kept)
#   make fuzz-coverage    line/branch coverage of engine/ and formats/ by the corpora (llvm-cov)
#   make badinput         the bad-input corpus (tests/badinput.sh) against ./payrun
#   make hardening-tests  what `make test` runs from here: fuzz-replay and badinput
#
# Without clang (or its libFuzzer runtime) fuzz and fuzz-replay print SKIP and succeed, except
# fuzz-replay under CI=true: there a replay that did not run fails, it does not pass.

.PHONY: fuzz fuzz-build fuzz-cmin fuzz-coverage fuzz-replay test-asan asan-build badinput hardening-tests

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_NAMES   := fuzz_csv fuzz_pipeline fuzz_masters
# UBSan stays recoverable in the harnesses so that tests/fuzz/known-bugs.supp can suppress a known
# report while fuzzing; halt_on_error=1 (in the harnesses' __ubsan_default_options and SAN_ENV)
# still stops at the first report that is not suppressed.
FUZZ_SAN     := -fsanitize=address,undefined
# Reports of bugs already known (and reproduced in tests/fuzz/crashes/), suppressed by `make fuzz`
# only so that fuzzing can look past them; fuzz-replay never suppresses anything.
FUZZ_SUPP    ?= tests/fuzz/known-bugs.supp
FUZZ_CFLAGS  := -g -O1 -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Iengine -Iformats -DPAYRUN_VERSION='"$(VERSION)"' $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(ENGINE_SRC) $(FORMATS_SRC))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_NAMES))
# libFuzzer options of every fuzzing run: the dictionary, a hang is 10 s on one input
FUZZ_OPTS    := -dict=tests/fuzz/payrun.dict -timeout=10 -max_len=16384 -print_final_stats=1
# the runtime options of the sanitizers, for the harnesses and the ASan build alike
# (UBSAN_OPTIONS comes last: `make fuzz` appends :suppressions=FILE to it)
SAN_ENV      := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Prints a SKIP line and fails when $(FUZZ_CC) cannot build a libFuzzer program.
FUZZ_PROBE = mkdir -p $(FUZZ_DIR) && \
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	    > $(FUZZ_DIR)/probe.c && \
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(FUZZ_DIR)/probe.c -o $(FUZZ_DIR)/probe >/dev/null 2>&1 || \
	{ echo "SKIP fuzz: $(FUZZ_CC) with libFuzzer (-fsanitize=fuzzer) is not available; install clang to fuzz"; false; }

$(FUZZ_DIR)/obj/%.o: %.c tests/hardening.mk | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_MASTERS='"$(CURDIR)/tests/fuzz/masters"' \
	    -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

# the objects are intermediate files of the pattern rules: keep them between builds
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz-build: $(FUZZ_BINS)

# Fuzzes each harness for FUZZ_SECONDS: new inputs go to a scratch corpus in build/fuzz/work/NAME
# (seeded from tests/fuzz/corpus/NAME), then the ones that add coverage are merged into
# tests/fuzz/corpus/NAME. All harnesses run even when one finds a crash; the target fails then.
fuzz:
	@$(FUZZ_PROBE) || exit 0; \
	$(MAKE) --no-print-directory fuzz-build || exit 1; \
	failed=""; supp=""; \
	if [ -n "$(FUZZ_SUPP)" ] && grep -q '^[a-z]' $(FUZZ_SUPP) 2>/dev/null; then \
	    supp=":suppressions=$(CURDIR)/$(FUZZ_SUPP)"; \
	    echo "fuzz: suppressing the known UBSan reports listed in $(FUZZ_SUPP) (fuzz-replay still fails on them)"; \
	fi; \
	for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_DIR)/work/$$n $(FUZZ_DIR)/artifacts tests/fuzz/corpus/$$n; \
	    echo "== fuzz $$n for $(FUZZ_SECONDS) s (log: $(FUZZ_DIR)/$$n.log)"; \
	    if env $(SAN_ENV)$$supp $(FUZZ_DIR)/$$n $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(FUZZ_DIR)/artifacts/$$n- \
	        $(FUZZ_DIR)/work/$$n tests/fuzz/corpus/$$n > $(FUZZ_DIR)/$$n.log 2>&1; then \
	        grep -E '^stat::|Done [0-9]+ runs' $(FUZZ_DIR)/$$n.log | sed "s/^/   $$n: /"; \
	    else \
	        echo "FAIL fuzz $$n: crash, leak or hang; see $(FUZZ_DIR)/$$n.log and $(FUZZ_DIR)/artifacts/"; \
	        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: property)' $(FUZZ_DIR)/$$n.log | head -5; \
	        failed="$$failed $$n"; \
	    fi; \
	    env $(SAN_ENV)$$supp $(FUZZ_DIR)/$$n -merge=1 -use_counters=0 tests/fuzz/corpus/$$n $(FUZZ_DIR)/work/$$n \
	        > $(FUZZ_DIR)/$$n.merge.log 2>&1 && \
	        echo "   $$n: corpus $$(ls tests/fuzz/corpus/$$n | wc -l) inputs after merging ($(FUZZ_DIR)/$$n.merge.log)"; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz: failed:$$failed"; exit 1; }

# Each harness once over its corpus and its known crash reproducers (tests/fuzz/crashes/NAME-*),
# no fuzzing; an input that takes over 10 s is a hang. A reproducer fails this target until its
# bug is fixed.
fuzz-replay:
	@$(FUZZ_PROBE) || { [ "$${CI:-}" != true ] && exit 0; \
	    echo "FAIL fuzz-replay: CI=true and $(FUZZ_CC) cannot build a libFuzzer program: in CI the replay must run (apt-get install clang)"; \
	    exit 1; }; \
	$(MAKE) --no-print-directory fuzz-build || exit 1; \
	failed=""; \
	for n in $(FUZZ_NAMES); do \
	    crashes=$$(ls tests/fuzz/crashes/$$n-* 2>/dev/null); \
	    if env $(SAN_ENV) $(FUZZ_DIR)/$$n -timeout=10 -runs=0 tests/fuzz/corpus/$$n > $(FUZZ_DIR)/$$n.replay.log 2>&1 && \
	       { [ -z "$$crashes" ] || env $(SAN_ENV) $(FUZZ_DIR)/$$n -timeout=10 $$crashes >> $(FUZZ_DIR)/$$n.replay.log 2>&1; }; then \
	        echo "ok   fuzz-replay $$n: $$(ls tests/fuzz/corpus/$$n | wc -l) corpus inputs$${crashes:+, $$(echo $$crashes | wc -w) crash reproducers}"; \
	    else \
	        echo "FAIL fuzz-replay $$n: see $(FUZZ_DIR)/$$n.replay.log"; \
	        grep -E '^(==[0-9]+==( ERROR|ERROR)|SUMMARY|.*runtime error|fuzz_[a-z]+: property|Running: )' \
	            $(FUZZ_DIR)/$$n.replay.log | head -8 | sed 's/^/   /'; \
	        failed="$$failed $$n"; \
	    fi; \
	done; \
	[ -z "$$failed" ]

# ---- the ASan/UBSan build ----
# The objects, unit tests, check_invariants and gen of the Makefile's own rules are built with
# BUILD=$(ASAN_DIR) and CFLAGS from the environment (the Makefile's CFLAGS ?= keeps it and
# its += adds the warnings and include paths). The payrun binary of that build is
# $(ASAN_DIR)/payrun, by the rule below: the Makefile's own `payrun` target always writes ./payrun.
ASAN_DIR    := build/asan
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_LOGS   := $(ASAN_DIR)/logs
# Sanitizer reports go to files as well as killing the process, so that a report from a run
# whose exit code a test script does not check (a crash-safety or lock run) still fails.
ASAN_ENV    := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/$(ASAN_LOGS)/asan \
               UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(CURDIR)/$(ASAN_LOGS)/ubsan

$(BUILD)/payrun: $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

asan-build:
	CFLAGS='$(ASAN_CFLAGS)' $(MAKE) --no-print-directory BUILD=$(ASAN_DIR) \
	    $(ASAN_DIR)/payrun $(ASAN_DIR)/unit_tests $(ASAN_DIR)/check_invariants $(ASAN_DIR)/gen

# The test scripts take payrun and build/ from the directory above their own (top=$(dirname $0)/..),
# so they run from a shadow top, $(ASAN_DIR)/top: payrun is the ASan binary, build/ is
# $(ASAN_DIR), tests/ and fixtures/ are links to the real ones.
test-asan: asan-build
	@rm -rf $(ASAN_LOGS) $(ASAN_DIR)/top && mkdir -p $(ASAN_LOGS) $(ASAN_DIR)/top && \
	ln -s ../payrun $(ASAN_DIR)/top/payrun && ln -s $(CURDIR)/$(ASAN_DIR) $(ASAN_DIR)/top/build && \
	ln -s $(CURDIR)/tests $(ASAN_DIR)/top/tests && ln -s $(CURDIR)/fixtures $(ASAN_DIR)/top/fixtures; \
	failed=""; \
	step() { name=$$1; shift; echo "== asan: $$name"; env $(ASAN_ENV) "$$@" || failed="$$failed $$name"; }; \
	step unit $(ASAN_DIR)/unit_tests; \
	step scenarios sh $(ASAN_DIR)/top/tests/run_scenarios.sh; \
	step commands sh $(ASAN_DIR)/top/tests/commands.sh; \
	step state sh $(ASAN_DIR)/top/tests/state.sh; \
	step operate sh $(ASAN_DIR)/top/tests/operate.sh; \
	step msnap sh $(ASAN_DIR)/top/tests/msnap.sh; \
	step archive sh $(ASAN_DIR)/top/tests/archive.sh; \
	step correct sh $(ASAN_DIR)/top/tests/correct.sh; \
	step badinput env PAYRUN=$(CURDIR)/$(ASAN_DIR)/payrun CHECK_INVARIANTS=$(CURDIR)/$(ASAN_DIR)/check_invariants \
	    sh tests/badinput.sh; \
	reports=$$(ls $(ASAN_LOGS) 2>/dev/null | wc -l); \
	if [ "$$reports" != 0 ]; then \
	    echo "FAIL asan: $$reports sanitizer report(s) in $(ASAN_LOGS):"; \
	    for f in $(ASAN_LOGS)/*; do echo "--- $$f"; grep -E 'ERROR|SUMMARY|runtime error|#[0-9] ' "$$f" | head -12; done; \
	    failed="$$failed reports"; \
	fi; \
	if [ -n "$$failed" ]; then echo "test-asan: FAILED:$$failed"; exit 1; fi; \
	echo "test-asan: unit, scenarios, commands, state, operate, msnap, archive, correct and badinput passed under ASan/LSan/UBSan, no reports"

badinput: payrun $(BUILD)/check_invariants
	sh tests/badinput.sh

# Shrinks each checked-in corpus to a minimal set with the same coverage (libFuzzer -merge into an
# empty directory), e.g. after long fuzzing runs; the hand-made seeds (seed-*) and the inputs
# of fixed bugs (regress-*) are always kept.
fuzz-cmin:
	@$(FUZZ_PROBE) || exit 0; \
	$(MAKE) --no-print-directory fuzz-build || exit 1; \
	supp=""; [ -n "$(FUZZ_SUPP)" ] && grep -q '^[a-z]' $(FUZZ_SUPP) 2>/dev/null && supp=":suppressions=$(CURDIR)/$(FUZZ_SUPP)"; \
	for n in $(FUZZ_NAMES); do \
	    rm -rf $(FUZZ_DIR)/cmin/$$n && mkdir -p $(FUZZ_DIR)/cmin/$$n && \
	    env $(SAN_ENV)$$supp $(FUZZ_DIR)/$$n -merge=1 -use_counters=0 $(FUZZ_DIR)/cmin/$$n tests/fuzz/corpus/$$n \
	        > $(FUZZ_DIR)/$$n.cmin.log 2>&1 || { echo "FAIL fuzz-cmin $$n: see $(FUZZ_DIR)/$$n.cmin.log"; exit 1; }; \
	    before=$$(ls tests/fuzz/corpus/$$n | wc -l); \
	    for f in tests/fuzz/corpus/$$n/seed-* tests/fuzz/corpus/$$n/regress-*; do \
	        [ -e "$$f" ] || continue; \
	        rm -f $(FUZZ_DIR)/cmin/$$n/$$(sha1sum < "$$f" | cut -c1-40); cp "$$f" $(FUZZ_DIR)/cmin/$$n/; \
	    done; \
	    rm -rf tests/fuzz/corpus/$$n && cp -r $(FUZZ_DIR)/cmin/$$n tests/fuzz/corpus/$$n; \
	    echo "fuzz-cmin $$n: $$before -> $$(ls tests/fuzz/corpus/$$n | wc -l) inputs"; \
	done

# Line and branch coverage of engine/ and formats/ by the checked-in corpora (clang source-based
# coverage, no sanitizers): each harness runs once over its corpus, then llvm-cov reports per file.
FUZZ_COV_DIR := build/fuzz-cov
LLVM_PROFDATA ?= llvm-profdata
LLVM_COV      ?= llvm-cov

$(FUZZ_COV_DIR)/%: tests/fuzz/%.c $(ENGINE_SRC) $(FORMATS_SRC) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O0 -std=c11 -D_XOPEN_SOURCE=700 -Iengine -Iformats -fsanitize=fuzzer \
	    -fprofile-instr-generate -fcoverage-mapping -DFUZZ_MASTERS='"$(CURDIR)/tests/fuzz/masters"' \
	    -o $@ $< $(ENGINE_SRC) $(FORMATS_SRC) $(LDLIBS)

fuzz-coverage:
	@$(FUZZ_PROBE) || exit 0; \
	$(MAKE) --no-print-directory $(addprefix $(FUZZ_COV_DIR)/,$(FUZZ_NAMES)) || exit 1; \
	rm -f $(FUZZ_COV_DIR)/*.profraw; \
	for n in $(FUZZ_NAMES); do \
	    LLVM_PROFILE_FILE=$(FUZZ_COV_DIR)/$$n.profraw $(FUZZ_COV_DIR)/$$n -runs=0 tests/fuzz/corpus/$$n \
	        > $(FUZZ_COV_DIR)/$$n.log 2>&1 || { echo "fuzz-coverage: $$n failed, see $(FUZZ_COV_DIR)/$$n.log"; exit 1; }; \
	done; \
	$(LLVM_PROFDATA) merge -sparse $(FUZZ_COV_DIR)/*.profraw -o $(FUZZ_COV_DIR)/all.profdata && \
	$(LLVM_COV) report $(FUZZ_COV_DIR)/fuzz_csv $(patsubst %,-object $(FUZZ_COV_DIR)/%,$(filter-out fuzz_csv,$(FUZZ_NAMES))) \
	    -instr-profile=$(FUZZ_COV_DIR)/all.profdata $(ENGINE_SRC) $(FORMATS_SRC)

hardening-tests: fuzz-replay badinput
