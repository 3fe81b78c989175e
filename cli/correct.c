/* correct.c — payrun correct (docs/corrections.md): the change set, the replay (replay.c), the adjustments paid or recovered, the commit. */
#include "correct.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "correct_int.h"
#include "deduct.h"
#include "digest.h"
#include "exits.h"
#include "fsafe.h"

/* ---- paying and recovering ---- */


void corr_settlement_free(settlement *s)
{
    if (s->e_ready)
        rules_free(&s->e);
    if (s->lg_ready)
        ledger_free(&s->lg);
    if (s->m_ready)
        master_free(&s->m);
    memset(s, 0, sizeof *s);
}

/* Loads the masters of data with the corrections' overpayments at extra_path (or none)
 * and starts an engine for run_date over an empty ledger. Returns 0 or an exit code. */
int corr_settlement_open(settlement *s, const char *data, cal_date run_date, const char *extra_path)
{
    char err[1024];
    memset(s, 0, sizeof *s);
    s->m_ready = 1;
    if (extra_path) {
        snprintf(s->extra.path, sizeof s->extra.path, "%s", extra_path);
        s->extra.present = 1;
    }
    int r = load_masters_with(data, NULL, &s->extra, &s->m, s->files, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return r == LOAD_NO_MEMORY ? EXIT_INTERNAL : EXIT_DATA;
    }
    if (ledger_init(&s->lg, &s->m.provider_ids, &s->m.recipient_ids, &s->m.overpayment_ids) != 0)
        return EXIT_INTERNAL;
    ledger_set_counties(&s->lg, &s->m.params.counties);
    s->lg_ready = 1;
    rules_init(&s->e, &s->m, &s->lg, run_date);
    s->e_ready = 1;
    return EXIT_OK;
}

static void adjustment_id(const corrector *k, size_t i, char out[64])
{
    char d[11];
    cal_format(k->o->run_date, d);
    snprintf(out, 64, "ADJ-%.4s%.2s%.2s-%d-%07zu", d, d + 5, d + 8, k->newest, i + 1);
}

static const csvr_column overpayment_cols[] = {{"provider_id", 1},  {"overpayment_id", 1}, {"balance", 1},
                                               {"per_check_max", 1}, {"adjustment_id", 0}, {"timesheet_id", 0}};

static int copy_overpayment(void *ctx, const csvr_row *row)
{
    csvw *w = ctx;
    for (int c = 0; c < 6; c++) {
        size_t n;
        const char *s = csvr_get(row, c, &n);
        csvw_field(w, s, n);
    }
    csvw_end_row(w);
    return 0;
}

/* The overpayments of every correction so far: those of earlier ones (earlier, or NULL)
 * then one for each adjustment whose net is negative (docs/corrections.md "Paying and
 * recovering"), into w. */
static int write_correction_overpayments(const corrector *k, csvw *w, const char *earlier, money_cents per_check_max)
{
    char err[1024];
    for (size_t i = 0; i < sizeof overpayment_cols / sizeof *overpayment_cols; i++)
        csvw_str(w, overpayment_cols[i].name);
    csvw_end_row(w);
    if (earlier && csvr_read(earlier, overpayment_cols, 6, copy_overpayment, w, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "payrun correct: %s\n", err);
        return EXIT_DATA;
    }
    for (size_t i = 0; i < k->nadj; i++) {
        const adjustment *j = &k->adj[i];
        if (j->amount[AMT_NET] >= 0)
            continue;
        char id[64];
        adjustment_id(k, i, id);
        csvw_str(w, corr_text(k, j->provider));
        csvw_str(w, id);
        csvw_cents(w, -j->amount[AMT_NET]);
        csvw_cents(w, per_check_max);
        csvw_str(w, id);
        csvw_text(w, corr_text(k, j->ts), strlen(corr_text(k, j->ts)));
        csvw_end_row(w);
    }
    return EXIT_OK;
}

static size_t count_overpaid(const corrector *k)
{
    size_t n = 0;
    for (size_t i = 0; i < k->nadj; i++)
        n += k->adj[i].amount[AMT_NET] < 0;
    return n;
}

/* The W-2 sums of one record as an array, in ledger_provider_w2 order. */
#define W2_SUMS 8
static money_cents *w2_sums(ledger_provider_w2 *y) { return &y->gross; }

/* docs/corrections.md "Wage statements": the replayed ledger's W-2 sums put each replayed
 * paycheck in the year of its night's pay date; what the provider was paid stays in the
 * years it was paid (generation M's sums), and the correction's difference, per provider,
 * counts in the year of the correction's own pay date (SPEC-withholding A.7). Loads
 * generation M's ledger whole for its sums. Returns 0 or an exit code. */
static int redate_wage_statements(corrector *k, ledger *lg)
{
    char err[1024];
    static const ids_table none;
    ledger m;
    if (ledger_init(&m, &none, &none, &none) != 0)
        return EXIT_INTERNAL;
    /* through a handle of its own: a load records what it read in the state_dir (the
     * base of the next delta), and k->st must keep the commit's */
    state_dir own = {.lock_fd = -1, .dfd = -1};
    int r = state_open(&own, k->o->state, STATE_READ, err, sizeof err);
    if (r == 0)
        r = state_load_all(&own, k->newest, &m, err, sizeof err);
    state_close(&own);
    if (r != 0) {
        fprintf(stderr, "payrun correct: generation %d: %s\n", k->newest, err);
        ledger_free(&m);
        return exit_of_state(r);
    }
    /* every provider generation M paid gets an index first (one the correction's masters no
     * longer have comes after theirs), so that delta can be sized once */
    int rc = EXIT_OK;
    for (size_t i = 0; rc == EXIT_OK && i < m.provider_w2.n; i++) {
        const char *pid = ledger_ids_name(&m.providers, (int32_t)(ledger_key_at(&m.provider_w2, i) >> 32));
        if (ledger_ids_add(&lg->providers, pid, strlen(pid)) < 0)
            rc = EXIT_INTERNAL;
    }
    int32_t np = ledger_ids_count(&lg->providers);
    money_cents(*delta)[W2_SUMS] = rc == EXIT_OK ? calloc((size_t)(np > 0 ? np : 1), sizeof *delta) : NULL;
    if (!delta)
        rc = EXIT_INTERNAL;
    ledger_table *t = &lg->provider_w2;
    /* the replay's sums out, generation M's back in: delta = replayed - paid */
    for (size_t i = 0; rc == EXIT_OK && i < t->n; i++) {
        ledger_provider_w2 *y = ledger_row(t, (int32_t)i);
        int32_t p = (int32_t)(ledger_key_at(t, i) >> 32);
        for (int f = 0; f < W2_SUMS; f++) {
            delta[p][f] += w2_sums(y)[f];
            w2_sums(y)[f] = 0;
        }
    }
    for (size_t i = 0; rc == EXIT_OK && i < m.provider_w2.n; i++) {
        ledger_provider_w2 *paid = ledger_row(&m.provider_w2, (int32_t)i);
        uint64_t key = ledger_key_at(&m.provider_w2, i);
        const char *pid = ledger_ids_name(&m.providers, (int32_t)(key >> 32));
        int32_t p = ledger_ids_find(&lg->providers, pid, strlen(pid));
        ledger_provider_w2 *y = p < 0 ? NULL : ledger_get(t, ledger_key(p, (int32_t)(uint32_t)key));
        if (!y) {
            rc = EXIT_INTERNAL;
            break;
        }
        for (int f = 0; f < W2_SUMS; f++) {
            w2_sums(y)[f] = w2_sums(paid)[f];
            delta[p][f] -= w2_sums(paid)[f];
        }
        if (paid->county > 0 && paid->county <= ledger_ids_count(&m.counties)) {
            const char *c = ledger_ids_name(&m.counties, paid->county - 1);
            int32_t ci = ledger_ids_add(&lg->counties, c, strlen(c));
            y->county = ci < 0 ? y->county : ci + 1;
        }
    }
    int32_t year = cal_year(k->o->run_date);
    for (int32_t p = 0; rc == EXIT_OK && p < np; p++) {
        int any = 0;
        for (int f = 0; f < W2_SUMS; f++)
            any |= delta[p][f] != 0;
        ledger_provider_w2 *y = any ? ledger_get(t, ledger_key(p, year)) : NULL;
        if (any && !y)
            rc = EXIT_INTERNAL;
        for (int f = 0; y && f < W2_SUMS; f++)
            w2_sums(y)[f] += delta[p][f];
    }
    if (rc != EXIT_OK)
        fprintf(stderr, "payrun correct: out of memory\n");
    free(delta);
    ledger_free(&m);
    return rc;
}

/* Step 14.6 on each adjustment paid (net zero or more), in adjustment order, against
 * the replayed ledger (the scratch state's newest generation) with the overpayments of
 * every correction, the new ones last; s keeps the masters and that ledger for the
 * commit. Returns 0 or an exit code. */
static int settle(corrector *k, settlement *s, money_cents *per_check_max)
{
    char earlier[4200], path[4300], err[1024];
    int have_earlier = state_correction_overpayments(&k->st, k->newest, earlier, sizeof earlier);
    int rc = corr_settlement_open(s, k->o->data, k->o->run_date, have_earlier ? earlier : NULL);
    *per_check_max = 0;
    if (rc == EXIT_OK && count_overpaid(k) > 0) {
        const param_row *pr = rules_param(&s->e, P_CORRECTION_PER_CHECK_MAX, PARAM_STATEWIDE, k->o->run_date);
        if (!pr) {
            fprintf(stderr, "payrun correct: %s\n", s->e.err);
            return EXIT_DATA;
        }
        *per_check_max = pr->value;
        snprintf(path, sizeof path, "%s/%s", k->scratch, STATE_CORRECTION_OVERPAYMENTS);
        csvw w;
        if (csvw_open(&w, path, 0) != 0)
            return EXIT_INTERNAL;
        rc = write_correction_overpayments(k, &w, have_earlier ? earlier : NULL, *per_check_max);
        if (csvw_close(&w) != 0 && rc == EXIT_OK)
            rc = EXIT_INTERNAL;
        corr_settlement_free(s);
        if (rc == EXIT_OK)
            rc = corr_settlement_open(s, k->o->data, k->o->run_date, path);
    }
    state_dir scratch = {.lock_fd = -1, .dfd = -1};
    int r = rc == EXIT_OK ? state_open(&scratch, k->scratch_state, STATE_READ, err, sizeof err) : 0;
    if (r == 0 && rc == EXIT_OK)
        r = state_load_all(&scratch, scratch.newest, &s->lg, err, sizeof err);
    state_close(&scratch);
    if (r != 0) {
        fprintf(stderr, "payrun correct: the replayed ledger: %s\n", err);
        return exit_of_state(r);
    }
    if (rc == EXIT_OK)
        rc = redate_wage_statements(k, &s->lg);
    for (size_t i = 0; rc == EXIT_OK && i < k->nadj; i++) {
        adjustment *j = &k->adj[i];
        const char *pid = corr_text(k, j->provider);
        int32_t p = ids_find(&s->m.provider_ids, pid, strlen(pid));
        money_cents left = j->amount[AMT_NET];
        if (left > 0 && p >= 0 && deduct_recover(&s->e, p, &left, &j->recovered) != 0) {
            fprintf(stderr, "payrun correct: %s\n", s->e.err);
            rc = EXIT_INTERNAL;
        }
    }
    return rc;
}

/* ---- the outputs ---- */

static void write_adjustments(corrector *k, csvw *w)
{
    static const char *const header[] = {
        "adjustment_id", "timesheet_id", "original_paycheck_id", "provider_id", "recipient_id", "county",
        "period_start", "regular_hours", "overtime_hours", "regular_pay", "overtime_pay", "differential_pay", "gross",
        "fica_ss", "fica_medicare", "sdi", "share_of_cost", "union_dues", "overpayment_recovery", "federal_income_tax",
        "state_income_tax", "net", "reason"};
    for (size_t i = 0; i < sizeof header / sizeof *header; i++)
        csvw_str(w, header[i]);
    csvw_end_row(w);
    for (size_t i = 0; i < k->nadj; i++) {
        const adjustment *j = &k->adj[i];
        char id[64];
        adjustment_id(k, i, id);
        csvw_str(w, id);
        csvw_text(w, corr_text(k, j->ts), strlen(corr_text(k, j->ts)));
        csvw_str(w, j->original_id == (size_t)-1 ? "" : corr_text(k, j->original_id));
        csvw_str(w, corr_text(k, j->provider));
        csvw_str(w, corr_text(k, j->recipient));
        csvw_str(w, corr_text(k, j->county));
        csvw_date(w, j->period_start);
        csvw_minutes_hm(w, j->minutes[0]);
        csvw_minutes_hm(w, j->minutes[1]);
        for (int c = 0; c < AMT_COUNT; c++)
            csvw_cents(w, j->amount[c]);
        csvw_text(w, k->o->reason, strlen(k->o->reason));
        csvw_end_row(w);
    }
}

static void write_overpayments(corrector *k, money_cents per_check_max)
{
    static const char *const header[] = {"overpayment_id", "provider_id", "balance", "per_check_max",
                                         "adjustment_id", "timesheet_id"};
    csvw *w = &k->overpayments;
    for (size_t i = 0; i < sizeof header / sizeof *header; i++)
        csvw_str(w, header[i]);
    csvw_end_row(w);
    for (size_t i = 0; i < k->nadj; i++) {
        const adjustment *j = &k->adj[i];
        if (j->amount[AMT_NET] >= 0)
            continue;
        char id[64];
        adjustment_id(k, i, id);
        csvw_str(w, id);
        csvw_str(w, corr_text(k, j->provider));
        csvw_cents(w, -j->amount[AMT_NET]);
        csvw_cents(w, per_check_max);
        csvw_str(w, id);
        csvw_text(w, corr_text(k, j->ts), strlen(corr_text(k, j->ts)));
        csvw_end_row(w);
    }
}

/* The adjustment paychecks (net zero or more), in adjustment order, with what step 14.6
 * took; into the archive of the generation too when the correction commits. Returns how many. */
static int64_t write_paychecks(corrector *k, money_cents *net, money_cents *recovered)
{
    int64_t seq = 0;
    *net = *recovered = 0;
    for (size_t i = 0; i < k->nadj; i++) {
        const adjustment *j = &k->adj[i];
        if (j->amount[AMT_NET] < 0)
            continue;
        const char *ts = corr_text(k, j->ts);
        arch_paycheck p = {.seq = ++seq, .timesheet_id = ts, .timesheet_id_len = strlen(ts),
                           .provider = corr_text(k, j->provider), .recipient = corr_text(k, j->recipient),
                           .county = corr_text(k, j->county), .sr_number = "", .period_start = j->period_start,
                           .kind = OUT_KIND_ADJUSTMENT, .regular_minutes = j->minutes[0],
                           .overtime_minutes = j->minutes[1], .regular_rate = j->rate[0], .overtime_rate = j->rate[1]};
        memcpy(p.amount, j->amount, sizeof p.amount);
        p.amount[AMT_OVERPAYMENT_RECOVERY] += j->recovered;
        p.amount[AMT_NET] -= j->recovered;
        *net += p.amount[AMT_NET];
        *recovered += j->recovered;
        char period[11];
        cal_format(j->period_start, period);
        out_paycheck_row(&k->out.paychecks, k->out.id_prefix, k->out.id_prefix_len, k->out.pay_date, period, &p);
        if (k->out.archive)
            arch_pay_put(k->out.archive, &p);
    }
    return seq;
}

/* What summary.json of a correction says (docs/corrections.md "summary.json"). */
typedef struct {
    const corrector *k;
    int committed;              /* the generation committed, -1 none */
    int64_t paychecks;
    money_cents paid_net, recovered, overpaid;
} correction_summary;

static void json_money(csvw *w, const char *name, money_cents c, int last)
{
    char b[32];
    money_format_cents(c, b);
    csvw_printf(w, "\"%s\": \"%s\"%s", name, b, last ? "" : ", ");
}

/* The column totals of the adjustments for which county is NULL (all) or that county. */
static void json_totals(csvw *w, const corrector *k, const char *county)
{
    int64_t minutes[2] = {0, 0};
    money_cents a[AMT_COUNT] = {0};
    size_t n = 0;
    for (size_t i = 0; i < k->nadj; i++) {
        const adjustment *j = &k->adj[i];
        if (county && strcmp(corr_text(k, j->county), county) != 0)
            continue;
        n++;
        for (int m = 0; m < 2; m++)
            minutes[m] += j->minutes[m];
        for (int c = 0; c < AMT_COUNT; c++)
            a[c] += j->amount[c];
    }
    char r[24], o[24];
    cal_format_hm(minutes[0], r);
    cal_format_hm(minutes[1], o);
    csvw_printf(w, "{\"adjustments\": %zu, \"regular_hours\": \"%s\", \"overtime_hours\": \"%s\", ", n, r, o);
    for (int c = 0; c < AMT_COUNT; c++)
        json_money(w, rules_amount_name((rules_amount)c), a[c], c == AMT_COUNT - 1);
    csvw_raw(w, "}", 1);
}

static void write_summary(csvw *w, const void *ctx)
{
    const correction_summary *s = ctx;
    const corrector *k = s->k;
    char d[11], committed[16] = "null";
    cal_format(k->o->run_date, d);
    if (s->committed > 0)
        snprintf(committed, sizeof committed, "%d", s->committed);
    csvw_printf(w, "{\n  \"command\": \"correct\",\n  \"run_id\": \"%.4s%.2s%.2s-%d\",\n  \"run_date\": \"%s\",\n"
                "  \"generation\": %d,\n  \"payrun_version\": \"%s\",\n  \"from_generation\": %d,\n"
                "  \"committed_generation\": %s,\n  \"dry_run\": %s,\n  \"reason\": ", d, d + 5, d + 8, k->newest, d,
                k->newest, PAYRUN_VERSION, k->o->from_generation, committed, k->o->dry_run ? "true" : "false");
    out_json_str(w, k->o->reason);
    csvw_printf(w, ",\n  \"nights_replayed\": [");
    for (int i = 0; i < k->nnights; i++) {
        cal_format(k->night[i].m.run_date, d);
        csvw_printf(w, "%s{\"generation\": %d, \"run_date\": \"%s\"}", i ? ", " : "", k->night[i].gen, d);
    }
    csvw_printf(w, "],\n  \"change_set\": {");
    for (int f = 0, first = 1; f < LOAD_NFILES; f++)
        if (k->cs.file[f].n) {
            csvw_printf(w, "%s\"%s\": %zu", first ? "" : ", ", load_file_name(f), k->cs.file[f].n);
            first = 0;
        }
    int unmatched = 0, fixes = 0;
    for (int i = 0; i < k->nfix; i++) {
        fixes += k->fix[i].source == 0;
        unmatched += k->fix[i].source == 0 && k->fix[i].night < 0;
    }
    csvw_printf(w, "},\n  \"corrected_timesheets\": %d,\n  \"unmatched\": %d,\n  \"totals\": ", fixes, unmatched);
    json_totals(w, k, NULL);
    csvw_printf(w, ",\n  \"by_county\": {");
    ids_table counties = {0};     /* in the order of their first adjustment */
    for (size_t i = 0; i < k->nadj; i++) {
        int added;
        const char *c = corr_text(k, k->adj[i].county);
        ids_intern(&counties, c, strlen(c), &added);  /* out of memory: that county is left out of by_county */
    }
    for (int32_t i = 0; i < counties.n; i++) {
        csvw_printf(w, "%s\n    ", i ? "," : "");
        out_json_str(w, ids_name(&counties, i));
        csvw_raw(w, ": ", 2);
        json_totals(w, k, ids_name(&counties, i));
    }
    ids_free(&counties);
    csvw_printf(w, "%s},\n  \"overpayments_created\": {\"count\": %zu, ", k->nadj ? "\n  " : "", count_overpaid(k));
    json_money(w, "balance", s->overpaid, 1);
    csvw_printf(w, "},\n  \"adjustment_paychecks\": {\"count\": %lld, ", (long long)s->paychecks);
    json_money(w, "overpayment_recovery", s->recovered, 0);
    json_money(w, "net", s->paid_net, 1);
    csvw_printf(w, "}\n}\n");
}

/* ---- the inputs: what makes a correction the same one again ---- */

typedef struct {
    out_input in[LOAD_NFILES + 1];
    int n;
} correction_inputs;

/* The files of the data directory (read by the settlement's load) and --timesheets. */
static void list_inputs(const corrector *k, const settlement *s, correction_inputs *ci)
{
    ci->n = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (s->files[f].present) {
            out_input *x = &ci->in[ci->n++];
            *x = (out_input){.role = load_file_name(f), .path = s->files[f].path, .info = s->files[f].info};
            memcpy(x->sha256, s->files[f].info.sha256, sizeof x->sha256);
        }
    if (k->o->timesheets) {
        out_input *x = &ci->in[ci->n++];
        *x = (out_input){.role = "corrections", .path = k->o->timesheets, .info = k->fix_info};
        memcpy(x->sha256, k->fix_info.sha256, sizeof x->sha256);
    }
}

/* docs/corrections.md "Commit, lock, idempotence": a generation this very correction made. Returns
 * its number, 0, or -exit code. */
static int committed_already(corrector *k, const correction_inputs *ci)
{
    state_input in[LOAD_NFILES + 1];
    char err[1024];
    for (int i = 0; i < ci->n; i++)
        in[i] = (state_input){.role = ci->in[i].role, .path = ci->in[i].path, .bytes = ci->in[i].info.bytes,
                              .have_size = 1, .have_sha256 = 1};
    for (int i = 0; i < ci->n; i++)
        memcpy(in[i].sha256, ci->in[i].sha256, sizeof in[i].sha256);
    int g = state_find_night(&k->st, k->o->run_date, k->o->from_generation, in, ci->n, err, sizeof err);
    if (g < 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return -exit_of_state(g);
    }
    return g;
}

/* ---- commit ---- */

/* Creates name in the generation being written (gen_dfd) for w, synced when closed. Returns 0, or -1 said on stderr. */
static int open_in_generation(const corrector *k, int gen_dfd, const char *name, csvw *w)
{
    int fd = fsafe_create(gen_dfd, name);
    if (fd < 0 || csvw_open_fd(w, fd, 0) != 0) {
        if (fd >= 0)
            close(fd);
        fprintf(stderr, "payrun correct: %s: %s: %s\n", k->o->state, name, strerror(errno));
        return -1;
    }
    w->sync_point = "fsync-state";
    return 0;
}

/* Keeps the correction's inputs and the overpayments of every correction so far in the
 * generation being written (gen_dfd), then commits the settled ledger as generation
 * M+1, the outputs already prepared. Returns 0 or an exit code (the generation is
 * committed when it says so). */
static int commit_correction(corrector *k, settlement *s, const correction_inputs *ci, int gen_dfd,
                             money_cents per_check_max, const rules_totals *t)
{
    char err[1024], abs_state[4096], abs_out[4096];
    int adfd = arch_inputs_open(gen_dfd);
    if (adfd < 0) {
        fprintf(stderr, "payrun correct: %s: cannot keep the correction's inputs: %s\n", k->o->state, strerror(errno));
        return EXIT_INTERNAL;
    }
    int rc = EXIT_OK;
    for (int i = 0; rc == EXIT_OK && i < ci->n; i++)
        if (arch_keep_file(adfd, k->st.dfd, k->st.newest, ci->in[i].path, ci->in[i].sha256, err, sizeof err) != 0) {
            fprintf(stderr, "payrun correct: %s\n", err);
            rc = EXIT_INTERNAL;
        }
    if (rc == EXIT_OK && fsafe_fsync(adfd, "fsync-state-dir") != 0)
        rc = EXIT_INTERNAL;
    close(adfd);
    csvw w;
    if (rc == EXIT_OK && count_overpaid(k) > 0) {
        char earlier[4200];
        int have = state_correction_overpayments(&k->st, k->newest, earlier, sizeof earlier);
        if (open_in_generation(k, gen_dfd, STATE_CORRECTION_OVERPAYMENTS, &w) != 0)
            return EXIT_INTERNAL;
        rc = write_correction_overpayments(k, &w, have ? earlier : NULL, per_check_max);
        if (csvw_close(&w) != 0 && rc == EXIT_OK)
            rc = EXIT_INTERNAL;
    }
    if (rc == EXIT_OK) {
        /* the adjustments, for a later correction's paid totals and for explain (docs/corrections.md) */
        if (open_in_generation(k, gen_dfd, CORRECT_ADJUSTMENTS, &w) != 0)
            return EXIT_INTERNAL;
        write_adjustments(k, &w);
        if (csvw_close(&w) != 0)
            rc = EXIT_INTERNAL;
    }
    if (rc != EXIT_OK)
        return rc;
    if (!realpath(k->o->state, abs_state) || !realpath(k->o->out, abs_out)) {
        fprintf(stderr, "payrun correct: %s\n", strerror(errno));
        return EXIT_INTERNAL;
    }
    if (out_mark_commit(&k->out, abs_state, k->newest + 1, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        return EXIT_INTERNAL;
    }
    state_run run = {.base = k->newest, .correction = 1, .correct_from = k->o->from_generation,
                     .run_date = k->o->run_date, .out_dir = abs_out, .totals = t, .inputs = ci->in, .ninputs = ci->n};
    int gen = state_commit(&k->st, &s->lg, &run, err, sizeof err);
    if (gen == STATE_AFTER_COMMIT) {
        k->out.published = 1;
        fprintf(stderr, "payrun: %s; committed as generation %d; its outputs will be published by the next start\n",
                err, k->st.newest);
        return EXIT_INTERNAL;
    }
    if (gen < 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        return exit_of_state(gen);
    }
    k->out.published = 1;
    return EXIT_OK;
}

/* Claims and opens the output directory (the correction's run date, paycheck ids on M). */
static int open_outputs(corrector *k)
{
    char err[1024];
    int claimed = out_claim(&k->out, k->o->out, state_owns_outputs, err, sizeof err);
    if (claimed != 0) {
        fprintf(stderr, "payrun: %s; nothing written\n", err);
        return exit_of_out(claimed);
    }
    if (out_open(&k->out, 0, k->o->run_date, k->newest, err, sizeof err) != 0 ||
        out_open_correction(&k->out, &k->adjustments, &k->overpayments, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    k->extra_open = 1;
    return EXIT_OK;
}

/* Writes the three CSV files and prepares the outputs; with gen_dfd >= 0 the adjustment
 * paychecks go to the generation's archive too. Returns 0 or an exit code. */
static int finish_outputs(corrector *k, money_cents per_check_max, int committing, rules_totals *t)
{
    char err[1024];
    correction_summary sum = {.k = k, .committed = committing ? k->newest + 1 : -1};
    sum.paychecks = write_paychecks(k, &sum.paid_net, &sum.recovered);
    for (size_t i = 0; i < k->nadj; i++)
        if (k->adj[i].amount[AMT_NET] < 0)
            sum.overpaid -= k->adj[i].amount[AMT_NET];
    write_adjustments(k, &k->adjustments);
    write_overpayments(k, per_check_max);
    k->extra_open = 0;
    int a = csvw_close(&k->adjustments), b = csvw_close(&k->overpayments);
    if (a != 0 || b != 0) {
        fprintf(stderr, "payrun correct: %s: cannot write: %s\n", k->o->out, strerror(errno));
        return EXIT_INTERNAL;
    }
    memset(t, 0, sizeof *t);
    t->rows = (int64_t)k->nadj;
    t->paid = sum.paychecks;
    out_run_info ri = {.base_generation = k->newest, .committed_generation = sum.committed, .summary = write_summary,
                       .summary_ctx = &sum};
    if (out_prepare(&k->out, t, NULL, 0, &ri, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

/* Checks the options against the state: the generation to stand on and the run date. */
static int check_start(corrector *k)
{
    const correct_options *o = k->o;
    char err[1024], d[11], m[11];
    k->newest = k->st.newest;
    if (o->from_generation < 0 || o->from_generation > k->newest ||
        (o->from_generation > 0 && !state_has_generation(&k->st, o->from_generation))) {
        fprintf(stderr, "payrun correct: --from-generation %d: %s (the newest generation of %s is %d)\n",
                o->from_generation, o->from_generation > k->newest || o->from_generation < 0 ? "no such generation"
                                                                                            : "it was pruned",
                o->state, k->newest);
        return EXIT_USAGE;
    }
    if (k->newest == 0)
        return EXIT_OK;
    int r = state_read_manifest(&k->st, k->newest, &k->m_newest, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    if (o->run_date < k->m_newest.run_date) {
        cal_format(o->run_date, d);
        cal_format(k->m_newest.run_date, m);
        fprintf(stderr, "payrun correct: run date %s is earlier than %s, the run date of generation %d that the "
                "correction stands on\n", d, m, k->newest);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

/* The change set against M's archived masters (M's archive: the last night planned, or read). */
static int change_set_of_newest(corrector *k)
{
    char err[1024];
    if (k->newest == 0)
        return replay_change_set(k, NULL, NULL, 0);
    if (k->nnights > 0)
        return replay_change_set(k, NULL, k->night[k->nnights - 1].in, k->night[k->nnights - 1].nin);
    state_archived *in;
    int n, r = state_archived_inputs(&k->st, k->newest, &in, &n, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s\n", err);
        return exit_of_state(r);
    }
    int rc = replay_change_set(k, NULL, in, n);
    free(in);
    return rc;
}

static void corrector_free(corrector *k)
{
    if (k->extra_open) {
        csvw_abort(&k->adjustments);
        csvw_abort(&k->overpayments);
    }
    out_discard(&k->out);
    replay_remove_scratch(k);
    for (int i = 0; i < k->nnights; i++) {
        night_plan *p = &k->night[i];
        for (int t = 0; p->ts_path && p->ts_copy && t < p->nts; t++)
            if (p->ts_copy[t])
                free(p->ts_path[t]);
        free(p->ts_path);
        free(p->ts_given);
        free(p->ts_copy);
        free(p->in);
        cs_free(&p->cs);
        ids_free(&p->orig.ids);
        free(p->orig.v);
        ids_free(&p->again.ids);
        free(p->again.v);
    }
    free(k->night);
    cs_free(&k->cs);
    ids_pool_free(&k->text);
    ids_free(&k->fix_ids);
    free(k->fix);
    free(k->fix_vals);
    free(k->adj);
    state_close(&k->st);
}

int correct_payroll(const correct_options *o)
{
    corrector k = {.o = o, .st = {.lock_fd = -1, .dfd = -1}, .out = {.dfd = -1}};
    settlement s = {0};
    correction_inputs ci;
    char err[1024];
    int gen_dfd = -1, commit = !o->dry_run;
    char abs_state[4096];
    /* absolute: the replay links to the archive's files from its own directory */
    const char *state_path = realpath(o->state, abs_state) ? abs_state : o->state;
    int rc = EXIT_OK, r = state_open(&k.st, state_path, commit ? STATE_COMMIT : STATE_READ, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        rc = exit_of_state(r);
    }
    if (rc == EXIT_OK)
        rc = check_start(&k);
    /* the data directory loads (nothing written when it does not) */
    if (rc == EXIT_OK && (rc = corr_settlement_open(&s, o->data, o->run_date, NULL)) != EXIT_OK)
        fprintf(stderr, "payrun correct: nothing written\n");
    /* the same correction again: before anything else, so that it is always a committed one */
    if (rc == EXIT_OK && o->timesheets && digest_file(o->timesheets, k.fix_info.sha256, &k.fix_info.bytes) != 0) {
        fprintf(stderr, "payrun correct: %s: cannot read: %s\n", o->timesheets, strerror(errno));
        rc = EXIT_DATA;
    }
    if (rc == EXIT_OK && commit) {
        list_inputs(&k, &s, &ci);
        int g = committed_already(&k, &ci);
        if (g != 0) {
            if (g > 0 && o->verbose)
                fprintf(stderr, "payrun correct: generation %d already committed this correction\n", g);
            rc = g > 0 ? EXIT_OK : -g;
            goto done;
        }
    }
    if (rc == EXIT_OK)
        rc = replay_plan_nights(&k);
    if (rc == EXIT_OK)
        rc = replay_fold_earlier(&k);
    if (rc == EXIT_OK)
        rc = change_set_of_newest(&k);
    if (rc == EXIT_OK)
        rc = replay_read_fixes(&k);
    corr_settlement_free(&s);
    if (rc == EXIT_OK)
        rc = open_outputs(&k);
    if (rc == EXIT_OK)
        rc = replay_all(&k);
    money_cents per_check_max = 0;
    if (rc == EXIT_OK)
        rc = settle(&k, &s, &per_check_max);
    commit = commit && k.nadj > 0;
    if (rc == EXIT_OK && commit) {
        if ((gen_dfd = state_begin(&k.st, err, sizeof err)) < 0 || out_archive(&k.out, gen_dfd, err, sizeof err) != 0) {
            fprintf(stderr, "payrun: %s; nothing written\n", err);
            rc = EXIT_INTERNAL;
        }
    }
    rules_totals t;
    if (rc == EXIT_OK)
        rc = finish_outputs(&k, per_check_max, commit, &t);
    if (rc == EXIT_OK && commit) {
        list_inputs(&k, &s, &ci);
        rc = commit_correction(&k, &s, &ci, gen_dfd, per_check_max, &t);
    }
    if (rc == EXIT_OK && out_publish(&k.out, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s%s\n", err, commit ? "; committed: its outputs will be published by the next start" : "");
        rc = EXIT_INTERNAL;
    }
    if (rc == EXIT_OK && commit && state_mark_published(&k.st, k.st.newest, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s; committed, outputs published\n", err);
        rc = EXIT_INTERNAL;
    }
    if (rc == EXIT_OK && o->verbose)
        fprintf(stderr, "payrun correct: %zu adjustment%s, %zu overpayment%s -> %s%s\n", k.nadj,
                k.nadj == 1 ? "" : "s", count_overpaid(&k), count_overpaid(&k) == 1 ? "" : "s", o->out,
                commit ? "; committed" : o->dry_run ? " (dry run)" : "; nothing to commit");
done:
    corr_settlement_free(&s);
    corrector_free(&k);     /* abandons the generation begun when it did not commit */
    return rc;
}
