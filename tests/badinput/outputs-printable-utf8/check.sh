# exceptions.csv stays printable UTF-8 without control bytes whatever the ids hold; the bad
# bytes are shown as \xNN (docs/formats.md), in the id and in the message.
. "$LIB"
"$PAYRUN" run --data data --out out --run-date 2026-11-20 timesheets.csv 2> err
rc=$?
[ $rc = 0 ] || { echo "exit $rc, expected 0"; cat err; exit 1; }
bad=0
n=$(tr -cd '\000\001' < out/exceptions.csv | wc -c)
[ "$n" = 0 ] || { echo "exceptions.csv holds $n control byte(s) copied from the input"; bad=1; }
iconv -f UTF-8 -t UTF-8 out/exceptions.csv > /dev/null 2>&1 || { echo "exceptions.csv is not valid UTF-8"; bad=1; }
got=$(csv_columns out/exceptions.csv timesheet_id code | tr '\n' ' ')
want='T\x012|MALFORMED_ROW T\xff3|MALFORMED_ROW T4\xc0\xaf|MALFORMED_ROW '
[ "$got" = "$want" ] || { echo "exceptions [$got], expected [$want]"; bad=1; }
grep -qF '(T\x012)' out/exceptions.csv || { echo "the message does not show the whole id T\\x012"; bad=1; }
exit $bad
