/* impact.h — what a change did to pay: paychecks changed, added, removed, money deltas by county, exceptions gained and lost. */
#ifndef PAYRUN_IMPACT_H
#define PAYRUN_IMPACT_H

#include <stdio.h>

#include "ids.h"
#include "rules.h"

/* A paycheck as compared: every column of paychecks.csv but paycheck_id. */
typedef struct {
    char timesheet_id[40], provider_id[40], recipient_id[40], county[40], period_start[11], kind[12], pay_date[11],
        sr_number[40];
    int64_t regular_minutes, overtime_minutes;
    money_rate regular_rate, overtime_rate;
    money_cents amount[AMT_COUNT];
} impact_paycheck;

typedef struct {
    long same, changed, added, removed;
    money_cents delta[AMT_COUNT];
    ids_table counties;
    money_cents (*county_delta)[AMT_COUNT];
    long *county_changed;
    int32_t county_cap;
    ids_table exception_keys;       /* "timesheet_id code" */
    int32_t *exception_count;       /* per key: count in B minus count in A */
    int32_t exception_cap;
    FILE *list;                     /* each changed paycheck is listed here (NULL: not listed) */
    FILE *csv;                      /* deltas for a spreadsheet (NULL: none) */
    int adjustments;                /* the rows are a correction's adjustments, not paychecks (words only) */
    int failed;                     /* out of memory */
} impact;

/* Starts an empty comparison; list and csv may be NULL. The csv header is written here. */
void impact_init(impact *im, FILE *list, FILE *csv);
void impact_free(impact *im);

/* Compares paycheck a (the baseline, NULL when absent) with b (the change, NULL
 * when absent) of one timesheet, listing the columns that differ. */
void impact_paychecks(impact *im, const impact_paycheck *a, const impact_paycheck *b);

/* Counts one exception of the baseline (side 0) or of the change (side 1). */
void impact_exception(impact *im, int side, const char *timesheet_id, size_t n, const char *code);

/* True when nothing differs. */
int impact_identical(const impact *im);

/* Prints the impact summary: counts, total delta of every money column, per county,
 * exceptions gained and lost by code. */
void impact_print(const impact *im, FILE *f);

/* Fills p from an engine paycheck (for whatif). */
void impact_from_result(impact_paycheck *p, const masters *m, const sheet *s, const rules_paycheck *pc,
                        cal_date pay_date);

#endif
