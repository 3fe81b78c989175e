/* segment.c — the ledger's binary segments (ledger.bin and delta.bin, version 4; version 2 read): sorted records in checksummed blocks, read one person at a time. */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fsafe.h"
#include "mem.h"
#include "ledgerbin.h"
#include "state.h"

/* The layout (docs/state.md "Segments"): the lists, the paid codes and the tables,
 * each 8-byte aligned; then the index; then the trailer. The index starts with
 * SEG_HEAD words (what each part holds and where), then the fences: for each block of
 * codes and of each table, its first key and the CRC-32 of its bytes. */
#define SEG_MAGIC "PAYRUNLB"
#define SEG_VERSION 4u          /* LEDGER_TABLES tables (the withholding tables at the end), SEG_NLISTS lists */
#define SEG_VERSION_V3 3u       /* a development build's: W-2 sums without their county list; refused */
#define SEG_VERSION_V2 2u       /* what payrun wrote before the withholding tables: LEDGER_TABLES_V1
                                   tables, SEG_NLISTS_V2 lists; still read */
#define SEG_ORDER 0x01020304u
#define SEG_END 0x21444E45u     /* "END!" */
#define BLOCK_RECORDS 64        /* records a block: about 1.5 KiB, one small read */
#define BLOCK_CODES 512         /* paid codes a block: 4 KiB */
#define LIST_WORDS 5            /* base, count, offset, bytes, crc */
#define PART_WORDS 5            /* count, stride, offset, blocks, next ordinal */
/* The index's head words of a file of nlists lists and ntables tables (the trailer's ntables). */
#define SEG_HEAD_OF(nlists, ntables) ((nlists) * LIST_WORDS + (1 + (ntables)) * PART_WORDS)
#define SEG_HEAD SEG_HEAD_OF(SEG_NLISTS, LEDGER_TABLES)
#define SCAN_BYTES (1u << 20)   /* a scan reads about this much at a time */

typedef struct {
    char magic[8];
    uint32_t version, generation, order, kind;
    uint32_t ntables, block_records, block_codes, reserved;
    uint64_t index_offset, index_bytes;
    uint32_t index_crc, trailer_crc;    /* trailer_crc: of the bytes before it */
    uint32_t end, pad;
} seg_trailer;
_Static_assert(sizeof(seg_trailer) == 72, "the trailer is 72 bytes");

/* Codes (part 0) or a table's records (parts 1..): count elements of stride bytes
 * from offset, in blocks of per elements; a table's block holds its records, then
 * their ordinals (uint32 each: the order they were created in). fence[2b] is block
 * b's first key and fence[2b + 1] its CRC. */
typedef struct {
    uint64_t count, stride, offset, blocks, per, next_ordinal;
    int ordinals;
    const uint64_t *fence;
} seg_part;

/* The bytes of a block of n elements of part q. */
static uint64_t block_bytes(const seg_part *q, uint64_t n) { return n * q->stride + (q->ordinals ? n * 4 : 0); }

struct seg_file {
    int fd, gen, kind;
    int ntables;            /* the tables the file holds; parts after them are empty */
    int nlists;             /* the lists it holds (SEG_NLISTS_V2 in version 2); lists after them are empty */
    uint64_t size;
    char path[4200];
    const uint64_t *index;  /* in index_map: the file's index, mapped */
    void *index_map;
    size_t index_map_len;
    struct {
        uint64_t base, count, offset, bytes, crc;
    } list[SEG_NLISTS];
    seg_part part[1 + LEDGER_TABLES];   /* every table: a version 2 file's last ones hold nothing */
    unsigned char *buf;     /* one block, or a scan's chunk */
    size_t cap;
    /* the last block of paid codes read, kept apart: a night's new timesheet ids are
     * mostly above every paid one, so their lookups all read the last block */
    unsigned char *codes;
    uint64_t codes_block;   /* its number; UINT64_MAX none */
    size_t codes_bytes;
};

static uint32_t crc_of(const void *p, size_t n)
{
    uint32_t c = (uint32_t)crc32(0L, Z_NULL, 0);
    const unsigned char *b = p;
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = (uint32_t)crc32(c, b, k);
        b += k;
        n -= k;
    }
    return c;
}

/* ---- writing ---- */

/* The file as it is written: where the next byte goes, the index built beside, and
 * the scratch the tables are sorted in (kept from table to table: fresh pages cost
 * a fault each). */
typedef struct {
    csvw *w;
    uint64_t at;
    uint64_t *index;    /* SEG_HEAD words, then the fences */
    size_t n, cap;
    lbin_pair *order;
    uint32_t *bucket;
    size_t order_cap, bucket_cap;
    int nomem;
} sink;

static void put(sink *s, const void *p, size_t n)
{
    csvw_raw(s->w, p, n);
    s->at += n;
}

static void pad8(sink *s)
{
    static const char zero[8];
    if (s->at % 8)
        put(s, zero, 8 - s->at % 8);
}

static void index_add(sink *s, uint64_t v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *x = realloc(s->index, cap * sizeof *x);
        if (!x) {
            s->nomem = 1;
            return;
        }
        s->index = x;
        s->cap = cap;
    }
    s->index[s->n++] = v;
}

/* Grows *p (of *cap elements of size bytes) to hold n. Returns 0, or -1 out of memory. */
static int reserve_scratch(void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    void *x = mem_realloc(*p, n * size);
    if (!x)
        return -1;
    *p = x;
    *cap = n;
    return 0;
}

/* The names of list k from `from` on, each ended by a NUL. */
static void put_list(sink *s, int k, const char *(*name)(const void *, int32_t), const void *t, int32_t from,
                     int32_t to)
{
    uint64_t offset = s->at;
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (int32_t i = from; i < to; i++) {
        const char *id = name(t, i);
        size_t n = strlen(id) + 1;
        crc = (uint32_t)crc32(crc, (const Bytef *)id, (uInt)n);
        put(s, id, n);
    }
    uint64_t *l = s->index + k * LIST_WORDS;
    l[0] = (uint64_t)from;
    l[1] = (uint64_t)(to - from);
    l[2] = offset;
    l[3] = s->at - offset;
    l[4] = crc;
    pad8(s);
}
static const char *ledger_id_name(const void *t, int32_t i) { return ledger_ids_name(t, i); }
static const char *other_id_name(const void *t, int32_t i) { return ids_name(t, i); }

/* The ledger's list k (IDS_* order) from index from on, as the segment's list
 * seg_list_of(k). Never fails (the writer reports a write error when it is closed). */
static void put_ledger_list(sink *s, const ledger *lg, int k, int64_t from)
{
    const ledger_ids *l = state_ids_list_c(lg, k);
    put_list(s, seg_list_of(k), ledger_id_name, l, (int32_t)from, ledger_ids_count(l));
}

/* Part p's words of the index: count elements of stride bytes from here, per a block. */
static void part_head(sink *s, int p, uint64_t count, uint64_t stride, uint64_t per, uint32_t next_ordinal)
{
    uint64_t *h = s->index + SEG_NLISTS * LIST_WORDS + (size_t)p * PART_WORDS;
    h[0] = count;
    h[1] = stride;
    h[2] = s->at;
    h[3] = (count + per - 1) / per;
    h[4] = next_ordinal;
}

/* Room for a block of bytes straight in the file's buffer (no copy in between). */
static unsigned char *block_begin(sink *s, size_t bytes) { return (unsigned char *)csvw_reserve(s->w, bytes); }

/* Ends the block begun at p: its first key and CRC go to the index. */
static void block_end(sink *s, const unsigned char *p, size_t bytes)
{
    uint64_t first;
    memcpy(&first, p, 8);
    index_add(s, first);
    index_add(s, crc_of(p, bytes));
    csvw_wrote(s->w, bytes);
    s->at += bytes;
}

static int pair_cmp(const void *a, const void *b)
{
    uint64_t x = ((const lbin_pair *)a)->key, y = ((const lbin_pair *)b)->key;
    return x < y ? -1 : x > y;
}

/* Sorts pairs [0, n) by key: insertion for the few records of a bucket, mostly in
 * order already; qsort for a crowded one (keys that cluster in few buckets, as packed
 * timesheet ids do); the radix sort only for a huge one (its 65,536 counters would
 * cost more than they save on fewer). Returns 0, or -1 out of memory. */
static int sort_bucket(lbin_pair *a, size_t n)
{
    if (n > 65536)
        return lbin_sort_pairs(a, n);
    if (n > 32) {
        qsort(a, n, sizeof *a, pair_cmp);
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        lbin_pair x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].key > x.key; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
    return 0;
}

/* Pairs [0, n) of a coarse bucket, sorted: spread over their fine buckets (f: the
 * key's fine bucket less the coarse bucket's first, below nf) through tmp, each fine
 * bucket then sorted. In the cache: a coarse bucket is a few thousand pairs. Returns
 * 0, or -1 out of memory. */
static int sort_coarse(lbin_pair *a, size_t n, lbin_pair *tmp, uint32_t *fine, size_t nf, uint64_t lo, int shift,
                       uint64_t first)
{
    memset(fine, 0, (nf + 1) * sizeof *fine);
    for (size_t i = 0; i < n; i++)
        fine[((a[i].key - lo) >> shift) - first + 1]++;
    for (size_t k = 1; k <= nf; k++)
        fine[k] += fine[k - 1];
    for (size_t i = 0; i < n; i++)
        tmp[fine[((a[i].key - lo) >> shift) - first]++] = a[i];
    memcpy(a, tmp, n * sizeof *a);
    /* fine[k] is now where fine bucket k ends */
    for (size_t k = 0, from = 0; k < nf; from = fine[k++])
        if (fine[k] - from > 1 && sort_bucket(a + from, fine[k] - from) != 0)
            return -1;
    return 0;
}

/* The records of t (all, or the touched ones of a delta) as (key, index) pairs in key
 * order into s->order; *count gets how many. A bucket sort (the ledger keeps the
 * smallest and largest key): the keys' high bits spread the records over at most as
 * many fine buckets as records (a person's few records share one), each then sorted.
 * The spreading goes in two steps, to at most COARSE buckets first, so that neither
 * step writes all over memory: one pass over the keys to count, one to spread, then
 * each coarse bucket in the cache. Returns 0, or -1 out of memory. */
#define COARSE 2048
static int key_order(sink *s, const ledger_table *t, int delta, size_t *count)
{
    size_t n = t->n;
    if (delta) {
        n = 0;
        for (size_t w = 0; w < (t->n + 63) / 64; w++)
            n += (size_t)__builtin_popcountll(t->touched[w]);   /* bits past t->n are never set */
    }
    *count = n;
    if (n == 0)
        return 0;
    uint64_t lo = t->min_key, hi = t->max_key;
    int shift = 0, cshift = 0;
    while (((hi - lo) >> shift) >= n)
        shift++;
    size_t nb = (size_t)((hi - lo) >> shift) + 1;   /* fine buckets */
    while (((nb - 1) >> cshift) >= COARSE)
        cshift++;
    size_t nc = ((nb - 1) >> cshift) + 1, nf = (size_t)1 << cshift;
    if (reserve_scratch((void **)&s->order, &s->order_cap, n, sizeof *s->order) != 0 ||
        reserve_scratch((void **)&s->bucket, &s->bucket_cap, nc + nf + 2, sizeof *s->bucket) != 0)
        return -1;
    uint32_t *c = s->bucket, *fine = s->bucket + nc + 1;   /* c[k + 1]: bucket k's size, then c[k]: where it starts */
    memset(c, 0, (nc + 1) * sizeof *c);
    for (size_t i = 0; i < t->n; i++)
        if (!delta || ledger_touched(t, i))
            c[(((ledger_key_at(t, i) - lo) >> shift) >> cshift) + 1]++;
    size_t most = 0;
    for (size_t b = 1; b <= nc; b++) {
        most = c[b] > most ? c[b] : most;
        c[b] += c[b - 1];
    }
    for (size_t i = 0; i < t->n; i++)
        if (!delta || ledger_touched(t, i)) {
            uint64_t key = ledger_key_at(t, i);
            s->order[c[((key - lo) >> shift) >> cshift]++] = (lbin_pair){key, i};
        }
    lbin_pair *tmp = malloc((most ? most : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    /* c[b] is now where coarse bucket b ends */
    int rc = 0;
    for (size_t b = 0, from = 0; rc == 0 && b < nc; from = c[b++])
        if (c[b] - from > 1)
            rc = sort_coarse(s->order + from, c[b] - from, tmp, fine, nf, lo, shift, (uint64_t)b << cshift);
    free(tmp);
    return rc;
}

/* The records of t (all, or the touched ones of a delta) sorted by key, in blocks of
 * BLOCK_RECORDS: the records, then their ordinals. The records are gathered straight
 * into the file's buffer, fetched into the cache a few ahead. */
static int put_table(sink *s, const ledger_table *t, int k, int delta)
{
    size_t n;
    if (key_order(s, t, delta, &n) != 0)
        return -1;
    const lbin_pair *order = s->order;
    size_t stride = t->stride;
    part_head(s, 1 + k, n, stride, BLOCK_RECORDS, t->next_ordinal);
    for (size_t from = 0; from < n; from += BLOCK_RECORDS) {
        size_t m = n - from < BLOCK_RECORDS ? n - from : BLOCK_RECORDS;
        unsigned char *p = block_begin(s, m * (stride + 4));
        for (size_t i = 0; i < m; i++) {
            if (from + i + 16 < n) {
                __builtin_prefetch(t->rows + order[from + i + 16].at * stride);
                __builtin_prefetch(t->ordinal + order[from + i + 16].at);
            }
            memcpy(p + i * stride, t->rows + order[from + i].at * stride, stride);
            memcpy(p + m * stride + i * 4, t->ordinal + order[from + i].at, 4);
        }
        block_end(s, p, m * (stride + 4));
    }
    pad8(s);
    return s->nomem ? -1 : 0;
}

/* The paid codes, sorted and without repeats: every one, or a delta's logged ones. The
 * radix sort: packed timesheet ids cluster in a few of key_order's buckets, where it
 * gains nothing (1M codes: 0.08 s either way). */
static int put_codes(sink *s, const ledger *lg, int delta)
{
    size_t n = delta ? lg->npaid_log : lg->paid_ids.n;
    uint64_t *codes = mem_malloc((n ? n : 1) * sizeof *codes);
    if (!codes)
        return -1;
    if (delta) {
        if (n > 0)
            memcpy(codes, lg->paid_log, n * sizeof *codes);
    } else {
        for (size_t i = 0, j = 0; i < lg->paid_ids.nslots; i++)
            if (lg->paid_ids.keys[i] != UINT64_MAX)
                codes[j++] = lg->paid_ids.keys[i];
    }
    if (lbin_sort_codes(codes, n) != 0) {
        mem_free(codes);
        return -1;
    }
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || codes[i] != codes[u - 1])
            codes[u++] = codes[i];
    part_head(s, 0, u, 8, BLOCK_CODES, 0);
    for (size_t from = 0; from < u; from += BLOCK_CODES) {
        size_t m = u - from < BLOCK_CODES ? u - from : BLOCK_CODES;
        unsigned char *p = block_begin(s, m * 8);
        memcpy(p, codes + from, m * 8);
        block_end(s, p, m * 8);
    }
    pad8(s);
    mem_free(codes);
    return s->nomem ? -1 : 0;
}

int seg_write(csvw *w, const ledger *lg, int gen, int kind, const int64_t base[IDS_LISTS])
{
    sink s = {.w = w};
    csvw_without_crc(w);    /* every block, list and the index carry their own CRC-32 */
    for (int i = 0; i < SEG_HEAD; i++)
        index_add(&s, 0);
    if (s.nomem)
        return -1;
    int delta = kind == SEG_DELTA;
    for (int k = IDS_PROVIDERS; k <= IDS_OVERPAYMENTS; k++)
        put_ledger_list(&s, lg, k, delta ? base[k] : 0);
    put_list(&s, SEG_PAID_OTHER, other_id_name, &lg->paid_other, delta ? lg->paid_other_mark : 0, lg->paid_other.n);
    put_ledger_list(&s, lg, IDS_COUNTIES, delta ? base[IDS_COUNTIES] : 0);
    int rc = put_codes(&s, lg, delta);
    for (int k = 0; rc == 0 && k < LEDGER_TABLES; k++)
        rc = put_table(&s, ledger_table_at((ledger *)(uintptr_t)lg, k), k, delta);
    mem_free(s.order);
    mem_free(s.bucket);
    if (rc != 0 || s.nomem) {
        free(s.index);
        return -1;
    }
    seg_trailer t = {.version = SEG_VERSION, .generation = (uint32_t)gen, .order = SEG_ORDER, .kind = (uint32_t)kind,
                     .ntables = LEDGER_TABLES, .block_records = BLOCK_RECORDS, .block_codes = BLOCK_CODES,
                     .index_offset = s.at, .index_bytes = s.n * 8, .end = SEG_END};
    memcpy(t.magic, SEG_MAGIC, 8);
    t.index_crc = crc_of(s.index, s.n * 8);
    put(&s, s.index, s.n * 8);
    free(s.index);
    t.trailer_crc = crc_of(&t, offsetof(seg_trailer, trailer_crc));
    put(&s, &t, sizeof t);
    return 0;
}

/* ---- reading ---- */

static int damaged(const seg_file *f, char *err, size_t errlen, const char *what)
{
    return fsafe_errf(err, errlen, STATE_DAMAGED, "%s: %s: the state is damaged; restore it or run from an older "
                      "generation (--from-generation)", f->path, what);
}

/* Reads n bytes at offset into p. Returns 0, or STATE_DAMAGED (short) / STATE_ERROR. */
static int read_at(const seg_file *f, void *p, size_t n, uint64_t offset, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(f->fd, (char *)p + done, n - done, (off_t)(offset + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return fsafe_errf(err, errlen, STATE_ERROR, "%s: cannot read: %s", f->path, strerror(errno));
        if (k == 0)
            return damaged(f, err, errlen, "truncated");
        done += (size_t)k;
    }
    return 0;
}

static int reserve_buf(seg_file *f, size_t n, char *err, size_t errlen)
{
    if (n <= f->cap)
        return 0;
    unsigned char *b = realloc(f->buf, n);
    if (!b)
        return fsafe_errf(err, errlen, STATE_NO_MEMORY, "out of memory while reading %s", f->path);
    f->buf = b;
    f->cap = n;
    return 0;
}

/* A read-only view of bytes [offset, offset + n) of f, mapped: what is read whole (the
 * index, an id list) is mapped rather than read, so its pages come from the page cache
 * without a copy into fresh memory. *map and *len are what to munmap. Returns the view,
 * or NULL with err (STATE_ERROR). */
static const unsigned char *map_range(const seg_file *f, uint64_t offset, size_t n, void **map, size_t *len,
                                      char *err, size_t errlen)
{
    static const unsigned char empty[1];
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), start = offset / page * page;
    *map = NULL;
    *len = 0;
    if (n == 0)
        return empty;
    void *m = mmap(NULL, (size_t)(offset - start) + n, PROT_READ, MAP_PRIVATE, f->fd, (off_t)start);
    if (m == MAP_FAILED) {
        fsafe_errf(err, errlen, STATE_ERROR, "%s: cannot read: %s", f->path, strerror(errno));
        return NULL;
    }
    *map = m;
    *len = (size_t)(offset - start) + n;
    return (const unsigned char *)m + (offset - start);
}

/* Checks the index's head: every part within the file's body and its blocks
 * counted right; points each part at its fences. The tables after the file's
 * f->ntables and the lists after its f->nlists (a version 2 file: the withholding
 * tables, the county list) are empty. Returns 0, or STATE_DAMAGED with err set. */
static int check_index(seg_file *f, const seg_trailer *t, char *err, size_t errlen)
{
    uint64_t body = t->index_offset, words = t->index_bytes / 8, fences = SEG_HEAD_OF(f->nlists, f->ntables);
    for (int k = 0; k < SEG_NLISTS; k++) {
        static const uint64_t none[LIST_WORDS];     /* no ids: the CRC-32 of no bytes is 0 */
        const uint64_t *l = k < f->nlists ? f->index + k * LIST_WORDS : none;
        f->list[k].base = l[0];
        f->list[k].count = l[1];
        f->list[k].offset = l[2];
        f->list[k].bytes = l[3];
        f->list[k].crc = l[4];
        if (l[2] > body || l[3] > body - l[2] || l[1] > l[3] || l[0] > INT32_MAX || l[1] > INT32_MAX)
            return damaged(f, err, errlen, "a list lies outside the file");
    }
    for (int p = 0; p <= LEDGER_TABLES; p++) {
        seg_part *q = &f->part[p];
        uint64_t want = p == 0 ? 8 : ledger_table_stride(p - 1), per = p == 0 ? t->block_codes : t->block_records;
        if (p > f->ntables) {
            *q = (seg_part){.stride = want, .per = per, .ordinals = 1, .fence = f->index + fences};
            continue;
        }
        const uint64_t *h = f->index + f->nlists * LIST_WORDS + p * PART_WORDS;
        q->count = h[0];
        q->stride = h[1];
        q->offset = h[2];
        q->blocks = h[3];
        q->next_ordinal = h[4];
        q->ordinals = p > 0;
        q->per = per;
        if (q->stride != want || q->per == 0 || q->blocks != (q->count + q->per - 1) / q->per || q->offset > body ||
            q->count > (body - q->offset) / q->stride || block_bytes(q, q->count) > body - q->offset ||
            q->blocks > (words - fences) / 2 || q->next_ordinal > UINT32_MAX || (p > 0 && q->count > q->next_ordinal))
            return damaged(f, err, errlen, p == 0 ? "paid timesheets" : "a counter table");
        q->fence = f->index + fences;
        fences += 2 * q->blocks;
    }
    return fences == words ? 0 : damaged(f, err, errlen, "index");
}

int seg_open(int dfd, const char *name, const char *path, int gen, seg_file **out, char *err, size_t errlen)
{
    seg_file *f = calloc(1, sizeof *f);
    if (!f)
        return fsafe_errf(err, errlen, STATE_NO_MEMORY, "out of memory while opening %s", path);
    f->codes_block = UINT64_MAX;
    snprintf(f->path, sizeof f->path, "%s", path);
    f->fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        int rc = fsafe_errf(err, errlen, STATE_ERROR, "%s: generation %d cannot be read: %s", path, gen,
                            strerror(errno));
        seg_close(f);
        return rc;
    }
    f->size = (uint64_t)st.st_size;
    seg_trailer t;
    int rc = f->size < sizeof t ? damaged(f, err, errlen, "truncated")
                                : read_at(f, &t, sizeof t, f->size - sizeof t, err, errlen);
    if (rc == 0 && (memcmp(t.magic, SEG_MAGIC, 8) != 0 || t.end != SEG_END ||
                    t.trailer_crc != crc_of(&t, offsetof(seg_trailer, trailer_crc))))
        rc = damaged(f, err, errlen, "truncated or damaged (no valid trailer)");
    if (rc == 0 && t.order == SEG_ORDER && t.version == SEG_VERSION_V3)
        rc = damaged(f, err, errlen, "a segment of version 3, written by a development build whose W-2 sums had no "
                     "county list: not read");
    /* version 4 holds every table; version 2 (before withholding) the first LEDGER_TABLES_V1 */
    if (rc == 0 && (t.order != SEG_ORDER || !((t.version == SEG_VERSION && t.ntables == LEDGER_TABLES) ||
                                              (t.version == SEG_VERSION_V2 && t.ntables == LEDGER_TABLES_V1))))
        rc = damaged(f, err, errlen, "a binary ledger of another version or byte order");
    if (rc == 0 && (t.generation != (uint32_t)gen || (t.kind != SEG_CHECKPOINT && t.kind != SEG_DELTA)))
        rc = damaged(f, err, errlen, "generation number or kind");
    if (rc == 0) {
        f->ntables = (int)t.ntables;
        f->nlists = t.version == SEG_VERSION ? SEG_NLISTS : SEG_NLISTS_V2;
    }
    if (rc == 0 && (t.index_bytes % 8 || t.index_bytes < (uint64_t)SEG_HEAD_OF(f->nlists, f->ntables) * 8 || t.index_offset % 8 ||
                    t.index_offset > f->size || t.index_bytes != f->size - sizeof t - t.index_offset))
        rc = damaged(f, err, errlen, "index");
    if (rc == 0 && !(f->index = (const uint64_t *)(const void *)map_range(f, t.index_offset, t.index_bytes,
                                                                          &f->index_map, &f->index_map_len, err,
                                                                          errlen)))
        rc = STATE_ERROR;
    if (rc == 0 && crc_of(f->index, t.index_bytes) != t.index_crc)
        rc = damaged(f, err, errlen, "checksum mismatch in the index: the file was changed or damaged");
    if (rc == 0)
        rc = check_index(f, &t, err, errlen);
    if (rc != 0) {
        seg_close(f);
        return rc;
    }
    f->gen = gen;
    f->kind = (int)t.kind;
    *out = f;
    return 0;
}

void seg_close(seg_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->index_map)
        munmap(f->index_map, f->index_map_len);
    free(f->buf);
    free(f->codes);
    free(f);
}

int seg_kind(const seg_file *f) { return f->kind; }
uint32_t seg_next_ordinal(const seg_file *f, int table) { return (uint32_t)f->part[1 + table].next_ordinal; }
uint64_t seg_size(const seg_file *f) { return f->size; }
int64_t seg_list_base(const seg_file *f, int k) { return (int64_t)f->list[k].base; }
int64_t seg_list_count(const seg_file *f, int k) { return (int64_t)f->list[k].count; }
int seg_has_list(const seg_file *f, int k) { return k < f->nlists; }

int seg_names(seg_file *f, int k, int (*fn)(void *ctx, const char *id, size_t n), void *ctx, char *err, size_t errlen)
{
    size_t bytes = (size_t)f->list[k].bytes, len;
    void *map;
    const char *s = (const char *)map_range(f, f->list[k].offset, bytes, &map, &len, err, errlen), *end = s + bytes;
    if (!s)
        return STATE_ERROR;
    int rc = crc_of(s, bytes) == f->list[k].crc
                 ? 0
                 : damaged(f, err, errlen, "checksum mismatch in an id list: the file was changed or damaged");
    for (uint64_t i = 0; rc == 0 && i < f->list[k].count; i++) {
        const char *nul = memchr(s, '\0', (size_t)(end - s));
        if (!nul || nul == s)
            rc = damaged(f, err, errlen, "an id list");
        else if ((rc = fn(ctx, s, (size_t)(nul - s))) == 0)
            s = nul + 1;
    }
    if (rc == 0 && s != end)
        rc = damaged(f, err, errlen, "an id list");
    if (map)
        munmap(map, len);
    return rc;
}

/* Reads blocks [b, b + nb) of part q into f->buf, checking each against its CRC;
 * *bytes gets how many were read. */
static int read_blocks(seg_file *f, const seg_part *q, uint64_t b, uint64_t nb, size_t *bytes, char *err, size_t errlen)
{
    uint64_t first = b * q->per, last = (b + nb) * q->per < q->count ? (b + nb) * q->per : q->count;
    size_t n = (size_t)block_bytes(q, last - first);
    int rc = reserve_buf(f, n ? n : 1, err, errlen);
    if (rc == 0)
        rc = read_at(f, f->buf, n, q->offset + block_bytes(q, first), err, errlen);
    for (uint64_t k = 0; rc == 0 && k < nb; k++) {
        uint64_t from = (b + k) * q->per, to = from + q->per < q->count ? from + q->per : q->count;
        const unsigned char *at = f->buf + block_bytes(q, from - first);
        uint64_t key;
        memcpy(&key, at, 8);
        if (crc_of(at, (size_t)block_bytes(q, to - from)) != q->fence[2 * (b + k) + 1] || key != q->fence[2 * (b + k)])
            return damaged(f, err, errlen, "checksum mismatch in a block: the file was changed or damaged");
    }
    *bytes = n;
    return rc;
}

/* Calls fn on each element of the blocks read (from block b on, bytes long), in order;
 * lo/hi: only keys in [lo, hi), stopping at hi (*done set). check: keys must rise
 * strictly after *prev (a scan). */
static int each_in_blocks(seg_file *f, const seg_part *q, uint64_t b, size_t bytes, uint64_t lo, uint64_t hi,
                          int check, uint64_t *prev, seg_record_fn fn, void *ctx, int *done, char *err, size_t errlen)
{
    uint64_t bb = block_bytes(q, q->per);
    for (size_t base = 0; base < bytes; base += (size_t)bb, b++) {
        uint64_t n = (b + 1) * q->per <= q->count ? q->per : q->count - b * q->per;
        const unsigned char *blk = f->buf + base;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t key;
            uint32_t ord = 0;
            memcpy(&key, blk + i * q->stride, 8);
            if (q->ordinals)
                memcpy(&ord, blk + n * q->stride + i * 4, 4);
            if (check && (b > 0 || i > 0) && key <= *prev)
                return damaged(f, err, errlen, "records out of order");
            *prev = key;
            if (key >= hi) {
                *done = 1;
                return 0;
            }
            if (key < lo)
                continue;
            if (q->ordinals && (ord >= q->next_ordinal))
                return damaged(f, err, errlen, "a record's ordinal is out of range");
            int rc = fn(ctx, key, blk + i * q->stride + 8, ord);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* The last block whose first key is at most key (0 when none is). */
static uint64_t block_of(const seg_part *q, uint64_t key)
{
    uint64_t lo = 0, hi = q->blocks;     /* blocks [0, lo) start at or before key */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (q->fence[2 * mid] <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

int seg_fetch(seg_file *f, int table, uint32_t who, seg_record_fn fn, void *ctx, char *err, size_t errlen)
{
    const seg_part *q = &f->part[1 + table];
    uint64_t lo = (uint64_t)who << 32, hi = lo + ((uint64_t)1 << 32), prev = 0;
    if (q->count == 0 || q->fence[0] >= hi)
        return 0;
    int done = 0;
    for (uint64_t b = block_of(q, lo); !done && b < q->blocks && q->fence[2 * b] < hi; b++) {
        size_t bytes;
        int rc = read_blocks(f, q, b, 1, &bytes, err, errlen);
        if (rc == 0)
            rc = each_in_blocks(f, q, b, bytes, lo, hi, 0, &prev, fn, ctx, &done, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Every element of part q in order, key strictly increasing. */
static int scan_part(seg_file *f, const seg_part *q, seg_record_fn fn, void *ctx, char *err, size_t errlen)
{
    uint64_t step = SCAN_BYTES / block_bytes(q, q->per) + 1, prev = 0;
    for (uint64_t b = 0; b < q->blocks; b += step) {
        size_t bytes;
        int done = 0;
        int rc = read_blocks(f, q, b, b + step <= q->blocks ? step : q->blocks - b, &bytes, err, errlen);
        if (rc == 0)
            rc = each_in_blocks(f, q, b, bytes, 0, UINT64_MAX, 1, &prev, fn, ctx, &done, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int seg_scan(seg_file *f, int table, seg_record_fn fn, void *ctx, char *err, size_t errlen)
{
    return scan_part(f, &f->part[1 + table], fn, ctx, err, errlen);
}

int seg_has_code(seg_file *f, uint64_t code, char *err, size_t errlen)
{
    const seg_part *q = &f->part[0];
    if (q->count == 0 || code < q->fence[0])
        return 0;
    uint64_t b = block_of(q, code);
    if (b != f->codes_block) {
        size_t bytes;
        int rc = read_blocks(f, q, b, 1, &bytes, err, errlen);
        if (rc != 0)
            return rc;
        if (!f->codes && !(f->codes = malloc((size_t)block_bytes(q, q->per))))
            return fsafe_errf(err, errlen, STATE_NO_MEMORY, "out of memory while reading %s", f->path);
        memcpy(f->codes, f->buf, bytes);
        f->codes_block = b;
        f->codes_bytes = bytes;
    }
    size_t lo = 0, hi = f->codes_bytes / 8;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t c;
        memcpy(&c, f->codes + mid * 8, 8);
        if (c == code)
            return 1;
        if (c < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

typedef struct {
    int (*fn)(void *, uint64_t);
    void *ctx;
} code_scan;
static int each_code(void *ctx, uint64_t key, const void *rest, uint32_t ordinal)
{
    (void)rest, (void)ordinal;
    const code_scan *c = ctx;
    return c->fn(c->ctx, key);
}

int seg_scan_codes(seg_file *f, int (*fn)(void *ctx, uint64_t code), void *ctx, char *err, size_t errlen)
{
    code_scan c = {fn, ctx};
    return scan_part(f, &f->part[0], each_code, &c, err, errlen);
}

static int ignore_name(void *ctx, const char *id, size_t n)
{
    (void)ctx, (void)id, (void)n;
    return 0;
}
static int ignore_record(void *ctx, uint64_t key, const void *record, uint32_t ordinal)
{
    (void)ctx, (void)key, (void)record, (void)ordinal;
    return 0;
}

int seg_verify(seg_file *f, char *err, size_t errlen)
{
    int rc = 0;
    for (int k = 0; rc == 0 && k < SEG_NLISTS; k++)
        rc = seg_names(f, k, ignore_name, NULL, err, errlen);
    for (int p = 0; rc == 0 && p <= LEDGER_TABLES; p++)
        rc = scan_part(f, &f->part[p], ignore_record, NULL, err, errlen);
    return rc;
}

int seg_is_segment(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    seg_trailer t;
    int r = fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof t &&
            pread(fd, &t, sizeof t, st.st_size - (off_t)sizeof t) == (ssize_t)sizeof t &&
            memcmp(t.magic, SEG_MAGIC, 8) == 0 && t.end == SEG_END;
    close(fd);
    return r;
}
