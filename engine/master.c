/* master.c — master indexes and whole-file checks (duplicate months, overlapping assignments, ESP changes, withholding dates). */
#include "master.h"
#include "mem.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef MASTER_VEC(char) any_vec;

void *master_vec_push(void *vec, size_t elem_size)
{
    any_vec *a = vec;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char *v = mem_realloc(a->v, elem_size * cap);
        if (!v)
            return NULL;
        a->v = v;
        a->cap = cap;
    }
    char *e = a->v + elem_size * a->n++;
    memset(e, 0, elem_size);
    return e;
}

static int assignment_cmp(const void *a, const void *b)
{
    const master_assignment *x = a, *y = b;
    int c = param_order(x->provider, y->provider);
    c = c ? c : param_order(x->recipient, y->recipient);
    c = c ? c : param_order(x->start, y->start);
    return c ? c : param_order(x->line, y->line);
}

static int date_cmp(const void *a, const void *b)
{
    return param_order(*(const cal_date *)a, *(const cal_date *)b);
}

#define OOM(...) do { *line = 0; snprintf(msg, msglen, "out of memory"); return -1; } while (0)

static int authorization_cmp(const void *a, const void *b)
{
    const master_authorization *x = a, *y = b;
    int c = param_order(x->recipient, y->recipient);
    c = c ? c : param_order(x->month, y->month);
    return c ? c : param_order(x->line, y->line);
}

/* first[k] .. first[k + 1] - 1: the rows of person k in rows sorted by person (the
 * int32 at who_offset of each row). Returns the array, or NULL out of memory. */
static uint32_t *ranges(size_t npeople, size_t nrows, const void *rows, size_t size, size_t who_offset)
{
    uint32_t *first = malloc(sizeof *first * (npeople + 1));
    if (!first)
        return NULL;
    size_t r = 0;
    for (size_t k = 0; k <= npeople; k++) {
        while (r < nrows && *(const int32_t *)(const void *)((const char *)rows + r * size + who_offset) < (int32_t)k)
            r++;
        first[k] = (uint32_t)r;
    }
    return first;
}

/* Sorts n rows of size bytes with cmp unless they are in order already (master files
 * usually are: one pass instead of a sort). */
static void sort_rows(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    const char *p = v;
    size_t i = 1;
    while (i < n && cmp(p + (i - 1) * size, p + i * size) <= 0)
        i++;
    if (i < n)
        qsort(v, n, size, cmp);
}

static int index_authorizations(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    master_authorization *v = m->authorizations.v;
    size_t n = m->authorizations.n;
    sort_rows(v, n, sizeof *v, authorization_cmp);
    /* a month given twice: report the duplicate that comes first in the file */
    const master_authorization *dup = NULL, *orig = NULL;
    for (size_t i = 1; i < n; i++)
        if (v[i].recipient == v[i - 1].recipient && v[i].month == v[i - 1].month && (!dup || v[i].line < dup->line)) {
            dup = &v[i];
            orig = &v[i - 1];
            while (orig > v && orig[-1].recipient == dup->recipient && orig[-1].month == dup->month)
                orig--;
        }
    if (dup) {
        *file = "authorizations.csv";
        *line = dup->line;
        snprintf(msg, msglen, "month: recipient %s already has an authorization for this month on line %d",
                 ids_name(&m->recipient_ids, dup->recipient), (int)orig->line);
        return -1;
    }
    m->auth_first = ranges(m->recipients.n, n, v, sizeof *v, offsetof(master_authorization, recipient));
    if (!m->auth_first)
        OOM();
    return 0;
}

static int index_assignments(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    master_assignment *v = m->assignments.v;
    sort_rows(v, m->assignments.n, sizeof *v, assignment_cmp);
    for (size_t i = 1; i < m->assignments.n; i++) {
        if (v[i - 1].provider == v[i].provider && v[i - 1].recipient == v[i].recipient && v[i].start <= v[i - 1].end) {
            const master_assignment *later = v[i].line > v[i - 1].line ? &v[i] : &v[i - 1];
            const master_assignment *earlier = later == &v[i] ? &v[i - 1] : &v[i];
            *file = "assignments.csv";
            *line = later->line;
            snprintf(msg, msglen, "start_date: assignment of %s to %s overlaps the one on line %d",
                     ids_name(&m->provider_ids, v[i].provider), ids_name(&m->recipient_ids, v[i].recipient),
                     (int)earlier->line);
            return -1;
        }
    }
    m->asg_first = ranges(m->providers.n, m->assignments.n, v, sizeof *v, offsetof(master_assignment, provider));
    if (!m->asg_first)
        OOM();
    return 0;
}

static int index_overpayments(masters *m, int32_t *line, char *msg, size_t msglen)
{
    size_t n = m->overpayments.n, np = m->providers.n;
    m->next_overpayment = malloc(sizeof *m->next_overpayment * (n ? n : 1));
    m->first_overpayment = malloc(sizeof *m->first_overpayment * (np ? np : 1));
    if (!m->next_overpayment || !m->first_overpayment)
        OOM();
    for (size_t p = 0; p < np; p++)
        m->first_overpayment[p] = -1;
    /* chain each provider's overpayments in file order: walk backwards, prepend */
    for (size_t k = n; k-- > 0;) {
        const master_overpayment *o = &m->overpayments.v[k];
        m->next_overpayment[k] = m->first_overpayment[o->provider];
        m->first_overpayment[o->provider] = (int32_t)k;
    }
    return 0;
}

static int index_holidays(masters *m, int32_t *line, char *msg, size_t msglen)
{
    size_t n = m->holiday_dates.n, k = 0;
    m->holiday_weekdays = malloc(sizeof *m->holiday_weekdays * (n ? n : 1));
    if (!m->holiday_weekdays)
        OOM();
    for (size_t i = 0; i < n; i++) {
        int wd = cal_weekday(m->holiday_dates.v[i]);
        if (wd >= 1 && wd <= 5)
            m->holiday_weekdays[k++] = m->holiday_dates.v[i];
    }
    if (k > 0)
        qsort(m->holiday_weekdays, k, sizeof *m->holiday_weekdays, date_cmp);
    size_t u = 0;  /* the same date listed twice counts once */
    for (size_t i = 0; i < k; i++)
        if (u == 0 || m->holiday_weekdays[u - 1] != m->holiday_weekdays[i])
            m->holiday_weekdays[u++] = m->holiday_weekdays[i];
    m->holidays.days = m->holiday_weekdays;
    m->holidays.n = u;
    return 0;
}

static int esp_change_cmp(const void *a, const void *b)
{
    const master_esp_change *x = a, *y = b;
    int c = param_order(x->recipient, y->recipient);
    c = c ? c : param_order(x->from, y->from);
    /* recipients.csv first: the esp_history.csv row is the one reported */
    c = c ? c : param_order(!x->from_recipients, !y->from_recipients);
    return c ? c : param_order(x->line, y->line);
}

/* Adds each recipients.csv esp_inactivated_on as an inactive change, sorts the changes
 * by recipient and date, refuses two changes of one recipient on one date (reported on
 * the esp_history.csv row that comes first in the file among such rows, naming the
 * other change) and builds esp_first. Returns 0, or -1 as master_finish. */
static int index_esp_changes(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    for (size_t r = 0; r < m->recipients.n; r++) {
        const master_recipient *rcp = &m->recipients.v[r];
        if (rcp->esp_inactivated_on == CAL_NONE)
            continue;
        master_esp_change *c = MASTER_PUSH(&m->esp_changes);
        if (!c)
            OOM();
        *c = (master_esp_change){.recipient = (int32_t)r, .from = rcp->esp_inactivated_on, .line = rcp->line,
                                 .inactive = 1, .from_recipients = 1};
    }
    master_esp_change *v = m->esp_changes.v;
    size_t n = m->esp_changes.n;
    sort_rows(v, n, sizeof *v, esp_change_cmp);
    const master_esp_change *dup = NULL, *orig = NULL;
    for (size_t i = 1; i < n; i++)
        if (v[i].recipient == v[i - 1].recipient && v[i].from == v[i - 1].from && (!dup || v[i].line < dup->line)) {
            dup = &v[i];
            orig = &v[i - 1];
            while (orig > v && orig[-1].recipient == dup->recipient && orig[-1].from == dup->from)
                orig--;
        }
    if (dup) {
        char day[11];
        cal_format(dup->from, day);
        *file = "esp_history.csv";
        *line = dup->line;
        if (orig->from_recipients)
            snprintf(msg, msglen, "from_date: recipient %s was inactivated on %s in recipients.csv "
                     "(esp_inactivated_on, line %d): one ESP status change per recipient and date",
                     ids_name(&m->recipient_ids, dup->recipient), day, (int)orig->line);
        else
            snprintf(msg, msglen, "from_date: recipient %s already has an ESP status change on %s on line %d",
                     ids_name(&m->recipient_ids, dup->recipient), day, (int)orig->line);
        return -1;
    }
    m->esp_first = ranges(m->recipients.n, n, v, sizeof *v, offsetof(master_esp_change, recipient));
    if (!m->esp_first)
        OOM();
    return 0;
}

static int withholding_cmp(const void *a, const void *b)
{
    const master_withholding *x = a, *y = b;
    int c = param_order(x->provider, y->provider);
    c = c ? c : param_order(x->from, y->from);
    return c ? c : param_order(x->line, y->line);
}

/* Sorts the withholding.csv rows by provider and effective_from, refuses two rows of
 * one provider on one date (reported on the second of them in the file; of several
 * such pairs, the one whose second row comes first in the file) and builds wh_first.
 * Returns 0, or -1 as master_finish. */
static int index_withholding(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    master_withholding *v = m->withholding.v;
    size_t n = m->withholding.n;
    sort_rows(v, n, sizeof *v, withholding_cmp);
    const master_withholding *dup = NULL;
    for (size_t i = 1; i < n; i++)
        if (v[i].provider == v[i - 1].provider && v[i].from == v[i - 1].from && (!dup || v[i].line < dup->line))
            dup = &v[i];
    if (dup) {
        *file = "withholding.csv";
        *line = dup->line;
        snprintf(msg, msglen, "effective_from: second row for this provider and date");
        return -1;
    }
    m->wh_first = ranges(m->providers.n, n, v, sizeof *v, offsetof(master_withholding, provider));
    if (!m->wh_first)
        OOM();
    return 0;
}

int master_finish(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    *file = "";
    if (index_authorizations(m, file, line, msg, msglen) || index_assignments(m, file, line, msg, msglen) ||
        index_overpayments(m, line, msg, msglen) || index_holidays(m, line, msg, msglen) ||
        index_esp_changes(m, file, line, msg, msglen) || index_withholding(m, file, line, msg, msglen))
        return -1;
    return 0;
}

const master_withholding *master_withholding_for(const masters *m, int32_t provider, cal_date day)
{
    if (!m->wh_first || provider < 0 || (size_t)provider >= m->providers.n)
        return NULL;
    const master_withholding *v = m->withholding.v;
    uint32_t lo = m->wh_first[provider], hi = m->wh_first[provider + 1], first = lo;
    while (lo < hi) {   /* the first of the provider's rows in force after day */
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid].from <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > first ? &v[lo - 1] : NULL;
}

const master_esp_change *master_esp_history(const masters *m, int32_t recipient, size_t *count)
{
    *count = 0;
    if (!m->esp_first || recipient < 0 || (size_t)recipient >= m->recipients.n)
        return NULL;
    uint32_t lo = m->esp_first[recipient], hi = m->esp_first[recipient + 1];
    *count = hi - lo;
    return hi > lo ? &m->esp_changes.v[lo] : NULL;
}

int master_esp_inactive_on(const masters *m, int32_t recipient, cal_date day, cal_date *since)
{
    size_t n;
    const master_esp_change *v = master_esp_history(m, recipient, &n);
    size_t lo = 0, hi = n;
    while (lo < hi) {   /* the number of changes dated on or before day */
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].from <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    *since = CAL_NONE;
    if (lo == 0)
        return 0;       /* before the first change: active */
    int inactive = v[lo - 1].inactive;
    size_t k = lo - 1;
    while (k > 0 && v[k - 1].inactive == inactive)
        k--;
    if (inactive || k > 0)  /* active changes before any inactivation change nothing */
        *since = v[k].from;
    return inactive;
}

const master_authorization *master_authorization_for(const masters *m, int32_t recipient, int32_t month)
{
    if (!m->auth_first || recipient < 0 || (size_t)recipient >= m->recipients.n)
        return NULL;
    const master_authorization *v = m->authorizations.v;
    uint32_t lo = m->auth_first[recipient], hi = m->auth_first[recipient + 1];
    while (lo < hi) {   /* the first of the recipient's months not before month */
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid].month < month)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->auth_first[recipient + 1] && v[lo].month == month ? &v[lo] : NULL;
}

const master_assignment *master_pair_assignments(const masters *m, int32_t provider, int32_t recipient, size_t *count)
{
    *count = 0;
    if (!m->asg_first || provider < 0 || (size_t)provider >= m->providers.n)
        return NULL;
    const master_assignment *v = m->assignments.v;
    uint32_t i = m->asg_first[provider], end = m->asg_first[provider + 1], hi = end;
    while (i < hi) {    /* the provider's first assignment to recipient or a later one */
        uint32_t mid = i + (hi - i) / 2;
        if (v[mid].recipient < recipient)
            i = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (i + n < end && v[i + n].recipient == recipient)
        n++;
    *count = n;
    return n ? &v[i] : NULL;
}

const master_assignment *master_assignment_on(const masters *m, int32_t provider, int32_t recipient, cal_date day)
{
    size_t n;
    const master_assignment *a = master_pair_assignments(m, provider, recipient, &n);
    for (size_t i = 0; i < n; i++)
        if (a[i].start <= day && day <= a[i].end)
            return &a[i];
    return NULL;
}

void master_free(masters *m)
{
    if (m->borrowed) {  /* the arrays live in the block: give it back whole */
        m->release(m->borrowed, m->borrowed_size);
        memset(m, 0, sizeof *m);
        return;
    }
    param_free(&m->params);
    ids_free(&m->provider_ids);
    ids_free(&m->recipient_ids);
    ids_free(&m->overpayment_ids);
    ids_free(&m->writ_ids);
    mem_free(m->providers.v);
    mem_free(m->recipients.v);
    mem_free(m->authorizations.v);
    mem_free(m->assignments.v);
    mem_free(m->overpayments.v);
    mem_free(m->writs.v);
    mem_free(m->holiday_dates.v);
    mem_free(m->esp_changes.v);
    free(m->esp_first);
    mem_free(m->withholding.v);
    free(m->wh_first);
    free(m->holiday_weekdays);
    free(m->next_overpayment);
    free(m->auth_first);
    free(m->asg_first);
    free(m->first_overpayment);
    ids_pool_free(&m->text);
    memset(m, 0, sizeof *m);
}
