# invalid UTF-8 in a recipient_id of recipients.csv (row 5)
. "$LIB"
printf 'R\3773,Name,alameda,1950-01-01,n,n,\n' >> data/recipients.csv
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
