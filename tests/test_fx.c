/* test_fx.c — the small data directory of test_fx.h and the helpers around it. */
#include "test_fx.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* Statewide parameters, alameda's wage 15.00. */
static const char PARAMETERS[] =
    "parameter,scope,effective_from,value,reference\n"
    "wage.hourly,alameda,2020-01-01,15.00,test wage\n"
    "overtime.multiplier,*,2020-01-01,1.5,test\n"
    "overtime.weekly_threshold,*,2020-01-01,40:00,test\n"
    "bups.differential,*,2020-01-01,2.00,test\n"
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
    "sdi.rate,*,2020-01-01,0.01,test\n"
    "sdi.wage_ceiling,*,2020-01-01,,test\n"
    "sdi.quarter_threshold,*,2020-01-01,750.00,test\n"
    "union.dues_scale,*,2020-01-01,0:00=10.30; 25:01=15.90,test\n"
    "union.hours_threshold,*,2020-01-01,15:00,test\n"
    "payment.business_days,*,2020-01-01,10,test\n";

/* PO other, PS RA's spouse, PN enrollment pending, PX workweek exemption, PU union
 * member, PR with an overpayment, PB a BUPS back-up provider, PE a parent who elected SDI. */
static const char PROVIDERS[] =
    "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n"
    "PO,O,alameda,complete,n,n,n\n"
    "PS,S,alameda,complete,n,n,n\n"
    "PN,N,alameda,pending,n,n,n\n"
    "PX,X,alameda,complete,n,n,y\n"
    "PU,U,alameda,complete,n,y,n\n"
    "PR,R,alameda,complete,n,n,n\n"
    "PB,B,alameda,complete,n,n,n\n"
    "PE,E,alameda,complete,y,n,n\n";

/* RA an adult; RE, RF and RG sign electronic timesheets: RE's ESP history is in
 * esp_history.csv and recipients.csv, RF has none, RG only an activation; RB severely
 * impaired with the BUPS exception; RS owes a share of cost; RN is not Medi-Cal
 * eligible. */
static const char RECIPIENTS[] =
    "recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n"
    "RA,A,alameda,1950-01-01,n,n,\n"
    "RE,E,alameda,1950-01-01,n,n,2026-10-15\n"
    "RF,F,alameda,1950-01-01,n,n,\n"
    "RG,G,alameda,1950-01-01,n,n,\n"
    "RB,B,alameda,1950-01-01,y,y,\n"
    "RS,S,alameda,1950-01-01,n,n,\n"
    "RN,N,alameda,1950-01-01,n,n,\n";

static const char AUTHORIZATIONS[] =
    "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
    "RA,2026-09,283:00,0,0,y\n"
    "RA,2026-10,283:00,0,0,y\n"
    "RA,2026-11,283:00,0,0,y\n"
    "RA,2026-12,283:00,0,0,y\n"
    "RE,2026-11,283:00,0,0,y\n"
    "RF,2026-11,283:00,0,0,y\n"
    "RG,2026-11,283:00,0,0,y\n"
    "RB,2026-11,283:00,0,0,y\n"
    "RS,2026-11,283:00,40.00,0,y\n"
    "RN,2026-11,283:00,0,0,n\n";

static const char ASSIGNMENTS[] =
    "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
    "PO,RA,other,no,2020-01-01,\n"
    "PO,RE,other,no,2020-01-01,\n"
    "PO,RF,other,no,2020-01-01,\n"
    "PO,RG,other,no,2020-01-01,\n"
    "PO,RS,other,no,2020-01-01,\n"
    "PO,RN,other,no,2020-01-01,\n"
    "PS,RA,spouse,no,2020-01-01,\n"
    "PN,RA,other,no,2020-01-01,\n"
    "PX,RA,other,no,2020-01-01,\n"
    "PX,RS,other,no,2020-01-01,\n"
    "PU,RA,other,no,2020-01-01,\n"
    "PU,RS,other,no,2020-01-01,\n"
    "PR,RA,other,no,2020-01-01,\n"
    "PB,RB,other,bups,2020-01-01,\n"
    "PE,RA,parent,no,2020-01-01,\n";

static const char OVERPAYMENTS[] =
    "provider_id,overpayment_id,balance,per_check_max\n"
    "PR,OP1,25.00,10.00\n";

/* Thanksgiving and the day after are weekdays; 2026-11-28 is a Saturday and 2026-11-29 a
 * Sunday (listed, they change no count of business days). */
static const char HOLIDAYS[] =
    "date,name\n"
    "2026-11-11,Veterans Day\n"
    "2026-11-26,Thanksgiving Day\n"
    "2026-11-27,Day after Thanksgiving\n"
    "2026-11-28,A Saturday\n"
    "2026-11-29,A Sunday\n";

static const char WRITS[] =
    "timesheet_id,reason,sr_number,regular_rate,overtime_rate,regular_hours,overtime_hours\n"
    "W-1,court_order,SR-1,16.00,24.00,10:00,2:00\n";

/* RE: inactive from 2026-10-01, again on 2026-10-15 (recipients.csv), active from
 * 2026-11-10, again on 2026-11-12, inactive from 2026-11-20. RG: active from 2026-10-01. */
static const char ESP_HISTORY[] =
    "recipient_id,status,from_date\n"
    "RE,inactive,2026-10-01\n"
    "RE,active,2026-11-10\n"
    "RE,active,2026-11-12\n"
    "RE,inactive,2026-11-20\n"
    "RG,active,2026-10-01\n";

static const fxt_file DEFAULTS[] = {
    {"parameters.csv", PARAMETERS},   {"providers.csv", PROVIDERS},     {"recipients.csv", RECIPIENTS},
    {"authorizations.csv", AUTHORIZATIONS}, {"assignments.csv", ASSIGNMENTS}, {"overpayments.csv", OVERPAYMENTS},
    {"holidays.csv", HOLIDAYS},       {"writ_worksheets.csv", WRITS},   {"esp_history.csv", ESP_HISTORY},
    {"withholding.csv", NULL},      /* absent unless a test gives it: no provider has withholding */
};

const char *fxt_default(const char *name)
{
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof DEFAULTS[0]; i++)
        if (strcmp(DEFAULTS[i].name, name) == 0)
            return DEFAULTS[i].text;
    return NULL;
}

int fxt_write_dir(char *dir, size_t dirlen, const fxt_file *over, int n)
{
    if (tu_mkdtemp(dir, dirlen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof DEFAULTS[0]; i++) {
        const char *text = DEFAULTS[i].text;
        for (int k = 0; k < n; k++)
            if (strcmp(over[k].name, DEFAULTS[i].name) == 0)
                text = over[k].text;
        char p[256];
        tu_path(p, sizeof p, dir, DEFAULTS[i].name);
        if (text && tu_write_str(p, text) != 0)
            return -1;
    }
    return 0;
}

int fxt_load(fxt *f, const char *dir)
{
    load_file files[LOAD_NFILES];
    memset(f, 0, sizeof *f);
    int rc = load_masters(dir, &f->m, files, f->err, sizeof f->err);
    f->loaded = 1;
    return rc;
}

void fxt_open(fxt *f, const fxt_file *over, int n, cal_date run)
{
    char dir[64];
    memset(f, 0, sizeof *f);
    CU_ASSERT_EQUAL_FATAL(fxt_write_dir(dir, sizeof dir, over, n), 0);
    int rc = fxt_load(f, dir);
    tu_rmtree(dir);     /* in memory now: a failed fatal assertion leaves nothing behind */
    ASSERT_STR(f->err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(ledger_init(&f->lg, &f->m.provider_ids, &f->m.recipient_ids, &f->m.overpayment_ids), 0);
    ledger_set_counties(&f->lg, &f->m.params.counties);
    f->ledger_ok = 1;
    rules_init(&f->e, &f->m, &f->lg, run);
    f->engine_ok = 1;
}

void fxt_close(fxt *f)
{
    if (f->engine_ok)
        rules_free(&f->e);
    if (f->ledger_ok)
        ledger_free(&f->lg);
    if (f->loaded)
        master_free(&f->m);
    f->engine_ok = f->ledger_ok = f->loaded = 0;
}

sheet fxt_sheet(const char *id, const char *prov, const char *rcp, cal_date start, sheet_kind kind,
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
    s.ndays = cal_period_days(start);
    s.period_end = cal_period_end(start);
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

void fxt_process(fxt *f, const sheet *s, rules_result *r)
{
    memset(r, 0, sizeof *r);
    int rc = rules_process(&f->e, s, r);
    ASSERT_STR(rc == 0 ? "" : f->e.err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

const rules_exception *fxt_find_ex(const rules_result *r, sheet_code c)
{
    for (int i = 0; i < r->nex; i++)
        if (r->ex[i].code == c)
            return &r->ex[i];
    return NULL;
}

int fxt_deduct(fxt *f, const char *prov, const char *rcp, money_cents gross, rules_paycheck *pc)
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
                       .month = month, .period_start = FXT_D(2026, 11, 1), .period_end = FXT_D(2026, 11, 15)};
    CU_ASSERT_FATAL(in.authorization != NULL);
    memset(pc, 0, sizeof *pc);
    pc->amount[AMT_GROSS] = gross;
    return deduct_apply(&f->e, &in, pc);
}

static void collect(void *ctx, const char *line)
{
    fxt_trace *t = ctx;
    int n = snprintf(t->text + t->len, sizeof t->text - t->len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof t->text - t->len)
        t->len += (size_t)n;
}

void fxt_trace_into(fxt *f, fxt_trace *t)
{
    memset(t, 0, sizeof *t);
    f->e.trace = collect;
    f->e.trace_ctx = t;
    f->e.tracing = 1;
}
