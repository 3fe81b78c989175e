#!/bin/sh
# msnap.sh — the masters snapshot in the state (docs/snapshot.md): written by a committing run, used when the
# master files match, the same outputs either way, ignored when changed or damaged, found by state verify, never
# written by read-only commands, only the newest two kept.
set -u
suite=msnap
. "$(dirname "$0")/shlib.sh"
demo=$top/fixtures/demo
ts=$demo/timesheets-2026-11.csv
bins() { ls "$1/masters" 2>/dev/null | grep -c '^[0-9a-f]\{64\}\.bin$'; }
newest_bin() { ls -t "$1/masters"/*.bin | head -1; }
# every file of two output directories is the same
same_outputs() {
    for f in paychecks.csv exceptions.csv summary.json report.html; do
        [ -e "$1/$f" ] || [ -e "$2/$f" ] || continue
        cmp -s "$1/$f" "$2/$f" || { echo "   $f differs"; return 1; }
    done
}
# the state's files with inode, size and modification time: what "wrote nothing" compares
listing() { (cd "$1" && find . -printf '%p %i %s %T@ %m\n' | sort); }
# flips the byte at offset $2 of file $1 (a read-only file is made writable first)
flip() {
    chmod u+w "$1"
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# a reprocess of generation $2 of state $1 into $3 (read only), its stderr in $3.err
reprocess() {
    "$PAYRUN" run --data "$4" --state "$1" --from-generation "$2" --out "$3" --run-date 2026-12-04 --verbose "$5" \
        2> "$3.err"
}
# generation $3 reprocessed on state $1 (with a snapshot) into $tmp/$4-snap and on state $2 (without) into
# $tmp/$4-csv, data $5, timesheets $6: the first maps the snapshot, the second parses, the outputs are the same
snap_vs_csv() {
    reprocess "$1" "$3" "$tmp/$4-snap" "$5" "$6"
    reprocess "$2" "$3" "$tmp/$4-csv" "$5" "$6"
    if grep -q 'masters from snapshot' "$tmp/$4-snap.err" && ! grep -q 'masters from snapshot' "$tmp/$4-csv.err" &&
       same_outputs "$tmp/$4-snap" "$tmp/$4-csv"; then
        ok "$7: a reprocess is byte-identical with and without the snapshot"
    else
        fail "$7: a reprocess differs with the snapshot"; cat "$tmp/$4-snap.err" "$tmp/$4-csv.err"
    fi
}

# 1. a committing run writes the snapshot; the next one maps it
S=$tmp/S
"$PAYRUN" state init --state "$S"
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/n1" --run-date 2026-12-04 --verbose "$ts" 2> "$tmp/n1.err"
bin=$(ls "$S/masters"/*.bin 2>/dev/null)
if [ "$(bins "$S")" = 1 ] && grep -q 'masters snapshot masters/[0-9a-f]*\.bin written' "$tmp/n1.err" &&
   [ "$(stat -c %a "$bin")" = 600 ]; then
    ok "a committing run writes masters/<sha256>.bin (mode 0600)"
else
    fail "no snapshot after the first committing run"; cat "$tmp/n1.err"; ls -la "$S/masters"
fi
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/n2" --run-date 2026-12-05 --verbose "$ts" 2> "$tmp/n2.err"
if grep -q "masters from snapshot masters/$(basename "$bin")" "$tmp/n2.err" && ! grep -q written "$tmp/n2.err" &&
   [ "$(bins "$S")" = 1 ]; then
    ok "the next committing run maps the snapshot and writes none"
else
    fail "the second run did not use the snapshot"; cat "$tmp/n2.err"
fi
cp -r "$S" "$tmp/Scopy"
"$PAYRUN" run --data "$demo" --state "$tmp/Scopy" --out "$tmp/n3" --run-date 2026-12-06 --verbose "$ts" 2> "$tmp/n3.err"
if grep -q "masters from snapshot masters/$(basename "$bin")" "$tmp/n3.err" && [ -s "$tmp/n3/paychecks.csv" ] &&
   ! grep -q written "$tmp/n3.err"; then
    ok "a copy of the state (cp -r: new inodes and times) still maps its snapshot"
else
    fail "a copied state did not use its snapshot"; cat "$tmp/n3.err"
fi

# 2. the same outputs with and without the snapshot: generation 1 reprocessed read only, with the
# snapshot, and on a copy of the state without it
cp -a "$S" "$tmp/S-none"
rm -rf "$tmp/S-none/masters"
snap_vs_csv "$S" "$tmp/S-none" 1 r "$demo" "$ts" "demo"

# 3. read-only commands never write: a reprocess without --commit, whatif, explain, and a run without
# --state leave the state as it was (and make no snapshot where there is none)
before=$(listing "$S")
reprocess "$S" 2 "$tmp/ro1" "$demo" "$ts"
reprocess "$tmp/S-none" 2 "$tmp/ro2" "$demo" "$ts"
sed 's/^sdi.rate,\*,2026-01-01,0.013,/sdi.rate,*,2026-01-01,0.014,/' "$demo/parameters.csv" > "$tmp/sdi14.csv"
"$PAYRUN" whatif --data "$demo" --params "$tmp/sdi14.csv" --state "$S" --run-date 2026-12-04 "$ts" > "$tmp/w-snap.out"
"$PAYRUN" whatif --data "$demo" --params "$tmp/sdi14.csv" --state "$tmp/S-none" --run-date 2026-12-04 "$ts" \
    > "$tmp/w-csv.out"
"$PAYRUN" explain --data "$demo" --state "$S" --run-date 2026-12-04 --timesheet T-2611A-0002 "$ts" > "$tmp/e-snap.out"
"$PAYRUN" explain --data "$demo" --state "$tmp/S-none" --run-date 2026-12-04 --timesheet T-2611A-0002 "$ts" \
    > "$tmp/e-csv.out"
if [ "$(listing "$S")" = "$before" ] && [ ! -e "$tmp/S-none/masters" ] && cmp -s "$tmp/w-snap.out" "$tmp/w-csv.out" &&
   cmp -s "$tmp/e-snap.out" "$tmp/e-csv.out" && grep -q 'masters from snapshot' "$tmp/ro1.err"; then
    ok "read-only commands (reprocess, whatif, explain) read the snapshot, write nothing, and print the same"
else
    fail "a read-only command wrote into the state or printed otherwise"; diff "$tmp/w-snap.out" "$tmp/w-csv.out"
fi

# 4. a damaged snapshot is ignored (the run parses the CSVs, same outputs) and state verify names it (exit 2)
cp -a "$S" "$tmp/D"
dbin=$tmp/D/masters/$(basename "$bin")
flip "$dbin" $(( $(stat -c %s "$dbin") / 2 ))
reprocess "$tmp/D" 1 "$tmp/r-flip" "$demo" "$ts"
"$PAYRUN" state verify --state "$tmp/D" > "$tmp/v-flip.out" 2>&1
rc=$?
if grep -q 'ignored' "$tmp/r-flip.err" && ! grep -q 'masters from snapshot' "$tmp/r-flip.err" &&
   same_outputs "$tmp/r-flip" "$tmp/r-csv" && [ $rc = 2 ] && grep -q "$(basename "$bin").*checksum" "$tmp/v-flip.out"; then
    ok "a byte flipped in the middle: ignored, outputs right; state verify exits 2 naming the block"
else
    fail "a flipped byte: verify exit $rc"; cat "$tmp/r-flip.err" "$tmp/v-flip.out"
fi
chmod u+w "$dbin"
truncate -s $(( $(stat -c %s "$dbin") / 3 )) "$dbin"
reprocess "$tmp/D" 1 "$tmp/r-trunc" "$demo" "$ts"
"$PAYRUN" state verify --state "$tmp/D" > "$tmp/v-trunc.out" 2>&1
rc=$?
if grep -q 'ignored' "$tmp/r-trunc.err" && same_outputs "$tmp/r-trunc" "$tmp/r-csv" && [ $rc = 2 ] &&
   grep -q "$(basename "$bin").*truncated" "$tmp/v-trunc.out"; then
    ok "a truncated snapshot: ignored, outputs right; state verify exits 2 naming it"
else
    fail "a truncated snapshot: verify exit $rc"; cat "$tmp/r-trunc.err" "$tmp/v-trunc.out"
fi
"$PAYRUN" run --data "$demo" --state "$tmp/D" --out "$tmp/d3" --run-date 2026-12-06 --verbose "$ts" 2> "$tmp/d3.err"
"$PAYRUN" state verify --state "$tmp/D" > /dev/null 2>&1
rc=$?
if grep -q 'written' "$tmp/d3.err" && [ $rc = 0 ] && [ "$(bins "$tmp/D")" = 1 ]; then
    ok "the next committing run writes the damaged snapshot again; state verify is content"
else
    fail "the damaged snapshot was not replaced (verify exit $rc)"; cat "$tmp/d3.err"
fi

# 5. a snapshot of another format version is ignored (and skipped by verify), then written again
cp -a "$S" "$tmp/V"
vbin=$tmp/V/masters/$(basename "$bin")
chmod u+w "$vbin"
printf '\377' | dd of="$vbin" bs=1 seek=8 conv=notrunc 2>/dev/null    # version 255: not this payrun's
reprocess "$tmp/V" 1 "$tmp/r-ver" "$demo" "$ts"
"$PAYRUN" state verify --state "$tmp/V" > /dev/null 2>&1
rc=$?
if grep -q 'format version 255' "$tmp/r-ver.err" && same_outputs "$tmp/r-ver" "$tmp/r-csv" && [ $rc = 0 ]; then
    ok "a snapshot of another format version is ignored, and not called damaged"
else
    fail "another format version (verify exit $rc)"; cat "$tmp/r-ver.err"
fi

# 6. one byte of a master file changed (same size): a new key, the old snapshot not used, a new one
# written; a third change keeps only the newest two
cp -a "$demo" "$tmp/data"
cp "$ts" "$tmp/ts.csv"
# the last letter of a provider's name on line $1 changes: same size, and no output carries names
rename_provider() {
    awk -F, -v OFS=, -v line="$1" 'NR == line { c = substr($2, length($2)); $2 = substr($2, 1, length($2) - 1) (c == "Q" ? "R" : "Q") } { print }' \
        "$demo/providers.csv" > "$tmp/data/providers.csv"
}
rename_provider 2
cmp -s "$demo/providers.csv" "$tmp/data/providers.csv" && fail "the test did not change providers.csv"
"$PAYRUN" run --data "$tmp/data" --state "$S" --out "$tmp/c1" --run-date 2026-12-07 --verbose "$tmp/ts.csv" 2> "$tmp/c1.err"
if ! grep -q 'masters from snapshot' "$tmp/c1.err" && grep -q 'written' "$tmp/c1.err" && [ "$(bins "$S")" = 2 ] &&
   [ -e "$bin" ] && [ "$(newest_bin "$S")" != "$bin" ]; then
    ok "a master file changed by one byte: the old snapshot is not used, a new one is written beside it"
else
    fail "a changed master file"; cat "$tmp/c1.err"; ls -la "$S/masters"
fi
second=$(newest_bin "$S")
rename_provider 3
"$PAYRUN" run --data "$tmp/data" --state "$S" --out "$tmp/c2" --run-date 2026-12-08 --verbose "$tmp/ts.csv" 2> "$tmp/c2.err"
if grep -q 'written' "$tmp/c2.err" && [ "$(bins "$S")" = 2 ] && [ ! -e "$bin" ] &&
   [ -e "$second" ]; then
    ok "a third snapshot: only the newest two are kept"
else
    fail "more or other than the newest two snapshots kept"; ls -la "$S/masters"
fi
# two snapshots of master files of the same sizes: neither is checked ahead of the hashing (only a sole
# candidate is), and the one of these files is found by its key and used; then the older of them,
# for the files as they were before the third change
reprocess "$S" 0 "$tmp/c2r" "$tmp/data" "$tmp/ts.csv"
rename_provider 2
reprocess "$S" 0 "$tmp/c1r" "$tmp/data" "$tmp/ts.csv"
if grep -q "masters from snapshot masters/$(basename "$(newest_bin "$S")")" "$tmp/c2r.err" &&
   grep -q "masters from snapshot masters/$(basename "$second")" "$tmp/c1r.err"; then
    ok "two snapshots of same-sized master files: each run maps the one of its files"
else
    fail "two same-sized snapshots"; cat "$tmp/c2r.err" "$tmp/c1r.err"
fi
: > "$S/masters/.tmp-leftover.bin"
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/c3" --run-date 2026-12-09 --verbose "$ts" 2> "$tmp/c3.err"
if [ ! -e "$S/masters/.tmp-leftover.bin" ] && "$PAYRUN" state verify --state "$S" > /dev/null; then
    ok "a leftover temporary file is removed by the next committing run"
else
    fail "a leftover temporary file stayed"; ls -la "$S/masters"
fi

# the snapshot is written on a thread while the night runs: a night that does not commit keeps none
rm -rf "$tmp/sf" "$tmp/fo"
"$PAYRUN" state init --state "$tmp/sf"
PAYRUN_FAIL_AT=fsync-state "$PAYRUN" run --data "$demo" --state "$tmp/sf" --out "$tmp/fo" --run-date 2026-12-04 "$ts" 2> "$tmp/fail.err"
rc=$?
left=$(ls -A "$tmp/sf/masters" 2>/dev/null | wc -l)
if [ $rc = 4 ] && [ "$left" = 0 ]; then
    ok "a night stopped before its commit (exit 4) leaves no snapshot and no temporary file"
else
    fail "a night stopped before its commit: exit $rc, masters/ holds $left files"; ls -la "$tmp/sf/masters"
fi

# 6b. withholding.csv (optional) is one of the master files of the key: the directory with it gets a
# snapshot of its own (the one without it is not used), which the next night maps; state verify is content
W=$tmp/W
cp -a "$demo" "$tmp/wdata"
cat > "$tmp/wdata/withholding.csv" <<'CSV'
provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,fed_other_income,fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,ca_additional_allowances,ca_extra
P1001,2026-01-01,single,2020,n,,,,,,single,1,,
P1002,2025-01-01,married,pre2020,,,,,10.00,2,none,,,
P1001,2026-11-16,married,2020,y,4000.00,,,,,married,2,1,5.00
CSV
"$PAYRUN" state init --state "$W"
"$PAYRUN" run --data "$demo" --state "$W" --out "$tmp/w1" --run-date 2026-12-04 --verbose "$ts" 2> "$tmp/w1.err"
"$PAYRUN" run --data "$tmp/wdata" --state "$W" --out "$tmp/w2" --run-date 2026-12-05 --verbose "$ts" 2> "$tmp/w2.err"
"$PAYRUN" run --data "$tmp/wdata" --state "$W" --out "$tmp/w3" --run-date 2026-12-06 --verbose "$ts" 2> "$tmp/w3.err"
wbin=$(newest_bin "$W")
if ! grep -q 'masters from snapshot' "$tmp/w2.err" && grep -q 'written' "$tmp/w2.err" && [ "$(bins "$W")" = 2 ] &&
   grep -q "masters from snapshot masters/$(basename "$wbin")" "$tmp/w3.err" && ! grep -q written "$tmp/w3.err" &&
   "$PAYRUN" state verify --state "$W" > /dev/null; then
    ok "withholding.csv added: a snapshot of its own, mapped by the next night"
else
    fail "withholding.csv and the snapshot"; cat "$tmp/w2.err" "$tmp/w3.err"; ls -la "$W/masters"
fi
cp -a "$W" "$tmp/W-none"
rm -rf "$tmp/W-none/masters"
snap_vs_csv "$W" "$tmp/W-none" 2 w "$tmp/wdata" "$ts" "withholding.csv"

# 7. generated data: night 2 committed on a state parsing the CSVs and on another mapping the snapshot its
# night 1 wrote: the same outputs and the same
# ledger; and generation 0 reprocessed with and without it
if [ -x "$GEN" ]; then
    "$GEN" --out "$tmp/g" --providers 3000 --rows 12000 --seed 11 > /dev/null
    head -1 "$tmp/g/timesheets.csv" > "$tmp/g/none.csv"
    G=$tmp/G
    H=$tmp/H
    for st in "$G" "$H"; do
        "$PAYRUN" state init --state "$st"
        "$PAYRUN" run --data "$tmp/g/data" --state "$st" --out "$st.0" --run-date 2026-12-03 "$tmp/g/none.csv"
    done
    rm -rf "$G/masters"
    "$PAYRUN" run --data "$tmp/g/data" --state "$G" --out "$tmp/g1" --run-date 2026-12-04 "$tmp/g/timesheets.csv"
    "$PAYRUN" run --data "$tmp/g/data" --state "$H" --out "$tmp/h1" --run-date 2026-12-04 --verbose \
        "$tmp/g/timesheets.csv" 2> "$tmp/h1.err"
    "$PAYRUN" state dump --state "$G" > "$tmp/dump-g"
    "$PAYRUN" state dump --state "$H" > "$tmp/dump-h"
    if grep -q 'masters from snapshot' "$tmp/h1.err" && same_outputs "$tmp/g1" "$tmp/h1" &&
       [ "$(wc -l < "$tmp/h1/paychecks.csv")" -gt 1000 ] && cmp -s "$tmp/dump-g" "$tmp/dump-h"; then
        ok "generated data: a committed night gives the same outputs and ledger with and without the snapshot"
    else
        fail "generated data: a committed night differs with the snapshot"; cat "$tmp/h1.err"
    fi
    rm -rf "$G/masters"
    snap_vs_csv "$H" "$G" 0 gr "$tmp/g/data" "$tmp/g/timesheets.csv" "generated data"
else
    fail "no generator at $GEN (make build/gen)"
fi

finish
