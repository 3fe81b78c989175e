/* rules.c — SPEC §5 steps 2-15 for one timesheet: identity, eligibility, dates, duplicates,
 * writs, authorized and BUPS hours, overtime, workweek limits, pay, deductions, late payment. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deduct.h"

static const char *const amount_names[AMT_COUNT] = {
    "regular_pay", "overtime_pay", "differential_pay", "gross", "fica_ss", "fica_medicare",
    "sdi", "share_of_cost", "union_dues", "overpayment_recovery", "net",
};

const char *rules_amount_name(rules_amount a) { return amount_names[a]; }

void rules_init(rules_engine *e, const masters *m, ledger *lg, cal_date run_date)
{
    memset(e, 0, sizeof *e);
    e->m = m;
    e->lg = lg;
    e->run_date = run_date;
    e->next_seq = 1;
}

void rules_free(rules_engine *e)
{
    ids_map_free(&e->param_index);
    free(e->param_sets);
}

void rules_tracef(rules_engine *e, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (e->trace)
        e->trace(e->trace_ctx, line);
}

static const char *const relationship_names[] = {"parent", "spouse", "child", "other"};
static const char *const kind_names[] = {"regular", "catch_up", "special", "writ"};

/* ---- parameters, resolved once per (scope, date) ---- */

static int fatal(rules_engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return RULES_FATAL;
}

/* An allocation failed: RULES_FATAL with e->out_of_memory set (exit 4, not bad data). */
static int out_of_memory(rules_engine *e)
{
    e->out_of_memory = 1;
    return fatal(e, "out of memory");
}

/* The same with a message that names the other possible cause. */
static int out_of_memory_or(rules_engine *e, const char *message)
{
    e->out_of_memory = 1;
    return fatal(e, "%s", message);
}

/* The row of parameter id in force for county on date, or NULL with e->err set
 * ("parameters.csv has no value of X in force for county C on D"). */
const param_row *rules_param(rules_engine *e, param_id id, int32_t county, cal_date on)
{
    uint64_t key = ids_key2(county + 1, on);
    /* the fast path: a value found before in one of the recent sets, no trace */
    if (!e->tracing)
        for (int k = 0; k < RULES_PARAM_RECENT; k++)
            if (e->recent_key[k] == key && e->recent_set[k] > 0) {
                const rules_param_set *ps = &e->param_sets[e->recent_set[k] - 1];
                if (ps->row[id])
                    return ps->row[id];
                break;
            }
    int32_t set = -1;
    for (int k = 0; k < RULES_PARAM_RECENT; k++)
        if (e->recent_key[k] == key && e->recent_set[k] > 0)
            set = e->recent_set[k] - 1;
    if (set < 0) {
        int32_t *slot = ids_map_put(&e->param_index, key, -1);
        if (!slot) {
            out_of_memory(e);
            return NULL;
        }
        if (*slot < 0) {
            if (e->nparam_sets == e->param_sets_cap) {
                size_t cap = e->param_sets_cap ? e->param_sets_cap * 2 : 64;
                rules_param_set *v = realloc(e->param_sets, cap * sizeof *v);
                if (!v) {
                    out_of_memory(e);
                    return NULL;
                }
                e->param_sets = v;
                e->param_sets_cap = cap;
            }
            memset(&e->param_sets[e->nparam_sets], 0, sizeof *e->param_sets);
            *slot = (int32_t)e->nparam_sets++;
        }
        set = *slot;
        e->recent_key[e->recent_next] = key;
        e->recent_set[e->recent_next] = set + 1;
        e->recent_next = (e->recent_next + 1) % RULES_PARAM_RECENT;
    }
    rules_param_set *ps = &e->param_sets[set];
    if (!ps->tried[id]) {
        ps->row[id] = param_in_force(&e->m->params, id, county, on);
        ps->tried[id] = 1;
    }
    if (!ps->row[id]) {
        char d[11];
        cal_format(on, d);
        fatal(e, "parameters.csv: no value of %s in force for %s on %s", param_name(id),
              county >= 0 ? ids_name(&e->m->params.counties, county) : "the state (*)", d);
    } else if (e->tracing && !(e->traced_params & (1u << id))) {
        const param_row *r = ps->row[id];
        char v[256], d[11], from[11];
        e->traced_params |= 1u << id;
        param_format_value(&e->m->params, r, v, sizeof v);
        cal_format(on, d);
        cal_format(r->from, from);
        rules_tracef(e, "  parameter %s = %s (%s, looked up on %s; in force from %s; %s)", param_name(id), v,
                     r->county >= 0 ? ids_name(&e->m->params.counties, r->county) : "statewide", d, from,
                     param_reference(&e->m->params, r));
    }
    return ps->row[id];
}

#define PARAM(var, id, county, date)                                                                             \
    const param_row *var = rules_param(e, id, county, date);                                                     \
    if (!var)                                                                                                    \
        return RULES_FATAL

/* ---- exceptions ---- */

static rules_exception *add_exception(rules_result *r, sheet_code code, int64_t minutes, const char *fmt, ...)
{
    if (r->nex == RULES_MAX_EXCEPTIONS)
        return NULL;    /* cannot happen: at most 3 cuts, 2 rows per week for 4 weeks, 1 month, 1 late */
    rules_exception *x = &r->ex[r->nex++];
    x->code = code;
    x->minutes = minutes;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
    return x;
}

/* Explains an exception just added. */
static void trace_exception(rules_engine *e, const rules_result *r)
{
    if (e->tracing && r->nex > 0) {
        const rules_exception *x = &r->ex[r->nex - 1];
        char hm[24];
        cal_format_hm(x->minutes, hm);
        rules_tracef(e, "  => %s (%s, %s): %s", sheet_code_name(x->code),
                     sheet_severity_name(sheet_code_severity(x->code)), hm, x->message);
    }
}

/* A reject or hold: the only exception of the timesheet, carrying the minutes it claimed. */
static int refuse(rules_engine *e, const sheet *s, rules_result *r, sheet_code code, const char *fmt, ...)
{
    r->paid = 0;
    r->nex = 1;
    rules_exception *x = &r->ex[0];
    x->code = code;
    x->minutes = s->claimed;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
    RULES_TRACE(e, "  => %s (%s): %s", sheet_code_name(code), sheet_severity_name(sheet_code_severity(code)),
                x->message);
    rules_totals *t = &e->totals;
    t->rows++;
    t->minutes_claimed += s->claimed;
    t->minutes_cut += s->claimed;
    t->by_code[code]++;
    if (sheet_code_severity(code) == SEV_HOLD)
        t->held++;
    else
        t->rejected++;
    return 0;
}

void rules_reject_unparsed(rules_engine *e, const sheet *s, sheet_code code, const char *msg, rules_result *r)
{
    refuse(e, s, r, code, "%s", msg);
}

/* ---- helpers ---- */

static const char *ordinal_suffix(int64_t n)
{
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* ACL 16-36 consequences of the nth workweek violation. */
static const char *violation_consequence(int64_t n)
{
    return n == 1 ? "notice" : n == 2 ? "notice and optional training" : n == 3 ? "90-day suspension"
                                                                                 : "365-day ineligibility";
}

static int64_t sum_days(const int32_t *pay, int ndays)
{
    int64_t sum = 0;
    for (int d = 0; d < ndays; d++)
        sum += pay[d];
    return sum;
}

/* Pays days in date order until `left` minutes are used; cuts the rest. Returns the minutes cut. */
static int64_t cut_beyond(int32_t *pay, int ndays, int64_t left)
{
    int64_t cut = 0;
    if (left < 0)
        left = 0;
    for (int d = 0; d < ndays; d++) {
        int64_t take = pay[d] < left ? pay[d] : left;
        cut += pay[d] - take;
        left -= take;
        pay[d] = (int32_t)take;
    }
    return cut;
}

/* The recipient's maximum weekly hours: monthly authorized ÷ 4 truncated to the
 * minute, raised to the overtime threshold when below it, capped at the
 * single-recipient maximum (seed 004; SPEC §5 step 12). */
static int64_t recipient_weekly_max(int64_t authorized, int64_t threshold, int64_t single_max)
{
    int64_t w = authorized / 4;
    if (w < threshold)
        w = threshold;
    if (w > single_max)
        w = single_max;
    return w;
}

typedef struct {
    rules_engine *e;
    const sheet *s;
    const master_provider *prov;
    const master_recipient *rcp;
    const master_assignment *asg;
    const master_authorization *auth;
    int32_t p, rc;
    int32_t month;
    ledger_paid_id paid_id;     /* the timesheet id, packed once for the check and the mark */
    int32_t pay[SHEET_MAX_DAYS];
    /* the workweeks the paid days fall in, with their ledger records (set by count_minutes) */
    int nweeks;
    cal_date weeks[SHEET_MAX_DAYS];
    int32_t week_pw[SHEET_MAX_DAYS], week_rw[SHEET_MAX_DAYS];
} ctx;

/* Counts the paid minutes into every ledger counter (SPEC §5 step 11) and splits
 * them into regular and overtime by the provider's workweek counters. */
static int count_minutes(ctx *c, int64_t threshold, int64_t *regular, int64_t *overtime)
{
    rules_engine *e = c->e;
    ledger *lg = e->lg;
    int64_t paid = 0;
    *regular = *overtime = 0;
    c->nweeks = 0;
    cal_date week = CAL_NONE;
    ledger_provider_week *pw = NULL;
    int32_t *rw = NULL;
    for (int d = 0; d < c->s->ndays; d++) {
        if (c->pay[d] == 0)
            continue;
        cal_date day = c->s->period_start + d;
        if (week == CAL_NONE || day - week >= 7) {
            /* a new workweek: find its counters once, not once per day */
            week = cal_week_start(day);
            int32_t ipw = ledger_index(&lg->provider_week, ledger_key(c->p, week));
            int32_t irw = ledger_index(&lg->recipient_week, ledger_key(c->rc, week));
            if (ipw < 0 || irw < 0)
                return out_of_memory(e);
            c->weeks[c->nweeks] = week;
            c->week_pw[c->nweeks] = ipw;
            c->week_rw[c->nweeks++] = irw;
            pw = ledger_row(&lg->provider_week, ipw);
            rw = ledger_row(&lg->recipient_week, irw);
        }
        int64_t room = threshold - pw->minutes;
        int64_t reg = room <= 0 ? 0 : room < c->pay[d] ? room : c->pay[d];
        if (e->tracing) {
            char dd[11], wk[11], a[24], b[24], x[24], y[24];
            cal_format(day, dd);
            cal_format(week, wk);
            cal_format_hm(c->pay[d], a);
            cal_format_hm(pw->minutes, b);
            cal_format_hm(reg, x);
            cal_format_hm(c->pay[d] - reg, y);
            rules_tracef(e, "11. %s: %s paid; the provider's week of %s had %s -> %s regular, %s overtime", dd, a, wk,
                         b, x, y);
        }
        *regular += reg;
        *overtime += c->pay[d] - reg;
        pw->minutes += (int32_t)c->pay[d];
        if (pw->first_recipient == 0)
            pw->first_recipient = c->rc + 1;
        else if (pw->first_recipient != c->rc + 1)
            pw->multi = 1;
        *rw += c->pay[d];
        paid += c->pay[d];
    }
    ledger_provider_month *pm = ledger_get(&lg->provider_month, ledger_key(c->p, c->month));
    ledger_recipient_month *rm = ledger_get(&lg->recipient_month, ledger_key(c->rc, c->month));
    if (!pm || !rm)
        return out_of_memory(e);
    pm->minutes += paid;
    rm->minutes += paid;
    if (c->asg->bups) {
        int64_t *by = ledger_get(&lg->bups_year, ledger_key(c->rc, cal_fiscal_year(c->s->period_start)));
        if (!by)
            return out_of_memory(e);
        *by += paid;
    }
    if (ledger_mark_timesheet_paid(lg, &c->paid_id) != 0)
        return out_of_memory(e);
    if (c->s->kind == KIND_REGULAR || c->s->kind == KIND_CATCH_UP) {
        uint64_t key;
        if (ledger_period_key(c->p, c->rc, c->s->period_start, &key) != 0 || ledger_mark_period_paid(lg, key) != 0)
            return out_of_memory_or(e, "out of memory, or too many providers or a period after August 2730 for the period index");
    }
    return 0;
}

/* Counts a workweek violation for the provider's service month unless one is already
 * counted (at most one a month, ACL 16-36), and writes what it means into out: "1st
 * violation: notice" or "violation already counted for 2026-11 (1st: notice)". */
static int count_violation(ctx *c, char *out, size_t n)
{
    ledger *lg = c->e->lg;
    ledger_provider_month *pm = ledger_get(&lg->provider_month, ledger_key(c->p, c->month));
    int32_t *count = ledger_get(&lg->violations, ledger_key(c->p, 0));
    if (!pm || !count)
        return out_of_memory(c->e);
    int is_new = !pm->violation;
    if (is_new) {
        pm->violation = 1;
        (*count)++;
    }
    int64_t ordinal = *count;
    if (is_new)
        snprintf(out, n, "%lld%s violation: %s", (long long)ordinal, ordinal_suffix(ordinal),
                 violation_consequence(ordinal));
    else
        snprintf(out, n, "violation already counted for %04d-%02d (%lld%s: %s)", c->month / 12, c->month % 12 + 1,
                 (long long)ordinal, ordinal_suffix(ordinal), violation_consequence(ordinal));
    return 0;
}

/* Why a workweek limit applies: "limit 66:00 (workweek.multi_recipient_max)". */
typedef enum { LIMIT_EXEMPTION, LIMIT_MULTI, LIMIT_RECIPIENT } limit_kind;

static void limit_reason(char *why, size_t n, limit_kind kind, int64_t limit, int64_t authorized)
{
    char a[24], b[24];
    cal_format_hm(limit, a);
    if (kind == LIMIT_EXEMPTION)
        snprintf(why, n, "limit %s (workweek exemption)", a);
    else if (kind == LIMIT_MULTI)
        snprintf(why, n, "limit %s (workweek.multi_recipient_max)", a);
    else {
        cal_format_hm(authorized, b);
        snprintf(why, n, "limit %s (recipient authorized %s/month)", a, b);
    }
}

/* SPEC §5 step 12: workweek limits and the recipient's weekly maximum, warnings only.
 * Messages are written only for an exception or a trace. */
static int check_workweek_limits(ctx *c, rules_result *r)
{
    rules_engine *e = c->e;
    const sheet *s = c->s;
    int32_t county = c->rcp->county;
    PARAM(threshold, P_OVERTIME_WEEKLY_THRESHOLD, county, s->period_start);
    PARAM(single_max, P_WORKWEEK_SINGLE_RECIPIENT_MAX, county, s->period_start);
    int64_t authorized = c->auth->authorized_minutes;
    int64_t rcp_max = recipient_weekly_max(authorized, threshold->value, single_max->value);
    char hm_a[24], hm_b[24], hm_c[24], day[11], vtext[128], why[128];

    for (int i = 0; i < c->nweeks; i++) {
        const ledger_provider_week *pw = ledger_row(&e->lg->provider_week, c->week_pw[i]);
        const int32_t *rw = ledger_row(&e->lg->recipient_week, c->week_rw[i]);
        int64_t limit;
        limit_kind kind;
        if (c->prov->workweek_exemption) {
            PARAM(ex_max, P_WORKWEEK_EXEMPTION_MAX, county, s->period_start);
            limit = ex_max->value;
            kind = LIMIT_EXEMPTION;
        } else if (pw->multi) {
            PARAM(multi_max, P_WORKWEEK_MULTI_RECIPIENT_MAX, county, s->period_start);
            limit = multi_max->value;
            kind = LIMIT_MULTI;
        } else {
            limit = rcp_max;
            kind = LIMIT_RECIPIENT;
        }
        if (e->tracing || pw->minutes > limit || *rw > rcp_max)
            cal_format(c->weeks[i], day);
        if (e->tracing || pw->minutes > limit)
            limit_reason(why, sizeof why, kind, limit, authorized);
        if (e->tracing) {
            cal_format_hm(pw->minutes, hm_c);
            rules_tracef(e, "12. week of %s: provider %s for %s, %s%s", day, hm_c,
                         pw->multi ? "more than one recipient" : "1 recipient", why,
                         pw->minutes > limit ? ": over" : ": within");
        }
        if (pw->minutes > limit) {
            if (count_violation(c, vtext, sizeof vtext) != 0)
                return RULES_FATAL;
            cal_format_hm(pw->minutes, hm_c);
            add_exception(r, EX_WORKWEEK_LIMIT, pw->minutes - limit, "week of %s: %s worked for %s, %s; %s", day,
                          hm_c, pw->multi ? "more than one recipient" : "1 recipient", why, vtext);
            trace_exception(c->e, r);
        }
        if (*rw > rcp_max) {
            cal_format_hm(*rw, hm_c);
            cal_format_hm(rcp_max, hm_a);
            cal_format_hm(authorized, hm_b);
            add_exception(r, EX_RECIPIENT_WEEKLY_MAX, *rw - rcp_max,
                          "week of %s: providers of recipient %.*s together %s, recipient weekly maximum %s "
                          "(authorized %s/month); no violation counted",
                          day, (int)s->recipient_id_len, s->recipient_id, hm_c, hm_a, hm_b);
            trace_exception(c->e, r);
        }
    }
    if (c->prov->workweek_exemption) {
        PARAM(month_max, P_WORKWEEK_EXEMPTION_MONTHLY_MAX, county, s->period_start);
        const ledger_provider_month *pm = ledger_peek(&e->lg->provider_month, ledger_key(c->p, c->month));
        if (pm && pm->minutes > month_max->value) {
            if (count_violation(c, vtext, sizeof vtext) != 0)
                return RULES_FATAL;
            cal_format_hm(pm->minutes, hm_c);
            cal_format_hm(month_max->value, hm_a);
            add_exception(r, EX_WORKWEEK_LIMIT, pm->minutes - month_max->value,
                          "month %04d-%02d: %s worked, workweek exemption limit %s/month; %s", c->month / 12,
                          c->month % 12 + 1, hm_c, hm_a, vtext);
            trace_exception(e, r);
        }
    }
    return 0;
}

/* SPEC §5 step 13: rates and pay. */
static int compute_pay(ctx *c, int64_t regular, int64_t overtime, rules_paycheck *pc)
{
    rules_engine *e = c->e;
    int32_t county = c->rcp->county;
    cal_date on = c->s->period_start;
    PARAM(wage, P_WAGE_HOURLY, county, on);
    PARAM(mult, P_OVERTIME_MULTIPLIER, county, on);
    money_rate base, diff = 0, rate, ot_rate, diff_ot;
    money_cents d_reg = 0, d_ot = 0;
    if (money_rate_from_cents(wage->value, &base) != MONEY_OK)
        return fatal(e, "parameters.csv:%d: wage.hourly of %s too large for a rate", (int)wage->line,
                     ids_name(&e->m->params.counties, county));
    rate = base;
    if (c->asg->bups) {
        PARAM(bd, P_BUPS_DIFFERENTIAL, county, on);
        if (money_rate_from_cents(bd->value, &diff) != MONEY_OK || money_add(base, diff, &rate) != MONEY_OK)
            return fatal(e, "parameters.csv:%d: bups.differential too large for a rate", (int)bd->line);
    }
    if (money_rate_times_frac(rate, mult->value, &ot_rate) != MONEY_OK ||
        money_rate_times_frac(diff, mult->value, &diff_ot) != MONEY_OK)
        return fatal(e, "parameters.csv:%d: overtime.multiplier: the overtime rate of %s cannot be kept exact "
                     "(more than 12 decimals) or is too large", (int)mult->line,
                     ids_name(&e->m->params.counties, county));
    money_cents *a = pc->amount;
    if (money_pay_for_minutes(rate, regular, &a[AMT_REGULAR_PAY]) != MONEY_OK ||
        money_pay_for_minutes(ot_rate, overtime, &a[AMT_OVERTIME_PAY]) != MONEY_OK ||
        money_pay_for_minutes(diff, regular, &d_reg) != MONEY_OK ||
        money_pay_for_minutes(diff_ot, overtime, &d_ot) != MONEY_OK ||
        money_add(d_reg, d_ot, &a[AMT_DIFFERENTIAL_PAY]) != MONEY_OK ||
        money_add(a[AMT_REGULAR_PAY], a[AMT_OVERTIME_PAY], &a[AMT_GROSS]) != MONEY_OK)
        return fatal(e, "pay amount overflows");
    pc->regular_rate = rate;
    pc->overtime_rate = ot_rate;
    if (e->tracing) {
        char r1[40], r2[40], h1[24], h2[24], p1[32], p2[32], dp[32], g[32], m1[32];
        money_format_rate(rate, r1);
        money_format_rate(ot_rate, r2);
        money_format_frac(mult->value, m1);
        cal_format_hm(regular, h1);
        cal_format_hm(overtime, h2);
        money_format_cents(a[AMT_REGULAR_PAY], p1);
        money_format_cents(a[AMT_OVERTIME_PAY], p2);
        money_format_cents(a[AMT_DIFFERENTIAL_PAY], dp);
        money_format_cents(a[AMT_GROSS], g);
        rules_tracef(e, "13. regular rate %s%s; overtime rate %s x %s = %s (exact)", r1,
                     c->asg->bups ? " (wage + BUPS differential)" : " (wage)", r1, m1, r2);
        rules_tracef(e, "    regular pay round(%s x %s) = %s; overtime pay round(%s x %s) = %s; gross %s%s%s", r1, h1, p1,
                     r2, h2, p2, g, c->asg->bups ? "; of which differential " : "", c->asg->bups ? dp : "");
    }
    return 0;
}

/* SPEC §5 step 8: the checks of a Writ of Mandamus special transaction (seed 000).
 * Returns the worksheet, or NULL after refusing the timesheet. */
static const master_writ *check_writ(ctx *c, rules_result *r, int *refused)
{
    rules_engine *e = c->e;
    const sheet *s = c->s;
    const masters *m = e->m;
    *refused = 1;
    int32_t w = ids_find(&m->writ_ids, s->timesheet_id, s->timesheet_id_len);
    if (w < 0) {
        refuse(e, s, r, EX_WRIT_NO_WORKSHEET, "no writ worksheet for timesheet %.*s in writ_worksheets.csv",
               (int)s->timesheet_id_len, s->timesheet_id);
        return NULL;
    }
    const master_writ *wr = &m->writs.v[w];
    const char *sr = master_text(m, wr->sr_number);
    char sr_note[64];
    snprintf(sr_note, sizeof sr_note, sr[0] ? "%.60s" : "(no SR number)", sr);
    if (wr->reason == WRIT_STATE_HEARING) {
        refuse(e, s, r, EX_WRIT_STATE_HEARING,
               "writ %s: reason state_hearing goes through the state hearing process, not a writ special "
               "transaction",
               sr_note);
        return NULL;
    }
    if (wr->reason == WRIT_OTHER) {
        refuse(e, s, r, EX_WRIT_REASON, "writ %s: reason %s is not court_order, system_defect or county_admin",
               sr_note, master_text(m, wr->reason_text));
        return NULL;
    }
    if (!sr[0]) {
        refuse(e, s, r, EX_WRIT_NO_SR, "writ worksheet for %.*s has no SR number", (int)s->timesheet_id_len,
               s->timesheet_id);
        return NULL;
    }
    int64_t days = sum_days(c->pay, s->ndays), sheet_minutes = (int64_t)wr->regular_minutes + wr->overtime_minutes;
    if (sheet_minutes != days) {
        char a[24], b[24], d[24];
        cal_format_hm(wr->regular_minutes, a);
        cal_format_hm(wr->overtime_minutes, b);
        cal_format_hm(days, d);
        refuse(e, s, r, EX_WRIT_HOURS_MISMATCH, "writ %s: worksheet %s regular + %s overtime differs from the "
               "timesheet's %s", sr, a, b, d);
        return NULL;
    }
    const ledger_recipient_month *rm = ledger_peek(&e->lg->recipient_month, ledger_key(c->rc, c->month));
    int64_t left = c->auth->authorized_minutes - (rm ? rm->minutes : 0);
    if (days > left) {
        char a[24], b[24];
        cal_format_hm(days, a);
        cal_format_hm(left < 0 ? 0 : left, b);
        refuse(e, s, r, EX_WRIT_POLICY, "writ %s: %s do not fit the %s of authorized hours left this month; "
               "a writ is not partly paid", sr, a, b);
        return NULL;
    }
    *refused = 0;
    return wr;
}

/* Explains step 6: the recipient's ESP registration history, one change a line, and
 * the status in force on the recipient's signature date. */
static void trace_esp_history(rules_engine *e, int32_t recipient, cal_date signed_on, int inactive, cal_date since)
{
    size_t n;
    const master_esp_change *h = master_esp_history(e->m, recipient, &n);
    char d1[11], d2[11];
    cal_format(signed_on, d1);
    if (n == 0) {
        rules_tracef(e, "6. channel electronic: recipient's ESP account active on the recipient's signature date %s "
                     "(no inactivation on record)", d1);
        return;
    }
    rules_tracef(e, "6. channel electronic; recipient's ESP registration history:");
    for (size_t k = 0; k < n; k++) {
        int repeat = h[k].inactive == (k > 0 ? h[k - 1].inactive : 0);   /* active before the first change */
        cal_format(h[k].from, d2);
        rules_tracef(e, "   %s from %s (%s line %d%s%s)", h[k].inactive ? "inactive" : "active", d2,
                     h[k].from_recipients ? "recipients.csv" : "esp_history.csv", (int)h[k].line,
                     h[k].from_recipients ? ", esp_inactivated_on" : "",
                     repeat ? (h[k].inactive ? "; already inactive: no change" : "; already active: no change") : "");
    }
    if (since == CAL_NONE) {
        rules_tracef(e, "   on the recipient's signature date %s: active (not inactivated before)", d1);
        return;
    }
    cal_format(since, d2);
    rules_tracef(e, "   on the recipient's signature date %s: %s since %s", d1, inactive ? "inactive" : "active", d2);
}

/* Step 6 (SPEC §7c): an electronic timesheet is refused with ESP_INACTIVE when the
 * recipient's ESP status in force on the recipient's signature date is inactive; a
 * paper timesheet is not checked. Returns 1 when refused (the exception is in r), 0
 * when the timesheet goes on. Never fails. */
static int check_esp(ctx *c, rules_result *r)
{
    rules_engine *e = c->e;
    const sheet *s = c->s;
    if (s->channel != CHANNEL_ELECTRONIC) {
        RULES_TRACE(e, "6. channel paper: the recipient's ESP account status does not apply");
        return 0;
    }
    cal_date since;
    int inactive = master_esp_inactive_on(e->m, c->rc, s->recipient_signed_on, &since);
    if (e->tracing)
        trace_esp_history(e, c->rc, s->recipient_signed_on, inactive, since);
    if (!inactive)
        return 0;
    char d1[11], d2[11];
    cal_format(since, d1);
    cal_format(s->recipient_signed_on, d2);
    refuse(e, s, r, EX_ESP_INACTIVE, "recipient's ESP account was inactivated on %s and was inactive when the "
           "recipient signed on %s: a replacement paper timesheet must be sent", d1, d2);
    return 1;
}

void rules_resolve_ids(const masters *m, sheet *s)
{
    s->provider_idx = ids_find(&m->provider_ids, s->provider_id, s->provider_id_len);
    s->recipient_idx = ids_find(&m->recipient_ids, s->recipient_id, s->recipient_id_len);
    s->idx_of = m;
}

void rules_prefetch(const rules_engine *e, const sheet *s)
{
    const masters *m = e->m;
    const ledger *lg = e->lg;
    ledger_paid_id id = ledger_paid_id_of(s->timesheet_id, s->timesheet_id_len);
    ledger_prefetch_paid(lg, &id);
    if (s->idx_of != m)
        return;
    int32_t p = s->provider_idx, rc = s->recipient_idx;
    if (p >= 0) {
        __builtin_prefetch(&m->providers.v[p]);
        __builtin_prefetch(&m->asg_first[p]);
    }
    if (rc >= 0) {
        __builtin_prefetch(&m->recipients.v[rc]);
        __builtin_prefetch(&m->auth_first[rc]);
        if (s->channel == CHANNEL_ELECTRONIC)
            __builtin_prefetch(&m->esp_first[rc]);
    }
    ledger_prefetch(lg, p, rc);     /* the paid periods of the pair are reached from the provider's block */
}

int rules_process(rules_engine *e, const sheet *s, rules_result *r)
{
    const masters *m = e->m;
    ledger *lg = e->lg;
    ctx c = {.e = e, .s = s};
    char d1[11], d2[11], hm_a[24], hm_b[24];
    r->paid = 0;
    r->nex = 0;
    memcpy(c.pay, s->minutes, sizeof c.pay);
    e->traced_params = 0;
    if (e->tracing) {
        char line[400], hm[24];
        size_t len = 0;
        cal_format(s->period_start, d1);
        cal_format(s->period_end, d2);
        rules_tracef(e, "timesheet %.*s (%s:%ld): provider %.*s, recipient %.*s, %s %s timesheet for %s to %s",
                     (int)s->timesheet_id_len, s->timesheet_id, s->source_file, s->source_line,
                     (int)s->provider_id_len, s->provider_id, (int)s->recipient_id_len, s->recipient_id,
                     kind_names[s->kind], s->channel == CHANNEL_PAPER ? "paper" : "electronic", d1, d2);
        line[0] = '\0';
        for (int d = 0; d < s->ndays && len < sizeof line - 40; d++)
            if (s->minutes[d]) {
                int y, mo, dd;
                cal_to_ymd(s->period_start + d, &y, &mo, &dd);
                cal_format_hm(s->minutes[d], hm);
                len += (size_t)snprintf(line + len, sizeof line - len, " %02d-%02d %s", mo, dd, hm);
            }
        cal_format_hm(s->claimed, hm);
        rules_tracef(e, "1. days with hours:%s; claimed %s", line, hm);
    }

    /* 2. Identity (the indexes may have been looked up ahead, in these masters) */
    c.p = s->idx_of == m ? s->provider_idx : ids_find(&m->provider_ids, s->provider_id, s->provider_id_len);
    if (c.p < 0)
        return refuse(e, s, r, EX_UNKNOWN_PROVIDER, "provider %.*s is not in providers.csv", (int)s->provider_id_len,
                      s->provider_id);
    c.rc = s->idx_of == m ? s->recipient_idx : ids_find(&m->recipient_ids, s->recipient_id, s->recipient_id_len);
    if (c.rc < 0)
        return refuse(e, s, r, EX_UNKNOWN_RECIPIENT, "recipient %.*s is not in recipients.csv",
                      (int)s->recipient_id_len, s->recipient_id);
    c.prov = &m->providers.v[c.p];
    c.rcp = &m->recipients.v[c.rc];
    size_t na;
    const master_assignment *as = master_pair_assignments(m, c.p, c.rc, &na);
    for (int d = 0; d < s->ndays && !c.asg; d++)
        for (size_t k = 0; k < na && c.pay[d] > 0 && !c.asg; k++)
            if (as[k].start <= s->period_start + d && s->period_start + d <= as[k].end)
                c.asg = &as[k];
    if (!c.asg)
        return refuse(e, s, r, EX_NO_ASSIGNMENT, "no assignment of provider %.*s to recipient %.*s covers a day "
                      "with hours", (int)s->provider_id_len, s->provider_id, (int)s->recipient_id_len, s->recipient_id);
    if (e->tracing) {
        cal_format(c.asg->start, d1);
        if (c.asg->end == CAL_OPEN)
            snprintf(d2, sizeof d2, "open");
        else
            cal_format(c.asg->end, d2);
        rules_tracef(e, "2. identity: provider and recipient known (recipient's county %s); assignment %s to %s, "
                     "relationship %s, %s", ids_name(&m->params.counties, c.rcp->county), d1, d2,
                     relationship_names[c.asg->relationship], c.asg->bups ? "BUPS back-up provider" : "not BUPS");
    }
    int64_t outside = 0;
    for (int d = 0; d < s->ndays; d++) {
        cal_date day = s->period_start + d;
        if (c.pay[d] > 0 && (day < c.asg->start || day > c.asg->end)) {
            outside += c.pay[d];
            c.pay[d] = 0;
        }
    }
    if (outside) {
        cal_format_hm(outside, hm_a);
        cal_format(c.asg->start, d1);
        if (c.asg->end == CAL_OPEN)
            snprintf(d2, sizeof d2, "open");
        else
            cal_format(c.asg->end, d2);
        add_exception(r, EX_OUTSIDE_ASSIGNMENT, outside, "%s on days outside the assignment (%s to %s) not paid",
                      hm_a, d1, d2);
        trace_exception(e, r);
    }

    /* 3. Enrollment */
    if (!c.prov->enrollment_complete)
        return refuse(e, s, r, EX_ENROLLMENT_PENDING, "provider %.*s has not completed enrollment; held until it "
                      "is complete (seed 003 catch-up timesheets)", (int)s->provider_id_len, s->provider_id);

    RULES_TRACE(e, "3. enrollment complete");
    /* 4. Eligibility */
    c.month = cal_month_key(s->period_start);
    c.auth = master_authorization_for(m, c.rc, c.month);
    if (!c.auth || !c.auth->medi_cal_eligible)
        return refuse(e, s, r, EX_NOT_ELIGIBLE, c.auth ? "recipient %.*s is not Medi-Cal eligible for %04d-%02d"
                                                       : "recipient %.*s has no authorization for %04d-%02d",
                      (int)s->recipient_id_len, s->recipient_id, c.month / 12, c.month % 12 + 1);

    if (e->tracing) {
        char a[24], b[32], d[32];
        cal_format_hm(c.auth->authorized_minutes, a);
        money_format_cents(c.auth->share_of_cost, b);
        money_format_cents(c.auth->soc_met_by_medical, d);
        rules_tracef(e, "4. eligible: authorization for %04d-%02d, %s authorized, share of cost %s of which %s met by "
                     "medical bills, Medi-Cal eligible", c.month / 12, c.month % 12 + 1, a, b, d);
    }
    /* 5. Signatures and dates (the period's end is formatted only for a message) */
    if (s->provider_signed_on == CAL_NONE || s->recipient_signed_on == CAL_NONE)
        return refuse(e, s, r, EX_MISSING_SIGNATURE, "the %s signature date is empty",
                      s->provider_signed_on == CAL_NONE ? "provider's" : "recipient's");
    if (s->provider_signed_on < s->period_end || s->recipient_signed_on < s->period_end) {
        int prov = s->provider_signed_on < s->period_end;
        cal_format(s->period_end, d1);
        cal_format(prov ? s->provider_signed_on : s->recipient_signed_on, d2);
        return refuse(e, s, r, EX_SIGNED_EARLY, "%s signed on %s, before the period ended on %s",
                      prov ? "provider" : "recipient", d2, d1);
    }
    if (s->received_on < s->period_end) {
        cal_format(s->period_end, d1);
        cal_format(s->received_on, d2);
        return refuse(e, s, r, EX_RECEIVED_EARLY, "received on %s, before the period ended on %s", d2, d1);
    }
    if (s->received_on > e->run_date || s->provider_signed_on > s->received_on ||
        s->recipient_signed_on > s->received_on || s->period_end > e->run_date) {
        char rd[11];
        cal_format(e->run_date, rd);
        cal_format(s->period_end, d1);
        cal_format(s->received_on, d2);
        const char *what = s->received_on > e->run_date ? "received after the run date"
                         : s->period_end > e->run_date  ? "the period has not ended by the run date"
                                                        : "signed after the date received";
        return refuse(e, s, r, EX_BAD_DATES, "%s (received %s, period end %s, run date %s)", what, d2, d1, rd);
    }

    if (e->tracing) {
        char a[11], b[11], rd[11];
        cal_format(s->period_end, d1);
        cal_format(s->provider_signed_on, a);
        cal_format(s->recipient_signed_on, b);
        cal_format(s->received_on, d2);
        cal_format(e->run_date, rd);
        rules_tracef(e, "5. dates: period ended %s; signed by the provider %s and the recipient %s; received %s; "
                     "run date %s: in order", d1, a, b, d2, rd);
    }
    /* 6. Electronic timesheets */
    if (check_esp(&c, r))
        return 0;

    /* 7. Duplicates */
    c.paid_id = ledger_paid_id_of(s->timesheet_id, s->timesheet_id_len);
    if (ledger_timesheet_paid(lg, &c.paid_id))
        return refuse(e, s, r, EX_DUPLICATE_TIMESHEET, "timesheet %.*s is already paid", (int)s->timesheet_id_len,
                      s->timesheet_id);
    if (s->kind == KIND_REGULAR || s->kind == KIND_CATCH_UP) {
        uint64_t key;
        if (ledger_period_key(c.p, c.rc, s->period_start, &key) != 0)
            return fatal(e, "too many providers or recipients, or a period after August 2730, for the period index");
        if (ledger_period_paid(lg, key)) {
            cal_format(s->period_start, d2);
            return refuse(e, s, r, EX_DUPLICATE_PERIOD, "provider %.*s, recipient %.*s, period %s is already paid",
                          (int)s->provider_id_len, s->provider_id, (int)s->recipient_id_len, s->recipient_id, d2);
        }
    }

    RULES_TRACE(e, "7. not a duplicate: timesheet id not paid before%s",
                s->kind == KIND_REGULAR || s->kind == KIND_CATCH_UP ? ", provider/recipient/period not paid before"
                                                                     : " (special and writ may pay a period again)");
    rules_paycheck *pc = &r->paycheck;
    memset(pc, 0, sizeof *pc);
    pc->sr_number = "";
    int64_t regular, overtime;
    int32_t county = c.rcp->county;
    PARAM(threshold, P_OVERTIME_WEEKLY_THRESHOLD, county, s->period_start);

    if (s->kind == KIND_WRIT) {
        /* 8. Writ of Mandamus: paid at the worksheet's rates and split, counted everywhere */
        int refused;
        const master_writ *wr = check_writ(&c, r, &refused);
        if (refused)
            return 0;
        if (count_minutes(&c, threshold->value, &regular, &overtime) != 0)
            return RULES_FATAL;
        regular = wr->regular_minutes;
        overtime = wr->overtime_minutes;
        if (e->tracing) {
            char a[24], b[24], x[40], y[40];
            cal_format_hm(regular, a);
            cal_format_hm(overtime, b);
            money_format_rate(wr->regular_rate, x);
            money_format_rate(wr->overtime_rate, y);
            rules_tracef(e, "8. writ of mandamus %s (reason %s): paid as the worksheet says, %s regular at %s and %s "
                         "overtime at %s; its minutes are counted in every ledger counter (seed 000)",
                         master_text(m, wr->sr_number), master_text(m, wr->reason_text), a, x, b, y);
        }
        pc->regular_rate = wr->regular_rate;
        pc->overtime_rate = wr->overtime_rate;
        pc->sr_number = master_text(m, wr->sr_number);
        if (money_pay_for_minutes(wr->regular_rate, regular, &pc->amount[AMT_REGULAR_PAY]) != MONEY_OK ||
            money_pay_for_minutes(wr->overtime_rate, overtime, &pc->amount[AMT_OVERTIME_PAY]) != MONEY_OK ||
            money_add(pc->amount[AMT_REGULAR_PAY], pc->amount[AMT_OVERTIME_PAY], &pc->amount[AMT_GROSS]) != MONEY_OK)
            return fatal(e, "writ pay overflows");
    } else {
        /* 9. Authorized hours, shared by all of the recipient's providers */
        const ledger_recipient_month *rm = ledger_peek(&lg->recipient_month, ledger_key(c.rc, c.month));
        int64_t used = rm ? rm->minutes : 0;
        int64_t cut = cut_beyond(c.pay, s->ndays, c.auth->authorized_minutes - used);
        if (e->tracing) {
            char a[24], b[24], x[24];
            cal_format_hm(c.auth->authorized_minutes, a);
            cal_format_hm(used, b);
            cal_format_hm(c.auth->authorized_minutes - used > 0 ? c.auth->authorized_minutes - used : 0, x);
            rules_tracef(e, "9. authorized hours: %s for the month, %s already paid to the recipient's providers, "
                         "%s left", a, b, x);
        }
        if (cut) {
            cal_format_hm(c.auth->authorized_minutes, hm_a);
            cal_format_hm(used, hm_b);
            char hm_c[24];
            cal_format_hm(cut, hm_c);
            add_exception(r, EX_OVER_AUTHORIZED, cut, "recipient authorized %s for %04d-%02d, %s already paid: %s "
                          "cut", hm_a, c.month / 12, c.month % 12 + 1, hm_b, hm_c);
            trace_exception(e, r);
        }
        /* 10. BUPS hours per state fiscal year (seed 004) */
        if (c.asg->bups) {
            int exc = c.rcp->severely_impaired && c.rcp->bups_exception;
            PARAM(bh, exc ? P_BUPS_ANNUAL_HOURS_EXCEPTION : P_BUPS_ANNUAL_HOURS, county, s->period_start);
            int fy = cal_fiscal_year(s->period_start);
            const int64_t *by = ledger_peek(&lg->bups_year, ledger_key(c.rc, fy));
            int64_t bused = by ? *by : 0;
            int64_t bcut = cut_beyond(c.pay, s->ndays, bh->value - bused);
            if (e->tracing) {
                char a[24], b[24];
                cal_format_hm(bh->value, a);
                cal_format_hm(bused, b);
                rules_tracef(e, "10. BUPS hours of fiscal year %d-%02d: %s allowed, %s used before", fy, (fy + 1) % 100,
                             a, b);
            }
            if (bcut) {
                char hm_c[24];
                cal_format_hm(bh->value, hm_a);
                cal_format_hm(bused, hm_b);
                cal_format_hm(bcut, hm_c);
                add_exception(r, EX_BUPS_HOURS_EXHAUSTED, bcut, "BUPS hours for fiscal year %d-%02d: %s%s, %s "
                              "already used: %s cut", fy, (fy + 1) % 100, hm_a, exc ? " (exception)" : "", hm_b,
                              hm_c);
                trace_exception(e, r);
            }
        }
        /* 11. Overtime, by the provider's workweek counters */
        if (count_minutes(&c, threshold->value, &regular, &overtime) != 0)
            return RULES_FATAL;
        /* 12. Workweek limits */
        if (check_workweek_limits(&c, r) != 0)
            return RULES_FATAL;
        /* 13. Pay */
        if (compute_pay(&c, regular, overtime, pc) != 0)
            return RULES_FATAL;
    }
    pc->seq = e->next_seq++;
    pc->provider = c.p;
    pc->recipient = c.rc;
    pc->county = county;
    pc->period_start = s->period_start;
    pc->kind = s->kind;
    pc->regular_minutes = regular;
    pc->overtime_minutes = overtime;

    /* 14. Deductions */
    deduct_input din = {.provider = c.prov, .recipient = c.rcp, .assignment = c.asg, .authorization = c.auth,
                        .p = c.p, .rc = c.rc, .month = c.month, .period_start = s->period_start,
                        .period_end = s->period_end};
    if (deduct_apply(e, &din, pc) != 0)
        return RULES_FATAL;

    /* 15. Late payment */
    PARAM(bdays, P_PAYMENT_BUSINESS_DAYS, PARAM_STATEWIDE, e->run_date);
    int32_t waited = cal_business_days_between(s->received_on, e->run_date, &m->holidays);
    RULES_TRACE(e, "15. %d business days after receipt up to the run date (limit %lld)", (int)waited,
                (long long)bdays->value);
    if (waited > bdays->value) {
        cal_format(s->received_on, d1);
        cal_format(e->run_date, d2);
        add_exception(r, EX_PAID_LATE, 0, "received %s, paid %s: %d business days, limit %lld (seed 003)", d1, d2,
                      (int)waited, (long long)bdays->value);
        trace_exception(e, r);
    }

    /* tally */
    r->paid = 1;
    rules_totals *t = &e->totals;
    t->rows++;
    t->paid++;
    t->minutes_claimed += s->claimed;
    t->minutes_paid += regular + overtime;
    for (int i = 0; i < r->nex; i++) {
        t->by_code[r->ex[i].code]++;
        if (sheet_code_severity(r->ex[i].code) == SEV_PARTIAL)
            t->minutes_cut += r->ex[i].minutes;
    }
    for (int a = 0; a < AMT_COUNT; a++)
        if (money_add(t->amount[a], pc->amount[a], &t->amount[a]) != MONEY_OK)
            return fatal(e, "run total of %s overflows", amount_names[a]);
    return 0;
}
