/* test_withhold.c — CUnit suite for the withholding arithmetic (engine/withhold.h): SPEC-withholding Part D's worked examples, by hand. */
#include <CUnit/CUnit.h>
#include <gmp.h>
#include <stdio.h>
#include <string.h>

#include "test_fx.h"
#include "test_util.h"
#include "withhold.h"

/* A tax table from rows {threshold cents, base cents, rate in 10^-6}. */
static param_scale tax_table(const int64_t (*rows)[3], int n)
{
    param_scale t;
    memset(&t, 0, sizeof t);
    t.n = n;
    for (int i = 0; i < n; i++) {
        t.threshold[i] = rows[i][0];
        t.amount[i] = rows[i][1];
        t.rate[i] = (int32_t)rows[i][2];
    }
    return t;
}

/* An allowance table from the amounts for 1, 2, ... (cents). */
static param_scale allowance_table(const int64_t *amounts, int n)
{
    param_scale t;
    memset(&t, 0, sizeof t);
    t.n = n;
    for (int i = 0; i < n; i++)
        t.amount[i] = amounts[i];
    return t;
}

/* The 2026 rows of SPEC-withholding A.2, dollars written as cents. */
static const int64_t fit_single[][3] = {{0, 0, 0},
                                        {750000, 0, 100000},
                                        {1990000, 124000, 120000},
                                        {5790000, 580000, 220000},
                                        {11320000, 1796600, 240000},
                                        {20927500, 4102400, 320000},
                                        {26372500, 5844800, 350000},
                                        {64810000, 19297925, 370000}};
static const int64_t fit_married[][3] = {{0, 0, 0},
                                         {1930000, 0, 100000},
                                         {4410000, 248000, 120000},
                                         {12010000, 1160000, 220000},
                                         {23070000, 3593200, 240000},
                                         {42285000, 8204800, 320000},
                                         {53175000, 11689600, 350000},
                                         {78800000, 20658350, 370000}};
static const int64_t fit_head[][3] = {{0, 0, 0},
                                      {1555000, 0, 100000},
                                      {3325000, 177000, 120000},
                                      {8300000, 774000, 220000},
                                      {12125000, 1615500, 240000},
                                      {21730000, 3920700, 320000},
                                      {27175000, 5663100, 350000},
                                      {65615000, 19117100, 370000}};
static const int64_t fit_step2_single[][3] = {{0, 0, 0},
                                              {805000, 0, 100000},
                                              {1425000, 62000, 120000},
                                              {3325000, 290000, 220000},
                                              {6090000, 898300, 240000},
                                              {10893800, 2051200, 320000},
                                              {13616300, 2922400, 350000},
                                              {32835000, 9648963, 370000}};
static const int64_t sit_single[][3] = {{0, 0, 11000},
                                        {46200, 508, 22000},
                                        {109400, 1898, 44000},
                                        {172700, 4683, 66000},
                                        {239800, 9112, 88000},
                                        {303000, 14674, 102300},
                                        {1547800, 142017, 113300},
                                        {1857400, 177095, 124300},
                                        {3095600, 331003, 135300},
                                        {4166700, 475923, 146300}};
static const int64_t sit_married[][3] = {{0, 0, 11000},
                                         {92400, 1016, 22000},
                                         {218800, 3797, 44000},
                                         {345400, 9367, 66000},
                                         {479600, 18224, 88000},
                                         {606000, 29347, 102300},
                                         {3095600, 284033, 113300},
                                         {3714800, 354188, 124300},
                                         {4166700, 410359, 135300},
                                         {6191300, 684287, 146300}};
static const int64_t sit_head[][3] = {{0, 0, 11000},
                                      {92400, 1016, 22000},
                                      {218900, 3799, 44000},
                                      {282200, 6584, 66000},
                                      {349200, 11006, 88000},
                                      {412500, 16576, 102300},
                                      {2105000, 189719, 113300},
                                      {2526000, 237418, 124300},
                                      {4166700, 441357, 135300},
                                      {4210100, 447229, 146300}};
static const int64_t sit_estimated[] = {4200, 8300, 12500, 16700, 20800, 25000, 29200, 33300, 37500, 41700};
static const int64_t sit_exemption[] = {701, 1403, 2104, 2805, 3506, 4208, 4909, 5610, 6311, 7013};

/* The federal parameters of a row, resolved by hand from the A.2 table. */
static withhold_fed_params fed_params(const master_withholding *row, param_scale *schedule)
{
    int sched, adj, allow;
    withhold_federal_params(row, &sched, &adj, &allow);
    const int64_t(*rows)[3] = sched == P_FIT_SCHEDULE_MARRIED    ? fit_married
                              : sched == P_FIT_SCHEDULE_HEAD     ? fit_head
                              : sched == P_FIT_SCHEDULE_STEP2_SINGLE ? fit_step2_single
                                                                     : fit_single;
    CU_ASSERT(sched == P_FIT_SCHEDULE_SINGLE || sched == P_FIT_SCHEDULE_MARRIED || sched == P_FIT_SCHEDULE_HEAD ||
              sched == P_FIT_SCHEDULE_STEP2_SINGLE);
    *schedule = tax_table(rows, 8);
    withhold_fed_params p = {.schedule = schedule, .pre2020_allowance = allow == P_FIT_PRE2020_ALLOWANCE ? 430000 : 0};
    p.adjustment = adj == P_FIT_STANDARD_ADJUSTMENT_MARRIED ? 1290000 : adj == P_FIT_STANDARD_ADJUSTMENT_OTHER ? 860000 : 0;
    return p;
}

static money_cents federal(const master_withholding *row, money_cents w, withhold_fed_lines *l)
{
    param_scale schedule;
    withhold_fed_params p = fed_params(row, &schedule);
    money_cents amount = -1;
    CU_ASSERT_EQUAL(withhold_federal(row, &p, w, l, &amount), 0);
    return amount;
}

/* The California parameters of a row, resolved by hand (Tables 1-4, 17-19). */
static money_cents california(const master_withholding *row, money_cents w, withhold_ca_lines *l)
{
    param_id ids[5];
    withhold_ca_params_of(row, ids);
    static const money_cents low[] = {78700, 78700, 157500, 157500}, std[] = {23800, 23800, 47600, 47600};
    param_scale est = allowance_table(sit_estimated, 10), exm = allowance_table(sit_exemption, 10);
    param_scale sched = tax_table(ids[4] == P_SIT_SCHEDULE_MARRIED ? sit_married
                                  : ids[4] == P_SIT_SCHEDULE_HEAD  ? sit_head
                                                                   : sit_single,
                                  10);
    int col = ids[0] - P_SIT_LOW_INCOME_SINGLE;
    CU_ASSERT_EQUAL(ids[1] - P_SIT_STANDARD_DEDUCTION_SINGLE, col);
    CU_ASSERT_EQUAL(ids[2], P_SIT_ESTIMATED_DEDUCTION);
    CU_ASSERT_EQUAL(ids[3], P_SIT_EXEMPTION_ALLOWANCE);
    withhold_ca_params p = {.low_income = low[col], .standard_deduction = std[col], .estimated = &est,
                            .exemption = &exm, .schedule = &sched};
    money_cents amount = -1;
    CU_ASSERT_EQUAL(withhold_california(row, &p, w, l, &amount), 0);
    return amount;
}

static master_withholding row_2020(uint8_t fed, uint8_t ca, int32_t ca_allowances)
{
    master_withholding r;
    memset(&r, 0, sizeof r);
    r.fed_status = fed;
    r.ca_status = ca;
    r.ca_allowances = ca_allowances;
    return r;
}

/* Example 1: single; California single, 1 allowance; gross 1,520.00.
 * 1c 36,480.00; 1i 36,480 - 8,600 = 27,880.00; 2g 1,240 + 0.12 x 7,980 = 2,197.60;
 * 3c 91.5666... -> 91.57. California T = 1,520 - 238 = 1,282; C = 18.98 + 0.044 x 188 =
 * 27.252; X = 27.252 - 7.01 = 20.242 -> 20.24. */
static void test_example1(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 1);
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 152000, &f), 9157);
    ASSERT_I64(f.l1c, 3648000);
    ASSERT_I64(f.l1g, 860000);
    ASSERT_I64(f.l1i, 2788000);
    ASSERT_I64(f.row, 2);
    ASSERT_I64(f.l2g_micro, 219760LL * 1000000);
    ASSERT_I64(california(&r, 152000, &c), 2024);
    ASSERT_I64(c.t, 128200);
    ASSERT_I64(c.c_micro, 2725200000LL);
    ASSERT_I64(c.x_micro, 2024200000LL);
    ASSERT_I64(c.column, WH_COL_SINGLE);
}

/* Example 2: married with Step 3 2,200.00; California married, 3 allowances; 2,280.00.
 * 1i 54,720 - 12,900 = 41,820; 2g 0.10 x 22,520 = 2,252.00; 3c (2,252 - 2,200) / 24 =
 * 2.1666... -> 2.17 (rounded once: a line-by-line worksheet gives 2.16). California
 * married_2: T = 2,280 - 476 = 1,804; C = 10.16 + 0.022 x 880 = 29.52; X = 29.52 - 21.04 = 8.48. */
static void test_example2(void)
{
    master_withholding r = row_2020(WH_MARRIED, WH_MARRIED, 3);
    r.fed_dependents = 220000;
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 228000, &f), 217);
    ASSERT_I64(f.l1i, 4182000);
    ASSERT_I64(f.l2g_micro, 225200LL * 1000000);
    ASSERT_I64(f.l3c_micro24, 5200LL * 1000000);
    ASSERT_I64(california(&r, 228000, &c), 848);
    ASSERT_I64(c.column, WH_COL_MARRIED_2);
    ASSERT_I64(c.credit, 2104);
}

/* Example 3: Step 2 box, 4(c) 25.00; California single 0 allowances, extra 10.00.
 * 1g 0; 1i 36,480; step-2 single row 33,250: 2,900 + 0.22 x 3,230 = 3,610.60; / 24 =
 * 150.44166... -> 150.44 + 25.00 = 175.44. California 27.252 -> 27.25 + 10.00 = 37.25. */
static void test_example3(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 0);
    r.fed_multiple_jobs = 1;
    r.fed_extra = 2500;
    r.ca_extra = 1000;
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 152000, &f), 17544);
    ASSERT_I64(f.l1g, 0);
    ASSERT_I64(f.rounded, 15044);
    ASSERT_I64(california(&r, 152000, &c), 3725);
    ASSERT_I64(c.credit, 0);
}

/* Example 4: 760.00; federal 1i 18,240 - 8,600 = 9,640; 0.10 x 2,140 = 214.00; / 24 =
 * 8.91666... -> 8.92. California 760.00 <= 787: 0.00. At 787.00: federal 0.10 x
 * (18,888 - 8,600 - 7,500) / 24 = 11.6166... -> 11.62, California still 0.00; at 787.01:
 * T = 549.01, C = 5.08 + 0.022 x 87.01 = 6.99422 -> 6.99. With a DE 4 extra of 5.00
 * the 760.00 paycheck withholds 5.00. */
static void test_example4(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 0);
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 76000, &f), 892);
    ASSERT_I64(california(&r, 76000, &c), 0);
    CU_ASSERT(c.exempt);
    ASSERT_I64(federal(&r, 78700, &f), 1162);
    ASSERT_I64(california(&r, 78700, &c), 0);
    CU_ASSERT(c.exempt);
    ASSERT_I64(california(&r, 78701, &c), 699);
    CU_ASSERT(!c.exempt);
    ASSERT_I64(c.c_micro, 699422000LL);
    r.ca_extra = 500;
    ASSERT_I64(california(&r, 76000, &c), 500);
}

/* Example 5: pre-2020 married 3 allowances, 2,280.00: 1k 12,900; 1l 41,820; 2,252.00 /
 * 24 = 93.8333... -> 93.83. Pre-2020 single 1 allowance, line 6 5.00, 1,520.00: 1l
 * 36,480 - 4,300 = 32,180; 1,240 + 0.12 x 12,280 = 2,713.60; / 24 = 113.0666... ->
 * 113.07 + 5.00 = 118.07. */
static void test_example5(void)
{
    master_withholding r = row_2020(WH_MARRIED, WH_NONE, 0);
    r.fed_pre2020 = 1;
    r.fed_allowances = 3;
    withhold_fed_lines f;
    ASSERT_I64(federal(&r, 228000, &f), 9383);
    ASSERT_I64(f.l1g, 1290000);
    ASSERT_I64(f.l1i, 4182000);
    CU_ASSERT(f.pre2020);
    r = row_2020(WH_SINGLE, WH_NONE, 0);
    r.fed_pre2020 = 1;
    r.fed_allowances = 1;
    r.fed_extra = 500;
    ASSERT_I64(federal(&r, 152000, &f), 11807);
    ASSERT_I64(f.l1i, 3218000);
}

/* Example 6's period amounts: 4(c) 60.00 and DE 4 extra 15.00 on wages far below
 * tax: at 57.00, AAWA = max(0, 1,368 - 8,600) = 0, so 0.00 + 60.00; California 57.00 <=
 * 787, 0.00 + 15.00. At 437.00: AAWA 10,488 - 8,600 = 1,888 < 7,500: still 60.00, 15.00. */
static void test_example6_period_amounts(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 1);
    r.fed_extra = 6000;
    r.ca_extra = 1500;
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 5700, &f), 6000);
    ASSERT_I64(f.l1i, 0);
    ASSERT_I64(california(&r, 5700, &c), 1500);
    ASSERT_I64(federal(&r, 43700, &f), 6000);
    ASSERT_I64(f.l1i, 188800);
    ASSERT_I64(california(&r, 43700, &c), 1500);
}

/* Decision C.8: a period without wages owes nothing, the extra amounts included. */
static void test_no_wages(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 1);
    r.fed_extra = 6000;
    r.ca_extra = 1500;
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 0, &f), 0);
    ASSERT_I64(california(&r, 0, &c), 0);
}

/* Example 8: head of household, 1,900.00: 1i 45,600 - 8,600 = 37,000; head row 33,250:
 * 1,770 + 0.12 x 3,750 = 2,220.00; / 24 = 92.50. California head: S = 1,900 - 42 =
 * 1,858; T = 1,858 - 476 = 1,382; C = 10.16 + 0.022 x 458 = 20.236; X = 20.236 - 7.01 =
 * 13.226 -> 13.23. */
static void test_example8(void)
{
    master_withholding r = row_2020(WH_HEAD, WH_HEAD, 1);
    r.ca_additional_allowances = 1;
    withhold_fed_lines f;
    withhold_ca_lines c;
    ASSERT_I64(federal(&r, 190000, &f), 9250);
    ASSERT_I64(f.l2g_micro, 222000LL * 1000000);
    ASSERT_I64(california(&r, 190000, &c), 1323);
    ASSERT_I64(c.column, WH_COL_HEAD);
    ASSERT_I64(c.s, 185800);
    ASSERT_I64(c.t, 138200);
    ASSERT_I64(c.c_micro, 2023600000LL);
}

/* Decision C.9: married with 1 regular and 1 additional allowance uses the 0-1 column
 * (regular allowances only); 2 regular uses married_2. */
static void test_married_column(void)
{
    master_withholding r = row_2020(WH_NONE, WH_MARRIED, 1);
    r.ca_additional_allowances = 1;
    ASSERT_I64(withhold_ca_column_of(&r), WH_COL_MARRIED_0_1);
    r.ca_allowances = 0;
    ASSERT_I64(withhold_ca_column_of(&r), WH_COL_MARRIED_0_1);
    r.ca_allowances = 2;
    r.ca_additional_allowances = 0;
    ASSERT_I64(withhold_ca_column_of(&r), WH_COL_MARRIED_2);
}

/* The tax table's row boundary: an amount equal to a threshold takes that row, one
 * cent under takes the row before (7,500.00 single: 0.00; 7,500.01: 0.10 x 0.01 =
 * 0.001 = 1,000 micro-cents). */
static void test_table_boundary(void)
{
    param_scale t = tax_table(fit_single, 8);
    int64_t micro;
    int row;
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 750000, &micro, &row), 0);
    ASSERT_I64(row, 1);
    ASSERT_I64(micro, 0);
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 749999, &micro, &row), 0);
    ASSERT_I64(row, 0);
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 750001, &micro, &row), 0);
    ASSERT_I64(micro, 100000);
    /* the top row: 648,100.00 + 1.00 -> 192,979.25 + 0.37 x 1.00 = 192,979.62 */
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 64810100, &micro, &row), 0);
    ASSERT_I64(row, 7);
    ASSERT_I64(micro, 19297962LL * 1000000);
    CU_ASSERT_EQUAL(withhold_table_tax(&t, -1, &micro, &row), -1);
}

/* Allowance tables: 0 gives 0, 1..10 as listed, above 10 count x the amount for 1
 * (12 x 42.00 = 504.00; 15 x 7.01 = 105.15). */
static void test_allowances(void)
{
    param_scale est = allowance_table(sit_estimated, 10), exm = allowance_table(sit_exemption, 10);
    money_cents v = -1;
    CU_ASSERT_EQUAL(withhold_allowance(&est, 0, &v), 0);
    ASSERT_I64(v, 0);
    CU_ASSERT_EQUAL(withhold_allowance(&est, 10, &v), 0);
    ASSERT_I64(v, 41700);
    CU_ASSERT_EQUAL(withhold_allowance(&est, 12, &v), 0);
    ASSERT_I64(v, 50400);
    CU_ASSERT_EQUAL(withhold_allowance(&exm, 15, &v), 0);
    ASSERT_I64(v, 10515);
    CU_ASSERT_EQUAL(withhold_allowance(&exm, -1, &v), -1);
}

/* Half a cent rounds up, just under half rounds down, made with Step 3 so that 2g - 3a
 * is 0.12 (= 24 x 0.005): 3c = 0.005 -> 0.01. */
static void test_half_cent(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_NONE, 0);
    withhold_fed_lines f;
    /* W = 671.00: 1i = 16,104 - 8,600 = 7,504; 2g = 0.10 x 4 = 0.40; 3a 0.28 -> 0.12 / 24 = 0.005 -> 0.01 */
    r.fed_dependents = 28;
    ASSERT_I64(federal(&r, 67100, &f), 1);
    ASSERT_I64(f.l3c_micro24, 12000000);   /* 0.12 = 12 cents = 12 x 10^6 micro-cents */
    /* 3a 0.29 -> 0.11 / 24 = 0.004583... -> 0.00 */
    r.fed_dependents = 29;
    ASSERT_I64(federal(&r, 67100, &f), 0);
    /* Step 3 above 2g: floor at 0, never negative */
    r.fed_dependents = 100000;
    ASSERT_I64(federal(&r, 67100, &f), 0);
    ASSERT_I64(f.l3c_micro24, 0);
}

/* An overflow is an error, not a wrapped figure. */
static void test_overflow(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_SINGLE, 0);
    param_scale schedule;
    withhold_fed_params p = fed_params(&r, &schedule);
    withhold_fed_lines f;
    money_cents amount;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, INT64_MAX / 10, &f, &amount), -1);
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, -1, &f, &amount), -1);
}


/* One-row tables are tables too: "0=0+0.10" taxes 1,000.00 at 100.00; "1=42" gives 42.00
 * for 1 and 3 x 42.00 = 126.00 for 3. An allowance count of 0 is 0.00 whatever the bytes
 * before the amounts hold (the table is filled with junk first). */
static void test_one_row_tables(void)
{
    static const int64_t one[][3] = {{0, 0, 100000}};
    param_scale t = tax_table(one, 1);
    int64_t micro;
    int row = -1;
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 100000, &micro, &row), 0);
    ASSERT_I64(micro, 10000LL * 1000000);
    ASSERT_I64(row, 0);
    param_scale a;
    memset(&a, 0x5a, sizeof a);
    a.n = 1;
    a.amount[0] = 4200;
    money_cents v = -1;
    CU_ASSERT_EQUAL(withhold_allowance(&a, 1, &v), 0);
    ASSERT_I64(v, 4200);
    CU_ASSERT_EQUAL(withhold_allowance(&a, 3, &v), 0);
    ASSERT_I64(v, 12600);
    CU_ASSERT_EQUAL(withhold_allowance(&a, 0, &v), 0);
    ASSERT_I64(v, 0);
    a.n = 0;
    CU_ASSERT_EQUAL(withhold_allowance(&a, 1, &v), -1);
    t.n = 0;
    CU_ASSERT_EQUAL(withhold_table_tax(&t, 100, &micro, &row), -1);
}

/* Line 1i one cent below zero (1c 0.24 + 4(a) 8,599.75 - 8,600.00 = -0.01) is 0, not a
 * negative amount for the table: 0.00 withheld, no error. */
static void test_aawa_floor(void)
{
    master_withholding r = row_2020(WH_SINGLE, WH_NONE, 0);
    r.fed_other_income = 859975;
    withhold_fed_lines f;
    ASSERT_I64(federal(&r, 1, &f), 0);
    ASSERT_I64(f.l1e, 859999);
    ASSERT_I64(f.l1i, 0);
}

/* Every figure that would leave int64 is an error (-1), never a wrapped amount: the
 * pre-2020 allowances, Step 4(a), Step 4(b), Step 3, the extras, and an allowance table's
 * count x amount above its last count. */
static void test_overflow_paths(void)
{
    param_scale schedule;
    withhold_fed_lines f;
    withhold_ca_lines c;
    money_cents amount;
    master_withholding r = row_2020(WH_SINGLE, WH_NONE, 0);
    r.fed_pre2020 = 1;
    r.fed_allowances = 999;
    withhold_fed_params p = fed_params(&r, &schedule);
    p.pre2020_allowance = INT64_MAX / 100;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), -1);
    r = row_2020(WH_SINGLE, WH_NONE, 0);
    p = fed_params(&r, &schedule);
    r.fed_other_income = INT64_MAX;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), -1);
    r.fed_other_income = 0;
    r.fed_deductions = INT64_MAX;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), -1);
    r.fed_deductions = 0;
    r.fed_dependents = INT64_MAX / 1000;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), -1);
    r.fed_dependents = 0;
    r.fed_extra = INT64_MAX;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), -1);
    /* the same row without the overflowing figure is fine */
    r.fed_extra = 0;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 152000, &f, &amount), 0);
    ASSERT_I64(amount, 9157);
    /* California: an extra that overflows after rounding, and 999 additional allowances of
     * a huge Table 2 amount */
    master_withholding ca = row_2020(WH_NONE, WH_SINGLE, 1);
    ca.ca_extra = INT64_MAX;
    withhold_ca_params cp;
    param_scale est = allowance_table(sit_estimated, 10), exm = allowance_table(sit_exemption, 10);
    param_scale sched = tax_table(sit_single, 10);
    cp = (withhold_ca_params){.low_income = 78700, .standard_deduction = 23800, .estimated = &est, .exemption = &exm,
                              .schedule = &sched};
    CU_ASSERT_EQUAL(withhold_california(&ca, &cp, 152000, &c, &amount), -1);
    ca.ca_extra = 0;
    ca.ca_additional_allowances = 999;
    est.amount[0] = INT64_MAX / 100;
    CU_ASSERT_EQUAL(withhold_california(&ca, &cp, 152000, &c, &amount), -1);
    est.amount[0] = 4200;
    CU_ASSERT_EQUAL(withhold_california(&ca, &cp, -1, &c, &amount), -1);
}

/* int64's own bounds are figures, not overflows: with a one-row schedule of rate
 * 0.000001 and base 0, 1c 0.24 + Step 4(a) 10,841.68 - 8,600.00 = 1i 2,241.92 gives
 * 2g = 224,192 micro-cents; Step 3 of 92,233,720,368.55 makes 2g - 3a x 10^6 =
 * 224,192 - 9,223,372,036,855,000,000 = -2^63 = INT64_MIN exactly, floored to 0: the
 * paycheck owes 0.00, no error. And Step 4(a) = INT64_MAX - 0.24 makes line 1e exactly
 * INT64_MAX (with a rate-0 schedule nothing overflows after it). */
static void test_int64_bounds(void)
{
    static const int64_t tiny[][3] = {{0, 0, 1}}, flat[][3] = {{0, 0, 0}};
    param_scale t = tax_table(tiny, 1);
    master_withholding r = row_2020(WH_SINGLE, WH_NONE, 0);
    withhold_fed_params p = {.adjustment = 860000, .schedule = &t};
    withhold_fed_lines f;
    money_cents amount = -1;
    r.fed_other_income = 1084168;
    r.fed_dependents = 9223372036855LL;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 1, &f, &amount), 0);
    ASSERT_I64(f.l1i, 224192);
    ASSERT_I64(f.l2g_micro, 224192);
    ASSERT_I64(amount, 0);
    t = tax_table(flat, 1);
    r.fed_dependents = 0;
    r.fed_other_income = INT64_MAX - 24;
    amount = -1;
    CU_ASSERT_EQUAL(withhold_federal(&r, &p, 1, &f, &amount), 0);
    ASSERT_I64(f.l1e, INT64_MAX);
    ASSERT_I64(amount, 0);
}

/* California's step 4 on wages far above any payroll overflows: an error, not a wrap. */
static void test_california_step4_overflow(void)
{
    master_withholding ca = row_2020(WH_NONE, WH_SINGLE, 1);
    param_scale est = allowance_table(sit_estimated, 10), exm = allowance_table(sit_exemption, 10);
    param_scale sched = tax_table(sit_single, 10);
    withhold_ca_params cp = {.low_income = 78700, .standard_deduction = 23800, .estimated = &est, .exemption = &exm,
                             .schedule = &sched};
    withhold_ca_lines c;
    money_cents amount;
    CU_ASSERT_EQUAL(withhold_california(&ca, &cp, INT64_MAX / 4, &c, &amount), -1);
    exm.amount[0] = INT64_MAX / 2;
    CU_ASSERT_EQUAL(withhold_california(&ca, &cp, 152000, &c, &amount), -1);
}

/* ---- through the deductions: the ledger's period counters and W-2 sums ---- */

/* The rows the two paychecks below need, as in fixtures/demo/parameters.csv (2026). */
static const char WH_PARAMS[] =
    "fit.standard_adjustment_other,*,2026-01-01,8600.00,test\n"
    "fit.schedule_single,*,2026-01-01,0=0+0; 7500=0+0.10; 19900=1240+0.12; 57900=5800+0.22; 113200=17966+0.24; "
    "209275=41024+0.32; 263725=58448+0.35; 648100=192979.25+0.37,test\n"
    "sit.low_income_single,*,2026-01-01,787,test\n"
    "sit.standard_deduction_single,*,2026-01-01,238,test\n"
    "sit.estimated_deduction,*,2026-01-01,1=42; 2=83; 3=125; 4=167; 5=208; 6=250; 7=292; 8=333; 9=375; 10=417,test\n"
    "sit.exemption_allowance,*,2026-01-01,1=7.01; 2=14.03; 3=21.04; 4=28.05; 5=35.06; 6=42.08; 7=49.09; 8=56.10; "
    "9=63.11; 10=70.13,test\n"
    "sit.schedule_single,*,2026-01-01,0=0+0.011; 462=5.08+0.022; 1094=18.98+0.044; 1727=46.83+0.066; "
    "2398=91.12+0.088; 3030=146.74+0.1023; 15478=1420.17+0.1133; 18574=1770.95+0.1243; 30956=3310.03+0.1353; "
    "41667=4759.23+0.1463,test\n";

/* Pay date 2026-12-04, period 2026-11-01. PO (other; single W-4, DE 4 single with 1
 * allowance) is paid 1,520.00: fica_ss 94.24, Medicare 22.04, SDI 0.01 x 1,520.00 = 15.20
 * (the quarter passes 750.00), federal 91.57 and California 20.24 (SPEC-withholding
 * Example 1), net 1,276.71. PS (RA's spouse: no FICA, no SDI; W-4 single with a 10.00
 * Step 4(c), no DE 4) is paid 100.00: AAWA 0, federal 10.00, net 90.00. The W-2 sums of
 * 2026 hold exactly that, PS's social security and Medicare wages 0.00; PO's period
 * counters hold its wages and what was taken; both name alameda. */
static void test_ledger_counters(void)
{
    char params[4096];
    snprintf(params, sizeof params, "%s%s", fxt_default("parameters.csv"), WH_PARAMS);
    const fxt_file over[] = {
        {"parameters.csv", params},
        {"withholding.csv", "provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,"
                            "fed_other_income,fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,"
                            "ca_additional_allowances,ca_extra\n"
                            "PO,2026-01-01,single,2020,n,,,,,,single,1,,\n"
                            "PS,2026-01-01,single,2020,n,,,,10.00,,none,,,\n"}};
    fxt f;
    fxt_open(&f, over, 2, cal_from_ymd(2026, 12, 4));
    rules_paycheck pc;
    CU_ASSERT_EQUAL_FATAL(fxt_deduct(&f, "PO", "RA", 152000, &pc), 0);
    ASSERT_I64(pc.amount[AMT_SDI], 1520);
    ASSERT_I64(pc.amount[AMT_FEDERAL_INCOME_TAX], 9157);
    ASSERT_I64(pc.amount[AMT_STATE_INCOME_TAX], 2024);
    ASSERT_I64(pc.amount[AMT_NET], 127671);
    CU_ASSERT_EQUAL_FATAL(fxt_deduct(&f, "PS", "RA", 10000, &pc), 0);
    ASSERT_I64(pc.amount[AMT_FICA_SS] + pc.amount[AMT_FICA_MEDICARE] + pc.amount[AMT_SDI], 0);
    ASSERT_I64(pc.amount[AMT_FEDERAL_INCOME_TAX], 1000);
    ASSERT_I64(pc.amount[AMT_NET], 9000);
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2), ps = ids_find(&f.m.provider_ids, "PS", 2);
    int32_t alameda = param_county(&f.m.params, "alameda", 7);
    const ledger_provider_w2 *y = ledger_peek(&f.lg.provider_w2, ledger_key(po, 2026));
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    const money_cents want_po[8] = {152000, 9157, 152000, 9424, 152000, 2204, 1520, 2024};
    for (int i = 0; i < 8; i++)
        ASSERT_I64((&y->gross)[i], want_po[i]);
    ASSERT_I64(y->county, alameda + 1);
    ASSERT_STR(ledger_ids_name(&f.lg.counties, y->county - 1), "alameda");
    y = ledger_peek(&f.lg.provider_w2, ledger_key(ps, 2026));
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    const money_cents want_ps[8] = {10000, 1000, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 8; i++)
        ASSERT_I64((&y->gross)[i], want_ps[i]);
    const ledger_provider_period *pp = ledger_peek(&f.lg.provider_period, ledger_key(po, cal_from_ymd(2026, 11, 1)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(pp);
    ASSERT_I64(pp->wages, 152000);
    ASSERT_I64(pp->fed_taken, 9157);
    ASSERT_I64(pp->state_taken, 2024);
    CU_ASSERT_PTR_NULL(ledger_peek(&f.lg.provider_w2, ledger_key(po, 2025)));
    fxt_close(&f);
}

/* ---- the same arithmetic in GMP rationals, in dollars, straight from the contract's
 * formulas (SPEC-withholding A.3), as the reference for random rows and wages ---- */

/* q = cents / 100 */
static void dollars(mpq_t q, int64_t cents)
{
    mpq_set_si(q, cents, 100);
    mpq_canonicalize(q);
}

/* The tax-table tax of a (dollars) in rows[n]: base + rate x (a - threshold). */
static void ref_table_tax(mpq_t out, const int64_t (*rows)[3], int n, const mpq_t a)
{
    mpq_t thr, x;
    mpq_inits(thr, x, NULL);
    int r = 0;
    for (int i = 1; i < n; i++) {
        dollars(thr, rows[i][0]);
        if (mpq_cmp(thr, a) <= 0)
            r = i;
    }
    dollars(thr, rows[r][0]);
    mpq_sub(x, a, thr);
    mpq_t rate;
    mpq_init(rate);
    mpq_set_si(rate, rows[r][2], 1000000);
    mpq_canonicalize(rate);
    mpq_mul(x, x, rate);
    dollars(out, rows[r][1]);
    mpq_add(out, out, x);
    mpq_clears(thr, x, rate, NULL);
}

/* round(q) half-up to the cent, in cents (q >= 0). */
static int64_t ref_round(const mpq_t q)
{
    mpz_t t;
    mpz_init(t);
    mpq_t x;
    mpq_init(x);
    mpq_set_si(x, 100, 1);
    mpq_mul(x, x, q);
    mpq_t half;
    mpq_init(half);
    mpq_set_si(half, 1, 2);
    mpq_add(x, x, half);
    mpz_fdiv_q(t, mpq_numref(x), mpq_denref(x));
    int64_t v = mpz_get_si(t);
    mpz_clear(t);
    mpq_clears(x, half, NULL);
    return v;
}

static void max0(mpq_t q)
{
    if (mpq_sgn(q) < 0)
        mpq_set_si(q, 0, 1);
}

/* Worksheet 1A on w cents for a 2020 or pre-2020 row, the 2026 tables. */
static int64_t ref_federal(const master_withholding *r, int64_t w)
{
    if (w == 0)
        return 0;
    mpq_t a, b, tax;
    mpq_inits(a, b, tax, NULL);
    dollars(a, w * 24);
    const int64_t(*rows)[3] = r->fed_status == WH_MARRIED ? fit_married : r->fed_status == WH_HEAD ? fit_head : fit_single;
    if (r->fed_pre2020) {
        dollars(b, r->fed_allowances * 430000LL);
        mpq_sub(a, a, b);
    } else {
        dollars(b, r->fed_other_income);
        mpq_add(a, a, b);
        dollars(b, r->fed_deductions + (r->fed_multiple_jobs ? 0 : r->fed_status == WH_MARRIED ? 1290000 : 860000));
        mpq_sub(a, a, b);
        if (r->fed_multiple_jobs)
            rows = fit_step2_single;    /* the random rows tick the box only for single */
    }
    max0(a);
    ref_table_tax(tax, rows, 8, a);
    dollars(b, r->fed_pre2020 ? 0 : r->fed_dependents);
    mpq_sub(tax, tax, b);
    max0(tax);
    mpq_set_si(b, 24, 1);
    mpq_div(tax, tax, b);
    int64_t v = ref_round(tax) + r->fed_extra;
    mpq_clears(a, b, tax, NULL);
    return v;
}

/* Method B on w cents, the 2026 semi-monthly tables. */
static int64_t ref_california(const master_withholding *r, int64_t w)
{
    if (w == 0)
        return 0;
    int col = r->ca_status == WH_HEAD ? 3 : r->ca_status == WH_MARRIED ? (r->ca_allowances >= 2 ? 2 : 1) : 0;
    static const int64_t low[] = {78700, 78700, 157500, 157500}, std[] = {23800, 23800, 47600, 47600};
    if (w <= low[col])
        return r->ca_extra;
    int32_t add = r->ca_additional_allowances, reg = r->ca_allowances;
    int64_t est = add == 0 ? 0 : add <= 10 ? sit_estimated[add - 1] : add * sit_estimated[0];
    int64_t cred = reg == 0 ? 0 : reg <= 10 ? sit_exemption[reg - 1] : reg * sit_exemption[0];
    mpq_t t, b, tax;
    mpq_inits(t, b, tax, NULL);
    dollars(t, w);
    dollars(b, est);
    mpq_sub(t, t, b);
    max0(t);
    dollars(b, std[col]);
    mpq_sub(t, t, b);
    max0(t);
    ref_table_tax(tax, r->ca_status == WH_MARRIED ? sit_married : r->ca_status == WH_HEAD ? sit_head : sit_single, 10, t);
    dollars(b, cred);
    mpq_sub(tax, tax, b);
    max0(tax);
    int64_t v = ref_round(tax) + r->ca_extra;
    mpq_clears(t, b, tax, NULL);
    return v;
}

/* 20,000 random rows and period wages (0 to 12,000.00, with the boundaries near each
 * row's low-income amount): withhold_federal and withhold_california equal the GMP
 * reference to the cent. */
static void test_against_gmp(void)
{
    uint64_t x = 88172645463325252ULL;
    int bad = 0;
    for (int i = 0; i < 20000 && bad < 5; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        master_withholding r = row_2020((uint8_t)(1 + x % 3), (uint8_t)(1 + (x >> 8) % 3), (int32_t)((x >> 12) % 14));
        r.fed_pre2020 = r.fed_status != WH_HEAD && (x >> 16) % 4 == 0;
        if (r.fed_pre2020)
            r.fed_allowances = (int32_t)((x >> 18) % 6);
        else {
            r.fed_multiple_jobs = r.fed_status == WH_SINGLE && (x >> 18) % 3 == 0;
            r.fed_dependents = (int64_t)((x >> 20) % 3) * 200000;
            r.fed_other_income = (int64_t)((x >> 22) % 4) * 123456;
            r.fed_deductions = (int64_t)((x >> 24) % 3) * 98765;
        }
        r.fed_extra = (int64_t)((x >> 26) % 3) * 2500;
        r.ca_additional_allowances = (int32_t)((x >> 28) % 13);
        r.ca_extra = (int64_t)((x >> 32) % 2) * 1000;
        int64_t w = (int64_t)((x >> 34) % 1200001);
        if ((x >> 60) % 4 == 0)     /* near the low-income boundary */
            w = (r.ca_status == WH_SINGLE || (r.ca_status == WH_MARRIED && r.ca_allowances <= 1) ? 78700 : 157500) -
                1 + (int64_t)((x >> 56) % 3);
        withhold_fed_lines f;
        withhold_ca_lines c;
        int64_t got_f = federal(&r, w, &f), want_f = ref_federal(&r, w);
        int64_t got_c = california(&r, w, &c), want_c = ref_california(&r, w);
        if (got_f != want_f || got_c != want_c) {
            bad++;
            char m[200];
            snprintf(m, sizeof m, "case %d wages %lld: federal %lld want %lld, California %lld want %lld", i,
                     (long long)w, (long long)got_f, (long long)want_f, (long long)got_c, (long long)want_c);
            ASSERT_MSG(0, m);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

int test_withhold_register(void)
{
    static const tu_test tests[] = {
        {"example 1: single, California 1 allowance", test_example1},
        {"example 2: married, Step 3, rounded once", test_example2},
        {"example 3: Step 2 box, extra amounts", test_example3},
        {"example 4: low-income exemption at 787.00 / 787.01", test_example4},
        {"example 5: pre-2020 W-4", test_example5},
        {"example 6: period amounts of the extra-only row", test_example6_period_amounts},
        {"C.8: no wages, no withholding", test_no_wages},
        {"example 8: head of household, estimated deduction", test_example8},
        {"C.9: the married column by regular allowances", test_married_column},
        {"tax table: the row boundary", test_table_boundary},
        {"allowance tables: 0, listed, above the list", test_allowances},
        {"half a cent rounds up once", test_half_cent},
        {"overflow and negative wages are errors", test_overflow},
        {"20,000 random rows and wages against GMP rationals", test_against_gmp},
        {"one-row tax and allowance tables", test_one_row_tables},
        {"line 1i a cent below zero is 0", test_aawa_floor},
        {"every overflow is an error", test_overflow_paths},
        {"INT64_MAX and INT64_MIN themselves are figures", test_int64_bounds},
        {"California step 4 overflow", test_california_step4_overflow},
        {"the ledger's period counters and W-2 sums, two paychecks", test_ledger_counters},
    };
    return tu_register("withhold", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
