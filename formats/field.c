/* field.c — typed field parsers with precise error descriptions. */
#include "field.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Parses exactly n digits at s into *v; 0 when any is not a digit. */
static int digits(const char *s, size_t n, int64_t *v)
{
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

/* The characters of an id: letters, digits, '-', '_', '.'. */
#define ID_RUN(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, [c + 6] = 1, \
                  [c + 7] = 1, [c + 8] = 1, [c + 9] = 1
static const unsigned char ok[256] = {
    ID_RUN('0'), ID_RUN('a'), ID_RUN('k'), ID_RUN('A'), ID_RUN('K'),
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['-'] = 1, ['_'] = 1, ['.'] = 1,
};
#undef ID_RUN

const char *fld_id(const char *s, size_t n)
{
    if (n == 0)
        return "empty id";
    if (n > 32)
        return "id longer than 32 characters";
    if (s[0] == '-')
        return "id starts with '-'";
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= !ok[(unsigned char)s[i]];
    if (bad)
        return "id has a character other than letters, digits, '-', '_', '.'";
    return NULL;
}

const char *fld_date(const char *s, size_t n, cal_date *out)
{
    int64_t y, m, d;
    if (n == 0)
        return "empty date";
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return "not a date (YYYY-MM-DD)";
    if (!cal_valid_ymd((int)y, (int)m, (int)d))
        return "no such calendar date";
    *out = cal_from_ymd((int)y, (int)m, (int)d);
    return NULL;
}

const char *fld_date_opt(const char *s, size_t n, cal_date *out)
{
    if (n == 0) {
        *out = CAL_NONE;
        return NULL;
    }
    return fld_date(s, n, out);
}

const char *fld_month(const char *s, size_t n, int32_t *out)
{
    int64_t y, m;
    if (n != 7 || s[4] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m))
        return "not a month (YYYY-MM)";
    if (y < 1 || m < 1 || m > 12)
        return "no such month";
    *out = cal_month_key_ymd((int)y, (int)m);
    return NULL;
}

#define MAX_HOUR_DIGITS 6   /* 999999 hours: far beyond any real value, far from overflow */

const char *fld_hours(const char *s, size_t n, int32_t *minutes)
{
    int64_t h = 0, m = 0;
    size_t i = 0;
    if (n == 0)
        return "empty hours";
    while (i < n && is_digit(s[i]))
        i++;
    if (i == 0)
        return s[0] == '-' ? "negative hours" : "not hours (H:MM, whole hours or tenths like 2.8)";
    if (i > MAX_HOUR_DIGITS)
        return "hours too large";
    digits(s, i, &h);
    if (i == n) {
        *minutes = (int32_t)(h * 60);
        return NULL;
    }
    if (s[i] == ':') {
        if (n - i - 1 != 2 || !digits(s + i + 1, 2, &m))
            return "minutes must be two digits (H:MM)";
        if (m > 59)
            return "minutes above 59";
        *minutes = (int32_t)(h * 60 + m);
        return NULL;
    }
    if (s[i] == '.') {
        if (n - i - 1 != 1 || !is_digit(s[i + 1]))
            return "tenths of an hour take exactly one decimal (2.8)";
        *minutes = (int32_t)(h * 60 + (s[i + 1] - '0') * 6);
        return NULL;
    }
    return "not hours (H:MM, whole hours or tenths like 2.8)";
}

const char *fld_day_hours(const char *s, size_t n, int32_t *minutes)
{
    if (n == 0 || (n == 1 && (s[0] == 'x' || s[0] == 'X'))) {
        *minutes = 0;
        return NULL;
    }
    return fld_hours(s, n, minutes);
}

/* Parses a non-negative decimal with at most max_dec decimals into units of
 * 10^-scale (scale >= max_dec) and at most max_int integer digits. */
static const char *decimal(const char *s, size_t n, int max_dec, int scale, int max_int, int64_t *out,
                           const char *too_many)
{
    size_t i = 0;
    int64_t v = 0;
    if (n == 0)
        return "empty value";
    if (s[0] == '-')
        return "negative value";
    while (i < n && is_digit(s[i]))
        i++;
    if (i == 0)
        return "not a number";
    if ((int)i > max_int)
        return "value too large";
    digits(s, i, &v);
    int dec = 0;
    if (i < n) {
        if (s[i] != '.' || i + 1 == n)
            return s[i] == ',' ? "not a number (no thousand separators)" : "not a number";
        for (size_t j = i + 1; j < n; j++) {
            if (!is_digit(s[j]))
                return "not a number";
            if (++dec > max_dec)
                return too_many;
            v = v * 10 + (s[j] - '0');
        }
    }
    for (; dec < scale; dec++)
        v *= 10;
    *out = v;
    return NULL;
}

const char *fld_money(const char *s, size_t n, money_cents *out)
{
    return decimal(s, n, 2, 2, 13, out, "money takes at most 2 decimals");
}

const char *fld_money_opt(const char *s, size_t n, money_cents *out, int *present)
{
    *present = n > 0;
    if (n == 0)
        return NULL;
    return fld_money(s, n, out);
}

const char *fld_frac(const char *s, size_t n, money_frac *out)
{
    return decimal(s, n, 6, 6, 9, out, "a rate takes at most 6 decimals");
}

const char *fld_rate(const char *s, size_t n, money_rate *out)
{
    int64_t micro;
    const char *e = decimal(s, n, 6, 6, 6, &micro, "a rate takes at most 6 decimals");
    if (e)
        return e;
    *out = micro * 1000000;   /* 10^-6 -> 10^-12 units; at most 10^12 * 10^6: fits */
    return NULL;
}

const char *fld_rate_exact(const char *s, size_t n, money_rate *out)
{
    return decimal(s, n, 12, 12, 6, out, "a rate takes at most 12 decimals");
}

const char *fld_yn(const char *s, size_t n, int *out)
{
    if (n == 1 && (s[0] == 'y' || s[0] == 'n')) {
        *out = s[0] == 'y';
        return NULL;
    }
    return "expected y or n";
}

const char *fld_count(const char *s, size_t n, int64_t *out)
{
    int64_t v;
    if (n == 0)
        return "empty value";
    if (n > 10 || !digits(s, n, &v) || v > 1000000000)
        return "not a whole number";
    *out = v;
    return NULL;
}

const char *fld_scale(const char *s, size_t n, param_scale *out)
{
    param_scale sc = {0};
    size_t i = 0;
    for (;;) {
        while (i < n && s[i] == ' ')
            i++;
        size_t eq = i;
        while (eq < n && s[eq] != '=')
            eq++;
        if (eq == n)
            return "scale bracket without '=' (expected H:MM=amount; ...)";
        size_t end = eq + 1;
        while (end < n && s[end] != ';')
            end++;
        if (sc.n == PARAM_SCALE_MAX)
            return "scale has too many brackets";
        int32_t from;
        money_cents amount;
        if (fld_hours(s + i, eq - i, &from) != NULL)
            return "scale bracket hours are not H:MM";
        if (fld_money(s + eq + 1, end - eq - 1, &amount) != NULL)
            return "scale bracket amount is not money";
        if (sc.n > 0 && from <= sc.from_minutes[sc.n - 1])
            return "scale brackets must go up in hours";
        sc.from_minutes[sc.n] = from;
        sc.amount[sc.n] = amount;
        sc.n++;
        if (end == n)
            break;
        i = end + 1;
    }
    *out = sc;
    return NULL;
}

size_t fld_utf8_seq(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if ((u[0] & 0xE0) == 0xC0) {
        len = 2, cp = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, cp = u[0] & 0x0F, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4, cp = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

size_t fld_escape(const char *s, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c >= 0x20 && c != 0x7F ? fld_utf8_seq(s + i, n - i) : 0;
        if (k > 0) {
            if (o + k >= cap)
                break;
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            i++;
        }
    }
    out[o] = '\0';
    return o;
}

int fld_escape_path(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (o + 5 > cap) {
            if (cap)
                out[0] = '\0';
            return -1;
        }
        if (c == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (c < 0x20 || c == 0x7F) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int fld_unescape_path(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    while (*s) {
        if (o + 1 >= cap)
            return -1;
        if (*s != '\\') {
            out[o++] = *s++;
        } else if (s[1] == '\\') {
            out[o++] = '\\';
            s += 2;
        } else if (s[1] == 'x' && hex_digit(s[2]) >= 0 && hex_digit(s[3]) >= 0 && (s[2] != '0' || s[3] != '0')) {
            out[o++] = (char)(hex_digit(s[2]) << 4 | hex_digit(s[3]));
            s += 4;
        } else {
            return -1;
        }
    }
    out[o] = '\0';
    return 0;
}

/* The messages below name PARAM_SCALE_MAX as a number. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* An amount inside a table value (a threshold, a base, an allowance): NULL after storing
 * it in *out, else `negative` when it starts with '-' or `bad` for anything else that is
 * not money (empty, not a number, more than 2 decimals); *out untouched then. */
static const char *table_amount(const char *s, size_t n, money_cents *out, const char *negative, const char *bad)
{
    if (n > 0 && s[0] == '-')
        return negative;
    return fld_money(s, n, out) ? bad : NULL;
}

/* The index of the first c in s[from..end), or end. */
static size_t find_char(const char *s, size_t from, size_t end, char c)
{
    while (from < end && s[from] != c)
        from++;
    return from;
}

/* The end of the row that starts at s[*i] (spaces there skipped, as fld_scale does after
 * each ';'): the index of the next ';', or n. *i is moved past the spaces. */
static size_t table_row(const char *s, size_t n, size_t *i)
{
    while (*i < n && s[*i] == ' ')
        (*i)++;
    return find_char(s, *i, n, ';');
}

#define TAX_EXPECTED " (expected threshold=base+rate; ...)"

/* Returns NULL with the table in *out, or the first fault found (field.h lists the
 * checks in order) with *out untouched. */
const char *fld_tax_table(const char *s, size_t n, param_scale *out)
{
    static const char too_many_decimals[] = "tax table rate takes at most 6 decimals";
    param_scale sc = {0};
    size_t i = 0;
    if (n == 0)
        return "empty value" TAX_EXPECTED;
    for (;;) {
        size_t end = table_row(s, n, &i);
        if (end == i)
            return "tax table has an empty row" TAX_EXPECTED;
        if (sc.n == PARAM_SCALE_MAX)
            return "tax table has more than " STR(PARAM_SCALE_MAX) " rows";
        size_t eq = find_char(s, i, end, '=');
        if (eq == end)
            return "tax table row without '='" TAX_EXPECTED;
        size_t plus = find_char(s, eq + 1, end, '+');
        if (plus == end)
            return "tax table row without '+'" TAX_EXPECTED;
        money_cents threshold, base;
        money_frac rate;
        const char *e = table_amount(s + i, eq - i, &threshold, "tax table threshold is negative",
                                     "tax table threshold is not money (at most 2 decimals)");
        if (e)
            return e;
        if (sc.n == 0 && threshold != 0)
            return "tax table must start at threshold 0";
        if (sc.n > 0 && threshold <= sc.threshold[sc.n - 1])
            return "tax table thresholds must go up (each larger than the one before)";
        e = table_amount(s + eq + 1, plus - eq - 1, &base, "tax table base is negative",
                         "tax table base is not money (at most 2 decimals)");
        if (e)
            return e;
        if (plus + 1 < end && s[plus + 1] == '-')
            return "tax table rate is negative";
        e = decimal(s + plus + 1, end - plus - 1, 6, 6, 9, &rate, too_many_decimals);
        if (e == too_many_decimals)
            return e;
        if (e)
            return "tax table rate is not a decimal (like 0.12)";
        if (rate >= 1000000)
            return "tax table rate must be less than 1";
        sc.threshold[sc.n] = threshold;
        sc.amount[sc.n] = base;
        sc.rate[sc.n] = (int32_t)rate;
        sc.n++;
        if (end == n)
            break;
        i = end + 1;
    }
    *out = sc;
    return NULL;
}

#define ALLOWANCE_EXPECTED " (expected 1=amount; 2=amount; ...)"

/* Returns NULL with the table in *out, or the first fault found with *out untouched. */
const char *fld_allowance_table(const char *s, size_t n, param_scale *out)
{
    param_scale sc = {0};
    size_t i = 0;
    if (n == 0)
        return "empty value" ALLOWANCE_EXPECTED;
    for (;;) {
        size_t end = table_row(s, n, &i);
        if (end == i)
            return "allowance table has an empty entry" ALLOWANCE_EXPECTED;
        if (sc.n == PARAM_SCALE_MAX)
            return "allowance table has more than " STR(PARAM_SCALE_MAX) " counts";
        size_t eq = find_char(s, i, end, '=');
        if (eq == end)
            return "allowance table entry without '='" ALLOWANCE_EXPECTED;
        int64_t count;
        money_cents amount;
        if (fld_count(s + i, eq - i, &count) != NULL)
            return "allowance table count is not a whole number";
        if (count == 0)
            return "allowance table count 0: the counts start at 1 (a count of 0 gives 0.00)";
        if (count != sc.n + 1)
            return "allowance table counts must be 1, 2, 3, ... in order";
        const char *e = table_amount(s + eq + 1, end - eq - 1, &amount, "allowance table amount is negative",
                                     "allowance table amount is not money (at most 2 decimals)");
        if (e)
            return e;
        sc.amount[sc.n] = amount;
        sc.n++;
        if (end == n)
            break;
        i = end + 1;
    }
    *out = sc;
    return NULL;
}
