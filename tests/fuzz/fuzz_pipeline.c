/* fuzz_pipeline.c — libFuzzer harness: the whole pay run over one input used as a
 * timesheet file, as formats/run.c does it: csvr_read -> tsread_parse -> rules_process
 * (or rules_reject_unparsed) -> out_write, against a fixed master set loaded once
 * (tests/fuzz/masters: the _common parameters and holidays, 5 providers, 4
 * recipients, authorizations, assignments, overpayments and writ worksheets) and a
 * fresh ledger and engine for every input. Inputs of odd length run with the
 * explain trace on (rules_tracef formatting every step).
 *
 * Besides the sanitizers, the harness checks SPEC §8 and traps when one fails:
 *   invariant 1: each row is exactly one paycheck or exactly one reject/hold exception;
 *   invariant 2: per row and for the run, claimed = paid + cut (partial minutes, and
 *                the claimed minutes of rejected and held rows);
 *   invariant 3: gross = regular_pay + overtime_pay; net = gross - deductions; net >= 0;
 *                no amount negative;
 *   and the run totals: rows = paid + rejected + held.
 *
 * The masters directory is FUZZ_MASTERS (compiled in by tests/hardening.mk) or the
 * environment variable PAYRUN_FUZZ_MASTERS.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvr.h"
#include "ledger.h"
#include "load.h"
#include "out.h"
#include "rules.h"
#include "tsread.h"

#define FUZZ_NAME "fuzz_pipeline"
#include "fuzz_common.h"

#ifndef FUZZ_MASTERS
#define FUZZ_MASTERS "tests/fuzz/masters"
#endif

static masters M;
static char outdir[128];

static void trace_sink(void *ctx, const char *line)
{
    (void)ctx;
    CHECK(strlen(line) < 512);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("PAYRUN_FUZZ_MASTERS");
    if (!dir)
        dir = FUZZ_MASTERS;
    load_file files[LOAD_NFILES];
    char err[1024];
    if (load_masters(dir, &M, files, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_pipeline: cannot load the masters: %s\n", err);
        exit(1);
    }
    fuzz_file_setup();
    struct stat st;
    snprintf(outdir, sizeof outdir, "%s/payrun-fuzz-out-%ld", stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp",
             (long)getpid());
    return 0;
}


typedef struct {
    rules_engine *e;
    out_set *out;
    int fatal;
    int64_t rows, claimed, paid_minutes, cut;
} run_ctx;

static int is_stop(sheet_code c)
{
    sheet_severity v = sheet_code_severity(c);
    return v == SEV_REJECT || v == SEV_HOLD;
}

static void check_result(const sheet *s, const rules_result *r, run_ctx *c)
{
    CHECK(r->nex >= 0 && r->nex <= RULES_MAX_EXCEPTIONS);
    int stops = 0;
    int64_t cut = 0;
    for (int i = 0; i < r->nex; i++) {
        const rules_exception *x = &r->ex[i];
        CHECK(x->code >= 0 && x->code < EX_COUNT);
        CHECK(x->minutes >= 0);
        CHECK(strlen(x->message) < RULES_MESSAGE_MAX);
        if (is_stop(x->code)) {
            stops++;
            CHECK(i == 0);
            CHECK(x->minutes == s->claimed);
            cut += x->minutes;
        } else if (sheet_code_severity(x->code) == SEV_PARTIAL) {
            cut += x->minutes;
        }
    }
    /* invariant 1 */
    CHECK(r->paid ? stops == 0 : stops == 1);
    c->claimed += s->claimed;
    c->cut += cut;
    if (!r->paid) {
        CHECK(cut == s->claimed);
        return;
    }
    const rules_paycheck *p = &r->paycheck;
    CHECK(p->regular_minutes >= 0 && p->overtime_minutes >= 0);
    /* invariant 2, per row */
    CHECK(p->regular_minutes + p->overtime_minutes + cut == s->claimed);
    c->paid_minutes += p->regular_minutes + p->overtime_minutes;
    /* invariant 3 */
    for (int a = 0; a < AMT_COUNT; a++)
        CHECK(p->amount[a] >= 0);
    CHECK(p->amount[AMT_GROSS] == p->amount[AMT_REGULAR_PAY] + p->amount[AMT_OVERTIME_PAY]);
    money_cents ded = 0;
    for (int a = AMT_FICA_SS; a <= AMT_LAST_DEDUCTION; a++)
        ded += p->amount[a];
    CHECK(p->amount[AMT_NET] == p->amount[AMT_GROSS] - ded);
    CHECK(p->sr_number != NULL);
    CHECK(p->kind == KIND_WRIT || p->sr_number[0] == '\0');
}

static int on_row(void *vctx, const csvr_row *row)
{
    run_ctx *c = vctx;
    sheet s;
    rules_result r;
    char msg[512];
    c->rows++;
    int code = tsread_parse(row, &s, msg, sizeof msg);
    if (code >= 0) {
        rules_reject_unparsed(c->e, &s, (sheet_code)code, msg, &r);
    } else if (rules_process(c->e, &s, &r) != 0) {
        CHECK(c->e->err[0] != '\0');
        c->fatal = 1;
        return 1;
    }
    check_result(&s, &r, c);
    if (c->out)
        out_write(c->out, &M, &s, &r);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_file_put(data, size) != 0)
        return 0;
    ledger lg;
    rules_engine e;
    out_set out;
    char err[1024];
    CHECK(ledger_init(&lg, &M.provider_ids, &M.recipient_ids, &M.overpayment_ids) == 0);
    rules_init(&e, &M, &lg, cal_from_ymd(2026, 12, 4));
    if (size & 1) {
        e.trace = trace_sink;
        e.tracing = 1;
    }
    int have_out = out_claim(&out, outdir, NULL, err, sizeof err) == 0;
    if (have_out && out_open(&out, 0, e.run_date, 0, err, sizeof err) != 0) {
        out_discard(&out);
        have_out = 0;
    }
    run_ctx c = {.e = &e, .out = have_out ? &out : NULL};
    csvr_info info;
    int rc = csvr_read(fuzz_path, tsread_columns, TS_NCOLS, on_row, &c, &info, err, sizeof err);
    CHECK(rc == 0 || rc == CSVR_ERROR || (rc == 1 && c.fatal));
    if (rc == 0) {
        const rules_totals *t = &e.totals;
        CHECK(t->rows == c.rows);
        CHECK(t->paid + t->rejected + t->held == t->rows);
        /* invariant 2 for the run */
        CHECK(t->minutes_claimed == c.claimed);
        CHECK(t->minutes_claimed == t->minutes_paid + t->minutes_cut);
        CHECK(t->minutes_paid == c.paid_minutes);
        CHECK(t->minutes_cut == c.cut);
        CHECK(t->amount[AMT_GROSS] == t->amount[AMT_REGULAR_PAY] + t->amount[AMT_OVERTIME_PAY]);
    }
    if (have_out)
        out_discard(&out);     /* removes the temporary files and the directory it made */
    rules_free(&e);
    ledger_free(&lg);
    return 0;
}
