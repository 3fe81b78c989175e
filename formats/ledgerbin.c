/* ledgerbin.c — the ledger's binary checkpoint (ledger.bin versions 1 and 2): id lists and raw counter records, mapped and checksummed. */
#define _DEFAULT_SOURCE    /* madvise */
#include "ledgerbin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fsafe.h"

#define LBIN_MAGIC "PAYRUNLB"
#define LBIN_VERSION_V1 1u      /* the first LEDGER_TABLES_V1 tables (payrun 0.10) */
#define LBIN_VERSION 2u         /* every table: the withholding tables at the end */
#define LBIN_ORDER 0x01020304u
#define LBIN_END 0x21444E45u    /* "END!" */

/* Section ids; version 2 has SEC_COUNTIES (the number after the last table's) after SEC_OVERPAYMENTS. */
enum { SEC_PROVIDERS = 1, SEC_RECIPIENTS, SEC_OVERPAYMENTS, SEC_PAID_CODES, SEC_PAID_OTHER, SEC_TABLES,
       SEC_COUNTIES = SEC_TABLES + LEDGER_TABLES };

/* The counter tables in file order, and whose index their keys hold. */
typedef enum { BY_PROVIDER, BY_RECIPIENT, BY_OVERPAYMENT, BY_PERIOD } key_kind;
static const struct {
    size_t offset;
    key_kind who;
} tables[] = {
    {offsetof(ledger, paid_period_bits), BY_PERIOD},   {offsetof(ledger, provider_week), BY_PROVIDER},
    {offsetof(ledger, recipient_week), BY_RECIPIENT},  {offsetof(ledger, provider_month), BY_PROVIDER},
    {offsetof(ledger, recipient_month), BY_RECIPIENT}, {offsetof(ledger, bups_year), BY_RECIPIENT},
    {offsetof(ledger, provider_year), BY_PROVIDER},    {offsetof(ledger, provider_quarter), BY_PROVIDER},
    {offsetof(ledger, recovered), BY_OVERPAYMENT},     {offsetof(ledger, violations), BY_PROVIDER},
    {offsetof(ledger, provider_period), BY_PROVIDER},  {offsetof(ledger, provider_w2), BY_PROVIDER},
};
#define NTABLES (sizeof tables / sizeof *tables)
_Static_assert(NTABLES == LEDGER_TABLES, "a key kind for every table, in LEDGER_TABLES order");

static ledger_table *table_at(ledger *lg, size_t k) { return (ledger_table *)(void *)((char *)lg + tables[k].offset); }

/* ---- writing ---- */

static void put_u32(csvw *w, uint32_t v) { csvw_raw(w, (const char *)&v, 4); }
static void put_u64(csvw *w, uint64_t v) { csvw_raw(w, (const char *)&v, 8); }

/* A section header: id, element size, count, payload bytes; the payload follows,
 * then zero bytes up to a multiple of 8. */
static void section(csvw *w, uint32_t id, uint32_t elem, uint64_t count, uint64_t bytes)
{
    put_u32(w, id);
    put_u32(w, elem);
    put_u64(w, count);
    put_u64(w, bytes);
}

static void pad8(csvw *w, uint64_t bytes)
{
    static const char zero[8];
    if (bytes % 8)
        csvw_raw(w, zero, 8 - bytes % 8);
}

/* Names one after another, each ended by a NUL. */
static void put_names(csvw *w, uint32_t id, const ledger_ids *t)
{
    uint64_t bytes = 0;
    for (int32_t i = 0; i < ledger_ids_count(t); i++)
        bytes += strlen(ledger_ids_name(t, i)) + 1;
    section(w, id, 0, (uint64_t)ledger_ids_count(t), bytes);
    for (int32_t i = 0; i < ledger_ids_count(t); i++) {
        const char *s = ledger_ids_name(t, i);
        csvw_raw(w, s, strlen(s) + 1);
    }
    pad8(w, bytes);
}

/* The tables a checkpoint of lg holds: LEDGER_TABLES_V1 (version 1, as payrun 0.10
 * wrote it) while the withholding tables after them are empty, else every one. */
static size_t tables_to_write(const ledger *lg)
{
    for (size_t k = LEDGER_TABLES_V1; k < NTABLES; k++)
        if (table_at((ledger *)(uintptr_t)lg, k)->n > 0)
            return NTABLES;
    return LEDGER_TABLES_V1;
}

int lbin_write(csvw *w, const ledger *lg, int gen)
{
    size_t ntables = tables_to_write(lg);
    csvw_raw(w, LBIN_MAGIC, 8);
    put_u32(w, ntables == NTABLES ? LBIN_VERSION : LBIN_VERSION_V1);
    put_u32(w, (uint32_t)gen);
    put_u32(w, LBIN_ORDER);
    put_u32(w, (uint32_t)ntables);
    put_names(w, SEC_PROVIDERS, &lg->providers);
    put_names(w, SEC_RECIPIENTS, &lg->recipients);
    put_names(w, SEC_OVERPAYMENTS, &lg->overpayments);
    if (ntables == NTABLES)
        put_names(w, SEC_COUNTIES, &lg->counties);
    /* paid timesheets: the packed codes, sorted (the file does not depend on the set's history) */
    uint64_t *codes = malloc((lg->paid_ids.n ? lg->paid_ids.n : 1) * sizeof *codes);
    if (!codes)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < lg->paid_ids.nslots; i++)
        if (lg->paid_ids.keys[i] != UINT64_MAX)
            codes[n++] = lg->paid_ids.keys[i];
    if (lbin_sort_codes(codes, n) != 0) {
        free(codes);
        return -1;
    }
    section(w, SEC_PAID_CODES, 8, n, n * 8);
    csvw_raw(w, (const char *)codes, n * 8);
    free(codes);
    uint64_t bytes = 0;
    for (int32_t i = 0; i < lg->paid_other.n; i++)
        bytes += strlen(ids_name(&lg->paid_other, i)) + 1;
    section(w, SEC_PAID_OTHER, 0, (uint64_t)lg->paid_other.n, bytes);
    for (int32_t i = 0; i < lg->paid_other.n; i++)
        csvw_raw(w, ids_name(&lg->paid_other, i), strlen(ids_name(&lg->paid_other, i)) + 1);
    pad8(w, bytes);
    /* the counter tables: their records as they are in memory (key, then the record,
     * padded to 8), in the ledger's order; who in a key is an index into the lists above */
    for (size_t k = 0; k < ntables; k++) {
        const ledger_table *t = table_at((ledger *)(uintptr_t)lg, k);
        lbin_pair *order;
        size_t n;
        if (lbin_table_order(t, 0, &order, &n) != 0)
            return -1;
        section(w, SEC_TABLES + (uint32_t)k, (uint32_t)t->stride, n, n * t->stride);
        for (size_t i = 0; i < n; i++)
            csvw_raw(w, t->rows + order[i].at * t->stride, t->stride);
        free(order);
    }
    put_u32(w, csvw_content_crc(w));
    put_u32(w, LBIN_END);
    return 0;
}

/* Sorts n elements of `size` bytes, each starting with its uint64 key, ascending: a
 * radix sort, 16 bits a pass, skipping the passes where every key has the same digit.
 * Returns 0, or -1 out of memory. */
static inline int radix_by_key(void *a, size_t n, size_t size)
{
    char *tmp = malloc((n ? n : 1) * size);
    size_t *count = malloc(65536 * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return -1;
    }
    uint64_t all_or = 0, all_and = ~(uint64_t)0, key;
    for (size_t i = 0; i < n; i++) {
        memcpy(&key, (char *)a + i * size, 8);
        all_or |= key;
        all_and &= key;
    }
    char *from = a, *to = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        if (((all_or ^ all_and) >> shift & 0xFFFF) == 0)
            continue;   /* the same digit in every key */
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++) {
            memcpy(&key, from + i * size, 8);
            count[key >> shift & 0xFFFF]++;
        }
        for (size_t d = 0, sum = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            memcpy(&key, from + i * size, 8);
            memcpy(to + count[key >> shift & 0xFFFF]++ * size, from + i * size, size);
        }
        char *swap = from;
        from = to;
        to = swap;
    }
    if (from != (char *)a)
        memcpy(a, from, n * size);
    free(tmp);
    free(count);
    return 0;
}

int lbin_sort_pairs(lbin_pair *a, size_t n) { return radix_by_key(a, n, sizeof *a); }
int lbin_sort_codes(uint64_t *a, size_t n) { return radix_by_key(a, n, sizeof *a); }

int lbin_table_order(const ledger_table *t, int touched_only, lbin_pair **out, size_t *n)
{
    lbin_pair *order = malloc((t->n ? t->n : 1) * sizeof *order);
    if (!order)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!touched_only || ledger_touched(t, i))
            order[k++] = (lbin_pair){t->ordinal[i], i};
    if (lbin_sort_pairs(order, k) != 0) {
        free(order);
        return -1;
    }
    *out = order;
    *n = k;
    return 0;
}


/* ---- reading ---- */

typedef struct {
    const unsigned char *p, *end;
    const unsigned char *base;      /* the mapping; pages before p are released as the parse goes */
    const char *path;
    char *err;
    size_t errlen;
} cursor;

static int damaged(cursor *c, const char *what)
{
    return fsafe_errf(c->err, c->errlen, STATE_DAMAGED, "%s: %s: the state is damaged; restore it or run from an "
                      "older generation (--from-generation)", c->path, what);
}

/* The next section header; its payload is at c->p after the call. */
static int next_section(cursor *c, uint32_t want, uint32_t *elem, uint64_t *count, uint64_t *bytes)
{
    uint32_t id;
    if (c->end - c->p < 24)
        return -1;
    memcpy(&id, c->p, 4);
    memcpy(elem, c->p + 4, 4);
    memcpy(count, c->p + 8, 8);
    memcpy(bytes, c->p + 16, 8);
    c->p += 24;
    return id == want && *bytes <= (uint64_t)(c->end - c->p) ? 0 : -1;
}

static void skip_payload(cursor *c, uint64_t bytes) { c->p += (bytes + 7) / 8 * 8 <= (uint64_t)(c->end - c->p) ? (bytes + 7) / 8 * 8 : bytes; }

/* An id list: file index -> ledger index in *map. */
static int read_names(cursor *c, uint32_t id, ledger_ids *t, int32_t **map, int64_t *count, const char *what)
{
    uint32_t elem;
    uint64_t n, bytes;
    if (next_section(c, id, &elem, &n, &bytes) != 0 || n > INT32_MAX || n > bytes)
        return damaged(c, what);
    int32_t *m = realloc(*map, sizeof *m * (n ? n : 1));
    if (!m)
        return fsafe_errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s", c->path);
    *map = m;
    const char *s = (const char *)c->p, *end = s + bytes;
    for (uint64_t i = 0; i < n; i++) {
        const char *nul = memchr(s, '\0', (size_t)(end - s));
        if (!nul || nul == s)
            return damaged(c, what);
        m[i] = ledger_ids_add(t, s, (size_t)(nul - s));
        if (m[i] < 0)
            return fsafe_errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s", c->path);
        s = nul + 1;
    }
    if (s != end)
        return damaged(c, what);
    *count = (int64_t)n;
    skip_payload(c, bytes);
    return 0;
}

/* An index in a key, mapped; -1 when out of the list. */
static int64_t mapped(const int32_t *map, int64_t n, uint32_t i) { return (int64_t)i < n ? map[i] : -1; }

/* A key of table k with its indexes mapped to the ledger's. Returns 0 or -1. */
static int map_key(key_kind who, const state_idmaps *m, uint64_t key, uint64_t *out)
{
    uint32_t a = (uint32_t)(key >> 32), b = (uint32_t)key;
    int64_t x = -1;
    switch (who) {
    case BY_PROVIDER: x = mapped(m->map[0], m->n[0], a); break;
    case BY_RECIPIENT: x = mapped(m->map[1], m->n[1], a); break;
    case BY_OVERPAYMENT: x = mapped(m->map[2], m->n[2], a); break;
    case BY_PERIOD: {
        x = mapped(m->map[0], m->n[0], a);
        int64_t r = mapped(m->map[1], m->n[1], b & 0x3FFFFF);
        if (r < 0 || r > 0x3FFFFF)
            return -1;
        b = (b & ~0x3FFFFFu) | (uint32_t)r;
        break;
    }
    }
    if (x < 0)
        return -1;
    *out = (uint64_t)x << 32 | b;
    return 0;
}

/* Gives back the mapped pages of map[0..upto): they were read already, so the
 * mapping does not make the resident set grow with the file. */
static void release(const unsigned char *map, size_t upto)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (upto >= page)
        madvise((void *)(uintptr_t)map, upto / page * page, MADV_DONTNEED);   /* glibc's posix_madvise ignores DONTNEED */
}

/* The index + 1 (0: none) stored at `at` in a record, mapped by list k of m. Returns 0,
 * or -1 when it is outside the list. */
static int map_plus_one(const state_idmaps *m, int k, unsigned char *at)
{
    int32_t v;
    memcpy(&v, at, sizeof v);
    if (v == 0)
        return 0;
    int64_t x = v > 0 ? mapped(m->map[k], m->n[k], (uint32_t)v - 1) : -1;
    if (x < 0)
        return -1;
    v = (int32_t)x + 1;
    memcpy(at, &v, sizeof v);
    return 0;
}

int lbin_map_record(int k, const state_idmaps *m, uint64_t *key, void *record)
{
    if (map_key(tables[k].who, m, *key, key) != 0)
        return -1;
    if (tables[k].offset == offsetof(ledger, provider_week))
        return map_plus_one(m, IDS_RECIPIENTS, (unsigned char *)record + offsetof(ledger_provider_week, first_recipient));
    if (tables[k].offset == offsetof(ledger, provider_w2))
        return map_plus_one(m, IDS_COUNTIES, (unsigned char *)record + offsetof(ledger_provider_w2, county));
    return 0;
}

/* The records of table k: each inserted under its mapped key. */
static int read_table(cursor *c, ledger *lg, size_t k, const state_idmaps *m, int identity)
{
    ledger_table *t = table_at(lg, k);
    uint32_t elem;
    uint64_t n, bytes;
    if (next_section(c, SEC_TABLES + (uint32_t)k, &elem, &n, &bytes) != 0 || elem != t->stride ||
        bytes % elem != 0 || n != bytes / elem || n > INT32_MAX)
        return damaged(c, "counter table");
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *row = c->p + i * elem;
        if ((i & 0xFFFF) == 0)
            release(c->base, (size_t)(row - c->base));
        uint64_t key;
        _Alignas(8) char rec[LEDGER_RECORD_MAX];     /* aligned: lbin_map_record reads its fields */
        memcpy(&key, row, 8);
        memcpy(rec, row + 8, t->size);
        if (!identity && lbin_map_record((int)k, m, &key, rec) != 0)
            return damaged(c, "a record's index is out of its list");
        if (ledger_put_earlier(t, key, rec, LEDGER_APPEND) != 0)
            return fsafe_errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s", c->path);
    }
    skip_payload(c, bytes);
    return 0;
}

/* Whether a map sends every index to itself. */
static int is_identity(const int32_t *map, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (map[i] != (int32_t)i)
            return 0;
    return 1;
}

/* Parses a checked file (the checksum held) into lg: version 2 (every table, and the
 * county list) or version 1 (the first LEDGER_TABLES_V1, no county list). Returns 0,
 * STATE_DAMAGED (c's message) or STATE_NO_MEMORY. */
static int parse(cursor *c, ledger *lg, int gen, state_idmaps *maps)
{
    uint32_t version, g, order, ntables;
    if (c->end - c->p < 24 || memcmp(c->p, LBIN_MAGIC, 8) != 0)
        return damaged(c, "not a payrun binary ledger");
    memcpy(&version, c->p + 8, 4);
    memcpy(&g, c->p + 12, 4);
    memcpy(&order, c->p + 16, 4);
    memcpy(&ntables, c->p + 20, 4);
    c->p += 24;
    if (order != LBIN_ORDER || !((version == LBIN_VERSION && ntables == NTABLES) ||
                                 (version == LBIN_VERSION_V1 && ntables == LEDGER_TABLES_V1)))
        return damaged(c, "a binary ledger of another version or byte order");
    if (g != (uint32_t)gen)
        return damaged(c, "generation number");
    int rc;
    maps->n[IDS_COUNTIES] = 0;     /* version 1: no county list */
    if ((rc = read_names(c, SEC_PROVIDERS, &lg->providers, &maps->map[0], &maps->n[0], "providers")) != 0 ||
        (rc = read_names(c, SEC_RECIPIENTS, &lg->recipients, &maps->map[1], &maps->n[1], "recipients")) != 0 ||
        (rc = read_names(c, SEC_OVERPAYMENTS, &lg->overpayments, &maps->map[2], &maps->n[2], "overpayments")) != 0 ||
        (version == LBIN_VERSION && (rc = read_names(c, SEC_COUNTIES, &lg->counties, &maps->map[IDS_COUNTIES],
                                                     &maps->n[IDS_COUNTIES], "counties")) != 0))
        return rc;
    uint32_t elem;
    uint64_t n, bytes;
    if (next_section(c, SEC_PAID_CODES, &elem, &n, &bytes) != 0 || elem != 8 || bytes % 8 != 0 || n != bytes / 8)
        return damaged(c, "paid timesheets");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t code;
        memcpy(&code, c->p + i * 8, 8);
        if (code == UINT64_MAX || ids_set_add(&lg->paid_ids, code) < 0)
            return code == UINT64_MAX ? damaged(c, "paid timesheets")
                                      : fsafe_errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s",
                                                   c->path);
    }
    skip_payload(c, bytes);
    if (next_section(c, SEC_PAID_OTHER, &elem, &n, &bytes) != 0)
        return damaged(c, "paid timesheets (other ids)");
    const char *s = (const char *)c->p, *end = s + bytes;
    for (uint64_t i = 0; i < n; i++) {
        const char *nul = memchr(s, '\0', (size_t)(end - s));
        if (!nul || ids_intern(&lg->paid_other, s, (size_t)(nul - s), NULL) < 0)
            return nul ? fsafe_errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s", c->path)
                       : damaged(c, "paid timesheets (other ids)");
        s = nul + 1;
    }
    skip_payload(c, bytes);
    int identity = 1;
    for (int k = 0; k < IDS_LISTS; k++)
        identity = identity && is_identity(maps->map[k], maps->n[k]);
    for (size_t k = 0; k < ntables; k++) {     /* a version 1 file: the withholding tables stay empty */
        release(c->base, (size_t)(c->p - c->base));
        if ((rc = read_table(c, lg, k, maps, identity)) != 0)
            return rc;
    }
    return c->end - c->p == 8 ? 0 : damaged(c, "bytes after the last table");
}

int lbin_read(int fd, const char *path, ledger *lg, int gen, state_idmaps *maps, uint64_t *size, char *err,
              size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fsafe_errf(err, errlen, STATE_ERROR, "%s: %s", path, strerror(errno));
    *size = (uint64_t)st.st_size;
    if (st.st_size < 32)
        return fsafe_errf(err, errlen, STATE_DAMAGED, "%s: truncated or damaged; restore it or run from an older "
                          "generation", path);
    unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return fsafe_errf(err, errlen, errno == ENOMEM ? STATE_NO_MEMORY : STATE_ERROR, "%s: cannot map: %s", path,
                          strerror(errno));
    posix_madvise(map, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
    /* first the checksum over everything before the 8-byte trailer, then the parse */
    size_t body = (size_t)st.st_size - 8;
    uint32_t want, endmark, crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < body;) {
        size_t k = body - done > (8u << 20) ? (8u << 20) : body - done;
        crc = (uint32_t)crc32(crc, map + done, (uInt)k);
        done += k;
        release(map, done);
    }
    memcpy(&want, map + body, 4);
    memcpy(&endmark, map + body + 4, 4);
    int rc;
    if (endmark != LBIN_END)
        rc = fsafe_errf(err, errlen, STATE_DAMAGED, "%s: truncated or damaged (no end mark); restore it or run from "
                        "an older generation", path);
    else if (crc != want)
        rc = fsafe_errf(err, errlen, STATE_DAMAGED, "%s: checksum mismatch: the file was changed or damaged; restore "
                        "it or run from an older generation", path);
    else {
        cursor c = {.p = map, .end = map + st.st_size, .base = map, .path = path, .err = err, .errlen = errlen};
        rc = parse(&c, lg, gen, maps);
    }
    munmap(map, (size_t)st.st_size);
    return rc;
}
