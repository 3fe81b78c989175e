/* adjust.h — a correction's adjustments.csv read back: signed H:MM hours and signed money, replayed minus paid. */
#ifndef PAYRUN_ADJUST_H
#define PAYRUN_ADJUST_H

#include <stddef.h>

#include "cal.h"
#include "rules.h"

/* The values of one row: the two hours (minutes), then the money from regular_pay to
 * net (cents), in the order of adjustments.csv. */
#define ADJ_NCOLS (2 + AMT_COUNT)

/* One row of adjustments.csv (docs/corrections.md). */
typedef struct {
    char id[64], timesheet[128], original[64], provider[64], recipient[64], county[64];
    cal_date period_start;
    int64_t v[ADJ_NCOLS];
} adj_row;

/* The name of value k (0 <= k < ADJ_NCOLS) as adjustments.csv heads it. */
const char *adj_column_name(int k);

/* Reads the adjustments.csv (or .gz) at path, calling fn for each row in order; fn's
 * nonzero return stops the reading and is returned. Returns 0, fn's return, or -1 with
 * err naming the file and line of a row that does not read. */
typedef int (*adj_row_fn)(void *ctx, const adj_row *a);
int adj_read(const char *path, adj_row_fn fn, void *ctx, char *err, size_t errlen);

#endif
