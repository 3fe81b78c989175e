/* sheet.c — names and severities of the exception codes. */
#include "sheet.h"

static const struct {
    const char *name;
    sheet_severity severity;
} codes[EX_COUNT] = {
    [EX_MALFORMED_ROW] = {"MALFORMED_ROW", SEV_REJECT},
    [EX_BAD_HOURS] = {"BAD_HOURS", SEV_REJECT},
    [EX_TOTAL_MISMATCH] = {"TOTAL_MISMATCH", SEV_REJECT},
    [EX_NO_HOURS] = {"NO_HOURS", SEV_REJECT},
    [EX_UNKNOWN_PROVIDER] = {"UNKNOWN_PROVIDER", SEV_REJECT},
    [EX_UNKNOWN_RECIPIENT] = {"UNKNOWN_RECIPIENT", SEV_REJECT},
    [EX_NO_ASSIGNMENT] = {"NO_ASSIGNMENT", SEV_REJECT},
    [EX_OUTSIDE_ASSIGNMENT] = {"OUTSIDE_ASSIGNMENT", SEV_PARTIAL},
    [EX_ENROLLMENT_PENDING] = {"ENROLLMENT_PENDING", SEV_HOLD},
    [EX_NOT_ELIGIBLE] = {"NOT_ELIGIBLE", SEV_REJECT},
    [EX_MISSING_SIGNATURE] = {"MISSING_SIGNATURE", SEV_REJECT},
    [EX_SIGNED_EARLY] = {"SIGNED_EARLY", SEV_REJECT},
    [EX_RECEIVED_EARLY] = {"RECEIVED_EARLY", SEV_REJECT},
    [EX_BAD_DATES] = {"BAD_DATES", SEV_REJECT},
    [EX_ESP_INACTIVE] = {"ESP_INACTIVE", SEV_REJECT},
    [EX_DUPLICATE_TIMESHEET] = {"DUPLICATE_TIMESHEET", SEV_REJECT},
    [EX_DUPLICATE_PERIOD] = {"DUPLICATE_PERIOD", SEV_REJECT},
    [EX_WRIT_NO_WORKSHEET] = {"WRIT_NO_WORKSHEET", SEV_REJECT},
    [EX_WRIT_STATE_HEARING] = {"WRIT_STATE_HEARING", SEV_REJECT},
    [EX_WRIT_REASON] = {"WRIT_REASON", SEV_REJECT},
    [EX_WRIT_NO_SR] = {"WRIT_NO_SR", SEV_REJECT},
    [EX_WRIT_HOURS_MISMATCH] = {"WRIT_HOURS_MISMATCH", SEV_REJECT},
    [EX_WRIT_POLICY] = {"WRIT_POLICY", SEV_REJECT},
    [EX_OVER_AUTHORIZED] = {"OVER_AUTHORIZED", SEV_PARTIAL},
    [EX_BUPS_HOURS_EXHAUSTED] = {"BUPS_HOURS_EXHAUSTED", SEV_PARTIAL},
    [EX_WORKWEEK_LIMIT] = {"WORKWEEK_LIMIT", SEV_WARNING},
    [EX_RECIPIENT_WEEKLY_MAX] = {"RECIPIENT_WEEKLY_MAX", SEV_WARNING},
    [EX_PAID_LATE] = {"PAID_LATE", SEV_WARNING},
};

const char *sheet_code_name(sheet_code c) { return codes[c].name; }
sheet_severity sheet_code_severity(sheet_code c) { return codes[c].severity; }

const char *sheet_severity_name(sheet_severity s)
{
    static const char *const names[] = {"reject", "hold", "partial", "warning"};
    return names[s];
}
