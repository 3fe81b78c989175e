/* withhold.h — the arithmetic of voluntary income-tax withholding on a provider's period wages: IRS Pub 15-T Worksheet 1A and EDD DE 44 Method B (docs/rules.md §5.14.4-5). */
#ifndef PAYRUN_WITHHOLD_H
#define PAYRUN_WITHHOLD_H

#include <stdint.h>

#include "master.h"
#include "money.h"
#include "param.h"

/* Semi-monthly pay: 24 pay periods a year (IRS Pub 15-T, Worksheet 1A Table 3). A
 * calendar fact of two pay periods a month, not a parameter. */
#define WITHHOLD_PERIODS 24

/* Amounts the tables give in fractions of a cent are in micro-cents: 10^-6 cent. */
#define WITHHOLD_MICRO 1000000

/* The tax-table tax of amount (cents) in t (a PT_TAX_TABLE value): base + rate x
 * (amount - threshold) of the row with the greatest threshold <= amount, in
 * micro-cents, exact; *row is that row. Returns 0, or -1 when amount is negative, the
 * table has no row, or the result leaves int64. */
int withhold_table_tax(const param_scale *t, money_cents amount, int64_t *micro, int *row);

/* The allowance-table amount for count (a PT_ALLOWANCE_TABLE value): 0 for 0, the
 * amount listed for the count, count x the amount listed for 1 above the last count
 * listed (DE 44, footnote to Tables 2 and 4). Returns 0, or -1 on overflow or a
 * negative count or an empty table. */
int withhold_allowance(const param_scale *t, int32_t count, money_cents *out);

/* ---- federal: Pub 15-T Worksheet 1A ---- */

/* The parameters worksheet 1A reads for one row: which, from withhold_federal_params. */
typedef struct {
    money_cents adjustment;         /* line 1g's amount for the row (0 when the Step 2 box is ticked) */
    money_cents pre2020_allowance;  /* line 1k's amount a allowance (pre-2020 rows) */
    const param_scale *schedule;    /* line 2g's table */
} withhold_fed_params;

/* The parameter ids (param_id values) row needs: its schedule, its line 1g amount (-1:
 * none, a pre-2020 row or the Step 2 box ticked) and, for a pre-2020 row, the
 * per-allowance amount (-1 otherwise). row->fed_status must not be WH_NONE. Never fails. */
void withhold_federal_params(const master_withholding *row, int *schedule, int *adjustment, int *allowance);

/* Every line of the worksheet, for payrun explain. Cents unless named micro. */
typedef struct {
    int pre2020;
    money_cents l1c;        /* wages x 24 */
    money_cents l1e;        /* 2020: 1c + Step 4(a) */
    money_cents l1g;        /* 2020: the standard adjustment; pre-2020: 1k, allowances x the allowance */
    money_cents l1h;        /* 2020: Step 4(b) + 1g */
    money_cents l1i;        /* the Adjusted Annual Wage Amount (pre-2020 line 1l) */
    int row;                /* the schedule's row */
    int64_t l2g_micro;      /* the schedule's tax on 1i */
    money_cents l3a;        /* Step 3 (0 pre-2020) */
    int64_t l3c_micro24;    /* 3c x 24, in micro-cents: 3c = max(0, 2g - 3a) / 24 */
    money_cents rounded;    /* round(3c) */
    money_cents l4b;        /* round(3c) + Step 4(c) (pre-2020 line 6) */
} withhold_fed_lines;

/* The federal period amount for period wages w (cents, >= 0) and row (fed_status not
 * WH_NONE): 0.00 when w is 0, else worksheet 1A rounded once half-up plus the extra
 * amount; the lines in *l. Returns 0, or -1 when a figure leaves int64 (or w < 0). */
int withhold_federal(const master_withholding *row, const withhold_fed_params *p, money_cents w,
                     withhold_fed_lines *l, money_cents *amount);

/* ---- California: DE 44 Method B, semi-monthly ---- */

/* DE 44's table columns (Tables 1 and 3), in the order of the P_SIT_LOW_INCOME_* and
 * P_SIT_STANDARD_DEDUCTION_* ids. */
typedef enum { WH_COL_SINGLE, WH_COL_MARRIED_0_1, WH_COL_MARRIED_2, WH_COL_HEAD } withhold_ca_column;

/* The column of row (ca_status not WH_NONE): married by its regular allowances (DE 4
 * line 1a, docs/rules.md decision C.9). Never fails. */
withhold_ca_column withhold_ca_column_of(const master_withholding *row);

/* The tables Method B reads for one row. */
typedef struct {
    money_cents low_income;         /* Table 1, the row's column */
    money_cents standard_deduction; /* Table 3, the row's column */
    const param_scale *estimated;   /* Table 2 */
    const param_scale *exemption;   /* Table 4 */
    const param_scale *schedule;    /* Table 17, 18 or 19 by ca_status */
} withhold_ca_params;

/* The parameter ids row needs, in withhold_ca_params order. Never fails. */
void withhold_ca_params_of(const master_withholding *row, param_id ids[5]);

typedef struct {
    withhold_ca_column column;
    int exempt;             /* step 1: wages <= the low-income exemption */
    money_cents estimated;  /* step 2's Table 2 amount */
    money_cents s;          /* step 2: wages less it, >= 0 */
    money_cents t;          /* step 3: taxable income */
    int row;                /* step 4: the schedule's row */
    int64_t c_micro;        /* step 4: the tax */
    money_cents credit;     /* step 5's Table 4 amount */
    int64_t x_micro;        /* step 5: the tax less the credit, >= 0 */
    money_cents rounded;    /* round(X) */
    money_cents amount;     /* round(X) + the DE 4 line 2 extra */
} withhold_ca_lines;

/* The California period amount for period wages w (cents, >= 0) and row (ca_status not
 * WH_NONE): 0.00 when w is 0, else Method B steps 1-5 rounded once half-up plus the
 * extra amount (added even when step 1 exempts the wages); the lines in *l. Returns 0,
 * or -1 when a figure leaves int64 (or w < 0). */
int withhold_california(const master_withholding *row, const withhold_ca_params *p, money_cents w,
                        withhold_ca_lines *l, money_cents *amount);

#endif
