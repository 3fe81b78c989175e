# the 26 timesheet columns and 200,000 unknown ones (x1..x200000): a 1.5 MB header, one row
. "$LIB"
{ printf '%s' "$TS_HEADER"; seq 1 200000 | sed 's/^/,x/' | tr -d '\n'; echo; ts_row T1 P1 R1 8:00; } > timesheets.csv
