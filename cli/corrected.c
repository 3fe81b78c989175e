/* corrected.c — explain of a corrected timesheet: what was paid, each adjustment and the corrected total side by side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adjust.h"
#include "archive.h"
#include "correct.h"
#include "exits.h"
#include "fsafe.h"
#include "rules.h"
#include "state.h"

#define NCOLS ADJ_NCOLS

typedef struct {
    char id[64];                /* adjustment id, or "paid" */
    int64_t v[NCOLS];           /* minutes, then cents */
} column_set;

typedef struct {
    const char *timesheet;
    column_set *adj;
    int n, cap;
    char original[64];          /* the original paycheck id, "" when it was not paid */
    int bad;
} found;

static int take_adjustment(void *ctx, const adj_row *a)
{
    found *f = ctx;
    if (strcmp(a->timesheet, f->timesheet) != 0)
        return 0;
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 4;
        column_set *v = realloc(f->adj, (size_t)cap * sizeof *v);
        if (!v)
            return f->bad = 1;
        f->adj = v;
        f->cap = cap;
    }
    column_set *c = &f->adj[f->n++];
    snprintf(c->id, sizeof c->id, "%s", a->id);
    if (!f->original[0])
        snprintf(f->original, sizeof f->original, "%s", a->original);
    memcpy(c->v, a->v, sizeof c->v);
    return 0;
}

typedef struct {
    const found *f;
    column_set *paid;
    int hit;
} paid_search;

static int take_paid(void *ctx, const char *prefix, const char *pay_date, const arch_paycheck *p)
{
    paid_search *ps = ctx;
    char id[64];
    (void)pay_date;
    snprintf(id, sizeof id, "%s%07lld", prefix, (long long)p->seq);
    if (strcmp(id, ps->f->original) != 0)
        return 0;
    ps->paid->v[0] = p->regular_minutes;
    ps->paid->v[1] = p->overtime_minutes;
    for (int k = 0; k < AMT_COUNT; k++)
        ps->paid->v[2 + k] = p->amount[k];
    ps->hit = 1;
    return 1;
}

static void print_value(int k, int64_t v, int width)
{
    char b[40];
    if (k < 2)
        cal_format_hm(v, b);
    else
        money_format_cents(v, b);
    printf(" %*s", width, b);
}

/* The table: a row per column, paid | each adjustment | corrected. */
static void print_side_by_side(const found *f, const column_set *paid)
{
    printf("\ncorrected: timesheet %s, paid as %s, adjusted by %d correction%s\n", f->timesheet,
           f->original[0] ? f->original : "nothing (it was refused)", f->n, f->n == 1 ? "" : "s");
    printf("%-22s %14s", "column", "paid");
    for (int i = 0; i < f->n; i++)
        printf(" %22s", f->adj[i].id);
    printf(" %14s\n", "corrected");
    for (int k = 0; k < NCOLS; k++) {
        int64_t total = paid->v[k];
        printf("%-22s", adj_column_name(k));
        print_value(k, paid->v[k], 14);
        for (int i = 0; i < f->n; i++) {
            print_value(k, f->adj[i].v[k], 22);
            total += f->adj[i].v[k];
        }
        print_value(k, total, 14);
        printf("\n");
    }
}

int correct_explain(const char *state, const char *timesheet_id)
{
    state_dir st = {.lock_fd = -1, .dfd = -1};
    char err[1024], path[4300];
    int r = state_open(&st, state, STATE_READ, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    found f = {.timesheet = timesheet_id};
    int rc = EXIT_OK;
    for (int g = 1; rc == EXIT_OK && g <= st.newest; g++) {
        state_manifest m;
        if (!state_has_generation(&st, g) || state_read_manifest(&st, g, &m, err, sizeof err) != 0 || !m.correction)
            continue;
        snprintf(path, sizeof path, "%s/gen-%06d/%s", st.dir, g, CORRECT_ADJUSTMENTS);
        if (access(path, F_OK) != 0)
            continue;   /* a correction that adjusted nothing commits no generation; none without the file */
        if (adj_read(path, take_adjustment, &f, err, sizeof err) != 0 || f.bad) {
            fprintf(stderr, "payrun explain: %s\n", f.bad ? "out of memory" : err);
            rc = EXIT_DATA;
        }
    }
    column_set paid = {.id = "paid"};
    paid_search ps = {&f, &paid, 0};
    for (int g = 1; rc == EXIT_OK && f.n > 0 && f.original[0] && !ps.hit && g <= st.newest; g++) {
        char name[32];
        snprintf(name, sizeof name, "gen-%06d", g);
        int gfd = state_has_generation(&st, g) ? fsafe_open_subdir(st.dfd, name) : -1;
        if (gfd >= 0)
            arch_pay_read(gfd, ARCH_PAYCHECKS, take_paid, &ps, err, sizeof err);
        if (gfd >= 0)
            close(gfd);
    }
    if (rc == EXIT_OK && f.n > 0) {
        print_side_by_side(&f, &paid);
        if (f.original[0] && !ps.hit)
            printf("(paycheck %s is in no generation kept: pruned; the paid column shows 0)\n", f.original);
    }
    free(f.adj);
    state_close(&st);
    return rc;
}
