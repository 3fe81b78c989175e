#!/bin/sh
# state.sh — SPEC §7-§9 with --state: split week over two runs, idempotence (invariant 6), reprocessing,
# lock contention, damaged state, crash safety at fault points and 20 random kill points, nightly = one run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
GEN=${GEN:-$top/build/gen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL state: $*"; fails=$((fails + 1)); }
ok() { echo "ok   state: $*"; }
# paychecks without their paycheck_id column
nopid() { cut -d, -f2- "$1"; }

# --- data: the _common parameters plus one provider and recipient (alameda, 19.00/hour)
data=$tmp/data
mkdir -p "$data"
cp "$top/fixtures/scenarios/_common/"*.csv "$data/"
cp "$top/fixtures/scenarios/overtime-published-19/data/"*.csv "$data/"
hdr="timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,recipient_signed_on,received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,d13,d14,d15,d16,total"
# week Sunday 2026-11-15 .. Saturday 11-21: 10:00 on Sunday (first period, d15) + 8:00 x 5 (second period)
printf '%s\nA1,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,,,,,,,,,,,,,,10:00,,\n' "$hdr" > "$tmp/a.csv"
printf '%s\nB1,P1,R1,2026-11-16,regular,paper,2026-11-30,2026-11-30,2026-11-30,8,8,8,8,8,,,,,,,,,,,,\n' "$hdr" > "$tmp/b.csv"

# 1. a workweek split across two nightly runs gets the same overtime as one run
"$PAYRUN" run --data "$data" --out "$tmp/one" --run-date 2026-12-01 "$tmp/a.csv" "$tmp/b.csv"
"$PAYRUN" run --data "$data" --out "$tmp/n1" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/a.csv"
"$PAYRUN" run --data "$data" --out "$tmp/n2" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/b.csv"
(nopid "$tmp/n1/paychecks.csv"; nopid "$tmp/n2/paychecks.csv" | tail -n +2) > "$tmp/split.csv"
if nopid "$tmp/one/paychecks.csv" | cmp -s - "$tmp/split.csv" && grep -q ',B1,.*,30:00,10:00,' "$tmp/n2/paychecks.csv"; then
    ok "split week over two runs: B1 carries 10:00 overtime, as in one run"
else
    fail "split week over two runs differs from one run"; nopid "$tmp/one/paychecks.csv" | diff - "$tmp/split.csv"
fi

# 2. idempotence (invariant 6): the same file again against the state pays nothing
"$PAYRUN" run --data "$data" --out "$tmp/again" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/b.csv"
if [ "$(wc -l < "$tmp/again/paychecks.csv")" = 1 ] && grep -q '^B1,.*,DUPLICATE_TIMESHEET,reject,2400,' "$tmp/again/exceptions.csv"; then
    ok "idempotence: a rerun pays nothing, B1 is DUPLICATE_TIMESHEET"
else
    fail "idempotence: a rerun paid or gave the wrong exception"; cat "$tmp/again/exceptions.csv"
fi

# 3. reprocessing: against generation 1 (before B1 was paid) into a new directory, state untouched
before=$("$PAYRUN" state list --state "$tmp/s1" | grep -c '^generation')
"$PAYRUN" run --data "$data" --out "$tmp/re" --state "$tmp/s1" --from-generation 1 --run-date 2026-12-01 "$tmp/b.csv"
after=$("$PAYRUN" state list --state "$tmp/s1" | grep -c '^generation')
if cmp -s "$tmp/re/paychecks.csv" "$tmp/n2/paychecks.csv" && [ "$before" = 3 ] && [ "$after" = 3 ]; then
    ok "reprocessing generation 1 reproduces run 2 byte for byte and commits nothing"
else
    fail "reprocessing: outputs differ or the state changed ($before -> $after generations)"
fi
"$PAYRUN" run --data "$data" --out "$tmp/re2" --state "$tmp/s1" --from-generation 1 --commit --run-date 2026-12-01 "$tmp/b.csv"
[ "$("$PAYRUN" state list --state "$tmp/s1" | grep -c '^generation')" = 4 ] && ok "--commit adds a generation" || fail "--commit did not add a generation"
"$PAYRUN" run --data "$data" --out "$tmp/x" --state "$tmp/s1" --from-generation 9 "$tmp/b.csv" 2>/dev/null
[ $? = 1 ] && ok "--from-generation past the newest is a usage error (exit 1)" || fail "--from-generation 9 did not exit 1"

# 4. state show
"$PAYRUN" state show --state "$tmp/s1" --generation 2 --provider P1 > "$tmp/show.txt"
if grep -q '2026-11-15  50:00' "$tmp/show.txt" && grep -q '2026-11  50:00' "$tmp/show.txt"; then
    ok "state show: week of 2026-11-15 has 50:00"
else
    fail "state show"; cat "$tmp/show.txt"
fi

# 5. lock: a run blocked on a FIFO holds the lock; a second run exits 3 at once naming it
mkfifo "$tmp/fifo"
"$PAYRUN" run --data "$data" --out "$tmp/l1" --state "$tmp/s2" --run-date 2026-12-01 "$tmp/fifo" &
holder=$!
sleep 0.3
"$PAYRUN" run --data "$data" --out "$tmp/l2" --state "$tmp/s2" --run-date 2026-12-01 "$tmp/a.csv" 2>"$tmp/lock.err"
rc=$?
if [ $rc = 3 ] && grep -q "locked by another run (pid $holder" "$tmp/lock.err"; then
    ok "lock contention: exit 3 naming pid $holder"
else
    fail "lock contention: exit $rc"; cat "$tmp/lock.err"
fi
kill -9 $holder 2>/dev/null; wait $holder 2>/dev/null
"$PAYRUN" run --data "$data" --out "$tmp/l3" --state "$tmp/s2" --run-date 2026-12-01 "$tmp/a.csv"
[ $? = 0 ] && ok "a lock left by a killed process does not block" || fail "stale lock blocked the run"

# 6. damaged state: a flipped byte and a truncated file are refused (exit 2), nothing written
cp -r "$tmp/s2" "$tmp/s3"
sed -i 's/^A1$/A2/' "$tmp/s3/gen-000001/ledger.txt"
"$PAYRUN" run --data "$data" --out "$tmp/d1" --state "$tmp/s3" --run-date 2026-12-01 "$tmp/b.csv" 2>"$tmp/dmg.err"
rc=$?
if [ $rc = 2 ] && grep -q "checksum mismatch" "$tmp/dmg.err" && [ ! -e "$tmp/d1/paychecks.csv" ]; then
    ok "damaged state refused (exit 2, checksum mismatch)"
else
    fail "damaged state: exit $rc"; cat "$tmp/dmg.err"
fi
cp -r "$tmp/s2" "$tmp/s4"
head -c 100 "$tmp/s2/gen-000001/ledger.txt" > "$tmp/s4/gen-000001/ledger.txt"
"$PAYRUN" run --data "$data" --out "$tmp/d2" --state "$tmp/s4" --run-date 2026-12-01 "$tmp/b.csv" 2>"$tmp/trunc.err"
rc=$?
if [ $rc = 2 ] && grep -q "truncated" "$tmp/trunc.err"; then ok "truncated state refused (exit 2)"; else fail "truncated state: exit $rc"; cat "$tmp/trunc.err"; fi

# 7. crash safety: a generated file, an uninterrupted reference run, then runs stopped at
# every fault point and at 20 random moments; each leaves no trace or a committed
# generation whose outputs (after the next start finishes the move) equal the reference.
"$GEN" --out "$tmp/g" --providers 4000 --rows 20000 --seed 11 >/dev/null
g=$tmp/g
"$PAYRUN" run --data "$g/data" --out "$tmp/ref" --state "$tmp/sref" --run-date 2026-12-04 "$g/timesheets.csv"
check_crash() {  # $1 = label; state in $tmp/sc, outputs in $tmp/oc
    "$PAYRUN" state list --state "$tmp/sc" > "$tmp/list.txt" 2>"$tmp/rec.err"   # any start finishes a committed move
    if grep -q '^generation 1' "$tmp/list.txt"; then
        for f in paychecks.csv exceptions.csv summary.json; do
            cmp -s "$tmp/ref/$f" "$tmp/oc/$f" || { fail "$1: committed but $f differs from the uninterrupted run"; return; }
        done
        echo committed
    else
        for f in paychecks.csv exceptions.csv summary.json; do
            [ -e "$tmp/oc/$f" ] && { fail "$1: not committed but $f is visible"; return; }
        done
        "$PAYRUN" run --data "$g/data" --out "$tmp/oc" --state "$tmp/sc" --run-date 2026-12-04 "$g/timesheets.csv"
        for f in paychecks.csv exceptions.csv summary.json; do
            cmp -s "$tmp/ref/$f" "$tmp/oc/$f" || { fail "$1: the rerun's $f differs from the uninterrupted run"; return; }
        done
        echo "no trace"
    fi
}
for point in outputs-written state-written committed mid-publish published; do
    rm -rf "$tmp/sc" "$tmp/oc"
    PAYRUN_CRASH_AT=$point "$PAYRUN" run --data "$g/data" --out "$tmp/oc" --state "$tmp/sc" --run-date 2026-12-04 "$g/timesheets.csv"
    r=$(check_crash "crash at $point") && ok "crash at $point: $r, outputs equal the uninterrupted run"
done
seen=""
i=0
while [ $i -lt 20 ]; do
    rm -rf "$tmp/sc" "$tmp/oc"
    delay=$(awk -v s=$i 'BEGIN { srand(s + 1); printf "%.3f", rand() * 0.25 }')
    "$PAYRUN" run --data "$g/data" --out "$tmp/oc" --state "$tmp/sc" --run-date 2026-12-04 "$g/timesheets.csv" &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    r=$(check_crash "kill -9 after ${delay}s") || true
    seen="$seen $r"
    i=$((i + 1))
done
echo "$seen" | grep -q "no trace\|committed" && ok "20 random kill -9 points: each no trace or committed, outputs equal the uninterrupted run ($(echo "$seen" | grep -o 'no trace' | wc -l) no trace, $(echo "$seen" | grep -o committed | wc -l) committed)"

# 8. a nightly sequence of three runs over the demo data = one run over the three files
demo=$top/fixtures/demo
ts=$demo/timesheets-2026-11.csv
head -1 "$ts" > "$tmp/h"
for k in 1 2 3; do cp "$tmp/h" "$tmp/night$k.csv"; done
tail -n +2 "$ts" | awk -v d="$tmp" '{ f = NR <= 24 ? 1 : NR <= 48 ? 2 : 3; print >> (d "/night" f ".csv") }'
cd "$tmp"
"$PAYRUN" run --data "$demo" --out all --run-date 2026-12-04 night1.csv night2.csv night3.csv
for k in 1 2 3; do
    "$PAYRUN" run --data "$demo" --out "n$k" --state nightly --run-date 2026-12-04 "night$k.csv"
done
(nopid n1/paychecks.csv; nopid n2/paychecks.csv | tail -n +2; nopid n3/paychecks.csv | tail -n +2) > seq-pay.csv
(cat n1/exceptions.csv; tail -n +2 n2/exceptions.csv; tail -n +2 n3/exceptions.csv) > seq-exc.csv
if nopid all/paychecks.csv | cmp -s - seq-pay.csv && cmp -s all/exceptions.csv seq-exc.csv; then
    ok "nightly: three runs give the same paychecks (but paycheck_id) and exceptions as one run"
else
    fail "nightly: three runs differ from one run"; nopid all/paychecks.csv | diff - seq-pay.csv | head; diff all/exceptions.csv seq-exc.csv | head
fi

[ $fails = 0 ] && echo "state: all passed" || { echo "state: $fails failed"; exit 1; }
