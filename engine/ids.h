/* ids.h — interning of id strings into dense indexes, and a uint64-keyed hash map. */
#ifndef PAYRUN_IDS_H
#define PAYRUN_IDS_H

#include <stddef.h>
#include <stdint.h>

/* A text pool: strings appended once, addressed by offset, freed together. */
typedef struct {
    char *buf;
    size_t len, cap;
} ids_pool;

/* Appends s[0..n) and a NUL; returns its offset, or (size_t)-1 when out of memory. */
size_t ids_pool_add(ids_pool *p, const char *s, size_t n);
static inline const char *ids_pool_str(const ids_pool *p, size_t off) { return p->buf + off; }
void ids_pool_free(ids_pool *p);

/* A slot of an ids_table: the string's hash beside its index, so that a probe
 * touches the string itself only when the hashes match. */
typedef struct {
    uint64_t code;      /* the string packed by ids_pack, UINT64_MAX when it does not pack */
    uint32_t hash;
    int32_t idx;        /* -1 empty */
} ids_slot;

/* A set of distinct strings, each with a dense index 0..n-1 in insertion order.
 * Open addressing with linear probing; the table doubles at 50% load. A string that
 * packs (ids_pack) is found by its code in the slot, without reading the pool. */
typedef struct {
    ids_pool pool;
    size_t *off;        /* off[i]: offset of string i in pool */
    int32_t n, cap;
    ids_slot *slot;
    uint32_t mask;
} ids_table;

/* Index of s[0..n), or -1 when absent. */
int32_t ids_find(const ids_table *t, const char *s, size_t n);
/* Index of s[0..n), adding it when absent (*added = 1); -1 when out of memory
 * (the table is unchanged). */
int32_t ids_intern(ids_table *t, const char *s, size_t n, int *added);
/* Starts fetching the slot where s[0..n) is or would go into the CPU cache. */
void ids_prefetch(const ids_table *t, const char *s, size_t n);
static inline const char *ids_name(const ids_table *t, int32_t i) { return t->pool.buf + t->off[i]; }
void ids_free(ids_table *t);

/* A map from uint64 keys to int32 values (e.g. dense indexes). Key UINT64_MAX is reserved. */
typedef struct {
    uint64_t *keys;
    int32_t *vals;
    size_t n, mask;     /* mask + 1 slots, 0 when empty */
} ids_map;

/* Value for key, or -1. */
int32_t ids_map_get(const ids_map *m, uint64_t key);
/* Pointer to the value slot for key, inserting it with value `init` when absent;
 * NULL when out of memory (the map is unchanged). */
int32_t *ids_map_put(ids_map *m, uint64_t key, int32_t init);
void ids_map_free(ids_map *m);

/* Packs an id into 64 bits, exactly and reversibly, when it is short enough:
 * up to 12 characters of 0-9, A-Z and '-' (base 38, top bit 0), or 13 to 17 digits
 * (top bit 1, then the length, then the number). Returns 0 and the code, or -1 when
 * the id does not pack. No code is UINT64_MAX. */
int ids_pack(const char *s, size_t n, uint64_t *code);
/* The id of a code from ids_pack into out (NUL-terminated); returns its length. */
size_t ids_unpack(uint64_t code, char out[18]);

/* A set of uint64 keys (UINT64_MAX is reserved): open addressing over any number of
 * slots, kept between 1/2 and 3/4 full, so it holds a key in 11 to 16 bytes. */
typedef struct {
    uint64_t *keys;     /* UINT64_MAX = empty */
    size_t n, nslots;
    uint64_t probes;    /* occupied slots ids_set_add stepped over (for the tests) */
} ids_set;

int ids_set_has(const ids_set *s, uint64_t key);
/* Starts fetching key's slot into the CPU cache. */
void ids_set_prefetch(const ids_set *s, uint64_t key);
/* Adds key: 1 when added, 0 when already there, -1 out of memory (unchanged). */
int ids_set_add(ids_set *s, uint64_t key);
void ids_set_free(ids_set *s);

/* A 64-bit mix (the splitmix64 finalizer) so packed keys spread over hash slots. */
static inline uint64_t ids_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Packs two int32 values into one map key. */
static inline uint64_t ids_key2(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }

/* 32-bit FNV-1a, good enough for short ids. */
uint32_t ids_hash(const char *s, size_t n);

#endif
