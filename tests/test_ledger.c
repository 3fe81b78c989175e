/* test_ledger.c — the ledger's counter tables (direct maps with an overflow index) against a plain reference. */
#include <CUnit/CUnit.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ledger.h"
#include "mem.h"
#include "test_util.h"

/* A ledger over np providers and nr recipients named P0.. and R0.. */
static void make_ledger(ledger *l, ids_table *p, ids_table *r, ids_table *o, int np, int nr)
{
    char id[16];
    memset(p, 0, sizeof *p);
    memset(r, 0, sizeof *r);
    memset(o, 0, sizeof *o);
    for (int i = 0; i < np; i++)
        ids_intern(p, id, (size_t)snprintf(id, sizeof id, "P%d", i), NULL);
    for (int i = 0; i < nr; i++)
        ids_intern(r, id, (size_t)snprintf(id, sizeof id, "R%d", i), NULL);
    ASSERT_I64(ledger_init(l, p, r, o), 0);
}

/* Random (who, when) keys, many landing on the same direct slot (weeks 16 apart,
 * months 4 apart) and some for people outside the map: every key keeps the record
 * index it got first, is found by peek, and the records keep what was written. */
static void test_tables_against_reference(void)
{
    ledger l;
    ids_table p, r, o;
    enum { NP = 40, NKEYS = 20000 };
    make_ledger(&l, &p, &r, &o, NP, NP);
    ledger_table *tables[] = {&l.provider_week, &l.recipient_month, &l.provider_year, &l.violations};
    uint64_t *keys = malloc(NKEYS * sizeof *keys);
    int32_t *idx = malloc(NKEYS * sizeof *idx);
    srand(7);
    int wrong = 0;
    char msg[160] = "";
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        ledger_table *tb = tables[t];
        size_t nk = 0;
        for (int step = 0; step < NKEYS; step++) {
            int32_t who = rand() % (NP + 5);                /* 5 people outside the direct map */
            int32_t when = 20000 + 7 * (rand() % 64);       /* Sundays over 64 weeks: 16-week collisions */
            uint64_t key = ledger_key(who, when);
            int32_t i = ledger_index(tb, key);
            size_t k = 0;
            while (k < nk && keys[k] != key)
                k++;
            if (k == nk) {
                keys[nk] = key;
                idx[nk++] = i;
                if (i != (int32_t)tb->n - 1 && !wrong++)
                    snprintf(msg, sizeof msg, "table %zu: a new key got index %d, not the next (%zu)", t, i, tb->n - 1);
                *(int32_t *)ledger_row(tb, i) = (int32_t)k + 1;
            } else if (i != idx[k] && !wrong++) {
                snprintf(msg, sizeof msg, "table %zu: key of who %d when %d moved from %d to %d", t, who, when,
                         idx[k], i);
            }
        }
        ASSERT_I64(tb->n, nk);
        for (size_t k = 0; k < nk; k++) {
            const int32_t *v = ledger_peek(tb, keys[k]);
            if ((!v || *v != (int32_t)k + 1 || ledger_key_at(tb, (size_t)idx[k]) != keys[k]) && !wrong++)
                snprintf(msg, sizeof msg, "table %zu: key %zu not found by peek or its record changed", t, k);
        }
        if (ledger_peek(tb, ledger_key(3, 19999)) != NULL && !wrong++)
            snprintf(msg, sizeof msg, "table %zu: peek found a key never written", t);
    }
    ASSERT_MSG(wrong == 0, msg);
    free(keys);
    free(idx);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* An empty ledger over no providers at all still works (everything overflows). */
static void test_empty_masters(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ASSERT_MSG(ledger_peek(&l.provider_week, ledger_key(0, 7)) == NULL, "empty table has no record");
    int32_t a = ledger_index(&l.provider_week, ledger_key(0, 7));
    ASSERT_I64(a, 0);
    ASSERT_I64(ledger_index(&l.provider_week, ledger_key(0, 7)), 0);
    ASSERT_I64(ledger_index(&l.provider_week, ledger_key(1, 7)), 1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* Ids: the masters' keep their index; one known only to an earlier ledger comes after. */
static void test_ids_after_masters(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 3, 2);
    ASSERT_I64(ledger_ids_count(&l.providers), 3);
    ASSERT_I64(ledger_ids_add(&l.providers, "P1", 2), 1);
    ASSERT_I64(ledger_ids_find(&l.providers, "PX", 2), -1);
    ASSERT_I64(ledger_ids_add(&l.providers, "PX", 2), 3);
    ASSERT_I64(ledger_ids_add(&l.providers, "PX", 2), 3);
    ASSERT_I64(ledger_ids_find(&l.providers, "PX", 2), 3);
    ASSERT_I64(ledger_ids_count(&l.providers), 4);
    ASSERT_STR(ledger_ids_name(&l.providers, 3), "PX");
    ASSERT_STR(ledger_ids_name(&l.providers, 2), "P2");
    ASSERT_I64(ledger_ids_count(&l.recipients), 2);
    ASSERT_I64(ledger_ids_find(&l.providers, "P0", 2), 0);     /* the masters' first id */
    ASSERT_I64(ledger_ids_add(&l.providers, "P0", 2), 0);
    ASSERT_I64(ledger_ids_count(&l.providers), 4);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* An id the ledger cannot add for want of memory is -1, and nothing is added. (The ids'
 * text pool is made to look 2^46 bytes full: growing it would take 2^47 bytes, more than
 * any address space, so the allocation fails; the pool is put back after.) */
static void test_ids_add_no_memory(void)
{
#ifndef UNDER_ASAN
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 3, 2);
    ASSERT_I64(ledger_ids_add(&l.providers, "PX", 2), 3);
    ids_pool *pool = &l.providers.more.pool;
    size_t len = pool->len, cap = pool->cap;
    pool->len = pool->cap = (size_t)1 << 46;
    ASSERT_I64(ledger_ids_add(&l.providers, "PY", 2), -1);
    pool->len = len;
    pool->cap = cap;
    ASSERT_I64(ledger_ids_count(&l.providers), 4);
    ASSERT_I64(ledger_ids_find(&l.providers, "PY", 2), -1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
#endif
}

/* Paid periods (bits of 64-period records per provider and recipient) against a plain
 * list: 20,000 marks over 40 providers (and some outside the direct map), 30 recipients
 * and periods across several blocks; every key marked is paid, no other is, the count
 * is right and the keys read back from the records are exactly those marked. */
static void test_paid_periods_against_reference(void)
{
    ledger l;
    ids_table p, r, o;
    enum { N = 20000 };
    make_ledger(&l, &p, &r, &o, 40, 30);
    uint64_t *marked = malloc(N * sizeof *marked);
    size_t nm = 0;
    int wrong = 0;
    char msg[160] = "";
    srand(3);
    for (int i = 0; i < N; i++) {
        int32_t prov = rand() % 45, rcp = rand() % 30;
        cal_date start = cal_from_ymd(2020 + rand() % 10, 1 + rand() % 12, rand() % 2 ? 16 : 1);
        uint64_t key;
        if (ledger_period_key(prov, rcp, start, &key) != 0 && !wrong++)
            snprintf(msg, sizeof msg, "no key for provider %d recipient %d", prov, rcp);
        int before = ledger_period_paid(&l, key), known = 0;
        for (size_t k = 0; k < nm && !known; k++)
            known = marked[k] == key;
        if (before != known && !wrong++)
            snprintf(msg, sizeof msg, "provider %d recipient %d: paid %d, expected %d", prov, rcp, before, known);
        if (ledger_mark_period_paid(&l, key) != 0 && !wrong++)
            snprintf(msg, sizeof msg, "mark failed");
        if (!known)
            marked[nm++] = key;
        if (!ledger_period_paid(&l, key) && !wrong++)
            snprintf(msg, sizeof msg, "a period just marked is not paid");
    }
    ASSERT_MSG(wrong == 0, msg);
    uint64_t *back = malloc((nm + 1) * sizeof *back);
    size_t nb = 0;
    for (size_t rec = 0; rec < l.paid_period_bits.n; rec++) {
        uint64_t bits = *(const uint64_t *)ledger_row(&l.paid_period_bits, (int32_t)rec);
        for (unsigned b = 0; b < 64; b++)
            if (bits >> b & 1 && nb <= nm)
                back[nb++] = ledger_period_key_at(&l, rec, b);
    }
    ASSERT_I64(nb, nm);
    qsort(marked, nm, sizeof *marked, tu_cmp_u64);
    qsort(back, nb, sizeof *back, tu_cmp_u64);
    ASSERT_MSG(nb == nm && memcmp(marked, back, nm * sizeof *back) == 0, "keys read back differ from those marked");
    /* a period after August 2730 does not pack */
    uint64_t key;
    ASSERT_I64(ledger_period_key(1, 1, cal_from_ymd(2730, 9, 1), &key), -1);
    ASSERT_I64(ledger_period_key(1, 1, cal_from_ymd(2730, 8, 16), &key), 0);
    free(marked);
    free(back);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* The paid-period key: provider and recipient 0 to 2^22 - 1, periods up to August 2730
 * (2 x (2730 x 12 + 7) + 1 = 65535 for 2730-08-16; 2730-09-01 is 65536 = 2^16). */
static void test_period_key_limits(void)
{
    const int32_t max22 = (1 << 22) - 1;
    uint64_t key;
    cal_date ok = cal_from_ymd(2730, 8, 16), past = cal_from_ymd(2730, 9, 1);
    ASSERT_I64(ledger_period_key(0, 0, ok, &key), 0);
    ASSERT_I64(key, 65535);
    ASSERT_I64(ledger_period_key(max22, max22, ok, &key), 0);
    ASSERT_I64(key, ((uint64_t)max22 << 42) | ((uint64_t)max22 << 20) | 65535);
    ASSERT_I64(ledger_period_key(0, 0, past, &key), -1);
    ASSERT_I64(ledger_period_key(-1, 0, ok, &key), -1);
    ASSERT_I64(ledger_period_key(max22 + 1, 0, ok, &key), -1);
    ASSERT_I64(ledger_period_key(0, -1, ok, &key), -1);
    ASSERT_I64(ledger_period_key(0, max22 + 1, ok, &key), -1);
}

/* Records put as earlier nights left them: at the next ordinal (LEDGER_APPEND) or at a
 * given one, which moves the next ordinal past it; a key put again keeps its row. */
static void test_put_earlier(void)
{
    ids_table none;
    memset(&none, 0, sizeof none);
    ledger l;
    CU_ASSERT_EQUAL_FATAL(ledger_init(&l, &none, &none, &none), 0);
    ledger_table *t = &l.bups_year;
    int64_t v = 5;
    ASSERT_I64(ledger_put_earlier(t, ledger_key(1, 2026), &v, LEDGER_APPEND), 0);     /* ordinal 0 */
    ASSERT_I64(t->next_ordinal, 1);
    v = 6;
    ASSERT_I64(ledger_put_earlier(t, ledger_key(2, 2026), &v, 9), 0);                 /* ordinal 9 */
    ASSERT_I64(t->next_ordinal, 10);
    v = 7;
    ASSERT_I64(ledger_put_earlier(t, ledger_key(3, 2026), &v, 4), 0);                 /* below: stays 10 */
    ASSERT_I64(t->next_ordinal, 10);
    v = 8;
    ASSERT_I64(ledger_put_earlier(t, ledger_key(1, 2026), &v, 20), 0);                /* there: new value */
    ASSERT_I64(t->next_ordinal, 10);
    const int64_t *got = ledger_peek(t, ledger_key(1, 2026));
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    ASSERT_I64(*got, 8);
    /* ids beyond the masters (none here): added, found, numbered after the masters' 0 */
    ASSERT_I64(ledger_ids_find(&l.providers, "PX", 2), -1);
    ASSERT_I64(ledger_ids_add(&l.providers, "PX", 2), 0);
    ASSERT_I64(ledger_ids_find(&l.providers, "PX", 2), 0);
    ledger_free(&l);
}

/* ---- what ledger_init makes ---- */

/* Each table's entry: the 8-byte key, then the record padded to 8 bytes (ledger.h), in
 * LEDGER_TABLES order: paid-period bits (uint64, 8), provider week (int32, int32, uint8:
 * 12), recipient week (int32: 4), provider month (int64, int64, uint8: 24), recipient
 * month (2 x int64: 16), BUPS year (int64: 8), provider year (2 x int64: 16), provider
 * quarter (16), recovered (int64: 8), violations (int32: 4), provider period (3 x int64:
 * 24), provider W-2 sums (8 x int64, int32: 68). */
static void test_strides(void)
{
    static const size_t want[LEDGER_TABLES] = {16, 24, 16, 32, 24, 16, 24, 24, 16, 16, 32, 80};
    ids_table none;
    memset(&none, 0, sizeof none);
    ledger l;
    CU_ASSERT_EQUAL_FATAL(ledger_init(&l, &none, &none, &none), 0);
    for (int k = 0; k < LEDGER_TABLES; k++) {
        ASSERT_I64(ledger_table_stride(k), want[k]);
        ASSERT_I64(ledger_table_at(&l, k)->stride, want[k]);
        ASSERT_I64(ledger_table_at(&l, k)->no, k);
    }
    ledger_free(&l);
}

/* Over 3 providers and 3 recipients ledger_init reserves 4 workweeks, 2 months, a year and
 * a quarter a provider and 4 workweeks and 2 months a recipient; over none it allocates
 * no rows at all. */
static void test_init_reserves(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 3, 3);
    ASSERT_I64(l.provider_week.cap, 12);
    ASSERT_I64(l.recipient_week.cap, 12);
    ASSERT_I64(l.provider_month.cap, 6);
    ASSERT_I64(l.recipient_month.cap, 6);
    ASSERT_I64(l.provider_year.cap, 3);
    ASSERT_I64(l.provider_quarter.cap, 3);
    ASSERT_I64(l.bups_year.cap, 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
    make_ledger(&l, &p, &r, &o, 0, 0);
    for (int k = 0; k < LEDGER_TABLES; k++) {
        CU_ASSERT_PTR_NULL(ledger_table_at(&l, k)->rows);
        ASSERT_I64(ledger_table_at(&l, k)->cap, 0);
    }
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* A record is created zeroed, whatever the records before it held. */
static void test_new_record_zeroed(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    static const unsigned char zero[32];
    ledger_provider_month *a = ledger_get(&l.provider_month, ledger_key(0, 100));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    ASSERT_MEM(a, sizeof *a, zero, sizeof *a);
    memset(a, 0xAB, sizeof *a);
    ledger_provider_month *b = ledger_get(&l.provider_month, ledger_key(1, 100));
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ASSERT_MEM(b, sizeof *b, zero, sizeof *b);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* min_key and max_key: the smallest and largest key of any record, whichever order the
 * records came in. */
static void test_min_max_key(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_table *t = &l.recovered;
    CU_ASSERT(t->min_key == UINT64_MAX && t->max_key == 0);     /* no record yet */
    ledger_index(t, ledger_key(5, 9));
    ledger_index(t, ledger_key(1, 3));
    ledger_index(t, ledger_key(7, 0));
    ledger_index(t, ledger_key(2, 2));
    CU_ASSERT(t->min_key == ledger_key(1, 3));
    CU_ASSERT(t->max_key == ledger_key(7, 0));
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* ---- the direct maps and the overflow index ---- */

/* Every record of table t for who 0..people-1 and `when` 0..n-1 is put, then found. */
static int fill(ledger_table *t, int people, int n)
{
    int wrong = 0;
    for (int w = 0; w < people; w++)
        for (int k = 0; k < n; k++) {
            int64_t *v = ledger_get(t, ledger_key(w, k));
            if (!v)
                return -1;
            *v = w * 1000 + k + 1;
        }
    for (int w = 0; w < people; w++)
        for (int k = 0; k < n; k++) {
            const int64_t *v = ledger_peek(t, ledger_key(w, k));
            wrong += !v || *v != w * 1000 + k + 1;
        }
    return wrong;
}

/* Each provider has 16 workweek, 4 month, 2 year, 4 quarter and 4 paid-period slots, each
 * recipient 16 workweek, 4 month and 2 fiscal-year slots, picked by the low bits of `when`
 * and side by side without overlap: 3 people's records with `when` 0..ways-1 in every
 * table all sit in their direct slots (nothing in the overflow index). One more `when`
 * for a table (ways, the slot of 0) pushes the record of 0 out to the overflow index; a
 * person past the masters (3) goes there too. */
static void test_direct_ways(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 3, 3);
    ledger_table *tables[] = {&l.provider_week, &l.provider_month, &l.provider_year, &l.provider_quarter,
                              &l.paid_period_bits, &l.recipient_week, &l.recipient_month, &l.bups_year};
    static const int ways[] = {16, 4, 2, 4, 4, 16, 4, 2};
    for (int k = 0; k < 8; k++) {
        ASSERT_I64(tables[k]->ways, ways[k]);
        ASSERT_I64(fill(tables[k], 3, ways[k]), 0);
    }
    for (int k = 0; k < 8; k++)
        ASSERT_I64(tables[k]->nover, 0);
    for (int k = 0; k < 8; k++) {
        CU_ASSERT_PTR_NOT_NULL(ledger_get(tables[k], ledger_key(1, ways[k])));
        ASSERT_I64(tables[k]->nover, 1);
        CU_ASSERT_PTR_NOT_NULL(ledger_get(tables[k], ledger_key(3, 0)));
        ASSERT_I64(tables[k]->nover, 2);
        const int64_t *v = ledger_peek(tables[k], ledger_key(1, 0));
        CU_ASSERT(v && *v == 1001);
    }
    /* the tables without direct maps: everything overflows */
    CU_ASSERT_PTR_NOT_NULL(ledger_get(&l.recovered, ledger_key(0, 0)));
    ASSERT_I64(l.recovered.nover, 1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* 16 workweeks of one provider (Sundays 7 days apart: their when & 15 are all different)
 * fit the provider's 16 slots; two providers' do not disturb each other. */
static void test_direct_weeks_two_people(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 0);
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 16; k++)
            CU_ASSERT_PTR_NOT_NULL(ledger_get(&l.provider_week, ledger_key(w, 20000 + 7 * k)));
    ASSERT_I64(l.provider_week.n, 32);
    ASSERT_I64(l.provider_week.nover, 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* Over no masters every record goes to the overflow index: it starts with 1,024 slots
 * and doubles when more than half would be full (512 records fit, the 513th makes 2,048).
 * The rows start at 256 and double when full (512 for 257 records). */
static void test_overflow_growth(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_table *t = &l.violations;
    ASSERT_I64(ledger_index(t, ledger_key(0, 0)), 0);
    ASSERT_I64(t->mask + 1, 1024);
    ASSERT_I64(t->cap, 256);
    for (int i = 1; i < 256; i++)
        ledger_index(t, ledger_key(i, 0));
    ASSERT_I64(t->cap, 256);
    ledger_index(t, ledger_key(256, 0));
    ASSERT_I64(t->cap, 512);
    for (int i = 257; i < 512; i++)
        ledger_index(t, ledger_key(i, 0));
    ASSERT_I64(t->nover, 512);
    ASSERT_I64(t->mask + 1, 1024);
    ASSERT_I64(ledger_index(t, ledger_key(512, 0)), 512);
    ASSERT_I64(t->mask + 1, 2048);
    int wrong = 0;
    for (int i = 0; i <= 512; i++)
        wrong += ledger_index(t, ledger_key(i, 0)) != i;
    ASSERT_I64(wrong, 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* A table at INT32_MAX records refuses another (its index would not fit an int32) as out
 * of memory, before it writes anything: ledger_index -1, ledger_get NULL, ledger_put_earlier
 * -1, ledger_mark_period_paid -1, and the next ordinal stays. (n and cap are set by hand:
 * the check comes before any row is written.) */
static void test_record_limit(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_table *tables[] = {&l.provider_year, &l.paid_period_bits};
    for (int k = 0; k < 2; k++) {
        tables[k]->n = INT32_MAX;
        tables[k]->cap = (size_t)INT32_MAX + 1;
    }
    ledger_table *t = &l.provider_year;
    ledger_provider_year rec = {1, 2};
    ASSERT_I64(ledger_index(t, ledger_key(1, 2026)), -1);
    CU_ASSERT_PTR_NULL(ledger_get(t, ledger_key(1, 2026)));
    ASSERT_I64(ledger_put_earlier(t, ledger_key(1, 2026), &rec, LEDGER_APPEND), -1);
    ASSERT_I64(ledger_put_earlier(t, ledger_key(1, 2026), &rec, 5), -1);
    ASSERT_I64(t->next_ordinal, 0);
    uint64_t key;
    ASSERT_I64(ledger_period_key(1, 1, cal_from_ymd(2026, 11, 1), &key), 0);
    ASSERT_I64(ledger_mark_period_paid(&l, key), -1);
    for (int k = 0; k < 2; k++) {
        ASSERT_I64(tables[k]->nover, 0);
        tables[k]->n = 0;
        tables[k]->cap = 0;
    }
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* ---- touched records and ordinals ---- */

/* Records put as earlier nights left them are not touched; those ledger_index or ledger_get
 * creates or reaches are, one bit each; ordinals count in creation order. 3 earlier records
 * (ordinals 0-2), then 70 new ones (3-72, across two 64-bit words), then earlier record 1
 * reached again. */
static void test_touched_ordinals(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_table *t = &l.violations;
    int32_t v = 1;
    for (int i = 0; i < 3; i++)
        ASSERT_I64(ledger_put_earlier(t, ledger_key(i, 0), &v, LEDGER_APPEND), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_I64(ledger_touched(t, (size_t)i), 0);
    ledger_begin_night(&l);
    for (int i = 3; i < 73; i++)
        ASSERT_I64(ledger_index(t, ledger_key(i, 0)), i);
    CU_ASSERT_PTR_NOT_NULL(ledger_get(t, ledger_key(1, 0)));
    int wrong = 0;
    char msg[96] = "";
    for (int i = 0; i < 73; i++)
        if ((ledger_touched(t, (size_t)i) != (i >= 3 || i == 1) || t->ordinal[i] != (uint32_t)i) && !wrong++)
            snprintf(msg, sizeof msg, "record %d: touched %d, ordinal %u", i, ledger_touched(t, (size_t)i),
                     t->ordinal[i]);
    ASSERT_MSG(wrong == 0, msg);
    ASSERT_I64(t->touched[1] >> 9, 0);      /* no bit past record 72 (word 1, bit 8) */
    ASSERT_I64(t->next_ordinal, 73);
    ledger_begin_night(&l);
    for (int i = 0; i < 73; i++)
        wrong += ledger_touched(t, (size_t)i);
    ASSERT_I64(wrong, 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* A record reached again is touched, its own bit only: 130 earlier records (none touched),
 * then records 1, 64, 65, 127 and 129 reached by ledger_index or ledger_get. */
static void test_touched_when_reached(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_table *t = &l.violations;
    int32_t v = 1;
    for (int i = 0; i < 130; i++)
        ASSERT_I64(ledger_put_earlier(t, ledger_key(i, 0), &v, LEDGER_APPEND), 0);
    ledger_begin_night(&l);
    static const int reach[] = {1, 64, 65, 127, 129};
    for (int k = 0; k < 5; k++)
        ASSERT_I64(k % 2 ? (int32_t)(((char *)ledger_get(t, ledger_key(reach[k], 0)) - t->rows - 8) / (ptrdiff_t)t->stride)
                         : ledger_index(t, ledger_key(reach[k], 0)),
                   reach[k]);
    int wrong = 0;
    for (int i = 0; i < 130; i++)
        wrong += ledger_touched(t, (size_t)i) != (i == 1 || i == 64 || i == 65 || i == 127 || i == 129);
    ASSERT_I64(wrong, 0);
    ASSERT_I64(t->touched[0], (uint64_t)1 << 1);
    ASSERT_I64(t->touched[1], (uint64_t)1 << 0 | (uint64_t)1 << 1 | (uint64_t)1 << 63);
    ASSERT_I64(t->touched[2], (uint64_t)1 << 1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* Growing keeps the touched bits: over 65 providers the provider year table has room for
 * 65 records (two words of bits); 65 records touched, a 66th makes 130 rooms, and the bits
 * of records 0-64 are all still set, none past them. */
static void test_touched_kept_growing(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 65, 0);
    ledger_table *t = &l.provider_year;
    ASSERT_I64(t->cap, 65);
    for (int i = 0; i < 66; i++)
        ASSERT_I64(ledger_index(t, ledger_key(i, 2026)), i);
    ASSERT_I64(t->cap, 130);
    int wrong = 0;
    for (int i = 0; i < 66; i++)
        wrong += !ledger_touched(t, (size_t)i);
    ASSERT_I64(wrong, 0);
    ASSERT_I64(t->touched[1], 3);       /* records 64 and 65 */
    ledger_begin_night(&l);
    ASSERT_I64(t->touched[0] | t->touched[1] | t->touched[2], 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* The arrays ledger_init reserves are sized to the record counts: the rows cap x stride
 * bytes, the ordinals 4 bytes a record, the touched bits (cap + 63) / 64 words; mem_usable
 * (engine/mem.h) says a block at least that big and at most 8 bytes more (8 at the least),
 * or from 128 KiB (mapped, by glibc's malloc or as mem.c's own) at most a page more (2 MiB
 * from 2 MiB: whole huge pages). Over
 * 48 providers (192 workweeks: exactly 3 words of bits) and over 8,257 (8,257 years and
 * quarters: 130 words, the last for one record). No touched bit is set yet, every word of
 * them zeroed (glibc's M_PERTURB fills fresh heap memory with a nonzero byte, so that a
 * word left unzeroed shows). */
static int arrays_wrong(const ledger *lc)
{
    ledger *l = (ledger *)(uintptr_t)lc;
    int wrong = 0;
    for (int k = 0; k < LEDGER_TABLES; k++) {
        const ledger_table *t = ledger_table_at(l, k);
        if (!t->cap)
            continue;
        size_t want[3] = {t->cap * t->stride, t->cap * 4, (t->cap + 63) / 64 * 8};
        for (size_t w = 0; w < (t->cap + 63) / 64; w++)
            wrong += t->touched[w] != 0;        /* no record is touched yet */
        const void *got[3] = {t->rows, t->ordinal, t->touched};
        for (int a = 0; a < 3; a++) {
            size_t u = mem_usable(got[a]);
            size_t slack = want[a] < ((size_t)128 << 10) ? 8 : want[a] < ((size_t)2 << 20) - 16 ? 4096 : (size_t)2 << 20;
            /* mapped (by malloc or mem.c): whole pages; from 2 MiB whole huge pages */
            wrong += u < want[a] || u > (want[a] + slack < 8 ? 8 : want[a] + slack);
        }
    }
    return wrong;
}

static void test_init_array_sizes(void)
{
    static const int people[] = {48, 8257};
    mallopt(M_PERTURB, 0xA5);
    for (int c = 0; c < 2; c++) {
        ledger l;
        ids_table p, r, o;
        make_ledger(&l, &p, &r, &o, people[c], people[c]);
        ASSERT_I64(arrays_wrong(&l), 0);
        ledger_free(&l);
        ids_free(&p);
        ids_free(&r);
        ids_free(&o);
    }
    mallopt(M_PERTURB, 0);
}

/* ledger_begin_night clears the touched bit of every record of every table, the last word
 * too, and nothing past it: over 65 providers the provider year table holds 65 records (two
 * words of bits), over 48 its workweek table 192, exactly its room (three words, exactly: a
 * fourth word cleared would be written over the next block's header, which glibc's free
 * then refuses). */
static void test_begin_night_clears(void)
{
    static const int people[] = {65, 48};
    for (int c = 0; c < 2; c++) {
        ledger l;
        ids_table p, r, o;
        make_ledger(&l, &p, &r, &o, people[c], 1);
        for (int k = 0; k < LEDGER_TABLES; k++) {
            ledger_table *t = ledger_table_at(&l, k);
            for (int i = 0; i < people[c]; i++)
                ledger_index(t, ledger_key(i, 7));
        }
        for (int i = 0; i < 192 - people[c]; i++)     /* 192 workweeks in all: over 48, exactly its room */
            ledger_index(&l.provider_week, ledger_key(i % people[c], 100 + i / people[c]));
        ledger_begin_night(&l);
        int wrong = 0;
        for (int k = 0; k < LEDGER_TABLES; k++) {
            ledger_table *t = ledger_table_at(&l, k);
            for (size_t i = 0; i < t->n; i++)
                wrong += ledger_touched(t, i);
        }
        ASSERT_I64(wrong, 0);
        ASSERT_I64(l.npaid_log, 0);
        ASSERT_I64(l.logging, 1);
        ledger_free(&l);
        ids_free(&p);
        ids_free(&r);
        ids_free(&o);
    }
}

/* ---- a source of earlier records ---- */

typedef struct {
    int fetches, fail, paid_answer, paid_calls, releases;
    int log_table[64];
    int32_t log_who[64];
} fake_source;

/* Puts one provider-year record for who (FICA wages who * 100) into t, when t is that table. */
static int fake_fetch(void *ctx, ledger_table *t, int32_t who)
{
    fake_source *f = ctx;
    if (f->fetches < 64) {
        f->log_table[f->fetches] = t->no;
        f->log_who[f->fetches] = who;
    }
    f->fetches++;
    if (f->fail)
        return -1;
    if (t->no == 6) {
        ledger_provider_year rec = {who * 100, 0};
        return ledger_put_earlier(t, ledger_key(who, 2026), &rec, LEDGER_APPEND);
    }
    return 0;
}

static int fake_paid(void *ctx, uint64_t code)
{
    fake_source *f = ctx;
    (void)code;
    f->paid_calls++;
    return f->paid_answer;
}

static void fake_release(void *ctx) { ((fake_source *)ctx)->releases++; }

static void attach_fake(ledger *l, fake_source *f)
{
    memset(f, 0, sizeof *f);
    ledger_source src = {.ctx = f, .fetch = fake_fetch, .paid = fake_paid, .release = fake_release};
    ledger_attach_source(l, &src);
}

/* A who's earlier records are fetched the first time one of its keys is wanted (peek, index,
 * get), once a table: whos 0, 1, 5, 8, 63, 95, 64, 70, 130 and 200 each once, whatever is
 * asked after. The bits for whos grow, when a who is past them, to twice the who + 1
 * rounded up to 64. */
static void test_source_fetch_once(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    fake_source f;
    attach_fake(&l, &f);
    for (int k = 0; k < LEDGER_TABLES; k++)
        CU_ASSERT(ledger_table_at(&l, k)->source == &l.source);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ledger_table *t = &l.provider_year;
    ASSERT_I64(ledger_who_fetched(t, 0), 0);
    const ledger_provider_year *y = ledger_peek(t, ledger_key(0, 2026));
    CU_ASSERT(y && y->fica_wages == 0);
    ASSERT_I64(f.fetches, 1);
    ASSERT_I64(f.log_table[0], 6);
    ASSERT_I64(f.log_who[0], 0);
    ASSERT_I64(t->fetched_bits, 64);     /* (0 + 1) x 2 rounded up to 64 */
    ASSERT_I64(ledger_who_fetched(t, 0), 1);
    ASSERT_I64(ledger_who_fetched(t, 1), 0);
    ASSERT_I64(ledger_who_fetched(&l.provider_week, 0), 0);    /* a table at a time */
    static const int32_t whos[] = {1, 5, 8, 63, 95, 64, 70, 130, 200};
    for (int i = 0; i < 9; i++) {
        int32_t w = whos[i];
        ASSERT_I64(ledger_who_fetched(t, w), 0);
        y = ledger_peek(t, ledger_key(w, 2026));
        CU_ASSERT(y && y->fica_wages == w * 100);
        ASSERT_I64(f.fetches, 2 + i);
        ASSERT_I64(f.log_who[1 + i], w);
        ASSERT_I64(ledger_who_fetched(t, w), 1);
        ASSERT_I64(ledger_who_fetched(t, w + 1), 0);   /* w + 1 is asked later, if at all */
        if (w == 95)
            ASSERT_I64(t->fetched_bits, 192);    /* 95 is past 64 bits: (95 + 1) x 2 = 192 exactly */
        if (w == 130)
            ASSERT_I64(t->fetched_bits, 192);    /* 64, 70 and 130 are below 192: no growth */
    }
    ASSERT_I64(t->fetched_bits, 448);    /* 200: (200 + 1) x 2 = 402, rounded up to 448 */
    /* asked again in any way: no fetch */
    for (int i = 0; i < 9; i++) {
        int32_t w = whos[i];
        CU_ASSERT_PTR_NOT_NULL(ledger_peek(t, ledger_key(w, 2026)));
        CU_ASSERT_PTR_NULL(ledger_peek(t, ledger_key(w, 2025)));
        CU_ASSERT_PTR_NOT_NULL(ledger_get(t, ledger_key(w, 2027)));
    }
    CU_ASSERT_PTR_NOT_NULL(ledger_peek(t, ledger_key(0, 2026)));
    ASSERT_I64(f.fetches, 10);
    /* ledger_index fetches first too: the new record comes after the fetched one */
    size_t n = t->n;
    ASSERT_I64(ledger_index(&l.provider_year, ledger_key(9, 2027)), n + 1);
    ASSERT_I64(t->n, n + 2);
    ASSERT_I64(f.fetches, 11);
    CU_ASSERT_PTR_NOT_NULL(ledger_peek(t, ledger_key(9, 2026)));
    /* another table: its own fetches (paid periods included) */
    uint64_t key;
    ASSERT_I64(ledger_period_key(1, 1, cal_from_ymd(2026, 11, 1), &key), 0);
    ASSERT_I64(ledger_period_paid(&l, key), 0);
    ASSERT_I64(f.fetches, 12);
    ASSERT_I64(f.log_table[11], 0);
    ASSERT_I64(f.log_who[11], 1);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ledger_free(&l);
    ASSERT_I64(f.releases, 1);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* The bits for whos, past 4,000: who 2,120 first makes (2,121 x 2 = 4,242, up to 4,288)
 * 4,288 bits, 67 words, all of them zeroed and all inside the array; who 5,000 then grows
 * them to (5,001 x 2 = 10,002, up to 10,048) 10,048 bits, 157 words, the 90 new ones zeroed:
 * no who but those two is fetched. The array is 8 bytes a word (glibc's malloc rounds a
 * block up to 16 bytes and keeps a remainder under 32 bytes whole: under 40 more). glibc's M_PERTURB fills fresh heap memory with a nonzero byte,
 * so that a word left unzeroed shows. */
static void test_source_fetched_array(void)
{
    mallopt(M_PERTURB, 0xA5);
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    fake_source f;
    attach_fake(&l, &f);
    ledger_table *t = &l.provider_year;
    CU_ASSERT_PTR_NOT_NULL(ledger_peek(t, ledger_key(2120, 2026)));
    ASSERT_I64(t->fetched_bits, 4288);
    CU_ASSERT(mem_usable(t->fetched) >= 4288 / 8 && mem_usable(t->fetched) < 4288 / 8 + 40);
    void *noise = malloc(4096);     /* the array cannot grow where it is */
    memset(noise, 0xFF, 4096);
    CU_ASSERT_PTR_NOT_NULL(ledger_peek(t, ledger_key(5000, 2026)));
    free(noise);
    ASSERT_I64(t->fetched_bits, 10048);
    CU_ASSERT(mem_usable(t->fetched) >= 10048 / 8 && mem_usable(t->fetched) < 10048 / 8 + 40);
    int wrong = 0;
    for (int32_t w = 0; w < 10048; w++)
        wrong += ledger_who_fetched(t, w) != (w == 2120 || w == 5000);
    ASSERT_I64(wrong, 0);
    ASSERT_I64(f.fetches, 2);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
    mallopt(M_PERTURB, 0);
}

/* The bits for who 2,147,483,647 would take 2^32 bits, 512 MiB: with the address space
 * limited to 256 MiB more than the process has, the allocation fails, and the lookup
 * reports out of memory (ledger_index -1) without asking the source or creating a record;
 * it is not a failure of the source. (Skipped under ASan, whose shadow memory needs the
 * address space.) */
static void test_source_fetch_no_memory(void)
{
#ifndef UNDER_ASAN
    struct rlimit old;
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    fake_source f;
    attach_fake(&l, &f);
    ledger_table *t = &l.provider_year;
    CU_ASSERT_FATAL(tu_limit_address_space((size_t)256 << 20, &old) == 0);
    int32_t got = ledger_index(t, ledger_key(INT32_MAX, 2026));
    setrlimit(RLIMIT_AS, &old);
    ASSERT_I64(got, -1);
    ASSERT_I64(t->n, 0);
    ASSERT_I64(f.fetches, 0);
    ASSERT_I64(t->fetched_bits, 0);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
#endif
}

/* Without a source every who's records are in memory. */
static void test_no_source_all_fetched(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    ASSERT_I64(ledger_who_fetched(&l.provider_year, 0), 1);
    ASSERT_I64(ledger_who_fetched(&l.provider_year, 3), 1);
    fake_source f;
    attach_fake(&l, &f);
    ledger_detach_source(&l);
    ASSERT_I64(f.releases, 1);
    for (int k = 0; k < LEDGER_TABLES; k++) {
        ledger_table *t = ledger_table_at(&l, k);
        CU_ASSERT_PTR_NULL(t->source);
        CU_ASSERT_PTR_NULL(t->fetched);
        ASSERT_I64(t->fetched_bits, 0);
        ASSERT_I64(ledger_who_fetched(t, 5), 1);
        CU_ASSERT_PTR_NOT_NULL(ledger_get(t, ledger_key(5, 1)));
    }
    uint64_t key;
    ASSERT_I64(ledger_period_key(1, 1, cal_from_ymd(2026, 11, 1), &key), 0);
    ASSERT_I64(ledger_mark_period_paid(&l, key), 0);
    ASSERT_I64(ledger_period_paid(&l, key), 1);
    ASSERT_I64(f.fetches, 0);
    ledger_paid_id id = ledger_paid_id_of("T1", 2);
    ASSERT_I64(ledger_timesheet_paid(&l, &id), 0);
    ASSERT_I64(f.paid_calls, 0);
    ledger_free(&l);
    ASSERT_I64(f.releases, 1);      /* detached: not released again */
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* A key whose who is negative (its high 32 bits all ones: who -1) has no earlier records:
 * it counts as fetched, and the source is not asked for it. */
static void test_source_negative_who(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    fake_source f;
    attach_fake(&l, &f);
    ASSERT_I64(ledger_who_fetched(&l.recovered, -1), 1);
    ASSERT_I64(ledger_who_fetched(&l.recovered, INT32_MIN), 1);
    CU_ASSERT_PTR_NULL(ledger_peek(&l.recovered, ledger_key(-1, 5)));
    CU_ASSERT_PTR_NOT_NULL(ledger_get(&l.recovered, ledger_key(-1, 5)));
    ASSERT_I64(f.fetches, 0);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* A fetch that fails: the lookup reports out of memory (peek NULL, index -1, get NULL),
 * creates nothing, and the ledger says the source failed; a source attached after starts
 * clean. */
static void test_source_failure(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 2, 2);
    fake_source f;
    attach_fake(&l, &f);
    f.fail = 1;
    ledger_table *t = &l.provider_year;
    CU_ASSERT_PTR_NULL(ledger_peek(t, ledger_key(0, 2026)));
    CU_ASSERT(ledger_source_failed(&l));
    ASSERT_I64(ledger_index(&l.provider_month, ledger_key(0, 2026)), -1);
    CU_ASSERT_PTR_NULL(ledger_get(&l.provider_quarter, ledger_key(1, 2026)));
    ASSERT_I64(t->n + l.provider_month.n + l.provider_quarter.n, 0);
    fake_source g;
    attach_fake(&l, &g);
    ASSERT_I64(f.releases, 1);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* The paid check of a packed timesheet id asks the source only when the id is not paid in
 * memory: 1 paid, 0 not, -1 failed (not paid, and the ledger says the source failed). */
static void test_source_paid(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    fake_source f;
    attach_fake(&l, &f);
    ledger_paid_id id = ledger_paid_id_of("T1", 2);
    f.paid_answer = 1;
    ASSERT_I64(ledger_timesheet_paid(&l, &id), 1);
    f.paid_answer = 0;
    ASSERT_I64(ledger_timesheet_paid(&l, &id), 0);
    ASSERT_I64(f.paid_calls, 2);
    ASSERT_I64(ledger_source_failed(&l), 0);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &id), 0);
    ASSERT_I64(ledger_timesheet_paid(&l, &id), 1);
    ASSERT_I64(f.paid_calls, 2);
    ledger_paid_id other = ledger_paid_id_of("T2", 2);
    f.paid_answer = -1;
    ASSERT_I64(ledger_timesheet_paid(&l, &other), 0);
    CU_ASSERT(ledger_source_failed(&l));
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* ---- paid timesheet ids ---- */

/* Ids that pack are kept by code, others by text; each is paid once marked, marking again
 * changes nothing; a night logs the packed ones it marks and counts the others from a mark. */
static void test_paid_ids(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    uint64_t code;
    ASSERT_I64(ids_pack("T1", 2, &code), 0);
    ledger_paid_id a = ledger_paid_id_of("T1", 2), b = ledger_paid_id_of("t1", 2), c = ledger_paid_id_of("t2", 2);
    ASSERT_I64(a.packed, 1);
    CU_ASSERT(a.code == code);
    ASSERT_I64(b.packed, 0);
    ASSERT_I64(ledger_timesheet_paid(&l, &a), 0);
    ASSERT_I64(ledger_timesheet_paid(&l, &b), 0);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &b), 0);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &b), 0);
    ASSERT_I64(ledger_timesheet_paid(&l, &b), 1);
    ASSERT_I64(ledger_timesheet_paid(&l, &c), 0);
    ASSERT_I64(l.paid_other.n, 1);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &a), 0);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &a), 0);
    ASSERT_I64(ledger_timesheet_paid(&l, &a), 1);
    ASSERT_I64(l.paid_ids.n, 1);
    ASSERT_I64(ledger_paid_count(&l), 2);
    ASSERT_I64(l.npaid_log, 0);         /* not logging before the night */
    ledger_begin_night(&l);
    ASSERT_I64(l.paid_other_mark, 1);
    ledger_paid_id d = ledger_paid_id_of("T3", 2);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &d), 0);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &c), 0);
    ASSERT_I64(l.npaid_log, 1);
    CU_ASSERT(l.paid_log[0] == d.code);
    ASSERT_I64(l.paid_log_cap, 1024);
    ASSERT_I64(l.paid_other.n, 2);
    ASSERT_I64(l.paid_other_mark, 1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

/* Out of memory while marking a timesheet id paid is -1: for an id that does not pack
 * (its text pool made to look 2^46 bytes full, so that growing it fails) and for the
 * night's log of packed ones (made to look full at 2^44 codes: doubling it would take
 * 2^48 bytes). Put back after. */
static void test_mark_paid_no_memory(void)
{
#ifndef UNDER_ASAN
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_paid_id a = ledger_paid_id_of("t1", 2), b = ledger_paid_id_of("t2", 2);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &a), 0);
    ids_pool *pool = &l.paid_other.pool;
    size_t len = pool->len, cap = pool->cap;
    pool->len = pool->cap = (size_t)1 << 46;
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &b), -1);
    pool->len = len;
    pool->cap = cap;
    ASSERT_I64(l.paid_other.n, 1);
    ledger_begin_night(&l);
    ledger_paid_id c = ledger_paid_id_of("T1", 2), d = ledger_paid_id_of("T2", 2);
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &c), 0);
    size_t n = l.npaid_log, lcap = l.paid_log_cap;
    l.npaid_log = l.paid_log_cap = (size_t)1 << 44;
    ASSERT_I64(ledger_mark_timesheet_paid(&l, &d), -1);
    l.npaid_log = n;
    l.paid_log_cap = lcap;
    ASSERT_I64(l.npaid_log, 1);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
#endif
}

/* The night's log of paid codes starts with room for 1,024 and doubles: 2,048 for 1,025. */
static void test_paid_log_growth(void)
{
    ledger l;
    ids_table p, r, o;
    make_ledger(&l, &p, &r, &o, 0, 0);
    ledger_begin_night(&l);
    char id[16];
    for (int i = 0; i < 1025; i++) {
        ledger_paid_id x = ledger_paid_id_of(id, (size_t)snprintf(id, sizeof id, "T%d", i));
        ASSERT_I64(ledger_mark_timesheet_paid(&l, &x), 0);
        if (i == 1023)
            ASSERT_I64(l.paid_log_cap, 1024);
    }
    ASSERT_I64(l.paid_log_cap, 2048);
    ASSERT_I64(l.npaid_log, 1025);
    uint64_t code;
    ASSERT_I64(ids_pack("T1024", 5, &code), 0);
    CU_ASSERT(l.paid_log[1024] == code);
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
}

int test_ledger_register(void)
{
    static const tu_test tests[] = {
        {"paid-period key: the largest provider, recipient and period, and one past each", test_period_key_limits},
        {"records put as earlier nights left them, ordinals", test_put_earlier},
        {"counter tables against a reference (direct slots, evictions, overflow)", test_tables_against_reference},
        {"ledger over empty masters", test_empty_masters},
        {"ids after the masters' ids", test_ids_after_masters},
        {"an id added without memory is -1", test_ids_add_no_memory},
        {"paid periods against a reference", test_paid_periods_against_reference},
        {"strides: the key and the record padded to 8", test_strides},
        {"init reserves rows from the masters' counts, none over none", test_init_reserves},
        {"a new record is zeroed", test_new_record_zeroed},
        {"smallest and largest key", test_min_max_key},
        {"direct maps: the ways of each table, side by side", test_direct_ways},
        {"direct maps: two providers' 16 workweeks", test_direct_weeks_two_people},
        {"overflow index: 1,024 slots, doubles past half; rows 256, doubling", test_overflow_growth},
        {"a table at INT32_MAX records refuses another", test_record_limit},
        {"touched bits and ordinals", test_touched_ordinals},
        {"touched when reached again, its own bit", test_touched_when_reached},
        {"touched bits kept when the table grows", test_touched_kept_growing},
        {"the reserved arrays sized to the records", test_init_array_sizes},
        {"begin_night clears every touched bit", test_begin_night_clears},
        {"source: each who fetched once a table", test_source_fetch_once},
        {"no source: everything in memory; detach releases once", test_no_source_all_fetched},
        {"source: a failed fetch is out of memory and failed", test_source_failure},
        {"source: a negative who has nothing to fetch", test_source_negative_who},
        {"source: the bits for whos past 4,000, zeroed, sized", test_source_fetched_array},
        {"source: no memory for the bits for whos is out of memory", test_source_fetch_no_memory},
        {"source: the paid check", test_source_paid},
        {"paid timesheet ids, packed and not, and the night's log", test_paid_ids},
        {"the paid log: 1,024, doubling", test_paid_log_growth},
        {"marking paid without memory is -1", test_mark_paid_no_memory},
    };
    return tu_register("ledger", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
