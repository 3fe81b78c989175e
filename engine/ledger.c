/* ledger.c — counter tables keyed by packed (who, when) keys, and the paid-timesheet index. */
#include "ledger.h"
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The record size of each table, in LEDGER_TABLES order (ledger_table_at). */
static const size_t record_size[LEDGER_TABLES] = {
    sizeof(uint64_t), sizeof(ledger_provider_week), sizeof(int32_t), sizeof(ledger_provider_month),
    sizeof(ledger_recipient_month), sizeof(int64_t), sizeof(ledger_provider_year), sizeof(ledger_provider_quarter),
    sizeof(money_cents), sizeof(int32_t), sizeof(ledger_provider_period), sizeof(ledger_provider_w2),
};

_Static_assert(sizeof(ledger_provider_week) <= LEDGER_RECORD_MAX && sizeof(ledger_provider_month) <= LEDGER_RECORD_MAX &&
                   sizeof(ledger_recipient_month) <= LEDGER_RECORD_MAX && sizeof(ledger_provider_year) <= LEDGER_RECORD_MAX &&
                   sizeof(ledger_provider_quarter) <= LEDGER_RECORD_MAX &&
                   sizeof(ledger_provider_period) <= LEDGER_RECORD_MAX && sizeof(uint64_t) <= LEDGER_RECORD_MAX,
               "LEDGER_RECORD_MAX holds a record of any table");

size_t ledger_table_stride(int no) { return 8 + (record_size[no] + 7) / 8 * 8; }

static void table_init(ledger_table *t, size_t size)
{
    memset(t, 0, sizeof *t);
    t->size = size;
    t->stride = 8 + (size + 7) / 8 * 8;
    t->min_key = UINT64_MAX;
}

static void table_free(ledger_table *t)
{
    mem_free(t->slot);
    mem_free(t->rows);
    mem_free(t->touched);
    mem_free(t->ordinal);
    mem_free(t->fetched);
    memset(t, 0, sizeof *t);
}

/* The overflow slot holding key, or the empty slot where it would go (the index
 * must exist). */
static inline size_t find_slot(const ledger_table *t, uint64_t key)
{
    size_t i = (size_t)ids_mix64(key) & t->mask;
    while (t->slot[i] && ledger_key_at(t, t->slot[i] - 1) != key)
        i = (i + 1) & t->mask;
    return i;
}

/* The direct-map slot of key, or NULL when its who is outside the map. */
static inline uint32_t *direct_slot(const ledger_table *t, uint64_t key)
{
    uint32_t who = (uint32_t)(key >> 32);
    if (!t->direct || who >= (uint32_t)t->direct_who)
        return NULL;
    return t->direct + (size_t)who * t->direct_stride + ((uint32_t)key & (t->ways - 1));
}

/* The record index of key, or -1 when absent. */
static inline int32_t lookup(const ledger_table *t, uint64_t key, uint32_t *d)
{
    if (d && *d && ledger_key_at(t, *d - 1) == key)
        return (int32_t)(*d - 1);
    if (t->nover == 0)
        return -1;
    uint32_t r = t->slot[find_slot(t, key)];
    return r ? (int32_t)(r - 1) : -1;
}

int ledger_who_fetched(const ledger_table *t, int32_t who)
{
    return !t->source || who < 0 || ((size_t)who < t->fetched_bits && (t->fetched[(size_t)who >> 6] >> (who & 63) & 1));
}

/* Has the source put the earlier records of key's who into t, when it was not done
 * yet. Returns 0, or -1 (out of memory, or the source failed: t->source->failed). */
static int fetch_earlier(ledger_table *t, uint64_t key)
{
    int32_t who = (int32_t)(key >> 32);
    if (ledger_who_fetched(t, who))
        return 0;
    if ((size_t)who >= t->fetched_bits) {
        size_t bits = (((size_t)who + 1) * 2 + 63) & ~(size_t)63, had = t->fetched_bits / 64;
        uint64_t *f = mem_realloc(t->fetched, bits / 8);
        if (!f)
            return -1;
        memset(f + had, 0, (bits / 64 - had) * sizeof *f);
        t->fetched = f;
        t->fetched_bits = bits;
    }
    t->fetched[(size_t)who >> 6] |= (uint64_t)1 << (who & 63);
    if (t->source->fetch(t->source->ctx, t, who) != 0) {
        t->source->failed = 1;
        return -1;
    }
    return 0;
}

const void *ledger_peek(ledger_table *t, uint64_t key)
{
    /* a record in memory may be older than the source's (a chain whose older files
     * were read whole): the source is asked first */
    if (t->source && fetch_earlier(t, key) != 0)
        return NULL;
    int32_t i = lookup(t, key, direct_slot(t, key));
    return i < 0 ? NULL : ledger_row(t, i);
}

/* Doubles the overflow index (load kept at most 1/2). */
static int grow_index(ledger_table *t)
{
    size_t nslots = t->slot ? (t->mask + 1) * 2 : 1024;
    uint32_t *slot = mem_calloc(nslots, sizeof *slot);     /* sized to the records it holds */
    if (!slot)
        return -1;
    for (size_t j = 0; t->slot && j <= t->mask; j++) {
        if (!t->slot[j])
            continue;
        size_t i = (size_t)ids_mix64(ledger_key_at(t, t->slot[j] - 1)) & (nslots - 1);
        while (slot[i])
            i = (i + 1) & (nslots - 1);
        slot[i] = t->slot[j];
    }
    mem_free(t->slot);
    t->slot = slot;
    t->mask = nslots - 1;
    return 0;
}

/* Puts record r (index + 1) into the overflow index. Returns 0 or -1. */
static int overflow_put(ledger_table *t, uint32_t r)
{
    if (!t->slot || (t->nover + 1) * 2 > t->mask + 1)
        if (grow_index(t) != 0)
            return -1;
    t->slot[find_slot(t, ledger_key_at(t, r - 1))] = r;
    t->nover++;
    return 0;
}

/* Makes room for n records: growing, for a table full (mem_realloc: huge pages), or
 * reserved ahead from the masters' sizes (mem_realloc_sparse: a small night over a big
 * state fills only the start). Returns 0 or -1. */
static int reserve(ledger_table *t, size_t n, int growing)
{
    if (n <= t->cap)
        return 0;
    void *(*more)(void *, size_t) = growing ? mem_realloc : mem_realloc_sparse;
    char *rows = more(t->rows, n * t->stride);
    if (!rows)
        return -1;
    t->rows = rows;
    size_t words = (n + 63) / 64, had = (t->cap + 63) / 64;
    uint64_t *touched = more(t->touched, words * sizeof *touched);
    if (!touched)
        return -1;
    memset(touched + had, 0, (words - had) * sizeof *touched);
    t->touched = touched;
    uint32_t *ordinal = more(t->ordinal, n * sizeof *ordinal);
    if (!ordinal)
        return -1;
    t->ordinal = ordinal;
    t->cap = n;
    return 0;
}

/* Adds a zeroed record for key (absent from t; d its direct slot or NULL), touched or
 * not, the ordinal-th created. Returns its index, or -1 out of memory. */
static int32_t insert(ledger_table *t, uint64_t key, uint32_t *d, int touch, uint32_t ordinal)
{
    if (t->n == t->cap && reserve(t, t->cap ? t->cap * 2 : 256, 1) != 0)
        return -1;
    if (t->n >= INT32_MAX)
        return -1;      /* a record index must fit an int32 */
    uint32_t r = (uint32_t)t->n + 1;
    char *entry = t->rows + t->n * t->stride;
    memset(entry, 0, t->stride);
    memcpy(entry, &key, sizeof key);
    t->min_key = key < t->min_key ? key : t->min_key;
    t->max_key = key > t->max_key ? key : t->max_key;
    if (touch)
        t->touched[(r - 1) >> 6] |= (uint64_t)1 << ((r - 1) & 63);
    t->ordinal[r - 1] = ordinal;
    t->n++;
    if (d) {
        /* the newer key takes the slot; the one it held goes to the overflow index */
        if (*d && overflow_put(t, *d) != 0) {
            t->n--;
            return -1;
        }
        *d = r;
    } else if (overflow_put(t, r) != 0) {
        t->n--;
        return -1;
    }
    return (int32_t)(r - 1);
}

int32_t ledger_index(ledger_table *t, uint64_t key)
{
    if (t->source && fetch_earlier(t, key) != 0)
        return -1;
    uint32_t *d = direct_slot(t, key);
    int32_t found = lookup(t, key, d);
    if (found >= 0) {
        t->touched[(size_t)found >> 6] |= (uint64_t)1 << (found & 63);
        return found;
    }
    int32_t r = insert(t, key, d, 1, t->next_ordinal);
    if (r >= 0)
        t->next_ordinal++;
    return r;
}

int ledger_put_earlier(ledger_table *t, uint64_t key, const void *record, uint32_t ordinal)
{
    uint32_t *d = direct_slot(t, key);
    int32_t i = lookup(t, key, d);
    if (i < 0) {
        if (ordinal == LEDGER_APPEND)
            ordinal = t->next_ordinal;
        if ((i = insert(t, key, d, 0, ordinal)) < 0)
            return -1;
        if (ordinal >= t->next_ordinal)
            t->next_ordinal = ordinal + 1;
    }
    memcpy(ledger_row(t, i), record, t->size);
    return 0;
}

void *ledger_get(ledger_table *t, uint64_t key)
{
    int32_t i = ledger_index(t, key);
    return i < 0 ? NULL : ledger_row(t, i);
}

int32_t ledger_ids_find(const ledger_ids *t, const char *s, size_t n)
{
    int32_t i = ids_find(t->masters, s, n);
    if (i >= 0)
        return i;
    i = ids_find(&t->more, s, n);
    return i < 0 ? -1 : t->masters->n + i;
}

int32_t ledger_ids_add(ledger_ids *t, const char *s, size_t n)
{
    int32_t i = ids_find(t->masters, s, n);
    if (i >= 0)
        return i;
    i = ids_intern(&t->more, s, n, NULL);
    return i < 0 ? -1 : t->masters->n + i;
}

/* Gives tables t[0..n) their direct maps side by side in one block of `stride` slots
 * a person (ways[k] slots for table k), for `people` people. */
static void share_block(ledger_table *const *t, const uint32_t *ways, size_t n, uint32_t *slots, size_t stride,
                        size_t people)
{
    for (size_t k = 0, at = 0; k < n; at += ways[k++]) {
        t[k]->direct = slots + at;
        t[k]->direct_stride = stride;
        t[k]->ways = ways[k];
        t[k]->direct_who = (int32_t)people;
    }
}

int ledger_init(ledger *l, const ids_table *providers, const ids_table *recipients, const ids_table *overpayments)
{
    memset(l, 0, sizeof *l);
    for (int k = 0; k < LEDGER_TABLES; k++) {
        table_init(ledger_table_at(l, k), record_size[k]);
        ledger_table_at(l, k)->no = k;
    }
    l->providers.masters = providers;
    l->recipients.masters = recipients;
    l->overpayments.masters = overpayments;
    static const ids_table no_counties;
    l->counties.masters = &no_counties;
    /* direct maps: 16 workweeks, 4 months, 2 years, 4 quarters, 4 paid-period
     * records (picked by recipient), 4 withholding periods and 2 W-2 years of each
     * provider in one block; 16 workweeks, 4 months and 2 fiscal years of each
     * recipient in another */
    size_t np = (size_t)providers->n, nr = (size_t)recipients->n;
    ledger_table *pt[] = {&l->provider_week,    &l->provider_month,  &l->provider_year, &l->provider_quarter,
                          &l->paid_period_bits, &l->provider_period, &l->provider_w2};
    ledger_table *rt[] = {&l->recipient_week, &l->recipient_month, &l->bups_year};
    static const uint32_t pways[] = {16, 4, 2, 4, 4, 4, 2}, rways[] = {16, 4, 2};
    l->provider_slots = mem_calloc_sparse(np ? np * LEDGER_PROVIDER_SLOTS : 1, sizeof(uint32_t));
    l->recipient_slots = mem_calloc_sparse(nr ? nr * LEDGER_RECIPIENT_SLOTS : 1, sizeof(uint32_t));
    if (!l->provider_slots || !l->recipient_slots)
        return -1;
    share_block(pt, pways, 7, l->provider_slots, LEDGER_PROVIDER_SLOTS, np);
    share_block(rt, rways, 3, l->recipient_slots, LEDGER_RECIPIENT_SLOTS, nr);
    /* a pay run touches a few workweeks and one or two months of most providers and recipients */
    if (reserve(&l->provider_week, 4 * np, 0) || reserve(&l->recipient_week, 4 * nr, 0) ||
        reserve(&l->provider_month, 2 * np, 0) || reserve(&l->recipient_month, 2 * nr, 0) ||
        reserve(&l->provider_year, np, 0) || reserve(&l->provider_quarter, np, 0) ||
        reserve(&l->provider_period, 2 * np, 0) || reserve(&l->provider_w2, np, 0))
        return -1;
    return 0;
}

void ledger_expect_full_night(ledger *l)
{
    mem_expect_dense(l->provider_slots);
    mem_expect_dense(l->recipient_slots);
    for (int k = 0; k < LEDGER_TABLES; k++) {
        ledger_table *t = ledger_table_at(l, k);
        mem_expect_dense(t->rows);
        mem_expect_dense(t->ordinal);
        mem_expect_dense(t->touched);
    }
}

void ledger_free(ledger *l)
{
    ledger_detach_source(l);
    mem_free(l->provider_slots);
    mem_free(l->recipient_slots);
    ids_free(&l->providers.more);
    ids_free(&l->recipients.more);
    ids_free(&l->overpayments.more);
    ids_free(&l->counties.more);
    ids_set_free(&l->paid_ids);
    ids_free(&l->paid_other);
    mem_free(l->paid_log);
    table_free(&l->provider_week);
    table_free(&l->recipient_week);
    table_free(&l->provider_month);
    table_free(&l->recipient_month);
    table_free(&l->bups_year);
    table_free(&l->provider_year);
    table_free(&l->provider_quarter);
    table_free(&l->recovered);
    table_free(&l->violations);
    table_free(&l->paid_period_bits);
    table_free(&l->provider_period);
    table_free(&l->provider_w2);
}

void ledger_set_counties(ledger *l, const ids_table *counties) { l->counties.masters = counties; }

int ledger_period_key(int32_t provider, int32_t recipient, cal_date period_start, uint64_t *key)
{
    const int32_t max22 = (1 << 22) - 1;
    /* a period number: two per month, from year 0; kept below 2^16 (August 2730) so
     * its 64-period block fits the 10 bits paid_period_bits gives it */
    int y, m, d;
    cal_to_ymd(period_start, &y, &m, &d);
    uint64_t period = (uint64_t)cal_month_key_ymd(y, m) * 2 + (d >= 16);
    if (provider < 0 || provider > max22 || recipient < 0 || recipient > max22 || period >= (1u << 16))
        return -1;
    *key = ((uint64_t)provider << 42) | ((uint64_t)recipient << 20) | period;
    return 0;
}

void ledger_prefetch(const ledger *l, int32_t provider, int32_t recipient)
{
    /* a block is 144 (provider) or 88 (recipient) bytes: at most three cache lines */
    if (provider >= 0 && provider < l->provider_week.direct_who) {
        const char *b = (const char *)(l->provider_slots + (size_t)provider * LEDGER_PROVIDER_SLOTS);
        __builtin_prefetch(b);
        __builtin_prefetch(b + 64);
        __builtin_prefetch(b + 4 * LEDGER_PROVIDER_SLOTS - 1);
    }
    if (recipient >= 0 && recipient < l->recipient_week.direct_who) {
        const char *b = (const char *)(l->recipient_slots + (size_t)recipient * LEDGER_RECIPIENT_SLOTS);
        __builtin_prefetch(b);
        __builtin_prefetch(b + 64);
        __builtin_prefetch(b + 4 * LEDGER_RECIPIENT_SLOTS - 1);
    }
}

ledger_paid_id ledger_paid_id_of(const char *s, size_t n)
{
    ledger_paid_id id = {.s = s, .n = n};
    id.packed = ids_pack(s, n, &id.code) == 0;
    return id;
}

int ledger_timesheet_paid(ledger *l, const ledger_paid_id *id)
{
    if (!id->packed)
        return ids_find(&l->paid_other, id->s, id->n) >= 0;   /* a source puts every other id in memory */
    if (ids_set_has(&l->paid_ids, id->code))
        return 1;
    if (!l->source.paid)
        return 0;
    int r = l->source.paid(l->source.ctx, id->code);
    if (r < 0)
        l->source.failed = 1;
    return r > 0;
}

int ledger_mark_timesheet_paid(ledger *l, const ledger_paid_id *id)
{
    if (!id->packed)
        return ids_intern(&l->paid_other, id->s, id->n, NULL) < 0 ? -1 : 0;
    if (ids_set_add(&l->paid_ids, id->code) < 0)
        return -1;
    if (l->logging) {
        if (l->npaid_log == l->paid_log_cap) {
            size_t cap = l->paid_log_cap ? l->paid_log_cap * 2 : 1024;
            uint64_t *log = mem_realloc(l->paid_log, cap * sizeof *log);
            if (!log)
                return -1;
            l->paid_log = log;
            l->paid_log_cap = cap;
        }
        l->paid_log[l->npaid_log++] = id->code;
    }
    return 0;
}

ledger_table *ledger_table_at(ledger *l, int no)
{
    ledger_table *const all[LEDGER_TABLES] = {&l->paid_period_bits, &l->provider_week, &l->recipient_week,
                                              &l->provider_month, &l->recipient_month, &l->bups_year,
                                              &l->provider_year, &l->provider_quarter, &l->recovered, &l->violations,
                                              &l->provider_period, &l->provider_w2};
    return all[no];
}

void ledger_attach_source(ledger *l, const ledger_source *src)
{
    ledger_detach_source(l);
    l->source = *src;
    l->source.failed = 0;
    for (int k = 0; k < LEDGER_TABLES; k++)
        ledger_table_at(l, k)->source = &l->source;
}

void ledger_detach_source(ledger *l)
{
    if (l->source.release)
        l->source.release(l->source.ctx);
    memset(&l->source, 0, sizeof l->source);
    for (int k = 0; k < LEDGER_TABLES; k++)
        ledger_table_fetched_all(ledger_table_at(l, k));
}

void ledger_table_fetched_all(ledger_table *t)
{
    t->source = NULL;
    mem_free(t->fetched);
    t->fetched = NULL;
    t->fetched_bits = 0;
}

void ledger_begin_night(ledger *l)
{
    for (int k = 0; k < LEDGER_TABLES; k++) {
        ledger_table *t = ledger_table_at(l, k);
        if (t->touched)
            memset(t->touched, 0, (t->cap + 63) / 64 * sizeof *t->touched);
    }
    l->npaid_log = 0;
    l->paid_other_mark = l->paid_other.n;
    l->logging = 1;
}

void ledger_prefetch_paid(const ledger *l, const ledger_paid_id *id)
{
    if (id->packed)
        ids_set_prefetch(&l->paid_ids, id->code);
}

/* The record key and bit of a period key: (provider, block << 22 | recipient), period % 64. */
static uint64_t period_record(uint64_t period_key, unsigned *bit)
{
    uint32_t provider = (uint32_t)(period_key >> 42), recipient = (uint32_t)(period_key >> 20 & 0x3FFFFF);
    uint32_t period = (uint32_t)(period_key & 0xFFFFF);
    *bit = period & 63;
    return ledger_key((int32_t)provider, (int32_t)((period >> 6) << 22 | recipient));
}

int ledger_period_paid(ledger *l, uint64_t period_key)
{
    unsigned bit;
    const uint64_t *bits = ledger_peek(&l->paid_period_bits, period_record(period_key, &bit));
    return bits && (*bits >> bit & 1);
}

int ledger_mark_period_paid(ledger *l, uint64_t period_key)
{
    unsigned bit;
    uint64_t *bits = ledger_get(&l->paid_period_bits, period_record(period_key, &bit));
    if (!bits)
        return -1;
    *bits |= (uint64_t)1 << bit;
    return 0;
}

uint64_t ledger_period_key_at(const ledger *l, size_t record, unsigned bit)
{
    uint64_t key = ledger_key_at(&l->paid_period_bits, record);
    uint32_t when = (uint32_t)key;
    return (key >> 32) << 42 | (uint64_t)(when & 0x3FFFFF) << 20 | ((uint64_t)(when >> 22) << 6 | bit);
}
