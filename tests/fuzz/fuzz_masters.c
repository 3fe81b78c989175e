/* fuzz_masters.c — libFuzzer harness: the master loader (formats/load.c) on one fuzzed data
 * file, then, when the data directory loads, the pay run of a fixed timesheet file against it.
 *
 * Input: the first byte picks the file (its value modulo LOAD_NFILES, in formats/load.h's
 * order: parameters.csv, providers.csv, recipients.csv, authorizations.csv, assignments.csv,
 * overpayments.csv, holidays.csv, writ_worksheets.csv, esp_history.csv, withholding.csv); the
 * rest replaces that file of tests/fuzz/masters in a scratch copy (a file it does not have is
 * added).
 * Fuzzing parameters.csv reaches the money arithmetic with extreme rates, wages, multipliers,
 * thresholds and dues scales (overflow must be detected, never wrapped: SPEC §1).
 *
 * Checks, besides the sanitizers: load_masters returns 0 or -1 with a message naming the
 * file; the pay run of tests/fuzz/masters/timesheets.txt keeps SPEC §8 invariants 1-3 (as in
 * fuzz_pipeline.c) or stops with RULES_FATAL and a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvr.h"
#include "ledger.h"
#include "load.h"
#include "rules.h"
#include "tsread.h"

#define FUZZ_NAME "fuzz_masters"
#include "fuzz_common.h"

#ifndef FUZZ_MASTERS
#define FUZZ_MASTERS "tests/fuzz/masters"
#endif

static char dir[256], timesheets[300];
static unsigned char *orig[LOAD_NFILES];
static size_t orig_len[LOAD_NFILES];
static int orig_present[LOAD_NFILES];

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            } else {
                b = nb;
            }
        }
    }
    fclose(f);
    *n = len;
    return b;
}

static int spit(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void cleanup(void)
{
    char p[400];
    for (int f = 0; f < LOAD_NFILES; f++) {
        snprintf(p, sizeof p, "%s/%s", dir, load_file_name(f));
        unlink(p);
    }
    unlink(timesheets);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *src = getenv("PAYRUN_FUZZ_MASTERS");
    if (!src)
        src = FUZZ_MASTERS;
    struct stat st;
    snprintf(dir, sizeof dir, "%s/payrun-fuzz-masters-%ld", stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp",
             (long)getpid());
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        perror(dir);
        exit(1);
    }
    char p[400];
    for (int f = 0; f < LOAD_NFILES; f++) {
        snprintf(p, sizeof p, "%s/%s", src, load_file_name(f));
        orig[f] = slurp(p, &orig_len[f]);
        orig_present[f] = orig[f] != NULL;
        snprintf(p, sizeof p, "%s/%s", dir, load_file_name(f));
        if (orig[f] && spit(p, orig[f], orig_len[f]) != 0) {
            perror(p);
            exit(1);
        }
    }
    snprintf(p, sizeof p, "%s/timesheets.txt", src);
    size_t n;
    unsigned char *ts = slurp(p, &n);
    if (!ts) {
        fprintf(stderr, "fuzz_masters: cannot read %s\n", p);
        exit(1);
    }
    snprintf(timesheets, sizeof timesheets, "%s/timesheets.csv", dir);
    spit(timesheets, ts, n);
    free(ts);
    atexit(cleanup);
    return 0;
}

typedef struct {
    rules_engine *e;
    int fatal;
} run_ctx;

static int on_row(void *vctx, const csvr_row *row)
{
    run_ctx *c = vctx;
    sheet s;
    rules_result r;
    char msg[512];
    int code = tsread_parse(row, &s, msg, sizeof msg);
    if (code >= 0) {
        rules_reject_unparsed(c->e, &s, (sheet_code)code, msg, &r);
    } else if (rules_process(c->e, &s, &r) != 0) {
        CHECK(c->e->err[0] != '\0');
        c->fatal = 1;
        return 1;
    }
    int stops = 0;
    int64_t cut = 0;
    for (int i = 0; i < r.nex; i++) {
        sheet_severity v = sheet_code_severity(r.ex[i].code);
        CHECK(r.ex[i].minutes >= 0);
        if (v == SEV_REJECT || v == SEV_HOLD)
            stops++;
        if (v != SEV_WARNING)
            cut += r.ex[i].minutes;
    }
    CHECK(r.paid ? stops == 0 : stops == 1);
    if (r.paid) {
        const rules_paycheck *p = &r.paycheck;
        CHECK(p->regular_minutes + p->overtime_minutes + cut == s.claimed);
        for (int a = 0; a < AMT_COUNT; a++)
            CHECK(p->amount[a] >= 0);
        CHECK(p->amount[AMT_GROSS] == p->amount[AMT_REGULAR_PAY] + p->amount[AMT_OVERTIME_PAY]);
        money_cents ded = 0;
        for (int a = AMT_FICA_SS; a <= AMT_LAST_DEDUCTION; a++)
            ded += p->amount[a];
        CHECK(p->amount[AMT_NET] == p->amount[AMT_GROSS] - ded);
    } else {
        CHECK(cut == s.claimed);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int which = data[0] % LOAD_NFILES;
    char p[400], err[1024] = "";
    snprintf(p, sizeof p, "%s/%s", dir, load_file_name(which));
    if (spit(p, data + 1, size - 1) != 0)
        return 0;
    masters m;
    load_file files[LOAD_NFILES];
    memset(&m, 0, sizeof m);
    int rc = load_masters(dir, &m, files, err, sizeof err);
    CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        CHECK(err[0] != '\0' && strstr(err, dir) != NULL);
    } else {
        ledger lg;
        rules_engine e;
        CHECK(ledger_init(&lg, &m.provider_ids, &m.recipient_ids, &m.overpayment_ids) == 0);
        rules_init(&e, &m, &lg, cal_from_ymd(2026, 12, 4));
        run_ctx c = {.e = &e};
        int r = csvr_read(timesheets, tsread_columns, TS_NCOLS, on_row, &c, NULL, err, sizeof err);
        CHECK(r == 0 || (r == 1 && c.fatal));
        if (r == 0)
            CHECK(e.totals.minutes_claimed == e.totals.minutes_paid + e.totals.minutes_cut);
        rules_free(&e);
        ledger_free(&lg);
    }
    master_free(&m);
    /* put the original file back (or remove it when the set has none) */
    if (orig_present[which])
        spit(p, orig[which], orig_len[which]);
    else
        unlink(p);
    return 0;
}
