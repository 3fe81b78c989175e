/* money.c — exact money arithmetic on int64 cents with 128-bit intermediates. */
#include "money.h"

#include "digits.h"

#include <string.h>

typedef __int128 i128;

int money_muldiv_round(int64_t a, int64_t b, int64_t den, int64_t *out)
{
    int64_t p;
    if (den > 0 && !__builtin_mul_overflow(a, b, &p) && p != INT64_MIN) {
        /* the usual case: the product fits 64 bits, so does the quotient */
        uint64_t u = p < 0 ? (uint64_t)0 - (uint64_t)p : (uint64_t)p;
        uint64_t q = u / (uint64_t)den, r = u % (uint64_t)den;
        if (r >= (uint64_t)den - r)     /* 2r >= den without overflow: half-up, away from zero */
            q++;
        *out = p < 0 ? -(int64_t)q : (int64_t)q;
        return MONEY_OK;
    }
    i128 num = (i128)a * (i128)b;   /* |a*b| < 2^126: never overflows */
    int neg = num < 0;
    if (neg)
        num = -num;
    i128 q = num / den, r = num % den;
    if (2 * r >= den)               /* half-up, away from zero */
        q++;
    if (neg)
        q = -q;
    if (q > INT64_MAX || q < INT64_MIN)
        return MONEY_OVERFLOW;
    *out = (int64_t)q;
    return MONEY_OK;
}

int money_pay_for_minutes(money_rate rate, int64_t minutes, money_cents *out)
{
    /* rate is 10^-12 dollars per hour: cents = rate * minutes / (60 * 10^10) */
    return money_muldiv_round(rate, minutes, 60 * MONEY_RATE_PER_CENT, out);
}

int money_apply_frac(money_frac frac, money_cents base, money_cents *out)
{
    return money_muldiv_round(frac, base, MONEY_FRAC_SCALE, out);
}

int money_rate_times_frac(money_rate rate, money_frac frac, money_rate *out)
{
    i128 p = (i128)rate * (i128)frac;
    if (p % MONEY_FRAC_SCALE != 0)
        return MONEY_INEXACT;
    p /= MONEY_FRAC_SCALE;
    if (p > INT64_MAX || p < INT64_MIN)
        return MONEY_OVERFLOW;
    *out = (money_rate)p;
    return MONEY_OK;
}

int money_rate_from_cents(money_cents cents, money_rate *out)
{
    money_rate r;
    if (__builtin_mul_overflow(cents, MONEY_RATE_PER_CENT, &r))
        return MONEY_OVERFLOW;
    *out = r;
    return MONEY_OK;
}

int money_add(money_cents a, money_cents b, money_cents *out)
{
    money_cents r;
    if (__builtin_add_overflow(a, b, &r))
        return MONEY_OVERFLOW;
    *out = r;
    return MONEY_OK;
}

/* Writes value / unit, unit = 10^scale, with `keep` decimals at least, trailing zeros
 * beyond `keep` dropped. */
static int format_scaled(int64_t v, uint64_t unit, int scale, int keep, char *out)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int len = 0;
    if (v < 0)
        out[len++] = '-';
    len += digits_u64(u / unit, out + len);
    int frac_len = scale;
    uint64_t frac = u % unit;
    while (frac_len > keep && frac % 10 == 0) {
        frac /= 10;
        frac_len--;
    }
    if (frac_len > 0) {
        out[len++] = '.';
        digits_fixed(frac, frac_len, out + len);
        len += frac_len;
    }
    out[len] = '\0';
    return len;
}

int money_format_cents(money_cents c, char *out)
{
    /* the output path's most common value: constant divisors, no trailing zeros to drop */
    return digits_units(c, 100, '.', out);
}

int money_format_rate(money_rate r, char *out)
{
    /* a rate in whole cents (the usual case) without the loop over twelve decimals */
    if (r % 10000000000LL == 0)
        return money_format_cents(r / 10000000000LL, out);
    return format_scaled(r, 1000000000000ULL, 12, 2, out);
}
int money_format_frac(money_frac f, char *out) { return format_scaled(f, 1000000, 6, 0, out); }
