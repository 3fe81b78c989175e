. "$LIB"
{ echo "$TS_HEADER"; ts_row T1 P1 R1 25:00; ts_row T2 P2 R2 4:00; } > "$(printf 'a\tb.csv')"
