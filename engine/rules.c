/* rules.c — the rule steps of docs/rules.md §5.2-§5.15 for one timesheet, one function a
 * step in the order they apply, and rules_process, the list of them. The deductions of
 * §5.14 are in deduct.c; what both share is in rules_int.h. */
#include "rules_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const amount_names[AMT_COUNT] = {
    "regular_pay", "overtime_pay", "differential_pay", "gross", "fica_ss", "fica_medicare",
    "sdi", "share_of_cost", "union_dues", "overpayment_recovery", "federal_income_tax", "state_income_tax", "net",
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

/* ---- fatal errors ---- */

step_result rules_fail(rules_engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return STEP_FATAL;
}

step_result rules_out_of_memory(rules_engine *e, const char *message)
{
    e->out_of_memory = 1;
    return rules_fail(e, "%s", message);
}

/* ---- parameters, resolved once per (scope, date) ---- */

/* The parameter set of key (county + 1, date), made on first use. Returns its index, or
 * -1 out of memory (e->err set). */
static int32_t param_set_of(rules_engine *e, uint64_t key)
{
    for (int k = 0; k < RULES_PARAM_RECENT; k++)
        if (e->recent_key[k] == key && e->recent_set[k] > 0)
            return e->recent_set[k] - 1;
    int32_t *slot = ids_map_put(&e->param_index, key, -1);
    if (!slot) {
        rules_out_of_memory(e, "out of memory");
        return -1;
    }
    if (*slot < 0) {
        if (e->nparam_sets == e->param_sets_cap) {
            size_t cap = e->param_sets_cap ? e->param_sets_cap * 2 : 64;
            rules_param_set *v = realloc(e->param_sets, cap * sizeof *v);
            if (!v) {
                rules_out_of_memory(e, "out of memory");
                return -1;
            }
            e->param_sets = v;
            e->param_sets_cap = cap;
        }
        memset(&e->param_sets[e->nparam_sets], 0, sizeof *e->param_sets);
        *slot = (int32_t)e->nparam_sets++;
    }
    e->recent_key[e->recent_next] = key;
    e->recent_set[e->recent_next] = *slot + 1;
    e->recent_next = (e->recent_next + 1) % RULES_PARAM_RECENT;
    return *slot;
}

/* Explains a parameter the first time a timesheet uses it. */
RULES_TRACE_FN trace_param(rules_engine *e, param_id id, const param_row *r, cal_date on)
{
    char v[256], d[11], from[11];
    e->traced_params |= (uint64_t)1 << id;
    param_format_value(&e->m->params, r, v, sizeof v);
    cal_format(on, d);
    cal_format(r->from, from);
    rules_tracef(e, "  parameter %s = %s (%s, looked up on %s; in force from %s; %s)", param_name(id), v,
                 r->county >= 0 ? ids_name(&e->m->params.counties, r->county) : "statewide", d, from,
                 param_reference(&e->m->params, r));
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
    int32_t set = param_set_of(e, key);
    if (set < 0)
        return NULL;
    rules_param_set *ps = &e->param_sets[set];
    if (!ps->tried[id]) {
        ps->row[id] = param_in_force(&e->m->params, id, county, on);
        ps->tried[id] = 1;
    }
    if (!ps->row[id]) {
        char d[11];
        cal_format(on, d);
        rules_fail(e, "parameters.csv: no value of %s in force for %s on %s", param_name(id),
                   county >= 0 ? ids_name(&e->m->params.counties, county) : "the state (*)", d);
    } else if (e->tracing && !(e->traced_params & ((uint64_t)1 << id)))
        trace_param(e, id, ps->row[id], on);
    return ps->row[id];
}

/* ---- exceptions ---- */

/* Raises a partial or warning exception on a timesheet that goes on, and explains it. */
void rules_raise(sheet_ctx *c, rules_result *r, sheet_code code, int64_t minutes, const char *fmt, ...)
{
    if (r->nex < RULES_MAX_EXCEPTIONS) {     /* always: at most 3 cuts, 2 rows a week for 4 weeks, 1 month, 1 withholding, 1 late */
        rules_exception *x = &r->ex[r->nex++];
        x->code = code;
        x->minutes = minutes;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->message, sizeof x->message, fmt, ap);
        va_end(ap);
    }
    if (c->e->tracing && r->nex > 0) {
        const rules_exception *x = &r->ex[r->nex - 1];
        char hm[24];
        cal_format_hm(x->minutes, hm);
        rules_tracef(c->e, "  => %s (%s, %s): %s", sheet_code_name(x->code),
                     sheet_severity_name(sheet_code_severity(x->code)), hm, x->message);
    }
}

/* A reject or hold: the only exception of the timesheet, carrying the minutes it
 * claimed (docs/rules.md §5, "exactly one exception for a refused timesheet"). */
static void refuse_v(rules_engine *e, const sheet *s, rules_result *r, sheet_code code, const char *fmt, va_list ap)
{
    r->paid = 0;
    r->nex = 1;
    rules_exception *x = &r->ex[0];
    x->code = code;
    x->minutes = s->claimed;
    vsnprintf(x->message, sizeof x->message, fmt, ap);
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
}

/* Refuses the timesheet (see refuse_v). Returns STEP_STOP. */
static step_result refuse(sheet_ctx *c, rules_result *r, sheet_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static step_result refuse(sheet_ctx *c, rules_result *r, sheet_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    refuse_v(c->e, c->s, r, code, fmt, ap);
    va_end(ap);
    return STEP_STOP;
}

void rules_reject_unparsed(rules_engine *e, const sheet *s, sheet_code code, const char *msg, rules_result *r)
{
    sheet_ctx c = {.e = e, .s = s};
    refuse(&c, r, code, "%s", msg);
}

/* ---- helpers ---- */

static const char *ordinal_suffix(int64_t n)
{
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* What the nth workweek violation means (docs/rules.md §5.12, "Violations"). */
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

/* Pays days in date order until `left` minutes are used; cuts the rest. Returns the
 * minutes cut (docs/rules.md §5.9, §5.10). */
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

/* "2026-11-01 to open": an assignment's dates, for a trace or a message. */
static void format_assignment_dates(const master_assignment *a, char d1[11], char d2[11])
{
    cal_format(a->start, d1);
    if (a->end == CAL_OPEN)
        snprintf(d2, 11, "open");
    else
        cal_format(a->end, d2);
}

/* Explains the timesheet as read (docs/rules.md §5.1: it was parsed before the steps). */
RULES_TRACE_FN trace_timesheet(const sheet_ctx *c)
{
    const sheet *s = c->s;
    char d1[11], d2[11], line[400], hm[24];
    size_t len = 0;
    cal_format(s->period_start, d1);
    cal_format(s->period_end, d2);
    rules_tracef(c->e, "timesheet %.*s (%s:%ld): provider %.*s, recipient %.*s, %s %s timesheet for %s to %s",
                 (int)s->timesheet_id_len, s->timesheet_id, s->source_file, s->source_line, (int)s->provider_id_len,
                 s->provider_id, (int)s->recipient_id_len, s->recipient_id, kind_names[s->kind],
                 s->channel == CHANNEL_PAPER ? "paper" : "electronic", d1, d2);
    line[0] = '\0';
    for (int d = 0; d < s->ndays && len < sizeof line - 40; d++)
        if (s->minutes[d]) {
            int y, mo, dd;
            cal_to_ymd(s->period_start + d, &y, &mo, &dd);
            cal_format_hm(s->minutes[d], hm);
            len += (size_t)snprintf(line + len, sizeof line - len, " %02d-%02d %s", mo, dd, hm);
        }
    cal_format_hm(s->claimed, hm);
    rules_tracef(c->e, "1. days with hours:%s; claimed %s", line, hm);
}

/* ==== the steps, in the order of docs/rules.md §5 ==== */

/* §5.2 Identity, first half: the provider is in providers.csv and the recipient in
 * recipients.csv (the indexes may have been looked up ahead, in these masters).
 * Source: a payroll control (docs/rules.md §5.2). STOP after UNKNOWN_PROVIDER or
 * UNKNOWN_RECIPIENT; never FATAL. */
static step_result step_identity(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    const masters *m = c->m;
    c->p = s->idx_of == m ? s->provider_idx : ids_find(&m->provider_ids, s->provider_id, s->provider_id_len);
    if (c->p < 0)
        return refuse(c, r, EX_UNKNOWN_PROVIDER, "provider %.*s is not in providers.csv", (int)s->provider_id_len,
                      s->provider_id);
    c->rc = s->idx_of == m ? s->recipient_idx : ids_find(&m->recipient_ids, s->recipient_id, s->recipient_id_len);
    if (c->rc < 0)
        return refuse(c, r, EX_UNKNOWN_RECIPIENT, "recipient %.*s is not in recipients.csv",
                      (int)s->recipient_id_len, s->recipient_id);
    c->prov = &m->providers.v[c->p];
    c->rcp = &m->recipients.v[c->rc];
    return STEP_GO;
}

RULES_TRACE_FN trace_assignment(const sheet_ctx *c)
{
    char d1[11], d2[11];
    format_assignment_dates(c->asg, d1, d2);
    rules_tracef(c->e, "2. identity: provider and recipient known (recipient's county %s); assignment %s to %s, "
                 "relationship %s, %s", ids_name(&c->m->params.counties, c->rcp->county), d1, d2,
                 relationship_names[c->asg->relationship], c->asg->bups ? "BUPS back-up provider" : "not BUPS");
}

/* §5.2 Identity, second half: the timesheet's assignment is the pair's assignment that
 * covers the earliest day with hours; hours on days outside its dates are cut.
 * Source: a payroll control; assignments carry effective dates of service (DRC 8098.01,
 * "County Responsibilities"). STOP after NO_ASSIGNMENT; OUTSIDE_ASSIGNMENT (partial)
 * goes on; never FATAL. */
static step_result step_assignment(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    size_t na;
    const master_assignment *as = master_pair_assignments(c->m, c->p, c->rc, &na);
    for (int d = 0; d < s->ndays && !c->asg; d++)
        for (size_t k = 0; k < na && c->pay[d] > 0 && !c->asg; k++)
            if (as[k].start <= s->period_start + d && s->period_start + d <= as[k].end)
                c->asg = &as[k];
    if (!c->asg)
        return refuse(c, r, EX_NO_ASSIGNMENT, "no assignment of provider %.*s to recipient %.*s covers a day "
                      "with hours", (int)s->provider_id_len, s->provider_id, (int)s->recipient_id_len, s->recipient_id);
    if (c->e->tracing)
        trace_assignment(c);
    int64_t outside = 0;
    for (int d = 0; d < s->ndays; d++) {
        cal_date day = s->period_start + d;
        if (c->pay[d] > 0 && (day < c->asg->start || day > c->asg->end)) {
            outside += c->pay[d];
            c->pay[d] = 0;
        }
    }
    if (outside) {
        char hm[24], d1[11], d2[11];
        cal_format_hm(outside, hm);
        format_assignment_dates(c->asg, d1, d2);
        rules_raise(c, r, EX_OUTSIDE_ASSIGNMENT, outside, "%s on days outside the assignment (%s to %s) not paid",
                        hm, d1, d2);
    }
    return STEP_GO;
}

/* §5.3 Enrollment: the provider has completed enrollment.
 * Source: IHSS recipient handbook, "The Enrollment Process" (catch-up timesheets once
 * enrollment is complete). STOP after ENROLLMENT_PENDING (hold); never FATAL. */
static step_result step_enrollment(sheet_ctx *c, rules_result *r)
{
    if (!c->prov->enrollment_complete)
        return refuse(c, r, EX_ENROLLMENT_PENDING, "provider %.*s has not completed enrollment; held until it "
                      "is complete and then paid as a catch_up timesheet", (int)c->s->provider_id_len, c->s->provider_id);
    RULES_TRACE(c->e, "3. enrollment complete");
    return STEP_GO;
}

RULES_TRACE_FN trace_eligibility(const sheet_ctx *c)
{
    char a[24], b[32], d[32];
    cal_format_hm(c->auth->authorized_minutes, a);
    money_format_cents(c->auth->share_of_cost, b);
    money_format_cents(c->auth->soc_met_by_medical, d);
    rules_tracef(c->e, "4. eligible: authorization for %04d-%02d, %s authorized, share of cost %s of which %s met by "
                 "medical bills, Medi-Cal eligible", c->month / 12, c->month % 12 + 1, a, b, d);
}

/* §5.4 Eligibility: the recipient has an authorization for the service month and is
 * Medi-Cal eligible for it.
 * Source: Writ ePolicy "Writ of Mandamus Special Transaction Process", Social Worker
 * step 4, applied to every kind of timesheet. STOP after NOT_ELIGIBLE; never FATAL. */
static step_result step_eligibility(sheet_ctx *c, rules_result *r)
{
    c->month = cal_month_key(c->s->period_start);
    c->auth = master_authorization_for(c->m, c->rc, c->month);
    if (!c->auth || !c->auth->medi_cal_eligible)
        return refuse(c, r, EX_NOT_ELIGIBLE, c->auth ? "recipient %.*s is not Medi-Cal eligible for %04d-%02d"
                                                     : "recipient %.*s has no authorization for %04d-%02d",
                      (int)c->s->recipient_id_len, c->s->recipient_id, c->month / 12, c->month % 12 + 1);
    if (c->e->tracing)
        trace_eligibility(c);
    return STEP_GO;
}

RULES_TRACE_FN trace_dates(const sheet_ctx *c)
{
    const sheet *s = c->s;
    char d1[11], d2[11], a[11], b[11], rd[11];
    cal_format(s->period_end, d1);
    cal_format(s->provider_signed_on, a);
    cal_format(s->recipient_signed_on, b);
    cal_format(s->received_on, d2);
    cal_format(c->e->run_date, rd);
    rules_tracef(c->e, "5. dates: period ended %s; signed by the provider %s and the recipient %s; received %s; "
                 "run date %s: in order", d1, a, b, d2, rd);
}

/* §5.5 Signatures and dates: both signed, neither before the period's last day,
 * received on or after it, and nothing after the run date or signed after receipt.
 * Source: IHSS recipient handbook ("sign and date the timesheet ... at the end of the
 * pay period and not before"; "Common Timesheet Mistakes"); BAD_DATES is a control of
 * the project. STOP after MISSING_SIGNATURE, SIGNED_EARLY, RECEIVED_EARLY or BAD_DATES;
 * never FATAL. Dates are formatted only for a message. */
static step_result step_dates(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    char d1[11], d2[11], rd[11];
    if (s->provider_signed_on == CAL_NONE || s->recipient_signed_on == CAL_NONE)
        return refuse(c, r, EX_MISSING_SIGNATURE, "the %s signature date is empty",
                      s->provider_signed_on == CAL_NONE ? "provider's" : "recipient's");
    if (s->provider_signed_on < s->period_end || s->recipient_signed_on < s->period_end) {
        int prov = s->provider_signed_on < s->period_end;
        cal_format(s->period_end, d1);
        cal_format(prov ? s->provider_signed_on : s->recipient_signed_on, d2);
        return refuse(c, r, EX_SIGNED_EARLY, "%s signed on %s, before the period ended on %s",
                      prov ? "provider" : "recipient", d2, d1);
    }
    if (s->received_on < s->period_end) {
        cal_format(s->period_end, d1);
        cal_format(s->received_on, d2);
        return refuse(c, r, EX_RECEIVED_EARLY, "received on %s, before the period ended on %s", d2, d1);
    }
    cal_date run = c->e->run_date;
    if (s->received_on > run || s->provider_signed_on > s->received_on || s->recipient_signed_on > s->received_on ||
        s->period_end > run) {
        cal_format(run, rd);
        cal_format(s->period_end, d1);
        cal_format(s->received_on, d2);
        const char *what = s->received_on > run   ? "received after the run date"
                         : s->period_end > run    ? "the period has not ended by the run date"
                                                  : "signed after the date received";
        return refuse(c, r, EX_BAD_DATES, "%s (received %s, period end %s, run date %s)", what, d2, d1, rd);
    }
    if (c->e->tracing)
        trace_dates(c);
    return STEP_GO;
}

/* Explains step 6: the recipient's ESP registration history, one change a line, and
 * the status in force on the recipient's signature date. */
RULES_TRACE_FN trace_esp_history(const sheet_ctx *c, int inactive, cal_date since)
{
    size_t n;
    const master_esp_change *h = master_esp_history(c->m, c->rc, &n);
    char d1[11], d2[11];
    cal_format(c->s->recipient_signed_on, d1);
    if (n == 0) {
        rules_tracef(c->e, "6. channel electronic: recipient's ESP account active on the recipient's signature date "
                     "%s (no inactivation on record)", d1);
        return;
    }
    rules_tracef(c->e, "6. channel electronic; recipient's ESP registration history:");
    for (size_t k = 0; k < n; k++) {
        int repeat = h[k].inactive == (k > 0 ? h[k - 1].inactive : 0);   /* active before the first change */
        cal_format(h[k].from, d2);
        rules_tracef(c->e, "   %s from %s (%s line %d%s%s)", h[k].inactive ? "inactive" : "active", d2,
                     h[k].from_recipients ? "recipients.csv" : "esp_history.csv", (int)h[k].line,
                     h[k].from_recipients ? ", esp_inactivated_on" : "",
                     repeat ? (h[k].inactive ? "; already inactive: no change" : "; already active: no change") : "");
    }
    if (since == CAL_NONE) {
        rules_tracef(c->e, "   on the recipient's signature date %s: active (not inactivated before)", d1);
        return;
    }
    cal_format(since, d2);
    rules_tracef(c->e, "   on the recipient's signature date %s: %s since %s", d1, inactive ? "inactive" : "active",
                 d2);
}

/* §5.6 ESP: an electronic timesheet is refused when the recipient's Electronic
 * Services Portal account was inactive on the recipient's signature date; a paper
 * timesheet is not checked.
 * Source: ESP inactivation letter (CDSS All-County Letter "Implementation of
 * Inactivation Function in CMIPS for IHSS Recipients"). STOP after ESP_INACTIVE;
 * never FATAL. */
static step_result step_esp(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    if (s->channel != CHANNEL_ELECTRONIC) {
        RULES_TRACE(c->e, "6. channel paper: the recipient's ESP account status does not apply");
        return STEP_GO;
    }
    cal_date since;
    int inactive = master_esp_inactive_on(c->m, c->rc, s->recipient_signed_on, &since);
    if (c->e->tracing)
        trace_esp_history(c, inactive, since);
    if (!inactive)
        return STEP_GO;
    char d1[11], d2[11];
    cal_format(since, d1);
    cal_format(s->recipient_signed_on, d2);
    return refuse(c, r, EX_ESP_INACTIVE, "recipient's ESP account was inactivated on %s and was inactive when the "
                  "recipient signed on %s: a replacement paper timesheet must be sent", d1, d2);
}

/* ---- special and catch-up timesheets: which kinds pay a period once ---- */

/* docs/rules.md §5.7 and §6: a regular or catch-up timesheet pays its (provider,
 * recipient, period) once; a special (a county correction) or a writ may pay a period
 * again. */
static int pays_period_once(const sheet *s) { return s->kind == KIND_REGULAR || s->kind == KIND_CATCH_UP; }

/* Whether the timesheet's (provider, recipient, period) was paid before, in *paid.
 * STEP_GO, or STEP_FATAL when the period index cannot hold the key. */
static step_result period_paid_before(sheet_ctx *c, int *paid)
{
    uint64_t key;
    if (ledger_period_key(c->p, c->rc, c->s->period_start, &key) != 0)
        return rules_fail(c->e, "too many providers or recipients, or a period after August 2730, for the period index");
    *paid = ledger_period_paid(c->lg, key);
    return STEP_GO;
}

/* Records the timesheet's (provider, recipient, period) as paid. STEP_GO, or STEP_FATAL
 * out of memory. */
static step_result mark_period_paid(sheet_ctx *c)
{
    uint64_t key;
    if (ledger_period_key(c->p, c->rc, c->s->period_start, &key) != 0 || ledger_mark_period_paid(c->lg, key) != 0)
        return rules_out_of_memory(c->e, "out of memory, or too many providers or a period after August 2730 for the "
                                         "period index");
    return STEP_GO;
}

/* §5.7 Duplicates: the timesheet id was not paid before (this run or an earlier one),
 * nor, for a regular or catch-up timesheet, its (provider, recipient, period).
 * Source: a payroll control of the project. STOP after DUPLICATE_TIMESHEET or
 * DUPLICATE_PERIOD; FATAL when the period index cannot hold the key. */
static step_result step_duplicates(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    c->paid_id = ledger_paid_id_of(s->timesheet_id, s->timesheet_id_len);
    if (ledger_timesheet_paid(c->lg, &c->paid_id))
        return refuse(c, r, EX_DUPLICATE_TIMESHEET, "timesheet %.*s is already paid", (int)s->timesheet_id_len,
                      s->timesheet_id);
    if (pays_period_once(s)) {
        int paid = 0;
        if (period_paid_before(c, &paid) != STEP_GO)
            return STEP_FATAL;
        if (paid) {
            char d[11];
            cal_format(s->period_start, d);
            return refuse(c, r, EX_DUPLICATE_PERIOD, "provider %.*s, recipient %.*s, period %s is already paid",
                          (int)s->provider_id_len, s->provider_id, (int)s->recipient_id_len, s->recipient_id, d);
        }
    }
    RULES_TRACE(c->e, "7. not a duplicate: timesheet id not paid before%s",
                pays_period_once(s) ? ", provider/recipient/period not paid before"
                                    : " (special and writ may pay a period again)");
    return STEP_GO;
}

/* ---- §5.8 Writ of Mandamus: its checks and its pay ---- */

/* §5.8 Writ of Mandamus, the checks: a worksheet for the timesheet, a reason a writ may
 * pay (not a State Hearing decision), an SR number, the worksheet's hours equal to the
 * timesheet's, and those hours within the recipient's authorized hours left this month
 * (a writ is paid whole or not at all).
 * Source: Writ ePolicy, Los Angeles County DPSS, "Writ of Mandamus Special Transaction
 * Process", 2025-06-09. STOP after a WRIT_* refusal; never FATAL. */
static step_result step_writ(sheet_ctx *c, rules_result *r)
{
    const sheet *s = c->s;
    const masters *m = c->m;
    int32_t w = ids_find(&m->writ_ids, s->timesheet_id, s->timesheet_id_len);
    if (w < 0)
        return refuse(c, r, EX_WRIT_NO_WORKSHEET, "no writ worksheet for timesheet %.*s in writ_worksheets.csv",
                      (int)s->timesheet_id_len, s->timesheet_id);
    const master_writ *wr = &m->writs.v[w];
    const char *sr = master_text(m, wr->sr_number);
    char sr_note[64];
    snprintf(sr_note, sizeof sr_note, sr[0] ? "%.60s" : "(no SR number)", sr);
    if (wr->reason == WRIT_STATE_HEARING)
        return refuse(c, r, EX_WRIT_STATE_HEARING, "writ %s: reason state_hearing goes through the state hearing "
                      "process, not a writ special transaction", sr_note);
    if (wr->reason == WRIT_OTHER)
        return refuse(c, r, EX_WRIT_REASON, "writ %s: reason %s is not court_order, system_defect or county_admin",
                      sr_note, master_text(m, wr->reason_text));
    if (!sr[0])
        return refuse(c, r, EX_WRIT_NO_SR, "writ worksheet for %.*s has no SR number", (int)s->timesheet_id_len,
                      s->timesheet_id);
    int64_t days = sum_days(c->pay, s->ndays), sheet_minutes = (int64_t)wr->regular_minutes + wr->overtime_minutes;
    if (sheet_minutes != days) {
        char a[24], b[24], d[24];
        cal_format_hm(wr->regular_minutes, a);
        cal_format_hm(wr->overtime_minutes, b);
        cal_format_hm(days, d);
        return refuse(c, r, EX_WRIT_HOURS_MISMATCH, "writ %s: worksheet %s regular + %s overtime differs from the "
                      "timesheet's %s", sr, a, b, d);
    }
    const ledger_recipient_month *rm = ledger_peek(&c->lg->recipient_month, ledger_key(c->rc, c->month));
    int64_t left = c->auth->authorized_minutes - (rm ? rm->minutes : 0);
    if (days > left) {
        char a[24], b[24];
        cal_format_hm(days, a);
        cal_format_hm(left < 0 ? 0 : left, b);
        return refuse(c, r, EX_WRIT_POLICY, "writ %s: %s do not fit the %s of authorized hours left this month; "
                      "a writ is not partly paid", sr, a, b);
    }
    c->writ = wr;
    return STEP_GO;
}

RULES_TRACE_FN trace_writ_pay(const sheet_ctx *c)
{
    const master_writ *wr = c->writ;
    char a[24], b[24], x[40], y[40];
    cal_format_hm(c->regular, a);
    cal_format_hm(c->overtime, b);
    money_format_rate(wr->regular_rate, x);
    money_format_rate(wr->overtime_rate, y);
    rules_tracef(c->e, "8. writ of mandamus %s (reason %s): paid as the worksheet says, %s regular at %s and %s "
                 "overtime at %s; its minutes are counted in every ledger counter (Writ ePolicy)",
                 master_text(c->m, wr->sr_number), master_text(c->m, wr->reason_text), a, x, b, y);
}

/* Empties the paycheck before a pay step fills it. */
static void open_paycheck(rules_paycheck *pc)
{
    memset(pc, 0, sizeof *pc);
    pc->sr_number = "";
}

/* §5.8 Writ of Mandamus, the pay (in place of §5.13, after its minutes were posted to
 * the ledger by §5.11.2): at the worksheet's rates and regular/overtime split, with its
 * SR number; no differential.
 * Source: Writ ePolicy, Social Worker step 10 (rates on the worksheet). STEP_GO, or
 * STEP_FATAL when the pay overflows. */
static step_result step_writ_pay(sheet_ctx *c, rules_result *r)
{
    const master_writ *wr = c->writ;
    rules_paycheck *pc = &r->paycheck;
    c->regular = wr->regular_minutes;
    c->overtime = wr->overtime_minutes;
    if (c->e->tracing)
        trace_writ_pay(c);
    open_paycheck(pc);
    pc->regular_rate = wr->regular_rate;
    pc->overtime_rate = wr->overtime_rate;
    pc->sr_number = master_text(c->m, wr->sr_number);
    if (money_pay_for_minutes(wr->regular_rate, c->regular, &pc->amount[AMT_REGULAR_PAY]) != MONEY_OK ||
        money_pay_for_minutes(wr->overtime_rate, c->overtime, &pc->amount[AMT_OVERTIME_PAY]) != MONEY_OK ||
        money_add(pc->amount[AMT_REGULAR_PAY], pc->amount[AMT_OVERTIME_PAY], &pc->amount[AMT_GROSS]) != MONEY_OK)
        return rules_fail(c->e, "writ pay overflows");
    return STEP_GO;
}

/* ---- §5.9 Authorized hours ---- */

RULES_TRACE_FN trace_authorized_hours(const sheet_ctx *c, int64_t used)
{
    int64_t authorized = c->auth->authorized_minutes;
    char a[24], b[24], x[24];
    cal_format_hm(authorized, a);
    cal_format_hm(used, b);
    cal_format_hm(authorized - used > 0 ? authorized - used : 0, x);
    rules_tracef(c->e, "9. authorized hours: %s for the month, %s already paid to the recipient's providers, %s left",
                 a, b, x);
}

/* §5.9 Authorized hours: the recipient's monthly authorized minutes are shared by all
 * of the recipient's providers; days past what is left are cut, in date order.
 * Source: IHSS recipient handbook (hours beyond the assigned number not paid); DRC
 * 8098.01 (no more than the recipient is authorized in a month). OVER_AUTHORIZED
 * (partial) goes on; never STOP or FATAL. */
static step_result step_authorized_hours(sheet_ctx *c, rules_result *r)
{
    const ledger_recipient_month *rm = ledger_peek(&c->lg->recipient_month, ledger_key(c->rc, c->month));
    int64_t used = rm ? rm->minutes : 0;
    int64_t cut = cut_beyond(c->pay, c->s->ndays, c->auth->authorized_minutes - used);
    if (c->e->tracing)
        trace_authorized_hours(c, used);
    if (cut) {
        char a[24], b[24], x[24];
        cal_format_hm(c->auth->authorized_minutes, a);
        cal_format_hm(used, b);
        cal_format_hm(cut, x);
        rules_raise(c, r, EX_OVER_AUTHORIZED, cut, "recipient authorized %s for %04d-%02d, %s already paid: %s cut",
                        a, c->month / 12, c->month % 12 + 1, b, x);
    }
    return STEP_GO;
}

/* ---- BUPS back-up providers: the hours of the fiscal year and the differential ---- */

RULES_TRACE_FN trace_bups_hours(const sheet_ctx *c, int fy, int64_t allowed, int64_t used)
{
    char a[24], b[24];
    cal_format_hm(allowed, a);
    cal_format_hm(used, b);
    rules_tracef(c->e, "10. BUPS hours of fiscal year %d-%02d: %s allowed, %s used before", fy, (fy + 1) % 100, a, b);
}

/* §5.10 BUPS hours: a BUPS back-up assignment's days past the recipient's BUPS hours
 * left in the state fiscal year are cut, in date order, after §5.9's cut. The allowance
 * is bups.annual_hours_exception for a recipient both severely impaired and granted the
 * exception, else bups.annual_hours.
 * Source: DRC 8098.01, "BUPS Maximum Hours and Exceptions". BUPS_HOURS_EXHAUSTED
 * (partial) goes on; FATAL when the allowance has no value in force. */
static step_result step_bups_hours(sheet_ctx *c, rules_result *r)
{
    if (!c->asg->bups)
        return STEP_GO;
    int exc = c->rcp->severely_impaired && c->rcp->bups_exception;
    const param_row *allowed = rules_param_for(c, exc ? P_BUPS_ANNUAL_HOURS_EXCEPTION : P_BUPS_ANNUAL_HOURS);
    if (!allowed)
        return STEP_FATAL;
    int fy = cal_fiscal_year(c->s->period_start);
    const int64_t *by = ledger_peek(&c->lg->bups_year, ledger_key(c->rc, fy));
    int64_t used = by ? *by : 0;
    int64_t cut = cut_beyond(c->pay, c->s->ndays, allowed->value - used);
    if (c->e->tracing)
        trace_bups_hours(c, fy, allowed->value, used);
    if (cut) {
        char a[24], b[24], x[24];
        cal_format_hm(allowed->value, a);
        cal_format_hm(used, b);
        cal_format_hm(cut, x);
        rules_raise(c, r, EX_BUPS_HOURS_EXHAUSTED, cut, "BUPS hours for fiscal year %d-%02d: %s%s, %s already used: "
                        "%s cut", fy, (fy + 1) % 100, a, exc ? " (exception)" : "", b, x);
    }
    return STEP_GO;
}

/* §5.11.2 for a BUPS assignment: the paid minutes count toward the recipient's BUPS
 * hours of the fiscal year. STEP_GO, or STEP_FATAL out of memory. */
static step_result bups_post_hours(sheet_ctx *c, int64_t paid)
{
    if (!c->asg->bups)
        return STEP_GO;
    int64_t *by = ledger_get(&c->lg->bups_year, ledger_key(c->rc, cal_fiscal_year(c->s->period_start)));
    if (!by)
        return rules_out_of_memory(c->e, "out of memory");
    *by += paid;
    return STEP_GO;
}

/* §5.13 for a BUPS assignment: bups.differential (DRC 8098.01, "Back-Up Provider Pay and
 * Eligibility") added to the base rate, into *rate, the differential itself in *diff
 * (0 and the base rate otherwise). STEP_GO, or STEP_FATAL when it has no value in force
 * or is too large for a rate. */
static step_result bups_differential(sheet_ctx *c, money_rate base, money_rate *diff, money_rate *rate)
{
    *diff = 0;
    *rate = base;
    if (!c->asg->bups)
        return STEP_GO;
    const param_row *bd = rules_param_for(c, P_BUPS_DIFFERENTIAL);
    if (!bd)
        return STEP_FATAL;
    if (money_rate_from_cents(bd->value, diff) != MONEY_OK || money_add(base, *diff, rate) != MONEY_OK)
        return rules_fail(c->e, "parameters.csv:%d: bups.differential too large for a rate", (int)bd->line);
    return STEP_GO;
}

/* ---- §5.11.1 Overtime ---- */

/* §5.11.1 Overtime, the threshold: overtime.weekly_threshold in force on the period
 * start, fixed once before any hours are cut or counted (a writ needs it too, for its
 * ledger posting; §5.12 reads it for the recipient's weekly maximum). STEP_GO, or
 * STEP_FATAL when it has no value in force. */
static step_result step_overtime_threshold(sheet_ctx *c, rules_result *r)
{
    (void)r;
    c->threshold = rules_param_for(c, P_OVERTIME_WEEKLY_THRESHOLD);
    return c->threshold ? STEP_GO : STEP_FATAL;
}

RULES_TRACE_FN trace_overtime_day(const sheet_ctx *c, cal_date day, cal_date week, int64_t before, int64_t regular,
                               int64_t paid)
{
    char dd[11], wk[11], a[24], b[24], x[24], y[24];
    cal_format(day, dd);
    cal_format(week, wk);
    cal_format_hm(paid, a);
    cal_format_hm(before, b);
    cal_format_hm(regular, x);
    cal_format_hm(paid - regular, y);
    rules_tracef(c->e, "11. %s: %s paid; the provider's week of %s had %s -> %s regular, %s overtime", dd, a, wk, b, x,
                 y);
}

/* Starts workweek `week` of the timesheet: finds (or makes) the provider's and the
 * recipient's ledger records of it. Returns the provider's minutes of the week so far,
 * or -1 out of memory (e->err set). */
static int64_t open_week(sheet_ctx *c, cal_date week)
{
    int32_t ipw = ledger_index(&c->lg->provider_week, ledger_key(c->p, week));
    int32_t irw = ledger_index(&c->lg->recipient_week, ledger_key(c->rc, week));
    if (ipw < 0 || irw < 0) {
        rules_out_of_memory(c->e, "out of memory");
        return -1;
    }
    int w = c->nweeks++;
    c->weeks[w] = week;
    c->week_paid[w] = 0;
    c->week_pw[w] = ipw;
    c->week_rw[w] = irw;
    const ledger_provider_week *pw = ledger_row(&c->lg->provider_week, ipw);
    return pw->minutes;
}

/* §5.11.1 Overtime: the paid days in date order, each added to the provider's minutes
 * of its workweek (all recipients, all runs, this timesheet's earlier days included);
 * minutes up to the threshold are regular, the rest overtime. Notes each workweek's
 * paid minutes for §5.11.2.
 * Source: W&I Code § 12300.4 (overtime after 40 hours in a workweek); DRC 8098.01.
 * STEP_GO, or STEP_FATAL out of memory. */
static step_result step_overtime(sheet_ctx *c, rules_result *r)
{
    (void)r;
    int64_t threshold = c->threshold->value, week_minutes = 0;
    cal_date week = CAL_NONE;
    c->regular = c->overtime = 0;
    c->nweeks = 0;
    for (int d = 0; d < c->s->ndays; d++) {
        if (c->pay[d] == 0)
            continue;
        cal_date day = c->s->period_start + d;
        if (week == CAL_NONE || day - week >= 7) {
            week = cal_week_start(day);
            if ((week_minutes = open_week(c, week)) < 0)
                return STEP_FATAL;
        }
        int64_t room = threshold - week_minutes;
        int64_t reg = room <= 0 ? 0 : room < c->pay[d] ? room : c->pay[d];
        if (c->e->tracing)
            trace_overtime_day(c, day, week, week_minutes, reg, c->pay[d]);
        c->regular += reg;
        c->overtime += c->pay[d] - reg;
        week_minutes += c->pay[d];
        c->week_paid[c->nweeks - 1] += c->pay[d];
    }
    return STEP_GO;
}

/* ---- §5.11.2 Post to the ledger ---- */

/* §5.11.2 Post to the ledger: the paid minutes go into the provider's and the
 * recipient's workweek counters (and the week's set of recipients), the provider's and
 * the recipient's month, and the BUPS fiscal year; the timesheet id is recorded as paid,
 * and for a regular or catch-up timesheet its period too.
 * Source: the project's ledger (docs/rules.md §5.11.2). STEP_GO, or STEP_FATAL out of
 * memory. */
static step_result step_post_to_ledger(sheet_ctx *c, rules_result *r)
{
    (void)r;
    ledger *lg = c->lg;
    int64_t paid = 0;
    for (int w = 0; w < c->nweeks; w++) {
        ledger_provider_week *pw = ledger_row(&lg->provider_week, c->week_pw[w]);
        int32_t *rw = ledger_row(&lg->recipient_week, c->week_rw[w]);
        pw->minutes += c->week_paid[w];
        if (pw->first_recipient == 0)
            pw->first_recipient = c->rc + 1;
        else if (pw->first_recipient != c->rc + 1)
            pw->multi = 1;
        *rw += c->week_paid[w];
        paid += c->week_paid[w];
    }
    ledger_provider_month *pm = ledger_get(&lg->provider_month, ledger_key(c->p, c->month));
    ledger_recipient_month *rm = ledger_get(&lg->recipient_month, ledger_key(c->rc, c->month));
    if (!pm || !rm)
        return rules_out_of_memory(c->e, "out of memory");
    pm->minutes += paid;
    rm->minutes += paid;
    if (bups_post_hours(c, paid) != STEP_GO)
        return STEP_FATAL;
    if (ledger_mark_timesheet_paid(lg, &c->paid_id) != 0)
        return rules_out_of_memory(c->e, "out of memory");
    if (pays_period_once(c->s))
        return mark_period_paid(c);
    return STEP_GO;
}

/* ---- §5.12 Workweek limits ---- */

/* The recipient's maximum weekly hours: monthly authorized ÷ 4 truncated to the
 * minute, raised to the overtime threshold when below it, capped at the
 * single-recipient maximum (docs/rules.md §5.12). */
static int64_t recipient_weekly_max(int64_t authorized, int64_t threshold, int64_t single_max)
{
    int64_t w = authorized / 4;
    if (w < threshold)
        w = threshold;
    if (w > single_max)
        w = single_max;
    return w;
}

/* Counts a workweek violation for the provider's service month unless one is already
 * counted (at most one a month), and writes what it means into out: "1st violation:
 * notice" or "violation already counted for 2026-11 (1st: notice)". Returns STEP_GO, or
 * STEP_FATAL out of memory. */
static step_result count_violation(sheet_ctx *c, char *out, size_t n)
{
    ledger_provider_month *pm = ledger_get(&c->lg->provider_month, ledger_key(c->p, c->month));
    int32_t *count = ledger_get(&c->lg->violations, ledger_key(c->p, 0));
    if (!pm || !count)
        return rules_out_of_memory(c->e, "out of memory");
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
    return STEP_GO;
}

/* Why a workweek limit applies: "limit 66:00 (multi-recipient weekly maximum)". */
typedef enum { LIMIT_EXEMPTION, LIMIT_MULTI, LIMIT_RECIPIENT } limit_kind;

static void limit_reason(char *why, size_t n, limit_kind kind, int64_t limit, int64_t authorized)
{
    char a[24], b[24];
    cal_format_hm(limit, a);
    if (kind == LIMIT_EXEMPTION)
        snprintf(why, n, "limit %s (workweek exemption)", a);
    else if (kind == LIMIT_MULTI)
        snprintf(why, n, "limit %s (multi-recipient weekly maximum)", a);
    else {
        cal_format_hm(authorized, b);
        snprintf(why, n, "limit %s (recipient authorized %s/month)", a, b);
    }
}

/* The provider's limit for a workweek: the exemption's, the several-recipients
 * maximum, or the recipient's maximum weekly hours. STEP_GO, or STEP_FATAL when a
 * parameter has no value in force. */
static step_result week_limit(sheet_ctx *c, const ledger_provider_week *pw, int64_t rcp_max, int64_t *limit,
                              limit_kind *kind)
{
    const param_row *max = NULL;
    if (c->prov->workweek_exemption) {
        *kind = LIMIT_EXEMPTION;
        max = rules_param_for(c, P_WORKWEEK_EXEMPTION_MAX);
    } else if (pw->multi) {
        *kind = LIMIT_MULTI;
        max = rules_param_for(c, P_WORKWEEK_MULTI_RECIPIENT_MAX);
    } else {
        *kind = LIMIT_RECIPIENT;
        *limit = rcp_max;
        return STEP_GO;
    }
    if (!max)
        return STEP_FATAL;
    *limit = max->value;
    return STEP_GO;
}

RULES_TRACE_FN trace_week(const sheet_ctx *c, const char *day, const ledger_provider_week *pw, const char *why,
                       int64_t limit)
{
    char hm[24];
    cal_format_hm(pw->minutes, hm);
    rules_tracef(c->e, "12. week of %s: provider %s for %s, %s%s", day, hm,
                 pw->multi ? "more than one recipient" : "1 recipient", why, pw->minutes > limit ? ": over" : ": within");
}

/* §5.12 for workweek i of the timesheet: the provider's week against the provider's
 * limit (WORKWEEK_LIMIT, counting a violation), then the recipient's providers together
 * against the recipient's maximum weekly hours (RECIPIENT_WEEKLY_MAX). Messages are
 * written only for an exception or a trace. STEP_GO, or STEP_FATAL (a parameter not in
 * force, out of memory). */
static step_result check_week(sheet_ctx *c, rules_result *r, int i, int64_t rcp_max)
{
    const ledger_provider_week *pw = ledger_row(&c->lg->provider_week, c->week_pw[i]);
    const int32_t *rw = ledger_row(&c->lg->recipient_week, c->week_rw[i]);
    int64_t limit, authorized = c->auth->authorized_minutes;
    limit_kind kind;
    char day[11], why[128], vtext[128], a[24], b[24], x[24];
    if (week_limit(c, pw, rcp_max, &limit, &kind) != STEP_GO)
        return STEP_FATAL;
    if (c->e->tracing || pw->minutes > limit || *rw > rcp_max)
        cal_format(c->weeks[i], day);
    if (c->e->tracing || pw->minutes > limit)
        limit_reason(why, sizeof why, kind, limit, authorized);
    if (c->e->tracing)
        trace_week(c, day, pw, why, limit);
    if (pw->minutes > limit) {
        if (count_violation(c, vtext, sizeof vtext) != STEP_GO)
            return STEP_FATAL;
        cal_format_hm(pw->minutes, x);
        rules_raise(c, r, EX_WORKWEEK_LIMIT, pw->minutes - limit, "week of %s: %s worked for %s, %s; %s", day, x,
                        pw->multi ? "more than one recipient" : "1 recipient", why, vtext);
    }
    if (*rw > rcp_max) {
        cal_format_hm(*rw, x);
        cal_format_hm(rcp_max, a);
        cal_format_hm(authorized, b);
        rules_raise(c, r, EX_RECIPIENT_WEEKLY_MAX, *rw - rcp_max,
                        "week of %s: providers of recipient %.*s together %s, recipient weekly maximum %s "
                        "(authorized %s/month); no violation counted",
                        day, (int)c->s->recipient_id_len, c->s->recipient_id, x, a, b);
    }
    return STEP_GO;
}

/* §5.12 for a provider with a workweek exemption: the provider's paid minutes of the
 * service month against workweek.exemption_monthly_max (WORKWEEK_LIMIT, counting a
 * violation). STEP_GO, or STEP_FATAL (a parameter not in force, out of memory). */
static step_result check_exemption_month(sheet_ctx *c, rules_result *r)
{
    const param_row *month_max = rules_param_for(c, P_WORKWEEK_EXEMPTION_MONTHLY_MAX);
    if (!month_max)
        return STEP_FATAL;
    const ledger_provider_month *pm = ledger_peek(&c->lg->provider_month, ledger_key(c->p, c->month));
    if (!pm || pm->minutes <= month_max->value)
        return STEP_GO;
    char vtext[128], a[24], b[24];
    if (count_violation(c, vtext, sizeof vtext) != STEP_GO)
        return STEP_FATAL;
    cal_format_hm(pm->minutes, a);
    cal_format_hm(month_max->value, b);
    rules_raise(c, r, EX_WORKWEEK_LIMIT, pm->minutes - month_max->value,
                    "month %04d-%02d: %s worked, workweek exemption limit %s/month; %s", c->month / 12,
                    c->month % 12 + 1, a, b, vtext);
    return STEP_GO;
}

/* §5.12 Workweek limits, warnings only, for each workweek with paid minutes after
 * §5.11, then the month of a provider with a workweek exemption.
 * Source: DRC 8098.01, "Provider Workweek Limits" and "IHSS/WPCS Exemptions to Workweek
 * Limits"; W&I Code §§ 12300.4, 12301.1; the one violation a month and its
 * consequences from CDSS All-County Letter 16-36. WORKWEEK_LIMIT and
 * RECIPIENT_WEEKLY_MAX (warning) go on; FATAL when a parameter has no value in force
 * or out of memory. */
static step_result step_workweek_limits(sheet_ctx *c, rules_result *r)
{
    const param_row *single_max = rules_param_for(c, P_WORKWEEK_SINGLE_RECIPIENT_MAX);
    if (!single_max)
        return STEP_FATAL;
    int64_t rcp_max = recipient_weekly_max(c->auth->authorized_minutes, c->threshold->value, single_max->value);
    for (int i = 0; i < c->nweeks; i++)
        if (check_week(c, r, i, rcp_max) != STEP_GO)
            return STEP_FATAL;
    if (c->prov->workweek_exemption)
        return check_exemption_month(c, r);
    return STEP_GO;
}

/* ---- §5.13 Pay ---- */

RULES_TRACE_FN trace_pay(const sheet_ctx *c, const rules_paycheck *pc, const param_row *mult)
{
    const money_cents *a = pc->amount;
    char r1[40], r2[40], h1[24], h2[24], p1[32], p2[32], dp[32], g[32], m1[32];
    money_format_rate(pc->regular_rate, r1);
    money_format_rate(pc->overtime_rate, r2);
    money_format_frac(mult->value, m1);
    cal_format_hm(c->regular, h1);
    cal_format_hm(c->overtime, h2);
    money_format_cents(a[AMT_REGULAR_PAY], p1);
    money_format_cents(a[AMT_OVERTIME_PAY], p2);
    money_format_cents(a[AMT_DIFFERENTIAL_PAY], dp);
    money_format_cents(a[AMT_GROSS], g);
    rules_tracef(c->e, "13. regular rate %s%s; overtime rate %s x %s = %s (exact)", r1,
                 c->asg->bups ? " (wage + BUPS differential)" : " (wage)", r1, m1, r2);
    rules_tracef(c->e, "    regular pay round(%s x %s) = %s; overtime pay round(%s x %s) = %s; gross %s%s%s", r1, h1, p1,
                 r2, h2, p2, g, c->asg->bups ? "; of which differential " : "", c->asg->bups ? dp : "");
}

/* §5.13 Pay: the regular rate (wage.hourly, plus the BUPS differential), the overtime
 * rate (× overtime.multiplier, exact), each pay rounded once; differential_pay shows the
 * part of the pay the differential makes up.
 * Source: W&I Code § 12300.4 (one and one-half times the regular rate); DRC 8098.01,
 * "Back-Up Provider Pay and Eligibility". STEP_GO, or STEP_FATAL (a parameter not in
 * force, a rate that cannot be kept exact, an amount that overflows). */
static step_result step_pay(sheet_ctx *c, rules_result *r)
{
    rules_engine *e = c->e;
    const param_row *wage = rules_param_for(c, P_WAGE_HOURLY), *mult;
    if (!wage || !(mult = rules_param_for(c, P_OVERTIME_MULTIPLIER)))
        return STEP_FATAL;
    money_rate base, diff, rate, ot_rate, diff_ot;
    money_cents d_reg = 0, d_ot = 0;
    if (money_rate_from_cents(wage->value, &base) != MONEY_OK)
        return rules_fail(e, "parameters.csv:%d: wage.hourly of %s too large for a rate", (int)wage->line,
                          ids_name(&c->m->params.counties, c->rcp->county));
    if (bups_differential(c, base, &diff, &rate) != STEP_GO)
        return STEP_FATAL;
    if (money_rate_times_frac(rate, mult->value, &ot_rate) != MONEY_OK ||
        money_rate_times_frac(diff, mult->value, &diff_ot) != MONEY_OK)
        return rules_fail(e, "parameters.csv:%d: overtime.multiplier: the overtime rate of %s cannot be kept exact "
                          "(more than 12 decimals) or is too large", (int)mult->line,
                          ids_name(&c->m->params.counties, c->rcp->county));
    rules_paycheck *pc = &r->paycheck;
    open_paycheck(pc);
    money_cents *a = pc->amount;
    if (money_pay_for_minutes(rate, c->regular, &a[AMT_REGULAR_PAY]) != MONEY_OK ||
        money_pay_for_minutes(ot_rate, c->overtime, &a[AMT_OVERTIME_PAY]) != MONEY_OK ||
        money_pay_for_minutes(diff, c->regular, &d_reg) != MONEY_OK ||
        money_pay_for_minutes(diff_ot, c->overtime, &d_ot) != MONEY_OK ||
        money_add(d_reg, d_ot, &a[AMT_DIFFERENTIAL_PAY]) != MONEY_OK ||
        money_add(a[AMT_REGULAR_PAY], a[AMT_OVERTIME_PAY], &a[AMT_GROSS]) != MONEY_OK)
        return rules_fail(e, "pay amount overflows");
    pc->regular_rate = rate;
    pc->overtime_rate = ot_rate;
    if (e->tracing)
        trace_pay(c, pc, mult);
    return STEP_GO;
}

/* §5.14 Deductions: step_deductions, in deduct.c. */

/* ---- §5.15 Paid late ---- */

/* §5.15 Paid late: a paid timesheet more than payment.business_days business days
 * after its receipt (up to the run date) is flagged; it is paid as usual.
 * Source: IHSS recipient handbook, "The Enrollment Process" (a paycheck within 10
 * business days of receipt). PAID_LATE (warning) goes on; FATAL when the parameter has
 * no value in force. */
static step_result step_paid_late(sheet_ctx *c, rules_result *r)
{
    rules_engine *e = c->e;
    const param_row *bdays = rules_param_for(c, P_PAYMENT_BUSINESS_DAYS);
    if (!bdays)
        return STEP_FATAL;
    int32_t waited = cal_business_days_between(c->s->received_on, e->run_date, &c->m->holidays);
    RULES_TRACE(e, "15. %d business days after receipt up to the run date (limit %lld)", (int)waited,
                (long long)bdays->value);
    if (waited > bdays->value) {
        char d1[11], d2[11];
        cal_format(c->s->received_on, d1);
        cal_format(e->run_date, d2);
        rules_raise(c, r, EX_PAID_LATE, 0, "received %s, paid %s: %d business days, limit %lld", d1, d2,
                        (int)waited, (long long)bdays->value);
    }
    return STEP_GO;
}

/* The timesheet is paid: its paycheck takes the run's next sequence number, and the
 * run's totals count it, its exceptions and its amounts. Returns 0, or RULES_FATAL
 * when a run total overflows. */
static int close_paycheck(sheet_ctx *c, rules_result *r)
{
    rules_engine *e = c->e;
    const sheet *s = c->s;
    rules_paycheck *pc = &r->paycheck;
    r->paid = 1;
    pc->seq = e->next_seq++;
    pc->provider = c->p;
    pc->recipient = c->rc;
    pc->county = c->rcp->county;
    pc->period_start = s->period_start;
    pc->kind = s->kind;
    pc->regular_minutes = c->regular;
    pc->overtime_minutes = c->overtime;
    rules_totals *t = &e->totals;
    t->rows++;
    t->paid++;
    t->minutes_claimed += s->claimed;
    t->minutes_paid += c->regular + c->overtime;
    for (int i = 0; i < r->nex; i++) {
        t->by_code[r->ex[i].code]++;
        if (sheet_code_severity(r->ex[i].code) == SEV_PARTIAL)
            t->minutes_cut += r->ex[i].minutes;
    }
    for (int a = 0; a < AMT_COUNT; a++)
        if (money_add(t->amount[a], pc->amount[a], &t->amount[a]) != MONEY_OK) {
            rules_fail(e, "run total of %s overflows", amount_names[a]);
            return RULES_FATAL;
        }
    return 0;
}

/* ==== the rules, in order ==== */

/* docs/rules.md §5.2-§5.7, for every kind of timesheet: the checks that refuse it.
 * Each step runs only when the ones before it said GO (STEP_GO is 0). */
static step_result run_checks(sheet_ctx *c, rules_result *r)
{
    step_result sr;
    (void)((sr = step_identity(c, r)) ||            /* §5.2 */
           (sr = step_assignment(c, r)) ||          /* §5.2 */
           (sr = step_enrollment(c, r)) ||          /* §5.3 */
           (sr = step_eligibility(c, r)) ||         /* §5.4 */
           (sr = step_dates(c, r)) ||               /* §5.5 */
           (sr = step_esp(c, r)) ||                 /* §5.6 */
           (sr = step_duplicates(c, r)) ||          /* §5.7 */
           (sr = step_overtime_threshold(c, r)));   /* §5.11.1, looked up once here */
    return sr;
}

/* Then, for a regular, catch-up or special timesheet (§6): §5.9-§5.15. */
static step_result run_timesheet_steps(sheet_ctx *c, rules_result *r)
{
    step_result sr;
    (void)((sr = step_authorized_hours(c, r)) ||    /* §5.9 */
           (sr = step_bups_hours(c, r)) ||          /* §5.10 */
           (sr = step_overtime(c, r)) ||            /* §5.11.1 */
           (sr = step_post_to_ledger(c, r)) ||      /* §5.11.2 */
           (sr = step_workweek_limits(c, r)) ||     /* §5.12 */
           (sr = step_pay(c, r)) ||                 /* §5.13 */
           (sr = step_deductions(c, r)) ||          /* §5.14 (deduct.c) */
           (sr = step_paid_late(c, r)));            /* §5.15 */
    return sr;
}

/* Or, for a Writ of Mandamus (§5.8): §5.9, §5.10, §5.12 and §5.13 do not apply; it is
 * paid as its worksheet says. */
static step_result run_writ_steps(sheet_ctx *c, rules_result *r)
{
    step_result sr;
    (void)((sr = step_writ(c, r)) ||                /* §5.8 */
           (sr = step_overtime(c, r)) ||            /* §5.11.1 */
           (sr = step_post_to_ledger(c, r)) ||      /* §5.11.2 */
           (sr = step_writ_pay(c, r)) ||            /* §5.8, in place of §5.13 */
           (sr = step_deductions(c, r)) ||          /* §5.14 (deduct.c) */
           (sr = step_paid_late(c, r)));            /* §5.15 */
    return sr;
}

int rules_process(rules_engine *e, const sheet *s, rules_result *r)
{
    sheet_ctx c = {.e = e, .m = e->m, .lg = e->lg, .s = s};
    r->paid = 0;
    r->nex = 0;
    memcpy(c.pay, s->minutes, sizeof c.pay);
    e->traced_params = 0;
    if (e->tracing)
        trace_timesheet(&c);
    step_result sr = run_checks(&c, r);
    if (sr == STEP_GO)
        sr = s->kind == KIND_WRIT ? run_writ_steps(&c, r) : run_timesheet_steps(&c, r);
    if (sr == STEP_GO)
        return close_paycheck(&c, r);
    return sr == STEP_STOP ? 0 : RULES_FATAL;
}

/* ---- ahead of the rules ---- */

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
