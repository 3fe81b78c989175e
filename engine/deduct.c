/* deduct.c — docs/rules.md §5.14 Deductions: social security, Medicare, SDI, federal and
 * California income tax (voluntary), share of cost, union dues and overpayment recovery,
 * in that priority order, each from what is left of gross and never past it; net is what
 * remains. Taxes go by the pay date.
 *
 * A sibling of the steps in rules.c: both include rules_int.h, neither the other. */
#include "deduct.h"

#include <stdio.h>
#include <string.h>

#include "rules_int.h"
#include "withhold.h"

static money_cents min2(money_cents a, money_cents b) { return a < b ? a : b; }

static money_cents clamp0(money_cents v) { return v < 0 ? 0 : v; }

/* Takes up to `want` from what is left of gross; returns what was taken. */
static money_cents take(money_cents *left, money_cents want)
{
    money_cents t = want < *left ? want : *left;
    if (t < 0)
        t = 0;
    *left -= t;
    return t;
}

/* "X overflows" as the run's fatal error. Returns STEP_FATAL. */
static step_result overflow(sheet_ctx *c, const char *what) { return rules_fail(c->e, "%s overflows", what); }

/* ---- §5.14.1-2 FICA: social security and Medicare ---- */

/* docs/rules.md §5.14.1: FICA does not apply to a spouse, nor to a parent of a
 * recipient under 18 on the period's last day (IHSS recipient handbook, "Payroll
 * Deductions and Benefits"; IRS Publication 15, family employees). */
static int fica_exempt(const sheet_ctx *c)
{
    master_relationship rel = c->asg->relationship;
    return rel == REL_SPOUSE || (rel == REL_PARENT && cal_age_on(c->rcp->birth_date, c->s->period_end) < 18);
}

/* The FICA parameters in force on the pay date, and what they make of one gross. */
typedef struct {
    const param_row *ss_rate, *ss_base, *med_rate, *add_rate, *add_threshold;
    money_cents ytd;            /* the provider's FICA wages of the year before this gross */
    money_cents ss_wages;       /* the part of gross under the wage base */
    money_cents over;           /* the part of gross above the Additional Medicare threshold */
    money_cents ss, med, add;   /* the taxes before net limits them */
} fica_calc;

RULES_TRACE_FN trace_fica(const sheet_ctx *c, const fica_calc *f, money_cents gross, const money_cents *a)
{
    char y[32], b[32], r[32], v[32], t[32], m1[32], m2[32], o[32];
    money_format_cents(f->ytd, y);
    money_format_cents(f->ss_wages, b);
    money_format_frac(f->ss_rate->value, r);
    money_format_cents(f->ss, v);
    money_format_cents(a[AMT_FICA_SS], t);
    rules_tracef(c->e, "14.1 fica_ss: FICA wages of the year before %s; base %s (under the wage base); round(%s x %s) = "
                 "%s; taken %s", y, b, r, b, v, t);
    money_format_frac(f->med_rate->value, r);
    money_format_cents(gross, b);
    money_format_cents(f->med - f->add, m1);
    money_format_cents(f->add, m2);
    money_format_cents(f->over, o);
    money_format_cents(a[AMT_FICA_MEDICARE], t);
    rules_tracef(c->e, "14.2 fica_medicare: round(%s x %s) = %s + additional on %s above the threshold = %s; taken %s",
                 r, b, m1, o, m2, t);
}

/* The FICA parameters in force on the pay date. STEP_GO, or STEP_FATAL when one has
 * no value in force. */
static step_result fica_params(sheet_ctx *c, fica_calc *f)
{
    return (f->ss_rate = rules_param_for(c, P_FICA_SS_RATE)) && (f->ss_base = rules_param_for(c, P_FICA_SS_WAGE_BASE)) &&
                   (f->med_rate = rules_param_for(c, P_FICA_MEDICARE_RATE)) &&
                   (f->add_rate = rules_param_for(c, P_FICA_MEDICARE_ADDITIONAL_RATE)) &&
                   (f->add_threshold = rules_param_for(c, P_FICA_MEDICARE_ADDITIONAL_THRESHOLD))
               ? STEP_GO
               : STEP_FATAL;
}

/* docs/rules.md §5.14.1-2: social security on the part of gross under the wage base
 * not yet used this calendar year; Medicare on all of gross, plus the Additional
 * Medicare Tax on the part of the year's wages above its threshold. The provider's FICA
 * wages of the year add the whole gross; *ss_wages is the part under the wage base.
 * Source: IRS Publication 15 (rates, wage base, Additional Medicare Tax). STEP_GO, or
 * STEP_FATAL (a parameter not in force, an overflow, out of memory). */
static step_result deduct_fica(sheet_ctx *c, money_cents gross, money_cents *left, money_cents *a,
                               money_cents *ss_wages)
{
    fica_calc f;
    if (fica_params(c, &f) != STEP_GO)
        return STEP_FATAL;
    ledger_provider_year *py = ledger_get(&c->lg->provider_year, ledger_key(c->p, cal_year(c->e->run_date)));
    if (!py)
        return rules_out_of_memory(c->e, "out of memory");
    money_cents after;
    f.ytd = py->fica_wages;
    if (money_add(f.ytd, gross, &after) != MONEY_OK)
        return overflow(c, "FICA wages of the year");
    f.ss_wages = min2(gross, clamp0(f.ss_base->value - f.ytd));
    f.over = clamp0(after - f.add_threshold->value) - clamp0(f.ytd - f.add_threshold->value);
    if (money_apply_frac(f.ss_rate->value, f.ss_wages, &f.ss) != MONEY_OK ||
        money_apply_frac(f.med_rate->value, gross, &f.med) != MONEY_OK ||
        money_apply_frac(f.add_rate->value, f.over, &f.add) != MONEY_OK || money_add(f.med, f.add, &f.med))
        return overflow(c, "FICA");
    a[AMT_FICA_SS] = take(left, f.ss);
    a[AMT_FICA_MEDICARE] = take(left, f.med);
    *ss_wages = f.ss_wages;
    if (c->e->tracing)
        trace_fica(c, &f, gross, a);
    py->fica_wages = after;
    return STEP_GO;
}

/* ---- §5.14.3 SDI ---- */

/* docs/rules.md §5.14.3: SDI does not apply to a parent, spouse or child unless the
 * provider elected it (IHSS recipient handbook, "Payroll Deductions and Benefits"). */
static int sdi_exempt(const sheet_ctx *c)
{
    return c->asg->relationship != REL_OTHER && !c->prov->elective_sdi;
}

RULES_TRACE_FN trace_sdi(const sheet_ctx *c, money_cents before, money_cents threshold, money_cents base,
                      const param_row *rate, money_cents sdi, money_cents taken)
{
    char x[32], b[32], r[32], v[32], t[32];
    money_format_cents(before, x);
    money_format_cents(base, b);
    money_format_frac(rate->value, r);
    money_format_cents(sdi, v);
    money_format_cents(taken, t);
    rules_tracef(c->e, "14.3 sdi: quarter wages before %s; base %s%s; round(%s x %s) = %s; taken %s", x, b,
                 before <= threshold ? " (crossing the threshold: the quarter's earlier wages caught up)" : "", r, b, v,
                 t);
}

RULES_TRACE_FN trace_sdi_not_yet(const sheet_ctx *c, money_cents after, money_cents threshold)
{
    char x[32], y[32];
    money_format_cents(after, x);
    money_format_cents(threshold, y);
    rules_tracef(c->e, "14.3 sdi: quarter wages %s not over %s: not withheld yet (IHSS recipient handbook)", x, y);
}

/* docs/rules.md §5.14.3: the provider's SDI-subject wages of the pay date's quarter add
 * gross; nothing is withheld while they are not over sdi.quarter_threshold; the
 * paycheck that takes them over it is taxed on the quarter's earlier wages too; with
 * sdi.wage_ceiling set, the base is capped at the ceiling less the SDI-taxed wages of
 * the year.
 * Source: IHSS recipient handbook, "Payroll Deductions and Benefits" (quarterly wages
 * in excess of $750.00); EDD DE 44 (rate; no taxable wage limit). STEP_GO, or
 * STEP_FATAL (a parameter not in force, an overflow, out of memory). */
static step_result deduct_sdi(sheet_ctx *c, money_cents gross, money_cents *left, money_cents *a)
{
    cal_date pay = c->e->run_date;
    const param_row *rate, *ceiling, *threshold;
    if (!(rate = rules_param_for(c, P_SDI_RATE)) || !(ceiling = rules_param_for(c, P_SDI_WAGE_CEILING)) ||
        !(threshold = rules_param_for(c, P_SDI_QUARTER_THRESHOLD)))
        return STEP_FATAL;
    ledger_provider_quarter *pq = ledger_get(&c->lg->provider_quarter, ledger_key(c->p, cal_quarter_key(pay)));
    ledger_provider_year *py = ledger_get(&c->lg->provider_year, ledger_key(c->p, cal_year(pay)));
    if (!pq || !py)
        return rules_out_of_memory(c->e, "out of memory");
    money_cents before = pq->sdi_subject, after;
    if (money_add(before, gross, &after) != MONEY_OK)
        return overflow(c, "SDI wages of the quarter");
    pq->sdi_subject = after;
    if (after <= threshold->value) {
        if (c->e->tracing)
            trace_sdi_not_yet(c, after, threshold->value);
        return STEP_GO;
    }
    /* the paycheck that crosses the threshold catches up the quarter's earlier wages */
    money_cents base = before <= threshold->value ? after : gross;
    if (ceiling->present)
        base = min2(base, clamp0(ceiling->value - py->sdi_taxed));
    money_cents sdi;
    if (money_apply_frac(rate->value, base, &sdi) != MONEY_OK)
        return overflow(c, "SDI");
    a[AMT_SDI] = take(left, sdi);
    if (c->e->tracing)
        trace_sdi(c, before, threshold->value, base, rate, sdi, a[AMT_SDI]);
    pq->sdi_taxed += base;
    py->sdi_taxed += base;
    return STEP_GO;
}

/* ---- §5.14.4-5 Voluntary income-tax withholding ---- */

/* micro-cents as dollars for explain, exact: 2 to 8 decimals, trailing zeros past the
 * cents dropped. */
static void trace_micro(int64_t micro, char *out)
{
    uint64_t u = micro < 0 ? (uint64_t)0 - (uint64_t)micro : (uint64_t)micro;
    char frac[9];
    snprintf(frac, sizeof frac, "%08llu", (unsigned long long)(u % 100000000u));
    int keep = 8;
    while (keep > 2 && frac[keep - 1] == '0')
        keep--;
    snprintf(out, 40, "%s%llu.%.*s", micro < 0 ? "-" : "", (unsigned long long)(u / 100000000u), keep, frac);
}

RULES_TRACE_FN trace_federal(const sheet_ctx *c, const withhold_fed_lines *l, const param_scale *t, money_cents w)
{
    char v[10][40];
    money_format_cents(w, v[0]);
    money_format_cents(l->l1c, v[1]);
    money_format_cents(l->l1g, v[2]);
    money_format_cents(l->l1i, v[3]);
    money_format_cents(t->threshold[l->row], v[4]);
    trace_micro(l->l2g_micro, v[5]);
    money_format_cents(l->l3a, v[6]);
    trace_micro(l->l3c_micro24, v[7]);
    money_format_cents(l->rounded, v[8]);
    money_format_cents(l->l4b, v[9]);
    if (l->pre2020) {
        rules_tracef(c->e, "14.4 federal_income_tax (Pub 15-T Worksheet 1A, W-4 before 2020): period wages %s; "
                     "1c %s x 24 = %s; 1k %s; 1l %s", v[0], v[0], v[1], v[2], v[3]);
    } else {
        char e[40], h[40];
        money_format_cents(l->l1e, e);
        money_format_cents(l->l1h, h);
        rules_tracef(c->e, "14.4 federal_income_tax (Pub 15-T Worksheet 1A): period wages %s; 1c %s x 24 = %s; "
                     "1e %s; 1g %s; 1h %s; 1i %s", v[0], v[0], v[1], e, v[2], h, v[3]);
    }
    rules_tracef(c->e, "     2g %s (the row from %s); 3a %s; 3c max(0, 2g - 3a) / 24 = %s / 24; 4b round(3c) %s + "
                 "extra = %s", v[5], v[4], v[6], v[7], v[8], v[9]);
}

RULES_TRACE_FN trace_california(const sheet_ctx *c, const withhold_ca_lines *l, const param_scale *t,
                                money_cents w, money_cents low)
{
    static const char *const column[] = {"single", "married_0_1", "married_2", "head"};
    char v[9][40];
    money_format_cents(w, v[0]);
    money_format_cents(low, v[1]);
    money_format_cents(l->amount, v[8]);
    if (l->exempt) {
        rules_tracef(c->e, "14.5 state_income_tax (DE 44 Method B, column %s): 1. period wages %s <= low-income "
                     "exemption %s: no tax; + extra = %s", column[l->column], v[0], v[1], v[8]);
        return;
    }
    money_format_cents(l->estimated, v[2]);
    money_format_cents(l->s, v[3]);
    money_format_cents(l->t, v[4]);
    money_format_cents(t->threshold[l->row], v[5]);
    trace_micro(l->c_micro, v[6]);
    money_format_cents(l->credit, v[7]);
    char x[40], r[40];
    trace_micro(l->x_micro, x);
    money_format_cents(l->rounded, r);
    rules_tracef(c->e, "14.5 state_income_tax (DE 44 Method B, column %s): 1. period wages %s > %s; 2. less "
                 "estimated deduction %s = %s; 3. taxable %s; 4. tax %s (the row from %s); 5. less credit %s = %s; "
                 "round %s + extra = %s", column[l->column], v[0], v[1], v[2], v[3], v[4], v[6], v[5], v[7], x, r,
                 v[8]);
}

/* The federal period amount of row on period wages w: worksheet 1A with the
 * parameters in force on the pay date. STEP_GO, or STEP_FATAL (a parameter not in
 * force, an overflow). */
static step_result federal_amount(sheet_ctx *c, const master_withholding *row, money_cents w, money_cents *amount)
{
    int sched, adj, allow;
    withhold_federal_params(row, &sched, &adj, &allow);
    const param_row *ps = rules_param_for(c, (param_id)sched), *pa = NULL, *pw = NULL;
    if (!ps || (adj >= 0 && !(pa = rules_param_for(c, (param_id)adj))) ||
        (allow >= 0 && !(pw = rules_param_for(c, (param_id)allow))))
        return STEP_FATAL;
    withhold_fed_params p = {.adjustment = pa ? pa->value : 0, .pre2020_allowance = pw ? pw->value : 0,
                             .schedule = param_scale_of(&c->m->params, ps)};
    withhold_fed_lines l;
    if (withhold_federal(row, &p, w, &l, amount) != 0)
        return overflow(c, "federal income tax withholding");
    if (c->e->tracing && w > 0)
        trace_federal(c, &l, p.schedule, w);
    return STEP_GO;
}

/* The California period amount of row on period wages w: Method B with the tables in
 * force on the pay date. STEP_GO, or STEP_FATAL (a parameter not in force, an overflow). */
static step_result california_amount(sheet_ctx *c, const master_withholding *row, money_cents w, money_cents *amount)
{
    param_id ids[5];
    const param_row *pr[5];
    withhold_ca_params_of(row, ids);
    for (int i = 0; i < 5; i++)
        if (!(pr[i] = rules_param_for(c, ids[i])))
            return STEP_FATAL;
    const param_table *t = &c->m->params;
    withhold_ca_params p = {.low_income = pr[0]->value, .standard_deduction = pr[1]->value,
                            .estimated = param_scale_of(t, pr[2]), .exemption = param_scale_of(t, pr[3]),
                            .schedule = param_scale_of(t, pr[4])};
    withhold_ca_lines l;
    if (withhold_california(row, &p, w, &l, amount) != 0)
        return overflow(c, "California income tax withholding");
    if (c->e->tracing && w > 0)
        trace_california(c, &l, p.schedule, w, p.low_income);
    return STEP_GO;
}

/* What one tax of a paycheck owed and took: the period amount less what earlier
 * paychecks of the provider and period took, never below 0.00, limited by what is left. */
static money_cents take_withholding(money_cents period_amount, money_cents *taken_before, money_cents *left,
                                    money_cents *owed)
{
    *owed = clamp0(period_amount - *taken_before);
    money_cents t = take(left, *owed);
    *taken_before += t;
    return t;
}

/* WITHHOLDING_SHORT (a warning, 0 minutes): each tax that took less than it owed, and
 * that the rest carries within the period. Never fails. */
static void withholding_short(sheet_ctx *c, rules_result *r, const money_cents taken[2], const money_cents owed[2])
{
    static const char *const name[2] = {"federal_income_tax", "state_income_tax"};
    char msg[RULES_MESSAGE_MAX], t[32], o[32], p[11];
    size_t n = 0;
    msg[0] = '\0';
    for (int i = 0; i < 2; i++)
        if (taken[i] < owed[i]) {
            money_format_cents(taken[i], t);
            money_format_cents(owed[i], o);
            n += (size_t)snprintf(msg + n, sizeof msg - n, "%s %s of %s; ", name[i], t, o);
        }
    cal_format(c->s->period_start, p);
    rules_raise(c, r, EX_WITHHOLDING_SHORT, 0, "%sthe rest carries to later paychecks of %s", msg, p);
}

/* docs/rules.md §5.14.4-5: federal, then California, income tax, only for a provider
 * whose withholding.csv row in force on the pay date asks for it. Figured on the
 * provider's period wages (this paycheck's period, every paycheck of it, all runs: the
 * ledger's provider_period, which counts the whole gross of every paycheck, withholding
 * or not); takes the period amount less what earlier paychecks took, never a refund,
 * never past what is left; a shortfall is a WITHHOLDING_SHORT warning on r (none when r
 * is NULL) and carries to later paychecks of the period.
 * Sources: IHSS recipient handbook, "Income Tax Withholding" (strictly voluntary); IRS
 * Publication 15-T (2026) Worksheet 1A; EDD DE 44 Method B. STEP_GO, or STEP_FATAL (a
 * parameter not in force, an overflow, out of memory). */
static step_result deduct_income_tax(sheet_ctx *c, money_cents gross, money_cents *left, money_cents *a,
                                     rules_result *r)
{
    ledger_provider_period *pp = ledger_get(&c->lg->provider_period, ledger_key(c->p, c->s->period_start));
    if (!pp)
        return rules_out_of_memory(c->e, "out of memory");
    money_cents w, amount, owed[2] = {0, 0}, taken[2] = {0, 0};
    if (money_add(pp->wages, gross, &w) != MONEY_OK)
        return overflow(c, "withholding period wages");
    pp->wages = w;
    const master_withholding *row = master_withholding_for(c->m, c->p, c->e->run_date);
    if (!row || (row->fed_status == WH_NONE && row->ca_status == WH_NONE)) {
        RULES_TRACE(c->e, "14.4-5 income tax: not withheld (no withholding.csv row asks for it on the pay date)");
        return STEP_GO;
    }
    if (row->fed_status != WH_NONE) {
        if (federal_amount(c, row, w, &amount) != STEP_GO)
            return STEP_FATAL;
        taken[0] = a[AMT_FEDERAL_INCOME_TAX] = take_withholding(amount, &pp->fed_taken, left, &owed[0]);
    }
    if (row->ca_status != WH_NONE) {
        if (california_amount(c, row, w, &amount) != STEP_GO)
            return STEP_FATAL;
        taken[1] = a[AMT_STATE_INCOME_TAX] = take_withholding(amount, &pp->state_taken, left, &owed[1]);
    }
    if (c->e->tracing) {
        char t0[32], t1[32], o0[32], o1[32];
        money_format_cents(taken[0], t0);
        money_format_cents(owed[0], o0);
        money_format_cents(taken[1], t1);
        money_format_cents(owed[1], o1);
        rules_tracef(c->e, "     income tax owed by this paycheck (period amount less taken before): federal %s, "
                     "taken %s; California %s, taken %s", o0, t0, o1, t1);
    }
    if (r && (taken[0] < owed[0] || taken[1] < owed[1]))
        withholding_short(c, r, taken, owed);
    return STEP_GO;
}

/* The provider's W-2 sums of the pay date's year (payrun year-end): what this paycheck
 * paid and withheld, and the provider's county. ss_wages and FICA-subject gross are 0
 * for a FICA-exempt paycheck.
 * STEP_GO, or STEP_FATAL (out of memory, an overflow). */
static step_result add_to_w2(sheet_ctx *c, const money_cents *a, money_cents ss_wages, money_cents fica_wages)
{
    ledger_provider_w2 *y = ledger_get(&c->lg->provider_w2, ledger_key(c->p, cal_year(c->e->run_date)));
    if (!y)
        return rules_out_of_memory(c->e, "out of memory");
    const money_cents add[8] = {a[AMT_GROSS],       a[AMT_FEDERAL_INCOME_TAX], ss_wages, a[AMT_FICA_SS],
                                fica_wages,         a[AMT_FICA_MEDICARE],     a[AMT_SDI], a[AMT_STATE_INCOME_TAX]};
    money_cents *sum[8] = {&y->gross, &y->fed, &y->ss_wages, &y->ss_tax, &y->medicare_wages, &y->medicare_tax,
                           &y->sdi, &y->state};
    for (int i = 0; i < 8; i++)
        if (money_add(*sum[i], add[i], sum[i]) != MONEY_OK)
            return overflow(c, "the year's wage statement sums");
    y->county = c->prov->county + 1;    /* the masters' county index is the ledger's (ledger_set_counties) */
    return STEP_GO;
}

/* ---- §5.14.6 Share of cost ---- */

/* docs/rules.md §5.14.6: the recipient's share of cost for the service month, less what
 * medical bills met and what earlier paychecks of the month took.
 * Source: IHSS recipient handbook, "Share-of-Cost (SOC)". STEP_GO, or STEP_FATAL out of
 * memory. */
static step_result deduct_share_of_cost(sheet_ctx *c, money_cents *left, money_cents *a)
{
    ledger_recipient_month *rm = ledger_get(&c->lg->recipient_month, ledger_key(c->rc, c->month));
    if (!rm)
        return rules_out_of_memory(c->e, "out of memory");
    money_cents owed = clamp0(c->auth->share_of_cost - c->auth->soc_met_by_medical);
    a[AMT_SHARE_OF_COST] = take(left, clamp0(owed - rm->soc_taken));
    if (c->e->tracing && owed > 0) {
        char o[32], t0[32], t[32];
        money_format_cents(owed, o);
        money_format_cents(rm->soc_taken, t0);
        money_format_cents(a[AMT_SHARE_OF_COST], t);
        rules_tracef(c->e, "14.6 share_of_cost: %s owed this month, %s taken before; taken %s", o, t0, t);
    }
    rm->soc_taken += a[AMT_SHARE_OF_COST];
    return STEP_GO;
}

/* ---- §5.14.7 Union dues ---- */

RULES_TRACE_FN trace_union_dues(const sheet_ctx *c, const ledger_provider_month *pm, money_cents month_dues,
                             money_cents taken)
{
    char h[24], d[32], b[32], t[32];
    cal_format_hm(pm->minutes, h);
    money_format_cents(month_dues, d);
    money_format_cents(pm->dues, b);
    money_format_cents(taken, t);
    rules_tracef(c->e, "14.7 union_dues: %s paid this month -> month's dues %s, %s taken before; taken %s", h, d, b, t);
}

/* docs/rules.md §5.14.7: a union member's dues for the service month, once the month's
 * paid hours reach union.hours_threshold: the union.dues_scale bracket of those hours,
 * less what the month already took.
 * Source: IHSS recipient handbook, "Payroll Deductions and Benefits" (dues from providers
 * who have worked 15 or more hours per month). STEP_GO, or STEP_FATAL (a parameter not
 * in force, out of memory). */
static step_result deduct_union_dues(sheet_ctx *c, money_cents *left, money_cents *a)
{
    if (!c->prov->union_member)
        return STEP_GO;
    const param_row *threshold = rules_param_for(c, P_UNION_HOURS_THRESHOLD), *scale;
    if (!threshold)
        return STEP_FATAL;
    ledger_provider_month *pm = ledger_get(&c->lg->provider_month, ledger_key(c->p, c->month));
    if (!pm)
        return rules_out_of_memory(c->e, "out of memory");
    if (pm->minutes < threshold->value)
        return STEP_GO;
    if (!(scale = rules_param_for(c, P_UNION_DUES_SCALE)))
        return STEP_FATAL;
    money_cents month_dues = param_scale_amount(param_scale_of(&c->m->params, scale), pm->minutes);
    a[AMT_UNION_DUES] = take(left, clamp0(month_dues - pm->dues));
    if (c->e->tracing)
        trace_union_dues(c, pm, month_dues, a[AMT_UNION_DUES]);
    pm->dues += a[AMT_UNION_DUES];
    return STEP_GO;
}

/* ---- §5.14.8 Overpayment recovery ---- */

RULES_TRACE_FN trace_overpayment(const sheet_ctx *c, const master_overpayment *o, money_cents recovered,
                              money_cents taken)
{
    char b[32], r[32], x[32], t[32];
    money_format_cents(o->balance, b);
    money_format_cents(recovered, r);
    money_format_cents(o->per_check_max, x);
    money_format_cents(taken, t);
    rules_tracef(c->e, "14.8 overpayment %s: balance %s, recovered before %s, at most %s a paycheck; taken %s",
                 master_text(c->m, o->id), b, r, x, t);
}

/* docs/rules.md §5.14.8: the provider's open overpayments, oldest first, each at most
 * its per_check_max and never past its balance less what was recovered.
 * Source: IHSS recipient handbook, "How to Fill Out a Timesheet", item 6 (a reduction
 * for a prior overpayment). STEP_GO, or STEP_FATAL out of memory. */
static step_result deduct_overpayment_recovery(sheet_ctx *c, money_cents *left, money_cents *a)
{
    const masters *m = c->m;
    for (int32_t k = m->first_overpayment[c->p]; k >= 0 && *left > 0; k = m->next_overpayment[k]) {
        const master_overpayment *o = &m->overpayments.v[k];
        money_cents *recovered = ledger_get(&c->lg->recovered, ledger_key(k, 0));
        if (!recovered)
            return rules_out_of_memory(c->e, "out of memory");
        money_cents t = take(left, min2(o->per_check_max, clamp0(o->balance - *recovered)));
        if (c->e->tracing)
            trace_overpayment(c, o, *recovered, t);
        *recovered += t;
        a[AMT_OVERPAYMENT_RECOVERY] += t;
    }
    return STEP_GO;
}

/* ---- §5.14 in priority order ---- */

/* The eight deductions of pc in priority order, then net, then the W-2 sums; a
 * withholding shortfall is raised on r (not when r is NULL). STEP_GO, or STEP_FATAL. */
static step_result deduct_paycheck(sheet_ctx *c, rules_paycheck *pc, rules_result *r)
{
    money_cents *a = pc->amount;
    money_cents gross = a[AMT_GROSS], left = gross, ss_wages = 0, fica_wages = 0;
    if (fica_exempt(c))
        RULES_TRACE(c->e, "14.1-2 FICA: exempt (%s)", c->asg->relationship == REL_SPOUSE
                                                           ? "the provider is the recipient's spouse"
                                                           : "a parent of a recipient under 18 on the period's last day");
    else if (deduct_fica(c, gross, &left, a, &ss_wages) != STEP_GO)
        return STEP_FATAL;
    else
        fica_wages = gross;
    if (sdi_exempt(c))
        RULES_TRACE(c->e, "14.3 sdi: exempt (family provider without elective SDI: IHSS recipient handbook)");
    else if (deduct_sdi(c, gross, &left, a) != STEP_GO)
        return STEP_FATAL;
    if (deduct_income_tax(c, gross, &left, a, r) != STEP_GO || deduct_share_of_cost(c, &left, a) != STEP_GO ||
        deduct_union_dues(c, &left, a) != STEP_GO || deduct_overpayment_recovery(c, &left, a) != STEP_GO)
        return STEP_FATAL;
    a[AMT_NET] = left;
    if (c->e->tracing) {
        char g[32], n[32];
        money_format_cents(gross, g);
        money_format_cents(left, n);
        rules_tracef(c->e, "    net = %s - deductions = %s", g, n);
    }
    return add_to_w2(c, a, ss_wages, fica_wages);
}

/* §5.14 Deductions: social security, Medicare, SDI, federal and California income
 * tax (voluntary), share of cost, union dues, overpayment recovery, each from what is
 * left of gross, then net.
 * Sources: IHSS recipient handbook, "Payroll Deductions and Benefits" and
 * "Share-of-Cost (SOC)"; IRS Publication 15; EDD DE 44. STEP_GO, or STEP_FATAL (a
 * parameter not in force, an overflow, out of memory). */
step_result step_deductions(sheet_ctx *c, rules_result *r) { return deduct_paycheck(c, &r->paycheck, r); }

int deduct_recover(rules_engine *e, int32_t provider, money_cents *left, money_cents *taken)
{
    sheet s;
    memset(&s, 0, sizeof s);
    sheet_ctx c = {.e = e, .m = e->m, .lg = e->lg, .s = &s, .p = provider};
    money_cents a[AMT_COUNT] = {0};
    if (deduct_overpayment_recovery(&c, left, a) != STEP_GO)
        return RULES_FATAL;
    *taken += a[AMT_OVERPAYMENT_RECOVERY];
    return 0;
}

int deduct_apply(rules_engine *e, const deduct_input *in, rules_paycheck *pc)
{
    sheet s;
    memset(&s, 0, sizeof s);
    s.period_start = in->period_start;
    s.period_end = in->period_end;
    sheet_ctx c = {.e = e, .m = e->m, .lg = e->lg, .s = &s, .p = in->p, .rc = in->rc, .prov = in->provider,
                   .rcp = in->recipient, .asg = in->assignment, .month = in->month, .auth = in->authorization};
    return deduct_paycheck(&c, pc, NULL) == STEP_GO ? 0 : RULES_FATAL;
}
