# providers.csv compressed (detected by magic bytes, not by name) and cut short
. "$LIB"
cp data/providers.csv p.csv
i=4; while [ $i -le 400 ]; do echo "P$i,Name $i,alameda,complete,n,n,n" >> p.csv; i=$((i + 1)); done
gzip -9n < p.csv > p.gz
head -c $(( $(wc -c < p.gz) - 12 )) p.gz > data/providers.csv
rm p.csv p.gz
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
