# The same timesheets with LF and with CRLF line ends (blank lines, an ignored column holding
# a quoted line break, quoted fields) give byte-identical paychecks.csv and exceptions.csv,
# sources included (both files are named timesheets.csv), and the sources are the physical
# lines where the rows start. (A line break inside a quoted value keeps its CR: it is data.)
. "$LIB"
mkdir lf crlf
cp timesheets-lf.csv lf/timesheets.csv
sed 's/$/\r/' timesheets-lf.csv > crlf/timesheets.csv
for d in lf crlf; do
    (cd $d && "$PAYRUN" run --data ../data --out out --run-date 2026-11-20 timesheets.csv) 2> $d.err ||
        { echo "$d: exit $?"; cat $d.err; exit 1; }
done
for f in paychecks.csv exceptions.csv; do
    cmp -s lf/out/$f crlf/out/$f || { echo "$f differs between LF and CRLF:"; diff lf/out/$f crlf/out/$f | head -10; exit 1; }
done
got=$(csv_columns lf/out/exceptions.csv timesheet_id source code | tr '\n' ' ')
want='T3|timesheets.csv:6|DUPLICATE_PERIOD T4|timesheets.csv:9|BAD_HOURS '
[ "$got" = "$want" ] || { echo "exceptions [$got], expected [$want]"; exit 1; }
paid=$(csv_columns lf/out/paychecks.csv timesheet_id | tr '\n' ' ')
[ "$paid" = "T1 T2 T5 " ] || { echo "paid [$paid], expected [T1 T2 T5 ]"; exit 1; }
