/* deduct.h — the deductions of docs/rules.md §5.14 on a paycheck made by hand, outside a
 * timesheet (the unit tests). The rules apply them as the step step_deductions
 * (rules_int.h); this header does not include rules.h, and rules.c does not include it. */
#ifndef PAYRUN_DEDUCT_H
#define PAYRUN_DEDUCT_H

#include "master.h"

struct rules_engine;
struct rules_paycheck;

/* Who and what a paycheck is for. */
typedef struct {
    const master_provider *provider;
    const master_recipient *recipient;
    const master_assignment *assignment;
    const master_authorization *authorization;
    int32_t p, rc;              /* provider and recipient indexes */
    int32_t month;              /* service month key */
    cal_date period_start, period_end;
} deduct_input;

/* Takes the eight deductions from pc->amount[AMT_GROSS] in priority order, each from
 * what is left and never past it, sets AMT_NET, and updates the ledger's wage,
 * withholding, share-of-cost, dues, recovery and W-2 counters (a withholding shortfall
 * raises no exception here: there is no result to carry it). Taxes go by the pay date (e->run_date).
 * Returns 0, or RULES_FATAL with e->err set (missing parameter, overflow, out of memory). */
int deduct_apply(struct rules_engine *e, const deduct_input *in, struct rules_paycheck *pc);

/* Step 14.6 alone, on an adjustment paycheck of payrun correct (docs/corrections.md
 * "Paying and recovering"): takes from the open overpayments of the provider with
 * index provider, oldest first, each at most its per_check_max, never past *left,
 * which it lowers; adds what it took to the ledger's recovered counters and to
 * *taken. Returns 0, or RULES_FATAL with e->err set (out of memory). */
int deduct_recover(struct rules_engine *e, int32_t provider, money_cents *left, money_cents *taken);

#endif
