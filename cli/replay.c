/* replay.c — payrun correct's replay: the nights after a generation paid again with the change set, and compared. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adjust.h"
#include "archive.h"
#include "correct_int.h"
#include "deduct.h"
#include "exits.h"
#include "fsafe.h"
#include "run.h"
#include "tsread.h"

size_t replay_keep_text(corrector *k, const char *s, size_t n)
{
    size_t off = ids_pool_add(&k->text, s, n);
    if (off == (size_t)-1)
        k->nomem = 1;
    return off == (size_t)-1 ? 0 : off;
}

typedef struct {
    corrector *k;
    paid_night *p;
} paid_reader;

static int keep_paycheck(void *ctx, const char *prefix, const char *pay_date, const arch_paycheck *a)
{
    paid_reader *r = ctx;
    paid_night *p = r->p;
    (void)pay_date;
    snprintf(p->prefix, sizeof p->prefix, "%s", prefix);
    int added = 0;
    int32_t i = ids_intern(&p->ids, a->timesheet_id, a->timesheet_id_len, &added);
    if (i < 0)
        return r->k->nomem = 1;
    if (!added)
        return 0;
    if (p->n == p->cap) {
        int32_t cap = p->cap ? p->cap * 2 : 256;
        kept_paycheck *v = realloc(p->v, (size_t)cap * sizeof *v);
        if (!v)
            return r->k->nomem = 1;
        p->v = v;
        p->cap = cap;
    }
    kept_paycheck *c = &p->v[p->n++];
    c->provider = replay_keep_text(r->k, a->provider, strlen(a->provider));
    c->recipient = replay_keep_text(r->k, a->recipient, strlen(a->recipient));
    c->county = replay_keep_text(r->k, a->county, strlen(a->county));
    c->seq = a->seq;
    c->period_start = a->period_start;
    c->minutes[0] = a->regular_minutes;
    c->minutes[1] = a->overtime_minutes;
    c->rate[0] = a->regular_rate;
    c->rate[1] = a->overtime_rate;
    memcpy(c->amount, a->amount, sizeof c->amount);
    return r->k->nomem;
}

/* Reads the paychecks generation gen of the state at dfd (named dir) paid into p.
 * Returns 0 or an exit code (message on stderr). */
static int read_paid(corrector *k, int dfd, const char *dir, int gen, paid_night *p)
{
    char name[32], err[1024];
    snprintf(name, sizeof name, "gen-%06d", gen);
    int gfd = fsafe_open_subdir(dfd, name);
    if (gfd < 0) {
        fprintf(stderr, "payrun: %s/%s: cannot open: %s\n", dir, name, fsafe_strerror(errno));
        return EXIT_INTERNAL;
    }
    paid_reader r = {k, p};
    int rc = arch_pay_read(gfd, ARCH_PAYCHECKS, keep_paycheck, &r, err, sizeof err);
    close(gfd);
    if (k->nomem) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (rc != 0) {
        fprintf(stderr, "payrun: %s/%s/%s\n", dir, name, err);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

/* ---- the nights to replay ---- */

/* Whether night p's timesheet files have a row of timesheet id. */
typedef struct {
    const char *id;
    int hit;
} id_search;

static int find_id(void *ctx, const csvr_row *row)
{
    id_search *f = ctx;
    size_t n;
    const char *id = csvr_get(row, 0, &n);
    return f->hit = n == strlen(f->id) && memcmp(id, f->id, n) == 0;
}

static int night_has(const night_plan *p, const char *id)
{
    static const csvr_column id_col[] = {{"timesheet_id", 1}};
    char err[1024];
    id_search f = {id, 0};
    for (int t = 0; !f.hit && t < p->nts; t++)
        csvr_read(p->ts_path[t], id_col, 1, find_id, &f, NULL, err, sizeof err);
    return f.hit;
}

typedef struct {
    corrector *k;
    int correction;         /* its index in k->night */
} fold_ctx;

/* docs/corrections.md "The comparison": an earlier correction's adjustment row counts in what was paid for its
 * timesheet, in the night that paid it (or, when no night did, the first of the correction's nights that has it). */
static int fold_adjustment(void *ctx, const adj_row *a)
{
    fold_ctx *f = ctx;
    corrector *k = f->k;
    const night_plan *c = &k->night[f->correction];
    size_t idlen = strlen(a->timesheet), plen = strlen(a->original);
    for (int i = 0; i < f->correction; i++) {
        night_plan *p = &k->night[i];
        if (p->correction)
            continue;
        int32_t at = ids_find(&p->orig.ids, a->timesheet, idlen);
        int here = plen > 7 ? at >= 0 && strncmp(p->orig.prefix, a->original, plen - 7) == 0 &&
                                  p->orig.v[at].seq == atoll(a->original + plen - 7)
                            : p->gen > c->m.correct_from && night_has(p, a->timesheet);
        if (!here)
            continue;
        if (at < 0) {
            /* paid by the correction only: what was paid is the adjustment itself */
            paid_reader r = {k, &p->orig};
            arch_paycheck none = {.timesheet_id = a->timesheet, .timesheet_id_len = idlen, .provider = a->provider,
                                  .recipient = a->recipient, .county = a->county, .period_start = a->period_start};
            char prefix[32];
            snprintf(prefix, sizeof prefix, "%s", p->orig.prefix);
            if (keep_paycheck(&r, prefix, "", &none) != 0)
                return 1;
            at = p->orig.n - 1;
        }
        kept_paycheck *kp = &p->orig.v[at];
        kp->minutes[0] += a->v[0];
        kp->minutes[1] += a->v[1];
        for (int c2 = 0; c2 < AMT_COUNT; c2++)
            kp->amount[c2] += a->v[2 + c2];
        return 0;
    }
    return 0;   /* a timesheet of a night not replayed: not compared */
}

/* Folds the adjustments of every earlier correction among the nights into what was paid. */
int replay_fold_earlier(corrector *k)
{
    char path[4300], err[1024];
    for (int j = 0; j < k->nnights; j++) {
        if (!k->night[j].correction)
            continue;
        snprintf(path, sizeof path, "%s/gen-%06d/%s", k->st.dir, k->night[j].gen, CORRECT_ADJUSTMENTS);
        fold_ctx f = {k, j};
        if (adj_read(path, fold_adjustment, &f, err, sizeof err) != 0) {
            fprintf(stderr, "payrun correct: %s\n", k->nomem ? "out of memory" : err);
            return k->nomem ? EXIT_INTERNAL : EXIT_DATA;
        }
    }
    return EXIT_OK;
}

/* The archived file of role in night p (NULL when the night had none). */
const char *replay_archived(const night_plan *p, const char *role)
{
    for (int i = 0; i < p->nin; i++)
        if (strcmp(p->in[i].role, role) == 0)
            return p->in[i].path;
    return NULL;
}

/* The change set of the earlier correction p: its data directory (its archived inputs)
 * against the masters of the generation it stood on. Returns 0 or an exit code. */
static int earlier_change_set(corrector *k, night_plan *p)
{
    char err[1024];
    state_archived *base;
    int nbase, r = state_archived_inputs(&k->st, p->m.base, &base, &nbase, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s: the correction of generation %d cannot be replayed over\n", err, p->gen);
        return exit_of_state(r);
    }
    int rc = EXIT_OK;
    for (int f = 0; rc == EXIT_OK && f < LOAD_NFILES; f++) {
        const char *before = NULL, *after = replay_archived(p, load_file_name(f));
        for (int i = 0; i < nbase; i++)
            if (strcmp(base[i].role, load_file_name(f)) == 0)
                before = base[i].path;
        r = cs_diff_file(&p->cs, f, before, after, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun correct: %s\n", err);
            rc = r == CS_NO_MEMORY ? EXIT_INTERNAL : EXIT_DATA;
        }
    }
    free(base);
    return rc;
}

/* docs/corrections.md "Commit, lock, idempotence", refused: the nights N+1 ... M each with
 * its archive, none made by an earlier correction (not replayed yet: see the note in
 * docs/corrections.md), none in an earlier calendar year than the correction, and a run
 * date not earlier than M's. Returns 0 or an exit code. */
int replay_plan_nights(corrector *k)
{
    const correct_options *o = k->o;
    char err[1024], d[11], g[11];
    int n = k->newest - o->from_generation;
    k->night = calloc((size_t)(n > 0 ? n : 1), sizeof *k->night);
    if (!k->night)
        return EXIT_INTERNAL;
    for (int gen = o->from_generation + 1; gen <= k->newest; gen++) {
        night_plan *p = &k->night[k->nnights++];
        p->gen = gen;
        int r = state_read_manifest(&k->st, gen, &p->m, err, sizeof err);
        if (r == 0)
            r = state_archived_inputs(&k->st, gen, &p->in, &p->nin, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun correct: %s: the nights after generation %d cannot be replayed\n", err,
                    o->from_generation);
            return exit_of_state(r);
        }
        cal_format(p->m.run_date, g);
        cal_format(o->run_date, d);
        if (p->m.correction) {
            p->correction = 1;
            int rc = earlier_change_set(k, p);
            if (rc != EXIT_OK)
                return rc;
            continue;
        }
        if (cal_year(p->m.run_date) < cal_year(o->run_date)) {
            fprintf(stderr, "payrun correct: generation %d was paid on %s, in an earlier year than the correction's "
                    "run date %s: corrections across a year end are not done (the adjustment would be taxed in the "
                    "other year)\n", gen, g, d);
            return EXIT_USAGE;
        }
        for (int i = 0; i < p->nin; i++)
            p->nts += strcmp(p->in[i].role, "timesheets") == 0;
        p->ts_path = calloc((size_t)p->nts + 1, sizeof *p->ts_path);
        p->ts_given = calloc((size_t)p->nts + 1, sizeof *p->ts_given);
        p->ts_copy = calloc((size_t)p->nts + 1, 1);
        if (!p->ts_path || !p->ts_given || !p->ts_copy)
            return EXIT_INTERNAL;
        for (int i = 0, t = 0; i < p->nin; i++)
            if (strcmp(p->in[i].role, "timesheets") == 0) {
                p->ts_given[t] = p->in[i].given;
                p->ts_path[t++] = p->in[i].path;     /* until a corrected copy replaces it */
            }
        int rc = read_paid(k, k->st.dfd, k->st.dir, gen, &p->orig);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}


/* The change set: what o->data changes against the masters and parameters M archived
 * (with --params rows on a dry run). Returns 0 or an exit code. */
int replay_change_set(corrector *k, const night_plan *m_night, state_archived *m_in, int m_nin)
{
    char err[1024];
    load_file files[LOAD_NFILES];
    if (load_locate(k->o->data, NULL, files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return EXIT_USAGE;
    }
    for (int f = 0; f < LOAD_NFILES; f++) {
        const char *base = NULL;
        for (int i = 0; i < m_nin; i++)
            if (strcmp(m_in[i].role, load_file_name(f)) == 0)
                base = m_in[i].path;
        int r = cs_diff_file(&k->cs, f, base, files[f].present ? files[f].path : NULL, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun correct: %s\n", err);
            return r == CS_NO_MEMORY ? EXIT_INTERNAL : EXIT_DATA;
        }
    }
    (void)m_night;
    if (k->o->params) {
        int r = cs_add_rows(&k->cs, LOAD_PARAMETERS, k->o->params, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun correct: %s\n", err);
            return r == CS_NO_MEMORY ? EXIT_INTERNAL : EXIT_DATA;
        }
    }
    if (k->o->verbose) {
        fprintf(stderr, "payrun correct: the change set against generation %d's masters: %zu change%s\n", k->newest,
                cs_count(&k->cs), cs_count(&k->cs) == 1 ? "" : "s");
        cs_print(&k->cs, stderr, 20);
    }
    return EXIT_OK;
}

/* ---- corrected timesheet rows ---- */

static int fix_room(corrector *k, size_t n)
{
    if (k->fix_cap_bytes - k->fix_used >= n)
        return 0;
    size_t cap = k->fix_cap_bytes ? k->fix_cap_bytes : 4096;
    while (cap - k->fix_used < n)
        cap *= 2;
    char *p = realloc(k->fix_vals, cap);
    if (!p)
        return -1;
    k->fix_vals = p;
    k->fix_cap_bytes = cap;
    return 0;
}

static int take_fix(void *ctx, const csvr_row *row)
{
    corrector *k = ctx;
    size_t n;
    const char *id = csvr_get(row, TS_ID, &n);
    int added = 0;
    int32_t i = ids_intern(&k->fix_ids, id, n, &added);
    if (i < 0)
        return k->nomem = 1;
    if (added && k->nfix == k->fix_cap) {
        int cap = k->fix_cap ? k->fix_cap * 2 : 16;
        fix_row *v = realloc(k->fix, (size_t)cap * sizeof *v);
        if (!v)
            return k->nomem = 1;
        k->fix = v;
        k->fix_cap = cap;
    }
    if (!added && k->fix[i].source == k->fix_source) {
        fprintf(stderr, "payrun correct: %s:%ld: timesheet %.*s is corrected twice in this file (line %ld): give "
                "one corrected row per timesheet\n", row->path, row->line, (int)n, id, k->fix[i].line);
        return 2;
    }
    /* a later correction's row of the same timesheet replaces an earlier one's */
    fix_row *f = added ? &k->fix[k->nfix++] : &k->fix[i];
    *f = (fix_row){.id = added ? replay_keep_text(k, id, n) : f->id, .vals = k->fix_used, .line = row->line, .night = -1,
                   .file = -1, .paid_in = -1, .source = k->fix_source};
    for (int c = 0; c < TS_NCOLS; c++) {
        const char *s = csvr_get(row, c, &n);
        uint32_t len = (uint32_t)n;
        if (row->col[c] >= 0)
            f->present |= 1u << c;
        if (fix_room(k, sizeof len + n) != 0)
            return k->nomem = 1;
        memcpy(k->fix_vals + k->fix_used, &len, sizeof len);
        memcpy(k->fix_vals + k->fix_used + sizeof len, s, n);
        k->fix_used += sizeof len + n;
    }
    return 0;
}

/* The value of column c of fix f. */
static const char *fix_value(const corrector *k, const fix_row *f, int c, size_t *n)
{
    size_t at = f->vals;
    uint32_t len;
    for (int i = 0;; i++) {
        memcpy(&len, k->fix_vals + at, sizeof len);
        if (i == c)
            break;
        at += sizeof len + len;
    }
    *n = len;
    return k->fix_vals + at + sizeof len;
}

typedef struct {
    corrector *k;
    int night, file;
} locate_ctx;

/* docs/corrections.md "Corrected timesheets": the row a fix corrects is the first of its
 * id in the night that paid it, else the last of its id in the nights replayed. */
static int locate_row(void *ctx, const csvr_row *row)
{
    locate_ctx *l = ctx;
    corrector *k = l->k;
    size_t n;
    const char *id = csvr_get(row, 0, &n);
    int32_t i = ids_find(&k->fix_ids, id, n);
    if (i < 0 || k->fix[i].paid_in >= 0)
        return 0;
    fix_row *f = &k->fix[i];
    if (ids_find(&k->night[l->night].orig.ids, id, n) >= 0)
        f->paid_in = l->night;
    f->night = l->night;
    f->file = l->file;
    f->at_line = row->line;
    return 0;
}

/* Reads --timesheets and finds the row each corrects. Returns 0 or an exit code. */
static int read_fix_file(corrector *k, const char *path, int source, csvr_info *info)
{
    char err[1024];
    k->fix_source = source;
    int r = csvr_read(path, tsread_columns, TS_NCOLS, take_fix, k, info, err, sizeof err);
    if (k->nomem) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (r == 2)
        return EXIT_DATA;
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s\n", err);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

int replay_read_fixes(corrector *k)
{
    char err[1024];
    /* the corrected rows of the earlier corrections among the nights, then this one's, which replace them */
    for (int j = 0; j < k->nnights; j++) {
        const char *path = k->night[j].correction ? replay_archived(&k->night[j], "corrections") : NULL;
        int rc = path ? read_fix_file(k, path, 1 + j, NULL) : EXIT_OK;
        if (rc != EXIT_OK)
            return rc;
    }
    int rc = k->o->timesheets ? read_fix_file(k, k->o->timesheets, 0, &k->fix_info) : EXIT_OK;
    if (rc != EXIT_OK || k->nfix == 0)
        return rc;
    static const csvr_column id_col[] = {{"timesheet_id", 1}};
    for (int i = 0; i < k->nnights; i++)
        for (int t = 0; t < k->night[i].nts; t++) {
            locate_ctx l = {k, i, t};
            if (csvr_read(k->night[i].ts_path[t], id_col, 1, locate_row, &l, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "payrun correct: %s\n", err);
                return EXIT_DATA;
            }
        }
    return EXIT_OK;
}

/* ---- the replay ---- */

typedef struct {
    corrector *k;
    csvw w;
    int open, night, file;
    const char *path;
} patch_ctx;

/* The header of a corrected copy: the file's own columns, by position (a column payrun
 * does not read gets a name of its own, so every row keeps its fields). */
static int patch_header(patch_ctx *p, const csvr_row *row)
{
    if (csvw_open(&p->w, p->path, 0) != 0)
        return -1;
    p->open = 1;
    for (size_t i = 0; i < row->nheader; i++) {
        int c = 0;
        while (c < TS_NCOLS && row->col[c] != (int)i)
            c++;
        if (c < TS_NCOLS) {
            csvw_str(&p->w, tsread_columns[c].name);
        } else {
            char name[32];
            snprintf(name, sizeof name, "_column_%zu", i + 1);
            csvw_str(&p->w, name);
        }
    }
    csvw_end_row(&p->w);
    return 0;
}

static int patch_row(void *ctx, const csvr_row *row)
{
    patch_ctx *p = ctx;
    corrector *k = p->k;
    if (!p->open && patch_header(p, row) != 0)
        return 1;
    const fix_row *f = NULL;
    for (int i = 0; i < k->nfix && !f; i++)
        if (k->fix[i].night == p->night && k->fix[i].file == p->file && k->fix[i].at_line == row->line)
            f = &k->fix[i];
    if (!f) {
        for (size_t i = 0; i < row->nfields; i++)
            csvw_field(&p->w, row->field[i], row->len[i]);
        csvw_end_row(&p->w);
        return 0;
    }
    /* the corrected row, in the file's columns (a column the file did not have is left out) */
    for (size_t i = 0; i < row->nheader; i++) {
        int c = 0;
        while (c < TS_NCOLS && row->col[c] != (int)i)
            c++;
        size_t n = 0;
        const char *s = "";
        if (c < TS_NCOLS && (f->present & (1u << c)))
            s = fix_value(k, f, c, &n);
        else if (c == TS_NCOLS && i < row->nfields)
            s = row->field[i], n = row->len[i];
        csvw_field(&p->w, s, n);
    }
    csvw_end_row(&p->w);
    return 0;
}

/* Writes the night's timesheet file t with its corrected rows into dir, and makes the
 * replay read it. Returns 0 or an exit code. */
static int patch_timesheets(corrector *k, int i, int t, const char *dir)
{
    night_plan *p = &k->night[i];
    char path[8400], err[1024];
    snprintf(path, sizeof path, "%s/timesheets-%d.csv", dir, t + 1);
    patch_ctx pc = {.k = k, .night = i, .file = t, .path = path};
    int r = csvr_read(p->ts_path[t], tsread_columns, TS_NCOLS, patch_row, &pc, NULL, err, sizeof err);
    if (r == 0 && pc.open) {
        pc.open = 0;
        r = csvw_close(&pc.w) != 0;
    }
    if (pc.open)
        csvw_abort(&pc.w);
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s: %s\n", path, r == CSVR_ERROR ? err : strerror(errno));
        return EXIT_INTERNAL;
    }
    if (!(p->ts_path[t] = strdup(path)))
        return EXIT_INTERNAL;
    p->ts_copy[t] = 1;
    return EXIT_OK;
}

/* The night's masters and parameters with the change set applied, in dir/data: a file
 * the change set does not touch is a link to the archived one. Returns 0 or an exit code. */
static int night_data(corrector *k, const night_plan *p, const char *data)
{
    char err[1024], path[8192], step[2][8400];
    for (int f = 0; f < LOAD_NFILES; f++) {
        const char *cur = replay_archived(p, load_file_name(f));
        snprintf(path, sizeof path, "%s/%s", data, load_file_name(f));
        /* the change sets of the earlier corrections whose nights this one is or follows, oldest first, then this
         * correction's: each applied to what the one before made */
        int steps = 0;
        for (int j = 0; j <= k->nnights; j++) {
            const changeset *cs = j < k->nnights ? &k->night[j].cs : &k->cs;
            if (j < k->nnights && !(k->night[j].correction && k->night[j].m.correct_from < p->gen))
                continue;
            if (cs->file[f].n == 0)
                continue;
            char *out = step[steps++ % 2];
            snprintf(out, sizeof step[0], "%s.%d", path, steps);
            int written;
            int r = cs_apply_file(cs, f, cur, out, &written, err, sizeof err);
            if (r != 0) {
                fprintf(stderr, "payrun correct: %s\n", err);
                return r == CS_ERROR ? EXIT_DATA : EXIT_INTERNAL;
            }
            cur = written ? out : NULL;
        }
        if (cur && (steps == 0 ? symlink(cur, path) : rename(cur, path)) != 0) {
            fprintf(stderr, "payrun correct: %s: %s\n", path, strerror(errno));
            return EXIT_INTERNAL;
        }
    }
    return EXIT_OK;
}

/* Replays night i in the scratch state: its run date, its archived timesheets (corrected
 * rows in place), its archived masters with the change set. Returns 0 or an exit code. */
static int replay_night(corrector *k, int i)
{
    night_plan *p = &k->night[i];
    char dir[4200], data[4300], out[4300], d[11];
    snprintf(dir, sizeof dir, "%s/night-%06d", k->scratch, p->gen);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    if (mkdir(dir, 0700) != 0 || mkdir(data, 0700) != 0) {
        fprintf(stderr, "payrun correct: %s: %s\n", dir, strerror(errno));
        return EXIT_INTERNAL;
    }
    int rc = night_data(k, p, data);
    for (int t = 0; rc == EXIT_OK && t < p->nts; t++) {
        int fixed = 0;
        for (int f = 0; f < k->nfix; f++)
            fixed |= k->fix[f].night == i && k->fix[f].file == t;
        if (fixed)
            rc = patch_timesheets(k, i, t, dir);
    }
    if (rc != EXIT_OK)
        return rc;
    run_options ro = {.data = data, .out = out, .run_date = p->m.run_date, .state = k->scratch_state,
                      .from_generation = -1, .allow_earlier_run_date = 1, .files = (const char *const *)p->ts_path,
                      .nfiles = p->nts};
    rc = run_payroll(&ro);
    if (rc != EXIT_OK) {
        cal_format(p->m.run_date, d);
        fprintf(stderr, "payrun correct: the replay of generation %d (run date %s) failed\n", p->gen, d);
        return rc;
    }
    state_dir scratch = {.lock_fd = -1, .dfd = -1};
    char err[1024];
    int r = state_open(&scratch, k->scratch_state, STATE_READ, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    rc = read_paid(k, scratch.dfd, scratch.dir, scratch.newest, &p->again);
    state_close(&scratch);
    return rc;
}

/* ---- the comparison ---- */

static int same_pay(const kept_paycheck *a, const kept_paycheck *b)
{
    return a->minutes[0] == b->minutes[0] && a->minutes[1] == b->minutes[1] &&
           memcmp(a->amount, b->amount, sizeof a->amount) == 0;
}

/* Adds the adjustment of one timesheet: replayed (a) minus paid (o), either may be NULL. */
static int add_adjustment(corrector *k, const night_plan *p, const char *id, size_t n, const kept_paycheck *o,
                          const kept_paycheck *a)
{
    if (k->nadj == k->adj_cap) {
        size_t cap = k->adj_cap ? k->adj_cap * 2 : 64;
        adjustment *v = realloc(k->adj, cap * sizeof *v);
        if (!v)
            return k->nomem = 1;
        k->adj = v;
        k->adj_cap = cap;
    }
    const kept_paycheck *who = a ? a : o;
    adjustment *j = &k->adj[k->nadj++];
    memset(j, 0, sizeof *j);
    j->ts = replay_keep_text(k, id, n);
    j->original_id = (size_t)-1;
    if (o && o->seq > 0) {
        char pid[64];
        int len = snprintf(pid, sizeof pid, "%s%07lld", p->orig.prefix, (long long)o->seq);
        j->original_id = replay_keep_text(k, pid, (size_t)len);
    }
    j->provider = who->provider;
    j->recipient = who->recipient;
    j->county = who->county;
    j->period_start = who->period_start;
    j->rate[0] = who->rate[0];
    j->rate[1] = who->rate[1];
    for (int m = 0; m < 2; m++) {
        j->minutes[m] = (a ? a->minutes[m] : 0) - (o ? o->minutes[m] : 0);
        k->total_minutes[m] += j->minutes[m];
    }
    for (int c = 0; c < AMT_COUNT; c++) {
        j->amount[c] = (a ? a->amount[c] : 0) - (o ? o->amount[c] : 0);
        k->total[c] += j->amount[c];
    }
    return k->nomem;
}

typedef struct {
    corrector *k;
    int night;
    ids_table seen, adjusted;
} compare_ctx;

/* One timesheet row of a replayed night, in order: the first row of each id compares what was paid for it
 * with what the replay paid. */
static int compare_row(void *ctx, const csvr_row *row)
{
    compare_ctx *c = ctx;
    night_plan *p = &c->k->night[c->night];
    size_t n;
    const char *id = csvr_get(row, 0, &n);
    int added = 0;
    if (ids_intern(&c->seen, id, n, &added) < 0)
        return c->k->nomem = 1;
    if (!added)
        return 0;
    int32_t o = ids_find(&p->orig.ids, id, n), a = ids_find(&p->again.ids, id, n);
    const kept_paycheck *po = o >= 0 ? &p->orig.v[o] : NULL, *pa = a >= 0 ? &p->again.v[a] : NULL;
    if ((!po && !pa) || (po && pa && same_pay(po, pa)))
        return 0;
    if (ids_intern(&c->adjusted, id, n, &added) < 0)
        return c->k->nomem = 1;
    return add_adjustment(c->k, p, id, n, po, pa);
}

enum { EXC_ID, EXC_SOURCE, EXC_CODE, EXC_SEVERITY, EXC_MINUTES, EXC_MESSAGE, EXC_NCOLS };
static const csvr_column exception_cols[EXC_NCOLS] = {{"timesheet_id", 1}, {"source", 1}, {"code", 1},
                                                      {"severity", 1}, {"minutes", 1}, {"message", 1}};

/* The replay's exception rows of the adjusted timesheets, their source the file the night was given. */
static int copy_exception(void *ctx, const csvr_row *row)
{
    compare_ctx *c = ctx;
    const night_plan *p = &c->k->night[c->night];
    csvw *w = &c->k->out.exceptions;
    size_t n;
    const char *id = csvr_get(row, EXC_ID, &n);
    if (ids_find(&c->adjusted, id, n) < 0)
        return 0;
    for (int col = 0; col < EXC_NCOLS; col++) {
        const char *s = csvr_get(row, col, &n);
        int t = 0;
        size_t plen = 0;
        while (col == EXC_SOURCE && t < p->nts &&
               !((plen = strlen(p->ts_path[t])) < n && memcmp(s, p->ts_path[t], plen) == 0 && s[plen] == ':'))
            t++;
        if (col == EXC_SOURCE && t < p->nts) {
            char src[8400];
            int m = snprintf(src, sizeof src, "%s%.*s", p->ts_given[t], (int)(n - plen), s + plen);
            csvw_field(w, src, (size_t)m < sizeof src ? (size_t)m : sizeof src - 1);
        } else {
            csvw_field(w, s, n);
        }
    }
    csvw_end_row(w);
    return 0;
}

/* Compares night i as replayed with what was paid, and copies the replay's exceptions
 * of the timesheets it adjusts. Returns 0 or an exit code. */
static int compare_night(corrector *k, int i)
{
    static const csvr_column id_col[] = {{"timesheet_id", 1}};
    night_plan *p = &k->night[i];
    compare_ctx c = {.k = k, .night = i};
    char err[1024], path[4300];
    int rc = EXIT_OK;
    for (int t = 0; rc == EXIT_OK && t < p->nts; t++)
        if (csvr_read(p->ts_path[t], id_col, 1, compare_row, &c, NULL, err, sizeof err) != 0)
            rc = k->nomem ? EXIT_INTERNAL : EXIT_DATA;
    snprintf(path, sizeof path, "%s/night-%06d/out/exceptions.csv", k->scratch, p->gen);
    if (rc == EXIT_OK && c.adjusted.n > 0 &&
        csvr_read(path, exception_cols, EXC_NCOLS, copy_exception, &c, NULL, err, sizeof err) != 0)
        rc = EXIT_INTERNAL;
    if (rc != EXIT_OK)
        fprintf(stderr, "payrun correct: %s\n", k->nomem ? "out of memory" : err);
    ids_free(&c.seen);
    ids_free(&c.adjusted);
    return rc;
}

/* docs/corrections.md "Corrected timesheets": a corrected row no replayed night has. */
static void replay_unmatched(corrector *k)
{
    csvw *w = &k->out.exceptions;
    for (int i = 0; i < k->nfix; i++) {
        const fix_row *f = &k->fix[i];
        if (f->night >= 0 || f->source != 0)
            continue;   /* an earlier correction's row was reported by it */
        char src[4200];
        snprintf(src, sizeof src, "%s:%ld", k->o->timesheets, f->line);
        csvw_text(w, corr_text(k, f->id), strlen(corr_text(k, f->id)));
        csvw_text(w, src, strlen(src));
        csvw_str(w, sheet_code_name(EX_CORRECTION_UNMATCHED));
        csvw_str(w, sheet_severity_name(sheet_code_severity(EX_CORRECTION_UNMATCHED)));
        csvw_int(w, 0);
        char msg[512];
        snprintf(msg, sizeof msg, "no timesheet with this id was paid or refused in the nights replayed "
                 "(generations %d to %d): nothing to correct", k->o->from_generation + 1, k->newest);
        csvw_text(w, msg, strlen(msg));
        csvw_end_row(w);
    }
}

/* ---- the scratch directory ---- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st, (void)type, (void)f;
    remove(path);
    return 0;
}

void replay_remove_scratch(corrector *k)
{
    if (k->scratch[0] && !getenv("PAYRUN_KEEP_REPLAY"))
        nftw(k->scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes the replay's scratch directory (TMPDIR, or /tmp) holding a state forked from
 * generation o->from_generation. Returns 0 or an exit code. */
static int make_scratch(corrector *k)
{
    char err[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(k->scratch, sizeof k->scratch, "%s/payrun-correct.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(k->scratch)) {
        fprintf(stderr, "payrun correct: %s: cannot make the replay's directory: %s\n", k->scratch, strerror(errno));
        k->scratch[0] = '\0';
        return EXIT_INTERNAL;
    }
    snprintf(k->scratch_state, sizeof k->scratch_state, "%s/state", k->scratch);
    int r = state_fork(&k->st, k->o->from_generation, k->scratch_state, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s\n", err);
        return exit_of_state(r);
    }
    return EXIT_OK;
}

/* ---- over an earlier correction ---- */

typedef struct {
    corrector *k;
    const paid_night *paid;     /* the correction's adjustment paychecks */
    struct recovery { char provider[64]; money_cents amount; } *v;
    int n, cap;
} recoveries;

/* What the adjustment paycheck of row a recovered: the row's net less the paycheck's. */
static int take_recovery(void *ctx, const adj_row *a)
{
    recoveries *r = ctx;
    int32_t i = ids_find(&r->paid->ids, a->timesheet, strlen(a->timesheet));
    money_cents amount = i >= 0 ? a->v[2 + AMT_NET] - r->paid->v[i].amount[AMT_NET] : 0;
    if (amount <= 0)
        return 0;
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        struct recovery *v = realloc(r->v, (size_t)cap * sizeof *v);
        if (!v)
            return r->k->nomem = 1;
        r->v = v;
        r->cap = cap;
    }
    snprintf(r->v[r->n].provider, sizeof r->v[r->n].provider, "%s", a->provider);
    r->v[r->n++].amount = amount;
    return 0;
}

static int copy_path(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[1 << 16];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* Takes again, in the scratch state opened as sc, what correction c's adjustment paychecks recovered (step
 * 14.6 on the replayed ledger with c's masters), and commits it as a generation of the scratch state. */
static int recover_again(corrector *k, state_dir *sc, const night_plan *c, const recoveries *rec)
{
    char data[4300], path[8400], extra[4300], err[1024];
    snprintf(data, sizeof data, "%s/correction-%06d", k->scratch, c->gen);
    if (mkdir(data, 0700) != 0)
        return EXIT_INTERNAL;
    for (int f = 0; f < LOAD_NFILES; f++) {
        const char *in = replay_archived(c, load_file_name(f));
        snprintf(path, sizeof path, "%s/%s", data, load_file_name(f));
        if (in && symlink(in, path) != 0)
            return EXIT_INTERNAL;
    }
    settlement s;
    int have = state_correction_overpayments(sc, sc->newest, extra, sizeof extra);
    int rc = corr_settlement_open(&s, data, c->m.run_date, have ? extra : NULL), r = 0;
    if (rc == EXIT_OK && (r = state_load_all(sc, sc->newest, &s.lg, err, sizeof err)) != 0)
        rc = exit_of_state(r);
    for (int i = 0; rc == EXIT_OK && i < rec->n; i++) {
        int32_t p = ids_find(&s.m.provider_ids, rec->v[i].provider, strlen(rec->v[i].provider));
        money_cents left = rec->v[i].amount, taken = 0;
        if (p >= 0 && deduct_recover(&s.e, p, &left, &taken) != 0)
            rc = EXIT_INTERNAL;
    }
    rules_totals none = {0};
    state_run run = {.base = sc->newest, .run_date = c->m.run_date, .out_dir = k->scratch, .totals = &none};
    int gen = rc == EXIT_OK ? state_commit(sc, &s.lg, &run, err, sizeof err) : 0;
    if (rc == EXIT_OK && (gen < 0 || state_mark_published(sc, gen, err, sizeof err) != 0))
        rc = EXIT_INTERNAL;
    if (r != 0 || gen < 0)
        fprintf(stderr, "payrun correct: the replay over generation %d: %s\n", c->gen, err);
    corr_settlement_free(&s);
    return rc;
}

/* At an earlier correction's place in the replay (docs/corrections.md "Over an earlier correction"): the
 * overpayments it created are open from here on, and what its adjustment paychecks recovered of the provider's
 * overpayments is taken again. Returns 0 or an exit code. */
static int pass_correction(corrector *k, int i)
{
    const night_plan *c = &k->night[i];
    char src[4300], dst[4400], adj[4300], err[1024];
    state_dir sc = {.lock_fd = -1, .dfd = -1};
    int r = state_open(&sc, k->scratch_state, STATE_COMMIT, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun correct: %s\n", err);
        return exit_of_state(r);
    }
    int rc = EXIT_OK;
    snprintf(src, sizeof src, "%s/gen-%06d/%s", k->st.dir, c->gen, STATE_CORRECTION_OVERPAYMENTS);
    snprintf(dst, sizeof dst, "%s/gen-%06d/%s", k->scratch_state, sc.newest, STATE_CORRECTION_OVERPAYMENTS);
    if (access(src, F_OK) == 0 && ((unlink(dst) != 0 && errno != ENOENT) || copy_path(src, dst) != 0)) {
        fprintf(stderr, "payrun correct: %s: %s\n", dst, strerror(errno));
        rc = EXIT_INTERNAL;
    }
    paid_night paid = {0};
    recoveries rec = {.k = k, .paid = &paid};
    if (rc == EXIT_OK)
        rc = read_paid(k, k->st.dfd, k->st.dir, c->gen, &paid);
    snprintf(adj, sizeof adj, "%s/gen-%06d/%s", k->st.dir, c->gen, CORRECT_ADJUSTMENTS);
    if (rc == EXIT_OK && adj_read(adj, take_recovery, &rec, err, sizeof err) != 0) {
        fprintf(stderr, "payrun correct: %s\n", k->nomem ? "out of memory" : err);
        rc = k->nomem ? EXIT_INTERNAL : EXIT_DATA;
    }
    if (rc == EXIT_OK && rec.n > 0)
        rc = recover_again(k, &sc, c, &rec);
    free(rec.v);
    ids_free(&paid.ids);
    free(paid.v);
    state_close(&sc);
    return rc;
}

/* The replay of every night and its comparison. */
int replay_all(corrector *k)
{
    int rc = make_scratch(k);
    for (int i = 0; rc == EXIT_OK && i < k->nnights; i++) {
        if (k->night[i].correction) {
            rc = pass_correction(k, i);
            continue;
        }
        rc = replay_night(k, i);
        if (rc == EXIT_OK)
            rc = compare_night(k, i);
    }
    if (rc == EXIT_OK)
        replay_unmatched(k);
    return rc;
}
