/* impact.c — compares paychecks column by column and tallies the impact of a change. */
#include "impact.h"

#include <stdlib.h>
#include <string.h>

void impact_init(impact *im, FILE *list, FILE *csv)
{
    memset(im, 0, sizeof *im);
    im->list = list;
    im->csv = csv;
    if (csv)
        fputs("timesheet_id,county,column,old,new,delta\n", csv);
}

void impact_free(impact *im)
{
    ids_free(&im->counties);
    ids_free(&im->exception_keys);
    free(im->county_delta);
    free(im->county_changed);
    free(im->exception_count);
}

static int32_t county_slot(impact *im, const char *county)
{
    int32_t c = ids_intern(&im->counties, county, strlen(county), NULL);
    if (c < 0)
        return -1;
    if (c >= im->county_cap) {
        int32_t cap = im->county_cap ? im->county_cap * 2 : 16;
        money_cents(*d)[AMT_COUNT] = realloc(im->county_delta, sizeof *d * (size_t)cap);
        if (d)
            im->county_delta = d;
        long *n = realloc(im->county_changed, sizeof *n * (size_t)cap);
        if (n)
            im->county_changed = n;
        if (!d || !n)
            return -1;
        memset(im->county_delta[im->county_cap], 0, sizeof *d * (size_t)(cap - im->county_cap));
        memset(im->county_changed + im->county_cap, 0, sizeof *n * (size_t)(cap - im->county_cap));
        im->county_cap = cap;
    }
    return c;
}

/* One differing column: listed, and written to the CSV. */
static void column(impact *im, const impact_paycheck *p, const char *name, const char *old, const char *new,
                   const char *delta)
{
    if (im->list)
        fprintf(im->list, "    %-22s %14s -> %-14s %s\n", name, old, new, delta);
    if (im->csv)
        fprintf(im->csv, "%s,%s,%s,%s,%s,%s\n", p->timesheet_id, p->county, name, old, new, delta);
}

static void text_column(impact *im, const impact_paycheck *p, const char *name, const char *a, const char *b, int *n)
{
    if (strcmp(a, b) != 0) {
        column(im, p, name, a, b, "");
        (*n)++;
    }
}

/* A numeric column: old, new and the signed delta, each written by fmt (H:MM, a rate or money). */
static void delta_column(impact *im, const impact_paycheck *p, const char *name, int64_t a, int64_t b,
                         int (*fmt)(int64_t, char *), int *n)
{
    char x[40], y[40], d[40];
    if (a == b)
        return;
    fmt(a, x);
    fmt(b, y);
    d[0] = b > a ? '+' : '-';
    fmt(b > a ? b - a : a - b, d + 1);
    column(im, p, name, x, y, d);
    (*n)++;
}

static void add_delta(impact *im, const impact_paycheck *p, const money_cents *a, const money_cents *b, int changed)
{
    int32_t c = county_slot(im, p->county);
    if (c < 0) {
        im->failed = 1;
        return;
    }
    for (int i = 0; i < AMT_COUNT; i++) {
        money_cents d = (b ? b[i] : 0) - (a ? a[i] : 0);
        im->delta[i] += d;
        im->county_delta[c][i] += d;
    }
    if (changed)
        im->county_changed[c]++;
}

void impact_paychecks(impact *im, const impact_paycheck *a, const impact_paycheck *b)
{
    static const money_cents zero[AMT_COUNT];
    if (!a && !b)
        return;
    if (!a || !b) {
        const impact_paycheck *p = a ? a : b;
        if (a)
            im->removed++;
        else
            im->added++;
        if (im->list)
            fprintf(im->list, "  %s %s (%s, %s): %s\n", a ? "removed" : "added", p->timesheet_id, p->provider_id,
                    p->county,
                    im->adjustments ? (a ? "adjusted before, not now" : "not adjusted before")
                                    : (a ? "paid before, not now" : "not paid before"));
        int n = 0;
        for (int i = 0; i < AMT_COUNT; i++)
            delta_column(im, p, rules_amount_name((rules_amount)i), a ? p->amount[i] : 0, a ? 0 : p->amount[i],
                         money_format_cents, &n);
        add_delta(im, p, a ? a->amount : zero, b ? b->amount : zero, 1);
        return;
    }
    /* count the differing columns first, to print a heading only for changed paychecks */
    int differs = strcmp(a->provider_id, b->provider_id) || strcmp(a->recipient_id, b->recipient_id) ||
                  strcmp(a->county, b->county) || strcmp(a->period_start, b->period_start) ||
                  strcmp(a->kind, b->kind) || strcmp(a->pay_date, b->pay_date) || strcmp(a->sr_number, b->sr_number) ||
                  a->regular_minutes != b->regular_minutes || a->overtime_minutes != b->overtime_minutes ||
                  a->regular_rate != b->regular_rate || a->overtime_rate != b->overtime_rate ||
                  memcmp(a->amount, b->amount, sizeof a->amount) != 0;
    if (!differs) {
        im->same++;
        return;
    }
    im->changed++;
    if (im->list)
        fprintf(im->list, "  changed %s (%s, %s):\n", b->timesheet_id, b->provider_id, b->county);
    int n = 0;
    text_column(im, b, "provider_id", a->provider_id, b->provider_id, &n);
    text_column(im, b, "recipient_id", a->recipient_id, b->recipient_id, &n);
    text_column(im, b, "county", a->county, b->county, &n);
    text_column(im, b, "period_start", a->period_start, b->period_start, &n);
    text_column(im, b, "kind", a->kind, b->kind, &n);
    text_column(im, b, "pay_date", a->pay_date, b->pay_date, &n);
    delta_column(im, b, "regular_hours", a->regular_minutes, b->regular_minutes, cal_format_hm, &n);
    delta_column(im, b, "overtime_hours", a->overtime_minutes, b->overtime_minutes, cal_format_hm, &n);
    delta_column(im, b, "regular_rate", a->regular_rate, b->regular_rate, money_format_rate, &n);
    delta_column(im, b, "overtime_rate", a->overtime_rate, b->overtime_rate, money_format_rate, &n);
    for (int i = 0; i < AMT_COUNT; i++)
        delta_column(im, b, rules_amount_name((rules_amount)i), a->amount[i], b->amount[i], money_format_cents, &n);
    text_column(im, b, "sr_number", a->sr_number, b->sr_number, &n);
    add_delta(im, b, a->amount, b->amount, 1);
}

void impact_exception(impact *im, int side, const char *timesheet_id, size_t n, const char *code)
{
    char key[128];
    int k = snprintf(key, sizeof key, "%.*s %s", (int)(n > 60 ? 60 : n), timesheet_id, code);
    int32_t i = ids_intern(&im->exception_keys, key, (size_t)k, NULL);
    if (i < 0) {
        im->failed = 1;
        return;
    }
    if (i >= im->exception_cap) {
        int32_t cap = im->exception_cap ? im->exception_cap * 2 : 256;
        int32_t *c = realloc(im->exception_count, sizeof *c * (size_t)cap);
        if (!c) {
            im->failed = 1;
            return;
        }
        memset(c + im->exception_cap, 0, sizeof *c * (size_t)(cap - im->exception_cap));
        im->exception_count = c;
        im->exception_cap = cap;
    }
    im->exception_count[i] += side ? 1 : -1;
}

/* Exceptions gained (> 0) and lost (< 0) per code name. */
static void exception_changes(const impact *im, long gained[EX_COUNT], long lost[EX_COUNT])
{
    memset(gained, 0, sizeof(long) * EX_COUNT);
    memset(lost, 0, sizeof(long) * EX_COUNT);
    for (int32_t i = 0; i < im->exception_keys.n; i++) {
        int32_t c = im->exception_count[i];
        if (c == 0)
            continue;
        const char *code = strchr(ids_name(&im->exception_keys, i), ' ') + 1;
        for (int x = 0; x < EX_COUNT; x++)
            if (strcmp(code, sheet_code_name((sheet_code)x)) == 0) {
                if (c > 0)
                    gained[x] += c;
                else
                    lost[x] -= c;
            }
    }
}

int impact_identical(const impact *im)
{
    if (im->changed || im->added || im->removed)
        return 0;
    for (int32_t i = 0; i < im->exception_keys.n; i++)
        if (im->exception_count[i])
            return 0;
    return 1;
}

static void money_row(FILE *f, const char *label, const money_cents *d)
{
    char b[32];
    fprintf(f, "  %-14s", label);
    for (int i = 0; i < AMT_COUNT; i++) {
        b[0] = d[i] < 0 ? '-' : d[i] > 0 ? '+' : ' ';
        money_format_cents(d[i] < 0 ? -d[i] : d[i], b + 1);
        fprintf(f, " %12s", b);
    }
    fputc('\n', f);
}

void impact_print(const impact *im, FILE *f)
{
    static const char *const short_names[AMT_COUNT] = {"regular", "overtime", "differential", "gross", "fica_ss",
                                                       "medicare", "sdi", "soc", "dues", "recovery",
                                                       "fed_tax", "ca_tax", "net"};
    fprintf(f, "impact: %ld %s changed, %ld added, %ld removed, %ld unchanged\n", im->changed,
            im->adjustments ? "adjustments" : "paychecks", im->added, im->removed, im->same);
    fprintf(f, "  %-14s", "money delta");
    for (int i = 0; i < AMT_COUNT; i++)
        fprintf(f, " %12s", short_names[i]);
    fputc('\n', f);
    money_row(f, "total", im->delta);
    for (int32_t c = 0; c < im->counties.n; c++)
        if (im->county_changed[c])
            money_row(f, ids_name(&im->counties, c), im->county_delta[c]);
    long gained[EX_COUNT], lost[EX_COUNT];
    exception_changes(im, gained, lost);
    int any = 0;
    for (int x = 0; x < EX_COUNT; x++)
        if (gained[x] || lost[x]) {
            if (!any)
                fprintf(f, "exceptions by code: gained, lost\n");
            fprintf(f, "  %-22s +%ld -%ld\n", sheet_code_name((sheet_code)x), gained[x], lost[x]);
            any = 1;
        }
    if (!any)
        fprintf(f, "exceptions: no code gained or lost\n");
}

static void copy_id(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

void impact_from_result(impact_paycheck *p, const masters *m, const sheet *s, const rules_paycheck *pc,
                        cal_date pay_date)
{
    static const char *const kinds[] = {"regular", "catch_up", "special", "writ"};
    memset(p, 0, sizeof *p);
    copy_id(p->timesheet_id, sizeof p->timesheet_id, s->timesheet_id, s->timesheet_id_len);
    snprintf(p->provider_id, sizeof p->provider_id, "%s", ids_name(&m->provider_ids, pc->provider));
    snprintf(p->recipient_id, sizeof p->recipient_id, "%s", ids_name(&m->recipient_ids, pc->recipient));
    snprintf(p->county, sizeof p->county, "%s", ids_name(&m->params.counties, pc->county));
    cal_format(pc->period_start, p->period_start);
    snprintf(p->kind, sizeof p->kind, "%s", kinds[pc->kind]);
    cal_format(pay_date, p->pay_date);
    snprintf(p->sr_number, sizeof p->sr_number, "%s", pc->sr_number);
    p->regular_minutes = pc->regular_minutes;
    p->overtime_minutes = pc->overtime_minutes;
    p->regular_rate = pc->regular_rate;
    p->overtime_rate = pc->overtime_rate;
    memcpy(p->amount, pc->amount, sizeof p->amount);
}
