# a 10 MB timesheet_id in row 3 and a 10 MB (quoted) value of an unknown column in row 4: each
# row is a MALFORMED_ROW naming the field (SPEC §7a: a field over 64 KiB), the rows around
# them are paid on the right lines, and the run takes seconds.
. "$LIB"
start=$(date +%s)
timeout -s KILL 30 "$PAYRUN" run --data data --out out --run-date 2026-11-20 timesheets.csv 2> err
rc=$?
[ $rc = 137 ] && { echo "killed after 30 s (a quadratic field buffer? see README, BUG-3)"; exit 1; }
[ $rc = 0 ] || { echo "exit $rc, expected 0"; head -c 500 err; exit 1; }
[ $(( $(date +%s) - start )) -le 20 ] || { echo "took more than 20 s"; exit 1; }
paid=$(csv_columns out/paychecks.csv timesheet_id | tr '\n' ' ')
[ "$paid" = "T1 T5 " ] || { echo "paid [$paid], expected [T1 T5 ]"; exit 1; }
got=$(csv_columns out/exceptions.csv timesheet_id source code | tr '\n' ' ')
want="|timesheets.csv:3|MALFORMED_ROW T4|timesheets.csv:4|MALFORMED_ROW "
[ "$got" = "$want" ] || { echo "exceptions [$got], expected [$want]"; exit 1; }
grep -qF 'timesheets.csv:3: field 1 (timesheet_id) is longer than 64 KiB' out/exceptions.csv ||
    { echo "message lacks: timesheets.csv:3: field 1 (timesheet_id) is longer than 64 KiB"; exit 1; }
grep -qF 'timesheets.csv:4: field 27 is longer than 64 KiB' out/exceptions.csv ||
    { echo "message lacks: timesheets.csv:4: field 27 is longer than 64 KiB"; exit 1; }
# no output row is near 10 MB: nothing of the long fields is copied
size=$(wc -c < out/exceptions.csv)
[ "$size" -lt 5000 ] || { echo "exceptions.csv is $size bytes: a 10 MB field was copied"; exit 1; }
if [ -x "$CHECK_INVARIANTS" ]; then
    "$CHECK_INVARIANTS" out timesheets.csv > inv 2>&1 || { echo "SPEC §8 invariants fail:"; head -5 inv; exit 1; }
fi
