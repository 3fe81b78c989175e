/* ledger.c — counter tables keyed by packed (who, when) keys, and the paid-timesheet index. */
#include "ledger.h"

#include <stdlib.h>
#include <string.h>

static void table_init(ledger_table *t, size_t size)
{
    memset(t, 0, sizeof *t);
    t->size = size;
    t->stride = 8 + (size + 7) / 8 * 8;
}

static void table_free(ledger_table *t)
{
    free(t->slot);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* A 64-bit mix (splitmix64 finalizer) so packed keys spread over the slots. */
static inline size_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t)x;
}

/* The slot holding key, or the empty slot where it would go. */
static inline size_t find_slot(const ledger_table *t, uint64_t key)
{
    size_t i = mix(key) & t->mask;
    while (t->slot[i] && ledger_key_at(t, t->slot[i] - 1) != key)
        i = (i + 1) & t->mask;
    return i;
}

const void *ledger_peek(const ledger_table *t, uint64_t key)
{
    if (!t->slot)
        return NULL;
    uint32_t r = t->slot[find_slot(t, key)];
    return r ? ledger_row(t, (int32_t)(r - 1)) : NULL;
}

/* Doubles the index (load kept at most 1/2). */
static int grow_index(ledger_table *t)
{
    size_t nslots = t->slot ? (t->mask + 1) * 2 : 1024;
    uint32_t *slot = calloc(nslots, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = mix(ledger_key_at(t, k)) & (nslots - 1);
        while (slot[i])
            i = (i + 1) & (nslots - 1);
        slot[i] = (uint32_t)(k + 1);
    }
    free(t->slot);
    t->slot = slot;
    t->mask = nslots - 1;
    return 0;
}

/* Makes room for n records without growing (sizes from the masters: fewer page
 * faults and copies while the run fills the tables). Returns 0 or -1. */
static int reserve(ledger_table *t, size_t n)
{
    if (n <= t->cap)
        return 0;
    char *rows = realloc(t->rows, n * t->stride);
    if (!rows)
        return -1;
    t->rows = rows;
    t->cap = n;
    while (!t->slot || n * 2 > t->mask + 1)
        if (grow_index(t) != 0)
            return -1;
    return 0;
}

int32_t ledger_index(ledger_table *t, uint64_t key)
{
    if (!t->slot || (t->n + 1) * 2 > t->mask + 1)
        if (grow_index(t) != 0)
            return -1;
    size_t i = find_slot(t, key);
    if (t->slot[i])
        return (int32_t)(t->slot[i] - 1);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        char *rows = realloc(t->rows, cap * t->stride);
        if (!rows)
            return -1;
        t->rows = rows;
        t->cap = cap;
    }
    char *entry = t->rows + t->n * t->stride;
    memset(entry, 0, t->stride);
    memcpy(entry, &key, sizeof key);
    t->slot[i] = (uint32_t)(t->n + 1);
    return (int32_t)t->n++;
}

void *ledger_get(ledger_table *t, uint64_t key)
{
    int32_t i = ledger_index(t, key);
    return i < 0 ? NULL : ledger_row(t, i);
}

static int copy_ids(ids_table *dst, const ids_table *src)
{
    for (int32_t i = 0; i < src->n; i++) {
        const char *s = ids_name(src, i);
        if (ids_intern(dst, s, strlen(s), NULL) != i)
            return -1;
    }
    return 0;
}

int ledger_init(ledger *l, const ids_table *providers, const ids_table *recipients, const ids_table *overpayments)
{
    memset(l, 0, sizeof *l);
    table_init(&l->provider_week, sizeof(ledger_provider_week));
    table_init(&l->recipient_week, sizeof(int32_t));
    table_init(&l->provider_month, sizeof(ledger_provider_month));
    table_init(&l->recipient_month, sizeof(ledger_recipient_month));
    table_init(&l->bups_year, sizeof(int64_t));
    table_init(&l->provider_year, sizeof(ledger_provider_year));
    table_init(&l->provider_quarter, sizeof(ledger_provider_quarter));
    table_init(&l->recovered, sizeof(money_cents));
    table_init(&l->violations, sizeof(int32_t));
    if (copy_ids(&l->providers, providers) || copy_ids(&l->recipients, recipients) ||
        copy_ids(&l->overpayments, overpayments))
        return -1;
    /* a pay run touches a few workweeks and one or two months of most providers and recipients */
    size_t np = (size_t)providers->n, nr = (size_t)recipients->n;
    if (reserve(&l->provider_week, 4 * np) || reserve(&l->recipient_week, 4 * nr) ||
        reserve(&l->provider_month, 2 * np) || reserve(&l->recipient_month, 2 * nr) ||
        reserve(&l->provider_year, np) || reserve(&l->provider_quarter, np))
        return -1;
    return 0;
}

void ledger_free(ledger *l)
{
    ids_free(&l->providers);
    ids_free(&l->recipients);
    ids_free(&l->overpayments);
    ids_free(&l->paid_timesheets);
    ids_map_free(&l->paid_periods);
    table_free(&l->provider_week);
    table_free(&l->recipient_week);
    table_free(&l->provider_month);
    table_free(&l->recipient_month);
    table_free(&l->bups_year);
    table_free(&l->provider_year);
    table_free(&l->provider_quarter);
    table_free(&l->recovered);
    table_free(&l->violations);
}

int ledger_period_key(int32_t provider, int32_t recipient, cal_date period_start, uint64_t *key)
{
    const int32_t max22 = (1 << 22) - 1;
    /* a period number: two per month, from year 0; fits 20 bits up to year 9999 */
    int y, m, d;
    cal_to_ymd(period_start, &y, &m, &d);
    uint64_t period = (uint64_t)cal_month_key_ymd(y, m) * 2 + (d >= 16);
    if (provider < 0 || provider > max22 || recipient < 0 || recipient > max22 || period >= (1u << 20))
        return -1;
    *key = ((uint64_t)provider << 42) | ((uint64_t)recipient << 20) | period;
    return 0;
}

int ledger_timesheet_paid(const ledger *l, const char *id, size_t n) { return ids_find(&l->paid_timesheets, id, n) >= 0; }

int ledger_mark_timesheet_paid(ledger *l, const char *id, size_t n)
{
    return ids_intern(&l->paid_timesheets, id, n, NULL) < 0 ? -1 : 0;
}

int ledger_period_paid(const ledger *l, uint64_t period_key) { return ids_map_get(&l->paid_periods, period_key) >= 0; }

int ledger_mark_period_paid(ledger *l, uint64_t period_key)
{
    return ids_map_put(&l->paid_periods, period_key, 1) ? 0 : -1;
}
