/* param.c — effective-dated parameter table: county rows over statewide rows. */
#include "param.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    param_type type;
} param_info[P_COUNT] = {
    [P_WAGE_HOURLY] = {"wage.hourly", PT_MONEY},
    [P_OVERTIME_MULTIPLIER] = {"overtime.multiplier", PT_FRAC},
    [P_OVERTIME_WEEKLY_THRESHOLD] = {"overtime.weekly_threshold", PT_HOURS},
    [P_BUPS_DIFFERENTIAL] = {"bups.differential", PT_MONEY},
    [P_BUPS_ANNUAL_HOURS] = {"bups.annual_hours", PT_HOURS},
    [P_BUPS_ANNUAL_HOURS_EXCEPTION] = {"bups.annual_hours_exception", PT_HOURS},
    [P_WORKWEEK_MULTI_RECIPIENT_MAX] = {"workweek.multi_recipient_max", PT_HOURS},
    [P_WORKWEEK_SINGLE_RECIPIENT_MAX] = {"workweek.single_recipient_max", PT_HOURS},
    [P_WORKWEEK_EXEMPTION_MAX] = {"workweek.exemption_max", PT_HOURS},
    [P_WORKWEEK_EXEMPTION_MONTHLY_MAX] = {"workweek.exemption_monthly_max", PT_HOURS},
    [P_FICA_SS_RATE] = {"fica.ss_rate", PT_FRAC},
    [P_FICA_SS_WAGE_BASE] = {"fica.ss_wage_base", PT_MONEY},
    [P_FICA_MEDICARE_RATE] = {"fica.medicare_rate", PT_FRAC},
    [P_FICA_MEDICARE_ADDITIONAL_RATE] = {"fica.medicare_additional_rate", PT_FRAC},
    [P_FICA_MEDICARE_ADDITIONAL_THRESHOLD] = {"fica.medicare_additional_threshold", PT_MONEY},
    [P_SDI_RATE] = {"sdi.rate", PT_FRAC},
    [P_SDI_WAGE_CEILING] = {"sdi.wage_ceiling", PT_MONEY_OPT},
    [P_SDI_QUARTER_THRESHOLD] = {"sdi.quarter_threshold", PT_MONEY},
    [P_UNION_DUES_SCALE] = {"union.dues_scale", PT_SCALE},
    [P_UNION_HOURS_THRESHOLD] = {"union.hours_threshold", PT_HOURS},
    [P_PAYMENT_BUSINESS_DAYS] = {"payment.business_days", PT_COUNT},
    [P_CORRECTION_PER_CHECK_MAX] = {"correction.per_check_max", PT_MONEY},
    [P_FIT_STANDARD_ADJUSTMENT_MARRIED] = {"fit.standard_adjustment_married", PT_MONEY},
    [P_FIT_STANDARD_ADJUSTMENT_OTHER] = {"fit.standard_adjustment_other", PT_MONEY},
    [P_FIT_PRE2020_ALLOWANCE] = {"fit.pre2020_allowance", PT_MONEY},
    [P_FIT_SCHEDULE_SINGLE] = {"fit.schedule_single", PT_TAX_TABLE},
    [P_FIT_SCHEDULE_MARRIED] = {"fit.schedule_married", PT_TAX_TABLE},
    [P_FIT_SCHEDULE_HEAD] = {"fit.schedule_head", PT_TAX_TABLE},
    [P_FIT_SCHEDULE_STEP2_SINGLE] = {"fit.schedule_step2_single", PT_TAX_TABLE},
    [P_FIT_SCHEDULE_STEP2_MARRIED] = {"fit.schedule_step2_married", PT_TAX_TABLE},
    [P_FIT_SCHEDULE_STEP2_HEAD] = {"fit.schedule_step2_head", PT_TAX_TABLE},
    [P_SIT_LOW_INCOME_SINGLE] = {"sit.low_income_single", PT_MONEY},
    [P_SIT_LOW_INCOME_MARRIED_0_1] = {"sit.low_income_married_0_1", PT_MONEY},
    [P_SIT_LOW_INCOME_MARRIED_2] = {"sit.low_income_married_2", PT_MONEY},
    [P_SIT_LOW_INCOME_HEAD] = {"sit.low_income_head", PT_MONEY},
    [P_SIT_STANDARD_DEDUCTION_SINGLE] = {"sit.standard_deduction_single", PT_MONEY},
    [P_SIT_STANDARD_DEDUCTION_MARRIED_0_1] = {"sit.standard_deduction_married_0_1", PT_MONEY},
    [P_SIT_STANDARD_DEDUCTION_MARRIED_2] = {"sit.standard_deduction_married_2", PT_MONEY},
    [P_SIT_STANDARD_DEDUCTION_HEAD] = {"sit.standard_deduction_head", PT_MONEY},
    [P_SIT_ESTIMATED_DEDUCTION] = {"sit.estimated_deduction", PT_ALLOWANCE_TABLE},
    [P_SIT_EXEMPTION_ALLOWANCE] = {"sit.exemption_allowance", PT_ALLOWANCE_TABLE},
    [P_SIT_SCHEDULE_SINGLE] = {"sit.schedule_single", PT_TAX_TABLE},
    [P_SIT_SCHEDULE_MARRIED] = {"sit.schedule_married", PT_TAX_TABLE},
    [P_SIT_SCHEDULE_HEAD] = {"sit.schedule_head", PT_TAX_TABLE},
};

int param_lookup_name(const char *name, size_t n)
{
    for (int i = 0; i < P_COUNT; i++)
        if (strlen(param_info[i].name) == n && memcmp(param_info[i].name, name, n) == 0)
            return i;
    return -1;
}

const char *param_name(param_id id) { return param_info[id].name; }
param_type param_type_of(param_id id) { return param_info[id].type; }

int param_add(param_table *t, const param_row *row, const param_scale *scale, const char *reference, size_t ref_len)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        param_row *rows = realloc(t->rows, sizeof *rows * cap);
        if (!rows)
            return -1;
        t->rows = rows;
        t->cap = cap;
    }
    param_row r = *row;
    if (scale) {
        if (t->nscales == t->scales_cap) {
            size_t cap = t->scales_cap ? t->scales_cap * 2 : 8;
            param_scale *s = realloc(t->scales, sizeof *s * cap);
            if (!s)
                return -1;
            t->scales = s;
            t->scales_cap = cap;
        }
        t->scales[t->nscales] = *scale;
        r.scale = (int32_t)t->nscales++;
    }
    r.reference = ids_pool_add(&t->text, reference, ref_len);
    if (r.reference == (size_t)-1)
        return -1;
    t->rows[t->n++] = r;
    t->sorted = 0;
    return 0;
}

int param_order(int64_t x, int64_t y) { return (x > y) - (x < y); }

/* Order: parameter, scope (statewide first), effective_from; ties keep file order by line. */
static int row_cmp(const void *a, const void *b)
{
    const param_row *x = a, *y = b;
    int c = param_order(x->id, y->id);
    c = c ? c : param_order(x->county, y->county);
    c = c ? c : param_order(x->from, y->from);
    return c ? c : param_order(x->line, y->line);
}

int param_finish(param_table *t, int32_t *line, char *msg, size_t msglen)
{
    if (t->n > 0)   /* qsort wants a valid pointer even for no rows */
        qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
    t->sorted = 1;
    free(t->county_known);
    t->county_known = calloc((size_t)t->counties.n + 1, 1);
    if (!t->county_known) {
        *line = 0;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        const param_row *r = &t->rows[i];
        if (r->id == P_WAGE_HOURLY && r->county >= 0)
            t->county_known[r->county] = 1;
        if (i > 0 && t->rows[i - 1].id == r->id && t->rows[i - 1].county == r->county &&
            t->rows[i - 1].from == r->from) {
            char d[11];
            cal_format(r->from, d);
            *line = r->line;
            snprintf(msg, msglen, "effective_from: %s for %s effective %s is already given on line %d", param_name(r->id),
                     r->county < 0 ? "*" : ids_name(&t->counties, r->county), d, (int)t->rows[i - 1].line);
            return -1;
        }
    }
    for (size_t i = 0; i < t->n; i++) {
        const param_row *r = &t->rows[i];
        if (r->county >= 0 && !t->county_known[r->county]) {
            *line = r->line;
            snprintf(msg, msglen, "scope: county %s has no wage.hourly row, so it is not a known county",
                     ids_name(&t->counties, r->county));
            return -1;
        }
    }
    return 0;
}

int32_t param_county(const param_table *t, const char *code, size_t n)
{
    int32_t c = ids_find(&t->counties, code, n);
    return c >= 0 && t->county_known[c] ? c : -1;
}

/* Latest row of (id, county) with from <= on, in the sorted table; NULL if none. */
static const param_row *latest(const param_table *t, param_id id, int32_t county, cal_date on)
{
    /* first row with (id, county) >= key, by binary search */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const param_row *r = &t->rows[mid];
        if (r->id < id || (r->id == id && r->county < county))
            lo = mid + 1;
        else
            hi = mid;
    }
    const param_row *best = NULL;
    for (size_t i = lo; i < t->n && t->rows[i].id == id && t->rows[i].county == county; i++) {
        if (t->rows[i].from > on)
            break;
        best = &t->rows[i];
    }
    return best;
}

const param_row *param_in_force(const param_table *t, param_id id, int32_t county, cal_date on)
{
    const param_row *r = county >= 0 ? latest(t, id, county, on) : NULL;
    return r ? r : latest(t, id, PARAM_STATEWIDE, on);
}

money_cents param_scale_amount(const param_scale *s, int64_t minutes)
{
    money_cents amount = 0;
    for (int i = 0; i < s->n && s->from_minutes[i] <= minutes; i++)
        amount = s->amount[i];
    return amount;
}

void param_format_value(const param_table *t, const param_row *r, char *out, size_t n)
{
    char b[40];
    switch (param_type_of(r->id)) {
    case PT_MONEY: money_format_cents(r->value, b); snprintf(out, n, "%s", b); break;
    case PT_MONEY_OPT:
        if (r->present)
            money_format_cents(r->value, b);
        snprintf(out, n, "%s", r->present ? b : "none");
        break;
    case PT_FRAC: money_format_frac(r->value, b); snprintf(out, n, "%s", b); break;
    case PT_HOURS: cal_format_hm(r->value, b); snprintf(out, n, "%s", b); break;
    case PT_COUNT: snprintf(out, n, "%lld", (long long)r->value); break;
    case PT_SCALE: {
        const param_scale *sc = param_scale_of(t, r);
        size_t len = 0;
        out[0] = '\0';
        for (int i = 0; i < sc->n && len < n; i++) {
            char h[24], a[32];
            cal_format_hm(sc->from_minutes[i], h);
            money_format_cents(sc->amount[i], a);
            len += (size_t)snprintf(out + len, n - len, "%s%s=%s", i ? "; " : "", h, a);
        }
        break;
    }
    case PT_TAX_TABLE: {
        const param_scale *sc = param_scale_of(t, r);
        size_t len = 0;
        out[0] = '\0';
        for (int i = 0; i < sc->n && len < n; i++) {
            char th[32], a[32], f[32];
            money_format_cents(sc->threshold[i], th);
            money_format_cents(sc->amount[i], a);
            money_format_frac(sc->rate[i], f);
            len += (size_t)snprintf(out + len, n - len, "%s%s=%s+%s", i ? "; " : "", th, a, f);
        }
        break;
    }
    case PT_ALLOWANCE_TABLE: {
        const param_scale *sc = param_scale_of(t, r);
        size_t len = 0;
        out[0] = '\0';
        for (int i = 0; i < sc->n && len < n; i++) {
            char a[32];
            money_format_cents(sc->amount[i], a);
            len += (size_t)snprintf(out + len, n - len, "%s%d=%s", i ? "; " : "", i + 1, a);
        }
        break;
    }
    }
}

void param_free(param_table *t)
{
    free(t->rows);
    free(t->scales);
    free(t->county_known);
    ids_free(&t->counties);
    ids_pool_free(&t->text);
    memset(t, 0, sizeof *t);
}
