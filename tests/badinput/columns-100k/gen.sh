# the 26 timesheet columns and 99,974 unknown ones (x1..x99974), two rows
. "$LIB"
awk -v h="$TS_HEADER" -v r1="$(ts_row T1 P1 R1 8:00)" -v r2="$(ts_row T2 P2 R2 4:00)" 'BEGIN {
    n = 100000 - 26; s = h; for (i = 1; i <= n; i++) s = s ",x" i; print s
    e = ""; for (i = 1; i <= n; i++) e = e ","; print r1 e; print r2 e }' > timesheets.csv
