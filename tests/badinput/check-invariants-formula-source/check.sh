. "$LIB"
[ -x "$CHECK_INVARIANTS" ] || { echo "no $CHECK_INVARIANTS (make build/check_invariants)"; exit 77; }
"$PAYRUN" run --data data --out out --run-date 2026-11-20 =cmd.csv ok.csv 2> err || { echo "exit $?"; cat err; exit 1; }
grep -q "^T1,'=cmd.csv:2,BAD_HOURS," out/exceptions.csv || { echo "payrun did not write the source as '=cmd.csv:2"; cat out/exceptions.csv; exit 1; }
"$CHECK_INVARIANTS" out =cmd.csv ok.csv > inv.txt 2>&1 || { echo "check_invariants rejects a correct run:"; head -3 inv.txt; exit 1; }
