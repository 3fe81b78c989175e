/* run.c — the pay run: masters, ledger, engine, timesheet stream, outputs. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "chain.h"
#include "digest.h"
#include "exits.h"
#include "impact.h"
#include "load.h"
#include "mastersnap.h"
#include "out.h"
#include "rules.h"
#include "state.h"
#include "fault.h"
#include "field.h"
#include "fsafe.h"
#include "tsread.h"


/* One rule engine with its masters and ledger. */
typedef struct {
    masters m;
    load_file files[LOAD_NFILES];
    load_file extra;            /* the overpayments corrections created, kept in the state */
    ledger lg;
    rules_engine e;
    int ledger_ready;
    int from_csv;               /* the masters were parsed, not mapped from a snapshot */
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
    const ledger *unread;       /* a ledger whose earlier records could not be read (chain_error) */
    uint64_t rows_seen;         /* rows of the night so far, all files */
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
        if (ledger_source_failed(c->e->lg))
            c->unread = c->e->lg;
        else if (c->second && ledger_source_failed(&c->second->lg))
            c->unread = &c->second->lg;
        return 1;
    }
    if (ledger_source_failed(c->e->lg) || (c->second && ledger_source_failed(&c->second->lg))) {
        /* a lookup that found nothing because the state could not be read: not an answer */
        c->fatal = 1;
        c->unread = ledger_source_failed(c->e->lg) ? c->e->lg : &c->second->lg;
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
    /* the first rows of a night give the masters snapshot's pages back every 256 rows:
     * a small night's resident set then follows its work, not the snapshot's size (a
     * large night touches all of it anyway; 64 times at most, a few ms in all) */
    if ((++c->rows_seen & 0xFF) == 0 && c->rows_seen <= 0x4000)
        msnap_give_back(c->m);
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

/* The masters: mapped from a snapshot in the state st when one is of exactly these
 * master files (docs/snapshot.md), else parsed from the CSVs (p->from_csv). With
 * verbose, says which on stderr. Returns 0, or load_masters_params' failure with err. */
static int open_masters(payroll *p, const char *data, const char *params_path, const state_dir *st, int gen,
                        int verbose, char *err, size_t errlen)
{
    char note[512] = "";
    /* the overpayments of corrections are not in a snapshot's key: with them, the masters are parsed */
    p->extra.present = st && state_correction_overpayments(st, gen, p->extra.path, sizeof p->extra.path);
    if (st && !p->extra.present && load_locate(data, params_path, p->files, err, errlen) == 0 &&
        msnap_load(st->dfd, p->files, &p->m, note, sizeof note) == 1) {
        if (verbose)
            fprintf(stderr, "payrun: %s\n", note);
        return 0;
    }
    if (verbose && note[0])
        fprintf(stderr, "payrun: %s\n", note);
    p->from_csv = 1;
    return load_masters_with(data, params_path, &p->extra, &p->m, p->files, err, errlen);
}

/* Loads the masters (parameters from params_path when given), a ledger at generation
 * gen of st (when st is given) and starts an engine. Returns 0 or an exit code, with
 * the reason on stderr; payroll_close frees it either way. */
static int payroll_open(payroll *p, const char *data, const char *params_path, state_dir *st, int gen,
                        cal_date run_date, int verbose)
{
    char err[1024];
    memset(p, 0, sizeof *p);
    int loaded = open_masters(p, data, params_path, st, gen, verbose, err, sizeof err);
    if (loaded != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return loaded == LOAD_NO_MEMORY ? EXIT_INTERNAL : EXIT_DATA;
    }
    if (ledger_init(&p->lg, &p->m.provider_ids, &p->m.recipient_ids, &p->m.overpayment_ids) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    ledger_set_counties(&p->lg, &p->m.params.counties);
    if (gen == 0)
        ledger_expect_full_night(&p->lg);     /* nothing earlier: tonight fills the tables */
    p->ledger_ready = 1;
    if (st) {
        int r = state_load(st, gen, &p->lg, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return exit_of_state(r);
        }
    }
    msnap_give_back(&p->m);     /* reading the ledger's id lists touched every id of the masters */
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
/* Where a committing night keeps its input files (docs/state.md "The archive"). */
typedef struct {
    int dfd;                    /* the inputs directory of the generation being written */
    const state_dir *st;
} archive_target;

static int stream_files(stream_ctx *sc, const char *const *files, int nfiles, out_input *inputs, int *ninputs,
                        const archive_target *keep)
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
        arch_copy copy = {.fd = -1};
        if (keep) {
            /* the state keeps the file as it is read (docs/state.md "The archive") */
            if (arch_copy_begin(&copy, keep->dfd, keep->st->dfd, keep->st->newest, i) != 0) {
                fprintf(stderr, "payrun: %s: cannot keep a copy in the state: %s\n", files[i], strerror(errno));
                return EXIT_INTERNAL;
            }
            hooks.tee = arch_copy_tee;
            hooks.tee_ctx = &copy;
            copy.sync_later = 1;    /* pay_night: arch_inputs_sync, beside the ledger's writing */
        }
        int r = csvr_read_hooks(files[i], tsread_columns, TS_NCOLS, &hooks, &in->info, err, sizeof err);
        if (r != 0 && copy.err) {
            /* the state could not keep its copy: an I/O failure, not bad data */
            arch_copy_end(&copy, 0, NULL, NULL, 0);
            fprintf(stderr, "payrun: %s\n", err);
            return EXIT_INTERNAL;
        }
        char aerr[1024];
        if (arch_copy_end(&copy, r == 0 && !sc->unread && !sc->fatal, in->info.sha256, aerr, sizeof aerr) != 0) {
            fprintf(stderr, "payrun: %s: %s\n", files[i], aerr);
            return EXIT_INTERNAL;
        }
        if (sc->unread) {
            int code = chain_error(sc->unread, err, sizeof err);
            fprintf(stderr, "payrun: %s\n", err);
            return exit_of_state(code);
        }
        if (sc->fatal) {
            const rules_engine *e = sc->second && sc->second->e.err[0] ? &sc->second->e : sc->e;
            fprintf(stderr, "payrun: %s\n", e->err);
            return e->out_of_memory ? EXIT_INTERNAL : EXIT_DATA;
        }
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return in->info.internal_error ? EXIT_INTERNAL : EXIT_DATA;
        }
        if (sc->progress && sc->rows >= 0x4000) {
            csvr_row last = {.path = files[i], .bytes_read = in->info.bytes};
            show_progress(sc, &last, 1);
        }
    }
    return EXIT_OK;
}

/* Opens the state to commit (locked, recovered) or to read; picks the base generation. */
static int open_state(state_dir *st, const char *dir, int from_generation, state_access access, int *base)
{
    char err[1024];
    int r = state_open(st, dir, access, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    *base = from_generation >= 0 ? from_generation : st->newest;
    if (*base > st->newest) {
        fprintf(stderr, "payrun: generation %d: the newest generation of %s is %d\n", *base, dir, st->newest);
        return EXIT_USAGE;
    }
    if (*base > 0 && !state_has_generation(st, *base)) {
        fprintf(stderr, "payrun: generation %d of %s was pruned\n", *base, dir);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* One night of `payrun run`: what it stands on and what it has done so far. */
typedef struct {
    const run_options *o;
    payroll p;
    out_set out;
    state_dir st;
    int base;                   /* the generation the run stands on */
    int commit;                 /* the run commits a new generation */
    out_input *inputs;          /* masters, then timesheet files */
    int ninputs;
    char state_abs[4096];       /* the state directory's absolute path */
    msnap_writer *snapshot;     /* the masters snapshot being written beside the night */
    int snapshot_started;
    int gen_dfd, archive_dfd;   /* the generation being written and its inputs (-1: no commit) */
    arch_keeper *keeper;        /* the masters being kept in the archive beside the night */
    int keeping;
    const char *keep_path[LOAD_NFILES + 1];
    uint8_t keep_sha[LOAD_NFILES + 1][DIGEST_SIZE];
} night;

/* docs/state.md "A night, step by step", 2: a commit stands on the newest generation, and the
 * run date is not earlier than that of the generation the run stands on. */
static int check_base(night *n)
{
    const run_options *o = n->o;
    char err[1024];
    if (o->commit && n->base != n->st.newest) {
        char later[64];
        if (n->base + 1 == n->st.newest)
            snprintf(later, sizeof later, "generation %d", n->st.newest);
        else
            snprintf(later, sizeof later, "generations %d to %d", n->base + 1, n->st.newest);
        fprintf(stderr, "payrun run: --from-generation %d --commit: generation %d is not the newest (%d); committing "
                "it would pay again the timesheets paid by %s. Reprocess without --commit to compare\n", n->base,
                n->base, n->st.newest, later);
        return EXIT_USAGE;
    }
    if (n->base == 0 || o->allow_earlier_run_date)
        return EXIT_OK;
    state_manifest m;
    int r = state_read_manifest(&n->st, n->base, &m, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    if (o->run_date < m.run_date) {
        char d[11], b[11];
        cal_format(o->run_date, d);
        cal_format(m.run_date, b);
        fprintf(stderr, "payrun: run date %s is earlier than %s, the run date of generation %d that this run stands "
                "on (give --allow-earlier-run-date if that is meant)\n", d, b, n->base);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

/* The inputs as the idempotence check sees them: role, path, and what is known. */
static state_input *night_inputs(const night *n, int streamed)
{
    state_input *in = calloc((size_t)n->ninputs + 1, sizeof *in);
    for (int i = 0; in && i < n->ninputs; i++) {
        const out_input *x = &n->inputs[i];
        in[i] = (state_input){.role = x->role, .path = x->path};
        if (streamed || i < n->ninputs - n->o->nfiles) {    /* masters are read already */
            in[i].bytes = x->info.bytes;
            in[i].have_size = 1;
            memcpy(in[i].sha256, x->sha256, sizeof in[i].sha256);
            in[i].have_sha256 = 1;
        }
    }
    return in;
}

/* docs/state.md "A night, step by step", 4 (idempotent nights): a generation that committed these very inputs on
 * this run date. Returns 1 (said with --verbose), 0, or -exit code. */
static int already_committed(night *n, int streamed)
{
    char err[1024];
    state_input *in = night_inputs(n, streamed);
    if (!in) {
        fprintf(stderr, "payrun: out of memory\n");
        return -EXIT_INTERNAL;
    }
    int g = state_find_night(&n->st, n->o->run_date, -1, in, n->ninputs, err, sizeof err);
    free(in);
    if (g < 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return -exit_of_state(g);
    }
    if (g == 0)
        return 0;
    state_manifest m;
    if (n->o->verbose && state_read_manifest(&n->st, g, &m, err, sizeof err) == 0)
        fprintf(stderr, "payrun: generation %d already committed these inputs; outputs in %s\n", g, m.out_dir);
    return 1;
}

/* The SHA-256 of each input from what was read (csvr hashes the bytes as they come,
 * so the hash is of what was paid, and standard input is hashed too). */
static void take_digests(night *n, int from)
{
    for (int i = from; i < n->ninputs; i++)
        memcpy(n->inputs[i].sha256, n->inputs[i].info.sha256, sizeof n->inputs[i].sha256);
}

/* Commits the prepared night and publishes its outputs. Returns an exit code; any
 * failure after the commit point says the generation is committed. */
static int commit_and_publish(night *n)
{
    char err[1024];
    int gen = 0;
    if (n->commit) {
        if (out_mark_commit(&n->out, n->state_abs, n->st.newest + 1, err, sizeof err) != 0) {
            fprintf(stderr, "payrun: %s; nothing written\n", err);
            return EXIT_INTERNAL;
        }
        char abs_out[4096];
        if (!realpath(n->o->out, abs_out)) {
            fprintf(stderr, "payrun: %s: %s; nothing written\n", n->o->out, strerror(errno));
            return EXIT_INTERNAL;
        }
        state_run run = {.base = n->base, .reprocess = n->o->from_generation >= 0, .run_date = n->o->run_date,
                         .out_dir = abs_out, .gzip = n->o->gzip, .totals = &n->p.e.totals, .inputs = n->inputs,
                         .ninputs = n->ninputs};
        gen = state_commit(&n->st, &n->p.lg, &run, err, sizeof err);
        if (gen == STATE_AFTER_COMMIT) {
            n->out.published = 1;   /* committed: the outputs belong to the generation now */
            fprintf(stderr, "payrun: %s; committed as generation %d; its outputs will be published by the next "
                    "start\n", err, n->st.newest);
            return EXIT_INTERNAL;
        }
        if (gen < 0) {
            fprintf(stderr, "payrun: %s; nothing written\n", err);
            return exit_of_state(gen);
        }
        n->out.published = 1;
    }
    if (out_publish(&n->out, err, sizeof err) != 0) {
        if (n->commit)
            fprintf(stderr, "payrun: %s; committed as generation %d; its outputs will be published by the next "
                    "start\n", err, gen);
        else
            fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    fault_point("published");
    if (n->commit && state_mark_published(&n->st, gen, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s; committed as generation %d, outputs published\n", err, gen);
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

static void say_done(const night *n)
{
    const rules_totals *t = &n->p.e.totals;
    char paid[24], gross[32], net[32], gtext[64] = "";
    cal_format_hm(t->minutes_paid, paid);
    money_format_cents(t->amount[AMT_GROSS], gross);
    money_format_cents(t->amount[AMT_NET], net);
    if (n->commit)
        snprintf(gtext, sizeof gtext, "; state generation %d", n->st.newest);
    fprintf(stderr, "payrun: %lld rows: %lld paid, %lld rejected, %lld held; %s hours, gross %s, net %s -> %s%s\n",
            (long long)t->rows, (long long)t->paid, (long long)t->rejected, (long long)t->held, paid, gross, net,
            n->o->out, gtext);
}

/* Streams the night into the claimed output directory and prepares its files.
 * Returns an exit code, or -1 when the inputs turn out to be a committed night. */
static int pay_night(night *n)
{
    const run_options *o = n->o;
    char err[1024];
    if (out_open(&n->out, o->gzip, o->run_date, n->base, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    if (n->gen_dfd >= 0 && out_archive(&n->out, n->gen_dfd, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    stream_ctx sc = {.e = &n->p.e, .m = &n->p.m, .out = &n->out, .progress = isatty(STDERR_FILENO)};
    int first_ts = n->ninputs, rc;
    if (n->archive_dfd >= 0) {
        /* the masters' copies on a thread while the timesheets stream (archive.h) */
        for (int i = 0; i < first_ts; i++) {
            n->keep_path[i] = n->inputs[i].path;
            memcpy(n->keep_sha[i], n->inputs[i].sha256, DIGEST_SIZE);
        }
        n->keeper = arch_keep_begin(n->archive_dfd, n->st.dfd, n->st.newest, first_ts, n->keep_path,
                                    (const uint8_t(*)[DIGEST_SIZE])n->keep_sha);
        n->keeping = 1;
    }
    archive_target keep = {n->archive_dfd, &n->st};
    if ((rc = stream_files(&sc, o->files, o->nfiles, n->inputs, &n->ninputs, n->archive_dfd >= 0 ? &keep : NULL)) !=
        EXIT_OK)
        return rc;
    take_digests(n, first_ts);
    if (n->commit && (rc = already_committed(n, 1)) != 0)
        return rc > 0 ? -1 : -rc;
    /* the ledger is final: its file is written on a thread while the outputs and the
     * archive are closed and synced below (state_commit waits for it) */
    if (n->gen_dfd >= 0 && (rc = state_write_early(&n->st, &n->p.lg, n->base, err, sizeof err)) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(rc);
    }
    out_run_info ri = {.base_generation = n->base, .committed_generation = n->commit ? n->st.newest + 1 : -1,
                       .reprocess = o->from_generation >= 0};
    if (out_prepare(&n->out, &n->p.e.totals, n->inputs, n->ninputs, &ri, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    if (n->keeping) {
        n->keeping = 0;
        if (arch_keep_end(n->keeper, err, sizeof err) != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return EXIT_INTERNAL;
        }
    }
    if (n->archive_dfd >= 0 && arch_inputs_sync(n->archive_dfd) != 0) {
        fprintf(stderr, "payrun: %s/.gen-%06d.tmp/%s: cannot sync: %s\n", n->o->state, n->st.newest + 1, ARCH_INPUTS,
                strerror(errno));
        return EXIT_INTERNAL;
    }
    fault_point("outputs-written");
    return EXIT_OK;
}

int run_payroll(const run_options *o)
{
    char err[4400];
    night n = {.o = o, .st = {.lock_fd = -1, .dfd = -1}, .out = {.dfd = -1}, .gen_dfd = -1, .archive_dfd = -1};
    int rc = EXIT_OK;
    n.commit = o->state && (o->from_generation < 0 || o->commit);
    n.inputs = calloc((size_t)(LOAD_NFILES + 1 + o->nfiles), sizeof *n.inputs);
    if (!n.inputs) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (o->state && (rc = open_state(&n.st, o->state, o->from_generation, n.commit ? STATE_COMMIT : STATE_READ,
                                     &n.base)) != EXIT_OK)
        goto done;
    if (n.commit && !realpath(o->state, n.state_abs)) {
        fprintf(stderr, "payrun: %s: %s\n", o->state, strerror(errno));
        rc = EXIT_INTERNAL;
        goto done;
    }
    if ((rc = payroll_open(&n.p, o->data, NULL, o->state ? &n.st : NULL, n.base, o->run_date, o->verbose)) != EXIT_OK)
        goto done;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (n.p.files[f].present)
            n.inputs[n.ninputs++] = (out_input){.role = load_file_name(f), .path = n.p.files[f].path,
                                                .info = n.p.files[f].info};
    if (n.p.extra.present) {
        /* named within the state: the same night on a copy of the state says the same */
        const char *gen = strstr(n.p.extra.path, "/gen-");
        n.inputs[n.ninputs++] = (out_input){.role = STATE_CORRECTION_OVERPAYMENTS, .path = n.p.extra.path,
                                            .shown = gen ? gen + 1 : n.p.extra.path, .info = n.p.extra.info};
    }
    take_digests(&n, 0);
    if (n.commit) {
        int masters = n.ninputs;
        for (int i = 0; i < o->nfiles; i++)
            n.inputs[n.ninputs++] = (out_input){.role = "timesheets", .path = o->files[i]};
        int already = already_committed(&n, 0);
        n.ninputs = masters;
        if (already != 0) {
            rc = already > 0 ? EXIT_OK : -already;
            goto done;
        }
    }
    /* after the idempotence check: the same command again is always a committed night */
    if (o->state && (rc = check_base(&n)) != EXIT_OK)
        goto done;
    int claimed = out_claim(&n.out, o->out, state_owns_outputs, err, sizeof err);
    if (claimed != 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        rc = exit_of_out(claimed);
        goto done;
    }
    if (n.commit) {
        /* the new generation's directory, to hold the night's archive as it is written */
        if ((n.gen_dfd = state_begin(&n.st, err, sizeof err)) < 0 || (n.archive_dfd = arch_inputs_open(n.gen_dfd)) < 0) {
            if (n.gen_dfd >= 0)
                snprintf(err, sizeof err, "%s: cannot start the archive of the night: %s", o->state, strerror(errno));
            fprintf(stderr, "payrun: %s; nothing written\n", err);
            rc = EXIT_INTERNAL;
            goto done;
        }
    }
    if (n.commit && n.p.from_csv && !n.p.extra.present) {
        /* a cache for the next nights (docs/snapshot.md), written on a thread while the
         * night runs; kept only if the night commits */
        n.snapshot = msnap_begin(n.st.dfd, &n.p.m, n.p.files);
        n.snapshot_started = 1;
    }
    if ((rc = pay_night(&n)) != EXIT_OK) {
        out_discard(&n.out);
        if (rc < 0)
            rc = EXIT_OK;   /* a committed night after all (its inputs came on standard input) */
        else
            fprintf(stderr, "payrun: nothing written\n");
        goto done;
    }
    rc = commit_and_publish(&n);
    if (rc == EXIT_OK && n.snapshot_started) {
        /* a failure changes nothing of this night */
        char note[512];
        n.snapshot_started = 0;
        msnap_end(n.snapshot, 1, note, sizeof note);
        if (o->verbose)
            fprintf(stderr, "payrun: %s\n", note);
    }
    if (rc == EXIT_OK && o->verbose)
        say_done(&n);
done:
    if (n.snapshot_started) {
        char note[512];
        msnap_end(n.snapshot, 0, note, sizeof note);   /* before the masters it reads are freed */
    }
    if (n.keeping) {
        char note[1024];
        arch_keep_end(n.keeper, note, sizeof note);     /* before the directory it writes in is closed */
    }
    if (n.archive_dfd >= 0)
        close(n.archive_dfd);
    out_discard(&n.out);
    /* a night that stops before its commit: the thread writing its ledger file
     * (state_write_early) reads the ledger, so it is waited for before the ledger is freed */
    state_abandon(&n.st);
    payroll_close(&n.p);
    state_close(&n.st);
    free(n.inputs);
    return rc;
}

int whatif_payroll(const run_options *o, const char *params_path, const char *csv_path, int list)
{
    payroll a, b;
    state_dir st = {.lock_fd = -1, .dfd = -1};
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
    if (o->state && (rc = open_state(&st, o->state, o->from_generation, STATE_READ, &base)) != EXIT_OK)
        goto done;
    if ((rc = payroll_open(&a, o->data, NULL, o->state ? &st : NULL, base, o->run_date, 0)) != EXIT_OK ||
        (rc = payroll_open(&b, o->data, params_path, o->state ? &st : NULL, base, o->run_date, 0)) != EXIT_OK)
        goto done;
    stream_ctx sc = {.e = &a.e, .m = &a.m, .second = &b, .im = &im, .progress = isatty(STDERR_FILENO)};
    if ((rc = stream_files(&sc, o->files, o->nfiles, inputs, &ninputs, NULL)) != EXIT_OK)
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
    state_close(&st);
    free(inputs);
    return rc;
}

int explain_timesheet(const run_options *o, const char *timesheet_id)
{
    payroll p;
    state_dir st = {.lock_fd = -1, .dfd = -1};
    int rc, base = 0;
    memset(&p, 0, sizeof p);
    out_input *inputs = calloc((size_t)o->nfiles + 1, sizeof *inputs);
    int ninputs = 0;
    if (!inputs)
        return EXIT_INTERNAL;
    if (o->state && (rc = open_state(&st, o->state, o->from_generation, STATE_READ, &base)) != EXIT_OK)
        goto done;
    if ((rc = payroll_open(&p, o->data, NULL, o->state ? &st : NULL, base, o->run_date, 0)) != EXIT_OK)
        goto done;
    p.e.trace = print_trace;
    stream_ctx sc = {.e = &p.e, .m = &p.m, .explain_id = timesheet_id};
    if ((rc = stream_files(&sc, o->files, o->nfiles, inputs, &ninputs, NULL)) != EXIT_OK)
        goto done;
    if (!sc.explained) {
        fprintf(stderr, "payrun: timesheet %s is not in the files given\n", timesheet_id);
        rc = EXIT_DATA;
    }
done:
    payroll_close(&p);
    state_close(&st);
    free(inputs);
    return rc;
}
