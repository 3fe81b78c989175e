# a note of exactly 64 KiB (65536 bytes: read, T1 paid), one of 65537 bytes (T2: MALFORMED_ROW),
# one of 65536 bytes quoted with a doubled quote in it (T3 paid: the value is what counts)
. "$LIB"
x() { head -c "$1" /dev/zero | tr '\0' x; }
{ echo "$TS_HEADER,note"
  printf '%s,' "$(ts_row T1 P1 R1 8:00)"; x 65536; echo
  printf '%s,' "$(ts_row T2 P2 R2 4:00)"; x 65537; echo
  printf '%s,"' "$(ts_row T3 P3 R3 2:00)"; x 65535; printf '"""\n'
  echo "$(ts_row T4 P2 R2 "" 1:00),"; } > timesheets.csv
