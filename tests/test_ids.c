/* test_ids.c — packed ids (exact and reversible) and the uint64 key set. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "test_util.h"

/* ---- the text pool ---- */

/* Strings go one after another, each followed by its NUL: "AB" at 0 (3 bytes), "C" at 3
 * (2 bytes), "DEF" at 5 (4 bytes), 9 bytes used. The first buffer is 4,096 bytes. */
static void test_pool_offsets(void)
{
    ids_pool p = {0};
    ASSERT_I64(ids_pool_add(&p, "AB", 2), 0);
    ASSERT_I64(ids_pool_add(&p, "C", 1), 3);
    ASSERT_I64(ids_pool_add(&p, "DEFG", 3), 5);     /* only n = 3 bytes are taken */
    ASSERT_I64(p.len, 9);
    ASSERT_I64(p.cap, 4096);
    ASSERT_STR(ids_pool_str(&p, 0), "AB");
    ASSERT_STR(ids_pool_str(&p, 3), "C");
    ASSERT_STR(ids_pool_str(&p, 5), "DEF");
    ids_pool_free(&p);
}

/* The pool fills its buffer to the last byte before it grows, and grows by doubling until
 * the string and its NUL fit. */
static void test_pool_growth(void)
{
    static char big[8192];
    memset(big, 'x', sizeof big);
    ids_pool p = {0};
    ASSERT_I64(ids_pool_add(&p, "AB", 2), 0);
    ASSERT_I64(ids_pool_add(&p, "C", 1), 3);
    ASSERT_I64(ids_pool_add(&p, "DEF", 3), 5);
    /* 9 used + 4,086 + its NUL = 4,096: exactly the first buffer, no growth */
    ASSERT_I64(ids_pool_add(&p, big, 4086), 9);
    ASSERT_I64(p.len, 4096);
    ASSERT_I64(p.cap, 4096);
    /* 4,096 + 4,095 + 1 = 8,192: one doubling is exactly enough */
    ASSERT_I64(ids_pool_add(&p, big, 4095), 4096);
    ASSERT_I64(p.len, 8192);
    ASSERT_I64(p.cap, 8192);
    ASSERT_I64(strlen(ids_pool_str(&p, 4096)), 4095);
    ids_pool_free(&p);

    /* 9 used + 4,087 = 4,096: the string fits but not its NUL, so the buffer doubles */
    ASSERT_I64(ids_pool_add(&p, "AB", 2), 0);
    ASSERT_I64(ids_pool_add(&p, "C", 1), 3);
    ASSERT_I64(ids_pool_add(&p, "DEF", 3), 5);
    ASSERT_I64(ids_pool_add(&p, big, 4087), 9);
    ASSERT_I64(p.len, 4097);
    ASSERT_I64(p.cap, 8192);
    ASSERT_I64(strlen(ids_pool_str(&p, 9)), 4087);
    ids_pool_free(&p);
}

/* A pool that cannot get the memory for a string reports (size_t)-1 and is unchanged. A
 * string of 2^60 bytes cannot be allocated (the buffer would be 2^61 bytes); the pool
 * fails before it reads a byte of it. */
static void test_pool_no_memory(void)
{
#ifndef UNDER_ASAN
    ids_pool p = {0};
    ASSERT_I64(ids_pool_add(&p, "AB", 2), 0);
    CU_ASSERT_EQUAL(ids_pool_add(&p, "x", (size_t)1 << 60), (size_t)-1);
    ASSERT_I64(p.len, 3);
    ASSERT_I64(p.cap, 4096);
    ASSERT_STR(ids_pool_str(&p, 0), "AB");
    ids_pool_free(&p);
#endif
}

/* Freed, a pool is empty (all zero) and can be used again from offset 0. */
static void test_pool_free_resets(void)
{
    ids_pool p = {0};
    ids_pool_add(&p, "AB", 2);
    ids_pool_free(&p);
    CU_ASSERT_PTR_NULL(p.buf);
    ASSERT_I64(p.len, 0);
    ASSERT_I64(p.cap, 0);
    ASSERT_I64(ids_pool_add(&p, "Q", 1), 0);
    ASSERT_STR(ids_pool_str(&p, 0), "Q");
    ids_pool_free(&p);
}

/* ids_hash is 32-bit FNV-1a: the published test vectors of FNV-1a 32 (offset basis
 * 2166136261 = 0x811c9dc5, prime 16777619) for "", "a" and "foobar". The slot hashes
 * are written into the masters snapshot. */
static void test_hash_fnv1a(void)
{
    ASSERT_I64(ids_hash("", 0), 0x811c9dc5u);
    ASSERT_I64(ids_hash("a", 1), 0xe40c292cu);
    ASSERT_I64(ids_hash("foobar", 6), 0xbf9cf968u);
    ASSERT_I64(ids_hash("foobarX", 6), 0xbf9cf968u);    /* only n bytes are hashed */
}

/* ---- the id table ---- */

/* The slot holding index i of t, or NULL. */
static const ids_slot *slot_of(const ids_table *t, int32_t i)
{
    for (uint32_t k = 0; t->slot && k <= t->mask; k++)
        if (t->slot[k].idx == i)
            return &t->slot[k];
    return NULL;
}

/* An empty table finds nothing (-1); ids get indexes 0, 1, ... in the order they are
 * first interned, packed ones ("P1") and others ("abc", lower case) alike, and the same
 * index again later (added 0); an absent id is -1, in an empty table as in a full one. */
static void test_table_intern_find(void)
{
    ids_table t;
    memset(&t, 0, sizeof t);
    int added = -7;
    ASSERT_I64(ids_find(&t, "P1", 2), -1);
    ASSERT_I64(ids_intern(&t, "P1", 2, &added), 0);
    ASSERT_I64(added, 1);
    ASSERT_I64(ids_intern(&t, "abc", 3, &added), 1);
    ASSERT_I64(added, 1);
    ASSERT_I64(ids_intern(&t, "P1", 2, &added), 0);
    ASSERT_I64(added, 0);
    ASSERT_I64(ids_intern(&t, "abc", 3, &added), 1);
    ASSERT_I64(added, 0);
    ASSERT_I64(ids_intern(&t, "abd", 3, NULL), 2);
    ASSERT_I64(t.n, 3);
    ASSERT_I64(ids_find(&t, "P1", 2), 0);
    ASSERT_I64(ids_find(&t, "abc", 3), 1);
    ASSERT_I64(ids_find(&t, "abd", 3), 2);
    ASSERT_I64(ids_find(&t, "P2", 2), -1);
    ASSERT_I64(ids_find(&t, "zzz", 3), -1);
    ASSERT_I64(ids_find(&t, "ab", 2), -1);
    ASSERT_STR(ids_name(&t, 0), "P1");
    ASSERT_STR(ids_name(&t, 1), "abc");
    ids_free(&t);
}

/* A slot keeps its id's code and hash (ids.h; the masters snapshot writes the slots): a
 * packed id its ids_pack code and, as its hash, the low 32 bits of ids_mix64(code); an id
 * that does not pack UINT64_MAX and its FNV-1a hash. */
static void test_table_slots(void)
{
    ids_table t;
    memset(&t, 0, sizeof t);
    uint64_t code;
    ASSERT_I64(ids_pack("P1", 2, &code), 0);
    ASSERT_I64(ids_intern(&t, "P1", 2, NULL), 0);
    ASSERT_I64(ids_intern(&t, "abc", 3, NULL), 1);
    const ids_slot *a = slot_of(&t, 0), *b = slot_of(&t, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(a->code == code);
    ASSERT_I64(a->hash, (uint32_t)ids_mix64(code));
    CU_ASSERT(b->code == UINT64_MAX);
    ASSERT_I64(b->hash, ids_hash("abc", 3));
    ids_free(&t);
}

/* "rdnpbhhah" and its prefix "rdnpbhha" (neither packs: lower case) have the same FNV-1a
 * hash, 0x758ad304: the table tells them apart by their text, whichever came first. */
static void test_table_hash_collision(void)
{
    ASSERT_I64(ids_hash("rdnpbhhah", 9), 0x758ad304u);
    ASSERT_I64(ids_hash("rdnpbhha", 8), 0x758ad304u);
    ids_table t;
    memset(&t, 0, sizeof t);
    ASSERT_I64(ids_intern(&t, "rdnpbhhah", 9, NULL), 0);
    ASSERT_I64(ids_find(&t, "rdnpbhha", 8), -1);
    ASSERT_I64(ids_intern(&t, "rdnpbhha", 8, NULL), 1);
    ASSERT_I64(ids_find(&t, "rdnpbhhah", 9), 0);
    ASSERT_I64(ids_find(&t, "rdnpbhha", 8), 1);
    ids_free(&t);
    memset(&t, 0, sizeof t);
    ASSERT_I64(ids_intern(&t, "rdnpbhha", 8, NULL), 0);
    ASSERT_I64(ids_find(&t, "rdnpbhhah", 9), -1);
    ASSERT_I64(ids_intern(&t, "rdnpbhhah", 9, NULL), 1);
    ids_free(&t);
}

/* The table starts with 128 slots and doubles at 50% load: 64 ids fit 128 slots, the
 * 65th makes 256. The offsets array starts at 64 and doubles when full: 128 for 65 ids. */
static void test_table_growth(void)
{
    ids_table t;
    memset(&t, 0, sizeof t);
    char id[16];
    ASSERT_I64(ids_intern(&t, "A", 1, NULL), 0);
    ASSERT_I64(t.mask + 1, 128);
    ASSERT_I64(t.cap, 64);
    for (int i = 1; i < 64; i++)
        ids_intern(&t, id, (size_t)snprintf(id, sizeof id, "id%d", i), NULL);
    ASSERT_I64(t.n, 64);
    ASSERT_I64(t.mask + 1, 128);
    ASSERT_I64(t.cap, 64);
    ASSERT_I64(ids_intern(&t, "B", 1, NULL), 64);
    ASSERT_I64(t.mask + 1, 256);
    ASSERT_I64(t.cap, 128);
    ids_free(&t);
}

/* 2,000 ids, half packed ("P<i>"), half not ("p<i>"), through five doublings: each is
 * found at the index it got, with its text, and interning it again adds nothing. */
static void test_table_many(void)
{
    enum { N = 2000 };
    ids_table t;
    memset(&t, 0, sizeof t);
    char id[16];
    for (int i = 0; i < N; i++)
        ASSERT_I64(ids_intern(&t, id, (size_t)snprintf(id, sizeof id, "%c%d", i % 2 ? 'p' : 'P', i), NULL), i);
    ASSERT_I64(t.mask + 1, 4096);   /* 2,000 of 2,048 would pass half: 4,096 */
    int wrong = 0;
    char msg[96] = "";
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)snprintf(id, sizeof id, "%c%d", i % 2 ? 'p' : 'P', i);
        int added = -1;
        if ((ids_find(&t, id, n) != i || ids_intern(&t, id, n, &added) != i || added != 0 ||
             strcmp(ids_name(&t, i), id) != 0) && !wrong++)
            snprintf(msg, sizeof msg, "id %s not found at %d", id, i);
    }
    ASSERT_MSG(wrong == 0, msg);
    ASSERT_I64(t.n, N);
    ids_free(&t);
}

/* Every slot of t is empty (idx -1) or holds one of its n ids, each id in exactly one slot
 * (the masters snapshot writes the slots as they are). Returns the number of wrong slots. */
static int slots_wrong(const ids_table *t)
{
    int wrong = 0;
    char *seen = calloc((size_t)t->n + 1, 1);
    for (uint32_t k = 0; k <= t->mask; k++) {
        int32_t i = t->slot[k].idx;
        if (i == -1)
            continue;
        if (i < 0 || i >= t->n || seen[i]++)
            wrong++;
    }
    for (int32_t i = 0; i < t->n; i++)
        wrong += !seen[i];
    free(seen);
    return wrong;
}

/* The slots stay exact through growth: after the first id (128 slots), at 64 and 65 ids
 * (128, then 256 slots) and at 2,000 (4,096 slots). */
static void test_table_slots_exact(void)
{
    ids_table t;
    memset(&t, 0, sizeof t);
    char id[16];
    for (int i = 0; i < 2000; i++) {
        ids_intern(&t, id, (size_t)snprintf(id, sizeof id, "%c%d", i % 2 ? 'q' : 'Q', i), NULL);
        if (i == 0 || i == 63 || i == 64 || i == 1999)
            ASSERT_I64(slots_wrong(&t), 0);
    }
    ids_free(&t);
}

/* Growing, the table moves each id to its home slot in the doubled table or past it: an
 * id whose home there is taken by one moved before it goes to the next free slot, and
 * never over it. "a" is index 0; an id x (lower case, not packed) with the same low 8 hash
 * bits as "a" sits right after "a" in the 128-slot table and comes after it when the
 * table doubles (the 65th id), with the same home in the 256 slots. */
static void test_table_growth_collision(void)
{
    uint32_t ha = ids_hash("a", 1);
    CU_ASSERT_FATAL((ha & 127) < 120);      /* no wrap-around in the small table */
    char x[16];
    size_t nx = 0;
    for (int k = 0;; k++) {
        nx = (size_t)snprintf(x, sizeof x, "x%d", k);
        if ((ids_hash(x, nx) & 255) == (ha & 255))
            break;
    }
    ids_table t;
    memset(&t, 0, sizeof t);
    ASSERT_I64(ids_intern(&t, "a", 1, NULL), 0);
    ASSERT_I64(ids_intern(&t, x, nx, NULL), 1);
    char id[16];
    for (int i = 2; i < 65; i++)
        ASSERT_I64(ids_intern(&t, id, (size_t)snprintf(id, sizeof id, "ID%d", i), NULL), i);
    ASSERT_I64(t.mask + 1, 256);
    ASSERT_I64(ids_find(&t, "a", 1), 0);
    ASSERT_I64(ids_find(&t, x, nx), 1);
    ASSERT_I64(slots_wrong(&t), 0);
    ids_free(&t);
}

/* A table that cannot get the memory for an id's text reports -1 and is unchanged (its
 * pool is made to look 2^46 bytes full: growing it would take 2^47 bytes, more than any
 * address space; it is put back after). */
static void test_table_no_memory(void)
{
#ifndef UNDER_ASAN
    ids_table t;
    memset(&t, 0, sizeof t);
    ASSERT_I64(ids_intern(&t, "abc", 3, NULL), 0);
    size_t len = t.pool.len, cap = t.pool.cap;
    t.pool.len = t.pool.cap = (size_t)1 << 46;
    int added = -7;
    ASSERT_I64(ids_intern(&t, "xyz", 3, &added), -1);
    t.pool.len = len;
    t.pool.cap = cap;
    ASSERT_I64(t.n, 1);
    ASSERT_I64(ids_find(&t, "xyz", 3), -1);
    ASSERT_I64(ids_find(&t, "abc", 3), 0);
    ASSERT_I64(slots_wrong(&t), 0);
    ids_free(&t);
#endif
}

/* Freed, a table is empty (all zero): it finds nothing and numbers from 0 again. */
static void test_table_free_resets(void)
{
    ids_table t;
    memset(&t, 0, sizeof t);
    ids_intern(&t, "abc", 3, NULL);
    ids_free(&t);
    CU_ASSERT_PTR_NULL(t.slot);
    CU_ASSERT_PTR_NULL(t.off);
    CU_ASSERT_PTR_NULL(t.pool.buf);
    ASSERT_I64(t.n, 0);
    ASSERT_I64(t.cap, 0);
    ASSERT_I64(t.mask, 0);
    ASSERT_I64(ids_find(&t, "abc", 3), -1);
    ASSERT_I64(ids_intern(&t, "xyz", 3, NULL), 0);
    ids_free(&t);
}

static void test_pack_round_trip(void)
{
    static const char *const ok[] = {
        "0", "00", "000", "A", "Z", "-", "T000999999", "T-2611A-0001", "ZZZZZZZZZZZZ", "------------",
        "000000000000", "0000000000000", "1234567890123", "99999999999999999", "00000000000000000", "P1001",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        uint64_t code;
        char back[18];
        ASSERT_I64(ids_pack(ok[i], strlen(ok[i]), &code), 0);
        ASSERT_MSG(code != UINT64_MAX, "no code is the set's empty marker");
        ASSERT_I64(ids_unpack(code, back), strlen(ok[i]));
        ASSERT_STR(back, ok[i]);
    }
    /* what does not pack: empty, lower case, other characters, 13+ characters that
     * are not all digits, 18+ digits */
    static const char *const no[] = {
        "", "t1", "T_1", "T 1", "T-2611A-00011", "123456789012345678", "ABCDEFGHIJKLM", "é", "A[", "A\\", "A]",
        "A^", "A@", "A:", "A/", "A.", "0000000000000-",
    };
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        uint64_t code;
        ASSERT_I64(ids_pack(no[i], strlen(no[i]), &code), -1);
    }
}

/* Distinct ids get distinct codes: 200,000 random ids over the packable shapes
 * (short ones collide as strings often), codes compared after sorting. */
static void test_pack_distinct(void)
{
    enum { N = 200000 };
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    uint64_t *codes = malloc(N * sizeof *codes);
    char (*ids)[18] = malloc(N * sizeof *ids);
    int unpacked = 0;
    srand(11);
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)rand() % 17;
        int digits = n > 12 || rand() % 3 == 0;
        for (size_t k = 0; k < n; k++)
            ids[i][k] = digits ? (char)('0' + rand() % (n < 4 ? 2 : 10)) : alphabet[rand() % (n < 4 ? 3 : 37)];
        ids[i][n] = '\0';
        unpacked += ids_pack(ids[i], n, &codes[i]) != 0;
    }
    ASSERT_I64(unpacked, 0);
    /* the number of distinct codes equals the number of distinct strings */
    qsort(ids, N, sizeof *ids, (int (*)(const void *, const void *))strcmp);
    qsort(codes, N, sizeof *codes, tu_cmp_u64);
    size_t distinct_ids = 1, distinct_codes = 1;
    for (int i = 1; i < N; i++) {
        distinct_ids += strcmp(ids[i], ids[i - 1]) != 0;
        distinct_codes += codes[i] != codes[i - 1];
    }
    ASSERT_I64(distinct_codes, distinct_ids);
    free(codes);
    free(ids);
}

/* The set against a sorted reference: 300,000 adds with repeats, then every key
 * and some absent ones looked up; at most 16 bytes a key once past the first size. */
static void test_set_against_reference(void)
{
    enum { N = 300000 };
    ids_set s = {0};
    uint64_t *ref = malloc(N * sizeof *ref);
    size_t nref = 0;
    int wrong = 0;
    char msg[128] = "";
    srand(5);
    for (int i = 0; i < N; i++) {
        uint64_t k = ((uint64_t)rand() << 20 ^ (uint64_t)rand()) % 200000 * 7919;    /* repeats */
        int had = 0;
        for (size_t j = nref; j-- > 0 && j + 64 >= nref;)
            had |= ref[j] == k;     /* only a recent window is checked here; the full check follows */
        int r = ids_set_add(&s, k);
        if (r == 1)
            ref[nref++] = k;
        else if (r != 0 && !wrong++)
            snprintf(msg, sizeof msg, "add returned %d", r);
        if (had && r != 0 && !wrong++)
            snprintf(msg, sizeof msg, "key %llu added twice", (unsigned long long)k);
        if (s.n >= 1024 && s.nslots * 8 > s.n * 16 + 8 * 1024 && !wrong++)
            snprintf(msg, sizeof msg, "%zu keys in %zu slots: more than 16 bytes a key", s.n, s.nslots);
    }
    ASSERT_MSG(wrong == 0, msg);
    qsort(ref, nref, sizeof *ref, tu_cmp_u64);
    for (size_t j = 1; j < nref; j++)
        if (ref[j] == ref[j - 1] && !wrong++)
            snprintf(msg, sizeof msg, "key %llu added twice", (unsigned long long)ref[j]);
    ASSERT_I64(s.n, nref);
    for (size_t j = 0; j < nref; j++)
        if (!ids_set_has(&s, ref[j]) && !wrong++)
            snprintf(msg, sizeof msg, "key %llu lost", (unsigned long long)ref[j]);
    for (uint64_t k = 1; k < 20000; k += 7)     /* not multiples of 7919: never added */
        if (k % 7919 && ids_set_has(&s, k) && !wrong++)
            snprintf(msg, sizeof msg, "key %llu found but never added", (unsigned long long)k);
    ASSERT_MSG(wrong == 0, msg);
    free(ref);
    ids_set_free(&s);
}

/* Keys added in ascending order (as the ledger saves paid ids and reads them back)
 * or at random do not pile up: a few probes a key. Even in another set's slot order
 * they stay bounded: with a home slot that grew with the hash (multiply-shift) that
 * order took thousands of probes a key, quadratic, and a 1M-row state 85 s to load. */
static void test_set_reload_order(void)
{
    enum { N = 300000 };
    ids_set up = {0}, rnd = {0}, slots = {0};
    uint64_t x = 99;
    long refused = 0;
    for (uint64_t k = 0; k < N; k++) {
        refused += ids_set_add(&up, k * 7919 + 17) != 1;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ids_set_add(&rnd, x >> 1);
    }
    ASSERT_I64(refused, 0);
    for (size_t i = 0; i < up.nslots; i++)
        if (up.keys[i] != UINT64_MAX)
            refused += ids_set_add(&slots, up.keys[i]) != 1;
    ASSERT_I64(refused, 0);
    ASSERT_I64(slots.n, N);
    char msg[128];
    snprintf(msg, sizeof msg, "ascending: %llu probes for %d adds", (unsigned long long)up.probes, N);
    ASSERT_MSG(up.probes < 4ull * N, msg);
    snprintf(msg, sizeof msg, "random: %llu probes for %zu adds", (unsigned long long)rnd.probes, rnd.n);
    ASSERT_MSG(rnd.probes < 4ull * N, msg);
    snprintf(msg, sizeof msg, "slot order: %llu probes for %d adds", (unsigned long long)slots.probes, N);
    ASSERT_MSG(slots.probes < 64ull * N, msg);
    ids_set_free(&up);
    ids_set_free(&rnd);
    ids_set_free(&slots);
}

/* The map of uint64 keys: 1,000 keys put, each found with its value, a key never put not
 * found; an empty map finds nothing. It starts with 256 slots and doubles when a key
 * would fill more than half: at the 129th key (to 512), the 257th (1,024) and the 513th
 * (2,048). */
static void test_map(void)
{
    ids_map m;
    memset(&m, 0, sizeof m);
    ASSERT_I64(ids_map_get(&m, 7), -1);
    for (uint64_t k = 0; k < 1000; k++) {
        int32_t *v = ids_map_put(&m, k * 7919, -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        ASSERT_I64(*v, -1);
        *v = (int32_t)k;
    }
    ASSERT_I64(m.mask + 1, 2048);
    int wrong = 0;
    for (uint64_t k = 0; k < 1000; k++)
        wrong += ids_map_get(&m, k * 7919) != (int32_t)k;
    ASSERT_I64(wrong, 0);
    ASSERT_I64(ids_map_get(&m, 1), -1);
    ASSERT_I64(*ids_map_put(&m, 7919, -1), 1);      /* put of a key already there: its value */
    ids_map_free(&m);
}

/* The map doubles exactly when a key would fill more than half: 128 keys in 256 slots, the
 * 129th makes 512; 256 keys in 512, the 257th makes 1,024. Freed, the map is empty (all
 * zero) and can be used again. */
static void test_map_growth(void)
{
    ids_map m;
    memset(&m, 0, sizeof m);
    for (uint64_t k = 0; k < 257; k++) {
        int32_t *v = ids_map_put(&m, k * 31 + 5, (int32_t)k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        if (k == 127 || k == 128 || k == 255 || k == 256)
            ASSERT_I64(m.mask + 1, k == 127 ? 256 : k == 256 ? 1024 : 512);
    }
    ASSERT_I64(m.n, 257);
    int wrong = 0;
    for (uint64_t k = 0; k < 257; k++)
        wrong += ids_map_get(&m, k * 31 + 5) != (int32_t)k;
    ASSERT_I64(wrong, 0);
    ids_map_free(&m);
    CU_ASSERT_PTR_NULL(m.keys);
    CU_ASSERT_PTR_NULL(m.vals);
    ASSERT_I64(m.n, 0);
    ASSERT_I64(m.mask, 0);
    ASSERT_I64(ids_map_get(&m, 5), -1);
    CU_ASSERT_PTR_NOT_NULL(ids_map_put(&m, 5, 3));
    ASSERT_I64(ids_map_get(&m, 5), 3);
    ids_map_free(&m);
}

/* An empty set has nothing; a key added is there (1), added again changes nothing (0). */
static void test_set_basics(void)
{
    ids_set s = {0};
    ASSERT_I64(ids_set_has(&s, 5), 0);
    ASSERT_I64(ids_set_add(&s, 5), 1);
    ASSERT_I64(ids_set_has(&s, 5), 1);
    ASSERT_I64(ids_set_has(&s, 6), 0);
    ASSERT_I64(ids_set_add(&s, 5), 0);
    ASSERT_I64(s.n, 1);
    ids_set_free(&s);
    CU_ASSERT_PTR_NULL(s.keys);
    ASSERT_I64(s.n, 0);
    ASSERT_I64(s.nslots, 0);
    ASSERT_I64(ids_set_has(&s, 5), 0);
    ASSERT_I64(ids_set_add(&s, 7), 1);
    ids_set_free(&s);
}

/* The set starts at 1,024 slots and grows by half when a key would fill more than 3/4:
 * 768 keys in 1,024 slots, the 769th makes 1,536; 1,152 keys in 1,536, the 1,153rd makes
 * 2,304. */
static void test_set_growth(void)
{
    ids_set s = {0};
    for (uint64_t k = 0; k < 1153; k++) {
        ASSERT_I64(ids_set_add(&s, k * 7919 + 3), 1);
        if (k == 0 || k == 767 || k == 768 || k == 1151 || k == 1152)
            ASSERT_I64(s.nslots, k < 768 ? 1024 : k < 1152 ? 1536 : 2304);
    }
    int wrong = 0;
    for (uint64_t k = 0; k < 1153; k++)
        wrong += !ids_set_has(&s, k * 7919 + 3);
    ASSERT_I64(wrong, 0);
    ids_set_free(&s);
}

/* Keys whose home is the last slot wrap to slot 0: found there, not added twice, and kept
 * when the set grows. (The home slot is ids_mix64(key) % nslots.) */
static void test_set_wrap(void)
{
    uint64_t last[3];
    int n = 0;
    for (uint64_t k = 0; n < 3; k++)
        if (ids_mix64(k) % 1024 == 1023)
            last[n++] = k;
    ids_set s = {0};
    for (int i = 0; i < 3; i++)
        ASSERT_I64(ids_set_add(&s, last[i]), 1);
    CU_ASSERT(s.keys[1023] == last[0]);
    CU_ASSERT(s.keys[0] == last[1]);
    CU_ASSERT(s.keys[1] == last[2]);
    for (int i = 0; i < 3; i++) {
        ASSERT_I64(ids_set_has(&s, last[i]), 1);
        ASSERT_I64(ids_set_add(&s, last[i]), 0);
    }
    for (uint64_t k = 0; s.nslots == 1024; k++)
        if (ids_mix64(k) % 1024 < 1000)
            ids_set_add(&s, k);
    for (int i = 0; i < 3; i++)
        ASSERT_I64(ids_set_has(&s, last[i]), 1);
    ids_set_free(&s);
}

/* A set of 8 slots made by hand (a set may have any number of slots) inside a buffer whose
 * word before the slots is set by the test: a probe that runs off the last slot goes on at
 * slot 0, never at the word before. k's home is slot 7, where j (home 7 too) sits. */
static void test_set_wrap_by_hand(void)
{
    uint64_t k = 0, j;
    while (ids_mix64(k) % 8 != 7)
        k++;
    for (j = k + 1; ids_mix64(j) % 8 != 7;)
        j++;
    uint64_t buf[9];
    for (int i = 0; i < 9; i++)
        buf[i] = UINT64_MAX;
    ids_set s = {.keys = buf + 1, .n = 1, .nslots = 8};
    buf[8] = j;
    /* the word before holds k: k is not in the set (7 holds j, 0 is empty) */
    buf[0] = k;
    ASSERT_I64(ids_set_has(&s, k), 0);
    ASSERT_I64(ids_set_has(&s, j), 1);
    /* added, k goes to slot 0 (the word before is left alone): 2 keys in 8 slots, no growth */
    ASSERT_I64(ids_set_add(&s, k), 1);
    CU_ASSERT(s.keys == buf + 1);
    CU_ASSERT(buf[1] == k);
    CU_ASSERT(buf[0] == k);
    ASSERT_I64(s.n, 2);
    /* again, with the word before empty (UINT64_MAX): k still goes to slot 0 */
    buf[1] = UINT64_MAX;
    buf[0] = UINT64_MAX;
    s.n = 1;
    ASSERT_I64(ids_set_add(&s, k), 1);
    CU_ASSERT(buf[1] == k);
    CU_ASSERT(buf[0] == UINT64_MAX);
    ASSERT_I64(ids_set_has(&s, k), 1);
}

int test_ids_register(void)
{
    static const tu_test tests[] = {
        {"pool: offsets one after another", test_pool_offsets},
        {"pool: fills to the last byte, grows by doubling", test_pool_growth},
        {"pool: out of memory is (size_t)-1, pool unchanged", test_pool_no_memory},
        {"pool: freed is empty and usable", test_pool_free_resets},
        {"hash: FNV-1a 32 test vectors", test_hash_fnv1a},
        {"table: intern and find, packed and not", test_table_intern_find},
        {"table: slots keep code and hash", test_table_slots},
        {"table: same hash, one id a prefix of the other", test_table_hash_collision},
        {"table: 128 slots, doubles at half; offsets 64, doubling", test_table_growth},
        {"table: 2,000 ids through five doublings", test_table_many},
        {"table: slots exact through growth", test_table_slots_exact},
        {"table: growing never moves an id over another", test_table_growth_collision},
        {"table: no memory for the text is -1, table unchanged", test_table_no_memory},
        {"table: freed is empty and usable", test_table_free_resets},
        {"map of uint64 keys: put, get, grow, missing", test_map},
        {"map: doubles past half, freed is empty", test_map_growth},
        {"set: empty, add, again, freed", test_set_basics},
        {"set: 1,024 slots, grows by half past 3/4", test_set_growth},
        {"set: the last slot wraps to slot 0", test_set_wrap},
        {"set: a probe off the last slot goes on at slot 0, not before the array", test_set_wrap_by_hand},
        {"packed ids round trip; what does not pack", test_pack_round_trip},
        {"distinct ids get distinct codes", test_pack_distinct},
        {"uint64 set against a reference, at most 16 bytes a key", test_set_against_reference},
        {"keys added in order or at random do not pile up", test_set_reload_order},
    };
    return tu_register("ids", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
