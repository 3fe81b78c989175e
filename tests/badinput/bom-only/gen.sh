printf '\357\273\277' > timesheets.csv
