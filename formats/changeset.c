/* changeset.c — what a data directory changes against archived masters, by key, and those changes applied to a night. */
#include "changeset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvr.h"
#include "csvw.h"

/* The key columns of each file, as indexes into load_file_columns' order (SPEC §7b). */
static const struct {
    int col[3];
    int n;
    const char *names;
} file_keys[LOAD_NFILES] = {
    [LOAD_PARAMETERS] = {{0, 1, 2}, 3, "parameter, scope, effective_from"},
    [LOAD_PROVIDERS] = {{0}, 1, "provider_id"},
    [LOAD_RECIPIENTS] = {{0}, 1, "recipient_id"},
    [LOAD_AUTHORIZATIONS] = {{0, 1}, 2, "recipient_id, month"},
    [LOAD_ASSIGNMENTS] = {{0, 1, 4}, 3, "provider_id, recipient_id, start_date"},
    [LOAD_OVERPAYMENTS] = {{1}, 1, "overpayment_id"},
    [LOAD_HOLIDAYS] = {{0}, 1, "date"},
    [LOAD_WRIT_WORKSHEETS] = {{0}, 1, "timesheet_id"},
    [LOAD_ESP_HISTORY] = {{0, 2}, 2, "recipient_id, from_date"},
    [LOAD_WITHHOLDING] = {{0, 1}, 2, "provider_id, effective_from"},
};

const char *cs_key_names(int which) { return file_keys[which].names; }

/* ---- text pools: values are kept as [uint32 length][bytes] runs, so that any byte may be in a field ---- */

typedef struct {
    char *p;
    size_t used, cap;
} pool;

/* Room for n more bytes; returns 0 or -1 out of memory. */
static int pool_room(pool *pl, size_t n)
{
    if (pl->cap - pl->used >= n)
        return 0;
    size_t cap = pl->cap ? pl->cap : 4096;
    while (cap - pl->used < n)
        cap *= 2;
    char *p = realloc(pl->p, cap);
    if (!p)
        return -1;
    pl->p = p;
    pl->cap = cap;
    return 0;
}

static int pool_value(pool *pl, const char *s, size_t n)
{
    uint32_t len = (uint32_t)n;
    if (pool_room(pl, sizeof len + n) != 0)
        return -1;
    memcpy(pl->p + pl->used, &len, sizeof len);
    memcpy(pl->p + pl->used + sizeof len, s, n);
    pl->used += sizeof len + n;
    return 0;
}

/* The next value of a run at *at: its bytes and length; moves *at past it. */
static const char *next_value(const char *base, size_t *at, size_t *n)
{
    uint32_t len;
    memcpy(&len, base + *at, sizeof len);
    *n = len;
    const char *s = base + *at + sizeof len;
    *at += sizeof len + len;
    return s;
}

/* ---- one file read into rows ---- */

typedef struct {
    size_t key, klen, row, rlen;
    long line;
} row_ref;

typedef struct {
    int which, ncols;
    const csvr_column *cols;
    pool text;
    row_ref *v;
    size_t n, cap;
    uint32_t present;
    int nomem;
} table;

/* Appends the row's key (at *key, *klen: its columns, each ended by NUL) and, unless vals is NULL, its values
 * (at *vals, *vlen: every column as a run). Returns 0 or -1 out of memory. */
static int encode_row(pool *pl, int which, int ncols, const csvr_row *row, size_t *key, size_t *klen, size_t *vals,
                      size_t *vlen)
{
    size_t n;
    *key = pl->used;
    for (int k = 0; k < file_keys[which].n; k++) {    /* joined by NUL (no field holds one): sorts as text */
        const char *s = csvr_get(row, file_keys[which].col[k], &n);
        if (pool_room(pl, n + 1) != 0)
            return -1;
        memcpy(pl->p + pl->used, s, n);
        pl->p[pl->used + n] = '\0';
        pl->used += n + 1;
    }
    *klen = pl->used - *key;
    if (!vals)
        return 0;
    *vals = pl->used;
    for (int c = 0; c < ncols; c++) {
        const char *s = csvr_get(row, c, &n);
        if (pool_value(pl, s, n) != 0)
            return -1;
    }
    *vlen = pl->used - *vals;
    return 0;
}

static uint32_t present_columns(const csvr_row *row, int ncols)
{
    uint32_t m = 0;
    for (int c = 0; c < ncols; c++)
        if (row->col[c] >= 0)
            m |= 1u << c;
    return m;
}

static int table_row(void *ctx, const csvr_row *row)
{
    table *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        row_ref *v = realloc(t->v, cap * sizeof *v);
        if (!v) {
            t->nomem = 1;
            return 1;
        }
        t->v = v;
        t->cap = cap;
    }
    row_ref *r = &t->v[t->n];
    if (encode_row(&t->text, t->which, t->ncols, row, &r->key, &r->klen, &r->row, &r->rlen) != 0) {
        t->nomem = 1;
        return 1;
    }
    r->line = row->line;
    t->present = present_columns(row, t->ncols);
    t->n++;
    return 0;
}

static const char *sort_base;   /* qsort has no context argument: the pool being sorted */

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int by_key_then_line(const void *x, const void *y)
{
    const row_ref *a = x, *b = y;
    int c = key_cmp(sort_base + a->key, a->klen, sort_base + b->key, b->klen);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* Reads path (NULL: an empty table) and sorts its rows by key, then line. Returns 0 or a CS_* code. */
static int table_read(table *t, int which, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->which = which;
    t->ncols = load_file_columns(which, &t->cols);
    if (path) {
        int r = csvr_read(path, t->cols, t->ncols, table_row, t, NULL, err, errlen);
        if (t->nomem) {
            snprintf(err, errlen, "%s: out of memory", path);
            return CS_NO_MEMORY;
        }
        if (r != 0)
            return CS_ERROR;
    }
    sort_base = t->text.p;
    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, by_key_then_line);
    return 0;
}

static void table_free(table *t)
{
    free(t->text.p);
    free(t->v);
}

/* The rows of t from *i that share its key: [*i, end); the group's rows are contiguous in the pool
 * only if read in that order, so they are copied one by one by add_change. */
static size_t group_end(const table *t, size_t i)
{
    size_t j = i + 1;
    while (j < t->n && key_cmp(t->text.p + t->v[j].key, t->v[j].klen, t->text.p + t->v[i].key, t->v[i].klen) == 0)
        j++;
    return j;
}

/* Whether groups [ai, aj) of a and [bi, bj) of b hold the same rows in the same order. */
static int same_group(const table *a, size_t ai, size_t aj, const table *b, size_t bi, size_t bj)
{
    if (aj - ai != bj - bi)
        return 0;
    for (; ai < aj; ai++, bi++)
        if (key_cmp(a->text.p + a->v[ai].row, a->v[ai].rlen, b->text.p + b->v[bi].row, b->v[bi].rlen) != 0)
            return 0;
    return 1;
}

/* Adds a change for the group [i, j) of t (its key; its rows unless op is CS_GONE). */
static int add_change(changeset *cs, int which, cs_op op, const table *t, size_t i, size_t j)
{
    cs_file *f = &cs->file[which];
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        cs_change *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    pool pl = {cs->pool, cs->used, cs->cap};
    cs_change c = {.op = op, .key = pl.used, .klen = t->v[i].klen, .line = t->v[i].line};
    int bad = pool_room(&pl, t->v[i].klen) != 0;
    if (!bad) {
        memcpy(pl.p + pl.used, t->text.p + t->v[i].key, t->v[i].klen);
        pl.used += t->v[i].klen;
    }
    c.rows = pl.used;
    for (size_t k = i; !bad && op != CS_GONE && k < j; k++) {
        if ((bad = pool_room(&pl, t->v[k].rlen) != 0))
            break;
        memcpy(pl.p + pl.used, t->text.p + t->v[k].row, t->v[k].rlen);
        pl.used += t->v[k].rlen;
    }
    c.rlen = pl.used - c.rows;
    cs->pool = pl.p;
    cs->used = pl.used;
    cs->cap = pl.cap;
    if (bad)
        return -1;
    f->v[f->n++] = c;
    return 0;
}

static int by_change_key(const void *x, const void *y)
{
    const cs_change *a = x, *b = y;
    return key_cmp(sort_base + a->key, a->klen, sort_base + b->key, b->klen);
}

/* Keeps file which's changes sorted by key (a merge adds them in key order; cs_add_rows may not). */
static void sort_changes(changeset *cs, int which)
{
    sort_base = cs->pool;
    if (cs->file[which].n > 1)
        qsort(cs->file[which].v, cs->file[which].n, sizeof(cs_change), by_change_key);
}

int cs_diff_file(changeset *cs, int which, const char *base_path, const char *new_path, char *err, size_t errlen)
{
    table a, b;
    int r = table_read(&a, which, base_path, err, errlen);
    if (r == 0)
        r = table_read(&b, which, new_path, err, errlen);
    else
        memset(&b, 0, sizeof b);
    size_t i = 0, j = 0;
    while (r == 0 && (i < a.n || j < b.n)) {
        int c = i == a.n ? 1 : j == b.n ? -1
                                        : key_cmp(a.text.p + a.v[i].key, a.v[i].klen, b.text.p + b.v[j].key, b.v[j].klen);
        size_t ie = c <= 0 ? group_end(&a, i) : i, je = c >= 0 ? group_end(&b, j) : j;
        if (c < 0 && add_change(cs, which, CS_GONE, &a, i, ie) != 0)
            r = CS_NO_MEMORY;
        else if (c > 0 && add_change(cs, which, CS_NEW, &b, j, je) != 0)
            r = CS_NO_MEMORY;
        else if (c == 0 && !same_group(&a, i, ie, &b, j, je) && add_change(cs, which, CS_CHANGED, &b, j, je) != 0)
            r = CS_NO_MEMORY;
        i = ie;
        j = je;
    }
    if (r == CS_NO_MEMORY)
        snprintf(err, errlen, "%s: out of memory", new_path ? new_path : base_path);
    cs->file[which].present |= b.present;
    sort_changes(cs, which);
    table_free(&a);
    table_free(&b);
    return r;
}

int cs_add_rows(changeset *cs, int which, const char *path, char *err, size_t errlen)
{
    table t;
    int r = table_read(&t, which, path, err, errlen);
    cs_file *f = &cs->file[which];
    for (size_t i = 0; r == 0 && i < t.n;) {
        size_t j = group_end(&t, i);
        /* the file's rows replace a change of the same key */
        size_t k = 0;
        while (k < f->n && key_cmp(cs->pool + f->v[k].key, f->v[k].klen, t.text.p + t.v[i].key, t.v[i].klen) != 0)
            k++;
        if (k < f->n)
            f->v[k] = f->v[--f->n];
        if (add_change(cs, which, CS_NEW, &t, i, j) != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            r = CS_NO_MEMORY;
        }
        i = j;
    }
    f->present |= t.present;
    sort_changes(cs, which);
    table_free(&t);
    return r;
}

/* ---- applying the change set to a night's file ---- */

typedef struct {
    const changeset *cs;
    int which, ncols;
    const csvr_column *cols;
    csvw w;
    int open;
    const char *out_path;
    uint32_t columns;       /* the output's columns */
    uint8_t *done;          /* per change of the file: its group was written or removed */
    pool key;               /* scratch for a row's key */
    int nomem;
} applier;

static int write_header(applier *ap)
{
    if (csvw_open(&ap->w, ap->out_path, 0) != 0)
        return -1;
    ap->open = 1;
    for (int c = 0; c < ap->ncols; c++)
        if (ap->columns & (1u << c))
            csvw_str(&ap->w, ap->cols[c].name);
    csvw_end_row(&ap->w);
    return 0;
}

/* Writes the rows of a change's group. */
static void write_group(applier *ap, const cs_change *c)
{
    const char *base = ap->cs->pool;
    size_t at = c->rows, end = c->rows + c->rlen, n;
    while (at < end) {
        for (int col = 0; col < ap->ncols; col++) {
            const char *s = next_value(base, &at, &n);
            if (ap->columns & (1u << col))
                csvw_field(&ap->w, s, n);
        }
        csvw_end_row(&ap->w);
    }
}

static const cs_change *find_change(const cs_file *f, const char *pool_base, const char *key, size_t klen)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(pool_base + f->v[mid].key, f->v[mid].klen, key, klen);
        if (c == 0)
            return &f->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int apply_row(void *ctx, const csvr_row *row)
{
    applier *ap = ctx;
    if (!ap->open) {
        ap->columns |= present_columns(row, ap->ncols);
        if (write_header(ap) != 0)
            return 1;
    }
    size_t key, klen;
    ap->key.used = 0;
    if (encode_row(&ap->key, ap->which, ap->ncols, row, &key, &klen, NULL, NULL) != 0) {
        ap->nomem = 1;
        return 1;
    }
    const cs_file *f = &ap->cs->file[ap->which];
    const cs_change *c = find_change(f, ap->cs->pool, ap->key.p + key, klen);
    if (!c) {
        for (int col = 0; col < ap->ncols; col++)
            if (ap->columns & (1u << col)) {
                size_t n;
                const char *s = csvr_get(row, col, &n);
                csvw_field(&ap->w, s, n);
            }
        csvw_end_row(&ap->w);
        return 0;
    }
    size_t k = (size_t)(c - f->v);
    if (!ap->done[k] && c->op != CS_GONE)
        write_group(ap, c);
    ap->done[k] = 1;
    return 0;
}

static int by_line(const void *x, const void *y)
{
    const cs_change *a = *(const cs_change *const *)x, *b = *(const cs_change *const *)y;
    return (a->line > b->line) - (a->line < b->line);
}

/* The new groups the night did not have, at the end, in the new file's order. */
static int add_new_groups(applier *ap)
{
    const cs_file *f = &ap->cs->file[ap->which];
    const cs_change **v = malloc((f->n ? f->n : 1) * sizeof *v);
    if (!v)
        return -1;
    size_t n = 0;
    for (size_t k = 0; k < f->n; k++)
        if (!ap->done[k] && f->v[k].op == CS_NEW)
            v[n++] = &f->v[k];
    qsort(v, n, sizeof *v, by_line);
    for (size_t k = 0; k < n; k++)
        write_group(ap, v[k]);
    free(v);
    return 0;
}

int cs_apply_file(const changeset *cs, int which, const char *in_path, const char *out_path, int *written, char *err,
                  size_t errlen)
{
    const cs_file *f = &cs->file[which];
    applier ap = {.cs = cs, .which = which, .out_path = out_path, .columns = f->present};
    ap.ncols = load_file_columns(which, &ap.cols);
    for (int c = 0; c < ap.ncols; c++)
        if (ap.cols[c].required)
            ap.columns |= 1u << c;
    *written = 0;
    int adds = 0;
    for (size_t k = 0; k < f->n; k++)
        adds |= f->v[k].op == CS_NEW;
    if (!in_path && !adds)
        return 0;
    if (!(ap.done = calloc(f->n ? f->n : 1, 1))) {
        snprintf(err, errlen, "%s: out of memory", out_path);
        return CS_NO_MEMORY;
    }
    int r = in_path ? csvr_read(in_path, ap.cols, ap.ncols, apply_row, &ap, NULL, err, errlen) : 0, rc = 0;
    if (r == CSVR_ERROR)
        rc = CS_ERROR;      /* in_path could not be read: err says why */
    if (rc == 0 && r == 0 && !ap.open && write_header(&ap) != 0)
        r = 1;
    if (rc == 0 && r == 0 && add_new_groups(&ap) != 0)
        ap.nomem = 1;
    if (rc == 0 && ap.nomem) {
        snprintf(err, errlen, "%s: out of memory", out_path);
        rc = CS_NO_MEMORY;
    }
    if (rc == 0 && r == 0) {
        ap.open = 0;
        if (csvw_close(&ap.w) != 0)
            r = 1;
        else
            *written = 1;
    }
    if (rc == 0 && r != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", out_path, strerror(errno));
        rc = CS_WRITE_ERROR;
    }
    if (ap.open)
        csvw_abort(&ap.w);
    free(ap.done);
    free(ap.key.p);
    return rc;
}

size_t cs_count(const changeset *cs)
{
    size_t n = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        n += cs->file[f].n;
    return n;
}

void cs_print(const changeset *cs, void *fp, size_t max)
{
    FILE *out = fp;
    static const char *const op_name[] = {"new", "changed", "gone"};
    size_t shown = 0, total = cs_count(cs);
    for (int f = 0; f < LOAD_NFILES; f++)
        for (size_t k = 0; k < cs->file[f].n && shown < max; k++, shown++) {
            const cs_change *c = &cs->file[f].v[k];
            fprintf(out, "%s: %s ", load_file_name(f), op_name[c->op]);
            for (size_t at = c->key; at < c->key + c->klen; at += strlen(cs->pool + at) + 1)
                fprintf(out, "%s%s", at > c->key ? " " : "", cs->pool + at);
            fputc('\n', out);
        }
    if (total > shown)
        fprintf(out, "... and %zu more\n", total - shown);
}

void cs_free(changeset *cs)
{
    for (int f = 0; f < LOAD_NFILES; f++)
        free(cs->file[f].v);
    free(cs->pool);
    memset(cs, 0, sizeof *cs);
}
