/* test_segment.c — the ledger's binary segments (formats/segment.c) and the chain that reads them a
 * person at a time (formats/chain.c, the ledger's source): round trips, deltas, lazy against whole
 * loads, damaged files, creation ordinals, the version before the withholding tables; and the other
 * forms of a generation's ledger (ledger.bin, ledger.txt, delta.txt) in each version. Every expected
 * value comes from a model the test keeps of what it wrote, never from what the program read back. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "chain.h"
#include "csvw.h"
#include "fsafe.h"
#include "ledger.h"
#include "ledgerbin.h"
#include "segment.h"
#include "state.h"
#include "test_util.h"

/* Table numbers (ledger_table_at order). */
enum { T_PERIODS, T_PWEEK, T_RWEEK, T_PMONTH, T_RMONTH, T_BUPS, T_PYEAR, T_PQUARTER, T_RECOVERED, T_VIOLATIONS,
       T_PPERIOD, T_PW2 };
_Static_assert(T_PW2 + 1 == LEDGER_TABLES && T_PPERIOD == LEDGER_TABLES_V1, "the withholding tables come last");

/* The trailer's fields (docs/state.md "Segments": 72 bytes at the end of the file). */
enum { TR_BYTES = 72, TR_VERSION = 8, TR_NTABLES = 24, TR_INDEX_OFFSET = 40, TR_INDEX_BYTES = 48, TR_INDEX_CRC = 56,
       TR_CRC = 60 };
/* The index's head: 5 words for each id list, then 5 for the codes and for each table. */
enum { LIST_WORDS = 5, HEAD_LIST_WORDS = LIST_WORDS * SEG_NLISTS, PART_WORDS = 5 };

/* ---- failures collected in loops: the first one's message is reported ---- */

static int wrong;
static char first_wrong[512];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    if (wrong++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_wrong, sizeof first_wrong, fmt, ap);
        va_end(ap);
    }
}

static void reset_wrong(void)
{
    wrong = 0;
    first_wrong[0] = '\0';
}

#define ASSERT_NONE_WRONG()                                                                                            \
    do {                                                                                                               \
        char m_[600];                                                                                                  \
        snprintf(m_, sizeof m_, "%d wrong, first: %s", wrong, first_wrong);                                            \
        ASSERT_MSG(wrong == 0, m_);                                                                                    \
    } while (0)

/* ---- a model of what was written ---- */

/* The bytes of the record of `key` in table `table` as written in generation gen. */
static void pattern(void *out, size_t n, int table, uint64_t key, unsigned gen)
{
    unsigned char *b = out;
    uint64_t x = key * 0x9E3779B97F4A7C15u ^ ((uint64_t)table << 56) ^ ((uint64_t)gen << 40);
    for (size_t i = 0; i < n; i++) {
        x = ids_mix64(x + i + 1);
        b[i] = (unsigned char)(x >> 24);
    }
}

typedef struct {
    int table;
    uint64_t key;
    uint32_t ordinal;       /* the order it was created in, in its table */
    unsigned gen;           /* the generation whose pattern it holds now */
    unsigned val_at[5];     /* the generation whose pattern it held at the end of generation g (0 none) */
    unsigned touched;       /* bit g: reached in generation g */
} mrec;

typedef struct {
    mrec *r;
    size_t n, cap;
    uint32_t next[LEDGER_TABLES];
    unsigned gen;           /* the generation being built */
} model;

static mrec *model_find(model *m, int table, uint64_t key)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->r[i].table == table && m->r[i].key == key)
            return &m->r[i];
    return NULL;
}

static void model_free(model *m)
{
    free(m->r);
    memset(m, 0, sizeof *m);
}

/* Writes the record (who, when) of table in lg with this generation's pattern, created when new. */
static void set_record(ledger *lg, model *m, int table, int32_t who, int32_t when)
{
    ledger_table *t = ledger_table_at(lg, table);
    uint64_t key = ledger_key(who, when);
    mrec *r = model_find(m, table, key);
    if (!r) {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 256;
            m->r = realloc(m->r, m->cap * sizeof *m->r);
            if (!m->r)
                abort();
        }
        r = &m->r[m->n++];
        memset(r, 0, sizeof *r);
        r->table = table;
        r->key = key;
        r->ordinal = m->next[table]++;
    }
    r->gen = m->gen;
    r->touched |= 1u << m->gen;
    int32_t i = ledger_index(t, key);
    if (i < 0) {
        fail("ledger_index failed on table %d who %d when %d", table, who, when);
        return;
    }
    pattern(ledger_row(t, i), t->size, table, key, m->gen);
}

/* Reaches an existing record through ledger_index without changing it (it is touched). */
static void touch_record(ledger *lg, model *m, int table, int32_t who, int32_t when)
{
    mrec *r = model_find(m, table, ledger_key(who, when));
    if (!r || ledger_index(ledger_table_at(lg, table), r->key) < 0) {
        fail("touch of table %d who %d when %d failed", table, who, when);
        return;
    }
    r->touched |= 1u << m->gen;
}

/* The end of generation m->gen: what every record holds now. */
static void model_end_gen(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        m->r[i].val_at[m->gen] = m->r[i].gen;
}

static int by_table_key(const void *a, const void *b)
{
    const mrec *x = a, *y = b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The model's records of table (of who when who >= 0) held at the end of gen (touched in gen
 * when only_touched), sorted by key, into out (malloc'd); the count. */
static size_t expected(const model *m, int table, int64_t who, unsigned gen, int only_touched, mrec **out)
{
    *out = malloc((m->n + 1) * sizeof **out);
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const mrec *r = &m->r[i];
        if (r->table != table || r->val_at[gen] == 0 || (who >= 0 && (int64_t)(r->key >> 32) != who))
            continue;
        if (only_touched && !(r->touched >> gen & 1))
            continue;
        (*out)[n++] = *r;
    }
    qsort(*out, n, sizeof **out, by_table_key);
    return n;
}

/* ---- records a segment gives ---- */

typedef struct {
    uint64_t key;
    uint32_t ordinal;
    unsigned char rec[LEDGER_RECORD_MAX];
} grec;

typedef struct {
    grec *g;
    size_t n, cap, size;
} got;

static int collect(void *ctx, uint64_t key, const void *record, uint32_t ordinal)
{
    got *g = ctx;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->g = realloc(g->g, g->cap * sizeof *g->g);
        if (!g->g)
            abort();
    }
    grec *r = &g->g[g->n++];
    r->key = key;
    r->ordinal = ordinal;
    memset(r->rec, 0, sizeof r->rec);
    memcpy(r->rec, record, g->size);
    return 0;
}

/* Compares what a segment gave with the model's records exp[0..ne) at generation gen. */
static void compare_records(const char *what, const got *g, const mrec *exp, size_t ne, unsigned gen)
{
    if (g->n != ne) {
        fail("%s: %zu records, expected %zu", what, g->n, ne);
        return;
    }
    for (size_t i = 0; i < ne; i++) {
        unsigned char want[LEDGER_RECORD_MAX];
        pattern(want, g->size, exp[i].table, exp[i].key, exp[i].val_at[gen]);
        if (g->g[i].key != exp[i].key)
            fail("%s: record %zu has key %llx, expected %llx", what, i, (unsigned long long)g->g[i].key,
                 (unsigned long long)exp[i].key);
        else if (memcmp(g->g[i].rec, want, g->size) != 0)
            fail("%s: record %zu (key %llx) has other bytes than written", what, i, (unsigned long long)exp[i].key);
        else if (g->g[i].ordinal != exp[i].ordinal)
            fail("%s: record %zu (key %llx) has ordinal %u, expected %u", what, i, (unsigned long long)exp[i].key,
                 g->g[i].ordinal, exp[i].ordinal);
    }
}

/* ---- files ---- */

typedef struct {
    char dir[64];
    int dfd;
    ids_table p, r, o;
} fixture;

/* A temp directory and masters of np providers P0.., nr recipients R0.., no overpayments O0... */
static int fx_open(fixture *fx, int np, int nr, int no)
{
    char id[16];
    memset(fx, 0, sizeof *fx);
    fx->dfd = -1;
    for (int i = 0; i < np; i++)
        ids_intern(&fx->p, id, (size_t)snprintf(id, sizeof id, "P%d", i), NULL);
    for (int i = 0; i < nr; i++)
        ids_intern(&fx->r, id, (size_t)snprintf(id, sizeof id, "R%d", i), NULL);
    for (int i = 0; i < no; i++)
        ids_intern(&fx->o, id, (size_t)snprintf(id, sizeof id, "O%d", i), NULL);
    if (tu_mkdtemp(fx->dir, sizeof fx->dir) != 0)
        return -1;
    fx->dfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fx->dfd >= 0 ? 0 : -1;
}

static void fx_close(fixture *fx)
{
    if (fx->dfd >= 0)
        close(fx->dfd);
    tu_rmtree(fx->dir);
    ids_free(&fx->p);
    ids_free(&fx->r);
    ids_free(&fx->o);
}

static int write_seg(fixture *fx, const char *name, const ledger *lg, int gen, int kind, const int64_t base[IDS_LISTS])
{
    int fd = openat(fx->dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    csvw w;
    if (csvw_open_fd(&w, fd, 0) != 0) {
        close(fd);
        return -1;
    }
    int rc = seg_write(&w, lg, gen, kind, base);
    return csvw_close(&w) != 0 ? -1 : rc;
}

static int open_seg(fixture *fx, const char *name, int gen, seg_file **f, char *err, size_t errlen)
{
    char path[256];
    tu_path(path, sizeof path, fx->dir, name);
    err[0] = '\0';
    return seg_open(fx->dfd, name, path, gen, f, err, errlen);
}

static unsigned char *read_file(fixture *fx, const char *name, size_t *n)
{
    char path[256];
    tu_path(path, sizeof path, fx->dir, name);
    return tu_read(path, n);
}

static int write_file(fixture *fx, const char *name, const void *data, size_t n)
{
    char path[256];
    tu_path(path, sizeof path, fx->dir, name);
    return tu_write(path, data, n);
}

/* Where the 8-byte key followed by the first 8 bytes of its record is in the file: the
 * offset of the record's first byte, or 0 when not there (or twice). */
static size_t find_record(const unsigned char *file, size_t n, uint64_t key, const void *record)
{
    unsigned char needle[16];
    memcpy(needle, &key, 8);
    memcpy(needle + 8, record, 8);
    size_t at = 0;
    for (size_t i = 0; i + 16 <= n; i++)
        if (memcmp(file + i, needle, 16) == 0) {
            if (at)
                return 0;
            at = i + 8;
        }
    return at;
}

static size_t find_u64(const unsigned char *file, size_t n, uint64_t v)
{
    size_t at = 0;
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(file + i, &v, 8) == 0) {
            if (at)
                return 0;
            at = i;
        }
    return at;
}

/* ---- id lists ---- */

typedef struct {
    char (*s)[64];
    size_t n;
} names;

static int collect_name(void *ctx, const char *id, size_t n)
{
    names *x = ctx;
    if (n >= 64)
        return -1;
    memcpy(x->s[x->n], id, n);
    x->s[x->n++][n] = '\0';
    return 0;
}

static int add_list_id(void *ctx, const char *id, size_t n) { return ledger_ids_add(ctx, id, n) < 0 ? -1 : 0; }
static int add_other_id(void *ctx, const char *id, size_t n) { return ids_intern(ctx, id, n, NULL) < 0 ? -1 : 0; }

/* Opens segments files[0..n) (generations first_gen..), reading their id lists into lg as a load does and
 * checking each continues the one before (so every file index is the ledger's). 0 or -1. */
static int open_chain(fixture *fx, ledger *lg, const char *const *files, int n, int first_gen, seg_file **seg)
{
    char err[512];
    for (int i = 0; i < n; i++) {
        int rc = open_seg(fx, files[i], first_gen + i, &seg[i], err, sizeof err);
        if (rc != 0) {
            fail("seg_open %s: %d %s", files[i], rc, err);
            for (int j = 0; j < i; j++)
                seg_close(seg[j]);
            return -1;
        }
        for (int k = 0; k < IDS_LISTS; k++) {
            ledger_ids *l = state_ids_list(lg, k);
            int sk = seg_list_of(k);
            int64_t before = i == 0 ? 0 : ledger_ids_count(l);
            if (!seg_has_list(seg[i], sk))
                continue;   /* a version 2 file's county list */
            if (seg_list_base(seg[i], sk) != before)
                fail("%s list %d: base %lld, expected %lld", files[i], k, (long long)seg_list_base(seg[i], sk),
                     (long long)before);
            if (seg_names(seg[i], sk, add_list_id, l, err, sizeof err) != 0)
                fail("%s list %d: %s", files[i], k, err);
            if (ledger_ids_count(l) != seg_list_base(seg[i], sk) + seg_list_count(seg[i], sk))
                fail("%s list %d: the ids do not continue the list before", files[i], k);
        }
        if (seg_names(seg[i], SEG_PAID_OTHER, add_other_id, &lg->paid_other, err, sizeof err) != 0)
            fail("%s: other paid ids: %s", files[i], err);
    }
    return 0;
}

/* ---- 1. a checkpoint round trip ---- */

/* A deterministic shuffle (LCG) of n items of size bytes. */
static void shuffle(void *items, size_t n, size_t size, uint32_t seed)
{
    unsigned char *b = items, tmp[64];
    for (size_t i = n; i > 1; i--) {
        seed = seed * 1664525u + 1013904223u;
        size_t j = (seed >> 8) % i;
        memcpy(tmp, b + (i - 1) * size, size);
        memcpy(b + (i - 1) * size, b + j * size, size);
        memcpy(b + j * size, tmp, size);
    }
}

typedef struct {
    int table;
    int32_t who, when;
} wkey;

static int cmp_u64(const void *a, const void *b) { return tu_cmp_u64(a, b); }

static int has_u64(const uint64_t *sorted, size_t n, uint64_t v)
{
    return bsearch(&v, sorted, n, sizeof v, cmp_u64) != NULL;
}

static int collect_code(void *ctx, uint64_t code)
{
    got *g = ctx;
    return collect(g, code, "", 0);
}

/* Every who of every table fetched against the model; scans in strictly increasing order. */
static void check_segment_records(seg_file *f, ledger *lg, const model *m, unsigned gen, int only_touched,
                                  const char *what)
{
    char err[512], label[160];
    const ledger_ids *lists[3] = {&lg->providers, &lg->recipients, &lg->overpayments};
    static const int who_list[LEDGER_TABLES] = {0, 0, 1, 0, 1, 1, 0, 0, 2, 0, 0, 0};
    for (int t = 0; t < LEDGER_TABLES; t++) {
        size_t size = ledger_table_at(lg, t)->size;
        int32_t people = ledger_ids_count(lists[who_list[t]]);
        /* every who, and some past the list */
        for (int32_t who = 0; who < people + 3; who++) {
            got g = {.size = size};
            err[0] = '\0';
            int rc = seg_fetch(f, t, (uint32_t)who, collect, &g, err, sizeof err);
            snprintf(label, sizeof label, "%s: fetch of table %d who %d", what, t, who);
            if (rc != 0)
                fail("%s: %d %s", label, rc, err);
            mrec *exp;
            size_t ne = expected(m, t, who, gen, only_touched, &exp);
            compare_records(label, &g, exp, ne, gen);
            free(exp);
            free(g.g);
        }
        got g = {.size = size};
        int rc = seg_scan(f, t, collect, &g, err, sizeof err);
        snprintf(label, sizeof label, "%s: scan of table %d", what, t);
        if (rc != 0)
            fail("%s: %d %s", label, rc, err);
        for (size_t i = 1; i < g.n; i++)
            if (g.g[i].key <= g.g[i - 1].key)
                fail("%s: key %zu not above the one before", label, i);
        mrec *exp;
        size_t ne = expected(m, t, -1, gen, only_touched, &exp);
        compare_records(label, &g, exp, ne, gen);
        free(exp);
        free(g.g);
    }
}

/* The codes of ids "T%07d" for i in [from, to) step `step`, appended to codes. */
static size_t add_codes(ledger *lg, uint64_t *codes, size_t n, int from, int to, int step)
{
    char id[16];
    for (int i = from; i < to; i += step) {
        size_t len = (size_t)snprintf(id, sizeof id, "T%07d", i);
        ledger_paid_id p = ledger_paid_id_of(id, len);
        if (!p.packed) {
            fail("%s does not pack", id);
            continue;
        }
        if (ledger_mark_timesheet_paid(lg, &p) != 0)
            fail("marking %s paid failed", id);
        codes[n++] = p.code;
    }
    return n;
}

/* The withholding tables' keys of the checkpoint round trip, after keys[0..nk): pay
 * periods of 2026 (provider 3: 24, two blocks' worth with the others), W-2 sums of two
 * years. Returns the new count. */
static size_t withholding_keys(wkey *keys, size_t nk)
{
    for (int who = 0; who < 10; who++)
        for (int p = 0; who != 5 && p < (who == 3 ? 24 : 6); p++)
            keys[nk++] = (wkey){T_PPERIOD, who, cal_from_ymd(2026, p / 2 + 1, p % 2 ? 16 : 1)};
    for (int who = 1; who < 10; who += 2) {
        keys[nk++] = (wkey){T_PW2, who, 2026};
        if (who != 7)
            keys[nk++] = (wkey){T_PW2, who, 2025};
    }
    return nk;
}

static void test_checkpoint_round_trip(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 8, 6, 3), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    /* ids only in the ledger, after the masters' */
    ASSERT_I64(ledger_ids_add(&lg.providers, "PX-1", 4), 8);
    ASSERT_I64(ledger_ids_add(&lg.providers, "PX-2", 4), 9);
    ASSERT_I64(ledger_ids_add(&lg.recipients, "RX-1", 4), 6);
    model m = {.gen = 1};
    /* provider weeks: who 3 has 70 (straddling blocks), 4 and 6 none, the others 11 to 20 */
    wkey keys[600];
    size_t nk = 0;
    static const int pweeks[10] = {12, 20, 11, 70, 0, 15, 0, 13, 17, 11};
    for (int who = 0; who < 10; who++)
        for (int w = 0; w < pweeks[who]; w++)
            keys[nk++] = (wkey){T_PWEEK, who, 20000 + 7 * w};
    /* recipient months (who 2 none), paid periods, BUPS years, recovered, violations */
    for (int who = 0; who < 7; who++)
        for (int mo = 0; who != 2 && mo < 25; mo++)
            keys[nk++] = (wkey){T_RMONTH, who, 24240 + mo};
    for (int who = 0; who < 10; who += 3)
        for (int r = 0; r < 5; r++)
            keys[nk++] = (wkey){T_PERIODS, who, (3 << 22) | r};
    for (int who = 0; who < 7; who += 2)
        keys[nk++] = (wkey){T_BUPS, who, 2024};
    keys[nk++] = (wkey){T_RECOVERED, 0, 0};
    keys[nk++] = (wkey){T_RECOVERED, 2, 0};
    keys[nk++] = (wkey){T_VIOLATIONS, 1, 0};
    keys[nk++] = (wkey){T_VIOLATIONS, 9, 0};
    nk = withholding_keys(keys, nk);
    shuffle(keys, nk, sizeof *keys, 12345);
    for (size_t i = 0; i < nk; i++)
        set_record(&lg, &m, keys[i].table, keys[i].who, keys[i].when);
    ASSERT_MSG(m.n > 3 * 64 && lg.provider_week.n == 169, "provider weeks span several blocks");
    ASSERT_MSG(lg.provider_period.n == 72 && lg.provider_w2.n == 9, "pay periods span two blocks; W-2 sums");
    /* paid: 1,300 packed ids (three blocks of 512), spaced so there are codes between; two that do not pack */
    uint64_t *codes = malloc(1400 * sizeof *codes);
    size_t nc = add_codes(&lg, codes, 0, 0, 3900, 3);
    ASSERT_I64(nc, 1300);
    static const char *const other[] = {"t-other-1", "a timesheet id far too long to pack 000001"};
    for (int i = 0; i < 2; i++) {
        ledger_paid_id p = ledger_paid_id_of(other[i], strlen(other[i]));
        ASSERT_I64(p.packed, 0);
        ASSERT_I64(ledger_mark_timesheet_paid(&lg, &p), 0);
    }
    model_end_gen(&m);
    ASSERT_I64(write_seg(&fx, "ledger.bin", &lg, 5, SEG_CHECKPOINT, NULL), 0);

    char err[512];
    seg_file *f = NULL;
    /* another generation's number is refused */
    ASSERT_I64(open_seg(&fx, "ledger.bin", 6, &f, err, sizeof err), STATE_DAMAGED);
    ASSERT_CONTAINS(err, "generation");
    ASSERT_I64(seg_is_segment(fx.dfd, "ledger.bin"), 1);
    int rc = open_seg(&fx, "ledger.bin", 5, &f, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc != 0) {
        ledger_free(&lg);
        fx_close(&fx);
        return;
    }
    ASSERT_I64(seg_kind(f), SEG_CHECKPOINT);
    for (int t = 0; t < LEDGER_TABLES; t++)
        if (seg_next_ordinal(f, t) != m.next[t])
            fail("table %d: next ordinal %u, expected %u", t, seg_next_ordinal(f, t), m.next[t]);
    m.gen = 1;
    check_segment_records(f, &lg, &m, 1, 0, "checkpoint");
    ASSERT_NONE_WRONG();

    /* the id lists */
    static const char *const want_lists[3][12] = {
        {"P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "PX-1", "PX-2"},
        {"R0", "R1", "R2", "R3", "R4", "R5", "RX-1"},
        {"O0", "O1", "O2"},
    };
    static const int want_n[3] = {10, 7, 3};
    char buf[16][64];
    for (int k = 0; k < 3; k++) {
        names x = {buf, 0};
        ASSERT_I64(seg_list_base(f, k), 0);
        ASSERT_I64(seg_list_count(f, k), want_n[k]);
        ASSERT_I64(seg_names(f, k, collect_name, &x, err, sizeof err), 0);
        ASSERT_I64(x.n, want_n[k]);
        for (size_t i = 0; i < x.n && i < 12; i++)
            ASSERT_STR(x.s[i], want_lists[k][i]);
    }
    names x = {buf, 0};
    ASSERT_I64(seg_names(f, SEG_PAID_OTHER, collect_name, &x, err, sizeof err), 0);
    ASSERT_I64(x.n, 2);
    ASSERT_STR(x.s[0], other[0]);
    ASSERT_STR(x.s[1], other[1]);

    /* paid codes: every one, none just below, above or between */
    qsort(codes, nc, sizeof *codes, cmp_u64);
    reset_wrong();
    for (size_t i = 0; i < nc; i++) {
        int r = seg_has_code(f, codes[i], err, sizeof err);
        if (r != 1)
            fail("code %zu of %zu: seg_has_code %d, expected 1 (%s)", i, nc, r, err);
        uint64_t near[2] = {codes[i] - 1, codes[i] + 1};
        for (int j = 0; j < 2; j++)
            if (!has_u64(codes, nc, near[j]) && (r = seg_has_code(f, near[j], err, sizeof err)) != 0)
                fail("code %zu %s: seg_has_code %d, expected 0", i, j ? "+ 1" : "- 1", r);
    }
    ASSERT_NONE_WRONG();
    ASSERT_I64(seg_has_code(f, 0, err, sizeof err), 0);
    ASSERT_I64(seg_has_code(f, codes[0] - 1, err, sizeof err), 0);
    ASSERT_I64(seg_has_code(f, codes[nc - 1] + 1, err, sizeof err), 0);
    ASSERT_I64(seg_has_code(f, UINT64_MAX - 1, err, sizeof err), 0);
    got g = {.size = 0};
    ASSERT_I64(seg_scan_codes(f, collect_code, &g, err, sizeof err), 0);
    ASSERT_I64(g.n, nc);
    reset_wrong();
    for (size_t i = 0; i < g.n && i < nc; i++)
        if (g.g[i].key != codes[i])
            fail("scanned code %zu differs", i);
    ASSERT_NONE_WRONG();
    free(g.g);
    ASSERT_I64(seg_verify(f, err, sizeof err), 0);
    seg_close(f);
    free(codes);
    model_free(&m);
    ledger_free(&lg);
    fx_close(&fx);
}

/* A segment of paid timesheets and no counter records at all (a night that only paid
 * timesheets, or a checkpoint of such): it must open. */
static void test_codes_without_records(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 2, 2, 0), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    uint64_t codes[16];
    size_t nc = add_codes(&lg, codes, 0, 100, 110, 1);
    ASSERT_NONE_WRONG();
    ASSERT_I64(write_seg(&fx, "ledger.bin", &lg, 1, SEG_CHECKPOINT, NULL), 0);
    char err[512];
    seg_file *f = NULL;
    int rc = open_seg(&fx, "ledger.bin", 1, &f, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(rc ? err : "", "");
    if (rc == 0) {
        for (size_t i = 0; i < nc; i++)
            ASSERT_I64(seg_has_code(f, codes[i], err, sizeof err), 1);
        seg_close(f);
    }
    ledger_free(&lg);
    fx_close(&fx);
}

/* ---- a chain: a checkpoint and two deltas ---- */

enum { CNP = 300, CNR = 40, CNO = 6 };
static const char *const chain_files[3] = {"g1.bin", "g2.bin", "g3.bin"};

typedef struct {
    fixture fx;
    ledger lg;              /* the original: every record in memory */
    model m;
    uint64_t codes[2000];   /* paid codes, sorted at the end */
    size_t nc;
    uint64_t gen_codes[4][2000];
    size_t gen_nc[4];
    int64_t base[4][IDS_LISTS];     /* the list counts before generation g */
} chainfx;

static const char *const chain_other[4] = {NULL, "t-other-1", "t-other-2", "t-other-3"};

static void mark_other(ledger *lg, const char *s)
{
    ledger_paid_id p = ledger_paid_id_of(s, strlen(s));
    if (p.packed || ledger_mark_timesheet_paid(lg, &p) != 0)
        fail("marking %s paid", s);
}

static void gen_codes(chainfx *c, unsigned gen, int from, int to, int step)
{
    size_t n = add_codes(&c->lg, c->gen_codes[gen], 0, from, to, step);
    c->gen_nc[gen] = n;
    memcpy(c->codes + c->nc, c->gen_codes[gen], n * sizeof *c->codes);
    c->nc += n;
    qsort(c->gen_codes[gen], n, sizeof *c->codes, cmp_u64);
}

/* Generation 1 (checkpoint g1.bin), 2 and 3 (deltas g2.bin, g3.bin) of a ledger over 300
 * providers; 0, or -1 when it could not be built. */
static int build_chain(chainfx *c)
{
    memset(c, 0, sizeof *c);
    if (fx_open(&c->fx, CNP, CNR, CNO) != 0 || ledger_init(&c->lg, &c->fx.p, &c->fx.r, &c->fx.o) != 0)
        return -1;
    ledger *lg = &c->lg;
    model *m = &c->m;

    /* generation 1 */
    m->gen = 1;
    ledger_ids_add(&lg->providers, "PX-A", 4);      /* 300 */
    ledger_ids_add(&lg->recipients, "RX-A", 4);     /* 40 */
    wkey *keys = malloc(4000 * sizeof *keys);
    size_t nk = 0;
    for (int who = 0; who < 40; who++)
        for (int w = 0; who != 13 && w < 12; w++)
            keys[nk++] = (wkey){T_PWEEK, who, 20000 + 7 * w};
    for (int w = 0; w < 3; w++)
        keys[nk++] = (wkey){T_PWEEK, 300, 20000 + 7 * w};
    for (int who = 0; who < CNP; who++) {
        keys[nk++] = (wkey){T_PYEAR, who, 2024};
        if (who % 2 == 0)
            keys[nk++] = (wkey){T_PYEAR, who, 2025};
    }
    for (int who = 0; who <= CNR; who++)
        for (int mo = 0; who != 7 && mo < 3; mo++)
            keys[nk++] = (wkey){T_RMONTH, who, 24300 + mo};
    for (int who = 0; who < CNO; who += 2)
        keys[nk++] = (wkey){T_RECOVERED, who, 0};
    keys[nk++] = (wkey){T_VIOLATIONS, 1, 0};
    keys[nk++] = (wkey){T_VIOLATIONS, 5, 0};
    keys[nk++] = (wkey){T_VIOLATIONS, 299, 0};
    for (int who = 0; who < 20; who += 4)
        keys[nk++] = (wkey){T_PERIODS, who, (3 << 22) | 5};
    for (int who = 0; who < 60; who++)
        for (int p = 0; who % 7 != 3 && p < 2; p++)
            keys[nk++] = (wkey){T_PPERIOD, who, cal_from_ymd(2026, 11, p ? 16 : 1)};
    for (int who = 0; who < CNP; who += 3)
        keys[nk++] = (wkey){T_PW2, who, 2026};
    shuffle(keys, nk, sizeof *keys, 777);
    for (size_t i = 0; i < nk; i++)
        set_record(lg, m, keys[i].table, keys[i].who, keys[i].when);
    free(keys);
    gen_codes(c, 1, 0, 3000, 2);
    mark_other(lg, chain_other[1]);
    model_end_gen(m);
    if (write_seg(&c->fx, chain_files[0], lg, 1, SEG_CHECKPOINT, NULL) != 0)
        return -1;

    /* generation 2: changes, new records, new ids, one record only peeked, one only reached */
    ledger_begin_night(lg);
    m->gen = 2;
    for (int k = 0; k < IDS_LISTS; k++)
        c->base[2][k] = ledger_ids_count(state_ids_list(lg, k));
    ledger_ids_add(&lg->providers, "PX-B", 4);      /* 301 */
    ledger_ids_add(&lg->recipients, "RX-B", 4);     /* 41 */
    ledger_ids_add(&lg->overpayments, "OX-B", 4);   /* 6 */
    for (int who = 0; who < 10; who++)
        set_record(lg, m, T_PWEEK, who, 20000 + 7 * 11);
    for (int who = 0; who < 20; who++)
        set_record(lg, m, T_PWEEK, who, 20000 + 7 * 12);
    for (int w = 0; w < 3; w++)
        set_record(lg, m, T_PWEEK, 301, 20000 + 7 * w);
    for (int who = 0; who < 100; who += 3)
        set_record(lg, m, T_PYEAR, who, 2024);
    set_record(lg, m, T_RECOVERED, 2, 0);
    set_record(lg, m, T_RECOVERED, 6, 0);
    set_record(lg, m, T_RMONTH, 41, 24302);
    set_record(lg, m, T_RMONTH, 3, 24301);
    set_record(lg, m, T_RMONTH, 3, 24303);
    touch_record(lg, m, T_RMONTH, 4, 24300);
    for (int who = 0; who < 60; who += 5)
        set_record(lg, m, T_PPERIOD, who, cal_from_ymd(2026, 12, 1));
    set_record(lg, m, T_PPERIOD, 301, cal_from_ymd(2026, 12, 1));
    set_record(lg, m, T_PW2, 3, 2026);
    set_record(lg, m, T_PW2, 301, 2026);
    touch_record(lg, m, T_PW2, 6, 2026);
    if (!ledger_peek(&lg->provider_week, ledger_key(30, 20000)))
        fail("peek of a generation 1 record");
    gen_codes(c, 2, 3001, 3201, 2);
    mark_other(lg, chain_other[2]);
    model_end_gen(m);
    if (write_seg(&c->fx, chain_files[1], lg, 2, SEG_DELTA, c->base[2]) != 0)
        return -1;

    /* generation 3 */
    ledger_begin_night(lg);
    m->gen = 3;
    for (int k = 0; k < IDS_LISTS; k++)
        c->base[3][k] = ledger_ids_count(state_ids_list(lg, k));
    ledger_ids_add(&lg->providers, "PX-C", 4);      /* 302 */
    set_record(lg, m, T_PWEEK, 301, 20007);
    set_record(lg, m, T_PWEEK, 5, 20000 + 7 * 12);
    set_record(lg, m, T_PWEEK, 0, 20000);
    set_record(lg, m, T_PWEEK, 302, 20000);
    set_record(lg, m, T_PWEEK, 13, 20000 + 7 * 40);
    for (int who = 200; who < CNP; who += 7)
        set_record(lg, m, T_PYEAR, who, 2024);
    set_record(lg, m, T_PYEAR, 301, 2025);
    set_record(lg, m, T_VIOLATIONS, 13, 0);
    set_record(lg, m, T_RECOVERED, 6, 0);
    set_record(lg, m, T_PPERIOD, 10, cal_from_ymd(2026, 12, 1));
    set_record(lg, m, T_PPERIOD, 302, cal_from_ymd(2026, 12, 16));
    set_record(lg, m, T_PW2, 3, 2027);
    gen_codes(c, 3, 5001, 5021, 2);
    mark_other(lg, chain_other[3]);
    model_end_gen(m);
    if (write_seg(&c->fx, chain_files[2], lg, 3, SEG_DELTA, c->base[3]) != 0)
        return -1;
    qsort(c->codes, c->nc, sizeof *c->codes, cmp_u64);
    return wrong ? -1 : 0;
}

static void free_chain(chainfx *c)
{
    model_free(&c->m);
    ledger_free(&c->lg);
    fx_close(&c->fx);
}

/* ---- 2. deltas ---- */

static void test_delta_holds_what_changed(void)
{
    chainfx c;
    reset_wrong();
    int built = build_chain(&c);
    ASSERT_NONE_WRONG();
    ASSERT_I64(built, 0);
    if (built != 0) {
        free_chain(&c);
        return;
    }
    char err[512], buf[8][64];
    static const char *const added[4][3][2] = {
        [2] = {{"PX-B"}, {"RX-B"}, {"OX-B"}},
        [3] = {{"PX-C"}, {NULL}, {NULL}},
    };
    for (unsigned gen = 2; gen <= 3; gen++) {
        seg_file *f;
        int rc = open_seg(&c.fx, chain_files[gen - 1], (int)gen, &f, err, sizeof err);
        ASSERT_I64(rc, 0);
        if (rc != 0)
            continue;
        ASSERT_I64(seg_kind(f), SEG_DELTA);
        reset_wrong();
        char what[32];
        snprintf(what, sizeof what, "delta %u", gen);
        check_segment_records(f, &c.lg, &c.m, gen, 1, what);
        ASSERT_NONE_WRONG();
        /* the next ordinals: every record created up to this generation */
        for (int t = 0; t < LEDGER_TABLES; t++) {
            uint32_t n = 0;
            for (size_t i = 0; i < c.m.n; i++)
                n += c.m.r[i].table == t && c.m.r[i].val_at[gen] != 0;
            ASSERT_I64(seg_next_ordinal(f, t), n);
        }
        /* exactly this night's paid codes */
        got g = {.size = 0};
        ASSERT_I64(seg_scan_codes(f, collect_code, &g, err, sizeof err), 0);
        ASSERT_I64(g.n, c.gen_nc[gen]);
        reset_wrong();
        for (size_t i = 0; i < g.n && i < c.gen_nc[gen]; i++)
            if (g.g[i].key != c.gen_codes[gen][i])
                fail("delta %u: code %zu differs", gen, i);
        ASSERT_NONE_WRONG();
        free(g.g);
        ASSERT_I64(seg_has_code(f, c.gen_codes[gen][0], err, sizeof err), 1);
        ASSERT_I64(seg_has_code(f, c.gen_codes[1][0], err, sizeof err), 0);
        /* the ids added after the base */
        for (int k = 0; k < 3; k++) {
            names x = {buf, 0};
            int nadd = added[gen][k][0] != NULL;
            ASSERT_I64(seg_list_base(f, k), c.base[gen][k]);
            ASSERT_I64(seg_list_count(f, k), nadd);
            ASSERT_I64(seg_names(f, k, collect_name, &x, err, sizeof err), 0);
            ASSERT_I64(x.n, nadd);
            if (nadd && x.n == 1)
                ASSERT_STR(x.s[0], added[gen][k][0]);
        }
        names x = {buf, 0};
        ASSERT_I64(seg_names(f, SEG_PAID_OTHER, collect_name, &x, err, sizeof err), 0);
        ASSERT_I64(x.n, 1);
        if (x.n == 1)
            ASSERT_STR(x.s[0], chain_other[gen]);
        ASSERT_I64(seg_verify(f, err, sizeof err), 0);
        seg_close(f);
    }
    /* the peeked record is in no delta, the one only reached is in generation 2's */
    mrec *r = model_find(&c.m, T_PWEEK, ledger_key(30, 20000));
    ASSERT_MSG(r && r->touched == 2, "the peeked record was written in generation 1 only");
    free_chain(&c);
}

/* A delta of a night that paid no timesheet (the ledger never logged one: no paid log
 * at all) holds no codes. Under -fsanitize=undefined this fails if seg_write hands
 * memcpy the absent log. */
static void test_delta_paying_nothing(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 2, 2, 0), 0);
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    ASSERT_I64(ledger_index(&lg.provider_week, ledger_key(1, 20000)), 0);
    ASSERT_I64(write_seg(&fx, "g1.bin", &lg, 1, SEG_CHECKPOINT, NULL), 0);
    ledger_begin_night(&lg);
    ASSERT_MSG(lg.paid_log == NULL && lg.npaid_log == 0, "no paid log yet");
    ASSERT_I64(ledger_index(&lg.provider_week, ledger_key(0, 20000)), 1);
    int64_t base[IDS_LISTS] = {2, 2, 0};
    ASSERT_I64(write_seg(&fx, "g2.bin", &lg, 2, SEG_DELTA, base), 0);
    char err[512];
    seg_file *f;
    int rc = open_seg(&fx, "g2.bin", 2, &f, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        got g = {.size = 0};
        ASSERT_I64(seg_scan_codes(f, collect_code, &g, err, sizeof err), 0);
        ASSERT_I64(g.n, 0);
        g.size = lg.provider_week.size;
        ASSERT_I64(seg_scan(f, T_PWEEK, collect, &g, err, sizeof err), 0);
        ASSERT_I64(g.n, 1);
        if (g.n == 1)
            ASSERT_I64(g.g[0].key, ledger_key(0, 20000));
        free(g.g);
        seg_close(f);
    }
    ledger_free(&lg);
    fx_close(&fx);
}

/* ---- 3. lazy equals whole ---- */

/* Every record of the model through ledger_peek (in a scrambled order) and its ordinal. */
static void check_ledger_values(ledger *lg, const model *m, unsigned gen, const char *what)
{
    size_t *order = malloc(m->n * sizeof *order);
    for (size_t i = 0; i < m->n; i++)
        order[i] = i;
    shuffle(order, m->n, sizeof *order, 4242);
    for (size_t k = 0; k < m->n; k++) {
        const mrec *r = &m->r[order[k]];
        ledger_table *t = ledger_table_at(lg, r->table);
        unsigned char want[LEDGER_RECORD_MAX];
        if (r->val_at[gen] == 0)
            continue;
        pattern(want, t->size, r->table, r->key, r->val_at[gen]);
        const void *v = ledger_peek(t, r->key);
        if (!v) {
            fail("%s: table %d key %llx not found", what, r->table, (unsigned long long)r->key);
            continue;
        }
        if (memcmp(v, want, t->size) != 0)
            fail("%s: table %d key %llx holds other bytes than generation %u wrote", what, r->table,
                 (unsigned long long)r->key, r->val_at[gen]);
        int32_t i = ledger_index(t, r->key);
        if (i < 0 || t->ordinal[i] != r->ordinal)
            fail("%s: table %d key %llx: ordinal %d, expected %u", what, r->table, (unsigned long long)r->key,
                 i < 0 ? -1 : (int)t->ordinal[i], r->ordinal);
    }
    free(order);
    /* keys never written: a date never used, for every who of every table */
    for (int t = 0; t < LEDGER_TABLES; t++) {
        ledger_table *tb = ledger_table_at(lg, t);
        for (int32_t who = 0; who < CNP + 3; who++)
            if (ledger_peek(tb, ledger_key(who, 1)) != NULL)
                fail("%s: table %d who %d: a record never written", what, t, who);
        if (tb->next_ordinal != m->next[t])
            fail("%s: table %d next ordinal %u, expected %u", what, t, tb->next_ordinal, m->next[t]);
    }
    if (ledger_source_failed(lg))
        fail("%s: the source failed", what);
}

static void check_paid(ledger *lg, const chainfx *c, const char *what)
{
    char id[16];
    for (int i = 0; i < 5030; i++) {
        size_t len = (size_t)snprintf(id, sizeof id, "T%07d", i);
        ledger_paid_id p = ledger_paid_id_of(id, len);
        int want = has_u64(c->codes, c->nc, p.code);
        if (ledger_timesheet_paid(lg, &p) != want)
            fail("%s: %s paid %d, expected %d", what, id, !want, want);
    }
    for (int g = 1; g <= 3; g++) {
        ledger_paid_id p = ledger_paid_id_of(chain_other[g], strlen(chain_other[g]));
        if (ledger_timesheet_paid(lg, &p) != 1)
            fail("%s: %s not paid", what, chain_other[g]);
    }
    ledger_paid_id p = ledger_paid_id_of("t-other-9", 9);
    if (ledger_timesheet_paid(lg, &p) != 0)
        fail("%s: t-other-9 paid", what);
    if (ledger_source_failed(lg))
        fail("%s: the source failed", what);
}

static void test_lazy_equals_whole(void)
{
    chainfx c;
    reset_wrong();
    int built = build_chain(&c);
    ASSERT_I64(built, 0);
    if (built != 0) {
        free_chain(&c);
        return;
    }
    char err[512];
    seg_file *seg[3];

    /* lazy: the chain as the ledger's source */
    ledger lazy;
    ASSERT_I64(ledger_init(&lazy, &c.fx.p, &c.fx.r, &c.fx.o), 0);
    ASSERT_I64(open_chain(&c.fx, &lazy, chain_files, 3, 1, seg), 0);
    ASSERT_NONE_WRONG();
    ASSERT_I64(chain_attach(&lazy, seg, 3, err, sizeof err), 0);
    ASSERT_I64(ledger_ids_count(&lazy.providers), CNP + 3);
    ledger_begin_night(&lazy);
    for (int t = 0; t < LEDGER_TABLES; t++)
        ASSERT_I64(ledger_table_at(&lazy, t)->next_ordinal, c.m.next[t]);
    ASSERT_MSG(lazy.provider_week.source != NULL && lazy.provider_week.n == 0, "nothing read before it is wanted");
    /* one who's records come in when one of its keys is wanted, all of them */
    ASSERT_MSG(ledger_peek(&lazy.provider_week, ledger_key(301, 20007)) != NULL, "a generation 2 record, changed in 3");
    ASSERT_I64(lazy.provider_week.n, 3);
    ASSERT_I64(ledger_who_fetched(&lazy.provider_week, 301), 1);
    ASSERT_I64(ledger_who_fetched(&lazy.provider_week, 300), 0);
    check_paid(&lazy, &c, "lazy");
    check_ledger_values(&lazy, &c.m, 3, "lazy");
    ASSERT_NONE_WRONG();
    /* into memory whole: the same */
    ASSERT_I64(chain_materialize(&lazy, err, sizeof err), 0);
    ASSERT_MSG(lazy.source.release == NULL && lazy.provider_week.source == NULL, "materialized: no source");
    for (int t = 0; t < LEDGER_TABLES; t++)
        ASSERT_I64(ledger_table_at(&lazy, t)->n, c.m.next[t]);
    check_ledger_values(&lazy, &c.m, 3, "lazy, materialized");
    check_paid(&lazy, &c, "lazy, materialized");
    ASSERT_NONE_WRONG();
    ledger_free(&lazy);

    /* whole: chain_load_all */
    ledger whole;
    ASSERT_I64(ledger_init(&whole, &c.fx.p, &c.fx.r, &c.fx.o), 0);
    ASSERT_I64(open_chain(&c.fx, &whole, chain_files, 3, 1, seg), 0);
    ASSERT_I64(chain_load_all(&whole, seg, 3, NULL, 1, err, sizeof err), 0);
    ASSERT_MSG(whole.source.release == NULL, "a whole load leaves no source");
    for (int t = 0; t < LEDGER_TABLES; t++)
        ASSERT_I64(ledger_table_at(&whole, t)->n, c.m.next[t]);
    check_ledger_values(&whole, &c.m, 3, "whole");
    check_paid(&whole, &c, "whole");
    ASSERT_NONE_WRONG();
    ledger_free(&whole);

    /* and the original */
    check_ledger_values(&c.lg, &c.m, 3, "original");
    ASSERT_NONE_WRONG();
    free_chain(&c);
}

/* A night on the lazily read ledger: its delta holds exactly what it touched (records
 * fetched but not reached are not in it), and a checkpoint written after
 * chain_materialize holds everything; both read back (lazily) to the night's values. */
static void test_night_on_lazy_ledger(void)
{
    chainfx c;
    reset_wrong();
    int built = build_chain(&c);
    ASSERT_I64(built, 0);
    if (built != 0) {
        free_chain(&c);
        return;
    }
    char err[512];
    seg_file *seg[4];
    ledger lz;
    ASSERT_I64(ledger_init(&lz, &c.fx.p, &c.fx.r, &c.fx.o), 0);
    ASSERT_I64(open_chain(&c.fx, &lz, chain_files, 3, 1, seg), 0);
    ASSERT_I64(chain_attach(&lz, seg, 3, err, sizeof err), 0);
    ledger_begin_night(&lz);
    model *m = &c.m;
    m->gen = 4;
    int64_t base[IDS_LISTS] = {ledger_ids_count(&lz.providers), ledger_ids_count(&lz.recipients),
                       ledger_ids_count(&lz.overpayments)};
    ASSERT_I64(base[0], CNP + 3);
    ASSERT_I64(ledger_ids_add(&lz.providers, "PX-D", 4), CNP + 3);
    /* read, not reached: fetched into memory, in no delta */
    ASSERT_MSG(ledger_peek(&lz.provider_week, ledger_key(7, 20000)) != NULL, "provider 7 week 0");
    set_record(&lz, m, T_PWEEK, 0, 20000);
    set_record(&lz, m, T_PWEEK, 13, 20000 + 7 * 41);
    set_record(&lz, m, T_PWEEK, CNP + 3, 20000);
    set_record(&lz, m, T_PYEAR, 301, 2025);
    set_record(&lz, m, T_RMONTH, 41, 24302);
    touch_record(&lz, m, T_RECOVERED, 6, 0);
    uint64_t code = 0;
    size_t nc = add_codes(&lz, &code, 0, 9000, 9001, 1);
    ASSERT_I64(nc, 1);
    model_end_gen(m);
    ASSERT_I64(ledger_source_failed(&lz), 0);
    ASSERT_I64(write_seg(&c.fx, "g4.bin", &lz, 4, SEG_DELTA, base), 0);
    seg_file *f;
    int rc = open_seg(&c.fx, "g4.bin", 4, &f, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        check_segment_records(f, &lz, m, 4, 1, "delta of a lazy night");
        got g = {.size = 0};
        ASSERT_I64(seg_scan_codes(f, collect_code, &g, err, sizeof err), 0);
        ASSERT_I64(g.n, 1);
        if (g.n == 1)
            ASSERT_I64(g.g[0].key, code);
        free(g.g);
        ASSERT_I64(seg_list_base(f, 0), CNP + 3);
        ASSERT_I64(seg_list_count(f, 0), 1);
        seg_close(f);
    }
    ASSERT_NONE_WRONG();
    /* the checkpoint, after everything is read in */
    ASSERT_I64(chain_materialize(&lz, err, sizeof err), 0);
    ASSERT_I64(write_seg(&c.fx, "c4.bin", &lz, 4, SEG_CHECKPOINT, NULL), 0);
    rc = open_seg(&c.fx, "c4.bin", 4, &f, err, sizeof err);
    ASSERT_I64(rc, 0);
    if (rc == 0) {
        check_segment_records(f, &lz, m, 4, 0, "checkpoint after a lazy night");
        got g = {.size = 0};
        ASSERT_I64(seg_scan_codes(f, collect_code, &g, err, sizeof err), 0);
        ASSERT_I64(g.n, c.nc + 1);
        free(g.g);
        seg_close(f);
    }
    ASSERT_NONE_WRONG();
    ledger_free(&lz);

    /* read back: the chain of four, and the new checkpoint alone */
    static const char *const four[4] = {"g1.bin", "g2.bin", "g3.bin", "g4.bin"};
    static const char *const ck[1] = {"c4.bin"};
    for (int k = 0; k < 2; k++) {
        ledger back;
        ASSERT_I64(ledger_init(&back, &c.fx.p, &c.fx.r, &c.fx.o), 0);
        if (open_chain(&c.fx, &back, k ? ck : four, k ? 1 : 4, k ? 4 : 1, seg) == 0) {
            ASSERT_I64(chain_attach(&back, seg, k ? 1 : 4, err, sizeof err), 0);
            ledger_begin_night(&back);
            check_ledger_values(&back, m, 4, k ? "the new checkpoint" : "four generations");
            ledger_paid_id p = ledger_paid_id_of("T0009000", 8);
            if (ledger_timesheet_paid(&back, &p) != 1)
                fail("T0009000 not paid");
            check_paid(&back, &c, k ? "the new checkpoint" : "four generations");
        }
        ASSERT_NONE_WRONG();
        ledger_free(&back);
    }
    free_chain(&c);
}

/* After 256 persons of a table are fetched one at a time, the table is read whole: its source
 * is gone, a person changed before keeps the change, the others have their newest records. */
static void test_whole_table_switch(void)
{
    chainfx c;
    reset_wrong();
    int built = build_chain(&c);
    ASSERT_I64(built, 0);
    if (built != 0) {
        free_chain(&c);
        return;
    }
    char err[512];
    seg_file *seg[3];
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &c.fx.p, &c.fx.r, &c.fx.o), 0);
    ASSERT_I64(open_chain(&c.fx, &lg, chain_files, 3, 1, seg), 0);
    ASSERT_I64(chain_attach(&lg, seg, 3, err, sizeof err), 0);
    ledger_begin_night(&lg);
    ledger_table *t = &lg.provider_year;
    /* 255 persons fetched (some with no record of that year) */
    for (int32_t who = 0; who < 255; who++)
        if ((ledger_peek(t, ledger_key(who, 2025)) != NULL) != (who % 2 == 0))
            fail("provider %d year 2025", who);
    ASSERT_MSG(t->source != NULL, "255 fetches: still a person at a time");
    /* a change before the switch: provider 6 (changed in generation 2), year 2024 */
    unsigned char changed[32];
    pattern(changed, t->size, T_PYEAR, ledger_key(6, 2024), 9);
    void *row = ledger_get(t, ledger_key(6, 2024));
    ASSERT_MSG(row != NULL, "provider 6 year 2024 exists");
    if (row)
        memcpy(row, changed, t->size);
    size_t before = t->n;
    /* the 256th */
    ASSERT_MSG(ledger_peek(t, ledger_key(255, 2024)) != NULL, "provider 255 year 2024");
    ASSERT_MSG(t->source == NULL, "256 fetches: the table is read whole");
    ASSERT_MSG(t->n > before, "the rest of the table came in");
    ASSERT_MSG(lg.provider_week.source != NULL, "the other tables still a person at a time");
    ASSERT_I64(t->n, c.m.next[T_PYEAR]);
    for (size_t k = 0; k < c.m.n; k++) {
        const mrec *r = &c.m.r[k];
        if (r->table != T_PYEAR)
            continue;
        unsigned char want[32];
        if (r->key == ledger_key(6, 2024))
            memcpy(want, changed, t->size);
        else
            pattern(want, t->size, r->table, r->key, r->val_at[3]);
        const void *v = ledger_peek(t, r->key);
        int32_t i = ledger_index(t, r->key);
        if (!v || memcmp(v, want, t->size) != 0)
            fail("after the switch: provider %d year %d holds other bytes", (int)(r->key >> 32), (int)(uint32_t)r->key);
        else if (i < 0 || t->ordinal[i] != r->ordinal)
            fail("after the switch: provider %d year %d ordinal", (int)(r->key >> 32), (int)(uint32_t)r->key);
    }
    ASSERT_I64(t->n, c.m.next[T_PYEAR]);
    ASSERT_I64(ledger_source_failed(&lg), 0);
    ASSERT_NONE_WRONG();
    ledger_free(&lg);
    free_chain(&c);
}

/* After CHAIN_PAID_LOOKUPS paid lookups in the segments every code is read into memory. */
static void test_paid_lookups_switch(void)
{
    chainfx c;
    reset_wrong();
    int built = build_chain(&c);
    ASSERT_I64(built, 0);
    if (built != 0) {
        free_chain(&c);
        return;
    }
    char err[512];
    seg_file *seg[3];
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &c.fx.p, &c.fx.r, &c.fx.o), 0);
    ASSERT_I64(open_chain(&c.fx, &lg, chain_files, 3, 1, seg), 0);
    ASSERT_I64(chain_attach(&lg, seg, 3, err, sizeof err), 0);
    ledger_begin_night(&lg);
    ledger_paid_id unpaid = ledger_paid_id_of("T0000001", 8);
    for (int i = 0; i < CHAIN_PAID_LOOKUPS - 1; i++)
        if (ledger_timesheet_paid(&lg, &unpaid) != 0)
            fail("lookup %d: T0000001 paid", i);
    ASSERT_MSG(lg.source.paid != NULL && lg.paid_ids.n == 0, "one lookup short of the switch: still in the segments");
    ASSERT_I64(ledger_timesheet_paid(&lg, &unpaid), 0);
    ASSERT_MSG(lg.source.paid == NULL, "at the switch: the codes are in memory");
    ASSERT_I64(lg.paid_ids.n, c.nc);
    check_paid(&lg, &c, "after the paid switch");
    ASSERT_NONE_WRONG();
    ledger_free(&lg);
    free_chain(&c);
}

/* ---- 4. damage ---- */

/* A checkpoint of 10 providers x 20 weeks (4 blocks of provider weeks) and 600 paid codes. */
static int build_small(fixture *fx, ledger *lg, model *m, uint64_t *codes, size_t *nc)
{
    memset(m, 0, sizeof *m);
    memset(lg, 0, sizeof *lg);
    if (fx_open(fx, 10, 2, 0) != 0 || ledger_init(lg, &fx->p, &fx->r, &fx->o) != 0)
        return -1;
    m->gen = 1;
    for (int who = 0; who < 10; who++)
        for (int w = 0; w < 20; w++)
            set_record(lg, m, T_PWEEK, who, 20000 + 7 * w);
    *nc = add_codes(lg, codes, 0, 0, 1200, 2);
    qsort(codes, *nc, sizeof *codes, cmp_u64);
    model_end_gen(m);
    return write_seg(fx, "ledger.bin", lg, 1, SEG_CHECKPOINT, NULL);
}

/* Another version in the trailer of segment good (n bytes; bad: scratch as large): a
 * flipped version byte fails the trailer's CRC; a version 5 trailer with its CRC right
 * is refused as another version, and so is a version 2 one (the version before the
 * withholding tables) on this file of 12 tables; version 3 (a development build's W-2
 * sums without their county list) is refused as such; version 4 kept opens (the test's
 * trailer arithmetic is right). */
static void check_versions(fixture *fx, const unsigned char *good, unsigned char *bad, size_t n)
{
    char err[512];
    seg_file *f = NULL;
    memcpy(bad, good, n);
    bad[n - TR_BYTES + TR_VERSION] ^= 0x01;
    ASSERT_I64(write_file(fx, "bad.bin", bad, n), 0);
    ASSERT_I64(open_seg(fx, "bad.bin", 1, &f, err, sizeof err), STATE_DAMAGED);
    ASSERT_CONTAINS(err, "trailer");
    for (uint32_t v = 5; v >= 2; v--) {
        memcpy(bad, good, n);
        memcpy(bad + n - TR_BYTES + TR_VERSION, &v, 4);
        uint32_t crc = (uint32_t)crc32(0L, bad + n - TR_BYTES, TR_CRC);
        memcpy(bad + n - TR_BYTES + TR_CRC, &crc, 4);
        ASSERT_I64(write_file(fx, "bad.bin", bad, n), 0);
        int rc = open_seg(fx, "bad.bin", 1, &f, err, sizeof err);
        ASSERT_I64(rc, v == 4 ? 0 : STATE_DAMAGED);
        if (rc == 0)
            seg_close(f);
        else
            ASSERT_CONTAINS(err, v == 3 ? "version 3, written by a development build" : "another version");
    }
}

static void test_damage(void)
{
    fixture fx;
    ledger lg;
    model m;
    uint64_t codes[700];
    size_t nc;
    reset_wrong();
    int built = build_small(&fx, &lg, &m, codes, &nc);
    ASSERT_I64(built, 0);
    ASSERT_NONE_WRONG();
    if (built != 0) {
        model_free(&m);
        ledger_free(&lg);
        fx_close(&fx);
        return;
    }
    char err[512];
    seg_file *f = NULL;
    size_t n;
    unsigned char *good = read_file(&fx, "ledger.bin", &n);
    ASSERT_MSG(good != NULL && n > 1000, "the segment was written");
    if (!good) {
        model_free(&m);
        ledger_free(&lg);
        fx_close(&fx);
        return;
    }
    unsigned char *bad = malloc(n);
    size_t pw = ledger_table_at(&lg, T_PWEEK)->size;

    /* a record byte of provider 0's first week (block 0) */
    unsigned char rec0[32];
    pattern(rec0, pw, T_PWEEK, ledger_key(0, 20000), 1);
    size_t at = find_record(good, n, ledger_key(0, 20000), rec0);
    ASSERT_MSG(at != 0, "provider 0's first record is in the file once");
    memcpy(bad, good, n);
    bad[at + 2] ^= 0x10;
    ASSERT_I64(write_file(&fx, "bad.bin", bad, n), 0);
    int rc = open_seg(&fx, "bad.bin", 1, &f, err, sizeof err);
    ASSERT_I64(rc, 0);      /* the records are not read on open */
    if (rc == 0) {
        got g = {.size = pw};
        ASSERT_I64(seg_fetch(f, T_PWEEK, 0, collect, &g, err, sizeof err), STATE_DAMAGED);
        ASSERT_CONTAINS(err, "checksum mismatch");
        ASSERT_CONTAINS(err, "bad.bin");
        g.n = 0;
        /* provider 3's records straddle blocks 0 and 1 */
        ASSERT_I64(seg_fetch(f, T_PWEEK, 3, collect, &g, err, sizeof err), STATE_DAMAGED);
        /* providers 7 and 9 are in blocks 2 and 3 */
        for (uint32_t who = 7; who <= 9; who += 2) {
            g.n = 0;
            err[0] = '\0';
            ASSERT_I64(seg_fetch(f, T_PWEEK, who, collect, &g, err, sizeof err), 0);
            mrec *exp;
            size_t ne = expected(&m, T_PWEEK, who, 1, 0, &exp);
            compare_records("a who in an undamaged block", &g, exp, ne, 1);
            free(exp);
        }
        ASSERT_NONE_WRONG();
        free(g.g);
        ASSERT_I64(seg_has_code(f, codes[0], err, sizeof err), 1);
        ASSERT_I64(seg_verify(f, err, sizeof err), STATE_DAMAGED);
        ASSERT_CONTAINS(err, "checksum mismatch");
        seg_close(f);
    }

    /* the engine's source over that file: a who in a good block reads, the damaged one fails the run */
    ledger e;
    ASSERT_I64(ledger_init(&e, &fx.p, &fx.r, &fx.o), 0);
    static const char *const bad_chain[1] = {"bad.bin"};
    seg_file *seg[1];
    if (open_chain(&fx, &e, bad_chain, 1, 1, seg) == 0) {
        ASSERT_I64(chain_attach(&e, seg, 1, err, sizeof err), 0);
        ledger_begin_night(&e);
        unsigned char want[32];
        pattern(want, pw, T_PWEEK, ledger_key(9, 20007), 1);
        int32_t i = ledger_index(&e.provider_week, ledger_key(9, 20007));
        ASSERT_MSG(i >= 0 && memcmp(ledger_row(&e.provider_week, i), want, pw) == 0, "provider 9 reads");
        ASSERT_I64(ledger_source_failed(&e), 0);
        ASSERT_I64(ledger_index(&e.provider_week, ledger_key(0, 20014)), -1);
        ASSERT_I64(ledger_source_failed(&e), 1);
        char why[600];
        ASSERT_I64(chain_error(&e, why, sizeof why), STATE_DAMAGED);
        ASSERT_CONTAINS(why, "bad.bin");
        ASSERT_CONTAINS(why, "checksum mismatch");
    }
    ASSERT_NONE_WRONG();
    ledger_free(&e);

    /* a damaged block of paid codes: the paid check fails the run */
    size_t cat = find_u64(good, n, codes[3]);
    ASSERT_MSG(cat != 0, "a paid code is in the file once");
    memcpy(bad, good, n);
    bad[cat + 1] ^= 0x01;
    ASSERT_I64(write_file(&fx, "badcode.bin", bad, n), 0);
    ASSERT_I64(ledger_init(&e, &fx.p, &fx.r, &fx.o), 0);
    static const char *const badcode_chain[1] = {"badcode.bin"};
    if (open_chain(&fx, &e, badcode_chain, 1, 1, seg) == 0) {
        ASSERT_I64(chain_attach(&e, seg, 1, err, sizeof err), 0);
        char id[18];
        ledger_paid_id p = ledger_paid_id_of(id, ids_unpack(codes[3], id));
        ASSERT_I64(ledger_timesheet_paid(&e, &p), 0);
        ASSERT_I64(ledger_source_failed(&e), 1);
        char why[600];
        ASSERT_I64(chain_error(&e, why, sizeof why), STATE_DAMAGED);
        ASSERT_CONTAINS(why, "badcode.bin");
    }
    ASSERT_NONE_WRONG();
    ledger_free(&e);

    /* a byte of the index (its first word, and its last) */
    uint64_t index_offset;
    memcpy(&index_offset, good + n - TR_BYTES + TR_INDEX_OFFSET, 8);
    ASSERT_MSG(index_offset > 0 && index_offset < n - TR_BYTES, "the trailer gives the index");
    size_t spots[2] = {(size_t)index_offset, n - TR_BYTES - 3};
    for (int k = 0; k < 2; k++) {
        memcpy(bad, good, n);
        bad[spots[k]] ^= 0x40;
        ASSERT_I64(write_file(&fx, "bad.bin", bad, n), 0);
        f = NULL;
        ASSERT_I64(open_seg(&fx, "bad.bin", 1, &f, err, sizeof err), STATE_DAMAGED);
        ASSERT_CONTAINS(err, "index");
        ASSERT_MSG(f == NULL, "no file on failure");
    }

    /* truncated: by one byte, to less than a trailer, to nothing */
    size_t lengths[3] = {n - 1, 50, 0};
    for (int k = 0; k < 3; k++) {
        ASSERT_I64(write_file(&fx, "short.bin", good, lengths[k]), 0);
        ASSERT_I64(open_seg(&fx, "short.bin", 1, &f, err, sizeof err), STATE_DAMAGED);
        ASSERT_CONTAINS(err, "short.bin");
    }
    /* a missing file */
    ASSERT_I64(open_seg(&fx, "none.bin", 1, &f, err, sizeof err), STATE_ERROR);

    check_versions(&fx, good, bad, n);

    free(good);
    free(bad);
    model_free(&m);
    ledger_free(&lg);
    fx_close(&fx);
}

/* ---- 5. the version before the withholding tables ---- */

/* Takes the bytes [at, at + len) out of b (*n bytes). */
static void cut_bytes(unsigned char *b, size_t *n, size_t at, size_t len)
{
    memmove(b + at, b + at + len, *n - (at + len));
    *n -= len;
}

/* Rewrites segment `from` (version 4, its withholding tables and county list empty) as
 * `to`, the file payrun wrote before those tables (version 2, LEDGER_TABLES_V1 tables,
 * SEG_NLISTS_V2 lists): the same bytes but the county list's words and the two tables'
 * parts taken out of the index's head, and the trailer's version, table count, index
 * size and CRCs. For the ledger of tests/state.sh's fixture the result is byte for byte
 * what the build of commit a64db07 wrote (an empty list takes no bytes in the body).
 * Returns 0, or -1 (a file unreadable, a withholding table or the county list not empty). */
static int to_version2(fixture *fx, const char *from, const char *to)
{
    size_t n;
    unsigned char *b = read_file(fx, from, &n);
    if (!b || n < TR_BYTES) {
        free(b);
        return -1;
    }
    unsigned char *tr = b + n - TR_BYTES;
    uint64_t ioff, ibytes;
    memcpy(&ioff, tr + TR_INDEX_OFFSET, 8);
    memcpy(&ibytes, tr + TR_INDEX_BYTES, 8);
    const uint64_t *head = (const uint64_t *)(const void *)(b + ioff);
    size_t tables = HEAD_LIST_WORDS + (1 + LEDGER_TABLES_V1) * PART_WORDS, counties = SEG_COUNTIES * LIST_WORDS;
    /* the counts of the two tables, the county list's count and bytes */
    if (head[tables] != 0 || head[tables + PART_WORDS] != 0 || head[counties + 1] != 0 || head[counties + 3] != 0) {
        free(b);
        return -1;
    }
    cut_bytes(b, &n, (size_t)ioff + tables * 8, 2 * PART_WORDS * 8);
    cut_bytes(b, &n, (size_t)ioff + counties * 8, LIST_WORDS * 8);
    size_t cut = (2 * PART_WORDS + LIST_WORDS) * 8;
    tr = b + n - TR_BYTES;
    uint32_t version = 2, ntables = LEDGER_TABLES_V1;
    uint64_t ib = ibytes - cut;
    memcpy(tr + TR_VERSION, &version, 4);
    memcpy(tr + TR_NTABLES, &ntables, 4);
    memcpy(tr + TR_INDEX_BYTES, &ib, 8);
    uint32_t crc = (uint32_t)crc32(0L, b + ioff, (uInt)ib);
    memcpy(tr + TR_INDEX_CRC, &crc, 4);
    crc = (uint32_t)crc32(0L, tr, TR_CRC);
    memcpy(tr + TR_CRC, &crc, 4);
    int rc = write_file(fx, to, b, n);
    free(b);
    return rc;
}

/* Sets the trailer's table count of file name to ntables (its CRC made right). 0 or -1. */
static int patch_ntables(fixture *fx, const char *name, uint32_t ntables)
{
    size_t n;
    unsigned char *b = read_file(fx, name, &n);
    if (!b || n < TR_BYTES) {
        free(b);
        return -1;
    }
    memcpy(b + n - TR_BYTES + TR_NTABLES, &ntables, 4);
    uint32_t crc = (uint32_t)crc32(0L, b + n - TR_BYTES, TR_CRC);
    memcpy(b + n - TR_BYTES + TR_CRC, &crc, 4);
    int rc = write_file(fx, name, b, n);
    free(b);
    return rc;
}

/* A state of the payrun before the withholding tables: a version 2 checkpoint and
 * delta, then a version 4 delta whose night put records in those tables. The version 2
 * files open with the two tables empty (next ordinal 0, nothing fetched or scanned) and
 * verify; the chain of the three reads lazily and whole to what was written. A
 * version 2 trailer claiming 12 tables, or a version 4 one claiming 10, is refused. */
static void test_previous_version(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 20, 8, 2), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    model m = {.gen = 1};
    for (int who = 0; who < 20; who++) {
        for (int w = 0; w < 4; w++)
            set_record(&lg, &m, T_PWEEK, who, 20000 + 7 * w);
        set_record(&lg, &m, T_PYEAR, who, 2026);
        set_record(&lg, &m, T_PQUARTER, who, 2026 * 4 + 3);
    }
    for (int who = 0; who < 8; who++)
        set_record(&lg, &m, T_RMONTH, who, 24310);
    set_record(&lg, &m, T_RECOVERED, 1, 0);
    set_record(&lg, &m, T_VIOLATIONS, 4, 0);
    uint64_t codes[64];
    size_t nc = add_codes(&lg, codes, 0, 0, 40, 1);
    model_end_gen(&m);
    ASSERT_I64(write_seg(&fx, "n1.bin", &lg, 1, SEG_CHECKPOINT, NULL), 0);
    ledger_begin_night(&lg);
    m.gen = 2;
    set_record(&lg, &m, T_PWEEK, 3, 20000 + 7 * 4);
    set_record(&lg, &m, T_PYEAR, 3, 2026);
    nc = add_codes(&lg, codes, nc, 40, 50, 1);
    model_end_gen(&m);
    int64_t base[IDS_LISTS] = {20, 8, 2};
    ASSERT_I64(write_seg(&fx, "n2.bin", &lg, 2, SEG_DELTA, base), 0);
    ledger_begin_night(&lg);
    m.gen = 3;
    for (int who = 0; who < 20; who += 2) {
        set_record(&lg, &m, T_PPERIOD, who, cal_from_ymd(2027, 1, 1));
        set_record(&lg, &m, T_PW2, who, 2027);
    }
    set_record(&lg, &m, T_PYEAR, 2, 2027);
    model_end_gen(&m);
    ASSERT_I64(write_seg(&fx, "g3.bin", &lg, 3, SEG_DELTA, base), 0);
    ASSERT_NONE_WRONG();
    ASSERT_I64(to_version2(&fx, "n1.bin", "g1.bin"), 0);
    ASSERT_I64(to_version2(&fx, "n2.bin", "g2.bin"), 0);
    ASSERT_I64(to_version2(&fx, "g3.bin", "x3.bin"), -1);   /* its withholding tables hold records */

    char err[512];
    for (int g = 1; g <= 2; g++) {
        seg_file *f;
        char name[24];
        snprintf(name, sizeof name, "g%d.bin", g);
        int rc = open_seg(&fx, name, g, &f, err, sizeof err);
        ASSERT_I64(rc, 0);
        ASSERT_STR(rc ? err : "", "");
        if (rc != 0)
            continue;
        uint8_t tr[TR_BYTES];
        size_t n;
        unsigned char *b = read_file(&fx, name, &n);
        memcpy(tr, b + n - TR_BYTES, TR_BYTES);
        free(b);
        ASSERT_I64(tr[TR_VERSION], 2);
        ASSERT_I64(tr[TR_NTABLES], LEDGER_TABLES_V1);
        ASSERT_I64(seg_next_ordinal(f, T_PPERIOD), 0);
        ASSERT_I64(seg_next_ordinal(f, T_PW2), 0);
        ASSERT_I64(seg_next_ordinal(f, T_PWEEK), m.next[T_PWEEK] - (g == 1));
        check_segment_records(f, &lg, &m, (unsigned)g, g == 2, name);
        ASSERT_NONE_WRONG();
        ASSERT_I64(seg_verify(f, err, sizeof err), 0);
        seg_close(f);
    }
    static const char *const files[3] = {"g1.bin", "g2.bin", "g3.bin"};
    seg_file *seg[3];
    for (int whole = 0; whole <= 1; whole++) {
        ledger back;
        ASSERT_I64(ledger_init(&back, &fx.p, &fx.r, &fx.o), 0);
        if (open_chain(&fx, &back, files, 3, 1, seg) == 0) {
            int rc = whole ? chain_load_all(&back, seg, 3, NULL, 1, err, sizeof err)
                           : chain_attach(&back, seg, 3, err, sizeof err);
            ASSERT_I64(rc, 0);
            ledger_begin_night(&back);
            check_ledger_values(&back, &m, 3, whole ? "versions 2, 2, 4 read whole" : "versions 2, 2, 4 read lazily");
            for (size_t i = 0; i < nc; i++) {
                char id[18];
                ledger_paid_id p = ledger_paid_id_of(id, ids_unpack(codes[i], id));
                if (ledger_timesheet_paid(&back, &p) != 1)
                    fail("%s not paid", id);
            }
        }
        ASSERT_NONE_WRONG();
        ledger_free(&back);
    }
    /* version and table count must agree */
    seg_file *f = NULL;
    ASSERT_I64(patch_ntables(&fx, "g1.bin", LEDGER_TABLES), 0);
    ASSERT_I64(open_seg(&fx, "g1.bin", 1, &f, err, sizeof err), STATE_DAMAGED);
    ASSERT_CONTAINS(err, "another version");
    ASSERT_I64(patch_ntables(&fx, "g3.bin", LEDGER_TABLES_V1), 0);
    ASSERT_I64(open_seg(&fx, "g3.bin", 3, &f, err, sizeof err), STATE_DAMAGED);
    ASSERT_CONTAINS(err, "another version");
    model_free(&m);
    ledger_free(&lg);
    fx_close(&fx);
}

/* ---- 6. ordinals ---- */

/* Scans table T_PWEEK of segment name: every record, keys strictly rising (the scan
 * checks that), each record's value its key's low 32 bits. Returns how many. */
static size_t scan_checked(fixture *fx, const char *name, int gen)
{
    char err[512];
    seg_file *f;
    if (open_seg(fx, name, gen, &f, err, sizeof err) != 0) {
        fail("%s: %s", name, err);
        return 0;
    }
    got g = {.size = sizeof(int32_t)};
    if (seg_scan(f, T_PWEEK, collect, &g, err, sizeof err) != 0)
        fail("%s: %s", name, err);
    for (size_t i = 0; i < g.n; i++) {
        int32_t v;
        memcpy(&v, g.g[i].rec, sizeof v);
        if (v != (int32_t)(uint32_t)g.g[i].key)
            fail("%s: record %zu holds %d, not its key's %u", name, i, v, (unsigned)g.g[i].key);
    }
    seg_close(f);
    free(g.g);
    return g.n;
}

/* The writer's bucket sort (key_order) on a table too large for one coarse bucket:
 * 40,000 random provider weeks over 6,000 people and 3,000 days, 300 weeks of one
 * person (a crowded bucket), and the extremes of the key range; then a delta of every
 * seventh record. Both come back whole and in key order. */
static void test_large_table_order(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 8, 2, 0), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    ledger_table *t = &lg.provider_week;
    uint32_t x = 2463534242u;
    for (int i = 0; i < 40000 + 300 + 2; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint64_t key = i < 40000 ? ledger_key((int32_t)(x % 6000), (int32_t)(20000 + (x >> 16) % 3000))
                     : i < 40300 ? ledger_key(4242, 30000 - (i - 40000)) /* created in falling order */
                     : i == 40300 ? ledger_key(0, 0) : ledger_key(INT32_MAX, INT32_MAX);
        int32_t r = ledger_index(t, key);
        ASSERT_MSG(r >= 0, "record created");
        if (r >= 0)
            *(int32_t *)ledger_row(t, r) = (int32_t)(uint32_t)key;
    }
    ASSERT_MSG(t->n > 30000, "most keys distinct");
    ASSERT_I64(write_seg(&fx, "big.bin", &lg, 1, SEG_CHECKPOINT, NULL), 0);
    ASSERT_I64(scan_checked(&fx, "big.bin", 1), t->n);
    ledger_begin_night(&lg);
    size_t touched = 0;
    for (size_t i = 0; i < t->n; i += 7, touched++)
        ledger_index(t, ledger_key_at(t, i));
    int64_t base[IDS_LISTS] = {8, 2, 0};
    ASSERT_I64(write_seg(&fx, "bigdelta.bin", &lg, 2, SEG_DELTA, base), 0);
    ASSERT_I64(scan_checked(&fx, "bigdelta.bin", 2), touched);
    ASSERT_NONE_WRONG();
    ledger_free(&lg);
    fx_close(&fx);
}

static void test_ordinals(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 8, 2, 0), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    ledger_table *t = &lg.provider_week;
    /* A, B, C created in that order, their keys in another */
    const uint64_t A = ledger_key(5, 20300), B = ledger_key(1, 20100), C = ledger_key(3, 20200),
                   D = ledger_key(2, 20050), E = ledger_key(4, 20400);
    ASSERT_I64(ledger_index(t, A), 0);
    ASSERT_I64(ledger_index(t, B), 1);
    ASSERT_I64(ledger_index(t, C), 2);
    *(int32_t *)ledger_row(t, 0) = 100;
    *(int32_t *)ledger_row(t, 1) = 200;
    *(int32_t *)ledger_row(t, 2) = 300;
    ASSERT_I64(write_seg(&fx, "g1.bin", &lg, 1, SEG_CHECKPOINT, NULL), 0);
    ledger_begin_night(&lg);
    int32_t d = ledger_index(t, D);
    ASSERT_I64(d, 3);
    *(int32_t *)ledger_row(t, d) = 400;
    int64_t base[IDS_LISTS] = {8, 2, 0};
    ASSERT_I64(write_seg(&fx, "g2.bin", &lg, 2, SEG_DELTA, base), 0);

    char err[512];
    seg_file *f;
    ASSERT_I64(open_seg(&fx, "g1.bin", 1, &f, err, sizeof err), 0);
    uint32_t ck_next = seg_next_ordinal(f, T_PWEEK);
    ASSERT_I64(ck_next, 3);
    got g = {.size = t->size};
    ASSERT_I64(seg_scan(f, T_PWEEK, collect, &g, err, sizeof err), 0);
    ASSERT_I64(g.n, 3);
    if (g.n == 3) {   /* in key order B, C, A */
        ASSERT_I64(g.g[0].key, B);
        ASSERT_I64(g.g[0].ordinal, 1);
        ASSERT_I64(g.g[1].key, C);
        ASSERT_I64(g.g[1].ordinal, 2);
        ASSERT_I64(g.g[2].key, A);
        ASSERT_I64(g.g[2].ordinal, 0);
    }
    seg_close(f);
    ASSERT_I64(open_seg(&fx, "g2.bin", 2, &f, err, sizeof err), 0);
    g.n = 0;
    ASSERT_I64(seg_scan(f, T_PWEEK, collect, &g, err, sizeof err), 0);
    ASSERT_I64(g.n, 1);
    ASSERT_I64(g.g[0].key, D);
    ASSERT_I64(g.g[0].ordinal, ck_next);
    ASSERT_I64(seg_next_ordinal(f, T_PWEEK), 4);
    seg_close(f);
    free(g.g);

    /* a record created before any is fetched gets the newest segment's next ordinal; then
     * C, A, D, B fetched back: each keeps its ordinal and value */
    ledger lz;
    ASSERT_I64(ledger_init(&lz, &fx.p, &fx.r, &fx.o), 0);
    static const char *const files[2] = {"g1.bin", "g2.bin"};
    seg_file *seg[2];
    if (open_chain(&fx, &lz, files, 2, 1, seg) == 0) {
        ASSERT_I64(chain_attach(&lz, seg, 2, err, sizeof err), 0);
        ledger_begin_night(&lz);
        ledger_table *u = &lz.provider_week;
        ASSERT_I64(u->next_ordinal, 4);
        int32_t e = ledger_index(u, E);
        ASSERT_I64(e, 0);
        if (e >= 0)
            ASSERT_I64(u->ordinal[e], 4);
        const uint64_t order[4] = {C, A, D, B};
        const uint32_t ord[4] = {2, 0, 3, 1};
        const int32_t val[4] = {300, 100, 400, 200};
        for (int k = 0; k < 4; k++) {
            int32_t i = ledger_index(u, order[k]);
            ASSERT_I64(i, k + 1);       /* in memory in the order fetched */
            if (i >= 0) {
                ASSERT_I64(u->ordinal[i], ord[k]);
                ASSERT_I64(*(const int32_t *)ledger_row(u, i), val[k]);
            }
        }
        ASSERT_I64(u->next_ordinal, 5);
        /* other tables start at the newest segment's next ordinal (0 here) */
        ASSERT_I64(lz.recipient_week.next_ordinal, 0);
    }
    ASSERT_NONE_WRONG();
    ledger_free(&lz);
    ledger_free(&lg);
    fx_close(&fx);
}

/* ---- 7. ledger.bin and the text forms, through a state (state_load, state_dump) ---- */

/* What a generation's file is written as. */
typedef enum { F_TEXT, F_TEXT_DELTA, F_LBIN, F_SEG, F_SEG_DELTA } file_form;

/* Makes fx's directory a state (state_init: the marker and the lock). 0 or -1. */
static int fx_state(fixture *fx)
{
    int verified;
    char err[512];
    return state_init(fx->dir, &verified, err, sizeof err) == 0 ? 0 : -1;
}

/* Removes the generations put_gen made (fx_close removes the rest). */
static void fx_state_close(fixture *fx)
{
    for (int g = 1; g <= 9; g++) {
        char dir[32];
        snprintf(dir, sizeof dir, "gen-%06d", g);
        fsafe_remove_tree(fx->dfd, dir);
    }
    fx_close(fx);
}

/* Writes lg as generation gen's file `file` in form f; a delta stands on lists of
 * base[k] ids. Returns 0, or -1. */
static int put_gen(fixture *fx, int gen, const char *file, file_form f, const ledger *lg, const int64_t base[IDS_LISTS])
{
    char dir[32], name[64];
    snprintf(dir, sizeof dir, "gen-%06d", gen);
    snprintf(name, sizeof name, "%s/%s", dir, file);
    if (mkdirat(fx->dfd, dir, 0700) != 0 && errno != EEXIST)
        return -1;
    int fd = openat(fx->dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    csvw w;
    if (fd < 0 || csvw_open_fd(&w, fd, 0) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    state_idmaps b = {.n = {0}};
    for (int k = 0; base && k < IDS_LISTS; k++)
        b.n[k] = base[k];
    int rc = f == F_TEXT ? state_write_ledger(&w, lg, gen)
           : f == F_TEXT_DELTA ? state_write_delta(&w, lg, gen, &b)
           : f == F_LBIN ? lbin_write(&w, lg, gen)
           : seg_write(&w, lg, gen, f == F_SEG ? SEG_CHECKPOINT : SEG_DELTA, base);
    return csvw_close(&w) != 0 ? -1 : rc;
}

/* A whole file of fx into a malloc'd string ("" when unreadable). */
static char *text_of(fixture *fx, const char *name)
{
    size_t n;
    char *t = (char *)read_file(fx, name, &n);
    return t ? t : calloc(1, 1);
}

/* The text form of lg as generation gen (state_write_ledger), malloc'd. */
static char *ledger_text(fixture *fx, const ledger *lg, int gen)
{
    char path[256];
    tu_path(path, sizeof path, fx->dir, "text.tmp");
    csvw w;
    if (csvw_open(&w, path, 0) != 0)
        return calloc(1, 1);
    int rc = state_write_ledger(&w, lg, gen);
    if (csvw_close(&w) != 0 || rc != 0)
        fail("writing the text of generation %d", gen);
    char *t = text_of(fx, "text.tmp");
    unlink(path);
    return t;
}

/* `state dump` of generation gen, malloc'd; *rc gets state_dump's result (err its message). */
static char *dump_gen(fixture *fx, int gen, int *rc, char *err, size_t errlen)
{
    state_dir s;
    char path[256];
    tu_path(path, sizeof path, fx->dir, "dump.tmp");
    if ((*rc = state_open(&s, fx->dir, STATE_READ, err, errlen)) != 0)
        return calloc(1, 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    *rc = fd < 0 ? STATE_ERROR : state_dump(&s, gen, fd, err, errlen);
    if (fd >= 0)
        close(fd);
    state_close(&s);
    char *t = text_of(fx, "dump.tmp");
    unlink(path);
    return t;
}

/* Loads generation gen whole into lg, initialized on masters p, r, o. Returns state_load_all's result. */
static int load_gen(fixture *fx, int gen, const ids_table *p, const ids_table *r, const ids_table *o, ledger *lg,
                    char *err, size_t errlen)
{
    state_dir s;
    if (ledger_init(lg, p, r, o) != 0)
        return STATE_NO_MEMORY;
    int rc = state_open(&s, fx->dir, STATE_READ, err, errlen);
    if (rc == 0) {
        rc = state_load_all(&s, gen, lg, err, errlen);
        state_close(&s);
    }
    return rc;
}

/* Puts a provider week, a recipient month and a violation into lg (valid values: the
 * text form checks them). */
static void put_usual(ledger *lg, int32_t p, cal_date week, int32_t minutes)
{
    ledger_provider_week *pw = ledger_get(&lg->provider_week, ledger_key(p, week));
    ledger_recipient_month *rm = ledger_get(&lg->recipient_month, ledger_key(0, 2026 * 12 + 10));
    int32_t *v = ledger_get(&lg->violations, ledger_key(p, 0));
    if (!pw || !rm || !v) {
        fail("put_usual: out of memory");
        return;
    }
    pw->minutes += minutes;
    pw->first_recipient = 1;
    rm->minutes += minutes;
    rm->soc_taken += 1234;
    *v += 1;
}

/* Puts provider p's withholding of a pay period and its W-2 sums of a year into lg;
 * the amounts derive from k (some negative: a correction's adjustment can make them so). */
static void put_withholding(ledger *lg, int32_t p, cal_date period, int32_t year, int64_t k)
{
    ledger_provider_period *pp = ledger_get(&lg->provider_period, ledger_key(p, period));
    ledger_provider_w2 *w2 = ledger_get(&lg->provider_w2, ledger_key(p, year));
    if (!pp || !w2) {
        fail("put_withholding: out of memory");
        return;
    }
    *pp = (ledger_provider_period){152000 * k, 10000 + k, -2050 * k};
    /* field by field: the record's padding stays as ledger_get made it (zero), and the
     * tests compare whole records */
    w2->gross = 152000 * k, w2->fed = 10000, w2->ss_wages = 152000 * k - 1, w2->ss_tax = 9424;
    w2->medicare_wages = 152000, w2->medicare_tax = 2204 + k, w2->sdi = 1824, w2->state = -5 * k, w2->county = 0;
}

/* ledger.bin: version 1 (10 tables, payrun 0.10's file) while the withholding tables
 * are empty, version 2 (12) once they hold a record; both load to the ledger written
 * (its state dump the same text), also with the masters in another order (the keys'
 * providers mapped by id). The same for a segment checkpoint. */
static void test_ledgerbin_versions(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 3, 1, 0), 0);
    ASSERT_I64(fx_state(&fx), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    cal_date week = cal_from_ymd(2026, 11, 15), period = cal_from_ymd(2026, 11, 16);
    put_usual(&lg, 1, week, 600);
    put_usual(&lg, 2, week, 480);
    ASSERT_I64(put_gen(&fx, 1, "ledger.bin", F_LBIN, &lg, NULL), 0);
    put_withholding(&lg, 1, period, 2026, 1);
    put_withholding(&lg, 2, period, 2026, 3);
    put_withholding(&lg, 2, cal_from_ymd(2026, 12, 1), 2027, 2);
    ASSERT_I64(put_gen(&fx, 2, "ledger.bin", F_LBIN, &lg, NULL), 0);
    ASSERT_I64(put_gen(&fx, 3, "ledger.bin", F_SEG, &lg, NULL), 0);
    ASSERT_NONE_WRONG();
    static const uint32_t want_version[3] = {1, 2, 4}, want_tables[3] = {LEDGER_TABLES_V1, LEDGER_TABLES, LEDGER_TABLES};
    for (int g = 1; g <= 3; g++) {
        char name[64], err[512];
        snprintf(name, sizeof name, "gen-%06d/ledger.bin", g);
        size_t n;
        unsigned char *b = read_file(&fx, name, &n);
        uint32_t version = 0, ntables = 0;
        if (b && n > 72) {  /* ledger.bin: its header; a segment: its trailer */
            memcpy(&version, g < 3 ? b + 8 : b + n - TR_BYTES + TR_VERSION, 4);
            memcpy(&ntables, g < 3 ? b + 20 : b + n - TR_BYTES + TR_NTABLES, 4);
        }
        free(b);
        ASSERT_I64(version, want_version[g - 1]);
        ASSERT_I64(ntables, want_tables[g - 1]);
        int rc;
        char *dump = dump_gen(&fx, g, &rc, err, sizeof err);
        ASSERT_I64(rc, 0);
        char *want = ledger_text(&fx, &lg, g);
        if (g == 1) {   /* generation 1 was written before the withholding records */
            free(want);
            ledger one;
            ASSERT_I64(load_gen(&fx, 1, &fx.p, &fx.r, &fx.o, &one, err, sizeof err), 0);
            ASSERT_I64(one.provider_period.n + one.provider_w2.n, 0);
            want = ledger_text(&fx, &one, 1);
            ledger_free(&one);
            ASSERT_PREFIX(want, "payrun-ledger 1\n");
        }
        ASSERT_STR(dump, want);
        free(dump);
        free(want);
    }
    /* the masters in another order: P2, P0, P1 */
    ids_table other = {0};
    static const char *const order[3] = {"P2", "P0", "P1"};
    for (int i = 0; i < 3; i++)
        ids_intern(&other, order[i], 2, NULL);
    for (int g = 2; g <= 3; g++) {
        ledger back;
        char err[512];
        ASSERT_I64(load_gen(&fx, g, &other, &fx.r, &fx.o, &back, err, sizeof err), 0);
        const ledger_provider_period *pp = ledger_peek(&back.provider_period, ledger_key(2, period));   /* P1 */
        const ledger_provider_w2 *w2 = ledger_peek(&back.provider_w2, ledger_key(0, 2027));            /* P2 */
        ASSERT_MSG(pp && pp->wages == 152000 && pp->fed_taken == 10001 && pp->state_taken == -2050,
                   "P1's pay period, under its new index");
        ASSERT_MSG(w2 && w2->gross == 304000 && w2->medicare_tax == 2206 && w2->state == -10, "P2's W-2 sums of 2027");
        ASSERT_MSG(ledger_peek(&back.provider_period, ledger_key(1, period)) == NULL, "P0 has no pay period");
        const ledger_provider_week *pw = ledger_peek(&back.provider_week, ledger_key(0, week));
        ASSERT_MSG(pw && pw->minutes == 480, "P2's week");
        ledger_free(&back);
    }
    ids_free(&other);
    ledger_free(&lg);
    fx_state_close(&fx);
}

/* body with its checksum line, as the text form ends (malloc'd). */
static char *with_crc(const char *body)
{
    size_t n = strlen(body);
    char *t = malloc(n + 16);
    if (t)
        snprintf(t, n + 16, "%scrc32 %08x\n", body, (unsigned)crc32(0L, (const Bytef *)body, (uInt)n));
    return t;
}

/* Writes body (its checksum line added) as generation gen's file `file`. 0 or -1. */
static int put_text_gen(fixture *fx, int gen, const char *file, const char *body)
{
    char dir[32], name[64], path[256];
    snprintf(dir, sizeof dir, "gen-%06d", gen);
    snprintf(name, sizeof name, "%s/%s", dir, file);
    tu_path(path, sizeof path, fx->dir, name);
    char *t = with_crc(body);
    int rc = t && (mkdirat(fx->dfd, dir, 0700) == 0 || errno == EEXIST) ? tu_write_str(path, t) : -1;
    free(t);
    return rc;
}

/* s (of cap bytes) with its first `from` replaced by `to`. */
static void replace_once(char *s, size_t cap, const char *from, const char *to)
{
    char *at = strstr(s, from);
    size_t nf = strlen(from), nt = strlen(to);
    if (!at || strlen(s) - nf + nt >= cap) {
        fail("replace_once: no room, or no %s", from);
        return;
    }
    memmove(at + nt, at + nf, strlen(at + nf) + 1);
    memcpy(at, to, nt);
}

/* The text of a ledger of the test below, without its checksum line: the version line
 * `head`, generation gen's id lists, then `counties` (a county section or ""), the
 * records of version 1, then `more` (the withholding sections or "") and "end". */
static void text_body(char *body, size_t cap, const char *head, int gen, const char *counties, const char *more)
{
    static const char ids[] = "generation %d\nproviders 2\nP0\nP1\nrecipients 1\nR0\noverpayments 0\n";
    static const char v1[] = "paid_timesheets 0\npaid_periods 0\nprovider_weeks 1\n1 2026-11-15 600 0 0\n"
                             "recipient_weeks 0\nprovider_months 0\nrecipient_months 1\n0 2026-11 600 12.34\n"
                             "bups_years 0\nprovider_years 0\nprovider_quarters 0\nrecovered 0\nviolations 1\n1 1\n";
    snprintf(body, cap, "%s", head);
    snprintf(body + strlen(body), cap - strlen(body), ids, gen);
    snprintf(body + strlen(body), cap - strlen(body), "%s%s%send\n", counties, v1, more);
}

/* The text form: version 1, byte for byte as documented (and as payrun wrote it
 * before), while the withholding tables are empty; version 2 with the county list
 * after the overpayments and provider_periods and provider_w2 (its last field the
 * county's index) after violations once they hold a record (negative amounts too);
 * both read back (state_dump of each generation, the values exactly). A version 1
 * file with those sections, a version 3, a version 2 without its county list, a pay
 * period not starting on the 1st or 16th, "-0.00" and a county outside the list are
 * refused as damaged. */
static void test_text_versions(void)
{
    static const char wh[] = "provider_periods 1\n1 2026-11-16 1520.00 100.01 -20.50\n"
                             "provider_w2 1\n1 2026 1520.00 100.00 1519.99 94.24 1520.00 22.05 18.24 -0.05 0\n";
    static const char counties[] = "counties 1\nalameda\n";
    fixture fx;
    ASSERT_I64(fx_open(&fx, 2, 1, 0), 0);
    ASSERT_I64(fx_state(&fx), 0);
    reset_wrong();
    ids_table cty = {0};
    ASSERT_I64(ids_intern(&cty, "alameda", 7, NULL), 0);
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    ledger_set_counties(&lg, &cty);
    put_usual(&lg, 1, cal_from_ymd(2026, 11, 15), 600);
    char body[2048], err[512];
    text_body(body, sizeof body, "payrun-ledger 1\n", 1, "", "");
    char *want = with_crc(body), *got_text = ledger_text(&fx, &lg, 1);
    ASSERT_STR(got_text, want);
    free(got_text);
    ASSERT_I64(put_gen(&fx, 1, "ledger.txt", F_TEXT, &lg, NULL), 0);
    int rc;
    char *dump = dump_gen(&fx, 1, &rc, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(dump, want);
    free(dump);
    free(want);

    put_withholding(&lg, 1, cal_from_ymd(2026, 11, 16), 2026, 1);
    ((ledger_provider_w2 *)ledger_get(&lg.provider_w2, ledger_key(1, 2026)))->county = 1;    /* alameda */
    text_body(body, sizeof body, "payrun-ledger 2\n", 2, counties, wh);
    want = with_crc(body);
    got_text = ledger_text(&fx, &lg, 2);
    ASSERT_STR(got_text, want);
    free(got_text);
    ASSERT_I64(put_gen(&fx, 2, "ledger.txt", F_TEXT, &lg, NULL), 0);
    dump = dump_gen(&fx, 2, &rc, err, sizeof err);
    ASSERT_I64(rc, 0);
    ASSERT_STR(dump, want);
    free(dump);
    free(want);
    ledger back;
    ASSERT_I64(load_gen(&fx, 2, &fx.p, &fx.r, &fx.o, &back, err, sizeof err), 0);
    ASSERT_MEM(ledger_peek(&back.provider_period, ledger_key(1, cal_from_ymd(2026, 11, 16))),
               sizeof(ledger_provider_period), ledger_peek(&lg.provider_period, ledger_key(1, cal_from_ymd(2026, 11, 16))),
               sizeof(ledger_provider_period));
    ASSERT_MEM(ledger_peek(&back.provider_w2, ledger_key(1, 2026)), sizeof(ledger_provider_w2),
               ledger_peek(&lg.provider_w2, ledger_key(1, 2026)), sizeof(ledger_provider_w2));
    ASSERT_I64(ledger_ids_count(&back.counties), 1);
    ledger_free(&back);

    /* refused: the new sections in a version 1 file, version 3, no county list, a period on
     * the 2nd, "-0.00", a county index past the list and below -1 */
    static const char *const bad[7][5] = {
        {"payrun-ledger 1\n", "", "", "", "expected end"},
        {"payrun-ledger 3\n", counties, "", "", "not a payrun ledger (version 1 or 2)"},
        {"payrun-ledger 2\n", "", "", "", "counties"},
        {"payrun-ledger 2\n", counties, "2026-11-16", "2026-11-02", "provider_periods"},
        {"payrun-ledger 2\n", counties, "-0.05", "-0.00", "provider_w2"},
        {"payrun-ledger 2\n", counties, "-0.05 0", "-0.05 1", "provider_w2"},
        {"payrun-ledger 2\n", counties, "-0.05 0", "-0.05 -2", "provider_w2"},
    };
    for (int k = 0; k < 7; k++) {
        char whx[512];
        snprintf(whx, sizeof whx, "%s", wh);
        if (bad[k][2][0])
            replace_once(whx, sizeof whx, bad[k][2], bad[k][3]);
        text_body(body, sizeof body, bad[k][0], 3, bad[k][1], whx);
        ASSERT_I64(put_text_gen(&fx, 3, "ledger.txt", body), 0);
        free(dump_gen(&fx, 3, &rc, err, sizeof err));
        ASSERT_I64(rc, STATE_DAMAGED);
        ASSERT_CONTAINS(err, bad[k][4]);
    }
    ASSERT_NONE_WRONG();
    ledger_free(&lg);
    ids_free(&cty);
    fx_state_close(&fx);
}

/* delta.txt likewise: version 2 for a night that touched a withholding record, version
 * 1 for one that did not (whatever the ledger holds); a chain of ledger.txt version 1,
 * delta.txt 2 and 1 and a delta segment reads to the ledger of each night. */
static void test_text_delta_versions(void)
{
    fixture fx;
    ASSERT_I64(fx_open(&fx, 3, 1, 0), 0);
    ASSERT_I64(fx_state(&fx), 0);
    reset_wrong();
    ledger lg;
    ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
    int64_t base[IDS_LISTS] = {3, 1, 0};
    char *want[5] = {NULL};
    cal_date week = cal_from_ymd(2026, 11, 29);
    put_usual(&lg, 0, week, 300);
    ASSERT_I64(put_gen(&fx, 1, "ledger.txt", F_TEXT, &lg, NULL), 0);
    want[1] = ledger_text(&fx, &lg, 1);
    ledger_begin_night(&lg);    /* night 2: withholding */
    put_usual(&lg, 1, week, 120);
    put_withholding(&lg, 1, cal_from_ymd(2026, 12, 1), 2026, 2);
    ASSERT_I64(put_gen(&fx, 2, "delta.txt", F_TEXT_DELTA, &lg, base), 0);
    want[2] = ledger_text(&fx, &lg, 2);
    ledger_begin_night(&lg);    /* night 3: none */
    put_usual(&lg, 2, week, 60);
    ASSERT_I64(put_gen(&fx, 3, "delta.txt", F_TEXT_DELTA, &lg, base), 0);
    want[3] = ledger_text(&fx, &lg, 3);
    ledger_begin_night(&lg);    /* night 4, a segment: withholding again */
    put_withholding(&lg, 1, cal_from_ymd(2026, 12, 1), 2026, 5);
    put_withholding(&lg, 0, cal_from_ymd(2026, 12, 16), 2027, 1);
    ASSERT_I64(put_gen(&fx, 4, "delta.bin", F_SEG_DELTA, &lg, base), 0);
    want[4] = ledger_text(&fx, &lg, 4);
    ASSERT_NONE_WRONG();
    ASSERT_PREFIX(want[1], "payrun-ledger 1\n");
    ASSERT_PREFIX(want[2], "payrun-ledger 2\n");
    char *d2 = text_of(&fx, "gen-000002/delta.txt"), *d3 = text_of(&fx, "gen-000003/delta.txt");
    ASSERT_PREFIX(d2, "payrun-ledger-delta 2\ngeneration 2\nbase 1\n");
    ASSERT_CONTAINS(d2, "\nviolations 1\n1 1\nprovider_periods 1\n1 2026-12-01 3040.00 100.02 -41.00\nprovider_w2 1\n");
    ASSERT_PREFIX(d3, "payrun-ledger-delta 1\ngeneration 3\nbase 2\n");
    ASSERT_MSG(strstr(d3, "provider_periods") == NULL, "a version 1 delta has no withholding sections");
    free(d2);
    free(d3);
    for (int g = 1; g <= 4; g++) {
        int rc;
        char err[512];
        char *dump = dump_gen(&fx, g, &rc, err, sizeof err);
        ASSERT_I64(rc, 0);
        ASSERT_STR(dump, want[g]);
        free(dump);
        free(want[g]);
    }
    ledger_free(&lg);
    fx_state_close(&fx);
}

/* ---- 8. the W-2 sums' counties in every form ---- */

/* Sets provider p's W-2 sums of year: an amount from p and year, and county (a
 * ledger.counties index + 1, 0 none). */
static void set_w2(ledger *lg, int32_t p, int32_t year, int32_t county)
{
    ledger_provider_w2 *w2 = ledger_get(&lg->provider_w2, ledger_key(p, year));
    if (!w2) {
        fail("set_w2: out of memory");
        return;
    }
    w2->gross = 100000 * (p + 1) + year;
    w2->county = county;
}

/* The index + 1 of county name in lg's list (0 when not there). */
static int32_t county_of(const ledger *lg, const char *name)
{
    return ledger_ids_find(&lg->counties, name, strlen(name)) + 1;
}

/* A W-2 record a test expects: its provider, year and county (NULL: none). */
typedef struct {
    const char *provider;
    int32_t year;
    const char *county;
} want_w2;

/* Each record of want in lg (peeked: read from the source when lazy) names its county. */
static void check_w2_counties(ledger *lg, const want_w2 *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int32_t who = ledger_ids_find(&lg->providers, want[i].provider, strlen(want[i].provider));
        const ledger_provider_w2 *w2 = who < 0 ? NULL : ledger_peek(&lg->provider_w2, ledger_key(who, want[i].year));
        if (!w2 || w2->gross != 100000 * (want[i].provider[1] - '0' + 1) + want[i].year) {   /* set_w2's, of "P<p>" */
            fail("%s: %s %d: no W-2 record, or another's", what, want[i].provider, want[i].year);
            continue;
        }
        const char *got_name = w2->county > 0 && w2->county <= ledger_ids_count(&lg->counties)
                                   ? ledger_ids_name(&lg->counties, w2->county - 1) : NULL;
        if (w2->county < 0 || w2->county > ledger_ids_count(&lg->counties) ||
            (got_name == NULL) != (want[i].county == NULL) || (got_name && strcmp(got_name, want[i].county) != 0))
            fail("%s: %s %d: county %s (%d), expected %s", what, want[i].provider, want[i].year,
                 got_name ? got_name : "none", (int)w2->county, want[i].county ? want[i].county : "none");
    }
}

/* Loads generation gen of fx's state into lg as a night would (state_load, lazily
 * when the chain allows) on masters p, r, o (NULL: none, as payrun year-end loads) and
 * the masters' counties (NULL: none). *delta_ok: whether the next generation could be
 * a delta of it (state_delta_possible). Returns state_load's result (err its message). */
static int load_counties(fixture *fx, int gen, int masters, const ids_table *counties, ledger *lg, int *delta_ok,
                         char *err, size_t errlen)
{
    static const ids_table none;
    state_dir s;
    if (ledger_init(lg, masters ? &fx->p : &none, masters ? &fx->r : &none, masters ? &fx->o : &none) != 0)
        return STATE_NO_MEMORY;
    if (counties)
        ledger_set_counties(lg, counties);
    int rc = state_open(&s, fx->dir, STATE_READ, err, errlen);
    if (rc == 0) {
        rc = state_load(&s, gen, lg, err, errlen);
        *delta_ok = state_delta_possible(lg, &s.loaded);
        state_close(&s);
    }
    return rc;
}

/* The county list of each form (ledger.txt, ledger.bin with delta.txt, segments) and the
 * W-2 sums' county: generation 1 a checkpoint (the masters' counties A, then one only
 * an earlier ledger knew), 2 a delta adding a county; loaded as payrun year-end loads
 * (no masters: the files' list, in order), on masters A (the same order: a segment chain
 * read lazily, a delta possible) and on counties B in another order (remapped by name,
 * no delta possible); generation 3, a night on B saved as a checkpoint, loaded on no
 * masters and on A. Every W-2 record names its county each time. */
static void test_counties_every_form(void)
{
    static const char *const a_names[3] = {"alameda", "fresno", "los_angeles"};
    static const char *const b_names[4] = {"sacramento", "los_angeles", "kern", "alameda"};
    static const char *const list2[5] = {"alameda", "fresno", "los_angeles", "yolo", "kern"};
    static const want_w2 want2[5] = {{"P0", 2026, "fresno"}, {"P1", 2026, "yolo"}, {"P2", 2026, "kern"},
                                     {"P1", 2027, "alameda"}, {"P0", 2027, "los_angeles"}};
    static const want_w2 want3[6] = {{"P0", 2026, "fresno"}, {"P1", 2026, "yolo"},  {"P2", 2026, "kern"},
                                     {"P1", 2027, "alameda"}, {"P0", 2027, "los_angeles"}, {"P2", 2027, "sacramento"}};
    static const file_form ck[3] = {F_TEXT, F_LBIN, F_SEG}, dl[3] = {F_TEXT_DELTA, F_TEXT_DELTA, F_SEG_DELTA};
    static const char *const ck_name[3] = {"ledger.txt", "ledger.bin", "ledger.bin"};
    static const char *const dl_name[3] = {"delta.txt", "delta.txt", "delta.bin"};
    ids_table A = {0}, B = {0};
    for (int i = 0; i < 3; i++)
        ids_intern(&A, a_names[i], strlen(a_names[i]), NULL);
    for (int i = 0; i < 4; i++)
        ids_intern(&B, b_names[i], strlen(b_names[i]), NULL);
    for (int form = 0; form < 3; form++) {
        fixture fx;
        char err[512], what[96];
        int delta_ok = -1;
        ASSERT_I64(fx_open(&fx, 3, 1, 0), 0);
        ASSERT_I64(fx_state(&fx), 0);
        reset_wrong();
        ledger lg;
        ASSERT_I64(ledger_init(&lg, &fx.p, &fx.r, &fx.o), 0);
        ledger_set_counties(&lg, &A);
        ASSERT_I64(ledger_ids_add(&lg.counties, "yolo", 4), 3);     /* known only to an earlier ledger */
        set_w2(&lg, 0, 2026, county_of(&lg, "fresno"));
        set_w2(&lg, 1, 2026, county_of(&lg, "yolo"));
        set_w2(&lg, 2, 2026, 0);
        set_w2(&lg, 1, 2027, county_of(&lg, "alameda"));
        ASSERT_I64(put_gen(&fx, 1, ck_name[form], ck[form], &lg, NULL), 0);
        ledger_begin_night(&lg);
        int64_t base[IDS_LISTS];
        for (int k = 0; k < IDS_LISTS; k++)
            base[k] = ledger_ids_count(state_ids_list(&lg, k));
        ASSERT_I64(ledger_ids_add(&lg.counties, "kern", 4), 4);
        set_w2(&lg, 2, 2026, county_of(&lg, "kern"));
        set_w2(&lg, 0, 2027, county_of(&lg, "los_angeles"));
        ASSERT_I64(put_gen(&fx, 2, dl_name[form], dl[form], &lg, base), 0);
        ledger_free(&lg);

        ledger back;    /* as payrun year-end: the files' list, in its order */
        snprintf(what, sizeof what, "%s, generation 2 on no masters", ck_name[form]);
        ASSERT_I64(load_counties(&fx, 2, 0, NULL, &back, &delta_ok, err, sizeof err), 0);
        ASSERT_I64(ledger_ids_count(&back.counties), 5);
        for (int i = 0; i < 5 && i < ledger_ids_count(&back.counties); i++)
            ASSERT_STR(ledger_ids_name(&back.counties, i), list2[i]);
        check_w2_counties(&back, want2, 5, what);
        ledger_free(&back);
        snprintf(what, sizeof what, "%s, generation 2 on counties A", ck_name[form]);
        ASSERT_I64(load_counties(&fx, 2, 1, &A, &back, &delta_ok, err, sizeof err), 0);
        ASSERT_I64(delta_ok, 1);
        ASSERT_I64(back.source.release != NULL, form == 2);     /* segments: read lazily */
        check_w2_counties(&back, want2, 5, what);
        ledger_free(&back);
        snprintf(what, sizeof what, "%s, generation 2 on counties B", ck_name[form]);
        ASSERT_I64(load_counties(&fx, 2, 1, &B, &back, &delta_ok, err, sizeof err), 0);
        ASSERT_I64(delta_ok, 0);
        ASSERT_I64(back.source.release != NULL, 0);              /* remapped: read whole */
        ASSERT_I64(county_of(&back, "sacramento"), 1);
        check_w2_counties(&back, want2, 5, what);
        set_w2(&back, 2, 2027, county_of(&back, "sacramento"));  /* night 3 on B, a checkpoint */
        ASSERT_I64(put_gen(&fx, 3, ck_name[form], ck[form], &back, NULL), 0);
        ledger_free(&back);
        for (int m = 0; m < 2; m++) {
            snprintf(what, sizeof what, "%s, generation 3 on %s", ck_name[form], m ? "counties A" : "no masters");
            ASSERT_I64(load_counties(&fx, 3, m, m ? &A : NULL, &back, &delta_ok, err, sizeof err), 0);
            check_w2_counties(&back, want3, 6, what);
            ledger_free(&back);
        }
        ASSERT_NONE_WRONG();
        fx_state_close(&fx);
    }
    ids_free(&A);
    ids_free(&B);
}

int test_segment_register(void)
{
    static const tu_test tests[] = {
        {"checkpoint round trip: fetch, scan, codes, lists", test_checkpoint_round_trip},
        {"a large table, a crowded person and the key extremes come back in key order", test_large_table_order},
        {"a segment of paid codes and no records opens", test_codes_without_records},
        {"a delta holds exactly what the night touched", test_delta_holds_what_changed},
        {"a delta of a night that paid nothing", test_delta_paying_nothing},
        {"a chain read lazily equals one read whole", test_lazy_equals_whole},
        {"a night on a lazily read ledger: its delta and checkpoint", test_night_on_lazy_ledger},
        {"a table read whole after 256 fetches", test_whole_table_switch},
        {"paid codes read whole after CHAIN_PAID_LOOKUPS lookups", test_paid_lookups_switch},
        {"damaged blocks, index, trailer, truncation; the source's failure", test_damage},
        {"records keep their creation ordinals", test_ordinals},
        {"a segment of the version before the withholding tables reads with them empty", test_previous_version},
        {"ledger.bin version 1 while the withholding tables are empty, 2 after; both load", test_ledgerbin_versions},
        {"ledger.txt version 1 unchanged while the withholding tables are empty, 2 after", test_text_versions},
        {"delta.txt version 2 for a night that touched withholding, else 1; a mixed chain", test_text_delta_versions},
        {"the W-2 sums' county list and county in every form, remapped when the masters' order differs",
         test_counties_every_form},
    };
    return tu_register("segment", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
