/* ledger.h — what earlier timesheets (this run and earlier runs) already used: the counters of docs/rules.md §5.11.2 (their files: docs/state.md). */
#ifndef PAYRUN_LEDGER_H
#define PAYRUN_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "ids.h"
#include "money.h"

/* Providers, recipients and overpayments are ledger indexes: index i below the
 * masters' count is the masters' index i (the ledger reads their ids, it does not
 * copy them); an id known only to an earlier ledger gets the next index after. */
typedef struct {
    const ids_table *masters;   /* the masters' ids */
    ids_table more;             /* ids only in an earlier ledger: index masters->n + j */
} ledger_ids;

/* The index of id s[0..n), or -1 when neither the masters nor the ledger know it. */
int32_t ledger_ids_find(const ledger_ids *t, const char *s, size_t n);
/* The index of id s[0..n), added after the masters' ids when new; -1 out of memory. */
int32_t ledger_ids_add(ledger_ids *t, const char *s, size_t n);
static inline int32_t ledger_ids_count(const ledger_ids *t) { return t->masters->n + t->more.n; }
static inline const char *ledger_ids_name(const ledger_ids *t, int32_t i)
{
    return i < t->masters->n ? ids_name(t->masters, i) : ids_name(&t->more, i - t->masters->n);
}

typedef struct {
    int32_t minutes;            /* paid minutes in the workweek, all recipients */
    int32_t first_recipient;    /* the first recipient worked for that week, + 1 (0 = none yet) */
    uint8_t multi;              /* 1 once a second recipient is seen */
} ledger_provider_week;

typedef struct {
    int64_t minutes;            /* paid minutes in the service month, all recipients */
    money_cents dues;           /* union dues taken this month */
    uint8_t violation;          /* a workweek violation was counted this month */
} ledger_provider_month;

typedef struct {
    int64_t minutes;            /* paid minutes in the service month, all providers */
    money_cents soc_taken;      /* share of cost taken this month */
} ledger_recipient_month;

typedef struct {
    money_cents fica_wages;     /* FICA wages paid this calendar year */
    money_cents sdi_taxed;      /* SDI-taxed wages this calendar year */
} ledger_provider_year;

typedef struct {
    money_cents sdi_subject;    /* SDI-subject wages this calendar quarter */
    money_cents sdi_taxed;      /* SDI-taxed wages this calendar quarter */
} ledger_provider_quarter;

/* Voluntary income-tax withholding of a provider's pay period (period_start), all
 * runs: docs/rules.md §5.14.4-5. */
typedef struct {
    money_cents wages;          /* the gross of every paycheck of the period */
    money_cents fed_taken;      /* federal_income_tax taken from them */
    money_cents state_taken;    /* state_income_tax taken from them */
} ledger_provider_period;

/* A provider's wage statement sums for a calendar year of pay dates (payrun year-end):
 * the W-2 boxes docs/formats.md "w2.csv" lists. */
typedef struct {
    money_cents gross;          /* boxes 1 and 16: nothing in payrun is pre-tax */
    money_cents fed;            /* box 2: federal_income_tax */
    money_cents ss_wages;       /* box 3: social security wages (under the wage base) */
    money_cents ss_tax;         /* box 4: fica_ss */
    money_cents medicare_wages; /* box 5: the FICA-subject gross */
    money_cents medicare_tax;   /* box 6: fica_medicare, the additional tax included */
    money_cents sdi;            /* box 14 CASDI: sdi */
    money_cents state;          /* box 17: state_income_tax */
    int32_t county;             /* the provider's county (ledger.counties index) + 1 at the year's
                                   last paycheck; 0 none */
} ledger_provider_w2;

/* The bytes of the largest record of any table (sizeof, its padding included): a
 * buffer of this size holds a record of any table (ledger_table.size). */
#define LEDGER_RECORD_MAX sizeof(ledger_provider_w2)

/* A table of counter records of one kind, found by a 64-bit key (who, when): a dense
 * array of records, each stored right after its key (one cache line holds both).
 *
 * The index is in two parts. A direct map gives each provider or recipient a few
 * slots ("ways") picked by `when`, so a pay run's recent workweeks and months of
 * one person are found without hashing, next to that person's slots of the other
 * tables (one or two cache lines for all of them). Records pushed out of their slot
 * by a newer one, and keys of people outside the map, go to an open-addressing
 * overflow index. Every record is in exactly one of the two. Slots hold record + 1. */
typedef struct {
    uint32_t *slot;             /* overflow index, 0 = empty */
    size_t mask;                /* overflow slots - 1 */
    size_t nover;               /* records in the overflow index */
    uint32_t *direct;           /* NULL, or the first of this table's ways for who 0 */
    size_t direct_stride;       /* slots from one who to the next */
    uint32_t ways;              /* a power of two */
    int32_t direct_who;         /* who below this are in the direct map */
    char *rows;                 /* n entries of stride bytes: uint64 key, then the record */
    size_t n, cap, size, stride;
    uint64_t min_key, max_key;  /* of every record (UINT64_MAX and 0 while there is none) */
    uint64_t *touched;          /* a bit a record: reached by ledger_index/ledger_get since ledger_begin_night */
    /* the order records were first created in, over all generations (the text form
     * lists them in it): record i was the ordinal[i]-th; the next one gets next_ordinal */
    uint32_t *ordinal;
    uint32_t next_ordinal;
    /* earlier records not in memory yet (ledger_attach_source): a who's are put in the
     * first time one of its keys is wanted */
    struct ledger_source *source;   /* NULL: every record is in memory */
    uint64_t *fetched;          /* a bit a who: its earlier records are in memory */
    size_t fetched_bits;
    int no;                     /* the table's number (LEDGER_TABLES order) */
} ledger_table;

/* Where the records of earlier generations are when they are not all in memory: the
 * ledger asks it for a who's records of a table the first time one of that who's keys
 * is wanted (fetch puts them in with ledger_put_earlier), and for a timesheet id that
 * is not among the paid ids in memory. A failure (I/O, a damaged file) sets failed:
 * the lookup then reports out of memory (ledger_index -1, ledger_get NULL) or not
 * found, and the caller must stop the run (ledger_source_failed). */
typedef struct ledger_source {
    void *ctx;
    int (*fetch)(void *ctx, ledger_table *t, int32_t who);     /* 0 or -1 */
    int (*paid)(void *ctx, uint64_t code);                      /* 1 paid, 0 not, -1 failed */
    void (*release)(void *ctx);                                 /* by ledger_free */
    int failed;
} ledger_source;

#define LEDGER_PROVIDER_SLOTS 36     /* direct-map slots a provider: 16 + 4 + 2 + 4 + 4 + 4 + 2 */
#define LEDGER_RECIPIENT_SLOTS 22    /* and a recipient: 16 + 4 + 2 */

typedef struct {
    uint32_t *provider_slots;           /* the direct maps of the provider tables, one block a provider */
    uint32_t *recipient_slots;          /* and of the recipient tables */
    ledger_ids providers, recipients, overpayments;
    ledger_ids counties;                /* the counties provider_w2 names: the masters' parameter
                                           counties (ledger_set_counties), then earlier ledgers' */
    ids_set paid_ids;                   /* timesheet ids paid, packed by ids_pack */
    ids_table paid_other;               /* timesheet ids paid that do not pack */
    /* (provider, recipient, period) paid by a regular or catch_up timesheet: one bit a
     * half-month period, 64 periods (32 months) a record, keyed (provider, block << 22 |
     * recipient): bounded by pairs and time, not by rows */
    ledger_table paid_period_bits;      /* -> uint64 bits of periods block * 64 + 0..63 */
    ledger_table provider_week;         /* (provider, week start) -> ledger_provider_week */
    ledger_table recipient_week;        /* (recipient, week start) -> int32 minutes */
    ledger_table provider_month;        /* (provider, month key) -> ledger_provider_month */
    ledger_table recipient_month;       /* (recipient, month key) -> ledger_recipient_month */
    ledger_table bups_year;             /* (recipient, fiscal year) -> int64 minutes */
    ledger_table provider_year;         /* (provider, year) -> ledger_provider_year */
    ledger_table provider_quarter;      /* (provider, quarter key) -> ledger_provider_quarter */
    ledger_table recovered;             /* (overpayment) -> money_cents recovered */
    ledger_table violations;            /* (provider) -> int32 violation months counted */
    ledger_table provider_period;       /* (provider, period start) -> ledger_provider_period */
    ledger_table provider_w2;           /* (provider, year of the pay date) -> ledger_provider_w2 */
    /* what this night added, for saving only what changed (ledger_begin_night) */
    uint64_t *paid_log;                 /* packed timesheet ids marked paid, in order */
    size_t npaid_log, paid_log_cap;
    int32_t paid_other_mark;            /* paid_other ids from this index on are new */
    int logging;
    ledger_source source;               /* ctx NULL: none */
} ledger;

/* The tables in their fixed order (ledger_table.no; the order of the files on disk). */
#define LEDGER_TABLES 12
/* The tables a version-1 ledger (ledger.txt version 1, segments and ledger.bin before
 * withholding) holds: the first LEDGER_TABLES_V1 in LEDGER_TABLES order. */
#define LEDGER_TABLES_V1 10
ledger_table *ledger_table_at(ledger *l, int no);
/* The bytes of one entry of table no: the 8-byte key, then the record padded to 8. */
size_t ledger_table_stride(int no);

/* Makes src the source of the records and paid ids not in memory (every table, and
 * the paid-id check). The ledger owns it from now on: ledger_free calls its release. */
void ledger_attach_source(ledger *l, const ledger_source *src);
/* Detaches the source (calling its release) once everything it held is in memory. */
void ledger_detach_source(ledger *l);
/* Whether a lookup failed in the source: the run must stop (the message is the source's). */
static inline int ledger_source_failed(const ledger *l) { return l->source.failed; }
/* Marks every who of t fetched: the source has put all its records in. */
void ledger_table_fetched_all(ledger_table *t);
/* Whether who's earlier records of t are in memory. */
int ledger_who_fetched(const ledger_table *t, int32_t who);

/* Puts an earlier generation's record for key into t (a source's fetch, a file read
 * whole): replaces the one in memory (which keeps its ordinal), or adds it with
 * ordinal `ordinal` (LEDGER_APPEND: the next one), without marking it touched and
 * without asking the source. Returns 0, or -1 out of memory. */
#define LEDGER_APPEND UINT32_MAX
int ledger_put_earlier(ledger_table *t, uint64_t key, const void *record, uint32_t ordinal);

/* From now on the ledger records what changes: every record reached through
 * ledger_index or ledger_get is marked touched (created or maybe changed), and every
 * timesheet id marked paid is logged. Clears what was recorded before (a loaded
 * ledger starts its night clean). */
void ledger_begin_night(ledger *l);

/* Whether record i of t was touched since ledger_begin_night. */
static inline int ledger_touched(const ledger_table *t, size_t i)
{
    return t->touched && (t->touched[i >> 6] >> (i & 63) & 1);
}

/* Starts an empty ledger whose provider, recipient and overpayment indexes are the
 * masters' (the tables must outlive the ledger). Returns 0, or -1 out of memory. */
int ledger_init(ledger *l, const ids_table *providers, const ids_table *recipients, const ids_table *overpayments);
void ledger_free(ledger *l);
/* Tells l that the night will fill the tables ledger_init reserved (a first night: no
 * earlier generation), so that they are filled on huge pages (engine/mem.h), which a
 * small night over a big state would waste. */
void ledger_expect_full_night(ledger *l);
/* Makes the masters' counties (param_table.counties, which must outlive the ledger)
 * the first indexes of l->counties; without it the ledger knows only the counties of
 * earlier ledgers. Call before anything is loaded or counted. Never fails. */
void ledger_set_counties(ledger *l, const ids_table *counties);

/* The record for key, or NULL when none was written yet (read only; it may fetch the
 * who's earlier records from the source into memory). */
const void *ledger_peek(ledger_table *t, uint64_t key);
/* The record for key, created zeroed when absent; NULL out of memory. The pointer
 * is valid until the next record is created in the same table. */
void *ledger_get(ledger_table *t, uint64_t key);
/* The index of key's record, created zeroed when absent; -1 out of memory. An index
 * stays valid for the table's life (use ledger_row to reach the record). */
int32_t ledger_index(ledger_table *t, uint64_t key);
static inline void *ledger_row(const ledger_table *t, int32_t i) { return t->rows + (size_t)i * t->stride + 8; }
/* The key of record i. */
static inline uint64_t ledger_key_at(const ledger_table *t, size_t i)
{
    return *(const uint64_t *)(const void *)(t->rows + i * t->stride);
}

/* Keys. */
static inline uint64_t ledger_key(int32_t who, int32_t when) { return ids_key2(who, when); }
/* (provider, recipient, period start) packed exactly: 22 + 22 + 20 bits. Returns 0
 * and the key, or -1 when an index is too large to pack (over 4,194,303) or the
 * period is after August 2730 (its 64-period block would not fit 10 bits). */
int ledger_period_key(int32_t provider, int32_t recipient, cal_date period_start, uint64_t *key);

/* Starts fetching a provider's or recipient's direct-map block into the CPU cache. */
void ledger_prefetch(const ledger *l, int32_t provider, int32_t recipient);

/* Paid timesheet ids and provider/recipient/period keys. The mark functions return
 * 0, or -1 out of memory. */
typedef struct {
    const char *s;
    size_t n;
    uint64_t code;      /* ids_pack of s, when packed */
    int packed;
} ledger_paid_id;
/* A timesheet id ready for the paid-id index (packed once, used for the check and the mark). */
ledger_paid_id ledger_paid_id_of(const char *s, size_t n);
int ledger_timesheet_paid(ledger *l, const ledger_paid_id *id);
int ledger_mark_timesheet_paid(ledger *l, const ledger_paid_id *id);
/* Starts fetching the paid-id slot of id into the CPU cache. */
void ledger_prefetch_paid(const ledger *l, const ledger_paid_id *id);
int ledger_period_paid(ledger *l, uint64_t period_key);
/* The period key of bit `bit` of paid_period_bits record `record` (for saving). */
uint64_t ledger_period_key_at(const ledger *l, size_t record, unsigned bit);
/* Paid timesheets, for saving. */
static inline size_t ledger_paid_count(const ledger *l) { return l->paid_ids.n + (size_t)l->paid_other.n; }
int ledger_mark_period_paid(ledger *l, uint64_t period_key);

#endif
