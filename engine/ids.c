/* ids.c — string interning and uint64 hash map, open addressing with linear probing. */
#include "ids.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

size_t ids_pool_add(ids_pool *p, const char *s, size_t n)
{
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *b = mem_realloc(p->buf, cap);
        if (!b)
            return (size_t)-1;
        p->buf = b;
        p->cap = cap;
    }
    size_t off = p->len;
    memcpy(p->buf + off, s, n);
    p->buf[off + n] = '\0';
    p->len += n + 1;
    return off;
}

void ids_pool_free(ids_pool *p)
{
    mem_free(p->buf);
    memset(p, 0, sizeof *p);
}

uint32_t ids_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* The slot of s (hash h): where it is, or the empty slot where it would go. */
/* The slot holding s (hash h, code from ids_pack or UINT64_MAX), or the empty slot
 * where it would go. */
static uint32_t probe(const ids_table *t, const char *s, size_t n, uint32_t h, uint64_t code)
{
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const ids_slot *sl = &t->slot[i];
        if (sl->idx < 0)
            return i;
        if (code != UINT64_MAX) {
            if (sl->code == code)
                return i;
        } else if (sl->hash == h && sl->code == UINT64_MAX) {
            const char *name = t->pool.buf + t->off[sl->idx];
            if (strnlen(name, n + 1) == n && memcmp(name, s, n) == 0)
                return i;
        }
    }
}


/* A string's code (UINT64_MAX when it does not pack) and slot hash. */
static inline uint32_t key_of(const char *s, size_t n, uint64_t *code)
{
    if (ids_pack(s, n, code) == 0)
        return (uint32_t)ids_mix64(*code);
    *code = UINT64_MAX;
    return ids_hash(s, n);
}

int32_t ids_find(const ids_table *t, const char *s, size_t n)
{
    if (!t->slot)
        return -1;
    uint64_t code;
    uint32_t h = key_of(s, n, &code);
    return t->slot[probe(t, s, n, h, code)].idx;
}

void ids_prefetch(const ids_table *t, const char *s, size_t n)
{
    if (!t->slot)
        return;
    uint64_t code;
    __builtin_prefetch(&t->slot[key_of(s, n, &code) & t->mask]);
}

/* Rebuilds the slot array with nslots slots (a power of two). */
static int rehash(ids_table *t, uint32_t nslots)
{
    ids_slot *slot = mem_malloc(sizeof *slot * nslots);
    if (!slot)
        return -1;
    for (uint32_t i = 0; i < nslots; i++)
        slot[i].idx = -1;
    if (t->slot)
        for (uint32_t j = 0; j <= t->mask; j++) {
            if (t->slot[j].idx < 0)
                continue;
            uint32_t i = t->slot[j].hash & (nslots - 1);
            while (slot[i].idx >= 0)
                i = (i + 1) & (nslots - 1);
            slot[i] = t->slot[j];
        }
    mem_free(t->slot);
    t->slot = slot;
    t->mask = nslots - 1;
    return 0;
}

int32_t ids_intern(ids_table *t, const char *s, size_t n, int *added)
{
    if (!t->slot || (uint32_t)(t->n + 1) * 2 > t->mask + 1) {
        uint32_t nslots = t->slot ? (t->mask + 1) * 2 : 128;
        if (rehash(t, nslots) != 0)
            return -1;
    }
    uint64_t code;
    uint32_t h = key_of(s, n, &code);
    uint32_t i = probe(t, s, n, h, code);
    if (added)
        *added = t->slot[i].idx < 0;
    if (t->slot[i].idx >= 0)
        return t->slot[i].idx;
    if (t->n == t->cap) {
        int32_t cap = t->cap ? t->cap * 2 : 64;
        size_t *off = mem_realloc(t->off, sizeof *off * (size_t)cap);
        if (!off)
            return -1;
        t->off = off;
        t->cap = cap;
    }
    size_t off = ids_pool_add(&t->pool, s, n);
    if (off == (size_t)-1)
        return -1;
    int32_t k = t->n++;
    t->off[k] = off;
    t->slot[i].code = code;
    t->slot[i].hash = h;
    t->slot[i].idx = k;
    return k;
}

void ids_free(ids_table *t)
{
    ids_pool_free(&t->pool);
    mem_free(t->off);
    mem_free(t->slot);
    memset(t, 0, sizeof *t);
}

int32_t ids_map_get(const ids_map *m, uint64_t key)
{
    if (!m->keys)
        return -1;
    for (size_t i = ids_mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == UINT64_MAX)
            return -1;
    }
}

static int map_grow(ids_map *m)
{
    size_t nslots = m->keys ? (m->mask + 1) * 2 : 256;
    uint64_t *keys = mem_malloc(sizeof *keys * nslots);
    int32_t *vals = mem_malloc(sizeof *vals * nslots);
    if (!keys || !vals) {
        mem_free(keys);
        mem_free(vals);
        return -1;
    }
    memset(keys, 0xff, sizeof *keys * nslots);
    if (m->keys) {
        for (size_t j = 0; j <= m->mask; j++) {
            if (m->keys[j] == UINT64_MAX)
                continue;
            size_t i = ids_mix64(m->keys[j]) & (nslots - 1);
            while (keys[i] != UINT64_MAX)
                i = (i + 1) & (nslots - 1);
            keys[i] = m->keys[j];
            vals[i] = m->vals[j];
        }
    }
    mem_free(m->keys);
    mem_free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->mask = nslots - 1;
    return 0;
}

int32_t *ids_map_put(ids_map *m, uint64_t key, int32_t init)
{
    if (!m->keys || (m->n + 1) * 2 > m->mask + 1)
        if (map_grow(m) != 0)
            return NULL;
    size_t i = ids_mix64(key) & m->mask;
    while (m->keys[i] != UINT64_MAX) {
        if (m->keys[i] == key)
            return &m->vals[i];
        i = (i + 1) & m->mask;
    }
    m->keys[i] = key;
    m->vals[i] = init;
    m->n++;
    return &m->vals[i];
}

void ids_map_free(ids_map *m)
{
    mem_free(m->keys);
    mem_free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- packed ids ---- */

/* Base-38 digit of an id character (1-37), 0 when it has none. */
#define D10(c, v) [c] = v, [c + 1] = v + 1, [c + 2] = v + 2, [c + 3] = v + 3, [c + 4] = v + 4, [c + 5] = v + 5, \
                  [c + 6] = v + 6, [c + 7] = v + 7, [c + 8] = v + 8, [c + 9] = v + 9
static const unsigned char code38[256] = {
    D10('0', 1), D10('A', 11), D10('K', 21),
    ['U'] = 31, ['V'] = 32, ['W'] = 33, ['X'] = 34, ['Y'] = 35, ['Z'] = 36, ['-'] = 37,
};
#undef D10

#define PACK_DIGITS_FLAG (1ULL << 63)

int ids_pack(const char *s, size_t n, uint64_t *code)
{
    if (n == 0)
        return -1;
    if (n <= 12) {
        /* 38^12 < 2^63: the characters as base-38 digits, the last one highest; each
         * digit is at least 1, so the length is implied */
        uint64_t v = 0;
        size_t i = n;
        while (i-- > 0) {
            int d = code38[(unsigned char)s[i]];
            if (!d)
                return -1;
            v = v * 38 + (uint64_t)d;
        }
        *code = v;
        return 0;
    }
    if (n > 17)
        return -1;
    uint64_t v = 0;     /* below 10^17 < 2^57 */
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *code = PACK_DIGITS_FLAG | ((uint64_t)n << 57) | v;
    return 0;
}

size_t ids_unpack(uint64_t code, char out[18])
{
    static const char digits38[] = "?0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    size_t n = 0;
    if (code & PACK_DIGITS_FLAG) {
        n = (size_t)(code >> 57 & 0x3F);
        uint64_t v = code & ((1ULL << 57) - 1);
        for (size_t i = n; i-- > 0; v /= 10)
            out[i] = (char)('0' + v % 10);
    } else {
        for (; code; code /= 38)
            out[n++] = digits38[code % 38];
    }
    out[n] = '\0';
    return n;
}

/* ---- set of uint64 keys ---- */

/* The home slot of key among nslots (any table size). A remainder, not a multiply-
 * shift: the ledger saves the keys in slot order, and a map that grows with the hash
 * would send keys read back in that order to the start of a smaller table one after
 * the other, each probing past all the others (quadratic). */
static inline size_t set_home(uint64_t key, size_t nslots)
{
    return (size_t)(ids_mix64(key) % nslots);
}

int ids_set_has(const ids_set *s, uint64_t key)
{
    if (!s->keys)
        return 0;
    for (size_t i = set_home(key, s->nslots);;) {
        if (s->keys[i] == key)
            return 1;
        if (s->keys[i] == UINT64_MAX)
            return 0;
        if (++i == s->nslots)
            i = 0;
    }
}

void ids_set_prefetch(const ids_set *s, uint64_t key)
{
    if (s->keys)
        __builtin_prefetch(&s->keys[set_home(key, s->nslots)]);
}

static void set_place(uint64_t *keys, size_t nslots, uint64_t key)
{
    size_t i = set_home(key, nslots);
    while (keys[i] != UINT64_MAX)
        if (++i == nslots)
            i = 0;
    keys[i] = key;
}

int ids_set_add(ids_set *s, uint64_t key)
{
    if (s->keys) {
        /* is it there already: the probe's length is counted for the tests */
        size_t i = set_home(key, s->nslots);
        for (; s->keys[i] != UINT64_MAX; s->probes++) {
            if (s->keys[i] == key)
                return 0;
            if (++i == s->nslots)
                i = 0;
        }
    }
    if ((s->n + 1) * 4 > s->nslots * 3) {
        /* grow by half: a load of 3/4 becomes 1/2 */
        size_t nslots = s->nslots < 1024 ? 1024 : s->nslots + s->nslots / 2;
        uint64_t *keys = mem_malloc(nslots * sizeof *keys);
        if (!keys)
            return -1;
        memset(keys, 0xff, nslots * sizeof *keys);
        for (size_t j = 0; j < s->nslots; j++)
            if (s->keys[j] != UINT64_MAX)
                set_place(keys, nslots, s->keys[j]);
        mem_free(s->keys);
        s->keys = keys;
        s->nslots = nslots;
    }
    set_place(s->keys, s->nslots, key);
    s->n++;
    return 1;
}

void ids_set_free(ids_set *s)
{
    mem_free(s->keys);
    memset(s, 0, sizeof *s);
}
