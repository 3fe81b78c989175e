/* tsread.h — step 1 of the rules: a timesheet CSV row parsed into a sheet, or why it cannot be. */
#ifndef PAYRUN_TSREAD_H
#define PAYRUN_TSREAD_H

#include <stddef.h>

#include "csvr.h"
#include "sheet.h"

enum { TS_ID, TS_PROVIDER, TS_RECIPIENT, TS_PERIOD, TS_KIND, TS_CHANNEL, TS_PROVIDER_SIGNED, TS_RECIPIENT_SIGNED,
       TS_RECEIVED, TS_D01, TS_TOTAL = TS_D01 + SHEET_MAX_DAYS, TS_NCOLS };

/* The timesheet columns, for csvr_read (total is optional). */
extern const csvr_column tsread_columns[TS_NCOLS];

/* Parses row into s (docs/rules.md §5.1). Returns -1 when the row is a well-formed
 * timesheet, or the exception code that rejects it — MALFORMED_ROW, BAD_HOURS
 * (s->claimed = 0), TOTAL_MISMATCH, NO_HOURS (s->claimed = the days' sum) — with
 * "file:line: column: what is wrong" in msg. s->timesheet_id always holds the raw
 * field and s->source_* the row's place, even for a rejected row. A row csvr cut
 * short at a limit (row->oversize) is MALFORMED_ROW with "file:line: " and csvr's
 * text; its ids are the fields that were complete and at most 64 bytes long, else "". */
int tsread_parse(const csvr_row *row, sheet *s, char *msg, size_t msglen);

#endif
