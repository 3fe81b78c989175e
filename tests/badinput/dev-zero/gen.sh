. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
