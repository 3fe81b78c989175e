# quality.mk — how good the tests are; included by the Makefile.
#
#   make mutants       one-operator mutants of engine/*.c, each built in a scratch copy of the
#                      tree and run against the fast tests (the engine's unit suites and the
#                      scenarios): prints killed/total and every survivor (tests/mutants.sh;
#                      MUTANTS_FILES, MUTANTS_LIMIT, MUTANTS_JOBS restrict or spread a run).
#                      Fails when a survivor is not explained in tests/mutants-equivalent.txt.
#   make named-mutants the four wrong boundaries named in issue 15 (parent FICA age, SDI ceiling
#                      by quarter, BUPS exception, writ limit), each applied to a scratch copy:
#                      the boundary suite must fail on each (tests/named_mutants.sh)
#   make coverage      the whole project built with gcc --coverage in build/coverage, the unit
#                      tests, the scenarios and tests/commands.sh (explain) run on it, then the
#                      line and branch coverage of engine/ printed by gcovr (installed from
#                      Debian when missing, as `make deps` does). COVERAGE_MIN (default 0)
#                      makes it fail below that branch percentage.
#   make quality-tests what `make test` runs from here: the scenario runner's own test
#
# Neither mutants nor coverage is part of `make test`.

.PHONY: mutants named-mutants coverage coverage-deps coverage-build quality-tests

mutants: | deps
	sh tests/mutants.sh

named-mutants: | deps
	sh tests/named_mutants.sh

# The scenario runner fails on a missing args file and on no scenarios at all.
quality-tests: payrun $(BUILD)/check_invariants
	sh tests/run_scenarios_test.sh

test: quality-tests

# ---- coverage ----
COV_DIR     := build/coverage
COV_CFLAGS  := -O0 -g --coverage
COVERAGE_MIN ?= 0

# gcovr from Debian when missing: as root with apt-get, otherwise print the command and stop.
coverage-deps:
	@if ! command -v gcovr >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "payrun: installing gcovr"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y gcovr || exit 1; \
	  else \
	    echo "payrun: missing Debian package: gcovr"; \
	    echo "run:  sudo apt-get update && sudo apt-get install -y gcovr"; \
	    exit 1; \
	  fi; \
	fi

# The objects, unit tests and check_invariants of the Makefile's own rules, built with
# BUILD=$(COV_DIR) and CFLAGS from the environment (as test-asan does); payrun by the
# $(BUILD)/payrun rule of hardening.mk.
coverage-build:
	CFLAGS='$(COV_CFLAGS)' $(MAKE) --no-print-directory BUILD=$(COV_DIR) \
	    $(COV_DIR)/payrun $(COV_DIR)/unit_tests $(COV_DIR)/check_invariants

# The test scripts take payrun and build/ from the directory above their own, so they run
# from a shadow top whose payrun and build/ are the coverage build's.
coverage: coverage-deps coverage-build
	@find $(COV_DIR) -name '*.gcda' -delete; \
	rm -rf $(COV_DIR)/top && mkdir -p $(COV_DIR)/top && \
	ln -s ../payrun $(COV_DIR)/top/payrun && ln -s $(CURDIR)/$(COV_DIR) $(COV_DIR)/top/build && \
	ln -s $(CURDIR)/tests $(COV_DIR)/top/tests && ln -s $(CURDIR)/fixtures $(COV_DIR)/top/fixtures; \
	failed=""; \
	echo "== coverage: unit tests"; $(COV_DIR)/unit_tests > $(COV_DIR)/unit.log 2>&1 || failed="$$failed unit"; \
	echo "== coverage: scenarios"; sh $(COV_DIR)/top/tests/run_scenarios.sh | tail -1 || failed="$$failed scenarios"; \
	echo "== coverage: commands (diff, whatif, explain)"; \
	sh $(COV_DIR)/top/tests/commands.sh > $(COV_DIR)/commands.log 2>&1 || failed="$$failed commands"; \
	tail -1 $(COV_DIR)/commands.log; \
	[ -z "$$failed" ] || { echo "coverage: tests failed:$$failed"; exit 1; }; \
	gcovr -r . --object-directory $(COV_DIR) -f 'engine/' --exclude-unreachable-branches -s \
	    > $(COV_DIR)/lines.txt && \
	gcovr -r . --object-directory $(COV_DIR) -f 'engine/' --exclude-unreachable-branches -b -s \
	    > $(COV_DIR)/branches.txt && \
	cat $(COV_DIR)/branches.txt && grep -E '^(lines|branches):' $(COV_DIR)/lines.txt | head -1 && \
	pct=$$(sed -n 's/^branches: \([0-9.]*\)%.*/\1/p' $(COV_DIR)/branches.txt) && \
	echo "coverage: engine/ branches $$pct% (the target is 95%); per line: $(COV_DIR)/lines.txt" && \
	awk -v p="$$pct" -v m="$(COVERAGE_MIN)" 'BEGIN { exit !(p + 0 >= m + 0) }' || \
	    { echo "coverage: engine/ branch coverage $$pct% is below COVERAGE_MIN=$(COVERAGE_MIN)%"; exit 1; }
