/* run.c — the pay run: masters, ledger, engine, timesheet stream, outputs. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "out.h"
#include "rules.h"
#include "state.h"
#include "fault.h"
#include "tsread.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_DATA = 2, EXIT_LOCKED = 3, EXIT_INTERNAL = 4 };

typedef struct {
    rules_engine *e;
    const masters *m;
    out_set *out;
    int fatal;
    /* progress on a terminal */
    int progress;
    uint64_t file_size;
    long rows;
    struct timespec start, last;
} stream_ctx;

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* A progress line (rows, MB/s, ETA) on stderr, twice a second at most; integer
 * arithmetic on the wall clock, for display only. */
static void show_progress(stream_ctx *c, const csvr_row *row, int done)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!done && ms_between(&c->last, &now) < 500)
        return;
    c->last = now;
    int64_t ms = ms_between(&c->start, &now);
    int64_t read = (int64_t)row->bytes_read, left = (int64_t)c->file_size - read;
    int64_t kb_per_s = ms > 0 ? read / ms : 0;               /* bytes per ms = kB/s */
    int64_t eta = read > 0 && left > 0 ? left * ms / read / 1000 : 0;
    fprintf(stderr, "\rpayrun: %s: %ld rows, %lld.%lld MB/s, ETA %lld s   %s", row->path, c->rows,
            (long long)(kb_per_s / 1000), (long long)(kb_per_s % 1000 / 100), (long long)eta, done ? "\n" : "");
}

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
    if (c->progress && (++c->rows & 0x3FFF) == 0)
        show_progress(c, row, 0);
    return 0;
}

/* Exit code for a state_* result. */
static int state_exit(int rc)
{
    return rc == STATE_LOCKED ? EXIT_LOCKED : rc == STATE_DAMAGED ? EXIT_DATA : EXIT_INTERNAL;
}

int run_payroll(const run_options *o)
{
    masters m = {0};
    load_file files[LOAD_NFILES];
    ledger lg;
    rules_engine e;
    out_set out;
    state_dir st = {.lock_fd = -1};
    char err[1024];
    int rc = EXIT_OK, base = 0, ledger_ready = 0;
    out_input *inputs = calloc((size_t)(LOAD_NFILES + o->nfiles), sizeof *inputs);
    if (!inputs) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    memset(&e, 0, sizeof e);
    if (o->state) {
        int r = state_open(&st, o->state, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            free(inputs);
            return state_exit(r);
        }
        base = o->from_generation >= 0 ? o->from_generation : st.newest;
        if (base > st.newest) {
            fprintf(stderr, "payrun: --from-generation %d: the newest generation of %s is %d\n", base, o->state,
                    st.newest);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    if (load_masters(o->data, &m, files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = EXIT_DATA;
        goto done;
    }
    if (ledger_init(&lg, &m.provider_ids, &m.recipient_ids, &m.overpayment_ids) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    ledger_ready = 1;
    if (o->state) {
        int r = state_load(&st, base, &lg, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = r == STATE_DAMAGED ? EXIT_DATA : EXIT_INTERNAL;
            goto done;
        }
    }
    rules_init(&e, &m, &lg, o->run_date);
    int ninputs = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (files[f].present)
            inputs[ninputs++] = (out_input){load_file_name(f), files[f].path, files[f].info};

    if (out_open(&out, o->out, o->gzip, o->run_date, base, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    stream_ctx sc = {.e = &e, .m = &m, .out = &out, .progress = isatty(STDERR_FILENO)};
    for (int i = 0; i < o->nfiles && rc == EXIT_OK; i++) {
        out_input *in = &inputs[ninputs++];
        in->role = "timesheets";
        in->path = o->files[i];
        struct stat fst;
        sc.file_size = stat(o->files[i], &fst) == 0 ? (uint64_t)fst.st_size : 0;
        sc.rows = 0;
        clock_gettime(CLOCK_MONOTONIC, &sc.start);
        sc.last = sc.start;
        int r = csvr_read(o->files[i], tsread_columns, TS_NCOLS, on_timesheet, &sc, &in->info, err, sizeof err);
        if (sc.fatal) {
            fprintf(stderr, "payrun: %s\n", e.err);
            rc = EXIT_DATA;
        } else if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = EXIT_DATA;
        } else if (sc.progress && sc.rows >= 0x4000) {
            csvr_row last = {.path = o->files[i], .bytes_read = in->info.bytes};
            show_progress(&sc, &last, 1);
        }
    }
    if (rc != EXIT_OK) {
        out_discard(&out);
        fprintf(stderr, "payrun: nothing written\n");
        goto done;
    }
    if (out_prepare(&out, &e.totals, inputs, ninputs, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    fault_point("outputs-written");
    int commit = o->state && (o->from_generation < 0 || o->commit);
    int gen = 0;
    if (commit) {
        char abs_out[4096];
        if (!realpath(o->out, abs_out)) {
            fprintf(stderr, "payrun: %s: %s; nothing written\n", o->out, strerror(errno));
            out_discard(&out);
            rc = EXIT_INTERNAL;
            goto done;
        }
        state_run run = {.base = base, .run_date = o->run_date, .out_dir = abs_out, .gzip = o->gzip,
                         .totals = &e.totals, .inputs = inputs, .ninputs = ninputs};
        gen = state_commit(&st, &lg, &run, err, sizeof err);
        if (gen < 0) {
            fprintf(stderr, "payrun: %s; nothing written\n", err);
            out_discard(&out);
            rc = EXIT_INTERNAL;
            goto done;
        }
    }
    /* from here the run is committed: a failure to move the outputs is finished by the next start */
    if (out_publish_dir(o->out, o->gzip, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s%s\n", err, commit ? "; the next run against this state finishes the move" : "");
        if (!commit)
            out_discard(&out);
        rc = EXIT_INTERNAL;
        goto done;
    }
    fault_point("published");
    if (commit && state_mark_published(&st, gen, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (o->verbose) {
        char paid[24], gross[32], net[32], gtext[64] = "";
        cal_format_hm(e.totals.minutes_paid, paid);
        money_format_cents(e.totals.amount[AMT_GROSS], gross);
        money_format_cents(e.totals.amount[AMT_NET], net);
        if (commit)
            snprintf(gtext, sizeof gtext, "; state generation %d", gen);
        fprintf(stderr, "payrun: %lld rows: %lld paid, %lld rejected, %lld held; %s hours, gross %s, net %s -> %s%s\n",
                (long long)e.totals.rows, (long long)e.totals.paid, (long long)e.totals.rejected,
                (long long)e.totals.held, paid, gross, net, o->out, gtext);
    }
done:
    rules_free(&e);
    if (ledger_ready)
        ledger_free(&lg);
    master_free(&m);
    state_close(&st);
    free(inputs);
    return rc;
}
