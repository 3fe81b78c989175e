# a byte order mark inside a gzip file (after decompression)
. "$LIB"
{ printf '\357\273\277'; echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } | gzip -9n > timesheets.csv
