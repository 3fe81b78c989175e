/* chain.c — a generation's ledger read from a checkpoint segment and the delta segments after it: a person at a time, or whole. */
#include "chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsafe.h"
#include "ledgerbin.h"


typedef struct {
    seg_file **seg;         /* oldest first */
    int n;
    ledger *lg;
    size_t fetches[LEDGER_TABLES], limit[LEDGER_TABLES];
    size_t paid_lookups;
    int code;               /* the STATE_* code of a failure, 0 none */
    char err[1024];
} chain;

/* Which list a table's who indexes: 0 providers, 1 recipients, 2 overpayments. */
static int who_list(int table)
{
    static const int list[LEDGER_TABLES] = {0, 0, 1, 0, 1, 1, 0, 0, 2, 0, 0, 0};
    return list[table];
}

static void close_all(seg_file **seg, int n)
{
    for (int i = 0; i < n; i++)
        seg_close(seg[i]);
}

static void release(void *ctx)
{
    chain *c = ctx;
    close_all(c->seg, c->n);
    free(c->seg);
    free(c);
}

/* ---- whole tables ---- */

/* Where the records of a scan go: a table, the maps when indexes must be mapped, and
 * whether persons already fetched are skipped (their records are in memory, newer). */
typedef struct {
    ledger_table *t;
    const state_idmaps *maps;
    int skip_fetched;
} scan_into;

static int put_scanned(void *ctx, uint64_t key, const void *record, uint32_t ordinal)
{
    const scan_into *s = ctx;
    _Alignas(8) char rec[LEDGER_RECORD_MAX];     /* aligned: lbin_map_record reads its fields */
    memcpy(rec, record, s->t->size);
    if (s->maps && lbin_map_record(s->t->no, s->maps, &key, rec) != 0)
        return STATE_DAMAGED;
    if (s->skip_fetched && ledger_who_fetched(s->t, (int32_t)(key >> 32)))
        return 0;
    return ledger_put_earlier(s->t, key, rec, ordinal) == 0 ? 0 : STATE_NO_MEMORY;
}

/* Table `table` of every segment, oldest first, into memory. */
static int load_table(ledger *lg, seg_file **seg, int n, int table, const state_idmaps *maps, int skip_fetched,
                      char *err, size_t errlen)
{
    scan_into s = {ledger_table_at(lg, table), maps, skip_fetched};
    for (int i = 0; i < n; i++) {
        int rc = seg_scan(seg[i], table, put_scanned, &s, err, errlen);
        if (rc == STATE_NO_MEMORY || rc == STATE_DAMAGED)
            if (!err[0] || rc == STATE_NO_MEMORY)
                fsafe_errf(err, errlen, rc, rc == STATE_NO_MEMORY ? "out of memory while loading the ledger"
                                                                  : "a record's index is out of its list");
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int add_code(void *ctx, uint64_t code)
{
    ledger *lg = ctx;
    return ids_set_add(&lg->paid_ids, code) < 0 ? STATE_NO_MEMORY : 0;
}

/* The paid codes of every segment into lg's set (not logged as this night's). */
static int load_codes(ledger *lg, seg_file **seg, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        err[0] = '\0';
        int rc = seg_scan_codes(seg[i], add_code, lg, err, errlen);
        if (rc == STATE_NO_MEMORY && !err[0])
            fsafe_errf(err, errlen, rc, "out of memory while loading the paid timesheets");
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Each table's next ordinal: the newest segment's. */
static void take_ordinals(ledger *lg, seg_file *newest)
{
    for (int k = 0; k < LEDGER_TABLES; k++) {
        ledger_table *t = ledger_table_at(lg, k);
        uint32_t next = seg_next_ordinal(newest, k);
        if (next > t->next_ordinal)
            t->next_ordinal = next;
    }
}

int chain_load_all(ledger *lg, seg_file **seg, int n, const state_idmaps *maps, int identity, char *err,
                   size_t errlen)
{
    int rc = 0;
    if (n > 0)
        take_ordinals(lg, seg[n - 1]);
    for (int k = 0; rc == 0 && k < LEDGER_TABLES; k++) {
        err[0] = '\0';
        rc = load_table(lg, seg, n, k, identity ? NULL : maps, 0, err, errlen);
    }
    if (rc == 0)
        rc = load_codes(lg, seg, n, err, errlen);
    close_all(seg, n);
    return rc;
}

/* ---- a person at a time (the ledger's source) ---- */

static int put_fetched(void *ctx, uint64_t key, const void *record, uint32_t ordinal)
{
    return ledger_put_earlier(ctx, key, record, ordinal) == 0 ? 0 : STATE_NO_MEMORY;
}


static int failed(chain *c, int rc)
{
    if (rc == STATE_NO_MEMORY && !c->err[0])
        snprintf(c->err, sizeof c->err, "out of memory while loading the ledger");
    c->code = rc;
    return -1;
}

/* The ledger's fetch: who's records of table t from every segment, oldest first; once
 * the table's fetches reach its limit, the rest of the table whole. */
static int fetch(void *ctx, ledger_table *t, int32_t who)
{
    chain *c = ctx;
    c->err[0] = '\0';
    for (int i = 0; i < c->n; i++) {
        int rc = seg_fetch(c->seg[i], t->no, (uint32_t)who, put_fetched, t, c->err, sizeof c->err);
        if (rc != 0)
            return failed(c, rc);
    }
    if (++c->fetches[t->no] >= c->limit[t->no]) {
        int rc = load_table(c->lg, c->seg, c->n, t->no, NULL, 1, c->err, sizeof c->err);
        if (rc != 0)
            return failed(c, rc);
        ledger_table_fetched_all(t);
    }
    return 0;
}

/* The ledger's paid check: the code in any segment, newest first; after CHAIN_PAID_LOOKUPS
 * lookups every code is read into memory instead. */
static int paid(void *ctx, uint64_t code)
{
    chain *c = ctx;
    c->err[0] = '\0';
    if (++c->paid_lookups >= CHAIN_PAID_LOOKUPS) {
        int rc = load_codes(c->lg, c->seg, c->n, c->err, sizeof c->err);
        if (rc != 0)
            return failed(c, rc);
        c->lg->source.paid = NULL;
        return ids_set_has(&c->lg->paid_ids, code);
    }
    for (int i = c->n - 1; i >= 0; i--) {
        int r = seg_has_code(c->seg[i], code, c->err, sizeof c->err);
        if (r != 0)
            return r > 0 ? 1 : failed(c, r);
    }
    return 0;
}

int chain_attach(ledger *lg, seg_file **seg, int n, char *err, size_t errlen)
{
    chain *c = calloc(1, sizeof *c);
    seg_file **own = malloc(sizeof *own * (size_t)(n ? n : 1));
    if (!c || !own) {
        free(c);
        free(own);
        close_all(seg, n);
        return fsafe_errf(err, errlen, STATE_NO_MEMORY, "out of memory while loading the ledger");
    }
    memcpy(own, seg, sizeof *own * (size_t)n);
    c->seg = own;
    c->n = n;
    c->lg = lg;
    const ledger_ids *lists[3] = {&lg->providers, &lg->recipients, &lg->overpayments};
    for (int k = 0; k < LEDGER_TABLES; k++) {
        size_t people = (size_t)ledger_ids_count(lists[who_list(k)]);
        c->limit[k] = people / CHAIN_WHOLE_FRACTION > CHAIN_WHOLE_MIN ? people / CHAIN_WHOLE_FRACTION : CHAIN_WHOLE_MIN;
    }
    if (n > 0)
        take_ordinals(lg, seg[n - 1]);
    ledger_source src = {.ctx = c, .fetch = fetch, .paid = paid, .release = release};
    ledger_attach_source(lg, &src);
    return 0;
}

int chain_materialize(ledger *lg, char *err, size_t errlen)
{
    if (lg->source.release != release)
        return 0;   /* no chain: everything is in memory */
    chain *c = lg->source.ctx;
    int rc = 0;
    for (int k = 0; rc == 0 && k < LEDGER_TABLES; k++) {
        ledger_table *t = ledger_table_at(lg, k);
        err[0] = '\0';
        if (t->source && (rc = load_table(lg, c->seg, c->n, k, NULL, 1, err, errlen)) == 0)
            ledger_table_fetched_all(t);
    }
    if (rc == 0 && lg->source.paid)
        rc = load_codes(lg, c->seg, c->n, err, errlen);
    if (rc == 0)
        ledger_detach_source(lg);
    return rc;
}

int chain_error(const ledger *lg, char *err, size_t errlen)
{
    if (lg->source.release != release)
        return fsafe_errf(err, errlen, STATE_ERROR, "the ledger could not be read");
    const chain *c = lg->source.ctx;
    return fsafe_errf(err, errlen, c->code ? c->code : STATE_ERROR, "%s", c->err[0] ? c->err : "the ledger could not be read");
}
