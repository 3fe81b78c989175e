/* diff.c — joins paychecks.csv and exceptions.csv of two output directories by timesheet id. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvr.h"
#include "field.h"
#include "impact.h"

enum { C_TS, C_PROVIDER, C_RECIPIENT, C_COUNTY, C_PERIOD, C_KIND, C_PAY_DATE, C_REG_H, C_OT_H, C_REG_RATE,
       C_OT_RATE, C_SR, C_AMOUNT, C_NCOLS = C_AMOUNT + AMT_COUNT };

static csvr_column pay_cols[C_NCOLS];
static const csvr_column ex_cols[] = {{"timesheet_id", 1}, {"code", 1}};

typedef struct {
    impact_paycheck *v;
    size_t n, cap;
    ids_table index;            /* timesheet id -> row */
    uint8_t *seen;
    impact *im;
    int side;
    char *err;
    size_t errlen;
} side_rows;

static void text(char *dst, size_t cap, const csvr_row *row, int c)
{
    size_t n;
    const char *s = csvr_get(row, c, &n);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Parses one paychecks.csv row; returns 0 or CSVR_ERROR with err set. */
static int parse_paycheck(const csvr_row *row, impact_paycheck *p, char *err, size_t errlen)
{
    size_t n;
    const char *s, *e = NULL;
    int32_t minutes;
    memset(p, 0, sizeof *p);
    text(p->timesheet_id, sizeof p->timesheet_id, row, C_TS);
    text(p->provider_id, sizeof p->provider_id, row, C_PROVIDER);
    text(p->recipient_id, sizeof p->recipient_id, row, C_RECIPIENT);
    text(p->county, sizeof p->county, row, C_COUNTY);
    text(p->period_start, sizeof p->period_start, row, C_PERIOD);
    text(p->kind, sizeof p->kind, row, C_KIND);
    text(p->pay_date, sizeof p->pay_date, row, C_PAY_DATE);
    text(p->sr_number, sizeof p->sr_number, row, C_SR);
    int c = C_REG_H;
    s = csvr_get(row, c, &n);
    if (!(e = fld_hours(s, n, &minutes))) {
        p->regular_minutes = minutes;
        s = csvr_get(row, ++c, &n);
        if (!(e = fld_hours(s, n, &minutes))) {
            p->overtime_minutes = minutes;
            s = csvr_get(row, ++c, &n);
            if (!(e = fld_rate_exact(s, n, &p->regular_rate))) {
                s = csvr_get(row, ++c, &n);
                e = fld_rate_exact(s, n, &p->overtime_rate);
            }
        }
    }
    for (int i = 0; !e && i < AMT_COUNT; i++) {
        c = C_AMOUNT + i;
        s = csvr_get(row, c, &n);
        e = fld_money(s, n, &p->amount[i]);
    }
    if (e) {
        snprintf(err, errlen, "%s:%ld: %s: %s", row->path, row->line, pay_cols[c].name, e);
        return CSVR_ERROR;
    }
    return 0;
}

static int load_a(void *ctx, const csvr_row *row)
{
    side_rows *a = ctx;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        impact_paycheck *v = realloc(a->v, sizeof *v * cap);
        if (!v) {
            snprintf(a->err, a->errlen, "out of memory");
            return CSVR_ERROR;
        }
        a->v = v;
        a->cap = cap;
    }
    impact_paycheck *p = &a->v[a->n];
    if (parse_paycheck(row, p, a->err, a->errlen) != 0)
        return CSVR_ERROR;
    int added;
    if (ids_intern(&a->index, p->timesheet_id, strlen(p->timesheet_id), &added) < 0 || !added) {
        snprintf(a->err, a->errlen, "%s:%ld: timesheet %s appears twice", row->path, row->line, p->timesheet_id);
        return CSVR_ERROR;
    }
    a->n++;
    return 0;
}

typedef struct {
    side_rows *a;
    impact *im;
    char *err;
    size_t errlen;
} b_ctx;

static int compare_b(void *ctx, const csvr_row *row)
{
    b_ctx *b = ctx;
    impact_paycheck p;
    if (parse_paycheck(row, &p, b->err, b->errlen) != 0)
        return CSVR_ERROR;
    int32_t i = ids_find(&b->a->index, p.timesheet_id, strlen(p.timesheet_id));
    if (i >= 0)
        b->a->seen[i] = 1;
    impact_paychecks(b->im, i >= 0 ? &b->a->v[i] : NULL, &p);
    return 0;
}

typedef struct {
    impact *im;
    int side;
} ex_ctx;

static int count_exception(void *ctx, const csvr_row *row)
{
    ex_ctx *x = ctx;
    size_t n, nc;
    const char *id = csvr_get(row, 0, &n);
    const char *code = csvr_get(row, 1, &nc);
    char c[40];
    snprintf(c, sizeof c, "%.*s", (int)(nc < 39 ? nc : 39), code);
    impact_exception(x->im, x->side, id, n, c);
    return 0;
}

/* path of name (or name.gz) in dir. */
static void output_path(const char *dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    if (access(out, F_OK) != 0)
        snprintf(out, n, "%s/%s.gz", dir, name);
}

int diff_outputs(const char *dir_a, const char *dir_b, const char *csv_path, int quiet)
{
    static const char *const fixed[] = {"timesheet_id", "provider_id", "recipient_id", "county", "period_start",
                                        "kind", "pay_date", "regular_hours", "overtime_hours", "regular_rate",
                                        "overtime_rate", "sr_number"};
    for (int i = 0; i < C_AMOUNT; i++)
        pay_cols[i] = (csvr_column){fixed[i], 1};
    for (int i = 0; i < AMT_COUNT; i++)
        pay_cols[C_AMOUNT + i] = (csvr_column){rules_amount_name((rules_amount)i), 1};
    char err[1024] = "", pa[4200], pb[4200];
    FILE *csv = NULL;
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        fprintf(stderr, "payrun: %s: cannot create\n", csv_path);
        return 2;
    }
    impact im;
    impact_init(&im, quiet ? NULL : stdout, csv);
    side_rows a = {.err = err, .errlen = sizeof err};
    int rc = 2;
    output_path(dir_a, "paychecks.csv", pa, sizeof pa);
    output_path(dir_b, "paychecks.csv", pb, sizeof pb);
    if (csvr_read(pa, pay_cols, C_NCOLS, load_a, &a, NULL, err, sizeof err) != 0)
        goto done;
    a.seen = calloc(a.n + 1, 1);
    if (!a.seen)
        goto done;
    b_ctx bc = {.a = &a, .im = &im, .err = err, .errlen = sizeof err};
    if (csvr_read(pb, pay_cols, C_NCOLS, compare_b, &bc, NULL, err, sizeof err) != 0)
        goto done;
    for (size_t i = 0; i < a.n; i++)
        if (!a.seen[i])
            impact_paychecks(&im, &a.v[i], NULL);
    output_path(dir_a, "exceptions.csv", pa, sizeof pa);
    output_path(dir_b, "exceptions.csv", pb, sizeof pb);
    ex_ctx xa = {&im, 0}, xb = {&im, 1};
    if (csvr_read(pa, ex_cols, 2, count_exception, &xa, NULL, err, sizeof err) != 0 ||
        csvr_read(pb, ex_cols, 2, count_exception, &xb, NULL, err, sizeof err) != 0)
        goto done;
    if (im.failed) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    impact_print(&im, stdout);
    rc = impact_identical(&im) ? 0 : 1;
done:
    if (rc == 2)
        fprintf(stderr, "payrun: diff: %s\n", err[0] ? err : "out of memory");
    if (csv && fclose(csv) != 0 && rc != 2) {
        fprintf(stderr, "payrun: %s: write failed\n", csv_path);
        rc = 2;
    }
    impact_free(&im);
    ids_free(&a.index);
    free(a.v);
    free(a.seen);
    return rc;
}
