/* run.c — the pay run: masters, ledger, engine, timesheet stream, outputs. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "out.h"
#include "rules.h"
#include "tsread.h"

enum { EXIT_OK = 0, EXIT_DATA = 2, EXIT_INTERNAL = 4 };

typedef struct {
    rules_engine *e;
    const masters *m;
    out_set *out;
    int fatal;
} stream_ctx;

/* One timesheet row: parse (step 1), the rules (steps 2-15), the output rows. */
static int on_timesheet(void *ctx, const csvr_row *row)
{
    stream_ctx *c = ctx;
    sheet s;
    rules_result r;
    char msg[512];
    int code = tsread_parse(row, &s, msg, sizeof msg);
    if (code >= 0)
        rules_reject_unparsed(c->e, &s, (sheet_code)code, msg, &r);
    else if (rules_process(c->e, &s, &r) != 0) {
        c->fatal = 1;
        return 1;
    }
    out_write(c->out, c->m, &s, &r);
    return 0;
}

int run_payroll(const run_options *o)
{
    masters m = {0};
    load_file files[LOAD_NFILES];
    ledger lg;
    rules_engine e;
    out_set out;
    char err[1024];
    int rc = EXIT_OK;
    out_input *inputs = calloc((size_t)(LOAD_NFILES + o->nfiles), sizeof *inputs);
    if (!inputs) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (load_masters(o->data, &m, files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        master_free(&m);
        free(inputs);
        return EXIT_DATA;
    }
    if (ledger_init(&lg, &m.provider_ids, &m.recipient_ids, &m.overpayment_ids) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        master_free(&m);
        free(inputs);
        return EXIT_INTERNAL;
    }
    rules_init(&e, &m, &lg, o->run_date);
    int ninputs = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (files[f].present)
            inputs[ninputs++] = (out_input){load_file_name(f), files[f].path, files[f].info};

    if (out_open(&out, o->out, o->gzip, o->run_date, 0, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    stream_ctx sc = {.e = &e, .m = &m, .out = &out};
    for (int i = 0; i < o->nfiles && rc == EXIT_OK; i++) {
        out_input *in = &inputs[ninputs++];
        in->role = "timesheets";
        in->path = o->files[i];
        int r = csvr_read(o->files[i], tsread_columns, TS_NCOLS, on_timesheet, &sc, &in->info, err, sizeof err);
        if (sc.fatal) {
            fprintf(stderr, "payrun: %s\n", e.err);
            rc = EXIT_DATA;
        } else if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = EXIT_DATA;
        }
    }
    if (rc != EXIT_OK) {
        out_abort(&out);
        fprintf(stderr, "payrun: nothing written\n");
        goto done;
    }
    if (out_commit(&out, &e.totals, inputs, ninputs, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (o->verbose) {
        char paid[24];
        cal_format_hm(e.totals.minutes_paid, paid);
        char gross[32], net[32];
        money_format_cents(e.totals.amount[AMT_GROSS], gross);
        money_format_cents(e.totals.amount[AMT_NET], net);
        fprintf(stderr, "payrun: %lld rows: %lld paid, %lld rejected, %lld held; %s hours, gross %s, net %s -> %s\n",
                (long long)e.totals.rows, (long long)e.totals.paid, (long long)e.totals.rejected,
                (long long)e.totals.held, paid, gross, net, o->out);
    }
done:
    rules_free(&e);
    ledger_free(&lg);
    master_free(&m);
    free(inputs);
    return rc;
}
