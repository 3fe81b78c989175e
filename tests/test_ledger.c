/* test_ledger.c — the ledger's counter tables (direct maps with an overflow index) against a plain reference. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
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
    ledger_free(&l);
    ids_free(&p);
    ids_free(&r);
    ids_free(&o);
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

int test_ledger_register(void)
{
    static const tu_test tests[] = {
        {"paid-period key: the largest provider, recipient and period, and one past each", test_period_key_limits},
        {"records put as earlier nights left them, ordinals", test_put_earlier},
        {"counter tables against a reference (direct slots, evictions, overflow)", test_tables_against_reference},
        {"ledger over empty masters", test_empty_masters},
        {"ids after the masters' ids", test_ids_after_masters},
        {"paid periods against a reference", test_paid_periods_against_reference},
    };
    return tu_register("ledger", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
