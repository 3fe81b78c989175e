# a 10 MB timesheet_id in row 3 and a 10 MB unknown column value in row 4
. "$LIB"
{ echo "$TS_HEADER,note"; echo "$(ts_row T1 P1 R1 8:00),"
  printf 'X'; head -c 10485760 /dev/zero | tr '\0' 'A'
  printf ',P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,,8:00,,,,,,,,,,,,,,,\n'
  printf '%s,"' "$(ts_row T4 P2 R2 4:00)"; head -c 10485760 /dev/zero | tr '\0' 'B'; printf '"\n'
  echo "$(ts_row T5 P3 R3 "" "" 1:00),"; } > timesheets.csv
