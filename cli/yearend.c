/* yearend.c — `payrun year-end`: the W-2 wage statements of a calendar year from the ledger alone (docs/formats.md "w2.csv"). */
#include "yearend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvw.h"
#include "exits.h"
#include "fsafe.h"
#include "out.h"

/* The boxes in w2.csv order, with the ledger field each comes from. */
#define NBOXES 9
static const char *const box_names[NBOXES] = {
    "box1_wages",           "box2_federal_income_tax", "box3_social_security_wages",
    "box4_social_security_tax", "box5_medicare_wages", "box6_medicare_tax",
    "box14_casdi",          "box16_state_wages",       "box17_state_income_tax"};

static void boxes_of(const ledger_provider_w2 *y, money_cents b[NBOXES])
{
    const money_cents v[NBOXES] = {y->gross,        y->fed,          y->ss_wages, y->ss_tax, y->medicare_wages,
                                   y->medicare_tax, y->sdi,          y->gross,    y->state};
    memcpy(b, v, sizeof v);
}

typedef struct {
    const ledger *lg;
    uint32_t *rows;     /* provider_w2 record numbers of the year */
    size_t n;
} statement_set;

static const ledger *sort_lg;   /* qsort has no context argument */

/* Provider id order (byte order of the ids). */
static int by_provider(const void *a, const void *b)
{
    const ledger_table *t = &sort_lg->provider_w2;
    int32_t pa = (int32_t)(ledger_key_at(t, *(const uint32_t *)a) >> 32);
    int32_t pb = (int32_t)(ledger_key_at(t, *(const uint32_t *)b) >> 32);
    return strcmp(ledger_ids_name(&sort_lg->providers, pa), ledger_ids_name(&sort_lg->providers, pb));
}

/* The records of year in provider id order. Returns 0, or -1 out of memory. */
static int statements_of(const ledger *lg, int year, statement_set *s)
{
    const ledger_table *t = &lg->provider_w2;
    s->lg = lg;
    s->n = 0;
    s->rows = malloc((t->n ? t->n : 1) * sizeof *s->rows);
    if (!s->rows)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        ledger_provider_w2 *y = ledger_row(t, (int32_t)i);
        money_cents b[NBOXES];
        int any = 0;
        boxes_of(y, b);
        for (int k = 0; k < NBOXES; k++)
            any |= b[k] != 0;
        /* a record all zero holds no pay of the year (a correction moved its replayed sums
         * to the year of its own pay date: docs/corrections.md "Wage statements") */
        if ((int32_t)(uint32_t)ledger_key_at(t, i) == year && any)
            s->rows[s->n++] = (uint32_t)i;
    }
    sort_lg = lg;
    qsort(s->rows, s->n, sizeof *s->rows, by_provider);
    return 0;
}

/* Writes w2.csv into w; adds every box into totals. */
static void write_statements(csvw *w, const statement_set *s, money_cents totals[NBOXES])
{
    const ledger_table *t = &s->lg->provider_w2;
    csvw_str(w, "provider_id");
    csvw_str(w, "county");
    for (int b = 0; b < NBOXES; b++)
        csvw_str(w, box_names[b]);
    csvw_end_row(w);
    for (size_t i = 0; i < s->n; i++) {
        const ledger_provider_w2 *y = ledger_row(t, (int32_t)s->rows[i]);
        int32_t who = (int32_t)(ledger_key_at(t, s->rows[i]) >> 32);
        csvw_text(w, ledger_ids_name(&s->lg->providers, who), strlen(ledger_ids_name(&s->lg->providers, who)));
        const char *county = y->county > 0 && y->county <= ledger_ids_count(&s->lg->counties)
                                 ? ledger_ids_name(&s->lg->counties, y->county - 1)
                                 : "";
        csvw_text(w, county, strlen(county));
        money_cents b[NBOXES];
        boxes_of(y, b);
        for (int k = 0; k < NBOXES; k++) {
            csvw_cents(w, b[k]);
            totals[k] += b[k];
        }
        csvw_end_row(w);
    }
}

/* Writes name in the claimed directory o under a temporary name, fsyncs it and renames it
 * into place (never over an existing file). fill writes the content. Returns 0, or -1 with
 * err; *crc the CRC-32 of the bytes written. */
static int publish_file(out_set *o, const char *name, void (*fill)(csvw *, const void *), const void *ctx,
                        uint32_t *crc, char *err, size_t errlen)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    unlinkat(o->dfd, tmp, 0);
    int fd = fsafe_create(o->dfd, tmp);
    csvw w;
    if (fd < 0 || csvw_open_fd(&w, fd, 0) != 0) {
        if (fd >= 0)
            close(fd);
        return fsafe_errf(err, errlen, -1, "%s/%s: cannot create: %s", o->dir, name, strerror(errno));
    }
    fill(&w, ctx);
    *crc = csvw_content_crc(&w);
    if (csvw_close(&w) != 0 || fsafe_rename(o->dfd, tmp, o->dfd, name, "rename-output") != 0) {
        int e = errno;
        unlinkat(o->dfd, tmp, 0);
        return fsafe_errf(err, errlen, -1, "%s/%s: cannot write: %s", o->dir, name, strerror(e));
    }
    return 0;
}

typedef struct {
    const statement_set *s;
    money_cents totals[NBOXES];
    int year;
    uint32_t w2_crc;
} year_end_ctx;

static void fill_w2(csvw *w, const void *ctx)
{
    year_end_ctx *y = (year_end_ctx *)(uintptr_t)ctx;
    write_statements(w, y->s, y->totals);
}

/* w2-totals.json: the W-3 style totals, as exact decimal strings. */
static void fill_totals(csvw *w, const void *ctx)
{
    const year_end_ctx *y = ctx;
    csvw_printf(w, "{\n  \"year\": %d,\n  \"statements\": %zu,\n  \"totals\": {", y->year, y->s->n);
    for (int b = 0; b < NBOXES; b++) {
        char a[32];
        money_format_cents(y->totals[b], a);
        csvw_printf(w, "%s\"%s\": \"%s\"", b ? ", " : "", box_names[b], a);
    }
    csvw_printf(w, "},\n  \"w2.csv\": {\"crc32\": \"%08x\"}\n}\n", y->w2_crc);
}

/* Loads generation gen of the open state whole into lg. Returns 0 or an exit code. */
static int load_generation(state_dir *st, const char *state, int *gen, ledger *lg)
{
    char err[1024];
    static const ids_table none;
    if (*gen < 0)
        *gen = st->newest;
    if (*gen > 0 && !state_has_generation(st, *gen)) {
        fprintf(stderr, "payrun: no generation %d in %s (newest %d)\n", *gen, state, st->newest);
        return EXIT_USAGE;
    }
    if (ledger_init(lg, &none, &none, &none) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        return EXIT_INTERNAL;
    }
    int r = state_load_all(st, *gen, lg, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    return EXIT_OK;
}

int year_end(const char *state, int year, int gen, const char *out)
{
    char err[1024];
    state_dir st;
    int r = state_open(&st, state, STATE_READ, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    ledger lg;
    memset(&lg, 0, sizeof lg);
    int rc = load_generation(&st, state, &gen, &lg);
    statement_set s = {0};
    if (rc == EXIT_OK && statements_of(&lg, year, &s) != 0) {
        fprintf(stderr, "payrun: out of memory\n");
        rc = EXIT_INTERNAL;
    }
    out_set o;
    if (rc == EXIT_OK) {
        int c = out_claim(&o, out, NULL, err, sizeof err);
        if (c != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = c == OUT_LOCKED ? EXIT_LOCKED : c == OUT_NOT_EMPTY ? EXIT_DATA : EXIT_INTERNAL;
        } else {
            year_end_ctx y = {.s = &s, .year = year};
            uint32_t crc;
            if (publish_file(&o, "w2.csv", fill_w2, &y, &y.w2_crc, err, sizeof err) != 0 ||
                publish_file(&o, "w2-totals.json", fill_totals, &y, &crc, err, sizeof err) != 0 ||
                fsafe_fsync(o.dfd, "fsync-published-dir") != 0) {
                fprintf(stderr, "payrun: %s\n", err[0] ? err : strerror(errno));
                rc = EXIT_INTERNAL;
            } else {
                fprintf(stderr, "payrun: %zu wage statements for %d (generation %d) -> %s\n", s.n, year, gen, out);
            }
            out_release(&o);
        }
    }
    free(s.rows);
    ledger_free(&lg);
    state_close(&st);
    return rc;
}
