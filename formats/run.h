/* run.h — `payrun run`: load, stream the timesheets through the rules, write the outputs. */
#ifndef PAYRUN_RUN_H
#define PAYRUN_RUN_H

#include "cal.h"

typedef struct {
    const char *data;           /* data directory */
    const char *out;            /* output directory */
    cal_date run_date;
    int gzip;
    int verbose;
    const char *const *files;   /* timesheet files, in processing order */
    int nfiles;
} run_options;

/* Runs the payroll; returns the exit code of SPEC §9 (0 done, 2 bad input data,
 * 4 internal or I/O error), with the reason on stderr. On any failure nothing is
 * left in the output directory. */
int run_payroll(const run_options *o);

#endif
