/* field.h — typed parsers for CSV fields: each returns NULL on success or what is wrong. */
#ifndef PAYRUN_FIELD_H
#define PAYRUN_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "money.h"
#include "param.h"

/* Every parser takes the field's bytes (s, n; not necessarily NUL-terminated) and
 * returns NULL after storing the value, or a short static description of what is
 * wrong ("not a date (YYYY-MM-DD)") with *out untouched. Values are exact: no
 * trimming of spaces, no case folding (docs/rules.md §2). */

/* An id: 1-32 of letters, digits, '-', '_', '.', not starting with '-'. */
const char *fld_id(const char *s, size_t n);
/* A county code: same rules as an id. */
#define fld_county fld_id
/* YYYY-MM-DD, a real calendar date. */
const char *fld_date(const char *s, size_t n, cal_date *out);
/* A date or empty (CAL_NONE). */
const char *fld_date_opt(const char *s, size_t n, cal_date *out);
/* YYYY-MM, stored as a month key (cal_month_key_ymd). */
const char *fld_month(const char *s, size_t n, int32_t *out);
/* Hours: H:MM (any number of hour digits, minutes 00-59), whole hours (8) or
 * legacy tenths with one decimal (2.8 = 2:48). Stored as minutes. */
const char *fld_hours(const char *s, size_t n, int32_t *minutes);
/* A timesheet day cell: as fld_hours, plus empty, x and X for no hours (docs/rules.md §5.1). */
const char *fld_day_hours(const char *s, size_t n, int32_t *minutes);
/* Money: digits with at most 2 decimals (200, 200.5, 200.50), not negative. */
const char *fld_money(const char *s, size_t n, money_cents *out);
/* Money or empty (*present = 0). */
const char *fld_money_opt(const char *s, size_t n, money_cents *out, int *present);
/* A decimal fraction with at most 6 decimals (0.062, 1.5), not negative. */
const char *fld_frac(const char *s, size_t n, money_frac *out);
/* An hourly rate with at most 6 decimals, not negative. */
const char *fld_rate(const char *s, size_t n, money_rate *out);
/* A rate as written in paychecks.csv: at most 12 decimals (a derived overtime rate). */
const char *fld_rate_exact(const char *s, size_t n, money_rate *out);
/* y or n. */
const char *fld_yn(const char *s, size_t n, int *out);
/* A non-negative whole number up to 1,000,000,000. */
const char *fld_count(const char *s, size_t n, int64_t *out);
/* A dues scale: "0:00=10.30; 25:01=15.90; ..." brackets in ascending hours. */
const char *fld_scale(const char *s, size_t n, param_scale *out);
/* A tax table (SPEC-withholding A.2): "0=0+0; 7500=0+0.10; ..." rows threshold=base+rate
 * separated by ';' (spaces after a ';' allowed, as in a scale), at most PARAM_SCALE_MAX
 * rows; thresholds money, the first 0, each larger than the one before; base money;
 * 0 <= rate < 1 with at most 6 decimals. Fills n, threshold (cents), amount (the base,
 * cents) and rate (10^-6 units) of out, every other member 0. The first fault found,
 * row by row, is returned: empty value or row, too many rows, no '=' or '+', then the
 * threshold, its order, the base, the rate. */
const char *fld_tax_table(const char *s, size_t n, param_scale *out);
/* An allowance table: "1=42; 2=83; ..." the counts 1, 2, 3, ... in order (at most
 * PARAM_SCALE_MAX), each with money. Fills n and amount[count - 1] of out, every other
 * member 0. Refused: an empty value or entry, no '=', a count that is not the next one
 * (0 among them), an amount that is not money. */
const char *fld_allowance_table(const char *s, size_t n, param_scale *out);

/* Length (1-4) of the valid UTF-8 sequence at s[0..n), or 0 when s starts with a byte
 * that is not valid UTF-8 there (overlong forms and surrogates are invalid). */
size_t fld_utf8_seq(const char *s, size_t n);

/* Copies s[0..n) into out (capacity cap, always NUL-terminated) as printable text:
 * valid UTF-8 passes; control bytes (C0, DEL) and bytes that are not UTF-8 become
 * \xNN. Returns the length written (cut short, whole escapes only, when cap is reached). */
size_t fld_escape(const char *s, size_t n, char *out, size_t cap);

/* A path (any bytes but NUL) as one line of a manifest, reversibly: a backslash is
 * written \\, a control byte (C0 and DEL, newline among them) \xNN; every other byte
 * as it is. out (capacity cap) is always NUL-terminated; returns 0, or -1 when it
 * did not fit (then out holds nothing). */
int fld_escape_path(const char *s, char *out, size_t cap);
/* The reverse: returns 0, or -1 for a bad escape or when out is too small. */
int fld_unescape_path(const char *s, char *out, size_t cap);

#endif
