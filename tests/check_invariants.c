/* check_invariants.c — checks invariants 1-4 (docs/formats.md, end) of one run's outputs against its timesheet inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvr.h"
#include "field.h"
#include "ids.h"
#include "rules.h"

/* usage: check_invariants OUT_DIR TIMESHEET_FILE... (run where the run was run, so
 * exception sources match). Prints each violation; exits 1 when any. */

static int failures;

#define FAIL(...) do { fprintf(stderr, "invariant: " __VA_ARGS__); fputc('\n', stderr); failures++; } while (0)

/* The minutes a timesheet row claims, counted here with a parser of this file's own (the
 * hours of a day cell and the period's days: H:MM, whole hours, tenths; empty, x or X is none; a day over 24:00 or
 * hours past the period's end make the row unreadable), not with the product's tsread:
 * a wrong count in the product's parser must not be checked against itself. */
enum { IN_PERIOD_START, IN_D01, IN_NCOLS = IN_D01 + 16 };
static csvr_column in_cols[IN_NCOLS];
static char day_names[16][16];

/* Minutes of one day cell, or -1 when the cell is not hours. */
static int64_t own_day_minutes(const char *s, size_t n)
{
    size_t i = 0;
    int64_t h = 0;
    if (n == 0 || (n == 1 && (s[0] == 'x' || s[0] == 'X')))
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (i >= 9)
            return -1;  /* far beyond a day: not hours a day can hold */
        h = h * 10 + (s[i++] - '0');
    }
    if (i == 0)
        return -1;
    if (i == n)
        return h * 60;
    if (s[i] == ':' && n - i == 3 && s[i + 1] >= '0' && s[i + 1] <= '5' && s[i + 2] >= '0' && s[i + 2] <= '9')
        return h * 60 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    if (s[i] == '.' && n - i == 2 && s[i + 1] >= '0' && s[i + 1] <= '9')
        return h * 60 + (s[i + 1] - '0') * 6;
    return -1;
}

/* Days in the pay period that starts on "YYYY-MM-DD" (the 1st: 15; the 16th: the rest of
 * the month), or 0 when it is not such a date. */
static int own_period_days(const char *s, size_t n)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        int v = s[i] - '0';
        if (i < 4)
            y = y * 10 + v;
        else if (i < 7)
            m = m * 10 + v;
        else
            d = d * 10 + v;
    }
    if (m < 1 || m > 12)
        return 0;
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d == 1 ? 15 : d == 16 ? last - 15 : 0;
}

/* The row's claimed minutes, or -1 when its hours cannot be read. */
static int64_t own_claimed(const csvr_row *row)
{
    size_t n;
    const char *v = csvr_get(row, IN_PERIOD_START, &n);
    int ndays = own_period_days(v, n);
    int64_t sum = 0;
    for (int d = 0; d < 16; d++) {
        v = csvr_get(row, IN_D01 + d, &n);
        int64_t m = own_day_minutes(v, n);
        if (m < 0 || m > 24 * 60 || (m > 0 && d >= ndays))
            return -1;
        sum += m;
    }
    return sum;
}

typedef struct {
    long rows;
    ids_table sources;          /* "file:line" of every row read */
    int64_t *claimed;           /* by source index: the row's minutes, -1 unreadable */
    int64_t *times;             /* by source index: rows read with that source (a file given twice) */
    size_t cap;
} input_tally;

static int on_input(void *ctx, const csvr_row *row)
{
    input_tally *t = ctx;
    char src[4200];
    t->rows++;
    /* as exceptions.csv writes it: printable text (docs/formats.md) */
    char raw[4200];
    int n = snprintf(raw, sizeof raw, "%s:%ld", row->path, row->line);
    size_t len = fld_escape(raw, (size_t)n, src, sizeof src);
    int added;
    int32_t i = ids_intern(&t->sources, src, len, &added);
    if (i < 0)
        return -1;
    if ((size_t)i >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (cap <= (size_t)i)
            cap *= 2;
        int64_t *c = realloc(t->claimed, cap * sizeof *c), *k = c ? realloc(t->times, cap * sizeof *k) : NULL;
        if (c)
            t->claimed = c;
        if (!c || !k)
            return -1;
        t->times = k;
        t->cap = cap;
    }
    if (added) {
        t->claimed[i] = own_claimed(row);
        t->times[i] = 0;
    }
    t->times[i]++;
    return 0;
}

enum { PC_ID, PC_TIMESHEET, PC_REG_H, PC_OT_H, PC_FIRST_AMOUNT, PC_NCOLS = PC_FIRST_AMOUNT + AMT_COUNT };

/* Invariant 3 sums the columns AMT_FICA_SS .. AMT_LAST_DEDUCTION: the eight deductions of
 * docs/rules.md §5.14, the two income taxes (§5.14.4-5) among them, and net right after. */
_Static_assert(AMT_LAST_DEDUCTION - AMT_FICA_SS + 1 == 8 && AMT_FEDERAL_INCOME_TAX >= AMT_FICA_SS &&
                   AMT_STATE_INCOME_TAX <= AMT_LAST_DEDUCTION && AMT_NET == AMT_LAST_DEDUCTION + 1,
               "invariant 3 must sum all eight deductions");

typedef struct {
    long rows;
    int64_t minutes;
    money_cents sum[AMT_COUNT];
    ids_table timesheets, paycheck_ids;
} paycheck_tally;

static csvr_column pc_cols[PC_NCOLS];

static int on_paycheck(void *ctx, const csvr_row *row)
{
    paycheck_tally *t = ctx;
    size_t n;
    const char *v;
    money_cents a[AMT_COUNT];
    int32_t reg, ot;
    t->rows++;
    v = csvr_get(row, PC_REG_H, &n);
    if (fld_hours(v, n, &reg))
        FAIL("paychecks.csv:%ld: regular_hours unreadable", row->line);
    v = csvr_get(row, PC_OT_H, &n);
    if (fld_hours(v, n, &ot))
        FAIL("paychecks.csv:%ld: overtime_hours unreadable", row->line);
    t->minutes += reg + ot;
    for (int i = 0; i < AMT_COUNT; i++) {
        v = csvr_get(row, PC_FIRST_AMOUNT + i, &n);
        if (fld_money(v, n, &a[i]))
            FAIL("paychecks.csv:%ld: %s is not a non-negative amount (%.*s)", row->line, pc_cols[PC_FIRST_AMOUNT + i].name,
                 (int)n, v);
        t->sum[i] += a[i];
    }
    if (a[AMT_GROSS] != a[AMT_REGULAR_PAY] + a[AMT_OVERTIME_PAY])
        FAIL("paychecks.csv:%ld: gross != regular_pay + overtime_pay", row->line);
    money_cents ded = 0;
    for (int i = AMT_FICA_SS; i <= AMT_LAST_DEDUCTION; i++)
        ded += a[i];
    if (a[AMT_NET] != a[AMT_GROSS] - ded)
        FAIL("paychecks.csv:%ld: net != gross - deductions", row->line);
    int added;
    v = csvr_get(row, PC_TIMESHEET, &n);
    ids_intern(&t->timesheets, v, n, &added);
    if (!added)
        FAIL("paychecks.csv:%ld: timesheet %.*s paid twice", row->line, (int)n, v);
    v = csvr_get(row, PC_ID, &n);
    ids_intern(&t->paycheck_ids, v, n, &added);
    if (!added)
        FAIL("paychecks.csv:%ld: paycheck id %.*s repeated", row->line, (int)n, v);
    return 0;
}

enum { EX_C_ID, EX_C_SOURCE, EX_C_CODE, EX_C_SEVERITY, EX_C_MINUTES, EX_C_NCOLS };
static const csvr_column ex_cols[EX_C_NCOLS] = {
    {"timesheet_id", 1}, {"source", 1}, {"code", 1}, {"severity", 1}, {"minutes", 1}};

typedef struct {
    long refused;
    int64_t cut;
    ids_table refused_sources, paid_sources;
    const ids_table *inputs;
    uint8_t *parse_reject;      /* by input source index: rejected MALFORMED_ROW or BAD_HOURS */
    uint8_t *bad_hours;         /* by input source index: rejected BAD_HOURS */
} exception_tally;

/* Undoes the spreadsheet guard of free text (docs/formats.md): a leading quote before
 * = + - or @. */
static const char *unguard(const char *s, size_t *n)
{
    if (*n >= 2 && s[0] == '\'' && strchr("=+-@", s[1])) {
        (*n)--;
        return s + 1;
    }
    return s;
}

static int on_exception(void *ctx, const csvr_row *row)
{
    exception_tally *t = ctx;
    size_t ns, nv, nm;
    const char *src = csvr_get(row, EX_C_SOURCE, &ns);
    src = unguard(src, &ns);
    const char *sev = csvr_get(row, EX_C_SEVERITY, &nv);
    const char *min = csvr_get(row, EX_C_MINUTES, &nm);
    int64_t minutes;
    if (fld_count(min, nm, &minutes))
        FAIL("exceptions.csv:%ld: minutes unreadable", row->line);
    int32_t in = ids_find(t->inputs, src, ns);
    if (in < 0)
        FAIL("exceptions.csv:%ld: source %.*s is not a row read", row->line, (int)ns, src);
    size_t nc;
    const char *code = csvr_get(row, EX_C_CODE, &nc);
    if (in >= 0 && nc == 13 && memcmp(code, "MALFORMED_ROW", 13) == 0)
        t->parse_reject[in] = 1;
    if (in >= 0 && nc == 9 && memcmp(code, "BAD_HOURS", 9) == 0)
        t->parse_reject[in] = t->bad_hours[in] = 1;
    int added;
    if ((nv == 6 && memcmp(sev, "reject", 6) == 0) || (nv == 4 && memcmp(sev, "hold", 4) == 0)) {
        t->refused++;
        t->cut += minutes;
        ids_intern(&t->refused_sources, src, ns, &added);
        if (!added)
            FAIL("exceptions.csv:%ld: a second reject/hold for %.*s", row->line, (int)ns, src);
        if (ids_find(&t->paid_sources, src, ns) >= 0)
            FAIL("exceptions.csv:%ld: %.*s is both paid (partial/warning) and refused", row->line, (int)ns, src);
    } else if ((nv == 7 && memcmp(sev, "partial", 7) == 0) || (nv == 7 && memcmp(sev, "warning", 7) == 0)) {
        if (sev[0] == 'p')
            t->cut += minutes;
        ids_intern(&t->paid_sources, src, ns, NULL);
        if (ids_find(&t->refused_sources, src, ns) >= 0)
            FAIL("exceptions.csv:%ld: %.*s is both refused and paid", row->line, (int)ns, src);
    } else {
        FAIL("exceptions.csv:%ld: unknown severity %.*s", row->line, (int)nv, sev);
    }
    return 0;
}

/* Finds "key": after section in json; returns a pointer to the value or NULL. */
static const char *json_value(const char *json, const char *section, const char *key)
{
    char k[128];
    const char *p = section ? strstr(json, section) : json;
    if (!p)
        return NULL;
    snprintf(k, sizeof k, "\"%s\": ", key);
    p = strstr(p, k);
    return p ? p + strlen(k) : NULL;
}

static void expect_json_int(const char *json, const char *section, const char *key, int64_t want)
{
    const char *v = json_value(json, section, key);
    if (!v || strtoll(v, NULL, 10) != want)
        FAIL("summary.json %s.%s is %s, outputs say %lld", section ? section : "", key, v ? "different" : "missing",
             (long long)want);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static int read_or_fail(const char *path, const char *alt, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx)
{
    char err[1024];
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    else
        path = alt;
    if (csvr_read(path, cols, ncols, fn, ctx, NULL, err, sizeof err) != 0) {
        FAIL("%s", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: check_invariants OUT_DIR TIMESHEET_FILE...\n");
        return 2;
    }
    const char *out = argv[1];
    input_tally in = {0};
    char err[1024], p1[4200], p2[4200];
    in_cols[IN_PERIOD_START] = (csvr_column){"period_start", 0};
    for (int d = 0; d < 16; d++) {
        snprintf(day_names[d], sizeof day_names[d], "d%02d", d + 1);
        in_cols[IN_D01 + d] = (csvr_column){day_names[d], 0};
    }
    for (int i = 2; i < argc; i++)
        if (csvr_read(argv[i], in_cols, IN_NCOLS, on_input, &in, NULL, err, sizeof err) != 0)
            FAIL("%s", err);

    static const char *const fixed[] = {"paycheck_id", "timesheet_id", "regular_hours", "overtime_hours"};
    for (int i = 0; i < PC_FIRST_AMOUNT; i++)
        pc_cols[i] = (csvr_column){fixed[i], 1};
    for (int i = 0; i < AMT_COUNT; i++)
        pc_cols[PC_FIRST_AMOUNT + i] = (csvr_column){rules_amount_name((rules_amount)i), 1};
    paycheck_tally pt = {0};
    snprintf(p1, sizeof p1, "%s/paychecks.csv", out);
    snprintf(p2, sizeof p2, "%s/paychecks.csv.gz", out);
    read_or_fail(p1, p2, pc_cols, PC_NCOLS, on_paycheck, &pt);
    exception_tally et = {.inputs = &in.sources, .parse_reject = calloc((size_t)in.sources.n + 1, 1),
                          .bad_hours = calloc((size_t)in.sources.n + 1, 1)};
    if (!et.parse_reject || !et.bad_hours) {
        fprintf(stderr, "check_invariants: out of memory\n");
        return 2;
    }
    snprintf(p1, sizeof p1, "%s/exceptions.csv", out);
    snprintf(p2, sizeof p2, "%s/exceptions.csv.gz", out);
    read_or_fail(p1, p2, ex_cols, EX_C_NCOLS, on_exception, &et);

    /* The minutes claimed: every row's days, by this file's parser, except the rows refused
     * at parse time (their exceptions carry 0). A row whose hours this parser cannot read
     * must be refused at parse time, and one refused for BAD_HOURS must be unreadable here. */
    int64_t claimed = 0;
    for (int32_t i = 0; i < in.sources.n; i++) {
        if (et.parse_reject[i]) {
            if (et.bad_hours[i] && in.claimed[i] >= 0)
                FAIL("2: %s is rejected BAD_HOURS but its hours read as %lld minutes", ids_name(&in.sources, i),
                     (long long)in.claimed[i]);
            continue;
        }
        if (in.claimed[i] < 0)
            FAIL("2: %s has hours that are not hours, yet was not rejected MALFORMED_ROW or BAD_HOURS",
                 ids_name(&in.sources, i));
        else
            claimed += in.claimed[i] * in.times[i];
    }
    /* 1: every row read is exactly one paycheck or one reject/hold */
    if (pt.rows + et.refused != in.rows)
        FAIL("1: %ld rows read but %ld paychecks + %ld rejects/holds", in.rows, pt.rows, et.refused);
    /* 2: claimed = paid + cut */
    if (claimed != pt.minutes + et.cut)
        FAIL("2: %lld minutes claimed but %lld paid + %lld cut", (long long)claimed, (long long)pt.minutes,
             (long long)et.cut);
    /* 4: summary totals equal the outputs */
    snprintf(p1, sizeof p1, "%s/summary.json", out);
    char *json = slurp(p1);
    if (!json)
        FAIL("4: %s missing", p1);
    else {
        expect_json_int(json, "\"counts\"", "rows_read", in.rows);
        expect_json_int(json, "\"counts\"", "paid", pt.rows);
        expect_json_int(json, "\"minutes\"", "claimed", claimed);
        expect_json_int(json, "\"minutes\"", "paid", pt.minutes);
        expect_json_int(json, "\"minutes\"", "cut", et.cut);
        const char *rj = json_value(json, "\"counts\"", "rejected"), *hd = json_value(json, "\"counts\"", "held");
        if (!rj || !hd || strtoll(rj, NULL, 10) + strtoll(hd, NULL, 10) != et.refused)
            FAIL("4: summary rejected + held differ from the %ld rejects/holds in exceptions.csv", et.refused);
        for (int i = 0; i < AMT_COUNT; i++) {
            const char *v = json_value(json, "\"totals\"", rules_amount_name((rules_amount)i));
            money_cents c;
            const char *end = v ? strchr(v + 1, '"') : NULL;
            if (!v || *v != '"' || !end || fld_money(v + 1, (size_t)(end - v - 1), &c) || c != pt.sum[i])
                FAIL("4: summary totals.%s differs from the paychecks column sum", rules_amount_name((rules_amount)i));
        }
        free(json);
    }
    ids_free(&in.sources);
    free(in.claimed);
    free(in.times);
    free(et.parse_reject);
    free(et.bad_hours);
    ids_free(&pt.timesheets);
    ids_free(&pt.paycheck_ids);
    ids_free(&et.refused_sources);
    ids_free(&et.paid_sources);
    if (failures)
        return 1;
    printf("invariants 1-4 hold: %ld rows, %ld paid, %ld refused, %lld minutes claimed\n", in.rows, pt.rows,
           et.refused, (long long)claimed);
    return 0;
}
