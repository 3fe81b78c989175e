printf '\n\r\n\n' > timesheets.csv
