# two gzip members concatenated (cat a.gz b.gz): one file, read whole
. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } | gzip -9n > timesheets.csv
ts_row T2 P2 R2 4:00 | gzip -9n >> timesheets.csv
