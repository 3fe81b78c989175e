/* test_steps.c — the rule steps of docs/rules.md §5 and the deductions of §5.14 one by
 * one, on the small masters of test_fx.c (who is who is written there): the explanation
 * of each step (payrun explain), the ESP history, the limits of the period index, of a
 * rate and of the run's totals. Every expected number is a hand calculation written
 * beside it. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fx.h"
#include "test_util.h"

#define H FXT_H
#define D FXT_D

/* rules_process on s, which must fail: returns e->err. */
static const char *process_fatal(fxt *f, const sheet *s)
{
    rules_result r;
    memset(&r, 0, sizeof r);
    int rc = rules_process(&f->e, s, &r);
    CU_ASSERT_EQUAL(rc, RULES_FATAL);
    CU_ASSERT_EQUAL(r.paid, 0);
    CU_ASSERT_EQUAL(f->e.out_of_memory, 0);
    return f->e.err;
}

/* ---- §5.6 ESP: the history of a recipient's registration, and the explanation ---- */

/* An electronic timesheet of 1:00 of PO for rcp, period start, signed and received on
 * `signed_on`. */
static sheet esp_sheet(const char *id, const char *rcp, cal_date start, cal_date signed_on)
{
    static const int32_t one[1] = {H(1, 0)};
    sheet s = fxt_sheet(id, "PO", rcp, start, KIND_REGULAR, signed_on, one, 1);
    s.channel = CHANNEL_ELECTRONIC;
    return s;
}

/* RE: inactive from 2026-10-01, inactive again on 2026-10-15 (recipients.csv), active
 * from 2026-11-10, active again on 2026-11-12, inactive from 2026-11-20. */
static void test_esp_history(void)
{
    fxt f;
    fxt_trace t;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    fxt_trace_into(&f, &t);
    /* signed 2026-11-16: the last change on or before it is 11-12 (active), the run of
     * active changes starts 11-10: active since 2026-11-10, paid */
    sheet s = esp_sheet("E-1", "RE", D(2026, 11, 1), D(2026, 11, 16));
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_CONTAINS(t.text, "(test:2): provider PO, recipient RE, regular electronic timesheet for 2026-11-01 to "
                            "2026-11-15");
    ASSERT_CONTAINS(t.text, "6. channel electronic; recipient's ESP registration history:\n"
                            "   inactive from 2026-10-01 (esp_history.csv line 2)\n"
                            "   inactive from 2026-10-15 (recipients.csv line 3, esp_inactivated_on; already "
                            "inactive: no change)\n"
                            "   active from 2026-11-10 (esp_history.csv line 3)\n"
                            "   active from 2026-11-12 (esp_history.csv line 4; already active: no change)\n"
                            "   inactive from 2026-11-20 (esp_history.csv line 5)\n"
                            "   on the recipient's signature date 2026-11-16: active since 2026-11-10\n");
    /* signed 2026-11-20, the day of the inactivation: inactive since 2026-11-20, refused */
    fxt_trace_into(&f, &t);
    s = esp_sheet("E-2", "RE", D(2026, 11, 1), D(2026, 11, 20));
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 0);
    ASSERT_I64(r.ex[0].code, EX_ESP_INACTIVE);
    ASSERT_STR(r.ex[0].message, "recipient's ESP account was inactivated on 2026-11-20 and was inactive when the "
                                "recipient signed on 2026-11-20: a replacement paper timesheet must be sent");
    ASSERT_CONTAINS(t.text, "   on the recipient's signature date 2026-11-20: inactive since 2026-11-20\n");
    /* the same refusal explained: the exception line follows */
    ASSERT_CONTAINS(t.text, "  => ESP_INACTIVE (");
    /* RF has no history at all: active */
    fxt_trace_into(&f, &t);
    s = esp_sheet("E-3", "RF", D(2026, 11, 1), D(2026, 11, 16));
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_CONTAINS(t.text, "6. channel electronic: recipient's ESP account active on the recipient's signature "
                            "date 2026-11-16 (no inactivation on record)\n");
    /* RG was only ever activated (2026-10-01): an account is active before its first
     * change, so that activation changes nothing; active, never inactivated before */
    fxt_trace_into(&f, &t);
    s = esp_sheet("E-4", "RG", D(2026, 11, 1), D(2026, 11, 16));
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_CONTAINS(t.text, "   active from 2026-10-01 (esp_history.csv line 6; already active: no change)\n"
                            "   on the recipient's signature date 2026-11-16: active (not inactivated before)\n");
    /* not tracing: RE signed 2026-11-30, after the inactivation of 2026-11-20: refused */
    f.e.tracing = 0;
    s = esp_sheet("E-5", "RE", D(2026, 11, 16), D(2026, 12, 1));
    s.recipient_signed_on = D(2026, 11, 30);
    s.provider_signed_on = D(2026, 11, 30);
    fxt_process(&f, &s, &r);
    ASSERT_I64(r.ex[0].code, EX_ESP_INACTIVE);      /* 11-30 is after 11-20: inactive */
    fxt_close(&f);
}

/* ---- the explanation of steps that the other suites do not trace ---- */

/* A special timesheet, a writ and a multi-recipient week over its limit, traced. */
static void test_trace_kinds(void)
{
    fxt f;
    fxt_trace t;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    fxt_trace_into(&f, &t);
    int32_t one[1] = {H(1, 0)};
    sheet s = fxt_sheet("S-1", "PO", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), one, 1);
    fxt_process(&f, &s, &r);
    ASSERT_CONTAINS(t.text, "7. not a duplicate: timesheet id not paid before (special and writ may pay a period "
                            "again)\n");
    /* the writ W-1: 10:00 regular at 16.00 and 2:00 overtime at 24.00, as its worksheet
     * says: 160.00 + 48.00 = 208.00 */
    int32_t w[2] = {H(10, 0), H(2, 0)};
    s = fxt_sheet("W-1", "PO", "RA", D(2026, 11, 16), KIND_WRIT, D(2026, 12, 1), w, 2);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 20800);
    ASSERT_CONTAINS(t.text, "8. writ of mandamus SR-1 (reason court_order): paid as the worksheet says, 10:00 "
                            "regular at 16.00 and 2:00 overtime at 24.00;");
    /* PO has the special's 1:00 for RA in the week of 2026-11-01 (the writ's days are in
     * the week of 2026-11-15); 65:01 for RS on 2026-11-01..07 makes the week
     * multi-recipient: 10:00 x 6 + 5:01 = 65:01 */
    int32_t d[7] = {H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(5, 1)};     /* 65:01 */
    s = fxt_sheet("M-1", "PO", "RS", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 7);
    fxt_process(&f, &s, &r);
    /* 1:00 + 65:01 = 66:01 for more than one recipient, limit 66:00: 0:01 over */
    const rules_exception *x = fxt_find_ex(&r, EX_WORKWEEK_LIMIT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    ASSERT_I64(x->minutes, 1);
    ASSERT_CONTAINS(t.text, "12. week of 2026-11-01: provider 66:01 for more than one recipient, limit 66:00 "
                            "(multi-recipient weekly maximum): over\n");
    /* the exception, explained as it is raised */
    ASSERT_CONTAINS(t.text, "  => WORKWEEK_LIMIT (warning, 0:01): week of 2026-11-01: 66:01 worked for more than one "
                            "recipient");
    /* the parameter is explained once for the timesheet, though looked up for each of its
     * weeks (only one here) and in force statewide */
    const char *p = strstr(t.text, "parameter workweek.multi_recipient_max");
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_PTR_NULL(p ? strstr(p + 1, "parameter workweek.multi_recipient_max") : "");
    fxt_close(&f);
}

/* A parameter looked up twice in one traced timesheet is explained once: PX (workweek
 * exemption) with hours in two weeks looks up workweek.exemption_max for each. An
 * absent sdi.wage_ceiling is explained as "none". Tracing with no trace function set
 * writes nothing and changes nothing. */
static void test_trace_params_once(void)
{
    fxt f;
    fxt_trace t;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    fxt_trace_into(&f, &t);
    /* 20:00 on 2026-11-07 (a Saturday) and 20:00 on 2026-11-08 (a Sunday): two workweeks,
     * each under the 40:00 threshold; 600.00 is not over the quarter's 750.00: no SDI */
    int32_t d[8] = {0, 0, 0, 0, 0, 0, H(20, 0), H(20, 0)};
    sheet s = fxt_sheet("P-1", "PX", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 8);
    fxt_process(&f, &s, &r);
    /* 20:00 each week: both regular; 40:00 x 15.00 = 600.00 */
    ASSERT_I64(r.paycheck.regular_minutes, H(40, 0));
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 60000);
    const char *p = strstr(t.text, "parameter workweek.exemption_max = 90:00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NULL(strstr(p + 1, "parameter workweek.exemption_max"));
    ASSERT_CONTAINS(t.text, "12. week of 2026-11-01: provider 20:00 for 1 recipient, limit 90:00 (workweek "
                            "exemption): within\n");
    ASSERT_CONTAINS(t.text, "12. week of 2026-11-08: provider 20:00 for 1 recipient, limit 90:00 (workweek "
                            "exemption): within\n");
    fxt_trace_into(&f, &t);
    /* 60:00 for RS on 2026-11-08..13 (10:00 a day), the week of 2026-11-08: 80:00 in all,
     * within the exemption's 90:00 */
    int32_t e[15] = {0, 0, 0, 0, 0, 0, 0, H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0)};
    s = fxt_sheet("P-2", "PX", "RS", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), e, 15);
    fxt_process(&f, &s, &r);
    /* week of 2026-11-08: 20:00 before, 60:00 now: 20:00 regular (to 40:00), 40:00 overtime:
     * 20:00 x 15.00 = 300.00; 40:00 x 22.50 = 900.00; gross 1200.00. The quarter's wages
     * 600.00 + 1200.00 = 1800.00 cross 750.00: SDI 0.01 x 1800.00 = 18.00 */
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 120000);
    ASSERT_I64(r.paycheck.amount[AMT_SDI], 1800);
    ASSERT_CONTAINS(t.text, "  parameter sdi.wage_ceiling = none (statewide, looked up on 2026-12-04;");
    /* a third: 1:00 = 15.00 more, past the threshold: only this gross, 0.01 x 15.00 = 0.15 */
    fxt_trace_into(&f, &t);
    int32_t one[1] = {H(1, 0)};
    s = fxt_sheet("P-3", "PX", "RA", D(2026, 11, 16), KIND_REGULAR, D(2026, 12, 1), one, 1);
    fxt_process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_SDI], 15);
    ASSERT_CONTAINS(t.text, "14.3 sdi: quarter wages before 1800.00; base 15.00; round(0.01 x 15.00) = 0.15; "
                            "taken 0.15\n");
    /* tracing without a trace function: nothing written anywhere, the same pay (1:00 at
     * 15.00, regular: PX's week of 2026-11-15 has 1:00 before it) */
    f.e.trace = NULL;
    t.len = 0;
    t.text[0] = '\0';
    s = fxt_sheet("P-4", "PX", "RA", D(2026, 11, 16), KIND_SUPPLEMENTAL, D(2026, 12, 1), one, 1);
    fxt_process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 1500);
    ASSERT_STR(t.text, "");
    fxt_close(&f);
}

/* FICA of a spouse, explained; deductions of a paycheck with a negative gross (a
 * correction through deduct_apply) take nothing. */
static void test_spouse_and_negative_gross(void)
{
    fxt f;
    fxt_trace t;
    rules_paycheck pc;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    fxt_trace_into(&f, &t);
    /* PS is RA's spouse: no FICA; no SDI (a spouse without the election) */
    ASSERT_I64(fxt_deduct(&f, "PS", "RA", 10000, &pc), 0);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 0);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 0);
    ASSERT_I64(pc.amount[AMT_NET], 10000);
    ASSERT_CONTAINS(t.text, "14.1-2 FICA: exempt (the provider is the recipient's spouse)\n");
    ASSERT_CONTAINS(t.text, "14.3 sdi: exempt (family provider without elective SDI");
    /* -100.00: ss 0.062 x -100.00 = -6.20, but nothing is taken below 0: 0.00 each;
     * net -100.00 */
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", -10000, &pc), 0);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 0);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 0);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    ASSERT_I64(pc.amount[AMT_NET], -10000);
    fxt_close(&f);
}

/* ---- what the engine cannot hold: a fatal error, never a wrong number ---- */

/* The provider's FICA wages of the year and SDI wages of the quarter at the top of
 * int64 cents: the last cent that fits is taken, one more is a fatal error. */
static void test_wage_counters_overflow(void)
{
    fxt f;
    rules_paycheck pc;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2);
    ledger_provider_year *py = ledger_get(&f.lg.provider_year, ledger_key(po, 2026));
    CU_ASSERT_PTR_NOT_NULL_FATAL(py);
    py->fica_wages = INT64_MAX - 100;
    /* 1.00 more: INT64_MAX - 100 + 100 = INT64_MAX, fits */
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", 100, &pc), 0);
    ASSERT_I64(py->fica_wages, INT64_MAX);
    /* 0.01 more does not */
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", 1, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, "FICA wages of the year overflows");
    fxt_close(&f);

    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    po = ids_find(&f.m.provider_ids, "PO", 2);
    ledger_provider_quarter *pq = ledger_get(&f.lg.provider_quarter, ledger_key(po, cal_quarter_key(D(2026, 11, 20))));
    CU_ASSERT_PTR_NOT_NULL_FATAL(pq);
    pq->sdi_subject = INT64_MAX - 100;
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", 101, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, "SDI wages of the quarter overflows");
    fxt_close(&f);
}

/* The run's totals at the top of int64 cents: a paycheck that takes gross past it stops
 * the run; one that reaches it exactly does not. 1:00 at 15.00 = 15.00 gross. */
static void test_run_totals_overflow(void)
{
    fxt f;
    rules_result r;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    f.e.totals.amount[AMT_GROSS] = INT64_MAX - 1500;
    sheet s = fxt_sheet("G-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    fxt_process(&f, &s, &r);
    ASSERT_I64(f.e.totals.amount[AMT_GROSS], INT64_MAX);
    s = fxt_sheet("G-2", "PO", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), one, 1);
    rules_result r2;
    memset(&r2, 0, sizeof r2);
    ASSERT_I64(rules_process(&f.e, &s, &r2), RULES_FATAL);
    ASSERT_STR(f.e.err, "run total of gross overflows");
    fxt_close(&f);
}

/* The paid-period index holds periods up to August 2730 (period number 2 x (2730 x 12 +
 * 7) + 1 = 65535 < 2^16 for 2730-08-16); 2730-09-01 is period 65536: a fatal error. */
static void test_period_index_limit(void)
{
    const fxt_file auth = {"authorizations.csv", "recipient_id,month,authorized_hours,share_of_cost,"
                                                 "soc_met_by_medical,medi_cal_eligible\n"
                                                 "RA,2730-08,283:00,0,0,y\nRA,2730-09,283:00,0,0,y\n"};
    fxt f;
    rules_result r;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, &auth, 1, D(2730, 10, 1));
    sheet s = fxt_sheet("L-1", "PO", "RA", D(2730, 8, 16), KIND_REGULAR, D(2730, 9, 1), one, 1);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    s = fxt_sheet("L-2", "PO", "RA", D(2730, 9, 1), KIND_REGULAR, D(2730, 9, 16), one, 1);
    ASSERT_STR(process_fatal(&f, &s), "too many providers or recipients, or a period after August 2730, for the "
                                      "period index");
    /* a special timesheet does not look its period up: paid */
    s = fxt_sheet("L-3", "PO", "RA", D(2730, 9, 1), KIND_SUPPLEMENTAL, D(2730, 9, 16), one, 1);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    fxt_close(&f);
}

/* A wage, a differential or an overtime rate too large for a rate (10^-12 dollars an
 * hour in int64): 9,223,372.03 an hour is 922,337,203 x 10^10 = 9,223,372,030,000,000,000
 * <= 2^63 - 1 = 9,223,372,036,854,775,807; 9,223,372.04 is over. */
static void rate_case(const char *wage, const char *mult, const char *diff, const char *prov, const char *rcp,
                      const char *want)
{
    char params[4096];
    const char *base = fxt_default("parameters.csv");
    snprintf(params, sizeof params, "%swage.hourly,alameda,2026-01-01,%s,big\n"
             "overtime.multiplier,*,2026-01-01,%s,big\nbups.differential,*,2026-01-01,%s,big\n", base, wage, mult, diff);
    fxt_file over = {"parameters.csv", params};
    fxt f;
    rules_result r;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, &over, 1, D(2026, 11, 20));
    sheet s = fxt_sheet("R-1", prov, rcp, D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    if (want) {
        ASSERT_CONTAINS(process_fatal(&f, &s), want);
    } else {
        fxt_process(&f, &s, &r);
        /* 1:00 at the wage, 9,223,372.03 */
        ASSERT_I64(r.paycheck.amount[AMT_GROSS], 922337203);
    }
    fxt_close(&f);
}

static void test_rate_limits(void)
{
    rate_case("9223372.04", "1.5", "2.00", "PO", "RA", "wage.hourly of alameda too large for a rate");
    /* the largest wage is a rate; its overtime rate x 1.5 is not */
    rate_case("9223372.03", "1.5", "2.00", "PO", "RA", "overtime.multiplier: the overtime rate of alameda cannot be "
                                                       "kept exact (more than 12 decimals) or is too large");
    /* x 1: the largest wage is paid */
    rate_case("9223372.03", "1", "2.00", "PO", "RA", NULL);
    /* BUPS: the differential itself too large, or the wage plus it */
    rate_case("15.00", "1.5", "9223372.04", "PB", "RB", "bups.differential too large for a rate");
    rate_case("9223372.03", "1", "0.01", "PB", "RB", "bups.differential too large for a rate");
}

/* No wage in force on the period's start (the county's wage starts 2027-01-01). */
static void test_wage_not_in_force(void)
{
    char params[4096];
    const char *base = fxt_default("parameters.csv");
    const char *w = strstr(base, "wage.hourly,alameda,2020-01-01");
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    snprintf(params, sizeof params, "%.*swage.hourly,alameda,2027-01-01%s", (int)(w - base), base,
             w + strlen("wage.hourly,alameda,2020-01-01"));
    fxt_file over = {"parameters.csv", params};
    fxt f;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, &over, 1, D(2026, 11, 20));
    sheet s = fxt_sheet("N-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    ASSERT_STR(process_fatal(&f, &s), "parameters.csv: no value of wage.hourly in force for alameda on 2026-11-01");
    fxt_close(&f);
}

/* A pay date of 1970-01-01, day 0 of the calendar, whose statewide key is 0 like an
 * empty slot of the recent parameter sets: it is looked up (and nothing is in force
 * then), not taken for a set already found. */
static void test_pay_date_day_zero(void)
{
    fxt f;
    rules_paycheck pc;
    fxt_open(&f, NULL, 0, D(1970, 1, 1));
    ASSERT_I64(D(1970, 1, 1), 0);
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", 10000, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, "parameters.csv: no value of fica.ss_rate in force for the state (*) on 1970-01-01");
    /* tracing takes the slow path: the same error */
    f.e.tracing = 1;
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", 10000, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, "parameters.csv: no value of fica.ss_rate in force for the state (*) on 1970-01-01");
    fxt_close(&f);
}

/* rules_resolve_ids and rules_prefetch: a timesheet resolved in other masters (or not at
 * all) is looked up by name; unknown ids refuse it. */
static void test_resolve_and_prefetch(void)
{
    fxt f;
    rules_result r;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    sheet s = fxt_sheet("I-1", "PO", "RE", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    s.channel = CHANNEL_ELECTRONIC;
    rules_prefetch(&f.e, &s);           /* not resolved: only the paid ids */
    rules_resolve_ids(&f.m, &s);
    ASSERT_I64(s.provider_idx, ids_find(&f.m.provider_ids, "PO", 2));
    ASSERT_I64(s.recipient_idx, ids_find(&f.m.recipient_ids, "RE", 2));
    rules_prefetch(&f.e, &s);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);         /* RE signed 2026-11-16: active since 2026-11-10 */
    sheet u = fxt_sheet("I-2", "PZ", "RZ", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    rules_resolve_ids(&f.m, &u);
    ASSERT_I64(u.provider_idx, -1);
    ASSERT_I64(u.recipient_idx, -1);
    rules_prefetch(&f.e, &u);
    fxt_process(&f, &u, &r);
    ASSERT_I64(r.ex[0].code, EX_UNKNOWN_PROVIDER);
    fxt_close(&f);
}

/* The masters' look-ups with an index outside the masters find nothing; an
 * authorization of another month is not this month's. */
static void test_master_bounds(void)
{
    fxt f;
    size_t n = 99;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    int32_t nr = (int32_t)f.m.recipients.n, np = (int32_t)f.m.providers.n;
    CU_ASSERT_PTR_NULL(master_esp_history(&f.m, -1, &n));
    ASSERT_I64(n, 0);
    CU_ASSERT_PTR_NULL(master_esp_history(&f.m, nr, &n));
    CU_ASSERT_PTR_NULL(master_authorization_for(&f.m, -1, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NULL(master_authorization_for(&f.m, nr, cal_month_key_ymd(2026, 11)));
    int32_t rb = ids_find(&f.m.recipient_ids, "RB", 2);
    CU_ASSERT_PTR_NOT_NULL(master_authorization_for(&f.m, rb, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NULL(master_authorization_for(&f.m, rb, cal_month_key_ymd(2026, 10)));   /* before its only */
    CU_ASSERT_PTR_NULL(master_authorization_for(&f.m, rb, cal_month_key_ymd(2026, 12)));   /* after it */
    CU_ASSERT_PTR_NULL(master_pair_assignments(&f.m, -1, 0, &n));
    CU_ASSERT_PTR_NULL(master_pair_assignments(&f.m, np, 0, &n));
    ASSERT_I64(n, 0);
    CU_ASSERT_PTR_NULL(master_withholding_for(&f.m, -1, D(2026, 11, 20)));
    CU_ASSERT_PTR_NULL(master_withholding_for(&f.m, np, D(2026, 11, 20)));
    CU_ASSERT_PTR_NULL(master_withholding_for(&f.m, 0, D(2026, 11, 20)));   /* no withholding.csv: nobody */
    fxt_close(&f);
}

/* The withholding row in force (master_withholding_for), on masters built by hand: rows
 * pushed out of order for providers 0 and 2, none for 1, sorted by master_finish into
 * per-provider ranges; each row from its effective_from to the day before the next. Before
 * master_finish (no index) nothing is found; two rows of one provider and date are
 * refused on the one later in the file. */
static void test_withholding_lookup(void)
{
    static const struct {
        int32_t provider, line;
        int y, mo, d;
    } rows[] = {{2, 2, 2026, 3, 1}, {0, 3, 2026, 1, 1}, {2, 4, 2025, 1, 1}, {0, 5, 2026, 1, 16}, {2, 6, 2026, 3, 2}};
    masters m;
    const char *file;
    int32_t line;
    char msg[200];
    memset(&m, 0, sizeof m);
    for (int p = 0; p < 3; p++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(MASTER_PUSH(&m.providers));
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        master_withholding *w = MASTER_PUSH(&m.withholding);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        w->provider = rows[i].provider;
        w->line = rows[i].line;
        w->from = D(rows[i].y, rows[i].mo, rows[i].d);
    }
    CU_ASSERT_PTR_NULL(master_withholding_for(&m, 0, D(2026, 1, 1)));  /* not indexed yet */
    ASSERT_I64(master_finish(&m, &file, &line, msg, sizeof msg), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.wh_first);
    ASSERT_I64(m.wh_first[0], 0);
    ASSERT_I64(m.wh_first[1], 2);
    ASSERT_I64(m.wh_first[2], 2);
    ASSERT_I64(m.wh_first[3], 5);
#define WH_LINE(p, day) (master_withholding_for(&m, p, day) ? master_withholding_for(&m, p, day)->line : 0)
    ASSERT_I64(WH_LINE(0, D(2025, 12, 31)), 0);
    ASSERT_I64(WH_LINE(0, D(2026, 1, 1)), 3);
    ASSERT_I64(WH_LINE(0, D(2026, 1, 15)), 3);
    ASSERT_I64(WH_LINE(0, D(2026, 1, 16)), 5);
    ASSERT_I64(WH_LINE(0, D(2099, 12, 31)), 5);
    ASSERT_I64(WH_LINE(1, D(2026, 3, 1)), 0);      /* between two providers with rows: none of theirs */
    ASSERT_I64(WH_LINE(1, D(2099, 12, 31)), 0);
    ASSERT_I64(WH_LINE(2, D(2024, 12, 31)), 0);
    ASSERT_I64(WH_LINE(2, D(2025, 1, 1)), 4);
    ASSERT_I64(WH_LINE(2, D(2026, 2, 28)), 4);
    ASSERT_I64(WH_LINE(2, D(2026, 3, 1)), 2);
    ASSERT_I64(WH_LINE(2, D(2026, 3, 2)), 6);
    ASSERT_I64(WH_LINE(2, D(2099, 12, 31)), 6);
    ASSERT_I64(WH_LINE(-1, D(2026, 3, 2)), 0);
    ASSERT_I64(WH_LINE(3, D(2026, 3, 2)), 0);
#undef WH_LINE
    master_free(&m);

    /* provider 1's rows on 2026-02-01 at lines 7 and 4: line 7 is the second */
    memset(&m, 0, sizeof m);
    for (int p = 0; p < 2; p++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(MASTER_PUSH(&m.providers));
    static const int32_t dup_lines[3] = {7, 9, 4};
    for (int i = 0; i < 3; i++) {
        master_withholding *w = MASTER_PUSH(&m.withholding);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        *w = (master_withholding){.provider = 1, .line = dup_lines[i], .from = D(2026, 2, i == 1 ? 2 : 1)};
    }
    ASSERT_I64(master_finish(&m, &file, &line, msg, sizeof msg), -1);
    ASSERT_STR(file, "withholding.csv");
    ASSERT_I64(line, 7);
    ASSERT_STR(msg, "effective_from: second row for this provider and date");
    master_free(&m);
}

/* A parameter's value as explain writes it: the optional SDI ceiling set or not, a dues
 * scale cut to the room given. */
static void test_param_format(void)
{
    fxt f;
    char out[64];
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    param_row r;
    memset(&r, 0, sizeof r);
    r.id = P_SDI_WAGE_CEILING;
    r.value = 12345;
    r.present = 1;
    param_format_value(&f.m.params, &r, out, sizeof out);
    ASSERT_STR(out, "123.45");
    r.present = 0;
    param_format_value(&f.m.params, &r, out, sizeof out);
    ASSERT_STR(out, "none");
    const param_row *scale = param_in_force(&f.m.params, P_UNION_DUES_SCALE, -1, D(2026, 11, 1));
    CU_ASSERT_PTR_NOT_NULL_FATAL(scale);
    param_format_value(&f.m.params, scale, out, sizeof out);
    ASSERT_STR(out, "0:00=10.30; 25:01=15.90");
    /* 8 bytes: "0:00=10" and the end; the second bracket is not started */
    param_format_value(&f.m.params, scale, out, 8);
    ASSERT_STR(out, "0:00=10");
    fxt_close(&f);
}

/* Taxes that do not fit int64 cents: a rate of 1,000,000 (parameters.csv takes it) on
 * 10,000,000,000,000.00 of gross is 10^21 cents, over 2^63 - 1 ~ 9.22 x 10^18: a fatal
 * error, never a wrapped amount. The Medicare rate 0.6 and an additional rate 0.6 on
 * 90,000,000,000,000,000.00 = 9 x 10^18 cents (all but 200,000.00 above the threshold)
 * are about 5.4 x 10^18 cents each, which fit; their sum, about 1.08 x 10^19, does not. */
static void tax_overflow_case(const char *param, const char *value, const char *param2, const char *value2,
                              money_cents gross, const char *want)
{
    char params[4096];
    snprintf(params, sizeof params, "%s%s,*,2026-01-01,%s,big\n%s,*,2026-01-01,%s,big\n",
             fxt_default("parameters.csv"), param, value, param2, value2);
    fxt_file over = {"parameters.csv", params};
    fxt f;
    rules_paycheck pc;
    fxt_open(&f, &over, 1, D(2026, 11, 20));
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", gross, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, want);
    fxt_close(&f);
}

static void test_tax_overflow(void)
{
    const money_cents big = 1000000000000000LL;     /* 10,000,000,000,000.00 */
    /* the largest wage base parameters.csv takes, 9,999,999,999,999 (13 digits): the
     * social security wages are 999,999,999,999,900 cents, x 1,000,000 ~ 10^21 */
    tax_overflow_case("fica.ss_rate", "1000000", "fica.ss_wage_base", "9999999999999", big, "FICA overflows");
    tax_overflow_case("fica.medicare_rate", "1000000", "fica.ss_rate", "0.062", big, "FICA overflows");
    tax_overflow_case("fica.medicare_additional_rate", "1000000", "fica.medicare_additional_threshold", "0", big,
                      "FICA overflows");
    tax_overflow_case("fica.medicare_rate", "0.6", "fica.medicare_additional_rate", "0.6", 9000000000000000000LL,
                      "FICA overflows");
    /* SDI: FICA exempt is not enough (PO is "other"): FICA at 0 rates, SDI at 1,000,000 */
    char params[4096];
    snprintf(params, sizeof params, "%sfica.ss_rate,*,2026-01-01,0,big\nfica.medicare_rate,*,2026-01-01,0,big\n"
             "sdi.rate,*,2026-01-01,1000000,big\n", fxt_default("parameters.csv"));
    fxt_file over = {"parameters.csv", params};
    fxt f;
    rules_paycheck pc;
    fxt_open(&f, &over, 1, D(2026, 11, 20));
    ASSERT_I64(fxt_deduct(&f, "PO", "RA", big, &pc), RULES_FATAL);
    ASSERT_STR(f.e.err, "SDI overflows");
    fxt_close(&f);
}

/* Masters with nothing loaded (no index built): every look-up finds nothing; parameters
 * without rows can be finished. */
static void test_empty_masters_and_counties(void)
{
    masters m;
    size_t n = 99;
    memset(&m, 0, sizeof m);
    CU_ASSERT_PTR_NULL(master_esp_history(&m, 0, &n));
    CU_ASSERT_PTR_NULL(master_authorization_for(&m, 0, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NULL(master_pair_assignments(&m, 0, 0, &n));
    CU_ASSERT_PTR_NULL(master_withholding_for(&m, 0, D(2026, 11, 1)));
    param_table t;
    int32_t line;
    char msg[100];
    memset(&t, 0, sizeof t);
    ASSERT_I64(param_finish(&t, &line, msg, sizeof msg), 0);    /* no rows at all */
    param_free(&t);
    fxt f;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    /* the ledger's ids: a provider of the masters is its own index */
    ASSERT_I64(ledger_ids_add(&f.lg.providers, "PO", 2), ids_find(&f.m.provider_ids, "PO", 2));
    fxt_close(&f);
}

/* Overpayment recovery: a paycheck with nothing left takes nothing and touches no
 * overpayment (no ledger record, nothing explained); what is recovered is kept under the
 * key (overpayment, 0), the key the text checkpoint writes and reads back. */
static void test_recovery_records(void)
{
    fxt f;
    fxt_trace t;
    rules_paycheck pc;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    fxt_trace_into(&f, &t);
    int32_t op1 = ids_find(&f.m.overpayment_ids, "OP1", 3);
    CU_ASSERT_FATAL(op1 >= 0);
    /* PR's gross 0.00: nothing left for OP1 */
    ASSERT_I64(fxt_deduct(&f, "PR", "RA", 0, &pc), 0);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 0);
    CU_ASSERT_PTR_NULL(strstr(t.text, "14.6 overpayment"));
    CU_ASSERT_PTR_NULL(ledger_peek(&f.lg.recovered, ledger_key(op1, 0)));
    /* 100.00: ss 6.20, medicare 1.45, no SDI (100.00 in the quarter): 92.35 left; OP1
     * (25.00, at most 10.00 a paycheck): 10.00 */
    ASSERT_I64(fxt_deduct(&f, "PR", "RA", 10000, &pc), 0);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 1000);
    const money_cents *rec = ledger_peek(&f.lg.recovered, ledger_key(op1, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    ASSERT_I64(*rec, 1000);
    fxt_close(&f);
}

/* Step 14.6 alone on an adjustment paycheck (payrun correct): OP1 of PR, 25.00 at most 10.00 a paycheck.
 * 7.50 left: 7.50 taken (never past what is left), 17.50 open; 30.00 left: 10.00 taken (the per-check maximum),
 * 20.00 left over; then 12.00 left: 7.50 taken (what is open), 4.50 left over; a provider without overpayments: 0. */
static void test_recover_alone(void)
{
    fxt f;
    fxt_open(&f, NULL, 0, D(2026, 12, 10));
    int32_t pr = ids_find(&f.m.provider_ids, "PR", 2), po = ids_find(&f.m.provider_ids, "PO", 2);
    int32_t op1 = ids_find(&f.m.overpayment_ids, "OP1", 3);
    CU_ASSERT_FATAL(pr >= 0 && po >= 0 && op1 >= 0);
    money_cents left = 750, taken = 0;
    ASSERT_I64(deduct_recover(&f.e, pr, &left, &taken), 0);
    ASSERT_I64(taken, 750);
    ASSERT_I64(left, 0);
    left = 3000;
    ASSERT_I64(deduct_recover(&f.e, pr, &left, &taken), 0);
    ASSERT_I64(taken, 750 + 1000);
    ASSERT_I64(left, 2000);
    left = 1200;
    ASSERT_I64(deduct_recover(&f.e, pr, &left, &taken), 0);
    ASSERT_I64(taken, 750 + 1000 + 750);
    ASSERT_I64(left, 450);
    const money_cents *rec = ledger_peek(&f.lg.recovered, ledger_key(op1, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    ASSERT_I64(*rec, 2500);
    left = 1000;
    money_cents none = 0;
    ASSERT_I64(deduct_recover(&f.e, po, &left, &none), 0);
    ASSERT_I64(none, 0);
    ASSERT_I64(left, 1000);
    fxt_close(&f);
}

/* ---- §5.8 Writ of Mandamus: an SR number of one character ---- */

/* An SR number is any non-empty text, one character too: W-S (court_order, SR "S") is paid
 * as its worksheet says, 1:00 at 16.00 = 16.00, with SR S; W-H (state_hearing, SR "H") is
 * refused naming its SR number. */
static void test_writ_one_character_sr(void)
{
    const fxt_file writs = {"writ_worksheets.csv",
                            "timesheet_id,reason,sr_number,regular_rate,overtime_rate,regular_hours,overtime_hours\n"
                            "W-S,court_order,S,16.00,24.00,1:00,0:00\n"
                            "W-H,state_hearing,H,16.00,24.00,1:00,0:00\n"};
    fxt f;
    rules_result r;
    int32_t one[1] = {H(1, 0)};
    fxt_open(&f, &writs, 1, D(2026, 12, 4));
    sheet s = fxt_sheet("W-S", "PO", "RA", D(2026, 11, 16), KIND_WRIT, D(2026, 12, 1), one, 1);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 1600);     /* 16.00 x 1:00 */
    ASSERT_STR(r.paycheck.sr_number, "S");
    s = fxt_sheet("W-H", "PO", "RA", D(2026, 11, 16), KIND_WRIT, D(2026, 12, 1), one, 1);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 0);
    ASSERT_I64(r.ex[0].code, EX_WRIT_STATE_HEARING);
    ASSERT_STR(r.ex[0].message, "writ H: reason state_hearing goes through the state hearing process, not a writ "
                                "special transaction");
    fxt_close(&f);
}

/* ---- explain: the days of the timesheet as read (§5.1) ---- */

/* 1:00 on 2026-11-01, 2:30 on 2026-11-03 and 0:06 on 2026-11-05: "1. days with hours:
 * 11-01 1:00 11-03 2:30 11-05 0:06; claimed 3:36", each day once, in date order. */
static void test_trace_days_with_hours(void)
{
    fxt f;
    fxt_trace t;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    fxt_trace_into(&f, &t);
    int32_t d[5] = {H(1, 0), 0, H(2, 30), 0, 6};
    sheet s = fxt_sheet("TD-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 5);
    fxt_process(&f, &s, &r);
    ASSERT_CONTAINS(t.text, "\n1. days with hours: 11-01 1:00 11-03 2:30 11-05 0:06; claimed 3:36\n");
    fxt_close(&f);
}

/* ---- §5.2 an assignment's first and last days are covered ---- */

/* PO's assignment to RA runs 2026-11-03 .. 2026-11-05 (both inclusive, docs/rules.md §5.2). */
static const fxt_file SHORT_ASSIGNMENT = {"assignments.csv", "provider_id,recipient_id,relationship,backup,start_date,"
                                                             "end_date\nPO,RA,other,no,2026-11-03,2026-11-05\n"};

static void test_assignment_first_and_last_day(void)
{
    fxt f;
    rules_result r;
    fxt_open(&f, &SHORT_ASSIGNMENT, 1, D(2026, 11, 20));     /* received 11-16: not late */
    /* 1:00 on the start day only (d03): covered, paid 1:00 */
    int32_t first[3] = {0, 0, H(1, 0)};
    sheet s = fxt_sheet("AD-1", "PO", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), first, 3);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.nex, 0);
    ASSERT_I64(r.paycheck.regular_minutes, H(1, 0));
    /* 1:00 on the end day only (d05): covered, paid 1:00 */
    int32_t last[5] = {0, 0, 0, 0, H(1, 0)};
    s = fxt_sheet("AD-2", "PO", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), last, 5);
    fxt_process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.nex, 0);
    ASSERT_I64(r.paycheck.regular_minutes, H(1, 0));
    /* 0:01 on the day before the start (d02) and 1:00 on d03: the one minute is cut
     * (OUTSIDE_ASSIGNMENT 0:01), 1:00 paid */
    int32_t before[3] = {0, 1, H(1, 0)};
    s = fxt_sheet("AD-3", "PO", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), before, 3);
    fxt_process(&f, &s, &r);
    const rules_exception *x = fxt_find_ex(&r, EX_OUTSIDE_ASSIGNMENT);
    ASSERT_I64(x ? x->minutes : -1, 1);
    ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, H(1, 0));
    fxt_close(&f);
}

/* ---- §5.9 the first timesheet of a recipient's month ---- */

/* Nothing paid to RA in 2026-11 yet (no ledger record): 283:01 against 283:00 authorized:
 * 283:00 paid, 0:01 cut, "0:00 already paid". */
static void test_authorized_first_of_month(void)
{
    fxt f;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    int32_t d[1] = {H(283, 1)};
    sheet s = fxt_sheet("AF-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
    fxt_process(&f, &s, &r);
    const rules_exception *x = fxt_find_ex(&r, EX_OVER_AUTHORIZED);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    ASSERT_I64(x->minutes, 1);
    ASSERT_STR(x->message, "recipient authorized 283:00 for 2026-11, 0:00 already paid: 0:01 cut");
    ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, H(283, 0));
    fxt_close(&f);
}

/* ---- §5.11.2 the ledger's counters add up ---- */

/* PO works for RA twice in the week of 2026-11-15 (Sunday 11-15 in the first period,
 * 11-16..20 in the second): 20:00 + 50:00 = 70:00, still one recipient, within RA's
 * weekly maximum 283:00 / 4 = 70:45: no warning. Then PS, RA's other provider, 1:00 on
 * 2026-11-16: RA's providers together 71:00 > 70:45, RECIPIENT_WEEKLY_MAX 0:15. RA's
 * month: 20:00 + 50:00 + 1:00 = 71:00 paid. */
static void test_ledger_counters_add(void)
{
    fxt f;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 12, 4));
    int32_t a[15] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, H(20, 0)};
    sheet s = fxt_sheet("LC-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 12, 1), a, 15);
    fxt_process(&f, &s, &r);
    ASSERT_I64(r.nex, 0);
    int32_t b[5] = {H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0)};
    s = fxt_sheet("LC-2", "PO", "RA", D(2026, 11, 16), KIND_REGULAR, D(2026, 12, 1), b, 5);
    fxt_process(&f, &s, &r);
    ASSERT_I64(r.nex, 0);                       /* 70:00: not over 70:45, one recipient */
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2), ra = ids_find(&f.m.recipient_ids, "RA", 2);
    const ledger_provider_week *pw = ledger_peek(&f.lg.provider_week, ledger_key(po, D(2026, 11, 15)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
    ASSERT_I64(pw->minutes, H(70, 0));
    ASSERT_I64(pw->multi, 0);
    int32_t c[1] = {H(1, 0)};
    s = fxt_sheet("LC-3", "PS", "RA", D(2026, 11, 16), KIND_REGULAR, D(2026, 12, 1), c, 1);
    fxt_process(&f, &s, &r);
    const rules_exception *x = fxt_find_ex(&r, EX_RECIPIENT_WEEKLY_MAX);
    ASSERT_I64(x ? x->minutes : -1, 15);        /* 71:00 - 70:45 */
    const ledger_recipient_month *rm = ledger_peek(&f.lg.recipient_month, ledger_key(ra, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rm);
    ASSERT_I64(rm->minutes, H(71, 0));
    fxt_close(&f);
}

/* The ledger's flags are 0 or 1: the state checkpoint writes them as they are and reads
 * back only 0 or 1 (formats/state.c, FIELD_FLAG). PO 1:00 for RA, then 66:00 for RS in
 * the same week of 2026-11-01: a second recipient (multi = 1), 67:00 over the
 * multi-recipient 66:00 by 1:00: a violation for 2026-11 (violation = 1). */
static void test_ledger_flags_are_one(void)
{
    fxt f;
    rules_result r;
    fxt_open(&f, NULL, 0, D(2026, 11, 20));
    int32_t one[1] = {H(1, 0)};
    sheet s = fxt_sheet("LF-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), one, 1);
    fxt_process(&f, &s, &r);
    int32_t d[6] = {H(11, 0), H(11, 0), H(11, 0), H(11, 0), H(11, 0), H(11, 0)};     /* 66:00 */
    s = fxt_sheet("LF-2", "PO", "RS", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 6);
    fxt_process(&f, &s, &r);
    const rules_exception *x = fxt_find_ex(&r, EX_WORKWEEK_LIMIT);
    ASSERT_I64(x ? x->minutes : -1, H(1, 0));
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2);
    const ledger_provider_week *pw = ledger_peek(&f.lg.provider_week, ledger_key(po, D(2026, 11, 1)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
    ASSERT_I64(pw->multi, 1);
    const ledger_provider_month *pm = ledger_peek(&f.lg.provider_month, ledger_key(po, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
    ASSERT_I64(pm->violation, 1);
    fxt_close(&f);
}

int test_steps_register(void)
{
    static const tu_test tests[] = {
        {"ESP history: inactive, again, active, again, inactive; none; only active (explained)", test_esp_history},
        {"explain: special, writ, a multi-recipient week one minute over", test_trace_kinds},
        {"explain: a parameter once a timesheet, an absent ceiling, SDI past the threshold", test_trace_params_once},
        {"deductions: a spouse's FICA explained, a negative gross takes nothing", test_spouse_and_negative_gross},
        {"FICA wages of the year and SDI wages of the quarter at the top of int64", test_wage_counters_overflow},
        {"run totals at the top of int64: reached, then passed", test_run_totals_overflow},
        {"paid-period index: August 2730 and September 2730", test_period_index_limit},
        {"rates: the largest wage, its overtime rate, the BUPS differential", test_rate_limits},
        {"no wage in force on the period's start", test_wage_not_in_force},
        {"a pay date on day 0 of the calendar", test_pay_date_day_zero},
        {"ids resolved ahead, prefetch, unknown ids", test_resolve_and_prefetch},
        {"masters: look-ups outside the masters, another month", test_master_bounds},
        {"withholding.csv rows: sorted per provider, the one in force by date, a second row of a date", test_withholding_lookup},
        {"parameter values as explain writes them", test_param_format},
        {"taxes past int64 cents: FICA and SDI", test_tax_overflow},
        {"overpayment recovery: nothing left touches nothing; the record's key", test_recovery_records},
        {"step 14.6 alone (payrun correct): never past what is left, the per-check maximum, what is open", test_recover_alone},
        {"masters with nothing loaded; parameters without rows", test_empty_masters_and_counties},
        {"writ: an SR number of one character", test_writ_one_character_sr},
        {"explain: the days with hours as read", test_trace_days_with_hours},
        {"assignment: its first and last day covered, one minute before it cut", test_assignment_first_and_last_day},
        {"authorized hours: the month's first timesheet one minute over", test_authorized_first_of_month},
        {"ledger: a provider's week and a recipient's week and month add up", test_ledger_counters_add},
        {"ledger: the multi-recipient and violation flags are 1", test_ledger_flags_are_one},
    };
    return tu_register("steps", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
