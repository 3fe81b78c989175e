/* sheet.h — a parsed timesheet row and the exception codes of the rule steps (docs/rules.md §5 and §7). */
#ifndef PAYRUN_SHEET_H
#define PAYRUN_SHEET_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"

#define SHEET_MAX_DAYS 16

/* The timesheet kinds of docs/rules.md §6, as the kind column names them: regular,
 * catch_up, special (a county's supplemental payment for a past period, the Writ
 * ePolicy's special transaction) and writ. */
typedef enum { KIND_REGULAR, KIND_CATCH_UP, KIND_SUPPLEMENTAL, KIND_WRIT } sheet_kind;
typedef enum { CHANNEL_PAPER, CHANNEL_ELECTRONIC } sheet_channel;

typedef enum { SEV_REJECT, SEV_HOLD, SEV_PARTIAL, SEV_WARNING } sheet_severity;

/* Every exception code, in the order of the rule steps. */
typedef enum {
    EX_MALFORMED_ROW,
    EX_BAD_HOURS,
    EX_TOTAL_MISMATCH,
    EX_NO_HOURS,
    EX_UNKNOWN_PROVIDER,
    EX_UNKNOWN_RECIPIENT,
    EX_NO_ASSIGNMENT,
    EX_OUTSIDE_ASSIGNMENT,
    EX_ENROLLMENT_PENDING,
    EX_NOT_ELIGIBLE,
    EX_MISSING_SIGNATURE,
    EX_SIGNED_EARLY,
    EX_RECEIVED_EARLY,
    EX_BAD_DATES,
    EX_ESP_INACTIVE,
    EX_DUPLICATE_TIMESHEET,
    EX_DUPLICATE_PERIOD,
    EX_WRIT_NO_WORKSHEET,
    EX_WRIT_STATE_HEARING,
    EX_WRIT_REASON,
    EX_WRIT_NO_SR,
    EX_WRIT_HOURS_MISMATCH,
    EX_WRIT_POLICY,
    EX_OVER_AUTHORIZED,
    EX_BUPS_HOURS_EXHAUSTED,
    EX_WORKWEEK_LIMIT,
    EX_RECIPIENT_WEEKLY_MAX,
    EX_WITHHOLDING_SHORT,
    EX_PAID_LATE,
    EX_CORRECTION_UNMATCHED,    /* payrun correct: a corrected row no replayed night has (docs/corrections.md) */
    EX_COUNT
} sheet_code;

const char *sheet_code_name(sheet_code c);
sheet_severity sheet_code_severity(sheet_code c);
const char *sheet_severity_name(sheet_severity s);

/* One timesheet row after step 1 (parse). Strings point into the reader's row
 * buffer and are valid only while the row is being processed. */
typedef struct {
    const char *timesheet_id, *provider_id, *recipient_id;
    size_t timesheet_id_len, provider_id_len, recipient_id_len;
    cal_date period_start, period_end;
    int ndays;                          /* days in the period, 13-16 */
    sheet_kind kind;
    sheet_channel channel;
    cal_date provider_signed_on, recipient_signed_on;   /* CAL_NONE when empty */
    cal_date received_on;
    int32_t minutes[SHEET_MAX_DAYS];    /* minutes[i]: day period_start + i */
    int64_t claimed;                    /* sum of the days */
    const char *source_file;
    long source_line;
    /* The provider's and recipient's master indexes (-1 unknown) when looked up
     * ahead of the rules, in the masters idx_of points to; idx_of NULL otherwise. */
    const void *idx_of;
    int32_t provider_idx, recipient_idx;
} sheet;

#endif
