/* withhold.c — Pub 15-T Worksheet 1A and DE 44 Method B on period wages, exact, rounded once half-up (docs/rules.md §5.14.4-5). */
#include "withhold.h"

#include <string.h>

typedef __int128 wide;

/* v into *out when it fits int64. Returns 0, or -1. */
static int narrow(wide v, int64_t *out)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static money_cents clamp0(money_cents v) { return v < 0 ? 0 : v; }

/* x / den to the cent, half-up, for x >= 0 in micro-cents times den/10^6. */
static money_cents round_half_up(int64_t x, int64_t den) { return (money_cents)(((wide)x + den / 2) / den); }

int withhold_table_tax(const param_scale *t, money_cents amount, int64_t *micro, int *row)
{
    if (amount < 0 || t->n < 1)
        return -1;
    int r = 0;
    while (r + 1 < t->n && t->threshold[r + 1] <= amount)
        r++;
    *row = r;
    return narrow((wide)t->amount[r] * WITHHOLD_MICRO + (wide)t->rate[r] * (amount - t->threshold[r]), micro);
}

int withhold_allowance(const param_scale *t, int32_t count, money_cents *out)
{
    if (count < 0)
        return -1;
    if (count == 0) {
        *out = 0;
        return 0;
    }
    if (t->n < 1)
        return -1;
    if (count <= t->n) {
        *out = t->amount[count - 1];
        return 0;
    }
    return narrow((wide)count * t->amount[0], out);
}

/* ---- federal ---- */

/* The row's status as an offset from the single schedule: single 0, married 1, head 2. */
static int status_offset(uint8_t status) { return status == WH_MARRIED ? 1 : status == WH_HEAD ? 2 : 0; }

void withhold_federal_params(const master_withholding *row, int *schedule, int *adjustment, int *allowance)
{
    int s = status_offset(row->fed_status);
    *adjustment = *allowance = -1;
    if (row->fed_pre2020) {
        *schedule = P_FIT_SCHEDULE_SINGLE + s;
        *allowance = P_FIT_PRE2020_ALLOWANCE;
    } else if (row->fed_multiple_jobs) {
        *schedule = P_FIT_SCHEDULE_STEP2_SINGLE + s;
    } else {
        *schedule = P_FIT_SCHEDULE_SINGLE + s;
        *adjustment = row->fed_status == WH_MARRIED ? P_FIT_STANDARD_ADJUSTMENT_MARRIED : P_FIT_STANDARD_ADJUSTMENT_OTHER;
    }
}

/* Lines 1e-1i of a 2020 W-4 (1c set). Returns 0, or -1 on overflow. */
static int federal_2020_wages(const master_withholding *row, const withhold_fed_params *p, withhold_fed_lines *l)
{
    l->l1g = row->fed_multiple_jobs ? 0 : p->adjustment;
    if (narrow((wide)l->l1c + row->fed_other_income, &l->l1e) != 0 ||
        narrow((wide)row->fed_deductions + l->l1g, &l->l1h) != 0 || narrow((wide)l->l1e - l->l1h, &l->l1i) != 0)
        return -1;
    l->l1i = clamp0(l->l1i);
    l->l3a = row->fed_dependents;
    return 0;
}

int withhold_federal(const master_withholding *row, const withhold_fed_params *p, money_cents w,
                     withhold_fed_lines *l, money_cents *amount)
{
    memset(l, 0, sizeof *l);
    l->pre2020 = row->fed_pre2020;
    if (w < 0)
        return -1;
    if (w == 0) {   /* a period without wages owes nothing, extra included (decision C.8) */
        *amount = 0;
        return 0;
    }
    if (narrow((wide)w * WITHHOLD_PERIODS, &l->l1c) != 0)
        return -1;
    if (row->fed_pre2020) {
        if (narrow((wide)row->fed_allowances * p->pre2020_allowance, &l->l1g) != 0)
            return -1;
        l->l1i = clamp0(l->l1c - l->l1g);
    } else if (federal_2020_wages(row, p, l) != 0) {
        return -1;
    }
    if (withhold_table_tax(p->schedule, l->l1i, &l->l2g_micro, &l->row) != 0 ||
        narrow((wide)l->l2g_micro - (wide)l->l3a * WITHHOLD_MICRO, &l->l3c_micro24) != 0)
        return -1;
    l->l3c_micro24 = clamp0(l->l3c_micro24);
    l->rounded = round_half_up(l->l3c_micro24, (int64_t)WITHHOLD_PERIODS * WITHHOLD_MICRO);
    if (narrow((wide)l->rounded + row->fed_extra, &l->l4b) != 0)
        return -1;
    *amount = l->l4b;
    return 0;
}

/* ---- California ---- */

withhold_ca_column withhold_ca_column_of(const master_withholding *row)
{
    switch (row->ca_status) {
    case WH_MARRIED: return row->ca_allowances <= 1 ? WH_COL_MARRIED_0_1 : WH_COL_MARRIED_2;
    case WH_HEAD: return WH_COL_HEAD;
    default: return WH_COL_SINGLE;
    }
}

void withhold_ca_params_of(const master_withholding *row, param_id ids[5])
{
    withhold_ca_column col = withhold_ca_column_of(row);
    ids[0] = (param_id)(P_SIT_LOW_INCOME_SINGLE + col);
    ids[1] = (param_id)(P_SIT_STANDARD_DEDUCTION_SINGLE + col);
    ids[2] = P_SIT_ESTIMATED_DEDUCTION;
    ids[3] = P_SIT_EXEMPTION_ALLOWANCE;
    ids[4] = (param_id)(P_SIT_SCHEDULE_SINGLE + status_offset(row->ca_status));
}

int withhold_california(const master_withholding *row, const withhold_ca_params *p, money_cents w,
                        withhold_ca_lines *l, money_cents *amount)
{
    memset(l, 0, sizeof *l);
    l->column = withhold_ca_column_of(row);
    if (w < 0)
        return -1;
    if (w == 0) {   /* decision C.8 */
        *amount = 0;
        return 0;
    }
    /* step 1: "less than, or equal to" the low-income exemption: no tax */
    l->exempt = w <= p->low_income;
    if (!l->exempt) {
        if (withhold_allowance(p->estimated, row->ca_additional_allowances, &l->estimated) != 0 ||
            withhold_allowance(p->exemption, row->ca_allowances, &l->credit) != 0)
            return -1;
        l->s = clamp0(w - l->estimated);                                        /* step 2 */
        l->t = clamp0(l->s - p->standard_deduction);                            /* step 3 */
        if (withhold_table_tax(p->schedule, l->t, &l->c_micro, &l->row) != 0 ||  /* step 4 */
            narrow((wide)l->c_micro - (wide)l->credit * WITHHOLD_MICRO, &l->x_micro) != 0)
            return -1;
        l->x_micro = clamp0(l->x_micro);                                        /* step 5: a credit */
        l->rounded = round_half_up(l->x_micro, WITHHOLD_MICRO);
    }
    /* the DE 4 line 2 extra is the provider's own request: added even to exempt wages */
    if (narrow((wide)l->rounded + row->ca_extra, &l->amount) != 0)
        return -1;
    *amount = l->amount;
    return 0;
}
