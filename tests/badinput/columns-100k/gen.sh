# the 26 timesheet columns and 99,974 unknown ones (x1..x99974), two rows (written a field
# at a time: building the lines by concatenation took minutes, quadratic in awk)
. "$LIB"
awk -v h="$TS_HEADER" -v r1="$(ts_row T1 P1 R1 8:00)" -v r2="$(ts_row T2 P2 R2 4:00)" 'BEGIN {
    n = 100000 - 26
    printf "%s", h; for (i = 1; i <= n; i++) printf ",x%d", i; printf "\n"
    for (r = 1; r <= 2; r++) { printf "%s", r == 1 ? r1 : r2; for (i = 1; i <= n; i++) printf ","; printf "\n" } }' > timesheets.csv
