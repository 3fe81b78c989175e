#!/bin/sh
# run_scenarios.sh — runs payrun on every fixtures/scenarios/NAME, compares outputs byte for byte, checks SPEC §8 invariants.
#
# A scenario directory holds: README.md (what it shows, the hand calculation),
# data/ (master files; parameters.csv and holidays.csv default to _common/),
# args (the run's arguments after --data/--out, e.g. "--run-date 2026-12-04 timesheets.csv"),
# expected/paychecks.csv and expected/exceptions.csv, and optionally expected/exit
# (the exit code, default 0) and expected/stderr (text the error message must contain).
#
# A scenario of several runs against one state has one line of arguments per run in
# args; run K (from 1) reads data/ overlaid with data.K/ when present, runs with
# --state, and is compared with expected/K/. A line that starts with the word correct
# is a `payrun correct` (docs/corrections.md) with the rest of the line as its
# arguments (shell quoting, e.g. --reason "Fresno wage"): its adjustments.csv and
# overpayments.csv are compared too; when expected/K/ has no paychecks.csv the run
# must write nothing at all (no output directory: a correction committed already).
# Usage: sh tests/run_scenarios.sh [NAME...]
# SCENARIOS_DIR=DIR runs the scenarios of DIR instead of fixtures/scenarios (DIR/_common
# holds the default parameters.csv and holidays.csv). It fails when DIR holds no scenario
# or a scenario directory lacks its args file: a test that runs nothing does not pass.
# SCENARIOS_FAST=1 (make mutants) stops at the first failure and skips the second run
# of invariant 5.
# With REVIEW=1 (make fixtures-check) nothing fails: each run's outputs are compared
# with the expected ones by `payrun diff`, whose impact summary is printed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
CHECK=${CHECK_INVARIANTS:-$top/build/check_invariants}
scen=${SCENARIOS_DIR:-$top/fixtures/scenarios}
fast=${SCENARIOS_FAST:-}
pass=0
fail=0

# run_one DIR TMP K ARGS STATEOPT OUT -> exit code; data assembled in TMP/data.K
run_one() {
    d=$1 t=$2 k=$3 a=$4 st=$5 out=$6
    rm -rf "$t/data.$k"
    mkdir "$t/data.$k"
    cp "$scen/_common/"*.csv "$t/data.$k/"
    [ -d "$d/data" ] && cp "$d/data/"* "$t/data.$k/"
    [ -d "$d/data.$k" ] && cp "$d/data.$k/"* "$t/data.$k/"
    case $a in
    correct\ *)
        # shellcheck disable=SC2086
        (cd "$d" && eval "set -- ${a#correct }" && "$PAYRUN" correct --data "$t/data.$k" --out "$out" $st "$@") \
            2>"$t/stderr" ;;
    *)
        # shellcheck disable=SC2086
        (cd "$d" && "$PAYRUN" run --data "$t/data.$k" --out "$out" $st $a) 2>"$t/stderr" ;;
    esac
}

[ -d "$scen" ] || { echo "run_scenarios: no scenario directory $scen"; exit 1; }
for name in ${*:-$(ls "$scen")}; do
    dir=$scen/$name
    [ "$name" = _common ] && continue
    if [ ! -f "$dir/args" ]; then
        # a scenario without its run arguments would be skipped silently: that is a failure
        echo "FAIL $name: no args file in $dir"
        fail=$((fail + 1))
        [ -n "$fast" ] && break
        continue
    fi
    tmp=$(mktemp -d)
    nruns=$(grep -c . "$dir/args")
    if [ "$nruns" != 1 ]; then
        "$PAYRUN" state init --state "$tmp/state" && "$PAYRUN" state init --state "$tmp/state2"
    fi
    ok=1
    k=1
    while [ $k -le "$nruns" ]; do
        args=$(grep . "$dir/args" | sed -n "${k}p")
        if [ "$nruns" = 1 ]; then exp=$dir/expected st=""; else exp=$dir/expected/$k st="--state $tmp/state"; fi
        want_rc=0
        [ -f "$exp/exit" ] && want_rc=$(cat "$exp/exit")
        run_one "$dir" "$tmp" "$k" "$args" "$st" "$tmp/out$k"
        rc=$?
        label=$name
        [ "$nruns" = 1 ] || label="$name run $k"
        if [ "$rc" != "$want_rc" ]; then
            echo "FAIL $label: exit $rc, expected $want_rc"; sed 's/^/  /' "$tmp/stderr"; ok=0
        elif [ "$rc" != 0 ]; then
            if [ -f "$exp/stderr" ] && ! grep -qF "$(cat "$exp/stderr")" "$tmp/stderr"; then
                echo "FAIL $label: stderr lacks: $(cat "$exp/stderr")"; sed 's/^/  /' "$tmp/stderr"; ok=0
            fi
            if [ -n "$(ls "$tmp/out$k" 2>/dev/null)" ]; then
                echo "FAIL $label: a failed run left files in the output directory"; ok=0
            fi
        elif [ ! -f "$exp/paychecks.csv" ]; then
            if [ -e "$tmp/out$k" ]; then
                echo "FAIL $label: expected nothing written, but $tmp/out$k exists"; ok=0
            fi
        elif [ -n "${REVIEW:-}" ]; then
            echo "== $label"
            "$PAYRUN" diff --quiet "$exp" "$tmp/out$k" | sed 's/^/   /'
        else
            for f in paychecks.csv exceptions.csv adjustments.csv overpayments.csv; do
                [ -f "$exp/$f" ] || [ -f "$tmp/out$k/$f" ] || continue
                if ! cmp -s "$exp/$f" "$tmp/out$k/$f"; then
                    echo "FAIL $label: $f differs from expected"
                    diff -u "$exp/$f" "$tmp/out$k/$f" | head -20 | sed 's/^/  /'
                    ok=0
                fi
            done
            files=$(for a in $args; do case "$a" in --*) ;; *.csv|*.gz) echo "$a" ;; esac; done)
            # shellcheck disable=SC2086
            case $args in
            correct\ *)
                # the invariants of a correction's outputs; the column sums against a replay: tests/correct.sh
                if ! sh "$top/tests/check_correction.sh" "$tmp/out$k" 2>"$tmp/inv"; then
                    echo "FAIL $label: invariants"; sed 's/^/  /' "$tmp/inv"; ok=0
                fi ;;
            *) if ! (cd "$dir" && "$CHECK" "$tmp/out$k" $files >/dev/null 2>"$tmp/inv"); then
                echo "FAIL $label: invariants"; sed 's/^/  /' "$tmp/inv"; ok=0
            fi ;;
            esac
        fi
        k=$((k + 1))
    done
    # invariant 5: the same inputs in the same order against the same state give byte-identical outputs
    [ -n "${REVIEW:-}" ] || [ -n "$fast" ] && k=$((nruns + 1)) || k=1
    while [ $k -le "$nruns" ]; do
        args=$(grep . "$dir/args" | sed -n "${k}p")
        if [ "$nruns" = 1 ]; then st=""; else st="--state $tmp/state2"; fi
        run_one "$dir" "$tmp" "$k" "$args" "$st" "$tmp/again$k"
        for f in paychecks.csv exceptions.csv summary.json; do
            [ -e "$tmp/out$k/$f" ] || continue
            cmp -s "$tmp/out$k/$f" "$tmp/again$k/$f" || { echo "FAIL $name: invariant 5: $f of run $k differs between two runs"; ok=0; }
        done
        k=$((k + 1))
    done
    rm -rf "$tmp"
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); [ -n "$fast" ] && break; fi
done
echo "scenarios: $pass passed, $fail failed"
if [ $((pass + fail)) = 0 ]; then
    echo "FAIL: no scenario found in $scen${*:+ named $*}"
    exit 1
fi
[ $fail = 0 ]
