/* digits.h — decimal digits two at a time, for the formatters on the output path (no printf). */
#ifndef PAYRUN_DIGITS_H
#define PAYRUN_DIGITS_H

#include <stdint.h>
#include <string.h>

static const char digits_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes u in decimal at out (no sign, no NUL); returns the number of digits (1-20). */
static inline int digits_u64(uint64_t u, char *out)
{
    char tmp[20];
    int n = 20;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        n -= 2;
        memcpy(tmp + n, digits_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        n -= 2;
        memcpy(tmp + n, digits_pairs + 2 * u, 2);
    } else {
        tmp[--n] = (char)('0' + u);
    }
    memcpy(out, tmp + n, (size_t)(20 - n));
    return 20 - n;
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

#endif
