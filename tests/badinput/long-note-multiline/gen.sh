# T1's note is an 80 KB quoted value over 801 lines (lines 2-802): over 64 KiB, a MALFORMED_ROW,
# and the rest of the row is skipped to its end (the line end after the closing quote), so the
# rows after it are read on their own lines: T2 (line 803, 25:00 on a day) and T3 (line 804)
. "$LIB"
{ echo "$TS_HEADER,note"
  printf '%s,"' "$(ts_row T1 P1 R1 8:00)"
  i=0; while [ $i -lt 800 ]; do printf '%099d\n' 0; i=$((i + 1)); done
  printf 'end, ""quoted"" text"\n'
  echo "$(ts_row T2 P2 R2 25:00),"
  echo "$(ts_row T3 P3 R3 2:00),"; } > timesheets.csv
