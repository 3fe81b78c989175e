/* test_param.c — CUnit suite for effective-dated, county-scoped parameters (engine/param.h). */
#include <CUnit/CUnit.h>
#include <malloc.h>    /* malloc_usable_size: the room param_finish gave county_known */
#include <stdio.h>
#include <string.h>

#include "field.h"
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

/* The first row in order is itself of an unknown county: a file with no wage.hourly row
 * at all, only kern's overtime.multiplier. The check of the scopes starts at row 0. */
static void test_unknown_county_first_row(void)
{
    param_table t;
    int32_t line = -99;
    char msg[300] = "";
    memset(&t, 0, sizeof t);
    add(&t, P_OVERTIME_MULTIPLIER, "kern", D(2026, 1, 1), 1500000, 2);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);
    ASSERT_I64(line, 2);    /* the only row, kern's, on line 2 */
    ASSERT_STR(msg, "scope: county kern has no wage.hourly row, so it is not a known county");
    param_free(&t);
}

/* The unknown county is county 0 (interned first, by line 2), its row sorted after the
 * statewide wage row of line 3: county 0 is a county like any other. */
static void test_unknown_county_zero(void)
{
    param_table t;
    int32_t line = -99;
    char msg[300] = "";
    memset(&t, 0, sizeof t);
    add(&t, P_UNION_HOURS_THRESHOLD, "kern", D(2026, 1, 1), 15 * 60, 2);
    add(&t, P_WAGE_HOURLY, NULL, D(2026, 1, 1), 1900, 3);
    ASSERT_I64(ids_find(&t.counties, "kern", 4), 0);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);
    ASSERT_I64(line, 2);
    ASSERT_STR(msg, "scope: county kern has no wage.hourly row, so it is not a known county");
    param_free(&t);
}

/* A county named in the file but without a wage.hourly row is not known to param_county
 * (param.h: "Index of a known county (one with a wage.hourly row), or -1"), though it
 * has an index in the counties table. */
static void test_county_without_wage_unknown(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    build(&t);
    add(&t, P_UNION_HOURS_THRESHOLD, "kern", D(2026, 1, 1), 15 * 60, 11);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), -1);     /* refused, as above */
    CU_ASSERT(ids_find(&t.counties, "kern", 4) >= 0);             /* interned by its row */
    ASSERT_I64(param_county(&t, "kern", 4), -1);
    CU_ASSERT(param_county(&t, "alameda", 7) >= 0);               /* has wage rows: known */
    param_free(&t);
}

/* 24 counties, each with a wage row: all known, and county_known has counties.n + 1
 * bytes (mastersnap.c saves that many of it). 24 because glibc's smallest chunk holds 24
 * bytes and the next 40: 25 bytes asked get 40, while 24 (n) or none (size 0) get 24. */
static void test_county_known_room(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    char code[16];
    memset(&t, 0, sizeof t);
    for (int k = 0; k < 24; k++) {
        snprintf(code, sizeof code, "c%02d", k);
        add(&t, P_WAGE_HOURLY, code, D(2026, 1, 1), 1600 + k, 2 + k);
    }
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    ASSERT_I64(t.counties.n, 24);
    CU_ASSERT(malloc_usable_size(t.county_known) >= 25);     /* counties.n + 1 */
    int bad = 0;
    for (int k = 0; k < 24; k++) {
        snprintf(code, sizeof code, "c%02d", k);
        bad += param_county(&t, code, 3) != k;                 /* interned in order: index k */
    }
    ASSERT_I64(bad, 0);
    param_free(&t);
}

/* Adds a statewide union.dues_scale row with scale s. */
static void add_scale(param_table *t, cal_date from, const param_scale *s, int32_t line)
{
    param_row r = {.id = P_UNION_DUES_SCALE, .county = PARAM_STATEWIDE, .from = from, .present = 1, .scale = -1,
                   .line = line};
    CU_ASSERT_EQUAL_FATAL(param_add(t, &r, s, "dues", 4), 0);
}

/* 20 dues scales, more than the first 8 the scale array holds: each row keeps its own,
 * and the array grew to hold them all. */
static void test_many_scales(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    memset(&t, 0, sizeof t);
    add(&t, P_WAGE_HOURLY, NULL, D(2020, 1, 1), 1600, 2);
    for (int k = 0; k < 20; k++) {
        /* row k from 2021 + k on: one bracket, from 0:00, of 10.00 + k cents */
        param_scale s = {.n = 1, .from_minutes = {0}, .amount = {1000 + k}};
        add_scale(&t, D(2021 + k, 1, 1), &s, 3 + k);
    }
    ASSERT_I64(t.nscales, 20);
    CU_ASSERT(t.scales_cap >= t.nscales);
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    int bad = 0;
    for (int k = 0; k < 20; k++) {
        const param_row *r = param_in_force(&t, P_UNION_DUES_SCALE, PARAM_STATEWIDE, D(2021 + k, 6, 1));
        /* mid-year 2021 + k: row k in force, its scale's one bracket 10.00 + k cents */
        bad += !r || r->line != 3 + k || param_scale_amount(param_scale_of(&t, r), 0) != 1000 + k;
    }
    ASSERT_I64(bad, 0);
    param_free(&t);
}

/* A table with one statewide scale of three brackets, 0:00=10.30; 25:01=15.90; 50:00=20.00. */
static const param_row *three_brackets(param_table *t)
{
    int32_t line;
    char msg[300];
    param_scale s = {.n = 3, .from_minutes = {0, 25 * 60 + 1, 50 * 60}, .amount = {1030, 1590, 2000}};
    memset(t, 0, sizeof *t);
    add(t, P_WAGE_HOURLY, NULL, D(2025, 1, 1), 1600, 2);
    add_scale(t, D(2025, 1, 1), &s, 3);
    CU_ASSERT_EQUAL_FATAL(param_finish(t, &line, msg, sizeof msg), 0);
    return param_in_force(t, P_UNION_DUES_SCALE, PARAM_STATEWIDE, D(2026, 11, 1));
}

/* Each bracket follows the one before: the third starts after the first two. */
static void test_format_three_brackets(void)
{
    param_table t;
    char out[80];
    const param_row *r = three_brackets(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    param_format_value(&t, r, out, sizeof out);
    /* as in parameters.csv: H:MM=amount, "; " between: 1501 minutes is 25:01, 3000 is 50:00 */
    ASSERT_STR(out, "0:00=10.30; 25:01=15.90; 50:00=20.00");
    param_free(&t);
}

/* param_format_value writes only into out[0..n): the byte before out is left alone. */
static void test_format_stays_in_out(void)
{
    param_table t;
    char buf[81];
    const param_row *r = three_brackets(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    memset(buf, '#', sizeof buf);
    param_format_value(&t, r, buf + 1, sizeof buf - 1);
    ASSERT_I64(buf[0], '#');
    ASSERT_STR(buf + 1, "0:00=10.30; 25:01=15.90; 50:00=20.00");
    param_free(&t);
}

/* The eleven table values of SPEC-withholding A.2 (2026), as in parameters.csv. */
static const struct {
    param_id id;
    const char *value;
} a2_tables[] = {
    {P_FIT_SCHEDULE_SINGLE,
     "0=0+0; 7500=0+0.10; 19900=1240+0.12; 57900=5800+0.22; 113200=17966+0.24; 209275=41024+0.32; "
     "263725=58448+0.35; 648100=192979.25+0.37"},
    {P_FIT_SCHEDULE_MARRIED,
     "0=0+0; 19300=0+0.10; 44100=2480+0.12; 120100=11600+0.22; 230700=35932+0.24; 422850=82048+0.32; "
     "531750=116896+0.35; 788000=206583.50+0.37"},
    {P_FIT_SCHEDULE_HEAD,
     "0=0+0; 15550=0+0.10; 33250=1770+0.12; 83000=7740+0.22; 121250=16155+0.24; 217300=39207+0.32; "
     "271750=56631+0.35; 656150=191171+0.37"},
    {P_FIT_SCHEDULE_STEP2_SINGLE,
     "0=0+0; 8050=0+0.10; 14250=620+0.12; 33250=2900+0.22; 60900=8983+0.24; 108938=20512+0.32; "
     "136163=29224+0.35; 328350=96489.63+0.37"},
    {P_FIT_SCHEDULE_STEP2_MARRIED,
     "0=0+0; 16100=0+0.10; 28500=1240+0.12; 66500=5800+0.22; 121800=17966+0.24; 217875=41024+0.32; "
     "272325=58448+0.35; 400450=103291.75+0.37"},
    {P_FIT_SCHEDULE_STEP2_HEAD,
     "0=0+0; 12075=0+0.10; 20925=885+0.12; 45800=3870+0.22; 64925=8077.50+0.24; 112950=19603.50+0.32; "
     "140175=28315.50+0.35; 332375=95585.50+0.37"},
    {P_SIT_ESTIMATED_DEDUCTION,
     "1=42; 2=83; 3=125; 4=167; 5=208; 6=250; 7=292; 8=333; 9=375; 10=417"},
    {P_SIT_EXEMPTION_ALLOWANCE,
     "1=7.01; 2=14.03; 3=21.04; 4=28.05; 5=35.06; 6=42.08; 7=49.09; 8=56.10; 9=63.11; 10=70.13"},
    {P_SIT_SCHEDULE_SINGLE,
     "0=0+0.011; 462=5.08+0.022; 1094=18.98+0.044; 1727=46.83+0.066; 2398=91.12+0.088; "
     "3030=146.74+0.1023; 15478=1420.17+0.1133; 18574=1770.95+0.1243; 30956=3310.03+0.1353; "
     "41667=4759.23+0.1463"},
    {P_SIT_SCHEDULE_MARRIED,
     "0=0+0.011; 924=10.16+0.022; 2188=37.97+0.044; 3454=93.67+0.066; 4796=182.24+0.088; "
     "6060=293.47+0.1023; 30956=2840.33+0.1133; 37148=3541.88+0.1243; 41667=4103.59+0.1353; "
     "61913=6842.87+0.1463"},
    {P_SIT_SCHEDULE_HEAD,
     "0=0+0.011; 924=10.16+0.022; 2189=37.99+0.044; 2822=65.84+0.066; 3492=110.06+0.088; "
     "4125=165.76+0.1023; 21050=1897.19+0.1133; 25260=2374.18+0.1243; 41667=4413.57+0.1353; "
     "42101=4472.29+0.1463"},
};

/* Parses value as param_type_of(id) reads it: 0, or -1 when refused. */
static int parse_table(param_id id, const char *value, param_scale *s)
{
    const char *e = param_type_of(id) == PT_TAX_TABLE ? fld_tax_table(value, strlen(value), s)
                                                      : fld_allowance_table(value, strlen(value), s);
    return e ? -1 : 0;
}

/* The members of two table scales are the same (member by member: padding may differ). */
static int same_table(const param_scale *a, const param_scale *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < PARAM_SCALE_MAX; i++)
        if (a->from_minutes[i] != b->from_minutes[i] || a->amount[i] != b->amount[i] ||
            a->threshold[i] != b->threshold[i] || a->rate[i] != b->rate[i])
            return 0;
    return 1;
}

/* Each A.2 table goes into the table as load.c puts it there; param_format_value writes it
 * back in a form that parses to the same rows, and formatting that again gives the same text;
 * it writes nothing before its buffer (the byte before out stays '#': a tax or allowance
 * table's out[-1] once went unseen). */
static void test_format_tables_round_trip(void)
{
    param_table t;
    int32_t line;
    char msg[300];
    size_t n = sizeof a2_tables / sizeof a2_tables[0];
    memset(&t, 0, sizeof t);
    add(&t, P_WAGE_HOURLY, NULL, D(2025, 1, 1), 1600, 2);
    for (size_t k = 0; k < n; k++) {
        param_scale s;
        CU_ASSERT_EQUAL_FATAL(parse_table(a2_tables[k].id, a2_tables[k].value, &s), 0);
        param_row r = {.id = a2_tables[k].id, .county = PARAM_STATEWIDE, .from = D(2026, 1, 1), .present = 1,
                       .scale = -1, .line = 3 + (int32_t)k};
        CU_ASSERT_EQUAL_FATAL(param_add(&t, &r, &s, "A.2", 3), 0);
    }
    CU_ASSERT_EQUAL_FATAL(param_finish(&t, &line, msg, sizeof msg), 0);
    int bad = 0;
    for (size_t k = 0; k < n; k++) {
        char guarded[1 + 1024], again[1024], *out = guarded + 1;
        param_scale first, second;
        const param_row *r = param_in_force(&t, a2_tables[k].id, PARAM_STATEWIDE, D(2026, 3, 10));
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        parse_table(a2_tables[k].id, a2_tables[k].value, &first);
        guarded[0] = '#';
        param_format_value(&t, r, out, sizeof guarded - 1);
        bad += guarded[0] != '#';
        if (parse_table(a2_tables[k].id, out, &second) != 0 || !same_table(&first, &second) ||
            !same_table(&first, param_scale_of(&t, r))) {
            printf("\n    %s: written as [%s], which does not read back the same", param_name(a2_tables[k].id), out);
            bad++;
            continue;
        }
        /* the written form is stable */
        param_table t2;
        memset(&t2, 0, sizeof t2);
        param_row r2 = *r;
        r2.scale = -1;
        CU_ASSERT_EQUAL_FATAL(param_add(&t2, &r2, &second, "A.2", 3), 0);
        param_format_value(&t2, &t2.rows[0], again, sizeof again);
        bad += strcmp(out, again) != 0;
        param_free(&t2);
    }
    ASSERT_I64(bad, 0);

    /* the written form, by hand: amounts with 2 decimals, rates without trailing zeros */
    char out[1024];
    param_format_value(&t, param_in_force(&t, P_FIT_SCHEDULE_STEP2_HEAD, PARAM_STATEWIDE, D(2026, 3, 10)), out,
                       sizeof out);
    ASSERT_STR(out, "0.00=0.00+0; 12075.00=0.00+0.1; 20925.00=885.00+0.12; 45800.00=3870.00+0.22; "
                    "64925.00=8077.50+0.24; 112950.00=19603.50+0.32; 140175.00=28315.50+0.35; "
                    "332375.00=95585.50+0.37");
    param_format_value(&t, param_in_force(&t, P_SIT_SCHEDULE_HEAD, PARAM_STATEWIDE, D(2026, 3, 10)), out, sizeof out);
    ASSERT_STR(out, "0.00=0.00+0.011; 924.00=10.16+0.022; 2189.00=37.99+0.044; 2822.00=65.84+0.066; "
                    "3492.00=110.06+0.088; 4125.00=165.76+0.1023; 21050.00=1897.19+0.1133; "
                    "25260.00=2374.18+0.1243; 41667.00=4413.57+0.1353; 42101.00=4472.29+0.1463");
    param_format_value(&t, param_in_force(&t, P_SIT_EXEMPTION_ALLOWANCE, PARAM_STATEWIDE, D(2026, 3, 10)), out,
                       sizeof out);
    ASSERT_STR(out, "1=7.01; 2=14.03; 3=21.04; 4=28.05; 5=35.06; 6=42.08; 7=49.09; 8=56.10; 9=63.11; 10=70.13");
    param_format_value(&t, param_in_force(&t, P_SIT_ESTIMATED_DEDUCTION, PARAM_STATEWIDE, D(2026, 3, 10)), out,
                       sizeof out);
    ASSERT_STR(out, "1=42.00; 2=83.00; 3=125.00; 4=167.00; 5=208.00; 6=250.00; 7=292.00; 8=333.00; 9=375.00; "
                    "10=417.00");
    param_free(&t);

    /* the A.2 example itself */
    param_scale s;
    memset(&t, 0, sizeof t);
    CU_ASSERT_EQUAL_FATAL(parse_table(P_FIT_SCHEDULE_SINGLE, "0=0+0; 7500=0+0.10; 19900=1240+0.12", &s), 0);
    param_row r = {.id = P_FIT_SCHEDULE_SINGLE, .county = PARAM_STATEWIDE, .from = D(2026, 1, 1), .present = 1,
                   .scale = -1, .line = 2};
    CU_ASSERT_EQUAL_FATAL(param_add(&t, &r, &s, "A.2", 3), 0);
    param_format_value(&t, &t.rows[0], out, sizeof out);
    ASSERT_STR(out, "0.00=0.00+0; 7500.00=0.00+0.1; 19900.00=1240.00+0.12");
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
        {"param_finish: the first row's county is checked", test_unknown_county_first_row},
        {"param_finish: county 0 is checked", test_unknown_county_zero},
        {"param_county: no wage.hourly row, not known", test_county_without_wage_unknown},
        {"param_finish: county_known has counties.n + 1 bytes", test_county_known_room},
        {"param_add: more scales than the first array holds", test_many_scales},
        {"param_format_value: a scale of three brackets", test_format_three_brackets},
        {"param_format_value: writes only into out", test_format_stays_in_out},
        {"param_format_value: the A.2 tax and allowance tables round-trip", test_format_tables_round_trip},
    };
    return tu_register("param", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
