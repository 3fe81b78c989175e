# A master file with one bad row in the middle (assignments.csv line 3 of 4): exit 2 with
# "file:line: column: what", no output file (not even a temporary one), and with --state no
# new generation and the old state still usable.
. "$LIB"
bad=0
"$PAYRUN" state init --state state
"$PAYRUN" run --data data --out out1 --state state --run-date 2026-11-20 timesheets.csv 2> err1 ||
    { echo "first run: exit $?"; cat err1; exit 1; }
[ "$(generations state)" = 1 ] || { echo "first run left $(generations state) generations"; exit 1; }
ls -R state > state-before.txt
cp -r data good
sed -i '3s/,other,no,/,cousin,no,/' data/assignments.csv
for mode in plain state; do
    rm -rf out2
    if [ $mode = state ]; then st="--state state"; else st=""; fi
    # shellcheck disable=SC2086
    "$PAYRUN" run --data data --out out2 $st --run-date 2026-11-20 night2.csv 2> err2
    rc=$?
    [ $rc = 2 ] || { echo "$mode: exit $rc, expected 2"; bad=1; }
    grep -qF "data/assignments.csv:3: relationship: expected parent, spouse, child or other (cousin)" err2 ||
        { echo "$mode: stderr lacks data/assignments.csv:3: relationship: ...:"; cat err2; bad=1; }
    no_outputs out2 || { echo "$mode: output directory holds: $(ls -A out2 | tr '\n' ' ')"; bad=1; }
done
ls -R state > state-after.txt
cmp -s state-before.txt state-after.txt || { echo "the state directory changed:"; diff state-before.txt state-after.txt | head; bad=1; }
[ "$(generations state)" = 1 ] || { echo "a failed run added a generation ($(generations state))"; bad=1; }
# the state is still good: the fixed data pays night 2 as generation 2
"$PAYRUN" run --data good --out out3 --state state --run-date 2026-11-20 night2.csv 2> err3 || { echo "run after the failure: exit $?"; cat err3; bad=1; }
[ "$(generations state)" = 2 ] || { echo "after a good run: $(generations state) generations, expected 2"; bad=1; }
exit $bad
