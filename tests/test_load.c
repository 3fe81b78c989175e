/* test_load.c — CUnit suite for loading the data directory (formats/load.h) and parsing timesheet rows (formats/tsread.h). */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "mastersnap.h"
#include "mem.h"
#include "test_util.h"
#include "tsread.h"

static cal_date D(int y, int m, int d) { return cal_from_ymd(y, m, d); }

/* ---- a small valid data directory ---- */

static const char PARAMETERS[] =
    "parameter,scope,effective_from,value,reference\n"
    "wage.hourly,alameda,2025-07-01,20.50,illustrative alameda wage\n"
    "overtime.multiplier,*,2020-01-01,1.5,FLSA\n"
    "overtime.weekly_threshold,*,2020-01-01,40:00,FLSA\n"
    "fica.ss_rate,*,2020-01-01,0.062,IRS\n"
    "sdi.wage_ceiling,*,2024-01-01,,none from 2024\n"
    "union.dues_scale,alameda,2025-01-01,0:00=10.30; 25:01=15.90,local dues\n"
    "payment.business_days,*,2020-01-01,10,seed 003\n";

static const char PROVIDERS[] =
    "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n"
    "P1,\"Doe, Jane\",alameda,complete,n,y,n\n"
    "P2,John Roe,alameda,pending,y,n,y\n";

static const char RECIPIENTS[] =
    "recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n"
    "R1,Ann,alameda,1940-02-29,y,n,\n"
    "R2,Bob,alameda,1950-01-01,n,y,2026-10-01\n";

static const char AUTHORIZATIONS[] =
    "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
    "R1,2026-11,283:00,0,0,y\n"
    "R2,2026-11,100:30,50.5,12.25,n\n"
    "R1,2026-12,283:00,0,0,y\n";

static const char ASSIGNMENTS[] =
    "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
    "P1,R1,other,no,2025-01-01,2025-12-31\n"
    "P2,R2,parent,bups,2026-01-01,2026-12-31\n"
    "P1,R1,child,no,2026-01-01,\n";

enum { F_PARAMETERS, F_PROVIDERS, F_RECIPIENTS, F_AUTHORIZATIONS, F_ASSIGNMENTS, F_N };
static const char *const NAMES[F_N] = {"parameters.csv", "providers.csv", "recipients.csv", "authorizations.csv",
                                       "assignments.csv"};
static const char *const DEFAULTS[F_N] = {PARAMETERS, PROVIDERS, RECIPIENTS, AUTHORIZATIONS, ASSIGNMENTS};

/* Writes the valid data directory into a new temp dir, with file `which` replaced by
 * `content` (which = -1: none replaced). */
static void make_dir(char *dir, size_t n, int which, const char *content)
{
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, n), 0);
    for (int f = 0; f < F_N; f++) {
        char p[256];
        tu_path(p, sizeof p, dir, NAMES[f]);
        CU_ASSERT_EQUAL_FATAL(tu_write_str(p, f == which ? content : DEFAULTS[f]), 0);
    }
}

static void test_valid(void)
{
    char dir[64], err[1024] = "";
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    make_dir(dir, sizeof dir, -1, NULL);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        int32_t ala = param_county(&m.params, "alameda", 7);
        CU_ASSERT(ala >= 0);
        ASSERT_I64(m.providers.n, 2);
        ASSERT_I64(m.recipients.n, 2);
        ASSERT_I64(m.authorizations.n, 3);
        ASSERT_I64(m.assignments.n, 3);
        ASSERT_I64(m.overpayments.n, 0);
        ASSERT_I64(m.writs.n, 0);
        ASSERT_I64(m.holidays.n, 0);

        int32_t p1 = ids_find(&m.provider_ids, "P1", 2), p2 = ids_find(&m.provider_ids, "P2", 2);
        int32_t r1 = ids_find(&m.recipient_ids, "R1", 2), r2 = ids_find(&m.recipient_ids, "R2", 2);
        CU_ASSERT_FATAL(p1 >= 0 && p2 >= 0 && r1 >= 0 && r2 >= 0);
        const master_provider *pp1 = &m.providers.v[p1], *pp2 = &m.providers.v[p2];
        /* the quoted name "Doe, Jane" (checked, not kept) leaves the columns after it in place */
        ASSERT_I64(pp1->county, ala);
        ASSERT_I64(pp1->enrollment_complete, 1);
        ASSERT_I64(pp1->elective_sdi, 0);
        ASSERT_I64(pp1->union_member, 1);
        ASSERT_I64(pp1->workweek_exemption, 0);
        ASSERT_I64(pp1->line, 2);
        ASSERT_I64(pp2->enrollment_complete, 0);
        ASSERT_I64(pp2->elective_sdi, 1);
        ASSERT_I64(pp2->workweek_exemption, 1);
        ASSERT_I64(pp2->line, 3);

        const master_recipient *rr1 = &m.recipients.v[r1], *rr2 = &m.recipients.v[r2];
        ASSERT_I64(rr1->birth_date, D(1940, 2, 29));
        ASSERT_I64(rr1->esp_inactivated_on, CAL_NONE);
        ASSERT_I64(rr1->severely_impaired, 1);
        ASSERT_I64(rr2->esp_inactivated_on, D(2026, 10, 1));
        ASSERT_I64(rr2->bups_exception, 1);

        const master_authorization *a = master_authorization_for(&m, r2, cal_month_key_ymd(2026, 11));
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        ASSERT_I64(a->authorized_minutes, 100 * 60 + 30);
        ASSERT_I64(a->share_of_cost, 5050);
        ASSERT_I64(a->soc_met_by_medical, 1225);
        ASSERT_I64(a->medi_cal_eligible, 0);
        ASSERT_I64(a->line, 3);
        CU_ASSERT_PTR_NULL(master_authorization_for(&m, r2, cal_month_key_ymd(2026, 12)));
        CU_ASSERT_PTR_NOT_NULL(master_authorization_for(&m, r1, cal_month_key_ymd(2026, 12)));

        size_t count;
        const master_assignment *as = master_pair_assignments(&m, p1, r1, &count);
        ASSERT_I64(count, 2);
        if (as && count == 2) {
            ASSERT_I64(as[0].start, D(2025, 1, 1));
            ASSERT_I64(as[0].end, D(2025, 12, 31));
            ASSERT_I64(as[1].start, D(2026, 1, 1));
            ASSERT_I64(as[1].end, CAL_OPEN);
            ASSERT_I64(as[1].relationship, REL_CHILD);
            ASSERT_I64(as[1].line, 4);
        }
        const master_assignment *on = master_assignment_on(&m, p1, r1, D(2026, 11, 5));
        CU_ASSERT_PTR_NOT_NULL(on);
        if (on)
            ASSERT_I64(on->line, 4);
        on = master_assignment_on(&m, p1, r1, D(2025, 12, 31));
        CU_ASSERT_PTR_NOT_NULL(on);
        if (on)
            ASSERT_I64(on->line, 2);
        CU_ASSERT_PTR_NULL(master_assignment_on(&m, p1, r1, D(2024, 12, 31)));
        CU_ASSERT_PTR_NULL(master_pair_assignments(&m, p1, r2, &count));
        ASSERT_I64(count, 0);
        on = master_assignment_on(&m, p2, r2, D(2026, 12, 31));
        CU_ASSERT_PTR_NOT_NULL(on);
        if (on) {
            ASSERT_I64(on->bups, 1);
            ASSERT_I64(on->relationship, REL_PARENT);
        }
        CU_ASSERT_PTR_NULL(master_assignment_on(&m, p2, r2, D(2027, 1, 1)));

        /* parameters as loaded */
        const param_row *w = param_in_force(&m.params, P_WAGE_HOURLY, ala, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(w);
        if (w) {
            ASSERT_I64(w->value, 2050);
            ASSERT_STR(param_reference(&m.params, w), "illustrative alameda wage");
        }
        const param_row *ot = param_in_force(&m.params, P_OVERTIME_MULTIPLIER, ala, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(ot);
        if (ot)
            ASSERT_I64(ot->value, 1500000);
        const param_row *th = param_in_force(&m.params, P_OVERTIME_WEEKLY_THRESHOLD, ala, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(th);
        if (th)
            ASSERT_I64(th->value, 2400);
        const param_row *ceil = param_in_force(&m.params, P_SDI_WAGE_CEILING, PARAM_STATEWIDE, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(ceil);
        if (ceil)
            ASSERT_I64(ceil->present, 0);
        const param_row *dues = param_in_force(&m.params, P_UNION_DUES_SCALE, ala, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(dues);
        if (dues) {
            ASSERT_I64(param_scale_of(&m.params, dues)->n, 2);
            ASSERT_I64(param_scale_amount(param_scale_of(&m.params, dues), 1501), 1590);
        }
        const param_row *bd = param_in_force(&m.params, P_PAYMENT_BUSINESS_DAYS, PARAM_STATEWIDE, D(2026, 11, 1));
        CU_ASSERT_PTR_NOT_NULL(bd);
        if (bd)
            ASSERT_I64(bd->value, 10);
        ASSERT_I64(param_county(&m.params, "fresno", 6), -1);

        /* files: required present, optional absent */
        char want[256];
        tu_path(want, sizeof want, dir, "providers.csv");
        ASSERT_STR(files[LOAD_PROVIDERS].path, want);
        ASSERT_I64(files[LOAD_PROVIDERS].present, 1);
        ASSERT_I64(files[LOAD_PROVIDERS].info.rows, 2);
        ASSERT_I64(files[LOAD_PROVIDERS].info.bytes, strlen(PROVIDERS));
        ASSERT_I64(files[LOAD_PARAMETERS].info.rows, 7);
        ASSERT_I64(files[LOAD_OVERPAYMENTS].present, 0);
        ASSERT_I64(files[LOAD_HOLIDAYS].present, 0);
        ASSERT_I64(files[LOAD_WRIT_WORKSHEETS].present, 0);
        ASSERT_I64(files[LOAD_ESP_HISTORY].present, 0);
        ASSERT_I64(files[LOAD_WITHHOLDING].present, 0);
        ASSERT_STR(load_file_name(LOAD_ASSIGNMENTS), "assignments.csv");
        ASSERT_STR(load_file_name(LOAD_ESP_HISTORY), "esp_history.csv");

        /* without withholding.csv no provider has withholding, on any day */
        ASSERT_I64(m.withholding.n, 0);
        CU_ASSERT_PTR_NULL(master_withholding_for(&m, p1, D(2026, 11, 1)));
        CU_ASSERT_PTR_NULL(master_withholding_for(&m, p2, D(2099, 12, 31)));

        /* without esp_history.csv, esp_inactivated_on is the recipient's one ESP change */
        cal_date since;
        CU_ASSERT_PTR_NULL(master_esp_history(&m, r1, &count));
        ASSERT_I64(count, 0);
        ASSERT_I64(master_esp_inactive_on(&m, r1, D(2026, 11, 1), &since), 0);
        ASSERT_I64(since, CAL_NONE);
        ASSERT_I64(master_esp_inactive_on(&m, r2, D(2026, 9, 30), &since), 0);
        ASSERT_I64(since, CAL_NONE);
        ASSERT_I64(master_esp_inactive_on(&m, r2, D(2026, 10, 1), &since), 1);
        ASSERT_I64(since, D(2026, 10, 1));
        ASSERT_I64(master_esp_inactive_on(&m, r2, D(2026, 10, 2), &since), 1);
        ASSERT_I64(since, D(2026, 10, 1));
        const master_esp_change *h = master_esp_history(&m, r2, &count);
        ASSERT_I64(count, 1);
        if (h && count == 1) {
            ASSERT_I64(h[0].from_recipients, 1);
            ASSERT_I64(h[0].line, 3);
            ASSERT_I64(h[0].inactive, 1);
        }
    }
    master_free(&m);
    tu_rmtree(dir);
}

/* The optional files, present; and a gzip-compressed master file under its plain name. */
static void test_optional_files(void)
{
    char dir[64], p[256], err[1024] = "";
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    make_dir(dir, sizeof dir, -1, NULL);
    tu_path(p, sizeof p, dir, "recipients.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(p, RECIPIENTS, strlen(RECIPIENTS)), 0);
    tu_path(p, sizeof p, dir, "holidays.csv");
    /* Wed, Thu, a Saturday (never a business-day holiday), Wed again */
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, "date,name\n2026-11-26,Thanksgiving\n2026-11-11,Veterans Day\n"
                                          "2026-11-28,a Saturday\n2026-11-11,again\n"),
                          0);
    tu_path(p, sizeof p, dir, "overpayments.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, "provider_id,overpayment_id,balance,per_check_max\n"
                                          "P2,OP-1,150.00,50\nP1,OP-2,10,5\nP2,OP-3,80.00,25.00\n"),
                          0);
    tu_path(p, sizeof p, dir, "writ_worksheets.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, "timesheet_id,reason,sr_number,regular_rate,overtime_rate,regular_hours,"
                                          "overtime_hours\nT-W1,court_order,SR-1,19.45,29.175,100:00,4:30\n"
                                          "T-W2,something else,,19.45,29.175,1:00,0:00\n"),
                          0);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        ASSERT_I64(files[LOAD_RECIPIENTS].info.gzip, 1);
        ASSERT_I64(m.recipients.n, 2);
        ASSERT_I64(files[LOAD_HOLIDAYS].present, 1);
        ASSERT_I64(m.holiday_dates.n, 4);
        ASSERT_I64(m.holidays.n, 2);
        if (m.holidays.n == 2) {
            ASSERT_I64(m.holidays.days[0], D(2026, 11, 11));
            ASSERT_I64(m.holidays.days[1], D(2026, 11, 26));
        }
        /* Nov 2026: 21 weekdays - 2 holidays */
        ASSERT_I64(cal_business_days_between(D(2026, 10, 31), D(2026, 11, 30), &m.holidays), 19);
        ASSERT_I64(m.overpayments.n, 3);
        int32_t p2 = ids_find(&m.provider_ids, "P2", 2);
        int32_t first = m.first_overpayment[p2];
        ASSERT_I64(first, 0);
        if (first == 0) {
            ASSERT_I64(m.next_overpayment[0], 2);   /* file order: OP-1, then OP-3 */
            ASSERT_I64(m.next_overpayment[2], -1);
            ASSERT_STR(master_text(&m, m.overpayments.v[2].id), "OP-3");
            ASSERT_I64(m.overpayments.v[0].balance, 15000);
            ASSERT_I64(m.overpayments.v[0].per_check_max, 5000);
        }
        ASSERT_I64(m.writs.n, 2);
        if (m.writs.n == 2) {
            ASSERT_I64(m.writs.v[0].reason, WRIT_COURT_ORDER);
            ASSERT_I64(m.writs.v[0].regular_rate, INT64_C(19450000000000));
            ASSERT_I64(m.writs.v[0].overtime_rate, INT64_C(29175000000000));
            ASSERT_I64(m.writs.v[0].overtime_minutes, 270);
            ASSERT_STR(master_text(&m, m.writs.v[0].sr_number), "SR-1");
            ASSERT_I64(m.writs.v[1].reason, WRIT_OTHER);
            ASSERT_STR(master_text(&m, m.writs.v[1].reason_text), "something else");
            ASSERT_STR(master_text(&m, m.writs.v[1].sr_number), "");
        }
    }
    master_free(&m);
    tu_rmtree(dir);
}

/* ---- esp_history.csv (SPEC §7c) ---- */

/* Writes the valid data directory plus the optional file name holding content (gzip when
 * asked) into a new temp dir and loads it; returns load_masters' result. */
static int load_with_optional(char *dir, size_t dirlen, const char *name, const char *content, int gzip, masters *m,
                              load_file *files, char *err, size_t errlen)
{
    char p[256];
    memset(m, 0, sizeof *m);
    make_dir(dir, dirlen, -1, NULL);
    tu_path(p, sizeof p, dir, name);
    int w = gzip ? tu_write_gzip(p, content, strlen(content)) : tu_write_str(p, content);
    CU_ASSERT_EQUAL_FATAL(w, 0);
    return load_masters(dir, m, files, err, errlen);
}

static int load_with_esp(char *dir, size_t dirlen, const char *content, int gzip, masters *m, load_file *files,
                         char *err, size_t errlen)
{
    return load_with_optional(dir, dirlen, "esp_history.csv", content, gzip, m, files, err, errlen);
}

/* Asserts the status in force for recipient on day: inactive (1/0) and since (CAL_NONE or a date). */
static void expect_status(int line, const masters *m, int32_t recipient, cal_date day, int inactive, cal_date since)
{
    cal_date got;
    tu_assert_i64(master_esp_inactive_on(m, recipient, day, &got), inactive, line, __FILE__,
                  "master_esp_inactive_on(...)");
    tu_assert_i64(got, since, line, __FILE__, "since");
}

#define EXPECT_STATUS(m, r, day, inactive, since) expect_status(__LINE__, m, r, day, inactive, since)

/* A history by column name (reordered, an extra column), gzip-compressed, merged with
 * R2's esp_inactivated_on (2026-10-01); the status the day before, on and after each change. */
static void test_esp_history(void)
{
    char dir[64], err[1024] = "";
    masters m;
    load_file files[LOAD_NFILES];
    static const char HISTORY[] = "from_date,note,recipient_id,status\n"
                                  "2026-11-10,asked by phone,R1,inactive\n"   /* line 2 */
                                  "2026-11-17,,R2,active\n"                   /* line 3 */
                                  "2026-11-20,reactivated,R1,active\n"        /* line 4 */
                                  "2026-12-05,,R2,inactive\n"                 /* line 5: a repeat, changes nothing */
                                  "2026-12-01,,R2,inactive\n";                /* line 6 */
    int rc = load_with_esp(dir, sizeof dir, HISTORY, 1, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        ASSERT_I64(files[LOAD_ESP_HISTORY].present, 1);
        ASSERT_I64(files[LOAD_ESP_HISTORY].info.gzip, 1);
        ASSERT_I64(files[LOAD_ESP_HISTORY].info.rows, 5);
        int32_t r1 = ids_find(&m.recipient_ids, "R1", 2), r2 = ids_find(&m.recipient_ids, "R2", 2);
        size_t n;
        const master_esp_change *h = master_esp_history(&m, r1, &n);
        ASSERT_I64(n, 2);
        if (h && n == 2) {
            ASSERT_I64(h[0].from, D(2026, 11, 10));
            ASSERT_I64(h[0].inactive, 1);
            ASSERT_I64(h[0].line, 2);
            ASSERT_I64(h[0].from_recipients, 0);
            ASSERT_I64(h[1].from, D(2026, 11, 20));
            ASSERT_I64(h[1].inactive, 0);
            ASSERT_I64(h[1].line, 4);
        }
        h = master_esp_history(&m, r2, &n);
        ASSERT_I64(n, 4);
        if (h && n == 4) {   /* date order: recipients.csv 10-01, lines 3, 6, 5 */
            ASSERT_I64(h[0].from, D(2026, 10, 1));
            ASSERT_I64(h[0].from_recipients, 1);
            ASSERT_I64(h[0].line, 3);
            ASSERT_I64(h[1].line, 3);
            ASSERT_I64(h[1].from_recipients, 0);
            ASSERT_I64(h[2].line, 6);
            ASSERT_I64(h[3].line, 5);
        }
        /* R1: active before the first change; inactive from 11-10; active again from 11-20 */
        EXPECT_STATUS(&m, r1, D(2026, 11, 9), 0, CAL_NONE);
        EXPECT_STATUS(&m, r1, D(2026, 11, 10), 1, D(2026, 11, 10));
        EXPECT_STATUS(&m, r1, D(2026, 11, 11), 1, D(2026, 11, 10));
        EXPECT_STATUS(&m, r1, D(2026, 11, 19), 1, D(2026, 11, 10));
        EXPECT_STATUS(&m, r1, D(2026, 11, 20), 0, D(2026, 11, 20));
        EXPECT_STATUS(&m, r1, D(2026, 11, 21), 0, D(2026, 11, 20));
        /* R2: esp_inactivated_on 10-01, active 11-17, inactive 12-01 and again 12-05 */
        EXPECT_STATUS(&m, r2, D(2026, 9, 30), 0, CAL_NONE);
        EXPECT_STATUS(&m, r2, D(2026, 10, 1), 1, D(2026, 10, 1));
        EXPECT_STATUS(&m, r2, D(2026, 10, 2), 1, D(2026, 10, 1));
        EXPECT_STATUS(&m, r2, D(2026, 11, 16), 1, D(2026, 10, 1));
        EXPECT_STATUS(&m, r2, D(2026, 11, 17), 0, D(2026, 11, 17));
        EXPECT_STATUS(&m, r2, D(2026, 11, 18), 0, D(2026, 11, 17));
        EXPECT_STATUS(&m, r2, D(2026, 11, 30), 0, D(2026, 11, 17));
        EXPECT_STATUS(&m, r2, D(2026, 12, 1), 1, D(2026, 12, 1));
        EXPECT_STATUS(&m, r2, D(2026, 12, 4), 1, D(2026, 12, 1));
        EXPECT_STATUS(&m, r2, D(2026, 12, 5), 1, D(2026, 12, 1));   /* the repeat: still since 12-01 */
        EXPECT_STATUS(&m, r2, D(2026, 12, 6), 1, D(2026, 12, 1));
        /* an index out of range has no history: active */
        CU_ASSERT_PTR_NULL(master_esp_history(&m, 2, &n));
        ASSERT_I64(n, 0);
        CU_ASSERT_PTR_NULL(master_esp_history(&m, -1, &n));
        EXPECT_STATUS(&m, -1, D(2026, 12, 1), 0, CAL_NONE);
    }
    master_free(&m);
    tu_rmtree(dir);

    /* changes the day before and the day after esp_inactivated_on (2026-10-01) are allowed */
    rc = load_with_esp(dir, sizeof dir, "recipient_id,status,from_date\nR2,inactive,2026-09-30\nR2,active,2026-10-02\n",
                       0, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        int32_t r2 = ids_find(&m.recipient_ids, "R2", 2);
        EXPECT_STATUS(&m, r2, D(2026, 9, 29), 0, CAL_NONE);
        EXPECT_STATUS(&m, r2, D(2026, 9, 30), 1, D(2026, 9, 30));
        EXPECT_STATUS(&m, r2, D(2026, 10, 1), 1, D(2026, 9, 30));
        EXPECT_STATUS(&m, r2, D(2026, 10, 2), 0, D(2026, 10, 2));
    }
    master_free(&m);
    tu_rmtree(dir);

    /* an active change before any inactivation changes nothing: active, never inactivated */
    rc = load_with_esp(dir, sizeof dir, "recipient_id,status,from_date\nR1,active,2026-11-01\nR1,inactive,2026-11-10\n"
                       "R1,active,2026-11-20\nR1,active,2026-11-25\n", 0, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        int32_t r1 = ids_find(&m.recipient_ids, "R1", 2);
        EXPECT_STATUS(&m, r1, D(2026, 10, 31), 0, CAL_NONE);
        EXPECT_STATUS(&m, r1, D(2026, 11, 1), 0, CAL_NONE);
        EXPECT_STATUS(&m, r1, D(2026, 11, 9), 0, CAL_NONE);
        EXPECT_STATUS(&m, r1, D(2026, 11, 10), 1, D(2026, 11, 10));
        EXPECT_STATUS(&m, r1, D(2026, 11, 20), 0, D(2026, 11, 20));
        EXPECT_STATUS(&m, r1, D(2026, 11, 25), 0, D(2026, 11, 20));   /* the repeat: still since 11-20 */
        EXPECT_STATUS(&m, r1, D(2026, 11, 26), 0, D(2026, 11, 20));
    }
    master_free(&m);
    tu_rmtree(dir);

    /* a header only: no change, R2 keeps its esp_inactivated_on */
    rc = load_with_esp(dir, sizeof dir, "recipient_id,status,from_date\n", 0, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        ASSERT_I64(files[LOAD_ESP_HISTORY].present, 1);
        ASSERT_I64(m.esp_changes.n, 1);
    }
    master_free(&m);
    tu_rmtree(dir);
}

/* Loads the valid directory plus esp_history.csv = content; expects failure with an
 * error that starts with "DIR/" + prefix. */
static void expect_esp_error(int line, const char *content, const char *prefix)
{
    char dir[64], err[1024] = "", want[1200];
    masters m;
    load_file files[LOAD_NFILES];
    int rc = load_with_esp(dir, sizeof dir, content, 0, &m, files, err, sizeof err);
    tu_assert_i64(rc, -1, line, __FILE__, "load_masters(...)");
    snprintf(want, sizeof want, "%s/%s", dir, prefix);
    tu_assert_prefix(err, want, line, __FILE__, "err");
    master_free(&m);
    tu_rmtree(dir);
}

#define EXPECT_ESP_ERROR(content, prefix) expect_esp_error(__LINE__, content, prefix)
#define ESP_HEADER "recipient_id,status,from_date\n"

static void test_esp_history_errors(void)
{
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR9,inactive,2026-11-10\n",
                     "esp_history.csv:3: recipient_id: R9 is not in recipients.csv");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\n-R1,inactive,2026-11-11\n",
                     "esp_history.csv:3: recipient_id: id starts with '-'");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR1,Active,2026-11-20\n",
                     "esp_history.csv:3: status: expected inactive or active (Active)");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,reactivated,2026-11-10\n",
                     "esp_history.csv:2: status: expected inactive or active (reactivated)");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR1,active,\n", "esp_history.csv:3: from_date: empty date");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR1,active,2026-11-31\n",
                     "esp_history.csv:3: from_date: no such calendar date (2026-11-31)");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,11/20/2026\n",
                     "esp_history.csv:2: from_date: not a date (YYYY-MM-DD) (11/20/2026)");
    /* two changes of one recipient on one date, whatever the statuses: reported on the later line */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR2,active,2026-11-17\nR1,active,2026-11-10\n",
                     "esp_history.csv:4: from_date: recipient R1 already has an ESP status change on 2026-11-10 on "
                     "line 2");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR1,inactive,2026-11-10\n",
                     "esp_history.csv:3: from_date: recipient R1 already has an ESP status change on 2026-11-10 on "
                     "line 2");
    /* two such pairs: the one whose second row comes first in the file is named */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR2,active,2026-11-17\nR2,inactive,2026-11-17\n"
                                "R1,active,2026-11-10\n",
                     "esp_history.csv:4: from_date: recipient R2 already has an ESP status change on 2026-11-17 on "
                     "line 3");
    /* the date of the recipient's esp_inactivated_on (R2: 2026-10-01, recipients.csv line 3) */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR2,active,2026-10-01\n",
                     "esp_history.csv:3: from_date: recipient R2 was inactivated on 2026-10-01 in recipients.csv "
                     "(esp_inactivated_on, line 3): one ESP status change per recipient and date");
    EXPECT_ESP_ERROR(ESP_HEADER "R2,inactive,2026-10-01\n",
                     "esp_history.csv:2: from_date: recipient R2 was inactivated on 2026-10-01 in recipients.csv");
    /* R2's pair on 2026-09-01 (before its recipients.csv change of 2026-10-01) is the first
     * two of R2's changes, after R1's: still found, and its first row named */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-11-10\nR2,inactive,2026-09-01\nR2,active,2026-09-01\n",
                     "esp_history.csv:4: from_date: recipient R2 already has an ESP status change on 2026-09-01 on "
                     "line 3");
    /* R1's change of the same date sorted just before R2's pair is not named */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-09-01\nR2,inactive,2026-09-01\nR2,active,2026-09-01\n",
                     "esp_history.csv:4: from_date: recipient R2 already has an ESP status change on 2026-09-01 on "
                     "line 3");
    /* sorted R1 09-05 (line 2), R2 09-01 (line 3), R2 09-05 (line 4), R2 09-05 (line 5): line 4 named */
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive,2026-09-05\nR2,inactive,2026-09-01\nR2,active,2026-09-05\n"
                                "R2,inactive,2026-09-05\n",
                     "esp_history.csv:5: from_date: recipient R2 already has an ESP status change on 2026-09-05 on "
                     "line 4");
    EXPECT_ESP_ERROR("recipient_id,status\nR1,inactive\n", "esp_history.csv:1: missing required column from_date");
    EXPECT_ESP_ERROR(ESP_HEADER "R1,inactive\n", "esp_history.csv:2: row: has 2 fields, the header has 3");
}

/* ---- withholding.csv (SPEC-withholding A.1) ---- */

#define WH_HEADER "provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,fed_other_income," \
                  "fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,ca_additional_allowances,ca_extra\n"

/* Asserts every field of the row in force for provider on day; want_line 0: none is. */
static void expect_wh(int line, const masters *m, int32_t provider, cal_date day, int32_t want_line)
{
    const master_withholding *w = master_withholding_for(m, provider, day);
    tu_assert_i64(w ? w->line : 0, want_line, line, __FILE__, "master_withholding_for(...)->line");
}

#define EXPECT_WH(m, p, day, want_line) expect_wh(__LINE__, m, p, day, want_line)

/* Rows of both providers out of date order, every form of row: a 2020 W-4 with nothing
 * but the status; one with every amount, Step 2 ticked and both DE 4 counts; a pre-2020
 * W-4 with head of household on the DE 4 and the largest counts; none for both taxes;
 * zeros written out. The rows as read, sorted per provider by date, and the row in force
 * before, on, between and after the effective dates. */
static void test_withholding(void)
{
    char dir[64], err[1024] = "";
    masters m;
    load_file files[LOAD_NFILES];
    static const char ROWS[] = WH_HEADER
        "P1,2026-01-01,single,2020,n,,,,,,single,1,,\n"                                     /* line 2 */
        "P2,2025-06-01,none,,,,,,,,none,,,\n"                                               /* line 3 */
        "P1,2026-03-01,married,2020,y,4000.00,1200.5,800,25.00,,married,3,2,10.00\n"        /* line 4 */
        "P1,2025-01-01,married,pre2020,,,,,12.34,7,head,0,999,0.01\n"                       /* line 5 */
        "P2,2026-02-16,head,2020,n,0,0.00,0,0,,none,,,\n";                                  /* line 6 */
    int rc = load_with_optional(dir, sizeof dir, "withholding.csv", ROWS, 0, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        ASSERT_I64(files[LOAD_WITHHOLDING].present, 1);
        ASSERT_I64(files[LOAD_WITHHOLDING].info.rows, 5);
        ASSERT_STR(load_file_name(LOAD_WITHHOLDING), "withholding.csv");
        int32_t p1 = ids_find(&m.provider_ids, "P1", 2), p2 = ids_find(&m.provider_ids, "P2", 2);
        ASSERT_I64(m.withholding.n, 5);
        CU_ASSERT_FATAL(m.withholding.n == 5 && m.wh_first != NULL);
        ASSERT_I64(m.wh_first[p1 + 1] - m.wh_first[p1], 3);
        ASSERT_I64(m.wh_first[p2 + 1] - m.wh_first[p2], 2);
        const master_withholding *w = &m.withholding.v[m.wh_first[p1]];
        /* P1 by date: lines 5, 2, 4 */
        ASSERT_I64(w[0].line, 5);
        ASSERT_I64(w[0].provider, p1);
        ASSERT_I64(w[0].from, D(2025, 1, 1));
        ASSERT_I64(w[0].fed_status, WH_MARRIED);
        ASSERT_I64(w[0].fed_pre2020, 1);
        ASSERT_I64(w[0].fed_multiple_jobs, 0);
        ASSERT_I64(w[0].fed_dependents, 0);
        ASSERT_I64(w[0].fed_other_income, 0);
        ASSERT_I64(w[0].fed_deductions, 0);
        ASSERT_I64(w[0].fed_extra, 1234);
        ASSERT_I64(w[0].fed_allowances, 7);
        ASSERT_I64(w[0].ca_status, WH_HEAD);
        ASSERT_I64(w[0].ca_allowances, 0);
        ASSERT_I64(w[0].ca_additional_allowances, 999);
        ASSERT_I64(w[0].ca_extra, 1);
        ASSERT_I64(w[1].line, 2);
        ASSERT_I64(w[1].from, D(2026, 1, 1));
        ASSERT_I64(w[1].fed_status, WH_SINGLE);
        ASSERT_I64(w[1].fed_pre2020, 0);
        ASSERT_I64(w[1].fed_multiple_jobs, 0);
        ASSERT_I64(w[1].fed_dependents + w[1].fed_other_income + w[1].fed_deductions + w[1].fed_extra, 0);
        ASSERT_I64(w[1].fed_allowances, 0);
        ASSERT_I64(w[1].ca_status, WH_SINGLE);
        ASSERT_I64(w[1].ca_allowances, 1);
        ASSERT_I64(w[1].ca_additional_allowances, 0);
        ASSERT_I64(w[1].ca_extra, 0);
        ASSERT_I64(w[2].line, 4);
        ASSERT_I64(w[2].from, D(2026, 3, 1));
        ASSERT_I64(w[2].fed_status, WH_MARRIED);
        ASSERT_I64(w[2].fed_pre2020, 0);
        ASSERT_I64(w[2].fed_multiple_jobs, 1);
        ASSERT_I64(w[2].fed_dependents, 400000);
        ASSERT_I64(w[2].fed_other_income, 120050);
        ASSERT_I64(w[2].fed_deductions, 80000);
        ASSERT_I64(w[2].fed_extra, 2500);
        ASSERT_I64(w[2].fed_allowances, 0);
        ASSERT_I64(w[2].ca_status, WH_MARRIED);
        ASSERT_I64(w[2].ca_allowances, 3);
        ASSERT_I64(w[2].ca_additional_allowances, 2);
        ASSERT_I64(w[2].ca_extra, 1000);
        /* P2 by date: lines 3, 6 */
        w = &m.withholding.v[m.wh_first[p2]];
        ASSERT_I64(w[0].line, 3);
        ASSERT_I64(w[0].provider, p2);
        ASSERT_I64(w[0].from, D(2025, 6, 1));
        ASSERT_I64(w[0].fed_status, WH_NONE);
        ASSERT_I64(w[0].ca_status, WH_NONE);
        ASSERT_I64(w[1].line, 6);
        ASSERT_I64(w[1].from, D(2026, 2, 16));
        ASSERT_I64(w[1].fed_status, WH_HEAD);
        ASSERT_I64(w[1].fed_dependents + w[1].fed_other_income + w[1].fed_deductions + w[1].fed_extra, 0);
        ASSERT_I64(w[1].ca_status, WH_NONE);

        /* P1: before the first row none; each row from its date to the day before the next */
        EXPECT_WH(&m, p1, D(2024, 12, 31), 0);
        EXPECT_WH(&m, p1, D(2025, 1, 1), 5);
        EXPECT_WH(&m, p1, D(2025, 7, 15), 5);
        EXPECT_WH(&m, p1, D(2025, 12, 31), 5);
        EXPECT_WH(&m, p1, D(2026, 1, 1), 2);
        EXPECT_WH(&m, p1, D(2026, 2, 28), 2);
        EXPECT_WH(&m, p1, D(2026, 3, 1), 4);
        EXPECT_WH(&m, p1, D(2026, 3, 2), 4);
        EXPECT_WH(&m, p1, D(2030, 1, 1), 4);
        /* P2: a none row is in force like any other (the rules withhold nothing for it) */
        EXPECT_WH(&m, p2, D(2025, 5, 31), 0);
        EXPECT_WH(&m, p2, D(2025, 6, 1), 3);
        EXPECT_WH(&m, p2, D(2026, 2, 15), 3);
        EXPECT_WH(&m, p2, D(2026, 2, 16), 6);
        EXPECT_WH(&m, p2, D(2027, 1, 1), 6);
        /* a provider index out of range has no row */
        EXPECT_WH(&m, -1, D(2026, 3, 1), 0);
        EXPECT_WH(&m, (int32_t)m.providers.n, D(2026, 3, 1), 0);
    }
    master_free(&m);
    tu_rmtree(dir);

    /* columns by name in another order, an extra column, gzip; only P2 has a row */
    rc = load_with_optional(dir, sizeof dir, "withholding.csv",
                            "ca_extra,note,ca_additional_allowances,ca_allowances,ca_status,fed_allowances,fed_extra,"
                            "fed_deductions,fed_other_income,fed_dependents,fed_multiple_jobs,fed_w4,fed_status,"
                            "effective_from,provider_id\n"
                            "5.5,from the DE 4 of March,1,2,married,,3,,,,y,2020,single,2026-03-16,P2\n",
                            1, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    if (rc == 0) {
        ASSERT_I64(files[LOAD_WITHHOLDING].info.gzip, 1);
        int32_t p1 = ids_find(&m.provider_ids, "P1", 2), p2 = ids_find(&m.provider_ids, "P2", 2);
        EXPECT_WH(&m, p1, D(2026, 3, 16), 0);
        EXPECT_WH(&m, p1, D(2030, 1, 1), 0);
        EXPECT_WH(&m, p2, D(2026, 3, 15), 0);
        const master_withholding *w = master_withholding_for(&m, p2, D(2026, 3, 16));
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        ASSERT_I64(w->fed_status, WH_SINGLE);
        ASSERT_I64(w->fed_multiple_jobs, 1);
        ASSERT_I64(w->fed_extra, 300);
        ASSERT_I64(w->ca_status, WH_MARRIED);
        ASSERT_I64(w->ca_allowances, 2);
        ASSERT_I64(w->ca_additional_allowances, 1);
        ASSERT_I64(w->ca_extra, 550);
    }
    master_free(&m);
    tu_rmtree(dir);

    /* a header only: the file is there, no provider has withholding */
    rc = load_with_optional(dir, sizeof dir, "withholding.csv", WH_HEADER, 0, &m, files, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        ASSERT_I64(files[LOAD_WITHHOLDING].present, 1);
        ASSERT_I64(m.withholding.n, 0);
        EXPECT_WH(&m, 0, D(2026, 3, 16), 0);
        EXPECT_WH(&m, 1, D(2026, 3, 16), 0);
    }
    master_free(&m);
    tu_rmtree(dir);
}

/* Removes the snapshot directory msnap wrote in state, its files, and state itself. */
static void rm_state(const char *state)
{
    char p[256];
    tu_path(p, sizeof p, state, "masters");
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(p);
    tu_rmtree(state);
}

/* The masters snapshot (docs/snapshot.md) keeps withholding.csv: written from the parsed
 * masters and mapped back, the rows, their index and the row in force on each date are
 * the same; once withholding.csv is gone, the snapshot is not of the files and is not used. */
static void test_withholding_snapshot(void)
{
    char dir[64], state[64], err[1024] = "", note[512] = "";
    masters m, back;
    load_file files[LOAD_NFILES], again[LOAD_NFILES];
    static const char ROWS[] = WH_HEADER "P2,2026-03-01,married,2020,y,4000,1200.5,800,25,,married,3,2,10\n"
                                         "P1,2025-01-01,single,pre2020,,,,,12.34,7,head,0,999,0.01\n"
                                         "P2,2026-01-01,none,,,,,,,,single,1,,\n";
    int rc = load_with_optional(dir, sizeof dir, "withholding.csv", ROWS, 0, &m, files, err, sizeof err);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(state, sizeof state), 0);
    int sfd = open(state, O_RDONLY | O_DIRECTORY);
    CU_ASSERT_FATAL(sfd >= 0);
    ASSERT_I64(msnap_end(msnap_begin(sfd, &m, files), 1, note, sizeof note), 0);
    ASSERT_I64(load_locate(dir, NULL, again, err, sizeof err), 0);
    ASSERT_I64(msnap_load(sfd, again, &back, note, sizeof note), 1);
    ASSERT_PREFIX(note, "masters from snapshot masters/");
    if (back.borrowed) {
        ASSERT_I64(again[LOAD_WITHHOLDING].present, 1);
        ASSERT_I64(again[LOAD_WITHHOLDING].info.rows, 3);
        ASSERT_I64(back.withholding.n, 3);
        ASSERT_MEM(back.withholding.v, back.withholding.n * sizeof *back.withholding.v, m.withholding.v,
                   m.withholding.n * sizeof *m.withholding.v);
        CU_ASSERT_PTR_NOT_NULL_FATAL(back.wh_first);
        ASSERT_MEM(back.wh_first, (back.providers.n + 1) * sizeof *back.wh_first, m.wh_first,
                   (m.providers.n + 1) * sizeof *m.wh_first);
        int32_t p1 = ids_find(&back.provider_ids, "P1", 2), p2 = ids_find(&back.provider_ids, "P2", 2);
        EXPECT_WH(&back, p1, D(2024, 12, 31), 0);
        EXPECT_WH(&back, p1, D(2025, 1, 1), 3);
        EXPECT_WH(&back, p2, D(2025, 12, 31), 0);
        EXPECT_WH(&back, p2, D(2026, 1, 1), 4);
        EXPECT_WH(&back, p2, D(2026, 3, 1), 2);
        const master_withholding *w = master_withholding_for(&back, p2, D(2026, 3, 1));
        if (w) {
            ASSERT_I64(w->fed_other_income, 120050);
            ASSERT_I64(w->ca_additional_allowances, 2);
        }
    }
    master_free(&back);

    char p[256];
    tu_path(p, sizeof p, dir, "withholding.csv");
    unlink(p);
    ASSERT_I64(load_locate(dir, NULL, again, err, sizeof err), 0);
    ASSERT_I64(again[LOAD_WITHHOLDING].present, 0);
    ASSERT_I64(msnap_load(sfd, again, &back, note, sizeof note), 0);
    CU_ASSERT_PTR_NULL(back.borrowed);
    master_free(&back);
    master_free(&m);
    close(sfd);
    rm_state(state);
    tu_rmtree(dir);
}

/* Loads the valid directory plus withholding.csv = content; expects exit-2 failure with
 * exactly "DIR/" + want. */
static void expect_wh_error(int line, const char *content, const char *want)
{
    char dir[64], err[1024] = "", full[1200];
    masters m;
    load_file files[LOAD_NFILES];
    int rc = load_with_optional(dir, sizeof dir, "withholding.csv", content, 0, &m, files, err, sizeof err);
    tu_assert_i64(rc, -1, line, __FILE__, "load_masters(...)");
    snprintf(full, sizeof full, "%s/%s", dir, want);
    tu_assert_str(err, full, line, __FILE__, "err");
    master_free(&m);
    tu_rmtree(dir);
}

/* Line 2 is a good row; the row given is line 3. */
#define WH_GOOD "P2,2026-01-01,none,,,,,,,,none,,,\n"
#define EXPECT_WH_ROW_ERROR(row, what) expect_wh_error(__LINE__, WH_HEADER WH_GOOD row "\n", "withholding.csv:3: " what)
#define EXPECT_WH_ERROR(content, want) expect_wh_error(__LINE__, content, want)

/* Every message of A.1, one bad row each, in the order of its checks. */
static void test_withholding_errors(void)
{
    /* 1. provider_id */
    EXPECT_WH_ROW_ERROR("P9,2026-01-01,single,2020,n,,,,,,single,,,", "provider_id: unknown provider");
    EXPECT_WH_ROW_ERROR("p1,2026-01-01,single,2020,n,,,,,,single,,,", "provider_id: unknown provider");
    EXPECT_WH_ROW_ERROR("-P1,2026-01-01,single,2020,n,,,,,,single,,,", "provider_id: unknown provider");
    EXPECT_WH_ROW_ERROR(",2026-01-01,single,2020,n,,,,,,single,,,", "provider_id: unknown provider");
    /* 2. effective_from */
    EXPECT_WH_ROW_ERROR("P1,01/01/2026,single,2020,n,,,,,,single,,,", "effective_from: not a date (YYYY-MM-DD)");
    EXPECT_WH_ROW_ERROR("P1,2026-02-30,single,2020,n,,,,,,single,,,", "effective_from: not a date (YYYY-MM-DD)");
    EXPECT_WH_ROW_ERROR("P1,,single,2020,n,,,,,,single,,,", "effective_from: not a date (YYYY-MM-DD)");
    /* 3. fed_status */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,Single,2020,n,,,,,,single,,,",
                        "fed_status: must be single, married, head or none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,exempt,,,,,,,,single,,,", "fed_status: must be single, married, head or none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,,2020,n,,,,,,single,,,", "fed_status: must be single, married, head or none");
    /* 4. fed_status none: every other fed_* column empty ("0" and "n" are not empty) */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,2020,,,,,,,single,,,", "fed_w4: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,n,,,,,,single,,,",
                        "fed_multiple_jobs: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,0,,,,,single,,,",
                        "fed_dependents: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,0,,,,single,,,",
                        "fed_other_income: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,0,,,single,,,",
                        "fed_deductions: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,10.00,,single,,,", "fed_extra: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,0,single,,,",
                        "fed_allowances: must be empty when fed_status is none");
    /* 5. fed_w4 */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2019,n,,,,,,single,,,", "fed_w4: must be 2020 or pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,PRE2020,,,,,,1,single,,,", "fed_w4: must be 2020 or pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,,n,,,,,,single,,,", "fed_w4: must be 2020 or pre2020");
    /* 5, 2020 */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,,,,,,,single,,,", "fed_multiple_jobs: must be y or n");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,Y,,,,,,single,,,", "fed_multiple_jobs: must be y or n");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,yes,,,,,,single,,,", "fed_multiple_jobs: must be y or n");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,-1.00,,,,,single,,,",
                        "fed_dependents: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,\"4,000\",,,,,single,,,",
                        "fed_dependents: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,1.005,,,,single,,,",
                        "fed_other_income: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,$800,,,single,,,",
                        "fed_deductions: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,,,0,single,,,",
                        "fed_allowances: must be empty when fed_w4 is 2020");
    /* 5, pre2020 */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,head,pre2020,,,,,,1,single,,,",
                        "fed_status: head of household needs fed_w4=2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,n,,,,,1,single,,,",
                        "fed_multiple_jobs: must be empty when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,0,,,,1,single,,,",
                        "fed_dependents: must be empty when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,0,,,1,single,,,",
                        "fed_other_income: must be empty when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,married,pre2020,,,,0,,1,single,,,",
                        "fed_deductions: must be empty when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,,,single,,,",
                        "fed_allowances: required when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,,1000,single,,,",
                        "fed_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,,-1,single,,,",
                        "fed_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,,1.5,single,,,",
                        "fed_allowances: must be a whole number 0-999");
    /* 5, fed_extra, after either form */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,,2.505,,single,,,",
                        "fed_extra: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,-5,3,single,,,",
                        "fed_extra: not an amount (at most 2 decimals, not negative)");
    /* 6. ca_status and the ca_* columns */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,,,,", "ca_status: must be single, married, head or none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,Married,1,,", "ca_status: must be single, married, head or none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,none,0,,", "ca_allowances: must be empty when ca_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,none,,1,",
                        "ca_additional_allowances: must be empty when ca_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,none,,,0.00", "ca_extra: must be empty when ca_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,single,1000,,", "ca_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,head,,two,",
                        "ca_additional_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,married,,,1.001",
                        "ca_extra: not an amount (at most 2 decimals, not negative)");

    /* the order: a row bad in two ways reports the check that comes first */
    EXPECT_WH_ROW_ERROR("P9,2026-02-30,single,2020,n,,,,,,single,,,", "provider_id: unknown provider");
    EXPECT_WH_ROW_ERROR("P1,2026-02-30,exempt,2020,n,,,,,,single,,,", "effective_from: not a date (YYYY-MM-DD)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,exempt,2020,n,,,,,,exempt,,,",
                        "fed_status: must be single, married, head or none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,2020,,,,,,,exempt,,,", "fed_w4: must be empty when fed_status is none");
    /* none: fed_extra is checked before fed_allowances (the order of the columns in A.1) */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,1,1,single,,,", "fed_extra: must be empty when fed_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2019,yes,,,,,,single,,,", "fed_w4: must be 2020 or pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,yes,-1,,,,,single,,,", "fed_multiple_jobs: must be y or n");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,-1,-1,-1,,,single,,,",
                        "fed_dependents: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,-1,-1,,,single,,,",
                        "fed_other_income: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,-1,,1,single,,,",
                        "fed_deductions: not an amount (at most 2 decimals, not negative)");
    /* 2020: fed_allowances before fed_extra, although its column comes after */
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,,-1,1,single,,,",
                        "fed_allowances: must be empty when fed_w4 is 2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,head,pre2020,y,1,,,,,single,,,",
                        "fed_status: head of household needs fed_w4=2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,y,1,,,,,single,,,",
                        "fed_multiple_jobs: must be empty when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,-1,,single,,,",
                        "fed_allowances: required when fed_w4 is pre2020");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,pre2020,,,,,-1,1000,single,,,",
                        "fed_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,single,2020,n,,,,-1,,exempt,,,",
                        "fed_extra: not an amount (at most 2 decimals, not negative)");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,none,1,1,1", "ca_allowances: must be empty when ca_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,none,,1,1",
                        "ca_additional_allowances: must be empty when ca_status is none");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,single,x,x,x", "ca_allowances: must be a whole number 0-999");
    EXPECT_WH_ROW_ERROR("P1,2026-01-01,none,,,,,,,,single,,x,x",
                        "ca_additional_allowances: must be a whole number 0-999");

    /* 7. two rows of one provider and date: reported on the second, whatever they hold */
    EXPECT_WH_ERROR(WH_HEADER "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P2,2026-01-01,none,,,,,,,,none,,,\n"
                              "P1,2026-01-01,none,,,,,,,,none,,,\n",
                    "withholding.csv:4: effective_from: second row for this provider and date");
    EXPECT_WH_ERROR(WH_HEADER "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P1,2026-01-01,single,2020,n,,,,,,single,,,\n",
                    "withholding.csv:3: effective_from: second row for this provider and date");
    /* three rows: the second is named */
    EXPECT_WH_ERROR(WH_HEADER "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P1,2025-01-01,single,2020,n,,,,,,single,,,\n"
                              "P1,2026-01-01,married,2020,n,,,,,,single,,,\n"
                              "P1,2026-01-01,head,2020,n,,,,,,single,,,\n",
                    "withholding.csv:4: effective_from: second row for this provider and date");
    /* two such pairs: the one whose second row comes first in the file (P2's, though P1 sorts first) */
    EXPECT_WH_ERROR(WH_HEADER "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P2,2026-05-01,single,2020,n,,,,,,single,,,\n"
                              "P2,2026-05-01,single,2020,n,,,,,,single,,,\n"
                              "P1,2026-01-01,single,2020,n,,,,,,single,,,\n",
                    "withholding.csv:4: effective_from: second row for this provider and date");
    /* a bad row is reported before a pair that comes earlier in the file (check 7 is the last) */
    EXPECT_WH_ERROR(WH_HEADER "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P1,2026-01-01,single,2020,n,,,,,,single,,,\n"
                              "P2,2026-01-01,none,,,,,,,,single,1000,,\n",
                    "withholding.csv:4: ca_allowances: must be a whole number 0-999");

    /* the file's shape: a missing column (every column is required once the file exists), a short row */
    EXPECT_WH_ERROR("provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,fed_other_income,"
                    "fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,ca_additional_allowances\n"
                    "P2,2026-01-01,none,,,,,,,,none,,\n",
                    "withholding.csv:1: missing required column ca_extra");
    EXPECT_WH_ERROR("provider_id,effective_from,fed_status,ca_status\nP2,2026-01-01,none,none\n",
                    "withholding.csv:1: missing required column fed_w4");
    EXPECT_WH_ERROR(WH_HEADER "P2,2026-01-01,none,,,,,,,,none,,\n",
                    "withholding.csv:2: row: has 13 fields, the header has 14");
}

/* Loads a copy of the valid directory with file `which` replaced; expects failure with an
 * error that starts with "DIR/" + prefix. */
static void expect_error(int line, int which, const char *content, const char *prefix)
{
    char dir[64], err[1024] = "", want[1200];
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    make_dir(dir, sizeof dir, which, content);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    tu_assert_i64(rc, -1, line, __FILE__, "load_masters(...)");
    snprintf(want, sizeof want, "%s/%s", dir, prefix);
    tu_assert_prefix(err, want, line, __FILE__, "err");
    master_free(&m);
    tu_rmtree(dir);
}

#define EXPECT_ERROR(which, content, prefix) expect_error(__LINE__, which, content, prefix)

static const char PROVIDER_HEADER[] = "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n";
static const char RECIPIENT_HEADER[] =
    "recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n";
static const char ASSIGNMENT_HEADER[] = "provider_id,recipient_id,relationship,backup,start_date,end_date\n";
static const char PARAMETER_HEADER[] = "parameter,scope,effective_from,value,reference\n";

static void test_master_errors(void)
{
    char buf[2048];

    /* no data directory at all */
    {
        char err[1024] = "";
        masters m;
        load_file files[LOAD_NFILES];
        memset(&m, 0, sizeof m);
        ASSERT_I64(load_masters("/nonexistent-payrun-dir", &m, files, err, sizeof err), -1);
        ASSERT_PREFIX(err, "/nonexistent-payrun-dir/parameters.csv: cannot open: ");
        master_free(&m);
    }

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP3,C,kern,complete,n,y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: county: unknown county kern");

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP1,C,alameda,complete,n,y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: provider_id: duplicate id P1");

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\n-P3,C,alameda,complete,n,y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: provider_id: id starts with '-'");

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP 3,C,alameda,complete,n,y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: provider_id: id has a character other than letters");

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP3,C,alameda,Complete,n,y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: enrollment: expected complete or pending (Complete)");

    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP3,C,alameda,complete,n,Y,n\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: union_member: expected y or n (Y)");

    /* wrong field count (6 fields, header has 7) */
    snprintf(buf, sizeof buf, "%sP1,A,alameda,complete,n,y,n\nP3,C,alameda,complete,n,y\nP2,B,alameda,complete,n,y,n\n",
             PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, buf, "providers.csv:3: ");
    {
        char dir[64], err[1024] = "";
        masters m;
        load_file files[LOAD_NFILES];
        memset(&m, 0, sizeof m);
        make_dir(dir, sizeof dir, F_PROVIDERS, buf);
        ASSERT_I64(load_masters(dir, &m, files, err, sizeof err), -1);
        ASSERT_CONTAINS(err, "row: has 6 fields, the header has 7");
        master_free(&m);
        tu_rmtree(dir);
    }

    /* missing required column */
    EXPECT_ERROR(F_PROVIDERS,
                 "provider_id,name,county,elective_sdi,union_member,workweek_exemption\nP1,A,alameda,n,y,n\n",
                 "providers.csv:1: missing required column enrollment");

    snprintf(buf, sizeof buf, "%sR1,A,alameda,1940-01-01,y,n,\nR3,C,alameda,1950-02-30,n,n,\nR2,B,alameda,1950-01-01,n,n,\n",
             RECIPIENT_HEADER);
    EXPECT_ERROR(F_RECIPIENTS, buf, "recipients.csv:3: birth_date: no such calendar date (1950-02-30)");

    snprintf(buf, sizeof buf, "%sR1,A,alameda,1940-01-01,y,n,\nR3,C,alameda,1950-01-01,n,n,2026-1-1\nR2,B,alameda,1950-01-01,n,n,\n",
             RECIPIENT_HEADER);
    EXPECT_ERROR(F_RECIPIENTS, buf, "recipients.csv:3: esp_inactivated_on: not a date (YYYY-MM-DD)");

    /* end_date before start_date */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,2025-12-31\nP2,R2,other,no,2026-05-01,2026-04-30\n", ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:3: end_date: end_date is before start_date");

    /* overlapping assignments of one pair: reported on the later line, naming the earlier */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,2025-12-31\nP2,R2,other,no,2026-01-01,\nP1,R1,other,no,2025-06-01,\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:4: start_date: assignment of P1 to R1 overlaps the one on line 2");
    /* the later line starting earlier, overlapping by one day */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2026-01-01,\nP2,R2,other,no,2026-01-01,\nP1,R1,other,no,2025-01-01,2026-01-01\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:4: start_date: assignment of P1 to R1 overlaps the one on line 2");
    /* the same start date twice */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2026-01-01,2026-01-31\nP2,R2,other,no,2026-01-01,\nP1,R1,other,no,2026-01-01,2026-01-01\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:4: start_date: assignment of P1 to R1 overlaps the one on line 2");

    /* an overlap between the first two rows of a provider that is not the first in sorted
     * order: P1's one row, then P2's two overlapping rows */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,\nP2,R2,other,no,2026-01-01,\nP2,R2,other,no,2026-06-01,\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:4: start_date: assignment of P2 to R2 overlaps the one on line 3");
    /* three rows of one pair with one start date: the first two in file order are reported
     * (line 3, the later, naming line 2), whatever the third */
    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2026-01-01,\nP1,R1,other,no,2026-01-01,\nP1,R1,other,no,2026-01-01,\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:3: start_date: assignment of P1 to R1 overlaps the one on line 2");

    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,\nP2,R2,friend,no,2026-01-01,\n", ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:3: relationship: expected parent, spouse, child or other (friend)");

    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,\nP9,R2,other,no,2026-01-01,\nP2,R2,other,no,2026-01-01,\n",
             ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:3: provider_id: P9 is not in providers.csv");

    snprintf(buf, sizeof buf, "%sP1,R1,other,no,2025-01-01,\nP2,R9,other,no,2026-01-01,\n", ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:3: recipient_id: R9 is not in recipients.csv");

    snprintf(buf, sizeof buf, "%sP1,R1,other,yes,2025-01-01,\n", ASSIGNMENT_HEADER);
    EXPECT_ERROR(F_ASSIGNMENTS, buf, "assignments.csv:2: backup: expected bups or no (yes)");

    /* duplicate authorization month, reported on the later line */
    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-11,283:00,0,0,y\nR2,2026-11,100:00,0,0,y\nR1,2026-11,10:00,0,0,y\n",
                 "authorizations.csv:4: month: recipient R1 already has an authorization for this month on line 2");
    /* two duplicated months: the one whose second copy comes first in the file is named */
    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-11,283:00,0,0,y\nR2,2026-10,100:00,0,0,y\nR2,2026-10,10:00,0,0,y\nR1,2026-11,1:00,0,0,y\n"
                 "R2,2026-10,1:00,0,0,y\n",
                 "authorizations.csv:4: month: recipient R2 already has an authorization for this month on line 3");

    /* the row named is the first of the duplicated month, never a row of another month or
     * recipient next to it in sorted order: R1's 2026-11 before R2's (line 3 named, not 2) */
    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-11,283:00,0,0,y\nR2,2026-11,100:00,0,0,y\nR2,2026-11,10:00,0,0,y\n",
                 "authorizations.csv:4: month: recipient R2 already has an authorization for this month on line 3");
    /* R1's 2026-10 before its 2026-11 twice (line 3 named, not 2) */
    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-10,283:00,0,0,y\nR1,2026-11,100:00,0,0,y\nR1,2026-11,10:00,0,0,y\n",
                 "authorizations.csv:4: month: recipient R1 already has an authorization for this month on line 3");
    /* sorted: R1 2026-12, R2 2026-11, R2 2026-12 (line 4), R2 2026-12 (line 5): line 4 named */
    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-12,283:00,0,0,y\nR2,2026-11,100:00,0,0,y\nR2,2026-12,10:00,0,0,y\n"
                 "R2,2026-12,1:00,0,0,y\n",
                 "authorizations.csv:5: month: recipient R2 already has an authorization for this month on line 4");

    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-11,283:00,0,0,y\nR2,2026-11,100:00,\"1,000.00\",0,y\n",
                 "authorizations.csv:3: share_of_cost: not a number (no thousand separators) (1,000.00)");

    EXPECT_ERROR(F_AUTHORIZATIONS,
                 "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n"
                 "R1,2026-11,283:00,0,0,y\nR2,2026-13,100:00,0,0,y\n",
                 "authorizations.csv:3: month: no such month (2026-13)");
}

static void test_parameter_errors(void)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nwage.daily,*,2025-07-01,1,r\n"
                              "overtime.multiplier,*,2020-01-01,1.5,r\n", PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: parameter: unknown parameter wage.daily");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nfica.ss_rate,alameda,2025-01-01,0.062,r\n"
                              "overtime.multiplier,*,2020-01-01,1.5,r\n", PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: scope: fica.ss_rate goes by pay date and is statewide: scope must be *");

    /* the other ends of the pay-date parameters: sdi.quarter_threshold, payment.business_days */
    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nsdi.quarter_threshold,alameda,2025-01-01,750,r\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf,
                 "parameters.csv:3: scope: sdi.quarter_threshold goes by pay date and is statewide: scope must be *");
    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\npayment.business_days,alameda,2025-01-01,10,r\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf,
                 "parameters.csv:3: scope: payment.business_days goes by pay date and is statewide: scope must be *");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nwage.hourly,alameda,2025-07-01,21.00,r\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf,
                 "parameters.csv:3: effective_from: wage.hourly for alameda effective 2025-07-01 is already given on line 2");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nunion.hours_threshold,kern,2025-01-01,15:00,r\n"
                              "overtime.multiplier,*,2020-01-01,1.5,r\n", PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: scope: county kern has no wage.hourly row");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\novertime.multiplier,*,2020-01-01,1.5,\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: reference: ");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.505,r\n", PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:2: value: money takes at most 2 decimals (20.505)");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\novertime.multiplier,*,2020-01-01,150%%,r\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: value: not a number (150%)");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-07-01,20.50,r\nunion.dues_scale,*,2025-01-01,0:00=10.30; 0:00=1,r\n",
             PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:3: value: scale brackets must go up in hours");

    snprintf(buf, sizeof buf, "%swage.hourly,alameda,2025-7-01,20.50,r\n", PARAMETER_HEADER);
    EXPECT_ERROR(F_PARAMETERS, buf, "parameters.csv:2: effective_from: not a date (YYYY-MM-DD)");

    EXPECT_ERROR(F_PARAMETERS, "parameter,scope,value,reference\nwage.hourly,alameda,20.50,r\n",
                 "parameters.csv:1: missing required column effective_from");

    /* "*" is a scope, not a county: a provider in county * is rejected */
    char pbuf[512];
    snprintf(pbuf, sizeof pbuf, "%sP1,A,*,complete,n,y,n\n", PROVIDER_HEADER);
    EXPECT_ERROR(F_PROVIDERS, pbuf, "providers.csv:2: county: ");
}

/* ---- timesheets (tsread) ---- */

static const char TS_HEADER[] =
    "timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,recipient_signed_on,"
    "received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,d13,d14,d15,d16,total\n";

#define TS_ROWS 40

/* What tsread_parse returned for each row. */
typedef struct {
    int n;
    long line[TS_ROWS];
    int code[TS_ROWS];
    char msg[TS_ROWS][300];
    sheet s[TS_ROWS];
    char id[TS_ROWS][40];
} parsed;

static int parse_cb(void *ctx, const csvr_row *row)
{
    parsed *p = ctx;
    if (p->n >= TS_ROWS)
        return 1;
    int i = p->n++;
    sheet *s = &p->s[i];
    memset(s, 0x5a, sizeof *s);
    p->msg[i][0] = '\0';
    p->code[i] = tsread_parse(row, s, p->msg[i], sizeof p->msg[i]);
    p->line[i] = row->line;
    size_t n = s->timesheet_id_len < 39 ? s->timesheet_id_len : 39;
    memcpy(p->id[i], s->timesheet_id, n);
    p->id[i][n] = '\0';
    /* the strings are valid only now */
    s->timesheet_id = s->provider_id = s->recipient_id = NULL;
    return 0;
}

/* One row per rejection of SPEC §5 step 1, in the order checked, after two good rows. */
static const struct {
    const char *row;
    int code;
    const char *after_line;  /* the message after "FILE:LINE: " */
} TS_CASES[] = {
    /* good: 7:30 + 8 + 2.8 (2:48) = 18:18; x, X, 0, 0:00 are no hours */
    {"T1,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,7:30,8,2.8,,x,X,0,0:00,,,,,,,,,18:18", -1,
     NULL},
    /* good: a 16-day period (Dec 16-31) with hours on d16, no total */
    {"T2,P1,R1,2026-12-16,catch_up,electronic,,,2027-01-05,,,,,,,,,,,,,,,,1:00,", -1, NULL},
    /* MALFORMED_ROW */
    {"T3,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8", EX_MALFORMED_ROW,
     "row: has 10 fields, the header has 26"},
    {"T 4,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "timesheet_id: id has a character other than letters, digits, '-', '_', '.' (T 4)"},
    {"T5,,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "provider_id: empty id"},
    {"T6,P1,-R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "recipient_id: id starts with '-' (-R1)"},
    {"T7,P1,R1,,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "period_start: empty date"},
    {"T8,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-31,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "received_on: no such calendar date (2026-11-31)"},
    {"T9,P1,R1,2026-11-05,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "period_start: a pay period starts on the 1st or the 16th (2026-11-05)"},
    {"T10,P1,R1,2026-11-01,regular,paper,2026-11-5,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "provider_signed_on: not a date (YYYY-MM-DD) (2026-11-5)"},
    {"T11,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-02-30,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "recipient_signed_on: no such calendar date (2026-02-30)"},
    {"T12,P1,R1,2026-11-01,normal,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "kind: expected regular, catch_up, special or writ (normal)"},
    {"T13,P1,R1,2026-11-01,regular,fax,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "channel: expected paper or electronic (fax)"},
    /* BAD_HOURS */
    {"T14,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,8,25:00,,,,,,,,,,,,,,", EX_BAD_HOURS,
     "d03: more than 24:00 in one day (25:00)"},
    {"T15,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,abc,,,,,,,,,,,,,,,", EX_BAD_HOURS,
     "d02: not hours (H:MM, whole hours or tenths like 2.8) (abc)"},
    {"T16,P1,R1,2026-11-16,regular,paper,2026-11-30,2026-11-30,2026-12-01,8,,,,,,,,,,,,,,,1:00,", EX_BAD_HOURS,
     "d16: hours on a day past the end of the pay period (1:00)"},
    /* TOTAL_MISMATCH: 8:00 on the days, 9:00 given */
    {"T17,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,4,4:00,,,,,,,,,,,,,,,9:00",
     EX_TOTAL_MISMATCH, "total: 9:00 differs from the sum of the days, 8:00"},
    /* NO_HOURS */
    {"T18,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,x,0,0:00,,,,,,,,,,,,,", EX_NO_HOURS,
     "d01..d16: no hours on any day"},
    /* order: a bad id before a bad period_start */
    {"T 19,P1,R1,2026-11-05,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "timesheet_id: "},
    /* order: a bad received_on before period_start not the 1st or 16th */
    {"T20,P1,R1,2026-11-05,regular,paper,2026-11-15,2026-11-15,2026-11-31,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "received_on: no such calendar date (2026-11-31)"},
    /* order: an empty received_on */
    {"T21,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,,8,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "received_on: empty date"},
    /* order: an unknown kind before bad hours */
    {"T22,P1,R1,2026-11-01,weekly,paper,2026-11-15,2026-11-15,2026-11-16,abc,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "kind: "},
    /* order: bad hours before a total mismatch */
    {"T23,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,7:60,,,,,,,,,,,,,,,99:00", EX_BAD_HOURS,
     "d02: minutes above 59 (7:60)"},
    /* a 13-day period (Feb 2026 16-28): d14 is past the end */
    {"T24,P1,R1,2026-02-16,regular,paper,2026-02-28,2026-02-28,2026-03-02,8,,,,,,,,,,,,,1:00,,,", EX_BAD_HOURS,
     "d14: hours on a day past the end of the pay period (1:00)"},
    /* exactly 24:00 is fine; total "32" (whole hours) equals 32:00 */
    {"T25,P1,R1,2026-02-16,special,paper,,2026-02-28,2026-03-02,24:00,8,,,,,,,,,,,,,,,32", -1, NULL},
    /* an empty total is not checked */
    {"T26,P1,R1,2026-11-01,writ,electronic,2026-11-15,2026-11-15,2026-11-16,0.1,,,,,,,,,,,,,,,,", -1, NULL},
    /* NO_HOURS with a total of 0:00 that matches */
    {"T27,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,,,,,,,,,,,,,,,,,0:00", EX_NO_HOURS,
     "d01..d16: no hours on any day"},
    /* one field too many */
    {"T29,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,,", EX_MALFORMED_ROW,
     "row: has 27 fields, the header has 26"},
    /* a total that is not hours */
    {"T28,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,8,,,,,,,,,,,,,,,,eight", EX_TOTAL_MISMATCH,
     "total: "},
};

#define NCASES ((int)(sizeof TS_CASES / sizeof TS_CASES[0]))

static void test_tsread(void)
{
    char dir[64], p[256], err[512] = "";
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
    tu_path(p, sizeof p, dir, "ts.csv");
    size_t cap = 16384, len = 0;
    char *csv = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    len += (size_t)snprintf(csv + len, cap - len, "%s", TS_HEADER);
    for (int i = 0; i < NCASES; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%s\n", TS_CASES[i].row);
    CU_ASSERT_FATAL(len < cap);
    CU_ASSERT_EQUAL_FATAL(tu_write(p, csv, len), 0);
    free(csv);

    parsed *r = calloc(1, sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    ASSERT_I64(csvr_read(p, tsread_columns, TS_NCOLS, parse_cb, r, NULL, err, sizeof err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(r->n, NCASES);
    for (int i = 0; i < r->n && i < NCASES; i++) {
        char want[400], what[64];
        snprintf(what, sizeof what, "code of row %d (line %d)", i + 1, i + 2);
        tu_assert_i64(r->code[i], TS_CASES[i].code, __LINE__, __FILE__, what);
        ASSERT_I64(r->line[i], i + 2);
        ASSERT_I64(r->s[i].source_line, i + 2);
        ASSERT_STR(r->s[i].source_file, p);
        if (TS_CASES[i].after_line) {
            snprintf(want, sizeof want, "%s:%d: %s", p, i + 2, TS_CASES[i].after_line);
            snprintf(what, sizeof what, "message of row %d (line %d)", i + 1, i + 2);
            tu_assert_prefix(r->msg[i], want, __LINE__, __FILE__, what);
        }
        /* rejected at parse: no minutes */
        if (TS_CASES[i].code == EX_MALFORMED_ROW || TS_CASES[i].code == EX_BAD_HOURS) {
            snprintf(what, sizeof what, "claimed of row %d (line %d)", i + 1, i + 2);
            tu_assert_i64(r->s[i].claimed, 0, __LINE__, __FILE__, what);
        }
    }
    /* the raw timesheet id, even for a rejected row */
    ASSERT_STR(r->id[3], "T 4");
    ASSERT_STR(r->id[0], "T1");

    /* the first good row in detail */
    const sheet *s = &r->s[0];
    ASSERT_I64(s->period_start, D(2026, 11, 1));
    ASSERT_I64(s->period_end, D(2026, 11, 15));
    ASSERT_I64(s->ndays, 15);
    ASSERT_I64(s->kind, KIND_REGULAR);
    ASSERT_I64(s->channel, CHANNEL_PAPER);
    ASSERT_I64(s->provider_signed_on, D(2026, 11, 15));
    ASSERT_I64(s->recipient_signed_on, D(2026, 11, 15));
    ASSERT_I64(s->received_on, D(2026, 11, 16));
    static const int32_t mins[SHEET_MAX_DAYS] = {450, 480, 168, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int d = 0; d < SHEET_MAX_DAYS; d++)
        ASSERT_I64(s->minutes[d], mins[d]);
    ASSERT_I64(s->claimed, 1098);   /* 450 + 480 + 168 */

    /* the second: 16 days, signatures empty */
    s = &r->s[1];
    ASSERT_I64(s->period_end, D(2026, 12, 31));
    ASSERT_I64(s->ndays, 16);
    ASSERT_I64(s->kind, KIND_CATCH_UP);
    ASSERT_I64(s->channel, CHANNEL_ELECTRONIC);
    ASSERT_I64(s->provider_signed_on, CAL_NONE);
    ASSERT_I64(s->recipient_signed_on, CAL_NONE);
    ASSERT_I64(s->minutes[15], 60);
    ASSERT_I64(s->minutes[0], 0);
    ASSERT_I64(s->claimed, 60);

    /* T25, T26: special and writ kinds; 24:00 + 8:00 */
    ASSERT_I64(r->s[24].kind, KIND_SUPPLEMENTAL);
    ASSERT_I64(r->s[24].ndays, 13);
    ASSERT_I64(r->s[24].claimed, 32 * 60);
    ASSERT_I64(r->s[24].provider_signed_on, CAL_NONE);
    ASSERT_I64(r->s[25].kind, KIND_WRIT);
    ASSERT_I64(r->s[25].claimed, 6);
    /* NO_HOURS carries the days' sum: 0 */
    ASSERT_I64(r->s[17].claimed, 0);

    free(r);
    tu_rmtree(dir);
}

/* Columns by name: a timesheet file with its columns shuffled, an extra column and no total. */
static void test_tsread_columns(void)
{
    char dir[64], p[256], err[512] = "";
    CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
    tu_path(p, sizeof p, dir, "ts2.csv");
    CU_ASSERT_EQUAL_FATAL(
        tu_write_str(p, "d16,d15,d14,d13,d12,d11,d10,d09,d08,d07,d06,d05,d04,d03,d02,d01,note,received_on,"
                        "recipient_signed_on,provider_signed_on,channel,kind,period_start,recipient_id,provider_id,"
                        "timesheet_id\r\n"
                        ",1:00,,,,,,,,,,,,,,2:30,hello,2026-11-16,2026-11-15,2026-11-14,paper,regular,2026-11-01,R1,P1,"
                        "T1\r\n"),
        0);
    parsed *r = calloc(1, sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    ASSERT_I64(csvr_read(p, tsread_columns, TS_NCOLS, parse_cb, r, NULL, err, sizeof err), 0);
    ASSERT_I64(r->n, 1);
    ASSERT_I64(r->code[0], -1);
    ASSERT_STR(r->msg[0], "");
    ASSERT_I64(r->s[0].minutes[0], 150);
    ASSERT_I64(r->s[0].minutes[14], 60);
    ASSERT_I64(r->s[0].claimed, 210);
    ASSERT_I64(r->s[0].provider_signed_on, D(2026, 11, 14));
    ASSERT_STR(r->id[0], "T1");

    /* a missing required day column is a file error */
    tu_path(p, sizeof p, dir, "ts3.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, "timesheet_id,provider_id,recipient_id,period_start,kind,channel,"
                                          "provider_signed_on,recipient_signed_on,received_on,d01\nT1\n"),
                          0);
    char want[400];
    ASSERT_I64(csvr_read(p, tsread_columns, TS_NCOLS, parse_cb, r, NULL, err, sizeof err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:1: missing required column d02", p);
    ASSERT_STR(err, want);
    free(r);
    tu_rmtree(dir);
}

/* ---- master.c: the vectors the master rows are pushed into ---- */

/* master_vec_push: each push gives a zeroed element at index n, and the capacity always
 * holds the n elements (64 at first, then doubled: 64 -> 128 at the 65th push). 200
 * pushes, each element written with its index, read back intact. */
static void test_master_vec_push(void)
{
    MASTER_VEC(int64_t) v = {NULL, 0, 0};
    for (int64_t i = 0; i < 200; i++) {
        int64_t *e = MASTER_PUSH(&v);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        ASSERT_I64(*e, 0);                      /* zeroed */
        CU_ASSERT_FATAL(v.cap >= v.n);          /* room for every element pushed */
        *e = i;
    }
    ASSERT_I64(v.n, 200);
    ASSERT_I64(v.cap, 256);                     /* 64 -> 128 (65th) -> 256 (129th) */
    int64_t bad = 0;
    for (int64_t i = 0; i < 200; i++)
        bad += v.v[i] != i;
    ASSERT_I64(bad, 0);
    mem_free(v.v);
}

/* Loads the valid data directory with file `which` replaced by `content`; CUnit fatal
 * assertion that it loads. The caller frees m. */
static void load_with(masters *m, int which, const char *content)
{
    char dir[64], err[1024] = "";
    load_file files[LOAD_NFILES];
    memset(m, 0, sizeof *m);
    make_dir(dir, sizeof dir, which, content);
    int rc = load_masters(dir, m, files, err, sizeof err);
    tu_rmtree(dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* The line of the assignment of (prov, rcp) in force on day, or 0 when none. */
static int32_t asg_line_on(const masters *m, const char *prov, const char *rcp, cal_date day)
{
    const master_assignment *a = master_assignment_on(m, ids_find(&m->provider_ids, prov, strlen(prov)),
                                                      ids_find(&m->recipient_ids, rcp, strlen(rcp)), day);
    return a ? a->line : 0;
}

/* assignments.csv in any order (docs/rules.md §4.1): master_finish sorts the rows by
 * provider, then recipient, then start date, so that each pair's rows are found and two
 * rows of a pair that do not overlap are not taken for an overlap. P1 is provider 0 and
 * P2 provider 1, R1 recipient 0 and R2 recipient 1 (the order of providers.csv and
 * recipients.csv). Each file below is in order but for one key. */
static void test_assignments_any_order(void)
{
    masters m;
    /* providers out of order: P2 (line 2) before P1 (line 3) */
    load_with(&m, F_ASSIGNMENTS, "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
                                 "P2,R1,other,no,2026-01-01,\nP1,R1,other,no,2026-01-01,\n");
    ASSERT_I64(asg_line_on(&m, "P1", "R1", D(2026, 6, 1)), 3);
    ASSERT_I64(asg_line_on(&m, "P2", "R1", D(2026, 6, 1)), 2);
    master_free(&m);
    /* one provider's recipients out of order: R2 (line 2) before R1 (line 3) */
    load_with(&m, F_ASSIGNMENTS, "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
                                 "P1,R2,other,no,2026-01-01,\nP1,R1,other,no,2026-01-01,\n");
    ASSERT_I64(asg_line_on(&m, "P1", "R1", D(2026, 6, 1)), 3);
    ASSERT_I64(asg_line_on(&m, "P1", "R2", D(2026, 6, 1)), 2);
    master_free(&m);
    /* one pair's rows out of date order: 2026-01-01 (open, line 2) before 2025-01-01 ..
     * 2025-12-31 (line 3); they do not overlap (2025-12-31 < 2026-01-01) */
    load_with(&m, F_ASSIGNMENTS, "provider_id,recipient_id,relationship,backup,start_date,end_date\n"
                                 "P1,R1,other,no,2026-01-01,\nP1,R1,other,no,2025-01-01,2025-12-31\n");
    ASSERT_I64(asg_line_on(&m, "P1", "R1", D(2025, 12, 31)), 3);
    ASSERT_I64(asg_line_on(&m, "P1", "R1", D(2026, 1, 1)), 2);
    master_free(&m);
}

/* authorizations.csv in any order: sorted by recipient, then month, each found. */
static void test_authorizations_any_order(void)
{
    masters m;
    const char *hdr = "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n";
    char buf[512];
    /* recipients out of order: R2 (line 2) before R1 (line 3), months in order */
    snprintf(buf, sizeof buf, "%sR2,2026-11,10:00,0,0,y\nR1,2026-11,20:00,0,0,y\n", hdr);
    load_with(&m, F_AUTHORIZATIONS, buf);
    int32_t r1 = ids_find(&m.recipient_ids, "R1", 2), r2 = ids_find(&m.recipient_ids, "R2", 2);
    const master_authorization *a = master_authorization_for(&m, r1, cal_month_key_ymd(2026, 11));
    ASSERT_I64(a ? a->line : 0, 3);
    a = master_authorization_for(&m, r2, cal_month_key_ymd(2026, 11));
    ASSERT_I64(a ? a->line : 0, 2);
    master_free(&m);
    /* one recipient's months out of order: 2026-12 (line 2) before 2026-11 (line 3) */
    snprintf(buf, sizeof buf, "%sR1,2026-12,10:00,0,0,y\nR1,2026-11,20:00,0,0,y\n", hdr);
    load_with(&m, F_AUTHORIZATIONS, buf);
    r1 = ids_find(&m.recipient_ids, "R1", 2);
    a = master_authorization_for(&m, r1, cal_month_key_ymd(2026, 11));
    ASSERT_I64(a ? a->line : 0, 3);
    a = master_authorization_for(&m, r1, cal_month_key_ymd(2026, 12));
    ASSERT_I64(a ? a->line : 0, 2);
    master_free(&m);
}

/* overpayments.csv: each provider's rows chained oldest (first in the file) first. 64
 * rows alternating P1, P2 (line k + 2 is row k): P1 has rows 0, 2, ..., 62, P2 rows 1, 3,
 * ..., 63; each chain holds 32 rows in file order and ends with -1. */
static void test_overpayment_chains(void)
{
    char buf[4096], dir[64], err[1024] = "", p[256];
    size_t len = (size_t)snprintf(buf, sizeof buf, "provider_id,overpayment_id,balance,per_check_max\n");
    for (int k = 0; k < 64; k++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "P%d,OP-%d,10.00,1.00\n", k % 2 + 1, k);
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    make_dir(dir, sizeof dir, -1, NULL);
    tu_path(p, sizeof p, dir, "overpayments.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, buf), 0);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    tu_rmtree(dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    ASSERT_I64(m.overpayments.n, 64);
    for (int prov = 0; prov < 2; prov++) {
        int32_t pi = ids_find(&m.provider_ids, prov ? "P2" : "P1", 2), bad = 0, n = 0;
        for (int32_t k = m.first_overpayment[pi]; k >= 0 && n < 64; k = m.next_overpayment[k], n++)
            bad += k != 2 * n + prov;           /* the nth of the chain is row 2n (P1), 2n + 1 (P2) */
        ASSERT_I64(n, 32);
        ASSERT_I64(bad, 0);
    }
    master_free(&m);
}

/* holidays.csv: only Monday..Friday dates count (docs/rules.md §3), sorted, each once.
 * Every day of 2027-01-03 (a Sunday) .. 2027-02-13 (a Saturday), six whole weeks, listed
 * from the last to the first, then 2027-01-20 (a Wednesday) again: 42 rows and the repeat;
 * the 30 weekdays are kept, in date order, 2027-01-20 once. */
static void test_holidays_weekdays_sorted(void)
{
    char buf[4096], dir[64], err[1024] = "", p[256];
    size_t len = (size_t)snprintf(buf, sizeof buf, "date,name\n");
    for (int i = 41; i >= 0; i--) {
        int y, mo, d;
        cal_to_ymd(D(2027, 1, 3) + i, &y, &mo, &d);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%04d-%02d-%02d,day %d\n", y, mo, d, i);
    }
    snprintf(buf + len, sizeof buf - len, "2027-01-20,again\n");
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    make_dir(dir, sizeof dir, -1, NULL);
    tu_path(p, sizeof p, dir, "holidays.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_str(p, buf), 0);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    tu_rmtree(dir);
    ASSERT_STR(err, "");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    ASSERT_I64(m.holiday_dates.n, 43);
    ASSERT_I64(m.holidays.n, 30);               /* 6 weeks x 5 weekdays */
    int bad = 0;
    for (int w = 0; w < 6; w++)
        for (int wd = 0; wd < 5 && (size_t)(w * 5 + wd) < m.holidays.n; wd++)
            bad += m.holidays.days[w * 5 + wd] != D(2027, 1, 4) + 7 * w + wd;  /* Monday + wd of week w */
    ASSERT_I64(bad, 0);
    master_free(&m);
}

/* The first recipient (index 0) with an esp_inactivated_on: that date is an inactive
 * change of its history like any other. R1 inactivated on 2026-10-01: active on 09-30,
 * inactive since 2026-10-01 on 10-01 and after. */
static void test_esp_first_recipient(void)
{
    masters m;
    load_with(&m, F_RECIPIENTS, "recipient_id,name,county,birth_date,severely_impaired,bups_exception,"
                                "esp_inactivated_on\nR1,Ann,alameda,1940-02-29,y,n,2026-10-01\n"
                                "R2,Bob,alameda,1950-01-01,n,y,\n");
    int32_t r1 = ids_find(&m.recipient_ids, "R1", 2);
    ASSERT_I64(r1, 0);
    cal_date since = 0;
    ASSERT_I64(master_esp_inactive_on(&m, r1, D(2026, 9, 30), &since), 0);
    ASSERT_I64(since, CAL_NONE);
    ASSERT_I64(master_esp_inactive_on(&m, r1, D(2026, 10, 1), &since), 1);
    ASSERT_I64(since, D(2026, 10, 1));
    master_free(&m);
}

/* An authorization is the recipient's own: R1 has 2026-11 only, R2 (next in sorted order)
 * 2026-12; R1 has none for 2026-12, R2 none for 2026-11. */
static void test_authorization_of_recipient_only(void)
{
    masters m;
    load_with(&m, F_AUTHORIZATIONS, "recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,"
                                    "medi_cal_eligible\nR1,2026-11,20:00,0,0,y\nR2,2026-12,10:00,0,0,y\n");
    int32_t r1 = ids_find(&m.recipient_ids, "R1", 2), r2 = ids_find(&m.recipient_ids, "R2", 2);
    CU_ASSERT_PTR_NULL(master_authorization_for(&m, r1, cal_month_key_ymd(2026, 12)));
    CU_ASSERT_PTR_NULL(master_authorization_for(&m, r2, cal_month_key_ymd(2026, 11)));
    const master_authorization *a = master_authorization_for(&m, r2, cal_month_key_ymd(2026, 12));
    ASSERT_I64(a ? a->line : 0, 3);
    master_free(&m);
}

int test_load_register(void)
{
    static const tu_test tests[] = {
        {"load_masters: a valid data directory", test_valid},
        {"load_masters: optional files, gzip", test_optional_files},
        {"load_masters: master file errors", test_master_errors},
        {"load_masters: parameter errors", test_parameter_errors},
        {"load_masters: esp_history.csv", test_esp_history},
        {"load_masters: esp_history.csv errors", test_esp_history_errors},
        {"load_masters: withholding.csv: rows, sorted, in force by date", test_withholding},
        {"load_masters: withholding.csv: every message, in the order of the checks", test_withholding_errors},
        {"masters snapshot: withholding.csv rows and index kept; not used once the file is gone", test_withholding_snapshot},
        {"tsread_parse: each exception in order", test_tsread},
        {"tsread_parse: columns by name", test_tsread_columns},
        {"master vectors: zeroed elements, capacity 64 then doubled", test_master_vec_push},
        {"assignments.csv out of order: by provider, recipient, start", test_assignments_any_order},
        {"authorizations.csv out of order: by recipient, month", test_authorizations_any_order},
        {"overpayments.csv: 64 rows chained per provider, oldest first", test_overpayment_chains},
        {"holidays.csv: six weeks backwards and a repeat: the weekdays, sorted, once", test_holidays_weekdays_sorted},
        {"recipients.csv: the first recipient's esp_inactivated_on", test_esp_first_recipient},
        {"authorizations: none of the next recipient's months", test_authorization_of_recipient_only},
    };
    return tu_register("load", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
