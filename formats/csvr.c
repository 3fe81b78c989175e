/* csvr.c — streaming CSV reader: read(2) or zlib inflate in big blocks, libcsv, line tracking. */
#include "csvr.h"
#include "field.h"
#include "ids.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK (256 * 1024)
#define MAX_COLS 64

typedef struct {
    const csvr_column *cols;
    int ncols;
    int colmap[MAX_COLS];
    csvr_row_fn fn;
    void (*ahead)(void *ctx, const csvr_row *next);
    void (*prepare)(void *ctx, const csvr_row *row, void *out);
    size_t prepared_size;
    unsigned char *prepared;    /* one thread: the current row's prepared data */
    char **bfield;              /* reader thread: field pointers of a batch row for prepare */
    size_t bfieldcap;
    void *ctx;
    csvr_row row;
    /* the row being assembled: field bytes in buf, one NUL after each */
    char *buf;
    size_t used, bufcap;
    size_t *off, *len;
    char **field;
    size_t nfields, fieldcap;
    long line;              /* line where the next row starts */
    long embedded;          /* line breaks inside the current row's quoted fields */
    int prev_term;          /* terminator that ended the last row or blank line */
    int header_done;
    int started;            /* bytes were fed: a byte order mark can only come first */
    int stop;               /* fn's nonzero return, or CSVR_ERROR */
    int oom;
    char *err;
    size_t errlen;
    uint64_t rows;
    const uint64_t *bytes;  /* raw bytes read so far (as of the block being parsed) */
    struct pipe_s *pipe;    /* with a reader thread: where rows go in batches */
} reader;

static void batch_row_done(reader *r);

static int no_space(unsigned char c) { (void)c; return 0; }

/* Grows a pair of offset and length arrays to cap entries. Returns 0, or -1 out of
 * memory (each array kept valid, possibly already grown). */
static int grow_off_len(size_t **off, size_t **len, size_t cap)
{
    size_t *o = realloc(*off, sizeof *o * cap);
    if (o)
        *off = o;
    size_t *l = realloc(*len, sizeof *l * cap);
    if (l)
        *len = l;
    return o && l ? 0 : -1;
}

static int grow_fields(reader *r)
{
    size_t cap = r->fieldcap ? r->fieldcap * 2 : 32;
    int rc = grow_off_len(&r->off, &r->len, cap);
    char **field = realloc(r->field, sizeof *field * cap);
    if (field)
        r->field = field;
    if (rc != 0 || !field)
        return -1;
    r->fieldcap = cap;
    return 0;
}

/* libcsv field callback: copy the field into the row buffer. */
static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->stop || r->oom)
        return;
    if (r->nfields == r->fieldcap && grow_fields(r) != 0) {
        r->oom = 1;
        return;
    }
    if (r->used + n + 1 > r->bufcap) {
        size_t cap = r->bufcap ? r->bufcap : 4096;
        while (cap < r->used + n + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            r->oom = 1;
            return;
        }
        r->buf = b;
        r->bufcap = cap;
    }
    /* copy the field, counting the line breaks inside it (only a quoted field has
     * any): LF, CRLF and a lone CR each count one */
    const unsigned char *p = s;
    char *dst = r->buf + r->used;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        dst[i] = (char)ch;
        if (ch <= '\r' && (ch == '\n' || (ch == '\r' && (i + 1 == n || p[i + 1] != '\n'))))
            r->embedded++;
    }
    r->off[r->nfields] = r->used;
    r->len[r->nfields] = n;
    r->nfields++;
    r->used += n;
    r->buf[r->used++] = '\0';
}

static int map_header(reader *r)
{
    /* a name given twice is an error: a hash set keeps the check linear in the columns */
    ids_table names = {0};
    for (size_t i = 0; i < r->nfields; i++) {
        int added;
        if (ids_intern(&names, r->field[i], r->len[i], &added) < 0 || !added) {
            char shown[80];
            fld_escape(r->field[i], r->len[i] > 60 ? 60 : r->len[i], shown, sizeof shown);
            if (added)
                snprintf(r->err, r->errlen, "%s:1: out of memory reading the header", r->row.path);
            else
                snprintf(r->err, r->errlen, "%s:1: column %s appears twice in the header", r->row.path, shown);
            ids_free(&names);
            return -1;
        }
    }
    ids_free(&names);
    for (int c = 0; c < r->ncols; c++) {
        r->colmap[c] = -1;
        for (size_t i = 0; i < r->nfields; i++)
            if (strlen(r->cols[c].name) == r->len[i] && memcmp(r->cols[c].name, r->field[i], r->len[i]) == 0)
                r->colmap[c] = (int)i;
        if (r->colmap[c] < 0 && r->cols[c].required) {
            snprintf(r->err, r->errlen, "%s:1: missing required column %s", r->row.path, r->cols[c].name);
            return -1;
        }
    }
    r->row.nheader = r->nfields;
    return 0;
}

/* A quoting error: strict parsing refuses a file whose rows cannot be told apart
 * safely (text after a closing quote, a quote inside an unquoted field, a quote never
 * closed) rather than guess where the rows are. */
static int parse_error(reader *r, struct csv_parser *p)
{
    if (csv_error(p) == CSV_EPARSE)
        snprintf(r->err, r->errlen, "%s:%ld: CSV quoting error near this row (a quote inside an unquoted field, "
                 "text after a closing quote, or a quote never closed): the rows cannot be read safely",
                 r->row.path, r->line + r->embedded);
    else
        snprintf(r->err, r->errlen, "%s: CSV parser: %s", r->row.path, csv_strerror(csv_error(p)));
    return CSVR_ERROR;
}

/* libcsv row callback: a row ended (c = its terminator, -1 at end of file), or, with
 * CSV_REPALL_NL, a line break outside any row. */
static void on_row(int c, void *data)
{
    reader *r = data;
    if (r->nfields == 0) {
        if (c == '\n' && r->prev_term == '\r')
            r->prev_term = 0;          /* the LF of a CRLF */
        else if (c != -1) {
            r->line++;                 /* a blank line */
            r->prev_term = c;
        }
        return;
    }
    long start = r->line;
    r->line += 1 + r->embedded;
    r->embedded = 0;
    r->prev_term = c;
    if (!r->stop && !r->oom) {
        for (size_t i = 0; i < r->nfields; i++)
            r->field[i] = r->buf + r->off[i];
        if (!r->header_done) {
            r->header_done = 1;
            if (map_header(r) != 0)
                r->stop = CSVR_ERROR;
        } else if (r->pipe) {
            r->row.line = start;
            batch_row_done(r);
        } else {
            r->row.line = start;
            r->row.bytes_read = *r->bytes;
            r->row.nfields = r->nfields;
            r->row.field = r->field;
            r->row.len = r->len;
            r->row.prepared = NULL;
            if (r->prepare) {
                r->prepare(r->ctx, &r->row, r->prepared);
                r->row.prepared = r->prepared;
            }
            r->rows++;
            r->stop = r->fn(r->ctx, &r->row);
        }
    }
    r->nfields = 0;
    r->used = 0;
}

static int feed(reader *r, struct csv_parser *p, const void *s, size_t n)
{
    if (!r->started && n > 0) {
        r->started = 1;
        if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte order mark is not data */
            s = (const char *)s + 3;
            n -= 3;
        }
    }
    if (csv_parse(p, s, n, on_field, on_row, r) != n)
        return parse_error(r, p);
    if (r->oom) {
        snprintf(r->err, r->errlen, "%s:%ld: out of memory reading a row", r->row.path, r->line);
        return CSVR_ERROR;
    }
    return r->stop;
}

/* ---- the byte source: read(2), inflated when the file starts with the gzip magic ---- */

typedef struct {
    const char *path;
    int fd;
    unsigned char *in;      /* raw bytes of a gzip file */
    z_stream z;
    int zinit, zend, first, eof;
    uint64_t bytes;         /* raw bytes read */
    uint32_t crc;           /* their CRC-32 */
    digest_ctx sha;         /* their SHA-256 */
    char *err;
    size_t errlen;
} source;

static int source_error(source *s, const char *what, const char *detail)
{
    snprintf(s->err, s->errlen, "%s: %s%s%s", s->path, what, detail ? ": " : "", detail ? detail : "");
    return CSVR_ERROR;
}

/* Reads cap raw bytes into buf, fewer only at the end of the file (*got = 0 there):
 * a pipe's short reads are joined, so that the gzip magic and a byte order mark are
 * seen whole. Returns 0, or CSVR_ERROR with the message in s->err. */
static int source_read(source *s, unsigned char *buf, size_t cap, size_t *got)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t k = read(s->fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return source_error(s, "read error", strerror(errno));
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *got = n;
    s->bytes += (uint64_t)n;
    s->crc = (uint32_t)crc32(s->crc, buf, (uInt)n);
    digest_update(&s->sha, buf, n);
    return 0;
}

/* Reads more gzip input when the inflater has used it all. */
static int source_refill(source *s)
{
    size_t got;
    if (source_read(s, s->in, BLOCK, &got) != 0)
        return CSVR_ERROR;
    if (got == 0)
        s->eof = 1;
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)got;
    return 0;
}

/* The next bytes of the file's content into out[0..BLOCK): *n of them, 0 at the end.
 * Returns 0, or CSVR_ERROR with the message in s->err (unreadable, bad or truncated gzip). */
static int source_next(source *s, unsigned char *out, size_t *n)
{
    *n = 0;
    if (s->first) {
        s->first = 0;
        size_t got;
        if (source_read(s, s->in, BLOCK, &got) != 0)
            return CSVR_ERROR;
        if (got < 2 || s->in[0] != 0x1f || s->in[1] != 0x8b) {
            memcpy(out, s->in, got);        /* plain: the first block as it is */
            *n = got;
            return 0;
        }
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return source_error(s, "cannot start gzip decompression", NULL);
        s->zinit = 1;
        s->z.next_in = s->in;
        s->z.avail_in = (uInt)got;
    }
    if (!s->zinit)
        return source_read(s, out, BLOCK, n);
    s->z.next_out = out;
    s->z.avail_out = BLOCK;
    while (s->z.avail_out > 0) {
        if (s->zend) {
            if (s->z.avail_in == 0 && !s->eof) {
                if (source_refill(s) != 0)
                    return CSVR_ERROR;
                continue;
            }
            if (s->z.avail_in == 0)
                break;                      /* the end of the last gzip member */
            inflateReset(&s->z);            /* another gzip member follows */
            s->zend = 0;
        }
        if (s->z.avail_in == 0 && !s->eof) {
            if (source_refill(s) != 0)
                return CSVR_ERROR;
            continue;
        }
        uInt before = s->z.avail_out;
        int zr = inflate(&s->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            s->zend = 1;
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return source_error(s, "bad gzip data", s->z.msg ? s->z.msg : "inflate failed");
        if (s->z.avail_in == 0 && s->eof && s->z.avail_out == before)
            return source_error(s, "gzip data is truncated (unexpected end of file)", NULL);
    }
    *n = BLOCK - s->z.avail_out;
    return 0;
}

/* ---- an optional reader thread: the source and libcsv run on the second core ----
 *
 * The thread reads, inflates and parses; the rows cross to the calling thread in
 * batches (field bytes with a NUL after each, their offsets and lengths, and each
 * row's line), where the callback runs in file order. The last batch carries the
 * parse's result, so errors come after the rows before them, as on one thread. */

static int reader_thread_on;

void csvr_use_reader_thread(int on) { reader_thread_on = on; }

#define NBATCH 4
#define BATCH_ROWS 1024
#define BATCH_BYTES (256 * 1024)

typedef struct {
    long line;
    size_t first, nfields;      /* fields first .. first + nfields of the batch */
    uint64_t bytes_read;
} batch_row;

typedef struct {
    char *buf;
    size_t used, cap;
    size_t *off, *len;
    size_t nf, fcap;
    batch_row *rows;
    size_t nrows, rcap;
    unsigned char *prep;        /* rcap areas of the prepare hook's size */
    int end;                    /* the last batch: rc is the parse's result */
    int rc;
} batch;

typedef struct pipe_s {
    reader *r;
    struct csv_parser *p;
    source *src;
    unsigned char *out;
    uint64_t *seen;
    batch b[NBATCH];
    int head, count, fill, stop;
    char err[1024];
    pthread_mutex_t mu;
    pthread_cond_t changed;
} pipe_t;

/* Grows the batch for one more row of r's current fields. Returns 0 or -1. */
static int batch_add(batch *b, const reader *r)
{
    if (b->nrows == b->rcap) {
        size_t cap = b->rcap ? b->rcap * 2 : BATCH_ROWS;
        batch_row *v = realloc(b->rows, cap * sizeof *v);
        if (!v)
            return -1;
        b->rows = v;
        if (r->prepare) {
            unsigned char *pv = realloc(b->prep, cap * r->prepared_size);
            if (!pv)
                return -1;
            b->prep = pv;
        }
        b->rcap = cap;
    }
    if (b->nf + r->nfields > b->fcap) {
        size_t cap = b->fcap ? b->fcap : 32 * BATCH_ROWS;
        while (cap < b->nf + r->nfields)
            cap *= 2;
        if (grow_off_len(&b->off, &b->len, cap) != 0)
            return -1;
        b->fcap = cap;
    }
    if (b->used + r->used > b->cap) {
        size_t cap = b->cap ? b->cap : 2 * BATCH_BYTES;
        while (cap < b->used + r->used)
            cap *= 2;
        char *buf = realloc(b->buf, cap);
        if (!buf)
            return -1;
        b->buf = buf;
        b->cap = cap;
    }
    batch_row *row = &b->rows[b->nrows++];
    row->line = r->row.line;
    row->first = b->nf;
    row->nfields = r->nfields;
    row->bytes_read = *r->bytes;
    memcpy(b->buf + b->used, r->buf, r->used);
    for (size_t i = 0; i < r->nfields; i++) {
        b->off[b->nf + i] = b->used + r->off[i];
        b->len[b->nf + i] = r->len[i];
    }
    b->nf += r->nfields;
    b->used += r->used;
    return 0;
}

/* Runs the prepare hook on every row of a batch about to be handed over: its bytes
 * no longer move (a later row can grow the buffer until then), so what prepare keeps
 * pointing into the rows stays valid. Returns 0, or -1 out of memory. */
static int prepare_batch(reader *r, batch *b)
{
    for (size_t k = 0; k < b->nrows; k++) {
        const batch_row *br = &b->rows[k];
        if (br->nfields > r->bfieldcap) {
            size_t cap = r->bfieldcap ? r->bfieldcap * 2 : 64;
            while (cap < br->nfields)
                cap *= 2;
            char **f = realloc(r->bfield, cap * sizeof *f);
            if (!f)
                return -1;
            r->bfield = f;
            r->bfieldcap = cap;
        }
        for (size_t i = 0; i < br->nfields; i++)
            r->bfield[i] = b->buf + b->off[br->first + i];
        csvr_row row = {.path = r->row.path, .line = br->line, .nfields = br->nfields, .nheader = r->row.nheader,
                        .field = r->bfield, .len = b->len + br->first, .col = r->colmap,
                        .bytes_read = br->bytes_read};
        r->prepare(r->ctx, &row, b->prep + k * r->prepared_size);
    }
    return 0;
}

/* Hands the filling batch to the calling thread (as the last one when end) and waits
 * for a free one. Returns 0, or 1 when the calling thread stopped reading. */
static int batch_publish(pipe_t *q, int end, int rc)
{
    if (q->r->prepare && prepare_batch(q->r, &q->b[q->fill]) != 0) {
        /* out of memory: this batch's rows are not passed on and the parse stops
         * with an error at its next step */
        q->b[q->fill].nrows = 0;
        q->r->oom = 1;
        if (end && rc == 0) {
            snprintf(q->err, sizeof q->err, "%s:%ld: out of memory reading a row", q->r->row.path, q->r->line);
            rc = CSVR_ERROR;
        }
    }
    pthread_mutex_lock(&q->mu);
    q->b[q->fill].end = end;
    q->b[q->fill].rc = rc;
    q->count++;
    q->fill = (q->fill + 1) % NBATCH;
    pthread_cond_broadcast(&q->changed);
    while (!end && q->count == NBATCH && !q->stop)
        pthread_cond_wait(&q->changed, &q->mu);
    int stop = q->stop;
    pthread_mutex_unlock(&q->mu);
    if (!end && !stop) {
        batch *b = &q->b[q->fill];  /* free now: the calling thread is done with it */
        b->used = b->nf = b->nrows = 0;
    }
    return stop;
}

/* on_row's hand-off on the reader thread: the row joins the batch. */
static void batch_row_done(reader *r)
{
    pipe_t *q = r->pipe;
    batch *b = &q->b[q->fill];
    if (batch_add(b, r) != 0) {
        r->oom = 1;
        return;
    }
    if ((b->nrows >= BATCH_ROWS || b->used >= BATCH_BYTES) && batch_publish(q, 0, 0))
        r->stop = 1;            /* the calling thread stopped: its own result stands */
}

static int parse_all(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen);

static void *parse_thread(void *arg)
{
    pipe_t *q = arg;
    int rc = parse_all(q->r, q->p, q->src, q->out, q->seen);
    batch_publish(q, 1, rc);    /* the last batch; not read when the calling thread stopped */
    return NULL;
}

/* Points row at row k of the batch, its field pointers in *field (grown as needed).
 * Returns 0, or -1 out of memory. */
static int batch_row_at(const batch *b, size_t k, size_t prepared_size, csvr_row *row, char ***field, size_t *cap)
{
    const batch_row *br = &b->rows[k];
    if (br->nfields > *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        while (n < br->nfields)
            n *= 2;
        char **f = realloc(*field, n * sizeof *f);
        if (!f)
            return -1;
        *field = f;
        *cap = n;
    }
    for (size_t i = 0; i < br->nfields; i++)
        (*field)[i] = b->buf + b->off[br->first + i];
    row->line = br->line;
    row->nfields = br->nfields;
    row->field = *field;
    row->len = b->len + br->first;
    row->bytes_read = br->bytes_read;
    row->prepared = b->prep ? b->prep + k * prepared_size : NULL;
    return 0;
}

/* Runs parse_all on a reader thread and fn here, batch by batch. Returns what
 * parse_all or fn returned. */
static int read_threaded(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen)
{
    pipe_t q = {.r = r, .p = p, .src = src, .out = out, .seen = seen};
    char *user_err = r->err;
    size_t user_errlen = r->errlen;
    r->pipe = &q;
    r->err = src->err = q.err;
    r->errlen = src->errlen = sizeof q.err;
    pthread_t tid;
    if (pthread_mutex_init(&q.mu, NULL) != 0 || pthread_cond_init(&q.changed, NULL) != 0 ||
        pthread_create(&tid, NULL, parse_thread, &q) != 0) {
        snprintf(user_err, user_errlen, "%s: cannot start the reader thread", r->row.path);
        return CSVR_ERROR;
    }
    int rc = 0;
    char **field[2] = {NULL, NULL};     /* the field pointers of this row and the next */
    size_t fieldcap[2] = {0, 0};
    for (int end = 0; !end && rc == 0;) {
        pthread_mutex_lock(&q.mu);
        while (q.count == 0)
            pthread_cond_wait(&q.changed, &q.mu);
        pthread_mutex_unlock(&q.mu);
        batch *b = &q.b[q.head];
        /* r->row.line is the reader thread's; path, the column map and the header
         * width are fixed before the first batch */
        csvr_row row[2] = {{.path = r->row.path, .col = r->colmap, .nheader = r->row.nheader},
                           {.path = r->row.path, .col = r->colmap, .nheader = r->row.nheader}};
        int cur = 0;
        for (size_t i = 0; i < b->nrows && rc == 0; i++) {
            /* row i is built already when it was the look-ahead of row i - 1 */
            int more = r->ahead && i + 1 < b->nrows;
            if (((i == 0 || !r->ahead) &&
                 batch_row_at(b, i, r->prepared_size, &row[cur], &field[cur], &fieldcap[cur]) != 0) ||
                (more && batch_row_at(b, i + 1, r->prepared_size, &row[!cur], &field[!cur], &fieldcap[!cur]) != 0)) {
                snprintf(user_err, user_errlen, "%s:%ld: out of memory reading a row", r->row.path, b->rows[i].line);
                rc = CSVR_ERROR;
                break;
            }
            if (more)
                r->ahead(r->ctx, &row[!cur]);
            r->rows++;
            rc = r->fn(r->ctx, &row[cur]);
            if (r->ahead)
                cur = !cur;
        }
        if (rc == 0 && b->end) {
            end = 1;
            rc = b->rc;
            if (rc == CSVR_ERROR)
                snprintf(user_err, user_errlen, "%s", q.err);
        }
        pthread_mutex_lock(&q.mu);
        q.head = (q.head + 1) % NBATCH;
        q.count--;
        if (rc != 0)
            q.stop = 1;
        pthread_cond_broadcast(&q.changed);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_mutex_lock(&q.mu);
    q.stop = 1;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
    pthread_join(tid, NULL);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.changed);
    r->err = src->err = user_err;
    r->errlen = src->errlen = user_errlen;
    free(field[0]);
    free(field[1]);
    for (int i = 0; i < NBATCH; i++) {
        free(q.b[i].buf);
        free(q.b[i].off);
        free(q.b[i].len);
        free(q.b[i].rows);
        free(q.b[i].prep);
    }
    return rc;
}

/* Reads, parses and checks the whole file, rows to fn (or to batches with a reader
 * thread). Returns 0, CSVR_ERROR with the message in r->err, or fn's result. */
static int parse_all(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen)
{
    int rc = 0;
    for (;;) {
        size_t n;
        if (source_next(src, out, &n) != 0)
            return CSVR_ERROR;
        *seen = src->bytes;
        if (n == 0)
            break;
        rc = feed(r, p, out, n);
        if (rc != 0)
            return rc;
    }
    if (csv_fini(p, on_field, on_row, r) != 0)
        return parse_error(r, p);
    if (r->stop)
        return r->stop;
    if (r->oom) {
        snprintf(r->err, r->errlen, "%s:%ld: out of memory reading a row", r->row.path, r->line);
        return CSVR_ERROR;
    }
    if (!r->header_done) {
        snprintf(r->err, r->errlen, "%s: empty file (no header row)", r->row.path);
        return CSVR_ERROR;
    }
    return 0;
}

int csvr_read(const char *path, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx, csvr_info *info,
              char *err, size_t errlen)
{
    csvr_hooks h = {.fn = fn, .ctx = ctx};
    return csvr_read_hooks(path, cols, ncols, &h, info, err, errlen);
}

int csvr_read_hooks(const char *path, const csvr_column *cols, int ncols, const csvr_hooks *hooks, csvr_info *info,
                    char *err, size_t errlen)
{
    reader r = {.cols = cols, .ncols = ncols, .fn = hooks->fn, .ahead = hooks->ahead, .prepare = hooks->prepare,
                .prepared_size = hooks->prepare ? hooks->prepared_size : 0, .ctx = hooks->ctx, .line = 1, .err = err,
                .errlen = errlen};
    csvr_info local = {0};
    uint64_t seen = 0;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (ncols > MAX_COLS) {
        snprintf(err, errlen, "%s: too many columns requested", path);
        return CSVR_ERROR;
    }
    r.row.path = path;
    r.row.col = r.colmap;
    r.bytes = &seen;

    int is_stdin = strcmp(path, "-") == 0;
    source src = {.path = path, .first = 1, .err = err, .errlen = errlen, .crc = (uint32_t)crc32(0L, Z_NULL, 0)};
    digest_init(&src.sha);
    src.fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CSVR_ERROR;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
    csv_set_space_func(&p, no_space);   /* values are exact: never trim spaces (SPEC §1) */
    csv_set_blk_size(&p, BLOCK);        /* a long field grows libcsv's buffer in big steps, not 128 bytes */
    unsigned char *out = malloc(BLOCK);
    src.in = malloc(BLOCK);
    if (r.prepare && !reader_thread_on)
        r.prepared = malloc(r.prepared_size ? r.prepared_size : 1);
    int rc;
    if (!src.in || !out || (r.prepare && !reader_thread_on && !r.prepared)) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = CSVR_ERROR;
    } else if (reader_thread_on) {
        rc = read_threaded(&r, &p, &src, out, &seen);
    } else {
        rc = parse_all(&r, &p, &src, out, &seen);
    }
    info->bytes = src.bytes;
    info->crc32 = src.crc;
    info->gzip = src.zinit;
    info->rows = r.rows;
    if (rc == 0)
        digest_final(&src.sha, info->sha256);
    if (src.zinit)
        inflateEnd(&src.z);
    csv_free(&p);
    if (!is_stdin)
        close(src.fd);
    free(src.in);
    free(out);
    free(r.buf);
    free(r.off);
    free(r.len);
    free(r.field);
    free(r.bfield);
    free(r.prepared);
    return rc;
}
