/* rules_int.h — what the rule steps share, private to engine/ (like SQLite's sqliteInt.h).
 *
 * rules.c holds the steps of docs/rules.md §5.2-§5.15 and deduct.c the deductions of
 * §5.14; both include this file and neither includes the other. Nothing outside
 * engine/rules.c and engine/deduct.c includes it: the rest of the program sees rules.h. */
#ifndef PAYRUN_RULES_INT_H
#define PAYRUN_RULES_INT_H

#include "rules.h"

/* What a step says: go on to the next step, stop (the timesheet was refused, its one
 * exception is in the result), or stop the run (rules_engine.err says why). */
typedef enum { STEP_GO = 0, STEP_STOP, STEP_FATAL } step_result;

/* One timesheet on its way through the steps. Each field is set by the step named
 * beside it and read by the steps after it. */
typedef struct {
    rules_engine *e;
    const masters *m;
    ledger *lg;
    const sheet *s;
    int32_t p, rc;                          /* provider and recipient indexes (step_identity) */
    const master_provider *prov;
    const master_recipient *rcp;
    const master_assignment *asg;           /* step_assignment */
    int32_t month;                          /* service month key (step_eligibility) */
    const master_authorization *auth;
    ledger_paid_id paid_id;                 /* the timesheet id, packed once (step_duplicates) */
    const param_row *threshold;             /* overtime.weekly_threshold (step_overtime_threshold) */
    const master_writ *writ;                /* the writ's worksheet (step_writ) */
    int32_t pay[SHEET_MAX_DAYS];            /* minutes to pay each day, after the cuts */
    int64_t regular, overtime;              /* paid minutes (step_overtime; a writ's: step_writ_pay) */
    /* the workweeks with paid days, their minutes and ledger records (step_overtime) */
    int nweeks;
    cal_date weeks[SHEET_MAX_DAYS];
    int32_t week_paid[SHEET_MAX_DAYS];
    int32_t week_pw[SHEET_MAX_DAYS], week_rw[SHEET_MAX_DAYS];
} sheet_ctx;

/* A trace helper for payrun explain: kept out of line and away from the hot code of the
 * steps, which call it only while tracing. */
#define RULES_TRACE_FN static __attribute__((cold, noinline)) void

/* Sets e->err to the run's fatal error. Returns STEP_FATAL. */
step_result rules_fail(rules_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds an exception to r: code, minutes and the message (printf format), in the order
 * of the steps; traced while explaining. Never fails (r holds RULES_MAX_EXCEPTIONS,
 * more than the steps can raise). */
void rules_raise(sheet_ctx *c, rules_result *r, sheet_code code, int64_t minutes, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An allocation failed: e->err = message and e->out_of_memory set (exit 4, not bad
 * data). Returns STEP_FATAL. */
step_result rules_out_of_memory(rules_engine *e, const char *message);

/* The row of parameter id in force for this timesheet, where docs/rules.md §4.2 says to
 * look: on the pay date statewide (fica.*, sdi.*, payment.*), on the period start in the
 * provider's county (union.*), else on the period start in the recipient's county.
 * NULL with e->err set when none is in force: the caller returns STEP_FATAL. */
static inline const param_row *rules_param_for(sheet_ctx *c, param_id id)
{
    if (param_by_pay_date(id))
        return rules_param(c->e, id, PARAM_STATEWIDE, c->e->run_date);
    if (id == P_UNION_DUES_SCALE || id == P_UNION_HOURS_THRESHOLD)
        return rules_param(c->e, id, c->prov->county, c->s->period_start);
    return rules_param(c->e, id, c->rcp->county, c->s->period_start);
}

/* docs/rules.md §5.14: the deductions of the paycheck in r, in priority order, and net
 * (deduct.c). STEP_GO, or STEP_FATAL with e->err set (a parameter not in force, an
 * amount that overflows, out of memory). */
step_result step_deductions(sheet_ctx *c, rules_result *r);

#endif
