/* yearend.h — `payrun year-end`: a calendar year's W-2 wage statements from the ledger. */
#ifndef PAYRUN_YEAREND_H
#define PAYRUN_YEAREND_H

#include "state.h"

/* Reads generation gen (-1: the newest) of the state at `state` (read only) and
 * publishes into the claimed directory out (the rules of payrun run's --out) w2.csv,
 * one row per provider with a paycheck paid in `year`, in provider id order, and
 * w2-totals.json (docs/formats.md "w2.csv"). Returns an exit code (cli/exits.h),
 * the message on stderr. */
int year_end(const char *state, int year, int gen, const char *out);

#endif
