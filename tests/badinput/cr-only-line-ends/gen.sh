# old Mac line ends (CR only): still one row per line, lines counted
. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; ts_row T2 P2 R2 "" 99:00; ts_row T3 P2 R2 4:00; } | tr '\n' '\r' > timesheets.csv
