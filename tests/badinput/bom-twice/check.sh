. "$LIB"
"$PAYRUN" run --data data --out out --run-date 2026-11-20 timesheets.csv 2> err || { echo "exit $?"; cat err; exit 1; }
got=$(csv_columns out/exceptions.csv source code | tr '\n' ' ')
[ "$got" = "timesheets.csv:2|MALFORMED_ROW " ] || { echo "exceptions [$got]"; exit 1; }
[ "$(csv_columns out/paychecks.csv timesheet_id)" = T2 ] || { echo "paid: $(csv_columns out/paychecks.csv timesheet_id)"; exit 1; }
