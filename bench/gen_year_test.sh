#!/bin/sh
# gen_year_test.sh — `make bench-year-test`: bench/gen.c --year on a small year. The same seed gives
# the same bytes; every night's data is valid (payrun check, exit 0); consecutive nights' masters
# differ by about 0.5% of their rows; the nights paid in order on one state all exit 0, pay most
# rows, pay every catch_up timesheet and never see a period paid twice; the last night is 1,000 rows;
# every night withholds only for the providers whose withholding.csv row in force asks for it, and the
# year withholds both taxes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
GEN=${GEN:-$top/build/gen}
providers=${1:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gen_year_test: $*" >&2; exit 1; }

"$GEN" --year --out "$tmp/a" --providers "$providers" --seed 5 > "$tmp/a.log"
"$GEN" --year --out "$tmp/b" --providers "$providers" --seed 5 > "$tmp/b.log"
"$GEN" --year --out "$tmp/c" --providers "$providers" --seed 6 > /dev/null
diff -r "$tmp/a" "$tmp/b" > /dev/null || fail "the same seed gave different files"
cmp -s "$tmp/a/night-05/timesheets.csv" "$tmp/c/night-05/timesheets.csv" && fail "another seed gave the same timesheets"
"$GEN" --year --out "$tmp/bad" --nights 1 > /dev/null 2>&1 && fail "--nights 1 accepted"

cd "$tmp/a"
[ "$(wc -l < nights.txt)" = 25 ] || fail "nights.txt: $(wc -l < nights.txt) lines, expected 25"
[ "$(sed -n 1p nights.txt)" = "night-01 2026-01-19 night-01/data night-01/timesheets.csv" ] ||
    fail "nights.txt line 1: $(sed -n 1p nights.txt)"
[ "$(sed -n 2p nights.txt | cut -d' ' -f2)" = 2026-02-04 ] || fail "night-02 is not run on 2026-02-04"
[ "$(sed -n 25p nights.txt)" = "last 2027-01-19 night-24/data last/timesheets.csv" ] ||
    fail "nights.txt line 25: $(sed -n 25p nights.txt)"
[ "$(($(wc -l < last/timesheets.csv) - 1))" = 1000 ] || fail "last/timesheets.csv is not 1,000 rows"

masters="providers recipients authorizations assignments overpayments"
prev="" fed=0 state=0 wh_nights=""
"$PAYRUN" state init --state st
while read -r name date data ts; do
    "$PAYRUN" check --data "$data" --run-date "$date" "$ts" > check.out 2>&1 ||
        fail "$name: payrun check exit $?: $(grep -v '^ ' check.out | head -3)"
    if [ "$name" != last ]; then
        cur=$(dirname "$data")
        if [ -n "$prev" ]; then
            changed=0 total=0
            for f in $masters; do
                sort "$prev/data/$f.csv" > before.tmp
                sort "$cur/data/$f.csv" > after.tmp
                changed=$((changed + $(comm -13 before.tmp after.tmp | wc -l)))
                total=$((total + $(wc -l < "$prev/data/$f.csv") - 1))
            done
            # about 0.5%: between 0.3% and 0.8%
            [ $((changed * 1000)) -ge $((total * 3)) ] && [ $((changed * 1000)) -le $((total * 8)) ] ||
                fail "$cur: $changed of $total master rows new or changed since $prev"
        fi
        prev=$cur
    fi
    "$PAYRUN" run --data "$data" --state st --out "out-$name" --run-date "$date" "$ts" ||
        fail "$name: payrun run exit $?"
    rows=$(sed -n 's/^ *"rows_read": \([0-9]*\).*/\1/p' "out-$name/summary.json")
    paid=$(sed -n 's/^ *"paid": \([0-9]*\),$/\1/p' "out-$name/summary.json" | head -1)
    [ $((paid * 100)) -ge $((rows * 85)) ] || fail "$name: $paid of $rows rows paid"
    grep -q DUPLICATE_PERIOD "out-$name/exceptions.csv" && fail "$name: a period paid twice"
    cu=$(grep -c ',catch_up,' "$ts" || true)
    cu_paid=$(grep -c ',catch_up,' "out-$name/paychecks.csv" || true)
    [ "$cu_paid" -ge $((cu * 9 / 10)) ] || fail "$name: $cu_paid of $cu catch_up timesheets paid"
    # withholding.csv: only a provider whose row in force on the night's run date asks for it has tax withheld
    wh=$(awk -f "$top/tests/withholding_in_force.awk" "$data/withholding.csv" "out-$name/paychecks.csv") ||
        fail "$name: $wh"
    wh=$(echo "$wh" | tail -1)
    f=$(echo "$wh" | sed -n 's/.* \([0-9]*\) with federal_income_tax.*/\1/p')
    s=$(echo "$wh" | sed -n 's/.* \([0-9]*\) with state_income_tax.*/\1/p')
    f=${f:-0} s=${s:-0}
    fed=$((fed + f)) state=$((state + s)) wh_nights="$wh_nights $((f + s))"
done < nights.txt
[ "$fed" -gt 0 ] && [ "$state" -gt 0 ] || fail "the year withheld on $fed paychecks federal, $state state"
[ "$(ls -d st/gen-* | wc -l)" = 25 ] || fail "not 25 generations"
echo "gen_year_test: $providers providers: 24 nights and the last: the same bytes for one seed, valid data," \
    "about 0.5% of the masters changed a night, paid in order on one state (most rows paid, catch_up ones too);" \
    "$fed paychecks withheld federal and $state state tax, only under a row in force (by night:$wh_nights)"
