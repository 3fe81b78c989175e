/* test_ids.c — packed ids (exact and reversible) and the uint64 key set. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "test_util.h"

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

int test_ids_register(void)
{
    static const tu_test tests[] = {
        {"map of uint64 keys: put, get, grow, missing", test_map},
        {"packed ids round trip; what does not pack", test_pack_round_trip},
        {"distinct ids get distinct codes", test_pack_distinct},
        {"uint64 set against a reference, at most 16 bytes a key", test_set_against_reference},
        {"keys added in order or at random do not pile up", test_set_reload_order},
    };
    return tu_register("ids", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
