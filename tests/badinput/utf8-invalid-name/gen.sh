# invalid UTF-8 (FF FE, an overlong C0 AF) in a provider's and a recipient's name
. "$LIB"
printf 'P4,Bad \377\376 Name,alameda,complete,n,n,n\n' >> data/providers.csv
printf 'R4,Overlong \300\257,alameda,1950-01-01,n,n,\n' >> data/recipients.csv
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
