/* digits.h — decimal digits two at a time, for the formatters on the output path (no printf). */
#ifndef PAYRUN_DIGITS_H
#define PAYRUN_DIGITS_H

#include <stdint.h>
#include <string.h>

static const char digits_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The number of decimal digits of u (1-20). */
static inline int digits_count(uint64_t u)
{
    int n = 1;
    while (u >= 10000) {
        u /= 10000;
        n += 4;
    }
    return n + (u >= 10) + (u >= 100) + (u >= 1000);
}

/* Writes u in decimal at out (no sign, no NUL); returns the number of digits (1-20). */
static inline int digits_u64(uint64_t u, char *out)
{
    int n = digits_count(u), i = n;
    while (u >= 100) {
        i -= 2;
        memcpy(out + i, digits_pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10)
        memcpy(out + i - 2, digits_pairs + 2 * u, 2);
    else
        out[i - 1] = (char)('0' + u);
    return n;
}

/* Writes the last `width` digits of u at out, with leading zeros (width even or odd, up to 20). */
static inline void digits_fixed(uint64_t u, int width, char *out)
{
    int n = width;
    while (n >= 2) {
        n -= 2;
        memcpy(out + n, digits_pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (n)
        out[0] = (char)('0' + u % 10);
}

/* Writes v as its whole units of `unit` (at most 100), sep, and the rest as two
 * digits: cents as "-12.05", minutes as "7:05". NUL-terminated; returns the length. */
static inline int digits_units(int64_t v, unsigned unit, char sep, char *out)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int len = 0;
    if (v < 0)
        out[len++] = '-';
    len += digits_u64(u / unit, out + len);
    out[len++] = sep;
    memcpy(out + len, digits_pairs + 2 * (u % unit), 2);
    len += 2;
    out[len] = '\0';
    return len;
}

#endif
