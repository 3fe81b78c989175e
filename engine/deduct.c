/* deduct.c — deductions in priority order, each limited by what is left of gross (SPEC §5 step 14). */
#include "deduct.h"

#include <stdio.h>

#define PARAM(var, id, county, date)                                                                             \
    const param_row *var = rules_param(e, id, county, date);                                                     \
    if (!var)                                                                                                    \
        return RULES_FATAL

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

static int overflow(rules_engine *e, const char *what)
{
    snprintf(e->err, sizeof e->err, "%s overflows", what);
    return RULES_FATAL;
}

/* FICA does not apply to a spouse, nor to a parent of a recipient under 18 on the
 * period's last day (seed 003; the IRS family-employment exception). */
static int fica_exempt(const deduct_input *in)
{
    master_relationship rel = in->assignment->relationship;
    return rel == REL_SPOUSE ||
           (rel == REL_PARENT && cal_age_on(in->recipient->birth_date, in->period_end) < 18);
}

/* SDI does not apply to parents, spouses and children unless the provider elected it (seed 003). */
static int sdi_exempt(const deduct_input *in)
{
    master_relationship rel = in->assignment->relationship;
    return rel != REL_OTHER && !in->provider->elective_sdi;
}

static int take_fica(rules_engine *e, const deduct_input *in, money_cents gross, money_cents *left, money_cents *a)
{
    cal_date pay = e->run_date;
    PARAM(ss_rate, P_FICA_SS_RATE, PARAM_STATEWIDE, pay);
    PARAM(ss_base, P_FICA_SS_WAGE_BASE, PARAM_STATEWIDE, pay);
    PARAM(med_rate, P_FICA_MEDICARE_RATE, PARAM_STATEWIDE, pay);
    PARAM(add_rate, P_FICA_MEDICARE_ADDITIONAL_RATE, PARAM_STATEWIDE, pay);
    PARAM(add_threshold, P_FICA_MEDICARE_ADDITIONAL_THRESHOLD, PARAM_STATEWIDE, pay);
    ledger_provider_year *py = ledger_get(&e->lg->provider_year, ledger_key(in->p, cal_year(pay)));
    if (!py)
        return overflow(e, "ledger (out of memory)");
    money_cents ytd = py->fica_wages, after;
    if (money_add(ytd, gross, &after) != MONEY_OK)
        return overflow(e, "FICA wages of the year");
    /* Social security on the part of gross under the wage base not yet used this year. */
    money_cents ss_wages = min2(gross, clamp0(ss_base->value - ytd));
    money_cents ss, med, add;
    /* Additional Medicare on the part of gross above the threshold in year-to-date wages. */
    money_cents over_before = clamp0(ytd - add_threshold->value), over_after = clamp0(after - add_threshold->value);
    if (money_apply_frac(ss_rate->value, ss_wages, &ss) != MONEY_OK ||
        money_apply_frac(med_rate->value, gross, &med) != MONEY_OK ||
        money_apply_frac(add_rate->value, over_after - over_before, &add) != MONEY_OK || money_add(med, add, &med))
        return overflow(e, "FICA");
    a[AMT_FICA_SS] = take(left, ss);
    a[AMT_FICA_MEDICARE] = take(left, med);
    if (e->tracing) {
        char y[32], b[32], r[32], v[32], t[32], m1[32], m2[32], o[32];
        money_format_cents(ytd, y);
        money_format_cents(ss_wages, b);
        money_format_frac(ss_rate->value, r);
        money_format_cents(ss, v);
        money_format_cents(a[AMT_FICA_SS], t);
        rules_tracef(e, "14.1 fica_ss: FICA wages of the year before %s; base %s (under the wage base); round(%s x %s) = "
                     "%s; taken %s", y, b, r, b, v, t);
        money_format_frac(med_rate->value, r);
        money_format_cents(gross, b);
        money_format_cents(med - add, m1);
        money_format_cents(add, m2);
        money_format_cents(over_after - over_before, o);
        money_format_cents(a[AMT_FICA_MEDICARE], t);
        rules_tracef(e, "14.2 fica_medicare: round(%s x %s) = %s + additional on %s above the threshold = %s; taken %s", r,
                     b, m1, o, m2, t);
    }
    py->fica_wages = after;
    return 0;
}

static int take_sdi(rules_engine *e, const deduct_input *in, money_cents gross, money_cents *left, money_cents *a)
{
    cal_date pay = e->run_date;
    PARAM(rate, P_SDI_RATE, PARAM_STATEWIDE, pay);
    PARAM(ceiling, P_SDI_WAGE_CEILING, PARAM_STATEWIDE, pay);
    PARAM(threshold, P_SDI_QUARTER_THRESHOLD, PARAM_STATEWIDE, pay);
    ledger_provider_quarter *pq = ledger_get(&e->lg->provider_quarter, ledger_key(in->p, cal_quarter_key(pay)));
    ledger_provider_year *py = ledger_get(&e->lg->provider_year, ledger_key(in->p, cal_year(pay)));
    if (!pq || !py)
        return overflow(e, "ledger (out of memory)");
    money_cents before = pq->sdi_subject, after;
    if (money_add(before, gross, &after) != MONEY_OK)
        return overflow(e, "SDI wages of the quarter");
    pq->sdi_subject = after;
    if (after <= threshold->value) {
        if (e->tracing) {
            char x[32], y[32];
            money_format_cents(after, x);
            money_format_cents(threshold->value, y);
            rules_tracef(e, "14.3 sdi: quarter wages %s not over %s: not withheld yet (seed 003)", x, y);
        }
        return 0;   /* not withheld until the quarter's wages exceed the threshold (seed 003) */
    }
    /* the paycheck that crosses the threshold catches up the quarter's earlier wages */
    money_cents base = before <= threshold->value ? after : gross;
    if (ceiling->present)
        base = min2(base, clamp0(ceiling->value - py->sdi_taxed));
    money_cents sdi;
    if (money_apply_frac(rate->value, base, &sdi) != MONEY_OK)
        return overflow(e, "SDI");
    a[AMT_SDI] = take(left, sdi);
    if (e->tracing) {
        char x[32], b[32], r[32], v[32], t[32];
        money_format_cents(before, x);
        money_format_cents(base, b);
        money_format_frac(rate->value, r);
        money_format_cents(sdi, v);
        money_format_cents(a[AMT_SDI], t);
        rules_tracef(e, "14.3 sdi: quarter wages before %s; base %s%s; round(%s x %s) = %s; taken %s", x, b,
                     before <= threshold->value ? " (crossing the threshold: the quarter's earlier wages caught up)" : "",
                     r, b, v, t);
    }
    pq->sdi_taxed += base;
    py->sdi_taxed += base;
    return 0;
}

static int take_share_of_cost(rules_engine *e, const deduct_input *in, money_cents *left, money_cents *a)
{
    ledger_recipient_month *rm = ledger_get(&e->lg->recipient_month, ledger_key(in->rc, in->month));
    if (!rm)
        return overflow(e, "ledger (out of memory)");
    money_cents owed = clamp0(in->authorization->share_of_cost - in->authorization->soc_met_by_medical);
    a[AMT_SHARE_OF_COST] = take(left, clamp0(owed - rm->soc_taken));
    if (e->tracing && owed > 0) {
        char o[32], t0[32], t[32];
        money_format_cents(owed, o);
        money_format_cents(rm->soc_taken, t0);
        money_format_cents(a[AMT_SHARE_OF_COST], t);
        rules_tracef(e, "14.4 share_of_cost: %s owed this month, %s taken before; taken %s", o, t0, t);
    }
    rm->soc_taken += a[AMT_SHARE_OF_COST];
    return 0;
}

static int take_union_dues(rules_engine *e, const deduct_input *in, money_cents *left, money_cents *a)
{
    if (!in->provider->union_member)
        return 0;
    PARAM(threshold, P_UNION_HOURS_THRESHOLD, in->provider->county, in->period_start);
    ledger_provider_month *pm = ledger_get(&e->lg->provider_month, ledger_key(in->p, in->month));
    if (!pm)
        return overflow(e, "ledger (out of memory)");
    if (pm->minutes < threshold->value)
        return 0;   /* dues start once the month's paid hours reach the threshold (seed 003) */
    PARAM(scale, P_UNION_DUES_SCALE, in->provider->county, in->period_start);
    money_cents month_dues = param_scale_amount(param_scale_of(&e->m->params, scale), pm->minutes);
    a[AMT_UNION_DUES] = take(left, clamp0(month_dues - pm->dues));
    if (e->tracing) {
        char h[24], d[32], b[32], t[32];
        cal_format_hm(pm->minutes, h);
        money_format_cents(month_dues, d);
        money_format_cents(pm->dues, b);
        money_format_cents(a[AMT_UNION_DUES], t);
        rules_tracef(e, "14.5 union_dues: %s paid this month -> month's dues %s, %s taken before; taken %s", h, d, b, t);
    }
    pm->dues += a[AMT_UNION_DUES];
    return 0;
}

static int take_overpayments(rules_engine *e, const deduct_input *in, money_cents *left, money_cents *a)
{
    const masters *m = e->m;
    for (int32_t k = m->first_overpayment[in->p]; k >= 0 && *left > 0;
         k = m->next_overpayment[k]) {
        const master_overpayment *o = &m->overpayments.v[k];
        money_cents *recovered = ledger_get(&e->lg->recovered, ledger_key(k, 0));
        if (!recovered)
            return overflow(e, "ledger (out of memory)");
        money_cents t = take(left, min2(o->per_check_max, clamp0(o->balance - *recovered)));
        if (e->tracing) {
            char b[32], r[32], x[32], tt[32];
            money_format_cents(o->balance, b);
            money_format_cents(*recovered, r);
            money_format_cents(o->per_check_max, x);
            money_format_cents(t, tt);
            rules_tracef(e, "14.6 overpayment %s: balance %s, recovered before %s, at most %s a paycheck; taken %s",
                         master_text(m, o->id), b, r, x, tt);
        }
        *recovered += t;
        a[AMT_OVERPAYMENT_RECOVERY] += t;
    }
    return 0;
}

int deduct_apply(rules_engine *e, const deduct_input *in, rules_paycheck *pc)
{
    money_cents *a = pc->amount;
    money_cents gross = a[AMT_GROSS], left = gross;
    if (fica_exempt(in))
        RULES_TRACE(e, "14.1-2 FICA: exempt (%s)", in->assignment->relationship == REL_SPOUSE
                                                        ? "the provider is the recipient's spouse"
                                                        : "a parent of a recipient under 18 on the period's last day");
    else if (take_fica(e, in, gross, &left, a) != 0)
        return RULES_FATAL;
    if (sdi_exempt(in))
        RULES_TRACE(e, "14.3 sdi: exempt (family provider without elective SDI, seed 003)");
    else if (take_sdi(e, in, gross, &left, a) != 0)
        return RULES_FATAL;
    if (take_share_of_cost(e, in, &left, a) != 0 || take_union_dues(e, in, &left, a) != 0 ||
        take_overpayments(e, in, &left, a) != 0)
        return RULES_FATAL;
    a[AMT_NET] = left;
    if (e->tracing) {
        char g[32], n[32];
        money_format_cents(gross, g);
        money_format_cents(left, n);
        rules_tracef(e, "    net = %s - deductions = %s", g, n);
    }
    return 0;
}
