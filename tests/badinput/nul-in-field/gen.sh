# NUL bytes inside fields: in a timesheet_id (row 3) and in a day cell (row 4)
. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00
  printf 'T\0002,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,,8:00,,,,,,,,,,,,,,\n'
  printf 'T3,P2,R2,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8\000,,,,,,,,,,,,,,,,\n'
  ts_row T4 P2 R2 "" 4:00; } > timesheets.csv
