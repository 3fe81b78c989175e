/* deduct.h — SPEC §5 step 14: FICA, SDI, share of cost, union dues, overpayment recovery, net. */
#ifndef PAYRUN_DEDUCT_H
#define PAYRUN_DEDUCT_H

#include "master.h"
#include "rules.h"

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

/* Takes the six deductions from pc->amount[AMT_GROSS] in priority order, each from
 * what is left and never past it, sets AMT_NET, and updates the ledger's wage,
 * share-of-cost, dues and recovery counters. Taxes go by the pay date (e->run_date).
 * Returns 0, or RULES_FATAL with e->err set (missing parameter, overflow, out of memory). */
int deduct_apply(rules_engine *e, const deduct_input *in, rules_paycheck *pc);

#endif
