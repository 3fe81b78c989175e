/* master.h — master files in memory: providers, recipients, authorizations, assignments, overpayments, holidays,
 * writ worksheets, ESP registration history, income-tax withholding. */
#ifndef PAYRUN_MASTER_H
#define PAYRUN_MASTER_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "ids.h"
#include "money.h"
#include "param.h"

typedef enum { REL_PARENT, REL_SPOUSE, REL_CHILD, REL_OTHER } master_relationship;
typedef enum { WRIT_COURT_ORDER, WRIT_SYSTEM_DEFECT, WRIT_COUNTY_ADMIN, WRIT_STATE_HEARING, WRIT_OTHER } master_writ_reason;

/* Names in providers.csv and recipients.csv are checked but not kept: no output
 * carries them. */
typedef struct {
    int32_t county;             /* param_table county index */
    uint8_t enrollment_complete, elective_sdi, union_member, workweek_exemption;
    int32_t line;
} master_provider;

typedef struct {
    int32_t county;
    cal_date birth_date;
    uint8_t severely_impaired, bups_exception;
    cal_date esp_inactivated_on;    /* CAL_NONE when none; counts as an inactive ESP change on that date */
    int32_t line;
} master_recipient;

typedef struct {
    money_cents share_of_cost, soc_met_by_medical;
    int32_t recipient;
    int32_t month;              /* cal_month_key */
    int32_t authorized_minutes;
    int32_t line;
    uint8_t medi_cal_eligible;
} master_authorization;

typedef struct {
    int32_t provider, recipient;
    master_relationship relationship;
    uint8_t bups;
    cal_date start, end;        /* inclusive; end = CAL_OPEN when open ended */
    int32_t line;
} master_assignment;

typedef struct {
    int32_t provider;
    size_t id;                  /* offset in masters.text */
    money_cents balance, per_check_max;
    int32_t line;
} master_overpayment;

typedef struct {
    master_writ_reason reason;
    size_t reason_text, sr_number;  /* offsets in masters.text; sr_number "" when absent */
    money_rate regular_rate, overtime_rate;
    int32_t regular_minutes, overtime_minutes;
    int32_t line;
} master_writ;

/* One change of a recipient's Electronic Services Portal (ESP) registration status, from
 * esp_history.csv or from recipients.csv esp_inactivated_on (an inactive change on that
 * date). docs/rules.md §5.6. */
typedef struct {
    int32_t recipient;
    cal_date from;              /* the status holds from this date on */
    int32_t line;               /* the line in the file it came from */
    uint8_t inactive;           /* 1 inactive, 0 active */
    uint8_t from_recipients;    /* 1: recipients.csv esp_inactivated_on, 0: esp_history.csv */
} master_esp_change;

/* A provider's filing status on a Form W-4 (fed_status) or DE 4 (ca_status) of
 * withholding.csv; WH_NONE: nothing withheld for that tax. */
typedef enum { WH_NONE, WH_SINGLE, WH_MARRIED, WH_HEAD } master_wh_status;

/* One withholding.csv row (SPEC-withholding A.1; docs/formats.md): the provider's
 * W-4 and DE 4 from effective_from until the provider's next row. Empty amounts and
 * counts are 0. */
typedef struct {
    int32_t provider;
    cal_date from;                  /* effective_from */
    uint8_t fed_status;             /* master_wh_status */
    uint8_t fed_pre2020;            /* fed_w4: 1 pre2020, 0 2020 (or fed_status none) */
    uint8_t fed_multiple_jobs;      /* Step 2(c) box ticked (2020 only) */
    uint8_t ca_status;              /* master_wh_status */
    money_cents fed_dependents;     /* Step 3, annual */
    money_cents fed_other_income;   /* Step 4(a), annual */
    money_cents fed_deductions;     /* Step 4(b), annual */
    money_cents fed_extra;          /* Step 4(c) or pre-2020 line 6, per pay period */
    int32_t fed_allowances;         /* pre-2020 line 5 */
    int32_t ca_allowances;          /* DE 4 line 1a (regular) */
    int32_t ca_additional_allowances;   /* DE 4 line 1b (estimated deductions) */
    money_cents ca_extra;           /* DE 4 line 2, per pay period */
    int32_t line;
} master_withholding;

/* Growable array of T: data, n, cap. */
#define MASTER_VEC(T) struct { T *v; size_t n, cap; }

typedef struct {
    param_table params;
    ids_table provider_ids, recipient_ids, overpayment_ids, writ_ids;
    MASTER_VEC(master_provider) providers;      /* index = provider_ids index */
    MASTER_VEC(master_recipient) recipients;    /* index = recipient_ids index */
    MASTER_VEC(master_authorization) authorizations;  /* sorted by recipient, month after master_finish */
    MASTER_VEC(master_assignment) assignments;  /* sorted by provider, recipient, start after master_finish */
    MASTER_VEC(master_overpayment) overpayments;/* file order = oldest first */
    MASTER_VEC(master_writ) writs;              /* index = writ_ids index */
    MASTER_VEC(cal_date) holiday_dates;         /* all dates from holidays.csv */
    MASTER_VEC(master_esp_change) esp_changes;  /* esp_history.csv rows, then (master_finish) each
                                                   esp_inactivated_on; sorted by recipient, date after it */
    MASTER_VEC(master_withholding) withholding; /* withholding.csv rows; sorted by provider, effective_from
                                                   after master_finish (empty: the file is absent) */
    cal_holidays holidays;                      /* weekday holidays, sorted (after master_finish) */
    cal_date *holiday_weekdays;
    uint32_t *auth_first;       /* recipient r's authorizations are auth_first[r] .. auth_first[r + 1] - 1 */
    uint32_t *asg_first;        /* provider p's assignments are asg_first[p] .. asg_first[p + 1] - 1 */
    uint32_t *esp_first;        /* recipient r's ESP changes are esp_first[r] .. esp_first[r + 1] - 1 */
    uint32_t *wh_first;         /* provider p's withholding rows are wh_first[p] .. wh_first[p + 1] - 1 */
    int32_t *first_overpayment; /* per provider: its oldest overpayment, -1 none; chained by next_overpayment */
    int32_t *next_overpayment;
    ids_pool text;
    const char *file_assignments;   /* path for messages from master_finish */
    /* Non-NULL when every array above is borrowed from one read-only block (a mapped
     * snapshot, formats/mastersnap.c) instead of owned: master_free then hands the
     * block to release and frees none of the arrays. Nothing may grow or write such
     * masters. */
    void *borrowed;
    size_t borrowed_size;
    void (*release)(void *block, size_t size);
} masters;

/* Grows vec by one zeroed element and returns it, or NULL out of memory. */
void *master_vec_push(void *vec, size_t elem_size);
#define MASTER_PUSH(vecp) ((__typeof__((vecp)->v))master_vec_push((vecp), sizeof *(vecp)->v))

/* Builds the indexes and checks the masters as a whole: duplicate authorization
 * months, overlapping assignments of one pair, two ESP status changes of one recipient
 * on one date, two withholding.csv rows of one provider on one date. Adds each
 * recipients.csv esp_inactivated_on to the ESP changes. Returns 0, or -1 with the
 * offending row's line in *line, the file it belongs to in *file ("authorizations.csv",
 * "assignments.csv", "esp_history.csv" or "withholding.csv"; "" with line 0 when out of
 * memory) and what is wrong in msg; the masters must then be freed. */
int master_finish(masters *m, const char **file, int32_t *line, char *msg, size_t msglen);

/* The authorization of recipient for a month key, or NULL. */
const master_authorization *master_authorization_for(const masters *m, int32_t recipient, int32_t month);

/* The assignments of a provider-recipient pair: *count rows starting at the
 * returned pointer, by start date; NULL when the pair has none. */
const master_assignment *master_pair_assignments(const masters *m, int32_t provider, int32_t recipient, size_t *count);

/* The assignment of the pair that covers day, or NULL. */
const master_assignment *master_assignment_on(const masters *m, int32_t provider, int32_t recipient, cal_date day);

/* The ESP status changes of recipient in date order: *count rows starting at the
 * returned pointer; NULL and 0 when it has none (its account is active throughout)
 * or the recipient index is out of range. */
const master_esp_change *master_esp_history(const masters *m, int32_t recipient, size_t *count);

/* The recipient's ESP status in force on day (docs/rules.md §5.6): the latest change dated on or
 * before day; active before the first change. Returns 1 inactive, 0 active. *since is
 * the date the status in force began: the first of the unbroken run of changes to that
 * status (a repeated change to the same status changes nothing); CAL_NONE when active
 * and never inactivated on or before day. Never fails. */
int master_esp_inactive_on(const masters *m, int32_t recipient, cal_date day, cal_date *since);

/* The provider's withholding.csv row in force on day: the one with the latest
 * effective_from on or before day; NULL when none is (nothing is withheld) or the
 * provider index is out of range. */
const master_withholding *master_withholding_for(const masters *m, int32_t provider, cal_date day);

static inline const char *master_text(const masters *m, size_t off) { return m->text.buf + off; }

/* Frees what the masters own (or releases the borrowed block) and zeroes them. Never fails. */
void master_free(masters *m);

#endif
