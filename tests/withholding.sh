#!/bin/sh
# withholding.sh — voluntary income-tax withholding across runs (docs/rules.md §5.14.4-5): the period's carry
# from one night to the next, payrun explain's worksheet lines, payrun year-end's boxes against the paychecks,
# and a correction carrying the two columns.
set -u
suite=withholding
. "$(dirname "$0")/shlib.sh"
sc=$top/fixtures/scenarios/withholding
data=$tmp/data
mkdir "$data"
cp "$top/fixtures/scenarios/_common/holidays.csv" "$sc/data/"*.csv "$data/"
hdr=$(head -1 "$sc/timesheets.csv")
# the timesheets $2... of the scenario (by id) as file $1
sheets() {
    f=$1
    shift
    echo "$hdr" > "$f"
    for id in "$@"; do grep "^$id," "$sc/timesheets.csv" >> "$f"; done
}
# column $2 (by header name) of the paycheck of timesheet $3 in paychecks.csv $1
col() { awk -F, -v c="$2" -v t="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } $2 == t { print $k }' "$1"; }

# 1. the carry crosses nights: W6A alone one night owes 60.00 + 15.00 and takes 57.00 + 0.00 (WITHHOLDING_SHORT);
# W6B the next night, same period, takes the rest: 3.00 and 15.00 (SPEC-withholding Example 6), net 332.93
S=$tmp/S
"$PAYRUN" state init --state "$S"
sheets "$tmp/n1.csv" W6A W1 W4 W7A W10
sheets "$tmp/n2.csv" W6B W3 W5 W7B W8 W9 W11
"$PAYRUN" run --data "$data" --state "$S" --out "$tmp/o1" --run-date 2026-03-10 "$tmp/n1.csv" 2> "$tmp/err1" &&
    "$PAYRUN" run --data "$data" --state "$S" --out "$tmp/o2" --run-date 2026-03-10 "$tmp/n2.csv" 2> "$tmp/err2" ||
    fail "two nights: $(cat "$tmp/err1" "$tmp/err2")"
got="$(col "$tmp/o1/paychecks.csv" federal_income_tax W6A) $(col "$tmp/o1/paychecks.csv" state_income_tax W6A) $(col "$tmp/o2/paychecks.csv" federal_income_tax W6B) $(col "$tmp/o2/paychecks.csv" state_income_tax W6B) $(col "$tmp/o2/paychecks.csv" net W6B)"
[ "$got" = "57.00 0.00 3.00 15.00 332.93" ] && grep -q '^W6A,.*WITHHOLDING_SHORT,warning,0,federal_income_tax 57.00 of 60.00; state_income_tax 0.00 of 15.00; the rest carries to later paychecks of 2026-02-16$' "$tmp/o1/exceptions.csv" &&
    ok "Example 6 over two nights: 57.00 + 0.00 short, then 3.00 + 15.00 from the ledger's period counters, net 332.93" ||
    fail "Example 6 over two nights: $got"
# W7A and W7B on two nights aggregate as on one (Example 7): 8.92, then 91.57 - 8.92 = 82.65 and 20.24
got="$(col "$tmp/o1/paychecks.csv" federal_income_tax W7A) $(col "$tmp/o2/paychecks.csv" federal_income_tax W7B) $(col "$tmp/o2/paychecks.csv" state_income_tax W7B)"
[ "$got" = "8.92 82.65 20.24" ] && ok "Example 7 over two nights: 8.92, then 82.65 and 20.24" ||
    fail "Example 7 over two nights: $got"
# the two nights pay what the one-night scenario pays, column for column
cat "$tmp/o1/paychecks.csv" > "$tmp/both.csv"
tail -n +2 "$tmp/o2/paychecks.csv" >> "$tmp/both.csv"
cut -d, -f2- "$tmp/both.csv" | sort > "$tmp/both.sorted"
cut -d, -f2- "$sc/expected/paychecks.csv" | sed 's/,2026-03-10,/,2026-03-10,/' | sort > "$tmp/one.sorted"
cmp -s "$tmp/both.sorted" "$tmp/one.sorted" && ok "two nights pay what one night pays (the scenario's expected paychecks)" ||
    fail "two nights differ from one: $(diff "$tmp/one.sorted" "$tmp/both.sorted" | head -4 | tr '\n' ' ')"

# 2. explain prints the worksheet and Method B lines
"$PAYRUN" explain --data "$data" --run-date 2026-03-10 --timesheet W7B "$sc/timesheets.csv" > "$tmp/ex.txt" 2>&1
grep -q '^14.4 federal_income_tax (Pub 15-T Worksheet 1A): period wages 1520.00; 1c 1520.00 x 24 = 36480.00; 1e 36480.00; 1g 8600.00; 1h 8600.00; 1i 27880.00$' "$tmp/ex.txt" &&
    grep -q '2g 2197.60 (the row from 19900.00); 3a 0.00; 3c max(0, 2g - 3a) / 24 = 2197.60 / 24; 4b round(3c) 91.57 + extra = 91.57$' "$tmp/ex.txt" &&
    grep -q '^14.5 state_income_tax (DE 44 Method B, column single): 1. period wages 1520.00 > 787.00; 2. less estimated deduction 0.00 = 1520.00; 3. taxable 1282.00; 4. tax 27.252 (the row from 1094.00); 5. less credit 7.01 = 20.242; round 20.24 + extra = 20.24$' "$tmp/ex.txt" &&
    grep -q 'federal 82.65, taken 82.65; California 20.24, taken 20.24$' "$tmp/ex.txt" &&
    ok "explain W7B: worksheet 1A lines 1c-4b and Method B steps 1-5 (Example 1's figures on the period's wages)" ||
    fail "explain W7B: $(grep '^14\.[45]' "$tmp/ex.txt")"
"$PAYRUN" explain --data "$data" --run-date 2026-03-10 --timesheet W5 "$sc/timesheets.csv" > "$tmp/ex5.txt" 2>&1
grep -q '^14.4 federal_income_tax (Pub 15-T Worksheet 1A, W-4 before 2020): period wages 1520.00; 1c 1520.00 x 24 = 36480.00; 1k 4300.00; 1l 32180.00$' "$tmp/ex5.txt" &&
    ok "explain W5: the pre-2020 lines 1k and 1l" || fail "explain W5: $(grep '^14\.4' "$tmp/ex5.txt")"

# 3. year-end: one row per provider paid in 2026, each box the sum of the paychecks' columns (computed here from
# paychecks.csv, not by payrun); a FICA-exempt paycheck (W6A, spouse) adds nothing to boxes 3 and 5
"$PAYRUN" year-end --state "$S" --year 2026 --out "$tmp/w2" 2> "$tmp/yerr" || fail "year-end: $(cat "$tmp/yerr")"
awk -F, 'NR > 1 && $2 != "timesheet_id" { p = $3; n[p] = 1; g[p] += $16 * 100; ss[p] += $17 * 100; md[p] += $18 * 100; sd[p] += $19 * 100
        f[p] += $23 * 100; st[p] += $24 * 100; if ($17 + $18 > 0) { fw[p] += $16 * 100 } }
    END { for (p in n) printf "%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", p, g[p] / 100, f[p] / 100, fw[p] / 100,
          ss[p] / 100, fw[p] / 100, md[p] / 100, sd[p] / 100, g[p] / 100, st[p] / 100 }' "$tmp/both.csv" | sort > "$tmp/w2.want"
tail -n +2 "$tmp/w2/w2.csv" | cut -d, -f1,3- > "$tmp/w2.got"
[ "$(head -1 "$tmp/w2/w2.csv")" = "provider_id,county,box1_wages,box2_federal_income_tax,box3_social_security_wages,box4_social_security_tax,box5_medicare_wages,box6_medicare_tax,box14_casdi,box16_state_wages,box17_state_income_tax" ] &&
    cmp -s "$tmp/w2.want" "$tmp/w2.got" && [ "$(wc -l < "$tmp/w2.got")" = 10 ] &&
    ok "year-end 2026: 10 providers, every box the sum of their paychecks (P6: box 3 and 5 without the spouse's 57.00)" ||
    fail "year-end boxes: $(diff "$tmp/w2.want" "$tmp/w2.got" | head -6 | tr '\n' ' ')"
crc=$(python3 -c 'import sys,zlib; print("%08x" % zlib.crc32(open(sys.argv[1],"rb").read()))' "$tmp/w2/w2.csv" 2>/dev/null ||
      gzip -c "$tmp/w2/w2.csv" | tail -c 8 | od -An -tx4 -N4 | tr -d ' ')
grep -q "\"statements\": 10," "$tmp/w2/w2-totals.json" && grep -q "\"crc32\": \"$crc\"" "$tmp/w2/w2-totals.json" &&
    grep -q '"box2_federal_income_tax": "555.57"' "$tmp/w2/w2-totals.json" &&
    ok "w2-totals.json: 10 statements, box 2 555.57 (91.57 + 175.44 + 8.92 + 118.07 + 57.00 + 3.00 + 8.92 + 82.65 + 10.00, the scenario's federal column), the CRC-32 of w2.csv" ||
    fail "w2-totals.json: $(cat "$tmp/w2/w2-totals.json")"
# a year without pay: no rows; an --out that holds anything is refused, nothing overwritten
"$PAYRUN" year-end --state "$S" --year 2025 --out "$tmp/w2-2025" 2> /dev/null
[ "$(wc -l < "$tmp/w2-2025/w2.csv")" = 1 ] && ok "year-end 2025: the header only" || fail "year-end 2025: $(wc -l < "$tmp/w2-2025/w2.csv") lines"
before=$(sha256sum "$tmp/w2/w2.csv")
"$PAYRUN" year-end --state "$S" --year 2026 --out "$tmp/w2" 2> "$tmp/err"
rc=$?
[ $rc = 2 ] && [ "$(sha256sum "$tmp/w2/w2.csv")" = "$before" ] && ok "year-end into a published directory: exit 2, nothing overwritten" ||
    fail "year-end into a published directory: exit $rc: $(cat "$tmp/err")"
"$PAYRUN" year-end --state "$S" --year 26 --out "$tmp/w2x" 2> /dev/null
[ $? = 1 ] && ok "year-end --year 26: usage error" || fail "year-end --year 26 was accepted"

# 3b. whatif carries the two columns: fit.standard_adjustment_other 8,600 -> 9,000 lowers each 2020 non-Step-2
# single row's AAWA by 400: W1 1i 27,480, 2g 1,240 + 0.12 x 7,580 = 2,149.60 / 24 -> 89.57 (-2.00); W4 and W7A
# 0.10 x 1,740 = 174.00 / 24 = 7.25 (-1.67 each); W7B 89.57 - 7.25 = 82.32 (-0.33); W3 (Step 2 box), W5 (pre-2020)
# and W6 and W10 (AAWA 0), W8, W9, W11 (no federal row in force) unchanged: 4 paychecks, federal -5.67, net +5.67
sed 's/^fit.standard_adjustment_other,\*,2026-01-01,8600.00,/fit.standard_adjustment_other,*,2026-01-01,9000.00,/' \
    "$data/parameters.csv" > "$tmp/changed.csv"
"$PAYRUN" whatif --data "$data" --params "$tmp/changed.csv" --run-date 2026-03-10 "$sc/timesheets.csv" > "$tmp/wi.txt" 2>&1
grep -q '^impact: 4 paychecks changed, 0 added, 0 removed, 8 unchanged$' "$tmp/wi.txt" &&
    grep -Eq '^  total( +0\.00){10} +-5\.67 +0\.00 +\+5\.67$' "$tmp/wi.txt" &&
    ok "whatif: the standard adjustment 9,000.00 moves 4 paychecks, federal -5.67 and net +5.67 (by hand)" ||
    fail "whatif: $(cat "$tmp/wi.txt")"

# 4. a correction carries the two columns: alameda's wage 19.00 -> 19.50 from 2026-01-01, both nights replayed.
# W1 (P1, 80:00): 1,560.00; 1i 37,440 - 8,600 = 28,840; 2g 1,240 + 0.12 x 8,940 = 2,312.80; / 24 = 96.3666... ->
# 96.37, adjustment 96.37 - 91.57 = 4.80; California T 1,560 - 238 = 1,322, C 18.98 + 0.044 x 228 = 29.012,
# X 22.002 -> 22.00, adjustment 22.00 - 20.24 = 1.76
cp -r "$data" "$tmp/fix"
sed -i 's/^wage.hourly,alameda,2026-01-01,19.00,/wage.hourly,alameda,2026-01-01,19.50,/' "$tmp/fix/parameters.csv"
"$PAYRUN" correct --data "$tmp/fix" --state "$S" --from-generation 0 --out "$tmp/c1" --run-date 2026-03-20 \
    --reason "alameda wage 19.50" 2> "$tmp/err" || fail "correct: $(cat "$tmp/err")"
got=$(awk -F, '$2 == "W1" { print $13, $20, $21 }' "$tmp/c1/adjustments.csv")
[ "$got" = "40.00 4.80 1.76" ] && ok "correction: W1's adjustment gross 40.00, federal 4.80, California 1.76 (by hand)" ||
    fail "correction: W1's adjustment: $got"
# the year's statements after it are the ones before plus each provider's adjustments (column sums of
# adjustments.csv; every one of these providers is subject to FICA, so boxes 3 and 5 move with gross too, but
# the spouse paychecks W6A and W10, which stay out of them)
"$PAYRUN" year-end --state "$S" --year 2026 --out "$tmp/w2b" 2> /dev/null
awk -F, 'FNR == 1 { next } FILENAME ~ /adjustments/ { p = $4; g[p] += $13 * 100; f[p] += $20 * 100; ss[p] += $14 * 100
        md[p] += $15 * 100; sd[p] += $16 * 100; st[p] += $21 * 100; fw[p] += ($2 == "W6A" || $2 == "W10" ? 0 : $13 * 100); next }
    { p = $1; printf "%s,%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", p, $2, ($3 * 100 + g[p]) / 100,
      ($4 * 100 + f[p]) / 100, ($5 * 100 + fw[p]) / 100, ($6 * 100 + ss[p]) / 100, ($7 * 100 + fw[p]) / 100,
      ($8 * 100 + md[p]) / 100, ($9 * 100 + sd[p]) / 100, ($10 * 100 + g[p]) / 100, ($11 * 100 + st[p]) / 100 }' \
    "$tmp/c1/adjustments.csv" "$tmp/w2/w2.csv" > "$tmp/w2b.want"
tail -n +2 "$tmp/w2b/w2.csv" > "$tmp/w2b.got"
cmp -s "$tmp/w2b.want" "$tmp/w2b.got" && ok "year-end after the correction: each box the one before plus the provider's adjustments" ||
    fail "year-end after the correction: $(diff "$tmp/w2b.want" "$tmp/w2b.got" | head -6 | tr '\n' ' ')"
# 5. a year-end statement over a two-night state with a correction between the nights: night 1 (W6A W1 W4 W10
# W7A), the correction (alameda 19.50 from 2026-01-01), night 2 (the rest, on the corrected data): every box is
# night 1's paychecks plus the correction's adjustments plus night 2's paychecks, per provider (awk, by column)
S2=$tmp/S2
"$PAYRUN" state init --state "$S2"
"$PAYRUN" run --data "$data" --state "$S2" --out "$tmp/m1" --run-date 2026-03-10 "$tmp/n1.csv" 2> "$tmp/err" &&
    "$PAYRUN" correct --data "$tmp/fix" --state "$S2" --from-generation 0 --out "$tmp/mc" --run-date 2026-03-12 \
        --reason "alameda wage 19.50" 2>> "$tmp/err" &&
    "$PAYRUN" run --data "$tmp/fix" --state "$S2" --out "$tmp/m2" --run-date 2026-03-12 "$tmp/n2.csv" 2>> "$tmp/err" &&
    "$PAYRUN" year-end --state "$S2" --year 2026 --out "$tmp/mw" 2>> "$tmp/err" || fail "night, correction, night: $(cat "$tmp/err")"
# columns: paychecks.csv provider 3, gross 16, fica_ss 17, medicare 18, sdi 19, federal 23, state 24;
# adjustments.csv provider 4, timesheet 2, gross 13, fica_ss 14, medicare 15, sdi 16, federal 20, state 21
awk -F, 'FNR == 1 { next }
    FILENAME ~ /adjustments/ { add($4, $13, $14, $15, $16, $20, $21, $2 != "W6A" && $2 != "W10"); next }
    { add($3, $16, $17, $18, $19, $23, $24, $17 + $18 > 0) }
    function add(p, g, s, m, d, f, t, fica) { n[p] = 1; G[p] += g * 100; S[p] += s * 100; M[p] += m * 100
        D[p] += d * 100; F[p] += f * 100; T[p] += t * 100; if (fica) W[p] += g * 100 }
    END { for (p in n) printf "%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", p, G[p] / 100, F[p] / 100,
          W[p] / 100, S[p] / 100, W[p] / 100, M[p] / 100, D[p] / 100, G[p] / 100, T[p] / 100 }' \
    "$tmp/m1/paychecks.csv" "$tmp/mc/adjustments.csv" "$tmp/m2/paychecks.csv" | sort > "$tmp/mw.want"
tail -n +2 "$tmp/mw/w2.csv" | cut -d, -f1,3- > "$tmp/mw.got"
[ "$(wc -l < "$tmp/mc/adjustments.csv")" -gt 1 ] && cmp -s "$tmp/mw.want" "$tmp/mw.got" &&
    ok "year-end over night, correction, night: each box night 1 + the adjustments + night 2" ||
    fail "year-end over night, correction, night: $(diff "$tmp/mw.want" "$tmp/mw.got" | head -6 | tr '\n' ' ')"

# 6. the demo (make run): seven providers with a W-4 or DE 4 (single, married with the Step 2 box, married, pre-2020,
# a future row, head of household, California only); year-end on its state: every total of w2-totals.json is the
# sum of the paychecks' column (boxes 3 and 5: the gross of the paychecks that paid FICA)
demo=$top/fixtures/demo
"$PAYRUN" state init --state "$tmp/D"
"$PAYRUN" run --data "$demo" --state "$tmp/D" --out "$tmp/do" --run-date 2026-12-04 "$demo/timesheets-2026-11.csv" 2> "$tmp/err" &&
    "$PAYRUN" year-end --state "$tmp/D" --year 2026 --out "$tmp/dw" 2>> "$tmp/err" || fail "demo: $(cat "$tmp/err")"
want=$(awk -F, 'NR > 1 { g += $16 * 100; s += $17 * 100; m += $18 * 100; d += $19 * 100; f += $23 * 100; t += $24 * 100
        if ($17 + $18 > 0) w += $16 * 100 }
    END { printf "\"box1_wages\": \"%.2f\", \"box2_federal_income_tax\": \"%.2f\", \"box3_social_security_wages\": \"%.2f\", \"box4_social_security_tax\": \"%.2f\", \"box5_medicare_wages\": \"%.2f\", \"box6_medicare_tax\": \"%.2f\", \"box14_casdi\": \"%.2f\", \"box16_state_wages\": \"%.2f\", \"box17_state_income_tax\": \"%.2f\"",
          g / 100, f / 100, w / 100, s / 100, w / 100, m / 100, d / 100, g / 100, t / 100 }' "$tmp/do/paychecks.csv")
nwh=$(awk -F, 'NR > 1 && ($23 != "0.00" || $24 != "0.00") { print $3 }' "$tmp/do/paychecks.csv" | sort -u | wc -l)
grep -qF "$want" "$tmp/dw/w2-totals.json" && [ "$nwh" -ge 5 ] &&
    ok "demo: $nwh providers withhold; year-end's totals are the sums of the paychecks' columns" ||
    fail "demo: $nwh providers withhold; totals $(grep totals "$tmp/dw/w2-totals.json"), want $want"
finish
