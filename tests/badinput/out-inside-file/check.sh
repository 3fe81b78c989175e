# --out names a path inside a regular file (ENOTDIR; works as root, unlike chmod), and --out
# names an existing regular file: exit 4 (I/O error), nothing written, no new state generation.
. "$LIB"
bad=0
echo "not a directory" > afile
"$PAYRUN" state init --state state
"$PAYRUN" run --data data --out st0 --state state --run-date 2026-11-19 timesheets.csv 2> err0 || { echo "setup run: exit $?"; cat err0; exit 1; }
for out in afile/out afile; do
    for st in "" "--state state"; do
        # shellcheck disable=SC2086
        "$PAYRUN" run --data data --out $out $st --run-date 2026-11-20 timesheets.csv 2> err
        rc=$?
        [ $rc = 4 ] || { echo "--out $out $st: exit $rc, expected 4"; cat err; bad=1; }
        [ -s err ] || { echo "--out $out $st: no message"; bad=1; }
        [ "$(cat afile)" = "not a directory" ] || { echo "--out $out $st: afile was changed"; bad=1; }
        [ "$(generations state)" = 1 ] || { echo "--out $out $st: $(generations state) generations, expected 1"; bad=1; }
    done
done
exit $bad
