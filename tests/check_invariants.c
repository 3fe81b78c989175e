/* check_invariants.c — checks SPEC §8 invariants 1-4 of one run's outputs against its timesheet inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvr.h"
#include "field.h"
#include "ids.h"
#include "rules.h"
#include "tsread.h"

/* usage: check_invariants OUT_DIR TIMESHEET_FILE... (run where the run was run, so
 * exception sources match). Prints each violation; exits 1 when any. */

static int failures;

#define FAIL(...) do { fprintf(stderr, "invariant: " __VA_ARGS__); fputc('\n', stderr); failures++; } while (0)

typedef struct {
    long rows;
    int64_t claimed;
    ids_table sources;          /* "file:line" of every row read */
} input_tally;

static int on_input(void *ctx, const csvr_row *row)
{
    input_tally *t = ctx;
    sheet s;
    char msg[512], src[4200];
    int code = tsread_parse(row, &s, msg, sizeof msg);
    t->rows++;
    if (code != EX_MALFORMED_ROW && code != EX_BAD_HOURS)
        t->claimed += s.claimed;
    /* as exceptions.csv writes it: printable text (docs/formats.md) */
    char raw[4200];
    int n = snprintf(raw, sizeof raw, "%s:%ld", row->path, row->line);
    size_t len = fld_escape(raw, (size_t)n, src, sizeof src);
    ids_intern(&t->sources, src, len, NULL);
    return 0;
}

enum { PC_ID, PC_TIMESHEET, PC_REG_H, PC_OT_H, PC_FIRST_AMOUNT, PC_NCOLS = PC_FIRST_AMOUNT + AMT_COUNT };

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
    for (int i = AMT_FICA_SS; i <= AMT_OVERPAYMENT_RECOVERY; i++)
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
    if (ids_find(t->inputs, src, ns) < 0)
        FAIL("exceptions.csv:%ld: source %.*s is not a row read", row->line, (int)ns, src);
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
    for (int i = 2; i < argc; i++)
        if (csvr_read(argv[i], tsread_columns, TS_NCOLS, on_input, &in, NULL, err, sizeof err) != 0)
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
    exception_tally et = {.inputs = &in.sources};
    snprintf(p1, sizeof p1, "%s/exceptions.csv", out);
    snprintf(p2, sizeof p2, "%s/exceptions.csv.gz", out);
    read_or_fail(p1, p2, ex_cols, EX_C_NCOLS, on_exception, &et);

    /* 1: every row read is exactly one paycheck or one reject/hold */
    if (pt.rows + et.refused != in.rows)
        FAIL("1: %ld rows read but %ld paychecks + %ld rejects/holds", in.rows, pt.rows, et.refused);
    /* 2: claimed = paid + cut */
    if (in.claimed != pt.minutes + et.cut)
        FAIL("2: %lld minutes claimed but %lld paid + %lld cut", (long long)in.claimed, (long long)pt.minutes,
             (long long)et.cut);
    /* 4: summary totals equal the outputs */
    snprintf(p1, sizeof p1, "%s/summary.json", out);
    char *json = slurp(p1);
    if (!json)
        FAIL("4: %s missing", p1);
    else {
        expect_json_int(json, "\"counts\"", "rows_read", in.rows);
        expect_json_int(json, "\"counts\"", "paid", pt.rows);
        expect_json_int(json, "\"minutes\"", "claimed", in.claimed);
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
    ids_free(&pt.timesheets);
    ids_free(&pt.paycheck_ids);
    ids_free(&et.refused_sources);
    ids_free(&et.paid_sources);
    if (failures)
        return 1;
    printf("invariants 1-4 hold: %ld rows, %ld paid, %ld refused, %lld minutes claimed\n", in.rows, pt.rows,
           et.refused, (long long)in.claimed);
    return 0;
}
