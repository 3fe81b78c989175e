: > timesheets.csv
