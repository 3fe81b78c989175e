#!/bin/sh
# run_scenarios_test.sh — tests/run_scenarios.sh cannot pass by accident: it fails on a
# directory with no scenario, on a scenario that lacks its args file, and on a scenario
# whose expected output is wrong; it passes on a good one (a copy of a real scenario).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; sed 's/^/  /' "$tmp/log"; fails=$((fails + 1)); }
runner() { SCENARIOS_DIR=$1 sh "$top/tests/run_scenarios.sh" > "$tmp/log" 2>&1; }

# a scenarios directory with nothing but _common
mkdir -p "$tmp/empty/_common"
cp "$top/fixtures/scenarios/_common/"*.csv "$tmp/empty/_common/"
if runner "$tmp/empty"; then bad "no scenarios: the runner passed"; else
    grep -q "no scenario found" "$tmp/log" && ok "no scenarios: fails" || bad "no scenarios: fails without saying why"; fi

# a good scenario passes
cp -r "$tmp/empty" "$tmp/good"
cp -r "$top/fixtures/scenarios/sdi-quarter-threshold" "$tmp/good/"
runner "$tmp/good" && grep -q "1 passed, 0 failed" "$tmp/log" && ok "one good scenario: passes" ||
    bad "one good scenario did not pass"

# the same scenario without its args file
cp -r "$tmp/good" "$tmp/noargs"
rm "$tmp/noargs/sdi-quarter-threshold/args"
if runner "$tmp/noargs"; then bad "scenario without args: the runner passed"; else
    grep -q "FAIL sdi-quarter-threshold: no args file" "$tmp/log" && ok "scenario without args: fails" ||
        bad "scenario without args: fails without naming it"; fi

# a scenario whose expected paychecks are wrong by one cent
cp -r "$tmp/good" "$tmp/wrong"
f=$tmp/wrong/sdi-quarter-threshold/expected/paychecks.csv
sed '2s/,\([0-9]*\)\.\([0-9]\)\([0-9]\),$/,\1.\2X,/' "$f" | sed '2s/X/9/' > "$f.new"
if cmp -s "$f" "$f.new"; then echo "FAIL could not alter $f"; fails=$((fails + 1)); fi
mv "$f.new" "$f"
if runner "$tmp/wrong"; then bad "wrong expected output: the runner passed"; else ok "wrong expected output: fails"; fi

# a name that is not a scenario
if SCENARIOS_DIR=$tmp/good sh "$top/tests/run_scenarios.sh" no-such-scenario > "$tmp/log" 2>&1; then
    bad "unknown scenario name: the runner passed"; else ok "unknown scenario name: fails"; fi

[ $fails = 0 ] && echo "run_scenarios_test: all passed" || { echo "run_scenarios_test: $fails failed"; exit 1; }
