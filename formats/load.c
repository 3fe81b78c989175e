/* load.c — parses parameters.csv and the master files, strictly: any bad row is fatal. */
#include "load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "field.h"

static const char *const file_names[LOAD_NFILES] = {
    "parameters.csv", "providers.csv", "recipients.csv", "authorizations.csv",
    "assignments.csv", "overpayments.csv", "holidays.csv", "writ_worksheets.csv", "esp_history.csv",
    "withholding.csv",
};

const char *load_file_name(int which) { return file_names[which]; }

/* The state of one file being loaded. */
typedef struct {
    masters *m;
    const csvr_column *cols;
    const csvr_row *row;
    char *err;
    size_t errlen;
    /* references looked up by prepare_refs on the reader thread: column ref_col[k]
     * in table ref_table[k] (NULL: none) */
    int ref_col[2];
    const ids_table *ref_table[2];
    const ids_table *new_ids;       /* the table this file adds its ids to (column 0) */
    int nomem;                      /* an allocation failed: exit 4, not bad data */
} loader;

/* The look-ahead of providers.csv and recipients.csv: the slot of the next row's id
 * is fetched while this row is added. */
static void ahead_new_id(void *ctx, const csvr_row *next)
{
    const loader *l = ctx;
    size_t n;
    const char *v = csvr_get(next, 0, &n);
    ids_prefetch(l->new_ids, v, n);
}

/* The indexes of a row's references, -1 when not found. */
typedef struct {
    int32_t idx[2];
} prepared_refs;

/* The prepare hook of files whose references point into tables already complete
 * (recipients for authorizations, providers and recipients for assignments): the
 * lookups run on the reader thread, which only reads those tables. */
static void prepare_refs(void *ctx, const csvr_row *row, void *out)
{
    const loader *l = ctx;
    prepared_refs *p = out;
    for (int k = 0; k < 2; k++) {
        size_t n;
        const char *v = l->ref_table[k] ? csvr_get(row, l->ref_col[k], &n) : NULL;
        p->idx[k] = v ? ids_find(l->ref_table[k], v, n) : -1;
    }
}

/* Formats "file:line: column: what" into the error buffer; returns CSVR_ERROR. */
static int bad(loader *l, int col, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s:%ld: %s: %s", l->row->path, l->row->line, l->cols[col].name, what);
    return CSVR_ERROR;
}

#define OOM(l) ((l)->nomem = 1, bad(l, 0, "out of memory"))

/* "what (value)" with the value shown as printable text, cut at 60 bytes. */
static int bad_value(loader *l, int col, const char *what, const char *s, size_t n)
{
    char shown[256];
    fld_escape(s, n > 60 ? 60 : n, shown, sizeof shown);
    return bad(l, col, "%s (%s)", what, shown);
}

/* Checks that free text of column c is UTF-8 (docs/formats.md: every file is UTF-8). */
static int check_utf8(loader *l, int c, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = fld_utf8_seq(s + i, n - i);
        if (k == 0 || (unsigned char)s[i] < 0x20)
            return bad_value(l, c, "not UTF-8 text (or a control byte)", s, n);
        i += k;
    }
    return 0;
}

/* Field of column c as s/n. */
#define FIELD(c) size_t n##c; const char *s##c = csvr_get(l->row, c, &n##c)
/* Runs a parser on column c; on failure reports it with the field's text. */
#define PARSE(c, call) do { const char *e_ = (call); if (e_) return bad_value(l, c, e_, s##c, n##c); } while (0)

/* Checks the row's field count against the header's. */
static int check_shape(loader *l)
{
    if (l->row->nfields != l->row->nheader) {
        snprintf(l->err, l->errlen, "%s:%ld: row: has %zu fields, the header has %zu", l->row->path, l->row->line,
                 l->row->nfields, l->row->nheader);
        return CSVR_ERROR;
    }
    return 0;
}

/* ---- parameters.csv ---- */
enum { PA_PARAMETER, PA_SCOPE, PA_FROM, PA_VALUE, PA_REFERENCE };
static const csvr_column param_cols[] = {
    {"parameter", 1}, {"scope", 1}, {"effective_from", 1}, {"value", 1}, {"reference", 1}};

static int param_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(PA_PARAMETER);
    FIELD(PA_SCOPE);
    FIELD(PA_FROM);
    FIELD(PA_VALUE);
    FIELD(PA_REFERENCE);
    param_table *t = &l->m->params;
    param_row r = {.line = (int32_t)row->line, .present = 1, .scale = -1};
    int id = param_lookup_name(sPA_PARAMETER, nPA_PARAMETER);
    if (id < 0)
        return bad(l, PA_PARAMETER, "unknown parameter %.*s", (int)(nPA_PARAMETER > 60 ? 60 : nPA_PARAMETER),
                   sPA_PARAMETER);
    r.id = (param_id)id;
    if (nPA_SCOPE == 1 && sPA_SCOPE[0] == '*')
        r.county = PARAM_STATEWIDE;
    else {
        PARSE(PA_SCOPE, fld_county(sPA_SCOPE, nPA_SCOPE));
        if (param_by_pay_date(r.id))
            return bad(l, PA_SCOPE, "%s goes by pay date and is statewide: scope must be *", param_name(r.id));
        r.county = ids_intern(&t->counties, sPA_SCOPE, nPA_SCOPE, NULL);
        if (r.county < 0)
            return OOM(l);
    }
    PARSE(PA_FROM, fld_date(sPA_FROM, nPA_FROM, &r.from));
    param_scale scale, *sp = NULL;
    switch (param_type_of(r.id)) {
    case PT_MONEY: PARSE(PA_VALUE, fld_money(sPA_VALUE, nPA_VALUE, &r.value)); break;
    case PT_MONEY_OPT: PARSE(PA_VALUE, fld_money_opt(sPA_VALUE, nPA_VALUE, &r.value, &r.present)); break;
    case PT_FRAC: PARSE(PA_VALUE, fld_frac(sPA_VALUE, nPA_VALUE, &r.value)); break;
    case PT_HOURS: {
        int32_t minutes;
        PARSE(PA_VALUE, fld_hours(sPA_VALUE, nPA_VALUE, &minutes));
        r.value = minutes;
        break;
    }
    case PT_SCALE: PARSE(PA_VALUE, fld_scale(sPA_VALUE, nPA_VALUE, &scale)); sp = &scale; break;
    case PT_COUNT: PARSE(PA_VALUE, fld_count(sPA_VALUE, nPA_VALUE, &r.value)); break;
    case PT_TAX_TABLE: PARSE(PA_VALUE, fld_tax_table(sPA_VALUE, nPA_VALUE, &scale)); sp = &scale; break;
    case PT_ALLOWANCE_TABLE: PARSE(PA_VALUE, fld_allowance_table(sPA_VALUE, nPA_VALUE, &scale)); sp = &scale; break;
    }
    if (nPA_REFERENCE == 0)
        return bad(l, PA_REFERENCE, "empty: every parameter cites its source");
    if (check_utf8(l, PA_REFERENCE, sPA_REFERENCE, nPA_REFERENCE))
        return CSVR_ERROR;
    if (param_add(t, &r, sp, sPA_REFERENCE, nPA_REFERENCE) != 0)
        return OOM(l);
    return 0;
}

/* Known county of column c, or an error. */
static int county_of(loader *l, int c, const char *s, size_t n, int32_t *county)
{
    const char *e = fld_county(s, n);
    if (e)
        return bad_value(l, c, e, s, n);
    *county = param_county(&l->m->params, s, n);
    if (*county < 0)
        return bad(l, c, "unknown county %.*s (no wage.hourly row in parameters.csv)", (int)n, s);
    return 0;
}

/* The index of s (column c) in table t, -1 when it is not there; looked up on the
 * reader thread already when c is one of prepare_refs' columns. Never fails. */
static int32_t ref_index(const loader *l, int c, const ids_table *t, const char *s, size_t n)
{
    const prepared_refs *p = l->row->prepared;
    for (int j = 0; j < 2 && p; j++)
        if (l->ref_table[j] == t && l->ref_col[j] == c)
            return p->idx[j];
    return ids_find(t, s, n);
}

/* Index of an existing id of table t in column c, or an error naming the file it should be in. */
static int existing(loader *l, int c, const ids_table *t, const char *file, const char *s, size_t n, int32_t *idx)
{
    const char *e = fld_id(s, n);
    if (e)
        return bad_value(l, c, e, s, n);
    *idx = ref_index(l, c, t, s, n);
    if (*idx < 0)
        return bad(l, c, "%.*s is not in %s", (int)n, s, file);
    return 0;
}

/* Adds a new id of table t from column c; a duplicate is an error. */
static int new_id(loader *l, int c, ids_table *t, const char *s, size_t n, int32_t *idx)
{
    const char *e = fld_id(s, n);
    if (e)
        return bad_value(l, c, e, s, n);
    int added;
    *idx = ids_intern(t, s, n, &added);
    if (*idx < 0)
        return OOM(l);
    if (!added)
        return bad(l, c, "duplicate id %.*s", (int)n, s);
    return 0;
}

/* Stores free text of column c (a name, an SR number) after checking it is UTF-8. */
static int text(loader *l, int c, const char *s, size_t n, size_t *off)
{
    if (check_utf8(l, c, s, n))
        return CSVR_ERROR;
    *off = ids_pool_add(&l->m->text, s, n);
    return *off == (size_t)-1 ? OOM(l) : 0;
}

/* ---- providers.csv ---- */
enum { PR_ID, PR_NAME, PR_COUNTY, PR_ENROLLMENT, PR_SDI, PR_UNION, PR_EXEMPTION };
static const csvr_column provider_cols[] = {{"provider_id", 1}, {"name", 1}, {"county", 1}, {"enrollment", 1},
                                            {"elective_sdi", 1}, {"union_member", 1}, {"workweek_exemption", 1}};

static int provider_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(PR_ID);
    FIELD(PR_NAME);
    FIELD(PR_COUNTY);
    FIELD(PR_ENROLLMENT);
    FIELD(PR_SDI);
    FIELD(PR_UNION);
    FIELD(PR_EXEMPTION);
    int32_t idx;
    int yn;
    if (new_id(l, PR_ID, &l->m->provider_ids, sPR_ID, nPR_ID, &idx))
        return CSVR_ERROR;
    master_provider *p = MASTER_PUSH(&l->m->providers);
    if (!p)
        return OOM(l);
    p->line = (int32_t)row->line;
    /* the name is checked (UTF-8 free text) but not kept: nothing the run writes uses it */
    if (check_utf8(l, PR_NAME, sPR_NAME, nPR_NAME) || county_of(l, PR_COUNTY, sPR_COUNTY, nPR_COUNTY, &p->county))
        return CSVR_ERROR;
    if (nPR_ENROLLMENT == 8 && memcmp(sPR_ENROLLMENT, "complete", 8) == 0)
        p->enrollment_complete = 1;
    else if (!(nPR_ENROLLMENT == 7 && memcmp(sPR_ENROLLMENT, "pending", 7) == 0))
        return bad(l, PR_ENROLLMENT, "expected complete or pending (%.*s)", (int)nPR_ENROLLMENT, sPR_ENROLLMENT);
    PARSE(PR_SDI, fld_yn(sPR_SDI, nPR_SDI, &yn));
    p->elective_sdi = (uint8_t)yn;
    PARSE(PR_UNION, fld_yn(sPR_UNION, nPR_UNION, &yn));
    p->union_member = (uint8_t)yn;
    PARSE(PR_EXEMPTION, fld_yn(sPR_EXEMPTION, nPR_EXEMPTION, &yn));
    p->workweek_exemption = (uint8_t)yn;
    return 0;
}

/* ---- recipients.csv ---- */
enum { RE_ID, RE_NAME, RE_COUNTY, RE_BIRTH, RE_SEVERE, RE_BUPS_EXC, RE_ESP };
static const csvr_column recipient_cols[] = {{"recipient_id", 1}, {"name", 1}, {"county", 1}, {"birth_date", 1},
                                             {"severely_impaired", 1}, {"bups_exception", 1},
                                             {"esp_inactivated_on", 0}};

static int recipient_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(RE_ID);
    FIELD(RE_NAME);
    FIELD(RE_COUNTY);
    FIELD(RE_BIRTH);
    FIELD(RE_SEVERE);
    FIELD(RE_BUPS_EXC);
    FIELD(RE_ESP);
    int32_t idx;
    int yn;
    if (new_id(l, RE_ID, &l->m->recipient_ids, sRE_ID, nRE_ID, &idx))
        return CSVR_ERROR;
    master_recipient *r = MASTER_PUSH(&l->m->recipients);
    if (!r)
        return OOM(l);
    r->line = (int32_t)row->line;
    if (check_utf8(l, RE_NAME, sRE_NAME, nRE_NAME) || county_of(l, RE_COUNTY, sRE_COUNTY, nRE_COUNTY, &r->county))
        return CSVR_ERROR;
    PARSE(RE_BIRTH, fld_date(sRE_BIRTH, nRE_BIRTH, &r->birth_date));
    PARSE(RE_SEVERE, fld_yn(sRE_SEVERE, nRE_SEVERE, &yn));
    r->severely_impaired = (uint8_t)yn;
    PARSE(RE_BUPS_EXC, fld_yn(sRE_BUPS_EXC, nRE_BUPS_EXC, &yn));
    r->bups_exception = (uint8_t)yn;
    PARSE(RE_ESP, fld_date_opt(sRE_ESP, nRE_ESP, &r->esp_inactivated_on));
    return 0;
}

/* ---- authorizations.csv ---- */
enum { AU_RECIPIENT, AU_MONTH, AU_HOURS, AU_SOC, AU_SOC_MET, AU_MEDICAL };
static const csvr_column authorization_cols[] = {{"recipient_id", 1},  {"month", 1},
                                                 {"authorized_hours", 1}, {"share_of_cost", 1},
                                                 {"soc_met_by_medical", 1}, {"medi_cal_eligible", 1}};

static int authorization_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(AU_RECIPIENT);
    FIELD(AU_MONTH);
    FIELD(AU_HOURS);
    FIELD(AU_SOC);
    FIELD(AU_SOC_MET);
    FIELD(AU_MEDICAL);
    master_authorization *a = MASTER_PUSH(&l->m->authorizations);
    int yn;
    if (!a)
        return OOM(l);
    a->line = (int32_t)row->line;
    if (existing(l, AU_RECIPIENT, &l->m->recipient_ids, "recipients.csv", sAU_RECIPIENT, nAU_RECIPIENT,
                 &a->recipient))
        return CSVR_ERROR;
    PARSE(AU_MONTH, fld_month(sAU_MONTH, nAU_MONTH, &a->month));
    PARSE(AU_HOURS, fld_hours(sAU_HOURS, nAU_HOURS, &a->authorized_minutes));
    PARSE(AU_SOC, fld_money(sAU_SOC, nAU_SOC, &a->share_of_cost));
    PARSE(AU_SOC_MET, fld_money(sAU_SOC_MET, nAU_SOC_MET, &a->soc_met_by_medical));
    PARSE(AU_MEDICAL, fld_yn(sAU_MEDICAL, nAU_MEDICAL, &yn));
    a->medi_cal_eligible = (uint8_t)yn;
    return 0;
}

/* ---- assignments.csv ---- */
enum { AS_PROVIDER, AS_RECIPIENT, AS_RELATIONSHIP, AS_BACKUP, AS_START, AS_END };
static const csvr_column assignment_cols[] = {{"provider_id", 1}, {"recipient_id", 1}, {"relationship", 1},
                                              {"backup", 1},      {"start_date", 1},   {"end_date", 0}};

static int assignment_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(AS_PROVIDER);
    FIELD(AS_RECIPIENT);
    FIELD(AS_RELATIONSHIP);
    FIELD(AS_BACKUP);
    FIELD(AS_START);
    FIELD(AS_END);
    static const char *const rel[] = {"parent", "spouse", "child", "other"};
    master_assignment *a = MASTER_PUSH(&l->m->assignments);
    if (!a)
        return OOM(l);
    a->line = (int32_t)row->line;
    if (existing(l, AS_PROVIDER, &l->m->provider_ids, "providers.csv", sAS_PROVIDER, nAS_PROVIDER, &a->provider) ||
        existing(l, AS_RECIPIENT, &l->m->recipient_ids, "recipients.csv", sAS_RECIPIENT, nAS_RECIPIENT,
                 &a->recipient))
        return CSVR_ERROR;
    int found = 0;
    for (int i = 0; i < 4 && !found; i++)
        if (strlen(rel[i]) == nAS_RELATIONSHIP && memcmp(rel[i], sAS_RELATIONSHIP, nAS_RELATIONSHIP) == 0) {
            a->relationship = (master_relationship)i;
            found = 1;
        }
    if (!found)
        return bad(l, AS_RELATIONSHIP, "expected parent, spouse, child or other (%.*s)", (int)nAS_RELATIONSHIP,
                   sAS_RELATIONSHIP);
    if (nAS_BACKUP == 4 && memcmp(sAS_BACKUP, "bups", 4) == 0)
        a->bups = 1;
    else if (!(nAS_BACKUP == 2 && memcmp(sAS_BACKUP, "no", 2) == 0))
        return bad(l, AS_BACKUP, "expected bups or no (%.*s)", (int)nAS_BACKUP, sAS_BACKUP);
    PARSE(AS_START, fld_date(sAS_START, nAS_START, &a->start));
    PARSE(AS_END, fld_date_opt(sAS_END, nAS_END, &a->end));
    if (a->end == CAL_NONE)
        a->end = CAL_OPEN;
    if (a->end < a->start)
        return bad(l, AS_END, "end_date is before start_date");
    return 0;
}

/* ---- overpayments.csv ---- */
enum { OV_PROVIDER, OV_ID, OV_BALANCE, OV_MAX };
static const csvr_column overpayment_cols[] = {
    {"provider_id", 1}, {"overpayment_id", 1}, {"balance", 1}, {"per_check_max", 1}};

static int overpayment_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(OV_PROVIDER);
    FIELD(OV_ID);
    FIELD(OV_BALANCE);
    FIELD(OV_MAX);
    int32_t idx;
    master_overpayment *o = MASTER_PUSH(&l->m->overpayments);
    if (!o)
        return OOM(l);
    o->line = (int32_t)row->line;
    if (existing(l, OV_PROVIDER, &l->m->provider_ids, "providers.csv", sOV_PROVIDER, nOV_PROVIDER, &o->provider) ||
        new_id(l, OV_ID, &l->m->overpayment_ids, sOV_ID, nOV_ID, &idx))
        return CSVR_ERROR;
    o->id = ids_pool_add(&l->m->text, sOV_ID, nOV_ID);
    if (o->id == (size_t)-1)
        return OOM(l);
    PARSE(OV_BALANCE, fld_money(sOV_BALANCE, nOV_BALANCE, &o->balance));
    PARSE(OV_MAX, fld_money(sOV_MAX, nOV_MAX, &o->per_check_max));
    return 0;
}

/* ---- holidays.csv ---- */
enum { HO_DATE, HO_NAME };
static const csvr_column holiday_cols[] = {{"date", 1}, {"name", 1}};

static int holiday_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(HO_DATE);
    FIELD(HO_NAME);
    if (check_utf8(l, HO_NAME, sHO_NAME, nHO_NAME))
        return CSVR_ERROR;
    cal_date *d = MASTER_PUSH(&l->m->holiday_dates);
    if (!d)
        return OOM(l);
    PARSE(HO_DATE, fld_date(sHO_DATE, nHO_DATE, d));
    return 0;
}

/* ---- writ_worksheets.csv ---- */
enum { WR_TIMESHEET, WR_REASON, WR_SR, WR_REG_RATE, WR_OT_RATE, WR_REG_HOURS, WR_OT_HOURS };
static const csvr_column writ_cols[] = {{"timesheet_id", 1},  {"reason", 1},         {"sr_number", 1},
                                        {"regular_rate", 1},  {"overtime_rate", 1},  {"regular_hours", 1},
                                        {"overtime_hours", 1}};

static int writ_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(WR_TIMESHEET);
    FIELD(WR_REASON);
    FIELD(WR_SR);
    FIELD(WR_REG_RATE);
    FIELD(WR_OT_RATE);
    FIELD(WR_REG_HOURS);
    FIELD(WR_OT_HOURS);
    static const char *const reasons[] = {"court_order", "system_defect", "county_admin", "state_hearing"};
    int32_t idx;
    if (new_id(l, WR_TIMESHEET, &l->m->writ_ids, sWR_TIMESHEET, nWR_TIMESHEET, &idx))
        return CSVR_ERROR;
    master_writ *w = MASTER_PUSH(&l->m->writs);
    if (!w)
        return OOM(l);
    w->line = (int32_t)row->line;
    w->reason = WRIT_OTHER;
    for (int i = 0; i < 4; i++)
        if (strlen(reasons[i]) == nWR_REASON && memcmp(reasons[i], sWR_REASON, nWR_REASON) == 0)
            w->reason = (master_writ_reason)i;
    if (text(l, WR_REASON, sWR_REASON, nWR_REASON, &w->reason_text) || text(l, WR_SR, sWR_SR, nWR_SR, &w->sr_number))
        return CSVR_ERROR;
    PARSE(WR_REG_RATE, fld_rate(sWR_REG_RATE, nWR_REG_RATE, &w->regular_rate));
    PARSE(WR_OT_RATE, fld_rate(sWR_OT_RATE, nWR_OT_RATE, &w->overtime_rate));
    PARSE(WR_REG_HOURS, fld_hours(sWR_REG_HOURS, nWR_REG_HOURS, &w->regular_minutes));
    PARSE(WR_OT_HOURS, fld_hours(sWR_OT_HOURS, nWR_OT_HOURS, &w->overtime_minutes));
    return 0;
}

/* ---- esp_history.csv (docs/formats.md, docs/rules.md §5.6) ---- */
enum { EH_RECIPIENT, EH_STATUS, EH_FROM };
static const csvr_column esp_history_cols[] = {{"recipient_id", 1}, {"status", 1}, {"from_date", 1}};

/* One change of a recipient's ESP registration status. Fails on an unknown recipient,
 * a status other than inactive/active, a bad date, or the date of the recipient's
 * esp_inactivated_on (that date is already a change); two rows of one recipient on one
 * date are found by master_finish. */
static int esp_history_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    FIELD(EH_RECIPIENT);
    FIELD(EH_STATUS);
    FIELD(EH_FROM);
    master_esp_change *c = MASTER_PUSH(&l->m->esp_changes);
    if (!c)
        return OOM(l);
    c->line = (int32_t)row->line;
    if (existing(l, EH_RECIPIENT, &l->m->recipient_ids, "recipients.csv", sEH_RECIPIENT, nEH_RECIPIENT,
                 &c->recipient))
        return CSVR_ERROR;
    if (nEH_STATUS == 8 && memcmp(sEH_STATUS, "inactive", 8) == 0)
        c->inactive = 1;
    else if (!(nEH_STATUS == 6 && memcmp(sEH_STATUS, "active", 6) == 0))
        return bad_value(l, EH_STATUS, "expected inactive or active", sEH_STATUS, nEH_STATUS);
    PARSE(EH_FROM, fld_date(sEH_FROM, nEH_FROM, &c->from));
    const master_recipient *r = &l->m->recipients.v[c->recipient];
    if (r->esp_inactivated_on == c->from) {
        char day[11];
        cal_format(c->from, day);
        return bad(l, EH_FROM, "recipient %.*s was inactivated on %s in recipients.csv (esp_inactivated_on, line "
                   "%d): one ESP status change per recipient and date", (int)nEH_RECIPIENT, sEH_RECIPIENT, day,
                   (int)r->line);
    }
    return 0;
}

/* ---- withholding.csv (SPEC-withholding A.1; docs/formats.md) ---- */
enum { WC_PROVIDER, WC_FROM, WC_FED_STATUS, WC_FED_W4, WC_FED_MULTIPLE_JOBS, WC_FED_DEPENDENTS, WC_FED_OTHER_INCOME,
       WC_FED_DEDUCTIONS, WC_FED_EXTRA, WC_FED_ALLOWANCES, WC_CA_STATUS, WC_CA_ALLOWANCES, WC_CA_ADDITIONAL,
       WC_CA_EXTRA, WC_N };
static const csvr_column withholding_cols[WC_N] = {
    {"provider_id", 1},       {"effective_from", 1}, {"fed_status", 1},       {"fed_w4", 1},
    {"fed_multiple_jobs", 1}, {"fed_dependents", 1}, {"fed_other_income", 1}, {"fed_deductions", 1},
    {"fed_extra", 1},         {"fed_allowances", 1}, {"ca_status", 1},        {"ca_allowances", 1},
    {"ca_additional_allowances", 1},                 {"ca_extra", 1}};

/* The fields of one withholding.csv row, by column. */
typedef struct {
    const char *s[WC_N];
    size_t n[WC_N];
} wh_fields;

/* Whether column c is exactly word. */
static int wh_is(const wh_fields *f, int c, const char *word)
{
    return f->n[c] == strlen(word) && memcmp(f->s[c], word, f->n[c]) == 0;
}

/* A filing status of column c (single, married, head, none) into *out. Fails with
 * "must be single, married, head or none". */
static int wh_status(loader *l, const wh_fields *f, int c, uint8_t *out)
{
    static const char *const words[] = {[WH_NONE] = "none", [WH_SINGLE] = "single", [WH_MARRIED] = "married",
                                        [WH_HEAD] = "head"};
    for (int k = 0; k < 4; k++)
        if (wh_is(f, c, words[k])) {
            *out = (uint8_t)k;
            return 0;
        }
    return bad(l, c, "must be single, married, head or none");
}

/* An amount of column c (docs/formats.md "money"), empty = 0.00, into *out. Fails with
 * "not an amount (at most 2 decimals, not negative)". */
static int wh_amount(loader *l, const wh_fields *f, int c, money_cents *out)
{
    *out = 0;
    if (f->n[c] > 0 && fld_money(f->s[c], f->n[c], out) != NULL)
        return bad(l, c, "not an amount (at most 2 decimals, not negative)");
    return 0;
}

/* A count of column c: a whole number 0-999, empty = 0, into *out. Fails with "must be a
 * whole number 0-999". */
static int wh_count(loader *l, const wh_fields *f, int c, int32_t *out)
{
    int64_t v = 0;
    if (f->n[c] > 0 && (fld_count(f->s[c], f->n[c], &v) != NULL || v > 999))
        return bad(l, c, "must be a whole number 0-999");
    *out = (int32_t)v;
    return 0;
}

/* Columns first .. last must be empty; fails on the first that is not, "must be empty
 * when <why>". */
static int wh_empty(loader *l, const wh_fields *f, int first, int last, const char *why)
{
    for (int c = first; c <= last; c++)
        if (f->n[c] > 0)
            return bad(l, c, "must be empty when %s", why);
    return 0;
}

/* The fed_* columns after fed_status (A.1 checks 4 and 5, in that order) into w. Fails
 * on the first check that fails, with its message. */
static int wh_federal(loader *l, const wh_fields *f, master_withholding *w)
{
    if (w->fed_status == WH_NONE)
        return wh_empty(l, f, WC_FED_W4, WC_FED_ALLOWANCES, "fed_status is none");
    if (wh_is(f, WC_FED_W4, "pre2020"))
        w->fed_pre2020 = 1;
    else if (!wh_is(f, WC_FED_W4, "2020"))
        return bad(l, WC_FED_W4, "must be 2020 or pre2020");
    if (!w->fed_pre2020) {
        int yn;
        if (fld_yn(f->s[WC_FED_MULTIPLE_JOBS], f->n[WC_FED_MULTIPLE_JOBS], &yn) != NULL)
            return bad(l, WC_FED_MULTIPLE_JOBS, "must be y or n");
        w->fed_multiple_jobs = (uint8_t)yn;
        if (wh_amount(l, f, WC_FED_DEPENDENTS, &w->fed_dependents) ||
            wh_amount(l, f, WC_FED_OTHER_INCOME, &w->fed_other_income) ||
            wh_amount(l, f, WC_FED_DEDUCTIONS, &w->fed_deductions) ||
            wh_empty(l, f, WC_FED_ALLOWANCES, WC_FED_ALLOWANCES, "fed_w4 is 2020"))
            return CSVR_ERROR;
    } else {
        if (w->fed_status == WH_HEAD)
            return bad(l, WC_FED_STATUS, "head of household needs fed_w4=2020");
        if (wh_empty(l, f, WC_FED_MULTIPLE_JOBS, WC_FED_DEDUCTIONS, "fed_w4 is pre2020"))
            return CSVR_ERROR;
        if (f->n[WC_FED_ALLOWANCES] == 0)
            return bad(l, WC_FED_ALLOWANCES, "required when fed_w4 is pre2020");
        if (wh_count(l, f, WC_FED_ALLOWANCES, &w->fed_allowances))
            return CSVR_ERROR;
    }
    return wh_amount(l, f, WC_FED_EXTRA, &w->fed_extra);
}

/* One row of withholding.csv: a provider's W-4 and DE 4 from a date on. The checks run
 * in the order of SPEC-withholding A.1 (docs/formats.md) and the first that fails is
 * reported, "withholding.csv:LINE: COLUMN: what is wrong"; two rows of one provider and
 * date are found by master_finish. */
static int withholding_row_cb(void *ctx, const csvr_row *row)
{
    loader *l = ctx;
    l->row = row;
    if (check_shape(l))
        return CSVR_ERROR;
    wh_fields f;
    for (int c = 0; c < WC_N; c++)
        f.s[c] = csvr_get(row, c, &f.n[c]);
    master_withholding *w = MASTER_PUSH(&l->m->withholding);
    if (!w)
        return OOM(l);
    w->line = (int32_t)row->line;
    w->provider = ref_index(l, WC_PROVIDER, &l->m->provider_ids, f.s[WC_PROVIDER], f.n[WC_PROVIDER]);
    if (w->provider < 0)
        return bad(l, WC_PROVIDER, "unknown provider");
    if (fld_date(f.s[WC_FROM], f.n[WC_FROM], &w->from) != NULL)
        return bad(l, WC_FROM, "not a date (YYYY-MM-DD)");
    if (wh_status(l, &f, WC_FED_STATUS, &w->fed_status) || wh_federal(l, &f, w) ||
        wh_status(l, &f, WC_CA_STATUS, &w->ca_status))
        return CSVR_ERROR;
    if (w->ca_status == WH_NONE)
        return wh_empty(l, &f, WC_CA_ALLOWANCES, WC_CA_EXTRA, "ca_status is none");
    if (wh_count(l, &f, WC_CA_ALLOWANCES, &w->ca_allowances) ||
        wh_count(l, &f, WC_CA_ADDITIONAL, &w->ca_additional_allowances))
        return CSVR_ERROR;
    return wh_amount(l, &f, WC_CA_EXTRA, &w->ca_extra);
}

static const struct {
    const csvr_column *cols;
    int ncols;
    csvr_row_fn fn;
    int optional;
} file_spec[LOAD_NFILES] = {
    [LOAD_PARAMETERS] = {param_cols, 5, param_row_cb, 0},
    [LOAD_PROVIDERS] = {provider_cols, 7, provider_row_cb, 0},
    [LOAD_RECIPIENTS] = {recipient_cols, 7, recipient_row_cb, 0},
    [LOAD_AUTHORIZATIONS] = {authorization_cols, 6, authorization_row_cb, 0},
    [LOAD_ASSIGNMENTS] = {assignment_cols, 6, assignment_row_cb, 0},
    [LOAD_OVERPAYMENTS] = {overpayment_cols, 4, overpayment_row_cb, 1},
    [LOAD_HOLIDAYS] = {holiday_cols, 2, holiday_row_cb, 1},
    [LOAD_WRIT_WORKSHEETS] = {writ_cols, 7, writ_row_cb, 1},
    [LOAD_ESP_HISTORY] = {esp_history_cols, 3, esp_history_row_cb, 1},
    [LOAD_WITHHOLDING] = {withholding_cols, WC_N, withholding_row_cb, 1},
};

int load_file_columns(int which, const csvr_column **cols)
{
    *cols = file_spec[which].cols;
    return file_spec[which].ncols;
}

int load_file_optional(int which) { return file_spec[which].optional; }

int load_masters(const char *dir, masters *m, load_file files[LOAD_NFILES], char *err, size_t errlen)
{
    return load_masters_params(dir, NULL, m, files, err, errlen);
}

int load_locate(const char *dir, const char *params_path, load_file files[LOAD_NFILES], char *err, size_t errlen)
{
    for (int f = 0; f < LOAD_NFILES; f++) {
        load_file *lf = &files[f];
        memset(lf, 0, sizeof *lf);
        int n = f == LOAD_PARAMETERS && params_path ? snprintf(lf->path, sizeof lf->path, "%s", params_path)
                                                    : snprintf(lf->path, sizeof lf->path, "%s/%s", dir, file_names[f]);
        if ((size_t)n >= sizeof lf->path) {
            snprintf(err, errlen, "%s: data directory path too long", dir);
            return -1;
        }
        lf->present = !(file_spec[f].optional && access(lf->path, F_OK) != 0 && errno == ENOENT);
    }
    return 0;
}

int load_masters_params(const char *dir, const char *params_path, masters *m, load_file files[LOAD_NFILES], char *err,
                        size_t errlen)
{
    return load_masters_with(dir, params_path, NULL, m, files, err, errlen);
}

int load_masters_with(const char *dir, const char *params_path, load_file *extra, masters *m,
                      load_file files[LOAD_NFILES], char *err, size_t errlen)
{
    if (load_locate(dir, params_path, files, err, errlen) != 0)
        return -1;
    for (int k = 0; k <= LOAD_NFILES; k++) {
        /* the overpayments corrections created come after every file, so after overpayments.csv's */
        int f = k < LOAD_NFILES ? k : LOAD_OVERPAYMENTS;
        load_file *lf = k < LOAD_NFILES ? &files[k] : extra;
        if (!lf || !lf->present)
            continue;
        loader l = {.m = m, .cols = file_spec[f].cols, .err = err, .errlen = errlen};
        csvr_hooks hooks = {.fn = file_spec[f].fn, .ctx = &l, .limits_fatal = 1};     /* docs/formats.md "Input limits": fatal in master files */
        if (f == LOAD_AUTHORIZATIONS || f == LOAD_ESP_HISTORY) {
            l.ref_col[0] = f == LOAD_AUTHORIZATIONS ? AU_RECIPIENT : EH_RECIPIENT;
            l.ref_table[0] = &m->recipient_ids;
        } else if (f == LOAD_WITHHOLDING) {
            l.ref_col[0] = WC_PROVIDER;
            l.ref_table[0] = &m->provider_ids;
        } else if (f == LOAD_ASSIGNMENTS) {
            l.ref_col[0] = AS_PROVIDER;
            l.ref_table[0] = &m->provider_ids;
            l.ref_col[1] = AS_RECIPIENT;
            l.ref_table[1] = &m->recipient_ids;
        }
        if (f == LOAD_PROVIDERS || f == LOAD_RECIPIENTS) {
            l.new_ids = f == LOAD_PROVIDERS ? &m->provider_ids : &m->recipient_ids;
            hooks.ahead = ahead_new_id;
        }
        if (l.ref_table[0]) {
            hooks.prepare = prepare_refs;
            hooks.prepared_size = sizeof(prepared_refs);
        }
        if (csvr_read_hooks(lf->path, file_spec[f].cols, file_spec[f].ncols, &hooks, &lf->info, err, errlen) != 0)
            return l.nomem || lf->info.internal_error ? LOAD_NO_MEMORY : -1;
        if (f == LOAD_PARAMETERS) {
            int32_t line;
            char msg[400];
            if (param_finish(&m->params, &line, msg, sizeof msg) != 0) {
                snprintf(err, errlen, "%s:%d: %s", lf->path, (int)line, msg);
                return line == 0 ? LOAD_NO_MEMORY : -1;     /* line 0: out of memory */
            }
        }
    }
    const char *which;
    int32_t line;
    char msg[400];
    if (master_finish(m, &which, &line, msg, sizeof msg) != 0) {
        if (line == 0) {    /* out of memory */
            snprintf(err, errlen, "%s: out of memory", dir);
            return LOAD_NO_MEMORY;
        }
        snprintf(err, errlen, "%s/%s:%d: %s", dir, which, (int)line, msg);
        return -1;
    }
    return 0;
}
