/* deduct.c — docs/rules.md §5.14 Deductions: social security, Medicare, SDI, share of
 * cost, union dues and overpayment recovery, in that priority order, each from what is
 * left of gross and never past it; net is what remains. Taxes go by the pay date.
 *
 * A sibling of the steps in rules.c: both include rules_int.h, neither the other. */
#include "deduct.h"

#include <string.h>

#include "rules_int.h"

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
 * wages of the year add the whole gross.
 * Source: IRS Publication 15 (rates, wage base, Additional Medicare Tax). STEP_GO, or
 * STEP_FATAL (a parameter not in force, an overflow, out of memory). */
static step_result deduct_fica(sheet_ctx *c, money_cents gross, money_cents *left, money_cents *a)
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

/* ---- §5.14.4 Share of cost ---- */

/* docs/rules.md §5.14.4: the recipient's share of cost for the service month, less what
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
        rules_tracef(c->e, "14.4 share_of_cost: %s owed this month, %s taken before; taken %s", o, t0, t);
    }
    rm->soc_taken += a[AMT_SHARE_OF_COST];
    return STEP_GO;
}

/* ---- §5.14.5 Union dues ---- */

RULES_TRACE_FN trace_union_dues(const sheet_ctx *c, const ledger_provider_month *pm, money_cents month_dues,
                             money_cents taken)
{
    char h[24], d[32], b[32], t[32];
    cal_format_hm(pm->minutes, h);
    money_format_cents(month_dues, d);
    money_format_cents(pm->dues, b);
    money_format_cents(taken, t);
    rules_tracef(c->e, "14.5 union_dues: %s paid this month -> month's dues %s, %s taken before; taken %s", h, d, b, t);
}

/* docs/rules.md §5.14.5: a union member's dues for the service month, once the month's
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

/* ---- §5.14.6 Overpayment recovery ---- */

RULES_TRACE_FN trace_overpayment(const sheet_ctx *c, const master_overpayment *o, money_cents recovered,
                              money_cents taken)
{
    char b[32], r[32], x[32], t[32];
    money_format_cents(o->balance, b);
    money_format_cents(recovered, r);
    money_format_cents(o->per_check_max, x);
    money_format_cents(taken, t);
    rules_tracef(c->e, "14.6 overpayment %s: balance %s, recovered before %s, at most %s a paycheck; taken %s",
                 master_text(c->m, o->id), b, r, x, t);
}

/* docs/rules.md §5.14.6: the provider's open overpayments, oldest first, each at most
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

/* The six deductions of pc in priority order, then net. STEP_GO, or STEP_FATAL. */
static step_result deduct_paycheck(sheet_ctx *c, rules_paycheck *pc)
{
    money_cents *a = pc->amount;
    money_cents gross = a[AMT_GROSS], left = gross;
    if (fica_exempt(c))
        RULES_TRACE(c->e, "14.1-2 FICA: exempt (%s)", c->asg->relationship == REL_SPOUSE
                                                           ? "the provider is the recipient's spouse"
                                                           : "a parent of a recipient under 18 on the period's last day");
    else if (deduct_fica(c, gross, &left, a) != STEP_GO)
        return STEP_FATAL;
    if (sdi_exempt(c))
        RULES_TRACE(c->e, "14.3 sdi: exempt (family provider without elective SDI: IHSS recipient handbook)");
    else if (deduct_sdi(c, gross, &left, a) != STEP_GO)
        return STEP_FATAL;
    if (deduct_share_of_cost(c, &left, a) != STEP_GO || deduct_union_dues(c, &left, a) != STEP_GO ||
        deduct_overpayment_recovery(c, &left, a) != STEP_GO)
        return STEP_FATAL;
    a[AMT_NET] = left;
    if (c->e->tracing) {
        char g[32], n[32];
        money_format_cents(gross, g);
        money_format_cents(left, n);
        rules_tracef(c->e, "    net = %s - deductions = %s", g, n);
    }
    return STEP_GO;
}

/* §5.14 Deductions: social security, Medicare, SDI, share of cost, union dues,
 * overpayment recovery, each from what is left of gross, then net.
 * Sources: IHSS recipient handbook, "Payroll Deductions and Benefits" and
 * "Share-of-Cost (SOC)"; IRS Publication 15; EDD DE 44. STEP_GO, or STEP_FATAL (a
 * parameter not in force, an overflow, out of memory). */
step_result step_deductions(sheet_ctx *c, rules_result *r) { return deduct_paycheck(c, &r->paycheck); }

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
    return deduct_paycheck(&c, pc) == STEP_GO ? 0 : RULES_FATAL;
}
