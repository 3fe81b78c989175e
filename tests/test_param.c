/* test_param.c — CUnit suite for effective-dated, county-scoped parameters (engine/param.h). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "param.h"
#include "test_util.h"

static cal_date D(int y, int m, int d) { return cal_from_ymd(y, m, d); }

/* Interns a county code the way formats/load.c does. */
static int32_t county(param_table *t, const char *code)
{
    return ids_intern(&t->counties, code, strlen(code), NULL);
}

/* Adds one row; scope NULL = statewide. */
static void add(param_table *t, param_id id, const char *scope, cal_date from, int64_t value, int32_t line)
{
    param_row r = {.id = id, .county = scope ? county(t, scope) : PARAM_STATEWIDE, .from = from, .value = value,
                   .present = 1, .scale = -1, .line = line};
    char ref[32];
    int n = snprintf(ref, sizeof ref, "ref line %d", (int)line);
    CU_ASSERT_EQUAL_FATAL(param_add(t, &r, NULL, ref, (size_t)n), 0);
}

/* The table of the in-force tests, rows deliberately out of order:
 *   line 2  wage.hourly  alameda  2025-07-01  20.50
 *   line 3  wage.hourly  *        2026-01-01  19.00   (newer than alameda's row)
 *   line 4  wage.hourly  fresno   2026-07-01  18.10   (later than some lookups)
 *   line 5  wage.hourly  *        2024-01-01  16.00
 *   line 6  wage.hourly  alameda  2026-07-01  21.25
 *   line 7  overtime.multiplier * 2020-01-01  1.5
 *   line 8  overtime.weekly_threshold fresno 2026-01-01 45:00 (county row of another parameter) */
static void build(param_table *t)
{
    memset(t, 0, sizeof *t);
    add(t, P_WAGE_HOURLY, "alameda", D(2025, 7, 1), 2050, 2);
    add(t, P_WAGE_HOURLY, NULL, D(2026, 1, 1), 1900, 3);
    add(t, P_WAGE_HOURLY, "fresno", D(2026, 7, 1), 1810, 4);
    add(t, P_WAGE_HOURLY, NULL, D(2024, 1, 1), 1600, 5);
    add(t, P_WAGE_HOURLY, "alameda", D(2026, 7, 1), 2125, 6);
    add(t, P_OVERTIME_MULTIPLIER, NULL, D(2020, 1, 1), 1500000, 7);
    add(t, P_OVERTIME_WEEKLY_THRESHOLD, "fresno", D(2026, 1, 1), 45 * 60, 8);
}

/* Line of the row in force, or -1 when none. */
static int32_t in_force_line(const param_table *t, param_id id, int32_t c, cal_date on)
{
    const param_row *r = param_in_force(t, id, c, on);
    return r ? r->line : -1;
}

static void test_in_force(void)
{
    param_table t;
    int32_t line = -99;
    char msg[300] = "";
    build(&t);
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    int32_t ala = param_county(&t, "alameda", 7), fre = param_county(&t, "fresno", 6);
    CU_ASSERT_FATAL(ala >= 0 && fre >= 0 && ala != fre);

    /* a county row from 2025 beats the statewide row from 2026 */
    const param_row *r = param_in_force(&t, P_WAGE_HOURLY, ala, D(2026, 6, 30));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    ASSERT_I64(r->value, 2050);
    ASSERT_I64(r->line, 2);
    ASSERT_I64(r->county, ala);
    ASSERT_STR(param_reference(&t, r), "ref line 2");
    /* the newer county row takes over on its effective_from, not the day before */
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, ala, D(2026, 6, 30)), 2);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, ala, D(2026, 7, 1)), 6);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, ala, D(2030, 1, 1)), 6);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, ala, D(2025, 7, 1)), 2);
    /* before alameda's first row: the statewide row in force then */
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, ala, D(2025, 6, 30)), 5);

    /* fresno has no row in force before 2026-07-01: statewide applies */
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, fre, D(2026, 6, 30)), 3);
    ASSERT_I64(param_in_force(&t, P_WAGE_HOURLY, fre, D(2026, 6, 30))->value, 1900);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, fre, D(2026, 7, 1)), 4);
    ASSERT_I64(param_in_force(&t, P_WAGE_HOURLY, fre, D(2026, 7, 1))->value, 1810);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, fre, D(2025, 12, 31)), 5);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, fre, D(2024, 1, 1)), 5);
    /* nothing in force at all */
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_WAGE_HOURLY, fre, D(2023, 12, 31)));

    /* statewide lookups ignore county rows */
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, PARAM_STATEWIDE, D(2025, 12, 31)), 5);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, PARAM_STATEWIDE, D(2026, 1, 1)), 3);
    ASSERT_I64(in_force_line(&t, P_WAGE_HOURLY, PARAM_STATEWIDE, D(2027, 1, 1)), 3);
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_WAGE_HOURLY, PARAM_STATEWIDE, D(2023, 12, 31)));

    /* other parameters: statewide-only, county-only, absent */
    ASSERT_I64(in_force_line(&t, P_OVERTIME_MULTIPLIER, ala, D(2026, 11, 1)), 7);
    ASSERT_I64(in_force_line(&t, P_OVERTIME_MULTIPLIER, PARAM_STATEWIDE, D(2020, 1, 1)), 7);
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_OVERTIME_MULTIPLIER, ala, D(2019, 12, 31)));
    ASSERT_I64(in_force_line(&t, P_OVERTIME_WEEKLY_THRESHOLD, fre, D(2026, 11, 1)), 8);
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_OVERTIME_WEEKLY_THRESHOLD, ala, D(2026, 11, 1)));
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_OVERTIME_WEEKLY_THRESHOLD, PARAM_STATEWIDE, D(2026, 11, 1)));
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_FICA_SS_RATE, PARAM_STATEWIDE, D(2026, 11, 1)));
    CU_ASSERT_PTR_NULL(param_in_force(&t, P_PAYMENT_BUSINESS_DAYS, ala, D(2026, 11, 1)));
    param_free(&t);
}

static void test_county(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    build(&t);
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    int32_t ala = param_county(&t, "alameda", 7);
    CU_ASSERT(ala >= 0);
    ASSERT_STR(ids_name(&t.counties, ala), "alameda");
    CU_ASSERT(param_county(&t, "fresno", 6) >= 0);
    ASSERT_I64(param_county(&t, "kern", 4), -1);
    ASSERT_I64(param_county(&t, "Alameda", 7), -1);    /* exact: no case folding */
    ASSERT_I64(param_county(&t, "alamed", 6), -1);
    ASSERT_I64(param_county(&t, "*", 1), -1);
    ASSERT_I64(param_county(&t, "alameda", 7), ala);   /* stable */
    param_free(&t);
}

static void test_names(void)
{
    ASSERT_I64(param_lookup_name("wage.hourly", 11), P_WAGE_HOURLY);
    ASSERT_I64(param_lookup_name("payment.business_days", 21), P_PAYMENT_BUSINESS_DAYS);
    ASSERT_I64(param_lookup_name("wage.hourl", 10), -1);
    ASSERT_I64(param_lookup_name("wage.hourly ", 12), -1);
    ASSERT_I64(param_lookup_name("", 0), -1);
    ASSERT_STR(param_name(P_UNION_DUES_SCALE), "union.dues_scale");
    ASSERT_I64(param_type_of(P_SDI_WAGE_CEILING), PT_MONEY_OPT);
    ASSERT_I64(param_type_of(P_UNION_DUES_SCALE), PT_SCALE);
    ASSERT_I64(param_type_of(P_OVERTIME_MULTIPLIER), PT_FRAC);
    /* every parameter's name looks itself up */
    int bad = 0;
    for (int i = 0; i < P_COUNT; i++) {
        const char *n = param_name((param_id)i);
        bad += n == NULL || param_lookup_name(n, strlen(n)) != i;
    }
    ASSERT_I64(bad, 0);
}

static void test_duplicate(void)
{
    param_table t;
    int32_t line = -99;
    char msg[300] = "";
    build(&t);
    /* same parameter, scope and effective_from as line 2 */
    add(&t, P_WAGE_HOURLY, "alameda", D(2025, 7, 1), 2200, 9);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);
    ASSERT_I64(line, 9);
    ASSERT_STR(msg, "effective_from: wage.hourly for alameda effective 2025-07-01 is already given on line 2");
    param_free(&t);

    /* a statewide duplicate, the later line coming first in the file order of adds */
    memset(&t, 0, sizeof t);
    add(&t, P_OVERTIME_MULTIPLIER, NULL, D(2020, 1, 1), 1500000, 12);
    add(&t, P_WAGE_HOURLY, NULL, D(2020, 1, 1), 1500, 3);
    add(&t, P_OVERTIME_MULTIPLIER, NULL, D(2020, 1, 1), 2000000, 4);
    line = -99;
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);
    ASSERT_I64(line, 12);
    ASSERT_STR(msg, "effective_from: overtime.multiplier for * effective 2020-01-01 is already given on line 4");
    param_free(&t);

    /* same date, different scope or parameter: not duplicates */
    memset(&t, 0, sizeof t);
    add(&t, P_WAGE_HOURLY, NULL, D(2026, 1, 1), 1900, 2);
    add(&t, P_WAGE_HOURLY, "alameda", D(2026, 1, 1), 2050, 3);
    add(&t, P_WAGE_HOURLY, "fresno", D(2026, 1, 1), 1810, 4);
    add(&t, P_BUPS_DIFFERENTIAL, NULL, D(2026, 1, 1), 200, 5);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), 0);
    param_free(&t);
}

static void test_unknown_county_scope(void)
{
    param_table t;
    int32_t line = -99;
    char msg[300] = "";
    build(&t);
    /* kern has rows but no wage.hourly row */
    add(&t, P_UNION_HOURS_THRESHOLD, "kern", D(2026, 1, 1), 15 * 60, 11);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);
    ASSERT_I64(line, 11);
    ASSERT_STR(msg, "scope: county kern has no wage.hourly row, so it is not a known county");
    param_free(&t);

    /* adding the wage row makes it known */
    build(&t);
    add(&t, P_UNION_HOURS_THRESHOLD, "kern", D(2026, 1, 1), 15 * 60, 11);
    add(&t, P_WAGE_HOURLY, "kern", D(2027, 1, 1), 1700, 12);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), 0);
    CU_ASSERT(param_county(&t, "kern", 4) >= 0);
    param_free(&t);
}

static void test_scale_copied(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    memset(&t, 0, sizeof t);
    param_scale s = {.n = 2, .from_minutes = {0, 1501}, .amount = {1030, 1590}};
    param_row r = {.id = P_UNION_DUES_SCALE, .county = PARAM_STATEWIDE, .from = D(2025, 1, 1), .present = 1,
                   .scale = -1, .line = 2};
    CU_ASSERT_EQUAL_FATAL(param_add(&t, &r, &s, "dues", 4), 0);
    s.amount[1] = 9999;    /* the table holds its own copy */
    s.n = 1;
    add(&t, P_WAGE_HOURLY, NULL, D(2025, 1, 1), 1600, 3);
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    const param_row *p = param_in_force(&t, P_UNION_DUES_SCALE, PARAM_STATEWIDE, D(2026, 11, 1));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const param_scale *sc = param_scale_of(&t, p);
    ASSERT_I64(sc->n, 2);
    ASSERT_I64(sc->amount[1], 1590);
    ASSERT_I64(param_scale_amount(sc, 1500), 1030);
    ASSERT_I64(param_scale_amount(sc, 1501), 1590);
    ASSERT_STR(param_reference(&t, p), "dues");
    param_free(&t);
}

/* Many rows: in-force lookups agree with a linear scan of the rule in SPEC §4. */
static void test_many_rows(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    static const char *const names[] = {"c0", "c1", "c2", "c3", "c4"};
    memset(&t, 0, sizeof t);
    int32_t ln = 2;
    /* statewide rows every 3 months from 2020; county c_k rows every (k+2) months from 2021 */
    for (int i = 0; i < 40; i++)
        add(&t, P_WAGE_HOURLY, NULL, D(2020 + i / 4, 1 + (i % 4) * 3, 1), 1000 + i, ln++);
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 20; i++) {
            int mo = i * (k + 2);
            add(&t, P_WAGE_HOURLY, names[k], D(2021 + mo / 12, 1 + mo % 12, 1 + k), 5000 + k * 100 + i, ln++);
        }
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    int bad = 0;
    for (int k = -1; k < 5; k++) {
        int32_t c = k < 0 ? PARAM_STATEWIDE : param_county(&t, names[k], 2);
        for (cal_date d = D(2019, 12, 1); d <= D(2031, 1, 1); d += 3) {
            /* linear scan: latest county row <= d, else latest statewide row <= d */
            const param_row *best = NULL;
            for (int pass = 0; pass < 2 && !best; pass++) {
                int32_t scope = pass == 0 ? c : PARAM_STATEWIDE;
                if (pass == 0 && c < 0)
                    continue;
                for (size_t i = 0; i < t.n; i++)
                    if (t.rows[i].id == P_WAGE_HOURLY && t.rows[i].county == scope && t.rows[i].from <= d &&
                        (!best || t.rows[i].from > best->from))
                        best = &t.rows[i];
            }
            bad += param_in_force(&t, P_WAGE_HOURLY, c, d) != best;
        }
    }
    ASSERT_I64(bad, 0);
    param_free(&t);
}

int test_param_register(void)
{
    static const tu_test tests[] = {
        {"param_in_force: county over statewide, boundaries", test_in_force},
        {"param_county", test_county},
        {"parameter names and types", test_names},
        {"param_finish rejects duplicates", test_duplicate},
        {"param_finish rejects a county without wage.hourly", test_unknown_county_scope},
        {"param_add copies the scale", test_scale_copied},
        {"param_in_force vs a linear scan", test_many_rows},
    };
    return tu_register("param", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
