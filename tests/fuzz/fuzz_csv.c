/* fuzz_csv.c — libFuzzer harness: the streaming CSV reader (formats/csvr.c, plain or
 * gzip by magic bytes) with the timesheet columns, the row parser tsread_parse on
 * every row, and every field parser of formats/field.h on raw slices of the input.
 *
 * Build and run: make fuzz (tests/hardening.mk). Besides the sanitizers, the harness
 * checks properties and traps when one fails:
 *   - rows arrive with increasing physical line numbers >= 2, nfields >= 1 (or 0 for a
 *     row cut at its first field by a limit), every field NUL-terminated at its length,
 *     col[] inside the header;
 *   - a row tsread_parse accepts has 1..16*24h of minutes, each day 0..24:00, none
 *     past the period's end, claimed = the days' sum; a rejected row has a message
 *     starting with "file:line: ";
 *   - a field parser that accepts a value gives one that survives a round trip
 *     through the engine's formatter (dates, hours, money, rates, fractions);
 *   - fld_utf8_seq agrees with an independent UTF-8 decoder (RFC 3629: no overlong
 *     forms, no surrogates, nothing above U+10FFFF), and fld_escape writes printable
 *     UTF-8 (no C0 or DEL byte), NUL-terminated, within its capacity, whole when it fits.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cal.h"
#include "csvr.h"
#include "field.h"
#include "money.h"
#include "tsread.h"

#define FUZZ_NAME "fuzz_csv"
#include "fuzz_common.h"


typedef struct {
    long last_line;
    uint64_t rows;
} ctx_t;

static int on_row(void *vctx, const csvr_row *row)
{
    ctx_t *c = vctx;
    CHECK(row->line >= 2);
    CHECK(row->line > c->last_line);
    c->last_line = row->line;
    c->rows++;
    CHECK(row->nfields >= 1 || row->oversize);  /* a row cut at its first field has none (SPEC §7a) */
    CHECK(row->nheader >= 1);
    for (size_t i = 0; i < row->nfields; i++)
        CHECK(row->field[i][row->len[i]] == '\0');
    for (int k = 0; k < TS_NCOLS; k++)
        CHECK(row->col[k] >= -1 && row->col[k] < (int)row->nheader);

    sheet s;
    char msg[512];
    memset(&s, 0xA5, sizeof s);
    int code = tsread_parse(row, &s, msg, sizeof msg);
    CHECK(s.source_line == row->line);
    CHECK(s.source_file == row->path);
    if (code < 0) {
        CHECK(code == -1);
        CHECK(s.ndays >= 13 && s.ndays <= 16);
        CHECK(cal_is_period_start(s.period_start));
        CHECK(s.period_end - s.period_start + 1 == s.ndays);
        int64_t sum = 0;
        for (int d = 0; d < SHEET_MAX_DAYS; d++) {
            CHECK(s.minutes[d] >= 0 && s.minutes[d] <= 24 * 60);
            if (d >= s.ndays)
                CHECK(s.minutes[d] == 0);
            sum += s.minutes[d];
        }
        CHECK(sum == s.claimed && sum > 0);
        CHECK(fld_id(s.timesheet_id, s.timesheet_id_len) == NULL);
        CHECK(fld_id(s.provider_id, s.provider_id_len) == NULL);
        CHECK(fld_id(s.recipient_id, s.recipient_id_len) == NULL);
        CHECK(s.kind >= KIND_REGULAR && s.kind <= KIND_WRIT);
        CHECK(s.channel == CHANNEL_PAPER || s.channel == CHANNEL_ELECTRONIC);
    } else {
        CHECK(code == EX_MALFORMED_ROW || code == EX_BAD_HOURS || code == EX_TOTAL_MISMATCH || code == EX_NO_HOURS);
        CHECK(strlen(msg) < sizeof msg);
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s:%ld: ", row->path, row->line);
        CHECK(strncmp(msg, prefix, strlen(prefix)) == 0);
        if (code == EX_MALFORMED_ROW || code == EX_BAD_HOURS)
            CHECK(s.claimed == 0);
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629), 0 when invalid: the reference
 * for fld_utf8_seq. */
static size_t ref_utf8(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    else if ((c & 0xE0) == 0xC0)
        k = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        k = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        k = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* fld_utf8_seq against the reference at every offset; fld_escape's output printable. */
static void check_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK(fld_utf8_seq(s + i, n - i) == ref_utf8((const unsigned char *)s + i, n - i));
    static char out[4 * 4096 + 8];
    size_t m = n > 4096 ? 4096 : n;
    size_t caps[3] = {sizeof out, 1 + m / 2, 5};
    for (int k = 0; k < 3; k++) {
        size_t cap = caps[k];
        memset(out, 0x55, cap);
        size_t o = fld_escape(s, m, out, cap);
        CHECK(o < cap && out[o] == '\0' && strlen(out) == o);
        for (size_t i = 0; i < o;) {
            unsigned char c = (unsigned char)out[i];
            size_t q = ref_utf8((const unsigned char *)out + i, o - i);
            CHECK(q > 0 && c >= 0x20 && c != 0x7F);
            i += q;
        }
        if (k == 0)
            CHECK(o >= m);      /* the whole input fits: nothing is cut */
    }
}

/* Every field parser on s[0..n); what is accepted must round-trip. */
static void parse_fields(const char *s, size_t n)
{
    char b[64];
    (void)fld_id(s, n);
    cal_date d;
    if (fld_date(s, n, &d) == NULL) {
        CHECK(cal_format(d, b) == 10);
        CHECK(n == 10 && memcmp(b, s, 10) == 0);
    }
    if (fld_date_opt(s, n, &d) == NULL && n == 0)
        CHECK(d == CAL_NONE);
    int32_t mk;
    (void)fld_month(s, n, &mk);
    int32_t m = -1, m2 = -1;
    if (fld_hours(s, n, &m) == NULL) {
        CHECK(m >= 0);
        cal_format_hm(m, b);
        CHECK(fld_hours(b, strlen(b), &m2) == NULL && m2 == m);
    }
    if (fld_day_hours(s, n, &m) == NULL)
        CHECK(m >= 0);
    money_cents c = -1, c2 = -1;
    if (fld_money(s, n, &c) == NULL) {
        CHECK(c >= 0);
        money_format_cents(c, b);
        CHECK(fld_money(b, strlen(b), &c2) == NULL && c2 == c);
    }
    int present;
    (void)fld_money_opt(s, n, &c, &present);
    money_frac f = -1, f2 = -1;
    if (fld_frac(s, n, &f) == NULL) {
        CHECK(f >= 0);
        money_format_frac(f, b);
        CHECK(fld_frac(b, strlen(b), &f2) == NULL && f2 == f);
    }
    money_rate r = -1, r2 = -1;
    if (fld_rate(s, n, &r) == NULL) {
        CHECK(r >= 0);
        money_format_rate(r, b);
        CHECK(fld_rate(b, strlen(b), &r2) == NULL && r2 == r);
    }
    if (fld_rate_exact(s, n, &r) == NULL) {
        CHECK(r >= 0);
        money_format_rate(r, b);
        CHECK(fld_rate_exact(b, strlen(b), &r2) == NULL && r2 == r);
    }
    int yn;
    (void)fld_yn(s, n, &yn);
    int64_t k;
    if (fld_count(s, n, &k) == NULL)
        CHECK(k >= 0 && k <= 1000000000);
    param_scale sc;
    if (fld_scale(s, n, &sc) == NULL) {
        CHECK(sc.n >= 1 && sc.n <= PARAM_SCALE_MAX);
        for (int i = 1; i < sc.n; i++)
            CHECK(sc.from_minutes[i] > sc.from_minutes[i - 1]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_path[0])
        fuzz_file_setup();
    if (fuzz_file_put(data, size) != 0)
        return 0;
    ctx_t c = {0};
    char err[1024] = "";
    csvr_info info;
    int rc = csvr_read(fuzz_path, tsread_columns, TS_NCOLS, on_row, &c, &info, err, sizeof err);
    CHECK(rc == 0 || rc == CSVR_ERROR);
    CHECK(info.bytes == size);
    CHECK(info.rows == c.rows);
    if (rc != 0)
        CHECK(err[0] != '\0' && strncmp(err, fuzz_path, strlen(fuzz_path)) == 0);

    /* the field parsers on the whole input and on every slice between , ; : newline */
    const char *s = (const char *)data;
    parse_fields(s, size);
    check_text(s, size);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++)
        if (i == size || s[i] == ',' || s[i] == '\n' || s[i] == '\r') {
            parse_fields(s + start, i - start);
            start = i + 1;
        }
    return 0;
}
