# invalid UTF-8 in the provider_id and the recipient_id of timesheet rows, and a valid
# UTF-8 letter (é) that is still not an id character
. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00
  printf 'T2,P\3771,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,,8:00,,,,,,,,,,,,,,\n'
  printf 'T3,P2,R\3002,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,\n'
  printf 'T4,P\303\2512,R2,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,\n'
} > timesheets.csv
