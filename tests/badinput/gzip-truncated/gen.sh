# a gzip timesheet file cut in the middle of its compressed data
. "$LIB"
{ echo "$TS_HEADER"; i=1; while [ $i -le 200 ]; do ts_row "T$i" P1 R1 0:06; i=$((i + 1)); done; } 2>/dev/null | gzip -9n > full.gz
size=$(wc -c < full.gz)
head -c $((size / 2)) full.gz > timesheets.csv
rm full.gz
