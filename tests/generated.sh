#!/bin/sh
# generated.sh — SPEC §8 invariants 1-5 on generated data: N rows, run twice, outputs compared, invariants checked;
# income-tax withholding happens, and only under a withholding.csv row in force (tests/withholding_in_force.awk).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-100000}
PAYRUN=${PAYRUN:-$top/payrun}
CHECK=${CHECK_INVARIANTS:-$top/build/check_invariants}
GEN=${GEN:-$top/build/gen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" --out "$tmp/g" --providers $((rows / 5 + 10)) --rows "$rows" --seed 7
cd "$tmp/g"
"$PAYRUN" run --data data --out out1 --run-date 2026-12-04 timesheets.csv
"$PAYRUN" run --data data --out out2 --run-date 2026-12-04 timesheets.csv
for f in paychecks.csv exceptions.csv summary.json; do
    cmp -s "out1/$f" "out2/$f" || { echo "generated: invariant 5: $f differs between two runs" >&2; exit 1; }
done
"$CHECK" out1 timesheets.csv
# voluntary withholding (docs/rules.md §5.14.4-5): the generator's withholding.csv makes the night
# withhold both taxes, and only for providers whose row in force on the pay date asks for it
# (checked by an awk of its own over withholding.csv and paychecks.csv, not by payrun)
wh=$(awk -f "$top/tests/withholding_in_force.awk" data/withholding.csv out1/paychecks.csv) ||
    { echo "generated: $wh" >&2; exit 1; }
wh=$(echo "$wh" | tail -1)
nfed=$(echo "$wh" | sed -n 's/.* \([0-9]*\) with federal_income_tax.*/\1/p')
nstate=$(echo "$wh" | sed -n 's/.* \([0-9]*\) with state_income_tax.*/\1/p')
[ "${nfed:-0}" -gt 0 ] && [ "${nstate:-0}" -gt 0 ] ||
    { echo "generated: the night withholds too little: $wh" >&2; exit 1; }
# invariant 3 (net = gross - the eight deductions) sees the two income-tax columns: a cent more
# withheld on one paycheck, net unchanged, is reported
for col in federal_income_tax state_income_tax; do
    rm -rf outT
    cp -r out1 outT
    awk -F, -v OFS=, -v col="$col" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i }
        NR > 1 && !done && $k + 0 > 0 { $k = sprintf("%.2f", $k + 0.01); done = 1 } { print }' \
        out1/paychecks.csv > outT/paychecks.csv
    if "$CHECK" outT timesheets.csv 2> inv.err || ! grep -q 'net != gross - deductions' inv.err; then
        echo "generated: invariant 3 does not see a cent more of $col: $(head -3 inv.err)" >&2
        exit 1
    fi
done
gzip -c timesheets.csv > timesheets.csv.gz
"$PAYRUN" run --data data --out out3 --run-date 2026-12-04 --gzip timesheets.csv.gz
for f in paychecks.csv exceptions.csv; do
    gzip -dc "out3/$f.gz" | sed "s/timesheets\.csv\.gz/timesheets.csv/g" | cmp -s - "out1/$f" || { echo "generated: gzip input/output differ from plain: $f" >&2; exit 1; }
done
# the reader and writer threads (the default) and a single thread give the same bytes,
# plain and gzip, and the same ledger generation
"$PAYRUN" run --threads 1 --data data --out out4 --run-date 2026-12-04 timesheets.csv
"$PAYRUN" run --threads 1 --data data --out out5 --run-date 2026-12-04 --gzip timesheets.csv.gz
for f in paychecks.csv exceptions.csv summary.json; do
    cmp -s "out1/$f" "out4/$f" || { echo "generated: --threads 1 and 2 differ: $f" >&2; exit 1; }
done
"$PAYRUN" state init --state st1
"$PAYRUN" state init --state st2
"$PAYRUN" run --threads 1 --data data --state st1 --out out6 --run-date 2026-12-04 timesheets.csv
"$PAYRUN" run --threads 2 --data data --state st2 --out out7 --run-date 2026-12-04 timesheets.csv
"$PAYRUN" state init --state st3
PAYRUN_LEDGER_FORMAT=text "$PAYRUN" run --data data --state st3 --out out9 --run-date 2026-12-04 timesheets.csv
"$PAYRUN" state dump --state st1 > dump1
"$PAYRUN" state dump --state st2 > dump2
cmp -s dump1 st3/gen-000001/ledger.txt ||
    { echo "generated: state dump of the binary checkpoint differs from the text ledger.txt" >&2; exit 1; }
cmp -s dump1 dump2 ||
    { echo "generated: --threads 1 and 2 commit different ledgers" >&2; exit 1; }
# the same file again on that state, on the next day (a ledger of several megabytes
# read back in blocks): nothing is paid twice and the new generation holds the same
# counters (on the same day it is the same night: exit 0, nothing touched)
"$PAYRUN" run --data data --state st2 --out out8 --run-date 2026-12-05 timesheets.csv
if [ "$(wc -l < out8/paychecks.csv)" -ne 1 ]; then
    echo "generated: the rerun on the state paid $(($(wc -l < out8/paychecks.csv) - 1)) timesheets again" >&2
    exit 1
fi
"$PAYRUN" state dump --state st2 --generation 1 | grep -v '^generation \|^crc32 ' > ledger1
"$PAYRUN" state dump --state st2 --generation 2 | grep -v '^generation \|^crc32 ' > ledger2
[ -f st2/gen-000002/delta.bin ] || { echo "generated: the rerun's generation is not a delta" >&2; exit 1; }
[ "$(stat -c %s st2/gen-000002/delta.bin)" -lt 4096 ] ||
    { echo "generated: the delta of a night that paid nothing holds $(stat -c %s st2/gen-000002/delta.bin) bytes" >&2; exit 1; }
if ! cmp -s ledger1 ledger2; then
    echo "generated: the rerun changed the ledger" >&2
    exit 1
fi
for f in paychecks.csv.gz exceptions.csv.gz summary.json; do
    cmp -s "out3/$f" "out5/$f" || { echo "generated: gzip input, --threads 1 and 2 differ: $f" >&2; exit 1; }
done
echo "generated: $rows rows: invariants 1-5 hold, gzip in/out equal to plain, one thread = two (outputs and ledger), a rerun on the state pays nothing"
echo "generated: ${wh#withholding_in_force: }: withheld only under a row in force; invariant 3 covers both columns"
