/* rules.h — the rules of docs/rules.md §5.2-§5.15 for one parsed timesheet against the ledger. */
#ifndef PAYRUN_RULES_H
#define PAYRUN_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "master.h"
#include "sheet.h"

/* The money columns of a paycheck, in paychecks.csv order. */
typedef enum {
    AMT_REGULAR_PAY,
    AMT_OVERTIME_PAY,
    AMT_DIFFERENTIAL_PAY,
    AMT_GROSS,
    AMT_FICA_SS,
    AMT_FICA_MEDICARE,
    AMT_SDI,
    AMT_SHARE_OF_COST,
    AMT_UNION_DUES,
    AMT_OVERPAYMENT_RECOVERY,
    AMT_FEDERAL_INCOME_TAX,
    AMT_STATE_INCOME_TAX,
    AMT_NET,
    AMT_COUNT
} rules_amount;

/* The deductions of §5.14 are the columns AMT_FICA_SS .. AMT_LAST_DEDUCTION (their
 * column order is not their priority order: deduct.c has that). */
#define AMT_LAST_DEDUCTION AMT_STATE_INCOME_TAX

const char *rules_amount_name(rules_amount a);

typedef struct rules_paycheck {
    int64_t seq;                    /* paycheck sequence number in the run, from 1 */
    int32_t provider, recipient, county;
    cal_date period_start;
    sheet_kind kind;
    int64_t regular_minutes, overtime_minutes;
    money_rate regular_rate, overtime_rate;
    money_cents amount[AMT_COUNT];
    const char *sr_number;          /* "" except for writs */
} rules_paycheck;

#define RULES_MESSAGE_MAX 320
#define RULES_MAX_EXCEPTIONS 16

typedef struct {
    sheet_code code;
    int64_t minutes;
    char message[RULES_MESSAGE_MAX];
} rules_exception;

/* What one timesheet became: a paycheck and/or exceptions, in step order. */
typedef struct {
    int paid;
    rules_paycheck paycheck;
    int nex;
    rules_exception ex[RULES_MAX_EXCEPTIONS];
} rules_result;

/* Run totals, for summary.json and the invariants. */
typedef struct {
    int64_t rows, paid, rejected, held;
    int64_t by_code[EX_COUNT];
    int64_t minutes_claimed, minutes_paid, minutes_cut;
    money_cents amount[AMT_COUNT];
} rules_totals;

/* Parameter rows resolved for one (scope, date), filled on first use. */
typedef struct {
    const param_row *row[P_COUNT];
    uint8_t tried[P_COUNT];
} rules_param_set;

/* Receives one line of explanation (payrun explain). */
typedef void (*rules_trace_fn)(void *ctx, const char *line);

typedef struct rules_engine {
    const masters *m;
    ledger *lg;
    rules_trace_fn trace;           /* where explanations go while tracing is set */
    void *trace_ctx;
    int tracing;
    uint64_t traced_params;         /* parameters already explained for this timesheet (a bit a param_id) */
    cal_date run_date;
    int64_t next_seq;
    rules_totals totals;
    ids_map param_index;            /* (county + 1, date) -> param set */
#define RULES_PARAM_RECENT 4
    uint64_t recent_key[RULES_PARAM_RECENT];    /* the last few (scope, date) looked up */
    int32_t recent_set[RULES_PARAM_RECENT];     /* their set + 1 (0 = unused) */
    int recent_next;
    rules_param_set *param_sets;
    size_t nparam_sets, param_sets_cap;
    char err[512];                  /* the fatal error, when a call returns RULES_FATAL */
    int out_of_memory;              /* that error was an allocation that failed */
} rules_engine;

#define RULES_FATAL (-1)

/* One line of explanation, when the engine is tracing (payrun explain). */
void rules_tracef(rules_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define RULES_TRACE(e, ...)                                                                                      \
    do {                                                                                                         \
        if ((e)->tracing)                                                                                        \
            rules_tracef((e), __VA_ARGS__);                                                                      \
    } while (0)

/* Starts an engine over masters m and ledger lg (both outlive it) for pay date run_date. */
void rules_init(rules_engine *e, const masters *m, ledger *lg, cal_date run_date);
void rules_free(rules_engine *e);

/* Runs the steps of docs/rules.md §5.2-§5.15 on a sheet that passed §5.1 (parse),
 * updating the ledger when it is paid.
 * Returns 0 with the outcome in *r, or RULES_FATAL with e->err set (a parameter a
 * rule needs has no value in force, an amount overflows, out of memory): the run
 * must then stop and commit nothing. */
int rules_process(rules_engine *e, const sheet *s, rules_result *r);

/* Looks up the sheet's provider and recipient in the masters ahead of the rules
 * (rules_process then uses the indexes). Reads the masters only: it may run on
 * another thread while rules_process runs. */
void rules_resolve_ids(const masters *m, sheet *s);

/* Starts fetching into the CPU cache what rules_process will look up for a coming
 * timesheet whose ids were resolved: its provider's and recipient's master records
 * and ledger slots, and the paid-timesheet and paid-period sets. Changes nothing
 * and cannot fail. */
void rules_prefetch(const rules_engine *e, const sheet *s);

/* The row of parameter id in force for county (or PARAM_STATEWIDE) on date, resolved
 * once per (scope, date); NULL with e->err naming the parameter and date when none is
 * in force (a fatal error for the run). */
const param_row *rules_param(rules_engine *e, param_id id, int32_t county, cal_date on);

/* Records a timesheet rejected at step 1 (code from tsread_parse, msg its message). */
void rules_reject_unparsed(rules_engine *e, const sheet *s, sheet_code code, const char *msg, rules_result *r);

#endif
