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
for st in s1 s2; do "$PAYRUN" state init --state "$tmp/$st"; done
"$PAYRUN" run --data "$data" --out "$tmp/n1" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/a.csv"
"$PAYRUN" run --data "$data" --out "$tmp/n2" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/b.csv"
(nopid "$tmp/n1/paychecks.csv"; nopid "$tmp/n2/paychecks.csv" | tail -n +2) > "$tmp/split.csv"
if nopid "$tmp/one/paychecks.csv" | cmp -s - "$tmp/split.csv" && grep -q ',B1,.*,30:00,10:00,' "$tmp/n2/paychecks.csv"; then
    ok "split week over two runs: B1 carries 10:00 overtime, as in one run"
else
    fail "split week over two runs differs from one run"; nopid "$tmp/one/paychecks.csv" | diff - "$tmp/split.csv"
fi

# 2. idempotence (invariant 6): the same file on the same run date against the state is
# the same night: exit 0, nothing written, no generation; reprocessing against the newest
# generation, or the same file on another run date, pays nothing (DUPLICATE_TIMESHEET)
gens() { "$PAYRUN" state list --state "$1" | grep -c '^generation'; }
"$PAYRUN" run --data "$data" --out "$tmp/again" --state "$tmp/s1" --run-date 2026-12-01 "$tmp/b.csv" > "$tmp/again.out" 2>&1
rc=$?
if [ $rc = 0 ] && [ ! -e "$tmp/again" ] && [ ! -s "$tmp/again.out" ] && [ "$(gens "$tmp/s1")" = 2 ]; then
    ok "idempotence: the same night again exits 0, silent, no output directory, no generation"
else
    fail "idempotence: exit $rc, output: $(cat "$tmp/again.out"), $(gens "$tmp/s1") generations"
fi
"$PAYRUN" run --data "$data" --out "$tmp/again2" --state "$tmp/s1" --from-generation 2 --run-date 2026-12-01 "$tmp/b.csv"
if [ "$(wc -l < "$tmp/again2/paychecks.csv")" = 1 ] && grep -q '^B1,.*,DUPLICATE_TIMESHEET,reject,2400,' "$tmp/again2/exceptions.csv"; then
    ok "invariant 6: reprocessing against the newest generation pays nothing, B1 is DUPLICATE_TIMESHEET"
else
    fail "invariant 6: reprocessing the newest generation paid or gave the wrong exception"; cat "$tmp/again2/exceptions.csv"
fi
"$PAYRUN" run --data "$data" --out "$tmp/again3" --state "$tmp/s1" --run-date 2026-12-02 "$tmp/b.csv"
if [ "$(wc -l < "$tmp/again3/paychecks.csv")" = 1 ] && grep -q '^B1,.*,DUPLICATE_TIMESHEET,reject,2400,' "$tmp/again3/exceptions.csv" &&
   [ "$(gens "$tmp/s1")" = 3 ]; then
    ok "invariant 6: the same file on another run date commits a night that pays nothing"
else
    fail "invariant 6: the same file on another run date paid or did not commit"; cat "$tmp/again3/exceptions.csv"
fi

# 3. reprocessing: against generation 1 (before B1 was paid) into a new directory, state untouched
"$PAYRUN" run --data "$data" --out "$tmp/re" --state "$tmp/s1" --from-generation 1 --run-date 2026-12-01 "$tmp/b.csv"
if cmp -s "$tmp/re/paychecks.csv" "$tmp/n2/paychecks.csv" && [ "$(gens "$tmp/s1")" = 3 ] &&
   grep -q '"committed_generation": null' "$tmp/re/summary.json" && grep -q '"reprocess": true' "$tmp/re/summary.json"; then
    ok "reprocessing generation 1 reproduces run 2 byte for byte and commits nothing"
else
    fail "reprocessing: outputs differ or the state changed ($(gens "$tmp/s1") generations)"
fi
"$PAYRUN" run --data "$data" --out "$tmp/re2" --state "$tmp/s1" --from-generation 1 --commit --run-date 2026-12-03 "$tmp/b.csv" 2>"$tmp/re2.err"
rc=$?
if [ $rc = 1 ] && [ ! -e "$tmp/re2" ] && grep -q "would pay again" "$tmp/re2.err" && [ "$(gens "$tmp/s1")" = 3 ]; then
    ok "--from-generation 1 --commit while generation 3 exists is refused (exit 1), nothing written"
else
    fail "--from-generation 1 --commit: exit $rc"; cat "$tmp/re2.err"
fi
"$PAYRUN" run --data "$data" --out "$tmp/re3" --state "$tmp/s1" --from-generation 3 --commit --run-date 2026-12-03 "$tmp/b.csv"
[ "$(gens "$tmp/s1")" = 4 ] && ok "--from-generation of the newest with --commit adds a generation" || fail "--commit on the newest did not add a generation"
"$PAYRUN" run --data "$data" --out "$tmp/x" --state "$tmp/s1" --from-generation 9 "$tmp/b.csv" 2>/dev/null
[ $? = 1 ] && ok "--from-generation past the newest is a usage error (exit 1)" || fail "--from-generation 9 did not exit 1"

# 3b. state prune: never the newest, never a generation run less than four years ago
# unless --force (IRS retention); a pruned generation cannot be reprocessed; the state
# goes on; a prune stopped half way (.gen-N.pruned) is finished by the next start
"$PAYRUN" state init --state "$tmp/sp"
k=0
for back in '6 years' '5 years' '2 years' '1 year'; do
    k=$((k + 1))
    "$PAYRUN" run --data "$data" --out "$tmp/p$k" --state "$tmp/sp" --run-date "$(date -d "-$back" +%F)" "$tmp/b.csv"
done
listed() { "$PAYRUN" state list --state "$1" | grep '^generation' | tr -d '\n'; }
"$PAYRUN" state prune --state "$tmp/sp" --keep 1 > "$tmp/prune.out"
if [ "$(listed "$tmp/sp")" = "generation 3generation 4" ] && grep -q "kept the ones run less than four years ago" "$tmp/prune.out"; then
    ok "state prune --keep 1: generations 1 and 2 (over four years old) pruned, 3 kept for retention, 4 the newest"
else
    fail "state prune --keep 1 left: $(listed "$tmp/sp"); said: $(cat "$tmp/prune.out")"
fi
"$PAYRUN" run --data "$data" --out "$tmp/p-re" --state "$tmp/sp" --from-generation 1 --run-date 2026-12-01 "$tmp/b.csv" 2>/dev/null
[ $? = 1 ] && ok "a pruned generation cannot be reprocessed (exit 1)" || fail "reprocessing a pruned generation did not exit 1"
"$PAYRUN" state prune --state "$tmp/sp" --before "$(date -d tomorrow +%F)" --force
[ "$(listed "$tmp/sp")" = "generation 4" ] && ok "state prune --before tomorrow --force: all but the newest" || fail "prune --force left: $(listed "$tmp/sp")"
mkdir "$tmp/sp/.gen-000003.pruned" && echo x > "$tmp/sp/.gen-000003.pruned/ledger.txt"
"$PAYRUN" run --data "$data" --out "$tmp/p5" --state "$tmp/sp" --run-date "$(date +%F)" "$tmp/a.csv"
if [ "$(listed "$tmp/sp")" = "generation 4generation 5" ] && [ ! -e "$tmp/sp/.gen-000003.pruned" ] && "$PAYRUN" state verify --state "$tmp/sp" >/dev/null; then
    ok "after pruning the state goes on (generation 5), a half-pruned generation is removed, verify is healthy"
else
    fail "after pruning: $(listed "$tmp/sp"); $(ls -A "$tmp/sp")"
fi

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
[ $? = 0 ] && [ -e "$tmp/l3/paychecks.csv" ] && ok "a lock left by a killed process does not block" || fail "stale lock blocked the run"

# 6. damaged state: a flipped byte and a truncated file are refused (exit 2), nothing written
flip() {  # flips one byte in the middle of file $1
    off=$(($(wc -c < "$1") / 2))
    c=$(dd if="$1" bs=1 skip=$off count=1 2> /dev/null | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %03o $(( (c + 1) % 256 )))" | dd of="$1" bs=1 seek=$off conv=notrunc 2> /dev/null
}
cp -r "$tmp/s2" "$tmp/s3"
flip "$tmp/s3/gen-000001/ledger.bin"
cmp -s "$tmp/s2/gen-000001/ledger.bin" "$tmp/s3/gen-000001/ledger.bin" && fail "the byte flip did not change ledger.bin"
"$PAYRUN" run --data "$data" --out "$tmp/d1" --state "$tmp/s3" --run-date 2026-12-01 "$tmp/b.csv" 2>"$tmp/dmg.err"
rc=$?
if [ $rc = 2 ] && grep -q "checksum mismatch" "$tmp/dmg.err" && [ ! -e "$tmp/d1/paychecks.csv" ]; then
    ok "damaged state refused (exit 2, checksum mismatch)"
else
    fail "damaged state: exit $rc"; cat "$tmp/dmg.err"
fi
"$PAYRUN" state verify --state "$tmp/s2" > "$tmp/verify.out" 2>&1 && grep -q "1 generation verified, healthy" "$tmp/verify.out" &&
    ok "state verify: a healthy state exits 0" || { fail "state verify of a healthy state"; cat "$tmp/verify.out"; }
"$PAYRUN" state verify --state "$tmp/s3" > "$tmp/verify.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "s3/gen-000001/ledger.bin: checksum mismatch" "$tmp/verify.out" &&
    ok "state verify: a changed ledger is exit 2 naming gen-000001/ledger.bin" || { fail "state verify of a damaged state: exit $rc"; cat "$tmp/verify.out"; }
cp -r "$tmp/s2" "$tmp/s4"
head -c 100 "$tmp/s2/gen-000001/ledger.bin" > "$tmp/s4/gen-000001/ledger.bin"
"$PAYRUN" run --data "$data" --out "$tmp/d2" --state "$tmp/s4" --run-date 2026-12-01 "$tmp/b.csv" 2>"$tmp/trunc.err"
rc=$?
if [ $rc = 2 ] && grep -q "truncated" "$tmp/trunc.err"; then ok "truncated state refused (exit 2)"; else fail "truncated state: exit $rc"; cat "$tmp/trunc.err"; fi
# the same for a text ledger (ledger.txt, as payrun wrote before binary checkpoints)
"$PAYRUN" state init --state "$tmp/s5"
PAYRUN_LEDGER_FORMAT=text "$PAYRUN" run --data "$data" --out "$tmp/d5" --state "$tmp/s5" --run-date 2026-12-01 "$tmp/a.csv"
"$PAYRUN" state dump --state "$tmp/s5" | cmp -s - "$tmp/s5/gen-000001/ledger.txt" || fail "state dump of a text ledger differs from it"
sed -i 's/^A1$/A2/' "$tmp/s5/gen-000001/ledger.txt"
"$PAYRUN" state verify --state "$tmp/s5" > "$tmp/verify.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "s5/gen-000001/ledger.txt: checksum mismatch" "$tmp/verify.out" &&
    ok "a changed text ledger (ledger.txt) is exit 2 naming it" || { fail "damaged text ledger: exit $rc"; cat "$tmp/verify.out"; }

# 7. crash safety: a generated night of 100k rows, an uninterrupted reference run, then
# runs stopped at every fault point and by kill -9 at 20 random moments, each followed
# by the very same command (as cron or an operator would retry): the retry ends the
# night with outputs byte-identical to the reference and exactly one generation, so no
# paycheck is lost and none is paid twice.
"$GEN" --out "$tmp/g" --providers 20000 --rows 100000 --seed 11 >/dev/null
g=$tmp/g
"$PAYRUN" state init --state "$tmp/sref"
"$PAYRUN" run --data "$g/data" --out "$tmp/ref" --state "$tmp/sref" --run-date 2026-12-04 "$g/timesheets.csv"
night() { "$PAYRUN" run --data "$g/data" --out "$tmp/oc" --state "$tmp/sc" --run-date 2026-12-04 "$g/timesheets.csv"; }
check_retry() {  # $1 = label: retry the same command, then compare
    night 2>"$tmp/retry.err" || { fail "$1: the retry exited $?: $(cat "$tmp/retry.err")"; return; }
    for f in paychecks.csv exceptions.csv summary.json; do
        cmp -s "$tmp/ref/$f" "$tmp/oc/$f" || { fail "$1: after the retry $f differs from the uninterrupted night"; return; }
    done
    n=$("$PAYRUN" state list --state "$tmp/sc" | grep -c '^generation')
    [ "$n" = 1 ] || { fail "$1: $n generations after the retry (expected 1)"; return; }
    ls -A "$tmp/oc" | grep -v '^\.payrun-commit$' | grep -q '^\.' && { fail "$1: temporary files left in the output directory"; return; }
    echo "$2"
}
for point in outputs-written state-written committed mid-publish published; do
    rm -rf "$tmp/sc" "$tmp/oc"
    "$PAYRUN" state init --state "$tmp/sc"
    PAYRUN_CRASH_AT=$point night 2>/dev/null
    committed=$("$PAYRUN" state list --state "$tmp/sc" | grep -c '^generation')
    r=$(check_retry "crash at $point" "generation committed before the crash: $committed") && ok "crash at $point, then the same command: outputs equal the uninterrupted night ($r)"
done
i=0 kills=0 after_commit=0
while [ $i -lt 20 ]; do
    rm -rf "$tmp/sc" "$tmp/oc"
    "$PAYRUN" state init --state "$tmp/sc"
    delay=$(awk -v s=$i 'BEGIN { srand(s + 1); printf "%.3f", rand() * 0.6 }')
    "$PAYRUN" run --data "$g/data" --out "$tmp/oc" --state "$tmp/sc" --run-date 2026-12-04 "$g/timesheets.csv" 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null && kills=$((kills + 1))
    wait $pid 2>/dev/null
    [ -d "$tmp/sc/gen-000001" ] && after_commit=$((after_commit + 1))
    r=$(check_retry "kill -9 after ${delay}s" ok)
    [ "$r" = ok ] || echo "$r"
    [ "$r" = ok ] || fails=$((fails + 1))
    i=$((i + 1))
done
ok "20 random kill -9 moments ($kills killed mid-run, $after_commit of them after the commit), each retried with the same command: 0 lost, 0 paid twice, outputs byte-identical"

# 7b. deltas: twenty nights against one state saved as deltas with binary checkpoints (the
# default) and against one saving a whole text ledger every night (PAYRUN_LEDGER_FORMAT=text,
# PAYRUN_CHECKPOINT_EVERY=1: as payrun did before): the same outputs every night, the same
# ledger of every generation (state dump = the whole ledger.txt), every night reprocessed byte for byte from the
# generation before it across the checkpoints, and the same after compact and prune
"$GEN" --out "$tmp/gd" --providers 1500 --rows 20000 --seed 5 >/dev/null
head -1 "$tmp/gd/timesheets.csv" > "$tmp/gd/h"
tail -n +2 "$tmp/gd/timesheets.csv" | awk -v d="$tmp/gd" '{ print >> (d "/n" (int((NR - 1) / 1000) + 1) ".csv") }'
for k in $(seq 1 20); do cat "$tmp/gd/h" "$tmp/gd/n$k.csv" > "$tmp/gd/night$k.csv"; done
"$PAYRUN" state init --state "$tmp/dA" && "$PAYRUN" state init --state "$tmp/dB"
day() { date -d "2026-12-01 + $1 days" +%F; }
for k in $(seq 1 20); do
    "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dA" --out "$tmp/dA-out$k" --run-date "$(day "$k")" "$tmp/gd/night$k.csv"
    PAYRUN_LEDGER_FORMAT=text PAYRUN_CHECKPOINT_EVERY=1 "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dB" --out "$tmp/dB-out$k" \
        --run-date "$(day "$k")" "$tmp/gd/night$k.csv"
done
bad="" deltas=0 checkpoints=0
for k in $(seq 1 20); do
    gk=$(printf 'gen-%06d' "$k")
    [ -f "$tmp/dA/$gk/delta.bin" ] && deltas=$((deltas + 1))
    [ -f "$tmp/dA/$gk/ledger.bin" ] && checkpoints=$((checkpoints + 1))
    for f in paychecks.csv exceptions.csv; do cmp -s "$tmp/dA-out$k/$f" "$tmp/dB-out$k/$f" || bad="$bad night$k:$f"; done
    "$PAYRUN" state dump --state "$tmp/dA" --generation "$k" > "$tmp/dump"
    cmp -s "$tmp/dump" "$tmp/dB/$gk/ledger.txt" || bad="$bad dump$k"
done
bytesA=$(du -sb "$tmp/dA" | cut -f1) bytesB=$(du -sb "$tmp/dB" | cut -f1)
if [ -z "$bad" ] && [ $deltas -ge 10 ] && [ $checkpoints -ge 2 ] && [ "$bytesA" -lt "$bytesB" ]; then
    ok "20 nights as $deltas deltas and $checkpoints checkpoints: outputs and every generation's ledger equal to whole ledgers ($bytesA bytes on disk, whole ledgers $bytesB)"
else
    fail "deltas:$bad ($deltas deltas, $checkpoints checkpoints, $bytesA vs $bytesB bytes)"
fi
# a state of an older payrun (ledger.bin version 1 and delta.txt, PAYRUN_LEDGER_FORMAT=v1) for
# five nights, then segments: every night's outputs and every generation's ledger as above
"$PAYRUN" state init --state "$tmp/dE"
bad=""
for k in $(seq 1 20); do
    if [ $k -le 5 ]; then fmt=v1; else fmt=; fi
    PAYRUN_LEDGER_FORMAT=$fmt "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dE" --out "$tmp/dE-out$k" \
        --run-date "$(day "$k")" "$tmp/gd/night$k.csv" || bad="$bad run$k"
    for f in paychecks.csv exceptions.csv; do cmp -s "$tmp/dE-out$k/$f" "$tmp/dB-out$k/$f" || bad="$bad night$k:$f"; done
done
for k in $(seq 1 20); do
    "$PAYRUN" state dump --state "$tmp/dE" --generation "$k" | cmp -s - "$tmp/dB/$(printf 'gen-%06d' "$k")/ledger.txt" || bad="$bad dump$k"
done
[ -f "$tmp/dE/gen-000002/delta.txt" ] && [ -f "$tmp/dE/gen-000006/delta.bin" ] || bad="$bad files"
[ -z "$bad" ] && "$PAYRUN" state verify --state "$tmp/dE" > /dev/null &&
    ok "a state of payrun 0.10 (ledger.bin version 1, delta.txt) goes on with segments: outputs and ledgers as whole ledgers, verify healthy" ||
    fail "older state continued with segments:$bad"
reprocess_all() {  # $1 label: every night k reprocessed from generation k-1 equals its original outputs
    bad=""
    for k in $(seq 2 20); do
        state_has=$("$PAYRUN" state list --state "$tmp/dA" | grep -c "^generation $((k - 1))\$")
        [ "$state_has" = 1 ] || continue
        rm -rf "$tmp/dR"
        "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dA" --from-generation $((k - 1)) --out "$tmp/dR" \
            --run-date "$(day "$k")" "$tmp/gd/night$k.csv"
        for f in paychecks.csv exceptions.csv; do cmp -s "$tmp/dR/$f" "$tmp/dA-out$k/$f" || bad="$bad night$k:$f"; done
    done
    [ -z "$bad" ] && ok "$1: every kept night reprocessed from the generation before it is byte-identical" || fail "$1:$bad"
}
reprocess_all "deltas and checkpoints"
"$PAYRUN" state compact --state "$tmp/dA"
"$PAYRUN" state prune --state "$tmp/dA" --keep 6 --force
bad=""
for k in $(seq 15 20); do
    "$PAYRUN" state dump --state "$tmp/dA" --generation "$k" | cmp -s - "$tmp/dB/$(printf 'gen-%06d' "$k")/ledger.txt" || bad="$bad dump$k"
done
[ -z "$bad" ] && "$PAYRUN" state verify --state "$tmp/dA" > /dev/null && [ "$("$PAYRUN" state list --state "$tmp/dA" | grep -c '^generation')" = 6 ] &&
    ok "after compact and prune --keep 6: the six kept generations' ledgers unchanged, verify healthy" || fail "after compact and prune:$bad"
reprocess_all "after compact and prune"
# a damaged or missing delta is refused, naming it
cp -r "$tmp/dA" "$tmp/dC"
dgen=$(ls "$tmp/dC"/gen-*/delta.bin | tail -1)
cp "$dgen" "$tmp/delta.keep"
printf 'x' >> "$dgen"
"$PAYRUN" state verify --state "$tmp/dC" > "$tmp/dC.err" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "delta.bin: truncated or damaged" "$tmp/dC.err" && ok "a delta.bin with a byte added: state verify exit 2 naming it" || { fail "damaged delta: exit $rc"; cat "$tmp/dC.err"; }
cp "$tmp/delta.keep" "$dgen"
flip "$dgen"
"$PAYRUN" state verify --state "$tmp/dC" > "$tmp/dC.err" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "delta.bin: checksum mismatch" "$tmp/dC.err" && ok "a delta.bin with a byte changed in its records: state verify exit 2 naming it" || { fail "changed delta: exit $rc"; cat "$tmp/dC.err"; }
rm "$dgen"
"$PAYRUN" state verify --state "$tmp/dC" > "$tmp/dC.err" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "neither a ledger (ledger.bin, ledger.txt) nor a delta (delta.bin, delta.txt)" "$tmp/dC.err" && ok "a missing delta: exit 2 naming the generation" || { fail "missing delta: exit $rc"; cat "$tmp/dC.err"; }
# a night saved as a delta stopped at every point, then the same command: as uninterrupted
for point in outputs-written state-written committed mid-publish published; do
    rm -rf "$tmp/dD" "$tmp/dD-out"
    "$PAYRUN" state init --state "$tmp/dD"
    "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dD" --out "$tmp/dD-1" --run-date "$(day 1)" "$tmp/gd/night1.csv"
    rm -rf "$tmp/dD-1"
    PAYRUN_CRASH_AT=$point "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dD" --out "$tmp/dD-out" --run-date "$(day 2)" "$tmp/gd/night2.csv" 2>/dev/null
    "$PAYRUN" run --data "$tmp/gd/data" --state "$tmp/dD" --out "$tmp/dD-out" --run-date "$(day 2)" "$tmp/gd/night2.csv" 2>/dev/null
    if cmp -s "$tmp/dD-out/paychecks.csv" "$tmp/dA-out2/paychecks.csv" && [ -f "$tmp/dD/gen-000002/delta.bin" ] &&
       "$PAYRUN" state dump --state "$tmp/dD" --generation 2 | cmp -s - "$tmp/dB/gen-000002/ledger.txt"; then
        ok "a delta night stopped at $point, then the same command: outputs and ledger as uninterrupted"
    else
        fail "a delta night stopped at $point"
    fi
done

# 7c. a ledger holding withholding records (provider_periods, provider_w2 naming county 1 of the
# ledger's list), made by hand in the ledger.txt version 2 of a night of the demo: state verify and
# state show read it (the county by name), a next night carries the records into its delta segment,
# and compact into a checkpoint, unchanged (state dump). They are of December 2025, which these
# nights do not pay.
demo=$top/fixtures/demo
with_crc() {  # $1: a text ledger without its checksum line; adds "crc32 XXXXXXXX" (zlib's, as gzip's)
    printf 'crc32 %s\n' "$(gzip -c "$1" | tail -c 8 | od -An -tx4 -N4 | tr -d ' \n')" >> "$1"
}
head -1 "$demo/timesheets-2026-11.csv" > "$tmp/w1.csv" && cp "$tmp/w1.csv" "$tmp/w2.csv"
sed -n '2,30p' "$demo/timesheets-2026-11.csv" >> "$tmp/w1.csv"
sed -n '31,$p' "$demo/timesheets-2026-11.csv" >> "$tmp/w2.csv"
"$PAYRUN" state init --state "$tmp/sW"
PAYRUN_LEDGER_FORMAT=text "$PAYRUN" run --data "$demo" --out "$tmp/sW-out1" --state "$tmp/sW" --run-date 2026-12-04 "$tmp/w1.csv"
l=$tmp/sW/gen-000001/ledger.txt
first=$(sed -n 4p "$l")     # provider 0 of the ledger's list (the line after "providers N")
county1=$(sed -n '/^counties /{n;n;p;q}' "$l")    # county 1 of the ledger's list (the night's paychecks made it version 2)
{ sed -e '/^provider_periods /,$d' -e '/^end$/,$d' "$l"   # its own withholding sections replaced
  printf 'provider_periods 2\n0 2025-12-01 1520.00 100.00 20.50\n0 2025-12-16 760.00 0.00 -1.25\n'
  printf 'provider_w2 1\n0 2025 2280.00 100.00 2280.00 141.36 2280.00 33.06 27.36 19.25 1\nend\n'; } > "$tmp/v2.txt"
with_crc "$tmp/v2.txt"
cp "$tmp/v2.txt" "$l"
"$PAYRUN" state dump --state "$tmp/sW" > "$tmp/sW.dump1"
"$PAYRUN" state show --state "$tmp/sW" --provider "$first" > "$tmp/sW.show"
if head -1 "$tmp/v2.txt" | grep -qx 'payrun-ledger 2' && [ -n "$county1" ] && cmp -s "$tmp/sW.dump1" "$l" &&
   "$PAYRUN" state verify --state "$tmp/sW" > /dev/null &&
   grep -qx '  pay period 2025-12-16: wages 760.00, federal income tax taken 0.00, California income tax taken -1.25' "$tmp/sW.show" &&
   grep -qx "  W-2 year 2025 (pay dates): wages 2280.00, federal income tax 100.00, social security wages 2280.00, tax 141.36, Medicare wages 2280.00, tax 33.06, CASDI 27.36, California income tax 19.25, county $county1" "$tmp/sW.show"; then
    ok "a ledger.txt version 2 with withholding records: state dump gives it back, verify healthy, state show lists them"
else
    fail "a ledger.txt version 2 with withholding records"; cat "$tmp/sW.show"
fi
"$PAYRUN" run --data "$demo" --out "$tmp/sW-out2" --state "$tmp/sW" --run-date 2026-12-04 "$tmp/w2.csv"
records() { sed -n '/^provider_periods /,/^end$/p' "$1" | grep '^0 2025'; }   # the records made by hand
"$PAYRUN" state dump --state "$tmp/sW" > "$tmp/sW.dump2"
[ -f "$tmp/sW/gen-000002/delta.bin" ] && delta=yes || delta=no
"$PAYRUN" state compact --state "$tmp/sW"
"$PAYRUN" state dump --state "$tmp/sW" > "$tmp/sW.dump3"
if [ $delta = yes ] && [ -f "$tmp/sW/gen-000002/ledger.bin" ] && head -1 "$tmp/sW.dump2" | grep -qx 'payrun-ledger 2' &&
   [ "$(records "$tmp/sW.dump2")" = "$(records "$tmp/v2.txt")" ] && [ "$(records "$tmp/v2.txt" | wc -l)" = 3 ] &&
   cmp -s "$tmp/sW.dump2" "$tmp/sW.dump3" &&
   "$PAYRUN" state verify --state "$tmp/sW" > /dev/null; then
    ok "the next night's delta segment and a compacted checkpoint carry the withholding records unchanged, verify healthy"
else
    fail "withholding records after a night and compact"; diff "$tmp/sW.dump2" "$tmp/sW.dump3" | head
fi

# 7d. a state the payrun before the withholding tables wrote (segments version 2, 10 tables):
# fixtures/state-segments-v2, two nights of the demo made by the build of commit a64db07 (its
# README.md gives the commands). It verifies, its generations dump byte for byte as a64db07 dumped
# them, its third night pays as on a state this payrun wrote from the first night, and it verifies
# after that night (a version 4 delta on version 2 segments) and after compact.
old=$top/fixtures/state-segments-v2
cp -R "$old/state" "$tmp/sV" && chmod -R go-rwx "$tmp/sV"
bad=""
"$PAYRUN" state verify --state "$tmp/sV" > /dev/null 2> "$tmp/sV.err" || bad="$bad verify:$(cat "$tmp/sV.err")"
for k in 1 2; do
    "$PAYRUN" state dump --state "$tmp/sV" --generation $k | cmp -s - "$old/dump$k.txt" || bad="$bad dump$k"
done
"$PAYRUN" run --data "$old/data" --out "$tmp/sV-out3" --state "$tmp/sV" --run-date 2026-12-04 "$old/night3.csv" || bad="$bad night3"
"$PAYRUN" state init --state "$tmp/sN"
for k in 1 2 3; do
    "$PAYRUN" run --data "$old/data" --out "$tmp/sN-out$k" --state "$tmp/sN" --run-date 2026-12-04 "$old/night$k.csv" || bad="$bad new$k"
done
for f in paychecks.csv exceptions.csv summary.json; do cmp -s "$tmp/sV-out3/$f" "$tmp/sN-out3/$f" || bad="$bad $f"; done
[ -f "$tmp/sV/gen-000003/delta.bin" ] || bad="$bad no-delta3"
"$PAYRUN" state verify --state "$tmp/sV" > /dev/null 2> "$tmp/sV.err" || bad="$bad verify3:$(cat "$tmp/sV.err")"
"$PAYRUN" state dump --state "$tmp/sV" > "$tmp/sV.dump3"
"$PAYRUN" state compact --state "$tmp/sV" && "$PAYRUN" state dump --state "$tmp/sV" | cmp -s - "$tmp/sV.dump3" || bad="$bad compact"
"$PAYRUN" state verify --state "$tmp/sV" > /dev/null 2> "$tmp/sV.err" || bad="$bad verify-compacted:$(cat "$tmp/sV.err")"
[ -z "$bad" ] && ok "a state of segments version 2 (a64db07): verify exit 0, dumps as a64db07's, its next night pays as on a new state, verify exit 0 after it and after compact" ||
    fail "the state of segments version 2:$bad"

# 7e. payrun year-end names each provider's county, from the ledger alone: two nights of the demo
# (a) on the same data (generation 2 a delta segment, read lazily), (b) with the second night's
# parameters.csv listing the counties in another order (its ledger remapped by name: a
# checkpoint), (c) as (b) with text ledgers (PAYRUN_LEDGER_FORMAT=text); every row of w2.csv
# names the county providers.csv gives its provider (awk, quoted names with commas skipped),
# and the same after state compact.
mkdir -p "$tmp/demo-rev"
cp "$demo/"*.csv "$tmp/demo-rev/"
{ head -1 "$demo/parameters.csv"; tail -n +2 "$demo/parameters.csv" | tac; } > "$tmp/demo-rev/parameters.csv"
awk -F, 'NR > 1 { line = $0; gsub(/"[^"]*"/, "", line); split(line, f, ","); print $1 "," f[3] }' "$demo/providers.csv" |
    LC_ALL=C sort > "$tmp/want-county.csv"
w2_counties_ok() {  # $1 state, $2 label: year-end's w2.csv of 2026 against providers.csv
    rm -rf "$tmp/ye"
    "$PAYRUN" year-end --state "$1" --year 2026 --out "$tmp/ye" 2> /dev/null || { echo "$2: year-end failed"; return 1; }
    tail -n +2 "$tmp/ye/w2.csv" | cut -d, -f1,2 | LC_ALL=C sort > "$tmp/got-county.csv"
    rows=$(wc -l < "$tmp/got-county.csv")
    wrong=$(LC_ALL=C comm -23 "$tmp/got-county.csv" "$tmp/want-county.csv" | head -3 | tr '\n' ' ')
    [ "$rows" -gt 20 ] && [ -z "$wrong" ] || { echo "$2: $rows rows; not as providers.csv: $wrong"; return 1; }
}
bad=""
for v in a b c; do
    st=$tmp/yc-$v fmt=
    [ $v = c ] && fmt=text
    data2=$demo
    [ $v != a ] && data2=$tmp/demo-rev
    "$PAYRUN" state init --state "$st"
    PAYRUN_LEDGER_FORMAT=$fmt "$PAYRUN" run --data "$demo" --out "$st-out1" --state "$st" --run-date 2026-12-04 "$tmp/w1.csv" &&
        PAYRUN_LEDGER_FORMAT=$fmt "$PAYRUN" run --data "$data2" --out "$st-out2" --state "$st" --run-date 2026-12-05 "$tmp/w2.csv" ||
        bad="$bad $v:runs"
    case $v in     # generation 2: a delta on the same counties, a checkpoint on reordered ones
    a) [ -f "$st/gen-000002/delta.bin" ] || bad="$bad a:no-delta" ;;
    b) [ -f "$st/gen-000002/ledger.bin" ] || bad="$bad b:no-checkpoint" ;;
    c) [ -f "$st/gen-000002/ledger.txt" ] || bad="$bad c:no-checkpoint" ;;
    esac
    why=$(w2_counties_ok "$st" "$v") || bad="$bad $why"
    "$PAYRUN" state compact --state "$st" || bad="$bad $v:compact"
    why=$(w2_counties_ok "$st" "$v after compact") || bad="$bad $why"
done
[ -z "$bad" ] && ok "year-end after two demo nights names each provider's county as providers.csv does: a delta read lazily, masters' counties reordered (segments and text), and after compact" ||
    fail "year-end counties:$bad"

# 8. a nightly sequence of three runs over the demo data = one run over the three files
demo=$top/fixtures/demo
ts=$demo/timesheets-2026-11.csv
head -1 "$ts" > "$tmp/h"
for k in 1 2 3; do cp "$tmp/h" "$tmp/night$k.csv"; done
tail -n +2 "$ts" | awk -v d="$tmp" '{ f = NR <= 24 ? 1 : NR <= 48 ? 2 : 3; print >> (d "/night" f ".csv") }'
cd "$tmp"
"$PAYRUN" run --data "$demo" --out all --run-date 2026-12-04 night1.csv night2.csv night3.csv
"$PAYRUN" state init --state nightly
for k in 1 2 3; do
    "$PAYRUN" run --data "$demo" --out "night-out$k" --state nightly --run-date 2026-12-04 "night$k.csv"
done
(nopid night-out1/paychecks.csv; nopid night-out2/paychecks.csv | tail -n +2; nopid night-out3/paychecks.csv | tail -n +2) > seq-pay.csv
(cat night-out1/exceptions.csv; tail -n +2 night-out2/exceptions.csv; tail -n +2 night-out3/exceptions.csv) > seq-exc.csv
if nopid all/paychecks.csv | cmp -s - seq-pay.csv && cmp -s all/exceptions.csv seq-exc.csv; then
    ok "nightly: three runs give the same paychecks (but paycheck_id) and exceptions as one run"
else
    fail "nightly: three runs differ from one run"; nopid all/paychecks.csv | diff - seq-pay.csv | head; diff all/exceptions.csv seq-exc.csv | head
fi

[ $fails = 0 ] && echo "state: all passed" || { echo "state: $fails failed"; exit 1; }
