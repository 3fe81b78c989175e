/* test_nomem.c — every allocation of loading the masters and of running the rules, made
 * to fail in turn: each failure must stop the work with the out-of-memory error (exit 4
 * in payrun), never crash, never be swallowed so that a paycheck is paid on a half-made
 * ledger.
 *
 * The unit tests are linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (see
 * the Makefile): the engine's and the formats' calls come here. While a sweep is armed,
 * the allocation number `fail_at` (counted from 0 when armed) returns NULL, once; the
 * sweep runs its work again with fail_at = 0, 1, 2, ... until a run makes fewer
 * allocations than fail_at, so that every allocation has failed once. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fx.h"
#include "test_util.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static int armed;
static long fail_at, seen;
static int fired;

/* Whether this allocation is the one to fail. */
static int fail_now(void)
{
    if (!armed)
        return 0;
    if (seen++ != fail_at)
        return 0;
    fired = 1;
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

static void arm(long k)
{
    fail_at = k;
    seen = 0;
    fired = 0;
    armed = 1;
}

static void disarm(void) { armed = 0; }

/* The most allocations a sweep expects; past it the sweep is broken (it never ends). */
enum { SWEEP_MAX = 20000 };

/* ---- loading the masters ---- */

/* Each allocation of load_masters (withholding.csv included) fails once: the load fails every time with
 * LOAD_NO_MEMORY (payrun's exit 4, never bad data: a failed intern in the header, and
 * param_finish's and master_finish's out of memory, were once reported as exit 2), and
 * loads once none fails. */
static void test_load_masters(void)
{
    char dir[64];
    /* with a withholding.csv: its rows and their index allocate too */
    const fxt_file wh = {"withholding.csv", "provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,"
                         "fed_dependents,fed_other_income,fed_deductions,fed_extra,fed_allowances,ca_status,"
                         "ca_allowances,ca_additional_allowances,ca_extra\n"
                         "PO,2026-01-01,single,2020,n,,,,,,single,1,,\nPS,2025-01-01,married,pre2020,,,,,,2,none,,,\n"};
    CU_ASSERT_EQUAL_FATAL(fxt_write_dir(dir, sizeof dir, &wh, 1), 0);
    long k, loaded = 0, misreported = 0;
    int last_rc = -99;
    for (k = 0; k < SWEEP_MAX; k++) {
        fxt f;
        arm(k);
        int rc = fxt_load(&f, dir);
        disarm();
        master_free(&f.m);
        if (!fired) {
            last_rc = rc;
            ASSERT_STR(f.err, "");
            break;
        }
        if (rc == 0 && loaded++ == 0)
            fprintf(stderr, "\nload_masters, allocation %ld failed: loaded all the same\n", k);
        misreported += rc != 0 && rc != LOAD_NO_MEMORY;
    }
    tu_rmtree(dir);
    ASSERT_I64(misreported, 0);
    ASSERT_I64(loaded, 0);
    ASSERT_I64(last_rc, 0);
    CU_ASSERT(k > 20 && k < SWEEP_MAX);     /* the masters take some allocations, and the sweep ended */
}

/* ---- the rules ---- */

/* The timesheets of the rules sweep: each rule step that allocates, on the default
 * masters of test_fx.c (run date 2026-12-04). Returns 0, or RULES_FATAL at the first
 * that fails (the rest are not run, as payrun stops the run). */
static int run_sheets(fxt *f)
{
    int32_t eleven[15], twelve5[15], ten[3] = {FXT_H(10, 0), FXT_H(10, 0), FXT_H(10, 0)};
    int32_t sixteen[2] = {FXT_H(8, 0), FXT_H(8, 0)}, five[1] = {FXT_H(5, 0)}, writ[2] = {FXT_H(10, 0), FXT_H(2, 0)};
    for (int i = 0; i < 15; i++) {
        eleven[i] = FXT_H(11, 0);
        twelve5[i] = FXT_H(12, 5);
    }
    cal_date nov1 = FXT_D(2026, 11, 1), nov16 = FXT_D(2026, 11, 16), dec1 = FXT_D(2026, 12, 1);
    sheet s[] = {
        /* PX: 12:05 a day all month, RA then RS: at most 84:35 a week (under the exemption's
         * 90:00), 362:30 in the month (over its 360:00): the month's violation is PX's first */
        fxt_sheet("T-PX-1", "PX", "RA", nov1, KIND_REGULAR, dec1, twelve5, 15),
        fxt_sheet("T-PX-2", "PX", "RS", nov16, KIND_REGULAR, dec1, twelve5, 15),
        fxt_sheet("W-1", "PO", "RA", nov16, KIND_WRIT, dec1, writ, 2),              /* writ */
        fxt_sheet("T-PR-1", "PR", "RA", nov1, KIND_REGULAR, dec1, five, 1),         /* recovery */
        fxt_sheet("T-RA-S", "PO", "RA", nov1, KIND_SUPPLEMENTAL, dec1, five, 1),         /* special */
        fxt_sheet("t-not-packable-id", "PS", "RA", nov1, KIND_REGULAR, dec1, five, 1),
        fxt_sheet("T-PB-1", "PB", "RB", nov1, KIND_REGULAR, dec1, ten, 3),          /* BUPS */
        fxt_sheet("T-PU-1", "PU", "RS", nov1, KIND_REGULAR, dec1, sixteen, 2),      /* dues, share of cost */
        fxt_sheet("T-RA-1", "PO", "RA", nov1, KIND_REGULAR, dec1, eleven, 15),     /* weekly limit, cut */
    };
    rules_result r;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (rules_process(&f->e, &s[i], &r) != 0)
            return RULES_FATAL;
    /* more weeks, months, quarters and years than the ledger's first tables hold (4, 2,
     * 1 and 1 a provider): PO for RA, 1:00 on the first day of every period of 2024 to
     * 2026-10, each paid on the day after the period (a pay date in its own quarter and
     * year); the authorizations are those of the sweep (AUTH_YEARS) */
    for (int y = 2024; y <= 2026; y++)
        for (int m = 1; m <= (y == 2026 ? 10 : 12); m++)
            for (int half = 0; half < 2; half++) {
                char id[32];
                int32_t hour[1] = {FXT_H(1, 0)};
                snprintf(id, sizeof id, "T-G-%d-%d-%d", y, m, half);
                cal_date st = FXT_D(y, m, half ? 16 : 1), paid = cal_period_end(st) + 1;
                sheet g = fxt_sheet(id, "PO", "RA", st, KIND_REGULAR, paid, hour, 1);
                f->e.run_date = paid;
                if (rules_process(&f->e, &g, &r) != 0)
                    return RULES_FATAL;
            }
    f->e.run_date = FXT_D(2026, 12, 4);
    rules_paycheck pc;
    return fxt_deduct(f, "PO", "RA", 10000, &pc);
}

/* The default authorizations and RA's for every month of 2024 and 2025 and 2026-01 to
 * 2026-08. */
static void auth_years(char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "%s", fxt_default("authorizations.csv"));
    for (int y = 2024; y <= 2026; y++)
        for (int m = 1; m <= (y == 2026 ? 8 : 12); m++)
            len += (size_t)snprintf(out + len, n - len, "RA,%d-%02d,283:00,0,0,y\n", y, m);
}

/* One run of the rules sweep with allocation k failing. Returns 1 when no allocation
 * failed (the sweep is over), 0 when one did and was reported as out of memory, -1 when
 * one did and was not. */
static int rules_once(const char *dir, long k)
{
    fxt f;
    int rc = fxt_load(&f, dir), out;
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    arm(k);
    rc = ledger_init(&f.lg, &f.m.provider_ids, &f.m.recipient_ids, &f.m.overpayment_ids);
    f.ledger_ok = 1;        /* ledger_free frees what a failed ledger_init made */
    if (rc == 0) {
        rules_init(&f.e, &f.m, &f.lg, FXT_D(2026, 12, 4));
        f.engine_ok = 1;
        rc = run_sheets(&f);
        if (rc != 0 && !f.e.out_of_memory)
            rc = 1;
    }
    disarm();
    if (!fired)
        out = rc == 0 ? 1 : -1;
    else
        out = rc == 0 ? -1 : rc == 1 ? -1 : 0;
    if (out < 0)
        fprintf(stderr, "\nrules, allocation %ld %s: rc %d, \"%s\"\n", k, fired ? "failed" : "did not fail", rc,
                f.engine_ok ? f.e.err : "");
    fxt_close(&f);
    return out;
}

/* Each allocation of ledger_init, rules_process and deduct_apply fails once: RULES_FATAL
 * with out_of_memory set (or ledger_init's -1) every time, all paid once none fails. */
static void test_rules(void)
{
    char dir[64], auth[8192];
    auth_years(auth, sizeof auth);
    fxt_file over = {"authorizations.csv", auth};
    CU_ASSERT_EQUAL_FATAL(fxt_write_dir(dir, sizeof dir, &over, 1), 0);
    long k, wrong = 0;
    int out = 0;
    for (k = 0; k < SWEEP_MAX; k++) {
        out = rules_once(dir, k);
        if (out < 0)
            wrong++;
        if (out == 1)
            break;
    }
    tu_rmtree(dir);
    if (getenv("NOMEM_VERBOSE"))
        fprintf(stderr, "\nrules sweep: %ld allocations\n", k);
    ASSERT_I64(wrong, 0);
    ASSERT_I64(out, 1);
    CU_ASSERT(k > 20 && k < SWEEP_MAX);
}

int test_nomem_register(void)
{
    static const tu_test tests[] = {
        {"load_masters: each allocation failing in turn is out of memory", test_load_masters},
        {"rules and deductions: each allocation failing in turn is out of memory", test_rules},
    };
    return tu_register("nomem", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
