#!/bin/sh
# archive.sh — each generation keeps its night (docs/state.md "The archive"): every input file by its SHA-256, stored
# once however many nights use it, and the paychecks it paid, which `payrun state paychecks` writes again byte for
# byte; state verify finds damage to either; pruning drops what only the pruned generations used; a night that does
# not commit keeps nothing.
set -u
suite=archive
. "$(dirname "$0")/shlib.sh"
demo=$top/fixtures/demo
ts=$demo/timesheets-2026-11.csv
# the SHA-256 of the files $@, one a line, sorted
shas() { sha256sum "$@" | cut -d' ' -f1 | sort; }
# the names in generation $2's inputs of state $1, sorted
kept() { ls "$1/gen-$(printf %06d "$2")/inputs" | sort; }
inode() { stat -c %i "$1"; }
# flips the byte at offset $2 of file $1
flip() {
    chmod u+w "$1"
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# 1. a night keeps every input file, named by its SHA-256 (the masters, the parameters and the timesheets: the
# demo's 10 master files and 1 timesheet file), and its paychecks: state paychecks is its paychecks.csv
S=$tmp/s
"$PAYRUN" state init --state "$S"
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/o1" --run-date 2026-12-04 "$ts"
if [ "$(kept "$S" 1)" = "$(shas "$demo"/*.csv)" ] && [ "$(kept "$S" 1 | wc -l)" = 11 ]; then
    ok "generation 1 keeps its 11 input files, each named by the SHA-256 of its bytes"
else
    fail "generation 1's inputs: $(kept "$S" 1 | tr '\n' ' ')"
fi
"$PAYRUN" state paychecks --state "$S" --generation 1 > "$tmp/pc1.csv"
rc=$?
if [ $rc = 0 ] && cmp -s "$tmp/pc1.csv" "$tmp/o1/paychecks.csv" && [ "$(wc -l < "$tmp/pc1.csv")" -gt 10 ]; then
    ok "state paychecks writes generation 1's paychecks.csv again, byte for byte"
else
    fail "state paychecks (exit $rc) differs from the night's paychecks.csv"; diff "$tmp/pc1.csv" "$tmp/o1/paychecks.csv" | head
fi

# 2. each distinct file once: the next night with the same masters and the same timesheet file (a new run date)
# links them; a timesheet file read from standard input is kept too, under its SHA-256
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/o2" --run-date 2026-12-05 "$ts"
sha_ts=$(shas "$ts")
sha_prov=$(shas "$demo/providers.csv")
if [ "$(kept "$S" 2)" = "$(kept "$S" 1)" ] &&
   [ "$(inode "$S/gen-000001/inputs/$sha_ts")" = "$(inode "$S/gen-000002/inputs/$sha_ts")" ] &&
   [ "$(inode "$S/gen-000001/inputs/$sha_prov")" = "$(inode "$S/gen-000002/inputs/$sha_prov")" ]; then
    ok "the same files on the next night are the same files on disk (hard links), the timesheets too"
else
    fail "the second night copied files the first kept"; ls -li "$S"/gen-00000[12]/inputs
fi
sed 's/^T-2611A-0001,/T-2611A-0001-STDIN,/' "$ts" > "$tmp/stdin.csv"
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/o3" --run-date 2026-12-06 - < "$tmp/stdin.csv"
if [ -f "$S/gen-000003/inputs/$(shas "$tmp/stdin.csv")" ] &&
   cmp -s "$S/gen-000003/inputs/$(shas "$tmp/stdin.csv")" "$tmp/stdin.csv"; then
    ok "timesheets on standard input are kept as read, under their SHA-256"
else
    fail "the standard-input timesheets were not kept"; ls -l "$S/gen-000003/inputs"
fi
if "$PAYRUN" state verify --state "$S" > "$tmp/v.out" 2>&1; then
    ok "state verify: $(cat "$tmp/v.out")"
else
    fail "state verify of a healthy archive: $(cat "$tmp/v.out")"
fi

# 3. state verify finds a damaged input, a missing one, and a damaged or truncated paychecks.bin (exit 2, naming it)
damaged() {    # $1 what, $2 the state, $3 what the message must name
    "$PAYRUN" state verify --state "$2" > "$tmp/vd.out" 2>&1
    rc=$?
    if [ $rc = 2 ] && grep -q "$3" "$tmp/vd.out"; then
        ok "state verify: $1: exit 2, '$(cut -c1-150 "$tmp/vd.out")'"
    else
        fail "state verify: $1: exit $rc, $(cat "$tmp/vd.out")"
    fi
}
cp -a "$S" "$tmp/d1"
flip "$tmp/d1/gen-000003/inputs/$(shas "$tmp/stdin.csv")" 100
damaged "a byte of an archived input changed" "$tmp/d1" "gen-000003/inputs/$(shas "$tmp/stdin.csv").*damaged"
cp -a "$S" "$tmp/d2"
rm "$tmp/d2/gen-000002/inputs/$sha_prov"
damaged "an archived input removed" "$tmp/d2" "gen-000002/inputs/$sha_prov.*missing"
cp -a "$S" "$tmp/d3"
flip "$tmp/d3/gen-000001/paychecks.bin" 200
damaged "a byte of paychecks.bin changed" "$tmp/d3" "gen-000001/paychecks.bin"
cp -a "$S" "$tmp/d4"
chmod u+w "$tmp/d4/gen-000002/paychecks.bin"
truncate -s -24 "$tmp/d4/gen-000002/paychecks.bin"
damaged "paychecks.bin cut short" "$tmp/d4" "gen-000002/paychecks.bin: truncated"
"$PAYRUN" state paychecks --state "$tmp/d3" --generation 1 > /dev/null 2> "$tmp/pd.err"
rc=$?
[ $rc = 2 ] && grep -q "checksum" "$tmp/pd.err" && ok "state paychecks of a damaged archive: exit 2, $(cat "$tmp/pd.err")" ||
    fail "state paychecks of a damaged archive: exit $rc, $(cat "$tmp/pd.err")"

# 4. a night that does not commit keeps nothing (not even the masters/ directory its snapshot would have gone
# into): a bad timesheet file (exit 2), a failed fsync (exit 4), and a night found committed already
"$PAYRUN" state init --state "$tmp/n"
listing() { (cd "$1" && find . -printf '%p %i %s\n' | sort); }
listing "$tmp/n" > "$tmp/n.before"
printf 'not,a,timesheet\n1,2,3\n' > "$tmp/bad.csv"
"$PAYRUN" run --data "$demo" --state "$tmp/n" --out "$tmp/no1" --run-date 2026-12-04 "$tmp/bad.csv" 2> /dev/null
rc1=$?
PAYRUN_FAIL_AT=fsync-state "$PAYRUN" run --data "$demo" --state "$tmp/n" --out "$tmp/no2" --run-date 2026-12-04 "$ts" \
    2> /dev/null
rc2=$?
listing "$tmp/n" > "$tmp/n.after"
if [ $rc1 = 2 ] && [ $rc2 = 4 ] && cmp -s "$tmp/n.before" "$tmp/n.after"; then
    ok "a night refused (exit 2) or stopped before its commit (exit 4) leaves the state as it was"
else
    fail "a night that did not commit changed the state (exits $rc1, $rc2)"; diff "$tmp/n.before" "$tmp/n.after"
fi
listing "$S" > "$tmp/s.before"
"$PAYRUN" run --data "$demo" --state "$S" --out "$tmp/o3-again" --run-date 2026-12-06 - < "$tmp/stdin.csv"
rc=$?
listing "$S" > "$tmp/s.after"
[ $rc = 0 ] && cmp -s "$tmp/s.before" "$tmp/s.after" && [ ! -e "$tmp/o3-again" ] &&
    ok "standard input that turns out a committed night: exit 0, nothing kept" ||
    fail "a committed night again on standard input: exit $rc"

# 5. pruning drops what only the pruned generations used: generation 3's stdin file goes with it, the masters
# and the timesheet file generation 2 still uses stay (as generation 2's, one link fewer)
"$PAYRUN" state prune --state "$S" --keep 1 --force > /dev/null
left=$(find "$S" -path '*/inputs/*' -type f | wc -l)
if [ ! -e "$S/gen-000001" ] && [ ! -e "$S/gen-000002" ] && [ "$(kept "$S" 3 | wc -l)" = 11 ] &&
   [ "$(stat -c %h "$S/gen-000003/inputs/$sha_prov")" = 1 ] && [ "$left" = 11 ] &&
   "$PAYRUN" state verify --state "$S" > /dev/null; then
    ok "state prune --keep 1: the pruned generations' files are gone unless generation 3 uses them (11 left)"
else
    fail "after prune: $left archived files, $(ls "$S" | tr '\n' ' ')"
fi

# 6. generated data: a night of 12,000 timesheets, gzip outputs: state paychecks equals the paychecks
if [ -x "$GEN" ]; then
    "$GEN" --out "$tmp/g" --providers 3000 --rows 12000 --seed 11 > /dev/null
    "$PAYRUN" state init --state "$tmp/G"
    "$PAYRUN" run --data "$tmp/g/data" --state "$tmp/G" --out "$tmp/g1" --gzip --run-date 2026-12-04 "$tmp/g/timesheets.csv"
    "$PAYRUN" state paychecks --state "$tmp/G" > "$tmp/gpc.csv"
    if gzip -dc "$tmp/g1/paychecks.csv.gz" | cmp -s - "$tmp/gpc.csv" && [ "$(wc -l < "$tmp/gpc.csv")" -gt 10000 ] &&
       "$PAYRUN" state verify --state "$tmp/G" > /dev/null; then
        ok "generated data: $(($(wc -l < "$tmp/gpc.csv") - 1)) paychecks kept and written again byte for byte"
    else
        fail "generated data: state paychecks differs from paychecks.csv.gz"
    fi
else
    fail "no generator at $GEN (make build/gen)"
fi

finish
