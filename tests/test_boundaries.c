/* test_boundaries.c — every boundary of the pay rules, one side and the other, through the
 * engine's public API: rules_process on hand-made timesheets and deduct_apply on hand-made
 * paychecks, over masters loaded from small hand-written files. Every expected number is a
 * hand calculation written beside it. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deduct.h"
#include "ledger.h"
#include "load.h"
#include "rules.h"
#include "test_util.h"

static cal_date D(int y, int m, int d) { return cal_from_ymd(y, m, d); }

/* ---- a data directory, its masters, a ledger and an engine ---- */

/* The parameters every test starts from (statewide, except the county's wage). The values
 * a test changes are the %s: wage.hourly, bups.differential, sdi.rate, sdi.wage_ceiling. */
static const char PARAMS_FMT[] =
    "parameter,scope,effective_from,value,reference\n"
    "wage.hourly,alameda,2020-01-01,%s,test wage\n"
    "overtime.multiplier,*,2020-01-01,1.5,test\n"
    "overtime.weekly_threshold,*,2020-01-01,40:00,test\n"
    "bups.differential,*,2020-01-01,%s,test\n"
    "bups.annual_hours,*,2020-01-01,80:00,test\n"
    "bups.annual_hours_exception,*,2020-01-01,160:00,test\n"
    "workweek.multi_recipient_max,*,2020-01-01,66:00,test\n"
    "workweek.single_recipient_max,*,2020-01-01,70:45,test\n"
    "workweek.exemption_max,*,2020-01-01,90:00,test\n"
    "workweek.exemption_monthly_max,*,2020-01-01,360:00,test\n"
    "fica.ss_rate,*,2020-01-01,0.062,test\n"
    "fica.ss_wage_base,*,2020-01-01,176100,test\n"
    "fica.medicare_rate,*,2020-01-01,0.0145,test\n"
    "fica.medicare_additional_rate,*,2020-01-01,0.009,test\n"
    "fica.medicare_additional_threshold,*,2020-01-01,200000,test\n"
    "sdi.rate,*,2020-01-01,%s,test\n"
    "sdi.wage_ceiling,*,2020-01-01,%s,test\n"
    "sdi.quarter_threshold,*,2020-01-01,750.00,test\n"
    "union.dues_scale,*,2020-01-01,0:00=10.30; 25:01=15.90,test\n"
    "union.hours_threshold,*,2020-01-01,15:00,test\n"
    "payment.business_days,*,2020-01-01,10,test\n";

/* Providers: PO (other, no SDI election, no union), PU (union member), PE (elective SDI). */
static const char PROVIDERS[] =
    "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n"
    "PO,O,alameda,complete,n,n,n\n"
    "PU,U,alameda,complete,n,y,n\n"
    "PE,E,alameda,complete,y,n,n\n"
    "PB1,B1,alameda,complete,n,n,n\n"
    "PB2,B2,alameda,complete,n,n,n\n"
    "PB3,B3,alameda,complete,n,n,n\n"
    "PR,R,alameda,complete,n,n,n\n"
    "PX,X,alameda,complete,n,n,y\n";

/* R17/R18/R19: 17, 18 and 19 on 2026-11-15, the last day of the period 2026-11-01..15
 * (R18's 18th birthday is that very day; R17's is the day after, 2026-11-16).
 * RB1 severely impaired with the BUPS exception; RB2 the exception without severe
 * impairment; RB3 severely impaired without the exception. RA: an adult. */
static const char RECIPIENTS[] =
    "recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n"
    "RA,A,alameda,1950-01-01,n,n,\n"
    "R17,S,alameda,2008-11-16,n,n,\n"
    "R18,T,alameda,2008-11-15,n,n,\n"
    "R19,U,alameda,2007-11-15,n,n,\n"
    "RB1,V,alameda,1950-01-01,y,y,\n"
    "RB2,W,alameda,1950-01-01,n,y,\n"
    "RB3,X,alameda,1950-01-01,y,n,\n"
    "RW,Y,alameda,1950-01-01,n,n,\n"
    "RS,Z,alameda,1950-01-01,n,n,\n"
    "RM,Q,alameda,1950-01-01,n,n,\n";

static const char AUTHORIZATIONS[] =
    "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
    "RA,2026-11,283:00,0,0,y\n"
    "R17,2026-11,283:00,0,0,y\n"
    "R18,2026-11,283:00,0,0,y\n"
    "R19,2026-11,283:00,0,0,y\n"
    "RB1,2026-10,283:00,0,0,y\n"
    "RB1,2026-11,283:00,0,0,y\n"
    "RB2,2026-10,283:00,0,0,y\n"
    "RB2,2026-11,283:00,0,0,y\n"
    "RB3,2026-10,283:00,0,0,y\n"
    "RB3,2026-11,283:00,0,0,y\n"
    "RW,2026-11,20:00,0,0,y\n"
    "RS,2026-11,283:00,100.00,30.00,y\n"
    "RM,2026-11,283:00,50.00,60.00,y\n";

static const char ASSIGNMENTS[] =
    "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
    "PO,RA,other,no,2020-01-01,\n"
    "PU,RA,other,no,2020-01-01,\n"
    "PE,RA,parent,no,2020-01-01,\n"
    "PO,R17,parent,no,2020-01-01,\n"
    "PO,R18,parent,no,2020-01-01,\n"
    "PO,R19,parent,no,2020-01-01,\n"
    "PB1,RB1,other,bups,2020-01-01,\n"
    "PB2,RB2,other,bups,2020-01-01,\n"
    "PB3,RB3,other,bups,2020-01-01,\n"
    "PO,RW,other,no,2020-01-01,\n"
    "PO,RS,other,no,2020-01-01,\n"
    "PU,RS,other,no,2020-01-01,\n"
    "PO,RM,other,no,2020-01-01,\n"
    "PR,RA,other,no,2020-01-01,\n"
    "PX,RA,other,no,2020-01-01,\n"
    "PX,R19,other,no,2020-01-01,\n";

/* PR's overpayments, oldest first */
static const char OVERPAYMENTS[] =
    "provider_id,overpayment_id,balance,per_check_max\n"
    "PR,OP1,25.00,10.00\n"
    "PR,OP2,100.00,50.00\n";

/* Writs of recipient RW (20:00 authorized in 2026-11): 20:00, 19:59 and 20:01 regular
 * at 16.00, and W5 of 15:00 after 5:00 already paid. */
static const char WRITS[] =
    "timesheet_id,reason,sr_number,regular_rate,overtime_rate,regular_hours,overtime_hours\n"
    "W-AT,court_order,SR-1,16.00,24.00,20:00,0:00\n"
    "W-UNDER,court_order,SR-2,16.00,24.00,19:59,0:00\n"
    "W-OVER,court_order,SR-3,16.00,24.00,20:01,0:00\n"
    "W-LEFT,court_order,SR-4,16.00,24.00,15:00,0:00\n"
    "W-LEFT1,court_order,SR-5,16.00,24.00,15:01,0:00\n";

typedef struct {
    const char *wage, *differential, *sdi_rate, *sdi_ceiling;
    const char *drop;       /* a parameter left out of parameters.csv */
} fx_params;

typedef struct {
    char dir[64];
    masters m;
    ledger lg;
    rules_engine e;
    int ok;
} fx;

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[256];
    tu_path(p, sizeof p, dir, name);
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, text), 0);
}

/* Loads the data directory with parameters p (NULL members: 15.00 wage, 2.00
 * differential, SDI rate 0.01, no ceiling) and starts an engine for pay date run. */
static void fx_open(fx *f, const fx_params *p, cal_date run)
{
    char params[4096], err[1024] = "";
    load_file files[LOAD_NFILES];
    memset(f, 0, sizeof *f);
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    snprintf(params, sizeof params, PARAMS_FMT, p && p->wage ? p->wage : "15.00",
             p && p->differential ? p->differential : "2.00", p && p->sdi_rate ? p->sdi_rate : "0.01",
             p && p->sdi_ceiling ? p->sdi_ceiling : "");
    if (p && p->drop) {
        /* the parameter's row taken out: "\nNAME," up to the next line */
        char key[64];
        snprintf(key, sizeof key, "\n%s,", p->drop);
        char *at = strstr(params, key);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        char *end = strchr(at + 1, '\n');
        memmove(at, end, strlen(end) + 1);
    }
    write_file(f->dir, "parameters.csv", params);
    write_file(f->dir, "providers.csv", PROVIDERS);
    write_file(f->dir, "recipients.csv", RECIPIENTS);
    write_file(f->dir, "authorizations.csv", AUTHORIZATIONS);
    write_file(f->dir, "assignments.csv", ASSIGNMENTS);
    write_file(f->dir, "writ_worksheets.csv", WRITS);
    write_file(f->dir, "overpayments.csv", OVERPAYMENTS);
    int rc = load_masters(f->dir, &f->m, files, err, sizeof err);
    /* the masters are in memory now: the files go at once, so that a test stopped by a
     * failed fatal assertion (a mutant, make mutants) leaves nothing behind */
    tu_rmtree(f->dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(ledger_init(&f->lg, &f->m.provider_ids, &f->m.recipient_ids, &f->m.overpayment_ids), 0);
    ledger_set_counties(&f->lg, &f->m.params.counties);
    rules_init(&f->e, &f->m, &f->lg, run);
    f->ok = 1;
}

static void fx_close(fx *f)
{
    if (f->ok) {
        rules_free(&f->e);
        ledger_free(&f->lg);
    }
    master_free(&f->m);
}

/* A timesheet of the period starting on `start`, signed and received on `signed_on`,
 * with the minutes of days[0..n) on its first days (d01, d02, ...). */
static sheet mk_sheet(const char *id, const char *prov, const char *rcp, cal_date start, sheet_kind kind,
                      cal_date signed_on, const int32_t *days, int n)
{
    sheet s;
    memset(&s, 0, sizeof s);
    s.timesheet_id = id;
    s.timesheet_id_len = strlen(id);
    s.provider_id = prov;
    s.provider_id_len = strlen(prov);
    s.recipient_id = rcp;
    s.recipient_id_len = strlen(rcp);
    s.period_start = start;
    int y, m, d;
    cal_to_ymd(start, &y, &m, &d);
    /* the 1st: 15 days; the 16th: to the month's end */
    s.ndays = d == 1 ? 15 : cal_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - start;
    s.period_end = start + s.ndays - 1;
    s.kind = kind;
    s.channel = CHANNEL_PAPER;
    s.provider_signed_on = s.recipient_signed_on = s.received_on = signed_on;
    for (int i = 0; i < n; i++) {
        s.minutes[i] = days[i];
        s.claimed += days[i];
    }
    s.source_file = "test";
    s.source_line = 2;
    return s;
}

#define H(h, m) ((h) * 60 + (m))

/* Runs one timesheet; returns the exception with code c (NULL when none). */
static const rules_exception *find_ex(const rules_result *r, sheet_code c)
{
    for (int i = 0; i < r->nex; i++)
        if (r->ex[i].code == c)
            return &r->ex[i];
    return NULL;
}

static void process(fx *f, const sheet *s, rules_result *r)
{
    memset(r, 0, sizeof *r);
    int rc = rules_process(&f->e, s, r);
    ASSERT_STR(rc == 0 ? "" : f->e.err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* deduct_apply on a paycheck of `gross` cents for provider prov and recipient rcp in
 * the period 2026-11-01..15 (service month 2026-11). */
static void deduct(fx *f, const char *prov, const char *rcp, money_cents gross, rules_paycheck *pc)
{
    int32_t p = ids_find(&f->m.provider_ids, prov, strlen(prov));
    int32_t rc = ids_find(&f->m.recipient_ids, rcp, strlen(rcp));
    CU_ASSERT_FATAL(p >= 0 && rc >= 0);
    size_t na;
    const master_assignment *as = master_pair_assignments(&f->m, p, rc, &na);
    CU_ASSERT_FATAL(as != NULL && na == 1);
    int32_t month = cal_month_key_ymd(2026, 11);
    deduct_input in = {.provider = &f->m.providers.v[p], .recipient = &f->m.recipients.v[rc], .assignment = as,
                       .authorization = master_authorization_for(&f->m, rc, month), .p = p, .rc = rc,
                       .month = month, .period_start = D(2026, 11, 1), .period_end = D(2026, 11, 15)};
    CU_ASSERT_FATAL(in.authorization != NULL);
    memset(pc, 0, sizeof *pc);
    pc->amount[AMT_GROSS] = gross;
    int r = deduct_apply(&f->e, &in, pc);
    ASSERT_STR(r == 0 ? "" : f->e.err, "");
    CU_ASSERT_EQUAL_FATAL(r, 0);
}

/* ---- FICA: the parent of a recipient under 18 on the period's last day ---- */

static void test_parent_fica_age(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    /* R17 is 17 on 2026-11-15 (18 the day after): the parent is exempt, nothing taken */
    deduct(&f, "PO", "R17", 100000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 0);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 0);
    ASSERT_I64(pc.amount[AMT_NET], 100000);     /* parent: no SDI either (no election) */
    /* R18 turns 18 on 2026-11-15 itself: not under 18, FICA applies.
     * ss = 0.062 x 1000.00 = 62.00; medicare = 0.0145 x 1000.00 = 14.50 */
    deduct(&f, "PO", "R18", 100000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 6200);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 1450);
    ASSERT_I64(pc.amount[AMT_NET], 100000 - 6200 - 1450);   /* 923.50 */
    /* R19: 19, FICA applies: the same 62.00 and 14.50 (the year's FICA wages are now
     * 1000.00, far below the wage base 176,100 and the threshold 200,000) */
    deduct(&f, "PO", "R19", 100000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 6200);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 1450);
    fx_close(&f);
}

/* The same three through rules_process: a 10:00 timesheet at 15.00 = 150.00 gross;
 * ss = 0.062 x 150.00 = 9.30, medicare = 0.0145 x 150.00 = 2.175 -> 2.18 (half-up). */
static void test_parent_fica_age_rules(void)
{
    static const char *const rcp[3] = {"R17", "R18", "R19"};
    static const money_cents ss[3] = {0, 930, 930}, med[3] = {0, 218, 218};
    fx f;
    rules_result r;
    int32_t days[1] = {H(10, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "TF%d", i);
        sheet s = mk_sheet(id, "PO", rcp[i], D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), days, 1);
        process(&f, &s, &r);
        CU_ASSERT_EQUAL(r.paid, 1);
        ASSERT_I64(r.paycheck.amount[AMT_GROSS], 15000);
        ASSERT_I64(r.paycheck.amount[AMT_FICA_SS], ss[i]);
        ASSERT_I64(r.paycheck.amount[AMT_FICA_MEDICARE], med[i]);
    }
    fx_close(&f);
}

/* ---- SDI: the quarter threshold and the wage ceiling of the year ---- */

static void test_sdi_quarter_threshold(void)
{
    fx f;
    rules_paycheck pc;
    /* SDI rate 0.01, no ceiling; provider PO is "other" to RA: SDI applies */
    fx_open(&f, NULL, D(2026, 11, 20));
    /* quarter wages 750.00: not over 750.00, nothing withheld */
    deduct(&f, "PO", "RA", 75000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    /* 0.01 more: 750.01 is over; the crossing paycheck's base is the quarter's 750.01:
     * 0.01 x 750.01 = 7.5001 -> 7.50 due, but only the 0.01 of this gross is left to take
     * (FICA on 0.01: 0.062 x 0.01 = 0.00062 -> 0.00, 0.0145 x 0.01 -> 0.00) */
    deduct(&f, "PO", "RA", 1, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 1);
    ASSERT_I64(pc.amount[AMT_NET], 0);
    /* past the threshold: only this gross, 0.01 x 100.00 = 1.00 */
    deduct(&f, "PO", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 100);
    fx_close(&f);

    /* one paycheck of 750.01 on a fresh ledger: 0.01 x 750.01 = 7.5001 -> 7.50, taken in
     * full (left after FICA: 750.01 - 46.50 - 10.88 = 692.63) */
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PO", "RA", 75001, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 4650);      /* 0.062 x 750.01 = 46.50062 -> 46.50 */
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 1088); /* 0.0145 x 750.01 = 10.875145 -> 10.88 */
    ASSERT_I64(pc.amount[AMT_SDI], 750);
    ASSERT_I64(pc.amount[AMT_NET], 75001 - 4650 - 1088 - 750);
    fx_close(&f);
    /* one of 750.00: nothing */
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PO", "RA", 75000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    fx_close(&f);
}

static void test_sdi_ceiling_by_year(void)
{
    fx f;
    rules_paycheck pc;
    fx_params p = {.sdi_ceiling = "1000.00"};
    fx_open(&f, &p, D(2026, 3, 5));
    /* Q1: 800.00 crosses 750.00: base 800.00, under the ceiling 1000.00 - 0 taxed:
     * 0.01 x 800.00 = 8.00; the year's taxed wages are now 800.00 */
    deduct(&f, "PO", "RA", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 800);
    /* Q2 (pay date 2026-04-10): 800.00 crosses the new quarter's 750.00, base 800.00,
     * capped at the ceiling less the YEAR's taxed wages: 1000.00 - 800.00 = 200.00;
     * 0.01 x 200.00 = 2.00 (a cap by the quarter's taxed wages, 0.00, would take 8.00) */
    f.e.run_date = D(2026, 4, 10);
    deduct(&f, "PO", "RA", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 200);
    /* Q2 again: 100.00 more, the year's taxed wages are at the ceiling: 0.00 */
    deduct(&f, "PO", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    /* the ledger's counters: Q1 taxed 800.00; Q2 subject 900.00, taxed 200.00; the year
     * taxed 1000.00 */
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2);
    const ledger_provider_quarter *q1 = ledger_peek(&f.lg.provider_quarter, ledger_key(po, cal_quarter_key(D(2026, 3, 5))));
    const ledger_provider_quarter *q2 = ledger_peek(&f.lg.provider_quarter, ledger_key(po, cal_quarter_key(D(2026, 4, 10))));
    const ledger_provider_year *y26 = ledger_peek(&f.lg.provider_year, ledger_key(po, 2026));
    CU_ASSERT_FATAL(q1 && q2 && y26);
    ASSERT_I64(q1->sdi_subject, 80000);
    ASSERT_I64(q1->sdi_taxed, 80000);
    ASSERT_I64(q2->sdi_subject, 90000);
    ASSERT_I64(q2->sdi_taxed, 20000);
    ASSERT_I64(y26->sdi_taxed, 100000);
    ASSERT_I64(y26->fica_wages, 80000 + 90000);
    /* Q3: still the same year, still at the ceiling: 800.00 crosses, base capped at 0 */
    f.e.run_date = D(2026, 7, 10);
    deduct(&f, "PO", "RA", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    /* 2027 Q1: a new year, the ceiling starts again: 0.01 x 800.00 = 8.00 */
    f.e.run_date = D(2027, 1, 8);
    deduct(&f, "PO", "RA", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 800);
    fx_close(&f);
}

/* SDI of family providers: a parent without the election pays none, with it pays. */
static void test_sdi_family_election(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    /* PE is RA's parent with elective_sdi=y: 0.01 x 800.00 = 8.00 */
    deduct(&f, "PE", "RA", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 800);
    /* PO is R19's parent without it: none, whatever the wages */
    deduct(&f, "PO", "R19", 80000, &pc);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    fx_close(&f);
}

/* ---- BUPS hours: 80:00 a fiscal year, 160:00 with the exception ---- */

static void test_bups_exception(void)
{
    static const char *const prov[3] = {"PB1", "PB2", "PB3"}, *const rcp[3] = {"RB1", "RB2", "RB3"};
    /* RB1 (severely impaired, exception): 160:00 allowed; RB2 (exception, not severely
     * impaired) and RB3 (severely impaired, no exception): 80:00 */
    static const int64_t cut1[3] = {0, H(160, 0) - H(80, 0), H(160, 0) - H(80, 0)};
    fx f;
    rules_result r;
    int32_t days[16];
    for (int i = 0; i < 16; i++)
        days[i] = H(10, 0);     /* 16 days x 10:00 = 160:00 in the period 2026-10-16..31 */
    fx_open(&f, NULL, D(2026, 12, 4));
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "TB%d-1", i);
        sheet s = mk_sheet(id, prov[i], rcp[i], D(2026, 10, 16), KIND_REGULAR, D(2026, 12, 1), days, 16);
        process(&f, &s, &r);
        CU_ASSERT_EQUAL(r.paid, 1);
        const rules_exception *x = find_ex(&r, EX_BUPS_HOURS_EXHAUSTED);
        ASSERT_I64(x ? x->minutes : 0, cut1[i]);
        ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, H(160, 0) - cut1[i]);
        /* the next period, same fiscal year 2026-27: one more minute is past the limit
         * for all three (RB1 used 160:00 of 160:00, the others 80:00 of 80:00) */
        int32_t one[1] = {1};
        snprintf(id, sizeof id, "TB%d-2", i);
        s = mk_sheet(id, prov[i], rcp[i], D(2026, 11, 1), KIND_REGULAR, D(2026, 12, 1), one, 1);
        process(&f, &s, &r);
        CU_ASSERT_EQUAL(r.paid, 1);
        x = find_ex(&r, EX_BUPS_HOURS_EXHAUSTED);
        ASSERT_I64(x ? x->minutes : 0, 1);
        ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, 0);
    }
    fx_close(&f);
}

/* 159:59 then 0:01 then 0:01 for RB1: the second fits exactly, the third is cut. */
static void test_bups_exception_edge(void)
{
    fx f;
    rules_result r;
    int32_t days[16];
    for (int i = 0; i < 16; i++)
        days[i] = H(10, 0);
    days[15] = H(9, 59);        /* 15 x 10:00 + 9:59 = 159:59 */
    fx_open(&f, NULL, D(2026, 12, 4));
    sheet s = mk_sheet("TE-1", "PB1", "RB1", D(2026, 10, 16), KIND_REGULAR, D(2026, 12, 1), days, 16);
    process(&f, &s, &r);
    CU_ASSERT_PTR_NULL(find_ex(&r, EX_BUPS_HOURS_EXHAUSTED));
    int32_t one[1] = {1};
    s = mk_sheet("TE-2", "PB1", "RB1", D(2026, 11, 1), KIND_REGULAR, D(2026, 12, 1), one, 1);
    process(&f, &s, &r);
    CU_ASSERT_PTR_NULL(find_ex(&r, EX_BUPS_HOURS_EXHAUSTED));       /* 160:00 of 160:00 */
    ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, 1);
    s = mk_sheet("TE-3", "PB1", "RB1", D(2026, 11, 16), KIND_REGULAR, D(2026, 12, 1), one, 1);
    process(&f, &s, &r);
    const rules_exception *x = find_ex(&r, EX_BUPS_HOURS_EXHAUSTED);
    ASSERT_I64(x ? x->minutes : -1, 1);
    fx_close(&f);
}

/* ---- writs: the hours must fit what is left of the month's authorized hours ---- */

/* A writ timesheet for RW (20:00 authorized in 2026-11) of `minutes` on its first day. */
static void writ_case(const char *id, int64_t already, int32_t minutes, int want_paid)
{
    fx f;
    rules_result r;
    fx_open(&f, NULL, D(2026, 11, 20));
    if (already) {
        int32_t d[1] = {(int32_t)already};
        sheet s0 = mk_sheet("REG-1", "PO", "RW", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
        process(&f, &s0, &r);
        CU_ASSERT_EQUAL(r.paid, 1);
    }
    /* 10:00 on the first day, the rest on the second: the worksheet must match both */
    int32_t d[2] = {H(10, 0), minutes - H(10, 0)};
    sheet s = mk_sheet(id, "PO", "RW", D(2026, 11, 1), KIND_WRIT, D(2026, 11, 16), d, 2);
    process(&f, &s, &r);
    if (r.paid != want_paid)
        fprintf(stderr, "\nwrit %s: paid %d, expected %d\n", id, r.paid, want_paid);
    CU_ASSERT_EQUAL(r.paid, want_paid);
    if (want_paid) {
        CU_ASSERT_EQUAL(r.nex, 0);
        ASSERT_I64(r.paycheck.regular_minutes, minutes);
        /* 16.00 x minutes / 60: 20:00 -> 320.00, 19:59 -> 319.7333 -> 319.73, 15:00 -> 240.00 */
        ASSERT_I64(r.paycheck.amount[AMT_REGULAR_PAY], minutes == H(20, 0) ? 32000 : minutes == H(19, 59) ? 31973 : 24000);
        ASSERT_STR(r.paycheck.sr_number, id[2] == 'A' ? "SR-1" : id[2] == 'U' ? "SR-2" : "SR-4");
    } else {
        CU_ASSERT_EQUAL(r.nex, 1);
        ASSERT_I64(r.ex[0].code, EX_WRIT_POLICY);
        ASSERT_I64(r.ex[0].minutes, minutes);
    }
    fx_close(&f);
}

static void test_writ_policy(void)
{
    writ_case("W-AT", 0, H(20, 0), 1);          /* 20:00 of 20:00 left: fits */
    writ_case("W-UNDER", 0, H(19, 59), 1);      /* one minute under: fits */
    writ_case("W-OVER", 0, H(20, 1), 0);        /* one minute over: WRIT_POLICY, nothing paid */
    writ_case("W-LEFT", H(5, 0), H(15, 0), 1);  /* 5:00 paid before, 15:00 left: fits */
    writ_case("W-LEFT1", H(5, 0), H(15, 1), 0); /* 15:01 of 15:00 left: refused */
}

/* ---- overtime: 40:00 a workweek ---- */

static void test_overtime_threshold(void)
{
    fx f;
    rules_result r;
    /* 2026-11-01 is a Sunday: d01..d05 are one workweek */
    int32_t at[5] = {H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(8, 0)};     /* 40:00 */
    fx_open(&f, NULL, D(2026, 11, 20));
    sheet s = mk_sheet("OT-40", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), at, 5);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.regular_minutes, H(40, 0));
    ASSERT_I64(r.paycheck.overtime_minutes, 0);
    ASSERT_I64(r.paycheck.amount[AMT_REGULAR_PAY], 60000);     /* 15.00 x 40 = 600.00 */
    ASSERT_I64(r.paycheck.amount[AMT_OVERTIME_PAY], 0);
    fx_close(&f);

    int32_t over[5] = {H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(8, 1)};   /* 40:01 */
    fx_open(&f, NULL, D(2026, 11, 20));
    s = mk_sheet("OT-41", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), over, 5);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.regular_minutes, H(40, 0));
    ASSERT_I64(r.paycheck.overtime_minutes, 1);
    /* overtime rate 15.00 x 1.5 = 22.50; 22.50 / 60 = 0.375 -> 0.38 (half-up) */
    ASSERT_I64(r.paycheck.amount[AMT_OVERTIME_PAY], 38);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 60038);
    fx_close(&f);

    /* the threshold is the provider's, across timesheets and recipients: 39:59 for RA by
     * PO, then 0:02 for R19 by PO the same week -> 0:01 regular, 0:01 overtime */
    int32_t a[5] = {H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(7, 59)};
    int32_t b[5] = {0, 0, 0, 0, 2};
    fx_open(&f, NULL, D(2026, 11, 20));
    s = mk_sheet("OT-A", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), a, 5);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.overtime_minutes, 0);
    s = mk_sheet("OT-B", "PO", "R19", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), b, 5);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.regular_minutes, 1);
    ASSERT_I64(r.paycheck.overtime_minutes, 1);
    fx_close(&f);
}

/* ---- union dues: from 15:00 paid in the month ---- */

static void test_dues_threshold(void)
{
    fx f;
    rules_result r;
    /* 14:59 in the month: under 15:00, no dues (gross 15.00 x 899 / 60 = 224.75) */
    int32_t under[2] = {H(8, 0), H(6, 59)};
    fx_open(&f, NULL, D(2026, 11, 20));
    sheet s = mk_sheet("U-1459", "PU", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), under, 2);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 22475);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 0);
    fx_close(&f);

    /* 15:00: the threshold reached, the 0:00 bracket's 10.30 (gross 225.00) */
    int32_t at[2] = {H(8, 0), H(7, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    s = mk_sheet("U-15", "PU", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), at, 2);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 1030);
    /* a special timesheet of 10:00 the same month: 25:00 is still the first bracket
     * (25:01 starts the next): nothing more */
    int32_t ten[4] = {0, 0, 0, H(10, 0)};
    s = mk_sheet("U-25", "PU", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), ten, 4);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 0);
    /* PO is not a union member: none at 15:00 */
    s = mk_sheet("U-PO", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), at, 2);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 0);
    fx_close(&f);

    /* 15:00, then 10:01 more: 25:01, the month's dues 15.90, 10.30 taken: 5.60 now */
    int32_t more[4] = {0, 0, 0, H(10, 1)};
    fx_open(&f, NULL, D(2026, 11, 20));
    s = mk_sheet("U-15b", "PU", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), at, 2);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 1030);
    s = mk_sheet("U-2501", "PU", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), more, 4);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 560);
    /* 1:00 more, 26:01: the month's 15.90 all taken (10.30 + 5.60): nothing */
    int32_t hour[5] = {0, 0, 0, 0, H(1, 0)};
    s = mk_sheet("U-2601", "PU", "RA", D(2026, 11, 1), KIND_SUPPLEMENTAL, D(2026, 11, 16), hour, 5);
    process(&f, &s, &r);
    ASSERT_I64(r.paycheck.amount[AMT_UNION_DUES], 0);
    fx_close(&f);
}

/* ---- half a cent, rounded up, in every rounded money column ---- */

/* Pay: a BUPS paycheck whose regular pay, overtime pay and both parts of the
 * differential each come to exactly half a cent. Wage 15.00 + differential 2.01 =
 * regular rate 17.01; overtime rate 17.01 x 1.5 = 25.515 (kept exact).
 * Week of 2026-11-01: 8:00 x 4 + 7:30 = 39:30 regular. Week of 2026-11-08: 8:00 x 5 =
 * 40:00 regular, then 0:20 overtime on 2026-11-13. Regular 79:30 = 4770 minutes.
 *   regular_pay  = 17.01 x 4770 / 60 = 1352.295   -> 1352.30
 *   overtime_pay = 25.515 x 20 / 60  = 8.505      -> 8.51
 *   differential = 2.01 x 4770 / 60 = 159.795 -> 159.80, plus 2.01 x 1.5 x 20 / 60 =
 *                  1.005 -> 1.01: 160.81
 *   gross        = 1352.30 + 8.51 = 1360.81
 * BUPS hours: 79:50 of 80:00, nothing cut. PB3 to RB3 ("other"): FICA and SDI apply.
 *   fica_ss  = 0.062 x 1360.81 = 84.37022       -> 84.37
 *   medicare = 0.0145 x 1360.81 = 19.731745     -> 19.73
 *   sdi      = 0.01 x 1360.81 (crossing 750.00) = 13.6081 -> 13.61
 *   net      = 1360.81 - 84.37 - 19.73 - 13.61 = 1243.10 */
static void test_half_cent_pay(void)
{
    fx f;
    rules_result r;
    fx_params p = {.differential = "2.01"};
    int32_t days[13] = {H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(7, 30), 0, 0,
                        H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(0, 20)};
    fx_open(&f, &p, D(2026, 11, 20));
    sheet s = mk_sheet("HC-1", "PB3", "RB3", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), days, 13);
    process(&f, &s, &r);
    const rules_paycheck *pc = &r.paycheck;
    CU_ASSERT_EQUAL(r.paid, 1);
    CU_ASSERT_EQUAL(r.nex, 0);
    ASSERT_I64(pc->regular_minutes, 4770);
    ASSERT_I64(pc->overtime_minutes, 20);
    ASSERT_I64(pc->regular_rate, 1701 * MONEY_RATE_PER_CENT);
    ASSERT_I64(pc->overtime_rate, 25515 * (MONEY_RATE_SCALE / 1000));     /* 25.515 exactly */
    ASSERT_I64(pc->amount[AMT_REGULAR_PAY], 135230);
    ASSERT_I64(pc->amount[AMT_OVERTIME_PAY], 851);
    ASSERT_I64(pc->amount[AMT_DIFFERENTIAL_PAY], 16081);
    ASSERT_I64(pc->amount[AMT_GROSS], 136081);
    ASSERT_I64(pc->amount[AMT_FICA_SS], 8437);
    ASSERT_I64(pc->amount[AMT_FICA_MEDICARE], 1973);
    ASSERT_I64(pc->amount[AMT_SDI], 1361);
    ASSERT_I64(pc->amount[AMT_NET], 124310);
    fx_close(&f);
}

/* Taxes: grosses chosen so that each tax is exactly half a cent.
 *   12.50: fica_ss 0.062 x 12.50 = 0.775 -> 0.78; medicare 0.0145 x 12.50 = 0.18125 -> 0.18
 *   10.00: fica_ss 0.62; medicare 0.0145 x 10.00 = 0.145 -> 0.15
 *   SDI at rate 0.013: 755.00 crosses 750.00: 0.013 x 755.00 = 9.815 -> 9.82 */
static void test_half_cent_taxes(void)
{
    fx f;
    rules_paycheck pc;
    fx_params p = {.sdi_rate = "0.013"};
    fx_open(&f, &p, D(2026, 11, 20));
    /* PO to R19 (parent, 19): FICA, no SDI */
    deduct(&f, "PO", "R19", 1250, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 78);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 18);
    ASSERT_I64(pc.amount[AMT_SDI], 0);
    ASSERT_I64(pc.amount[AMT_NET], 1250 - 78 - 18);    /* 11.54 */
    deduct(&f, "PO", "R19", 1000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 62);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 15);
    /* PE to RA (parent with elective SDI; RA is an adult): 755.00 ->
     * ss 0.062 x 755.00 = 46.81; medicare 0.0145 x 755.00 = 10.9475 -> 10.95; sdi 9.82 */
    deduct(&f, "PE", "RA", 75500, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 4681);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 1095);
    ASSERT_I64(pc.amount[AMT_SDI], 982);
    ASSERT_I64(pc.amount[AMT_NET], 75500 - 4681 - 1095 - 982);    /* 687.42 */
    fx_close(&f);
}

/* The FICA wage base and the additional Medicare threshold, crossed by one paycheck.
 * PO to RA (other). Year-to-date FICA wages before: 176,000.00 (one paycheck of that).
 * Then 200.00: ss on the 100.00 left under the base 176,100.00: 0.062 x 100.00 = 6.20;
 * medicare 0.0145 x 200.00 = 2.90, no additional (176,200.00 < 200,000.00).
 * Then 23,850.50 (year 200,050.50): ss base 0 -> 0.00; medicare 0.0145 x 23,850.50 =
 * 345.83225 -> 345.83 plus additional 0.009 x 50.50 = 0.4545 -> 0.45: 346.28.
 * Then 5.50: additional 0.009 x 5.50 = 0.0495 -> 0.05; medicare 0.0145 x 5.50 = 0.07975
 * -> 0.08: 0.13. */
static void test_fica_bases(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PO", "RA", 17600000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 1091200);        /* 0.062 x 176,000.00 = 10,912.00 */
    deduct(&f, "PO", "RA", 20000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 620);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 290);
    deduct(&f, "PO", "RA", 2385050, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 0);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 34583 + 45);
    deduct(&f, "PO", "RA", 550, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 8 + 5);
    fx_close(&f);
}

/* ---- share of cost and overpayment recovery: what is left, what carries ---- */

/* RS owes 100.00 - 30.00 met by medical bills = 70.00 for 2026-11, shared by its
 * providers in processing order; RM's 60.00 met is above its 50.00: nothing owed. */
static void test_share_of_cost(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    /* PO to RS, 50.00: ss 3.10, medicare 0.0145 x 50.00 = 0.725 -> 0.73, no SDI (50.00 in
     * the quarter); left 46.17, all of it to the 70.00 owed; net 0.00 */
    deduct(&f, "PO", "RS", 5000, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 73);
    ASSERT_I64(pc.amount[AMT_SHARE_OF_COST], 4617);
    ASSERT_I64(pc.amount[AMT_NET], 0);
    /* PU to RS, 100.00: ss 6.20, medicare 1.45, left 92.35; 70.00 - 46.17 = 23.83 still
     * owed this month: taken; net 68.52 */
    deduct(&f, "PU", "RS", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_SHARE_OF_COST], 2383);
    ASSERT_I64(pc.amount[AMT_NET], 10000 - 620 - 145 - 2383);
    /* the month's 70.00 is paid: nothing more */
    deduct(&f, "PO", "RS", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_SHARE_OF_COST], 0);
    /* RM: medical bills above the share of cost owe nothing (not below 0) */
    deduct(&f, "PO", "RM", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_SHARE_OF_COST], 0);
    ASSERT_I64(pc.amount[AMT_NET], 10000 - 620 - 145);
    fx_close(&f);
}

/* PR's overpayments: OP1 25.00 at most 10.00 a paycheck, OP2 100.00 at most 50.00. */
static void test_overpayment_recovery(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    /* 100.00: ss 6.20, medicare 1.45, SDI none (100.00 in the quarter); left 92.35:
     * OP1 10.00 + OP2 50.00 = 60.00; net 32.35 */
    deduct(&f, "PR", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 6000);
    ASSERT_I64(pc.amount[AMT_NET], 3235);
    /* again: OP1 10.00 (15.00 left of it), OP2 50.00 (its last 50.00) */
    deduct(&f, "PR", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 6000);
    /* OP1 has 5.00 left, OP2 nothing: 5.00 */
    deduct(&f, "PR", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 500);
    /* both recovered: nothing */
    deduct(&f, "PR", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 0);
    ASSERT_I64(pc.amount[AMT_NET], 9235);
    fx_close(&f);

    /* a small paycheck: 20.00, ss 1.24, medicare 0.29, left 18.47: OP1 10.00 first (the
     * oldest), then OP2 only the 8.47 left; net 0.00 */
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PR", "RA", 2000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 1847);
    ASSERT_I64(pc.amount[AMT_NET], 0);
    /* the next 100.00: OP1 has 15.00 left, at most 10.00; OP2 100.00 - 8.47 = 91.53 left,
     * at most 50.00: 60.00 */
    deduct(&f, "PR", "RA", 10000, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 6000);
    /* a paycheck of 0.01 (taxes round to 0.00): the cent goes to OP1 */
    deduct(&f, "PR", "RA", 1, &pc);
    ASSERT_I64(pc.amount[AMT_OVERPAYMENT_RECOVERY], 1);
    ASSERT_I64(pc.amount[AMT_NET], 0);
    fx_close(&f);
}

/* Additional Medicare on the cents above the threshold: the year reaches 200,000.56.
 *   199,999.44: ss on the wage base 176,100.00: 0.062 x 176,100.00 = 10,918.20;
 *               medicare 0.0145 x 199,999.44 = 2,899.99188 -> 2,899.99; nothing above
 *   1.12:       ss 0.00 (base used); medicare 0.0145 x 1.12 = 0.01624 -> 0.02, plus
 *               0.009 x 0.56 above the threshold = 0.00504 -> 0.01: 0.03 */
static void test_additional_medicare_cents(void)
{
    fx f;
    rules_paycheck pc;
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PO", "RA", 19999944, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 1091820);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 289999);
    deduct(&f, "PO", "RA", 112, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_SS], 0);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 3);
    fx_close(&f);

    /* One cent under the threshold, then 0.56: the year reaches 200,000.55.
     *   199,999.99: medicare 0.0145 x 199,999.99 = 2,899.999855 -> 2,900.00
     *   0.56: medicare 0.0145 x 0.56 = 0.00812 -> 0.01, plus 0.009 x 0.55 = 0.00495 -> 0.00
     *         (the cent under the threshold before counts for nothing) */
    fx_open(&f, NULL, D(2026, 11, 20));
    deduct(&f, "PO", "RA", 19999999, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 290000);
    deduct(&f, "PO", "RA", 56, &pc);
    ASSERT_I64(pc.amount[AMT_FICA_MEDICARE], 1);
    fx_close(&f);
}

/* ---- a parameter a rule needs with no value in force: a fatal error naming it ---- */

typedef struct {
    const char *param;
    const char *prov, *rcp;     /* the timesheet that needs it */
    int32_t minutes;            /* on its first day */
    int second;                 /* a first timesheet of PO for RA the same week (multi-recipient) */
} need_case;

static void test_missing_parameters(void)
{
    static const need_case cases[] = {
        {"overtime.multiplier", "PO", "RA", H(8, 0), 0},
        {"overtime.weekly_threshold", "PO", "RA", H(8, 0), 0},
        {"workweek.single_recipient_max", "PO", "RA", H(8, 0), 0},
        {"fica.ss_rate", "PO", "RA", H(8, 0), 0},
        {"fica.ss_wage_base", "PO", "RA", H(8, 0), 0},
        {"fica.medicare_rate", "PO", "RA", H(8, 0), 0},
        {"fica.medicare_additional_rate", "PO", "RA", H(8, 0), 0},
        {"fica.medicare_additional_threshold", "PO", "RA", H(8, 0), 0},
        {"sdi.rate", "PO", "RA", H(8, 0), 0},
        {"sdi.wage_ceiling", "PO", "RA", H(8, 0), 0},
        {"sdi.quarter_threshold", "PO", "RA", H(8, 0), 0},
        {"payment.business_days", "PO", "RA", H(8, 0), 0},
        {"bups.differential", "PB2", "RB2", H(8, 0), 0},
        {"bups.annual_hours", "PB2", "RB2", H(8, 0), 0},
        {"bups.annual_hours_exception", "PB1", "RB1", H(8, 0), 0},
        {"workweek.multi_recipient_max", "PO", "R19", H(8, 0), 1},
        {"workweek.exemption_max", "PX", "RA", H(8, 0), 0},
        {"workweek.exemption_monthly_max", "PX", "RA", H(8, 0), 0},
        {"union.hours_threshold", "PU", "RA", H(8, 0), 0},
        {"union.dues_scale", "PU", "RA", H(15, 0), 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const need_case *k = &cases[i];
        fx f;
        rules_result r;
        fx_params p = {.drop = k->param};
        fx_open(&f, &p, D(2026, 11, 20));
        if (k->second) {
            int32_t d[1] = {H(8, 0)};
            sheet s0 = mk_sheet("N-0", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
            process(&f, &s0, &r);
        }
        int32_t d[1] = {k->minutes};
        sheet s = mk_sheet("N-1", k->prov, k->rcp, D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
        memset(&r, 0, sizeof r);
        int rc = rules_process(&f.e, &s, &r);
        if (rc != RULES_FATAL || !strstr(f.e.err, k->param))
            fprintf(stderr, "\nwithout %s: rc %d, error \"%s\"\n", k->param, rc, f.e.err);
        CU_ASSERT_EQUAL(rc, RULES_FATAL);
        ASSERT_CONTAINS(f.e.err, k->param);
        CU_ASSERT_EQUAL(f.e.out_of_memory, 0);
        /* taxes go by the pay date, statewide; the rest by the period start, in the
         * recipient's county */
        if (strcmp(k->param, "fica.ss_rate") == 0)
            ASSERT_STR(f.e.err, "parameters.csv: no value of fica.ss_rate in force for the state (*) on 2026-11-20");
        if (strcmp(k->param, "overtime.multiplier") == 0)
            ASSERT_STR(f.e.err, "parameters.csv: no value of overtime.multiplier in force for alameda on 2026-11-01");
        fx_close(&f);
    }
}

/* ---- the explanation (payrun explain) of the half-cent paycheck ---- */

typedef struct {
    char text[16384];
    size_t len;
} trace_buf;

static void collect(void *ctx, const char *line)
{
    trace_buf *t = ctx;
    int n = snprintf(t->text + t->len, sizeof t->text - t->len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof t->text - t->len)
        t->len += (size_t)n;
}

static void test_explain_lines(void)
{
    fx f;
    rules_result r;
    static trace_buf t;
    fx_params p = {.differential = "2.01"};
    int32_t days[13] = {H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(7, 30), 0, 0,
                        H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(8, 0), H(0, 20)};
    memset(&t, 0, sizeof t);
    fx_open(&f, &p, D(2026, 11, 20));
    f.e.trace = collect;
    f.e.trace_ctx = &t;
    f.e.tracing = 1;
    sheet s = mk_sheet("HC-1", "PB3", "RB3", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), days, 13);
    process(&f, &s, &r);
    /* each parameter once, with where it comes from */
    ASSERT_CONTAINS(t.text, "  parameter wage.hourly = 15.00 (alameda, looked up on 2026-11-01; in force from "
                            "2020-01-01; test wage)");
    ASSERT_CONTAINS(t.text, "  parameter bups.differential = 2.01 (statewide, looked up on 2026-11-01;");
    /* the numbers of test_half_cent_pay, as explain writes them */
    ASSERT_CONTAINS(t.text, "overtime rate 17.01 x 1.5 = 25.515 (exact)");
    ASSERT_CONTAINS(t.text, "2026-11-13: 0:20 paid; the provider's week of 2026-11-08 had 40:00 -> 0:00 regular, "
                            "0:20 overtime");
    ASSERT_CONTAINS(t.text, "regular pay round(17.01 x 79:30) = 1352.30; overtime pay round(25.515 x 0:20) = 8.51; "
                            "gross 1360.81; of which differential 160.81");
    ASSERT_CONTAINS(t.text, "10. BUPS hours of fiscal year 2026-27: 80:00 allowed, 0:00 used before");
    ASSERT_CONTAINS(t.text, "14.1 fica_ss: FICA wages of the year before 0.00; base 1360.81 (under the wage base); "
                            "round(0.062 x 1360.81) = 84.37; taken 84.37");
    ASSERT_CONTAINS(t.text, "14.3 sdi: quarter wages before 0.00; base 1360.81 (crossing the threshold");
    ASSERT_CONTAINS(t.text, "net = 1360.81 - deductions = 1243.10");
    fx_close(&f);

    /* share of cost, dues and recovery lines: PR to RA (recovery), PU to RS (dues and SOC) */
    memset(&t, 0, sizeof t);
    fx_open(&f, NULL, D(2026, 11, 20));
    f.e.trace = collect;
    f.e.trace_ctx = &t;
    f.e.tracing = 1;
    int32_t d15[2] = {H(8, 0), H(7, 0)};
    s = mk_sheet("X-1", "PU", "RS", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d15, 2);
    process(&f, &s, &r);
    /* 15:00 x 15.00 = 225.00: ss 13.95, medicare 3.2625 -> 3.26, SDI none (225.00 in the
     * quarter), SOC 70.00, dues 10.30 */
    ASSERT_CONTAINS(t.text, "14.3 sdi: quarter wages 225.00 not over 750.00: not withheld yet");
    ASSERT_CONTAINS(t.text, "14.6 share_of_cost: 70.00 owed this month, 0.00 taken before; taken 70.00");
    ASSERT_CONTAINS(t.text, "14.7 union_dues: 15:00 paid this month -> month's dues 10.30, 0.00 taken before; "
                            "taken 10.30");
    ASSERT_I64(r.paycheck.amount[AMT_NET], 22500 - 1395 - 326 - 7000 - 1030);
    s = mk_sheet("X-2", "PR", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d15, 2);
    process(&f, &s, &r);
    ASSERT_CONTAINS(t.text, "14.8 overpayment OP1: balance 25.00, recovered before 0.00, at most 10.00 a paycheck; "
                            "taken 10.00");
    s = mk_sheet("X-3", "PO", "R17", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d15, 2);
    process(&f, &s, &r);
    ASSERT_CONTAINS(t.text, "14.1-2 FICA: exempt (a parent of a recipient under 18 on the period's last day)");
    fx_close(&f);
}

/* ---- workweek violations: the ordinal and its consequence in the message ---- */

/* PO works 71:00 for RA in the week of 2026-11-01 (10:00 a day, 11:00 on Saturday): RA's
 * weekly maximum is 283:00 / 4 = 70:45 (above 40:00, at the 70:45 cap): 0:15 over. With
 * `before` violations already counted for PO, this one is number before + 1. */
static void violation_case(int32_t before, const char *want)
{
    fx f;
    rules_result r;
    int32_t days[7] = {H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(11, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2);
    int32_t *count = ledger_get(&f.lg.violations, ledger_key(po, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(count);
    *count = before;
    sheet s = mk_sheet("V-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), days, 7);
    process(&f, &s, &r);
    const rules_exception *x = find_ex(&r, EX_WORKWEEK_LIMIT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    ASSERT_I64(x->minutes, 15);
    ASSERT_CONTAINS(x->message, want);
    ASSERT_I64(*(int32_t *)ledger_get(&f.lg.violations, ledger_key(po, 0)), before + 1);
    fx_close(&f);
}

static void test_violation_ordinals(void)
{
    violation_case(0, "limit 70:45 (recipient authorized 283:00/month); 1st violation: notice");
    violation_case(1, "; 2nd violation: notice and optional training");
    violation_case(2, "; 3rd violation: 90-day suspension");
    violation_case(3, "; 4th violation: 365-day ineligibility");
    violation_case(10, "; 11th violation: 365-day ineligibility");
    violation_case(11, "; 12th violation: ");
    violation_case(12, "; 13th violation: ");
    violation_case(13, "; 14th violation: ");
    violation_case(20, "; 21st violation: ");
    violation_case(21, "; 22nd violation: ");
    violation_case(22, "; 23rd violation: ");
    violation_case(110, "; 111th violation: ");
    violation_case(111, "; 112th violation: ");
    violation_case(112, "; 113th violation: ");    /* 113 % 100 = 13 (113 % 99 = 14 would say 3rd) */
    violation_case(802, "; 803rd violation: ");    /* 803 % 100 = 3, not 11-13 (803 % 99 = 11) */
    violation_case(120, "; 121st violation: ");
    violation_case(1020, "; 1021st violation: ");  /* 1021 % 100 = 21, not 11-13 */
}

/* ---- the run's totals (summary.json): held and rejected counted apart ---- */

static void test_totals_held_rejected(void)
{
    static const char PENDING[] = "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n"
                                  "PO,O,alameda,pending,n,n,n\n";
    fx f;
    rules_result r;
    int32_t d[1] = {H(2, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    /* a pair with no assignment: rejected, 2:00 claimed and cut */
    sheet s = mk_sheet("TR-1", "PU", "R17", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
    process(&f, &s, &r);
    ASSERT_I64(r.ex[0].code, EX_NO_ASSIGNMENT);
    ASSERT_I64(f.e.totals.rejected, 1);
    ASSERT_I64(f.e.totals.held, 0);
    ASSERT_I64(f.e.totals.minutes_cut, H(2, 0));
    fx_close(&f);
    /* a provider whose enrollment is pending: held, not rejected */
    char dir[64], err[1024] = "";
    load_file files[LOAD_NFILES];
    memset(&f, 0, sizeof f);
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
    char params[4096];
    snprintf(params, sizeof params, PARAMS_FMT, "15.00", "2.00", "0.01", "");
    write_file(dir, "parameters.csv", params);
    write_file(dir, "providers.csv", PENDING);
    write_file(dir, "recipients.csv", RECIPIENTS);
    write_file(dir, "authorizations.csv", AUTHORIZATIONS);
    write_file(dir, "assignments.csv", "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
                                       "PO,RA,other,no,2020-01-01,\n");
    int rc = load_masters(dir, &f.m, files, err, sizeof err);
    tu_rmtree(dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(ledger_init(&f.lg, &f.m.provider_ids, &f.m.recipient_ids, &f.m.overpayment_ids), 0);
    ledger_set_counties(&f.lg, &f.m.params.counties);
    rules_init(&f.e, &f.m, &f.lg, D(2026, 11, 20));
    f.ok = 1;
    s = mk_sheet("TH-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
    process(&f, &s, &r);
    ASSERT_I64(r.ex[0].code, EX_ENROLLMENT_PENDING);
    ASSERT_I64(f.e.totals.held, 1);
    ASSERT_I64(f.e.totals.rejected, 0);
    ASSERT_I64(f.e.totals.rows, 1);
    ASSERT_I64(f.e.totals.by_code[EX_ENROLLMENT_PENDING], 1);
    fx_close(&f);
}

/* ---- parameters by county and by date, looked up in any order ---- */

/* alameda's wage is 15.00, then 15.50 from 2026-11-16; fresno's is 16.00. Timesheets of
 * 1:00 alternate between the two counties and the two periods: each is paid the wage of
 * its recipient's county on its period's start, whatever was looked up before. */
static void test_params_by_county_and_date(void)
{
    static const char EXTRA_RECIPIENT[] = "RF,F,fresno,1950-01-01,n,n,\n";
    fx f;
    rules_result r;
    char dir[64], err[1024] = "", params[4096], text[4096];
    load_file files[LOAD_NFILES];
    memset(&f, 0, sizeof f);
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
    snprintf(params, sizeof params, PARAMS_FMT, "15.00", "2.00", "0.01", "");
    strcat(params, "wage.hourly,alameda,2026-11-16,15.50,test raise\n"
                   "wage.hourly,fresno,2020-01-01,16.00,test wage\n");
    write_file(dir, "parameters.csv", params);
    write_file(dir, "providers.csv", PROVIDERS);
    snprintf(text, sizeof text, "%s%s", RECIPIENTS, EXTRA_RECIPIENT);
    write_file(dir, "recipients.csv", text);
    snprintf(text, sizeof text, "%sRF,2026-11,283:00,0,0,y\n", AUTHORIZATIONS);
    write_file(dir, "authorizations.csv", text);
    snprintf(text, sizeof text, "%sPO,RF,other,no,2020-01-01,\n", ASSIGNMENTS);
    write_file(dir, "assignments.csv", text);
    write_file(dir, "writ_worksheets.csv", WRITS);
    int rc = load_masters(dir, &f.m, files, err, sizeof err);
    tu_rmtree(dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(ledger_init(&f.lg, &f.m.provider_ids, &f.m.recipient_ids, &f.m.overpayment_ids), 0);
    ledger_set_counties(&f.lg, &f.m.params.counties);
    rules_init(&f.e, &f.m, &f.lg, D(2026, 12, 4));
    f.ok = 1;
    /* first a writ refused after the overtime threshold was looked up for alameda on
     * 2026-11-01 (20:01 of RW's 20:00), before any wage: then fresno's wage is the first
     * wage looked up */
    int32_t w[2] = {0, H(20, 1)};
    sheet s0 = mk_sheet("W-OVER", "PO", "RW", D(2026, 11, 1), KIND_WRIT, D(2026, 12, 1), w, 2);
    process(&f, &s0, &r);
    ASSERT_I64(r.ex[0].code, EX_WRIT_POLICY);
    static const struct {
        const char *rcp;
        int day;                /* period start in 2026-11 */
        money_cents wage;       /* cents an hour */
    } order[] = {{"RF", 1, 1600}, {"RA", 1, 1500}, {"RF", 1, 1600}, {"RA", 16, 1550}, {"RF", 16, 1600}, {"RA", 1, 1500},
                 {"RA", 16, 1550}, {"RF", 1, 1600}, {"RA", 1, 1500}, {"RF", 16, 1600}, {"RA", 16, 1550}};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        char id[16];
        snprintf(id, sizeof id, "PC-%zu", i);
        int32_t d[1] = {H(1, 0)};
        sheet s = mk_sheet(id, "PO", order[i].rcp, D(2026, 11, order[i].day), KIND_SUPPLEMENTAL, D(2026, 12, 1), d, 1);
        process(&f, &s, &r);
        ASSERT_I64(r.paycheck.regular_rate, order[i].wage * MONEY_RATE_PER_CENT);
        ASSERT_I64(r.paycheck.amount[AMT_REGULAR_PAY], order[i].wage);      /* 1:00 at the wage */
    }
    fx_close(&f);
}

/* ---- the workweek exemption's monthly limit ---- */

/* PX (workweek_exemption=y): 12:00 a day for RA on 2026-11-01..15 (180:00), the same for
 * R19 (180:00): 360:00 in the month, not over 360:00. Weeks of 2026-11-01 and 11-08:
 * 84:00 + 84:00 = 168:00, over the exemption's 90:00 by 78:00 (the first counts the month's
 * violation, the second says it is already counted). Then 1:00 for RA on 2026-11-16:
 * 361:00, one more WORKWEEK_LIMIT row for the month, 1:00 over. */
static void test_exemption_monthly_limit(void)
{
    fx f;
    rules_result r;
    int32_t days[15];
    for (int i = 0; i < 15; i++)
        days[i] = H(12, 0);
    fx_open(&f, NULL, D(2026, 12, 4));
    sheet s = mk_sheet("EX-1", "PX", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 12, 1), days, 15);
    process(&f, &s, &r);
    CU_ASSERT_PTR_NULL(find_ex(&r, EX_WORKWEEK_LIMIT));     /* 84:00 a week, 180:00 a month */
    s = mk_sheet("EX-2", "PX", "R19", D(2026, 11, 1), KIND_REGULAR, D(2026, 12, 1), days, 15);
    process(&f, &s, &r);
    int weekly = 0, monthly = 0;
    for (int i = 0; i < r.nex; i++)
        if (r.ex[i].code == EX_WORKWEEK_LIMIT) {
            if (strncmp(r.ex[i].message, "week of ", 8) == 0) {
                weekly++;
                ASSERT_I64(r.ex[i].minutes, H(78, 0));
                ASSERT_CONTAINS(r.ex[i].message, "168:00 worked for more than one recipient, limit 90:00 "
                                                 "(workweek exemption)");
            } else
                monthly++;
        }
    ASSERT_I64(weekly, 2);
    ASSERT_I64(monthly, 0);                                 /* 360:00 is not over 360:00 */
    int32_t one[1] = {H(1, 0)};
    s = mk_sheet("EX-3", "PX", "RA", D(2026, 11, 16), KIND_REGULAR, D(2026, 12, 1), one, 1);
    process(&f, &s, &r);
    const rules_exception *x = find_ex(&r, EX_WORKWEEK_LIMIT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    ASSERT_I64(x->minutes, 60);
    ASSERT_STR(x->message, "month 2026-11: 361:00 worked, workweek exemption limit 360:00/month; violation already "
                           "counted for 2026-11 (1st: notice)");
    fx_close(&f);
}

/* ---- signatures and dates, in the order they are checked ---- */

static void dates_case(cal_date prov, cal_date rcp, cal_date received, sheet_code want, const char *msg)
{
    fx f;
    rules_result r;
    int32_t d[1] = {H(1, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    sheet s = mk_sheet("DT-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 1);
    s.provider_signed_on = prov;
    s.recipient_signed_on = rcp;
    s.received_on = received;
    process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 0);
    ASSERT_I64(r.nex, 1);
    ASSERT_I64(r.ex[0].code, want);
    ASSERT_I64(r.ex[0].minutes, H(1, 0));
    ASSERT_STR(r.ex[0].message, msg);
    fx_close(&f);
}

/* The period 2026-11-01..15, run date 2026-11-20. */
static void test_dates(void)
{
    dates_case(CAL_NONE, D(2026, 11, 16), D(2026, 11, 16), EX_MISSING_SIGNATURE, "the provider's signature date is empty");
    dates_case(D(2026, 11, 16), CAL_NONE, D(2026, 11, 16), EX_MISSING_SIGNATURE, "the recipient's signature date is empty");
    /* signing on the period's last day is allowed; the day before is early */
    dates_case(D(2026, 11, 14), D(2026, 11, 15), D(2026, 11, 16), EX_SIGNED_EARLY,
               "provider signed on 2026-11-14, before the period ended on 2026-11-15");
    dates_case(D(2026, 11, 15), D(2026, 11, 14), D(2026, 11, 16), EX_SIGNED_EARLY,
               "recipient signed on 2026-11-14, before the period ended on 2026-11-15");
    dates_case(D(2026, 11, 15), D(2026, 11, 15), D(2026, 11, 14), EX_RECEIVED_EARLY,
               "received on 2026-11-14, before the period ended on 2026-11-15");
    dates_case(D(2026, 11, 15), D(2026, 11, 15), D(2026, 11, 21), EX_BAD_DATES,
               "received after the run date (received 2026-11-21, period end 2026-11-15, run date 2026-11-20)");
    dates_case(D(2026, 11, 17), D(2026, 11, 15), D(2026, 11, 16), EX_BAD_DATES,
               "signed after the date received (received 2026-11-16, period end 2026-11-15, run date 2026-11-20)");
    /* received on the run date itself is not late: the reason is the signature after it */
    dates_case(D(2026, 11, 21), D(2026, 11, 15), D(2026, 11, 20), EX_BAD_DATES,
               "signed after the date received (received 2026-11-20, period end 2026-11-15, run date 2026-11-20)");
    dates_case(D(2026, 11, 15), D(2026, 11, 17), D(2026, 11, 16), EX_BAD_DATES,
               "signed after the date received (received 2026-11-16, period end 2026-11-15, run date 2026-11-20)");
    /* all on the last day, received the same day, run the day after: paid */
    fx f;
    rules_result r;
    int32_t d[1] = {H(1, 0)};
    fx_open(&f, NULL, D(2026, 11, 16));
    sheet s = mk_sheet("DT-2", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 15), d, 1);
    process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.nex, 0);
    fx_close(&f);
}

/* Run on the period's last day (docs/rules.md §3: "running on the last day is allowed"):
 * the period 2026-11-01..15 has ended on 2026-11-15. All signed and received that day:
 * paid. The provider's signature dated 2026-11-16, after the receipt on 11-15: BAD_DATES,
 * for the signature (the period has ended, so that is not the reason). */
static void test_dates_run_on_last_day(void)
{
    fx f;
    rules_result r;
    int32_t d[1] = {H(1, 0)};
    fx_open(&f, NULL, D(2026, 11, 15));
    sheet s = mk_sheet("DL-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 15), d, 1);
    process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 1);
    ASSERT_I64(r.nex, 0);
    s = mk_sheet("DL-2", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 15), d, 1);
    s.provider_signed_on = D(2026, 11, 16);
    process(&f, &s, &r);
    CU_ASSERT_EQUAL(r.paid, 0);
    ASSERT_I64(r.ex[0].code, EX_BAD_DATES);
    ASSERT_STR(r.ex[0].message, "signed after the date received (received 2026-11-15, period end 2026-11-15, run "
                                "date 2026-11-15)");
    fx_close(&f);
}

/* ---- counters already past a limit (authorizations and exceptions change between
 * nights): everything is cut, nothing goes negative ---- */

static void test_counters_past_limits(void)
{
    fx f;
    rules_result r;
    int32_t d[2] = {H(1, 0), H(1, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    /* RA's month already has 283:01 paid of its 283:00 (one minute over): 2:00 all cut */
    int32_t ra = ids_find(&f.m.recipient_ids, "RA", 2);
    ledger_recipient_month *rm = ledger_get(&f.lg.recipient_month, ledger_key(ra, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rm);
    rm->minutes = H(283, 1);
    sheet s = mk_sheet("CP-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 2);
    process(&f, &s, &r);
    const rules_exception *x = find_ex(&r, EX_OVER_AUTHORIZED);
    ASSERT_I64(x ? x->minutes : -1, H(2, 0));
    ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, 0);
    ASSERT_I64(r.paycheck.amount[AMT_GROSS], 0);
    /* RB2's fiscal year already has 80:01 BUPS minutes of its 80:00: 2:00 all cut */
    int32_t rb2 = ids_find(&f.m.recipient_ids, "RB2", 3);
    int64_t *by = ledger_get(&f.lg.bups_year, ledger_key(rb2, cal_fiscal_year(D(2026, 11, 1))));
    CU_ASSERT_PTR_NOT_NULL_FATAL(by);
    *by = H(80, 1);
    s = mk_sheet("CP-2", "PB2", "RB2", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), d, 2);
    process(&f, &s, &r);
    x = find_ex(&r, EX_BUPS_HOURS_EXHAUSTED);
    ASSERT_I64(x ? x->minutes : -1, H(2, 0));
    ASSERT_I64(r.paycheck.regular_minutes + r.paycheck.overtime_minutes, 0);
    /* RW's month already has 20:01 of its 20:00: a writ of 15:00 does not fit "0:00 left" */
    int32_t rw = ids_find(&f.m.recipient_ids, "RW", 2);
    rm = ledger_get(&f.lg.recipient_month, ledger_key(rw, cal_month_key_ymd(2026, 11)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rm);
    rm->minutes = H(20, 1);
    int32_t w[2] = {H(10, 0), H(5, 0)};
    s = mk_sheet("W-LEFT", "PO", "RW", D(2026, 11, 1), KIND_WRIT, D(2026, 11, 16), w, 2);
    process(&f, &s, &r);
    ASSERT_I64(r.ex[0].code, EX_WRIT_POLICY);
    ASSERT_STR(r.ex[0].message, "writ SR-4: 15:00 do not fit the 0:00 of authorized hours left this month; a writ is "
                                "not partly paid");
    fx_close(&f);
}

/* ---- only the weeks a timesheet pays are its weeks ---- */

/* PO works 71:00 for RA in the week of 2026-11-01 (0:15 over RA's 70:45: a violation).
 * A timesheet for R19 of the same period with hours only on 2026-11-08 has no minutes
 * in the week of 2026-11-01: no WORKWEEK_LIMIT for that week, and the week stays a
 * one-recipient week. */
static void test_weeks_of_paid_days(void)
{
    fx f;
    rules_result r;
    int32_t a[7] = {H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(10, 0), H(11, 0)};
    int32_t b[8] = {0, 0, 0, 0, 0, 0, 0, H(2, 0)};
    fx_open(&f, NULL, D(2026, 11, 20));
    sheet s = mk_sheet("WK-1", "PO", "RA", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), a, 7);
    process(&f, &s, &r);
    CU_ASSERT_PTR_NOT_NULL(find_ex(&r, EX_WORKWEEK_LIMIT));
    s = mk_sheet("WK-2", "PO", "R19", D(2026, 11, 1), KIND_REGULAR, D(2026, 11, 16), b, 8);
    process(&f, &s, &r);
    CU_ASSERT_PTR_NULL(find_ex(&r, EX_WORKWEEK_LIMIT));
    ASSERT_I64(r.paycheck.regular_minutes, H(2, 0));
    int32_t po = ids_find(&f.m.provider_ids, "PO", 2);
    const ledger_provider_week *w1 = ledger_peek(&f.lg.provider_week, ledger_key(po, D(2026, 11, 1)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(w1);
    ASSERT_I64(w1->minutes, H(71, 0));
    ASSERT_I64(w1->multi, 0);
    fx_close(&f);
}

int test_boundaries_register(void)
{
    static const tu_test tests[] = {
        {"parent FICA exemption: 17, 18 and 19 on the period's last day (deduct_apply)", test_parent_fica_age},
        {"parent FICA exemption: 17, 18 and 19 on the period's last day (rules_process)", test_parent_fica_age_rules},
        {"SDI: 750.00 and 750.01 in the quarter, the crossing catch-up", test_sdi_quarter_threshold},
        {"SDI: the wage ceiling by the year's taxed wages across quarters", test_sdi_ceiling_by_year},
        {"SDI: family providers with and without the election", test_sdi_family_election},
        {"BUPS: 160:00 only with severe impairment and the exception", test_bups_exception},
        {"BUPS: 159:59, 160:00 and 160:01 with the exception", test_bups_exception_edge},
        {"writ: at, one minute under and one minute over the hours left", test_writ_policy},
        {"overtime: 40:00 and 40:01 in a workweek", test_overtime_threshold},
        {"union dues: 14:59, 15:00, 25:00 and 25:01 in the month", test_dues_threshold},
        {"half a cent up: regular, overtime, differential, gross, taxes, net", test_half_cent_pay},
        {"half a cent up: fica_ss, fica_medicare, sdi", test_half_cent_taxes},
        {"FICA wage base and additional Medicare threshold crossed", test_fica_bases},
        {"additional Medicare on 0.56 above the threshold", test_additional_medicare_cents},
        {"share of cost: shared, carried, never below 0", test_share_of_cost},
        {"overpayment recovery: oldest first, per-check maximum, balance, what is left", test_overpayment_recovery},
        {"a parameter a rule needs, missing: a fatal error naming it", test_missing_parameters},
        {"explain: the lines of the pay and the deductions", test_explain_lines},
        {"workweek violations: 1st, 2nd, 3rd, 4th, 11th-13th, 21st-23rd, 111th, 121st, 1021st", test_violation_ordinals},
        {"run totals: held and rejected counted apart", test_totals_held_rejected},
        {"parameters by county and by date, looked up in any order", test_params_by_county_and_date},
        {"workweek exemption: 90:00 a week, 360:00 and 361:00 a month", test_exemption_monthly_limit},
        {"signatures and dates: empty, early, late, signed after receipt, on the last day", test_dates},
        {"signatures and dates: run on the period's last day", test_dates_run_on_last_day},
        {"counters already past a limit: everything cut, nothing negative", test_counters_past_limits},
        {"only the weeks a timesheet pays are its weeks", test_weeks_of_paid_days},
    };
    return tu_register("boundaries", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
