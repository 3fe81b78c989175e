/* money.h — exact money: int64 cents, scaled-integer rates, one half-up rounding per named amount. */
#ifndef PAYRUN_MONEY_H
#define PAYRUN_MONEY_H

#include <stdint.h>

/* An amount of money in whole cents. */
typedef int64_t money_cents;
/* An hourly rate in units of 10^-12 dollars: a 6-decimal rate times a 6-decimal
 * multiplier (the overtime rate, docs/rules.md §5.11.1) is still exact. */
typedef int64_t money_rate;
/* A decimal fraction in units of 10^-6 (0.062 = 62000): tax rates, multipliers. */
typedef int64_t money_frac;

#define MONEY_RATE_SCALE  1000000000000LL   /* money_rate units per dollar */
#define MONEY_RATE_PER_CENT 10000000000LL   /* money_rate units per cent */
#define MONEY_FRAC_SCALE  1000000LL         /* money_frac units per 1 */

/* Result codes: 0 = exact result stored; MONEY_OVERFLOW = the result does not fit
 * (nothing stored); MONEY_INEXACT = a product that must be exact is not. */
enum { MONEY_OK = 0, MONEY_OVERFLOW = -1, MONEY_INEXACT = -2 };

/* round(a × b / den) half away from zero, den > 0, computed in 128 bits.
 * Returns MONEY_OK, or MONEY_OVERFLOW when the result leaves int64 (*out untouched). */
int money_muldiv_round(int64_t a, int64_t b, int64_t den, int64_t *out);

/* Pay for a duration: round(rate × minutes / 60) in cents (docs/rules.md §2). */
int money_pay_for_minutes(money_rate rate, int64_t minutes, money_cents *out);

/* round(fraction × base) in cents: a tax rate applied to a wage base. */
int money_apply_frac(money_frac frac, money_cents base, money_cents *out);

/* rate × fraction kept exact (the overtime rate); MONEY_INEXACT when it would
 * need more than 12 decimals, MONEY_OVERFLOW when it does not fit. */
int money_rate_times_frac(money_rate rate, money_frac frac, money_rate *out);

/* A whole-cents amount as a rate (2.00 dollars -> 2.00 per hour); overflow checked. */
int money_rate_from_cents(money_cents cents, money_rate *out);

/* a + b, or MONEY_OVERFLOW. */
int money_add(money_cents a, money_cents b, money_cents *out);

/* Writes cents as "-1234.56" into out (at least 24 bytes); returns the length. */
int money_format_cents(money_cents c, char *out);
/* Writes a rate with at least two decimals and no trailing zeros beyond them
 * ("19.5" -> "19.50", "28.6851855") into out (at least 32 bytes); returns the length. */
int money_format_rate(money_rate r, char *out);
/* Writes a fraction with no trailing zeros ("0.062", "1.5", "2") into out (>= 32 bytes). */
int money_format_frac(money_frac f, char *out);

#endif
