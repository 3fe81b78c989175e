# An output directory holding a complete earlier run: a run into it that fails (a quoting
# error, exit 2; a full output fs is disk-full-out) leaves the earlier run's files as they
# were, summary.json included, and no temporary file.
. "$LIB"
"$PAYRUN" run --data data --out out --run-date 2026-11-20 timesheets.csv 2> err || { echo "first run: exit $?"; cat err; exit 1; }
cp -a out before
"$PAYRUN" run --data data --out out --run-date 2026-11-20 bad.csv 2> err
rc=$?
[ $rc = 2 ] || { echo "exit $rc, expected 2"; cat err; exit 1; }
diff -r before out > d.txt || { echo "the earlier run's outputs changed:"; head d.txt; exit 1; }
