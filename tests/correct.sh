#!/bin/sh
# correct.sh — payrun correct (SPEC §7b, docs/corrections.md): what it refuses, a dry run commits nothing, the
# same correction twice commits once, unchanged data adjusts nothing, --params, a corrected timesheet row and one
# that matches nothing, and the invariant that each column of adjustments.csv sums to the replayed nights' totals
# minus the paid ones — the replayed totals made independently, by paying the same nights with the corrected data
# in a fresh state — on the demo and on generated data with a changed wage and a changed dues scale; payrun diff of
# two corrections.
set -u
suite=correct
. "$(dirname "$0")/shlib.sh"
demo=$top/fixtures/demo
cd "$tmp" || exit 2

# column sums (minutes, cents) of the hours and money columns of the CSV files given, one "name value" a line
colsums() {
    awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        function v(s,   neg, p) { neg = s ~ /^-/; sub(/^-/, "", s)
            if (s ~ /:/) { split(s, p, ":"); s = p[1] * 60 + p[2] } else { split(s, p, "."); s = p[1] * 100 + p[2] }
            return neg ? -s : s }
        { for (k = 1; k <= n; k++) sum[k] += v($(col[name[k]])) }
        BEGIN { n = split("regular_hours overtime_hours regular_pay overtime_pay differential_pay gross fica_ss " \
                          "fica_medicare sdi share_of_cost union_dues overpayment_recovery net", name, " ") }
        END { for (k = 1; k <= n; k++) printf "%s %d\n", name[k], sum[k] }' "$@"
}
# the replayed minus the paid sums: colsums of $1 (replayed files, space separated) minus those of $2
delta_sums() {
    # shellcheck disable=SC2086
    colsums $1 > d.new
    # shellcheck disable=SC2086
    colsums $2 > d.old
    paste -d' ' d.new d.old | awk '{ printf "%s %d\n", $1, $2 - $4 }'
}
gens() { ls -d "$1"/gen-* 2>/dev/null | wc -l; }

# --- the demo's November timesheets paid in two nights
mkdir data
cp "$demo"/*.csv data/
rm data/timesheets-2026-11.csv
ts=$demo/timesheets-2026-11.csv
{ head -1 "$ts"; sed -n '2,20p' "$ts"; } > n1.csv
{ head -1 "$ts"; sed -n '21,$p' "$ts"; } > n2.csv
night() {   # night STATE DATA OUT DATE FILE
    "$PAYRUN" run --data "$2" --state "$1" --out "$3" --run-date "$4" "$5" || fail "payrun run $5 on $1: exit $?"
}
"$PAYRUN" state init --state S > /dev/null
night S data o1 2026-12-04 n1.csv
night S data o2 2026-12-07 n2.csv
cp -r S S.before
# the correction: fresno's wage from 2026-11-16 is 19.60, not 18.35
cp -r data fixed
sed -i 's/^\(wage.hourly,fresno,2026-11-16\),18.35,/\1,19.60,/' fixed/parameters.csv
grep -q '^wage.hourly,fresno,2026-11-16,19.60,' fixed/parameters.csv || fail "the test's wage change did not apply"
correct() { "$PAYRUN" correct --data fixed --state S --from-generation 0 --reason "Fresno wage 19.60" "$@"; }

# --- refused, nothing written
correct --out r1 --run-date 2026-12-10 --params fixed/parameters.csv 2> err
rc=$?
[ $rc = 1 ] && [ ! -e r1 ] && grep -q "dry-run" err && ok "--params without --dry-run: exit 1, nothing written" ||
    fail "--params without --dry-run: exit $rc: $(cat err)"
"$PAYRUN" correct --data fixed --state S --from-generation 0 --out r2 --run-date 2026-12-10 2> err
rc=$?
[ $rc = 1 ] && [ ! -e r2 ] && ok "no --reason: exit 1" || fail "no --reason: exit $rc"
"$PAYRUN" correct --data fixed --state S --out r2 --run-date 2026-12-10 --reason x 2> err
rc=$?
[ $rc = 1 ] && [ ! -e r2 ] && ok "no --from-generation: exit 1" || fail "no --from-generation: exit $rc"
"$PAYRUN" correct --data fixed --state S --from-generation 3 --out r2 --run-date 2026-12-10 --reason x 2> err
rc=$?
[ $rc = 1 ] && [ ! -e r2 ] && ok "--from-generation past the newest: exit 1" || fail "--from-generation 3: exit $rc"
correct --out r3 --run-date 2026-12-06 2> err
rc=$?
[ $rc = 2 ] && [ ! -e r3 ] && [ "$(gens S)" = 2 ] && ok "a run date before the newest generation's: exit 2, nothing written" ||
    fail "run date 2026-12-06: exit $rc, $(gens S) generations: $(cat err)"
correct --out r4 --run-date 2027-01-05 2> err
rc=$?
[ $rc = 1 ] && [ ! -e r4 ] && grep -q "year" err && [ "$(gens S)" = 2 ] &&
    ok "a replay across a year end (nights of 2026, correction of 2027): exit 1, nothing written" ||
    fail "year end: exit $rc: $(cat err)"

# --- unchanged data: no adjustment, nothing committed
"$PAYRUN" correct --data data --state S --from-generation 0 --out u1 --run-date 2026-12-10 --reason same 2> err
rc=$?
[ $rc = 0 ] && [ "$(wc -l < u1/adjustments.csv)" = 1 ] && [ "$(wc -l < u1/paychecks.csv)" = 1 ] &&
    [ "$(wc -l < u1/overpayments.csv)" = 1 ] && [ "$(gens S)" = 2 ] &&
    ok "unchanged data: no adjustment, no paycheck, nothing committed" || fail "unchanged data: exit $rc: $(cat err)"

# --- a dry run: the outputs, nothing committed
correct --out dry --run-date 2026-12-10 --dry-run 2> err
rc=$?
adj=$(($(wc -l < dry/adjustments.csv) - 1))
[ $rc = 0 ] && [ "$adj" -gt 0 ] && [ "$(gens S)" = 2 ] && grep -q '"dry_run": true' dry/summary.json &&
    grep -q '"committed_generation": null' dry/summary.json &&
    ok "dry run: $adj adjustments written, nothing committed" || fail "dry run: exit $rc, $adj adjustments: $(cat err)"
# every adjustment is fresno's, upward, and its reason is the one given
bad=$(awk -F, 'NR > 1 && ($6 != "fresno" || $13 !~ /^[0-9]/ || $13 == "0.00" || $23 != "Fresno wage 19.60")' \
    dry/adjustments.csv | wc -l)
[ "$bad" = 0 ] && ok "dry run: every adjustment is fresno's, gross up, with the reason" ||
    fail "dry run: $bad adjustments that are not fresno's, or not up, or without the reason"

# --- the invariant: replayed minus paid, the replay made independently in a fresh state
"$PAYRUN" state init --state R > /dev/null
night R fixed p1 2026-12-04 n1.csv
night R fixed p2 2026-12-07 n2.csv
delta_sums "p1/paychecks.csv p2/paychecks.csv" "o1/paychecks.csv o2/paychecks.csv" > want
colsums dry/adjustments.csv > got
cmp -s want got && ok "each column of adjustments.csv sums to the replayed totals minus the paid ones" ||
    fail "column sums: $(diff want got | tr '\n' ' ')"

# --- --params on a dry run: the same correction as the data directory's
grep '^wage.hourly,fresno,2026-11-16,' fixed/parameters.csv | sed '1i parameter,scope,effective_from,value,reference' > p.csv
"$PAYRUN" correct --data data --state S --from-generation 0 --out dryp --run-date 2026-12-10 --reason "Fresno wage 19.60" \
    --dry-run --params p.csv 2> err
rc=$?
[ $rc = 0 ] && cmp -s dry/adjustments.csv dryp/adjustments.csv &&
    ok "--dry-run --params FILE: the same adjustments as the data directory's change" ||
    fail "--params: exit $rc: $(diff dry/adjustments.csv dryp/adjustments.csv | head -3)"

# --- payrun diff of two corrections compares their adjustments.csv, the negative ones too. A wage cut to 17.35
# instead (a dry run): T-2611B-0010, 36:00 paid at 18.35, is 36 x -1.00 = -36.00 gross instead of 36 x 1.25 = +45.00,
# a change of -81.00; every timesheet the raise adjusted is adjusted by the cut too (none added or removed).
sed 's/,19.60,/,17.35,/' p.csv > cut.csv
"$PAYRUN" correct --data data --state S --from-generation 0 --out dryc --run-date 2026-12-10 --reason "cut" \
    --dry-run --params cut.csv 2> err || fail "dry run of the cut: exit $?: $(cat err)"
"$PAYRUN" diff --csv dd.csv dry dryc > dd.out 2> err
rc=$?
n=$(($(wc -l < dry/adjustments.csv) - 1))
[ $rc = 1 ] && grep -q "^impact: $n adjustments changed, 0 added, 0 removed, 0 unchanged$" dd.out &&
    grep -q '^T-2611B-0010,fresno,gross,45.00,-36.00,-81.00$' dd.csv &&
    ok "diff of two corrections: $n adjustments changed, T-2611B-0010 gross 45.00 -> -36.00 (-81.00)" ||
    fail "diff of two corrections: exit $rc: $(head -3 dd.out) $(cat err)"
# the total gross row is the column sums' difference (awk over the two files, not the program)
want=$(awk -F, 'FNR > 1 { split($13, p, "."); v = (p[1] ~ /^-/ ? -1 : 1) * (substr(p[1], 1 + (p[1] ~ /^-/)) * 100 + p[2])
                          s += (FILENAME ~ /dryc/ ? v : -v) }
                END { printf "%s%d.%02d", s < 0 ? "-" : "+", (s < 0 ? -s : s) / 100, (s < 0 ? -s : s) % 100 }' \
    dry/adjustments.csv dryc/adjustments.csv)
awk '$1 == "total" { print $5 }' dd.out | grep -qx -- "$want" && ok "diff of two corrections: total gross delta $want" ||
    fail "diff of two corrections: total gross $(awk '$1 == "total" { print $5 }' dd.out), want $want"
"$PAYRUN" diff --quiet u1 dry > du.out
rc=$?
[ $rc = 1 ] && grep -q "^impact: 0 adjustments changed, $n added, 0 removed" du.out &&
    ok "diff of an empty correction with one: $n adjustments added" || fail "diff u1 dry: exit $rc: $(head -1 du.out)"
"$PAYRUN" diff --quiet dry dry > /dev/null
[ $? = 0 ] && ok "diff of a correction with itself: exit 0" || fail "diff dry dry: not 0"
"$PAYRUN" diff dry o1 > /dev/null 2> err
rc=$?
[ $rc = 2 ] && grep -q "holds a correction's outputs" err && ok "diff of a correction with a night: exit 2, said why" ||
    fail "diff dry o1: exit $rc: $(cat err)"

# --- an I/O error at each fault point of a correction (the replay's nights reach them too), then the same
# command again: never a generation half made, never two; the retry publishes or makes the same outputs
cp -r S.before L
points=$(PAYRUN_FAIL_AT=list "$PAYRUN" correct --data fixed --state L --from-generation 0 --out fl \
    --run-date 2026-12-10 --reason "Fresno wage 19.60" 2>&1 >/dev/null | sed -n 's/^payrun: fault point //p' | sort -u)
rm -rf fl L
[ -n "$points" ] || fail "PAYRUN_FAIL_AT=list names no fault point of a correction"
bad=0 tried=0
for p in $points; do
    rm -rf F fo
    cp -r S.before F
    PAYRUN_FAIL_AT=$p "$PAYRUN" correct --data fixed --state F --from-generation 0 --out fo --run-date 2026-12-10 \
        --reason "Fresno wage 19.60" 2> ferr
    rc=$?
    tried=$((tried + 1))
    n=$(gens F)
    if [ $rc != 4 ] || { [ "$n" != 2 ] && [ "$n" != 3 ]; }; then
        bad=$((bad + 1)); echo "  $p: exit $rc, $n generations: $(cat ferr)"; continue
    fi
    "$PAYRUN" correct --data fixed --state F --from-generation 0 --out fo --run-date 2026-12-10 \
        --reason "Fresno wage 19.60" 2> ferr
    rc=$?
    if [ $rc != 0 ] || [ "$(gens F)" != 3 ] || ! cmp -s fo/adjustments.csv dry/adjustments.csv ||
        ! "$PAYRUN" state verify --state F > /dev/null 2>&1; then
        bad=$((bad + 1)); echo "  $p: the retry: exit $rc, $(gens F) generations: $(cat ferr)"
    fi
done
[ $bad = 0 ] && ok "an I/O error at each of $tried fault points: exit 4, then the same command: one generation, the same adjustments" ||
    fail "$bad of $tried fault points"

# --- committed once
correct --out c1 --run-date 2026-12-10 2> err
rc=$?
[ $rc = 0 ] && [ "$(gens S)" = 3 ] && cmp -s dry/adjustments.csv c1/adjustments.csv &&
    grep -q '^correct_from 0$' S/gen-000003/manifest.txt && grep -q '"committed_generation": 3' c1/summary.json &&
    ok "committed as generation 3, the same adjustments as the dry run" || fail "commit: exit $rc: $(cat err)"
correct --out c2 --run-date 2026-12-10 --verbose 2> err
rc=$?
[ $rc = 0 ] && [ ! -e c2 ] && [ "$(gens S)" = 3 ] && grep -q "generation 3 already committed" err &&
    ok "the same correction again: exit 0, nothing written, generation 3 named with --verbose" ||
    fail "again: exit $rc, $(gens S) generations: $(cat err)"
"$PAYRUN" state verify --state S > /dev/null 2> err && ok "state verify: healthy after the correction" ||
    fail "state verify: $(cat err)"
# the adjustment paychecks are kept in the archive like a night's
"$PAYRUN" state paychecks --state S --generation 3 > kept.csv
cmp -s kept.csv c1/paychecks.csv && ok "state paychecks writes the correction's paychecks again byte for byte" ||
    fail "state paychecks of the correction differs"
# explain of a corrected timesheet: the paid, the adjustment and the corrected total side by side; the corrected
# total is what the step-by-step explanation of the night replayed with the corrected data pays
"$PAYRUN" explain --data fixed --state S --from-generation 1 --run-date 2026-12-07 --timesheet T-2611B-0010 n2.csv \
    > explain.txt 2> err
id=$(awk -F, '$2 == "T-2611B-0010" { print $1 }' c1/adjustments.csv)
paid_net=$(awk -F, '$2 == "T-2611B-0010" { print $25 }' o2/paychecks.csv)
adj_net=$(awk -F, '$2 == "T-2611B-0010" { print $22 }' c1/adjustments.csv)
want=$(awk -v a="$paid_net" -v b="$adj_net" 'BEGIN { printf "%.2f", a + b }')
grep -q "^=> paid: .* net $want\$" explain.txt && grep -q "^column  *paid  *$id  *corrected\$" explain.txt &&
    grep -q "^net  *$paid_net  *$adj_net  *$want\$" explain.txt &&
    ok "explain: paid $paid_net + $id $adj_net = corrected $want, the replay's net" ||
    fail "explain of a corrected timesheet: $(tail -16 explain.txt)"
# the next night stands on the correction: it pays the rest as before (the wage counters are the replayed ones)
{ head -1 "$ts"; } > n3.csv
night S fixed o3 2026-12-14 n3.csv
[ "$(gens S)" = 4 ] && ok "a night after the correction commits on it" || fail "night after: $(gens S) generations"

# --- a second correction over the first, from generation 0 again: alameda's wage too. What was paid is the
# nights' paychecks plus the first correction's adjustments; the replay is the three nights paid afresh with both
# changes; the first correction's change set survives (fresno's rows change no more)
cp -r fixed fixed2
awk -F, -v OFS=, '$1 == "wage.hourly" && $2 == "alameda" { sub(/\.[0-9]+$/, ".44", $4) } { print }' \
    fixed/parameters.csv > fixed2/parameters.csv
"$PAYRUN" correct --data fixed2 --state S --from-generation 0 --out c3 --run-date 2026-12-15 --reason "Alameda wage" \
    2> err || fail "second correction: exit $?: $(cat err)"
"$PAYRUN" state init --state R2 > /dev/null
night R2 fixed2 q1 2026-12-04 n1.csv
night R2 fixed2 q2 2026-12-07 n2.csv
night R2 fixed2 q3 2026-12-14 n3.csv
delta_sums "q1/paychecks.csv q2/paychecks.csv q3/paychecks.csv" "o1/paychecks.csv o2/paychecks.csv o3/paychecks.csv c1/adjustments.csv" > want
colsums c3/adjustments.csv > got
fresno=$(awk -F, 'NR > 1 && $6 == "fresno"' c3/adjustments.csv | wc -l)
[ "$fresno" = 0 ] && [ "$(($(wc -l < c3/adjustments.csv) - 1))" -gt 0 ] && cmp -s want got &&
    ok "a second correction over the first: no fresno row, column sums = replayed - (paid + the first's adjustments)" ||
    fail "second correction: $fresno fresno rows; sums: $(diff want got | tr '\n' ' ')"

# --- over a correction whose adjustment paycheck recovered part of its own overpayments: R2007's November
# authorization lowered to 20:00 (P1006 overpaid on R2007, underpaid on R2008 by the fresno wage), then alameda's
# wage; the second replays over the first, taking again what the first's paycheck recovered
cp -r S.before U
cp -r fixed lowered
sed -i 's/^\(R2007,2026-11\),[0-9:]*,/\1,20:00,/' lowered/authorizations.csv
"$PAYRUN" correct --data lowered --state U --from-generation 0 --out u2 --run-date 2026-12-10 --reason "R2007 20:00" \
    2> err || fail "first correction with overpayments: exit $?: $(cat err)"
recovered=$(awk -F, 'NR > 1 && $22 != "0.00"' u2/paychecks.csv | wc -l)
[ "$recovered" -gt 0 ] || fail "the test's first correction recovers nothing on its own paychecks"
cp -r lowered lowered2
cp fixed2/parameters.csv lowered2/parameters.csv
"$PAYRUN" correct --data lowered2 --state U --from-generation 0 --out u3 --run-date 2026-12-11 --reason "Alameda wage" \
    2> err
rc=$?
"$PAYRUN" state init --state R3 > /dev/null
night R3 lowered2 v1 2026-12-04 n1.csv
night R3 lowered2 v2 2026-12-07 n2.csv
delta_sums "v1/paychecks.csv v2/paychecks.csv" "o1/paychecks.csv o2/paychecks.csv u2/adjustments.csv" > want
colsums u3/adjustments.csv > got
[ $rc = 0 ] && cmp -s want got && "$PAYRUN" state verify --state U > /dev/null &&
    ok "over a correction that recovered on its own paychecks: column sums = replayed - (paid + its adjustments)" ||
    fail "over a recovering correction: exit $rc: $(cat err) $(diff want got | tr '\n' ' ')"

# --- a corrected timesheet row, and one that matches nothing
cp -r S.before T
row=$(grep '^T-2611B-0010,' n2.csv)
# its first day of 5 hours was 3 (total 36:00 -> 34:00)
{ head -1 "$ts"; echo "$row" | awk -F, -v OFS=, '{ for (i = 10; i < NF; i++) if ($i == "5") { $i = "3"; break }
                                                  $NF = "34:00"; print }'
  echo "$row" | sed 's/^T-2611B-0010,/T-NOT-THERE,/'; } > fix.csv
"$PAYRUN" correct --data data --state T --from-generation 0 --out t1 --run-date 2026-12-10 --reason "hours keyed wrong" \
    --timesheets fix.csv 2> err
rc=$?
hours=$(awk -F, '$2 == "T-2611B-0010" { print $8 }' t1/adjustments.csv)
[ $rc = 0 ] && [ "$hours" = "-2:00" ] && ok "a corrected row (one day 5 -> 3 hours): regular_hours -2:00" ||
    fail "corrected row: exit $rc, regular_hours '$hours': $(cat err)"
grep -q '^T-NOT-THERE,fix.csv:3,CORRECTION_UNMATCHED,reject,0,' t1/exceptions.csv &&
    ok "a corrected row of no replayed night: CORRECTION_UNMATCHED (reject), its file and line" ||
    fail "unmatched: $(cat t1/exceptions.csv)"

# --- generated data: two nights, a changed wage and a changed dues scale
"$GEN" --out g --providers 2000 --rows 10000 --seed 11 > /dev/null
{ head -1 g/timesheets.csv; sed -n '2,5001p' g/timesheets.csv; } > g1.csv
{ head -1 g/timesheets.csv; sed -n '5002,$p' g/timesheets.csv; } > g2.csv
"$PAYRUN" state init --state G > /dev/null
night G g/data go1 2026-12-04 g1.csv
night G g/data go2 2026-12-07 g2.csv
cp -r g/data gfixed
county=$(awk -F, '$1 == "wage.hourly" { print $2; exit }' gfixed/parameters.csv)
awk -F, -v OFS=, -v c="$county" '$1 == "wage.hourly" && $2 == c { sub(/\.[0-9]+$/, ".77", $4) } { print }' \
    g/data/parameters.csv > gfixed/parameters.csv
sed -i 's/^\(union.dues_scale,[^,]*,[^,]*,\)0:00=10.30;/\10:00=12.30;/' gfixed/parameters.csv
changes=$(diff g/data/parameters.csv gfixed/parameters.csv | grep -c '^>')
[ "$changes" -ge 2 ] || fail "generated: the test changed $changes parameter rows, not a wage and a dues scale"
"$PAYRUN" correct --data gfixed --state G --from-generation 0 --out gc --run-date 2026-12-10 \
    --reason "wage and dues scale" 2> err || fail "generated: correct: exit $?: $(cat err)"
"$PAYRUN" state init --state GR > /dev/null
night GR gfixed gr1 2026-12-04 g1.csv
night GR gfixed gr2 2026-12-07 g2.csv
delta_sums "gr1/paychecks.csv gr2/paychecks.csv" "go1/paychecks.csv go2/paychecks.csv" > want
colsums gc/adjustments.csv > got
nadj=$(($(wc -l < gc/adjustments.csv) - 1))
[ "$nadj" -gt 0 ] && cmp -s want got &&
    ok "generated: $nadj adjustments, each column sums to the replayed totals minus the paid ones" ||
    fail "generated: $nadj adjustments; column sums: $(diff want got | tr '\n' ' ')"
sh "$top/tests/check_correction.sh" gc 2> err && ok "generated: the correction's outputs hold their invariants" ||
    fail "generated: $(cat err)"
# overpayments and adjustment paychecks split the adjustments by the sign of net
neg=$(awk -F, 'NR > 1 && $22 ~ /^-/' gc/adjustments.csv | wc -l)
[ "$neg" = "$(($(wc -l < gc/overpayments.csv) - 1))" ] &&
    [ "$((nadj - neg))" = "$(($(wc -l < gc/paychecks.csv) - 1))" ] &&
    ok "generated: $neg overpayments (net below zero), $((nadj - neg)) adjustment paychecks" ||
    fail "generated: $neg negative nets, $(($(wc -l < gc/overpayments.csv) - 1)) overpayments"
finish
