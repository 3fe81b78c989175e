# a complete gzip member followed by bytes that are not gzip
. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } | gzip -9n > timesheets.csv
printf 'this is not gzip\n' >> timesheets.csv
