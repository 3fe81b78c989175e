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

/* One row of a correction's adjustments.csv as read back: the two hours (minutes),
 * then the money from regular_pay to net (cents), replayed minus paid. */
#define CORRECT_NCOLS (2 + AMT_COUNT)
typedef struct {
    char id[64], timesheet[128], original[64], provider[64], recipient[64], county[64];
    cal_date period_start;
    int64_t v[CORRECT_NCOLS];
} correct_adjustment;

/* Reads the adjustments.csv at path, calling fn for each row in order; fn's nonzero
 * return stops it and is returned. Returns 0, fn's return, or -1 with err. */
typedef int (*correct_adjustment_fn)(void *ctx, const correct_adjustment *a);
int correct_read_adjustments(const char *path, correct_adjustment_fn fn, void *ctx, char *err, size_t errlen);

/* `payrun explain --timesheet ID --state S`, after the step-by-step explanation: when a
 * correction adjusted timesheet id, prints what was paid for it, each adjustment and the
 * corrected total side by side, column by column (docs/corrections.md "explain").
 * Returns 0 (also when nothing corrected it), or an exit code. */
int correct_explain(const char *state, const char *timesheet_id);

#endif
