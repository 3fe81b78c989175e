/* param.h — rules as data: effective-dated, county-scoped parameters (docs/rules.md §4.2). */
#ifndef PAYRUN_PARAM_H
#define PAYRUN_PARAM_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "ids.h"
#include "money.h"

typedef enum {
    PT_MONEY,       /* cents */
    PT_MONEY_OPT,   /* cents, or empty = none (sdi.wage_ceiling) */
    PT_FRAC,        /* 10^-6 units */
    PT_HOURS,       /* minutes */
    PT_SCALE,       /* a dues scale */
    PT_COUNT,       /* a whole number */
    PT_TAX_TABLE,   /* a tax table: threshold=base+rate; ... (SPEC-withholding A.2) */
    PT_ALLOWANCE_TABLE  /* an allowance table: 1=amount; 2=amount; ... */
} param_type;

typedef enum {
    P_WAGE_HOURLY,
    P_OVERTIME_MULTIPLIER,
    P_OVERTIME_WEEKLY_THRESHOLD,
    P_BUPS_DIFFERENTIAL,
    P_BUPS_ANNUAL_HOURS,
    P_BUPS_ANNUAL_HOURS_EXCEPTION,
    P_WORKWEEK_MULTI_RECIPIENT_MAX,
    P_WORKWEEK_SINGLE_RECIPIENT_MAX,
    P_WORKWEEK_EXEMPTION_MAX,
    P_WORKWEEK_EXEMPTION_MONTHLY_MAX,
    P_FICA_SS_RATE,
    P_FICA_SS_WAGE_BASE,
    P_FICA_MEDICARE_RATE,
    P_FICA_MEDICARE_ADDITIONAL_RATE,
    P_FICA_MEDICARE_ADDITIONAL_THRESHOLD,
    P_SDI_RATE,
    P_SDI_WAGE_CEILING,
    P_SDI_QUARTER_THRESHOLD,
    P_UNION_DUES_SCALE,
    P_UNION_HOURS_THRESHOLD,
    P_PAYMENT_BUSINESS_DAYS,
    P_CORRECTION_PER_CHECK_MAX,
    /* voluntary income-tax withholding (docs/rules.md §5.14.4-5): statewide, by pay date */
    P_FIT_STANDARD_ADJUSTMENT_MARRIED,
    P_FIT_STANDARD_ADJUSTMENT_OTHER,
    P_FIT_PRE2020_ALLOWANCE,
    P_FIT_SCHEDULE_SINGLE,          /* the three STANDARD schedules: single, married, head */
    P_FIT_SCHEDULE_MARRIED,
    P_FIT_SCHEDULE_HEAD,
    P_FIT_SCHEDULE_STEP2_SINGLE,    /* the three Step 2 checkbox schedules, same order */
    P_FIT_SCHEDULE_STEP2_MARRIED,
    P_FIT_SCHEDULE_STEP2_HEAD,
    P_SIT_LOW_INCOME_SINGLE,        /* the four DE 44 columns: single, married_0_1, married_2, head */
    P_SIT_LOW_INCOME_MARRIED_0_1,
    P_SIT_LOW_INCOME_MARRIED_2,
    P_SIT_LOW_INCOME_HEAD,
    P_SIT_STANDARD_DEDUCTION_SINGLE,    /* same column order */
    P_SIT_STANDARD_DEDUCTION_MARRIED_0_1,
    P_SIT_STANDARD_DEDUCTION_MARRIED_2,
    P_SIT_STANDARD_DEDUCTION_HEAD,
    P_SIT_ESTIMATED_DEDUCTION,
    P_SIT_EXEMPTION_ALLOWANCE,
    P_SIT_SCHEDULE_SINGLE,          /* Tables 17, 18, 19: single, married, head */
    P_SIT_SCHEDULE_MARRIED,
    P_SIT_SCHEDULE_HEAD,
    P_COUNT
} param_id;

/* rules_engine.traced_params keeps one bit a parameter. */
_Static_assert(P_COUNT <= 64, "traced_params holds a bit for each parameter");

#define PARAM_SCALE_MAX 16
#define PARAM_STATEWIDE (-1)

/* A value made of rows, kept in param_table.scales:
 * - PT_SCALE, monthly dues by hours paid in the month: bracket i applies from
 *   from_minutes[i] up, amount[i] a month;
 * - PT_TAX_TABLE: row i applies from threshold[i] (cents; threshold[0] is 0, each
 *   larger than the one before) up, the tax on A being amount[i] + rate[i] x (A -
 *   threshold[i]); rate[i] in 10^-6 units, 0 <= rate < 1000000;
 * - PT_ALLOWANCE_TABLE: amount[i] for a count of i + 1 (n counts listed). */
typedef struct {
    int n;
    int32_t from_minutes[PARAM_SCALE_MAX];
    money_cents amount[PARAM_SCALE_MAX];
    money_cents threshold[PARAM_SCALE_MAX];
    int32_t rate[PARAM_SCALE_MAX];
} param_scale;

/* One row of parameters.csv. */
typedef struct {
    param_id id;
    int32_t county;         /* index in param_table.counties, or PARAM_STATEWIDE */
    cal_date from;          /* effective_from */
    int64_t value;          /* cents, 10^-6 units, minutes or a count, per the type */
    int present;            /* 0 only for an empty PT_MONEY_OPT value */
    int32_t scale;          /* index in param_table.scales for PT_SCALE, PT_TAX_TABLE, PT_ALLOWANCE_TABLE */
    size_t reference;       /* offset in param_table.text */
    int32_t line;           /* line in parameters.csv */
} param_row;

typedef struct {
    param_row *rows;
    size_t n, cap;
    param_scale *scales;
    size_t nscales, scales_cap;
    ids_table counties;     /* every scope named in the file */
    uint8_t *county_known;  /* county_known[c]: c has a wage.hourly row */
    ids_pool text;          /* references */
    int sorted;
} param_table;

/* Parameters looked up on the pay date (fica.*, sdi.*, payment.business_days) are
 * statewide by nature: a county row for them would never apply (docs/rules.md §4.2). */
static inline int param_by_pay_date(param_id id)
{
    return (id >= P_FICA_SS_RATE && id <= P_SDI_QUARTER_THRESHOLD) || id == P_PAYMENT_BUSINESS_DAYS ||
           (id >= P_FIT_STANDARD_ADJUSTMENT_MARRIED && id <= P_SIT_SCHEDULE_HEAD);
}

/* The parameter named name[0..n), or -1. */
int param_lookup_name(const char *name, size_t n);
const char *param_name(param_id id);
param_type param_type_of(param_id id);

/* Appends a row (the scale, when given, is copied). Returns 0, or -1 out of memory.
 * Duplicates are caught by param_finish. */
int param_add(param_table *t, const param_row *row, const param_scale *scale, const char *reference, size_t ref_len);

/* Sorts the rows and checks them as a whole: no two rows with the same parameter,
 * scope and effective_from; every county scope has a wage.hourly row. Returns 0, or
 * -1 with the offending row's line in *line and a description in msg (line 0: out of
 * memory). */
int param_finish(param_table *t, int32_t *line, char *msg, size_t msglen);

/* Index of a known county (one with a wage.hourly row), or -1. */
int32_t param_county(const param_table *t, const char *code, size_t n);

/* The row in force for county on date: the county row with the latest
 * effective_from <= on, else the statewide row with the latest effective_from <= on.
 * county may be PARAM_STATEWIDE. NULL when none is in force (the caller makes that a
 * fatal error naming the parameter and date). */
const param_row *param_in_force(const param_table *t, param_id id, int32_t county, cal_date on);

static inline const param_scale *param_scale_of(const param_table *t, const param_row *r)
{
    return &t->scales[r->scale];
}
static inline const char *param_reference(const param_table *t, const param_row *r)
{
    return t->text.buf + r->reference;
}

/* Monthly dues at `minutes` hours paid in the month: the amount of the highest
 * bracket whose from_minutes <= minutes, 0 below the first bracket. */
money_cents param_scale_amount(const param_scale *s, int64_t minutes);

/* Writes the value of r as it is written in parameters.csv ("19.00", "0.062",
 * "40:00", "none", the scale) into out. */
void param_format_value(const param_table *t, const param_row *r, char *out, size_t n);

void param_free(param_table *t);

/* -1, 0 or 1 as x is below, equal to or above y: the one comparison of the keys of every
 * sort of the parameters and the masters (param.c, master.c). */
int param_order(int64_t x, int64_t y);

#endif
