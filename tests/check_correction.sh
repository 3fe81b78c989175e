#!/bin/sh
# check_correction.sh OUT — the invariants of a correction's outputs (SPEC §7b, docs/corrections.md) that hold
# whatever was corrected: each adjustment with a negative net is one overpayment of balance -net, each other one
# is one adjustment paycheck of kind adjustment with the same hours and amounts (but what step 14.6 recovered,
# which moves from net to overpayment_recovery), in adjustment order; summary.json's totals are the column sums
# of adjustments.csv; every adjustment carries the reason of summary.json. Exit 0 when they hold, 1 (saying
# which) when not. The column sums against an independent replay are checked by tests/correct.sh.
set -u
out=$1
sumfile=$(mktemp)
trap 'rm -f "$sumfile"' EXIT
fail() { echo "check_correction: $out: $*" >&2; exit 1; }
for f in adjustments.csv overpayments.csv paychecks.csv summary.json; do
    [ -f "$out/$f" ] || fail "no $f"
done
# money and hours as whole cents and minutes, signed
awk -F, -v sf="$sumfile" '
    function v(s,   neg, p) { neg = s ~ /^-/; sub(/^-/, "", s)
        if (s ~ /:/) { split(s, p, ":"); s = p[1] * 60 + p[2] } else { split(s, p, "."); s = p[1] * 100 + p[2] }
        return neg ? -s : s }
    FILENAME ~ /adjustments.csv$/ && FNR > 1 {
        n++; id[n] = $1; ts[n] = $2; net[n] = v($22); rec[n] = v($19)
        for (c = 8; c <= 22; c++) { sum[c] += v($c); val[n, c] = v($c) }
        if (reason == "") reason = $23; else if ($23 != reason) bad = bad "; two reasons"
        next }
    FILENAME ~ /overpayments.csv$/ && FNR > 1 { o++; oid[o] = $1; obal[o] = v($3); oadj[o] = $5; next }
    FILENAME ~ /paychecks.csv$/ && FNR > 1 { p++; pts[p] = $2; pkind[p] = $7
        for (c = 9; c <= 25; c++) pv[p, c] = v($c); next }
    END {
        k = 0; q = 0
        for (i = 1; i <= n; i++) {
            if (net[i] < 0) {
                k++
                if (oid[k] != id[i] || oadj[k] != id[i] || obal[k] != -net[i])
                    bad = bad "; adjustment " id[i] " is not overpayment " k
            } else {
                q++
                # paychecks.csv: hours 9-10, rates 11-12, regular_pay..net 13-25; adjustments: hours 8-9, money 10-22
                # (overpayment_recovery 19 <-> 22 differs by what the paycheck took; federal and state
                # income tax 20-21 <-> 23-24)
                same = pts[q] == ts[i] && pkind[q] == "adjustment" && pv[q, 9] == val[i, 8] && pv[q, 10] == val[i, 9]
                for (c = 10; c <= 21; c++) if (c != 19) same = same && pv[q, c + 3] == val[i, c]
                taken = pv[q, 22] - val[i, 19]
                same = same && taken >= 0 && pv[q, 25] == val[i, 22] - taken
                if (!same) bad = bad "; adjustment " id[i] " is not paycheck " q
            }
        }
        if (k != o) bad = bad "; " o " overpayments for " k " negative nets"
        if (q != p) bad = bad "; " p " paychecks for " q " other adjustments"
        for (c = 8; c <= 22; c++) printf "%d ", sum[c] > sf
        if (bad != "") { print substr(bad, 3) > "/dev/stderr"; exit 1 }
    }' "$out/adjustments.csv" "$out/overpayments.csv" "$out/paychecks.csv" || fail "the split into overpayments and paychecks"
sums=$(cat "$sumfile")
# summary.json's totals line, in the order of the columns
tot=$(sed -n 's/^  "totals": {"adjustments": [0-9]*, \(.*\)},$/\1/p' "$out/summary.json" |
    awk -F'", "' '{ for (i = 1; i <= NF; i++) { s = $i; sub(/^"?[a-z_]*": "/, "", s); sub(/"$/, "", s)
        neg = s ~ /^-/; sub(/^-/, "", s)
        if (s ~ /:/) { split(s, p, ":"); x = p[1] * 60 + p[2] } else { split(s, p, "."); x = p[1] * 100 + p[2] }
        printf "%d ", neg ? -x : x } }')
[ "$tot" = "$sums" ] || fail "summary.json totals ($tot) are not the column sums of adjustments.csv ($sums)"
exit 0
