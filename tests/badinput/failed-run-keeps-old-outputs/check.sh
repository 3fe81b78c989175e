# An output directory holding a complete earlier run: a run into it is refused before it
# reads anything (exit 2, SPEC §7a: payrun never writes into a directory holding a run's
# outputs), and the earlier run's files stay as they were, summary.json included.
. "$LIB"
"$PAYRUN" run --data data --out out --run-date 2026-11-20 timesheets.csv 2> err || { echo "first run: exit $?"; cat err; exit 1; }
cp -a out before
"$PAYRUN" run --data data --out out --run-date 2026-11-20 bad.csv 2> err
rc=$?
[ $rc = 2 ] || { echo "exit $rc, expected 2"; cat err; exit 1; }
grep -q 'out/paychecks.csv: the output directory is not empty' err || { echo "the message does not name the file: $(cat err)"; exit 1; }
diff -r before out > d.txt || { echo "the earlier run's outputs changed:"; head d.txt; exit 1; }
