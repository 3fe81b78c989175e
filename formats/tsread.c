/* tsread.c — timesheet row parser: field count, ids, dates, kind, channel, day cells, total. */
#include "tsread.h"

#include <stdio.h>
#include <string.h>

#include "field.h"

const csvr_column tsread_columns[TS_NCOLS] = {
    {"timesheet_id", 1}, {"provider_id", 1}, {"recipient_id", 1}, {"period_start", 1},
    {"kind", 1}, {"channel", 1}, {"provider_signed_on", 1}, {"recipient_signed_on", 1}, {"received_on", 1},
    {"d01", 1}, {"d02", 1}, {"d03", 1}, {"d04", 1}, {"d05", 1}, {"d06", 1}, {"d07", 1}, {"d08", 1},
    {"d09", 1}, {"d10", 1}, {"d11", 1}, {"d12", 1}, {"d13", 1}, {"d14", 1}, {"d15", 1}, {"d16", 1},
    {"total", 0},
};

/* Writes "file:line: column: what (value)" and returns code. */
static int reject(const csvr_row *row, int code, int col, const char *what, char *msg, size_t msglen)
{
    size_t n;
    char shown[48];
    const char *v = col >= 0 ? csvr_get(row, col, &n) : "";
    if (col < 0)
        n = 0;
    fld_escape(v, n > 40 ? 40 : n, shown, sizeof shown);
    if (n)
        snprintf(msg, msglen, "%s:%ld: %s: %s (%s)", row->path, row->line, tsread_columns[col].name, what, shown);
    else
        snprintf(msg, msglen, "%s:%ld: %s: %s", row->path, row->line, col >= 0 ? tsread_columns[col].name : "row",
                 what);
    return code;
}

static int match(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Field of column c of a row cut short by a limit: the field when it was complete
 * before the cut and at most ID_KEPT bytes long, else "". */
#define ID_KEPT 64
static const char *kept_id(const csvr_row *row, int c, size_t *n)
{
    const char *v = csvr_get(row, c, n);
    if (*n > ID_KEPT) {
        *n = 0;
        return "";
    }
    return v;
}

int tsread_parse(const csvr_row *row, sheet *s, char *msg, size_t msglen)
{
    size_t n;
    const char *v, *e;
    s->source_file = row->path;
    s->source_line = row->line;
    s->claimed = 0;
    s->idx_of = NULL;
    if (row->oversize) {            /* cut short at an input limit (docs/formats.md): only short complete ids are kept */
        s->timesheet_id = kept_id(row, TS_ID, &s->timesheet_id_len);
        s->provider_id = kept_id(row, TS_PROVIDER, &s->provider_id_len);
        s->recipient_id = kept_id(row, TS_RECIPIENT, &s->recipient_id_len);
        snprintf(msg, msglen, "%s:%ld: %s", row->path, row->line, row->oversize);
        return EX_MALFORMED_ROW;
    }
    s->timesheet_id = csvr_get(row, TS_ID, &s->timesheet_id_len);
    s->provider_id = csvr_get(row, TS_PROVIDER, &s->provider_id_len);
    s->recipient_id = csvr_get(row, TS_RECIPIENT, &s->recipient_id_len);

    if (row->nfields != row->nheader) {
        snprintf(msg, msglen, "%s:%ld: row: has %zu fields, the header has %zu", row->path, row->line, row->nfields,
                 row->nheader);
        return EX_MALFORMED_ROW;
    }
    static const int id_cols[] = {TS_ID, TS_PROVIDER, TS_RECIPIENT};
    for (int i = 0; i < 3; i++) {
        v = csvr_get(row, id_cols[i], &n);
        if ((e = fld_id(v, n)))
            return reject(row, EX_MALFORMED_ROW, id_cols[i], e, msg, msglen);
    }
    v = csvr_get(row, TS_PERIOD, &n);
    if ((e = fld_date(v, n, &s->period_start)))
        return reject(row, EX_MALFORMED_ROW, TS_PERIOD, e, msg, msglen);
    v = csvr_get(row, TS_RECEIVED, &n);
    if ((e = fld_date(v, n, &s->received_on)))
        return reject(row, EX_MALFORMED_ROW, TS_RECEIVED, e, msg, msglen);
    if (!cal_is_period_start(s->period_start))
        return reject(row, EX_MALFORMED_ROW, TS_PERIOD, "a pay period starts on the 1st or the 16th", msg, msglen);
    v = csvr_get(row, TS_PROVIDER_SIGNED, &n);
    if ((e = fld_date_opt(v, n, &s->provider_signed_on)))
        return reject(row, EX_MALFORMED_ROW, TS_PROVIDER_SIGNED, e, msg, msglen);
    v = csvr_get(row, TS_RECIPIENT_SIGNED, &n);
    if ((e = fld_date_opt(v, n, &s->recipient_signed_on)))
        return reject(row, EX_MALFORMED_ROW, TS_RECIPIENT_SIGNED, e, msg, msglen);
    v = csvr_get(row, TS_KIND, &n);
    if (match(v, n, "regular"))
        s->kind = KIND_REGULAR;
    else if (match(v, n, "catch_up"))
        s->kind = KIND_CATCH_UP;
    else if (match(v, n, "special"))
        s->kind = KIND_SUPPLEMENTAL;
    else if (match(v, n, "writ"))
        s->kind = KIND_WRIT;
    else
        return reject(row, EX_MALFORMED_ROW, TS_KIND, "expected regular, catch_up, special or writ", msg, msglen);
    v = csvr_get(row, TS_CHANNEL, &n);
    if (match(v, n, "paper"))
        s->channel = CHANNEL_PAPER;
    else if (match(v, n, "electronic"))
        s->channel = CHANNEL_ELECTRONIC;
    else
        return reject(row, EX_MALFORMED_ROW, TS_CHANNEL, "expected paper or electronic", msg, msglen);

    s->period_end = cal_period_end(s->period_start);
    s->ndays = cal_period_days(s->period_start);
    int64_t sum = 0;
    for (int d = 0; d < SHEET_MAX_DAYS; d++) {
        v = csvr_get(row, TS_D01 + d, &n);
        if ((e = fld_day_hours(v, n, &s->minutes[d])))
            return reject(row, EX_BAD_HOURS, TS_D01 + d, e, msg, msglen);
        if (s->minutes[d] > 24 * 60)
            return reject(row, EX_BAD_HOURS, TS_D01 + d, "more than 24:00 in one day", msg, msglen);
        if (s->minutes[d] > 0 && d >= s->ndays)
            return reject(row, EX_BAD_HOURS, TS_D01 + d, "hours on a day past the end of the pay period", msg,
                          msglen);
        sum += s->minutes[d];
    }
    s->claimed = sum;
    v = csvr_get(row, TS_TOTAL, &n);
    if (n > 0) {
        int32_t total;
        char days[24], given[24];
        cal_format_hm(sum, days);
        if ((e = fld_hours(v, n, &total)))
            return reject(row, EX_TOTAL_MISMATCH, TS_TOTAL, e, msg, msglen);
        if (total != sum) {
            cal_format_hm(total, given);
            snprintf(msg, msglen, "%s:%ld: total: %s differs from the sum of the days, %s", row->path, row->line,
                     given, days);
            return EX_TOTAL_MISMATCH;
        }
    }
    if (sum == 0) {
        snprintf(msg, msglen, "%s:%ld: d01..d16: no hours on any day", row->path, row->line);
        return EX_NO_HOURS;
    }
    return -1;
}
