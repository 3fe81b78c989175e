# rows of exactly 1 MiB (1048576 bytes before the line end: T1 paid) and one byte more (T2:
# MALFORMED_ROW), padded with 17 extra columns n1..n17 of at most 64 KiB each; T3 after them
. "$LIB"
# row ID P R HOURS SIZE: a timesheet row padded to SIZE bytes with the 17 n columns
row() {
    base=$(ts_row "$1" "$2" "$3" "$4")
    pad=$(( $5 - ${#base} - 17 ))
    each=$(( pad / 17 ))
    printf '%s' "$base"
    i=1
    while [ $i -le 17 ]; do
        n=$each
        [ $i = 17 ] && n=$(( pad - 16 * each ))
        printf ','; head -c "$n" /dev/zero | tr '\0' n
        i=$((i + 1))
    done
    echo
}
{ printf '%s' "$TS_HEADER"; for i in $(seq 1 17); do printf ',n%d' "$i"; done; echo
  row T1 P1 R1 8:00 1048576
  row T2 P2 R2 4:00 1048577
  row T3 P3 R3 2:00 2000; } > timesheets.csv
