#!/bin/sh
# commands.sh — payrun diff, whatif and explain; each deduction parameter moves exactly the paychecks it should.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL commands: $*"; fails=$((fails + 1)); }
ok() { echo "ok   commands: $*"; }

# the published overtime example: T1, 40:00 regular + 6:00 overtime at 19.00 (fixtures/scenarios/overtime-published-19)
sc=$top/fixtures/scenarios/overtime-published-19
data=$tmp/data
mkdir -p "$data"
cp "$top/fixtures/scenarios/_common/"*.csv "$data/"
cp "$sc/data/"*.csv "$data/"
ts=$sc/timesheets.csv

# --- whatif: SDI 1.3% -> 1.4% from 2026-01-01. By hand: base 931.00 (the crossing paycheck);
# 0.014 x 931.00 = 13.034 -> 13.03 against 12.10: sdi +0.93, net 847.68 -> 846.75.
sed 's/^sdi.rate,\*,2026-01-01,0.013,/sdi.rate,*,2026-01-01,0.014,/' "$data/parameters.csv" > "$tmp/sdi14.csv"
"$PAYRUN" whatif --data "$data" --params "$tmp/sdi14.csv" --run-date 2026-11-20 --csv "$tmp/sdi.csv" "$ts" > "$tmp/sdi.out"
printf '%s\n' "timesheet_id,county,column,old,new,delta" "T1,alameda,sdi,12.10,13.03,+0.93" \
    "T1,alameda,net,847.68,846.75,-0.93" > "$tmp/sdi.want"
if cmp -s "$tmp/sdi.csv" "$tmp/sdi.want" && grep -q "impact: 1 paychecks changed" "$tmp/sdi.out"; then
    ok "whatif SDI 1.3% -> 1.4%: sdi +0.93, net -0.93 (hand-computed)"
else
    fail "whatif SDI"; diff "$tmp/sdi.want" "$tmp/sdi.csv"; cat "$tmp/sdi.out"
fi

# --- whatif: alameda wage 19.00 -> 19.50 from 2026-01-01. By hand: regular 40:00 x 19.50 = 780.00 (+20.00);
# overtime rate 29.25, 6:00 x 29.25 = 175.50 (+4.50); gross 955.50 (+24.50); fica_ss 0.062 x 955.50 = 59.241
# -> 59.24 (+1.52); medicare 0.0145 x 955.50 = 13.85475 -> 13.85 (+0.35); sdi 0.013 x 955.50 = 12.4215 -> 12.42
# (+0.32); net 955.50 - 59.24 - 13.85 - 12.42 = 869.99 (+22.31).
sed 's/^wage.hourly,alameda,2026-01-01,19.00,/wage.hourly,alameda,2026-01-01,19.50,/' "$data/parameters.csv" > "$tmp/wage.csv"
"$PAYRUN" whatif --data "$data" --params "$tmp/wage.csv" --run-date 2026-11-20 --csv "$tmp/wage.delta" "$ts" > /dev/null
printf '%s\n' "timesheet_id,county,column,old,new,delta" "T1,alameda,regular_rate,19.00,19.50,+0.50" \
    "T1,alameda,overtime_rate,28.50,29.25,+0.75" "T1,alameda,regular_pay,760.00,780.00,+20.00" \
    "T1,alameda,overtime_pay,171.00,175.50,+4.50" "T1,alameda,gross,931.00,955.50,+24.50" \
    "T1,alameda,fica_ss,57.72,59.24,+1.52" "T1,alameda,fica_medicare,13.50,13.85,+0.35" \
    "T1,alameda,sdi,12.10,12.42,+0.32" "T1,alameda,net,847.68,869.99,+22.31" > "$tmp/wage.want"
cmp -s "$tmp/wage.delta" "$tmp/wage.want" && ok "whatif wage 19.00 -> 19.50: every column moved as computed by hand" ||
    { fail "whatif wage"; diff "$tmp/wage.want" "$tmp/wage.delta"; }

# --- diff: two runs (baseline and changed parameters) give the same impact as whatif; exit codes
mkdir -p "$tmp/data2"
cp "$data/"*.csv "$tmp/data2/"
cp "$tmp/wage.csv" "$tmp/data2/parameters.csv"
"$PAYRUN" run --data "$data" --out "$tmp/a" --run-date 2026-11-20 "$ts"
"$PAYRUN" run --data "$tmp/data2" --out "$tmp/b" --run-date 2026-11-20 "$ts"
"$PAYRUN" diff --quiet --csv "$tmp/diff.delta" "$tmp/a" "$tmp/b" > "$tmp/diff.out"
rc=$?
[ $rc = 1 ] && cmp -s "$tmp/diff.delta" "$tmp/wage.want" && ok "diff of two runs: exit 1, the same deltas as whatif" ||
    { fail "diff: exit $rc"; diff "$tmp/wage.want" "$tmp/diff.delta"; }
"$PAYRUN" diff --quiet "$tmp/a" "$tmp/a" > /dev/null
[ $? = 0 ] && ok "diff of a run with itself: exit 0" || fail "diff identical did not exit 0"
"$PAYRUN" diff "$tmp/a" "$tmp/nonexistent" > /dev/null 2>&1
[ $? = 2 ] && ok "diff with a missing directory: exit 2" || fail "diff trouble did not exit 2"
grep -q "total  .*+20.00 .*+4.50 .*+24.50" "$tmp/diff.out" && ok "diff summary shows gross +24.50" || fail "diff summary"

# exceptions gained and lost: authorized hours 200:00 -> 40:00 makes T1 OVER_AUTHORIZED (6:00 cut)
mkdir -p "$tmp/data3"
cp "$data/"*.csv "$tmp/data3/"
sed -i 's/^R1,2026-11,200:00,/R1,2026-11,40:00,/' "$tmp/data3/authorizations.csv"
"$PAYRUN" run --data "$tmp/data3" --out "$tmp/c" --run-date 2026-11-20 "$ts"
"$PAYRUN" diff --quiet "$tmp/a" "$tmp/c" > "$tmp/exc.out"
grep -q "OVER_AUTHORIZED  *+1 -0" "$tmp/exc.out" && grep -q "overtime_hours\|impact: 1 paychecks changed" "$tmp/exc.out" &&
    ok "diff counts OVER_AUTHORIZED gained" || { fail "diff exceptions gained"; cat "$tmp/exc.out"; }

# --- explain: the steps of T1 with the parameters and the arithmetic
"$PAYRUN" explain --data "$data" --run-date 2026-11-20 --timesheet T1 "$ts" > "$tmp/explain.out"
if grep -q "parameter wage.hourly = 19.00 (alameda, looked up on 2026-11-01; in force from 2026-01-01" "$tmp/explain.out" &&
    grep -q "overtime rate 19.00 x 1.5 = 28.50" "$tmp/explain.out" &&
    grep -q "regular pay round(19.00 x 40:00) = 760.00; overtime pay round(28.50 x 6:00) = 171.00; gross 931.00" "$tmp/explain.out" &&
    grep -q "2026-11-06: 8:00 paid; the provider's week of 2026-11-01 had 38:00 -> 2:00 regular, 6:00 overtime" "$tmp/explain.out" &&
    grep -q "14.3 sdi: quarter wages before 0.00; base 931.00 (crossing the threshold" "$tmp/explain.out" &&
    grep -q "=> paid: paycheck 1 of the run, gross 931.00, net 847.68" "$tmp/explain.out"; then
    ok "explain T1: parameters, overtime split by day, pay and deductions"
else
    fail "explain T1"; cat "$tmp/explain.out"
fi
"$PAYRUN" explain --data "$data" --run-date 2026-11-20 --timesheet NOPE "$ts" > /dev/null 2>&1
[ $? = 2 ] && ok "explain of an id not in the files: exit 2" || fail "explain NOPE did not exit 2"
"$PAYRUN" explain --data "$data" --run-date 2026-11-20 --timesheet T1 "$ts" "$ts" > "$tmp/explain2.out"
grep -q "=> DUPLICATE_TIMESHEET (reject" "$tmp/explain2.out" && ok "explain shows the second copy as DUPLICATE_TIMESHEET" ||
    fail "explain duplicate"

# --- each deduction parameter moves exactly the paychecks it should (demo data)
demo=$top/fixtures/demo
"$PAYRUN" run --data "$demo" --out "$tmp/base" --run-date 2026-12-04 "$demo/timesheets-2026-11.csv"
# ids of baseline paychecks whose column $1 is not 0.00
nonzero() {
    awk -F, -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next } $c != "0.00" { print $2 }' \
        "$tmp/base/paychecks.csv" | sort
}
sweep() {  # $1 parameter line prefix to replace, $2 replacement, $3 the deduction column it must move
    sed "s/^$1/$2/" "$demo/parameters.csv" > "$tmp/sweep.csv"
    cmp -s "$tmp/sweep.csv" "$demo/parameters.csv" && { fail "sweep $1: the parameter line was not found"; return; }
    "$PAYRUN" whatif --data "$demo" --params "$tmp/sweep.csv" --run-date 2026-12-04 --csv "$tmp/sweep.delta" \
        "$demo/timesheets-2026-11.csv" > /dev/null
    moved=$(awk -F, -v col="$3" 'NR > 1 && $3 == col { print $1 }' "$tmp/sweep.delta" | sort)
    others=$(awk -F, -v col="$3" 'NR > 1 && $3 != col && $3 != "net" && $3 != "share_of_cost" && $3 != "union_dues" &&
             $3 != "overpayment_recovery" { print $3 }' "$tmp/sweep.delta" | sort -u)
    want=$(nonzero "$3")
    if [ "$moved" = "$want" ] && [ -z "$others" ]; then
        ok "$1 -> $2: moves $3 on exactly the $(echo "$want" | grep -c .) paychecks that had it, and nothing before it"
    else
        fail "$1: moved $(echo "$moved" | grep -c .) paychecks, expected $(echo "$want" | grep -c .); other columns: $others"
    fi
}
sweep "fica.ss_rate,\*,2025-01-01,0.062," "fica.ss_rate,*,2025-01-01,0.063," fica_ss
sweep "fica.medicare_rate,\*,2025-01-01,0.0145," "fica.medicare_rate,*,2025-01-01,0.0155," fica_medicare
sweep "sdi.rate,\*,2026-01-01,0.013," "sdi.rate,*,2026-01-01,0.014," sdi
sweep "sdi.quarter_threshold,\*,2025-01-01,750.00," "sdi.quarter_threshold,*,2025-01-01,100000.00," sdi
sweep "union.hours_threshold,\*,2025-01-01,15:00," "union.hours_threshold,*,2025-01-01,999:00," union_dues

[ $fails = 0 ] && echo "commands: all passed" || { echo "commands: $fails failed"; exit 1; }
