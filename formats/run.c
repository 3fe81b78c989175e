/* run.c — the pay run: masters, ledger, engine, timesheet stream, outputs. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "impact.h"
#include "load.h"
#include "out.h"
#include "rules.h"
#include "state.h"
#include "fault.h"
#include "field.h"
#include "tsread.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_DATA = 2, EXIT_LOCKED = 3, EXIT_INTERNAL = 4 };

/* One rule engine with its masters and ledger. */
typedef struct {
    masters m;
    load_file files[LOAD_NFILES];
    ledger lg;
    rules_engine e;
    int ledger_ready;
} payroll;

typedef struct {
    rules_engine *e;
    const masters *m;
    out_set *out;               /* run: where results go */
    payroll *second;            /* whatif: the engine with the changed parameters */
    impact *im;                 /* whatif: the comparison */
    const char *explain_id;     /* explain: the timesheet to explain */
    int explained;
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

/* Steps 2-15 for a parsed row, or the record of its step-1 rejection. */
static int apply_rules(rules_engine *e, const sheet *s, int code, const char *msg, rules_result *r)
{
    if (code >= 0) {
        RULES_TRACE(e, "timesheet %.*s (%s:%ld)", (int)s->timesheet_id_len, s->timesheet_id, s->source_file,
                    s->source_line);
        rules_reject_unparsed(e, s, (sheet_code)code, msg, r);
        RULES_TRACE(e, "1. => %s (reject): %s", sheet_code_name((sheet_code)code), msg);
        return 0;
    }
    return rules_process(e, s, r);
}

/* whatif: the same row through the second engine, and the comparison. */
static int compare_engines(stream_ctx *c, const sheet *s, int code, const char *msg, const rules_result *ra)
{
    rules_result rb;
    if (apply_rules(&c->second->e, s, code, msg, &rb) != 0)
        return -1;
    impact_paycheck pa, pb;
    if (ra->paid)
        impact_from_result(&pa, c->m, s, &ra->paycheck, c->e->run_date);
    if (rb.paid)
        impact_from_result(&pb, &c->second->m, s, &rb.paycheck, c->e->run_date);
    impact_paychecks(c->im, ra->paid ? &pa : NULL, rb.paid ? &pb : NULL);
    for (int i = 0; i < ra->nex; i++)
        impact_exception(c->im, 0, s->timesheet_id, s->timesheet_id_len, sheet_code_name(ra->ex[i].code));
    for (int i = 0; i < rb.nex; i++)
        impact_exception(c->im, 1, s->timesheet_id, s->timesheet_id_len, sheet_code_name(rb.ex[i].code));
    return 0;
}

/* explain: prints the trace lines of the engine. */
static void print_trace(void *ctx, const char *line)
{
    (void)ctx;
    puts(line);
}

/* Step 1 of a row, done by the prepare hook (on the reader thread when there is
 * one): the parsed sheet, or the code and message that reject the row. */
typedef struct {
    sheet s;
    int code;                   /* -1 parsed, else the step-1 exception code */
    char msg[512];
} prepared_sheet;

static void prepare_timesheet(void *ctx, const csvr_row *row, void *out)
{
    const stream_ctx *c = ctx;
    prepared_sheet *p = out;
    p->code = tsread_parse(row, &p->s, p->msg, sizeof p->msg);
    if (p->code < 0)
        rules_resolve_ids(c->m, &p->s);     /* the masters do not change while the file is read */
}

/* One timesheet row, parsed (step 1) once by prepare_timesheet: the rules (steps
 * 2-15) on each engine, the results. */
static int on_timesheet(void *ctx, const csvr_row *row)
{
    stream_ctx *c = ctx;
    const prepared_sheet *p = row->prepared;
    const sheet *s = &p->s;
    rules_result r;
    int code = p->code;
    const char *msg = p->msg;
    int target = c->explain_id && s->timesheet_id_len == strlen(c->explain_id) &&
                 memcmp(s->timesheet_id, c->explain_id, s->timesheet_id_len) == 0;
    c->e->tracing = target;
    if (target && c->explained++)
        puts("");
    int rc = apply_rules(c->e, s, code, msg, &r);
    c->e->tracing = 0;
    if (rc != 0 || (c->second && compare_engines(c, s, code, msg, &r) != 0)) {
        c->fatal = 1;
        return 1;
    }
    if (target && r.paid) {
        char g[32], n[32];
        money_format_cents(r.paycheck.amount[AMT_GROSS], g);
        money_format_cents(r.paycheck.amount[AMT_NET], n);
        printf("=> paid: paycheck %lld of the run, gross %s, net %s\n", (long long)r.paycheck.seq, g, n);
    }
    if (c->out)
        out_write(c->out, c->m, s, &r);
    if (c->progress && (++c->rows & 0x3FFF) == 0)
        show_progress(c, row, 0);
    return 0;
}

/* The look-ahead of the next row: its lookups start while this row is processed. */
static void ahead_timesheet(void *ctx, const csvr_row *row)
{
    stream_ctx *c = ctx;
    const prepared_sheet *p = row->prepared;
    if (p->code < 0)
        rules_prefetch(c->e, &p->s);
}

/* Exit code for a state_* result. */
static int state_exit(int rc)
{
    return rc == STATE_LOCKED ? EXIT_LOCKED : rc == STATE_DAMAGED ? EXIT_DATA : EXIT_INTERNAL;
}

/* Loads the masters (parameters from params_path when given), a ledger at generation
 * gen of st (when st is given) and starts an engine. Returns 0 or an exit code, with
 * the reason on stderr; payroll_close frees it either way. */
static int payroll_open(payroll *p, const char *data, const char *params_path, const state_dir *st, int gen,
                        cal_date run_date)
{
    char err[1024];
    memset(p, 0, sizeof *p);
    if (load_masters_params(data, params_path, &p->m, p->files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_DATA;
    }
    if (ledger_init(&p->lg, &p->m.provider_ids, &p->m.recipient_ids, &p->m.overpayment_ids) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    p->ledger_ready = 1;
    if (st) {
        int r = state_load(st, gen, &p->lg, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return r == STATE_DAMAGED ? EXIT_DATA : EXIT_INTERNAL;
        }
    }
    rules_init(&p->e, &p->m, &p->lg, run_date);
    return EXIT_OK;
}

static void payroll_close(payroll *p)
{
    rules_free(&p->e);
    if (p->ledger_ready)
        ledger_free(&p->lg);
    master_free(&p->m);
}

/* Streams the timesheet files through sc; records each file in inputs[*ninputs...].
 * Returns 0 or an exit code (message on stderr). */
static int stream_files(stream_ctx *sc, const char *const *files, int nfiles, out_input *inputs, int *ninputs)
{
    char err[1024];
    for (int i = 0; i < nfiles; i++) {
        out_input *in = &inputs[(*ninputs)++];
        in->role = "timesheets";
        in->path = files[i];
        struct stat fst;
        sc->file_size = stat(files[i], &fst) == 0 ? (uint64_t)fst.st_size : 0;
        sc->rows = 0;
        clock_gettime(CLOCK_MONOTONIC, &sc->start);
        sc->last = sc->start;
        csvr_hooks hooks = {.fn = on_timesheet, .prepare = prepare_timesheet, .prepared_size = sizeof(prepared_sheet),
                            .ahead = ahead_timesheet, .ctx = sc};
        int r = csvr_read_hooks(files[i], tsread_columns, TS_NCOLS, &hooks, &in->info, err, sizeof err);
        if (sc->fatal) {
            fprintf(stderr, "payrun: %s\n", sc->second && sc->second->e.err[0] ? sc->second->e.err : sc->e->err);
            return EXIT_DATA;
        }
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return EXIT_DATA;
        }
        if (sc->progress && sc->rows >= 0x4000) {
            csvr_row last = {.path = files[i], .bytes_read = in->info.bytes};
            show_progress(sc, &last, 1);
        }
    }
    return EXIT_OK;
}

/* Opens the state for a run (locked) or for reading (whatif, explain); picks the base generation. */
static int open_state(state_dir *st, const char *dir, int from_generation, int readonly, int *base)
{
    char err[1024];
    int r = readonly ? state_open_readonly(st, dir, err, sizeof err) : state_open(st, dir, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return state_exit(r);
    }
    *base = from_generation >= 0 ? from_generation : st->newest;
    if (*base > st->newest) {
        fprintf(stderr, "payrun: generation %d: the newest generation of %s is %d\n", *base, dir, st->newest);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int run_payroll(const run_options *o)
{
    payroll p;
    out_set out;
    state_dir st = {.lock_fd = -1};
    char err[1024];
    int rc, base = 0;
    memset(&p, 0, sizeof p);
    out_input *inputs = calloc((size_t)(LOAD_NFILES + o->nfiles), sizeof *inputs);
    if (!inputs) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (o->state && (rc = open_state(&st, o->state, o->from_generation, 0, &base)) != EXIT_OK)
        goto done;
    if ((rc = payroll_open(&p, o->data, NULL, o->state ? &st : NULL, base, o->run_date)) != EXIT_OK)
        goto done;
    int ninputs = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (p.files[f].present)
            inputs[ninputs++] = (out_input){load_file_name(f), p.files[f].path, p.files[f].info};
    if (out_open(&out, o->out, o->gzip, o->run_date, base, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    stream_ctx sc = {.e = &p.e, .m = &p.m, .out = &out, .progress = isatty(STDERR_FILENO)};
    if ((rc = stream_files(&sc, o->files, o->nfiles, inputs, &ninputs)) != EXIT_OK) {
        out_discard(&out);
        fprintf(stderr, "payrun: nothing written\n");
        goto done;
    }
    if (out_prepare(&out, &p.e.totals, inputs, ninputs, err, sizeof err) != 0) {
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
                         .totals = &p.e.totals, .inputs = inputs, .ninputs = ninputs};
        gen = state_commit(&st, &p.lg, &run, err, sizeof err);
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
        const rules_totals *t = &p.e.totals;
        char paid[24], gross[32], net[32], gtext[64] = "";
        cal_format_hm(t->minutes_paid, paid);
        money_format_cents(t->amount[AMT_GROSS], gross);
        money_format_cents(t->amount[AMT_NET], net);
        if (commit)
            snprintf(gtext, sizeof gtext, "; state generation %d", gen);
        fprintf(stderr, "payrun: %lld rows: %lld paid, %lld rejected, %lld held; %s hours, gross %s, net %s -> %s%s\n",
                (long long)t->rows, (long long)t->paid, (long long)t->rejected, (long long)t->held, paid, gross, net,
                o->out, gtext);
    }
done:
    payroll_close(&p);
    state_close(&st);
    free(inputs);
    return rc;
}

int whatif_payroll(const run_options *o, const char *params_path, const char *csv_path, int list)
{
    payroll a, b;
    state_dir st = {.lock_fd = -1};
    int rc, base = 0;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    impact im;
    FILE *csv = NULL;
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        fprintf(stderr, "payrun: %s: cannot create\n", csv_path);
        return EXIT_USAGE;
    }
    impact_init(&im, list ? stdout : NULL, csv);
    out_input *inputs = calloc((size_t)o->nfiles + 1, sizeof *inputs);
    int ninputs = 0;
    if (!inputs) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (o->state && (rc = open_state(&st, o->state, o->from_generation, 1, &base)) != EXIT_OK)
        goto done;
    if ((rc = payroll_open(&a, o->data, NULL, o->state ? &st : NULL, base, o->run_date)) != EXIT_OK ||
        (rc = payroll_open(&b, o->data, params_path, o->state ? &st : NULL, base, o->run_date)) != EXIT_OK)
        goto done;
    stream_ctx sc = {.e = &a.e, .m = &a.m, .second = &b, .im = &im, .progress = isatty(STDERR_FILENO)};
    if ((rc = stream_files(&sc, o->files, o->nfiles, inputs, &ninputs)) != EXIT_OK)
        goto done;
    if (im.failed) {
        fprintf(stderr, "payrun: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    printf("whatif: %s against %s/parameters.csv, %lld timesheet rows, pay date ", params_path, o->data,
           (long long)a.e.totals.rows);
    char d[11];
    cal_format(o->run_date, d);
    printf("%s%s\n", d, o->state ? " (state read only)" : "");
    impact_print(&im, stdout);
done:
    if (csv && fclose(csv) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "payrun: %s: write failed\n", csv_path);
        rc = EXIT_INTERNAL;
    }
    impact_free(&im);
    payroll_close(&a);
    payroll_close(&b);
    free(inputs);
    return rc;
}

int explain_timesheet(const run_options *o, const char *timesheet_id)
{
    payroll p;
    state_dir st = {.lock_fd = -1};
    int rc, base = 0;
    memset(&p, 0, sizeof p);
    out_input *inputs = calloc((size_t)o->nfiles + 1, sizeof *inputs);
    int ninputs = 0;
    if (!inputs)
        return EXIT_INTERNAL;
    if (o->state && (rc = open_state(&st, o->state, o->from_generation, 1, &base)) != EXIT_OK)
        goto done;
    if ((rc = payroll_open(&p, o->data, NULL, o->state ? &st : NULL, base, o->run_date)) != EXIT_OK)
        goto done;
    p.e.trace = print_trace;
    stream_ctx sc = {.e = &p.e, .m = &p.m, .explain_id = timesheet_id};
    if ((rc = stream_files(&sc, o->files, o->nfiles, inputs, &ninputs)) != EXIT_OK)
        goto done;
    if (!sc.explained) {
        fprintf(stderr, "payrun: timesheet %s is not in the files given\n", timesheet_id);
        rc = EXIT_DATA;
    }
done:
    payroll_close(&p);
    free(inputs);
    return rc;
}
