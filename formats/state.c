/* state.c — the ledger of a generation as a checksummed text file (ledger.txt and delta.txt, versions 1 and 2), and loading a generation's chain. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "csvw.h"
#include "digits.h"
#include "fault.h"
#include "field.h"
#include "fsafe.h"
#include "chain.h"
#include "ledgerbin.h"
#include "segment.h"

/* The first line: the magic, then the version. Version 1 holds the tables of
 * LEDGER_TABLES_V1; version 2, written only when a withholding table has a record to
 * list, adds provider_periods and provider_w2 (docs/state.md). */
#define LEDGER_MAGIC "payrun-ledger"
#define DELTA_MAGIC "payrun-ledger-delta"

#define errf fsafe_errf

/* ---- the counter tables, described once for writing and reading ---- */

typedef enum { WHO_PROVIDER, WHO_RECIPIENT, WHO_OVERPAYMENT } who_kind;
/* WHEN_PERIOD: a pay period's first day (a date, the 1st or the 16th) */
typedef enum { WHEN_NONE, WHEN_DATE, WHEN_MONTH, WHEN_YEAR, WHEN_QUARTER, WHEN_PERIOD } when_kind;
/* FIELD_CENTS is never negative; FIELD_SIGNED_CENTS may be (the withholding sums: a
 * correction's negative adjustment may take a period's or a year's below zero) */
/* FIELD_RECIPIENT and FIELD_COUNTY: an index into the recipient or county list, stored
 * + 1 (0 none), written as the index (-1 none) */
typedef enum { FIELD_I32, FIELD_I64, FIELD_CENTS, FIELD_SIGNED_CENTS, FIELD_FLAG, FIELD_RECIPIENT, FIELD_COUNTY } field_kind;

typedef struct {
    field_kind kind;
    size_t offset;              /* in the record */
} field_desc;

/* One section of ledger.txt: "name COUNT", then one line a record: who [when] fields. */
typedef struct {
    const char *name;
    size_t table;               /* offsetof(ledger, ...) */
    who_kind who;
    when_kind when;
    int nfields;
    field_desc fields[9];
} table_desc;

#define TABLE(l, f) offsetof(ledger, f)
static const table_desc tables[] = {
    {"provider_weeks", TABLE(l, provider_week), WHO_PROVIDER, WHEN_DATE, 3,
     {{FIELD_I32, offsetof(ledger_provider_week, minutes)},
      {FIELD_RECIPIENT, offsetof(ledger_provider_week, first_recipient)},
      {FIELD_FLAG, offsetof(ledger_provider_week, multi)}}},
    {"recipient_weeks", TABLE(l, recipient_week), WHO_RECIPIENT, WHEN_DATE, 1, {{FIELD_I32, 0}}},
    {"provider_months", TABLE(l, provider_month), WHO_PROVIDER, WHEN_MONTH, 3,
     {{FIELD_I64, offsetof(ledger_provider_month, minutes)},
      {FIELD_CENTS, offsetof(ledger_provider_month, dues)},
      {FIELD_FLAG, offsetof(ledger_provider_month, violation)}}},
    {"recipient_months", TABLE(l, recipient_month), WHO_RECIPIENT, WHEN_MONTH, 2,
     {{FIELD_I64, offsetof(ledger_recipient_month, minutes)},
      {FIELD_CENTS, offsetof(ledger_recipient_month, soc_taken)}}},
    {"bups_years", TABLE(l, bups_year), WHO_RECIPIENT, WHEN_YEAR, 1, {{FIELD_I64, 0}}},
    {"provider_years", TABLE(l, provider_year), WHO_PROVIDER, WHEN_YEAR, 2,
     {{FIELD_CENTS, offsetof(ledger_provider_year, fica_wages)},
      {FIELD_CENTS, offsetof(ledger_provider_year, sdi_taxed)}}},
    {"provider_quarters", TABLE(l, provider_quarter), WHO_PROVIDER, WHEN_QUARTER, 2,
     {{FIELD_CENTS, offsetof(ledger_provider_quarter, sdi_subject)},
      {FIELD_CENTS, offsetof(ledger_provider_quarter, sdi_taxed)}}},
    {"recovered", TABLE(l, recovered), WHO_OVERPAYMENT, WHEN_NONE, 1, {{FIELD_CENTS, 0}}},
    {"violations", TABLE(l, violations), WHO_PROVIDER, WHEN_NONE, 1, {{FIELD_I32, 0}}},
    /* version 2 only: the withholding tables */
    {"provider_periods", TABLE(l, provider_period), WHO_PROVIDER, WHEN_PERIOD, 3,
     {{FIELD_SIGNED_CENTS, offsetof(ledger_provider_period, wages)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_period, fed_taken)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_period, state_taken)}}},
    {"provider_w2", TABLE(l, provider_w2), WHO_PROVIDER, WHEN_YEAR, 9,
     {{FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, gross)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, fed)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, ss_wages)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, ss_tax)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, medicare_wages)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, medicare_tax)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, sdi)},
      {FIELD_SIGNED_CENTS, offsetof(ledger_provider_w2, state)},
      {FIELD_COUNTY, offsetof(ledger_provider_w2, county)}}},
};
#define NTABLES (sizeof tables / sizeof *tables)
/* every table but the paid-period bits (their own section), in LEDGER_TABLES order */
_Static_assert(NTABLES == LEDGER_TABLES - 1, "a section for every counter table");
#define NTABLES_V1 ((size_t)LEDGER_TABLES_V1 - 1)   /* the sections of version 1 */

static const ledger_table *table_of(const ledger *lg, const table_desc *d)
{
    return (const ledger_table *)(const void *)((const char *)lg + d->table);
}

/* ---- writing a ledger ---- */

/* Record writers with no printf: each formats into a line reserved in the writer's
 * buffer and returns the bytes it wrote. */
static inline size_t fmt_int(char *p, int64_t v)
{
    size_t k = 0;
    if (v < 0)
        p[k++] = '-';
    return k + (size_t)digits_u64(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p + k);
}

static size_t fmt_month(char *p, int32_t m)
{
    digits_fixed((uint64_t)(m / 12), 4, p);
    p[4] = '-';
    memcpy(p + 5, digits_pairs + 2 * (m % 12 + 1), 2);
    return 7;
}

static void put_ids(csvw *w, const char *name, const ledger_ids *t)
{
    csvw_printf(w, "%s %d\n", name, (int)ledger_ids_count(t));
    for (int32_t i = 0; i < ledger_ids_count(t); i++) {
        const char *id = ledger_ids_name(t, i);
        csvw_raw(w, id, strlen(id));
        csvw_raw(w, "\n", 1);
    }
}

static int32_t key_who(uint64_t k) { return (int32_t)(k >> 32); }
static int32_t key_when(uint64_t k) { return (int32_t)(uint32_t)k; }

/* One record line of table d: who [when] fields. At most RECORD_LINE bytes (a who of
 * 11, a date of 10, 8 amounts of at most 21 characters each and an index of 11, spaced, fit). */
#define RECORD_LINE 256
static size_t fmt_record(char *p, const table_desc *d, uint64_t key, const char *row)
{
    int32_t when = key_when(key);
    size_t k = fmt_int(p, key_who(key));
    switch (d->when) {
    case WHEN_NONE: break;
    case WHEN_DATE:
    case WHEN_PERIOD: p[k++] = ' '; k += (size_t)cal_format(when, p + k); break;
    case WHEN_MONTH: p[k++] = ' '; k += fmt_month(p + k, when); break;
    case WHEN_YEAR: p[k++] = ' '; k += fmt_int(p + k, when); break;
    case WHEN_QUARTER:
        p[k++] = ' ';
        k += fmt_int(p + k, when / 4);
        p[k++] = '-';
        p[k++] = 'Q';
        k += fmt_int(p + k, when % 4 + 1);
        break;
    }
    for (int f = 0; f < d->nfields; f++) {
        const void *v = row + d->fields[f].offset;
        p[k++] = ' ';
        switch (d->fields[f].kind) {
        case FIELD_I32: k += fmt_int(p + k, *(const int32_t *)v); break;
        case FIELD_I64: k += fmt_int(p + k, *(const int64_t *)v); break;
        case FIELD_CENTS:
        case FIELD_SIGNED_CENTS: k += (size_t)money_format_cents(*(const money_cents *)v, p + k); break;
        case FIELD_FLAG: k += fmt_int(p + k, *(const uint8_t *)v); break;
        case FIELD_RECIPIENT:
        case FIELD_COUNTY: k += fmt_int(p + k, *(const int32_t *)v - 1); break;   /* stored + 1 */
        }
    }
    p[k++] = '\n';
    return k;
}


/* The text version that lists lg's records (all, or the touched ones): 2 when a
 * withholding table has one to list, else 1 (the file payrun wrote before them). */
static int text_version(const ledger *lg, int touched)
{
    for (size_t t = NTABLES_V1; t < NTABLES; t++) {
        const ledger_table *tb = table_of(lg, &tables[t]);
        for (size_t i = 0; i < tb->n; i++)
            if (!touched || ledger_touched(tb, i))
                return 2;
    }
    return 1;
}

/* The paid timesheets, periods and counter tables of lg (the first ntables sections:
 * NTABLES_V1 for a version 1 file): every record, or (touched) those of this night only
 * (ledger_begin_night). Returns 0, or -1 out of memory. */
static int write_records(csvw *w, const ledger *lg, int touched, size_t ntables)
{
    /* paid timesheets: the packed ids in the order of their codes, then the others.
     * Sorted, the file does not depend on the set's history, and reading it back adds
     * the keys in an order unrelated to their slots (in slot order they would pile up
     * in the smaller table the set starts from). A night's are those it logged. */
    size_t nlog = touched ? lg->npaid_log : lg->paid_ids.n;
    int32_t other_from = touched ? lg->paid_other_mark : 0;
    csvw_printf(w, "paid_timesheets %zu\n", nlog + (size_t)(lg->paid_other.n - other_from));
    uint64_t *codes = malloc((nlog ? nlog : 1) * sizeof *codes);
    if (!codes)
        return -1;
    size_t ncodes = 0;
    if (touched && nlog > 0) {
        memcpy(codes, lg->paid_log, nlog * sizeof *codes);
        ncodes = nlog;
    }
    for (size_t i = 0; !touched && i < lg->paid_ids.nslots; i++)
        if (lg->paid_ids.keys[i] != UINT64_MAX)
            codes[ncodes++] = lg->paid_ids.keys[i];
    if (lbin_sort_codes(codes, ncodes) != 0) {
        free(codes);
        return -1;
    }
    for (size_t i = 0; i < ncodes; i++) {
        char *p = csvw_reserve(w, 24);
        size_t k = ids_unpack(codes[i], p);
        p[k++] = '\n';
        csvw_wrote(w, k);
    }
    free(codes);
    for (int32_t i = other_from; i < lg->paid_other.n; i++) {
        const char *id = ids_name(&lg->paid_other, i);
        csvw_raw(w, id, strlen(id));
        csvw_raw(w, "\n", 1);
    }
    /* records in the order they were first created (ordinals), whatever order the
     * loads put them in memory: the text does not depend on how it was stored */
    size_t nperiods = 0, n;
    const ledger_table *pb = &lg->paid_period_bits;
    lbin_pair *order;
    if (lbin_table_order(pb, touched, &order, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        nperiods += (size_t)__builtin_popcountll(*(const uint64_t *)ledger_row(pb, (int32_t)order[i].at));
    csvw_printf(w, "paid_periods %zu\n", nperiods);
    for (size_t i = 0; i < n; i++) {
        size_t r = (size_t)order[i].at;
        uint64_t bits = *(const uint64_t *)ledger_row(pb, (int32_t)r);
        for (unsigned b = 0; b < 64; b++) {
            if (!(bits >> b & 1))
                continue;
            uint64_t key = ledger_period_key_at(lg, r, b);
            int32_t period = (int32_t)(key & 0xFFFFF);
            char *p = csvw_reserve(w, 64);
            size_t k = fmt_int(p, (int64_t)(key >> 42));
            p[k++] = ' ';
            k += fmt_int(p + k, (int64_t)(key >> 20 & 0x3FFFFF));
            p[k++] = ' ';
            k += (size_t)cal_format(cal_from_ymd(period / 24, period / 2 % 12 + 1, period % 2 ? 16 : 1), p + k);
            p[k++] = '\n';
            csvw_wrote(w, k);
        }
    }
    free(order);
    for (size_t t = 0; t < ntables; t++) {
        const table_desc *d = &tables[t];
        const ledger_table *tb = table_of(lg, d);
        if (lbin_table_order(tb, touched, &order, &n) != 0)
            return -1;
        csvw_printf(w, "%s %zu\n", d->name, n);
        for (size_t i = 0; i < n; i++)
            csvw_wrote(w, fmt_record(csvw_reserve(w, RECORD_LINE), d, ledger_key_at(tb, order[i].at),
                                     ledger_row(tb, (int32_t)order[i].at)));
        free(order);
    }
    csvw_printf(w, "end\n");
    uint32_t crc = csvw_content_crc(w);  /* of every byte above */
    csvw_printf(w, "crc32 %08x\n", (unsigned)crc);
    return 0;
}

int state_write_ledger(csvw *w, const ledger *lg, int gen)
{
    int version = text_version(lg, 0);
    csvw_printf(w, "%s %d\ngeneration %d\n", LEDGER_MAGIC, version, gen);
    put_ids(w, "providers", &lg->providers);
    put_ids(w, "recipients", &lg->recipients);
    put_ids(w, "overpayments", &lg->overpayments);
    if (version == 2)
        put_ids(w, "counties", &lg->counties);
    return write_records(w, lg, 0, version == 1 ? NTABLES_V1 : NTABLES);
}

/* The ids a delta adds after the first keep of the list. */
static void put_added_ids(csvw *w, const char *name, const ledger_ids *t, int64_t keep)
{
    csvw_printf(w, "%s %lld %lld\n", name, (long long)keep, (long long)(ledger_ids_count(t) - keep));
    for (int32_t i = (int32_t)keep; i < ledger_ids_count(t); i++) {
        const char *id = ledger_ids_name(t, i);
        csvw_raw(w, id, strlen(id));
        csvw_raw(w, "\n", 1);
    }
}

int state_write_delta(csvw *w, const ledger *lg, int gen, const state_idmaps *base)
{
    int version = text_version(lg, 1);
    csvw_printf(w, "%s %d\ngeneration %d\nbase %d\n", DELTA_MAGIC, version, gen, gen - 1);
    put_added_ids(w, "providers", &lg->providers, base->n[0]);
    put_added_ids(w, "recipients", &lg->recipients, base->n[1]);
    put_added_ids(w, "overpayments", &lg->overpayments, base->n[2]);
    if (version == 2)
        put_added_ids(w, "counties", &lg->counties, base->n[IDS_COUNTIES]);
    return write_records(w, lg, 1, version == 1 ? NTABLES_V1 : NTABLES);
}

int state_delta_possible(const ledger *lg, const state_idmaps *base)
{
    for (int k = 0; k < IDS_LISTS; k++) {
        if (!base->map[k] && base->n[k] > 0)
            return 0;
        if (ledger_ids_count(state_ids_list_c(lg, k)) < base->n[k])
            return 0;
        for (int64_t i = 0; i < base->n[k]; i++)
            if (base->map[k][i] != (int32_t)i)
                return 0;   /* the list is not the base's with ids added at its end */
    }
    return 1;
}

/* ---- reading a ledger ---- */

/* The ledger is read in blocks: a line is always whole in the buffer when parsing
 * starts on it (next_line refills at each line's start). */
typedef struct {
    char *p, *end;          /* the unread bytes in buf */
    int eol;                /* the last token ended its line */
    long line;
    const char *path;
    char *err;
    size_t errlen;
    int fd;
    char *buf;
    size_t cap;
    uint64_t left;          /* bytes of the file not read yet (the checksum line excluded) */
    int nomem;              /* an allocation failed: the load fails with STATE_NO_MEMORY */
} cursor;

#define READ_BLOCK (1024 * 1024)

/* Makes sure the next line is whole in the buffer, reading more of the file when not
 * (a line longer than the buffer stays cut, and its parse then fails). */
static void next_line(cursor *c)
{
    if (memchr(c->p, '\n', (size_t)(c->end - c->p)) || c->left == 0)
        return;
    size_t keep = (size_t)(c->end - c->p);
    memmove(c->buf, c->p, keep);
    c->p = c->buf;
    c->end = c->buf + keep;
    while (c->left > 0 && (size_t)(c->end - c->buf) < c->cap) {
        size_t want = c->cap - (size_t)(c->end - c->buf);
        if (want > c->left)
            want = (size_t)c->left;
        ssize_t k = read(c->fd, c->end, want);
        if (k <= 0) {
            c->left = 0;    /* an unreadable rest: the parse fails where it stops */
            break;
        }
        c->end += k;
        c->left -= (uint64_t)k;
        if (memchr(c->end - k, '\n', (size_t)k))
            break;
    }
}

/* Out of memory while loading: exit 4 "out of memory", never "damaged". */
static int out_of_memory(cursor *c)
{
    c->nomem = 1;
    return errf(c->err, c->errlen, STATE_NO_MEMORY, "out of memory while loading %s", c->path);
}

static int damaged(cursor *c, const char *what)
{
    if (c->nomem)
        return STATE_NO_MEMORY;     /* the message says so already */
    return errf(c->err, c->errlen, STATE_DAMAGED, "%s:%ld: %s: the state is damaged; restore it or run from an "
                "older generation (--from-generation)", c->path, c->line, what);
}

/* The next space-separated token of the current line (NUL-terminated in place), or NULL at the line's end. */
static char *token(cursor *c)
{
    if (c->eol || c->p >= c->end || *c->p == '\n')
        return NULL;
    char *t = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
        c->p++;
    if (c->p >= c->end)
        return NULL;            /* every line ends with a newline */
    c->eol = *c->p == '\n';
    *c->p++ = '\0';
    return t;
}

/* Ends the current line: it must have no more tokens. */
static int end_line(cursor *c)
{
    if (!c->eol)
        return -1;
    c->eol = 0;
    c->line++;
    next_line(c);
    return 0;
}

/* Whole line as a token (ids may not contain spaces, but read the whole line anyway). */
static char *whole_line(cursor *c, size_t *n)
{
    char *t = c->p;
    char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl)
        return NULL;
    *n = (size_t)(nl - t);
    *nl = '\0';
    c->p = nl + 1;
    c->line++;
    return t;
}

/* whole_line for a line that is used at once: the next line is read in after it. */
static char *take_line(cursor *c, size_t *n, char *copy, size_t cap)
{
    char *t = whole_line(c, n);
    if (!t || *n >= cap)
        return NULL;
    memcpy(copy, t, *n + 1);
    next_line(c);
    return copy;
}

/* A whole number token: an optional '-' and 1 to 18 digits (what the ledger writes). */
static int int_token(cursor *c, int64_t *v)
{
    const char *t = token(c);
    if (!t)
        return -1;
    int neg = *t == '-';
    t += neg;
    int64_t x = 0;
    int n = 0;
    for (; *t >= '0' && *t <= '9' && n < 18; t++, n++)
        x = x * 10 + (*t - '0');
    if (n == 0 || *t != '\0')
        return -1;
    *v = neg ? -x : x;
    return 0;
}

static int money_token(cursor *c, money_cents *v)
{
    char *t = token(c);
    return t && fld_money(t, strlen(t), v) == NULL ? 0 : -1;
}

/* An amount that may be negative: '-' and then what money_token reads (not "-0.00":
 * the writer never writes it). */
static int signed_money_token(cursor *c, money_cents *v)
{
    char *t = token(c);
    int neg = t && *t == '-';
    if (!t || fld_money(t + neg, strlen(t + neg), v) != NULL || (neg && *v == 0))
        return -1;
    *v = neg ? -*v : *v;
    return 0;
}

static int date_token(cursor *c, cal_date *d)
{
    char *t = token(c);
    return t && fld_date(t, strlen(t), d) == NULL ? 0 : -1;
}

static int month_token(cursor *c, int32_t *m)
{
    char *t = token(c);
    return t && fld_month(t, strlen(t), m) == NULL ? 0 : -1;
}

/* "name N" section header. */
static int section(cursor *c, const char *name, int64_t *count)
{
    char *t = token(c);
    if (!t || strcmp(t, name) != 0 || int_token(c, count) != 0 || *count < 0 || end_line(c) != 0)
        return -1;
    return 0;
}

/* Reads an id list, mapping file index -> ledger index (interned): in a ledger
 * "name COUNT" then the ids (*map replaced); in a delta "name KEEP ADDED": the first
 * KEEP of the base's list (KEEP must be all of it), then ADDED ids after them. */
static int read_ids(cursor *c, const char *name, ledger_ids *t, int32_t **map, int64_t *count, int delta)
{
    int64_t keep = 0, added;
    char *tok = token(c);
    if (!tok || strcmp(tok, name) != 0 || (delta && (int_token(c, &keep) != 0 || keep != *count)) ||
        int_token(c, &added) != 0 || added < 0 || added > INT32_MAX - keep || end_line(c) != 0)
        return damaged(c, name);
    int32_t *m = realloc(*map, sizeof *m * (size_t)(keep + added ? keep + added : 1));
    if (!m)
        return out_of_memory(c);
    *map = m;
    for (int64_t i = 0; i < added; i++) {
        size_t n;
        char line[64];
        char *id = take_line(c, &n, line, sizeof line);
        if (!id || fld_id(id, n) != NULL)
            return damaged(c, "bad id");
        m[keep + i] = ledger_ids_add(t, id, n);
        if (m[keep + i] < 0)
            return out_of_memory(c);
    }
    *count = keep + added;
    return 0;
}

/* An index into a file id list, mapped to the ledger's index. */
static int index_token(cursor *c, const int32_t *map, int64_t count, int32_t *out)
{
    int64_t i;
    if (int_token(c, &i) != 0 || i < 0 || i >= count)
        return -1;
    *out = map[i];
    return 0;
}

/* Reads one record of table d: who (an index into the file's id list), when, the
 * fields; every value range-checked, every index mapped by m (file -> ledger). Returns
 * 0, or -1 when the line is damaged (or out of memory: c->nomem). */
static int read_record(cursor *c, const table_desc *d, ledger_table *tb, const state_idmaps *m)
{
    int32_t who, when = 0;
    int64_t v;
    char *t, extra;
    int y, q;
    int list = d->who == WHO_PROVIDER ? IDS_PROVIDERS : d->who == WHO_RECIPIENT ? IDS_RECIPIENTS : IDS_OVERPAYMENTS;
    if (index_token(c, m->map[list], m->n[list], &who) != 0)
        return -1;
    switch (d->when) {
    case WHEN_NONE: break;
    case WHEN_DATE:
    case WHEN_PERIOD:
        if (date_token(c, &when) != 0 || (d->when == WHEN_PERIOD && !cal_is_period_start(when)))
            return -1;
        break;
    case WHEN_MONTH:
        if (month_token(c, &when) != 0)
            return -1;
        break;
    case WHEN_YEAR:
        if (int_token(c, &v) != 0 || v < 1 || v > 9999)
            return -1;
        when = (int32_t)v;
        break;
    case WHEN_QUARTER:
        if (!(t = token(c)) || sscanf(t, "%4d-Q%1d%c", &y, &q, &extra) != 2 || y < 1 || q < 1 || q > 4)
            return -1;
        when = y * 4 + q - 1;
        break;
    }
    char *row = ledger_get(tb, ledger_key(who, when));
    if (!row) {
        out_of_memory(c);
        return -1;
    }
    for (int f = 0; f < d->nfields; f++) {
        void *dst = row + d->fields[f].offset;
        money_cents cents;
        switch (d->fields[f].kind) {
        case FIELD_I32:
            if (int_token(c, &v) != 0 || v < 0 || v > INT32_MAX)
                return -1;
            *(int32_t *)dst = (int32_t)v;
            break;
        case FIELD_I64:
            if (int_token(c, &v) != 0 || v < 0)
                return -1;
            *(int64_t *)dst = v;
            break;
        case FIELD_CENTS:
        case FIELD_SIGNED_CENTS:
            if ((d->fields[f].kind == FIELD_CENTS ? money_token(c, &cents) : signed_money_token(c, &cents)) != 0)
                return -1;
            *(money_cents *)dst = cents;
            break;
        case FIELD_FLAG:
            if (int_token(c, &v) != 0 || (v != 0 && v != 1))
                return -1;
            *(uint8_t *)dst = (uint8_t)v;
            break;
        case FIELD_RECIPIENT:
        case FIELD_COUNTY:
            list = d->fields[f].kind == FIELD_RECIPIENT ? IDS_RECIPIENTS : IDS_COUNTIES;
            if (int_token(c, &v) != 0 || v < -1 || v >= m->n[list])
                return -1;
            *(int32_t *)dst = v < 0 ? 0 : m->map[list][v] + 1;
            break;
        }
    }
    return 0;
}

/* The version a file's first line t names: "MAGIC 1" or "MAGIC 2"; 0 for anything else. */
static int text_version_of(const char *t, const char *magic)
{
    size_t n = strlen(magic);
    if (strncmp(t, magic, n) != 0 || t[n] != ' ' || (t[n + 1] != '1' && t[n + 1] != '2') || t[n + 2] != '\0')
        return 0;
    return t[n + 1] - '0';
}

/* Parses a ledger (delta 0) or the delta of generation gen (delta 1), version 1 or 2,
 * into lg; maps holds the id lists of the generation before (for a delta) and gets
 * those of gen. A version 1 file leaves the withholding tables as they were, and has no
 * county list (a ledger: none; a delta: the one before, unchanged). Returns 0,
 * STATE_DAMAGED (err names the line) or STATE_NO_MEMORY. */
static int parse_ledger(cursor *c, ledger *lg, int gen, state_idmaps *maps, int delta)
{
    int64_t n, v;
    int rc = STATE_DAMAGED;
    char line[64];
    size_t len;
    char *t = take_line(c, &len, line, sizeof line);
    int version = t ? text_version_of(t, delta ? DELTA_MAGIC : LEDGER_MAGIC) : 0;
    if (version == 0)
        return damaged(c, delta ? "not a payrun ledger delta (version 1 or 2)" : "not a payrun ledger (version 1 or 2)");
    size_t ntables = version == 1 ? NTABLES_V1 : NTABLES;
    if (section(c, "generation", &v) != 0 || v != gen)
        return damaged(c, "generation number");
    if (delta && (section(c, "base", &v) != 0 || v != gen - 1))
        return damaged(c, "base generation");
    if (!delta)
        memset(maps->n, 0, sizeof maps->n);
    if (read_ids(c, "providers", &lg->providers, &maps->map[0], &maps->n[0], delta) ||
        read_ids(c, "recipients", &lg->recipients, &maps->map[1], &maps->n[1], delta) ||
        read_ids(c, "overpayments", &lg->overpayments, &maps->map[2], &maps->n[2], delta) ||
        (version == 2 && read_ids(c, "counties", &lg->counties, &maps->map[IDS_COUNTIES], &maps->n[IDS_COUNTIES],
                                  delta)))
        return c->nomem ? STATE_NO_MEMORY : STATE_DAMAGED;
    const int32_t *pmap = maps->map[0], *rmap = maps->map[1];
    int64_t np = maps->n[0], nr = maps->n[1];
#define LINE_OK(cond, what) do { if (!(cond) || end_line(c) != 0) { damaged(c, what); goto out; } } while (0)
    if (section(c, "paid_timesheets", &n) != 0) { damaged(c, "paid_timesheets"); goto out; }
    for (int64_t i = 0; i < n; i++) {
        char *id = take_line(c, &len, line, sizeof line);
        if (!id || fld_id(id, len) != NULL) { damaged(c, "bad id"); goto out; }
        ledger_paid_id pid = ledger_paid_id_of(id, len);
        if (ledger_mark_timesheet_paid(lg, &pid) != 0) { out_of_memory(c); goto out; }
    }
    if (section(c, "paid_periods", &n) != 0) { damaged(c, "paid_periods"); goto out; }
    for (int64_t i = 0; i < n; i++) {
        int32_t p, r;
        cal_date d;
        uint64_t key;
        LINE_OK(!index_token(c, pmap, np, &p) && !index_token(c, rmap, nr, &r) && !date_token(c, &d) &&
                    cal_is_period_start(d) && !ledger_period_key(p, r, d, &key),
                "paid period");
        if (ledger_mark_period_paid(lg, key) != 0) {
            out_of_memory(c);
            goto out;
        }
    }
    for (size_t k = 0; k < ntables; k++) {
        const table_desc *d = &tables[k];
        ledger_table *tb = (ledger_table *)(void *)((char *)lg + d->table);
        if (section(c, d->name, &n) != 0) {
            damaged(c, d->name);
            goto out;
        }
        for (int64_t i = 0; i < n; i++)
            LINE_OK(read_record(c, d, tb, maps) == 0, d->name);
    }
#undef LINE_OK
    t = take_line(c, &len, line, sizeof line);
    if (!t || strcmp(t, "end") != 0) {
        damaged(c, "expected end");
        goto out;
    }
    rc = 0;
out:
    if (c->nomem)
        rc = STATE_NO_MEMORY;
    return rc;
}

static int has_file(const state_dir *s, int gen, const char *file)
{
    char name[64];
    struct stat st;
    snprintf(name, sizeof name, "gen-%06d/%s", gen, file);
    return fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Reads one file of generation gen (its checkpoint, ledger.bin or an older
 * ledger.txt, or delta.txt when delta): first the checksum, then the parse. *bytes
 * gets its size. */
static int read_gen_file(const state_dir *s, int gen, int delta, ledger *lg, state_idmaps *maps, uint64_t *bytes, char *err,
                     size_t errlen)
{
    int binary = !delta && has_file(s, gen, "ledger.bin");
    const char *file = delta ? "delta.txt" : binary ? "ledger.bin" : "ledger.txt";
    char path[4200], name[64];
    snprintf(path, sizeof path, "%s/gen-%06d/%s", s->dir, gen, file);
    snprintf(name, sizeof name, "gen-%06d/%s", gen, file);
    int fd = openat(s->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errf(err, errlen, STATE_ERROR, "%s: generation %d cannot be read: %s", path, gen, strerror(errno));
    if (binary) {
        int rc = lbin_read(fd, path, lg, gen, maps, bytes, err, errlen);
        close(fd);
        return rc;
    }
    struct stat st;
    char *buf = malloc(READ_BLOCK);
    if (fstat(fd, &st) != 0 || !buf) {
        close(fd);
        free(buf);
        return buf ? errf(err, errlen, STATE_ERROR, "%s: %s", path, strerror(errno))
                   : errf(err, errlen, STATE_NO_MEMORY, "out of memory while loading %s", path);
    }
    *bytes = (uint64_t)st.st_size;
    /* first the checksum: the last line is "crc32 XXXXXXXX" over every byte before it
     * (15 bytes from the end), read in blocks; then, only when it holds, the parse */
    uint64_t size = (uint64_t)st.st_size, body = size >= 16 ? size - 15 : 0, done = 0;
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    char tail[17] = "";
    int readable = size >= 16;
    while (readable && done < body) {
        size_t want = body - done < READ_BLOCK ? (size_t)(body - done) : READ_BLOCK;
        ssize_t k = read(fd, buf, want);
        if (k <= 0) {
            readable = 0;
            break;
        }
        crc = (uint32_t)crc32(crc, (const Bytef *)buf, (uInt)k);
        done += (uint64_t)k;
    }
    readable = readable && pread(fd, tail, 16, (off_t)(size - 16)) == 16;
    int rc;
    unsigned want;
    char extra;
    if (!readable) {
        rc = size >= 16 ? errf(err, errlen, STATE_ERROR, "%s: cannot read", path)
                        : errf(err, errlen, STATE_DAMAGED, "%s: truncated or damaged (no checksum line); restore it or "
                               "run from an older generation", path);
    } else if (tail[15] != '\n' || tail[0] != '\n' || sscanf(tail + 1, "crc32 %8x%c", &want, &extra) != 2 ||
               extra != '\n') {
        rc = errf(err, errlen, STATE_DAMAGED, "%s: truncated or damaged (no checksum line); restore it or run "
                  "from an older generation", path);
    } else if (crc != want) {
        rc = errf(err, errlen, STATE_DAMAGED, "%s: checksum mismatch: the file was changed or damaged; restore it "
                  "or run from an older generation", path);
    } else if (lseek(fd, 0, SEEK_SET) != 0) {
        rc = errf(err, errlen, STATE_ERROR, "%s: cannot read", path);
    } else {
        cursor c = {.p = buf, .end = buf, .line = 1, .path = path, .err = err, .errlen = errlen, .fd = fd,
                    .buf = buf, .cap = READ_BLOCK, .left = body};
        next_line(&c);
        rc = parse_ledger(&c, lg, gen, maps, delta);
    }
    close(fd);
    free(buf);
    return rc;
}


int state_is_checkpoint(const state_dir *s, int gen)
{
    return has_file(s, gen, "ledger.bin") || has_file(s, gen, "ledger.txt");
}

void state_idmaps_free(state_idmaps *m)
{
    for (int k = 0; k < IDS_LISTS; k++)
        free(m->map[k]);
    memset(m, 0, sizeof *m);
}

/* ---- reading a chain of generations ---- */

/* The ids of a segment's list added to a ledger list and to the file -> ledger map. */
typedef struct {
    ledger_ids *t;
    int32_t *map;
    int64_t n;
    int nomem;
} names_into;

static int add_name(void *ctx, const char *id, size_t n)
{
    names_into *x = ctx;
    int32_t at = (int32_t)x->n, i;
    /* the same id at the same index (the masters in the order of the last run): no
     * hashing, and no check (the masters' ids were checked when they were loaded) */
    if (at < ledger_ids_count(x->t) && strncmp(ledger_ids_name(x->t, at), id, n) == 0 &&
        ledger_ids_name(x->t, at)[n] == '\0')
        i = at;
    else if (fld_id(id, n) != NULL)
        return STATE_DAMAGED;
    else if ((i = ledger_ids_add(x->t, id, n)) < 0)
        return STATE_NO_MEMORY;
    x->map[x->n++] = i;
    return 0;
}

static int add_paid_other(void *ctx, const char *id, size_t n)
{
    return ids_intern(ctx, id, n, NULL) < 0 ? STATE_NO_MEMORY : 0;
}

/* Reads the id lists of segment f into lg and the maps (a checkpoint starts them, a
 * delta extends them: its base must be their length), and its other paid ids. A
 * version 2 file has no county list: a checkpoint's is empty, a delta's adds nothing.
 * Returns 0, or STATE_DAMAGED / STATE_NO_MEMORY / STATE_ERROR with err set. */
static int read_segment_ids(seg_file *f, const char *path, ledger *lg, state_idmaps *maps, char *err, size_t errlen)
{
    for (int k = 0; k < IDS_LISTS; k++) {
        int sk = seg_list_of(k);
        if (!seg_has_list(f, sk)) {
            if (seg_kind(f) == SEG_CHECKPOINT)
                maps->n[k] = 0;
            continue;
        }
        int64_t base = seg_list_base(f, sk), count = seg_list_count(f, sk);
        if (seg_kind(f) == SEG_CHECKPOINT ? base != 0 : base != maps->n[k])
            return errf(err, errlen, STATE_DAMAGED, "%s: its id lists do not continue those of the generation "
                        "before: the state is damaged", path);
        int32_t *m = realloc(maps->map[k], sizeof *m * (size_t)(base + count ? base + count : 1));
        if (!m)
            return errf(err, errlen, STATE_NO_MEMORY, "out of memory while loading %s", path);
        maps->map[k] = m;
        names_into x = {state_ids_list(lg, k), m, base, 0};
        err[0] = '\0';
        int rc = seg_names(f, sk, add_name, &x, err, errlen);
        maps->n[k] = x.n;
        if (rc != 0)
            return err[0] ? rc : errf(err, errlen, rc, rc == STATE_NO_MEMORY ? "out of memory while loading %s"
                                                                            : "%s: a bad id in an id list", path);
    }
    err[0] = '\0';
    int rc = seg_names(f, SEG_PAID_OTHER, add_paid_other, &lg->paid_other, err, errlen);
    return rc == 0 || err[0] ? rc : errf(err, errlen, rc, "out of memory while loading %s", path);
}

/* Whether every file index of the chain is the same ledger index. */
static int maps_identity(const state_idmaps *m)
{
    for (int k = 0; k < IDS_LISTS; k++)
        for (int64_t i = 0; i < m->n[k]; i++)
            if (m->map[k][i] != (int32_t)i)
                return 0;
    return 1;
}

/* The file of generation g in a chain starting at `from`: its checkpoint, or its
 * delta (delta.bin, or delta.txt of an older payrun). */
static const char *chain_file(const state_dir *s, int g, int from)
{
    if (g == from)
        return has_file(s, g, "ledger.bin") ? "ledger.bin" : "ledger.txt";
    return has_file(s, g, "delta.bin") ? "delta.bin" : "delta.txt";
}

/* Loads generations from..gen into lg: files of older payruns whole, in order; the
 * binary segments after the last of them kept open in seg (*n of them). */
static int read_chain(state_dir *s, int from, int gen, ledger *lg, seg_file **seg, int *n, char *err, size_t errlen)
{
    *n = 0;
    for (int g = from; g <= gen; g++) {
        const char *file = chain_file(s, g, from);
        char name[64], path[4200];
        snprintf(name, sizeof name, "gen-%06d/%s", g, file);
        snprintf(path, sizeof path, "%s/%s", s->dir, name);
        int rc, binary = strcmp(file, "delta.bin") == 0 || (g == from && seg_is_segment(s->dfd, name) == 1);
        uint64_t bytes = 0;
        if (binary) {
            if ((rc = seg_open(s->dfd, name, path, g, &seg[*n], err, errlen)) != 0)
                return rc;
            ++*n;
            if ((g == from) != (seg_kind(seg[*n - 1]) == SEG_CHECKPOINT))
                return errf(err, errlen, STATE_DAMAGED, "%s: a checkpoint where a delta belongs, or the reverse: the "
                            "state is damaged", path);
            if ((rc = read_segment_ids(seg[*n - 1], path, lg, &s->loaded, err, errlen)) != 0)
                return rc;
        } else {
            /* an older payrun's file after binary segments: those go into memory first */
            if (*n > 0 && (rc = chain_load_all(lg, seg, *n, &s->loaded, maps_identity(&s->loaded), err, errlen)) != 0)
                return (*n = 0, rc);
            *n = 0;
            if ((rc = read_gen_file(s, g, g > from, lg, &s->loaded, &bytes, err, errlen)) != 0)
                return rc;
        }
    }
    return 0;
}

/* state_load, and with `whole` every record read into memory. */
static int load(state_dir *s, int gen, ledger *lg, int whole, char *err, size_t errlen)
{
    state_idmaps_free(&s->loaded);
    s->loaded_gen = gen;
    s->chain_start = gen;
    if (gen == 0) {
        ledger_begin_night(lg);
        return 0;
    }
    /* the newest checkpoint at or before gen, then the deltas after it */
    int from = gen;
    while (from >= 1 && !state_is_checkpoint(s, from)) {
        if (!has_file(s, from, "delta.bin") && !has_file(s, from, "delta.txt"))
            return errf(err, errlen, STATE_DAMAGED, "%s/gen-%06d: neither a ledger (ledger.bin, ledger.txt) nor a "
                        "delta (delta.bin, delta.txt): generation %d cannot be read; restore it or run from an older "
                        "generation", s->dir, from, gen);
        from--;
    }
    if (from < 1)
        return errf(err, errlen, STATE_DAMAGED, "%s: no checkpoint (ledger.bin, ledger.txt) at or before generation %d",
                    s->dir, gen);
    s->chain_start = from;
    seg_file **seg = malloc(sizeof *seg * (size_t)(gen - from + 1));
    if (!seg)
        return errf(err, errlen, STATE_NO_MEMORY, "out of memory");
    int n = 0, rc = read_chain(s, from, gen, lg, seg, &n, err, errlen);
    if (rc != 0) {
        for (int i = 0; i < n; i++)
            seg_close(seg[i]);
    } else if (n > 0 && (whole || !maps_identity(&s->loaded))) {
        rc = chain_load_all(lg, seg, n, &s->loaded, maps_identity(&s->loaded), err, errlen);
    } else if (n > 0) {
        rc = chain_attach(lg, seg, n, err, errlen);
    }
    free(seg);
    if (rc == 0)
        ledger_begin_night(lg);
    return rc;
}

int state_verify_segment(const state_dir *s, int gen, char *err, size_t errlen)
{
    const char *file = has_file(s, gen, "delta.bin") && !state_is_checkpoint(s, gen) ? "delta.bin" : "ledger.bin";
    char name[64], path[4200];
    snprintf(name, sizeof name, "gen-%06d/%s", gen, file);
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    if (!has_file(s, gen, file) || seg_is_segment(s->dfd, name) != 1)
        return 0;
    seg_file *f;
    int rc = seg_open(s->dfd, name, path, gen, &f, err, errlen);
    if (rc == 0) {
        rc = seg_verify(f, err, errlen);
        seg_close(f);
    }
    return rc;
}

int state_load(state_dir *s, int gen, ledger *lg, char *err, size_t errlen)
{
    return load(s, gen, lg, 0, err, errlen);
}

int state_load_all(state_dir *s, int gen, ledger *lg, char *err, size_t errlen)
{
    return load(s, gen, lg, 1, err, errlen);
}
