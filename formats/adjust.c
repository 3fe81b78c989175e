/* adjust.c — a correction's adjustments.csv read back: signed H:MM hours and signed money, replayed minus paid. */
#include "adjust.h"

#include <stdio.h>

#include "csvr.h"
#include "field.h"

enum { A_ID, A_TS, A_ORIGINAL, A_PROVIDER, A_RECIPIENT, A_COUNTY, A_PERIOD, A_VALUES };
static const csvr_column adj_cols[A_VALUES + ADJ_NCOLS] = {
    {"adjustment_id", 1}, {"timesheet_id", 1}, {"original_paycheck_id", 1}, {"provider_id", 1}, {"recipient_id", 1},
    {"county", 1}, {"period_start", 1}, {"regular_hours", 1}, {"overtime_hours", 1}, {"regular_pay", 1},
    {"overtime_pay", 1}, {"differential_pay", 1}, {"gross", 1}, {"fica_ss", 1}, {"fica_medicare", 1}, {"sdi", 1},
    {"share_of_cost", 1}, {"union_dues", 1}, {"overpayment_recovery", 1},
    {"federal_income_tax", 1}, {"state_income_tax", 1}, {"net", 1}};

/* A signed H:MM (hours) or money value; NULL or what is wrong. */
static const char *signed_value(const char *s, size_t n, int hours, int64_t *out)
{
    int neg = n > 0 && s[0] == '-';
    int32_t minutes = 0;
    money_cents cents = 0;
    const char *e = hours ? fld_hours(s + neg, n - (size_t)neg, &minutes) : fld_money(s + neg, n - (size_t)neg, &cents);
    if (e)
        return e;
    *out = hours ? minutes : cents;
    if (neg)
        *out = -*out;
    return NULL;
}

typedef struct {
    adj_row_fn fn;
    void *ctx;
    char *err;
    size_t errlen;
    int bad;
} adj_reader;

static int read_row(void *ctx, const csvr_row *row)
{
    adj_reader *r = ctx;
    adj_row a;
    size_t n;
    const char *s, *e = NULL;
    int c;
#define TEXT(field, col)                                                                                         \
    s = csvr_get(row, col, &n);                                                                                  \
    snprintf(a.field, sizeof a.field, "%.*s", (int)n, s)
    TEXT(id, A_ID);
    TEXT(timesheet, A_TS);
    TEXT(original, A_ORIGINAL);
    TEXT(provider, A_PROVIDER);
    TEXT(recipient, A_RECIPIENT);
    TEXT(county, A_COUNTY);
#undef TEXT
    s = csvr_get(row, c = A_PERIOD, &n);
    e = fld_date(s, n, &a.period_start);
    for (int k = 0; !e && k < ADJ_NCOLS; k++) {
        s = csvr_get(row, c = A_VALUES + k, &n);
        e = signed_value(s, n, k < 2, &a.v[k]);
    }
    if (e) {
        snprintf(r->err, r->errlen, "%s:%ld: %s: %s", row->path, row->line, adj_cols[c].name, e);
        r->bad = 1;
        return CSVR_ERROR;
    }
    return r->fn(r->ctx, &a);
}

const char *adj_column_name(int k) { return adj_cols[A_VALUES + k].name; }

int adj_read(const char *path, adj_row_fn fn, void *ctx, char *err, size_t errlen)
{
    adj_reader r = {fn, ctx, err, errlen, 0};
    int rc = csvr_read(path, adj_cols, A_VALUES + ADJ_NCOLS, read_row, &r, NULL, err, errlen);
    return r.bad || rc == CSVR_ERROR ? -1 : rc;
}
