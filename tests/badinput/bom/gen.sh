# a UTF-8 byte order mark before the header of the timesheet file and of providers.csv
. "$LIB"
{ printf '\357\273\277'; echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; } > timesheets.csv
{ printf '\357\273\277'; cat data/providers.csv; } > p && mv p data/providers.csv
