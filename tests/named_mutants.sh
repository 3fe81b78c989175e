#!/bin/sh
# named_mutants.sh — the four wrong boundaries named in issue 15 stay killed (make named-mutants).
#
# Each is applied by sed to a scratch copy of the tree (never the working files), the unit
# tests are rebuilt and the boundary suite is run: it must fail. A pattern that no longer
# matches the source (the code was rewritten) is a failure too: update the pattern here.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/payrun-named.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$top" && cp -r engine formats cli tests fixtures bench Makefile "$work/" || exit 2
cd "$work" || exit 2
build() { CFLAGS=-O1 make -s build/unit_tests > "$work/make.log" 2>&1; }
build || { echo "named-mutants: the unmutated tree does not build"; tail "$work/make.log"; exit 2; }
UNIT_SUITES=boundaries build/unit_tests > "$work/test.log" 2>&1 ||
    { echo "named-mutants: the boundary suite fails on the unmutated tree"; exit 2; }
failed=0

# mutant FILE SED-EXPRESSION LABEL
mutant() {
    cp -p "$1" "$work/orig.c"
    sed "$2" "$work/orig.c" > "$1"
    if cmp -s "$work/orig.c" "$1"; then
        echo "FAIL $3: the pattern no longer matches $1"; failed=$((failed + 1))
    elif ! build; then
        echo "FAIL $3: the mutant does not compile"; tail -5 "$work/make.log"; failed=$((failed + 1))
    elif UNIT_SUITES=boundaries build/unit_tests > "$work/test.log" 2>&1; then
        echo "FAIL $3: survives (the boundary suite passes)"; failed=$((failed + 1))
    else
        echo "ok   $3: killed by $(grep -cE '^ +[0-9]+\. tests/test_boundaries.c' "$work/test.log") failed assertion(s), first:"
        grep -E '^ +1\. tests/test_boundaries.c' "$work/test.log" | head -1 | sed 's/^ */       /'
    fi
    cp "$work/orig.c" "$1" && touch "$1"
}

mutant engine/deduct.c 's/c->s->period_end) < 18)/c->s->period_end) <= 18)/' \
    "parent FICA exemption age < 18 -> <= 18"
mutant engine/deduct.c 's/clamp0(ceiling->value - py->sdi_taxed)/clamp0(ceiling->value - pq->sdi_taxed)/' \
    "SDI ceiling less the quarter's taxed wages instead of the year's"
mutant engine/rules.c 's/int exc = c->rcp->severely_impaired && c->rcp->bups_exception;/int exc = c->rcp->bups_exception;/' \
    "BUPS 160-hour exception without the severely-impaired condition"
mutant engine/rules.c 's/    if (days > left) {/    if (days > left + 60) {/' \
    "writ policy limit loosened by an hour"
[ $failed = 0 ] && echo "named-mutants: all 4 killed" || { echo "named-mutants: $failed not killed"; exit 1; }
