/* diff.c — joins two output directories by timesheet id: paychecks.csv (or a correction's adjustments.csv) and exceptions.csv. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adjust.h"
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

/* Keeps p, one row of the baseline, joined by its timesheet id; 0, or CSVR_ERROR with err. */
static int keep_a(side_rows *a, const impact_paycheck *p, const char *path, long line)
{
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
    a->v[a->n] = *p;
    int added;
    if (ids_intern(&a->index, p->timesheet_id, strlen(p->timesheet_id), &added) < 0 || !added) {
        snprintf(a->err, a->errlen, "%s:%ld: timesheet %s appears twice", path, line, p->timesheet_id);
        return CSVR_ERROR;
    }
    a->n++;
    return 0;
}

/* Compares p, one row of the change, with the baseline's row of its timesheet. */
static void compare_b(side_rows *a, impact *im, const impact_paycheck *p)
{
    int32_t i = ids_find(&a->index, p->timesheet_id, strlen(p->timesheet_id));
    if (i >= 0)
        a->seen[i] = 1;
    impact_paychecks(im, i >= 0 ? &a->v[i] : NULL, p);
}

typedef struct {
    side_rows *a;
    impact *im;
    int side;                   /* 0: the baseline, kept; 1: the change, compared */
    char *err;
    size_t errlen;
    const char *path;
    long line;                  /* adjustments.csv: the row's line, for a message */
} row_sink;

static int take_paycheck(void *ctx, const csvr_row *row)
{
    row_sink *k = ctx;
    impact_paycheck p;
    if (parse_paycheck(row, &p, k->err, k->errlen) != 0)
        return CSVR_ERROR;
    if (k->side == 0)
        return keep_a(k->a, &p, row->path, row->line);
    compare_b(k->a, k->im, &p);
    return 0;
}

/* An adjustment as a paycheck of kind adjustment: signed hours and money, no rates, no pay date. */
static int take_adjustment(void *ctx, const adj_row *r)
{
    row_sink *k = ctx;
    impact_paycheck p;
    memset(&p, 0, sizeof p);
    snprintf(p.timesheet_id, sizeof p.timesheet_id, "%.*s", (int)sizeof p.timesheet_id - 1, r->timesheet);
    snprintf(p.provider_id, sizeof p.provider_id, "%.*s", (int)sizeof p.provider_id - 1, r->provider);
    snprintf(p.recipient_id, sizeof p.recipient_id, "%.*s", (int)sizeof p.recipient_id - 1, r->recipient);
    snprintf(p.county, sizeof p.county, "%.*s", (int)sizeof p.county - 1, r->county);
    cal_format(r->period_start, p.period_start);
    snprintf(p.kind, sizeof p.kind, "adjustment");
    p.regular_minutes = r->v[0];
    p.overtime_minutes = r->v[1];
    for (int i = 0; i < AMT_COUNT; i++)
        p.amount[i] = r->v[2 + i];
    k->line++;
    if (k->side == 0)
        return keep_a(k->a, &p, k->path, k->line);
    compare_b(k->a, k->im, &p);
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

/* True when dir holds a correction's outputs (adjustments.csv, docs/corrections.md). */
static int is_correction(const char *dir)
{
    char path[4200];
    output_path(dir, "adjustments.csv", path, sizeof path);
    return access(path, F_OK) == 0;
}

/* Reads one side's rows: paychecks.csv, or a correction's adjustments.csv, which holds
 * its negative differences as well; 0, or nonzero with k->err set. */
static int read_side(const char *dir, int correction, row_sink *k)
{
    char path[4200];
    output_path(dir, correction ? "adjustments.csv" : "paychecks.csv", path, sizeof path);
    k->path = path;
    k->line = 1;
    if (correction)
        return adj_read(path, take_adjustment, k, k->err, k->errlen);
    return csvr_read(path, pay_cols, C_NCOLS, take_paycheck, k, NULL, k->err, k->errlen);
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
    int rc = 2, correction = is_correction(dir_a);
    if (correction != is_correction(dir_b)) {
        snprintf(err, sizeof err, "%s holds a correction's outputs and %s a night's: compare a correction with a correction",
                 correction ? dir_a : dir_b, correction ? dir_b : dir_a);
        goto done;
    }
    im.adjustments = correction;
    row_sink ka = {.a = &a, .im = &im, .side = 0, .err = err, .errlen = sizeof err};
    if (read_side(dir_a, correction, &ka) != 0)
        goto done;
    a.seen = calloc(a.n + 1, 1);
    if (!a.seen)
        goto done;
    row_sink kb = ka;
    kb.side = 1;
    if (read_side(dir_b, correction, &kb) != 0)
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
