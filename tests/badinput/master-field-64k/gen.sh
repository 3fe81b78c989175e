# providers.csv: P1's name is 65536 bytes (at the limit), P2's 65537 (over it)
. "$LIB"
x() { head -c "$1" /dev/zero | tr '\0' x; }
{ head -1 data/providers.csv
  printf 'P1,'; x 65536; printf ',alameda,complete,n,n,n\n'
  printf 'P2,'; x 65537; printf ',alameda,complete,n,n,n\n'
  tail -n +4 data/providers.csv; } > data/providers.new && mv data/providers.new data/providers.csv
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
