/* correct.h — `payrun correct`: replay past nights with corrected data, pay or recover the difference. */
#ifndef PAYRUN_CORRECT_H
#define PAYRUN_CORRECT_H

#include "cal.h"
#include "rules.h"

typedef struct {
    const char *data;           /* the corrected data directory */
    const char *state;
    const char *out;
    const char *reason;
    const char *timesheets;     /* corrected timesheet rows, or NULL */
    const char *params;         /* --params (dry run only), or NULL */
    int from_generation;        /* N: the nights N+1 ... newest are replayed */
    cal_date run_date;
    int dry_run;
    int verbose;
} correct_options;

/* Runs a correction as docs/corrections.md says: the change set of o->data against
 * the newest generation's archived masters, the replay of the nights after
 * generation o->from_generation, adjustments.csv, overpayments.csv, paychecks.csv,
 * exceptions.csv and summary.json in o->out, and (unless o->dry_run, and only when
 * something is adjusted) the commit of the replayed ledger as a new generation.
 * Returns the exit code of the README ("Exit codes"), the reason on stderr. */
int correct_payroll(const correct_options *o);

/* A correction's generation keeps its adjustments.csv under this name (docs/corrections.md). */
#define CORRECT_ADJUSTMENTS "adjustments.csv"

/* `payrun explain --timesheet ID --state S`, after the step-by-step explanation: when a
 * correction adjusted timesheet id, prints what was paid for it, each adjustment and the
 * corrected total side by side, column by column (docs/corrections.md "explain").
 * Returns 0 (also when nothing corrected it), or an exit code. */
int correct_explain(const char *state, const char *timesheet_id);

#endif
