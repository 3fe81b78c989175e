/* master.c — master indexes and whole-file checks (duplicate months, overlapping assignments). */
#include "master.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef MASTER_VEC(char) any_vec;

void *master_vec_push(void *vec, size_t elem_size)
{
    any_vec *a = vec;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char *v = realloc(a->v, elem_size * cap);
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
    if (x->provider != y->provider)
        return x->provider < y->provider ? -1 : 1;
    if (x->recipient != y->recipient)
        return x->recipient < y->recipient ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int date_cmp(const void *a, const void *b)
{
    cal_date x = *(const cal_date *)a, y = *(const cal_date *)b;
    return x < y ? -1 : x > y;
}

#define OOM(...) do { *line = 0; snprintf(msg, msglen, "out of memory"); return -1; } while (0)

static int index_authorizations(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    for (size_t i = 0; i < m->authorizations.n; i++) {
        const master_authorization *a = &m->authorizations.v[i];
        int32_t *slot = ids_map_put(&m->auth_index, ids_key2(a->recipient, a->month), -1);
        if (!slot)
            OOM();
        if (*slot >= 0) {
            *file = "authorizations.csv";
            *line = a->line;
            snprintf(msg, msglen, "month: recipient %s already has an authorization for this month on line %d",
                     ids_name(&m->recipient_ids, a->recipient), (int)m->authorizations.v[*slot].line);
            return -1;
        }
        *slot = (int32_t)i;
    }
    return 0;
}

static int index_assignments(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    master_assignment *v = m->assignments.v;
    if (m->assignments.n > 0)
        qsort(v, m->assignments.n, sizeof *v, assignment_cmp);
    for (size_t i = 0; i < m->assignments.n; i++) {
        if (i > 0 && v[i - 1].provider == v[i].provider && v[i - 1].recipient == v[i].recipient) {
            if (v[i].start <= v[i - 1].end) {
                const master_assignment *later = v[i].line > v[i - 1].line ? &v[i] : &v[i - 1];
                const master_assignment *earlier = later == &v[i] ? &v[i - 1] : &v[i];
                *file = "assignments.csv";
                *line = later->line;
                snprintf(msg, msglen, "start_date: assignment of %s to %s overlaps the one on line %d",
                         ids_name(&m->provider_ids, v[i].provider), ids_name(&m->recipient_ids, v[i].recipient),
                         (int)earlier->line);
                return -1;
            }
            continue;
        }
        if (!ids_map_put(&m->pair_index, ids_key2(v[i].provider, v[i].recipient), (int32_t)i))
            OOM();
    }
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

int master_finish(masters *m, const char **file, int32_t *line, char *msg, size_t msglen)
{
    *file = "";
    if (index_authorizations(m, file, line, msg, msglen) || index_assignments(m, file, line, msg, msglen) ||
        index_overpayments(m, line, msg, msglen) || index_holidays(m, line, msg, msglen))
        return -1;
    return 0;
}

const master_authorization *master_authorization_for(const masters *m, int32_t recipient, int32_t month)
{
    int32_t i = ids_map_get(&m->auth_index, ids_key2(recipient, month));
    return i >= 0 ? &m->authorizations.v[i] : NULL;
}

const master_assignment *master_pair_assignments(const masters *m, int32_t provider, int32_t recipient, size_t *count)
{
    int32_t i = ids_map_get(&m->pair_index, ids_key2(provider, recipient));
    if (i < 0) {
        *count = 0;
        return NULL;
    }
    size_t n = 1;
    const master_assignment *v = m->assignments.v;
    while ((size_t)i + n < m->assignments.n && v[i + n].provider == provider && v[i + n].recipient == recipient)
        n++;
    *count = n;
    return &v[i];
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
    param_free(&m->params);
    ids_free(&m->provider_ids);
    ids_free(&m->recipient_ids);
    ids_free(&m->overpayment_ids);
    ids_free(&m->writ_ids);
    free(m->providers.v);
    free(m->recipients.v);
    free(m->authorizations.v);
    free(m->assignments.v);
    free(m->overpayments.v);
    free(m->writs.v);
    free(m->holiday_dates.v);
    free(m->holiday_weekdays);
    free(m->next_overpayment);
    ids_map_free(&m->auth_index);
    ids_map_free(&m->pair_index);
    free(m->first_overpayment);
    ids_pool_free(&m->text);
    memset(m, 0, sizeof *m);
}
