#!/bin/sh
# run_scenarios.sh — runs payrun on every fixtures/scenarios/NAME, compares outputs byte for byte, checks SPEC §8 invariants.
#
# A scenario directory holds: README.md (what it shows, the hand calculation),
# data/ (master files; parameters.csv and holidays.csv default to _common/),
# args (the run's arguments after --data/--out, e.g. "--run-date 2026-12-04 timesheets.csv"),
# expected/paychecks.csv and expected/exceptions.csv, and optionally expected/exit
# (the exit code, default 0) and expected/stderr (text the error message must contain).
# Usage: sh tests/run_scenarios.sh [NAME...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=$top/payrun
CHECK=$top/build/check_invariants
scen=$top/fixtures/scenarios
pass=0
fail=0
names=${*:-$(ls "$scen")}
for name in $names; do
    dir=$scen/$name
    [ "$name" = _common ] && continue
    [ -f "$dir/args" ] || continue
    tmp=$(mktemp -d)
    mkdir "$tmp/data"
    cp "$scen/_common/"*.csv "$tmp/data/"
    [ -d "$dir/data" ] && cp "$dir/data/"* "$tmp/data/"
    args=$(cat "$dir/args")
    want_rc=0
    [ -f "$dir/expected/exit" ] && want_rc=$(cat "$dir/expected/exit")
    ok=1
    # shellcheck disable=SC2086
    (cd "$dir" && "$PAYRUN" run --data "$tmp/data" --out "$tmp/out1" $args) 2>"$tmp/stderr1"
    rc=$?
    if [ "$rc" != "$want_rc" ]; then
        echo "FAIL $name: exit $rc, expected $want_rc"; sed 's/^/  /' "$tmp/stderr1"; ok=0
    elif [ "$rc" != 0 ]; then
        if [ -f "$dir/expected/stderr" ] && ! grep -qF "$(cat "$dir/expected/stderr")" "$tmp/stderr1"; then
            echo "FAIL $name: stderr lacks: $(cat "$dir/expected/stderr")"; sed 's/^/  /' "$tmp/stderr1"; ok=0
        fi
        if [ -n "$(ls -A "$tmp/out1" 2>/dev/null)" ]; then
            echo "FAIL $name: a failed run left files in the output directory"; ok=0
        fi
    else
        for f in paychecks.csv exceptions.csv; do
            if ! cmp -s "$dir/expected/$f" "$tmp/out1/$f"; then
                echo "FAIL $name: $f differs from expected"
                diff -u "$dir/expected/$f" "$tmp/out1/$f" | head -20 | sed 's/^/  /'
                ok=0
            fi
        done
        # invariant 5: the same inputs give byte-identical outputs
        # shellcheck disable=SC2086
        (cd "$dir" && "$PAYRUN" run --data "$tmp/data" --out "$tmp/out2" $args) 2>/dev/null
        for f in paychecks.csv exceptions.csv summary.json; do
            cmp -s "$tmp/out1/$f" "$tmp/out2/$f" || { echo "FAIL $name: invariant 5: $f differs between two runs"; ok=0; }
        done
        files=$(for a in $args; do case "$a" in --*) ;; *.csv|*.gz) echo "$a" ;; esac; done)
        # shellcheck disable=SC2086
        if ! (cd "$dir" && "$CHECK" "$tmp/out1" $files >/dev/null 2>"$tmp/inv"); then
            echo "FAIL $name: invariants"; sed 's/^/  /' "$tmp/inv"; ok=0
        fi
    fi
    rm -rf "$tmp"
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "scenarios: $pass passed, $fail failed"
[ $fail = 0 ]
