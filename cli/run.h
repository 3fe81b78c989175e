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
    const char *state;          /* state directory, or NULL */
    int from_generation;        /* -1: the newest; else run against this generation */
    int commit;                 /* with from_generation: commit a new generation (only on the newest) */
    int allow_earlier_run_date; /* a run date before the base generation's is allowed */
    const char *const *files;   /* timesheet files, in processing order */
    int nfiles;
} run_options;

/* Runs the payroll; returns the exit code of the README ("Exit codes") (0 done, 1 usage, 2 bad input
 * data or damaged state, 3 state locked, 4 internal or I/O error), with the reason
 * on stderr. On any failure nothing is published and no state is committed. With a
 * state directory the new generation is the commit point: outputs are prepared under
 * temporary names, the generation is committed, then the outputs are moved into
 * place (a later start finishes that move if the run stopped in between). */
int run_payroll(const run_options *o);

/* `payrun whatif`: one pass over the timesheets (each row parsed once) through two
 * engines, the baseline parameters of o->data and those of params_path, each with
 * its own ledger, both from the same state generation (read only). Prints the
 * impact summary (and each changed paycheck when list is set); csv_path receives the
 * deltas. Writes no output files and touches no state. Returns an exit code. */
int whatif_payroll(const run_options *o, const char *params_path, const char *csv_path, int list);

/* `payrun explain`: runs the timesheets as a run would (without writing anything or
 * touching the state) and prints, step by step, how every row with timesheet_id was
 * paid or refused. Returns an exit code (2 when the id is not found). */
int explain_timesheet(const run_options *o, const char *timesheet_id);

#endif
