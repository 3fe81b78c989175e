#!/bin/sh
# mutants.sh — mutation testing of engine/*.c: does a one-operator change make a fast test fail?
#
#   sh tests/mutants.sh            (make mutants)
#
# Each mutant (tests/mutants.awk lists them: relational operators, && ||, +-1 on integer
# constants, += -= dropped, min/max swapped) is applied to a scratch copy of the tree,
# never to the working files. Each worker has its own copy, built once; a mutant
# rebuilds only its object and relinks. The fast tests are the unit suites of the engine
# (UNIT_SUITES below) and every scenario (tests/run_scenarios.sh, stopping at the first
# failure). A mutant that does not compile is not viable and not counted; one that makes
# a test fail or hang (MUTANTS_TIMEOUT seconds) is killed; the others survive.
#
# Prints killed/total and the percentage, and each survivor as
#   file:line: original -> mutant
# marked "(listed)" when tests/mutants-equivalent.txt lists it (same file, same original
# and mutant text; the line number may have moved) with why it cannot change an output
# (or, for the few marked NOT EQUIVALENT there, which test outside the fast set would see
# it); then the score without the listed survivors. Exits 1 when a survivor is not listed.
#
# Variables:
#   MUTANTS_FILES="engine/deduct.c engine/money.c"   the files to mutate (default engine/*.c)
#   MUTANTS_LIMIT=N      at most N mutants, spread evenly over the list (a sample)
#   MUTANTS_RERUN=FILE   only the survivors listed in FILE (a build/mutants-results.tsv kept
#                        from an earlier run), e.g. after adding tests
#   MUTANTS_JOBS=2       workers (default: the number of CPUs, at most 4)
#   MUTANTS_TIMEOUT=60   seconds for one mutant's tests
#   MUTANTS_KEEP=1       keep the scratch directory ($TMPDIR/payrun-mutants.*) after the run
#   MUTANTS_CFLAGS       optimisation of the scratch builds (default -O1)
set -u
# The whole script is one compound command, read before it runs: editing this file during
# a run (sh reads scripts as it goes) cannot break the run.
{
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
files=${MUTANTS_FILES:-$(ls engine/*.c)}
limit=${MUTANTS_LIMIT:-0}
jobs=${MUTANTS_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -gt 4 ] && jobs=4
tmo=${MUTANTS_TIMEOUT:-60}
cflags=${MUTANTS_CFLAGS:--O1}
suites=cal,money,field,param,load,ledger,ids,boundaries,steps,nomem,withhold
equiv=$top/tests/mutants-equivalent.txt
# scratch copies outside the tree (the Makefile includes every build/**/*.d it finds)
work=$(mktemp -d "${TMPDIR:-/tmp}/payrun-mutants.XXXXXX") || exit 2
trap '[ -n "${MUTANTS_KEEP:-}" ] || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}

for f in $files; do
    [ -f "$f" ] || { echo "mutants: no file $f"; exit 2; }
done

# ---- the mutants ----
# shellcheck disable=SC2086
awk -f tests/mutants.awk $files > "$work/all.tsv" 2> "$work/gen.log" || { cat "$work/gen.log"; exit 2; }
all=$(wc -l < "$work/all.tsv")
if [ -n "${MUTANTS_RERUN:-}" ]; then
    # only the survivors of an earlier run (its build/mutants-results.tsv), where they still are
    awk -F '\t' 'NR == FNR { if ($1 == "survived") want[$2 FS $3 FS $4 FS $5] = 1; next }
                 ($1 FS $2 FS $6 FS $7) in want' "$MUTANTS_RERUN" "$work/all.tsv" > "$work/list.tsv"
elif [ "$limit" -gt 0 ] && [ "$limit" -lt "$all" ]; then
    # an even spread over the list: mutant i is taken when floor(i*limit/all) steps up
    awk -v n="$all" -v k="$limit" '{ if (int(NR * k / n) > int((NR - 1) * k / n)) print }' \
        "$work/all.tsv" > "$work/list.tsv"
else
    cp "$work/all.tsv" "$work/list.tsv"
fi
nlist=$(wc -l < "$work/list.tsv")
echo "mutants: $nlist of $all mutants of $(echo $files | wc -w) file(s) ($(cat "$work/gen.log")); $jobs workers"

# ---- one worker: its own copy of the tree, built once ----
setup_worker() {
    w=$work/w$1
    mkdir -p "$w/orig"
    cp -r engine formats cli tests fixtures bench Makefile "$w/"
    rm -rf "$w/tests/out"
    for f in $files; do mkdir -p "$w/orig/$(dirname "$f")"; cp -p "$f" "$w/orig/$f"; done
    if ! CFLAGS="$cflags" make -s -C "$w" BUILD=build payrun build/unit_tests build/check_invariants \
        > "$w/build.log" 2>&1; then
        echo "mutants: the unmutated scratch tree does not build:"; tail -20 "$w/build.log"; return 1
    fi
    # the objects of the files to mutate, as built from the unmutated sources
    for f in $files; do cp -p "$w/build/${f%.c}.o" "$w/orig/${f%.c}.o"; done
}

# Runs the fast tests in worker dir $1; 0 when they pass.
fast_tests() {
    (cd "$1" && UNIT_SUITES=$suites timeout "$tmo" build/unit_tests > "$1/test.log" 2>&1 &&
        SCENARIOS_FAST=1 TMPDIR=$shm timeout "$tmo" sh tests/run_scenarios.sh >> "$1/test.log" 2>&1)
}

# Worker $1 of $jobs: mutants number $1, $1 + jobs, ... of the list.
run_worker() {
    w=$work/w$1
    : > "$w/results.tsv"
    awk -v k="$1" -v j="$jobs" 'NR % j == k % j' "$work/list.tsv" > "$w/mine.tsv"
    while IFS='	' read -r file line col len repl ofrag mfrag; do
        start=$(date +%s.%N)
        awk -v L="$line" -v C="$col" -v N="$len" -v R="$repl" \
            'NR == L { $0 = substr($0, 1, C - 1) R substr($0, C + N) } { print }' \
            "$w/orig/$file" > "$w/$file"
        if ! CFLAGS="$cflags" make -s -C "$w" BUILD=build payrun build/unit_tests build/check_invariants \
            > "$w/make.log" 2>&1; then
            status=notviable
        elif fast_tests "$w"; then
            status=survived
        else
            status=killed
        fi
        # back to the unmutated source and object (their old times: nothing else rebuilds)
        cp -p "$w/orig/$file" "$w/$file"
        cp -p "$w/orig/${file%.c}.o" "$w/build/${file%.c}.o"
        end=$(date +%s.%N)
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$status" "$file" "$line" "$ofrag" "$mfrag" \
            "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" >> "$w/results.tsv"
    done < "$w/mine.tsv"
}

t0=$(date +%s)
k=0
pids=""
while [ $k -lt "$jobs" ]; do
    setup_worker $k &
    pids="$pids $!"
    k=$((k + 1))
done
for p in $pids; do wait "$p" || exit 2; done
# the unmutated tree must pass its fast tests, or every mutant would look killed
fast_tests "$work/w0" || { echo "mutants: the fast tests fail on the unmutated tree:"; tail -20 "$work/w0/test.log"; exit 2; }
t1=$(date +%s)
k=0
while [ $k -lt "$jobs" ]; do
    run_worker $k &
    k=$((k + 1))
done
wait
t2=$(date +%s)

cat "$work"/w*/results.tsv | sort -t '	' -k2,2 -k3,3n > "$work/results.tsv"
killed=$(grep -c '^killed' "$work/results.tsv")
survived=$(grep -c '^survived' "$work/results.tsv")
notviable=$(grep -c '^notviable' "$work/results.tsv")
total=$((killed + survived))
pct=$(awk -v k="$killed" -v t="$total" 'BEGIN { if (t) printf "%.1f", 100 * k / t; else print "0.0" }')
undocumented=0
listed=0
# the equivalent mutants' entries without their line numbers: "file: original -> mutant"
sed -n 's/^\(engine\/[a-z_]*\.c\):[0-9]*: /\1: /p' "$equiv" 2>/dev/null > "$work/equiv.keys"
echo "survivors:"
while IFS='	' read -r status file line ofrag mfrag secs; do
    [ "$status" = survived ] || continue
    if grep -qxF -- "$file: $ofrag -> $mfrag" "$work/equiv.keys"; then
        mark=" (listed)"
        listed=$((listed + 1))
    else
        mark=""
        undocumented=$((undocumented + 1))
    fi
    echo "  $file:$line: $ofrag -> $mfrag$mark"
done < "$work/results.tsv"
tested=$((total + notviable))
per=$(awk -v s="$((t2 - t1))" -v n="$tested" -v j="$jobs" 'BEGIN { if (n) printf "%.1f", s * j / n; else print 0 }')
echo "mutants: killed $killed/$total = $pct% ($notviable not viable, not counted); $survived survived, $undocumented of them not in tests/mutants-equivalent.txt"
score=$(awk -v k="$killed" -v t="$((total - listed))" 'BEGIN { if (t) printf "%.1f", 100 * k / t; else print "0.0" }')
echo "mutants: without the $listed survivors listed in tests/mutants-equivalent.txt: killed $killed/$((total - listed)) = $score%"
echo "mutants: setup $((t1 - t0)) s, mutants $((t2 - t1)) s on $jobs workers: $per s per mutant per worker"
mkdir -p build && cp "$work/results.tsv" build/mutants-results.tsv
[ -n "${MUTANTS_KEEP:-}" ] && echo "mutants: scratch kept in $work; results in build/mutants-results.tsv"
[ "$undocumented" = 0 ]
exit
}
