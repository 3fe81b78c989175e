# a second byte order mark (at the start of a data row) is data, not a mark: a bad id
. "$LIB"
{ printf '\357\273\277'; echo "$TS_HEADER"; printf '\357\273\277'; ts_row T1 P1 R1 8:00; ts_row T2 P2 R2 4:00; } > timesheets.csv
